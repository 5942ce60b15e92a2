//! Injected faults: transient ones are retried (without duplicates), lasting ones end in an
//! `error` — never in a pass.

use shipgate_fake::{Fault, FaultKind};

use crate::support::fake::*;
use crate::support::run::Ran;
use crate::support::world::{check_graphql, world, World};

/// The `shipgate` check runs on `HEAD` after the run.
fn own_runs(w: &World, repo: &str) -> Vec<shipgate_fake::state::CheckRun> {
    w.fake
        .repo(repo)
        .unwrap()
        .commit(HEAD)
        .map(|c| c.check_runs.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.external_id.as_deref() == Some("shipgate"))
        .collect()
}

/// Runs the gate on PR #7 of a loaded repository.
fn run_gate(w: &World, repo: &shipgate_fake::Repo) -> Ran {
    let event = w.pr_event(repo, "pull_request", "synchronize", 7);
    w.action(repo, "pull_request", &event).run()
}

/// Nothing that says "pass" anywhere: outputs, shipgate's check run (the newest of its name —
/// the one required checks use; an older, replaced one may have passed), a successful status.
fn assert_no_pass(w: &World, ran: &Ran, repo: &str) {
    assert_ne!(
        ran.verdict(),
        "pass",
        "a pass under a fault: {}",
        ran.describe()
    );
    let state = w.fake.repo(repo).unwrap();
    if let Some(commit) = state.commit(HEAD) {
        let newest = commit
            .check_runs
            .iter()
            .filter(|run| run.external_id.as_deref() == Some("shipgate"))
            .max_by_key(|run| run.id);
        if let Some(run) = newest {
            assert_ne!(run.conclusion.as_deref(), Some("success"), "{run:?}");
        }
        for status in &commit.statuses {
            if status.context == "shipgate" {
                assert_ne!(status.state, "success", "{status:?}");
            }
        }
    }
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_transient_graphql_5xx_is_retried_and_the_verdict_stands() {
    let w = world();
    let repo = ready_repo("fault-graphql-502-once");
    w.fake.load(repo.clone());
    w.fake
        .inject(Fault::status("POST", "/graphql", 502, 1).for_repo(&repo.full_name()));
    let ran = run_gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let graphql: Vec<_> = ran
        .requests
        .iter()
        .filter(|r| r.path == "/graphql")
        .collect();
    assert_eq!(graphql.len(), 2, "{}", ran.describe());
    assert!(graphql[0].faulted && !graphql[1].faulted);
    assert_eq!(own_runs(w, &repo.full_name()).len(), 1);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_5xx_on_creating_the_check_run_never_duplicates_it() {
    let w = world();
    let repo = ready_repo("fault-check-502-once");
    w.fake.load(repo.clone());
    let path = format!("/repos/{}/check-runs", repo.full_name());
    w.fake.inject(Fault::status("POST", &path, 502, 1));
    let ran = run_gate(w, &repo);
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(
        own_runs(w, &repo.full_name()).len(),
        1,
        "{}",
        ran.describe()
    );
    // It looked before trying again.
    assert!(
        ran.requests
            .iter()
            .any(|r| r.method == "GET" && r.path.contains("/check-runs?check_name=shipgate")),
        "{}",
        ran.describe()
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn graphql_502_forever_is_an_error_never_a_pass() {
    let w = world();
    let repo = ready_repo("fault-graphql-502-forever");
    w.fake.load(repo.clone());
    w.fake
        .inject(Fault::status("POST", "/graphql", 502, usize::MAX).for_repo(&repo.full_name()));
    let ran = run_gate(w, &repo);
    assert_eq!(ran.verdict(), "error", "{}", ran.describe());
    assert_eq!(ran.code, 1, "fail-on defaults to error: {}", ran.describe());
    ran.assert_masked();
    assert!(ran.stdout.contains("::error::"), "{}", ran.describe());
    assert_no_pass(w, &ran, &repo.full_name());
    // The default policy's attempts, then it gives up (whatever the time it took).
    assert_eq!(
        ran.graphql_operations().len(),
        4,
        "max_attempts: {}",
        ran.describe()
    );
    // The SHA is known from the event: shipgate looks for its check run over REST, finds none,
    // and publishes the error there; no comment without facts.
    let lookups = ran
        .requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/check-runs?"))
        .count();
    assert_eq!(lookups, 1, "{}", ran.describe());
    let check = ran.single_write("POST", "/check-runs");
    assert_eq!(check["conclusion"], "failure");
    assert!(
        check["output"]["summary"].as_str().unwrap().contains("502"),
        "{check}"
    );
    assert!(ran.writes_to("POST", "/comments").is_empty());
    let runs = own_runs(w, &repo.full_name());
    assert_eq!(runs.len(), 1, "{}", ran.describe());
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_error_replaces_an_earlier_success_instead_of_leaving_it() {
    let w = world();
    let repo = ready_repo("fault-after-pass");
    w.fake.load(repo.clone());
    let first = run_gate(w, &repo);
    assert_eq!(first.verdict(), "pass", "{}", first.describe());
    w.fake
        .inject(Fault::status("POST", "/graphql", 503, usize::MAX).for_repo(&repo.full_name()));
    let second = run_gate(w, &repo);
    assert_eq!(second.verdict(), "error", "{}", second.describe());
    assert_no_pass(w, &second, &repo.full_name());
    // The run had completed with success: GitHub never changes that conclusion, so the error
    // is a new run of the same name (found over REST: the read failed), the newest.
    let runs = own_runs(w, &repo.full_name());
    assert_eq!(runs.len(), 2, "{}", second.describe());
    assert_eq!(runs[1].conclusion.as_deref(), Some("failure"));
    assert!(
        second.writes_to("PATCH", "/check-runs/").is_empty(),
        "no PATCH GitHub would refuse: {}",
        second.describe()
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_secondary_rate_limit_is_waited_out_with_retry_after() {
    let w = world();
    let repo = ready_repo("fault-secondary-rate-limit");
    w.fake.load(repo.clone());
    let path = format!("/repos/{}/check-runs", repo.full_name());
    // GitHub keeps refusing until the second it named has passed: coming back earlier would be
    // refused again, and show as a third POST.
    w.fake
        .inject(Fault::secondary_rate_limit("POST", &path, 1, 1).holding());
    let ran = run_gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let posts: Vec<bool> = ran
        .requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| r.faulted)
        .collect();
    assert_eq!(
        posts,
        [true, false],
        "retry-after honoured: {}",
        ran.describe()
    );
    assert_eq!(own_runs(w, &repo.full_name()).len(), 1);
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_truncated_graphql_answer_is_never_a_pass() {
    let w = world();
    let repo = ready_repo("fault-truncated");
    w.fake.load(repo.clone());
    w.fake.inject(
        Fault::kind("POST", "/graphql", FaultKind::Truncate, usize::MAX)
            .for_repo(&repo.full_name()),
    );
    let ran = run_gate(w, &repo);
    assert_eq!(ran.verdict(), "error", "{}", ran.describe());
    assert_no_pass(w, &ran, &repo.full_name());
    assert!(
        ran.stdout.contains("truncated"),
        "the error says why: {}",
        ran.describe()
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_truncated_rest_answer_once_is_retried_or_fails_closed() {
    let w = world();
    let mut repo = ready_repo("fault-truncated-rest");
    // The comment is created but its answer arrives cut: no duplicate, and (pending anyway
    // with one approval) no pass.
    repo.pulls[0].reviews.truncate(1);
    w.fake.load(repo.clone());
    let path = format!("/repos/{}/issues/7/comments", repo.full_name());
    w.fake
        .inject(Fault::kind("POST", &path, FaultKind::Truncate, 1));
    let ran = run_gate(w, &repo);
    assert_no_pass(w, &ran, &repo.full_name());
    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert!(
        state.comments.len() <= 1,
        "no duplicate comment: {:?}",
        state.comments
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn graphql_errors_with_partial_data_are_an_error_never_a_pass() {
    let w = world();
    let mut repo = ready_repo("fault-graphql-errors");
    // A first run leaves a pending check run (one approval of two).
    repo.pulls[0].reviews.truncate(1);
    w.fake.load(repo.clone());
    let first = run_gate(w, &repo);
    assert_eq!(first.verdict(), "pending", "{}", first.describe());
    let before = own_runs(w, &repo.full_name());
    w.fake.inject(
        Fault::kind(
            "POST",
            "/graphql",
            FaultKind::GraphqlErrors("Something went wrong while executing your query.".into()),
            usize::MAX,
        )
        .for_repo(&repo.full_name()),
    );
    let ran = run_gate(w, &repo);
    assert_eq!(ran.code, 1, "{}", ran.describe());
    assert_eq!(ran.verdict(), "error", "{}", ran.describe());
    assert_no_pass(w, &ran, &repo.full_name());
    assert!(
        ran.stdout.contains("Something went wrong"),
        "{}",
        ran.describe()
    );
    // The check run is looked up over REST and updated in place with the error.
    assert!(ran.writes_to("POST", "/").is_empty(), "{}", ran.describe());
    let patch = ran.single_write("PATCH", &format!("/check-runs/{}", before[0].id));
    assert_eq!(patch["conclusion"], "failure");
    assert!(
        patch["output"]["summary"]
            .as_str()
            .unwrap()
            .contains("Something went wrong while executing your query."),
        "{patch}"
    );
    assert_eq!(
        own_runs(w, &repo.full_name()).len(),
        1,
        "updated, not added"
    );
    // The errors answer has GitHub's shape.
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_token_without_checks_write_falls_back_to_a_commit_status() {
    let w = world();
    let mut repo = ready_repo("fault-no-checks-write");
    repo.checks_writable = false;
    w.fake.load(repo.clone());
    let ran = run_gate(w, &repo);
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let status = ran.single_write("POST", "/statuses/");
    assert_eq!(status["state"], "success");
    assert_eq!(status["context"], "shipgate");
    assert!(status["description"].as_str().unwrap().chars().count() <= 140);
    assert_eq!(
        status["target_url"],
        format!("https://github.com/{}/actions/runs/4242", repo.full_name())
    );
    let state = w.fake.repo(&repo.full_name()).unwrap();
    let statuses = &state.commit(HEAD).unwrap().statuses;
    assert_eq!(statuses.len(), 1);
    assert!(own_runs(w, &repo.full_name()).is_empty());
    // A re-run sees its own status over GraphQL (and no check run), keeps to the fallback and
    // writes nothing at all: no refused check-run request either.
    let again = run_gate(w, &repo);
    assert_eq!(again.verdict(), "pass", "{}", again.describe());
    assert!(again.writes().is_empty(), "{}", again.describe());
    assert!(again.writes_to("POST", "/statuses/").is_empty());
    assert_eq!(w.fake.repo(&repo.full_name()).unwrap(), state);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn publishing_that_fails_for_good_fails_the_step() {
    let w = world();
    let repo = ready_repo("fault-publish-502-forever");
    w.fake.load(repo.clone());
    let path = format!("/repos/{}/check-runs", repo.full_name());
    w.fake.inject(Fault::status("POST", &path, 502, usize::MAX));
    let ran = run_gate(w, &repo);
    assert_ne!(ran.code, 0, "{}", ran.describe());
    assert!(ran.stdout.contains("::error"), "{}", ran.describe());
    assert!(own_runs(w, &repo.full_name()).is_empty());
}
