//! The pre-production security checklist of `verify` (`security-checks: true`), judged on the
//! answers the binary recorded for one URL:
//!
//! - **https-redirect**: the same URL over plain `http://` (port 80) answers 301, 302, 307 or 308
//!   with a `Location` that is an `https://` URL (the redirect itself, not followed);
//! - **hsts**: the HTTPS answer carries `Strict-Transport-Security` whose `max-age` is at least
//!   180 days ([`HSTS_MIN_MAX_AGE`] seconds), parsed as RFC 6797 says (only the first such
//!   header counts; a missing, repeated or non-numeric `max-age` makes it invalid);
//! - **cors**: asked with a foreign `Origin` ([`PROBE_ORIGIN`]), the answer does not allow it: its
//!   `Access-Control-Allow-Origin` neither echoes that origin nor is `null`, and is not `*`
//!   together with `Access-Control-Allow-Credentials: true`;
//! - **rate-limit**: the answer announces a rate limit: one of [`RATE_LIMIT_HEADERS`] with a
//!   value, or `Retry-After` on a 429.
//!
//! Anything that could not be checked (no answer) fails: a checklist that must hold before
//! production never passes on what was not seen. Plain-HTTP URLs on loopback (test services on
//! this machine) have no transport to secure: their `https-redirect` and `hsts` are skipped, and
//! their `cors` and `rate-limit` are checked. Any other plain-HTTP URL fails both transport
//! checks.

use serde::Serialize;

use crate::redact;

/// The foreign origin the CORS probe sends; `.invalid` can never be anyone's real site.
pub const PROBE_ORIGIN: &str = "https://shipgate-probe.invalid";

/// The least HSTS `max-age` that passes: 180 days, in seconds.
pub const HSTS_MIN_MAX_AGE: u64 = 180 * 86_400;

/// The headers that announce a rate limit on any answer (names are case-insensitive): the IETF
/// `RateLimit` fields (the current draft's `RateLimit` and `RateLimit-Policy`, the earlier
/// drafts' `RateLimit-Limit`) and the widespread `X-RateLimit-Limit`. `Retry-After` counts only
/// on a 429.
pub const RATE_LIMIT_HEADERS: [&str; 4] = [
    "RateLimit",
    "RateLimit-Policy",
    "RateLimit-Limit",
    "X-RateLimit-Limit",
];

/// The redirect statuses that count for `https-redirect`.
pub const REDIRECT_STATUSES: [u16; 4] = [301, 302, 307, 308];

/// One item of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// Plain HTTP redirects to HTTPS.
    HttpsRedirect,
    /// Strict-Transport-Security with a long enough `max-age`.
    Hsts,
    /// A foreign origin is not allowed.
    Cors,
    /// A rate limit is announced.
    RateLimit,
}

impl Check {
    /// Every check, in the order they are reported.
    pub const ALL: [Check; 4] = [
        Check::HttpsRedirect,
        Check::Hsts,
        Check::Cors,
        Check::RateLimit,
    ];

    /// The check's name in reports and annotations.
    pub fn name(self) -> &'static str {
        match self {
            Check::HttpsRedirect => "https-redirect",
            Check::Hsts => "hsts",
            Check::Cors => "cors",
            Check::RateLimit => "rate-limit",
        }
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It holds.
    Pass,
    /// It does not hold, or could not be checked: a finding.
    Fail,
    /// It does not apply (the transport checks of a loopback plain-HTTP URL).
    Skipped,
}

/// One check of one URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// Which check.
    pub check: Check,
    /// How it ended.
    pub result: Status,
    /// What was seen, in words (URLs redacted, no header values but the ones judged).
    pub detail: String,
}

impl CheckResult {
    fn new(check: Check, result: Status, detail: impl Into<String>) -> Self {
        Self {
            check,
            result,
            detail: detail.into(),
        }
    }

    /// Whether this is a finding.
    pub fn failed(&self) -> bool {
        self.result == Status::Fail
    }
}

