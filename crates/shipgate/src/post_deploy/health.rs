//! The health probe: `curl -f` semantics over HTTP(S), used by `verify` and by `watch`.
//!
//! A URL is **up** when it answers 2xx after following redirects (at most 10), within the
//! per-request timeout, and — when it has an expectation — its body matches. Anything else
//! (another status, a refused connection, a timeout, a TLS failure, a body that does not match)
//! is **down**. HTTPS is required except on loopback hosts unless `allow-http` is set, and a
//! redirect may not downgrade to plain HTTP either.
//!
//! Each `health-urls` line is `URL [EXPECTATION]`: the URL, then optionally, after white space,
//! what its body must contain (`https://api.example.com/health json:status=ok`). A URL without
//! its own expectation takes the `expect` input's, if any (`docs/verify.md`).

use std::time::{Duration as StdDuration, Instant};

use reqwest::Url;
use serde::Serialize;

use crate::inputs::Values;
use crate::outcome::Failure;

/// Bodies are read up to this size when `expect` needs them.
const MAX_BODY: usize = 1024 * 1024;
/// The first retry of `verify` comes after this; each next one waits twice as long.
const FIRST_BACKOFF: StdDuration = StdDuration::from_secs(1);
/// Retries never wait longer than this.
const MAX_BACKOFF: StdDuration = StdDuration::from_secs(30);

/// Bad health-check input (usage errors).
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// A URL did not parse or has an unsupported scheme.
    #[error("invalid health URL {url:?}: {reason}")]
    Url {
        /// The URL (credentials removed).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A plain-HTTP URL on a non-loopback host without `allow-http`.
    #[error("health URL {url} uses plain HTTP; use HTTPS (loopback hosts are always allowed)")]
    Insecure {
        /// The URL (credentials removed).
        url: String,
    },
    /// A URL's own expectation did not parse.
    #[error("the expectation of {url} is invalid: {source}")]
    Expect {
        /// The URL (credentials removed).
        url: String,
        /// What is wrong with the expectation.
        source: ExpectError,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// An expectation that did not parse: `text` or `json:PATH=VALUE`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{input:?}: {reason}")]
pub struct ExpectError {
    /// The text given.
    pub input: String,
    /// What is wrong.
    pub reason: String,
}

/// A bad `health-urls` line (usage error): which line, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct LineError {
    /// The 1-based line (the N-th `--health-url` on the command line).
    pub line: usize,
    /// What is wrong.
    pub error: HealthError,
}

/// A URL to check, with the form that may be shown (no password) and what its body must hold.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL requested.
    pub url: Url,
    /// The URL as shown in reports: without user info, query values or fragment.
    pub display: String,
    /// What its body must contain: its own expectation, else the `expect` input's.
    pub expect: Option<Expect>,
}

/// Whether the URL's host is loopback (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// A URL as it may be shown: without user info, query values or fragment
/// ([`shipgate_core::redact::url`], the one redaction of every URL shipgate prints).
pub fn redact(url: &Url) -> String {
    shipgate_core::redact::url(url.as_str())
}

/// The `health-urls` of `verify` or `watch`, each with its expectation (the `expect` input for
/// the lines without their own); errors name the input as the user wrote it (`--health-url`,
/// input `health-urls`) and the line.
pub fn targets_from(values: &Values) -> Result<Vec<Target>, Failure> {
    let default = match values.text("expect").filter(|t| !t.is_empty()) {
        Some(text) => {
            Some(Expect::parse(text).map_err(|e| values.invalid("expect", &e.to_string()))?)
        }
        None => None,
    };
    parse_targets(
        &values.list("health-urls"),
        default.as_ref(),
        values.flag("allow-http")?,
    )
    .map_err(|e| {
        let mut message = e.to_string();
        if matches!(e.error, HealthError::Insecure { .. }) {
            message.push_str(&format!(
                ", or allow plain HTTP with {}",
                values.turn_on("allow-http")
            ));
        }
        values.invalid("health-urls", &message)
    })
}

/// Parses and checks the `health-urls` lines: `URL [EXPECTATION]` each (a URL cannot contain
/// white space, so the first white space ends it). A line without its own expectation takes
/// `default_expect` (the `expect` input). Blank lines are skipped but counted.
pub fn parse_targets(
    lines: &[String],
    default_expect: Option<&Expect>,
    allow_http: bool,
) -> Result<Vec<Target>, LineError> {
    let mut targets = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (text, own) = match line.split_once(char::is_whitespace) {
            Some((url, rest)) => (url, Some(rest.trim())),
            None => (line, None),
        };
        let at = |error| LineError {
            line: index + 1,
            error,
        };
        let target = parse_url(text, allow_http).map_err(at)?;
        let expect = match own {
            Some(own) => Some(Expect::parse(own).map_err(|source| {
                at(HealthError::Expect {
                    url: target.display.clone(),
                    source,
                })
            })?),
            None => default_expect.cloned(),
        };
        targets.push(Target { expect, ..target });
    }
    Ok(targets)
}

