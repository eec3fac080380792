//! Fuzz target `parse_state`: see `keysweep::fuzz::parse_state` (the same code replays crashing inputs in
//! `cargo test`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| keysweep::fuzz::parse_state(data));
