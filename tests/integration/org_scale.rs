//! Organisation scale: the histories of many repositories in one run, shards (by repository, and
//! by blob within one repository), `merge` with the coverage its audit records prove, and the
//! example deployments (a GitHub Actions matrix, a Kubernetes Indexed Job) run as local shards.

use crate::sarif::assert_valid_sarif;
use crate::util::{bin, run_command, scw_access_key, GitRepo, Output, TestDir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `n` repositories under `org/`, in team folders, each with three commits of secrets.
fn organisation(t: &TestDir, n: u64) -> Vec<String> {
    (0..n)
        .map(|i| {
            let name = format!("team-{}/svc-{i}", i % 3);
            let repo = GitRepo::init_in(t, &format!("org/{name}"));
            for c in 0..3 {
                repo.write(
                    &format!("env/c{c}.env"),
                    format!("SCW_ACCESS_KEY={}\n", scw_access_key(i * 10 + c)),
                );
                repo.write("README.md", format!("svc {i} v{c}\n"));
                repo.commit(&format!("v{c}"));
            }
            name
        })
        .collect()
}

/// Each finding as a user compares two reports: repository, fingerprint, place and commit.
fn located(report: &Value) -> Vec<String> {
    let mut all: Vec<String> = report["findings"]
        .as_array()
        .expect("a JSON report")
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{} {}",
                f["repository"],
                f["fingerprint"],
                f["path"],
                f["line"],
                f["column"],
                f["commit"]["id"]
            )
        })
        .collect();
    all.sort();
    all
}

/// Each SARIF result as code scanning tells them apart: rule, secret, repository, file, line.
fn results(log: &Value) -> Vec<String> {
    let mut all: Vec<String> = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|run| run["results"].as_array().unwrap())
        .map(|r| {
            let at = &r["locations"][0]["physicalLocation"];
            format!(
                "{} {} {} {}:{} {}",
                r["ruleId"],
                r["partialFingerprints"]["keysweep/secret/v1"],
                r["properties"]["repository"],
                at["artifactLocation"]["uri"],
                at["region"]["startLine"],
                r["properties"]["commitId"]
            )
        })
        .collect();
    all.sort();
    all
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn lines(path: &Path) -> Vec<Value> {
    let mut all: Vec<Value> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    all.sort_by_key(|v| v.to_string());
    all
}

#[test]
fn many_repositories_in_one_run_name_each_finding_and_a_failing_one_is_counted() {
    let t = TestDir::new();
    let names = organisation(&t, 4);
    let mut list = String::from("# the organisation\n");
    for name in &names {
        list.push_str(&format!("org/{name}\n"));
    }
    // Gone, and a folder inside a repository (git's upward search must not scan svc-0 for it).
    list.push_str("org/missing\norg/team-0/svc-0/env\n");
    t.write("list.txt", &list);
    let out = t.run(&[
        "scan",
        "--history",
        "--repos",
        "list.txt",
        "--format",
        "json",
        "--audit",
        "audit.jsonl",
    ]);
    assert_eq!(out.status, 3, "two repositories failed: {}", out.stderr);
    let report = out.json();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(
        findings.len(),
        12,
        "three secrets in each of four repositories"
    );
    for name in &names {
        let theirs = findings
            .iter()
            .filter(|f| f["repository"] == format!("org/{name}"))
            .count();
        assert_eq!(theirs, 3, "{name}");
    }
    out.assert_stderr_has("org/missing: cannot scan this repository");
    out.assert_stderr_has("org/team-0/svc-0/env: cannot scan this repository");
    out.assert_stderr_has("of 6 repositories (2 not scanned)");
    let audit: Vec<Value> = std::fs::read_to_string(t.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let failed: Vec<&str> = audit
        .iter()
        .filter(|r| r["status"] == "failed")
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["org/missing", "org/team-0/svc-0/env"]);
    let run = audit.last().unwrap();
    assert_eq!(run["record"], "run");
    assert_eq!(run["repositories_scanned"], 4);
    assert_eq!(run["repositories_failed"], 2);
    assert_eq!(run["status"], "incomplete");
    let complete = audit
        .iter()
        .find(|r| r["repository"] == "org/team-1/svc-1")
        .unwrap();
    assert_eq!(complete["status"], "complete");
    assert_eq!(complete["findings"], 3);
    let refs = complete["refs"].as_array().unwrap();
    assert!(
        refs.iter()
            .any(|r| r["name"] == "refs/heads/main" && r["id"].as_str().unwrap().len() == 40),
        "{refs:?}"
    );

    // The same repositories found under the folder, named by their place in it.
    let under = t.run(&[
        "scan",
        "--history",
        "--repos-under",
        "org",
        "--format",
        "json",
    ]);
    assert_eq!(under.status, 1, "{}", under.stderr);
    let mut repositories: Vec<String> = under.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["repository"].as_str().unwrap().to_string())
        .collect();
    repositories.dedup();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(repositories, expected);
}

