//! Fuzz target `load_patterns`: see `keysweep::fuzz::load_patterns` (the same code replays crashing inputs in
//! `cargo test`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| keysweep::fuzz::load_patterns(data));
