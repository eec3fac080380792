//! `keysweep verify` and `keysweep revoke FILE`: the secrets of one input (a file or standard
//! input), or the whole input as one secret of a named rule. The secret is read, never taken from
//! the command line, where other users of the machine see it in the process list.

use super::{load_engine_with, warn, ListFormat};
use crate::config::Config;
use crate::discover::{self, ConfigArgs};
use crate::engine::Engine;
use crate::exit::Exit;
use crate::finding::{Finding, Revocation, Status, Verification};
use crate::output;
use crate::pattern::Pattern;
use crate::revoke;
use crate::source::{Blob, Provenance, SourceKind};
use crate::text::{redact, sanitize};
use anyhow::{bail, Context};
use std::io::Read;
use std::path::{Path, PathBuf};

/// More than this is not one secret's file: refused rather than read.
const MAX_INPUT: u64 = 1 << 20;

/// `keysweep verify`: each secret of the input asked of its provider, as `scan --verify` would;
/// nothing is journaled or revoked. Exit status 1 when one is live.
pub(super) fn verify_one(
    input: &Path,
    rule: Option<&str>,
    config: &ConfigArgs,
    format: ListFormat,
) -> anyhow::Result<Exit> {
    crate::interrupt::install().context("cannot install the Ctrl-C handler")?;
    let text = read_input(input)?;
    let config = Config::load(&discover::trusted_sources(config)?, &warn)?;
    let engine = load_engine_with(&[], &config, true)?;
    let findings = secrets_of(&engine, &text, input, rule, Wanted::Verify, |_| false)?;
    let settings = revoke::Settings::from_config(&config, false, None)?;
    let asks: Vec<(&Pattern, &str, Option<&str>)> = findings
        .iter()
        .map(|f| {
            let pattern = pattern_of(&engine, f);
            (
                pattern,
                f.secret.as_str(),
                f.pair.as_ref().map(|p| p.secret.as_str()),
            )
        })
        .collect();
    let statuses = revoke::verify_each(&asks, &settings);
    let answers: Vec<(&Finding, Status<Verification>)> = findings.iter().zip(statuses).collect();
    print_statuses(&answers, "verification", format)?;
    Ok(
        if answers.iter().any(|(_, s)| s.status == Verification::Live) {
            Exit::Findings(1)
        } else {
            Exit::Clean
        },
    )
}

/// What `keysweep revoke FILE` was asked, besides the input and the config.
pub(super) struct RevokeAsk<'a> {
    pub rule: Option<&'a str>,
    pub journal: Option<&'a Path>,
    pub dry_run: bool,
    pub format: ListFormat,
    /// Extra pattern files (`--patterns`).
    pub files: &'a [PathBuf],
}

/// `keysweep revoke FILE`: each secret of the input that its provider or a configured webhook
/// can revoke goes through the journal, as `scan --revoke` would send it: exactly once, and
/// resumable. Exit status 0 when every one is revoked (or delivered to a receiver), 1 otherwise.
pub(super) fn revoke_one(
    input: &Path,
    config: &ConfigArgs,
    ask: &RevokeAsk,
) -> anyhow::Result<Exit> {
    crate::interrupt::install().context("cannot install the Ctrl-C handler")?;
    let text = read_input(input)?;
    let config = Config::load(&discover::trusted_sources(config)?, &warn)?;
    let engine = load_engine_with(ask.files, &config, true)?;
    let settings = revoke::Settings::from_config(&config, true, ask.journal)?;
    let by_webhook = |rule: &str| settings.webhooks.iter().any(|w| w.wants(rule));
    let mut findings = secrets_of(&engine, &text, input, ask.rule, Wanted::Revoke, by_webhook)?;
    let asked = revoke::Asked {
        verify: false,
        revoke: true,
        dry_run: ask.dry_run,
    };
    // The journal's error comes after the statuses it explains.
    let outcome = revoke::after_scan(&mut findings, engine.patterns(), &settings, asked);
    let answers: Vec<(&Finding, Status<Revocation>)> = findings
        .iter()
        .map(|f| {
            let status = f.revocation.clone().unwrap_or_else(|| {
                Status::new(Revocation::Pending, "not sent (see the messages above)")
            });
            (f, status)
        })
        .collect();
    print_statuses(&answers, "revocation", ask.format)?;
    outcome?;
    Ok(if crate::interrupt::requested() {
        Exit::Interrupted
    } else if answers
        .iter()
        .all(|(_, s)| matches!(s.status, Revocation::Revoked | Revocation::Sent))
    {
        Exit::Clean
    } else {
        Exit::Findings(1)
    })
}

/// Which of the input's secrets a command takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Verify,
    Revoke,
}

impl Wanted {
    fn takes(self, pattern: &Pattern) -> bool {
        match self {
            Wanted::Verify => pattern.verify_call().is_some(),
            Wanted::Revoke => pattern.revoke_call().is_some(),
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Wanted::Verify => "verify",
            Wanted::Revoke => "revoke",
        }
    }
}

