//! The folder walk and its bad inputs: ignore files, hidden files, .git, binary data, size limit,
//! unreadable files, symlinks, FIFOs, devices, stdin.

use crate::util::{scaleway_key, scw_access_key, TestDir};

#[test]
fn finds_secrets_in_nested_and_hidden_files_with_relative_paths() {
    let t = TestDir::new();
    let (key, other) = (scw_access_key(1), scw_access_key(2));
    t.write(".env", format!("# prod\nSCW_ACCESS_KEY={key}\n"));
    t.write("src/app/config.py", format!("KEY = \"{other}\"\n"));
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(
        out.findings(),
        [
            scaleway_key(".env", 2, 16, &key),
            scaleway_key("src/app/config.py", 1, 8, &other),
        ]
    );
    assert_eq!(out.stat("blobs_scanned"), 2);
    assert_eq!(out.stat("skipped"), 0);
}

#[test]
fn paths_are_relative_to_a_folder_given_as_root() {
    let t = TestDir::new();
    t.write("proj/deploy/prod.env", format!("K={}\n", scw_access_key(3)));
    let out = t.run(&["scan", "proj", "--format", "json"]);
    assert_eq!(out.findings()[0].path, "deploy/prod.env");
    let out = t.run(&["scan", "proj/deploy/prod.env", "--format", "json"]);
    assert_eq!(
        out.findings()[0].path,
        "proj/deploy/prod.env",
        "a file root keeps its given path"
    );
}

#[test]
fn honours_gitignore_ignore_and_keysweepignore_unless_no_ignore() {
    let t = TestDir::new();
    t.write(".gitignore", "build/\n");
    t.write(".ignore", "*.log\n");
    t.write(".keysweepignore", "vendor/\n");
    t.write("build/out.txt", scw_access_key(4));
    t.write("debug.log", scw_access_key(5));
    t.write("vendor/lib.js", scw_access_key(6));
    t.write("kept.txt", scw_access_key(7));
    let out = t.run(&["scan", ".", "--format", "json"]);
    let paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
    assert_eq!(paths, vec!["kept.txt"]);
    let out = t.run(&["scan", ".", "--format", "json", "--no-ignore"]);
    let paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
    assert_eq!(
        paths,
        vec!["build/out.txt", "debug.log", "kept.txt", "vendor/lib.js"]
    );
}

#[test]
fn never_descends_into_dot_git_even_with_no_ignore() {
    let t = TestDir::new();
    t.write(".git/config", format!("token = {}\n", scw_access_key(8)));
    t.write(".git/objects/ab/cdef", scw_access_key(9));
    for args in [
        &["scan", ".", "--format", "json"][..],
        &["scan", ".", "--format", "json", "--no-ignore"],
    ] {
        let out = t.run(args);
        assert_eq!(out.status, 0, "{}", out.stdout);
        assert_eq!(out.stat("blobs_scanned"), 0);
    }
}

#[test]
fn binary_and_invalid_utf8_files_are_scanned_as_bytes() {
    let t = TestDir::new();
    let key = scw_access_key(10);
    let mut binary = vec![0u8, 159, 146, 150, 0, 0xff];
    binary.extend_from_slice(key.as_bytes());
    binary.extend_from_slice(&[0, 1, 2]);
    t.write("blob.bin", &binary);
    let mut latin1 = b"caf\xe9 \xe9\xe9 = ".to_vec();
    latin1.extend_from_slice(key.as_bytes());
    t.write("latin1.txt", &latin1);
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(
        out.findings(),
        [
            scaleway_key("blob.bin", 1, 7, &key),
            scaleway_key("latin1.txt", 1, 11, &key),
        ]
    );
}

#[test]
fn files_over_the_size_limit_are_skipped_counted_and_said() {
    let t = TestDir::new();
    t.write(
        "big.txt",
        format!("{}\n{}", "x".repeat(2000), scw_access_key(11)),
    );
    t.write("small.txt", "nothing here\n");
    let out = t.run(&["scan", ".", "--format", "json", "--max-file-size", "1000"]);
    assert_eq!(out.status, 0);
    assert_eq!(out.stat("skipped"), 1);
    assert_eq!(out.stat("blobs_scanned"), 1);
    out.assert_stderr_has("big.txt: skipped: 2021 bytes is over the size limit of 1000 bytes");
    let out = t.run(&["scan", ".", "--format", "json", "--max-file-size", "3000"]);
    assert_eq!(out.status, 1);
}

#[test]
fn unreadable_files_are_errors_that_do_not_stop_the_scan() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::new();
    let secret = t.write("locked/secret.env", scw_access_key(12));
    t.write("open.env", scw_access_key(13));
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = if is_root() {
        // root reads anything: run the scan as an unprivileged user instead.
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(crate::util::bin())
            .args(["scan", ".", "--format", "json"])
            .current_dir(t.path());
        crate::util::run_command(cmd, None)
    } else {
        t.run(&["scan", ".", "--format", "json"])
    };
    assert_eq!(
        out.status, 3,
        "an unreadable file makes the scan incomplete (exit 3): {}",
        out.stderr
    );
    assert_eq!(
        out.findings().len(),
        1,
        "the readable file's finding is still reported"
    );
    out.assert_stderr_has("the scan had errors, so its report is incomplete (exit status 3)");
    assert_eq!(out.stat("errors"), 1);
    assert_eq!(out.findings().len(), 1);
    out.assert_stderr_has("keysweep: error: locked/secret.env: cannot read: Permission denied");
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

