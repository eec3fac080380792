//! The histories of many repositories in one run (`--repos`, `--repos-under`).
//!
//! A few repositories are scanned at once, each by its own history scan with a share of the
//! threads: a worker takes the next repository when it is done with one, so a huge repository
//! holds one worker while the others go through the rest of the list. The largest (by the size of
//! their objects on disk) start first, so that none is left running alone at the end, and the last
//! ones get the threads of the workers that have no repository left. Memory is bounded by the
//! workers' repositories (libgit2's pack mapping limit is for the whole process). A repository
//! that cannot be scanned is reported and counted, and the others go on.

use super::{Mode, Outcome, RepoRecord, ScanRequest};
use crate::engine::Engine;
use crate::source::repos::{Repo, RepoSet};
use crate::source::Notice;
use crate::stats::Stats;
use crate::text::count;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One repository's record and findings.
type Scanned = (RepoRecord, Vec<crate::finding::Finding>);

/// Scans the history of each repository of `set` this run's shard holds.
pub(super) fn run(
    engine: &Engine,
    request: &ScanRequest,
    set: &RepoSet,
    notify: &(dyn Fn(&Notice) + Sync),
) -> Outcome {
    let started = Instant::now();
    let mine = set.mine();
    if let Some(shard) = set.shard {
        crate::notice!(
            "keysweep: shard {shard}: {} of {} ({}), the others left to the other shards",
            repositories(mine.len()),
            set.all.len(),
            set.origin
        );
    }
    let threads = request.walk.threads.max(1);
    let workers = threads.min(mine.len()).max(1);
    // The largest first: a huge repository started last would run alone at the end.
    let mut order: Vec<(u64, usize)> = mine
        .iter()
        .enumerate()
        .map(|(i, repo)| (size_on_disk(&repo.path), i))
        .collect();
    order.sort_by_key(|&(size, i)| (std::cmp::Reverse(size), i));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Scanned>>> = Mutex::new(vec![None; mine.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if crate::interrupt::requested() {
                    break;
                }
                let taken = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(_, i)) = order.get(taken) else {
                    break;
                };
                // The threads are shared by the repositories scanned at once; the last ones get
                // the threads of the workers that have run out of repositories.
                let at_once = workers.min(mine.len() - taken);
                let share = (threads / at_once).max(1);
                let scanned = scan_one(engine, request, mine[i], share, notify);
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                tell_done(&scanned.0, finished, mine.len());
                results
                    .lock()
                    .expect("no worker panics holding the results")[i] = Some(scanned);
            });
        }
    });
    let mut outcome = Outcome::default();
    let mut stats = Stats::default();
    for (record, findings) in results
        .into_inner()
        .expect("no worker panics holding the results")
        .into_iter()
        .flatten()
    {
        add(&mut stats, &record.stats);
        stats.errors += u64::from(record.failed.is_some());
        outcome.findings.extend(findings);
        outcome.repositories.push(record);
    }
    // Each scan counted every exclusion so far; the shared counters hold the run's total.
    stats.excluded = request.walk.exclude.as_ref().map_or(0, |e| e.total());
    stats.duration_ms = started.elapsed().as_millis() as u64;
    stats.partial = crate::interrupt::requested();
    outcome.stats = stats;
    outcome
}

/// The history scan of one repository, its findings named by it.
fn scan_one(
    engine: &Engine,
    request: &ScanRequest,
    repo: &Repo,
    threads: usize,
    notify: &(dyn Fn(&Notice) + Sync),
) -> Scanned {
    let one = ScanRequest {
        mode: Mode::History(repo.path.clone()),
        walk: crate::source::fs::WalkOptions {
            threads,
            shard: None,
            ..request.walk.clone()
        },
        progress: false,
        cache: request.cache.clone(),
    };
    let within = |notice: &Notice| notify(&notice.within(&repo.name));
    // A listed path must be a repository itself: git's upward search would scan the repository
    // that happens to hold a folder listed by mistake.
    let top = git2::Repository::open_ext(
        &repo.path,
        git2::RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::path::Path>(),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "{}: not a git repository ({})",
            repo.path.display(),
            e.message()
        )
    });
    match top.and_then(|_| super::run(engine, &one, &within)) {
        Ok(outcome) => {
            let name: Arc<str> = Arc::from(repo.name.as_str());
            let mut findings = outcome.findings;
            for f in &mut findings {
                f.repository = Some(name.clone());
            }
            let record = outcome.repositories.into_iter().next().unwrap_or_default();
            let record = RepoRecord {
                name: repo.name.clone(),
                stats: outcome.stats,
                ..record
            };
            (record, findings)
        }
        Err(e) => {
            let message = format!("cannot scan this repository: {e:#}");
            notify(&Notice::Error {
                path: repo.name.clone(),
                message: message.clone(),
            });
            let record = RepoRecord {
                name: repo.name.clone(),
                failed: Some(message),
                ..RepoRecord::default()
            };
            (record, Vec::new())
        }
    }
}

/// One line per repository scanned: a long run shows it is moving.
fn tell_done(record: &RepoRecord, done: usize, total: usize) {
    let name = crate::text::sanitize(&record.name);
    if record.failed.is_some() {
        crate::notice!("keysweep: [{done}/{total}] {name}: not scanned");
        return;
    }
    crate::notice!(
        "keysweep: [{done}/{total}] {name}: {} read, {} ({} ms)",
        count(record.stats.blobs_scanned as usize, "blob"),
        count(record.findings, "finding"),
        record.stats.duration_ms
    );
}

/// Adds one repository's counters to the run's.
fn add(total: &mut Stats, one: &Stats) {
    total.blobs_scanned += one.blobs_scanned;
    total.bytes_scanned += one.bytes_scanned;
    total.skipped += one.skipped;
    total.errors += one.errors;
    total.blobs_cached += one.blobs_cached;
}

/// `1 repository`, `3 repositories`.
pub fn repositories(n: usize) -> String {
    format!("{n} {}", if n == 1 { "repository" } else { "repositories" })
}

/// The bytes of a repository's objects (its packs and loose objects), to start the largest
/// first; 0 when they cannot be listed (the scan will say why).
fn size_on_disk(path: &std::path::Path) -> u64 {
    let dot_git = path.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        path.to_path_buf()
    };
    let mut total = 0;
    let mut stack = vec![git_dir.join("objects")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}
