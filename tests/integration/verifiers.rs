//! Every built-in verifier against a simulated provider on 127.0.0.1: each pattern's own examples
//! are scanned with `--verify` while every provider's `api_url` points at one local server, which
//! plays one kind of answer a run: the documented live answer, an HTML page, a WAF's 403 page, a
//! refusal, a 429 with `Retry-After`, and a request it never answers.

use crate::revoke::{keysweep, Reply, Seen, Server};
use crate::util::TestDir;
use keysweep::pattern::{Pattern, ProviderCall};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The built-in patterns that declare a verifier.
fn verifiers() -> Vec<Pattern> {
    builtin_where(|p| p.verify_call().is_some())
}

/// The built-in patterns that declare a revocation.
fn revokers() -> Vec<Pattern> {
    builtin_where(|p| p.revoke_call().is_some())
}

fn builtin_where(keep: fn(&Pattern) -> bool) -> Vec<Pattern> {
    keysweep::pattern::builtin()
        .expect("the built-in patterns should load")
        .into_iter()
        .filter(keep)
        .collect()
}

/// A call's path up to its first placeholder or query: what every request it sends starts with.
fn fixed_path(call: &ProviderCall) -> &str {
    call.path.split(['?', '{']).next().unwrap_or_default()
}

/// Adds to `body` the field a documented live answer to `call` holds (`live_json`, with its
/// `live_equals` value); the value already there when another call put one.
fn add_live_field(body: &mut Value, call: &ProviderCall) -> Result<(), Value> {
    let Some(pointer) = &call.live_json else {
        return Ok(());
    };
    let value = match &call.live_equals {
        Some(v) => serde_json::from_str(v).expect("checked at load"),
        None => json!("simulated"),
    };
    insert(body, &pointer_keys(pointer), value)
}

fn call(p: &Pattern) -> &ProviderCall {
    p.verify_call().expect("only verifiers are tested")
}

/// The verifiers in groups, each with one JSON answer that holds every `live_json` of the group
/// (with its `live_equals` value): as few groups as answers that contradict each other need.
fn live_bodies(patterns: &[Pattern]) -> Vec<(Vec<&Pattern>, Value)> {
    let mut groups: Vec<(Vec<&Pattern>, Value)> = Vec::new();
    for p in patterns {
        // The answer with this verifier's field added, if every verifier of the group (this one
        // too) still finds what it wants in it.
        let fits = |group: &[&Pattern], body: &Value| {
            let mut body = body.clone();
            let _ = add_live_field(&mut body, call(p));
            group
                .iter()
                .chain([&p])
                .all(|q| holds(&body, call(q)))
                .then_some(body)
        };
        match groups
            .iter_mut()
            .find_map(|g| fits(&g.0, &g.1).map(|b| (g, b)))
        {
            Some((group, body)) => {
                group.0.push(p);
                group.1 = body;
            }
            None => {
                let body = fits(&[], &json!({})).expect("an empty answer takes any field");
                groups.push((vec![p], body));
            }
        }
    }
    groups
}

/// Whether a live answer `body` has what the verifier `spec` looks for.
fn holds(body: &Value, spec: &ProviderCall) -> bool {
    let Some(pointer) = &spec.live_json else {
        return true;
    };
    match (body.pointer(pointer), &spec.live_equals) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(found), Some(want)) => serde_json::from_str::<Value>(want).is_ok_and(|w| *found == w),
    }
}

/// Puts `value` at `keys` in `at`, making objects on the way; the value already there if any.
fn insert(at: &mut Value, keys: &[String], value: Value) -> Result<(), Value> {
    let Some((key, rest)) = keys.split_first() else {
        return Ok(());
    };
    let Some(obj) = at.as_object_mut() else {
        return Err(at.clone());
    };
    if rest.is_empty() {
        match obj.get(key) {
            Some(old) => return Err(old.clone()),
            None => obj.insert(key.clone(), value),
        };
        return Ok(());
    }
    insert(
        obj.entry(key.clone()).or_insert_with(|| json!({})),
        rest,
        value,
    )
}

