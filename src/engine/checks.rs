//! Format checks: what the provider documents about a token's inside (a checksum, a JSON Web
//! Token's parts, a macaroon's fields), run on a match once its regex post-checks passed. Each
//! check is named in a pattern's `checks` and compiled by `pattern::check`.

use crate::pattern::check::{CheckKind, FormatCheck};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// What a pattern's format checks make of a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed (or there are none).
    Pass,
    /// A check whose failure only lowers confidence failed (`on_fail = "low"`).
    Low,
    /// A check failed: no finding.
    Fail,
}

/// Runs `checks` on `secret`, stopping at the first failure that drops it.
pub fn verdict(checks: &[FormatCheck], secret: &[u8]) -> Verdict {
    let mut verdict = Verdict::Pass;
    for check in checks {
        if !passes(&check.kind, secret) {
            if !check.lowers {
                return Verdict::Fail;
            }
            verdict = Verdict::Low;
        }
    }
    verdict
}

fn passes(kind: &CheckKind, secret: &[u8]) -> bool {
    match kind {
        CheckKind::Crc32Base62 => crc32_base62(secret),
        CheckKind::Jwt {
            claims,
            public_claims,
        } => jwt(secret, claims, public_claims),
        CheckKind::Macaroon { location } => macaroon(secret, location.as_deref()),
        CheckKind::BasicAuth => basic_auth(secret),
    }
}

// ---- basic-auth ---------------------------------------------------------------------------
//
// RFC 7617 §2: the Basic credentials are the base64 of `user-id ":" password`; the user-id holds
// no colon. A value that decodes to that, with printable parts and a password that is not a
// stand-in (the RFC's own `Aladdin:open sesame`, `user:password`), is a credential.

fn basic_auth(secret: &[u8]) -> bool {
    use base64::engine::general_purpose::STANDARD;
    let Ok(decoded) = STANDARD.decode(secret) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return false;
    };
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    let printable = |s: &str| s.chars().all(|c| !c.is_control());
    const STAND_INS: &[&str] = &[
        "password",
        "pass",
        "passwd",
        "secret",
        "changeme",
        "open sesame",
        "pwd",
        "xxx",
        "",
    ];
    !user.is_empty()
        && printable(user)
        && printable(password)
        && password.len() >= 4
        && !STAND_INS.contains(&password.to_ascii_lowercase().as_str())
        && !password.starts_with('$')
        && !password.starts_with('<')
}

/// base64url as tokens write it: without padding (tolerated if present), trailing bits ignored.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

// ---- crc32-base62 -------------------------------------------------------------------------
//
// GitHub: "Behind GitHub's new authentication token formats"
// https://github.blog/engineering/behind-githubs-new-authentication-token-formats/ : the last
// six characters of a token are a CRC32 checksum, base62-encoded. npm adopted the same format:
// https://github.blog/security/announcing-npms-new-access-token-format/ ("The last six
// characters of the tokens consist of CRC32 checksum, which is encoded in our Base62
// implementation"). Neither post spells out the input or the digit order; checked against
// GitHub-issued (expired) tokens: the CRC-32 (IEEE 802.3, as zlib) of the 30 random characters
// between `ghp_` and the checksum, prefix excluded, digits 0-9A-Za-z, most significant first,
// left-padded with `0` to six.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM_LEN: usize = 6;

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as zlib computes it.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `value` as six base62 digits (62^6 > 2^32, so every u32 fits).
pub(crate) fn base62_6(mut value: u32) -> [u8; CHECKSUM_LEN] {
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    out
}

/// The text after the first `_` is `random || base62(crc32(random))`.
fn crc32_base62(secret: &[u8]) -> bool {
    let Some(at) = secret.iter().position(|&b| b == b'_') else {
        return false;
    };
    let body = &secret[at + 1..];
    if body.len() <= CHECKSUM_LEN {
        return false;
    }
    let (random, checksum) = body.split_at(body.len() - CHECKSUM_LEN);
    base62_6(crc32(random)) == checksum
}

