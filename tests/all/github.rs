//! Integration tests of `shipgate-github` against a `wiremock` GitHub: the one GraphQL read and
//! its paging, publishing (check run, commit-status fallback, sticky comment) with request
//! bodies and counts asserted, and the retry policy's fault handling.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shipgate_core::facts::{
    CheckConclusion, CheckStatus, DeploymentState, Permission, Repository, ReviewState, StatusState,
};
use shipgate_core::verdict::VerdictState;
use shipgate_github::facts::{
    self, ConfigFile, Existing, ExistingCheckRun, ExistingComment, ReadSpec, Selection,
    STICKY_MARKER,
};
use shipgate_github::publish::{Action, Publication, Publisher, Target};
use shipgate_github::{Client, ClientConfig, Error, RetryPolicy};
use wiremock::matchers::{body_partial_json, header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const TOKEN: &str = "ghs_TESTTOKEN0123456789";
pub const SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const OTHER_SHA: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// Builders of GraphQL answers shaped like `facts.graphql` asks.
pub mod mock {
    use serde_json::{json, Value};

    /// An empty connection.
    pub fn empty() -> Value {
        connection(vec![])
    }

    /// A connection with these nodes and no further page.
    pub fn connection(nodes: Vec<Value>) -> Value {
        json!({
            "pageInfo": { "hasNextPage": false, "endCursor": null },
            "nodes": nodes,
        })
    }

    /// A connection with a next page after `cursor`.
    pub fn connection_more(nodes: Vec<Value>, cursor: &str) -> Value {
        json!({
            "pageInfo": { "hasNextPage": true, "endCursor": cursor },
            "nodes": nodes,
        })
    }

    /// A connection read backwards (`last:`, the comments) with no earlier page.
    pub fn backward(nodes: Vec<Value>) -> Value {
        json!({
            "pageInfo": { "hasPreviousPage": false, "startCursor": null },
            "nodes": nodes,
        })
    }

    /// A connection read backwards with an earlier page before `cursor`.
    pub fn backward_more(nodes: Vec<Value>, cursor: &str) -> Value {
        json!({
            "pageInfo": { "hasPreviousPage": true, "startCursor": cursor },
            "nodes": nodes,
        })
    }

    /// A pull request node.
    pub struct Pr {
        /// Number.
        pub number: u64,
        /// Head SHA.
        pub sha: String,
        /// Base branch.
        pub base: String,
        /// Head branch.
        pub head: String,
        /// Title.
        pub title: String,
        /// Body.
        pub body: String,
        /// Reviews connection.
        pub reviews: Value,
        /// Check contexts connection.
        pub contexts: Value,
        /// Comments connection.
        pub comments: Value,
        /// Files connection.
        pub files: Value,
    }

    impl Pr {
        /// A PR from `staging/v1.4.0` into `main` with nothing on it.
        pub fn new(number: u64, sha: &str) -> Self {
            Self {
                number,
                sha: sha.into(),
                base: "main".into(),
                head: "staging/v1.4.0".into(),
                title: format!("Release v1.4.0 (#{number})"),
                body: "- [x] rollback plan ready".into(),
                reviews: empty(),
                contexts: empty(),
                comments: backward(vec![]),
                files: connection(vec![json!({"path": "src/lib.rs"})]),
            }
        }

        /// The node.
        pub fn node(&self) -> Value {
            json!({
                "id": format!("PR_{}", self.number),
                "number": self.number,
                "title": self.title,
                "body": self.body,
                "isDraft": false,
                "isCrossRepository": false,
                "headRefName": self.head,
                "headRefOid": self.sha,
                "baseRefName": self.base,
                "author": { "__typename": "User", "login": "alice" },
                "files": self.files,
                "reviews": self.reviews,
                "comments": self.comments,
                "statusCheckRollup": {
                    "commit": { "oid": self.sha, "committedDate": "2026-11-20T10:00:00Z" },
                    "contexts": self.contexts,
                },
            })
        }
    }

    /// A review node.
    pub fn review(login: &str, state: &str, sha: &str, can_push: bool) -> Value {
        json!({
            "author": { "__typename": if login.ends_with("[bot]") { "Bot" } else { "User" }, "login": login },
            "authorCanPushToRepository": can_push,
            "state": state,
            "submittedAt": "2026-11-21T09:00:00Z",
            "commit": { "oid": sha },
        })
    }

    /// A check-run context.
    pub fn check_run(name: &str, status: &str, conclusion: Option<&str>) -> Value {
        json!({
            "__typename": "CheckRun",
            "databaseId": 555,
            "name": name,
            "status": status,
            "conclusion": conclusion,
            "startedAt": "2026-11-21T08:00:00Z",
            "completedAt": conclusion.map(|_| "2026-11-21T08:05:00Z"),
            "externalId": null,
            "title": null, "summary": null, "text": null,
            "checkSuite": { "app": { "slug": "github-actions" }, "workflowRun": null },
        })
    }

    /// shipgate's own check run as an earlier run left it.
    pub fn own_check_run(
        id: u64,
        status: &str,
        conclusion: Option<&str>,
        title: &str,
        summary: &str,
    ) -> Value {
        json!({
            "__typename": "CheckRun",
            "databaseId": id,
            "name": "shipgate",
            "status": status,
            "conclusion": conclusion,
            "startedAt": "2026-11-21T08:00:00Z",
            "completedAt": null,
            "externalId": "shipgate",
            "title": title, "summary": summary, "text": "",
            "checkSuite": { "app": { "slug": "github-actions" }, "workflowRun": null },
        })
    }

    /// A commit-status context.
    pub fn status(context: &str, state: &str, description: &str) -> Value {
        json!({
            "__typename": "StatusContext",
            "context": context,
            "state": state,
            "createdAt": "2026-11-21T08:00:00Z",
            "description": description,
        })
    }

    /// An issue comment.
    pub fn comment(id: u64, body: &str, mine: bool) -> Value {
        json!({ "databaseId": id, "body": body, "viewerDidAuthor": mine })
    }

    /// A deployment with statuses `(state, createdAt)`.
    pub fn deployment(
        id: u64,
        environment: &str,
        sha: &str,
        created_at: &str,
        statuses: &[(&str, &str)],
    ) -> Value {
        json!({
            "id": format!("DE_{id}"),
            "databaseId": id,
            "environment": environment,
            "ref": { "name": "staging/v1.4.0" },
            "commitOid": sha,
            "createdAt": created_at,
            "creator": { "login": "deployer" },
            "statuses": connection(statuses.iter().map(|(state, at)| json!({
                "state": state, "createdAt": at, "description": null
            })).collect()),
        })
    }

    /// An annotated tag on `sha`.
    pub fn annotated_tag(name: &str, sha: &str) -> Value {
        json!({
            "name": name,
            "target": {
                "__typename": "Tag", "oid": tag_object_id(name),
                "tagger": { "name": "Release Bot", "date": "2026-11-21T07:00:00Z" },
                "target": { "__typename": "Commit", "oid": sha },
            },
        })
    }

    /// A made-up but well-formed object id for the tag object of `name`.
    fn tag_object_id(name: &str) -> String {
        let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{hex:e<40}").chars().take(40).collect()
    }

    /// A lightweight tag on `sha`.
    pub fn lightweight_tag(name: &str, sha: &str) -> Value {
        json!({ "name": name, "target": { "__typename": "Commit", "oid": sha } })
    }

    /// Repository-wide fields.
    pub struct Repo {
        /// Tags connection.
        pub refs: Value,
        /// Releases connection.
        pub releases: Value,
        /// Staging deployments connection.
        pub staging: Value,
        /// Production deployments connection.
        pub production: Value,
        /// The config file text, when there is one.
        pub config: Option<String>,
    }

    impl Default for Repo {
        fn default() -> Self {
            Self {
                refs: empty(),
                releases: empty(),
                staging: empty(),
                production: empty(),
                config: None,
            }
        }
    }

    impl Repo {
        fn fields(&self) -> serde_json::Map<String, Value> {
            let mut map = serde_json::Map::new();
            map.insert("refs".into(), self.refs.clone());
            map.insert("releases".into(), self.releases.clone());
            map.insert("staging".into(), self.staging.clone());
            map.insert("production".into(), self.production.clone());
            map.insert(
                "config".into(),
                match &self.config {
                    Some(text) => json!({"__typename": "Blob", "text": text, "isTruncated": false, "isBinary": false}),
                    None => Value::Null,
                },
            );
            map
        }

        /// The `PullRequestFacts` answer.
        pub fn with_pr(&self, pr: &Pr) -> Value {
            let mut repo = self.fields();
            repo.insert("pullRequest".into(), pr.node());
            json!({ "data": { "repository": repo } })
        }

        /// The `OpenPullRequestFacts` answer.
        pub fn with_open(&self, prs: &[Pr]) -> Value {
            let mut repo = self.fields();
            repo.insert(
                "pullRequests".into(),
                connection(prs.iter().map(Pr::node).collect()),
            );
            json!({ "data": { "repository": repo } })
        }
    }
}

/// A `before_paging` hook that writes nothing.
async fn no_hook(_: Vec<facts::Head>) -> Vec<facts::Head> {
    Vec::new()
}

fn spec() -> ReadSpec {
    ReadSpec {
        repository: Repository {
            owner: "acme".into(),
            name: "shop".into(),
        },
        production_branch: "main".into(),
        staging_environment: "staging".into(),
        production_environment: "production".into(),
        config_path: ".github/shipgate.yml".into(),
        check_name: "shipgate".into(),
        own_workflow_run: Some(4242),
    }
}

fn client_for(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::with_policy(
        ClientConfig {
            token: TOKEN.into(),
            api_url: server.uri(),
            graphql_url: format!("{}/graphql", server.uri()),
        },
        policy,
    )
    .unwrap()
}

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-27T12:00:00Z".parse().unwrap()
}

