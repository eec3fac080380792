//! Provider calls declared in pattern files (`[patterns.verify]`, `[patterns.revoke]`): ask the
//! issuer whether a secret is live, or have it deleted. Revocations are journaled like webhook
//! batches: announced before the call, settled after the answer, re-tried while pending.

use super::answers::{self, Answers};
use super::http::{check_url, shown, Answer, Client, Failure, Stop};
use super::journal::{now, Journal, ProviderState, Record};
use super::{Settings, Tally};
use crate::finding::{Finding, Status, Verification};
use crate::pattern::{Pattern, ProviderCall};
use crate::text::{redact, sanitize};
use std::collections::HashMap;

/// A call with its placeholders filled in.
struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// Everything but RFC 3986's unreserved characters and `:` is escaped in a path segment. A colon
/// is a path character of its own (`pchar`), and a Telegram bot token (`123:ABC…`) must keep it.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':');

/// Everything but RFC 3986's unreserved characters is escaped in a form value.
const FORM_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a call's placeholders stand for: `{secret}`, `{pair}` (the paired finding's secret) and
/// `{lookup}` (a value the pattern's verify call answered, such as the token's own id).
#[derive(Clone, Copy)]
struct Values<'a> {
    secret: &'a str,
    pair: Option<&'a str>,
    lookup: Option<&'a str>,
}

/// How a placeholder's value is written where it goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// A URL path: percent-encoded but for what a path segment holds as it is.
    Path,
    /// A header or Basic credentials: as it is.
    Raw,
    /// A JSON body: escaped as inside a JSON string, so that no value adds fields of its own.
    Json,
    /// A form body: percent-encoded (`+` would be read as a space).
    Form,
}

/// How a call's body is encoded: by its `Content-Type`, else by its look.
fn body_place(call: &ProviderCall, body: &str) -> Place {
    let content_type = call
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    if content_type.contains("x-www-form-urlencoded") {
        Place::Form
    } else if content_type.contains("json") || body.trim_start().starts_with(['{', '[']) {
        Place::Json
    } else {
        Place::Raw
    }
}

/// Fills the placeholders, each value written as `place` needs.
fn fill(text: &str, v: Values, place: Place) -> String {
    let enc = |value: &str| match place {
        Place::Path => percent_encoding::utf8_percent_encode(value, PATH_SEGMENT).to_string(),
        Place::Form => percent_encoding::utf8_percent_encode(value, FORM_VALUE).to_string(),
        Place::Json => {
            let quoted = serde_json::to_string(value).expect("a string is JSON");
            quoted[1..quoted.len() - 1].to_string()
        }
        Place::Raw => value.to_string(),
    };
    text.replace("{secret}", &enc(v.secret))
        .replace("{pair}", &enc(v.pair.unwrap_or_default()))
        .replace("{lookup}", &enc(v.lookup.unwrap_or_default()))
}

fn build(
    pattern: &Pattern,
    call: &ProviderCall,
    settings: &Settings,
    v: Values,
) -> Result<Request, String> {
    let uses = |placeholder: &str| call.uses(placeholder);
    if uses("{lookup}") && v.lookup.is_none() {
        return Err("needs the value its verify call answers with".into());
    }
    if uses("{pair}") && v.pair.is_none() {
        return Err(format!(
            "needs its pair ({}) found in the same file",
            pattern.pair().unwrap_or("?")
        ));
    }
    let base = settings
        .api_urls
        .get(&pattern.provider)
        .cloned()
        .unwrap_or_else(|| call.api_url.trim_end_matches('/').to_string());
    let url = format!("{base}{}", fill(&call.path, v, Place::Path));
    check_url(&url)?;
    let mut headers: Vec<(String, String)> = call
        .headers
        .iter()
        .map(|(k, text)| (k.clone(), fill(text, v, Place::Raw)))
        .collect();
    if let Some([user, password]) = call.basic_auth.as_deref() {
        use base64::Engine as _;
        let pair_text = format!(
            "{}:{}",
            fill(user, v, Place::Raw),
            fill(password, v, Place::Raw)
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair_text);
        headers.push(("Authorization".into(), format!("Basic {encoded}")));
    }
    Ok(Request {
        method: call.method.clone(),
        url,
        headers,
        body: call
            .body
            .as_deref()
            .map(|b| fill(b, v, body_place(call, b))),
    })
}

