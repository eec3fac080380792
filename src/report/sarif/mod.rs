//! `--format sarif`: one SARIF 2.1.0 log for GitHub code scanning (and any SARIF viewer), built
//! from the `serde-sarif` types.
//!
//! What GitHub reads is documented in "SARIF support for code scanning" (docs.github.com,
//! code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
//! rules with `shortDescription`, `fullDescription` (at most 1,024 characters each), `help`,
//! `properties.tags`, `properties.precision` and `properties.security-severity` (a string holding a
//! score above 0.0 and up to 10.0: over 9.0 is critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low);
//! results with `ruleId`, `level`, `message`, one location with a region, and `partialFingerprints`.
//!
//! No whole secret is ever written: a result names the secret by its [`redact`]ed form and its
//! fingerprint (a hash of the whole secret).
//!
//! The run says what kind of scan made it (`automationDetails.id`, see [`category`]), so that
//! GitHub keeps the alerts of a history scan and of a pull request's range apart, and names the
//! tool in full (`tool.driver.fullName`): the SARIF Multitool's GitHub Advanced Security for Azure
//! DevOps rules require both.

use super::{short_id, Report};
use crate::finding::{Finding, Status};
use crate::pattern::{Confidence, Pattern, Severity};
use crate::scan::Mode;
use crate::text::redact;

pub mod azure;
mod rules;
use rules::rule;
use serde_json::json;
use serde_sarif::sarif;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// GitHub rejects a SARIF run with more results than this ("Results per run: 25,000" in the
/// upload limits of docs.github.com, code-security/code-scanning/troubleshooting-sarif-uploads/
/// results-exceed-limit). Of an accepted run, GitHub documents that it keeps the top 5,000 by
/// severity.
pub const MAX_RESULTS: usize = 25_000;
/// The `$schema` GitHub's documentation uses for SARIF 2.1.0.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// `tool.driver.informationUri`. A placeholder until the project has a public home.
pub const INFORMATION_URI: &str = "https://github.com/keysweep/keysweep";
/// `partialFingerprints` key: keysweep's fingerprint of the secret, `sha256(rule_id:secret)`.
pub const SECRET_FINGERPRINT: &str = "keysweep/secret/v1";
/// `partialFingerprints` key: the secret in one file, independent of its line (see
/// [`location_fingerprint`]). Not GitHub's `primaryLocationLineHash`, which is computed from the
/// text of the line: `github/codeql-action/upload-sarif` adds that one from the checked-out file.
pub const LOCATION_FINGERPRINT: &str = "keysweep/secretLocation/v1";
/// GitHub's limit on `shortDescription` and `fullDescription`.
const MAX_DESCRIPTION_CHARS: usize = 1024;
/// GitHub's limit on a rule's `name`.
const MAX_NAME_CHARS: usize = 255;
/// `tool.driver.fullName`: the name with its version, as SARIF §3.19.9 describes it.
const FULL_NAME: &str = concat!("keysweep ", env!("CARGO_PKG_VERSION"), " secret scanner");

/// The run's `automationDetails`: who made it, so that uploads of different kinds of scans stay
/// apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Automation {
    /// `automationDetails.id`.
    pub id: String,
    /// `automationDetails.properties` (Azure Pipelines only).
    pub properties: BTreeMap<String, String>,
    /// Said on stderr with each SARIF report: why the id is not the one expected.
    pub warning: Option<String>,
}

impl Automation {
    /// A plain category id.
    pub fn category(id: String) -> Automation {
        Automation {
            id,
            properties: BTreeMap::new(),
            warning: None,
        }
    }

