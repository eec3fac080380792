//! The command line: clap definitions and `run`, which turns arguments into a scan or a patterns
//! command and returns the exit status. Exit status: 0 clean, 1 (or `--exit-code`) findings, 2 an
//! error that stopped the work.

use crate::config::Config;
use crate::console::ColorChoice;
use crate::discover::{self, ConfigArgs};
use crate::engine::Engine;
use crate::exit::Exit;
use crate::filter::{self, Baseline};
use crate::hook::{self, Hook};
use crate::manual;
use crate::output;
use crate::own_files::OwnFiles;
use crate::pattern::{self, selftest, Pattern};
use crate::report::{self, human::sanitize, workflow, Format, Style};
use crate::revoke;
use crate::scan::{self, human_bytes, Mode, Outcome, ScanRequest};
use crate::source::{fs::WalkOptions, Notice};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const DEFAULT_MAX_FILE_SIZE: u64 = 25 * 1024 * 1024;
/// The provider of the built-in generic rules, off unless `--generic` or `[scan] generic`.
const GENERIC_PROVIDER: &str = "generic";

#[derive(Debug, Parser)]
#[command(
    name = "keysweep",
    version,
    about = "Find leaked credentials (API keys, tokens, private keys) in files and git history.",
    after_help = "Examples:
  keysweep scan .                                   # this folder; exit 1 when secrets are found
  keysweep scan --history                           # every blob of every ref of this repository
  keysweep scan --range origin/main..HEAD           # what a push or pull request adds
  keysweep install-hook                             # stop commits that add a secret
  keysweep scan . --format sarif -o keysweep.sarif  # for GitHub code scanning
  keysweep patterns list                            # the built-in patterns

