//! Scaleway and Scalr, the founding providers, in the files people really leak them in; and the
//! ordinary files full of UUIDs and JWTs that must stay quiet.

use crate::util::{jwt, scalr_token, scw_access_key, uuid_v4, Found, TestDir};

/// The findings of a scan of `t`, after checking it did not stop on an error.
fn scan(t: &TestDir) -> Vec<Found> {
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_ne!(out.status, 2, "{}", out.stderr);
    out.findings()
}

/// A finding of `rule` at `path:line:column`.
fn at(rule: &str, path: &str, line: u64, column: u64, secret: &str) -> Found {
    Found::at(rule, path, line, column, secret)
}

#[test]
fn scaleway_keys_in_every_common_file_kind() {
    let t = TestDir::new();
    let (ak, sk) = (scw_access_key(1), uuid_v4(2));
    let (org, project) = (uuid_v4(3), uuid_v4(4));
    t.write(
        ".env",
        format!("SCW_ACCESS_KEY={ak}\nSCW_SECRET_KEY={sk}\nSCW_DEFAULT_PROJECT_ID={project}\n"),
    );
    t.write(
        ".config/scw/config.yaml",
        format!(
            "access_key: {ak}\nsecret_key: {sk}\ndefault_organization_id: {org}\ndefault_project_id: {project}\ndefault_region: fr-par\ndefault_zone: fr-par-1\n"
        ),
    );
    t.write(
        "infra/main.tf",
        format!(
            "terraform {{\n  required_providers {{\n    scaleway = {{ source = \"scaleway/scaleway\" }}\n  }}\n}}\n\nprovider \"scaleway\" {{\n  access_key      = \"{ak}\"\n  secret_key      = \"{sk}\"\n  organization_id = \"{org}\"\n  project_id      = \"{project}\"\n  region          = \"fr-par\"\n}}\n"
        ),
    );
    t.write(
        "scripts/list.sh",
        format!("#!/bin/sh\ncurl -s \\\n  -H \"X-Auth-Token: {sk}\" \\\n  https://api.scaleway.com/instance/v1/zones/fr-par-1/servers\n"),
    );
    t.write(
        "app/client.py",
        format!(
            "from scaleway import Client\n\nclient = Client(\n    access_key=\"{ak}\",\n    secret_key=\"{sk}\",\n    default_project_id=\"{project}\",\n)\n"
        ),
    );
    t.write(
        "deploy/creds.json",
        format!("{{\n  \"scaleway\": {{\n    \"accessKey\": \"{ak}\",\n    \"secretKey\": \"{sk}\",\n    \"projectId\": \"{project}\"\n  }}\n}}\n"),
    );
    let found = scan(&t);
    // In each file the access key and the secret key name each other as a pair.
    let paired = |path: &str, (ak_line, ak_column), (sk_line, sk_column)| {
        let a = at("scaleway.access_key", path, ak_line, ak_column, &ak);
        let s = at("scaleway.secret_key", path, sk_line, sk_column, &sk);
        [a.clone().paired_with(&s), s.paired_with(&a)]
    };
    let expected = [
        paired(".config/scw/config.yaml", (1, 13), (2, 13)).to_vec(),
        paired(".env", (1, 16), (2, 16)).to_vec(),
        paired("app/client.py", (4, 17), (5, 17)).to_vec(),
        paired("deploy/creds.json", (3, 19), (4, 19)).to_vec(),
        paired("infra/main.tf", (8, 22), (9, 22)).to_vec(),
        vec![at("scaleway.secret_key", "scripts/list.sh", 3, 21, &sk)],
    ]
    .concat();
    assert_eq!(
        found, expected,
        "organization and project ids must not be reported"
    );
}

