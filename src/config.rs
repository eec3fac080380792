//! `.keysweep.toml`: scan settings, allow rules, custom patterns, and (for verification and
//! revocation) provider URLs and webhooks. Unknown keys, bad globs and bad regexes are errors that
//! name the key: a typo must never silently switch a rule off or on.

use crate::pattern::PatternSpec;
use anyhow::{anyhow, Context};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// `false` turns the generic (low-confidence) rules off, as `--no-generic` does; they are on
    /// by default.
    #[serde(default)]
    pub generic: Option<bool>,
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

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSection {
    /// Base URL for verification and revocation calls.
    pub api_url: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
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
    /// Calls per second to any one provider's API (default 10).
    pub rate_per_sec: Option<u64>,
    /// Hours a `live` or `invalid` answer is reused by later runs (default: not kept).
    pub verify_cache_hours: Option<u64>,
    #[serde(default)]
    pub webhooks: Vec<WebhookSection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    pub url: String,
    /// Rule globs whose findings go to this webhook (default: all).
    #[serde(default)]
    pub rules: Vec<String>,
    /// The environment variable holding the HMAC key.
    pub secret_env: String,
}

/// Where a config file came from, which decides what it may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// `--config FILE`: the user named it.
    Named,
    /// The user's own config folder (`places::user_config_file`).
    User,
    /// Found in the scanned tree (or in a commit of the scanned repository): written by whoever
    /// wrote the tree. It may only narrow what is reported, visibly; never say where data goes.
    Tree,
}

/// One config file's text and where it came from.
#[derive(Debug, Clone)]
pub struct Source {
    /// How messages name it: a path, or `.keysweep.toml at 1a2b3c4d5e6f` for a committed one.
    pub name: String,
    /// The file on disk, when it is one (relative paths in `[revoke]` start from its folder).
    pub path: Option<PathBuf>,
    pub trust: Trust,
    pub text: String,
    /// Where the scanned folder lies below the config's own folder (`app/`), for a config found
    /// in a parent folder: its globs are relative to its folder, report paths to the scanned one.
    pub prefix: String,
}

impl Source {
    /// A file on disk, read whole.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn read(path: &Path, trust: Trust) -> anyhow::Result<Source> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the config", path.display()))?;
        Ok(Source {
            name: crate::text::display_path(path),
            path: Some(path.to_path_buf()),
            trust,
            text,
            prefix: String::new(),
        })
    }
}

/// A loaded, checked config: every file read, merged, globs and regexes compiled.
#[derive(Debug, Default)]
pub struct Config {
    /// The names of the files read, lowest precedence first.
    pub sources: Vec<String>,
    pub exclude: Option<std::sync::Arc<Exclude>>,
    pub max_file_size: Option<u64>,
    /// The config file whose `[scan] generic = false` turned the generic rules off (the last
    /// file to set it decides); `None`: they are on.
    pub generic_off_by: Option<String>,
    pub allow: Allow,
    /// Custom patterns, by the name of the file that holds them.
    pub patterns: Vec<(String, Vec<PatternSpec>)>,
    /// What only a trusted file (named or the user's own) may set.
    pub trusted: Trusted,
}

/// The settings that send data or write files: never from a config found in the scanned tree.
#[derive(Debug, Default)]
pub struct Trusted {
    /// The file `revoke` came from (its folder anchors a relative journal path).
    pub path: Option<PathBuf>,
    pub providers: BTreeMap<String, ProviderSection>,
    pub revoke: RevokeSection,
}

/// `[scan] exclude`, with how many paths each glob kept from being read.
#[derive(Debug)]
pub struct Exclude {
    entries: Vec<(Entry, globset::GlobMatcher)>,
    hits: Vec<AtomicU64>,
}

/// One glob or regex of a config, named as its file wrote it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The config file.
    pub origin: String,
    /// `[allow] paths`, `[scan] exclude`, …
    pub key: &'static str,
    /// The glob or regex as written.
    pub text: String,
    /// The trust of its file.
    pub trust: Trust,
    /// Put before a report path to match it ([`Source::prefix`]).
    pub prefix: String,
}

impl Entry {
    /// A report path as this entry's globs see it: relative to the config's folder.
    fn rebase<'a>(&self, path: &'a str) -> std::borrow::Cow<'a, str> {
        if self.prefix.is_empty() {
            path.into()
        } else {
            format!("{}{path}", self.prefix).into()
        }
    }
}

impl std::fmt::Display for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} {:?}", self.origin, self.key, self.text)
    }
}

impl Exclude {
    /// The globs as written, with the folder each is relative to: what decides what is read.
    pub fn describe(&self) -> String {
        self.entries
            .iter()
            .map(|(e, _)| format!("{}{}\n", e.prefix, e.text))
            .collect()
    }

