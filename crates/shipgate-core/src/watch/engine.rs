//! The watch itself: which rules apply, samples in, alerts and the rollback decision out.
//!
//! The caller (live or replay) takes a sample of every source at `since`, `since + interval`,
//! … and feeds them to [`Watch::observe`] with their time; the watch derives `uptime` from
//! `health`, runs every rule's [`Streak`], and stops deciding at the first rollback.
//! [`Watch::finish`] then judges what the watch could see. A watch that cannot see its
//! metrics never ends healthy: it ends [`WatchResult::Error`] when a metric
//! - had no value in the whole window,
//! - had any source error (Prometheus unreachable, a rejected query, several series), or
//! - had a value in fewer than half of its samples ([`MIN_COVERAGE`]).
//!
//! A rollback rule that fired is acted on whatever else went wrong.
//!
//! Two more rules keep a watch honest about what it can see:
//! - [`Plan::fit_window`]: a rule that needs more consecutive samples than the window holds can
//!   never fire; written by the user it is a configuration error, a default rule is not watched;
//! - [`MAX_SOURCE_ERRORS_IN_A_ROW`]: a source that failed that many samples in a row stops the
//!   watch at once (it can no longer end healthy, so waiting out the window only delays the news).

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use super::error::Error;
use super::rule::{self, Condition, Level, Rule, Unit, HEALTH, UPTIME};
use super::streak::{required_samples, Evidence, Streak};
use crate::duration::Duration;

/// The least share of samples of a metric that must carry a value for the watch to vouch for it.
pub const MIN_COVERAGE: f64 = 0.5;

/// A sampled metric that failed this many samples in a row (Prometheus unreachable, a rejected
/// query) stops the watch: it ends `error` at once instead of at the end of the window.
pub const MAX_SOURCE_ERRORS_IN_A_ROW: usize = 3;

/// How many samples a watch takes over `span` at `interval`: one at the start, then one every
/// interval (`span / interval + 1`; a 30-minute window at 1-minute samples takes 31).
pub fn samples_in(span: Duration, interval: Duration) -> u64 {
    span.as_secs() / interval.as_secs().max(1) + 1
}

/// A rule that cannot fire within the window: it needs more consecutive samples than there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfireable {
    /// The rule as written.
    pub rule: String,
    /// The 1-based rule (line) number.
    pub number: usize,
    /// Consecutive breaching samples it needs.
    pub required: u32,
    /// Samples the window holds.
    pub samples: u64,
}

/// Where `health` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthSource {
    /// Nothing: health rules are not watched (default rules) or rejected (explicit ones).
    None,
    /// The built-in probe of `health-urls` (live only).
    Probe,
    /// A configured metric named `health` (1 up, 0 down); wins over the probe.
    Metric,
}

/// A rule of the defaults that does not apply to this configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotWatched {
    /// The rule as written.
    pub rule: String,
    /// Its level.
    pub level: Level,
    /// Why it does not apply.
    pub reason: String,
}

/// What will be watched: the active rules and the sources they need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The rules that are evaluated.
    pub rules: Vec<Rule>,
    /// Default rules that do not apply (their metric is not configured).
    pub not_watched: Vec<NotWatched>,
    /// Configured metrics, sampled from the metric source, in order.
    pub metrics: Vec<String>,
    /// Where `health` comes from.
    pub health: HealthSource,
    /// The sampling interval.
    pub interval: Duration,
    /// Whether the rules are the flow's defaults (`rules` not given).
    #[serde(skip)]
    pub defaults: bool,
}

/// What a rule on an unconfigured metric could have meant: the configured metric closest to
/// it ("did you mean"), and the configured ones.
fn configured_hint(metric: &str, metrics: &[String]) -> String {
    if metric == HEALTH || metric == UPTIME {
        return String::new();
    }
    if metrics.is_empty() {
        return "; no metric is configured".to_string();
    }
    let known: Vec<String> = metrics.iter().map(|m| format!("`{m}`")).collect();
    match crate::unmatched::hint(metric, metrics) {
        Some(close) => format!(
            "; did you mean `{close}`? (configured: {})",
            known.join(", ")
        ),
        None => format!(" (configured: {})", known.join(", ")),
    }
}

