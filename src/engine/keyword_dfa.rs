//! The keyword pass over every byte: an Aho-Corasick DFA of all keywords (ASCII case folded),
//! walked over four parts of the haystack at once.
//!
//! One walk is a chain of dependent loads (each state's row is found from the last), so a core
//! waits on memory at every byte whatever the table's size: the `aho-corasick` crate's DFA ran at
//! about 3 ns a byte with 4,000 keywords, and at much the same with a tenth of them. Four walks
//! of independent parts, interleaved in one loop, let the core overlap those waits.

use std::ops::Range;

/// Parts walked at once.
const LANES: usize = 4;
/// Bytes of haystack walked per round of the four parts (their hits are kept until the round
/// ends, so that they are reported in order of the parts): bounds the hit buffers.
const ROUND: usize = 256 << 10;
/// Below this, one walk (splitting would cost more than it saves).
const SPLIT_ABOVE: usize = 4 << 10;

/// All keywords, every (overlapping) occurrence reported, ASCII case-insensitively.
#[derive(Debug)]
pub(crate) struct KeywordDfa {
    /// Byte → column: bytes that appear in no keyword share column 0; an uppercase ASCII letter
    /// shares its lowercase letter's.
    class: [u8; 256],
    /// Transitions, by row: `next[state + class[byte]]` is the next state. A state is the offset
    /// of its row (a multiple of the row length), so a step is one load and one add.
    next: Vec<u32>,
    /// States from this one on end at least one keyword.
    first_match: u32,
    /// For match state `s`, the keywords it ends are
    /// `ends[ends_start[i]..ends_start[i + 1]]` with `i = (s - first_match) / row`.
    ends: Vec<u32>,
    ends_start: Vec<u32>,
    row: u32,
    /// Keyword lengths, by keyword id.
    lens: Vec<u32>,
    /// The longest keyword: a part's walk goes on this far past its end, for the keywords that
    /// start in it.
    longest: usize,
}

impl KeywordDfa {
    /// # Errors
    /// An empty keyword, or more states than a `u32` can address.
    pub fn new<W: AsRef<[u8]>>(words: &[W]) -> Result<Self, String> {
        let words: Vec<Vec<u8>> = words
            .iter()
            .map(|w| w.as_ref().to_ascii_lowercase())
            .collect();
        if words.iter().any(Vec::is_empty) {
            return Err("a keyword is empty".into());
        }
        let mut class = [0u8; 256];
        let mut columns = 1usize;
        for &b in words.iter().flatten() {
            if class[usize::from(b)] == 0 {
                if columns > usize::from(u8::MAX) {
                    return Err("keywords use too many distinct bytes".into());
                }
                class[usize::from(b)] = columns as u8;
                columns += 1;
            }
        }
        for b in b'A'..=b'Z' {
            class[usize::from(b)] = class[usize::from(b.to_ascii_lowercase())];
        }
        // The trie: rows of `columns` children (NONE where there is no child yet).
        const NONE: u32 = u32::MAX;
        let mut trie: Vec<u32> = vec![NONE; columns];
        let mut own_ends: Vec<Vec<u32>> = vec![Vec::new()];
        for (id, word) in words.iter().enumerate() {
            let mut state = 0usize;
            for &b in word {
                let slot = state * columns + usize::from(class[usize::from(b)]);
                if trie[slot] == NONE {
                    trie[slot] = own_ends.len() as u32;
                    trie.resize(trie.len() + columns, NONE);
                    own_ends.push(Vec::new());
                }
                state = trie[slot] as usize;
            }
            own_ends[state].push(id as u32);
        }
        let states = own_ends.len();
        if states.saturating_mul(columns) >= u32::MAX as usize {
            return Err("too many keywords for one automaton".into());
        }
        // Breadth first: each state's failure (its longest proper suffix in the trie) is
        // shallower, so its row is complete when the state's is filled in from it.
        let mut fail = vec![0u32; states];
        let mut ends = own_ends;
        let mut queue = std::collections::VecDeque::new();
        for slot in &mut trie[..columns] {
            match *slot {
                NONE => *slot = 0,
                child => queue.push_back(child as usize),
            }
        }
        while let Some(state) = queue.pop_front() {
            let f = fail[state] as usize;
            if !ends[f].is_empty() {
                let inherited = ends[f].clone();
                ends[state].extend(inherited);
            }
            for c in 0..columns {
                let slot = state * columns + c;
                match trie[slot] {
                    NONE => trie[slot] = trie[f * columns + c],
                    child => {
                        fail[child as usize] = trie[f * columns + c];
                        queue.push_back(child as usize);
                    }
                }
            }
        }
        // Renumber: states that end keywords last, so one comparison tells a match.
        let mut order: Vec<usize> = (0..states).filter(|&s| ends[s].is_empty()).collect();
        let first_match = order.len();
        order.extend((0..states).filter(|&s| !ends[s].is_empty()));
        let mut new_of = vec![0u32; states];
        for (new, &old) in order.iter().enumerate() {
            new_of[old] = (new * columns) as u32;
        }
        let mut next = Vec::with_capacity(states * columns);
        let mut ends_flat = Vec::new();
        let mut ends_start = vec![0u32];
        for (new, &old) in order.iter().enumerate() {
            next.extend(
                trie[old * columns..(old + 1) * columns]
                    .iter()
                    .map(|&t| new_of[t as usize]),
            );
            if new >= first_match {
                ends_flat.extend(&ends[old]);
                ends_start.push(ends_flat.len() as u32);
            }
        }
        Ok(KeywordDfa {
            class,
            next,
            first_match: (first_match * columns) as u32,
            ends: ends_flat,
            ends_start,
            row: columns as u32,
            lens: words.iter().map(|w| w.len() as u32).collect(),
            longest: words.iter().map(Vec::len).max().unwrap_or(0),
        })
    }