fn parse_url(text: &str, allow_http: bool) -> Result<Target, HealthError> {
    let url = Url::parse(text).map_err(|e| HealthError::Url {
        url: shipgate_core::redact::url(text),
        reason: e.to_string(),
    })?;
    let display = redact(&url);
    match url.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(&url) => {}
        "http" => return Err(HealthError::Insecure { url: display }),
        other => {
            return Err(HealthError::Url {
                url: display,
                reason: format!("scheme `{other}` is not HTTP(S)"),
            })
        }
    }
    Ok(Target {
        url,
        display,
        expect: None,
    })
}

/// What a body must contain.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The body contains this text.
    Contains(String),
    /// The body is JSON and the value at this dotted path equals this text (strings compared
    /// as they are, other values as JSON: `true`, `3`, `null`).
    Json {
        /// Path segments (`checks.db.status` → `checks`, `db`, `status`; numbers index arrays).
        path: Vec<String>,
        /// The expected value.
        value: String,
    },
}

impl Expect {
    /// Parses `text` or `json:PATH=VALUE`.
    pub fn parse(input: &str) -> Result<Self, ExpectError> {
        let bad = |reason: &str| ExpectError {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(bad(
                "empty; give a text the body must contain, or `json:PATH=VALUE`",
            ));
        }
        let Some(spec) = input.strip_prefix("json:") else {
            return Ok(Self::Contains(input.to_string()));
        };
        let Some((path, value)) = spec.split_once('=') else {
            return Err(bad("expected `json:PATH=VALUE`, e.g. `json:status=ok`"));
        };
        let path: Vec<String> = path.trim().split('.').map(str::to_string).collect();
        if path.iter().any(String::is_empty) {
            return Err(bad(
                "the path has an empty segment; write e.g. `checks.db.status`",
            ));
        }
        Ok(Self::Json {
            path,
            value: value.trim().to_string(),
        })
    }

    /// Checks a body; the error says why it does not match.
    pub fn check(&self, body: &[u8]) -> Result<(), String> {
        match self {
            Self::Contains(text) => {
                if String::from_utf8_lossy(body).contains(text.as_str()) {
                    Ok(())
                } else {
                    Err(format!("body does not contain {text:?}"))
                }
            }
            Self::Json { path, value } => {
                let json: serde_json::Value =
                    serde_json::from_slice(body).map_err(|e| format!("body is not JSON ({e})"))?;
                let mut at = &json;
                for segment in path {
                    let next = match at {
                        serde_json::Value::Object(map) => map.get(segment),
                        serde_json::Value::Array(items) => {
                            segment.parse::<usize>().ok().and_then(|i| items.get(i))
                        }
                        _ => None,
                    };
                    at = next.ok_or_else(|| format!("JSON has no `{}`", path.join(".")))?;
                }
                let found = match at {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if &found == value {
                    Ok(())
                } else {
                    Err(format!(
                        "JSON `{}` is {found:?}, expected {value:?}",
                        path.join(".")
                    ))
                }
            }
        }
    }
}

/// One request's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Whether the URL was up.
    pub up: bool,
    /// The final HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long the request took.
    pub elapsed: StdDuration,
    /// Why it was down.
    pub error: Option<String>,
}

/// An HTTP client with the probe's timeout and redirect policy; each target brings its body
/// check.
#[derive(Debug, Clone)]
pub struct Probe {
    client: reqwest::Client,
    timeout: StdDuration,
}