    /// Whether a glob excludes this report path; the first matching glob counts it.
    pub fn matches(&self, path: &str) -> bool {
        let hit = self
            .entries
            .iter()
            .position(|(e, glob)| glob.is_match(e.rebase(path).as_ref()));
        if let Some(i) = hit {
            self.hits[i].fetch_add(1, Ordering::Relaxed);
        }
        hit.is_some()
    }

    /// Each glob that excluded something, with its count.
    pub fn counts(&self) -> Vec<(&Entry, u64)> {
        self.entries
            .iter()
            .zip(&self.hits)
            .map(|((e, _), n)| (e, n.load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// How many paths were excluded in all.
    pub fn total(&self) -> u64 {
        self.hits.iter().map(|n| n.load(Ordering::Relaxed)).sum()
    }
}

/// The compiled `[allow]` rules of every config file, in order: a finding is counted against the
/// first entry that hides it.
#[derive(Debug, Default)]
pub struct Allow {
    pub entries: Vec<(Entry, Matcher)>,
}

#[derive(Debug)]
pub enum Matcher {
    /// `[allow] paths`: a glob on the finding's path.
    Path(globset::GlobMatcher),
    /// `[allow] secrets`: a regex on the secret.
    Secret(regex::Regex),
    /// `[allow] rules`: a glob on the rule id.
    Rule(globset::GlobMatcher),
}

impl Allow {
    /// The index of the first entry that hides this finding.
    pub fn hides(&self, rule_id: &str, path: &str, secret: &str) -> Option<usize> {
        self.entries.iter().position(|(e, m)| match m {
            Matcher::Path(g) => g.is_match(e.rebase(path).as_ref()),
            Matcher::Secret(re) => re.is_match(secret),
            Matcher::Rule(g) => g.is_match(rule_id),
        })
    }

    /// `[allow] rules` entries that match none of `rule_ids`: most likely typos.
    pub fn unused_rules<'a>(&'a self, rule_ids: &[&str]) -> Vec<&'a Entry> {
        self.entries
            .iter()
            .filter_map(|(e, m)| match m {
                Matcher::Rule(g) if !rule_ids.iter().any(|id| g.is_match(id)) => Some(e),
                _ => None,
            })
            .collect()
    }
}

/// Paths of every shape a repository has: a glob matching all of them hides everything.
const PROBE_PATHS: &[&str] = &[
    "a",
    ".env",
    "README.md",
    "src/main.rs",
    "deploy/prod/values.yaml",
    "x/y/z/credentials",
];

/// Secrets of every shape: a regex matching all of them hides everything.
const PROBE_SECRETS: &[&str] = &[
    "0",
    "Zq",
    "SCW0123456789ABCDEFGH",
    "3f6c2b1a-9d8e-4f7a-b6c5-d4e3f2a1b0c9",
    "-----BEGIN PRIVATE KEY-----",
    "p@ss w0rd!",
    "eyJhbGciOiJIUzI1NiJ9.e30.sig",
];

impl Config {
    /// Merges `sources`, lowest precedence first: lists add up, a later file's `max_file_size`
    /// wins, and `[revoke]` and `[providers]` come from the last trusted file that has them.
    /// A file found in the scanned tree that tries to say where data goes, or to hide everything,
    /// is told off: the first is ignored with a warning (`warn`), the second is an error.
    ///
    /// # Errors
    /// Bad TOML, an unknown key, a bad glob or regex, or a tree config that hides everything:
    /// each message names the file and the key.
    pub fn load(sources: &[Source], warn: &dyn Fn(String)) -> anyhow::Result<Config> {
        let mut config = Config::default();
        let mut excludes: Vec<Entry> = Vec::new();
        for source in sources {
            let name = source.name.as_str();
            let mut file = parse_file(name, &source.text)?;
            for (i, hook) in file.revoke.webhooks.iter().enumerate() {
                globs(&hook.rules)
                    .map_err(|e| anyhow!("{name}: [[revoke.webhooks]] #{} rules: {e}", i + 1))?;
            }
            let untrusted = source.trust == Trust::Tree;
            if untrusted {
                restrict(name, &mut file, warn);
            }
            let entry = |key: &'static str, text: &String| Entry {
                origin: name.to_string(),
                key,
                text: text.clone(),
                trust: source.trust,
                prefix: source.prefix.clone(),
            };
            let exclude: Vec<Entry> = file
                .scan
                .exclude
                .iter()
                .map(|g| entry("[scan] exclude", g))
                .collect();
            check_globs(&exclude)?;
            let mut allow = Vec::new();
            for glob in &file.allow.paths {
                let e = entry("[allow] paths", glob);
                allow.push((e.clone(), Matcher::Path(glob_matcher(&e)?)));
            }
            for re in &file.allow.secrets {
                let e = entry("[allow] secrets", re);
                allow.push((e.clone(), Matcher::Secret(regex(&e)?)));
            }
            for glob in &file.allow.rules {
                let e = entry("[allow] rules", glob);
                allow.push((e.clone(), Matcher::Rule(glob_matcher(&e)?)));
            }
            if let Some(entry) = hides_everything(&exclude, &allow) {
                everything(entry, "would hide every finding", warn)?;
            }
            excludes.extend(exclude);
            config.allow.entries.extend(allow);
            config.max_file_size = file.scan.max_file_size.or(config.max_file_size);
            match file.scan.generic {
                Some(false) => config.generic_off_by = Some(name.to_string()),
                Some(true) => config.generic_off_by = None,
                None => {}
            }
            if !file.patterns.is_empty() {
                config
                    .patterns
                    .push((name.to_string(), std::mem::take(&mut file.patterns)));
            }
            if !untrusted {
                let has_revoke = file.revoke != RevokeSection::default();
                if has_revoke || !file.providers.is_empty() {
                    config.trusted.path = source.path.clone();
                }
                if has_revoke {
                    config.trusted.revoke = std::mem::take(&mut file.revoke);
                }
                config
                    .trusted
                    .providers
                    .extend(std::mem::take(&mut file.providers));
            }
            config.sources.push(name.to_string());
        }
        if !excludes.is_empty() {
            let entries = excludes
                .into_iter()
                .map(|e| glob_matcher(&e).map(|g| (e, g)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            config.exclude = Some(std::sync::Arc::new(Exclude {
                hits: entries.iter().map(|_| AtomicU64::new(0)).collect(),
                entries,
            }));
        }
        Ok(config)
    }

    /// One file's config as the user named it: for tests and fuzzing.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Config> {
        Config::load(
            &[Source {
                name: crate::text::display_path(path),
                path: Some(path.to_path_buf()),
                trust: Trust::Named,
                text: text.to_string(),
                prefix: String::new(),
            }],
            &|_| {},
        )
    }

