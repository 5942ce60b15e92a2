//! `shipgate verify`: health checks after a deploy, `curl -f` style, with retries over a bounded
//! wait for the deploy to come up (user documentation: `docs/verify.md`).
//!
//! Exit codes: 0 every URL healthy, 4 some URL unhealthy, 1 the check could not run, 2 bad input.

use std::fmt::Write as _;

use serde::Serialize;
use shipgate_core::watch::render::escape_markdown;
use shipgate_core::Duration;

use crate::exit;
use crate::inputs::Values;
use crate::outcome::Format;
use crate::outcome::{Failure, Outcome};
use crate::post_deploy::health::{self, Expect, Probe, UrlResult};
use crate::post_deploy::parse_duration;
use crate::toolkit::{Annotation, Level};

/// Arguments of `shipgate verify` (inputs: `crate::inputs`).
#[derive(Debug, Clone)]
pub struct VerifyArgs {
    /// The URLs that must answer 2xx.
    pub health_url: Vec<String>,
    /// Timeout of each request.
    pub timeout: String,
    /// How long to keep retrying for the deploy to come up.
    pub wait: String,
    /// Text the body must contain, or `json:PATH=VALUE`.
    pub expect: Option<String>,
    /// Allow plain-HTTP URLs on non-loopback hosts.
    pub allow_http: bool,
    /// Output format on stdout.
    pub format: Format,
}

impl VerifyArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        Ok(Self {
            health_url: values.list("health-urls"),
            timeout: values.text("timeout").unwrap_or_default().to_string(),
            wait: values.text("wait").unwrap_or_default().to_string(),
            expect: values.text("expect").map(str::to_string),
            allow_http: values.flag("allow-http")?,
            format: Format::from_values(values)?,
        })
    }
}

/// The `report` output of `verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// Whether every URL ended up.
    pub healthy: bool,
    /// The per-request timeout.
    pub timeout: Duration,
    /// The bound on waiting for the deploy to come up.
    pub wait: Duration,
    /// One entry per URL, in the order given.
    pub urls: Vec<UrlResult>,
}

/// Runs `shipgate verify`.
pub async fn run(args: VerifyArgs) -> Result<Outcome, Failure> {
    let timeout = parse_duration("timeout", &args.timeout)?;
    if timeout.as_secs() == 0 {
        return Err(Failure::usage("`timeout` must be at least 1s"));
    }
    let wait = parse_duration("wait", &args.wait)?;
    let targets = health::parse_targets(&args.health_url, args.allow_http)
        .map_err(|e| Failure::usage(e.to_string()))?;
    if targets.is_empty() {
        return Err(Failure::usage(
            "no health URL: give `health-urls` (`--health-url URL`, repeatable)",
        ));
    }
    let expect = match args.expect.as_deref().filter(|e| !e.is_empty()) {
        Some(text) => Some(Expect::parse(text).map_err(|e| Failure::usage(e.to_string()))?),
        None => None,
    };
    let probe = Probe::new(timeout.to_std(), expect, args.allow_http)
        .map_err(|e| Failure::error(e.to_string()))?;
    let urls = health::verify(&probe, &targets, wait.to_std()).await;
    let report = VerifyReport {
        healthy: urls.iter().all(|u| u.up),
        timeout,
        wait,
        urls,
    };
    Ok(outcome(&report, args.format))
}

/// The outcome of a finished verification (pure: stdout, outputs, summary, annotations).
pub fn outcome(report: &VerifyReport, format: Format) -> Outcome {
    let json = serde_json::to_string(report).unwrap_or_default();
    let summary = markdown(report);
    let stdout = match format {
        Format::Text => text(report),
        Format::Markdown => summary.clone(),
        Format::Json => {
            let mut pretty = serde_json::to_string_pretty(report).unwrap_or_default();
            pretty.push('\n');
            pretty
        }
    };
    let annotations = report
        .urls
        .iter()
        .filter(|u| !u.up)
        .map(|u| {
            Annotation::new(
                Level::Error,
                format!(
                    "health check failed: {} — {} after {} attempt(s)",
                    u.url,
                    u.error.as_deref().unwrap_or("down"),
                    u.attempts
                ),
            )
        })
        .collect();
    Outcome {
        exit: if report.healthy { exit::OK } else { exit::FAIL },
        stdout,
        outputs: vec![
            ("healthy".to_string(), report.healthy.to_string()),
            ("report".to_string(), json),
        ],
        summary: Some(summary),
        annotations,
    }
}

