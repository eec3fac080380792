//! The match engine: prefilter → regex on windows → boundaries → post-checks.
//!
//! Built once from all patterns and shared read-only by every thread (`Engine: Sync`); the
//! regexes keep their scratch space in internal per-thread pools.

mod entropy;
mod prefilter;

pub use entropy::shannon_entropy;

use crate::pattern::Pattern;
use prefilter::Prefilter;
use regex_automata::{Input, Span};
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
}

impl Engine {
    /// # Errors
    /// Fails only when the keyword prefilter cannot be built (far too many keywords).
    pub fn new(patterns: Vec<Pattern>) -> Result<Self, String> {
        let prefilter = Prefilter::build(&patterns)?;
        Ok(Engine {
            patterns,
            prefilter,
        })
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Every secret in `hay`, ordered by position then pattern.
    pub fn scan(&self, hay: &[u8]) -> Vec<Match> {
        let mut found = Vec::new();
        for window in self.prefilter.windows(&self.patterns, hay) {
            let pattern = &self.patterns[window.pattern];
            let mut caps = pattern.regex.create_captures();
            let mut at = window.range.start;
            while at < window.range.end {
                let input = Input::new(hay).range(at..window.range.end);
                pattern.regex.search_captures(&input, &mut caps);
                let Some(span) = caps.get_group(pattern.secret_group) else {
                    break;
                };
                if passes_checks(pattern, hay, span) {
                    found.push(Match {
                        pattern: window.pattern,
                        secret: span.range(),
                    });
                }
                // Resume at the secret's end, not the match's: the delimiter that closed this
                // secret may open the next one (`KEY1,KEY2`).
                at = span.end.max(at + 1);
            }
        }
        found.sort_unstable_by_key(|m| (m.secret.start, m.pattern, m.secret.end));
        found
    }
}

/// must_match, must_not_match, entropy and context: the checks a regex cannot express.
fn passes_checks(pattern: &Pattern, hay: &[u8], span: Span) -> bool {
    let secret = &hay[span.range()];
    pattern.must_match.iter().all(|re| re.is_match(secret))
        && !pattern.must_not_match.iter().any(|re| re.is_match(secret))
        && (pattern.min_entropy <= 0.0 || shannon_entropy(secret) >= pattern.min_entropy)
        && pattern.context.as_ref().is_none_or(|(re, reach)| {
            let start = span.start.saturating_sub(*reach);
            let end = span.end.saturating_add(*reach).min(hay.len());
            re.is_match(&hay[start..end])
        })
}
