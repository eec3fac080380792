//! `scan` and `baseline create`: the config and engine prepared from a [`ScanTarget`], the
//! scan run, findings filtered, verified and revoked as asked, reports written, and the exit
//! status judged from what was found and what could not be read.

use super::summary::{summary, tell_own_skipped, tell_suppressed};
use super::{load_engine_with, warn, CacheChoice, ScanTarget, ScanTask};
use crate::audit;
use crate::config::Config;
use crate::discover;
use crate::engine::Engine;
use crate::exit::Exit;
use crate::filter::{self, Baseline};
use crate::output;
use crate::own_files::OwnFiles;
use crate::report::{self, Format, Style};
use crate::revoke;
use crate::scan::{self, CacheRequest, Mode, Outcome, ScanRequest};
use crate::source::{fs::WalkOptions, Notice};
use crate::text::{sanitize, workflow};
use anyhow::Context;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

const DEFAULT_MAX_FILE_SIZE: u64 = 25 * 1024 * 1024;

/// Everything a scan needs, built from its options and config.
struct Prepared {
    engine: &'static Engine,
    request: ScanRequest,
    config: Config,
}

fn prepare(target: &ScanTarget) -> anyhow::Result<Prepared> {
    crate::interrupt::install().context("cannot install the Ctrl-C handler")?;
    let mode = target.mode.clone();
    let sources = discover::config_sources(&mode, &target.config, &|n| {
        crate::notice!("keysweep: {}", sanitize(&n))
    })?;
    let config = Config::load(&sources, &warn)?;
    let generic = match (target.generic, &config.generic_off_by) {
        (Some(on), _) => on,
        (None, Some(file)) => {
            // Said, as every suppression is: a scanned tree's config may have set it.
            crate::notice!(
                "keysweep: {}: [scan] generic = false: the generic rules are off",
                sanitize(file)
            );
            false
        }
        (None, None) => true,
    };
    // Kept until the process ends: freeing 1,300 compiled patterns and the prefilter took a
    // fifth of a one-file scan's time (a pre-commit hook's), and the exit frees it anyway.
    let engine: &'static Engine = Box::leak(Box::new(load_engine_with(
        &target.patterns,
        &config,
        generic,
    )?));
    let threads = target
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // A folder walk skips keysweep's own reports and pattern files (git scans read commits).
    let own = matches!(mode, Mode::Paths(_))
        .then(|| {
            // The files --patterns loaded (the engine above has read them), never a folder's
            // other files.
            let files: Vec<_> = target
                .patterns
                .iter()
                .filter_map(|p| crate::pattern::pattern_files(p).ok())
                .flatten()
                .collect();
            OwnFiles::load(&files)
        })
        .filter(|own| !own.is_empty())
        .map(Arc::new);
    let max_file_size = target
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let cache = match (&mode, &target.cache) {
        (Mode::History(_) | Mode::Repositories(_), CacheChoice::Default | CacheChoice::At(_)) => {
            let patterns: String = engine.patterns().iter().map(|p| p.definition()).collect();
            let excluded = config
                .exclude
                .as_ref()
                .map(|e| e.describe())
                .unwrap_or_default();
            Some(CacheRequest {
                path: match &target.cache {
                    CacheChoice::At(path) => Some(path.clone()),
                    _ => None,
                },
                key: crate::source::git::cache::key(&[
                    &patterns,
                    &max_file_size.to_string(),
                    &excluded,
                    // A repository of a list keeps its cache whichever shard scans it.
                    &target
                        .shard
                        .filter(|_| matches!(mode, Mode::History(_)))
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                ]),
            })
        }
        _ => None,
    };
    let many = matches!(mode, Mode::Repositories(_));
    let request = ScanRequest {
        mode,
        cache,
        progress: std::io::stderr().is_terminal() && !crate::console::quiet(),
        walk: WalkOptions {
            threads,
            no_ignore: target.no_ignore,
            follow_symlinks: target.follow_symlinks,
            max_file_size,
            exclude: config.exclude.clone(),
            own,
            // Many repositories are split by repository (their set holds the shard).
            shard: target.shard.filter(|_| !many),
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

/// `scan`: scan, filter, verify and revoke as asked, write the reports, say what happened.
pub(super) fn run_scan(task: ScanTask) -> anyhow::Result<Exit> {
    let Prepared {
        engine,
        request,
        config,
    } = prepare(&task.target)?;
    let asked = task.asked;
    let args = &task.outputs;
    let baseline = task.baseline.as_deref().map(Baseline::load).transpose()?;
    // Checked before scanning: a bad webhook URL or a missing key stops everything, unsent.
    let settings = if asked.verify || asked.revoke {
        Some(revoke::Settings::from_config(
            &config,
            asked.revoke,
            task.journal.as_deref(),
        )?)
    } else {
        None
    };
    let errors = ErrorLog::default();
    let started = std::time::SystemTime::now();
    let mut outcome = scan::run(engine, &request, &|n| errors.print(n))?;
    let suppressed = filter::apply(&mut outcome.findings, &config.allow, baseline.as_ref());
    let problems = errors.problems(&outcome, &request.mode);
    let partial = outcome.stats.partial;
    if partial && settings.is_some() {
        eprintln!("keysweep: interrupted: nothing verified or sent (run the scan again to finish)");
    }
    // A journal error fails the run only after the reports are written: they hold the findings.
    let mut journal_error = None;
    if let Some(settings) = settings.as_ref().filter(|_| !partial) {
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
    if let Some(path) = &task.audit {
        let records = audit::records(
            &outcome,
            &audit::Context {
                mode: &request.mode,
                shard: task.target.shard,
                pattern_set: audit::pattern_set(engine.patterns()),
                started,
            },
        );
        output::write(Some(path), |out| audit::write(&records, out))?;
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
        &request,
        task.target.allow_nothing_scanned,
        task.findings_exit,
        task.fail_on_live,
    ))
}

/// The exit status of a finished scan, with a line saying why when the scan was not complete.
fn verdict(
    outcome: &Outcome,
    problems: &[report::Problem],
    request: &ScanRequest,
    allow_nothing_scanned: bool,
    findings_code: u8,
    fail_on_live: bool,
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
    if outcome.stats.blobs_read() == 0 && problems.is_empty() {
        crate::notice!("keysweep: nothing to scan: {}", empty_input(request));
    }
    let failing = outcome.findings.iter().filter(|f| {
        !fail_on_live
            || f.verification
                .as_ref()
                .is_some_and(|v| v.status == crate::finding::Verification::Live)
    });
    if failing.count() == 0 {
        Exit::Clean
    } else {
        Exit::Findings(findings_code)
    }
}

/// What an empty input was, for the "nothing to scan" line.
fn empty_input(request: &ScanRequest) -> &'static str {
    match &request.mode {
        Mode::Paths(_) => "no files",
        // The other shards read this history's blobs (a small one may have none for this one).
        Mode::History(_) if request.walk.shard.is_some() => {
            "none of the history's blobs is this shard's"
        }
        Mode::History(_) => "the repository has no commits",
        Mode::Repositories(set) if set.mine().is_empty() => {
            "none of the repositories is this shard's"
        }
        Mode::Repositories(_) => "the repositories have no commits",
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
        let failed: Vec<&str> = outcome
            .repositories
            .iter()
            .filter(|r| r.failed.is_some())
            .map(|r| r.name.as_str())
            .collect();
        if !failed.is_empty() {
            problems.push(report::Problem {
                id: "repository-errors",
                text: format!(
                    "{} could not be scanned: {}{}",
                    crate::scan::repositories(failed.len()),
                    sanitize(&failed[..failed.len().min(10)].join(", ")),
                    if failed.len() > 10 { ", ..." } else { "" }
                ),
            });
        }
        if stats.errors > failed.len() as u64 {
            let first = self.first.lock().expect("no thread panics holding the log");
            let (id, what) = match mode {
                Mode::Paths(_) => ("read-errors", "files or folders could not be read"),
                _ => ("object-errors", "git objects or paths could not be read"),
            };
            problems.push(report::Problem {
                id,
                text: format!(
                    "{} {what}, so they were not scanned (first: {})",
                    stats.errors - failed.len() as u64,
                    first.join("; ")
                ),
            });
        }
        if stats.blobs_read() == 0 && !stats.partial {
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

/// `baseline create`: the findings left after the config's allow rules, written as a redacted
/// JSON report. Exit status 0 whatever it holds: accepting findings is the point; 3 when the
/// scan had errors, as a baseline of an incomplete scan accepts less than it seems.
pub(super) fn create_baseline(target: &ScanTarget, output: &Path) -> anyhow::Result<Exit> {
    let Prepared {
        engine,
        request,
        config,
    } = prepare(target)?;
    let errors = ErrorLog::default();
    let mut outcome = scan::run(engine, &request, &|n| errors.print(n))?;
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
            &request,
            target.allow_nothing_scanned,
            1,
            false,
        ) {
            Exit::Findings(_) => Exit::Clean,
            other => other,
        },
    )
}
