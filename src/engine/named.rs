//! The named-value check: is this value given the name a pattern declares (`names` in its file)?
//!
//! A value counts as named when the syntax right before it assigns it to a name — `NAME=v`,
//! `"name": "v"`, `name: v`, `<name>v</name>`, `--name v`, `Name("v")`, `X-Name: v`, `name is v` —
//! and either that name holds a provider phrase and a kind word (`mandrill_api_key`), or it is
//! the provider alone (`new Mandrill('v')`), or it holds a kind word (`api_key`, `<secret>`) and
//! the provider is named by an enclosing key (`mandrill:` above, less indented), or on the same
//! line or the three above (`# Mandrill`, a credential's description). The value must also end
//! where a value ends (a quote, a space, `;`, the end of the line).
//!
//! Names are compared as words (`crate::pattern::names`), so a pattern never spells syntaxes.

use crate::pattern::names::{split_words, Names, Phrases, DEFAULT_KINDS, NAME_REACH, QUALIFIERS};
use std::ops::Range;

/// How much of the value's line, before it, may hold its name.
const MAX_LABEL: usize = 256;
/// How many lines above an enclosing key may be, and how many bytes back.
const MAX_PARENT_LINES: usize = 40;
const MAX_PARENT_BYTES: usize = NAME_REACH;
/// Lines above the value whose words count as near (a comment, a description element).
const NEAR_LINES_ABOVE: usize = 3;
/// Lines at the head of a file whose comments name what the file is for.
const HEADER_LINES: usize = 3;

/// Whether the value at `secret` in `hay` is named as `names` asks.
pub(crate) fn is_named(names: &Names, hay: &[u8], secret: Range<usize>) -> bool {
    let line_start = memchr::memrchr(b'\n', &hay[..secret.start]).map_or(0, |i| i + 1);
    let label_start = line_start.max(secret.start.saturating_sub(MAX_LABEL));
    let name = name_before(&hay[label_start..secret.start]);
    if name.as_ref().is_some_and(|n| names.names_another(&n.words)) {
        return false;
    }
    // `SENTRY_KEY` below `INSTANA_ZONE=`: a name that says another provider is that one's,
    // whatever provider is named near it. (A generic rule names no provider.)
    if !names.is_generic()
        && name.as_ref().is_some_and(|n| {
            !names.has_provider(&n.words) && names.names_another_provider(&n.words)
        })
    {
        return false;
    }
    if names.near {
        return name.is_some_and(|n| names.has_provider(&n.words))
            || provider_near(names, hay, line_start, &secret, false)
            || provider_in_parents(names, hay, line_start);
    }
    let Some(Name { mut words, loose }) = name else {
        return false;
    };
    if words.last().is_some_and(|w| w == TRANSPARENT_MARK) {
        words.pop();
        // The enclosing key first: it names the block the line's words belong to.
        let mut named = split_words(parent_key(hay, line_start).unwrap_or_default());
        named.append(&mut words);
        words = named;
    }
    if !closes(hay, secret.end) {
        return false;
    }
    if names.is_generic() {
        // Only the name says it is a secret: it must be assigned, not mentioned in a sentence.
        return !loose && names.ends_with_kind(&words);
    }
    if names.has_provider(&words) && (names.has_kind(&words) || names.is_provider_only(&words)) {
        return true;
    }
    if names.has_kind(&words) {
        return provider_in_parents(names, hay, line_start)
            || provider_near(names, hay, line_start, &secret, false);
    }
    // `<secret>v</secret>` below `<description>Postmark Account Token</description>`.
    is_bare_kind(&words) && provider_near(names, hay, line_start, &secret, true)
}

/// Whether a name is one default kind word alone (`secret`, `token`): it says a secret is
/// there, not which.
fn is_bare_kind(words: &[String]) -> bool {
    matches!(words, [word] if DEFAULT_KINDS.contains(&word.as_str()))
}

/// Where the window of a generic rule's kind word ending at `from` ends (`end` at most): a name
/// is on its value's line, so at the end of the line; unless a line below may leave the name to
/// the enclosing key, the kind word's line (`password:` above `  value: v`): one more indented
/// than it, before any line that is not, and whose first word is a qualifier. Most kind words in
/// code are followed by lines of code, not by their value.
pub(crate) fn kind_word_reach(hay: &[u8], from: usize, end: usize) -> usize {
    let Some(eol) = memchr::memchr(b'\n', &hay[from..end]).map(|i| from + i) else {
        return end;
    };
    // The kind word's indentation, when its line starts near enough to find cheaply.
    let back = from.saturating_sub(MAX_LABEL);
    let line_start = match memchr::memrchr(b'\n', &hay[back..from]) {
        Some(i) => Some(back + i + 1),
        None => (back == 0).then_some(0),
    };
    let indent = line_start.map(|start| indentation(&hay[start..]));
    let mut start = eol + 1;
    while start < end {
        let line_end = memchr::memchr(b'\n', &hay[start..end]).map_or(end, |i| start + i);
        let line = &hay[start..line_end];
        let depth = indentation(line);
        if depth < line.len() {
            if indent.is_some_and(|indent| depth <= indent) {
                break;
            }
            if starts_with_qualifier(&line[depth..]) {
                return end;
            }
        }
        start = line_end + 1;
    }
    // The line break itself may end the value.
    eol + 1
}

