//! Report formats and their contract: JSON fields, JSONL, human, redaction, --output, exit codes.

use crate::util::{scw_access_key, TestDir};

fn one_secret() -> (TestDir, String) {
    let t = TestDir::new();
    let key = scw_access_key(21);
    t.write(
        "config/prod.env",
        format!("# prod\nREGION=fr-par\nSCW_ACCESS_KEY={key}\n"),
    );
    (t, key)
}

#[test]
fn json_report_has_exactly_the_contract_fields() {
    let (t, key) = one_secret();
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1);
    let report = out.json();
    assert_eq!(report["tool"]["name"], "keysweep");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let f = &report["findings"][0];
    let fields = [
        "rule_id",
        "rule_name",
        "severity",
        "secret",
        "fingerprint",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "commit",
        "blob_id",
    ];
    assert_eq!(f.as_object().unwrap().len(), fields.len());
    let positions: Vec<usize> = fields
        .iter()
        .map(|k| {
            out.stdout
                .find(&format!("\"{k}\":"))
                .expect("every contract field")
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "fields out of contract order:\n{}",
        out.stdout
    );
    assert_eq!(f["rule_id"], "scaleway.access_key");
    assert_eq!(f["rule_name"], "Scaleway access key");
    assert_eq!(f["secret"], key.as_str());
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(16))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(3), Some(36))
    );
    assert!(f["commit"].is_null() && f["blob_id"].is_null());
    let fp = f["fingerprint"].as_str().unwrap();
    assert_eq!(fp.len(), 64);
    assert!(fp
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    let stats = [
        "blobs_scanned",
        "bytes_scanned",
        "skipped",
        "errors",
        "duration_ms",
    ];
    assert_eq!(report["stats"].as_object().unwrap().len(), stats.len());
    let positions: Vec<usize> = stats
        .iter()
        .map(|k| out.stdout.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(report["stats"]["bytes_scanned"].as_u64(), Some(57));
}

#[test]
fn fingerprint_is_sha256_of_rule_and_secret() {
    let t = TestDir::new();
    t.write("a.txt", "SCW0123456789ABCDEFG\n");
    t.write("b.txt", "moved here: SCW0123456789ABCDEFG\n");
    let out = t.run(&["scan", ".", "--format", "json"]);
    let fps: Vec<String> = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    // printf 'scaleway.access_key:SCW0123456789ABCDEFG' | sha256sum
    let expected = "ebab2bebbdb5d155ca4534416d5a1cef90072c5ef14f8006cb5b797dbee737e2";
    assert_eq!(
        fps,
        vec![expected, expected],
        "same secret, two places, one fingerprint"
    );
}

#[test]
fn redact_shortens_json_and_jsonl_but_keeps_the_fingerprint() {
    let (t, key) = one_secret();
    let full = t.run(&["scan", ".", "--format", "json"]).json();
    let red = t.run(&["scan", ".", "--format", "json", "--redact"]);
    assert!(!red.stdout.contains(&key));
    let f = &red.json()["findings"][0];
    assert_eq!(f["secret"], format!("{}…", &key[..4]));
    assert_eq!(f["fingerprint"], full["findings"][0]["fingerprint"]);

    let lines = t.run(&["scan", ".", "--format", "jsonl", "--redact"]);
    assert!(!lines.stdout.contains(&key));
    let lines = t.run(&["scan", ".", "--format", "jsonl"]);
    let rows: Vec<serde_json::Value> = lines
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0], full["findings"][0]);
}

#[test]
fn human_format_shortens_secrets_unless_show_secrets() {
    let (t, key) = one_secret();
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 1);
    assert!(
        out.stdout.starts_with("config/prod.env\n  3:16  medium"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Scaleway access key") && out.stdout.contains("medium"));
    assert!(out.stdout.contains(&format!("{}…", &key[..4])));
    assert!(
        !out.stdout.contains(&key),
        "whole secret printed:\n{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("\x1b["),
        "no colour when stdout is not a terminal"
    );
    out.assert_stderr_has("keysweep: 1 finding (1 medium) in 1 file; scanned 1 file");
    let shown = t.run(&["scan", ".", "--show-secrets"]);
    assert!(shown.stdout.contains(&key));
}

#[test]
fn secrets_never_reach_stderr() {
    let (t, key) = one_secret();
    for format in ["human", "json", "jsonl"] {
        let out = t.run(&["scan", ".", "--format", format, "--show-secrets"]);
        assert!(!out.stderr.contains(&key), "{format}: {}", out.stderr);
    }
}

#[test]
fn output_file_is_private_and_stdout_stays_empty() {
    use std::os::unix::fs::PermissionsExt;
    let (t, key) = one_secret();
    let report = t.join("report.json");
    std::fs::write(&report, "old").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = t.run(&[
        "scan",
        "config",
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status, 1);
    assert_eq!(out.stdout, "");
    let mode = std::fs::metadata(&report).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains(&key));
    // A device stays as it is: `-o /dev/null` is a common way to keep only the exit status.
    let null_mode = std::fs::metadata("/dev/null").unwrap().permissions().mode();
    assert_eq!(t.run(&["scan", ".", "-o", "/dev/null"]).status, 1);
    assert_eq!(
        std::fs::metadata("/dev/null").unwrap().permissions().mode(),
        null_mode
    );
    let out = t.run(&["scan", ".", "-o", "/no/such/dir/r.json"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("/no/such/dir/r.json: cannot write the report");
}

#[test]
fn exit_codes_follow_the_contract() {
    let (t, _) = one_secret();
    assert_eq!(t.run(&["scan", "."]).status, 1);
    assert_eq!(t.run(&["scan", ".", "--exit-code", "7"]).status, 7);
    let clean = TestDir::new();
    clean.write("a.txt", "nothing\n");
    assert_eq!(clean.run(&["scan", ".", "--exit-code", "7"]).status, 0);
    assert_eq!(clean.run(&["scan", ".", "--format", "yaml"]).status, 2);
    assert_eq!(
        clean.run(&["scan", ".", "--exit-code", "0"]).status,
        2,
        "0 would hide findings"
    );
}

/// Colour on a terminal (a pseudo-terminal from util-linux `script`), none with NO_COLOR.
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let (t, _) = one_secret();
    let command = format!("{} scan .", crate::util::bin().display());
    let on_tty = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"])
            .current_dir(t.path())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        crate::util::run_command(cmd, None).stdout
    };
    let coloured = on_tty(None);
    assert!(
        coloured.contains("\x1b[1mconfig/prod.env\x1b[0m"),
        "{coloured:?}"
    );
    assert!(!on_tty(Some("1")).contains('\x1b'));
}
