//! Verification and revocation (the README's "Verification and revocation"): signed webhook
//! deliveries, provider calls declared in pattern files, and the journal that makes sure none
//! is lost or made twice.
//!
//! The settings come from a trusted config only (the one the user names, or their own), and are
//! bounded: a few attempts per request, a minimum backoff and timeout, and a wall-clock
//! budget for the whole phase, which also ends at the first interruption.

pub mod answers;
pub mod http;
pub mod journal;
pub mod provider;
pub mod seal;
pub mod webhook;

use crate::config::Config;
use crate::finding::{Finding, Revocation, Status};
use crate::text::count;
use globset::GlobSet;
use http::Stop;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The journal's file name in the state folder, its default place.
pub const JOURNAL_FILE: &str = "revocations.jsonl";

/// The allowed values of the `[revoke]` bounds.
const MAX_ATTEMPTS: RangeInclusive<u64> = 1..=10;
const BACKOFF_MS: RangeInclusive<u64> = 100..=60_000;
const TIMEOUT_SECS: RangeInclusive<u64> = 1..=120;
const BUDGET_SECS: RangeInclusive<u64> = 1..=3600;
const RATE_PER_SEC: RangeInclusive<u64> = 1..=1000;
/// A month at most: a key rotated since is still reported live until its answer expires.
const CACHE_HOURS: RangeInclusive<u64> = 1..=720;
/// Calls per second to one provider unless `[revoke] rate_per_sec` says otherwise: polite to a
/// provider's API and its abuse detection, and 1,000 findings of one provider still take under
/// two minutes.
const DEFAULT_RATE: u64 = 10;
/// The whole verify + revoke phase's budget unless `[revoke] budget_secs` says otherwise.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(600);

/// A configured webhook, its HMAC key read from the environment.
pub struct Webhook {
    /// Only ever shown through [`http::shown`]: it may hold credentials.
    pub url: String,
    rules: Option<GlobSet>,
    key: Vec<u8>,
}

impl Webhook {
    pub fn wants(&self, rule_id: &str) -> bool {
        self.rules.as_ref().is_none_or(|r| r.is_match(rule_id))
    }
}

/// Everything verification and revocation need from the config, checked before a scan starts.
pub struct Settings {
    pub webhooks: Vec<Webhook>,
    /// The journal (`--revoke` only): `--journal`, else the config's `[revoke] journal`, else
    /// the state folder's.
    pub journal: Option<PathBuf>,
    pub policy: http::Policy,
    /// For the whole verify + revoke phase.
    pub budget: Duration,
    /// `[providers.NAME] api_url`.
    pub api_urls: BTreeMap<String, String>,
    /// The least time between two calls to one provider (`[revoke] rate_per_sec`).
    pub call_interval: Duration,
    /// Where definite verification answers are kept across runs, and for how long
    /// (`[revoke] verify_cache_hours`; off by default).
    pub verify_cache: Option<(PathBuf, Duration)>,
}

/// `value`, or an error naming `[revoke] key` and its allowed range.
fn bounded(
    file: &str,
    key: &str,
    value: Option<u64>,
    range: RangeInclusive<u64>,
) -> anyhow::Result<Option<u64>> {
    match value {
        Some(v) if !range.contains(&v) => anyhow::bail!(
            "{file}: [revoke] {key} = {v} is out of range: use {} to {}",
            range.start(),
            range.end()
        ),
        _ => Ok(value),
    }
}

