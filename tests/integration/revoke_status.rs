//! What a finding's revocation status says: a key revoked at its provider is
//! `revoked` whatever a webhook says, a finding that nothing can revoke is `not_configured` (not
//! `failed`, in a dry run too), and a dry run prints the redacted key as it reads.

use crate::revoke::{ok, Reply, Server, KEY_ENV};
use crate::util::{scalr_token, scw_access_key, uuid_v4, Output, TestDir};
use serde_json::Value;

/// A fake Scaleway IAM API that deletes any key (204).
fn scaleway_api() -> Server {
    Server::start(|_, s| match s.method.as_str() {
        "DELETE" => Reply::Status(204, vec![], String::new()),
        _ => Reply::Status(405, vec![], String::new()),
    })
}

/// A Scaleway key pair and a Scalr token in `src/`, a config naming the API and one webhook that
/// takes `webhook_rules`.
fn project(api: &Server, hook: &Server, webhook_rules: &str) -> (TestDir, String, String) {
    let t = TestDir::new();
    let (ak, sk) = (scw_access_key(61), uuid_v4(61));
    t.write(
        "src/app.env",
        format!(
            "SCW_ACCESS_KEY={ak}\nSCW_DEFAULT_REGION=fr-par\nSCW_SECRET_KEY={sk}\nSCALR_TOKEN={}\n",
            scalr_token(61)
        ),
    );
    t.write(
        ".keysweep.toml",
        format!(
            "[providers.scaleway]\napi_url = \"http://127.0.0.1:{}\"\n[revoke]\n\
             journal = \"state/revocations.jsonl\"\nbackoff_ms = 100\n\
             [[revoke.webhooks]]\nurl = \"{}\"\nsecret_env = \"{KEY_ENV}\"\nrules = {webhook_rules}\n",
            api.port,
            hook.url()
        ),
    );
    (t, ak, sk)
}

fn revoke(t: &TestDir, more: &[&str]) -> Output {
    let mut args = vec![
        "scan",
        "src",
        "--config",
        ".keysweep.toml",
        "--revoke",
        "--format",
        "json",
        "--report",
        "sarif=report.sarif",
    ];
    args.extend(more);
    crate::revoke::keysweep(t, &args)
}

/// What the JSON report says of one finding's revocation.
#[derive(Debug)]
struct Revocation {
    /// The finding's `rule_id`.
    rule: String,
    /// `revocation.status`.
    status: String,
    /// `revocation.detail`.
    detail: String,
}

/// The revocation of each finding, in report order.
fn statuses(out: &Output) -> Vec<Revocation> {
    out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap().to_string();
            Revocation {
                rule: s(&f["rule_id"]),
                status: s(&f["revocation"]["status"]),
                detail: s(&f["revocation"]["detail"]),
            }
        })
        .collect()
}

fn sarif_statuses(t: &TestDir) -> Vec<String> {
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(t.join("report.sarif")).unwrap()).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["properties"]["revocation"]["status"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn an_access_key_revoked_with_its_pair_is_revoked_though_a_webhook_also_took_it() {
    let (api, hook) = (scaleway_api(), Server::start(|_, _| ok()));
    let (t, ..) = project(&api, &hook, r#"["scaleway.*"]"#);
    let out = revoke(&t, &[]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(hook.seen().len(), 1, "the webhook took both halves");
    let found = statuses(&out);
    let access = &found[0];
    assert_eq!(access.rule, "scaleway.access_key");
    assert_eq!(
        access.status, "revoked",
        "the secret half is revoked: {found:?}"
    );
    assert!(
        access.detail.contains("delivered to http://127.0.0.1:")
            && access
                .detail
                .contains("revoked with its pair (scaleway.secret_key)"),
        "both routes named: {}",
        access.detail
    );
    assert_eq!(found[1].status, "revoked", "{found:?}");
    assert_eq!(sarif_statuses(&t)[..2], ["revoked", "revoked"]);
}

#[test]
fn a_finding_nothing_can_revoke_is_not_configured_not_failed() {
    let (api, hook) = (scaleway_api(), Server::start(|_, _| ok()));
    let (t, ..) = project(&api, &hook, r#"["github.*"]"#);
    for dry_run in [true, false] {
        let out = revoke(&t, if dry_run { &["--dry-run"] } else { &[] });
        assert_eq!(out.status, 1, "{}", out.stderr);
        let found = statuses(&out);
        let scalr = found.iter().find(|f| f.rule == "scalr.token").unwrap();
        assert_eq!(
            scalr.status, "not_configured",
            "dry run {dry_run}: {found:?}"
        );
        assert!(
            scalr
                .detail
                .contains("keysweep cannot revoke scalr.token at its provider")
                && scalr
                    .detail
                    .contains("add a webhook whose rules match scalr.token"),
            "the detail says what would revoke it: {}",
            scalr.detail
        );
        assert!(
            !found.iter().any(|f| f.status == "failed"),
            "nothing failed: {found:?}"
        );
        assert!(sarif_statuses(&t).contains(&"not_configured".to_string()));
        if !dry_run {
            out.assert_stderr_has(
                "; 1 finding not configured (no webhook takes the rule, and keysweep cannot revoke it)",
            );
        }
    }
    assert!(
        hook.seen().is_empty(),
        "the webhook takes no rule found here"
    );
    // The human report shows it too.
    let human = crate::revoke::keysweep(
        &t,
        &[
            "scan",
            "src",
            "--config",
            ".keysweep.toml",
            "--revoke",
            "--dry-run",
        ],
    );
    assert!(
        human
            .stdout
            .contains("= revocation: not_configured (nothing revokes it:"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_dry_run_prints_the_redacted_key_as_it_reads() {
    let (api, hook) = (scaleway_api(), Server::start(|_, _| ok()));
    let (t, ak, sk) = project(&api, &hook, r#"["github.*"]"#);
    let out = revoke(&t, &["--dry-run"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    out.assert_stderr_has(&format!(
        "keysweep: dry run: would DELETE http://127.0.0.1:{}/iam/v1alpha1/api-keys/{}… with \
         X-Auth-Token: {}…",
        api.port,
        &ak[..4],
        &sk[..4]
    ));
    assert!(!out.stderr.contains('%'), "{}", out.stderr);
    assert!(!out.stderr.contains(&ak) && !out.stderr.contains(&sk));
    assert!(api.seen().is_empty() && hook.seen().is_empty());
}
