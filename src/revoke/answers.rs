//! Verification answers kept across runs (`[revoke] verify_cache_hours`): a `live` or `invalid`
//! answer is reused for that long rather than asking the provider again; `unknown` is never kept.
//! The file is in keysweep's state folder (0600, never read through a symbolic link, replaced
//! whole through a temporary file) and holds no secret: each answer is keyed by a digest of the
//! rule, the secret, its pair and the API asked. A file that cannot be read whole, or that an
//! older keysweep wrote, is set aside (said once) and replaced.

use crate::finding::{Status, Verification};
use crate::state_file;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file's name in the state folder.
pub const FILE: &str = "verifications.json";
const WHAT: &str = "verification cache";

#[derive(Serialize, Deserialize)]
struct Saved {
    /// The keysweep that wrote it: another version's verify calls may judge differently.
    version: String,
    answers: BTreeMap<String, Answer>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Answer {
    /// Seconds since the Unix epoch.
    at: u64,
    status: Verification,
    detail: String,
    endpoint: Option<String>,
    http_status: Option<u16>,
}

/// The answers of earlier runs still fresh, and this run's to add.
pub struct Answers {
    path: PathBuf,
    answers: BTreeMap<String, Answer>,
    changed: bool,
}

/// The key of one question: no secret can be read back from it.
pub fn key(rule_id: &str, secret: &str, pair: Option<&str>, api: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, secret, pair.unwrap_or(""), api] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn now() -> u64 {
    super::journal::now()
}

impl Answers {
    /// The fresh answers of `path` (none when it is missing, unreadable or stale, which is said
    /// on stderr unless it is simply missing).
    ///
    /// # Errors
    /// The path is refused: a symbolic link, another user's, a folder that is a link.
    pub fn load(path: &Path, keep_for: Duration) -> anyhow::Result<Answers> {
        let mut answers = Answers {
            path: path.to_path_buf(),
            answers: BTreeMap::new(),
            changed: false,
        };
        state_file::check_folder(path, WHAT)?;
        if state_file::check_existing(path, WHAT)?.is_none() {
            return Ok(answers);
        }
        let Some(mut file) = state_file::open(path, WHAT, false, false)? else {
            return Ok(answers);
        };
        let mut text = String::new();
        let saved = file
            .read_to_string(&mut text)
            .map_err(|e| e.to_string())
            .and_then(|_| serde_json::from_str::<Saved>(&text).map_err(|e| e.to_string()));
        match saved {
            Ok(saved) if saved.version == env!("CARGO_PKG_VERSION") => {
                let oldest = now().saturating_sub(keep_for.as_secs());
                answers.answers = saved.answers;
                let before = answers.answers.len();
                answers.answers.retain(|_, a| a.at >= oldest);
                answers.changed = answers.answers.len() != before;
            }
            Ok(_) => answers.changed = true, // another version's: replaced
            Err(why) => {
                eprintln!(
                    "keysweep: warning: {}: the verification cache cannot be read ({why}); every secret is asked again and the file replaced",
                    path.display()
                );
                answers.changed = true;
            }
        }
        Ok(answers)
    }

    /// An earlier run's answer to this question, its detail saying how old it is.
    pub fn get(&self, key: &str) -> Option<Status<Verification>> {
        let a = self.answers.get(key)?;
        let age = now().saturating_sub(a.at);
        Some(Status {
            status: a.status,
            detail: format!(
                "{} (answered {} ago, from the verification cache)",
                a.detail,
                ago(age)
            ),
            endpoint: a.endpoint.clone(),
            http_status: a.http_status,
        })
    }

    /// Keeps a definite answer (`live`, `invalid`) for later runs.
    pub fn put(&mut self, key: String, status: &Status<Verification>) {
        if status.status == Verification::Unknown {
            return;
        }
        self.answers.insert(
            key,
            Answer {
                at: now(),
                status: status.status,
                detail: status.detail.clone(),
                endpoint: status.endpoint.clone(),
                http_status: status.http_status,
            },
        );
        self.changed = true;
    }

    /// Writes the answers back, when they changed: a new private file renamed over the old one,
    /// so a crash leaves the old file or the new, never half of one.
    ///
    /// # Errors
    /// The folder is refused or the file cannot be written.
    pub fn save(&self) -> anyhow::Result<()> {
        if !self.changed {
            return Ok(());
        }
        state_file::prepare_folder(&self.path, WHAT)?;
        let saved = Saved {
            version: env!("CARGO_PKG_VERSION").to_string(),
            answers: self.answers.clone(),
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let write = || -> std::io::Result<()> {
            // Created 0600 with O_EXCL; the rename replaces a link at the path, never follows it.
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(serde_json::to_string(&saved)?.as_bytes())?;
            tmp.as_file().sync_all()?;
            tmp.persist(&self.path)?;
            Ok(())
        };
        write()
            .map_err(|e| anyhow::anyhow!("{}: cannot write the {WHAT}: {e}", self.path.display()))
    }
}

/// `45 s`, `12 min`, `3 h`, `2 days`.
fn ago(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> Status<Verification> {
        Status {
            status: Verification::Live,
            detail: "api.example.com: HTTP 200, /login in the answer".into(),
            endpoint: Some("api.example.com".into()),
            http_status: Some(200),
        }
    }

    #[test]
    fn a_definite_answer_is_kept_and_no_secret_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join(FILE);
        let mut answers = Answers::load(&path, Duration::from_secs(3600)).unwrap();
        let k = key(
            "github.pat_classic",
            "ghp_SECRETSECRET",
            None,
            "https://api.github.com",
        );
        answers.put(k.clone(), &live());
        let unknown = Status::new(Verification::Unknown, "HTTP 503");
        answers.put(key("r", "other", None, "a"), &unknown);
        answers.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("SECRETSECRET"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = Answers::load(&path, Duration::from_secs(3600)).unwrap();
        let got = again.get(&k).expect("kept");
        assert_eq!(got.status, Verification::Live);
        assert_eq!(got.http_status, Some(200));
        assert!(
            got.detail.contains("from the verification cache"),
            "{}",
            got.detail
        );
        assert_eq!(again.answers.len(), 1, "unknown is never kept");
        // Another API (a test server) is another question.
        assert!(again
            .get(&key(
                "github.pat_classic",
                "ghp_SECRETSECRET",
                None,
                "http://127.0.0.1:1"
            ))
            .is_none());
    }

    #[test]
    fn a_stale_torn_or_linked_file_is_never_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let mut answers = Answers::load(&path, Duration::from_secs(3600)).unwrap();
        answers.put("k".into(), &live());
        answers.save().unwrap();
        // Stale: older than the configured hours.
        let mut saved: Saved =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        saved.answers.get_mut("k").unwrap().at -= 7200;
        std::fs::write(&path, serde_json::to_string(&saved).unwrap()).unwrap();
        assert!(Answers::load(&path, Duration::from_secs(3600))
            .unwrap()
            .get("k")
            .is_none());
        // Torn: ignored, and replaced on save.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        let torn = Answers::load(&path, Duration::from_secs(3600)).unwrap();
        assert!(torn.get("k").is_none());
        torn.save().unwrap();
        let replaced: Saved =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(replaced.answers.is_empty());
        // A symbolic link in its place is refused, not followed.
        let elsewhere = dir.path().join("elsewhere.json");
        std::fs::rename(&path, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let err = Answers::load(&path, Duration::from_secs(3600))
            .err()
            .unwrap();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}
