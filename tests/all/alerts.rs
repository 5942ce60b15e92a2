//! Integration tests of the security gate's reads (`shipgate_github::alerts`) against the
//! in-process fake GitHub: what each source's answer becomes in the facts, retries and refusals,
//! the page bound, and that the lists go out together. No tool needed.

use std::time::Duration;

use shipgate_core::alerts::{AlertList, Severity};
use shipgate_core::facts::Repository;
use shipgate_fake::state::{Access, CodeScanningAlert, DependabotAlert, SecretScanningAlert};
use shipgate_fake::{Fault, FaultKind, LoggedRequest, Repo};
use shipgate_github::alerts::{self, Sources};
use shipgate_github::{Client, ClientConfig, RetryPolicy};

use crate::support::fake::{self, OWNER, TOKEN};

const EVERY: Sources = Sources {
    dependabot: true,
    code_scanning: true,
    secret_scanning: true,
};

fn client() -> Client {
    let fake = fake::github();
    Client::with_policy(
        ClientConfig {
            token: TOKEN.into(),
            api_url: fake.url(),
            graphql_url: fake.graphql_url(),
        },
        RetryPolicy::fast(),
    )
    .expect("client")
}

fn repository(name: &str) -> Repository {
    Repository {
        owner: OWNER.into(),
        name: name.into(),
    }
}

/// Loads `acme/<name>` with `change` applied; returns its full name.
fn load(name: &str, change: impl FnOnce(&mut Repo)) -> String {
    let mut repo = Repo::new(OWNER, name);
    change(&mut repo);
    fake::github().load(repo.clone());
    repo.full_name()
}

fn lists(full: &str) -> Vec<LoggedRequest> {
    fake::github()
        .requests(full)
        .into_iter()
        .filter(|r| r.path.contains("/alerts"))
        .collect()
}

#[tokio::test]
async fn each_list_becomes_facts_and_a_refusal_stays_with_its_source() {
    let full = load("alerts-facts", |repo| {
        repo.security.dependabot = vec![DependabotAlert {
            severity: "critical".into(),
            ..DependabotAlert::default()
        }];
        repo.security.code_scanning = vec![CodeScanningAlert {
            branch: "release".into(),
            security_severity: None,
            rule_severity: "warning".into(),
            ..CodeScanningAlert::default()
        }];
        repo.security.secret_scanning_access = Access::NoPermission;
    });
    let facts = alerts::read(&client(), &repository("alerts-facts"), "release", EVERY).await;
    let dependabot = facts.dependabot.expect("read");
    assert_eq!(dependabot.error, None);
    assert_eq!(dependabot.alerts[0].severity, Some(Severity::Critical));
    assert_eq!(
        dependabot.alerts[0].title,
        "lodash: Prototype Pollution in lodash"
    );
    let code = facts.code_scanning.expect("read");
    assert_eq!(code.git_ref.as_deref(), Some("refs/heads/release"));
    assert_eq!(code.alerts[0].severity, Some(Severity::Medium));
    assert_eq!(
        facts.secret_scanning,
        Some(AlertList::unreadable(
            Some(403),
            "Resource not accessible by integration"
        ))
    );
    // A refusal is final: one request per source.
    assert_eq!(lists(&full).len(), 3);
}

#[tokio::test]
async fn a_5xx_is_retried_and_a_cut_answer_is_unreadable_never_empty() {
    let full = load("alerts-faults", |repo| {
        repo.security.code_scanning = vec![CodeScanningAlert::default()];
        repo.security.secret_scanning = vec![SecretScanningAlert::default()];
    });
    let fake = fake::github();
    fake.inject(Fault::status(
        "GET",
        &format!("/repos/{full}/code-scanning"),
        502,
        1,
    ));
    fake.inject(Fault::kind(
        "GET",
        &format!("/repos/{full}/secret-scanning"),
        FaultKind::Truncate,
        usize::MAX,
    ));
    let sources = Sources {
        dependabot: false,
        ..EVERY
    };
    let facts = alerts::read(&client(), &repository("alerts-faults"), "main", sources).await;
    assert_eq!(facts.dependabot, None, "not asked for, not read");
    assert_eq!(facts.code_scanning.expect("read").alerts.len(), 1);
    let secret = facts.secret_scanning.expect("tried");
    let error = secret.error.expect("unreadable");
    assert_eq!(error.status, None);
    assert!(error.message.contains("truncated"), "{}", error.message);
    assert!(secret.alerts.is_empty());
    let code_requests = lists(&full)
        .into_iter()
        .filter(|r| r.path.contains("code-scanning"))
        .count();
    assert_eq!(code_requests, 2, "the 502, then the answer");
    assert!(!lists(&full).iter().any(|r| r.path.contains("dependabot")));
}

#[tokio::test]
async fn more_than_ten_pages_is_unreadable_rather_than_judged_on_part() {
    let full = load("alerts-bound", |repo| {
        repo.security.dependabot = (0..1001).map(|_| DependabotAlert::default()).collect();
    });
    let sources = Sources {
        dependabot: true,
        ..Sources::default()
    };
    let facts = alerts::read(&client(), &repository("alerts-bound"), "main", sources).await;
    let dependabot = facts.dependabot.expect("tried");
    assert_eq!(
        dependabot.error.expect("unreadable").message,
        "more than 1000 open Dependabot alerts: shipgate reads at most 10 pages of 100 and does not decide on part of them"
    );
    assert_eq!(lists(&full).len(), 10);

    // Exactly 1000 is read in full, in 10 pages.
    fake::github().update(&full, |repo| repo.security.dependabot.truncate(1000));
    let facts = alerts::read(&client(), &repository("alerts-bound"), "main", sources).await;
    let dependabot = facts.dependabot.expect("read");
    assert_eq!((dependabot.error, dependabot.alerts.len()), (None, 1000));
}

#[tokio::test]
async fn the_lists_go_out_together() {
    let full = load("alerts-together", |_| {});
    let late = Duration::from_millis(400);
    fake::github().inject(Fault::kind(
        "GET",
        &format!("/repos/{full}/"),
        FaultKind::Delay(late),
        usize::MAX,
    ));
    let facts = alerts::read(&client(), &repository("alerts-together"), "main", EVERY).await;
    assert!(facts.dependabot.is_some() && facts.secret_scanning.is_some());
    let sent = lists(&full);
    assert_eq!(sent.len(), 3);
    let first = sent.iter().map(|r| r.received_at).min().unwrap();
    for request in &sent {
        assert!(
            request.received_at < first + late,
            "{} waited for another list's answer",
            request.path
        );
    }
}
