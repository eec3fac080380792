//! Connects sources to the engine: every blob is scanned in the thread that read it, findings
//! are collected, counted and sorted so the report does not depend on thread scheduling.

use crate::decode;
use crate::engine::{Engine, Triggers};
use crate::finding::{Finding, LineIndex, PairRef};
use crate::pattern::{Encoding, Pattern};
use crate::source::{fs, git, stdin, Blob, Item, Notice, Skip};
use crate::stats::Stats;
use crate::text::human_bytes;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Folders and files; `-` for standard input.
    Paths(Vec<PathBuf>),
    /// Every blob reachable from every ref of the repository.
    History(PathBuf),
    /// What `git commit` would record now: the index against HEAD, added lines only.
    Staged(PathBuf),
    /// Blobs added by the commits of `A..B`, added lines only.
    Range { repo: PathBuf, range: String },
}

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub mode: Mode,
    pub walk: fs::WalkOptions,
    /// Draw a progress line on stderr (only ever on a terminal).
    pub progress: bool,
}

/// Findings and counters of one scan.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Symlinks not followed: counted in `skipped`, told once in the summary instead of per path.
    pub symlinks_skipped: u64,
    /// keysweep's own reports and pattern files a folder walk met (counted in `skipped`, told
    /// once), sorted.
    pub own_skipped: Vec<String>,
}

#[derive(Default)]
struct Counters {
    blobs: AtomicU64,
    bytes: AtomicU64,
    skipped: AtomicU64,
    errors: AtomicU64,
    symlinks: AtomicU64,
}

/// Scans what `request` names. `notify` receives each notice as it happens (from several
/// threads); symlinks not followed are only counted.
///
/// # Errors
/// A requested path that does not exist, or a git source that cannot start (not a repository,
/// a range end that does not exist): nothing is scanned then.
pub fn run(
    engine: &Engine,
    request: &ScanRequest,
    notify: &(dyn Fn(&Notice) + Sync),
) -> anyhow::Result<Outcome> {
    if let Mode::Paths(paths) = &request.mode {
        for path in paths {
            if path.as_os_str() != "-" && std::fs::symlink_metadata(path).is_err() {
                anyhow::bail!("{}: no such file or folder", path.display());
            }
        }
    }
    let started = Instant::now();
    let progress = Progress::new(request.progress, started);
    let counters = Counters::default();
    let findings = Mutex::new(Vec::new());
    let own_skipped = Mutex::new(Vec::new());
    let visit = |item: Item| match item {
        // Interrupted: blobs already read are dropped unscanned, and not counted.
        Item::Blob(_) if crate::interrupt::requested() => {}
        Item::Blob(blob) => {
            let blobs = counters.blobs.fetch_add(1, Ordering::Relaxed) + 1;
            let bytes = counters
                .bytes
                .fetch_add(blob.bytes.len() as u64, Ordering::Relaxed)
                + blob.bytes.len() as u64;
            progress.update(blobs, bytes);
            let found = scan_blob(engine, &blob);
            if !found.is_empty() {
                findings
                    .lock()
                    .expect("no thread should panic holding the findings")
                    .extend(found);
            }
        }
        Item::Commits { done, total } => progress.commits(done, total),
        Item::Notice(notice) => {
            match &notice {
                Notice::Skipped {
                    reason: Skip::Symlink,
                    ..
                } => {
                    counters.symlinks.fetch_add(1, Ordering::Relaxed);
                    counters.skipped.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Notice::Skipped {
                    reason: Skip::Own(_),
                    path,
                } => {
                    counters.skipped.fetch_add(1, Ordering::Relaxed);
                    own_skipped
                        .lock()
                        .expect("no thread should panic holding the list")
                        .push(path.clone());
                    return;
                }
                Notice::Skipped { .. } => counters.skipped.fetch_add(1, Ordering::Relaxed),
                Notice::Error { .. } => counters.errors.fetch_add(1, Ordering::Relaxed),
                Notice::Warning { .. } => 0,
            };
            progress.bar.suspend(|| notify(&notice));
        }
    };
    match &request.mode {
        Mode::Paths(paths) => {
            for path in paths {
                if path.as_os_str() == "-" {
                    visit(stdin::read(
                        std::io::stdin().lock(),
                        request.walk.max_file_size,
                    ));
                } else {
                    fs::walk(path, paths.len() == 1, &request.walk, &visit);
                }
            }
        }
        Mode::History(repo) => git::history(repo, &request.walk, &visit)?,
        Mode::Staged(repo) => git::staged(repo, &request.walk, &visit)?,
        Mode::Range { repo, range } => git::range(repo, range, &request.walk, &visit)?,
    }
    progress.bar.finish_and_clear();
    let mut findings = findings
        .into_inner()
        .expect("no thread should panic holding the findings");
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.sort_key() == b.sort_key());
    Ok(Outcome {
        findings,
        stats: Stats {
            blobs_scanned: counters.blobs.into_inner(),
            bytes_scanned: counters.bytes.into_inner(),
            skipped: counters.skipped.into_inner(),
            excluded: request.walk.exclude.as_ref().map_or(0, |e| e.total()),
            errors: counters.errors.into_inner(),
            duration_ms: started.elapsed().as_millis() as u64,
            partial: crate::interrupt::requested(),
        },
        symlinks_skipped: counters.symlinks.into_inner(),
        own_skipped: {
            let mut paths = own_skipped
                .into_inner()
                .expect("no thread should panic holding the list");
            paths.sort();
            paths
        },
    })
}

