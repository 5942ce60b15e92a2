//! Injected faults: transient ones are retried (without duplicates), lasting ones end in an
//! `error` — never in a pass.

use shipgate_fake::{Fault, FaultKind};

use super::harness::*;

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
    let event = pr_event(w, repo, "pull_request", "synchronize", 7);
    Run::new(w, repo, "pull_request", &event).run(w)
}

/// Nothing that says "pass" anywhere: outputs, a successful check run, a successful status.
fn assert_no_pass(w: &World, ran: &Ran, repo: &str) {
    assert_ne!(
        ran.verdict(),
        "pass",
        "a pass under a fault: {}",
        ran.describe()
    );
    let state = w.fake.repo(repo).unwrap();
    if let Some(commit) = state.commit(HEAD) {
        for run in &commit.check_runs {
            if run.external_id.as_deref() == Some("shipgate") {
                assert_ne!(run.conclusion.as_deref(), Some("success"), "{run:?}");
            }
        }
        for status in &commit.statuses {
            if status.context == "shipgate" {
                assert_ne!(status.state, "success", "{status:?}");
            }
        }
    }
}

#[test]
fn a_transient_graphql_5xx_is_retried_and_the_verdict_stands() {
    let Some(w) = world() else { return };
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
fn a_5xx_on_creating_the_check_run_never_duplicates_it() {
    let Some(w) = world() else { return };
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
fn graphql_502_forever_is_an_error_never_a_pass() {
    let Some(w) = world() else { return };
    let repo = ready_repo("fault-graphql-502-forever");
    w.fake.load(repo.clone());
    w.fake
        .inject(Fault::status("POST", "/graphql", 502, usize::MAX).for_repo(&repo.full_name()));
    let ran = run_gate(w, &repo);
    assert_eq!(ran.verdict(), "error", "{}", ran.describe());
    assert_ne!(ran.code, 0, "fail-on error: {}", ran.describe());
    assert!(ran.stdout.contains("::error"), "{}", ran.describe());
    assert_no_pass(w, &ran, &repo.full_name());
    // The SHA is known from the event: an error check run is published there.
    let runs = own_runs(w, &repo.full_name());
    assert_eq!(runs.len(), 1, "{}", ran.describe());
    assert_eq!(runs[0].conclusion.as_deref(), Some("failure"));
}

#[test]
fn an_error_replaces_an_earlier_success_instead_of_leaving_it() {
    let Some(w) = world() else { return };
    let repo = ready_repo("fault-after-pass");
    w.fake.load(repo.clone());
    let first = run_gate(w, &repo);
    assert_eq!(first.verdict(), "pass", "{}", first.describe());
    w.fake
        .inject(Fault::status("POST", "/graphql", 503, usize::MAX).for_repo(&repo.full_name()));
    let second = run_gate(w, &repo);
    assert_eq!(second.verdict(), "error", "{}", second.describe());
    assert_no_pass(w, &second, &repo.full_name());
    assert_eq!(
        own_runs(w, &repo.full_name()).len(),
        1,
        "updated, not added"
    );
}

#[test]
fn a_secondary_rate_limit_is_waited_out_with_retry_after() {
    let Some(w) = world() else { return };
    let repo = ready_repo("fault-secondary-rate-limit");
    w.fake.load(repo.clone());
    let path = format!("/repos/{}/check-runs", repo.full_name());
    w.fake
        .inject(Fault::secondary_rate_limit("POST", &path, 1, 1));
    let ran = run_gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let posts: Vec<_> = ran
        .requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .collect();
    assert_eq!(posts.len(), 2, "{}", ran.describe());
    assert!(
        ran.elapsed >= std::time::Duration::from_millis(900),
        "retry-after honoured"
    );
    assert_eq!(own_runs(w, &repo.full_name()).len(), 1);
}

#[test]
fn a_truncated_graphql_answer_is_never_a_pass() {
    let Some(w) = world() else { return };
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
fn a_truncated_rest_answer_once_is_retried_or_fails_closed() {
    let Some(w) = world() else { return };
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
fn graphql_errors_with_partial_data_are_an_error_never_a_pass() {
    let Some(w) = world() else { return };
    let repo = ready_repo("fault-graphql-errors");
    w.fake.load(repo.clone());
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
    assert_eq!(ran.verdict(), "error", "{}", ran.describe());
    assert_no_pass(w, &ran, &repo.full_name());
    assert!(
        ran.stdout.contains("Something went wrong"),
        "{}",
        ran.describe()
    );
    // The errors answer has GitHub's shape.
    check_graphql(w, &repo.full_name());
}

#[test]
fn a_token_without_checks_write_falls_back_to_a_commit_status() {
    let Some(w) = world() else { return };
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
fn publishing_that_fails_for_good_fails_the_step() {
    let Some(w) = world() else { return };
    let repo = ready_repo("fault-publish-502-forever");
    w.fake.load(repo.clone());
    let path = format!("/repos/{}/check-runs", repo.full_name());
    w.fake.inject(Fault::status("POST", &path, 502, usize::MAX));
    let ran = run_gate(w, &repo);
    assert_ne!(ran.code, 0, "{}", ran.describe());
    assert!(ran.stdout.contains("::error"), "{}", ran.describe());
    assert!(own_runs(w, &repo.full_name()).is_empty());
}
