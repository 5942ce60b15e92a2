//! `shipgate verify`: health checks after a deploy, `curl -f` style, with retries over a bounded
//! wait for the deploy to come up; optionally the security checklist on every URL
//! (`security-checks`) and the environment's configuration (`expect-env`, `require-env`), which
//! need no URL (user documentation: `docs/verify.md`).
//!
//! Each `health-urls` line may carry its own expectation (`URL json:status=ok`); while waiting,
//! one progress line per round goes to stderr (plain log lines in the Action). SIGINT or SIGTERM
//! ends the wait with the summary of what was seen.
//!
//! Exit codes: 0 everything holds, 4 some URL is down, a security check or an environment check
//! fails, 1 the check could not run, 2 bad input, 130/143 interrupted by SIGINT/SIGTERM.

use std::fmt::Write as _;

use serde::Serialize;
use shipgate_core::escape;
use shipgate_core::verify::env::{EnvCheck, EnvResult, EnvSpec, EnvSpecError};
use shipgate_core::verify::security::Status;
use shipgate_core::watch::render::escape_markdown;
use shipgate_core::Duration;

use crate::exit;
use crate::inputs::Values;
use crate::outcome::Format;
use crate::outcome::{Failure, Outcome};
use crate::post_deploy::health::{self, Probe, Round, Target, UrlResult};
use crate::post_deploy::interrupt::{Interrupt, Signal};
use crate::post_deploy::parse_duration;
use crate::post_deploy::security::SecurityProbe;
use crate::toolkit::{Annotation, Env, Level};

/// Arguments of `shipgate verify` (inputs: `crate::inputs`).
#[derive(Debug, Clone)]
pub struct VerifyArgs {
    /// The URLs that must answer 2xx, each with what its body must contain.
    pub targets: Vec<Target>,
    /// Allow plain-HTTP URLs on non-loopback hosts.
    pub allow_http: bool,
    /// Run the security checklist on every URL.
    pub security_checks: bool,
    /// `expect-env` and `require-env`.
    pub env: EnvSpec,
    /// Output format on stdout.
    pub format: Format,
    /// The inputs as given, to name them in messages as the user wrote them.
    pub values: Values,
}

impl VerifyArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let targets = health::targets_from(values)?;
        let security_checks = values.flag("security-checks")?;
        if security_checks && targets.is_empty() {
            return Err(values.invalid(
                "security-checks",
                &format!(
                    "there is no URL to check: give {} too",
                    values.label("health-urls")
                ),
            ));
        }
        let expect = values.list("expect-env");
        let require = values.list("require-env");
        let env = EnvSpec::parse(&expect, &require).map_err(|e| {
            let input = match e {
                EnvSpecError::Expect { .. } => "expect-env",
                EnvSpecError::Require { .. } => "require-env",
            };
            values.invalid(input, &e.to_string())
        })?;
        if targets.is_empty() && env.is_empty() {
            return Err(Failure::usage(format!(
                "no health URL and no environment check: give {}, {} or {}",
                values.label("health-urls"),
                values.label("expect-env"),
                values.label("require-env")
            )));
        }
        Ok(Self {
            targets,
            allow_http: values.flag("allow-http")?,
            security_checks,
            env,
            format: Format::from_values(values)?,
            values: values.clone(),
        })
    }
}

/// The `report` output of `verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// Whether everything holds: every URL ended up, no security check failed, every
    /// environment check holds.
    pub healthy: bool,
    /// The per-request timeout.
    pub timeout: Duration,
    /// The bound on waiting for the deploy to come up.
    pub wait: Duration,
    /// Whether the security checklist ran (`security-checks`).
    pub security_checks: bool,
    /// One entry per URL, in the order given.
    pub urls: Vec<UrlResult>,
    /// One entry per environment check: `expect-env` first, then `require-env`.
    pub env: Vec<EnvResult>,
    /// The signal that stopped the verification (`SIGINT`, `SIGTERM`), when one did: the
    /// results are what was seen until then, and the deploy is not verified.
    pub interrupted: Option<String>,
}

impl VerifyReport {
    /// The report of these results; `healthy` follows from them.
    pub fn new(
        timeout: Duration,
        wait: Duration,
        security_checks: bool,
        urls: Vec<UrlResult>,
        env: Vec<EnvResult>,
    ) -> Self {
        let healthy = urls.iter().all(|u| {
            u.up && u
                .security
                .as_ref()
                .is_none_or(|checks| checks.iter().all(|c| !c.failed()))
        }) && env.iter().all(|e| e.ok);
        Self {
            healthy,
            timeout,
            wait,
            security_checks,
            urls,
            env,
            interrupted: None,
        }
    }

