//! The application: what keysweep does with a [`Task`] the command line asked for (scan, write
//! a baseline, list or test patterns, install a hook, resume revocations), and the stderr lines
//! that say what happened. It reads no flag: [`crate::cli::args`] turns them into a `Task`.
//!
//! - [`scan`]: `scan` and `baseline create`, from preparing the engine to the exit status;
//! - [`summary`]: the summary line and the notes after a scan;
//! - [`patterns`]: `patterns list` and `patterns test`.

mod merge;
mod one_input;
mod patterns;
mod scan;
mod summary;

pub use patterns::ListFormat;

use crate::config::Config;
use crate::discover::{self, ConfigArgs};
use crate::engine::{Engine, Rules};
use crate::exit::Exit;
use crate::hook::{self, Hook};
use crate::output;
use crate::report::Format;
use crate::revoke;
use crate::scan::Mode;
use crate::text::sanitize;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// What the command line asked keysweep to do, typed and checked.
#[derive(Debug)]
pub enum Task {
    /// `scan`.
    Scan(ScanTask),
    /// `baseline create`: scan, and write the findings as a redacted JSON report to `output`.
    CreateBaseline { target: ScanTarget, output: PathBuf },
    /// `patterns list`: the built-in patterns and those of `files`.
    ListPatterns {
        format: ListFormat,
        files: Vec<PathBuf>,
    },
    /// `patterns test`: the examples of the patterns in `paths` (the built-in ones when empty).
    TestPatterns { paths: Vec<PathBuf> },
    /// `install-hook`.
    InstallHook {
        hook: Hook,
        force: bool,
        repo: PathBuf,
    },
    /// `verify`: the secrets of one input, asked of their providers.
    VerifyOne {
        input: PathBuf,
        rule: Option<String>,
        config: ConfigArgs,
        format: ListFormat,
    },
    /// `revoke FILE`: the secrets of one input, revoked through the journal.
    RevokeOne {
        input: PathBuf,
        rule: Option<String>,
        config: ConfigArgs,
        journal: Option<PathBuf>,
        dry_run: bool,
        format: ListFormat,
        /// Extra pattern files (`--patterns`).
        files: Vec<PathBuf>,
    },
    /// `revoke --resume`.
    ResumeRevocations {
        config: ConfigArgs,
        journal: Option<PathBuf>,
        files: Vec<PathBuf>,
    },
    /// `merge`: several runs' reports as one, their audit records checked (none: unchecked).
    Merge {
        /// Reports and audit files, told apart by their content.
        files: Vec<PathBuf>,
        no_audit: bool,
        output: Option<PathBuf>,
    },
    /// Text the command line answers itself (a completion script, the manual), for stdout.
    Print(Vec<u8>),
}

/// What to scan and with which rules: shared by `scan` and `baseline create`.
#[derive(Debug)]
pub struct ScanTarget {
    /// Folders and files, or one repository and what of it.
    pub mode: Mode,
    /// `--config FILE` or `--no-config`.
    pub config: ConfigArgs,
    /// Extra pattern files or folders (`--patterns`).
    pub patterns: Vec<PathBuf>,
    /// `--generic` (`Some(true)`) or `--no-generic` (`Some(false)`); `None`: as the config says
    /// (`[scan] generic`), on by default.
    pub generic: Option<bool>,
    /// Worker threads (default: one per core).
    pub threads: Option<usize>,
    pub no_ignore: bool,
    pub follow_symlinks: bool,
    /// `--max-file-size` (default: the config's, else 25 MiB).
    pub max_file_size: Option<u64>,
    /// Exit 0 rather than 3 when nothing could be scanned.
    pub allow_nothing_scanned: bool,
    /// `--history`: which history cache to use.
    pub cache: CacheChoice,
    /// `--history --shard I/N`.
    pub shard: Option<crate::source::shard::Shard>,
}

/// `--cache PATH`, `--no-cache`, or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheChoice {
    /// In the repository's git folder.
    Default,
    At(PathBuf),
    Off,
}

/// `scan`: what to scan, where the reports go, and what to do with the findings.
#[derive(Debug)]
pub struct ScanTask {
    pub target: ScanTarget,
    pub outputs: Outputs,
    /// A previous JSON report whose secrets are not reported again.
    pub baseline: Option<PathBuf>,
    /// The exit status when findings remain (`--exit-code`, default 1).
    pub findings_exit: u8,
    /// `--fail-on live`: only a secret its provider says is live fails the run.
    pub fail_on_live: bool,
    /// `--verify`, `--revoke`, `--dry-run`.
    pub asked: revoke::Asked,
    /// `--journal`: the revocation journal instead of the config's.
    pub journal: Option<PathBuf>,
    /// `--audit FILE`: where to write the run's audit record.
    pub audit: Option<PathBuf>,
}

