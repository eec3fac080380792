//! `keysweep verify`: the secrets of one input (a file or standard input), each asked of its
//! provider, as `scan --verify` would; nothing is journaled or revoked.

use super::{load_engine_with, warn, ListFormat};
use crate::config::Config;
use crate::discover::{self, ConfigArgs};
use crate::engine::Engine;
use crate::exit::Exit;
use crate::finding::{Status, Verification};
use crate::output;
use crate::pattern::Pattern;
use crate::revoke;
use crate::text::{redact, sanitize};
use anyhow::{bail, Context};
use std::io::Read;
use std::path::Path;

/// More than this is not one secret's file: refused rather than read.
const MAX_INPUT: u64 = 1 << 20;

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
    let secrets = what_to_ask(&engine, &text, rule, input)?;
    let settings = revoke::Settings::from_config(&config, false, None)?;
    let asks: Vec<(&Pattern, &str, Option<&str>)> = secrets
        .iter()
        .map(|(p, secret, pair)| (*p, secret.as_str(), pair.as_deref()))
        .collect();
    let statuses = revoke::verify_each(&asks, &settings);
    let answers: Vec<_> = asks
        .iter()
        .zip(statuses)
        .map(|((p, secret, _), status)| (*p, *secret, status))
        .collect();
    output::write(None, |out| match format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = answers
                .iter()
                .map(|(p, secret, status)| {
                    serde_json::json!({"rule_id": p.id, "secret": redact(secret), "verification": status})
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            Ok(())
        }
        ListFormat::Human => {
            for (p, secret, status) in &answers {
                let (name, detail) = status.parts();
                writeln!(
                    out,
                    "{}  {}  {name} ({})",
                    p.id,
                    redact(secret),
                    sanitize(detail)
                )?;
            }
            Ok(())
        }
    })?;
    let live = |s: &Status<Verification>| s.status == Verification::Live;
    Ok(if answers.iter().any(|(_, _, s)| live(s)) {
        Exit::Findings(1)
    } else {
        Exit::Clean
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
        bail!("{name}: over 1 MiB: give the secret alone, or scan the file with `keysweep scan --verify`");
    }
    String::from_utf8(bytes).with_context(|| format!("{name}: not UTF-8 text"))
}

/// The (pattern, secret, pair) to ask: the whole input as `rule`'s secret, or each secret a scan
/// of the input finds whose pattern can be verified (with its pair when the input holds it).
fn what_to_ask<'a>(
    engine: &'a Engine,
    text: &str,
    rule: Option<&str>,
    input: &Path,
) -> anyhow::Result<Vec<(&'a Pattern, String, Option<String>)>> {
    let patterns = engine.patterns();
    if let Some(rule) = rule {
        let Some(pattern) = patterns.iter().find(|p| p.id == rule) else {
            bail!(
                "--rule {}: no such pattern (see keysweep patterns list)",
                sanitize(rule)
            );
        };
        if pattern.verify_call().is_none() {
            bail!("--rule {rule}: keysweep cannot verify this kind of secret");
        }
        let secret = text.trim();
        if secret.is_empty() || secret.contains(['\n', '\r']) {
            bail!("with --rule the input must be the secret alone, on one line");
        }
        return Ok(vec![(pattern, secret.to_string(), None)]);
    }
    let found: Vec<(usize, String)> = engine
        .scan(text.as_bytes())
        .into_iter()
        .map(|m| (m.pattern, text[m.secret].to_string()))
        .collect();
    let mut asks: Vec<(&Pattern, String, Option<String>)> = Vec::new();
    for (index, secret) in &found {
        let pattern = &patterns[*index];
        if pattern.verify_call().is_none() {
            continue;
        }
        let pair = pattern.pair().and_then(|pair_id| {
            found
                .iter()
                .find(|(i, _)| patterns[*i].id == pair_id)
                .map(|(_, s)| s.clone())
        });
        if !asks
            .iter()
            .any(|(p, s, _)| p.id == pattern.id && s == secret)
        {
            asks.push((pattern, secret.clone(), pair));
        }
    }
    if asks.is_empty() {
        bail!(
            "{}: no secret keysweep can verify (give --rule ID to verify the whole input as one)",
            shown(input)
        );
    }
    Ok(asks)
}

/// The input as messages name it.
fn shown(input: &Path) -> String {
    match input.to_str() {
        Some("-") => "standard input".into(),
        _ => sanitize(&input.display().to_string()),
    }
}
