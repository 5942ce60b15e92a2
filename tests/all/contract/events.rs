//! Events end to end: which pull requests each event evaluates, from real webhook payloads.

use serde_json::json;

use crate::support::fake::*;
use crate::support::world::{check_graphql, world};

/// The ready repository with a second open release PR (#8, soaking) and a PR into another
/// branch (#9, never evaluated).
fn two_releases(name: &str) -> shipgate_fake::Repo {
    let mut repo = ready_repo(name);
    let mut second = pull(8, NEW_HEAD, "staging/v1.5.0", "Release v1.5.0");
    second.created_at = hours_ago(5);
    repo.pulls.push(second);
    let mut other = pull(9, PROD, "feature/x", "Feature into develop");
    other.base_ref = "develop".into();
    repo.pulls.push(other);
    repo.commits.push(commit(NEW_HEAD, 4));
    repo
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn schedule_evaluates_every_open_release_pr_and_reports_the_worst() {
    let w = world();
    let repo = two_releases("schedule");
    w.fake.load(repo.clone());
    let ran = w
        .action(&repo, "schedule", &json!({ "schedule": "17 * * * *" }))
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(
        ran.verdict(),
        "pending",
        "the worst of pass and pending: {}",
        ran.describe()
    );
    assert!(
        !ran.outputs.contains_key("version"),
        "version is for a single PR"
    );
    let report = ran.report();
    let numbers: Vec<u64> = report["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["subject"]["pull_request"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![7, 8], "{report}");
    // One check run per head, one comment per PR; nothing on the PR into `develop`.
    let heads: Vec<String> = ran
        .writes_to("POST", "/check-runs")
        .iter()
        .map(|r| r.json()["head_sha"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(heads.len(), 2, "{}", ran.describe());
    assert!(heads.contains(&HEAD.to_string()) && heads.contains(&NEW_HEAD.to_string()));
    assert_eq!(ran.writes_to("POST", "/issues/7/comments").len(), 1);
    assert_eq!(ran.writes_to("POST", "/issues/8/comments").len(), 1);
    assert!(ran.writes_to("POST", "/issues/9/").is_empty());
    // One GraphQL read for all of them.
    let reads = w.fake.graphql_exchanges(Some(&repo.full_name()));
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].operation, "OpenPullRequestFacts");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn deployment_status_re_evaluates_every_open_release_pr() {
    let w = world();
    let repo = two_releases("deployment-status");
    w.fake.load(repo.clone());
    let mut event = w.event(&repo, "deployment_status", None);
    event["deployment"]["sha"] = json!(NEW_HEAD);
    event["deployment"]["environment"] = json!("staging");
    event["deployment_status"]["state"] = json!("success");
    let ran = w
        .action(&repo, "deployment_status", &event)
        .input("comment", "false")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.report()["pull_requests"].as_array().unwrap().len(), 2);
    assert_eq!(ran.graphql_operations(), ["OpenPullRequestFacts"]);
    assert_eq!(ran.writes_to("POST", "/check-runs").len(), 2);
    assert!(
        ran.writes_to("POST", "/comments").is_empty(),
        "comment: false: {}",
        ran.describe()
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_approving_review_re_evaluates_that_pr_only() {
    let w = world();
    let repo = two_releases("review");
    w.fake.load(repo.clone());
    let mut event = w.pr_event(&repo, "pull_request_review", "submitted", 7);
    // The examples have no approval: adjust a copy (webhook states are lowercase).
    event["review"]["state"] = json!("approved");
    event["review"]["commit_id"] = json!(HEAD);
    let ran = w.action(&repo, "pull_request_review", &event).run();
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert_eq!(ran.report()["pull_requests"].as_array().unwrap().len(), 1);
    let reads = w.fake.graphql_exchanges(Some(&repo.full_name()));
    assert_eq!(reads[0].operation, "PullRequestFacts");
    assert_eq!(reads[0].variables["number"], 7);
    assert!(ran.writes_to("POST", "/issues/8/").is_empty());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_tag_push_evaluates_the_prs_whose_head_it_tags() {
    let w = world();
    let repo = two_releases("tag-push");
    w.fake.load(repo.clone());
    let mut event = w.event(&repo, "push", None);
    event["ref"] = json!("refs/tags/v1.4.0");
    event["created"] = json!(true);
    event["deleted"] = json!(false);
    event["before"] = json!("0000000000000000000000000000000000000000");
    // An annotated tag: `after` is the tag object, `head_commit` the commit.
    event["after"] = json!("a140a140a140a140a140a140a140a140a140a140");
    event["head_commit"] = json!({ "id": HEAD, "message": "Release v1.4.0" });
    let ran = w.action(&repo, "push", &event).run();
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let report = ran.report();
    let prs = report["pull_requests"].as_array().unwrap();
    assert_eq!(prs.len(), 1, "{report}");
    assert_eq!(prs[0]["subject"]["pull_request"], 7);
    assert_eq!(ran.graphql_operations().len(), 1, "{}", ran.describe());
    assert_eq!(ran.writes_to("POST", "/check-runs").len(), 1);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn workflow_dispatch_with_the_pull_request_input_evaluates_that_pr() {
    let w = world();
    let repo = two_releases("dispatch");
    w.fake.load(repo.clone());
    let event = w.event(&repo, "workflow_dispatch", None);
    let ran = w
        .action(&repo, "workflow_dispatch", &event)
        .input("pull-request", "8")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    let report = ran.report();
    assert_eq!(report["pull_requests"][0]["subject"]["pull_request"], 8);
    let created = ran.single_write("POST", "/check-runs");
    assert_eq!(created["head_sha"], NEW_HEAD);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_event_about_no_release_pr_ends_cleanly_with_a_notice_and_no_request() {
    let w = world();
    let repo = two_releases("no-release");
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "opened", 9);
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert!(
        ran.stdout
            .contains("::notice::shipgate: nothing to evaluate"),
        "{}",
        ran.describe()
    );
    assert!(ran.requests.is_empty(), "{}", ran.describe());
    assert_eq!(ran.report()["pull_requests"], json!([]));

    // A release PR closed or labeled, a branch push: nothing to evaluate either.
    let mut push = w.event(&repo, "push", None);
    push["ref"] = json!("refs/heads/main");
    push["created"] = json!(false);
    push["deleted"] = json!(false);
    let mut closed = w.pr_event(&repo, "pull_request", "closed", 7);
    closed["pull_request"]["state"] = json!("closed");
    for (name, event) in [
        ("pull_request", closed),
        (
            "pull_request",
            w.pr_event(&repo, "pull_request", "labeled", 7),
        ),
        ("push", push),
    ] {
        let ran = w.action(&repo, name, &event).run();
        assert_eq!(ran.code, 0, "{name}: {}", ran.describe());
        assert!(
            ran.stdout
                .contains("::notice::shipgate: nothing to evaluate"),
            "{name}: {}",
            ran.describe()
        );
        assert!(ran.requests.is_empty(), "{name}: {}", ran.describe());
        assert_eq!(ran.report()["pull_requests"], json!([]), "{name}");
    }

    // An event shipgate does not act on at all.
    let event = w.event(&repo, "issues", Some("opened"));
    let ran = w.action(&repo, "issues", &event).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert!(ran.stdout.contains("::notice::"), "{}", ran.describe());
    assert!(ran.requests.is_empty(), "{}", ran.describe());
    assert_eq!(ran.report()["pull_requests"], json!([]));
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_status_on_a_head_evaluates_the_pr_with_that_head() {
    let w = world();
    let repo = two_releases("status-event");
    w.fake.load(repo.clone());
    let mut event = w.event(&repo, "status", None);
    event["sha"] = json!(NEW_HEAD);
    event["context"] = json!("ci/e2e");
    event["state"] = json!("success");
    let ran = w.action(&repo, "status", &event).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    let report = ran.report();
    let prs = report["pull_requests"].as_array().unwrap();
    assert_eq!(prs.len(), 1, "{report}");
    assert_eq!(prs[0]["subject"]["pull_request"], 8);
    assert_eq!(
        ran.single_write("POST", "/check-runs")["head_sha"],
        NEW_HEAD
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn shipgates_own_check_run_event_is_ignored_so_it_never_loops() {
    let w = world();
    let repo = two_releases("own-check-run");
    w.fake.load(repo.clone());
    let mut event = w.event(&repo, "check_run", Some("completed"));
    event["check_run"]["name"] = json!("shipgate");
    event["check_run"]["external_id"] = json!("shipgate");
    event["check_run"]["head_sha"] = json!(HEAD);
    let ran = w.action(&repo, "check_run", &event).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert!(ran.stdout.contains("::notice::"), "{}", ran.describe());
    assert!(ran.requests.is_empty(), "{}", ran.describe());
}