    /// The run's identity for a scan of `mode`: `--sarif-category NAME` (a `/` added at its
    /// end); else, in an Azure Pipelines job, the pipeline's identity as GitHub Advanced Security
    /// for Azure DevOps requires it ([`azure`]); else `keysweep/MODE/` with MODE `files`,
    /// `history`, `staged` or `range`.
    ///
    /// GitHub code scanning reads the id up to its last `/` as the analysis category: a new
    /// upload replaces the alerts of the previous one of the same tool and category, so a push's
    /// range scan does not close what the weekly history scan found. `upload-sarif` sets the id
    /// from its `category` input only when the log has none, so the flag is how to choose another.
    pub fn detect(mode: &Mode, given: Option<&str>) -> Automation {
        if let Some(name) = given {
            let id = if name.ends_with('/') {
                name.to_string()
            } else {
                format!("{name}/")
            };
            return Automation::category(id);
        }
        let kind = match mode {
            Mode::Paths(_) => "files",
            Mode::History(_) | Mode::Repositories(_) => "history",
            Mode::Staged(_) => "staged",
            Mode::Range { .. } => "range",
        };
        let mut plain = Automation::category(format!("keysweep/{kind}/"));
        match azure::detect(&|name| std::env::var(name).ok()) {
            azure::Detected::None => plain,
            azure::Detected::Complete { id, properties } => Automation {
                id,
                properties,
                warning: None,
            },
            azure::Detected::Partial(why) => {
                plain.warning = Some(format!(
                    "Azure Pipelines (TF_BUILD) without its build variables ({why}): the SARIF's \
                     automationDetails.id is {}, which GitHub Advanced Security for Azure DevOps \
                     does not ingest",
                    plain.id
                ));
                plain
            }
        }
    }
}

/// The value of `--sarif-category`: printable, on one line, at most 255 characters.
///
/// # Errors
/// An empty name, a control character, or a longer one.
pub fn parse_category(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("the category is empty: use a name such as keysweep/app".into());
    }
    if value.chars().any(char::is_control) {
        return Err("the category holds a control character".into());
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the category is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    Ok(value.to_string())
}

/// Writes `report` as a SARIF log with at most [`MAX_RESULTS`] results.
///
/// Returns how many findings were left out to stay within that limit (the most severe are kept).
///
/// # Errors
/// Write errors of `out`.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<usize> {
    write_capped(report, MAX_RESULTS, out)
}

/// [`write`] with any cap (tests use a small one).
fn write_capped(report: &Report, cap: usize, out: &mut dyn Write) -> io::Result<usize> {
    let (log, dropped) = build(report, cap);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)?;
    Ok(dropped)
}

/// The SARIF log of `report` with at most `cap` results, and how many findings it leaves out.
fn build(report: &Report, cap: usize) -> (sarif::Sarif, usize) {
    let findings = report.findings;
    let occurrences = occurrence_numbers(findings);
    let kept = keep_most_severe(findings, cap);
    let dropped = findings.len() - kept.len();

    let patterns: HashMap<&str, &Pattern> =
        report.patterns.iter().map(|p| (p.id.as_str(), p)).collect();
    // One rule per rule id that has a result, in id order; results point at them by index.
    let mut rule_ids: Vec<&str> = kept.iter().map(|&i| findings[i].rule_id.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rule_index: HashMap<&str, usize> = rule_ids
        .iter()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();
    let rules: Vec<sarif::ReportingDescriptor> = rule_ids
        .iter()
        .map(|id| {
            let first = kept
                .iter()
                .map(|&i| &findings[i])
                .find(|f| f.rule_id == *id)
                .expect("every rule id comes from a kept finding");
            rule(first, patterns.get(id).copied())
        })
        .collect();
    let results: Vec<sarif::Result> = kept
        .iter()
        .map(|&i| {
            result(
                &findings[i],
                rule_index[findings[i].rule_id.as_str()],
                occurrences[i],
            )
        })
        .collect();

    let driver = sarif::ToolComponent::builder()
        .name("keysweep")
        .full_name(FULL_NAME)
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();
    let mut run_properties = BTreeMap::new();
    run_properties.insert(
        "stats".to_string(),
        serde_json::to_value(report.stats).expect("stats serialize"),
    );
    let mut notices = Vec::new();
    if dropped > 0 {
        run_properties.insert("omittedResults".to_string(), json!(dropped));
        notices.push(format!(
            "{} findings: this log holds the {cap} most severe, as GitHub code scanning rejects a \
             run with more than {MAX_RESULTS} results. The JSON report has them all.",
            findings.len()
        ));
    }
    if report.stats.partial {
        notices.push(
            "Interrupted: this log is partial, holding what was scanned before the signal."
                .to_string(),
        );
    }
    let mut notifications: Vec<_> = report
        .problems
        .iter()
        .map(|p| {
            sarif::Notification::builder()
                .level(json!("error"))
                .descriptor(
                    serde_json::from_value::<sarif::ReportingDescriptorReference>(
                        json!({"id": p.id}),
                    )
                    .expect("a descriptor reference is an object with an id"),
                )
                .message(sarif::Message::builder().text(p.text.clone()).build())
                .build()
        })
        .collect();
    notifications.extend(notices.into_iter().map(|text| {
        sarif::Notification::builder()
            .level(json!("warning"))
            .message(sarif::Message::builder().text(text).build())
            .build()
    }));
    let successful = !report.stats.partial && report.problems.is_empty();
    let invocation = if notifications.is_empty() {
        sarif::Invocation::builder()
            .execution_successful(true)
            .build()
    } else {
        sarif::Invocation::builder()
            .execution_successful(successful)
            .tool_execution_notifications(notifications)
            .build()
    };
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .automation_details(automation_details(report.automation))
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .results(results)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(run_properties)
                .build(),
        )
        .build();
    let log = sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    (log, dropped)
}