impl Plan {
    /// Builds the plan. `explicit` = the rules the user wrote (`None` = the flow's defaults);
    /// `metrics` = the configured metric names; `health_probe` = whether health URLs can be
    /// probed (live with `health-urls`).
    ///
    /// Default rules apply only to what is configured and list the rest as "not watched"; an
    /// explicit rule on an unknown metric is an error.
    pub fn new(
        explicit: Option<Vec<Rule>>,
        metrics: &[String],
        health_probe: bool,
        interval: Duration,
    ) -> Result<Self, Error> {
        if interval.as_secs() == 0 {
            return Err(Error::Interval);
        }
        for (i, name) in metrics.iter().enumerate() {
            check_metric_name(name)?;
            if metrics[..i].contains(name) {
                return Err(Error::DuplicateMetric { name: name.clone() });
            }
        }
        let health = if metrics.iter().any(|m| m == HEALTH) {
            HealthSource::Metric
        } else if health_probe {
            HealthSource::Probe
        } else {
            HealthSource::None
        };
        let defaults = explicit.is_none();
        let candidates = explicit.unwrap_or_else(rule::default_rules);
        let mut rules = Vec::new();
        let mut not_watched = Vec::new();
        for rule in candidates {
            let metric = rule.metric();
            let available = match metric {
                HEALTH | UPTIME => health != HealthSource::None,
                other => metrics.iter().any(|m| m == other),
            };
            if available {
                rules.push(rule);
                continue;
            }
            let reason = match metric {
                HEALTH | UPTIME => {
                    "needs `health-urls` (live) or a metric named `health`".to_string()
                }
                other => format!("metric `{other}` is not configured"),
            };
            if defaults {
                not_watched.push(NotWatched {
                    rule: rule.text.clone(),
                    level: rule.level,
                    reason,
                });
            } else {
                return Err(Error::UnknownMetric {
                    rule: rule.number,
                    column: rule.metric_column,
                    metric: metric.to_string(),
                    reason: format!("{reason}{}", configured_hint(metric, metrics)),
                    text: rule.text.clone(),
                });
            }
        }
        if rules.is_empty() {
            return Err(Error::NothingToWatch);
        }
        Ok(Self {
            rules,
            not_watched,
            metrics: metrics.to_vec(),
            health,
            interval,
            defaults,
        })
    }

    /// Checks the rules against a window of `samples` samples: a rule with `for D` needs
    /// `ceil(D / interval)` consecutive breaching samples and can never fire in fewer.
    ///
    /// A rule the user wrote that cannot fire is an error ([`Error::Unfireable`], the first
    /// one): a rollback trigger that silently never fires protects nothing. A default rule that
    /// cannot fire moves to [`Plan::not_watched`], and is returned so that the caller can warn: a
    /// short smoke watch with the defaults stays usable, and says what it did not cover.
    pub fn fit_window(&mut self, samples: u64) -> Result<Vec<Unfireable>, Error> {
        let mut skipped = Vec::new();
        let mut kept = Vec::new();
        for rule in std::mem::take(&mut self.rules) {
            let required = required_samples(rule.sustain, self.interval);
            if u64::from(required) <= samples {
                kept.push(rule);
                continue;
            }
            let unfireable = Unfireable {
                rule: rule.text.clone(),
                number: rule.number,
                required,
                samples,
            };
            if !self.defaults {
                self.rules = kept;
                return Err(Error::Unfireable(unfireable));
            }
            self.not_watched.push(NotWatched {
                rule: rule.text.clone(),
                level: rule.level,
                reason: format!(
                    "cannot fire in this window: needs {required} consecutive samples at a {} interval, the window has {samples}",
                    self.interval
                ),
            });
            skipped.push(unfireable);
        }
        self.rules = kept;
        if self.rules.is_empty() {
            return Err(Error::NothingToWatch);
        }
        Ok(skipped)
    }

    /// The sources the caller must sample at every tick: the metrics, and `health` when probed.
    pub fn sources(&self) -> Vec<String> {
        let mut names = self.metrics.clone();
        if self.health == HealthSource::Probe {
            names.push(HEALTH.to_string());
        }
        names
    }
}

fn check_metric_name(name: &str) -> Result<(), Error> {
    let bad = |reason: &str| Error::MetricName {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let mut chars = name.chars();
    if !chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad(
            "a metric name is letters, digits and `_`, not starting with a digit",
        ));
    }
    if name == UPTIME {
        return Err(bad(
            "`uptime` is computed from `health`; it cannot be queried",
        ));
    }
    if matches!(name, "for" | "alert" | "rollback") {
        return Err(bad("this word is part of the rule grammar"));
    }
    Ok(())
}

/// One sample of one metric.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    /// A value (may be infinite; `NaN` is turned into [`Sample::Missing`]).
    Value(f64),
    /// No value at this time: `NaN` (no traffic), a gap in the data.
    Missing,
    /// The source failed: unreachable, a rejected query, several series, an undecodable answer.
    Error(String),
}

impl Sample {
    /// A value, with `NaN` read as missing.
    pub fn value(value: f64) -> Self {
        if value.is_nan() {
            Self::Missing
        } else {
            Self::Value(value)
        }
    }

    fn evidence(&self, rule: &Rule) -> Evidence {
        match self {
            Self::Value(v) if !v.is_nan() => {
                if rule.breaches(*v) {
                    Evidence::Breach
                } else {
                    Evidence::Clear
                }
            }
            _ => Evidence::Unknown,
        }
    }
}

/// A sample with its time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedSample {
    /// When it was taken (the grid time).
    pub at: DateTime<Utc>,
    /// What it was.
    pub sample: Sample,
}

