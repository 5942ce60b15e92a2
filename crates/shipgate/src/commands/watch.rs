//! `shipgate watch`: watches a production deploy against rollback triggers, live or as a replay
//! of stored history, and rolls back when a rollback rule fires (user documentation:
//! `docs/watch.md`, rule grammar: `docs/rules.md`).
//!
//! A live watch stops early when a metric source failed several samples in a row (core's
//! `MAX_SOURCE_ERRORS_IN_A_ROW`), and on SIGINT or SIGTERM, reporting what it saw either way.
//!
//! Exit codes: 0 no rollback, 5 a rollback rule fired, 1 the watch could not see its metrics
//! (or a source failed), 2 bad input (a rule that cannot fire in the window included), 130/143
//! interrupted by SIGINT/SIGTERM before a rollback decision.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{DateTime, SubsecRound, Utc};
use shipgate_core::watch::{
    self, render, samples_in, HealthSource, Level as RuleLevel, Plan, Report, Sample, Unfireable,
    Watch, WatchResult,
};
use shipgate_core::Duration;

use crate::exit;
use crate::inputs::Values;
use crate::outcome::Format;
use crate::outcome::{Failure, Outcome};
use crate::post_deploy::health::{self, Probe, Target};
use crate::post_deploy::interrupt::{Interrupt, Signal};
use crate::post_deploy::notify::{Notifier, NotifyFailure, Webhook};
use crate::post_deploy::parse_duration;
use crate::post_deploy::prometheus::Prometheus;
use crate::post_deploy::rollback::{self, Decision, DeploymentRef, Rollback};
use crate::runner::env_var as env;
use crate::toolkit::{Annotation, Level};

/// Prometheus refuses ranges of more points than this per series.
const MAX_RANGE_POINTS: u64 = 11_000;

/// Arguments of `shipgate watch` (inputs: `crate::inputs`).
#[derive(Debug, Clone)]
pub struct WatchArgs {
    /// Base URL of the Prometheus HTTP API.
    pub prometheus_url: Option<String>,
    /// Metrics as `NAME = PromQL query`.
    pub metric: Vec<String>,
    /// Rules; none means the flow's triggers and alerts.
    pub rule: Vec<String>,
    /// URLs probed as `health` at every sample, each with what its body must contain.
    pub targets: Vec<Target>,
    /// Replay from this time instead of watching live.
    pub since: Option<String>,
    /// End of the replay.
    pub until: Option<String>,
    /// Allow plain-HTTP health and webhook URLs on non-loopback hosts.
    pub allow_http: bool,
    /// URL to POST the rollback to.
    pub rollback_webhook: Option<String>,
    /// Workflow file to dispatch as the rollback.
    pub rollback_workflow: Option<String>,
    /// Ref to run the rollback workflow on.
    pub rollback_ref: Option<String>,
    /// The deployment environment.
    pub environment: String,
    /// The GitHub deployment to mark `failure`.
    pub deployment_id: Option<String>,
    /// The deployed commit.
    pub sha: Option<String>,
    /// The deployed version.
    pub version: Option<String>,
    /// `owner/name`.
    pub repo: Option<String>,
    /// Where to tell the team about a rollback.
    pub notify: Option<Webhook>,
    /// Output format on stdout.
    pub format: Format,
    /// The inputs as given, to name them in messages as the user wrote them.
    pub values: Values,
}

impl WatchArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let text = |name: &str| values.text(name).map(str::to_string);
        let or_default = |name: &str| text(name).unwrap_or_default();
        Ok(Self {
            prometheus_url: text("prometheus-url"),
            metric: values.list("metrics"),
            rule: values.list("rules"),
            targets: health::targets_from(values)?,
            since: text("since"),
            until: text("until"),
            allow_http: values.flag("allow-http")?,
            rollback_webhook: text("rollback-webhook"),
            rollback_workflow: text("rollback-workflow"),
            rollback_ref: text("rollback-ref"),
            environment: or_default("environment"),
            deployment_id: text("deployment-id"),
            sha: text("sha"),
            version: text("version"),
            repo: if values.origin() == crate::inputs::Origin::Cli {
                text("repo")
            } else {
                None
            },
            notify: values.parse("notify-webhook", Webhook::parse)?,
            format: Format::from_values(values)?,
            values: values.clone(),
        })
    }
}