/// Whether the first word of `line` may be a qualifier. A generic rule's value on a line below
/// the kind word is named by the enclosing key only if every word before it on its line is a
/// qualifier (`value`, `default`, `prod`): any other word would end the name instead.
fn starts_with_qualifier(line: &[u8]) -> bool {
    let Some(start) = line
        .iter()
        .position(|&b| b.is_ascii_alphanumeric() || b == b'\n')
    else {
        return false;
    };
    let word = &line[start..];
    // Most lines start with another letter: one table lookup before whole words.
    QUALIFIER_START[usize::from(word[0])]
        && QUALIFIERS.iter().any(|q| {
            word.get(..q.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(q.as_bytes()))
        })
}

/// The bytes a qualifier starts with, in either case.
const QUALIFIER_START: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < QUALIFIERS.len() {
        let first = QUALIFIERS[i].as_bytes()[0];
        table[first.to_ascii_lowercase() as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table
};

/// Bytes after which a value may start: an operator, a quote, a space, a separator, a bracket.
pub(crate) const OPENS_VALUE: &[u8] = b"=:\"'` \t,(>[{";

/// What a named value must look like at its two ends: after a byte that opens a value (an
/// operator, a quote, a space, a bracket) and before one that ends it. Checked first: most
/// candidates in a window are words of the text around a name, and fail here for the cost of two
/// byte lookups.
pub(crate) fn could_be_named(names: &Names, hay: &[u8], secret: &Range<usize>) -> bool {
    if names.near {
        return true;
    }
    let opens = secret.start == 0 || OPENS_VALUE.contains(&hay[secret.start - 1]);
    opens && closes(hay, secret.end) && quotes_match(hay, secret)
}

/// Whether a value opened by a quote ends at a quote (or a backslash escaping one, or the end
/// of the text): `'authority` of Rust's `Password<'authority>` is a lifetime, not a quoted
/// value. Any quote will do: the value's alphabet may hold the other quotes (`'`abc'`).
fn quotes_match(hay: &[u8], secret: &Range<usize>) -> bool {
    const QUOTES: &[u8] = b"\"'`\\";
    match secret.start.checked_sub(1).map(|i| hay[i]) {
        Some(b'"' | b'\'' | b'`') => hay.get(secret.end).is_none_or(|b| QUOTES.contains(b)),
        _ => true,
    }
}

/// Lines either way of a value where a phrase marks it public (`public_near`).
const PUBLIC_LINES: usize = 5;

/// Whether one of `phrases` is on the value's line or within [`PUBLIC_LINES`] lines of it.
pub(crate) fn public_near(phrases: &Phrases, hay: &[u8], secret: Range<usize>) -> bool {
    let mut start = secret.start;
    for _ in 0..=PUBLIC_LINES {
        start = memchr::memrchr(b'\n', &hay[..start]).unwrap_or(0);
        if start == 0 {
            break;
        }
    }
    let mut end = secret.end;
    for _ in 0..=PUBLIC_LINES {
        match memchr::memchr(b'\n', &hay[end.min(hay.len())..]) {
            Some(i) => end += i + 1,
            None => {
                end = hay.len();
                break;
            }
        }
    }
    let start = start.max(secret.start.saturating_sub(MAX_PARENT_BYTES));
    let end = end.min(hay.len()).min(secret.end + MAX_PARENT_BYTES);
    phrases.in_text(&hay[start..end])
}

/// Whether a value may end at `end`: the end of the text, a space, a quote, a closing bracket
/// or separator, or a full stop ending a sentence.
fn closes(hay: &[u8], end: usize) -> bool {
    match hay.get(end) {
        None => true,
        Some(b'.') => hay.get(end + 1).is_none_or(u8::is_ascii_whitespace),
        Some(&b) => b.is_ascii_whitespace() || b"\"'`,;)]}>&<|\\".contains(&b),
    }
}

/// The words of the name that `label` (the value's line up to the value) gives the value, or
/// `None` when the text right before the value is not a way of naming one.
fn name_before(label: &[u8]) -> Option<Name> {
    let blank = |b: u8| b == b' ' || b == b'\t';
    let quote = |b: u8| b"\"'`\\".contains(&b);
    // The value's opening quotes right before it (`"v"`, `\"v\"` inside a JSON string); a
    // quote before a space closes a quoted name instead (`"pwd" v`).
    let unquoted = trim_end(label, quote);
    let quoted = unquoted.len() < label.len();
    let mut rest = trim_end(unquoted, blank);
    // An unquoted word after `->` is a member (`$self->command($pass)->response`).
    if !quoted && rest.ends_with(b"->") {
        return None;
    }
    let separated = quoted || rest.len() < unquoted.len();
    if separated {
        rest = trim_end(strip_value_prefix(rest), blank);
    }
    let (rest, operator) = strip_operator(rest);
    // `${NAME:-default}`, `$(command)`: the value is a variable's default or a command.
    if matches!(operator, Some(b'{' | b'(')) && rest.ends_with(b"$") {
        return None;
    }
    // Without an operator only a space, a quote or an opening tag may separate name and value
    // (`--key v`, `<key>v`).
    if operator.is_none() && !separated && !rest.ends_with(b">") {
        return None;
    }
    // A later argument of a call is named by the call and the arguments before it:
    // `Header.Set("X-Mandrill-Key", "v")`, `WithAuth("id", "v")`.
    // After a `,` that is not in a call (a list, an object literal) the value has no name.
    let (rest, earlier_arguments) = match operator {
        Some(b',') => skip_arguments(rest)?,
        _ => (rest, &b""[..]),
    };
    let rest = trim_end(rest, blank);
    let unquoted_name = trim_end(rest, |b| b"\"'`".contains(&b));
    let name_was_quoted = unquoted_name.len() < rest.len();
    let rest = unquoted_name;
    let rest = strip_type(rest);
    // Where a literal must be quoted, an unquoted value is code: a variable in a dict literal
    // (`{'become_pass': becomepass}`), an index (`password[defaults`).
    if !quoted
        && (matches!(operator, Some(b'[')) && !name_was_quoted
            || matches!(operator, Some(b':')) && name_was_quoted)
    {
        return None;
    }
    // `a, b := "x", "y"`: the first value is the first name's.
    if matches!(operator, Some(b'=')) && assigns_a_list(rest) {
        return None;
    }
    let tag = rest.ends_with(b">");
    let name = if tag {
        tag_name(rest)?
    } else if rest.ends_with(b")") {
        // A call's result called: `require('@mailchimp/mailchimp_transactional')('v')`; a
        // word after a remark in parentheses is prose (`C(--password) parameter passed`).
        if !quoted && operator.is_none() {
            return None;
        }
        call_argument(rest)?
    } else if matches!(operator, Some(b':' | b' ')) {
        // Prose names a value with several words: `the splunk api key is v`, `mandrill token: v`.
        prose_name(rest)
    } else {
        name_chunk(rest)
    };
    // Named by a space alone (`pass through`) or by prose, not by an assignment, a quote, a tag
    // or a flag (`--password v`). Prose that quotes the value (`the password is 'v'`) sets it
    // apart as firmly as an assignment does. An argument that is not quoted is a variable
    // (`pbkdf(salt, password, iterations)`), or a word of a list in a sentence.
    let loose = match operator {
        None => !quoted && !tag && !name.starts_with(b"-"),
        Some(b' ' | b'(' | b',') => !quoted,
        Some(_) => false,
    };
    // Without an operator, a word before a value names it (`--token v`, `set KEY v`, `password
    // v`), but a quoted word, a variable or a URL is a value of its own: `"file://$PWD" dir`,
    // `--exec "pwd" HEAD~2`.
    if operator.is_none() && !tag && (name_was_quoted || name.contains(&b'$') || has(name, b"://"))
    {
        return None;
    }
    let mut words = split_words(without_flag_letter(name));
    // A one-letter flag says what it takes by convention (`codecov -t v`, `mysql -p v`): worth
    // a kind for a provider's pattern, which needs its provider nearby too; too little for a
    // generic rule, which treats it as a loose name.
    let short_flag = SHORT_FLAGS.iter().find(|(flag, _)| name == *flag);
    if let Some((_, kind)) = short_flag {
        words.push(kind.to_string());
    }
    let loose = loose || short_flag.is_some();
    words.extend(split_words(earlier_arguments));
    // `value="v"` beside `key="MandrillKey"`, `default = "v"` in a block named for the secret:
    // the name is the rest of the line, and the enclosing key.
    if !words.is_empty() && words.iter().all(|w| TRANSPARENT.contains(&w.as_str())) {
        words = split_words(label);
        words.push(TRANSPARENT_MARK.into());
    }
    (!words.is_empty()).then_some(Name { words, loose })
}

/// Whether `rest` names several variables at once (`a, b` of `a, b := "x", "y"`; `var a, b`).
fn assigns_a_list(rest: &[u8]) -> bool {
    let ident = |p: &[u8]| {
        !p.is_empty()
            && p.iter()
                .all(|&b| b.is_ascii_alphanumeric() || b"_$.".contains(&b))
    };
    let parts: Vec<&[u8]> = rest.split(|&b| b == b',').map(|p| p.trim_ascii()).collect();
    let Some((first, others)) = parts.split_first() else {
        return false;
    };
    // One keyword may come first (`var`, `let`, `local`).
    let first_words = first.split(|&b| b == b' ').filter(|w| !w.is_empty());
    !others.is_empty()
        && others.iter().all(|p| ident(p))
        && first_words.clone().count() <= 2
        && first_words.into_iter().all(ident)
}

/// The name before a value: its words, and whether only a space or prose gave it.
struct Name {
    words: Vec<String>,
    loose: bool,
}

fn has(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Ends the words of a name that said only "the value" (never a word of a real name: words are
/// letters and digits).
const TRANSPARENT_MARK: &str = "=";

/// A Java or Gradle property flag's name without its letter: `sonar.token` of
/// `-Dsonar.token`, `gradle.publish.key` of `-Pgradle.publish.key`.
fn without_flag_letter(name: &[u8]) -> &[u8] {
    match name {
        [b'-', b'D' | b'P', rest @ ..]
            if rest.first().is_some_and(u8::is_ascii_lowercase) && rest.contains(&b'.') =>
        {
            rest
        }
        _ => name,
    }
}

/// One-letter flags and the kind of value they take in most command lines.
const SHORT_FLAGS: &[(&[u8], &str)] = &[
    (b"-t", "token"),
    (b"-k", "key"),
    (b"-p", "password"),
    (b"-s", "secret"),
];

/// Names that say only "the value": the real name is elsewhere on the line.
const TRANSPARENT: &[&str] = &["value", "val", "data", "content", "text", "default"];

/// Words that may stand between a name and its value inside the value's quotes.
const VALUE_PREFIXES: &[&[u8]] = &[b"bearer", b"token", b"basic", b"apikey"];

/// `rest` without a [`VALUE_PREFIXES`] word at its end (a word of its own: after a space, a
/// quote, `:` or `=`).
fn strip_value_prefix(rest: &[u8]) -> &[u8] {
    for prefix in VALUE_PREFIXES {
        if rest.len() >= prefix.len() {
            let (head, word) = rest.split_at(rest.len() - prefix.len());
            let whole = head.last().is_none_or(|b| b" \t\"':=".contains(b));
            if whole && word.eq_ignore_ascii_case(prefix) {
                return head;
            }
        }
    }
    rest
}

/// Strips one assignment operator (`=`, `:`, `:=`, `=>`, `->`, `(`, `,`, `[`, `{`, or a prose
/// `is`/`to`) with the spaces around it; returns what is left and the operator's last byte.
fn strip_operator(rest: &[u8]) -> (&[u8], Option<u8>) {
    // Comparisons too: `password == "x"` is a password written in the code.
    let operators = [
        &b"==="[..],
        b"!==",
        b"==",
        b"!=",
        b":=",
        b"=>",
        b"->",
        b"=",
        b":",
        b"(",
        b",",
        b"[",
        b"{",
    ];
    for op in operators {
        if let Some(head) = rest.strip_suffix(op) {
            let head = trim_end(head, |b| b == b' ' || b == b'\t');
            return (head, op.last().copied());
        }
    }
    for word in [&b"is"[..], b"are", b"was", b"to", b"as"] {
        if let Some(head) = rest.strip_suffix(word) {
            if head.last().is_some_and(|&b| b == b' ') {
                let head = trim_end(head, |b| b == b' ');
                // `pass to` is the verb: `the repositories you pass to `git-archimport``.
                if word == b"to" && name_chunk(head).eq_ignore_ascii_case(b"pass") {
                    return (rest, None);
                }
                return (head, Some(b' '));
            }
        }
    }
    (rest, None)
}

/// Before the `,` of a later argument: skips the earlier arguments back to the call's `(`;
/// returns the text before the `(` and the arguments skipped. In a list (`[`), the element
/// before the value is its name. `None` when neither opens them (an object literal).
fn skip_arguments(all: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut rest = all;
    let skipped = |rest: &[u8]| &all[rest.len()..];
    // The element right before the value: in a list (`["--token", "v"]`) it is the name.
    let mut previous: Option<&[u8]> = None;
    for _ in 0..8 {
        rest = trim_end(rest, |b| b == b' ' || b == b'\t');
        let end = rest.len();
        rest = match rest.last() {
            Some(&q @ (b'"' | b'\'' | b'`')) => {
                let body = &rest[..rest.len() - 1];
                match memchr::memrchr(q, body) {
                    Some(open) => &rest[..open],
                    // The line starts inside the string (a wrapped argument list).
                    None => return Some((&b""[..], all)),
                }
            }
            _ => {
                let chunk = name_chunk(rest);
                &rest[..rest.len() - chunk.len()]
            }
        };
        previous.get_or_insert(&all[rest.len()..end]);
        rest = trim_end(rest, |b| b == b' ' || b == b'\t');
        match rest.last() {
            Some(b',') => rest = &rest[..rest.len() - 1],
            // A call's `(` follows its name; after a space it opens a remark in prose:
            // `a longer word (`dbpassword`, `appsecret`)`.
            Some(b'(') => {
                let callee = &rest[..rest.len() - 1];
                return match callee.last() {
                    Some(b) if b.is_ascii_whitespace() => None,
                    _ => Some((callee, skipped(rest))),
                };
            }
            Some(b'[') => return previous.map(|p| (&b""[..], p)),
            // A call without parentheses (Groovy, Ruby, Perl, shell): a command word before
            // quoted arguments, `buildConfigField 'String', 'API_KEY', '"v"'`,
            // `property 'sonar.login', 'v'`.
            Some(b)
                if b.is_ascii_alphanumeric() && end > rest.len() && quoted(&all[rest.len()..]) =>
            {
                return Some((rest, skipped(rest)))
            }
            None if quoted(all) => return Some((rest, skipped(rest))),
            _ => return None,
        }
    }
    None
}

/// Whether the arguments before a value start with a quoted one: in a call without
/// parentheses only a quoted argument tells a call from a sentence with a comma.
fn quoted(arguments: &[u8]) -> bool {
    arguments
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| b"\"'`".contains(b))
}

/// Words that are a declaration's type, not its name (`var mandrillKey string = "v"`).
const TYPE_WORDS: &[&[u8]] = &[
    b"string",
    b"str",
    b"&str",
    b"&'static str",
    b"String",
    b"char*",
];

/// `rest` without a type written after or before the name: `name: string`, `NAME: &str`,
/// `name string` (Go), so that the name is what remains at the end.
fn strip_type(rest: &[u8]) -> &[u8] {
    if let Some(colon) = memchr::memrchr(b':', rest) {
        let ty = trim_end(&rest[colon + 1..], |b| b == b' ' || b == b'\t');
        let ty = &ty[ty.iter().take_while(|&&b| b == b' ').count()..];
        let simple = ty.len() <= 32
            && !ty.is_empty()
            && ty.iter().all(|&b| {
                b.is_ascii_alphanumeric()
                    || b"_&<>[]?.'".contains(&b)
                    || (b == b' ' && ty[0] == b'&')
            });
        if simple && colon > 0 && rest[colon - 1] != b':' {
            return trim_end(&rest[..colon], |b| b == b' ' || b == b'\t');
        }
    }
    for ty in TYPE_WORDS {
        if let Some(head) = rest.strip_suffix(*ty) {
            if head.last() == Some(&b' ') {
                return trim_end(head, |b| b == b' ' || b == b'\t');
            }
        }
    }
    rest
}

/// The name at the end of `rest`: letters, digits and the punctuation names and access paths
/// are spelled with (`ENV["MANDRILL_KEY"]`, `config.mandrill.key`, `$MANDRILL_KEY`).
fn name_chunk(rest: &[u8]) -> &[u8] {
    let start = rest
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || b"_-.$@[]\"'/".contains(&b)))
        .map_or(0, |i| i + 1);
    &rest[start..]
}

