//! Unit tests of the SARIF mapping.
use super::rules::security_severity;
use super::*;
use crate::finding::LineIndex;
use crate::source::{CommitInfo, CommitTime, Provenance, SourceKind};
use crate::stats::Stats;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// Fails with every schema error unless `text` is a SARIF 2.1.0 log valid against the
/// official schema (tests/fixtures/sarif-schema-2.1.0.json, draft-04, formats checked).
#[track_caller]
pub(crate) fn assert_valid_sarif(text: &str) {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif-schema-2.1.0.json"
        )))
        .expect("the SARIF schema is JSON");
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    });
    let instance: Value = serde_json::from_str(text).expect("SARIF output is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not match the 2.1.0 schema:\n{}\n{text}",
        errors.join("\n")
    );
}

fn patterns() -> &'static [Pattern] {
    static PATTERNS: OnceLock<Vec<Pattern>> = OnceLock::new();
    PATTERNS.get_or_init(|| crate::pattern::builtin().expect("built-in patterns load"))
}

// Fake tokens assembled at run time, so that this file holds no token-shaped literal.
fn access_key() -> String {
    ["SC", "WP8IX4EA4Q9OM4894Z"].concat()
}
fn secret_key() -> String {
    ["9be4bcfc-49b6-4a08", "-b2e6-cc3ababced20"].concat()
}
fn scalr_token() -> String {
    [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
        "eyJpc3MiOiJzY2Fscjp1c2VyIiwianRpIjoiYXQtNjc2bWw4bGc2dGpmYzM2a2EifQ.",
        "1IcQDwkw4T2ZB8d2U3CX1zKEO6NLfwGpFXWnR2j_jf4",
    ]
    .concat()
}

/// A finding of `rule` for `secret`, which must occur in `text`.
fn finding(rule: &str, text: &str, secret: &str, path: &str) -> Finding {
    finding_in(rule, text, secret, path, &Provenance::default())
}

fn finding_in(
    rule: &str,
    text: &str,
    secret: &str,
    path: &str,
    provenance: &Provenance,
) -> Finding {
    let pattern = patterns().iter().find(|p| p.id == rule).expect("a rule");
    let start = text.find(secret).expect("the secret is in the text");
    let lines = LineIndex::new(text.as_bytes(), text.len());
    Finding::new(
        pattern,
        text.as_bytes(),
        start..start + secret.len(),
        &lines,
        path,
        provenance,
    )
}

fn env_findings() -> Vec<Finding> {
    let text = format!(
        "# Scaleway\nSCW_ACCESS_KEY={}\nSCW_SECRET_KEY={}\nSCALR_TOKEN={}\n",
        access_key(),
        secret_key(),
        scalr_token()
    );
    vec![
        finding("scaleway.access_key", &text, &access_key(), "config/.env"),
        finding("scaleway.secret_key", &text, &secret_key(), "config/.env"),
        finding("scalr.token", &text, &scalr_token(), "config/.env"),
    ]
}

/// The SARIF text of `findings` (validated) with a cap, and how many were dropped.
fn sarif_capped(findings: &[Finding], pattern_set: &[Pattern], cap: usize) -> (Value, usize) {
    let stats = Stats::default();
    let report = Report {
        findings,
        stats: &stats,
        problems: &[],
        patterns: pattern_set,
        automation: &Automation::category("keysweep/files/".into()),
    };
    let mut out = Vec::new();
    let dropped = write_capped(&report, cap, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_valid_sarif(&text);
    for f in findings {
        assert!(
            !text.contains(&f.secret),
            "a whole secret is in the SARIF:\n{text}"
        );
    }
    (serde_json::from_str(&text).unwrap(), dropped)
}

fn sarif(findings: &[Finding]) -> Value {
    sarif_capped(findings, patterns(), MAX_RESULTS).0
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let valid = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[]}]}"#;
    assert_valid_sarif(valid);
    for bad in [
        r#"{"version":"2.0.0","runs":[]}"#,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}"#,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x","informationUri":"not a uri"}}}]}"#,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}"#,
    ] {
        let caught = std::panic::catch_unwind(|| assert_valid_sarif(bad));
        assert!(caught.is_err(), "accepted: {bad}");
    }
}

