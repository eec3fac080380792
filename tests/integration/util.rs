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

    /// `(rule_id, path, line, column)` of every finding in a JSON report.
    pub fn findings(&self) -> Vec<(String, String, u64, u64)> {
        self.json()["findings"]
            .as_array()
            .expect("findings should be an array")
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// The `rule_id`s of every finding, in report order.
    pub fn rules(&self) -> Vec<String> {
        self.findings().into_iter().map(|f| f.0).collect()
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

/// Runs `cmd` with a deadline: a scan that hangs (on a FIFO, a loop) fails the test instead of
/// hanging the suite.
pub fn run_command(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
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
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("keysweep did not finish within 60 s: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
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
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
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
