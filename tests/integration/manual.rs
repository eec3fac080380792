//! What an installed keysweep tells about itself: shell completions, the man page, and
//! `--help` pointing at the man page rather than a README the user does not have.

use crate::util::{run_command, TestDir};
use std::process::Command;

const SUBCOMMANDS: [&str; 7] = [
    "scan",
    "patterns",
    "baseline",
    "install-hook",
    "revoke",
    "completions",
    "man",
];

/// Every long flag `keysweep scan --help` lists, without its dashes.
fn scan_flags(t: &TestDir) -> Vec<String> {
    let help = t.run(&["scan", "--help"]);
    assert_eq!(help.status, 0, "{}", help.stderr);
    let flags: Vec<String> = help
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("  ")
                && l.trim_start().starts_with('-')
                && l.len() - l.trim_start().len() <= 6
        })
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
        .map(|w| w.trim_start_matches('-').trim_end_matches(',').to_string())
        .collect();
    for expected in [
        "history",
        "format",
        "show-secrets",
        "verify",
        "color",
        "quiet",
    ] {
        assert!(
            flags.iter().any(|f| f == expected),
            "{expected} in {flags:?}"
        );
    }
    flags
}

#[test]
fn completion_scripts_name_every_subcommand_and_flag_and_bash_completes_with_its_own() {
    let t = TestDir::new();
    let flags = scan_flags(&t);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = t.run(&["completions", shell]);
        assert_eq!(out.status, 0, "{shell}: {}", out.stderr);
        for sub in SUBCOMMANDS {
            assert!(out.stdout.contains(sub), "{shell}: {sub}");
        }
        for flag in &flags {
            // fish names a long flag as `-l NAME`; the others as `--NAME`.
            let spelled = if shell == "fish" {
                format!("-l {flag}")
            } else {
                format!("--{flag}")
            };
            assert!(out.stdout.contains(&spelled), "{shell}: {spelled}");
        }
    }
    let bash = t.run(&["completions", "bash"]);
    t.write("keysweep.bash", &bash.stdout);
    let parsed = run_command(
        {
            let mut cmd = Command::new("bash");
            cmd.args(["-n", "keysweep.bash"]).current_dir(t.path());
            cmd
        },
        None,
    );
    assert_eq!(parsed.status, 0, "bash -n: {}", parsed.stderr);
    // And it completes: what bash would offer after `keysweep scan --hi` and `keysweep inst`.
    let complete = |words: &str| {
        let script = format!(
            "source keysweep.bash; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _keysweep keysweep \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let mut cmd = Command::new("bash");
        cmd.args(["-c", &script]).current_dir(t.path());
        run_command(cmd, None).stdout
    };
    assert_eq!(complete("keysweep scan --hi"), "--history\n");
    assert_eq!(complete("keysweep inst"), "install-hook\n");
}

/// The page as man shows it, when man-db is installed (LC_ALL=C: plain `-`, no troff glyphs).
fn rendered(t: &TestDir, roff: &str) -> Option<String> {
    if Command::new("man").arg("--version").output().is_err() {
        return None;
    }
    t.write("keysweep.1", roff);
    let mut cmd = Command::new("sh");
    // As `--help` says to read it: from standard input.
    cmd.args(["-c", "man -l - < keysweep.1"])
        .env("LC_ALL", "C")
        .env("MANWIDTH", "250")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .current_dir(t.path());
    let out = run_command(cmd, None);
    assert_eq!(out.status, 0, "man: {}", out.stderr);
    assert_eq!(out.stderr, "", "troff warnings");
    Some(out.stdout)
}

#[test]
fn the_man_page_has_a_section_per_command_and_names_every_flag_of_scan() {
    let t = TestDir::new();
    let page = t.run(&["man"]);
    assert_eq!(page.status, 0, "{}", page.stderr);
    let roff = page.stdout;
    assert!(
        roff.contains("\n.TH keysweep 1  \"keysweep "),
        "{}",
        &roff[..120]
    );
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "EXAMPLES",
        "VERSION",
    ] {
        assert!(roff.contains(&format!("\n.SH {section}\n")), "{section}");
    }
    for command in [
        "KEYSWEEP SCAN",
        "KEYSWEEP PATTERNS LIST",
        "KEYSWEEP PATTERNS TEST",
        "KEYSWEEP BASELINE CREATE",
        "KEYSWEEP INSTALL-HOOK",
        "KEYSWEEP REVOKE",
        "KEYSWEEP COMPLETIONS",
        "KEYSWEEP MAN",
    ] {
        assert!(
            roff.contains(&format!("\n.SH \"{command}\"\n")),
            "{command}"
        );
    }
    let flags = scan_flags(&t);
    let scan_roff = &roff[roff.find(".SH \"KEYSWEEP SCAN\"").unwrap()..];
    let scan_roff = &scan_roff[..scan_roff.find(".SH \"KEYSWEEP PATTERNS").unwrap()];
    for flag in &flags {
        // The global flags are described once, in the page's own OPTIONS.
        let section = if ["color", "quiet", "help"].contains(&flag.as_str()) {
            roff.as_str()
        } else {
            scan_roff
        };
        let escaped = format!("\\-\\-{}", flag.replace('-', "\\-"));
        assert!(section.contains(&escaped), "{escaped}");
    }
    if let Some(text) = rendered(&t, &roff) {
        let scan = &text[text.find("\nKEYSWEEP SCAN\n").expect("a scan section")..];
        let scan = &scan[..scan.find("\nKEYSWEEP PATTERNS LIST\n").unwrap()];
        for flag in flags
            .iter()
            .filter(|f| !["color", "quiet", "help"].contains(&f.as_str()))
        {
            assert!(scan.contains(&format!("--{flag}")), "--{flag} in {scan}");
        }
        assert!(text.contains("--quiet"));
        // Examples keep their lines (roff would fill them into one paragraph).
        assert!(
            text.contains("\n         keysweep scan .  "),
            "examples line by line: {text}"
        );
    }
}

#[test]
fn man_names_one_commands_page_and_refuses_an_unknown_one() {
    let t = TestDir::new();
    let scan = t.run(&["man", "scan"]);
    assert_eq!(scan.status, 0, "{}", scan.stderr);
    assert!(
        scan.stdout.contains("\n.TH keysweep-scan 1  \"keysweep "),
        "{}",
        scan.stdout
    );
    assert!(scan.stdout.contains("\\-\\-show\\-secrets"));
    assert!(!scan.stdout.contains("KEYSWEEP PATTERNS"));
    let list = t.run(&["man", "patterns", "list"]);
    assert!(list.stdout.contains("\n.TH keysweep-patterns-list 1 "));
    let unknown = t.run(&["man", "scna"]);
    assert_eq!(unknown.status, 2);
    assert_eq!(
        unknown.stderr,
        "keysweep: error: no command \"scna\" in keysweep; there are: scan, patterns, baseline, \
         install-hook, verify, revoke, merge, completions, man\n"
    );
}

#[test]
fn help_points_at_the_man_page_not_a_readme() {
    let t = TestDir::new();
    for help in ["-h", "--help"] {
        let out = t.run(&[help]);
        assert_eq!(out.status, 0);
        assert!(
            out.stdout.contains("keysweep man | man -l -"),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("README"), "{}", out.stdout);
    }
}
