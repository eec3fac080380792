//! The command line: [`args`] declares and checks the arguments and turns them into a typed
//! [`Task`](crate::app::Task); [`run`] hands it to the [application](crate::app), which returns
//! the exit status. Exit status: 0 clean, 1 (or `--exit-code`) findings, 2 an error that stopped
//! the work (see [`Exit`]).

pub mod args;
mod task;

pub use args::Cli;

use crate::exit::Exit;

/// Replaces Rust's panic message, which may quote the data being handled (a slice of a scanned
/// line, a secret), with one line naming only where the bug is. `KEYSWEEP_PANIC_DETAILS=1` shows
/// the full message and backtrace, for a developer on their own data.
pub fn install_panic_hook() {
    if std::env::var_os("KEYSWEEP_PANIC_DETAILS").is_some_and(|v| v == "1") {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", panic_line(info.location()));
    }));
}

/// The one line a panic prints: no payload, so no scanned data.
fn panic_line(location: Option<&std::panic::Location>) -> String {
    let place = location.map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
    format!(
        "keysweep: internal error{place}: this is a bug. Please report it with the command you ran; \
         its message is hidden as it may quote scanned data (KEYSWEEP_PANIC_DETAILS=1 shows it)"
    )
}

/// Runs a parsed command line and returns the process exit status.
///
/// # Errors
/// Anything that stops the work (bad pattern, missing path, unwritable output): exit status 2.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    crate::console::set(cli.color, cli.quiet);
    crate::app::run(cli.command.into_task()?)
}

#[cfg(test)]
mod tests {
    /// The hook's line is built from the location alone: it has no way to quote a payload.
    #[test]
    fn a_panic_line_names_only_the_place_of_the_bug() {
        let line = super::panic_line(Some(std::panic::Location::caller()));
        assert!(
            line.starts_with(&format!("keysweep: internal error at {}:", file!())),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }
}
