//! Scanned text in a GitHub Actions log: a path, a commit's author or
//! subject, a line of context or a pattern name that looks like a workflow command must not
//! become one, on stdout or stderr; under GitHub Actions the human report is also fenced in
//! `::stop-commands::`.

use crate::util::{bin, run_command, scw_access_key, GitRepo, Output};
use std::path::Path;
use std::process::Command;

/// Whether the runner would take `line` as a workflow command: actions/runner's
/// `ActionCommand.TryParseV2` (`::name …::data` after leading whitespace) or `TryParse`
/// (`##[name …]data` anywhere). Its .NET matching is culture-sensitive and skips characters that
/// collate as nothing: the ones this test plants are dropped first.
fn runner_takes_as_command(line: &str) -> bool {
    let visible: String = line
        .chars()
        .filter(|c| !matches!(c, '\u{AD}' | '\u{200B}' | '\u{200D}' | '\u{FEFF}'))
        .collect();
    let trimmed = visible.trim_start();
    let v2 = trimmed
        .strip_prefix("::")
        .is_some_and(|rest| rest.contains("::"));
    let legacy = visible
        .find("##[")
        .is_some_and(|at| visible[at..].contains(']'));
    v2 || legacy
}

/// Fails if any line of `text` (other than `fence`, keysweep's own two fence lines) would be
/// taken as a command.
fn assert_no_command(what: &str, text: &str, fence: Option<&str>) {
    for line in text.lines() {
        let own = fence
            .is_some_and(|t| line == format!("::stop-commands::{t}") || line == format!("::{t}::"));
        assert!(
            own || !runner_takes_as_command(line),
            "{what}: the runner would run this line as a command:\n{line}\n\nin:\n{text}"
        );
    }
}

fn assert_output_safe(what: &str, out: &Output) {
    assert_no_command(&format!("{what} stdout"), &out.stdout, None);
    assert_no_command(&format!("{what} stderr"), &out.stderr, None);
}

/// A path, a commit subject and author, and context, each trying both forms (with a soft
/// hyphen and a zero-width space for the culture-sensitive matching).
const HOSTILE_PATH: &str = "::error title=path::pwned ##[error]path #\u{AD}#[add-mask]p.env";
const HOSTILE_SUBJECT: &str = "::error::pwned subject ##[error]subject";
const HOSTILE_AUTHOR: &str = "\u{200B}::warning::pwned ##[stop-commands]author";

/// A repository whose second commit, by a hostile author with a hostile subject, adds a secret in
/// a file with a hostile name, on a line of hostile context.
fn hostile_repo() -> (GitRepo, String, String) {
    let repo = GitRepo::new();
    repo.write("README.md", "# app\n");
    let base = repo.commit("Initial import");
    repo.write(
        HOSTILE_PATH,
        format!(
            "::error::context ##[error]context\n  ::notice::x SCW_ACCESS_KEY={} ##[error]after\n",
            scw_access_key(901)
        ),
    );
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "--author",
        &format!("{HOSTILE_AUTHOR} <x##[error]@example.com>"),
        "-m",
        HOSTILE_SUBJECT,
    ]);
    let head = repo.rev("HEAD");
    (repo, base, head)
}

/// `keysweep ARGS` in `dir` with `GITHUB_ACTIONS` as given (unset when `None`).
fn run_in(dir: &Path, args: &[&str], github_actions: Option<&str>) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    match github_actions {
        Some(value) => cmd.env("GITHUB_ACTIONS", value),
        None => cmd.env_remove("GITHUB_ACTIONS"),
    };
    run_command(cmd, None)
}

#[test]
fn hostile_paths_commits_and_context_start_no_command_in_any_scan_mode() {
    let (repo, base, head) = hostile_repo();
    let range = format!("{base}..{head}");
    for args in [
        &["scan", "."][..],
        &["scan", "--history"],
        &["scan", "--range", &range],
    ] {
        let out = run_in(repo.path(), args, None);
        assert_eq!(out.status, 1, "{args:?}: {}", out.stderr);
        // The finding is reported, its path readable, with the escape keysweep uses.
        assert!(
            out.stdout
                .starts_with("\\u{3a}:error title=path::pwned ##\\u{5b}error]path"),
            "{args:?}: {}",
            out.stdout
        );
        assert_output_safe(&format!("{args:?}"), &out);
        if args.len() > 2 {
            assert!(
                out.stdout.contains("\\u{3a}:error::pwned subject"),
                "{args:?}: {}",
                out.stdout
            );
            assert!(out.stdout.contains("pwned ##\\u{5b}stop-commands]author"));
        }
    }
}

