//! Runs every pattern's own examples through the whole engine (prefilter, regex, boundaries,
//! post-checks), so a misspelt keyword or an over-strict entropy threshold fails as surely as a
//! wrong regex.

use crate::engine::Engine;
use std::fmt;

/// One way a pattern's examples disagree with what the engine finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub file: String,
    pub id: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Positive example number N (1-based) produced no finding of this pattern.
    Missed(usize),
    /// Negative example number N (1-based) produced a finding of this pattern.
    FalseAlarm(usize),
    /// The pattern has no positive example.
    NoExamples,
    /// The pattern has no negative example.
    NoNegativeExamples,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: pattern `{}`: ", self.file, self.id)?;
        match self.problem {
            Problem::Missed(n) => write!(f, "example {n} produces no finding of this pattern"),
            Problem::FalseAlarm(n) => {
                write!(f, "negative example {n} produces a finding of this pattern")
            }
            Problem::NoExamples => write!(f, "has no `examples`"),
            Problem::NoNegativeExamples => write!(f, "has no `negative_examples`"),
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
        if which == Which::NotBuiltin && pattern.builtin {
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
        if require_examples && pattern.spec.examples.is_empty() {
            failures.push(fail(Problem::NoExamples));
        }
        if require_examples && pattern.spec.negative_examples.is_empty() {
            failures.push(fail(Problem::NoNegativeExamples));
        }
        for (n, text) in pattern.spec.examples.iter().enumerate() {
            if !finds(text) {
                failures.push(fail(Problem::Missed(n + 1)));
            }
        }
        for (n, text) in pattern.spec.negative_examples.iter().enumerate() {
            if finds(text) {
                failures.push(fail(Problem::FalseAlarm(n + 1)));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern;

    fn builtin_engine() -> Engine {
        Engine::new(pattern::builtin().expect("built-in patterns should load")).unwrap()
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
            assert!(
                p.spec.examples.len() >= 2,
                "{}: fewer than 2 examples",
                p.id
            );
            assert!(
                p.spec.negative_examples.len() >= 2,
                "{}: fewer than 2 negative examples",
                p.id
            );
        }
    }

    /// An unbounded regex gets a 16 KiB window around every keyword hit: on a common keyword
    /// that is most of every file. Only formats that are unbounded by nature may be.
    #[test]
    fn builtin_patterns_have_bounded_windows() {
        let unbounded_by_design = ["scalr.token", "private_key.", "putty."];
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
            for example in &p.spec.examples {
                let lower = example.to_ascii_lowercase();
                assert!(
                    p.keywords.iter().any(|k| lower.contains(k.as_str())),
                    "{}: no keyword in {example:?}",
                    p.id
                );
            }
        }
    }
}