/// A configured metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricQuery {
    /// Its name, as rules use it.
    pub name: String,
    /// The PromQL query.
    pub query: String,
}

/// Parses `NAME = QUERY` lines (blank lines and `#` comments skipped).
pub fn parse_metrics(lines: &[String]) -> Result<Vec<MetricQuery>, Failure> {
    let mut metrics = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, query)) = line.split_once('=') else {
            return Err(Failure::usage(format!(
                "metric {}: expected `NAME = PromQL query`, e.g. `error_rate = sum(rate(http_requests_total{{code=~\"5..\"}}[5m])) / sum(rate(http_requests_total[5m]))` (in `{line}`)",
                i + 1
            )));
        };
        let (name, query) = (name.trim(), query.trim());
        if query.is_empty() {
            return Err(Failure::usage(format!(
                "metric {} (`{name}`): the query is empty",
                i + 1
            )));
        }
        metrics.push(MetricQuery {
            name: name.to_string(),
            query: query.to_string(),
        });
    }
    Ok(metrics)
}

fn parse_time(values: &Values, input: &str, text: &str) -> Result<DateTime<Utc>, Failure> {
    super::gate::parse_time(text).map_err(|e| values.invalid(input, &e))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// Everything checked before the first sample.
struct Setup {
    plan: Plan,
    metrics: Vec<MetricQuery>,
    prometheus: Option<Prometheus>,
    targets: Vec<Target>,
    probe: Probe,
    window: Duration,
    replay: Option<(DateTime<Utc>, DateTime<Utc>)>,
    rollback_timeout: Duration,
    /// Samples the window takes.
    samples: u64,
    /// Default rules that cannot fire in this window (warned about, not watched).
    unfireable: Vec<Annotation>,
}

fn setup(args: &WatchArgs, now: DateTime<Utc>) -> Result<Setup, Failure> {
    let window = parse_duration(&args.values, "window")?;
    let interval = parse_duration(&args.values, "interval")?;
    let timeout = parse_duration(&args.values, "timeout")?;
    if timeout.as_secs() == 0 {
        return Err(args.values.invalid("timeout", "must be at least 1s"));
    }
    let rollback_timeout = parse_duration(&args.values, "rollback-timeout")?;
    let metrics =
        parse_metrics(&args.metric).map_err(|f| args.values.invalid("metrics", &f.message))?;
    let rules = if args.rule.iter().all(|r| r.trim().is_empty()) {
        None
    } else {
        let rules = watch::parse_rules(&args.rule.join("\n"))
            .map_err(|e| args.values.invalid("rules", &e.to_string()))?;
        if rules.is_empty() {
            None
        } else {
            Some(rules)
        }
    };
    let replay = match (non_empty(args.since.clone()), non_empty(args.until.clone())) {
        (None, None) => None,
        (Some(since), Some(until)) => {
            let v = &args.values;
            let (since, until) = (
                parse_time(v, "since", &since)?,
                parse_time(v, "until", &until)?,
            );
            if since >= until {
                return Err(Failure::usage(format!(
                    "{} must be before {}",
                    v.label("since"),
                    v.label("until")
                )));
            }
            if until > now {
                return Err(v.invalid(
                    "until",
                    &format!(
                        "{} is in the future: a replay reads stored history",
                        watch::engine::rfc3339(until)
                    ),
                ));
            }
            Some((since, until))
        }
        _ => {
            return Err(Failure::usage(format!(
                "a replay needs both {} and {} (RFC 3339); give neither to watch live",
                args.values.label("since"),
                args.values.label("until")
            )))
        }
    };
    if interval.as_secs() > 0 {
        let span = match replay {
            Some((since, until)) => u64::try_from((until - since).num_seconds()).unwrap_or(0),
            None => window.as_secs(),
        };
        if span / interval.as_secs() + 1 > MAX_RANGE_POINTS {
            return Err(Failure::usage(format!(
                "{} samples are too many (at most {MAX_RANGE_POINTS}); use a larger {}",
                span / interval.as_secs() + 1,
                args.values.label("interval")
            )));
        }
    }
    let targets = args.targets.clone();
    let prometheus = match (non_empty(args.prometheus_url.clone()), metrics.is_empty()) {
        (Some(url), false) => Some(
            Prometheus::new(&url, timeout.to_std())
                .map_err(|e| args.values.invalid("prometheus-url", &e.to_string()))?,
        ),
        (None, false) => {
            return Err(Failure::usage(format!(
                "metrics are given ({}) but no {} to query them",
                args.values.label("metrics"),
                args.values.label("prometheus-url")
            )))
        }
        (Some(_), true) => {
            return Err(Failure::usage(format!(
                "{} is set but no metric is given ({}, `NAME = PromQL query`)",
                args.values.label("prometheus-url"),
                args.values.label("metrics")
            )))
        }
        (None, true) => None,
    };
    let names: Vec<String> = metrics.iter().map(|m| m.name.clone()).collect();
    let health_probe = replay.is_none() && !targets.is_empty();
    let mut plan = Plan::new(rules, &names, health_probe, interval).map_err(|e| {
        use watch::Error as E;
        match &e {
            E::Rule(_) | E::UnknownMetric { .. } => args.values.invalid("rules", &e.to_string()),
            E::MetricName { .. } | E::DuplicateMetric { .. } => {
                args.values.invalid("metrics", &e.to_string())
            }
            E::Interval => args.values.invalid("interval", "must be at least 1s"),
            E::Unfireable(_) | E::NothingToWatch => Failure::usage(e.to_string()),
        }
    })?;
    let samples = match replay {
        Some((since, until)) => samples_in(
            Duration::from_secs(u64::try_from((until - since).num_seconds()).unwrap_or(0)),
            interval,
        ),
        None => samples_in(window, interval),
    };
    let unfireable = match plan.fit_window(samples) {
        Ok(skipped) => skipped
            .iter()
            .map(|rule| {
                Annotation::new(
                    Level::Warning,
                    format!(
                        "default rule `{}` is not watched: {}; write {} to watch a short window",
                        rule.rule,
                        too_long(rule, &args.values, interval, window, replay.is_some()),
                        args.values.label("rules")
                    ),
                )
            })
            .collect(),
        Err(watch::Error::Unfireable(rule)) => {
            let hint = if replay.is_some() {
                "widen the replay or shorten the rule's `for`"
            } else {
                "lengthen the window or shorten the rule's `for`"
            };
            return Err(Failure::usage(format!(
                "rule {} `{}` can never fire: {}: {hint}",
                rule.number,
                rule.rule,
                too_long(&rule, &args.values, interval, window, replay.is_some()),
            )));
        }
        Err(e) => return Err(Failure::usage(e.to_string())),
    };
    let probe =
        Probe::new(timeout.to_std(), args.allow_http).map_err(|e| Failure::error(e.to_string()))?;
    Ok(Setup {
        plan,
        metrics,
        prometheus,
        targets,
        probe,
        window,
        replay,
        rollback_timeout,
        samples,
        unfireable,
    })
}

/// Why a rule cannot fire, naming the inputs as the user wrote them: "it needs 180 consecutive
/// samples at 1s (`--interval`), and the window of 2s (`--window`) takes 3".
fn too_long(
    rule: &Unfireable,
    values: &Values,
    interval: Duration,
    window: Duration,
    replay: bool,
) -> String {
    let window = if replay {
        format!(
            "the replay ({} to {})",
            values.label("since"),
            values.label("until")
        )
    } else {
        format!("the window of {window} ({})", values.label("window"))
    };
    format!(
        "it needs {} consecutive samples at {interval} ({}), and {window} takes {} (one at the start, then one every interval)",
        rule.required,
        values.label("interval"),
        rule.samples
    )
}

fn rollback_config(args: &WatchArgs, timeout: std::time::Duration) -> Result<Rollback, Failure> {
    let webhook = match non_empty(args.rollback_webhook.clone()) {
        Some(text) => Some(
            rollback::parse_webhook(&text, args.allow_http).map_err(|e| {
                let hint = if e.contains("HTTPS") {
                    format!(
                        ", or allow plain HTTP with {}",
                        args.values.turn_on("allow-http")
                    )
                } else {
                    String::new()
                };
                args.values
                    .invalid("rollback-webhook", &format!("{e}{hint}"))
            })?,
        ),
        None => None,
    };
    let repo = non_empty(args.repo.clone()).or_else(|| env("GITHUB_REPOSITORY"));
    if let Some(repo) = &repo {
        let valid = repo.split('/').count() == 2
            && repo.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
        if !valid {
            return Err(Failure::usage(format!(
                "the repository {repo:?} (--repo, else GITHUB_REPOSITORY) is not `owner/name`"
            )));
        }
    }
    let workflow = non_empty(args.rollback_workflow.clone());
    if let Some(file) = &workflow {
        // Checked now, not when a rollback fires.
        shipgate_github::actions::check_workflow_file(file)
            .map_err(|e| args.values.invalid("rollback-workflow", &e.to_string()))?;
    }
    let sha = non_empty(args.sha.clone()).or_else(|| env("GITHUB_SHA"));
    let deployment = match non_empty(args.deployment_id.clone()) {
        Some(id) => Some(DeploymentRef::Id(id.trim().parse().map_err(|_| {
            args.values
                .invalid("deployment-id", &format!("{id:?} is not a number"))
        })?)),
        None => sha.clone().map(DeploymentRef::Sha),
    };
    // The same token and URLs as every other command (the Action's input, GITHUB_TOKEN,
    // GH_TOKEN; GITHUB_API_URL/GITHUB_GRAPHQL_URL); without a token there is no GitHub side.
    let process_env = crate::toolkit::Env::from_process();
    let github = match crate::runner::env_token(&process_env) {
        Some(_) => Some(crate::runner::cli_client(&process_env)?),
        None => None,
    };
    let log_url = match (env("GITHUB_SERVER_URL"), &repo, env("GITHUB_RUN_ID")) {
        (Some(server), Some(repo), Some(run)) => Some(shipgate_core::redact::url(&format!(
            "{server}/{repo}/actions/runs/{run}"
        ))),
        _ => None,
    };
    Ok(Rollback {
        repo,
        deployment,
        environment: args.environment.clone(),
        sha,
        version: non_empty(args.version.clone()),
        github,
        webhook,
        workflow,
        workflow_ref: non_empty(args.rollback_ref.clone())
            .or_else(|| env("GITHUB_REF_NAME"))
            .unwrap_or_else(|| "main".to_string()),
        log_url,
        timeout,
        notify: args.notify.clone().map(Notifier::new),
    })
}

/// Runs `shipgate watch`.
pub async fn run(args: WatchArgs) -> Result<Outcome, Failure> {
    let now = Utc::now();
    let setup = setup(&args, now)?;
    let timeout = parse_duration(&args.values, "timeout")?.to_std();
    let rollback = rollback_config(&args, timeout)?;
    let rules = setup.plan.rules.clone();
    let mut annotations = setup.unfireable.clone();
    for warning in &annotations {
        // Said at the start too: the summary comes only at the end of the window.
        eprintln!("watch: {}", warning.message);
    }
    let (mut report, stopped) = match setup.replay {
        Some((since, until)) => (replay(&setup, since, until, &mut annotations).await?, None),
        None => live(&setup, &rollback, &mut annotations).await?,
    };
    if report.replay
        && report.rollback
        && (rollback.webhook.is_some() || rollback.workflow.is_some())
    {
        annotations.push(Annotation::new(
            Level::Notice,
            "replay: the rollback webhook/workflow was not called (a replay is a dry run)",
        ));
    }
    report_annotations(&report, &mut annotations);
    let mut outcome = outcome(&mut report, &rules, args.format, annotations);
    if let Some(signal) = stopped.filter(|_| report.result != WatchResult::Rollback) {
        outcome.exit = signal.exit_code();
    }
    Ok(outcome)
}

/// The outcome of a finished watch (pure: stdout, outputs, summary, exit code).
pub fn outcome(
    report: &mut Report,
    rules: &[watch::Rule],
    format: Format,
    annotations: Vec<Annotation>,
) -> Outcome {
    let json = shipgate_core::render::document_line(&*report);
    let summary = render::markdown(report, rules);
    let stdout = match format {
        Format::Text => render::text(report),
        Format::Markdown => summary.clone(),
        Format::Json => {
            let mut pretty = shipgate_core::render::document(&*report);
            pretty.push('\n');
            pretty
        }
    };
    let outputs = vec![
        ("rollback".to_string(), report.rollback.to_string()),
        (
            "trigger".to_string(),
            report.trigger.clone().unwrap_or_default(),
        ),
        (
            "reason".to_string(),
            report.reason.clone().unwrap_or_default(),
        ),
        ("result".to_string(), report.result.name().to_string()),
        (
            "rollback-seconds".to_string(),
            report
                .rollback_seconds
                .map(|s| s.to_string())
                .unwrap_or_default(),
        ),
        ("report".to_string(), json),
    ];
    Outcome {
        exit: match report.result {
            WatchResult::NoRollback => exit::OK,
            WatchResult::Rollback => exit::ROLLBACK,
            WatchResult::Error => exit::ERROR,
        },
        stdout,
        outputs,
        summary: Some(summary),
        annotations,
    }
}

fn report_annotations(report: &Report, annotations: &mut Vec<Annotation>) {
    for event in &report.events {
        let (level, title) = match event.level {
            RuleLevel::Alert => (Level::Warning, "shipgate alert"),
            RuleLevel::Rollback => (Level::Error, "shipgate rollback"),
        };
        let mut a = Annotation::new(level, format!("{}: {}", event.rule, event.reason));
        a.title = Some(title.to_string());
        annotations.push(a);
    }
    for error in &report.errors {
        annotations.push(Annotation::new(Level::Error, format!("watch: {error}")));
    }
    for action in report.actions.iter().filter(|a| a.ok == Some(false)) {
        annotations.push(Annotation::new(
            Level::Error,
            format!("rollback {} failed: {}", action.action, action.detail),
        ));
    }
}

fn push_warnings(metric: &str, warnings: Vec<String>, annotations: &mut Vec<Annotation>) {
    for warning in warnings {
        let message = format!("Prometheus warning for `{metric}`: {warning}");
        if !annotations.iter().any(|a| a.message == message) {
            annotations.push(Annotation::new(Level::Warning, message));
        }
    }
}

/// Evaluates the rules over stored history: one `query_range` per metric, then the same
/// sampling as live. A dry run.
async fn replay(
    setup: &Setup,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    annotations: &mut Vec<Annotation>,
) -> Result<Report, Failure> {
    let interval = setup.plan.interval;
    let step = i64::try_from(interval.as_secs()).unwrap_or(i64::MAX);
    let mut values: HashMap<&str, HashMap<i64, f64>> = HashMap::new();
    if let Some(prometheus) = &setup.prometheus {
        for metric in &setup.metrics {
            let range = prometheus
                .query_range(&metric.query, since, until, interval.to_std())
                .await
                .map_err(|e| Failure::error(format!("metric `{}`: {e}", metric.name)))?;
            push_warnings(&metric.name, range.warnings, annotations);
            let by_index = range
                .points
                .into_iter()
                .filter_map(|(t, v)| {
                    let offset = t - since.timestamp() as f64;
                    let k = (offset / step as f64).round();
                    // Only points on the sampling grid count.
                    ((offset - k * step as f64).abs() < 0.5).then_some((k as i64, v))
                })
                .collect();
            values.insert(metric.name.as_str(), by_index);
        }
    }
    let mut watch = Watch::new(setup.plan.clone());
    let sources = setup.plan.sources();
    let mut k = 0i64;
    // Past the calendar's end there is nothing left to sample.
    while let Some(at) = k
        .checked_mul(step)
        .and_then(chrono::TimeDelta::try_seconds)
        .and_then(|offset| since.checked_add_signed(offset))
    {
        if at > until {
            break;
        }
        let samples: BTreeMap<String, Sample> = sources
            .iter()
            .map(|name| {
                let sample = values
                    .get(name.as_str())
                    .and_then(|m| m.get(&k))
                    .map_or(Sample::Missing, |v| Sample::value(*v));
                (name.clone(), sample)
            })
            .collect();
        watch.observe(at, &samples);
        if watch.decision().is_some() {
            break;
        }
        k += 1;
    }
    Ok(watch.finish(true))
}

/// Takes the samples of one tick: every metric at `at`, and the health probe.
async fn take_samples(
    setup: &Setup,
    at: DateTime<Utc>,
    first: bool,
    annotations: &mut Vec<Annotation>,
) -> Result<BTreeMap<String, Sample>, Failure> {
    let mut samples = BTreeMap::new();
    if let Some(prometheus) = &setup.prometheus {
        for metric in &setup.metrics {
            let sample = match prometheus.query(&metric.query, at).await {
                Ok(answer) => {
                    push_warnings(&metric.name, answer.warnings, annotations);
                    // An empty result at one instant is a gap, like in a replay.
                    answer.value.map_or(Sample::Missing, Sample::value)
                }
                // A query that can never work fails the watch at once, not 30 minutes later.
                Err(e) if first && e.is_permanent() => {
                    return Err(Failure::error(format!("metric `{}`: {e}", metric.name)))
                }
                Err(e) => Sample::Error(e.to_string()),
            };
            samples.insert(metric.name.clone(), sample);
        }
    }
    if setup.plan.health == HealthSource::Probe {
        let (health, attempts) = setup.probe.sample(&setup.targets).await;
        if health < 1.0 {
            for (target, attempt) in setup.targets.iter().zip(&attempts).filter(|(_, a)| !a.up) {
                eprintln!(
                    "watch: {} health check failed: {} — {}",
                    watch::engine::rfc3339(at),
                    target.display,
                    shipgate_core::escape::plain(attempt.error.as_deref().unwrap_or("down"))
                );
            }
        }
        samples.insert("health".to_string(), Sample::Value(health));
    }
    Ok(samples)
}

/// Watches live: a sample every `interval` for `window`, then the rollback when decided. Stops
/// early at a rollback decision, when a source failed too often in a row, or on SIGINT/SIGTERM
/// (returned with the report).
async fn live(
    setup: &Setup,
    rollback: &Rollback,
    annotations: &mut Vec<Annotation>,
) -> Result<(Report, Option<Signal>), Failure> {
    let interval = setup.plan.interval;
    let start = Utc::now().trunc_subsecs(0);
    let start_instant = tokio::time::Instant::now();
    let ticks = setup.window.as_secs() / interval.as_secs();
    let mut watch = Watch::new(setup.plan.clone());
    let mut decided_at = None;
    // Whether the health checks were failing when the rollback was decided: only then can the
    // time until they pass again measure the rollback.
    let mut health_down_at_decision = false;
    // Listening from before the first sample: an interrupted watch still reports.
    let mut interrupt = Interrupt::listen()?;
    let mut stopped = None;
    for k in 0..=ticks {
        let Some(at) = i64::try_from(k.saturating_mul(interval.as_secs()))
            .ok()
            .and_then(chrono::TimeDelta::try_seconds)
            .and_then(|offset| start.checked_add_signed(offset))
        else {
            break;
        };
        let tick = async {
            tokio::time::sleep_until(start_instant + interval.to_std() * k as u32).await;
            take_samples(setup, at, k == 0, annotations).await
        };
        let samples = tokio::select! {
            samples = tick => samples?,
            signal = interrupt.recv() => {
                stopped = Some(signal);
                break;
            }
        };
        eprintln!(
            "watch: {} {}",
            watch::engine::rfc3339(at),
            progress(&samples)
        );
        for event in watch.observe(at, &samples) {
            eprintln!(
                "watch: {} fired: {} — {}",
                event.level.name(),
                event.rule,
                event.reason
            );
        }
        if watch.decision().is_some() {
            decided_at = Some(Instant::now());
            health_down_at_decision =
                matches!(samples.get("health"), Some(Sample::Value(v)) if *v < 1.0);
            break;
        }
        if let Some(why) = watch.halted() {
            eprintln!("watch: stopped: {why}");
            break;
        }
    }
    let mut report = watch.finish(false);
    if let (Some(decided), Some(trigger), Some(reason), Some(fired_at)) = (
        decided_at,
        report.trigger.clone(),
        report.reason.clone(),
        report.fired_at,
    ) {
        let decision = Decision {
            trigger,
            reason,
            fired_at,
        };
        let decided_note = rollback.notify_decided(&decision);
        // The rollback actions are bounded by their timeouts and always run to their end: a
        // signal now only cuts the recovery timing short.
        let mut actions = rollback.run(&decision).await;
        // Waiting for recovery only makes sense when this step started a rollback; otherwise a
        // later step does it, and waiting here would only delay it.
        let started = actions
            .iter()
            .any(|a| a.ok == Some(true) && (a.action == "webhook" || a.action == "workflow"));
        if started && !health_down_at_decision {
            actions.push(shipgate_core::watch::ActionReport {
                action: "recovery".to_string(),
                ok: None,
                detail: "the health checks were not failing when the rollback was decided, so they cannot time it: rollback time not measured".to_string(),
            });
        } else if started {
            let timing = rollback::time_recovery(
                &setup.probe,
                &setup.targets,
                decided,
                interval.to_std(),
                setup.rollback_timeout.to_std(),
            );
            let timed = tokio::select! {
                timed = timing => Some(timed),
                signal = interrupt.recv() => {
                    stopped = Some(signal);
                    None
                }
            };
            match timed {
                Some((seconds, recovery)) => {
                    let measured = recovery.ok.is_some();
                    actions.push(recovery);
                    report.rollback_seconds = seconds;
                    if measured {
                        let note = rollback
                            .notify_finished(seconds, setup.rollback_timeout.to_std())
                            .await;
                        notification("rollback finished", note, annotations);
                    }
                }
                None => actions.push(shipgate_core::watch::ActionReport {
                    action: "recovery".to_string(),
                    ok: None,
                    detail: format!(
                        "interrupted by {} while waiting for the health checks: rollback time not measured",
                        stopped.map_or("a signal", Signal::name)
                    ),
                }),
            }
        } else {
            actions.push(shipgate_core::watch::ActionReport {
                action: "recovery".to_string(),
                ok: None,
                detail: "no rollback webhook or workflow was started here: the rollback is left to later steps (`rollback=true`)".to_string(),
            });
        }
        report.actions = actions;
        if let Some(task) = decided_note {
            let note = task.await.unwrap_or_else(|e| {
                Err(NotifyFailure {
                    attempts: 0,
                    reason: format!("could not be called ({e})"),
                })
            });
            notification("rollback decided", Some(note), annotations);
        }
    }
    if let Some(signal) = stopped {
        eprintln!("watch: interrupted by {}", signal.name());
        report.interrupt(signal.name(), setup.samples);
    }
    Ok((report, stopped))
}

/// A notification's result on stderr, and a warning when it failed: it never changes the
/// outcome.
fn notification(
    what: &str,
    note: Option<Result<u32, NotifyFailure>>,
    annotations: &mut Vec<Annotation>,
) {
    match note {
        Some(Ok(_)) => eprintln!("watch: notified the team: {what}"),
        Some(Err(failure)) => annotations.push(Annotation::new(
            Level::Warning,
            format!("{what}: {failure}"),
        )),
        None => {}
    }
}

fn progress(samples: &BTreeMap<String, Sample>) -> String {
    samples
        .iter()
        .map(|(name, sample)| match sample {
            Sample::Value(v) => format!("{name}={}", watch::rule::trim_number(*v)),
            Sample::Missing => format!("{name}=missing"),
            Sample::Error(e) => format!("{name}=error ({e})"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{command, Cmd};

    fn from_cli(list: &[&str]) -> Result<WatchArgs, Failure> {
        let matches = command(Cmd::Watch)
            .try_get_matches_from(std::iter::once("watch").chain(list.iter().copied()))
            .unwrap();
        WatchArgs::from_values(&Values::from_cli(Cmd::Watch, &matches))
    }

    fn args(list: &[&str]) -> WatchArgs {
        from_cli(list).unwrap()
    }

    fn usage(list: &[&str]) -> String {
        match setup(&args(list), Utc::now()) {
            Err(f) => {
                assert_eq!(f.exit, exit::USAGE, "{}", f.message);
                f.message
            }
            Ok(_) => panic!("accepted {list:?}"),
        }
    }

    #[test]
    fn metrics_parse_name_equals_query() {
        let m = parse_metrics(&[
            "error_rate = sum(rate(x{code=~\"5..\"}[5m])) / sum(rate(x[5m]))".into(),
            "  # comment".into(),
            "".into(),
        ])
        .unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].name, "error_rate");
        assert_eq!(
            m[0].query,
            "sum(rate(x{code=~\"5..\"}[5m])) / sum(rate(x[5m]))"
        );
        assert!(parse_metrics(&["error_rate sum(x)".into()]).is_err());
        assert!(parse_metrics(&["error_rate =  ".into()]).is_err());
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        let p = [
            "--prometheus-url",
            "http://127.0.0.1:9",
            "--metric",
            "error_rate = x",
        ];
        assert!(usage(&["--rule", "error_rate 5%"])
            .starts_with("invalid value for --rule: rule 1, column 12"));
        let with = |extra: &[&str]| {
            let mut list = p.to_vec();
            list.extend_from_slice(extra);
            usage(&list)
        };
        assert!(
            with(&["--rule", "alert: error_rate > 3%", "--rule", "latency > 1s"]).starts_with(
                "invalid value for --rule: rule 2, column 1: unknown metric `latency`"
            )
        );
        assert!(with(&["--since", "2026-01-01T00:00:00Z"]).contains("needs both"));
        assert!(
            with(&["--since", "yesterday", "--until", "2026-01-01T00:00:00Z"])
                .contains("not an RFC 3339 time")
        );
        assert!(with(&[
            "--since",
            "2026-01-02T00:00:00Z",
            "--until",
            "2026-01-01T00:00:00Z"
        ])
        .contains("before"));
        assert!(with(&[
            "--since",
            "2026-01-01T00:00:00Z",
            "--until",
            "2999-01-01T00:00:00Z"
        ])
        .contains("in the future"));
        assert!(with(&["--interval", "0s"]).contains("interval"));
        assert!(
            with(&["--window", "30"]).starts_with("invalid value for --window: invalid duration")
        );
        assert!(with(&["--interval", "1s", "--window", "1d"]).contains("too many"));
        assert!(usage(&["--metric", "error_rate = x"])
            .contains("metrics are given (--metric) but no --prometheus-url"));
        assert!(usage(&["--prometheus-url", "http://127.0.0.1:9"])
            .contains("no metric is given (--metric, `NAME = PromQL query`)"));
        assert!(usage(&[]).starts_with("nothing to watch"));
        let failure = from_cli(&["--health-url", "http://example.com/health"]).unwrap_err();
        assert!(
            failure.message.contains("plain HTTP"),
            "{}",
            failure.message
        );
        assert!(usage(&[
            "--health-url",
            "http://127.0.0.1:1/",
            "--rule",
            "health failng"
        ])
        .contains("column 8"));
    }

    #[test]
    fn a_rollback_workflow_is_a_file_name_checked_at_start() {
        let with = |file: &str| {
            let list = ["--repo", "acme/shop", "--rollback-workflow", file];
            rollback_config(&args(&list), std::time::Duration::from_secs(1))
        };
        let failure = with("../ci.yml").unwrap_err();
        assert_eq!(failure.exit, exit::USAGE);
        assert!(
            failure.message.starts_with(
                "invalid value for --rollback-workflow: invalid workflow file \"../ci.yml\": "
            ),
            "{}",
            failure.message
        );
        assert!(with("a/rollback.yml").is_err());
    }

    #[test]
    fn defaults_skip_what_is_not_configured() {
        let s = setup(
            &args(&[
                "--prometheus-url",
                "http://127.0.0.1:9",
                "--metric",
                "error_rate = x",
            ]),
            Utc::now(),
        )
        .unwrap();
        assert_eq!(s.plan.rules.len(), 2);
        assert_eq!(s.plan.not_watched.len(), 4);
    }
}
