//! The pipeline: a source hands blobs to a [`Sink`]; every blob goes through the engine, the
//! finding stages and the per-blob filters ([`scan_blob`], read top to bottom) in the thread that
//! read it; findings are collected, counted and sorted so the report does not depend on thread
//! scheduling. The config's allow rules and the baseline then run on the sorted findings
//! (`app::scan`), before the sinks (reports, verification, revocation).

mod many;
pub use many::repositories;
mod progress;

use crate::engine::{Engine, Spans};
use crate::filter;
use crate::finding::{Finding, LineIndex};
use crate::source::repos::RepoSet;
use crate::source::{fs, git, stdin, Blob, Item, Notice, Sink, Skip};
use crate::stages::{decoded, locate, pair};
use crate::stats::Stats;
use progress::Progress;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Folders and files; `-` for standard input.
    Paths(Vec<PathBuf>),
    /// Every blob reachable from every ref of the repository.
    History(PathBuf),
    /// The histories of many repositories (`--repos`, `--repos-under`), or of their shard.
    Repositories(RepoSet),
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
    /// `--history`: the history cache to read and write (`None`: `--no-cache`).
    pub cache: Option<CacheRequest>,
}

/// The history cache of a `--history` scan.
#[derive(Debug, Clone)]
pub struct CacheRequest {
    /// `--cache PATH`; `None`: the repository's git folder ([`git::default_cache`]).
    pub path: Option<PathBuf>,
    /// What the cache must have been made with ([`git::cache::key`]): this keysweep, these
    /// patterns, these options.
    pub key: String,
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
    /// History scans: what each repository's scan covered (one for `--history`, one per
    /// repository of this run's shard for `--repos`), by name. Empty for other scans.
    pub repositories: Vec<RepoRecord>,
}

/// What the history scan of one repository covered, for the audit record.
#[derive(Debug, Clone, Default)]
pub struct RepoRecord {
    /// As the user named it (a `--repos` line, or the path given to `--history`).
    pub name: String,
    /// The refs and `HEAD` walked from, and their objects.
    pub tips: Vec<git::Tip>,
    pub stats: Stats,
    /// Blobs met that are other shards' (`--shard` within one repository).
    pub other_shards: u64,
    pub findings: usize,
    /// Why it could not be scanned at all (not a repository, no refs listable).
    pub failed: Option<String>,
}

/// The sink every source of a scan delivers to: it scans each blob in the calling thread and
/// counts what was scanned, skipped and failed.
struct Collector<'a> {
    engine: &'a Engine,
    progress: Progress,
    notify: &'a (dyn Fn(&Notice) + Sync),
    findings: Mutex<Vec<Finding>>,
    own_skipped: Mutex<Vec<String>>,
    blobs: AtomicU64,
    bytes: AtomicU64,
    skipped: AtomicU64,
    errors: AtomicU64,
    symlinks: AtomicU64,
}

impl Sink for Collector<'_> {
    fn take(&self, item: Item) {
        match item {
            // Interrupted: blobs already read are dropped unscanned, and not counted.
            Item::Blob(_) if self.stopped() => {}
            Item::Blob(blob) => self.scan(&blob),
            Item::Commits { done, total } => self.progress.commits(done, total),
            Item::Notice(notice) => self.notice(notice),
        }
    }

    fn stopped(&self) -> bool {
        crate::interrupt::requested()
    }
}

