//! Runs every pattern's own examples through the whole engine (prefilter, regex, boundaries,
//! post-checks), so a misspelt keyword or an over-strict entropy threshold fails as surely as a
//! wrong regex. A pattern that declares the words naming its secret (`names`) is also tried in
//! every syntax of [`contexts`]: each secret its examples hold is written the ways people commit
//! it, named by the pattern's words, and must be found in each.

use crate::engine::Engine;
use crate::pattern::contexts::{self, Label};
use crate::pattern::Pattern;
use std::fmt;

/// One way a pattern's examples disagree with what the engine finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub file: String,
    pub id: String,
    pub problem: ExampleProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExampleProblem {
    /// Positive example number N (1-based) produced no finding of this pattern.
    Missed(usize),
    /// Negative example number N (1-based) produced a finding of this pattern.
    FalseAlarm(usize),
    /// The secret of example number N, written in this syntax and named by the pattern's
    /// `names`, produced no finding of this pattern.
    MissedInSyntax(usize, &'static str),
    /// The pattern has no positive example.
    NoExamples,
    /// The pattern has no negative example.
    NoNegativeExamples,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: pattern `{}`: ", self.file, self.id)?;
        match self.problem {
            ExampleProblem::Missed(n) => {
                write!(f, "example {n} produces no finding of this pattern")
            }
            ExampleProblem::FalseAlarm(n) => {
                write!(f, "negative example {n} produces a finding of this pattern")
            }
            ExampleProblem::MissedInSyntax(n, syntax) => write!(
                f,
                "the secret of example {n}, written as {syntax}, produces no finding of this pattern"
            ),
            ExampleProblem::NoExamples => write!(f, "has no `examples`"),
            ExampleProblem::NoNegativeExamples => write!(f, "has no `negative_examples`"),
        }
    }
}

/// Which patterns of an engine to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    All,
    /// Patterns from user files and configs (built-ins are checked by `cargo test`).
    NotBuiltin,
}

/// Checks the examples of `which` patterns of `engine` (the whole engine still runs, so keywords
/// and boundaries are tested as in a scan). With `require_examples`, a pattern without positive
/// or negative examples is a failure too.
pub fn run(engine: &Engine, which: Which, require_examples: bool) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for (index, pattern) in engine.patterns().iter().enumerate() {
        if which == Which::NotBuiltin && pattern.is_builtin() {
            continue;
        }
        let fail = |problem| ExampleFailure {
            file: pattern.source.clone(),
            id: pattern.id.clone(),
            problem,
        };
        let finds = |text: &String| {
            engine
                .scan(text.as_bytes())
                .iter()
                .any(|m| m.pattern == index)
        };
        if require_examples && pattern.examples().is_empty() {
            failures.push(fail(ExampleProblem::NoExamples));
        }
        if require_examples && pattern.negative_examples().is_empty() {
            failures.push(fail(ExampleProblem::NoNegativeExamples));
        }
        for (n, text) in pattern.examples().iter().enumerate() {
            if !finds(text) {
                failures.push(fail(ExampleProblem::Missed(n + 1)));
            }
        }
        for (n, text) in pattern.negative_examples().iter().enumerate() {
            if finds(text) {
                failures.push(fail(ExampleProblem::FalseAlarm(n + 1)));
            }
        }
        let Some(label) = label(pattern) else {
            continue;
        };
        for (n, text) in pattern.examples().iter().enumerate() {
            let secrets = engine
                .scan(text.as_bytes())
                .into_iter()
                .filter(|m| m.pattern == index)
                .map(|m| text.as_bytes()[m.secret].to_vec());
            for secret in secrets {
                let secret = String::from_utf8_lossy(&secret);
                for placed in contexts::place(&label.as_label(), &secret) {
                    if !tried_in(pattern, placed.syntax) {
                        continue;
                    }
                    let found = engine.scan(placed.text.as_bytes()).iter().any(|m| {
                        m.pattern == index
                            && placed.text.as_bytes()[m.secret.clone()] == *secret.as_bytes()
                    });
                    if !found {
                        failures.push(fail(ExampleProblem::MissedInSyntax(n + 1, placed.syntax)));
                    }
                }
            }
        }
    }
    failures
}

