//! `keysweep install-hook`: plain git hooks that run keysweep. The pre-commit hook scans what is
//! staged; the pre-push hook scans the commits each pushed ref adds (a new branch: its commits
//! that no remote-tracking branch has). Both stop git with keysweep's exit status and say how to
//! go on.
//!
//! A hook file that keysweep did not write is never replaced silently: without `--force` the
//! install stops; with it, the old hook is kept beside the new one.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

/// The line that marks a hook as keysweep's: such a hook is updated without `--force`.
const MARKER: &str = "# Written by `keysweep install-hook`";

/// Which git hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    PreCommit,
    PrePush,
}

impl Hook {
    pub fn name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::PrePush => "pre-push",
        }
    }
}

/// Writes `hook` into the hooks folder of the repository containing `repo` and returns its path.
///
/// # Errors
/// Not a repository; a different hook exists and `force` is off; the file cannot be written.
pub fn install(repo: &Path, hook: Hook, force: bool) -> anyhow::Result<PathBuf> {
    let dir = hooks_dir(repo)?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("{}: cannot create the hooks folder", dir.display()))?;
    let path = dir.join(hook.name());
    let script = script(hook, &current_binary());
    match std::fs::read(&path) {
        Ok(old) if old == script.as_bytes() => return Ok(path),
        Ok(old) if String::from_utf8_lossy(&old).contains(MARKER) => {}
        Ok(old) if !force => {
            let framework = String::from_utf8_lossy(&old).contains("pre-commit.com");
            let advice = if framework {
                "this repository uses the pre-commit framework: add keysweep to \
                 .pre-commit-config.yaml instead (see README), or rerun with --force"
            } else {
                "add `keysweep scan --staged` to it yourself, or rerun with --force to replace it \
                 (the old hook is kept as a backup)"
            };
            bail!(
                "{}: a {} hook that keysweep did not write is already there; {advice}",
                path.display(),
                hook.name()
            );
        }
        Ok(_) => {
            let backup = free_backup_name(&path);
            std::fs::rename(&path, &backup)
                .with_context(|| format!("{}: cannot move the old hook aside", path.display()))?;
            crate::notice!(
                "keysweep: the old {} hook is kept as {}",
                hook.name(),
                backup.display()
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
    }
    write_executable(&path, &script)
        .with_context(|| format!("{}: cannot write the hook", path.display()))?;
    Ok(path)
}

/// Where git looks for hooks: `core.hooksPath` (relative to the work tree) or `.git/hooks` of
/// the main repository (shared by its worktrees).
fn hooks_dir(repo: &Path) -> anyhow::Result<PathBuf> {
    let repo = crate::source::git::open(repo)?;
    let configured = repo
        .config()
        .and_then(|mut c| c.snapshot())
        .and_then(|c| c.get_path("core.hooksPath"))
        .ok();
    Ok(match configured {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => repo.workdir().unwrap_or_else(|| repo.path()).join(dir),
        None => repo.commondir().join("hooks"),
    })
}

/// This keysweep's absolute path, which the hook prefers to the one on PATH.
fn current_binary() -> String {
    std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `HOOK.keysweep-backup`, or `HOOK.keysweep-backup.N` for the first N free.
fn free_backup_name(path: &Path) -> PathBuf {
    (1..)
        .map(|n| {
            let mut name = path.as_os_str().to_owned();
            name.push(".keysweep-backup");
            if n > 1 {
                name.push(format!(".{n}"));
            }
            PathBuf::from(name)
        })
        .find(|p| !p.exists())
        .expect("some backup name is free")
}

fn write_executable(path: &Path, script: &str) -> std::io::Result<()> {
    std::fs::write(path, script)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// `text` as one single-quoted POSIX shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The hook's POSIX shell script. It runs the keysweep that installed it, or else the one on
/// PATH, and stops git when neither is there: a scanner that silently does not run protects
/// nothing.
fn script(hook: Hook, binary: &str) -> String {
    let (what, skip, body) = match hook {
        Hook::PreCommit => (
            "It stops a commit that adds a secret.",
            "git commit --no-verify",
            r#""$keysweep" scan --staged
status=$?
if [ "$status" -eq 1 ]; then
    echo "keysweep: commit stopped: take the secrets above out of the staged changes and revoke them;" >&2
    echo "keysweep: a false alarm can be marked with a keysweep:allow comment on its line." >&2
fi
exit "$status"
"#,
        ),
        Hook::PrePush => (
            "It stops a push whose commits add a secret.",
            "git push --no-verify",
            r#"status=0
while read -r _ local_oid _ remote_oid; do
    case $local_oid in *[!0]*) ;; *) continue ;; esac # a deleted ref publishes nothing
    # A new branch, or a remote tip this clone lacks: the commits no remote-tracking branch has.
    range=$local_oid
    case $remote_oid in
        *[!0]*) git cat-file -e "$remote_oid^{commit}" 2>/dev/null && range=$remote_oid..$local_oid ;;
    esac
    "$keysweep" scan --range "$range" </dev/null
    result=$?
    [ "$result" -gt "$status" ] && status=$result
done
if [ "$status" -eq 1 ]; then
    echo "keysweep: push stopped: the commits above add secrets. Revoke them, then rewrite those commits" >&2
    echo "keysweep: (git rebase -i, or git commit --amend for the last one) before pushing." >&2
fi
exit "$status"
"#,
        ),
    };
    format!(
        r#"#!/bin/sh
{MARKER}; `keysweep install-hook` updates it.
# {what} Skip it once: {skip}. Remove it: delete this file.
installed={binary}
keysweep=$installed
if [ ! -x "$keysweep" ]; then
    keysweep=$(command -v keysweep) || {{
        echo "keysweep {name} hook: keysweep is not installed (not at $installed nor on PATH)." >&2
        echo "Install it (cargo install --locked --path <keysweep>), or skip once: {skip}" >&2
        exit 1
    }}
fi
{body}"#,
        binary = shell_quote(binary),
        name = hook.name(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }

    #[test]
    fn scripts_carry_the_marker_and_the_binary() {
        for hook in [Hook::PreCommit, Hook::PrePush] {
            let text = script(hook, "/opt/k s/keysweep");
            assert!(text.starts_with("#!/bin/sh\n"));
            assert!(text.contains(MARKER));
            assert!(text.contains("installed='/opt/k s/keysweep'"));
        }
    }
}
