//! keysweep finds leaked credentials in files and git history.
//!
//! Data flow: a **source** yields blobs (bytes plus where they came from); the **engine** runs a
//! keyword prefilter, then each woken pattern's regex on small windows, then boundary and
//! post-checks; the **scan stages** turn matches into **findings** (rule, secret, location,
//! fingerprint), decoding encoded values and pairing key halves; **filters** drop what the config
//! allows and the baseline knows; the **sinks** render findings (human, JSON, JSONL, SARIF, GitHub
//! annotations, Markdown) and verify or revoke them. ARCHITECTURE.md gives the layer order.

pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod console;
pub mod decode;
pub mod discover;
pub mod engine;
pub mod exit;
pub mod filter;
pub mod finding;
#[doc(hidden)]
pub mod fuzz;
pub mod hook;
pub mod interrupt;
pub mod manual;
pub mod merge;
pub mod output;
pub mod own_files;
pub mod pattern;
pub mod places;
pub mod report;
pub mod revoke;
pub mod scan;
pub mod source;
pub mod stages;
pub mod state_file;
pub mod stats;
pub mod text;
