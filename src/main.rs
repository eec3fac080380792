//! The `keysweep` binary: parse, run, map the outcome to an exit status.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    keysweep::cli::install_panic_hook();
    let cli = keysweep::cli::Cli::parse();
    match keysweep::cli::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            // An error can quote the scanned tree (a pattern id, a path): one sanitised line.
            let message = keysweep::text::sanitize(&format!("{err:#}"));
            eprintln!("keysweep: error: {message}");
            ExitCode::from(keysweep::exit::Exit::FAILED)
        }
    }
}
