//! Embeds every `patterns/*.toml` into the binary as `(file name, JSON)` pairs: the TOML is
//! parsed here, once, so a broken built-in file fails the build naming the file, and startup
//! reads JSON, about five times faster than TOML (the built-in library is ~2 MB).
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
    let out_dir = env::var("OUT_DIR").unwrap();
    let mut out = String::from(
        "/// Built-in pattern files as JSON, sorted by name.\npub(crate) static BUILTIN_FILES: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("patterns/{name}: cannot read: {e}"));
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("patterns/{name}: not valid TOML: {e}"));
        let json = serde_json::to_string(&value).expect("TOML values are JSON values");
        let dest = Path::new(&out_dir).join(format!("{name}.json"));
        fs::write(&dest, json).expect("OUT_DIR should be writable");
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("patterns/{name}"),
            dest.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&out_dir).join("builtin_patterns.rs");
    fs::write(dest, out).expect("OUT_DIR should be writable");
}
