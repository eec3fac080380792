//! The folder walk: parallel, honouring .gitignore, .ignore and .keysweepignore, scanning hidden
//! files (`.env`, `.npmrc`) but never descending into `.git`. Every path it does not scan is told
//! to the caller as a [`Notice`].

use super::{Blob, Item, Notice, Provenance, Sink, Skip};
use crate::text::display_path;
use ignore::{DirEntry, WalkBuilder, WalkState};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The ignore file of keysweep's own, same syntax as .gitignore.
pub const IGNORE_FILE: &str = ".keysweepignore";

/// How to walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub threads: usize,
    pub no_ignore: bool,
    pub follow_symlinks: bool,
    pub max_file_size: u64,
    /// `[scan] exclude` globs of the config, matched against report paths: not read at all
    /// (each glob counts what it kept out).
    pub exclude: Option<std::sync::Arc<crate::config::Exclude>>,
    /// keysweep's own reports and loaded pattern files, not read again by a folder walk.
    pub own: Option<std::sync::Arc<crate::own_files::OwnFiles>>,
    /// `--shard I/N` of a history scan: only the blobs of this shard are read.
    pub shard: Option<super::shard::Shard>,
}

impl WalkOptions {
    /// Whether the config excludes this report path.
    pub fn excludes(&self, path: &str) -> bool {
        self.exclude.as_ref().is_some_and(|e| e.matches(path))
    }
}

/// Walks `root` (a folder or a file) and hands every item to `sink`, from several threads.
/// Walks `root`. With `relative`, report paths are relative to a folder root; otherwise (several
/// roots on one command line, where `a/x.env` and `b/x.env` must stay apart) they keep the root
/// as given.
pub fn walk(root: &Path, relative: bool, options: &WalkOptions, sink: &dyn Sink) {
    let fence = options
        .follow_symlinks
        .then(|| Fence::around(root))
        .flatten()
        .map(Arc::new);
    let in_filter = fence.clone();
    let mut builder = WalkBuilder::new(root);
    builder
        .threads(options.threads)
        .hidden(false)
        .follow_links(options.follow_symlinks)
        .require_git(false)
        .filter_entry(move |e| {
            e.file_name() != ".git" && in_filter.as_ref().is_none_or(|fence| fence.lets_in(e))
        });
    if options.no_ignore {
        builder.standard_filters(false).hidden(false);
    } else {
        builder.add_custom_ignore_filename(IGNORE_FILE);
    }
    let root_is_dir = relative && root.is_dir();
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            if sink.stopped() {
                return WalkState::Quit;
            }
            match entry {
                Ok(entry) => visit_entry(&entry, root, root_is_dir, options, sink),
                Err(err) => sink.take(Item::Notice(walk_error(root, &err))),
            }
            WalkState::Continue
        })
    });
    if let Some(fence) = fence {
        for link in fence.kept_out() {
            let path = report_path(&link, root, root_is_dir);
            if !options.excludes(&path) {
                sink.take(Item::Notice(Notice::Skipped {
                    path,
                    reason: Skip::OutsideRoot,
                }));
            }
        }
    }
}

/// With `--follow-symlinks`, a link is followed only if its target lies inside the folder being
/// scanned: a scanned tree (a pull request) must not make keysweep read the files of the machine
/// it runs on, such as a runner's credentials. The walker asks [`Fence::lets_in`]
/// before it reads a link's target or lists it; the links kept out are told after the walk.
struct Fence {
    /// The scanned folder with every link in its path resolved.
    root: PathBuf,
    kept_out: Mutex<Vec<PathBuf>>,
}

impl Fence {
    /// A fence around `root` if it is a folder (a file named on the command line is the user's
    /// choice, read wherever it points).
    fn around(root: &Path) -> Option<Fence> {
        let root = std::fs::canonicalize(root).ok().filter(|r| r.is_dir())?;
        Some(Fence {
            root,
            kept_out: Mutex::new(Vec::new()),
        })
    }

    /// Whether the walker may follow `entry`: anything not a link, and a link that resolves to a
    /// path inside the root. A broken link is let through for the walker to report.
    fn lets_in(&self, entry: &DirEntry) -> bool {
        if !entry.path_is_symlink() {
            return true;
        }
        match std::fs::canonicalize(entry.path()) {
            Ok(target) if !target.starts_with(&self.root) => {
                self.kept_out
                    .lock()
                    .expect("no thread should panic holding the fence's list")
                    .push(entry.path().to_path_buf());
                false
            }
            _ => true,
        }
    }

