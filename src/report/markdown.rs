//! The `markdown` format: a heading with the count and a table of findings (severity, rule,
//! place, shortened secret, commit), for a GitHub Actions job summary (`$GITHUB_STEP_SUMMARY`) or
//! a pull-request comment. Secrets are always shortened.
//!
//! Cells are sanitised and every ASCII punctuation character is backslash-escaped (GitHub
//! Flavored Markdown allows it), so a path cannot break the table, inject a link or HTML. The
//! table stops at [`MAX_BYTES`] (a job summary holds at most 1 MiB) and says how many rows it left
//! out.

use super::human::escape_controls;
use super::{redact, short_id};
use crate::finding::Finding;
use crate::scan::{human_bytes, Stats};
use std::fmt::Write as _;
use std::io::Write;

/// Bytes of table rows written before the rest are left to the SARIF or JSON report.
pub const MAX_BYTES: usize = 512 * 1024;

/// # Errors
/// Write errors of `out`.
pub fn write(findings: &[Finding], stats: &Stats, out: &mut dyn Write) -> std::io::Result<()> {
    let mut text = String::new();
    if stats.partial {
        text.push_str("> **Partial report**: the scan was interrupted.\n\n");
    }
    match findings.len() {
        0 => text.push_str("## keysweep: no secrets found\n\n"),
        1 => text.push_str("## keysweep: 1 secret found\n\n"),
        n => {
            let _ = write!(text, "## keysweep: {n} secrets found\n\n");
        }
    }
    if !findings.is_empty() {
        text.push_str("| Severity | Rule | Where | Secret | Commit |\n|---|---|---|---|---|\n");
        let table_start = text.len();
        for (n, f) in findings.iter().enumerate() {
            if text.len() - table_start > MAX_BYTES {
                let _ = write!(
                    text,
                    "\n{} more not shown here: see the SARIF or JSON report.\n",
                    findings.len() - n
                );
                break;
            }
            let commit = f.commit.as_ref().map_or("", |c| short_id(&c.id));
            let _ = writeln!(
                text,
                "| {} | {} ({}) | {}:{}:{} | {} | {} |",
                f.severity,
                cell(&f.rule_name),
                cell(&f.rule_id),
                cell(&f.path),
                f.line,
                f.column,
                cell(&redact(&f.secret)),
                commit,
            );
        }
        text.push_str(
            "\nRevoke each secret at its provider first: removing it from the code does not take \
             it out of the git history.\n",
        );
    }
    let _ = writeln!(
        text,
        "\nScanned {} {} ({}) in {} ms; {} skipped, {} errors.",
        stats.blobs_scanned,
        if stats.blobs_scanned == 1 {
            "file"
        } else {
            "files"
        },
        human_bytes(stats.bytes_scanned),
        stats.duration_ms,
        stats.skipped,
        stats.errors,
    );
    out.write_all(text.as_bytes())
}

/// Untrusted text as one table cell's literal text.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_controls(text).chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("[x](http://e)"), "\\[x\\]\\(http\\:\\/\\/e\\)");
        assert_eq!(cell("<img>\n"), "\\<img\\>\\\\u\\{a\\}");
    }

    #[test]
    fn cells_hold_no_workflow_command() {
        // Backslashes split both forms, should the table ever be printed to a CI log.
        assert_eq!(cell("::error::x"), "\\:\\:error\\:\\:x");
        assert_eq!(cell("a##[error]b"), "a\\#\\#\\[error\\]b");
    }
}