fn attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".to_string()
    } else {
        format!("{n} attempts")
    }
}

/// The job-summary Markdown: a result table.
pub fn markdown(report: &VerifyReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## {} shipgate verify: {}\n",
        if report.healthy { "✅" } else { "❌" },
        if report.healthy {
            "healthy"
        } else {
            "unhealthy"
        }
    );
    md.push_str("| URL | Result | Status | Time | Attempts |\n|---|---|---|---|---|\n");
    for url in &report.urls {
        let result = if url.up {
            "up".to_string()
        } else {
            format!(
                "**down**: {}",
                escape_markdown(url.error.as_deref().unwrap_or("down"))
            )
        };
        let _ = writeln!(
            md,
            "| {} | {result} | {} | {} ms | {} |",
            escape_markdown(&url.url),
            url.status
                .map_or_else(|| "—".to_string(), |s| s.to_string()),
            url.time_ms,
            url.attempts
        );
    }
    let _ = writeln!(
        md,
        "\nUp means a 2xx answer after redirects. Retried for up to {} for the deploy to come up; each request timed out after {}.",
        report.wait,
        report.timeout
    );
    md
}

/// Plain text for the terminal.
pub fn text(report: &VerifyReport) -> String {
    let mut out = format!(
        "shipgate verify: {}\n",
        if report.healthy {
            "healthy"
        } else {
            "unhealthy"
        }
    );
    for url in &report.urls {
        let _ = writeln!(
            out,
            "  {:<4}  {:>3}  {:>6} ms  {:<11}  {}{}",
            if url.up { "up" } else { "down" },
            url.status
                .map_or_else(|| "-".to_string(), |s| s.to_string()),
            url.time_ms,
            attempts(url.attempts),
            url.url,
            url.error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VerifyReport {
        VerifyReport {
            healthy: false,
            timeout: Duration::from_secs(10),
            wait: Duration::from_mins(5),
            urls: vec![
                UrlResult {
                    url: "https://api.example.com/health".into(),
                    up: true,
                    status: Some(200),
                    time_ms: 42,
                    attempts: 1,
                    error: None,
                },
                UrlResult {
                    url: "https://www.example.com/".into(),
                    up: false,
                    status: Some(503),
                    time_ms: 7,
                    attempts: 6,
                    error: Some("HTTP 503".into()),
                },
                UrlResult {
                    url: "http://127.0.0.1:9/|x".into(),
                    up: false,
                    status: None,
                    time_ms: 0,
                    attempts: 6,
                    error: Some("connection failed: Connection refused (os error 111)".into()),
                },
            ],
        }
    }

    #[test]
    fn summary_table() {
        insta::assert_snapshot!(markdown(&sample()));
        insta::assert_snapshot!("verify_text", text(&sample()));
    }

    #[test]
    fn outcome_outputs_and_exit() {
        let out = outcome(&sample(), Format::Json);
        assert_eq!(out.exit, exit::FAIL);
        assert_eq!(out.outputs[0], ("healthy".into(), "false".into()));
        let report: serde_json::Value = serde_json::from_str(&out.outputs[1].1).unwrap();
        assert_eq!(report["urls"][1]["status"], 503);
        assert_eq!(report["wait"], "5m");
        assert_eq!(out.annotations.len(), 2);
        assert_eq!(
            out.annotations[0].message,
            "health check failed: https://www.example.com/ — HTTP 503 after 6 attempt(s)"
        );
        let mut healthy = sample();
        healthy.urls.truncate(1);
        healthy.healthy = true;
        assert_eq!(outcome(&healthy, Format::Text).exit, exit::OK);
    }
}