    /// The links kept out, in path order.
    fn kept_out(&self) -> Vec<PathBuf> {
        let mut links = std::mem::take(
            &mut *self
                .kept_out
                .lock()
                .expect("no thread should panic holding the fence's list"),
        );
        links.sort();
        links
    }
}

fn visit_entry(
    entry: &DirEntry,
    root: &Path,
    root_is_dir: bool,
    options: &WalkOptions,
    sink: &dyn Sink,
) {
    let Some(kind) = entry.file_type() else {
        return; // stdin entries; the walker never yields them for paths
    };
    if kind.is_dir() {
        return;
    }
    let path = report_path(entry.path(), root, root_is_dir);
    if options.excludes(&path) {
        return;
    }
    if kind.is_symlink() {
        // Not following: say whether the link is broken or merely not followed.
        let notice = match std::fs::metadata(entry.path()) {
            Err(e) => Notice::Error {
                path,
                message: format!("broken symlink: {e}"),
            },
            Ok(_) => Notice::Skipped {
                path,
                reason: Skip::Symlink,
            },
        };
        return sink.take(Item::Notice(notice));
    }
    if !kind.is_file() {
        return sink.take(Item::Notice(Notice::Skipped {
            path,
            reason: Skip::NotRegular(special_kind(&kind)),
        }));
    }
    // A file named on the command line (depth 0) is read whatever it is.
    let own = options.own.as_deref().filter(|_| entry.depth() > 0);
    sink.take(read_file(entry.path(), path, options.max_file_size, own));
}

/// Reads a regular file whole, unless it is over `limit` (checked before and while reading, as a
/// file may grow between the two).
pub fn read_file(
    fs_path: &Path,
    path: String,
    limit: u64,
    own: Option<&crate::own_files::OwnFiles>,
) -> Item {
    let error = |path, e: std::io::Error| {
        Item::Notice(Notice::Error {
            path,
            message: format!("cannot read: {e}"),
        })
    };
    let mut file = match File::open(fs_path) {
        Ok(f) => f,
        Err(e) => return error(path, e),
    };
    let meta = file.metadata();
    if let Some(kind) = own.zip(meta.as_ref().ok()).and_then(|(own, m)| own.of(m)) {
        return Item::Notice(Notice::Skipped {
            path,
            reason: Skip::Own(kind),
        });
    }
    let size = meta.map(|m| m.len()).unwrap_or(0);
    if size > limit {
        return Item::Notice(Notice::Skipped {
            path,
            reason: Skip::TooLarge { size, limit },
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    match file.by_ref().take(limit + 1).read_to_end(&mut bytes) {
        Err(e) => error(path, e),
        Ok(n) if n as u64 > limit => Item::Notice(Notice::Skipped {
            path,
            reason: Skip::TooLarge {
                size: n as u64,
                limit,
            },
        }),
        Ok(_) => Item::Blob(Blob {
            bytes,
            path,
            provenance: Provenance::default(),
        }),
    }
}

/// Report paths are relative to a folder root; a file root keeps the path it was given as.
fn report_path(path: &Path, root: &Path, root_is_dir: bool) -> String {
    if root_is_dir {
        if let Ok(rel) = path.strip_prefix(root) {
            if !rel.as_os_str().is_empty() {
                return display_path(rel);
            }
        }
    }
    display_path(path)
}

fn walk_error(root: &Path, err: &ignore::Error) -> Notice {
    let path = error_path(err).map(|p| report_path(&p, root, root.is_dir()));
    let message = walk_error_message(err);
    Notice::Error {
        path: path.unwrap_or_else(|| display_path(root)),
        message,
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.first().and_then(error_path),
        _ => None,
    }
}

/// The walker's message without the path it also carries (we print the path ourselves).
fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } => walk_error_message(err),
        ignore::Error::WithDepth { err, .. } => walk_error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!(
                "symlink loop: points to its ancestor {}",
                display_path(ancestor)
            )
        }
        ignore::Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
            format!("broken symlink or vanished file: {e}")
        }
        other => other.to_string().replace('\n', " "),
    }
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "fifo"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "special file"
}
