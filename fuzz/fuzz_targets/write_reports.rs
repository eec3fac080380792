//! Fuzz target `write_reports`: see `keysweep::fuzz::write_reports` (the same code replays crashing inputs in
//! `cargo test`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| keysweep::fuzz::write_reports(data));
