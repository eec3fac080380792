//! Pattern format checks (`checks = [...]`) through the built binary: a token whose checksum or
//! structure is right is found, the same token with one character changed is not (or, for a
//! check that only lowers confidence, is reported with `"confidence": "low"`).

use crate::util::{base64, checksummed_token, jwt, random_chars, scalr_token, TestDir};

/// `token` with its last character replaced by another alphanumeric one.
fn last_char_changed(token: &str) -> String {
    let (head, last) = token.split_at(token.len() - 1);
    format!("{head}{}", if last == "x" { "y" } else { "x" })
}

/// `(rule_id, secret, confidence)` of every finding of `keysweep scan . --format json`.
fn scan(t: &TestDir) -> Vec<(String, String, Option<String>)> {
    let out = t.run(&["scan", ".", "--format", "json"]);
    let json = out.json();
    let mut found: Vec<_> = json["findings"]
        .as_array()
        .expect("findings should be an array")
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().map(str::to_string);
            (
                text("rule_id").unwrap(),
                text("secret").unwrap(),
                text("confidence"),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn github_and_npm_tokens_need_their_crc32_checksum() {
    let t = TestDir::new();
    let (ghp, gho, npm) = (
        checksummed_token("ghp", 1601),
        checksummed_token("gho", 1602),
        checksummed_token("npm", 1603),
    );
    t.write(
        "good.env",
        format!("GITHUB_TOKEN={ghp}\nOAUTH={gho}\nNPM_TOKEN={npm}\n"),
    );
    t.write(
        "broken.env",
        format!(
            "GITHUB_TOKEN={}\nOAUTH={}\nNPM_TOKEN={}\n",
            last_char_changed(&checksummed_token("ghp", 1604)),
            last_char_changed(&checksummed_token("gho", 1605)),
            last_char_changed(&checksummed_token("npm", 1606)),
        ),
    );
    let mut want = vec![
        ("github.pat_classic".to_string(), ghp, None),
        ("github.oauth_token".to_string(), gho, None),
        ("npm.access_token".to_string(), npm, None),
    ];
    want.sort();
    assert_eq!(scan(&t), want);
}

#[test]
fn a_refresh_token_with_a_wrong_checksum_is_kept_at_low_confidence() {
    let t = TestDir::new();
    let good = checksummed_token("ghr", 1611);
    let broken = last_char_changed(&checksummed_token("ghr", 1612));
    t.write(
        "tokens.json",
        format!(r#"{{"a": "{good}", "b": "{broken}"}}"#),
    );
    let mut want = vec![
        ("github.refresh_token".to_string(), good, None),
        (
            "github.refresh_token".to_string(),
            broken,
            Some("low".to_string()),
        ),
    ];
    want.sort();
    assert_eq!(scan(&t), want);
    let human = t.run(&["scan", "."]);
    assert!(
        human
            .stdout
            .contains("(low confidence: a format check failed)"),
        "{}",
        human.stdout
    );
}

#[test]
fn scalr_tokens_need_a_json_payload_with_a_scalr_issuer() {
    let t = TestDir::new();
    let good = scalr_token(1621);
    let hs = r#"{"alg":"HS256","typ":"JWT"}"#;
    // The first bytes the regex fixes, then a payload cut short (not JSON), or another issuer.
    let cut = jwt(hs, r#"{"iss":"scalr:user","jti":"at-1","x":"#, 1622);
    let semicolon = jwt(hs, r#"{"iss":"scalr;user","jti":"at-2"}"#, 1623);
    t.write(
        ".env",
        format!("SCALR_TOKEN={good}\nOTHER={cut}\nTHIRD={semicolon}\n"),
    );
    assert_eq!(scan(&t), vec![("scalr.token".to_string(), good, None)]);
}

/// A PyPI token: `pypi-` and a base64url libmacaroons-v2 macaroon at `location`.
fn pypi_token(location: &str, seed: u64) -> String {
    fn field(out: &mut Vec<u8>, kind: u8, content: &[u8]) {
        out.push(kind);
        out.push(u8::try_from(content.len()).expect("short fields"));
        out.extend_from_slice(content);
    }
    let identifier = random_chars(seed, "0123456789abcdef", 32);
    let caveat = format!(
        r#"{{"version": 1, "permissions": {{"projects": ["fake-{}"]}}}}"#,
        random_chars(seed + 1, "abcdefghijklmnopqrstuvwxyz", 8)
    );
    let signature = random_chars(seed + 2, "0123456789abcdefghijklmnopqrstuv", 32);
    let mut bytes = vec![2];
    field(&mut bytes, 1, location.as_bytes());
    field(&mut bytes, 2, identifier.as_bytes());
    bytes.push(0);
    field(&mut bytes, 2, caveat.as_bytes());
    bytes.push(0);
    bytes.push(0);
    field(&mut bytes, 6, signature.as_bytes());
    let url = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    format!("pypi-{}", base64(&bytes, url, false))
}

#[test]
fn pypi_tokens_need_a_whole_macaroon_at_their_location() {
    let t = TestDir::new();
    let (pypi, test) = (
        pypi_token("pypi.org", 1631),
        pypi_token("test.pypi.org", 1634),
    );
    let prefix_len = "pypi-AgEIcHlwaS5vcmc".len();
    let random_rest = format!(
        "{}{}",
        &pypi[..prefix_len],
        random_chars(
            1637,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            150
        )
    );
    let whole = pypi_token("pypi.org", 1638);
    let cut = &whole[..whole.len() - 5];
    t.write(
        ".pypirc",
        format!(
            "[pypi]\npassword = {pypi}\n[testpypi]\npassword = {test}\n[a]\npassword = {random_rest}\n[b]\npassword = {cut}\n"
        ),
    );
    assert_eq!(
        scan(&t),
        vec![
            ("pypi.api_token".to_string(), pypi, None),
            ("pypi.test_api_token".to_string(), test, None),
        ]
    );
}

#[test]
fn an_unknown_check_is_a_load_error_naming_the_file_and_the_pattern() {
    let t = TestDir::new();
    t.write(
        "acme.toml",
        "[[patterns]]\nid = 'acme.key'\nname = 'Acme key'\nseverity = 'high'\nsecret = 'acme_[a-z0-9]{16}'\nchecks = [{ check = 'luhn' }]\nexamples = []\n",
    );
    let out = t.run(&["scan", "--patterns", "acme.toml", "."]);
    assert_ne!(out.status, 0);
    out.assert_stderr_has(
        "acme.toml: pattern `acme.key`: unknown check \"luhn\" (known: crc32-base62, jwt, macaroon, basic-auth)",
    );
}