/// Where a scan's reports go, in which formats and how secrets show in them.
#[derive(Debug)]
pub struct Outputs {
    /// The main report's format.
    pub format: Format,
    /// The main report's file (standard output when `None`).
    pub output: Option<PathBuf>,
    /// More reports of the same scan (`--report FORMAT=FILE`).
    pub reports: Vec<(Format, PathBuf)>,
    /// `--sarif-category` (default: by what is scanned).
    pub sarif_category: Option<String>,
    /// Shorten secrets in json and jsonl too.
    pub redact: bool,
    /// Whole secrets in the human format.
    pub show_secrets: bool,
}

/// Runs a task and returns the process exit status.
///
/// # Errors
/// Anything that stops the work (bad pattern, missing path, unwritable output): exit status 2.
pub fn run(task: Task) -> anyhow::Result<Exit> {
    match task {
        Task::Scan(task) => scan::run_scan(task),
        Task::ListPatterns { format, files } => {
            let engine = load_engine(&files)?;
            patterns::list_patterns(engine.patterns(), format)?;
            Ok(Exit::Clean)
        }
        Task::TestPatterns { paths } => patterns::test_patterns(&paths),
        Task::CreateBaseline { target, output } => scan::create_baseline(&target, &output),
        Task::InstallHook { hook, force, repo } => {
            let path = hook::install(&repo, hook, force)?;
            crate::notice!(
                "keysweep: {} hook installed at {}: {}",
                hook.name(),
                path.display(),
                match hook {
                    Hook::PreCommit => "a commit that adds a secret is stopped (skip once: git commit --no-verify)",
                    Hook::PrePush => "a push whose commits add a secret is stopped (skip once: git push --no-verify)",
                }
            );
            Ok(Exit::Clean)
        }
        Task::ResumeRevocations {
            config,
            journal,
            files,
        } => resume_revocations(&config, journal.as_deref(), &files),
        Task::VerifyOne {
            input,
            rule,
            config,
            format,
        } => one_input::verify_one(&input, rule.as_deref(), &config, format),
        Task::RevokeOne {
            input,
            rule,
            config,
            journal,
            dry_run,
            format,
            files,
        } => one_input::revoke_one(
            &input,
            &config,
            &one_input::RevokeAsk {
                rule: rule.as_deref(),
                journal: journal.as_deref(),
                dry_run,
                format,
                files: &files,
            },
        ),
        Task::Merge {
            files,
            no_audit,
            output,
        } => merge::run(&files, no_audit, output.as_deref()),
        Task::Print(text) => {
            output::write(None, |out| out.write_all(&text))?;
            Ok(Exit::Clean)
        }
    }
}

/// `revoke --resume`: re-sends what the journal holds as pending; exit 1 while some remains.
fn resume_revocations(
    config: &ConfigArgs,
    journal: Option<&Path>,
    extra: &[PathBuf],
) -> anyhow::Result<Exit> {
    crate::interrupt::install().context("cannot install the Ctrl-C handler")?;
    let config = Config::load(&discover::trusted_sources(config)?, &warn)?;
    let engine = load_engine_with(extra, &config, true)?;
    let settings = revoke::Settings::from_config(&config, true, journal)?;
    let tally = revoke::resume(engine.patterns(), &settings)?;
    eprintln!("{}", tally.lines(&settings));
    Ok(if crate::interrupt::requested() {
        Exit::Interrupted
    } else if tally.pending + tally.revoke_pending > 0 {
        Exit::Findings(1)
    } else {
        Exit::Clean
    })
}

/// A warning line on stderr; the text may quote a scanned tree's config, so it is sanitised.
fn warn(text: String) {
    crate::notice!("keysweep: warning: {}", sanitize(&text));
}

/// Built-in patterns plus `extra`, with no config (`patterns list`).
fn load_engine(extra: &[PathBuf]) -> anyhow::Result<Engine> {
    load_engine_with(extra, &Config::default(), true)
}

/// Built-in patterns, `extra` and the config's `[[patterns]]`, the extra and config ones checked
/// against their own examples. The config's `[allow] rules` are checked against the loaded rules
/// here and applied to findings by the filters, which count them.
fn load_engine_with(extra: &[PathBuf], config: &Config, generic: bool) -> anyhow::Result<Engine> {
    let rules = Rules {
        files: extra,
        generic,
        ..Rules::builtin(config)
    };
    Engine::build(&rules, &warn)
}
