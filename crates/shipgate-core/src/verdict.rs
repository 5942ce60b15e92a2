//! The verdict: the worst of the gates, in the order error > fail > pending > pass.
//!
//! Before the gates run, the candidate itself is checked: a pull request from a fork is never a
//! release candidate, and the facts must describe a PR into the production branch. A policy with
//! every gate turned off is an error, never a pass.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::gates::{self, Context, GateId, GateResult, GateState};
use crate::policy::Policy;

/// The overall state of a promotion candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictState {
    /// Every gate that runs passes: the release may be merged.
    Pass,
    /// Some gate will pass without a code change.
    Pending,
    /// Some gate needs fixing.
    Fail,
    /// Something could not be evaluated.
    Error,
}

impl VerdictState {
    /// Lowercase name, as in outputs and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Pending => "pending",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }

    /// Parses `pass|pending|fail|error`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "pass" => Some(Self::Pass),
            "pending" => Some(Self::Pending),
            "fail" => Some(Self::Fail),
            "error" => Some(Self::Error),
            _ => None,
        }
    }

    fn from_gate(state: GateState) -> Option<Self> {
        match state {
            GateState::Skipped => None,
            GateState::Pass => Some(Self::Pass),
            GateState::Pending => Some(Self::Pending),
            GateState::Fail => Some(Self::Fail),
            GateState::Error => Some(Self::Error),
        }
    }
}

impl std::fmt::Display for VerdictState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The pull request a verdict is about, as shown in reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// `owner/name`.
    pub repository: String,
    /// The gated commit.
    pub sha: String,
    /// The PR number, when there is a PR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
    /// The PR title (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The head branch (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_branch: Option<String>,
}

/// The evaluation of one candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The overall state.
    pub verdict: VerdictState,
    /// What was evaluated.
    pub subject: Subject,
    /// The release version (tag name) on the commit, when one is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// When every pending gate will pass by itself, if that is known for all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<DateTime<Utc>>,
    /// The moment of evaluation.
    pub evaluated_at: DateTime<Utc>,
    /// One result per gate, in display order.
    pub gates: Vec<GateResult>,
    /// Reports named like shipgate's own check that shipgate did not publish (see
    /// [`tamper_evidence`]); shown in the comment and the summary, never counted by a gate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tamper: Vec<String>,
}

/// Evaluates every gate of `policy` on `facts` as of `now`.
pub fn evaluate(facts: &Facts, policy: &Policy, now: DateTime<Utc>) -> Verdict {
    let cx = Context { facts, policy, now };
    let mut results = Vec::new();
    if let Some(candidate) = check_candidate(&cx) {
        results.push(candidate);
    }
    for gate in gates::all() {
        if gate.enabled(policy) {
            results.push(gate.evaluate(&cx));
        } else if gate.listed(policy) {
            results.push(GateResult::skipped(gate.id(), "turned off in the config"));
        }
    }
    // The freeze only says when a release may go, never that it may: alone it checks nothing.
    if results
        .iter()
        .all(|r| r.state == GateState::Skipped || r.gate == GateId::Freeze)
    {
        results.push(
            GateResult::error(
                GateId::Policy,
                "every gate is turned off or has nothing to check; a policy that checks nothing never passes",
            )
            .with_unblock("turn at least one gate on in the config"),
        );
    }
    let verdict = summarize(&results);
    let pending: Vec<&GateResult> = results
        .iter()
        .filter(|r| r.state == GateState::Pending)
        .collect();
    // A ready time is promised only when every pending gate has one, and nothing is worse; a
    // freeze may then hold the release past it, to the next allowed moment.
    let ready_at =
        if verdict == VerdictState::Pending && pending.iter().all(|r| r.ready_at.is_some()) {
            pending
                .iter()
                .filter_map(|r| r.ready_at)
                .max()
                .and_then(|at| gates::freeze::ready_from(policy, at))
        } else {
            None
        };
    Verdict {
        verdict,
        subject: Subject {
            repository: facts.repository.to_string(),
            sha: facts.sha.clone(),
            pull_request: facts.pull_request.as_ref().map(|pr| pr.number),
            title: facts.pull_request.as_ref().map(|pr| pr.title.clone()),
            head_branch: facts.pull_request.as_ref().map(|pr| pr.head_branch.clone()),
        },
        version: gates::tag::release_version(&cx),
        ready_at,
        evaluated_at: now,
        gates: results,
        tamper: tamper_evidence(facts, policy),
    }
}

/// The external id shipgate gives its check runs.
const OWN_EXTERNAL_ID: &str = "shipgate";

