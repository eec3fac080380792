//! Verification and revocation (ARCHITECTURE.md §7): signed webhook deliveries, provider calls
//! declared in pattern files, and the journal that makes sure none is lost or made twice.

pub mod http;
pub mod journal;
pub mod provider;
pub mod webhook;

use crate::config::Config;
use globset::GlobSet;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the journal goes unless the config says otherwise (relative to the config's folder).
pub const DEFAULT_JOURNAL: &str = ".keysweep/revocations.jsonl";

/// A configured webhook, its HMAC key read from the environment.
pub struct Webhook {
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
    pub journal: PathBuf,
    pub policy: http::Policy,
    /// `[providers.NAME] api_url`.
    pub api_urls: BTreeMap<String, String>,
}

impl Settings {
    /// # Errors
    /// A webhook URL that is not https (or loopback http), a missing or empty HMAC key variable,
    /// a bad rule glob, a bad provider URL: nothing may be sent then.
    pub fn from_config(config: &Config, need_webhooks: bool) -> anyhow::Result<Settings> {
        let file = config
            .trusted
            .path
            .as_deref()
            .map_or("the config".into(), |p| p.display().to_string());
        let section = &config.trusted.revoke;
        let mut webhooks = Vec::new();
        if need_webhooks {
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
                api_urls.insert(name.clone(), url.trim_end_matches('/').to_string());
            }
        }
        let base = config
            .trusted
            .path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        let journal = base.join(section.journal.as_deref().unwrap_or(DEFAULT_JOURNAL));
        let defaults = http::Policy::default();
        let policy = http::Policy {
            max_attempts: section.max_attempts.unwrap_or(defaults.max_attempts).max(1),
            backoff: section
                .backoff_ms
                .map_or(defaults.backoff, Duration::from_millis),
            timeout: section
                .timeout_secs
                .map_or(defaults.timeout, Duration::from_secs),
        };
        Ok(Settings {
            webhooks,
            journal,
            policy,
            api_urls,
        })
    }
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
}

impl Tally {
    /// One line for stderr, with what to do about what is left.
    pub fn line(&self, journal: &Path) -> String {
        let mut text = format!(
            "keysweep: revocation: {} findings delivered (webhook requests: {}), {} pending, {} failed; {} revoked at their provider",
            self.delivered, self.deliveries, self.pending, self.failed, self.revoked
        );
        if self.revoke_pending + self.revoke_failed > 0 {
            text.push_str(&format!(
                " ({} pending, {} failed)",
                self.revoke_pending, self.revoke_failed
            ));
        }
        if self.pending + self.revoke_pending > 0 {
            text.push_str(&format!(
                "; `keysweep revoke --resume` sends what is pending (journal {})",
                journal.display()
            ));
        }
        text
    }
}

/// `--revoke`: first what earlier runs left pending, then each webhook's new findings, then
/// provider revocations; finally each finding's `revocation` status from the journal.
///
/// # Errors
/// The journal cannot be opened (locked by another keysweep, unreadable) or written.
pub fn run(
    findings: &mut [crate::finding::Finding],
    patterns: &[crate::pattern::Pattern],
    settings: &Settings,
    dry_run: bool,
) -> anyhow::Result<Tally> {
    let client = http::Client::new(settings.policy);
    let mut tally = Tally::default();
    let mut journal = if dry_run {
        journal::Journal::read_only(&settings.journal)?
    } else {
        let mut journal = journal::Journal::open(&settings.journal)?;
        webhook::resend_pending(&client, &mut journal, &settings.webhooks, &mut tally)?;
        provider::resume(&mut journal, patterns, settings, &client, &mut tally)?;
        journal
    };
    webhook::deliver(
        &client,
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
        &client,
        dry_run,
        &mut tally,
    )?;
    let lookup = Lookup::new(&journal, patterns);
    for f in findings.iter_mut() {
        f.revocation = Some(status_of(f, &lookup, settings, dry_run));
    }
    Ok(tally)
}

