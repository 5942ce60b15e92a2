//! The trust model end to end (`docs/security.md`): what a person with ordinary write access can
//! do — edit the PR's copy of the workflow, post a status, create a deployment, approve from a
//! second account, run a sweep that cannot read — and a run of the real binary against the fake
//! GitHub (which records who created what) showing that the gate stays closed. Each attack has
//! the legitimate path beside it, still passing.

use shipgate_fake::state::{CheckRun, Deployment, DeploymentStatus, PullCommit, Status};
use shipgate_fake::{Fault, Repo};

use crate::support::fake::*;
use crate::support::run::{gate_state, Ran};
use crate::support::world::{check_graphql, world, World};

/// Runs the gate on a `pull_request_target` `synchronize` of PR #7 from the trusted workflow.
fn gate(w: &World, repo: &Repo) -> Ran {
    w.fake.load(repo.clone());
    let event = w.pr_event(repo, "pull_request", "synchronize", 7);
    w.action(repo, "pull_request_target", &event).run()
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_pr_that_edits_its_copy_of_the_gate_workflow_publishes_nothing() {
    let w = world();
    // Still soaking: the verdict a trusted run publishes is pending.
    let mut repo = ready_repo("attack-workflow-edit");
    repo.deployments[1] = deployment(HEAD, "staging", "success", 10);
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    // The PR's own copy: soak 0s, one approval, a clock a day ahead; GitHub runs it from the
    // PR's merge ref.
    let ran = w
        .action(&repo, "pull_request", &event)
        .var(
            "GITHUB_WORKFLOW_REF",
            &format!(
                "{}/.github/workflows/shipgate.yml@refs/pull/7/merge",
                repo.full_name()
            ),
        )
        .var("GITHUB_REF", "refs/pull/7/merge")
        .input("soak", "0s")
        .input("required-approvals", "1")
        .var("SHIPGATE_NOW", "2099-01-01T00:00:00Z")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert!(
        ran.writes().is_empty(),
        "nothing published\n{}",
        ran.describe()
    );
    assert!(
        ran.stdout
            .contains("::warning title=shipgate%3A untrusted workflow::shipgate published nothing"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("refs/pull/7/merge"), "{}", ran.stdout);
    // The trusted run, with the same edits as inputs of the production branch's workflow,
    // is what counts; and the clock of the environment is never read.
    let trusted = w
        .action(&repo, "pull_request_target", &event)
        .var("SHIPGATE_NOW", "2099-01-01T00:00:00Z")
        .run();
    assert_eq!(trusted.verdict(), "pending", "{}", trusted.describe());
    assert_eq!(gate_state(&trusted, "soak").0, "pending");
    assert_eq!(trusted.writes().len(), 2, "{}", trusted.describe());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_status_posted_over_a_failing_check_does_not_pass_it() {
    let w = world();
    let mut repo = ready_repo("attack-forged-status");
    let head = repo.commit_mut(HEAD);
    head.check_runs = vec![check("backend / unit", "completed", Some("failure"))];
    head.statuses.push(Status {
        context: "backend / unit".into(),
        state: "success".into(),
        created_at: hours_ago(0),
        creator: "mallory".into(),
        ..Status::default()
    });
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let ran = w
        .action(&repo, "pull_request_target", &event)
        .input("required-checks", "backend / unit")
        .run();
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "checks");
    assert_eq!(state, "fail");
    assert!(reason.contains("from user `mallory`"), "{reason}");
    let check = ran.single_write("POST", "/check-runs");
    assert_eq!(check["conclusion"], "failure");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_check_run_of_another_app_does_not_pass_a_failing_one() {
    let w = world();
    let mut repo = ready_repo("attack-other-app");
    let head = repo.commit_mut(HEAD);
    head.check_runs = vec![
        check("backend / unit", "completed", Some("failure")),
        CheckRun {
            app: "evil-app".into(),
            ..check("backend / unit", "completed", Some("success"))
        },
    ];
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    // Pinned to GitHub Actions, the other app's report is ignored and named.
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let ran = w
        .action(&repo, "pull_request_target", &event)
        .input("required-checks", "backend / unit @ github-actions")
        .run();
    let (state, reason) = gate_state(&ran, "checks");
    assert_eq!(state, "fail", "{reason}");
    assert!(
        reason.contains("from app `evil-app` (required from `github-actions`)"),
        "{reason}"
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn one_status_of_a_user_and_no_ci_at_all_is_not_a_pass() {
    let w = world();
    let mut repo = ready_repo("attack-no-ci");
    let head = repo.commit_mut(HEAD);
    head.check_runs.clear();
    head.statuses.push(Status {
        context: "all-good".into(),
        state: "success".into(),
        created_at: hours_ago(0),
        creator: "mallory".into(),
        ..Status::default()
    });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    let (_, reason) = gate_state(&ran, "checks");
    assert!(reason.starts_with("no checks reported yet"), "{reason}");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_staging_deployment_created_by_a_user_opens_no_soak() {
    let w = world();
    let mut repo = ready_repo("attack-forged-deployment");
    // The real staging deploy never happened; a writer created one through the API.
    repo.deployments[1] = Deployment {
        creator: "mallory".into(),
        ..deployment(HEAD, "staging", "success", 30)
    };
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "soak");
    assert_eq!(state, "pending");
    assert!(reason.contains("by `mallory`"), "{reason}");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_forged_success_does_not_reopen_a_failed_staging_deploy() {
    let w = world();
    let mut repo = ready_repo("attack-reopen-soak");
    let mut staging = deployment(HEAD, "staging", "success", 30);
    staging.statuses.push(DeploymentStatus {
        state: "failure".into(),
        created_at: hours_ago(29),
        ..DeploymentStatus::default()
    });
    staging.statuses.push(DeploymentStatus {
        state: "success".into(),
        created_at: hours_ago(28),
        creator: Some("mallory".into()),
        ..DeploymentStatus::default()
    });
    repo.deployments[1] = staging;
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "soak");
    assert_eq!(state, "fail");
    assert!(reason.contains("reported by `mallory`"), "{reason}");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_approval_from_a_second_account_that_pushed_the_release_does_not_count() {
    let w = world();
    let mut repo = ready_repo("attack-second-account");
    // alice opened the PR; `carol` — her second account — pushed the last commit and approves.
    repo.pulls[0].commits = vec![PullCommit {
        sha: HEAD.into(),
        author: Some("carol".into()),
        committer: Some("carol".into()),
        co_authors: Vec::new(),
    }];
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    let (state, reason) = gate_state(&ran, "approvals");
    assert_eq!(state, "pending");
    assert!(
        reason.contains("`carol` (authored 1111111 of this PR)"),
        "{reason}"
    );
    // Commits through the web UI (`web-flow`) exclude nobody: the ready release still passes.
    let mut repo = ready_repo("attack-second-account-legit");
    repo.pulls[0].commits = vec![PullCommit {
        sha: HEAD.into(),
        author: Some("alice".into()),
        committer: Some("web-flow".into()),
        co_authors: Vec::new(),
    }];
    assert_eq!(gate(w, &repo).verdict(), "pass");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_sweep_that_cannot_read_marks_every_release_pr_with_an_error() {
    let w = world();
    let mut repo = ready_repo("attack-sweep-blind");
    repo.pulls
        .push(pull(8, NEW_HEAD, "staging/v1.5.0", "Release v1.5.0"));
    // Both carry an earlier pass of shipgate.
    for sha in [HEAD, NEW_HEAD] {
        repo.commit_mut(sha).check_runs.push(CheckRun {
            name: "shipgate".into(),
            external_id: Some("shipgate".into()),
            ..check("shipgate", "completed", Some("success"))
        });
    }
    w.fake.load(repo.clone());
    w.fake
        .inject(Fault::status("POST", "/graphql", 502, usize::MAX).for_repo(&repo.full_name()));
    let event = serde_json::json!({ "schedule": "*/15 * * * *" });
    let ran = w.action(&repo, "schedule", &event).run();
    // The faults stay: they concern this test's repository only.
    assert_eq!(ran.code, 1, "the step fails\n{}", ran.describe());
    assert_eq!(ran.verdict(), "error");
    let state = w.fake.repo(&repo.full_name()).unwrap();
    for sha in [HEAD, NEW_HEAD] {
        let own: Vec<_> = state
            .commit(sha)
            .unwrap()
            .check_runs
            .iter()
            .filter(|r| r.external_id.as_deref() == Some("shipgate"))
            .collect();
        let newest = own.iter().max_by_key(|r| r.id).unwrap();
        assert_eq!(
            newest.conclusion.as_deref(),
            Some("failure"),
            "no old pass left green on {sha}: {own:?}"
        );
    }
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_sweep_that_can_list_nothing_fails_the_step() {
    let w = world();
    let repo = ready_repo("attack-sweep-dark");
    w.fake.load(repo.clone());
    w.fake
        .inject(Fault::status("POST", "/graphql", 502, usize::MAX).for_repo(&repo.full_name()));
    w.fake.inject(Fault::status(
        "GET",
        &format!("/repos/{}/pulls", repo.full_name()),
        500,
        usize::MAX,
    ));
    let event = serde_json::json!({ "schedule": "*/15 * * * *" });
    let ran = w.action(&repo, "schedule", &event).run();
    assert_eq!(ran.code, 1, "{}", ran.describe());
    assert!(ran.writes().is_empty(), "{}", ran.describe());
    assert!(ran.stdout.contains("could not be listed"), "{}", ran.stdout);
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_check_named_like_shipgates_from_elsewhere_is_shown_as_tamper_evidence() {
    let w = world();
    let mut repo = ready_repo("attack-tamper");
    repo.commit_mut(HEAD).check_runs.push(CheckRun {
        app: "evil-app".into(),
        ..check("shipgate", "completed", Some("success"))
    });
    let ran = gate(w, &repo);
    // The verdict stands on the facts; the forgery is named where people look.
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let state = w.fake.repo(&repo.full_name()).unwrap();
    let comment = &state.comments[0].body;
    for text in [comment.as_str(), ran.summary.as_str()] {
        assert!(text.contains("Tamper evidence"), "{text}");
        assert!(
            text.contains("a check run `shipgate` from app `evil-app` that shipgate did not write"),
            "{text}"
        );
    }
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_verdict_replayed_under_another_app_cannot_keep_a_withdrawn_pass() {
    let w = world();
    // The strong mode (docs/security.md): the gate publishes as its own GitHub App.
    let mut repo = ready_repo("attack-replayed-verdict");
    repo.viewer = "shipgate-app[bot]".into();
    let name = repo.full_name();
    let passed = gate(w, &repo);
    assert_eq!(passed.verdict(), "pass", "{}", passed.describe());
    // The pass is withdrawn (the approvals are gone) …
    w.fake.update(&name, |r| r.pulls[0].reviews.clear());
    // … and a writer's workflow replays shipgate with its own GITHUB_TOKEN, twice: runs named
    // `shipgate`, with shipgate's external id and exactly the text the App would now publish,
    // created by GitHub Actions.
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    w.fake
        .update(&name, |r| r.viewer = "github-actions[bot]".into());
    for _ in 0..2 {
        let replay = w.action(&repo, "pull_request_target", &event).run();
        assert_eq!(replay.verdict(), "pending", "{}", replay.describe());
    }
    // The App's next run does not take those runs for its own: it publishes the withdrawal.
    w.fake
        .update(&name, |r| r.viewer = "shipgate-app[bot]".into());
    let ran = w.action(&repo, "pull_request_target", &event).run();
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    let state = w.fake.repo(&name).unwrap();
    let runs = &state
        .commits
        .iter()
        .find(|c| c.sha == HEAD)
        .unwrap()
        .check_runs;
    let newest_of = |app: &str| {
        runs.iter()
            .filter(|r| r.name == "shipgate" && r.app == app)
            .max_by_key(|r| r.id)
            .unwrap_or_else(|| panic!("no run of {app}: {runs:?}"))
    };
    let own = newest_of("shipgate-app");
    assert_ne!(
        own.conclusion.as_deref(),
        Some("success"),
        "the App's own check still says pass: {runs:?}\n{}",
        ran.describe()
    );
    assert_eq!(own.status, "in_progress", "{runs:?}");
    assert_eq!(newest_of("github-actions").status, "in_progress");
    // And the replays are named where people look.
    assert!(
        ran.summary.contains(
            "check runs `shipgate` marked as shipgate's from apps `github-actions`, `shipgate-app`"
        ),
        "{}",
        ran.summary
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_run_planted_under_another_app_cannot_absorb_the_error_of_a_failed_read() {
    let w = world();
    // The strong mode: the App's earlier pass, and a writer's run in progress with shipgate's
    // name and external id created under GitHub Actions.
    let mut repo = ready_repo("attack-planted-in-progress");
    repo.viewer = "shipgate-app[bot]".into();
    let head = repo.commit_mut(HEAD);
    head.check_runs.push(CheckRun {
        app: "shipgate-app".into(),
        external_id: Some("shipgate".into()),
        ..check("shipgate", "completed", Some("success"))
    });
    head.check_runs.push(CheckRun {
        app: "github-actions".into(),
        external_id: Some("shipgate".into()),
        ..check("shipgate", "in_progress", None)
    });
    w.fake.load(repo.clone());
    // The read fails: the error is published over REST on what a lookup by name finds.
    w.fake
        .inject(Fault::status("POST", "/graphql", 502, usize::MAX).for_repo(&repo.full_name()));
    let event = serde_json::json!({ "schedule": "*/15 * * * *" });
    let ran = w.action(&repo, "schedule", &event).run();
    assert_eq!(ran.code, 1, "the step fails\n{}", ran.describe());
    let state = w.fake.repo(&repo.full_name()).unwrap();
    let commit = state.commit(HEAD).unwrap();
    let newest_own = commit
        .check_runs
        .iter()
        .filter(|r| r.name == "shipgate" && r.app == "shipgate-app")
        .max_by_key(|r| r.id)
        .unwrap();
    // The refused PATCH of the planted run became a run of the App's own, not a fallback to a
    // commit status that would leave the App's pass green.
    assert_eq!(
        newest_own.conclusion.as_deref(),
        Some("failure"),
        "{:?}\n{}",
        commit.check_runs,
        ran.describe()
    );
    assert!(commit.statuses.is_empty(), "{:?}", commit.statuses);
}