/// The name chunk at the end of `rest` and up to three plain words before it, each after one
/// space: `the splunk api key` of `note: the splunk api key`.
fn prose_name(rest: &[u8]) -> &[u8] {
    let mut start = rest.len() - name_chunk(rest).len();
    for _ in 0..3 {
        let Some(space) = start.checked_sub(1).filter(|&i| rest[i] == b' ') else {
            break;
        };
        let word_start = rest[..space]
            .iter()
            .rposition(|b| !b.is_ascii_alphabetic())
            .map_or(0, |i| i + 1);
        if word_start == space || (word_start > 0 && rest[word_start - 1] != b' ') {
            break;
        }
        start = word_start;
    }
    &rest[start..]
}

/// The inside of the parentheses `rest` ends with.
fn call_argument(rest: &[u8]) -> Option<&[u8]> {
    let mut depth = 0usize;
    for (i, &b) in rest.iter().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&rest[i + 1..rest.len() - 1]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The element name of an opening tag at the end of `rest` (`<secret>`, `<add key="x">`).
fn tag_name(rest: &[u8]) -> Option<&[u8]> {
    let open = memchr::memrchr(b'<', rest)?;
    let tag = &rest[open + 1..rest.len() - 1];
    let end = tag
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'/')
        .unwrap_or(tag.len());
    // Attributes may hold the name (`<string name="mandrill_key">`): keep them as words.
    Some(if end < tag.len() { tag } else { &tag[..end] })
}

