//! Repositories that go wrong, and secrets kept off stderr.

use super::*;
use crate::util::{scw_access_key, uuid_v4, GitRepo, TestDir};

// 7. Repositories that go wrong.

#[test]
fn not_a_git_repository_is_an_error_in_every_git_mode() {
    let t = TestDir::new();
    t.write(
        "plain.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(391)),
    );
    for args in [
        &["scan", "--history", "--format", "json"][..],
        &["scan", "--staged", "--format", "json"],
        &["scan", "--range", "HEAD~1..HEAD", "--format", "json"],
    ] {
        let out = t.run(args);
        assert_eq!(out.status, 2, "{args:?}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: one line:\n{}", out.stderr);
        assert!(
            lines[0].starts_with("keysweep: error: ") && lines[0].contains("not a git repository"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn git_modes_are_mutually_exclusive() {
    let repo = GitRepo::new();
    for args in [
        &["scan", "--history", "--staged"][..],
        &["scan", "--history", "--range", "HEAD~1..HEAD"],
        &["scan", "--staged", "--range", "HEAD~1..HEAD"],
    ] {
        let out = repo.run(args);
        assert_eq!(out.status, 2, "{args:?}: {}", out.stderr);
        out.assert_stderr_has("cannot be used with");
    }
}

#[test]
fn an_empty_repository_has_no_history_to_scan() {
    let repo = GitRepo::new();
    repo.write(
        "untracked.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(401)),
    );
    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.findings().is_empty());
    assert_eq!(out.stat("blobs_scanned"), 0);
    let stderr = out.stderr.to_lowercase();
    assert!(
        stderr.contains("no commit") || stderr.contains("empty"),
        "stderr should say the repository has no commits:\n{}",
        out.stderr
    );
}

#[test]
fn a_shallow_clone_is_scanned_as_far_as_it_goes_and_said_so() {
    let t = TestDir::new();
    let origin = GitRepo::init_in(&t, "origin");
    let (old, new) = (scw_access_key(411), scw_access_key(412));
    origin.write("old.env", format!("SCW_ACCESS_KEY={old}\n"));
    origin.commit("Old key");
    origin.git(&["rm", "-q", "old.env"]);
    origin.write("new.env", format!("SCW_ACCESS_KEY={new}\n"));
    let tip = origin.commit("New key");
    let url = format!("file://{}", origin.path().display());
    let clone_path = t.join("clone");
    origin.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        clone_path.to_str().unwrap(),
    ]);
    let clone = GitRepo::open(&clone_path);
    assert_eq!(clone.git(&["rev-parse", "--is-shallow-repository"]), "true");

    let out = clone.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let found = out.findings();
    assert_eq!(
        secrets(&found),
        vec![new.clone()],
        "the old commit is not there"
    );
    let f = the_finding(&found, &new);
    assert_eq!(f.path, "new.env");
    assert_commit(&f, &clone, &tip);
    assert!(
        out.stderr.to_lowercase().contains("shallow"),
        "stderr should say the clone is shallow:\n{}",
        out.stderr
    );
    assert_eq!(out.stat("errors"), 0, "a shallow boundary is not an error");
}

#[test]
fn submodules_are_not_followed_and_said_so() {
    let t = TestDir::new();
    let other = GitRepo::init_in(&t, "other");
    let inner = scw_access_key(421);
    other.write("inner.env", format!("SCW_ACCESS_KEY={inner}\n"));
    other.commit("Inner");
    let repo = GitRepo::init_in(&t, "repo");
    let outer = scw_access_key(422);
    repo.write("main.env", format!("SCW_ACCESS_KEY={outer}\n"));
    repo.commit("Outer");
    repo.git(&["submodule", "--quiet", "add", "../other", "sub"]);
    assert!(repo.join("sub/inner.env").is_file());

    let staged = repo.run(&["scan", "--staged", "--format", "json"]);
    assert_eq!(staged.status, 0, "{}", staged.stderr);
    assert!(
        !secrets(&staged.findings()).contains(&inner),
        "the staged gitlink is not followed"
    );

    repo.commit("Add the submodule");
    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(secrets(&out.findings()), vec![outer.clone()]);
    assert!(
        out.stderr.contains("submodule"),
        "stderr should say the submodule was not scanned:\n{}",
        out.stderr
    );
}

#[test]
fn lfs_pointer_files_are_scanned_as_text() {
    let repo = GitRepo::new();
    let attributes = "*.bin filter=lfs diff=lfs merge=lfs -text\n";
    let pointer = format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize 104857600\n",
        "4d7a2146".repeat(8)
    );
    repo.write(".gitattributes", attributes);
    repo.write("model.bin", &pointer);
    repo.commit("Track the model with LFS");
    assert_eq!(
        repo.git(&["cat-file", "-p", "HEAD:model.bin"]) + "\n",
        pointer
    );

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.findings().is_empty());
    assert_eq!(out.stat("blobs_scanned"), 2);
    assert_eq!(
        out.stat("bytes_scanned"),
        (attributes.len() + pointer.len()) as u64
    );
    assert_eq!(out.stat("skipped"), 0, "not skipped as a 100 MB file");
    assert_eq!(out.stat("errors"), 0, "no LFS object is fetched");
}

