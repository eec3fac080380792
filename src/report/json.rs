//! `--format json` (one object: tool, findings, stats) and `--format jsonl` (one finding a line),
//! exactly as the README's "Output formats" documents. Whole secrets unless `--redact`.

use super::Style;
use crate::finding::{Finding, PairRef};
use crate::stats::Stats;
use crate::text::redact;
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Document<'a> {
    tool: Tool,
    findings: Vec<Cow<'a, Finding>>,
    stats: &'a Stats,
}

fn rendered(findings: &[Finding], style: Style) -> Vec<Cow<'_, Finding>> {
    findings
        .iter()
        .map(|f| {
            if style.redact {
                Cow::Owned(Finding {
                    secret: redact(&f.secret),
                    pair: f.pair.clone().map(|pair| PairRef {
                        secret: redact(&pair.secret),
                        ..pair
                    }),
                    ..f.clone()
                })
            } else {
                Cow::Borrowed(f)
            }
        })
        .collect()
}

/// # Errors
/// Write errors of `out`.
pub fn write_json(
    findings: &[Finding],
    stats: &Stats,
    style: Style,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let report = Document {
        tool: Tool {
            name: "keysweep",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: rendered(findings, style),
        stats,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// # Errors
/// Write errors of `out`.
pub fn write_jsonl(findings: &[Finding], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    for finding in rendered(findings, style) {
        serde_json::to_writer(&mut *out, &finding)?;
        writeln!(out)?;
    }
    Ok(())
}
