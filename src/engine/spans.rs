//! Byte ranges asked "does any of you overlap this one?" many times (a blob may hold thousands
//! of findings): sorted by start, with the largest end so far, each question is a binary search.

use std::ops::Range;

#[derive(Debug, Default)]
pub struct Spans {
    starts: Vec<usize>,
    /// `max_end[i]`: the largest end of the ranges `0..=i` (by start).
    max_end: Vec<usize>,
}

impl Spans {
    pub fn new(mut ranges: Vec<Range<usize>>) -> Spans {
        ranges.sort_unstable_by_key(|r| r.start);
        let mut end = 0;
        let max_end = ranges
            .iter()
            .map(|r| {
                end = end.max(r.end);
                end
            })
            .collect();
        Spans {
            starts: ranges.into_iter().map(|r| r.start).collect(),
            max_end,
        }
    }

    /// Whether a range starting before `range` ends also ends after it starts.
    pub fn overlaps(&self, range: &Range<usize>) -> bool {
        let before_end = self.starts.partition_point(|&s| s < range.end);
        before_end > 0 && self.max_end[before_end - 1] > range.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_by_search_equals_overlap_by_scanning_all() {
        let ranges = vec![10..20, 0..3, 15..16, 40..41, 5..60];
        let spans = Spans::new(ranges.clone());
        for start in 0..70 {
            for len in 1..8 {
                let r = start..start + len;
                let slow = ranges.iter().any(|c| c.start < r.end && r.start < c.end);
                assert_eq!(spans.overlaps(&r), slow, "{r:?}");
            }
        }
        assert!(!Spans::new(Vec::new()).overlaps(&(0..5)));
    }
}
