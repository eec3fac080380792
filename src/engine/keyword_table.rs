//! Keyword search that costs almost nothing to build: every keyword indexed by a hash of its first
//! three bytes, looked up at each position of the haystack. It answers until the keyword DFA is
//! worth building and built (on another thread), so a one-file scan (a pre-commit hook's) never
//! waits for an automaton: building an Aho-Corasick NFA over ~4,000 keywords took 9 ms of a 34 ms
//! run.

use std::ops::Range;

/// Keywords at least this long are indexed by their first bytes; shorter ones (only a user's
/// pattern has them: derived and built-in keywords are longer) are tried at every position.
const INDEXED: usize = 3;
/// Buckets of the three-byte hash: a bit each in an 8 KiB bitmap that stays in L1 cache.
const BUCKET_BITS: u32 = 16;

/// Keywords matched ASCII case-insensitively, every occurrence reported, as the prefilter's
/// automaton reports them.
#[derive(Debug)]
pub(crate) struct KeywordTable {
    /// Whether any keyword's first three bytes hash to the bucket.
    occupied: Vec<u64>,
    /// `entries[starts[b]..starts[b + 1]]` are the keywords of bucket `b`.
    starts: Vec<u32>,
    entries: Vec<u32>,
    /// Keywords shorter than [`INDEXED`].
    short: Vec<u32>,
    /// Lowercase keywords, indexed by keyword id.
    words: Vec<Box<[u8]>>,
}

fn bucket(a: u8, b: u8, c: u8) -> usize {
    let key = u32::from_le_bytes([
        a.to_ascii_lowercase(),
        b.to_ascii_lowercase(),
        c.to_ascii_lowercase(),
        0,
    ]);
    (key.wrapping_mul(0x9E37_79B1) >> (32 - BUCKET_BITS)) as usize
}

impl KeywordTable {
    pub fn new<W: AsRef<[u8]>>(words: &[W]) -> Self {
        let buckets = 1usize << BUCKET_BITS;
        let mut of_bucket = Vec::with_capacity(words.len());
        let mut counts = vec![0u32; buckets + 1];
        let mut short = Vec::new();
        for (id, word) in words.iter().enumerate() {
            match word.as_ref() {
                w if w.len() < INDEXED => short.push(id as u32),
                w => {
                    let b = bucket(w[0], w[1], w[2]);
                    of_bucket.push((id, b));
                    counts[b + 1] += 1;
                }
            }
        }
        let mut starts = counts;
        for b in 0..buckets {
            starts[b + 1] += starts[b];
        }
        let mut next = starts.clone();
        let mut entries = vec![0u32; of_bucket.len()];
        let mut occupied = vec![0u64; buckets / 64];
        for &(id, b) in &of_bucket {
            entries[next[b] as usize] = id as u32;
            next[b] += 1;
            occupied[b / 64] |= 1 << (b % 64);
        }
        KeywordTable {
            occupied,
            starts,
            entries,
            short,
            words: words
                .iter()
                .map(|w| w.as_ref().to_ascii_lowercase().into_boxed_slice())
                .collect(),
        }
    }

    /// Calls `hit(keyword id, range)` for every occurrence of every keyword, in order of start.
    pub fn for_each_hit(&self, hay: &[u8], mut hit: impl FnMut(usize, Range<usize>)) {
        let mut try_word = |id: u32, i: usize| {
            let word = &self.words[id as usize];
            let end = i + word.len();
            if end <= hay.len() && hay[i..end].eq_ignore_ascii_case(word) {
                hit(id as usize, i..end);
            }
        };
        for i in 0..hay.len() {
            for &id in &self.short {
                try_word(id, i);
            }
            let Some(&[a, b, c]) = hay.get(i..i + INDEXED) else {
                continue;
            };
            let b = bucket(a, b, c);
            if self.occupied[b / 64] & (1 << (b % 64)) == 0 {
                continue;
            }
            for &id in &self.entries[self.starts[b] as usize..self.starts[b + 1] as usize] {
                try_word(id, i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::keyword_oracle::{
        automaton_hits, haystacks, keyword_sets, sorted_hits, Hits,
    };
    use super::*;
    use proptest::prelude::*;

    fn table_hits(words: &[&str], hay: &[u8]) -> Hits {
        sorted_hits(|hit| KeywordTable::new(words).for_each_hit(hay, hit))
    }

    #[test]
    fn finds_overlapping_keywords_in_any_case_at_the_edges() {
        let words = ["token", "tok", "oken_x", "api"];
        let hay = b"TOKEN_X apI tok";
        assert_eq!(
            table_hits(&words, hay),
            vec![(1, 0..3), (0, 0..5), (2, 1..7), (3, 8..11), (1, 12..15)]
        );
        assert!(table_hits(&words, b"to").is_empty());
    }

    #[test]
    fn finds_keywords_too_short_to_index_everywhere() {
        let words = ["ab", "x", "abc"];
        assert_eq!(
            table_hits(&words, b"xAbC ab"),
            vec![(1, 0..1), (0, 1..3), (2, 1..4), (0, 5..7)]
        );
    }

    proptest! {
        // The table stands in for the automaton: the same hits, whatever the words and bytes.
        #[test]
        fn reports_exactly_the_automatons_hits(
            words in keyword_sets(),
            hay in haystacks(200),
        ) {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            prop_assert_eq!(table_hits(&words, &hay), automaton_hits(&words, &hay));
        }
    }
}