fn automation_details(automation: &Automation) -> sarif::RunAutomationDetails {
    let details = sarif::RunAutomationDetails::builder().id(automation.id.as_str());
    if automation.properties.is_empty() {
        return details.build();
    }
    let properties: BTreeMap<String, serde_json::Value> = automation
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    details
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// Indices of at most `cap` findings, in report order: all of them if they fit, else the most
/// severe (ties keep report order).
fn keep_most_severe(findings: &[Finding], cap: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    if findings.len() > cap {
        order.sort_by_key(|&i| std::cmp::Reverse(findings[i].severity));
        order.truncate(cap);
        order.sort_unstable();
    }
    order
}

/// For each finding, its 1-based number among the findings of the same secret in the same file
/// (same rule, path, blob and fingerprint), so that two copies of one secret in one file are two
/// results with two location fingerprints.
fn occurrence_numbers(findings: &[Finding]) -> Vec<usize> {
    // Repository, rule, path, blob, fingerprint.
    type Secret<'a> = (Option<&'a str>, &'a str, &'a str, Option<&'a str>, &'a str);
    let mut seen: HashMap<Secret, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let n = seen
                .entry((
                    f.repository.as_deref(),
                    f.rule_id.as_str(),
                    f.path.as_str(),
                    f.blob_id.as_deref(),
                    f.fingerprint.as_str(),
                ))
                .or_insert(0);
            *n += 1;
            *n
        })
        .collect()
}

/// `sha256(rule_id + ":" + path + ":" + secret fingerprint)` in lowercase hex, then `:` and the
/// occurrence number: the same secret in the same file keeps it when lines move above it; another
/// file or another secret changes it. It hashes only the fingerprint, never the secret.
pub fn location_fingerprint(finding: &Finding, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    // Many repositories' findings (`--repos`) are told apart by their repository too.
    if let Some(repository) = &finding.repository {
        hasher.update(repository.as_bytes());
        hasher.update(b":");
    }
    for (i, part) in [&finding.rule_id, &finding.path, &finding.fingerprint]
        .iter()
        .enumerate()
    {
        if i > 0 {
            hasher.update(b":");
        }
        hasher.update(part.as_bytes());
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{hex}:{occurrence}")
}

/// `error` for critical and high, `warning` for medium, `note` for low.
pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// A status as result properties: status, detail and, when a provider answered, its host and
/// HTTP status.
fn evidence<S: Copy + Into<&'static str>>(status: &Status<S>) -> serde_json::Value {
    let (name, detail) = status.parts();
    let mut value = json!({"status": name, "detail": detail});
    if let Some(host) = &status.endpoint {
        value["endpoint"] = json!(host);
    }
    if let Some(code) = status.http_status {
        value["httpStatus"] = json!(code);
    }
    value
}

fn result_level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low => sarif::ResultLevel::Note,
    }
}

