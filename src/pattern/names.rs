//! The words that name a secret: a pattern says *what* names its value (provider words such as
//! `mandrill` or `mailchimp transactional`, kind words such as `key` or `token`) and the engine
//! finds *where*, in any syntax (`src/engine/named.rs`). Names are compared as words, not as
//! spellings: `MANDRILL_API_KEY`, `mandrillApiKey`, `mandrill-api-key`, `Mandrill.ApiKey` and
//! `mandrill api key` are the same three words.

use serde::{Deserialize, Serialize};

/// How far after a provider word the value it names may be: an enclosing key may be lines
/// above the value. The engine looks no further back, and searches this far around a keyword.
pub const NAME_REACH: usize = 512;

/// How far before a provider word its value may be: the provider named after the value on the
/// same line (a URL), or on the line below.
pub const NAME_BACK_REACH: usize = 256;

/// How far a generic rule's kind word may be from its value: the value's line, or the key
/// right above it.
pub const GENERIC_NAME_REACH: usize = 96;

/// Kind words used when a pattern names none: what people call a credential.
pub const DEFAULT_KINDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "pass",
    "pwd",
    "auth",
    "credential",
    "credentials",
    "apikey",
    "authorization",
];

/// Words that qualify a name without saying what it names (`DB_PASSWORD_PROD`).
pub(crate) const QUALIFIERS: &[&str] = &[
    "prod",
    "production",
    "dev",
    "development",
    "test",
    "staging",
    "stage",
    "live",
    "local",
    "value",
    "val",
    "old",
    "new",
    "default",
    "str",
    "string",
    "env",
];

/// The `names` table of a pattern, as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamesSpec {
    /// Phrases naming the provider or product, any one of which will do: `["mandrill",
    /// "mailchimp transactional"]`. None (a generic rule): a name holding a kind phrase is
    /// enough, and `kind` must be written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provider: Vec<String>,
    /// Phrases naming the kind of secret (`key`, `client secret`); [`DEFAULT_KINDS`] when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Vec<String>>,
    /// `true`: a provider phrase anywhere near the value will do (the same line or the three
    /// above), no kind word needed. For formats distinctive enough that the provider's name
    /// nearby is all the evidence needed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub near: bool,
    /// Phrases that, in the value's name, say it is another secret or identifier of the same
    /// provider: `account` for a server token whose account token has the same shape,
    /// `public` for a private key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unless: Vec<String>,
}

/// [`NamesSpec`] checked and split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// Provider phrases; empty for a generic rule.
    pub providers: Vec<Phrase>,
    /// Shared: most patterns use [`DEFAULT_KINDS`], split once for all of them.
    pub kinds: std::sync::Arc<[Phrase]>,
    pub near: bool,
    /// Phrases that make a name name something else (`unless`).
    pub unless: Vec<Phrase>,
    /// Every provider phrase of the engine's built-in named patterns (set when the engine is
    /// built): a name that holds another provider's phrase (`SENTRY_KEY`) is that provider's,
    /// whatever provider is named near it.
    pub all_providers: std::sync::Arc<ProviderIndex>,
}

impl Names {
    /// # Errors
    /// Neither provider nor kind phrases, a generic rule that is `near`, or a phrase without a
    /// letter or digit.
    pub fn compile(spec: &NamesSpec) -> Result<Names, String> {
        if spec.provider.is_empty() && spec.kind.as_ref().is_none_or(Vec::is_empty) {
            return Err(
                "`names` has no `provider` phrase and no `kind` phrase: name at least one".into(),
            );
        }
        if spec.provider.is_empty() && spec.near {
            return Err("`names.near` needs a `provider` phrase to be near".into());
        }
        static DEFAULTS: std::sync::OnceLock<std::sync::Arc<[Phrase]>> = std::sync::OnceLock::new();
        let kinds = match &spec.kind {
            Some(kinds) => Phrase::compile_all("names.kind", kinds)?.into(),
            None => DEFAULTS
                .get_or_init(|| {
                    let defaults: Vec<String> =
                        DEFAULT_KINDS.iter().map(|k| k.to_string()).collect();
                    Phrase::compile_all("names.kind", &defaults)
                        .expect("the default kind phrases have words")
                        .into()
                })
                .clone(),
        };
        Ok(Names {
            providers: Phrase::compile_all("names.provider", &spec.provider)?,
            kinds,
            near: spec.near,
            unless: Phrase::compile_all("names.unless", &spec.unless)?,
            all_providers: Default::default(),
        })
    }

