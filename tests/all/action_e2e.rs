//! End-to-end tests of `shipgate action`: the built binary is executed directly (not through a
//! shell, which would drop `INPUT_GITHUB-TOKEN`), exactly as a runner does — `GITHUB_EVENT_PATH`
//! made from real payloads of `@octokit/webhooks-examples@7.6.1`, fresh `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY` files, `INPUT_*` variables as the runner names them — against a
//! `wiremock` GitHub. Outputs, the summary and every request are asserted.
//!
//! The payloads come from the package's `api.github.com/index.json`, named by the environment
//! variable `SHIPGATE_WEBHOOK_EXAMPLES`. When it is unset the tests are skipped loudly, unless
//! `SHIPGATE_REQUIRE_TOOLS=1`, when they fail.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{body_partial_json, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::github::mock;
use crate::support::shipgate_bin;

const TOKEN: &str = "ghs_E2ESECRET0123456789abcdef";
/// The head SHA of PR #2 in the examples (`Codertocat/Hello-World`).
const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const OTHER: &str = "cccccccccccccccccccccccccccccccccccccccc";
const NOW: &str = "2026-11-27T12:00:00Z";

/// The real payloads, or `None` (after saying so) when the package is not installed.
fn examples() -> Option<Vec<Value>> {
    let Some(path) = std::env::var_os("SHIPGATE_WEBHOOK_EXAMPLES") else {
        if std::env::var("SHIPGATE_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("SHIPGATE_WEBHOOK_EXAMPLES is not set and SHIPGATE_REQUIRE_TOOLS=1");
        }
        eprintln!(
            "SKIPPED: set SHIPGATE_WEBHOOK_EXAMPLES to @octokit/webhooks-examples@7.6.1's api.github.com/index.json to run the end-to-end tests"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("SHIPGATE_WEBHOOK_EXAMPLES={path:?}: {e}"));
    Some(serde_json::from_str(&text).expect("index.json is JSON"))
}

/// The first example of `event` with `action` (or any, when `None`).
fn payload(all: &[Value], event: &str, action: Option<&str>) -> Value {
    let entry = all
        .iter()
        .find(|e| e["name"] == event)
        .unwrap_or_else(|| panic!("no {event} examples"));
    entry["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| action.is_none_or(|a| x["action"] == a))
        .cloned()
        .unwrap_or_else(|| panic!("no {event}.{action:?} example"))
}

/// One run of the binary as a runner would start it.
struct Run {
    dir: tempfile::TempDir,
    env: HashMap<String, String>,
}

/// What a run left behind.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: HashMap<String, String>,
    summary: String,
    elapsed: Duration,
}

impl Run {
    fn new(server: &MockServer, event_name: &str, event: &Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, serde_json::to_string(event).unwrap()).unwrap();
        std::fs::write(dir.path().join("output"), "").unwrap();
        std::fs::write(dir.path().join("summary"), "").unwrap();
        let mut env = HashMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_string(), v);
        };
        set("GITHUB_ACTIONS", "true".into());
        set("GITHUB_REPOSITORY", "Codertocat/Hello-World".into());
        set("GITHUB_EVENT_NAME", event_name.into());
        set("GITHUB_EVENT_PATH", path_str(&event_path));
        set("GITHUB_API_URL", server.uri());
        set(
            "GITHUB_GRAPHQL_URL",
            format!("{}/api/graphql", server.uri()),
        );
        set("GITHUB_SERVER_URL", "https://github.com".into());
        set("GITHUB_SHA", HEAD.into());
        set("GITHUB_REF", "refs/pull/2/merge".into());
        set("GITHUB_ACTOR", "Codertocat".into());
        set("GITHUB_RUN_ID", "4242".into());
        set("GITHUB_OUTPUT", path_str(&dir.path().join("output")));
        set("GITHUB_STEP_SUMMARY", path_str(&dir.path().join("summary")));
        set("RUNNER_TEMP", path_str(dir.path()));
        set("SHIPGATE_NOW", NOW.into());
        // As action.yml maps them: hyphens kept.
        set("INPUT_GITHUB-TOKEN", TOKEN.into());
        set("INPUT_PRODUCTION-BRANCH", "master".into());
        Self { dir, env }
    }

    /// Sends REST requests to `url` (a Prism proxy in front of the mock) instead of the mock.
    fn api_url(mut self, url: &str) -> Self {
        self.env.insert("GITHUB_API_URL".into(), url.into());
        self
    }

    fn input(mut self, name: &str, value: &str) -> Self {
        self.env.insert(
            format!("INPUT_{}", name.replace(' ', "_").to_uppercase()),
            value.into(),
        );
        self
    }

    fn ran(self) -> Ran {
        let start = Instant::now();
        // Exec'd directly with a clean environment: no shell, no stray token from the host.
        let out = Command::new(shipgate_bin())
            .arg("action")
            .env_clear()
            .envs(&self.env)
            .output()
            .unwrap();
        let elapsed = start.elapsed();
        let outputs =
            parse_outputs(&std::fs::read_to_string(self.dir.path().join("output")).unwrap());
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs,
            summary: std::fs::read_to_string(self.dir.path().join("summary")).unwrap(),
            elapsed,
        }
    }
}