    /// Calls `hit(keyword id, range)` for every occurrence of every keyword: in order of end
    /// within each part of the haystack, the parts in order.
    pub fn for_each_hit(&self, hay: &[u8], mut hit: impl FnMut(usize, Range<usize>)) {
        if hay.len() <= SPLIT_ABOVE {
            self.walk_one(hay, 0, hay.len(), &mut hit);
            return;
        }
        let mut found: [Vec<(u32, u32)>; LANES] = Default::default();
        let mut round_start = 0;
        while round_start < hay.len() {
            let round_end = (round_start + ROUND).min(hay.len());
            let part = (round_end - round_start).div_ceil(LANES);
            // Part k: keywords that start in [starts[k], starts[k + 1]), walked up to `stops[k]`.
            let starts: [usize; LANES + 1] =
                std::array::from_fn(|k| (round_start + k * part).min(round_end));
            let stops: [usize; LANES] =
                std::array::from_fn(|k| (starts[k + 1] + self.longest - 1).min(hay.len()));
            self.walk_parts(hay, &starts, &stops, &mut found);
            for (k, hits) in found.iter_mut().enumerate() {
                for &(state, end) in hits.iter() {
                    self.each_end(state, round_start + end as usize, |id, range| {
                        if range.start < starts[k + 1] {
                            hit(id, range);
                        }
                    });
                }
                hits.clear();
            }
            round_start = round_end;
        }
    }

    /// The four walks, interleaved while all of them have bytes left, then each to its stop.
    fn walk_parts(
        &self,
        hay: &[u8],
        starts: &[usize; LANES + 1],
        stops: &[usize; LANES],
        found: &mut [Vec<(u32, u32)>; LANES],
    ) {
        let together = (0..LANES).map(|k| stops[k] - starts[k]).min().unwrap_or(0);
        // Hits are kept as (state, offset from the round's start): a round is far below 4 GiB.
        let round = starts[0];
        let mut state = [0u32; LANES];
        for step in 0..together {
            for k in 0..LANES {
                let at = starts[k] + step;
                let s =
                    self.next[(state[k] + u32::from(self.class[usize::from(hay[at])])) as usize];
                state[k] = s;
                if s >= self.first_match {
                    found[k].push((s, (at - round) as u32));
                }
            }
        }
        for k in 0..LANES {
            let mut s = state[k];
            let from = starts[k] + together;
            for (at, &b) in (from..).zip(&hay[from..stops[k]]) {
                s = self.next[(s + u32::from(self.class[usize::from(b)])) as usize];
                if s >= self.first_match {
                    found[k].push((s, (at - round) as u32));
                }
            }
        }
    }

    /// One walk of `hay[start..stop]`, reporting as it goes.
    fn walk_one(
        &self,
        hay: &[u8],
        start: usize,
        stop: usize,
        hit: &mut impl FnMut(usize, Range<usize>),
    ) {
        let mut s = 0u32;
        for (at, &b) in hay.iter().enumerate().take(stop).skip(start) {
            s = self.next[(s + u32::from(self.class[usize::from(b)])) as usize];
            if s >= self.first_match {
                self.each_end(s, at, &mut *hit);
            }
        }
    }

    /// The keywords that match state `state` ends, the last byte of each at `end`.
    fn each_end(&self, state: u32, end: usize, mut hit: impl FnMut(usize, Range<usize>)) {
        let i = ((state - self.first_match) / self.row) as usize;
        for &id in &self.ends[self.ends_start[i] as usize..self.ends_start[i + 1] as usize] {
            let len = self.lens[id as usize] as usize;
            hit(id as usize, end + 1 - len..end + 1);
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

    fn dfa_hits(words: &[&str], hay: &[u8]) -> Hits {
        sorted_hits(|hit| KeywordDfa::new(words).unwrap().for_each_hit(hay, hit))
    }

    #[test]
    fn finds_overlapping_keywords_in_any_case() {
        let words = ["token", "tok", "oken_x", "api", "k"];
        assert_eq!(
            dfa_hits(&words, b"TOKEN_X apI tok"),
            vec![
                (1, 0..3),
                (0, 0..5),
                (2, 1..7),
                (4, 2..3),
                (3, 8..11),
                (1, 12..15),
                (4, 14..15)
            ]
        );
    }

    #[test]
    fn finds_keywords_across_the_parts_of_a_long_haystack_once() {
        // Long enough to be split into parts and rounds; a keyword at every boundary.
        let mut hay = vec![b'.'; 3 * ROUND + 12345];
        let mut planted = Vec::new();
        for at in (0..hay.len() - 16).step_by(997) {
            hay[at..at + 6].copy_from_slice(b"SeCrEt");
            planted.push(at);
        }
        for k in 1..=LANES {
            let at = (ROUND / LANES) * k - 3;
            hay[at..at + 6].copy_from_slice(b"secret");
            planted.push(at);
        }
        planted.sort_unstable();
        planted.dedup();
        let words = ["secret"];
        let hits = dfa_hits(&words, &hay);
        assert_eq!(hits, automaton_hits(&words, &hay));
        assert_eq!(hits.len(), planted.len());
    }

    #[test]
    fn refuses_an_empty_keyword() {
        assert!(KeywordDfa::new(&["ok", ""]).is_err());
    }

    proptest! {
        // The same hits as the `aho-corasick` crate, whatever the words and bytes, on haystacks
        // short (one walk) and long (four parts).
        #[test]
        fn reports_exactly_the_automatons_hits(
            words in keyword_sets(),
            hay in haystacks(12_000),
        ) {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            prop_assert_eq!(dfa_hits(&words, &hay), automaton_hits(&words, &hay));
        }
    }
}
