//! Reports: render findings as human text, JSON, JSONL, SARIF, GitHub Actions annotations or a
//! Markdown table. Only [`crate::text::redact`] shortens a secret, so every format shortens it the same way.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

/// Kept where callers above the reports have always found it; it lives in [`crate::text`].
/// Kept where callers above the reports have always found them; they live in [`crate::text`].
use crate::finding::Finding;
use crate::pattern::Pattern;
use crate::stats::Stats;
use crate::text::workflow;
use std::io::Write as _;

/// The output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One block per finding, for people; secrets shortened unless --show-secrets.
    Human,
    /// One JSON object with tool, findings and stats.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning; secrets always shortened.
    Sarif,
    /// GitHub Actions annotations (`::error file=…,line=…::`), one line per finding; secrets
    /// always shortened.
    Github,
    /// A Markdown table for a job summary or a pull-request comment; secrets always shortened.
    Markdown,
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Shorten secrets in json/jsonl (`--redact`).
    pub redact: bool,
    /// Whole secrets in the human format (`--show-secrets`).
    pub show_secrets: bool,
    /// ANSI colours (human format on a terminal, NO_COLOR unset).
    pub color: bool,
}

/// The type of a PEM or PGP private key block (`RSA private key`, `OpenSSH private key`, `PGP
/// private key block`), named by its `-----BEGIN …-----` line: more telling than its first
/// characters, which are always `----`. `None` for any other secret.
pub fn key_type(secret: &str) -> Option<String> {
    let label = secret.strip_prefix("-----BEGIN ")?.split_once("-----")?.0;
    let plain = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ';
    if label.is_empty() || label.len() > 40 || !label.chars().all(plain) {
        return None;
    }
    let words: Vec<String> = label
        .split(' ')
        .map(|word| match word {
            "PRIVATE" | "KEY" | "BLOCK" | "ENCRYPTED" => word.to_ascii_lowercase(),
            "OPENSSH" => "OpenSSH".to_string(),
            _ => word.to_string(), // RSA, EC, DSA, PGP, SSH2
        })
        .collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase(); // "Private key" (PKCS #8), "Encrypted private key"
    }
    Some(text)
}

/// The first 12 characters of a commit id, blob id or fingerprint: what every format shows.
pub fn short_id(id: &str) -> &str {
    id.char_indices().nth(12).map_or(id, |(end, _)| &id[..end])
}

/// Something that kept the scan from reading all it was asked to, for the reports that carry
/// notifications (SARIF): one per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A stable id: `read-errors`, `object-errors`, `repository-errors`, `nothing-scanned`.
    pub id: &'static str,
    /// One line for people, already sanitised.
    pub text: String,
}

/// Everything a report is made from.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    /// What went wrong while scanning (empty when everything was read).
    pub problems: &'a [Problem],
    /// All loaded patterns (SARIF describes the rules that have results).
    pub patterns: &'a [Pattern],
    /// The SARIF run's `automationDetails` ([`sarif::Automation::detect`]).
    pub automation: &'a sarif::Automation,
}

/// Writes `report` in `format`.
///
/// # Errors
/// Only write errors of `out`.
pub fn write(
    format: Format,
    report: &Report,
    style: Style,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(report.findings, style, out),
        Format::Json => {
            let mut out = workflow::JsonDefuse::new(out);
            json::write_json(report.findings, report.stats, style, &mut out)?;
            out.flush()
        }
        Format::Jsonl => {
            let mut out = workflow::JsonDefuse::new(out);
            json::write_jsonl(report.findings, style, &mut out)?;
            out.flush()
        }
        Format::Github => github::write(report.findings, out),
        Format::Markdown => markdown::write(report.findings, report.stats, out),
        Format::Sarif => {
            if let Some(warning) = &report.automation.warning {
                eprintln!("keysweep: warning: {warning}");
            }
            let mut out = workflow::JsonDefuse::new(out);
            let dropped = sarif::write(report, &mut out)?;
            out.flush()?;
            if dropped > 0 {
                let (verb, noun) = if dropped == 1 {
                    ("is", "finding")
                } else {
                    ("are", "findings")
                };
                crate::notice!(
                    "keysweep: warning: SARIF capped at {} results (GitHub's limit); {dropped} \
                     more {noun} {verb} in the JSON report",
                    sarif::MAX_RESULTS
                );
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn private_key_blocks_are_named_by_their_type() {
        use super::key_type;
        for (begin, shown) in [
            ("RSA PRIVATE KEY", "RSA private key"),
            ("OPENSSH PRIVATE KEY", "OpenSSH private key"),
            ("PGP PRIVATE KEY BLOCK", "PGP private key block"),
            ("PRIVATE KEY", "Private key"),
            ("ENCRYPTED PRIVATE KEY", "Encrypted private key"),
            ("EC PRIVATE KEY", "EC private key"),
        ] {
            let block = format!("-----BEGIN {begin}-----\nMIIB\n-----END {begin}-----");
            assert_eq!(key_type(&block).as_deref(), Some(shown));
        }
        assert_eq!(key_type("SCW0123456789ABCDEFGH"), None);
        assert_eq!(key_type("-----BEGIN <a href=x>-----"), None);
    }
}
