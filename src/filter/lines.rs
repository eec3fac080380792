//! Filters that need the blob's lines: inline `keysweep:allow` markers, and (for range and staged
//! scans) the lines a change added. They run per blob, while its bytes are at hand.

use crate::finding::{Finding, LineIndex};
use crate::source::Provenance;

/// Marks a line whose findings are not reported, in any comment syntax: `# keysweep:allow`.
pub const ALLOW_MARKER: &[u8] = b"keysweep:allow";

/// Drops every finding on a line holding [`ALLOW_MARKER`] (any line of a multi-line secret) and,
/// when the provenance lists added lines, every finding touching none of them.
pub fn apply(
    found: Vec<Finding>,
    hay: &[u8],
    lines: &LineIndex,
    provenance: &Provenance,
) -> Vec<Finding> {
    // Found in one pass, not per finding: a long line holding many findings stays linear.
    let allowed_lines: Vec<usize> =
        memchr::memmem::find_iter(&hay[..lines.indexed_end()], ALLOW_MARKER)
            .map(|at| lines.line(at))
            .collect();
    found
        .into_iter()
        .filter(|f| {
            let first = allowed_lines.partition_point(|&l| l < f.line);
            allowed_lines.get(first).is_none_or(|&l| l > f.end_line)
        })
        .filter(|f| match &provenance.added_lines {
            None => true,
            Some(added) => {
                let first = added.partition_point(|&l| (l as usize) < f.line);
                added.get(first).is_some_and(|&l| l as usize <= f.end_line)
            }
        })
        .collect()
}
