//! `keysweep merge`: the reports of several runs (the shards of one scan) as one report of the
//! same format, findings deduplicated by fingerprint and location, stats summed, with the
//! coverage their audit records prove ([`coverage`]).
//!
//! Reports are merged as JSON values, field for field, so a merged finding is exactly what its
//! shard wrote.

pub mod coverage;
mod sarif;

pub use coverage::Coverage;
use serde_json::{json, Value};
use std::collections::HashSet;

/// The format of a report, read from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    Jsonl,
    Sarif,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Jsonl => "jsonl",
            Kind::Sarif => "sarif",
        }
    }
}

/// One report, parsed.
#[derive(Debug)]
pub enum Parsed {
    /// `--format json`: the document.
    Json(Value),
    /// `--format jsonl`: its findings.
    Jsonl(Vec<Value>),
    /// `--format sarif`: the log.
    Sarif(Value),
}

impl Parsed {
    pub fn kind(&self) -> Kind {
        match self {
            Parsed::Json(_) => Kind::Json,
            Parsed::Jsonl(_) => Kind::Jsonl,
            Parsed::Sarif(_) => Kind::Sarif,
        }
    }
}

/// Reads a report keysweep wrote: a SARIF log (`runs`), a JSON report (`findings`), or JSON
/// lines of findings (an empty file is an empty JSONL report).
///
/// # Errors
/// Text that is none of them, with the line at fault.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(Parsed::Jsonl(Vec::new()));
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        if value.get("runs").is_some_and(Value::is_array) {
            return Ok(Parsed::Sarif(value));
        }
        if value.get("findings").is_some_and(Value::is_array) {
            return Ok(Parsed::Json(value));
        }
        if is_finding(&value) {
            return Ok(Parsed::Jsonl(vec![value]));
        }
        return Err("a JSON value that is not a keysweep report (no findings or runs)".into());
    }
    let mut findings = Vec::new();
    for (number, line) in (1..).zip(text.lines()) {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(line).map_err(|e| format!("line {number}: not JSON ({e})"))?;
        if !is_finding(&value) {
            return Err(format!("line {number}: not a keysweep finding"));
        }
        findings.push(value);
    }
    Ok(Parsed::Jsonl(findings))
}

fn is_finding(value: &Value) -> bool {
    value.get("rule_id").is_some() && value.get("fingerprint").is_some()
}

/// What makes two findings one: the secret and where it is.
fn finding_key(f: &Value) -> String {
    let parts = [
        &f["fingerprint"],
        &f["rule_id"],
        &f["repository"],
        &f["path"],
        &f["line"],
        &f["column"],
        &f["end_line"],
        &f["end_column"],
        &f["commit"]["id"],
        &f["blob_id"],
    ];
    serde_json::to_string(&parts).expect("values serialize")
}

/// The order scans list findings in: repository, path, line, column, rule, blob.
fn sort_key(f: &Value) -> (String, String, u64, u64, String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        text(&f["repository"]),
        text(&f["path"]),
        f["line"].as_u64().unwrap_or(0),
        f["column"].as_u64().unwrap_or(0),
        text(&f["rule_id"]),
        text(&f["blob_id"]),
    )
}

/// The findings of all reports, each once, in scan order; and how many were duplicates.
pub fn findings(all: impl IntoIterator<Item = Value>) -> (Vec<Value>, usize) {
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    let mut duplicates = 0;
    for f in all {
        if seen.insert(finding_key(&f)) {
            kept.push(f);
        } else {
            duplicates += 1;
        }
    }
    kept.sort_by_cached_key(sort_key);
    (kept, duplicates)
}

/// The stats of several reports: counters summed (`duration_ms` too: the shards' time, not the
/// wall time), `partial` when any is.
pub fn stats<'a>(all: impl Iterator<Item = &'a Value>) -> Value {
    let mut total = serde_json::Map::new();
    for stats in all.filter_map(Value::as_object) {
        for (name, value) in stats {
            let entry = total.entry(name.clone()).or_insert(json!(0));
            match value {
                Value::Bool(b) => *entry = json!(entry.as_bool().unwrap_or(false) || *b),
                Value::Number(n) => {
                    *entry = json!(entry.as_u64().unwrap_or(0) + n.as_u64().unwrap_or(0));
                }
                _ => {}
            }
        }
    }
    Value::Object(total)
}

