//! Opening keysweep's own state files (the journal, its key, caches) where a scanned repository
//! cannot swap them: never through a symbolic link, only files the current user owns, never a file
//! git tracks, and missing folders created private (0700). Every refusal is one line naming the
//! path and what to do; a refused file is left exactly as it was.

use anyhow::{anyhow, bail};
use std::fs::{File, Metadata, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The folder holding `path` (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Creates the folder of `path` (and missing parents, 0700) when missing, then checks it as
/// [`check_folder`] does. Returns whether it was created now.
///
/// # Errors
/// As [`check_folder`]; the folder cannot be created.
pub fn prepare_folder(path: &Path, what: &str) -> anyhow::Result<bool> {
    let dir = folder_of(path);
    let created = match std::fs::symlink_metadata(dir) {
        Ok(_) => false,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| {
                    anyhow!("{}: cannot create the {what}'s folder: {e}", dir.display())
                })?;
            true
        }
        Err(e) => bail!("{}: cannot read the {what}'s folder: {e}", dir.display()),
    };
    // Checked after creating too: `create` accepts a symbolic link to a folder that appeared
    // meanwhile.
    check_folder(path, what)?;
    Ok(created)
}

/// Whether the folder of `path` exists; refused when it is a symbolic link or not a folder.
///
/// # Errors
/// As said, naming the folder.
pub fn check_folder(path: &Path, what: &str) -> anyhow::Result<bool> {
    let dir = folder_of(path);
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => bail!("{}: cannot read the {what}'s folder: {e}", dir.display()),
    };
    if meta.file_type().is_symlink() {
        bail!(
            "{}: the {what}'s folder is a symbolic link; keysweep does not follow it: name a real folder",
            dir.display()
        );
    }
    if !meta.is_dir() {
        bail!("{}: the {what}'s folder is not a folder", dir.display());
    }
    Ok(true)
}

/// Refuses `path` when it exists and is a symbolic link, not a regular file, or owned by another
/// user. Returns its metadata, or `None` when it does not exist.
///
/// # Errors
/// As said, each naming the path.
pub fn check_existing(path: &Path, what: &str) -> anyhow::Result<Option<Metadata>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => bail!("{}: cannot read the {what}: {e}", path.display()),
    };
    check_metadata(path, &meta, what)?;
    Ok(Some(meta))
}

fn check_metadata(path: &Path, meta: &Metadata, what: &str) -> anyhow::Result<()> {
    let shown = path.display();
    if meta.file_type().is_symlink() {
        bail!("{shown}: the {what} is a symbolic link; keysweep does not follow it: name the file itself");
    }
    if !meta.is_file() {
        bail!("{shown}: the {what} is not a regular file; name another path");
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        bail!(
            "{shown}: the {what} belongs to another user (uid {}, you are {me}); keysweep only uses its own: name another path",
            meta.uid()
        );
    }
    Ok(())
}

/// Opens `path` for reading and appending, never through a symbolic link (`O_NOFOLLOW`); creates
/// it (0600) when `create` and it is missing. The opened file is checked again (regular, ours):
/// it may have been replaced since [`check_existing`]. `None`: missing and not created.
///
/// # Errors
/// The file cannot be opened, or fails the checks.
pub fn open(path: &Path, what: &str, create: bool, write: bool) -> anyhow::Result<Option<File>> {
    let nofollow = rustix::fs::OFlags::NOFOLLOW.bits() as i32;
    let mut options = OpenOptions::new();
    options
        .read(true)
        .append(write)
        .create(create)
        .mode(0o600)
        .custom_flags(nofollow);
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => return Ok(None),
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => bail!(
            "{}: the {what} is a symbolic link; keysweep does not follow it: name the file itself",
            path.display()
        ),
        Err(e) => bail!("{}: cannot open the {what}: {e}", path.display()),
    };
    let meta = file
        .metadata()
        .map_err(|e| anyhow!("{}: cannot read the {what}: {e}", path.display()))?;
    check_metadata(path, &meta, what)?;
    Ok(Some(file))
}

/// Refuses `path` when git tracks it: a file of a repository's index is written by whoever
/// writes the repository (a pull request), so it cannot be keysweep's own.
///
/// # Errors
/// It is tracked, or the repository around it cannot be read.
pub fn check_not_tracked(path: &Path, what: &str) -> anyhow::Result<()> {
    let Some((repo_root, relative)) = place_in_repository(path)? else {
        return Ok(());
    };
    let repo = git2::Repository::open(&repo_root).map_err(|e| {
        anyhow!(
            "{}: cannot read its repository: {}",
            path.display(),
            e.message()
        )
    })?;
    let index = repo.index().map_err(|e| {
        anyhow!(
            "{}: cannot read git's index: {}",
            path.display(),
            e.message()
        )
    })?;
    if index.get_path(&relative, 0).is_some() {
        bail!(
            "{}: the {what} is tracked by git (in {}); anyone who writes the repository writes it: name a path outside the repository, or leave the default",
            path.display(),
            repo_root.display()
        );
    }
    Ok(())
}

/// The work tree holding `path`'s folder and `path` relative to it, if it is in one.
fn place_in_repository(path: &Path) -> anyhow::Result<Option<(PathBuf, PathBuf)>> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file name", path.display()))?;
    let dir = std::fs::canonicalize(folder_of(path))
        .map_err(|e| anyhow!("{}: cannot resolve its folder: {e}", path.display()))?;
    let repo = match git2::Repository::discover(&dir) {
        Ok(repo) => repo,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => bail!(
            "{}: cannot tell whether git tracks it: {}",
            path.display(),
            e.message()
        ),
    };
    let Some(workdir) = repo.workdir() else {
        return Ok(None);
    };
    let workdir = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    Ok(dir
        .strip_prefix(&workdir)
        .ok()
        .map(|rel| (workdir.clone(), rel.join(name))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlinked_folder_or_file_is_refused() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("real")).unwrap();
        std::os::unix::fs::symlink(t.path().join("real"), t.path().join("link")).unwrap();
        let err = prepare_folder(&t.path().join("link/j.jsonl"), "journal").unwrap_err();
        assert!(
            err.to_string().contains("folder is a symbolic link"),
            "{err}"
        );
        assert!(prepare_folder(&t.path().join("a/b/j.jsonl"), "journal").unwrap());
        let mode = std::fs::metadata(t.path().join("a/b")).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);

        std::fs::write(t.path().join("real/target"), "x").unwrap();
        std::os::unix::fs::symlink(t.path().join("real/target"), t.path().join("j")).unwrap();
        let err = check_existing(&t.path().join("j"), "journal").unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        let err = open(&t.path().join("j"), "journal", true, true).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert!(open(&t.path().join("none"), "journal", false, false)
            .unwrap()
            .is_none());
    }
}
