//! keysweep does not scan again what it wrote or loaded itself: its own reports (recognised by
//! the identity it recorded in the state folder, not by name or content) and the pattern files
//! given with --patterns. A file of the same name or content that keysweep did not write is
//! scanned like any other.

use crate::util::{scw_access_key, TestDir};

#[test]
fn a_report_keysweep_wrote_is_not_scanned_again_and_a_copy_is() {
    let t = TestDir::new();
    t.write(
        "app.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1405)),
    );
    let first = t.run(&["scan", ".", "--format", "json", "-o", "report.json"]);
    assert_eq!(first.status, 1, "{}", first.stderr);
    let again = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(
        again.findings().len(),
        1,
        "report.json holds the secret but is keysweep's: {}",
        again.stderr
    );
    again.assert_stderr_has(
        "not scanned again: 1 file keysweep wrote or loaded itself (its reports, its --patterns files): report.json",
    );
    assert_eq!(again.stat("skipped"), 1);

    // The same bytes under another name, not written by keysweep: scanned.
    std::fs::copy(t.join("report.json"), t.join("copy.json")).unwrap();
    let out = t.run(&["scan", ".", "--format", "json"]);
    let paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
    assert_eq!(paths, ["app.env", "copy.json"], "{}", out.stderr);

    // Changed after keysweep wrote it: no longer its own, scanned.
    let mut text = std::fs::read_to_string(t.join("report.json")).unwrap();
    text.push('\n');
    std::fs::write(t.join("report.json"), text).unwrap();
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.findings().len(), 3, "{}", out.stderr);

    // Named on the command line: scanned, it is what was asked for.
    let t = TestDir::new();
    t.write(
        "app.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1406)),
    );
    t.run(&["scan", ".", "--format", "jsonl", "-o", "findings.jsonl"]);
    let out = t.run(&["scan", "findings.jsonl", "--format", "json"]);
    assert_eq!(out.findings().len(), 1, "{}", out.stderr);
}

#[test]
fn pattern_files_given_with_patterns_do_not_report_their_own_examples() {
    let t = TestDir::new();
    t.write(
        "my-patterns/acme.toml",
        "[[patterns]]\nid = \"acme.key\"\nname = \"Acme key\"\nseverity = \"high\"\n\
         secret = 'acme_[a-z0-9]{32}'\n\
         examples = [\"K=acme_0123456789abcdef0123456789abcdef\", \"k: acme_9f8e7d6c5b4a39281706f5e4d3c2b1a0\"]\n\
         negative_examples = [\"K=xacme_0123456789abcdef0123456789abcdef\", \"K=acme_short\"]\n",
    );
    t.write("app.env", "ACME=acme_00112233445566778899aabbccddeeff\n");
    // A file of the patterns folder that is not a pattern file was not loaded: it is scanned.
    t.write(
        "my-patterns/notes.txt",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1407)),
    );
    let out = t.run(&["scan", ".", "--patterns", "my-patterns", "--format", "json"]);
    let paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        ["app.env", "my-patterns/notes.txt"],
        "{}",
        out.stderr
    );
    out.assert_stderr_has("not scanned again: 1 file keysweep wrote or loaded itself");
    out.assert_stderr_has("my-patterns/acme.toml");
    // Without --patterns the file is just a file (no acme rule): nothing to skip, nothing said.
    let out = t.run(&["scan", "."]);
    assert!(!out.stderr.contains("not scanned again"), "{}", out.stderr);
}