#[test]
fn symlinks_broken_skipped_and_looping() {
    let t = TestDir::new();
    t.write("real/key.env", scw_access_key(14));
    std::os::unix::fs::symlink("does-not-exist", t.join("broken")).unwrap();
    std::os::unix::fs::symlink("real/key.env", t.join("link.env")).unwrap();
    std::os::unix::fs::symlink("..", t.join("real/loop")).unwrap();

    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(
        out.findings().len(),
        1,
        "only the real file: {:?}",
        out.findings()
    );
    assert_eq!(out.stat("errors"), 1, "{}", out.stderr);
    out.assert_stderr_has("keysweep: error: broken: broken symlink");
    assert_eq!(out.stat("skipped"), 2, "two valid links not followed");
    out.assert_stderr_has("2 symlinks not followed");

    let out = t.run(&["scan", ".", "--format", "json", "--follow-symlinks"]);
    let paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
    assert_eq!(paths, vec!["link.env", "real/key.env"]);
    out.assert_stderr_has("real/loop: symlink loop");
    assert_eq!(
        out.stat("errors"),
        2,
        "the broken link and the loop: {}",
        out.stderr
    );
}

#[test]
fn fifos_and_devices_are_skipped_without_hanging() {
    let t = TestDir::new();
    let fifo = t.join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    t.write("a.env", scw_access_key(15));
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.findings().len(), 1);
    assert_eq!(out.stat("skipped"), 1);
    out.assert_stderr_has("pipe: skipped: not a regular file (fifo)");

    let out = t.run(&["scan", "/dev/null", "pipe", "--format", "json"]);
    assert_eq!(out.stat("skipped"), 2);
    out.assert_stderr_has("/dev/null: skipped: not a regular file (character device)");
}

#[test]
fn stdin_is_scanned_with_dash() {
    let t = TestDir::new();
    let key = scw_access_key(16);
    let input = format!("line one\nexport SCW_ACCESS_KEY={key}\n");
    let out = t.run_with_stdin(&["scan", "-", "--format", "json"], Some(input.as_bytes()));
    assert_eq!(out.findings(), [scaleway_key("<stdin>", 2, 23, &key)]);
    let out = t.run_with_stdin(
        &["scan", "-", "--format", "json", "--max-file-size", "10"],
        Some(input.as_bytes()),
    );
    assert_eq!(out.status, 3, "nothing was scanned: {}", out.stderr);
    assert_eq!(out.stat("skipped"), 1);
    out.assert_stderr_has("<stdin>: skipped:");
    out.assert_stderr_has("keysweep: nothing was scanned: 1 skipped");
    let out = t.run_with_stdin(
        &[
            "scan",
            "-",
            "--max-file-size",
            "10",
            "--allow-nothing-scanned",
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(out.status, 0, "asked to accept it: {}", out.stderr);
}

#[test]
fn a_missing_path_stops_the_scan_with_exit_2() {
    let t = TestDir::new();
    let out = t.run(&["scan", "no-such-dir"]);
    assert_eq!(out.status, 2);
    assert_eq!(
        out.stderr.trim(),
        "keysweep: error: no-such-dir: no such file or folder"
    );
}

#[test]
fn thread_count_does_not_change_the_report() {
    let t = TestDir::new();
    for i in 0..60 {
        t.write(
            &format!("d{}/f{i}.txt", i % 7),
            format!("a\nk={}\n", scw_access_key(100 + i)),
        );
    }
    let one = t
        .run(&["scan", ".", "--format", "json", "--threads", "1"])
        .json()["findings"]
        .clone();
    let many = t
        .run(&["scan", ".", "--format", "json", "--threads", "4"])
        .json()["findings"]
        .clone();
    assert_eq!(one.as_array().unwrap().len(), 60);
    assert_eq!(one, many);
}

/// Two folders on one command line holding the same file: two findings, told apart by the folder.
#[test]
fn several_folders_keep_their_names_in_report_paths() {
    let t = TestDir::new();
    let key = scw_access_key(631);
    for dir in ["staging", "prod"] {
        t.write(&format!("{dir}/app.env"), format!("SCW_ACCESS_KEY={key}\n"));
    }
    let out = t.run(&["scan", "staging", "prod", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let mut paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
    paths.sort();
    assert_eq!(paths, ["prod/app.env", "staging/app.env"]);
    let out = t.run(&["scan", "staging", "--format", "json"]);
    assert_eq!(
        out.findings()[0].path,
        "app.env",
        "one folder: relative to it"
    );
}
