//! Which config files a scan reads, and from where: the trust boundary of configuration.
//!
//! - The user's own config (`~/.config/keysweep/config.toml`) is always read, unless
//!   `--no-config`.
//! - `--config FILE` is the user's choice and may set anything. In `--range` mode a FILE inside
//!   the repository is read as the range's base commit has it, not as the change being scanned
//!   left it in the work tree.
//! - Otherwise the repository's `.keysweep.toml` is read from a place the scanned change does not
//!   control: the base commit of `--range A..B`; the default branch (`origin/HEAD`, else HEAD's
//!   commit) for `--history` and for `--range B`; the work tree for folders and `--staged` (your
//!   own checkout). Such a config is [`Trust::Tree`]: it may only narrow what is reported, and
//!   what it hides is counted and said.

use crate::config::{Source, Trust, FILE_NAME};
use crate::scan::Mode;
use crate::source::git;
use anyhow::{anyhow, Context};
use std::path::{Path, PathBuf};

/// What the command line says about config files.
#[derive(Debug, Clone, Default)]
pub struct ConfigArgs {
    /// `--config FILE`.
    pub named: Option<PathBuf>,
    /// `--no-config`: read no config file at all.
    pub none: bool,
}

/// The config files for a scan in `mode`, lowest precedence first. `note` receives a line for
/// the user where a config is read from a commit or skipped.
///
/// # Errors
/// A named file that cannot be read, or that is missing from the base commit.
pub fn config_sources(
    mode: &Mode,
    args: &ConfigArgs,
    note: &dyn Fn(String),
) -> anyhow::Result<Vec<Source>> {
    if args.none {
        return Ok(Vec::new());
    }
    let mut sources = user_config()?.into_iter().collect::<Vec<_>>();
    if let Some(named) = &args.named {
        sources.push(named_config(mode, named, note)?);
    } else if let Some(tree) = tree_config(mode, note)? {
        sources.push(tree);
    }
    Ok(sources)
}

/// Only the user's own config and a named one: for commands that send data without scanning a
/// tree (`keysweep revoke --resume`).
///
/// # Errors
/// As [`config_sources`].
pub fn trusted_sources(args: &ConfigArgs) -> anyhow::Result<Vec<Source>> {
    if args.none {
        return Ok(Vec::new());
    }
    let mut sources = user_config()?.into_iter().collect::<Vec<_>>();
    if let Some(named) = &args.named {
        sources.push(Source::read(named, Trust::Named)?);
    }
    Ok(sources)
}

fn user_config() -> anyhow::Result<Option<Source>> {
    match crate::places::user_config_file() {
        Some(path) if path.is_file() => Source::read(&path, Trust::User).map(Some),
        _ => Ok(None),
    }
}