impl Settings {
    /// `revoke`: `--revoke` was given (webhooks and a journal are needed); `journal_flag`: its
    /// `--journal`.
    ///
    /// # Errors
    /// A webhook URL that is not https (or loopback http), a missing or empty HMAC key variable,
    /// a bad rule glob, a bad provider URL, a `[revoke]` bound out of range, no state folder for
    /// the journal: nothing may be sent then.
    pub fn from_config(
        config: &Config,
        revoke: bool,
        journal_flag: Option<&Path>,
    ) -> anyhow::Result<Settings> {
        let file = config
            .trusted
            .path
            .as_deref()
            .map_or("the config".into(), |p| p.display().to_string());
        let section = &config.trusted.revoke;
        let mut webhooks = Vec::new();
        if revoke {
            for (i, w) in section.webhooks.iter().enumerate() {
                let at = format!("{file}: [[revoke.webhooks]] #{}", i + 1);
                http::check_url(&w.url).map_err(|e| anyhow::anyhow!("{at}: url: {e}"))?;
                let key = match std::env::var(&w.secret_env) {
                    Ok(v) if !v.is_empty() => v.into_bytes(),
                    _ => anyhow::bail!(
                        "{at}: the environment variable {} (secret_env, the webhook's HMAC key) is not set; set it, or remove the webhook",
                        w.secret_env
                    ),
                };
                let rules = crate::config::globs(&w.rules)
                    .map_err(|e| anyhow::anyhow!("{at}: rules: {e}"))?;
                webhooks.push(Webhook {
                    url: w.url.clone(),
                    rules,
                    key,
                });
            }
        }
        let mut api_urls = BTreeMap::new();
        for (name, provider) in &config.trusted.providers {
            if let Some(url) = &provider.api_url {
                http::check_url(url)
                    .map_err(|e| anyhow::anyhow!("{file}: [providers.{name}] api_url: {e}"))?;
                // A secret goes where its provider's documentation says, unless the user
                // chose otherwise (a test server, GitHub Enterprise): said, every run.
                eprintln!(
                    "keysweep: note: {name} secrets are checked at {} ([providers.{name}] api_url of {file}), not at the provider's own API",
                    http::shown(url)
                );
                api_urls.insert(name.clone(), url.trim_end_matches('/').to_string());
            }
        }
        let defaults = http::Policy::default();
        let attempts = bounded(
            &file,
            "max_attempts",
            section.max_attempts.map(u64::from),
            MAX_ATTEMPTS,
        )?;
        let backoff = bounded(&file, "backoff_ms", section.backoff_ms, BACKOFF_MS)?;
        let timeout = bounded(&file, "timeout_secs", section.timeout_secs, TIMEOUT_SECS)?;
        let budget = bounded(&file, "budget_secs", section.budget_secs, BUDGET_SECS)?;
        let rate = bounded(&file, "rate_per_sec", section.rate_per_sec, RATE_PER_SEC)?;
        let cache_hours = bounded(
            &file,
            "verify_cache_hours",
            section.verify_cache_hours,
            CACHE_HOURS,
        )?;
        let verify_cache = match cache_hours {
            Some(hours) => Some((
                crate::places::state_dir()?.join(answers::FILE),
                Duration::from_secs(hours * 3600),
            )),
            None => None,
        };
        let policy = http::Policy {
            max_attempts: attempts.map_or(defaults.max_attempts, |n| n as u32),
            backoff: backoff.map_or(defaults.backoff, Duration::from_millis),
            timeout: timeout.map_or(defaults.timeout, Duration::from_secs),
        };
        let journal = if revoke {
            Some(journal_path(config, journal_flag)?)
        } else {
            None
        };
        Ok(Settings {
            webhooks,
            journal,
            policy,
            budget: budget.map_or(DEFAULT_BUDGET, Duration::from_secs),
            api_urls,
            call_interval: Duration::from_secs(1) / rate.unwrap_or(DEFAULT_RATE) as u32,
            verify_cache,
        })
    }

    fn journal(&self) -> &Path {
        self.journal
            .as_deref()
            .expect("settings made for --revoke name a journal")
    }
}

/// `--journal`, else `[revoke] journal` (relative to the config's folder), else the state
/// folder's: never a place the scanned tree chooses.
fn journal_path(config: &Config, flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    if let Some(configured) = &config.trusted.revoke.journal {
        let base = config
            .trusted
            .path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        return Ok(base.join(configured));
    }
    Ok(crate::places::state_dir()?.join(JOURNAL_FILE))
}

/// Counts for the summary line of a revocation run.
#[derive(Debug, Default)]
pub struct Tally {
    pub delivered: usize,
    pub deliveries: usize,
    pub pending: usize,
    pub failed: usize,
    pub revoked: usize,
    pub revoke_pending: usize,
    pub revoke_failed: usize,
    /// Findings (per webhook) and provider revocations never journaled: the run stopped first.
    pub unsent: usize,
    /// Findings that nothing revokes ([`Revocation::NotConfigured`]).
    pub not_configured: usize,
    /// Why the run stopped sending, if it did.
    pub stopped: Option<Stop>,
}