impl Ran {
    fn assert_token_hidden(&self) {
        let masked = format!("::add-mask::{TOKEN}");
        assert!(self.stdout.starts_with(&masked), "{}", self.stdout);
        let rest = self.stdout.replacen(&masked, "", 1);
        for text in [&rest, &self.stderr, &self.summary] {
            assert!(!text.contains(TOKEN), "token leaked: {text}");
        }
        for value in self.outputs.values() {
            assert!(!value.contains(TOKEN), "token leaked in outputs");
        }
    }

    fn report(&self) -> Value {
        serde_json::from_str(&self.outputs["report"]).unwrap()
    }
}

fn path_str(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

/// Parses `GITHUB_OUTPUT` heredocs (`name<<DELIM\nvalue\nDELIM\n`).
fn parse_outputs(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let (name, delimiter) = line.split_once("<<").expect("heredoc output");
        let mut value = Vec::new();
        for l in lines.by_ref() {
            if l == delimiter {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_string(), value.join("\n"));
    }
    out
}

async fn run_blocking(run: Run) -> Ran {
    tokio::task::spawn_blocking(move || run.ran())
        .await
        .unwrap()
}

/// PR #2 of the examples with everything a release needs: soaked 26 h in staging, two eligible
/// approvals on the head, an annotated `v1.4.0` on it, a green check.
fn ready_pr() -> mock::Pr {
    let mut pr = mock::Pr::new(2, HEAD);
    pr.base = "master".into();
    pr.head = "changes".into();
    pr.title = "Update the README with new information".into();
    pr.reviews = mock::connection(vec![
        mock::review("bob", "APPROVED", HEAD, true),
        mock::review("carol", "APPROVED", HEAD, true),
    ]);
    pr.contexts = mock::connection(vec![mock::check_run("build", "COMPLETED", Some("SUCCESS"))]);
    pr
}

fn ready_repo() -> mock::Repo {
    mock::Repo {
        refs: mock::connection(vec![mock::annotated_tag("v1.4.0", HEAD)]),
        staging: mock::connection(vec![mock::deployment(
            10,
            "staging",
            HEAD,
            "2026-11-26T09:55:00Z",
            &[("SUCCESS", "2026-11-26T10:00:00Z")],
        )]),
        ..mock::Repo::default()
    }
}

async fn graphql_answer(server: &MockServer, operation: &str, answer: Value) {
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_partial_json(json!({ "operationName": operation })))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(server)
        .await;
}

