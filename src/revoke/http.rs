//! The one HTTP client of verification and revocation: a per-request timeout, no redirects
//! (a secret must not follow one), `http://` only to loopback addresses, and bounded retries with
//! exponential backoff and jitter on 429 (honouring `Retry-After`), 5xx, timeouts and refused
//! connections. Other answers are returned at once.
//!
//! Nothing is sent once the run's time budget is spent or an interruption was asked for:
//! both are checked before every attempt, during backoff waits (slept in short
//! slices) and while an answer is awaited (the request runs on its own thread, abandoned then;
//! its batch stays pending and is re-sent later under the same delivery id).

use crate::interrupt;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Retry and timeout settings (`[revoke]` of the config).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first retry waits about this long; each next one twice as long (at most [`MAX_WAIT`]).
    pub backoff: Duration,
    pub timeout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 5,
            backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}

/// The longest wait between two attempts, `Retry-After` included.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// How often a wait looks at the clock and the interrupt flag.
const SLICE: Duration = Duration::from_millis(50);

/// An answer that is not to be retried: any status but 429 and 5xx.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The `Content-Type`, lower case, without parameters (`application/json`).
    pub content_type: String,
    pub body: String,
}

/// Why nothing more is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// `[revoke] budget_secs` ran out.
    OutOfTime,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Interrupted => "interrupted",
            Stop::OutOfTime => "the time budget ran out",
        })
    }
}

/// Why a request got no final answer.
#[derive(Debug)]
pub enum Failure {
    /// Every attempt failed in a retryable way. `last` is the last attempt's failure (`HTTP
    /// 503`, `connection refused`, `timed out`).
    GaveUp { last: String, attempts: u32 },
    /// Stopped before an answer: the request may or may not have reached the server.
    Stopped(Stop),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::GaveUp { last, attempts } => write!(
                f,
                "{last} after {}",
                crate::text::count(*attempts as usize, "attempt")
            ),
            Failure::Stopped(stop) => write!(f, "{stop}"),
        }
    }
}

pub struct Client {
    agent: ureq::Agent,
    policy: Policy,
    /// Nothing is sent after this instant.
    deadline: Instant,
    /// Set when a wait would have ended past the deadline: the budget counts as spent then.
    spent: std::sync::atomic::AtomicBool,
}

/// A URL as keysweep shows it: scheme, host and port only. Its user, password, path and query
/// may hold credentials or ids.
pub fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let host = match u.host() {
                Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
                Some(host) => host.to_string(),
                None => String::new(),
            };
            match u.port() {
                Some(port) => format!("{}://{host}:{port}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            }
        }
        Err(_) => "(not a URL)".into(),
    }
}

/// Refuses a URL keysweep must not send a secret to: anything but `https://`, except `http://`
/// to a loopback address (a local test server or relay).
///
/// # Errors
/// Why, naming the URL by [`shown`] only.
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    let name = shown(url);
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(format!(
                    "{name} is plain http: secrets are only sent over https:// (http:// only to 127.0.0.1, ::1 or localhost)"
                ))
            }
        }
        other => Err(format!("{name}: scheme {other}:// is not https://")),
    }
}

/// What one attempt came to.
enum Attempt {
    Final(Answer),
    /// Worth another try: what went wrong, and the server's `Retry-After`.
    Retry(String, Option<Duration>),
}

impl Client {
    /// A client that sends nothing after `budget` from now.
    pub fn new(policy: Policy, budget: Duration) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout(policy.timeout)
            .redirects(0)
            .user_agent(concat!("keysweep/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent,
            policy,
            deadline: Instant::now() + budget,
            spent: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Why nothing more may be sent, if so. Once it says stop, it always will.
    pub fn stopped(&self) -> Option<Stop> {
        if interrupt::requested() {
            Some(Stop::Interrupted)
        } else if self.spent.load(std::sync::atomic::Ordering::Relaxed)
            || Instant::now() >= self.deadline
        {
            Some(Stop::OutOfTime)
        } else {
            None
        }
    }

    /// Sends `method url` with `body`, retrying as the module says. `headers` is called for
    /// every attempt (a signature carries a fresh timestamp).
    ///
    /// # Errors
    /// [`Failure::GaveUp`] when every attempt failed in a retryable way, [`Failure::Stopped`]
    /// when the budget ran out or an interruption came first.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        headers: &dyn Fn() -> Vec<(String, String)>,
    ) -> Result<Answer, Failure> {
        let attempts = self.policy.max_attempts.max(1);
        let mut last = String::new();
        for attempt in 1..=attempts {
            if let Some(stop) = self.stopped() {
                return Err(Failure::Stopped(stop));
            }
            let timeout = self
                .policy
                .timeout
                .min(self.deadline.saturating_duration_since(Instant::now()));
            let mut request = self.agent.request(method, url).timeout(timeout);
            for (name, value) in headers() {
                request = request.set(&name, &value);
            }
            let retry_after = match self.attempt(request, body.map(<[u8]>::to_vec))? {
                Attempt::Final(answer) => return Ok(answer),
                Attempt::Retry(why, retry_after) => {
                    last = why;
                    retry_after
                }
            };
            if attempt < attempts {
                // The server may ask for a longer wait, never for a shorter one.
                let wait = retry_after
                    .unwrap_or_default()
                    .max(self.backoff(attempt))
                    .min(MAX_WAIT);
                self.pause(wait).map_err(Failure::Stopped)?;
            }
        }
        Err(Failure::GaveUp { last, attempts })
    }

    /// Runs one attempt on its own thread and waits for it, looking at the clock and the
    /// interrupt flag every [`SLICE`].
    fn attempt(&self, request: ureq::Request, body: Option<Vec<u8>>) -> Result<Attempt, Failure> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let result = match body {
                Some(bytes) => request.send_bytes(&bytes),
                None => request.call(),
            };
            let _ = tx.send(judge(result));
        });
        loop {
            match rx.recv_timeout(SLICE) {
                Ok(attempt) => return Ok(attempt),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(stop) = self.stopped() {
                        return Err(Failure::Stopped(stop));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Ok(Attempt::Retry("the request failed".into(), None))
                }
            }
        }
    }

    /// Waits `wait` in slices; stops early (and says why) on an interruption, or at once when
    /// the wait would end past the deadline.
    pub fn pause(&self, wait: Duration) -> Result<(), Stop> {
        let until = Instant::now() + wait;
        if until >= self.deadline {
            self.spent.store(true, std::sync::atomic::Ordering::Relaxed);
            return Err(Stop::OutOfTime);
        }
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            if let Some(stop) = self.stopped() {
                return Err(stop);
            }
            std::thread::sleep(left.min(SLICE));
        }
        Ok(())
    }

    /// `backoff × 2^(attempt-1)`, capped, times a random factor in [0.5, 1): retries of many
    /// clients do not arrive in step.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .policy
            .backoff
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(MAX_WAIT);
        exp.mul_f64(0.5 + 0.5 * random_unit())
    }
}

