//! The soak gate: the gated commit must have run healthily in staging for the soak duration.
//!
//! Rule, in plain words: only deployments to the soak environment (`staging`) count. Their
//! statuses — of every commit — form one timeline. A **soak window** opens at a `success` status
//! of a deployment of the gated commit (another `success` while it is open changes nothing) and
//! breaks at the first later `failure` or `error` of that commit, or `success` of a *different*
//! commit (staging no longer runs this code). `inactive` statuses (GitHub adds them on its own)
//! and `pending`, `queued`, `in_progress` neither open nor break a window. Then, in order:
//!
//! 1. the commit's latest staging outcome (`success`, `failure` or `error`) is a failure → fail;
//! 2. some window lasted at least the duration (`>=`: exactly 24 h is enough) → pass, even if
//!    staging has moved on since;
//! 3. a window is still open → pending, ready at *window start + duration*;
//! 4. otherwise (never deployed, or every window broken short) → pending, "deploy to staging".
//!
//! Statuses dated after `now` are ignored: the gate judges "as of" the evaluation time.
//! Statuses at the same instant keep a fixed order that never lengthens a soak: openers first,
//! then statuses that neither open nor break, then breakers; within a rank, the order of the
//! facts (deployment, then status).

use chrono::{DateTime, Utc};

use super::text::{hours_minutes, short_sha, span};
use super::{Context, Gate, GateId, GateResult};
use crate::facts::DeploymentState;
use crate::policy::Policy;
use crate::time::{ready_minute, utc};

/// The soak gate.
pub struct Soak;

impl Gate for Soak {
    fn id(&self) -> GateId {
        GateId::Soak
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.soak.enabled
    }
    fn evaluate(&self, cx: &Context<'_>) -> GateResult {
        evaluate(cx)
    }
}

/// What one staging status does to the gated commit's soak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Effect {
    /// A `success` of the gated commit: opens a window when none is open.
    Open,
    /// Neither opens nor breaks.
    Neutral,
    /// A failure of the gated commit, or a success of another commit: breaks an open window.
    Break,
}

/// One status in the merged staging timeline.
#[derive(Debug, Clone, Copy)]
struct Event {
    at: DateTime<Utc>,
    effect: Effect,
    /// Whether it is an outcome (`success`/`failure`/`error`) of the gated commit.
    own_outcome: Option<DeploymentState>,
}

/// A span during which staging ran the gated commit without a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    /// The `success` status that opened it.
    start: DateTime<Utc>,
    /// The status that broke it; `None` while it is still open.
    end: Option<DateTime<Utc>>,
}

