//! The match engine: prefilter → regex on windows → boundaries → post-checks.
//!
//! Built once from all patterns and shared read-only by every thread (`Engine: Sync`); the
//! regexes keep their scratch space in internal per-thread pools.

mod build;
pub mod checks;
mod entropy;
mod keyword_dfa;
#[cfg(test)]
mod keyword_oracle;
mod keyword_table;
mod named;
mod prefilter;
mod spans;

pub use build::Rules;
pub use entropy::shannon_entropy;
pub use spans::Spans;

use crate::decode::Triggers;
use crate::pattern::Pattern;
use checks::Verdict;
use prefilter::Prefilter;
use regex_automata::{Anchored, Input, Span};
use std::ops::Range;

/// All patterns, compiled, with their shared prefilter.
#[derive(Debug)]
pub struct Engine {
    patterns: Vec<Pattern>,
    prefilter: Prefilter,
}

/// One secret found: which pattern, and where the secret (without its boundaries) lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub pattern: usize,
    pub secret: Range<usize>,
    /// A format check with `on_fail = "low"` failed: the finding is reported at low confidence.
    pub low_confidence: bool,
}

impl Engine {
    pub fn new(mut patterns: Vec<Pattern>) -> Self {
        // Each named pattern knows every built-in provider's phrases: a value named for another
        // provider is not its own, however near its provider is named. Built-in only: a config
        // found in a scanned tree must not take names away from the built-in patterns.
        // Not those whose APIs others speak: `AWS_SECRET_ACCESS_KEY` holds a Backblaze or
        // Wasabi key for an S3 client, `OPENAI_API_KEY` a Groq key for an OpenAI client.
        const SPOKEN_BY_OTHERS: &[&str] = &["aws", "openai"];
        let all = std::sync::Arc::new(crate::pattern::names::ProviderIndex::new(
            patterns
                .iter()
                .filter(|p| p.is_builtin() && !SPOKEN_BY_OTHERS.contains(&p.provider.as_str()))
                .filter_map(|p| p.names())
                .flat_map(|n| n.providers.iter()),
        ));
        for pattern in &mut patterns {
            pattern.set_all_providers(&all);
        }
        let prefilter = Prefilter::build(&patterns);
        Engine {
            patterns,
            prefilter,
        }
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Every secret in `hay`, ordered by position then pattern.
    pub fn scan(&self, hay: &[u8]) -> Vec<Match> {
        self.scan_with_triggers(hay).0
    }

    /// [`Engine::scan`], and which decoders the bytes may need (found in the same pass).
    pub fn scan_with_triggers(&self, hay: &[u8]) -> (Vec<Match>, Triggers) {
        let mut found = Vec::new();
        let (windows, triggers) = self.prefilter.windows(&self.patterns, hay);
        // Windows come sorted by pattern: one captures buffer per pattern, made only when the
        // pattern first matches (most windows hold no secret).
        let mut caps: Option<(usize, regex_automata::util::captures::Captures)> = None;
        // Spans a specific pattern claims: its matches, and those of a built-in pattern that
        // only its format checks refused (a `ghp_` token with a bad checksum is GitHub's, not a
        // generic key). A pattern from a file or a config claims only what it reports: one from a
        // scanned tree's config must not silence the generic rules without a finding of its own.
        let mut claimed: Vec<Range<usize>> = Vec::new();
        for window in windows {
            let pattern = &self.patterns[window.pattern];
            let confirm = pattern.confirm();
            if !confirm.may_match(&hay[window.range.clone()]) {
                continue;
            }
            let mut at = window.range.start;
            while at < window.range.end {
                let input = Input::new(hay).range(at..window.range.end);
                // A plain search first (the lazy DFA alone); captures only for a real match.
                let Some(whole) = confirm.regex.search(&input) else {
                    break;
                };
                let caps = match &mut caps {
                    Some((p, c)) if *p == window.pattern => c,
                    slot => {
                        &mut slot
                            .insert((window.pattern, confirm.regex.create_captures()))
                            .1
                    }
                };
                let exact = input.clone().range(whole.range()).anchored(Anchored::Yes);
                confirm.regex.search_captures(&exact, caps);
                let Some(span) = caps.get_group(confirm.secret_group) else {
                    break;
                };
                let (context_ok, verdict) = passes_checks(pattern, hay, span);
                let refused_format = context_ok && verdict == Verdict::Fail;
                if !pattern.yields()
                    && (verdict != Verdict::Fail || (refused_format && pattern.is_builtin()))
                {
                    claimed.push(span.range());
                }
                if verdict != Verdict::Fail {
                    found.push(Match {
                        pattern: window.pattern,
                        secret: span.range(),
                        low_confidence: verdict == Verdict::Low,
                    });
                }
                // Resume at the secret's end, not the match's: the delimiter that closed this
                // secret may open the next one (`KEY1,KEY2`). A named value whose candidate was
                // not named may hide inside it: an alphabet with `_` or `=` matches all of
                // `DB_PASSWORD=s3cr3t`, so the search resumes just after its start instead.
                at = match verdict {
                    Verdict::Fail if pattern.names().is_some() => {
                        next_value_start(hay, span.start + 1, span.end)
                    }
                    _ => span.end,
                }
                .max(at + 1);
            }
        }
        // A generic rule yields to a specific one: the same value is reported once, by its
        // provider's pattern (or not at all, when that pattern's checks refused it).
        let yields = |m: &Match| self.patterns[m.pattern].yields();
        if !claimed.is_empty() && found.iter().any(yields) {
            let claimed = Spans::new(claimed);
            found.retain(|m| !yields(m) || !claimed.overlaps(&m.secret));
        }
        found.sort_unstable_by_key(|m| (m.secret.start, m.pattern, m.secret.end));
        (found, triggers)
    }
}

/// must_match, must_not_match, entropy, context and names: the checks a regex cannot express;
/// then the pattern's format checks (a checksum, a token's structure: `checks::verdict`).
/// Where to search again for the first position from `from` (up to `end`) right after a byte
/// that opens a value (`=`, `:`,
/// a quote, a space, `,`, `(`, `>`, `[`, `{`): where a value hidden in a longer candidate may
/// start. Positions after `_`, `-` or `.` are inside a name, not at a value.
fn next_value_start(hay: &[u8], from: usize, end: usize) -> usize {
    // The search resumes at the opening byte itself: the pattern's `before` boundary must see it.
    (from..end)
        .find(|&i| named::OPENS_VALUE.contains(&hay[i - 1]))
        .map_or(end, |i| i - 1)
}

/// Returns whether the checks before the format checks passed, and the verdict.
fn passes_checks(pattern: &Pattern, hay: &[u8], span: Span) -> (bool, Verdict) {
    let secret = &hay[span.range()];
    if pattern
        .names()
        .is_some_and(|names| !named::could_be_named(names, hay, &span.range()))
    {
        return (false, Verdict::Fail);
    }
    let named = || {
        pattern
            .names()
            .is_none_or(|names| named::is_named(names, hay, span.range()))
    };
    // A generic rule's name is on the value's line, quick to read, and most candidates have
    // none: asked first, before the regexes. Other names may be looked for lines around.
    let generic = pattern.yields();
    let checks = pattern.checks();
    let cheap = (!generic || named())
        && checks.must_match.iter().all(|re| re.is_match(secret))
        && !checks.must_not_match.iter().any(|re| re.is_match(secret))
        && (pattern.min_entropy <= 0.0 || shannon_entropy(secret) >= pattern.min_entropy)
        && checks
            .context
            .as_ref()
            .zip(pattern.context_reach)
            .is_none_or(|(re, reach)| {
                let start = span.start.saturating_sub(reach);
                let end = span.end.saturating_add(reach).min(hay.len());
                re.is_match(&hay[start..end])
            })
        && (generic || named())
        && (pattern.public_near().is_empty()
            || !named::public_near(pattern.public_near(), hay, span.range()));
    if cheap {
        (true, checks::verdict(&pattern.format_checks, secret))
    } else {
        (false, Verdict::Fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::parse_file;

    fn engine(toml: &str) -> Engine {
        Engine::new(parse_file("t.toml", toml).unwrap())
    }

    const KEY: &str =
        "[[patterns]]\nid = 't.key'\nname = 'K'\nseverity = 'low'\nsecret = 'tk_[a-z0-9]{8}'\n";

    fn secrets(e: &Engine, hay: &[u8]) -> Vec<String> {
        e.scan(hay)
            .iter()
            .map(|m| String::from_utf8_lossy(&hay[m.secret.clone()]).into_owned())
            .collect()
    }

    #[test]
    fn a_keyword_repeated_a_million_times_yields_one_window_and_the_real_secret() {
        let e = engine(KEY);
        let mut hay = "tk_".repeat(1_000_000).into_bytes();
        hay.extend_from_slice(b" tk_a1b2c3d4 ");
        let (windows, _) = e.prefilter.windows(e.patterns(), &hay);
        assert_eq!(windows.len(), 1);
        assert_eq!(secrets(&e, &hay), vec!["tk_a1b2c3d4"]);
    }

    #[test]
    fn secrets_at_the_very_start_and_end_of_input() {
        let e = engine(KEY);
        assert_eq!(secrets(&e, b"tk_a1b2c3d4"), vec!["tk_a1b2c3d4"]);
        assert_eq!(
            secrets(&e, b"tk_a1b2c3d4,tk_e5f6g7h8"),
            vec!["tk_a1b2c3d4", "tk_e5f6g7h8"]
        );
        assert_eq!(secrets(&e, b"tk_a1b2c3d4tk_e5f6g7h8"), Vec::<String>::new());
    }

    #[test]
    fn a_pattern_without_keywords_runs_on_the_whole_blob() {
        let e = engine(
            "[[patterns]]\nid = 't.hex'\nname = 'H'\nseverity = 'low'\nsecret = '[0-9a-f]{12}'\n",
        );
        assert!(e.patterns()[0].keywords.is_empty());
        assert_eq!(secrets(&e, b"x = 'a1b2c3d4e5f6'"), vec!["a1b2c3d4e5f6"]);
    }

    #[test]
    fn a_value_named_for_another_provider_is_not_this_ones_unless_others_speak_its_api() {
        let named = |id: &str, provider: &str| {
            format!(
                "[[patterns]]\nid = '{id}'\nname = 'N'\nseverity = 'low'\nsecret = '[A-Za-z0-9]{{24}}'\nnames = {{ provider = ['{provider}'] }}\n"
            )
        };
        // As built-in patterns: only those take a name away from another.
        let text = format!(
            "{}{}{}",
            named("acme.key", "acme"),
            named("sentry.key", "sentry"),
            named("aws.key", "aws")
        );
        let builtin = crate::pattern::parse("t.toml", &text, crate::pattern::Origin::BuiltIn);
        let e = Engine::new(builtin.unwrap());
        let found = |text: &str| -> Vec<String> {
            e.scan(text.as_bytes())
                .iter()
                .map(|m| e.patterns()[m.pattern].id.clone())
                .collect()
        };
        let v = "Qm7vLt2pWz9KdR4xNc8bYh3J";
        assert_eq!(found(&format!("# acme\nTOKEN={v}\n")), ["acme.key"]);
        assert_eq!(found(&format!("# acme\nSENTRY_KEY={v}\n")), ["sentry.key"]);
        assert_eq!(
            found(&format!("# acme, S3-compatible\nAWS_SECRET_KEY={v}\n")),
            ["acme.key", "aws.key"]
        );
    }

    #[test]
    fn post_checks_reject_placeholders_and_require_context() {
        let e = engine(&format!(
            "{KEY}min_entropy = 2.0\nmust_not_match = ['0000']\ncontext = 'acme'\ncontext_window = 20\n"
        ));
        assert_eq!(secrets(&e, b"acme tk_a1b2c3d4"), vec!["tk_a1b2c3d4"]);
        assert!(secrets(&e, b"acme tk_aaaaaaaa").is_empty(), "low entropy");
        assert!(
            secrets(&e, b"acme tk_0000a1b2").is_empty(),
            "must_not_match"
        );
        let far = format!("acme{}tk_a1b2c3d4", " ".repeat(40));
        assert!(secrets(&e, far.as_bytes()).is_empty(), "context too far");
    }
}
