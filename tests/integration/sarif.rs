//! `--format sarif`: every SARIF document these tests produce is validated against the official
//! SARIF 2.1.0 schema; golden SARIF and JSON reports of tests/fixtures/golden-tree; commit
//! properties of history findings; no whole secret anywhere; the cap at GitHub's limit.
//!
//! `KEYSWEEP_UPDATE_GOLDEN=1 cargo test golden` rewrites tests/golden/ from the current output.

use crate::util::{scw_access_key, uuid_v4, GitRepo, Output, TestDir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Fails with every schema error unless `text` is a SARIF 2.1.0 log valid against the official
/// schema (tests/fixtures/sarif-schema-2.1.0.json, draft-04, formats checked).
#[track_caller]
pub fn assert_valid_sarif(text: &str) {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json"))
                .expect("the SARIF schema is JSON");
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    });
    let instance: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("SARIF output is not JSON ({e}):\n{text}"));
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not match the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
}

/// A `--format sarif` run's stdout, validated, and parsed.
#[track_caller]
fn sarif(out: &Output) -> Value {
    assert!(
        out.status == 0 || out.status == 1,
        "keysweep failed ({}):\n{}",
        out.status,
        out.stderr
    );
    assert_valid_sarif(&out.stdout);
    serde_json::from_str(&out.stdout).unwrap()
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn uri(result: &Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("a uri")
}

// 1. Golden reports of a fixed folder.

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `keysweep scan . --format FORMAT` in a copy of tests/fixtures/golden-tree (a copy, so that this
/// repository's own ignore files, which leave out /tests/, play no part).
fn scan_golden_tree(format: &str) -> Output {
    let t = TestDir::new();
    copy_tree(&manifest_dir().join("tests/fixtures/golden-tree"), t.path());
    let out = t.run(&["scan", ".", "--format", format]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    out
}

/// The report with what changes from build to build or run to run made constant: keysweep's
/// version (`version`/`semanticVersion` indented as a field of a nested object, so that the
/// SARIF log's own top-level `"version": "2.1.0"` stays, and in `fullName`) and `duration_ms`.
fn normalise(report: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut out = String::new();
    for line in report.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let comma = if trimmed.ends_with(',') { "," } else { "" };
        let normal = if trimmed.starts_with("\"duration_ms\": ") {
            format!("{indent}\"duration_ms\": 0{comma}")
        } else if trimmed.starts_with("\"fullName\": ") {
            line.replace(&format!("keysweep {version} "), "keysweep [version] ")
        } else if indent.len() > 2
            && [
                format!("\"version\": \"{version}\"{comma}"),
                format!("\"semanticVersion\": \"{version}\"{comma}"),
            ]
            .iter()
            .any(|l| l == trimmed)
        {
            let key = &trimmed[..trimmed.find(':').unwrap()];
            format!("{indent}{key}: \"[version]\"{comma}")
        } else {
            line.to_string()
        };
        out.push_str(&normal);
        out.push('\n');
    }
    out
}

/// Compares `actual` with tests/golden/NAME, or rewrites that file when KEYSWEEP_UPDATE_GOLDEN
/// is set.
#[track_caller]
fn assert_golden(name: &str, actual: &str) {
    let path: PathBuf = manifest_dir().join("tests/golden").join(name);
    if std::env::var_os("KEYSWEEP_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        panic!(
            "{name} differs from tests/golden/{name} (- golden, + now):\n{}\n\
             If the change is intended: KEYSWEEP_UPDATE_GOLDEN=1 cargo test golden",
            line_diff(&expected, actual)
        );
    }
}

/// The changed lines of `actual` against `expected` (longest common subsequence), with two lines
/// of context and the line numbers of each side.
fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // (sign, line number on its side, text)
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', j + 1, b[j]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i + 1, a[i]));
            i += 1;
        } else {
            ops.push(('+', j + 1, b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= 2);
    let mut out = String::new();
    let mut last_shown = None;
    for (k, (sign, line, text)) in ops.iter().enumerate() {
        if !near(k) {
            continue;
        }
        if last_shown.is_some_and(|l: usize| l + 1 != k) {
            out.push_str("   ...\n");
        }
        out.push_str(&format!("{sign}{line:5} | {text}\n"));
        last_shown = Some(k);
    }
    out
}

#[test]
fn line_diff_shows_changed_lines_with_context() {
    let diff = line_diff(
        "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n",
        "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n",
    );
    assert_eq!(
        diff,
        "     1 | a\n     2 | b\n-    3 | c\n+    3 | C\n     4 | d\n     5 | e\n   ...\n    \
         11 | k\n    12 | l\n+   13 | m\n"
    );
}

#[test]
fn golden_sarif_report() {
    let out = scan_golden_tree("sarif");
    let log = sarif(&out);
    let uris: Vec<&str> = results(&log).iter().map(uri).collect();
    assert_eq!(
        uris,
        [".env", ".env", "docs/deploy%20notes.md", "infra/main.tf"]
    );
    // The JSON report of the same scan holds the whole secrets; the SARIF holds none of them.
    let json = scan_golden_tree("json").json();
    for f in json["findings"].as_array().unwrap() {
        let secret = f["secret"].as_str().unwrap();
        assert!(!out.stdout.contains(secret), "whole secret in the SARIF");
        assert!(!out.stderr.contains(secret));
    }
    let golden = normalise(&out.stdout);
    assert_valid_sarif(&golden);
    assert!(golden.contains("\"semanticVersion\": \"[version]\""));
    assert!(golden.contains("\"duration_ms\": 0"));
    assert!(
        golden.ends_with("  \"version\": \"2.1.0\"\n}\n"),
        "the SARIF version stays"
    );
    assert_golden("scan.sarif", &golden);
}

#[test]
fn golden_json_report() {
    let out = scan_golden_tree("json");
    let golden = normalise(&out.stdout);
    let json: Value = serde_json::from_str(&golden).unwrap();
    assert_eq!(json["tool"]["version"], "[version]");
    assert_eq!(json["stats"]["duration_ms"], 0);
    assert_golden("scan.json", &golden);
}

// 2. Git history: commit properties, and no secret even where a commit message holds it.

#[test]
fn history_sarif_carries_the_commit_and_never_the_secret() {
    let repo = GitRepo::new();
    let key = scw_access_key(41);
    let secret = uuid_v4(42);
    repo.write(
        "deploy/prod.env",
        format!("REGION=fr-par\nSCW_ACCESS_KEY={key}\nSCW_SECRET_KEY={secret}\n"),
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", &format!("Deploy with {key}")]);
    let added = repo.rev("HEAD");
    let blob = repo.rev("HEAD:deploy/prod.env");
    repo.write("deploy/prod.env", "REGION=fr-par\n");
    repo.commit("Move the keys to the vault");

    let out = repo.run(&["scan", "--history", "--format", "sarif"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let log = sarif(&out);
    for whole in [&key, &secret] {
        assert!(
            !out.stdout.contains(whole.as_str()),
            "whole secret in the SARIF"
        );
        assert!(!out.stderr.contains(whole.as_str()));
    }
    let results = results(&log);
    assert_eq!(results.len(), 2);
    for result in results {
        assert_eq!(uri(result), "deploy/prod.env");
        let props = &result["properties"];
        assert_eq!(props["commitId"], added.as_str());
        assert_eq!(props["commitAuthor"], crate::util::GIT_AUTHOR);
        assert_eq!(props["commitEmail"], crate::util::GIT_AUTHOR_EMAIL);
        assert!(props["commitDate"]
            .as_str()
            .unwrap()
            .starts_with("2023-11-1"));
        assert_eq!(props["blobId"], blob.as_str());
        let message = result["message"]["text"].as_str().unwrap();
        assert!(
            message.contains(&format!("was committed in {}", &added[..12])),
            "{message}"
        );
    }
    assert_eq!(results[0]["ruleId"], "scaleway.access_key");
    assert_eq!(results[1]["ruleId"], "scaleway.secret_key");
    assert_eq!(results[1]["level"], "error");
}

// 3. Paths, --output, and the cap.

#[test]
fn odd_file_names_become_valid_uris_and_output_files_work() {
    let t = TestDir::new();
    for name in ["my keys.env", "ops #1 100%.env", "clés/été.env"] {
        t.write(
            name,
            format!("SCW_ACCESS_KEY={}\n", scw_access_key(name.len() as u64)),
        );
    }
    let out = t.run(&["scan", ".", "--format", "sarif", "-o", "report.sarif"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let text = std::fs::read_to_string(t.join("report.sarif")).unwrap();
    assert_valid_sarif(&text);
    let log: Value = serde_json::from_str(&text).unwrap();
    let mut uris: Vec<&str> = results(&log).iter().map(uri).collect();
    uris.sort_unstable();
    assert_eq!(
        uris,
        [
            "cl%C3%A9s/%C3%A9t%C3%A9.env",
            "my%20keys.env",
            "ops%20%231%20100%25.env"
        ]
    );
}

#[test]
fn no_findings_is_a_valid_empty_run() {
    let t = TestDir::new();
    t.write("a.txt", "nothing to see\n");
    let out = t.run(&["scan", ".", "--format", "sarif"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let log = sarif(&out);
    assert!(results(&log).is_empty());
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
}

/// GitHub rejects a run with more than 25,000 results: the SARIF keeps 25,000 and says on stderr
/// how many more the JSON report has.
#[test]
fn sarif_is_capped_at_githubs_result_limit() {
    let t = TestDir::new();
    let keys: String = (0..25_002u64)
        .map(|i| format!("{}\n", scw_access_key(1_000_000 + i)))
        .collect();
    t.write("many.txt", keys);
    // To a file: 25 MB would fill the stdout pipe, which the harness reads only at exit.
    let out = t.run(&["scan", ".", "--format", "sarif", "-o", "report.sarif"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    out.assert_stderr_has(
        "keysweep: warning: SARIF capped at 25000 results (GitHub's limit); 2 more findings are \
         in the JSON report",
    );
    let text = std::fs::read_to_string(t.join("report.sarif")).unwrap();
    assert_valid_sarif(&text);
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results(&log).len(), 25_000);
    assert_eq!(log["runs"][0]["properties"]["omittedResults"], 2);
}

// 4. The run's identity: a category per kind of scan, the tool's full name.

/// The `automationDetails` of a SARIF log.
fn automation(log: &Value) -> &Value {
    &log["runs"][0]["automationDetails"]
}

/// Each kind of scan uploads under its own category, so that GitHub code scanning keeps a
/// history scan's alerts apart from a range's; `--sarif-category` names another one.
#[test]
fn each_kind_of_scan_has_its_own_sarif_category() {
    let repo = GitRepo::new();
    repo.write(".env", format!("SCW_ACCESS_KEY={}\n", scw_access_key(7)));
    let first = repo.commit("a key");
    repo.write("b.env", format!("SCW_ACCESS_KEY={}\n", scw_access_key(8)));
    repo.commit("another key");
    repo.write("c.env", format!("SCW_ACCESS_KEY={}\n", scw_access_key(9)));
    repo.git(&["add", "c.env"]);
    let range = format!("{first}..HEAD");
    for (args, id) in [
        (vec!["."], "keysweep/files/"),
        (vec!["--history"], "keysweep/history/"),
        (vec!["--range", range.as_str()], "keysweep/range/"),
        (vec!["--staged"], "keysweep/staged/"),
        (
            vec![".", "--sarif-category", "keysweep/app"],
            "keysweep/app/",
        ),
        (
            vec!["--history", "--sarif-category", "secrets/"],
            "secrets/",
        ),
    ] {
        let mut all = vec!["scan", "--format", "sarif"];
        all.extend(&args);
        let out = repo.run(&all);
        let log = sarif(&out);
        assert_eq!(automation(&log), &serde_json::json!({"id": id}), "{args:?}");
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(
            driver["fullName"],
            format!("keysweep {} secret scanner", env!("CARGO_PKG_VERSION"))
        );
        assert!(!results(&log).is_empty(), "{args:?}");
    }
    // A category is one printable line.
    let out = repo.run(&["scan", "--format", "sarif", "--sarif-category", "a\nb"]);
    assert_eq!(out.status, 2);
    out.assert_stderr_has("control character");
}

/// In an Azure Pipelines job, the run names its pipeline the way GitHub Advanced Security for
/// Azure DevOps ingests it; with the job's variables broken, stderr says why it would not be.
#[test]
fn an_azure_pipelines_run_names_its_pipeline() {
    let t = TestDir::new();
    t.write(".env", format!("SCW_ACCESS_KEY={}\n", scw_access_key(3)));
    let job = [
        ("TF_BUILD", "True"),
        ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/fabrikam/"),
        (
            "SYSTEM_TEAMPROJECTID",
            "4c5e0d5b-1b2a-4e8b-9c7d-3f4a5b6c7d8e",
        ),
        ("SYSTEM_DEFINITIONID", "12"),
        ("BUILD_DEFINITIONNAME", "secrets"),
        ("BUILD_BUILDID", "345"),
        ("SYSTEM_JOBID", "0b5e6f3c-1d2a-4e8b-9c7d-3f4a5b6c7d8e"),
        ("SYSTEM_JOBNAME", "scan"),
        ("BUILD_SOURCEBRANCH", "refs/pull/7/merge"),
    ];
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.args(["scan", ".", "--format", "sarif"])
            .current_dir(t.path())
            .envs(vars.iter().copied());
        crate::util::run_command(cmd, None)
    };
    let out = run(&job);
    let log = sarif(&out);
    assert_eq!(
        automation(&log),
        &serde_json::json!({
            "id": "azuredevops/pipeline/build/fabrikam/4c5e0d5b-1b2a-4e8b-9c7d-3f4a5b6c7d8e/12/\
                   0b5e6f3c-1d2a-4e8b-9c7d-3f4a5b6c7d8e/refs/pull/7/merge/345",
            "properties": {
                "azuredevops/pipeline/build/buildDefinitionId": "12",
                "azuredevops/pipeline/build/buildDefinitionName": "secrets",
                "azuredevops/pipeline/build/phaseId": "0b5e6f3c-1d2a-4e8b-9c7d-3f4a5b6c7d8e",
                "azuredevops/pipeline/build/phaseName": "scan"
            }
        })
    );
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);

    let broken: Vec<_> = job
        .iter()
        .copied()
        .filter(|(k, _)| *k != "BUILD_BUILDID")
        .collect();
    let out = run(&broken);
    let log = sarif(&out);
    assert_eq!(automation(&log)["id"], "keysweep/files/");
    out.assert_stderr_has(
        "keysweep: warning: Azure Pipelines (TF_BUILD) without its build variables \
         (BUILD_BUILDID is not set)",
    );
}