/// Reports on the gated commit named like shipgate's check (`check-name`) that shipgate did not
/// publish: a check run without shipgate's external id (another workflow's job, another app),
/// check runs carrying shipgate's id from more than one app (only one is shipgate's), and
/// commit statuses of that name beside shipgate's check run — or, when shipgate itself falls
/// back to statuses, posted by a user. With a required check pinned to shipgate's App none of
/// them can pass the check GitHub requires; without the pin they could (`docs/security.md`).
pub fn tamper_evidence(facts: &Facts, policy: &Policy) -> Vec<String> {
    let name = policy.check_name.as_str();
    let mut found = Vec::new();
    let named: Vec<_> = facts.check_runs.iter().filter(|r| r.name == name).collect();
    let app = |app: &Option<String>| {
        app.as_deref()
            .map_or("an unknown app".to_string(), |a| format!("app `{a}`"))
    };
    let mut own_apps: Vec<&str> = named
        .iter()
        .filter(|r| r.external_id.as_deref() == Some(OWN_EXTERNAL_ID))
        .map(|r| r.app.as_deref().unwrap_or("?"))
        .collect();
    own_apps.sort_unstable();
    own_apps.dedup();
    for run in named
        .iter()
        .filter(|r| r.external_id.as_deref() != Some(OWN_EXTERNAL_ID))
    {
        found.push(format!(
            "a check run `{name}` from {} that shipgate did not write",
            app(&run.app)
        ));
    }
    if own_apps.len() > 1 {
        let apps: Vec<String> = own_apps.iter().map(|a| format!("`{a}`")).collect();
        found.push(format!(
            "check runs `{name}` marked as shipgate's from apps {}: only one of them is shipgate's",
            apps.join(", ")
        ));
    }
    for status in facts.statuses.iter().filter(|s| s.context == name) {
        let who = status
            .creator
            .as_ref()
            .map_or("an unknown account".to_string(), |c| {
                let kind = if c.is_bot() { "bot" } else { "user" };
                format!("{kind} `{}`", c.login)
            });
        let foreign = !own_apps.is_empty() || !status.creator.as_ref().is_some_and(|c| c.is_bot());
        if foreign {
            found.push(format!("a commit status `{name}` posted by {who}"));
        }
    }
    found
}

/// The worst state among the results; an error when no gate ran at all.
pub fn summarize(results: &[GateResult]) -> VerdictState {
    results
        .iter()
        .filter_map(|r| VerdictState::from_gate(r.state))
        .max()
        .unwrap_or(VerdictState::Error)
}

