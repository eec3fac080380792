//! Hostile input at scale, each run through the built binary: a 2 GiB sparse file, one 100 MiB
//! line, 100,000 small files, a folder 1,000 levels deep, file names that are not UTF-8, a
//! pattern whose regex would blow up. Memory is measured (peak RSS of the child, read by
//! python3's `resource` module) where the point is that it stays bounded.

use crate::util::{run_command, scw_access_key, Output, TestDir};
use std::path::Path;
use std::process::Command;

/// Runs keysweep ARGS in `dir` and returns its output and peak resident memory in MiB.
fn run_measured(dir: &Path, args: &[&str]) -> (Output, u64) {
    let script = "import resource, subprocess, sys\n\
                  r = subprocess.run(sys.argv[1:])\n\
                  print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n\
                  sys.exit(r.returncode)\n";
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(script)
        .arg(crate::util::bin())
        .args(args)
        .current_dir(dir);
    let mut out = run_command(cmd, None);
    let last = out
        .stderr
        .trim_end()
        .rsplit('\n')
        .next()
        .unwrap()
        .to_string();
    let kib: u64 = last.trim().parse().expect("python3 printed the peak RSS");
    out.stderr
        .truncate(out.stderr.trim_end().len() - last.len());
    (out, kib / 1024)
}

#[test]
fn a_2_gib_sparse_file_is_skipped_by_the_size_rule_in_bounded_memory() {
    let t = TestDir::new();
    let file = std::fs::File::create(t.join("disk.img")).unwrap();
    file.set_len(2 << 30).unwrap();
    t.write("app.env", format!("KEY={}\n", scw_access_key(901)));
    let (out, mib) = run_measured(t.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    out.assert_stderr_has("disk.img: skipped: 2147483648 bytes is over the size limit");
    assert_eq!(out.stat("skipped"), 1);
    assert_eq!(out.findings().len(), 1);
    assert!(mib < 100, "peak RSS {mib} MiB");
}

#[test]
fn one_100_mib_line_is_scanned_within_the_size_rule_and_memory_stays_near_its_size() {
    let t = TestDir::new();
    let key = scw_access_key(902);
    let mut line = "x=1; ".repeat(100 << 20 >> 2).into_bytes();
    line.truncate(100 << 20);
    line.extend_from_slice(format!(" KEY={key}\n").as_bytes());
    std::fs::write(t.join("minified.js"), &line).unwrap();
    drop(line);

    let (out, _) = run_measured(t.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(
        out.status, 3,
        "skipped by the default 25 MiB rule, so nothing was scanned: {}",
        out.stderr
    );
    out.assert_stderr_has("minified.js: skipped");

    let (out, mib) = run_measured(
        t.path(),
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--max-file-size",
            "200000000",
        ],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    let found = out.findings();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].line, found[0].column), (1, (100 << 20) + 6));
    assert!(mib < 400, "a 100 MiB file took {mib} MiB");
}

#[test]
fn a_hundred_thousand_small_files_are_all_scanned() {
    let t = TestDir::new();
    // Each folder's files are hard links to its first: the walker and the scan see 1,000 regular
    // files either way, and a link costs a fraction of a new inode (1.5 s against 17 to 60 s for
    // the 100,000 on CI's disk).
    for d in 0..100 {
        let dir = t.join(&format!("d{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        let first = dir.join("f000.txt");
        std::fs::write(&first, b"nothing to see\n").unwrap();
        for f in 1..1000 {
            std::fs::hard_link(&first, dir.join(format!("f{f:03}.txt"))).unwrap();
        }
    }
    // Its own inode, so that the other links keep their text.
    std::fs::remove_file(t.join("d042/f500.txt")).unwrap();
    t.write("d042/f500.txt", format!("KEY={}\n", scw_access_key(903)));
    let (out, mib) = run_measured(t.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.stat("blobs_scanned"), 100_000);
    assert_eq!(out.stat("errors"), 0);
    assert_eq!(out.findings().len(), 1);
    assert_eq!(out.findings()[0].path, "d042/f500.txt");
    assert!(mib < 200, "peak RSS {mib} MiB");
}

#[test]
fn a_folder_1000_levels_deep_is_walked_to_the_bottom() {
    let t = TestDir::new();
    let deep: String = (0..1000).map(|_| "d/").collect();
    let dir = t.join(&deep);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("key.env"),
        format!("KEY={}\n", scw_access_key(904)),
    )
    .unwrap();
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.findings()[0].path, format!("{deep}key.env"));
}