/// Syntaxes that name a secret by its provider alone (a client's constructor, a credential whose
/// description says what it is) or only in a sentence: a generic rule, which knows only kinds
/// and asks for an assignment, is not meant to find it there.
const NEED_A_PROVIDER: &[&str] = &["javascript_ctor", "jenkins_credentials", "prose_is"];

/// Whether a named pattern's secrets are tried in `syntax`: not where only the provider names
/// the value (a constructor) when the provider alone cannot name it, nor, for a generic rule,
/// where a provider is needed.
fn tried_in(pattern: &Pattern, syntax: &str) -> bool {
    match pattern.names() {
        Some(n) if n.is_generic() => !NEED_A_PROVIDER.contains(&syntax),
        Some(n) => n.provider_alone_names() || syntax != "javascript_ctor",
        None => true,
    }
}

/// The syntaxes the secrets of a pattern's examples are also tried in: every syntax of
/// [`contexts`] when the pattern has `names`, none otherwise.
pub fn syntaxes_tried(pattern: &Pattern) -> Vec<&'static str> {
    match label(pattern) {
        Some(label) => contexts::place(&label.as_label(), "v")
            .into_iter()
            .map(|p| p.syntax)
            .filter(|s| tried_in(pattern, s))
            .collect(),
        None => Vec::new(),
    }
}

/// The name a named pattern's secrets are written under: its first provider phrase and its
/// first kind word (`api key` for the default kinds).
struct OwnedLabel {
    provider: String,
    kind: String,
}

impl OwnedLabel {
    fn as_label(&self) -> Label<'_> {
        Label {
            provider: &self.provider,
            kind: &self.kind,
        }
    }
}

/// The provider and kind phrases a named pattern's secrets are written under (see [`label`]):
/// what the self-test and the accuracy benchmark name them with.
pub fn name_words(pattern: &Pattern) -> Option<(String, String)> {
    label(pattern).map(|l| (l.provider, l.kind))
}