fn graphql_ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn body_json(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn one_pr_is_read_in_one_graphql_request_and_mapped() {
    let server = MockServer::start().await;
    let mut pr = mock::Pr::new(7, SHA);
    pr.reviews = mock::connection(vec![
        mock::review("bob", "APPROVED", SHA, true),
        mock::review("carol", "CHANGES_REQUESTED", OTHER_SHA, false),
        mock::review("dependabot[bot]", "APPROVED", SHA, true),
        mock::review("dave", "PENDING", SHA, true),
    ]);
    // The job running shipgate right now (workflow run 4242) is always in progress while it
    // reads: it is set apart; a job of another run is a check like any other.
    let job = |name: &str, run: u64| {
        let mut c = mock::check_run(name, "IN_PROGRESS", None);
        c["checkSuite"]["workflowRun"] = json!({ "databaseId": run });
        c
    };
    pr.contexts = mock::connection(vec![
        mock::check_run("build", "COMPLETED", Some("SUCCESS")),
        mock::own_check_run(901, "IN_PROGRESS", None, "pending", "rows"),
        mock::status("ci/legacy", "EXPECTED", "waiting"),
        job("evaluate", 4242),
        job("e2e", 77),
    ]);
    pr.comments = mock::backward(vec![
        mock::comment(11, &format!("{STICKY_MARKER}\nforged"), false),
        mock::comment(12, &format!("{STICKY_MARKER}\nreport"), true),
    ]);
    let repo = mock::Repo {
        refs: mock::connection(vec![
            mock::annotated_tag("v1.4.0", SHA),
            mock::lightweight_tag("v1.3.0", OTHER_SHA),
        ]),
        staging: mock::connection(vec![mock::deployment(
            1,
            "staging",
            SHA,
            "2026-11-25T10:00:00Z",
            &[
                ("SUCCESS", "2026-11-25T10:05:00Z"),
                ("WAITING", "2026-11-25T10:01:00Z"),
            ],
        )]),
        releases: mock::connection(vec![
            json!({"tagName": "v1.3.0", "isDraft": false, "isPrerelease": false, "publishedAt": "2026-10-01T00:00:00Z"}),
        ]),
        config: Some("soak:\n  duration: 12h\n".into()),
        ..mock::Repo::default()
    };
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("x-github-api-version", "2022-11-28"))
        .and(header(
            "user-agent",
            concat!("shipgate/", env!("CARGO_PKG_VERSION")),
        ))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_partial_json(json!({
            "operationName": "PullRequestFacts",
            "variables": {
                "owner": "acme", "name": "shop", "number": 7,
                "stagingEnvironment": "staging", "productionEnvironment": "production",
                "config": "refs/heads/main:.github/shipgate.yml",
            }
        })))
        .respond_with(graphql_ok(repo.with_pr(&pr)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let snapshot = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap();
    assert_eq!(snapshot.requests, 1);
    assert_eq!(
        snapshot.config,
        ConfigFile::Text("soak:\n  duration: 12h\n".into())
    );
    let [candidate] = snapshot.candidates.as_slice() else {
        panic!("one candidate")
    };
    let f = &candidate.facts;
    assert_eq!(f.sha, SHA);
    assert_eq!(f.captured_at, now());
    let pr_facts = f.pull_request.as_ref().unwrap();
    assert_eq!(pr_facts.number, 7);
    assert_eq!(pr_facts.head_branch, "staging/v1.4.0");
    assert_eq!(pr_facts.changed_files, vec!["src/lib.rs".to_string()]);
    // PENDING reviews are dropped; permission from authorCanPushToRepository; bots flagged.
    assert_eq!(f.reviews.len(), 3);
    assert_eq!(f.reviews[0].permission, Permission::Write);
    assert_eq!(f.reviews[1].permission, Permission::Read);
    assert_eq!(f.reviews[1].state, ReviewState::ChangesRequested);
    assert!(f.reviews[2].reviewer.bot);
    // Own check run and this workflow run's own job set apart; others kept.
    let names: Vec<&str> = f.check_runs.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["build", "e2e"]);
    assert_eq!(f.check_runs[0].app.as_deref(), Some("github-actions"));
    assert_eq!(f.statuses[0].state, StatusState::Pending);
    let own = candidate.existing.check_run.as_ref().unwrap();
    assert_eq!(own.id, 901);
    assert_eq!(own.status, CheckStatus::InProgress);
    // The marker in someone else's comment is not ours.
    assert_eq!(candidate.existing.comment.as_ref().unwrap().id, 12);
    // Tags peeled; annotated told apart.
    assert_eq!(f.tags.len(), 2);
    assert!(f.tags[0].annotated && f.tags[0].target_sha == SHA);
    assert_eq!(f.tags[0].tagger.as_deref(), Some("Release Bot"));
    assert!(!f.tags[1].annotated);
    assert_eq!(f.deployments[0].statuses[0].state, DeploymentState::Success);
    assert_eq!(f.deployments[0].statuses[1].state, DeploymentState::Pending);
    assert_eq!(f.releases[0].tag_name, "v1.3.0");
    // What we read is a valid facts document.
    shipgate_core::Facts::from_json(&f.to_json(), None).unwrap();
}

