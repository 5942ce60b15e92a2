//! The requests of `verify`'s security checklist (`security-checks: true`); the rules they are
//! judged by are core's (`shipgate_core::verify::security`, user documentation:
//! `docs/verify.md`).
//!
//! Per URL, at most two requests, neither following redirects (the answer itself is judged):
//! - the URL itself, `GET` with `Origin: https://shipgate-probe.invalid` — its headers give
//!   `hsts`, `cors` and `rate-limit`;
//! - for an HTTPS URL, its plain-HTTP twin ([`http_twin`]) — its status and `Location` give
//!   `https-redirect`.

use std::time::Duration as StdDuration;

use reqwest::Url;
use shipgate_core::verify::security::{self, Answer, CheckResult, Probed, Transport};

use super::health::{describe_error, is_loopback, HealthError, Target};

/// An HTTP client for the checklist's requests.
#[derive(Debug, Clone)]
pub struct SecurityProbe {
    client: reqwest::Client,
    timeout: StdDuration,
}

impl SecurityProbe {
    /// A probe with a per-request `timeout`.
    pub fn new(timeout: StdDuration) -> Result<Self, HealthError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HealthError::Client(e.to_string()))?;
        Ok(Self { client, timeout })
    }

    /// Runs the checklist on one URL.
    pub async fn check(&self, target: &Target) -> Vec<CheckResult> {
        let transport = transport(&target.url);
        let answer = self
            .get(target.url.clone(), Some(security::PROBE_ORIGIN))
            .await;
        let plain = match transport {
            Transport::Https => Some(self.get(http_twin(&target.url), None).await),
            Transport::LoopbackHttp | Transport::Http => None,
        };
        security::judge(transport, &answer, plain.as_ref())
    }

    /// One request; the error in words, without the URL.
    async fn get(&self, url: Url, origin: Option<&str>) -> Probed {
        let mut request = self.client.get(url);
        if let Some(origin) = origin {
            request = request.header(reqwest::header::ORIGIN, origin);
        }
        let response = request
            .send()
            .await
            .map_err(|e| describe_error(&e, self.timeout))?;
        Ok(Answer {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_string(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        })
    }
}

/// How `url` is reached, for the rules.
pub fn transport(url: &Url) -> Transport {
    match url.scheme() {
        "https" => Transport::Https,
        _ if is_loopback(url) => Transport::LoopbackHttp,
        _ => Transport::Http,
    }
}

/// The plain-HTTP twin of an HTTPS URL: the same host and path on port 80, without user info,
/// query or fragment — credentials and tokens must never travel in clear, and the redirect
/// does not depend on them.
pub fn http_twin(url: &Url) -> Url {
    let mut twin = url.clone();
    // Switching between the special schemes http and https always succeeds.
    let _ = twin.set_scheme("http");
    let _ = twin.set_port(None);
    let _ = twin.set_username("");
    let _ = twin.set_password(None);
    twin.set_query(None);
    twin.set_fragment(None);
    twin
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipgate_core::verify::security::{Check, Status};
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[test]
    fn the_twin_is_plain_http_on_port_80_without_secrets() {
        let url = Url::parse("https://user:pw@api.example.com:8443/health?token=abc#x").unwrap();
        assert_eq!(http_twin(&url).as_str(), "http://api.example.com/health");
        assert_eq!(transport(&url), Transport::Https);
        let local = Url::parse("http://127.0.0.1:8080/health").unwrap();
        assert_eq!(transport(&local), Transport::LoopbackHttp);
        let plain = Url::parse("http://api.example.com/health").unwrap();
        assert_eq!(transport(&plain), Transport::Http);
    }

    fn target(url: &str) -> Target {
        let url = Url::parse(url).unwrap();
        Target {
            display: crate::post_deploy::health::redact(&url),
            url,
            expect: None,
        }
    }

    #[tokio::test]
    async fn the_redirect_probe_reads_the_redirect_itself() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(
                ResponseTemplate::new(301)
                    .insert_header("Location", "https://api.example.com/health"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/login"))
            .respond_with(ResponseTemplate::new(302).insert_header("Location", "/health"))
            .mount(&server)
            .await;
        let probe = SecurityProbe::new(StdDuration::from_secs(5)).unwrap();
        let twin = Url::parse(&format!("{}/health", server.uri())).unwrap();
        let r = security::https_redirect(&probe.get(twin, None).await);
        assert_eq!(r.result, Status::Pass, "{}", r.detail);
        assert_eq!(
            r.detail,
            "plain HTTP answers 301 to https://api.example.com/health"
        );
        let twin = Url::parse(&format!("{}/login", server.uri())).unwrap();
        let r = security::https_redirect(&probe.get(twin, None).await);
        assert_eq!(r.result, Status::Fail, "{}", r.detail);
        // Not followed: one request each.
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_loopback_service_is_asked_with_the_foreign_origin() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(header("origin", security::PROBE_ORIGIN))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("Access-Control-Allow-Origin", security::PROBE_ORIGIN)
                    .insert_header("X-RateLimit-Limit", "100"),
            )
            .mount(&server)
            .await;
        let probe = SecurityProbe::new(StdDuration::from_secs(5)).unwrap();
        let results = probe
            .check(&target(&format!("{}/health", server.uri())))
            .await;
        let by = |c: Check| results.iter().find(|r| r.check == c).unwrap();
        assert_eq!(by(Check::HttpsRedirect).result, Status::Skipped);
        assert_eq!(by(Check::Hsts).result, Status::Skipped);
        assert_eq!(by(Check::Cors).result, Status::Fail);
        assert_eq!(by(Check::RateLimit).result, Status::Pass);
    }
}
