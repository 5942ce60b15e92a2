//! The checks gate: the CI checks on the gated commit are green.
//!
//! Rule, in plain words: check runs and commit statuses are taken together, and for each name
//! only the newest counts — a check run dated by `completed_at`, else `started_at`; a status by
//! `created_at`; something without a time is older than anything with one; at the same time the
//! worse state wins. shipgate's own check (`check_name`) is left out. Each newest report is:
//!
//! - check run not `completed` (queued, in progress, waiting…) → pending;
//! - completed `success` or `skipped` → pass; `neutral` → pass, or fail when the policy says
//!   neutral does not pass; `failure`, `timed_out`, `cancelled`, `action_required`, `stale`,
//!   `startup_failure` → fail; completed without a conclusion → error (fail closed);
//! - status `success` → pass, `pending` → pending, `failure`/`error` → fail.
//!
//! The required list holds names or globs (`*` also crosses `/`; an entry that is not a valid
//! glob is matched as a plain name). Each entry must match at least one reported check, or the
//! gate is pending ("`name` never reported"). An empty list means every reported check; then no
//! check at all is pending ("no checks reported yet"). The gate is the worst of the selected
//! checks: error > fail > pending > pass.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use glob::Pattern;

use super::text::{count, name_list, phrase_list};
use super::{Context, Gate, GateId, GateResult};
use crate::facts::{CheckConclusion, CheckRun, CheckStatus, CommitStatus, StatusState};
use crate::policy::Policy;

/// The checks gate.
pub struct Checks;

impl Gate for Checks {
    fn id(&self) -> GateId {
        GateId::Checks
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.checks.enabled
    }
    fn evaluate(&self, cx: &Context<'_>) -> GateResult {
        evaluate(cx)
    }
}

/// What one reported check means for the gate, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Pass,
    Pending,
    Fail,
    Error,
}

/// The newest report under one name.
#[derive(Debug, Clone, Copy)]
struct Report {
    at: Option<DateTime<Utc>>,
    outcome: Outcome,
    /// The state as GitHub names it, for the reason (`failure`, `in_progress`, …).
    state: &'static str,
}

fn check_run_report(run: &CheckRun, neutral_passes: bool) -> Report {
    use CheckConclusion as C;
    let (outcome, state) = match (run.status, run.conclusion) {
        (CheckStatus::Completed, Some(conclusion)) => match conclusion {
            C::Success => (Outcome::Pass, "success"),
            C::Skipped => (Outcome::Pass, "skipped"),
            C::Neutral if neutral_passes => (Outcome::Pass, "neutral"),
            C::Neutral => (Outcome::Fail, "neutral"),
            C::Failure => (Outcome::Fail, "failure"),
            C::TimedOut => (Outcome::Fail, "timed_out"),
            C::Cancelled => (Outcome::Fail, "cancelled"),
            C::ActionRequired => (Outcome::Fail, "action_required"),
            C::Stale => (Outcome::Fail, "stale"),
            C::StartupFailure => (Outcome::Fail, "startup_failure"),
        },
        (CheckStatus::Completed, None) => (Outcome::Error, "completed without a conclusion"),
        (CheckStatus::Queued, _) => (Outcome::Pending, "queued"),
        (CheckStatus::InProgress, _) => (Outcome::Pending, "in_progress"),
        (CheckStatus::Waiting, _) => (Outcome::Pending, "waiting"),
        (CheckStatus::Requested, _) => (Outcome::Pending, "requested"),
        (CheckStatus::Pending, _) => (Outcome::Pending, "pending"),
    };
    Report {
        at: run.completed_at.or(run.started_at),
        outcome,
        state,
    }
}

fn status_report(status: &CommitStatus) -> Report {
    let (outcome, state) = match status.state {
        StatusState::Success => (Outcome::Pass, "success"),
        StatusState::Pending => (Outcome::Pending, "pending"),
        StatusState::Failure => (Outcome::Fail, "failure"),
        StatusState::Error => (Outcome::Fail, "error"),
    };
    Report {
        at: Some(status.created_at),
        outcome,
        state,
    }
}

