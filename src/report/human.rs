//! The human format, for a terminal or a CI log: findings grouped by file (in git scans by file,
//! commit and blob), each with its place, severity and rule, its line of context with the secret
//! marked in it, and its fingerprint.
//!
//! ```text
//! config/prod.env
//!   3:16  medium    Scaleway access key [scaleway.access_key]
//!       | SCW_ACCESS_KEY=SCWQ…
//!       |                ^^^^^
//!       = fingerprint d493ecdf6ea7
//! ```
//!
//! Secrets are shortened by [`redact`] unless `--show-secrets`, in the context too: neither the
//! secret nor any other secret of the report that shows on its line is ever printed whole.
//! Colour only when asked (a terminal without NO_COLOR): then the secret is highlighted instead
//! of underlined. Everything taken from the scanned data (paths, lines, commit messages and
//! authors) and from pattern files is sanitised: untrusted text must not move the cursor,
//! reorder the line or start a GitHub Actions workflow command (see [`crate::text::workflow`]).

use crate::text::sanitize;

use super::{short_id, Style};
use crate::finding::{Finding, Status};
use crate::pattern::Severity;
use crate::source::SourceKind;
use crate::text::{redact, workflow};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use unicode_width::UnicodeWidthStr;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const SECRET: &str = "\x1b[1;31m";
const GUTTER: &str = "\x1b[1;34m";
const COMMIT: &str = "\x1b[33m";

/// Characters of a commit message's first line shown.
const MESSAGE_CHARS: usize = 100;
/// Indent of the context, caret and fingerprint lines.
const GUTTER_INDENT: &str = "    ";

/// # Errors
/// Write errors of `out`.
pub fn write(findings: &[Finding], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    // Each field is sanitised, but fields meet on a line (text, then a secret starting with `[`):
    // the whole report is defused line by line too.
    let mut report = Vec::new();
    write_groups(findings, style, &mut report)?;
    let report = String::from_utf8(report).expect("the report is made of strings");
    out.write_all(workflow::defuse(&report).as_bytes())
}

fn write_groups(findings: &[Finding], style: Style, out: &mut dyn Write) -> std::io::Result<()> {
    let paint = Paint(style.color);
    let known = if style.show_secrets {
        None
    } else {
        KnownSecrets::new(findings)
    };
    for (n, group) in groups(findings).iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        write_group(group, style, paint, known.as_ref(), out)?;
    }
    Ok(())
}

/// Findings by file, and in git scans by commit and blob too (one version of a file): one heading
/// each. Files in the order they come (by path), the versions of a file oldest first.
fn groups(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    // Repository, path, commit, blob.
    type Version<'a> = (Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>);
    let mut index: HashMap<Version, usize> = HashMap::new();
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in findings {
        let key = (
            f.repository.as_deref(),
            f.path.as_str(),
            f.commit.as_ref().map(|c| c.id.as_str()),
            f.blob_id.as_deref(),
        );
        let n = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[n].push(f);
    }
    groups.sort_by_cached_key(|g| {
        let date = g[0].commit.as_ref().map(|c| c.date.unix_seconds());
        (g[0].repository.as_deref(), g[0].path.as_str(), date)
    });
    groups
}

