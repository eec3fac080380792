//! Ctrl-C (SIGINT) and SIGTERM. The first asks the scan to stop where it is: sources stop
//! producing, workers stop scanning, and keysweep writes what it found as a report marked
//! partial, then exits with 130. A second ends the process at once, also with 130. Nothing is
//! sent to a webhook or a provider after an interruption: verification and revocation check the
//! flag before each finding, batch and attempt, and while waiting (`revoke::http::Client`), then
//! keysweep writes its reports and exits with 130.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The exit status after an interruption: 128 + SIGINT, as shells report it.
pub const EXIT_STATUS: u8 = 130;

static REQUESTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the handlers (once; later calls do nothing).
///
/// # Errors
/// The handlers cannot be registered.
pub fn install() -> std::io::Result<()> {
    if REQUESTED.get().is_some() {
        return Ok(());
    }
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // In this order: the first signal finds the flag unset (no exit) and then sets it; a
        // second finds it set and exits.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            i32::from(EXIT_STATUS),
            flag.clone(),
        )?;
        signal_hook::flag::register(signal, flag.clone())?;
    }
    let _ = REQUESTED.set(flag);
    Ok(())
}

/// Whether an interruption was asked for. Cheap: sources check it per file or commit.
pub fn requested() -> bool {
    REQUESTED.get().is_some_and(|f| f.load(Ordering::Relaxed))
}
