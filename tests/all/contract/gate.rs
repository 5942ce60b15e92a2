//! The gate rules end to end: each scenario loads a state, runs `shipgate action` on a
//! `pull_request` event and asserts the outputs, what was written to GitHub and the state after.

use super::harness::*;

#[test]
fn ready_release_passes_and_publishes_a_successful_check_and_comment() {
    let Some(w) = world() else { return };
    let repo = ready_repo("ready-pass");
    w.fake.load(repo.clone());
    let event = pr_event(w, &repo, "pull_request", "synchronize", 7);
    let ran = Run::new(w, &repo, "pull_request", &event).run(w);
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert_eq!(ran.outputs["version"], "v1.4.0", "{}", ran.describe());
    let check = ran.single_write("POST", "/check-runs");
    assert_eq!(check["conclusion"], "success");
    assert_eq!(check["head_sha"], HEAD);
    let state = w.fake.repo(&repo.full_name()).unwrap();
    let run = &state.commit(HEAD).unwrap().check_runs;
    assert_eq!(run.len(), 2, "{run:?}");
    assert_eq!(state.comments.len(), 1);
    assert!(state.comments[0]
        .body
        .starts_with("<!-- shipgate:sticky-comment -->"));
    check_graphql(w, &repo.full_name());
}
