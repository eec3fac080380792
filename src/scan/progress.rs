//! The progress line of a long scan, on stderr.

use crate::text::human_bytes;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A spinner with blob and byte counts on stderr, shown only on a terminal and only once a scan
/// has run for a second: quick scans (a pre-commit hook) print nothing but their report. A history
/// scan adds how many of its commits are done, the percentage and an estimate of the time left.
///
/// The line is rendered from counters that only grow (each is the largest value any thread has
/// reported), so no count on it ever goes backwards, whichever thread reports last.
pub(super) struct Progress {
    pub(super) bar: ProgressBar,
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

    pub(super) fn new(wanted: bool, started: Instant) -> Self {
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

    pub(super) fn update(&self, blobs: u64, bytes: u64) {
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
    pub(super) fn commits(&self, done: u64, total: u64) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