/// The merged report, and how many findings were duplicates and how many (SARIF) were left out.
pub struct Merged {
    pub report: Value,
    /// JSONL: the findings, one a line.
    pub lines: Option<Vec<Value>>,
    pub findings: usize,
    pub duplicates: usize,
    pub omitted: usize,
}

/// Merges reports of one kind.
pub fn merge(reports: Vec<Parsed>, coverage: &Coverage) -> Merged {
    match reports.first().map(Parsed::kind) {
        Some(Kind::Sarif) => {
            let logs = reports
                .into_iter()
                .filter_map(|r| match r {
                    Parsed::Sarif(log) => Some(log),
                    _ => None,
                })
                .collect();
            sarif::merge(logs, coverage, crate::report::sarif::MAX_RESULTS)
        }
        Some(Kind::Jsonl) => {
            let all = reports.into_iter().flat_map(|r| match r {
                Parsed::Jsonl(lines) => lines,
                _ => Vec::new(),
            });
            let (kept, duplicates) = findings(all);
            Merged {
                report: Value::Null,
                findings: kept.len(),
                lines: Some(kept),
                duplicates,
                omitted: 0,
            }
        }
        _ => {
            let docs: Vec<Value> = reports
                .into_iter()
                .filter_map(|r| match r {
                    Parsed::Json(doc) => Some(doc),
                    _ => None,
                })
                .collect();
            let tool = docs.first().map_or(Value::Null, |d| d["tool"].clone());
            let stats = stats(docs.iter().map(|d| &d["stats"]));
            let all = docs
                .into_iter()
                .flat_map(|mut d| match d["findings"].take() {
                    Value::Array(findings) => findings,
                    _ => Vec::new(),
                });
            let (kept, duplicates) = findings(all);
            Merged {
                findings: kept.len(),
                report: json!({
                    "tool": tool,
                    "findings": kept,
                    "stats": stats,
                    "coverage": coverage,
                }),
                lines: None,
                duplicates,
                omitted: 0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, line: u64, fingerprint: &str) -> Value {
        json!({"rule_id": "r", "fingerprint": fingerprint, "path": path, "line": line,
               "column": 1, "end_line": line, "end_column": 9, "commit": null, "blob_id": null})
    }

    #[test]
    fn the_same_secret_at_the_same_place_is_kept_once_and_elsewhere_twice() {
        let (kept, duplicates) = findings([
            finding("b", 1, "f1"),
            finding("a", 2, "f1"),
            finding("a", 2, "f1"),
            finding("a", 2, "f2"),
        ]);
        assert_eq!(duplicates, 1);
        let places: Vec<_> = kept
            .iter()
            .map(|f| format!("{}:{}:{}", f["path"], f["line"], f["fingerprint"]))
            .collect();
        assert_eq!(
            places,
            ["\"a\":2:\"f1\"", "\"a\":2:\"f2\"", "\"b\":1:\"f1\""]
        );
    }

    #[test]
    fn reports_are_told_apart_by_their_text() {
        assert_eq!(parse("").unwrap().kind(), Kind::Jsonl);
        assert_eq!(
            parse(r#"{"runs": [], "version": "2.1.0"}"#).unwrap().kind(),
            Kind::Sarif
        );
        assert_eq!(
            parse(r#"{"tool": {}, "findings": [], "stats": {}}"#)
                .unwrap()
                .kind(),
            Kind::Json
        );
        let two = format!("{}\n{}\n", finding("a", 1, "f"), finding("b", 1, "f"));
        assert!(matches!(parse(&two).unwrap(), Parsed::Jsonl(v) if v.len() == 2));
        assert!(parse("{\"x\": 1}")
            .unwrap_err()
            .contains("not a keysweep report"));
        assert!(parse("{}\nnot json\n").unwrap_err().contains("line 1"));
    }

    #[test]
    fn stats_are_summed_and_partial_if_any_is() {
        let a = json!({"blobs_scanned": 2, "errors": 0, "partial": false});
        let b = json!({"blobs_scanned": 3, "errors": 1, "partial": true});
        assert_eq!(
            stats([&a, &b].into_iter()),
            json!({"blobs_scanned": 5, "errors": 1, "partial": true})
        );
    }
}