fn label(pattern: &Pattern) -> Option<OwnedLabel> {
    let names = pattern.names()?;
    if names.near {
        return None; // named by what is near, not by a name: no syntax to write it in
    }
    let default = crate::pattern::names::DEFAULT_KINDS;
    let is_default = names.kinds.len() == default.len()
        && names
            .kinds
            .iter()
            .zip(default)
            .all(|(k, d)| k.words.len() == 1 && k.glued == *d);
    let kind = match names.kinds.first() {
        Some(k) if !is_default => k.words.join(" "),
        _ => "api key".to_string(),
    };
    Some(OwnedLabel {
        // A generic rule is tried under a name of its kind alone (`db password`).
        provider: match names.providers.first() {
            Some(p) => p.words.join(" "),
            None => "app".to_string(),
        },
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin_engine() -> Engine {
        let config = crate::config::Config::default();
        Engine::build(&crate::engine::Rules::builtin(&config), &|_| ())
            .expect("the built-in patterns should load")
    }

    /// A built-in provider call cites the page it follows; a verifier also names the JSON only a
    /// real answer holds, so that a page that answers 200 to anything is never `live`. Scaleway's
    /// 403 (a valid key without IAM rights) has no such field: its status alone is documented.
    #[test]
    fn builtin_provider_calls_cite_their_docs_and_a_live_shape() {
        for p in builtin_engine().patterns() {
            for (what, call) in [("verify", p.verify_call()), ("revoke", p.revoke_call())] {
                let Some(call) = call else { continue };
                let docs = call.docs.as_deref().unwrap_or_default();
                assert!(
                    docs.starts_with("https://"),
                    "{}: {what} cites no docs",
                    p.id
                );
                if what == "verify" && p.provider != "scaleway" {
                    assert!(
                        call.live_json.is_some(),
                        "{}: verify has no live_json",
                        p.id
                    );
                }
            }
        }
    }

    #[test]
    fn every_builtin_pattern_passes_its_own_examples() {
        let failures: Vec<String> = run(&builtin_engine(), Which::All, true)
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Issue 5: every built-in pattern has at least two examples and two negative examples.
    #[test]
    fn every_builtin_pattern_has_two_examples_of_each_kind() {
        for p in builtin_engine().patterns() {
            assert!(p.examples().len() >= 2, "{}: fewer than 2 examples", p.id);
            assert!(
                p.negative_examples().len() >= 2,
                "{}: fewer than 2 negative examples",
                p.id
            );
        }
    }

    /// An unbounded regex gets a 16 KiB window around every keyword hit: on a common keyword
    /// that is most of every file. Only formats that are unbounded by nature may be.
    #[test]
    fn builtin_patterns_have_bounded_windows() {
        let unbounded_by_design = ["scalr.token", "private_key.", "putty.", "ssh2.", "openvpn."];
        for p in builtin_engine().patterns() {
            if unbounded_by_design.iter().any(|id| p.id.starts_with(id)) {
                continue;
            }
            assert!(
                p.window() < 16 << 10,
                "{}: unbounded; bound every `*`, `+` and `\\s+`",
                p.id
            );
        }
    }

    /// A built-in without keywords would run its regex over every byte of every file.
    #[test]
    fn every_builtin_pattern_has_selective_keywords_found_in_its_examples() {
        for p in builtin_engine().patterns() {
            assert!(
                !p.keywords.is_empty(),
                "{}: no keywords (derive none, or write them)",
                p.id
            );
            assert!(
                p.keywords.iter().all(|k| k.len() >= 3),
                "{}: keyword shorter than 3",
                p.id
            );
            for example in p.examples() {
                let lower = example.to_ascii_lowercase();
                assert!(
                    p.keywords.iter().any(|k| lower.contains(k.as_str())),
                    "{}: no keyword in {example:?}",
                    p.id
                );
            }
        }
    }

    /// Words that fill ordinary code and prose. A keyword that is one of them, or a short keyword
    /// inside one, wakes its pattern on every file: the scan slows and a loose pattern misfires.
    const COMMON_WORDS: &str = "path pattern patch pass password passwd token secret key keys \
        monkey api auth author bearer user username login logout machine value data name type \
        string return function import export const self this class public private static void \
        new for http https url uri config client server host port file error time date test \
        testing live deliver task disk desk risk mask ask asked basket skeleton alaska skip sky \
        probably capably reliably notably suitably table tablet precision decision associate \
        special social official precious spacious delicious useful usage message request \
        response header body content context account access process success default setting \
        option example sample variable environment production staging session cookie signature \
        hash digest checksum encode decode base buffer bytes stream reader writer input output \
        result query param argument object array list map get put post delete update create \
        index item node tree parent child root admin manager service provider resource module \
        package library version release build target source script command shell cloud storage \
        bucket region zone cluster instance database column schema model view controller route \
        handler template render component state event listener callback promise thread lock \
        channel sender receiver queue worker job schedule timeout retry connect connection \
        socket network address email phone number count amount price payment customer order \
        product checkout billing subscription plan team member group role permission policy \
        scope grant flow step stage pipeline deploy artifact cache memory pointer reference \
        trait impl struct enum match regex search find replace format print debug info warn \
        trace log logger metric monitor alert dashboard chart compatible availability";

    /// Short keywords that do occur inside common words, kept because the format has no longer
    /// literal; each wake is rejected cheaply by the pattern's boundary or its long fixed tail.
    const ACCEPTED: &[(&str, &str)] = &[
        ("ably.api_key", "ably"), // `before` requires a word boundary: not "probably"
        ("airtable.personal_access_token", "pat"), // then 14 characters, a dot and 64 hex digits
        ("cratesio.api_token", "cio"), // then exactly 32 letters and digits
        ("twilio.api_key_sid", "ska"), // SK + 32 hex, upper-case SK after a boundary
        ("twilio.api_key_sid", "ske"),
    ];

    #[test]
    fn builtin_keywords_are_not_common_words() {
        let words: Vec<&str> = COMMON_WORDS.split_whitespace().collect();
        let mut offenders = Vec::new();
        for p in builtin_engine().patterns() {
            if p.id.starts_with("generic.") {
                continue; // off by default, and about common words by design
            }
            for k in &p.keywords {
                let common: Vec<&&str> = words
                    .iter()
                    .filter(|w| **w == k.as_str() || (k.len() <= 4 && w.contains(k.as_str())))
                    .collect();
                if !common.is_empty() && !ACCEPTED.contains(&(p.id.as_str(), k.as_str())) {
                    offenders.push(format!("{}: {k:?} (in {common:?})", p.id));
                }
            }
        }
        assert!(offenders.is_empty(), "common keywords: {offenders:#?}");
    }
}
