//! `--shard I/N`: one of N independent runs that together scan every blob of a history exactly
//! once. A blob belongs to the shard whose range of ids holds it (the ids' first four bytes cut
//! into N equal ranges): the same on every machine, and about equal in size, since ids are hashes.
//! Each shard still walks every commit and tree, so a blob keeps the commit that introduced it.

use std::fmt;
use std::str::FromStr;

/// The most shards a history may be split into.
pub const MAX_SHARDS: u32 = 4096;

/// Shard `index` (from 0) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// `N` of `I/N`.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// `I` of `I/N`, from 1.
    pub fn number(&self) -> u32 {
        self.index + 1
    }

    /// Whether the object `id` (its bytes) is this shard's.
    pub fn holds(&self, id: &[u8]) -> bool {
        let mut first = [0u8; 4];
        let n = id.len().min(4);
        first[..n].copy_from_slice(&id[..n]);
        let at = u64::from(u32::from_be_bytes(first));
        ((at * u64::from(self.count)) >> 32) as u32 == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N`, `I` from 1 to `N`, `N` from 1 to [`MAX_SHARDS`].
    fn from_str(text: &str) -> Result<Self, String> {
        let bad =
            || format!("--shard {text:?}: expected I/N, 1 <= I <= N <= {MAX_SHARDS} (e.g. 2/4)");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (i, n): (u32, u32) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if n == 0 || n > MAX_SHARDS || i == 0 || i > n {
            return Err(bad());
        }
        Ok(Shard {
            index: i - 1,
            count: n,
        })
    }
}

impl fmt::Display for Shard {
    /// As given: `I/N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_i_of_n_and_refuses_anything_else() {
        assert_eq!("2/4".parse::<Shard>().unwrap().to_string(), "2/4");
        for bad in ["0/4", "5/4", "1/0", "4", "a/b", "1/4097", "-1/2", "1/2/3"] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains(bad) && err.contains("I/N"), "{err}");
        }
    }

    proptest! {
        // Every id is in exactly one of the N shards.
        #[test]
        fn every_id_is_in_exactly_one_shard(id in proptest::array::uniform20(any::<u8>()), n in 1u32..40) {
            let holders = (1..=n)
                .filter(|i| format!("{i}/{n}").parse::<Shard>().unwrap().holds(&id))
                .count();
            prop_assert_eq!(holders, 1);
        }
    }
}
