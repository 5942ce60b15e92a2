//! The fake's transport contract through Prism, without the binary: `Link` pagination that
//! stays on the public (tap → Prism) address, GitHub's error bodies and rate-limit headers, and
//! injected delays.

use serde_json::Value;
use shipgate_fake::state::Comment;
use shipgate_fake::{Fault, FaultKind};

use crate::support::fake::*;
use crate::support::world::{check_graphql, world};

fn get(url: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .header("accept", "application/vnd.github+json")
            .header("user-agent", "shipgate-contract-test")
            .header("authorization", format!("Bearer {TOKEN}"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    })
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn link_pagination_goes_through_prism_to_the_last_page() {
    let w = world();
    let mut repo = ready_repo("paging");
    for i in 0..250 {
        repo.comments.push(Comment {
            issue: 7,
            body: format!("comment {i}"),
            author: "bob".into(),
            created_at: hours_ago(10),
            updated_at: hours_ago(10),
            ..Comment::default()
        });
    }
    w.fake.load(repo.clone());
    let mut url = Some(format!(
        "{}/repos/{}/issues/7/comments?per_page=100",
        w.tap.url(),
        repo.full_name()
    ));
    let mut pages = Vec::new();
    while let Some(next) = url.take() {
        assert!(
            next.starts_with(&w.tap.url()),
            "a Link around Prism: {next}"
        );
        let (status, headers, body) = get(&next);
        assert_eq!(status, 200, "{body}");
        pages.push(body.as_array().unwrap().len());
        url = headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(shipgate_github::client::next_link);
    }
    assert_eq!(pages, vec![100, 100, 50]);
    for record in w.tap.records(&repo.full_name()) {
        assert!(record.violations().is_empty(), "{record:?}");
    }
    // A page asked for directly answers the rest.
    let (_, _, body) = get(&format!(
        "{}/repos/{}/issues/7/comments?per_page=100&page=3",
        w.tap.url(),
        repo.full_name()
    ));
    assert_eq!(body.as_array().unwrap().len(), 50);
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn errors_have_githubs_body_and_rate_limit_headers() {
    let w = world();
    let repo = ready_repo("errors");
    w.fake.load(repo.clone());
    let (status, headers, body) = get(&format!(
        "{}/repos/{}/deployments/999999999",
        w.tap.url(),
        repo.full_name()
    ));
    assert_eq!(status, 404);
    assert_eq!(body["message"], "Not Found");
    assert!(body["documentation_url"]
        .as_str()
        .unwrap()
        .starts_with("https://docs.github.com"));
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
    ] {
        assert!(headers.contains_key(name), "{name} missing: {headers:?}");
    }
    let path = format!("/repos/{}/deployments", repo.full_name());
    w.fake
        .inject(Fault::secondary_rate_limit("GET", &path, 7, 1));
    let (status, headers, body) = get(&format!("{}{path}", w.tap.url()));
    assert_eq!(status, 403);
    assert_eq!(headers["retry-after"], "7");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("secondary rate limit"));
    // Used up: the next one is answered.
    let (status, _, _) = get(&format!("{}{path}", w.tap.url()));
    assert_eq!(status, 200);
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_injected_delay_slows_the_answer_but_not_the_verdict() {
    let w = world();
    let repo = ready_repo("delay");
    w.fake.load(repo.clone());
    w.fake.inject(
        Fault::kind(
            "POST",
            "/graphql",
            FaultKind::Delay(std::time::Duration::from_millis(700)),
            1,
        )
        .for_repo(&repo.full_name()),
    );
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    // The late answer was waited for and used: one read, the delayed one, not retried.
    let reads: Vec<bool> = ran
        .requests
        .iter()
        .filter(|r| r.operation().is_some())
        .map(|r| r.faulted)
        .collect();
    assert_eq!(reads, [true], "{}", ran.describe());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_contract_check_sees_what_prism_rejects() {
    let w = world();
    let repo = ready_repo("prism-rejects");
    w.fake.load(repo.clone());
    // A request the spec rejects (per_page must be an integer): never forwarded.
    let (status, _, body) = get(&format!(
        "{}/repos/{}/deployments?per_page=abc",
        w.tap.url(),
        repo.full_name()
    ));
    assert_eq!(status, 422, "{body}");
    assert!(w.fake.requests(&repo.full_name()).is_empty());
    // A path the spec does not have.
    let (status, _, _) = get(&format!(
        "{}/repos/{}/branches",
        w.tap.url(),
        repo.full_name()
    ));
    assert_eq!(status, 404);
    let records = w.tap.records(&repo.full_name());
    assert_eq!(records.len(), 2);
    for record in &records {
        assert!(!record.violations().is_empty(), "{record:?}");
    }
}