Exit status: 0 no findings, 1 findings (or --exit-code N), 2 an error stopped the work,
3 the scan had errors (unreadable files, corrupt objects, nothing scanned), 130 interrupted.
Manual (every command and flag): keysweep man | man -l -"
)]
#[command(args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the human report: auto (on a terminal, unless NO_COLOR is set), always
    /// (even to a file or pipe, and over NO_COLOR), never.
    #[arg(long, value_name = "WHEN", value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only the report and errors: no summary line, progress, notices or warnings.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan folders, files or standard input for secrets.
    #[command(after_help = "Examples:
  keysweep scan .                                        # folders and files (default .)
  keysweep scan --format json -o report.json src config  # a JSON report, mode 0600
  git diff | keysweep scan -                             # standard input
  keysweep scan --history                                # the whole git history
  keysweep scan --staged                                 # what git commit would record
  keysweep scan --range origin/main..HEAD                # what these commits add
  keysweep scan --range HEAD                             # what pushing HEAD would publish
  keysweep scan --format github --report sarif=keysweep.sarif --report markdown=summary.md
  keysweep scan --baseline .keysweep-baseline.json       # only secrets not in the baseline
  keysweep scan --verify                                 # ask providers whether secrets are live")]
    Scan(ScanArgs),
    /// List or test the patterns keysweep knows.
    #[command(subcommand)]
    Patterns(PatternsCommand),
    /// Accept today's findings once, to be told only about new ones.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Install a git hook that runs keysweep before each commit (or push).
    ///
    /// The pre-commit hook scans what is staged; the pre-push hook (--pre-push) the commits a push
    /// publishes. A hook that keysweep did not write is left alone unless --force.
    #[command(
        after_help = "Examples:\n  keysweep install-hook                # .git/hooks/pre-commit: runs keysweep scan --staged\n  keysweep install-hook --pre-push     # .git/hooks/pre-push: scans the pushed commits\n  keysweep install-hook --force ../app # replace app's own pre-commit hook (kept as a backup)\n\nWith the pre-commit framework, use .pre-commit-config.yaml instead (see README)."
    )]
    InstallHook {
        /// Install the pre-push hook instead of the pre-commit hook.
        #[arg(long)]
        pre_push: bool,
        /// Replace an existing hook that keysweep did not write (it is kept as
        /// HOOK.keysweep-backup).
        #[arg(long)]
        force: bool,
        /// The repository (default: the one containing the current folder).
        #[arg(default_value = ".")]
        repo: PathBuf,
    },
    /// Re-send what the revocation journal holds as pending.
    ///
    /// Webhook batches (with their delivery ids) and provider revocations left by a crash or an
    /// unreachable endpoint.
    #[command(
        after_help = "Examples:\n  keysweep revoke --resume\n  keysweep revoke --resume --config ci/.keysweep.toml"
    )]
    Revoke {
        /// Re-send the pending entries (the only action; required).
        #[arg(long, required = true)]
        resume: bool,
        /// The config file naming the webhooks and the journal (default: your own config file,
        /// ~/.config/keysweep/config.toml; a repository's .keysweep.toml is never read here).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The revocation journal [default: the config's [revoke] journal, else
        /// revocations.jsonl in keysweep's state folder].
        #[arg(long, value_name = "PATH")]
        journal: Option<PathBuf>,
        #[command(flatten)]
        patterns: PatternArgs,
    },
    /// Print a shell completion script.
    #[command(after_help = "Examples:
  keysweep completions bash > ~/.local/share/bash-completion/completions/keysweep
  keysweep completions zsh > ~/.zfunc/_keysweep      # with fpath+=~/.zfunc in ~/.zshrc
  keysweep completions fish > ~/.config/fish/completions/keysweep.fish")]
    Completions {
        #[arg(value_enum)]
        shell: manual::Shell,
    },
    /// Print the manual page (roff): every command and flag.
    #[command(after_help = "Examples:
  keysweep man | man -l -                                # read it
  keysweep man scan | man -l -                           # one command's page
  keysweep man > ~/.local/share/man/man1/keysweep.1      # install it for `man keysweep`")]
    Man {
        /// Only this command's page: `scan`, or `patterns list`.
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub target: ScanOptions,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE (created with mode 0600) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE (mode 0600), from the same scan; repeatable.
    /// Example: --report sarif=keysweep.sarif --report markdown=summary.md
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_report)]
    pub reports: Vec<(Format, PathBuf)>,
    /// The SARIF run's category (`automationDetails.id`), which keeps uploads to GitHub code
    /// scanning apart [default: keysweep/files/, keysweep/history/, keysweep/staged/ or
    /// keysweep/range/, by what is scanned].
    #[arg(long, value_name = "NAME", value_parser = report::sarif::parse_category)]
    pub sarif_category: Option<String>,
    /// Shorten secrets to their first 4 characters in json and jsonl too.
    #[arg(long)]
    pub redact: bool,
    /// Print whole secrets in the human format (shortened by default: CI logs are often public).
    #[arg(long)]
    pub show_secrets: bool,
    /// A previous JSON report (see `keysweep baseline create`): its secrets are not reported again.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit status when findings remain.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=255))]
    pub exit_code: u8,
    /// Ask each secret's provider whether it is live (for the patterns that say how; see
    /// `keysweep patterns list`). Sends the secret to its own provider only.
    #[arg(long)]
    pub verify: bool,
    /// Send the findings to the config's [[revoke.webhooks]] (signed, journaled, retried) and
    /// revoke at their provider the secrets keysweep can revoke.
    #[arg(long)]
    pub revoke: bool,
    /// With --revoke: print what would be sent, redacted, and send nothing.
    #[arg(long, requires = "revoke")]
    pub dry_run: bool,
    /// With --revoke: the revocation journal [default: the config's [revoke] journal, else
    /// revocations.jsonl in keysweep's state folder].
    #[arg(long, value_name = "PATH", requires = "revoke")]
    pub journal: Option<PathBuf>,
}

