//! Sources: where blobs come from. Each hands [`Item`]s to a [`Sink`]: a blob to scan, or a notice
//! about a path that was skipped or could not be read (never silently dropped).

pub mod fs;
pub mod git;
pub mod repos;
pub mod shard;
pub mod stdin;

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
    /// The author's time; JSON and SARIF write it in RFC 3339.
    pub date: CommitTime,
    pub message: String,
}

/// A commit's time as git records it: seconds since 1970 (UTC) and the author's offset. Shown
/// (and serialised) as RFC 3339 in that offset, `2024-03-01T13:00:00+01:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitTime {
    seconds: i64,
    offset_minutes: i32,
}

impl CommitTime {
    pub fn new(seconds: i64, offset_minutes: i32) -> Self {
        CommitTime {
            seconds,
            offset_minutes,
        }
    }

    /// Seconds since 1970-01-01T00:00:00Z, whatever the offset: the order of commit times.
    pub fn unix_seconds(self) -> i64 {
        self.seconds
    }
}

impl std::fmt::Display for CommitTime {
    /// RFC 3339 in the commit's own offset.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let offset = i64::from(self.offset_minutes);
        let local = self.seconds + offset * 60;
        let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        let sign = if offset < 0 { '-' } else { '+' };
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            offset.abs() / 60,
            offset.abs() % 60
        )
    }
}

impl Serialize for CommitTime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). A few lines
/// rather than a date crate: keysweep only ever writes a commit time, never reads or computes one.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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

impl Notice {
    /// The notice of a scan of one repository among many: its path prefixed by the repository.
    pub fn within(&self, repository: &str) -> Notice {
        let at = |path: &str| format!("{repository}: {path}");
        match self {
            Notice::Warning { path, message } => Notice::Warning {
                path: at(path),
                message: message.clone(),
            },
            Notice::Skipped { path, reason } => Notice::Skipped {
                path: at(path),
                reason: reason.clone(),
            },
            Notice::Error { path, message } => Notice::Error {
                path: at(path),
                message: message.clone(),
            },
        }
    }
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

/// Where a source delivers what it reads, from several threads at once. The sink also says when
/// to stop (the user pressed Ctrl-C): a source asks between blobs and stops reading.
pub trait Sink: Sync {
    fn take(&self, item: Item);
    fn stopped(&self) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_times_are_rfc3339_in_the_authors_offset() {
        let shown = |seconds, offset| CommitTime::new(seconds, offset).to_string();
        assert_eq!(shown(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(shown(1_709_294_400, 60), "2024-03-01T13:00:00+01:00");
        assert_eq!(shown(951_782_400, -330), "2000-02-28T18:30:00-05:30");
        assert_eq!(shown(951_868_800, 0), "2000-03-01T00:00:00+00:00");
        assert_eq!(
            serde_json::to_string(&CommitTime::new(1_709_294_400, 60)).unwrap(),
            "\"2024-03-01T13:00:00+01:00\""
        );
    }
}
