//! Where keysweep's own files live, outside any scanned tree: the user's config file and the
//! state folder (revocation journal, its key, caches). A scanned repository never chooses these.

use anyhow::{anyhow, Context};
use std::path::PathBuf;

/// The user's own config, read on every run unless `--no-config`: `$XDG_CONFIG_HOME/keysweep/config.toml`
/// (`~/.config/keysweep/config.toml`; the platform's config folder elsewhere).
pub fn user_config_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("keysweep").join("config.toml"))
}

/// keysweep's state folder: `$XDG_STATE_HOME/keysweep` (`~/.local/state/keysweep`; the
/// platform's local data folder where there is no state folder). Created private (0700).
///
/// # Errors
/// No home folder to put it in, or it cannot be created.
pub fn state_dir() -> anyhow::Result<PathBuf> {
    let dir = dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .ok_or_else(|| {
            anyhow!(
                "no state folder: set XDG_STATE_HOME or HOME, or give the path on the command line"
            )
        })?
        .join("keysweep");
    create_private_dir(&dir)?;
    Ok(dir)
}

/// Creates `dir` and its missing parents, the new ones private to the user (0700).
///
/// # Errors
/// The folder cannot be created.
pub fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))
}