/// What to scan and with which rules: shared by `scan` and `baseline create`.
#[derive(Debug, clap::Args)]
pub struct ScanOptions {
    /// Folders and files to scan; `-` reads standard input. With --history, --staged or --range:
    /// the repository (default: the one containing the current folder).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan every blob reachable from every ref (branches, tags, remotes, stash) and HEAD, each
    /// distinct blob once, with the commit that introduced it.
    #[arg(long, conflicts_with_all = ["staged", "range"])]
    pub history: bool,
    /// Scan what `git commit` would record now: the index against HEAD, added lines only.
    #[arg(long, conflicts_with = "range")]
    pub staged: bool,
    /// Scan what the commits of A..B add (a pull request, a push), added lines only.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// The config file (default: the repository's .keysweep.toml, read from a place the scanned
    /// change cannot rewrite; see README "Trust model"). Your own ~/.config/keysweep/config.toml
    /// is read as well.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Read no config file: neither the repository's .keysweep.toml nor your own.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Exit 0 rather than 3 when nothing could be scanned (every file excluded, ignored, skipped
    /// or unreadable).
    #[arg(long)]
    pub allow_nothing_scanned: bool,
    #[command(flatten)]
    pub patterns: PatternArgs,
    /// Also run the generic rules (a high-entropy value assigned to a name like `password` or
    /// `api_key`): low confidence, off by default (or `[scan] generic = true`).
    #[arg(long)]
    pub generic: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Scan files that .gitignore, .ignore or .keysweepignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Skip (and count) files larger than this many bytes [default: 26214400, or the config's
    /// [scan] max_file_size].
    #[arg(long, value_name = "BYTES")]
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan as `keysweep scan` would and write the findings as a baseline: a JSON report with
    /// secrets redacted (it is meant to be committed), whose fingerprints `--baseline` skips.
    #[command(
        after_help = "Examples:\n  keysweep baseline create -o .keysweep-baseline.json\n  keysweep scan --baseline .keysweep-baseline.json"
    )]
    Create {
        /// Where to write the baseline.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        #[command(flatten)]
        target: ScanOptions,
    },
}

#[derive(Debug, clap::Args)]
pub struct PatternArgs {
    /// Extra pattern files, or folders of *.toml pattern files (repeatable).
    #[arg(long = "patterns", value_name = "PATH")]
    pub extra: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PatternsCommand {
    /// List every pattern: id, provider, severity, confidence, keywords.
    #[command(
        after_help = "Examples:\n  keysweep patterns list\n  keysweep patterns list --format json --patterns my-patterns/"
    )]
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        #[command(flatten)]
        patterns: PatternArgs,
    },
    /// Check each pattern's examples and negative examples; exit 1 on any failure.
    #[command(
        after_help = "Examples:\n  keysweep patterns test\n  keysweep patterns test my-patterns/"
    )]
    Test {
        /// Pattern files or folders to test (default: the built-in patterns).
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// Replaces Rust's panic message, which may quote the data being handled (a slice of a scanned
/// line, a secret), with one line naming only where the bug is. `KEYSWEEP_PANIC_DETAILS=1` shows
/// the full message and backtrace, for a developer on their own data.
pub fn install_panic_hook() {
    if std::env::var_os("KEYSWEEP_PANIC_DETAILS").is_some_and(|v| v == "1") {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", panic_line(info.location()));
    }));
}

/// The one line a panic prints: no payload, so no scanned data.
fn panic_line(location: Option<&std::panic::Location>) -> String {
    let place = location.map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
    format!(
        "keysweep: internal error{place}: this is a bug. Please report it with the command you ran; \
         its message is hidden as it may quote scanned data (KEYSWEEP_PANIC_DETAILS=1 shows it)"
    )
}

/// Runs a parsed command line and returns the process exit status.
///
/// # Errors
/// Anything that stops the work (bad pattern, missing path, unwritable output): exit status 2.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    crate::console::set(cli.color, cli.quiet);
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Patterns(PatternsCommand::List { format, patterns }) => {
            let engine = load_engine(&patterns.extra)?;
            list_patterns(engine.patterns(), format)?;
            Ok(Exit::Clean)
        }
        Command::Patterns(PatternsCommand::Test { paths }) => test_patterns(&paths),
        Command::Baseline(BaselineCommand::Create { output, target }) => {
            create_baseline(&target, &output)
        }
        Command::InstallHook {
            pre_push,
            force,
            repo,
        } => {
            let hook = if pre_push {
                Hook::PrePush
            } else {
                Hook::PreCommit
            };
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
        Command::Revoke {
            resume: _,
            config,
            journal,
            patterns,
        } => resume_revocations(config.as_deref(), journal.as_deref(), &patterns.extra),
        Command::Completions { shell } => {
            let script = manual::completions(shell, <Cli as clap::CommandFactory>::command());
            output::write(None, |out| out.write_all(&script))?;
            Ok(Exit::Clean)
        }
        Command::Man { command } => {
            let mut page = Vec::new();
            manual::man_page(
                <Cli as clap::CommandFactory>::command(),
                &command,
                &mut page,
            )?;
            output::write(None, |out| out.write_all(&page))?;
            Ok(Exit::Clean)
        }
    }
}

