//! `record` and `report` against the fake: deployments created once per workflow run, history
//! paged over GraphQL.

use chrono::Utc;
use serde_json::json;
use shipgate_fake::state::{Deployment, DeploymentStatus};

use crate::support::fake::*;
use crate::support::world::{check_graphql, world};

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn record_creates_the_deployment_once_per_run_and_a_rerun_reuses_it() {
    let w = world();
    let repo = ready_repo("record");
    w.fake.load(repo.clone());
    let event = w.event(&repo, "workflow_dispatch", None);
    // A re-run keeps the run id; the runner counts the attempt.
    let record = |attempt: &str| {
        w.action(&repo, "workflow_dispatch", &event)
            .var("GITHUB_RUN_ATTEMPT", attempt)
            .input("command", "record")
            .input("environment", "production")
            .input("sha", HEAD)
            .input("version", "v1.4.0")
            .input("state", "success")
            .input("started-at", "2026-11-27T11:50:00Z")
            .input("finished-at", "2026-11-27T11:56:00Z")
            .run()
    };
    let first = record("1");
    assert_eq!(first.code, 0, "{}", first.describe());
    let created: Vec<_> = first
        .writes_to("POST", "/deployments")
        .into_iter()
        .filter(|r| r.path.ends_with("/deployments"))
        .collect();
    assert_eq!(created.len(), 1, "{}", first.describe());
    let created = created[0].json();
    assert_eq!(created["environment"], "production");
    assert_eq!(created["payload"]["run_id"], 4242);
    let state = w.fake.repo(&repo.full_name()).unwrap();
    let recorded: Vec<&Deployment> = state
        .deployments
        .iter()
        .filter(|d| d.payload.get("run_id") == Some(&json!(4242)))
        .collect();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].sha, HEAD);
    assert_eq!(recorded[0].statuses.last().unwrap().state, "success");
    let id = recorded[0].id.to_string();
    assert_eq!(
        first.outputs.get("deployment-id"),
        Some(&id),
        "{}",
        first.describe()
    );

    let second = record("2");
    assert_eq!(second.code, 0, "{}", second.describe());
    assert!(
        second.writes_to("POST", "/deployments").is_empty()
            || second
                .writes_to("POST", "/deployments")
                .iter()
                .all(|r| r.path.contains("/statuses")),
        "{}",
        second.describe()
    );
    let state = w.fake.repo(&repo.full_name()).unwrap();
    let count = state
        .deployments
        .iter()
        .filter(|d| d.payload.get("run_id") == Some(&json!(4242)))
        .count();
    assert_eq!(count, 1, "a re-run created a second deployment");
    assert_eq!(second.outputs.get("deployment-id"), Some(&id));
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn report_pages_the_history_over_graphql() {
    let w = world();
    let mut repo = ready_repo("report");
    repo.deployments.clear();
    // 150 production deploys over the last 30 days (the report's clock is the real one).
    let now = Utc::now();
    for i in 0..150 {
        let at = now - chrono::Duration::minutes(i * 288 + 60);
        repo.deployments.push(Deployment {
            sha: format!("{:040x}", 0xabc000 + i),
            environment: "production".into(),
            production_environment: true,
            created_at: at,
            payload: json!({ "version": format!("v1.{i}.0") }),
            statuses: vec![
                DeploymentStatus {
                    state: "in_progress".into(),
                    created_at: at,
                    ..Default::default()
                },
                DeploymentStatus {
                    state: if i % 10 == 0 { "failure" } else { "success" }.into(),
                    created_at: at + chrono::Duration::minutes(6),
                    ..Default::default()
                },
            ],
            ..Deployment::default()
        });
    }
    // The release PR's head, live in production since before the period: read on the last page
    // with its pull request's first and head commits, so the schema check covers them too.
    let mut live = deployment(HEAD, "production", "success", 100 * 24);
    live.statuses[0].created_at = live.created_at + chrono::Duration::minutes(6);
    repo.deployments.push(live);
    w.fake.load(repo.clone());
    let event = w.event(&repo, "workflow_dispatch", None);
    let ran = w
        .action(&repo, "workflow_dispatch", &event)
        .input("command", "report")
        .input("environment", "production")
        .input("since", "90d")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    let reads = w.fake.graphql_exchanges(Some(&repo.full_name()));
    assert_eq!(reads.len(), 2, "two pages of 100: {reads:?}");
    assert_eq!(reads[0].operation, "ShipgateDeploymentHistory");
    assert_eq!(
        reads[1].variables["after"],
        reads[0].answer["data"]["repository"]["deployments"]["pageInfo"]["endCursor"]
    );
    assert_eq!(ran.outputs["success-rate"], "0.9000", "{}", ran.describe());
    let pulls = &reads[1].answer["data"]["repository"]["deployments"]["nodes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["commit"]["associatedPullRequests"]["nodes"];
    assert_eq!(pulls.as_array().map(Vec::len), Some(1), "{pulls}");
    assert!(pulls[0]["head"]["nodes"][0]["commit"]["authoredDate"].is_string());
    assert!(ran.writes().is_empty());
    check_graphql(w, &repo.full_name());
}