    /// Records that `signal` stopped the verification: it is not healthy, whatever was seen,
    /// and a URL never requested says so.
    pub fn interrupt(&mut self, signal: Signal) {
        self.interrupted = Some(signal.name().to_string());
        self.healthy = false;
        for url in self.urls.iter_mut().filter(|u| u.attempts == 0) {
            url.error = Some(format!("not checked: interrupted by {}", signal.name()));
        }
    }
}

/// Runs `shipgate verify`.
pub async fn run(args: VerifyArgs) -> Result<Outcome, Failure> {
    run_in(args, &Env::from_process()).await
}

/// Runs `shipgate verify` with `env` as the step's environment.
pub async fn run_in(args: VerifyArgs, env: &Env) -> Result<Outcome, Failure> {
    let timeout = parse_duration(&args.values, "timeout")?;
    if timeout.as_secs() == 0 {
        return Err(args.values.invalid("timeout", "must be at least 1s"));
    }
    let wait = parse_duration(&args.values, "wait")?;
    let targets = &args.targets;
    let probe =
        Probe::new(timeout.to_std(), args.allow_http).map_err(|e| Failure::error(e.to_string()))?;
    let security = if args.security_checks {
        Some(SecurityProbe::new(timeout.to_std()).map_err(|e| Failure::error(e.to_string()))?)
    } else {
        None
    };
    // The environment first: it needs no network and holds or not at once.
    let env_results = args.env.check(|name| env.get(name));
    let mut urls = health::pending(targets);
    let mut stopped = None;
    if !targets.is_empty() {
        // Listening from before the first request: an interrupted wait still reports.
        let mut interrupt = Interrupt::listen()?;
        let checks = async {
            health::verify(&probe, targets, wait.to_std(), &mut urls, |round| {
                eprintln!("{}", progress(round, wait));
            })
            .await;
            if let Some(security) = &security {
                for (target, result) in targets.iter().zip(urls.iter_mut()) {
                    // A URL that is down already fails the verification; its checklist is not
                    // run.
                    if result.up {
                        result.security = Some(security.check(target).await);
                    }
                }
            }
        };
        stopped = tokio::select! {
            () = checks => None,
            signal = interrupt.recv() => Some(signal),
        };
    }
    let mut report = VerifyReport::new(timeout, wait, args.security_checks, urls, env_results);
    let Some(signal) = stopped else {
        return Ok(outcome(&report, args.format));
    };
    report.interrupt(signal);
    let mut outcome = outcome(&report, args.format);
    outcome.exit = signal.exit_code();
    Ok(outcome)
}

/// One progress line of the wait: which URLs are not up yet, why, and when the next attempt
/// comes (stderr on the command line, a plain log line in the Action).
pub fn progress(round: Round<'_>, wait: Duration) -> String {
    let down: Vec<String> = round
        .results
        .iter()
        .filter(|u| !u.up)
        .map(|u| {
            format!(
                "{} ({})",
                u.url,
                escape::plain(u.error.as_deref().unwrap_or("down"))
            )
        })
        .collect();
    let next = Duration::from_secs(round.next_in.as_secs_f64().ceil() as u64);
    format!(
        "verify: round {}: {} of {} not up yet: {}; next attempt in {next} (waiting up to {wait})",
        round.number,
        down.len(),
        round.results.len(),
        down.join(", "),
    )
}

/// The outcome of a finished verification (pure: stdout, outputs, summary, annotations).
pub fn outcome(report: &VerifyReport, format: Format) -> Outcome {
    let json = shipgate_core::render::document_line(report);
    let summary = markdown(report);
    let stdout = match format {
        Format::Text => text(report),
        Format::Markdown => summary.clone(),
        Format::Json => {
            let mut pretty = shipgate_core::render::document(report);
            pretty.push('\n');
            pretty
        }
    };
    let mut annotations: Vec<Annotation> = report
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
    for url in &report.urls {
        for check in url.security.iter().flatten().filter(|c| c.failed()) {
            annotations.push(Annotation::new(
                Level::Error,
                format!(
                    "security check failed: {} — {}: {}",
                    url.url,
                    check.check.name(),
                    check.detail
                ),
            ));
        }
    }
    for env in report.env.iter().filter(|e| !e.ok) {
        annotations.push(Annotation::new(
            Level::Error,
            format!("environment check failed: {}", env.describe()),
        ));
    }
    if let Some(signal) = &report.interrupted {
        annotations.push(Annotation::new(
            Level::Error,
            format!("verify interrupted by {signal}: the deploy is not verified"),
        ));
    }
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

/// The headline's verdict: `healthy`, `unhealthy` or `interrupted by SIGTERM`.
fn verdict(report: &VerifyReport) -> String {
    match &report.interrupted {
        Some(signal) => format!("interrupted by {signal}"),
        None if report.healthy => "healthy".to_string(),
        None => "unhealthy".to_string(),
    }
}

/// The job-summary Markdown: a result table.
pub fn markdown(report: &VerifyReport) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## {} shipgate verify: {}\n",
        if report.healthy { "✅" } else { "❌" },
        verdict(report)
    );
    if let Some(signal) = &report.interrupted {
        let _ = writeln!(
            md,
            "Stopped by {signal} before the verification ended: the results below are what was seen until then, and the deploy is **not verified**.\n"
        );
    }
    if !report.urls.is_empty() {
        url_table(&mut md, report);
    }
    if report.security_checks {
        security_table(&mut md, report);
    }
    if !report.env.is_empty() {
        env_table(&mut md, report);
    }
    md
}

