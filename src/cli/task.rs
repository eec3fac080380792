//! Arguments into the typed request the application runs ([`Task`]): the one place that reads
//! what clap parsed, so nothing after it sees a raw flag.

use super::args::{BaselineCommand, Cli, Command, PatternsCommand, ScanArgs, ScanOptions};
use crate::app::{CacheChoice, Outputs, ScanTarget, ScanTask, Task};
use crate::discover::ConfigArgs;
use crate::hook::Hook;
use crate::manual;
use crate::revoke;
use crate::scan::Mode;
use crate::source::repos::RepoSet;
use anyhow::bail;
impl Command {
    /// The task this command asks for; the completion scripts and the manual, which describe
    /// the command line itself, are generated here.
    ///
    /// # Errors
    /// Arguments that clap cannot check alone (one repository for the git modes), or a manual
    /// page that cannot be generated.
    pub fn into_task(self) -> anyhow::Result<Task> {
        Ok(match self {
            Command::Scan(args) => Task::Scan(args.into_task()?),
            Command::Patterns(PatternsCommand::List { format, patterns }) => Task::ListPatterns {
                format,
                files: patterns.extra,
            },
            Command::Patterns(PatternsCommand::Test { paths }) => Task::TestPatterns { paths },
            Command::Baseline(BaselineCommand::Create { output, target }) => Task::CreateBaseline {
                target: target.into_target()?,
                output,
            },
            Command::InstallHook {
                pre_push,
                force,
                repo,
            } => Task::InstallHook {
                hook: if pre_push {
                    Hook::PrePush
                } else {
                    Hook::PreCommit
                },
                force,
                repo,
            },
            Command::Verify {
                input,
                rule,
                config,
                format,
            } => Task::VerifyOne {
                input,
                rule,
                config: ConfigArgs {
                    named: config,
                    none: false,
                },
                format,
            },
            Command::Revoke {
                input,
                rule,
                resume,
                dry_run,
                config,
                journal,
                format,
                patterns,
            } => {
                let config = ConfigArgs {
                    named: config,
                    none: false,
                };
                match input {
                    Some(input) if !resume => Task::RevokeOne {
                        input,
                        rule,
                        config,
                        journal,
                        dry_run,
                        format,
                        files: patterns.extra,
                    },
                    _ => Task::ResumeRevocations {
                        config,
                        journal,
                        files: patterns.extra,
                    },
                }
            }
            Command::Merge {
                files,
                no_audit,
                output,
            } => Task::Merge {
                files,
                no_audit,
                output,
            },
            Command::Completions { shell } => Task::Print(manual::completions(
                shell,
                <Cli as clap::CommandFactory>::command(),
            )),
            Command::Man { command } => {
                let mut page = Vec::new();
                manual::man_page(
                    <Cli as clap::CommandFactory>::command(),
                    &command,
                    &mut page,
                )?;
                Task::Print(page)
            }
        })
    }
}

impl ScanArgs {
    fn into_task(self) -> anyhow::Result<ScanTask> {
        let fail_on_live = self.fail_on == super::args::FailOn::Live;
        if fail_on_live && !self.verify {
            anyhow::bail!(
                "--fail-on live needs --verify: without it no secret is known to be live"
            );
        }
        Ok(ScanTask {
            fail_on_live,
            target: self.target.into_target()?,
            outputs: Outputs {
                format: self.format,
                output: self.output,
                reports: self.reports,
                sarif_category: self.sarif_category,
                redact: self.redact,
                show_secrets: self.show_secrets,
            },
            baseline: self.baseline,
            findings_exit: self.exit_code,
            asked: revoke::Asked {
                verify: self.verify,
                revoke: self.revoke,
                dry_run: self.dry_run,
            },
            journal: self.journal,
            audit: self.audit,
        })
    }
}

impl ScanOptions {
    fn into_target(self) -> anyhow::Result<ScanTarget> {
        Ok(ScanTarget {
            mode: scan_mode(&self)?,
            config: ConfigArgs {
                named: self.config,
                none: self.no_config,
            },
            patterns: self.patterns.extra,
            generic: match (self.generic, self.no_generic) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            threads: self.threads.map(usize::from),
            no_ignore: self.no_ignore,
            follow_symlinks: self.follow_symlinks,
            max_file_size: self.max_file_size,
            allow_nothing_scanned: self.allow_nothing_scanned,
            cache: match (self.no_cache, self.cache) {
                (true, _) => CacheChoice::Off,
                (false, Some(path)) => CacheChoice::At(path),
                (false, None) => CacheChoice::Default,
            },
            shard: self.shard,
        })
    }
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
    if let Some(list) = &args.repos {
        return Ok(Mode::Repositories(RepoSet::from_list(list, args.shard)?));
    }
    if let Some(root) = &args.repos_under {
        return Ok(Mode::Repositories(RepoSet::under(root, args.shard)?));
    }
    Ok(match &args.range {
        Some(range) => Mode::Range {
            repo,
            range: range.clone(),
        },
        None if args.staged => Mode::Staged(repo),
        None => Mode::History(repo),
    })
}
