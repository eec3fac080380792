//! Git sources: the whole history (`--history`) here; the commits of a range (`--range A..B`) and the
//! index (`--staged`) in `diff`. All read with libgit2.
//!
//! History: one thread walks the commits oldest first (topological order) and their trees,
//! skipping any tree already walked, so each distinct blob is met once, at the commit and path
//! that first introduced it. Blob ids go through a bounded channel to one worker per thread,
//! each with its own repository handle (`git2::Repository` is not `Sync`), which inflates and
//! scans them. Memory holds the seen tree and blob ids, and the commit ids (listed before the
//! walk starts, which libgit2's topological sort does anyway, so the progress line has a total).

use super::{Blob, CommitInfo, CommitTime, Item, Notice, Provenance, Sink, Skip, SourceKind};
use crate::source::fs::WalkOptions;
use crate::source::shard::Shard;
use crate::text::display_path;
use anyhow::{anyhow, Context};
use git2::{Commit, ObjectType, Oid, Repository, RepositoryOpenFlags, Sort, Tree};
use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

pub mod cache;
mod diff;
pub use diff::{range, staged};

use cache::{OidSet, Recheck, Walked};

/// A blob to read and scan, with where it was first seen.
struct Job {
    oid: Oid,
    path: String,
    provenance: Provenance,
    /// The commit's number in walk order, from 1 (history only: for the progress line).
    commit_number: u64,
}

/// Opens the repository containing `path` (searching upwards, like git).
///
/// # Errors
/// `path` is not inside a git repository.
pub fn open(path: &Path) -> anyhow::Result<Repository> {
    Repository::open_ext(
        path,
        RepositoryOpenFlags::empty(),
        std::iter::empty::<&Path>(),
    )
    .map_err(|e| match e.code() {
        git2::ErrorCode::NotFound => anyhow!(
            "{}: not a git repository; run keysweep inside one, or give the repository's path",
            path.display()
        ),
        _ => anyhow!(
            "{}: cannot open the git repository: {}",
            path.display(),
            e.message()
        ),
    })
}

/// The text of `rel` (a path in the repository, `/`-separated) as commit `commit` has it, or
/// `None` when the commit has no such file.
///
/// # Errors
/// The entry is not a readable blob, or is not UTF-8.
pub fn committed_text(repo: &Repository, commit: Oid, rel: &str) -> anyhow::Result<Option<String>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let entry = match tree.get_path(Path::new(rel)) {
        Ok(entry) => entry,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let blob = entry
        .to_object(repo)
        .and_then(|o| o.peel_to_blob())
        .map_err(|e| {
            anyhow!(
                "{rel} at {}: not a readable file: {}",
                short(commit),
                e.message()
            )
        })?;
    String::from_utf8(blob.content().to_vec())
        .map(Some)
        .map_err(|_| anyhow!("{rel} at {}: not UTF-8 text", short(commit)))
}

/// The commit `rev` names, if it names one.
pub fn resolve_commit(repo: &Repository, rev: &str) -> Option<Oid> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .ok()
}

/// Where a repository's history cache goes unless `--cache` says: in its git folder, which no
/// commit can write.
///
/// # Errors
/// Not a repository.
pub fn default_cache(path: &Path, shard: Option<Shard>) -> anyhow::Result<std::path::PathBuf> {
    // One file per shard: shards run on one machine must not replace each other's.
    let name = match shard {
        Some(s) => format!("history-shard-{}.cache", s.to_string().replace('/', "-of-")),
        None => "history.cache".to_string(),
    };
    Ok(open(path)?.path().join("keysweep").join(name))
}

/// A ref (or `HEAD`) a history scan started from, and the object it named.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Tip {
    pub name: String,
    pub id: String,
}

/// What a history scan did, beyond the blobs it handed on.
#[derive(Debug, Default)]
pub struct HistoryRun {
    /// What this scan and the earlier ones have read, for the next.
    pub walked: Walked,
    /// Blobs the earlier ones read that this one did not.
    pub cached: u64,
    /// The refs and `HEAD` it walked from, sorted by name: what it covered.
    pub tips: Vec<Tip>,
    /// Blobs met that are other shards' (`--shard`), not read.
    pub other_shards: u64,
}

