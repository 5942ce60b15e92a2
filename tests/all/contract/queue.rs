//! Merge queues and the deploy guard end to end (`docs/merge-queue.md`): the binary against the
//! fake GitHub behind Prism, every GraphQL answer checked against GitHub's schema.
//!
//! A merge group is reached the way the recommended workflows reach it: `shipgate-trigger` runs
//! on `merge_group` and the trusted gate workflow runs on its `workflow_run`. The guard runs as
//! the production workflow runs it, on the `push` to `main`.

use serde_json::{json, Value};
use shipgate_fake::state::{Pull, QueueEntry};
use shipgate_fake::Repo;

use crate::support::fake::*;
use crate::support::run::{gate_state, Ran};
use crate::support::world::{check_graphql, world, World};

/// Merge-group commits the queue made (`gh-readonly-queue/main/pr-N-…`).
const GROUP_1: &str = "4444444444444444444444444444444444444444";
const GROUP_2: &str = "5555555555555555555555555555555555555555";
const GROUP_3: &str = "6666666666666666666666666666666666666666";
/// Heads of the second and third release PRs of the batch.
const HEAD_8: &str = "8888888888888888888888888888888888888888";
const HEAD_9: &str = "9999999999999999999999999999999999999999";
/// Commits on `main` after a merge.
pub(super) const MERGE: &str = "abababababababababababababababababababab";
const PUSHED: &str = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

/// Queues `entries` (PR, group commit), each group commit with a green `build`.
fn queue(repo: &mut Repo, entries: &[(u64, &str)]) {
    repo.merge_queue = entries
        .iter()
        .map(|(pull, sha)| QueueEntry {
            pull: *pull,
            head_sha: Some((*sha).to_string()),
            state: "AWAITING_CHECKS".into(),
        })
        .collect();
    for (_, sha) in entries {
        repo.commit_mut(sha).check_runs = vec![check("build", "completed", Some("success"))];
    }
}

/// Another ready release like PR #7: its own head, tag and 26 h+ soak (`soaked_at` hours ago;
/// the next release's deploy ends the window), approved by two writers.
fn another_release(repo: &mut Repo, number: u64, head: &str, version: &str, soaked_at: i64) {
    let mut pr: Pull = repo.pulls[0].clone();
    pr.number = number;
    pr.title = format!("Release {version}");
    pr.head_ref = format!("staging/{version}");
    pr.head_sha = head.into();
    for r in &mut pr.reviews {
        r.commit = head.into();
    }
    pr.commits = Vec::new();
    repo.pulls.push(pr);
    let mut c = commit(head, soaked_at + 2);
    c.check_runs = vec![check("build", "completed", Some("success"))];
    repo.commits.push(c);
    repo.deployments
        .push(deployment(head, "staging", "success", soaked_at));
    repo.tags
        .push(annotated_tag(version, head, &head.replace(['8', '9'], "e")));
}

/// The `workflow_run` of `shipgate-trigger` that ran for the group of PR `pr` at `group`.
fn group_event(w: &World, repo: &Repo, pr: u64, group: &str) -> Value {
    let mut event = w.event(repo, "workflow_run", Some("completed"));
    let run = &mut event["workflow_run"];
    run["event"] = json!("merge_group");
    run["head_sha"] = json!(group);
    run["head_branch"] = json!(format!("gh-readonly-queue/main/pr-{pr}-{PROD}"));
    run["pull_requests"] = json!([]);
    event
}

/// Evaluates the group of PR `pr` at `group`, as the trusted gate workflow does.
fn evaluate_group(w: &World, repo: &Repo, pr: u64, group: &str) -> Ran {
    w.fake.load(repo.clone());
    let event = group_event(w, repo, pr, group);
    w.action(repo, "workflow_run", &event).run()
}

