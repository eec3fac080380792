//! Turns a [`PatternSpec`] into a [`Pattern`] the engine can run: one regex
//! `(?:before)(?P<ks_secret>secret)(?:after)`, the post-checks, the prefilter keywords and the
//! window around a keyword hit that is large enough to hold any match.

use super::names::{Names, Phrases, GENERIC_NAME_REACH, NAME_BACK_REACH, NAME_REACH};
use super::spec::{
    Confidence, Encoding, PatternSpec, ProviderCall, Severity, DEFAULT_AFTER, DEFAULT_BEFORE,
    NAMED_AFTER, NAMED_BEFORE,
};
use regex_automata::meta;
use regex_automata::util::syntax;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::Hir;
use std::sync::OnceLock;

/// The provider of the built-in generic rules (`generic.*`), which `--no-generic` turns off.
pub const GENERIC_PROVIDER: &str = "generic";

/// The capture group that holds the secret inside the combined regex.
pub(crate) const SECRET_GROUP: &str = "ks_secret";
/// Compiled size limit per regex: a pattern that would blow up is rejected at load time.
const REGEX_SIZE_LIMIT: usize = 16 << 20;
/// The window for patterns whose longest match is unbounded.
const UNBOUNDED_WINDOW: usize = 16 << 10;
/// The largest window, however long a bounded pattern can match.
const MAX_WINDOW: usize = 64 << 10;
/// Shortest derived keyword worth a prefilter entry; shorter literals hit everywhere.
const MIN_KEYWORD_LEN: usize = 3;
/// More derived keywords than this means the prefix is not a literal worth filtering on.
const MAX_DERIVED_KEYWORDS: usize = 32;
const DEFAULT_CONTEXT_WINDOW: usize = 256;
/// The largest `context_window`: the context regex runs over up to twice this many bytes for every
/// candidate secret, so an unbounded window made a 1 MB file take minutes. The widest
/// built-in window is 4 KiB (gcp).
pub(crate) const MAX_CONTEXT_WINDOW: usize = 4 << 10;

/// A pattern ready to run. Built once, shared read-only by every thread.
#[derive(Debug)]
pub struct Pattern {
    pub id: String,
    pub name: String,
    /// The part of the id before the first dot.
    pub provider: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// The file the pattern came from (`patterns/scaleway.toml` for built-ins).
    pub source: String,
    /// Where it was loaded from.
    pub origin: Origin,
    /// Lowercase prefilter literals; empty means the pattern runs on every whole blob.
    pub keywords: Vec<String>,
    /// Whether `keywords` were derived from the regex rather than written in the file.
    pub keywords_derived: bool,
    /// Bytes searched around a keyword hit, worked out on first use (see [`Pattern::reach`]).
    reach: OnceLock<Reach>,
    /// A generic rule whose keywords are its kind phrases: a hit names a value only where it
    /// may end a name (`names::may_end_name`), and the value comes after it.
    pub(crate) kind_keywords: bool,
    /// `(?:before)(?P<ks_secret>secret)(?:after)`, built on first use (see [`Pattern::confirm`]).
    combined: String,
    confirm: OnceLock<Confirm>,
    /// must_match, must_not_match and context regexes, compiled like `confirm` (see there).
    checks: OnceLock<Checks>,
    pub(crate) min_entropy: f64,
    /// The file's `checks`, compiled at load (see `pattern::check`).
    pub(crate) format_checks: Vec<super::check::FormatCheck>,
    /// How far the context regex may be from the secret (bytes), when there is one.
    pub(crate) context_reach: Option<usize>,
    /// The words that must name the value, when the pattern declares them.
    names: Option<Names>,
    /// Phrases that make the value a public identifier when near it.
    public_near: Phrases,
    /// The file format, read through the methods below outside `pattern`.
    pub(super) spec: PatternSpec,
}

/// Where a pattern was loaded from, recorded by the loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary: its examples are checked by `cargo test`, not at every load.
    BuiltIn,
    /// A `--patterns` file or folder.
    File,
    /// `[[patterns]]` of a config file.
    Config,
}

