//! A stateful fake GitHub for shipgate's end-to-end tests.
//!
//! [`FakeGithub::start`] serves, on `127.0.0.1` at a random port, the REST endpoints shipgate
//! uses (with GitHub's JSON shapes, `Link` pagination, error bodies and rate-limit headers) and
//! answers shipgate's GraphQL documents from the same state ([`graphql`]). Writes (check runs,
//! statuses, comments, deployments and their statuses, workflow dispatches, issues) change the state
//! and show in later reads, GraphQL included. Repositories are kept apart by `owner/name`, so one fake serves many
//! scenarios at once.
//!
//! The control API is this handle: [`FakeGithub::load`] a repository, read it back with
//! [`FakeGithub::repo`], see every request with [`FakeGithub::requests`] and every GraphQL
//! exchange with [`FakeGithub::graphql_exchanges`], and [`FakeGithub::inject`] faults.
//!
//! [`Tap`] is a recording pass-through proxy: put it in front of Prism to see exactly what the
//! client saw (Prism's violations included).

#![recursion_limit = "256"]

mod alerts;
pub mod graphql;
pub mod issues;
pub mod rest;
pub mod state;
pub mod tap;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

pub use state::Repo;
pub use tap::{Tap, TapRecord};

/// GitHub's documentation root, used in error bodies.
pub const DOCS: &str = "https://docs.github.com/rest";

/// A request the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query as received (a GHES `/api/v3` prefix included).
    pub path: String,
    /// The request headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The request body (text).
    pub body: String,
    /// The status the fake answered.
    pub status: u16,
    /// The repository concerned (`owner/name`), when known.
    pub repo: Option<String>,
    /// Whether an injected fault answered it.
    pub faulted: bool,
    /// When it arrived (for benchmarks; tests assert on counts and order, not on time).
    pub received_at: Instant,
    /// When its answer was sent, an injected delay included (`None` until then; for
    /// benchmarks: with `received_at` it tells how many requests were in flight at once).
    pub answered_at: Option<Instant>,
}

impl LoggedRequest {
    /// The value of a request header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query string (after `?`), empty when there is none.
    pub fn query(&self) -> &str {
        self.path.split_once('?').map_or("", |(_, q)| q)
    }

    /// The GraphQL operation name of a `/graphql` request (`None` for REST).
    pub fn operation(&self) -> Option<String> {
        self.json()
            .get("operationName")
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Whether it changes state (not a GET, not a GraphQL read).
    pub fn is_write(&self) -> bool {
        self.method != "GET" && !self.path.starts_with("/graphql")
    }
}

/// One GraphQL exchange: what was asked and what the fake answered.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphqlExchange {
    /// The repository concerned (`owner/name`), when known.
    pub repo: Option<String>,
    /// The operation's name.
    pub operation: String,
    /// The document as sent.
    pub document: String,
    /// The variables as sent.
    pub variables: Value,
    /// The answer (`{"data": …, "errors"?: …}`).
    pub answer: Value,
}

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer this status with GitHub's error body; optional `retry-after` (seconds) and
    /// `x-ratelimit-remaining`.
    Status {
        /// HTTP status.
        status: u16,
        /// The `message` of the body.
        message: String,
        /// `retry-after`, in seconds.
        retry_after: Option<u64>,
        /// `x-ratelimit-remaining`.
        ratelimit_remaining: Option<u64>,
    },
    /// The real answer, cut in half (a truncated JSON body with a matching length).
    Truncate,
    /// The real answer, after a delay.
    Delay(Duration),
    /// A GraphQL answer with `errors` and partial data (the repository's first nullable
    /// object set to null).
    GraphqlErrors(String),
    /// The request is processed (its writes land in the state) but the answer is lost: the
    /// client gets this status with GitHub's error body instead, as when a gateway gives up
    /// after GitHub did the work. The case a creating POST must look up before it repeats.
    LostAnswer(u16),
    /// GitHub's primary rate limit, exhausted until `reset_after` from the first refusal:
    /// `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds); over GraphQL an HTTP
    /// 200 whose error has type `RATE_LIMITED`, over REST a 403. Every matching request before
    /// the reset is refused the same way (the fault holds until then).
    RateLimited {
        /// Time from the first refusal to the reset.
        reset_after: Duration,
    },
}