impl Probe {
    /// A probe with a per-request `timeout`.
    pub fn new(timeout: StdDuration, allow_http: bool) -> Result<Self, HealthError> {
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                attempt.error("more than 10 redirects")
            } else if attempt.url().scheme() == "http" && !allow_http && !is_loopback(attempt.url())
            {
                attempt.error("redirect to plain HTTP refused (allow-http is off)")
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(policy)
            .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HealthError::Client(e.to_string()))?;
        Ok(Self { client, timeout })
    }

    /// Requests `target` once.
    pub async fn check(&self, target: &Target) -> Attempt {
        let start = Instant::now();
        let down = |status: Option<u16>, error: String| Attempt {
            up: false,
            status,
            elapsed: start.elapsed(),
            error: Some(error),
        };
        let mut response = match self.client.get(target.url.clone()).send().await {
            Ok(r) => r,
            Err(e) => return down(None, describe_error(&e, self.timeout)),
        };
        let status = response.status();
        if !status.is_success() {
            return down(Some(status.as_u16()), format!("HTTP {}", status.as_u16()));
        }
        if let Some(expect) = &target.expect {
            let mut body = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        body.extend_from_slice(&chunk);
                        if body.len() > MAX_BODY {
                            body.truncate(MAX_BODY);
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return down(Some(status.as_u16()), describe_error(&e, self.timeout)),
                }
            }
            if let Err(why) = expect.check(&body) {
                return down(Some(status.as_u16()), why);
            }
        }
        Attempt {
            up: true,
            status: Some(status.as_u16()),
            elapsed: start.elapsed(),
            error: None,
        }
    }

    /// Requests every target once; the health sample is 1 when all are up, else 0.
    pub async fn sample(&self, targets: &[Target]) -> (f64, Vec<Attempt>) {
        let mut attempts = Vec::with_capacity(targets.len());
        for target in targets {
            attempts.push(self.check(target).await);
        }
        let up = attempts.iter().all(|a| a.up);
        (if up { 1.0 } else { 0.0 }, attempts)
    }
}

/// A reqwest error in words, without the URL (it may carry credentials).
pub fn describe_error(error: &reqwest::Error, timeout: StdDuration) -> String {
    if error.is_timeout() {
        return format!(
            "timed out after {}",
            shipgate_core::Duration::from_secs(timeout.as_secs())
        );
    }
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = e.source();
    }
    let kind = if error.is_connect() {
        "connection failed"
    } else if error.is_redirect() {
        "redirect failed"
    } else if error.is_body() || error.is_decode() {
        "reading the answer failed"
    } else {
        "request failed"
    };
    if parts.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {}", parts.join(": "))
    }
}

/// One URL's verification result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UrlResult {
    /// The URL (credentials removed).
    pub url: String,
    /// Whether it ended up.
    pub up: bool,
    /// The last HTTP status.
    pub status: Option<u16>,
    /// The last request's duration, in milliseconds.
    pub time_ms: u64,
    /// Requests made.
    pub attempts: u32,
    /// Why it was down at the last attempt.
    pub error: Option<String>,
    /// The security checklist (`security-checks`), when it ran: only for a URL that ended up.
    pub security: Option<Vec<shipgate_core::verify::security::CheckResult>>,
}

/// The results before the first attempt: one per target, down, not yet requested.
pub fn pending(targets: &[Target]) -> Vec<UrlResult> {
    targets
        .iter()
        .map(|t| UrlResult {
            url: t.display.clone(),
            up: false,
            status: None,
            time_ms: 0,
            attempts: 0,
            error: None,
            security: None,
        })
        .collect()
}

/// A round of [`verify`] after which some URL is not up yet and another round will come.
#[derive(Debug, Clone, Copy)]
pub struct Round<'a> {
    /// The round's number, from 1.
    pub number: u32,
    /// Every URL's result so far.
    pub results: &'a [UrlResult],
    /// How long until the next round.
    pub next_in: StdDuration,
}