/// The compiled confirm-stage regex and the index of its secret group.
#[derive(Debug)]
pub(crate) struct Confirm {
    pub regex: meta::Regex,
    pub secret_group: usize,
    /// A run of bytes, and literals, every match holds: a window without them is not searched.
    pub run: Option<super::run::Run>,
    pub literals: Vec<memchr::memmem::Finder<'static>>,
}

impl Confirm {
    /// Whether `window` may hold a match: it has the run and the literals every match has.
    pub fn may_match(&self, window: &[u8]) -> bool {
        self.run.as_ref().is_none_or(|run| run.is_in(window))
            && self.literals.iter().all(|l| l.find(window).is_some())
    }
}

/// Bytes searched around a keyword hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reach {
    /// Before the hit (less than `after` for a named pattern, whose value follows its name).
    pub before: usize,
    /// After the hit.
    pub after: usize,
}

impl Pattern {
    /// Bytes searched after a keyword hit (the larger side).
    pub fn window(&self) -> usize {
        self.reach().after
    }

    /// Bytes searched around a keyword hit.
    pub(crate) fn reach(&self) -> Reach {
        *self.reach.get_or_init(|| {
            reach_of(
                &self.combined,
                self.context_reach,
                self.names.as_ref(),
                self.kind_keywords,
            )
            .unwrap_or_else(|e| {
                panic!(
                    "pattern {} should compile (it is checked by cargo test): {e}",
                    self.id
                )
            })
        })
    }

    /// Compiled into the binary.
    pub fn is_builtin(&self) -> bool {
        self.origin == Origin::BuiltIn
    }

    /// The id of the pattern whose finding in the same blob this one goes with.
    /// The pattern as loaded, as one line of text: what decides what it finds (a cache made
    /// with other definitions is not used).
    pub fn definition(&self) -> String {
        let spec = serde_json::to_string(&self.spec).unwrap_or_default();
        format!("{} {:?} {spec}\n", self.id, self.origin)
    }

    pub fn pair(&self) -> Option<&str> {
        self.spec.pair.as_deref()
    }

    /// The words that must name the value (`names` in the file).
    pub fn names(&self) -> Option<&Names> {
        self.names.as_ref()
    }

    /// Tells a named pattern every provider phrase of the engine (see
    /// [`Names::all_providers`]).
    pub(crate) fn set_all_providers(&mut self, all: &std::sync::Arc<super::names::ProviderIndex>) {
        if let Some(names) = &mut self.names {
            names.all_providers = all.clone();
        }
    }

    /// Whether the pattern is a generic rule (named by kinds alone, or a built-in rule of the
    /// `generic` provider: any JSON Web Token, any bearer header), which yields to any specific
    /// pattern that claims the same value.
    pub fn yields(&self) -> bool {
        self.names.as_ref().is_some_and(|n| n.is_generic())
            || (self.is_builtin() && self.provider == GENERIC_PROVIDER)
    }

    /// Phrases that make the value a public identifier when near it (`public_near`).
    pub fn public_near(&self) -> &Phrases {
        &self.public_near
    }

    /// Whether the pattern asks for a `context` regex somewhere near the secret (a section
    /// header, a host name): the file around the secret matters, not only its name.
    pub fn needs_context(&self) -> bool {
        self.spec.context.is_some()
    }

    /// Whether the pattern finds its secret by the text around it (a `before`, `after` or
    /// `context` of its own, or names that need only be near) rather than by its own format or
    /// the name it is given: such a secret means nothing written alone.
    pub fn bound_by_structure(&self) -> bool {
        self.spec.before.is_some()
            || self.spec.after.is_some()
            || self.spec.context.is_some()
            || self.names.as_ref().is_some_and(|n| n.near)
    }

    /// How the secret is written where it is found, when it is decoded before it is reported.
    pub fn encoding(&self) -> Option<Encoding> {
        self.spec.encoding
    }

    /// How to ask the provider whether the secret is live (`--verify`).
    pub fn verify_call(&self) -> Option<&ProviderCall> {
        self.spec.verify.as_ref()
    }

    /// How to make the provider delete the secret (`--revoke`).
    pub fn revoke_call(&self) -> Option<&ProviderCall> {
        self.spec.revoke.as_ref()
    }

    /// The file's `description`, as written (it may span lines).
    pub fn description(&self) -> Option<&str> {
        self.spec.description.as_deref()
    }