impl Tally {
    /// The lines for stderr: what the run did, with what to do about what is left, after a line
    /// saying why it stopped sending, if it did.
    pub fn lines(&self, settings: &Settings) -> String {
        let mut text = match self.stopped {
            Some(Stop::Interrupted) => {
                "keysweep: revocation interrupted: nothing was sent after the signal\n".to_string()
            }
            Some(Stop::OutOfTime) => format!(
                "keysweep: revocation stopped: the time budget of {} s ([revoke] budget_secs) ran out; nothing more was sent\n",
                settings.budget.as_secs()
            ),
            None => String::new(),
        };
        text.push_str(&format!(
            "keysweep: revocation: {} delivered (webhook requests: {}), {} pending, {} failed; {} revoked at their provider",
            count(self.delivered, "finding"), self.deliveries, self.pending, self.failed, self.revoked
        ));
        if self.revoke_pending + self.revoke_failed > 0 {
            text.push_str(&format!(
                " ({} pending, {} failed)",
                self.revoke_pending, self.revoke_failed
            ));
        }
        if self.not_configured > 0 {
            text.push_str(&format!(
                "; {} not configured (no webhook takes the rule, and keysweep cannot revoke it)",
                count(self.not_configured, "finding")
            ));
        }
        if self.unsent > 0 {
            text.push_str(&format!(
                "; {} not sent (the next scan with --revoke sends them)",
                self.unsent
            ));
        }
        if self.pending + self.revoke_pending > 0 {
            text.push_str("; `keysweep revoke --resume` sends what is pending");
        }
        // Named every time: the user sees which journal was trusted (never one in the tree).
        text.push_str(&format!(" (journal {})", settings.journal().display()));
        text
    }
}

/// What was asked of the phase after a scan.
#[derive(Debug, Clone, Copy)]
pub struct Asked {
    pub verify: bool,
    pub revoke: bool,
    pub dry_run: bool,
}

/// What each `(pattern, secret, pair)` is, by its provider: `keysweep verify`. One client and
/// one pace for all, as in a scan.
pub fn verify_each(
    asks: &[provider::Question],
    settings: &Settings,
) -> Vec<Status<crate::finding::Verification>> {
    let client = http::Client::new(settings.policy, settings.budget);
    provider::Asker::new(&client, settings)
        .answer_all(asks)
        .into_iter()
        .map(|(status, _)| status)
        .collect()
}

/// `--verify`, then `--revoke`, both within `[revoke] budget_secs` and until the first
/// interruption; says on stderr what is left and why.
///
/// # Errors
/// The journal cannot be used (refused, locked, unwritable). The findings' revocation says so,
/// and the caller still writes its reports before failing.
pub fn after_scan(
    findings: &mut [Finding],
    patterns: &[crate::pattern::Pattern],
    settings: &Settings,
    asked: Asked,
) -> anyhow::Result<()> {
    let client = http::Client::new(settings.policy, settings.budget);
    if asked.verify {
        let left = provider::verify(findings, patterns, settings, &client);
        if let Some(stop) = client.stopped().filter(|_| left > 0) {
            eprintln!(
                "keysweep: verification {stop}: {} not verified (reported unknown)",
                count(left, "finding")
            );
        }
    }
    if !asked.revoke || findings.is_empty() {
        return Ok(());
    }
    if settings.webhooks.is_empty() {
        eprintln!("keysweep: warning: --revoke: no [[revoke.webhooks]] in the config; only provider revocation is done");
    }
    match run(findings, patterns, settings, &client, asked.dry_run) {
        Ok(tally) if !asked.dry_run => {
            eprintln!("{}", tally.lines(settings));
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) => {
            for f in findings.iter_mut().filter(|f| f.revocation.is_none()) {
                f.revocation = Some(Status::new(
                    Revocation::Failed,
                    "the revocation journal could not be used, so this run sent nothing more (see the error)",
                ));
            }
            Err(e)
        }
    }
}