/// The examples of `patterns` in a folder, with every provider's `api_url` at `port`.
fn project(patterns: &[&Pattern], port: u16) -> TestDir {
    project_with(patterns, port, "")
}

/// [`project`], with more `[revoke]` settings.
fn project_with(patterns: &[&Pattern], port: u16, revoke: &str) -> TestDir {
    let t = TestDir::new();
    let mut config = format!(
        "[revoke]\nmax_attempts = 2\nbackoff_ms = 100\ntimeout_secs = 1\nbudget_secs = 120\n{revoke}"
    );
    let providers: BTreeSet<&str> = patterns.iter().map(|p| p.provider.as_str()).collect();
    for provider in providers {
        config.push_str(&format!(
            "[providers.{provider}]\napi_url = \"http://127.0.0.1:{port}\"\n"
        ));
    }
    t.write(".keysweep.toml", config);
    for p in patterns {
        for (i, example) in p.examples().iter().enumerate() {
            t.write(&format!("src/{}-{i}.txt", p.id), example);
        }
    }
    t
}

/// The verification of each finding of a verifier, by rule id and secret.
fn verified(t: &TestDir, patterns: &[&Pattern]) -> Vec<(String, String, Value)> {
    let out = keysweep(
        t,
        &[
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--verify",
            "--no-generic",
            "--format",
            "json",
        ],
    );
    // Secrets go to the test server only because the config says so, and the run says it.
    assert!(
        out.stderr.contains("not at the provider's own API"),
        "{}",
        out.stderr
    );
    let ids: BTreeSet<&str> = patterns.iter().map(|p| p.id.as_str()).collect();
    out.json()["findings"]
        .as_array()
        .expect("a JSON report")
        .iter()
        .filter(|f| ids.contains(f["rule_id"].as_str().unwrap_or_default()))
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
                f["verification"].clone(),
            )
        })
        .collect()
}

/// Whether the finding's verifier needed a pair the example does not hold.
fn lacks_pair(v: &Value) -> bool {
    v["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("needs its pair")
}

fn status(v: &Value) -> &str {
    v["status"].as_str().unwrap_or_default()
}

/// The classic personal access token of the pattern's first example.
fn github_token(github: &Pattern) -> String {
    github.examples()[0]
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .find(|w| w.starts_with("ghp_"))
        .expect("the example holds a token")
        .to_string()
}

/// A server answering every request as GitHub's `/user` answers a live token.
fn github_live() -> Server {
    Server::start(|_, _| {
        Reply::Status(
            200,
            vec![("Content-Type", "application/json".into())],
            r#"{"login":"octocat"}"#.into(),
        )
    })
}

#[test]
fn every_verifier_sends_what_its_docs_say_and_is_live_only_on_the_documented_answer() {
    let all = verifiers();
    assert!(!all.is_empty());
    for (patterns, body) in live_bodies(&all) {
        live_run(&patterns, body.to_string());
    }
}

/// One simulated provider giving `body` as its live answer to the verifiers of `patterns`.
fn live_run(patterns: &[&Pattern], body: String) {
    let api = Server::start(move |_, _| {
        Reply::Status(
            200,
            vec![("Content-Type", "application/json".into())],
            body.clone(),
        )
    });
    let t = project(patterns, api.port);
    let results = verified(&t, patterns);
    let tested: BTreeSet<&str> = results.iter().map(|(id, _, _)| id.as_str()).collect();
    for p in patterns {
        assert!(
            tested.contains(p.id.as_str()),
            "{}: no finding in its examples",
            p.id
        );
    }
    let seen = api.seen();
    for (id, secret, v) in &results {
        if lacks_pair(v) {
            continue;
        }
        assert_eq!(status(v), "live", "{id}: {v}");
        assert_eq!(v["endpoint"], "127.0.0.1", "{id}");
        let p = patterns.iter().find(|p| &p.id == id).unwrap();
        let spec = call(p);
        // The documented request: its method, its path up to the first placeholder, and the
        // secret where the verifier puts it (other findings of the same file have requests too).
        let fixed = fixed_path(spec);
        let sent: Vec<&Seen> = seen
            .iter()
            .filter(|s| s.method == spec.method && s.url.starts_with(fixed))
            .filter(|s| carries(s, spec, secret))
            .collect();
        assert!(
            !sent.is_empty(),
            "{id}: no {} {} request carried its secret",
            spec.method,
            spec.path
        );
        if !spec.path.contains("{secret}") {
            for s in sent {
                assert!(
                    !s.url.contains(secret.as_str()),
                    "{id}: the secret is in the URL"
                );
            }
        }
    }
}

/// Whether a request carries `secret` where the verifier puts it.
fn carries(s: &Seen, spec: &ProviderCall, secret: &str) -> bool {
    use base64::Engine as _;
    let encoded = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let in_headers = s.headers.iter().any(|(_, v)| v.contains(secret));
    let in_basic = s
        .header("Authorization")
        .strip_prefix("Basic ")
        .is_some_and(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .is_ok_and(|d| String::from_utf8_lossy(&d).contains(secret))
        });
    let in_body = spec.body.is_some()
        && (s.body.contains(secret)
            || percent_encoding::percent_decode_str(&s.body)
                .decode_utf8_lossy()
                .contains(secret));
    let in_url = spec.path.contains("{secret}")
        && (s.url.contains(secret) || s.url.contains(&encoded) || {
            let decoded = percent_encoding::percent_decode_str(&s.url).decode_utf8_lossy();
            decoded.contains(secret)
        });
    in_headers || in_basic || in_body || in_url
}

