//! Standard input (`keysweep scan -`), read whole up to the size limit.

use super::{Blob, Item, Notice, Provenance, Skip, SourceKind};
use std::io::Read;

/// The display path of standard input in reports.
pub const STDIN_PATH: &str = "<stdin>";

/// Reads `input` up to `limit` bytes; a larger input is a skip, said and counted, not a partial scan.
pub fn read(mut input: impl Read, limit: u64) -> Item {
    let mut bytes = Vec::new();
    let notice = |n| Item::Notice(n);
    match input
        .by_ref()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        Err(e) => notice(Notice::Error {
            path: STDIN_PATH.into(),
            message: format!("cannot read: {e}"),
        }),
        Ok(n) if n as u64 > limit => {
            // Drain the rest so a writer on a pipe does not die of SIGPIPE.
            let rest = std::io::copy(&mut input, &mut std::io::sink()).unwrap_or(0);
            notice(Notice::Skipped {
                path: STDIN_PATH.into(),
                reason: Skip::TooLarge {
                    size: n as u64 + rest,
                    limit,
                },
            })
        }
        Ok(_) => Item::Blob(Blob {
            bytes,
            path: STDIN_PATH.into(),
            provenance: Provenance {
                kind: SourceKind::Stdin,
                ..Provenance::default()
            },
        }),
    }
}
