//! The checks gate: the CI checks on the gated commit are green.
//!
//! Rule, in plain words: check runs and commit statuses are taken together. A report's
//! **source** is the app of a check run (its slug) or the account that posted a commit status.
//! For each name and source only the newest report counts — among check runs that all carry
//! GitHub's id, the one created last (a reporter sets its own dates); otherwise a check run
//! dated by `completed_at`, else `started_at`, a status by `created_at`, something without a
//! time older than anything with one, and at the same time the worse state wins. When several sources
//! report the same name (a check run and a status, two apps), **each counts and the worst
//! wins**: a later report of another kind or source never hides a failing one. Reports named
//! like shipgate's own check (`check-name`) never count, whatever their source. Each report is:
//!
//! - check run not `completed` (queued, in progress, waiting…) → pending;
//! - completed `success` or `skipped` → pass; `neutral` → pass, or fail when the policy says
//!   neutral does not pass; `failure`, `timed_out`, `cancelled`, `action_required`, `stale`,
//!   `startup_failure` → fail; completed without a conclusion → error (fail closed);
//! - status `success` → pass, `pending` → pending, `failure`/`error` → fail.
//!
//! Who may open the gate: anyone with write access can post a commit status through the API,
//! so a status posted by a **user** account (or by an unknown one) can hold or fail a check but
//! never pass it — its `success` is ignored and named in the reason. A required entry may pin
//! its source (`{name: "backend / test", app: github-actions}`, or `backend / test @
//! github-actions` as an input): then only reports from that app or account count — a user
//! named there is trusted for that check — and reports of that name from any other source are
//! ignored and named.
//!
//! The required list holds names or globs (`*` also crosses `/`; an entry that is not a valid
//! glob is matched as a plain name). Each entry must match at least one counted report, or the
//! gate is pending ("`name` never reported"). An empty list means every reported check; then
//! at least one report from an app must be there, or the gate is pending ("no checks reported
//! yet"): statuses of users alone never show that CI ran. The gate is the worst of the
//! selected checks: error > fail > pending > pass.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use glob::Pattern;

use super::text::{count, name_list, phrase_list};
use super::{Context, Gate, GateId, GateResult};
use crate::facts::{
    login_key, Actor, CheckConclusion, CheckRun, CheckStatus, CommitStatus, StatusState,
};
use crate::policy::{Policy, RequiredCheck};
use crate::unmatched;

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

/// Who reported a check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    /// A check run of this app (slug, as compared).
    App(String),
    /// A commit status of this account (login, as compared), and whether it is a bot.
    Account(String, bool),
    /// A report whose source GitHub did not say.
    Unknown,
}

impl Source {
    fn of_run(run: &CheckRun) -> Self {
        run.app
            .as_deref()
            .map_or(Self::Unknown, |app| Self::App(login_key(app)))
    }

    fn of_status(creator: Option<&Actor>) -> Self {
        creator.map_or(Self::Unknown, |a| Self::Account(a.key(), a.is_bot()))
    }

    /// Whether the source is an app or a bot account: one that a user cannot impersonate by
    /// posting through the API.
    fn is_app(&self) -> bool {
        matches!(self, Self::App(_) | Self::Account(_, true))
    }

    fn matches(&self, pin: &str) -> bool {
        let pin = login_key(pin);
        match self {
            Self::App(app) | Self::Account(app, _) => *app == pin,
            Self::Unknown => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::App(app) => format!("app `{app}`"),
            Self::Account(login, true) => format!("bot `{login}`"),
            Self::Account(login, false) => format!("user `{login}`"),
            Self::Unknown => "an unknown source".to_string(),
        }
    }
}

/// The newest report of one name from one source.
#[derive(Debug, Clone)]
struct Report {
    /// GitHub's id of a check run, when known: the order in which a source's runs were created.
    id: Option<u64>,
    at: Option<DateTime<Utc>>,
    outcome: Outcome,
    /// The state as GitHub names it, for the reason (`failure`, `in_progress`, …).
    state: &'static str,
    /// A commit status (not a check run).
    status: bool,
}

