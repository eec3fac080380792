//! What every match of a regex holds, to skip the windows that cannot hold one: the longest run
//! of one byte class (`[A-Za-z0-9/+]{40}` holds 40 such bytes in a row), found by looking at a
//! few of the window's bytes where the regex reads every one, and its plain literals (the `@` of
//! a password in a URL), found by a SIMD search. Named patterns'
//! windows are wide (a provider's name may be lines away from its value), and `aws` is on
//! most lines of an AWS SDK: this saves the regex most of them.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shorter runs are not worth a pass: most windows hold one.
const MIN_RUN: u32 = 16;

/// At least `len` bytes in a row, each of `class`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    class: [bool; 256],
    len: usize,
}

impl Run {
    /// The run every match of `hir` holds, when it has one of at least [`MIN_RUN`] bytes:
    /// the longest repetition of a byte class among the parts every match goes through.
    pub fn required_by(hir: &Hir) -> Option<Run> {
        match hir.kind() {
            HirKind::Repetition(rep) if rep.min >= MIN_RUN => Some(Run {
                class: byte_class(&rep.sub)?,
                len: rep.min as usize,
            }),
            HirKind::Capture(capture) => Run::required_by(&capture.sub),
            HirKind::Concat(parts) => parts
                .iter()
                .filter_map(Run::required_by)
                .max_by_key(|run| run.len),
            _ => None,
        }
    }

    /// Whether `hay` holds the run. Looks at the last byte a run starting at `start` would
    /// need first: outside the class, no run can cover it, and the search jumps past it.
    pub fn is_in(&self, hay: &[u8]) -> bool {
        // hay[start..checked] is known to be of the class.
        let (mut start, mut checked) = (0, 0);
        while start + self.len <= hay.len() {
            let end = start + self.len;
            match (checked.max(start)..end)
                .rev()
                .find(|&i| !self.class[usize::from(hay[i])])
            {
                None => return true,
                Some(outside) => (start, checked) = (outside + 1, end),
            }
        }
        false
    }
}

/// The literals every match of `hir` holds (its top-level parts that are plain literals, such as
/// the `@` of a URL's user information): a window without one of them cannot hold a match.
pub(crate) fn required_literals(hir: &Hir) -> Vec<Box<[u8]>> {
    match hir.kind() {
        HirKind::Literal(literal) => vec![literal.0.clone()],
        HirKind::Capture(capture) => required_literals(&capture.sub),
        HirKind::Concat(parts) => parts.iter().flat_map(required_literals).collect(),
        _ => Vec::new(),
    }
}

/// The bytes a one-byte class matches (`unicode(false)` parses every class to bytes).
fn byte_class(hir: &Hir) -> Option<[bool; 256]> {
    let HirKind::Class(Class::Bytes(class)) = hir.kind() else {
        return None;
    };
    let mut bytes = [false; 256];
    for range in class.ranges() {
        for b in range.start()..=range.end() {
            bytes[usize::from(b)] = true;
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(re: &str) -> Hir {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(re)
            .unwrap()
    }

    fn run_of(re: &str) -> Option<Run> {
        Run::required_by(&parse(re))
    }

    #[test]
    fn finds_the_longest_required_run_of_a_class() {
        let run = run_of(r"(?:\A|[^A-Za-z])(?P<s>pat[a-z]{4}\.[a-f0-9]{64})(?:\z|[^a-z])").unwrap();
        assert_eq!(run.len, 64);
        assert!(run.class[usize::from(b'f')] && !run.class[usize::from(b'g')]);
        // Optional, alternative or short parts require nothing.
        assert_eq!(run_of(r"[a-z]{40}|[0-9]{40}"), None);
        assert_eq!(run_of(r"(?:[a-z]{40})?"), None);
        assert_eq!(run_of(r"[a-z]{15}"), None);
    }

    #[test]
    fn finds_the_literals_every_match_holds() {
        let url = r"(?:\A|[^a-z])(?i:https?)://[a-z]{1,9}:(?P<s>[a-z]{4,9})(?:@[a-z])";
        let hir = parse(&format!("{url}|x"));
        assert!(
            required_literals(&hir).is_empty(),
            "an alternative at the top"
        );
        let hir = parse(url);
        let found = required_literals(&hir);
        let found: Vec<&[u8]> = found.iter().map(|l| &l[..]).collect();
        assert_eq!(found, [&b"://"[..], b":", b"@"]);
    }

    #[test]
    fn tells_a_run_only_where_one_is_long_enough() {
        let run = run_of("[a-z]{16}").unwrap();
        assert!(run.is_in(b"  abcdefghijklmnop  "));
        assert!(run.is_in(b"abcdefghijklmnop"));
        assert!(!run.is_in(b"abcdefghijklmno. abcdefghijklmno"));
        assert!(!run.is_in(b"short"));
    }

    proptest! {
        // Exactly when the regex itself finds the run.
        #[test]
        fn agrees_with_the_regex(
            hay in proptest::collection::vec(
                prop_oneof![4 => Just(b'a'), 4 => Just(b'b'), 1 => Just(b' '), 1 => any::<u8>()],
                0..300,
            ),
            len in 16usize..40,
        ) {
            let re = format!("[ab]{{{len}}}");
            let regex = regex::bytes::Regex::new(&format!("(?-u){re}")).unwrap();
            prop_assert_eq!(run_of(&re).unwrap().is_in(&hay), regex.is_match(&hay));
        }
    }
}
