//! The pattern file format as written by people (`patterns/*.toml`, `--patterns` files and the
//! `[[patterns]]` of a config file). Unknown fields are errors so that a typo never silently
//! turns a check off.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The boundary a secret must have on its left unless the pattern says otherwise (GitHub's default).
pub const DEFAULT_BEFORE: &str = r"\A|[^0-9A-Za-z]";
/// The boundary a secret must have on its right unless the pattern says otherwise.
pub const DEFAULT_AFTER: &str = r"\z|[^0-9A-Za-z]";
/// The default `before` of a pattern with `names`: a byte that opens a value (an operator, a
/// quote, a space, a bracket). The named-value check reads the name before it.
pub const NAMED_BEFORE: &str = r#"\A|[=:"'`\s,(>\[{]"#;
/// The default `after` of a pattern with `names`: a byte that ends a value, or a full stop
/// ending a sentence.
pub const NAMED_AFTER: &str = r#"\z|[\s"'`,;)\]}>&<|\\]|\.(?:\s|\z)"#;

/// One file of patterns.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternFile {
    #[serde(default)]
    pub patterns: Vec<PatternSpec>,
}

/// One pattern, exactly as written in TOML.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    /// `provider.kind`, lowercase, unique across all loaded patterns.
    pub id: String,
    pub name: String,
    pub severity: Severity,
    /// How sure a match is a real secret: `high` for a distinctive prefix or checksum, `low` when it
    /// leans on context.
    #[serde(default)]
    pub confidence: Confidence,
    /// The secret itself (regex syntax; matched against bytes, Unicode classes off unless `(?u)`).
    pub secret: String,
    /// The words that name the secret where it is assigned (`names = { provider = ["mandrill"] }`):
    /// the engine finds the value in any syntax that gives it such a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<super::names::NamesSpec>,
    /// Phrases that mark the value as a public identifier when they are near it (its line and
    /// five lines either way), compared as words: a Firebase web config's `authDomain`, a Maps
    /// script URL's `maps/api/js`. Such a finding is dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_near: Vec<String>,
    /// Text that must end right where the secret starts. Default: [`DEFAULT_BEFORE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Text that must start right where the secret ends. Default: [`DEFAULT_AFTER`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Literals for the prefilter, matched ASCII-case-insensitively. Derived from the secret's
    /// literal prefixes when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Regexes that must each match somewhere in the secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_match: Vec<String>,
    /// Regexes none of which may match the secret (placeholders, documented sample values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_not_match: Vec<String>,
    /// Minimum Shannon entropy of the secret, in bits per byte.
    #[serde(default)]
    pub min_entropy: f64,
    /// Format checks the provider documents (a checksum, a token's inner structure), run after
    /// the checks above: each `{ check = "crc32-base62" | "jwt" | "macaroon", ... }` (see
    /// [`CheckSpec`]). A failed check drops the match, or with `on_fail = "low"` keeps it at low
    /// confidence. An unknown check or parameter is a load error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckSpec>,
    /// A regex that must match within `context_window` bytes of the secret (either side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// How far `context` may be from the secret, in bytes. Default 256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<usize>,
    /// The id of the pattern this secret is used with (the access key id of a secret key): when
    /// both are found in one blob, each finding names the other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<String>,
    /// How the secret is written where it is found: `percent` (URL userinfo) is reported decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// How to ask the provider whether the secret is live (`--verify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<ProviderCall>,
    /// How to make the provider delete the secret (`--revoke`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke: Option<ProviderCall>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the token format is documented.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Texts each of which must produce a finding of this pattern.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts none of which may produce a finding of this pattern.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// One of a pattern's `checks`, as written; checked and compiled by `pattern::check`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// `crc32-base62`: the text after the secret's first `_` ends in 6 base62 characters, the
    /// CRC-32 of the text before them (GitHub, npm). `jwt`: a JSON Web Token whose header and
    /// payload decode to JSON objects, the header naming its `alg`. `macaroon`: the text after
    /// the secret's first `-` is a base64url macaroon in the libmacaroons v2 format (PyPI).
    pub check: String,
    /// What a failure does: `drop` (the default) or `low`, which keeps the finding at low
    /// confidence (for a format the provider documents only loosely).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_fail: Option<String>,
    /// `jwt` only: payload claims that must be strings, each matching its regex
    /// (`claims = { iss = '^scalr:' }`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub claims: std::collections::BTreeMap<String, String>,
    /// `jwt` only: payload claims that mark a token public by design, each a regex; a token
    /// with any of them fails (`public_claims = { role = '^anon$' }`, a Supabase anon key).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub public_claims: std::collections::BTreeMap<String, String>,
    /// `macaroon` only: the location the macaroon must name (`pypi.org`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// An encoding a secret is found in and decoded from: a pattern's `encoding`, and a finding's
/// `decoded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `%40` for `@`, as in the password of `scheme://user:pa%40ss@host`.
    Percent,
    /// A base64 value keysweep decodes on its own (see `crate::decode`); not a pattern's
    /// `encoding`, so a pattern file cannot name it.
    #[serde(skip_deserializing)]
    Base64,
}

impl Encoding {
    /// The name reports write (`base64`), the same as its JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Percent => "percent",
            Encoding::Base64 => "base64",
        }
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One HTTP call to a provider's API, with placeholders `{api_url}` (the `api_url` here, or
/// `[providers.NAME] api_url` of the config), `{secret}` and `{pair}` (the paired finding's
/// secret).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderCall {
    /// The API's base URL when the config does not set one.
    pub api_url: String,
    pub method: String,
    /// Appended to the base URL.
    pub path: String,
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Statuses meaning live (verify) or deleted (revoke).
    pub success: Vec<u16>,
    /// Statuses meaning the secret is not valid (any other status is `unknown`).
    #[serde(default)]
    pub invalid: Vec<u16>,
    /// The request body, with the same placeholders (not encoded); set its `Content-Type` in
    /// `headers`.
    #[serde(default)]
    pub body: Option<String>,
    /// HTTP Basic credentials, `[user, password]`, with the same placeholders.
    #[serde(default)]
    pub basic_auth: Option<Vec<String>>,
    /// A JSON pointer (RFC 6901, `/login`) that only a real answer has: with it, a `success`
    /// status is `live` only when the body is JSON holding it (and, given `live_equals`, holding
    /// that value). An HTML page is never `live`.
    #[serde(default)]
    pub live_json: Option<String>,
    /// The value, as JSON text (`true`, `"ok"`), `live_json` must hold.
    #[serde(default)]
    pub live_equals: Option<String>,
    /// A JSON pointer meaning `invalid` in an answer with a `success` status (Slack answers
    /// `200 {"ok": false}`), and the value it must hold.
    #[serde(default)]
    pub invalid_json: Option<String>,
    #[serde(default)]
    pub invalid_equals: Option<String>,
    /// The provider's documentation page this call follows.
    #[serde(default)]
    pub docs: Option<String>,
    /// For a revocation: a JSON pointer into the answer of the pattern's verify call, whose
    /// value `{lookup}` stands for (a token's own id, which deleting it needs).
    #[serde(default)]
    pub lookup_json: Option<String>,
}

impl ProviderCall {
    /// Whether a placeholder (`{pair}`, `{lookup}`) appears anywhere in the request.
    pub fn uses(&self, placeholder: &str) -> bool {
        std::iter::once(&self.path)
            .chain(self.headers.values())
            .chain(&self.body)
            .chain(self.basic_auth.iter().flatten())
            .any(|t| t.contains(placeholder))
    }
}

/// How bad a leak of this secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How likely a match is to be a real secret.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    #[default]
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}