    /// Where the token format is documented.
    pub fn references(&self) -> &[String] {
        &self.spec.references
    }

    /// Texts each of which must produce a finding of this pattern.
    pub fn examples(&self) -> &[String] {
        match self.origin {
            // The built-in library keeps its examples apart (see `build.rs`).
            Origin::BuiltIn if self.spec.examples.is_empty() => {
                &super::builtin_examples(&self.id).0
            }
            _ => &self.spec.examples,
        }
    }

    /// Texts none of which may produce a finding of this pattern.
    pub fn negative_examples(&self) -> &[String] {
        match self.origin {
            // The built-in library keeps its examples apart (see `build.rs`).
            Origin::BuiltIn if self.spec.negative_examples.is_empty() => {
                &super::builtin_examples(&self.id).1
            }
            _ => &self.spec.negative_examples,
        }
    }

    /// The confirm-stage regex, compiled the first time a keyword wakes the pattern: a scan pays
    /// only for the patterns its files mention. Every pattern was parsed and checked at load, and
    /// patterns from user files were also compiled there, so this cannot fail for them; built-in
    /// patterns are all compiled by `cargo test`.
    pub(crate) fn checks(&self) -> &Checks {
        self.checks.get_or_init(|| {
            Checks::compile(&self.spec).unwrap_or_else(|e| {
                panic!(
                    "pattern {} should compile (it is checked at load): {e}",
                    self.id
                )
            })
        })
    }

    pub(crate) fn confirm(&self) -> &Confirm {
        self.confirm.get_or_init(|| {
            build_confirm(&self.combined).unwrap_or_else(|e| {
                panic!(
                    "pattern {} should compile (it is checked at load): {e}",
                    self.id
                )
            })
        })
    }
}

/// The post-check regexes of a pattern.
#[derive(Debug)]
pub(crate) struct Checks {
    pub must_match: Vec<regex::bytes::Regex>,
    pub must_not_match: Vec<regex::bytes::Regex>,
    pub context: Option<regex::bytes::Regex>,
}

impl Checks {
    fn compile(spec: &PatternSpec) -> Result<Checks, String> {
        Ok(Checks {
            must_match: compile_regexes("must_match", &spec.must_match)?,
            must_not_match: compile_regexes("must_not_match", &spec.must_not_match)?,
            context: spec
                .context
                .as_deref()
                .map(|re| compile_one("context", re))
                .transpose()?,
        })
    }
}

fn build_confirm(combined: &str) -> Result<Confirm, String> {
    let regex = meta::Builder::new()
        .syntax(syntax_config())
        .configure(meta::Config::new().nfa_size_limit(Some(REGEX_SIZE_LIMIT)))
        .build(combined)
        .map_err(|e| format!("regex does not compile: {e}"))?;
    let secret_group = regex
        .group_info()
        .to_index(regex_automata::PatternID::ZERO, SECRET_GROUP)
        .expect("the combined regex should name the secret group");
    let hir = parse("secret", combined).ok();
    let run = hir.as_ref().and_then(super::run::Run::required_by);
    let literals = hir
        .as_ref()
        .map(super::run::required_literals)
        .unwrap_or_default()
        .iter()
        .map(|l| memchr::memmem::Finder::new(l).into_owned())
        .collect();
    Ok(Confirm {
        regex,
        secret_group,
        run,
        literals,
    })
}

