//! The Prometheus HTTP API as a metric source: `query` (live) and `query_range` (replay).
//!
//! Every result type is read (`vector`, `matrix`, `scalar`, `string`), values keep Prometheus's
//! spellings (`"NaN"`, `"+Inf"`, `"-Inf"`), `warnings` are passed on, the error envelope
//! (`status: error`, `errorType`, `error`) becomes a [`SourceError::Api`], and a non-JSON answer
//! (an HTML 502 from a proxy) a [`SourceError::Http`]. A metric query must return exactly one
//! series: several are an error, never a healthy sample.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::Deserialize;

use super::health::{describe_error, redact};

/// A failure of the metric source.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The request could not be sent or answered (refused, timeout, TLS).
    #[error("cannot reach Prometheus at {url}: {message}")]
    Unreachable {
        /// The endpoint (credentials removed).
        url: String,
        /// What went wrong.
        message: String,
    },
    /// An answer that is not Prometheus JSON, e.g. an HTML error page from a proxy.
    #[error(
        "Prometheus at {url} answered HTTP {status} without a Prometheus JSON body: {snippet}"
    )]
    Http {
        /// The endpoint (credentials removed).
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body, on one line.
        snippet: String,
    },
    /// Prometheus's error envelope.
    #[error("Prometheus rejected the query ({error_type}, HTTP {status}): {error}")]
    Api {
        /// HTTP status.
        status: u16,
        /// `errorType`, e.g. `bad_data`, `execution`, `timeout`.
        error_type: String,
        /// `error`.
        error: String,
    },
    /// A JSON answer of an unexpected shape.
    #[error("unexpected answer from Prometheus: {0}")]
    Decode(String),
    /// More than one series where one was expected.
    #[error("the query returned {count} series ({labels}); a metric query must return exactly one — aggregate it, e.g. `sum(...)`")]
    SeveralSeries {
        /// How many.
        count: usize,
        /// The label sets of the first few.
        labels: String,
    },
    /// A value that is not a number.
    #[error("the query returned {0:?}, which is not a number")]
    NotANumber(String),
}

impl SourceError {
    /// Whether retrying cannot help (the query itself is wrong).
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Api { error_type, .. } if error_type == "bad_data")
            || matches!(self, Self::SeveralSeries { .. })
    }
}

/// An instant query's answer: one value (`NaN` kept), or none (an empty result).
#[derive(Debug, Clone, PartialEq)]
pub struct Instant {
    /// The value, `None` for an empty result.
    pub value: Option<f64>,
    /// Prometheus's `warnings`.
    pub warnings: Vec<String>,
}

/// A range query's answer: the points of the one series (empty for an empty result).
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// `(unix seconds, value)`, `NaN` kept.
    pub points: Vec<(f64, f64)>,
    /// Prometheus's `warnings`.
    pub warnings: Vec<String>,
}

/// A Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    client: reqwest::Client,
    base: Url,
    timeout: StdDuration,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    status: String,
    data: Option<Data>,
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct SeriesJson {
    #[serde(default)]
    metric: serde_json::Map<String, serde_json::Value>,
    value: Option<(f64, String)>,
    values: Option<Vec<(f64, String)>>,
}

/// Reads a Prometheus sample value: a decimal, `NaN`, `+Inf`, `-Inf`.
pub fn parse_value(text: &str) -> Result<f64, SourceError> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        other => other
            .parse::<f64>()
            .map_err(|_| SourceError::NotANumber(other.to_string())),
    }
}