/// The newest report per name, shipgate's own check left out.
fn newest_reports<'a>(cx: &Context<'a>) -> BTreeMap<&'a str, Report> {
    let own = cx.policy.check_name.as_str();
    let neutral_passes = cx.policy.checks.neutral_passes;
    let runs = cx
        .facts
        .check_runs
        .iter()
        .map(|r| (r.name.as_str(), check_run_report(r, neutral_passes)));
    let statuses = cx
        .facts
        .statuses
        .iter()
        .map(|s| (s.context.as_str(), status_report(s)));
    let mut newest: BTreeMap<&str, Report> = BTreeMap::new();
    for (name, report) in runs.chain(statuses).filter(|(name, _)| *name != own) {
        let entry = newest.entry(name).or_insert(report);
        if (report.at, report.outcome) > (entry.at, entry.outcome) {
            *entry = report;
        }
    }
    newest
}

/// Whether a required-list entry selects the check `name`.
fn selects(entry: &str, pattern: Option<&Pattern>, name: &str) -> bool {
    entry == name || pattern.is_some_and(|p| p.matches(name))
}

/// Evaluates the checks rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Checks;
    let reported = newest_reports(cx);
    let required = &cx.policy.checks.required;

    let mut never_reported: Vec<&str> = Vec::new();
    let selected: BTreeSet<&str> = if required.is_empty() {
        if reported.is_empty() {
            return GateResult::pending(id, "no checks reported yet").with_unblock(
                "wait for CI to report on this commit (is CI set up to run on this branch?)",
            );
        }
        reported.keys().copied().collect()
    } else {
        let mut selected = BTreeSet::new();
        for entry in required {
            let pattern = Pattern::new(entry).ok();
            let matched: Vec<&str> = reported
                .keys()
                .copied()
                .filter(|name| selects(entry, pattern.as_ref(), name))
                .collect();
            if matched.is_empty() {
                never_reported.push(entry);
            }
            selected.extend(matched);
        }
        selected
    };

    let with = |outcome: Outcome| -> Vec<String> {
        selected
            .iter()
            .filter(|name| reported[*name].outcome == outcome)
            .map(|name| format!("`{name}` ({})", reported[*name].state))
            .collect()
    };
    let errored = with(Outcome::Error);
    let failing = with(Outcome::Fail);
    let running = with(Outcome::Pending);

    if !errored.is_empty() {
        return GateResult::error(
            id,
            format!("cannot tell the result of {}", phrase_list(&errored)),
        )
        .with_unblock("re-run these checks so that they report a conclusion");
    }
    if !failing.is_empty() {
        let mut reason = format!("failing: {}", phrase_list(&failing));
        if !running.is_empty() {
            reason.push_str(&format!("; not finished: {}", phrase_list(&running)));
        }
        return GateResult::fail(id, reason)
            .with_unblock("fix what the failing checks report, push, and let them run again");
    }
    if !running.is_empty() || !never_reported.is_empty() {
        let mut parts = Vec::new();
        if !running.is_empty() {
            parts.push(format!("not finished: {}", phrase_list(&running)));
        }
        if !never_reported.is_empty() {
            parts.push(format!("{} never reported", name_list(&never_reported)));
        }
        let unblock = if never_reported.is_empty() {
            "wait for the running checks to finish".to_string()
        } else {
            format!(
                "make sure {} run on this commit (workflow triggers, branch filters, check names)",
                name_list(&never_reported)
            )
        };
        return GateResult::pending(id, parts.join("; ")).with_unblock(unblock);
    }
    let names: Vec<&str> = selected.iter().copied().collect();
    GateResult::pass(
        id,
        format!(
            "{} passed: {}",
            count(names.len(), "check", "checks"),
            name_list(&names)
        ),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::facts::CheckConclusion::{
        ActionRequired, Cancelled, Failure, Neutral, Skipped, Stale, StartupFailure, Success,
        TimedOut,
    };
    use crate::facts::Facts;
    use crate::gates::testing::{at_h, at_min, eval, FactsBuilder};
    use crate::gates::GateState;

    fn checks(facts: &Facts) -> GateResult {
        eval(&Checks, facts, &Policy::default(), at_h(48))
    }

    fn required(names: &[&str]) -> Policy {
        let mut policy = Policy::default();
        policy.checks.required = names.iter().map(|n| n.to_string()).collect();
        policy
    }

    #[test]
    fn checks_all_green_pass() {
        let facts = FactsBuilder::new()
            .completed("build", Success, at_h(1))
            .completed("e2e", Skipped, at_h(1))
            .status("ci/security-scan", StatusState::Success, at_h(1))
            .build();
        let r = checks(&facts);
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(
            r.reason,
            "3 checks passed: `build`, `ci/security-scan`, `e2e`"
        );
    }

    #[test]
    fn checks_none_reported_is_pending() {
        let r = checks(&FactsBuilder::new().build());
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "no checks reported yet");
    }

    #[test]
    fn checks_only_shipgates_own_is_none_reported() {
        let facts = FactsBuilder::new()
            .completed("shipgate", Failure, at_h(1))
            .status("shipgate", StatusState::Pending, at_h(1))
            .build();
        assert_eq!(checks(&facts).reason, "no checks reported yet");
    }

    #[test]
    fn required_check_failed_fails() {
        let facts = FactsBuilder::new()
            .completed("build", Success, at_h(1))
            .completed("test", Failure, at_h(1))
            .build();
        let r = eval(&Checks, &facts, &required(&["build", "test"]), at_h(48));
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "failing: `test` (failure)");
    }

    #[test]
    fn required_check_running_is_pending() {
        let facts = FactsBuilder::new()
            .completed("build", Success, at_h(1))
            .check_run("test", CheckStatus::InProgress, None, Some(at_h(1)), None)
            .build();
        let r = eval(&Checks, &facts, &required(&["build", "test"]), at_h(48));
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "not finished: `test` (in_progress)");
        assert_eq!(
            r.unblock.as_deref(),
            Some("wait for the running checks to finish")
        );
    }

    #[test]
    fn required_check_never_reported_is_pending() {
        let facts = FactsBuilder::new()
            .completed("build", Success, at_h(1))
            .build();
        let r = eval(
            &Checks,
            &facts,
            &required(&["build", "load-test"]),
            at_h(48),
        );
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "`load-test` never reported");
    }

    #[test]
    fn required_check_failed_then_rerun_green_passes_newest_wins() {
        let facts = FactsBuilder::new()
            .completed("test", Success, at_h(2))
            .completed("test", Failure, at_h(1)) // listed later, but older
            .build();
        assert_eq!(
            eval(&Checks, &facts, &required(&["test"]), at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn required_check_green_then_rerun_failing_fails() {
        let facts = FactsBuilder::new()
            .completed("test", Success, at_h(1))
            .completed("test", Failure, at_h(2))
            .build();
        assert_eq!(checks(&facts).state, GateState::Fail);
    }

    #[test]
    fn rerun_still_running_after_a_green_run_is_pending() {
        // A re-run in progress has only `started_at`, later than the first run's completion.
        let facts = FactsBuilder::new()
            .completed("test", Success, at_h(1))
            .check_run("test", CheckStatus::Queued, None, Some(at_h(2)), None)
            .build();
        assert_eq!(checks(&facts).state, GateState::Pending);
    }

    #[test]
    fn check_run_without_any_time_is_older_than_one_with_a_time() {
        let facts = FactsBuilder::new()
            .check_run("test", CheckStatus::Queued, None, None, None)
            .completed("test", Success, at_h(1))
            .build();
        assert_eq!(checks(&facts).state, GateState::Pass);
    }

    #[test]
    fn commit_status_and_check_run_of_the_same_name_newest_wins() {
        let failing_status_newer = FactsBuilder::new()
            .completed("ci/test", Success, at_h(1))
            .status("ci/test", StatusState::Failure, at_h(2))
            .build();
        let r = checks(&failing_status_newer);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "failing: `ci/test` (failure)");

        let green_run_newer = FactsBuilder::new()
            .status("ci/test", StatusState::Failure, at_h(1))
            .completed("ci/test", Success, at_h(2))
            .build();
        let r = checks(&green_run_newer);
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(r.reason, "1 check passed: `ci/test`");
    }

    #[test]
    fn commit_status_and_check_run_at_the_same_time_the_worse_wins() {
        let facts = FactsBuilder::new()
            .completed("ci/test", Success, at_h(1))
            .status("ci/test", StatusState::Pending, at_h(1))
            .build();
        assert_eq!(checks(&facts).state, GateState::Pending);
    }

    #[test]
    fn commit_status_states() {
        for (state, expected) in [
            (StatusState::Success, GateState::Pass),
            (StatusState::Pending, GateState::Pending),
            (StatusState::Failure, GateState::Fail),
            (StatusState::Error, GateState::Fail),
        ] {
            let facts = FactsBuilder::new().status("ci", state, at_h(1)).build();
            assert_eq!(checks(&facts).state, expected, "{state:?}");
        }
    }

    #[test]
    fn check_run_failing_conclusions_fail() {
        for conclusion in [
            Failure,
            TimedOut,
            Cancelled,
            ActionRequired,
            Stale,
            StartupFailure,
        ] {
            let facts = FactsBuilder::new()
                .completed("test", conclusion, at_h(1))
                .build();
            assert_eq!(checks(&facts).state, GateState::Fail, "{conclusion:?}");
        }
    }

    #[test]
    fn check_run_unfinished_statuses_are_pending() {
        for status in [
            CheckStatus::Queued,
            CheckStatus::InProgress,
            CheckStatus::Waiting,
            CheckStatus::Requested,
            CheckStatus::Pending,
        ] {
            // Even a conclusion on an unfinished run does not make it pass.
            let facts = FactsBuilder::new()
                .check_run("test", status, Some(Success), Some(at_h(1)), None)
                .build();
            assert_eq!(checks(&facts).state, GateState::Pending, "{status:?}");
        }
    }

    #[test]
    fn check_run_neutral_passes_unless_the_policy_says_otherwise() {
        let facts = FactsBuilder::new()
            .completed("lint", Neutral, at_h(1))
            .build();
        assert_eq!(checks(&facts).state, GateState::Pass);
        let mut strict = Policy::default();
        strict.checks.neutral_passes = false;
        let r = eval(&Checks, &facts, &strict, at_h(48));
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "failing: `lint` (neutral)");
    }

    #[test]
    fn check_run_completed_without_a_conclusion_is_an_error() {
        let facts = FactsBuilder::new()
            .check_run("test", CheckStatus::Completed, None, None, Some(at_h(1)))
            .completed("lint", Failure, at_h(1))
            .build();
        let r = checks(&facts);
        assert_eq!(r.state, GateState::Error);
        assert_eq!(
            r.reason,
            "cannot tell the result of `test` (completed without a conclusion)"
        );
    }

    #[test]
    fn required_globs_select_checks_and_must_match_something() {
        let facts = FactsBuilder::new()
            .completed("test (ubuntu)", Success, at_h(1))
            .completed("test (macos)", Failure, at_h(1))
            .completed("docs", Failure, at_h(1)) // not required: ignored
            .build();
        let r = eval(&Checks, &facts, &required(&["test (*"]), at_h(48));
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "failing: `test (macos)` (failure)");

        let r = eval(
            &Checks,
            &facts,
            &required(&["test (ubuntu)", "e2e/*"]),
            at_h(48),
        );
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "`e2e/*` never reported");
    }

    #[test]
    fn required_glob_star_crosses_slashes_in_check_names() {
        let facts = FactsBuilder::new()
            .status("ci/circleci: build", StatusState::Success, at_h(1))
            .build();
        assert_eq!(
            eval(&Checks, &facts, &required(&["ci/*"]), at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn required_entry_with_glob_characters_also_matches_literally() {
        let facts = FactsBuilder::new()
            .completed("build [linux", Success, at_h(1))
            .completed("test [x]", Success, at_h(1))
            .build();
        let policy = required(&["build [linux", "test [x]"]);
        assert_eq!(
            eval(&Checks, &facts, &policy, at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn required_shipgate_own_check_is_never_reported() {
        let facts = FactsBuilder::new()
            .completed("shipgate", Success, at_h(1))
            .build();
        let r = eval(&Checks, &facts, &required(&["shipgate"]), at_h(48));
        assert_eq!(r.state, GateState::Pending);
    }

    #[test]
    fn checks_reason_lists_the_first_few_then_how_many_more() {
        let mut builder = FactsBuilder::new();
        for i in 0..5 {
            builder = builder.completed(&format!("suite-{i}"), Failure, at_min(i));
        }
        let r = checks(&builder.build());
        assert_eq!(
            r.reason,
            "failing: `suite-0` (failure), `suite-1` (failure), `suite-2` (failure) and 2 more"
        );
    }

    #[test]
    fn checks_failing_and_running_lists_both() {
        let facts = FactsBuilder::new()
            .completed("unit", Failure, at_h(1))
            .check_run(
                "e2e",
                CheckStatus::InProgress,
                None,
                Some(at_h(1) - TimeDelta::minutes(1)),
                None,
            )
            .build();
        assert_eq!(
            checks(&facts).reason,
            "failing: `unit` (failure); not finished: `e2e` (in_progress)"
        );
    }
}
