//! SARIF logs merged as GitHub code scanning wants one upload: one run per tool and category
//! (`automationDetails.id`), each rule once (results point at it by its new index), each result
//! once, at most 25,000 results a run (the most severe kept, what was cut said in the run), and the
//! coverage in the run's properties and invocation.

use super::{Coverage, Merged};
use crate::report::sarif::SECRET_FINGERPRINT;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Merges `logs` with at most `cap` results a run.
pub(super) fn merge(logs: Vec<Value>, coverage: &Coverage, cap: usize) -> Merged {
    let schema = logs
        .first()
        .and_then(|l| l.get("$schema").cloned())
        .unwrap_or_else(|| json!(crate::report::sarif::SCHEMA_URI));
    // Runs by (tool, category), in the order first met.
    let mut groups: Vec<((String, String), Vec<Value>)> = Vec::new();
    for mut log in logs {
        let Value::Array(runs) = log["runs"].take() else {
            continue;
        };
        for run in runs {
            let key = (
                run["tool"]["driver"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                run["automationDetails"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, runs)) => runs.push(run),
                None => groups.push((key, vec![run])),
            }
        }
    }
    let mut merged = Merged {
        report: Value::Null,
        lines: None,
        findings: 0,
        duplicates: 0,
        omitted: 0,
    };
    let runs: Vec<Value> = groups
        .into_iter()
        .map(|(_, runs)| merge_runs(runs, coverage, cap, &mut merged))
        .collect();
    merged.report = json!({"$schema": schema, "version": "2.1.0", "runs": runs});
    merged
}

/// One run of the same tool and category from several.
fn merge_runs(runs: Vec<Value>, coverage: &Coverage, cap: usize, merged: &mut Merged) -> Value {
    // The first run, its rules, results and stats taken out, is the merged run's frame.
    let mut template = None;
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    let mut seen = HashSet::new();
    let mut notifications: Vec<Value> = Vec::new();
    let mut successful = true;
    let mut stats = Vec::new();
    for mut run in runs {
        let run_rules: Vec<Value> = match run["tool"]["driver"]["rules"].take() {
            Value::Array(rules) => rules,
            _ => Vec::new(),
        };
        for rule in &run_rules {
            if let Some(id) = rule["id"].as_str() {
                rules.entry(id.to_string()).or_insert_with(|| rule.clone());
            }
        }
        if let Value::Array(run_results) = run["results"].take() {
            for mut result in run_results {
                // The rule by id: indices are each log's own.
                if result["ruleId"].is_null() {
                    if let Some(rule) = result["ruleIndex"]
                        .as_u64()
                        .and_then(|i| run_rules.get(i as usize))
                    {
                        result["ruleId"] = rule["id"].clone();
                    }
                }
                if seen.insert(result_key(&result)) {
                    results.push(result);
                } else {
                    merged.duplicates += 1;
                }
            }
        }
        for invocation in run["invocations"].as_array().into_iter().flatten() {
            successful &= invocation["executionSuccessful"].as_bool().unwrap_or(false);
            for n in invocation["toolExecutionNotifications"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if !notifications.contains(n) {
                    notifications.push(n.clone());
                }
            }
        }
        stats.push(run["properties"]["stats"].take());
        template.get_or_insert(run);
    }
    let mut template = template.expect("a group has at least one run");
    let index: HashMap<String, usize> = rules.keys().cloned().zip(0..).collect();
    for result in &mut results {
        if let Some(i) = result["ruleId"].as_str().and_then(|id| index.get(id)) {
            result["ruleIndex"] = json!(i);
        }
    }
    results.sort_by_cached_key(result_order);
    let total = results.len();
    if total > cap {
        // The most severe first, each level in report order; then back to report order.
        let mut order: Vec<usize> = (0..total).collect();
        order.sort_by_key(|&i| level_rank(&results[i]));
        let mut keep: Vec<usize> = order.into_iter().take(cap).collect();
        keep.sort_unstable();
        let keep: HashSet<usize> = keep.into_iter().collect();
        results = results
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep.contains(i))
            .map(|(_, r)| r)
            .collect();
        merged.omitted += total - cap;
        notifications.push(warning(format!(
            "{total} results: this merged log holds the {cap} most severe, as GitHub code \
             scanning rejects a run with more; the merged JSON report has them all."
        )));
        template["properties"]["omittedResults"] = json!(total - cap);
    }
    for problem in &coverage.problems {
        notifications.push(json!({
            "level": "error",
            "descriptor": {"id": "coverage"},
            "message": {"text": format!("Coverage: {problem}")},
        }));
    }
    successful &= coverage.complete;
    merged.findings += results.len();
    template["tool"]["driver"]["rules"] = json!(rules.into_values().collect::<Vec<_>>());
    template["results"] = json!(results);
    let mut invocation = json!({"executionSuccessful": successful});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notifications);
    }
    template["invocations"] = json!([invocation]);
    template["properties"]["stats"] = super::stats(stats.iter());
    template["properties"]["coverage"] = json!(coverage);
    template
}

