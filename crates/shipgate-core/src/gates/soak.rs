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
//! Who may open a window: anyone with write access can create a deployment and its statuses
//! through the API, so only a **trusted deployer** opens one — by default any bot or app account
//! (GitHub Actions, a deploy App), never a user; `soak.deployers` names the accounts to trust
//! instead. A `success` whose deployment or status was created by anyone else opens nothing and
//! is named in the reason ("ignored: …"). Untrusted statuses still break windows and fail the
//! gate: they can hold a release back, never let one through.
//!
//! Statuses dated after `now` are ignored: the gate judges "as of" the evaluation time.
//! Statuses at the same instant keep a fixed order that never lengthens a soak: openers first,
//! then statuses that neither open nor break, then breakers; within a rank, the order of the
//! facts (deployment, then status).

use chrono::{DateTime, Utc};

use super::text::{hours_minutes, phrase_list, short_sha, span};
use super::{Context, Gate, GateId, GateResult};
use crate::facts::{login_key, Actor, DeploymentState};
use crate::policy::Policy;
use crate::time::{ready_minute, utc};
use crate::unmatched;

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

/// Whether `actor` may open a soak window: one of `deployers`, or any bot when none is named.
fn trusted(actor: Option<&Actor>, deployers: &[String]) -> bool {
    match actor {
        None => false,
        Some(actor) if deployers.is_empty() => actor.is_bot(),
        Some(actor) => deployers.iter().any(|d| login_key(d) == actor.key()),
    }
}

/// The soak windows, the latest outcome of the gated commit, and the successes ignored for
/// their creator.
struct Timeline {
    windows: Vec<Window>,
    latest: Option<(DeploymentState, DateTime<Utc>)>,
    ignored: Vec<String>,
}

