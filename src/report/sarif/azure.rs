//! The SARIF run's identity inside an Azure Pipelines job, in the form GitHub Advanced Security
//! for Azure DevOps (GHAzDO) ingests: `automationDetails.id`
//! `azuredevops/pipeline/build/<org>/<project id>/<definition id>/<phase id>/<branch>/<build id>`
//! and four `azuredevops/pipeline/build/*` properties, read from the agent's predefined variables.
//! GHAzDO drops a run without them (the SARIF Multitool's rules GHAzDO1019 and GHAzDO1020); the
//! variable names and checks follow the Multitool's own `AdoPipelineContext`.

use std::collections::BTreeMap;

const PREFIX: &str = "azuredevops/pipeline/build/";

/// What the environment says about Azure Pipelines.
#[derive(Debug, PartialEq, Eq)]
pub enum Detected {
    /// Not an Azure Pipelines job (`TF_BUILD` is not true), or one without any of the variables.
    None,
    /// The run's id and properties.
    Complete {
        id: String,
        properties: BTreeMap<String, String>,
    },
    /// Some variables are missing or malformed: what is wrong, for a warning.
    Partial(String),
}

/// Reads the job's identity through `env` (the process environment, or a test's map).
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Detected {
    let get = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let either = |a: &str, b: &str| {
        get(a)
            .map(|v| (a.to_string(), v))
            .or_else(|| get(b).map(|v| (b.to_string(), v)))
    };
    if !get("TF_BUILD").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        return Detected::None;
    }
    let collection = get("SYSTEM_COLLECTIONURI");
    let project = get("SYSTEM_TEAMPROJECTID");
    let definition = either("BUILD_DEFINITIONID", "SYSTEM_DEFINITIONID");
    let definition_name = get("BUILD_DEFINITIONNAME");
    let build = get("BUILD_BUILDID");
    let phase = either("SYSTEM_PHASEID", "SYSTEM_JOBID");
    let phase_name = either("SYSTEM_PHASENAME", "SYSTEM_JOBNAME");
    let branch = get("BUILD_SOURCEBRANCH");
    if collection.is_none()
        && project.is_none()
        && definition.is_none()
        && definition_name.is_none()
        && build.is_none()
        && phase.is_none()
        && phase_name.is_none()
        && branch.is_none()
    {
        return Detected::None;
    }
    let mut problems = Vec::new();
    let mut need = |name: &str, value: Option<String>, check: fn(&str) -> bool| match value {
        Some(v) if check(&v) => v,
        Some(v) => {
            problems.push(format!("{name}={v:?} is malformed"));
            String::new()
        }
        None => {
            problems.push(format!("{name} is not set"));
            String::new()
        }
    };
    let org = need(
        "SYSTEM_COLLECTIONURI",
        collection.as_deref().map(organization).map(str::to_string),
        |o| !o.is_empty(),
    );
    let project = need("SYSTEM_TEAMPROJECTID", project, is_guid);
    let (definition_var, definition) = definition.unzip();
    let definition = need(
        definition_var.as_deref().unwrap_or("BUILD_DEFINITIONID"),
        definition,
        is_positive,
    );
    let definition_name = need("BUILD_DEFINITIONNAME", definition_name, |_| true);
    let build = need("BUILD_BUILDID", build, is_positive);
    let (phase_var, phase) = phase.unzip();
    let phase = need(
        phase_var.as_deref().unwrap_or("SYSTEM_PHASEID"),
        phase,
        is_guid,
    );
    let phase_name = need("SYSTEM_PHASENAME", phase_name.map(|(_, v)| v), |_| true);
    let branch = need("BUILD_SOURCEBRANCH", branch, |_| true);
    if !problems.is_empty() {
        return Detected::Partial(problems.join(", "));
    }
    // Azure DevOps' own helper prefixes a bare branch name; pull-request and tag refs stay.
    let branch = if branch.starts_with("refs/") {
        branch
    } else {
        format!("refs/heads/{branch}")
    };
    let properties = [
        ("buildDefinitionId", definition.clone()),
        ("buildDefinitionName", definition_name),
        ("phaseId", phase.to_ascii_lowercase()),
        ("phaseName", phase_name),
    ]
    .into_iter()
    .map(|(key, value)| (format!("{PREFIX}{key}"), value))
    .collect();
    Detected::Complete {
        id: format!(
            "{PREFIX}{org}/{}/{definition}/{}/{branch}/{build}",
            project.to_ascii_lowercase(),
            phase.to_ascii_lowercase()
        ),
        properties,
    }
}

