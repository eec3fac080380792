//! Stage: the two halves of a key pair name each other.

use crate::finding::{Finding, PairRef};
use crate::pattern::Pattern;
use std::collections::{HashMap, HashSet};

/// Links each finding whose pattern has a `pair` to the nearest finding (by line) of that pair in
/// the same blob, and that one back to it (unless it already has a partner). Ties go to the
/// earliest finding. Each search is a binary search in the partner rule's findings sorted by line:
/// a file of 200,000 pairs took hours when every finding looked at every other.
pub fn link(found: &mut [(usize, Finding)], patterns: &[Pattern]) {
    let partner_rules: HashSet<&str> = found
        .iter()
        .filter_map(|(p, _)| patterns[*p].pair())
        .collect();
    if partner_rules.is_empty() {
        return;
    }
    // Lines and indices of the findings of each partner rule, sorted: the first entry of a line
    // is the earliest finding on it.
    let mut by_rule: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for (index, (_, f)) in found.iter().enumerate() {
        if let Some(rule) = partner_rules.get(f.rule_id.as_str()) {
            by_rule.entry(rule).or_default().push((f.line, index));
        }
    }
    for lines in by_rule.values_mut() {
        lines.sort_unstable();
    }
    // Rule ids and lines never change below, so every partner is known before any link is made.
    let partners: Vec<Option<usize>> = found
        .iter()
        .map(|(p, f)| {
            let rule = patterns[*p].pair()?;
            nearest(by_rule.get(rule)?, f.line)
        })
        .collect();
    for (i, partner) in partners.into_iter().enumerate() {
        if let Some(j) = partner {
            found[i].1.pair = Some(PairRef::of(&found[j].1));
            if found[j].1.pair.is_none() {
                found[j].1.pair = Some(PairRef::of(&found[i].1));
            }
        }
    }
}

/// The index of the entry of `sorted` (line, index pairs, ascending) whose line is nearest to
/// `line`; of several, the smallest index.
fn nearest(sorted: &[(usize, usize)], line: usize) -> Option<usize> {
    let first_on = |l: usize| sorted[sorted.partition_point(|&(x, _)| x < l)].1;
    let at = sorted.partition_point(|&(x, _)| x < line);
    let above = at.checked_sub(1).map(|k| sorted[k].0);
    let below = sorted.get(at).map(|&(x, _)| x);
    match (above, below) {
        (None, None) => None,
        (Some(a), None) => Some(first_on(a)),
        (None, Some(b)) => Some(first_on(b)),
        (Some(a), Some(b)) => match (line - a).cmp(&(b - line)) {
            std::cmp::Ordering::Less => Some(first_on(a)),
            std::cmp::Ordering::Greater => Some(first_on(b)),
            std::cmp::Ordering::Equal => Some(first_on(a).min(first_on(b))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::LineIndex;
    use crate::pattern::parse_file;

    /// The definition pairing had before it was made fast: every finding looks at every other.
    fn link_pairs_by_scanning_all(found: &mut [(usize, Finding)], patterns: &[Pattern]) {
        for i in 0..found.len() {
            let Some(partner_id) = patterns[found[i].0].pair() else {
                continue;
            };
            let line = found[i].1.line;
            let nearest = found
                .iter()
                .enumerate()
                .filter(|(_, (_, f))| f.rule_id == partner_id)
                .min_by_key(|(_, (_, f))| f.line.abs_diff(line))
                .map(|(j, _)| j);
            if let Some(j) = nearest {
                found[i].1.pair = Some(PairRef::of(&found[j].1));
                if found[j].1.pair.is_none() {
                    found[j].1.pair = Some(PairRef::of(&found[i].1));
                }
            }
        }
    }

    /// An id half, a secret half pairing with it, and two patterns pairing with each other (so
    /// that a back link can find its target already linked).
    fn patterns() -> Vec<Pattern> {
        let one = |id: &str, pair: &str| {
            format!("[[patterns]]\nid = '{id}'\nname = 'N'\nseverity = 'low'\nsecret = 'x[0-9]{{8}}'\n{pair}\n")
        };
        let text = [
            one("t.id", ""),
            one("t.secret", "pair = 't.id'"),
            one("t.left", "pair = 't.right'"),
            one("t.right", "pair = 't.left'"),
        ]
        .concat();
        parse_file("t.toml", &text).unwrap()
    }

    fn finding(pattern: &Pattern, line: usize, n: usize) -> Finding {
        let hay = format!("x{n:08}");
        let lines = LineIndex::new(hay.as_bytes(), hay.len());
        Finding {
            line,
            ..Finding::new(
                pattern,
                hay.as_bytes(),
                0..hay.len(),
                &lines,
                "f",
                &Default::default(),
            )
        }
    }

    #[test]
    fn pairing_by_search_equals_pairing_by_scanning_all() {
        let patterns = patterns();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below) as usize
        };
        for round in 0..500 {
            let (count, spread) = (1 + next(40), 1 + next(if round % 2 == 0 { 5 } else { 60 }));
            let found: Vec<(usize, Finding)> = (0..count)
                .map(|n| {
                    let p = next(patterns.len() as u64);
                    (p, finding(&patterns[p], 1 + next(spread as u64), n))
                })
                .collect();
            let (mut fast, mut slow) = (found.clone(), found);
            link(&mut fast, &patterns);
            link_pairs_by_scanning_all(&mut slow, &patterns);
            assert_eq!(fast, slow, "round {round}");
        }
    }

    #[test]
    fn nearest_prefers_the_closer_line_then_the_earlier_finding() {
        let mut sorted = vec![(2, 5), (2, 1), (6, 0), (6, 3)];
        sorted.sort_unstable();
        assert_eq!(nearest(&sorted, 1), Some(1));
        assert_eq!(nearest(&sorted, 3), Some(1));
        assert_eq!(
            nearest(&sorted, 4),
            Some(0),
            "a tie goes to the earlier finding"
        );
        assert_eq!(nearest(&sorted, 5), Some(0));
        assert_eq!(nearest(&sorted, 9), Some(0));
        assert_eq!(nearest(&[], 9), None);
    }
}