/// Scans every blob reachable from every ref (branches, tags, remotes, stash) and HEAD, but for
/// what `previous` (an earlier scan's [`Walked`]) says was read already: the commits it walked
/// are not walked again, and of its blobs only those it says to read again are read.
///
/// # Errors
/// Not a repository, or its refs cannot be listed.
pub fn history(
    path: &Path,
    options: &WalkOptions,
    sink: &dyn Sink,
    previous: Option<Walked>,
) -> anyhow::Result<HistoryRun> {
    tune_for_one_pass();
    let repo = open(path)?;
    let git_dir = repo.path().to_path_buf();
    if repo.is_shallow() {
        sink.take(warning(
            path,
            "shallow clone: commits before the shallow boundary are not scanned (run `git fetch --unshallow` to scan all history)",
        ));
    }
    let mut walk = repo.revwalk().context("cannot walk the history")?;
    // Oldest first: parents before children, and by date between unrelated branches, so a blob
    // committed on two branches is credited to the commit that really came first.
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    let mut tips = Vec::new();
    // Refs to trees or blobs (a tag of a public key, say) have no history to walk: their
    // objects are scanned after the commits, at the ref's name.
    let mut loose = Vec::new();
    for reference in repo.references().context("cannot list the refs")? {
        let Ok(reference) = reference else { continue };
        let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
        if let Ok(commit) = reference.peel_to_commit() {
            walk.push(commit.id())?;
            tips.push(Tip {
                name,
                id: commit.id().to_string(),
            });
        } else if let Ok(object) = reference.peel(ObjectType::Any) {
            tips.push(Tip {
                name: name.clone(),
                id: object.id().to_string(),
            });
            loose.push((name, object));
        }
    }
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        walk.push(head.id())?; // a detached HEAD is no ref
        tips.push(Tip {
            name: "HEAD".into(),
            id: head.id().to_string(),
        });
    }
    tips.sort_by(|a, b| a.name.cmp(&b.name));
    if tips.is_empty() {
        sink.take(warning(path, "repository has no commits: nothing to scan"));
        return Ok(HistoryRun::default());
    }
    // The sort has read every commit before yielding the first: listing them costs their ids
    // (20 bytes each), and gives the progress line its total.
    let mut commits = Vec::new();
    for oid in walk {
        match oid {
            Ok(oid) => commits.push(oid),
            Err(e) => sink.take(cannot_read_commit(&e)),
        }
    }
    let previous = previous.filter(|p| {
        // History rewritten since (a force push): what the cache credits to a commit that is
        // gone would be reported at it, so everything is read again.
        let now: HashSet<&Oid> = commits.iter().collect();
        let kept = p.commits.iter().all(|c| now.contains(c));
        if !kept {
            sink.take(warning(
                path,
                "commits the history cache knows are gone (history rewritten): scanning all of it again",
            ));
        }
        kept
    });
    // Every blob met is in `blobs`, those read again each run in `recheck` too. A shard met the
    // other shards' blobs too, and read only its own.
    let cached = previous.as_ref().map_or(0, |p| {
        let read = match options.shard {
            Some(shard) => p.blobs.iter().filter(|b| shard.holds(b.as_bytes())).count(),
            None => p.blobs.len(),
        };
        read.saturating_sub(p.recheck.len()) as u64
    });
    let total = commits.len() as u64;
    let (sender, receiver) = sync_channel::<Job>(4096);
    let receiver = Mutex::new(receiver);
    let unscanned = Mutex::new(Vec::new());
    let mut walker = TreeWalker::new(&repo, options, sink);
    let mut walked_commits = OidSet::default();
    if let Some(p) = &previous {
        walker.seen_trees.clone_from(&p.trees);
        walker.seen_blobs.clone_from(&p.blobs);
        walked_commits.clone_from(&p.commits);
        for path in &p.submodules {
            walker.submodules.insert(path.as_bytes().to_vec());
            sink.take(Item::Notice(Notice::Skipped {
                path: path.clone(),
                reason: Skip::Submodule,
            }));
        }
    }
    std::thread::scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                read_blobs(
                    &git_dir,
                    &receiver,
                    options.max_file_size,
                    sink,
                    total,
                    &unscanned,
                )
            });
        }
        for recheck in previous.iter().flat_map(|p| &p.recheck) {
            let job = match recheck.commit.map(|c| repo.find_commit(c)).transpose() {
                Ok(commit) => Job {
                    oid: recheck.blob,
                    path: recheck.path.clone(),
                    provenance: Provenance {
                        kind: SourceKind::Commit,
                        commit: commit.map(|c| Arc::new(commit_info(&c))),
                        blob_id: Some(recheck.blob.to_string()),
                        added_lines: None,
                    },
                    commit_number: 0,
                },
                Err(e) => {
                    sink.take(cannot_read_commit(&e));
                    continue;
                }
            };
            if sink.stopped() || sender.send(job).is_err() {
                break;
            }
        }
        for (number, oid) in (1..).zip(commits) {
            if sink.stopped() {
                break;
            }
            if walked_commits.contains(&oid) {
                sink.take(Item::Commits {
                    done: number,
                    total,
                });
                continue;
            }
            let commit = match repo.find_commit(oid) {
                Ok(commit) => commit,
                Err(e) => {
                    sink.take(cannot_read_commit(&e));
                    continue;
                }
            };
            walker.commit(&commit, &|job| {
                sender
                    .send(Job {
                        commit_number: number,
                        ..job
                    })
                    .is_ok()
            });
            walked_commits.insert(oid);
        }
        for (name, object) in &loose {
            if sink.stopped() {
                break;
            }
            walker.loose(name, object, &|job| sender.send(job).is_ok());
        }
        drop(sender);
    });
    if let Some(shard) = options.shard {
        crate::notice!(
            "keysweep: shard {shard}: {} met this run left to the other shards",
            crate::text::count(walker.other_shards as usize, "blob")
        );
    }
    let recheck: Vec<Recheck> = unscanned
        .into_inner()
        .expect("no worker should panic holding the list");
    let mut submodules: Vec<String> = walker
        .submodules
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    submodules.sort_unstable();
    let walked = Walked {
        commits: walked_commits,
        trees: walker.seen_trees,
        blobs: walker.seen_blobs,
        recheck,
        submodules,
    };
    Ok(HistoryRun {
        walked,
        cached,
        tips,
        other_shards: walker.other_shards,
    })
}

