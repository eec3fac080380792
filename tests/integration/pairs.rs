//! Pair patterns (an id and its secret) are reported together, and percent-encoded URL passwords
//! are reported decoded at the encoded text.

use crate::util::{random_chars, scw_access_key, uuid_v4, Found, GitRepo, Pair, TestDir};

/// The first finding of `rule`, and the other half it names.
#[track_caller]
fn pair_of(found: &[Found], rule: &str) -> Pair {
    let f = found
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {found:#?}"));
    f.pair
        .clone()
        .unwrap_or_else(|| panic!("{rule} finding without a pair: {f:#?}"))
}

#[test]
fn scaleway_access_and_secret_key_name_each_other() {
    let t = TestDir::new();
    let (ak, sk) = (scw_access_key(7), uuid_v4(7));
    t.write(
        "deploy/.env",
        format!("SCW_ACCESS_KEY={ak}\nSCW_DEFAULT_REGION=fr-par\nSCW_SECRET_KEY={sk}\n"),
    );
    let found = t.run(&["scan", ".", "--format", "json"]).findings();
    // Each names the other: its rule, secret, fingerprint and place.
    let access = Found::at("scaleway.access_key", "deploy/.env", 1, 16, &ak);
    let secret = Found::at("scaleway.secret_key", "deploy/.env", 3, 16, &sk);
    assert_eq!(
        found,
        [
            access.clone().paired_with(&secret),
            secret.paired_with(&access)
        ]
    );

    // --redact shortens the pair's secret as well.
    let redacted = t.run(&["scan", ".", "--format", "json", "--redact"]);
    assert!(
        !redacted.stdout.contains(&ak) && !redacted.stdout.contains(&sk),
        "{}",
        redacted.stdout
    );
    assert_eq!(
        pair_of(&redacted.findings(), "scaleway.secret_key").secret,
        format!("{}…", &ak[..4])
    );

    // The human format says where the other half is.
    let human = t.run(&["scan", "."]);
    assert!(
        human
            .stdout
            .contains("pairs with scaleway.access_key at 1:16"),
        "{}",
        human.stdout
    );
}

#[test]
fn each_secret_pairs_with_the_nearest_id_and_a_lone_half_has_no_pair() {
    let t = TestDir::new();
    let (ak1, sk1, ak2, sk2) = (scw_access_key(1), uuid_v4(1), scw_access_key(2), uuid_v4(2));
    t.write(
        "two.env",
        format!("# scaleway\nSCW_ACCESS_KEY={ak1}\nSCW_SECRET_KEY={sk1}\n\n\n\nSCW_ACCESS_KEY={ak2}\nSCW_SECRET_KEY={sk2}\n"),
    );
    t.write(
        "alone.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(3)),
    );
    let found = t.run(&["scan", ".", "--format", "json"]).findings();
    for (sk, ak) in [(&sk1, &ak1), (&sk2, &ak2)] {
        let f = found.iter().find(|f| f.secret == *sk).unwrap();
        let pair = f.pair.as_ref().unwrap_or_else(|| panic!("no pair: {f:#?}"));
        assert_eq!(pair.secret, *ak, "{f:#?}");
    }
    let alone = found.iter().find(|f| f.path == "alone.env").unwrap();
    assert_eq!(alone.pair, None, "{alone:#?}");
}

#[test]
fn a_staged_secret_key_pairs_with_an_access_key_committed_earlier() {
    let repo = GitRepo::new();
    let (ak, sk) = (scw_access_key(11), uuid_v4(11));
    repo.write("scw.env", format!("SCW_ACCESS_KEY={ak}\n"));
    repo.commit("access key");
    repo.write(
        "scw.env",
        format!("SCW_ACCESS_KEY={ak}\nSCW_SECRET_KEY={sk}\n"),
    );
    repo.git(&["add", "scw.env"]);
    let out = repo.run(&["scan", "--staged", "--format", "json"]);
    // Only the added line is reported, but it still knows its access key.
    assert_eq!(out.rules(), ["scaleway.secret_key"]);
    assert_eq!(pair_of(&out.findings(), "scaleway.secret_key").secret, ak);
}

#[test]
fn aws_key_id_and_secret_are_paired() {
    let t = TestDir::new();
    let id = format!(
        "AKIA{}",
        random_chars(5, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    );
    let secret = random_chars(
        6,
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
        40,
    );
    t.write(
        "credentials",
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    );
    let found = t.run(&["scan", ".", "--format", "json"]).findings();
    assert_eq!(pair_of(&found, "aws.secret_access_key").secret, id);
}

#[test]
fn percent_encoded_url_password_is_reported_decoded_at_the_encoded_text() {
    let t = TestDir::new();
    let line = "DATABASE_URL=postgres://app:Zq%40r7%2Fv%21Lm9x@db.internal:5432/app\n";
    t.write("app.env", line);
    let json = t.run(&["scan", ".", "--format", "json"]).json();
    // `decoded` and `end_column` are not among the fields `Found` reads.
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "connection_string.postgres")
        .unwrap_or_else(|| panic!("no connection_string.postgres finding in {json}"));
    assert_eq!(f["secret"], "Zq@r7/v!Lm9x");
    assert_eq!(f["decoded"], "percent");
    let start = line.find("Zq%40").unwrap() as u64 + 1;
    assert_eq!(
        (f["column"].as_u64(), f["end_column"].as_u64()),
        (Some(start), Some(start + "Zq%40r7%2Fv%21Lm9x".len() as u64))
    );
    // Encoded and plain, the same password is one secret.
    t.write(
        "simple.env",
        "REDIS_URL=redis://:Hk7%2Bp2Rw9Qz@cache:6379\nOTHER=redis://:Hk7+p2Rw9Qz@cache:6379\n",
    );
    let simple = t.run(&["scan", "simple.env", "--format", "json"]).json();
    let found = simple["findings"].as_array().unwrap();
    assert_eq!(found.len(), 2, "{simple}");
    assert_eq!(
        found[0]["fingerprint"], found[1]["fingerprint"],
        "encoded and plain are one secret"
    );
    assert!(found[1].get("decoded").is_none());
}

#[test]
fn a_pair_naming_an_unknown_pattern_is_rejected_at_load() {
    let t = TestDir::new();
    t.write(
        "mine.toml",
        "[[patterns]]\nid = 'acme.secret'\npair = 'acme.key_id'\nname = 'Acme secret'\nseverity = 'high'\nsecret = 'acmesec_[a-z0-9]{20}'\n",
    );
    let out = t.run(&["scan", ".", "--patterns", "mine.toml"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("mine.toml: pattern `acme.secret`: `pair` names \"acme.key_id\", which is not another loaded pattern");
}

#[test]
fn patterns_list_shows_provider_confidence_and_what_can_be_verified_or_revoked() {
    let t = TestDir::new();
    let out = t.run(&["patterns", "list"]);
    assert_eq!(out.status, 0);
    let header = out.stdout.lines().next().unwrap();
    for column in [
        "ID",
        "PROVIDER",
        "SEVERITY",
        "CONFIDENCE",
        "VERIFY",
        "REVOKE",
        "NAME",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let row = |id: &str| {
        out.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("no row for {id}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row("scaleway.secret_key")[..6],
        [
            "scaleway.secret_key",
            "scaleway",
            "critical",
            "medium",
            "yes",
            "yes"
        ]
    );
    // A private key has no provider to ask.
    assert_eq!(
        row("private_key.rsa")[..6],
        [
            "private_key.rsa",
            "private_key",
            "critical",
            "high",
            "-",
            "-"
        ]
    );

    let json: serde_json::Value =
        serde_json::from_str(&t.run(&["patterns", "list", "--format", "json"]).stdout).unwrap();
    let sk = json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "scaleway.secret_key")
        .unwrap();
    assert_eq!(
        (sk["provider"].as_str(), sk["confidence"].as_str()),
        (Some("scaleway"), Some("medium"))
    );
    assert_eq!(
        (sk["verify"].as_bool(), sk["revoke"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(sk["pair"], "scaleway.access_key");
}