fn warning(text: String) -> Value {
    json!({"level": "warning", "message": {"text": text}})
}

/// What makes two results one: the rule, the secret (keysweep's fingerprint, else the message)
/// and the place (repository, file, region, commit, blob).
fn result_key(r: &Value) -> String {
    let secret = match &r["partialFingerprints"][SECRET_FINGERPRINT] {
        Value::Null => &r["message"],
        fingerprint => fingerprint,
    };
    let location = &r["locations"][0]["physicalLocation"];
    let parts = [
        &r["ruleId"],
        secret,
        &r["properties"]["repository"],
        &location["artifactLocation"]["uri"],
        &location["region"],
        &r["properties"]["commitId"],
        &r["properties"]["blobId"],
    ];
    serde_json::to_string(&parts).expect("values serialize")
}

/// Repository, file, line, column, rule: the order keysweep's logs list results in.
fn result_order(r: &Value) -> (String, String, u64, u64, String) {
    let location = &r["locations"][0]["physicalLocation"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        text(&r["properties"]["repository"]),
        text(&location["artifactLocation"]["uri"]),
        location["region"]["startLine"].as_u64().unwrap_or(0),
        location["region"]["startColumn"].as_u64().unwrap_or(0),
        text(&r["ruleId"]),
    )
}

/// `error` before `warning` before `note` (SARIF's default level is `warning`).
fn level_rank(r: &Value) -> u8 {
    match r["level"].as_str().unwrap_or("warning") {
        "error" => 0,
        "warning" => 1,
        "note" => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rule: &str, uri: &str, line: u64, level: &str) -> Value {
        json!({"ruleId": rule, "ruleIndex": 0, "level": level,
               "message": {"text": "m"},
               "partialFingerprints": {SECRET_FINGERPRINT: format!("{rule}{uri}")},
               "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                                   "region": {"startLine": line}}}]})
    }

    fn log(category: &str, rules: &[&str], results: Vec<Value>) -> Value {
        let rules: Vec<Value> = rules.iter().map(|id| json!({"id": id})).collect();
        json!({"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "keysweep", "rules": rules}},
            "automationDetails": {"id": category},
            "invocations": [{"executionSuccessful": true}],
            "results": results,
            "properties": {"stats": {"blobs_scanned": 1}}}]})
    }

    #[test]
    fn runs_merge_by_category_with_rules_once_and_indices_remapped() {
        let a = log(
            "keysweep/history/",
            &["z"],
            vec![result("z", "a.env", 1, "error")],
        );
        let b = log(
            "keysweep/history/",
            &["b", "z"],
            vec![
                result("b", "b.env", 2, "note"),
                result("z", "a.env", 1, "error"),
            ],
        );
        let c = log(
            "keysweep/range/",
            &["b"],
            vec![result("b", "c.env", 3, "note")],
        );
        let complete = Coverage {
            complete: true,
            checked: true,
            ..Coverage::default()
        };
        let merged = merge(vec![a, b, c], &complete, 100);
        let runs = merged.report["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2, "one run per category");
        let history = &runs[0];
        let rules: Vec<&str> = history["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["b", "z"]);
        let results = history["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "the duplicate is dropped");
        for r in results {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index], r["ruleId"].as_str().unwrap());
        }
        assert_eq!(merged.duplicates, 1);
        assert_eq!(history["properties"]["stats"]["blobs_scanned"], 2);
        assert_eq!(history["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn a_run_over_the_cap_keeps_the_most_severe_and_says_so_and_incomplete_coverage_fails_it() {
        let results: Vec<Value> = (0..5)
            .map(|i| {
                result(
                    "r",
                    &format!("f{i}"),
                    1,
                    if i % 2 == 0 { "note" } else { "error" },
                )
            })
            .collect();
        let merged = merge(vec![log("k/", &["r"], results)], &Coverage::unchecked(), 3);
        let run = &merged.report["runs"][0];
        let levels: Vec<&str> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["level"].as_str().unwrap())
            .collect();
        assert_eq!(
            levels,
            ["note", "error", "error"],
            "both errors kept, in file order"
        );
        assert_eq!(merged.omitted, 2);
        assert_eq!(run["properties"]["omittedResults"], 2);
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let texts = invocation["toolExecutionNotifications"].to_string();
        assert!(
            texts.contains("5 results") && texts.contains("Coverage: not checked"),
            "{texts}"
        );
    }
}