/// Whether a JSON answer holds `pointer` (and, given `equals`, that value).
fn json_holds(body: &serde_json::Value, pointer: &str, equals: Option<&str>) -> bool {
    match (body.pointer(pointer), equals) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(found), Some(want)) => {
            serde_json::from_str::<serde_json::Value>(want).is_ok_and(|want| *found == want)
        }
    }
}

/// What a verification answer says, and why: `live` only with a `success` status and, when the
/// pattern documents one, the JSON shape only the real API answers with; never for an HTML page
/// (a proxy's or WAF's, a login form); `invalid` for a documented refusal; `unknown` otherwise.
fn judge_verification(spec: &ProviderCall, answer: &Answer) -> (Verification, String) {
    let s = answer.status;
    // A proxy's, WAF's or login page says nothing of the secret, whatever its status.
    if answer.content_type.contains("html") {
        return (
            Verification::Unknown,
            format!("HTTP {s} with an HTML page, not the API's answer"),
        );
    }
    let json = || serde_json::from_str::<serde_json::Value>(&answer.body).ok();
    if spec.success.contains(&s) {
        let Some(pointer) = &spec.live_json else {
            return (Verification::Live, format!("HTTP {s}"));
        };
        let body = json().filter(|_| answer.content_type.contains("json"));
        let Some(body) = body else {
            return (
                Verification::Unknown,
                format!("HTTP {s} without a JSON answer ({})", shown_type(answer)),
            );
        };
        if json_holds(&body, pointer, spec.live_equals.as_deref()) {
            return (
                Verification::Live,
                format!("HTTP {s}, {pointer} in the answer"),
            );
        }
        if let Some(invalid) = &spec.invalid_json {
            if json_holds(&body, invalid, spec.invalid_equals.as_deref()) {
                return (
                    Verification::Invalid,
                    format!("HTTP {s}, {invalid} in the answer"),
                );
            }
        }
        return (
            Verification::Unknown,
            format!("HTTP {s} without {pointer} in the answer"),
        );
    }
    if spec.invalid.contains(&s) {
        return (Verification::Invalid, format!("HTTP {s}"));
    }
    (Verification::Unknown, format!("unexpected HTTP {s}"))
}

/// The answer's content type for a message (`no content type` when it had none).
fn shown_type(answer: &Answer) -> String {
    match answer.content_type.as_str() {
        "" => "no content type".into(),
        t => sanitize(t),
    }
}

/// What a provider's answer means for the call: an [`super::http::Answer`] judged by the
/// pattern's `success` and `invalid` statuses.
enum CallResult {
    Success(u16),
    Invalid(u16),
    /// Any other final status.
    Other(String),
    /// Every attempt failed in a retryable way: try again later.
    GaveUp(String),
    /// The run stopped first: try again later.
    Stopped,
}

fn send(client: &Client, req: &Request) -> Result<Answer, Failure> {
    let body = req.body.as_deref().map(str::as_bytes);
    client.send(&req.method, &req.url, body, &|| req.headers.clone())
}

fn call(client: &Client, req: &Request, spec: &ProviderCall) -> CallResult {
    // A revocation's answer is judged as a verification's is: its documented JSON (Slack's
    // `{"ok": false}` to a dead token is a refusal, whatever its status), never an HTML page.
    match send(client, req) {
        Ok(a) => match judge_verification(spec, &a) {
            (Verification::Live, _) => CallResult::Success(a.status),
            (Verification::Invalid, _) => CallResult::Invalid(a.status),
            (Verification::Unknown, why) => CallResult::Other(why),
        },
        Err(Failure::Stopped(_)) => CallResult::Stopped,
        Err(gave_up) => CallResult::GaveUp(gave_up.to_string()),
    }
}