fn trim_end(mut s: &[u8], strip: impl Fn(u8) -> bool) -> &[u8] {
    while let Some((&last, head)) = s.split_last() {
        if !strip(last) {
            break;
        }
        s = head;
    }
    s
}

/// Whether a provider phrase is on the value's line, on one of the few lines above it or on
/// the line below, staying inside the value's block: a line less indented than the value's, or
/// a `[section]` header, belongs to another block.
fn provider_near(
    names: &Names,
    hay: &[u8],
    line_start: usize,
    value: &Range<usize>,
    bare_kind: bool,
) -> bool {
    let value_end = value.end;
    let indent = indentation(&hay[line_start..]);
    let other_block = |line: &[u8]| {
        let depth = indentation(line);
        depth < indent || line[depth..].starts_with(b"[")
    };
    let mut start = line_start;
    for _ in 0..NEAR_LINES_ABOVE {
        if start == 0 || line_start - start > MAX_LABEL * 4 {
            break;
        }
        let above = memchr::memrchr(b'\n', &hay[..start - 1]).map_or(0, |i| i + 1);
        if other_block(&hay[above..start - 1]) {
            break;
        }
        start = above;
    }
    let line_end =
        |from: usize| memchr::memchr(b'\n', &hay[from..]).map_or(hay.len(), |i| from + i);
    let mut end = line_end(value_end);
    if end < hay.len() {
        let below = line_end(end + 1);
        if !other_block(&hay[end + 1..below]) {
            end = below;
        }
    }
    let end = end.min(value_end + MAX_LABEL);
    let mut words = split_words(&hay[start..value.start]);
    // The value's own words count only where its format spells them (`secret_…`, a host name
    // `mattermost.acme.io`): a random token's letters split at their case changes spell
    // anything (a GitHub token's `…AaWcsAA…` is not Weaviate Cloud's `wcs`).
    words.extend(
        hay[value.start..value_end]
            .split(|b| !b.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase()),
    );
    words.extend(split_words(&hay[value_end..end]));
    near_names(names, &words, bare_kind) || (!bare_kind && header_names_provider(names, hay))
}

