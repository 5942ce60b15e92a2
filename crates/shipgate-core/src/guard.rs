//! The deploy guard: the commit about to be deployed must come from a release pull request whose
//! gates pass now, and hold what that release's head holds.
//!
//! Rule, in plain words: a commit of the production branch *arrived* through a pull request when
//! that merged pull request into the production branch created it (its merge commit — also the
//! squashed commit, or the last commit a rebase wrote) or is it (the PR's head, after a
//! fast-forward). Anything else — no such pull request — is a direct push. Then:
//!
//! 1. a direct push → **fail** ("reached `main` by a direct push");
//! 2. the release PR's gates, evaluated now on its head (a completed soak stays valid; checks
//!    are read on the PR's head), all pass, and the commit holds exactly what that head holds
//!    (its tree; always so for a fast-forward) → **pass**. A merge commit whose tree differs from
//!    the head's carries changes the production branch held and the release did not contain —
//!    a merge past the gate or a push before it — which nobody soaked or approved with it →
//!    **fail**. With a merge queue the trees are not compared: the queue merges the group it
//!    tested, on which shipgate judged every PR (`docs/merge-queue.md`);
//! 3. they could not be evaluated → **error**;
//! 4. otherwise — an admin merge past a gate that was failing or still pending (mid-soak), or a PR
//!    that no longer passes → **fail**, naming the PR and how the commit got there; the report
//!    still shows each gate's own state. When the freeze is the only gate holding it (a deploy
//!    during a freeze or outside the allowed hours), the fail says so and that nothing needs
//!    reverting: the deploy runs again once deploys are allowed.
//!
//! The guard's verdict is only ever `pass`, `fail` or `error`: a deploy never waits.
//!
//! Production deployments of the guarded commit itself are left out of "released versions" when
//! the PR is evaluated, so re-running a deploy of the same release does not fail its own tag
//! gate ("not higher than the version in production").

use chrono::{DateTime, Utc};

use crate::facts::Facts;
use crate::gates::{GateId, GateResult, GateState};
use crate::policy::Policy;
use crate::time::{ready_minute, utc};
use crate::verdict::{summarize, Subject, Verdict, VerdictState};

/// A pull request GitHub associates with the commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Associated {
    /// Its number.
    pub number: u64,
    /// Whether it was merged.
    pub merged: bool,
    /// The commit its merge created, once merged.
    pub merge_commit: Option<String>,
    /// Its head commit.
    pub head_sha: String,
    /// Its base branch.
    pub base_branch: String,
}

/// How a commit reached the production branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Created by merging the pull request (merge commit, squash, or a rebase's last commit).
    Merged(u64),
    /// The pull request's head itself, fast-forwarded.
    FastForward(u64),
    /// No merged pull request into the production branch brought it.
    DirectPush,
}

/// Whether the commit deploys what its release PR's head holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The same tree (always so for a fast-forward).
    Same,
    /// Another tree: the production branch held changes the release did not contain.
    Differs,
    /// Not compared: the production branch merges through a merge queue.
    Queued,
    /// A tree could not be read.
    Unknown,
}

/// Compares the deployed commit's tree with its release PR head's.
pub fn content(
    arrival: Arrival,
    commit_tree: Option<&str>,
    head_tree: Option<&str>,
    merge_queue: bool,
) -> Content {
    match arrival {
        Arrival::FastForward(_) | Arrival::DirectPush => Content::Same,
        Arrival::Merged(_) if merge_queue => Content::Queued,
        Arrival::Merged(_) => match (commit_tree, head_tree) {
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => Content::Same,
            (Some(_), Some(_)) => Content::Differs,
            _ => Content::Unknown,
        },
    }
}

/// How `sha` reached `production_branch`, from the pull requests GitHub associates with it.
pub fn arrival(sha: &str, production_branch: &str, pulls: &[Associated]) -> Arrival {
    let eligible = || {
        pulls
            .iter()
            .filter(|p| p.merged && p.base_branch == production_branch)
    };
    if let Some(pr) = eligible().find(|p| {
        p.merge_commit
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(sha))
            && !p.head_sha.eq_ignore_ascii_case(sha)
    }) {
        return Arrival::Merged(pr.number);
    }
    if let Some(pr) = eligible().find(|p| p.head_sha.eq_ignore_ascii_case(sha)) {
        return Arrival::FastForward(pr.number);
    }
    Arrival::DirectPush
}

