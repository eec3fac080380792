//! The layer order of `src/`, written down once, and the test that keeps it: a module may use
//! modules of its own layer or of a layer below, never one above. ARCHITECTURE.md explains the
//! layers; this table is the one place they are listed.
//!
//! The test reads every file under `src/` (it does not compile anything): each `use crate::…`
//! tree, each `crate::…` path in code and each `crate::macro!` call, comments aside. `super::`
//! stays inside a module's own folder, so within one entry of [`LAYERS`]; the one entry that is
//! a submodule (`pattern::selftest`) is checked by its own path too.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// From the bottom up. Each row: a layer's name and its modules (a module path names the module
/// and everything under it; the longest matching path decides).
const LAYERS: &[(&str, &[&str])] = &[
    // Leaves: text for people, counters, where state lives and how its files are opened,
    // terminal and Ctrl-C state, the record of keysweep's own files. They import nothing above
    // them.
    (
        "leaf",
        &[
            "text",
            "stats",
            "places",
            "state_file",
            "console",
            "interrupt",
            "own_files",
        ],
    ),
    // Pattern files: their format, loading and compiling.
    ("pattern", &["pattern"]),
    // The config file `.keysweep.toml` (holds patterns, allow rules, exclusions, webhooks).
    ("config", &["config"]),
    // Keyword prefilter, regexes, boundaries, entropy; the decoders, whose trigger words the
    // prefilter looks for.
    ("engine", &["engine", "decode"]),
    // Every pattern's examples run through the engine, and the one entry point that builds an
    // engine from built-ins, pattern files and the config (checking the examples): above the
    // engine they check.
    ("engine assembly", &["pattern::selftest", "engine::build"]),
    // Where blobs come from: folders, git history, staged changes, standard input.
    ("source", &["source"]),
    // Matches into findings: decoded values scanned again, locating, pairing.
    ("finding stages", &["finding", "stages"]),
    // Every filter: inline markers, added lines, allow rules, the baseline.
    ("filters", &["filter"]),
    // The pipeline: sources into the engine, the stages and the filters; counted and sorted.
    ("pipeline", &["scan"]),
    // Sinks: reports and the files they are written to, verification and revocation, the audit
    // record of what a run covered, and the merge of several runs' reports and audit records.
    ("sinks", &["report", "output", "revoke", "audit", "merge"]),
    // The application: the typed request run top to bottom, config discovery, git hooks, exit
    // statuses, the fuzz entry points.
    ("app", &["app", "discover", "hook", "exit", "fuzz"]),
    // Arguments and what is generated from them (man page, completions).
    ("cli", &["cli", "manual"]),
];

/// Imports that break the order today, each to be removed with the code that needs it. Every
/// entry must still occur (the test fails on a stale one), so this list only shrinks.
const EXCEPTIONS: &[(&str, &str)] = &[];

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let macros = macro_homes(&src, &files);
    let mut problems = String::new();
    let mut exceptions_seen = vec![false; EXCEPTIONS.len()];
    for file in &files {
        let Some(module) = module_path(&src, file) else {
            continue;
        };
        let from = match layer_of(&module) {
            Some(layer) => layer,
            None => {
                let _ = writeln!(
                    problems,
                    "src/{}: module `{module}` is in no layer: add it to LAYERS in {}",
                    rel(&src, file),
                    file!()
                );
                continue;
            }
        };
        let code = without_comments(&std::fs::read_to_string(file).unwrap());
        for target in crate_paths(&code) {
            let target = match macros.get(target.as_str()) {
                Some(home) => home.clone(),
                None => target,
            };
            let Some(to) = layer_of(&target) else {
                let _ = writeln!(
                    problems,
                    "src/{}: `crate::{target}` is in no layer: add its module to LAYERS in {}",
                    rel(&src, file),
                    file!()
                );
                continue;
            };
            if to <= from {
                continue;
            }
            if let Some(i) = EXCEPTIONS
                .iter()
                .position(|&(m, t)| m == module && target.starts_with(t))
            {
                exceptions_seen[i] = true;
                continue;
            }
            let _ = writeln!(
                problems,
                "src/{}: `{module}` ({} layer) uses `crate::{target}` ({} layer, above it)",
                rel(&src, file),
                LAYERS[from].0,
                LAYERS[to].0
            );
        }
    }
    for (i, seen) in exceptions_seen.iter().enumerate() {
        if !seen {
            let (m, t) = EXCEPTIONS[i];
            let _ = writeln!(
                problems,
                "exception `{m}` -> `{t}` no longer occurs: remove it from EXCEPTIONS"
            );
        }
    }
    assert!(problems.is_empty(), "layer order broken:\n{problems}");
}

#[test]
fn the_checker_sees_every_form_of_import() {
    let code = without_comments(
        "use crate::report::{self, human::sanitize, Format};\n\
         use crate::{engine::Engine, source::{fs, git}};\n\
         // use crate::cli;\n\
         let x = crate::revoke::run(); /* crate::hook */ $crate::console::quiet();\n\
         crate::notice!(\"crate::inside_a_string\");\n",
    );
    assert_eq!(
        crate_paths(&code),
        [
            "report",
            "report::human::sanitize",
            "report::Format",
            "engine::Engine",
            "source::fs",
            "source::git",
            "revoke::run",
            "notice",
        ]
    );
    assert_eq!(
        layer_of("pattern::selftest::run"),
        layer_of("pattern::selftest")
    );
    assert!(layer_of("pattern::selftest").unwrap() > layer_of("engine").unwrap());
    assert!(layer_of("pattern::spec").unwrap() < layer_of("engine").unwrap());
    assert_eq!(layer_of("nowhere"), None);
}