/// Compiles one pattern. The error is a message about the pattern (the caller adds file and id).
///
/// The regexes of a user's pattern are compiled now, so a regex over the size limit is an error
/// naming the pattern; built-in ones on first use (`cargo test` compiles them all), so a scan
/// pays only for the patterns its files mention.
pub(crate) fn compile(spec: PatternSpec, source: &str, origin: Origin) -> Result<Pattern, String> {
    let compile_now = origin != Origin::BuiltIn;
    check_id(&spec.id)?;
    if let Some(pair) = &spec.pair {
        check_id(pair)?;
    }
    for (field, call) in [("verify", &spec.verify), ("revoke", &spec.revoke)] {
        if let Some(call) = call {
            check_call(call, spec.pair.is_some()).map_err(|e| format!("`{field}`: {e}"))?;
        }
    }
    if spec.verify.is_none()
        && spec
            .revoke
            .as_ref()
            .is_some_and(|r| r.lookup_json.is_some())
    {
        return Err(
            "`revoke`: `lookup_json` reads the verify call's answer, but there is no `verify`"
                .into(),
        );
    }
    if spec.name.trim().is_empty() {
        return Err("field `name` is empty".into());
    }
    if spec.secret.contains(SECRET_GROUP) {
        return Err(format!("the group name `{SECRET_GROUP}` is reserved"));
    }
    // A built-in pattern's regexes were checked by `cargo test` (every built-in file compiles
    // as a user's would): only what the prefilter needs now is parsed, the rest on first use.
    let derive = spec.keywords.is_none() && spec.names.is_none();
    let secret_hir = if compile_now || derive {
        let hir = parse("secret", &spec.secret)?;
        if hir.properties().minimum_len() == Some(0) {
            return Err("field `secret` can match the empty string".into());
        }
        Some(hir)
    } else {
        None
    };
    // A named value starts after a byte that opens a value and ends before one that ends it:
    // as its default boundaries, the regex itself skips the words of the text around names.
    let named = spec.names.as_ref().is_some_and(|n| !n.near);
    let before = match (&spec.before, named) {
        (Some(before), _) => before.as_str(),
        (None, true) => NAMED_BEFORE,
        (None, false) => DEFAULT_BEFORE,
    };
    let after = match (&spec.after, named) {
        (Some(after), _) => after.as_str(),
        (None, true) => NAMED_AFTER,
        (None, false) => DEFAULT_AFTER,
    };
    let combined = format!("(?:{before})(?P<{SECRET_GROUP}>{})(?:{after})", spec.secret);
    let confirm = OnceLock::new();
    let reach = OnceLock::new();
    if compile_now {
        parse("before", before)?;
        parse("after", after)?;
        confirm
            .set(build_confirm(&combined)?)
            .expect("a new OnceLock should be empty");
    }

    let names = spec.names.as_ref().map(Names::compile).transpose()?;
    let public_near = Phrases::compile("public_near", &spec.public_near)?;
    let (keywords, keywords_derived) = match (&spec.keywords, &names) {
        (Some(words), _) => {
            if let Some(w) = words.iter().find(|w| w.is_empty()) {
                return Err(format!("keyword {w:?} is empty"));
            }
            (lowercase_unique(words.iter().cloned()), false)
        }
        // The provider's words are what the value is found by.
        (None, Some(names)) => (names.keywords(), true),
        (None, None) => (
            derive_keywords(secret_hir.as_ref().expect("parsed to derive keywords")),
            true,
        ),
    };
    let checks = OnceLock::new();
    if compile_now {
        checks
            .set(Checks::compile(&spec)?)
            .expect("a new OnceLock should be empty");
    }
    if !(0.0..=8.0).contains(&spec.min_entropy) {
        return Err(format!(
            "min_entropy {} is outside 0..=8 bits per byte",
            spec.min_entropy
        ));
    }
    let format_checks = super::check::compile(&spec.checks)?;
    let context_reach = match &spec.context {
        Some(_) => Some(spec.context_window.unwrap_or(DEFAULT_CONTEXT_WINDOW)),
        None if spec.context_window.is_some() => {
            return Err("`context_window` is set but `context` is not".into())
        }
        None => None,
    };
    if let Some(reach) = context_reach.filter(|&r| r > MAX_CONTEXT_WINDOW) {
        return Err(format!(
            "context_window {reach} is over the limit of {MAX_CONTEXT_WINDOW} bytes"
        ));
    }
    let kind_keywords = spec.keywords.is_none() && names.as_ref().is_some_and(Names::is_generic);
    if compile_now {
        reach
            .set(reach_of(
                &combined,
                context_reach,
                names.as_ref(),
                kind_keywords,
            )?)
            .expect("a new OnceLock should be empty");
    }
    Ok(Pattern {
        provider: spec.id.split('.').next().unwrap_or_default().to_string(),
        id: spec.id.clone(),
        name: spec.name.clone(),
        severity: spec.severity,
        confidence: spec.confidence,
        source: source.to_string(),
        origin,
        keywords,
        keywords_derived,
        reach,
        kind_keywords,
        combined,
        confirm,
        checks,
        min_entropy: spec.min_entropy,
        format_checks,
        context_reach,
        names,
        public_near,
        spec,
    })
}

