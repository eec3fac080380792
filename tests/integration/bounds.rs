//! Work a scanned tree cannot blow up, and files it cannot reach: a pattern's
//! `context_window` is capped, tens of thousands of paired findings (on many lines or on one
//! minified line) are paired and reported in time, and `--follow-symlinks` stays inside the
//! scanned folder.

use crate::util::{scw_access_key, uuid_v4, Found, TestDir};

/// A pattern with a context regex `context_window` bytes away at most.
fn wide_pattern(context_window: usize) -> String {
    format!(
        "[[patterns]]\nid = \"acme.wide\"\nname = \"Acme key\"\nseverity = \"high\"\n\
         secret = 'acme_[a-z0-9]{{10}}'\ncontext = 'acmecorp'\ncontext_window = {context_window}\n\
         examples = [\"acmecorp k=acme_a1b2c3d4e5\"]\nnegative_examples = [\"k=acme_a1b2c3d4e5\"]\n"
    )
}

#[test]
fn a_context_window_over_the_cap_is_refused_in_a_pattern_file_and_in_a_config() {
    let t = TestDir::new();
    t.write("src/a.txt", "acmecorp key: acme_z9y8x7w6v5\n");
    t.write("wide.toml", wide_pattern(1_000_000));
    t.write("trusted/keysweep.toml", wide_pattern(50_000));

    let out = t.run(&["scan", "src", "--patterns", "wide.toml"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr.trim_end(),
        "keysweep: error: wide.toml: pattern `acme.wide`: context_window 1000000 is over the \
         limit of 4096 bytes",
        "one line naming the file, the pattern, the value and the cap"
    );
    assert!(out.stdout.is_empty(), "nothing scanned: {}", out.stdout);

    let out = t.run(&["scan", "src", "--config", "trusted/keysweep.toml"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    out.assert_stderr_has(
        "trusted/keysweep.toml: pattern `acme.wide`: context_window 50000 is over the limit of \
         4096 bytes",
    );
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);

    // The cap itself is allowed, and the pattern then works.
    t.write("wide.toml", wide_pattern(4096));
    let out = t.run(&["scan", "src", "--patterns", "wide.toml", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.rules(), vec!["acme.wide"]);
}

#[test]
fn tens_of_thousands_of_paired_findings_are_each_paired_with_their_neighbour() {
    // Pairing looked at every finding for every finding: 200,000 of them did not finish in 15
    // minutes. 40,000 here, two per pair of lines.
    const PAIRS: u64 = 20_000;
    let keys: Vec<(String, String)> = (0..PAIRS)
        .map(|n| (scw_access_key(n), uuid_v4(n)))
        .collect();
    let text: String = keys
        .iter()
        .map(|(ak, sk)| format!("SCW_ACCESS_KEY={ak}\nSCW_SECRET_KEY={sk}\n"))
        .collect();
    let t = TestDir::new();
    t.write("many.env", text);
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let found = out.findings();
    let of_rule = |rule: &str| -> Vec<&Found> { found.iter().filter(|f| f.rule == rule).collect() };
    let (access, secret) = (
        of_rule("scaleway.access_key"),
        of_rule("scaleway.secret_key"),
    );
    assert_eq!(
        (access.len(), secret.len()),
        (PAIRS as usize, PAIRS as usize)
    );
    for n in [0, PAIRS as usize / 2, PAIRS as usize - 1] {
        let (ak, sk) = &keys[n];
        let line = 2 * n as u64 + 1;
        let ak = Found::at("scaleway.access_key", "many.env", line, 16, ak);
        let sk = Found::at("scaleway.secret_key", "many.env", line + 1, 16, sk);
        // A secret key is as near to the access key below it as to the one above: the tie
        // goes to the earlier one, its own.
        assert_eq!(*secret[n], sk.clone().paired_with(&ak), "pair {n}");
        assert_eq!(*access[n], ak.paired_with(&sk), "pair {n}");
    }
}

#[test]
fn thousands_of_secrets_on_one_minified_line_are_reported_in_every_format() {
    // Each finding decoded, measured and searched its whole line, and the human report looked
    // at every finding of the line for each: quadratic in the findings of one line.
    const PAIRS: u64 = 4_000;
    let text: String = (0..PAIRS)
        .map(|n| {
            format!(
                "SCW_ACCESS_KEY={} SCW_SECRET_KEY={} ",
                scw_access_key(n),
                uuid_v4(n)
            )
        })
        .collect();
    let t = TestDir::new();
    t.write("bundle.min.js", &text);
    let json = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(json.status, 1, "{}", json.stderr);
    let found = json.findings();
    assert_eq!(found.len(), 2 * PAIRS as usize);
    // Columns counted on from finding to finding equal those counted from the line's start.
    let last_key = scw_access_key(PAIRS - 1);
    let last_column = text[..text.rfind(&last_key).unwrap()].chars().count() as u64 + 1;
    let last = found
        .iter()
        .find(|f| f.secret == last_key)
        .expect("the last access key is found");
    // Pairs are nearest by line, ties to the earliest: the secret keys of the line name its
    // first access key, so this last one has no pair.
    assert_eq!(
        *last,
        Found::at(
            "scaleway.access_key",
            "bundle.min.js",
            1,
            last_column,
            &last_key
        ),
    );

    let human = t.run(&["scan", "."]);
    assert_eq!(human.status, 1, "{}", human.stderr);
    assert_eq!(
        human.stdout.matches("= fingerprint").count(),
        2 * PAIRS as usize
    );
    assert!(
        !human.stdout.contains(&last_key),
        "a secret of the line was shown whole"
    );
    for format in ["sarif", "markdown", "github", "jsonl"] {
        let out = t.run(&["scan", ".", "--format", format]);
        assert_eq!(out.status, 1, "{format}: {}", out.stderr);
    }
}

#[test]
fn follow_symlinks_does_not_leave_the_scanned_folder() {
    let t = TestDir::new();
    let outside_key = scw_access_key(31);
    t.write(
        "outside/creds.env",
        format!("SCW_ACCESS_KEY={outside_key}\n"),
    );
    t.write(
        "outside/dir/more.env",
        format!("K={}\n", scw_access_key(32)),
    );
    t.write("repo/real/key.env", format!("K={}\n", scw_access_key(33)));
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, t.join(name)).unwrap();
    };
    link("../outside/creds.env", "repo/leak.env");
    link("../outside/dir", "repo/leakdir");
    link(
        t.join("outside/creds.env").to_str().unwrap(),
        "repo/real/absolute.env",
    );
    link("real/key.env", "repo/inside.env");
    link("real", "repo/inside-dir");

    // The folder named as such, and as `.` from inside it.
    for (cwd, root) in [(".", "repo"), ("repo", ".")] {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.args(["scan", root, "--follow-symlinks", "--format", "json"])
            .current_dir(t.join(cwd));
        let out = crate::util::run_command(cmd, None);
        assert_eq!(out.status, 1, "{}", out.stderr);
        let paths: Vec<String> = out.findings().into_iter().map(|f| f.path).collect();
        assert_eq!(
            paths,
            vec!["inside-dir/key.env", "inside.env", "real/key.env"],
            "links inside are followed, links outside are not ({cwd})"
        );
        assert!(
            !out.stdout.contains(&outside_key) && !out.stderr.contains(&outside_key),
            "a secret outside the scanned folder was read"
        );
        // Also the link met again through the followed folder link.
        for name in [
            "leak.env",
            "leakdir",
            "real/absolute.env",
            "inside-dir/absolute.env",
        ] {
            out.assert_stderr_has(&format!(
                "keysweep: {name}: skipped: symlink to a path outside the scanned folder, not \
                 followed"
            ));
        }
        assert_eq!(out.stat("skipped"), 4, "{}", out.stderr);
        assert_eq!(out.stat("errors"), 0, "{}", out.stderr);
    }

    // A file named on the command line is the user's choice: read wherever it points.
    let out = t.run(&[
        "scan",
        "repo/leak.env",
        "--follow-symlinks",
        "--format",
        "json",
    ]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.findings().len(), 1);
}

/// A tree config's custom pattern whose secret starts with a line break, met inside a `\r\n`:
/// it used to panic while quoting the line, so a scanned tree could crash every scan.
#[test]
fn a_secret_starting_inside_a_crlf_is_reported_not_a_crash() {
    let t = TestDir::new();
    t.write(
        ".keysweep.toml",
        "[[patterns]]\nid = \"acme.nl\"\nname = \"Acme\"\nseverity = \"low\"\n\
         secret = '\\nQZX[0-9]{8}'\nexamples = [\"-\\nQZX12345678\"]\nnegative_examples = [\"QZX1234\"]\n",
    );
    t.write("f.txt", "x\r\nQZX12345678\n");
    let out = t.run(&["scan", ".", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("internal error"), "{}", out.stderr);
    assert_eq!(out.rules(), ["acme.nl"]);
    let human = t.run(&["scan", "f.txt", "--config", ".keysweep.toml"]);
    assert_eq!(human.status, 1, "{}", human.stderr);
}
