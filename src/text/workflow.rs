//! GitHub Actions workflow commands in a CI log: scanned text that keysweep
//! prints must not become one.
//!
//! How the runner reads each line of a step's stdout and stderr (actions/runner,
//! `ActionCommand.TryParseV2` then `TryParse`):
//! - a line whose text, after leading whitespace, starts with `::` and has a second `::` is a
//!   command (`::error file=…::message`, `::add-mask::…`, `::stop-commands::…`);
//! - the legacy form `##[name …]data` is a command wherever `##[` is in the line;
//! - both searches use .NET's culture-sensitive string comparison, which skips characters that
//!   collate as nothing (soft hyphen, zero-width space, variation selectors…), so `#\u{ad}#[`
//!   may count as `##[`.
//!
//! [`defuse`] breaks both forms in untrusted text with the escape [`super::sanitize`]
//! already uses for control characters, so the text stays readable: a leading `::` becomes
//! `\u{3a}:` and `##[` becomes `##\u{5b}`. [`fenced`] also wraps the human report on stdout in
//! `::stop-commands::TOKEN` … `::TOKEN::` under GitHub Actions, with a fresh random token, so that
//! the runner processes nothing in between even if some text escaped both rules.
//!
//! JSON, JSONL and SARIF go through [`JsonDefuse`], which writes that `[` as `\u005b`: the same
//! JSON value, so a report printed in a log (`--format json | tee`) runs nothing either. (A JSON
//! line never starts with `::`.)

use std::borrow::Cow;
use std::io::Write;

/// The escapes of `:` and `[`, in the `\u{…}` form of the human format.
const COLON: &str = "\\u{3a}";
const BRACKET: &str = "\\u{5b}";

/// `text` with every line's leading `::` and every `##[` broken (see the module doc); other text
/// unchanged. Works line by line (`\n` and `\r` end a line, as for the runner).
pub fn defuse(text: &str) -> Cow<'_, str> {
    if !text.contains([':', '[']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    // Only whitespace and ignorable characters so far on this line.
    let mut line_start = true;
    // Where the line's first visible character, a `:`, is in `out`.
    let mut leading_colon: Option<usize> = None;
    // `#` in a row (ignorable characters aside) just before.
    let mut hashes = 0;
    for c in text.chars() {
        if c == '\n' || c == '\r' {
            out.push(c);
            (line_start, leading_colon, hashes) = (true, None, 0);
            continue;
        }
        if is_ignorable(c) {
            out.push(c);
            continue;
        }
        if let Some(at) = leading_colon.take() {
            if c == ':' {
                out.replace_range(at..at + 1, COLON);
            }
        }
        if line_start && !c.is_whitespace() {
            line_start = false;
            if c == ':' {
                leading_colon = Some(out.len());
            }
        }
        legacy_form(c, &mut hashes, BRACKET, &mut out);
    }
    Cow::Owned(out)
}

/// Pushes `c` (not ignorable) to `out`, as `escape` if it is the `[` of a `##[`; `hashes` counts
/// the `#` just before.
fn legacy_form(c: char, hashes: &mut usize, escape: &str, out: &mut String) {
    if c == '[' && *hashes >= 2 {
        out.push_str(escape);
        *hashes = 0;
    } else {
        *hashes = if c == '#' { *hashes + 1 } else { 0 };
        out.push(c);
    }
}

/// A writer of JSON text that writes the `[` of every `##[` as `\u005b`. In JSON a `#` can only
/// be inside a string, so the escape always is too, and the value read back is the same.
pub struct JsonDefuse<'a> {
    out: &'a mut dyn Write,
    hashes: usize,
    /// The start of a character cut by the end of the last write.
    partial: Vec<u8>,
}

impl<'a> JsonDefuse<'a> {
    pub fn new(out: &'a mut dyn Write) -> Self {
        JsonDefuse {
            out,
            hashes: 0,
            partial: Vec::new(),
        }
    }
}

