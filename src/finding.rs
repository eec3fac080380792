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
    /// `"base64"` when the secret was found by decoding the text at this location; absent
    /// otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<&'static str>,
    /// The other half of a pair found in the same blob (a secret key's access key id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pair: Option<PairRef>,
    /// With `--verify`: whether the provider says the secret is live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Status>,
    /// With `--revoke`: where its revocation stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Status>,
    /// file, stdin, commit or staged: not in the JSON contract, but what a webhook is told.
    #[serde(skip)]
    pub source: SourceKind,
    /// The secret's first line, for the human report (not in JSON: it holds the secret).
    #[serde(skip)]
    pub context: LineContext,
}

/// The finding a paired secret goes with, so both can be acted on together (a Scaleway secret
/// key is revoked through its access key id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairRef {
    pub rule_id: String,
    pub secret: String,
    pub fingerprint: String,
    pub line: usize,
    pub column: usize,
}

impl PairRef {
    pub fn of(f: &Finding) -> Self {
        PairRef {
            rule_id: f.rule_id.clone(),
            secret: f.secret.clone(),
            fingerprint: f.fingerprint.clone(),
            line: f.line,
            column: f.column,
        }
    }
}

/// A verification (`live`, `invalid`, `unknown`) or revocation (`revoked`, `sent`, `pending`,
/// `failed`) status, with a secret-free detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub status: &'static str,
    pub detail: String,
}

/// A line of text around a secret, cut to a readable width, and where the secret sits in it
/// (in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineContext {
    pub text: String,
    pub secret: std::ops::Range<usize>,
}

/// Characters of context kept either side of a secret on a long line (minified code).
const CONTEXT_CHARS: usize = 60;

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
        Self::at(
            pattern,
            &hay[secret.clone()],
            hay,
            secret,
            lines,
            path,
            provenance,
        )
    }

    /// A finding of `pattern` for `bytes`, found by decoding the text at `secret` in `hay`: it is
    /// reported where the encoded text is, and says how it was decoded.
    #[allow(clippy::too_many_arguments)]
    pub fn decoded(
        pattern: &Pattern,
        bytes: &[u8],
        encoding: &'static str,
        hay: &[u8],
        encoded: std::ops::Range<usize>,
        lines: &LineIndex,
        path: &str,
        provenance: &Provenance,
    ) -> Self {
        Finding {
            decoded: Some(encoding),
            ..Self::at(pattern, bytes, hay, encoded, lines, path, provenance)
        }
    }

    fn at(
        pattern: &Pattern,
        bytes: &[u8],
        hay: &[u8],
        secret: std::ops::Range<usize>,
        lines: &LineIndex,
        path: &str,
        provenance: &Provenance,
    ) -> Self {
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
            decoded: None,
            pair: None,
            verification: None,
            revocation: None,
            context: LineContext::new(hay, secret.clone(), lines.line_span(hay, line)),
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

impl LineContext {
    /// The secret's first line, cut to [`CONTEXT_CHARS`] either side of the secret; a secret that
    /// runs past the line (a private key block) ends at the line's end.
    fn new(hay: &[u8], secret: std::ops::Range<usize>, line: std::ops::Range<usize>) -> Self {
        let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let before = lossy(&hay[line.start..secret.start]);
        let inside = lossy(&hay[secret.start..secret.end.min(line.end)]);
        let after = lossy(&hay[secret.end.min(line.end)..line.end]);
        let before: String = {
            let n = before.chars().count();
            let kept: String = before
                .chars()
                .skip(n.saturating_sub(CONTEXT_CHARS))
                .collect();
            if n > CONTEXT_CHARS {
                format!("…{kept}")
            } else {
                kept
            }
        };
        let after: String = {
            let kept: String = after.chars().take(CONTEXT_CHARS).collect();
            if after.chars().count() > CONTEXT_CHARS {
                format!("{kept}…")
            } else {
                kept
            }
        };
        let start = before.chars().count();
        let end = start + inside.chars().count();
        LineContext {
            text: format!("{before}{inside}{after}"),
            secret: start..end,
        }
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

    /// The byte range of 1-based line `line`, without its line break.
    pub fn line_span(&self, hay: &[u8], line: usize) -> std::ops::Range<usize> {
        let start = self.starts[line - 1];
        let end = memchr::memchr(b'\n', &hay[start..]).map_or(hay.len(), |i| start + i);
        let end = if end > start && hay[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        start..end
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
    fn context_is_the_secrets_line_cut_around_it() {
        let hay = b"first\r\nkey = \"SECRET\" # note\r\nlast";
        let lines = LineIndex::new(hay, hay.len());
        let at = 14..20;
        let ctx = LineContext::new(hay, at, lines.line_span(hay, 2));
        assert_eq!(ctx.text, "key = \"SECRET\" # note");
        assert_eq!(&ctx.text[ctx.secret.clone()], "SECRET");
        let long = format!("{}TOKEN{}", "a".repeat(200), "b".repeat(200));
        let lines = LineIndex::new(long.as_bytes(), long.len());
        let ctx = LineContext::new(
            long.as_bytes(),
            200..205,
            lines.line_span(long.as_bytes(), 1),
        );
        assert_eq!(ctx.text.chars().count(), 2 * CONTEXT_CHARS + 5 + 2);
        assert_eq!(
            ctx.text
                .chars()
                .skip(ctx.secret.start)
                .take(5)
                .collect::<String>(),
            "TOKEN"
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
