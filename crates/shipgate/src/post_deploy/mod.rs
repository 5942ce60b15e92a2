//! Post-deploy probes and metric sources: health checks, Prometheus, and the rollback
//! actions.
//!
//! - [`health`]: the `curl -f` probe (`verify`, and `health` in `watch`);
//! - [`prometheus`]: the Prometheus HTTP API as a metric source;
//! - [`rollback`]: deployment status, webhook, workflow dispatch, recovery timing.

pub mod health;
pub mod prometheus;
pub mod rollback;

/// Parses a duration flag, naming the input in the error.
pub fn parse_duration(
    input: &str,
    text: &str,
) -> Result<shipgate_core::Duration, crate::outcome::Failure> {
    shipgate_core::Duration::parse(text)
        .map_err(|e| crate::outcome::Failure::usage(format!("`{input}`: {e}")))
}
