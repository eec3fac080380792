//! The sources that read a diff: the commits of a range (`--range A..B`, a pull request or a push)
//! and the index against HEAD (`--staged`, a pre-commit hook). Only added lines are reported.

use super::*;
use anyhow::bail;
use git2::{Delta, Diff, DiffFindOptions, DiffOptions, Patch};
/// Scans what the commits of `A..B` added: changed blobs, added lines only. A single revision
/// `B` stands for the commits of `B` that no remote-tracking branch has: what pushing `B` would
/// publish (a pre-push hook's new branch).
///
/// # Errors
/// Not a repository, a malformed range, or an end that does not exist.
pub fn range(
    path: &Path,
    spec: &str,
    options: &WalkOptions,
    sink: &dyn Sink,
) -> anyhow::Result<()> {
    let repo = open(path)?;
    let resolve = |rev: &str| {
        repo.revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| {
                anyhow!(
                    "range {spec:?}: revision {rev:?} not found ({}); fetch it, or check the name",
                    e.message()
                )
            })
    };
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    match spec.split_once("..") {
        None if !spec.is_empty() => {
            walk.push(resolve(spec)?)?;
            walk.hide_glob("refs/remotes/*")?;
        }
        Some((from, to)) if !from.is_empty() && !to.is_empty() && !to.starts_with('.') => {
            walk.push(resolve(to)?)?;
            walk.hide(resolve(from)?)?;
        }
        _ => bail!(
            "range {spec:?}: expected A..B (two revisions) or one revision B (its commits that \
             no remote-tracking branch has)"
        ),
    }
    if repo.is_shallow() {
        sink.take(warning(
            path,
            "shallow clone: commits missing from the clone cannot be scanned",
        ));
    }
    let mut seen = HashSet::new();
    for oid in walk {
        if sink.stopped() {
            break;
        }
        let commit = oid
            .and_then(|oid| repo.find_commit(oid))
            .context("cannot read a commit of the range")?;
        let parent_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree()?),
            Err(_) => None, // a root commit: everything in it is added
        };
        let diff = repo.diff_tree_to_tree(
            parent_tree.as_ref(),
            Some(&commit.tree()?),
            Some(&mut diff_options()),
        )?;
        let info = Arc::new(commit_info(&commit));
        let provenance = Provenance {
            kind: SourceKind::Commit,
            commit: Some(info),
            ..Provenance::default()
        };
        scan_diff(&repo, diff, &provenance, &mut seen, options, sink)?;
    }
    Ok(())
}

/// Scans what `git commit` would record now: the index against HEAD (or the empty tree).
///
/// # Errors
/// Not a repository, or its index cannot be read.
pub fn staged(path: &Path, options: &WalkOptions, sink: &dyn Sink) -> anyhow::Result<()> {
    let repo = open(path)?;
    if repo.is_bare() {
        bail!(
            "{}: a bare repository has no index, so nothing is staged",
            path.display()
        );
    }
    let index = repo.index().context("cannot read the git index")?;
    let head_tree = match repo.head() {
        Ok(head) => Some(head.peel_to_tree().context("cannot read HEAD's tree")?),
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
            ) =>
        {
            None
        }
        Err(e) => bail!("cannot read HEAD: {}", e.message()),
    };
    let diff =
        repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut diff_options()))?;
    let provenance = Provenance {
        kind: SourceKind::Staged,
        ..Provenance::default()
    };
    scan_diff(&repo, diff, &provenance, &mut HashSet::new(), options, sink)
}

fn diff_options() -> DiffOptions {
    let mut options = DiffOptions::new();
    options.context_lines(0).ignore_submodules(false);
    options
}

/// Scans the new side of every added or changed file of `diff`, keeping only findings on added
/// lines. Renames and copies are detected first, so a moved file reports only what changed.
fn scan_diff(
    repo: &Repository,
    mut diff: Diff,
    provenance: &Provenance,
    seen: &mut HashSet<(Oid, Vec<u8>)>,
    options: &WalkOptions,
    sink: &dyn Sink,
) -> anyhow::Result<()> {
    diff.find_similar(Some(DiffFindOptions::new().renames(true).copies(true)))?;
    for index in 0..diff.deltas().len() {
        if sink.stopped() {
            break;
        }
        let delta = diff
            .get_delta(index)
            .expect("index should be within the diff");
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let file = delta.new_file();
        let path_bytes = file.path_bytes().unwrap_or_default().to_vec();
        let path = display_path(Path::new(
            &String::from_utf8_lossy(&path_bytes).into_owned(),
        ));
        if options.excludes(&path) {
            continue;
        }
        if file.mode() == git2::FileMode::Commit {
            sink.take(Item::Notice(Notice::Skipped {
                path,
                reason: Skip::Submodule,
            }));
            continue;
        }
        if !seen.insert((file.id(), path_bytes)) {
            continue;
        }
        let added = match Patch::from_diff(&diff, index) {
            Ok(Some(patch)) if !delta.flags().is_binary() => Some(added_lines(&patch)?),
            _ => None, // binary: every line of it is new
        };
        if added.as_ref().is_some_and(|lines| lines.is_empty()) {
            continue; // a pure rename or a deletion-only change adds nothing
        }
        let job = Job {
            oid: file.id(),
            path,
            provenance: Provenance {
                blob_id: Some(file.id().to_string()),
                added_lines: added.map(Arc::from),
                ..provenance.clone()
            },
            commit_number: 0,
        };
        sink.take(match read_blob(repo, job, options.max_file_size) {
            Ok(blob) => Item::Blob(blob),
            Err(failed) => Item::Notice(failed.0),
        });
    }
    Ok(())
}

/// The 1-based numbers of the lines a patch adds, sorted.
fn added_lines(patch: &Patch) -> anyhow::Result<Vec<u32>> {
    let mut lines = Vec::new();
    for hunk in 0..patch.num_hunks() {
        for line in 0..patch.num_lines_in_hunk(hunk)? {
            let line = patch.line_in_hunk(hunk, line)?;
            if line.origin() == '+' {
                lines.extend(line.new_lineno());
            }
        }
    }
    lines.sort_unstable();
    Ok(lines)
}