/// Sorts an attempt's result into a final answer or a reason to retry.
fn judge(result: Result<ureq::Response, ureq::Error>) -> Attempt {
    match result {
        Ok(response) => Attempt::Final(answer(response)),
        Err(ureq::Error::Status(status, response))
            if status == 429 || (500..600).contains(&status) =>
        {
            let retry_after = response
                .header("Retry-After")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            Attempt::Retry(format!("HTTP {status}"), retry_after)
        }
        Err(ureq::Error::Status(_, response)) => Attempt::Final(answer(response)),
        Err(ureq::Error::Transport(t)) => Attempt::Retry(transport_error(&t), None),
    }
}

fn answer(response: ureq::Response) -> Answer {
    let status = response.status();
    let content_type = response.content_type().to_ascii_lowercase();
    // A huge or broken body is not worth failing over: it judges nothing then.
    let body = response.into_string().unwrap_or_default();
    Answer {
        status,
        content_type,
        body,
    }
}

/// A short, secret-free description of a transport failure.
fn transport_error(t: &ureq::Transport) -> String {
    let text = t.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("refused") {
        "connection refused".into()
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "timed out".into()
    } else {
        // Not `t.to_string()`: it starts with the URL, whose path may hold an id.
        match t.message() {
            Some(m) => format!("{}: {}", t.kind(), m.lines().next().unwrap_or_default()),
            None => t.kind().to_string(),
        }
    }
}

/// A random number in [0, 1) from the standard library's randomly keyed hasher.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://hooks.example.com/x").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_url("http://[::1]:8080/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        let err = check_url("http://hooks.example.com/x").unwrap_err();
        assert!(err.contains("only sent over https://"), "{err}");
        assert!(check_url("http://127.0.0.1.example.com/").is_err());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("not a url").is_err());
        let err = check_url("http://user:pw@hooks.example.com:81/p?token=t").unwrap_err();
        assert!(
            err.starts_with("http://hooks.example.com:81 is plain http"),
            "{err}"
        );
    }

    #[test]
    fn a_url_is_shown_without_credentials_path_or_query() {
        assert_eq!(
            shown("https://user:pw@hooks.example.com/a/b?token=t#f"),
            "https://hooks.example.com"
        );
        assert_eq!(shown("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
        assert_eq!(shown("http://[::1]:9/x"), "http://[::1]:9");
        assert_eq!(shown("nonsense"), "(not a URL)");
    }

    #[test]
    fn nothing_is_sent_after_the_budget() {
        let client = Client::new(Policy::default(), Duration::ZERO);
        assert_eq!(client.stopped(), Some(Stop::OutOfTime));
        let sent = client.send("GET", "http://127.0.0.1:9/", None, &Vec::new);
        assert!(matches!(sent, Err(Failure::Stopped(Stop::OutOfTime))));
        let client = Client::new(Policy::default(), Duration::from_millis(300));
        assert_eq!(client.pause(Duration::from_millis(10)), Ok(()));
        assert_eq!(client.stopped(), None);
        assert_eq!(client.pause(Duration::from_secs(1)), Err(Stop::OutOfTime));
        assert_eq!(client.stopped(), Some(Stop::OutOfTime), "and stays stopped");
    }

    #[test]
    fn backoff_grows_and_is_capped_with_jitter() {
        let client = Client::new(
            Policy {
                backoff: Duration::from_millis(100),
                ..Policy::default()
            },
            Duration::from_secs(60),
        );
        for attempt in 1..=12 {
            let full = Duration::from_millis(100 * (1 << (attempt - 1))).min(MAX_WAIT);
            let wait = client.backoff(attempt);
            assert!(wait >= full / 2 && wait <= full, "{attempt}: {wait:?}");
        }
    }
}
