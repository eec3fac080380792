//! `scan --audit FILE`: what a run covered, as JSON lines: one `repository` record per history
//! scanned (its refs and their tips, blobs and bytes, errors, whether it is complete), then one
//! `run` record (mode, shard, the whole input's identity, pattern set, keysweep version, totals).
//! `keysweep merge` reads them back ([`Record`]) to check that shards cover their input.
//!
//! The records hold no secret: names, ids, counts.

use crate::scan::{Mode, Outcome, RepoRecord};
use crate::source::git::Tip;
use crate::source::shard::Shard;
use crate::source::CommitTime;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::time::SystemTime;

/// The `status` of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Everything asked was read.
    Complete,
    /// Read, with errors: some objects or files were not.
    Incomplete,
    /// Nothing read: the repository could not be opened.
    Failed,
    /// Ctrl-C or SIGTERM stopped the run.
    Interrupted,
}

/// How a run's shard splits its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Blob ids (`--history --shard`): every shard walks the same refs.
    Blobs,
    /// Repositories (`--repos --shard`).
    Repositories,
}

/// One line of an audit file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    Repository(RepositoryRecord),
    Run(RunRecord),
}

/// What the history scan of one repository covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryRecord {
    pub repository: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shard: Option<String>,
    /// The refs and `HEAD` walked from, sorted by name.
    pub refs: Vec<Tip>,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    /// Read by earlier runs (the history cache).
    pub blobs_cached: u64,
    /// Met, and left to the other shards (`--history --shard`).
    pub blobs_other_shards: u64,
    pub skipped: u64,
    pub errors: u64,
    pub findings: u64,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
}

/// What one run was asked and what it did: the last line of its audit file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub keysweep_version: String,
    /// sha256 of the loaded patterns' definitions: shards must have run the same rules.
    pub pattern_set: String,
    pub started: String,
    pub finished: String,
    /// `history`, `repositories`, `files`, `staged` or `range`.
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shard: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub split: Option<Split>,
    /// The whole input of every shard: its repositories' count and digest
    /// ([`crate::source::repos::digest`] of their names).
    pub input: Input,
    pub repositories_scanned: u64,
    pub repositories_failed: u64,
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub errors: u64,
    pub findings: u64,
    pub status: Status,
}

/// What the whole input of a run (all its shards) is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// Repositories in it (1 for `--history`, 0 for a folder scan).
    pub repositories: u64,
    /// sha256 of their sorted names, one a line.
    pub digest: String,
}

/// What the audit of a scan needs besides its outcome.
pub struct Context<'a> {
    pub mode: &'a Mode,
    pub shard: Option<Shard>,
    pub pattern_set: String,
    pub started: SystemTime,
}

/// The records of a finished scan: its repositories', then the run's.
pub fn records(outcome: &Outcome, context: &Context) -> Vec<Record> {
    let split = context.shard.map(|_| match context.mode {
        Mode::Repositories(_) => Split::Repositories,
        _ => Split::Blobs,
    });
    // A repository's record carries the shard only when the shard split its blobs.
    let blob_shard = context
        .shard
        .filter(|_| split == Some(Split::Blobs))
        .map(|s| s.to_string());
    let partial = outcome.stats.partial;
    let mut records: Vec<Record> = outcome
        .repositories
        .iter()
        .map(|r| Record::Repository(repository(r, blob_shard.clone(), partial)))
        .collect();
    let (mode, input) = match context.mode {
        Mode::Repositories(set) => (
            "repositories",
            Input {
                repositories: set.all.len() as u64,
                digest: set.digest(),
            },
        ),
        Mode::History(_) => (
            "history",
            Input {
                repositories: 1,
                digest: crate::source::repos::digest(
                    outcome.repositories.iter().map(|r| r.name.as_str()),
                ),
            },
        ),
        Mode::Paths(_) => ("files", no_repositories()),
        Mode::Staged(_) => ("staged", no_repositories()),
        Mode::Range { .. } => ("range", no_repositories()),
    };
    let stats = &outcome.stats;
    let failed = outcome
        .repositories
        .iter()
        .filter(|r| r.failed.is_some())
        .count() as u64;
    records.push(Record::Run(RunRecord {
        keysweep_version: env!("CARGO_PKG_VERSION").to_string(),
        pattern_set: context.pattern_set.clone(),
        started: rfc3339(context.started),
        finished: rfc3339(SystemTime::now()),
        mode: mode.to_string(),
        shard: context.shard.map(|s| s.to_string()),
        split,
        input,
        repositories_scanned: outcome.repositories.len() as u64 - failed,
        repositories_failed: failed,
        blobs_scanned: stats.blobs_scanned,
        bytes_scanned: stats.bytes_scanned,
        errors: stats.errors,
        findings: outcome.findings.len() as u64,
        status: status(stats.errors, stats.partial),
    }));
    records
}

/// Writes `records` to `out`, one JSON object a line.
///
/// # Errors
/// Write errors of `out`.
pub fn write(records: &[Record], out: &mut dyn Write) -> std::io::Result<()> {
    for record in records {
        serde_json::to_writer(&mut *out, record)?;
        writeln!(out)?;
    }
    Ok(())
}

/// sha256 of the patterns' definitions, lowercase hex.
pub fn pattern_set(patterns: &[crate::pattern::Pattern]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for p in patterns {
        hasher.update(p.definition().as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn repository(r: &RepoRecord, shard: Option<String>, partial: bool) -> RepositoryRecord {
    RepositoryRecord {
        repository: r.name.clone(),
        shard,
        refs: r.tips.clone(),
        blobs_scanned: r.stats.blobs_scanned,
        bytes_scanned: r.stats.bytes_scanned,
        blobs_cached: r.stats.blobs_cached,
        blobs_other_shards: r.other_shards,
        skipped: r.stats.skipped,
        errors: r.stats.errors,
        findings: r.findings as u64,
        status: if r.failed.is_some() {
            Status::Failed
        } else {
            status(r.stats.errors, partial || r.stats.partial)
        },
        error: r.failed.clone(),
    }
}

fn status(errors: u64, partial: bool) -> Status {
    if partial {
        Status::Interrupted
    } else if errors > 0 {
        Status::Incomplete
    } else {
        Status::Complete
    }
}

fn no_repositories() -> Input {
    Input {
        repositories: 0,
        digest: crate::source::repos::digest(std::iter::empty()),
    }
}

fn rfc3339(time: SystemTime) -> String {
    let seconds = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    CommitTime::new(seconds, 0).to_string()
}