#[test]
fn shards_of_many_repositories_merge_to_the_single_run_in_every_format() {
    let t = TestDir::new();
    organisation(&t, 7);
    let scan = ["scan", "--history", "--repos-under", "org", "--no-cache"];
    let whole = t.run(
        &[
            &scan[..],
            &[
                "--format",
                "json",
                "--report",
                "sarif=whole.sarif",
                "--report",
                "jsonl=whole.jsonl",
            ],
        ]
        .concat(),
    );
    assert_eq!(whole.status, 1, "{}", whole.stderr);
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let (json, sarif, jsonl, audit) = (
            format!("s{i}.json"),
            format!("sarif=s{i}.sarif"),
            format!("jsonl=s{i}.jsonl"),
            format!("a{i}.jsonl"),
        );
        let args = [
            "--shard", &shard, "--format", "json", "-o", &json, "--report", &sarif, "--report",
            &jsonl, "--audit", &audit,
        ];
        let out = t.run(&[&scan[..], &args[..]].concat());
        assert!(out.status <= 1, "{}", out.stderr);
        out.assert_stderr_has(&format!("shard {shard}: "));
    }
    // The three shards' reports of one format and their audit records, merged into `out`.
    let merge_all = |ext: &str, out: &str| {
        let reports: Vec<String> = (1..=3).map(|i| format!("s{i}.{ext}")).collect();
        let mut args: Vec<&str> = vec!["merge"];
        args.extend(reports.iter().map(String::as_str));
        args.extend(["a1.jsonl", "a2.jsonl", "a3.jsonl", "-o", out]);
        t.run(&args)
    };

    let merged = merge_all("json", "m.json");
    assert_eq!(merged.status, 1, "findings, complete: {}", merged.stderr);
    merged.assert_stderr_has("coverage complete: 3 of 3 shards, 7 of 7 repositories");
    let m = read_json(&t.join("m.json"));
    assert_eq!(located(&m), located(&whole.json()));
    assert_eq!(m["coverage"]["complete"], true);
    assert_eq!(
        m["stats"]["blobs_scanned"],
        whole.json()["stats"]["blobs_scanned"]
    );

    let merged = merge_all("jsonl", "m.jsonl");
    assert_eq!(merged.status, 1, "{}", merged.stderr);
    assert_eq!(lines(&t.join("m.jsonl")), lines(&t.join("whole.jsonl")));

    let merged = merge_all("sarif", "m.sarif");
    assert_eq!(merged.status, 1, "{}", merged.stderr);
    let text = std::fs::read_to_string(t.join("m.sarif")).unwrap();
    assert_valid_sarif(&text);
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        log["runs"].as_array().unwrap().len(),
        1,
        "one run per tool and category"
    );
    assert_eq!(results(&log), results(&read_json(&t.join("whole.sarif"))));
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );

    // A shard missing: said in the report, on stderr, and by the exit status.
    let merged = t.run(&[
        "merge",
        "s1.json",
        "s3.json",
        "a1.jsonl",
        "a3.jsonl",
        "-o",
        "part.json",
    ]);
    assert_eq!(merged.status, 3, "{}", merged.stderr);
    merged.assert_stderr_has("coverage INCOMPLETE: 1 of 3 shards have no audit record: 2/3");
    let part = read_json(&t.join("part.json"));
    assert_eq!(part["coverage"]["complete"], false);
    assert_eq!(
        part["coverage"]["missing_shards"],
        serde_json::json!(["2/3"])
    );
    let merged = t.run(&[
        "merge",
        "s1.sarif",
        "s3.sarif",
        "a1.jsonl",
        "a3.jsonl",
        "-o",
        "part.sarif",
    ]);
    assert_eq!(merged.status, 3, "{}", merged.stderr);
    let part = read_json(&t.join("part.sarif"));
    let invocation = &part["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(invocation["toolExecutionNotifications"]
        .to_string()
        .contains("2/3"));

    // Bad inputs: one line, exit 2.
    for (args, says) in [
        (
            vec!["merge", "s1.json", "s2.sarif", "a1.jsonl"],
            "merge reports of one format",
        ),
        (
            vec!["merge", "s1.json", "s2.json"],
            "no audit file among the files",
        ),
        (vec!["merge", "a1.jsonl"], "no report among the files"),
        (
            vec!["merge", "list-that-is-not-there.json", "a1.jsonl"],
            "cannot read it",
        ),
    ] {
        let out = t.run(&args);
        assert_eq!(out.status, 2, "{args:?}: {}", out.stderr);
        out.assert_stderr_has(says);
    }
    let unchecked = t.run(&["merge", "--no-audit", "s1.json", "s2.json"]);
    assert_eq!(unchecked.status, 1, "{}", unchecked.stderr);
    unchecked.assert_stderr_has("coverage is not checked");
    assert_eq!(unchecked.json()["coverage"]["checked"], false);
}

