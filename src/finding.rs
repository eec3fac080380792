//! Findings: a matched secret with its rule, its place (line and column) and its fingerprint.

use crate::pattern::{Confidence, Encoding, Pattern, Severity};
use crate::source::{CommitInfo, Provenance, SourceKind};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::Cell;
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

/// One secret at one place. Field order is the JSON contract (the README's "Output formats").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    /// The whole secret; reports shorten it where they must (see `text::redact`).
    pub secret: String,
    pub fingerprint: String,
    /// A many-repository scan's (`--repos`): the repository, as the list names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<Arc<str>>,
    /// Relative to the scanned root, `/`-separated; `<stdin>` for standard input.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub commit: Option<Arc<CommitInfo>>,
    pub blob_id: Option<String>,
    /// How the text at this location was decoded to find the secret (`"base64"`, `"percent"`);
    /// absent when the secret is written as is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<Encoding>,
    /// `low` when one of the pattern's format checks that only lowers confidence failed (a
    /// checksum the provider documents loosely); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// The other half of a pair found in the same blob (a secret key's access key id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pair: Option<PairRef>,
    /// With `--verify`: whether the provider says the secret is live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Status<Verification>>,
    /// With `--revoke`: where its revocation stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Status<Revocation>>,
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

/// A verification ([`Verification`]) or revocation ([`Revocation`]) status, with a secret-free
/// detail. Serialised as `{"status": "live", "detail": "HTTP 200 from api.github.com: /login",
/// "endpoint": "api.github.com", "http_status": 200}` (the last two when a provider answered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status<S> {
    pub status: S,
    pub detail: String,
    /// The host that answered (never a path or query: they may hold the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Its HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
}

impl<S> Status<S> {
    /// A status no provider answer backs.
    pub fn new(status: S, detail: impl Into<String>) -> Self {
        Status {
            status,
            detail: detail.into(),
            endpoint: None,
            http_status: None,
        }
    }
}

impl<S: Copy + Into<&'static str>> Status<S> {
    /// The status as reports write it (`live`, `not_configured`), and its detail.
    pub fn parts(&self) -> (&'static str, &str) {
        (self.status.into(), &self.detail)
    }
}

/// What a secret's provider says of it (`--verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The provider accepted the secret.
    Live,
    /// The provider refused it.
    Invalid,
    /// keysweep cannot ask, or could not get an answer.
    Unknown,
}

impl From<Verification> for &'static str {
    fn from(v: Verification) -> Self {
        match v {
            Verification::Live => "live",
            Verification::Invalid => "invalid",
            Verification::Unknown => "unknown",
        }
    }
}

/// Where a finding's revocation stands (`--revoke`). When several routes take a finding, the
/// first of `Revoked`, `Failed`, `Pending`, `Sent` that one of them reached is its status (the
/// order of the variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Revocation {
    /// Dead: its provider revoked it, its pair was revoked, or a receiver says so.
    Revoked,
    Failed,
    Pending,
    /// Delivered to a webhook receiver, which did not say it revoked it.
    Sent,
    /// Nothing can revoke it: no webhook takes its rule and keysweep cannot revoke it at its
    /// provider. Not a failure: nothing was tried.
    NotConfigured,
}