#[test]
fn rules_and_results_carry_what_github_code_scanning_reads() {
    let findings = env_findings();
    let log = sarif(&findings);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["$schema"], SCHEMA_URI);
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "keysweep");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], INFORMATION_URI);

    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["scaleway.access_key", "scaleway.secret_key", "scalr.token"]
    );
    let scalr = &rules[2];
    assert_eq!(scalr["name"], "Scalr API token");
    assert_eq!(scalr["shortDescription"]["text"], "Exposed Scalr API token");
    assert!(scalr["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .starts_with("A Scalr personal or service-account API token"));
    assert_eq!(
        scalr["helpUri"],
        "https://docs.scalr.io/reference/api-tokens"
    );
    assert_eq!(scalr["defaultConfiguration"]["level"], "error");
    assert_eq!(scalr["properties"]["security-severity"], "9.5");
    assert_eq!(scalr["properties"]["precision"], "high");
    let tags: Vec<&str> = scalr["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for tag in ["security", "secret", "scalr"] {
        assert!(tags.contains(&tag), "{tags:?}");
    }
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "warning");
    assert_eq!(rules[0]["properties"]["security-severity"], "5.5");
    assert_eq!(rules[1]["properties"]["precision"], "medium");
    for help in [
        scalr["help"]["text"].as_str().unwrap(),
        scalr["help"]["markdown"].as_str().unwrap(),
    ] {
        for needle in [
            "Revoke",
            "history",
            "never enough",
            "keysweep:allow",
            "[allow]",
            ".keysweep.toml",
            "--baseline",
        ] {
            assert!(help.contains(needle), "help lacks {needle:?}:\n{help}");
        }
    }

    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for (result, f) in results.iter().zip(&findings) {
        assert_eq!(result["ruleId"], f.rule_id.as_str());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], f.rule_id.as_str());
        let message = result["message"]["text"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{} {} ", f.rule_name, redact(&f.secret))),
            "{message}"
        );
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "config/.env");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        assert_eq!(region["startLine"], f.line);
        assert_eq!(region["startColumn"], f.column);
        assert_eq!(region["endLine"], f.end_line);
        assert_eq!(region["endColumn"], f.end_column);
        assert_eq!(
            result["partialFingerprints"][SECRET_FINGERPRINT],
            f.fingerprint.as_str()
        );
        assert_eq!(
            result["partialFingerprints"][LOCATION_FINGERPRINT],
            location_fingerprint(f, 1).as_str()
        );
        assert!(result.get("properties").is_none(), "no git, no properties");
    }
    assert_eq!(results[0]["level"], "warning");
    assert_eq!(results[1]["level"], "error");
    assert_eq!(runs[0]["columnKind"], "unicodeCodePoints");
}

#[test]
fn security_severity_is_read_back_by_github_as_the_same_level() {
    // GitHub: over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low.
    for severity in [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ] {
        let text = security_severity(severity);
        let score: f64 = text.parse().unwrap();
        assert!(text.contains('.'), "{text}");
        let github = match score {
            s if s > 9.0 => "critical",
            s if s >= 7.0 => "high",
            s if s >= 4.0 => "medium",
            s if s >= 0.1 => "low",
            _ => "none",
        };
        assert_eq!(github, severity.as_str());
    }
    assert_eq!(level(Severity::High), "error");
    assert_eq!(level(Severity::Low), "note");
}

