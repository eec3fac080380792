//! Report files (`-o FILE`, `--report FORMAT=FILE`, `baseline create -o FILE`) in a scanned tree
//! that an attacker wrote: a committed symlink must not make keysweep write,
//! truncate or chmod a file outside the tree, and a reader must never see half a report.

use crate::util::{scw_access_key, GitRepo, TestDir};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A file outside the scanned repository that a committed link points at.
struct Outside {
    _dir: TestDir,
    file: std::path::PathBuf,
}

const OUTSIDE_BYTES: &str = "the user's own file, not a report\n";

fn outside(name: &str) -> Outside {
    let dir = TestDir::new();
    let file = dir.write(name, OUTSIDE_BYTES);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    Outside { _dir: dir, file }
}

fn assert_untouched(file: &Path) {
    assert_eq!(std::fs::read_to_string(file).unwrap(), OUTSIDE_BYTES);
    let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "{} was chmodded", file.display());
}

/// A repository with one secret and, committed, `links` as symlinks to `targets`.
fn repo_with_links(links: &[(&str, &Path)]) -> GitRepo {
    let repo = GitRepo::new();
    repo.write(
        "config.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(801)),
    );
    for (link, target) in links {
        std::os::unix::fs::symlink(target, repo.join(link)).unwrap();
    }
    repo.commit("Add the config and the links");
    repo
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn committed_symlinks_named_like_reports_are_refused_and_their_targets_untouched() {
    let sarif_target = outside("victim.sarif");
    let json_target = outside("victim.json");
    let repo = repo_with_links(&[
        ("keysweep.sarif", &sarif_target.file),
        ("report.json", &json_target.file),
    ]);

    let out = repo.run(&["scan", "--report", "sarif=keysweep.sarif", "."]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("keysweep.sarif: is a symbolic link");
    assert_untouched(&sarif_target.file);

    let out = repo.run(&["scan", "--format", "json", "-o", "report.json", "."]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("report.json: is a symbolic link");
    assert_untouched(&json_target.file);

    let out = repo.run(&["baseline", "create", "-o", "report.json", "."]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("report.json: is a symbolic link");
    assert_untouched(&json_target.file);

    // The history and range modes write through the same code.
    let out = repo.run(&["scan", "--history", "--report", "sarif=keysweep.sarif"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert_untouched(&sarif_target.file);

    // The links themselves are left as they were, and no temporary file is left behind.
    for link in ["keysweep.sarif", "report.json"] {
        assert!(std::fs::symlink_metadata(repo.join(link))
            .unwrap()
            .file_type()
            .is_symlink());
    }
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");
}

#[test]
fn a_dangling_link_does_not_create_its_target() {
    let dir = TestDir::new();
    let target = dir.join("created-by-keysweep.sarif");
    let repo = repo_with_links(&[("keysweep.sarif", &target)]);
    let out = repo.run(&["scan", "--report", "sarif=keysweep.sarif", "."]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("keysweep.sarif: is a symbolic link");
    assert!(!target.exists(), "the link's target was created");
}

#[test]
fn a_linked_folder_below_the_current_folder_is_refused_an_absolute_path_is_taken_as_given() {
    let elsewhere = TestDir::new();
    let repo = repo_with_links(&[("reports", elsewhere.path())]);
    let out = repo.run(&["scan", "--report", "sarif=reports/keysweep.sarif", "."]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("reports/keysweep.sarif: the folder reports is a symbolic link");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    // The same folder named by an absolute path outside the current folder: the user chose it.
    let user = TestDir::new();
    std::os::unix::fs::symlink(elsewhere.path(), user.join("via-link")).unwrap();
    let target = user.join("via-link/keysweep.sarif");
    let out = repo.run(&[
        "scan",
        "--report",
        &format!("sarif={}", target.display()),
        ".",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(elsewhere.join("keysweep.sarif").is_file());
}

#[test]
fn an_existing_report_is_replaced_whole_and_private_never_written_into() {
    let t = TestDir::new();
    t.write(
        "config.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(802)),
    );
    let report = t.write("out/report.json", "old");
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    // A second name for the same file: replacing the report must not change it.
    let other_name = t.join("other-name.json");
    std::fs::hard_link(&report, &other_name).unwrap();

    let out = t.run(&[
        "scan",
        "config.env",
        "--format",
        "json",
        "-o",
        "out/report.json",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(mode_of(&report), 0o600);
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("scaleway.access_key"));
    assert_eq!(std::fs::read_to_string(&other_name).unwrap(), "old");
    assert_eq!(mode_of(&other_name), 0o644);
    let names: Vec<_> = std::fs::read_dir(t.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["report.json"], "a temporary file was left behind");
}

#[test]
fn devices_and_fifos_are_written_as_they_are() {
    let t = TestDir::new();
    t.write(
        "config.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(803)),
    );
    let null_mode = std::fs::metadata("/dev/null").unwrap().permissions().mode();
    for (args, status) in [
        (&["scan", ".", "-o", "/dev/null"][..], 1),
        (&["scan", ".", "--report", "sarif=/dev/null"], 1),
        (&["baseline", "create", "-o", "/dev/null", "."], 0),
    ] {
        let out = t.run(args);
        assert_eq!(out.status, status, "{args:?}: {}", out.stderr);
        assert_eq!(
            std::fs::metadata("/dev/null").unwrap().permissions().mode(),
            null_mode
        );
    }

    // A named pipe: the reader gets the whole report; the pipe stays a pipe, its mode unchanged.
    let fifo = t.join("report.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg("-m")
        .arg("644")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = t.run(&[
        "scan",
        "config.env",
        "--format",
        "json",
        "-o",
        "report.fifo",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let text = reader.join().unwrap();
    serde_json::from_str::<serde_json::Value>(&text).expect("the whole report came through");
    assert_eq!(mode_of(&fifo), 0o644);

    // This process's own streams, which are links under /dev.
    let out = t.run(&[
        "scan",
        "config.env",
        "--format",
        "json",
        "-o",
        "/dev/stdout",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    serde_json::from_str::<serde_json::Value>(&out.stdout).expect("the report on stdout");
}

/// A reader polling the report while keysweep replaces it sees the old report or the new one,
/// whole: never an empty or a cut file.
#[test]
fn a_reader_never_sees_a_half_written_report() {
    let t = TestDir::new();
    // About 3 MB of JSON: thousands of findings, many buffer flushes.
    let mut text = String::new();
    for n in 0..6000 {
        text.push_str(&format!("SCW_ACCESS_KEY={}\n", scw_access_key(10_000 + n)));
    }
    t.write("many.env", text);
    let report = t.write("report.json", r#"{"old": true}"#);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let (report, done) = (report.clone(), done.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let text = std::fs::read_to_string(&report).unwrap();
                assert!(
                    serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                    "a reader saw {} bytes that are not a whole report",
                    text.len()
                );
                reads += 1;
            }
            reads
        })
    };
    for _ in 0..3 {
        let out = t.run(&["scan", "many.env", "--format", "json", "-o", "report.json"]);
        assert_eq!(out.status, 1, "{}", out.stderr);
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads = poller.join().expect("the reader saw only whole reports");
    assert!(reads > 0);
}
