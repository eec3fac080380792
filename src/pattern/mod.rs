//! Patterns: the file format ([`spec`]), compilation ([`compile`]), loading from the built-in set
//! and from user paths, the self-test of every pattern's own examples ([`selftest`]), and the
//! places a secret is committed in ([`contexts`]: for the self-test of named patterns and the
//! accuracy benchmark), and the words that name a secret ([`names`]).

pub mod check;
mod compile;
pub mod contexts;
pub mod names;
mod run;
pub mod selftest;
pub mod spec;

pub use compile::{Origin, Pattern, GENERIC_PROVIDER};
pub use spec::{CheckSpec, Confidence, Encoding, PatternFile, PatternSpec, ProviderCall, Severity};

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/builtin_patterns.rs"));

/// A pattern that cannot be loaded, with the file and (when known) the pattern id at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub file: String,
    pub id: Option<String>,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}: pattern `{}`: {}", self.file, id, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for PatternError {}

/// The built-in patterns, compiled into the binary.
///
/// # Errors
/// Only if a built-in file is broken, which `cargo test` rules out.
pub fn builtin() -> Result<Vec<Pattern>, PatternError> {
    let load = |files: &[(&str, &str, &str)]| -> Result<Vec<Pattern>, PatternError> {
        let mut out = Vec::new();
        for (file, json, _) in files {
            let parsed: PatternFile = serde_json::from_str(json).map_err(|e| PatternError {
                file: file.to_string(),
                id: None,
                message: e.to_string(),
            })?;
            out.extend(compile_all(file, parsed.patterns, Origin::BuiltIn)?);
        }
        Ok(out)
    };
    // Loading is most of a one-file scan's time (a pre-commit hook's): the files are split
    // between the cores, and joined back in name order.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let runs = BUILTIN_FILES.chunks(BUILTIN_FILES.len().div_ceil(cores).max(1));
    std::thread::scope(|scope| {
        let parts: Vec<_> = runs
            .into_iter()
            .map(|files| scope.spawn(move || load(files)))
            .collect();
        let mut out = Vec::new();
        for part in parts {
            out.extend(
                part.join()
                    .expect("loading built-in patterns should not panic")?,
            );
        }
        Ok(out)
    })
}

/// The examples and negative examples of a built-in pattern (none for an unknown id), read from
/// the binary on first use: a scan never needs them.
pub(crate) fn builtin_examples(id: &str) -> &'static (Vec<String>, Vec<String>) {
    type Examples = HashMap<String, (Vec<String>, Vec<String>)>;
    static ALL: OnceLock<Examples> = OnceLock::new();
    static NONE: (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let all = ALL.get_or_init(|| {
        let mut all = Examples::new();
        for (file, _, json) in BUILTIN_FILES {
            let parsed: Examples = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("{file}: the built-in examples should parse: {e}"));
            all.extend(parsed);
        }
        all
    });
    all.get(id).unwrap_or(&NONE)
}

/// Patterns from user paths: each a `.toml` file, or a folder whose `*.toml` files are read in
/// name order.
///
/// # Errors
/// An unreadable path, a folder with no pattern file, or any pattern error.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Pattern>, PatternError> {
    let mut out = Vec::new();
    for path in paths {
        for file in pattern_files(path)? {
            let text = std::fs::read_to_string(&file).map_err(|e| PatternError {
                file: file.display().to_string(),
                id: None,
                message: format!("cannot read: {e}"),
            })?;
            out.extend(parse_file(&file.display().to_string(), &text)?);
        }
    }
    Ok(out)
}