impl From<Revocation> for &'static str {
    fn from(r: Revocation) -> Self {
        match r {
            Revocation::Revoked => "revoked",
            Revocation::Failed => "failed",
            Revocation::Pending => "pending",
            Revocation::Sent => "sent",
            Revocation::NotConfigured => "not_configured",
        }
    }
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
        encoding: Encoding,
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
            repository: None,
            path: path.to_string(),
            line,
            column,
            end_line,
            end_column,
            commit: provenance.commit.clone(),
            blob_id: provenance.blob_id.clone(),
            source: provenance.kind,
            decoded: None,
            confidence: None,
            pair: None,
            verification: None,
            revocation: None,
            context: LineContext::new(hay, secret.clone(), lines.line_span(hay, line)),
        }
    }

    /// The order reports list findings in, independent of thread scheduling.
    /// Also the location findings are deduplicated by: in a git scan the same secret at the same
    /// line of two versions of a file is in two blobs, so two findings.
    pub fn sort_key(&self) -> (Option<&str>, &str, usize, usize, &str, Option<&str>) {
        (
            self.repository.as_deref(),
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
        // Only the bytes that can show are decoded: on a long line (minified code) decoding all of
        // it for every finding was quadratic. A character is at most 4 bytes, so over
        // CONTEXT_CHARS + 1 whole characters lie between a cut and the secret: the cut may split
        // the first of them, never one that shows.
        const SHOWN_BYTES: usize = 4 * (CONTEXT_CHARS + 2);
        // A secret whose regex starts with a line break (a custom pattern's) may start inside a
        // `\r\n`, past the end of its line: it shows from the line's end.
        let start = secret.start.clamp(line.start, line.end);
        let from = start.saturating_sub(SHOWN_BYTES).max(line.start);
        let after_start = secret.end.clamp(start, line.end);
        let before = lossy(&hay[from..start]);
        let inside = lossy(&hay[start..after_start]);
        let after = lossy(&hay[after_start..line.end.min(after_start + SHOWN_BYTES)]);
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
    /// Where the last indexed line ends (its line break, or the end of the blob).
    last_end: usize,
    /// The last place a column was worked out: (line, byte offset at a character boundary,
    /// column there). Findings come in order along a line, so counting on from here keeps a long
    /// line full of secrets linear instead of recounting it from its start for each.
    cursor: Cell<(usize, usize, usize)>,
}

impl LineIndex {
    /// Line starts of `hay` up to byte `upto` (the end of the last match): the rest of a large
    /// file is never walked.
    pub fn new(hay: &[u8], upto: usize) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', &hay[..upto.min(hay.len())]).map(|i| i + 1));
        let last = *starts.last().expect("there is always a first line");
        let last_end = memchr::memchr(b'\n', &hay[last..]).map_or(hay.len(), |i| last + i);
        LineIndex {
            starts,
            last_end,
            cursor: Cell::new((1, 0, 0)),
        }
    }

    /// Where the last indexed line ends: every line up to there has a number.
    pub fn indexed_end(&self) -> usize {
        self.last_end
    }

    /// The 1-based line of byte `offset` (at most the last indexed line).
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// The byte range of 1-based line `line`, without its line break.
    pub fn line_span(&self, hay: &[u8], line: usize) -> std::ops::Range<usize> {
        let start = self.starts[line - 1];
        let end = match self.starts.get(line) {
            Some(next) => next - 1,
            None => self.last_end,
        };
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
        let line = self.line(offset);
        let start = self.starts[line - 1];
        let (at, column_at) = match self.cursor.get() {
            (cursor_line, at, column) if cursor_line == line => (at, column),
            _ => (start, 0),
        };
        let boundary = char_boundary_before(hay, start, offset);
        let column = if boundary >= at {
            column_at + char_count(&hay[at..boundary])
        } else {
            column_at - char_count(&hay[boundary..at])
        };
        self.cursor.set((line, boundary, column));
        (line, column + char_count(&hay[boundary..offset]) + 1)
    }
}

/// Characters of `bytes` as a lossy UTF-8 decoder counts them.
fn char_count(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|chunk| chunk.valid().chars().count() + usize::from(!chunk.invalid().is_empty()))
        .sum()
}

/// Whether a lossy UTF-8 decoder that starts at `start` begins a character at `at`: any byte
/// but a continuation byte begins one, and so does a continuation byte after three others (no
/// character is longer than four bytes).
fn is_char_boundary(hay: &[u8], start: usize, at: usize) -> bool {
    let continuation = |b: u8| b & 0xC0 == 0x80;
    at <= start
        || at >= hay.len()
        || !continuation(hay[at])
        || (at >= start + 3 && hay[at - 3..at].iter().all(|&b| continuation(b)))
}