#[test]
fn blobs_over_the_size_limit_are_skipped_counted_and_said() {
    let repo = GitRepo::new();
    let (big_key, small_key) = (scw_access_key(431), scw_access_key(432));
    repo.write("big.txt", format!("{}\n{big_key}\n", "x".repeat(2000)));
    repo.write("small.env", format!("SCW_ACCESS_KEY={small_key}\n"));
    repo.commit("Big and small");

    let out = repo.run(&[
        "scan",
        "--history",
        "--format",
        "json",
        "--max-file-size",
        "1000",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(secrets(&out.findings()), vec![small_key.clone()]);
    assert_eq!(out.stat("skipped"), 1);
    assert_eq!(out.stat("blobs_scanned"), 1);
    out.assert_stderr_has("big.txt");
    out.assert_stderr_has("skipped");
    assert_no_secret_on_stderr(&out, &[&big_key, &small_key]);

    let out = repo.run(&[
        "scan",
        "--history",
        "--format",
        "json",
        "--max-file-size",
        "3000",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(secrets(&out.findings()), sorted(vec![big_key, small_key]));
    assert_eq!(out.stat("skipped"), 0);
}

#[test]
fn a_missing_blob_is_a_counted_error_and_the_scan_goes_on() {
    let repo = GitRepo::new();
    let (lost, kept) = (scw_access_key(441), scw_access_key(442));
    repo.write("a.env", format!("SCW_ACCESS_KEY={lost}\n"));
    repo.write("b.env", format!("SCW_ACCESS_KEY={kept}\n"));
    repo.commit("Two keys");
    let blob = repo.rev("HEAD:a.env");
    let object = repo.join(&format!(".git/objects/{}/{}", &blob[..2], &blob[2..]));
    assert!(object.is_file(), "a loose object, no pack");
    std::fs::remove_file(&object).unwrap();

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(
        out.status, 3,
        "a missing object makes the scan incomplete:\n{}",
        out.stderr
    );
    assert_eq!(out.findings().len(), 1, "b.env's finding is still reported");
    assert_eq!(secrets(&out.findings()), vec![kept.clone()]);
    assert_eq!(out.stat("errors"), 1, "{}", out.stderr);
    assert_eq!(out.stat("blobs_scanned"), 1);
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("keysweep: error: ")
                && (l.contains("a.env") || l.contains(&blob))),
        "one error line naming the blob or its path:\n{}",
        out.stderr
    );
}

#[test]
fn a_secret_committed_on_a_detached_head_is_found() {
    let repo = GitRepo::new();
    let key = scw_access_key(451);
    repo.write("README.md", "# app\n");
    repo.commit("Initial");
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("hotfix.env", format!("SCW_ACCESS_KEY={key}\n"));
    let detached = repo.commit("Hotfix on a detached HEAD");
    assert!(
        repo.git(&["for-each-ref", "--contains", &detached])
            .is_empty(),
        "no branch or tag holds it"
    );

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let f = the_finding(&out.findings(), &key);
    assert_eq!(f.path, "hotfix.env");
    assert_commit(&f, &repo, &detached);

    let out = repo.run(&["scan", "--range", "main..HEAD", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_commit(&the_finding(&out.findings(), &key), &repo, &detached);

    repo.write(
        "hotfix.env",
        format!("SCW_ACCESS_KEY={key}\nX={}\n", scw_access_key(452)),
    );
    repo.git(&["add", "hotfix.env"]);
    let out = repo.run(&["scan", "--staged", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(secrets(&out.findings()), vec![scw_access_key(452)]);
}

#[test]
fn non_utf8_file_names_and_commit_messages_do_not_stop_the_scan() {
    use std::os::unix::ffi::OsStrExt;
    let repo = GitRepo::new();
    let key = scw_access_key(461);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.env");
    std::fs::write(repo.path().join(name), format!("SCW_ACCESS_KEY={key}\n")).unwrap();
    repo.git(&["add", "-A"]);

    let out = repo.run(&["scan", "--staged", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let f = the_finding(&out.findings(), &key);
    let path = &f.path;
    assert!(
        path.starts_with("caf") && path.ends_with(".env"),
        "{path:?}"
    );

    std::fs::write(repo.join(".git/MSG"), b"R\xe9sum\xe9 du d\xe9ploiement\n").unwrap();
    repo.git(&[
        "-c",
        "i18n.commitEncoding=ISO-8859-1",
        "commit",
        "-q",
        "-F",
        ".git/MSG",
    ]);
    let commit = repo.rev("HEAD");
    assert!(repo
        .git(&["cat-file", "commit", "HEAD"])
        .contains("encoding ISO-8859-1"));

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let f = the_finding(&out.findings(), &key);
    let path = &f.path;
    assert!(
        path.starts_with("caf") && path.ends_with(".env"),
        "{path:?}"
    );
    let f_commit = f.commit.as_ref().expect("a history finding has a commit");
    assert_eq!(f_commit.id, commit);
    let message = &f_commit.message;
    assert!(
        message == "Résumé du déploiement"
            || message == "R\u{FFFD}sum\u{FFFD} du d\u{FFFD}ploiement",
        "the message decoded (or lossily): {message:?}"
    );

    // The human report prints the name without breaking the terminal.
    let out = repo.run(&["scan", "--history"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
}

// 8. Secrets stay off stderr, and the human report keeps them short.

#[test]
fn git_modes_never_print_secrets_on_stderr_nor_whole_in_the_human_report() {
    let repo = GitRepo::new();
    let (ak, sk, staged) = (scw_access_key(471), uuid_v4(472), scw_access_key(473));
    repo.write("README.md", "# app\n");
    repo.commit("Initial");
    repo.write(
        "deploy/prod.env",
        format!("SCW_ACCESS_KEY={ak}\nSCW_SECRET_KEY={sk}\nSCW_DEFAULT_REGION=fr-par\n"),
    );
    repo.write(
        "big.txt",
        format!("{}\nSCW_ACCESS_KEY={ak}\n", "y".repeat(3000)),
    );
    repo.commit("Deploy");
    repo.write("staged.env", format!("SCW_ACCESS_KEY={staged}\n"));
    repo.git(&["add", "staged.env"]);
    let all = [ak.as_str(), sk.as_str(), staged.as_str()];

    for mode in [
        &["--history"][..],
        &["--range", "HEAD~1..HEAD"],
        &["--staged"],
    ] {
        for format in ["json", "jsonl", "human"] {
            let mut args = vec!["scan", "--format", format, "--max-file-size", "2000"];
            args.extend_from_slice(mode);
            let out = repo.run(&args);
            assert_eq!(out.status, 1, "{args:?}: {}", out.stderr);
            assert_no_secret_on_stderr(&out, &all);
            if format == "human" {
                for s in all {
                    assert!(
                        !out.stdout.contains(s),
                        "{args:?}: the {format} report shows a whole secret:\n{}",
                        out.stdout
                    );
                }
            }
        }
    }
}

#[test]
fn history_report_is_the_same_whatever_the_thread_count() {
    let repo = GitRepo::new();
    let key = scw_access_key(481);
    let mut commits = Vec::new();
    for i in 0..6 {
        // Each commit a new blob of the same file, the secret always on line 1.
        repo.write("a.env", format!("SCW_ACCESS_KEY={key}\nVERSION={i}\n"));
        repo.write(&format!("notes/{i}.txt"), format!("note {i}\n"));
        commits.push(repo.commit(&format!("Version {i}")));
    }
    let runs: Vec<Output> = [1, 4, 1, 4]
        .iter()
        .map(|threads| {
            let out = repo.run(&[
                "scan",
                "--history",
                "--format",
                "json",
                "--threads",
                &threads.to_string(),
            ]);
            assert_eq!(out.status, 1, "{}", out.stderr);
            out
        })
        .collect();
    let mut ids: Vec<String> = runs[0]
        .findings()
        .into_iter()
        .map(|f| f.commit.expect("a history finding has a commit").id)
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        sorted(commits),
        "one finding per blob, each with its own commit"
    );
    // Every field of every finding, not only those `Found` reads.
    let every_field = |out: &Output| out.json()["findings"].clone();
    for r in &runs[1..] {
        assert_eq!(
            every_field(r),
            every_field(&runs[0]),
            "the report changed with the thread count"
        );
    }
}

#[test]
fn staged_in_a_bare_repository_is_an_error_not_a_clean_scan() {
    let t = TestDir::new();
    let status = std::process::Command::new("git")
        .args(["init", "-q", "--bare", "bare.git"])
        .current_dir(t.path())
        .status()
        .unwrap();
    assert!(status.success());
    let out = t.run(&["scan", "--staged", "bare.git"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("bare.git: a bare repository has no index, so nothing is staged");
}

/// A pack whose bytes are damaged: whatever can still be read is scanned, what cannot is said
/// and counted, and keysweep neither panics nor hangs.
#[test]
fn a_corrupt_pack_is_said_and_counted_and_never_crashes() {
    let repo = GitRepo::new();
    let keys: Vec<String> = (0..20).map(|i| scw_access_key(460 + i)).collect();
    for (i, key) in keys.iter().enumerate() {
        repo.write(
            &format!("svc{i}/app.env"),
            format!(
                "# service {i}\nSCW_ACCESS_KEY={key}\n{}\n",
                "x".repeat(200 + i)
            ),
        );
        repo.commit(&format!("Service {i}"));
    }
    repo.git(&["gc", "-q", "--aggressive"]);
    let pack = std::fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("git gc wrote a pack");
    // Damage the compressed data of a few blobs only (where `git verify-pack` says they are),
    // so that commits and trees stay readable and the outcome does not depend on the pack layout.
    let index = pack.with_extension("idx");
    let listing = repo.git(&["verify-pack", "-v", index.to_str().unwrap()]);
    let blobs: Vec<(usize, usize)> = listing
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            match fields.as_slice() {
                [_, "blob", _, in_pack, offset, ..] => {
                    Some((offset.parse().unwrap(), in_pack.parse().unwrap()))
                }
                _ => None,
            }
        })
        .collect();
    assert!(blobs.len() >= 20, "{listing}");
    let mut bytes = std::fs::read(&pack).unwrap();
    for &(offset, in_pack) in blobs.iter().step_by(4) {
        let middle = offset + in_pack / 2;
        for b in &mut bytes[middle..middle + 4.min(in_pack / 4).max(1)] {
            *b ^= 0x5a;
        }
    }
    let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&pack, permissions).unwrap();
    std::fs::write(&pack, bytes).unwrap();

    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    // Unreadable blobs do not stop a scan, but make it incomplete: exit 3, with each error said
    // and counted.
    assert_eq!(out.status, 3, "{}", out.stderr);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("keysweep: error: "))
        .collect();
    assert!(!errors.is_empty(), "the damage is said: {}", out.stderr);
    let found = out.findings().len();
    assert!(found < keys.len(), "some objects were damaged");
    assert!(
        out.stderr.contains(&format!("{} errors", errors.len())),
        "the summary line counts them: {}",
        out.stderr
    );
    assert_eq!(
        out.stat("errors") as usize,
        errors.len(),
        "every error line is counted: {}",
        out.stderr
    );
}

/// A clone made with `--shared` keeps no objects of its own: they come through
/// `objects/info/alternates`, and are scanned all the same.
#[test]
fn objects_borrowed_through_alternates_are_scanned() {
    let origin = GitRepo::new();
    let key = scw_access_key(481);
    origin.write("deploy.env", format!("SCW_ACCESS_KEY={key}\n"));
    origin.commit("Deploy");
    origin.git(&["rm", "-q", "deploy.env"]);
    origin.commit("Remove the key");
    let parent = TestDir::new();
    GitRepo::open(parent.path()).git(&[
        "clone",
        "-q",
        "--shared",
        &origin.path().display().to_string(),
        "borrower",
    ]);
    let borrower = GitRepo::open(&parent.join("borrower"));
    assert!(borrower.join(".git/objects/info/alternates").is_file());
    let out = borrower.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(secrets(&out.findings()), vec![key]);
}