fn resume_revocations(
    config: Option<&Path>,
    journal: Option<&Path>,
    extra: &[PathBuf],
) -> anyhow::Result<Exit> {
    crate::interrupt::install().context("cannot install the Ctrl-C handler")?;
    let args = ConfigArgs {
        named: config.map(Path::to_path_buf),
        none: false,
    };
    let config = Config::load(&discover::trusted_sources(&args)?, &warn)?;
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

/// Built-in patterns plus `extra`, checked for duplicate ids; the extra ones also for their own
/// examples (the built-in ones are checked by `cargo test`, and checking them here would cost
/// every scan the compilation of every regex).
fn load_engine(extra: &[PathBuf]) -> anyhow::Result<Engine> {
    load_engine_with(extra, &Config::default(), true)
}

/// As [`load_engine`], plus the config's `[[patterns]]`. Its `[allow] rules` are checked
/// against the loaded rules here and applied to findings by the filters, which count them.
fn load_engine_with(extra: &[PathBuf], config: &Config, generic: bool) -> anyhow::Result<Engine> {
    let mut patterns = pattern::builtin()?;
    patterns.extend(pattern::load_paths(extra)?);
    for (name, specs) in &config.patterns {
        patterns.extend(pattern::compile_specs(name, specs.clone())?);
    }
    pattern::check_set(&patterns)?;
    let ids: Vec<&str> = patterns.iter().map(|p| p.id.as_str()).collect();
    config.check_rules(&ids, &warn)?;
    if !generic {
        patterns.retain(|p| !(p.is_builtin() && p.provider == GENERIC_PROVIDER));
    }
    let engine = Engine::new(patterns).map_err(anyhow::Error::msg)?;
    if let Some(failure) = selftest::run(&engine, selftest::Which::NotBuiltin, false)
        .into_iter()
        .next()
    {
        bail!("{failure}");
    }
    Ok(engine)
}

/// Everything a scan needs, built from its options and config.
struct Prepared {
    engine: Engine,
    request: ScanRequest,
    config: Config,
}

fn prepare(target: &ScanOptions) -> anyhow::Result<Prepared> {
    crate::interrupt::install().context("cannot install the Ctrl-C handler")?;
    let mode = scan_mode(target)?;
    let args = ConfigArgs {
        named: target.config.clone(),
        none: target.no_config,
    };
    let sources = discover::config_sources(&mode, &args, &|n| {
        crate::notice!("keysweep: {}", sanitize(&n))
    })?;
    let config = Config::load(&sources, &warn)?;
    let generic = target.generic || config.generic;
    let engine = load_engine_with(&target.patterns.extra, &config, generic)?;
    let threads = target
        .threads
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // A folder walk skips keysweep's own reports and pattern files (git scans read commits).
    let own = matches!(mode, Mode::Paths(_))
        .then(|| OwnFiles::load(&target.patterns.extra))
        .filter(|own| !own.is_empty())
        .map(Arc::new);
    let request = ScanRequest {
        mode,
        progress: std::io::stderr().is_terminal() && !crate::console::quiet(),
        walk: WalkOptions {
            threads,
            no_ignore: target.no_ignore,
            follow_symlinks: target.follow_symlinks,
            max_file_size: target
                .max_file_size
                .or(config.max_file_size)
                .unwrap_or(DEFAULT_MAX_FILE_SIZE),
            exclude: config.exclude.clone(),
            own,
        },
    };
    Ok(Prepared {
        engine,
        request,
        config,
    })
}

fn print_notice(notice: &Notice) {
    match notice {
        Notice::Warning { path, message } => {
            crate::notice!(
                "keysweep: warning: {}: {}",
                sanitize(path),
                sanitize(message)
            )
        }
        Notice::Skipped { path, reason } => {
            crate::notice!("keysweep: {}: {reason}", sanitize(path))
        }
        Notice::Error { path, message } => {
            eprintln!("keysweep: error: {}: {}", sanitize(path), sanitize(message))
        }
    }
}

fn run_scan(args: ScanArgs) -> anyhow::Result<Exit> {
    let Prepared {
        engine,
        request,
        config,
    } = prepare(&args.target)?;
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    // Checked before scanning: a bad webhook URL or a missing key stops everything, unsent.
    let settings = if args.verify || args.revoke {
        Some(revoke::Settings::from_config(
            &config,
            args.revoke,
            args.journal.as_deref(),
        )?)
    } else {
        None
    };
    let errors = ErrorLog::default();
    let mut outcome = scan::run(&engine, &request, &|n| errors.print(n))?;
    let suppressed = filter::apply(&mut outcome.findings, &config.allow, baseline.as_ref());
    let problems = errors.problems(&outcome, &request.mode);
    let partial = outcome.stats.partial;
    if partial && settings.is_some() {
        eprintln!("keysweep: interrupted: nothing verified or sent (run the scan again to finish)");
    }
    // A journal error fails the run only after the reports are written: they hold the findings.
    let mut journal_error = None;
    if let Some(settings) = settings.as_ref().filter(|_| !partial) {
        let asked = revoke::Asked {
            verify: args.verify,
            revoke: args.revoke,
            dry_run: args.dry_run,
        };
        journal_error =
            revoke::after_scan(&mut outcome.findings, engine.patterns(), settings, asked).err();
    }

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = Style {
        redact: args.redact,
        show_secrets: args.show_secrets,
        color: args.format == Format::Human && crate::console::color(to_terminal),
    };
    let automation =
        report::sarif::Automation::detect(&request.mode, args.sarif_category.as_deref());
    let report = report::Report {
        findings: &outcome.findings,
        stats: &outcome.stats,
        problems: &problems,
        patterns: engine.patterns(),
        automation: &automation,
    };
    output::write(args.output.as_deref(), |out| {
        if args.output.is_none() && args.format == Format::Human {
            // The CI log: scanned text must not run workflow commands there.
            workflow::fenced(out, |out| report::write(args.format, &report, style, out))
        } else {
            report::write(args.format, &report, style, out)
        }
    })?;
    for (format, path) in &args.reports {
        let style = Style {
            color: false,
            ..style
        };
        output::write(Some(path), |out| {
            report::write(*format, &report, style, out)
        })?;
    }
    crate::notice!(
        "{}",
        summary(&outcome, !matches!(request.mode, Mode::Paths(_)))
    );
    tell_own_skipped(&outcome);
    tell_suppressed(&config, &suppressed);
    if let Some(e) = journal_error {
        return Err(e);
    }
    if partial {
        eprintln!(
            "keysweep: interrupted: the report is partial (what was scanned before the signal)"
        );
        return Ok(Exit::Interrupted);
    }
    if crate::interrupt::requested() {
        return Ok(Exit::Interrupted);
    }
    Ok(verdict(
        &outcome,
        &problems,
        &request.mode,
        args.target.allow_nothing_scanned,
        args.exit_code,
    ))
}

/// The exit status of a finished scan, with a line saying why when the scan was not complete.
fn verdict(
    outcome: &Outcome,
    problems: &[report::Problem],
    mode: &Mode,
    allow_nothing_scanned: bool,
    findings_code: u8,
) -> Exit {
    let incomplete = problems
        .iter()
        .any(|p| p.id != NOTHING_SCANNED || !allow_nothing_scanned);
    if incomplete {
        eprintln!(
            "keysweep: the scan had errors, so its report is incomplete (exit status {}{})",
            Exit::SCAN_ERRORS,
            if problems.iter().any(|p| p.id == NOTHING_SCANNED) {
                "; --allow-nothing-scanned accepts a scan that read nothing"
            } else {
                ""
            }
        );
        return Exit::ScanErrors;
    }
    if outcome.stats.blobs_scanned == 0 && problems.is_empty() {
        crate::notice!("keysweep: nothing to scan: {}", empty_input(mode));
    }
    if outcome.findings.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings(findings_code)
    }
}

