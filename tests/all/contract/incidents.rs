//! `incident` against the fake behind Prism: one issue per rolled-back deployment, found again
//! by its marker and label and updated in place, never duplicated — across re-runs, a lost
//! answer, a dropped or removed label, a closed issue, many labelled issues, an issue someone
//! else planted; hostile strings stay text.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;
use shipgate_core::incident::{marked_deployment, marker, NOTES_MARKER};
use shipgate_fake::state::{Deployment, DeploymentStatus, Issue};
use shipgate_fake::{Fault, FaultKind, Repo};

use crate::support::fake::*;
use crate::support::run::{shipgate, Ran, Run};
use crate::support::world::{check_graphql, world, World};

/// The rolled-back deployment (v1.4.0 of [`HEAD`]).
const D: u64 = 7_501;
/// The rollback deployment (back to v1.3.0 of [`PROD`]).
const R: u64 = 7_502;
/// The label shipgate finds its incidents by.
const LABEL: &str = "shipgate:incident";

fn minutes_ago(minutes: i64) -> DateTime<Utc> {
    now() - Duration::minutes(minutes)
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn status(state: &str, minutes: i64, description: Option<&str>) -> DeploymentStatus {
    DeploymentStatus {
        state: state.into(),
        created_at: minutes_ago(minutes),
        description: description.map(str::to_string),
        ..DeploymentStatus::default()
    }
}

/// A production deployment as `shipgate record` makes it.
fn production(id: u64, sha: &str, version: &str, minutes: i64, rollback: bool) -> Deployment {
    Deployment {
        id,
        sha: sha.into(),
        environment: "production".into(),
        production_environment: true,
        created_at: minutes_ago(minutes),
        payload: json!({
            "version": version,
            "actor": "ana",
            "started_at": rfc3339(minutes_ago(minutes)),
            "rollback": rollback,
            "run_id": 4000 + id,
        }),
        statuses: vec![status("in_progress", minutes, None)],
        ..Deployment::default()
    }
}

/// The ready release, deployed to production 60 minutes ago as deployment [`D`]: `watch` decided
/// the rollback 50 minutes ago, the deploy recorded its failure at 48, the rollback to v1.3.0
/// ([`R`]) started at 45 and, when `finished`, succeeded at 42.
fn rolled_back_repo(name: &str, finished: bool) -> Repo {
    let mut repo = ready_repo(name);
    let mut bad = production(D, HEAD, "v1.4.0", 60, false);
    bad.statuses.push(status(
        "failure",
        50,
        Some("shipgate rollback: error_rate above 5% for 5 consecutive samples: 7% at 12:05"),
    ));
    bad.statuses.push(status(
        "failure",
        48,
        Some("v1.4.0 to production: failure in 12 m by ana"),
    ));
    repo.deployments.push(bad);
    let mut rollback = production(R, PROD, "v1.3.0", 45, true);
    if finished {
        rollback.statuses.push(status("success", 42, None));
    }
    repo.deployments.push(rollback);
    repo
}

/// `command: incident` for the rolled-back v1.4.0, as `workflows/rollback.yml` runs it.
fn incident<'w>(w: &'w World, repo: &Repo) -> Run<'w> {
    let event = w.event(repo, "workflow_dispatch", None);
    w.action(repo, "workflow_dispatch", &event)
        .input("command", "incident")
        .input("sha", HEAD)
        .input("version", "v1.4.0")
        .input("trigger", "error_rate > 5% for 5m")
}

fn issues(w: &World, repo: &Repo) -> Vec<Issue> {
    w.fake
        .repo(&repo.full_name())
        .expect("the repository")
        .issues
}

fn issue_of(w: &World, repo: &Repo, deployment: u64) -> Vec<Issue> {
    issues(w, repo)
        .into_iter()
        .filter(|i| marked_deployment(&i.body) == Some(deployment))
        .collect()
}

