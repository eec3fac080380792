//! Property tests (proptest) of the boundary rules and the engine, through the library's
//! `scan_blob` and `scan::run` with the built-in patterns:
//! - a secret between any delimiters is found exactly once, at the right line and column;
//! - glued to a letter or digit on either side, it is not found;
//! - two secrets sharing one delimiter are both found;
//! - findings do not depend on the thread count, on CRLF against LF line ends (line and column
//!   included), or on where the file sits among others;
//! - the fingerprint depends only on the rule and the secret.

use crate::util::with_checksum;
use keysweep::engine::{shannon_entropy, Engine, Rules};
use keysweep::finding::fingerprint;
use keysweep::scan::{self, scan_blob, Mode, ScanRequest};
use keysweep::source::fs::WalkOptions;
use keysweep::source::{Blob, Provenance};
use proptest::prelude::*;
use std::sync::OnceLock;

/// The built-in engine as `keysweep scan` runs it (generic rules off).
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let config = keysweep::config::Config::default();
        let rules = Rules {
            generic: false,
            ..Rules::builtin(&config)
        };
        Engine::build(&rules, &|_| ()).unwrap()
    })
}

/// A secret of a built-in pattern whose default boundaries make any non-alphanumeric character a
/// delimiter: Scaleway access keys and GitHub classic tokens.
fn secret() -> impl Strategy<Value = (&'static str, String)> {
    prop_oneof![
        "[A-Z0-9]{17}".prop_map(|s| ("scaleway.access_key", format!("SCW{s}"))),
        "[A-Za-z0-9]{30}".prop_map(|s| ("github.pat_classic", with_checksum("ghp", &s))),
    ]
    .prop_filter("real keys are random", |(_, s)| {
        shannon_entropy(s.as_bytes()) >= 3.5 && !s.to_ascii_uppercase().contains("EXAMPLE")
    })
}

/// Text that holds no token: lower-case words, digits, non-ASCII letters (columns count
/// characters), punctuation, spaces and line breaks.
fn filler() -> impl Strategy<Value = String> {
    "[a-z0-9éß日本🔑 =:,;'\"`(){}<>/|@#%&*+!?.\\-\\[\\]\t\n]{0,40}"
}

/// One non-alphanumeric character.
fn delimiter() -> impl Strategy<Value = char> {
    prop::sample::select(
        " \t\n\r=:,;'\"`(){}<>/|@#%&*+!?.-[]\\~^$"
            .chars()
            .collect::<Vec<_>>(),
    )
}

fn scan(text: &str) -> Vec<keysweep::finding::Finding> {
    let blob = Blob {
        bytes: text.as_bytes().to_vec(),
        path: "f.txt".to_string(),
        provenance: Provenance::default(),
    };
    scan_blob(engine(), &blob)
}

/// 1-based line and column (in characters) of byte `at` in `text`.
fn place(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..at].chars().count() + 1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_secret_between_delimiters_is_found_once_at_its_place(
        (rule, secret) in secret(),
        head in filler(), left in delimiter(), right in delimiter(), tail in filler(),
        at_start in any::<bool>(), at_end in any::<bool>(),
    ) {
        let prefix = if at_start { String::new() } else { format!("{head}{left}") };
        let suffix = if at_end { String::new() } else { format!("{right}{tail}") };
        let text = format!("{prefix}{secret}{suffix}");
        let found = scan(&text);
        prop_assert_eq!(found.len(), 1, "{:?}", found);
        let f = &found[0];
        prop_assert_eq!(f.rule_id.as_str(), rule);
        prop_assert_eq!(&f.secret, &secret);
        prop_assert_eq!((f.line, f.column), place(&text, prefix.len()));
        prop_assert_eq!(f.end_column, f.column + secret.len());
    }

    #[test]
    fn a_secret_glued_to_a_letter_or_digit_is_not_found(
        (_rule, secret) in secret(),
        glue in "[A-Za-z0-9]", glue_left in any::<bool>(),
        head in filler(), tail in filler(),
    ) {
        let text = if glue_left {
            format!("{head} {glue}{secret} {tail}")
        } else {
            format!("{head} {secret}{glue} {tail}")
        };
        let found = scan(&text);
        prop_assert!(found.iter().all(|f| f.secret != secret), "{:?}", found);
    }

    #[test]
    fn two_secrets_sharing_one_delimiter_are_both_found(
        (_r1, first) in secret(), (_r2, second) in secret(), shared in delimiter(),
    ) {
        prop_assume!(first != second);
        let text = format!("{first}{shared}{second}");
        let found: Vec<String> = scan(&text).into_iter().map(|f| f.secret).collect();
        prop_assert_eq!(found, vec![first, second]);
    }

    #[test]
    fn crlf_and_lf_give_the_same_findings_lines_and_columns(
        lines in prop::collection::vec((filler(), prop::option::of(secret())), 1..8),
    ) {
        let lf: String = lines
            .iter()
            .map(|(text, secret)| {
                let text = text.replace(['\n', '\r'], " ");
                match secret {
                    Some((_, s)) => format!("{text} {s}\n"),
                    None => format!("{text}\n"),
                }
            })
            .collect();
        let crlf = lf.replace('\n', "\r\n");
        let key = |f: &keysweep::finding::Finding| {
            (f.rule_id.clone(), f.secret.clone(), f.line, f.column, f.end_line, f.end_column)
        };
        let a: Vec<_> = scan(&lf).iter().map(key).collect();
        let b: Vec<_> = scan(&crlf).iter().map(key).collect();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn the_fingerprint_depends_only_on_the_rule_and_the_secret(
        (rule, secret) in secret(), head in filler(), other_head in filler(),
    ) {
        let one = scan(&format!("{head}\n{secret}\n"));
        let two = scan(&format!("{other_head}\n\nkey = \"{secret}\"\n"));
        prop_assert_eq!(one.len(), 1);
        prop_assert_eq!(two.len(), 1);
        prop_assert_eq!(&one[0].fingerprint, &two[0].fingerprint);
        prop_assert_eq!(&one[0].fingerprint, &fingerprint(rule, secret.as_bytes()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A folder scanned with 1, 2 or 4 threads gives the same findings, line and column included.
    #[test]
    fn findings_do_not_depend_on_the_thread_count(
        files in prop::collection::vec(
            prop::collection::vec((filler(), prop::option::of(secret())), 1..6), 1..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (n, lines) in files.iter().enumerate() {
            let text: String = lines
                .iter()
                .map(|(text, secret)| match secret {
                    Some((_, s)) => format!("{text} {s}\n"),
                    None => format!("{text}\n"),
                })
                .collect();
            let sub = dir.path().join(format!("d{}", n % 3));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join(format!("f{n}.txt")), text).unwrap();
        }
        let run = |threads| {
            let request = ScanRequest {
                mode: Mode::Paths(vec![dir.path().to_path_buf()]),
                walk: WalkOptions {
                    threads,
                    no_ignore: true,
                    follow_symlinks: false,
                    max_file_size: 1 << 20,
                    exclude: None,
                    own: None,
                    shard: None,
                },
                progress: false,
                cache: None,
            };
            let outcome = scan::run(engine(), &request, &|_| {}).unwrap();
            let mut found: Vec<_> = outcome
                .findings
                .iter()
                .map(|f| (f.path.clone(), f.line, f.column, f.secret.clone(), f.fingerprint.clone()))
                .collect();
            found.sort();
            found
        };
        let one = run(1);
        prop_assert_eq!(&one, &run(2));
        prop_assert_eq!(&one, &run(4));
    }
}