/// The input's secrets that `wanted` (or `elsewhere`, a receiver for revocation) takes: each
/// found by a scan of the input with its pair when the input holds it, or, with `rule`, the whole
/// input as that rule's secret.
fn secrets_of(
    engine: &Engine,
    text: &str,
    input: &Path,
    rule: Option<&str>,
    wanted: Wanted,
    elsewhere: impl Fn(&str) -> bool,
) -> anyhow::Result<Vec<Finding>> {
    let path = match input.to_str() {
        Some("-") => "<stdin>".to_string(),
        _ => shown(input),
    };
    let provenance = Provenance {
        kind: if input == Path::new("-") {
            SourceKind::Stdin
        } else {
            SourceKind::File
        },
        ..Provenance::default()
    };
    let verb = wanted.verb();
    if let Some(rule) = rule {
        let Some(pattern) = engine.patterns().iter().find(|p| p.id == rule) else {
            bail!(
                "--rule {}: no such pattern (see keysweep patterns list)",
                sanitize(rule)
            );
        };
        if !wanted.takes(pattern) && !elsewhere(&pattern.id) {
            bail!("--rule {rule}: keysweep cannot {verb} this kind of secret");
        }
        if wanted == Wanted::Revoke && pattern.revoke_call().is_some_and(|c| c.uses("{pair}")) {
            bail!(
                "--rule {rule}: this secret is revoked with its pair ({}): give the file that holds both, without --rule",
                pattern.pair().unwrap_or("its other half")
            );
        }
        let secret = text.trim();
        if secret.is_empty() || secret.contains(['\n', '\r']) {
            bail!("with --rule the input must be the secret alone, on one line");
        }
        let lines = crate::finding::LineIndex::new(secret.as_bytes(), secret.len());
        let finding = Finding::new(
            pattern,
            secret.as_bytes(),
            0..secret.len(),
            &lines,
            &path,
            &provenance,
        );
        return Ok(vec![finding]);
    }
    let blob = Blob {
        bytes: text.as_bytes().to_vec(),
        path: path.clone(),
        provenance,
    };
    let mut found: Vec<Finding> = crate::scan::scan_blob(engine, &blob)
        .into_iter()
        .filter(|f| wanted.takes(pattern_of(engine, f)) || elsewhere(&f.rule_id))
        .collect();
    // One ask per secret, wherever it appears in the input.
    let mut seen = std::collections::HashSet::new();
    found.retain(|f| seen.insert(f.fingerprint.clone()));
    if found.is_empty() {
        bail!(
            "{}: no secret keysweep can {verb} (give --rule ID to {verb} the whole input as one)",
            shown(input)
        );
    }
    Ok(found)
}

fn pattern_of<'a>(engine: &'a Engine, f: &Finding) -> &'a Pattern {
    engine
        .patterns()
        .iter()
        .find(|p| p.id == f.rule_id)
        .expect("a finding's rule is one of the engine's patterns")
}

/// One line per secret (its rule, the secret shortened, the status and why), or a JSON list.
fn print_statuses<S>(
    answers: &[(&Finding, Status<S>)],
    key: &str,
    format: ListFormat,
) -> anyhow::Result<()>
where
    S: Copy + Into<&'static str> + serde::Serialize,
{
    output::write(None, |out| match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = answers
                .iter()
                .map(|(f, status)| {
                    serde_json::json!({
                        "rule_id": f.rule_id,
                        "secret": redact(&f.secret),
                        "fingerprint": f.fingerprint,
                        "line": f.line,
                        key: status,
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            Ok(())
        }
        ListFormat::Human => {
            for (f, status) in answers {
                let (name, detail) = status.parts();
                writeln!(
                    out,
                    "{}  {}  {name} ({})",
                    f.rule_id,
                    redact(&f.secret),
                    sanitize(detail)
                )?;
            }
            Ok(())
        }
    })
}

/// The input's bytes, as text: a file, or standard input for `-`.
fn read_input(input: &Path) -> anyhow::Result<String> {
    let name = shown(input);
    let mut bytes = Vec::new();
    if input == Path::new("-") {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        std::fs::File::open(input)
            .and_then(|f| f.take(MAX_INPUT + 1).read_to_end(&mut bytes))
            .with_context(|| format!("{name}: cannot read"))?;
    }
    if bytes.len() as u64 > MAX_INPUT {
        bail!("{name}: over 1 MiB: give the secret alone, or scan the file with `keysweep scan --verify` (or --revoke)");
    }
    String::from_utf8(bytes).with_context(|| format!("{name}: not UTF-8 text"))
}

/// The input as messages name it.
fn shown(input: &Path) -> String {
    match input.to_str() {
        Some("-") => "standard input".into(),
        _ => sanitize(&input.display().to_string()),
    }
}