/// One SARIF result: rule, level, a message with the redacted secret, one location, fingerprints
/// and, for git findings, the commit and blob.
fn result(finding: &Finding, rule_index: usize, occurrence: usize) -> sarif::Result {
    let redacted = redact(&finding.secret);
    let place = match &finding.commit {
        Some(c) => format!(
            "was committed in {} by {} on {}",
            short_id(&c.id),
            c.author,
            c.date
        ),
        None => "is exposed in this file".to_string(),
    };
    let message = format!(
        "{} {redacted} {place}. Revoke it at its provider, then remove it from the git history; \
         deleting the line is not enough.",
        finding.rule_name
    );

    let (uri, base) = artifact_uri(&finding.path);
    let artifact = match base {
        Some(base) => sarif::ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id(base)
            .build(),
        None => sarif::ArtifactLocation::builder().uri(uri).build(),
    };
    let region = sarif::Region::builder()
        .start_line(as_i64(finding.line))
        .start_column(as_i64(finding.column))
        .end_line(as_i64(finding.end_line))
        .end_column(as_i64(finding.end_column))
        .build();
    let location = sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        )
        .build();

    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(
        LOCATION_FINGERPRINT.to_string(),
        location_fingerprint(finding, occurrence),
    );
    fingerprints.insert(SECRET_FINGERPRINT.to_string(), finding.fingerprint.clone());

    let mut properties = BTreeMap::new();
    if let Some(repository) = &finding.repository {
        properties.insert("repository".to_string(), json!(repository));
    }
    if let Some(c) = &finding.commit {
        properties.insert("commitId".to_string(), json!(c.id));
        properties.insert("commitAuthor".to_string(), json!(c.author));
        properties.insert("commitEmail".to_string(), json!(c.email));
        properties.insert("commitDate".to_string(), json!(c.date));
    }
    if let Some(blob) = &finding.blob_id {
        properties.insert("blobId".to_string(), json!(blob));
    }
    for (name, status) in [
        ("verification", finding.verification.as_ref().map(evidence)),
        ("revocation", finding.revocation.as_ref().map(evidence)),
    ] {
        if let Some(value) = status {
            properties.insert(name.to_string(), value);
        }
    }
    if let Some(pair) = &finding.pair {
        properties.insert(
            "pair".to_string(),
            json!({"ruleId": pair.rule_id, "fingerprint": pair.fingerprint,
                   "line": pair.line, "column": pair.column}),
        );
    }

    let builder = sarif::Result::builder()
        .rule_id(finding.rule_id.as_str())
        .rule_index(as_i64(rule_index))
        .level(match &finding.verification {
            // A secret its provider accepts is an error whatever its pattern's severity.
            Some(v) if v.status == crate::finding::Verification::Live => sarif::ResultLevel::Error,
            _ => result_level(finding.severity),
        })
        .message(sarif::Message::builder().text(message).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints);
    if properties.is_empty() {
        builder.build()
    } else {
        builder
            .properties(
                sarif::PropertyBag::builder()
                    .additional_properties(properties)
                    .build(),
            )
            .build()
    }
}

fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `artifactLocation.uri` (and `uriBaseId`) of a report path. A relative path becomes a relative
/// URI reference against `%SRCROOT%` (the scanned root, or the repository root in git modes);
/// an absolute path (a file named on the command line) becomes a `file://` URI. Every byte that
/// may not stand for itself in a URI path (space, `#`, `%`, `?`, `:`, non-ASCII...) is
/// percent-encoded as UTF-8.
pub fn artifact_uri(path: &str) -> (String, Option<&'static str>) {
    if let Some(rest) = path.strip_prefix('/') {
        return (format!("file:///{}", percent_encode_path(rest)), None);
    }
    let mut rel = path;
    while let Some(rest) = rel.strip_prefix("./") {
        rel = rest;
    }
    (percent_encode_path(rel), Some("%SRCROOT%"))
}

/// Percent-encodes all but RFC 3986 unreserved characters, sub-delimiters, `@` and `/`. A `:` is
/// encoded too, so that a first segment such as `c:x` is never read as a URI scheme.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whitespace runs (the line breaks of a TOML multi-line string) as single spaces.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, the last one `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
