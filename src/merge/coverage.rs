//! Whether the audit records of a set of runs cover their whole input: every shard there and
//! complete, the same rules and keysweep in each, every repository of the list scanned, and the
//! shards of one repository at the same commits.

use crate::audit::{Record, RepositoryRecord, RunRecord, Split, Status};
use crate::source::repos;
use crate::source::shard::Shard;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The coverage section of a merged report.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Coverage {
    /// Every shard there and complete, every repository scanned: the merged report is whole.
    pub complete: bool,
    /// Audit records were read; false with `--no-audit`, when nothing was
    /// checked.
    pub checked: bool,
    /// Runs whose records were read.
    pub runs: usize,
    /// The shard count of the runs (`N` of `--shard I/N`), when they were shards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shards: Option<u32>,
    /// Shards with no run record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<String>,
    /// Runs that did not finish cleanly, as `shard: status` (or the input's name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete_runs: Vec<String>,
    /// Repositories of the input (all runs').
    pub repositories: u64,
    /// Of them, scanned completely.
    pub repositories_complete: u64,
    /// Repositories that could not be scanned, or not completely.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repositories_incomplete: Vec<String>,
    /// Why the coverage is not complete, one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Whether `text` is an audit file: its first line is a record.
pub fn is_audit(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .is_some_and(|v| v.get("record").is_some())
}

/// The records of the audit file `file` holding `text`: every line a record, one of them the
/// run's.
///
/// # Errors
/// A line that is not a record, or no run record, named by file and line.
pub fn parse(file: &Path, text: &str) -> anyhow::Result<Vec<Record>> {
    let shown = file.display();
    let mut records = Vec::new();
    for (number, line) in (1..).zip(text.lines()) {
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{shown}:{number}: not a keysweep audit record ({e})"))?;
        records.push(record);
    }
    if !records.iter().any(|r| matches!(r, Record::Run(_))) {
        anyhow::bail!("{shown}: no run record (the audit file of an unfinished run?)");
    }
    Ok(records)
}

/// The coverage the `records` of some runs prove.
pub fn check(records: &[Record]) -> Coverage {
    let runs: Vec<&RunRecord> = records
        .iter()
        .filter_map(|r| match r {
            Record::Run(run) => Some(run),
            Record::Repository(_) => None,
        })
        .collect();
    let repositories: Vec<&RepositoryRecord> = records
        .iter()
        .filter_map(|r| match r {
            Record::Repository(repo) => Some(repo),
            Record::Run(_) => None,
        })
        .collect();
    let mut coverage = Coverage {
        checked: true,
        runs: runs.len(),
        ..Coverage::default()
    };
    let problems = &mut coverage.problems;
    for (what, value) in [
        (
            "keysweep versions",
            distinct(runs.iter().map(|r| r.keysweep_version.as_str())),
        ),
        (
            "pattern sets",
            distinct(runs.iter().map(|r| r.pattern_set.as_str())),
        ),
    ] {
        if value.len() > 1 {
            problems.push(format!(
                "the runs used {} different {what}: they are not one scan",
                value.len()
            ));
        }
    }
    for run in &runs {
        if run.status != Status::Complete {
            coverage.incomplete_runs.push(format!(
                "{}: {}",
                run.shard.as_deref().unwrap_or("run"),
                status_name(run.status)
            ));
        }
    }
    let sharded: Vec<&RunRecord> = runs.iter().copied().filter(|r| r.shard.is_some()).collect();
    if !sharded.is_empty() {
        shards(&sharded, runs.len(), &mut coverage);
    }
    coverage_of_repositories(&runs, &repositories, &mut coverage);
    for run in &coverage.incomplete_runs {
        coverage.problems.push(format!("run {run}"));
    }
    coverage.complete = coverage.problems.is_empty();
    coverage
}

/// Every shard of `1..=N` present, all runs shards of one input.
fn shards(sharded: &[&RunRecord], runs: usize, coverage: &mut Coverage) {
    let problems = &mut coverage.problems;
    if sharded.len() < runs {
        problems.push("shards and unsharded runs are mixed: they are not one scan".to_string());
    }
    let parsed: Vec<Shard> = sharded
        .iter()
        .filter_map(|r| r.shard.as_deref()?.parse().ok())
        .collect();
    let counts = distinct(parsed.iter().map(|s| s.count()));
    let inputs = distinct(sharded.iter().map(|r| r.input.digest.as_str()));
    let splits = distinct(sharded.iter().map(|r| r.split));
    if counts.len() > 1 || inputs.len() > 1 || splits.len() > 1 {
        problems.push(
            "the shards are not of one input (different shard counts, inputs or splits)"
                .to_string(),
        );
    }
    let Some(&count) = counts.iter().max() else {
        return;
    };
    coverage.shards = Some(count);
    let present: BTreeSet<u32> = parsed.iter().map(|s| s.number()).collect();
    coverage.missing_shards = (1..=count)
        .filter(|i| !present.contains(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !coverage.missing_shards.is_empty() {
        problems.push(format!(
            "{} of {count} shards have no audit record: {}",
            coverage.missing_shards.len(),
            coverage.missing_shards.join(", ")
        ));
    }
}

/// Every repository of each run's input scanned completely by some run; for shards of one
/// repository, each shard at the same refs.
fn coverage_of_repositories(
    runs: &[&RunRecord],
    records: &[&RepositoryRecord],
    coverage: &mut Coverage,
) {
    // The inputs: one per distinct digest (shards of one input share it).
    let mut inputs: BTreeMap<&str, u64> = BTreeMap::new();
    for run in runs {
        inputs.insert(run.input.digest.as_str(), run.input.repositories);
    }
    coverage.repositories = inputs.values().sum();
    let mut by_name: BTreeMap<&str, Vec<&RepositoryRecord>> = BTreeMap::new();
    for r in records {
        by_name.entry(r.repository.as_str()).or_default().push(r);
    }
    let blob_shards = runs.iter().any(|r| r.split == Some(Split::Blobs));
    let mut complete = BTreeSet::new();
    for (name, records) in &by_name {
        let whole = if blob_shards {
            // Each shard read its own blobs: all must be complete, at the same refs.
            let refs = distinct(records.iter().map(|r| &r.refs));
            if refs.len() > 1 {
                coverage.problems.push(format!(
                    "{name}: the shards scanned different commits (its refs moved between them)"
                ));
            }
            refs.len() == 1 && records.iter().all(|r| r.status == Status::Complete)
        } else {
            records.iter().any(|r| r.status == Status::Complete)
        };
        if whole {
            complete.insert(*name);
        } else {
            coverage.repositories_incomplete.push(name.to_string());
        }
    }
    coverage.repositories_complete = complete.len() as u64;
    // The complete repositories must be, name for name, the inputs' (their digests).
    let covered = repos::digest(complete.iter().copied());
    let expected_digest = match inputs.len() {
        1 => inputs.keys().next().map(|d| d.to_string()),
        // Independent runs: each input's names are not known, only their total.
        _ => None,
    };
    let whole = match expected_digest {
        Some(digest) => digest == covered,
        None => coverage.repositories_complete == coverage.repositories,
    };
    if !whole {
        coverage.problems.push(format!(
            "{} of {} repositories scanned completely{}",
            coverage.repositories_complete,
            coverage.repositories,
            if coverage.repositories_incomplete.is_empty() {
                String::new()
            } else {
                format!(
                    " (not: {})",
                    coverage.repositories_incomplete
                        [..coverage.repositories_incomplete.len().min(10)]
                        .join(", ")
                )
            }
        ));
    }
}

fn distinct<T: Ord>(items: impl Iterator<Item = T>) -> BTreeSet<T> {
    items.collect()
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Complete => "complete",
        Status::Incomplete => "incomplete (errors)",
        Status::Failed => "failed",
        Status::Interrupted => "interrupted",
    }
}

impl Coverage {
    /// Nothing checked (`merge --no-audit`): never complete.
    pub fn unchecked() -> Coverage {
        Coverage {
            problems: vec![
                "not checked: no audit records were given (merge --no-audit)".to_string(),
            ],
            ..Coverage::default()
        }
    }

    /// One line for stderr.
    pub fn line(&self) -> String {
        if self.complete {
            let shards = self
                .shards
                .map(|n| format!("{n} of {n} shards, "))
                .unwrap_or_default();
            return format!(
                "coverage complete: {shards}{} of {} scanned completely",
                self.repositories_complete,
                crate::scan::repositories(self.repositories as usize)
            );
        }
        format!("coverage INCOMPLETE: {}", self.problems.join("; "))
    }
}