/// A fault for the next `times` requests matching `method` (any when `None`) and a path prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// The method to match, upper case; `None` matches any.
    pub method: Option<String>,
    /// The path prefix to match (`/repos/acme/shop/check-runs`, `/graphql`).
    pub path_prefix: String,
    /// For GraphQL: only this repository (`owner/name`), as the variables name it.
    pub repo: Option<String>,
    /// For GraphQL: only this operation (`PullRequestMore`).
    pub operation: Option<String>,
    /// How many requests it applies to (`usize::MAX`: forever).
    pub times: usize,
    /// What it does.
    pub kind: FaultKind,
    /// After it answers, every matching request within this time gets the same answer again
    /// without using up `times`: a refusal GitHub keeps up until its `retry-after` has passed
    /// (see [`Fault::holding`]). `None`: each request counts.
    pub hold: Option<Duration>,
    /// Until when it holds (set when it answers with `hold`).
    pub held_until: Option<Instant>,
}

impl Fault {
    /// A status fault: `status` with GitHub's error body, `times` times.
    pub fn status(method: &str, path_prefix: &str, status: u16, times: usize) -> Self {
        let message = match status {
            401 => "Bad credentials",
            403 => "Resource not accessible by integration",
            404 => "Not Found",
            422 => "Validation Failed",
            429 => "API rate limit exceeded",
            500 => "Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => "Error",
        };
        Self {
            method: Some(method.to_ascii_uppercase()).filter(|m| m != "*"),
            path_prefix: path_prefix.into(),
            repo: None,
            operation: None,
            times,
            kind: FaultKind::Status {
                status,
                message: message.into(),
                retry_after: None,
                ratelimit_remaining: None,
            },
            hold: None,
            held_until: None,
        }
    }

    /// GitHub's secondary rate limit: 403 with its message and `retry-after`.
    pub fn secondary_rate_limit(
        method: &str,
        path_prefix: &str,
        retry_after: u64,
        times: usize,
    ) -> Self {
        let mut fault = Self::status(method, path_prefix, 403, times);
        fault.kind = FaultKind::Status {
            status: 403,
            message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.".into(),
            retry_after: Some(retry_after),
            ratelimit_remaining: Some(4000),
        };
        fault
    }

    /// Any other kind on the next `times` matching requests.
    pub fn kind(method: &str, path_prefix: &str, kind: FaultKind, times: usize) -> Self {
        Self {
            method: Some(method.to_ascii_uppercase()).filter(|m| m != "*"),
            path_prefix: path_prefix.into(),
            repo: None,
            operation: None,
            times,
            kind,
            hold: None,
            held_until: None,
        }
    }

    /// Limits a GraphQL fault to one repository.
    pub fn for_repo(mut self, repo: &str) -> Self {
        self.repo = Some(repo.into());
        self
    }

    /// Limits a GraphQL fault to one operation (its `operationName`, e.g. `PullRequestMore`).
    pub fn for_operation(mut self, operation: &str) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// Replaces the `message` of a status fault's error body.
    pub fn with_message(mut self, text: &str) -> Self {
        if let FaultKind::Status { message, .. } = &mut self.kind {
            *message = text.into();
        }
        self
    }

    /// Adds `retry-after: seconds` to a status fault.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(seconds);
        }
        self
    }

    /// Makes the refusal last as GitHub's does: until the `retry-after` it names has passed
    /// (from its first answer), every matching request is refused again — so a client that
    /// comes back early is seen as an extra faulted request in the log. A fault without
    /// `retry-after` is not changed.
    pub fn holding(mut self) -> Self {
        if let FaultKind::Status {
            retry_after: Some(seconds),
            ..
        } = &self.kind
        {
            self.hold = Some(Duration::from_secs(*seconds));
        }
        self
    }
}