/// What an empty input was, for the "nothing to scan" line.
fn empty_input(mode: &Mode) -> &'static str {
    match mode {
        Mode::Paths(_) => "no files",
        Mode::History(_) => "the repository has no commits",
        Mode::Staged(_) => "nothing is staged",
        Mode::Range { .. } => "the range adds no files",
    }
}

const NOTHING_SCANNED: &str = "nothing-scanned";

/// The error notices of a scan, printed as they come; the first few kept for the reports.
#[derive(Default)]
struct ErrorLog {
    first: std::sync::Mutex<Vec<String>>,
}

impl ErrorLog {
    const KEPT: usize = 3;

    fn print(&self, notice: &Notice) {
        if let Notice::Error { path, message } = notice {
            let mut first = self.first.lock().expect("no thread panics holding the log");
            if first.len() < Self::KEPT {
                first.push(format!("{}: {}", sanitize(path), sanitize(message)));
            }
        }
        print_notice(notice);
    }

    /// One problem per kind: unreadable inputs, and a scan that read nothing.
    fn problems(&self, outcome: &Outcome, mode: &Mode) -> Vec<report::Problem> {
        let stats = &outcome.stats;
        let mut problems = Vec::new();
        if stats.errors > 0 {
            let first = self.first.lock().expect("no thread panics holding the log");
            let (id, what) = match mode {
                Mode::Paths(_) => ("read-errors", "files or folders could not be read"),
                _ => ("object-errors", "git objects or paths could not be read"),
            };
            problems.push(report::Problem {
                id,
                text: format!(
                    "{} {what}, so they were not scanned (first: {})",
                    stats.errors,
                    first.join("; ")
                ),
            });
        }
        if stats.blobs_scanned == 0 && !stats.partial {
            let mut why = Vec::new();
            if stats.excluded > 0 {
                why.push(format!("{} excluded by the config", stats.excluded));
            }
            if stats.skipped > 0 {
                why.push(format!("{} skipped", stats.skipped));
            }
            if stats.errors > 0 {
                why.push(format!("{} unreadable", stats.errors));
            }
            if why.is_empty() && all_ignored(mode) {
                why.push(
                    "every file is ignored by .gitignore, .ignore or .keysweepignore (--no-ignore \
                     scans them)"
                        .to_string(),
                );
            }
            if !why.is_empty() {
                let text = format!("nothing was scanned: {}", why.join(", "));
                eprintln!("keysweep: {text}");
                problems.push(report::Problem {
                    id: NOTHING_SCANNED,
                    text,
                });
            }
        }
        problems
    }
}