    /// Whether any name with a kind phrase will do (no provider phrase).
    pub fn is_generic(&self) -> bool {
        self.providers.is_empty()
    }

    /// The lowercase literals that find a provider phrase (or, for a generic rule, a kind
    /// phrase): the whole phrase, spelt every way its words are joined (`linkpreview`,
    /// `link_preview`, `link-preview`, `link.preview`, `link preview`; camel case lowercases to
    /// the first). Its first word alone (`link`, `app`, `graph`, `select`) is in every other
    /// line of code.
    pub fn keywords(&self) -> Vec<String> {
        let phrases = match self.is_generic() {
            true => &self.kinds[..],
            false => &self.providers[..],
        };
        let mut words: Vec<String> = phrases
            .iter()
            .flat_map(|p| match p.words.len() {
                1 => vec![p.glued.clone()],
                _ => ["", "_", "-", ".", " "]
                    .iter()
                    .map(|j| p.words.join(j))
                    .collect(),
            })
            .collect();
        words.sort();
        words.dedup();
        words
    }

    /// Whether `words` (of one name, in order) contain a provider phrase: its words in a row,
    /// or glued into one word that starts with them (`mailchimptransactional`,
    /// `mandrillapikey`).
    pub fn has_provider(&self, words: &[String]) -> bool {
        contains_phrase(&self.providers, words)
    }

    /// Whether `words` hold a phrase of another provider than this pattern's (one of
    /// [`Names::all_providers`] that is not among its own): `sentry` of `SENTRY_KEY`.
    pub fn names_another_provider(&self, words: &[String]) -> bool {
        let other = |glued: &str| {
            self.all_providers.0.contains(glued) && !self.providers.iter().any(|o| o.glued == glued)
        };
        // A phrase's words in a row (up to four), run together.
        let in_a_row = (0..words.len()).any(|i| {
            let mut joined = String::new();
            words[i..].iter().take(4).any(|w| {
                joined.push_str(w);
                other(&joined)
            })
        });
        // A word that starts with a phrase glued (`sentrykey`).
        in_a_row
            || words.iter().any(|w| {
                (4..w.len())
                    .any(|n| w.is_char_boundary(n) && other(&w[..n]) && glued_goes_on(n, &w[n..]))
            })
    }

    /// Whether `words` hold an `unless` phrase: the name is another secret's.
    pub fn names_another(&self, words: &[String]) -> bool {
        contains_phrase(&self.unless, words)
    }

    /// Whether `words` contain a kind phrase: its words in a row (the last one may be a
    /// plural), or glued into the end of one word (`apikey`, `mandrillauthtoken`, `secretkey`).
    pub fn has_kind(&self, words: &[String]) -> bool {
        self.kinds.iter().any(|phrase| {
            let glued = &phrase.glued;
            let (last, head) = phrase.words.split_last().expect("a phrase has a word");
            words.windows(phrase.words.len()).any(|w| {
                w[..head.len()] == *head && {
                    let word = &w[head.len()];
                    word == last
                        || (word.len() == last.len() + 1
                            && word.starts_with(last.as_str())
                            && word.ends_with('s'))
                }
            }) || words
                .iter()
                .any(|w| glued.len() >= 3 && w.len() > glued.len() && w.ends_with(glued.as_str()))
        })
    }

    /// Whether the name `words` ends with a kind phrase (after qualifiers such as `prod` or
    /// `value`): `db_password`, `DB_PASSWORD_PROD`, `smtpPass`, but not `password_reset_url`.
    /// What generic rules ask, where the name is all the evidence there is.
    pub fn ends_with_kind(&self, words: &[String]) -> bool {
        let end = words
            .iter()
            .rposition(|w| !QUALIFIERS.contains(&w.as_str()))
            .map_or(0, |i| i + 1);
        let words = &words[..end];
        self.kinds.iter().any(|phrase| {
            let (last, head) = phrase.words.split_last().expect("a phrase has a word");
            let Some((word, before)) = words.split_last() else {
                return false;
            };
            let plural = word.len() == last.len() + 1
                && word.starts_with(last.as_str())
                && word.ends_with('s');
            // Glued only for a long enough kind: `dbpassword`, `appsecret`, but not the `pass`
            // of `bypass`.
            let glued = &phrase.glued;
            ((word == last || plural) && before.ends_with(head))
                || (glued.len() >= MIN_GLUED_KIND
                    && word.len() > glued.len()
                    && word.ends_with(glued.as_str()))
        })
    }