#[test]
fn file_names_that_are_not_utf8_are_scanned_and_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let t = TestDir::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9\x1b[31m.env");
    std::fs::write(
        t.path().join(name),
        format!("KEY={}\n", scw_access_key(905)),
    )
    .unwrap();
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stdout.contains("caf\u{FFFD}"), "{}", out.stdout);
    assert!(
        !out.stdout.contains('\x1b'),
        "an escape sequence from a file name reached the terminal"
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.findings().len(), 1);
}

#[test]
fn a_pattern_whose_regex_would_blow_up_is_rejected_at_load_with_its_name() {
    let t = TestDir::new();
    t.write(
        "huge.toml",
        "[[patterns]]\nid = \"acme.huge\"\nname = \"Huge\"\nseverity = \"low\"\n\
         secret = '(?:[a-z]{1,100}){1,100}x{1000}'\nexamples = [\"a\"]\nnegative_examples = [\"b\"]\n",
    );
    t.write("a.txt", "hello\n");
    let out = t.run(&["scan", "a.txt", "--patterns", "huge.toml"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("huge.toml");
    out.assert_stderr_has("acme.huge");
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
}

/// A repository of 600 commits adding 100 files each (60,000 blobs of 3 KiB, which take a debug
/// build about 40 s of CPU to scan), made with git fast-import; the first commit holds a key.
pub(crate) fn big_history(key: &str) -> crate::util::GitRepo {
    history_of(key, 600)
}

/// As [`big_history`], with `commits` commits.
pub(crate) fn history_of(key: &str, commits: usize) -> crate::util::GitRepo {
    let repo = crate::util::GitRepo::new();
    let filler = "lorem ipsum dolor sit amet, api_key = os.environ['API_KEY'] # token: see vault\n"
        .repeat(40);
    let mut stream = String::new();
    let mut mark = 0;
    for c in 0..commits {
        let mut files = Vec::new();
        for f in 0..100 {
            mark += 1;
            let body = if c == 0 && f == 0 {
                format!("SCW_ACCESS_KEY={key}\n")
            } else {
                format!("value {c} {f}\n{filler}")
            };
            stream.push_str(&format!(
                "blob\nmark :{mark}\ndata {}\n{body}\n",
                body.len()
            ));
            files.push((mark, format!("c{c}/f{f}.txt")));
        }
        let message = format!("commit {c}");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Ada <ada@example.com> {} +0000\ndata {}\n{message}\n",
            1_700_000_000 + c,
            message.len()
        ));
        for (m, path) in files {
            stream.push_str(&format!("M 100644 :{m} {path}\n"));
        }
        stream.push('\n');
    }
    repo.git_with_stdin(&["fast-import", "--quiet"], &stream);
    repo
}

/// User plus system CPU time of process `pid` so far, in clock ticks (1/100 s on Linux).
pub(crate) fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces): utime and
    // stime are the 12th and 13th.
    let rest = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split(' ').collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Ctrl-C in the middle of a history scan: the report is written, says it is partial, holds what
/// was found by then, and the exit status is 130; nothing is sent to the webhook and the journal
/// is never left half-written.
#[test]
fn sigint_in_the_middle_of_a_history_scan_gives_a_partial_report() {
    let key = scw_access_key(906);
    let repo = big_history(&key);
    repo.write(
        ".keysweep.toml",
        "[revoke]\njournal = \"state/revocations.jsonl\"\n[[revoke.webhooks]]\nurl = \"http://127.0.0.1:9/hook\"\nsecret_env = \"KEYSWEEP_TEST_KEY\"\n",
    );
    let child = Command::new(crate::util::bin())
        .args([
            "scan",
            "--history",
            "--threads",
            "1",
            "--format",
            "json",
            "-o",
            "report.json",
            "--revoke",
        ])
        .current_dir(repo.path())
        .env("KEYSWEEP_TEST_KEY", "k")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the scan has used 1.5 s of CPU (starting takes a debug build 0.5 s; the whole
    // scan about 40 s): under load, a fixed delay could fire before it starts.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while cpu_ticks(child.id()) < 150 {
        assert!(
            std::time::Instant::now() < deadline,
            "the scan never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    crate::util::signal(child.id(), rustix::process::Signal::INT);
    let started = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "stopping took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: the report is partial"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing verified or sent"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["stats"]["partial"], true);
    let scanned = report["stats"]["blobs_scanned"].as_u64().unwrap();
    assert!(
        scanned > 0 && scanned < 60_000,
        "stopped part-way: {scanned} blobs"
    );
    let secrets: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["secret"].as_str().unwrap())
        .collect();
    assert_eq!(secrets, [key.as_str()], "the first commit's key was found");
    assert!(
        !repo.join("state/revocations.jsonl").exists(),
        "nothing journaled after an interruption"
    );
}