/// Whether a folder scan that read nothing had files to read, all of them ignored.
fn all_ignored(mode: &Mode) -> bool {
    let Mode::Paths(paths) = mode else {
        return false;
    };
    paths.iter().filter(|p| p.is_dir()).any(|root| {
        ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build()
            .flatten()
            .any(|e| e.file_type().is_some_and(|t| t.is_file()))
    })
}

/// Says once which of keysweep's own reports and pattern files a folder scan did not read again.
fn tell_own_skipped(outcome: &Outcome) {
    let own = &outcome.own_skipped;
    if own.is_empty() {
        return;
    }
    let shown: Vec<String> = own.iter().take(5).map(|p| sanitize(p)).collect();
    crate::notice!(
        "keysweep: not scanned again: {} file{} keysweep wrote or loaded itself (its reports, \
         its --patterns files): {}{}",
        own.len(),
        plural(own.len()),
        shown.join(", "),
        if own.len() > shown.len() { ", …" } else { "" }
    );
}

/// Says what each allow rule and exclude glob of the config hid: a config cannot hide a finding
/// without it being counted here.
fn tell_suppressed(config: &Config, suppressed: &filter::Suppressed) {
    if crate::console::quiet() {
        return;
    }
    if suppressed.allowed + suppressed.baseline > 0 {
        eprintln!(
            "keysweep: not reported: {} allowed by the config, {} already in the baseline",
            suppressed.allowed, suppressed.baseline
        );
    }
    for ((entry, _), n) in config.allow.entries.iter().zip(&suppressed.by_entry) {
        if *n > 0 {
            eprintln!(
                "keysweep:   {} hid {n} finding{}",
                sanitize(&entry.to_string()),
                plural(*n)
            );
        }
    }
    if let Some(exclude) = &config.exclude {
        for (entry, n) in exclude.counts() {
            eprintln!(
                "keysweep: {} kept {n} path{} from being scanned",
                sanitize(&entry.to_string()),
                plural(n as usize)
            );
        }
    }
}

