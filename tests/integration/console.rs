//! What keysweep says on a terminal and around the report: `--color`, `--quiet`, the
//! summary's verification counts, and the history scan's progress line.

use crate::revoke::{Reply, Server};
use crate::util::{run_command, scw_access_key, uuid_v4, TestDir};
use std::process::Command;

/// `command` run on a pseudo-terminal (util-linux `script`): what the terminal showed, both
/// streams, with `\r\n` as `\n`.
fn on_terminal(dir: &std::path::Path, command: &str, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_command(cmd, None).stdout.replace("\r\n", "\n")
}

#[test]
fn color_always_colours_a_pipe_and_a_file_over_no_color_and_never_keeps_a_terminal_plain() {
    let t = TestDir::new();
    t.write(
        "prod.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1410)),
    );
    let mut cmd = Command::new(crate::util::bin());
    cmd.args(["scan", ".", "--color", "always"])
        .current_dir(t.path())
        .env("NO_COLOR", "1");
    let piped = run_command(cmd, None);
    assert_eq!(piped.status, 1, "{}", piped.stderr);
    assert!(
        piped.stdout.contains("\x1b[1mprod.env\x1b[0m"),
        "{:?}",
        piped.stdout
    );

    let mut cmd = Command::new(crate::util::bin());
    cmd.args(["--color=always", "scan", ".", "-o", "report.txt"])
        .current_dir(t.path());
    assert_eq!(run_command(cmd, None).status, 1);
    let file = std::fs::read_to_string(t.join("report.txt")).unwrap();
    assert!(file.contains("\x1b[1mprod.env\x1b[0m"), "{file:?}");

    let auto = t.run(&["scan", "."]);
    assert!(!auto.stdout.contains('\x1b'), "auto: no colour into a pipe");
    let bin = crate::util::bin();
    let coloured = on_terminal(t.path(), &format!("{} scan .", bin.display()), &[]);
    assert!(coloured.contains("\x1b[1mprod.env\x1b[0m"), "{coloured:?}");
    let never = on_terminal(
        t.path(),
        &format!("{} scan . --color never", bin.display()),
        &[],
    );
    assert!(never.contains("prod.env"), "{never:?}");
    assert!(!never.contains('\x1b'), "{never:?}");
}

#[test]
fn quiet_keeps_the_report_and_errors_and_drops_the_summary_notices_and_warnings() {
    let t = TestDir::new();
    let key = scw_access_key(1411);
    t.write("prod.env", format!("SCW_ACCESS_KEY={key}\n"));
    t.write(
        "allowed/old.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1412)),
    );
    t.write("big.txt", "x".repeat(4096));
    t.write(".keysweep.toml", "[allow]\npaths = [\"allowed/**\"]\n");
    std::os::unix::fs::symlink("does-not-exist", t.join("broken")).unwrap();
    let args = ["scan", ".", "--max-file-size", "1000", "--format", "json"];

    let loud = t.run(&args);
    assert_eq!(loud.status, 3, "{}", loud.stderr);
    for notice in [
        "keysweep: big.txt: skipped",
        "keysweep: 1 finding",
        "keysweep: not reported: 1 allowed by the config",
    ] {
        loud.assert_stderr_has(notice);
    }

    let errors_only = [
        "keysweep: error: broken: broken symlink: No such file or directory (os error 2)",
        "keysweep: the scan had errors, so its report is incomplete (exit status 3)",
    ];
    for quiet in [
        [&["--quiet"][..], &args[..]].concat(),
        [&args[..], &["-q"][..]].concat(),
    ] {
        let out = t.run(&quiet);
        assert_eq!(out.status, 3, "{}", out.stderr);
        assert_eq!(
            out.json()["findings"],
            loud.json()["findings"],
            "the same report"
        );
        assert_eq!(out.json()["findings"][0]["secret"], key.as_str());
        assert_eq!(
            out.stderr.lines().collect::<Vec<_>>(),
            errors_only,
            "{quiet:?}"
        );
    }
}