fn patterns_by_id(patterns: &[Pattern]) -> HashMap<&str, &Pattern> {
    patterns.iter().map(|p| (p.id.as_str(), p)).collect()
}

/// When each provider was last called: calls to one provider keep `[revoke] rate_per_sec`.
#[derive(Default)]
struct Pace(HashMap<String, std::time::Instant>);

impl Pace {
    fn wait(
        &mut self,
        client: &Client,
        provider: &str,
        interval: std::time::Duration,
    ) -> Result<(), Stop> {
        if let Some(last) = self.0.get(provider) {
            let next = *last + interval;
            if let Some(left) = next.checked_duration_since(std::time::Instant::now()) {
                client.pause(left)?;
            }
        }
        self.0
            .insert(provider.to_string(), std::time::Instant::now());
        Ok(())
    }
}

/// Providers asked at once. Each provider is asked by one thread at a time, so its pace and its
/// one-call-at-a-time hold; the run's time goes on waiting for answers, not on the CPU.
const PROVIDERS_AT_ONCE: usize = 8;

/// One verification question: a secret of a pattern, with its pair.
pub(super) type Question<'p> = (&'p Pattern, &'p str, Option<&'p str>);

/// An answer, and whether it is `unknown` because the client said stop before asking.
type Reply = (Status<Verification>, bool);

/// The verification calls of one run: each secret (with its pair) asked once, calls to one
/// provider one at a time and paced by `[revoke] rate_per_sec`, up to [`PROVIDERS_AT_ONCE`]
/// providers at once; definite answers kept across runs when `[revoke] verify_cache_hours` says.
pub(super) struct Asker<'a> {
    client: &'a Client,
    settings: &'a Settings,
    saved: Option<Answers>,
}

impl<'a> Asker<'a> {
    pub(super) fn new(client: &'a Client, settings: &'a Settings) -> Self {
        let saved = settings.verify_cache.as_ref().and_then(|(path, keep_for)| {
            Answers::load(path, *keep_for)
                .map_err(|e| {
                    eprintln!("keysweep: warning: {e:#}; every secret is asked of its provider")
                })
                .ok()
        });
        Asker {
            client,
            settings,
            saved,
        }
    }

    /// The answer to each question, in order. Each distinct question is asked once.
    pub(super) fn answer_all<'q>(&mut self, questions: &[Question<'q>]) -> Vec<Reply> {
        fn key<'q>((p, secret, pair): &Question<'q>) -> (&'q str, &'q str, Option<&'q str>) {
            (p.id.as_str(), *secret, *pair)
        }
        let mut replies: HashMap<(&str, &str, Option<&str>), Reply> = HashMap::new();
        let mut by_provider: HashMap<&str, Vec<(Question<'q>, String)>> = HashMap::new();
        for q in questions {
            if replies.contains_key(&key(q)) {
                continue;
            }
            let (pattern, secret, pair) = *q;
            let Some(spec) = pattern.verify_call() else {
                let unknown = Status::new(
                    Verification::Unknown,
                    "keysweep cannot verify this kind of secret",
                );
                replies.insert(key(q), (unknown, false));
                continue;
            };
            let api = self
                .settings
                .api_urls
                .get(&pattern.provider)
                .map_or(spec.api_url.as_str(), String::as_str);
            let saved_key = answers::key(&pattern.id, secret, pair, api);
            if let Some(status) = self.saved.as_ref().and_then(|s| s.get(&saved_key)) {
                replies.insert(key(q), (status, false));
                continue;
            }
            // Marked as asked, so that a repeated question joins no queue twice.
            let pending = Status::new(Verification::Unknown, "not asked");
            replies.insert(key(q), (pending, true));
            by_provider
                .entry(pattern.provider.as_str())
                .or_default()
                .push((*q, saved_key));
        }
        // The busiest providers first (popped from the end): they set the run's length.
        let mut queues: Vec<Vec<(Question<'q>, String)>> = by_provider.into_values().collect();
        queues.sort_by_key(Vec::len);
        let workers = PROVIDERS_AT_ONCE.min(queues.len());
        let queues = std::sync::Mutex::new(queues);
        let next_queue = || queues.lock().ok()?.pop();
        let asked = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    let mut pace = Pace::default();
                    while let Some(queue) = next_queue() {
                        for (q, saved_key) in queue {
                            let reply = self.ask_now(&mut pace, q);
                            if let Ok(mut asked) = asked.lock() {
                                asked.push((q, saved_key, reply));
                            }
                        }
                    }
                });
            }
        });
        for (q, saved_key, reply) in asked.into_inner().unwrap_or_default() {
            if let Some(saved) = self.saved.as_mut() {
                saved.put(saved_key, &reply.0);
            }
            replies.insert(key(&q), reply);
        }
        if let Some(Err(e)) = self.saved.as_ref().map(Answers::save) {
            eprintln!("keysweep: warning: {e:#}");
        }
        questions
            .iter()
            .map(|q| {
                replies
                    .get(&key(q))
                    .cloned()
                    .expect("every question has a reply")
            })
            .collect()
    }

    /// What the provider says now, paced; `unknown` when the client said stop.
    fn ask_now(&self, pace: &mut Pace, (pattern, secret, pair): Question) -> Reply {
        let spec = pattern
            .verify_call()
            .expect("only verifiable questions are asked");
        let asked = pace
            .wait(self.client, &pattern.provider, self.settings.call_interval)
            .and_then(|()| ask(self.client, pattern, spec, self.settings, secret, pair));
        match asked {
            Ok(status) => (status, false),
            Err(stop) => (
                Status::new(Verification::Unknown, format!("not verified: {stop}")),
                true,
            ),
        }
    }
}

