//! Post-deploy watch: rollback-trigger rules, their grammar and streak arithmetic (issue 5).
//!
//! - [`rule`]: the rule grammar (`alert: error_rate > 3%`, `latency_p95 > 5s for 10m`,
//!   `health failing for 3m`, `uptime < 99%`) and the flow's default rules;
//! - [`streak`]: when a sustained rule fires, and what missing samples do to a streak;
//! - [`engine`]: the plan (which rules apply), the watch fed with samples, and its report;
//! - [`render`]: the report as Markdown (with Mermaid charts) and text.
//!
//! Everything is pure: the binary takes the samples (Prometheus, health probes) and the time.

pub mod engine;
pub mod render;
pub mod rule;
pub mod streak;

pub use engine::{
    ActionReport, Event, HealthSource, Plan, Report, Sample, Series, TimedSample, Watch,
    WatchResult,
};
pub use rule::{default_rules, parse_rule, parse_rules, Level, Rule, RuleError};

/// Errors in a watch's configuration (usage errors: the user must change the input).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A rule did not parse.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// An explicitly written rule reads a metric that is not configured.
    #[error("rule {rule}, column {column}: unknown metric `{metric}`: {reason} (in `{text}`)")]
    UnknownMetric {
        /// The rule (line) number.
        rule: usize,
        /// The column of the metric name.
        column: usize,
        /// The metric.
        metric: String,
        /// What is missing.
        reason: String,
        /// The rule as written.
        text: String,
    },
    /// A configured metric has an unusable name.
    #[error("metric `{name}`: {reason}")]
    MetricName {
        /// The name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The same metric is configured twice.
    #[error("metric `{name}` is configured twice")]
    DuplicateMetric {
        /// The name.
        name: String,
    },
    /// No rule applies: no metric is configured for the defaults, and no health URL.
    #[error("nothing to watch: configure `metrics` (e.g. `error_rate = <PromQL>`) or `health-urls`, or write `rules`")]
    NothingToWatch,
    /// The interval is zero.
    #[error("the sampling `interval` must be at least 1s")]
    Interval,
}