/// The organization of `https://dev.azure.com/ORG/` or `https://ORG.visualstudio.com/` (empty
/// when the URL is neither).
fn organization(collection_uri: &str) -> &str {
    let rest = collection_uri
        .strip_prefix("https://")
        .unwrap_or(collection_uri);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let first = path.split('/').next().unwrap_or("");
    let host = host.to_ascii_lowercase();
    if host == "dev.azure.com" || host == "vsrm.dev.azure.com" {
        return first;
    }
    match host.strip_suffix(".visualstudio.com") {
        Some(sub) => {
            let sub = sub.strip_suffix(".vsrm").unwrap_or(sub);
            &rest[..sub.len()]
        }
        None => "",
    }
}

/// A GUID in its 8-4-4-4-12 form, not all zeros.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
        && text.chars().any(|c| c.is_ascii_hexdigit() && c != '0')
}

fn is_positive(text: &str) -> bool {
    text.parse::<i32>().is_ok_and(|n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const JOB: &[(&str, &str)] = &[
        ("TF_BUILD", "True"),
        ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/fabrikam/"),
        (
            "SYSTEM_TEAMPROJECTID",
            "4C5E0D5B-1B2A-4E8B-9C7D-3F4A5B6C7D8E",
        ),
        ("SYSTEM_DEFINITIONID", "12"),
        ("BUILD_DEFINITIONNAME", "secrets"),
        ("BUILD_BUILDID", "345"),
        ("SYSTEM_PHASEID", "0b5e6f3c-1d2a-4e8b-9c7d-3f4a5b6c7d8e"),
        ("SYSTEM_PHASENAME", "scan"),
        ("BUILD_SOURCEBRANCH", "main"),
    ];

    #[test]
    fn an_azure_job_gets_the_id_and_properties_ghazdo_reads() {
        let Detected::Complete { id, properties } = detect(&env(JOB)) else {
            panic!("not detected");
        };
        assert_eq!(
            id,
            "azuredevops/pipeline/build/fabrikam/4c5e0d5b-1b2a-4e8b-9c7d-3f4a5b6c7d8e/12/\
             0b5e6f3c-1d2a-4e8b-9c7d-3f4a5b6c7d8e/refs/heads/main/345"
        );
        assert_eq!(
            properties["azuredevops/pipeline/build/buildDefinitionId"],
            "12"
        );
        assert_eq!(properties["azuredevops/pipeline/build/phaseName"], "scan");
        assert_eq!(properties.len(), 4);
    }

    #[test]
    fn elsewhere_nothing_and_a_broken_job_says_what_is_wrong() {
        assert_eq!(detect(&env(&[])), Detected::None);
        assert_eq!(detect(&env(&[("TF_BUILD", "True")])), Detected::None);
        let mut broken = JOB.to_vec();
        broken.retain(|(k, _)| *k != "BUILD_BUILDID");
        broken.push(("SYSTEM_COLLECTIONURI", "https://example.com/x"));
        broken.retain(|(k, v)| *k != "SYSTEM_COLLECTIONURI" || v.contains("example"));
        let Detected::Partial(why) = detect(&env(&broken)) else {
            panic!("not partial");
        };
        assert!(why.contains("BUILD_BUILDID is not set"), "{why}");
        assert!(why.contains("SYSTEM_COLLECTIONURI"), "{why}");
        assert_eq!(
            organization("https://fabrikam.visualstudio.com/"),
            "fabrikam"
        );
        assert!(!is_guid("00000000-0000-0000-0000-000000000000"));
    }
}
