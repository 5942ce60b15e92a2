//! Post-deploy watch: rollback-trigger rules, their grammar and streak arithmetic
//! (`docs/watch.md`, `docs/rules.md`).
//!
//! - [`rule`]: the rule grammar (`alert: error_rate > 3%`, `latency_p95 > 5s for 10m`,
//!   `health failing for 3m`, `uptime < 99%`) and the flow's default rules;
//! - [`streak`]: when a sustained rule fires, and what missing samples do to a streak;
//! - [`engine`]: the plan (which rules apply), the watch fed with samples, and its report;
//! - [`render`]: the report as Markdown (with Mermaid charts) and text;
//! - [`error`]: what is wrong with a watch's configuration.
//!
//! Everything is pure: the binary takes the samples (Prometheus, health probes) and the time.

pub mod engine;
pub mod error;
pub mod render;
pub mod rule;
pub mod streak;

pub use engine::{
    samples_in, ActionReport, Event, HealthSource, Plan, Report, Sample, Series, TimedSample,
    Unfireable, Watch, WatchResult, MAX_SOURCE_ERRORS_IN_A_ROW,
};
pub use error::Error;
pub use rule::{default_rules, parse_rule, parse_rules, Level, Rule, RuleError};
