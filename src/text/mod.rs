//! Text for people, shared by every layer that prints: terminal sanitising, secret redaction,
//! plurals, byte sizes and report paths. A leaf: it imports nothing else of keysweep.

pub mod workflow;

/// Untrusted text for a terminal or a CI log: [`escape_controls`], then
/// [`workflow::defuse`] so that it cannot start a GitHub Actions workflow command.
pub fn sanitize(text: &str) -> String {
    workflow::defuse(&escape_controls(text)).into_owned()
}

/// Escapes control characters, bidirectional controls and line separators so untrusted text
/// prints as what it is, on one line.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        );
        let separator = matches!(c, '\u{2028}' | '\u{2029}');
        if c.is_control() || bidi || separator {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The first 4 characters of a secret and `…`; fewer for short secrets, so that at least half
/// of a secret is always hidden.
pub fn redact(secret: &str) -> String {
    let count = secret.chars().count();
    let keep = 4.min(count / 2);
    let mut out: String = secret.chars().take(keep).collect();
    out.push('…');
    out
}

/// `n` and `noun`, in the plural unless `n` is 1: `1 finding`, `0 findings`, `2 attempts`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `1.5 MiB`-style sizes for people.
pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// Turns OS paths into report paths: `/` separators, no leading `./`.
pub fn display_path(path: &std::path::Path) -> String {
    let text = path
        .to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "/");
    let mut rest = text.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped.trim_start_matches('/');
    }
    rest.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_terminal_controls_and_bidi() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(sanitize("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(sanitize("x\u{2028}y\u{61c}"), "x\\u{2028}y\\u{61c}");
        assert_eq!(sanitize("plain/path.env"), "plain/path.env");
    }

    #[test]
    fn redact_keeps_four_characters_and_never_more_than_half() {
        assert_eq!(redact("SCW0123456789ABCDEFGH"), "SCW0…");
        assert_eq!(redact("abcdef"), "abc…");
        assert_eq!(redact("éèàç12345"), "éèàç…");
        assert_eq!(redact(""), "…");
    }
}