fn write_group(
    group: &[&Finding],
    style: Style,
    paint: Paint,
    known: Option<&KnownSecrets>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let first = group[0];
    let shown = match &first.repository {
        Some(repository) => format!("{repository}: {}", first.path),
        None => first.path.clone(),
    };
    let mut heading = paint.on(BOLD, &sanitize(&shown));
    if let Some(commit) = &first.commit {
        heading.push_str(&format!(" @ {}", paint.on(COMMIT, &short(&commit.id))));
    } else if first.source == SourceKind::Staged {
        heading.push_str(" (staged)");
    }
    writeln!(out, "{heading}")?;
    if let Some(commit) = &first.commit {
        writeln!(
            out,
            "  commit {}  {} <{}>  {}",
            paint.on(COMMIT, &short(&commit.id)),
            sanitize(&commit.author),
            sanitize(&commit.email),
            commit.date,
        )?;
        writeln!(out, "         {}", first_line(&commit.message))?;
    }
    if let Some(blob) = &first.blob_id {
        writeln!(out, "  blob   {}", paint.on(DIM, &short(blob)))?;
    }
    // A secret over several lines (a private key) shows where it ends.
    let location = |f: &Finding| {
        if f.end_line > f.line {
            format!("{}:{}-{}:{}", f.line, f.column, f.end_line, f.end_column)
        } else {
            format!("{}:{}", f.line, f.column)
        }
    };
    let width = group.iter().map(|f| location(f).len()).max().unwrap_or(0);
    // The findings touching each line, for the other secrets a line of context shows.
    let mut by_line: HashMap<usize, Vec<&Finding>> = HashMap::new();
    for g in group {
        for line in g.line..=g.end_line.max(g.line) {
            by_line.entry(line).or_default().push(g);
        }
    }
    let by_line: HashMap<usize, LineFindings> = by_line
        .into_iter()
        .map(|(line, findings)| (line, LineFindings::new(line, findings)))
        .collect();
    for f in group {
        let severity = f.severity.as_str();
        // A secret its provider accepts says so first, before anything else about it.
        let live = f
            .verification
            .as_ref()
            .is_some_and(|v| v.status == crate::finding::Verification::Live);
        writeln!(
            out,
            "  {:<width$}  {}{}{:pad$}  {} [{}]{}{}",
            location(f),
            if live {
                format!("{} ", paint.on(severity_colour(Severity::Critical), "LIVE"))
            } else {
                String::new()
            },
            paint.on(severity_colour(f.severity), severity),
            "",
            paint.on(BOLD, &sanitize(&f.rule_name)),
            paint.on(DIM, &sanitize(&f.rule_id)),
            f.decoded
                .map(|how| format!(" (decoded from {how})"))
                .unwrap_or_default(),
            if f.confidence.is_some() {
                " (low confidence: a format check failed)"
            } else {
                ""
            },
            pad = "critical".len() - severity.len(),
        )?;
        let gutter = paint.on(GUTTER, "|");
        let context = Context::new(f, &by_line[&f.line], style, known);
        writeln!(out, "{GUTTER_INDENT}{gutter} {}", context.render(paint))?;
        if !style.color {
            writeln!(
                out,
                "{GUTTER_INDENT}{gutter} {}{}",
                " ".repeat(context.secret_column()),
                "^".repeat(context.secret_width().max(1))
            )?;
        }
        writeln!(
            out,
            "{GUTTER_INDENT}{} fingerprint {}",
            paint.on(GUTTER, "="),
            paint.on(DIM, &short(&f.fingerprint))
        )?;
        for (what, status) in [
            ("verification", f.verification.as_ref().map(Status::parts)),
            ("revocation", f.revocation.as_ref().map(Status::parts)),
        ] {
            if let Some((status, detail)) = status {
                writeln!(
                    out,
                    "{GUTTER_INDENT}{} {what}: {} ({})",
                    paint.on(GUTTER, "="),
                    paint.on(BOLD, status),
                    sanitize(detail)
                )?;
            }
        }
        if let Some(pair) = &f.pair {
            writeln!(
                out,
                "{GUTTER_INDENT}{} pairs with {} at {}:{}",
                paint.on(GUTTER, "="),
                sanitize(&pair.rule_id),
                pair.line,
                pair.column
            )?;
        }
    }
    Ok(())
}

