//! Encoded values worth decoding: base64 where secrets are commonly wrapped in it. The views are
//! scanned like any text, and a finding in one is reported at the encoded text's location.
//!
//! Only known places are decoded, not every base64-looking run (that would scan megabytes of
//! images and certificates and find noise): `Authorization: Basic` credentials, the `auth` values
//! of a docker config, and the values of a Kubernetes `Secret`'s `data:`. Views are decoded again
//! once, for a `.dockerconfigjson` inside a Secret.
//!
//! Each decoder declares the words that say a blob may hold its values ([`Decoder::trigger_words`]);
//! the engine's keyword pass looks for them with every pattern's keywords, so a blob without one is
//! never searched for encoded values. A new decoder is one more entry of [`DECODERS`].
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// Shortest base64 value decoded: 12 characters hold 9 bytes, less than any credential.
const MIN_LEN: usize = 12;

/// Decoded bytes and the span of `hay` they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub encoded: Range<usize>,
    pub bytes: Vec<u8>,
}

fn basic_auth() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i-u)\bbasic[\x20\t]+([A-Za-z0-9+/]{12,}={0,2})")
            .expect("the Basic auth regex should compile")
    })
}

fn docker_auth() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?-u)"auth"\s*:\s*"([A-Za-z0-9+/]{12,}={0,2})""#)
            .expect("the docker auth regex should compile")
    })
}

/// A YAML `key: value` or JSON `"key": "value"` whose value looks like base64.
fn secret_value() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?m-u)(?:^[\x20\t]+[A-Za-z0-9_.\-]{1,253}:[\x20\t]+["']?|"[A-Za-z0-9_.\-]{1,253}"\s*:\s*")([A-Za-z0-9+/]{12,}={0,2})["']?[\x20\t]*(?:,|\r?$)"#,
        )
        .expect("the Secret data regex should compile")
    })
}

/// Whether the text declares a Kubernetes `Secret`: a line `kind: Secret` (YAML) or a
/// `"kind": "Secret"` member (JSON). Each `Secret` is checked where it stands, instead of a
/// regex over the whole text: the trigger word `secret` is in many files, the declaration in few.
fn is_kubernetes_secret(hay: &[u8]) -> bool {
    let blank = |b: &u8| b" \t\r".contains(b);
    memchr::memmem::find_iter(hay, b"Secret").any(|at| {
        let line_start = memchr::memrchr(b'\n', &hay[..at]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &hay[at..]).map_or(hay.len(), |i| at + i);
        let before = &hay[line_start..at];
        let after = &hay[at + b"Secret".len()..line_end];
        // YAML: `kind: Secret` alone on its line, the value maybe quoted.
        let rest = after
            .strip_prefix(b"\"")
            .or(after.strip_prefix(b"'"))
            .unwrap_or(after);
        let key = before
            .strip_suffix(b"\"")
            .or(before.strip_suffix(b"'"))
            .unwrap_or(before);
        let yaml = trim(key, blank) == b"kind:" && trim(rest, blank).is_empty();
        // JSON: `"kind": "Secret"`.
        let json = after.first() == Some(&b'"')
            && before.strip_suffix(b"\"").is_some_and(|b| {
                let b = trim(b, blank);
                b.strip_suffix(b":")
                    .is_some_and(|b| trim(b, blank).ends_with(b"\"kind\""))
            });
        yaml || json
    })
}

/// `text` without the bytes `strip` accepts at either end.
fn trim(text: &[u8], strip: impl Fn(&u8) -> bool) -> &[u8] {
    let start = text.iter().position(|b| !strip(b)).unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|b| !strip(b))
        .map_or(start, |i| i + 1);
    &text[start..end]
}

/// A place where base64 values hide, and the words that announce it.
pub struct Decoder {
    /// Words (matched ASCII case-insensitively) without which a blob holds none of this
    /// decoder's values.
    pub trigger_words: &'static [&'static str],
    /// The encoded values of a blob: the spans to decode.
    values: fn(&[u8]) -> Vec<Range<usize>>,
}

