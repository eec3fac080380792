//! How keysweep talks to a person: whether the human report is coloured (`--color`) and whether
//! notices are printed (`--quiet`). Set once from the command line, before any work starts.
//!
//! `--quiet` keeps the report and errors: what made the exit status (the scan had errors, an
//! interruption, a report not written) and what `--verify`/`--revoke` could not do. It drops the
//! summary line, the progress line, notices and warnings.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set (to anything but the empty string).
    #[default]
    Auto,
    /// Always, even to a file or a pipe, whatever NO_COLOR says.
    Always,
    /// Never.
    Never,
}

static QUIET: AtomicBool = AtomicBool::new(false);
static COLOR: OnceLock<ColorChoice> = OnceLock::new();

/// Records `--color` and `--quiet` for the whole process (the first call's colour stays).
pub fn set(color: ColorChoice, quiet: bool) {
    let _ = COLOR.set(color);
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given: notices, warnings, progress and the summary are not printed.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether the human report is coloured, given whether it goes to a terminal.
pub fn color(to_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let choice = COLOR.get().copied().unwrap_or_default();
    decide(choice, to_terminal, no_color)
}

fn decide(choice: ColorChoice, to_terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && !no_color,
    }
}

/// `eprintln!` unless `--quiet`: for notices and warnings, never for errors.
#[macro_export]
macro_rules! notice {
    ($($arg:tt)*) => {
        if !$crate::console::quiet() {
            eprintln!($($arg)*);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_wins_over_no_color_and_auto_needs_a_terminal_without_it() {
        let (auto, always, never) = (ColorChoice::Auto, ColorChoice::Always, ColorChoice::Never);
        assert!(decide(auto, true, false));
        assert!(!decide(auto, false, false));
        assert!(!decide(auto, true, true));
        assert!(decide(always, false, true));
        assert!(!decide(never, true, false));
    }
}