/// Whether the words near a value name it: they hold a provider phrase and no `unless` phrase
/// (`# Postmark account token` above `token: v` names no server token). When the value's own
/// name is a bare kind (`<secret>`, `token:`), the near words must also hold one of the
/// pattern's kind phrases: a credential's description says which secret it is.
fn near_names(names: &Names, words: &[String], bare_kind: bool) -> bool {
    names.has_provider(words)
        && !names.names_another(words)
        && (!bare_kind || names.has_kind(words))
}

/// Whether a comment among the first lines of the file names the provider
/// (`# ~/.config/ngrok/ngrok.yml`, `// Stripe settings`): it names what the whole file is for.
fn header_names_provider(names: &Names, hay: &[u8]) -> bool {
    hay.split(|&b| b == b'\n')
        .take(HEADER_LINES)
        .map(|line| &line[indentation(line)..])
        .filter(|line| line.starts_with(b"#") || line.starts_with(b"//") || line.starts_with(b";"))
        .any(|line| {
            near_names(
                names,
                &split_words(&line[..line.len().min(MAX_LABEL)]),
                false,
            )
        })
}

/// Whether an enclosing line names a provider: the nearest line above with less indentation,
/// and the one above that, and so on (YAML, pretty JSON, XML, Python dicts, a shell command
/// continued on indented lines), or the comment right above one of them; or a TOML/INI
/// `[section]` header above.
fn provider_in_parents(names: &Names, hay: &[u8], line_start: usize) -> bool {
    let mut indent = indentation(&hay[line_start..]);
    for (start, line) in lines_above(hay, line_start) {
        let depth = indentation(line);
        let text = &line[depth..];
        if text.is_empty() {
            continue;
        }
        let section = text.starts_with(b"[");
        if depth < indent || (section && depth <= indent) {
            // The whole line: its value may name the provider too (`- uses: codecov/action`,
            // `curl https://api.deepgram.com \`), and so may a comment right above it.
            if names.has_provider(&split_words(&text[..text.len().min(MAX_LABEL)]))
                || comment_above(hay, start).is_some_and(|c| names.has_provider(&split_words(c)))
            {
                return true;
            }
            if depth == 0 {
                // Top level: nothing encloses it, and a section's keys end at the next one.
                return false;
            }
            indent = depth;
        }
    }
    false
}