#[tokio::test]
async fn every_open_pr_is_read_in_one_request_and_ghes_urls_are_used() {
    let server = MockServer::start().await;
    let repo = mock::Repo::default();
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_partial_json(json!({
            "operationName": "OpenPullRequestFacts",
            "variables": { "base": "main" }
        })))
        .respond_with(graphql_ok(
            repo.with_open(&[mock::Pr::new(1, SHA), mock::Pr::new(2, OTHER_SHA)]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_policy(
        ClientConfig {
            token: TOKEN.into(),
            api_url: format!("{}/api/v3", server.uri()),
            graphql_url: format!("{}/api/graphql", server.uri()),
        },
        RetryPolicy::fast(),
    )
    .unwrap();
    let snapshot = facts::read(
        &client,
        &spec(),
        Selection::OpenIntoProduction,
        now(),
        no_hook,
    )
    .await
    .unwrap();
    assert_eq!(snapshot.requests, 1);
    assert_eq!(snapshot.config, ConfigFile::Absent);
    let numbers: Vec<u64> = snapshot.candidates.iter().map(|c| c.number()).collect();
    assert_eq!(numbers, vec![1, 2]);
}

#[tokio::test]
async fn connections_past_100_items_are_paged_only_as_far_as_needed() {
    let server = MockServer::start().await;
    let mut pr = mock::Pr::new(7, SHA);
    pr.reviews = mock::connection_more(vec![mock::review("bob", "APPROVED", SHA, true)], "R1");
    // The sticky comment is on the first page read: older comments are not paged.
    pr.comments = mock::backward_more(vec![mock::comment(5, STICKY_MARKER, true)], "C1");
    let repo = mock::Repo {
        refs: mock::connection_more(vec![mock::annotated_tag("v1.0.0", OTHER_SHA)], "T1"),
        // Staging deployments older than a day before the commit: not paged further.
        staging: mock::connection_more(
            vec![mock::deployment(
                1,
                "staging",
                OTHER_SHA,
                "2026-11-01T00:00:00Z",
                &[],
            )],
            "S1",
        ),
        ..mock::Repo::default()
    };
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(
            json!({"operationName": "PullRequestFacts"}),
        ))
        .respond_with(graphql_ok(repo.with_pr(&pr)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({
            "operationName": "PullRequestMore",
            "variables": { "id": "PR_7", "reviews": true, "reviewsAfter": "R1",
                           "files": false, "comments": false, "contexts": false }
        })))
        .respond_with(graphql_ok(json!({"data": {"node": {
            "reviews": mock::connection(vec![mock::review("carol", "APPROVED", SHA, true)])
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_partial_json(json!({
            "operationName": "RepositoryMore",
            "variables": { "tags": true, "tagsAfter": "T1", "staging": false,
                           "production": false, "releases": false }
        })))
        .respond_with(graphql_ok(json!({"data": {"repository": {
            "refs": mock::connection(vec![mock::annotated_tag("v1.4.0", SHA)])
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let hooked = std::sync::atomic::AtomicBool::new(false);
    let snapshot = facts::read(
        &client,
        &spec(),
        Selection::PullRequest(7),
        now(),
        |heads| {
            hooked.store(true, std::sync::atomic::Ordering::Relaxed);
            async move { heads }
        },
    )
    .await
    .unwrap();
    assert!(hooked.into_inner(), "paging was needed: the hook ran first");
    assert_eq!(snapshot.requests, 3);
    let f = &snapshot.candidates[0].facts;
    assert_eq!(f.reviews.len(), 2);
    assert_eq!(f.tags.len(), 2);
    assert_eq!(f.deployments.len(), 1);
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn graphql_errors_with_partial_data_are_an_error_with_the_message() {
    let server = MockServer::start().await;
    let mut answer = mock::Repo::default().with_pr(&mock::Pr::new(7, SHA));
    answer["errors"] = json!([{
        "message": "Resource not accessible by integration",
        "path": ["repository", "staging"],
    }]);
    Mock::given(method("POST"))
        .respond_with(graphql_ok(answer))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let err = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::GraphQl(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("Resource not accessible by integration (at repository.staging)"),
        "{err}"
    );
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let server = MockServer::start().await;
    let full = mock::Repo::default()
        .with_pr(&mock::Pr::new(7, SHA))
        .to_string();
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(&full[..full.len() / 2], "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let err = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[tokio::test]
async fn a_500_then_success_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(graphql_ok(
            mock::Repo::default().with_pr(&mock::Pr::new(7, SHA)),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let snapshot = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap();
    assert_eq!(snapshot.candidates.len(), 1);
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_502_forever_gives_up_within_the_bound() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_attempts: 10,
        max_total: Duration::from_millis(400),
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(100),
        ..RetryPolicy::fast()
    };
    let client = client_for(&server, policy);
    let start = Instant::now();
    let err = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap_err();
    let elapsed = start.elapsed();
    // The bound, plus a little for the scheduler of a busy machine.
    assert!(elapsed < Duration::from_millis(480), "{elapsed:?}");
    assert!(matches!(err, Error::Status { status: 502, .. }), "{err:?}");
    assert!(err.to_string().contains("gave up after"), "{err}");
    let attempts = requests(&server).await.len();
    assert!((2..10).contains(&attempts), "{attempts} attempts");
}

#[tokio::test]
async fn a_secondary_rate_limit_waits_for_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit."})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(graphql_ok(
            mock::Repo::default().with_pr(&mock::Pr::new(7, SHA)),
        ))
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let start = Instant::now();
    facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "retry-after honoured"
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_bound_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(json!({"message": "slow down"})),
        )
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let start = Instant::now();
    let err = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(matches!(err, Error::Status { status: 429, .. }), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_timeout_is_a_transport_error_after_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(graphql_ok(json!({"data": null})).set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        max_attempts: 2,
        request_timeout: Duration::from_millis(100),
        ..RetryPolicy::fast()
    };
    let client = client_for(&server, policy);
    let start = Instant::now();
    let err = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap_err();
    assert!(start.elapsed() < Duration::from_millis(450));
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        err.to_string().contains("no complete answer within 100 ms"),
        "{err}"
    );
}

#[tokio::test]
async fn errors_never_contain_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"message": format!("Bad credentials: {TOKEN}")})),
        )
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let err = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?} {client:?}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("Bad credentials: ***"), "{text}");
}

// ---- publishing ----------------------------------------------------------------------------

fn repository() -> Repository {
    Repository {
        owner: "acme".into(),
        name: "shop".into(),
    }
}

fn publication(state: VerdictState, title: &str) -> Publication {
    Publication {
        check_name: "shipgate".into(),
        state,
        title: title.into(),
        summary: "| gate | state |\n|---|---|\n| soak | pass |".into(),
        text: None,
        details_url: Some("https://github.com/acme/shop/actions/runs/1".into()),
        comment: Some(format!("## shipgate: {title}")),
    }
}

#[tokio::test]
async fn first_publication_creates_check_run_and_comment_then_nothing_when_unchanged() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/check-runs"))
        .and(body_partial_json(json!({
            "name": "shipgate", "head_sha": SHA, "status": "completed",
            "conclusion": "success", "external_id": "shipgate",
            "output": { "title": "pass: ready to release" },
            "details_url": "https://github.com/acme/shop/actions/runs/1",
        })))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 77, "name": "shipgate"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/7/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 88})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let publisher = Publisher::new(&client);
    let repo = repository();
    let target = Target {
        repository: &repo,
        sha: SHA,
        pull_request: Some(7),
    };
    let mut existing = Existing::default();
    let pass = publication(VerdictState::Pass, "pass: ready to release");
    let done = publisher
        .publish(target, &pass, &mut existing)
        .await
        .unwrap();
    assert_eq!(done.check_run, Some(Action::Created));
    assert_eq!(done.comment, Action::Created);
    assert_eq!(done.calls(), 2);
    let posted = requests(&server).await;
    let comment = posted
        .iter()
        .find(|r| r.url.path().ends_with("/comments"))
        .unwrap();
    let body = body_json(comment);
    assert!(body["body"].as_str().unwrap().starts_with(STICKY_MARKER));
    // Same verdict again: zero calls.
    let again = publisher
        .publish(target, &pass, &mut existing)
        .await
        .unwrap();
    assert_eq!(again.calls(), 0);
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn later_publications_update_in_place_with_patch() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/shop/check-runs/77"))
        .and(body_partial_json(json!({
            "status": "in_progress",
            "output": { "title": "pending: 1 of 2 approvals" },
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 77})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/shop/issues/comments/88"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 88})))
        .expect(1)
        .mount(&server)
        .await;
    // No creation may happen.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let publisher = Publisher::new(&client);
    let repo = repository();
    let target = Target {
        repository: &repo,
        sha: SHA,
        pull_request: Some(7),
    };
    let mut existing = Existing {
        check_run: Some(ExistingCheckRun {
            id: 77,
            status: CheckStatus::Completed,
            conclusion: Some(CheckConclusion::Success),
            title: "pass".into(),
            summary: "old".into(),
            text: String::new(),
        }),
        status: None,
        comment: Some(ExistingComment {
            id: 88,
            body: format!("{STICKY_MARKER}\nold"),
        }),
    };
    let pending = publication(VerdictState::Pending, "pending: 1 of 2 approvals");
    let done = publisher
        .publish(target, &pending, &mut existing)
        .await
        .unwrap();
    assert_eq!(done.check_run, Some(Action::Updated));
    assert_eq!(done.comment, Action::Updated);
    let patched = requests(&server).await;
    let run_patch = body_json(&patched[0]);
    assert!(run_patch.get("conclusion").is_none(), "{run_patch}");
    assert!(run_patch.get("head_sha").is_none(), "{run_patch}");
    // And again: nothing.
    let again = publisher
        .publish(target, &pending, &mut existing)
        .await
        .unwrap();
    assert_eq!(again.calls(), 0);
}

#[tokio::test]
async fn without_checks_permission_a_commit_status_is_used() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/check-runs"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/repos/acme/shop/statuses/[ab]{40}$"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"context": "shipgate", "state": "failure"})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let publisher = Publisher::new(&client);
    let repo = repository();
    let long_title = format!("fail: {}", "x".repeat(300));
    let mut fail = publication(VerdictState::Fail, &long_title);
    fail.comment = None;
    let mut existing = Existing::default();
    let first = Target {
        repository: &repo,
        sha: SHA,
        pull_request: Some(7),
    };
    let done = publisher
        .publish(first, &fail, &mut existing)
        .await
        .unwrap();
    assert_eq!(done.check_run, None);
    assert_eq!(done.status, Some(Action::Created));
    assert!(publisher.uses_statuses());
    // A second PR goes straight to statuses: no second check-run attempt.
    let second = Target {
        repository: &repo,
        sha: OTHER_SHA,
        pull_request: Some(8),
    };
    let mut other = Existing::default();
    publisher.publish(second, &fail, &mut other).await.unwrap();
    let posted = requests(&server).await;
    let status = posted
        .iter()
        .find(|r| r.url.path().contains("/statuses/"))
        .unwrap();
    let body = body_json(status);
    assert_eq!(body["state"], "failure");
    assert_eq!(body["context"], "shipgate");
    assert_eq!(body["description"].as_str().unwrap().chars().count(), 140);
    // Unchanged: not re-posted.
    let again = publisher
        .publish(first, &fail, &mut existing)
        .await
        .unwrap();
    assert_eq!(again.status, Some(Action::Unchanged));
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_doubtful_create_is_looked_up_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/check-runs"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/repos/acme/shop/commits/{SHA}/check-runs")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_count": 1,
            "check_runs": [{"id": 99, "name": "shipgate", "external_id": "shipgate"}],
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let publisher = Publisher::new(&client);
    let repo = repository();
    let mut existing = Existing::default();
    let mut pass = publication(VerdictState::Pass, "pass");
    pass.comment = None;
    let target = Target {
        repository: &repo,
        sha: SHA,
        pull_request: Some(7),
    };
    let done = publisher
        .publish(target, &pass, &mut existing)
        .await
        .unwrap();
    assert_eq!(done.check_run, Some(Action::Created));
    assert_eq!(existing.check_run.unwrap().id, 99);
    let get = requests(&server)
        .await
        .into_iter()
        .find(|r| r.method.as_str() == "GET")
        .unwrap();
    assert_eq!(
        get.url.query(),
        Some("check_name=shipgate&filter=latest&per_page=100")
    );
}

