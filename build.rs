//! Embeds every `patterns/*.toml` into the binary as `(file name, contents)` pairs.
//! A build script (not `include_dir!`) so that a new pattern file always triggers a rebuild.
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=patterns");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("patterns/ should exist beside Cargo.toml")
        .map(|e| e.expect("patterns/ should be readable").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("/// Built-in pattern files, sorted by name.\npub(crate) static BUILTIN_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("patterns/{name}"),
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_patterns.rs");
    fs::write(dest, out).expect("OUT_DIR should be writable");
}
