//! `keysweep install-hook` and `.pre-commit-hooks.yaml`: real `git commit` and `git push` runs
//! that the installed hooks stop when a secret is added, and let through once it is gone.

use crate::util::{scw_access_key, uuid_v4, GitRepo, Output, TestDir};
use serde::Deserialize;
use std::path::Path;

/// `git ARGS` in `repo`, expected to fail or not: the hooks run, with their output.
fn git_may_fail(repo: &GitRepo, args: &[&str]) -> Output {
    crate::util::run_command(repo.git_command(args), None)
}

fn hook_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_pre_commit_hook_stops_a_commit_that_adds_a_secret_and_lets_it_through_once_removed() {
    let repo = GitRepo::new();
    repo.write("README.md", "# app\n");
    repo.commit("Initial");
    let out = repo.run(&["install-hook"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.assert_stderr_has("pre-commit hook installed at");
    let hook = repo.join(".git/hooks/pre-commit");
    assert_eq!(hook_mode(&hook), 0o755);

    let secret = uuid_v4(801);
    repo.write(
        "deploy.env",
        format!(
            "SCW_ACCESS_KEY={}\nSCW_SECRET_KEY={secret}\n",
            scw_access_key(802)
        ),
    );
    repo.git(&["add", "deploy.env"]);
    let head = repo.rev("HEAD");
    let out = git_may_fail(&repo, &["commit", "-m", "Deploy config"]);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    // git sends a hook's standard output to its standard error.
    out.assert_stderr_has("Scaleway secret key");
    assert!(
        !out.stderr.contains(&secret),
        "the hook prints secrets shortened"
    );
    out.assert_stderr_has("commit stopped");
    assert_eq!(repo.rev("HEAD"), head, "no commit was made");

    repo.write("deploy.env", "SCW_ACCESS_KEY=${SCW_ACCESS_KEY}\n");
    repo.git(&["add", "deploy.env"]);
    let out = git_may_fail(
        &repo,
        &["commit", "-m", "Deploy config from the environment"],
    );
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert_ne!(repo.rev("HEAD"), head);
}

#[test]
fn install_hook_leaves_a_foreign_hook_alone_unless_forced_and_then_keeps_it() {
    let repo = GitRepo::new();
    let hook = repo.join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\nmake lint\n").unwrap();

    let out = repo.run(&["install-hook"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("a pre-commit hook that keysweep did not write is already there");
    out.assert_stderr_has("--force");
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nmake lint\n"
    );

    let out = repo.run(&["install-hook", "--force"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let backup = repo.join(".git/hooks/pre-commit.keysweep-backup");
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        "#!/bin/sh\nmake lint\n"
    );
    let installed = std::fs::read_to_string(&hook).unwrap();
    assert!(installed.contains("scan --staged"), "{installed}");

    // Installing again changes nothing and needs no --force: the hook is keysweep's.
    let out = repo.run(&["install-hook"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), installed);
    assert!(!repo
        .join(".git/hooks/pre-commit.keysweep-backup.2")
        .exists());
}

#[test]
fn install_hook_follows_core_hooks_path_and_says_when_there_is_no_repository() {
    let repo = GitRepo::new();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let out = repo.run(&["install-hook", "--pre-push"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(repo.join(".githooks/pre-push").is_file());
    assert!(!repo.join(".git/hooks/pre-push").exists());

    let dir = TestDir::new();
    let out = dir.run(&["install-hook"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("not a git repository");
}

#[test]
fn the_pre_push_hook_stops_a_push_whose_commits_add_a_secret() {
    let remote = GitRepo::new();
    remote.git(&["config", "receive.denyCurrentBranch", "ignore"]);
    remote.git(&["config", "receive.denyDeleteCurrent", "ignore"]);
    let parent = TestDir::new();
    GitRepo::open(parent.path()).git(&[
        "clone",
        "-q",
        &remote.path().display().to_string(),
        "work",
    ]);
    let work = GitRepo::open(&parent.join("work"));
    let old_key = scw_access_key(811);
    work.write("legacy.env", format!("SCW_ACCESS_KEY={old_key}\n"));
    work.commit("Legacy config, pushed before the hook");
    work.git(&["push", "-q", "origin", "HEAD:refs/heads/main"]);

    let out = work.run(&["install-hook", "--pre-push"]);
    assert_eq!(out.status, 0, "{}", out.stderr);

    // A clean commit on top of what the remote has: pushed, although an old key is in history.
    work.write("README.md", "# app\n");
    work.commit("Readme");
    let out = git_may_fail(&work, &["push", "-q", "origin", "HEAD:refs/heads/main"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);

    // A commit adding a key: stopped, on the existing branch and as a new branch.
    let key = scw_access_key(812);
    work.write("deploy.env", format!("SCW_ACCESS_KEY={key}\n"));
    work.commit("Deploy config");
    for target in ["HEAD:refs/heads/main", "HEAD:refs/heads/feature"] {
        let out = git_may_fail(&work, &["push", "-q", "origin", target]);
        assert_ne!(out.status, 0, "{target}: the push went through");
        // git passes a pre-push hook's standard output through (a pre-commit hook's goes to
        // standard error).
        let shown = format!("{}{}", out.stdout, out.stderr);
        assert!(shown.contains("Scaleway access key"), "{target}: {shown}");
        assert!(
            !shown.contains(&old_key),
            "{target}: the old key was pushed before"
        );
        assert!(out.stderr.contains("push stopped"), "{target}: {shown}");
    }
    assert_eq!(
        remote.rev("main"),
        work.rev("HEAD~1"),
        "the remote did not move"
    );

    // The key taken out of the commit: the push goes through.
    work.write("deploy.env", "SCW_ACCESS_KEY=${SCW_ACCESS_KEY}\n");
    work.git(&[
        "commit",
        "-q",
        "-a",
        "--amend",
        "-m",
        "Deploy config from the environment",
    ]);
    let out = git_may_fail(&work, &["push", "-q", "origin", "HEAD:refs/heads/main"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(remote.rev("main"), work.rev("HEAD"));

    // Deleting a branch publishes nothing.
    let out = git_may_fail(&work, &["push", "-q", "origin", ":refs/heads/main"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
}

#[derive(Debug, Deserialize)]
struct HookSpec {
    id: String,
    entry: String,
    language: String,
    pass_filenames: bool,
    stages: Vec<String>,
}

/// `.pre-commit-hooks.yaml` parses and offers two hooks: `keysweep`, which pre-commit builds with
/// cargo, and `keysweep-system`, which runs the keysweep on PATH. Each entry, run as pre-commit
/// runs it (from the repository root, `keysweep` found on PATH, no file names appended), stops a
/// real staged secret and lets the commit through once it is unstaged.
#[test]
fn the_pre_commit_framework_hooks_run_keysweep_on_what_is_staged() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let hooks: Vec<HookSpec> =
        serde_norway::from_str(&text).expect(".pre-commit-hooks.yaml parses");
    let kinds: Vec<(&str, &str)> = hooks
        .iter()
        .map(|h| (h.id.as_str(), h.language.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("keysweep", "rust"), ("keysweep-system", "system")],
        "pre-commit builds `keysweep` with cargo install; `keysweep-system` uses the one on PATH"
    );

    // pre-commit puts the hook's environment (for `rust`, the cargo-installed keysweep) or the
    // user's PATH (for `system`) first: here, a folder holding only the built binary.
    let path_dir = TestDir::new();
    std::os::unix::fs::symlink(crate::util::bin(), path_dir.join("keysweep")).unwrap();
    let path = format!(
        "{}:{}",
        path_dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for hook in &hooks {
        assert!(
            !hook.pass_filenames,
            "{}: the staged scan reads the index itself",
            hook.id
        );
        assert_eq!(hook.stages, ["pre-commit"], "{}", hook.id);
        let words: Vec<&str> = hook.entry.split_whitespace().collect();
        assert_eq!(words, ["keysweep", "scan", "--staged"], "{}", hook.id);

        let repo = GitRepo::new();
        repo.write("a.txt", "hello\n");
        repo.commit("Initial");
        let key = scw_access_key(821);
        repo.write("b.env", format!("SCW_ACCESS_KEY={key}\n"));
        repo.git(&["add", "b.env"]);
        let run_entry = || {
            let mut cmd = std::process::Command::new(words[0]);
            cmd.args(&words[1..])
                .current_dir(repo.path())
                .env("PATH", &path);
            crate::util::run_command(cmd, None)
        };
        let out = run_entry();
        assert_eq!(out.status, 1, "{}: {}", hook.id, out.stderr);
        assert!(out.stdout.contains("b.env"), "{}: {}", hook.id, out.stdout);
        assert!(!out.stdout.contains(&key), "the secret is shortened");
        repo.git(&["reset", "-q"]);
        let out = run_entry();
        assert_eq!(
            out.status, 0,
            "{}: unstaged files are not the commit's: {}",
            hook.id, out.stdout
        );
    }
}
