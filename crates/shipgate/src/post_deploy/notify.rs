//! Team notifications: one `POST` of a Slack-compatible JSON body (`{"text": …}`) to the
//! `notify-webhook`, for `record` and `watch` (the texts are core's: `shipgate_core::notify`;
//! user documentation: `docs/record.md`, `docs/watch.md`).
//!
//! A notification never changes an outcome: it is retried within bounds — at most
//! [`ATTEMPTS`] attempts within [`BUDGET`] in all, 1 s then 2 s apart — and a failure is a
//! warning. The webhook URL is a secret (chat webhooks carry their token in the path): it is
//! never printed, not even its host; messages call it "the notification webhook".

use std::fmt;
use std::time::Duration as StdDuration;

use reqwest::{StatusCode, Url};

use super::health::{describe_error, is_loopback};

/// Attempts per notification.
pub const ATTEMPTS: u32 = 3;
/// The time all attempts of one notification may take, waits included.
pub const BUDGET: StdDuration = StdDuration::from_secs(10);
/// The longest one attempt may wait for an answer.
pub const ATTEMPT_TIMEOUT: StdDuration = StdDuration::from_secs(5);
/// The wait before the second attempt; it doubles for each next one.
pub const FIRST_BACKOFF: StdDuration = StdDuration::from_secs(1);

/// What the URL is called in every message.
pub const NAME: &str = "the notification webhook";

/// The notification webhook: a URL that is never shown (its `Debug` hides it).
#[derive(Clone)]
pub struct Webhook {
    url: Url,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Webhook(***)")
    }
}

impl Webhook {
    /// Parses the webhook URL: HTTPS, or plain HTTP to a loopback host (a relay on this
    /// machine). The error never repeats the URL.
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = Url::parse(text.trim()).map_err(|e| {
            format!("{NAME} is not a URL ({e}); give the webhook's full https:// URL")
        })?;
        match url.scheme() {
            "https" => Ok(Self { url }),
            "http" if is_loopback(&url) => Ok(Self { url }),
            "http" => Err(format!(
                "{NAME} uses plain HTTP; it must use HTTPS (plain HTTP only to this machine)"
            )),
            _ => Err(format!("{NAME} is not an http(s) URL")),
        }
    }
}

/// Sends notifications to one webhook.
#[derive(Debug, Clone)]
pub struct Notifier {
    webhook: Webhook,
    first_backoff: StdDuration,
    budget: StdDuration,
}

/// Why a notification was not delivered (never naming the URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyFailure {
    /// Attempts made.
    pub attempts: u32,
    /// The last attempt's problem, in words.
    pub reason: String,
}

impl fmt::Display for NotifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the notification was not delivered: {NAME} {} after {} attempt{}",
            self.reason,
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        )
    }
}

impl Notifier {
    /// A notifier with the documented bounds.
    pub fn new(webhook: Webhook) -> Self {
        Self {
            webhook,
            first_backoff: FIRST_BACKOFF,
            budget: BUDGET,
        }
    }

    /// The same notifier with shorter waits (tests: the attempts are counted, not timed).
    #[cfg(test)]
    pub fn with_backoff(mut self, first: StdDuration) -> Self {
        self.first_backoff = first;
        self
    }

    /// Posts `text` as `{"text": text}`; `Ok(attempts)` once a 2xx answer came.
    ///
    /// Retried: no answer (connection, timeout), 5xx and 429. Not retried: any other answer — a wrong or revoked webhook does not
    /// heal. Redirects are not followed (a redirected POST would lose its body or go elsewhere).
    pub async fn send(&self, text: &str) -> Result<u32, NotifyFailure> {
        let start = tokio::time::Instant::now();
        let deadline = start + self.budget;
        let body = shipgate_core::notify::body(text);
        let mut backoff = self.first_backoff;
        let mut attempts = 0;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let timeout = remaining.min(ATTEMPT_TIMEOUT);
            attempts += 1;
            let (reason, wait) = match self.post(&body, timeout).await {
                Ok(status) if status.is_success() => return Ok(attempts),
                Ok(status) if status == StatusCode::TOO_MANY_REQUESTS => {
                    (format!("answered {}", status.as_u16()), Some(backoff))
                }
                Ok(status) if status.is_server_error() => {
                    (format!("answered {}", status.as_u16()), Some(backoff))
                }
                Ok(status) => (format!("answered {}", status.as_u16()), None),
                Err(why) => (why, Some(backoff)),
            };
            let now = tokio::time::Instant::now();
            match wait {
                Some(wait) if attempts < ATTEMPTS && now + wait < deadline => {
                    tokio::time::sleep(wait).await;
                    backoff *= 2;
                }
                _ => return Err(NotifyFailure { attempts, reason }),
            }
        }
    }

    async fn post(
        &self,
        body: &serde_json::Value,
        timeout: StdDuration,
    ) -> Result<StatusCode, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                format!(
                    "could not be called ({})",
                    hide(&e.to_string(), &self.webhook)
                )
            })?;
        match client
            .post(self.webhook.url.clone())
            .json(body)
            .send()
            .await
        {
            Ok(response) => Ok(response.status()),
            Err(e) => Err(format!(
                "did not answer: {}",
                hide(&describe_error(&e, timeout), &self.webhook)
            )),
        }
    }
}