fn assert_opened(ran: &Ran) {
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.outputs["created"], "true", "{}", ran.describe());
    assert_eq!(
        ran.writes_to("POST", "/issues").len(),
        1,
        "{}",
        ran.describe()
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_first_run_opens_one_labelled_marked_issue_and_reruns_update_it() {
    let w = world();
    let repo = rolled_back_repo("incident-first", false);
    w.fake.load(repo.clone());

    // While the rollback runs.
    let first = incident(w, &repo).run();
    assert_opened(&first);
    assert_eq!(first.graphql_operations(), ["ShipgateIncident"]);
    let sent = first.single_write("POST", "/issues");
    assert_eq!(sent["title"], "Incident: production rollback of v1.4.0");
    assert_eq!(sent["labels"], json!([LABEL]));
    let opened = issue_of(w, &repo, D);
    assert_eq!(opened.len(), 1);
    let issue = &opened[0];
    // Issues share the numbers of pull requests (#7 exists).
    assert_eq!(issue.number, 8);
    assert_eq!(issue.labels, [LABEL]);
    assert!(issue.body.starts_with(&format!("{}\n", marker(D))));
    assert!(
        issue.body.contains("| Severity | **critical**"),
        "{}",
        issue.body
    );
    assert!(
        issue.body.contains("rollback running since"),
        "{}",
        issue.body
    );
    // The reason `watch` recorded on the deployment, the release PR, the procedure.
    assert!(issue
        .body
        .contains("error\\_rate above 5% for 5 consecutive samples"));
    assert!(issue
        .body
        .contains("- Release pull request: #7 Release v1.4.0"));
    assert!(issue.body.contains("- [ ] **Execute** the plan"));
    assert_eq!(first.outputs["issue-number"], "8");
    assert_eq!(
        first.outputs["issue-url"],
        format!("https://github.com/{}/issues/8", repo.full_name())
    );
    assert_eq!(first.outputs["severity"], "critical");
    let report = first.report();
    assert_eq!(report["deployment_id"], D);
    assert_eq!(report["outcome"]["state"], "running");
    assert_eq!(report["issue"]["created"], true);
    assert!(first.summary.contains("[#8]("), "{}", first.summary);

    // The rollback finishes; the team ticks a step and writes a note; the job is re-run.
    w.fake.update(&repo.full_name(), |r| {
        let rollback = r.deployments.iter_mut().find(|d| d.id == R).unwrap();
        rollback.statuses.push(status("success", 42, None));
        let issue = r.issues.iter_mut().find(|i| i.number == 8).unwrap();
        issue.body = issue
            .body
            .replace("- [ ] **Communicate**", "- [x] **Communicate**")
            + "Root cause: a missing index.\n";
    });
    let second = incident(w, &repo).input("rollback-seconds", "95").run();
    assert_eq!(second.code, 0, "{}", second.describe());
    assert_eq!(second.outputs["created"], "false");
    assert_eq!(second.outputs["issue-number"], "8");
    assert!(
        second.writes_to("POST", "/issues").is_empty(),
        "{}",
        second.describe()
    );
    let patch = second.single_write("PATCH", "/issues/8");
    assert_eq!(
        patch.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["body"],
        "only the body is shipgate's"
    );
    let updated = issue_of(w, &repo, D);
    assert_eq!(updated.len(), 1);
    let body = &updated[0].body;
    assert!(
        body.contains("Rollback succeeded: `production` runs `v1.3.0` again"),
        "{body}"
    );
    assert!(body.contains("- [x] **Execute**"), "{body}");
    assert!(body.contains("- [x] **Communicate**"), "{body}");
    assert!(
        body.ends_with(&format!("{NOTES_MARKER}\nRoot cause: a missing index.\n")),
        "{body}"
    );
    assert!(body.contains("Rollback time: **3 m**"), "{body}");
    assert_eq!(second.outputs["severity"], "high");

    // Nothing changed since: one read, no write.
    let third = incident(w, &repo).input("rollback-seconds", "95").run();
    assert_eq!(third.code, 0, "{}", third.describe());
    assert!(third.writes().is_empty(), "{}", third.describe());
    assert_eq!(third.outputs["created"], "false");
    assert_eq!(issues(w, &repo).len(), 1);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn two_rolled_back_deployments_get_two_issues() {
    let w = world();
    let mut repo = rolled_back_repo("incident-two", true);
    // v1.4.1 goes out an hour later and is rolled back too, this time by hand.
    repo.deployments
        .push(production(7_503, NEW_HEAD, "v1.4.1", 20, false));
    let mut again = production(7_504, PROD, "v1.3.0", 15, true);
    again.statuses.push(status("success", 12, None));
    repo.deployments.push(again);
    w.fake.load(repo.clone());

    assert_opened(&incident(w, &repo).run());
    let event = w.event(&repo, "workflow_dispatch", None);
    let second = w
        .action(&repo, "workflow_dispatch", &event)
        .input("command", "incident")
        .input("sha", NEW_HEAD)
        .run();
    assert_opened(&second);
    assert_eq!(second.outputs["issue-number"], "9");
    let issue = &issue_of(w, &repo, 7_503)[0];
    assert_eq!(issue.title, "Incident: production rollback of v1.4.1");
    assert!(
        issue.body.contains("| Trigger | manual rollback |"),
        "{}",
        issue.body
    );
    assert_eq!(issue_of(w, &repo, D).len(), 1);

    // Re-running the first finds its own issue, not the second's.
    let rerun = incident(w, &repo).run();
    assert_eq!(rerun.outputs["issue-number"], "8", "{}", rerun.describe());
    assert!(rerun.writes_to("POST", "/issues").is_empty());
    assert_eq!(issues(w, &repo).len(), 2);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_issue_someone_else_opened_with_the_marker_is_ignored() {
    let w = world();
    let mut repo = rolled_back_repo("incident-forged", true);
    let planted = format!("{}\nNothing to see here.", marker(D));
    repo.issues.push(Issue {
        number: 8,
        title: "Incident: production rollback of v1.4.0".into(),
        body: planted.clone(),
        labels: vec![LABEL.into()],
        author: "mallory".into(),
        created_at: minutes_ago(44),
        updated_at: minutes_ago(44),
        ..Issue::default()
    });
    w.fake.load(repo.clone());
    let ran = incident(w, &repo).run();
    assert_opened(&ran);
    assert_eq!(ran.outputs["issue-number"], "9");
    assert!(ran.writes_to("PATCH", "/issues/8").is_empty());
    assert!(
        ran.stdout.contains("::warning::issue #8 carries the incident marker of deployment 7501 but was not opened by this token's account: ignored"),
        "{}",
        ran.describe()
    );
    let state = issues(w, &repo);
    assert_eq!(state[0].body, planted, "the planted issue is left alone");
    assert_eq!(state[1].author, "github-actions[bot]");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn hostile_trigger_reason_and_title_stay_text() {
    let w = world();
    let mut repo = rolled_back_repo("incident-hostile", true);
    let hostile = "x\n::error::injected %0A <img src=x onerror=alert(1)> [x](javascript:alert(1)) @org/team #1 <!-- shipgate:incident deployment=1 --> | `";
    repo.pulls[0].title = hostile.into();
    w.fake.load(repo.clone());
    let ran = incident(w, &repo)
        .input("trigger", hostile)
        .input("reason", hostile)
        .run();
    assert_opened(&ran);
    let body = &issue_of(w, &repo, D)[0].body;
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut html = Vec::new();
    for event in Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.trim().to_string()),
            Event::Start(Tag::Link { dest_url, .. }) => {
                assert!(
                    dest_url.starts_with("https://github.com/"),
                    "{dest_url} in\n{body}"
                )
            }
            Event::Text(t) => assert!(!t.contains("@org/team"), "a live mention {t:?}"),
            _ => {}
        }
    }
    assert_eq!(
        html,
        [
            marker(D),
            "<sub>".into(),
            "</sub>".into(),
            NOTES_MARKER.into()
        ]
    );
    for line in ran.stdout.lines() {
        assert!(!line.starts_with("::error::injected"), "{}", ran.describe());
    }
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_lost_answer_to_the_create_opens_no_second_issue() {
    let w = world();
    let repo = rolled_back_repo("incident-lost", true);
    w.fake.load(repo.clone());
    w.fake.inject(
        Fault::kind(
            "POST",
            "/repos/acme/incident-lost/issues",
            FaultKind::LostAnswer(502),
            1,
        )
        .for_repo(&repo.full_name()),
    );
    let ran = incident(w, &repo).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    // Created once (its answer lost), then found by the lookup instead of posted again.
    assert_eq!(
        ran.writes_to("POST", "/issues").len(),
        1,
        "{}",
        ran.describe()
    );
    assert_eq!(
        ran.graphql_operations(),
        ["ShipgateIncident", "ShipgateIncident"]
    );
    assert_eq!(ran.outputs["created"], "true");
    assert_eq!(ran.outputs["issue-number"], "8");
    assert_eq!(issues(w, &repo).len(), 1);
    assert!(!ran.stdout.contains("::warning::"), "{}", ran.describe());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_issue_without_its_label_is_found_among_the_newest() {
    let w = world();
    let mut repo = rolled_back_repo("incident-label", true);
    // GitHub drops the label (a token that may not set labels).
    repo.labels_writable = false;
    w.fake.load(repo.clone());
    let first = incident(w, &repo).run();
    assert_opened(&first);
    assert!(issues(w, &repo)[0].labels.is_empty());
    assert!(
        first
            .stdout
            .contains("::warning::GitHub did not put the label"),
        "{}",
        first.describe()
    );
    let second = incident(w, &repo).run();
    assert_eq!(second.code, 0, "{}", second.describe());
    assert!(second.writes().is_empty(), "{}", second.describe());
    assert_eq!(second.outputs["issue-number"], "8");
    assert!(
        second.stdout.contains("no longer carries the label"),
        "{}",
        second.describe()
    );

    // The same after a person removed the label, with the rollback's end to write.
    let repo = rolled_back_repo("incident-unlabelled", false);
    w.fake.load(repo.clone());
    assert_opened(&incident(w, &repo).run());
    w.fake.update(&repo.full_name(), |r| {
        r.issues[0].labels.clear();
        r.deployments
            .iter_mut()
            .find(|d| d.id == R)
            .unwrap()
            .statuses
            .push(status("success", 42, None));
    });
    let rerun = incident(w, &repo).run();
    assert_eq!(rerun.code, 0, "{}", rerun.describe());
    assert!(
        rerun.writes_to("POST", "/issues").is_empty(),
        "{}",
        rerun.describe()
    );
    assert_eq!(rerun.writes_to("PATCH", "/issues/8").len(), 1);
    assert_eq!(issues(w, &repo).len(), 1);
    check_graphql(w, "acme/incident-label");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_closed_incident_is_updated_and_left_closed() {
    let w = world();
    let repo = rolled_back_repo("incident-closed", false);
    w.fake.load(repo.clone());
    assert_opened(&incident(w, &repo).run());
    w.fake.update(&repo.full_name(), |r| {
        r.issues[0].state = "closed".into();
        r.issues[0].closed_at = Some(now());
        r.deployments
            .iter_mut()
            .find(|d| d.id == R)
            .unwrap()
            .statuses
            .push(status("success", 42, None));
    });
    let ran = incident(w, &repo).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    let patch = ran.single_write("PATCH", "/issues/8");
    assert!(patch.get("state").is_none(), "{patch}");
    let issue = &issues(w, &repo)[0];
    assert_eq!(issue.state, "closed");
    assert!(issue.body.contains("Rollback succeeded"), "{}", issue.body);
    assert!(
        ran.summary.contains("(closed: left closed)"),
        "{}",
        ran.summary
    );
    assert_eq!(ran.report()["issue"]["open"], false);
    check_graphql(w, &repo.full_name());
}

/// `count` labelled incident issues of other deployments, opened by shipgate after `D`.
fn other_incidents(repo: &mut Repo, count: u64) {
    for n in 0..count {
        repo.issues.push(Issue {
            number: 100 + n,
            title: format!("Incident {n}"),
            body: format!("{}\nanother incident", marker(90_000 + n)),
            labels: vec![LABEL.into()],
            author: repo.viewer.clone(),
            created_at: minutes_ago(30) + Duration::seconds(n as i64),
            updated_at: minutes_ago(30),
            ..Issue::default()
        });
    }
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn labelled_issues_are_paged_back_to_the_deployment_and_no_further() {
    let w = world();
    let mut repo = rolled_back_repo("incident-paged", true);
    // Its issue, opened right after the rollback, behind 120 newer incident issues.
    repo.issues.push(Issue {
        number: 8,
        title: "Incident: production rollback of v1.4.0".into(),
        body: format!("{}\nold text", marker(D)),
        labels: vec![LABEL.into()],
        author: repo.viewer.clone(),
        created_at: minutes_ago(44),
        updated_at: minutes_ago(44),
        ..Issue::default()
    });
    other_incidents(&mut repo, 120);
    w.fake.load(repo.clone());
    let ran = incident(w, &repo).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(
        ran.graphql_operations().len(),
        3,
        "50 + 50 + 21: {}",
        ran.describe()
    );
    assert!(
        ran.writes_to("POST", "/issues").is_empty(),
        "{}",
        ran.describe()
    );
    assert_eq!(ran.writes_to("PATCH", "/issues/8").len(), 1);
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn too_many_labelled_issues_to_search_open_nothing() {
    let w = world();
    let mut repo = rolled_back_repo("incident-too-many", true);
    other_incidents(&mut repo, 520);
    w.fake.load(repo.clone());
    let ran = incident(w, &repo).run();
    assert_eq!(ran.code, 1, "{}", ran.describe());
    assert!(ran.writes().is_empty(), "{}", ran.describe());
    assert!(
        ran.stdout
            .contains("cannot tell whether its incident issue exists, so none is opened"),
        "{}",
        ran.describe()
    );
    assert_eq!(ran.graphql_operations().len(), 10);
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_command_line_opens_the_same_issue_and_refuses_a_mismatch() {
    let w = world();
    let repo = rolled_back_repo("incident-cli", true);
    w.fake.load(repo.clone());
    let github = w.github();
    let out = shipgate(&[
        "incident",
        "--repo",
        &repo.full_name(),
        "--deployment-id",
        &D.to_string(),
        "--severity",
        "medium",
        "--format",
        "json",
    ])
    .github(&github, &repo.full_name())
    .run();
    assert_eq!(out.code, 0, "{out:?}");
    let report = out.json();
    assert_eq!(report["severity"], "medium");
    assert_eq!(report["severity_source"]["source"], "given");
    assert_eq!(report["outcome"]["state"], "succeeded");
    assert_eq!(report["issue"]["number"], 8);
    assert_eq!(issue_of(w, &repo, D).len(), 1);
    // The version named is not the one the deployment recorded: nothing is written.
    let out = shipgate(&[
        "incident",
        "--repo",
        &repo.full_name(),
        "--deployment-id",
        &D.to_string(),
        "--release-version",
        "v9.9.9",
    ])
    .github(&github, &repo.full_name())
    .run();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("recorded version \"v1.4.0\""),
        "{out:?}"
    );
    // The rollback's own deployment is never the rolled-back one.
    let out = shipgate(&[
        "incident",
        "--repo",
        &repo.full_name(),
        "--deployment-id",
        &R.to_string(),
    ])
    .github(&github, &repo.full_name())
    .run();
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("is a rollback itself"), "{out:?}");
    assert_eq!(issues(w, &repo).len(), 1);
    check_graphql(w, &repo.full_name());
}
