//! The one HTTP client of verification and revocation: a per-request timeout, no redirects
//! (a secret must not follow one), `http://` only to loopback addresses, and bounded retries with
//! exponential backoff and jitter on 429 (honouring `Retry-After`), 5xx, timeouts and refused
//! connections. Other answers are returned at once.

use std::time::Duration;

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

/// An answer that is not to be retried: any status but 429 and 5xx.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Why a request got no final answer after every attempt.
#[derive(Debug)]
pub struct GaveUp {
    /// The last attempt's failure: `HTTP 503`, `connection refused`, `timed out`.
    pub last: String,
    pub attempts: u32,
}

impl std::fmt::Display for GaveUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} after {} attempts", self.last, self.attempts)
    }
}

pub struct Client {
    agent: ureq::Agent,
    policy: Policy,
}

/// Refuses a URL keysweep must not send a secret to: anything but `https://`, except `http://`
/// to a loopback address (a local test server or relay).
///
/// # Errors
/// The URL and why.
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
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
                    "{url} is plain http: secrets are only sent over https:// (http:// only to 127.0.0.1, ::1 or localhost)"
                ))
            }
        }
        other => Err(format!("{url}: scheme {other}:// is not https://")),
    }
}

impl Client {
    pub fn new(policy: Policy) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout(policy.timeout)
            .redirects(0)
            .user_agent(concat!("keysweep/", env!("CARGO_PKG_VERSION")))
            .build();
        Client { agent, policy }
    }

    /// Sends `method url` with `body`, retrying as the module says. `headers` is called for
    /// every attempt (a signature carries a fresh timestamp).
    ///
    /// # Errors
    /// [`GaveUp`] when every attempt failed in a retryable way.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        headers: &dyn Fn() -> Vec<(String, String)>,
    ) -> Result<Answer, GaveUp> {
        let mut last = String::new();
        for attempt in 1..=self.policy.max_attempts.max(1) {
            let mut request = self.agent.request(method, url);
            for (name, value) in headers() {
                request = request.set(&name, &value);
            }
            let result = match body {
                Some(bytes) => request.send_bytes(bytes),
                None => request.call(),
            };
            let retry_after = match result {
                Ok(response) => return Ok(answer(response)),
                Err(ureq::Error::Status(status, response))
                    if status == 429 || (500..600).contains(&status) =>
                {
                    last = format!("HTTP {status}");
                    response
                        .header("Retry-After")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs)
                }
                Err(ureq::Error::Status(_, response)) => return Ok(answer(response)),
                Err(ureq::Error::Transport(t)) => {
                    last = transport_error(&t);
                    None
                }
            };
            if attempt < self.policy.max_attempts {
                let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
                std::thread::sleep(wait.min(MAX_WAIT));
            }
        }
        Err(GaveUp {
            last,
            attempts: self.policy.max_attempts.max(1),
        })
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

fn answer(response: ureq::Response) -> Answer {
    let status = response.status();
    // The body is only read for labels: a huge or broken one is not worth failing over.
    let body = response.into_string().unwrap_or_default();
    Answer { status, body }
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
    }

    #[test]
    fn backoff_grows_and_is_capped_with_jitter() {
        let client = Client::new(Policy {
            backoff: Duration::from_millis(100),
            ..Policy::default()
        });
        for attempt in 1..=12 {
            let full = Duration::from_millis(100 * (1 << (attempt - 1))).min(MAX_WAIT);
            let wait = client.backoff(attempt);
            assert!(wait >= full / 2 && wait <= full, "{attempt}: {wait:?}");
        }
    }
}