impl Serialize for TimedSample {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("TimedSample", 3)?;
        s.serialize_field("at", &rfc3339(self.at))?;
        match &self.sample {
            Sample::Value(v) if v.is_finite() => {
                s.serialize_field("state", "value")?;
                s.serialize_field("value", v)?;
            }
            // JSON has no infinities: keep Prometheus's spelling.
            Sample::Value(v) => {
                s.serialize_field("state", "value")?;
                s.serialize_field("value", if *v > 0.0 { "+Inf" } else { "-Inf" })?;
            }
            Sample::Missing => {
                s.serialize_field("state", "missing")?;
                s.skip_field("value")?;
            }
            Sample::Error(message) => {
                s.serialize_field("state", "error")?;
                s.serialize_field("error", message)?;
            }
        }
        s.end()
    }
}

/// The samples of one metric over the watch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The metric's name.
    pub name: String,
    /// How its values are displayed (from the first rule that wrote a unit).
    pub unit: Unit,
    /// Whether it came from a source (false: derived, like `uptime`).
    pub sampled: bool,
    /// Its samples, in time order.
    pub samples: Vec<TimedSample>,
}

impl Series {
    /// Samples with a value.
    pub fn valid(&self) -> usize {
        self.samples
            .iter()
            .filter(|s| matches!(s.sample, Sample::Value(_)))
            .count()
    }
    /// Missing samples (`NaN`, gaps).
    pub fn missing(&self) -> usize {
        self.samples
            .iter()
            .filter(|s| s.sample == Sample::Missing)
            .count()
    }
    /// Failed samples.
    pub fn errors(&self) -> usize {
        self.samples
            .iter()
            .filter(|s| matches!(s.sample, Sample::Error(_)))
            .count()
    }
}

/// A rule that fired: an alert, or the rollback decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When (the sample's time).
    #[serde(serialize_with = "ser_time")]
    pub at: DateTime<Utc>,
    /// The 0-based index of the sample that fired it.
    pub sample: usize,
    /// The rule as written.
    pub rule: String,
    /// Its level.
    pub level: Level,
    /// The metric.
    pub metric: String,
    /// The value that completed the streak, formatted in the rule's unit.
    pub value: String,
    /// Consecutive breaching samples at that moment.
    pub streak: u32,
    /// In plain words.
    pub reason: String,
}

/// How the watch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchResult {
    /// No rollback rule fired and every metric was seen.
    NoRollback,
    /// A rollback rule fired.
    Rollback,
    /// No rollback rule fired, but the watch could not see enough to vouch for the deploy.
    Error,
}

impl WatchResult {
    /// Name as in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::NoRollback => "no_rollback",
            Self::Rollback => "rollback",
            Self::Error => "error",
        }
    }
}

/// One rule's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    /// The rule as written.
    pub rule: String,
    /// Its level.
    pub level: Level,
    /// Its metric.
    pub metric: String,
    /// Consecutive breaching samples needed.
    pub required: u32,
    /// The longest streak seen.
    pub longest_streak: u32,
    /// When it fired (each time it started firing).
    #[serde(serialize_with = "ser_times")]
    pub fired_at: Vec<DateTime<Utc>>,
}

/// A rollback action and how it went (filled in by the binary).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionReport {
    /// What (`deployment status`, `webhook`, `workflow`, `health`).
    pub action: String,
    /// Whether it succeeded; `None` when skipped.
    pub ok: Option<bool>,
    /// Details (status, error, why skipped).
    pub detail: String,
}

/// Everything the watch saw and decided: the `report` output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// How it ended.
    pub result: WatchResult,
    /// Whether a rollback rule fired.
    pub rollback: bool,
    /// The rule that fired, as written.
    pub trigger: Option<String>,
    /// Why, in plain words.
    pub reason: Option<String>,
    /// When it fired.
    #[serde(serialize_with = "ser_opt_time")]
    pub fired_at: Option<DateTime<Utc>>,
    /// Why the watch could not vouch for the deploy (empty unless it could not).
    pub errors: Vec<String>,
    /// Replay of stored history (a dry run: no rollback action is taken).
    pub replay: bool,
    /// The sampling interval.
    pub interval: Duration,
    /// Where `health` came from.
    pub health: HealthSource,
    /// Samples taken.
    pub samples: usize,
    /// Every active rule.
    pub rules: Vec<RuleReport>,
    /// Default rules that did not apply.
    pub not_watched: Vec<NotWatched>,
    /// Alerts and the rollback, in order.
    pub events: Vec<Event>,
    /// Every metric's samples.
    pub series: Vec<Series>,
    /// The rollback actions (empty without a rollback or in a replay).
    pub actions: Vec<ActionReport>,
    /// Seconds from the decision until `health-urls` answered healthy again, when measured.
    pub rollback_seconds: Option<u64>,
    /// The signal that interrupted the watch (`SIGINT`, `SIGTERM`), when one did.
    pub interrupted: Option<String>,
}

impl Report {
    /// The alert events only.
    pub fn alerts(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| e.level == Level::Alert)
    }

    /// Records that `signal` stopped the watch. What was seen stays reported; without a
    /// rollback decision the watch ends `error`: it did not watch its whole window, so it cannot
    /// vouch for the deploy. A rollback already decided stays decided.
    pub fn interrupt(&mut self, signal: &str, planned: u64) {
        self.interrupted = Some(signal.to_string());
        if self.result == WatchResult::Rollback {
            return;
        }
        self.errors.insert(
            0,
            format!(
                "interrupted by {signal} after {} of {planned} samples: the watch cannot vouch for the rest of its window",
                self.samples
            ),
        );
        self.result = WatchResult::Error;
    }
}