#[test]
fn no_verifier_calls_a_page_or_a_refusal_live() {
    let all = verifiers();
    let patterns: Vec<&Pattern> = all.iter().collect();
    let page = "<html><body><h1>Sign in</h1></body></html>";
    for (code, content_type) in [(200, "text/html"), (403, "text/html; charset=utf-8")] {
        let api = Server::start(move |_, _| {
            Reply::Status(
                code,
                vec![("Content-Type", content_type.into())],
                page.into(),
            )
        });
        let t = project(&patterns, api.port);
        for (id, _, v) in verified(&t, &patterns) {
            if !lacks_pair(&v) {
                assert_eq!(status(&v), "unknown", "{id} on HTTP {code} HTML: {v}");
            }
        }
    }
    // A JSON refusal: invalid where the docs say so, unknown elsewhere.
    let api = Server::start(|_, _| {
        Reply::Status(
            401,
            vec![("Content-Type", "application/json".into())],
            r#"{"error":"invalid credentials"}"#.into(),
        )
    });
    let t = project(&patterns, api.port);
    for (id, _, v) in verified(&t, &patterns) {
        if lacks_pair(&v) {
            continue;
        }
        let p = patterns.iter().find(|p| p.id == id).unwrap();
        let want = if call(p).invalid.contains(&401) {
            "invalid"
        } else {
            "unknown"
        };
        assert_eq!(status(&v), want, "{id} on HTTP 401: {v}");
        assert_eq!(v["http_status"], 401, "{id}");
    }
}

