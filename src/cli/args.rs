//! The command line's arguments: the clap definitions (every flag, its help and what it
//! conflicts with). `cli::task` turns them, once, into the typed request the application runs
//! (as fd's `Opts` become a `Config`, and ripgrep's low arguments its high ones): nothing past
//! `Command::into_task` reads a flag.

use crate::app::ListFormat;
use crate::console::ColorChoice;
use crate::manual;
use crate::report::{self, Format};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
  keysweep scan --history --repos repos.txt --shard 2/4 --audit audit-2.jsonl  # an org's shard
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
    /// Ask a secret's provider whether it is live: the secrets of one file or of standard input.
    ///
    /// The secret is read, never taken from the command line, where other users of the machine
    /// can see it in the process list. Exit status 1 when a secret is live, 0 when none is.
    #[command(
        after_help = "Examples:\n  keysweep verify < leaked.txt                     # every verifiable secret in it\n  pbpaste | keysweep verify --rule github.pat_classic  # the whole input is one token\n  keysweep verify --format json leaked.env"
    )]
    Verify {
        /// The file holding the secret, or - for standard input.
        #[arg(default_value = "-")]
        input: PathBuf,
        /// The pattern whose secret the whole input is (its surrounding whitespace ignored)
        /// [default: each secret a scan of the input finds].
        #[arg(long, value_name = "ID")]
        rule: Option<String>,
        /// The config file ([providers.NAME] api_url, [revoke] timeouts) [default: your own
        /// config file; a repository's .keysweep.toml is never read here].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "human")]
        format: ListFormat,
    },
    /// Revoke the secrets of one file or of standard input, or re-send what the journal holds
    /// as pending.
    ///
    /// Each secret its provider lets keysweep revoke (or a [[revoke.webhooks]] entry takes) goes
    /// through the revocation journal, as `scan --revoke` sends it: exactly once, resumable. The
    /// secret is read, never taken from the command line, where other users of the machine can
    /// see it in the process list. Exit status 0 when every secret is revoked (or delivered to a
    /// receiver), 1 when one is not, or while something is pending.
    #[command(
        after_help = "Examples:\n  keysweep revoke leaked.env                          # each revocable secret in it\n  pbpaste | keysweep revoke --rule github.pat_classic -  # the whole input is one token\n  keysweep revoke --dry-run leaked.env                # the calls it would make\n  keysweep revoke --resume"
    )]
    Revoke {
        /// The file holding the secrets, or - for standard input.
        #[arg(required_unless_present = "resume", conflicts_with = "resume")]
        input: Option<PathBuf>,
        /// The pattern whose secret the whole input is (its surrounding whitespace ignored)
        /// [default: each secret a scan of the input finds].
        #[arg(long, value_name = "ID", conflicts_with = "resume")]
        rule: Option<String>,
        /// Re-send the pending entries of the journal, nothing new.
        #[arg(long)]
        resume: bool,
        /// Say which calls would be made, and make none.
        #[arg(long, conflicts_with = "resume")]
        dry_run: bool,
        /// The config file naming the webhooks and the journal (default: your own config file,
        /// ~/.config/keysweep/config.toml; a repository's .keysweep.toml is never read here).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The revocation journal [default: the config's [revoke] journal, else
        /// revocations.jsonl in keysweep's state folder].
        #[arg(long, value_name = "PATH")]
        journal: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "human", conflicts_with = "resume")]
        format: ListFormat,
        #[command(flatten)]
        patterns: PatternArgs,
    },
    /// Merge the reports of several runs (the shards of one scan) into one report of their
    /// format (json, jsonl or sarif), and check with their audit records that they covered all.
    ///
    /// Give the shards' reports and their audit files (`scan --audit FILE`) in any order: each
    /// file is told by its content. Findings are kept once per secret and place, stats are
    /// summed, and the report gets a coverage section (SARIF: the run's properties and
    /// invocation). SARIF keeps one run per tool and category, each rule once, and at most
    /// 25,000 results a run. Exit status 3 when a shard is missing, incomplete or of another
    /// scan; 1 when findings remain; 0 otherwise.
    #[command(
        after_help = "Examples:\n  keysweep merge shard-*/keysweep.json shard-*/audit.jsonl -o keysweep.json\n  keysweep merge shard-*/keysweep.sarif shard-*/audit.jsonl -o keysweep.sarif\n  keysweep merge --no-audit a.jsonl b.jsonl"
    )]
    Merge {
        /// The reports to merge (all of one format) and the shards' audit files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Merge without audit records: coverage is not checked, and the report says so.
        #[arg(long)]
        no_audit: bool,
        /// Write the merged report to FILE (mode 0600) instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
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
    /// Write an audit record of what this run covered to FILE (JSON lines, mode 0600): per
    /// repository its refs and tip commits, blobs, bytes, errors and status, then the run's
    /// shard, pattern set and version. `keysweep merge` checks shards' records.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
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
    /// Which findings fail the run (exit status 1, or --exit-code): any finding, or only the
    /// secrets --verify found live.
    #[arg(long, value_name = "WHICH", value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
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

/// Which findings fail a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Any,
    /// A secret its provider says is live (needs --verify).
    Live,
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
    /// With --history: scan the history of every repository this file lists, one path a line
    /// (relative to the file's folder; `#` starts a comment). Findings name their repository.
    #[arg(long, value_name = "FILE", requires = "history", conflicts_with_all = ["paths", "repos_under"])]
    pub repos: Option<PathBuf>,
    /// With --history: scan the history of every git repository found under this folder.
    #[arg(
        long,
        value_name = "DIR",
        requires = "history",
        conflicts_with = "paths"
    )]
    pub repos_under: Option<PathBuf>,
    /// With --history: the history cache, which lets the next scan read only new commits
    /// [default: keysweep/history.cache in the repository's git folder].
    #[arg(long, value_name = "PATH", requires = "history", conflicts_with_all = ["repos", "repos_under"])]
    pub cache: Option<PathBuf>,
    /// With --history: read and write no history cache (read everything).
    #[arg(long, requires = "history", conflicts_with = "cache")]
    pub no_cache: bool,
    /// With --history: scan only shard I of N (1 <= I <= N): N runs, one per shard, scan every
    /// blob exactly once between them, each blob at the commit that introduced it. With --repos
    /// or --repos-under, the shards split the repositories instead.
    #[arg(long, value_name = "I/N", requires = "history")]
    pub shard: Option<crate::source::shard::Shard>,
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
    /// Do not run the generic rules (a literal value given a name that ends in `password`,
    /// `api_key`, `secret`, `token`, ...; low confidence, on by default; or `[scan] generic =
    /// false`).
    #[arg(long, conflicts_with = "generic")]
    pub no_generic: bool,
    /// Run the generic rules even if a config turns them off (they are on by default).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