/// The newest of one name's and one source's reports. When every one is a check run with its id,
/// by id — the order GitHub created them in: a reporter sets `completed_at` itself, so a run
/// "completed" in 2099 cannot outrank a later failure. Otherwise by time (a status's is
/// GitHub's), the worse outcome winning a tie. One rule for the whole group, so the result never
/// depends on the order the reports were listed in.
fn newest_of(reports: Vec<Report>) -> Option<Report> {
    if reports.iter().all(|r| r.id.is_some()) {
        reports.into_iter().max_by_key(|r| (r.id, r.outcome))
    } else {
        reports.into_iter().max_by_key(|r| (r.at, r.outcome))
    }
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
        id: run.id,
        at: run.completed_at.or(run.started_at),
        outcome,
        state,
        status: false,
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
        id: None,
        at: Some(status.created_at),
        outcome,
        state,
        status: true,
    }
}

/// The newest report per name and source, shipgate's own check left out.
fn newest_reports<'a>(cx: &Context<'a>) -> BTreeMap<&'a str, BTreeMap<Source, Report>> {
    let own = cx.policy.check_name.as_str();
    let neutral_passes = cx.policy.checks.neutral_passes;
    let runs = cx.facts.check_runs.iter().map(|r| {
        (
            r.name.as_str(),
            Source::of_run(r),
            check_run_report(r, neutral_passes),
        )
    });
    let statuses = cx.facts.statuses.iter().map(|s| {
        (
            s.context.as_str(),
            Source::of_status(s.creator.as_ref()),
            status_report(s),
        )
    });
    let mut all: BTreeMap<&str, BTreeMap<Source, Vec<Report>>> = BTreeMap::new();
    for (name, source, report) in runs.chain(statuses).filter(|(name, ..)| *name != own) {
        all.entry(name)
            .or_default()
            .entry(source)
            .or_default()
            .push(report);
    }
    all.into_iter()
        .map(|(name, by_source)| {
            let newest = by_source
                .into_iter()
                .filter_map(|(source, reports)| Some((source, newest_of(reports)?)))
                .collect();
            (name, newest)
        })
        .collect()
}

/// Whether a required-list entry selects the check `name`.
fn selects(entry: &str, pattern: Option<&Pattern>, name: &str) -> bool {
    entry == name || pattern.is_some_and(|p| p.matches(name))
}

/// One check as the gate judges it: the worst of its counted reports.
#[derive(Debug, Clone)]
struct Judged {
    outcome: Outcome,
    state: &'static str,
    /// Whether some counted report comes from an app or bot (not only users).
    from_app: bool,
}

