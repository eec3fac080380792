//! `patterns list` and `patterns test`.

use super::warn;
use crate::config::Config;
use crate::engine::{Engine, Rules};
use crate::exit::Exit;
use crate::output;
use crate::pattern::{selftest, Pattern};
use clap::ValueEnum;
use std::path::PathBuf;

/// The format of `patterns list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// `patterns list`: a table, or JSON rows.
pub(super) fn list_patterns(patterns: &[Pattern], format: ListFormat) -> anyhow::Result<()> {
    output::write(None, |out| match format {
        ListFormat::Json => {
            let rows: Vec<_> = patterns
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id, "name": p.name, "provider": p.provider,
                        "severity": p.severity, "confidence": p.confidence,
                        "keywords": p.keywords, "window": p.window(), "source": p.source,
                        "pair": p.pair(), "verify": p.verify_call().is_some(),
                        "revoke": p.revoke_call().is_some(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        ListFormat::Human => {
            let id_width = patterns.iter().map(|p| p.id.len()).max().unwrap_or(2);
            let provider_width = patterns.iter().map(|p| p.provider.len()).max().unwrap_or(8);
            let yes_no = |b: bool| if b { "yes" } else { "-" };
            writeln!(
                out,
                "{:<id_width$}  {:<provider_width$}  SEVERITY  CONFIDENCE  VERIFY  REVOKE  NAME",
                "ID", "PROVIDER"
            )?;
            for p in patterns {
                writeln!(
                    out,
                    "{:<id_width$}  {:<provider_width$}  {:<8}  {:<10}  {:<6}  {:<6}  {}",
                    p.id,
                    p.provider,
                    p.severity.as_str(),
                    p.confidence.as_str(),
                    yes_no(p.verify_call().is_some()),
                    yes_no(p.revoke_call().is_some()),
                    p.name
                )?;
            }
            Ok(())
        }
    })
}

/// `patterns test`: every example of every pattern; exit 1 on any failure.
pub(super) fn test_patterns(paths: &[PathBuf]) -> anyhow::Result<Exit> {
    // Every example of every pattern is checked below, each failure reported.
    let config = Config::default();
    let rules = Rules {
        builtin: paths.is_empty(),
        files: paths,
        check_examples: false,
        ..Rules::builtin(&config)
    };
    let engine = Engine::build(&rules, &warn)?;
    let count = engine.patterns().len();
    let failures = selftest::run(&engine, selftest::Which::All, true);
    for failure in &failures {
        println!("FAIL {failure}");
    }
    // Which syntaxes each named pattern's secrets were also written in (see `names`).
    let mut syntaxes = Vec::new();
    for pattern in engine.patterns() {
        let tried = selftest::syntaxes_tried(pattern);
        if !tried.is_empty() {
            println!(
                "{}: the secret of each example also tried in {} syntaxes",
                pattern.id,
                tried.len()
            );
            syntaxes = tried;
        }
    }
    if !syntaxes.is_empty() {
        println!("syntaxes: {}", syntaxes.join(", "));
    }
    let examples: usize = engine
        .patterns()
        .iter()
        .map(|p| p.examples().len() + p.negative_examples().len())
        .sum();
    println!(
        "{}, {}: {} passed, {} failed",
        crate::text::count(count, "pattern"),
        crate::text::count(examples, "example"),
        count - failing_patterns(&failures),
        failing_patterns(&failures)
    );
    Ok(if failures.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings(1)
    })
}

fn failing_patterns(failures: &[selftest::ExampleFailure]) -> usize {
    let mut ids: Vec<&str> = failures.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    ids.len()
}
