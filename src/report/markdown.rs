//! The `markdown` format: a heading with the count and a table of findings (severity, rule,
//! place, shortened secret, fingerprint, commit), for a GitHub Actions job summary
//! (`$GITHUB_STEP_SUMMARY`) or a pull-request comment. Secrets are always shortened; a private key
//! block shows as its type (`RSA private key`).
//!
//! Text taken from the scanned data goes in code spans ([`code`]) fenced with more backticks than
//! it holds, so a path cannot make a link, an image, HTML or emphasis, and reads as it is in the
//! raw Markdown too. Only a `|` is escaped (GitHub splits table cells on it even inside a code
//! span), and the text is [`sanitize`]d first: one line, and no workflow command should the table
//! be printed in a CI log. The table stops at [`MAX_BYTES`] (a job summary holds at most 1 MiB)
//! and says how many rows it left out.

use super::{key_type, short_id};
use crate::finding::Finding;
use crate::stats::Stats;
use crate::text::{count, human_bytes, redact, sanitize};
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
    let _ = write!(
        text,
        "## keysweep: {}\n\n",
        match findings.len() {
            0 => "no findings".to_string(),
            n => count(n, "finding"),
        }
    );
    if !findings.is_empty() {
        text.push_str(
            "| Severity | Rule | Where | Secret | Fingerprint | Commit |\n\
             |---|---|---|---|---|---|\n",
        );
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
            let shown = key_type(&f.secret).unwrap_or_else(|| redact(&f.secret));
            let _ = writeln!(
                text,
                "| {} | {} ({}) | {} | {} | {} | {} |",
                f.severity,
                code(&f.rule_name),
                code(&f.rule_id),
                code(&match &f.repository {
                    Some(repository) => format!("{repository}: {}:{}:{}", f.path, f.line, f.column),
                    None => format!("{}:{}:{}", f.path, f.line, f.column),
                }),
                code(&shown),
                short_id(&f.fingerprint),
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
        "\nScanned {} ({}) in {} ms; {} skipped, {}.",
        count(stats.blobs_scanned as usize, "file"),
        human_bytes(stats.bytes_scanned),
        stats.duration_ms,
        stats.skipped,
        count(stats.errors as usize, "error"),
    );
    out.write_all(text.as_bytes())
}

/// Untrusted text as a code span: fenced with one backtick more than its longest run of
/// backticks, padded with a space when it starts or ends with a backtick or a space (CommonMark
/// strips one from each side), and `|` escaped.
fn code(text: &str) -> String {
    let text = sanitize(text).replace('|', "\\|");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn cells_are_code_spans_that_cannot_break_the_table_or_inject_markup() {
        assert_eq!(code("config/.env:3:16"), "`config/.env:3:16`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(
            code("[x](http://e) ![i](j) <img>"),
            "`[x](http://e) ![i](j) <img>`"
        );
        assert_eq!(code("a`b``c"), "```a`b``c```");
        assert_eq!(code("`x` "), "`` `x`  ``");
        assert_eq!(code("line\nbreak"), "`line\\u{a}break`");
    }

    #[test]
    fn cells_hold_no_workflow_command() {
        // Should the table ever be printed in a CI log.
        assert_eq!(code("::error::x"), "`\\u{3a}:error::x`");
        assert_eq!(code("a##[error]b"), "`a##\\u{5b}error]b`");
    }
}