/// How far around a keyword hit a match may be: the combined regex's longest match, widened
/// for a context regex and for the names around a named value.
fn reach_of(
    combined: &str,
    context_reach: Option<usize>,
    names: Option<&Names>,
    kind_keywords: bool,
) -> Result<Reach, String> {
    let window = match parse("secret", combined)?.properties().maximum_len() {
        Some(n) => n.min(MAX_WINDOW),
        None => UNBOUNDED_WINDOW,
    };
    // A keyword may sit in the context rather than the match (`discord` near a bot token), so
    // the window around a hit must reach as far as the context may be.
    let window = match context_reach {
        Some(reach) => window.saturating_add(reach).min(MAX_WINDOW),
        None => window,
    };
    // A provider word may open a block the value sits in, lines before it.
    // A name comes before its value, so a named pattern searches far after its keyword (an
    // enclosing key lines above the value; for a generic rule the name on the value's line) and
    // only a line before it (the provider named after the value on its line, or on the line
    // below).
    // A generic rule found by its kind phrases: the kind word ends the value's name, so the
    // value is after it and nothing before a hit needs searching.
    let (before, after) = match names {
        Some(_) if kind_keywords => (0, window.saturating_add(GENERIC_NAME_REACH)),
        Some(n) if n.is_generic() => (window, window.saturating_add(GENERIC_NAME_REACH)),
        Some(_) => (
            window.saturating_add(NAME_BACK_REACH),
            window.saturating_add(NAME_REACH).min(MAX_WINDOW),
        ),
        None => (window, window),
    };
    Ok(Reach { before, after })
}

/// A provider call must be one the client can make: a known method, an https base URL (or
/// loopback, for tests), known placeholders, and statuses to judge the answer by.
fn check_call(call: &ProviderCall, has_pair: bool) -> Result<(), String> {
    if !["GET", "POST", "DELETE", "PUT", "PATCH"].contains(&call.method.as_str()) {
        return Err(format!(
            "method {:?} is not GET, POST, DELETE, PUT or PATCH",
            call.method
        ));
    }
    if !call.api_url.starts_with("https://") {
        return Err(format!("api_url {:?} is not an https:// URL", call.api_url));
    }
    if call.success.is_empty() {
        return Err("`success` lists no HTTP status".into());
    }
    if call.basic_auth.as_ref().is_some_and(|b| b.len() != 2) {
        return Err("`basic_auth` is not [user, password]".into());
    }
    if call
        .lookup_json
        .as_ref()
        .is_some_and(|p| !p.starts_with('/'))
    {
        return Err("`lookup_json` is not a JSON pointer like \"/id\"".into());
    }
    for (field, pointer, equals) in [
        ("live_json", &call.live_json, &call.live_equals),
        ("invalid_json", &call.invalid_json, &call.invalid_equals),
    ] {
        if pointer.as_ref().is_some_and(|p| !p.starts_with('/')) {
            return Err(format!("`{field}` is not a JSON pointer like \"/login\""));
        }
        if let Some(equals) = equals {
            if pointer.is_none() {
                return Err(format!("a value to equal is given but `{field}` is not"));
            }
            serde_json::from_str::<serde_json::Value>(equals)
                .map_err(|e| format!("the value `{field}` must equal is not JSON: {e}"))?;
        }
    }
    let texts = std::iter::once(&call.path)
        .chain(call.headers.values())
        .chain(&call.body)
        .chain(call.basic_auth.iter().flatten());
    for text in texts {
        for name in placeholders(text) {
            match name {
                "secret" => {}
                "lookup" if call.lookup_json.is_some() => {}
                "lookup" => return Err("`{lookup}` is used but `lookup_json` is not set".into()),
                "pair" if has_pair => {}
                "pair" => return Err("`{pair}` is used but the pattern has no `pair`".into()),
                other => return Err(format!("unknown placeholder {{{other}}} in {text:?}")),
            }
        }
    }
    Ok(())
}