// ---- jwt ----------------------------------------------------------------------------------
//
// RFC 7519 (JSON Web Token) https://datatracker.ietf.org/doc/html/rfc7519#section-7.2 and
// RFC 7515 (JWS compact serialization) https://datatracker.ietf.org/doc/html/rfc7515#section-7.1:
// three base64url parts joined by `.`; the header is a JSON object with `alg`
// (RFC 7515 section 4.1.1), the payload a JSON object of claims.

fn jwt(
    secret: &[u8],
    claims: &[(String, regex::Regex)],
    public_claims: &[(String, regex::Regex)],
) -> bool {
    let parts: Vec<&[u8]> = secret.split(|&b| b == b'.').collect();
    let [header, payload, _signature] = parts.as_slice() else {
        return false;
    };
    let object = |part: &[u8]| {
        let bytes = BASE64URL.decode(part).ok()?;
        match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        }
    };
    let (Some(header), Some(payload)) = (object(header), object(payload)) else {
        return false;
    };
    let claim_matches = |(name, re): &(String, regex::Regex)| {
        payload
            .get(name)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|value| re.is_match(value))
    };
    header.get("alg").is_some_and(serde_json::Value::is_string)
        && claims.iter().all(claim_matches)
        && !public_claims.iter().any(claim_matches)
}

// ---- macaroon -----------------------------------------------------------------------------
//
// PyPI: "A PyPI API token is a string consisting of a prefix (pypi), a separator (-) and a
// macaroon serialized with PyMacaroonv2" (https://warehouse.pypa.io/development/token-scanning.html),
// base64url-encoded, whose location is `pypi.org` (test.pypi.org for TestPyPI). The v2 binary
// format is libmacaroons' (https://github.com/rescrv/libmacaroons/blob/master/doc/format.txt):
//
//   macaroon: VERSION(2) [LOCATION(1)] IDENTIFIER(2) EOS caveats EOS SIGNATURE(6, 32 bytes)
//   caveat:   [LOCATION(1)] IDENTIFIER(2) [VID(4)] EOS
//
// each field a type byte, a varint length and that many bytes; EOS the single byte 0.

const LOCATION: u8 = 1;
const IDENTIFIER: u8 = 2;
const VID: u8 = 4;
const SIGNATURE: u8 = 6;
const SIGNATURE_LEN: usize = 32;

fn macaroon(secret: &[u8], location: Option<&str>) -> bool {
    let body = match secret.iter().position(|&b| b == b'-') {
        Some(at) => &secret[at + 1..],
        None => secret,
    };
    let Ok(bytes) = BASE64URL.decode(body) else {
        return false;
    };
    parse_macaroon(&bytes).is_some_and(|found| match location {
        Some(want) => found == Some(want.as_bytes()),
        None => true,
    })
}

