//! The revocation journal: append-only JSONL (mode 0600: it holds the secrets it must be able to
//! send again), one entry per step, each written and synced before the step it announces.
//!
//! - A webhook batch is recorded (`batch`, with its delivery id and items) before its first
//!   attempt, and its outcome (`delivered` or `failed`) after the answer. A batch without an
//!   outcome is pending: it is sent again, with the same delivery id and body, by the next
//!   `--revoke` run or `keysweep revoke --resume`.
//! - A provider revocation is recorded (`revoking`) before the call and its outcome (`revoked` or
//!   `revoke_failed`) after it.
//!
//! It lives outside any scanned tree (the state folder by default) and every line is sealed
//! ([`super::seal`]): a journal that is a symbolic link, another user's, tracked by git, or not
//! sealed by this machine's key is refused whole and left untouched. An exclusive lock
//! on the file keeps a second keysweep out while one is using it.

use super::seal::Key;
use crate::state_file;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The longest line keysweep reads: far above a batch of 100 findings, and a bound on what a
/// foreign file can make it hold in memory.
const MAX_LINE: u64 = 64 << 20;

/// The one-line refusal of a journal this machine did not write: nothing in it is used, and it
/// is not touched.
fn foreign(shown: &str, line: usize, why: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{shown}: line {line}: {why}; this journal was not written by keysweep on this machine (copied, forged, or from an older keysweep), so nothing in it is used: move it away (keysweep then starts a new one) and run again"
    )
}

/// Seals each line of `text` that is a JSON object with `key`, as keysweep would have written
/// it, and leaves the others as they are: fuzzing and tests reach the replay through the seal.
pub fn seal_lines(text: &[u8], key: Key) -> Vec<u8> {
    let mut journal = Journal::empty(Path::new("-"), None, Some(key));
    let mut out = Vec::new();
    for line in text.split_inclusive(|b| *b == b'\n') {
        let entry = std::str::from_utf8(line)
            .ok()
            .and_then(|l| serde_json::from_str::<Record>(l).ok());
        match entry {
            Some(entry) => {
                let (mut sealed, mac) = journal.seal(&entry);
                if !line.ends_with(b"\n") {
                    sealed.pop();
                }
                journal.last_mac = mac;
                out.extend_from_slice(sealed.as_bytes());
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

/// One found secret as a webhook receives it (the README's "The webhook protocol").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookItem {
    pub token: String,
    /// The rule id.
    #[serde(rename = "type")]
    pub rule_id: String,
    /// Where it was found: `path#Lline`, or `commit/path#Lline` in git scans.
    pub url: String,
    /// `file`, `commit`, `staged` or `stdin`.
    pub source: String,
    pub fingerprint: String,
}

/// A receiver's verdict on one fingerprint, from a 2xx answer's optional JSON array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
}

/// One line of the journal, its kind in `event`: a webhook batch and its delivery (`batch`,
/// `delivered`, `failed`), or a provider revocation and its answer (`revoking`, `revoked`,
/// `revoke_failed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    Batch {
        delivery: String,
        webhook: String,
        time: u64,
        items: Vec<WebhookItem>,
    },
    Delivered {
        delivery: String,
        time: u64,
        status: u16,
        #[serde(default)]
        labels: Vec<Label>,
    },
    Failed {
        delivery: String,
        time: u64,
        detail: String,
    },
    Revoking {
        fingerprint: String,
        rule_id: String,
        secret: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pair: Option<String>,
        time: u64,
    },
    Revoked {
        fingerprint: String,
        time: u64,
        detail: String,
    },
    RevokeFailed {
        fingerprint: String,
        time: u64,
        detail: String,
    },
}

/// Where a webhook batch stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Delivered(Vec<Label>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub delivery: String,
    pub webhook: String,
    pub items: Vec<WebhookItem>,
    pub outcome: DeliveryState,
}