/// Every soak window of `sha` in `environment`, oldest first, judged as of `now`.
fn windows(cx: &Context<'_>) -> Timeline {
    let facts = cx.facts;
    let environment = &cx.policy.soak.environment;
    let deployers = &cx.policy.soak.deployers;
    let mut ignored: Vec<String> = Vec::new();
    for d in facts
        .deployments
        .iter()
        .filter(|d| &d.environment == environment && d.sha == facts.sha)
    {
        let by = |actor: Option<&Actor>| {
            actor.map_or("an unknown account".to_string(), |a| {
                format!("`{}`", a.login)
            })
        };
        let label =
            d.id.map_or("a deployment".to_string(), |id| format!("deployment {id}"));
        let successes = d
            .statuses
            .iter()
            .filter(|s| s.state == DeploymentState::Success && s.created_at <= cx.now);
        if !trusted(d.creator.as_ref(), deployers) {
            if successes.count() > 0 {
                ignored.push(format!("{label} by {}", by(d.creator.as_ref())));
            }
            continue;
        }
        for s in successes {
            // A status whose creator is not known is the deployment's creator's.
            let creator = s.creator.as_ref().or(d.creator.as_ref());
            if trusted(creator, deployers) {
                continue;
            }
            let note = format!("a success of {label} reported by {}", by(creator));
            if !ignored.contains(&note) {
                ignored.push(note);
            }
        }
    }
    let mut events: Vec<Event> = facts
        .deployments
        .iter()
        .filter(|d| &d.environment == environment)
        .flat_map(|d| {
            let ours = d.sha == facts.sha;
            let trusted_deployment = trusted(d.creator.as_ref(), deployers);
            d.statuses.iter().map(move |s| {
                // A status whose creator is not known is the deployment's creator's.
                let creator = s.creator.as_ref().or(d.creator.as_ref());
                let opens = trusted_deployment && trusted(creator, deployers);
                let effect = match s.state {
                    DeploymentState::Success if ours && opens => Effect::Open,
                    DeploymentState::Success if ours => Effect::Neutral,
                    DeploymentState::Success => Effect::Break,
                    DeploymentState::Failure | DeploymentState::Error if ours => Effect::Break,
                    _ => Effect::Neutral,
                };
                // An untrusted `success` is no outcome at all: it must not hide a failure.
                let outcome = match s.state {
                    DeploymentState::Success => opens,
                    DeploymentState::Failure | DeploymentState::Error => true,
                    _ => false,
                };
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
    Timeline {
        windows: found,
        latest: latest_outcome,
        ignored,
    }
}

/// Evaluates the soak rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Soak;
    let environment = &cx.policy.soak.environment;
    let needed = cx.policy.soak.duration;
    let Timeline {
        windows: found,
        latest,
        ignored,
    } = windows(cx);
    let noted = |mut reason: String| {
        if !ignored.is_empty() {
            reason.push_str(&format!(
                "; ignored (not a trusted deployer): {}",
                phrase_list(&ignored)
            ));
        }
        reason
    };

    if let Some((state, at)) = latest.filter(|(s, _)| s.is_broken()) {
        let state = if state == DeploymentState::Failure {
            "failure"
        } else {
            "error"
        };
        return GateResult::fail(
            id,
            noted(format!(
                "the latest deployment of {} to `{environment}` reported `{state}` at {}",
                short_sha(&cx.facts.sha),
                utc(at)
            )),
        )
        .with_unblock(format!(
            "fix what broke, deploy the fix to `{environment}` and let it soak for {needed}"
        ));
    }

    // Reasons name moments, never durations that grow with the clock: published text changes
    // only when the state, a reason or a deadline changes.
    let lasted = |w: &Window| span(w.end.unwrap_or(cx.now) - w.start);
    if let Some(done) = found.iter().find(|w| lasted(w) >= needed) {
        let reason = match done.end {
            None => format!(
                "in `{environment}` since {} without a break (needs {needed})",
                utc(done.start)
            ),
            Some(end) => format!(
                "ran in `{environment}` from {} to {} without a break (needs {needed})",
                utc(done.start),
                utc(end)
            ),
        };
        return GateResult::pass(id, noted(reason));
    }

    if let Some(window) = found.iter().find(|w| w.end.is_none()) {
        let since = utc(window.start);
        // A duration beyond chrono's calendar has no ready time; it stays pending, never passes.
        let Some(ready_at) = window.start.checked_add_signed(needed.to_chrono()) else {
            return GateResult::pending(
                id,
                noted(format!(
                    "in `{environment}` since {since}; {needed} ends beyond the calendar"
                )),
            )
            .with_unblock(format!(
                "set a soak duration that ends within the calendar (now {needed})"
            ));
        };
        return GateResult::pending(
            id,
            noted(format!(
                "in `{environment}` since {since} (needs {needed}); ready at {}",
                utc(ready_minute(ready_at))
            )),
        )
        .with_unblock(format!(
            "wait until {}, keeping `{environment}` on this commit and healthy",
            utc(ready_minute(ready_at))
        ))
        .with_ready_at(ready_at);
    }

    let mut reason = match found.iter().map(lasted).max() {
        None => format!(
            "{} has not run successfully in `{environment}`",
            short_sha(&cx.facts.sha)
        ),
        Some(longest) => format!(
            "every soak in `{environment}` was broken before {needed} (longest {}), and it no longer runs there",
            hours_minutes(longest)
        ),
    };
    let mut unblock =
        format!("deploy this commit to `{environment}` and keep it healthy there for {needed}");
    // No deployment to the environment at all: say so, and name a close one (a typo in the
    // policy would otherwise leave the gate pending forever; docs/gates.md).
    let environments = unmatched::environments(cx.facts);
    if !environments.contains(environment) {
        match unmatched::hint(environment, &environments) {
            Some(close) => {
                reason.push_str(&format!(
                    "; no deployment is to `{environment}` at all, but there are to `{close}`: did you mean `{close}`?"
                ));
                unblock = format!(
                    "if `{close}` is the staging environment, set `soak.environment` (input `staging-environment`) to it; otherwise {unblock}"
                );
            }
            None => reason.push_str(&format!(
                "; no deployment is to `{environment}` at all (is that the staging environment's name?)"
            )),
        }
    }
    GateResult::pending(id, noted(reason)).with_unblock(unblock)
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use proptest::prelude::*;

    use super::*;
    use crate::duration::Duration;
    use crate::facts::DeploymentState::{Error, Failure, InProgress, Inactive, Pending, Success};
    use crate::facts::Facts;
    use crate::gates::testing::{at_h, at_min, bot, eval, t0, user, FactsBuilder, OTHER_SHA, SHA};
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
            "in `staging` since 2026-03-02 09:00 UTC (needs 24h); ready at 2026-03-03 09:00 UTC"
        );
    }

    #[test]
    fn soak_text_does_not_change_while_the_clock_moves() {
        let early = soak(&deployed_at_t0(), at_min(60));
        let late = soak(&deployed_at_t0(), at_min(23 * 60 + 59));
        assert_eq!(
            early, late,
            "pending text must stay the same until the state changes"
        );
        let passed = soak(&deployed_at_t0(), at_h(25));
        let later = soak(&deployed_at_t0(), at_h(40));
        assert_eq!(passed, later);
    }

    #[test]
    fn a_deployment_created_by_a_user_never_opens_a_soak() {
        // The attack: a writer creates a staging deployment of the head and a `success`.
        let facts = FactsBuilder::new()
            .deployment_by("staging", SHA, &[(Success, t0())], user("mallory"))
            .build();
        let r = soak(&facts, at_h(30));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(
            r.reason,
            "1111111 has not run successfully in `staging`; ignored (not a trusted deployer): deployment 1 by `mallory`"
        );
    }

    #[test]
    fn a_forged_success_does_not_reopen_a_failed_soak() {
        // A real deploy failed; a writer posts `success` on the same deployment.
        let facts = FactsBuilder::new()
            .staging(SHA, &[(Success, t0()), (Failure, at_h(2))])
            .deployment_status_by(1, Success, at_h(3), user("mallory"))
            .build();
        let r = soak(&facts, at_h(40));
        assert_eq!(r.state, GateState::Fail, "{r:?}");
        assert!(
            r.reason
                .contains("a success of deployment 1 reported by `mallory`"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn named_deployers_replace_the_bot_rule() {
        let mut policy = Policy::default();
        policy.soak.deployers = vec!["deploy-app[bot]".into()];
        let by_actions = FactsBuilder::new().staging(SHA, &[(Success, t0())]).build();
        let r = eval(&Soak, &by_actions, &policy, at_h(30));
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert!(
            r.reason.contains("deployment 1 by `github-actions`"),
            "{}",
            r.reason
        );
        let by_app = FactsBuilder::new()
            .deployment_by("staging", SHA, &[(Success, t0())], bot("deploy-app"))
            .build();
        assert_eq!(
            eval(&Soak, &by_app, &policy, at_h(30)).state,
            GateState::Pass
        );
        // An untrusted failure still fails: it can hold a release back, never let one through.
        let broken = FactsBuilder::new()
            .deployment_by("staging", SHA, &[(Success, t0())], bot("deploy-app"))
            .deployment_status_by(1, Failure, at_h(2), user("mallory"))
            .build();
        assert_eq!(
            eval(&Soak, &broken, &policy, at_h(30)).state,
            GateState::Fail
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
            "in `staging` since 2026-03-02 09:00 UTC without a break (needs 24h)"
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
    fn a_soak_environment_nothing_is_deployed_to_names_a_close_one() {
        let facts = deployed_at_t0();
        let mut policy = Policy::default();
        policy.soak.environment = "stagin".into();
        let r = eval(&Soak, &facts, &policy, at_h(30));
        // Pending, as a soak that has not started; the reason shows the likely typo.
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(
            r.reason,
            "1111111 has not run successfully in `stagin`; no deployment is to `stagin` at all, but there are to `staging`: did you mean `staging`?"
        );
        assert_eq!(
            r.unblock.as_deref(),
            Some("if `staging` is the staging environment, set `soak.environment` (input `staging-environment`) to it; otherwise deploy this commit to `stagin` and keep it healthy there for 24h")
        );
        policy.soak.environment = "qa".into();
        let r = eval(&Soak, &facts, &policy, at_h(30));
        assert!(
            r.reason.ends_with(
                "; no deployment is to `qa` at all (is that the staging environment's name?)"
            ),
            "{}",
            r.reason
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
