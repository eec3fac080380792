//! Issue 13, verification and revocation: what a scanned tree (a pull request) or a misbehaving
//! receiver cannot make keysweep do. A journal committed to the tree is never read; a journal
//! named with `--journal` is refused, and left exactly as it was, when it is a symbolic link,
//! tracked by git, not sealed on this machine, or another user's; `[revoke]` values are bounded;
//! the time budget and an interruption stop all sending; a webhook URL's credentials are never
//! shown; the signature covers the delivery id. Each attack is also said on stderr.

use crate::revoke::{
    assert_signed, free_port, ok, revocation_statuses, start_readme_receiver, Reply, Server, KEY,
    KEY_ENV,
};
use crate::util::{random_chars, run_command, scw_access_key, uuid_v4, GitRepo, Output, TestDir};
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// keysweep in `dir`, with `state` as its state folder (journal and key) and the webhook key set.
fn run(dir: &Path, state: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(crate::util::bin());
    cmd.args(args)
        .current_dir(dir)
        .env(KEY_ENV, KEY)
        .env("XDG_STATE_HOME", state);
    run_command(cmd, None)
}

/// Shopify tokens: a kind of secret keysweep cannot revoke itself, so only the webhook takes them.
fn shopify_tokens(count: usize, seed: u64) -> Vec<String> {
    (0..count)
        .map(|i| {
            format!(
                "shpat_{}",
                random_chars(seed + i as u64, "0123456789abcdef", 32)
            )
        })
        .collect()
}

