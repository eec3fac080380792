//! Stage: matches become findings, with their line, column and fingerprint. A secret a pattern
//! declares percent-encoded (a URL's password) is reported decoded.

use super::decoded::DecodedMatch;
use crate::engine::Match;
use crate::finding::{Finding, LineIndex};
use crate::pattern::{Confidence, Encoding, Pattern};
use crate::source::Blob;

/// How far into the blob lines must be indexed: the end of the last match.
pub fn last_end(matches: &[Match], decoded: &[DecodedMatch]) -> usize {
    matches
        .iter()
        .map(|m| m.secret.end)
        .chain(decoded.iter().map(|d| d.encoded.end))
        .max()
        .unwrap_or(0)
}

/// Each match as a finding, with the index of its pattern (the pair stage needs it).
pub fn findings(
    patterns: &[Pattern],
    blob: &Blob,
    lines: &LineIndex,
    matches: Vec<Match>,
    decoded: Vec<DecodedMatch>,
) -> Vec<(usize, Finding)> {
    let (hay, path, provenance) = (&blob.bytes, &blob.path, &blob.provenance);
    matches
        .into_iter()
        .map(|m| {
            let pattern = &patterns[m.pattern];
            let mut finding = match pattern.encoding() {
                Some(Encoding::Percent) => match percent_decoded(&hay[m.secret.clone()]) {
                    Some(bytes) => Finding::decoded(
                        pattern,
                        &bytes,
                        Encoding::Percent,
                        hay,
                        m.secret,
                        lines,
                        path,
                        provenance,
                    ),
                    None => Finding::new(pattern, hay, m.secret, lines, path, provenance),
                },
                // Base64 is never a pattern's `encoding`: `decode` finds those values.
                None | Some(Encoding::Base64) => {
                    Finding::new(pattern, hay, m.secret, lines, path, provenance)
                }
            };
            finding.confidence = m.low_confidence.then_some(Confidence::Low);
            (m.pattern, finding)
        })
        .chain(decoded.into_iter().map(|d| {
            let pattern = &patterns[d.pattern];
            let mut finding = Finding::decoded(
                pattern,
                &d.secret,
                Encoding::Base64,
                hay,
                d.encoded,
                lines,
                path,
                provenance,
            );
            finding.confidence = d.low_confidence.then_some(Confidence::Low);
            (d.pattern, finding)
        }))
        .collect()
}

/// The bytes `%XX`-decoded, or `None` when there is no valid escape (nothing was encoded).
fn percent_decoded(text: &[u8]) -> Option<Vec<u8>> {
    match std::borrow::Cow::from(percent_encoding::percent_decode(text)) {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(bytes) => Some(bytes),
    }
}
