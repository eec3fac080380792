//! What a scan says on stderr when it is done: the one-line summary, the files keysweep did not
//! read again, and what the config's allow rules and exclude globs hid.

use crate::config::Config;
use crate::filter;
use crate::scan::Outcome;
use crate::text::{human_bytes, sanitize};

/// The one-line summary printed on stderr after every scan: findings by severity, the files
/// (and commits) they are in, what was scanned (files, or blobs in the git modes) and how long it
/// took, what was skipped and how many errors.
pub(super) fn summary(outcome: &Outcome, git: bool) -> String {
    let findings = &outcome.findings;
    let stats = &outcome.stats;
    let mut by_severity = [0usize; 4];
    for f in findings {
        by_severity[f.severity as usize] += 1;
    }
    let distinct = |mut items: Vec<&str>| {
        items.sort_unstable();
        items.dedup();
        items.len()
    };
    // A file is a path in a repository (in a many-repository scan, `a/.env` and `b/.env`).
    let files = findings
        .iter()
        .map(|f| (f.repository.as_deref(), f.path.as_str()))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let commits = distinct(
        findings
            .iter()
            .filter_map(|f| f.commit.as_ref().map(|c| c.id.as_str()))
            .collect(),
    );
    let severities: Vec<String> = ["low", "medium", "high", "critical"]
        .iter()
        .zip(by_severity)
        .rev()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{n} {name}"))
        .collect();
    let mut line = match findings.len() {
        0 => "keysweep: no findings".to_string(),
        n => format!(
            "keysweep: {n} finding{} ({}) in {files} file{}",
            plural(n),
            severities.join(", "),
            plural(files)
        ),
    };
    if commits > 0 {
        line.push_str(&format!(" across {commits} commit{}", plural(commits)));
    }
    if let Some(verified) = verification_counts(findings) {
        line.push_str(&format!("; {verified}"));
    }
    let mut of_repositories = String::new();
    if outcome.repositories.len() > 1 {
        let failed = outcome
            .repositories
            .iter()
            .filter(|r| r.failed.is_some())
            .count();
        of_repositories = format!(
            " of {}",
            crate::scan::repositories(outcome.repositories.len())
        );
        if failed > 0 {
            of_repositories.push_str(&format!(" ({failed} not scanned)"));
        }
    }
    line.push_str(&format!(
        "; scanned {} {}{}{of_repositories}, {} in {}",
        stats.blobs_scanned,
        if git { "blob" } else { "file" },
        plural(stats.blobs_scanned as usize),
        human_bytes(stats.bytes_scanned),
        human_duration(stats.duration_ms)
    ));
    if stats.blobs_cached > 0 {
        line.push_str(&format!(
            " (and {} read by earlier scans: the history cache)",
            stats.blobs_cached
        ));
    }
    if stats.skipped > 0 {
        line.push_str(&format!("; {} skipped", stats.skipped));
        if outcome.symlinks_skipped > 0 {
            line.push_str(&format!(
                " ({} symlink{} not followed: --follow-symlinks)",
                outcome.symlinks_skipped,
                plural(outcome.symlinks_skipped as usize)
            ));
        }
    }
    if stats.errors > 0 {
        line.push_str(&format!(
            "; {} error{} (see above)",
            stats.errors,
            plural(stats.errors as usize)
        ));
    }
    line
}

/// `2 live, 1 invalid, 3 unknown`: how `--verify` judged the findings (`None` when it did not run).
fn verification_counts(findings: &[crate::finding::Finding]) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = vec![("live", 0), ("invalid", 0), ("unknown", 0)];
    for status in findings.iter().filter_map(|f| f.verification.as_ref()) {
        let (status, _) = status.parts();
        match counts.iter_mut().find(|(name, _)| *name == status) {
            Some((_, n)) => *n += 1,
            None => counts.push((status, 1)),
        }
    }
    let shown: Vec<String> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{n} {name}"))
        .collect();
    (!shown.is_empty()).then(|| shown.join(", "))
}

/// `850 ms`, `12.4 s`, `3 min 05 s`.
fn human_duration(ms: u64) -> String {
    match ms {
        ms if ms < 1000 => format!("{ms} ms"),
        ms if ms < 59_950 => format!("{:.1} s", ms as f64 / 1000.0),
        ms => {
            let seconds = (ms + 500) / 1000;
            format!("{} min {:02} s", seconds / 60, seconds % 60)
        }
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Says once which of keysweep's own reports and pattern files a folder scan did not read again.
pub(super) fn tell_own_skipped(outcome: &Outcome) {
    let own = &outcome.own_skipped;
    if own.is_empty() {
        return;
    }
    let shown: Vec<String> = own.iter().take(5).map(|p| sanitize(p)).collect();
    crate::notice!(
        "keysweep: not scanned again: {} file{} keysweep wrote or loaded itself (its reports, \
         its --patterns files): {}{}",
        own.len(),
        plural(own.len()),
        shown.join(", "),
        if own.len() > shown.len() { ", …" } else { "" }
    );
}

/// Says what each allow rule and exclude glob of the config hid: a config cannot hide a finding
/// without it being counted here.
pub(super) fn tell_suppressed(config: &Config, suppressed: &filter::Suppressed) {
    if crate::console::quiet() {
        return;
    }
    if suppressed.allowed + suppressed.baseline > 0 {
        eprintln!(
            "keysweep: not reported: {} allowed by the config, {} already in the baseline",
            suppressed.allowed, suppressed.baseline
        );
    }
    for ((entry, _), n) in config.allow.entries.iter().zip(&suppressed.by_entry) {
        if *n > 0 {
            eprintln!(
                "keysweep:   {} hid {n} finding{}",
                sanitize(&entry.to_string()),
                plural(*n)
            );
        }
    }
    if let Some(exclude) = &config.exclude {
        for (entry, n) in exclude.counts() {
            eprintln!(
                "keysweep: {} kept {n} path{} from being scanned",
                sanitize(&entry.to_string()),
                plural(n as usize)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(human_duration(9), "9 ms");
        assert_eq!(human_duration(12_449), "12.4 s");
        assert_eq!(human_duration(59_960), "1 min 00 s");
        assert_eq!(human_duration(185_000), "3 min 05 s");
    }
}