impl Collector<'_> {
    fn scan(&self, blob: &Blob) {
        let len = blob.bytes.len() as u64;
        let blobs = self.blobs.fetch_add(1, Ordering::Relaxed) + 1;
        let bytes = self.bytes.fetch_add(len, Ordering::Relaxed) + len;
        self.progress.update(blobs, bytes);
        let found = scan_blob(self.engine, blob);
        if !found.is_empty() {
            self.findings
                .lock()
                .expect("no thread should panic holding the findings")
                .extend(found);
        }
    }

    /// Counts a notice; symlinks not followed and keysweep's own files are told once, in the
    /// summary, every other notice as it happens.
    fn notice(&self, notice: Notice) {
        let count = |counter: &AtomicU64| counter.fetch_add(1, Ordering::Relaxed);
        match &notice {
            Notice::Skipped {
                reason: Skip::Symlink,
                ..
            } => {
                count(&self.symlinks);
                count(&self.skipped);
                return;
            }
            Notice::Skipped {
                reason: Skip::Own(_),
                path,
            } => {
                count(&self.skipped);
                self.own_skipped
                    .lock()
                    .expect("no thread should panic holding the list")
                    .push(path.clone());
                return;
            }
            Notice::Skipped { .. } => count(&self.skipped),
            Notice::Error { .. } => count(&self.errors),
            Notice::Warning { .. } => 0,
        };
        self.progress.bar.suspend(|| (self.notify)(&notice));
    }
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
    if let Mode::Repositories(set) = &request.mode {
        return Ok(many::run(engine, request, set, notify));
    }
    let started = Instant::now();
    let mut history = None;
    let mut record = None;
    let mut blobs_cached = 0;
    let sink = Collector {
        engine,
        progress: Progress::new(request.progress, started),
        notify,
        findings: Mutex::default(),
        own_skipped: Mutex::default(),
        blobs: AtomicU64::default(),
        bytes: AtomicU64::default(),
        skipped: AtomicU64::default(),
        errors: AtomicU64::default(),
        symlinks: AtomicU64::default(),
    };
    match &request.mode {
        Mode::Paths(paths) => {
            for path in paths {
                if path.as_os_str() == "-" {
                    let limit = request.walk.max_file_size;
                    sink.take(stdin::read(std::io::stdin().lock(), limit));
                } else {
                    fs::walk(path, paths.len() == 1, &request.walk, &sink);
                }
            }
        }
        Mode::History(repo) => {
            let cache = match &request.cache {
                Some(c) => Some(HistoryCache::for_repo(repo, c, request.walk.shard)?),
                None => None,
            };
            let previous = cache.as_ref().and_then(HistoryCache::previous);
            let run = git::history(repo, &request.walk, &sink, previous)?;
            blobs_cached = run.cached;
            record = Some(RepoRecord {
                name: repo.display().to_string(),
                tips: run.tips,
                other_shards: run.other_shards,
                ..RepoRecord::default()
            });
            history = cache.map(|c| (c, run.walked));
        }
        Mode::Repositories(_) => unreachable!("scanned above"),
        Mode::Staged(repo) => git::staged(repo, &request.walk, &sink)?,
        Mode::Range { repo, range } => git::range(repo, range, &request.walk, &sink)?,
    }
    sink.progress.bar.finish_and_clear();
    let mut findings = sink
        .findings
        .into_inner()
        .expect("no thread should panic holding the findings");
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint && a.sort_key() == b.sort_key());
    let errors = sink.errors.load(Ordering::Relaxed);
    if let Some((cache, mut walked)) = history {
        // Only a whole scan is remembered: what an interrupted or failing one did not read must
        // be read next time.
        if !crate::interrupt::requested() && errors == 0 {
            cache.save(&mut walked, &findings);
        }
    }
    let mut own_skipped = sink
        .own_skipped
        .into_inner()
        .expect("no thread should panic holding the list");
    own_skipped.sort();
    let stats = Stats {
        blobs_scanned: sink.blobs.into_inner(),
        bytes_scanned: sink.bytes.into_inner(),
        skipped: sink.skipped.into_inner(),
        excluded: request.walk.exclude.as_ref().map_or(0, |e| e.total()),
        errors,
        blobs_cached,
        duration_ms: started.elapsed().as_millis() as u64,
        partial: crate::interrupt::requested(),
    };
    let repositories = record
        .map(|r| RepoRecord {
            stats: stats.clone(),
            findings: findings.len(),
            ..r
        })
        .into_iter()
        .collect();
    Ok(Outcome {
        findings,
        stats,
        symlinks_skipped: sink.symlinks.into_inner(),
        own_skipped,
        repositories,
    })
}