/// The pattern files `path` names: itself, or the `*.toml` files of a folder, as `--patterns`
/// loads them.
///
/// # Errors
/// `path` cannot be read, or is a folder with no `*.toml` file.
pub fn pattern_files(path: &Path) -> Result<Vec<PathBuf>, PatternError> {
    let err = |message: String| PatternError {
        file: path.display().to_string(),
        id: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| err(format!("cannot read folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    if files.is_empty() {
        return Err(err("folder holds no *.toml pattern file".into()));
    }
    files.sort();
    Ok(files)
}

/// Parses and compiles one user file's `[[patterns]]`.
///
/// # Errors
/// TOML syntax, an unknown field, or a pattern that does not compile.
pub fn parse_file(file: &str, text: &str) -> Result<Vec<Pattern>, PatternError> {
    parse(file, text, Origin::File)
}

pub(crate) fn parse(file: &str, text: &str, origin: Origin) -> Result<Vec<Pattern>, PatternError> {
    let parsed: PatternFile = toml::from_str(text).map_err(|e| PatternError {
        file: file.to_string(),
        id: None,
        message: toml_error(text, &e),
    })?;
    compile_all(file, parsed.patterns, origin)
}

/// Compiles the `[[patterns]]` of the config file `file`.
///
/// # Errors
/// The first pattern that does not compile.
pub fn compile_specs(file: &str, specs: Vec<PatternSpec>) -> Result<Vec<Pattern>, PatternError> {
    compile_all(file, specs, Origin::Config)
}

fn compile_all(
    file: &str,
    specs: Vec<PatternSpec>,
    origin: Origin,
) -> Result<Vec<Pattern>, PatternError> {
    specs
        .into_iter()
        .map(|spec| {
            let id = spec.id.clone();
            compile::compile(spec, file, origin).map_err(|message| PatternError {
                file: file.to_string(),
                id: Some(id),
                message,
            })
        })
        .collect()
}

/// `line L, column C: message` from a TOML error, on one line.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// Rejects two patterns with one id, naming both files, and a `pair` naming no loaded pattern.
///
/// # Errors
/// The first problem found.
pub fn check_set(patterns: &[Pattern]) -> Result<(), PatternError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for p in patterns {
        if let Some(first) = seen.insert(&p.id, &p.source) {
            return Err(PatternError {
                file: p.source.clone(),
                id: Some(p.id.clone()),
                message: format!("duplicate id: already defined in {first}"),
            });
        }
    }
    for p in patterns {
        if let Some(pair) = p.pair() {
            if pair == p.id || !seen.contains_key(pair) {
                return Err(PatternError {
                    file: p.source.clone(),
                    id: Some(p.id.clone()),
                    message: format!("`pair` names {pair:?}, which is not another loaded pattern"),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_name_line_and_column() {
        let err = match parse_file("x.toml", "[[patterns]]\nid = 'a.b'\nnmae = 'x'\n") {
            Err(e) => e,
            Ok(_) => panic!("an unknown field should be rejected"),
        };
        let text = err.to_string();
        assert!(
            text.starts_with("x.toml: line 3, column 1: unknown field `nmae`"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn a_pattern_cannot_claim_the_base64_decoding_keysweep_does_itself() {
        let text = "[[patterns]]\nid = 'a.b'\nname = 'A'\nseverity = 'low'\n\
                    secret = 'abc[0-9]{4}'\nencoding = 'base64'\n";
        let err = match parse_file("x.toml", text) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("encoding = 'base64' should be rejected"),
        };
        assert!(
            err.contains("unknown variant `base64`, expected `percent`"),
            "{err}"
        );
    }

    /// A built-in pattern's regexes are parsed on first use, not at load; loading every built-in
    /// file as a user's file is what makes that first use safe.
    #[test]
    fn every_builtin_file_loads_as_strictly_as_a_users() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
        let strict = load_paths(&[dir]).unwrap_or_else(|e| panic!("{e}"));
        let builtin = builtin().unwrap();
        assert_eq!(strict.len(), builtin.len());
        for (file, lazy) in strict.iter().zip(&builtin) {
            assert_eq!(file.id, lazy.id);
            assert_eq!(file.keywords, lazy.keywords, "{}", file.id);
            assert_eq!(file.reach(), lazy.reach(), "{}", file.id);
        }
    }

    #[test]
    fn each_loader_records_where_its_patterns_came_from() {
        let text =
            "[[patterns]]\nid = 'a.b'\nname = 'A'\nseverity = 'low'\nsecret = 'abc[0-9]{4}'\n";
        let from_file = parse_file("x.toml", text).unwrap();
        assert_eq!(from_file[0].origin, Origin::File);
        assert!(!from_file[0].is_builtin());
        let specs = toml::from_str::<PatternFile>(text).unwrap().patterns;
        assert_eq!(
            compile_specs(".keysweep.toml", specs).unwrap()[0].origin,
            Origin::Config
        );
        assert!(builtin()
            .unwrap()
            .iter()
            .all(|p| p.origin == Origin::BuiltIn));
    }

    #[test]
    fn duplicate_ids_name_both_files() {
        let one =
            "[[patterns]]\nid = 'a.b'\nname = 'A'\nseverity = 'low'\nsecret = 'abc[0-9]{4}'\n";
        let mut all = parse_file("one.toml", one).unwrap();
        all.extend(parse_file("two.toml", one).unwrap());
        let err = check_set(&all).unwrap_err().to_string();
        assert_eq!(
            err,
            "two.toml: pattern `a.b`: duplicate id: already defined in one.toml"
        );
    }

    #[test]
    fn builtin_patterns_load_with_unique_ids() {
        let all = builtin().unwrap();
        // Every `[[patterns]]` table of every file in patterns/ is built in, none lost on the way.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
        let tables: usize = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                text.lines().filter(|l| l.trim() == "[[patterns]]").count()
            })
            .sum();
        assert!(tables >= 360, "patterns/ holds only {tables} patterns");
        assert_eq!(
            all.len(),
            tables,
            "built-in patterns against patterns/*.toml"
        );
        check_set(&all).unwrap();
    }
}