    /// Fails when the `[allow] rules` switch off every one of `rule_ids` (a tree config), or
    /// warns (a config of the user's); warns about each rules entry that matches no rule.
    ///
    /// # Errors
    /// A rules entry of a config found in the scanned tree that switches off every rule.
    pub fn check_rules(&self, rule_ids: &[&str], warn: &dyn Fn(String)) -> anyhow::Result<()> {
        for entry in self.allow.unused_rules(rule_ids) {
            warn(format!(
                "{entry} matches no rule (check the id: `keysweep patterns list`)"
            ));
        }
        for (entry, matcher) in &self.allow.entries {
            let Matcher::Rule(glob) = matcher else {
                continue;
            };
            if rule_ids.len() > 1 && rule_ids.iter().all(|id| glob.is_match(id)) {
                everything(entry, "switches off every rule", warn)?;
            }
        }
        Ok(())
    }
}

/// An entry that hides everything: refused in a config found in the scanned tree (it would switch
/// the scan off unseen), a warning in one of the user's own.
fn everything(entry: &Entry, what: &str, warn: &dyn Fn(String)) -> anyhow::Result<()> {
    let why = format!("{entry} {what}");
    if entry.trust == Trust::Tree {
        anyhow::bail!(
            "{why}: a config found in the scanned tree may narrow what is reported, not switch \
             the scan off; pass the config with --config FILE if you mean it, or --no-config"
        );
    }
    warn(format!(
        "{why} (it is yours: --config or your own config folder)"
    ));
    Ok(())
}

/// Drops from a tree config what it may not set, saying so.
fn restrict(name: &str, file: &mut ConfigFile, warn: &dyn Fn(String)) {
    let mut ignored = Vec::new();
    if file.revoke != RevokeSection::default() {
        ignored.push("[revoke]");
        file.revoke = RevokeSection::default();
    }
    if !file.providers.is_empty() {
        ignored.push("[providers]");
        file.providers.clear();
    }
    let mut calls = false;
    for spec in &mut file.patterns {
        calls |= spec.verify.take().is_some() | spec.revoke.take().is_some();
    }
    if calls {
        ignored.push("the verify and revoke blocks of [[patterns]]");
    }
    if !ignored.is_empty() {
        warn(format!(
            "{name}: {} ignored: a config found in the scanned tree may not say where secrets are \
             sent or files written; put these in a file given with --config, or in {}",
            ignored.join(", "),
            crate::places::user_config_file()
                .map_or("your own config folder".into(), |p| p.display().to_string())
        ));
    }
}

/// The first entry (or the exclude list) that would hide every finding.
fn hides_everything<'a>(exclude: &'a [Entry], allow: &'a [(Entry, Matcher)]) -> Option<&'a Entry> {
    let all_paths = |g: &globset::GlobMatcher| PROBE_PATHS.iter().all(|p| g.is_match(p));
    exclude
        .iter()
        .find(|e| glob(e).is_ok_and(|g| all_paths(&g.compile_matcher())))
        .or_else(|| {
            allow.iter().find_map(|(e, m)| {
                let all = match m {
                    Matcher::Path(g) => all_paths(g),
                    Matcher::Secret(re) => PROBE_SECRETS.iter().all(|s| re.is_match(s)),
                    Matcher::Rule(_) => false, // checked against the loaded rules
                };
                all.then_some(e)
            })
        })
}

fn parse_file(name: &str, text: &str) -> anyhow::Result<ConfigFile> {
    toml::from_str(text).map_err(|e| anyhow!("{name}: {}", crate::pattern::toml_error(text, &e)))
}

fn glob(e: &Entry) -> anyhow::Result<Glob> {
    Glob::new(&e.text).map_err(|err| {
        anyhow!(
            "{}: {}: bad glob {:?}: {}",
            e.origin,
            e.key,
            e.text,
            err.kind()
        )
    })
}

fn glob_matcher(e: &Entry) -> anyhow::Result<globset::GlobMatcher> {
    Ok(glob(e)?.compile_matcher())
}

fn check_globs(entries: &[Entry]) -> anyhow::Result<()> {
    entries.iter().try_for_each(|e| glob(e).map(|_| ()))
}

fn regex(e: &Entry) -> anyhow::Result<regex::Regex> {
    regex::Regex::new(&e.text).map_err(|err| {
        let last = err
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string();
        anyhow!("{}: {}: bad regex {:?}: {last}", e.origin, e.key, e.text)
    })
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
journal = "revocations.jsonl"
"#,
        )
        .unwrap();
        assert!(config.exclude.unwrap().matches("web/app.min.js"));
        assert_eq!(config.allow.hides("generic.password", "a", "x"), Some(2));
        assert_eq!(
            config.trusted.providers["scaleway"].api_url.as_deref(),
            Some("https://api.scaleway.com")
        );
        assert_eq!(config.trusted.revoke.webhooks.len(), 1);
    }

    fn tree(text: &str) -> (anyhow::Result<Config>, Vec<String>) {
        let warnings = std::cell::RefCell::new(Vec::new());
        let source = Source {
            name: ".keysweep.toml".into(),
            path: None,
            trust: Trust::Tree,
            text: text.into(),
            prefix: String::new(),
        };
        let config = Config::load(&[source], &|w| warnings.borrow_mut().push(w));
        (config, warnings.into_inner())
    }

    #[test]
    fn a_tree_config_cannot_say_where_data_goes() {
        let (config, warnings) = tree(
            "[providers.scaleway]\napi_url = \"https://evil.example\"\n[revoke]\njournal = \"/etc/x\"\n\
             [[revoke.webhooks]]\nurl = \"https://evil.example/\"\nsecret_env = \"HOME\"\n",
        );
        let config = config.unwrap();
        assert!(config.trusted.providers.is_empty());
        assert_eq!(config.trusted.revoke, RevokeSection::default());
        assert!(config.trusted.path.is_none());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                ".keysweep.toml: [revoke], [providers] ignored: a config found in the scanned tree"
            ),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_tree_config_cannot_hide_everything() {
        for text in [
            "[scan]\nexclude = [\"**\"]\n",
            "[scan]\nexclude = [\"*\"]\n",
            "[allow]\npaths = [\"**/*\", \"*\"]\n",
            "[allow]\nsecrets = ['.']\n",
            "[allow]\nsecrets = ['']\n",
            "[allow]\nsecrets = ['(?s).*']\n",
        ] {
            let err = tree(text).0.unwrap_err().to_string();
            assert!(
                err.contains("would hide every finding: a config found in the scanned tree"),
                "{text}: {err}"
            );
        }
        // Narrow rules are fine.
        for text in [
            "[scan]\nexclude = [\"vendor/**\"]\n",
            "[allow]\nsecrets = ['^EXAMPLE']\n",
        ] {
            assert!(tree(text).0.is_ok(), "{text}");
        }
        let config = tree("[allow]\nrules = [\"*\"]\n").0.unwrap();
        let err = config
            .check_rules(&["a.key", "b.token"], &|_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[allow] rules \"*\" switches off every rule"),
            "{err}"
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
