//! The bodies of the fuzz targets (`fuzz/`), kept in the library so that `cargo test` replays
//! every input a fuzzer ever crashed (`tests/fuzz-regressions/TARGET/*`) through the very same
//! code. Each takes arbitrary bytes; errors are expected, panics (failed checks) and hangs are
//! bugs.

use crate::config::Config;
use crate::engine::{Engine, Rules};
use crate::filter::Baseline;
use crate::pattern;
use crate::report::{self, Format, Report, Style};
use crate::revoke::journal::{seal_lines, Journal};
use crate::revoke::seal::Key;
use crate::scan::scan_blob;
use crate::source::{Blob, CommitInfo, CommitTime, Provenance, SourceKind};
use crate::stats::Stats;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A fuzz target's body: arbitrary bytes in, a panic on a failed check.
pub type Target = fn(&[u8]);

/// Every fuzz target, by name: what `fuzz/run.sh` runs and the regression test replays.
pub const TARGETS: &[(&str, Target)] = &[
    ("load_config", load_config),
    ("load_patterns", load_patterns),
    ("scan_bytes", scan_bytes),
    ("parse_state", parse_state),
    ("write_reports", write_reports),
];

fn builtin_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let config = Config::default();
        Engine::build(&Rules::builtin(&config), &|_| ()).expect("the built-in engine builds")
    })
}

/// `.keysweep.toml` from arbitrary text, its custom patterns compiled, and a scan with them.
pub fn load_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(Path::new("fuzz.keysweep.toml"), text) else {
        return;
    };
    // As a scan loads them, less the built-ins and the examples (which a fuzzer rarely gets
    // right, and which would stop most inputs before the scan).
    let rules = Rules {
        builtin: false,
        check_examples: false,
        ..Rules::builtin(&config)
    };
    if let Ok(engine) = Engine::build(&rules, &|_| ()) {
        let _ = engine.scan(data);
    }
}

/// A pattern file from arbitrary text: parsing, validation (regex size limits, examples), and a
/// scan of the text with the patterns.
pub fn load_patterns(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(patterns) = pattern::parse_file("fuzz.toml", text) {
        scan_with(patterns, data);
    }
}

/// Pattern text is fuzzed through its parser and [`Engine::new`] directly: [`Engine::build`]
/// reads pattern files from disk.
fn scan_with(patterns: Vec<pattern::Pattern>, data: &[u8]) {
    if pattern::check_set(&patterns).is_err() {
        return;
    }
    let _ = Engine::new(patterns).scan(data);
}

/// The built-in engine (generic rules included) over arbitrary bytes through `scan_blob`; every
/// finding's place lies inside the input.
pub fn scan_bytes(data: &[u8]) {
    let blob = Blob {
        bytes: data.to_vec(),
        path: "fuzz.txt".to_string(),
        provenance: Provenance::default(),
    };
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for f in scan_blob(builtin_engine(), &blob) {
        assert!(
            (1..=lines).contains(&f.line) && (f.line..=lines).contains(&f.end_line),
            "{}: lines {}..{} of {lines}",
            f.rule_id,
            f.line,
            f.end_line
        );
        assert!(f.column >= 1 && f.end_column >= 1, "{}", f.rule_id);
        assert_eq!(f.fingerprint.len(), 64);
        assert!(!f.secret.is_empty(), "{}", f.rule_id);
    }
}

/// What keysweep reads back: a baseline (first byte even) or the revocation journal (odd).
pub fn parse_state(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if which % 2 == 0 {
        if let Ok(baseline) = Baseline::parse("fuzz-baseline.json", text) {
            let _ = baseline.contains("0");
        }
    } else {
        // Sealed as keysweep would have written it, so the fuzzer reaches the replay; and as
        // given, which must be refused without a panic.
        let key = || Key::from_bytes([7; 32]);
        for bytes in [seal_lines(rest, key()), rest.to_vec()] {
            if let Ok(journal) = Journal::parse(Path::new("fuzz-journal.jsonl"), &bytes, key()) {
                let _ = journal.batches().count();
                let _ = journal.pending_revocations();
            }
        }
    }
}

