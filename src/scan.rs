//! Connects sources to the engine: every blob is scanned in the thread that read it, findings
//! are collected, counted and sorted so the report does not depend on thread scheduling.

use crate::engine::Engine;
use crate::finding::{Finding, LineIndex};
use crate::source::{fs, stdin, Blob, Item, Notice, Skip};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// What to scan: folders and files, `-` for standard input.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub paths: Vec<PathBuf>,
    pub walk: fs::WalkOptions,
}

/// The counters of the JSON contract's `stats`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: u64,
    pub errors: u64,
    pub duration_ms: u64,
}

/// Findings and counters of one scan.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Symlinks not followed: counted in `skipped`, told once in the summary instead of per path.
    pub symlinks_skipped: u64,
}

#[derive(Default)]
struct Counters {
    blobs: AtomicU64,
    bytes: AtomicU64,
    skipped: AtomicU64,
    errors: AtomicU64,
    symlinks: AtomicU64,
}

/// Scans every requested path. `notify` receives each notice as it happens (from several
/// threads); symlinks not followed are only counted.
///
/// # Errors
/// A requested path that does not exist: nothing is scanned then.
pub fn run(
    engine: &Engine,
    request: &ScanRequest,
    notify: &(dyn Fn(&Notice) + Sync),
) -> anyhow::Result<Outcome> {
    for path in &request.paths {
        if path.as_os_str() != "-" && std::fs::symlink_metadata(path).is_err() {
            anyhow::bail!("{}: no such file or folder", path.display());
        }
    }
    let started = Instant::now();
    let counters = Counters::default();
    let findings = Mutex::new(Vec::new());
    let visit = |item: Item| match item {
        Item::Blob(blob) => {
            counters.blobs.fetch_add(1, Ordering::Relaxed);
            counters
                .bytes
                .fetch_add(blob.bytes.len() as u64, Ordering::Relaxed);
            let found = scan_blob(engine, &blob);
            if !found.is_empty() {
                findings
                    .lock()
                    .expect("no thread should panic holding the findings")
                    .extend(found);
            }
        }
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
                Notice::Skipped { .. } => counters.skipped.fetch_add(1, Ordering::Relaxed),
                Notice::Error { .. } => counters.errors.fetch_add(1, Ordering::Relaxed),
            };
            notify(&notice);
        }
    };
    for path in &request.paths {
        if path.as_os_str() == "-" {
            visit(stdin::read(
                std::io::stdin().lock(),
                request.walk.max_file_size,
            ));
        } else {
            fs::walk(path, &request.walk, &visit);
        }
    }
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
            errors: counters.errors.into_inner(),
            duration_ms: started.elapsed().as_millis() as u64,
        },
        symlinks_skipped: counters.symlinks.into_inner(),
    })
}

/// The findings of one blob.
pub fn scan_blob(engine: &Engine, blob: &Blob) -> Vec<Finding> {
    let matches = engine.scan(&blob.bytes);
    if matches.is_empty() {
        return Vec::new();
    }
    let last_end = matches.iter().map(|m| m.secret.end).max().unwrap_or(0);
    let lines = LineIndex::new(&blob.bytes, last_end);
    matches
        .into_iter()
        .map(|m| {
            Finding::new(
                &engine.patterns()[m.pattern],
                &blob.bytes,
                m.secret,
                &lines,
                &blob.path,
            )
        })
        .collect()
}