/// A finding's line of context as shown: each piece sanitised, tabs as one space, secrets
/// shortened unless `--show-secrets`.
struct Context {
    pieces: Vec<(Piece, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Piece {
    Text,
    /// The finding's own secret.
    Secret,
    /// Another secret of the report, shortened.
    Hidden,
}

impl Context {
    /// The context of `f`; `same_line` holds the findings of the same blob touching its line.
    fn new(
        f: &Finding,
        same_line: &LineFindings,
        style: Style,
        known: Option<&KnownSecrets>,
    ) -> Self {
        let chars: Vec<char> = f.context.text.chars().collect();
        let n = chars.len();
        let own = f.context.secret.start.min(n)..f.context.secret.end.min(n);
        let hidden = if style.show_secrets {
            Vec::new()
        } else {
            let mut hidden = others_on_the_line(f, same_line, n);
            if let Some(known) = known {
                hidden.extend(known.find(&f.context.text));
            }
            hidden.sort_by_key(|(r, _)| r.start);
            hidden
        };
        let mut pieces = Vec::new();
        text_pieces(&chars, 0..own.start, &hidden, &mut pieces);
        let secret: String = if style.show_secrets && !own.is_empty() {
            chars[own.clone()].iter().collect()
        } else if style.show_secrets {
            // No context (not from a scan): the secret alone.
            f.secret.lines().next().unwrap_or("").to_string()
        } else {
            redact(&f.secret)
        };
        pieces.push((Piece::Secret, display(&secret)));
        text_pieces(&chars, own.end..n, &hidden, &mut pieces);
        Context { pieces }
    }

    fn render(&self, paint: Paint) -> String {
        self.pieces
            .iter()
            .map(|(kind, text)| match kind {
                Piece::Text => text.clone(),
                Piece::Secret => paint.on(SECRET, text),
                Piece::Hidden => paint.on(DIM, text),
            })
            .collect()
    }

    /// Terminal columns before the secret.
    fn secret_column(&self) -> usize {
        self.pieces
            .iter()
            .take_while(|(kind, _)| *kind != Piece::Secret)
            .map(|(_, text)| text.width())
            .sum()
    }

    /// Terminal columns of the secret as shown.
    fn secret_width(&self) -> usize {
        self.pieces
            .iter()
            .find(|(kind, _)| *kind == Piece::Secret)
            .map_or(0, |(_, text)| text.width())
    }
}

/// The characters `range` of a context line as pieces: text, and in its place each part of
/// `hidden` (sorted by start) it overlaps.
fn text_pieces(
    chars: &[char],
    range: Range<usize>,
    hidden: &[(Range<usize>, String)],
    pieces: &mut Vec<(Piece, String)>,
) {
    let mut text = String::new();
    let mut i = range.start;
    while i < range.end {
        match hidden.iter().find(|(r, _)| r.contains(&i)) {
            Some((r, replacement)) => {
                if !text.is_empty() {
                    pieces.push((Piece::Text, display(&std::mem::take(&mut text))));
                }
                pieces.push((Piece::Hidden, display(replacement)));
                i = r.end.min(range.end);
            }
            None => {
                text.push(chars[i]);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        pieces.push((Piece::Text, display(&text)));
    }
}

/// Untrusted text for one line of a terminal: sanitised, tabs as one space (so that the carets
/// under it line up whatever the tab stops).
fn display(text: &str) -> String {
    sanitize(&text.replace('\t', " "))
}

/// The findings of a blob touching one line, in report order, and where each lies on the line,
/// sorted: a context shows a few of them, found without looking at all (a line of minified code
/// can hold thousands).
struct LineFindings<'a> {
    findings: Vec<&'a Finding>,
    /// (first character on the line, end character or `usize::MAX` past the line, index in
    /// `findings`), sorted.
    spans: Vec<(usize, usize, usize)>,
    /// The furthest end among `spans[..=k]`.
    furthest: Vec<usize>,
}

impl<'a> LineFindings<'a> {
    fn new(line: usize, findings: Vec<&'a Finding>) -> Self {
        let mut spans: Vec<(usize, usize, usize)> = findings
            .iter()
            .enumerate()
            .map(|(n, g)| {
                let start = if g.line == line { g.column - 1 } else { 0 };
                let end = if g.end_line == line {
                    g.end_column - 1
                } else {
                    usize::MAX
                };
                (start, end, n)
            })
            .collect();
        spans.sort_unstable();
        let furthest = spans
            .iter()
            .scan(0, |furthest, &(_, end, _)| {
                *furthest = end.max(*furthest);
                Some(*furthest)
            })
            .collect();
        LineFindings {
            findings,
            spans,
            furthest,
        }
    }

    /// The findings that may show in characters `from..to` of the line (those starting there,
    /// and those starting before that reach into it), each with its start and end, in report
    /// order.
    fn near(&self, from: usize, to: usize) -> Vec<(&'a Finding, usize, usize)> {
        let upto = self.spans.partition_point(|&(start, _, _)| start < to);
        let mut near: Vec<(usize, usize, usize)> = Vec::new();
        for k in (0..upto).rev() {
            let (start, end, n) = self.spans[k];
            if start < from && self.furthest[k] <= from {
                break; // nothing from here back reaches `from`
            }
            near.push((n, start, end));
        }
        near.sort_unstable();
        near.into_iter()
            .map(|(n, start, end)| (self.findings[n], start, end))
            .collect()
    }
}

/// Where the other secrets of `same_line` (findings of the same blob touching `f`'s line) show
/// in `f`'s context (of `len` characters), whole or cut by its edges, each with what shows
/// instead: its shortened form, or `…` for a tail whose start is cut off.
fn others_on_the_line(
    f: &Finding,
    same_line: &LineFindings,
    len: usize,
) -> Vec<(Range<usize>, String)> {
    // Character `i` of the context is character `i + offset` of the line; a leading `…` (the
    // cut) stands for the characters before.
    let offset = (f.column - 1).saturating_sub(f.context.secret.start);
    same_line
        .near(offset, offset.saturating_add(len))
        .into_iter()
        .filter(|(g, _, _)| !std::ptr::eq(*g, f))
        .filter_map(|(g, start, end)| {
            let range = start.saturating_sub(offset)..end.saturating_sub(offset).min(len);
            let replacement = if start >= offset {
                redact(&g.secret)
            } else {
                "…".to_string()
            };
            (!range.is_empty()).then_some((range, replacement))
        })
        .collect()
}

/// Every secret of the report, to hide wherever it shows again: a line can hold a secret twice,
/// or one that is a finding only elsewhere (where its rule's context matched).
struct KnownSecrets {
    secrets: Vec<String>,
    matcher: AhoCorasick,
}

impl KnownSecrets {
    fn new(findings: &[Finding]) -> Option<Self> {
        let mut secrets: Vec<String> = findings
            .iter()
            .filter(|f| !f.secret.is_empty() && !f.secret.contains('\n'))
            .map(|f| f.secret.clone())
            .collect();
        secrets.sort_unstable();
        secrets.dedup();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&secrets)
            .ok()?;
        Some(KnownSecrets { secrets, matcher })
    }

    /// Character ranges of the known secrets in `text`, each with its shortened form.
    fn find(&self, text: &str) -> Vec<(Range<usize>, String)> {
        let char_at = |byte: usize| text[..byte].chars().count();
        self.matcher
            .find_iter(text)
            .map(|m| {
                (
                    char_at(m.start())..char_at(m.end()),
                    redact(&self.secrets[m.pattern().as_usize()]),
                )
            })
            .collect()
    }
}

/// A commit message's first line, sanitised and cut to [`MESSAGE_CHARS`].
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return "(no message)".to_string();
    }
    let mut shown: String = line.chars().take(MESSAGE_CHARS).collect();
    if line.chars().nth(MESSAGE_CHARS).is_some() {
        shown.push('…');
    }
    sanitize(&shown)
}

