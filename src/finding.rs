//! Findings: a matched secret with its rule, its place (line and column) and its fingerprint.

use crate::pattern::{Pattern, Severity};
use crate::source::{CommitInfo, Provenance, SourceKind};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The identity of a secret wherever it appears: `sha256(rule_id + ":" + secret)`, lowercase hex.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update(b":");
    hasher.update(secret);
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One secret at one place. Field order is the JSON contract (ARCHITECTURE.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    /// The whole secret; reports shorten it where they must (see `report::redact`).
    pub secret: String,
    pub fingerprint: String,
    /// Relative to the scanned root, `/`-separated; `<stdin>` for standard input.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub commit: Option<Arc<CommitInfo>>,
    pub blob_id: Option<String>,
    /// file, stdin, commit or staged: not in the JSON contract, but what a webhook is told.
    #[serde(skip)]
    pub source: SourceKind,
}

impl Finding {
    /// A finding of `pattern` for the secret at `secret` in `hay`.
    pub fn new(
        pattern: &Pattern,
        hay: &[u8],
        secret: std::ops::Range<usize>,
        lines: &LineIndex,
        path: &str,
        provenance: &Provenance,
    ) -> Self {
        let bytes = &hay[secret.clone()];
        let (line, column) = lines.position(hay, secret.start);
        let (end_line, end_column) = lines.position(hay, secret.end);
        Finding {
            rule_id: pattern.id.clone(),
            rule_name: pattern.name.clone(),
            severity: pattern.severity,
            secret: String::from_utf8_lossy(bytes).into_owned(),
            fingerprint: fingerprint(&pattern.id, bytes),
            path: path.to_string(),
            line,
            column,
            end_line,
            end_column,
            commit: provenance.commit.clone(),
            blob_id: provenance.blob_id.clone(),
            source: provenance.kind,
        }
    }

    /// The order reports list findings in, independent of thread scheduling.
    /// Also the location findings are deduplicated by: in a git scan the same secret at the same
    /// line of two versions of a file is in two blobs, so two findings.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, Option<&str>) {
        (
            &self.path,
            self.line,
            self.column,
            &self.rule_id,
            self.blob_id.as_deref(),
        )
    }
}

/// Where each line of a blob starts, built only for blobs that have matches.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Line starts of `hay` up to byte `upto` (the end of the last match): the rest of a large
    /// file is never walked.
    pub fn new(hay: &[u8], upto: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', &hay[..upto.min(hay.len())]).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column of byte `offset`. The column counts Unicode characters as a
    /// lossy UTF-8 decoder sees them: each invalid sequence is one replacement character.
    pub fn position(&self, hay: &[u8], offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column: usize = hay[start..offset]
            .utf8_chunks()
            .map(|chunk| chunk.valid().chars().count() + usize::from(!chunk.invalid().is_empty()))
            .sum();
        (line, column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256_of_rule_colon_secret() {
        // printf 'scaleway.access_key:SCW0123456789ABCDEFGH' | sha256sum
        assert_eq!(
            fingerprint("scaleway.access_key", b"SCW0123456789ABCDEFGH"),
            "c7abbf90cd6e69e06c95d5a2279ec4a8e1c651c5ac751e854836f73692142eb5"
        );
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let hay = "ab\r\nçé KEY\nx".as_bytes();
        let lines = LineIndex::new(hay, hay.len());
        assert_eq!(lines.position(hay, 0), (1, 1));
        assert_eq!(lines.position(hay, 4), (2, 1));
        let key = hay.windows(3).position(|w| w == b"KEY").unwrap();
        assert_eq!(lines.position(hay, key), (2, 4));
        assert_eq!(lines.position(hay, key + 3), (2, 7));
        assert_eq!(lines.position(hay, hay.len()), (3, 2));
        // Three stray continuation bytes are three replacement characters; a cut sequence is one.
        let bin = b"\x00\x9f\x92\x96\x00\xffK \xe2\x82K";
        let lines = LineIndex::new(bin, bin.len());
        assert_eq!(lines.position(bin, 6), (1, 7));
        assert_eq!(lines.position(bin, 10), (1, 10));
    }
}