/// The facts of the release PR as the guard evaluates them: production deployments of the
/// guarded commit and of the PR's head are left out of the released versions.
pub fn prepare(facts: &Facts, policy: &Policy, sha: &str) -> Facts {
    let mut facts = facts.clone();
    let head = facts.sha.clone();
    facts.deployments.retain(|d| {
        d.environment != policy.production_environment
            || !(d.sha.eq_ignore_ascii_case(sha) || d.sha.eq_ignore_ascii_case(&head))
    });
    facts
}

/// The guard's verdict on `sha`: its arrival, and the release PR's verdict now when it has one.
pub fn judge(
    repository: &str,
    sha: &str,
    production_branch: &str,
    arrival: Arrival,
    pr: Option<Verdict>,
    content: Content,
    now: DateTime<Utc>,
) -> Verdict {
    let short = crate::short_sha(sha);
    let how = |arrival: Arrival| match arrival {
        Arrival::Merged(n) => format!("the merge commit of #{n}"),
        Arrival::FastForward(n) => format!("the head of #{n}, fast-forwarded"),
        Arrival::DirectPush => "a direct push".to_string(),
    };
    let (row, mut gates, subject, version) = match (arrival, pr) {
        (Arrival::DirectPush, _) | (_, None) => (
            GateResult::fail(
                GateId::Merge,
                format!(
                    "{short} reached `{production_branch}` by a direct push: no release pull request into `{production_branch}` brought it"
                ),
            )
            .with_unblock(
                "release through a pull request whose gates pass; revert the push or merge it through a release PR",
            ),
            Vec::new(),
            Subject {
                repository: repository.to_string(),
                sha: sha.to_string(),
                pull_request: None,
                title: None,
                head_branch: None,
            },
            None,
        ),
        (arrival, Some(verdict)) => {
            let came = how(arrival);
            let held: Vec<String> = verdict
                .gates
                .iter()
                .filter(|g| !matches!(g.state, GateState::Pass | GateState::Skipped))
                .map(|g| format!("{} {}", g.gate.name(), g.state.name()))
                .collect();
            let row = match verdict.verdict {
                _ if content == Content::Differs
                    && (verdict.verdict == VerdictState::Pass
                        || (verdict.verdict == VerdictState::Pending && freeze_only(&verdict))) =>
                {
                    GateResult::fail(
                        GateId::Merge,
                        format!(
                            "{short} is {came}, whose gates pass, but it holds more than #{head_pr}'s head {head}: `{production_branch}` had changes the release did not contain, which were never soaked or approved with it",
                            head_pr = verdict.subject.pull_request.unwrap_or_default(),
                            head = crate::short_sha(&verdict.subject.sha),
                        ),
                    )
                    .with_unblock(format!(
                        "merge `{production_branch}` into the release branch, let that head soak and pass, and merge again; or revert what reached `{production_branch}` past the gate"
                    ))
                }
                _ if content == Content::Unknown && verdict.verdict == VerdictState::Pass => {
                    GateResult::error(
                        GateId::Merge,
                        format!(
                            "{short} is {came}, whose gates pass, but whether it holds only what the release's head holds could not be read"
                        ),
                    )
                    .with_unblock("run the deploy again")
                }
                VerdictState::Pass => GateResult::pass(
                    GateId::Merge,
                    format!("{short} is {came}, whose gates pass"),
                ),
                VerdictState::Error => GateResult::error(
                    GateId::Merge,
                    format!(
                        "{short} is {came}, whose gates could not be evaluated ({})",
                        held.join(", ")
                    ),
                )
                .with_unblock("fix what could not be read and run the deploy again"),
                // Only the freeze holds it: nothing was merged past a gate, the deploy is early.
                VerdictState::Pending if freeze_only(&verdict) => GateResult::fail(
                    GateId::Merge,
                    format!(
                        "{short} is {came}, whose gates pass, but deploys are not allowed now (freeze pending)"
                    ),
                )
                .with_unblock(match verdict.ready_at {
                    Some(at) => format!(
                        "nothing to revert: run this deploy again from {}, when deploys are allowed",
                        utc(ready_minute(at))
                    ),
                    None => "nothing to revert: run this deploy again when deploys are allowed"
                        .to_string(),
                }),
                VerdictState::Pending | VerdictState::Fail => GateResult::fail(
                    GateId::Merge,
                    format!(
                        "{short} is {came}, whose gates do not pass now ({}): merged past the gate",
                        held.join(", ")
                    ),
                )
                .with_unblock(
                    "deploy only a release whose gates pass: revert the merge, or let the gates pass and deploy again",
                ),
            };
            (row, verdict.gates, verdict.subject, verdict.version)
        }
    };
    gates.insert(0, row);
    Verdict {
        verdict: summarize(&gates),
        subject,
        version,
        ready_at: None,
        evaluated_at: now,
        gates,
        tamper: Vec::new(),
    }
}

