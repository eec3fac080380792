//! Where reports go: standard output, or a file written so that the tree being scanned cannot
//! redirect it (a pull request can commit a symlink named like a report).
//!
//! A report file (`-o FILE`, `--report FORMAT=FILE`, `baseline create -o FILE`) is written as:
//! - **a new or regular file**: a private temporary file (mode 0600, created exclusively, so never
//!   through a link) in the same folder, renamed over FILE once complete. A reader sees the old
//!   report or the new one whole; a file that was there (a hard link, another owner's file) is
//!   replaced, never written into, truncated or chmodded.
//! - **a symbolic link**: refused, left as it is, and its target untouched.
//! - **a character device or FIFO** (`/dev/null`, a named pipe): opened as it is; never created,
//!   truncated or chmodded. So are `/dev/stdout`, `/dev/stderr` and `/dev/fd/N`, links to this
//!   process's own streams.
//! - **its folders**: those below the current folder (where a checkout usually is) must be real
//!   folders, not links; folders above it, or of an absolute path elsewhere (`$RUNNER_TEMP/…`,
//!   macOS's `/tmp`), are taken as the user gave them.
//!
//! The checks look at the path once and the tree is assumed not to change meanwhile (a scanned
//! repository is files, not a running attacker); the final rename and the exclusive create are
//! safe whatever happens.

use crate::text::sanitize;
use anyhow::{anyhow, bail, Context};
use std::fs::{File, Metadata, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};

/// Writes a report to FILE, or to standard output (a closed pipe there is not an error).
///
/// # Errors
/// A refused or unwritable FILE, or a write error of `render`, each naming FILE.
pub fn write(
    path: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match path {
        Some(path) => write_file(path, render),
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            match render(&mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(e).context("cannot write to standard output")
                }
                _ => Ok(()),
            }
        }
    }
}

fn write_file(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let shown = sanitize(&path.display().to_string());
    if is_own_stream(path) {
        return write_stream(path, &shown, false, render);
    }
    if let Some(link) = linked_folder(path) {
        bail!(
            "{shown}: the folder {} is a symbolic link; keysweep writes reports only through real \
             folders below the current one (a link could lead out of it): use a real folder or an \
             absolute path",
            sanitize(&link.display().to_string())
        );
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => bail!(
            "{shown}: is a symbolic link; keysweep does not write a report through a link (it \
             could point anywhere): remove the link or choose another path"
        ),
        Ok(meta) if is_device_or_fifo(&meta) => write_stream(path, &shown, true, render),
        Ok(meta) if meta.is_dir() => bail!("{shown}: is a folder; give a file name for the report"),
        Ok(meta) if !meta.is_file() => {
            bail!("{shown}: is not a regular file, character device or FIFO; no report written")
        }
        Ok(_) => replace(path, &shown, render).map(|()| crate::own_files::record_report(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            replace(path, &shown, render).map(|()| crate::own_files::record_report(path))
        }
        Err(e) => Err(e).with_context(|| format!("{shown}: cannot write the report")),
    }
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`: links to this process's own streams.
fn is_own_stream(path: &Path) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    matches!(text, "/dev/stdout" | "/dev/stderr")
        || text
            .strip_prefix("/dev/fd/")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(unix)]
fn is_device_or_fifo(meta: &Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    kind.is_char_device() || kind.is_fifo()
}

#[cfg(not(unix))]
fn is_device_or_fifo(_meta: &Metadata) -> bool {
    false
}

/// The first folder of `path` below the current folder that is a symbolic link.
fn linked_folder(path: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let full = cwd.join(path);
    let below = full.parent()?.strip_prefix(&cwd).ok()?;
    let mut at = cwd.clone();
    for part in below.components() {
        match part {
            Component::Normal(name) => {
                at.push(name);
                let meta = std::fs::symlink_metadata(&at).ok()?;
                if meta.file_type().is_symlink() {
                    return at.strip_prefix(&cwd).ok().map(Path::to_path_buf);
                }
            }
            Component::ParentDir => {
                at.pop();
                if !at.starts_with(&cwd) {
                    return None;
                }
            }
            _ => {}
        }
    }
    None
}

/// Writes to a device, a FIFO or one of this process's streams as it is: no create, no truncate,
/// no chmod. `check`: what was opened must still be a device or FIFO (not a file swapped in).
fn write_stream(
    path: &Path,
    shown: &str,
    check: bool,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let context = || format!("{shown}: cannot write the report");
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(context)?;
    if check && !is_device_or_fifo(&file.metadata().with_context(context)?) {
        bail!("{shown}: changed while being opened; no report written");
    }
    let mut out = BufWriter::new(file);
    render(&mut out)
        .and_then(|()| out.flush())
        .with_context(context)
}

/// Writes a private temporary file next to `path`, then renames it over `path`.
fn replace(
    path: &Path,
    shown: &str,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let context = || format!("{shown}: cannot write the report");
    if path.file_name().is_none() {
        bail!("{shown}: not a file name; give a file name for the report");
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Short, so that a long report name cannot make it too long; hidden, as it is short-lived.
    let temp = folder.join(format!(".keysweep-{}.tmp", uuid::Uuid::new_v4().simple()));
    let file = new_private_file(&temp).with_context(context)?;
    let written = (|| {
        let mut out = BufWriter::new(file);
        render(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        // On disk before the rename, so that a crash leaves the old report or the new one.
        file.sync_all()
    })()
    .and_then(|()| std::fs::rename(&temp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(anyhow!(e)).with_context(context);
    }
    Ok(())
}

/// A new file, mode 0600 (reports hold secrets); fails if anything, even a link, has its name.
fn new_private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_streams_are_the_only_links_written_through() {
        for path in ["/dev/stdout", "/dev/stderr", "/dev/fd/3", "/dev/fd/12"] {
            assert!(is_own_stream(Path::new(path)), "{path}");
        }
        for path in [
            "/dev/fd/",
            "/dev/fd/x",
            "/dev/shm/r.json",
            "dev/stdout",
            "/dev/stdout/x",
        ] {
            assert!(!is_own_stream(Path::new(path)), "{path}");
        }
    }
}
