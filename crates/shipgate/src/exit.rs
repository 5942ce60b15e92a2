//! Exit codes of the `shipgate` binary, shared by every command (documented in `docs/cli.md`).

/// Pass / healthy / no rollback.
pub const OK: u8 = 0;
/// The job could not be done: a gate could not be evaluated, GitHub or a metric source failed.
pub const ERROR: u8 = 1;
/// Bad input: arguments, config, facts file, event, duration.
pub const USAGE: u8 = 2;
/// `gate`: some gate is pending (will pass without a code change).
pub const PENDING: u8 = 3;
/// `gate`: some gate fails. `verify`: unhealthy.
pub const FAIL: u8 = 4;
/// `watch`: a rollback trigger fired and the rollback was started.
pub const ROLLBACK: u8 = 5;
