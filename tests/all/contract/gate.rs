//! The gate rules end to end: each scenario loads a state, runs `shipgate action` on a
//! `pull_request` event and asserts the outputs, what was written to GitHub and the state after.

use shipgate_fake::state::{File, Tag};
use shipgate_fake::Repo;

use crate::support::fake::*;
use crate::support::run::{gate_state, Ran};
use crate::support::world::{check_graphql, world, World};

/// Loads the repository and runs the gate on a `pull_request` `synchronize` of PR #7.
fn gate(w: &World, repo: &Repo) -> Ran {
    w.fake.load(repo.clone());
    let event = w.pr_event(repo, "pull_request", "synchronize", 7);
    w.action(repo, "pull_request", &event).run()
}

/// The check run shipgate wrote on `sha` (the only one with its external id).
fn own_check(w: &World, repo: &Repo, sha: &str) -> shipgate_fake::state::CheckRun {
    let state = w.fake.repo(&repo.full_name()).unwrap();
    let own: Vec<_> = state
        .commit(sha)
        .map(|c| c.check_runs.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.external_id.as_deref() == Some("shipgate"))
        .collect();
    assert_eq!(own.len(), 1, "one shipgate check run on {sha}: {own:?}");
    own.into_iter().next().unwrap()
}

/// shipgate's check runs on `sha`, oldest first (a new state of a completed run is a new run).
fn own_checks(w: &World, repo: &Repo, sha: &str) -> Vec<shipgate_fake::state::CheckRun> {
    let state = w.fake.repo(&repo.full_name()).unwrap();
    state
        .commit(sha)
        .map(|c| c.check_runs.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.external_id.as_deref() == Some("shipgate"))
        .collect()
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn ready_release_passes_and_publishes_a_successful_check_and_comment() {
    let w = world();
    let repo = ready_repo("ready-pass");
    let ran = gate(w, &repo);
    assert_eq!(ran.code, 0, "{}", ran.describe());
    ran.assert_masked();
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert_eq!(ran.outputs["version"], "v1.4.0", "{}", ran.describe());
    assert_eq!(ran.outputs["ready-at"], "");
    assert_eq!(
        ran.report()["pull_requests"][0]["subject"]["pull_request"],
        7
    );
    // One read, two writes.
    let calls: Vec<(&str, &str)> = ran
        .requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let prefix = format!("/repos/{}", repo.full_name());
    assert_eq!(calls.len(), 3, "{}", ran.describe());
    assert_eq!(calls[0], ("POST", "/graphql"));
    assert_eq!(ran.graphql_operations(), ["PullRequestFacts"]);
    assert!(calls.contains(&("POST", format!("{prefix}/check-runs").as_str())));
    assert!(calls.contains(&("POST", format!("{prefix}/issues/7/comments").as_str())));
    let check = ran.single_write("POST", "/check-runs");
    assert_eq!(check["conclusion"], "success");
    assert_eq!(check["status"], "completed");
    assert_eq!(check["name"], "shipgate");
    assert_eq!(check["head_sha"], HEAD);
    assert_eq!(check["external_id"], "shipgate");
    assert_eq!(
        check["details_url"],
        format!("https://github.com/{}/actions/runs/4242", repo.full_name())
    );
    let run = own_check(w, &repo, HEAD);
    assert_eq!(run.status, "completed");
    assert_eq!(run.conclusion.as_deref(), Some("success"));
    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert_eq!(state.comments.len(), 1);
    assert!(state.comments[0]
        .body
        .starts_with("<!-- shipgate:sticky-comment -->"));
    assert!(ran.summary.contains("v1.4.0"), "{}", ran.summary);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn soaking_release_is_pending_with_its_ready_time() {
    let w = world();
    let mut repo = ready_repo("soaking");
    repo.deployments[1] = deployment(HEAD, "staging", "success", 10);
    let ran = gate(w, &repo);
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    // Deployed 10 hours ago: ready 24 hours after that, to the second.
    let ready = shifted("2026-11-28T02:00:00Z").to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(ran.outputs["ready-at"], ready);
    assert_eq!(gate_state(&ran, "soak").0, "pending");
    let run = own_check(w, &repo, HEAD);
    assert_eq!(run.status, "in_progress");
    assert_eq!(run.conclusion, None);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn one_approval_of_two_is_pending() {
    let w = world();
    let mut repo = ready_repo("one-approval");
    repo.pulls[0].reviews.truncate(1);
    let ran = gate(w, &repo);
    assert_eq!(ran.code, 0, "pending does not fail the step by default");
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "approvals");
    assert_eq!(state, "pending");
    assert!(reason.contains("1 of 2"), "{reason}");
    assert_eq!(own_check(w, &repo, HEAD).status, "in_progress");
    // With `fail-on: pending`, the same verdict fails the step with the pending exit code.
    let event = w.pr_event(&repo, "pull_request", "ready_for_review", 7);
    let ran = w
        .action(&repo, "pull_request", &event)
        .input("fail-on", "pending, fail, error")
        .run();
    assert_eq!(ran.code, 3, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pending");
    assert!(
        ran.stdout
            .contains("::error::shipgate verdict pending (fail-on)"),
        "{}",
        ran.describe()
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_stale_approval_does_not_count() {
    let w = world();
    let mut repo = ready_repo("stale-approval");
    repo.pulls[0].reviews[1] = review("carol", "APPROVED", PROD, 40);
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "approvals").0, "pending");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn changes_requested_fails() {
    let w = world();
    let mut repo = ready_repo("changes-requested");
    repo.pulls[0]
        .reviews
        .push(review("dave", "CHANGES_REQUESTED", HEAD, 1));
    let ran = gate(w, &repo);
    assert_eq!(ran.code, 0, "fail-on defaults to error: {}", ran.describe());
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "approvals").0, "fail");
    let run = own_check(w, &repo, HEAD);
    assert_eq!(run.status, "completed");
    assert_eq!(run.conclusion.as_deref(), Some("failure"));
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn failed_staging_deploy_fails() {
    let w = world();
    let mut repo = ready_repo("staging-failed");
    repo.deployments[1]
        .statuses
        .push(shipgate_fake::state::DeploymentStatus {
            state: "failure".into(),
            created_at: hours_ago(2),
            ..Default::default()
        });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "soak").0, "fail");
    assert_eq!(
        own_check(w, &repo, HEAD).conclusion.as_deref(),
        Some("failure")
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn missing_tag_is_pending_with_the_command_to_create_it() {
    let w = world();
    let mut repo = ready_repo("tag-missing");
    repo.tags.retain(|t| t.name != "v1.4.0");
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "tag").0, "pending");
    let report = ran.report().to_string();
    assert!(report.contains("git tag -a v1.4.0"), "{report}");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn release_tag_on_another_commit_fails() {
    let w = world();
    let mut repo = ready_repo("tag-elsewhere");
    repo.tags.retain(|t| t.name != "v1.4.0");
    repo.tags.push(annotated_tag(
        "v1.4.0",
        PROD,
        "b140b140b140b140b140b140b140b140b140b140",
    ));
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "tag").0, "fail");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn lightweight_tag_fails() {
    let w = world();
    let mut repo = ready_repo("tag-lightweight");
    repo.tags.retain(|t| t.name != "v1.4.0");
    repo.tags.push(Tag {
        name: "v1.4.0".into(),
        commit: HEAD.into(),
        annotated: None,
    });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "tag");
    assert_eq!(state, "fail", "{reason}");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn failing_check_fails() {
    let w = world();
    let mut repo = ready_repo("check-failing");
    repo.commits[0]
        .check_runs
        .push(check("e2e", "completed", Some("failure")));
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "checks");
    assert_eq!(state, "fail");
    assert!(reason.contains("e2e"), "{reason}");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn running_check_is_pending() {
    let w = world();
    let mut repo = ready_repo("check-running");
    repo.commits[0]
        .check_runs
        .push(check("load-test", "in_progress", None));
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "checks").0, "pending");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn failing_commit_status_fails_like_a_check_run() {
    let w = world();
    let mut repo = ready_repo("status-failing");
    repo.commits[0].statuses.push(shipgate_fake::state::Status {
        context: "ci/security-scan".into(),
        state: "failure".into(),
        description: Some("2 high findings".into()),
        created_at: hours_ago(3),
        ..Default::default()
    });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert!(gate_state(&ran, "checks").1.contains("ci/security-scan"));
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn checklist_from_the_config_on_main_unticked_is_pending_and_missing_fails() {
    let w = world();
    let config = "checklist:\n  items:\n    - Database backup taken\n    - Rollback plan ready\n    - Team notified\n";
    let mut repo = ready_repo("checklist-missing");
    repo.files.push(File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text: config.into(),
    });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "checklist");
    assert_eq!(state, "fail", "{reason}");
    assert!(reason.contains("Team notified"), "{reason}");
    check_graphql(w, &repo.full_name());

    let mut repo = ready_repo("checklist-unticked");
    repo.pulls[0].body.push_str("- [ ] Team notified\n");
    repo.files.push(File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text: config.into(),
    });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "checklist").0, "pending");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_config_is_read_from_the_production_branch_not_the_pr_head() {
    let w = world();
    let mut repo = ready_repo("config-from-main");
    repo.pulls[0].reviews.truncate(1);
    repo.files.push(File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text: "approvals:\n  required: 1\n".into(),
    });
    // The PR's own branch may say anything: it is never read.
    repo.files.push(File {
        branch: "staging/v1.4.0".into(),
        path: ".github/shipgate.yml".into(),
        text: "approvals:\n  required: 0\nsoak:\n  duration: 0h\n".into(),
    });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let exchange = &w.fake.graphql_exchanges(Some(&repo.full_name()))[0];
    assert_eq!(
        exchange.variables["config"],
        "refs/heads/main:.github/shipgate.yml"
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_production_branch_input_names_the_base_and_the_branch_of_the_config() {
    let w = world();
    let mut repo = ready_repo("production-branch-input");
    repo.pulls[0].base_ref = "master".into();
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "opened", 7);
    let ran = w
        .action(&repo, "pull_request", &event)
        .input("production-branch", "master")
        .run();
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let exchange = &w.fake.graphql_exchanges(Some(&repo.full_name()))[0];
    assert_eq!(exchange.operation, "PullRequestFacts");
    assert_eq!(exchange.variables["number"], 7);
    assert_eq!(
        exchange.variables["config"],
        "refs/heads/master:.github/shipgate.yml"
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn inputs_override_the_config_from_the_production_branch() {
    let w = world();
    let mut repo = ready_repo("inputs-override-config");
    repo.files.push(File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text: "approvals:\n  required: 3\nsoak:\n  duration: 48h\n".into(),
    });
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "opened", 7);
    // The config wants 3 approvals and 48 h; the input brings approvals back to 2.
    let ran = w
        .action(&repo, "pull_request", &event)
        .input("required-approvals", "2")
        .input("comment", "false")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    assert_eq!(gate_state(&ran, "approvals").0, "pass");
    assert_eq!(gate_state(&ran, "soak").0, "pending");
    assert!(
        ran.writes_to("POST", "/comments").is_empty(),
        "comment: false"
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_broken_config_is_an_error_verdict_annotated_at_its_line() {
    let w = world();
    let mut repo = ready_repo("broken-config");
    repo.files.push(File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text: "soak:\n  duration: forever\n".into(),
    });
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "opened", 7);
    let ran = w
        .action(&repo, "pull_request", &event)
        .input("comment", "false")
        .run();
    assert_eq!(ran.code, 1, "{}", ran.describe());
    assert_eq!(ran.verdict(), "error");
    assert!(
        ran.stdout
            .contains("::error title=shipgate config,file=.github/shipgate.yml,line=2::"),
        "{}",
        ran.describe()
    );
    assert_eq!(
        ran.single_write("POST", "/check-runs")["conclusion"],
        "failure"
    );
    assert_eq!(
        own_check(w, &repo, HEAD).conclusion.as_deref(),
        Some("failure")
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_pr_from_a_fork_fails_whatever_its_reviews_say() {
    let w = world();
    let mut repo = ready_repo("fork");
    repo.pulls[0].from_fork = true;
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    assert_eq!(
        own_check(w, &repo, HEAD).conclusion.as_deref(),
        Some("failure")
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_rerun_with_nothing_changed_writes_nothing() {
    let w = world();
    let repo = ready_repo("rerun-unchanged");
    let first = gate(w, &repo);
    assert_eq!(first.verdict(), "pass", "{}", first.describe());
    assert_eq!(first.writes().len(), 2, "{}", first.describe());
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let second = w.action(&repo, "pull_request", &event).run();
    assert_eq!(second.verdict(), "pass", "{}", second.describe());
    assert!(
        second.writes().is_empty(),
        "a re-run must not write: {}",
        second.describe()
    );
    assert_eq!(
        second.requests.len(),
        1,
        "only the read: {}",
        second.describe()
    );
    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert_eq!(state.comments.len(), 1);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_new_commit_gets_a_new_check_run_and_the_comment_is_edited_in_place() {
    let w = world();
    let repo = ready_repo("new-commit");
    let first = gate(w, &repo);
    assert_eq!(first.verdict(), "pass", "{}", first.describe());
    // A push: new head, nothing reported on it, approvals now stale, no soak, and the
    // branch's `v1.4.0` is on the old commit (fail).
    w.fake.update(&repo.full_name(), |r| {
        r.pulls[0].head_sha = NEW_HEAD.into();
        r.commits.push(commit(NEW_HEAD, 1));
    });
    let repo_now = w.fake.repo(&repo.full_name()).unwrap();
    let event = w.pr_event(&repo_now, "pull_request", "synchronize", 7);
    let second = w.action(&repo_now, "pull_request", &event).run();
    assert_eq!(second.verdict(), "fail", "{}", second.describe());
    let created = second.single_write("POST", "/check-runs");
    assert_eq!(created["head_sha"], NEW_HEAD);
    assert_eq!(second.writes_to("PATCH", "/issues/comments/").len(), 1);
    assert!(second.writes_to("POST", "/comments").is_empty());
    // The old commit keeps its own run; the new one has its own.
    assert_eq!(
        own_check(w, &repo, HEAD).conclusion.as_deref(),
        Some("success")
    );
    assert_eq!(
        own_check(w, &repo, NEW_HEAD).conclusion.as_deref(),
        Some("failure")
    );
    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert_eq!(state.comments.len(), 1);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_changed_verdict_updates_the_same_check_run() {
    let w = world();
    let mut repo = ready_repo("verdict-changes");
    repo.pulls[0].reviews.truncate(1);
    let first = gate(w, &repo);
    assert_eq!(first.verdict(), "pending", "{}", first.describe());
    w.fake.update(&repo.full_name(), |r| {
        r.pulls[0]
            .reviews
            .push(review("carol", "APPROVED", HEAD, 0));
    });
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let second = w.action(&repo, "pull_request", &event).run();
    assert_eq!(second.verdict(), "pass", "{}", second.describe());
    let patched = second.single_write("PATCH", "/check-runs/");
    assert_eq!(patched["conclusion"], "success");
    assert!(second.writes_to("POST", "/check-runs").is_empty());
    assert_eq!(
        own_check(w, &repo, HEAD).conclusion.as_deref(),
        Some("success")
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_dismissed_approval_makes_a_new_pending_run_and_edits_the_comment() {
    let w = world();
    let repo = ready_repo("approval-dismissed");
    let first = gate(w, &repo);
    assert_eq!(first.verdict(), "pass", "{}", first.describe());
    w.fake.update(&repo.full_name(), |r| {
        r.pulls[0].reviews[1].state = "DISMISSED".into();
    });
    let event = w.pr_event(&repo, "pull_request_review", "submitted", 7);
    let second = w.action(&repo, "pull_request_review", &event).run();
    assert_eq!(
        second.code,
        0,
        "pending does not fail the step by default: {}",
        second.describe()
    );
    assert_eq!(second.verdict(), "pending", "{}", second.describe());
    // One read, then one parallel round: the passing run had completed, and GitHub never
    // changes a completed run's conclusion — a new run of the same name, in progress; the
    // comment is edited in place.
    assert_eq!(second.requests.len(), 3, "{}", second.describe());
    assert!(
        second.writes_to("PATCH", "/check-runs/").is_empty(),
        "{}",
        second.describe()
    );
    let created = second.single_write("POST", "/check-runs");
    assert_eq!(created["status"], "in_progress");
    assert_eq!(created["name"], "shipgate");
    assert_eq!(created["external_id"], "shipgate");
    assert!(created.get("conclusion").is_none(), "{created}");
    assert_eq!(second.writes_to("PATCH", "/issues/comments/").len(), 1);
    assert!(second.writes_to("POST", "/comments").is_empty());
    let runs = own_checks(w, &repo, HEAD);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[1].status, "in_progress");
    assert_eq!(runs[1].conclusion, None);
    // The next run finds the new one (the newest of its name) and leaves it as it is.
    let third = w.action(&repo, "pull_request_review", &event).run();
    assert!(third.writes().is_empty(), "{}", third.describe());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_old_success_is_marked_in_progress_while_paging_is_slow() {
    let w = world();
    let repo = ready_repo("success-withdrawn-before-paging");
    let first = gate(w, &repo);
    assert_eq!(first.verdict(), "pass", "{}", first.describe());
    // More than 100 reviews now: reading needs more pages.
    w.fake.update(&repo.full_name(), |r| {
        let approvals = std::mem::take(&mut r.pulls[0].reviews);
        for i in 0..120 {
            r.pulls[0]
                .reviews
                .push(review(&format!("viewer{i}"), "COMMENTED", HEAD, 20));
        }
        r.pulls[0].reviews.extend(approvals);
    });
    let event = w.pr_event(&repo, "pull_request", "opened", 7);
    let run = || {
        w.action(&repo, "pull_request", &event)
            .input("comment", "false")
            .run()
    };
    let order = |ran: &Ran| -> Vec<String> {
        ran.requests
            .iter()
            .map(|r| match r.operation() {
                Some(operation) => operation,
                None => format!("{} {}", r.method, r.json()["status"].as_str().unwrap_or("")),
            })
            .collect()
    };
    // Paging that ends at once is as quick as a read: nothing is marked, and as nothing
    // changed, nothing is written.
    let quick = run();
    assert_eq!(quick.verdict(), "pass", "{}", quick.describe());
    assert_eq!(
        order(&quick),
        ["PullRequestFacts", "PullRequestMore"],
        "{}",
        quick.describe()
    );
    // Paging that takes longer (GitHub slow to answer the next page, well past the Action's
    // 10 s): the standing success is withdrawn while it goes on, and restored once the verdict
    // is known.
    w.fake.inject(
        shipgate_fake::Fault::kind(
            "POST",
            "/graphql",
            shipgate_fake::FaultKind::Delay(std::time::Duration::from_secs(15)),
            1,
        )
        .for_repo(&repo.full_name())
        .for_operation("PullRequestMore"),
    );
    let slow = run();
    assert_eq!(slow.code, 0, "{}", slow.describe());
    assert_eq!(
        slow.verdict(),
        "pass",
        "both pages of reviews counted: {}",
        slow.describe()
    );
    assert_eq!(
        order(&slow),
        [
            "PullRequestFacts",
            "PullRequestMore",
            "POST in_progress",
            "PATCH completed"
        ],
        "a new run in progress (the passing one had completed) while the page was awaited, then that run completed: {}",
        slow.describe()
    );
    let runs = own_checks(w, &repo, HEAD);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[1].conclusion.as_deref(), Some("success"));
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_tag_lower_than_the_newest_published_release_fails() {
    let w = world();
    let mut repo = ready_repo("tag-lower-than-release");
    // No production deployment succeeded: published releases say what was released.
    repo.deployments.retain(|d| d.environment != "production");
    repo.releases.push(release("v1.5.0", 48));
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "tag");
    assert_eq!(state, "fail");
    assert!(reason.contains("v1.5.0"), "{reason}");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn more_than_100_reviews_and_deployment_statuses_are_paged_over_graphql() {
    let w = world();
    let mut repo = ready_repo("paged-facts");
    // 150 comment-only reviews before the two approvals: the reviews connection needs a
    // second page, and so do the staging deployment's statuses.
    let approvals = std::mem::take(&mut repo.pulls[0].reviews);
    for i in 0..150 {
        repo.pulls[0]
            .reviews
            .push(review(&format!("viewer{i}"), "COMMENTED", HEAD, 20));
    }
    repo.pulls[0].reviews.extend(approvals);
    let staging = &mut repo.deployments[1];
    for i in 0..120 {
        staging.statuses.insert(
            0,
            shipgate_fake::state::DeploymentStatus {
                state: "in_progress".into(),
                created_at: hours_ago(27) + chrono::Duration::seconds(i),
                ..Default::default()
            },
        );
    }
    // shipgate's sticky comment from an earlier run, then 120 comments by others: the newest
    // 100 do not hold it, so the comments are paged back until it is found.
    repo.comments.push(shipgate_fake::state::Comment {
        issue: 7,
        body: "<!-- shipgate:sticky-comment -->\nan old verdict".into(),
        author: "github-actions[bot]".into(),
        created_at: hours_ago(30),
        updated_at: hours_ago(30),
        ..Default::default()
    });
    for i in 0..120 {
        repo.comments.push(shipgate_fake::state::Comment {
            issue: 7,
            body: format!("comment {i}"),
            author: "bob".into(),
            created_at: hours_ago(20),
            updated_at: hours_ago(20),
            ..Default::default()
        });
    }
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert!(
        ran.writes_to("POST", "/comments").is_empty(),
        "{}",
        ran.describe()
    );
    assert_eq!(ran.writes_to("PATCH", "/issues/comments/").len(), 1);
    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert_eq!(state.comments.len(), 121, "edited in place, not added");
    let operations: Vec<String> = w
        .fake
        .graphql_exchanges(Some(&repo.full_name()))
        .into_iter()
        .map(|e| e.operation)
        .collect();
    assert!(
        operations.contains(&"PullRequestMore".to_string()),
        "{operations:?}"
    );
    assert!(
        operations.contains(&"DeploymentStatusesMore".to_string()),
        "{operations:?}"
    );
    check_graphql(w, &repo.full_name());
}