/// The lines above the one starting at `line_start`, nearest first, each with its start: at
/// most [`MAX_PARENT_LINES`] of them within [`MAX_PARENT_BYTES`].
fn lines_above(hay: &[u8], line_start: usize) -> impl Iterator<Item = (usize, &[u8])> {
    let floor = line_start.saturating_sub(MAX_PARENT_BYTES);
    let mut end = line_start;
    std::iter::from_fn(move || {
        if end <= floor || end == 0 {
            return None;
        }
        let start = memchr::memrchr(b'\n', &hay[..end - 1]).map_or(0, |i| i + 1);
        let line = &hay[start..end - 1];
        end = start;
        Some((start, line))
    })
    .take(MAX_PARENT_LINES)
}

/// The comment on the line above the one starting at `line_start`, if it is one.
fn comment_above(hay: &[u8], line_start: usize) -> Option<&[u8]> {
    let end = line_start.checked_sub(1)?;
    let start = memchr::memrchr(b'\n', &hay[..end]).map_or(0, |i| i + 1);
    let line = &hay[start..end];
    let text = &line[indentation(line)..];
    (text.starts_with(b"#") || text.starts_with(b"//")).then(|| &text[..text.len().min(MAX_LABEL)])
}

/// The key of the nearest line above that is less indented than the one at `line_start`.
fn parent_key(hay: &[u8], line_start: usize) -> Option<&[u8]> {
    let indent = indentation(&hay[line_start..]);
    lines_above(hay, line_start).find_map(|(_, line)| {
        let depth = indentation(line);
        (depth < line.len() && depth < indent).then(|| key_of(&line[depth..]))
    })
}

