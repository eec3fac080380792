//! `--range` (what a push adds) and `--staged` (what `git commit` would add).

use super::*;
use crate::util::{scaleway_key, scw_access_key, GitRepo};

// 5. --range: what a push adds.

#[test]
fn range_reports_only_lines_its_commits_added_with_the_commit_that_added_them() {
    let repo = GitRepo::new();
    let (old, new, gone) = (
        scw_access_key(351),
        scw_access_key(352),
        scw_access_key(353),
    );
    repo.write(
        "config.env",
        format!("REGION=fr-par\nSCW_ACCESS_KEY={old}\n"),
    );
    repo.write("README.md", "# app\n");
    let base = repo.commit("Base");

    repo.write(
        "config.env",
        format!("REGION=fr-par\nSCW_ACCESS_KEY={old}\nSCW_BACKUP_ACCESS_KEY={new}\n"),
    );
    repo.write("debug.log", format!("using {gone}\n"));
    let adds = repo.commit("Add a backup key");

    repo.git(&["rm", "-q", "debug.log"]);
    repo.write("README.md", "# app\n\nNow with backups.\n");
    let head = repo.commit("Tidy up");

    for range in [
        format!("{base}..{head}"),
        "HEAD~2..HEAD".to_string(),
        "main~2..main".to_string(),
    ] {
        let out = repo.run(&["scan", "--range", &range, "--format", "json"]);
        assert_eq!(out.status, 1, "{range}: {}", out.stderr);
        let found = out.findings();
        assert_eq!(
            secrets(&found),
            sorted(vec![new.clone(), gone.clone()]),
            "{range}: not the key the base already had; yes the one added then deleted inside \
             the range (it is in the pushed history)"
        );
        let f = the_finding(&found, &new);
        assert_commit(&f, &repo, &adds);
        let commit = f.commit.clone().unwrap();
        assert_eq!(commit.message, "Add a backup key");
        assert_eq!(
            f,
            scaleway_key("config.env", 3, 23, &new)
                .in_blob(&repo.rev(&format!("{adds}:config.env")))
                .in_commit(commit)
        );
        let f = the_finding(&found, &gone);
        assert_eq!(f.path, "debug.log");
        assert_commit(&f, &repo, &adds);
        assert_no_secret_on_stderr(&out, &[&old, &new, &gone]);
    }

    // Only the last commit: nothing it added is secret.
    let out = repo.run(&["scan", "--range", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.findings().is_empty());
}

#[test]
fn range_whose_end_does_not_exist_is_an_error() {
    let repo = GitRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("A");
    let out = repo.run(&[
        "scan",
        "--range",
        "HEAD..no-such-branch",
        "--format",
        "json",
    ]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("keysweep: error:");
    out.assert_stderr_has("no-such-branch");
    assert!(out.stdout.is_empty(), "no report: {}", out.stdout);
}

// 6. --staged: what `git commit` would add now.

#[test]
fn staged_reports_added_lines_in_the_index_only() {
    let repo = GitRepo::new();
    let (committed, staged, unstaged, new_file, untracked) = (
        scw_access_key(361),
        scw_access_key(362),
        scw_access_key(363),
        scw_access_key(364),
        scw_access_key(365),
    );
    repo.write(
        "config.env",
        format!("REGION=fr-par\nSCW_ACCESS_KEY={committed}\n"),
    );
    repo.write("app.py", "print('hi')\n");
    repo.commit("Base");

    // Staged: a line added to a file whose other line already held a secret, and a new file.
    repo.write(
        "config.env",
        format!("REGION=fr-par\nSCW_ACCESS_KEY={committed}\nSCW_BACKUP_ACCESS_KEY={staged}\n"),
    );
    repo.write("deploy/new.env", format!("SCW_ACCESS_KEY={new_file}\n"));
    repo.git(&["add", "config.env", "deploy/new.env"]);
    // Not staged: a further edit of a staged file, an edit of a tracked file, an untracked file.
    repo.write(
        "config.env",
        format!(
            "REGION=fr-par\nSCW_ACCESS_KEY={committed}\nSCW_BACKUP_ACCESS_KEY={staged}\nLATER={unstaged}\n"
        ),
    );
    repo.write("app.py", format!("print('hi')\nKEY = '{unstaged}'\n"));
    repo.write("scratch.env", format!("SCW_ACCESS_KEY={untracked}\n"));

    let out = repo.run(&["scan", "--staged", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    // In the blobs of the index, and with no commit: nothing is committed yet.
    assert_eq!(
        out.findings(),
        [
            scaleway_key("config.env", 3, 23, &staged).in_blob(&repo.rev(":config.env")),
            scaleway_key("deploy/new.env", 1, 16, &new_file).in_blob(&repo.rev(":deploy/new.env")),
        ]
    );
    assert_no_secret_on_stderr(
        &out,
        &[&committed, &staged, &unstaged, &new_file, &untracked],
    );

    // Once committed, nothing is staged.
    repo.git(&["commit", "-q", "-m", "Backup key"]);
    let out = repo.run(&["scan", "--staged", "--format", "json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.findings().is_empty());
}

#[test]
fn staged_works_before_the_first_commit() {
    let repo = GitRepo::new();
    let key = scw_access_key(371);
    repo.write(".env", format!("# local\nSCW_ACCESS_KEY={key}\n"));
    repo.write("notes.txt", "nothing\n");
    repo.git(&["add", "-A"]);
    let out = repo.run(&["scan", "--staged", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(
        out.findings(),
        [scaleway_key(".env", 2, 16, &key).in_blob(&repo.rev(":.env"))],
        "a blob of the index, no commit"
    );
}

#[test]
fn staged_paths_are_relative_to_the_repository_root_from_a_subfolder() {
    let repo = GitRepo::new();
    repo.write("README.md", "# app\n");
    repo.commit("Initial");
    let (top, inner) = (scw_access_key(381), scw_access_key(382));
    repo.write("top.env", format!("SCW_ACCESS_KEY={top}\n"));
    repo.write("app/deep/inner.env", format!("SCW_ACCESS_KEY={inner}\n"));
    repo.git(&["add", "-A"]);
    let expected = [
        scaleway_key("app/deep/inner.env", 1, 16, &inner).in_blob(&repo.rev(":app/deep/inner.env")),
        scaleway_key("top.env", 1, 16, &top).in_blob(&repo.rev(":top.env")),
    ];
    let out = repo.run_in("app/deep", &["scan", "--staged", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(
        out.findings(),
        expected,
        "the whole index, paths from the root"
    );
    let out = repo.run(&["scan", "--staged", "app", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.findings(), expected, "REPO given as a subfolder");
}

/// `--range B` alone: B's commits that no remote-tracking branch has (what pushing B publishes).
#[test]
fn a_single_revision_range_scans_the_commits_no_remote_tracking_branch_has() {
    let repo = GitRepo::new();
    let (pushed, unpushed) = (scw_access_key(361), scw_access_key(362));
    repo.write("a.env", format!("KEY={pushed}\n"));
    let published = repo.commit("Published");
    repo.git(&["update-ref", "refs/remotes/origin/main", &published]);
    repo.write("b.env", format!("KEY={unpushed}\n"));
    repo.commit("Not pushed yet");

    let out = repo.run(&["scan", "--range", "HEAD", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(secrets(&out.findings()), vec![unpushed.clone()]);

    // Without remote-tracking branches, every commit of B is unpublished.
    repo.git(&["update-ref", "-d", "refs/remotes/origin/main"]);
    let out = repo.run(&["scan", "--range", "HEAD", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(secrets(&out.findings()), sorted(vec![pushed, unpushed]));

    let out = repo.run(&["scan", "--range", "..HEAD"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("expected A..B (two revisions) or one revision B");
}
