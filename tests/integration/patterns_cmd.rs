//! `patterns list`, `patterns test`, `--patterns`, and every way a pattern file can be wrong.

use crate::util::TestDir;

const GOOD: &str = r#"
[[patterns]]
id = "acme.api_key"
name = "Acme API key"
severity = "high"
secret = 'acme_[a-z0-9]{12}'
examples = ["ACME_KEY=acme_k2j4h6g8f0d1"]
negative_examples = ["ACME_KEY=acme_k2j4h6g8f0d", "xacme_k2j4h6g8f0d1"]
"#;

#[test]
fn list_shows_every_builtin_pattern_in_both_formats() {
    let t = TestDir::new();
    let out = t.run(&["patterns", "list"]);
    assert_eq!(out.status, 0);
    for id in ["scaleway.access_key", "scaleway.secret_key", "scalr.token"] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{}",
            out.stdout
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&t.run(&["patterns", "list", "--format", "json"]).stdout).unwrap();
    let scalr = json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "scalr.token")
        .unwrap();
    assert_eq!(scalr["provider"], "scalr");
    assert_eq!(scalr["severity"], "critical");
    assert_eq!(scalr["source"], "patterns/scalr.toml");
}

#[test]
fn builtin_patterns_pass_their_own_examples() {
    let out = TestDir::new().run(&["patterns", "test"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(out.stdout.contains(" 0 failed"), "{}", out.stdout);
}

#[test]
fn extra_patterns_are_used_by_scan_and_listed() {
    let t = TestDir::new();
    t.write("custom/acme.toml", GOOD);
    t.write("src/app.env", "ACME_KEY=acme_z9y8x7w6v5u4\n");
    let out = t.run(&["scan", "src", "--patterns", "custom", "--format", "json"]);
    assert_eq!(out.rules(), vec!["acme.api_key"]);
    let out = t.run(&["patterns", "list", "--patterns", "custom/acme.toml"]);
    assert!(out.stdout.contains("acme.api_key"));
    let out = t.run(&["patterns", "test", "custom"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
}

/// Each broken file, and the one line the scan must stop with (exit 2).
#[test]
fn broken_pattern_files_stop_the_scan_naming_file_and_pattern() {
    let cases: &[(&str, String, &str)] = &[
        ("bad regex", GOOD.replace("{12}", "{12"), "bad.toml: pattern `acme.api_key`: field `secret`: bad regex"),
        ("unknown field", GOOD.replace("severity", "severty"), "bad.toml: line 5, column 1: unknown field `severty`"),
        ("bad severity", GOOD.replace("\"high\"", "\"urgent\""), "bad.toml: line 5, column 12: unknown variant `urgent`"),
        ("missed example", GOOD.replace("[\"ACME_KEY=acme_k2j4h6g8f0d1\"]", "[\"ACME_KEY=acme_k2j4h6\"]"), "bad.toml: pattern `acme.api_key`: example 1 produces no finding of this pattern"),
        ("matching negative", GOOD.replace("\"xacme_k2j4h6g8f0d1\"", "\"acme_k2j4h6g8f0d1\""), "bad.toml: pattern `acme.api_key`: negative example 2 produces a finding of this pattern"),
        ("bad id", GOOD.replace("acme.api_key", "AcmeKey"), "bad.toml: pattern `AcmeKey`: id \"AcmeKey\" is not of the form `provider.kind`"),
        ("empty secret", GOOD.replace("acme_[a-z0-9]{12}", "[a-z]*"), "field `secret` can match the empty string"),
        ("regex too big", GOOD.replace("acme_[a-z0-9]{12}", r"acme_(?:\w{1000}){1000}"), "regex does not compile"),
        ("not toml", "[[patterns]\n".to_string(), "bad.toml: line 1, column"),
    ];
    for (what, text, expected) in cases {
        let t = TestDir::new();
        t.write("bad.toml", text);
        t.write("a.txt", "x");
        let out = t.run(&["scan", "a.txt", "--patterns", "bad.toml"]);
        assert_eq!(out.status, 2, "{what}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("keysweep: error: ") && out.stderr.contains(expected),
            "{what}: {}",
            out.stderr
        );
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "{what}: one line: {}",
            out.stderr
        );
    }
}

#[test]
fn duplicate_ids_are_rejected_with_both_files() {
    let t = TestDir::new();
    t.write("p/one.toml", GOOD);
    t.write("p/two.toml", GOOD);
    let out = t.run(&["scan", "p", "--patterns", "p"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("two.toml: pattern `acme.api_key`: duplicate id: already defined in ");
    let clash = GOOD.replace("acme.api_key", "scalr.token");
    t.write("q/clash.toml", clash);
    let out = t.run(&["scan", "p/one.toml", "--patterns", "q"]);
    out.assert_stderr_has("duplicate id: already defined in patterns/scalr.toml");
}

#[test]
fn patterns_test_reports_every_failure_and_exits_1() {
    let t = TestDir::new();
    let text = GOOD.replace(
        "[\"ACME_KEY=acme_k2j4h6g8f0d1\"]",
        "[\"ACME_KEY=acme_k2j4h6\"]",
    );
    let text = text.replace(
        "negative_examples = [\"ACME_KEY=acme_k2j4h6g8f0d\", \"xacme_k2j4h6g8f0d1\"]",
        "",
    );
    t.write("p.toml", text);
    let out = t.run(&["patterns", "test", "p.toml"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout
            .contains("FAIL p.toml: pattern `acme.api_key`: example 1 produces no finding"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("FAIL p.toml: pattern `acme.api_key`: has no `negative_examples`"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("1 pattern, 1 example: 0 passed, 1 failed"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_missing_pattern_path_is_an_error() {
    let t = TestDir::new();
    let out = t.run(&["scan", ".", "--patterns", "nope.toml"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("nope.toml: cannot read");
}

/// The pattern example in README.md must load and pass its own examples.
#[test]
fn readme_pattern_example_is_valid() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```toml\n[[patterns]]")
        .expect("README.md shows a pattern")
        + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let t = TestDir::new();
    t.write(
        "readme.toml",
        readme[start..end].replace("scaleway.access_key", "readme.access_key"),
    );
    let out = t.run(&["patterns", "test", "readme.toml"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
}
