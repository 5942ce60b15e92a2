//! Integration tests: `shipgate record` and `shipgate report` through the built binary.

use std::process::Command;

use serde_json::Value;

use crate::support::{fixture, shipgate_bin};

fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(shipgate_bin());
    cmd.args(args)
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run shipgate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_report_matches_the_hand_checked_figures() {
    let history = fixture("report/history.json");
    let (code, stdout, stderr) = run(
        &[
            "report",
            "--history",
            history.to_str().unwrap(),
            "--since",
            "90d",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("report is JSON");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report/expected.json")).unwrap())
            .unwrap();
    for (key, want) in expected.as_object().unwrap() {
        let got = &report[key];
        match (want.as_f64(), got.as_f64()) {
            (Some(w), Some(g)) if want.is_f64() => {
                assert!((w - g).abs() < 1e-9, "{key}: want {w}, got {g}")
            }
            _ => assert_eq!(got, want, "{key}"),
        }
    }
    let statuses: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    // 94.1 % success (< 95 %), p95 12 m 9 s (> 10 min), slowest rollback 7 m 23 s (> 5 min),
    // nine incidents: every target of the flow is missed in this history.
    assert_eq!(statuses, ["fail", "fail", "fail", "fail"]);
}

#[test]
fn the_report_renders_as_markdown_with_charts() {
    let history = fixture("report/history.json");
    let (code, stdout, stderr) = run(
        &[
            "report",
            "--history",
            history.to_str().unwrap(),
            "--format",
            "markdown",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("```mermaid\nxychart-beta"));
    insta::assert_snapshot!("report_markdown", stdout);
}

#[test]
fn report_rejects_bad_input() {
    let history = fixture("report/history.json");
    let (code, stdout, stderr) = run(
        &[
            "report",
            "--history",
            history.to_str().unwrap(),
            "--since",
            "ninety",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("--since"), "{stderr}");

    let (code, _, stderr) = run(
        &[
            "report",
            "--history",
            history.to_str().unwrap(),
            "--environment",
            "staging",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("staging"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("h.json");
    std::fs::write(&bad, r#"{"version": 2, "repository": "o/r"}"#).unwrap();
    let (code, _, stderr) = run(&["report", "--history", bad.to_str().unwrap()], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unsupported history version 2"), "{stderr}");

    let (code, _, stderr) = run(
        &["report", "--since", "30d"],
        &[("GITHUB_REPOSITORY", "o/r")],
    );
    assert_eq!(code, 2, "no token is a usage error");
    assert!(stderr.contains("GITHUB_TOKEN"), "{stderr}");
}

#[test]
fn record_appends_one_audit_line_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let args = |state: &'static str| {
        vec![
            "record".to_string(),
            "--audit-only".into(),
            "--environment".into(),
            "production".into(),
            "--sha".into(),
            sha.into(),
            "--release-version".into(),
            "v1.4.0".into(),
            "--state".into(),
            state.into(),
            "--started-at".into(),
            "2026-11-27T10:00:00Z".into(),
            "--finished-at".into(),
            "2026-11-27T10:07:30Z".into(),
            "--audit-file".into(),
            audit.to_str().unwrap().into(),
            "--format".into(),
            "json".into(),
        ]
    };
    let envs = [
        ("GITHUB_REPOSITORY", "tecnomundo/repair-management"),
        ("GITHUB_ACTOR", "ana"),
    ];
    for state in ["in_progress", "success"] {
        let a = args(state);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = run(&refs, &envs);
        assert_eq!(code, 0, "{stderr}");
        let printed: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(printed["state"], state);
    }
    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["duration_seconds"], 450);
    assert_eq!(lines[1]["actor"], "ana");
    assert_eq!(lines[1]["version"], "v1.4.0");
    assert_eq!(lines[1]["rollback"], false);
}

#[test]
fn record_rejects_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let base = [
        "record",
        "--audit-only",
        "--environment",
        "production",
        "--sha",
        sha,
        "--audit-file",
    ];
    let cases: &[(&[&str], &str)] = &[
        (&["--state", "exploded"], "--state"),
        (&["--started-at", "yesterday"], "--started-at"),
        (
            &[
                "--started-at",
                "2026-11-27T10:00:00Z",
                "--finished-at",
                "2026-11-27T09:00:00Z",
            ],
            "before --started-at",
        ),
        (&["--rollback", "yes"], "--rollback"),
    ];
    for (extra, needle) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.push(audit.to_str().unwrap());
        args.extend_from_slice(extra);
        let (code, _, stderr) = run(&args, &[("GITHUB_REPOSITORY", "o/r")]);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains(needle), "{extra:?}: {stderr}");
    }
    assert!(!audit.exists(), "nothing is written on bad input");
    let (code, _, stderr) = run(
        &[
            "record",
            "--audit-only",
            "--environment",
            "production",
            "--sha",
            "not-a-sha",
        ],
        &[("GITHUB_REPOSITORY", "o/r")],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("--sha"), "{stderr}");
}

mod github {
    //! `record` and `report` against a mock GitHub: request bodies and counts asserted.

    use serde_json::{json, Value};
    use wiremock::matchers::{body_partial_json, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::run;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn github_env(server: &MockServer) -> Vec<(String, String)> {
        vec![
            ("GITHUB_API_URL".into(), server.uri()),
            (
                "GITHUB_GRAPHQL_URL".into(),
                format!("{}/graphql", server.uri()),
            ),
            ("GITHUB_TOKEN".into(), "ghs_secret_token_value".into()),
            (
                "GITHUB_REPOSITORY".into(),
                "tecnomundo/repair-management".into(),
            ),
            ("GITHUB_SERVER_URL".into(), "https://github.com".into()),
            ("GITHUB_RUN_ID".into(), "4242".into()),
            ("GITHUB_ACTOR".into(), "ana".into()),
        ]
    }

    /// Runs the binary with `env` (owned, so it can cross to the blocking pool) and `args`.
    async fn run_with(env: Vec<(String, String)>, args: Vec<String>) -> (i32, String, String) {
        tokio::task::spawn_blocking(move || {
            let envs: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(&args, &envs)
        })
        .await
        .unwrap()
    }

    async fn record(server: &MockServer, state: &str) -> (i32, String, String) {
        let args = [
            "record",
            "--environment",
            "production",
            "--sha",
            SHA,
            "--release-version",
            "v1.4.0",
            "--state",
            state,
            "--format",
            "json",
        ];
        run_with(
            github_env(server),
            args.iter().map(|a| a.to_string()).collect(),
        )
        .await
    }

    async fn requests(server: &MockServer, verb: &str, p: &str) -> Vec<Value> {
        server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.method.as_str() == verb && r.url.path() == p)
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn record_creates_one_deployment_and_a_rerun_of_the_same_run_reuses_it() {
        let server = MockServer::start().await;
        let deployments = "/repos/tecnomundo/repair-management/deployments";
        // First run: no deployment of this run yet.
        Mock::given(method("GET"))
            .and(path(deployments))
            .and(query_param("sha", SHA))
            .and(query_param("environment", "production"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(deployments))
            .and(body_partial_json(json!({
                "ref": SHA,
                "environment": "production",
                "auto_merge": false,
                "required_contexts": [],
                "production_environment": true,
                "payload": {"version": "v1.4.0", "actor": "ana", "run_id": 4242, "rollback": false}
            })))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "id": 77, "sha": SHA, "environment": "production",
                "payload": {"run_id": 4242}, "created_at": "2026-11-27T10:00:00Z"
            })))
            .expect(1)
            .mount(&server)
            .await;
        // Later lookups find it.
        Mock::given(method("GET"))
            .and(path(deployments))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
                "id": 77, "sha": SHA, "environment": "production",
                "payload": {"run_id": 4242}, "created_at": "2026-11-27T10:00:00Z"
            }])))
            .mount(&server)
            .await;
        let statuses = format!("{deployments}/77/statuses");
        Mock::given(method("GET"))
            .and(path(statuses.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(statuses.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
                "id": 1, "state": "success",
                "description": "v1.4.0 to production: success by ana"
            }])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(statuses.as_str()))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(json!({"id": 1, "state": "success"})),
            )
            .mount(&server)
            .await;

        let (code, stdout, stderr) = record(&server, "success").await;
        assert_eq!(code, 0, "{stderr}");
        assert!(!stdout.contains("ghs_secret") && !stderr.contains("ghs_secret"));
        let posted = requests(&server, "POST", &statuses).await;
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0]["state"], "success");
        assert_eq!(posted[0]["environment"], "production");
        assert_eq!(
            posted[0]["log_url"],
            "https://github.com/tecnomundo/repair-management/actions/runs/4242"
        );
        assert_eq!(
            posted[0]["description"],
            "v1.4.0 to production: success by ana"
        );

        // The same run again: the deployment is reused and the identical status is not re-posted.
        let (code, stdout, stderr) = record(&server, "success").await;
        assert_eq!(code, 0, "{stderr}");
        let printed: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(printed["deployment_id"], 77);
        assert_eq!(
            requests(&server, "POST", deployments).await.len(),
            1,
            "one deployment, never two"
        );
        assert_eq!(
            requests(&server, "POST", &statuses).await.len(),
            1,
            "an unchanged status is not re-posted"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_create_answered_502_is_looked_up_not_repeated() {
        let server = MockServer::start().await;
        let deployments = "/repos/tecnomundo/repair-management/deployments";
        // Before the create: nothing of this run. After the doubtful 502: GitHub did create it.
        Mock::given(method("GET"))
            .and(path(deployments))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(deployments))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
                "id": 100, "sha": SHA, "environment": "production",
                "payload": {"run_id": 4242}, "created_at": "2026-11-27T10:00:00Z"
            }])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(deployments))
            .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
            .mount(&server)
            .await;
        let statuses = format!("{deployments}/100/statuses");
        Mock::given(method("GET"))
            .and(path(statuses.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(statuses.as_str()))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(json!({"id": 1, "state": "success"})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let (code, stdout, stderr) = record(&server, "success").await;
        assert_eq!(code, 0, "{stderr}");
        let printed: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            printed["deployment_id"], 100,
            "the deployment GitHub did create is reused"
        );
        assert_eq!(
            requests(&server, "POST", deployments).await.len(),
            1,
            "the create is never repeated"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_doubtful_create_without_a_run_id_is_an_error_not_a_second_deployment() {
        let server = MockServer::start().await;
        let deployments = "/repos/tecnomundo/repair-management/deployments";
        Mock::given(method("POST"))
            .and(path(deployments))
            .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
            .mount(&server)
            .await;
        let env: Vec<(String, String)> = github_env(&server)
            .into_iter()
            .filter(|(k, _)| k != "GITHUB_RUN_ID")
            .collect();
        let (code, _, stderr) = run_with(
            env,
            [
                "record",
                "--environment",
                "production",
                "--sha",
                SHA,
                "--state",
                "success",
            ]
            .iter()
            .map(|a| a.to_string())
            .collect(),
        )
        .await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("502"), "{stderr}");
        assert_eq!(requests(&server, "POST", deployments).await.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn record_fails_closed_and_still_writes_the_audit_line_when_github_refuses() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(json!({"message": "Resource not accessible by integration"})),
            )
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("audit.jsonl");
        let env = github_env(&server);
        let audit_arg = audit.to_str().unwrap().to_string();
        let (code, _, stderr) = run_with(
            env,
            [
                "record",
                "--environment",
                "staging",
                "--sha",
                SHA,
                "--state",
                "success",
                "--audit-file",
                &audit_arg,
            ]
            .iter()
            .map(|a| a.to_string())
            .collect(),
        )
        .await;
        assert_eq!(code, 1, "a record GitHub refused is an error: {stderr}");
        assert!(stderr.contains("403"), "{stderr}");
        let line: Value =
            serde_json::from_str(std::fs::read_to_string(&audit).unwrap().trim()).unwrap();
        assert_eq!(line["state"], "success");
        assert_eq!(line["deployment_id"], Value::Null);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_action_records_with_its_github_token_input_and_masks_it() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/repos/tecnomundo/repair-management/deployments"))
            .and(wiremock::matchers::header("authorization", "Bearer ghs_action_input_token"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "id": 9, "sha": SHA, "environment": "staging", "payload": {}, "created_at": "2026-11-27T10:00:00Z"
            })))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(
                "/repos/tecnomundo/repair-management/deployments/9/statuses",
            ))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(json!({"id": 1, "state": "success"})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let output_file = dir.path().join("output");
        std::fs::write(&output_file, "").unwrap();
        let summary_file = dir.path().join("summary");
        std::fs::write(&summary_file, "").unwrap();
        let mut env: Vec<(String, String)> = github_env(&server)
            .into_iter()
            .filter(|(k, _)| k != "GITHUB_TOKEN")
            .collect();
        env.extend([
            ("INPUT_COMMAND".to_string(), "record".to_string()),
            ("INPUT_GITHUB-TOKEN".into(), "ghs_action_input_token".into()),
            ("INPUT_ENVIRONMENT".into(), "staging".into()),
            ("INPUT_SHA".into(), SHA.into()),
            ("INPUT_STATE".into(), "success".into()),
            ("GITHUB_OUTPUT".into(), output_file.to_str().unwrap().into()),
            (
                "GITHUB_STEP_SUMMARY".into(),
                summary_file.to_str().unwrap().into(),
            ),
        ]);
        let (code, stdout, stderr) =
            run_with(env, ["action"].iter().map(|a| a.to_string()).collect()).await;
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert_eq!(
            stdout.lines().next(),
            Some("::add-mask::ghs_action_input_token"),
            "{stdout}"
        );
        assert_eq!(
            stdout.matches("ghs_action_input_token").count(),
            1,
            "only the mask command names it"
        );
        let outputs = std::fs::read_to_string(&output_file).unwrap();
        assert!(
            outputs.contains("deployment-id<<ghadelimiter_"),
            "{outputs}"
        );
        assert!(outputs.contains("\n9\n"), "{outputs}");
        let summary = std::fs::read_to_string(&summary_file).unwrap();
        assert!(summary.contains("### Deployment recorded"), "{summary}");
    }

    fn page(numbers: std::ops::Range<u64>, start_day: i64, next: Option<&str>) -> Value {
        let base: chrono::DateTime<chrono::Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
        let nodes: Vec<Value> = numbers
            .map(|i| {
                let at = base - chrono::TimeDelta::days(start_day) - chrono::TimeDelta::hours(i as i64);
                json!({
                    "databaseId": i,
                    "commitOid": format!("{i:040x}"),
                    "createdAt": at.to_rfc3339(),
                    "payload": "{}",
                    "creator": {"login": "ci[bot]"},
                    "statuses": {"pageInfo": {"hasNextPage": false}, "nodes": [
                        {"state": "SUCCESS", "createdAt": (at + chrono::TimeDelta::minutes(6)).to_rfc3339(), "description": null}
                    ]},
                    "commit": {"associatedPullRequests": {"nodes": []}}
                })
            })
            .collect();
        json!({"data": {"repository": {"deployments": {
            "pageInfo": {"hasNextPage": next.is_some(), "endCursor": next},
            "nodes": nodes
        }}}})
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn report_pages_over_graphql_only_as_far_back_as_the_period() {
        let server = MockServer::start().await;
        // Page 1: 100 deployments over the last ~4 days; page 2 reaches back past 30 days;
        // page 3 must never be asked for.
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(body_partial_json(
                json!({"variables": {"after": null, "environment": "production"}}),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(0..100, 0, Some("c1"))))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(body_partial_json(json!({"variables": {"after": "c1"}})))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(0..100, 28, Some("c2"))))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(body_partial_json(json!({"variables": {"after": "c2"}})))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(0..100, 60, None)))
            .expect(0)
            .mount(&server)
            .await;
        let env = github_env(&server);
        let (code, stdout, stderr) = run_with(
            env,
            [
                "report",
                "--since",
                "30d",
                "--now",
                "2026-11-27T00:00:00Z",
                "--format",
                "json",
            ]
            .iter()
            .map(|a| a.to_string())
            .collect(),
        )
        .await;
        assert_eq!(code, 0, "{stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        // Page 1 holds 100 deploys. Page 2 starts at 10-29 12:00 and goes back an hour per
        // deployment; the period starts at 10-28 00:00, so its hours 0..=36 count: 37 more.
        assert_eq!(report["deploys"], 100 + 37);
        assert_eq!(report["success_rate"], 1.0);
        assert!(stderr.contains("in 2 GitHub request(s)"), "{stderr}");
        let queries = requests(&server, "POST", "/graphql").await;
        assert!(queries.iter().all(|q| q["query"]
            .as_str()
            .unwrap()
            .contains("ShipgateDeploymentHistory")));
    }
}
