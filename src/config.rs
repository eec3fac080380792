//! `.keysweep.toml`: scan settings, allow rules, custom patterns, and (for verification and
//! revocation) provider URLs and webhooks. Unknown keys, bad globs and bad regexes are errors that
//! name the key: a typo must never silently switch a rule off or on.

use crate::pattern::PatternSpec;
use anyhow::{anyhow, Context};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The config file looked for at the scanned root when `--config` is not given.
pub const FILE_NAME: &str = ".keysweep.toml";

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub scan: ScanSection,
    #[serde(default)]
    pub allow: AllowSection,
    #[serde(default)]
    pub patterns: Vec<PatternSpec>,
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderSection>,
    #[serde(default)]
    pub revoke: RevokeSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// Globs of paths not to scan (relative to the scanned root or repository root).
    #[serde(default)]
    pub exclude: Vec<String>,
    pub max_file_size: Option<u64>,
    /// Run the generic (low-confidence) rules, as `--generic` does.
    #[serde(default)]
    pub generic: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSection {
    /// Globs of paths whose findings are not reported.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes matched against the secret: a match is not reported.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Rule ids or globs (`generic.*`) switched off.
    #[serde(default)]
    pub rules: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSection {
    /// Base URL for verification and revocation calls.
    pub api_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeSection {
    pub journal: Option<String>,
    /// Attempts per request, the first included (default 5).
    pub max_attempts: Option<u32>,
    /// The first retry's wait in milliseconds, doubled each time (default 1000).
    pub backoff_ms: Option<u64>,
    /// Per-request timeout in seconds (default 10).
    pub timeout_secs: Option<u64>,
    /// Wall-clock seconds for the whole verify + revoke phase (default 600).
    pub budget_secs: Option<u64>,
    #[serde(default)]
    pub webhooks: Vec<WebhookSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    pub url: String,
    /// Rule globs whose findings go to this webhook (default: all).
    #[serde(default)]
    pub rules: Vec<String>,
    /// The environment variable holding the HMAC key.
    pub secret_env: String,
}

/// A loaded, checked config: globs and regexes compiled.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it came from (`None`: no config file).
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
    pub exclude: Option<GlobSet>,
    pub allow: Allow,
}

/// The compiled `[allow]` rules.
#[derive(Debug, Default)]
pub struct Allow {
    pub paths: Option<GlobSet>,
    pub secrets: Vec<regex::Regex>,
    pub rules: Option<GlobSet>,
}

impl Config {
    /// Loads `explicit`, or else `root/.keysweep.toml` if it exists, or else an empty config.
    ///
    /// # Errors
    /// An unreadable file (an explicit one that is missing included), bad TOML, an unknown key,
    /// a bad glob or regex: each message names the file and the key.
    pub fn load(explicit: Option<&Path>, root: &Path) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let found = root.join(FILE_NAME);
                if !found.is_file() {
                    return Ok(Config::default());
                }
                found
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read the config", path.display()))?;
        Self::parse(&path, &text)
    }

    /// # Errors
    /// As [`Config::load`].
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Config> {
        let name = crate::source::display_path(path);
        let file: ConfigFile = toml::from_str(text)
            .map_err(|e| anyhow!("{name}: {}", crate::pattern::toml_error(text, &e)))?;
        let exclude =
            globs(&file.scan.exclude).map_err(|e| anyhow!("{name}: [scan] exclude: {e}"))?;
        let allow = Allow {
            paths: globs(&file.allow.paths).map_err(|e| anyhow!("{name}: [allow] paths: {e}"))?,
            secrets: file
                .allow
                .secrets
                .iter()
                .map(|re| {
                    regex::Regex::new(re).map_err(|e| {
                        let last = e
                            .to_string()
                            .lines()
                            .last()
                            .unwrap_or_default()
                            .trim()
                            .to_string();
                        anyhow!("{name}: [allow] secrets: bad regex {re:?}: {last}")
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            rules: globs(&file.allow.rules).map_err(|e| anyhow!("{name}: [allow] rules: {e}"))?,
        };
        for (i, hook) in file.revoke.webhooks.iter().enumerate() {
            globs(&hook.rules)
                .map_err(|e| anyhow!("{name}: [[revoke.webhooks]] #{} rules: {e}", i + 1))?;
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            file,
            exclude,
            allow,
        })
    }
}

/// Compiles globs (`None` when there are none).
///
/// # Errors
/// The first bad glob, quoted.
pub fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| format!("bad glob {pattern:?}: {}", e.kind()))?;
        set.add(glob);
    }
    set.build().map(Some).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Config> {
        Config::parse(Path::new("k.toml"), text)
    }

    #[test]
    fn the_documented_example_loads() {
        let config = parse(
            r#"
[scan]
exclude = ["vendor/**", "*.min.js"]
max_file_size = 26214400
[allow]
paths = ["tests/fixtures/**"]
secrets = ['^EXAMPLE']
rules = ["generic.*"]
[providers.scaleway]
api_url = "https://api.scaleway.com"
[[revoke.webhooks]]
url = "https://hooks.example.com/secret-scanning"
rules = ["scaleway.*", "scalr.*"]
secret_env = "KEYSWEEP_WEBHOOK_SECRET"
[revoke]
journal = ".keysweep/revocations.jsonl"
"#,
        )
        .unwrap();
        assert!(config.exclude.unwrap().is_match("web/app.min.js"));
        assert!(config.allow.rules.unwrap().is_match("generic.password"));
        assert_eq!(
            config.file.providers["scaleway"].api_url.as_deref(),
            Some("https://api.scaleway.com")
        );
    }

    #[test]
    fn errors_name_the_key() {
        let err = parse("[allow]\npath = []\n").unwrap_err().to_string();
        assert!(
            err.starts_with("k.toml: line 2, column 1: unknown field `path`"),
            "{err}"
        );
        let err = parse("[allow]\npaths = [\"a[\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("k.toml: [allow] paths: bad glob \"a[\""),
            "{err}"
        );
        let err = parse("[allow]\nsecrets = [\"(\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("k.toml: [allow] secrets: bad regex \"(\""),
            "{err}"
        );
        let err = parse("[scan]\nexclude = [\"{\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("k.toml: [scan] exclude: bad glob"), "{err}");
        let err = parse("[scna]\n").unwrap_err().to_string();
        assert!(err.contains("unknown field `scna`"), "{err}");
    }
}
