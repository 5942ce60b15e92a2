//! Event routing: from the event the workflow runs on (name + payload) and the inputs, which
//! release PRs to evaluate. Pure: no I/O.
//!
//! | event | actions | evaluated |
//! |---|---|---|
//! | `pull_request`, `pull_request_target` | opened, synchronize, reopened, edited, ready_for_review | that PR, when its base is the production branch |
//! | `pull_request_review` | submitted, edited, dismissed | that PR, when its base is the production branch |
//! | `check_suite` | any | its `pull_requests` into the production branch; none listed → open PRs whose head is its SHA |
//! | `check_run` | created, completed, rerequested | the same; shipgate's own check run is ignored (no loops) |
//! | `status` | — | open PRs whose head is its SHA; shipgate's own status is ignored |
//! | `deployment_status` | any | every open PR (a staging or production deploy can change any PR's soak or tag gate) |
//! | `push` | tag created/moved | open PRs whose head is the tag's commit; a deleted tag → every open PR |
//! | `schedule`, `workflow_dispatch` | — | every open PR into the production branch |
//! | `workflow_run` | any | a run of a `merge_group` → that group; else the triggering run's `pull_requests` into the production branch; none listed → every open PR into the production branch |
//! | `merge_group` | `checks_requested` | the group (`merge_group.head_sha`, the PR its `head_ref` names) |
//!
//! The `pull-request` input, when given, overrides the event. "By SHA" and "every open PR" are
//! both served by the one read of all open PRs into the production branch, filtered afterwards.
//! Anything else ends cleanly with a notice ([`Targets::Nothing`]).

use serde_json::Value;

use crate::error::Error;

/// What the routing needs besides the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInputs {
    /// The `pull-request` input, when given.
    pub pull_request: Option<u64>,
    /// The production branch (`main`).
    pub production_branch: String,
    /// shipgate's check name, to ignore events about its own check.
    pub check_name: String,
}

/// Which candidates to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// One pull request: read it by number.
    PullRequest(u64),
    /// Several pull requests by number (a check suite of several PRs): read all open, keep these.
    PullRequests(Vec<u64>),
    /// The open PRs into the production branch whose head is this SHA.
    HeadSha(String),
    /// Every open PR into the production branch.
    AllOpen,
    /// A merge-queue group: its pull requests, checked on the group's commit.
    MergeGroup(crate::facts::MergeGroup),
    /// One commit of the production branch, and the pull request that brought it (the guard).
    Commit(String),
    /// Nothing to evaluate; the reason is shown as a notice.
    Nothing(String),
}

impl Targets {
    /// Whether the open-PRs read serves these targets (otherwise one PR is read by number).
    pub fn reads_all_open(&self) -> bool {
        matches!(
            self,
            Self::PullRequests(_) | Self::HeadSha(_) | Self::AllOpen
        )
    }

    /// Whether a PR (number, head SHA) from the open-PRs read is one of the targets.
    pub fn selects(&self, number: u64, head_sha: &str) -> bool {
        match self {
            Self::PullRequest(n) => *n == number,
            Self::PullRequests(ns) => ns.contains(&number),
            Self::HeadSha(sha) => sha.eq_ignore_ascii_case(head_sha),
            Self::AllOpen => true,
            Self::MergeGroup(_) | Self::Commit(_) | Self::Nothing(_) => false,
        }
    }
}

