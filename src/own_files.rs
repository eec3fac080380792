//! Files keysweep wrote or loaded itself, which a folder scan does not read again: its own
//! reports (a JSON report holds whole secrets, and scanning it doubled the findings) and the
//! pattern files given with `--patterns` (their examples are token-shaped on purpose).
//!
//! A report is recognised by its identity (device, inode, size, modification time) recorded in
//! the state folder when keysweep wrote it, never by its name or by a marker in its text: a
//! marker could be copied into any file of a scanned tree to hide the secrets after it, while the
//! ledger is written only by this machine's keysweep and a changed file no longer matches.

use std::collections::{HashMap, HashSet};
use std::fs::Metadata;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The ledger of reports, in the state folder: one `dev ino size mtime_ns` line per report.
const LEDGER: &str = "reports.txt";
/// Reports remembered; older ones are forgotten (and scanned again if still there).
const KEEP: usize = 512;

/// What a skipped file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Own {
    Report,
    Patterns,
}

/// The identities of keysweep's own files, looked up for every file a folder scan opens.
#[derive(Debug, Default)]
pub struct OwnFiles {
    reports: HashMap<(u64, u64), (u64, i128)>,
    patterns: HashSet<(u64, u64)>,
}

impl OwnFiles {
    /// The reports of the ledger and the pattern files that were loaded (`pattern_files`, each
    /// file, as `pattern::pattern_files` lists them). A ledger that cannot be read is no reason to
    /// stop a scan: its reports are then scanned like any file.
    pub fn load(pattern_files: &[PathBuf]) -> OwnFiles {
        let mut own = OwnFiles::default();
        if let Some(text) = ledger_path().and_then(|p| std::fs::read_to_string(p).ok()) {
            for line in text.lines() {
                let fields: Vec<&str> = line.split(' ').collect();
                if let [dev, ino, size, mtime] = fields[..] {
                    if let (Ok(dev), Ok(ino), Ok(size), Ok(mtime)) =
                        (dev.parse(), ino.parse(), size.parse(), mtime.parse())
                    {
                        own.reports.insert((dev, ino), (size, mtime));
                    }
                }
            }
        }
        for file in pattern_files {
            if let Ok(meta) = std::fs::metadata(file) {
                own.patterns.insert(identity(&meta).0);
            }
        }
        own
    }

    /// Whether this opened file is one of keysweep's own, and which.
    pub fn of(&self, meta: &Metadata) -> Option<Own> {
        let (id, stamp) = identity(meta);
        if self.patterns.contains(&id) {
            Some(Own::Patterns)
        } else if self.reports.get(&id) == Some(&stamp) {
            Some(Own::Report)
        } else {
            None
        }
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty() && self.patterns.is_empty()
    }
}

/// Remembers the report just written at `path`, so later folder scans skip it while it is
/// unchanged. Failing to remember is said, never fatal: the report is then scanned again.
pub fn record_report(path: &Path) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if !meta.is_file() {
        return; // a device or a FIFO: nothing to skip later
    }
    let ((dev, ino), (size, mtime)) = identity(&meta);
    let result = (|| -> anyhow::Result<()> {
        let dir = crate::places::state_dir()?;
        let ledger = dir.join(LEDGER);
        // Several keysweeps may write reports at once: one updates the ledger at a time.
        let lock = std::fs::File::create(dir.join(format!("{LEDGER}.lock")))?;
        lock.lock()?;
        let old = std::fs::read_to_string(&ledger).unwrap_or_default();
        let mut lines: Vec<&str> = old
            .lines()
            .filter(|l| !l.starts_with(&format!("{dev} {ino} ")))
            .collect();
        let line = format!("{dev} {ino} {size} {mtime}");
        lines.push(&line);
        let keep = &lines[lines.len().saturating_sub(KEEP)..];
        let mut text = keep.join("\n");
        text.push('\n');
        // Not through output::write: the ledger is keysweep's own file in its own folder.
        let mut tmp =
            tempfile::NamedTempFile::new_in(ledger.parent().expect("in the state folder"))?;
        tmp.write_all(text.as_bytes())?;
        tmp.persist(&ledger)?;
        Ok(())
    })();
    if let Err(e) = result {
        eprintln!(
            "keysweep: warning: cannot remember the report {} so that folder scans skip it: {e:#}",
            crate::text::sanitize(&path.display().to_string())
        );
    }
}

fn ledger_path() -> Option<PathBuf> {
    crate::places::state_dir().ok().map(|d| d.join(LEDGER))
}

/// `((device, inode), (size, modification time in ns))`.
#[cfg(unix)]
fn identity(meta: &Metadata) -> ((u64, u64), (u64, i128)) {
    use std::os::unix::fs::MetadataExt;
    let mtime = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    ((meta.dev(), meta.ino()), (meta.len(), mtime))
}

/// Elsewhere there is no inode to tell files apart: nothing is recognised (or skipped).
#[cfg(not(unix))]
fn identity(_meta: &Metadata) -> ((u64, u64), (u64, i128)) {
    ((u64::MAX, u64::MAX), (u64::MAX, -1))
}
