//! `keysweep merge`: reads the shards' reports and audit files, writes the merged report, says
//! what it holds and whether the shards covered their input; exit 3 when they did not.

use crate::exit::Exit;
use crate::merge::{self, coverage, Coverage, Kind, Parsed};
use crate::output;
use crate::text::workflow;
use anyhow::{anyhow, bail};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// `merge FILES... [--no-audit] [-o FILE]`: FILES are reports and audit files.
pub(super) fn run(
    files: &[PathBuf],
    no_audit: bool,
    output: Option<&Path>,
) -> anyhow::Result<Exit> {
    let mut parsed: Vec<(&Path, Parsed)> = Vec::new();
    let mut records = Vec::new();
    let mut audits = 0;
    for path in files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("{}: cannot read it: {e}", path.display()))?;
        if coverage::is_audit(&text) {
            records.extend(coverage::parse(path, &text)?);
            audits += 1;
            continue;
        }
        let report = merge::parse(&text).map_err(|why| anyhow!("{}: {why}", path.display()))?;
        if let Some((first, kind)) = parsed.first().map(|(p, r)| (p, r.kind())) {
            if kind != report.kind() {
                bail!(
                    "{}: a {} report, and {} is {}: merge reports of one format",
                    path.display(),
                    report.kind().name(),
                    first.display(),
                    kind.name()
                );
            }
        }
        parsed.push((path, report));
    }
    if parsed.is_empty() {
        bail!("no report among the files: give the shards' json, jsonl or sarif reports");
    }
    let reports = parsed.len();
    let coverage = match (audits, no_audit) {
        (0, false) => bail!(
            "no audit file among the files: give each shard's `scan --audit FILE` too, so that \
             merge can check that no shard is missing (or --no-audit to merge without checking)"
        ),
        (0, true) => {
            crate::notice!(
                "keysweep: warning: --no-audit: the shards' coverage is not checked (a missing \
                 shard would go unnoticed)"
            );
            Coverage::unchecked()
        }
        (_, true) => bail!("--no-audit, yet {audits} audit files are given: drop one or the other"),
        (_, false) => coverage::check(&records),
    };
    let parsed: Vec<Parsed> = parsed.into_iter().map(|(_, r)| r).collect();
    let kind = parsed.first().map_or(Kind::Json, Parsed::kind);
    let merged = merge::merge(parsed, &coverage);
    output::write(output, |out| {
        let mut out = workflow::JsonDefuse::new(out);
        match &merged.lines {
            Some(lines) => {
                for line in lines {
                    serde_json::to_writer(&mut out, line)?;
                    writeln!(out)?;
                }
            }
            None => {
                serde_json::to_writer_pretty(&mut out, &merged.report)?;
                writeln!(out)?;
            }
        }
        out.flush()
    })?;
    crate::notice!(
        "keysweep: merged {} {} report{}: {} finding{}{}{}",
        reports,
        kind.name(),
        if reports == 1 { "" } else { "s" },
        merged.findings,
        if merged.findings == 1 { "" } else { "s" },
        if merged.duplicates > 0 {
            format!(" ({} duplicates dropped)", merged.duplicates)
        } else {
            String::new()
        },
        if merged.omitted > 0 {
            format!(
                "; SARIF capped at {} results a run (GitHub's limit): {} more in the JSON reports",
                crate::report::sarif::MAX_RESULTS,
                merged.omitted
            )
        } else {
            String::new()
        }
    );
    if no_audit {
        return Ok(findings_exit(merged.findings));
    }
    if !coverage.complete {
        eprintln!("keysweep: {}", crate::text::sanitize(&coverage.line()));
        return Ok(Exit::ScanErrors);
    }
    crate::notice!("keysweep: {}", coverage.line());
    Ok(findings_exit(merged.findings))
}

fn findings_exit(findings: usize) -> Exit {
    if findings == 0 {
        Exit::Clean
    } else {
        Exit::Findings(1)
    }
}
