//! Who may decide: a run publishes a verdict only when its workflow definition is trusted.
//!
//! Anyone with write access can edit workflow files in a branch or pull request. GitHub runs the
//! workflow file *of the event's ref*: for `pull_request` that is the PR's own merge ref, so a PR
//! could lower its own soak or approvals in its copy of the gate workflow. A run therefore
//! decides and publishes only when its workflow file was read from the production branch or the
//! repository's default branch: `GITHUB_WORKFLOW_REF` (`owner/repo/.github/workflows/FILE@REF`)
//! ends with `@refs/heads/<that branch>`. When the event names the default branch, the branch
//! must be one of those two, whatever the event: GitHub Enterprise Server (and github.com before
//! December 2025) reads a `pull_request_target` workflow from the PR's *base* branch, which a
//! writer can create. Only when the event does not name it (a `schedule` payload) are the events
//! GitHub always runs from the default branch (`schedule`, `workflow_run`, `check_suite`,
//! `check_run`, `status`, `pull_request_target`, `issue_comment`, `repository_dispatch`) trusted
//! whatever that branch is called.
//! Everything else — a missing or malformed ref, a tag, a PR ref, a merge-queue branch — is
//! untrusted: the run evaluates and reports, and publishes nothing (`docs/security.md`).

/// Events whose workflow file GitHub always reads from the default branch.
pub const DEFAULT_BRANCH_EVENTS: &[&str] = &[
    "schedule",
    "workflow_run",
    "check_suite",
    "check_run",
    "status",
    "pull_request_target",
    "issue_comment",
    "repository_dispatch",
];

/// Whether a run may publish, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The workflow file was read from a trusted branch.
    Trusted,
    /// It was not; the reason says where it came from and how to fix the workflow.
    Untrusted(String),
}

/// Decides whether a run's workflow definition is trusted.
///
/// `workflow_ref` is `GITHUB_WORKFLOW_REF`; `default_branch` is the repository's default branch
/// as the event payload names it, when it does.
pub fn workflow_trust(
    workflow_ref: &str,
    event_name: &str,
    production_branch: &str,
    default_branch: Option<&str>,
) -> Trust {
    let fix = "run the gate from a workflow on the production branch (events `pull_request_target`, `schedule`, `check_suite`, `workflow_dispatch` on it, or `workflow_run` of the trigger workflow; docs/security.md)";
    let workflow_ref = workflow_ref.trim();
    if workflow_ref.is_empty() {
        return Trust::Untrusted(format!(
            "GITHUB_WORKFLOW_REF is not set, so where this run's workflow file came from is unknown; {fix}"
        ));
    }
    let Some((_, git_ref)) = workflow_ref.rsplit_once('@') else {
        return Trust::Untrusted(format!(
            "GITHUB_WORKFLOW_REF {workflow_ref:?} names no ref; {fix}"
        ));
    };
    let Some(branch) = git_ref.strip_prefix("refs/heads/") else {
        return Trust::Untrusted(format!(
            "this run's workflow file comes from `{git_ref}`, which is not a branch shipgate trusts (anyone who can push there can change the gate); {fix}"
        ));
    };
    let trusted = branch == production_branch
        || match default_branch {
            Some(default) => default == branch,
            None => DEFAULT_BRANCH_EVENTS.contains(&event_name),
        };
    if trusted {
        Trust::Trusted
    } else {
        Trust::Untrusted(format!(
            "this run's workflow file comes from the branch `{branch}`, not the production branch `{production_branch}`{}; {fix}",
            default_branch
                .filter(|d| *d != production_branch)
                .map(|d| format!(" or the default branch `{d}`"))
                .unwrap_or_default()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "acme/shop/.github/workflows/shipgate.yml";

    fn trust(git_ref: &str, event: &str, default: Option<&str>) -> Trust {
        workflow_trust(&format!("{FILE}@{git_ref}"), event, "main", default)
    }

    #[test]
    fn a_workflow_from_the_production_or_default_branch_is_trusted() {
        assert_eq!(
            trust("refs/heads/main", "workflow_dispatch", None),
            Trust::Trusted
        );
        assert_eq!(
            trust("refs/heads/develop", "workflow_dispatch", Some("develop")),
            Trust::Trusted
        );
        // GitHub reads these events' workflow files from the default branch, whatever its name.
        for event in [
            "schedule",
            "workflow_run",
            "check_suite",
            "pull_request_target",
        ] {
            assert_eq!(
                trust("refs/heads/trunk", event, None),
                Trust::Trusted,
                "{event}"
            );
        }
    }

    #[test]
    fn a_workflow_the_pull_request_controls_is_not() {
        let Trust::Untrusted(why) = trust("refs/pull/7/merge", "pull_request", Some("main")) else {
            panic!("a PR's merge ref is never trusted");
        };
        assert!(why.contains("`refs/pull/7/merge`"), "{why}");
        assert!(why.contains("pull_request_target"), "{why}");
        // A `pull_request_target` run whose file came from a branch a writer made (GitHub
        // Enterprise Server reads it from the PR's base branch).
        assert!(matches!(
            trust("refs/heads/attacker-base", "pull_request_target", Some("main")),
            Trust::Untrusted(why) if why.contains("`attacker-base`")
        ));
        for (git_ref, event) in [
            ("refs/heads/staging/v1.4.0", "push"),
            ("refs/heads/feature", "workflow_dispatch"),
            ("refs/heads/gh-readonly-queue/main/pr-7-abc", "merge_group"),
            ("refs/tags/v1.4.0", "push"),
            ("refs/heads/staging/v1.4.0", "deployment_status"),
        ] {
            assert!(
                matches!(trust(git_ref, event, Some("main")), Trust::Untrusted(_)),
                "{git_ref} {event}"
            );
        }
    }

    #[test]
    fn a_missing_or_malformed_ref_is_untrusted() {
        assert!(matches!(
            workflow_trust("", "schedule", "main", None),
            Trust::Untrusted(why) if why.contains("GITHUB_WORKFLOW_REF is not set")
        ));
        assert!(matches!(
            workflow_trust(FILE, "schedule", "main", None),
            Trust::Untrusted(_)
        ));
    }
}