/// The running watch.
#[derive(Debug, Clone)]
pub struct Watch {
    plan: Plan,
    streaks: Vec<Streak>,
    fired_at: Vec<Vec<DateTime<Utc>>>,
    series: Vec<Series>,
    healthy: u64,
    health_seen: u64,
    events: Vec<Event>,
    decided: bool,
    halted: Option<String>,
    samples: usize,
}

impl Watch {
    /// Starts a watch of `plan`.
    pub fn new(plan: Plan) -> Self {
        let streaks = plan
            .rules
            .iter()
            .map(|r| Streak::new(required_samples(r.sustain, plan.interval)))
            .collect();
        let unit_of = |name: &str| {
            if name == UPTIME {
                return Unit::Percent;
            }
            plan.rules
                .iter()
                .filter(|r| r.metric() == name)
                .map(Rule::unit)
                .find(|u| *u != Unit::Number)
                .unwrap_or(Unit::Number)
        };
        let mut names: Vec<(String, bool)> =
            plan.sources().into_iter().map(|n| (n, true)).collect();
        if plan.health != HealthSource::None {
            names.push((UPTIME.to_string(), false));
        }
        let series = names
            .into_iter()
            .map(|(name, sampled)| Series {
                unit: unit_of(&name),
                name,
                sampled,
                samples: Vec::new(),
            })
            .collect();
        Self {
            fired_at: vec![Vec::new(); plan.rules.len()],
            streaks,
            series,
            plan,
            healthy: 0,
            health_seen: 0,
            events: Vec::new(),
            decided: false,
            halted: None,
            samples: 0,
        }
    }

    /// The plan being watched.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Feeds the samples taken at `at` (one per [`Plan::sources`] name; an absent one counts as a
    /// source error). Returns the rules that fired with this sample. After a rollback decision,
    /// or once the watch has halted ([`Watch::halted`]), further samples are ignored.
    pub fn observe(&mut self, at: DateTime<Utc>, samples: &BTreeMap<String, Sample>) -> Vec<Event> {
        if self.decided || self.halted.is_some() {
            return Vec::new();
        }
        let index = self.samples;
        self.samples += 1;
        for series in self.series.iter_mut().filter(|s| s.sampled) {
            let sample = match samples.get(&series.name) {
                Some(Sample::Value(v)) => Sample::value(*v),
                Some(other) => other.clone(),
                None => Sample::Error(format!("no sample of `{}` was taken", series.name)),
            };
            series.samples.push(TimedSample { at, sample });
        }
        // uptime: the share of healthy `health` samples so far; unknown while health is.
        if let Some(health) = self.current(HEALTH).cloned() {
            let uptime = match health {
                Sample::Value(v) => {
                    self.health_seen += 1;
                    if rule::is_up(v) {
                        self.healthy += 1;
                    }
                    Sample::Value(self.healthy as f64 / self.health_seen as f64)
                }
                other => other,
            };
            if let Some(series) = self.series.iter_mut().find(|s| s.name == UPTIME) {
                series.samples.push(TimedSample { at, sample: uptime });
            }
        }
        let mut fired = Vec::new();
        for (i, rule) in self.plan.rules.iter().enumerate() {
            let sample = self
                .series
                .iter()
                .find(|s| s.name == rule.metric())
                .and_then(|s| s.samples.last())
                .map(|s| s.sample.clone())
                .unwrap_or(Sample::Missing);
            let streak = &mut self.streaks[i];
            if !streak.observe(sample.evidence(rule)) {
                continue;
            }
            self.fired_at[i].push(at);
            let value = match sample {
                Sample::Value(v) => v,
                _ => f64::NAN,
            };
            let unit = self
                .series
                .iter()
                .find(|s| s.name == rule.metric())
                .map_or(rule.unit(), |s| s.unit);
            fired.push(Event {
                at,
                sample: index,
                rule: rule.text.clone(),
                level: rule.level,
                metric: rule.metric().to_string(),
                value: unit.format(value),
                streak: streak.count(),
                reason: describe(rule, unit, value, streak.count(), self.plan.interval, at),
            });
        }
        // Rollback rules first: the decision is the first rollback rule in rule order.
        fired.sort_by_key(|e| e.level != Level::Rollback);
        if fired.iter().any(|e| e.level == Level::Rollback) {
            self.decided = true;
        }
        self.events.extend(fired.iter().cloned());
        if !self.decided {
            self.halted = self.source_down();
        }
        fired
    }

    /// Why the watch must stop now: a sampled metric whose last
    /// [`MAX_SOURCE_ERRORS_IN_A_ROW`] samples all failed.
    fn source_down(&self) -> Option<String> {
        self.series.iter().filter(|s| s.sampled).find_map(|series| {
            let tail = series
                .samples
                .len()
                .checked_sub(MAX_SOURCE_ERRORS_IN_A_ROW)?;
            let mut last_error = None;
            for sample in &series.samples[tail..] {
                match &sample.sample {
                    Sample::Error(e) => last_error = Some(e),
                    _ => return None,
                }
            }
            Some(format!(
                "metric `{}` failed {MAX_SOURCE_ERRORS_IN_A_ROW} samples in a row ({}): the watch stopped after {} samples instead of waiting out the window, since it could no longer vouch for the deploy",
                series.name,
                last_error?,
                self.samples
            ))
        })
    }