#[test]
fn notices_and_errors_on_stderr_that_quote_scanned_text_start_no_command() {
    let (repo, _, _) = hostile_repo();
    // A broken link named like a command: its notice quotes the name.
    std::os::unix::fs::symlink("/nonexistent", repo.join("##[error]broken ::x::")).unwrap();
    let out = run_in(repo.path(), &["scan", "."], None);
    assert!(out.stderr.contains("broken symlink"), "{}", out.stderr);
    assert!(
        out.stderr.contains("##\\u{5b}error]broken"),
        "{}",
        out.stderr
    );
    assert_output_safe("notice", &out);

    // A pattern whose name looks like commands, and a broken one whose error quotes its regex
    // over several lines.
    repo.write(
        "patterns/ok.toml",
        r#"
[[patterns]]
id = "test.hostile"
name = "::error::pwned rule ##[error]rule"
severity = "high"
secret = 'HOSTILE_[a-z0-9]{12}'
examples = ["K=HOSTILE_k2j4h6g8f0d1"]
negative_examples = ["K=HOSTILE_k2j4h6g8f0d"]
"#,
    );
    repo.write("src/k.env", "K=HOSTILE_z9y8x7w6v5u4\n");
    let out = run_in(
        repo.path(),
        &["scan", "src", "--patterns", "patterns"],
        None,
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stdout.contains("pwned rule ##\\u{5b}error]rule"));
    assert_output_safe("pattern name", &out);

    // A pattern file whose error quotes its id: a new line in it must not start a command.
    repo.write(
        "patterns/bad.toml",
        "[[patterns]]\nid = \"bad\\n::error::pwned ##[error]id\"\nname = \"x\"\n\
         severity = \"high\"\nsecret = \"a\"\n",
    );
    let out = run_in(
        repo.path(),
        &["scan", "src", "--patterns", "patterns"],
        None,
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    out.assert_stderr_has("patterns/bad.toml: pattern `bad\\u{a}::error::pwned ##\\u{5b}error]id`");
    assert_output_safe("pattern error", &out);
}

/// The two fence lines of a fenced report, and its token.
fn fence_token(stdout: &str) -> String {
    let first = stdout.lines().next().unwrap_or_default();
    let token = first
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("no fence opens the report:\n{stdout}"));
    assert_eq!(token.len(), 32, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    assert_eq!(
        stdout.lines().last(),
        Some(format!("::{token}::").as_str()),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches(token).count(),
        2,
        "the token shows only in the fence"
    );
    token.to_string()
}

#[test]
fn under_github_actions_the_human_report_is_fenced_with_a_fresh_token() {
    let (repo, base, head) = hostile_repo();
    let range = format!("{base}..{head}");
    let args = ["scan", "--range", &range];
    let first = run_in(repo.path(), &args, Some("true"));
    let second = run_in(repo.path(), &args, Some("true"));
    assert_eq!(first.status, 1, "{}", first.stderr);
    let (t1, t2) = (fence_token(&first.stdout), fence_token(&second.stdout));
    assert_ne!(
        t1, t2,
        "the token must not be guessable from an earlier log"
    );
    assert_no_command("fenced stdout", &first.stdout, Some(&t1));
    assert_no_command("stderr", &first.stderr, None);

    // Not under GitHub Actions, or not the human report on stdout: no fence.
    for (args, github_actions) in [
        (&args[..], None),
        (&args[..], Some("false")),
        (
            &["scan", "--range", &range, "--format", "json"],
            Some("true"),
        ),
    ] {
        let out = run_in(repo.path(), args, github_actions);
        assert!(
            !out.stdout.contains("::stop-commands::"),
            "{args:?} {github_actions:?}: {}",
            out.stdout
        );
    }
    // The github format is meant to run commands: one annotation line per finding, unfenced.
    let out = run_in(
        repo.path(),
        &["scan", "--range", &range, "--format", "github"],
        Some("true"),
    );
    assert!(
        out.stdout
            .lines()
            .all(|l| ["::error file=", "::warning file=", "::notice file="]
                .iter()
                .any(|c| l.starts_with(c))),
        "{}",
        out.stdout
    );
    // A clean scan prints no report, so no fence either.
    let out = run_in(repo.path(), &["scan", "README.md"], Some("true"));
    assert_eq!((out.status, out.stdout.as_str()), (0, ""));
}

#[test]
fn json_jsonl_and_sarif_printed_in_a_log_start_no_command_and_keep_their_values() {
    let (repo, base, head) = hostile_repo();
    let range = format!("{base}..{head}");
    for format in ["json", "jsonl", "sarif"] {
        let out = run_in(
            repo.path(),
            &["scan", "--range", &range, "--format", format],
            Some("true"),
        );
        assert_eq!(out.status, 1, "{format}: {}", out.stderr);
        assert_output_safe(format, &out);
        // Escaped as JSON allows: the values read back are the scanned ones.
        let first = match format {
            "jsonl" => out.stdout.lines().next().unwrap().to_string(),
            _ => out.stdout.clone(),
        };
        let value: serde_json::Value = serde_json::from_str(&first).unwrap();
        let finding = match format {
            "json" => &value["findings"][0],
            "jsonl" => &value,
            _ => {
                // SARIF percent-encodes the path in its URI.
                let uri = &value["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
                    ["artifactLocation"]["uri"];
                assert!(uri.as_str().unwrap().contains("pwned"), "{uri}");
                continue;
            }
        };
        assert_eq!(finding["path"], HOSTILE_PATH);
        assert_eq!(finding["commit"]["author"], HOSTILE_AUTHOR);
        assert_eq!(
            finding["commit"]["message"].as_str().map(str::trim),
            Some(HOSTILE_SUBJECT)
        );
    }
}
