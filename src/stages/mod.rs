//! The finding stages: what becomes of the engine's matches in one blob, in the order
//! `scan::scan_blob` runs them.
//!
//! 1. [`decoded`]: base64 values where the keyword pass saw a decoder's trigger word are decoded
//!    and scanned again;
//! 2. [`locate`]: matches become findings (line, column, fingerprint; percent-encoded secrets
//!    decoded);
//! 3. [`pair`]: the two halves of a key pair name each other.
//!
//! The filters come after (`crate::filter`).

pub mod decoded;
pub mod locate;
pub mod pair;
