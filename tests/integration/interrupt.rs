//! Interruptions as they really arrive: `timeout -s INT` signals keysweep and then its
//! whole process group, so two SIGINTs arrive together and must count as one; a deliberate second
//! interruption exits at once and says that no report was written.

use crate::hostile::{big_history, cpu_ticks};
use crate::util::{isolate_user_folders, scw_access_key, TestDir};
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Waits until `pid` has used `ticks` hundredths of a second of CPU: under load, a fixed delay
/// could fire before the scan starts.
fn wait_for_cpu(pid: u32, ticks: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while cpu_ticks(pid) < ticks {
        assert!(Instant::now() < deadline, "process {pid} never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The one child process of `parent`.
fn child_of(parent: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let children = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                // The parent's pid is the second field after the parenthesised command name.
                stat.rsplit_once(") ")
                    .and_then(|(_, rest)| rest.split(' ').nth(1))
                    .is_some_and(|ppid| ppid == parent.to_string())
            })
            .collect::<Vec<_>>();
        if let [child] = children[..] {
            return child;
        }
        assert!(
            Instant::now() < deadline,
            "no single child of {parent}: {children:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` has a handler for SIGINT (bit 2 of `SigCgt` in /proc/PID/status).
fn catches_sigint(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (2 - 1)) != 0)
}

fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} {pid}");
}

/// Stderr of `child`, read on a thread so that the child never blocks on a full pipe.
fn stderr_of(child: &mut Child) -> std::thread::JoinHandle<String> {
    let mut pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// `timeout -s INT` on a history scan: both of its SIGINTs (to keysweep, then to the group) are
/// one interruption, so the partial report is written and said so, with exit status 130.
/// timeout's deadline is far away; SIGALRM is what timeout's own timer delivers, so sending it
/// once the scan has used some CPU runs timeout's real expiry path at a moment that is sure to be
/// mid-scan, whatever the load.
#[test]
fn timeout_s_int_writes_the_partial_report_and_says_so() {
    let key = scw_access_key(1401);
    let repo = big_history(&key);
    let mut cmd = Command::new("timeout");
    cmd.args(["--preserve-status", "-s", "INT", "600"])
        .arg(crate::util::bin())
        .args(["scan", "--history", "--threads", "1", "--format", "json"])
        .args(["-o", "report.json"])
        .current_dir(repo.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    isolate_user_folders(&mut cmd);
    let mut timeout = cmd.spawn().expect("timeout (coreutils) should run");
    let stderr = stderr_of(&mut timeout);
    let keysweep = child_of(timeout.id());
    wait_for_cpu(keysweep, 150);
    signal(timeout.id(), "ALRM");
    let signalled = Instant::now();
    let status = timeout.wait().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "stopping took {:?}",
        signalled.elapsed()
    );
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("keysweep: interrupted: the report is partial"),
        "{stderr}"
    );
    assert!(!stderr.contains("interrupted again"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["stats"]["partial"], true);
    let scanned = report["stats"]["blobs_scanned"].as_u64().unwrap();
    assert!(scanned > 0 && scanned < 60_000, "{scanned} blobs");
    assert_eq!(report["findings"][0]["secret"], key.as_str());
}

/// Two SIGINTs 50 ms apart (as `timeout` sends them, but at a set interval) are one interruption;
/// another 2 s later (while keysweep still waits for standard input, which a first interruption
/// does not cut short) exits at once, with 130, saying that no report was written.
#[test]
fn a_second_interrupt_exits_at_once_and_says_no_report_was_written() {
    let t = TestDir::new();
    let mut cmd = Command::new(crate::util::bin());
    cmd.args(["scan", "-", "--format", "json"])
        .current_dir(t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    isolate_user_folders(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let _open_stdin = child.stdin.take();
    let stderr = stderr_of(&mut child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !catches_sigint(child.id()) {
        assert!(Instant::now() < deadline, "no SIGINT handler installed");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(child.id(), "INT");
    std::thread::sleep(Duration::from_millis(50));
    signal(child.id(), "INT");
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        child.try_wait().unwrap().is_none(),
        "two signals 50 ms apart are one interruption, which does not end a read of standard input"
    );
    signal(child.id(), "INT");
    let signalled = Instant::now();
    let out = child.wait_with_output().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "{:?}",
        signalled.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(out.stdout.is_empty(), "no report");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "keysweep: interrupted: stopping (interrupt again to exit at once, without a report)",
            "keysweep: interrupted again: exiting at once; no report was written",
        ],
        "{stderr}"
    );
}