fn url_table(md: &mut String, report: &VerifyReport) {
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
}

fn status_cell(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "**fail**",
        Status::Skipped => "skipped",
    }
}

fn security_table(md: &mut String, report: &VerifyReport) {
    md.push_str("\n### Security checks\n\n| URL | Check | Result | Detail |\n|---|---|---|---|\n");
    for url in &report.urls {
        let Some(checks) = &url.security else {
            let _ = writeln!(
                md,
                "| {} | — | not checked | the URL is down |",
                escape_markdown(&url.url)
            );
            continue;
        };
        for check in checks {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                escape_markdown(&url.url),
                check.check.name(),
                status_cell(check.result),
                escape::markdown(&check.detail)
            );
        }
    }
}

fn env_table(md: &mut String, report: &VerifyReport) {
    md.push_str("\n### Environment\n\n| Variable | Expected | Result |\n|---|---|---|\n");
    for env in &report.env {
        let expected = match (env.check, &env.expected) {
            (EnvCheck::Require, _) => "set, not blank".to_string(),
            (_, Some(value)) => escape::code(value).to_string(),
            (_, None) => "(not shown: a required name)".to_string(),
        };
        let expected = if expected.is_empty() {
            "(empty)".to_string()
        } else {
            expected
        };
        let _ = writeln!(
            md,
            "| {} | {expected} | {} {} |",
            escape::code(&env.name),
            if env.ok { "ok" } else { "**fail**" },
            env.actual
        );
    }
}

