//! The trust boundary of configuration: a scanned change cannot choose its own rules, a config
//! found in a scanned tree can neither send data anywhere nor hide everything, and whatever a
//! config hides is counted and said. Also the exit statuses of incomplete scans.

use crate::util::{scw_access_key, uuid_v4, GitRepo, Output, TestDir};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A repository whose `main` has a clean commit, and a branch `pr` that adds a key and
/// `pr_files` (a hostile pull request).
fn pull_request(base_files: &[(&str, &str)], pr_files: &[(&str, &str)]) -> (GitRepo, String) {
    let repo = GitRepo::new();
    repo.write("README.md", "hello\n");
    for (path, text) in base_files {
        repo.write(path, text);
    }
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    let key = scw_access_key(1301);
    repo.write("deploy.env", format!("SCW_ACCESS_KEY={key}\n"));
    for (path, text) in pr_files {
        repo.write(path, text);
    }
    repo.commit("Add deployment");
    (repo, key)
}

fn range_scan(repo: &GitRepo) -> Output {
    repo.run(&["scan", "--range", "main..pr", "--format", "json"])
}

#[test]
fn a_pull_request_cannot_hide_its_secret_with_its_own_config() {
    let hiding = [
        "[allow]\nrules = [\"*\"]\n",
        "[allow]\nsecrets = ['.']\n",
        "[allow]\npaths = [\"**\"]\n",
        "[scan]\nexclude = [\"**\"]\n",
        "[scan]\nexclude = [\"deploy.env\"]\n",
        "[allow]\nrules = [\"scaleway.*\"]\n",
    ];
    for config in hiding {
        let (repo, _) = pull_request(
            &[],
            &[(".keysweep.toml", config), (".keysweepignore", "*\n")],
        );
        let out = range_scan(&repo);
        assert_eq!(out.status, 1, "{config}: {}", out.stderr);
        assert_eq!(out.rules(), ["scaleway.access_key"], "{config}");
        out.assert_stderr_has(".keysweep.toml not read: the base main");
        out.assert_stderr_has("the work tree's copy differs and is not used");
    }
}

#[test]
fn a_range_uses_the_config_of_its_base_and_says_what_it_hid() {
    // The base allows test fixtures; the pull request widens that to everything it adds.
    let (repo, _) = pull_request(
        &[(".keysweep.toml", "[allow]\npaths = [\"fixtures/**\"]\n")],
        &[(
            ".keysweep.toml",
            "[allow]\npaths = [\"fixtures/**\", \"*.env\"]\n",
        )],
    );
    repo.write(
        "fixtures/sample.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1302)),
    );
    repo.commit("A fixture");
    let out = range_scan(&repo);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.findings().len(), 1, "deploy.env is still reported");
    assert_eq!(out.findings()[0].path, "deploy.env");
    out.assert_stderr_has(".keysweep.toml read from the base main");
    out.assert_stderr_has("not reported: 1 allowed by the config");
    out.assert_stderr_has(".keysweep.toml at the base main (");
    out.assert_stderr_has("[allow] paths \"fixtures/**\" hid 1 finding");
}