/// The `{name}` placeholders of a provider call's path, header or body: a lower-case word in
/// braces. Other braces are the text's own (a JSON body, a GraphQL query `{ viewer { id } }`).
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
}

/// Ids look like `provider.kind` (lowercase letters, digits, `_` and `-`, dot-separated).
fn check_id(id: &str) -> Result<(), String> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    let parts: Vec<&str> = id.split('.').collect();
    if parts.len() < 2 || !parts.iter().all(|p| part_ok(p)) || id.len() > 64 {
        return Err(format!(
            "id {id:?} is not of the form `provider.kind` (lowercase letters, digits, `_`, `-`; at most 64 characters)"
        ));
    }
    Ok(())
}

/// Patterns match bytes: `.` and classes cover any byte, case folding is ASCII-only unless a
/// pattern opts into Unicode with `(?u)`. This keeps boundaries right on binary data.
fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

fn parse(field: &str, re: &str) -> Result<Hir, String> {
    check_verbose_class_space(field, re)?;
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(re)
        .map_err(|e| {
            format!(
                "field `{field}`: bad regex: {}",
                last_error_line(&e.to_string())
            )
        })
}

fn compile_one(field: &str, re: &str) -> Result<regex::bytes::Regex, String> {
    check_verbose_class_space(field, re)?;
    regex::bytes::RegexBuilder::new(re)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            format!(
                "field `{field}`: bad regex {re:?}: {}",
                last_error_line(&e.to_string())
            )
        })
}

fn compile_regexes(field: &str, res: &[String]) -> Result<Vec<regex::bytes::Regex>, String> {
    res.iter().map(|re| compile_one(field, re)).collect()
}

