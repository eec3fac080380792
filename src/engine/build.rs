//! The one way to build an [`Engine`] from where patterns come from: the built-ins, pattern
//! files (`--patterns`) and a config's `[[patterns]]`. The binary, `patterns test`, the fuzz
//! targets, the property tests and the self-test all build theirs here, so what they test is
//! what a scan runs.

use super::Engine;
use crate::config::Config;
use crate::pattern::{self, selftest, GENERIC_PROVIDER};
use anyhow::bail;
use std::path::PathBuf;

/// Where an engine's patterns come from, and what is checked as they load.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// The built-in patterns (`patterns test DIR` and the fuzz targets of pattern text go
    /// without them).
    pub builtin: bool,
    /// Extra pattern files, or folders of `*.toml` pattern files.
    pub files: &'a [PathBuf],
    /// The config: its `[[patterns]]` are loaded, and its `[allow] rules` checked against the
    /// loaded ids.
    pub config: &'a Config,
    /// Keep the built-in generic rules (`--generic`, `[scan] generic`).
    pub generic: bool,
    /// Run the examples of the patterns that are not built in, and fail on the first that
    /// disagrees with the engine (the built-in ones are checked by `cargo test`, and checking
    /// them here would cost every scan the compilation of every regex).
    pub check_examples: bool,
}

impl<'a> Rules<'a> {
    /// The built-in patterns alone, generic rules included: what `keysweep scan --generic` runs
    /// with no config and no pattern files.
    pub fn builtin(config: &'a Config) -> Self {
        Rules {
            builtin: true,
            files: &[],
            config,
            generic: true,
            check_examples: true,
        }
    }
}

impl Engine {
    /// Loads the patterns `rules` names, checks them as a set (duplicate ids) and against the
    /// config's allow rules (warnings go to `warn`), and builds the engine.
    ///
    /// # Errors
    /// A pattern file or config pattern that does not load, a duplicate id, an allow rule that
    /// the config may not have, or an example that fails (with `check_examples`).
    pub fn build(rules: &Rules, warn: &dyn Fn(String)) -> anyhow::Result<Engine> {
        let mut patterns = if rules.builtin {
            pattern::builtin()?
        } else {
            Vec::new()
        };
        patterns.extend(pattern::load_paths(rules.files)?);
        for (name, specs) in &rules.config.patterns {
            patterns.extend(pattern::compile_specs(name, specs.clone())?);
        }
        pattern::check_set(&patterns)?;
        let ids: Vec<&str> = patterns.iter().map(|p| p.id.as_str()).collect();
        rules.config.check_rules(&ids, warn)?;
        if !rules.generic {
            patterns.retain(|p| !(p.is_builtin() && p.provider == GENERIC_PROVIDER));
        }
        let engine = Engine::new(patterns);
        if rules.check_examples {
            let failures = selftest::run(&engine, selftest::Which::NotBuiltin, false);
            if let Some(failure) = failures.into_iter().next() {
                bail!("{failure}");
            }
        }
        Ok(engine)
    }
}
