//! Every filter: what is not reported, and how many each one hid. In the order they run:
//!
//! 1. per blob, while its bytes are at hand ([`lines`]): inline `keysweep:allow` markers, and the
//!    lines a change added (range and staged scans);
//! 2. on all findings ([`apply`]): the config's `[allow]` entries (paths, secrets, rules), then
//!    the baseline's fingerprints ([`baseline`]).

mod baseline;
pub mod lines;

pub use baseline::Baseline;

use crate::config::Allow;
use crate::finding::Finding;

/// How many findings each filter removed (told in the summary).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub allowed: usize,
    /// Per `[allow]` entry of the config, in its order: how many findings it hid.
    pub by_entry: Vec<usize>,
    pub baseline: usize,
}

/// Removes findings that an `[allow]` entry (path, secret or rule) hides, or that the baseline
/// holds, counting each against the first entry that hides it.
pub fn apply(
    findings: &mut Vec<Finding>,
    allow: &Allow,
    baseline: Option<&Baseline>,
) -> Suppressed {
    let mut suppressed = Suppressed {
        by_entry: vec![0; allow.entries.len()],
        ..Suppressed::default()
    };
    findings.retain(|f| {
        if let Some(entry) = allow.hides(&f.rule_id, &f.path, &f.secret) {
            suppressed.allowed += 1;
            suppressed.by_entry[entry] += 1;
            return false;
        }
        if baseline.is_some_and(|b| b.contains(&f.fingerprint)) {
            suppressed.baseline += 1;
            return false;
        }
        true
    });
    suppressed
}