#[test]
fn blob_shards_of_one_repository_merge_to_one_run_and_shards_of_moved_refs_do_not() {
    let repo = GitRepo::new();
    for n in 0..12 {
        repo.write(
            &format!("env/s{n}.env"),
            format!("SCW_ACCESS_KEY={}\n", scw_access_key(700 + n)),
        );
        repo.commit(&format!("Service {n}"));
    }
    let whole = repo.run(&["scan", "--history", "--no-cache", "--format", "json"]);
    let shard = |i: u32| {
        let (s, o, a) = (
            format!("{i}/3"),
            format!("s{i}.json"),
            format!("a{i}.jsonl"),
        );
        let out = repo.run(&[
            "scan",
            "--history",
            "--shard",
            &s,
            "--format",
            "json",
            "-o",
            &o,
            "--audit",
            &a,
        ]);
        assert!(out.status <= 1, "{}", out.stderr);
    };
    for i in 1..=3 {
        shard(i);
    }
    let merge = [
        "merge", "s1.json", "s2.json", "s3.json", "a1.jsonl", "a2.jsonl", "a3.jsonl", "-o",
        "m.json",
    ];
    let out = repo.run(&merge);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(
        located(&read_json(&repo.join("m.json"))),
        located(&whole.json())
    );
    let audit = std::fs::read_to_string(repo.join("a2.jsonl")).unwrap();
    assert!(
        audit.contains(r#""shard":"2/3""#) && audit.contains(r#""split":"blobs""#),
        "{audit}"
    );

    // Shard 2 run again after a push: the shards no longer describe one history.
    repo.write(
        "late.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(799)),
    );
    repo.commit("Late");
    shard(2);
    let out = repo.run(&merge);
    assert_eq!(out.status, 3, "{}", out.stderr);
    out.assert_stderr_has("the shards scanned different commits");
}

/// A keysweep binary named `keysweep` on PATH, as the examples call it.
fn path_with_keysweep() -> String {
    let dir = bin().parent().unwrap().to_path_buf();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/org-scale")
        .join(name)
}

fn yaml(name: &str) -> Value {
    let text = std::fs::read_to_string(example(name)).unwrap();
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `sh -c SCRIPT` in `dir` with `env`, as a container or a runner would run it.
fn sh(script: &str, dir: &Path, env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path_with_keysweep());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_command(cmd, None)
}

#[test]
fn the_kubernetes_indexed_job_run_as_local_pods_merges_to_the_single_run() {
    let t = TestDir::new();
    let names = organisation(&t, 5);
    t.write(
        "repos/list.txt",
        names
            .iter()
            .map(|n| format!("../org/{n}\n"))
            .collect::<String>(),
    );
    let whole = t.run(&[
        "scan",
        "--history",
        "--no-cache",
        "--repos",
        "repos/list.txt",
        "--format",
        "json",
    ]);
    assert_eq!(whole.status, 1, "{}", whole.stderr);

    let job = yaml("kubernetes-shards.yaml");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let completions = job["spec"]["completions"].as_u64().unwrap();
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let env = |name: &str| {
        container["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no env {name}"))
    };
    assert_eq!(
        env("SHARD_COUNT"),
        completions.to_string(),
        "SHARD_COUNT is the completions"
    );
    let script = container["args"][0].as_str().unwrap();
    let results = t.join("results");
    let pod_env = |index: u64| {
        vec![
            ("JOB_COMPLETION_INDEX", index.to_string()),
            ("SHARD_COUNT", env("SHARD_COUNT")),
            ("REPOS_LIST", t.join("repos/list.txt").display().to_string()),
            ("RESULTS", results.display().to_string()),
        ]
    };
    // Kubernetes gives the pods indices 0..completions.
    for index in 0..completions {
        let pod = sh(script, t.path(), &pod_env(index));
        assert_eq!(pod.status, 0, "pod {index}: {}", pod.stderr);
    }
    let merge = yaml("kubernetes-merge.yaml");
    let script = merge["spec"]["template"]["spec"]["containers"][0]["args"][0]
        .as_str()
        .unwrap();
    let merge_env = [("RESULTS", results.display().to_string())];
    let out = sh(script, t.path(), &merge_env);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let merged = read_json(&results.join("keysweep.json"));
    assert_eq!(located(&merged), located(&whole.json()));
    assert_valid_sarif(&std::fs::read_to_string(results.join("keysweep.sarif")).unwrap());

    // A pod that never ran: the merge Job fails and its report says which shard is missing.
    std::fs::remove_dir_all(results.join("shard-2")).unwrap();
    let out = sh(script, t.path(), &merge_env);
    assert_ne!(out.status, 0, "{}", out.stderr);
    let merged = read_json(&results.join("keysweep.json"));
    assert_eq!(
        merged["coverage"]["missing_shards"],
        serde_json::json!([format!("2/{completions}")])
    );
}