/// Routes an event to its targets. `event` is the parsed `GITHUB_EVENT_PATH` file.
pub fn route(event_name: &str, event: &Value, inputs: &RouteInputs) -> Result<Targets, Error> {
    if let Some(number) = inputs.pull_request {
        return Ok(Targets::PullRequest(number));
    }
    let action = event.get("action").and_then(Value::as_str).unwrap_or("");
    let branch = inputs.production_branch.as_str();
    let nothing = |reason: String| Ok(Targets::Nothing(reason));
    match event_name {
        "pull_request" | "pull_request_target" => {
            if !matches!(
                action,
                "opened" | "synchronize" | "reopened" | "edited" | "ready_for_review"
            ) {
                return nothing(format!(
                    "`{event_name}` action `{action}` does not change a release candidate"
                ));
            }
            one_pr(event_name, event, branch)
        }
        "pull_request_review" => {
            if !matches!(action, "submitted" | "edited" | "dismissed") {
                return nothing(format!(
                    "`{event_name}` action `{action}` does not change a release candidate"
                ));
            }
            one_pr(event_name, event, branch)
        }
        "check_suite" => {
            let suite = field(event_name, event, "check_suite")?;
            by_prs_or_sha(event_name, suite, branch)
        }
        "check_run" => {
            if !matches!(action, "created" | "completed" | "rerequested") {
                return nothing(format!(
                    "`check_run` action `{action}` does not change a release candidate"
                ));
            }
            let run = field(event_name, event, "check_run")?;
            let name = run.get("name").and_then(Value::as_str).unwrap_or("");
            let external_id = run.get("external_id").and_then(Value::as_str).unwrap_or("");
            if name == inputs.check_name || external_id == crate::facts::CHECK_EXTERNAL_ID {
                return nothing(format!(
                    "the check run `{name}` is shipgate's own; nothing to re-evaluate"
                ));
            }
            by_prs_or_sha(event_name, run, branch)
        }
        "status" => {
            let context = event.get("context").and_then(Value::as_str).unwrap_or("");
            if context == inputs.check_name {
                return nothing(format!(
                    "the status `{context}` is shipgate's own; nothing to re-evaluate"
                ));
            }
            Ok(Targets::HeadSha(sha(event_name, event, &["sha"])?))
        }
        "deployment_status" => {
            field(event_name, event, "deployment")?;
            Ok(Targets::AllOpen)
        }
        "push" => {
            let git_ref = string(event_name, event, "ref")?;
            if !git_ref.starts_with("refs/tags/") {
                return nothing(format!(
                    "a push to `{git_ref}` is not a tag; release tags are what concern release PRs"
                ));
            }
            if event.get("deleted").and_then(Value::as_bool) == Some(true) {
                // Which commit lost its tag is not in the payload: look at every PR.
                return Ok(Targets::AllOpen);
            }
            // For an annotated tag `after` is the tag object; `head_commit` is the commit.
            let commit = event
                .get("head_commit")
                .and_then(|c| c.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string);
            match commit {
                Some(commit) if is_sha(&commit) => Ok(Targets::HeadSha(commit)),
                _ => Ok(Targets::HeadSha(sha(event_name, event, &["after"])?)),
            }
        }
        "schedule" | "workflow_dispatch" => Ok(Targets::AllOpen),
        "merge_group" => {
            if !matches!(action, "checks_requested" | "") {
                return nothing(format!(
                    "`merge_group` action `{action}` asks for no checks"
                ));
            }
            let group = field(event_name, event, "merge_group")?;
            let head = sha(event_name, group, &["head_sha"])?;
            let head_ref = group.get("head_ref").and_then(Value::as_str).unwrap_or("");
            Ok(Targets::MergeGroup(crate::facts::MergeGroup {
                head_sha: head,
                number: queue_number(head_ref, branch),
            }))
        }
        "workflow_run" => {
            // The trigger workflow ran for a review, a staging deployment, a tag push…: the
            // PRs GitHub lists for that run, or — when it lists none (forks, deployments,
            // tags) — every release PR. For a merge-queue group, the group.
            let run = field(event_name, event, "workflow_run")?;
            if run.get("event").and_then(Value::as_str) == Some("merge_group") {
                let head = sha(event_name, run, &["head_sha"])?;
                let branch_name = run.get("head_branch").and_then(Value::as_str).unwrap_or("");
                return Ok(Targets::MergeGroup(crate::facts::MergeGroup {
                    head_sha: head,
                    number: queue_number(branch_name, branch),
                }));
            }
            let listed = run
                .get("pull_requests")
                .and_then(Value::as_array)
                .is_some_and(|prs| !prs.is_empty());
            if listed {
                by_prs_or_sha(event_name, run, branch)
            } else {
                Ok(Targets::AllOpen)
            }
        }
        other => nothing(format!(
            "shipgate does not act on `{other}` events; see docs/action.md for the events it handles"
        )),
    }
}

fn one_pr(event_name: &str, event: &Value, branch: &str) -> Result<Targets, Error> {
    let pr = field(event_name, event, "pull_request")?;
    let number = pr
        .get("number")
        .and_then(Value::as_u64)
        .ok_or_else(|| malformed(event_name, "`pull_request.number` is missing"))?;
    let base = pr
        .get("base")
        .and_then(|b| b.get("ref"))
        .and_then(Value::as_str)
        .ok_or_else(|| malformed(event_name, "`pull_request.base.ref` is missing"))?;
    if pr.get("state").and_then(Value::as_str) == Some("closed") {
        return Ok(Targets::Nothing(format!(
            "pull request #{number} is closed"
        )));
    }
    if base != branch {
        return Ok(Targets::Nothing(format!(
            "pull request #{number} targets `{base}`, not the production branch `{branch}`"
        )));
    }
    Ok(Targets::PullRequest(number))
}