/// Every soak window of `sha` in `environment`, oldest first, judged as of `now`.
fn windows(cx: &Context<'_>) -> (Vec<Window>, Option<(DeploymentState, DateTime<Utc>)>) {
    let facts = cx.facts;
    let environment = &cx.policy.soak.environment;
    let mut events: Vec<Event> = facts
        .deployments
        .iter()
        .filter(|d| &d.environment == environment)
        .flat_map(|d| {
            let ours = d.sha == facts.sha;
            d.statuses.iter().map(move |s| {
                let effect = match s.state {
                    DeploymentState::Success if ours => Effect::Open,
                    DeploymentState::Success => Effect::Break,
                    DeploymentState::Failure | DeploymentState::Error if ours => Effect::Break,
                    _ => Effect::Neutral,
                };
                let outcome = matches!(
                    s.state,
                    DeploymentState::Success | DeploymentState::Failure | DeploymentState::Error
                );
                Event {
                    at: s.created_at,
                    effect,
                    own_outcome: (ours && outcome).then_some(s.state),
                }
            })
        })
        .filter(|e| e.at <= cx.now)
        .collect();
    // Stable sort: ties keep the documented rank order, then the order of the facts.
    events.sort_by_key(|e| (e.at, e.effect));

    let mut found = Vec::new();
    let mut open: Option<DateTime<Utc>> = None;
    let mut latest_outcome = None;
    for event in &events {
        if let Some(state) = event.own_outcome {
            latest_outcome = Some((state, event.at));
        }
        match (event.effect, open) {
            (Effect::Open, None) => open = Some(event.at),
            (Effect::Break, Some(start)) => {
                found.push(Window {
                    start,
                    end: Some(event.at),
                });
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        found.push(Window { start, end: None });
    }
    (found, latest_outcome)
}

/// Evaluates the soak rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Soak;
    let environment = &cx.policy.soak.environment;
    let needed = cx.policy.soak.duration;
    let (found, latest) = windows(cx);

    if let Some((state, at)) = latest.filter(|(s, _)| s.is_broken()) {
        let state = if state == DeploymentState::Failure {
            "failure"
        } else {
            "error"
        };
        return GateResult::fail(
            id,
            format!(
                "the latest deployment of {} to `{environment}` reported `{state}` at {}",
                short_sha(&cx.facts.sha),
                utc(at)
            ),
        )
        .with_unblock(format!(
            "fix what broke, deploy the fix to `{environment}` and let it soak for {needed}"
        ));
    }

    let lasted = |w: &Window| span(w.end.unwrap_or(cx.now) - w.start);
    if let Some(best) = found.iter().map(lasted).filter(|d| *d >= needed).max() {
        return GateResult::pass(
            id,
            format!(
                "soaked {} in `{environment}` without a break (needs {needed})",
                hours_minutes(best),
            ),
        );
    }

    if let Some(window) = found.iter().find(|w| w.end.is_none()) {
        let so_far = hours_minutes(lasted(window));
        // A duration beyond chrono's calendar has no ready time; it stays pending, never passes.
        let Some(ready_at) = window.start.checked_add_signed(needed.to_chrono()) else {
            return GateResult::pending(
                id,
                format!("soaking in `{environment}` for {so_far} of {needed}"),
            )
            .with_unblock(format!(
                "set a soak duration that ends within the calendar (now {needed})"
            ));
        };
        return GateResult::pending(
            id,
            format!(
                "soaking in `{environment}` for {so_far} of {needed}; ready at {}",
                utc(ready_minute(ready_at))
            ),
        )
        .with_unblock(format!(
            "wait until {}, keeping `{environment}` on this commit and healthy",
            utc(ready_minute(ready_at))
        ))
        .with_ready_at(ready_at);
    }

    let reason = match found.iter().map(lasted).max() {
        None => format!(
            "{} has not run successfully in `{environment}`",
            short_sha(&cx.facts.sha)
        ),
        Some(longest) => format!(
            "every soak in `{environment}` was broken before {needed} (longest {}), and it no longer runs there",
            hours_minutes(longest)
        ),
    };
    GateResult::pending(id, reason).with_unblock(format!(
        "deploy this commit to `{environment}` and keep it healthy there for {needed}"
    ))
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;
    use crate::duration::Duration;
    use crate::facts::DeploymentState::{Error, Failure, InProgress, Inactive, Pending, Success};
    use crate::facts::Facts;
    use crate::gates::testing::{at_h, at_min, eval, t0, FactsBuilder, OTHER_SHA, SHA};
    use crate::gates::GateState;

    fn soak(facts: &Facts, now: DateTime<Utc>) -> GateResult {
        eval(&Soak, facts, &Policy::default(), now)
    }

    fn deployed_at_t0() -> Facts {
        FactsBuilder::new()
            .staging(SHA, &[(Pending, t0()), (Success, t0())])
            .build()
    }

    #[test]
    fn soak_23h59m_is_pending_until_24h() {
        let r = soak(&deployed_at_t0(), at_min(23 * 60 + 59));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, Some(at_h(24)));
        assert_eq!(
            r.reason,
            "soaking in `staging` for 23 h 59 m of 24h; ready at 2026-03-03 09:00 UTC"
        );
    }

    #[test]
    fn soak_exactly_24h_passes() {
        let r = soak(&deployed_at_t0(), at_h(24));
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(r.ready_at, None);
    }

    #[test]
    fn soak_24h01m_passes() {
        let r = soak(&deployed_at_t0(), at_min(24 * 60 + 1));
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(
            r.reason,
            "soaked 24 h 1 m in `staging` without a break (needs 24h)"
        );
    }

    #[test]
    fn soak_broken_by_a_later_failure_fails() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0()), (Failure, at_h(10))])
            .build();
        let r = soak(&facts, at_h(30));
        assert_eq!(r.state, GateState::Fail, "{r:?}");
        assert!(r.reason.contains("`failure`"), "{}", r.reason);
        assert!(r.unblock.is_some());
    }

    #[test]
    fn soak_error_status_fails_too() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0()), (Error, at_h(2))])
            .build();
        assert_eq!(soak(&facts, at_h(30)).state, GateState::Fail);
    }

    #[test]
    fn soak_failure_after_a_completed_soak_still_fails() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0()), (Failure, at_h(30))])
            .build();
        assert_eq!(soak(&facts, at_h(31)).state, GateState::Fail);
    }

    #[test]
    fn soak_failure_later_than_now_is_not_seen_yet() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0()), (Failure, at_h(30))])
            .build();
        assert_eq!(soak(&facts, at_h(25)).state, GateState::Pass);
    }

    #[test]
    fn soak_staging_replaced_by_another_sha_mid_soak_is_pending() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0())])
            .staging(OTHER_SHA, &[(Success, at_h(5))])
            .build();
        let r = soak(&facts, at_h(30));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, None);
        assert!(r.reason.contains("longest 5 h"), "{}", r.reason);
        assert!(r.unblock.unwrap().starts_with("deploy this commit"));
    }

    #[test]
    fn soak_completed_then_staging_moved_on_stays_valid() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0())])
            .staging(OTHER_SHA, &[(Success, at_h(25))])
            .build();
        assert_eq!(soak(&facts, at_h(40)).state, GateState::Pass);
    }

    #[test]
    fn soak_restarted_after_a_break_counts_from_the_new_start() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0())])
            .staging(OTHER_SHA, &[(Success, at_h(5))])
            .staging(SHA, &[(Pending, at_h(6)), (Success, at_h(7))])
            .build();
        let r = soak(&facts, at_h(20));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, Some(at_h(31)));
        assert_eq!(soak(&facts, at_h(31)).state, GateState::Pass);
    }

    #[test]
    fn soak_restarted_after_own_failure_needs_a_later_success() {
        // Fail while the failure is the latest outcome; a successful redeploy reopens a window.
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0()), (Failure, at_h(3))])
            .staging(SHA, &[(Success, at_h(4))])
            .build();
        let r = soak(&facts, at_h(10));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, Some(at_h(28)));
    }

    #[test]
    fn soak_only_another_sha_soaked_is_pending_deploy() {
        let facts = FactsBuilder::new()
            .staging(OTHER_SHA, &[(Success, t0())])
            .build();
        let r = soak(&facts, at_h(48));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, None);
        assert_eq!(r.reason, "1111111 has not run successfully in `staging`");
    }

    #[test]
    fn soak_never_deployed_is_pending_deploy() {
        let r = soak(&FactsBuilder::new().build(), at_h(48));
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(
            r.unblock.as_deref(),
            Some("deploy this commit to `staging` and keep it healthy there for 24h")
        );
    }

    #[test]
    fn soak_in_another_environment_does_not_count() {
        let facts = FactsBuilder::new()
            .deployment("qa", SHA, &[(Success, t0())])
            .deployment("production", SHA, &[(Success, t0())])
            .build();
        assert_eq!(soak(&facts, at_h(48)).state, GateState::Pending);
    }

    #[test]
    fn soak_other_sha_failure_in_staging_does_not_break() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0())])
            .staging(OTHER_SHA, &[(Failure, at_h(3))])
            .build();
        assert_eq!(soak(&facts, at_h(24)).state, GateState::Pass);
    }

    #[test]
    fn soak_inactive_neither_starts_nor_breaks() {
        let starts_nothing = FactsBuilder::new()
            .staging(SHA, &[(Inactive, t0())])
            .build();
        assert_eq!(soak(&starts_nothing, at_h(48)).state, GateState::Pending);

        let breaks_nothing = FactsBuilder::new()
            .staging(SHA, &[(Success, t0()), (Inactive, at_h(2))])
            .build();
        assert_eq!(soak(&breaks_nothing, at_h(24)).state, GateState::Pass);
    }

    #[test]
    fn soak_in_progress_neither_starts_nor_breaks() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0())])
            .staging(SHA, &[(InProgress, at_h(3))])
            .build();
        assert_eq!(soak(&facts, at_h(24)).state, GateState::Pass);
    }

    #[test]
    fn soak_second_success_while_open_does_not_restart() {
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0())])
            .staging(SHA, &[(Success, at_h(12))])
            .build();
        let r = soak(&facts, at_h(20));
        assert_eq!(r.ready_at, Some(at_h(24)));
    }

    #[test]
    fn soak_statuses_merge_across_deployments_in_time_order_not_facts_order() {
        // The other commit's success is listed first but happens later: it breaks the window.
        let facts = FactsBuilder::new()
            .staging(OTHER_SHA, &[(Success, at_h(5))])
            .staging(SHA, &[(Success, t0())])
            .build();
        assert_eq!(soak(&facts, at_h(30)).state, GateState::Pending);
    }

    #[test]
    fn soak_tie_between_open_and_break_never_lengthens_the_soak() {
        // At the same instant, the other commit's success sorts after ours and breaks at once.
        let facts = FactsBuilder::new()
            .staging(OTHER_SHA, &[(Success, t0())])
            .staging(SHA, &[(Success, t0())])
            .build();
        let r = soak(&facts, at_h(30));
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.ready_at, None);
    }

    #[test]
    fn soak_uses_the_configured_environment_and_duration() {
        let mut policy = Policy::default();
        policy.soak.environment = "pre".into();
        policy.soak.duration = Duration::from_mins(90);
        let facts = FactsBuilder::new()
            .deployment("pre", SHA, &[(Success, t0())])
            .build();
        let r = eval(&Soak, &facts, &policy, at_min(89));
        assert_eq!(r.ready_at, Some(at_min(90)));
        assert_eq!(
            eval(&Soak, &facts, &policy, at_min(90)).state,
            GateState::Pass
        );
    }

    #[test]
    fn soak_beyond_the_calendar_stays_pending_without_a_ready_time() {
        let mut policy = Policy::default();
        policy.soak.duration = Duration::from_secs(9_000_000_000_000_000);
        let r = eval(&Soak, &deployed_at_t0(), &policy, at_h(10_000));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(r.ready_at, None);
        assert!(r.unblock.is_some());
    }

    /// Seconds up to ten days: enough for any realistic soak.
    const SPAN: i64 = 10 * 86_400;

    proptest! {
        #[test]
        fn soak_unbroken_window_passes_iff_elapsed_reaches_duration(
            start in 0..SPAN,
            duration in 0..SPAN as u64,
            elapsed in 0..SPAN,
        ) {
            let start = t0() + TimeDelta::seconds(start);
            let mut policy = Policy::default();
            policy.soak.duration = Duration::from_secs(duration);
            let facts = FactsBuilder::new().staging(SHA, &[(Success, start)]).build();
            let r = eval(&Soak, &facts, &policy, start + TimeDelta::seconds(elapsed));
            if elapsed as u64 >= duration {
                prop_assert_eq!(r.state, GateState::Pass);
                prop_assert_eq!(r.ready_at, None);
            } else {
                prop_assert_eq!(r.state, GateState::Pending);
                prop_assert_eq!(
                    r.ready_at,
                    Some(start + TimeDelta::seconds(duration as i64))
                );
            }
        }

        #[test]
        fn soak_broken_before_the_duration_never_passes(
            duration in 1..SPAN as u64,
            broken_after in 0..SPAN,
            later in 0..SPAN,
            by_other_commit in any::<bool>(),
        ) {
            let broken_after = broken_after % duration as i64;
            let breaker = t0() + TimeDelta::seconds(broken_after);
            let mut policy = Policy::default();
            policy.soak.duration = Duration::from_secs(duration);
            let mut facts = FactsBuilder::new().staging(SHA, &[(Success, t0())]);
            facts = if by_other_commit {
                facts.staging(OTHER_SHA, &[(Success, breaker)])
            } else {
                facts.staging(SHA, &[(Success, t0()), (Failure, breaker)])
            };
            let r = eval(&Soak, &facts.build(), &policy, breaker + TimeDelta::seconds(later));
            prop_assert_ne!(r.state, GateState::Pass);
            prop_assert_eq!(r.ready_at, None);
        }
    }
}