/// `baseline create`: the findings left after the config's allow rules, written as a redacted
/// JSON report. Exit status 0 whatever it holds: accepting findings is the point; 3 when the
/// scan had errors, as a baseline of an incomplete scan accepts less than it seems.
fn create_baseline(target: &ScanOptions, output: &Path) -> anyhow::Result<Exit> {
    let Prepared {
        engine,
        request,
        config,
    } = prepare(target)?;
    let errors = ErrorLog::default();
    let mut outcome = scan::run(&engine, &request, &|n| errors.print(n))?;
    if outcome.stats.partial {
        eprintln!("keysweep: interrupted: no baseline written (a partial one would hide nothing it missed)");
        return Ok(Exit::Interrupted);
    }
    let problems = errors.problems(&outcome, &request.mode);
    let suppressed = filter::apply(&mut outcome.findings, &config.allow, None);
    output::write(Some(output), |out| {
        let report = report::Report {
            findings: &outcome.findings,
            stats: &outcome.stats,
            problems: &problems,
            patterns: engine.patterns(),
            automation: &report::sarif::Automation::category(String::new()), // JSON: no SARIF run
        };
        let style = Style {
            redact: true,
            ..Style::default()
        };
        report::write(Format::Json, &report, style, out)
    })?;
    crate::notice!(
        "keysweep: baseline of {} finding{} written to {}; scan with --baseline {} to report only new ones",
        outcome.findings.len(),
        if outcome.findings.len() == 1 { "" } else { "s" },
        output.display(),
        output.display()
    );
    tell_own_skipped(&outcome);
    tell_suppressed(&config, &suppressed);
    Ok(
        match verdict(
            &outcome,
            &problems,
            &request.mode,
            target.allow_nothing_scanned,
            1,
        ) {
            Exit::Findings(_) => Exit::Clean,
            other => other,
        },
    )
}

/// `FORMAT=FILE` of `--report`.
fn parse_report(value: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = value
        .split_once('=')
        .filter(|(_, file)| !file.is_empty())
        .ok_or_else(|| {
            format!("expected FORMAT=FILE, such as sarif=keysweep.sarif, not {value:?}")
        })?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<_> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("unknown format {format:?}; use one of {}", names.join(", "))
    })?;
    Ok((format, PathBuf::from(file)))
}

/// Folders and files, or one repository for the git modes.
fn scan_mode(args: &ScanOptions) -> anyhow::Result<Mode> {
    let git = args.history || args.staged || args.range.is_some();
    if !git {
        return Ok(Mode::Paths(args.paths.clone()));
    }
    let [repo] = args.paths.as_slice() else {
        bail!(
            "--history, --staged and --range take one repository, not {} paths: give only the \
             repository's path (default: the current folder)",
            args.paths.len()
        );
    };
    let repo = repo.clone();
    Ok(match &args.range {
        Some(range) => Mode::Range {
            repo,
            range: range.clone(),
        },
        None if args.staged => Mode::Staged(repo),
        None => Mode::History(repo),
    })
}

/// The one-line summary printed on stderr after every scan: findings by severity, the files
/// (and commits) they are in, what was scanned (files, or blobs in the git modes) and how long it
/// took, what was skipped and how many errors.
fn summary(outcome: &Outcome, git: bool) -> String {
    let findings = &outcome.findings;
    let stats = &outcome.stats;
    let mut by_severity = [0usize; 4];
    for f in findings {
        by_severity[f.severity as usize] += 1;
    }
    let distinct = |mut items: Vec<&str>| {
        items.sort_unstable();
        items.dedup();
        items.len()
    };
    let files = distinct(findings.iter().map(|f| f.path.as_str()).collect());
    let commits = distinct(
        findings
            .iter()
            .filter_map(|f| f.commit.as_ref().map(|c| c.id.as_str()))
            .collect(),
    );
    let severities: Vec<String> = ["low", "medium", "high", "critical"]
        .iter()
        .zip(by_severity)
        .rev()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{n} {name}"))
        .collect();
    let mut line = match findings.len() {
        0 => "keysweep: no findings".to_string(),
        n => format!(
            "keysweep: {n} finding{} ({}) in {files} file{}",
            plural(n),
            severities.join(", "),
            plural(files)
        ),
    };
    if commits > 0 {
        line.push_str(&format!(" across {commits} commit{}", plural(commits)));
    }
    if let Some(verified) = verification_counts(findings) {
        line.push_str(&format!("; {verified}"));
    }
    line.push_str(&format!(
        "; scanned {} {}{}, {} in {}",
        stats.blobs_scanned,
        if git { "blob" } else { "file" },
        plural(stats.blobs_scanned as usize),
        human_bytes(stats.bytes_scanned),
        human_duration(stats.duration_ms)
    ));
    if stats.skipped > 0 {
        line.push_str(&format!("; {} skipped", stats.skipped));
        if outcome.symlinks_skipped > 0 {
            line.push_str(&format!(
                " ({} symlink{} not followed: --follow-symlinks)",
                outcome.symlinks_skipped,
                plural(outcome.symlinks_skipped as usize)
            ));
        }
    }
    if stats.errors > 0 {
        line.push_str(&format!(
            "; {} error{} (see above)",
            stats.errors,
            plural(stats.errors as usize)
        ));
    }
    line
}