fn cannot_read_commit(e: &git2::Error) -> Item {
    error("history", format!("cannot read a commit: {}", e.message()))
}

/// Pack files are read through memory maps of this size, at most this much mapped at once.
/// libgit2's defaults (1 GiB windows, 8 GiB mapped) let a history scan map whole packs: on
/// git/git, 300 of its 450 MiB peak RSS were pages of the pack. With these: 247–255 MiB, and the
/// same time as with 256 MiB mapped (282–285 MiB); 128 MiB mapped cost 15 % more time.
const PACK_WINDOW: usize = 8 << 20;
const PACK_MAPPED_LIMIT: usize = 224 << 20;

/// libgit2's defaults suit programs that read objects again and again; a history scan reads each
/// object once. Measured on a 29,000-commit repository (benches/history.sh):
/// - the object cache kept up to 256 MiB of commits and trees the walker never reads twice
///   (peak RSS 363 MiB, growing with history; 98 MiB without it);
/// - re-hashing every object (collision-detecting SHA-1) took a quarter of the CPU. zlib's
///   checksum still catches a corrupt object, and a missing one is still an error.
fn tune_for_one_pass() {
    // Once per process: many repositories are scanned at once (`--repos`), and the options must
    // not change while another scan uses libgit2.
    static TUNED: std::sync::Once = std::sync::Once::new();
    TUNED.call_once(tune_now);
}

fn tune_now() {
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    // SAFETY: libgit2's global options may not change while another thread uses libgit2. This
    // runs once, before the first history scan opens its repositories and starts its workers,
    // and nothing else in keysweep uses libgit2 at the same time.
    #[allow(unsafe_code)]
    unsafe {
        let _ = git2::opts::set_mwindow_size(PACK_WINDOW);
        let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED_LIMIT);
    }
}

/// Walks commit trees, yielding each blob the first time it is met.
struct TreeWalker<'r> {
    repo: &'r Repository,
    sink: &'r dyn Sink,
    seen_trees: OidSet,
    seen_blobs: OidSet,
    submodules: HashSet<Vec<u8>>,
    /// Blobs met that are another shard's (`--shard`): not read.
    other_shards: u64,
    options: &'r WalkOptions,
}

impl<'r> TreeWalker<'r> {
    fn new(repo: &'r Repository, options: &'r WalkOptions, sink: &'r dyn Sink) -> Self {
        TreeWalker {
            repo,
            sink,
            seen_trees: OidSet::default(),
            seen_blobs: OidSet::default(),
            other_shards: 0,
            submodules: HashSet::new(),
            options,
        }
    }

