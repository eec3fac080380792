//! The human format: one block per finding, secrets shortened unless `--show-secrets`, colour
//! only when asked (a terminal without NO_COLOR). Paths are sanitised: a file name is untrusted
//! text and must not move the cursor or reorder the line.

use super::{redact, Style};
use crate::finding::Finding;
use crate::pattern::Severity;
use std::io::Write;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

/// # Errors
/// Write errors of `out`.
pub fn write(findings: &[Finding], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let paint = |code: &str, text: &str| {
        if style.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    for (n, f) in findings.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let secret = if style.show_secrets {
            sanitize(&f.secret)
        } else {
            sanitize(&redact(&f.secret))
        };
        writeln!(
            out,
            "{}  {}  {}",
            paint(
                BOLD,
                &format!("{}:{}:{}", sanitize(&f.path), f.line, f.column)
            ),
            paint(severity_colour(f.severity), f.severity.as_str()),
            f.rule_name,
        )?;
        writeln!(out, "    rule:        {}", f.rule_id)?;
        writeln!(out, "    secret:      {}", paint(BOLD, &secret))?;
        writeln!(out, "    fingerprint: {}", paint(DIM, &f.fingerprint))?;
    }
    Ok(())
}

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "\x1b[1;35m",
        Severity::High => "\x1b[1;31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
    }
}

/// Escapes control characters and bidirectional overrides so untrusted text prints as what it is.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
        if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn sanitize_escapes_terminal_controls_and_bidi() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(sanitize("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(sanitize("plain/path.env"), "plain/path.env");
    }
}
