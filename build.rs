//! Embeds every `patterns/*.toml` into the binary as `(file name, JSON, examples JSON)`: the TOML
//! is parsed here, once, so a broken built-in file fails the build naming the file, and startup
//! reads JSON, about five times faster than TOML (the built-in library is ~2 MB). The examples
//! (two fifths of the bytes) are kept apart: a scan never reads them, `patterns test` does.
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
        "/// Built-in pattern files as JSON without their examples, and their examples as JSON\n/// (`{id: [examples, negative examples]}`), sorted by name.\npub(crate) static BUILTIN_FILES: &[(&str, &str, &str)] = &[\n",
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("patterns/{name}: cannot read: {e}"));
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("patterns/{name}: not valid TOML: {e}"));
        let mut value = serde_json::to_value(value).expect("TOML values are JSON values");
        let examples = take_examples(&mut value);
        let write = |suffix: &str, value: &serde_json::Value| {
            let dest = Path::new(&out_dir).join(format!("{name}{suffix}"));
            let json = serde_json::to_string(value).expect("TOML values are JSON values");
            fs::write(&dest, json).expect("OUT_DIR should be writable");
            dest.display().to_string()
        };
        out.push_str(&format!(
            "    ({:?}, include_str!({:?}), include_str!({:?})),\n",
            format!("patterns/{name}"),
            write(".json", &value),
            write(".examples.json", &examples),
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&out_dir).join("builtin_patterns.rs");
    fs::write(dest, out).expect("OUT_DIR should be writable");
}

/// Removes every pattern's `examples` and `negative_examples`, returned as `{id: [examples,
/// negative examples]}` (a pattern without an id is left whole, for the loader to refuse).
fn take_examples(file: &mut serde_json::Value) -> serde_json::Value {
    let mut taken = serde_json::Map::new();
    let patterns = file.get_mut("patterns").and_then(|p| p.as_array_mut());
    for pattern in patterns.into_iter().flatten() {
        let Some(table) = pattern.as_object_mut() else {
            continue;
        };
        let Some(id) = table.get("id").and_then(|i| i.as_str()).map(str::to_string) else {
            continue;
        };
        let mut take = |key: &str| table.remove(key).unwrap_or(serde_json::json!([]));
        let pair = serde_json::json!([take("examples"), take("negative_examples")]);
        taken.insert(id, pair);
    }
    serde_json::Value::Object(taken)
}
