//! `--revoke` and `--verify` against real HTTP servers on 127.0.0.1: the webhook protocol
//! (signature, batches, delivery ids, retries), the journal (nothing lost, nothing sent twice,
//! a crash mid-request), and provider calls against a fake Scaleway API.

use crate::util::{random_chars, run_command, scw_access_key, uuid_v4, TestDir};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const KEY_ENV: &str = "KS_TEST_HOOK_KEY";
pub(crate) const KEY: &str = "hook-key-for-tests";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }
}

pub(crate) enum Reply {
    Status(u16, Vec<(&'static str, String)>, String),
    /// Read the request and never answer it.
    Stall,
}

/// A server on 127.0.0.1 answering each request with `respond(index, request)`.
pub(crate) struct Server {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn start(respond: impl Fn(usize, &Seen) -> Reply + Send + 'static) -> Server {
        Self::start_on(0, respond)
    }

    pub fn start_on(port: u16, respond: impl Fn(usize, &Seen) -> Reply + Send + 'static) -> Server {
        let server = tiny_http::Server::http(("127.0.0.1", port)).unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            let mut stalled = Vec::new();
            for mut request in server.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let s = Seen {
                    method: request.method().to_string(),
                    url: request.url().to_string(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| (h.field.to_string(), h.value.to_string()))
                        .collect(),
                    body,
                    at: Instant::now(),
                };
                let index = {
                    let mut log = log.lock().unwrap();
                    log.push(s.clone());
                    log.len() - 1
                };
                match respond(index, &s) {
                    Reply::Stall => stalled.push(request),
                    Reply::Status(code, headers, body) => {
                        let mut response =
                            tiny_http::Response::from_string(body).with_status_code(code);
                        for (name, value) in headers {
                            response
                                .add_header(tiny_http::Header::from_bytes(name, value).unwrap());
                        }
                        let _ = request.respond(response);
                    }
                }
            }
        });
        Server { port, seen }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

pub(crate) fn ok() -> Reply {
    Reply::Status(200, vec![], String::new())
}

/// A folder with `count` distinct Shopify tokens in one file and a config for `hook_url`: a kind
/// of secret keysweep cannot revoke itself, so only the webhook takes them.
pub(crate) fn project(count: usize, hook_url: &str, extra_config: &str) -> (TestDir, Vec<String>) {
    let t = TestDir::new();
    let tokens: Vec<String> = (0..count)
        .map(|i| {
            format!(
                "shpat_{}",
                random_chars(1000 + i as u64, "0123456789abcdef", 32)
            )
        })
        .collect();
    let text: String = tokens
        .iter()
        .map(|t| format!("SHOPIFY_ACCESS_TOKEN={t}\n"))
        .collect();
    t.write("src/tokens.env", text);
    t.write(
        ".keysweep.toml",
        format!(
            "[revoke]\njournal = \"state/revocations.jsonl\"\nbackoff_ms = 100\nmax_attempts = 3\ntimeout_secs = 5\n{extra_config}\n[[revoke.webhooks]]\nurl = \"{hook_url}\"\nsecret_env = \"{KEY_ENV}\"\n"
        ),
    );
    (t, tokens)
}

pub(crate) fn keysweep(t: &TestDir, args: &[&str]) -> crate::util::Output {
    let mut cmd = std::process::Command::new(crate::util::bin());
    cmd.args(args).current_dir(t.path()).env(KEY_ENV, KEY);
    run_command(cmd, None)
}

fn scan_revoke(t: &TestDir) -> crate::util::Output {
    keysweep(
        t,
        &[
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--revoke",
            "--format",
            "json",
        ],
    )
}

fn journal(t: &TestDir) -> Vec<Value> {
    std::fs::read_to_string(t.join("state/revocations.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[track_caller]
pub(crate) fn assert_signed(s: &Seen) {
    let timestamp = s.header("X-Keysweep-Timestamp");
    assert!(timestamp.parse::<u64>().is_ok(), "timestamp {timestamp:?}");
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    let delivery = s.header("X-Keysweep-Delivery");
    mac.update(format!("{timestamp}.{delivery}.{}", s.body).as_bytes());
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(s.header("X-Keysweep-Signature"), format!("sha256={want}"));
    assert_eq!(s.header("Content-Type"), "application/json");
    assert_eq!(delivery.len(), 36, "a UUID: {delivery:?}");
}

pub(crate) fn revocation_statuses(out: &crate::util::Output) -> Vec<String> {
    out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["revocation"]["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn signed_batches_of_at_most_100_and_never_sent_twice() {
    let labelled = Arc::new(Mutex::new(String::new()));
    let label = labelled.clone();
    let server = Server::start(move |_, s| {
        // The receiver revokes the first token of each batch and says so.
        let items: Value = serde_json::from_str(&s.body).unwrap();
        let fp = items[0]["fingerprint"].as_str().unwrap().to_string();
        *label.lock().unwrap() = fp.clone();
        Reply::Status(
            200,
            vec![("Content-Type", "application/json".into())],
            format!(r#"[{{"fingerprint":"{fp}","label":"true_positive","revoked":true}}]"#),
        )
    });
    let (t, tokens) = project(150, &server.url(), "");
    let out = scan_revoke(&t);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let mut sent = Vec::new();
    for s in &seen {
        assert_eq!((s.method.as_str(), s.url.as_str()), ("POST", "/hook"));
        assert_signed(s);
        let items: Vec<Value> = serde_json::from_str(&s.body).unwrap();
        for i in &items {
            assert_eq!(i["type"], "shopify.access_token");
            assert_eq!(i["source"], "file");
            assert!(
                i["url"].as_str().unwrap().starts_with("tokens.env#L"),
                "{i}"
            );
            assert_eq!(i["fingerprint"].as_str().unwrap().len(), 64);
            sent.push(i["token"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(
        (
            serde_json::from_str::<Vec<Value>>(&seen[0].body)
                .unwrap()
                .len(),
            serde_json::from_str::<Vec<Value>>(&seen[1].body)
                .unwrap()
                .len()
        ),
        (100, 50)
    );
    assert_ne!(
        seen[0].header("X-Keysweep-Delivery"),
        seen[1].header("X-Keysweep-Delivery")
    );
    sent.sort();
    let mut want = tokens.clone();
    want.sort();
    assert_eq!(sent, want, "every token exactly once");

    let statuses = revocation_statuses(&out);
    assert_eq!(
        statuses.iter().filter(|s| *s == "revoked").count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| *s == "sent").count(), 148);
    out.assert_stderr_has(
        "keysweep: revocation: 150 findings delivered (webhook requests: 2), 0 pending, 0 failed",
    );

    // The journal is private, and a new run sends nothing already delivered.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(t.join("state/revocations.jsonl"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let again = scan_revoke(&t);
    assert_eq!(again.status, 1);
    assert_eq!(server.seen().len(), 2, "nothing is sent twice");
    assert_eq!(
        revocation_statuses(&again)
            .iter()
            .filter(|s| *s == "sent")
            .count(),
        148
    );
    // The journal's folder is ignored by later scans of the tree (it holds the secrets).
    let whole = keysweep(&t, &["scan", ".", "--format", "json"]);
    assert_eq!(
        whole.json()["findings"].as_array().unwrap().len(),
        150,
        "{}",
        whole.stderr
    );
}

#[test]
fn a_server_failing_twice_gets_one_delivery_id() {
    let server = Server::start(|i, _| {
        if i < 2 {
            Reply::Status(500, vec![], "oops".into())
        } else {
            ok()
        }
    });
    let (t, _) = project(3, &server.url(), "");
    let out = scan_revoke(&t);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert_signed(s);
        assert_eq!(
            s.header("X-Keysweep-Delivery"),
            seen[0].header("X-Keysweep-Delivery")
        );
        assert_eq!(s.body, seen[0].body, "the same batch on every retry");
    }
    assert_eq!(revocation_statuses(&out), ["sent", "sent", "sent"]);
    let events: Vec<String> = journal(&t)
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["batch", "delivered"]);
}

#[test]
fn a_429_is_retried_after_its_retry_after() {
    let server = Server::start(|i, _| {
        if i == 0 {
            Reply::Status(429, vec![("Retry-After", "1".into())], String::new())
        } else {
            ok()
        }
    });
    let (t, _) = project(1, &server.url(), "");
    let out = scan_revoke(&t);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].at - seen[0].at >= Duration::from_millis(950),
        "{:?}",
        seen[1].at - seen[0].at
    );
    assert_eq!(revocation_statuses(&out), ["sent"]);
}

#[test]
fn a_400_fails_at_once() {
    let server = Server::start(|_, _| Reply::Status(400, vec![], "bad".into()));
    let (t, _) = project(2, &server.url(), "");
    let out = scan_revoke(&t);
    assert_eq!(server.seen().len(), 1, "a 400 is not retried");
    assert_eq!(revocation_statuses(&out), ["failed", "failed"]);
    out.assert_stderr_has("failed: HTTP 400 from http://127.0.0.1:");
    let events: Vec<String> = journal(&t)
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["batch", "failed"]);
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_refused_connection_stays_pending_until_resume_delivers_it() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let (t, tokens) = project(2, &url, "");
    let out = scan_revoke(&t);
    assert_eq!(out.status, 1);
    assert_eq!(revocation_statuses(&out), ["pending", "pending"]);
    out.assert_stderr_has("connection refused after 3 attempts");
    out.assert_stderr_has("`keysweep revoke --resume` sends what is pending");
    let batch = journal(&t)[0].clone();
    assert_eq!(
        (batch["event"].as_str(), journal(&t).len()),
        (Some("batch"), 1)
    );

    let server = Server::start_on(port, |_, _| ok());
    let resumed = keysweep(&t, &["revoke", "--resume", "--config", ".keysweep.toml"]);
    assert_eq!(resumed.status, 0, "{}", resumed.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_signed(&seen[0]);
    assert_eq!(
        seen[0].header("X-Keysweep-Delivery"),
        batch["delivery"].as_str().unwrap()
    );
    let items: Vec<Value> = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| i["token"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        tokens
    );
    // Delivered now: neither a resume nor a new scan sends it again.
    assert_eq!(
        keysweep(&t, &["revoke", "--resume", "--config", ".keysweep.toml"]).status,
        0
    );
    assert_eq!(revocation_statuses(&scan_revoke(&t)), ["sent", "sent"]);
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_run_killed_before_the_acknowledgement_resends_the_same_delivery() {
    let answer = Arc::new(AtomicBool::new(false));
    let flag = answer.clone();
    let server = Server::start(move |_, _| {
        if flag.load(Ordering::SeqCst) {
            ok()
        } else {
            Reply::Stall
        }
    });
    let (t, _) = project(2, &server.url(), "");
    let mut cmd = std::process::Command::new(crate::util::bin());
    cmd.args(["scan", "src", "--config", ".keysweep.toml", "--revoke"])
        .current_dir(t.path())
        .env(KEY_ENV, KEY)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // The same state folder (journal key) as the resume below.
    crate::util::isolate_user_folders(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.seen().is_empty() {
        assert!(Instant::now() < deadline, "the request never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL while the receiver holds the request
    child.wait().unwrap();
    let first = server.seen()[0].clone();
    assert_eq!(
        journal(&t).len(),
        1,
        "the batch was journaled before it was sent"
    );

    answer.store(true, Ordering::SeqCst);
    let resumed = keysweep(&t, &["revoke", "--resume", "--config", ".keysweep.toml"]);
    assert_eq!(resumed.status, 0, "{}", resumed.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].header("X-Keysweep-Delivery"),
        first.header("X-Keysweep-Delivery")
    );
    assert_eq!(seen[1].body, first.body);
    assert_signed(&seen[1]);
}

#[test]
fn a_second_keysweep_on_the_same_journal_is_refused_after_the_reports_are_written() {
    let server = Server::start(|_, _| ok());
    let (t, _) = project(1, &server.url(), "");
    std::fs::create_dir_all(t.join("state")).unwrap();
    let held = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(t.join("state/revocations.jsonl"))
        .unwrap();
    held.try_lock().unwrap();
    let out = keysweep(
        &t,
        &[
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--revoke",
            "--format",
            "json",
            "-o",
            "report.json",
            "--report",
            "sarif=report.sarif",
        ],
    );
    assert_eq!(out.status, 2);
    out.assert_stderr_has("state/revocations.jsonl: the journal is in use by another keysweep");
    assert!(server.seen().is_empty());
    // The reports are written all the same, before the run fails.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(t.join("report.json")).unwrap()).unwrap();
    let revocation = &report["findings"][0]["revocation"];
    assert_eq!(revocation["status"], "failed", "{report}");
    assert!(
        revocation["detail"]
            .as_str()
            .unwrap()
            .contains("the revocation journal could not be used"),
        "{revocation}"
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(t.join("report.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn unsafe_or_unkeyed_webhooks_stop_before_anything_is_sent() {
    let (t, _) = project(1, "http://hooks.example.com/x", "");
    let out = scan_revoke(&t);
    assert_eq!(out.status, 2);
    out.assert_stderr_has(
        "url: http://hooks.example.com is plain http: secrets are only sent over https://",
    );

    let server = Server::start(|_, _| ok());
    let (t, _) = project(1, &server.url(), "");
    let mut cmd = std::process::Command::new(crate::util::bin());
    cmd.args(["scan", "src", "--config", ".keysweep.toml", "--revoke"])
        .current_dir(t.path())
        .env_remove(KEY_ENV);
    let out = run_command(cmd, None);
    assert_eq!(out.status, 2);
    out.assert_stderr_has(&format!(
        "the environment variable {KEY_ENV} (secret_env, the webhook's HMAC key) is not set"
    ));
    assert!(server.seen().is_empty());
    assert!(!t.join("state").exists(), "no journal either");
}

#[test]
fn dry_run_prints_redacted_and_sends_nothing() {
    let server = Server::start(|_, _| ok());
    let (t, tokens) = project(2, &server.url(), "");
    let out = keysweep(
        &t,
        &[
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--revoke",
            "--dry-run",
            "--format",
            "json",
            "--redact",
        ],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    out.assert_stderr_has(&format!(
        "keysweep: dry run: would POST 2 findings to http://127.0.0.1:{}:",
        server.port
    ));
    for token in &tokens {
        assert!(!out.stderr.contains(token.as_str()) && !out.stdout.contains(token.as_str()));
    }
    assert!(
        out.stderr
            .contains(&format!("\"token\":\"{}…\"", &tokens[0][..4])),
        "{}",
        out.stderr
    );
    assert!(server.seen().is_empty());
    assert!(!t.join("state/revocations.jsonl").exists());
    assert_eq!(revocation_statuses(&out), ["pending", "pending"]);
}

const VERIFY_AND_REVOKE: &[&str] = &[
    "scan",
    "src",
    "--config",
    ".keysweep.toml",
    "--verify",
    "--revoke",
    "--format",
    "json",
];

/// A fake Scaleway IAM API: the key is live until deleted.
#[test]
fn scaleway_keys_are_verified_and_revoked_against_the_configured_api() {
    let (ak, sk) = (scw_access_key(41), uuid_v4(41));
    let deleted = Arc::new(AtomicBool::new(false));
    let (gone, expected_path, expected_token) = (
        deleted.clone(),
        format!("/iam/v1alpha1/api-keys/{ak}"),
        sk.clone(),
    );
    let api = Server::start(move |_, s| {
        if s.url != expected_path
            || s.header("X-Auth-Token") != expected_token
            || gone.load(Ordering::SeqCst)
        {
            return Reply::Status(
                401,
                vec![],
                r#"{"message":"authentication is denied"}"#.into(),
            );
        }
        match s.method.as_str() {
            "GET" => Reply::Status(
                200,
                vec![],
                format!(r#"{{"access_key":"{}"}}"#, &expected_path[24..]),
            ),
            "DELETE" => {
                gone.store(true, Ordering::SeqCst);
                Reply::Status(204, vec![], String::new())
            }
            _ => Reply::Status(405, vec![], String::new()),
        }
    });
    let t = TestDir::new();
    t.write(
        "src/scw.env",
        format!("SCW_ACCESS_KEY={ak}\nSCW_DEFAULT_REGION=fr-par\nSCW_SECRET_KEY={sk}\n"),
    );
    t.write(
        ".keysweep.toml",
        format!("[providers.scaleway]\napi_url = \"http://127.0.0.1:{}\"\n[revoke]\njournal = \"state/revocations.jsonl\"\nbackoff_ms = 100\n", api.port),
    );
    let verified = keysweep(
        &t,
        &[
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--verify",
            "--format",
            "json",
        ],
    );
    let findings = verified.json()["findings"].clone();
    assert_eq!(findings[1]["rule_id"], "scaleway.secret_key");
    assert_eq!(
        findings[1]["verification"],
        serde_json::json!({"status": "live", "detail": "127.0.0.1: HTTP 200",
            "endpoint": "127.0.0.1", "http_status": 200})
    );
    assert_eq!(
        findings[0]["verification"]["status"], "unknown",
        "an access key alone proves nothing"
    );

    let revoked = keysweep(&t, VERIFY_AND_REVOKE);
    assert_eq!(revoked.status, 1, "{}", revoked.stderr);
    let findings = revoked.json()["findings"].clone();
    assert_eq!(findings[1]["revocation"]["status"], "revoked", "{findings}");
    assert_eq!(
        findings[0]["revocation"]["status"], "revoked",
        "with its pair: {findings}"
    );
    let calls: Vec<(String, String, String)> = api
        .seen()
        .iter()
        .map(|s| {
            (
                s.method.clone(),
                s.url.clone(),
                s.header("X-Auth-Token").to_string(),
            )
        })
        .collect();
    let call = |m: &str| {
        (
            m.to_string(),
            format!("/iam/v1alpha1/api-keys/{ak}"),
            sk.clone(),
        )
    };
    assert_eq!(calls, [call("GET"), call("GET"), call("DELETE")]);

    // Revoked: a later run verifies it invalid and never deletes it again.
    let later = keysweep(&t, VERIFY_AND_REVOKE);
    let findings = later.json()["findings"].clone();
    assert_eq!(findings[1]["verification"]["status"], "invalid");
    assert_eq!(findings[1]["revocation"]["status"], "revoked");
    assert_eq!(
        api.seen().iter().filter(|s| s.method == "DELETE").count(),
        1
    );
    // SARIF results carry both statuses in their properties.
    let sarif = keysweep(
        &t,
        &[
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--verify",
            "--format",
            "sarif",
        ],
    )
    .json();
    let props: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["properties"]["verification"]["status"])
        .collect();
    assert_eq!(props, [&Value::from("unknown"), &Value::from("invalid")]);
    // The human report shows both statuses.
    let human = keysweep(
        &t,
        &["scan", "src", "--config", ".keysweep.toml", "--verify"],
    );
    assert!(
        human
            .stdout
            .contains("= verification: invalid (127.0.0.1: HTTP 401)"),
        "{}",
        human.stdout
    );
}

/// The receiver example of README.md, run as written (python3) on `port`, once it listens; its
/// folder must live as long as it runs.
pub(crate) fn start_readme_receiver(port: u16) -> (TestDir, std::process::Child) {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("import hashlib, hmac, json, os, time")
        .expect("README.md shows a receiver");
    let code = &readme[start..start + readme[start..].find("```").unwrap()];
    let t = TestDir::new();
    let script = t.write("receiver.py", code.replace("8787", &port.to_string()));
    let receiver = std::process::Command::new("python3")
        .arg(&script)
        .env("KEYSWEEP_WEBHOOK_SECRET", KEY)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 should run (CI installs it)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the receiver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (t, receiver)
}

/// The receiver example of README.md, run as written (on a free port), accepts keysweep's
/// signed deliveries and acts on a re-sent delivery once.
#[test]
fn the_readme_receiver_accepts_signed_deliveries() {
    let port = free_port();
    let (_folder, mut receiver) = start_readme_receiver(port);
    let (p, _) = project(3, &format!("http://127.0.0.1:{port}/hook"), "");
    let out = scan_revoke(&p);
    receiver.kill().unwrap();
    receiver.wait().unwrap();
    assert_eq!(
        revocation_statuses(&out),
        ["sent", "sent", "sent"],
        "{}",
        out.stderr
    );
    out.assert_stderr_has("3 findings delivered (webhook requests: 1)");
}

/// A receiver that reads the request and never answers: each attempt ends at `timeout_secs`, the
/// run ends after `max_attempts`, and the batch stays pending in the journal for a later resume.
#[test]
fn a_webhook_that_never_answers_is_bounded_by_the_timeout() {
    let server = Server::start(|_, _| Reply::Stall);
    let (t, _) = project(2, &server.url(), "");
    t.write(
        ".keysweep.toml",
        format!(
            "[revoke]\njournal = \"state/revocations.jsonl\"\nbackoff_ms = 100\nmax_attempts = 2\ntimeout_secs = 1\n[[revoke.webhooks]]\nurl = \"{}\"\nsecret_env = \"{KEY_ENV}\"\n",
            server.url()
        ),
    );
    let start = Instant::now();
    let out = scan_revoke(&t);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "2 attempts of 1 s took {took:?}"
    );
    assert_eq!(server.seen().len(), 2, "one request per attempt");
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(revocation_statuses(&out), ["pending", "pending"]);
    let entries = journal(&t);
    assert_eq!(entries.len(), 1, "the batch, with no outcome: {entries:?}");
    let resumed = keysweep(&t, &["revoke", "--resume", "--config", ".keysweep.toml"]);
    assert_eq!(resumed.status, 1, "still pending: {}", resumed.stderr);
}
