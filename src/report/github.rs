//! The `github` format: one GitHub Actions workflow command per finding,
//! `::error file=PATH,line=L,col=C,endLine=…,endColumn=…,title=…::message`, so that each finding
//! shows as an annotation on the pull request's diff. The command follows the severity as SARIF's
//! level does: `error` for critical and high, `warning` for medium, `notice` for low. Exactly one
//! line per finding (the Action counts them). The secret is always shortened: workflow logs are
//! often public.
//!
//! Everything taken from the scanned data is sanitised first (no control or bidi characters), then
//! escaped as the runner expects (`%`, CR, LF; in properties also `:` and `,`), so a hostile path
//! can neither end the command early nor start another one. A `##[` in a path or message is left
//! as it is, so that the annotation names the real file: the runner tries the legacy `##[` form
//! only on a line that is not a `::` command, and every line here is one.

use super::short_id;
use crate::finding::Finding;
use crate::pattern::Severity;
use crate::text::{escape_controls, redact};
use std::io::Write;

/// # Errors
/// Write errors of `out`.
pub fn write(findings: &[Finding], out: &mut dyn Write) -> std::io::Result<()> {
    for f in findings {
        let mut properties = Vec::new();
        if f.path != "<stdin>" {
            properties.push(format!("file={}", property(&f.path)));
        }
        properties.push(format!("line={},col={}", f.line, f.column));
        properties.push(format!("endLine={},endColumn={}", f.end_line, f.end_column));
        properties.push(format!("title={}", property(&f.rule_name)));
        writeln!(
            out,
            "::{} {}::{}",
            command(f.severity),
            properties.join(","),
            data(&message(f))
        )?;
    }
    Ok(())
}

/// The annotation's kind: the same three levels as the SARIF report's.
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

fn message(f: &Finding) -> String {
    let place = match &f.commit {
        Some(c) => format!(
            " was committed in {} by {} on {}",
            short_id(&c.id),
            c.author,
            c.date
        ),
        None => String::new(),
    };
    format!(
        "{} {}{place} [{}, {}, fingerprint {}]. Revoke it at its provider, then remove it; \
         deleting the line does not take it out of the git history.",
        f.rule_name,
        redact(&f.secret),
        f.rule_id,
        f.severity,
        short_id(&f.fingerprint),
    )
}

/// A command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    escape_controls(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command property's value: also `:` and `,`, which end a value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_have_the_sarif_reports_levels() {
        for severity in [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ] {
            let sarif = crate::report::sarif::level(severity);
            // GitHub calls SARIF's `note` a notice.
            assert_eq!(command(severity), sarif.replace("note", "notice"));
        }
    }

    #[test]
    fn hostile_text_cannot_end_or_start_a_command() {
        let path = "a,b:c%\n::warning::x\u{202E}.env";
        let escaped = property(path);
        assert!(
            !escaped.contains(['\n', '\r', ',', ':', '\u{202E}']),
            "{escaped}"
        );
        assert!(escaped.starts_with("a%2Cb%3Ac%25"), "{escaped}");
        assert_eq!(data("50%\r\nok"), "50%25\\u{d}\\u{a}ok");
    }

    /// The runner's `UnescapeProperty`, in its order.
    fn unescape_property(text: &str) -> String {
        [
            ("%0D", "\r"),
            ("%0A", "\n"),
            ("%3A", ":"),
            ("%2C", ","),
            ("%25", "%"),
        ]
        .iter()
        .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
    }

    #[test]
    fn a_legacy_command_in_a_path_stays_inside_the_one_annotation() {
        let path = "##[add-mask]x/::error::y,%3A ##[stop-commands]z.env";
        let escaped = property(path);
        assert!(
            !escaped.contains("::") && !escaped.contains(','),
            "{escaped}"
        );
        // The `file` property reads back as the real path, so the annotation lands on it.
        assert_eq!(unescape_property(&escaped), path);
    }
}