/// A `--history` scan's cache file: where it is, and what it must have been made with.
struct HistoryCache {
    path: PathBuf,
    key: String,
}

impl HistoryCache {
    fn for_repo(
        repo: &Path,
        request: &CacheRequest,
        shard: Option<crate::source::shard::Shard>,
    ) -> anyhow::Result<HistoryCache> {
        let path = match &request.path {
            Some(path) => path.clone(),
            None => git::default_cache(repo, shard)?,
        };
        Ok(HistoryCache {
            path,
            key: request.key.clone(),
        })
    }

    /// What earlier scans read, when the cache is there, whole and made for this scan; said on
    /// stderr when it is not used. A path keysweep must not trust stops nothing: the scan reads
    /// everything and leaves the file alone.
    fn previous(&self) -> Option<git::cache::Walked> {
        let shown = self.path.display();
        match git::cache::load(&self.path, &self.key) {
            Ok(Ok(walked)) => Some(walked),
            Ok(Err(git::cache::Unused::Missing)) => None,
            Ok(Err(git::cache::Unused::Stale)) => {
                crate::notice!("keysweep: {shown}: the history cache was made by another keysweep, pattern set or options: scanning all history");
                None
            }
            Ok(Err(git::cache::Unused::Broken(why))) => {
                eprintln!("keysweep: warning: {shown}: the history cache cannot be used ({why}): scanning all history, and replacing it");
                None
            }
            Err(e) => {
                eprintln!("keysweep: warning: {e:#}: scanning all history without the cache");
                None
            }
        }
    }

    /// Writes what this scan read, adding to what to read again each blob that held findings.
    fn save(&self, walked: &mut git::cache::Walked, findings: &[Finding]) {
        let mut listed: std::collections::HashSet<git2::Oid> =
            walked.recheck.iter().map(|r| r.blob).collect();
        for f in findings {
            let Some(blob) = f
                .blob_id
                .as_deref()
                .and_then(|b| git2::Oid::from_str(b).ok())
            else {
                continue;
            };
            if listed.insert(blob) {
                walked.recheck.push(git::cache::Recheck {
                    blob,
                    path: f.path.clone(),
                    commit: f
                        .commit
                        .as_ref()
                        .and_then(|c| git2::Oid::from_str(&c.id).ok()),
                });
            }
        }
        if let Err(e) = git::cache::save(&self.path, &self.key, walked) {
            eprintln!("keysweep: warning: {e:#}; the next scan reads all history again");
        }
    }
}

/// The findings of one blob: the engine's matches, the finding stages in order, then the filters
/// that need the blob's bytes.
pub fn scan_blob(engine: &Engine, blob: &Blob) -> Vec<Finding> {
    let hay = &blob.bytes;
    let (matches, triggers) = engine.scan_with_triggers(hay);
    let decoded = decoded::matches(engine, hay, triggers);
    // What a decoded value holds is reported, not its encoding: the provider's secret inside a
    // Kubernetes Secret's value or Basic credentials, not the base64 text around it.
    let encoded = Spans::new(decoded.iter().map(|d| d.encoded.clone()).collect());
    let matches: Vec<_> = matches
        .into_iter()
        .filter(|m| !encoded.overlaps(&m.secret))
        .collect();
    if matches.is_empty() && decoded.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(hay, locate::last_end(&matches, &decoded));
    let mut found = locate::findings(engine.patterns(), blob, &lines, matches, decoded);
    // Before the filters: an access key on an unchanged line still pairs with a new secret key.
    pair::link(&mut found, engine.patterns());
    let found = found.into_iter().map(|(_, finding)| finding).collect();
    filter::lines::apply(found, hay, &lines, &blob.provenance)
}
