//! Secrets inside base64 where it is common: Kubernetes Secrets (and the docker config inside
//! one), docker `auth` values, `Authorization: Basic`. Reported at the encoded text, marked
//! `"decoded": "base64"`.

use crate::util::{random_chars, uuid_v4, with_checksum, TestDir};

fn b64(data: &str) -> String {
    let standard = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    crate::util::base64(data.as_bytes(), standard, true)
}

#[test]
fn kubernetes_secret_with_a_docker_config_and_a_scaleway_key() {
    let t = TestDir::new();
    let token = with_checksum(
        "ghp",
        &random_chars(
            1,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            30,
        ),
    );
    let auth = b64(&format!("x-access-token:{token}"));
    let docker = b64(&format!(r#"{{"auths":{{"ghcr.io":{{"auth":"{auth}"}}}}}}"#));
    let sk = uuid_v4(2);
    let env = b64(&format!("SCW_SECRET_KEY={sk}"));
    t.write(
        "k8s/secret.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ndata:\n  .dockerconfigjson: {docker}\n  env: {env}\n"),
    );
    t.write(
        "k8s/configmap.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  env: {env}\n"),
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    let f = out.json()["findings"].clone();
    let rows: Vec<(String, String, u64, u64, String, String)> = f
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["secret"].as_str().unwrap().into(),
                f["decoded"].as_str().unwrap().into(),
            )
        })
        .collect();
    let row = |rule: &str, line, column, secret: &str| {
        (
            rule.to_string(),
            "k8s/secret.yaml".to_string(),
            line,
            column,
            secret.to_string(),
            "base64".to_string(),
        )
    };
    assert_eq!(
        rows,
        vec![
            row("github.pat_classic", 6, 22, &token),
            row("scaleway.secret_key", 7, 8, &sk)
        ]
    );
    assert_eq!(
        f[0]["end_column"].as_u64(),
        Some(22 + docker.len() as u64),
        "the span is the encoded value"
    );
}

#[test]
fn basic_auth_header_and_plain_findings_have_no_decoded_field() {
    let t = TestDir::new();
    let token = with_checksum(
        "ghp",
        &random_chars(
            3,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            30,
        ),
    );
    t.write(
        "call.sh",
        format!(
            "curl -H 'Authorization: Basic {}' https://api.github.com\n",
            b64(&format!("me:{token}"))
        ),
    );
    t.write("plain.env", format!("GITHUB_TOKEN={token}\n"));
    let out = t.run(&["scan", ".", "--format", "json"]);
    let f = out.json()["findings"].clone();
    assert_eq!(f[0]["path"], "call.sh");
    assert_eq!(f[0]["decoded"], "base64");
    assert_eq!(
        f[0]["fingerprint"], f[1]["fingerprint"],
        "the same secret, decoded or not"
    );
    assert!(
        f[1].get("decoded").is_none(),
        "plain findings keep the contract's fields only"
    );
    let human = t.run(&["scan", "call.sh"]);
    assert!(
        human.stdout.contains("(decoded from base64)"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains(&token));
}
