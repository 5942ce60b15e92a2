//! A recording pass-through proxy: forwards every request unchanged to an upstream (Prism) and
//! records what came back, so a test can assert on exactly what the client saw — in particular
//! Prism's contract violations (`application/problem+json` answers for requests the spec
//! rejects, `sl-violations` headers and 500s for answers that break it).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

/// What one exchange through the tap looked like.
#[derive(Debug, Clone, PartialEq)]
pub struct TapRecord {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The repository concerned (`owner/name`), when the path names one.
    pub repo: Option<String>,
    /// The status the client got.
    pub status: u16,
    /// The `content-type` the client got.
    pub content_type: String,
    /// The `sl-violations` header, when present.
    pub violations_header: Option<String>,
    /// The body the client got, when it is Prism's own problem report.
    pub problem: Option<String>,
}

impl TapRecord {
    /// Prism's contract complaints in this exchange: a problem report (request rejected, or
    /// answer broke the spec), or `sl-violations` entries other than the warning about a status
    /// the spec does not list (which injected faults such as 503 or 429 cause on purpose).
    pub fn violations(&self) -> Vec<String> {
        let mut found = Vec::new();
        if let Some(problem) = &self.problem {
            found.push(format!("Prism answered {}: {problem}", self.status));
        }
        // Prism repeats a problem report's entries in the header: one is enough.
        if let (None, Some(header)) = (&self.problem, &self.violations_header) {
            let entries: Vec<serde_json::Value> =
                serde_json::from_str(header).unwrap_or_else(|_| vec![header.as_str().into()]);
            for entry in entries {
                let message = entry
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default();
                if message.starts_with("Unable to match the returned status code") {
                    continue;
                }
                found.push(format!("sl-violations: {entry}"));
            }
        }
        found
    }
}

/// A running tap (for the life of the process).
#[derive(Debug, Clone)]
pub struct Tap {
    addr: SocketAddr,
    records: Arc<Mutex<Vec<TapRecord>>>,
}

impl Tap {
    /// Starts a tap on `127.0.0.1` at a random port, forwarding to `upstream`
    /// (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let records = Arc::new(Mutex::new(Vec::new()));
        let shared = records.clone();
        let upstream = upstream.trim_end_matches('/').to_string();
        std::thread::Builder::new()
            .name("fake-github-tap".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                runtime.block_on(serve(listener, upstream, shared));
            })
            .expect("spawn the tap's thread");
        Self { addr, records }
    }

    /// The tap's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The exchanges about one repository (`owner/name`).
    pub fn records(&self, full_name: &str) -> Vec<TapRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|r| r.repo.as_deref() == Some(full_name))
            .cloned()
            .collect()
    }
}

async fn serve(
    listener: std::net::TcpListener,
    upstream: String,
    records: Arc<Mutex<Vec<TapRecord>>>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (client, upstream, records) = (client.clone(), upstream.clone(), records.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let (client, upstream, records) =
                    (client.clone(), upstream.clone(), records.clone());
                async move { Ok::<_, Infallible>(forward(request, &client, &upstream, &records).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn forward(
    request: Request<Incoming>,
    client: &reqwest::Client,
    upstream: &str,
    records: &Mutex<Vec<TapRecord>>,
) -> Response<Full<Bytes>> {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let headers = request.headers().clone();
    let body = request
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let mut outgoing = client.request(method.clone(), format!("{upstream}{path}"));
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    let result = outgoing.body(body).send().await;
    let response = match result {
        Ok(response) => response,
        Err(e) => {
            return Response::builder()
                .status(502)
                .body(Full::new(Bytes::from(format!("tap: upstream failed: {e}"))))
                .expect("response");
        }
    };
    let status = response.status().as_u16();
    let response_headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap_or_default();
    let content_type = response_headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let record = TapRecord {
        method: method.to_string(),
        repo: crate::repo_of_path(path.split('?').next().unwrap_or_default()),
        path,
        status,
        violations_header: response_headers
            .get("sl-violations")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        problem: content_type
            .starts_with("application/problem+json")
            .then(|| String::from_utf8_lossy(&bytes).into_owned()),
        content_type,
    };
    records
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(record);
    let mut builder = Response::builder().status(status);
    for (name, value) in &response_headers {
        // The body is re-framed here.
        if name != "transfer-encoding" && name != "content-length" && name != "connection" {
            builder = builder.header(name, value);
        }
    }
    builder
        .body(Full::new(bytes))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
