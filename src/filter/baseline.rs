//! The baseline: fingerprints of findings already known and accepted.

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
