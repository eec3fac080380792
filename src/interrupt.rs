//! Ctrl-C (SIGINT) and SIGTERM. The first asks the scan to stop where it is: sources stop
//! producing, workers stop scanning, and keysweep writes what it found as a report marked
//! partial, then exits with 130. Nothing is sent to a webhook or a provider after an
//! interruption: verification and revocation check the flag before each finding, batch and
//! attempt, and while waiting (`revoke::http::Client`), then keysweep writes its reports and exits
//! with 130.
//!
//! Signals that arrive within [`SAME_INTERRUPT`] of the first count as that one: `timeout -s INT`
//! signals keysweep and then its whole process group, so a single timeout delivers two SIGINTs at
//! once. A signal after that ends the process at once, with 130, and says that no
//! report was written: an exit without a report is never silent.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The exit status after an interruption: 128 + SIGINT, as shells report it.
pub const EXIT_STATUS: u8 = 130;

/// Signals this close to the first are the same interruption, not a second, deliberate one.
pub const SAME_INTERRUPT: Duration = Duration::from_secs(1);

static REQUESTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the handlers (once; later calls do nothing).
///
/// # Errors
/// The handlers cannot be registered, or their thread cannot start.
pub fn install() -> std::io::Result<()> {
    if REQUESTED.get().is_some() {
        return Ok(());
    }
    let flag = Arc::new(AtomicBool::new(false));
    let kinds = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
    for signal in kinds {
        // Set by the handler itself, so sources see it at once, whenever the thread below runs.
        signal_hook::flag::register(signal, flag.clone())?;
    }
    let mut signals = signal_hook::iterator::Signals::new(kinds)?;
    std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            let mut first = None;
            for _ in signals.forever() {
                match arrival(&mut first, Instant::now()) {
                    Arrival::First if !crate::console::quiet() => say(
                        "interrupted: stopping (interrupt again to exit at once, without a report)",
                    ),
                    Arrival::First | Arrival::Same => {}
                    Arrival::Again => {
                        say("interrupted again: exiting at once; no report was written");
                        std::process::exit(i32::from(EXIT_STATUS));
                    }
                }
            }
        })?;
    let _ = REQUESTED.set(flag);
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
enum Arrival {
    /// Stop the scan and write what was found.
    First,
    /// Part of the first interruption (`timeout` signalling the process and its group).
    Same,
    /// A deliberate second interruption: exit now.
    Again,
}

/// What a signal arriving `now` is, given the first one's time (recorded when there was none).
fn arrival(first: &mut Option<Instant>, now: Instant) -> Arrival {
    match *first {
        None => {
            *first = Some(now);
            Arrival::First
        }
        Some(at) if now.duration_since(at) < SAME_INTERRUPT => Arrival::Same,
        Some(_) => Arrival::Again,
    }
}

/// One line on stderr, on a line of its own even while the progress line is drawn there.
fn say(text: &str) {
    let clear = if std::io::stderr().is_terminal() {
        "\r\x1b[2K"
    } else {
        ""
    };
    eprintln!("{clear}keysweep: {text}");
}

/// Whether an interruption was asked for. Cheap: sources check it per file or commit.
pub fn requested() -> bool {
    REQUESTED.get().is_some_and(|f| f.load(Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_within_a_second_of_the_first_are_one_interruption() {
        let start = Instant::now();
        let mut first = None;
        let at = |ms| start + Duration::from_millis(ms);
        assert_eq!(arrival(&mut first, start), Arrival::First);
        assert_eq!(arrival(&mut first, at(5)), Arrival::Same);
        assert_eq!(arrival(&mut first, at(999)), Arrival::Same);
        assert_eq!(arrival(&mut first, start + SAME_INTERRUPT), Arrival::Again);
        assert_eq!(arrival(&mut first, at(2000)), Arrival::Again);
    }
}