/// `keysweep revoke --resume`: sends what the journal holds as pending, nothing new.
///
/// # Errors
/// As [`run`].
pub fn resume(patterns: &[crate::pattern::Pattern], settings: &Settings) -> anyhow::Result<Tally> {
    let client = http::Client::new(settings.policy);
    let mut tally = Tally::default();
    let mut journal = journal::Journal::open(&settings.journal)?;
    webhook::resend_pending(&client, &mut journal, &settings.webhooks, &mut tally)?;
    provider::resume(&mut journal, patterns, settings, &client, &mut tally)?;
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
            .filter(|p| p.spec.revoke.is_some())
            .map(|p| p.id.as_str())
            .collect();
        Lookup {
            journal,
            latest,
            revocable,
        }
    }
}

/// A finding's revocation status: `revoked` (by its provider, or a receiver says so), else
/// `failed`, `pending` or `sent`, with a detail naming each route.
fn status_of(
    f: &crate::finding::Finding,
    lookup: &Lookup,
    settings: &Settings,
    dry_run: bool,
) -> crate::finding::Status {
    use journal::Outcome;
    let journal = lookup.journal;
    let mut parts: Vec<(&'static str, String)> = Vec::new();
    for hook in settings.webhooks.iter().filter(|h| h.wants(&f.rule_id)) {
        let latest = lookup
            .latest
            .get(&(hook.url.as_str(), f.fingerprint.as_str()));
        let part = match latest.map(|b| (&b.outcome, &b.delivery)) {
            None if dry_run => ("pending", format!("dry run: not sent to {}", hook.url)),
            None => ("pending", format!("not sent to {}", hook.url)),
            Some((Outcome::Delivered(labels), delivery)) => {
                let revoked = labels
                    .iter()
                    .any(|l| l.fingerprint == f.fingerprint && l.revoked == Some(true));
                if revoked {
                    (
                        "revoked",
                        format!("{} revoked it (delivery {delivery})", hook.url),
                    )
                } else {
                    (
                        "sent",
                        format!("delivered to {} (delivery {delivery})", hook.url),
                    )
                }
            }
            Some((Outcome::Pending, delivery)) => (
                "pending",
                format!("pending for {} (delivery {delivery})", hook.url),
            ),
            Some((Outcome::Failed(why), delivery)) => {
                ("failed", format!("{why} (delivery {delivery})"))
            }
        };
        parts.push(part);
    }
    if lookup.revocable.contains(f.rule_id.as_str()) {
        let part = match journal.revocation(&f.fingerprint).map(|r| &r.outcome) {
            Some(Outcome::Delivered(labels)) => (
                "revoked",
                format!(
                    "revoked at the provider ({})",
                    labels
                        .first()
                        .and_then(|l| l.label.clone())
                        .unwrap_or_default()
                ),
            ),
            Some(Outcome::Pending) => ("pending", "provider revocation pending".to_string()),
            Some(Outcome::Failed(why)) => ("failed", format!("provider revocation failed: {why}")),
            None if dry_run => ("pending", "dry run: provider not called".to_string()),
            None => (
                "failed",
                "provider revocation not made (see the warnings)".to_string(),
            ),
        };
        parts.push(part);
    }
    // The id half of a pair (a Scaleway access key) is revoked with its secret half.
    if let Some(pair) = f.pair.as_ref().filter(|_| parts.is_empty()) {
        if lookup.revocable.contains(pair.rule_id.as_str()) {
            let (status, detail) = match journal.revocation(&pair.fingerprint).map(|r| &r.outcome) {
                Some(Outcome::Delivered(_)) => (
                    "revoked",
                    format!("revoked with its pair ({})", pair.rule_id),
                ),
                Some(Outcome::Failed(why)) => {
                    ("failed", format!("its pair's revocation failed: {why}"))
                }
                _ => (
                    "pending",
                    format!("revoked with its pair ({})", pair.rule_id),
                ),
            };
            return crate::finding::Status { status, detail };
        }
    }
    if parts.is_empty() {
        return crate::finding::Status {
            status: "failed",
            detail: "no webhook takes this rule and keysweep cannot revoke it at its provider"
                .into(),
        };
    }
    let status = ["revoked", "failed", "pending", "sent"]
        .into_iter()
        .find(|s| parts.iter().any(|(p, _)| p == s))
        .unwrap_or("pending");
    crate::finding::Status {
        status,
        detail: parts
            .into_iter()
            .map(|(_, d)| d)
            .collect::<Vec<_>>()
            .join("; "),
    }
}