/// `text` with the webhook's URL taken out, should an error ever quote it.
fn hide(text: &str, webhook: &Webhook) -> String {
    let url = webhook.url.as_str();
    let bare = url.trim_end_matches('/');
    text.replace(url, NAME).replace(bare, NAME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn notifier(url: &str) -> Notifier {
        Notifier::new(Webhook::parse(url).unwrap()).with_backoff(StdDuration::from_millis(10))
    }

    #[test]
    fn the_webhook_must_be_https_and_is_never_shown() {
        assert!(Webhook::parse("https://hooks.slack.com/services/T0/B0/s3cret").is_ok());
        assert!(Webhook::parse("http://127.0.0.1:9/hook").is_ok());
        for bad in [
            "http://hooks.example/s3cret",
            "ftp://hooks.example/s3cret",
            "hooks.example/s3cret",
            "https://user:s3cret@",
        ] {
            let e = Webhook::parse(bad).unwrap_err();
            assert!(!e.contains("s3cret") && !e.contains("hooks.example"), "{e}");
            assert!(e.contains("the notification webhook"), "{e}");
        }
        let hook = Webhook::parse("https://hooks.example/s3cret").unwrap();
        assert_eq!(format!("{hook:?}"), "Webhook(***)");
        assert!(!format!("{:?}", Notifier::new(hook)).contains("s3cret"));
    }

    #[tokio::test]
    async fn posts_the_text_as_json_and_retries_a_5xx() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook/s3cret"))
            .and(body_json(
                serde_json::json!({"text": "✅ Deploy succeeded"}),
            ))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/hook/s3cret"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&server)
            .await;
        let sent = notifier(&format!("{}/hook/s3cret", server.uri()))
            .send("✅ Deploy succeeded")
            .await;
        assert_eq!(sent, Ok(2));
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 2);
        assert_eq!(
            requests[1].headers.get("content-type").unwrap(),
            "application/json"
        );
    }

    #[tokio::test]
    async fn gives_up_after_three_attempts_without_naming_the_url() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let failure = notifier(&format!("{}/hook/s3cret", server.uri()))
            .send("hi")
            .await
            .unwrap_err();
        assert_eq!(failure.attempts, 3);
        assert_eq!(
            failure.to_string(),
            "the notification was not delivered: the notification webhook answered 500 after 3 attempts"
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_client_error_or_a_redirect_is_not_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/gone"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/moved"))
            .respond_with(
                ResponseTemplate::new(301).insert_header("Location", "https://elsewhere.example/"),
            )
            .mount(&server)
            .await;
        for (hook, status) in [("/gone", 404), ("/moved", 301)] {
            let failure = notifier(&format!("{}{hook}", server.uri()))
                .send("hi")
                .await
                .unwrap_err();
            assert_eq!(failure.attempts, 1, "{hook}");
            assert_eq!(failure.reason, format!("answered {status}"));
        }
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn an_unreachable_webhook_is_retried_then_reported() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let url = format!("http://127.0.0.1:{port}/hook/s3cret");
        let failure = notifier(&url).send("hi").await.unwrap_err();
        assert_eq!(failure.attempts, 3);
        let text = failure.to_string();
        assert!(text.contains("did not answer: connection failed"), "{text}");
        assert!(
            !text.contains("s3cret") && !text.contains(&port.to_string()),
            "{text}"
        );
    }
}