/// The one check run published, on the group's commit; no comment anywhere.
fn group_check(ran: &Ran, group: &str) -> Value {
    let check = ran.single_write("POST", "/check-runs");
    assert_eq!(check["head_sha"], group, "{}", ran.describe());
    assert!(
        ran.writes_to("POST", "/comments").is_empty()
            && ran.writes_to("PATCH", "/comments").is_empty(),
        "a merge group gets no PR comment\n{}",
        ran.describe()
    );
    check
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_queue_of_one_ready_pr_passes() {
    let w = world();
    let mut repo = ready_repo("queue-one");
    queue(&mut repo, &[(7, GROUP_1)]);
    let ran = evaluate_group(w, &repo, 7, GROUP_1);
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert_eq!(ran.graphql_operations(), ["MergeGroupFacts"]);
    let check = group_check(&ran, GROUP_1);
    assert_eq!(check["conclusion"], "success");
    assert_eq!(check["name"], "shipgate");
    assert!(ran.summary.contains("#7"), "{}", ran.summary);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_batch_fails_when_one_of_its_prs_lost_an_approval() {
    let w = world();
    let mut repo = ready_repo("queue-batch");
    // Three releases soaked one after the other: #8, then #9, then #7 (26 h each or more).
    another_release(&mut repo, 8, HEAD_8, "v1.4.1", 100);
    another_release(&mut repo, 9, HEAD_9, "v1.4.2", 74);
    queue(&mut repo, &[(7, GROUP_1), (8, GROUP_2), (9, GROUP_3)]);
    // All three pass on their own.
    let ran = evaluate_group(w, &repo, 9, GROUP_3);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let report = ran.report();
    let numbers: Vec<u64> = report["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["subject"]["pull_request"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [7, 8, 9], "the group holds the entries up to #9");
    // carol's approval of #8 is dismissed: #8 would wait for a review, the group does not.
    repo.pulls[1].reviews[1].state = "DISMISSED".into();
    let ran = evaluate_group(w, &repo, 9, GROUP_3);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let check = group_check(&ran, GROUP_3);
    assert_eq!(check["conclusion"], "failure");
    let title = check["output"]["title"].as_str().unwrap();
    assert!(title.contains("#8"), "the title names the PR: {title}");
    let summary = check["output"]["summary"].as_str().unwrap();
    assert!(summary.contains("1 of 2 approvals"), "{summary}");
    assert!(summary.contains("does not wait"), "{summary}");
    for pr in ["#7", "#8", "#9"] {
        assert!(
            ran.summary.contains(pr),
            "the job summary lists {pr}\n{}",
            ran.summary
        );
    }
    // The group of #7 alone (ahead of #8) still passes.
    let ran = evaluate_group(w, &repo, 7, GROUP_1);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_group_whose_merged_code_fails_ci_fails_though_every_head_was_green() {
    let w = world();
    let mut repo = ready_repo("queue-ci");
    queue(&mut repo, &[(7, GROUP_1)]);
    repo.commit_mut(GROUP_1).check_runs = vec![check("build", "completed", Some("failure"))];
    let ran = evaluate_group(w, &repo, 7, GROUP_1);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let check = group_check(&ran, GROUP_1);
    assert_eq!(check["conclusion"], "failure");
    let summary = check["output"]["summary"].as_str().unwrap();
    assert!(summary.contains("build"), "{summary}");
    // While the group's CI runs, the group waits for it (pending, not failed).
    repo.commit_mut(GROUP_1).check_runs = vec![check_run_in_progress("build")];
    let ran = evaluate_group(w, &repo, 7, GROUP_1);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    check_graphql(w, &repo.full_name());
}

fn check_run_in_progress(name: &str) -> shipgate_fake::state::CheckRun {
    check(name, "in_progress", None)
}

/// Runs the guard on `sha`, as `workflows/production.yml` does on a push to `main`.
pub(super) fn guard(w: &World, repo: &Repo, sha: &str) -> Ran {
    w.fake.load(repo.clone());
    let mut event = w.event(repo, "push", None);
    event["ref"] = json!("refs/heads/main");
    event["after"] = json!(sha);
    let ran = w
        .action(repo, "push", &event)
        .var("GITHUB_SHA", sha)
        .input("command", "guard")
        .run();
    assert!(
        ran.writes().is_empty(),
        "the guard writes nothing\n{}",
        ran.describe()
    );
    assert_eq!(ran.graphql_operations(), ["CommitFacts"]);
    ran
}

/// PR #7 merged into `main` as `merge_commit` (a merge commit when it differs from the head).
pub(super) fn merged(repo: &mut Repo, merge_commit: &str) {
    let pr = &mut repo.pulls[0];
    pr.state = "closed".into();
    pr.merged = true;
    pr.merge_commit = Some(merge_commit.into());
    if merge_commit != HEAD {
        let mut c = commit(merge_commit, 0);
        c.parents = vec![PROD.into(), HEAD.into()];
        repo.commits.push(c);
    }
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_guard_passes_a_clean_merge_and_a_fast_forward() {
    let w = world();
    let mut repo = ready_repo("guard-clean");
    merged(&mut repo, MERGE);
    let ran = guard(w, &repo, MERGE);
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert!(ran.summary.contains("#7"), "{}", ran.summary);
    check_graphql(w, &repo.full_name());

    let mut repo = ready_repo("guard-fast-forward");
    merged(&mut repo, HEAD);
    let ran = guard(w, &repo, HEAD);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert!(ran.summary.contains("fast-forward"), "{}", ran.summary);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_guard_stops_a_release_merged_on_top_of_changes_it_never_held() {
    let w = world();
    // `main` got a change past the gate (a bypass merge the guard stopped, or a push); the
    // release branch was cut before it. The release's gates pass, but its merge commit carries
    // that change too: its tree is not the head's.
    let mut repo = ready_repo("guard-carried-along");
    merged(&mut repo, MERGE);
    repo.commit_mut(MERGE).tree = Some("7".repeat(40));
    let ran = guard(w, &repo, MERGE);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert_ne!(ran.code, 0, "the deploy must not start\n{}", ran.describe());
    let (merge, reason) = gate_state(&ran, "merge");
    assert_eq!(merge, "fail");
    assert!(
        reason.contains("whose gates pass, but it holds more than #7's head 1111111: `main` had changes the release did not contain"),
        "{reason}"
    );
    assert!(
        ran.report()["pull_requests"][0]["gates"][0]["unblock"]
            .as_str()
            .is_some_and(|u| u.starts_with("merge `main` into the release branch")),
        "{}",
        ran.report()
    );
    check_graphql(w, &repo.full_name());
    // With a merge queue, what merged is the group the queue tested and shipgate judged.
    repo.merge_queue_enabled = true;
    let ran = guard(w, &repo, MERGE);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_guard_stops_a_direct_push() {
    let w = world();
    let mut repo = ready_repo("guard-push");
    let mut c = commit(PUSHED, 0);
    c.parents = vec![PROD.into()];
    repo.commits.push(c);
    let ran = guard(w, &repo, PUSHED);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert_ne!(ran.code, 0, "the deploy must not start\n{}", ran.describe());
    assert!(ran.summary.contains("direct push"), "{}", ran.summary);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_guard_stops_an_admin_merge_of_a_soaking_release() {
    let w = world();
    let mut repo = ready_repo("guard-admin");
    // Deployed to staging 10 h ago: the gate said pending when an admin merged past it.
    repo.deployments[1] = deployment(HEAD, "staging", "success", 10);
    merged(&mut repo, MERGE);
    let ran = guard(w, &repo, MERGE);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert_ne!(ran.code, 0, "the deploy must not start\n{}", ran.describe());
    assert!(ran.summary.contains("#7"), "{}", ran.summary);
    assert!(ran.summary.contains("merge commit"), "{}", ran.summary);
    let (soak, _) = gate_state(&ran, "soak");
    assert_eq!(soak, "pending", "the report keeps each gate's own state");
    check_graphql(w, &repo.full_name());
}
