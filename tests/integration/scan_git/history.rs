//! History: what the work tree no longer shows, each blob once, every ref, one secret in several blobs.

use super::*;
use crate::util::{scaleway_key, scw_access_key, uuid_v4, GitRepo};

// 1. History finds what the work tree no longer shows.

#[test]
fn history_finds_a_secret_deleted_by_a_later_commit_with_its_commit() {
    let repo = GitRepo::new();
    let key = scw_access_key(301);
    repo.write("README.md", "# service\n");
    repo.write(
        "config.env",
        format!("# staging\nREGION=fr-par\nSCW_ACCESS_KEY={key}\n"),
    );
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        "Add staging config",
        "-m",
        "With the deploy key, for now.",
    ]);
    let added = repo.rev("HEAD");
    let blob = repo.rev("HEAD:config.env");
    repo.git(&["rm", "-q", "config.env"]);
    let removed = repo.commit("Remove the staging config");
    assert_ne!(added, removed);

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let found = out.findings();
    let f = the_finding(&found, &key);
    assert_commit(&f, &repo, &added);
    let commit = f.commit.clone().unwrap();
    assert_eq!(
        commit.message, "Add staging config\n\nWith the deploy key, for now.",
        "the full message, without its final newline"
    );
    assert_eq!(
        found,
        [scaleway_key("config.env", 3, 16, &key)
            .in_blob(&blob)
            .in_commit(commit)]
    );
    let json = out.json();
    assert_eq!(
        (
            json["findings"][0]["end_line"].as_u64(),
            json["findings"][0]["end_column"].as_u64()
        ),
        (Some(3), Some(36))
    );
    assert_eq!(out.stat("blobs_scanned"), 2, "README.md and config.env");
    assert_eq!(out.stat("errors"), 0);
    assert_no_secret_on_stderr(&out, &[&key]);

    // REPO given explicitly, from outside the repository.
    let out2 = repo.run_in(
        "..",
        &[
            "scan",
            "--history",
            "--format",
            "json",
            repo.path().to_str().unwrap(),
        ],
    );
    assert_eq!(
        out2.findings(),
        out.findings(),
        "paths stay relative to the repository root:\n{}",
        out2.stderr
    );

    let work_tree = repo.run(&["scan", ".", "--format", "json"]);
    assert_eq!(work_tree.status, 0, "the work tree no longer has it");
    assert!(work_tree.findings().is_empty());
}

// 2. Each distinct blob is scanned once, credited to its first appearance.

#[test]
fn renamed_and_copied_content_is_one_blob_scanned_once_credited_to_its_first_path() {
    let repo = GitRepo::new();
    let (ak, sk) = (scw_access_key(311), uuid_v4(312));
    let settings =
        format!("import scaleway\n\nSCW_ACCESS_KEY = \"{ak}\"\nSCW_SECRET_KEY = \"{sk}\"\n");
    repo.write("app/settings.py", &settings);
    repo.write("README.md", "v1\n");
    let first = repo.commit("Settings");
    let blob = repo.rev("HEAD:app/settings.py");

    repo.git(&["mv", "app/settings.py", "app/config.py"]);
    repo.write("README.md", "v2\n");
    repo.commit("Rename settings to config");

    repo.write("backup/config.py", &settings);
    repo.write("README.md", "v3\n");
    let last = repo.commit("Back up the config");
    assert_eq!(repo.rev("HEAD:backup/config.py"), blob);
    assert_eq!(repo.rev("HEAD:app/config.py"), blob);

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let found = out.findings();
    assert_eq!(
        secrets(&found),
        sorted(vec![ak.clone(), sk.clone()]),
        "one finding per secret: three paths, one blob"
    );
    for secret in [&ak, &sk] {
        let f = the_finding(&found, secret);
        assert_eq!(f.path, "app/settings.py", "the first path, not a later one");
        assert_eq!(f.blob_id, Some(blob.clone()));
        assert_commit(&f, &repo, &first);
        assert_ne!(f.commit.unwrap().id, last);
    }
    assert_eq!(
        repo.distinct_blobs(),
        4,
        "the settings blob and three READMEs"
    );
    assert_eq!(out.stat("blobs_scanned"), repo.distinct_blobs());
    assert_eq!(out.stat("bytes_scanned"), settings.len() as u64 + 9);
}

