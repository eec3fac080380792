//! Integration tests: run the built `keysweep` binary on real files in temp folders.
//! One test binary (modules below) so the suite links once.

mod util;

mod accuracy;
mod action;
mod boundaries;
mod bounds;
mod checks;
mod config;
mod console;
mod decode;
mod formats;
mod fuzz_regressions;
mod hooks;
mod hostile;
mod human;
mod hygiene;
mod interrupt;
mod layers;
mod manual;
mod org_scale;
mod output;
mod own_files;
mod pairs;
mod patterns_cmd;
mod properties;
mod providers;
mod readme;
mod report_files;
mod revoke;
mod revoke_status;
mod revoke_trust;
mod sarif;
mod scan_fs;
mod scan_git;
mod trust_config;
mod verifiers;
mod workflow_commands;
