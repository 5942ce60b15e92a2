//! The GitHub client: octocrab as the transport, shipgate's own headers, retry policy, request
//! bound and write pacing on top.
//!
//! - Every request carries `Accept: application/vnd.github+json`,
//!   `X-GitHub-Api-Version: 2022-11-28`, `User-Agent: shipgate/<version>` and the token as a
//!   (sensitive) bearer header. The token is sent only to the configured REST and GraphQL hosts
//!   and never appears in an error.
//! - REST paths are joined to `api_url` (GHES: `https://host/api/v3`); GraphQL goes to
//!   `graphql_url` as given (on GHES it is not under the REST base).
//! - Retries follow [`crate::retry`]: GET, PATCH and GraphQL queries are retried; a creating
//!   POST is repeated only after GitHub refused it unprocessed (rate limits), or — after a 5xx or
//!   a timeout once it was sent, when it may have been created — only when the caller's lookup
//!   finds nothing. A request known not to have left (no connection could be made, the write
//!   budget is spent) cannot have created anything: it is never looked up.
//! - At most [`RetryPolicy::max_in_flight`] requests are in flight. Writes (REST POST and PATCH,
//!   GitHub's content-creating requests; not GraphQL queries) are paced: a burst of
//!   [`RetryPolicy::write_burst`], then one per [`RetryPolicy::write_spacing`], never more than
//!   [`RetryPolicy::writes_per_minute`] in any 60 s nor [`RetryPolicy::writes_per_hour`] in any
//!   hour from this client (a write beyond the hour's budget is refused unsent). Writes take
//!   their turns in the order they asked for them, so a caller that starts the most urgent
//!   first has them sent first.
//! - The bound on a call ([`RetryPolicy::max_total`]) and each attempt's timeout count from when
//!   the request is sent — not from when it began to wait for its paced turn or a free slot — so
//!   a write queued behind a long sweep is never given up unsent.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::Method;
use octocrab::{AuthState, Octocrab, OctocrabBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::{Mutex, Semaphore};
// tokio's clock: a paused test clock moves it, and only it.
use tokio::time::Instant;

use crate::error::Error;
pub use crate::retry::RetryPolicy;
use crate::retry::{classify, Answer, Verdict};

/// The REST API version shipgate is written against.
pub const API_VERSION: &str = "2022-11-28";

/// How to reach GitHub.
#[derive(Clone)]
pub struct ClientConfig {
    /// The token (never printed).
    pub token: String,
    /// REST base, e.g. `https://api.github.com` or `https://ghe.example/api/v3`.
    pub api_url: String,
    /// GraphQL endpoint, e.g. `https://api.github.com/graphql`.
    pub graphql_url: String,
}

impl std::fmt::Debug for ClientConfig {
    // Hand-written so that a debug print never shows the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("token", &"***")
            .field("api_url", &self.api_url)
            .field("graphql_url", &self.graphql_url)
            .finish()
    }
}

/// Counts of requests sent (attempts, retries included), for benchmarks and tests.
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP requests sent, every attempt counted.
    pub requests: AtomicUsize,
    /// Of which GraphQL.
    pub graphql: AtomicUsize,
    /// Of which POST/PATCH writes over REST.
    pub writes: AtomicUsize,
    /// Requests in flight right now.
    pub in_flight: AtomicUsize,
    /// The most requests that were in flight at once.
    pub max_in_flight: AtomicUsize,
}

/// A GitHub client with shipgate's retry policy.
#[derive(Clone)]
pub struct Client {
    config: ClientConfig,
    policy: RetryPolicy,
    octocrab: Octocrab,
    auth: HeaderValue,
    in_flight: Arc<Semaphore>,
    write_bucket: Arc<Mutex<Bucket>>,
    writes_sent: Arc<std::sync::Mutex<VecDeque<Instant>>>,
    stats: Arc<Stats>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// What kind of request is sent, which decides how it may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// GET, PATCH, GraphQL query: safe to repeat.
    Idempotent,
    /// A POST that creates something: repeated only when known not to have been processed.
    Create,
}