impl Prometheus {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:9090`, a path prefix allowed).
    pub fn new(base: &str, timeout: StdDuration) -> Result<Self, String> {
        let mut base = Url::parse(base.trim()).map_err(|e| {
            format!(
                "invalid URL {:?}: {e}",
                shipgate_core::redact::url(base.trim())
            )
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(format!("{}: not an HTTP(S) URL", redact(&base)));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            base,
            timeout,
        })
    }

    /// `GET /api/v1/query?query=…&time=…`: the value of `expr` at `at`.
    pub async fn query(&self, expr: &str, at: DateTime<Utc>) -> Result<Instant, SourceError> {
        let time = unix(at);
        let (data, warnings) = self
            .call("api/v1/query", &[("query", expr), ("time", &time)])
            .await?;
        let value = match data.result_type.as_str() {
            "scalar" | "string" => Some(point(&data.result)?.1),
            "vector" => {
                let series = one_series(&data.result)?;
                match series {
                    None => None,
                    Some(s) => match s.value {
                        Some((_, v)) => Some(parse_value(&v)?),
                        None => {
                            return Err(SourceError::Decode(
                                "a vector sample without a `value` (a native histogram?)".into(),
                            ))
                        }
                    },
                }
            }
            "matrix" => {
                return Err(SourceError::Decode(
                    "the query returned a range vector (matrix); drop the `[range]` or wrap it in a function such as `rate(...)`".into(),
                ))
            }
            other => return Err(SourceError::Decode(format!("unknown resultType `{other}`"))),
        };
        Ok(Instant { value, warnings })
    }

    /// `GET /api/v1/query_range`: the values of `expr` at `start`, `start + step`, … `end`.
    pub async fn query_range(
        &self,
        expr: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: StdDuration,
    ) -> Result<Range, SourceError> {
        let (start, end, step) = (unix(start), unix(end), format!("{}", step.as_secs()));
        let (data, warnings) = self
            .call(
                "api/v1/query_range",
                &[
                    ("query", expr),
                    ("start", &start),
                    ("end", &end),
                    ("step", &step),
                ],
            )
            .await?;
        let points = match data.result_type.as_str() {
            "matrix" => match one_series(&data.result)? {
                None => Vec::new(),
                Some(series) => series
                    .values
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(t, v)| Ok((t, parse_value(&v)?)))
                    .collect::<Result<_, SourceError>>()?,
            },
            // Prometheus answers ranges with matrices; a proxy or another implementation may not.
            "scalar" | "string" => vec![point(&data.result)?],
            "vector" => {
                return Err(SourceError::Decode(
                    "query_range answered with a vector instead of a matrix".into(),
                ))
            }
            other => return Err(SourceError::Decode(format!("unknown resultType `{other}`"))),
        };
        Ok(Range { points, warnings })
    }

    async fn call(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<(Data, Vec<String>), SourceError> {
        let url = self
            .base
            .join(endpoint)
            .map_err(|e| SourceError::Decode(e.to_string()))?;
        let shown = redact(&url);
        // POST with a form: long queries do not hit URL length limits.
        let response = self.client.post(url).form(form).send().await.map_err(|e| {
            SourceError::Unreachable {
                url: shown.clone(),
                message: describe_error(&e, self.timeout),
            }
        })?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| SourceError::Unreachable {
                url: shown.clone(),
                message: describe_error(&e, self.timeout),
            })?;
        let envelope: Envelope = match serde_json::from_slice(&body) {
            Ok(e) => e,
            Err(e) => {
                return Err(if (200..300).contains(&status) {
                    SourceError::Decode(format!("{e}: {}", snippet(&body)))
                } else {
                    SourceError::Http {
                        url: shown,
                        status,
                        snippet: snippet(&body),
                    }
                })
            }
        };
        if envelope.status != "success" {
            return Err(SourceError::Api {
                status,
                error_type: envelope.error_type.unwrap_or_else(|| "unknown".into()),
                error: envelope.error.unwrap_or_else(|| "(no message)".into()),
            });
        }
        if !(200..300).contains(&status) {
            return Err(SourceError::Http {
                url: shown,
                status,
                snippet: snippet(&body),
            });
        }
        let data = envelope
            .data
            .ok_or_else(|| SourceError::Decode("`status: success` without `data`".into()))?;
        Ok((data, envelope.warnings))
    }
}

/// Unix seconds, as Prometheus takes them.
fn unix(at: DateTime<Utc>) -> String {
    let millis = at.timestamp_millis();
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{:.3}", millis as f64 / 1000.0)
    }
}

/// A `[time, "value"]` pair (scalar and string results).
fn point(result: &serde_json::Value) -> Result<(f64, f64), SourceError> {
    let (t, v): (f64, String) = serde_json::from_value(result.clone()).map_err(|e| {
        SourceError::Decode(format!("a scalar result is not [time, \"value\"]: {e}"))
    })?;
    Ok((t, parse_value(&v)?))
}

/// The single series of a vector or matrix; `None` when empty; several are an error.
fn one_series(result: &serde_json::Value) -> Result<Option<SeriesJson>, SourceError> {
    let mut series: Vec<SeriesJson> = serde_json::from_value(result.clone())
        .map_err(|e| SourceError::Decode(format!("unexpected series list: {e}")))?;
    match series.len() {
        0 => Ok(None),
        1 => Ok(series.pop()),
        count => {
            let labels = series
                .iter()
                .take(3)
                .map(|s| {
                    let inner = s
                        .metric
                        .iter()
                        .map(|(k, v)| {
                            format!(
                                "{k}={}",
                                v.as_str()
                                    .map_or_else(|| v.to_string(), |s| format!("{s:?}"))
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("{{{inner}}}")
                })
                .collect::<Vec<_>>()
                .join(" ");
            let more = if count > 3 { " …" } else { "" };
            Err(SourceError::SeveralSeries {
                count,
                labels: format!("{labels}{more}"),
            })
        }
    }
}

/// The start of a body on one line, at most 200 characters.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty body)".to_string();
    }
    let mut cut: String = flat.chars().take(200).collect();
    if flat.chars().count() > 200 {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
    }

    async fn answer(status: u16, body: &str, content_type: &str) -> (MockServer, Prometheus) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
            )
            .mount(&server)
            .await;
        let prom = Prometheus::new(&server.uri(), StdDuration::from_secs(5)).unwrap();
        (server, prom)
    }

    async fn instant(body: &str) -> Result<Instant, SourceError> {
        let (_server, prom) = answer(200, body, "application/json").await;
        prom.query("up", at()).await
    }

    #[tokio::test]
    async fn reads_every_instant_result_type() {
        let v = instant(r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.07"]}]}}"#).await.unwrap();
        assert_eq!(v.value, Some(0.07));
        let v = instant(
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"2.5"]}}"#,
        )
        .await
        .unwrap();
        assert_eq!(v.value, Some(2.5));
        let v = instant(
            r#"{"status":"success","data":{"resultType":"string","result":[1700000000,"3"]}}"#,
        )
        .await
        .unwrap();
        assert_eq!(v.value, Some(3.0));
        let e = instant(
            r#"{"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}}"#,
        )
        .await
        .unwrap_err();
        assert_eq!(e, SourceError::NotANumber("hello".into()));
        let v = instant(r#"{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["PromQL info: x"]}"#).await.unwrap();
        assert_eq!(
            v,
            Instant {
                value: None,
                warnings: vec!["PromQL info: x".into()]
            }
        );
        let e = instant(r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("range vector"), "{e}");
    }

    #[tokio::test]
    async fn keeps_prometheus_special_values() {
        for (text, check) in [
            ("NaN", f64::is_nan as fn(f64) -> bool),
            ("+Inf", |v: f64| v == f64::INFINITY),
            ("-Inf", |v: f64| v == f64::NEG_INFINITY),
        ] {
            let body = format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1,"{text}"]}}]}}}}"#
            );
            let v = instant(&body).await.unwrap();
            assert!(check(v.value.unwrap()), "{text}");
        }
    }

    #[tokio::test]
    async fn several_series_are_an_error() {
        let e = instant(r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"case":"a"},"value":[1,"1"]},{"metric":{"case":"b"},"value":[1,"2"]}]}}"#).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "the query returned 2 series ({case=\"a\"} {case=\"b\"}); a metric query must return exactly one — aggregate it, e.g. `sum(...)`"
        );
        assert!(e.is_permanent());
    }

    #[tokio::test]
    async fn the_error_envelope_and_proxy_pages() {
        let (_s, prom) = answer(400, r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}"#, "application/json").await;
        let e = prom.query("sum(", at()).await.unwrap_err();
        assert_eq!(e.to_string(), "Prometheus rejected the query (bad_data, HTTP 400): 1:5: parse error: unclosed left parenthesis");
        assert!(e.is_permanent());
        let (_s, prom) = answer(
            502,
            "<html>\n<body><h1>502 Bad Gateway</h1></body>\n</html>",
            "text/html",
        )
        .await;
        let e = prom.query("up", at()).await.unwrap_err();
        assert!(matches!(e, SourceError::Http { status: 502, .. }), "{e:?}");
        assert!(
            e.to_string()
                .ends_with("<html> <body><h1>502 Bad Gateway</h1></body> </html>"),
            "{e}"
        );
        assert!(!e.is_permanent());
        let (_s, prom) = answer(200, "not json", "text/plain").await;
        assert!(matches!(
            prom.query("up", at()).await,
            Err(SourceError::Decode(_))
        ));
    }

    #[tokio::test]
    async fn unreachable_server() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let prom = Prometheus::new(
            &format!("http://127.0.0.1:{port}"),
            StdDuration::from_secs(2),
        )
        .unwrap();
        let e = prom.query("up", at()).await.unwrap_err();
        assert!(matches!(e, SourceError::Unreachable { .. }), "{e:?}");
        assert!(e.to_string().starts_with(&format!("cannot reach Prometheus at http://127.0.0.1:{port}/api/v1/query: connection failed")), "{e}");
    }

    #[tokio::test]
    async fn range_queries_send_the_window_and_read_matrices() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/prom/api/v1/query_range"))
            .and(body_string_contains("start=1795780800"))
            .and(body_string_contains("end=1795781400"))
            .and(body_string_contains("step=60"))
            .respond_with(ResponseTemplate::new(200).set_body_string(
                r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1795780800,"0.01"],[1795780920,"NaN"]]}]}}"#,
            ))
            .mount(&server)
            .await;
        let prom =
            Prometheus::new(&format!("{}/prom", server.uri()), StdDuration::from_secs(5)).unwrap();
        let range = prom
            .query_range(
                "x",
                at(),
                at() + chrono::TimeDelta::minutes(10),
                StdDuration::from_secs(60),
            )
            .await
            .unwrap();
        assert_eq!(range.points.len(), 2);
        assert_eq!(range.points[0], (1795780800.0, 0.01));
        assert!(range.points[1].1.is_nan());
    }
}