/// The key a line opens (`mandrill:`, `"mandrill": {`, `<mandrill>`, `[mandrill]`): the text
/// before its first `:`, `=` or `{`, or all of it.
fn key_of(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .position(|b| b":={".contains(b))
        .unwrap_or(text.len());
    &text[..end]
}

fn indentation(line: &[u8]) -> usize {
    line.iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::names::NamesSpec;

    fn names(near: bool) -> Names {
        Names::compile(&NamesSpec {
            provider: vec!["mandrill".into(), "mailchimp transactional".into()],
            kind: None,
            near,
            unless: Vec::new(),
        })
        .unwrap()
    }

    const V: &str = "zK8hcuVkS5gCUkvDciKyAA";

    /// Whether the value `V` in `text` is named as Mandrill's.
    fn named(text: &str) -> bool {
        let at = text.find(V).expect("the text holds the value");
        is_named(&names(false), text.as_bytes(), at..at + V.len())
    }

    #[test]
    fn a_value_named_in_common_syntaxes_is_named() {
        for text in [
            format!("MANDRILL_API_KEY={V}\n"),
            format!("export MANDRILL_KEY=\"{V}\"\n"),
            format!("set -x MANDRILL_TOKEN {V}\n"),
            format!("mandrill_api_key: {V}\n"),
            format!("mandrill:\n  api_key: {V}\n"),
            format!("- uses: acme/mandrill-action@v2\n  with:\n    token: {V}\n"),
            format!("# mandrill\nenv:\n  access_token: {V}\n"),
            format!("curl https://mandrillapp.com/api \\\n  -H \"Authorization: Token {V}\"\n"),
            format!("{{\n  \"mandrill\": {{\n    \"apiKey\": \"{V}\"\n  }}\n}}\n"),
            format!("{{\"mandrill\": {{\"key\": \"{V}\"}}}}"),
            format!("[mandrill]\nkey = \"{V}\"\n"),
            format!("<mandrillApiKey>{V}</mandrillApiKey>"),
            format!("<description>mandrill token</description>\n<secret>{V}</secret>"),
            format!("<add key=\"MandrillApiKey\" value=\"{V}\" />"),
            format!("curl -H \"X-Mandrill-Key: {V}\" https://example.com"),
            format!("mandrill-cli --api-key {V}"),
            format!("./mandrill -t {V} -f report.xml"),
            format!("args = [\"--mandrill-key\", \"{V}\"]"),
            format!("java -Dmandrill.token={V} -jar app.jar"),
            format!("# mandrill.yml\nversion: 2\nagent:\n  authtoken: {V}\n"),
            format!("mandrill.init('{V}', 'production')"),
            format!("tool --mandrill-token={V}"),
            format!("const mandrillAPIKey = \"{V}\""),
            format!("client = mandrill.Mandrill('{V}')"),
            format!("const c = new Mandrill(\"{V}\");"),
            format!("require('@mailchimp/mailchimp_transactional')(\"{V}\");"),
            format!("m := mandrill.New(mandrill.WithAuth(\"me\", \"{V}\"))"),
            format!("private static final String MANDRILL_API_KEY = \"{V}\";"),
            format!("ENV['MANDRILL_KEY'] = '{V}'"),
            format!("Server=x;MandrillKey={V};"),
            format!("the mandrill token is {V}."),
            format!("mandrill token: {V}"),
            format!("$mandrill_key = '{V}';"),
            format!("-H 'Authorization: Bearer {V}' https://mandrillapp.com/api"),
            format!("buildConfigField 'String', 'MANDRILL_API_KEY', '\"{V}\"'"),
            format!("property 'mandrill.token', '{V}'"),
            format!("mandrill.token', '{V}'"),
        ] {
            assert!(named(&text), "not named: {text}");
        }
    }

    #[test]
    fn a_value_not_named_so_is_not() {
        for text in [
            format!("SENDGRID_API_KEY={V}\n"),
            format!("mandrill_user_id = \"{V}\""),
            format!("api_key: {V}\n"),
            format!("mandrill:\n  enabled: true\nother:\n  api_key: {V}\n"),
            format!("MANDRILL_API_KEY=x{V}\n"),
            format!("MANDRILL_API_KEY={V}x9/y\n"),
            format!("MANDRILL_API_KEY=${{{V}}}\n"),
            format!("mandrill_key=\"$PWD/${{{V}:-x}}\"\n"),
            format!("mandrill_api_key = settings.{V}\n"),
            format!("./mandrill -o {V} -f report.xml"),
            format!("git clone \"file://$MANDRILL_KEY\" {V}\n"),
            format!("run --exec \"mandrill-key\" {V}\n"),
            format!("{{mandrillKey:\"x\",{V}:1}}"),
            format!("[mandrill]\nx = 1\n[other]\nkey = \"{V}\"\n"),
            format!("a = 1\nb = 2\nc = 3\n# mandrill\n\n\n\n\nkey = \"{V}\"\n"),
            V.to_string(),
        ] {
            assert!(!named(&text), "named: {text}");
        }
    }

    #[test]
    fn a_quoted_value_ends_at_a_quote() {
        let could = |text: &str| {
            let at = text.find(V).unwrap();
            could_be_named(&names(false), text.as_bytes(), &(at..at + V.len()))
        };
        assert!(could(&format!("mandrill_key = '{V}'")));
        assert!(could(&format!("mandrill_key = \"'{V}'\"")));
        assert!(could(&format!("mandrill_key = \\\"{V}\\\"")));
        assert!(!could(&format!("mandrill_key: Option<Key<'{V}>>")));
    }

    fn names_of(provider: &[&str], kind: &[&str], unless: &[&str]) -> Names {
        let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Names::compile(&NamesSpec {
            provider: strings(provider),
            kind: Some(strings(kind)),
            near: false,
            unless: strings(unless),
        })
        .unwrap()
    }

    fn named_by(names: &Names, text: &str) -> bool {
        let at = text.find(V).expect("the text holds the value");
        is_named(names, text.as_bytes(), at..at + V.len())
    }

    #[test]
    fn unless_phrases_name_another_secret_of_the_provider() {
        let server = names_of(&["mandrill"], &["token", "key"], &["account"]);
        let account = names_of(&["mandrill"], &["account key"], &[]);
        let credential = |what: &str| {
            format!("<description>{what} for the deploy job</description>\n<secret>{V}</secret>")
        };
        assert!(named_by(&server, &format!("MANDRILL_KEY={V}")));
        assert!(!named_by(&server, &format!("MANDRILL_ACCOUNT_KEY={V}")));
        assert!(named_by(&account, &format!("MANDRILL_ACCOUNT_KEY={V}")));
        assert!(!named_by(&server, &format!("# Mandrill account\nkey: {V}")));
        // The provider alone names the plain secret, not a qualified one.
        assert!(named_by(&server, &format!("new Mandrill('{V}')")));
        assert!(!named_by(&account, &format!("new Mandrill('{V}')")));
        // A bare `<secret>` takes its kind from the credential's description.
        assert!(named_by(&account, &credential("Mandrill Account Key")));
        assert!(!named_by(&account, &credential("Mandrill")));
        assert!(!named_by(&server, &credential("Mandrill Account Key")));
    }

    #[test]
    fn a_name_that_says_another_provider_is_that_providers() {
        let mut mandrill = names(false);
        let sentry = names_of(&["sentry"], &["key"], &[]);
        mandrill.all_providers = std::sync::Arc::new(crate::pattern::names::ProviderIndex::new(
            mandrill.providers.iter().chain(&sentry.providers),
        ));
        assert!(named_by(&mandrill, &format!("# mandrill\nAPI_KEY={V}")));
        assert!(!named_by(&mandrill, &format!("# mandrill\nSENTRY_KEY={V}")));
        assert!(!named_by(
            &mandrill,
            &format!("mandrill:\n  sentry_key: {V}")
        ));
        assert!(named_by(&mandrill, &format!("MANDRILL_SENTRY_KEY={V}")));
    }

    #[test]
    fn a_generic_rule_needs_a_value_set_apart() {
        let generic = names_of(&[], &["password"], &[]);
        assert!(named_by(&generic, &format!("the password is '{V}'")));
        assert!(named_by(
            &generic,
            &format!("connect(host, password='{V}')")
        ));
        assert!(named_by(
            &generic,
            &format!("login(\"admin\", password, \"{V}\")")
        ));
        assert!(!named_by(&generic, &format!("the password is {V}")));
        assert!(!named_by(
            &generic,
            &format!("pbkdf(salt, password, {V}, 1)")
        ));
        assert!(!named_by(&generic, &format!("getPassword({V})")));
        assert!(!named_by(
            &generic,
            &format!("a word that ends a kind (`dbpassword`, `{V}`) is glued")
        ));
    }

    #[test]
    fn a_generic_window_ends_with_the_kind_words_line_unless_a_block_below_starts_with_a_qualifier()
    {
        let hay = b"token = x\nnext line\n";
        assert_eq!(kind_word_reach(hay, 5, hay.len()), 10);
        let hay = b"token:\n  Value: x\n";
        assert_eq!(kind_word_reach(hay, 5, hay.len()), hay.len());
        let hay = b"token = {\n  \"defaultValue\": x\n";
        assert_eq!(kind_word_reach(hay, 5, hay.len()), hay.len());
        let hay = b"  token:\n  value: x\n";
        assert_eq!(
            kind_word_reach(hay, 7, hay.len()),
            9,
            "not below the kind word"
        );
        let hay = b"token:\n\n  x: 1\n  value: x\n";
        assert_eq!(kind_word_reach(hay, 5, hay.len()), hay.len());
        assert_eq!(kind_word_reach(hay, 5, 6), 6);
    }

    #[test]
    fn near_names_need_only_the_provider_nearby() {
        let text = format!("# mandrill bot\nvalues = [\"{V}\"]\n");
        let at = text.find(V).unwrap();
        assert!(is_named(&names(true), text.as_bytes(), at..at + V.len()));
        assert!(!named(&text));
    }
}