#[test]
fn the_github_actions_matrix_run_as_local_jobs_uploads_the_single_runs_results() {
    let t = TestDir::new();
    let repo = GitRepo::init_in(&t, "checkout");
    for n in 0..10 {
        repo.write(
            &format!("env/s{n}.env"),
            format!("SCW_ACCESS_KEY={}\n", scw_access_key(500 + n)),
        );
        repo.commit(&format!("Service {n}"));
    }
    let whole = repo.run(&["scan", "--history", "--no-cache", "--format", "sarif"]);
    assert_eq!(whole.status, 1, "{}", whole.stderr);
    let whole: Value = serde_json::from_str(&whole.stdout).unwrap();

    let workflow = yaml("github-shards.yml");
    let scan = &workflow["jobs"]["scan"];
    let shards: Vec<u64> = scan["strategy"]["matrix"]["shard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap())
        .collect();
    assert_eq!(scan["env"]["SHARD"], "${{ matrix.shard }}");
    assert_eq!(scan["env"]["SHARDS"], "${{ strategy.job-total }}");
    let step = |job: &Value, prefix: &str| -> String {
        job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
            .and_then(|s| s["run"].as_str())
            .unwrap_or_else(|| panic!("no step {prefix}"))
            .to_string()
    };
    let upload = scan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .unwrap();
    assert_eq!(upload["with"]["name"], "keysweep-shard-${{ matrix.shard }}");
    assert_eq!(
        upload["with"]["path"],
        "${{ runner.temp }}/keysweep-shard-${{ matrix.shard }}"
    );
    let script = step(scan, "Scan shard");
    let merge_job = &workflow["jobs"]["merge"];
    assert_eq!(merge_job["needs"], "scan");
    let download = &merge_job["steps"][0];
    assert_eq!(download["with"]["pattern"], "keysweep-shard-*");
    let merge_script = step(merge_job, "Merge the shards");

    // Each matrix job: its own runner, the same checkout; its artifact downloaded as
    // shards/keysweep-shard-N.
    let merge_dir = t.join("merge");
    for &shard in &shards {
        let runner = t.join(&format!("runner-{shard}"));
        std::fs::create_dir_all(&runner).unwrap();
        let env = [
            ("SHARD", shard.to_string()),
            ("SHARDS", shards.len().to_string()),
            ("RUNNER_TEMP", runner.display().to_string()),
        ];
        let job = sh(&script, repo.path(), &env);
        assert_eq!(job.status, 0, "shard {shard}: {}", job.stderr);
        let artifact = runner.join(format!("keysweep-shard-{shard}"));
        let downloaded = merge_dir.join(format!("shards/keysweep-shard-{shard}"));
        std::fs::create_dir_all(&downloaded).unwrap();
        for file in std::fs::read_dir(&artifact).unwrap() {
            let file = file.unwrap();
            std::fs::copy(file.path(), downloaded.join(file.file_name())).unwrap();
        }
    }
    let outputs = t.join("github-output");
    let env = [("GITHUB_OUTPUT", outputs.display().to_string())];
    let out = sh(&merge_script, &merge_dir, &env);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(merge_dir.join("keysweep.sarif")).unwrap();
    assert_valid_sarif(&text);
    let merged: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results(&merged), results(&whole));
    assert_eq!(
        merged["runs"][0]["automationDetails"]["id"],
        whole["runs"][0]["automationDetails"]["id"]
    );

    // A matrix job that failed uploads nothing: the merge step fails, after writing the SARIF
    // that the upload step (if: always()) still sends, saying what is missing.
    std::fs::remove_dir_all(merge_dir.join("shards/keysweep-shard-3")).unwrap();
    let out = sh(&merge_script, &merge_dir, &env);
    assert_ne!(out.status, 0, "{}", out.stderr);
    assert!(std::fs::read_to_string(&outputs)
        .unwrap()
        .contains("status=3"));
    let merged = read_json(&merge_dir.join("keysweep.sarif"));
    assert_eq!(
        merged["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}