/// One recorded answer: its status and headers (names compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers, in the order received (repeated names kept).
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// An answer with these headers.
    pub fn new(status: u16, headers: &[(&str, &str)]) -> Self {
        Self {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        }
    }

    /// Every value of the header `name`.
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    /// The first value of the header `name`.
    fn first<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.all(name).next()
    }
}

/// What a probe request gave: an answer, or why there was none (in words, no URL).
pub type Probed = Result<Answer, String>;

/// How the URL is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `https://`.
    Https,
    /// Plain `http://` to a loopback host: the transport checks do not apply.
    LoopbackHttp,
    /// Plain `http://` to any other host (allowed only with `allow-http`).
    Http,
}

/// Judges one URL: `answer` is its own answer to a request with `Origin: PROBE_ORIGIN`
/// (redirects not followed), `plain` the answer of its plain-HTTP twin (HTTPS URLs only).
pub fn judge(transport: Transport, answer: &Probed, plain: Option<&Probed>) -> Vec<CheckResult> {
    let (redirect, hsts_result) = match transport {
        Transport::Https => (
            match plain {
                Some(plain) => https_redirect(plain),
                None => CheckResult::new(
                    Check::HttpsRedirect,
                    Status::Fail,
                    "not checked: plain HTTP was not probed",
                ),
            },
            on_answer(Check::Hsts, answer, hsts),
        ),
        Transport::LoopbackHttp => (
            CheckResult::new(
                Check::HttpsRedirect,
                Status::Skipped,
                "plain HTTP on loopback: no transport to secure",
            ),
            CheckResult::new(
                Check::Hsts,
                Status::Skipped,
                "plain HTTP on loopback: no transport to secure",
            ),
        ),
        Transport::Http => (
            CheckResult::new(
                Check::HttpsRedirect,
                Status::Fail,
                "the URL itself is plain HTTP",
            ),
            CheckResult::new(
                Check::Hsts,
                Status::Fail,
                "the URL is plain HTTP: HSTS needs HTTPS",
            ),
        ),
    };
    vec![
        redirect,
        hsts_result,
        on_answer(Check::Cors, answer, cors),
        on_answer(Check::RateLimit, answer, rate_limit),
    ]
}

fn on_answer(check: Check, probed: &Probed, rule: fn(&Answer) -> CheckResult) -> CheckResult {
    match probed {
        Ok(answer) => rule(answer),
        Err(why) => CheckResult::new(check, Status::Fail, format!("not checked: {why}")),
    }
}

/// `https-redirect` on the plain-HTTP twin's answer.
pub fn https_redirect(plain: &Probed) -> CheckResult {
    let check = Check::HttpsRedirect;
    let answer = match plain {
        Ok(answer) => answer,
        Err(why) => {
            return CheckResult::new(
                check,
                Status::Fail,
                format!("plain HTTP did not answer: {why}"),
            )
        }
    };
    let status = answer.status;
    if !REDIRECT_STATUSES.contains(&status) {
        return CheckResult::new(
            check,
            Status::Fail,
            format!("plain HTTP answers {status} instead of redirecting to HTTPS"),
        );
    }
    let Some(location) = answer.first("location").filter(|l| !l.is_empty()) else {
        return CheckResult::new(
            check,
            Status::Fail,
            format!("plain HTTP answers {status} without a Location"),
        );
    };
    let shown = redact::url(location);
    let is_https = location
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        && location.len() > 8
        && !location[8..].starts_with('/');
    if is_https {
        CheckResult::new(
            check,
            Status::Pass,
            format!("plain HTTP answers {status} to {shown}"),
        )
    } else {
        CheckResult::new(
            check,
            Status::Fail,
            format!("plain HTTP answers {status} to {shown}, which is not HTTPS"),
        )
    }
}

