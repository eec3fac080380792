//! Fuzz target `scan_bytes`: see `keysweep::fuzz::scan_bytes` (the same code replays crashing inputs in
//! `cargo test`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| keysweep::fuzz::scan_bytes(data));
