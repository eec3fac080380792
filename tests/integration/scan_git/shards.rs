//! `--history --shard I/N`: N runs scan every blob exactly once between them, each finding at
//! the commit that introduced it, and each shard keeps its own history cache.

use super::located;
use crate::util::{scw_access_key, GitRepo, Output};

fn blobs_scanned(out: &Output) -> u64 {
    out.json()["stats"]["blobs_scanned"].as_u64().unwrap()
}

#[test]
fn shards_together_report_what_one_run_reports_each_blob_once() {
    let repo = GitRepo::new();
    for n in 0..24 {
        repo.write(
            &format!("env/s{n}.env"),
            format!("SCW_ACCESS_KEY={}\n", scw_access_key(900 + n)),
        );
        repo.write(&format!("src/m{n}.rs"), format!("fn m{n}() {{}}\n"));
        repo.commit(&format!("Service {n}"));
    }
    let whole = repo.run(&["scan", "--history", "--no-cache", "--format", "json"]);
    assert_eq!(whole.status, 1, "{}", whole.stderr);
    let mut together = Vec::new();
    let mut blobs = 0;
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let args = ["scan", "--history", "--shard", &shard, "--format", "json"];
        let out = repo.run(&args);
        assert!(out.status <= 1, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!("shard {shard}:")),
            "{}",
            out.stderr
        );
        // Each shard's cache is its own, and a second run of the shard reads nothing new.
        let cache = format!(".git/keysweep/history-shard-{i}-of-3.cache");
        assert!(repo.path().join(&cache).is_file(), "{cache}");
        let again = repo.run(&args);
        assert_eq!(located(&again), located(&out), "{}", again.stderr);
        // What the cache spared is this shard's blobs, not the others'.
        let cached = again.json()["stats"]["blobs_cached"].as_u64().unwrap_or(0);
        assert_eq!(
            cached + blobs_scanned(&again),
            blobs_scanned(&out),
            "shard {shard}"
        );
        blobs += blobs_scanned(&out);
        together.extend(located(&out));
    }
    together.sort();
    assert_eq!(
        together,
        located(&whole),
        "the shards' findings are one run's"
    );
    let once: std::collections::BTreeSet<_> = together.iter().collect();
    assert_eq!(once.len(), together.len(), "no finding in two shards");
    assert_eq!(
        blobs,
        blobs_scanned(&whole),
        "every blob read by exactly one shard"
    );
    assert!(!repo.path().join(".git/keysweep/history.cache").exists());
}

#[test]
fn a_shard_that_is_not_i_of_n_is_refused() {
    let repo = GitRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("A");
    for bad in ["0/3", "4/3", "3", "1/0"] {
        let out = repo.run(&["scan", "--history", "--shard", bad]);
        assert_eq!(out.status, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("expected I/N"), "{}", out.stderr);
    }
    // Only a history scan is split.
    let out = repo.run(&["scan", "--shard", "1/2", "."]);
    assert_eq!(out.status, 2, "{}", out.stderr);
}

#[test]
fn a_shard_with_no_blob_of_its_own_is_complete_and_says_why_it_read_nothing() {
    let repo = GitRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("A");
    let outs: Vec<Output> = (1..=4)
        .map(|i| repo.run(&["scan", "--history", "--shard", &format!("{i}/4")]))
        .collect();
    assert!(outs.iter().all(|o| o.status == 0), "{outs:#?}");
    let empty: Vec<&Output> = outs
        .iter()
        .filter(|o| o.stderr.contains("scanned 0 blobs"))
        .collect();
    assert_eq!(empty.len(), 3, "one blob, read by one shard: {outs:#?}");
    for out in empty {
        assert!(
            out.stderr
                .contains("none of the history's blobs is this shard's")
                && !out.stderr.contains("no commits"),
            "{}",
            out.stderr
        );
    }
}
