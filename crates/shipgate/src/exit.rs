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
/// `watch`, `verify`: stopped by SIGINT (128 + 2, as shells report it), after the summary.
pub const INTERRUPTED: u8 = 130;
/// `watch`, `verify`: stopped by SIGTERM (128 + 15), after the summary.
pub const TERMINATED: u8 = 143;

/// The exit code of a gate verdict: 0 pass, 3 pending, 4 fail, 1 error.
pub fn of_verdict(verdict: shipgate_core::verdict::VerdictState) -> u8 {
    use shipgate_core::verdict::VerdictState;
    match verdict {
        VerdictState::Pass => OK,
        VerdictState::Pending => PENDING,
        VerdictState::Fail => FAIL,
        VerdictState::Error => ERROR,
    }
}

#[cfg(test)]
mod tests {
    use shipgate_core::verdict::VerdictState;

    #[test]
    fn exit_codes_follow_the_verdict() {
        assert_eq!(super::of_verdict(VerdictState::Pass), 0);
        assert_eq!(super::of_verdict(VerdictState::Pending), 3);
        assert_eq!(super::of_verdict(VerdictState::Fail), 4);
        assert_eq!(super::of_verdict(VerdictState::Error), 1);
    }
}