#[test]
fn a_named_config_inside_the_repository_is_read_at_the_base_in_a_range() {
    let (repo, _) = pull_request(
        &[("ci/keysweep.toml", "[allow]\npaths = [\"docs/**\"]\n")],
        &[("ci/keysweep.toml", "[allow]\npaths = [\"**/*.env\"]\n")],
    );
    let out = repo.run(&[
        "scan",
        "--range",
        "main..pr",
        "--config",
        "ci/keysweep.toml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.rules(), ["scaleway.access_key"]);
    out.assert_stderr_has("config ci/keysweep.toml read from the range's base (the base main");

    // A config the base does not have is refused, not taken from the change.
    let (repo, _) = pull_request(&[], &[("ci/keysweep.toml", "[allow]\npaths = [\"**\"]\n")]);
    let out = repo.run(&[
        "scan",
        "--range",
        "main..pr",
        "--config",
        "ci/keysweep.toml",
    ]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has("ci/keysweep.toml: not in the range's base (the base main");
}

#[test]
fn history_reads_the_committed_config_of_the_default_branch() {
    let repo = GitRepo::new();
    repo.write(
        "a.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1303)),
    );
    repo.commit("A key");
    // An uncommitted config in the work tree does not hide what history holds.
    repo.write(".keysweep.toml", "[allow]\nsecrets = ['^SCW']\n");
    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    out.assert_stderr_has(".keysweep.toml not read: HEAD (");
    repo.commit("Allow SCW keys");
    let out = repo.run(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.assert_stderr_has(".keysweep.toml at HEAD (");
    out.assert_stderr_has("[allow] secrets \"^SCW\" hid 1 finding");
}

#[test]
fn a_tree_config_that_hides_everything_is_refused_and_a_named_one_is_flagged() {
    for (config, said) in [
        (
            "[allow]\nrules = [\"*\"]\n",
            "[allow] rules \"*\" switches off every rule",
        ),
        (
            "[allow]\nsecrets = ['.']\n",
            "[allow] secrets \".\" would hide every finding",
        ),
        (
            "[allow]\nsecrets = ['(?s)']\n",
            "[allow] secrets \"(?s)\" would hide every finding",
        ),
        (
            "[scan]\nexclude = [\"**\"]\n",
            "[scan] exclude \"**\" would hide every finding",
        ),
        (
            "[allow]\npaths = [\"*\"]\n",
            "[allow] paths \"*\" would hide every finding",
        ),
    ] {
        let t = TestDir::new();
        t.write(
            "app.env",
            format!("SCW_ACCESS_KEY={}\n", scw_access_key(1304)),
        );
        t.write(".keysweep.toml", config);
        let out = t.run(&["scan", "."]);
        assert_eq!(out.status, 2, "{config}: {}", out.stderr);
        out.assert_stderr_has(&format!(
            ".keysweep.toml: {said}: a config found in the scanned tree"
        ));
        out.assert_stderr_has("--config FILE if you mean it, or --no-config");

        // --no-config scans without it; --config FILE is the user's own choice, flagged.
        let out = t.run(&["scan", ".", "--no-config"]);
        assert_eq!(out.status, 1, "{config}: {}", out.stderr);
        let out = t.run(&["scan", ".", "--config", ".keysweep.toml"]);
        out.assert_stderr_has(&format!("warning: .keysweep.toml: {said}"));
        out.assert_stderr_has("(it is yours: --config or your own config folder)");
    }
}

/// A loopback server that counts the requests it gets.
fn counting_server() -> (String, Arc<AtomicUsize>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}",
        server.server_addr().to_ip().unwrap().port()
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = request.respond(tiny_http::Response::from_string("[]"));
        }
    });
    (url, hits)
}

#[test]
fn a_tree_config_cannot_send_secrets_anywhere() {
    let (url, hits) = counting_server();
    let t = TestDir::new();
    let access = scw_access_key(1305);
    t.write(
        "app.env",
        format!(
            "SCW_ACCESS_KEY={access}\nSCW_SECRET_KEY={}\n",
            uuid_v4(1305)
        ),
    );
    t.write(
        ".keysweep.toml",
        format!(
            "[providers.scaleway]\napi_url = \"{url}\"\n\
             [revoke]\njournal = \"../stolen.jsonl\"\n\
             [[revoke.webhooks]]\nurl = \"{url}/hook\"\nsecret_env = \"HOME\"\n\
             [[patterns]]\nid = \"evil.any\"\nname = \"Any\"\nseverity = \"low\"\nsecret = 'SCW[A-Z0-9]{{17}}'\n\
             examples = [\"k = {access}\"]\nnegative_examples = [\"k = x\"]\n\
             [patterns.verify]\napi_url = \"{url}\"\nmethod = \"GET\"\npath = \"/v/{{secret}}\"\n\
             success = [200]\ninvalid = [401]\n"
        ),
    );
    // The user's own config names the provider's URL (a second loopback server): the scan
    // verifies there, not at the tree's URL, and never at the real provider.
    let (trusted_url, trusted_hits) = counting_server();
    let home = TestDir::new();
    home.write(
        "keysweep/config.toml",
        format!("[providers.scaleway]\napi_url = \"{trusted_url}\"\n"),
    );
    let mut cmd = std::process::Command::new(crate::util::bin());
    cmd.args(["scan", ".", "--verify", "--revoke", "--format", "json"])
        .current_dir(t.path())
        .env("XDG_CONFIG_HOME", home.path());
    let out = crate::util::run_command(cmd, None);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the tree's URLs: {}",
        out.stderr
    );
    assert!(
        trusted_hits.load(Ordering::SeqCst) > 0,
        "the user's provider URL is used: {}",
        out.stderr
    );
    out.assert_stderr_has(
        ".keysweep.toml: [revoke], [providers], the verify and revoke blocks of [[patterns]] ignored: \
         a config found in the scanned tree may not say where secrets are sent",
    );
    assert!(!t.join("../stolen.jsonl").exists());
    // The tree's custom pattern still finds what it describes: a config may widen detection.
    assert!(
        out.rules().contains(&"evil.any".to_string()),
        "{}",
        out.stderr
    );
}