#[test]
fn a_busy_or_silent_provider_is_unknown_and_waited_for_boundedly() {
    // Three verifiers are enough to show the client's behaviour, which all of them share.
    let all = verifiers();
    let patterns: Vec<&Pattern> = all.iter().take(3).collect();
    let api =
        Server::start(|_, _| Reply::Status(429, vec![("Retry-After", "1".into())], String::new()));
    let t = project(&patterns, api.port);
    let asked: Vec<_> = verified(&t, &patterns)
        .into_iter()
        .filter(|(_, _, v)| !lacks_pair(v))
        .collect();
    assert!(!asked.is_empty());
    for (id, _, v) in asked {
        assert_eq!(status(&v), "unknown", "{id}: {v}");
        assert!(v["detail"].as_str().unwrap().contains("429"), "{id}: {v}");
    }
    let seen = api.seen();
    let waited = seen
        .windows(2)
        .any(|w| w[1].at - w[0].at >= Duration::from_millis(950));
    assert!(waited, "Retry-After: 1 was not honoured");

    let api = Server::start(|_, _| Reply::Stall);
    let t = project(&patterns, api.port);
    let started = Instant::now();
    for (id, _, v) in verified(&t, &patterns) {
        assert_eq!(status(&v), "unknown", "{id}: {v}");
    }
    // 1 s per attempt, 2 attempts, a few findings: bounded, not hung.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

/// The id a simulated verify call answers with, for revocations that look one up.
const LOOKED_UP: &str = "token-id-7";

#[test]
fn every_revoker_deletes_the_leaked_token_once_with_the_documented_call() {
    let all = revokers();
    assert!(!all.is_empty());
    for p in &all {
        let revoke = p.revoke_call().unwrap().clone();
        // The verify call (a lookup, or `--verify` itself) answers live, with the id to look up.
        let mut live = json!({});
        if let Some(verify) = p.verify_call() {
            let _ = add_live_field(&mut live, verify);
        }
        if let Some(pointer) = &revoke.lookup_json {
            let _ = insert(&mut live, &pointer_keys(pointer), json!(LOOKED_UP));
        }
        // The revocation's own documented answer.
        let mut done = json!({});
        let _ = add_live_field(&mut done, &revoke);
        let done = done.to_string();
        let fixed = fixed_path(&revoke).to_string();
        let (method, success) = (revoke.method.clone(), revoke.success[0]);
        let verify = p.verify_call().cloned();
        let live_text = live.to_string();
        let api = Server::start(move |_, s| {
            let is_verify = verify
                .as_ref()
                .is_some_and(|v| s.method == v.method && s.url.starts_with(fixed_path(v)));
            if s.method == method && s.url.starts_with(&fixed) && !(is_verify && method == "GET") {
                Reply::Status(
                    success,
                    vec![("Content-Type", "application/json".into())],
                    done.clone(),
                )
            } else {
                Reply::Status(
                    200,
                    vec![("Content-Type", "application/json".into())],
                    live_text.clone(),
                )
            }
        });
        let t = project_with(&[p], api.port, "journal = \"state/revocations.jsonl\"\n");
        let args = [
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--revoke",
            "--no-generic",
            "--format",
            "json",
        ];
        let out = keysweep(&t, &args);
        let findings: Vec<Value> = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == p.id.as_str())
            .cloned()
            .collect();
        assert!(!findings.is_empty(), "{}: no finding in its examples", p.id);
        let deletions = |api: &Server| {
            api.seen()
                .into_iter()
                .filter(|s| s.method == revoke.method && s.url.starts_with(fixed_path(&revoke)))
                .count()
        };
        let mut asked = 0;
        for f in &findings {
            let detail = f["revocation"]["detail"].as_str().unwrap_or_default();
            if detail.contains("needs its pair") {
                continue;
            }
            asked += 1;
            assert_eq!(
                f["revocation"]["status"], "revoked",
                "{}: {f}\n{}",
                p.id, out.stderr
            );
            let secret = f["secret"].as_str().unwrap();
            let carried = api.seen().iter().any(|s| {
                s.method == revoke.method
                    && (carries(s, &revoke, secret)
                        || (revoke.lookup_json.is_some() && s.url.contains(LOOKED_UP)))
            });
            assert!(
                carried,
                "{}: no {} request for its secret",
                p.id, revoke.method
            );
        }
        assert!(asked > 0, "{}: every finding lacked its pair", p.id);
        // Exactly once: a second run sends no second deletion.
        let sent = deletions(&api);
        let again = keysweep(&t, &args);
        assert_eq!(
            deletions(&api),
            sent,
            "{}: revoked twice\n{}",
            p.id,
            again.stderr
        );
    }
}

