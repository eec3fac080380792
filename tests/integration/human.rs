//! The human format: findings grouped by file, a line of context with the secret
//! underlined (or highlighted on a terminal), secrets shortened everywhere unless
//! --show-secrets, commits of git findings, untrusted text escaped, colour only on a terminal.

use crate::util::{
    assert_text_eq, bin, fingerprint, random_chars, run_command, scw_access_key, uuid_v4, GitRepo,
    TestDir, GIT_AUTHOR,
};

/// A secret as the human report shortens it: its first 4 characters and `…`.
fn short(secret: &str) -> String {
    format!("{}…", &secret[..4])
}

/// A finding's fingerprint as the human report shows it: its first 12 characters.
fn short_fingerprint(rule: &str, secret: &str) -> String {
    fingerprint(rule, secret)[..12].to_string()
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
    // Files in order, a blank line between them. One finding: place, severity and rule on one
    // line (aligned), then context, carets, fingerprint and pair in the gutter.
    let (a1, a2, s) = (short(&ak1), short(&ak2), short(&sk));
    let fa1 = short_fingerprint("scaleway.access_key", &ak1);
    let fa2 = short_fingerprint("scaleway.access_key", &ak2);
    let fs = short_fingerprint("scaleway.secret_key", &sk);
    assert_text_eq(
        &out.stdout,
        &format!(
            "\
app/prod.env
  2:16  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY={a1}
    |                ^^^^^
    = fingerprint {fa1}
    = pairs with scaleway.secret_key at 3:16
  3:16  critical  Scaleway secret key [scaleway.secret_key]
    | SCW_SECRET_KEY={s}
    |                ^^^^^
    = fingerprint {fs}
    = pairs with scaleway.access_key at 2:16

b.yaml
  1:13  medium    Scaleway access key [scaleway.access_key]
    | access_key: {a2}
    |             ^^^^^
    = fingerprint {fa2}

docs/setup.md
  3:20  medium    Scaleway access key [scaleway.access_key]
    |     SCW_ACCESS_KEY={a1} make
    |                    ^^^^^
    = fingerprint {fa1}
  5:4   medium    Scaleway access key [scaleway.access_key]
    | or {a2}.
    |    ^^^^^
    = fingerprint {fa2}
"
        ),
    );
    // The fingerprint shown is the JSON report's.
    let json = t.run(&["scan", "app", "--format", "json"]).findings();
    assert_eq!(json[0].fingerprint[..12], fa1);
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
    let (a, s, a2) = (short(&ak), short(&sk), short(&ak2));
    let fa = short_fingerprint("scaleway.access_key", &ak);
    let fa2 = short_fingerprint("scaleway.access_key", &ak2);
    let fs = short_fingerprint("scaleway.secret_key", &sk);
    // 4:45: a secret found only on another line. 5:93: the context keeps 60 characters either
    // side of a secret, so the access key's last characters are cut by the context's start.
    assert_text_eq(
        &out.stdout,
        &format!(
            "\
one-line.env
  1:16  critical  Scaleway secret key [scaleway.secret_key]
    | SCW_SECRET_KEY={s}
    |                ^^^^^
    = fingerprint {fs}
    = pairs with scaleway.access_key at 2:23
  2:23  medium    Scaleway access key [scaleway.access_key]
    | export SCW_ACCESS_KEY={a} SCW_SECRET_KEY={s}
    |                       ^^^^^
    = fingerprint {fa}
    = pairs with scaleway.secret_key at 1:16
  2:59  critical  Scaleway secret key [scaleway.secret_key]
    | export SCW_ACCESS_KEY={a} SCW_SECRET_KEY={s}
    |                                            ^^^^^
    = fingerprint {fs}
    = pairs with scaleway.access_key at 2:23
  3:8   medium    Scaleway access key [scaleway.access_key]
    | again: {a} # {a}
    |        ^^^^^
    = fingerprint {fa}
  3:31  medium    Scaleway access key [scaleway.access_key]
    | again: {a} # {a}
    |                ^^^^^
    = fingerprint {fa}
  4:45  medium    Scaleway access key [scaleway.access_key]
    | backup={s} {a2}
    |              ^^^^^
    = fingerprint {fa2}
  5:16  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY={a2} {filler} SCW_SECRET_KEY={s}
    |                ^^^^^
    = fingerprint {fa2}
    = pairs with scaleway.secret_key at 5:93
  5:93  critical  Scaleway secret key [scaleway.secret_key]
    | … {filler} SCW_SECRET_KEY={s}
    |                                                           ^^^^^
    = fingerprint {fs}
    = pairs with scaleway.access_key at 5:16
"
        ),
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
    let (k, fk) = (short(&key), short_fingerprint("scaleway.access_key", &key));
    // Line 1: 13 columns before the secret: 1 (tab) + 1 (") + 2 (鍵) + 5 (\u{7}) + 4 (": ").
    assert_text_eq(
        &out.stdout,
        &format!(
            "\
keys.txt
  1:9   medium    Scaleway access key [scaleway.access_key]
    |  \"鍵\\u{{7}}\": \"{k}\" # 秘密
    |              ^^^^^
    = fingerprint {fk}
  2:17  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY= {k}
    |                 ^^^^^
    = fingerprint {fk}
"
        ),
    );
    // --show-secrets: the whole secret, carets under all of it.
    let shown = t.run(&["scan", ".", "--show-secrets"]);
    assert_text_eq(
        &shown.stdout,
        &format!(
            "\
keys.txt
  1:9   medium    Scaleway access key [scaleway.access_key]
    |  \"鍵\\u{{7}}\": \"{key}\" # 秘密
    |              ^^^^^^^^^^^^^^^^^^^^
    = fingerprint {fk}
  2:17  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY= {key}
    |                 ^^^^^^^^^^^^^^^^^^^^
    = fingerprint {fk}
"
        ),
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
    // The secret is the key as the JSON report has it (its lines unindented or not): its
    // fingerprint is read from there.
    let json = t.run(&["scan", ".", "--format", "json"]).findings();
    let fk = &json[0].fingerprint[..12];
    assert_text_eq(
        &out.stdout,
        &format!(
            "\
deploy/key.yaml
  2:3-11:32  critical  RSA private key (PKCS #1) [private_key.rsa]
    |   ----…
    |   ^^^^^
    = fingerprint {fk}
"
        ),
    );
    let body: Vec<&str> = body.iter().map(String::as_str).collect();
    assert_no_secret_shown(&out.stdout, &body);
    let shown = t.run(&["scan", ".", "--show-secrets"]);
    assert_text_eq(
        &shown.stdout,
        &format!(
            "\
deploy/key.yaml
  2:3-11:32  critical  RSA private key (PKCS #1) [private_key.rsa]
    |   -----BEGIN {kind}-----
    |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    = fingerprint {fk}
"
        ),
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
    // A file's heading names the commit; under it the commit's author, date and subject (not
    // the rest of its message) and the blob.
    let heading = |commit: &str, blob: &str, subject: &str| {
        format!(
            "\
deploy/prod.env @ {c}
  commit {c}  {GIT_AUTHOR} <ada@example.com>  {date}
         {subject}
  blob   {b}
",
            c = &commit[..12],
            date = date(commit),
            b = &blob[..12],
        )
    };
    let (a, s) = (short(&ak), short(&sk));
    let fa = short_fingerprint("scaleway.access_key", &ak);
    let fs = short_fingerprint("scaleway.secret_key", &sk);

    let out = repo.run(&["scan", "--history"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    // Versions of a file oldest first.
    assert_text_eq(
        &out.stdout,
        &format!(
            "\
{older}  1:16  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY={a}
    |                ^^^^^
    = fingerprint {fa}

{newer}  1:16  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY={a}
    |                ^^^^^
    = fingerprint {fa}
    = pairs with scaleway.secret_key at 2:16
  2:16  critical  Scaleway secret key [scaleway.secret_key]
    | SCW_SECRET_KEY={s}
    |                ^^^^^
    = fingerprint {fs}
    = pairs with scaleway.access_key at 1:16
",
            older = heading(&first, &first_blob, "Add the deploy config"),
            newer = heading(&second, &second_blob, "Add the secret key too"),
        ),
    );
    assert_no_secret_shown(&out.stdout, &[&ak, &sk]);
    out.assert_stderr_has(
        "keysweep: 3 findings (1 critical, 2 medium) in 1 file across 2 commits; scanned 3 blobs, ",
    );

    // A range: the commit that added the line.
    let range = repo.run(&["scan", "--range", "HEAD~1..HEAD"]);
    assert_eq!(range.status, 1, "{}", range.stderr);
    assert_text_eq(
        &range.stdout,
        &format!(
            "\
{newer}  2:16  critical  Scaleway secret key [scaleway.secret_key]
    | SCW_SECRET_KEY={s}
    |                ^^^^^
    = fingerprint {fs}
    = pairs with scaleway.access_key at 1:16
",
            newer = heading(&second, &second_blob, "Add the secret key too"),
        ),
    );
    // Staged: no commit yet, the blob in the index.
    repo.write("new.env", format!("SCW_ACCESS_KEY={ak}\n"));
    repo.git(&["add", "new.env"]);
    let staged = repo.run(&["scan", "--staged"]);
    assert_eq!(staged.status, 1, "{}", staged.stderr);
    let blob = repo.git(&["rev-parse", ":new.env"]);
    assert_text_eq(
        &staged.stdout,
        &format!(
            "\
new.env (staged)
  blob   {b}
  1:16  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY={a}
    |                ^^^^^
    = fingerprint {fa}
",
            b = &blob[..12]
        ),
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
    let commit = repo.commit("Innocent \x1b[8m\u{202E}hidden");
    let blob = repo.rev(&format!("HEAD:{name}"));
    let date = repo.git(&["log", "-1", "--format=%aI", &commit]);
    let (k, fk) = (short(&key), short_fingerprint("scaleway.access_key", &key));
    let escaped_name = "evil\\u{1b}[2J\\u{202e}vne.txt\\u{a}fake.env";
    // The carets start under the secret: 19 columns of escapes and text before it, then
    // `SCW_ACCESS_KEY=`.
    let finding = format!(
        "  1:26  medium    Scaleway access key [scaleway.access_key]
    | \\u{{1b}}]0;title\\u{{7}}SCW_ACCESS_KEY={k} \\u{{2066}}#\\u{{d}}\\u{{9b}}31m
    |                                   ^^^^^
    = fingerprint {fk}
"
    );
    let expected_fs = format!("{escaped_name}\n{finding}");
    let expected_history = format!(
        "\
{escaped_name} @ {c}
  commit {c}  {GIT_AUTHOR} <ada@example.com>  {date}
         Innocent \\u{{1b}}[8m\\u{{202e}}hidden
  blob   {b}
{finding}",
        c = &commit[..12],
        b = &blob[..12],
    );
    for (args, expected) in [
        (&["scan", "."][..], expected_fs),
        (&["scan", "--history"], expected_history),
    ] {
        let out = repo.run(args);
        assert_eq!(out.status, 1, "{}", out.stderr);
        for raw in ['\x1b', '\x07', '\u{202E}', '\u{2066}', '\r', '\u{9b}'] {
            assert!(
                !out.stdout.contains(raw) && !out.stderr.contains(raw),
                "{args:?}: {raw:?} printed raw:\n{}",
                out.stdout
            );
        }
        assert_text_eq(&out.stdout, &expected);
    }
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
    // The terminal gets the report and then the summary line (stderr), whose timing varies.
    let report = &coloured[..coloured.find("keysweep:").expect(&coloured)];
    let (k, fk) = (short(&key), short_fingerprint("scaleway.access_key", &key));
    // Bold path and rule name, yellow severity, dim rule id and fingerprint, a blue gutter, the
    // secret in bold red instead of underlined.
    assert_text_eq(
        report,
        &format!(
            "\
\x1b[1mconfig/prod.env\x1b[0m
  1:16  \x1b[33mmedium\x1b[0m    \x1b[1mScaleway access key\x1b[0m [\x1b[2mscaleway.access_key\x1b[0m]
    \x1b[1;34m|\x1b[0m SCW_ACCESS_KEY=\x1b[1;31m{k}\x1b[0m
    \x1b[1;34m=\x1b[0m fingerprint \x1b[2m{fk}\x1b[0m
"
        ),
    );
    assert!(!coloured.contains('^'), "no carets: {coloured:?}");
    assert!(!coloured.contains(&key));

    let plain = on_tty(Some("1"));
    assert!(!plain.contains('\x1b'), "{plain:?}");
    let piped = t.run(&["scan", "."]);
    assert_text_eq(
        &piped.stdout,
        &format!(
            "\
config/prod.env
  1:16  medium    Scaleway access key [scaleway.access_key]
    | SCW_ACCESS_KEY={k}
    |                ^^^^^
    = fingerprint {fk}
"
        ),
    );
    assert_text_eq(
        &plain[..plain.find("keysweep:").expect(&plain)],
        &piped.stdout,
    );
}