/// `hsts` on the HTTPS answer.
pub fn hsts(answer: &Answer) -> CheckResult {
    let check = Check::Hsts;
    let Some(value) = answer.first("strict-transport-security") else {
        return CheckResult::new(check, Status::Fail, "no Strict-Transport-Security header");
    };
    match hsts_max_age(value) {
        Err(why) => CheckResult::new(
            check,
            Status::Fail,
            format!("Strict-Transport-Security is invalid: {why}"),
        ),
        Ok(max_age) if max_age >= HSTS_MIN_MAX_AGE => CheckResult::new(
            check,
            Status::Pass,
            format!("max-age={max_age} ({})", days(max_age)),
        ),
        Ok(max_age) => CheckResult::new(
            check,
            Status::Fail,
            format!(
                "max-age={max_age} ({}) is below 180 days ({HSTS_MIN_MAX_AGE} s)",
                days(max_age)
            ),
        ),
    }
}

/// Whole days in `seconds`, in words.
fn days(seconds: u64) -> String {
    match seconds / 86_400 {
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

/// The `max-age` of a Strict-Transport-Security value (RFC 6797, section 6.1): directives
/// separated by `;`, names case-insensitive, values a token or a quoted string; each directive
/// at most once, `max-age` required and made of digits.
pub fn hsts_max_age(value: &str) -> Result<u64, String> {
    let mut max_age = None;
    let mut seen: Vec<String> = Vec::new();
    for directive in value.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let (name, raw) = match directive.split_once('=') {
            Some((name, raw)) => (name.trim(), Some(raw.trim())),
            None => (directive, None),
        };
        let name = name.to_ascii_lowercase();
        if seen.contains(&name) {
            return Err(format!("`{name}` appears twice"));
        }
        seen.push(name.clone());
        if name == "max-age" {
            let raw = raw.ok_or("`max-age` has no value")?;
            let digits = raw
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(raw);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("`max-age` is not a number of seconds".to_string());
            }
            // Longer than u64 seconds is long enough.
            max_age = Some(digits.parse::<u64>().unwrap_or(u64::MAX));
        }
    }
    max_age.ok_or_else(|| "no `max-age`".to_string())
}

/// `cors` on the answer to a request with `Origin: PROBE_ORIGIN`.
pub fn cors(answer: &Answer) -> CheckResult {
    let check = Check::Cors;
    let origins: Vec<&str> = answer.all("access-control-allow-origin").collect();
    if origins.is_empty() {
        return CheckResult::new(
            check,
            Status::Pass,
            "no Access-Control-Allow-Origin for a foreign origin",
        );
    }
    let probe = PROBE_ORIGIN.to_ascii_lowercase();
    if origins
        .iter()
        .any(|o| o.to_ascii_lowercase().contains(&probe))
    {
        return CheckResult::new(
            check,
            Status::Fail,
            format!("Access-Control-Allow-Origin echoes the foreign origin {PROBE_ORIGIN}"),
        );
    }
    if origins.iter().any(|o| o.eq_ignore_ascii_case("null")) {
        return CheckResult::new(
            check,
            Status::Fail,
            "Access-Control-Allow-Origin is `null` (sandboxed pages and local files get that origin)",
        );
    }
    let credentials = answer
        .all("access-control-allow-credentials")
        .any(|v| v.eq_ignore_ascii_case("true"));
    if origins.contains(&"*") && credentials {
        return CheckResult::new(
            check,
            Status::Fail,
            "Access-Control-Allow-Origin `*` with Access-Control-Allow-Credentials `true`",
        );
    }
    if origins.contains(&"*") {
        return CheckResult::new(
            check,
            Status::Pass,
            "Access-Control-Allow-Origin `*` without credentials",
        );
    }
    CheckResult::new(
        check,
        Status::Pass,
        "the foreign origin is not allowed (another origin is)",
    )
}