/// Checks that the facts describe a release candidate: a PR from this repository into the
/// production branch. Returns a failing row when they do not, nothing when they do.
fn check_candidate(cx: &Context<'_>) -> Option<GateResult> {
    let pr = cx.facts.pull_request.as_ref()?;
    if pr.from_fork {
        return Some(GateResult::fail(
            GateId::Candidate,
            "the pull request comes from a fork; only branches of the repository itself can be released",
        ).with_unblock("push the release branch to this repository and open the PR from there"));
    }
    if pr.base_branch != cx.policy.production_branch {
        return Some(GateResult::fail(
            GateId::Candidate,
            format!(
                "the pull request targets `{}`, not the production branch `{}`",
                pr.base_branch, cx.policy.production_branch
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    //! The verdict over the gates' own test stories: a ready release, one still soaking, an
    //! untouched candidate, a policy with nothing on, and forks.

    use super::*;
    use crate::facts::{CheckConclusion, DeploymentState, StatusState};
    use crate::gates::testing::{at_h, at_min, FactsBuilder, OTHER_SHA, SHA};

    #[test]
    fn reports_named_like_shipgates_check_that_it_did_not_write_are_tamper_evidence() {
        use crate::gates::testing::{bot, user};
        let policy = Policy::default();
        // shipgate's own run (external id `shipgate`) is no evidence.
        let mut facts = ready_release().build();
        facts.check_runs.push(crate::facts::CheckRun {
            id: None,
            name: "shipgate".into(),
            status: crate::facts::CheckStatus::Completed,
            conclusion: Some(CheckConclusion::Failure),
            started_at: None,
            completed_at: None,
            app: Some("github-actions".into()),
            external_id: Some("shipgate".into()),
        });
        assert!(tamper_evidence(&facts, &policy).is_empty());
        // A job named `shipgate`, a run of another app, a status by a user.
        let forged = FactsBuilder::new()
            .completed("shipgate", CheckConclusion::Success, at_h(2))
            .completed_by("evil-app", "build", CheckConclusion::Success, at_h(2))
            .status_by("shipgate", StatusState::Success, at_h(2), user("mallory"))
            .build();
        let mut forged = forged;
        forged.check_runs.extend(
            facts
                .check_runs
                .iter()
                .filter(|r| r.name == "shipgate")
                .cloned(),
        );
        assert_eq!(
            tamper_evidence(&forged, &policy),
            [
                "a check run `shipgate` from app `github-actions` that shipgate did not write",
                "a commit status `shipgate` posted by user `mallory`",
            ]
        );
        // Falling back to statuses itself, shipgate's status comes from a bot.
        let fallback = FactsBuilder::new()
            .status_by(
                "shipgate",
                StatusState::Pending,
                at_h(2),
                bot("github-actions"),
            )
            .build();
        assert!(tamper_evidence(&fallback, &policy).is_empty());
        let verdict = evaluate(&forged, &policy, at_h(48));
        assert_eq!(verdict.tamper.len(), 2);
        let markdown = crate::render::markdown(&verdict);
        assert!(markdown.contains("**⚠️ Tamper evidence**"), "{markdown}");
        assert!(
            markdown.contains("- a commit status `shipgate` posted by user `mallory`"),
            "{markdown}"
        );
    }

    /// Release v1.4.0 of the workshop app as the flow wants it: soaked, approved, tagged, green.
    fn ready_release() -> FactsBuilder {
        FactsBuilder::new()
            .body("## Release v1.4.0\n\n- [x] Database backup taken\n- [x] Rollback plan ready\n")
            .tag("v1.3.2", OTHER_SHA, true)
            .released_to_production(OTHER_SHA)
            .staging(OTHER_SHA, &[(DeploymentState::Success, at_h(-100))])
            .staging(
                SHA,
                &[
                    (DeploymentState::InProgress, at_h(1)),
                    (DeploymentState::Success, at_min(65)),
                ],
            )
            .approved_by("bob", at_h(20))
            .approved_by("carol", at_h(21))
            .tag("v1.4.0", SHA, true)
            .completed("build", CheckConclusion::Success, at_min(50))
            .completed("e2e", CheckConclusion::Success, at_min(55))
            .status("security/scan", StatusState::Success, at_min(40))
    }

    fn checklist_policy() -> Policy {
        let mut policy = Policy::default();
        policy.checklist.items = vec!["Database backup taken".into(), "Rollback plan ready".into()];
        policy
    }

    #[test]
    fn verdict_of_a_ready_release_passes_every_gate() {
        let verdict = evaluate(&ready_release().build(), &checklist_policy(), at_h(30));
        assert_eq!(verdict.verdict, VerdictState::Pass);
        assert_eq!(verdict.version.as_deref(), Some("v1.4.0"));
        insta::assert_json_snapshot!("ready_release_gates", verdict.gates);
    }

    #[test]
    fn verdict_of_a_release_still_soaking_is_pending_with_its_ready_time() {
        let verdict = evaluate(&ready_release().build(), &checklist_policy(), at_h(20));
        assert_eq!(verdict.verdict, VerdictState::Pending);
        assert_eq!(verdict.ready_at, Some(at_min(65 + 24 * 60)));
        insta::assert_json_snapshot!("soaking_release_gates", verdict.gates);
    }

    #[test]
    fn verdict_of_an_untouched_candidate_says_what_to_do_at_every_gate() {
        let verdict = evaluate(&FactsBuilder::new().build(), &checklist_policy(), at_h(20));
        assert_eq!(verdict.verdict, VerdictState::Fail);
        assert_eq!(verdict.ready_at, None);
        insta::assert_json_snapshot!("untouched_candidate_gates", verdict.gates);
    }

    #[test]
    fn verdict_is_error_when_every_gate_is_turned_off() {
        let mut policy = Policy::default();
        policy.soak.enabled = false;
        policy.approvals.enabled = false;
        policy.tag.enabled = false;
        policy.checks.enabled = false;
        policy.checklist.enabled = false;
        let verdict = evaluate(&FactsBuilder::new().build(), &policy, at_h(48));
        assert_eq!(verdict.verdict, VerdictState::Error);
        let (policy_row, gates) = verdict.gates.split_last().unwrap();
        assert!(gates.iter().all(|g| g.state == GateState::Skipped));
        assert_eq!(policy_row.gate, GateId::Policy);
        assert_eq!(policy_row.state, GateState::Error);
        assert!(
            policy_row.reason.contains("every gate is turned off"),
            "{}",
            policy_row.reason
        );
    }

    #[test]
    fn verdict_fails_a_pull_request_from_a_fork_whatever_its_reviews_say() {
        let facts = FactsBuilder::new()
            .opened_from_fork()
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .build();
        // Only the approvals gate runs, and it passes: the fork alone must fail the verdict.
        let mut policy = Policy::default();
        policy.soak.enabled = false;
        policy.tag.enabled = false;
        policy.checks.enabled = false;
        policy.checklist.enabled = false;
        let verdict = evaluate(&facts, &policy, at_h(48));
        let approvals = verdict.gates.iter().find(|g| g.gate == GateId::Approvals);
        assert_eq!(approvals.map(|g| g.state), Some(GateState::Pass));
        assert_eq!(verdict.verdict, VerdictState::Fail);
        let candidate = &verdict.gates[0];
        assert_eq!(candidate.gate, GateId::Candidate);
        assert_eq!(candidate.state, GateState::Fail);
        assert!(candidate.reason.contains("fork"), "{}", candidate.reason);
    }
}