/// `--revoke`: first what earlier runs left pending, then each webhook's new findings, then
/// provider revocations, until `client` says stop; finally each finding's `revocation` status
/// from the journal.
///
/// # Errors
/// The journal cannot be opened (refused, locked by another keysweep, unreadable) or written.
pub fn run(
    findings: &mut [Finding],
    patterns: &[crate::pattern::Pattern],
    settings: &Settings,
    client: &http::Client,
    dry_run: bool,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let key_dir = crate::places::state_dir()?;
    // Once the client says stop it always will, so a stopped run never writes: it only reads
    // the journal for the findings' statuses.
    let mut journal = if dry_run || client.stopped().is_some() {
        journal::Journal::read_only(settings.journal(), seal::Key::load(&key_dir)?)?
    } else {
        let key = seal::Key::load_or_create(&key_dir)?;
        let mut journal = journal::Journal::open(settings.journal(), key)?;
        webhook::resend_pending(client, &mut journal, &settings.webhooks, &mut tally)?;
        provider::resume(&mut journal, patterns, settings, client, &mut tally)?;
        journal
    };
    webhook::deliver(
        client,
        &mut journal,
        &settings.webhooks,
        findings,
        dry_run,
        &mut tally,
    )?;
    provider::revoke(
        &mut journal,
        findings,
        patterns,
        settings,
        client,
        dry_run,
        &mut tally,
    )?;
    tally.stopped = client.stopped().filter(|_| !dry_run);
    let lookup = Lookup::new(&journal, patterns);
    for f in findings.iter_mut() {
        let status = status_of(f, &lookup, settings, dry_run, tally.stopped);
        tally.not_configured += usize::from(status.status == Revocation::NotConfigured);
        f.revocation = Some(status);
    }
    Ok(tally)
}

/// `keysweep revoke --resume`: sends what the journal holds as pending, nothing new, within the
/// budget and until an interruption.
///
/// # Errors
/// As [`run`].
pub fn resume(patterns: &[crate::pattern::Pattern], settings: &Settings) -> anyhow::Result<Tally> {
    let client = http::Client::new(settings.policy, settings.budget);
    let mut tally = Tally::default();
    let key = seal::Key::load_or_create(&crate::places::state_dir()?)?;
    let mut journal = journal::Journal::open(settings.journal(), key)?;
    webhook::resend_pending(&client, &mut journal, &settings.webhooks, &mut tally)?;
    provider::resume(&mut journal, patterns, settings, &client, &mut tally)?;
    tally.stopped = client.stopped();
    Ok(tally)
}

/// The journal indexed for [`status_of`], built once per run rather than searched per finding.
struct Lookup<'a> {
    journal: &'a journal::Journal,
    /// The latest batch holding each (webhook URL, fingerprint).
    latest: HashMap<(&'a str, &'a str), &'a journal::Batch>,
    /// Rule ids keysweep can revoke at their provider.
    revocable: HashSet<&'a str>,
}

impl<'a> Lookup<'a> {
    fn new(journal: &'a journal::Journal, patterns: &'a [crate::pattern::Pattern]) -> Self {
        let mut latest = HashMap::new();
        for b in journal.batches() {
            for i in &b.items {
                latest.insert((b.webhook.as_str(), i.fingerprint.as_str()), b);
            }
        }
        let revocable = patterns
            .iter()
            .filter(|p| p.revoke_call().is_some())
            .map(|p| p.id.as_str())
            .collect();
        Lookup {
            journal,
            latest,
            revocable,
        }
    }
}