fn pointer_keys(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
        .collect()
}

#[test]
fn fail_on_live_fails_only_on_a_live_secret_and_every_format_shows_the_evidence() {
    let all = verifiers();
    let github = all
        .iter()
        .find(|p| p.id == "github.pat_classic")
        .expect("GitHub tokens are verified");
    let live = Arc::new(AtomicBool::new(true));
    let answer = live.clone();
    let api = Server::start(move |_, _| {
        let json = vec![("Content-Type", "application/json".into())];
        if answer.load(Ordering::SeqCst) {
            Reply::Status(200, json, r#"{"login":"octocat"}"#.into())
        } else {
            Reply::Status(401, json, r#"{"message":"Bad credentials"}"#.into())
        }
    });
    let t = project(&[github], api.port);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--verify",
            "--no-generic",
        ];
        args.extend_from_slice(extra);
        keysweep(&t, &args)
    };
    let human = run(&["--fail-on", "live"]);
    assert_eq!(human.status, 1, "{}", human.stderr);
    assert!(human.stdout.contains("LIVE high"), "{}", human.stdout);
    assert!(
        human
            .stdout
            .contains("= verification: live (127.0.0.1: HTTP 200, /login in the answer)"),
        "{}",
        human.stdout
    );
    let sarif = run(&["--format", "sarif"]).json();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    assert_eq!(result["properties"]["verification"]["status"], "live");
    assert_eq!(
        result["properties"]["verification"]["endpoint"],
        "127.0.0.1"
    );
    assert_eq!(result["properties"]["verification"]["httpStatus"], 200);

    // Revoked since: still reported, but the run passes.
    live.store(false, Ordering::SeqCst);
    let dead = run(&["--fail-on", "live", "--format", "json"]);
    assert_eq!(dead.status, 0, "{}", dead.stderr);
    let findings = dead.json()["findings"].clone();
    assert_eq!(
        findings[0]["verification"]["status"], "invalid",
        "{findings}"
    );
    assert_eq!(
        run(&[]).status,
        1,
        "without --fail-on live any finding fails"
    );

    let unasked = keysweep(&t, &["scan", "src", "--fail-on", "live"]);
    assert_eq!(unasked.status, 2);
    assert!(
        unasked.stderr.contains("--fail-on live needs --verify"),
        "{}",
        unasked.stderr
    );
}

#[test]
fn verify_asks_about_a_secret_read_from_standard_input_or_a_file() {
    let all = verifiers();
    let github = all.iter().find(|p| p.id == "github.pat_classic").unwrap();
    let api = Server::start(|_, s| {
        let json = vec![("Content-Type", "application/json".into())];
        if s.header("Authorization").contains("ghp_") {
            Reply::Status(200, json, r#"{"login":"octocat"}"#.into())
        } else {
            Reply::Status(401, json, "{}".into())
        }
    });
    let t = project(&[github], api.port);
    let token = github_token(github);
    let verify = |args: &[&str], stdin: &str| {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.arg("verify").args(args).current_dir(t.path());
        crate::util::run_command(cmd, Some(stdin.as_bytes()))
    };
    // A file's secrets, found as a scan finds them.
    t.write("leak.env", format!("GITHUB_TOKEN={token}\n"));
    let out = verify(&["--config", ".keysweep.toml", "leak.env"], "");
    assert_eq!(out.status, 1, "live: {}", out.stderr);
    assert!(
        out.stdout
            .starts_with("github.pat_classic  ghp_…  live (127.0.0.1: HTTP 200"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains(&token),
        "the secret is never printed whole"
    );
    // Standard input, as one secret of a given pattern.
    let out = verify(
        &[
            "--config",
            ".keysweep.toml",
            "--rule",
            "github.pat_classic",
            "--format",
            "json",
        ],
        &format!("  {token}\n"),
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.json()[0]["verification"]["status"], "live");
    // Not a secret it can verify: said, exit 2.
    let out = verify(&["--config", ".keysweep.toml"], "hello\n");
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("standard input: no secret keysweep can verify"),
        "{}",
        out.stderr
    );
    let out = verify(
        &["--config", ".keysweep.toml", "--rule", "private_key.rsa"],
        "x\n",
    );
    assert!(
        out.stderr.contains("cannot verify this kind of secret"),
        "{}",
        out.stderr
    );
    // Only GitHub was asked, and only with the token.
    assert!(api.seen().iter().all(|s| s.url == "/user"));
}

#[test]
fn calls_to_one_provider_keep_the_configured_rate() {
    let all = verifiers();
    let github = all.iter().find(|p| p.id == "github.pat_classic").unwrap();
    let api = github_live();
    let t = project_with(&[github], api.port, "rate_per_sec = 4\n");
    let results = verified(&t, &[github]);
    assert!(results.len() >= 2, "{results:?}");
    let seen = api.seen();
    assert_eq!(seen.len(), results.len(), "one call per distinct secret");
    for pair in seen.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(200),
            "calls {gap:?} apart at 4 a second"
        );
    }
}