/// `count` Shopify tokens in `src/tokens.env`, and a trusted config (`keysweep.toml`, named with
/// `--config`) whose `[revoke]` section is `revoke` and whose one webhook is `hook_url`.
fn project(count: usize, hook_url: &str, revoke: &str) -> (TestDir, Vec<String>) {
    let t = TestDir::new();
    let tokens = shopify_tokens(count, 2000);
    let text: String = tokens.iter().map(|t| format!("TOKEN={t}\n")).collect();
    t.write("src/tokens.env", text);
    t.write(
        "keysweep.toml",
        format!(
            "[revoke]\n{revoke}\n[[revoke.webhooks]]\nurl = \"{hook_url}\"\nsecret_env = \"{KEY_ENV}\"\n"
        ),
    );
    (t, tokens)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The pull request's attack: it commits `.keysweep/revocations.jsonl` marking its GitHub token
/// revoked by the receiver and its Scaleway key revoked at the provider, plus a pending batch of
/// its own and a pending provider revocation of a key id it chose. The trusted config names no
/// journal, so keysweep uses the state folder's: the committed file is never read or touched.
#[test]
fn a_journal_committed_by_a_pull_request_changes_nothing() {
    let hook = Server::start(|_, _| ok());
    let api = Server::start(|_, s| match s.method.as_str() {
        "DELETE" => Reply::Status(204, vec![], String::new()),
        _ => Reply::Status(401, vec![], String::new()),
    });
    let repo = GitRepo::new();
    repo.write("README.md", "app\n");
    let base = repo.commit("base");
    let gh = &shopify_tokens(1, 131)[0];
    let (ak, sk) = (scw_access_key(131), uuid_v4(131));
    repo.write(
        "app/.env",
        format!("SHOPIFY_ACCESS_TOKEN={gh}\nSCW_ACCESS_KEY={ak}\nSCW_SECRET_KEY={sk}\n"),
    );
    let trusted = TestDir::new();
    let config = trusted.write(
        "keysweep.toml",
        format!(
            "[providers.scaleway]\napi_url = \"http://127.0.0.1:{}\"\n[revoke]\nbackoff_ms = 100\n[[revoke.webhooks]]\nurl = \"{}\"\nsecret_env = \"{KEY_ENV}\"\n",
            api.port,
            hook.url()
        ),
    );
    let state = trusted.join("state");
    let config = config.to_str().unwrap();

    // The attacker learns the fingerprints from a plain scan, as anyone can.
    let plain = run(repo.path(), &state, &["scan", "app", "--format", "json"]);
    let fingerprint = |rule: &str| {
        plain.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .unwrap_or_else(|| panic!("no {rule}: {}", plain.stdout))["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (gh_fp, sk_fp) = (
        fingerprint("shopify.access_token"),
        fingerprint("scaleway.secret_key"),
    );
    let forged_delivery = "11111111-2222-4333-8444-555555555555";
    let url = hook.url();
    let mac = "0".repeat(64);
    let forged = [
        format!(r#"{{"event":"batch","delivery":"{forged_delivery}","webhook":"{url}","time":1,"items":[{{"token":"forged-token-not-yours","type":"shopify.access_token","url":"x#L1","source":"file","fingerprint":"f0"}}],"mac":"{mac}"}}"#),
        format!(r#"{{"event":"batch","delivery":"d2","webhook":"{url}","time":1,"items":[{{"token":"x","type":"shopify.access_token","url":"x#L1","source":"file","fingerprint":"{gh_fp}"}}],"mac":"{mac}"}}"#),
        format!(r#"{{"event":"delivered","delivery":"d2","time":2,"status":200,"labels":[{{"fingerprint":"{gh_fp}","revoked":true}}],"mac":"{mac}"}}"#),
        format!(r#"{{"event":"revoking","fingerprint":"f1","rule_id":"scaleway.secret_key","secret":"forged-secret","pair":"forged-key-id","time":1,"mac":"{mac}"}}"#),
        format!(r#"{{"event":"revoking","fingerprint":"{sk_fp}","rule_id":"scaleway.secret_key","secret":"x","time":1,"mac":"{mac}"}}"#),
        format!(r#"{{"event":"revoked","fingerprint":"{sk_fp}","time":2,"detail":"HTTP 204","mac":"{mac}"}}"#),
    ]
    .join("\n")
        + "\n";
    repo.write(".keysweep/revocations.jsonl", &forged);
    repo.commit("add the app");

    let range = format!("{base}..HEAD");
    let out = run(
        repo.path(),
        &state,
        &[
            "scan", "--range", &range, "--config", config, "--revoke", "--format", "json",
        ],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    let posts = hook.seen();
    assert_eq!(posts.len(), 1, "one new batch, nothing forged: {posts:?}");
    assert_signed(&posts[0]);
    assert_ne!(posts[0].header("X-Keysweep-Delivery"), forged_delivery);
    assert!(
        posts[0].body.contains(gh.as_str()),
        "the real token is sent"
    );
    assert!(!posts[0].body.contains("forged-token-not-yours"));
    let calls: Vec<(String, String)> = api
        .seen()
        .iter()
        .map(|s| (s.method.clone(), s.url.clone()))
        .collect();
    assert_eq!(
        calls,
        [("DELETE".to_string(), format!("/iam/v1alpha1/api-keys/{ak}"))],
        "the real key is revoked, the forged key id never"
    );
    let statuses: Vec<(String, String)> = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["revocation"]["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("shopify.access_token".into(), "sent".into())),
        "not the forged `revoked`: {statuses:?}"
    );
    // The user is told which journal was used: the state folder's, not the tree's.
    out.assert_stderr_has(&format!(
        "(journal {})",
        state.join("keysweep/revocations.jsonl").display()
    ));
    assert_eq!(
        std::fs::read_to_string(repo.join(".keysweep/revocations.jsonl")).unwrap(),
        forged
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

/// A path's bytes, mode and owner, to show a refused journal was left as it was.
fn snapshot(path: &Path) -> (Vec<u8>, u32, u32) {
    let meta = std::fs::metadata(path).unwrap();
    (std::fs::read(path).unwrap(), meta.mode(), meta.uid())
}

/// Runs `scan --revoke --journal JOURNAL` with a JSON report, and checks the run is refused with
/// `reason` on stderr, after writing its report, with nothing sent.
#[track_caller]
fn assert_refused(t: &TestDir, state: &Path, hook: &Server, journal: &str, reason: &str) {
    let out = run(
        t.path(),
        state,
        &[
            "scan",
            "src",
            "--config",
            "keysweep.toml",
            "--revoke",
            "--journal",
            journal,
            "--format",
            "json",
            "-o",
            "report.json",
        ],
    );
    assert_eq!(out.status, 2, "{journal}: {}", out.stderr);
    out.assert_stderr_has(&format!("keysweep: error: {reason}"));
    assert_eq!(
        out.stderr.lines().filter(|l| l.contains(reason)).count(),
        1,
        "one line: {}",
        out.stderr
    );
    assert!(hook.seen().is_empty(), "{journal}: nothing is sent");
    let report = read_json(&t.join("report.json"));
    assert_eq!(
        report["findings"][0]["revocation"]["status"], "failed",
        "the report is written first: {report}"
    );
    std::fs::remove_file(t.join("report.json")).unwrap();
}

#[test]
fn a_journal_that_is_a_symbolic_link_is_refused_untouched() {
    let hook = Server::start(|_, _| ok());
    let (t, _) = project(1, &hook.url(), "");
    let state = t.join("state");
    let outside = TestDir::new();
    let precious = outside.write("precious.txt", "not a journal\nno newline at the end");
    std::fs::set_permissions(&precious, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = snapshot(&precious);
    std::os::unix::fs::symlink(&precious, t.join("link.jsonl")).unwrap();
    assert_refused(
        &t,
        &state,
        &hook,
        "link.jsonl",
        "link.jsonl: the journal is a symbolic link; keysweep does not follow it",
    );
    assert_eq!(
        snapshot(&precious),
        before,
        "the link's target is untouched"
    );

    let missing = outside.join("new.jsonl");
    std::os::unix::fs::symlink(&missing, t.join("dangling.jsonl")).unwrap();
    assert_refused(
        &t,
        &state,
        &hook,
        "dangling.jsonl",
        "dangling.jsonl: the journal is a symbolic link",
    );
    assert!(!missing.exists(), "nothing created through the link");

    std::os::unix::fs::symlink(outside.path(), t.join("linked-folder")).unwrap();
    assert_refused(
        &t,
        &state,
        &hook,
        "linked-folder/revocations.jsonl",
        "linked-folder: the journal's folder is a symbolic link",
    );
    assert!(!outside.join("revocations.jsonl").exists());
}

/// `--journal` pointing at the file the pull request committed: git tracks it, so it is the
/// pull request's, not keysweep's.
#[test]
fn a_journal_tracked_by_git_is_refused_untouched() {
    let hook = Server::start(|_, _| ok());
    let repo = GitRepo::new();
    let gh = &shopify_tokens(1, 141)[0];
    repo.write("src/tokens.env", format!("TOKEN={gh}\n"));
    let forged = format!(
        "{{\"event\":\"batch\",\"delivery\":\"d1\",\"webhook\":\"{}\",\"time\":1,\"items\":[]}}\n",
        hook.url()
    );
    let journal = repo.write(".keysweep/revocations.jsonl", &forged);
    repo.commit("a pull request");
    let t = TestDir::new();
    t.write(
        "keysweep.toml",
        format!(
            "[[revoke.webhooks]]\nurl = \"{}\"\nsecret_env = \"{KEY_ENV}\"\n",
            hook.url()
        ),
    );
    let before = snapshot(&journal);
    let out = run(
        repo.path(),
        &t.join("state"),
        &[
            "scan",
            "src",
            "--config",
            t.join("keysweep.toml").to_str().unwrap(),
            "--revoke",
            "--journal",
            ".keysweep/revocations.jsonl",
            "--format",
            "json",
            "-o",
            "report.json",
        ],
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has(
        "keysweep: error: .keysweep/revocations.jsonl: the journal is tracked by git (in ",
    );
    assert!(hook.seen().is_empty());
    assert_eq!(snapshot(&journal), before);
    assert!(repo.join("report.json").exists(), "the report is written");
}

/// A journal without seals (an older keysweep's, or written by hand), and a real journal copied
/// from another machine (another state folder, so another key): refused, untouched, and their
/// pending batches are not sent.
#[test]
fn a_journal_this_machine_did_not_seal_is_refused_untouched() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (t, _) = project(2, &url, "max_attempts = 1");
    // Another machine: its keysweep journals a batch that stays pending (nothing listens).
    let other = TestDir::new();
    let made = run(
        t.path(),
        &other.join("state"),
        &[
            "scan",
            "src",
            "--config",
            "keysweep.toml",
            "--revoke",
            "--journal",
            "copied.jsonl",
        ],
    );
    assert_eq!(made.status, 1, "{}", made.stderr);
    made.assert_stderr_has("2 pending");
    let hook = Server::start_on(port, |_, _| ok());
    let state = t.join("state");
    let before = snapshot(&t.join("copied.jsonl"));
    assert_refused(
        &t,
        &state,
        &hook,
        "copied.jsonl",
        "copied.jsonl: line 1: its MAC does not verify with this machine's key; this journal was not written by keysweep on this machine",
    );
    assert_eq!(snapshot(&t.join("copied.jsonl")), before);

    // The same lines without their seals, and a torn last line, which is not cut off either.
    let unsealed: String = std::fs::read_to_string(t.join("copied.jsonl"))
        .unwrap()
        .lines()
        .map(|l| format!("{}}}\n", &l[..l.find(",\"mac\"").unwrap()]))
        .collect::<String>()
        + "{\"event\":\"deliv";
    t.write("old.jsonl", &unsealed);
    let before = snapshot(&t.join("old.jsonl"));
    assert_refused(
        &t,
        &state,
        &hook,
        "old.jsonl",
        "old.jsonl: line 1: the line carries no MAC; this journal was not written by keysweep on this machine (copied, forged, or from an older keysweep), so nothing in it is used: move it away",
    );
    assert_eq!(snapshot(&t.join("old.jsonl")), before);

    // `keysweep revoke --resume` checks the same way.
    let resumed = run(
        t.path(),
        &state,
        &[
            "revoke",
            "--resume",
            "--config",
            "keysweep.toml",
            "--journal",
            "old.jsonl",
        ],
    );
    assert_eq!(resumed.status, 2);
    resumed.assert_stderr_has("old.jsonl: line 1: the line carries no MAC");
    assert!(hook.seen().is_empty());
    assert_eq!(snapshot(&t.join("old.jsonl")), before);
}

/// A journal another user owns (made as root with `chown`; skipped when the tests do not run as
/// root, as no other user's file can be made then).
#[test]
fn another_users_journal_is_refused_untouched() {
    let (t, _) = project(1, "http://127.0.0.1:9/hook", "");
    let path = t.write("theirs.jsonl", "");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    if std::os::unix::fs::chown(&path, Some(65534), Some(65534)).is_err() {
        eprintln!("skipped: not root, so no file of another user can be made");
        return;
    }
    let hook = Server::start(|_, _| ok());
    t.write(
        "keysweep.toml",
        format!(
            "[[revoke.webhooks]]\nurl = \"{}\"\nsecret_env = \"{KEY_ENV}\"\n",
            hook.url()
        ),
    );
    let before = snapshot(&path);
    assert_refused(
        &t,
        &t.join("state"),
        &hook,
        "theirs.jsonl",
        "theirs.jsonl: the journal belongs to another user (uid 65534,",
    );
    assert_eq!(snapshot(&path), before, "bytes, mode and owner unchanged");
}

#[test]
fn out_of_range_revoke_settings_are_refused() {
    let hook = Server::start(|_, _| ok());
    for (setting, range) in [
        ("max_attempts = 0", "1 to 10"),
        ("max_attempts = 4294967295", "1 to 10"),
        ("backoff_ms = 0", "100 to 60000"),
        ("backoff_ms = 60001", "100 to 60000"),
        ("timeout_secs = 0", "1 to 120"),
        ("timeout_secs = 121", "1 to 120"),
        ("budget_secs = 0", "1 to 3600"),
        ("budget_secs = 3601", "1 to 3600"),
    ] {
        let (t, _) = project(1, &hook.url(), setting);
        let out = run(
            t.path(),
            &t.join("state"),
            &["scan", "src", "--config", "keysweep.toml", "--revoke"],
        );
        assert_eq!(out.status, 2, "{setting}: {}", out.stderr);
        out.assert_stderr_has(&format!(
            "keysweep: error: keysweep.toml: [revoke] {setting} is out of range: use {range}"
        ));
    }
    assert!(hook.seen().is_empty());
}

/// A receiver that always answers 503, with backoff at its minimum: each batch gets at most
/// `max_attempts` requests, at least the backoff apart, and the whole phase stops when
/// `budget_secs` runs out, what is left pending or unsent, as stderr says.
#[test]
fn a_failing_receiver_is_bounded_by_the_attempts_and_the_budget() {
    let hook = Server::start(|_, _| Reply::Status(503, vec![], String::new()));
    let (t, _) = project(1, &hook.url(), "max_attempts = 3\nbackoff_ms = 100");
    let out = run(
        t.path(),
        &t.join("state"),
        &["scan", "src", "--config", "keysweep.toml", "--revoke"],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    out.assert_stderr_has("HTTP 503 after 3 attempts");
    let seen = hook.seen();
    assert_eq!(seen.len(), 3, "max_attempts");
    for pair in seen.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(50),
            "backoff ≥ 100 ms × [0.5, 1): {gap:?}"
        );
    }

    // Without the budget, 10 attempts of backoff 100 ms doubling take 25 s or more.
    let hook = Server::start(|_, _| Reply::Status(503, vec![], String::new()));
    let (t, _) = project(
        150,
        &hook.url(),
        "max_attempts = 10\nbackoff_ms = 100\nbudget_secs = 1",
    );
    let start = Instant::now();
    let out = run(
        t.path(),
        &t.join("state"),
        &[
            "scan",
            "src",
            "--config",
            "keysweep.toml",
            "--revoke",
            "--format",
            "json",
        ],
    );
    let took = start.elapsed();
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert_eq!(out.status, 1, "{}", out.stderr);
    let seen = hook.seen();
    assert!((2..=10).contains(&seen.len()), "{} requests", seen.len());
    let delivery = seen[0].header("X-Keysweep-Delivery");
    assert!(seen
        .iter()
        .all(|s| s.header("X-Keysweep-Delivery") == delivery));
    out.assert_stderr_has(
        "keysweep: revocation stopped: the time budget of 1 s ([revoke] budget_secs) ran out; nothing more was sent",
    );
    out.assert_stderr_has("0 findings delivered (webhook requests: 0), 100 pending, 0 failed");
    out.assert_stderr_has("; 50 not sent (the next scan with --revoke sends them)");
    let details: Vec<String> = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["revocation"]["detail"].as_str().unwrap().to_string())
        .collect();
    let unsent = format!(
        "not sent to http://127.0.0.1:{}: the time budget ran out",
        hook.port
    );
    assert_eq!(details.iter().filter(|d| **d == unsent).count(), 50);
    assert_eq!(
        details
            .iter()
            .filter(|d| d.starts_with("pending for"))
            .count(),
        100
    );
}

/// Runs `cmd` (stdout discarded), sends it `signal` once `server` has received its first request,
/// and returns its exit status, stderr, when that request arrived and how long the process took
/// to end after the signal.
fn signal_after_first_request(
    mut cmd: Command,
    server: &Server,
    signal: rustix::process::Signal,
) -> (Option<i32>, String, Instant, Duration) {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    crate::util::isolate_user_folders(&mut cmd);
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.seen().is_empty() {
        assert!(Instant::now() < deadline, "the request never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    let first_request = server.seen()[0].at;
    crate::util::signal(child.id(), signal);
    let signalled = Instant::now();
    let out = child.wait_with_output().unwrap();
    let waited = signalled.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr, first_request, waited)
}

/// SIGTERM while the receiver holds a request: keysweep stops waiting at once, sends nothing
/// more, writes its reports, says what stays pending, and exits 130.
#[test]
fn sigterm_while_a_slow_receiver_answers_stops_all_sending() {
    const SLOW: Duration = Duration::from_secs(8);
    let hook = Server::start(|_, _| {
        std::thread::sleep(SLOW);
        ok()
    });
    let (t, _) = project(150, &hook.url(), "journal = \"state/revocations.jsonl\"");
    let mut cmd = Command::new(crate::util::bin());
    cmd.args([
        "scan",
        "src",
        "--config",
        "keysweep.toml",
        "--revoke",
        "--format",
        "json",
        "-o",
        "report.json",
        "--report",
        "sarif=report.sarif",
    ])
    .current_dir(t.path())
    .env(KEY_ENV, KEY);
    let (status, stderr, first_request, waited) =
        signal_after_first_request(cmd, &hook, rustix::process::Signal::TERM);
    assert!(waited < SLOW / 2, "stopped waiting at once: {waited:?}");
    assert_eq!(status, Some(130), "{stderr}");
    for said in [
        "keysweep: revocation interrupted: nothing was sent after the signal",
        "100 pending",
        "50 not sent (the next scan with --revoke sends them)",
        "`keysweep revoke --resume` sends what is pending",
    ] {
        assert!(stderr.contains(said), "{said}: {stderr}");
    }
    let report = read_json(&t.join("report.json"));
    let statuses: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["revocation"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 150);
    assert!(statuses.iter().all(|s| *s == "pending"), "{statuses:?}");
    let sarif = read_json(&t.join("report.sarif"));
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 150);
    // The batch is journaled pending (for a resume); nothing reaches the receiver after the
    // signal, even once it has answered the request it held.
    let journal = std::fs::read_to_string(t.join("state/revocations.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 1, "{journal}");
    assert!(journal.starts_with("{\"event\":\"batch\""));
    std::thread::sleep(
        (first_request + SLOW + Duration::from_secs(1)).saturating_duration_since(Instant::now()),
    );
    assert_eq!(hook.seen().len(), 1, "no request after the signal");
}

/// `user:pass@`, a path and `?token=` in a webhook URL reach the receiver, and nowhere else:
/// not stderr (failures, pending warnings, dry runs, config errors), JSON or SARIF.
#[test]
fn a_webhook_urls_credentials_are_never_shown() {
    let lower = "abcdefghijklmnopqrstuvwxyz";
    let (user, pass, path, query) = (
        random_chars(151, lower, 12),
        random_chars(152, lower, 12),
        random_chars(153, lower, 12),
        random_chars(154, lower, 12),
    );
    let secrets = [&user, &pass, &path, &query];
    let assert_hidden = |what: &str, text: &str| {
        for s in secrets {
            assert!(!text.contains(s.as_str()), "{what} shows {s}:\n{text}");
        }
    };
    let hook = Server::start(|i, _| {
        if i == 0 {
            Reply::Status(400, vec![], String::new())
        } else {
            Reply::Status(503, vec![], String::new())
        }
    });
    let url = format!(
        "http://{user}:{pass}@127.0.0.1:{}/hook/{path}?token={query}",
        hook.port
    );
    let (t, _) = project(1, &url, "max_attempts = 1");
    let state = t.join("state");
    let args = [
        "scan",
        "src",
        "--config",
        "keysweep.toml",
        "--revoke",
        "--format",
        "json",
        "--report",
        "sarif=report.sarif",
    ];
    let shown = format!("http://127.0.0.1:{}", hook.port);
    let sarif = || std::fs::read_to_string(t.join("report.sarif")).unwrap();
    // A dry run names the URL; then a 400 fails the batch (its detail names the URL), and a 503
    // leaves the next one pending (a warning names it).
    let mut dry_args = args.to_vec();
    dry_args.push("--dry-run");
    let dry = run(t.path(), &state, &dry_args);
    dry.assert_stderr_has(&format!("would POST 1 finding to {shown}:"));
    let dry_sarif = sarif();
    let failed = run(t.path(), &state, &args);
    assert_eq!(
        revocation_statuses(&failed),
        ["failed"],
        "{}",
        failed.stderr
    );
    failed.assert_stderr_has(&format!("failed: HTTP 400 from {shown} (not retried)"));
    let failed_sarif = sarif();
    let pending = run(t.path(), &state, &args);
    assert_eq!(revocation_statuses(&pending), ["pending"]);
    pending.assert_stderr_has(&format!("webhook {shown}: delivery "));
    let pending_sarif = sarif();
    for (what, out, sarif) in [
        ("dry run", &dry, &dry_sarif),
        ("failed", &failed, &failed_sarif),
        ("pending", &pending, &pending_sarif),
    ] {
        assert_hidden(&format!("{what} stderr"), &out.stderr);
        assert_hidden(&format!("{what} JSON"), &out.stdout);
        assert_hidden(&format!("{what} SARIF"), sarif);
    }
    let seen = hook.seen();
    assert_eq!(
        seen[0].url,
        format!("/hook/{path}?token={query}"),
        "the receiver gets it all"
    );

    let remote = url.replace(&format!("127.0.0.1:{}", hook.port), "hooks.example.com");
    let (t, _) = project(1, &remote, "");
    let refused = run(
        t.path(),
        &t.join("state"),
        &["scan", "src", "--config", "keysweep.toml", "--revoke"],
    );
    assert_eq!(refused.status, 2);
    refused.assert_stderr_has("url: http://hooks.example.com is plain http");
    assert_hidden("config error", &refused.stderr);
}

/// The signature covers the delivery id: README's receiver accepts a captured delivery as it
/// was sent, and refuses it replayed under a fresh `X-Keysweep-Delivery`.
#[test]
fn a_delivery_replayed_under_a_new_id_fails_the_readme_receivers_check() {
    let capture = Server::start(|_, _| ok());
    let (t, _) = project(2, &capture.url(), "");
    let out = run(
        t.path(),
        &t.join("state"),
        &["scan", "src", "--config", "keysweep.toml", "--revoke"],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    let captured = capture.seen()[0].clone();
    assert_signed(&captured);

    let port = free_port();
    let (_folder, mut receiver) = start_readme_receiver(port);
    let post = |delivery: &str| {
        let mut request = ureq::post(&format!("http://127.0.0.1:{port}/hook"));
        for name in [
            "Content-Type",
            "X-Keysweep-Timestamp",
            "X-Keysweep-Signature",
        ] {
            request = request.set(name, captured.header(name));
        }
        match request
            .set("X-Keysweep-Delivery", delivery)
            .send_string(&captured.body)
        {
            Ok(response) => response.status(),
            Err(ureq::Error::Status(status, _)) => status,
            Err(e) => panic!("the receiver did not answer: {e}"),
        }
    };
    let as_sent = post(captured.header("X-Keysweep-Delivery"));
    let replayed = post(&uuid_v4(155));
    receiver.kill().unwrap();
    receiver.wait().unwrap();
    assert_eq!(as_sent, 200);
    assert_eq!(replayed, 401, "a fresh delivery id breaks the signature");
}

/// SIGINT while a provider holds a verification request: the other secrets are not asked about
/// (`unknown`, "not verified: interrupted"), the report is written, and the exit status is 130.
#[test]
fn sigint_during_verification_asks_nothing_more() {
    const SLOW: Duration = Duration::from_secs(6);
    let api = Server::start(|_, _| {
        std::thread::sleep(SLOW);
        Reply::Status(401, vec![], String::new())
    });
    let t = TestDir::new();
    let pairs: String = (0..3)
        .map(|i| {
            format!(
                "SCW_ACCESS_KEY={}\nSCW_SECRET_KEY={}\n\n",
                scw_access_key(160 + i),
                uuid_v4(160 + i)
            )
        })
        .collect();
    t.write("src/scw.env", pairs);
    t.write(
        "keysweep.toml",
        format!(
            "[providers.scaleway]\napi_url = \"http://127.0.0.1:{}\"\n",
            api.port
        ),
    );
    let mut cmd = Command::new(crate::util::bin());
    cmd.args([
        "scan",
        "src",
        "--config",
        "keysweep.toml",
        "--verify",
        "--format",
        "json",
        "-o",
        "report.json",
    ])
    .current_dir(t.path());
    let (status, stderr, first_request, waited) =
        signal_after_first_request(cmd, &api, rustix::process::Signal::INT);
    assert!(waited < SLOW / 2, "{waited:?}");
    assert_eq!(status, Some(130), "{stderr}");
    assert!(
        stderr.contains("keysweep: verification interrupted: 3 findings not verified"),
        "{stderr}"
    );
    let report = read_json(&t.join("report.json"));
    let secret_keys: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "scaleway.secret_key")
        .map(|f| &f["verification"])
        .collect();
    assert_eq!(secret_keys.len(), 3);
    for v in secret_keys {
        assert_eq!(
            v,
            &serde_json::json!({"status": "unknown", "detail": "not verified: interrupted"})
        );
    }
    std::thread::sleep(
        (first_request + SLOW + Duration::from_secs(1)).saturating_duration_since(Instant::now()),
    );
    assert_eq!(api.seen().len(), 1, "no request after the signal");
}