/// Sets every finding's `verification`: what its provider says, or `unknown` when keysweep
/// cannot ask, or could not before the client said stop. One call per distinct secret (and
/// pair). Returns how many were left unverified by that stop.
pub fn verify(
    findings: &mut [Finding],
    patterns: &[Pattern],
    settings: &Settings,
    client: &Client,
) -> usize {
    let by_id = patterns_by_id(patterns);
    let cannot = || {
        Status::new(
            Verification::Unknown,
            "keysweep cannot verify this kind of secret",
        )
    };
    let questions: Vec<(usize, Question)> = findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let pattern = by_id.get(f.rule_id.as_str())?;
            let pair = f.pair.as_ref().map(|p| p.secret.as_str());
            Some((i, (*pattern, f.secret.as_str(), pair)))
        })
        .collect();
    let asked: Vec<Question> = questions.iter().map(|(_, q)| *q).collect();
    let replies = Asker::new(client, settings).answer_all(&asked);
    let mut statuses: Vec<Option<Reply>> = vec![None; findings.len()];
    for ((i, _), reply) in questions.iter().zip(replies) {
        statuses[*i] = Some(reply);
    }
    let mut stopped = 0;
    for (f, reply) in findings.iter_mut().zip(statuses) {
        let (status, stop) = reply.unwrap_or_else(|| (cannot(), false));
        stopped += usize::from(stop);
        f.verification = Some(status);
    }
    stopped
}

/// What the provider says of one secret, unless the client says stop first.
fn ask(
    client: &Client,
    pattern: &Pattern,
    spec: &ProviderCall,
    settings: &Settings,
    secret: &str,
    pair: Option<&str>,
) -> Result<Status<Verification>, Stop> {
    if let Some(stop) = client.stopped() {
        return Err(stop);
    }
    let values = Values {
        secret,
        pair,
        lookup: None,
    };
    let req = match build(pattern, spec, settings, values) {
        Ok(req) => req,
        Err(why) => return Ok(Status::new(Verification::Unknown, why)),
    };
    let host = url::Url::parse(&req.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string));
    Ok(match send(client, &req) {
        Ok(answer) => {
            let (status, why) = judge_verification(spec, &answer);
            Status {
                status,
                detail: match &host {
                    Some(h) => format!("{h}: {why}"),
                    None => why,
                },
                endpoint: host,
                http_status: Some(answer.status),
            }
        }
        Err(Failure::Stopped(stop)) => return Err(stop),
        Err(gave_up) => Status {
            endpoint: host,
            ..Status::new(Verification::Unknown, gave_up.to_string())
        },
    })
}