/// The nearest character boundary at or before `at` (at most 3 bytes back).
fn char_boundary_before(hay: &[u8], start: usize, mut at: usize) -> usize {
    while !is_char_boundary(hay, start, at) {
        at -= 1;
    }
    at
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
    fn statuses_are_written_as_the_json_contract_names_them() {
        for (status, name) in [
            (Verification::Live, "live"),
            (Verification::Invalid, "invalid"),
            (Verification::Unknown, "unknown"),
        ] {
            assert_eq!(<&str>::from(status), name);
            assert_eq!(serde_json::to_string(&status).unwrap(), format!("{name:?}"));
        }
        for (status, name) in [
            (Revocation::Revoked, "revoked"),
            (Revocation::Failed, "failed"),
            (Revocation::Pending, "pending"),
            (Revocation::Sent, "sent"),
            (Revocation::NotConfigured, "not_configured"),
        ] {
            assert_eq!(<&str>::from(status), name);
            assert_eq!(serde_json::to_string(&status).unwrap(), format!("{name:?}"));
        }
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

    /// Random bytes with long lines, multi-byte characters, cut and stray sequences.
    fn random_hay(next: &mut impl FnMut(usize) -> usize) -> Vec<u8> {
        const PIECES: [&[u8]; 12] = [
            b"a",
            b"key",
            b"\n",
            b"\r\n",
            "é".as_bytes(),
            "€".as_bytes(),
            "😀".as_bytes(),
            b"\xe2\x82",
            b"\x80",
            b"\xf0\x9f\x98",
            b"\xff",
            b"\xe0\x80",
        ];
        let longest = if next(4) == 0 { 2000 } else { 200 };
        let len = next(longest);
        // Some hays almost only of 4-byte characters, the densest a context can be.
        let dense = next(4) == 0;
        let mut hay = Vec::new();
        for _ in 0..len {
            let piece = match dense {
                true if next(16) != 0 => "😀".as_bytes(),
                _ => PIECES[next(PIECES.len())],
            };
            if piece.starts_with(b"\n") && next(40) != 0 {
                continue; // mostly long lines
            }
            hay.extend_from_slice(piece);
        }
        hay
    }

    fn rng(seed: u64) -> impl FnMut(usize) -> usize {
        let mut state = seed | 1;
        move |below| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below.max(1) as u64) as usize
        }
    }

    #[test]
    fn positions_counted_on_from_the_last_equal_those_counted_from_the_line_start() {
        let mut next = rng(7);
        for round in 0..300 {
            let hay = random_hay(&mut next);
            let lines = LineIndex::new(&hay, hay.len());
            let mut offsets: Vec<usize> = (0..next(60)).map(|_| next(hay.len() + 1)).collect();
            if round % 2 == 0 {
                offsets.sort_unstable(); // as findings come; odd rounds jump back and forth
            }
            for offset in offsets {
                let line = lines.starts.partition_point(|&s| s <= offset);
                let from_start = char_count(&hay[lines.starts[line - 1]..offset]) + 1;
                assert_eq!(
                    lines.position(&hay, offset),
                    (line, from_start),
                    "round {round}, offset {offset}, {hay:?}"
                );
            }
        }
    }

    #[test]
    fn context_decoded_near_the_secret_equals_context_decoded_from_the_line() {
        // The definition before contexts were cut: the whole line decoded for each finding.
        fn whole_line(
            hay: &[u8],
            secret: std::ops::Range<usize>,
            line: std::ops::Range<usize>,
        ) -> LineContext {
            let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
            let before = lossy(&hay[line.start..secret.start]);
            let inside = lossy(&hay[secret.start..secret.end.min(line.end)]);
            let after = lossy(&hay[secret.end.min(line.end)..line.end]);
            let n = before.chars().count();
            let mut kept: String = before
                .chars()
                .skip(n.saturating_sub(CONTEXT_CHARS))
                .collect();
            if n > CONTEXT_CHARS {
                kept.insert(0, '…');
            }
            let mut tail: String = after.chars().take(CONTEXT_CHARS).collect();
            if after.chars().count() > CONTEXT_CHARS {
                tail.push('…');
            }
            let start = kept.chars().count();
            let end = start + inside.chars().count();
            LineContext {
                text: format!("{kept}{inside}{tail}"),
                secret: start..end,
            }
        }
        let mut next = rng(11);
        for round in 0..1000 {
            let hay = random_hay(&mut next);
            let lines = LineIndex::new(&hay, hay.len());
            let start = next(hay.len() + 1);
            let end = (start + next(40)).min(hay.len());
            let span = lines.line_span(&hay, lines.position(&hay, start).0);
            if start > span.end {
                continue; // a secret never starts in a line break
            }
            assert_eq!(
                LineContext::new(&hay, start..end, span.clone()),
                whole_line(&hay, start..end, span),
                "round {round}, secret {start}..{end}, {hay:?}"
            );
        }
    }

    #[test]
    fn line_spans_end_at_the_line_break_also_past_the_indexed_part() {
        let hay = b"a\r\nbc\nlong last line\nnot indexed";
        let lines = LineIndex::new(hay, 9);
        assert_eq!(lines.line_span(hay, 1), 0..1);
        assert_eq!(lines.line_span(hay, 2), 3..5);
        assert_eq!(lines.line_span(hay, 3), 6..20);
        assert_eq!(lines.indexed_end(), 20);
        assert_eq!(lines.line(19), 3);
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