#[tokio::test]
async fn a_doubtful_create_that_did_not_land_is_tried_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/7/comments"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/issues/7/comments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 5})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/shop/issues/7/comments"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"id": 1, "body": "unrelated"}])),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/shop/check-runs"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 3})))
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let publisher = Publisher::new(&client);
    let repo = repository();
    let mut existing = Existing::default();
    let target = Target {
        repository: &repo,
        sha: SHA,
        pull_request: Some(7),
    };
    let done = publisher
        .publish(
            target,
            &publication(VerdictState::Pass, "pass"),
            &mut existing,
        )
        .await
        .unwrap();
    assert_eq!(done.comment, Action::Created);
    assert_eq!(existing.comment.unwrap().id, 5);
    let posts = requests(&server)
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/comments"))
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test]
async fn an_old_success_is_marked_in_progress_before_slow_work() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/shop/check-runs/77"))
        .and(body_partial_json(json!({"status": "in_progress"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 77})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let publisher = Publisher::new(&client);
    let repo = repository();
    let target = Target {
        repository: &repo,
        sha: SHA,
        pull_request: Some(7),
    };
    let mut passing = Existing {
        check_run: Some(ExistingCheckRun {
            id: 77,
            status: CheckStatus::Completed,
            conclusion: Some(CheckConclusion::Success),
            title: "pass".into(),
            summary: String::new(),
            text: String::new(),
        }),
        ..Existing::default()
    };
    assert!(publisher
        .mark_in_progress(target, "shipgate", &mut passing)
        .await
        .unwrap());
    // Now in progress: a second call writes nothing; a failing run is never touched.
    assert!(!publisher
        .mark_in_progress(target, "shipgate", &mut passing)
        .await
        .unwrap());
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn writes_burst_then_are_paced() {
    use std::sync::{Arc, Mutex};
    let server = MockServer::start().await;
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let log = arrivals.clone();
    Mock::given(method("POST"))
        .respond_with(move |_: &Request| {
            log.lock().unwrap().push(Instant::now());
            ResponseTemplate::new(201).set_body_json(json!({"id": 1}))
        })
        .mount(&server)
        .await;
    let policy = RetryPolicy {
        write_burst: 2,
        write_spacing: Duration::from_millis(150),
        ..RetryPolicy::fast()
    };
    let client = client_for(&server, policy);
    let start = Instant::now();
    let posts = (0..4).map(|i| {
        let client = client.clone();
        async move {
            client
                .post::<_, Value>(
                    &format!("/repos/acme/shop/issues/{i}/comments"),
                    &json!({"body": "x"}),
                )
                .await
                .unwrap()
        }
    });
    futures::future::join_all(posts).await;
    let mut times: Vec<Duration> = arrivals
        .lock()
        .unwrap()
        .iter()
        .map(|t| t.duration_since(start))
        .collect();
    times.sort();
    assert!(
        times[1] < Duration::from_millis(100),
        "burst of two: {times:?}"
    );
    assert!(
        times[2] >= Duration::from_millis(140),
        "third paced: {times:?}"
    );
    assert!(
        times[3] >= Duration::from_millis(290),
        "fourth paced: {times:?}"
    );
}

/// One operation of `facts.graphql` with every fragment, as its own document (the schema
/// checker executes documents with a single operation).
fn single_operation(document: &str, operation: &str) -> String {
    // Top-level definitions start at column 0 and end with the `}` that balances their first `{`.
    let mut definitions = Vec::new();
    let mut rest = document;
    while let Some(start) = rest.find(['q', 'f']) {
        let text = &rest[start..];
        let at_line_start = start == 0 || rest[..start].ends_with('\n');
        if !(at_line_start && (text.starts_with("query ") || text.starts_with("fragment "))) {
            rest = &rest[start + 1..];
            continue;
        }
        let mut depth = 0usize;
        let mut end = text.len();
        for (i, c) in text.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        definitions.push(&text[..end]);
        rest = &text[end..];
    }
    definitions
        .into_iter()
        .filter(|d| d.starts_with("fragment ") || d.starts_with(&format!("query {operation}(")))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The mock answers are exactly what `facts.graphql` selects, by GitHub's schema: checked with
/// `scripts/graphql-check.mjs answer` (`SHIPGATE_GRAPHQL_CHECK`, exported by `scripts/test.sh`).
#[test]
fn mock_answers_match_githubs_schema() {
    let Some(checker) = std::env::var_os("SHIPGATE_GRAPHQL_CHECK") else {
        if std::env::var("SHIPGATE_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("SHIPGATE_GRAPHQL_CHECK is not set and SHIPGATE_REQUIRE_TOOLS=1");
        }
        eprintln!("SKIPPED: set SHIPGATE_GRAPHQL_CHECK (scripts/test.sh does) to check the mock answers against GitHub's schema");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut pr = mock::Pr::new(7, SHA);
    pr.reviews = mock::connection(vec![mock::review("bob", "APPROVED", SHA, true)]);
    pr.contexts = mock::connection(vec![
        mock::check_run("build", "COMPLETED", Some("SUCCESS")),
        mock::own_check_run(9, "IN_PROGRESS", None, "t", "s"),
        mock::status("ci", "SUCCESS", "ok"),
    ]);
    pr.comments = mock::backward(vec![mock::comment(1, STICKY_MARKER, true)]);
    let repo = mock::Repo {
        refs: mock::connection(vec![
            mock::annotated_tag("v1.4.0", SHA),
            mock::lightweight_tag("v1.3.0", OTHER_SHA),
        ]),
        staging: mock::connection(vec![mock::deployment(
            1,
            "staging",
            SHA,
            "2026-11-25T10:00:00Z",
            &[("SUCCESS", "2026-11-25T10:05:00Z")],
        )]),
        releases: mock::connection(vec![
            json!({"tagName": "v1.3.0", "isDraft": false, "isPrerelease": false, "publishedAt": "2026-10-01T00:00:00Z"}),
        ]),
        config: Some("soak: {}\n".into()),
        ..mock::Repo::default()
    };
    let common = json!({"owner": "acme", "name": "shop", "stagingEnvironment": "staging",
                        "productionEnvironment": "production", "config": "refs/heads/main:.github/shipgate.yml"});
    let mut pr_vars = common.clone();
    pr_vars["number"] = 7.into();
    let mut open_vars = common;
    open_vars["base"] = "main".into();
    let cases = [
        ("PullRequestFacts", repo.with_pr(&pr), pr_vars),
        ("OpenPullRequestFacts", repo.with_open(&[pr]), open_vars),
    ];
    for (operation, answer, variables) in cases {
        let doc = dir.path().join(format!("{operation}.graphql"));
        let answer_file = dir.path().join(format!("{operation}.json"));
        let vars_file = dir.path().join(format!("{operation}.vars.json"));
        std::fs::write(&doc, single_operation(facts::DOCUMENT, operation)).unwrap();
        std::fs::write(&answer_file, answer.to_string()).unwrap();
        std::fs::write(&vars_file, variables.to_string()).unwrap();
        let out = std::process::Command::new("node")
            .arg(&checker)
            .arg("answer")
            .args([&doc, &answer_file, &vars_file])
            .output()
            .expect("node runs");
        assert!(
            out.status.success(),
            "{operation}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn old_staging_deployments_are_not_paged_and_recent_ones_are() {
    let server = MockServer::start().await;
    // The head commit is dated 2026-11-20: deployments before 2026-11-19 cannot concern it.
    let old = mock::Repo {
        staging: mock::connection_more(
            vec![mock::deployment(
                1,
                "staging",
                OTHER_SHA,
                "2026-11-18T00:00:00Z",
                &[],
            )],
            "S1",
        ),
        ..mock::Repo::default()
    };
    Mock::given(method("POST"))
        .respond_with(graphql_ok(old.with_pr(&mock::Pr::new(7, SHA))))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let hooked = std::sync::atomic::AtomicBool::new(false);
    let snapshot = facts::read(
        &client,
        &spec(),
        Selection::PullRequest(7),
        now(),
        |heads| {
            hooked.store(true, std::sync::atomic::Ordering::Relaxed);
            async move { heads }
        },
    )
    .await
    .unwrap();
    assert!(
        !hooked.into_inner(),
        "nothing needed: no pending state, no paging"
    );
    assert_eq!(snapshot.requests, 1);

    let server = MockServer::start().await;
    let recent = mock::Repo {
        staging: mock::connection_more(
            vec![mock::deployment(
                2,
                "staging",
                OTHER_SHA,
                "2026-11-22T00:00:00Z",
                &[],
            )],
            "S2",
        ),
        ..mock::Repo::default()
    };
    Mock::given(method("POST"))
        .and(body_partial_json(
            json!({"operationName": "PullRequestFacts"}),
        ))
        .respond_with(graphql_ok(recent.with_pr(&mock::Pr::new(7, SHA))))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({
            "operationName": "RepositoryMore",
            "variables": {"staging": true, "stagingAfter": "S2", "tags": false, "production": false}
        })))
        .respond_with(graphql_ok(json!({"data": {"repository": {
            "staging": mock::connection(vec![mock::deployment(
                1, "staging", SHA, "2026-11-21T00:00:00Z",
                &[("SUCCESS", "2026-11-21T00:01:00Z")],
            )])
        }}})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let snapshot = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap();
    assert_eq!(snapshot.requests, 2);
    assert_eq!(snapshot.candidates[0].facts.deployments.len(), 2);
}

#[tokio::test]
async fn a_graphql_rate_limit_in_a_200_is_retried_after_the_reset() {
    let server = MockServer::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for installation."}]})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(graphql_ok(
            mock::Repo::default().with_pr(&mock::Pr::new(7, SHA)),
        ))
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap();
    assert_eq!(requests(&server).await.len(), 2);

    // A reset beyond the bound: not waited for; the error says what happened.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", (reset + 3600).to_string().as_str())
                .set_body_json(json!({"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for installation."}]})),
        )
        .mount(&server)
        .await;
    let client = client_for(&server, RetryPolicy::fast());
    let err = facts::read(&client, &spec(), Selection::PullRequest(7), now(), no_hook)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("rate limited: API rate limit exceeded for installation."),
        "{err}"
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn shipgate_facts_writes_a_valid_facts_file() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .respond_with(graphql_ok(
            mock::Repo::default().with_pr(&mock::Pr::new(7, SHA)),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("facts.json");
    let uri = server.uri();
    let out_arg = out.clone();
    let result = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::support::shipgate_bin())
            .args(["facts", "--repo", "acme/shop", "--pr", "7", "--out"])
            .arg(&out_arg)
            .env_clear()
            .env("GH_TOKEN", TOKEN)
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_GRAPHQL_URL", format!("{uri}/api/graphql"))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(
        stdout.contains("wrote the facts of acme/shop#7"),
        "{stdout}"
    );
    let facts =
        shipgate_core::Facts::from_json(&std::fs::read_to_string(&out).unwrap(), Some(&out))
            .unwrap();
    assert_eq!(facts.sha, SHA);
    assert_eq!(facts.pull_request.unwrap().number, 7);
    // Without a token: a usage error, nothing written.
    let missing = std::process::Command::new(crate::support::shipgate_bin())
        .args(["facts", "--repo", "acme/shop", "--pr", "7"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("GITHUB_TOKEN or GH_TOKEN"));
}

/// Runs the binary with a clean environment pointing at `server`.
fn shipgate_cli(server_uri: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(crate::support::shipgate_bin())
        .args(args)
        .env_clear()
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", server_uri)
        .env("GITHUB_GRAPHQL_URL", format!("{server_uri}/api/graphql"))
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn shipgate_gate_repo_evaluates_live() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_partial_json(json!({
            "operationName": "PullRequestFacts",
            "variables": {"number": 7, "stagingEnvironment": "qa"}
        })))
        .respond_with(graphql_ok(
            mock::Repo::default().with_pr(&mock::Pr::new(7, SHA)),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_partial_json(
            json!({"operationName": "OpenPullRequestFacts"}),
        ))
        .respond_with(graphql_ok(
            mock::Repo::default().with_open(&[mock::Pr::new(7, SHA), mock::Pr::new(8, OTHER_SHA)]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let (one, all) = tokio::task::spawn_blocking(move || {
        let one = shipgate_cli(
            &uri,
            &[
                "gate",
                "--repo",
                "acme/shop",
                "--pr",
                "7",
                "--staging-environment",
                "qa",
                "--now",
                "2026-11-27T12:00:00Z",
            ],
        );
        let all = shipgate_cli(&uri, &["gate", "--repo", "acme/shop", "--format", "json"]);
        (one, all)
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&one.stdout);
    assert_eq!(
        one.status.code(),
        Some(3),
        "pending: {text}{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert!(text.contains("#7") || text.contains("7"), "{text}");
    let report: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(all.status.code(), Some(3));
    assert_eq!(report["verdict"], "pending");
    assert_eq!(report["pull_requests"].as_array().unwrap().len(), 2);
    // Nothing is published by the CLI.
    assert!(requests(&server)
        .await
        .iter()
        .all(|r| r.url.path() == "/api/graphql"));
}