/// Plain text for the terminal.
pub fn text(report: &VerifyReport) -> String {
    let mut out = format!("shipgate verify: {}\n", verdict(report));
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
        for check in url.security.iter().flatten() {
            let _ = writeln!(
                out,
                "        {:<7}  {:<14}  {}",
                match check.result {
                    Status::Pass => "pass",
                    Status::Fail => "FAIL",
                    Status::Skipped => "skipped",
                },
                check.check.name(),
                escape::plain(&check.detail)
            );
        }
    }
    for env in &report.env {
        let _ = writeln!(
            out,
            "  {:<4}  env  {}",
            if env.ok { "ok" } else { "FAIL" },
            escape::plain(&env.describe())
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
                    security: None,
                },
                UrlResult {
                    url: "https://www.example.com/".into(),
                    up: false,
                    status: Some(503),
                    time_ms: 7,
                    attempts: 6,
                    error: Some("HTTP 503".into()),
                    security: None,
                },
                UrlResult {
                    url: "http://127.0.0.1:9/|x".into(),
                    up: false,
                    status: None,
                    time_ms: 0,
                    attempts: 6,
                    error: Some("connection failed: Connection refused (os error 111)".into()),
                    security: None,
                },
            ],
            security_checks: false,
            env: Vec::new(),
            interrupted: None,
        }
    }

    /// A healthy API whose checklist has findings, and an environment with a mismatch.
    fn with_findings() -> VerifyReport {
        use shipgate_core::verify::security::{judge, Answer, Transport};
        let answer = Ok(Answer::new(
            200,
            &[
                ("Strict-Transport-Security", "max-age=86400"),
                (
                    "Access-Control-Allow-Origin",
                    "https://shipgate-probe.invalid",
                ),
                ("Access-Control-Allow-Credentials", "true"),
                ("RateLimit-Policy", "100;w=60"),
            ],
        ));
        let plain = Ok(Answer::new(
            301,
            &[("Location", "https://api.example.com/health?token=s3cret")],
        ));
        let mut up = sample().urls.remove(0);
        up.security = Some(judge(Transport::Https, &answer, Some(&plain)));
        let mut down = sample().urls.remove(1);
        down.security = None;
        let spec = EnvSpec::parse(
            &["ENVIRONMENT=production".into(), "DEBUG=false".into()],
            &["DATABASE_URL, FRONTEND_URL".into()],
        )
        .unwrap();
        let env = Env::new()
            .with("ENVIRONMENT", "production")
            .with("DEBUG", "true")
            .with("DATABASE_URL", "postgres://app:hunter2@db/app");
        VerifyReport::new(
            Duration::from_secs(10),
            Duration::from_mins(5),
            true,
            vec![up, down],
            spec.check(|name| env.get(name)),
        )
    }

    #[test]
    fn summary_with_security_and_environment() {
        let report = with_findings();
        assert!(!report.healthy);
        let md = markdown(&report);
        let txt = text(&report);
        let out = outcome(&report, Format::Json);
        let json = &out.outputs[1].1;
        for shown in [&md, &txt, json] {
            assert!(
                !shown.contains("hunter2") && !shown.contains("s3cret"),
                "{shown}"
            );
        }
        insta::assert_snapshot!("verify_findings_markdown", md);
        insta::assert_snapshot!("verify_findings_text", txt);
        let messages: Vec<&str> = out.annotations.iter().map(|a| a.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "health check failed: https://www.example.com/ — HTTP 503 after 6 attempt(s)",
                "security check failed: https://api.example.com/health — hsts: max-age=86400 (1 day) is below 180 days (15552000 s)",
                "security check failed: https://api.example.com/health — cors: Access-Control-Allow-Origin echoes the foreign origin https://shipgate-probe.invalid",
                "environment check failed: DEBUG should be \"false\": (set, differs)",
                "environment check failed: FRONTEND_URL must be set: (unset)",
            ]
        );
        assert_eq!(out.exit, exit::FAIL);
        let report: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(report["security_checks"], true);
        assert_eq!(report["urls"][0]["security"][1]["check"], "hsts");
        assert_eq!(report["urls"][0]["security"][1]["result"], "fail");
        assert_eq!(report["urls"][1]["security"], serde_json::Value::Null);
        assert_eq!(report["env"][1]["actual"], "(set, differs)");
        assert_eq!(report["env"][2]["expected"], serde_json::Value::Null);
    }

    fn values(list: &[&str]) -> Result<VerifyArgs, Failure> {
        use crate::inputs::{command, Cmd};
        let matches = command(Cmd::Verify)
            .try_get_matches_from(std::iter::once("verify").chain(list.iter().copied()))
            .unwrap();
        VerifyArgs::from_values(&Values::from_cli(Cmd::Verify, &matches))
    }

    #[test]
    fn bad_environment_checks_name_their_input() {
        let err = values(&["--expect-env", "DEBUG false"]).unwrap_err();
        assert_eq!(err.exit, exit::USAGE);
        assert_eq!(
            err.message,
            "invalid value for --expect-env: line 1: expected `NAME=VALUE`, e.g. `ENVIRONMENT=production`"
        );
        let err = values(&["--require-env", "DATABASE-URL"]).unwrap_err();
        assert!(
            err.message
                .starts_with("invalid value for --require-env: line 1: \"DATABASE-URL\""),
            "{}",
            err.message
        );
        let err = values(&["--security-checks", "--require-env", "A"]).unwrap_err();
        assert_eq!(
            err.message,
            "invalid value for --security-checks: there is no URL to check: give --health-url too"
        );
    }

    #[tokio::test]
    async fn environment_checks_alone_need_no_url() {
        let args = values(&[
            "--expect-env",
            "ENVIRONMENT=production",
            "--require-env",
            "DATABASE_URL",
            "--format",
            "json",
        ])
        .unwrap();
        let env = Env::new()
            .with("ENVIRONMENT", "production")
            .with("DATABASE_URL", "postgres://app:hunter2@db/app");
        let out = run_in(args.clone(), &env).await.unwrap();
        assert_eq!(out.exit, exit::OK, "{}", out.stdout);
        assert!(!out.stdout.contains("hunter2"));
        let out = run_in(args, &Env::new().with("ENVIRONMENT", "staging"))
            .await
            .unwrap();
        assert_eq!(out.exit, exit::FAIL);
        assert!(!out.stdout.contains("staging"), "{}", out.stdout);
        let err = values(&[]).unwrap_err();
        assert_eq!(
            err.message,
            "no health URL and no environment check: give --health-url, --expect-env or --require-env"
        );
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