/// Checks every target until all are up or `wait` has passed, retrying the down ones with
/// exponential backoff (1 s, 2 s, 4 s, … at most 30 s); the last attempt is made at the deadline.
/// `results` (from [`pending`]) holds what was seen so far at every moment, so a caller that
/// stops waiting still has it; `progress` hears of every round that is followed by another.
pub async fn verify(
    probe: &Probe,
    targets: &[Target],
    wait: StdDuration,
    results: &mut [UrlResult],
    mut progress: impl FnMut(Round<'_>),
) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut backoff = FIRST_BACKOFF;
    for number in 1u32.. {
        for (target, result) in targets.iter().zip(results.iter_mut()) {
            if result.up {
                continue;
            }
            let attempt = probe.check(target).await;
            result.attempts += 1;
            result.up = attempt.up;
            result.status = attempt.status;
            result.time_ms = u64::try_from(attempt.elapsed.as_millis()).unwrap_or(u64::MAX);
            result.error = attempt.error;
        }
        let now = tokio::time::Instant::now();
        if results.iter().all(|r| r.up) || now >= deadline {
            return;
        }
        let next = (now + backoff).min(deadline);
        progress(Round {
            number,
            results,
            next_in: next - now,
        });
        tokio::time::sleep_until(next).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(lines: &[&str], allow_http: bool) -> Result<Vec<Target>, LineError> {
        let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        parse_targets(&lines, None, allow_http)
    }

    #[test]
    fn unparsable_urls_are_shown_without_credentials() {
        let e = targets(&["https://admin:s3cret@example.com:99999/health"], false)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn each_line_may_carry_its_own_expectation() {
        let global = Expect::parse("json:status=ok").unwrap();
        let lines: Vec<String> = [
            "https://api.example.com/health   json:checks.db=up",
            "",
            "https://www.example.com/\t<title>Shop</title>",
            "https://admin.example.com/",
        ]
        .iter()
        .map(|l| l.to_string())
        .collect();
        let t = parse_targets(&lines, Some(&global), false).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].display, "https://api.example.com/health");
        assert_eq!(
            t[0].expect,
            Some(Expect::Json {
                path: vec!["checks".into(), "db".into()],
                value: "up".into()
            })
        );
        assert_eq!(
            t[1].expect,
            Some(Expect::Contains("<title>Shop</title>".into())),
            "the rest of the line, spaces included, is the text"
        );
        assert_eq!(
            t[2].expect,
            Some(global),
            "no own expectation: the `expect` input's"
        );
        let t = parse_targets(&lines[3..], None, false).unwrap();
        assert_eq!(t[0].expect, None);
    }

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let e = targets(
            &[
                "https://www.example.com/",
                "https://u:s3cret@api.example.com/health json:status",
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(
            e.to_string(),
            "line 2: the expectation of https://api.example.com/health is invalid: \"json:status\": expected `json:PATH=VALUE`, e.g. `json:status=ok`"
        );
        let e = targets(&["https://ok.example/", "", "ftp://x.example/ ok"], false).unwrap_err();
        assert_eq!(e.line, 3, "blank lines count");
        assert!(
            e.to_string().starts_with("line 3: invalid health URL"),
            "{e}"
        );
    }

    #[test]
    fn https_is_required_off_loopback() {
        assert!(targets(&["https://example.com/health"], false).is_ok());
        for ok in [
            "http://127.0.0.1:8080/health",
            "http://localhost/",
            "http://[::1]:3000/",
            "http://api.localhost/",
        ] {
            assert!(targets(&[ok], false).is_ok(), "{ok}");
        }
        let e = targets(&["http://example.com/health"], false).unwrap_err();
        assert!(matches!(e.error, HealthError::Insecure { .. }), "{e}");
        assert!(targets(&["http://example.com/"], true).is_ok());
        assert!(targets(&["ftp://example.com/"], true).is_err());
        let e = targets(&["not-a-url"], true).unwrap_err();
        assert!(
            e.to_string().contains("invalid health URL \"not-a-url\""),
            "{e}"
        );
    }

    #[test]
    fn credentials_are_never_shown() {
        let t = targets(
            &["https://user:s3cret@example.com/health?key=s3cret#s3cret"],
            false,
        )
        .unwrap();
        assert_eq!(t[0].display, "https://example.com/health?key=***#***");
        let e = targets(&["http://user:s3cret@example.com/"], false).unwrap_err();
        assert!(!e.to_string().contains("s3cret"));
    }

    #[test]
    fn expect_text_and_json_paths() {
        let e = Expect::parse("ok").unwrap();
        assert!(e.check(b"all ok").is_ok());
        assert_eq!(
            e.check(b"down").unwrap_err(),
            "body does not contain \"ok\""
        );
        let e = Expect::parse("json:checks.db.status=up").unwrap();
        assert!(e.check(br#"{"checks":{"db":{"status":"up"}}}"#).is_ok());
        assert_eq!(
            e.check(br#"{"checks":{"db":{"status":"down"}}}"#)
                .unwrap_err(),
            "JSON `checks.db.status` is \"down\", expected \"up\""
        );
        assert!(e
            .check(b"<html>")
            .unwrap_err()
            .starts_with("body is not JSON"));
        assert_eq!(
            e.check(br#"{"checks":{}}"#).unwrap_err(),
            "JSON has no `checks.db.status`"
        );
        let e = Expect::parse("json:items.1.ready=true").unwrap();
        assert!(e
            .check(br#"{"items":[{"ready":false},{"ready":true}]}"#)
            .is_ok());
        assert!(Expect::parse("json:status").is_err());
        assert!(Expect::parse("json:a..b=1").is_err());
        assert!(Expect::parse("").is_err());
    }
}
