//! Sources: where blobs come from. Each yields [`Item`]s: a blob to scan, or a notice about a path
//! that was skipped or could not be read (never silently dropped).

pub mod fs;
pub mod git;
pub mod stdin;

/// Kept where the sources and their callers have always found it; it lives in [`crate::text`].
pub use crate::text::display_path;
use serde::Serialize;
use std::sync::Arc;

/// Bytes to scan and where they came from.
#[derive(Debug)]
pub struct Blob {
    pub bytes: Vec<u8>,
    /// Display path: relative to the scanned root (or repository root), `/`-separated;
    /// `<stdin>` for standard input.
    pub path: String,
    pub provenance: Provenance,
}

/// Which kind of source a blob came from (the webhook's `source`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    #[default]
    File,
    Stdin,
    Commit,
    Staged,
}

impl SourceKind {
    /// The name in JSON and in webhook items.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::File => "file",
            SourceKind::Stdin => "stdin",
            SourceKind::Commit => "commit",
            SourceKind::Staged => "staged",
        }
    }
}

/// Where a blob sits in git, and which of its lines count.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub kind: SourceKind,
    /// The commit that introduced the blob (history and range scans).
    pub commit: Option<Arc<CommitInfo>>,
    /// The git blob id, hex.
    pub blob_id: Option<String>,
    /// Sorted 1-based line numbers a change added (range and staged scans): a finding counts only
    /// if it touches one of them. `None`: every line counts.
    pub added_lines: Option<Arc<[u32]>>,
}

/// The commit fields of the JSON contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    pub id: String,
    pub author: String,
    pub email: String,
    /// RFC 3339, in the author's time zone.
    pub date: String,
    pub message: String,
}

/// Something a source tells the user about a path it did not scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Worth saying, nothing skipped (a shallow clone, an empty repository).
    Warning { path: String, message: String },
    /// Deliberately not scanned (too large, not a regular file, a symlink not followed).
    Skipped { path: String, reason: Skip },
    /// Could not be scanned (unreadable, broken symlink, loop, walk error).
    Error { path: String, message: String },
}

/// Why a path was skipped; counted per kind in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    TooLarge {
        size: u64,
        limit: u64,
    },
    NotRegular(&'static str),
    Symlink,
    /// With `--follow-symlinks`, a symlink whose target lies outside the scanned folder.
    OutsideRoot,
    /// A git submodule: its commits live in another repository.
    Submodule,
    /// A report keysweep wrote, or a pattern file it loaded (told once, not per file).
    Own(crate::own_files::Own),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::TooLarge { size, limit } => write!(
                f,
                "skipped: {size} bytes is over the size limit of {limit} bytes (raise --max-file-size)"
            ),
            Skip::NotRegular(kind) => write!(f, "skipped: not a regular file ({kind})"),
            Skip::Symlink => write!(f, "skipped: symlink not followed (use --follow-symlinks)"),
            Skip::OutsideRoot => write!(f, "skipped: symlink to a path outside the scanned folder, not followed"),
            Skip::Submodule => write!(f, "skipped: submodule not followed (scan its repository on its own)"),
            Skip::Own(crate::own_files::Own::Report) => write!(f, "skipped: a report keysweep wrote"),
            Skip::Own(crate::own_files::Own::Patterns) => write!(f, "skipped: a pattern file keysweep loaded"),
        }
    }
}

/// What a source hands to the scanner.
#[derive(Debug)]
pub enum Item {
    Blob(Blob),
    Notice(Notice),
    /// How far a history scan is: a blob of commit number `done` (in walk order) of `total` was
    /// just handled, so the commits before it are (nearly all) done too.
    Commits {
        done: u64,
        total: u64,
    },
}