/// The write pacing's token bucket (its lock is also the queue of writes waiting for a turn).
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// An attempt that failed, and whether the request left this machine (a request that never
/// left cannot have created anything).
struct Failed {
    error: Error,
    sent: bool,
}

/// A received answer, body read in full.
#[derive(Debug)]
struct Raw {
    status: u16,
    headers: HeaderMap,
    body: String,
}

/// What the retry loop produced: an answer, or the object a lookup found after a doubtful POST.
enum Sent<T> {
    Answer(Raw),
    Found(T),
}

/// The user agent: GitHub requires one and it identifies shipgate in audit logs.
pub fn user_agent() -> String {
    format!("shipgate/{}", env!("CARGO_PKG_VERSION"))
}

impl Client {
    /// Builds a client with the default [`RetryPolicy`]. Needs a running tokio runtime.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Self::with_policy(config, RetryPolicy::default())
    }

    /// Builds a client with the given retry policy. Needs a running tokio runtime.
    pub fn with_policy(config: ClientConfig, policy: RetryPolicy) -> Result<Self, Error> {
        if config.token.trim().is_empty() {
            return Err(Error::Config("the GitHub token is empty".into()));
        }
        for (name, url) in [
            ("api_url", &config.api_url),
            ("graphql_url", &config.graphql_url),
        ] {
            let uri: http::Uri = url
                .parse()
                .map_err(|e| Error::Config(format!("{name} {url:?} is not a URL: {e}")))?;
            if !matches!(uri.scheme_str(), Some("https" | "http")) || uri.authority().is_none() {
                return Err(Error::Config(format!(
                    "{name} {url:?} must be an absolute http(s) URL"
                )));
            }
            // The token travels in a header: plain http only to this machine (tests, proxies).
            let host = uri
                .host()
                .unwrap_or("")
                .trim_start_matches('[')
                .trim_end_matches(']');
            let loopback = host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if uri.scheme_str() == Some("http") && !loopback {
                return Err(Error::Config(format!(
                    "{name} {url:?} is plain http: shipgate sends the token only over https (or to this machine)"
                )));
            }
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.token.trim()))
            .map_err(|_| Error::Config("the GitHub token contains invalid characters".into()))?;
        auth.set_sensitive(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| Error::Config(format!("cannot load the system's TLS roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let transport =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        // No octocrab middleware: shipgate sets every header itself (octocrab's default stack
        // adds its own user agent) and owns retries; absolute URLs go out unchanged.
        let octocrab = OctocrabBuilder::new_empty()
            .with_service(transport)
            .with_auth(AuthState::None)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            write_bucket: Arc::new(Mutex::new(Bucket {
                tokens: f64::from(policy.write_burst.max(1)),
                refilled: Instant::now(),
            })),
            writes_sent: Arc::new(std::sync::Mutex::new(VecDeque::new())),
            in_flight: Arc::new(Semaphore::new(policy.max_in_flight.max(1))),
            config,
            policy,
            octocrab,
            auth,
            stats: Arc::new(Stats::default()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Counts of requests sent so far by this client and its clones.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Writes (content-creating requests) this client and its clones may still send within
    /// the hour's budget ([`RetryPolicy::writes_per_hour`], minus what they sent in the last
    /// hour). Other users of the same token spend GitHub's budget too; this counts only ours.
    pub fn writes_left(&self) -> usize {
        let mut sent = self.sent_log();
        forget_older_than(&mut sent, Instant::now(), HOUR);
        (self.policy.writes_per_hour as usize).saturating_sub(sent.len())
    }

    fn sent_log(&self) -> std::sync::MutexGuard<'_, VecDeque<Instant>> {
        self.writes_sent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// GET `path` (relative to the REST base, e.g. `/repos/o/r/deployments?per_page=100`),
    /// retried as an idempotent request.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        Ok(self.get_page(path).await?.0)
    }

    /// GET one page; returns the decoded body and the `next` URL from the `Link` header.
    pub async fn get_page<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, Option<String>), Error> {
        let url = self.rest_url(path)?;
        let raw = self.answer(Method::GET, &url, path, None).await?;
        let next = raw
            .headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        Ok((decode("GET", path, &raw.body)?, next))
    }

    /// POST a JSON body; never blindly retried (creating requests are not idempotent): it is
    /// repeated only when GitHub refused it with a rate limit, i.e. did not process it. After an
    /// answer that leaves in doubt whether it was processed (5xx, timeout), the call fails with
    /// that error — use [`Client::post_create`] with a lookup to recover from those safely.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let raw = self.post_unlooked(path, body).await?;
        decode("POST", path, &raw.body)
    }

    /// POST a JSON body as [`Client::post`] sends it (repeated only after a rate-limit refusal,
    /// never after a doubtful answer); returns the status of the 2xx answer, its body unread.
    /// For requests whose answer has no body to decode (a workflow dispatch answers 204).
    pub(crate) async fn post_for_status<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<u16, Error> {
        Ok(self.post_unlooked(path, body).await?.status)
    }

    /// A creating POST without a lookup: a doubtful answer ends the call with its error.
    async fn post_unlooked<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<Raw, Error> {
        let url = self.rest_url(path)?;
        let text = encode("POST", path, body)?;
        let no_lookup = || async {
            Err::<Option<()>, _>(Error::Config(
                "no lookup: a doubtful POST is not repeated".into(),
            ))
        };
        match self
            .send(
                Method::POST,
                &url,
                path,
                Some(text),
                Kind::Create,
                no_lookup,
            )
            .await?
        {
            Sent::Answer(raw) => Ok(raw),
            Sent::Found(()) => unreachable!("a lookup that always fails finds nothing"),
        }
    }

    /// POST that creates something, safe against duplicates: after an answer that leaves in
    /// doubt whether it was created (5xx, timeout, lost connection), `lookup` is asked first;
    /// when it finds the object, that is returned, otherwise the POST is tried again (within the
    /// policy's bounds). A lookup that fails ends the call with the original error.
    pub async fn post_create<B, T, F, Fut>(
        &self,
        path: &str,
        body: &B,
        lookup: F,
    ) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let url = self.rest_url(path)?;
        let text = encode("POST", path, body)?;
        match self
            .send(Method::POST, &url, path, Some(text), Kind::Create, lookup)
            .await?
        {
            Sent::Found(found) => Ok(found),
            Sent::Answer(raw) => decode("POST", path, &raw.body),
        }
    }

    /// PATCH a JSON body (idempotent: retried).
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let url = self.rest_url(path)?;
        let text = encode("PATCH", path, body)?;
        let raw = self.answer(Method::PATCH, &url, path, Some(text)).await?;
        decode("PATCH", path, &raw.body)
    }

    /// POST a GraphQL document; `errors` in the answer are an error even with partial data.
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: serde_json::Value,
    ) -> Result<T, Error> {
        self.graphql_operation(query, None, variables).await
    }

    /// POST one named operation of a GraphQL document (queries only: they are retried).
    pub async fn graphql_operation<T: DeserializeOwned>(
        &self,
        query: &str,
        operation: Option<&str>,
        variables: serde_json::Value,
    ) -> Result<T, Error> {
        let mut request = serde_json::json!({ "query": query, "variables": variables });
        if let Some(operation) = operation {
            request["operationName"] = operation.into();
        }
        let label = format!("graphql {}", operation.unwrap_or("query"));
        let url = self.config.graphql_url.clone();
        let raw = self
            .answer(Method::POST, &url, &label, Some(request.to_string()))
            .await?;
        #[derive(serde::Deserialize)]
        struct Envelope<T> {
            data: Option<T>,
            #[serde(default)]
            errors: Option<Vec<GraphQlError>>,
        }
        #[derive(serde::Deserialize)]
        struct GraphQlError {
            message: String,
            #[serde(default)]
            path: Option<Vec<serde_json::Value>>,
        }
        // Errors first: with partial data GitHub still answers 200, and a half answer is not
        // trusted (fail closed).
        let probe: serde_json::Value = serde_json::from_str(&raw.body)
            .map_err(|e| decode_error("POST", &label, &e, &raw.body, self.config.token.as_str()))?;
        if let Some(errors) = probe.get("errors").filter(|e| !e.is_null()) {
            let errors: Vec<GraphQlError> =
                serde_json::from_value(errors.clone()).unwrap_or_default();
            let text = if errors.is_empty() {
                "an error without a message".to_string()
            } else {
                errors
                    .iter()
                    .map(|e| match &e.path {
                        Some(path) if !path.is_empty() => format!(
                            "{} (at {})",
                            e.message,
                            path.iter()
                                .map(|p| p.to_string().trim_matches('"').to_string())
                                .collect::<Vec<_>>()
                                .join(".")
                        ),
                        _ => e.message.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            return Err(Error::GraphQl(scrub(&text, &self.config.token)));
        }
        let envelope: Envelope<T> = serde_json::from_value(probe)
            .map_err(|e| decode_error("POST", &label, &e, "", &self.config.token))?;
        drop(envelope.errors);
        envelope.data.ok_or_else(|| Error::Decode {
            method: "POST".into(),
            path: label,
            message: "the answer has no `data`".into(),
        })
    }

    /// The absolute URL for a REST path; an absolute URL (a `Link` header's) must point at the
    /// configured REST host, so the token never goes anywhere else.
    fn rest_url(&self, path: &str) -> Result<String, Error> {
        if path.starts_with("http://") || path.starts_with("https://") {
            let base = origin(&self.config.api_url);
            if origin(path) != base {
                return Err(Error::Config(format!(
                    "refusing to send the token to {:?}: not the GitHub API host {base:?}",
                    origin(path)
                )));
            }
            return Ok(path.to_string());
        }
        if !path.starts_with('/') {
            return Err(Error::Config(format!(
                "REST path {path:?} must start with `/`"
            )));
        }
        Ok(format!(
            "{}{}",
            self.config.api_url.trim_end_matches('/'),
            path
        ))
    }

    /// Sends an idempotent request (or a plain POST) and returns its successful answer.
    async fn answer(
        &self,
        method: Method,
        url: &str,
        label: &str,
        body: Option<String>,
    ) -> Result<Raw, Error> {
        // A GraphQL query is a POST but reads only; REST POSTs come through `post_create`.
        match self
            .send::<(), _, _>(method, url, label, body, Kind::Idempotent, || async {
                Ok(None)
            })
            .await?
        {
            Sent::Answer(raw) => Ok(raw),
            Sent::Found(()) => unreachable!("idempotent requests have no lookup"),
        }
    }

    /// The retry loop (see the module documentation).
    async fn send<T, F, Fut>(
        &self,
        method: Method,
        url: &str,
        label: &str,
        body: Option<String>,
        kind: Kind,
        mut lookup: F,
    ) -> Result<Sent<T>, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        // The bound counts from the first send, not from the wait for a paced turn.
        let mut start: Option<Instant> = None;
        let mut attempt = 0u32;
        let mut last_error: Option<Error> = None;
        let is_write = method != Method::GET && url != self.config.graphql_url;
        loop {
            attempt += 1;
            if is_write {
                if let Err(refused) = self.pace_write(&method, label).await {
                    // Not sent: nothing to look up. After a failed attempt, that one's error
                    // says more than "no budget left".
                    return Err(match last_error {
                        Some(previous) => gave_up(previous, attempt - 1, elapsed(start)),
                        None => refused,
                    });
                }
            }
            let permit = self
                .in_flight
                .acquire()
                .await
                .map_err(|_| Error::Transport {
                    method: method.to_string(),
                    path: label.to_string(),
                    message: "the client is shut down".into(),
                })?;
            let began = *start.get_or_insert_with(Instant::now);
            let remaining = self.policy.max_total.saturating_sub(began.elapsed());
            if let Some(previous) = last_error.take() {
                // A sleep that overshot leaves no room for a real attempt: report the real
                // error, not "no time left".
                if remaining < Duration::from_millis(10) {
                    return Err(gave_up(previous, attempt - 1, began.elapsed()));
                }
            }
            let result = self
                .attempt(&method, url, label, body.as_deref(), remaining)
                .await;
            drop(permit);
            let (error, wait, doubtful) = match result {
                Ok(raw) => {
                    let limited = (url == self.config.graphql_url)
                        .then(|| graphql_rate_limited(&raw.body))
                        .flatten();
                    let answer = Answer {
                        status: raw.status,
                        retry_after: header_u64(&raw.headers, "retry-after"),
                        ratelimit_remaining: header_u64(&raw.headers, "x-ratelimit-remaining"),
                        ratelimit_reset: header_u64(&raw.headers, "x-ratelimit-reset"),
                        body: &raw.body,
                        graphql_rate_limited: limited.is_some(),
                    };
                    let error = match &limited {
                        Some(message) => Error::GraphQl(scrub(
                            &format!("rate limited: {message}"),
                            &self.config.token,
                        )),
                        None => self.status_error(&method, label, &raw),
                    };
                    match classify(&answer, &self.policy, epoch_now()) {
                        Verdict::Done => return Ok(Sent::Answer(raw)),
                        Verdict::Fail => return Err(error),
                        Verdict::Retry {
                            wait,
                            not_processed,
                        } => (error, wait, !not_processed),
                    }
                }
                // Only a request that left may have been processed.
                Err(Failed { error, sent }) => (error, None, sent),
            };
            if kind == Kind::Create && doubtful {
                // It may have been created: look before trying again, and never risk a
                // duplicate when the lookup itself fails.
                match lookup().await {
                    Ok(Some(found)) => return Ok(Sent::Found(found)),
                    Ok(None) => {}
                    Err(_) => return Err(error),
                }
            }
            if attempt >= self.policy.max_attempts {
                return Err(gave_up(error, attempt, began.elapsed()));
            }
            let wait = wait.unwrap_or_else(|| self.policy.backoff(attempt));
            if began.elapsed() + wait >= self.policy.max_total {
                return Err(gave_up(error, attempt, began.elapsed()));
            }
            tokio::time::sleep(wait).await;
            last_error = Some(error);
        }
    }

    /// One attempt, under a slot of the in-flight semaphore held by the caller: a timeout
    /// covers the whole exchange (connection, headers, body), cut to what remains of the bound.
    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        label: &str,
        body: Option<&str>,
        remaining: Duration,
    ) -> Result<Raw, Failed> {
        let transport = |message: String| Error::Transport {
            method: method.to_string(),
            path: label.to_string(),
            message: scrub(&message, &self.config.token),
        };
        let unsent = |message: String| Failed {
            error: transport(message),
            sent: false,
        };
        let limit = self.policy.request_timeout.min(remaining);
        if limit.is_zero() {
            return Err(unsent("no time left within the retry bound".into()));
        }
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(url)
            .header(ACCEPT, "application/vnd.github+json")
            .header("x-github-api-version", API_VERSION)
            .header(USER_AGENT, user_agent())
            .header(AUTHORIZATION, self.auth.clone());
        if body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(octocrab::OctoBody::from(
                body.unwrap_or_default().to_string(),
            ))
            .map_err(|e| unsent(format!("cannot build the request: {e}")))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        if url == self.config.graphql_url {
            self.stats.graphql.fetch_add(1, Ordering::Relaxed);
        } else if method != Method::GET {
            self.stats.writes.fetch_add(1, Ordering::Relaxed);
        }
        let now_in_flight = self.stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.stats
            .max_in_flight
            .fetch_max(now_in_flight, Ordering::SeqCst);
        let exchange = async {
            let response = self.octocrab.execute(request).await.map_err(|e| Failed {
                // No connection could be made: the request never left.
                sent: !is_connect_error(&e),
                error: transport(describe(&e)),
            })?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = self
                .octocrab
                .body_to_string(response)
                .await
                .map_err(|e| Failed {
                    error: transport(format!("reading the answer failed: {}", describe(&e))),
                    sent: true,
                })?;
            Ok(Raw {
                status,
                headers,
                body,
            })
        };
        let result = match tokio::time::timeout(limit, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Failed {
                error: transport(format!(
                    "no complete answer within {} ms",
                    limit.as_millis()
                )),
                // It may have left and been processed: doubtful.
                sent: true,
            }),
        };
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// Waits for a write's paced turn (see the module documentation): the spacing's token
    /// bucket, and no more than the per-minute limit in any 60 s. A write beyond the hour's
    /// budget is refused at once, unsent. The moment it is let go is recorded for both limits.
    async fn pace_write(&self, method: &Method, label: &str) -> Result<(), Error> {
        let policy = &self.policy;
        let spacing = policy.write_spacing;
        let capacity = f64::from(policy.write_burst.max(1));
        let per_minute = (policy.writes_per_minute as usize).max(1);
        let per_hour = policy.writes_per_hour as usize;
        // Held while waiting: writes take their turns in the order they asked.
        let mut bucket = self.write_bucket.lock().await;
        loop {
            let now = Instant::now();
            let minute_wait = {
                let mut sent = self.sent_log();
                forget_older_than(&mut sent, now, HOUR);
                if sent.len() >= per_hour {
                    return Err(Error::WriteBudget {
                        method: method.to_string(),
                        path: label.to_string(),
                        limit: policy.writes_per_hour,
                    });
                }
                // The oldest of the last `per_minute` writes must have left the window.
                match sent.len().checked_sub(per_minute).map(|i| sent[i]) {
                    Some(oldest) => (oldest + MINUTE).saturating_duration_since(now),
                    None => Duration::ZERO,
                }
            };
            let spacing_wait = if spacing.is_zero() {
                Duration::ZERO
            } else {
                let earned =
                    now.duration_since(bucket.refilled).as_secs_f64() / spacing.as_secs_f64();
                bucket.tokens = (bucket.tokens + earned).min(capacity);
                bucket.refilled = now;
                // A hair under a whole token is one: the clock's rounding, not a real wait.
                if bucket.tokens < 1.0 - 1e-6 {
                    spacing.mul_f64(1.0 - bucket.tokens)
                } else {
                    Duration::ZERO
                }
            };
            let wait = minute_wait.max(spacing_wait);
            if wait.is_zero() {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        if !spacing.is_zero() {
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
        }
        self.sent_log().push_back(Instant::now());
        Ok(())
    }

    fn status_error(&self, method: &Method, label: &str, raw: &Raw) -> Error {
        let message = serde_json::from_str::<serde_json::Value>(&raw.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
            .unwrap_or_else(|| raw.body.chars().take(200).collect());
        Error::Status {
            method: method.to_string(),
            path: label.to_string(),
            status: raw.status,
            message: scrub(&message, &self.config.token),
        }
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// Drops the moments older than `window` before `now`.
fn forget_older_than(sent: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while sent
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        sent.pop_front();
    }
}

/// The time since the first send, zero when nothing was sent.
fn elapsed(start: Option<Instant>) -> Duration {
    start.map_or(Duration::ZERO, |s| s.elapsed())
}

/// Whether the transport failed before the request left: no connection could be made.
fn is_connect_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(e) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            return e.is_connect();
        }
        current = e.source();
    }
    false
}

/// Adds how many attempts were made to a final error, keeping its kind.
fn gave_up(error: Error, attempts: u32, elapsed: Duration) -> Error {
    let note = format!(
        " (gave up after {attempts} attempt{} in {} ms)",
        if attempts == 1 { "" } else { "s" },
        elapsed.as_millis()
    );
    match error {
        Error::Status {
            method,
            path,
            status,
            message,
        } => Error::Status {
            method,
            path,
            status,
            message: message + &note,
        },
        Error::Transport {
            method,
            path,
            message,
        } => Error::Transport {
            method,
            path,
            message: message + &note,
        },
        other => other,
    }
}

/// The `next` URL of a `Link` header (`<url>; rel="next", <url>; rel="last"`).
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

/// GitHub's GraphQL rate limit comes as a 200 with an error of type `RATE_LIMITED`: its
/// message, when the answer is that.
fn graphql_rate_limited(body: &str) -> Option<String> {
    // Cheap test first: most answers are large and never limited.
    if !body.contains("RATE_LIMITED") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value
        .get("errors")?
        .as_array()?
        .iter()
        .find(|e| e.get("type").and_then(|t| t.as_str()) == Some("RATE_LIMITED"))
        .map(|e| {
            e.get("message")
                .and_then(|m| m.as_str())
                .unwrap_or("API rate limit exceeded")
                .to_string()
        })
}

/// `scheme://authority` of a URL, lower-cased.
fn origin(url: &str) -> String {
    match url.parse::<http::Uri>() {
        Ok(uri) => format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map(|a| a.as_str()).unwrap_or("")
        )
        .to_ascii_lowercase(),
        Err(_) => String::new(),
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An octocrab error as one line, with its source chain (its `Display` alone is often vague).
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

/// Removes the token from a message that might echo it.
fn scrub(message: &str, token: &str) -> String {
    let token = token.trim();
    if token.len() >= 4 {
        message.replace(token, "***")
    } else {
        message.to_string()
    }
}

fn encode<B: Serialize + ?Sized>(method: &str, path: &str, body: &B) -> Result<String, Error> {
    serde_json::to_string(body).map_err(|e| Error::Decode {
        method: method.into(),
        path: path.into(),
        message: format!("cannot encode the request body: {e}"),
    })
}

fn decode<T: DeserializeOwned>(method: &str, path: &str, body: &str) -> Result<T, Error> {
    serde_json::from_str(body).map_err(|e| decode_error(method, path, &e, body, ""))
}

fn decode_error(
    method: &str,
    path: &str,
    error: &serde_json::Error,
    body: &str,
    token: &str,
) -> Error {
    let truncated = error.is_eof();
    Error::Decode {
        method: method.into(),
        path: path.into(),
        message: scrub(
            &format!(
                "{}{error} ({} bytes received)",
                if truncated {
                    "the JSON answer is truncated: "
                } else {
                    ""
                },
                body.len()
            ),
            token,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others() {
        let header = r#"<https://api.github.com/repositories/1/deployments?page=2>; rel="next", <https://api.github.com/repositories/1/deployments?page=5>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/deployments?page=2")
        );
        assert_eq!(next_link(r#"<https://x/y?page=1>; rel="prev""#), None);
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn config_debug_hides_the_token() {
        let config = ClientConfig {
            token: "ghs_secret123".into(),
            api_url: "https://api.github.com".into(),
            graphql_url: "https://api.github.com/graphql".into(),
        };
        let text = format!("{config:?}");
        assert!(!text.contains("ghs_secret123"), "{text}");
        assert!(text.contains("***"));
    }

    #[test]
    fn scrub_removes_the_token() {
        assert_eq!(scrub("bad token ghs_abcd!", "ghs_abcd"), "bad token ***!");
    }

    #[test]
    fn origin_compares_scheme_and_host() {
        assert_eq!(
            origin("https://GHE.example/api/v3/repos?page=2"),
            "https://ghe.example"
        );
        assert_ne!(
            origin("https://evil.example/x"),
            origin("https://ghe.example")
        );
    }

    #[tokio::test]
    async fn rest_urls_join_the_ghes_base_and_refuse_other_hosts() {
        let client = Client::new(ClientConfig {
            token: "t0ken".into(),
            api_url: "https://ghe.example/api/v3/".into(),
            graphql_url: "https://ghe.example/api/graphql".into(),
        })
        .unwrap();
        assert_eq!(
            client.rest_url("/repos/o/r").unwrap(),
            "https://ghe.example/api/v3/repos/o/r"
        );
        assert!(client
            .rest_url("https://ghe.example/api/v3/repos/o/r?page=2")
            .is_ok());
        assert!(matches!(
            client.rest_url("https://evil.example/steal"),
            Err(Error::Config(_))
        ));
    }

    #[tokio::test]
    async fn bad_configuration_is_rejected() {
        let config = |token: &str, api: &str| ClientConfig {
            token: token.into(),
            api_url: api.into(),
            graphql_url: "https://api.github.com/graphql".into(),
        };
        assert!(matches!(
            Client::new(config("", "https://api.github.com")),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Client::new(config("t", "api.github.com")),
            Err(Error::Config(_))
        ));
        // Plain http: only to this machine.
        assert!(matches!(
            Client::new(config("t", "http://ghe.example/api/v3")),
            Err(Error::Config(_))
        ));
        assert!(Client::new(config("t", "http://127.0.0.1:8080")).is_ok());
        assert!(Client::new(config("t", "http://localhost:8080")).is_ok());
        assert!(Client::new(config("t", "http://[::1]:8080")).is_ok());
    }
}
