//! The history cache (`scan --history`, on by default): what earlier scans of a repository
//! already read, so that the next one reads only what is new.
//!
//! It records the commits walked, the trees and blobs met, and the blobs to read again every
//! time: those that held findings (their findings are made anew from the blob, so the cache holds
//! no secret) and those that could not be scanned (too large, unreadable: said again every run),
//! and the submodules met (said again too).
//! A blob first met in an old commit keeps that commit, since the old walk is not redone.
//!
//! It is keyed by keysweep's version, the pattern set and the options that decide what is read:
//! any change starts afresh. The file ends with a SHA-256 of the rest: a torn or altered file is
//! never trusted, only replaced. It is written to a temporary file, then renamed over the old.

use crate::state_file;
use git2::Oid;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::path::Path;

const MAGIC: &[u8] = b"keysweep history cache 1\n";

/// A blob read again every run, with where it was first met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recheck {
    pub blob: Oid,
    pub path: String,
    /// `None` for a blob a ref names directly.
    pub commit: Option<Oid>,
}

/// A set of object ids, hashed by their first eight bytes: they are already uniformly spread
/// (an id is a hash), and SipHash of 20 bytes took a twentieth of a history scan's time.
pub type OidSet = HashSet<Oid, BuildHasherDefault<OidHasher>>;

/// The hasher of [`OidSet`].
#[derive(Debug, Default, Clone, Copy)]
pub struct OidHasher(u64);

