//! The process exit statuses, in one place. README's "Exit status" table is this enum.

/// How a run ended, from best to worst news for a CI gate; a run ends with the worst that
/// happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing found, everything asked for was scanned (or there was genuinely nothing to scan).
    Clean,
    /// Findings remain after the baseline and allow rules: 1, or `--exit-code N`.
    Findings(u8),
    /// The scan ran but could not read everything: unreadable files, broken symlinks, corrupt or
    /// missing objects, or nothing at all was scanned because every input was excluded, ignored or
    /// skipped. The report holds what was read.
    ScanErrors,
    /// An error stopped the work: a bad flag, config or pattern, not a repository.
    Failed,
    /// Ctrl-C or SIGTERM: the report is partial.
    Interrupted,
}

impl Exit {
    pub const SCAN_ERRORS: u8 = 3;
    pub const FAILED: u8 = 2;

    /// The status the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Clean => 0,
            Exit::Findings(code) => code,
            Exit::Failed => Self::FAILED,
            Exit::ScanErrors => Self::SCAN_ERRORS,
            Exit::Interrupted => crate::interrupt::EXIT_STATUS,
        }
    }
}