    /// Why the watch stopped before its window ended without a rollback decision (a source
    /// down), when it did; the caller takes no more samples.
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    fn current(&self, name: &str) -> Option<&Sample> {
        self.series
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.samples.last())
            .map(|s| &s.sample)
    }

    /// The rollback decision, once taken.
    pub fn decision(&self) -> Option<&Event> {
        self.events.iter().find(|e| e.level == Level::Rollback)
    }

    /// Samples taken so far.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Ends the watch and judges what it saw.
    pub fn finish(self, replay: bool) -> Report {
        let decision = self.decision().cloned();
        let mut errors: Vec<String> = self.halted.iter().cloned().collect();
        if self.samples == 0 {
            errors.push("no sample was taken".to_string());
        }
        for series in self
            .series
            .iter()
            .filter(|s| s.sampled && !s.samples.is_empty())
        {
            let total = series.samples.len();
            let valid = series.valid();
            let failed = series.errors();
            let first_error = series.samples.iter().find_map(|s| match &s.sample {
                Sample::Error(e) => Some(e.as_str()),
                _ => None,
            });
            if valid == 0 {
                let detail = first_error.map(|e| format!(": {e}")).unwrap_or_default();
                errors.push(format!(
                    "metric `{}` has no sample in the whole window ({} missing, {failed} failed){detail}",
                    series.name,
                    series.missing()
                ));
            } else if let Some(error) = first_error {
                errors.push(format!(
                    "metric `{}`: {failed} of {total} samples failed: {error}",
                    series.name
                ));
            } else if (valid as f64) < MIN_COVERAGE * total as f64 {
                errors.push(format!(
                    "metric `{}` had a value in only {valid} of {total} samples (the rest `NaN` or gaps); the watch cannot vouch for it",
                    series.name
                ));
            }
        }
        let result = if decision.is_some() {
            WatchResult::Rollback
        } else if errors.is_empty() {
            WatchResult::NoRollback
        } else {
            WatchResult::Error
        };
        let rules = self
            .plan
            .rules
            .iter()
            .zip(&self.streaks)
            .zip(self.fired_at)
            .map(|((rule, streak), fired_at)| RuleReport {
                rule: rule.text.clone(),
                level: rule.level,
                metric: rule.metric().to_string(),
                required: streak.required(),
                longest_streak: streak.longest(),
                fired_at,
            })
            .collect();
        Report {
            result,
            rollback: decision.is_some(),
            trigger: decision.as_ref().map(|e| e.rule.clone()),
            reason: decision.as_ref().map(|e| e.reason.clone()),
            fired_at: decision.as_ref().map(|e| e.at),
            errors,
            replay,
            interval: self.plan.interval,
            health: self.plan.health,
            samples: self.samples,
            rules,
            not_watched: self.plan.not_watched,
            events: self.events,
            series: self.series,
            actions: Vec::new(),
            rollback_seconds: None,
            interrupted: None,
        }
    }
}

/// A rule's firing in plain words.
fn describe(
    rule: &Rule,
    unit: Unit,
    value: f64,
    streak: u32,
    interval: Duration,
    at: DateTime<Utc>,
) -> String {
    let when = rfc3339(at);
    let span = match rule.sustain {
        Some(d) => {
            format!(" for {streak} consecutive samples (`for {d}` at a {interval} interval)")
        }
        None => String::new(),
    };
    match &rule.condition {
        Condition::HealthFailing => format!("health check failing{span}, up to {when}"),
        Condition::Compare {
            metric,
            op,
            threshold,
            ..
        } => format!(
            "{metric} {} {}{span}: {} at {when}",
            op.words(),
            unit.format(*threshold),
            unit.format(value)
        ),
    }
}

/// RFC 3339 in UTC, whole seconds.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn ser_time<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*at))
}

fn ser_opt_time<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_str(&rfc3339(*at)),
        None => s.serialize_none(),
    }
}