/// `rate-limit` on the answer.
pub fn rate_limit(answer: &Answer) -> CheckResult {
    let check = Check::RateLimit;
    for name in RATE_LIMIT_HEADERS {
        if answer.all(name).any(|v| !v.is_empty()) {
            return CheckResult::new(check, Status::Pass, format!("{name} present"));
        }
    }
    if answer.status == 429 && answer.all("retry-after").any(|v| !v.is_empty()) {
        return CheckResult::new(check, Status::Pass, "429 with Retry-After");
    }
    CheckResult::new(
        check,
        Status::Fail,
        format!(
            "no rate-limit header ({}, or Retry-After on a 429)",
            RATE_LIMIT_HEADERS.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(r: CheckResult) -> (Status, String) {
        (r.result, r.detail)
    }

    #[test]
    fn the_redirect_must_go_to_https() {
        let ok = |status: u16, location: &str| {
            https_redirect(&Ok(Answer::new(status, &[("Location", location)])))
        };
        for status in REDIRECT_STATUSES {
            let r = ok(status, "https://api.example.com/health");
            assert_eq!(r.result, Status::Pass, "{status}: {}", r.detail);
        }
        assert_eq!(
            result(ok(301, "HTTPS://api.example.com/health?token=abc")),
            (
                Status::Pass,
                "plain HTTP answers 301 to HTTPS://api.example.com/health?token=***".into()
            )
        );
        assert_eq!(
            result(ok(302, "http://api.example.com/login")),
            (
                Status::Fail,
                "plain HTTP answers 302 to http://api.example.com/login, which is not HTTPS".into()
            )
        );
        assert!(ok(301, "/health").failed(), "relative stays on plain HTTP");
        assert!(ok(301, "//api.example.com/").failed());
        assert!(ok(301, "https:///path").failed());
        assert!(
            ok(303, "https://api.example.com/").failed(),
            "303 is not listed"
        );
        assert_eq!(
            result(https_redirect(&Ok(Answer::new(200, &[])))),
            (
                Status::Fail,
                "plain HTTP answers 200 instead of redirecting to HTTPS".into()
            )
        );
        assert_eq!(
            https_redirect(&Ok(Answer::new(308, &[]))).detail,
            "plain HTTP answers 308 without a Location"
        );
        assert_eq!(
            result(https_redirect(&Err("connection failed".into()))),
            (
                Status::Fail,
                "plain HTTP did not answer: connection failed".into()
            )
        );
    }

    #[test]
    fn hsts_needs_180_days() {
        let sts = |value: &str| hsts(&Answer::new(200, &[("Strict-Transport-Security", value)]));
        assert_eq!(
            result(sts("max-age=31536000; includeSubDomains; preload")),
            (Status::Pass, "max-age=31536000 (365 days)".into())
        );
        assert_eq!(
            sts("max-age=15552000").result,
            Status::Pass,
            "exactly 180 days"
        );
        assert_eq!(
            result(sts("max-age=15551999")),
            (
                Status::Fail,
                "max-age=15551999 (179 days) is below 180 days (15552000 s)".into()
            )
        );
        assert_eq!(sts("MAX-AGE=\"31536000\"").result, Status::Pass);
        assert_eq!(
            sts(" includeSubDomains ;max-age = 31536000 ").result,
            Status::Pass
        );
        assert_eq!(sts("max-age=99999999999999999999999").result, Status::Pass);
        for bad in [
            "includeSubDomains",
            "max-age=",
            "max-age=1y",
            "max-age=-1",
            "max-age=31536000; max-age=31536000",
            "",
        ] {
            let r = sts(bad);
            assert_eq!(r.result, Status::Fail, "{bad:?}");
        }
        assert_eq!(
            sts("max-age=1; max-age=31536000").detail,
            "Strict-Transport-Security is invalid: `max-age` appears twice"
        );
        assert_eq!(
            result(hsts(&Answer::new(200, &[]))),
            (Status::Fail, "no Strict-Transport-Security header".into())
        );
        // Only the first header counts (RFC 6797, section 8.1).
        let two = Answer::new(
            200,
            &[
                ("strict-transport-security", "max-age=60"),
                ("Strict-Transport-Security", "max-age=31536000"),
            ],
        );
        assert_eq!(hsts(&two).result, Status::Fail);
    }

    #[test]
    fn cors_never_allows_the_foreign_origin() {
        let with = |headers: &[(&str, &str)]| cors(&Answer::new(200, headers));
        assert_eq!(with(&[]).result, Status::Pass);
        assert_eq!(
            with(&[("Access-Control-Allow-Origin", "https://www.example.com")]).result,
            Status::Pass
        );
        assert_eq!(
            with(&[("Access-Control-Allow-Origin", "*")]).result,
            Status::Pass
        );
        assert_eq!(
            result(with(&[(
                "access-control-allow-origin",
                "https://shipgate-probe.invalid"
            )])),
            (
                Status::Fail,
                "Access-Control-Allow-Origin echoes the foreign origin https://shipgate-probe.invalid"
                    .into()
            )
        );
        assert!(with(&[(
            "Access-Control-Allow-Origin",
            "HTTPS://SHIPGATE-PROBE.INVALID"
        )])
        .failed());
        assert!(with(&[("Access-Control-Allow-Origin", "null")]).failed());
        assert!(with(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Credentials", "true"),
        ])
        .failed());
        assert!(with(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Credentials", "TRUE"),
        ])
        .failed());
        assert_eq!(
            with(&[
                ("Access-Control-Allow-Origin", "https://www.example.com"),
                ("Access-Control-Allow-Credentials", "true"),
            ])
            .result,
            Status::Pass,
            "credentials for a fixed, other origin are fine"
        );
    }

    #[test]
    fn rate_limits_are_announced_by_the_listed_headers() {
        for name in RATE_LIMIT_HEADERS {
            let r = rate_limit(&Answer::new(200, &[(&name.to_ascii_lowercase(), "100")]));
            assert_eq!(r.result, Status::Pass, "{name}");
            assert_eq!(r.detail, format!("{name} present"));
        }
        assert_eq!(
            rate_limit(&Answer::new(429, &[("Retry-After", "30")])).result,
            Status::Pass
        );
        assert!(rate_limit(&Answer::new(200, &[("Retry-After", "30")])).failed());
        assert!(rate_limit(&Answer::new(200, &[("X-RateLimit-Limit", " ")])).failed());
        assert!(rate_limit(&Answer::new(200, &[("X-RateLimit-Remaining", "3")])).failed());
        assert_eq!(
            rate_limit(&Answer::new(200, &[])).detail,
            "no rate-limit header (RateLimit, RateLimit-Policy, RateLimit-Limit, X-RateLimit-Limit, or Retry-After on a 429)"
        );
    }

    #[test]
    fn judge_fails_closed_and_skips_transport_on_loopback() {
        let good = Ok(Answer::new(
            200,
            &[
                ("Strict-Transport-Security", "max-age=31536000"),
                ("RateLimit-Policy", "100;w=60"),
            ],
        ));
        let redirect = Ok(Answer::new(301, &[("Location", "https://a.example/")]));
        let all = judge(Transport::Https, &good, Some(&redirect));
        assert_eq!(
            all.iter().map(|r| r.check).collect::<Vec<_>>(),
            Check::ALL.to_vec()
        );
        assert!(all.iter().all(|r| r.result == Status::Pass), "{all:?}");

        let unreachable: Probed = Err("timed out after 10s".into());
        let none = judge(Transport::Https, &unreachable, Some(&unreachable));
        assert!(none.iter().all(CheckResult::failed), "{none:?}");
        assert_eq!(none[1].detail, "not checked: timed out after 10s");
        assert!(judge(Transport::Https, &good, None)[0].failed());

        let local = judge(Transport::LoopbackHttp, &good, None);
        assert_eq!(local[0].result, Status::Skipped);
        assert_eq!(local[1].result, Status::Skipped);
        assert_eq!(local[2].result, Status::Pass);
        assert_eq!(local[3].result, Status::Pass);

        let plain = judge(Transport::Http, &good, None);
        assert!(plain[0].failed() && plain[1].failed(), "{plain:?}");
    }
}