#[test]
fn revoke_takes_the_secrets_of_a_file_or_standard_input_through_the_journal_once() {
    let revokers = revokers();
    let github = revokers
        .iter()
        .find(|p| p.id == "github.pat_classic")
        .unwrap();
    let api = Server::start(|_, s| {
        let json = vec![("Content-Type", "application/json".into())];
        if s.method == "POST" && s.url == "/credentials/revoke" {
            Reply::Status(202, json, "{}".into())
        } else {
            Reply::Status(404, json, "{}".into())
        }
    });
    let t = project_with(
        &[github],
        api.port,
        "journal = \"state/revocations.jsonl\"\n",
    );
    let token = github_token(github);
    let revoke = |args: &[&str], stdin: &str| {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.arg("revoke")
            .args(["--config", ".keysweep.toml"])
            .args(args)
            .current_dir(t.path());
        crate::util::run_command(cmd, Some(stdin.as_bytes()))
    };
    let deletions = || {
        api.seen()
            .iter()
            .filter(|s| s.method == "POST" && s.body.contains(&token))
            .count()
    };
    t.write("leak.env", format!("GITHUB_TOKEN={token}\nNOTE=hello\n"));
    // A dry run says the call it would make, and makes none.
    let out = revoke(&["--dry-run", "leak.env"], "");
    assert_eq!(out.status, 1, "nothing is revoked yet: {}", out.stderr);
    assert!(out.stderr.contains("dry run: would POST"), "{}", out.stderr);
    assert_eq!(deletions(), 0);
    // The file's secret, revoked at its provider.
    let out = revoke(&["leak.env"], "");
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("github.pat_classic  ghp_…  revoked (revoked at the provider"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(&token) && !out.stderr.contains(&token));
    assert_eq!(deletions(), 1);
    // The same token again, as the whole of standard input: the journal knows it, nothing is
    // sent twice.
    let out = revoke(
        &["--rule", "github.pat_classic", "--format", "json", "-"],
        &format!("{token}\n"),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(out.json()[0]["revocation"]["status"], "revoked");
    assert_eq!(deletions(), 1, "revoked once, whatever the input");
    // What cannot be revoked is refused before anything is sent.
    let out = revoke(&["-"], "hello\n");
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("standard input: no secret keysweep can revoke"),
        "{}",
        out.stderr
    );
    let out = revoke(&["--rule", "private_key.rsa", "-"], "x\n");
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("cannot revoke this kind of secret"),
        "{}",
        out.stderr
    );
    // Neither an input nor --resume: a usage error, nothing read from the terminal.
    let out = revoke(&[], "");
    assert_eq!(out.status, 2, "{}", out.stderr);
}