/// `--config FILE`; in `--range` mode, one inside the repository is read at the base commit.
fn named_config(mode: &Mode, named: &Path, note: &dyn Fn(String)) -> anyhow::Result<Source> {
    let Mode::Range { repo, range } = mode else {
        return Source::read(named, Trust::Named);
    };
    let repo = git::open(repo)?;
    let (Some(workdir), Ok(full)) = (repo.workdir(), named.canonicalize()) else {
        return Source::read(named, Trust::Named);
    };
    let Ok(rel) = full.strip_prefix(workdir.canonicalize().unwrap_or(workdir.to_path_buf())) else {
        return Source::read(named, Trust::Named); // outside the repository
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    let Some((base, label)) = base_commit(&repo, range) else {
        anyhow::bail!(
            "{}: inside the repository, and the range {range:?} has no base commit to read it \
             from; give a config outside the checkout",
            named.display()
        );
    };
    let text = git::committed_text(&repo, base, &rel)?.ok_or_else(|| {
        anyhow!(
            "{}: not in the range's base ({label}): a config inside the repository is read as \
             the base has it, so the change being scanned cannot rewrite it; commit it to the \
             base branch first, or give a config outside the checkout",
            named.display()
        )
    })?;
    note(format!(
        "config {rel} read from the range's base ({label}), not from the work tree"
    ));
    Ok(Source {
        name: format!("{rel} at {label}"),
        path: None,
        trust: Trust::Named,
        text,
        prefix: String::new(),
    })
}

/// The repository's own `.keysweep.toml`, from where the scanned change cannot rewrite it.
fn tree_config(mode: &Mode, note: &dyn Fn(String)) -> anyhow::Result<Option<Source>> {
    let from_disk = |root: &Path| -> anyhow::Result<Option<Source>> {
        let path = root.join(FILE_NAME);
        if path.is_file() {
            Source::read(&path, Trust::Tree).map(Some)
        } else {
            Ok(None)
        }
    };
    match mode {
        Mode::Paths(paths) => match paths.as_slice() {
            [one] if one.is_dir() => upwards(one),
            _ => upwards(Path::new(".")),
        },
        Mode::Staged(repo) => {
            let repo = git::open(repo)?;
            match repo.workdir() {
                Some(dir) => from_disk(dir),
                None => Ok(None),
            }
        }
        Mode::History(repo) => {
            let repo = git::open(repo)?;
            let Some((commit, label)) = default_branch(&repo) else {
                return Ok(None);
            };
            committed(&repo, commit, &label, note)
        }
        // One config for the whole run: a repository's own could turn off rules for all of
        // them, and its allow rules name its own paths.
        Mode::Repositories(_) => {
            note(format!(
                "the repositories' own {FILE_NAME} files are not read in a many-repository scan \
                 (one --config applies to all)"
            ));
            Ok(None)
        }
        Mode::Range { repo, range } => {
            let repo = git::open(repo)?;
            match base_commit(&repo, range) {
                Some((commit, label)) => committed(&repo, commit, &label, note),
                None => {
                    if repo.workdir().is_some_and(|d| d.join(FILE_NAME).is_file()) {
                        note(format!(
                            "{FILE_NAME} not read: the range {range:?} has no trusted base commit \
                             (no origin/HEAD); pass --config to use one"
                        ));
                    }
                    Ok(None)
                }
            }
        }
    }
}

/// The nearest `.keysweep.toml` from `start` up to the root of the git work tree holding it, as
/// git finds its repository (outside a repository, only `start` itself): `cd app && keysweep scan`
/// uses the repository's config. Its globs stay relative to its own folder.
fn upwards(start: &Path) -> anyhow::Result<Option<Source>> {
    let here = start.join(FILE_NAME);
    let Ok(full) = start.canonicalize() else {
        return Ok(None);
    };
    // The top of the work tree; outside a repository, the folder itself.
    let top = git::open(&full)
        .ok()
        .and_then(|r| r.workdir().and_then(|w| w.canonicalize().ok()))
        .filter(|top| full.starts_with(top))
        .unwrap_or_else(|| full.clone());
    for dir in full.ancestors() {
        let path = dir.join(FILE_NAME);
        if path.is_file() {
            let mut source = Source::read(if dir == full { &here } else { &path }, Trust::Tree)?;
            let below = full.strip_prefix(dir).unwrap_or(Path::new(""));
            source.prefix = below
                .components()
                .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
                .collect();
            return Ok(Some(source));
        }
        if dir == top {
            break;
        }
    }
    Ok(None)
}

fn committed(
    repo: &git2::Repository,
    commit: git2::Oid,
    label: &str,
    note: &dyn Fn(String),
) -> anyhow::Result<Option<Source>> {
    let text = git::committed_text(repo, commit, FILE_NAME)
        .with_context(|| format!("{FILE_NAME} at {label}"))?;
    let on_disk = repo
        .workdir()
        .and_then(|d| std::fs::read_to_string(d.join(FILE_NAME)).ok());
    if on_disk.is_some() && on_disk != text {
        note(format!(
            "{FILE_NAME} {}: the work tree's copy differs and is not used (the change being \
             scanned must not choose its own rules)",
            if text.is_some() {
                format!("read from {label}")
            } else {
                format!("not read: {label} has none")
            }
        ));
    }
    let Some(text) = text else {
        return Ok(None);
    };
    Ok(Some(Source {
        name: format!("{FILE_NAME} at {label}"),
        path: None,
        trust: Trust::Tree,
        text,
        prefix: String::new(),
    }))
}

/// The commit a range's change is measured against: `A` of `A..B`, or the default branch for a
/// single revision (its commits that no remote-tracking branch has).
fn base_commit(repo: &git2::Repository, range: &str) -> Option<(git2::Oid, String)> {
    match range.split_once("..") {
        Some((from, _)) => {
            let from = from.trim_end_matches('.');
            git::resolve_commit(repo, from)
                .map(|oid| (oid, format!("the base {from} ({})", git::short(oid))))
        }
        None => git::resolve_commit(repo, "refs/remotes/origin/HEAD")
            .map(|oid| (oid, format!("origin/HEAD ({})", git::short(oid)))),
    }
}

/// The default branch's tip: `origin/HEAD`, else the commit HEAD points to.
fn default_branch(repo: &git2::Repository) -> Option<(git2::Oid, String)> {
    git::resolve_commit(repo, "refs/remotes/origin/HEAD")
        .map(|oid| (oid, format!("origin/HEAD ({})", git::short(oid))))
        .or_else(|| {
            git::resolve_commit(repo, "HEAD")
                .map(|oid| (oid, format!("HEAD ({})", git::short(oid))))
        })
}
