//! Errors in a watch's configuration: usage errors, which the user fixes by changing the input.

use super::engine::Unfireable;
use super::rule::RuleError;

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
    /// A rule the user wrote needs more consecutive samples than the window holds.
    #[error(
        "rule {} (`{}`) can never fire: it needs {} consecutive samples and the window has {}",
        .0.number, .0.rule, .0.required, .0.samples
    )]
    Unfireable(Unfireable),
    /// The interval is zero.
    #[error("the sampling `interval` must be at least 1s")]
    Interval,
}
