//! The GitHub Action (`action.yml`): its declared inputs and outputs, and its `run:` steps
//! executed as a runner would (bash, the step's `env:` with its `${{ }}` expressions evaluated,
//! GITHUB_EVENT_NAME, GITHUB_EVENT_PATH holding a real event payload, GITHUB_OUTPUT per step,
//! GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH this repository) over temp repositories.
//!
//! The `actions/cache` step is the one step not run: a test chooses a warm cache (the built
//! keysweep and its build stamp restored, as a previous run would have saved them) or a cold one.

use crate::sarif::assert_valid_sarif;
use crate::util::{scw_access_key, uuid_v4, GitRepo, TestDir};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
struct Action {
    name: String,
    description: String,
    inputs: BTreeMap<String, Input>,
    outputs: BTreeMap<String, ActionOutput>,
    runs: Runs,
}

#[derive(Debug, Deserialize)]
struct Input {
    description: String,
    default: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ActionOutput {
    description: String,
    value: String,
}

#[derive(Debug, Deserialize)]
struct Runs {
    using: String,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Step {
    id: Option<String>,
    uses: Option<String>,
    run: Option<String>,
    shell: Option<String>,
    #[serde(rename = "if")]
    condition: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    with: BTreeMap<String, String>,
}

fn action_path() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> Action {
    let text = std::fs::read_to_string(action_path().join("action.yml")).unwrap();
    serde_norway::from_str(&text).expect("action.yml should parse as an action")
}

#[test]
fn action_yml_declares_its_inputs_and_outputs_and_passes_inputs_through_env_only() {
    let action = action();
    assert_eq!(action.name, "keysweep");
    assert!(!action.description.is_empty());
    assert_eq!(action.runs.using, "composite");
    let defaults: BTreeMap<_, _> = action
        .inputs
        .iter()
        .map(|(name, input)| {
            assert!(
                !input.description.is_empty(),
                "input {name} has no description"
            );
            (name.as_str(), input.default.as_deref().unwrap_or("<none>"))
        })
        .collect();
    assert_eq!(
        defaults,
        BTreeMap::from([
            ("args", ""),
            ("fail-on-findings", "true"),
            ("mode", "auto"),
            ("sarif", ""),
            ("version", ""),
        ])
    );
    let outputs: BTreeMap<_, _> = action
        .outputs
        .iter()
        .map(|(name, output)| {
            assert!(
                !output.description.is_empty(),
                "output {name} has no description"
            );
            (name.as_str(), output.value.as_str())
        })
        .collect();
    assert_eq!(
        outputs,
        BTreeMap::from([
            ("findings", "${{ steps.scan.outputs.findings }}"),
            ("sarif", "${{ steps.scan.outputs.sarif }}"),
        ])
    );

    let cache = action
        .runs
        .steps
        .iter()
        .find(|s| {
            s.uses
                .as_deref()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cache step");
    assert!(cache.with["path"].contains("${{ steps.key.outputs.root }}"));
    assert_eq!(cache.with["key"], "${{ steps.key.outputs.key }}");
    // History scans keep their cache between runs, keyed by commit, and only they.
    let history = action
        .runs
        .steps
        .iter()
        .find(|s| {
            s.with
                .get("path")
                .is_some_and(|p| p.ends_with("/.git/keysweep"))
        })
        .expect("a history cache step");
    assert_eq!(history.with["key"], "keysweep-history-${{ github.sha }}");
    assert_eq!(history.with["restore-keys"], "keysweep-history-");
    assert!(history
        .condition
        .as_deref()
        .is_some_and(|c| c.contains("'history'")));
    for step in action.runs.steps.iter().filter(|s| s.run.is_some()) {
        let run = step.run.as_deref().unwrap();
        assert_eq!(step.shell.as_deref(), Some("bash"), "{run}");
        // Expressions in a script are a script-injection hole: inputs go through `env:` only.
        assert!(!run.contains("${{"), "an expression inside run: {run}");
        assert!(
            step.condition.is_none(),
            "the test runner does not evaluate `if:`"
        );
        let script = run
            .trim_matches(['\'', '"'])
            .replace("$GITHUB_ACTION_PATH", "");
        let script = action_path().join(script.trim_start_matches('/'));
        let mode = std::fs::metadata(&script)
            .unwrap_or_else(|e| panic!("{}: {e}", script.display()))
            .permissions();
        use std::os::unix::fs::PermissionsExt;
        assert!(
            mode.mode() & 0o111 != 0,
            "{} is not executable",
            script.display()
        );
    }
}

/// How the test plays the `actions/cache` step.
#[derive(Clone, Copy, PartialEq)]
enum Cache {
    /// The built keysweep and its stamp are restored, as a previous run saved them.
    Warm,
    /// Nothing restored; `cargo` is a fake that records its arguments and "builds" by copying
    /// the test binary.
    Cold,
    /// Nothing restored, and no cargo on PATH.
    NoCargo,
    /// Restored, but the keysweep restored is a stand-in that runs the real one and then exits 3
    /// ("the scan had errors": unreadable files, corrupt objects), as a scan that could not read
    /// everything does.
    WarmScanErrors,
}

struct Run {
    /// The runner's folders (home, RUNNER_TEMP), kept until the test ends.
    _runner: TestDir,
    /// RUNNER_TEMP.
    temp: PathBuf,
    status: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    cargo_calls: String,
}

/// Runs the action's steps in `workspace` for an event, as a runner would.
fn run_action(
    workspace: &Path,
    event_name: &str,
    event: &Value,
    inputs: &[(&str, &str)],
    cache: Cache,
) -> Run {
    let action = action();
    let runner = TestDir::new();
    let home = runner.join("home");
    let temp = runner.join("temp");
    let fake_bin = runner.join("bin");
    for dir in [&home, &temp, &fake_bin] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let event_path = runner.write("event.json", event.to_string());
    let summary = runner.write("summary.md", "");
    let cargo_log = runner.join("cargo-calls.txt");
    if cache == Cache::Cold {
        write_fake_cargo(&fake_bin);
    }
    let path = std::iter::once(fake_bin.display().to_string())
        .chain(
            ["/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
                .iter()
                .filter(|d| !Path::new(d).join("cargo").exists())
                .map(|d| d.to_string()),
        )
        .collect::<Vec<_>>()
        .join(":");

    let mut inputs: BTreeMap<String, String> = inputs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (name, input) in &action.inputs {
        inputs
            .entry(name.clone())
            .or_insert_with(|| input.default.clone().unwrap_or_default());
    }
    let mut steps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let mut status = 0;
    for (n, step) in action.runs.steps.iter().enumerate() {
        let eval = |text: &str| expand(text, &inputs, &steps, event_name, event);
        if let Some(uses) = &step.uses {
            // The build's cache; the history cache (.git/keysweep) starts empty here, as on a
            // first scheduled run.
            if uses.starts_with("actions/cache@")
                && step.with["key"].contains("steps.key.outputs")
                && matches!(cache, Cache::Warm | Cache::WarmScanErrors)
            {
                let bin = restore_cache(&eval(&step.with["path"]), &home, &eval(&step.with["key"]));
                if cache == Cache::WarmScanErrors {
                    write_erroring_keysweep(&bin);
                }
            }
            continue;
        }
        let script = runner.write(&format!("step-{n}.sh"), step.run.as_deref().unwrap());
        let output_file = runner.write(&format!("output-{n}.txt"), "");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(workspace)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_ACTION_PATH", action_path())
            .env("GITHUB_ACTION_REPOSITORY", "keysweep/keysweep")
            .env("GITHUB_WORKSPACE", workspace)
            .env("RUNNER_TEMP", &temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        for (name, value) in &step.env {
            cmd.env(name, eval(value));
        }
        let out = crate::util::run_command(cmd, None);
        stdout.push_str(&out.stdout);
        stderr.push_str(&out.stderr);
        let produced = parse_outputs(&std::fs::read_to_string(&output_file).unwrap());
        if let Some(id) = &step.id {
            steps.insert(id.clone(), produced);
        }
        if out.status != 0 {
            status = out.status;
            break;
        }
    }
    let outputs = action
        .outputs
        .iter()
        .map(|(name, output)| {
            let value = expand(&output.value, &inputs, &steps, event_name, event);
            (name.clone(), value)
        })
        .collect();
    Run {
        temp,
        _runner: runner,
        status,
        stdout,
        stderr,
        outputs,
        summary: std::fs::read_to_string(&summary).unwrap(),
        cargo_calls: std::fs::read_to_string(&cargo_log).unwrap_or_default(),
    }
}

/// A `cargo` that records its arguments in `cargo-calls.txt` next to `bin` and installs the test
/// binary where `--root` says (`fixtures/action/fake-cargo.sh`).
fn write_fake_cargo(bin: &Path) {
    let script = action_path().join("fixtures/action/fake-cargo.sh");
    std::os::unix::fs::symlink(script, bin.join("cargo")).unwrap();
    std::os::unix::fs::symlink(crate::util::bin(), bin.join("keysweep-built")).unwrap();
}

/// Makes the keysweep at `path` a stand-in that runs the real one and then, for a scan, exits 3
/// whatever it found (`fixtures/action/keysweep-scan-errors.sh`).
fn write_erroring_keysweep(path: &Path) {
    std::fs::rename(path, path.with_file_name("keysweep-real")).unwrap();
    let stand_in = action_path().join("fixtures/action/keysweep-scan-errors.sh");
    std::os::unix::fs::symlink(stand_in, path).unwrap();
}

/// What `actions/cache` restores on a hit: the paths a previous run saved, which for the build
/// root are the installed keysweep and the key it was built under. Returns the keysweep.
fn restore_cache(paths: &str, home: &Path, key: &str) -> PathBuf {
    let root = paths
        .lines()
        .map(str::trim)
        .find(|p| p.ends_with(".keysweep-action"))
        .expect("the cache saves the build root");
    let root = PathBuf::from(root.replacen('~', &home.display().to_string(), 1));
    std::fs::create_dir_all(root.join("bin")).unwrap();
    // A link, not a copy: a file this process just wrote may still be open in a child another
    // test thread forked, and running it would fail with "Text file busy".
    std::os::unix::fs::symlink(crate::util::bin(), root.join("bin/keysweep")).unwrap();
    std::fs::write(root.join("build-key"), format!("{key}\n")).unwrap();
    root.join("bin/keysweep")
}

/// `name=value` lines of a GITHUB_OUTPUT file (the action writes no multi-line value).
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(|line| {
            assert!(
                !line.contains("<<"),
                "multi-line outputs are not expected: {line}"
            );
            let (name, value) = line.split_once('=').expect("name=value");
            (name.to_string(), value.to_string())
        })
        .collect()
}

/// Evaluates the `${{ }}` expressions the action uses: inputs, step outputs, `github.event_name`
/// and `github.event.*` (the payload; a missing field is empty, as on GitHub). Any other
/// expression fails the test: the action must stay within what this runner checks.
fn expand(
    text: &str,
    inputs: &BTreeMap<String, String>,
    steps: &BTreeMap<String, BTreeMap<String, String>>,
    event_name: &str,
    event: &Value,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .expect("an expression ends with }}")
            + start;
        let expr = rest[start + 3..end].trim();
        let value = if let Some(name) = expr.strip_prefix("inputs.") {
            inputs[name].clone()
        } else if let Some(path) = expr.strip_prefix("steps.") {
            let (id, name) = path.split_once(".outputs.").expect("steps.ID.outputs.NAME");
            steps
                .get(id)
                .and_then(|o| o.get(name))
                .cloned()
                .unwrap_or_default()
        } else if expr == "github.event_name" {
            event_name.to_string()
        } else if let Some(path) = expr.strip_prefix("github.event.") {
            let field = path.split('.').fold(event, |v, key| &v[key]);
            match field {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            }
        } else {
            panic!("expression not supported by the test runner: {expr}")
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A repository as GitHub holds it: `main` with a secret committed long ago (already public,
/// not the pull request's doing), and `feature` with two commits, one adding a Scaleway key pair.
struct Origin {
    repo: GitRepo,
    base: String,
    head: String,
    old_key: String,
    new_keys: [String; 2],
}

fn origin() -> Origin {
    let repo = GitRepo::new();
    let old_key = scw_access_key(701);
    repo.write("legacy.env", format!("SCW_ACCESS_KEY={old_key}\n"));
    repo.write("README.md", "# app\n");
    repo.commit("Initial import");
    repo.write("README.md", "# app\n\nDocs.\n");
    let base = repo.commit("Docs");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/app.py", "print('hello')\n");
    repo.commit("Add the app");
    let new_keys = [scw_access_key(702), uuid_v4(703)];
    repo.write(
        "config.env",
        format!(
            "REGION=fr-par\nSCW_ACCESS_KEY={}\nSCW_SECRET_KEY={}\n",
            new_keys[0], new_keys[1]
        ),
    );
    let head = repo.commit("Configure Scaleway");
    repo.git(&["checkout", "-q", "main"]);
    Origin {
        repo,
        base,
        head,
        old_key,
        new_keys,
    }
}

/// A checkout of `branch` of `origin` in a new folder, as actions/checkout makes it; `depth`
/// makes a shallow one.
fn checkout(origin: &Origin, branch: &str, depth: Option<u32>) -> (TestDir, GitRepo) {
    let dir = TestDir::new();
    let url = format!("file://{}", origin.repo.path().display());
    let mut args = vec!["clone", "-q", "--no-tags", "--branch", branch];
    let depth = depth.map(|d| d.to_string());
    if let Some(depth) = &depth {
        args.extend(["--depth", depth]);
    }
    args.extend([url.as_str(), "work"]);
    GitRepo::open(dir.path()).git(&args);
    let work = GitRepo::open(&dir.join("work"));
    (dir, work)
}

/// A `pull_request` event payload with the fields GitHub sends that the action reads.
fn pull_request_event(origin: &Origin) -> Value {
    json!({
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "state": "open",
            "title": "Configure Scaleway",
            "commits": 2,
            "base": {"ref": "main", "sha": origin.base, "repo": {"full_name": "acme/app"}},
            "head": {"ref": "feature", "sha": origin.head, "repo": {"full_name": "acme/app"}},
        },
        "repository": {"full_name": "acme/app", "default_branch": "main"},
        "sender": {"login": "ada"},
    })
}

/// The annotation lines: one per finding, at its severity's level, and the action's own.
fn annotations(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| {
            ["::error ", "::warning ", "::notice "]
                .iter()
                .any(|c| l.starts_with(c))
        })
        .collect()
}

#[test]
fn pull_request_findings_are_annotated_summarised_written_as_sarif_and_fail_the_step() {
    let origin = origin();
    let (_dir, work) = checkout(&origin, "feature", None);
    let event = pull_request_event(&origin);
    let run = run_action(work.path(), "pull_request", &event, &[], Cache::Warm);

    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["findings"], "2");
    // The SARIF file is under RUNNER_TEMP, out of the checkout's reach; nothing is written there.
    let sarif_path = PathBuf::from(&run.outputs["sarif"]);
    assert!(
        sarif_path.starts_with(&run.temp),
        "{}",
        sarif_path.display()
    );
    assert_eq!(work.git(&["status", "--porcelain", "--ignored"]), "");
    let lines = annotations(&run.stdout);
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        // The access key is medium: a warning, as in SARIF; the `findings` output counts it.
        lines[0].starts_with("::warning file=config.env,line=2,col=16,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("::error file=config.env,line=3,col=16,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("title=Scaleway secret key::"),
        "{}",
        lines[1]
    );
    assert!(
        !run.stdout.contains(&origin.old_key),
        "the key main already had is not the pull request's"
    );

    assert!(
        run.summary.contains("## keysweep: 2 findings"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("`config.env:3:16`"), "{}", run.summary);
    for secret in &origin.new_keys {
        assert!(
            !run.summary.contains(secret.as_str()),
            "whole secret in the summary"
        );
        assert!(
            !run.stdout.contains(secret.as_str()),
            "whole secret in the log"
        );
        assert!(
            !run.stderr.contains(secret.as_str()),
            "whole secret in the log"
        );
        assert!(run.summary.contains(&secret[..4]), "{}", run.summary);
    }

    let sarif = std::fs::read_to_string(&sarif_path).unwrap();
    assert_valid_sarif(&sarif);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "config.env"
    );
    assert_eq!(results[1]["properties"]["commitId"], origin.head.as_str());
}

#[test]
fn fail_on_findings_false_reports_without_failing() {
    let origin = origin();
    let (_dir, work) = checkout(&origin, "feature", None);
    let event = pull_request_event(&origin);
    let run = run_action(
        work.path(),
        "pull_request",
        &event,
        &[
            ("fail-on-findings", "false"),
            ("sarif", "reports/secrets.sarif"),
        ],
        Cache::Warm,
    );
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["findings"], "2");
    // A relative path is in the workspace; the output names it whole.
    let expected = work
        .path()
        .canonicalize()
        .unwrap()
        .join("reports/secrets.sarif");
    assert_eq!(run.outputs["sarif"], expected.display().to_string());
    assert!(expected.is_file());
    assert_eq!(annotations(&run.stdout).len(), 2);
}

/// A pull request that commits `keysweep.sarif` as a link to a file outside the checkout, and
/// `reports` as a link to a folder outside it.
fn pull_request_with_links(outside: &TestDir) -> (Origin, Value) {
    let mut origin = origin();
    let victim = outside.write("victim.sarif", "the runner's own file\n");
    origin.repo.git(&["checkout", "-q", "feature"]);
    std::os::unix::fs::symlink(&victim, origin.repo.join("keysweep.sarif")).unwrap();
    std::os::unix::fs::symlink(outside.join("dir"), origin.repo.join("reports")).unwrap();
    std::fs::create_dir(outside.join("dir")).unwrap();
    origin.head = origin.repo.commit("Add links");
    origin.repo.git(&["checkout", "-q", "main"]);
    let event = pull_request_event(&origin);
    (origin, event)
}

#[test]
fn links_committed_by_a_pull_request_cannot_redirect_the_reports() {
    let outside = TestDir::new();
    let (origin, event) = pull_request_with_links(&outside);
    let (_dir, work) = checkout(&origin, "feature", None);
    assert!(work.join("keysweep.sarif").is_symlink());

    // The default: the SARIF file goes under RUNNER_TEMP; the link and its target are untouched.
    let run = run_action(work.path(), "pull_request", &event, &[], Cache::Warm);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["findings"], "2");
    assert!(PathBuf::from(&run.outputs["sarif"]).starts_with(&run.temp));
    let victim = outside.join("victim.sarif");
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the runner's own file\n"
    );

    // A relative `sarif` through the committed folder link: refused, said, nothing written.
    let inputs = [("sarif", "reports/sub/keysweep.sarif")];
    let run = run_action(work.path(), "pull_request", &event, &inputs, Cache::Warm);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("::error title=keysweep::sarif: ")
            && run.stdout.contains("/reports is a symbolic link"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_dir(outside.join("dir")).unwrap().count(), 0);
    assert_eq!(run.outputs["sarif"], "");

    // The link itself as `sarif`: keysweep refuses it and the step fails with status 2.
    let inputs = [("sarif", "keysweep.sarif")];
    let run = run_action(work.path(), "pull_request", &event, &inputs, Cache::Warm);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("keysweep.sarif: is a symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the runner's own file\n"
    );
}

#[test]
fn a_scan_with_errors_fails_the_step_but_still_reports_what_it_found() {
    let origin = origin();
    let (_dir, work) = checkout(&origin, "feature", None);
    let event = pull_request_event(&origin);
    let inputs = [("fail-on-findings", "false")];
    let run = run_action(
        work.path(),
        "pull_request",
        &event,
        &inputs,
        Cache::WarmScanErrors,
    );
    assert_eq!(run.status, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "::error title=keysweep::keysweep stopped with exit status 3 (the scan had errors"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        annotations(&run.stdout).len(),
        3,
        "2 findings and the error"
    );
    assert_eq!(run.outputs["findings"], "2");
    assert!(Path::new(&run.outputs["sarif"]).is_file());
    assert!(run.summary.contains("## keysweep: 2 findings"));
}

#[test]
fn a_shallow_checkout_is_deepened_for_the_pull_request_range() {
    let origin = origin();
    let (_dir, work) = checkout(&origin, "feature", Some(1));
    assert_eq!(work.git(&["rev-parse", "--is-shallow-repository"]), "true");
    let event = pull_request_event(&origin);
    let run = run_action(work.path(), "pull_request", &event, &[], Cache::Warm);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("fetch-depth: 0"), "{}", run.stdout);
    assert_eq!(run.outputs["findings"], "2", "{}", run.stdout);
    assert_eq!(work.git(&["rev-parse", "--is-shallow-repository"]), "false");
}

#[test]
fn a_clean_pull_request_passes_with_an_empty_summary_table() {
    let origin = origin();
    // A pull request of the first feature commit only: it adds no secret.
    let first = origin.repo.rev("feature~1");
    let (_dir, work) = checkout(&origin, "feature", None);
    let mut event = pull_request_event(&origin);
    event["pull_request"]["head"]["sha"] = json!(first);
    let run = run_action(work.path(), "pull_request", &event, &[], Cache::Warm);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["findings"], "0");
    assert!(annotations(&run.stdout).is_empty());
    assert!(
        run.summary.contains("## keysweep: no findings"),
        "{}",
        run.summary
    );
}