/// Evaluates the checks rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Checks;
    let reported = newest_reports(cx);
    let required = &cx.policy.checks.required;
    let mut ignored: Vec<String> = Vec::new();

    // The pin that applies to a name: the first required entry selecting it that has one.
    let patterns: Vec<(&RequiredCheck, Option<Pattern>)> = required
        .iter()
        .map(|entry| (entry, Pattern::new(&entry.name).ok()))
        .collect();
    let pin_of = |name: &str| -> Option<&str> {
        patterns
            .iter()
            .filter(|(entry, pattern)| selects(&entry.name, pattern.as_ref(), name))
            .find_map(|(entry, _)| entry.app.as_deref())
    };

    let mut judged: BTreeMap<&str, Judged> = BTreeMap::new();
    for (name, by_source) in &reported {
        let pin = pin_of(name);
        let mut worst: Option<Judged> = None;
        for (source, report) in by_source {
            let counts = match pin {
                Some(pin) if !source.matches(pin) => {
                    ignored.push(format!(
                        "`{name}` from {} (required from `{pin}`)",
                        source.describe()
                    ));
                    false
                }
                Some(_) => true,
                // An untrusted status can hold or fail a check, never pass it.
                None if report.status && !source.is_app() && report.outcome == Outcome::Pass => {
                    ignored.push(format!(
                        "`{name}` {} from {} (a status a user can post)",
                        report.state,
                        source.describe()
                    ));
                    false
                }
                None => true,
            };
            if !counts {
                continue;
            }
            let candidate = Judged {
                outcome: report.outcome,
                state: report.state,
                from_app: source.is_app() || pin.is_some(),
            };
            worst = Some(match worst {
                Some(w) if w.outcome >= candidate.outcome => Judged {
                    from_app: w.from_app || candidate.from_app,
                    ..w
                },
                Some(w) => Judged {
                    from_app: w.from_app || candidate.from_app,
                    ..candidate
                },
                None => candidate,
            });
        }
        if let Some(worst) = worst {
            judged.insert(name, worst);
        }
    }

    let mut never_reported: Vec<String> = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    let selected: BTreeSet<&str> = if required.is_empty() {
        if !judged.values().any(|j| j.from_app) {
            let mut reason = "no checks reported yet".to_string();
            if !ignored.is_empty() {
                reason.push_str(&format!("; ignored: {}", phrase_list(&ignored)));
            }
            return GateResult::pending(id, reason).with_unblock(
                "wait for CI to report on this commit (is CI set up to run on this branch?)",
            );
        }
        judged.keys().copied().collect()
    } else {
        let mut selected = BTreeSet::new();
        for (entry, pattern) in &patterns {
            let matched: Vec<&str> = judged
                .keys()
                .copied()
                .filter(|name| selects(&entry.name, pattern.as_ref(), name))
                .collect();
            if matched.is_empty() {
                never_reported.push(entry.to_string());
                missing.push(entry.name.as_str());
            }
            selected.extend(matched);
        }
        selected
    };

    let with = |outcome: Outcome| -> Vec<String> {
        selected
            .iter()
            .filter(|name| judged[*name].outcome == outcome)
            .map(|name| format!("`{name}` ({})", judged[*name].state))
            .collect()
    };
    let errored = with(Outcome::Error);
    let failing = with(Outcome::Fail);
    let running = with(Outcome::Pending);
    let ignored_note = |mut reason: String| {
        if !ignored.is_empty() {
            reason.push_str(&format!("; ignored: {}", phrase_list(&ignored)));
        }
        reason
    };

    if !errored.is_empty() {
        return GateResult::error(
            id,
            ignored_note(format!(
                "cannot tell the result of {}",
                phrase_list(&errored)
            )),
        )
        .with_unblock("re-run these checks so that they report a conclusion");
    }
    if !failing.is_empty() {
        let mut reason = format!("failing: {}", phrase_list(&failing));
        if !running.is_empty() {
            reason.push_str(&format!("; not finished: {}", phrase_list(&running)));
        }
        return GateResult::fail(id, ignored_note(reason))
            .with_unblock("fix what the failing checks report, push, and let them run again");
    }
    if !running.is_empty() || !never_reported.is_empty() {
        let mut parts = Vec::new();
        if !running.is_empty() {
            parts.push(format!("not finished: {}", phrase_list(&running)));
        }
        if !never_reported.is_empty() {
            parts.push(format!("{} never reported", name_list(&never_reported)));
            // A close name that did report is most likely a typo in the policy (docs/gates.md).
            let known = unmatched::check_names(cx.facts, cx.policy);
            let hints: Vec<(String, &str)> = missing
                .iter()
                .filter_map(|name| unmatched::hint(name, &known).map(|close| (close, *name)))
                .collect();
            match hints.as_slice() {
                [] => {}
                [(close, _)] if missing.len() == 1 => {
                    parts.push(format!("did you mean `{close}`?"));
                }
                _ => {
                    let each: Vec<String> = hints
                        .iter()
                        .map(|(close, name)| format!("`{close}` for `{name}`"))
                        .collect();
                    parts.push(format!("did you mean {}?", phrase_list(&each)));
                }
            }
        }
        let unblock = if never_reported.is_empty() {
            "wait for the running checks to finish".to_string()
        } else {
            format!(
                "make sure {} run on this commit (workflow triggers, branch filters, check names)",
                name_list(&never_reported)
            )
        };
        return GateResult::pending(id, ignored_note(parts.join("; "))).with_unblock(unblock);
    }
    let names: Vec<&str> = selected.iter().copied().collect();
    GateResult::pass(
        id,
        ignored_note(format!(
            "{} passed: {}",
            count(names.len(), "check", "checks"),
            name_list(&names)
        )),
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
    use crate::gates::testing::{at_h, at_min, eval, user, FactsBuilder};
    use crate::gates::GateState;

    fn checks(facts: &Facts) -> GateResult {
        eval(&Checks, facts, &Policy::default(), at_h(48))
    }

    fn required(names: &[&str]) -> Policy {
        let mut policy = Policy::default();
        policy.checks.required = names.iter().map(|n| RequiredCheck::named(*n)).collect();
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
    fn a_sources_runs_are_ordered_as_github_created_them_not_by_their_own_dates() {
        // A real failure (id 20), and a success of the same app that claims to have completed
        // in 2099 but was created before it (id 10): the failure is the newer run.
        let mut facts = FactsBuilder::new()
            .completed("backend / unit", Success, at_h(24 * 365 * 70))
            .completed("backend / unit", Failure, at_h(1))
            .build();
        facts.check_runs[0].id = Some(10);
        facts.check_runs[1].id = Some(20);
        let r = eval(&Checks, &facts, &required(&["backend / unit"]), at_h(2));
        assert_eq!(r.state, GateState::Fail, "{r:?}");
        // Re-run and passed: the newer run (id 30) wins, whatever the dates say.
        facts.check_runs[0].id = Some(30);
        facts.check_runs[0].completed_at = Some(at_h(0));
        let r = eval(&Checks, &facts, &required(&["backend / unit"]), at_h(2));
        assert_eq!(r.state, GateState::Pass, "{r:?}");
    }

    #[test]
    fn the_newest_report_does_not_depend_on_the_order_of_the_list() {
        // Ids on some runs only (a hand-written facts file): one rule for the whole group.
        let build = |reverse: bool| {
            let mut facts = FactsBuilder::new()
                .completed("unit", Success, at_h(24 * 365 * 70))
                .completed("unit", Failure, at_h(5))
                .completed("unit", Failure, at_h(1))
                .build();
            facts.check_runs[0].id = Some(10);
            facts.check_runs[2].id = Some(20);
            if reverse {
                facts.check_runs.reverse();
            }
            eval(&Checks, &facts, &required(&["unit"]), at_h(6)).state
        };
        assert_eq!(build(false), build(true));
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
    fn a_required_check_never_reported_names_a_close_one_that_did() {
        let facts = FactsBuilder::new()
            .completed("backend / unit", Success, at_h(1))
            .completed("lint", Success, at_h(1))
            .build();
        // Still pending: live, a check may simply not have started; the hint shows the typo.
        let r = eval(&Checks, &facts, &required(&["backend / unti"]), at_h(48));
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(
            r.reason,
            "`backend / unti` never reported; did you mean `backend / unit`?"
        );
        let r = eval(
            &Checks,
            &facts,
            &required(&["backend / unti", "lnt", "e2e"]),
            at_h(48),
        );
        assert_eq!(
            r.reason,
            "`backend / unti`, `lnt`, `e2e` never reported; did you mean `backend / unit` for `backend / unti`, `lint` for `lnt`?"
        );
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
    fn commit_status_and_check_run_of_the_same_name_each_count_and_the_worst_wins() {
        let failing_status_newer = FactsBuilder::new()
            .completed("ci/test", Success, at_h(1))
            .status("ci/test", StatusState::Failure, at_h(2))
            .build();
        let r = checks(&failing_status_newer);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "failing: `ci/test` (failure)");

        // A later green report of another kind never hides the failing one.
        let green_run_newer = FactsBuilder::new()
            .status("ci/test", StatusState::Failure, at_h(1))
            .completed("ci/test", Success, at_h(2))
            .build();
        let r = checks(&green_run_newer);
        assert_eq!(r.state, GateState::Fail, "{r:?}");
    }

    #[test]
    fn a_status_posted_by_a_user_cannot_pass_a_failing_check() {
        // The attack: the CI run fails, then a writer posts `success` under the same name.
        let facts = FactsBuilder::new()
            .completed("backend / unit", Failure, at_h(1))
            .status_by(
                "backend / unit",
                StatusState::Success,
                at_h(2),
                user("mallory"),
            )
            .build();
        let r = eval(&Checks, &facts, &required(&["backend / unit"]), at_h(48));
        assert_eq!(r.state, GateState::Fail, "{r:?}");
        assert_eq!(
            r.reason,
            "failing: `backend / unit` (failure); ignored: `backend / unit` success from user `mallory` (a status a user can post)"
        );
    }

    #[test]
    fn a_check_run_of_another_app_cannot_hide_a_failing_one() {
        let facts = FactsBuilder::new()
            .completed("backend / unit", Failure, at_h(1))
            .completed_by("evil-app", "backend / unit", Success, at_h(2))
            .build();
        let r = eval(&Checks, &facts, &required(&["backend / unit"]), at_h(48));
        assert_eq!(r.state, GateState::Fail, "{r:?}");
    }

    #[test]
    fn with_no_required_list_a_users_status_alone_is_not_ci() {
        let facts = FactsBuilder::new()
            .status_by(
                "looks-green",
                StatusState::Success,
                at_h(1),
                user("mallory"),
            )
            .build();
        let r = checks(&facts);
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(
            r.reason,
            "no checks reported yet; ignored: `looks-green` success from user `mallory` (a status a user can post)"
        );
        // A user's failing status still holds the release back.
        let facts = FactsBuilder::new()
            .completed("build", Success, at_h(1))
            .status_by("review-bot", StatusState::Failure, at_h(1), user("mallory"))
            .build();
        assert_eq!(checks(&facts).state, GateState::Fail);
    }

    #[test]
    fn a_pinned_source_is_the_only_one_that_counts() {
        let mut policy = Policy::default();
        policy.checks.required = vec![RequiredCheck {
            name: "backend / *".into(),
            app: Some("github-actions".into()),
        }];
        let facts = FactsBuilder::new()
            .completed_by("other-ci", "backend / unit", Success, at_h(1))
            .build();
        let r = eval(&Checks, &facts, &policy, at_h(48));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(
            r.reason,
            "`backend / * @ github-actions` never reported; ignored: `backend / unit` from app `other-ci` (required from `github-actions`)"
        );
        let facts = FactsBuilder::new()
            .completed_by("other-ci", "backend / unit", Failure, at_h(1))
            .completed("backend / unit", Success, at_h(2))
            .build();
        let r = eval(&Checks, &facts, &policy, at_h(48));
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        // A user named as the source is trusted for that check (a CI posting as a user).
        policy.checks.required = vec![RequiredCheck {
            name: "jenkins".into(),
            app: Some("jenkins-ci".into()),
        }];
        let facts = FactsBuilder::new()
            .status_by("jenkins", StatusState::Success, at_h(1), user("jenkins-ci"))
            .build();
        assert_eq!(
            eval(&Checks, &facts, &policy, at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn reports_named_like_shipgates_own_check_never_count() {
        let facts = FactsBuilder::new()
            .completed("build", Failure, at_h(1))
            .completed_by("evil-app", "shipgate", Success, at_h(2))
            .status_by("shipgate", StatusState::Success, at_h(2), user("mallory"))
            .build();
        let r = checks(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "failing: `build` (failure)");
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