#[test]
fn history_findings_carry_commit_and_blob_but_never_the_secret() {
    let commit = Arc::new(CommitInfo {
        id: "0123456789abcdef0123456789abcdef01234567".into(),
        author: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        date: CommitTime::new(1_699_992_800, 120),
        message: format!("add the key {}", access_key()),
    });
    let provenance = Provenance {
        kind: SourceKind::Commit,
        commit: Some(commit.clone()),
        blob_id: Some("89abcdef0123456789abcdef0123456789abcdef".into()),
        added_lines: None,
    };
    let text = format!("key = \"{}\"\n", access_key());
    let f = finding_in(
        "scaleway.access_key",
        &text,
        &access_key(),
        "src/old.rs",
        &provenance,
    );
    let log = sarif(std::slice::from_ref(&f));
    let result = &log["runs"][0]["results"][0];
    let props = &result["properties"];
    assert_eq!(props["commitId"], commit.id.as_str());
    assert_eq!(props["commitAuthor"], "Ada Lovelace");
    assert_eq!(props["commitEmail"], "ada@example.com");
    assert_eq!(props["commitDate"], "2023-11-14T22:13:20+02:00");
    assert_eq!(props["blobId"], "89abcdef0123456789abcdef0123456789abcdef");
    assert!(props.get("commitMessage").is_none());
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("was committed in 0123456789ab by Ada Lovelace"),
        "{message}"
    );
}

#[test]
fn the_cap_keeps_the_most_severe_findings_in_report_order() {
    let base = env_findings();
    let with = |i: usize, path: &str, severity: Severity| Finding {
        path: path.to_string(),
        severity,
        ..base[i].clone()
    };
    let findings = vec![
        with(0, "a", Severity::Low),
        with(2, "b", Severity::Critical),
        with(0, "c", Severity::Medium),
        with(1, "d", Severity::Critical),
        with(0, "e", Severity::High),
    ];
    let (log, dropped) = sarif_capped(&findings, patterns(), 2);
    assert_eq!(dropped, 3);
    let run = &log["runs"][0];
    let paths: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(paths, ["b", "d"]);
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["scaleway.secret_key", "scalr.token"],
        "only rules with results"
    );
    assert_eq!(run["results"][0]["ruleIndex"], 1);
    assert_eq!(run["properties"]["omittedResults"], 3);
    let notice = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notice["level"], "warning");
    assert!(notice["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("5 findings: this log holds the 2 most severe"));

    let (log, dropped) = sarif_capped(&findings, patterns(), 5);
    assert_eq!(dropped, 0);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 5);
    assert!(log["runs"][0]["properties"].get("omittedResults").is_none());
    assert!(log["runs"][0]["invocations"][0]
        .get("toolExecutionNotifications")
        .is_none());
    assert_eq!(MAX_RESULTS, 25_000);
}

#[test]
fn no_findings_is_a_valid_log_with_empty_rules_and_results() {
    let log = sarif(&[]);
    let run = &log["runs"][0];
    assert_eq!(run["results"], serde_json::json!([]));
    assert_eq!(run["tool"]["driver"]["rules"], serde_json::json!([]));
}

#[test]
fn the_location_fingerprint_ignores_lines_but_not_file_or_secret() {
    let f = &env_findings()[0];
    let moved = Finding {
        line: f.line + 40,
        end_line: f.end_line + 40,
        column: 1,
        end_column: 21,
        ..f.clone()
    };
    assert_eq!(location_fingerprint(f, 1), location_fingerprint(&moved, 1));
    let elsewhere = Finding {
        path: "other/.env".into(),
        ..f.clone()
    };
    assert_ne!(
        location_fingerprint(f, 1),
        location_fingerprint(&elsewhere, 1)
    );
    let other_secret = &env_findings()[1];
    assert_ne!(
        location_fingerprint(f, 1),
        location_fingerprint(other_secret, 1)
    );
    assert_ne!(location_fingerprint(f, 1), location_fingerprint(f, 2));
    assert!(location_fingerprint(f, 1).ends_with(":1"));

    // Two copies of one secret in one file: two results, numbered in report order.
    let twice = vec![f.clone(), moved];
    let log = sarif(&twice);
    let prints: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"][LOCATION_FINGERPRINT]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        prints[0].ends_with(":1") && prints[1].ends_with(":2"),
        "{prints:?}"
    );
}

