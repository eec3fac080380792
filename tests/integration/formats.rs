//! The github and markdown formats and the words of every count: annotations
//! at the SARIF report's levels, a Markdown table that reads raw and renders only as text, with a
//! fingerprint column and private keys named by their type; "finding", never "secret found", and
//! plurals right.

use crate::util::{random_chars, scw_access_key, uuid_v4, TestDir};

/// A fake OpenSSH private key block, assembled at run time.
fn openssh_key(seed: u64) -> String {
    let label = ["OPENSSH", "PRIVATE KEY"].join(" ");
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body = format!("b3BlbnNzaC1rZXktdjE{}", random_chars(seed, alphabet, 237));
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A low-severity custom rule, a Scaleway key pair (medium access key, critical secret key).
fn three_severities() -> TestDir {
    let t = TestDir::new();
    t.write(
        ".keysweep.toml",
        "[allow]\npaths = [\".keysweep.toml\"]\n\n[[patterns]]\nid = \"acme.key\"\n\
         name = \"Acme key\"\nseverity = \"low\"\nsecret = 'acme_[a-z0-9]{10}'\n\
         examples = [\"k=acme_a1b2c3d4e5\"]\n",
    );
    t.write(
        "app.env",
        format!(
            "ACME=acme_{}\nSCW_ACCESS_KEY={}\nSCW_SECRET_KEY={}\n",
            random_chars(5, "abcdefghij0123456789", 10),
            scw_access_key(5),
            uuid_v4(5)
        ),
    );
    t
}

#[test]
fn github_annotations_follow_the_severity_like_sarif_levels() {
    let t = three_severities();
    let out = t.run(&["scan", ".", "--format", "github"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let commands: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        commands,
        ["::notice", "::warning", "::error"],
        "{}",
        out.stdout
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&t.run(&["scan", ".", "--format", "sarif"]).stdout).unwrap();
    let levels: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["note", "warning", "error"]);
}

/// Splits a table row into its cells on the `|` that are not escaped.
fn cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in row.chars() {
        if c == '|' && !escaped {
            cells.push(String::new());
        } else {
            cells.last_mut().unwrap().push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    cells[1..cells.len() - 1]
        .iter()
        .map(|c| c.trim().to_string())
        .collect()
}

/// `cell` without its code spans (a run of backticks up to the next run of the same length).
fn outside_code(cell: &str) -> String {
    let mut out = String::new();
    let mut rest = cell;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let fence_len = rest[start..].chars().take_while(|&c| c == '`').count();
        let fence = "`".repeat(fence_len);
        let after = &rest[start + fence_len..];
        let mut search = 0;
        let end = loop {
            let at = search + after[search..].find(&fence).expect("a closed code span");
            let longer = after[at + fence_len..].starts_with('`');
            if !longer && (at == 0 || !after[..at].ends_with('`')) {
                break at;
            }
            search = at + after[at..].chars().take_while(|&c| c == '`').count();
        };
        rest = &after[end + fence_len..];
    }
    out.push_str(rest);
    out
}

#[test]
fn markdown_table_reads_raw_and_hostile_paths_stay_text() {
    let t = TestDir::new();
    let key = scw_access_key(11);
    let hostile = [
        "[x](http:e)|y/a`b.env",
        "<img src=x onerror=alert(1)>/``*em*`.env",
        "![i](j)/_u_ ~~s~~ &amp; x.env",
        "deploy/prod-v1.2_final.env",
    ];
    for path in hostile {
        t.write(path, format!("SCW_ACCESS_KEY={key}\n"));
    }
    let ssh = openssh_key(3);
    t.write("id_ed25519", &ssh);
    let out = t.run(&["scan", ".", "--format", "markdown"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let md = &out.stdout;
    assert!(md.starts_with("## keysweep: 5 findings\n"), "{md}");
    assert!(!md.contains(&key) && !md.contains(&ssh[40..80]), "{md}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(
        rows[0],
        "| Severity | Rule | Where | Secret | Fingerprint | Commit |"
    );
    let json = t.run(&["scan", ".", "--format", "json"]).json();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(rows.len(), 1 + findings.len());
    for (row, f) in rows[1..].iter().zip(findings) {
        let cells = cells(row);
        assert_eq!(cells.len(), 6, "a cell broke the table: {row}");
        // Outside code spans: only the severity, parentheses, hex and spaces; no markup.
        for cell in &cells {
            let plain = outside_code(cell);
            assert!(
                plain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " ()".contains(c)),
                "markup outside a code span: {plain:?} in {row}"
            );
        }
        let fingerprint = f["fingerprint"].as_str().unwrap();
        assert_eq!(cells[4], fingerprint[..12]);
    }
    // Readable raw: nothing escaped that Markdown does not need.
    assert!(
        md.contains(" | `deploy/prod-v1.2_final.env:1:16` | `SCW"),
        "{md}"
    );
    assert!(!md.contains("\\."), "{md}");
    // The table's one escape: a `|` in a path.
    assert!(md.contains("``[x](http:e)\\|y/a`b.env:1:16``"), "{md}");
    // A private key shows as its type, not as `----…`.
    let key_row = rows.iter().find(|r| r.contains("id_ed25519")).unwrap();
    assert!(key_row.contains("| `OpenSSH private key` |"), "{key_row}");
    assert!(!md.contains("----"), "{md}");
}

#[test]
fn counts_say_findings_with_plurals_right() {
    let t = TestDir::new();
    t.write("one.env", format!("SCW_ACCESS_KEY={}\n", scw_access_key(1)));
    let out = t.run(&["scan", ".", "--format", "markdown"]);
    assert!(
        out.stdout.starts_with("## keysweep: 1 finding\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Scanned 1 file ("), "{}", out.stdout);
    assert!(out.stdout.contains(", 0 errors."), "{}", out.stdout);
    out.assert_stderr_has("keysweep: 1 finding (1 medium) in 1 file;");
    let clean = TestDir::new();
    clean.write("a.txt", "nothing\n");
    let out = clean.run(&["scan", ".", "--format", "markdown"]);
    assert!(
        out.stdout.starts_with("## keysweep: no findings\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("secret"), "{}", out.stdout);
}