#[test]
fn push_events_scan_the_pushed_commits_or_what_a_new_branch_adds() {
    let origin = origin();
    let (_dir, work) = checkout(&origin, "feature", None);
    let before = origin.repo.rev("feature~1");
    let push = |before: &str| {
        json!({
            "ref": "refs/heads/feature",
            "before": before,
            "after": origin.head,
            "created": before.chars().all(|c| c == '0'),
            "repository": {"full_name": "acme/app", "default_branch": "main"},
        })
    };
    for before in [before.as_str(), "0000000000000000000000000000000000000000"] {
        let run = run_action(work.path(), "push", &push(before), &[], Cache::Warm);
        assert_eq!(run.status, 1, "{before}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(run.outputs["findings"], "2", "{before}: {}", run.stdout);
        assert!(!run.stdout.contains(&origin.old_key));
    }
    // A push of commits that add nothing.
    let run = run_action(work.path(), "push", &push(&origin.head), &[], Cache::Warm);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["findings"], "0");
}

#[test]
fn scheduled_runs_scan_the_whole_history() {
    let origin = origin();
    origin
        .repo
        .git(&["merge", "-q", "--no-ff", "feature", "-m", "Merge"]);
    origin.repo.git(&["rm", "-q", "config.env", "legacy.env"]);
    origin.repo.commit("Remove the keys");
    let (_dir, work) = checkout(&origin, "main", Some(1));
    let event = json!({"schedule": "17 3 * * 1", "repository": {"default_branch": "main"}});
    let run = run_action(work.path(), "schedule", &event, &[], Cache::Warm);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.outputs["findings"], "3",
        "the deleted keys are still in the history: {}",
        run.stdout
    );
}