async fn creations_succeed(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/repos/Codertocat/Hello-World/check-runs"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 700, "name": "shipgate"})),
        )
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/repos/Codertocat/Hello-World/issues/\d+/comments$",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 800})))
        .mount(server)
        .await;
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn json_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn find<'a>(requests: &'a [Request], verb: &str, suffix: &str) -> Vec<&'a Request> {
    requests
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path().ends_with(suffix))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_request_opened_passes_and_publishes_check_run_comment_summary_outputs() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    graphql_answer(
        &server,
        "PullRequestFacts",
        ready_repo().with_pr(&ready_pr()),
    )
    .await;
    creations_succeed(&server).await;
    let event = payload(&all, "pull_request", Some("opened"));
    let ran = run_blocking(Run::new(&server, "pull_request", &event)).await;
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    ran.assert_token_hidden();
    assert_eq!(ran.outputs["verdict"], "pass", "{}", ran.stdout);
    assert_eq!(ran.outputs["version"], "v1.4.0");
    assert_eq!(ran.outputs["ready-at"], "");
    let report = ran.report();
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["pull_requests"][0]["subject"]["pull_request"], 2);
    assert!(ran.summary.contains("shipgate"), "{}", ran.summary);

    let requests = received(&server).await;
    assert_eq!(requests.len(), 3, "one read, two writes");
    let read = json_of(&requests[0]);
    assert_eq!(read["operationName"], "PullRequestFacts");
    assert_eq!(read["variables"]["number"], 2);
    assert_eq!(
        read["variables"]["config"],
        "refs/heads/master:.github/shipgate.yml"
    );
    let check = json_of(find(&requests, "POST", "/check-runs")[0]);
    assert_eq!(check["head_sha"], HEAD);
    assert_eq!(check["name"], "shipgate");
    assert_eq!(check["status"], "completed");
    assert_eq!(check["conclusion"], "success");
    assert_eq!(check["external_id"], "shipgate");
    assert_eq!(
        check["details_url"],
        "https://github.com/Codertocat/Hello-World/actions/runs/4242"
    );
    let comment = json_of(find(&requests, "POST", "/issues/2/comments")[0]);
    assert!(comment["body"]
        .as_str()
        .unwrap()
        .starts_with("<!-- shipgate:sticky-comment -->"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_with_nothing_changed_makes_one_call() {
    let Some(all) = examples() else { return };
    let event = payload(&all, "pull_request", Some("synchronize"));
    // First run: learn what shipgate publishes.
    let first = MockServer::start().await;
    graphql_answer(
        &first,
        "PullRequestFacts",
        ready_repo().with_pr(&ready_pr()),
    )
    .await;
    creations_succeed(&first).await;
    let ran = run_blocking(Run::new(&first, "pull_request", &event)).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let requests = received(&first).await;
    let check = json_of(find(&requests, "POST", "/check-runs")[0]);
    let comment = json_of(find(&requests, "POST", "/issues/2/comments")[0]);
    // Second run: GitHub now shows exactly that.
    let mut pr = ready_pr();
    pr.contexts = mock::connection(vec![
        mock::check_run("build", "COMPLETED", Some("SUCCESS")),
        mock::own_check_run(
            700,
            "COMPLETED",
            Some("SUCCESS"),
            check["output"]["title"].as_str().unwrap(),
            check["output"]["summary"].as_str().unwrap(),
        ),
    ]);
    pr.comments = mock::backward(vec![mock::comment(
        800,
        comment["body"].as_str().unwrap(),
        true,
    )]);
    let second = MockServer::start().await;
    graphql_answer(&second, "PullRequestFacts", ready_repo().with_pr(&pr)).await;
    let ran = run_blocking(Run::new(&second, "pull_request", &event)).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert_eq!(ran.outputs["verdict"], "pass");
    assert_eq!(received(&second).await.len(), 1, "only the read");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_updates_the_existing_check_run_and_comment_in_place() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let mut pr = ready_pr();
    // One approval only now: pending.
    pr.reviews = mock::connection(vec![mock::review("bob", "APPROVED", HEAD, true)]);
    pr.contexts = mock::connection(vec![
        mock::check_run("build", "COMPLETED", Some("SUCCESS")),
        mock::own_check_run(700, "COMPLETED", Some("SUCCESS"), "Pass", "old"),
    ]);
    pr.comments = mock::backward(vec![mock::comment(
        800,
        "<!-- shipgate:sticky-comment -->\nold",
        true,
    )]);
    graphql_answer(&server, "PullRequestFacts", ready_repo().with_pr(&pr)).await;
    Mock::given(method("PATCH"))
        .and(path("/repos/Codertocat/Hello-World/check-runs/700"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 700})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/Codertocat/Hello-World/issues/comments/800"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 800})))
        .expect(1)
        .mount(&server)
        .await;
    let event = payload(&all, "pull_request_review", Some("submitted"));
    let ran = run_blocking(Run::new(&server, "pull_request_review", &event)).await;
    assert_eq!(
        ran.code, 0,
        "pending does not fail the step by default: {}",
        ran.stdout
    );
    assert_eq!(ran.outputs["verdict"], "pending");
    let requests = received(&server).await;
    assert_eq!(requests.len(), 3);
    assert!(
        find(&requests, "POST", "/check-runs").is_empty(),
        "no second check run"
    );
    let patch = json_of(find(&requests, "PATCH", "/check-runs/700")[0]);
    assert_eq!(patch["status"], "in_progress");
    assert!(patch.get("conclusion").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn schedule_evaluates_every_open_pr_in_one_read() {
    let Some(_all) = examples() else { return };
    let server = MockServer::start().await;
    // Untagged, unreviewed, never deployed: pending (a `staging/v1.4.0` head would fail, its
    // tag being on PR #2's commit).
    let mut waiting = mock::Pr::new(3, OTHER);
    waiting.base = "master".into();
    waiting.head = "next-release".into();
    graphql_answer(
        &server,
        "OpenPullRequestFacts",
        ready_repo().with_open(&[ready_pr(), waiting]),
    )
    .await;
    creations_succeed(&server).await;
    // There is no schedule webhook: the runner's event file is this.
    let event = json!({ "schedule": "*/30 * * * *" });
    let ran = run_blocking(Run::new(&server, "schedule", &event).input("comment", "false")).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert_eq!(
        ran.outputs["verdict"], "pending",
        "the worst of pass and pending"
    );
    assert!(
        !ran.outputs.contains_key("version"),
        "version is for a single PR"
    );
    let report = ran.report();
    assert_eq!(report["pull_requests"].as_array().unwrap().len(), 2);
    let requests = received(&server).await;
    assert_eq!(find(&requests, "POST", "/api/graphql").len(), 1);
    assert_eq!(find(&requests, "POST", "/check-runs").len(), 2);
    assert!(
        find(&requests, "POST", "/comments").is_empty(),
        "comment: false"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_status_event_evaluates_only_the_pr_whose_head_it_is() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let event = payload(&all, "status", None);
    let sha = event["sha"].as_str().unwrap().to_string();
    let mut matching = mock::Pr::new(5, &sha);
    matching.base = "master".into();
    let mut other = ready_pr();
    other.number = 6;
    graphql_answer(
        &server,
        "OpenPullRequestFacts",
        ready_repo().with_open(&[matching, other]),
    )
    .await;
    creations_succeed(&server).await;
    let ran = run_blocking(Run::new(&server, "status", &event)).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let report = ran.report();
    let prs = report["pull_requests"].as_array().unwrap();
    assert_eq!(prs.len(), 1);
    assert_eq!(prs[0]["subject"]["pull_request"], 5);
    let requests = received(&server).await;
    let check = json_of(find(&requests, "POST", "/check-runs")[0]);
    assert_eq!(check["head_sha"], sha.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_checks_write_a_commit_status_carries_the_verdict() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    graphql_answer(
        &server,
        "PullRequestFacts",
        ready_repo().with_pr(&ready_pr()),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/repos/Codertocat/Hello-World/check-runs"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/repos/Codertocat/Hello-World/statuses/{HEAD}"
        )))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"context": "shipgate"})))
        .expect(1)
        .mount(&server)
        .await;
    let event = payload(&all, "pull_request", Some("reopened"));
    let ran =
        run_blocking(Run::new(&server, "pull_request", &event).input("comment", "false")).await;
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let requests = received(&server).await;
    let status = json_of(find(&requests, "POST", HEAD)[0]);
    assert_eq!(status["state"], "success");
    assert_eq!(status["context"], "shipgate");
    assert!(status["description"].as_str().unwrap().chars().count() <= 140);
    assert_eq!(
        status["target_url"],
        "https://github.com/Codertocat/Hello-World/actions/runs/4242"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn github_failing_with_502_gives_an_error_verdict_within_the_bound() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/repos/Codertocat/Hello-World/commits/{HEAD}/check-runs"
        )))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"total_count": 0, "check_runs": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    creations_succeed(&server).await;
    let event = payload(&all, "pull_request", Some("opened"));
    let ran = run_blocking(Run::new(&server, "pull_request", &event)).await;
    // The documented bound is 60 s; with the default policy four attempts take about 7 s.
    assert!(ran.elapsed < Duration::from_secs(60), "{:?}", ran.elapsed);
    assert_eq!(ran.code, 1, "fail-on defaults to error: {}", ran.stdout);
    ran.assert_token_hidden();
    assert_eq!(ran.outputs["verdict"], "error");
    assert!(ran.stdout.contains("::error::"), "{}", ran.stdout);
    let requests = received(&server).await;
    assert_eq!(
        find(&requests, "POST", "/api/graphql").len(),
        4,
        "max_attempts"
    );
    let check = json_of(find(&requests, "POST", "/check-runs")[0]);
    assert_eq!(check["conclusion"], "failure");
    assert!(
        check["output"]["summary"].as_str().unwrap().contains("502"),
        "{check}"
    );
    assert!(find(&requests, "POST", "/comments").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn graphql_errors_with_partial_data_are_an_error_verdict_showing_the_message() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let mut answer = ready_repo().with_pr(&ready_pr());
    answer["errors"] = json!([{"message": "Something went wrong while executing your query.", "path": ["repository", "refs"]}]);
    graphql_answer(&server, "PullRequestFacts", answer).await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/repos/Codertocat/Hello-World/commits/{HEAD}/check-runs"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"total_count": 1, "check_runs": [
                {"id": 700, "name": "shipgate", "external_id": "shipgate"}
            ]}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/Codertocat/Hello-World/check-runs/700"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 700})))
        .expect(1)
        .mount(&server)
        .await;
    let event = payload(&all, "pull_request", Some("opened"));
    let ran = run_blocking(Run::new(&server, "pull_request", &event)).await;
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    assert_eq!(ran.outputs["verdict"], "error");
    let requests = received(&server).await;
    let patch = json_of(find(&requests, "PATCH", "/check-runs/700")[0]);
    assert_eq!(patch["conclusion"], "failure");
    assert!(
        patch["output"]["summary"]
            .as_str()
            .unwrap()
            .contains("Something went wrong while executing your query."),
        "{patch}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_on_pending_fails_the_step_with_the_pending_exit_code() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let mut pr = ready_pr();
    pr.reviews = mock::empty();
    graphql_answer(&server, "PullRequestFacts", ready_repo().with_pr(&pr)).await;
    creations_succeed(&server).await;
    let event = payload(&all, "pull_request", Some("ready_for_review"));
    let ran = run_blocking(
        Run::new(&server, "pull_request", &event).input("fail-on", "pending, fail, error"),
    )
    .await;
    assert_eq!(ran.code, 3, "{}", ran.stdout);
    assert_eq!(ran.outputs["verdict"], "pending");
    assert!(
        ran.stdout
            .contains("::error::shipgate verdict pending (fail-on)"),
        "{}",
        ran.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_config_from_the_production_branch_applies_and_inputs_override_it() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let mut repo = ready_repo();
    repo.config = Some("approvals:\n  required: 3\nsoak:\n  duration: 48h\n".into());
    graphql_answer(&server, "PullRequestFacts", repo.with_pr(&ready_pr())).await;
    creations_succeed(&server).await;
    let event = payload(&all, "pull_request", Some("opened"));
    // The config wants 3 approvals and 48 h; the input brings approvals back to 2.
    let ran = run_blocking(
        Run::new(&server, "pull_request", &event)
            .input("required-approvals", "2")
            .input("comment", "false"),
    )
    .await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert_eq!(ran.outputs["verdict"], "pending");
    let report = ran.report();
    let gates = report["pull_requests"][0]["gates"].as_array().unwrap();
    let state = |name: &str| {
        gates
            .iter()
            .find(|g| g["gate"] == name)
            .map(|g| g["state"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(state("approvals"), "pass");
    assert_eq!(state("soak"), "pending");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_config_is_an_error_verdict_annotated_at_its_line() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let mut repo = ready_repo();
    repo.config = Some("soak:\n  duration: forever\n".into());
    graphql_answer(&server, "PullRequestFacts", repo.with_pr(&ready_pr())).await;
    creations_succeed(&server).await;
    let event = payload(&all, "pull_request", Some("opened"));
    let ran =
        run_blocking(Run::new(&server, "pull_request", &event).input("comment", "false")).await;
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    assert_eq!(ran.outputs["verdict"], "error");
    assert!(
        ran.stdout
            .contains("::error title=shipgate config,file=.github/shipgate.yml,line=2::"),
        "{}",
        ran.stdout
    );
    let requests = received(&server).await;
    let check = json_of(find(&requests, "POST", "/check-runs")[0]);
    assert_eq!(check["conclusion"], "failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn events_that_concern_no_release_pr_end_cleanly_without_calls() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    for (name, action) in [
        ("pull_request", Some("closed")),
        ("pull_request", Some("labeled")),
        ("push", None),
        ("issues", Some("opened")),
    ] {
        let event = if name == "push" {
            // The branch push among the examples.
            all.iter().find(|e| e["name"] == "push").unwrap()["examples"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["ref"] == "refs/heads/master")
                .cloned()
                .unwrap()
        } else {
            payload(&all, name, action)
        };
        let ran = run_blocking(Run::new(&server, name, &event)).await;
        assert_eq!(ran.code, 0, "{name}: {}", ran.stdout);
        assert!(
            ran.stdout
                .contains("::notice::shipgate: nothing to evaluate"),
            "{name}: {}",
            ran.stdout
        );
        assert_eq!(ran.report()["pull_requests"], json!([]));
    }
    assert!(received(&server).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_are_usage_errors_naming_the_input() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let event = payload(&all, "pull_request", Some("opened"));
    let ran =
        run_blocking(Run::new(&server, "pull_request", &event).input("required-approvals", "0"))
            .await;
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(
        ran.stdout.contains("::error::") && ran.stdout.contains("required-approvals"),
        "{}",
        ran.stdout
    );
    let ran = run_blocking(Run::new(&server, "pull_request", &event).input("comment", "yes")).await;
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(received(&server).await.is_empty());
}

// ---- benchmark -------------------------------------------------------------------------------

/// A fake GitHub for the benchmark: every answer 100 ms late, every request's arrival logged.
struct Bench {
    server: MockServer,
    arrivals: std::sync::Arc<std::sync::Mutex<Vec<(Instant, String)>>>,
    answer: std::sync::Arc<std::sync::Mutex<Value>>,
}

impl Bench {
    async fn start() -> Self {
        use std::sync::{Arc, Mutex};
        let server = MockServer::start().await;
        let arrivals: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
        let answer: Arc<Mutex<Value>> = Arc::new(Mutex::new(Value::Null));
        let (log, read) = (arrivals.clone(), answer.clone());
        let ids = Arc::new(std::sync::atomic::AtomicU64::new(1000));
        Mock::given(wiremock::matchers::any())
            .respond_with(move |req: &Request| {
                let what = format!("{} {}", req.method, req.url.path());
                log.lock().unwrap().push((Instant::now(), what));
                let id = ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let template = if req.url.path() == "/api/graphql" {
                    ResponseTemplate::new(200).set_body_json(read.lock().unwrap().clone())
                } else if req.method.as_str() == "POST" {
                    ResponseTemplate::new(201).set_body_json(json!({"id": id, "name": "shipgate"}))
                } else {
                    let id: u64 = req
                        .url
                        .path()
                        .rsplit('/')
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(id);
                    ResponseTemplate::new(200).set_body_json(json!({"id": id}))
                };
                template.set_delay(Duration::from_millis(100))
            })
            .mount(&server)
            .await;
        Self {
            server,
            arrivals,
            answer,
        }
    }

    /// Runs the binary; returns (calls, sequential round trips, wall time).
    async fn measure(
        &self,
        event_name: &str,
        event: &Value,
        inputs: &[(&str, &str)],
    ) -> (usize, usize, Duration, Ran) {
        self.arrivals.lock().unwrap().clear();
        let mut run = Run::new(&self.server, event_name, event).input("production-branch", "main");
        for (name, value) in inputs {
            run = run.input(name, value);
        }
        let start = Instant::now();
        let ran = run_blocking(run).await;
        let wall = start.elapsed();
        let mut times: Vec<Instant> = self
            .arrivals
            .lock()
            .unwrap()
            .iter()
            .map(|(t, _)| *t)
            .collect();
        times.sort();
        // A request that arrives 90 ms or more after the first of the current round cannot have
        // been sent before that round's answers (each takes 100 ms): it starts a new round.
        let mut rounds = 0;
        let mut round_start: Option<Instant> = None;
        for t in &times {
            if round_start.is_none_or(|s| t.duration_since(s) >= Duration::from_millis(90)) {
                rounds += 1;
                round_start = Some(*t);
            }
        }
        (times.len(), rounds, wall, ran)
    }

    /// What the last run published, as `(pr number → (check-run output, comment body))`, read
    /// back from the requests.
    async fn published(&self) -> HashMap<u64, (Value, String)> {
        let mut by_sha: HashMap<String, Value> = HashMap::new();
        let mut comments: HashMap<u64, String> = HashMap::new();
        for r in received(&self.server).await {
            let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            let path = r.url.path().to_string();
            if r.method.as_str() == "POST" && path.ends_with("/check-runs") {
                by_sha.insert(
                    body["head_sha"].as_str().unwrap().to_string(),
                    body["output"].clone(),
                );
            } else if path.ends_with("/comments") {
                let n: u64 = path.split('/').rev().nth(1).unwrap().parse().unwrap();
                comments.insert(n, body["body"].as_str().unwrap().to_string());
            }
        }
        comments
            .into_iter()
            .map(|(n, body)| (n, (by_sha[&bench_sha(n)].clone(), body)))
            .collect()
    }
}

fn bench_sha(number: u64) -> String {
    format!("{number:040x}")
}

/// The open PRs of the benchmark: into `main`, each pending (one approval of two).
fn bench_prs(count: u64, published: Option<&HashMap<u64, (Value, String)>>) -> Vec<mock::Pr> {
    (1..=count)
        .map(|n| {
            let mut pr = mock::Pr::new(n, &bench_sha(n));
            pr.head = format!("release-{n}");
            pr.reviews = mock::connection(vec![mock::review("bob", "APPROVED", &pr.sha, true)]);
            let mut contexts = vec![mock::check_run("build", "COMPLETED", Some("SUCCESS"))];
            if let Some((output, body)) = published.and_then(|p| p.get(&n)) {
                contexts.push(mock::own_check_run(
                    5000 + n,
                    "IN_PROGRESS",
                    None,
                    output["title"].as_str().unwrap(),
                    output["summary"].as_str().unwrap(),
                ));
                pr.comments = mock::backward(vec![mock::comment(6000 + n, body, true)]);
            }
            pr.contexts = mock::connection(contexts);
            pr
        })
        .collect()
}

/// The benchmark of issue 3: API calls, sequential round trips and wall time for one PR and for
/// a `schedule` sweep over 20 open PRs, against a GitHub that answers every request 100 ms late.
/// Run: `cargo test -p shipgate --test all benchmark_api_calls -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn benchmark_api_calls_and_round_trips() {
    let bench = Bench::start().await;
    let schedule = json!({ "schedule": "*/30 * * * *" });
    let mut rows = Vec::new();

    // One PR, first evaluation (nothing published yet), then again with nothing changed.
    *bench.answer.lock().unwrap() = mock::Repo::default().with_pr(&bench_prs(1, None).remove(0));
    let (calls, rounds, wall, ran) = bench
        .measure("schedule", &schedule, &[("pull-request", "1")])
        .await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    rows.push(("one PR, first run", calls, rounds, wall));
    let published = bench.published().await;
    *bench.answer.lock().unwrap() =
        mock::Repo::default().with_pr(&bench_prs(1, Some(&published)).remove(0));
    let (calls, rounds, wall, _) = bench
        .measure("schedule", &schedule, &[("pull-request", "1")])
        .await;
    assert_eq!(calls, 1, "nothing changed: the read only");
    rows.push(("one PR, nothing changed", calls, rounds, wall));

    // `schedule` over 20 open PRs into main.
    let bench = Bench::start().await;
    *bench.answer.lock().unwrap() = mock::Repo::default().with_open(&bench_prs(20, None));
    let (calls, rounds, wall, ran) = bench.measure("schedule", &schedule, &[]).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    rows.push(("schedule, 20 PRs, first run", calls, rounds, wall));
    let published = bench.published().await;
    *bench.answer.lock().unwrap() =
        mock::Repo::default().with_open(&bench_prs(20, Some(&published)));
    let (calls, rounds, wall, _) = bench.measure("schedule", &schedule, &[]).await;
    assert_eq!(calls, 1, "nothing changed: the read only");
    rows.push(("schedule, 20 PRs, nothing changed", calls, rounds, wall));
    // Every verdict changed (a second approval everywhere → in place updates).
    let mut changed = bench_prs(20, Some(&published));
    for pr in &mut changed {
        pr.reviews = mock::connection(vec![
            mock::review("bob", "APPROVED", &pr.sha, true),
            mock::review("carol", "APPROVED", &pr.sha, true),
        ]);
    }
    *bench.answer.lock().unwrap() = mock::Repo::default().with_open(&changed);
    let (calls, rounds, wall, _) = bench.measure("schedule", &schedule, &[]).await;
    rows.push(("schedule, 20 PRs, all changed", calls, rounds, wall));

    // Start-up: the binary doing nothing but answering.
    let start = Instant::now();
    let runs = 20;
    for _ in 0..runs {
        let out = Command::new(shipgate_bin())
            .arg("--version")
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let startup = start.elapsed() / runs;

    println!("\n| scenario | API calls | sequential round trips | wall time |");
    println!("|---|---|---|---|");
    for (name, calls, rounds, wall) in &rows {
        println!("| {name} | {calls} | {rounds} | {} ms |", wall.as_millis());
    }
    println!(
        "\nstart-up (`shipgate --version`, mean of {runs}): {} µs",
        startup.as_micros()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_success_is_marked_in_progress_before_paging() {
    let Some(all) = examples() else { return };
    let server = MockServer::start().await;
    let mut pr = ready_pr();
    // More than 100 reviews: paging needed, so the standing success is withdrawn first.
    pr.reviews = mock::connection_more(vec![mock::review("bob", "APPROVED", HEAD, true)], "R1");
    pr.contexts = mock::connection(vec![
        mock::check_run("build", "COMPLETED", Some("SUCCESS")),
        mock::own_check_run(700, "COMPLETED", Some("SUCCESS"), "Pass", "old"),
    ]);
    graphql_answer(&server, "PullRequestFacts", ready_repo().with_pr(&pr)).await;
    graphql_answer(
        &server,
        "PullRequestMore",
        json!({"data": {"node": {"reviews": mock::connection(vec![
            mock::review("carol", "APPROVED", HEAD, true)
        ])}}}),
    )
    .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/Codertocat/Hello-World/check-runs/700"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 700})))
        .expect(2)
        .mount(&server)
        .await;
    let event = payload(&all, "pull_request", Some("opened"));
    let ran =
        run_blocking(Run::new(&server, "pull_request", &event).input("comment", "false")).await;
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert_eq!(
        ran.outputs["verdict"], "pass",
        "both pages of reviews counted"
    );
    let requests = received(&server).await;
    let order: Vec<String> = requests
        .iter()
        .map(|r| {
            let body = json_of(r);
            match body["operationName"].as_str() {
                Some(op) => op.to_string(),
                None => format!("{} {}", r.method, body["status"].as_str().unwrap_or("")),
            }
        })
        .collect();
    assert_eq!(
        order,
        vec![
            "PullRequestFacts",
            "PATCH in_progress",
            "PullRequestMore",
            "PATCH completed"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deployment_status_and_tag_push_read_the_open_prs() {
    let Some(all) = examples() else { return };
    for (name, event) in [
        (
            "deployment_status",
            payload(&all, "deployment_status", None),
        ),
        ("push", payload(&all, "push", None)),
    ] {
        let server = MockServer::start().await;
        // The tag push's commit is 6113728…: make it the head of PR #9.
        let mut tagged = mock::Pr::new(9, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
        tagged.base = "master".into();
        tagged.head = "next".into();
        graphql_answer(
            &server,
            "OpenPullRequestFacts",
            ready_repo().with_open(&[ready_pr(), tagged]),
        )
        .await;
        creations_succeed(&server).await;
        let ran = run_blocking(Run::new(&server, name, &event).input("comment", "false")).await;
        assert_eq!(ran.code, 0, "{name}: {}", ran.stdout);
        let numbers: Vec<u64> = ran.report()["pull_requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["subject"]["pull_request"].as_u64().unwrap())
            .collect();
        let expected = if name == "push" { vec![9] } else { vec![2, 9] };
        assert_eq!(numbers, expected, "{name}");
        let requests = received(&server).await;
        assert_eq!(find(&requests, "POST", "/api/graphql").len(), 1, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_input_dispatches_verify_with_its_inputs_as_flags() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let event = json!({});
    let url = format!("{}/health", server.uri());
    let ran = run_blocking(
        Run::new(&server, "workflow_dispatch", &event)
            .input("command", "verify")
            .input("health-urls", &format!("{url}\n\n{url}\n"))
            .input("wait", "5s")
            .input("timeout", "2s"),
    )
    .await;
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(ran.outputs["healthy"], "true", "{:?}", ran.outputs);
    assert!(ran.outputs.contains_key("report"));
    assert_eq!(find(&received(&server).await, "GET", "/health").len(), 2);

    // A bad value is a usage error naming the flag the input became.
    let ran = run_blocking(
        Run::new(&server, "workflow_dispatch", &event)
            .input("command", "verify")
            .input("health-urls", &url)
            .input("allow-http", "banana"),
    )
    .await;
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(
        ran.stdout.contains("::error::") && ran.stdout.contains("allow-http"),
        "{}",
        ran.stdout
    );
}

// ---- REST contract: every write through Prism with GitHub's OpenAPI description -------------

/// A `prism proxy --errors` started by `scripts/prism-proxy.sh`, stopped when dropped.
struct Prism {
    pid: String,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        // Only the process this test started, by its id.
        let _ = Command::new("kill").arg(&self.pid).status();
    }
}

/// Prism and the OpenAPI subset from `SHIPGATE_PRISM`/`SHIPGATE_OPENAPI` (exported by
/// `scripts/test.sh`), or `None` after saying so.
fn prism_tools() -> Option<Value> {
    let (Some(_), Some(spec)) = (
        std::env::var_os("SHIPGATE_PRISM"),
        std::env::var_os("SHIPGATE_OPENAPI"),
    ) else {
        if std::env::var("SHIPGATE_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("SHIPGATE_PRISM/SHIPGATE_OPENAPI are not set and SHIPGATE_REQUIRE_TOOLS=1");
        }
        eprintln!("SKIPPED: set SHIPGATE_PRISM and SHIPGATE_OPENAPI (scripts/test.sh does) to check shipgate's REST requests with Prism");
        return None;
    };
    let text = std::fs::read_to_string(&spec).expect("SHIPGATE_OPENAPI is readable");
    Some(serde_json::from_str(&text).expect("the OpenAPI subset is JSON"))
}

fn start_prism(upstream: &str) -> Prism {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new("bash")
        .arg(crate::support::repo_root().join("scripts/prism-proxy.sh"))
        .arg(upstream)
        .arg(port.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "prism did not start: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PRISM_PID="))
        .expect("PRISM_PID")
        .trim()
        .to_string();
    Prism {
        pid,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// GitHub's own example of a response (`components.examples[name]`), with `id` replaced.
fn example(spec: &Value, name: &str, id: u64) -> Value {
    let mut value = spec["components"]["examples"][name]["value"].clone();
    assert!(value.is_object(), "no example {name} in the OpenAPI subset");
    value["id"] = id.into();
    value
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_writes_are_valid_against_githubs_openapi_description() {
    let Some(all) = examples() else { return };
    let Some(spec) = prism_tools() else { return };
    let server = MockServer::start().await;
    let mut check_run = example(&spec, "check-run", 700);
    check_run["external_id"] = "shipgate".into();
    check_run["name"] = "shipgate".into();
    let comment = example(&spec, "issue-comment", 800);
    Mock::given(method("POST"))
        .and(path("/repos/Codertocat/Hello-World/check-runs"))
        .respond_with(ResponseTemplate::new(201).set_body_json(check_run.clone()))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/Codertocat/Hello-World/check-runs/700"))
        .respond_with(ResponseTemplate::new(200).set_body_json(check_run.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/Codertocat/Hello-World/issues/2/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment.clone()))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/Codertocat/Hello-World/issues/comments/800"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/repos/Codertocat/Hello-World/commits/{HEAD}/check-runs"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_count": 1, "check_runs": [check_run.clone()]
        })))
        .mount(&server)
        .await;
    let uri = server.uri();
    let prism = tokio::task::spawn_blocking(move || start_prism(&uri))
        .await
        .unwrap();
    let event = payload(&all, "pull_request", Some("opened"));
    let rest = |r: &Request| r.url.path().starts_with("/repos/");

    // 1. First evaluation: POST check run, POST comment.
    let first = MockServer::start().await;
    graphql_answer(
        &first,
        "PullRequestFacts",
        ready_repo().with_pr(&ready_pr()),
    )
    .await;
    let graphql = format!("{}/api/graphql", first.uri());
    let mut run = Run::new(&server, "pull_request", &event).api_url(&prism.url);
    run.env.insert("GITHUB_GRAPHQL_URL".into(), graphql.clone());
    let ran = run_blocking(run).await;
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let forwarded: Vec<String> = received(&server)
        .await
        .iter()
        .filter(|r| rest(r))
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        forwarded.len(),
        2,
        "Prism forwarded both writes: {forwarded:?}"
    );

    // 2. Updates in place: PATCH check run, PATCH comment.
    let mut pr = ready_pr();
    pr.contexts = mock::connection(vec![
        mock::check_run("build", "COMPLETED", Some("SUCCESS")),
        mock::own_check_run(700, "IN_PROGRESS", None, "Pending", "old"),
    ]);
    pr.comments = mock::backward(vec![mock::comment(
        800,
        "<!-- shipgate:sticky-comment -->\nold",
        true,
    )]);
    let second = MockServer::start().await;
    graphql_answer(&second, "PullRequestFacts", ready_repo().with_pr(&pr)).await;
    let mut run = Run::new(&server, "pull_request", &event).api_url(&prism.url);
    run.env.insert(
        "GITHUB_GRAPHQL_URL".into(),
        format!("{}/api/graphql", second.uri()),
    );
    let before = received(&server).await.len();
    let ran = run_blocking(run).await;
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let patches = received(&server).await[before..]
        .iter()
        .filter(|r| r.method.as_str() == "PATCH")
        .count();
    assert_eq!(patches, 2, "Prism forwarded both PATCHes");

    // 3. The read fails: the check run is looked up over REST and updated with the error.
    let broken = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"errors": [{"message": "boom"}]})),
        )
        .mount(&broken)
        .await;
    let mut run = Run::new(&server, "pull_request", &event).api_url(&prism.url);
    run.env.insert(
        "GITHUB_GRAPHQL_URL".into(),
        format!("{}/api/graphql", broken.uri()),
    );
    let before = received(&server).await.len();
    let ran = run_blocking(run).await;
    assert_eq!(ran.code, 1, "an error verdict: {}", ran.stdout);
    let calls: Vec<String> = received(&server).await[before..]
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(calls, vec!["GET", "PATCH"], "lookup, then the update");
}
