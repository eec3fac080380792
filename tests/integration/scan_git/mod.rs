//! Git sources: `--history` (every blob every ref reaches, each scanned once, credited to
//! the commit that introduced it), `--range A..B` (what a push adds), `--staged` (what `git commit`
//! would add), and the repositories that go wrong: not a repository, empty, shallow, submodules,
//! LFS pointers, big blobs, missing objects, detached HEAD, non-UTF-8 names and messages.
//! Shared helpers here; the tests in the submodules.

mod bad_repos;
mod cache;
mod changes;
mod history;
mod shards;

use crate::util::{Found, GitRepo, Output, GIT_AUTHOR, GIT_AUTHOR_EMAIL};

/// The one finding whose secret is `secret`.
#[track_caller]
pub(super) fn the_finding(findings: &[Found], secret: &str) -> Found {
    let hits: Vec<&Found> = findings.iter().filter(|f| f.secret == secret).collect();
    assert_eq!(
        hits.len(),
        1,
        "expected one finding of {secret}, got: {findings:#?}"
    );
    hits[0].clone()
}

/// Each finding as a user compares two reports: fingerprint, place and commit.
pub(super) fn located(out: &Output) -> Vec<String> {
    let mut all: Vec<String> = out.json()["findings"]
        .as_array()
        .expect("a JSON report")
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{} {}",
                f["fingerprint"], f["path"], f["line"], f["column"], f["commit"]["id"]
            )
        })
        .collect();
    all.sort();
    all
}

/// The secrets found, sorted.
pub(super) fn secrets(findings: &[Found]) -> Vec<String> {
    sorted(findings.iter().map(|f| f.secret.clone()).collect())
}

pub(super) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[track_caller]
pub(super) fn assert_no_secret_on_stderr(out: &Output, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !out.stderr.contains(s),
            "stderr shows the secret {s}:\n{}",
            out.stderr
        );
    }
}

/// Seconds since the Unix epoch of an RFC 3339 date-time (`2023-11-14T22:13:20+02:00`).
#[track_caller]
pub(super) fn unix_seconds(date: &str) -> i64 {
    let bad = || panic!("not an RFC 3339 date-time: {date:?}");
    let b = date.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        bad();
    }
    let num = |r: std::ops::Range<usize>| -> i64 { date[r].parse().unwrap_or_else(|_| bad()) };
    let (y, mo, d) = (num(0..4), num(5..7), num(8..10));
    let secs = num(11..13) * 3600 + num(14..16) * 60 + num(17..19);
    let mut rest = &date[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            bad();
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let o = rest[1..3].parse::<i64>().unwrap_or_else(|_| bad()) * 3600
                + rest[4..6].parse::<i64>().unwrap_or_else(|_| bad()) * 60;
            if rest.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => bad(),
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    days * 86400 + secs - offset
}

#[test]
pub(super) fn rfc3339_parser_used_by_these_tests() {
    assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), 0);
    assert_eq!(unix_seconds("2023-11-15T00:13:20+02:00"), 1_700_000_000);
    assert_eq!(unix_seconds("2023-11-14T22:13:20.5Z"), 1_700_000_000);
}

/// Checks the commit of a history or range finding against what git says of `id` (its five
/// keys are checked as the report is read, by `Output::findings`).
#[track_caller]
pub(super) fn assert_commit(finding: &Found, repo: &GitRepo, id: &str) {
    let commit = finding
        .commit
        .as_ref()
        .unwrap_or_else(|| panic!("no commit in {finding:#?}"));
    assert_eq!(commit.id, id, "wrong commit in {finding:#?}");
    assert_eq!(commit.author, GIT_AUTHOR, "the author, not the committer");
    assert_eq!(commit.email, GIT_AUTHOR_EMAIL);
    let author_time: i64 = repo
        .git(&["log", "-1", "--format=%at", id])
        .parse()
        .unwrap();
    assert_eq!(
        unix_seconds(&commit.date),
        author_time,
        "date {} is not the author date",
        commit.date
    );
}