impl Write for JsonDefuse<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.partial);
        bytes.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&bytes) {
            Ok(_) => bytes.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            // Not UTF-8 (serde_json writes only UTF-8): passed on as it is.
            Err(_) => {
                self.hashes = 0;
                self.out.write_all(&bytes)?;
                return Ok(buf.len());
            }
        };
        let text = std::str::from_utf8(&bytes[..valid]).expect("checked above");
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if is_ignorable(c) {
                out.push(c);
            } else {
                legacy_form(c, &mut self.hashes, "\\u005b", &mut out);
            }
        }
        self.out.write_all(out.as_bytes())?;
        self.partial = bytes[valid..].to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.write_all(&std::mem::take(&mut self.partial))?;
        self.out.flush()
    }
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters a
/// culture-sensitive comparison skips. Control characters are escaped before this is used.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether keysweep runs in a GitHub Actions job (the runner sets `GITHUB_ACTIONS=true`).
pub fn under_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Runs `render` on `out`; under GitHub Actions, what it writes (if anything) goes between
/// `::stop-commands::TOKEN` and `::TOKEN::` lines, TOKEN random for each run so that the text in
/// between cannot guess it and resume commands early.
///
/// # Errors
/// Write errors of `out`.
pub fn fenced(
    out: &mut dyn Write,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if !under_github_actions() {
        return render(out);
    }
    let mut fence = FencedWriter {
        out,
        token: uuid::Uuid::new_v4().simple().to_string(),
        open: false,
    };
    render(&mut fence)?;
    fence.close()
}

/// A writer that opens the fence at its first byte and closes it when done (or dropped, so that
/// commands resume even after a write error).
struct FencedWriter<'a> {
    out: &'a mut dyn Write,
    token: String,
    open: bool,
}

impl FencedWriter<'_> {
    fn close(&mut self) -> std::io::Result<()> {
        if std::mem::take(&mut self.open) {
            writeln!(self.out, "::{}::", self.token)?;
        }
        Ok(())
    }
}

impl Write for FencedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.open && !buf.is_empty() {
            writeln!(self.out, "::stop-commands::{}", self.token)?;
            self.open = true;
        }
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl Drop for FencedWriter<'_> {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_double_colon_is_broken_whatever_comes_before() {
        assert_eq!(defuse("::error::x"), "\\u{3a}:error::x");
        assert_eq!(defuse("  \t::warning::x"), "  \t\\u{3a}:warning::x");
        assert_eq!(defuse("\u{a0}\u{3000}::x::y"), "\u{a0}\u{3000}\\u{3a}:x::y");
        assert_eq!(defuse("\u{200b}:\u{ad}:x::"), "\u{200b}\\u{3a}\u{ad}:x::");
        assert_eq!(defuse("ok\n ::add-mask::x"), "ok\n \\u{3a}:add-mask::x");
        assert_eq!(defuse("ok\r::add-mask::x"), "ok\r\\u{3a}:add-mask::x");
    }

    #[test]
    fn colons_elsewhere_are_left_alone() {
        for text in [
            "std::env::var",
            ": :x",
            ":sparkles: add a feature",
            "a ::b",
            "C:\\x",
        ] {
            assert_eq!(defuse(text), text);
        }
    }

    #[test]
    fn the_legacy_form_is_broken_anywhere() {
        assert_eq!(defuse("a ##[error]b"), "a ##\\u{5b}error]b");
        assert_eq!(defuse("###[x]"), "###\\u{5b}x]");
        assert_eq!(defuse("#\u{ad}#\u{200b}[x]"), "#\u{ad}#\u{200b}\\u{5b}x]");
        assert_eq!(defuse("##[a]##[b]"), "##\\u{5b}a]##\\u{5b}b]");
        for text in ["# [x]", "#[x]", "## [x]", "#\n#[x]", "[##]"] {
            assert_eq!(defuse(text), text);
        }
    }

    #[test]
    fn defused_text_holds_neither_form() {
        let hostile = "::error::a ##[error]b\n\u{feff}::x::\r#\u{fe0f}#[set-output]";
        let once = defuse(hostile).into_owned();
        assert!(!once.contains("##["), "{once}");
        assert!(once.lines().all(|l| !l.trim_start().starts_with("::")));
        assert_eq!(defuse(&once), once, "defusing twice changes nothing more");
    }

    #[test]
    fn json_keeps_its_value_but_loses_the_legacy_form() {
        let value = serde_json::json!({"path": "a ##[error]b #\u{ad}#[x] é##[", "n": [1]});
        let mut out = Vec::new();
        let mut json = JsonDefuse::new(&mut out);
        // Written a byte at a time: a character cut between writes still comes out whole.
        for byte in serde_json::to_vec_pretty(&value).unwrap() {
            json.write_all(&[byte]).unwrap();
        }
        json.flush().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("##["), "{text}");
        assert!(text.contains("#\u{ad}#\\u005bx]"), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
    }

    #[test]
    fn the_fence_opens_only_when_something_is_written() {
        let mut out = Vec::new();
        let mut fence = FencedWriter {
            out: &mut out,
            token: "t0k".into(),
            open: false,
        };
        fence.close().unwrap();
        fence.write_all(b"report\n").unwrap();
        fence.close().unwrap();
        drop(fence);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::stop-commands::t0k\nreport\n::t0k::\n"
        );
    }
}