/// A fake Scaleway IAM API that knows one key pair: `live` verifies, any other is denied.
fn scaleway_api(live_access_key: String, live_secret: String) -> Server {
    Server::start(move |_, s| {
        let path = format!("/iam/v1alpha1/api-keys/{live_access_key}");
        if s.method == "GET" && s.url == path && s.header("X-Auth-Token") == live_secret {
            Reply::Status(
                200,
                vec![],
                format!(r#"{{"access_key":"{live_access_key}"}}"#),
            )
        } else {
            Reply::Status(
                401,
                vec![],
                r#"{"message":"authentication is denied"}"#.into(),
            )
        }
    })
}

#[test]
fn the_summary_counts_verification_results() {
    let (live_ak, live_sk) = (scw_access_key(1413), uuid_v4(1413));
    let (dead_ak, dead_sk) = (scw_access_key(1414), uuid_v4(1414));
    let api = scaleway_api(live_ak.clone(), live_sk.clone());
    let t = TestDir::new();
    t.write(
        "src/live.env",
        format!("SCW_ACCESS_KEY={live_ak}\nSCW_SECRET_KEY={live_sk}\n"),
    );
    t.write(
        "src/revoked.env",
        format!("SCW_ACCESS_KEY={dead_ak}\nSCW_SECRET_KEY={dead_sk}\n"),
    );
    t.write(
        "keysweep.toml",
        format!(
            "[providers.scaleway]\napi_url = \"http://127.0.0.1:{}\"\n",
            api.port
        ),
    );
    let verified = t.run(&["scan", "src", "--config", "keysweep.toml", "--verify"]);
    assert_eq!(verified.status, 1, "{}", verified.stderr);
    let summary = verified
        .stderr
        .lines()
        .find(|l| l.contains("scanned 2 files"))
        .unwrap_or_else(|| panic!("a summary line: {}", verified.stderr));
    // The access keys alone prove nothing: unknown.
    assert!(
        summary.contains("; 1 live, 1 invalid, 2 unknown;"),
        "{summary}"
    );
    let unverified = t.run(&["scan", "src", "--config", "keysweep.toml"]);
    assert!(!unverified.stderr.contains("live"), "{}", unverified.stderr);
    assert!(
        !unverified.stderr.contains("unknown"),
        "{}",
        unverified.stderr
    );
}

/// On a terminal, a history scan's progress line has the commit total and a percentage once the
/// scan has run a second, and neither of its counts ever goes backwards between redraws, whichever
/// worker thread reports last.
#[test]
fn history_progress_shows_a_total_and_a_percentage_and_never_counts_backwards() {
    // 120 commits of 100 files: several seconds of CPU for a debug build, so that the line is
    // redrawn a few times even on an idle machine (the first draw waits a second).
    let repo = crate::hostile::history_of(&scw_access_key(1415), 120);
    let screen = on_terminal(
        repo.path(),
        &format!(
            "{} scan --history --threads 2 -o /dev/null",
            crate::util::bin().display()
        ),
        &[],
    );
    let frames: Vec<(u64, u64, u64)> = screen
        .split(['\r', '\n'])
        .filter_map(|frame| {
            let blobs = frame.split("scanning: ").nth(1)?.split(' ').next()?;
            let commits = frame.split("; commit ").nth(1)?;
            let (done, rest) = commits.split_once(" of ")?;
            let (total, rest) = rest.split_once(", ")?;
            assert!(rest.contains('%'), "{frame:?}");
            Some((blobs.parse().ok()?, done.parse().ok()?, total.parse().ok()?))
        })
        .collect();
    assert!(frames.len() >= 3, "a few redraws: {screen:?}");
    assert!(
        frames.iter().all(|&(_, _, total)| total == 120),
        "{frames:?}"
    );
    for pair in frames.windows(2) {
        let ((b0, c0, _), (b1, c1, _)) = (pair[0], pair[1]);
        assert!(b1 >= b0 && c1 >= c0, "counts went backwards: {frames:?}");
    }
    assert!(
        screen.contains("left"),
        "an estimate of the time left: {screen:?}"
    );
}
