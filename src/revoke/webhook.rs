//! Webhook deliveries (the README's "The webhook protocol"): batches of at most 100 findings,
//! signed with HMAC-SHA256 over `timestamp + "." + delivery id + "." + body`, each batch journaled before it is
//! first sent and re-sent with the same delivery id and body until a receiver answers it. A
//! webhook's URL is only ever shown as scheme, host and port ([`shown`]).

use super::http::{shown, Client, Failure};
use super::journal::{now, DeliveryState, Journal, Label, Record, WebhookItem};
use super::{Tally, Webhook};
use crate::finding::Finding;
use crate::text::redact;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashSet;

/// The most findings one request carries.
pub const MAX_BATCH: usize = 100;

/// A finding as the webhook receives it.
pub fn item(f: &Finding) -> WebhookItem {
    let place = format!("{}#L{}", f.path, f.line);
    let url = match &f.commit {
        Some(c) => format!("{}/{place}", c.id),
        None => place,
    };
    WebhookItem {
        token: f.secret.clone(),
        rule_id: f.rule_id.clone(),
        url,
        source: f.source.as_str().into(),
        fingerprint: f.fingerprint.clone(),
    }
}

/// `sha256=<hex HMAC-SHA256(key, timestamp + "." + delivery + "." + body)>`: the delivery id is
/// signed too, so a captured request replayed under a fresh id does not verify.
pub fn signature(key: &[u8], timestamp: &str, delivery: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(delivery.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Sends one journaled batch and records its outcome: delivered on 2xx (with any labels the
/// receiver returned), failed on another final status, still pending when every attempt failed
/// or the run stopped.
///
/// # Errors
/// Only a journal write error.
pub fn send_batch(
    client: &Client,
    journal: &mut Journal,
    hook: &Webhook,
    delivery: &str,
    items: &[WebhookItem],
) -> anyhow::Result<DeliveryState> {
    let body = serde_json::to_vec(items).expect("items serialize");
    let headers = || {
        let timestamp = now().to_string();
        vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("X-Keysweep-Delivery".to_string(), delivery.to_string()),
            (
                "X-Keysweep-Signature".to_string(),
                signature(&hook.key, &timestamp, delivery, &body),
            ),
            ("X-Keysweep-Timestamp".to_string(), timestamp),
        ]
    };
    let outcome = match client.send("POST", &hook.url, Some(&body), &headers) {
        Ok(answer) if (200..300).contains(&answer.status) => {
            let labels: Vec<Label> = serde_json::from_str(&answer.body).unwrap_or_default();
            journal.append(Record::Delivered {
                delivery: delivery.into(),
                time: now(),
                status: answer.status,
                labels: labels.clone(),
            })?;
            DeliveryState::Delivered(labels)
        }
        Ok(answer) => {
            let detail = format!("HTTP {} from {}", answer.status, shown(&hook.url));
            journal.append(Record::Failed {
                delivery: delivery.into(),
                time: now(),
                detail: detail.clone(),
            })?;
            eprintln!(
                "keysweep: error: webhook delivery {delivery} failed: {detail} (not retried)"
            );
            DeliveryState::Failed(detail)
        }
        Err(Failure::GaveUp { last, attempts }) => {
            eprintln!(
                "keysweep: warning: webhook {}: delivery {delivery} still pending: {last} after {}",
                shown(&hook.url),
                crate::text::count(attempts as usize, "attempt")
            );
            DeliveryState::Pending
        }
        // Said once for the whole run by the caller.
        Err(Failure::Stopped(_)) => DeliveryState::Pending,
    };
    Ok(outcome)
}

fn count(tally: &mut Tally, outcome: &DeliveryState, items: usize) {
    match outcome {
        DeliveryState::Delivered(_) => {
            tally.delivered += items;
            tally.deliveries += 1;
        }
        DeliveryState::Pending => tally.pending += items,
        DeliveryState::Failed(_) => tally.failed += items,
    }
}

/// Re-sends the journal's pending batches, each with its own delivery id and body, to the
/// webhooks still configured, until the client says stop.
///
/// # Errors
/// A journal write error.
pub fn resend_pending(
    client: &Client,
    journal: &mut Journal,
    hooks: &[Webhook],
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let pending: Vec<(String, String, Vec<WebhookItem>)> = journal
        .batches()
        .filter(|b| b.outcome == DeliveryState::Pending)
        .map(|b| (b.delivery.clone(), b.webhook.clone(), b.items.clone()))
        .collect();
    for (delivery, url, items) in pending {
        if client.stopped().is_some() {
            tally.pending += items.len();
            continue;
        }
        let Some(hook) = hooks.iter().find(|h| h.url == url) else {
            eprintln!(
                "keysweep: warning: delivery {delivery} is pending for {}, which is no longer configured; it stays pending",
                shown(&url)
            );
            tally.pending += items.len();
            continue;
        };
        let outcome = send_batch(client, journal, hook, &delivery, &items)?;
        count(tally, &outcome, items.len());
    }
    Ok(())
}

/// Sends each webhook the findings its rules select that it has neither received nor has
/// pending, in new batches, until the client says stop (what is left is counted `unsent`). A dry
/// run prints them, redacted, and sends and writes nothing.
///
/// # Errors
/// A journal write error.
pub fn deliver(
    client: &Client,
    journal: &mut Journal,
    hooks: &[Webhook],
    findings: &[Finding],
    dry_run: bool,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    for hook in hooks {
        let taken: HashSet<String> = journal
            .taken_by(&hook.url)
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut seen = HashSet::new();
        let items: Vec<WebhookItem> = findings
            .iter()
            .filter(|f| hook.wants(&f.rule_id))
            .filter(|f| !taken.contains(&f.fingerprint) && seen.insert(f.fingerprint.clone()))
            .map(item)
            .collect();
        for chunk in items.chunks(MAX_BATCH) {
            if dry_run {
                let redacted: Vec<WebhookItem> = chunk
                    .iter()
                    .map(|i| WebhookItem {
                        token: redact(&i.token),
                        ..i.clone()
                    })
                    .collect();
                eprintln!(
                    "keysweep: dry run: would POST {} to {}: {}",
                    crate::text::count(chunk.len(), "finding"),
                    shown(&hook.url),
                    serde_json::to_string(&redacted).expect("items serialize")
                );
                continue;
            }
            // Checked before journaling: a batch that is never sent is not left pending.
            if client.stopped().is_some() {
                tally.unsent += chunk.len();
                continue;
            }
            let delivery = uuid::Uuid::new_v4().to_string();
            journal.append(Record::Batch {
                delivery: delivery.clone(),
                webhook: hook.url.clone(),
                time: now(),
                items: chunk.to_vec(),
            })?;
            let outcome = send_batch(client, journal, hook, &delivery, chunk)?;
            count(tally, &outcome, chunk.len());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_delivery_dot_body() {
        // Computed independently: python3 hmac.new(b"Jefe",
        // b'1700000000.0b5e6f3c-1d2a-4e8b-9c7d-3f4a5b6c7d8e.[{"token":"x"}]', sha256).
        assert_eq!(
            signature(
                b"Jefe",
                "1700000000",
                "0b5e6f3c-1d2a-4e8b-9c7d-3f4a5b6c7d8e",
                br#"[{"token":"x"}]"#
            ),
            "sha256=69cc07277478b848bff2c1b76595aa0f950f1ebc47fb2fd127dd44d1c4895338"
        );
    }
}