// 3. Every ref, not only HEAD's history.

#[test]
fn history_covers_unmerged_branches_tags_orphans_remotes_and_the_stash() {
    let repo = GitRepo::new();
    let keys: Vec<String> = (0..5).map(|i| scw_access_key(321 + i)).collect();
    repo.write("README.md", "# app\n");
    repo.commit("Initial");

    // An unmerged branch.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.env", format!("SCW_ACCESS_KEY={}\n", keys[0]));
    let on_branch = repo.commit("Feature work");
    repo.git(&["checkout", "-q", "main"]);

    // A commit only a lightweight tag reaches.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("tagged.env", format!("SCW_ACCESS_KEY={}\n", keys[1]));
    let tagged = repo.commit("Tagged experiment");
    repo.git(&["tag", "experiment"]);
    repo.git(&["checkout", "-q", "main"]);

    // An orphan commit only an annotated tag reaches.
    repo.git(&["checkout", "-q", "--orphan", "orphan-work"]);
    repo.git(&["rm", "-rqf", "."]);
    repo.write("orphan/keys.txt", format!("access_key: {}\n", keys[2]));
    let orphan = repo.commit("Orphan history");
    repo.git(&["tag", "-a", "v0-orphan", "-m", "Orphan release"]);
    repo.git(&["checkout", "-q", "-f", "main"]);
    repo.git(&["branch", "-q", "-D", "orphan-work"]);

    // A commit only a remote-tracking ref reaches (a branch deleted locally).
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("remote.env", format!("SCW_ACCESS_KEY={}\n", keys[3]));
    let remote = repo.commit("Pushed once");
    repo.git(&["update-ref", "refs/remotes/origin/gone", "HEAD"]);
    repo.git(&["checkout", "-q", "main"]);

    // A stash entry: a change to a tracked file, never staged or committed.
    repo.write("README.md", format!("# app\nSCW_ACCESS_KEY={}\n", keys[4]));
    repo.git(&["stash", "push", "-q", "-m", "wip"]);
    let stash = repo.rev("refs/stash");
    assert_eq!(
        std::fs::read_to_string(repo.join("README.md")).unwrap(),
        "# app\n"
    );

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let found = out.findings();
    assert_eq!(secrets(&found), sorted(keys.clone()));
    let expect = [
        ("feature.env", &on_branch),
        ("tagged.env", &tagged),
        ("orphan/keys.txt", &orphan),
        ("remote.env", &remote),
        ("README.md", &stash),
    ];
    for (key, (path, commit)) in keys.iter().zip(expect) {
        let f = the_finding(&found, key);
        assert_eq!(f.path, path, "{f:#?}");
        assert_commit(&f, &repo, commit);
    }
    assert_eq!(out.stat("blobs_scanned"), repo.distinct_blobs());
    assert_no_secret_on_stderr(&out, &keys.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn a_merged_secret_is_credited_to_the_branch_commit_not_the_merge() {
    let repo = GitRepo::new();
    let key = scw_access_key(331);
    repo.write("README.md", "# app\n");
    repo.commit("Initial");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "deploy/prod.env",
        format!("REGION=fr-par\nSCW_ACCESS_KEY={key}\n"),
    );
    let introduced = repo.commit("Deploy config");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("CHANGELOG.md", "- things\n");
    repo.commit("Changelog");
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"]);
    let merge = repo.rev("HEAD");
    repo.git(&["branch", "-q", "-d", "feature"]);

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let f = the_finding(&out.findings(), &key);
    assert_eq!((f.path.as_str(), f.line), ("deploy/prod.env", 2));
    let commit = f.commit.as_ref().expect("a history finding has a commit");
    assert_ne!(commit.id, merge, "the merge only carried it");
    assert_commit(&f, &repo, &introduced);
    assert_eq!(commit.message, "Deploy config");
}

#[test]
fn a_blob_on_two_unrelated_branches_is_credited_to_the_older_commit() {
    // The secret is committed on a feature branch, then committed again (copied over) on a
    // backport branch a few minutes later: the same blob at the same path, in two commits neither
    // of which is an ancestor of the other. The older one introduced it, whatever the names.
    let repo = GitRepo::new();
    let key = scw_access_key(335);
    repo.write("README.md", "# app\n");
    repo.commit("Initial");
    repo.git(&["checkout", "-q", "-b", "feature/keys"]);
    repo.write("deploy/prod.env", format!("SCW_ACCESS_KEY={key}\n"));
    let original = repo.commit("Deploy key");
    repo.git(&["checkout", "-q", "-b", "backport", "main"]);
    repo.write("deploy/prod.env", format!("SCW_ACCESS_KEY={key}\n"));
    let picked = repo.commit("Backport the deploy key");
    assert_ne!(original, picked);
    assert_eq!(
        repo.rev(&format!("{original}:deploy/prod.env")),
        repo.rev(&format!("{picked}:deploy/prod.env"))
    );
    repo.git(&["checkout", "-q", "main"]);
    let oldest_first = repo.git(&["log", "--all", "--reverse", "--topo-order", "--format=%H"]);
    assert!(oldest_first.find(&original) < oldest_first.find(&picked));

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let f = the_finding(&out.findings(), &key);
    assert_commit(&f, &repo, &original);
}

// 4. One secret, several blobs.

#[test]
fn the_same_secret_in_different_blobs_is_one_finding_per_blob_with_one_fingerprint() {
    let repo = GitRepo::new();
    let key = scw_access_key(341);
    repo.write("a.env", format!("SCW_ACCESS_KEY={key}\n"));
    repo.write("b.yaml", format!("access_key: {key}\nregion: fr-par\n"));
    let first = repo.commit("Two copies");
    // The same file edited elsewhere: a new blob that still holds the secret.
    repo.write("a.env", format!("SCW_ACCESS_KEY={key}\nDEBUG=1\n"));
    let second = repo.commit("Debug on");

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let found = out.findings();
    assert_eq!(found.len(), 3, "{found:#?}");
    // (path, commit, blob) of each finding.
    let mut places: Vec<(String, String, String)> = found
        .iter()
        .map(|f| {
            let commit = f.commit.as_ref().expect("a history finding has a commit");
            let blob = f.blob_id.as_ref().expect("a history finding has a blob");
            (f.path.clone(), commit.id.clone(), blob.clone())
        })
        .collect();
    places.sort();
    let place = |path: &str, commit: &str| {
        let blob = repo.rev(&format!("{commit}:{path}"));
        (path.to_string(), commit.to_string(), blob)
    };
    let mut expected = [
        place("a.env", &first),
        place("a.env", &second),
        place("b.yaml", &first),
    ];
    expected.sort();
    assert_eq!(places, expected);
    let fingerprints: std::collections::BTreeSet<&str> =
        found.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(fingerprints.len(), 1, "one secret, one fingerprint");
    assert!(found.iter().all(|f| f.secret == key));
    assert_eq!(out.stat("blobs_scanned"), 3);
}

/// A tag may name a blob or a tree directly (git.git tags its maintainer's public key so): no
/// commit holds it, and history still scans it, at the tag's name.
#[test]
fn blobs_and_trees_that_a_ref_names_directly_are_scanned() {
    let repo = GitRepo::new();
    repo.write("README.md", "hello\n");
    repo.commit("Start");
    let blob_key = scw_access_key(1501);
    let blob = repo.git_with_stdin(
        &["hash-object", "-w", "--stdin"],
        &format!("SCW_ACCESS_KEY={blob_key}\n"),
    );
    repo.git(&["tag", "-a", "-m", "a key", "key-blob", &blob]);
    let tree_key = scw_access_key(1502);
    let inner = repo.git_with_stdin(
        &["hash-object", "-w", "--stdin"],
        &format!("SCW_ACCESS_KEY={tree_key}\n"),
    );
    let tree = repo.git_with_stdin(&["mktree"], &format!("100644 blob {inner}\tdeploy.env\n"));
    repo.git(&["update-ref", "refs/keys/tree", &tree]);

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let mut found = out.findings();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(
        found,
        [
            scaleway_key("refs/keys/tree/deploy.env", 1, 16, &tree_key).in_blob(&inner),
            scaleway_key("refs/tags/key-blob", 1, 16, &blob_key).in_blob(&blob),
        ],
        "no commit holds them"
    );
    // As many blobs as git counts from every ref, these two included.
    assert_eq!(out.stat("blobs_scanned"), repo.distinct_blobs());
}