/// Every decoder; a bit of [`Triggers`] stands for each, in this order.
pub static DECODERS: [Decoder; 3] = [
    // `Authorization: Basic dXNlcjpwYXNz`
    Decoder {
        trigger_words: &["basic "],
        values: |hay| group_one(basic_auth(), hay),
    },
    // `{"auths": {"registry": {"auth": "dXNlcjpwYXNz"}}}`
    Decoder {
        trigger_words: &["\"auth\""],
        values: |hay| group_one(docker_auth(), hay),
    },
    // `kind: Secret` … `data:` … `password: <base64>`
    Decoder {
        trigger_words: &["secret"],
        values: |hay| match is_kubernetes_secret(hay) {
            true => group_one(secret_value(), hay),
            false => Vec::new(),
        },
    },
];

fn group_one(re: &Regex, hay: &[u8]) -> Vec<Range<usize>> {
    re.captures_iter(hay)
        .map(|caps| caps.get(1).expect("group 1 is not optional").range())
        .collect()
}

/// Which decoders a blob may need: one bit per entry of [`DECODERS`], set when the keyword pass
/// met one of its trigger words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Triggers(u8);

impl Triggers {
    /// The bit of `DECODERS[index]`.
    pub fn of(index: usize) -> Triggers {
        Triggers(1 << index)
    }
    pub fn with(self, other: Triggers) -> Triggers {
        Triggers(self.0 | other.0)
    }
    fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }
    /// Every decoder (for callers without a keyword pass, and tests).
    pub fn all() -> Triggers {
        Triggers((1 << DECODERS.len()) - 1)
    }
}

/// The decodable values of `hay` (one level), looking only where `triggers` (found by the
/// engine's keyword pass) say there may be some.
pub fn views(hay: &[u8], triggers: Triggers) -> Vec<View> {
    let mut views: Vec<View> = DECODERS
        .iter()
        .enumerate()
        .filter(|(index, _)| triggers.has(*index))
        .flat_map(|(_, decoder)| (decoder.values)(hay))
        .filter_map(|encoded| {
            let bytes = decode(&hay[encoded.clone()])?;
            Some(View { encoded, bytes })
        })
        .collect();
    views.sort_by_key(|v| (v.encoded.start, v.encoded.end));
    views.dedup_by(|a, b| a.encoded == b.encoded);
    views
}

/// Standard base64, padded or not; `None` if it is not base64 or decodes to nothing textual.
fn decode(encoded: &[u8]) -> Option<Vec<u8>> {
    if encoded.len() < MIN_LEN {
        return None;
    }
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .ok()?;
    // Secrets are text: a value that decodes to mostly binary (a certificate's DER, an image)
    // holds none worth reporting.
    let printable = bytes
        .iter()
        .filter(|&&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    (printable * 10 >= bytes.len() * 9).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        STANDARD.encode(text)
    }

    #[test]
    fn basic_auth_header() {
        let hay = format!(
            "curl -H 'Authorization: Basic {}' https://x",
            b64("user:s3cr3t-Pa55")
        );
        let v = views(hay.as_bytes(), Triggers::all());
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].bytes, b"user:s3cr3t-Pa55");
        assert_eq!(&hay[v[0].encoded.clone()], b64("user:s3cr3t-Pa55"));
    }

    #[test]
    fn kubernetes_secret_data_only_in_a_secret() {
        let data = format!(
            "  password: {}\n  token: \"{}\"\n",
            b64("hunter2-but-longer"),
            b64("tok_abcdef123456")
        );
        let secret = format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n{data}");
        let found: Vec<Vec<u8>> = views(secret.as_bytes(), Triggers::all())
            .into_iter()
            .map(|v| v.bytes)
            .collect();
        assert_eq!(
            found,
            vec![b"hunter2-but-longer".to_vec(), b"tok_abcdef123456".to_vec()]
        );
        let config_map = secret.replace("kind: Secret", "kind: ConfigMap");
        assert!(views(config_map.as_bytes(), Triggers::all()).is_empty());
    }

    #[test]
    fn docker_config_auth_and_binary_values_are_skipped() {
        let json = format!(
            r#"{{"auths":{{"registry.example.com":{{"auth":"{}"}}}}}}"#,
            b64("bot:dckr_pat_x1y2z3")
        );
        assert_eq!(
            views(json.as_bytes(), Triggers::all())[0].bytes,
            b"bot:dckr_pat_x1y2z3"
        );
        let binary = STANDARD.encode([0u8, 159, 146, 150, 1, 2, 3, 250, 251, 252, 253, 254]);
        let hay = format!("Authorization: Basic {binary}");
        assert!(views(hay.as_bytes(), Triggers::all()).is_empty());
    }
}
