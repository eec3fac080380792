//! The history cache: a second `--history` scan reads only what is new and still reports every
//! finding with the commit that introduced it; a torn, foreign or linked cache is never trusted.

use super::located;
use crate::util::{scw_access_key, GitRepo, Output};
use std::os::unix::fs::PermissionsExt;

/// `stats.blobs_cached`, absent when no cache was used.
fn cached(out: &Output) -> u64 {
    out.json()["stats"]["blobs_cached"].as_u64().unwrap_or(0)
}

fn scan(repo: &GitRepo, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "--history", "--format", "json"];
    args.extend_from_slice(extra);
    repo.run(&args)
}

/// A repository of a few commits, two of them adding a secret.
fn repository() -> (GitRepo, Vec<String>) {
    let repo = GitRepo::new();
    let keys = vec![scw_access_key(801), scw_access_key(802)];
    repo.write("README.md", "# app\n");
    repo.write("deploy.env", format!("SCW_ACCESS_KEY={}\n", keys[0]));
    repo.commit("First");
    for n in 0..5 {
        repo.write(&format!("src/m{n}.rs"), format!("fn m{n}() {{}}\n"));
        repo.commit(&format!("Module {n}"));
    }
    repo.write("ci.env", format!("SCW_ACCESS_KEY={}\n", keys[1]));
    repo.commit("CI");
    (repo, keys)
}

#[test]
fn a_second_scan_reads_only_new_commits_and_reports_every_finding_where_it_began() {
    let (repo, keys) = repository();
    let first = scan(&repo, &[]);
    assert_eq!(first.status, 1, "{}", first.stderr);
    let cache = repo.path().join(".git/keysweep/history.cache");
    let bytes = std::fs::read(&cache).expect("the cache is in the git folder");
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    for key in &keys {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(key.as_str()), "the cache holds no secret");
    }
    let first_commit = repo.rev("HEAD~6");

    // One new commit with a new secret.
    let new_key = scw_access_key(803);
    repo.write("later.env", format!("SCW_ACCESS_KEY={new_key}\n"));
    repo.commit("Later");
    let second = scan(&repo, &[]);
    assert_eq!(second.status, 1, "{}", second.stderr);
    // The new blob and the two that held findings; the rest comes from the cache.
    assert_eq!(second.stat("blobs_scanned"), 3, "{}", second.stderr);
    assert!(cached(&second) >= 6);
    let full = scan(&repo, &["--no-cache"]);
    assert_eq!(located(&second), located(&full));
    assert_eq!(located(&second).len(), 3);
    let old = second.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["secret"] == keys[0].as_str())
        .cloned()
        .expect("the first secret is still reported");
    assert_eq!(old["commit"]["id"], first_commit.as_str(), "where it began");
    assert_eq!(cached(&full), 0);
}

#[test]
fn a_torn_foreign_or_linked_cache_is_never_trusted() {
    let (repo, _) = repository();
    let full = scan(&repo, &["--no-cache"]);
    let cache = repo.path().join(".git/keysweep/history.cache");
    assert!(!cache.exists(), "--no-cache writes none");
    assert_eq!(scan(&repo, &[]).status, 1);

    // Torn: said, everything read again, and the cache replaced.
    let bytes = std::fs::read(&cache).unwrap();
    std::fs::write(&cache, &bytes[..bytes.len() / 2]).unwrap();
    let torn = scan(&repo, &[]);
    torn.assert_stderr_has("the history cache cannot be used");
    assert_eq!(cached(&torn), 0);
    assert_eq!(located(&torn), located(&full));
    assert!(cached(&scan(&repo, &[])) > 0, "replaced whole");

    // Made with other patterns: not used.
    let other = scan(&repo, &["--no-generic"]);
    other.assert_stderr_has("made by another keysweep, pattern set or options");
    assert_eq!(cached(&other), 0);

    // History rewritten: what the cache credits to a commit that is gone is read again.
    repo.git(&["commit", "-q", "--amend", "-m", "CI, reworded"]);
    let rewritten = scan(&repo, &["--no-generic"]);
    rewritten.assert_stderr_has("history rewritten");
    assert_eq!(cached(&rewritten), 0);

    // A symbolic link in its place: not followed, and its target left alone.
    let target = repo.path().join("elsewhere.bin");
    std::fs::write(&target, b"not a cache").unwrap();
    std::fs::remove_file(&cache).unwrap();
    std::os::unix::fs::symlink(&target, &cache).unwrap();
    let linked = scan(&repo, &["--no-generic"]);
    linked.assert_stderr_has("symbolic link");
    assert_eq!(cached(&linked), 0);
    assert_eq!(std::fs::read(&target).unwrap(), b"not a cache");

    // A cache file that a commit wrote (`--cache` inside the work tree): refused.
    repo.write("ks.cache", "planted");
    repo.commit("Plant a cache");
    let planted = scan(&repo, &["--cache", "ks.cache"]);
    planted.assert_stderr_has("tracked by git");
    assert_eq!(cached(&planted), 0);
    assert_eq!(
        std::fs::read(repo.path().join("ks.cache")).unwrap(),
        b"planted"
    );
}

#[test]
fn cache_flags_belong_to_history_scans() {
    let (repo, _) = repository();
    let out = repo.run(&["scan", "--cache", "x.cache", "."]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--history"), "{}", out.stderr);
}

#[test]
fn a_scan_with_nothing_new_is_complete_not_empty() {
    let repo = GitRepo::new();
    repo.write("notes.txt", "nothing secret\n");
    repo.write("big.bin", "x".repeat(5000));
    repo.commit("Notes");
    let args = ["--max-file-size", "1000"];
    let first = scan(&repo, &args);
    assert_eq!(first.status, 0, "{}", first.stderr);
    // Everything comes from the cache: the big blob is said again, and the scan is whole.
    let second = scan(&repo, &args);
    assert_eq!(second.status, 0, "{}", second.stderr);
    assert_eq!(second.stat("blobs_scanned"), 0);
    assert_eq!(cached(&second), 1);
    assert_eq!(second.stat("skipped"), 1);
    second.assert_stderr_has("big.bin");
    assert!(!second.stderr.contains("nothing"), "{}", second.stderr);
}
