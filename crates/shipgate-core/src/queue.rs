//! Merge queues: a pull request in a merge group is judged as it is now, and the queue does not
//! wait for the pull request. A gate of the PR itself that is still pending (a soak running, an
//! approval missing, no tag yet) fails the group, so the queue drops that PR at once instead of
//! holding every PR behind it until its timeout; the PR can be queued again once its own check
//! passes. Only the checks gate may stay pending: it is read on the group's commit, whose CI
//! the queue has just started (`docs/merge-queue.md`).

use crate::gates::{GateId, GateState};
use crate::verdict::{summarize, Verdict, VerdictState};

/// The verdict of `verdict`'s pull request inside a merge group: every pending gate but the
/// checks gate (the group commit's CI) fails, saying why it was pending.
pub fn in_merge_group(mut verdict: Verdict) -> Verdict {
    if verdict.verdict != VerdictState::Pending {
        return verdict;
    }
    for gate in verdict
        .gates
        .iter_mut()
        .filter(|g| g.state == GateState::Pending && g.gate != GateId::Checks)
    {
        gate.state = GateState::Fail;
        gate.reason = format!("{} — a merge queue does not wait", gate.reason);
        if gate.unblock.is_none() {
            gate.unblock =
                Some("queue the pull request again once its own shipgate check passes".to_string());
        }
        gate.ready_at = None;
    }
    verdict.verdict = summarize(&verdict.gates);
    if verdict.verdict != VerdictState::Pending {
        verdict.ready_at = None;
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::{GateId, GateResult};
    use crate::verdict::Subject;
    use chrono::{TimeZone, Utc};

    fn verdict(gates: Vec<GateResult>) -> Verdict {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Verdict {
            verdict: summarize(&gates),
            subject: Subject {
                repository: "o/r".into(),
                sha: "a".repeat(40),
                pull_request: Some(1),
                title: None,
                head_branch: None,
            },
            version: None,
            ready_at: Some(t),
            evaluated_at: t,
            gates,
            tamper: Vec::new(),
        }
    }

    #[test]
    fn a_pending_soak_fails_the_group() {
        let mut soak = GateResult::pending(GateId::Soak, "soaked 3h of 24h");
        soak.ready_at = Some(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap());
        let v = in_merge_group(verdict(vec![GateResult::pass(GateId::Tag, "v1.0.0"), soak]));
        assert_eq!(v.verdict, VerdictState::Fail);
        assert_eq!(v.ready_at, None);
        assert_eq!(v.gates[1].state, GateState::Fail);
        assert!(v.gates[1].reason.contains("soaked 3h of 24h"));
        assert!(v.gates[1].reason.contains("does not wait"));
        assert_eq!(v.gates[0].state, GateState::Pass);
    }

    #[test]
    fn the_group_commits_ci_may_still_run() {
        let v = verdict(vec![
            GateResult::pass(GateId::Soak, "soaked"),
            GateResult::pending(GateId::Checks, "build is in progress"),
        ]);
        assert_eq!(in_merge_group(v.clone()), v);
        let v = in_merge_group(verdict(vec![
            GateResult::pending(GateId::Approvals, "1 of 2 approvals"),
            GateResult::pending(GateId::Checks, "build is in progress"),
        ]));
        assert_eq!(v.verdict, VerdictState::Fail);
        assert_eq!(v.gates[1].state, GateState::Pending);
    }

    #[test]
    fn a_pending_freeze_fails_the_group() {
        let freeze = GateResult::pending(GateId::Freeze, "deploy freeze `launch` until …")
            .with_ready_at(Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap());
        let v = in_merge_group(verdict(vec![
            GateResult::pass(GateId::Soak, "soaked"),
            freeze,
        ]));
        assert_eq!(v.verdict, VerdictState::Fail);
        assert_eq!(v.ready_at, None);
        assert_eq!(v.gates[1].state, GateState::Fail);
        assert!(v.gates[1].reason.ends_with("— a merge queue does not wait"));
    }

    #[test]
    fn pass_fail_and_error_are_unchanged() {
        for gates in [
            vec![GateResult::pass(GateId::Tag, "ok")],
            vec![
                GateResult::fail(GateId::Tag, "no tag"),
                GateResult::pending(GateId::Soak, "soaking"),
            ],
            vec![GateResult::error(GateId::Checks, "unreadable")],
        ] {
            let v = verdict(gates);
            assert_eq!(in_merge_group(v.clone()), v);
        }
    }
}
