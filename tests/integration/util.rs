//! Test harness: a temp folder to build file trees in, and a runner for the built binary.
//! Fake tokens are assembled at run time so that this file holds no token-shaped literal.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: `KEYSWEEP_TEST_BIN` (e.g. a release build) or cargo's debug build.
pub fn bin() -> PathBuf {
    std::env::var_os("KEYSWEEP_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_keysweep")))
}

pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> Self {
        TestDir {
            dir: tempfile::tempdir().expect("a temp dir should be creatable"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` to `rel`, creating parent folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// `keysweep ARGS` run in this folder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(self.path())
            .env_remove("NO_COLOR");
        run_command(cmd, stdin)
    }
}

/// One finding of a JSON report (`--format json`), as tests compare it: where, by which rule,
/// the secret (whole, as `--format json` reports it unless `--redact`), its fingerprint, and
/// where git and pairing put it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// `rule_id`.
    pub rule: String,
    pub path: String,
    /// 1-based, of the secret's first character.
    pub line: u64,
    /// 1-based, in characters.
    pub column: u64,
    pub secret: String,
    /// `sha256(rule_id:secret)` in lowercase hex (see [`fingerprint`]).
    pub fingerprint: String,
    /// `blob_id`: the git blob, in every git mode; `None` for files and standard input.
    pub blob_id: Option<String>,
    /// `commit`: the commit that introduced the blob (`--history`) or added the line
    /// (`--range`); `None` for `--staged`, files and standard input.
    pub commit: Option<Commit>,
    /// `pair`: the other half of a pair pattern, found in the same file.
    pub pair: Option<Pair>,
}

/// The `commit` object of a history or range finding: exactly these five keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub id: String,
    /// The author (not the committer).
    pub author: String,
    pub email: String,
    /// RFC 3339.
    pub date: String,
    /// The whole message, without its final newline.
    pub message: String,
}

/// The `pair` object of a finding: the nearest other half of its pair pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// `rule_id`.
    pub rule: String,
    pub secret: String,
    pub fingerprint: String,
    pub line: u64,
    pub column: u64,
}

/// A finding's `fingerprint`: `sha256(rule_id + ":" + secret)` in lowercase hex.
pub fn fingerprint(rule: &str, secret: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(format!("{rule}:{secret}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Found {
    /// A finding of `rule` at `path:line:column`, outside git, with no pair.
    pub fn at(rule: &str, path: &str, line: u64, column: u64, secret: &str) -> Found {
        Found {
            rule: rule.into(),
            path: path.into(),
            line,
            column,
            secret: secret.into(),
            fingerprint: fingerprint(rule, secret),
            blob_id: None,
            commit: None,
            pair: None,
        }
    }

    /// The same finding, read from git blob `blob_id`.
    pub fn in_blob(self, blob_id: &str) -> Found {
        Found {
            blob_id: Some(blob_id.into()),
            ..self
        }
    }

    /// The same finding, introduced or added by `commit` (`--history`, `--range`).
    pub fn in_commit(self, commit: Commit) -> Found {
        Found {
            commit: Some(commit),
            ..self
        }
    }

    /// The same finding, paired with `other` (the other half's rule, secret and place).
    pub fn paired_with(self, other: &Found) -> Found {
        Found {
            pair: Some(Pair {
                rule: other.rule.clone(),
                secret: other.secret.clone(),
                fingerprint: other.fingerprint.clone(),
                line: other.line,
                column: other.column,
            }),
            ..self
        }
    }
}

/// A `scaleway.access_key` finding at `path:line:column`, the rule most tests plant.
pub fn scaleway_key(path: &str, line: u64, column: u64, secret: &str) -> Found {
    Found::at("scaleway.access_key", path, line, column, secret)
}

/// Reads one finding of a JSON report; panics, showing it, on a missing or mistyped field.
fn read_finding(f: &serde_json::Value) -> Found {
    let text = |v: &serde_json::Value, key: &str| {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("no string {key} in {v}"))
            .to_string()
    };
    let number = |v: &serde_json::Value, key: &str| {
        v[key]
            .as_u64()
            .unwrap_or_else(|| panic!("no number {key} in {v}"))
    };
    let optional = |key: &str| match &f[key] {
        serde_json::Value::Null => None,
        v => Some(v),
    };
    let commit = optional("commit").map(|c| {
        let mut keys: Vec<&str> = c
            .as_object()
            .unwrap_or_else(|| panic!("commit should be an object or null: {f}"))
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            ["author", "date", "email", "id", "message"],
            "the keys of a commit: {f}"
        );
        Commit {
            id: text(c, "id"),
            author: text(c, "author"),
            email: text(c, "email"),
            date: text(c, "date"),
            message: text(c, "message"),
        }
    });
    let pair = f.get("pair").map(|p| Pair {
        rule: text(p, "rule_id"),
        secret: text(p, "secret"),
        fingerprint: text(p, "fingerprint"),
        line: number(p, "line"),
        column: number(p, "column"),
    });
    Found {
        rule: text(f, "rule_id"),
        path: text(f, "path"),
        line: number(f, "line"),
        column: number(f, "column"),
        secret: text(f, "secret"),
        fingerprint: text(f, "fingerprint"),
        blob_id: optional("blob_id").map(|b| {
            b.as_str()
                .unwrap_or_else(|| panic!("blob_id should be a string or null: {f}"))
                .to_string()
        }),
        commit,
        pair,
    }
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The stdout as JSON (a `--format json` report).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Every finding of a JSON report, in report order.
    pub fn findings(&self) -> Vec<Found> {
        self.json()["findings"]
            .as_array()
            .expect("findings should be an array")
            .iter()
            .map(read_finding)
            .collect()
    }

    /// The `rule_id`s of every finding, in report order.
    pub fn rules(&self) -> Vec<String> {
        self.findings().into_iter().map(|f| f.rule).collect()
    }

    /// Fails, showing all of stderr, unless stderr contains `text`.
    #[track_caller]
    pub fn assert_stderr_has(&self, text: &str) {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            self.stderr
        );
    }

    pub fn stat(&self, name: &str) -> u64 {
        self.json()["stats"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("no stats.{name}"))
    }
}

/// Fails unless `actual` is exactly `expected`, showing both line by line (each line quoted, so
/// that trailing spaces, escapes and a missing final newline show) and marking the first line
/// that differs: `-` what was expected, `+` what came.
#[track_caller]
pub fn assert_text_eq(actual: &str, expected: &str) {
    if actual == expected {
        return;
    }
    let expected_lines: Vec<&str> = expected.split_inclusive('\n').collect();
    let actual_lines: Vec<&str> = actual.split_inclusive('\n').collect();
    let first = expected_lines
        .iter()
        .zip(&actual_lines)
        .position(|(e, a)| e != a)
        .unwrap_or(expected_lines.len().min(actual_lines.len()));
    let mut diff = String::new();
    for i in 0..expected_lines.len().max(actual_lines.len()) {
        let (e, a) = (expected_lines.get(i), actual_lines.get(i));
        if i == first {
            diff.push_str(&format!(">>> line {} is the first to differ\n", i + 1));
        }
        match (e, a) {
            (Some(e), Some(a)) if e == a => diff.push_str(&format!("  {e:?}\n")),
            _ => {
                if let Some(e) = e {
                    diff.push_str(&format!("- {e:?}\n"));
                }
                if let Some(a) = a {
                    diff.push_str(&format!("+ {a:?}\n"));
                }
            }
        }
    }
    panic!(
        "the text differs from the expected text (- expected, + actual):\n{diff}\n\
         expected:\n{expected}\nactual:\n{actual}"
    );
}

/// Sends `signal` (`Signal::INT`, `Signal::TERM`) to process `pid` with kill(2) itself: no
/// `kill` command, which minimal Debian images (the rust:slim ones, without procps) lack.
pub fn signal(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a child's pid is positive");
    rustix::process::kill_process(pid, signal).expect("the child should be signalled");
}

/// Runs `cmd` with a deadline: a scan that hangs (on a FIFO, a loop) fails the test instead of
/// hanging the suite.
pub fn run_command(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    isolate_user_folders(&mut cmd);
    // The suite itself may run under GitHub Actions: a run is under it only when its test says so.
    // So is Azure Pipelines (TF_BUILD), which changes the SARIF run's automationDetails.
    for ci in ["GITHUB_ACTIONS", "TF_BUILD"] {
        if !cmd.get_envs().any(|(k, _)| k == ci) {
            cmd.env_remove(ci);
        }
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the keysweep binary should start");
    if let Some(bytes) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    // Read both pipes while the child runs: a report larger than a pipe buffer would
    // otherwise block the child forever.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("keysweep did not finish within 60 s: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = std::process::Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Points keysweep's user config and state folders (`XDG_CONFIG_HOME`, `XDG_STATE_HOME`) at a
/// folder of this test run, unless the test set them itself: a developer's own
/// `~/.config/keysweep/config.toml` or journal must never change what a test sees.
pub fn isolate_user_folders(cmd: &mut Command) {
    // One folder per test process, under cargo's scratch folder for tests (not cleaned up by
    // the process, so kept out of /tmp).
    static HOME: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let home = HOME.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("user-folders-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("a temp dir should be creatable")
            .keep()
    });
    for (var, sub) in [("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state")] {
        if !cmd.get_envs().any(|(k, _)| k == var) {
            cmd.env(var, home.join(sub));
        }
    }
}

/// Deterministic pseudo-random characters from `alphabet`, so fake tokens look random
/// (real entropy) yet every run sees the same ones.
pub fn random_chars(seed: u64, alphabet: &str, len: usize) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chars[(state % chars.len() as u64) as usize]
        })
        .collect()
}

/// `prefix_` + `random` + the CRC-32 of `random` as six base62 digits (0-9A-Za-z): a token in
/// the format GitHub and npm document, the one the `crc32-base62` pattern check verifies.
pub fn with_checksum(prefix: &str, random: &str) -> String {
    let mut crc = !0u32;
    for &b in random.as_bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut n = !crc;
    let digits = ALNUM_DIGITS_FIRST.as_bytes();
    let mut sum = [b'0'; 6];
    for slot in sum.iter_mut().rev() {
        *slot = digits[(n % 62) as usize];
        n /= 62;
    }
    format!("{prefix}_{random}{}", String::from_utf8_lossy(&sum))
}

/// A fake token in GitHub's format (`ghp`, `gho`, ... or `npm`): 30 deterministic random
/// characters and their checksum.
pub fn checksummed_token(prefix: &str, seed: u64) -> String {
    with_checksum(prefix, &random_chars(seed, ALNUM_DIGITS_FIRST, 30))
}

/// Base62 digits in the order GitHub's checksums use.
const ALNUM_DIGITS_FIRST: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &str = "0123456789abcdef";

/// A fake Scaleway access key: `SCW` + 17 uppercase letters or digits.
pub fn scw_access_key(seed: u64) -> String {
    format!(
        "{}{}",
        "SC".to_owned() + "W",
        random_chars(seed, UPPER_DIGITS, 17)
    )
}

/// A fake UUID v4 (a Scaleway secret key when named so).
pub fn uuid_v4(seed: u64) -> String {
    let h = random_chars(seed, HEX, 32);
    let variant = random_chars(seed + 1, "89ab", 1);
    format!(
        "{}-{}-4{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        variant,
        &h[17..20],
        &h[20..32]
    )
}

/// A fake Scalr token: HS256 JWT header, payload `{"iss":"scalr:user",...}`, signature.
pub fn scalr_token(seed: u64) -> String {
    let payload = format!(
        r#"{{"iss":"scalr:user","jti":"at-{}"}}"#,
        random_chars(seed, "abcdefghijklmnopqrstuv0123456789", 17)
    );
    jwt(r#"{"alg":"HS256","typ":"JWT"}"#, &payload, seed)
}

/// A JWT with the given header and payload and a random signature.
pub fn jwt(header: &str, payload: &str, seed: u64) -> String {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    format!(
        "{}.{}.{}",
        b64url(header.as_bytes()),
        b64url(payload.as_bytes()),
        random_chars(seed, alphabet, 43)
    )
}

fn b64url(data: &[u8]) -> String {
    base64(
        data,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        false,
    )
}

/// Base64 of `data` with the 64-character `alphabet`, `=`-padded if `pad`.
pub fn base64(data: &[u8], alphabet: &[u8], pad: bool) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn b64url_matches_the_jwt_header_everyone_knows() {
    assert_eq!(
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    );
    assert_eq!(scw_access_key(1).len(), 20);
    assert_eq!(uuid_v4(1).len(), 36);
}

/// A git repository built with the `git` command, reproducibly: fixed author (Ada Lovelace) and
/// committer (CI Bot), a clock that moves one minute per git command, no system or user config.
/// The same test therefore makes the same commit ids on every run.
pub struct GitRepo {
    _dir: Option<TestDir>,
    root: PathBuf,
    clock: std::cell::Cell<u64>,
}

pub const GIT_AUTHOR: &str = "Ada Lovelace";
pub const GIT_AUTHOR_EMAIL: &str = "ada@example.com";
/// Unix time of the first git command; each command adds 60 s.
const GIT_EPOCH: u64 = 1_700_000_000;

impl GitRepo {
    /// A new repository (branch `main`, no commit yet) in its own temp folder.
    pub fn new() -> Self {
        let dir = TestDir::new();
        let root = dir.path().to_path_buf();
        let repo = GitRepo {
            _dir: Some(dir),
            root,
            clock: std::cell::Cell::new(GIT_EPOCH),
        };
        repo.git(&["init", "-q"]);
        repo
    }

    /// A new repository in `t`'s folder `rel` (created).
    pub fn init_in(t: &TestDir, rel: &str) -> Self {
        let root = t.join(rel);
        std::fs::create_dir_all(&root).unwrap();
        let repo = GitRepo::open(&root);
        repo.git(&["init", "-q"]);
        repo
    }

    /// An existing repository (a clone made by another `GitRepo`).
    pub fn open(root: &Path) -> Self {
        GitRepo {
            _dir: None,
            root: root.to_path_buf(),
            clock: std::cell::Cell::new(GIT_EPOCH),
        }
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes `contents` to `rel` in the work tree, creating parent folders.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// `git ARGS` in the repository; panics unless it succeeds; stdout without its final newline.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_with_stdin(args, "")
    }

    /// The `git ARGS` command as [`GitRepo::git`] runs it (fixed identities and clock, no user
    /// config), for a test that expects it to fail (a commit a hook stops).
    pub fn git_command(&self, args: &[&str]) -> Command {
        let now = self.clock.get();
        self.clock.set(now + 60);
        let date = format!("@{now} +0200");
        let mut cmd = Command::new("git");
        cmd.args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "core.autocrlf=false",
            "-c",
            "gc.auto=0",
            "-c",
            "maintenance.auto=false",
            "-c",
            "advice.detachedHead=false",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .current_dir(&self.root)
        .env("GIT_AUTHOR_NAME", GIT_AUTHOR)
        .env("GIT_AUTHOR_EMAIL", GIT_AUTHOR_EMAIL)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_NAME", "CI Bot")
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .env("GIT_COMMITTER_DATE", &date);
        isolate_from_git_env(&mut cmd);
        cmd
    }

    pub fn git_with_stdin(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut cmd = self.git_command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("git should be installed");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if stdout.ends_with('\n') {
            stdout.pop();
        }
        stdout
    }

    /// `git add -A` and a commit with `message`; returns the new commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.rev("HEAD")
    }

    /// `git rev-parse SPEC`.
    pub fn rev(&self, spec: &str) -> String {
        self.git(&["rev-parse", "--verify", "-q", spec])
    }

    /// How many distinct blobs every ref reaches, as git counts them.
    pub fn distinct_blobs(&self) -> u64 {
        let objects = self.git(&["rev-list", "--all", "--objects"]);
        let ids: String = objects
            .lines()
            .map(|l| format!("{}\n", l.split(' ').next().unwrap()))
            .collect();
        let types = self.git_with_stdin(&["cat-file", "--batch-check=%(objecttype)"], &ids);
        types.lines().filter(|t| *t == "blob").count() as u64
    }

    /// `keysweep ARGS` run at the repository root.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_in(".", args)
    }

    /// `keysweep ARGS` run in the repository's folder `rel`.
    pub fn run_in(&self, rel: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(self.join(rel))
            .env_remove("NO_COLOR");
        isolate_from_git_env(&mut cmd);
        run_command(cmd, None)
    }
}

/// No system or user git config, and none of the variables a git hook or `git rebase -x` sets
/// (GIT_DIR & co. would point git, and libgit2, at another repository).
fn isolate_from_git_env(cmd: &mut Command) {
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_CEILING_DIRECTORIES",
        "GIT_PREFIX",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
    ] {
        cmd.env_remove(var);
    }
}
