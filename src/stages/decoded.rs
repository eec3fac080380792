//! Stage: secrets inside encoded values. The base64 values that `decode` finds (where the keyword
//! pass saw its trigger words) are scanned by the engine like any text, and once more inside
//! (a docker config inside a Kubernetes Secret).

use crate::decode::{self, Triggers};
use crate::engine::Engine;

/// A secret found inside a decoded view, and the encoded span of the blob it came from.
pub struct DecodedMatch {
    pub pattern: usize,
    pub secret: Vec<u8>,
    pub encoded: std::ops::Range<usize>,
    /// As [`crate::engine::Match::low_confidence`].
    pub low_confidence: bool,
}

/// Secrets in the base64 values of `hay`, and in base64 values inside those (a docker config
/// inside a Kubernetes Secret), each located at the outermost encoded span.
pub fn matches(engine: &Engine, hay: &[u8], triggers: Triggers) -> Vec<DecodedMatch> {
    let mut found = Vec::new();
    for view in decode::views(hay, triggers) {
        let (matches, inner_triggers) = engine.scan_with_triggers(&view.bytes);
        let mut record = |bytes: &[u8], matches: Vec<crate::engine::Match>| {
            for m in matches {
                found.push(DecodedMatch {
                    pattern: m.pattern,
                    secret: bytes[m.secret].to_vec(),
                    encoded: view.encoded.clone(),
                    low_confidence: m.low_confidence,
                });
            }
        };
        record(&view.bytes, matches);
        for inner in decode::views(&view.bytes, inner_triggers) {
            record(&inner.bytes, engine.scan(&inner.bytes));
        }
    }
    found
}