    /// Whether the provider's name alone can name the value: not when every kind is qualified
    /// (`account token`), for such a pattern is one of several secrets of its provider.
    pub fn provider_alone_names(&self) -> bool {
        self.kinds.iter().any(|k| k.words.len() == 1)
    }

    /// Whether every word of `words` belongs to a provider phrase or is a word that says
    /// nothing about what the value is (`api`, `client`, `new`): `new Mandrill('…')`,
    /// `"mandrill": "…"`, `MANDRILL=…`.
    pub fn is_provider_only(&self, words: &[String]) -> bool {
        const PLAIN: &[&str] = &[
            "api",
            "client",
            "new",
            "sdk",
            "app",
            "the",
            "my",
            "prod",
            "production",
            "live",
            "dev",
            "default",
            "config",
            "settings",
            "env",
            "init",
            "setup",
            "configure",
        ];
        self.provider_alone_names()
            && self.has_provider(words)
            && words.iter().all(|w| {
                PLAIN.contains(&w.as_str())
                    || self
                        .providers
                        .iter()
                        .any(|p| p.words.contains(w) || p.starts_glued(w))
            })
    }
}

/// A phrase as its lowercase words, and those words run together (`mailchimptransactional`),
/// made once: names are compared against it for every candidate value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub words: Vec<String>,
    pub glued: String,
}

impl Phrase {
    /// The phrases of a field, each split into words.
    ///
    /// # Errors
    /// A phrase without a letter or digit.
    fn compile_all(field: &str, phrases: &[String]) -> Result<Vec<Phrase>, String> {
        phrases
            .iter()
            .map(|phrase| {
                let words = split_words(phrase.as_bytes());
                if words.is_empty() {
                    return Err(format!("`{field}` phrase {phrase:?} has no word"));
                }
                let glued = words.concat();
                Ok(Phrase { words, glued })
            })
            .collect()
    }

    /// Whether `word` starts with the phrase glued (`mandrillapikey`, `aliyuncs` of a host
    /// name), when the phrase is long enough to mean something: `pdf` does not start the phrase
    /// `pd`. A short phrase (4 or 5 letters) must go on with a word of a name, or a plural `s`:
    /// `export` is not the provider `expo` glued to `rt`.
    fn starts_glued(&self, word: &str) -> bool {
        self.glued.len() >= 4
            && word
                .strip_prefix(self.glued.as_str())
                .is_some_and(|rest| glued_goes_on(self.glued.len(), rest))
    }
}

/// Whether a word that starts with a phrase of `len` letters glued may go on with `rest`: a
/// short phrase (4 or 5 letters) only with a word of a name or a plural `s`, so that `export`
/// is not the provider `expo` glued to `rt`.
fn glued_goes_on(len: usize, rest: &str) -> bool {
    /// Words a glued name goes on with after its provider.
    const NAME_WORDS: &[&str] = &[
        "api", "key", "token", "secret", "pass", "pwd", "auth", "access", "client", "app",
        "private", "cred", "bearer", "webhook", "user", "account", "service", "admin", "sdk",
        "live", "prod", "test", "dev", "server", "master", "signing", "id",
    ];
    len >= 6 || rest.is_empty() || rest == "s" || NAME_WORDS.iter().any(|w| rest.starts_with(w))
}

/// Every provider phrase of an engine's named patterns, glued, for a name's words to be looked
/// up in ([`Names::names_another_provider`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProviderIndex(std::collections::HashSet<String>);

impl ProviderIndex {
    pub fn new<'a>(phrases: impl IntoIterator<Item = &'a Phrase>) -> Self {
        ProviderIndex(phrases.into_iter().map(|p| p.glued.clone()).collect())
    }
}

/// Whether `words` contain one of `phrases`: its words in a row, or glued into one word that
/// starts with them.
fn contains_phrase(phrases: &[Phrase], words: &[String]) -> bool {
    phrases.iter().any(|phrase| {
        words
            .windows(phrase.words.len())
            .any(|w| w == phrase.words.as_slice())
            || words.iter().any(|w| phrase.starts_glued(w))
    })
}