/// Everything the server holds.
#[derive(Debug, Default)]
pub(crate) struct Inner {
    pub(crate) repos: HashMap<String, Repo>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) requests: Vec<LoggedRequest>,
    pub(crate) graphql: Vec<GraphqlExchange>,
    pub(crate) public_base: String,
    pub(crate) next_id: u64,
    pub(crate) ratelimit_used: u64,
}

impl Inner {
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// The handle of a running fake (the control API). Cloning shares the server.
#[derive(Debug, Clone)]
pub struct FakeGithub {
    inner: Arc<Mutex<Inner>>,
    addr: SocketAddr,
}

/// An answer before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    /// An answer without a body (`204 No Content`).
    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// GitHub's error body.
    pub(crate) fn error(status: u16, message: &str) -> Self {
        Self::json(
            status,
            &json!({ "message": message, "documentation_url": DOCS, "status": status.to_string() }),
        )
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

impl FakeGithub {
    /// Starts the server on `127.0.0.1` at a random port, on its own thread and runtime (so
    /// it serves synchronous tests as well as async ones), for the life of the process.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let inner = Arc::new(Mutex::new(Inner {
            public_base: format!("http://{addr}"),
            next_id: 1000,
            ..Inner::default()
        }));
        let shared = inner.clone();
        std::thread::Builder::new()
            .name("fake-github".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                runtime.block_on(serve(listener, shared));
            })
            .expect("spawn the fake's thread");
        Self { inner, addr }
    }

    /// The server's own base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The GraphQL endpoint (`…/graphql`).
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.url())
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Sets the base URL that `Link` headers are built from (Prism's, or a tap's in front of
    /// it), so that the client's next page goes the same way as the first.
    pub fn set_public_base(&self, url: &str) {
        self.lock().public_base = url.trim_end_matches('/').to_string();
    }

    /// Loads (or replaces) a repository; ids left at 0 are assigned. Earlier requests and
    /// faults of that repository are kept.
    pub fn load(&self, mut repo: Repo) {
        let mut inner = self.lock();
        let mut next = inner.next_id;
        repo.normalize(&mut next);
        inner.next_id = next;
        inner.repos.insert(repo.full_name(), repo);
    }

    /// The repository's current state.
    pub fn repo(&self, full_name: &str) -> Option<Repo> {
        self.lock().repos.get(full_name).cloned()
    }

    /// Changes a repository's state in place (e.g. a new commit pushed between two runs).
    pub fn update<T>(&self, full_name: &str, change: impl FnOnce(&mut Repo) -> T) -> T {
        let mut inner = self.lock();
        let mut next = inner.next_id;
        let repo = inner
            .repos
            .get_mut(full_name)
            .unwrap_or_else(|| panic!("no repository {full_name} loaded"));
        let result = change(repo);
        repo.normalize(&mut next);
        inner.next_id = next;
        result
    }

    /// Adds a fault (faults are tried in the order they were added).
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Removes every fault still pending for paths under `path_prefix`.
    pub fn clear_faults(&self, path_prefix: &str) {
        self.lock()
            .faults
            .retain(|f| !f.path_prefix.starts_with(path_prefix));
    }

    /// The requests about one repository (`owner/name`), in arrival order.
    pub fn requests(&self, full_name: &str) -> Vec<LoggedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.repo.as_deref() == Some(full_name))
            .cloned()
            .collect()
    }

    /// The GraphQL exchanges about one repository (`None`: all of them).
    pub fn graphql_exchanges(&self, full_name: Option<&str>) -> Vec<GraphqlExchange> {
        self.lock()
            .graphql
            .iter()
            .filter(|e| full_name.is_none() || e.repo.as_deref() == full_name)
            .cloned()
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test must not poison the fake for the others.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn serve(listener: std::net::TcpListener, inner: Arc<Mutex<Inner>>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let inner = inner.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let inner = inner.clone();
                async move { Ok::<_, Infallible>(handle(request, inner).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The route of a path: GitHub Enterprise Server's prefixes (`/api/v3/…` for REST,
/// `/api/graphql`) removed, so that the fake serves both layouts and faults match either.
pub(crate) fn route(bare: &str) -> &str {
    if bare == "/api/graphql" {
        return "/graphql";
    }
    match bare.strip_prefix("/api/v3") {
        Some(rest) if rest.starts_with('/') => rest,
        _ => bare,
    }
}

/// The repository a REST path concerns (`/repos/{owner}/{name}/…`, GHES prefix allowed).
pub(crate) fn repo_of_path(path: &str) -> Option<String> {
    let mut parts = route(path).trim_start_matches('/').split('/');
    if parts.next()? != "repos" {
        return None;
    }
    let owner = parts.next()?;
    let name = parts.next()?.split('?').next()?;
    Some(format!("{owner}/{name}"))
}

/// Seconds since the Unix epoch of a moment `after` from now (rounded up, as GitHub's reset).
fn epoch_after(after: Duration) -> u64 {
    let at = SystemTime::now() + after;
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    since.as_secs() + u64::from(since.subsec_nanos() > 0)
}

async fn handle(request: Request<Incoming>, inner: Arc<Mutex<Inner>>) -> Response<Full<Bytes>> {
    let received_at = Instant::now();
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bare = path.split('?').next().unwrap_or("/").to_string();
    let routed = route(&bare).to_string();
    let routed_path = match path.split_once('?') {
        Some((_, query)) => format!("{routed}?{query}"),
        None => routed.clone(),
    };
    let body = match request.into_body().collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let is_graphql = routed.ends_with("/graphql");
    let (answer, delay, logged) = {
        let mut guard = inner.lock().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        let request_repo = if is_graphql {
            graphql::repo_of_request(&body)
        } else {
            repo_of_path(&bare)
        };
        let operation = is_graphql
            .then(|| graphql::operation_of_request(&body))
            .flatten();
        // The first matching fault that still holds or has uses left.
        let fault = inner
            .faults
            .iter_mut()
            .find(|f| {
                let holding = f.held_until.is_some_and(|until| received_at < until);
                (f.times > 0 || holding)
                    && f.method.as_ref().is_none_or(|m| *m == method)
                    && routed.starts_with(&f.path_prefix)
                    && f.repo
                        .as_ref()
                        .is_none_or(|r| Some(r) == request_repo.as_ref())
                    && f.operation
                        .as_ref()
                        .is_none_or(|o| Some(o) == operation.as_ref())
            })
            .map(|f| {
                let holding = f.held_until.is_some_and(|until| received_at < until);
                if !holding {
                    f.times = f.times.saturating_sub(1);
                    if let Some(hold) = f.hold {
                        f.held_until = Some(received_at + hold);
                    }
                    if let FaultKind::RateLimited { reset_after } = f.kind {
                        // GitHub keeps refusing until the reset it announced.
                        f.held_until = Some(received_at + reset_after);
                    }
                }
                (f.kind.clone(), f.held_until)
            });
        let mut delay = None;
        let mut faulted = fault.is_some();
        let answer = match &fault {
            Some((
                FaultKind::Status {
                    status,
                    message,
                    retry_after,
                    ratelimit_remaining,
                },
                _,
            )) => {
                let mut answer = Answer::error(*status, message);
                if let Some(seconds) = retry_after {
                    answer = answer.header("retry-after", seconds.to_string());
                }
                if let Some(remaining) = ratelimit_remaining {
                    answer = answer.header("x-ratelimit-remaining", remaining.to_string());
                }
                answer
            }
            Some((FaultKind::GraphqlErrors(message), _)) if is_graphql => {
                graphql::answer(inner, &body, Some(message))
            }
            Some((FaultKind::RateLimited { .. }, until)) => {
                let left =
                    until.map_or(Duration::ZERO, |u| u.saturating_duration_since(received_at));
                let reset = epoch_after(left);
                let message = "API rate limit exceeded for installation ID 4242.";
                let answer = if is_graphql {
                    Answer::json(
                        200,
                        &json!({ "errors": [{ "type": "RATE_LIMITED", "message": message }] }),
                    )
                } else {
                    Answer::error(403, message)
                };
                answer
                    .header("x-ratelimit-remaining", "0")
                    .header("x-ratelimit-reset", reset.to_string())
            }
            other => {
                let other = other.as_ref().map(|(kind, _)| kind);
                if let Some(FaultKind::Delay(d)) = other {
                    delay = Some(*d);
                }
                let mut answer = if is_graphql {
                    graphql::answer(inner, &body, None)
                } else {
                    rest::answer(inner, &method, &routed_path, &body)
                };
                match other {
                    Some(FaultKind::Truncate) => {
                        let half = answer.body.len() / 2;
                        answer.body.truncate(half.max(1));
                    }
                    Some(FaultKind::LostAnswer(status)) => {
                        answer = Answer::error(*status, "Server Error");
                    }
                    None => faulted = false,
                    _ => {}
                }
                answer
            }
        };
        inner.ratelimit_used += 1;
        inner.requests.push(LoggedRequest {
            method: method.clone(),
            path: path.clone(),
            headers,
            body,
            status: answer.status,
            repo: request_repo,
            faulted,
            received_at,
            answered_at: None,
        });
        let logged = inner.requests.len() - 1;
        let used = inner.ratelimit_used;
        (with_common_headers(answer, is_graphql, used), delay, logged)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if let Some(entry) = inner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .requests
        .get_mut(logged)
    {
        entry.answered_at = Some(Instant::now());
    }
    let mut response = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        response = response.header(name.as_str(), value.as_str());
    }
    response
        .body(Full::new(Bytes::from(answer.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// GitHub's rate-limit and bookkeeping headers, on every answer.
fn with_common_headers(mut answer: Answer, graphql: bool, used: u64) -> Answer {
    let has = |answer: &Answer, name: &str| answer.headers.iter().any(|(n, _)| n == name);
    let reset = chrono::Utc::now().timestamp() + 3600;
    let limit = 5000u64;
    if !has(&answer, "x-ratelimit-remaining") {
        answer = answer.header(
            "x-ratelimit-remaining",
            limit.saturating_sub(used % limit).to_string(),
        );
    }
    if !has(&answer, "x-ratelimit-reset") {
        answer = answer.header("x-ratelimit-reset", reset.to_string());
    }
    if !answer.body.is_empty() {
        answer = answer.header("content-type", "application/json; charset=utf-8");
    }
    answer = answer
        .header("x-ratelimit-limit", limit.to_string())
        .header("x-ratelimit-used", (used % limit).to_string())
        .header(
            "x-ratelimit-resource",
            if graphql { "graphql" } else { "core" },
        )
        .header("x-github-api-version-selected", "2022-11-28")
        .header("x-github-request-id", format!("FAKE:{used:08X}"));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends one request to the fake; returns status, `link` header and body.
    fn send(
        fake: &FakeGithub,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Option<String>, Value) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::new();
            let url = format!("{}{path}", fake.url());
            let mut request = client.request(method.parse().unwrap(), url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let link = response
                .headers()
                .get("link")
                .map(|v| v.to_str().unwrap().to_string());
            let text = response.text().await.unwrap();
            (
                status,
                link,
                serde_json::from_str(&text).unwrap_or(Value::Null),
            )
        })
    }

    fn repo() -> Repo {
        let mut repo = Repo::new("o", "r");
        repo.pulls.push(state::Pull {
            number: 1,
            head_sha: "a".repeat(40),
            head_ref: "staging/v1.0.0".into(),
            ..state::Pull::default()
        });
        repo
    }

    fn facts(fake: &FakeGithub) -> Value {
        let query = "query PullRequestFacts { x }";
        let (_, _, body) = send(
            fake,
            "POST",
            "/graphql",
            Some(json!({
                "query": query,
                "operationName": "PullRequestFacts",
                "variables": {
                    "owner": "o", "name": "r", "number": 1,
                    "stagingEnvironment": "staging", "productionEnvironment": "production",
                    "config": "refs/heads/main:.github/shipgate.yml",
                },
            })),
        );
        body
    }

    #[test]
    fn workflow_dispatches_are_recorded_and_answered_204() {
        let fake = FakeGithub::start();
        fake.load(repo());
        let (status, _, body) = send(
            &fake,
            "POST",
            "/repos/o/r/actions/workflows/roll%20back.yml/dispatches",
            Some(json!({ "ref": "main", "inputs": { "sha": "abc" } })),
        );
        assert_eq!((status, body), (204, Value::Null));
        let (status, _, body) = send(
            &fake,
            "POST",
            "/repos/o/r/actions/workflows/rollback.yml/dispatches",
            Some(json!({ "inputs": {} })),
        );
        assert_eq!(status, 422, "{body}");
        let dispatches = fake.repo("o/r").unwrap().dispatches;
        assert_eq!(
            dispatches,
            [state::Dispatch {
                workflow: "roll back.yml".into(),
                git_ref: "main".into(),
                inputs: json!({ "sha": "abc" }),
            }]
        );
    }

    #[test]
    fn writes_show_in_later_rest_and_graphql_reads() {
        let fake = FakeGithub::start();
        fake.load(repo());
        let sha = "a".repeat(40);
        let (status, _, run) = send(
            &fake,
            "POST",
            "/repos/o/r/check-runs",
            Some(
                json!({ "name": "shipgate", "head_sha": sha, "status": "in_progress", "external_id": "shipgate", "output": { "title": "t", "summary": "s" } }),
            ),
        );
        assert_eq!(status, 201, "{run}");
        let id = run["id"].as_u64().unwrap();
        let (status, _, _) = send(
            &fake,
            "PATCH",
            &format!("/repos/o/r/check-runs/{id}"),
            Some(json!({ "conclusion": "success" })),
        );
        assert_eq!(status, 200);
        let (_, _, list) = send(
            &fake,
            "GET",
            &format!("/repos/o/r/commits/{sha}/check-runs?check_name=shipgate"),
            None,
        );
        assert_eq!(list["total_count"], 1);
        assert_eq!(list["check_runs"][0]["conclusion"], "success");
        let (status, _, _) = send(
            &fake,
            "POST",
            "/repos/o/r/issues/1/comments",
            Some(json!({ "body": "hello" })),
        );
        assert_eq!(status, 201);
        let answer = facts(&fake);
        let pr = &answer["data"]["repository"]["pullRequest"];
        let contexts = &pr["statusCheckRollup"]["contexts"]["nodes"];
        assert_eq!(contexts[0]["conclusion"], "SUCCESS");
        assert_eq!(contexts[0]["status"], "COMPLETED");
        assert_eq!(pr["comments"]["nodes"][0]["body"], "hello");
        assert_eq!(pr["comments"]["nodes"][0]["viewerDidAuthor"], true);
        assert_eq!(fake.graphql_exchanges(Some("o/r")).len(), 1);
        let logged = fake.requests("o/r");
        assert_eq!(logged.iter().filter(|r| r.is_write()).count(), 3);
    }

    #[test]
    fn a_completed_check_runs_status_and_conclusion_are_final() {
        let fake = FakeGithub::start();
        fake.load(repo());
        let sha = "a".repeat(40);
        let output = json!({ "title": "t", "summary": "s" });
        let (_, _, run) = send(
            &fake,
            "POST",
            "/repos/o/r/check-runs",
            Some(
                json!({ "name": "shipgate", "head_sha": sha, "conclusion": "success", "output": output }),
            ),
        );
        let path = format!("/repos/o/r/check-runs/{}", run["id"]);
        // Back to in progress, or another conclusion: refused, nothing changed.
        for body in [
            json!({ "status": "in_progress", "output": output }),
            json!({ "conclusion": "failure", "output": output }),
            json!({ "status": "completed", "conclusion": "failure" }),
        ] {
            let (status, _, answer) = send(&fake, "PATCH", &path, Some(body.clone()));
            assert_eq!(status, 422, "{body} → {answer}");
            assert_eq!(answer["message"], "Validation Failed");
        }
        // The same state with another output: allowed.
        let (status, _, answer) = send(
            &fake,
            "PATCH",
            &path,
            Some(
                json!({ "status": "completed", "conclusion": "success", "output": { "title": "t2", "summary": "s2" } }),
            ),
        );
        assert_eq!(status, 200, "{answer}");
        let run = &fake.repo("o/r").unwrap().commits[0].check_runs[0];
        assert_eq!(
            (
                run.status.as_str(),
                run.conclusion.as_deref(),
                run.title.as_deref()
            ),
            ("completed", Some("success"), Some("t2"))
        );
        // In progress → completed is the way forward.
        let (_, _, open) = send(
            &fake,
            "POST",
            "/repos/o/r/check-runs",
            Some(
                json!({ "name": "shipgate", "head_sha": sha, "status": "in_progress", "output": output }),
            ),
        );
        let (status, _, _) = send(
            &fake,
            "PATCH",
            &format!("/repos/o/r/check-runs/{}", open["id"]),
            Some(json!({ "conclusion": "failure" })),
        );
        assert_eq!(status, 200);
        assert!(fake
            .requests("o/r")
            .iter()
            .all(|r| r.answered_at.is_some_and(|a| a >= r.received_at)));
    }

    #[test]
    fn faults_apply_to_the_next_n_matching_requests_only() {
        let fake = FakeGithub::start();
        fake.load(repo());
        fake.inject(Fault::status("GET", "/repos/o/r/deployments", 503, 2));
        let statuses: Vec<u16> = (0..3)
            .map(|_| send(&fake, "GET", "/repos/o/r/deployments", None).0)
            .collect();
        assert_eq!(statuses, vec![503, 503, 200]);
        // Another method or path is not touched.
        fake.inject(Fault::status("POST", "/repos/o/r/deployments", 500, 1));
        assert_eq!(send(&fake, "GET", "/repos/o/r/deployments", None).0, 200);
        let (status, _, body) = send(&fake, "POST", "/repos/o/r/deployments", Some(json!({})));
        assert_eq!(status, 500);
        assert_eq!(body["message"], "Server Error");
        assert!(body["documentation_url"].is_string());
        let log = fake.requests("o/r");
        assert_eq!(log.iter().filter(|r| r.faulted).count(), 3);
        // A GraphQL fault for one operation leaves the others alone.
        fake.inject(
            Fault::kind(
                "POST",
                "/graphql",
                FaultKind::GraphqlErrors("more".into()),
                1,
            )
            .for_operation("PullRequestMore"),
        );
        assert!(facts(&fake).get("errors").is_none());
        fake.inject(
            Fault::kind(
                "POST",
                "/graphql",
                FaultKind::GraphqlErrors("facts".into()),
                1,
            )
            .for_operation("PullRequestFacts"),
        );
        assert_eq!(facts(&fake)["errors"][0]["message"], "facts");
    }

    #[test]
    fn truncated_and_graphql_error_faults_have_their_shapes() {
        let fake = FakeGithub::start();
        fake.load(repo());
        fake.inject(Fault::kind(
            "GET",
            "/repos/o/r/releases",
            FaultKind::Truncate,
            1,
        ));
        let (status, _, body) = send(&fake, "GET", "/repos/o/r/releases", None);
        assert_eq!(status, 200);
        assert_eq!(body, Value::Null, "not valid JSON any more");
        fake.inject(Fault::kind(
            "POST",
            "/graphql",
            FaultKind::GraphqlErrors("boom".into()),
            1,
        ));
        let answer = facts(&fake);
        assert_eq!(answer["errors"][0]["message"], "boom");
        assert_eq!(answer["data"]["repository"]["pullRequest"], Value::Null);
        assert!(
            answer["data"]["repository"]["refs"].is_object(),
            "partial data"
        );
    }

    #[test]
    fn links_use_the_public_base_and_keep_the_query() {
        let fake = FakeGithub::start();
        fake.set_public_base("http://prism.example:4010/");
        let mut repo = repo();
        for i in 0..5 {
            repo.deployments.push(state::Deployment {
                sha: "a".repeat(40),
                environment: format!("env{}", i % 2),
                ..state::Deployment::default()
            });
        }
        fake.load(repo);
        let (_, link, body) = send(&fake, "GET", "/repos/o/r/deployments?per_page=2", None);
        assert_eq!(body.as_array().unwrap().len(), 2);
        let link = link.unwrap();
        assert!(
            link.contains(
                "<http://prism.example:4010/repos/o/r/deployments?per_page=2&page=2>; rel=\"next\""
            ),
            "{link}"
        );
        assert!(link.contains("page=3>; rel=\"last\""), "{link}");
        let (_, link, body) = send(
            &fake,
            "GET",
            "/repos/o/r/deployments?environment=env0&per_page=2&page=2",
            None,
        );
        assert_eq!(body.as_array().unwrap().len(), 1);
        assert!(link.unwrap().contains("rel=\"prev\""));
    }

    #[test]
    fn a_holding_refusal_lasts_until_its_retry_after_has_passed() {
        let fake = FakeGithub::start();
        fake.load(repo());
        fake.inject(Fault::secondary_rate_limit("GET", "/repos/o/r/releases", 1, 1).holding());
        // Within the second: refused again, without using the fault up.
        assert_eq!(send(&fake, "GET", "/repos/o/r/releases", None).0, 403);
        assert_eq!(send(&fake, "GET", "/repos/o/r/releases", None).0, 403);
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(send(&fake, "GET", "/repos/o/r/releases", None).0, 200);
        let faulted: Vec<bool> = fake.requests("o/r").iter().map(|r| r.faulted).collect();
        assert_eq!(faulted, [true, true, false]);
    }

    #[test]
    fn a_lost_answer_still_changes_the_state() {
        let fake = FakeGithub::start();
        fake.load(repo());
        fake.inject(Fault::kind(
            "POST",
            "/repos/o/r/issues/1/comments",
            FaultKind::LostAnswer(502),
            1,
        ));
        let (status, _, body) = send(
            &fake,
            "POST",
            "/repos/o/r/issues/1/comments",
            Some(json!({ "body": "hello" })),
        );
        assert_eq!(status, 502);
        assert_eq!(body["message"], "Server Error");
        assert_eq!(fake.repo("o/r").unwrap().comments.len(), 1, "it landed");
    }

    #[test]
    fn a_rate_limit_names_its_reset_and_holds_until_then() {
        let fake = FakeGithub::start();
        fake.load(repo());
        fake.inject(
            Fault::kind(
                "POST",
                "/graphql",
                FaultKind::RateLimited {
                    reset_after: Duration::from_secs(3600),
                },
                1,
            )
            .for_repo("o/r"),
        );
        for _ in 0..2 {
            let answer = facts(&fake);
            assert_eq!(answer["errors"][0]["type"], "RATE_LIMITED");
        }
        let logged = fake.requests("o/r");
        assert!(logged.iter().all(|r| r.faulted));
        // Over REST: a 403 with the primary limit's headers.
        fake.inject(Fault::kind(
            "GET",
            "/repos/o/r/releases",
            FaultKind::RateLimited {
                reset_after: Duration::from_secs(3600),
            },
            1,
        ));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let response = runtime
            .block_on(reqwest::get(format!("{}/repos/o/r/releases", fake.url())))
            .unwrap();
        assert_eq!(response.status().as_u16(), 403);
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
        assert_eq!(header("x-ratelimit-remaining"), "0");
        let reset: i64 = header("x-ratelimit-reset").parse().unwrap();
        let now = chrono::Utc::now().timestamp();
        assert!((now + 3590..=now + 3601).contains(&reset), "{reset}");
    }

    #[test]
    fn ghes_paths_are_served_and_headers_logged() {
        let fake = FakeGithub::start();
        fake.load(repo());
        let (status, _, _) = send(&fake, "GET", "/api/v3/repos/o/r/releases", None);
        assert_eq!(status, 200);
        let (status, _, _) = send(
            &fake,
            "POST",
            "/api/v3/repos/o/r/actions/workflows/rollback.yml/dispatches",
            Some(json!({ "ref": "main", "inputs": { "sha": "abc" } })),
        );
        assert_eq!(status, 204);
        let state = fake.repo("o/r").unwrap();
        assert_eq!(state.dispatches[0].workflow, "rollback.yml");
        assert_eq!(state.dispatches[0].inputs["sha"], "abc");
        let logged = fake.requests("o/r");
        assert_eq!(logged[0].path, "/api/v3/repos/o/r/releases");
        assert!(logged[1].header("Content-Type").is_some());
    }
}