#[test]
fn paths_become_percent_encoded_uri_references() {
    let cases = [
        ("src/main.rs", "src/main.rs", true),
        ("dir/my file.env", "dir/my%20file.env", true),
        ("a#b%c?d.txt", "a%23b%25c%3Fd.txt", true),
        ("café/ü.txt", "caf%C3%A9/%C3%BC.txt", true),
        ("./x/./y", "x/./y", true),
        ("c:x", "c%3Ax", true),
        ("[v]\\w", "%5Bv%5D%5Cw", true),
        ("<stdin>", "%3Cstdin%3E", true),
        ("/abs/p q.txt", "file:///abs/p%20q.txt", false),
    ];
    for (path, uri, relative) in cases {
        let (got, base) = artifact_uri(path);
        assert_eq!(got, uri, "{path}");
        assert_eq!(base.is_some(), relative, "{path}");
        assert!(
            got.bytes().all(|b| b.is_ascii_graphic()
                && !matches!(b, b'#' | b'?' | b'[' | b']' | b'\\' | b'<' | b'>' | b'"')),
            "{got}"
        );
    }
    let base = env_findings();
    let findings: Vec<Finding> = cases
        .iter()
        .map(|(path, _, _)| Finding {
            path: path.to_string(),
            ..base[0].clone()
        })
        .collect();
    let log = sarif(&findings);
    assert_eq!(
        log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir/my%20file.env"
    );
}

#[test]
fn long_names_and_descriptions_are_cut_to_githubs_limits() {
    let toml = format!(
        "[[patterns]]\nid = \"acme.token\"\nname = \"{}\"\nseverity = \"low\"\n\
         confidence = \"low\"\nsecret = 'acme_[a-z0-9]{{16}}'\ndescription = \"\"\"\n{}\"\"\"\n",
        "N".repeat(300),
        "word\n".repeat(400)
    );
    let custom = crate::pattern::parse_file("custom.toml", &toml).unwrap();
    let text = "token: acme_0123456789abcdef\n";
    let lines = LineIndex::new(text.as_bytes(), text.len());
    let start = text.find("acme_").unwrap();
    let f = Finding::new(
        &custom[0],
        text.as_bytes(),
        start..start + 21,
        &lines,
        "x.yml",
        &Provenance::default(),
    );
    let (log, _) = sarif_capped(std::slice::from_ref(&f), &custom, MAX_RESULTS);
    let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
    let chars = |v: &Value| v.as_str().unwrap().chars().count();
    assert_eq!(chars(&rule["name"]), MAX_NAME_CHARS);
    assert_eq!(
        chars(&rule["fullDescription"]["text"]),
        MAX_DESCRIPTION_CHARS
    );
    assert!(chars(&rule["shortDescription"]["text"]) <= MAX_DESCRIPTION_CHARS);
    assert!(rule["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .starts_with("word word "));
    assert!(rule.get("helpUri").is_none(), "no reference, no helpUri");
    assert_eq!(rule["defaultConfiguration"]["level"], "note");
    assert_eq!(rule["properties"]["security-severity"], "3.0");
    assert_eq!(rule["properties"]["precision"], "low");
    assert_eq!(log["runs"][0]["results"][0]["level"], "note");
}

#[test]
fn a_rule_without_its_pattern_is_described_from_the_finding() {
    let findings = env_findings();
    let (log, _) = sarif_capped(&findings[..1], &[], MAX_RESULTS);
    let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "scaleway.access_key");
    assert_eq!(rule["name"], "Scaleway access key");
    assert_eq!(rule["fullDescription"]["text"], "Scaleway access key.");
    assert!(rule["properties"].get("precision").is_none());
    assert_eq!(rule["properties"]["security-severity"], "5.5");
}