/// `2 live, 1 invalid, 3 unknown`: how `--verify` judged the findings (`None` when it did not run).
fn verification_counts(findings: &[crate::finding::Finding]) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = vec![("live", 0), ("invalid", 0), ("unknown", 0)];
    for status in findings.iter().filter_map(|f| f.verification.as_ref()) {
        let (status, _) = status.parts();
        match counts.iter_mut().find(|(name, _)| *name == status) {
            Some((_, n)) => *n += 1,
            None => counts.push((status, 1)),
        }
    }
    let shown: Vec<String> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{n} {name}"))
        .collect();
    (!shown.is_empty()).then(|| shown.join(", "))
}

/// `850 ms`, `12.4 s`, `3 min 05 s`.
fn human_duration(ms: u64) -> String {
    match ms {
        ms if ms < 1000 => format!("{ms} ms"),
        ms if ms < 59_950 => format!("{:.1} s", ms as f64 / 1000.0),
        ms => {
            let seconds = (ms + 500) / 1000;
            format!("{} min {:02} s", seconds / 60, seconds % 60)
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn list_patterns(patterns: &[Pattern], format: ListFormat) -> anyhow::Result<()> {
    output::write(None, |out| match format {
        ListFormat::Json => {
            let rows: Vec<_> = patterns
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id, "name": p.name, "provider": p.provider,
                        "severity": p.severity, "confidence": p.confidence,
                        "keywords": p.keywords, "window": p.window(), "source": p.source,
                        "pair": p.pair(), "verify": p.verify_call().is_some(),
                        "revoke": p.revoke_call().is_some(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        }
        ListFormat::Human => {
            let id_width = patterns.iter().map(|p| p.id.len()).max().unwrap_or(2);
            let provider_width = patterns.iter().map(|p| p.provider.len()).max().unwrap_or(8);
            let yes_no = |b: bool| if b { "yes" } else { "-" };
            writeln!(
                out,
                "{:<id_width$}  {:<provider_width$}  SEVERITY  CONFIDENCE  VERIFY  REVOKE  NAME",
                "ID", "PROVIDER"
            )?;
            for p in patterns {
                writeln!(
                    out,
                    "{:<id_width$}  {:<provider_width$}  {:<8}  {:<10}  {:<6}  {:<6}  {}",
                    p.id,
                    p.provider,
                    p.severity.as_str(),
                    p.confidence.as_str(),
                    yes_no(p.verify_call().is_some()),
                    yes_no(p.revoke_call().is_some()),
                    p.name
                )?;
            }
            Ok(())
        }
    })
}

fn test_patterns(paths: &[PathBuf]) -> anyhow::Result<Exit> {
    let patterns = if paths.is_empty() {
        pattern::builtin()?
    } else {
        pattern::load_paths(paths)?
    };
    pattern::check_set(&patterns)?;
    let count = patterns.len();
    let engine = Engine::new(patterns).map_err(anyhow::Error::msg)?;
    let failures = selftest::run(&engine, selftest::Which::All, true);
    for failure in &failures {
        println!("FAIL {failure}");
    }
    let examples: usize = engine
        .patterns()
        .iter()
        .map(|p| p.examples().len() + p.negative_examples().len())
        .sum();
    println!(
        "{}, {}: {} passed, {} failed",
        report::count(count, "pattern"),
        report::count(examples, "example"),
        count - failing_patterns(&failures),
        failing_patterns(&failures)
    );
    Ok(if failures.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings(1)
    })
}

fn failing_patterns(failures: &[selftest::ExampleFailure]) -> usize {
    let mut ids: Vec<&str> = failures.iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

#[cfg(test)]
mod tests {

    /// The hook's line is built from the location alone: it has no way to quote a payload.
    #[test]
    fn a_panic_line_names_only_the_place_of_the_bug() {
        let line = super::panic_line(Some(std::panic::Location::caller()));
        assert!(
            line.starts_with("keysweep: internal error at src/cli.rs:"),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }
    use super::*;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(human_duration(9), "9 ms");
        assert_eq!(human_duration(12_449), "12.4 s");
        assert_eq!(human_duration(59_960), "1 min 00 s");
        assert_eq!(human_duration(185_000), "3 min 05 s");
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
