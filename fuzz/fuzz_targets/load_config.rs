//! Fuzz target `load_config`: see `keysweep::fuzz::load_config` (the same code replays crashing inputs in
//! `cargo test`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| keysweep::fuzz::load_config(data));