/// A revocation keysweep makes at a secret's provider (`revoking`, then `revoked` or
/// `revoke_failed` in the file).
#[derive(Debug, Clone)]
pub struct ProviderRevocation {
    pub rule_id: String,
    pub secret: String,
    pub pair: Option<String>,
    pub state: ProviderState,
}

/// Where a provider revocation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderState {
    /// Announced, not answered (yet).
    Pending,
    /// The provider deleted the secret; the detail says how it answered.
    Revoked(String),
    Failed(String),
}

pub struct Journal {
    path: PathBuf,
    /// `None` for a dry run's read-only view.
    file: Option<File>,
    /// `None` when this machine has no key yet (a read-only view of no journal).
    key: Option<Key>,
    /// The MAC of the last line, which the next line's MAC covers.
    last_mac: String,
    batches: BTreeMap<String, Batch>,
    /// Delivery ids in the order their batches were first written.
    order: Vec<String>,
    revocations: HashMap<String, ProviderRevocation>,
}

/// Seconds since the Unix epoch, for entries.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

const WHAT: &str = "journal";

impl Journal {
    /// Opens (creating it, and its folder, private to the user) and locks the journal, and reads
    /// its state, every line checked against `key`.
    ///
    /// # Errors
    /// The path is refused ([`state_file`]: a symbolic link, another user's, tracked by git);
    /// another keysweep holds the lock; a line other than a torn last one is not an entry this
    /// machine sealed (then the file is left as it was).
    pub fn open(path: &Path, key: Key) -> anyhow::Result<Journal> {
        let shown = path.display();
        if state_file::prepare_folder(path, WHAT)? {
            // The journal holds secrets: should its folder be in a work tree, keep it out of
            // commits and out of later scans.
            let ignore = path.with_file_name(".gitignore");
            if let Err(e) = std::fs::write(&ignore, "*\n") {
                eprintln!(
                    "keysweep: warning: {}: cannot write ({e}); keep the journal out of git yourself",
                    ignore.display()
                );
            }
        }
        state_file::check_not_tracked(path, WHAT)?;
        state_file::check_existing(path, WHAT)?;
        let file = state_file::open(path, WHAT, true, true)?.expect("a created file is opened");
        if let Err(e) = file.try_lock() {
            anyhow::bail!(
                "{shown}: the journal is in use by another keysweep ({e}); wait for it to finish, then run again"
            );
        }
        let mut journal = Journal::empty(path, None, Some(key));
        let (complete, total) = journal.replay(BufReader::new(&file))?;
        // Only now is the file known to be ours: repair and tighten it.
        if complete < total {
            file.set_len(complete)
                .map_err(|e| anyhow::anyhow!("{shown}: cannot repair the journal: {e}"))?;
        }
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| anyhow::anyhow!("{shown}: cannot make the journal private (0600): {e}"))?;
        journal.file = Some(file);
        Ok(journal)
    }

    fn empty(path: &Path, file: Option<File>, key: Option<Key>) -> Journal {
        Journal {
            path: path.to_path_buf(),
            file,
            key,
            last_mac: String::new(),
            batches: BTreeMap::new(),
            order: Vec::new(),
            revocations: HashMap::new(),
        }
    }

    /// Applies the entries read from `reader`, each checked against the key, and returns the
    /// length of its complete lines and its whole length. A last line without its newline was
    /// torn by a crash mid-write: its step never started, so it is dropped (the caller cuts it
    /// from the file, so the next entry starts on its own line).
    fn replay(&mut self, mut reader: impl BufRead) -> anyhow::Result<(u64, u64)> {
        let shown = self.path.display().to_string();
        let (mut complete, mut number) = (0u64, 0usize);
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = (&mut reader)
                .take(MAX_LINE)
                .read_until(b'\n', &mut line)
                .map_err(|e| anyhow::anyhow!("{shown}: cannot read the journal: {e}"))?;
            if read == 0 {
                return Ok((complete, complete));
            }
            number += 1;
            let Some(text) = line.strip_suffix(b"\n") else {
                if number == 1 || read as u64 == MAX_LINE {
                    // Nothing sealed to show it is ours: it must not be cut.
                    return Err(foreign(&shown, number, "not a complete journal entry"));
                }
                eprintln!(
                    "keysweep: warning: {shown}: dropping an incomplete last line (a write cut short)"
                );
                return Ok((complete, complete + read as u64));
            };
            let text = std::str::from_utf8(text)
                .map_err(|_| foreign(&shown, number, "not a journal entry"))?;
            let (entry, mac) = self
                .unseal(text)
                .map_err(|why| foreign(&shown, number, why))?;
            self.last_mac = mac;
            self.apply(entry);
            complete += read as u64;
        }
    }

    /// The entry of one line, if its MAC verifies after the previous line's.
    fn unseal(&self, line: &str) -> Result<(Record, String), &'static str> {
        let mut fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).map_err(|_| "not a journal entry")?;
        let Some(serde_json::Value::String(mac)) = fields.remove("mac") else {
            return Err("the line carries no MAC");
        };
        // No serde error in the message: it may quote a secret of the line.
        let entry: Record = serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|_| "not a journal entry")?;
        let key = self
            .key
            .as_ref()
            .ok_or("this machine has no journal key to check it with")?;
        let json = serde_json::to_string(&entry).expect("journal entries serialize");
        if !key.verifies(&self.last_mac, &json, &mac) {
            return Err("its MAC does not verify with this machine's key");
        }
        Ok((entry, mac))
    }

    /// The journal as it stands, read without creating, locking or writing anything (an empty
    /// one when the file does not exist): what a dry run reports against.
    ///
    /// # Errors
    /// As [`Journal::open`], except for the lock.
    pub fn read_only(path: &Path, key: Option<Key>) -> anyhow::Result<Journal> {
        let mut journal = Journal::empty(path, None, key);
        if !state_file::check_folder(path, WHAT)? {
            return Ok(journal);
        }
        state_file::check_not_tracked(path, WHAT)?;
        state_file::check_existing(path, WHAT)?;
        if let Some(file) = state_file::open(path, WHAT, false, false)? {
            journal.replay(BufReader::new(file))?;
        }
        Ok(journal)
    }

    /// The state that the journal text `text` records, as [`Journal::read_only`] reads it;
    /// `path` names it in errors.
    ///
    /// # Errors
    /// A line other than a torn last one is not an entry `key` sealed.
    pub fn parse(path: &Path, text: &[u8], key: Key) -> anyhow::Result<Journal> {
        let mut journal = Journal::empty(path, None, Some(key));
        journal.replay(text)?;
        Ok(journal)
    }

    /// Writes `entry`, sealed, syncs it to disk, then updates the state.
    ///
    /// # Errors
    /// A write or sync error: the step it announces must not happen then.
    pub fn append(&mut self, entry: Record) -> anyhow::Result<()> {
        let (line, mac) = self.seal(&entry);
        let file = self
            .file
            .as_mut()
            .expect("a read-only journal is never written");
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| {
                anyhow::anyhow!("{}: cannot write the journal: {e}", self.path.display())
            })?;
        self.last_mac = mac;
        self.apply(entry);
        Ok(())
    }

    /// `entry` as a line: its JSON with a `mac` field added, chained to the previous line.
    fn seal(&self, entry: &Record) -> (String, String) {
        let json = serde_json::to_string(entry).expect("journal entries serialize");
        let key = self.key.as_ref().expect("a writable journal has a key");
        let mac = key.mac(&self.last_mac, &json);
        let body = json
            .strip_suffix('}')
            .expect("an entry serializes to a JSON object");
        (format!("{body},\"mac\":\"{mac}\"}}\n"), mac)
    }

    fn apply(&mut self, entry: Record) {
        match entry {
            Record::Batch {
                delivery,
                webhook,
                items,
                ..
            } => {
                if !self.batches.contains_key(&delivery) {
                    self.order.push(delivery.clone());
                }
                self.batches.insert(
                    delivery.clone(),
                    Batch {
                        delivery,
                        webhook,
                        items,
                        outcome: DeliveryState::Pending,
                    },
                );
            }
            Record::Delivered {
                delivery, labels, ..
            } => {
                if let Some(b) = self.batches.get_mut(&delivery) {
                    b.outcome = DeliveryState::Delivered(labels);
                }
            }
            Record::Failed {
                delivery, detail, ..
            } => {
                if let Some(b) = self.batches.get_mut(&delivery) {
                    b.outcome = DeliveryState::Failed(detail);
                }
            }
            Record::Revoking {
                fingerprint,
                rule_id,
                secret,
                pair,
                ..
            } => {
                self.revocations.insert(
                    fingerprint,
                    ProviderRevocation {
                        rule_id,
                        secret,
                        pair,
                        state: ProviderState::Pending,
                    },
                );
            }
            Record::Revoked {
                fingerprint,
                detail,
                ..
            } => {
                if let Some(r) = self.revocations.get_mut(&fingerprint) {
                    r.state = ProviderState::Revoked(detail);
                }
            }
            Record::RevokeFailed {
                fingerprint,
                detail,
                ..
            } => {
                if let Some(r) = self.revocations.get_mut(&fingerprint) {
                    r.state = ProviderState::Failed(detail);
                }
            }
        }
    }

    /// Batches in the order they were first written.
    pub fn batches(&self) -> impl Iterator<Item = &Batch> {
        self.order.iter().map(|d| &self.batches[d])
    }

    /// Fingerprints `webhook` has received or has pending: never put in a new batch for it.
    pub fn taken_by(&self, webhook: &str) -> HashSet<&str> {
        self.batches()
            .filter(|b| b.webhook == webhook && !matches!(b.outcome, DeliveryState::Failed(_)))
            .flat_map(|b| b.items.iter().map(|i| i.fingerprint.as_str()))
            .collect()
    }

    pub fn revocation(&self, fingerprint: &str) -> Option<&ProviderRevocation> {
        self.revocations.get(fingerprint)
    }

    /// Provider revocations announced but never answered, by fingerprint.
    pub fn pending_revocations(&self) -> Vec<(String, ProviderRevocation)> {
        let mut pending: Vec<(String, ProviderRevocation)> = self
            .revocations
            .iter()
            .filter(|(_, r)| r.state == ProviderState::Pending)
            .map(|(f, r)| (f.clone(), r.clone()))
            .collect();
        pending.sort_by(|a, b| a.0.cmp(&b.0));
        pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    fn key() -> Key {
        Key::from_bytes([7; 32])
    }

    fn item(n: u32) -> WebhookItem {
        WebhookItem {
            token: format!("tok{n}"),
            rule_id: "acme.key".into(),
            url: "a.env#L1".into(),
            source: "file".into(),
            fingerprint: format!("fp{n}"),
        }
    }

    fn batch(delivery: &str, n: u32) -> Record {
        Record::Batch {
            delivery: delivery.into(),
            webhook: "w".into(),
            time: 1,
            items: vec![item(n)],
        }
    }

    #[test]
    fn state_survives_reopening_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/revocations.jsonl");
        {
            let mut j = Journal::open(&path, key()).unwrap();
            j.append(batch("d1", 1)).unwrap();
            j.append(batch("d2", 2)).unwrap();
            j.append(Record::Delivered {
                delivery: "d1".into(),
                time: 2,
                status: 200,
                labels: vec![],
            })
            .unwrap();
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"deliv")
            .unwrap();
        let j = Journal::open(&path, key()).unwrap();
        let states: Vec<(&str, &DeliveryState)> = j
            .batches()
            .map(|b| (b.delivery.as_str(), &b.outcome))
            .collect();
        assert_eq!(
            states,
            [
                ("d1", &DeliveryState::Delivered(vec![])),
                ("d2", &DeliveryState::Pending)
            ]
        );
        assert_eq!(j.taken_by("w"), HashSet::from(["fp1", "fp2"]));
        assert!(std::fs::read_to_string(&path).unwrap().ends_with("}\n"));
    }

    #[test]
    fn provider_revocations_are_read_back_as_their_own_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("revocations.jsonl");
        {
            let mut j = Journal::open(&path, key()).unwrap();
            for fingerprint in ["fp1", "fp2", "fp3"] {
                j.append(Record::Revoking {
                    fingerprint: fingerprint.into(),
                    rule_id: "acme.key".into(),
                    secret: "tok".into(),
                    pair: None,
                    time: 1,
                })
                .unwrap();
            }
            j.append(Record::Revoked {
                fingerprint: "fp1".into(),
                time: 2,
                detail: "HTTP 204".into(),
            })
            .unwrap();
            j.append(Record::RevokeFailed {
                fingerprint: "fp2".into(),
                time: 2,
                detail: "HTTP 403".into(),
            })
            .unwrap();
        }
        let j = Journal::open(&path, key()).unwrap();
        let state = |fingerprint| j.revocation(fingerprint).map(|r| r.state.clone());
        assert_eq!(
            state("fp1"),
            Some(ProviderState::Revoked("HTTP 204".into()))
        );
        assert_eq!(state("fp2"), Some(ProviderState::Failed("HTTP 403".into())));
        assert_eq!(state("fp3"), Some(ProviderState::Pending));
        assert_eq!(state("fp4"), None);
        let pending: Vec<String> = j
            .pending_revocations()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(pending, ["fp3"]);
        assert_eq!(j.batches().count(), 0);
    }

    #[test]
    fn a_second_opener_is_refused_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("revocations.jsonl");
        let first = Journal::open(&path, key()).unwrap();
        let err = Journal::open(&path, key()).err().unwrap().to_string();
        assert!(err.contains("in use by another keysweep"), "{err}");
        drop(first);
        std::fs::write(&path, "{\"event\":\"batch\"}\n").unwrap();
        let err = Journal::open(&path, key()).err().unwrap().to_string();
        assert!(err.contains("line 1: the line carries no MAC"), "{err}");
    }

    /// Lines sealed by another key, unsealed, edited, dropped or reordered are refused, and the
    /// file is left as it was (a torn tail is not cut from a file that is not ours).
    #[test]
    fn only_lines_sealed_in_order_by_this_key_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("revocations.jsonl");
        {
            let mut j = Journal::open(&path, key()).unwrap();
            for (d, n) in [("d1", 1), ("d2", 2), ("d3", 3)] {
                j.append(batch(d, n)).unwrap();
            }
        }
        let good = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = good.lines().collect();
        let refused = |text: String, want: &str| {
            std::fs::write(&path, &text).unwrap();
            let err = Journal::open(&path, key()).err().unwrap().to_string();
            assert!(err.contains(want), "{want}: {err}");
            assert!(err.contains("move it away"), "{err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "untouched");
            let err = Journal::read_only(&path, Some(key())).err().unwrap();
            assert!(err.to_string().contains(want), "{err}");
        };
        let other = String::from_utf8(seal_lines(
            good.replace(",\"mac\"", ",\"x\"").as_bytes(),
            Key::from_bytes([8; 32]),
        ))
        .unwrap();
        refused(other, "line 1: its MAC does not verify");
        refused(
            format!("{}\n{}\n{}", lines[0], lines[2], "{\"torn"),
            "line 2: its MAC does not verify",
        );
        refused(
            format!("{}\n{}\n", lines[1], lines[0]),
            "line 1: its MAC does not verify",
        );
        refused(
            good.replace("tok2", "tok9"),
            "line 2: its MAC does not verify",
        );
        refused(
            "{\"event\":\"ba".into(),
            "line 1: not a complete journal entry",
        );
        refused("\n".into(), "line 1: not a journal entry");
        std::fs::write(&path, &good).unwrap();
        let err = Journal::read_only(&path, None).err().unwrap().to_string();
        assert!(err.contains("no journal key"), "{err}");
        assert_eq!(Journal::open(&path, key()).unwrap().batches().count(), 3);
    }
}