/// A spinner with blob and byte counts on stderr, shown only on a terminal and only once a scan
/// has run for a second: quick scans (a pre-commit hook) print nothing but their report. A history
/// scan adds how many of its commits are done, the percentage and an estimate of the time left.
///
/// The line is rendered from counters that only grow (each is the largest value any thread has
/// reported), so no count on it ever goes backwards, whichever thread reports last.
struct Progress {
    bar: ProgressBar,
    wanted: bool,
    shown: AtomicBool,
    started: Instant,
    counts: Arc<Shown>,
}

#[derive(Default)]
struct Shown {
    blobs: AtomicU64,
    bytes: AtomicU64,
    /// Commits whose blobs are scanned (roughly: the walk order of the latest blob's commit).
    commits_done: AtomicU64,
    /// The history's commits; 0 until known (and for other scans).
    commits: AtomicU64,
}

impl Progress {
    const DELAY: Duration = Duration::from_secs(1);

    fn new(wanted: bool, started: Instant) -> Self {
        let counts = Arc::new(Shown::default());
        let bar = ProgressBar::hidden();
        let (of_blobs, of_commits) = (counts.clone(), counts.clone());
        bar.set_style(
            ProgressStyle::with_template("{spinner} scanning: {blobs} ({elapsed}){commits}")
                .expect("the progress template should be valid")
                .with_key("blobs", move |_: &ProgressState, w: &mut dyn fmt::Write| {
                    let blobs = of_blobs.blobs.load(Ordering::Relaxed);
                    let bytes = of_blobs.bytes.load(Ordering::Relaxed);
                    let _ = write!(w, "{blobs} blobs, {}", human_bytes(bytes));
                })
                .with_key(
                    "commits",
                    move |state: &ProgressState, w: &mut dyn fmt::Write| {
                        let total = of_commits.commits.load(Ordering::Relaxed);
                        let done = of_commits.commits_done.load(Ordering::Relaxed).min(total);
                        if total > 0 {
                            let _ = write!(w, "; {}", commits_line(done, total, state.elapsed()));
                        }
                    },
                ),
        );
        Progress {
            bar,
            wanted,
            shown: AtomicBool::new(false),
            started,
            counts,
        }
    }

    fn update(&self, blobs: u64, bytes: u64) {
        if !self.wanted {
            return;
        }
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() > Self::DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
        self.counts.blobs.fetch_max(blobs, Ordering::Relaxed);
        self.counts.bytes.fetch_max(bytes, Ordering::Relaxed);
    }

    /// A history worker finished a blob of commit number `done` (walk order) of `total`.
    fn commits(&self, done: u64, total: u64) {
        if self.wanted {
            self.counts.commits.store(total, Ordering::Relaxed);
            self.counts.commits_done.fetch_max(done, Ordering::Relaxed);
        }
    }
}

/// `commit 3120 of 29031, 10%, about 1 min 20 s left`: the time left assumes the rate so far.
fn commits_line(done: u64, total: u64, elapsed: Duration) -> String {
    let percent = done * 100 / total.max(1);
    let left = match done {
        0 => String::new(),
        done => {
            let left = elapsed.as_secs_f64() * (total - done) as f64 / done as f64;
            format!(", about {} left", rough_duration(left as u64))
        }
    };
    format!("commit {done} of {total}, {percent}%{left}")
}

/// `45 s`, `3 min 05 s`, `2 h 10 min`.
fn rough_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

/// A secret found inside a decoded view, and the encoded span of the blob it came from.
struct DecodedMatch {
    pattern: usize,
    secret: Vec<u8>,
    encoded: std::ops::Range<usize>,
}

/// Secrets in the base64 values of `hay`, and in base64 values inside those (a docker config
/// inside a Kubernetes Secret), each located at the outermost encoded span.
fn decoded_matches(engine: &Engine, hay: &[u8], triggers: Triggers) -> Vec<DecodedMatch> {
    let mut found = Vec::new();
    for view in decode::views(hay, triggers) {
        let (matches, inner_triggers) = engine.scan_with_triggers(&view.bytes);
        let mut record = |bytes: &[u8], matches: Vec<crate::engine::Match>| {
            for m in matches {
                found.push(DecodedMatch {
                    pattern: m.pattern,
                    secret: bytes[m.secret].to_vec(),
                    encoded: view.encoded.clone(),
                });
            }
        };
        record(&view.bytes, matches);
        for inner in decode::views(&view.bytes, inner_triggers) {
            record(&inner.bytes, engine.scan(&inner.bytes));
        }
    }
    found
}