/// The index in [`LAYERS`] of the longest module path that is `path` or a prefix of it.
fn layer_of(path: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, modules)) in LAYERS.iter().enumerate() {
        for m in *modules {
            let covers = path == *m || path.starts_with(&format!("{m}::"));
            if covers && best.is_none_or(|(len, _)| m.len() > len) {
                best = Some((m.len(), i));
            }
        }
    }
    best.map(|(_, i)| i)
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn rel(src: &Path, file: &Path) -> String {
    file.strip_prefix(src).unwrap().display().to_string()
}

/// `report::sarif` for `src/report/sarif/mod.rs`; `None` for the crate roots (`lib.rs` only
/// declares modules, `main.rs` is the binary and uses the library by name).
fn module_path(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.as_slice() {
        [one] if one == "lib" || one == "main" => None,
        _ => Some(parts.join("::")),
    }
}

/// Which module defines each `macro_rules!` (exported macros are called as `crate::name!`).
fn macro_homes(src: &Path, files: &[PathBuf]) -> HashMap<String, String> {
    let mut homes = HashMap::new();
    for file in files {
        let code = without_comments(&std::fs::read_to_string(file).unwrap());
        for (at, _) in code.match_indices("macro_rules!") {
            let name: String = code[at + "macro_rules!".len()..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if let Some(module) = module_path(src, file) {
                homes.insert(name, module);
            }
        }
    }
    homes
}

/// `code` with comments and the contents of string and character literals blanked out.
fn without_comments(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !ident_before(&chars, i) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let rest: String = chars[j..].iter().collect();
            let len = rest
                .find(&close)
                .map_or(rest.chars().count(), |b| rest[..b].chars().count());
            i = j + len + close.chars().count();
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && is_char_literal(&chars, i) {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// A `'` that opens a character literal (`'a'`, `'\n'`, `'\u{1F}'`), not a lifetime (`'a`).
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

/// Every path below `crate::` that `code` names, `use` trees expanded (`self` names the
/// module before it), in order. `$crate::` (inside a macro) is not a use of the module.
fn crate_paths(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = find(&chars, i, "crate::") {
        i = found + "crate::".len();
        if found > 0 && (ident_before(&chars, found) || chars[found - 1] == '$') {
            continue;
        }
        let (paths, end) = use_tree(&chars, i, "");
        out.extend(paths);
        i = end;
    }
    out
}

fn find(chars: &[char], from: usize, needle: &str) -> Option<usize> {
    let needle: Vec<char> = needle.chars().collect();
    (from..chars.len().saturating_sub(needle.len() - 1)).find(|&i| chars[i..].starts_with(&needle))
}

/// The paths of the use tree at `i` (`a::b`, `a::{b, c::d}`, `a::*`), each after `prefix`, and
/// where the tree ends.
fn use_tree(chars: &[char], mut i: usize, prefix: &str) -> (Vec<String>, usize) {
    let skip_space = |i: &mut usize| {
        while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
    };
    let mut path = prefix.to_string();
    loop {
        skip_space(&mut i);
        if chars.get(i) == Some(&'{') {
            i += 1;
            let mut paths = Vec::new();
            loop {
                skip_space(&mut i);
                match chars.get(i) {
                    Some('}') => return (paths, i + 1),
                    Some(',') => i += 1,
                    None => return (paths, i),
                    _ => {
                        let (more, end) = use_tree(chars, i, &path);
                        paths.extend(more);
                        i = end;
                    }
                }
            }
        }
        if chars.get(i) == Some(&'*') {
            return (vec![path], i + 1);
        }
        let start = i;
        while chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            i += 1;
        }
        let segment: String = chars[start..i].iter().collect();
        if segment != "self" && !segment.is_empty() {
            if !path.is_empty() {
                path.push_str("::");
            }
            path.push_str(&segment);
        }
        if chars[i..].starts_with(&[':', ':']) {
            i += 2;
            continue;
        }
        // `as name` renames the last segment; the path is what counts.
        skip_space(&mut i);
        if chars[i..].starts_with(&['a', 's', ' ']) {
            i += 3;
            skip_space(&mut i);
            while chars
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                i += 1;
            }
        }
        return (if path.is_empty() { vec![] } else { vec![path] }, i);
    }
}

/// Unsafe code is denied crate-wide; the one block allowed (libgit2's pack-window limits) stays
/// the only one, so a new one is a decision made in review, not a line slipped in.
#[test]
fn unsafe_code_is_allowed_in_one_audited_place_only() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    let mut allowed: Vec<String> = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("allow(unsafe_code)") {
                let rel = file.strip_prefix(root).unwrap().display();
                allowed.push(format!("{rel}:{}", n + 1));
            }
        }
    }
    assert_eq!(allowed.len(), 1, "{allowed:?}");
    assert!(
        allowed[0].starts_with("src/source/git/mod.rs:"),
        "{allowed:?}"
    );
}
