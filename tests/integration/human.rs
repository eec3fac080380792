//! The human format: findings grouped by file, a line of context with the secret
//! underlined (or highlighted on a terminal), secrets shortened everywhere unless
//! --show-secrets, commits of git findings, untrusted text escaped, colour only on a terminal.

use crate::util::{
    bin, random_chars, run_command, scw_access_key, uuid_v4, GitRepo, TestDir, GIT_AUTHOR,
};

/// The heading lines (a path, unindented) of a human report, each with the findings under it
/// (their `line:column`).
fn outline(report: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in report.lines() {
        if !line.is_empty() && !line.starts_with(' ') {
            out.push((line.to_string(), Vec::new()));
        } else if line.starts_with("  ") && line[2..].starts_with(|c: char| c.is_ascii_digit()) {
            let location = line.split_whitespace().next().unwrap().to_string();
            out.last_mut()
                .expect("a finding under a heading")
                .1
                .push(location);
        }
    }
    out
}

/// The lines after the finding at `location` (e.g. `3:16`) up to the next finding or heading.
fn block<'a>(report: &'a str, location: &str) -> Vec<&'a str> {
    report
        .lines()
        .skip_while(|l| !l.starts_with(&format!("  {location} ")))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .collect()
}

/// Fails if the report shows 6 consecutive characters of a secret: a shortened secret shows 4.
#[track_caller]
fn assert_no_secret_shown(report: &str, secrets: &[&str]) {
    for secret in secrets {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(6) {
            let piece: String = window.iter().collect();
            assert!(
                !report.contains(&piece),
                "{piece:?} of a secret is shown:\n{report}"
            );
        }
    }
}

#[test]
fn findings_are_grouped_by_file_with_their_place_severity_and_rule() {
    let t = TestDir::new();
    let (ak1, ak2, sk) = (scw_access_key(901), scw_access_key(902), uuid_v4(903));
    t.write(
        "app/prod.env",
        format!("# prod\nSCW_ACCESS_KEY={ak1}\nSCW_SECRET_KEY={sk}\n"),
    );
    t.write("app/clean.txt", "nothing here\n");
    t.write("b.yaml", format!("access_key: {ak2}\n"));
    t.write(
        "docs/setup.md",
        format!("Run with\n\n    SCW_ACCESS_KEY={ak1} make\n\nor {ak2}.\n"),
    );
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(
        outline(&out.stdout),
        vec![
            ("app/prod.env".into(), vec!["2:16".into(), "3:16".into()]),
            ("b.yaml".into(), vec!["1:13".into()]),
            ("docs/setup.md".into(), vec!["3:20".into(), "5:4".into()]),
        ],
        "{}",
        out.stdout
    );
    // One finding: place, severity and rule on one line (aligned), then context, carets and
    // fingerprint in the gutter.
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[1],
        "  2:16  medium    Scaleway access key [scaleway.access_key]"
    );
    assert_eq!(
        lines[6],
        "  3:16  critical  Scaleway secret key [scaleway.secret_key]"
    );
    let json = t.run(&["scan", "app", "--format", "json"]).json();
    let fingerprint = &json["findings"][0]["fingerprint"];
    assert_eq!(
        block(&out.stdout, "2:16"),
        vec![
            format!("    | SCW_ACCESS_KEY={}…", &ak1[..4]),
            "    |                ^^^^^".to_string(),
            format!("    = fingerprint {}", &fingerprint.as_str().unwrap()[..12]),
            "    = pairs with scaleway.secret_key at 3:16".to_string(),
        ]
    );
    assert!(
        out.stdout.contains("\n\nb.yaml\n"),
        "a blank line between files:\n{}",
        out.stdout
    );
    assert_no_secret_shown(&out.stdout, &[&ak1, &ak2, &sk]);
    out.assert_stderr_has(
        "keysweep: 5 findings (1 critical, 4 medium) in 3 files; scanned 4 files, ",
    );
}

