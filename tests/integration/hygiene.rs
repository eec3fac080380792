//! Secret hygiene: no whole secret ever shows on stderr, in the human format without
//! --show-secrets, in SARIF, in the github and markdown formats, in a dry run, or in a file others
//! can read; files that hold secrets are private (0600, in a 0700 folder).

use crate::util::{
    base64, random_chars, run_command, scw_access_key, uuid_v4, with_checksum, GitRepo, Output,
};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A repository whose history, index and work tree hold secrets of several kinds: a Scaleway
/// pair, a GitHub token, one hidden in a Kubernetes Secret (base64), a percent-encoded database
/// password.
fn leaky_repo() -> GitRepo {
    let repo = GitRepo::new();
    let alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    repo.write(
        ".env",
        format!(
            "SCW_ACCESS_KEY={}\nSCW_SECRET_KEY={}\n",
            scw_access_key(951),
            uuid_v4(952)
        ),
    );
    repo.commit("Config");
    let hidden = with_checksum("ghp", &random_chars(953, alnum, 30));
    repo.write(
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ndata:\n  token: {}\n",
            base64(hidden.as_bytes(), B64, true)
        ),
    );
    repo.write(
        "db.txt",
        format!(
            "DATABASE_URL=postgres://app:{}%40x@db.internal:5432/app\n",
            random_chars(954, alnum, 20)
        ),
    );
    repo.commit("More config");
    repo.git(&["rm", "-q", "--cached", ".env"]);
    repo.commit("Stop tracking .env");
    repo.write(
        "staged.env",
        format!(
            "GITHUB_TOKEN={}\n",
            with_checksum("ghp", &random_chars(955, alnum, 30))
        ),
    );
    repo.git(&["add", "staged.env"]);
    repo
}

/// Every whole secret keysweep finds anywhere in `repo`.
fn all_secrets(repo: &GitRepo) -> Vec<String> {
    let mut secrets = Vec::new();
    for args in [
        &["scan", ".", "--format", "json"][..],
        &["scan", "--history", "--format", "json"],
        &["scan", "--staged", "--format", "json"],
    ] {
        let out = repo.run(args);
        assert_eq!(out.status, 1, "{args:?}: {}", out.stderr);
        for f in out.json()["findings"].as_array().unwrap() {
            secrets.push(f["secret"].as_str().unwrap().to_string());
        }
    }
    secrets.sort();
    secrets.dedup();
    assert_eq!(secrets.len(), 5, "{secrets:?}");
    secrets
}

#[track_caller]
fn assert_no_secret(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "{what} shows the whole secret {s:.6}…:\n{text}"
        );
    }
}

#[test]
fn no_whole_secret_reaches_stderr_the_human_report_sarif_annotations_or_summaries() {
    let repo = leaky_repo();
    let secrets = all_secrets(&repo);
    let head = repo.rev("HEAD");
    let range = format!("{}..{head}", repo.rev("HEAD~2"));
    let runs: Vec<(String, Output)> = [
        vec!["scan", "."],
        vec!["scan", "--history"],
        vec!["scan", "--staged"],
        vec!["scan", "--range", &range],
        vec!["scan", ".", "--format", "sarif"],
        vec!["scan", "--history", "--format", "sarif"],
        vec!["scan", "--history", "--format", "github"],
        vec!["scan", "--history", "--format", "markdown"],
        vec!["scan", ".", "--format", "json", "--redact"],
        vec!["scan", "--history", "--format", "jsonl", "--redact"],
    ]
    .into_iter()
    .map(|args| (args.join(" "), repo.run(&args)))
    .collect();
    for (args, out) in &runs {
        assert_eq!(out.status, 1, "{args}: {}", out.stderr);
        assert_no_secret(&format!("`keysweep {args}` stdout"), &out.stdout, &secrets);
        assert_no_secret(&format!("`keysweep {args}` stderr"), &out.stderr, &secrets);
    }

    // Standard input, and the verification and revocation paths that fail or only pretend.
    let mut cmd = std::process::Command::new(crate::util::bin());
    cmd.args(["scan", "-"]).current_dir(repo.path());
    let text = std::fs::read(repo.join("db.txt")).unwrap();
    let out = run_command(cmd, Some(&text));
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_no_secret(
        "stdin scan",
        &format!("{}{}", out.stdout, out.stderr),
        &secrets,
    );

    repo.write(
        ".keysweep.toml",
        "[providers.scaleway]\napi_url = \"http://127.0.0.1:9\"\n[revoke]\njournal = \"state/j.jsonl\"\nmax_attempts = 1\n[[revoke.webhooks]]\nurl = \"http://127.0.0.1:9/hook\"\nsecret_env = \"KEYSWEEP_TEST_KEY\"\n",
    );
    let mut cmd = std::process::Command::new(crate::util::bin());
    cmd.args([
        "scan",
        ".",
        "--config",
        ".keysweep.toml",
        "--verify",
        "--revoke",
        "--dry-run",
    ])
    .current_dir(repo.path())
    .env("KEYSWEEP_TEST_KEY", "k");
    let out = run_command(cmd, None);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("dry run"), "{}", out.stderr);
    assert_no_secret(
        "verify + revoke dry run",
        &format!("{}{}", out.stdout, out.stderr),
        &secrets,
    );
    assert!(!repo.join("state").exists(), "a dry run writes no journal");
}

#[test]
fn files_that_hold_secrets_are_private_and_readable_ones_hold_none() {
    let repo = leaky_repo();
    let secrets = all_secrets(&repo);
    // A receiver that acknowledges everything, so the journal records real deliveries; it is
    // also the provider's API, so no request leaves the machine.
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let _ = request.respond(tiny_http::Response::from_string("[]"));
        }
    });
    repo.write(
        ".keysweep.toml",
        format!(
            "[providers.scaleway]\napi_url = \"http://127.0.0.1:{port}\"\n[revoke]\njournal = \"state/revocations.jsonl\"\n[[revoke.webhooks]]\nurl = \"http://127.0.0.1:{port}/hook\"\nsecret_env = \"KEYSWEEP_TEST_KEY\"\n"
        ),
    );
    let mut cmd = std::process::Command::new(crate::util::bin());
    cmd.args([
        "scan",
        "--history",
        "--config",
        ".keysweep.toml",
        "--revoke",
        "--format",
        "json",
        "-o",
        "report.json",
    ])
    .current_dir(repo.path())
    .env("KEYSWEEP_TEST_KEY", "k");
    let out = run_command(cmd, None);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_no_secret("stderr of --revoke", &out.stderr, &secrets);

    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&repo.join("report.json")), 0o600);
    assert_eq!(mode(&repo.join("state")), 0o700);
    let journal = std::fs::read_to_string(repo.join("state/revocations.jsonl")).unwrap();
    assert!(
        secrets.iter().any(|s| journal.contains(s.as_str())),
        "the journal holds the tokens it sent"
    );
    for entry in std::fs::read_dir(repo.join("state")).unwrap() {
        let path = entry.unwrap().path();
        if mode(&path) & 0o044 != 0 {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_no_secret(&path.display().to_string(), &text, &secrets);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}
