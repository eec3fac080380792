//! Many repositories in one `--history` run: the list (`--repos FILE`, or every repository under
//! a folder with `--repos-under DIR`), each repository named as the user wrote it (or by its path
//! under the folder), so that the name, not the machine's path, identifies it in reports, in
//! audit records and across the shards of a run.
//!
//! `--shard I/N` splits a list by repository: a repository is the shard whose range holds the
//! sha256 of its name, so a repository stays on its shard as the list grows, on any machine.

use super::shard::Shard;
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One repository of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// How reports name it: the list's line, or its path under the folder, `/`-separated.
    pub name: String,
    /// Where it is on this machine.
    pub path: PathBuf,
}

/// The repositories of one run: the whole list (sorted by name) and the shard this run scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSet {
    pub all: Vec<Repo>,
    pub shard: Option<Shard>,
    /// Where the list came from, for messages: `--repos FILE` or `--repos-under DIR`.
    pub origin: String,
}

impl RepoSet {
    /// The repositories of the file `list`: one path per line, relative paths from the file's
    /// folder; blank lines and lines starting with `#` are skipped.
    ///
    /// # Errors
    /// The file cannot be read, a name is listed twice, or it lists none.
    pub fn from_list(list: &Path, shard: Option<Shard>) -> anyhow::Result<RepoSet> {
        let text = std::fs::read_to_string(list)
            .with_context(|| format!("{}: cannot read the list of repositories", list.display()))?;
        let base = list.parent().unwrap_or(Path::new("."));
        let mut all = Vec::new();
        for (number, line) in (1..).zip(text.lines()) {
            let name = line.trim();
            if name.is_empty() || name.starts_with('#') {
                continue;
            }
            if name.chars().any(char::is_control) {
                bail!(
                    "{}:{number}: a repository path with a control character",
                    list.display()
                );
            }
            all.push(Repo {
                name: name.to_string(),
                path: base.join(name),
            });
        }
        Self::new(all, shard, format!("--repos {}", list.display()))
    }

    /// Every git repository under `root` (a folder holding `.git`, or a bare repository), not
    /// looking inside one found; symbolic links are not followed.
    ///
    /// # Errors
    /// `root` cannot be read, or holds no repository.
    pub fn under(root: &Path, shard: Option<Shard>) -> anyhow::Result<RepoSet> {
        let mut all = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            if is_repository(&dir) {
                let name = dir
                    .strip_prefix(root)
                    .unwrap_or(&dir)
                    .to_string_lossy()
                    .replace('\\', "/");
                all.push(Repo {
                    name: if name.is_empty() { ".".into() } else { name },
                    path: dir,
                });
                continue;
            }
            let entries = std::fs::read_dir(&dir)
                .with_context(|| format!("{}: cannot list the folder", dir.display()))?;
            for entry in entries {
                let entry =
                    entry.with_context(|| format!("{}: cannot list the folder", dir.display()))?;
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(entry.path());
                }
            }
        }
        Self::new(all, shard, format!("--repos-under {}", root.display()))
    }

    fn new(mut all: Vec<Repo>, shard: Option<Shard>, origin: String) -> anyhow::Result<RepoSet> {
        if all.is_empty() {
            bail!("{origin}: no repository to scan");
        }
        all.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(twice) = all.windows(2).find(|w| w[0].name == w[1].name) {
            bail!("{origin}: {:?} is listed twice", twice[0].name);
        }
        Ok(RepoSet { all, shard, origin })
    }

    /// The repositories this run scans: all of them, or those of its shard.
    pub fn mine(&self) -> Vec<&Repo> {
        self.all
            .iter()
            .filter(|r| self.shard.is_none_or(|s| holds_name(s, &r.name)))
            .collect()
    }

    /// Identifies the whole list (every shard's): sha256 of the sorted names, one a line.
    pub fn digest(&self) -> String {
        digest(self.all.iter().map(|r| r.name.as_str()))
    }
}

/// Whether the repository `name` is shard `shard`'s.
pub fn holds_name(shard: Shard, name: &str) -> bool {
    shard.holds(&Sha256::digest(name.as_bytes()))
}

/// sha256 of `names` (sorted), one a line, lowercase hex: what audit records name a list by.
pub fn digest<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    let mut hasher = Sha256::new();
    for name in names {
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A work tree with `.git` (a folder, or a file of a linked work tree or submodule), or a bare
/// repository (`HEAD`, `objects/` and `refs/`).
fn is_repository(dir: &Path) -> bool {
    let has = |name: &str| std::fs::symlink_metadata(dir.join(name)).is_ok();
    let is_dir = |name: &str| {
        std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| m.file_type().is_dir())
    };
    has(".git") || (has("HEAD") && is_dir("objects") && is_dir("refs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_read_relative_to_its_folder_and_refuses_twice_the_same_name() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("repos.txt");
        std::fs::write(&list, "# org\nb\n\n a \n/abs/c\n").unwrap();
        let set = RepoSet::from_list(&list, None).unwrap();
        let names: Vec<_> = set.all.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["/abs/c", "a", "b"]);
        assert_eq!(set.all[1].path, dir.path().join("a"));
        assert_eq!(set.all[0].path, PathBuf::from("/abs/c"));
        std::fs::write(&list, "a\nb\na\n").unwrap();
        let err = RepoSet::from_list(&list, None).unwrap_err().to_string();
        assert!(err.contains("\"a\" is listed twice"), "{err}");
        std::fs::write(&list, "# none\n").unwrap();
        let err = RepoSet::from_list(&list, None).unwrap_err().to_string();
        assert!(err.contains("no repository"), "{err}");
    }

    #[test]
    fn every_repository_is_in_exactly_one_shard_and_the_digest_ignores_order() {
        let names: Vec<String> = (0..500).map(|i| format!("org/repo-{i}")).collect();
        for n in [1u32, 2, 3, 7] {
            let mut counts = vec![0; n as usize];
            for name in &names {
                let holders: Vec<u32> = (1..=n)
                    .filter(|i| holds_name(format!("{i}/{n}").parse().unwrap(), name))
                    .collect();
                assert_eq!(holders.len(), 1, "{name} in {holders:?} of {n}");
                counts[holders[0] as usize - 1] += 1;
            }
            // Hashes spread names about evenly.
            assert!(
                counts.iter().all(|&c| c > 500 / n as usize / 2),
                "{counts:?}"
            );
        }
        assert_eq!(
            digest(["a", "b"].into_iter()),
            digest(["b", "a"].into_iter())
        );
        assert_ne!(digest(["a", "b"].into_iter()), digest(["ab"].into_iter()));
    }
}
