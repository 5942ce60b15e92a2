//! Post-deploy probes and metric sources: health checks, Prometheus (issue 5), and the
//! rollback actions.
//!
//! - [`health`]: the `curl -f` probe (`verify`, and `health` in `watch`);
//! - [`prometheus`]: the Prometheus HTTP API as a metric source;
//! - [`rollback`]: deployment status, webhook, workflow dispatch, recovery timing.

pub mod health;
pub mod prometheus;
pub mod rollback;

/// Parses a boolean input as `@actions/core`'s `getBooleanInput` does (YAML 1.2 core schema).
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        other => Err(format!("{other:?} is not a boolean; use `true` or `false`")),
    }
}

/// Parses a duration flag, naming the input in the error.
pub fn parse_duration(
    input: &str,
    text: &str,
) -> Result<shipgate_core::Duration, crate::outcome::Failure> {
    shipgate_core::Duration::parse(text)
        .map_err(|e| crate::outcome::Failure::usage(format!("`{input}`: {e}")))
}

/// Output formats of `verify` and `watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text.
    Text,
    /// The job-summary Markdown.
    Markdown,
    /// The `report` output (JSON).
    Json,
}