/// A check suite or run: the PRs it lists into the production branch, else its head SHA.
fn by_prs_or_sha(event_name: &str, object: &Value, branch: &str) -> Result<Targets, Error> {
    let listed: Vec<(u64, &str)> = object
        .get("pull_requests")
        .and_then(Value::as_array)
        .map(|prs| {
            prs.iter()
                .filter_map(|pr| {
                    let number = pr.get("number")?.as_u64()?;
                    let base = pr.get("base")?.get("ref")?.as_str()?;
                    Some((number, base))
                })
                .collect()
        })
        .unwrap_or_default();
    if listed.is_empty() {
        // GitHub leaves the list empty for PRs from forks and for pushes: go by SHA.
        return Ok(Targets::HeadSha(sha(event_name, object, &["head_sha"])?));
    }
    let mut numbers: Vec<u64> = listed
        .iter()
        .filter(|(_, base)| *base == branch)
        .map(|(n, _)| *n)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    Ok(match numbers.as_slice() {
        [] => Targets::Nothing(format!(
            "the {event_name} concerns no pull request into the production branch `{branch}`"
        )),
        [one] => Targets::PullRequest(*one),
        _ => Targets::PullRequests(numbers),
    })
}

/// The PR number a merge-queue branch names: `[refs/heads/]gh-readonly-queue/<base>/pr-<N>-<sha>`
/// (the base branch may itself hold `/`, so the known production branch anchors the parse).
pub fn queue_number(branch_name: &str, production_branch: &str) -> Option<u64> {
    let name = branch_name
        .strip_prefix("refs/heads/")
        .unwrap_or(branch_name);
    let rest = name
        .strip_prefix("gh-readonly-queue/")?
        .strip_prefix(production_branch)?
        .strip_prefix("/pr-")?;
    let (number, _) = rest.split_once('-')?;
    number.parse().ok()
}

fn field<'a>(event_name: &str, event: &'a Value, key: &str) -> Result<&'a Value, Error> {
    event
        .get(key)
        .filter(|v| v.is_object())
        .ok_or_else(|| malformed(event_name, &format!("`{key}` is missing")))
}

fn string(event_name: &str, event: &Value, key: &str) -> Result<String, Error> {
    event
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| malformed(event_name, &format!("`{key}` is missing")))
}

fn sha(event_name: &str, object: &Value, keys: &[&str]) -> Result<String, Error> {
    for key in keys {
        if let Some(value) = object.get(*key).and_then(Value::as_str) {
            if is_sha(value) {
                return Ok(value.to_ascii_lowercase());
            }
            return Err(malformed(
                event_name,
                &format!("`{key}` is not a commit SHA: {value:?}"),
            ));
        }
    }
    Err(malformed(
        event_name,
        &format!("`{}` is missing", keys.join("` or `")),
    ))
}

fn is_sha(text: &str) -> bool {
    text.len() == 40
        && text.bytes().all(|b| b.is_ascii_hexdigit())
        && text.bytes().any(|b| b != b'0')
}

