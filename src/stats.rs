//! The counters of a scan, shared by the scan that fills them and the reports that print them.

use serde::Serialize;

/// The counters of the JSON contract's `stats`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub blobs_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: u64,
    /// Files or blobs the config's `[scan] exclude` kept from being read.
    #[serde(skip_serializing_if = "is_zero")]
    pub excluded: u64,
    pub errors: u64,
    /// `--history`: blobs earlier scans read (the history cache) and this one did not.
    #[serde(skip_serializing_if = "is_zero")]
    pub blobs_cached: u64,
    pub duration_ms: u64,
    /// Ctrl-C or SIGTERM stopped the scan: the findings are those of what was scanned by then.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl Stats {
    /// Blobs this scan read, or an earlier one did for it (the history cache): none means
    /// nothing could be scanned.
    pub fn blobs_read(&self) -> u64 {
        self.blobs_scanned + self.blobs_cached
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