#[test]
fn the_users_own_config_is_read_and_no_config_reads_none() {
    let t = TestDir::new();
    let home = TestDir::new();
    home.write("keysweep/config.toml", "[allow]\nsecrets = ['^SCW']\n");
    t.write(
        "app.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1306)),
    );
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.args(args)
            .current_dir(t.path())
            .env("XDG_CONFIG_HOME", home.path());
        crate::util::run_command(cmd, None)
    };
    let out = run(&["scan", "."]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.assert_stderr_has("keysweep/config.toml: [allow] secrets \"^SCW\" hid 1 finding");
    let out = run(&["scan", ".", "--no-config"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
}

#[test]
fn a_scan_that_read_nothing_fails_and_an_empty_input_does_not() {
    // Every file ignored by the tree's own ignore file.
    let t = TestDir::new();
    t.write(
        "app.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1307)),
    );
    t.write(".keysweepignore", "*\n");
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 3, "{}", out.stderr);
    out.assert_stderr_has(
        "nothing was scanned: every file is ignored by .gitignore, .ignore or .keysweepignore",
    );
    assert_eq!(t.run(&["scan", ".", "--allow-nothing-scanned"]).status, 0);
    assert_eq!(t.run(&["scan", ".", "--no-ignore"]).status, 1);

    // A broken symlink: an error, so exit 3, and SARIF says the run did not succeed.
    let t = TestDir::new();
    std::os::unix::fs::symlink("missing.env", t.join("link.env")).unwrap();
    t.write("ok.txt", "nothing here\n");
    let out = t.run(&["scan", ".", "--format", "sarif"]);
    assert_eq!(out.status, 3, "{}", out.stderr);
    let sarif = out.json();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(notification["descriptor"]["id"], "read-errors");
    let text = notification["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("1 files or folders could not be read"),
        "{text}"
    );
    assert!(text.contains("link.env: broken symlink"), "{text}");

    // Genuinely empty: an empty folder, an empty range, nothing staged.
    let t = TestDir::new();
    std::fs::create_dir(t.join("empty")).unwrap();
    let out = t.run(&["scan", "empty"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.assert_stderr_has("nothing to scan: no files");
    let repo = GitRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("One");
    let out = repo.run(&["scan", "--range", "HEAD..HEAD"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.assert_stderr_has("nothing to scan: the range adds no files");
    let out = repo.run(&["scan", "--staged"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    out.assert_stderr_has("nothing to scan: nothing is staged");
}

#[test]
fn a_named_config_that_excludes_everything_reads_nothing_and_fails() {
    let t = TestDir::new();
    t.write(
        "app.env",
        format!("SCW_ACCESS_KEY={}\n", scw_access_key(1308)),
    );
    t.write("ci.toml", "[scan]\nexclude = [\"**\"]\n");
    let out = t.run(&["scan", ".", "--config", "ci.toml", "--format", "json"]);
    assert_eq!(out.status, 3, "{}", out.stderr);
    out.assert_stderr_has("warning: ci.toml: [scan] exclude \"**\" would hide every finding");
    out.assert_stderr_has("ci.toml: [scan] exclude \"**\" kept 2 paths from being scanned");
    out.assert_stderr_has("nothing was scanned: 2 excluded by the config");
    assert_eq!(out.stat("excluded"), 2);
}

/// A pattern a scanned tree's config adds cannot silence the generic rules by claiming every
/// value and refusing it with a format check: only what it reports, or a built-in pattern's
/// refused token, makes a generic rule yield.
#[test]
fn a_tree_configs_pattern_cannot_silence_the_generic_rules() {
    let t = TestDir::new();
    let value = crate::util::random_chars(77, "abcdefghijkLMNOPQRS0123456789-_", 24);
    t.write("settings.py", format!("DB_PASSWORD = '{value}'\n"));
    t.write(
        ".keysweep.toml",
        "[[patterns]]\nid = 'tree.swallow'\nname = 'Swallow'\nseverity = 'low'\n\
         secret = '[A-Za-z0-9_-]{20,64}'\nchecks = [{ check = 'crc32-base62' }]\n\
         examples = []\nnegative_examples = []\n",
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.rules(), vec!["generic.password"]);
}

/// A tree's config cannot make a built-in pattern's value "another provider's" by declaring a
/// provider named like every name (`api`): only built-in providers take a name away.
#[test]
fn a_tree_configs_provider_cannot_take_a_builtin_patterns_name_away() {
    let t = TestDir::new();
    let token = uuid_v4(1404);
    t.write("mail.yml", format!("postmark:\n  api_token: \"{token}\"\n"));
    t.write(
        ".keysweep.toml",
        "[[patterns]]\nid = 'tree.api'\nname = 'Api'\nseverity = 'low'\n\
         secret = 'zz_[a-z]{40}'\nnames = { provider = ['api'] }\n\
         examples = []\nnegative_examples = []\n",
    );
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.rules(), vec!["postmark.server_token"]);
}
