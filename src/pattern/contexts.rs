//! The places people commit a secret in: `secret` written into small, realistic files and snippets
//! (an env file, a YAML or JSON config, a curl command, a Go or Python constant, prose), each time
//! under the name the secret is given in that file, spelt in that ecosystem's convention
//! (`MAILCHIMP_TRANSACTIONAL_API_KEY`, `mailchimpTransactionalApiKey`, `X-Mailchimp-…-Api-Key`).
//!
//! Pure text, no engine: the accuracy benchmark (`tests/integration/accuracy.rs`) places each
//! pattern's secrets with [`place`] to measure whether they are found wherever they are written,
//! not just in the shape of the pattern's own examples.

/// The name a secret is given in a file: provider words and kind words, lowercase,
/// space-separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<'a> {
    /// `mailchimp transactional`
    pub provider: &'a str,
    /// `api key`
    pub kind: &'a str,
}

/// A secret written one way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The way it is written: `env`, `yaml_nested`, `curl_header`, `go_const`, …
    pub syntax: &'static str,
    /// The whole snippet, the secret appearing in it verbatim exactly once.
    pub text: String,
}

/// The words of a name, lowercase.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `MAILCHIMP_TRANSACTIONAL_API_KEY`
fn screaming(w: &[String]) -> String {
    w.join("_").to_ascii_uppercase()
}

/// `mailchimp_transactional_api_key`
fn snake(w: &[String]) -> String {
    w.join("_")
}

/// `mailchimp-transactional-api-key`
fn kebab(w: &[String]) -> String {
    w.join("-")
}

/// `MailchimpTransactionalApiKey`
fn pascal(w: &[String]) -> String {
    w.iter().map(|w| capitalised(w)).collect()
}

/// `mailchimpTransactionalApiKey`
fn camel(w: &[String]) -> String {
    let mut out = String::new();
    for (i, word) in w.iter().enumerate() {
        if i == 0 {
            out.push_str(word);
        } else {
            out.push_str(&capitalised(word));
        }
    }
    out
}

/// `Mailchimp-Transactional-Api-Key`, as HTTP header names are written.
fn train(w: &[String]) -> String {
    w.iter()
        .map(|w| capitalised(w))
        .collect::<Vec<_>>()
        .join("-")
}

