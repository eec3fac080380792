//! The first stage: one Aho-Corasick pass over the bytes for every pattern's keywords, turned into
//! a few windows per pattern where its regex is worth running.

use super::keyword_dfa::KeywordDfa;
use super::keyword_table::KeywordTable;
use super::named;
use crate::decode::{Triggers, DECODERS};
use crate::pattern::names::may_end_name;
use crate::pattern::Pattern;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once, OnceLock};

/// Bytes searched with the keyword table before the DFA is built: about what the table searches
/// in the time the DFA takes to build.
const DFA_AFTER: usize = 1 << 20;

/// Keywords of all patterns, searched in one pass, and which patterns each keyword wakes up.
#[derive(Debug)]
pub(crate) struct Prefilter {
    /// Built in well under a millisecond, searches real code at half the DFA's speed: used
    /// until `fast` is ready.
    quick: KeywordTable,
    /// The same keywords as a DFA (`keyword_dfa`): 10 ms of a core to build, so built only once
    /// [`DFA_AFTER`] bytes were searched, and on another thread: a pre-commit hook's scan never
    /// pays for it, and a folder scan switches to it when it is ready.
    fast: Arc<OnceLock<KeywordDfa>>,
    /// The keywords, for the DFA.
    words: Arc<[String]>,
    /// Bytes searched so far, to know when the DFA pays for itself.
    searched: AtomicUsize,
    /// Set when the DFA's build has started.
    dfa_started: Once,
    /// For each keyword (by id), the patterns that listed it.
    owners: Vec<Vec<usize>>,
    /// Patterns without keywords: they run over every whole blob.
    always: Vec<usize>,
    /// For each keyword, the decoders it may call for (a decoder's trigger words are found by
    /// the same pass as the keywords, so they cost no extra read of the bytes).
    trigger_bits: Vec<Triggers>,
}

/// A range of the haystack where one pattern's regex must run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    pub pattern: usize,
    pub range: Range<usize>,
}

impl Prefilter {
    pub fn build<'a>(patterns: &'a [Pattern]) -> Self {
        let mut words: Vec<&str> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut trigger_bits: Vec<Triggers> = Vec::new();
        // Each distinct word once, in order of first use.
        let mut index_of: HashMap<&str, usize> = HashMap::new();
        let mut slot = |word: &'a str| {
            *index_of.entry(word).or_insert_with(|| {
                words.push(word);
                owners.push(Vec::new());
                trigger_bits.push(Triggers::default());
                words.len() - 1
            })
        };
        let mut always = Vec::new();
        let mut owned = Vec::new();
        for (index, pattern) in patterns.iter().enumerate() {
            if pattern.keywords.is_empty() {
                always.push(index);
            }
            for word in &pattern.keywords {
                owned.push((slot(word), index));
            }
        }
        let mut triggered = Vec::new();
        for (index, decoder) in DECODERS.iter().enumerate() {
            for &word in decoder.trigger_words {
                triggered.push((slot(word), index));
            }
        }
        for (k, index) in owned {
            owners[k].push(index);
        }
        for (k, index) in triggered {
            trigger_bits[k] = trigger_bits[k].with(Triggers::of(index));
        }
        Prefilter {
            quick: KeywordTable::new(&words),
            fast: Arc::new(OnceLock::new()),
            words: words.iter().map(|w| w.to_string()).collect(),
            searched: AtomicUsize::new(0),
            dfa_started: Once::new(),
            owners,
            always,
            trigger_bits,
        }
    }

    /// The windows of `hay` each pattern must search, sorted by pattern then start, merged where
    /// they overlap so no byte is searched twice by one pattern.
    ///
    /// Hits arrive in order (of their end within each quarter of `hay` from `fast`, of their
    /// start from `quick`), so each pattern's windows are merged as they come: a file that
    /// repeats a keyword a million times still yields a few windows, not a million.
    pub fn windows(&self, patterns: &[Pattern], hay: &[u8]) -> (Vec<Window>, Triggers) {
        let mut triggers = Triggers::default();
        let mut done: Vec<Window> = self
            .always
            .iter()
            .map(|&pattern| Window {
                pattern,
                range: 0..hay.len(),
            })
            .collect();
        let mut open: Vec<Option<Range<usize>>> = Vec::new();
        let on_hit = |keyword: usize, hit: Range<usize>| {
            triggers = triggers.with(self.trigger_bits[keyword]);
            for &pattern in &self.owners[keyword] {
                let p = &patterns[pattern];
                // Most `token`s and `pass`es in code are not the end of a name
                // (`tokenizer`, `passed`): no window for a generic rule there.
                if p.kind_keywords && !may_end_name(hay, &hit) {
                    continue;
                }
                let reach = p.reach();
                let start = hit.start.saturating_sub(reach.before);
                let mut end = hit.end.saturating_add(reach.after).min(hay.len());
                if p.kind_keywords {
                    end = named::kind_word_reach(hay, hit.end, end);
                }
                if open.len() <= pattern {
                    open.resize(pattern + 1, None);
                }
                match &mut open[pattern] {
                    Some(last) if start <= last.end => {
                        last.start = last.start.min(start);
                        last.end = last.end.max(end);
                    }
                    slot => {
                        if let Some(range) = slot.replace(start..end) {
                            done.push(Window { pattern, range });
                        }
                    }
                }
            }
        };
        match self.fast.get() {
            Some(dfa) => dfa.for_each_hit(hay, on_hit),
            None => {
                self.quick.for_each_hit(hay, on_hit);
                self.count_toward_dfa(hay.len());
            }
        }
        let still_open = open.into_iter().enumerate();
        done.extend(still_open.filter_map(|(pattern, r)| r.map(|range| Window { pattern, range })));
        (merge(done), triggers)
    }
}

impl Prefilter {
    /// Starts the DFA's build on another thread once enough bytes were searched without it.
    fn count_toward_dfa(&self, bytes: usize) {
        if self.searched.fetch_add(bytes, Ordering::Relaxed) + bytes < DFA_AFTER {
            return;
        }
        self.dfa_started.call_once(|| {
            let fast = Arc::clone(&self.fast);
            let words = Arc::clone(&self.words);
            // If it cannot be built (far too many keywords), `quick` simply stays in use.
            std::thread::spawn(move || {
                if let Ok(dfa) = KeywordDfa::new(&words) {
                    let _ = fast.set(dfa);
                }
            });
        });
    }
}

/// Sorts windows by pattern and start, and merges any that still overlap.
fn merge(mut windows: Vec<Window>) -> Vec<Window> {
    windows.sort_unstable_by_key(|w| (w.pattern, w.range.start));
    let mut merged: Vec<Window> = Vec::with_capacity(windows.len());
    for w in windows {
        match merged.last_mut() {
            Some(last) if last.pattern == w.pattern && w.range.start <= last.range.end => {
                last.range.end = last.range.end.max(w.range.end);
            }
            _ => merged.push(w),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_overlapping_windows_of_one_pattern_only() {
        let w = |pattern, range| Window { pattern, range };
        let merged = merge(vec![
            w(1, 5..10),
            w(0, 0..4),
            w(0, 3..8),
            w(0, 9..12),
            w(1, 10..11),
        ]);
        assert_eq!(merged, vec![w(0, 0..8), w(0, 9..12), w(1, 5..11)]);
    }
}