    /// Yields the blobs of `commit` not seen in earlier commits.
    fn commit(&mut self, commit: &Commit, send: &dyn Fn(Job) -> bool) {
        let tree = match commit.tree() {
            Ok(tree) => tree,
            Err(e) => {
                let where_ = format!("commit {}", short(commit.id()));
                return self.sink.take(error(
                    &where_,
                    format!("cannot read its tree: {}", e.message()),
                ));
            }
        };
        self.tree(tree, Vec::new(), Some(commit), send);
    }

    /// Whether a blob met for the first time is this run's to read (always, without `--shard`).
    fn is_mine(&mut self, blob: Oid) -> bool {
        let mine = self.options.shard.is_none_or(|s| s.holds(blob.as_bytes()));
        self.other_shards += u64::from(!mine);
        mine
    }

    /// Yields the blobs a ref names directly (a tag of a blob or a tree, which no commit holds),
    /// at the ref's name, not seen in any commit.
    fn loose(&mut self, name: &str, object: &git2::Object, send: &dyn Fn(Job) -> bool) {
        match object.kind() {
            Some(ObjectType::Blob) if self.seen_blobs.insert(object.id()) => {
                if !self.is_mine(object.id()) {
                    return;
                }
                send(Job {
                    oid: object.id(),
                    path: name.to_string(),
                    provenance: Provenance {
                        kind: SourceKind::Commit,
                        commit: None,
                        blob_id: Some(object.id().to_string()),
                        added_lines: None,
                    },
                    commit_number: 0,
                });
            }
            Some(ObjectType::Tree) => {
                if let Ok(tree) = self.repo.find_tree(object.id()) {
                    self.tree(tree, name.as_bytes().to_vec(), None, send);
                }
            }
            _ => {}
        }
    }

