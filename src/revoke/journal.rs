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
//! An exclusive lock on the journal file keeps a second keysweep out while one is using it.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One found secret as a webhook receives it (ARCHITECTURE.md §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    Batch {
        delivery: String,
        webhook: String,
        time: u64,
        items: Vec<Item>,
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

/// Where a batch or a provider revocation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pending,
    Delivered(Vec<Label>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub delivery: String,
    pub webhook: String,
    pub items: Vec<Item>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub struct Revocation {
    pub rule_id: String,
    pub secret: String,
    pub pair: Option<String>,
    pub outcome: Outcome,
}

pub struct Journal {
    path: PathBuf,
    /// `None` for a dry run's read-only view.
    file: Option<File>,
    batches: BTreeMap<String, Batch>,
    /// Delivery ids in the order their batches were first written.
    order: Vec<String>,
    revocations: HashMap<String, Revocation>,
}

/// Seconds since the Unix epoch, for entries.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Journal {
    /// Opens (creating it, and its folder, private to the user) and locks the journal, and reads
    /// its state.
    ///
    /// # Errors
    /// Another keysweep holds the lock; the file cannot be created or read; a line other than a
    /// torn last one is not a journal entry.
    pub fn open(path: &Path) -> anyhow::Result<Journal> {
        let shown = path.display();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{}: cannot create the journal's folder: {e}",
                            dir.display()
                        )
                    })?;
                // The journal holds secrets: keep it out of commits and out of later scans.
                let ignore = dir.join(".gitignore");
                if let Err(e) = std::fs::write(&ignore, "*\n") {
                    eprintln!(
                        "keysweep: warning: {}: cannot write ({e}); keep the journal out of git yourself",
                        ignore.display()
                    );
                }
            }
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| anyhow::anyhow!("{shown}: cannot open the journal: {e}"))?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| anyhow::anyhow!("{shown}: cannot make the journal private (0600): {e}"))?;
        if let Err(e) = file.try_lock() {
            anyhow::bail!(
                "{shown}: the journal is in use by another keysweep ({e}); wait for it to finish, then run again"
            );
        }
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("{shown}: cannot read the journal: {e}"))?;
        let mut journal = Journal::empty(path, Some(file));
        let complete = journal.replay(&text)?;
        if complete < text.len() {
            let file = journal.file.as_ref().expect("just opened");
            file.set_len(complete as u64)
                .map_err(|e| anyhow::anyhow!("{shown}: cannot repair the journal: {e}"))?;
        }
        Ok(journal)
    }

    fn empty(path: &Path, file: Option<File>) -> Journal {
        Journal {
            path: path.to_path_buf(),
            file,
            batches: BTreeMap::new(),
            order: Vec::new(),
            revocations: HashMap::new(),
        }
    }

    /// Applies the entries of `text` and returns the length of its complete lines. A last line
    /// without its newline was torn by a crash mid-write: its step never started, so it is
    /// dropped (the caller cuts it from the file, so the next entry starts on its own line).
    fn replay(&mut self, text: &str) -> anyhow::Result<usize> {
        let shown = self.path.display().to_string();
        let complete = text.rfind('\n').map_or(0, |i| i + 1);
        if complete < text.len() {
            eprintln!(
                "keysweep: warning: {shown}: dropping an incomplete last line (a write cut short)"
            );
        }
        for (n, line) in text[..complete].lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_str(line).map_err(|e| {
                anyhow::anyhow!("{shown}: line {}: not a journal entry: {e}", n + 1)
            })?;
            self.apply(entry);
        }
        Ok(complete)
    }

    /// The journal as it stands, read without locking or writing it (an empty one when the file
    /// does not exist): what a dry run reports against.
    ///
    /// # Errors
    /// As [`Journal::open`], except for the lock.
    pub fn read_only(path: &Path) -> anyhow::Result<Journal> {
        match std::fs::read_to_string(path) {
            Ok(text) => Journal::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Journal::empty(path, None)),
            Err(e) => anyhow::bail!("{}: cannot read the journal: {e}", path.display()),
        }
    }

    /// The state that the journal text `text` records, as [`Journal::read_only`] reads it;
    /// `path` names it in errors.
    ///
    /// # Errors
    /// A line other than a torn last one is not a journal entry.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Journal> {
        let mut journal = Journal::empty(path, None);
        journal.replay(text)?;
        Ok(journal)
    }

    /// Writes `entry`, syncs it to disk, then updates the state.
    ///
    /// # Errors
    /// A write or sync error: the step it announces must not happen then.
    pub fn append(&mut self, entry: Entry) -> anyhow::Result<()> {
        let mut line = serde_json::to_string(&entry).expect("journal entries serialize");
        line.push('\n');
        let file = self
            .file
            .as_mut()
            .expect("a read-only journal is never written");
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| {
                anyhow::anyhow!("{}: cannot write the journal: {e}", self.path.display())
            })?;
        self.apply(entry);
        Ok(())
    }

    fn apply(&mut self, entry: Entry) {
        match entry {
            Entry::Batch {
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
                        outcome: Outcome::Pending,
                    },
                );
            }
            Entry::Delivered {
                delivery, labels, ..
            } => {
                if let Some(b) = self.batches.get_mut(&delivery) {
                    b.outcome = Outcome::Delivered(labels);
                }
            }
            Entry::Failed {
                delivery, detail, ..
            } => {
                if let Some(b) = self.batches.get_mut(&delivery) {
                    b.outcome = Outcome::Failed(detail);
                }
            }
            Entry::Revoking {
                fingerprint,
                rule_id,
                secret,
                pair,
                ..
            } => {
                self.revocations.insert(
                    fingerprint,
                    Revocation {
                        rule_id,
                        secret,
                        pair,
                        outcome: Outcome::Pending,
                    },
                );
            }
            Entry::Revoked {
                fingerprint,
                detail,
                ..
            } => {
                if let Some(r) = self.revocations.get_mut(&fingerprint) {
                    r.outcome = Outcome::Delivered(vec![Label {
                        fingerprint: fingerprint.clone(),
                        label: Some(detail),
                        revoked: Some(true),
                    }]);
                }
            }
            Entry::RevokeFailed {
                fingerprint,
                detail,
                ..
            } => {
                if let Some(r) = self.revocations.get_mut(&fingerprint) {
                    r.outcome = Outcome::Failed(detail);
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
            .filter(|b| b.webhook == webhook && !matches!(b.outcome, Outcome::Failed(_)))
            .flat_map(|b| b.items.iter().map(|i| i.fingerprint.as_str()))
            .collect()
    }

    pub fn revocation(&self, fingerprint: &str) -> Option<&Revocation> {
        self.revocations.get(fingerprint)
    }

    /// Provider revocations announced but never answered, by fingerprint.
    pub fn pending_revocations(&self) -> Vec<(String, Revocation)> {
        let mut pending: Vec<(String, Revocation)> = self
            .revocations
            .iter()
            .filter(|(_, r)| r.outcome == Outcome::Pending)
            .map(|(f, r)| (f.clone(), r.clone()))
            .collect();
        pending.sort_by(|a, b| a.0.cmp(&b.0));
        pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: u32) -> Item {
        Item {
            token: format!("tok{n}"),
            rule_id: "acme.key".into(),
            url: "a.env#L1".into(),
            source: "file".into(),
            fingerprint: format!("fp{n}"),
        }
    }

    #[test]
    fn state_survives_reopening_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/revocations.jsonl");
        {
            let mut j = Journal::open(&path).unwrap();
            for (d, n) in [("d1", 1), ("d2", 2)] {
                j.append(Entry::Batch {
                    delivery: d.into(),
                    webhook: "w".into(),
                    time: 1,
                    items: vec![item(n)],
                })
                .unwrap();
            }
            j.append(Entry::Delivered {
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
        let j = Journal::open(&path).unwrap();
        let states: Vec<(&str, &Outcome)> = j
            .batches()
            .map(|b| (b.delivery.as_str(), &b.outcome))
            .collect();
        assert_eq!(
            states,
            [
                ("d1", &Outcome::Delivered(vec![])),
                ("d2", &Outcome::Pending)
            ]
        );
        assert_eq!(j.taken_by("w"), HashSet::from(["fp1", "fp2"]));
        assert!(std::fs::read_to_string(&path).unwrap().ends_with("}\n"));
    }

    #[test]
    fn a_second_opener_is_refused_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("revocations.jsonl");
        let first = Journal::open(&path).unwrap();
        let err = Journal::open(&path).err().unwrap().to_string();
        assert!(err.contains("in use by another keysweep"), "{err}");
        drop(first);
        std::fs::write(&path, "{\"event\":\"batch\"}\n").unwrap();
        let err = Journal::open(&path).err().unwrap().to_string();
        assert!(err.contains("line 1: not a journal entry"), "{err}");
    }
}