/// The value `{lookup}` stands for in a revocation: `lookup_json` of the answer to the pattern's
/// verify call (a token's own id, which deleting it needs), asked when the secret is live.
fn look_up(
    client: &Client,
    pattern: &Pattern,
    spec: &ProviderCall,
    settings: &Settings,
    values: Values,
) -> Result<Option<String>, String> {
    let Some(pointer) = &spec.lookup_json else {
        return Ok(None);
    };
    let verify = pattern
        .verify_call()
        .ok_or("its revocation looks up a value, but it has no verify call")?;
    let req = build(pattern, verify, settings, values)?;
    let answer = send(client, &req).map_err(|e| format!("looking up what to revoke: {e}"))?;
    match judge_verification(verify, &answer) {
        (Verification::Live, _) => {}
        (_, why) => return Err(format!("looking up what to revoke: {why}")),
    }
    let body: serde_json::Value = serde_json::from_str(&answer.body)
        .map_err(|_| "looking up what to revoke: the answer is not JSON".to_string())?;
    match body.pointer(pointer) {
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        _ => Err(format!(
            "looking up what to revoke: no {pointer} in the answer"
        )),
    }
}

/// Makes one journaled revocation call and records its outcome.
fn revoke_one(
    client: &Client,
    journal: &mut Journal,
    req: &Request,
    spec: &ProviderCall,
    fingerprint: &str,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let (entry, outcome_count) = match call(client, req, spec) {
        CallResult::Success(s) => (
            Some(Record::Revoked {
                fingerprint: fingerprint.into(),
                time: now(),
                detail: format!("HTTP {s}"),
            }),
            &mut tally.revoked,
        ),
        CallResult::Invalid(s) => (
            Some(Record::RevokeFailed {
                fingerprint: fingerprint.into(),
                time: now(),
                detail: format!(
                    "HTTP {s}: the provider does not accept the key (already revoked?)"
                ),
            }),
            &mut tally.revoke_failed,
        ),
        CallResult::GaveUp(why) => {
            eprintln!(
                "keysweep: warning: revocation at {} still pending: {why}",
                shown(&req.url)
            );
            (None, &mut tally.revoke_pending)
        }
        // Said once for the whole run by the caller.
        CallResult::Stopped => (None, &mut tally.revoke_pending),
        CallResult::Other(why) => (
            Some(Record::RevokeFailed {
                fingerprint: fingerprint.into(),
                time: now(),
                detail: why,
            }),
            &mut tally.revoke_failed,
        ),
    };
    *outcome_count += 1;
    if let Some(entry) = entry {
        journal.append(entry)?;
    }
    Ok(())
}

/// A provider URL for a dry run: [`shown`] and the path (whose secrets the dry run redacted),
/// never a user, password or query. The path is shown decoded, so a redacted secret reads
/// `SCW0…`, not `SCW0%E2%80%A6`, and sanitised, as it holds scanned text.
fn shown_with_path(url: &str) -> String {
    let path = url::Url::parse(url).map_or_else(|_| String::new(), |u| u.path().to_string());
    let path = percent_encoding::percent_decode_str(&path).decode_utf8_lossy();
    format!("{}{}", shown(url), sanitize(&path))
}

