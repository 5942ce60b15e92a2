//! Post-deploy probes and metric sources: health checks, the security checklist, Prometheus,
//! the rollback actions and team notifications.
//!
//! - [`health`]: the `curl -f` probe (`verify`, and `health` in `watch`);
//! - [`security`]: the requests of `verify`'s security checklist;
//! - [`prometheus`]: the Prometheus HTTP API as a metric source;
//! - [`rollback`]: deployment status, webhook, workflow dispatch, recovery timing;
//! - [`notify`]: the chat notifications of `record` and `watch`;
//! - [`interrupt`]: SIGINT and SIGTERM, which end a watch or a verification with its summary.

pub mod health;
pub mod interrupt;
pub mod notify;
pub mod prometheus;
pub mod rollback;
pub mod security;

/// Parses a duration flag, naming the input in the error.
pub fn parse_duration(
    values: &crate::inputs::Values,
    name: &str,
) -> Result<shipgate_core::Duration, crate::outcome::Failure> {
    let text = values.text(name).unwrap_or_default();
    shipgate_core::Duration::parse(text).map_err(|e| values.invalid(name, &e.to_string()))
}