/// Other secrets on a finding's line are shortened too: a repeat, a second finding, a secret
/// that is a finding only on another line, and one cut by the context's edge.
#[test]
fn no_secret_is_ever_shown_whole_without_show_secrets() {
    let t = TestDir::new();
    let (ak, sk, ak2) = (scw_access_key(911), uuid_v4(912), scw_access_key(913));
    let filler = "x".repeat(40);
    t.write(
        "one-line.env",
        format!(
            "SCW_SECRET_KEY={sk}\n\
             export SCW_ACCESS_KEY={ak} SCW_SECRET_KEY={sk}\n\
             again: {ak} # {ak}\n\
             backup={sk} {ak2}\n\
             SCW_ACCESS_KEY={ak2} {filler} SCW_SECRET_KEY={sk}\n"
        ),
    );
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_no_secret_shown(&out.stdout, &[&ak, &sk, &ak2]);
    let (a, s) = (format!("{}…", &ak[..4]), format!("{}…", &sk[..4]));
    let a2 = format!("{}…", &ak2[..4]);
    assert_eq!(
        block(&out.stdout, "2:23")[0],
        format!("    | export SCW_ACCESS_KEY={a} SCW_SECRET_KEY={s}"),
    );
    assert_eq!(block(&out.stdout, "2:59")[0], block(&out.stdout, "2:23")[0]);
    assert_eq!(
        block(&out.stdout, "3:8")[0],
        format!("    | again: {a} # {a}")
    );
    assert_eq!(
        block(&out.stdout, "4:45")[0],
        format!("    | backup={s} {a2}"),
        "a secret found only on another line"
    );
    // The context keeps 60 characters either side of a secret: the secret key's first 3 show,
    // shortened; and the access key's last 3 in the context of the secret key.
    assert_eq!(
        block(&out.stdout, "5:16")[0],
        format!("    | SCW_ACCESS_KEY={a2} {filler} SCW_SECRET_KEY={s}"),
    );
    assert_eq!(
        block(&out.stdout, "5:93")[0],
        format!("    | … {filler} SCW_SECRET_KEY={s}"),
        "the access key's last characters cut by the context's start"
    );
    let shown = t.run(&["scan", ".", "--show-secrets"]);
    assert!(shown.stdout.contains(&format!(
        "    | export SCW_ACCESS_KEY={ak} SCW_SECRET_KEY={sk}\n"
    )));
}

/// Carets line up under the secret, whatever comes before it: tabs (shown as one space), wide
/// characters (two columns), escaped control characters (as wide as their escape).
#[test]
fn carets_line_up_with_the_secret_as_shown() {
    let t = TestDir::new();
    let key = scw_access_key(921);
    t.write(
        "keys.txt",
        format!("\t\"鍵\x07\": \"{key}\"\t# 秘密\nSCW_ACCESS_KEY=\t{key}\n"),
    );
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let short = format!("{}…", &key[..4]);
    assert_eq!(
        block(&out.stdout, "1:9")[..2],
        [
            format!("    |  \"鍵\\u{{7}}\": \"{short}\" # 秘密"),
            // 1 (tab) + 1 (") + 2 (鍵) + 5 (\u{7}) + 4 (": ")
            format!("    | {}^^^^^", " ".repeat(13)),
        ]
    );
    assert_eq!(
        block(&out.stdout, "2:17")[..2],
        [
            format!("    | SCW_ACCESS_KEY= {short}"),
            format!("    | {}^^^^^", " ".repeat(16)),
        ]
    );
    // --show-secrets: the whole secret, carets under all of it.
    let shown = t.run(&["scan", ".", "--show-secrets"]);
    assert_eq!(
        block(&shown.stdout, "2:17")[..2],
        [
            format!("    | SCW_ACCESS_KEY= {key}"),
            format!("    | {}{}", " ".repeat(16), "^".repeat(20)),
        ]
    );
}