/// Re-tries the journal's pending provider revocations (from a run that stopped mid-call), until
/// the client says stop.
///
/// # Errors
/// A journal write error.
pub fn resume(
    journal: &mut Journal,
    patterns: &[Pattern],
    settings: &Settings,
    client: &Client,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let by_id = patterns_by_id(patterns);
    for (fingerprint, r) in journal.pending_revocations() {
        if client.stopped().is_some() {
            tally.revoke_pending += 1;
            continue;
        }
        let Some((pattern, spec)) = by_id
            .get(r.rule_id.as_str())
            .and_then(|p| p.revoke_call().map(|c| (*p, c)))
        else {
            eprintln!(
                "keysweep: warning: a revocation of a {} secret is pending, but no loaded pattern can revoke it",
                r.rule_id
            );
            tally.revoke_pending += 1;
            continue;
        };
        let values = Values {
            secret: &r.secret,
            pair: r.pair.as_deref(),
            lookup: None,
        };
        let looked_up = match look_up(client, pattern, spec, settings, values) {
            Ok(value) => value,
            Err(why) => {
                eprintln!(
                    "keysweep: warning: pending revocation of a {} secret: {why}",
                    r.rule_id
                );
                tally.revoke_pending += 1;
                continue;
            }
        };
        let values = Values {
            lookup: looked_up.as_deref(),
            ..values
        };
        match build(pattern, spec, settings, values) {
            Ok(req) => revoke_one(client, journal, &req, spec, &fingerprint, tally)?,
            Err(why) => eprintln!(
                "keysweep: warning: pending revocation of a {} secret: {why}",
                r.rule_id
            ),
        }
    }
    Ok(())
}