/// Whether the freeze is the only gate that does not pass (so it is pending).
fn freeze_only(verdict: &Verdict) -> bool {
    verdict
        .gates
        .iter()
        .filter(|g| !matches!(g.state, GateState::Pass | GateState::Skipped))
        .all(|g| g.gate == GateId::Freeze)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::DeploymentState;
    use crate::gates::testing::{at_h, FactsBuilder, OTHER_SHA, SHA};

    const MERGE: &str = "9999999999999999999999999999999999999999";

    fn pull(merged: bool, merge_commit: Option<&str>, base: &str) -> Associated {
        Associated {
            number: 42,
            merged,
            merge_commit: merge_commit.map(str::to_string),
            head_sha: SHA.into(),
            base_branch: base.into(),
        }
    }

    #[test]
    fn a_merge_commit_must_hold_what_the_release_head_holds() {
        let merged = Arrival::Merged(42);
        assert_eq!(
            content(merged, Some("aa"), Some("AA"), false),
            Content::Same
        );
        assert_eq!(
            content(merged, Some("aa"), Some("bb"), false),
            Content::Differs
        );
        assert_eq!(content(merged, None, Some("bb"), false), Content::Unknown);
        assert_eq!(
            content(merged, Some("aa"), Some("bb"), true),
            Content::Queued
        );
        assert_eq!(
            content(Arrival::FastForward(42), None, None, false),
            Content::Same
        );
        let mut ok = crate::evaluate(&FactsBuilder::new().build(), &Policy::default(), at_h(1));
        ok.verdict = VerdictState::Pass;
        ok.gates.retain(|g| g.gate == GateId::Checklist);
        let judged = |content: Content| {
            judge(
                "acme/shop",
                MERGE,
                "main",
                merged,
                Some(ok.clone()),
                content,
                at_h(1),
            )
        };
        let v = judged(Content::Differs);
        assert_eq!(v.verdict, VerdictState::Fail);
        assert!(
            v.gates[0].reason.contains("holds more than #42's head"),
            "{}",
            v.gates[0].reason
        );
        assert_eq!(judged(Content::Unknown).verdict, VerdictState::Error);
        assert_eq!(judged(Content::Queued).verdict, VerdictState::Pass);
        assert_eq!(judged(Content::Same).verdict, VerdictState::Pass);
    }

    #[test]
    fn a_commit_arrives_by_a_merge_a_fast_forward_or_a_direct_push() {
        assert_eq!(
            arrival(MERGE, "main", &[pull(true, Some(MERGE), "main")]),
            Arrival::Merged(42)
        );
        assert_eq!(
            arrival(SHA, "main", &[pull(true, Some(SHA), "main")]),
            Arrival::FastForward(42)
        );
        assert_eq!(arrival(MERGE, "main", &[]), Arrival::DirectPush);
        // An open PR with that head, or one merged elsewhere, did not bring it to main.
        assert_eq!(
            arrival(SHA, "main", &[pull(false, None, "main")]),
            Arrival::DirectPush
        );
        assert_eq!(
            arrival(MERGE, "main", &[pull(true, Some(MERGE), "develop")]),
            Arrival::DirectPush
        );
    }

    #[test]
    fn a_direct_push_fails_naming_how_it_got_there() {
        let v = judge(
            "acme/shop",
            MERGE,
            "main",
            Arrival::DirectPush,
            None,
            Content::Same,
            at_h(1),
        );
        assert_eq!(v.verdict, VerdictState::Fail);
        assert_eq!(v.gates[0].gate, GateId::Merge);
        assert!(
            v.gates[0].reason.contains("direct push"),
            "{}",
            v.gates[0].reason
        );
    }

    #[test]
    fn a_merge_past_a_pending_gate_fails_and_keeps_each_gates_state() {
        let facts = FactsBuilder::new().build();
        let pending = crate::evaluate(&facts, &Policy::default(), at_h(1));
        assert_eq!(pending.verdict, VerdictState::Pending);
        let v = judge(
            "acme/shop",
            MERGE,
            "main",
            Arrival::Merged(42),
            Some(pending),
            Content::Same,
            at_h(1),
        );
        assert_eq!(v.verdict, VerdictState::Fail);
        assert!(
            v.gates[0]
                .reason
                .contains("is the merge commit of #42, whose gates do not pass now (soak pending"),
            "{}",
            v.gates[0].reason
        );
        assert_eq!(v.gates[1].gate, GateId::Soak);
        assert_eq!(v.gates[1].state, GateState::Pending);
        assert_eq!(v.subject.pull_request, Some(42));
    }

    #[test]
    fn a_passing_release_passes_and_an_unreadable_one_is_an_error() {
        let mut ok = crate::evaluate(&FactsBuilder::new().build(), &Policy::default(), at_h(1));
        ok.verdict = VerdictState::Pass;
        ok.gates.retain(|g| g.gate == GateId::Checklist);
        let v = judge(
            "acme/shop",
            SHA,
            "main",
            Arrival::FastForward(42),
            Some(ok.clone()),
            Content::Same,
            at_h(1),
        );
        assert_eq!(v.verdict, VerdictState::Pass, "{v:?}");
        assert!(v.gates[0].reason.contains("fast-forwarded"));
        let mut broken = ok;
        broken.verdict = VerdictState::Error;
        broken.gates = vec![GateResult::error(GateId::Checks, "cannot tell")];
        let v = judge(
            "acme/shop",
            SHA,
            "main",
            Arrival::FastForward(42),
            Some(broken),
            Content::Same,
            at_h(1),
        );
        assert_eq!(v.verdict, VerdictState::Error);
    }

    #[test]
    fn a_deploy_during_a_freeze_fails_and_says_nothing_needs_reverting() {
        let mut pending =
            crate::evaluate(&FactsBuilder::new().build(), &Policy::default(), at_h(1));
        pending.verdict = VerdictState::Pending;
        pending.ready_at = Some(at_h(5));
        pending.gates = vec![
            GateResult::pass(GateId::Soak, "soaked"),
            GateResult::pending(
                GateId::Freeze,
                "deploy freeze `launch` until 2026-03-02 14:00 UTC",
            )
            .with_ready_at(at_h(5)),
        ];
        let v = judge(
            "acme/shop",
            MERGE,
            "main",
            Arrival::Merged(42),
            Some(pending.clone()),
            Content::Same,
            at_h(1),
        );
        assert_eq!(v.verdict, VerdictState::Fail, "a deploy never waits");
        assert_eq!(
            v.gates[0].reason,
            "9999999 is the merge commit of #42, whose gates pass, but deploys are not allowed now (freeze pending)"
        );
        assert_eq!(
            v.gates[0].unblock.as_deref(),
            Some("nothing to revert: run this deploy again from 2026-03-02 14:00 UTC, when deploys are allowed")
        );
        assert_eq!(v.gates[2].state, GateState::Pending);
        // With another gate pending too, it is a merge past the gate.
        pending
            .gates
            .push(GateResult::pending(GateId::Approvals, "1 of 2"));
        let v = judge(
            "acme/shop",
            MERGE,
            "main",
            Arrival::Merged(42),
            Some(pending),
            Content::Same,
            at_h(1),
        );
        assert!(
            v.gates[0]
                .reason
                .contains("(freeze pending, approvals pending): merged past the gate"),
            "{}",
            v.gates[0].reason
        );
    }

    #[test]
    fn a_redeploy_of_the_same_release_does_not_fail_its_own_tag_gate() {
        let facts = FactsBuilder::new()
            .tag("v1.4.0", SHA, true)
            .tag("v1.3.0", OTHER_SHA, true)
            .released_to_production(OTHER_SHA)
            .deployment("production", SHA, &[(DeploymentState::Success, at_h(2))])
            .build();
        let policy = Policy::default();
        let before = crate::gates::tag::release_version(&crate::gates::Context {
            facts: &facts,
            policy: &policy,
            now: at_h(3),
        });
        assert_eq!(before, None, "v1.4.0 is not above itself");
        let prepared = prepare(&facts, &policy, MERGE);
        let after = crate::gates::tag::release_version(&crate::gates::Context {
            facts: &prepared,
            policy: &policy,
            now: at_h(3),
        });
        assert_eq!(after.as_deref(), Some("v1.4.0"));
    }
}