/// Marks a line whose findings are not reported, in any comment syntax: `# keysweep:allow`.
pub const ALLOW_MARKER: &[u8] = b"keysweep:allow";

/// The findings of one blob: with `added_lines`, only those touching an added line; never one on
/// a line holding [`ALLOW_MARKER`] (any line of a multi-line secret).
pub fn scan_blob(engine: &Engine, blob: &Blob) -> Vec<Finding> {
    let hay = &blob.bytes;
    let (matches, triggers) = engine.scan_with_triggers(hay);
    let decoded = decoded_matches(engine, hay, triggers);
    if matches.is_empty() && decoded.is_empty() {
        return Vec::new();
    }
    let last_end = matches
        .iter()
        .map(|m| m.secret.end)
        .chain(decoded.iter().map(|d| d.encoded.end))
        .max()
        .unwrap_or(0);
    let lines = LineIndex::new(hay, last_end);
    let (path, provenance) = (&blob.path, &blob.provenance);
    let patterns = engine.patterns();
    let mut found: Vec<(usize, Finding)> = matches
        .into_iter()
        .map(|m| {
            let pattern = &patterns[m.pattern];
            let finding = match pattern.encoding() {
                Some(Encoding::Percent) => match percent_decoded(&hay[m.secret.clone()]) {
                    Some(bytes) => Finding::decoded(
                        pattern,
                        &bytes,
                        Encoding::Percent,
                        hay,
                        m.secret,
                        &lines,
                        path,
                        provenance,
                    ),
                    None => Finding::new(pattern, hay, m.secret, &lines, path, provenance),
                },
                // Base64 is never a pattern's `encoding`: `decode` finds those values.
                None | Some(Encoding::Base64) => {
                    Finding::new(pattern, hay, m.secret, &lines, path, provenance)
                }
            };
            (m.pattern, finding)
        })
        .chain(decoded.into_iter().map(|d| {
            let pattern = &patterns[d.pattern];
            let finding = Finding::decoded(
                pattern,
                &d.secret,
                Encoding::Base64,
                hay,
                d.encoded,
                &lines,
                path,
                provenance,
            );
            (d.pattern, finding)
        }))
        .collect();
    // Before the filters: an access key on an unchanged line still pairs with a new secret key.
    link_pairs(&mut found, patterns);
    // Found in one pass, not per finding: a long line holding many findings stays linear.
    let allowed_lines: Vec<usize> =
        memchr::memmem::find_iter(&hay[..lines.indexed_end()], ALLOW_MARKER)
            .map(|at| lines.line(at))
            .collect();
    found
        .into_iter()
        .map(|(_, f)| f)
        .filter(|f| {
            let first = allowed_lines.partition_point(|&l| l < f.line);
            allowed_lines.get(first).is_none_or(|&l| l > f.end_line)
        })
        .filter(|f| match &blob.provenance.added_lines {
            None => true,
            Some(added) => {
                let first = added.partition_point(|&l| (l as usize) < f.line);
                added.get(first).is_some_and(|&l| l as usize <= f.end_line)
            }
        })
        .collect()
}

/// The bytes `%XX`-decoded, or `None` when there is no valid escape (nothing was encoded).
fn percent_decoded(text: &[u8]) -> Option<Vec<u8>> {
    match std::borrow::Cow::from(percent_encoding::percent_decode(text)) {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(bytes) => Some(bytes),
    }
}

/// Links each finding whose pattern has a `pair` to the nearest finding (by line) of that pair in
/// the same blob, and that one back to it (unless it already has a partner). Ties go to the
/// earliest finding. Each search is a binary search in the partner rule's findings sorted by line:
/// a file of 200,000 pairs took hours when every finding looked at every other.
fn link_pairs(found: &mut [(usize, Finding)], patterns: &[Pattern]) {
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
            link_pairs(&mut fast, &patterns);
            link_pairs_by_scanning_all(&mut slow, &patterns);
            assert_eq!(fast, slow, "round {round}");
        }
    }

    #[test]
    fn the_history_line_says_how_far_and_how_long_is_left() {
        let line = |done, secs| commits_line(done, 400, Duration::from_secs(secs));
        assert_eq!(line(0, 3), "commit 0 of 400, 0%");
        assert_eq!(
            line(100, 30),
            "commit 100 of 400, 25%, about 1 min 30 s left"
        );
        assert_eq!(line(399, 3990), "commit 399 of 400, 99%, about 10 s left");
        assert_eq!(rough_duration(7_800), "2 h 10 min");
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