/// Phrases compared as words (`public_near`): `firebase app` matches `firebaseapp.com`,
/// `authDomain` matches `auth domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrases(Vec<Phrase>);

impl Phrases {
    /// # Errors
    /// A phrase without a letter or digit.
    pub fn compile(field: &str, phrases: &[String]) -> Result<Phrases, String> {
        Phrase::compile_all(field, phrases).map(Phrases)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the text's words contain one of the phrases.
    pub fn in_text(&self, text: &[u8]) -> bool {
        contains_phrase(&self.0, &split_words(text))
    }
}

/// The shortest kind phrase that may end a longer word (`dbpassword`, `appsecret`; not the
/// `pass` of `bypass`).
const MIN_GLUED_KIND: usize = 6;

/// Whether the kind phrase spelt at `at` in `text` (a prefilter hit) may be the last word of a
/// name, as [`Names::ends_with_kind`] asks: a word ends with it (or its plural), and it starts
/// a word unless long enough to end one. A byte-level test of the words [`split_words`] would
/// make: `tokenizer`, `passed` and `bypass` name no value.
pub fn may_end_name(text: &[u8], at: &std::ops::Range<usize>) -> bool {
    let starts = at.len() >= MIN_GLUED_KIND || splits_at(text, at.start);
    let plural = matches!(text.get(at.end), Some(b's' | b'S')) && splits_at(text, at.end + 1);
    starts && (splits_at(text, at.end) || plural)
}

/// Whether [`split_words`] ends a word right before `text[i]` (or `i` is an end of `text`).
fn splits_at(text: &[u8], i: usize) -> bool {
    let (Some(&prev), Some(&cur)) = (i.checked_sub(1).and_then(|p| text.get(p)), text.get(i))
    else {
        return true;
    };
    let next_lower = text.get(i + 1).is_some_and(u8::is_ascii_lowercase);
    !prev.is_ascii_alphanumeric()
        || !cur.is_ascii_alphanumeric()
        || (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
        || (prev.is_ascii_uppercase() && cur.is_ascii_uppercase() && next_lower)
        || (prev.is_ascii_digit() && cur.is_ascii_uppercase())
}

/// Splits a name into lowercase words at every byte that is not a letter or digit and at case
/// changes: `MANDRILL_API_KEY`, `mandrillApiKey`, `X-Mandrill-Key`, `APIKey` (`api`, `key`),
/// `mandrill.api key`. Digits stay with the letters before them (`s3`, `oauth2`).
pub fn split_words(name: &[u8]) -> Vec<String> {
    let mut words = Vec::new();
    for chunk in name.split(|b| !b.is_ascii_alphanumeric()) {
        let mut start = 0;
        for i in 1..chunk.len() {
            let (prev, cur) = (chunk[i - 1], chunk[i]);
            let next_lower = chunk.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let boundary = (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
                || (prev.is_ascii_uppercase() && cur.is_ascii_uppercase() && next_lower)
                || (prev.is_ascii_digit() && cur.is_ascii_uppercase());
            if boundary {
                words.push(&chunk[start..i]);
                start = i;
            }
        }
        if start < chunk.len() {
            words.push(&chunk[start..]);
        }
    }
    words
        .into_iter()
        // Words are ASCII letters and digits: each byte is a char.
        .map(|w| {
            w.iter()
                .map(|b| char::from(b.to_ascii_lowercase()))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(name: &str) -> Vec<String> {
        split_words(name.as_bytes())
    }

    fn names(provider: &[&str], kind: Option<&[&str]>) -> Names {
        Names::compile(&NamesSpec {
            provider: provider.iter().map(|s| s.to_string()).collect(),
            kind: kind.map(|k| k.iter().map(|s| s.to_string()).collect()),
            near: false,
            unless: Vec::new(),
        })
        .unwrap()
    }

    #[test]
    fn every_spelling_of_a_name_is_the_same_words() {
        let expected = vec!["mandrill", "api", "key"];
        for spelling in [
            "MANDRILL_API_KEY",
            "mandrillApiKey",
            "MandrillAPIKey",
            "mandrill-api-key",
            "Mandrill.ApiKey",
            "mandrill api key",
            "$MANDRILL__API__KEY",
        ] {
            assert_eq!(words(spelling), expected, "{spelling}");
        }
        assert_eq!(words("awsS3Key"), vec!["aws", "s3", "key"]);
        assert_eq!(words("OAuth2Token"), vec!["o", "auth2", "token"]);
        assert!(words("= '\"").is_empty());
    }

    #[test]
    fn a_name_ending_with_a_kind_has_a_keyword_hit_that_may_end_it() {
        let n = names(
            &[],
            Some(&["password", "pass", "pwd", "token", "client secret"]),
        );
        let keywords = n.keywords();
        // The hits of the kind keywords in `name` that may end a name.
        let ending_hits = |name: &str| {
            let lower = name.to_ascii_lowercase();
            keywords
                .iter()
                .flat_map(|k| {
                    lower
                        .match_indices(k.as_str())
                        .map(|(at, k)| at..at + k.len())
                })
                .filter(|hit| may_end_name(name.as_bytes(), hit))
                .count()
        };
        for name in [
            "DB_PASSWORD",
            "dbPassword",
            "DBPassword",
            "dbpassword",
            "smtpPass",
            "user_pwd",
            "access_tokens",
            "ACCESS_TOKENS",
            "TokenValue",
            "token_prod",
            "ClientSecret",
            "client-secret",
            "x.pass",
        ] {
            assert!(n.ends_with_kind(&words(name)), "{name}");
            assert!(ending_hits(name) > 0, "{name}");
        }
        for name in [
            "tokenizer",
            "passed",
            "bypass",
            "compass",
            "Tokenize",
            "pwdx",
        ] {
            assert!(!n.ends_with_kind(&words(name)), "{name}");
            assert_eq!(ending_hits(name), 0, "{name}");
        }
    }

    #[test]
    fn providers_match_as_words_or_glued_and_kinds_as_words_or_endings() {
        let n = names(&["mandrill", "mailchimp transactional"], None);
        assert!(n.has_provider(&words("MAILCHIMP_TRANSACTIONAL_KEY")));
        assert!(n.has_provider(&words("mailchimptransactional_key")));
        assert!(n.has_provider(&words("MANDRILLAPIKEY")));
        assert!(!n.has_provider(&words("mailchimp_key")), "half a phrase");
        assert!(!n.has_provider(&words("notmandrill_key")));
        assert!(n.has_kind(&words("MANDRILLAPIKEY")));
        assert!(n.has_kind(&words("mandrill_tokens")));
        assert!(!n.has_kind(&words("mandrill_keyboard")));
        assert!(n.is_provider_only(&words("new Mandrill")));
        let generic = names(&[], Some(&["password", "client secret"]));
        assert!(generic.is_generic());
        assert!(generic.has_kind(&words("OAUTH_CLIENT_SECRETS")));
        assert!(generic.has_kind(&words("oauthClientSecret")));
        assert!(generic.has_kind(&words("dbpassword")));
        assert!(!generic.has_kind(&words("client_id")));
        assert!(!generic.has_kind(&words("secret")), "half a phrase");
        assert_eq!(
            generic.keywords(),
            vec![
                "client secret",
                "client-secret",
                "client.secret",
                "client_secret",
                "clientsecret",
                "password"
            ]
        );
        assert!(!n.is_provider_only(&words("mandrill_user_id")));
    }

    #[test]
    fn bad_names_are_refused() {
        let spec = |provider: &[&str], kind: Option<&[&str]>| NamesSpec {
            provider: provider.iter().map(|s| s.to_string()).collect(),
            kind: kind.map(|k| k.iter().map(|s| s.to_string()).collect()),
            near: false,
            unless: Vec::new(),
        };
        assert!(Names::compile(&spec(&[], None)).is_err());
        assert!(Names::compile(&spec(&[], Some(&[]))).is_err());
        assert!(Names::compile(&spec(&["--"], None)).is_err());
        assert!(Names::compile(&spec(&["x"], Some(&["--"]))).is_err());
        assert_eq!(
            names(&["Mailchimp Transactional", "mandrill"], None).keywords(),
            vec![
                "mailchimp transactional",
                "mailchimp-transactional",
                "mailchimp.transactional",
                "mailchimp_transactional",
                "mailchimptransactional",
                "mandrill"
            ]
        );
    }
}
