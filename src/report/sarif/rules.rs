//! The `reportingDescriptor` of each rule that has results: its descriptions, help on rotating
//! the secret and silencing a false alarm, tags, precision and security severity.

use super::*;
/// GitHub's `security-severity`: a string holding a score in (0.0, 10.0] that GitHub maps back to
/// the same four levels.
pub(super) fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// GitHub's `precision`: very-high, high, medium or low.
fn precision(confidence: Confidence) -> &'static str {
    confidence.as_str()
}

/// The rule of `finding`, described from its pattern (or from the finding alone, should the
/// pattern be missing from the report).
pub(super) fn rule(finding: &Finding, pattern: Option<&Pattern>) -> sarif::ReportingDescriptor {
    let id = finding.rule_id.as_str();
    let name = pattern.map_or(finding.rule_name.as_str(), |p| p.name.as_str());
    let severity = pattern.map_or(finding.severity, |p| p.severity);
    let provider = pattern.map_or_else(
        || id.split('.').next().unwrap_or(id).to_string(),
        |p| p.provider.clone(),
    );
    let description = pattern
        .and_then(|p| p.description())
        .map(collapse_whitespace)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{name}."));
    let reference = pattern.and_then(|p| p.references().first());

    let mut properties = BTreeMap::new();
    if let Some(p) = pattern {
        properties.insert("precision".to_string(), json!(precision(p.confidence)));
    }
    properties.insert(
        "security-severity".to_string(),
        json!(security_severity(severity)),
    );
    let mut tags = vec![
        "security".to_string(),
        "secret".to_string(),
        "external/cwe/cwe-798".to_string(),
    ];
    if !tags.contains(&provider) {
        tags.push(provider);
    }

    let builder = sarif::ReportingDescriptor::builder()
        .id(id)
        .name(truncate(name, MAX_NAME_CHARS))
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(truncate(&format!("Exposed {name}"), MAX_DESCRIPTION_CHARS))
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(truncate(&description, MAX_DESCRIPTION_CHARS))
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(help_text(name, reference))
                .markdown(help_markdown(name, reference))
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(severity)))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(properties)
                .build(),
        );
    match reference {
        Some(uri) => builder.help_uri(uri.as_str()).build(),
        None => builder.build(),
    }
}

/// What to do about a finding of a rule: rotate, or suppress a false alarm. Plain text. (What
/// the secret is, is the `fullDescription`, which GitHub shows above the help.)
fn help_text(name: &str, reference: Option<&String>) -> String {
    let docs = reference.map_or(String::new(), |r| format!(" ({r})"));
    format!(
        "Treat this {name} as compromised: anyone who can read the repository, a clone or fork \
         of it, or a CI log that printed the file may have copied it.\n\
         \n\
         Rotate it:\n\
         1. Revoke it at its provider{docs} and issue a new one. Keep the new one in a secret \
         store or a CI secret, not in the code.\n\
         2. Check the provider's logs for use of the old one.\n\
         3. Remove it from the git history (e.g. git filter-repo --replace-text), force-push, and \
         have collaborators clone again. Revoke first: rewriting history does not undo a leak.\n\
         Deleting the line in a new commit is never enough: the secret stays in the history.\n\
         \n\
         A false alarm (test data, a documented example):\n\
         - put keysweep:allow in a comment on the line;\n\
         - or list the path, the secret (a regex) or the rule under [allow] in .keysweep.toml \
         (paths, secrets, rules);\n\
         - or record the findings you have handled as a baseline, keysweep baseline create -o \
         .keysweep-baseline.json, and scan with --baseline .keysweep-baseline.json: they are not \
         reported again.\n"
    )
}

/// [`help_text`] in Markdown (GitHub shows this one when present).
fn help_markdown(name: &str, reference: Option<&String>) -> String {
    let docs = reference.map_or(String::new(), |r| format!(" ([documentation]({r}))"));
    format!(
        "**Treat this {name} as compromised**: anyone who can read the repository, a clone or \
         fork of it, or a CI log that printed the file may have copied it.\n\
         \n\
         ### Rotate it\n\
         \n\
         1. **Revoke it at its provider**{docs} and issue a new one. Keep the new one in a secret \
         store or a CI secret, not in the code.\n\
         2. Check the provider's logs for use of the old one.\n\
         3. **Remove it from the git history** (e.g. `git filter-repo --replace-text`), \
         force-push, and have collaborators clone again. Revoke first: rewriting history does not \
         undo a leak.\n\
         \n\
         Deleting the line in a new commit is never enough: the secret stays in the history.\n\
         \n\
         ### A false alarm (test data, a documented example)\n\
         \n\
         - Put `keysweep:allow` in a comment on the line.\n\
         - Or list the path, the secret (a regex) or the rule under `[allow]` in `.keysweep.toml` \
         (`paths`, `secrets`, `rules`).\n\
         - Or record the findings you have handled as a baseline, \
         `keysweep baseline create -o .keysweep-baseline.json`, and scan with \
         `--baseline .keysweep-baseline.json`: they are not reported again.\n"
    )
}