/// A secret over several lines: its span in the heading, its first line as context, shortened
/// like any other.
#[test]
fn a_private_key_shows_where_it_ends_and_nothing_of_its_body() {
    let t = TestDir::new();
    let b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: Vec<String> = (0..8).map(|i| random_chars(960 + i, b64, 64)).collect();
    let kind = "RSA PRIVATE KEY";
    t.write(
        "deploy/key.yaml",
        format!(
            "key: |\n  -----BEGIN {kind}-----\n  {}\n  -----END {kind}-----\n",
            body.join("\n  ")
        ),
    );
    let out = t.run(&["scan", "."]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[1..4],
        [
            "  2:3-11:32  critical  RSA private key (PKCS #1) [private_key.rsa]",
            "    |   ----…",
            "    |   ^^^^^",
        ]
    );
    let body: Vec<&str> = body.iter().map(String::as_str).collect();
    assert_no_secret_shown(&out.stdout, &body);
    let shown = t.run(&["scan", ".", "--show-secrets"]);
    assert!(
        shown.stdout.contains(&format!(
            "    |   -----BEGIN {kind}-----\n    |   {}\n",
            "^".repeat(31)
        )),
        "{}",
        shown.stdout
    );
}

#[test]
fn history_findings_show_their_commit_and_blob() {
    let repo = GitRepo::new();
    let (ak, sk) = (scw_access_key(931), uuid_v4(932));
    repo.write("README.md", "# app\n");
    repo.commit("Initial");
    repo.write("deploy/prod.env", format!("SCW_ACCESS_KEY={ak}\n"));
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        "Add the deploy config",
        "-m",
        "Second paragraph, not shown.",
    ]);
    let first = repo.rev("HEAD");
    let first_blob = repo.rev("HEAD:deploy/prod.env");
    repo.write(
        "deploy/prod.env",
        format!("SCW_ACCESS_KEY={ak}\nSCW_SECRET_KEY={sk}\n"),
    );
    let second = repo.commit("Add the secret key too");
    let second_blob = repo.rev("HEAD:deploy/prod.env");
    let date = |c: &str| repo.git(&["log", "-1", "--format=%aI", c]);

    let out = repo.run(&["scan", "--history"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let expected_heading = |commit: &str, blob: &str, message: &str| {
        format!(
            "deploy/prod.env @ {}\n  commit {}  {GIT_AUTHOR} <ada@example.com>  {}\n         {message}\n  blob   {}\n",
            &commit[..12],
            &commit[..12],
            date(commit),
            &blob[..12]
        )
    };
    let older = expected_heading(&first, &first_blob, "Add the deploy config");
    let newer = expected_heading(&second, &second_blob, "Add the secret key too");
    let (at_older, at_newer) = (
        out.stdout.find(&older).expect(&out.stdout),
        out.stdout.find(&newer).expect(&out.stdout),
    );
    assert!(at_older < at_newer, "versions of a file oldest first");
    assert!(!out.stdout.contains("Second paragraph"));
    assert_eq!(
        outline(&out.stdout)
            .into_iter()
            .map(|(_, f)| f)
            .collect::<Vec<_>>(),
        vec![vec!["1:16".to_string()], vec!["1:16".into(), "2:16".into()]],
    );
    assert_no_secret_shown(&out.stdout, &[&ak, &sk]);
    out.assert_stderr_has(
        "keysweep: 3 findings (1 critical, 2 medium) in 1 file across 2 commits; scanned 3 blobs, ",
    );

    // A range: the commit that added the line. Staged: no commit yet, the blob in the index.
    let range = repo.run(&["scan", "--range", "HEAD~1..HEAD"]);
    assert!(range.stdout.starts_with(&newer), "{}", range.stdout);
    repo.write("new.env", format!("SCW_ACCESS_KEY={ak}\n"));
    repo.git(&["add", "new.env"]);
    let staged = repo.run(&["scan", "--staged"]);
    let blob = repo.git(&["rev-parse", ":new.env"]);
    assert!(
        staged.stdout.starts_with(&format!(
            "new.env (staged)\n  blob   {}\n  1:16  medium",
            &blob[..12]
        )),
        "{}",
        staged.stdout
    );
}

/// File names, lines and commit messages are untrusted: escape sequences, bidi overrides, line
/// breaks are shown escaped, never sent to the terminal.
#[test]
fn hostile_names_lines_and_messages_are_escaped() {
    let repo = GitRepo::new();
    let key = scw_access_key(941);
    let name = "evil\x1b[2J\u{202E}vne.txt\nfake.env";
    repo.write(
        name,
        format!("\x1b]0;title\x07SCW_ACCESS_KEY={key} \u{2066}#\r\u{9b}31m\n"),
    );
    repo.commit("Innocent \x1b[8m\u{202E}hidden");
    for args in [&["scan", "."][..], &["scan", "--history"]] {
        let out = repo.run(args);
        assert_eq!(out.status, 1, "{}", out.stderr);
        for raw in ['\x1b', '\x07', '\u{202E}', '\u{2066}', '\r', '\u{9b}'] {
            assert!(
                !out.stdout.contains(raw) && !out.stderr.contains(raw),
                "{args:?}: {raw:?} printed raw:\n{}",
                out.stdout
            );
        }
        assert!(
            out.stdout
                .starts_with("evil\\u{1b}[2J\\u{202e}vne.txt\\u{a}fake.env"),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains(&format!(
                "    | \\u{{1b}}]0;title\\u{{7}}SCW_ACCESS_KEY={}… \\u{{2066}}#\\u{{d}}\\u{{9b}}31m\n",
                &key[..4]
            )),
            "{}",
            out.stdout
        );
        // The carets start under the secret: 19 columns of escapes and text before it.
        assert!(
            out.stdout
                .contains(&format!("    | {}^^^^^\n", " ".repeat(19 + 15))),
            "{}",
            out.stdout
        );
    }
    let history = repo.run(&["scan", "--history"]);
    assert!(
        history
            .stdout
            .contains("         Innocent \\u{1b}[8m\\u{202e}hidden\n"),
        "{}",
        history.stdout
    );
}

/// Colour on a terminal (a pseudo-terminal from util-linux `script`): the secret highlighted
/// instead of underlined; none with NO_COLOR, nor into a pipe.
#[test]
fn colour_highlights_the_secret_only_on_a_terminal() {
    let t = TestDir::new();
    let key = scw_access_key(951);
    t.write("config/prod.env", format!("SCW_ACCESS_KEY={key}\n"));
    let command = format!("{} scan .", bin().display());
    let on_tty = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"])
            .current_dir(t.path())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        run_command(cmd, None).stdout.replace("\r\n", "\n")
    };
    let coloured = on_tty(None);
    let short = format!("{}…", &key[..4]);
    for expected in [
        "\x1b[1mconfig/prod.env\x1b[0m\n".to_string(),
        "  1:16  \x1b[33mmedium\x1b[0m    \x1b[1mScaleway access key\x1b[0m [\x1b[2mscaleway.access_key\x1b[0m]\n".to_string(),
        format!("    \x1b[1;34m|\x1b[0m SCW_ACCESS_KEY=\x1b[1;31m{short}\x1b[0m\n"),
    ] {
        assert!(coloured.contains(&expected), "{expected:?} in {coloured:?}");
    }
    assert!(!coloured.contains('^'), "no carets: {coloured:?}");
    assert!(!coloured.contains(&key));

    let plain = on_tty(Some("1"));
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(plain.contains("    |                ^^^^^\n"), "{plain:?}");
    let piped = t.run(&["scan", "."]);
    assert!(!piped.stdout.contains('\x1b'));
    assert_eq!(
        piped.stdout,
        plain[..plain.find("keysweep:").unwrap()],
        "the same text on a terminal without colour and in a pipe"
    );
}