/// In verbose mode (`x` flag) the regex crate ignores whitespace even inside `[...]`, so
/// `[ \t]` silently means `[\t]`. Reject that instead of matching less than the author meant.
fn check_verbose_class_space(field: &str, re: &str) -> Result<(), String> {
    let verbose = re.match_indices("(?").any(|(i, _)| {
        let flags: String = re[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .collect();
        flags.split('-').next().is_some_and(|on| on.contains('x'))
    });
    if !verbose {
        return Ok(());
    }
    let (mut in_class, mut escaped) = (false, false);
    for c in re.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '[') => in_class = true,
            (false, ']') => in_class = false,
            (false, ' ') if in_class => {
                return Err(format!(
                    "field `{field}`: a space inside [...] is ignored in verbose mode (x flag); write \\x20"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// regex error messages span several lines with a caret diagram; keep the last, telling line.
fn last_error_line(msg: &str) -> String {
    msg.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(msg)
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

/// Literal prefixes of the secret that every match starts with, when they are few and long
/// enough to be selective; otherwise none (the pattern then runs on whole blobs).
fn derive_keywords(hir: &Hir) -> Vec<String> {
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    let Some(lits) = seq.literals() else {
        return Vec::new();
    };
    if lits.is_empty() || lits.iter().any(|l| l.as_bytes().len() < MIN_KEYWORD_LEN) {
        return Vec::new();
    }
    let words = lowercase_unique(
        lits.iter()
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned()),
    );
    if words.len() > MAX_DERIVED_KEYWORDS {
        return Vec::new();
    }
    words
}

fn lowercase_unique(words: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = words.map(|w| w.to_ascii_lowercase()).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile_now(spec: PatternSpec, source: &str) -> Result<Pattern, String> {
        compile(spec, source, Origin::File)
    }

    fn spec(secret: &str) -> PatternSpec {
        toml::from_str(&format!(
            "id = 'test.one'\nname = 'Test'\nseverity = 'high'\nsecret = '''{secret}'''"
        ))
        .unwrap()
    }

    fn with_call(pair: &str, call: &str) -> Result<Pattern, String> {
        let text = format!(
            "id = 'test.one'\nname = 'Test'\nseverity = 'high'\nsecret = 'tk_[0-9a-f]{{32}}'\n{pair}\n[verify]\n{call}"
        );
        compile_now(toml::from_str(&text).unwrap(), "t")
    }

    #[test]
    fn provider_calls_are_checked_at_load() {
        let good = "api_url = 'https://api.example.com'\nmethod = 'GET'\npath = '/keys/{pair}'\nheaders = { Authorization = 'Bearer {secret}' }\nsuccess = [200]";
        assert!(with_call("pair = 'test.id'", good).is_ok());
        let cases = [
            (
                "",
                good,
                "`verify`: `{pair}` is used but the pattern has no `pair`",
            ),
            (
                "pair = 'test.id'",
                &good.replace("https://api", "http://api"),
                "`verify`: api_url \"http://api.example.com\" is not an https:// URL",
            ),
            (
                "pair = 'test.id'",
                &good.replace("'GET'", "'TRACE'"),
                "`verify`: method \"TRACE\" is not GET, POST, DELETE, PUT or PATCH",
            ),
            (
                "pair = 'test.id'",
                &good.replace("[200]", "[]"),
                "`verify`: `success` lists no HTTP status",
            ),
            (
                "pair = 'test.id'",
                &good.replace("{secret}", "{token}"),
                "`verify`: unknown placeholder {token} in \"Bearer {token}\"",
            ),
        ];
        for (pair, call, want) in cases {
            assert_eq!(with_call(pair, call).unwrap_err(), want);
        }
    }

    #[test]
    fn derives_keywords_from_literal_prefixes() {
        let p = compile_now(spec("(?:ghp|gho)_[A-Za-z0-9]{36}"), "t").unwrap();
        assert_eq!(p.keywords, vec!["gho_", "ghp_"]);
        assert!(p.keywords_derived);
    }

    #[test]
    fn no_keywords_when_prefix_is_not_selective() {
        let p = compile_now(spec("[0-9a-f]{32}"), "t").unwrap();
        assert!(p.keywords.is_empty());
    }

    #[test]
    fn case_insensitive_prefix_collapses_to_one_keyword() {
        let p = compile_now(spec("(?i)abcd[0-9]{4}"), "t").unwrap();
        assert_eq!(p.keywords, vec!["abcd"]);
    }

    #[test]
    fn window_covers_the_longest_match() {
        let p = compile_now(spec("SCW[A-Z0-9]{17}"), "t").unwrap();
        assert_eq!(p.window(), 1 + 20 + 1);
        let p = compile_now(spec("eyJ[a-z]*"), "t").unwrap();
        assert_eq!(p.window(), UNBOUNDED_WINDOW);
    }

    #[test]
    fn rejects_bad_input_with_the_field_named() {
        let err = compile_now(spec("(unclosed"), "t").unwrap_err();
        assert!(err.contains("field `secret`"), "{err}");
        let err = compile_now(spec("a*"), "t").unwrap_err();
        assert!(err.contains("empty string"), "{err}");
        let mut s = spec("abc");
        s.id = "NoDot".into();
        assert!(compile_now(s, "t").unwrap_err().contains("provider.kind"));
    }

    #[test]
    fn rejects_a_space_in_a_class_in_verbose_mode() {
        let mut s = spec("abc[0-9]{4}");
        s.before = Some(r"(?xi) key [ \t]* = ".into());
        let err = compile_now(s.clone(), "t").unwrap_err();
        assert!(
            err.contains("field `before`") && err.contains("verbose mode"),
            "{err}"
        );
        s.before = Some(r"(?xi) key [\x20\t]* = ".into());
        compile_now(s.clone(), "t").unwrap();
        s.before = Some(r"key[ \t]*= ".into());
        compile_now(s, "t").expect("without the x flag a space in a class is a space");
    }

    #[test]
    fn caps_the_context_window() {
        let mut s = spec("abc[0-9]{4}");
        s.context = Some("acme".into());
        s.context_window = Some(MAX_CONTEXT_WINDOW);
        compile_now(s.clone(), "t").expect("the cap itself is allowed");
        s.context_window = Some(MAX_CONTEXT_WINDOW + 1);
        assert_eq!(
            compile_now(s, "t").unwrap_err(),
            "context_window 4097 is over the limit of 4096 bytes"
        );
    }

    #[test]
    fn rejects_a_regex_that_would_blow_up() {
        let err = compile_now(spec(r"(?:\w{1000}){1000}abc"), "t").unwrap_err();
        assert!(
            err.contains("does not compile") || err.contains("size"),
            "{err}"
        );
    }
}