fn short(id: &str) -> String {
    sanitize(short_id(id))
}

#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn on(self, code: &str, text: &str) -> String {
        if self.0 && !text.is_empty() {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "\x1b[1;35m",
        Severity::High => "\x1b[1;31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::LineContext;

    #[test]
    fn versions_of_a_file_sort_by_commit_time_across_time_zones() {
        // Written in their authors' zones, the earlier commit reads as the later day.
        let at = |id: &str, seconds, offset| {
            let mut f = finding("k=SECRET", "SECRET");
            f.commit = Some(std::sync::Arc::new(crate::source::CommitInfo {
                id: id.repeat(40),
                author: "A".into(),
                email: "a@example.com".into(),
                date: crate::source::CommitTime::new(seconds, offset),
                message: "m".into(),
            }));
            f
        };
        let earlier = at("a", 1_700_000_000, 120);
        let later = at("b", 1_700_003_600, -600);
        assert_eq!(
            earlier.commit.as_ref().unwrap().date.to_string(),
            "2023-11-15T00:13:20+02:00"
        );
        assert_eq!(
            later.commit.as_ref().unwrap().date.to_string(),
            "2023-11-14T13:13:20-10:00"
        );
        let commits = |found: &[Finding]| -> Vec<String> {
            groups(found)
                .iter()
                .map(|g| g[0].commit.as_ref().unwrap().id.clone())
                .collect()
        };
        let order = vec!["a".repeat(40), "b".repeat(40)];
        assert_eq!(commits(&[later.clone(), earlier.clone()]), order);
        assert_eq!(commits(&[earlier, later]), order);
    }

    #[test]
    fn no_workflow_command_from_a_field_or_where_fields_meet() {
        assert_eq!(sanitize("::error::x ##[y]"), "\\u{3a}:error::x ##\\u{5b}y]");
        // Neither the text before the secret nor the secret holds `##[`; the line does.
        let mut f = finding("k=##[error]pwned", "[error]pwned");
        f.path = "::warning::p".into();
        let style = Style {
            show_secrets: true,
            ..Style::default()
        };
        let mut out = Vec::new();
        write(&[f], style, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("##["), "{text}");
        assert!(
            text.lines().all(|l| !l.trim_start().starts_with("::")),
            "{text}"
        );
    }

    /// A finding of `secret` in `line`, its context the whole line.
    fn finding(line: &str, secret: &str) -> Finding {
        let at = line.find(secret).unwrap();
        let start = line[..at].chars().count();
        let end = start + secret.chars().count();
        Finding {
            rule_id: "test.rule".into(),
            rule_name: "Test".into(),
            severity: Severity::High,
            secret: secret.into(),
            fingerprint: "f".repeat(64),
            repository: None,
            path: "p".into(),
            line: 1,
            column: start + 1,
            end_line: 1,
            end_column: end + 1,
            commit: None,
            blob_id: None,
            decoded: None,
            confidence: None,
            pair: None,
            verification: None,
            revocation: None,
            source: SourceKind::File,
            context: LineContext {
                text: line.into(),
                secret: start..end,
            },
        }
    }

    fn shown(f: &Finding, group: &[&Finding], show_secrets: bool) -> (String, usize, usize) {
        let style = Style {
            show_secrets,
            ..Style::default()
        };
        let all: Vec<Finding> = group.iter().map(|g| (*g).clone()).collect();
        let known = KnownSecrets::new(&all);
        let same_line = LineFindings::new(f.line, group.to_vec());
        let c = Context::new(f, &same_line, style, known.as_ref());
        (c.render(Paint(false)), c.secret_column(), c.secret_width())
    }

    #[test]
    fn context_shows_the_secret_shortened_and_where_it_is() {
        let f = finding("key =\t\"ABCDEFGHIJ\" # ok", "ABCDEFGHIJ");
        assert_eq!(
            shown(&f, &[&f], false),
            ("key = \"ABCD…\" # ok".into(), 7, 5)
        );
        assert_eq!(
            shown(&f, &[&f], true),
            ("key = \"ABCDEFGHIJ\" # ok".into(), 7, 10)
        );
        // Wide characters take two columns, escapes as many as they print.
        let f = finding("鍵\x1b=ABCDEFGHIJ", "ABCDEFGHIJ");
        assert_eq!(shown(&f, &[&f], false), ("鍵\\u{1b}=ABCD…".into(), 9, 5));
    }

    #[test]
    fn other_secrets_on_the_line_are_hidden_whole_or_cut() {
        let line = "a=ABCDEFGHIJ b=KLMNOPQRST c=ABCDEFGHIJ";
        let a = finding(line, "ABCDEFGHIJ");
        let b = finding(line, "KLMNOPQRST");
        assert_eq!(
            shown(&a, &[&a, &b], false).0,
            "a=ABCD… b=KLMN… c=ABCD…",
            "a repeat, and another finding"
        );
        assert_eq!(shown(&b, &[&a, &b], false).0, "a=ABCD… b=KLMN… c=ABCD…");
        // Cut contexts: the line is `xxABCDEFGHIJ =KLMNOPQRST yy` and each context keeps only 6
        // characters either side of its secret.
        let a = finding("xxABCDEFGHIJ =KLMN…", "ABCDEFGHIJ");
        let mut b = finding("…GHIJ =KLMNOPQRST yy", "KLMNOPQRST");
        b.column = 15;
        b.end_column = 25;
        assert_eq!(shown(&a, &[&a, &b], false).0, "xxABCD… =KLMN…");
        assert_eq!(shown(&b, &[&a, &b], false).0, "… =KLMN… yy");
        let (all, _, _) = shown(&b, &[&a, &b], true);
        assert_eq!(all, "…GHIJ =KLMNOPQRST yy", "--show-secrets hides nothing");
    }

    #[test]
    fn secrets_near_a_context_found_by_search_equal_those_found_by_looking_at_all() {
        // The definition before the search: every finding touching the line looked at.
        fn by_looking_at_all(
            f: &Finding,
            same_line: &[&Finding],
            len: usize,
        ) -> Vec<(Range<usize>, String)> {
            let offset = (f.column - 1).saturating_sub(f.context.secret.start);
            same_line
                .iter()
                .filter(|g| !std::ptr::eq(**g, f) && g.line <= f.line && f.line <= g.end_line)
                .filter_map(|g| {
                    let start = if g.line == f.line { g.column - 1 } else { 0 };
                    let end = if g.end_line == f.line {
                        g.end_column - 1
                    } else {
                        usize::MAX
                    };
                    let range = start.saturating_sub(offset)..end.saturating_sub(offset).min(len);
                    let replacement = if start >= offset {
                        redact(&g.secret)
                    } else {
                        "…".to_string()
                    };
                    (!range.is_empty()).then_some((range, replacement))
                })
                .collect()
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        for round in 0..500 {
            let line = 5;
            let findings: Vec<Finding> = (0..1 + next(30))
                .map(|n| {
                    let mut g = finding("x", "x");
                    g.secret = format!("secret{n}");
                    (g.line, g.column) = match next(5) {
                        0 => (line - 1 - next(2), 1 + next(50)),
                        _ => (line, 1 + next(400)),
                    };
                    let longest = if next(10) == 0 { 300 } else { 30 };
                    let length = 1 + next(longest);
                    (g.end_line, g.end_column) = match next(6) {
                        0 => (line + 1, 1 + next(50)),
                        _ if g.line < line => (line, 1 + next(400)),
                        _ => (line, g.column + length),
                    };
                    let before = next(70);
                    g.context.secret = before..before + length;
                    g
                })
                .collect();
            let group: Vec<&Finding> = findings.iter().collect();
            let same_line = LineFindings::new(line, group.clone());
            for f in findings.iter().filter(|f| f.line == line) {
                let len = f.context.secret.end + next(70);
                assert_eq!(
                    others_on_the_line(f, &same_line, len),
                    by_looking_at_all(f, &group, len),
                    "round {round}"
                );
            }
        }
    }
}
