//! `.keysweep.toml` (scan settings, allow rules, custom patterns, every error naming its key),
//! inline `keysweep:allow`, and baselines.

use crate::util::{scw_access_key, GitRepo, TestDir};

fn paths(out: &crate::util::Output) -> Vec<String> {
    out.findings().into_iter().map(|f| f.path).collect()
}

#[test]
fn allow_paths_secrets_and_rules() {
    let t = TestDir::new();
    t.write("app.env", format!("K={}\n", scw_access_key(1)));
    t.write("tests/fixtures/f.env", format!("K={}\n", scw_access_key(2)));
    t.write(
        "docs/sample.env",
        "K=SCWEXAMPLE0123456789\n".replace("EXAMPLE0", "SAMPLE00"),
    );
    t.write(
        "gh.txt",
        format!(
            "t={}\n",
            crate::util::with_checksum(
                "ghp",
                &crate::util::random_chars(3, "abcdefghijkLMNOPQRS0123456789", 30)
            )
        ),
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(
        paths(&out),
        vec![
            "app.env",
            "docs/sample.env",
            "gh.txt",
            "tests/fixtures/f.env"
        ]
    );

    t.write(
        ".keysweep.toml",
        "[allow]\npaths = [\"tests/fixtures/**\"]\nsecrets = ['^SCWSAMPLE']\nrules = [\"github.*\"]\n",
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(paths(&out), vec!["app.env"]);
    // Each entry says what it hid; a rule switched off is counted like the others.
    out.assert_stderr_has("not reported: 3 allowed by the config");
    out.assert_stderr_has(".keysweep.toml: [allow] paths \"tests/fixtures/**\" hid 1 finding");
    out.assert_stderr_has(".keysweep.toml: [allow] secrets \"^SCWSAMPLE\" hid 1 finding");
    out.assert_stderr_has(".keysweep.toml: [allow] rules \"github.*\" hid 1 finding");
    let listed = t.run(&["patterns", "list"]);
    assert!(
        listed.stdout.contains("github.pat_classic"),
        "patterns list is not filtered by a scan config"
    );
}

#[test]
fn a_rules_glob_that_switches_off_nothing_is_warned_about() {
    let t = TestDir::new();
    // One good entry and one typo: the typo is named, however many entries do match.
    t.write(
        ".keysweep.toml",
        "[allow]\nrules = [\"github.*\", \"scaleway.acess_key\"]\n",
    );
    t.write("a.env", format!("K={}\n", scw_access_key(4)));
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.findings().len(), 1);
    out.assert_stderr_has(
        "warning: .keysweep.toml: [allow] rules \"scaleway.acess_key\" matches no rule (check the id",
    );
    assert!(
        !out.stderr.contains("\"github.*\" matches no rule"),
        "{}",
        out.stderr
    );
}

#[test]
fn inline_allow_on_the_line_or_any_line_of_a_multiline_secret() {
    let t = TestDir::new();
    let (a, b) = (scw_access_key(5), scw_access_key(6));
    t.write(
        "a.py",
        format!("A = \"{a}\"  # keysweep:allow test key\nB = \"{b}\"\n"),
    );
    let body: String = crate::util::random_chars(
        7,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        256,
    );
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    );
    t.write("key.pem", &pem);
    t.write(
        "allowed.pem",
        pem.replace("-----END", "keysweep:allow\n-----END")
            .replace("\nkeysweep:allow\n", " keysweep:allow\n"),
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    let found: Vec<(String, u64)> = out
        .findings()
        .into_iter()
        .map(|f| (f.path, f.line))
        .collect();
    assert_eq!(found, vec![("a.py".into(), 2), ("key.pem".into(), 1)]);
}

#[test]
fn scan_exclude_and_max_file_size_from_the_config() {
    let t = TestDir::new();
    t.write("vendor/lib/x.js", format!("k=\"{}\"\n", scw_access_key(8)));
    t.write("web/app.min.js", format!("k=\"{}\"\n", scw_access_key(9)));
    t.write(
        "big.txt",
        format!("{}\n{}\n", "x".repeat(300), scw_access_key(10)),
    );
    t.write("src/main.py", format!("k=\"{}\"\n", scw_access_key(11)));
    t.write(
        ".keysweep.toml",
        "[scan]\nexclude = [\"vendor/**\", \"*.min.js\"]\nmax_file_size = 200\n",
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(paths(&out), vec!["src/main.py"]);
    assert_eq!(
        out.stat("skipped"),
        1,
        "big.txt is over the config's size limit"
    );
    let out = t.run(&["scan", ".", "--format", "json", "--max-file-size", "1000"]);
    assert_eq!(
        paths(&out),
        vec!["big.txt", "src/main.py"],
        "the flag wins over the config"
    );
}

#[test]
fn exclude_applies_to_history_too() {
    let repo = GitRepo::new();
    repo.write("vendor/x.env", format!("K={}\n", scw_access_key(12)));
    repo.write("app.env", format!("K={}\n", scw_access_key(13)));
    repo.write(".keysweep.toml", "[scan]\nexclude = [\"vendor/**\"]\n");
    repo.commit("add");
    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(paths(&out), vec!["app.env"]);
}

#[test]
fn custom_patterns_in_the_config_are_validated_like_builtins() {
    let t = TestDir::new();
    let custom = "[[patterns]]\nid = \"acme.key\"\nname = \"Acme key\"\nseverity = \"high\"\nsecret = 'acme_[a-z0-9]{10}'\nexamples = [\"k=acme_a1b2c3d4e5\"]\n";
    t.write(".keysweep.toml", custom);
    t.write("a.txt", "key: acme_z9y8x7w6v5\n");
    let out = t.run(&["scan", ".", "--format", "json"]);
    let found: Vec<(String, String)> = out
        .findings()
        .into_iter()
        .map(|f| (f.rule, f.path))
        .collect();
    // The config is scanned like any file, so its example is found too (allow it by path).
    assert_eq!(
        found,
        vec![
            ("acme.key".into(), ".keysweep.toml".into()),
            ("acme.key".into(), "a.txt".into())
        ]
    );
    t.write(
        ".keysweep.toml",
        custom.replace("acme_a1b2c3d4e5", "acme_short"),
    );
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has(
        ".keysweep.toml: pattern `acme.key`: example 1 produces no finding of this pattern",
    );
}

/// Each bad config, and the one line it must stop the scan with.
#[test]
fn every_config_error_names_its_key_and_exits_2() {
    let cases = [
        (
            "[allow]\npath = []\n",
            ".keysweep.toml: line 2, column 1: unknown field `path`",
        ),
        ("[scna]\n", "unknown field `scna`"),
        (
            "[scan]\nexclude = [\"a[\"]\n",
            ".keysweep.toml: [scan] exclude: bad glob \"a[\"",
        ),
        (
            "[allow]\npaths = [\"{x\"]\n",
            ".keysweep.toml: [allow] paths: bad glob",
        ),
        (
            "[allow]\nrules = [\"[\"]\n",
            ".keysweep.toml: [allow] rules: bad glob",
        ),
        (
            "[allow]\nsecrets = [\"(\"]\n",
            ".keysweep.toml: [allow] secrets: bad regex \"(\"",
        ),
        (
            "[scan]\nmax_file_size = \"big\"\n",
            ".keysweep.toml: line 2, column 17: invalid type",
        ),
        (
            "[[patterns]]\nid = \"x.y\"\nname = \"X\"\nseverity = \"high\"\nsecret = '('\n",
            "pattern `x.y`: field `secret`: bad regex",
        ),
        (
            "[[revoke.webhooks]]\nurl = \"https://x\"\nrules = [\"[\"]\nsecret_env = \"K\"\n",
            "[[revoke.webhooks]] #1 rules: bad glob",
        ),
        ("not toml at all", ".keysweep.toml: line 1"),
    ];
    for (text, expected) in cases {
        let t = TestDir::new();
        t.write(".keysweep.toml", text);
        let out = t.run(&["scan", "."]);
        assert_eq!(out.status, 2, "{text}: {}", out.stderr);
        out.assert_stderr_has(expected);
        assert_eq!(
            out.stderr.lines().count(),
            1,
            "one line for {text:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn config_is_found_at_the_scanned_root_or_given_with_config() {
    let t = TestDir::new();
    t.write("proj/.keysweep.toml", "[allow]\npaths = [\"a.env\"]\n");
    t.write("proj/a.env", format!("K={}\n", scw_access_key(14)));
    t.write("other.toml", "[allow]\nsecrets = ['.']\n");
    assert_eq!(
        t.run(&["scan", "proj", "--format", "json"])
            .findings()
            .len(),
        0,
        "proj/.keysweep.toml applies"
    );
    assert_eq!(
        t.run(&["scan", "proj/a.env", "--format", "json"])
            .findings()
            .len(),
        1,
        "a file root: no config"
    );
    let out = t.run(&[
        "scan",
        "proj/a.env",
        "--config",
        "other.toml",
        "--format",
        "json",
    ]);
    assert_eq!(out.findings().len(), 0);
    let out = t.run(&["scan", "proj", "--config", "missing.toml"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("missing.toml: cannot read the config");
}

/// `cd app && keysweep scan` uses the repository's config, as `--history` does, with its globs
/// relative to its own folder; outside a repository only the scanned folder's config counts.
#[test]
fn config_is_found_from_a_subfolder_the_way_git_finds_its_repository() {
    let repo = crate::util::GitRepo::new();
    repo.write(
        ".keysweep.toml",
        "[allow]\npaths = [\"app/fixtures/**\"]\n[scan]\nexclude = [\"app/vendor/**\"]\n",
    );
    repo.write(
        "app/fixtures/sample.env",
        format!("K={}\n", scw_access_key(1401)),
    );
    repo.write(
        "app/vendor/lib.env",
        format!("K={}\n", scw_access_key(1402)),
    );
    repo.write("app/deploy.env", format!("K={}\n", scw_access_key(1403)));
    repo.commit("App");
    for args in [
        &["scan", "--format", "json"][..],
        &["scan", ".", "--format", "json"],
    ] {
        let out = repo.run_in("app", args);
        assert_eq!(out.status, 1, "{}", out.stderr);
        assert_eq!(out.findings().len(), 1, "only deploy.env: {}", out.stderr);
        assert_eq!(out.findings()[0].path, "deploy.env");
        out.assert_stderr_has(".keysweep.toml: [allow] paths \"app/fixtures/**\" hid 1 finding");
        out.assert_stderr_has(
            ".keysweep.toml: [scan] exclude \"app/vendor/**\" kept 1 path from being scanned",
        );
    }
    // From the root, the same rules give the same answer.
    let out = repo.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.findings().len(), 1, "{}", out.stderr);
    assert_eq!(out.findings()[0].path, "app/deploy.env");
    // A folder outside any repository does not look above itself.
    let t = TestDir::new();
    t.write(".keysweep.toml", "[allow]\npaths = [\"**/*.env\"]\n");
    t.write("sub/a.env", format!("K={}\n", scw_access_key(1404)));
    assert_eq!(
        t.run(&["scan", "sub", "--format", "json"]).findings().len(),
        1
    );
}

#[test]
fn baseline_round_trip() {
    let t = TestDir::new();
    let (old, new) = (scw_access_key(15), scw_access_key(16));
    t.write("src/a.env", format!("K={old}\n"));
    let out = t.run(&["baseline", "create", "-o", "baseline.json", "src"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.assert_stderr_has("baseline of 1 finding written to baseline.json");
    let text = std::fs::read_to_string(t.join("baseline.json")).unwrap();
    assert!(
        !text.contains(&old),
        "a baseline is committed: it holds no whole secret"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(t.join("baseline.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    let out = t.run(&[
        "scan",
        "src",
        "--baseline",
        "baseline.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status, 0, "nothing new");
    out.assert_stderr_has("1 already in the baseline");

    // The accepted secret moves to another file and line: still the same secret.
    t.write("src/a.env", "# moved\n");
    t.write("src/b/c.py", format!("\n\nKEY = '{old}'\nNEW = '{new}'\n"));
    let out = t.run(&[
        "scan",
        "src",
        "--baseline",
        "baseline.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status, 1);
    let f = &out.json()["findings"];
    assert_eq!(f.as_array().unwrap().len(), 1);
    assert_eq!(f[0]["secret"], new.as_str());
}

#[test]
fn a_baseline_that_is_not_a_keysweep_report_is_an_error_never_empty() {
    let t = TestDir::new();
    t.write("a.env", format!("K={}\n", scw_access_key(17)));
    let cases = [
        ("not json", "not-json.json: the baseline is not valid JSON"),
        ("{}", "{}.json: not a keysweep JSON report"),
        (
            "{\"tool\":{\"name\":\"gitleaks\"},\"findings\":[]}",
            "not a keysweep JSON report",
        ),
        (
            "{\"tool\":{\"name\":\"keysweep\"},\"findings\":[{\"fingerprint\":\"abc\"}]}",
            "finding 1 has no valid fingerprint",
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let name = if i == 0 {
            "not-json.json".to_string()
        } else if i == 1 {
            "{}.json".to_string()
        } else {
            format!("b{i}.json")
        };
        t.write(&name, text);
        let out = t.run(&["scan", "a.env", "--baseline", &name]);
        assert_eq!(out.status, 2, "{text}");
        out.assert_stderr_has(expected);
    }
    let out = t.run(&["scan", "a.env", "--baseline", "missing.json"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("missing.json: cannot read the baseline");
}

#[test]
fn generic_rules_are_on_unless_turned_off_and_turning_them_off_is_said() {
    let t = TestDir::new();
    let value = crate::util::random_chars(21, "abcdefghijkLMNOPQRS0123456789-_", 24);
    t.write(
        "settings.py",
        format!("DATABASES = {{'default': {{'password': '{value}'}}}}\n"),
    );
    let on = t.run(&["scan", "settings.py", "--format", "json"]);
    assert_eq!(on.status, 1, "{}", on.stderr);
    assert_eq!(on.rules(), vec!["generic.password"]);
    let off = t.run(&["scan", "settings.py", "--no-generic", "--format", "json"]);
    assert_eq!(off.status, 0, "{}", off.stderr);
    assert_eq!(off.findings().len(), 0);
    // A config in the scanned tree may turn them off, and keysweep says so.
    t.write(".keysweep.toml", "[scan]\ngeneric = false\n");
    let by_config = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(by_config.status, 0, "{}", by_config.stderr);
    assert_eq!(by_config.findings().len(), 0);
    by_config
        .assert_stderr_has(".keysweep.toml: [scan] generic = false: the generic rules are off");
    assert_eq!(
        t.run(&["scan", ".", "--generic", "--format", "json"])
            .rules(),
        vec!["generic.password"],
        "--generic wins over the config"
    );
    let listed = t.run(&["patterns", "list"]);
    assert!(listed.stdout.contains("generic.password"));
}