/// A finding's revocation status: [`Revocation::Revoked`] by its provider, with its pair, or a
/// receiver says so (the key is dead, whatever another route says), else `Failed`, `Pending` or
/// `Sent`, with a detail naming each route; `NotConfigured` when there is no route.
fn status_of(
    f: &Finding,
    lookup: &Lookup,
    settings: &Settings,
    dry_run: bool,
    stopped: Option<Stop>,
) -> Status<Revocation> {
    use journal::{DeliveryState, ProviderState};
    let journal = lookup.journal;
    let mut parts: Vec<(Revocation, String)> = Vec::new();
    for hook in settings.webhooks.iter().filter(|h| h.wants(&f.rule_id)) {
        let latest = lookup
            .latest
            .get(&(hook.url.as_str(), f.fingerprint.as_str()));
        let url = http::shown(&hook.url);
        let part = match latest.map(|b| (&b.outcome, &b.delivery)) {
            None if dry_run => (Revocation::Pending, format!("dry run: not sent to {url}")),
            None => match stopped {
                Some(stop) => (Revocation::Pending, format!("not sent to {url}: {stop}")),
                None => (Revocation::Pending, format!("not sent to {url}")),
            },
            Some((DeliveryState::Delivered(labels), delivery)) => {
                let revoked = labels
                    .iter()
                    .any(|l| l.fingerprint == f.fingerprint && l.revoked == Some(true));
                if revoked {
                    (
                        Revocation::Revoked,
                        format!("{url} revoked it (delivery {delivery})"),
                    )
                } else {
                    (
                        Revocation::Sent,
                        format!("delivered to {url} (delivery {delivery})"),
                    )
                }
            }
            Some((DeliveryState::Pending, delivery)) => (
                Revocation::Pending,
                format!("pending for {url} (delivery {delivery})"),
            ),
            Some((DeliveryState::Failed(why), delivery)) => {
                (Revocation::Failed, format!("{why} (delivery {delivery})"))
            }
        };
        parts.push(part);
    }
    if lookup.revocable.contains(f.rule_id.as_str()) {
        let part = match (
            journal.revocation(&f.fingerprint).map(|r| &r.state),
            stopped,
        ) {
            (Some(ProviderState::Revoked(detail)), _) => (
                Revocation::Revoked,
                format!("revoked at the provider ({detail})"),
            ),
            (Some(ProviderState::Pending), _) => (
                Revocation::Pending,
                "provider revocation pending".to_string(),
            ),
            (Some(ProviderState::Failed(why)), _) => (
                Revocation::Failed,
                format!("provider revocation failed: {why}"),
            ),
            (None, _) if dry_run => (
                Revocation::Pending,
                "dry run: provider not called".to_string(),
            ),
            (None, Some(stop)) => (
                Revocation::Pending,
                format!("provider revocation not made: {stop}"),
            ),
            (None, None) => (
                Revocation::Failed,
                "provider revocation not made (see the warnings)".to_string(),
            ),
        };
        parts.push(part);
    }
    // The id half of a pair (a Scaleway access key) is revoked with its secret half. That is a
    // route of its own: once the secret half is revoked the key is dead, whatever a webhook says.
    if let Some(pair) = f.pair.as_ref() {
        if lookup.revocable.contains(pair.rule_id.as_str()) {
            let with = format!("with its pair ({})", pair.rule_id);
            let part = match journal.revocation(&pair.fingerprint).map(|r| &r.state) {
                Some(ProviderState::Revoked(_)) => (Revocation::Revoked, format!("revoked {with}")),
                Some(ProviderState::Failed(why)) => (
                    Revocation::Failed,
                    format!("its pair's revocation failed: {why}"),
                ),
                Some(ProviderState::Pending) => (
                    Revocation::Pending,
                    format!("to be revoked {with}: pending"),
                ),
                None if dry_run => (
                    Revocation::Pending,
                    format!("dry run: would be revoked {with}"),
                ),
                None => (Revocation::Pending, format!("to be revoked {with}")),
            };
            parts.push(part);
        }
    }
    if parts.is_empty() {
        return Status::new(
            Revocation::NotConfigured,
            format!(
                "nothing revokes it: keysweep cannot revoke {} at its provider and no \
                 [[revoke.webhooks]] entry takes it; add a webhook whose rules match {} (or no \
                 rules) to send it to your receiver",
                f.rule_id, f.rule_id
            ),
        );
    }
    let status = parts
        .iter()
        .map(|(status, _)| *status)
        .min()
        .expect("parts should not be empty here");
    Status::new(
        status,
        parts
            .into_iter()
            .map(|(_, d)| d)
            .collect::<Vec<_>>()
            .join("; "),
    )
}