impl Hasher for OidHasher {
    fn write(&mut self, bytes: &[u8]) {
        // An `Oid` hashes as its 20 bytes; anything shorter (a length prefix) is mixed in.
        let mut first = [0u8; 8];
        let n = bytes.len().min(8);
        first[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(first);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What the scans so far have read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Walked {
    pub commits: OidSet,
    pub trees: OidSet,
    /// Every blob met, those of `recheck` included.
    pub blobs: OidSet,
    pub recheck: Vec<Recheck>,
    /// Submodules met (their paths): not scanned, and said so again every run.
    pub submodules: Vec<String>,
}

/// The key of a cache: what must not have changed for it to be used.
pub fn key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a cache file was not used.
#[derive(Debug)]
pub enum Unused {
    /// No file yet.
    Missing,
    /// Another version, pattern set or options made it.
    Stale,
    /// Unreadable, torn or altered: it is replaced.
    Broken(String),
}

/// The cache at `path`, if it exists, is whole and has `key`.
///
/// # Errors
/// The path is refused (a symbolic link, another user's, a file git tracks): the scan stops
/// rather than trust or overwrite it.
pub fn load(path: &Path, key: &str) -> anyhow::Result<Result<Walked, Unused>> {
    state_file::check_folder(path, WHAT)?;
    if state_file::check_existing(path, WHAT)?.is_none() {
        return Ok(Err(Unused::Missing));
    }
    state_file::check_not_tracked(path, WHAT)?;
    let Some(mut file) = state_file::open(path, WHAT, false, false)? else {
        return Ok(Err(Unused::Missing));
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut file, &mut bytes) {
        return Ok(Err(Unused::Broken(e.to_string())));
    }
    Ok(parse(&bytes, key))
}

const WHAT: &str = "history cache";

fn parse(bytes: &[u8], key: &str) -> Result<Walked, Unused> {
    let broken = |why: &str| Unused::Broken(why.to_string());
    let Some((body, sum)) = bytes.split_last_chunk::<32>() else {
        return Err(broken("too short"));
    };
    if Sha256::digest(body).as_slice() != sum {
        return Err(broken("its checksum does not match (torn or altered)"));
    }
    let mut r = Reader(body);
    if r.take(MAGIC.len())? != MAGIC {
        return Err(broken("not a keysweep history cache of this format"));
    }
    let stored_key = r.take(64)?;
    if stored_key != key.as_bytes() {
        return Err(Unused::Stale);
    }
    let mut walked = Walked::default();
    for set in [&mut walked.commits, &mut walked.trees, &mut walked.blobs] {
        let n = r.count()?;
        set.reserve(n);
        for _ in 0..n {
            set.insert(r.oid()?);
        }
    }
    for _ in 0..r.count()? {
        let blob = r.oid()?;
        let commit = match r.take(1)? {
            [0] => None,
            _ => Some(r.oid()?),
        };
        let len = r.count()?;
        let path =
            String::from_utf8(r.take(len)?.to_vec()).map_err(|_| broken("a path is not UTF-8"))?;
        walked.recheck.push(Recheck { blob, path, commit });
    }
    for _ in 0..r.count()? {
        let len = r.count()?;
        let path =
            String::from_utf8(r.take(len)?.to_vec()).map_err(|_| broken("a path is not UTF-8"))?;
        walked.submodules.push(path);
    }
    if !r.0.is_empty() {
        return Err(broken("bytes after its end"));
    }
    Ok(walked)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Unused> {
        if self.0.len() < n {
            return Err(Unused::Broken("cut short".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn count(&mut self) -> Result<usize, Unused> {
        let bytes = self.take(8)?;
        let n = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        // No count can exceed what the file holds: a corrupt count fails here, not in an
        // allocation.
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.0.len())
            .ok_or_else(|| Unused::Broken("a count is larger than the file".into()))
    }
    fn oid(&mut self) -> Result<Oid, Unused> {
        Oid::from_bytes(self.take(20)?).map_err(|e| Unused::Broken(e.message().to_string()))
    }
}

fn serialize(walked: &Walked, key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        MAGIC.len() + 64 + 20 * (walked.commits.len() + walked.trees.len() + walked.blobs.len()),
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key.as_bytes());
    let count = |out: &mut Vec<u8>, n: usize| out.extend_from_slice(&(n as u64).to_le_bytes());
    for set in [&walked.commits, &walked.trees, &walked.blobs] {
        count(&mut out, set.len());
        // Sorted: the same walk writes the same file.
        let mut ids: Vec<&Oid> = set.iter().collect();
        ids.sort_unstable();
        for id in ids {
            out.extend_from_slice(id.as_bytes());
        }
    }
    count(&mut out, walked.recheck.len());
    for r in &walked.recheck {
        out.extend_from_slice(r.blob.as_bytes());
        match r.commit {
            None => out.push(0),
            Some(c) => {
                out.push(1);
                out.extend_from_slice(c.as_bytes());
            }
        }
        count(&mut out, r.path.len());
        out.extend_from_slice(r.path.as_bytes());
    }
    count(&mut out, walked.submodules.len());
    for path in &walked.submodules {
        count(&mut out, path.len());
        out.extend_from_slice(path.as_bytes());
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

/// Writes `walked` to `path` (its folder created private when missing): a new file (0600)
/// renamed over the old one, so a crash leaves the old cache or the new, never half of one.
///
/// # Errors
/// The path is refused or cannot be written.
pub fn save(path: &Path, key: &str, walked: &Walked) -> anyhow::Result<()> {
    state_file::prepare_folder(path, WHAT)?;
    state_file::check_existing(path, WHAT)?;
    state_file::check_not_tracked(path, WHAT)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let write = || -> std::io::Result<()> {
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(&serialize(walked, key))?;
        tmp.as_file().sync_all()?;
        tmp.persist(path)?;
        Ok(())
    };
    write().map_err(|e| anyhow::anyhow!("{}: cannot write the {WHAT}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    fn walked() -> Walked {
        Walked {
            commits: [oid(1), oid(2)].into_iter().collect(),
            trees: [oid(3)].into_iter().collect(),
            blobs: [oid(4), oid(5), oid(6)].into_iter().collect(),
            recheck: vec![
                Recheck {
                    blob: oid(5),
                    path: "src/.env".into(),
                    commit: Some(oid(2)),
                },
                Recheck {
                    blob: oid(6),
                    path: "refs/tags/key".into(),
                    commit: None,
                },
            ],
            submodules: vec!["vendor/lib".into()],
        }
    }

    #[test]
    fn a_cache_reads_back_as_written_under_its_own_key_only() {
        let k = key(&["patterns", "options"]);
        let bytes = serialize(&walked(), &k);
        assert_eq!(parse(&bytes, &k).unwrap(), walked());
        assert!(matches!(
            parse(&bytes, &key(&["other patterns", "options"])),
            Err(Unused::Stale)
        ));
    }

    #[test]
    fn a_torn_or_altered_cache_is_never_trusted() {
        let k = key(&["p"]);
        let bytes = serialize(&walked(), &k);
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                matches!(parse(&bytes[..cut], &k), Err(Unused::Broken(_))),
                "cut at {cut}"
            );
        }
        for at in [MAGIC.len() + 70, bytes.len() - 40] {
            let mut altered = bytes.clone();
            altered[at] ^= 1;
            assert!(
                matches!(parse(&altered, &k), Err(Unused::Broken(_))),
                "byte {at}"
            );
        }
    }
}
