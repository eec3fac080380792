//! The journal's seal: every line carries an HMAC-SHA256, keyed by 32 random bytes
//! kept in the state folder (`journal.key`, 0600), over the line's entry and the previous line's
//! MAC. A journal copied from elsewhere, forged, or cut in the middle or reordered does not verify,
//! so nothing in it is trusted: only this machine's keysweep can have written it.

use crate::state_file;
use anyhow::{anyhow, bail};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The key file's name in the state folder.
pub const KEY_FILE: &str = "journal.key";
const KEY_LEN: usize = 32;
/// Separates what is MACed, so that no two (previous MAC, entry) pairs give the same input.
const DOMAIN: &[u8] = b"keysweep journal v1\0";

pub struct Key {
    bytes: [u8; KEY_LEN],
}

impl Key {
    /// A fixed key, for tests and fuzzing.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Key {
        Key { bytes }
    }

    /// The key in `dir`, created there (0600, from the system's random source) when missing.
    ///
    /// # Errors
    /// As [`Key::load`]; the key cannot be created.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Key> {
        if let Some(key) = Key::load(dir)? {
            return Ok(key);
        }
        let path = dir.join(KEY_FILE);
        let mut bytes = [0u8; KEY_LEN];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow!("{}: no random bytes for a new key: {e}", path.display()))?;
        // Written whole under a private name, then linked into place, which fails if another
        // keysweep got there first: nobody ever reads a half-written key.
        let temp = dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .and_then(|mut f| f.write_all(&bytes).and_then(|()| f.sync_all()));
        let linked = written.and_then(|()| std::fs::hard_link(&temp, &path));
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => Ok(Key { bytes }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Key::load(dir)?
                .ok_or_else(|| anyhow!("{}: the journal key vanished", path.display())),
            Err(e) => bail!("{}: cannot create the journal key: {e}", path.display()),
        }
    }

    /// The key in `dir`, if there is one.
    ///
    /// # Errors
    /// It (or its folder) is a symbolic link, or it is another user's, readable by others, or
    /// not 32 bytes: then it may be known to someone else, and no journal it signs can be
    /// trusted.
    pub fn load(dir: &Path) -> anyhow::Result<Option<Key>> {
        let path: PathBuf = dir.join(KEY_FILE);
        let what = "journal key";
        if !state_file::check_folder(&path, what)? {
            return Ok(None);
        }
        let Some(file) = state_file::open(&path, what, false, false)? else {
            return Ok(None);
        };
        let meta = file
            .metadata()
            .map_err(|e| anyhow!("{}: cannot read the journal key: {e}", path.display()))?;
        if meta.mode() & 0o077 != 0 {
            bail!(
                "{}: the journal key is readable by others (mode {:o}); it may be known: remove it and move the journal away",
                path.display(),
                meta.mode() & 0o777
            );
        }
        let mut bytes = Vec::new();
        file.take(KEY_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| anyhow!("{}: cannot read the journal key: {e}", path.display()))?;
        let bytes: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            anyhow!(
                "{}: the journal key is not {KEY_LEN} bytes; remove it and move the journal away",
                path.display()
            )
        })?;
        Ok(Some(Key { bytes }))
    }

    /// The MAC of a line holding `entry` (its JSON) after a line whose MAC was `previous` (`""`
    /// for the first line), in hex.
    pub fn mac(&self, previous: &str, entry: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.bytes).expect("HMAC takes a key of any length");
        mac.update(DOMAIN);
        mac.update(previous.as_bytes());
        mac.update(b"\0");
        mac.update(entry.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether `mac` is the MAC of `entry` after `previous`, compared in constant time.
    pub fn verifies(&self, previous: &str, entry: &str, mac: &str) -> bool {
        let want = self.mac(previous, entry);
        want.len() == mac.len()
            && want
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_is_made_once_private_and_refused_when_others_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Key::load(dir.path()).unwrap().is_none());
        let made = Key::load_or_create(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        let again = Key::load_or_create(dir.path()).unwrap();
        assert_eq!(made.bytes, again.bytes);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );

        let mac = made.mac("", "{}");
        assert!(made.verifies("", "{}", &mac));
        assert!(!made.verifies("x", "{}", &mac));
        assert!(!Key::from_bytes([1; 32]).verifies("", "{}", &mac));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Key::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("readable by others (mode 644)"), "{err}");
    }
}