/// The macaroon's location (`None` when it has none) if `bytes` is a whole v2 macaroon.
fn parse_macaroon(bytes: &[u8]) -> Option<Option<&[u8]>> {
    let mut r = Reader { bytes, at: 0 };
    if r.byte()? != 2 {
        return None;
    }
    let location = r.section(false)?;
    while r.peek()? != 0 {
        r.section(true)?;
    }
    r.byte()?; // the EOS closing the caveats
    let (kind, signature) = r.field()?;
    (kind == SIGNATURE && signature.len() == SIGNATURE_LEN && r.at == bytes.len())
        .then_some(location)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    /// An unsigned LEB128 varint, at most 4 bytes (2^28: far beyond any token).
    fn varint(&mut self) -> Option<usize> {
        let mut value = 0usize;
        for shift in [0, 7, 14, 21] {
            let b = self.byte()?;
            value |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// A field's type and content.
    fn field(&mut self) -> Option<(u8, &'a [u8])> {
        let kind = self.byte()?;
        let len = self.varint()?;
        let content = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        Some((kind, content))
    }

    /// `[LOCATION] IDENTIFIER [VID] EOS` (VID only in a caveat); the location, if any.
    fn section(&mut self, caveat: bool) -> Option<Option<&'a [u8]>> {
        let mut location = None;
        let mut last = 0;
        let mut identifier = false;
        while self.peek()? != 0 {
            let (kind, content) = self.field()?;
            let allowed = match kind {
                LOCATION => true,
                IDENTIFIER => !content.is_empty(),
                VID => caveat,
                _ => false,
            };
            if !allowed || kind <= last {
                return None;
            }
            last = kind;
            identifier |= kind == IDENTIFIER;
            if kind == LOCATION {
                location = Some(content);
            }
        }
        self.byte()?;
        identifier.then_some(location)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `prefix_` + `random` + its checksum, as GitHub and npm mint them.
    pub(crate) fn with_crc(prefix: &str, random: &str) -> String {
        let sum = base62_6(crc32(random.as_bytes()));
        format!("{prefix}_{random}{}", std::str::from_utf8(&sum).unwrap())
    }

    /// `location`, `identifier` and caveats as a v2 macaroon, base64url without padding.
    pub(crate) fn macaroon_b64(location: &str, identifier: &str, caveats: &[&str]) -> String {
        fn field(out: &mut Vec<u8>, kind: u8, content: &[u8]) {
            out.push(kind);
            let mut len = content.len();
            while len >= 0x80 {
                out.push((len as u8 & 0x7f) | 0x80);
                len >>= 7;
            }
            out.push(len as u8);
            out.extend_from_slice(content);
        }
        let mut out = vec![2];
        field(&mut out, LOCATION, location.as_bytes());
        field(&mut out, IDENTIFIER, identifier.as_bytes());
        out.push(0);
        for caveat in caveats {
            field(&mut out, IDENTIFIER, caveat.as_bytes());
            out.push(0);
        }
        out.push(0);
        field(&mut out, SIGNATURE, &[0x5a; SIGNATURE_LEN]);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
    }

    fn b64(text: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }

    /// Every one-character change of `token` at the positions `range` covers.
    fn one_char_changes(token: &str, range: std::ops::Range<usize>) -> Vec<String> {
        let mut out = Vec::new();
        for i in range {
            let mut bytes = token.as_bytes().to_vec();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            out.push(String::from_utf8(bytes).unwrap());
        }
        out
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The CRC-32/ISO-HDLC check value (CRC of "123456789").
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_is_six_digits_most_significant_first() {
        assert_eq!(&base62_6(0), b"000000");
        assert_eq!(&base62_6(61), b"00000z");
        assert_eq!(&base62_6(62), b"000010");
        assert_eq!(&base62_6(u32::MAX), b"4gfFC3");
    }

    #[test]
    fn crc32_base62_accepts_a_minted_token_and_no_one_character_change() {
        // The token minted with its checksum passes, and every one-character change fails.
        let token = with_crc("ghp", "KeysweepTestTokenNotARealOne01");
        assert_eq!(token.len(), 40);
        assert!(crc32_base62(token.as_bytes()));
        for changed in one_char_changes(&token, 4..40) {
            assert!(!crc32_base62(changed.as_bytes()), "{changed}");
        }
        // The prefix is not part of the checksum.
        assert!(crc32_base62(token.replacen("ghp", "npm", 1).as_bytes()));
        assert!(!crc32_base62(b"ghp123456"));
        assert!(!crc32_base62(b"ghp_123456"));
    }

    #[test]
    fn crc32_base62_known_value() {
        // Computed with zlib: crc32(b"KeysweepTestTokenNotARealOne01") = 0x3f290ea5 = "19iCl3".
        assert_eq!(crc32(b"KeysweepTestTokenNotARealOne01"), 0x3f29_0ea5);
        assert_eq!(&base62_6(0x3f29_0ea5), b"19iCl3");
        // Assembled at run time, so that this file holds no token-shaped literal.
        let token = |sum: &str| ["gh", "p_KeysweepTestTokenNotARealOne01", sum].concat();
        assert!(crc32_base62(token("19iCl3").as_bytes()));
        assert!(!crc32_base62(token("19iCL3").as_bytes()));
    }

    fn jwt_of(header: &str, payload: &str) -> String {
        format!("{}.{}.c2lnbmF0dXJl", b64(header), b64(payload))
    }

    #[test]
    fn jwt_needs_json_objects_an_alg_and_the_claims() {
        let iss = vec![("iss".to_string(), regex::Regex::new("^scalr:").unwrap())];
        let good = jwt_of(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"iss":"scalr:user"}"#);
        assert!(jwt(good.as_bytes(), &iss, &[]));
        assert!(jwt(good.as_bytes(), &[], &[]));
        let bad = [
            jwt_of(r#"{"alg":"HS256"}"#, r#"{"iss":"auth0:user"}"#),
            jwt_of(r#"{"alg":"HS256"}"#, r#"{"iss":7}"#),
            jwt_of(r#"{"alg":"HS256"}"#, r#"{"sub":"scalr:user"}"#),
            jwt_of(r#"{"typ":"JWT"}"#, r#"{"iss":"scalr:user"}"#),
            jwt_of(r#"["alg"]"#, r#"{"iss":"scalr:user"}"#),
            jwt_of(r#"{"alg":"HS256"}"#, r#"{"iss":"scalr:user""#),
            good.replacen('.', "", 1),
            format!("{good}.more"),
        ];
        for token in bad {
            assert!(!jwt(token.as_bytes(), &iss, &[]), "{token}");
        }
        // One character changed in the payload breaks its JSON.
        let payload_at = good.find('.').unwrap() + 1;
        let broken: Vec<String> = one_char_changes(&good, payload_at..payload_at + 4);
        assert!(broken.iter().all(|t| !jwt(t.as_bytes(), &iss, &[])));
    }

    #[test]
    fn macaroon_parses_v2_and_checks_the_location() {
        let id = "00000000-0000-4000-8000-keysweeptest";
        let token = format!(
            "pypi-{}",
            macaroon_b64("pypi.org", id, &[r#"{"version":1}"#])
        );
        assert!(token.starts_with("pypi-AgEIcHlwaS5vcmc"), "{token}");
        assert!(macaroon(token.as_bytes(), Some("pypi.org")));
        assert!(macaroon(token.as_bytes(), None));
        assert!(!macaroon(token.as_bytes(), Some("test.pypi.org")));
        let test = format!("pypi-{}", macaroon_b64("test.pypi.org", id, &[]));
        assert!(test.starts_with("pypi-AgENdGVzdC5weXBpLm9yZw"), "{test}");
        assert!(macaroon(test.as_bytes(), Some("test.pypi.org")));
        // Truncated, extended, an empty identifier, random base64 after the location.
        assert!(!macaroon(&token.as_bytes()[..token.len() - 4], None));
        assert!(!macaroon(format!("{token}AAAA").as_bytes(), None));
        let empty_id = format!("pypi-{}", macaroon_b64("pypi.org", "", &[]));
        assert!(!macaroon(empty_id.as_bytes(), None));
        let random = format!("pypi-AgEIcHlwaS5vcmc{}", "q7Xz0Lk3".repeat(10));
        assert!(!macaroon(random.as_bytes(), Some("pypi.org")));
        // A changed field type or length byte breaks the structure.
        let type_at = "pypi-AgEIcHlwaS5vcmc".len();
        for changed in one_char_changes(&token, type_at..type_at + 2) {
            assert!(!macaroon(changed.as_bytes(), Some("pypi.org")), "{changed}");
        }
    }

    #[test]
    fn a_lowering_check_keeps_the_match_at_low_confidence() {
        let check = |lowers| FormatCheck {
            kind: CheckKind::Crc32Base62,
            lowers,
        };
        let good = with_crc("ghr", "KeysweepTestTokenNotARealOne01");
        let bad = good.replace("Test", "Tset");
        assert_eq!(verdict(&[check(false)], good.as_bytes()), Verdict::Pass);
        assert_eq!(verdict(&[check(false)], bad.as_bytes()), Verdict::Fail);
        assert_eq!(verdict(&[check(true)], bad.as_bytes()), Verdict::Low);
        assert_eq!(
            verdict(&[check(true), check(false)], bad.as_bytes()),
            Verdict::Fail
        );
        assert_eq!(verdict(&[], bad.as_bytes()), Verdict::Pass);
    }
}