fn malformed(event_name: &str, message: &str) -> Error {
    Error::Event {
        event: event_name.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(name: &str) -> Value {
        let path = format!(
            "{}/../../tests/fixtures/github/events/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap()
    }

    fn inputs(branch: &str) -> RouteInputs {
        RouteInputs {
            pull_request: None,
            production_branch: branch.into(),
            check_name: "shipgate".into(),
        }
    }

    fn routed(event_name: &str, file: &str, branch: &str) -> Targets {
        route(event_name, &payload(file), &inputs(branch)).unwrap()
    }

    const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    #[test]
    fn merge_groups_are_routed_from_their_event_and_from_the_trigger_workflow() {
        let event = serde_json::json!({ "action": "checks_requested", "merge_group": {
            "head_sha": HEAD,
            "head_ref": "refs/heads/gh-readonly-queue/main/pr-214-ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "base_ref": "refs/heads/main",
        } });
        let group = Targets::MergeGroup(crate::facts::MergeGroup {
            head_sha: HEAD.into(),
            number: Some(214),
        });
        assert_eq!(
            route("merge_group", &event, &inputs("main")).unwrap(),
            group
        );
        let run = serde_json::json!({ "action": "completed", "workflow_run": {
            "event": "merge_group", "head_sha": HEAD, "pull_requests": [],
            "head_branch": "gh-readonly-queue/main/pr-214-ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        } });
        assert_eq!(route("workflow_run", &run, &inputs("main")).unwrap(), group);
        assert_eq!(
            queue_number("gh-readonly-queue/release/v2/pr-7-abc", "release/v2"),
            Some(7)
        );
        assert_eq!(
            queue_number("gh-readonly-queue/main/pr-7-abc", "release"),
            None
        );
        assert_eq!(queue_number("staging/v1.4.0", "main"), None);
    }

    #[test]
    fn workflow_run_targets_the_triggering_runs_prs_or_every_open_one() {
        let with_prs = serde_json::json!({ "action": "completed", "workflow_run": {
            "event": "pull_request_review", "head_sha": HEAD,
            "pull_requests": [
                { "number": 7, "base": { "ref": "main" }, "head": { "sha": HEAD } },
                { "number": 9, "base": { "ref": "develop" }, "head": { "sha": HEAD } },
            ],
        } });
        assert_eq!(
            route("workflow_run", &with_prs, &inputs("main")).unwrap(),
            Targets::PullRequest(7)
        );
        let without = serde_json::json!({ "action": "completed", "workflow_run": {
            "event": "deployment_status", "head_sha": HEAD, "pull_requests": [],
        } });
        assert_eq!(
            route("workflow_run", &without, &inputs("main")).unwrap(),
            Targets::AllOpen
        );
        let elsewhere = serde_json::json!({ "workflow_run": {
            "pull_requests": [ { "number": 9, "base": { "ref": "develop" } } ],
        } });
        assert!(matches!(
            route("workflow_run", &elsewhere, &inputs("main")).unwrap(),
            Targets::Nothing(_)
        ));
        assert!(route("workflow_run", &serde_json::json!({}), &inputs("main")).is_err());
    }
    const PUSHED: &str = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

    #[test]
    fn pull_request_actions_that_change_a_candidate() {
        for action in [
            "opened",
            "synchronize",
            "reopened",
            "edited",
            "ready_for_review",
        ] {
            assert_eq!(
                routed("pull_request", &format!("pull_request.{action}"), "master"),
                Targets::PullRequest(2),
                "{action}"
            );
        }
    }

    #[test]
    fn pull_request_into_another_branch_is_nothing() {
        let t = routed("pull_request", "pull_request.opened", "main");
        assert_eq!(
            t,
            Targets::Nothing(
                "pull request #2 targets `master`, not the production branch `main`".into()
            )
        );
    }

    #[test]
    fn other_pull_request_actions_are_nothing() {
        for action in ["closed", "labeled"] {
            let t = routed("pull_request", &format!("pull_request.{action}"), "master");
            assert!(matches!(t, Targets::Nothing(_)), "{action}: {t:?}");
        }
    }

    #[test]
    fn reviews_submitted_and_dismissed() {
        assert_eq!(
            routed(
                "pull_request_review",
                "pull_request_review.submitted",
                "master"
            ),
            Targets::PullRequest(2)
        );
        assert_eq!(
            routed(
                "pull_request_review",
                "pull_request_review.dismissed",
                "master"
            ),
            Targets::PullRequest(2)
        );
        let mut edited = payload("pull_request_review.submitted");
        edited["action"] = "edited".into();
        assert_eq!(
            route("pull_request_review", &edited, &inputs("master")).unwrap(),
            Targets::PullRequest(2)
        );
    }

    #[test]
    fn check_suite_and_check_run_use_their_pull_requests() {
        assert_eq!(
            routed("check_suite", "check_suite.completed", "master"),
            Targets::PullRequest(2)
        );
        assert_eq!(
            routed("check_run", "check_run.completed", "master"),
            Targets::PullRequest(2)
        );
        // Listed PRs into another branch only: nothing.
        assert!(matches!(
            routed("check_run", "check_run.completed", "main"),
            Targets::Nothing(_)
        ));
    }

    #[test]
    fn check_run_without_pull_requests_goes_by_head_sha() {
        let mut event = payload("check_run.completed");
        event["check_run"]["pull_requests"] = serde_json::json!([]);
        assert_eq!(
            route("check_run", &event, &inputs("master")).unwrap(),
            Targets::HeadSha(HEAD.into())
        );
        let mut suite = payload("check_suite.completed");
        suite["check_suite"]["pull_requests"] = serde_json::json!([]);
        assert_eq!(
            route("check_suite", &suite, &inputs("master")).unwrap(),
            Targets::HeadSha(HEAD.into())
        );
    }

    #[test]
    fn check_suite_with_several_pull_requests() {
        let mut suite = payload("check_suite.completed");
        let first = suite["check_suite"]["pull_requests"][0].clone();
        let mut second = first.clone();
        second["number"] = 7.into();
        suite["check_suite"]["pull_requests"] = serde_json::json!([second, first]);
        assert_eq!(
            route("check_suite", &suite, &inputs("master")).unwrap(),
            Targets::PullRequests(vec![2, 7])
        );
    }

    #[test]
    fn shipgates_own_check_run_and_status_are_ignored() {
        let mut event = payload("check_run.completed");
        event["check_run"]["name"] = "shipgate".into();
        assert!(matches!(
            route("check_run", &event, &inputs("master")).unwrap(),
            Targets::Nothing(_)
        ));
        let mut status = payload("status");
        status["context"] = "shipgate".into();
        assert!(matches!(
            route("status", &status, &inputs("master")).unwrap(),
            Targets::Nothing(_)
        ));
        assert!(matches!(
            routed("check_run", "check_run.requested_action", "master"),
            Targets::Nothing(_)
        ));
    }

    #[test]
    fn status_goes_by_sha() {
        assert_eq!(
            routed("status", "status", "master"),
            Targets::HeadSha(PUSHED.into())
        );
    }

    #[test]
    fn deployment_status_schedule_and_dispatch_read_every_open_pr() {
        assert_eq!(
            routed("deployment_status", "deployment_status", "main"),
            Targets::AllOpen
        );
        assert_eq!(
            routed("workflow_dispatch", "workflow_dispatch", "main"),
            Targets::AllOpen
        );
        let schedule = serde_json::json!({ "schedule": "*/15 * * * *" });
        assert_eq!(
            route("schedule", &schedule, &inputs("main")).unwrap(),
            Targets::AllOpen
        );
    }

    #[test]
    fn pull_request_input_overrides_the_event() {
        let mut with_input = inputs("main");
        with_input.pull_request = Some(42);
        assert_eq!(
            route(
                "workflow_dispatch",
                &payload("workflow_dispatch"),
                &with_input
            )
            .unwrap(),
            Targets::PullRequest(42)
        );
    }

    #[test]
    fn pushes_of_tags_go_by_the_tagged_commit() {
        assert_eq!(
            routed("push", "push.tag", "master"),
            Targets::HeadSha(PUSHED.into())
        );
        assert_eq!(
            routed("push", "push.tag_deleted", "master"),
            Targets::AllOpen
        );
        assert!(matches!(
            routed("push", "push.branch", "master"),
            Targets::Nothing(_)
        ));
        // Annotated tag: `after` is the tag object, `head_commit.id` the commit.
        let mut annotated = payload("push.tag");
        annotated["after"] = "1111111111111111111111111111111111111111".into();
        assert_eq!(
            route("push", &annotated, &inputs("master")).unwrap(),
            Targets::HeadSha(PUSHED.into())
        );
    }

    #[test]
    fn unknown_events_are_nothing_and_broken_payloads_are_errors() {
        assert!(matches!(
            route("issues", &serde_json::json!({}), &inputs("main")).unwrap(),
            Targets::Nothing(_)
        ));
        let err = route(
            "pull_request",
            &serde_json::json!({"action": "opened"}),
            &inputs("main"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("`pull_request` is missing"),
            "{err}"
        );
        let err = route(
            "status",
            &serde_json::json!({"sha": "nope", "context": "ci"}),
            &inputs("main"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a commit SHA"), "{err}");
    }

    #[test]
    fn selection_from_the_open_read() {
        assert!(Targets::HeadSha(HEAD.into()).selects(3, &HEAD.to_uppercase()));
        assert!(!Targets::HeadSha(HEAD.into()).selects(3, PUSHED));
        assert!(Targets::PullRequests(vec![2, 7]).selects(7, PUSHED));
        assert!(Targets::AllOpen.selects(9, PUSHED));
        assert!(Targets::AllOpen.reads_all_open());
        assert!(!Targets::PullRequest(1).reads_all_open());
    }
}