/// Revokes at their provider the findings whose pattern declares how, each secret once ever,
/// until the client says stop (what is left is counted `unsent`). A dry run prints the calls,
/// redacted, and makes none.
///
/// # Errors
/// A journal write error.
pub fn revoke(
    journal: &mut Journal,
    findings: &[Finding],
    patterns: &[Pattern],
    settings: &Settings,
    client: &Client,
    dry_run: bool,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let by_id = patterns_by_id(patterns);
    for f in findings {
        let Some((pattern, spec)) = by_id
            .get(f.rule_id.as_str())
            .and_then(|p| p.revoke_call().map(|c| (*p, c)))
        else {
            continue;
        };
        if journal
            .revocation(&f.fingerprint)
            .is_some_and(|r| matches!(r.state, ProviderState::Revoked(_) | ProviderState::Pending))
        {
            continue; // revoked already, or just re-tried by `resume`
        }
        let pair = f.pair.as_ref().map(|p| p.secret.as_str());
        if dry_run {
            let shown_pair = pair.map(redact);
            let shown = Values {
                secret: &redact(&f.secret),
                pair: shown_pair.as_deref(),
                lookup: Some("(looked up)"),
            };
            match build(pattern, spec, settings, shown) {
                Ok(req) => {
                    let headers: Vec<String> = req
                        .headers
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect();
                    eprintln!(
                        "keysweep: dry run: would {} {} with {}",
                        req.method,
                        shown_with_path(&req.url),
                        headers.join(", ")
                    );
                }
                Err(why) => eprintln!(
                    "keysweep: dry run: cannot revoke {} at {}:{}: {why}",
                    f.rule_id,
                    sanitize(&f.path),
                    f.line
                ),
            }
            continue;
        }
        // Checked before journaling: a call that is never made is not left pending.
        if client.stopped().is_some() {
            tally.unsent += 1;
            continue;
        }
        let values = Values {
            secret: &f.secret,
            pair,
            lookup: None,
        };
        let req = match look_up(client, pattern, spec, settings, values).and_then(|looked_up| {
            let values = Values {
                lookup: looked_up.as_deref(),
                ..values
            };
            build(pattern, spec, settings, values)
        }) {
            Ok(req) => req,
            Err(why) => {
                eprintln!(
                    "keysweep: warning: cannot revoke {} at {}:{}: {why}",
                    f.rule_id,
                    sanitize(&f.path),
                    f.line
                );
                continue;
            }
        };
        journal.append(Record::Revoking {
            fingerprint: f.fingerprint.clone(),
            rule_id: f.rule_id.clone(),
            secret: f.secret.clone(),
            pair: pair.map(str::to_string),
            time: now(),
        })?;
        revoke_one(client, journal, &req, spec, &f.fingerprint, tally)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(live_json: Option<&str>, live_equals: Option<&str>) -> ProviderCall {
        ProviderCall {
            api_url: "https://api.example.com".into(),
            method: "GET".into(),
            path: "/me".into(),
            headers: Default::default(),
            success: vec![200, 403],
            invalid: vec![401],
            body: None,
            basic_auth: None,
            live_json: live_json.map(str::to_string),
            live_equals: live_equals.map(str::to_string),
            invalid_json: Some("/ok".into()),
            invalid_equals: Some("false".into()),
            docs: None,
            lookup_json: None,
        }
    }

    fn answer(status: u16, content_type: &str, body: &str) -> Answer {
        Answer {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }

    fn judged(spec: &ProviderCall, a: Answer) -> Verification {
        judge_verification(spec, &a).0
    }

    #[test]
    fn live_needs_the_documented_json_shape() {
        let s = spec(Some("/login"), None);
        let json = "application/json";
        assert_eq!(
            judged(&s, answer(200, json, r#"{"login":"a"}"#)),
            Verification::Live
        );
        // 200 to anything: an endpoint that answers every string, a catch-all page
        assert_eq!(
            judged(&s, answer(200, json, r#"{"x":1}"#)),
            Verification::Unknown
        );
        assert_eq!(
            judged(&s, answer(200, "text/plain", "login")),
            Verification::Unknown
        );
        assert_eq!(
            judged(&s, answer(200, json, "not json")),
            Verification::Unknown
        );
        // an error body in a success status
        assert_eq!(
            judged(&s, answer(200, json, r#"{"ok":false}"#)),
            Verification::Invalid
        );
        let slack = spec(Some("/ok"), Some("true"));
        assert_eq!(
            judged(&slack, answer(200, json, r#"{"ok":true}"#)),
            Verification::Live
        );
        assert_eq!(
            judged(&slack, answer(200, json, r#"{"ok":false}"#)),
            Verification::Invalid
        );
    }

    #[test]
    fn a_path_keeps_a_tokens_colon_and_escapes_what_a_path_cannot_hold() {
        let v = Values {
            secret: "123456:AAE/x y?",
            pair: None,
            lookup: None,
        };
        assert_eq!(
            fill("/bot{secret}/getMe", v, Place::Path),
            "/bot123456:AAE%2Fx%20y%3F/getMe"
        );
        assert_eq!(fill("{secret}", v, Place::Raw), "123456:AAE/x y?");
    }

    #[test]
    fn a_body_value_cannot_add_fields_or_change_the_form() {
        let v = Values {
            secret: "a\"b+c&d=1",
            pair: None,
            lookup: None,
        };
        let json = fill(r#"{"token": "{secret}"}"#, v, Place::Json);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["token"], "a\"b+c&d=1");
        assert_eq!(parsed.as_object().unwrap().len(), 1);
        assert_eq!(
            fill("token={secret}", v, Place::Form),
            "token=a%22b%2Bc%26d%3D1"
        );
        let mut call = spec(None, None);
        call.headers.insert(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        );
        assert_eq!(body_place(&call, "token={secret}"), Place::Form);
        call.headers.clear();
        assert_eq!(body_place(&call, r#"{"token": "{secret}"}"#), Place::Json);
    }

    #[test]
    fn an_html_page_is_never_live() {
        for s in [spec(None, None), spec(Some("/login"), None)] {
            let page = "<html><body>Access denied</body></html>";
            assert_eq!(
                judged(&s, answer(200, "text/html", page)),
                Verification::Unknown
            );
            // a WAF's 403 page, where 403 would otherwise mean live
            assert_eq!(
                judged(&s, answer(403, "text/html", page)),
                Verification::Unknown
            );
        }
    }

    #[test]
    fn only_documented_refusals_are_invalid() {
        let s = spec(Some("/login"), None);
        assert_eq!(
            judged(&s, answer(401, "application/json", "{}")),
            Verification::Invalid
        );
        for status in [400, 404, 418, 429, 500, 503] {
            assert_eq!(
                judged(&s, answer(status, "application/json", "{}")),
                Verification::Unknown
            );
        }
        let (_, why) = judge_verification(&s, &answer(418, "", ""));
        assert_eq!(why, "unexpected HTTP 418");
    }
}