fn ser_times<S: Serializer>(times: &[DateTime<Utc>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(times.iter().map(|t| rfc3339(*t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::rule::parse_rules;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap() + chrono::TimeDelta::minutes(minute)
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(plan: Plan, rows: &[&[(&str, Sample)]]) -> Report {
        let mut watch = Watch::new(plan);
        for (i, row) in rows.iter().enumerate() {
            let map = row
                .iter()
                .map(|(n, s)| (n.to_string(), s.clone()))
                .collect();
            watch.observe(t(i as i64), &map);
        }
        watch.finish(false)
    }

    fn rate(values: &[f64]) -> Vec<Vec<(&'static str, Sample)>> {
        values
            .iter()
            .map(|v| vec![("error_rate", Sample::value(*v))])
            .collect()
    }

    fn rows<'a>(data: &'a [Vec<(&'static str, Sample)>]) -> Vec<&'a [(&'static str, Sample)]> {
        data.iter().map(Vec::as_slice).collect()
    }

    #[test]
    fn default_rules_apply_only_to_configured_metrics() {
        let plan = Plan::new(None, &names(&["error_rate"]), false, Duration::from_mins(1)).unwrap();
        let active: Vec<&str> = plan.rules.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(active, ["error_rate > 5% for 5m", "alert: error_rate > 3%"]);
        let skipped: Vec<&str> = plan.not_watched.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "latency_p95 > 5s for 10m",
                "health failing for 3m",
                "uptime < 99%",
                "alert: latency_p95 > 3s"
            ]
        );
        let plan = Plan::new(None, &[], true, Duration::from_mins(1)).unwrap();
        assert_eq!(plan.rules.len(), 2, "health and uptime with a probe");
        assert_eq!(plan.sources(), ["health"]);
    }

    #[test]
    fn explicit_rules_on_unknown_metrics_are_errors() {
        let rules = parse_rules("alert: error_rate > 3%\n  latency > 2s").unwrap();
        let e = Plan::new(
            Some(rules),
            &names(&["error_rate"]),
            false,
            Duration::from_mins(1),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "rule 2, column 3: unknown metric `latency`: metric `latency` is not configured (configured: `error_rate`) (in `latency > 2s`)"
        );
        // A typo of a configured metric: the suggestion; none configured: said so.
        let rules = parse_rules("eror_rate > 2%").unwrap();
        let e = Plan::new(
            Some(rules.clone()),
            &names(&["error_rate", "latency_p95"]),
            false,
            Duration::from_mins(1),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "rule 1, column 1: unknown metric `eror_rate`: metric `eror_rate` is not configured; did you mean `error_rate`? (configured: `error_rate`, `latency_p95`) (in `eror_rate > 2%`)"
        );
        let e = Plan::new(Some(rules), &[], true, Duration::from_mins(1)).unwrap_err();
        assert!(
            e.to_string()
                .contains("is not configured; no metric is configured"),
            "{e}"
        );
        let rules = parse_rules("health failing for 3m").unwrap();
        let e = Plan::new(Some(rules), &[], false, Duration::from_mins(1)).unwrap_err();
        assert!(e.to_string().contains("needs `health-urls`"), "{e}");
        assert!(matches!(
            Plan::new(None, &[], false, Duration::from_mins(1)),
            Err(Error::NothingToWatch)
        ));
        assert!(Plan::new(None, &names(&["uptime"]), false, Duration::from_mins(1)).is_err());
        assert!(Plan::new(None, &names(&["a", "a"]), false, Duration::from_mins(1)).is_err());
        assert!(Plan::new(None, &names(&["9a"]), false, Duration::from_mins(1)).is_err());
        assert!(matches!(
            Plan::new(None, &names(&["error_rate"]), false, Duration::from_secs(0)),
            Err(Error::Interval)
        ));
    }

    fn error_plan(text: &str) -> Plan {
        Plan::new(
            Some(parse_rules(text).unwrap()),
            &names(&["error_rate"]),
            false,
            Duration::from_mins(1),
        )
        .unwrap()
    }

    #[test]
    fn six_minutes_above_five_percent_rolls_back_at_the_fifth() {
        let data = rate(&[0.01, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07, 0.01]);
        let report = run(
            error_plan("error_rate > 5% for 5m\nalert: error_rate > 3%"),
            &rows(&data),
        );
        assert_eq!(report.result, WatchResult::Rollback);
        assert_eq!(report.trigger.as_deref(), Some("error_rate > 5% for 5m"));
        assert_eq!(report.fired_at, Some(t(5)));
        assert_eq!(report.samples, 6, "the watch stops at the decision");
        assert_eq!(
            report.reason.as_deref(),
            Some("error_rate above 5% for 5 consecutive samples (`for 5m` at a 1m interval): 7% at 2026-11-27T12:05:00Z")
        );
        let alerts: Vec<_> = report.alerts().map(|e| e.at).collect();
        assert_eq!(alerts, [t(1)]);
    }

    #[test]
    fn four_minutes_above_five_percent_only_alerts() {
        let data = rate(&[0.01, 0.07, 0.07, 0.07, 0.07, 0.01, 0.01, 0.01]);
        let report = run(
            error_plan("error_rate > 5% for 5m\nalert: error_rate > 3%"),
            &rows(&data),
        );
        assert_eq!(report.result, WatchResult::NoRollback);
        assert!(!report.rollback);
        assert_eq!(report.rules[0].longest_streak, 4);
        assert_eq!(report.alerts().count(), 1);
    }

    #[test]
    fn an_alert_fires_again_after_recovering() {
        let data = rate(&[0.04, 0.04, 0.01, 0.04]);
        let report = run(error_plan("alert: error_rate > 3%"), &rows(&data));
        assert_eq!(report.rules[0].fired_at, [t(0), t(3)]);
    }

    #[test]
    fn a_gap_holds_the_streak_and_nan_is_missing() {
        let mut data = rate(&[0.07, 0.07, f64::NAN, 0.07, 0.07, 0.07]);
        data[1] = vec![]; // not sampled at all: a source error
        let report = run(error_plan("error_rate > 5% for 5m"), &rows(&data));
        assert_eq!(report.result, WatchResult::Error, "{report:?}");
        assert!(
            report.errors[0].contains("1 of 6 samples failed"),
            "{:?}",
            report.errors
        );
        let data = rate(&[0.07, 0.07, f64::NAN, 0.07, 0.07, 0.07]);
        let report = run(error_plan("error_rate > 5% for 5m"), &rows(&data));
        assert_eq!(report.result, WatchResult::Rollback);
        assert_eq!(
            report.fired_at,
            Some(t(5)),
            "the NaN neither broke nor counted"
        );
        assert_eq!(report.series[0].missing(), 1);
    }

    #[test]
    fn a_blind_watch_never_ends_healthy() {
        let nan = f64::NAN;
        let report = run(
            error_plan("error_rate > 5%"),
            &rows(&rate(&[nan, nan, nan])),
        );
        assert_eq!(report.result, WatchResult::Error);
        assert_eq!(
            report.errors,
            ["metric `error_rate` has no sample in the whole window (3 missing, 0 failed)"]
        );
        let report = run(
            error_plan("error_rate > 5%"),
            &rows(&rate(&[0.01, nan, nan])),
        );
        assert_eq!(report.result, WatchResult::Error);
        assert!(report.errors[0].contains("only 1 of 3"));
        let report = run(
            error_plan("error_rate > 5%"),
            &rows(&rate(&[0.01, nan, 0.01])),
        );
        assert_eq!(report.result, WatchResult::NoRollback);
        let report = run(error_plan("error_rate > 5%"), &[]);
        assert_eq!(report.result, WatchResult::Error);
        let errors: Vec<Vec<(&str, Sample)>> =
            vec![vec![("error_rate", Sample::Error("connection refused".into()))]; 3];
        let report = run(error_plan("error_rate > 5%"), &rows(&errors));
        assert_eq!(report.result, WatchResult::Error);
        assert!(report.errors[0].starts_with("metric `error_rate` failed 3 samples in a row"));
        assert!(report.errors[1].ends_with("(0 missing, 3 failed): connection refused"));
    }

    #[test]
    fn health_failing_and_uptime() {
        let plan = Plan::new(
            Some(parse_rules("health failing for 3m\nalert: uptime < 99%").unwrap()),
            &[],
            true,
            Duration::from_mins(1),
        )
        .unwrap();
        let h = |v: f64| vec![("health", Sample::Value(v))];
        let data = vec![
            h(1.0),
            h(0.0),
            h(0.0),
            h(1.0),
            h(0.0),
            h(0.0),
            h(0.0),
            h(1.0),
        ];
        let report = run(plan, &rows(&data));
        assert_eq!(report.result, WatchResult::Rollback);
        assert_eq!(report.fired_at, Some(t(6)));
        assert_eq!(
            report.reason.as_deref(),
            Some("health check failing for 3 consecutive samples (`for 3m` at a 1m interval), up to 2026-11-27T12:06:00Z")
        );
        let uptime = report.series.iter().find(|s| s.name == "uptime").unwrap();
        assert_eq!(uptime.samples[1].sample, Sample::Value(0.5));
        assert_eq!(report.events[0].rule, "alert: uptime < 99%");
        assert_eq!(report.events[0].value, "50%");
    }

    #[test]
    fn the_health_metric_wins_over_the_probe() {
        let plan = Plan::new(None, &names(&["health"]), true, Duration::from_mins(1)).unwrap();
        assert_eq!(plan.health, HealthSource::Metric);
        assert_eq!(plan.sources(), ["health"]);
    }

    #[test]
    fn report_json_spells_infinities_and_missing_samples() {
        let data = rate(&[f64::INFINITY, f64::NAN]);
        let report = run(error_plan("alert: error_rate > 5%"), &rows(&data));
        let json = serde_json::to_value(&report.series[0]).unwrap();
        assert_eq!(
            json["samples"],
            serde_json::json!([
                {"at": "2026-11-27T12:00:00Z", "state": "value", "value": "+Inf"},
                {"at": "2026-11-27T12:01:00Z", "state": "missing"},
            ])
        );
    }

    #[test]
    fn samples_in_a_window_count_the_first() {
        assert_eq!(
            samples_in(Duration::from_mins(30), Duration::from_mins(1)),
            31
        );
        assert_eq!(
            samples_in(Duration::from_secs(2), Duration::from_secs(1)),
            3
        );
        assert_eq!(
            samples_in(Duration::from_secs(0), Duration::from_mins(1)),
            1
        );
        assert_eq!(
            samples_in(Duration::from_secs(90), Duration::from_mins(1)),
            2
        );
    }

    #[test]
    fn a_written_rule_that_cannot_fire_in_the_window_is_an_error() {
        let mut plan = error_plan("alert: error_rate > 3%\nerror_rate > 5% for 5m");
        let e = plan.fit_window(3).unwrap_err();
        assert_eq!(
            e,
            Error::Unfireable(Unfireable {
                rule: "error_rate > 5% for 5m".into(),
                number: 2,
                required: 5,
                samples: 3,
            })
        );
        assert_eq!(
            e.to_string(),
            "rule 2 (`error_rate > 5% for 5m`) can never fire: it needs 5 consecutive samples and the window has 3"
        );
        // Exactly enough samples is enough.
        let mut plan = error_plan("error_rate > 5% for 5m");
        assert_eq!(plan.fit_window(5).unwrap(), []);
        assert_eq!(plan.rules.len(), 1);
    }

    #[test]
    fn a_default_rule_that_cannot_fire_is_not_watched() {
        // A smoke watch: health URLs, 2 s at 1 s samples (3 samples).
        let mut plan = Plan::new(None, &[], true, Duration::from_secs(1)).unwrap();
        let skipped = plan.fit_window(3).unwrap();
        assert_eq!(
            skipped,
            [Unfireable {
                rule: "health failing for 3m".into(),
                number: 3,
                required: 180,
                samples: 3,
            }]
        );
        let active: Vec<&str> = plan.rules.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(active, ["uptime < 99%"]);
        let last = plan.not_watched.last().unwrap();
        assert_eq!(last.rule, "health failing for 3m");
        assert_eq!(
            last.reason,
            "cannot fire in this window: needs 180 consecutive samples at a 1s interval, the window has 3"
        );
        // The flow's own 30-minute window fits every default rule.
        let mut plan = Plan::new(
            None,
            &names(&["error_rate", "latency_p95"]),
            true,
            Duration::from_mins(1),
        )
        .unwrap();
        assert_eq!(plan.fit_window(31).unwrap(), []);
        assert_eq!(plan.rules.len(), 6);
    }

    #[test]
    fn a_source_down_three_samples_in_a_row_stops_the_watch() {
        let down = || {
            vec![(
                "error_rate",
                Sample::Error("cannot reach Prometheus".into()),
            )]
        };
        let up = || vec![("error_rate", Sample::value(0.01))];
        let mut watch = Watch::new(error_plan("error_rate > 5% for 5m"));
        // A blip does not stop it; the third failure in a row does.
        for (i, row) in [up(), down(), down(), up(), down(), down()]
            .iter()
            .enumerate()
        {
            let map = row
                .iter()
                .map(|(n, s)| (n.to_string(), s.clone()))
                .collect();
            watch.observe(t(i as i64), &map);
            assert!(watch.halted().is_none(), "sample {i}");
        }
        let map = down()
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        watch.observe(t(6), &map);
        assert!(watch.halted().is_some());
        // Nothing is taken after the halt.
        watch.observe(
            t(7),
            &up().into_iter().map(|(n, s)| (n.to_string(), s)).collect(),
        );
        let report = watch.finish(false);
        assert_eq!(report.samples, 7);
        assert_eq!(report.result, WatchResult::Error);
        assert_eq!(
            report.errors[0],
            "metric `error_rate` failed 3 samples in a row (cannot reach Prometheus): the watch stopped after 7 samples instead of waiting out the window, since it could no longer vouch for the deploy"
        );
    }

    #[test]
    fn an_interrupted_watch_cannot_vouch_but_keeps_a_decided_rollback() {
        let mut report = run(error_plan("error_rate > 5%"), &rows(&rate(&[0.01, 0.01])));
        assert_eq!(report.result, WatchResult::NoRollback);
        report.interrupt("SIGTERM", 31);
        assert_eq!(report.result, WatchResult::Error);
        assert_eq!(report.interrupted.as_deref(), Some("SIGTERM"));
        assert_eq!(
            report.errors,
            ["interrupted by SIGTERM after 2 of 31 samples: the watch cannot vouch for the rest of its window"]
        );
        let mut report = run(error_plan("error_rate > 5%"), &rows(&rate(&[0.07])));
        report.interrupt("SIGINT", 31);
        assert_eq!(report.result, WatchResult::Rollback);
        assert!(report.errors.is_empty());
    }

    proptest! {
        /// Whatever the samples, a watch with a failed or absent sample and no rollback never
        /// ends `no_rollback`, and one whose every sample is missing never does either.
        #[test]
        fn never_healthy_when_blind(
            values in proptest::collection::vec(
                prop_oneof![
                    (0.0f64..0.1).prop_map(Sample::Value),
                    Just(Sample::Missing),
                    Just(Sample::Error("down".into())),
                ],
                1..40,
            ),
        ) {
            let plan = error_plan("error_rate > 5% for 5m");
            let data: Vec<Vec<(&str, Sample)>> =
                values.iter().map(|s| vec![("error_rate", s.clone())]).collect();
            let report = run(plan, &rows(&data));
            let valid = values.iter().filter(|s| matches!(s, Sample::Value(_))).count();
            let failed = values.iter().any(|s| matches!(s, Sample::Error(_)));
            if report.result == WatchResult::NoRollback {
                prop_assert!(!failed);
                prop_assert!(valid * 2 >= values.len() && valid > 0);
            }
            if report.result == WatchResult::Rollback {
                prop_assert!(report.fired_at.is_some());
            }
        }
    }
}