#[test]
fn a_cold_cache_builds_keysweep_from_the_action_checkout_and_no_cargo_is_a_clear_error() {
    let origin = origin();
    let (_dir, work) = checkout(&origin, "feature", None);
    let event = pull_request_event(&origin);
    let run = run_action(work.path(), "pull_request", &event, &[], Cache::Cold);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["findings"], "2");
    let call = run.cargo_calls.trim();
    assert!(
        call.starts_with("install --locked --force --root ")
            && call.ends_with(&format!("--path {}", action_path().display())),
        "{call}"
    );

    let run = run_action(work.path(), "pull_request", &event, &[], Cache::NoCargo);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("::error title=keysweep::cargo is not installed on this runner"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_wrong_mode_or_event_stops_with_a_clear_error() {
    let origin = origin();
    let (_dir, work) = checkout(&origin, "feature", None);
    let event = pull_request_event(&origin);
    let run = run_action(
        work.path(),
        "pull_request",
        &event,
        &[("mode", "everything")],
        Cache::Warm,
    );
    assert_eq!(run.status, 2);
    assert!(
        run.stdout
            .contains("::error title=keysweep::unknown mode 'everything'"),
        "{}",
        run.stdout
    );
    assert_eq!(run.outputs["findings"], "");

    // keysweep's own error (exit status 2) fails the step, whatever `fail-on-findings` says.
    let inputs = [
        ("args", "--config missing.toml"),
        ("fail-on-findings", "false"),
    ];
    let run = run_action(work.path(), "pull_request", &event, &inputs, Cache::Warm);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("::error title=keysweep::keysweep stopped with exit status 2"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("missing.toml"), "{}", run.stderr);
    assert_eq!(run.outputs["findings"], "");

    let run = run_action(
        work.path(),
        "push",
        &json!({}),
        &[("mode", "pr")],
        Cache::Warm,
    );
    assert_eq!(run.status, 2);
    assert!(
        run.stdout.contains("mode pr needs a pull_request event"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_example_workflow_is_in_readme_and_uses_the_action_outputs() {
    let example =
        std::fs::read_to_string(action_path().join("examples/github-workflow.yml")).unwrap();
    let readme = std::fs::read_to_string(action_path().join("README.md")).unwrap();
    assert!(
        readme.contains(&example),
        "README.md should show examples/github-workflow.yml verbatim"
    );
    let workflow: serde_norway::Value = serde_norway::from_str(&example).unwrap();
    let steps = workflow["jobs"]["secrets"]["steps"].as_sequence().unwrap();
    assert_eq!(steps[0]["with"]["fetch-depth"].as_u64(), Some(0));
    assert_eq!(steps[1]["id"].as_str(), Some("keysweep"));
    assert_eq!(
        steps[2]["with"]["sarif_file"].as_str(),
        Some("${{ steps.keysweep.outputs.sarif }}")
    );
    assert_eq!(
        workflow["permissions"]["security-events"].as_str(),
        Some("write")
    );
}