/// `Mailchimp Transactional Api Key`
fn title(w: &[String]) -> String {
    w.iter()
        .map(|w| capitalised(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The name of a label in every convention [`place`] uses.
struct Names {
    /// Provider and kind words together.
    all: Vec<String>,
    provider: Vec<String>,
    kind: Vec<String>,
}

impl Names {
    fn of(label: &Label) -> Names {
        let provider = words(label.provider);
        let kind = words(label.kind);
        Names {
            all: provider.iter().chain(&kind).cloned().collect(),
            provider,
            kind,
        }
    }

    /// The provider's words run together, as in a host name: `mailchimptransactional`.
    fn host(&self) -> String {
        self.provider.concat()
    }
}

/// `secret` written the ways people commit it, each named by `label`.
pub fn place(label: &Label, secret: &str) -> Vec<Placed> {
    let n = Names::of(label);
    let v = secret;
    let (all, provider, kind) = (&n.all, &n.provider, &n.kind);
    let host = n.host();
    let prose = all.join(" ");
    let placed = |syntax: &'static str, text: String| Placed { syntax, text };
    vec![
        placed(
            "env",
            format!(
                "# {}\nNODE_ENV=production\n{}={v}\nLOG_LEVEL=info\n",
                title(provider),
                screaming(all)
            ),
        ),
        placed(
            "shell_export",
            format!("#!/bin/sh\nset -e\nexport {}=\"{v}\"\n./run.sh\n", screaming(all)),
        ),
        placed(
            "dockerfile",
            format!(
                "FROM debian:bookworm-slim\nENV {}={v}\nCMD [\"/app/server\"]\n",
                screaming(all)
            ),
        ),
        placed(
            "compose",
            format!(
                "services:\n  app:\n    image: app:latest\n    environment:\n      - {}={v}\n",
                screaming(all)
            ),
        ),
        placed(
            "yaml_flat",
            format!("debug: false\n{}: {v}\ntimeout: 30\n", snake(all)),
        ),
        placed(
            "yaml_nested",
            format!(
                "{}:\n  enabled: true\n  {}: {v}\n",
                snake(provider),
                snake(kind)
            ),
        ),
        placed(
            "json_flat",
            format!(
                "{{\n  \"name\": \"app\",\n  \"{}\": \"{v}\",\n  \"retries\": 3\n}}\n",
                camel(all)
            ),
        ),
        placed(
            "json_nested",
            format!(
                "{{\n  \"{}\": {{\n    \"{}\": \"{v}\"\n  }}\n}}\n",
                camel(provider),
                camel(kind)
            ),
        ),
        placed(
            "toml",
            format!(
                "[{}]\n{} = \"{v}\"\nregion = \"eu\"\n",
                snake(provider),
                snake(kind)
            ),
        ),
        placed(
            "ini",
            format!(
                "[{}]\n{}={v}\nverbose=0\n",
                title(provider),
                pascal(kind)
            ),
        ),
        placed(
            "properties",
            format!(
                "server.port=8080\n{}.{}={v}\n",
                kebab(provider),
                kebab(kind)
            ),
        ),
        placed(
            "terraform",
            format!(
                "variable \"{}\" {{\n  type      = string\n  default   = \"{v}\"\n  sensitive = true\n}}\n",
                snake(all)
            ),
        ),
        placed(
            "xml_element",
            format!(
                "<?xml version=\"1.0\"?>\n<settings>\n  <{0}>{v}</{0}>\n</settings>\n",
                camel(all)
            ),
        ),
        placed(
            "jenkins_credentials",
            format!(
                "<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>\n  <scope>GLOBAL</scope>\n  <id>{}</id>\n  <description>{} for the deploy job</description>\n  <secret>{v}</secret>\n</org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>\n",
                kebab(all),
                title(all)
            ),
        ),
        placed(
            "xml_attribute",
            format!(
                "<configuration>\n  <appSettings>\n    <add key=\"{}\" value=\"{v}\" />\n  </appSettings>\n</configuration>\n",
                pascal(all)
            ),
        ),
        placed(
            "html_attribute",
            format!(
                "<div id=\"app\" data-{}=\"{v}\"></div>\n<script src=\"/main.js\"></script>\n",
                kebab(all)
            ),
        ),
        placed(
            "curl_header",
            format!(
                "curl -s -H \"X-{}: {v}\" https://api.{host}.com/v1/account\n",
                train(all)
            ),
        ),
        placed(
            "cli_flag",
            format!("{host} deploy --{} {v} --region eu\n", kebab(all)),
        ),
        placed(
            "cli_flag_equals",
            format!("{host} deploy --{}={v} --region eu\n", kebab(all)),
        ),
        placed(
            "go_const",
            format!(
                "package config\n\nconst {} = \"{v}\"\n",
                camel(all)
            ),
        ),
        placed(
            "go_header",
            format!(
                "func sign(req *http.Request) {{\n\treq.Header.Set(\"X-{}\", \"{v}\")\n}}\n",
                train(all)
            ),
        ),
        placed(
            "python_const",
            format!("import os\n\n{} = '{v}'\n", screaming(all)),
        ),
        placed(
            "python_ctor",
            format!(
                "from {} import {}\n\nclient = {}({}=\"{v}\")\n",
                snake(provider),
                pascal(provider),
                pascal(provider),
                snake(kind)
            ),
        ),
        placed(
            "typescript_const",
            format!("export const {}: string = \"{v}\";\n", camel(all)),
        ),
        placed(
            "javascript_ctor",
            format!(
                "const {} = require('{}');\nconst client = new {}('{v}');\n",
                pascal(provider),
                kebab(provider),
                pascal(provider)
            ),
        ),
        placed(
            "java",
            format!(
                "public class Config {{\n    private static final String {} = \"{v}\";\n}}\n",
                screaming(all)
            ),
        ),
        placed(
            "csharp",
            format!(
                "public static class Config\n{{\n    public const string {} = \"{v}\";\n}}\n",
                pascal(all)
            ),
        ),
        placed(
            "kotlin",
            format!("object Config {{\n    const val {} = \"{v}\"\n}}\n", screaming(all)),
        ),
        placed(
            "ruby",
            format!(
                "{}.configure do |config|\n  config.{} = \"{v}\"\nend\n",
                pascal(provider),
                snake(kind)
            ),
        ),
        placed(
            "php",
            format!(
                "<?php\n\nreturn [\n    '{}' => [\n        '{}' => '{v}',\n    ],\n];\n",
                snake(provider),
                snake(kind)
            ),
        ),
        placed(
            "rust",
            format!("const {}: &str = \"{v}\";\n", screaming(all)),
        ),
        placed(
            "swift",
            format!("let {} = \"{v}\"\n", camel(all)),
        ),
        placed(
            "connection_string",
            format!(
                "{}Endpoint=https://api.{host}.com/;{}={v};Timeout=30\n",
                pascal(provider),
                pascal(kind)
            ),
        ),
        placed(
            "prose_is",
            format!("For the staging tests, the {prose} is {v} until we rotate it.\n"),
        ),
        placed("prose_colon", format!("{prose}: {v}\n")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL: Label = Label {
        provider: "mailchimp transactional",
        kind: "api key",
    };

    #[test]
    fn names_are_split_and_joined_in_each_convention() {
        let n = Names::of(&LABEL);
        assert_eq!(screaming(&n.all), "MAILCHIMP_TRANSACTIONAL_API_KEY");
        assert_eq!(snake(&n.all), "mailchimp_transactional_api_key");
        assert_eq!(camel(&n.all), "mailchimpTransactionalApiKey");
        assert_eq!(pascal(&n.all), "MailchimpTransactionalApiKey");
        assert_eq!(kebab(&n.all), "mailchimp-transactional-api-key");
        assert_eq!(train(&n.all), "Mailchimp-Transactional-Api-Key");
        assert_eq!(camel(&n.provider), "mailchimpTransactional");
        assert_eq!(snake(&n.kind), "api_key");
        assert_eq!(n.host(), "mailchimptransactional");
    }

    #[test]
    fn words_ignore_case_and_stray_separators() {
        let label = Label {
            provider: " Azure  DevOps",
            kind: "personal_access-token",
        };
        let n = Names::of(&label);
        assert_eq!(
            screaming(&n.all),
            "AZURE_DEVOPS_PERSONAL_ACCESS_TOKEN",
            "words split on any non-alphanumeric character"
        );
    }

    #[test]
    fn every_syntax_holds_the_secret_verbatim_exactly_once() {
        let secret = "Zq81-vTx_w0.Ke9";
        let placed = place(&LABEL, secret);
        assert!(placed.len() >= 16, "{} syntaxes", placed.len());
        for p in &placed {
            assert_eq!(
                p.text.matches(secret).count(),
                1,
                "{}: {:?}",
                p.syntax,
                p.text
            );
        }
    }

    #[test]
    fn syntax_names_are_distinct() {
        let placed = place(&LABEL, "v");
        let mut names: Vec<&str> = placed.iter().map(|p| p.syntax).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn each_syntax_names_the_secret_in_its_convention() {
        let placed = place(&LABEL, "VALUE");
        let text = |syntax: &str| {
            placed
                .iter()
                .find(|p| p.syntax == syntax)
                .unwrap_or_else(|| panic!("no syntax {syntax}"))
                .text
                .clone()
        };
        let has = |syntax: &str, part: &str| {
            let t = text(syntax);
            assert!(t.contains(part), "{syntax}: {part:?} not in {t:?}");
        };
        has("env", "\nMAILCHIMP_TRANSACTIONAL_API_KEY=VALUE\n");
        has(
            "shell_export",
            "export MAILCHIMP_TRANSACTIONAL_API_KEY=\"VALUE\"",
        );
        has("yaml_flat", "\nmailchimp_transactional_api_key: VALUE\n");
        has("yaml_nested", "mailchimp_transactional:\n");
        has("yaml_nested", "\n  api_key: VALUE\n");
        has("json_flat", "\"mailchimpTransactionalApiKey\": \"VALUE\"");
        has(
            "json_nested",
            "\"mailchimpTransactional\": {\n    \"apiKey\": \"VALUE\"\n  }",
        );
        has("toml", "[mailchimp_transactional]\napi_key = \"VALUE\"");
        has(
            "xml_element",
            "<mailchimpTransactionalApiKey>VALUE</mailchimpTransactionalApiKey>",
        );
        has("jenkins_credentials", "<secret>VALUE</secret>");
        has("jenkins_credentials", "Mailchimp Transactional Api Key");
        has(
            "curl_header",
            "curl -s -H \"X-Mailchimp-Transactional-Api-Key: VALUE\" https://",
        );
        has("cli_flag", "--mailchimp-transactional-api-key VALUE");
        has("cli_flag_equals", "--mailchimp-transactional-api-key=VALUE");
        has("go_const", "const mailchimpTransactionalApiKey = \"VALUE\"");
        has(
            "go_header",
            "req.Header.Set(\"X-Mailchimp-Transactional-Api-Key\", \"VALUE\")",
        );
        has("python_const", "MAILCHIMP_TRANSACTIONAL_API_KEY = 'VALUE'");
        has("python_ctor", "MailchimpTransactional(api_key=\"VALUE\")");
        has(
            "typescript_const",
            "const mailchimpTransactionalApiKey: string = \"VALUE\";",
        );
        has("javascript_ctor", "new MailchimpTransactional('VALUE')");
        has(
            "csharp",
            "const string MailchimpTransactionalApiKey = \"VALUE\"",
        );
        has(
            "rust",
            "const MAILCHIMP_TRANSACTIONAL_API_KEY: &str = \"VALUE\";",
        );
        has("swift", "let mailchimpTransactionalApiKey = \"VALUE\"");
        has("connection_string", ";ApiKey=VALUE;");
        has("prose_is", "the mailchimp transactional api key is VALUE");
        has("prose_colon", "mailchimp transactional api key: VALUE");
    }
}
