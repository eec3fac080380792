//! A pattern's `checks` ([`CheckSpec`]), checked at load and compiled to [`FormatCheck`]s that
//! the engine runs (`engine::checks`) on every match that passed the regex post-checks.

use super::spec::CheckSpec;

/// The check names a pattern file may use.
pub const CHECK_NAMES: [&str; 4] = ["crc32-base62", "jwt", "macaroon", "basic-auth"];

/// One compiled check and what its failure does.
#[derive(Debug)]
pub struct FormatCheck {
    pub kind: CheckKind,
    /// A failure keeps the finding at low confidence instead of dropping it.
    pub lowers: bool,
}

/// What a check verifies (the parameters of [`CheckSpec`], checked).
#[derive(Debug)]
pub enum CheckKind {
    /// The text after the first `_` ends in the base62 CRC-32 of the text before its last 6.
    Crc32Base62,
    /// A JWS-compact JSON Web Token; each claim (name, regex) must be a string matching it, and
    /// no public claim may.
    Jwt {
        claims: Vec<(String, regex::Regex)>,
        public_claims: Vec<(String, regex::Regex)>,
    },
    /// A base64url libmacaroons-v2 macaroon after the first `-`, naming `location` if given.
    Macaroon { location: Option<String> },
    /// Base64 of `user-id:password` (RFC 7617), both printable, neither a placeholder.
    BasicAuth,
}

/// A `jwt` check's claim regexes, compiled.
fn claim_regexes(
    claims: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, regex::Regex)>, String> {
    claims
        .iter()
        .map(|(claim, re)| {
            regex::Regex::new(re)
                .map(|re| (claim.clone(), re))
                .map_err(|e| format!("check `jwt`: claim `{claim}`: bad regex {re:?}: {e}"))
        })
        .collect()
}

/// The checks of one pattern. The error names the check at fault (the caller adds the file
/// and the pattern id).
pub(crate) fn compile(specs: &[CheckSpec]) -> Result<Vec<FormatCheck>, String> {
    specs.iter().map(compile_one).collect()
}

fn compile_one(spec: &CheckSpec) -> Result<FormatCheck, String> {
    let name = spec.check.as_str();
    let lowers = match spec.on_fail.as_deref() {
        None | Some("drop") => false,
        Some("low") => true,
        Some(other) => {
            return Err(format!(
                "check `{name}`: on_fail {other:?} is not \"drop\" or \"low\""
            ))
        }
    };
    let only_for = |field: &str, check: &str| {
        format!("check `{name}`: `{field}` is a parameter of the `{check}` check only")
    };
    if name != "jwt" && !spec.claims.is_empty() {
        return Err(only_for("claims", "jwt"));
    }
    if name != "jwt" && !spec.public_claims.is_empty() {
        return Err(only_for("public_claims", "jwt"));
    }
    if name != "macaroon" && spec.location.is_some() {
        return Err(only_for("location", "macaroon"));
    }
    let kind = match name {
        "crc32-base62" => CheckKind::Crc32Base62,
        "jwt" => CheckKind::Jwt {
            claims: claim_regexes(&spec.claims)?,
            public_claims: claim_regexes(&spec.public_claims)?,
        },
        "macaroon" => CheckKind::Macaroon {
            location: spec.location.clone(),
        },
        "basic-auth" => CheckKind::BasicAuth,
        other => {
            return Err(format!(
                "unknown check {other:?} (known: {})",
                CHECK_NAMES.join(", ")
            ))
        }
    };
    Ok(FormatCheck { kind, lowers })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_text: &str) -> CheckSpec {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn known_checks_compile_with_their_parameters() {
        let c = compile(&[
            spec("check = 'crc32-base62'"),
            spec("check = 'jwt'\non_fail = 'low'\nclaims = { iss = '^scalr:' }"),
            spec("check = 'macaroon'\nlocation = 'pypi.org'"),
        ])
        .unwrap();
        assert!(matches!(c[0].kind, CheckKind::Crc32Base62) && !c[0].lowers);
        assert!(
            matches!(&c[1].kind, CheckKind::Jwt { claims, .. } if claims.len() == 1) && c[1].lowers
        );
        assert!(matches!(&c[2].kind, CheckKind::Macaroon { location: Some(l) } if l == "pypi.org"));
    }

    #[test]
    fn unknown_names_values_and_misplaced_parameters_are_errors() {
        let err = |t: &str| compile(&[spec(t)]).unwrap_err();
        assert_eq!(
            err("check = 'luhn'"),
            "unknown check \"luhn\" (known: crc32-base62, jwt, macaroon, basic-auth)"
        );
        assert_eq!(
            err("check = 'jwt'\non_fail = 'warn'"),
            "check `jwt`: on_fail \"warn\" is not \"drop\" or \"low\""
        );
        assert_eq!(
            err("check = 'crc32-base62'\nclaims = { iss = 'x' }"),
            "check `crc32-base62`: `claims` is a parameter of the `jwt` check only"
        );
        assert_eq!(
            err("check = 'jwt'\nlocation = 'x'"),
            "check `jwt`: `location` is a parameter of the `macaroon` check only"
        );
        assert!(err("check = 'jwt'\nclaims = { iss = '(' }")
            .starts_with("check `jwt`: claim `iss`: bad regex"));
    }
}