#[test]
fn ordinary_code_full_of_uuids_gives_no_scaleway_secret_key() {
    let t = TestDir::new();
    let mut lock = String::from("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    for i in 0..200 {
        lock.push_str(&format!("    \"node_modules/pkg{i}\": {{ \"resolved\": \"https://registry.npmjs.org/pkg{i}\", \"id\": \"{}\" }},\n", uuid_v4(i)));
    }
    lock.push_str("  }\n}\n");
    t.write("package-lock.json", lock);
    t.write(
        "App.csproj",
        format!("<Project>\n  <PropertyGroup>\n    <ProjectGuid>{{{}}}</ProjectGuid>\n    <UserSecretsId>{}</UserSecretsId>\n  </PropertyGroup>\n</Project>\n", uuid_v4(500), uuid_v4(501)),
    );
    t.write(
        "tests/test_ids.py",
        format!("TEST_ID = \"{}\"\nsecret_key = \"{}\"  # a Django test settings key\nrequest_id = '{}'\n", uuid_v4(502), uuid_v4(503), uuid_v4(504)),
    );
    t.write(
        "terraform/aws.tf",
        format!(
            "provider \"aws\" {{\n  region     = \"eu-west-1\"\n  secret_key = \"{}\"\n}}\n",
            uuid_v4(505)
        ),
    );
    // A Scaleway file whose UUIDs are all identifiers, none a secret.
    t.write(
        "scw/ids.yaml",
        format!("# scaleway\ndefault_organization_id: {}\ndefault_project_id: {}\ninstance_id: {}\nsecurity_group_id: {}\n", uuid_v4(506), uuid_v4(507), uuid_v4(508), uuid_v4(509)),
    );
    assert_eq!(scan(&t), vec![]);
}

#[test]
fn scalr_tokens_in_terraform_env_and_headers() {
    let t = TestDir::new();
    let (a, b) = (scalr_token(1), scalr_token(2));
    t.write(
        "main.tf",
        format!("terraform {{\n  backend \"remote\" {{\n    hostname = \"acme.scalr.io\"\n    token    = \"{a}\"\n  }}\n}}\n"),
    );
    t.write(
        ".env",
        format!("SCALR_HOSTNAME=acme.scalr.io\nSCALR_TOKEN={b}\n"),
    );
    t.write(
        "call.sh",
        format!(
            "curl -H 'Authorization: Bearer {a}' https://acme.scalr.io/api/iacp/v3/workspaces\n"
        ),
    );
    assert_eq!(
        scan(&t),
        vec![
            at("scalr.token", ".env", 2, 13, &b),
            at("scalr.token", "call.sh", 1, 32, &a),
            at("scalr.token", "main.tf", 4, 17, &a)
        ]
    );
}

#[test]
fn jwts_of_other_issuers_are_not_scalr_tokens_but_json_web_tokens() {
    let t = TestDir::new();
    let hs = r#"{"alg":"HS256","typ":"JWT"}"#;
    let auth0 = jwt(
        hs,
        r#"{"iss":"https://acme.auth0.com/","sub":"auth0|1"}"#,
        1,
    );
    let dotio = jwt(hs, r#"{"iss":"scalr.io","jti":"at-1"}"#, 2);
    let rs256 = jwt(
        r#"{"alg":"RS256","typ":"JWT"}"#,
        r#"{"iss":"scalr:user","jti":"at-2"}"#,
        3,
    );
    t.write("auth0.txt", &auth0);
    t.write("dotio.txt", &dotio);
    t.write("rs256.txt", &rs256);
    t.write("glued.txt", format!("abc{}", scalr_token(4)));
    // A Supabase anon key is a JWT that is public by design.
    t.write(
        "anon.txt",
        jwt(hs, r#"{"iss":"supabase","ref":"abc","role":"anon"}"#, 5),
    );
    assert_eq!(
        scan(&t),
        vec![
            at("generic.jwt", "auth0.txt", 1, 1, &auth0),
            at("generic.jwt", "dotio.txt", 1, 1, &dotio),
            at("generic.jwt", "rs256.txt", 1, 1, &rs256),
        ]
    );
}
