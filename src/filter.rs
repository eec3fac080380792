//! What is not reported: `[allow]` rules of the config and the fingerprints of a baseline.
//! (Inline `keysweep:allow` markers are checked while the blob's bytes are at hand, in `scan`.)

use crate::config::Allow;
use crate::finding::Finding;
use anyhow::{anyhow, Context};
use std::collections::HashSet;
use std::path::Path;

/// The fingerprints of a previous keysweep JSON report: secrets already known and accepted.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
}

impl Baseline {
    /// Reads a `--format json` report (redacted or not) and keeps its fingerprints.
    ///
    /// # Errors
    /// An unreadable file, invalid JSON, or JSON that is not a keysweep report: never an empty
    /// baseline, which would silently report everything as new (or, worse, hide a typo).
    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the baseline", path.display()))?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// As [`Baseline::load`], from the file's text; `name` names it in errors.
    ///
    /// # Errors
    /// Invalid JSON, or JSON that is not a keysweep report.
    pub fn parse(name: &str, text: &str) -> anyhow::Result<Baseline> {
        let report: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| anyhow!("{name}: the baseline is not valid JSON: {e}"))?;
        let not_a_report = || {
            anyhow!("{name}: not a keysweep JSON report (make one with `keysweep baseline create -o {name}`)")
        };
        if report.pointer("/tool/name").and_then(|v| v.as_str()) != Some("keysweep") {
            return Err(not_a_report());
        }
        let findings = report
            .get("findings")
            .and_then(|f| f.as_array())
            .ok_or_else(not_a_report)?;
        let mut fingerprints = HashSet::new();
        for (i, finding) in findings.iter().enumerate() {
            let fp = finding
                .get("fingerprint")
                .and_then(|f| f.as_str())
                .filter(|f| f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or_else(|| {
                    anyhow!(
                        "{name}: finding {} has no valid fingerprint; recreate the baseline with \
                         `keysweep baseline create -o {name}`",
                        i + 1
                    )
                })?;
            fingerprints.insert(fp.to_ascii_lowercase());
        }
        Ok(Baseline { fingerprints })
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }
}

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
