//! Tests' reference for the keyword searchers: the `aho-corasick` crate's overlapping,
//! ASCII case-insensitive search, and hits sorted the same way for comparing.

use aho_corasick::{AhoCorasickBuilder, MatchKind};
use std::ops::Range;

pub(super) type Hits = Vec<(usize, Range<usize>)>;

/// The hits a searcher reports through `search`, sorted by start, end and keyword.
pub(super) fn sorted_hits(search: impl FnOnce(&mut dyn FnMut(usize, Range<usize>))) -> Hits {
    let mut hits = Vec::new();
    search(&mut |id, range| hits.push((id, range)));
    hits.sort_by_key(|(id, r)| (r.start, r.end, *id));
    hits
}

/// What the `aho-corasick` crate finds, sorted as [`sorted_hits`].
pub(super) fn automaton_hits(words: &[&str], hay: &[u8]) -> Hits {
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(words)
        .unwrap();
    sorted_hits(|hit| {
        for m in ac.find_overlapping_iter(hay) {
            hit(m.pattern().as_usize(), m.range());
        }
    })
}

/// Distinct keywords of a small alphabet (with a two-byte letter), so that they overlap often.
pub(super) fn keyword_sets() -> impl proptest::strategy::Strategy<Value = Vec<String>> {
    use proptest::strategy::Strategy;
    proptest::collection::btree_set("[a-c_Ä]{1,6}", 1..20).prop_map(|set| set.into_iter().collect())
}

/// Bytes up to `max` long, mostly the keywords' own letters in either case.
pub(super) fn haystacks(max: usize) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    proptest::collection::vec(
        prop_oneof![Just(b'a'), Just(b'B'), Just(b'c'), Just(b'_'), any::<u8>()],
        0..max,
    )
}