/// Every report format over findings whose path, commit author and message, and surrounding text
/// are arbitrary (NUL-separated: path, author, content). Checks what a reader relies on: JSON and
/// SARIF parse, one annotation line per finding, one table row per finding, no control character
/// in the human format, and no whole secret where secrets are shortened.
pub fn write_reports(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let path = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let author = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let content = parts.next().unwrap_or_default();
    // Assembled here so that this file holds no token-shaped literal.
    let planted = format!("SCW{}", "Q7T2M8K4V1X9B3N6P");
    let mut bytes = content.to_vec();
    bytes.extend_from_slice(format!("\nSCW_ACCESS_KEY={planted}\n").as_bytes());
    let commit = CommitInfo {
        id: "0123456789abcdef0123456789abcdef01234567".to_string(),
        author: author.clone(),
        email: author.clone(),
        date: CommitTime::new(1_795_338_000, 60), // 2026-11-22T10:00:00+01:00
        message: author.clone(),
    };
    let blob = Blob {
        bytes,
        path: path.clone(),
        provenance: Provenance {
            kind: SourceKind::Commit,
            commit: Some(Arc::new(commit)),
            ..Provenance::default()
        },
    };
    let findings = scan_blob(builtin_engine(), &blob);
    let stats = Stats::default();
    let report = Report {
        findings: &findings,
        stats: &stats,
        problems: &[],
        patterns: builtin_engine().patterns(),
        automation: &crate::report::sarif::Automation::category("keysweep/history/".into()),
    };
    let hay = String::from_utf8_lossy(&blob.bytes);
    // A secret that shows once, and nowhere in the path or author, must never show whole.
    let hidden: Vec<&str> = findings
        .iter()
        .map(|f| f.secret.as_str())
        .filter(|s| {
            s.chars().count() >= 8
                && hay.matches(s).count() == 1
                && !path.contains(s)
                && !author.contains(s)
        })
        .collect();
    let render = |format, style| {
        let mut out = Vec::new();
        report::write(format, &report, style, &mut out).expect("writing to memory succeeds");
        String::from_utf8(out).expect("reports are UTF-8")
    };
    let plain = Style::default();
    for style in [
        plain,
        Style {
            color: true,
            ..plain
        },
    ] {
        let human = render(Format::Human, style);
        let stray = human
            .chars()
            .find(|&c| c.is_control() && c != '\n' && !(style.color && c == '\x1b'));
        assert!(
            stray.is_none(),
            "control character {stray:?} in the human report"
        );
        for secret in &hidden {
            assert!(!human.contains(secret), "whole secret in the human report");
        }
    }
    let sarif = render(Format::Sarif, plain);
    serde_json::from_str::<serde_json::Value>(&sarif).expect("the SARIF log is JSON");
    let github = render(Format::Github, plain);
    assert_eq!(github.lines().count(), findings.len(), "{github}");
    // One annotation per finding, at its severity's level.
    assert!(
        github
            .lines()
            .zip(&findings)
            .all(|(l, f)| l.strip_prefix("::").is_some_and(
                |l| l.starts_with(&format!("{} ", crate::report::github::command(f.severity)))
            )),
        "{github}"
    );
    let markdown = render(Format::Markdown, plain);
    if !findings.is_empty() && !markdown.contains("more not shown here") {
        let rows = markdown.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(rows, findings.len() + 1, "{markdown}");
    }
    for text in [&sarif, &github, &markdown] {
        for secret in &hidden {
            assert!(!text.contains(secret), "whole secret in a shortened report");
        }
    }
    let json = render(Format::Json, plain);
    serde_json::from_str::<serde_json::Value>(&json).expect("the JSON report is JSON");
    for line in render(Format::Jsonl, plain).lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each JSONL line is JSON");
    }
}