    /// Yields the blobs under `tree` (at `prefix`) not seen before, credited to `commit`.
    fn tree(
        &mut self,
        tree: Tree,
        prefix: Vec<u8>,
        commit: Option<&Commit>,
        send: &dyn Fn(Job) -> bool,
    ) {
        if !self.seen_trees.insert(tree.id()) {
            return;
        }
        let mut info: Option<Arc<CommitInfo>> = None;
        // An explicit stack: trees can be nested deeper than a thread's stack allows recursion.
        // A tree is marked seen before it is read, so an unchanged subtree is never inflated again.
        let mut stack: Vec<(Tree, Vec<u8>)> = vec![(tree, prefix)];
        while let Some((tree, prefix)) = stack.pop() {
            for entry in tree.iter() {
                let mut path = prefix.clone();
                if !path.is_empty() {
                    path.push(b'/');
                }
                path.extend_from_slice(entry.name_bytes());
                match entry.kind() {
                    Some(ObjectType::Blob) => {
                        if !self.seen_blobs.insert(entry.id()) || !self.is_mine(entry.id()) {
                            continue;
                        }
                        let path = String::from_utf8_lossy(&path).into_owned();
                        if self.options.excludes(&path) {
                            continue;
                        }
                        let info = commit
                            .map(|c| info.get_or_insert_with(|| Arc::new(commit_info(c))).clone());
                        let job = Job {
                            oid: entry.id(),
                            path,
                            provenance: Provenance {
                                kind: SourceKind::Commit,
                                commit: info,
                                blob_id: Some(entry.id().to_string()),
                                added_lines: None,
                            },
                            commit_number: 0,
                        };
                        if !send(job) {
                            return;
                        }
                    }
                    Some(ObjectType::Tree) if !self.seen_trees.insert(entry.id()) => {}
                    Some(ObjectType::Tree) => match self.repo.find_tree(entry.id()) {
                        Ok(sub) => stack.push((sub, path)),
                        Err(e) => self.sink.take(error(
                            &String::from_utf8_lossy(&path),
                            format!(
                                "tree {} ({}) cannot be read: {}",
                                short(entry.id()),
                                commit.map_or("named by a ref".to_string(), |c| {
                                    format!("in commit {}", short(c.id()))
                                }),
                                e.message()
                            ),
                        )),
                    },
                    Some(ObjectType::Commit) if self.submodules.insert(path.clone()) => {
                        self.sink.take(Item::Notice(Notice::Skipped {
                            path: String::from_utf8_lossy(&path).into_owned(),
                            reason: Skip::Submodule,
                        }));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// One worker: takes jobs until the channel closes, reading each blob with its own handle.
/// `sink` gets each blob (or notice), then how far the history is: its job's commit number of
/// `total`. A blob it could not read goes to `unscanned`.
fn read_blobs(
    git_dir: &Path,
    jobs: &Mutex<Receiver<Job>>,
    limit: u64,
    sink: &dyn Sink,
    total: u64,
    unscanned: &Mutex<Vec<Recheck>>,
) {
    let take = |item, done| {
        sink.take(item);
        sink.take(Item::Commits { done, total });
    };
    let repo = match Repository::open(git_dir) {
        Ok(repo) => repo,
        Err(e) => {
            // Drain so the walker is not blocked, counting every blob as an error.
            while let Some(job) = next(jobs) {
                let item = error(
                    &job.path,
                    format!("cannot open the repository: {}", e.message()),
                );
                take(item, job.commit_number);
            }
            return;
        }
    };
    while let Some(job) = next(jobs) {
        if !sink.stopped() {
            let number = job.commit_number;
            let item = match read_blob(&repo, job, limit) {
                Ok(blob) => Item::Blob(blob),
                Err(failed) => {
                    let (notice, recheck) = *failed;
                    // Not scanned: read (and said) again by the next scan.
                    if let Ok(mut list) = unscanned.lock() {
                        list.push(recheck);
                    }
                    Item::Notice(notice)
                }
            };
            take(item, number);
        }
    }
}

fn next(jobs: &Mutex<Receiver<Job>>) -> Option<Job> {
    jobs.lock()
        .expect("no worker should panic holding the job queue")
        .recv()
        .ok()
}

/// Reads one blob unless it is over `limit` (its size is read from the object header first).
/// When it cannot be scanned: the notice saying why, and the blob for the next scan to read again.
fn read_blob(repo: &Repository, job: Job, limit: u64) -> Result<Blob, Box<(Notice, Recheck)>> {
    let unscanned = |notice: Notice, job: Job| {
        let recheck = Recheck {
            blob: job.oid,
            commit: job
                .provenance
                .commit
                .as_ref()
                .and_then(|c| Oid::from_str(&c.id).ok()),
            path: job.path,
        };
        Err(Box::new((notice, recheck)))
    };
    let cannot = |e: git2::Error, job: Job| {
        let message = format!(
            "blob {}{} cannot be read: {}",
            short(job.oid),
            job.provenance
                .commit
                .as_ref()
                .map(|c| format!(" (in commit {})", &c.id[..c.id.len().min(12)]))
                .unwrap_or_default(),
            e.message()
        );
        let path = job.path.clone();
        unscanned(Notice::Error { path, message }, job)
    };
    let size = match repo.odb().and_then(|odb| odb.read_header(job.oid)) {
        Ok((size, _)) => size as u64,
        Err(e) => return cannot(e, job),
    };
    if size > limit {
        let path = job.path.clone();
        let reason = Skip::TooLarge { size, limit };
        return unscanned(Notice::Skipped { path, reason }, job);
    }
    match repo.find_blob(job.oid) {
        Ok(blob) => Ok(Blob {
            bytes: blob.content().to_vec(),
            path: job.path,
            provenance: job.provenance,
        }),
        Err(e) => cannot(e, job),
    }
}

/// The contract's commit fields; non-UTF-8 names and messages are decoded lossily.
fn commit_info(commit: &Commit) -> CommitInfo {
    let author = commit.author();
    CommitInfo {
        id: commit.id().to_string(),
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        date: author.when().into(),
        message: String::from_utf8_lossy(commit.message_bytes())
            .trim_end()
            .to_string(),
    }
}

impl From<git2::Time> for CommitTime {
    fn from(time: git2::Time) -> Self {
        CommitTime::new(time.seconds(), time.offset_minutes())
    }
}

pub fn short(oid: Oid) -> String {
    oid.to_string()[..12].to_string()
}

fn warning(path: &Path, message: &str) -> Item {
    Item::Notice(Notice::Warning {
        path: display_path(path),
        message: message.to_string(),
    })
}

fn error(path: &str, message: String) -> Item {
    Item::Notice(Notice::Error {
        path: path.to_string(),
        message,
    })
}