#[test]
fn a_definite_answer_is_reused_across_runs_only_when_the_config_asks() {
    let all = verifiers();
    let github = all.iter().find(|p| p.id == "github.pat_classic").unwrap();
    let api = github_live();
    let t = project_with(&[github], api.port, "verify_cache_hours = 1\n");
    t.write(
        "nocache.toml",
        format!(
            "[providers.github]\napi_url = \"http://127.0.0.1:{}\"\n",
            api.port
        ),
    );
    let token = github_token(github);
    t.write("leak.env", format!("GITHUB_TOKEN={token}\n"));
    let state = t.path().join("state-home");
    let verify = |config: &str| {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.args(["verify", "--config", config, "leak.env"])
            .env("XDG_STATE_HOME", &state)
            .current_dir(t.path());
        crate::util::run_command(cmd, None)
    };
    let first = verify(".keysweep.toml");
    assert_eq!(first.status, 1, "live: {}", first.stderr);
    assert_eq!(api.seen().len(), 1);
    let cache = std::fs::read_to_string(state.join("keysweep/verifications.json"))
        .expect("the cache is in the state folder");
    assert!(!cache.contains(&token), "the cache holds no secret");
    // The second run answers from the cache, and says so.
    let second = verify(".keysweep.toml");
    assert_eq!(second.status, 1, "{}", second.stderr);
    assert_eq!(api.seen().len(), 1, "not asked again");
    assert!(
        second.stdout.contains("from the verification cache"),
        "{}",
        second.stdout
    );
    // A config without verify_cache_hours asks the provider every time.
    let third = verify("nocache.toml");
    assert_eq!(third.status, 1, "{}", third.stderr);
    assert_eq!(api.seen().len(), 2);
    assert!(!third.stdout.contains("cache"), "{}", third.stdout);
}

#[test]
fn different_providers_are_asked_at_once_while_each_is_asked_one_call_at_a_time() {
    let all = verifiers();
    let github = all.iter().find(|p| p.id == "github.pat_classic").unwrap();
    let other = all
        .iter()
        .find(|p| {
            p.provider != "github"
                && !call(p).uses("{pair}")
                && call(p).method == "GET"
                && call(p).live_json.is_some()
        })
        .expect("another provider's verifier");
    // Each provider's server answers only once the other has been asked: asked one after the
    // other, the first would wait past its timeout (1 s) and be unknown.
    let seen = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
    let server = |me: usize, live: Value| {
        let seen = seen.clone();
        Server::start(move |_, _| {
            seen[me].store(true, Ordering::SeqCst);
            let until = std::time::Instant::now() + Duration::from_secs(3);
            while !seen[1 - me].load(Ordering::SeqCst) && std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
            Reply::Status(
                200,
                vec![("Content-Type", "application/json".into())],
                live.to_string(),
            )
        })
    };
    let mut other_live = json!({});
    add_live_field(&mut other_live, call(other)).expect("a live answer");
    let (a, b) = (
        server(0, json!({"login": "octocat"})),
        server(1, other_live),
    );
    let t = project(&[github, other], a.port);
    let config = std::fs::read_to_string(t.path().join(".keysweep.toml")).unwrap();
    let config = config.replace(
        &format!(
            "[providers.{}]\napi_url = \"http://127.0.0.1:{}\"",
            other.provider, a.port
        ),
        &format!(
            "[providers.{}]\napi_url = \"http://127.0.0.1:{}\"",
            other.provider, b.port
        ),
    );
    t.write(".keysweep.toml", config);
    let results = verified(&t, &[github, other]);
    for id in [&github.id, &other.id] {
        let mine: Vec<_> = results.iter().filter(|(r, _, _)| r == id).collect();
        assert!(!mine.is_empty(), "{id}: no finding");
        assert!(
            mine.iter().any(|(_, _, v)| status(v) == "live"),
            "{id}: {mine:?}"
        );
    }
}
