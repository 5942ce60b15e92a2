//! Integration tests: `shipgate record` and `shipgate report` through the built binary.

use serde_json::Value;

use crate::support::fixture;
use crate::support::run::shipgate;
use crate::support::service::{Service, FAILING, UP};

/// Runs `shipgate ARGS` with only `envs` set; exit code, stdout, stderr.
fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut cli = shipgate(args);
    for (k, v) in envs {
        cli = cli.env(k, v);
    }
    let out = cli.run();
    (out.code, out.stdout, out.stderr)
}

/// Asserts that every figure of `expected` (computed by the fixture's generator) is the
/// report's: fractions to 1e-9, everything else (counts, seconds, levels, nulls) exactly.
fn assert_figures(report: &Value, expected: &Value, context: &str) {
    for (key, want) in expected.as_object().unwrap() {
        let got = &report[key];
        match (want.as_f64(), got.as_f64()) {
            (Some(w), Some(g)) if want.is_f64() => {
                assert!((w - g).abs() < 1e-9, "{context}: {key}: want {w}, got {g}")
            }
            _ => assert_eq!(got, want, "{context}: {key}"),
        }
    }
}

/// The statuses of the report's targets, in order.
fn target_statuses(report: &Value) -> Vec<&str> {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect()
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
    assert_figures(&report, &expected, "at the history's end");
    // 94.1 % success (< 95 %), p95 12 m 9 s (> 10 min), slowest rollback 7 m 23 s (> 5 min),
    // nine incidents: every target of the flow is missed in this history.
    assert_eq!(target_statuses(&report), ["fail", "fail", "fail", "fail"]);
    // And beside them, DORA's levels: 2.67 deploys a day (elite), a median lead time of
    // 1 d 22 h (high: between an hour and a week), 8.75 % change failures (elite: ≤ 15 %), a
    // median recovery of 5 m 55 s (elite: under an hour).
    assert_eq!(
        report["levels"],
        serde_json::json!({
            "deployment_frequency": "elite",
            "lead_time": "high",
            "change_failure_rate": "elite",
            "recovery_time": "elite"
        })
    );
}

/// The generator's replays (`tests/fixtures/report/replays.json`): the same history as of
/// earlier moments — a deploy two minutes before its first success, a live release a minute
/// after it broke, a rollback still running, the hour before a rollback by hand, the freeze —
/// each checked against figures computed independently in Python from what existed then.
#[test]
fn replays_see_the_history_as_it_stood() {
    let history = fixture("report/history.json");
    let replays: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report/replays.json")).unwrap())
            .unwrap();
    let replays = replays.as_array().unwrap();
    assert!(replays.len() >= 7, "the generator writes every replay");
    for replay in replays {
        let why = replay["why"].as_str().unwrap();
        let (code, stdout, stderr) = run(
            &[
                "report",
                "--history",
                history.to_str().unwrap(),
                "--now",
                replay["now"].as_str().unwrap(),
                "--since",
                replay["since"].as_str().unwrap(),
                "--lead-time-basis",
                replay["lead_time_basis"].as_str().unwrap(),
                "--format",
                "json",
            ],
            &[],
        );
        assert_eq!(code, 0, "{why}: {stderr}");
        let report: Value = serde_json::from_str(&stdout).expect("report is JSON");
        assert_figures(&report, &replay["figures"], why);
        let want: Vec<&str> = replay["target_statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(target_statuses(&report), want, "{why}");
    }
}

/// The Action replays a history file as of its `captured_at` (it has no `--now`): a file cut
/// to the last day of the ten-day freeze, still holding every later deployment, reports the
/// freeze's last week as it stood — 0 deploys a day, level `low`, and no other level.
#[test]
fn the_action_replays_a_history_file_as_of_its_capture() {
    let replays: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report/replays.json")).unwrap())
            .unwrap();
    let freeze = replays
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["figures"]["deploys"] == 0)
        .expect("a replay inside the freeze");
    let mut history: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report/history.json")).unwrap())
            .unwrap();
    history["captured_at"] = freeze["now"].clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.json");
    std::fs::write(&file, history.to_string()).unwrap();

    let ran = crate::support::run::Run::new(
        crate::support::run::Github::direct(crate::support::fake::github()),
        "acme/report-replay",
        "workflow_dispatch",
        &serde_json::json!({}),
    )
    .input("command", "report")
    .input("history", file.to_str().unwrap())
    .input("since", freeze["since"].as_str().unwrap())
    .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    let outputs = |name: &str| ran.outputs.get(name).map(String::as_str);
    assert_eq!(outputs("deployment-frequency"), Some("0.000"));
    assert_eq!(outputs("deployment-frequency-level"), Some("low"));
    for empty in [
        "success-rate",
        "lead-time",
        "lead-time-level",
        "change-failure-rate",
        "change-failure-rate-level",
        "recovery-time",
        "recovery-time-level",
    ] {
        assert_eq!(outputs(empty), Some(""), "{empty}: {}", ran.describe());
    }
    assert_eq!(outputs("downtime-incidents"), Some("0"));
    assert!(
        ran.summary
            .contains("| Deployment frequency | 0.00 per day (0.0 per week) | low |"),
        "{}",
        ran.summary
    );
    assert!(ran.requests.is_empty(), "offline: no request to GitHub");
}

/// A history of another environment: the message names the input and the flag as each surface
/// calls them.
#[test]
fn a_history_of_another_environment_is_named_in_each_surfaces_words() {
    let history = fixture("report/history.json");
    let ran = crate::support::run::Run::new(
        crate::support::run::Github::direct(crate::support::fake::github()),
        "acme/report-other-environment",
        "workflow_dispatch",
        &serde_json::json!({}),
    )
    .input("command", "report")
    .input("history", history.to_str().unwrap())
    .input("environment", "staging")
    .run();
    assert_eq!(ran.code, 2, "{}", ran.describe());
    assert!(
        ran.stdout.contains(
            "input `history` holds the history of the environment \"production\", not \"staging\": set input `environment` to \"production\""
        ),
        "{}",
        ran.describe()
    );
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
    assert!(
        stderr.contains("--history holds the history of the environment \"production\", not \"staging\": set --environment to \"production\""),
        "{stderr}"
    );
}

/// `--lead-time-basis last-commit` and the levels as the Action's outputs.
#[test]
fn the_action_outputs_each_keys_level() {
    let history = fixture("report/history.json");
    let replays: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report/replays.json")).unwrap())
            .unwrap();
    let last = replays
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["lead_time_basis"] == "last-commit")
        .expect("a replay from the head commits");
    let ran = crate::support::run::Run::new(
        crate::support::run::Github::direct(crate::support::fake::github()),
        "acme/report-levels",
        "workflow_dispatch",
        &serde_json::json!({}),
    )
    .input("command", "report")
    .input("history", history.to_str().unwrap())
    .input("lead-time-basis", "last-commit")
    .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    let figures = &last["figures"];
    assert_eq!(
        ran.outputs["lead-time"],
        figures["lead_time_median"].to_string()
    );
    for (output, key) in [
        ("deployment-frequency-level", "deployment_frequency"),
        ("lead-time-level", "lead_time"),
        ("change-failure-rate-level", "change_failure_rate"),
        ("recovery-time-level", "recovery_time"),
    ] {
        assert_eq!(
            ran.outputs[output],
            figures["levels"][key].as_str().unwrap(),
            "{output}"
        );
    }
    assert!(
        ran.summary.contains("from the PR's last commit"),
        "{}",
        ran.summary
    );
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

/// A history file's errors name the file as a history (not as facts), the dotted field, its line
/// and column, and what was expected — as the facts' and the config's errors do.
#[test]
fn history_errors_name_the_field_and_what_was_expected() {
    let text = std::fs::read_to_string(fixture("report/history.json")).unwrap();
    let mut messages = String::new();
    // The first deployment's id as a string, its time without an offset, its first status's
    // state misspelt.
    for (from, to) in [
        (r#""id": 1231,"#, r#""id": "1231","#),
        (r#""2026-11-11T00:33:00Z""#, r#""2026-11-11T00:33:00""#),
        (r#""state": "queued""#, r#""state": "queud""#),
    ] {
        assert!(text.contains(from), "{from}");
        let broken = text.replacen(from, to, 1);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("h.json"), broken).unwrap();
        let out = shipgate(&["report", "--history", "h.json"])
            .current_dir(dir.path())
            .run();
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr
                .starts_with("error: invalid history in h.json: `deployments[0]."),
            "{}",
            out.stderr
        );
        messages.push_str(&out.stderr);
    }
    insta::assert_snapshot!(messages);
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
    assert!(
        stderr.contains("invalid history in ")
            && stderr.contains("`version`: this shipgate reads history version 1, found 2"),
        "{stderr}"
    );

    let (code, _, stderr) = run(
        &["report", "--since", "30d"],
        &[("GITHUB_REPOSITORY", "o/r")],
    );
    assert_eq!(code, 2, "no token is a usage error");
    assert!(stderr.contains("GITHUB_TOKEN"), "{stderr}");

    let path = history.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        // Back from the history's end further than any time there is: an error, not a panic.
        (&["--since", "14000000w"], "--since"),
        // The history was captured at 2026-11-27T00:00:00Z: it knows nothing later.
        (&["--now", "2026-11-28T00:00:00Z"], "captured_at"),
        // A period without length has no frequency to measure.
        (
            &[
                "--now",
                "2026-11-20T00:00:00Z",
                "--since",
                "2026-11-20T00:00:00Z",
            ],
            "--since",
        ),
        (&["--lead-time-basis", "first-pr"], "--lead-time-basis"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["report", "--history", path];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = run(&args, &[]);
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stdout.is_empty(), "{extra:?}");
        assert!(stderr.contains(needle), "{extra:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{extra:?}: {stderr}");
    }
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
    let audit_file = audit.to_str().unwrap();
    let (code, _, stderr) = run(
        &[
            "record",
            "--audit-only",
            "--audit-file",
            audit_file,
            "--environment",
            "production",
            "--sha",
            "not-a-sha",
        ],
        &[("GITHUB_REPOSITORY", "o/r")],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("--sha"), "{stderr}");
    // A plain-HTTP notification webhook is bad input too, and the error does not show it.
    let (code, _, stderr) = run(
        &[
            "record",
            "--audit-only",
            "--audit-file",
            audit_file,
            "--environment",
            "production",
            "--sha",
            sha,
            "--notify-webhook",
            "http://hooks.example/services/s3cret",
        ],
        &[("GITHUB_REPOSITORY", "o/r")],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "invalid value for --notify-webhook: the notification webhook uses plain HTTP"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cret") && !stderr.contains("hooks.example"),
        "{stderr}"
    );
    assert!(!audit.exists(), "nothing is written on bad input");
}

#[test]
fn record_audit_only_without_an_audit_file_is_a_usage_error() {
    // It would record nothing anywhere, yet succeed.
    let (code, stdout, stderr) = run(
        &[
            "record",
            "--audit-only",
            "--environment",
            "production",
            "--sha",
            "0123456789abcdef0123456789abcdef01234567",
        ],
        &[("GITHUB_REPOSITORY", "o/r")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(
        stderr,
        "error: invalid value for --audit-only: it records the deploy only in the audit file, and --audit-file is not given: give --audit-file FILE too, or drop --audit-only to record on GitHub\n"
    );
}

#[test]
fn record_without_a_token_is_a_usage_error_that_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let (code, stdout, stderr) = run(
        &[
            "record",
            "--environment",
            "production",
            "--sha",
            "0123456789abcdef0123456789abcdef01234567",
            "--audit-file",
            audit.to_str().unwrap(),
        ],
        &[("GITHUB_REPOSITORY", "o/r")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("no GitHub token: set GITHUB_TOKEN or GH_TOKEN"),
        "{stderr}"
    );
    assert!(!audit.exists(), "nothing is written on bad input");
}

/// `record --audit-only` of v1.4.0 to production in `state`, with `notify-webhook`.
fn record_notifying(webhook: &str, state: &str, rollback: bool) -> (i32, String, String) {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let mut args = vec![
        "record",
        "--audit-only",
        "--audit-file",
        audit.to_str().unwrap(),
        "--environment",
        "production",
        "--sha",
        sha,
        "--release-version",
        "v1.4.0",
        "--state",
        state,
        "--started-at",
        "2026-11-27T10:00:00Z",
        "--notify-webhook",
        webhook,
    ];
    if state != "in_progress" {
        args.extend(["--finished-at", "2026-11-27T10:07:30Z"]);
    }
    if rollback {
        args.push("--rollback");
    }
    run(
        &args,
        &[
            ("GITHUB_REPOSITORY", "tecnomundo/repair-management"),
            ("GITHUB_ACTOR", "<!channel> ana"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "4242"),
        ],
    )
}

#[test]
fn record_notifies_the_start_and_the_outcome() {
    let chat = Service::start(UP, None);
    let hook = chat.url("/services/T000/B000/s3cret");
    for (state, rollback) in [
        ("in_progress", false),
        ("success", false),
        ("queued", false),
        ("failure", true),
    ] {
        let (code, stdout, stderr) = record_notifying(&hook, state, rollback);
        assert_eq!(code, 0, "{state}: {stderr}");
        assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));
        assert!(!stderr.contains("warning"), "{stderr}");
    }
    let texts: Vec<String> = chat
        .posts
        .lock()
        .unwrap()
        .iter()
        .map(|body| {
            let body: Value = serde_json::from_str(body).unwrap();
            body["text"].as_str().unwrap().to_string()
        })
        .collect();
    let run = "(tecnomundo/repair-management, commit 0123456) https://github.com/tecnomundo/repair-management/actions/runs/4242";
    // `queued` notifies nothing; the actor's Slack syntax shows as typed.
    assert_eq!(
        texts,
        [
            format!("🚀 Deploy started: v1.4.0 to production by &lt;!channel&gt; ana {run}"),
            format!("✅ Deploy succeeded: v1.4.0 to production in 7 m 30 s by &lt;!channel&gt; ana {run}"),
            format!("❌ Rollback failed: production back to v1.4.0 after 7 m 30 s by &lt;!channel&gt; ana {run}"),
        ]
    );
}

#[test]
fn a_failed_notification_is_a_warning_not_a_failure() {
    let chat = Service::start(FAILING, None);
    let (code, stdout, stderr) =
        record_notifying(&chat.url("/services/T000/B000/s3cret"), "success", false);
    assert_eq!(code, 0, "the deploy's record stands: {stderr}");
    assert_eq!(chat.posts.lock().unwrap().len(), 3, "three attempts");
    assert!(
        stderr.contains("warning: the notification was not delivered: the notification webhook answered 503 after 3 attempts"),
        "{stderr}"
    );
    assert!(stdout.starts_with("recorded v1.4.0"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains("s3cret") && !text.contains("/services/"),
            "{text}"
        );
    }
}

mod github {
    //! `record` and `report` against the in-process fake GitHub: request bodies and counts
    //! asserted, faults injected.

    use chrono::{DateTime, TimeDelta, Utc};
    use serde_json::{json, Value};
    use shipgate_fake::state::{Commit, Deployment, DeploymentStatus, Pull, PullCommit};
    use shipgate_fake::{Fault, FaultKind, LoggedRequest, Repo};

    use crate::support::assert_includes;
    use crate::support::fake::{self, OWNER, TOKEN};
    use crate::support::run::{shipgate, Github, Out, Run};
    use crate::support::service::{Service, UP};

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    /// Loads `acme/<name>` (empty) and returns its full name.
    fn load(name: &str) -> String {
        let repo = Repo::new(OWNER, name);
        let full = repo.full_name();
        fake::github().load(repo);
        full
    }

    /// `shipgate record` for [`SHA`] to production as a workflow run (4242, actor `ana`) would.
    async fn record(repo: &str, state: &str) -> Out {
        shipgate(&[
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
        ])
        .github(&Github::direct(fake::github()), repo)
        .env("GITHUB_RUN_ID", "4242")
        .env("GITHUB_ACTOR", "ana")
        .run_async()
        .await
    }

    /// The JSON bodies of the requests `method path` (query left out) about `repo`.
    fn bodies(repo: &str, method: &str, path: &str) -> Vec<Value> {
        fake::github()
            .requests(repo)
            .iter()
            .filter(|r| r.method == method && r.path.split('?').next() == Some(path))
            .map(LoggedRequest::json)
            .collect()
    }

    fn deployments(repo: &str) -> Vec<Deployment> {
        fake::github().repo(repo).unwrap().deployments
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn record_creates_one_deployment_and_a_rerun_of_the_same_run_reuses_it() {
        let repo = load("record-rerun");
        let out = record(&repo, "success").await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN));
        let path = format!("/repos/{repo}/deployments");
        // It looked for a deployment of this run first (none), then created one.
        let lookups: Vec<String> = fake::github()
            .requests(&repo)
            .iter()
            .filter(|r| r.method == "GET" && r.path.starts_with(&format!("{path}?")))
            .map(|r| r.query().to_string())
            .collect();
        assert!(
            lookups.first().is_some_and(
                |q| q.contains(&format!("sha={SHA}")) && q.contains("environment=production")
            ),
            "{lookups:?}"
        );
        let created = bodies(&repo, "POST", &path);
        assert_eq!(created.len(), 1);
        assert_includes(
            &created[0],
            &json!({
                "ref": SHA,
                "environment": "production",
                "auto_merge": false,
                "required_contexts": [],
                "production_environment": true,
                "payload": {"version": "v1.4.0", "actor": "ana", "run_id": 4242, "rollback": false}
            }),
        );
        let [deployment] = deployments(&repo).try_into().unwrap();
        let statuses = format!("{path}/{}/statuses", deployment.id);
        let posted = bodies(&repo, "POST", &statuses);
        assert_eq!(posted.len(), 1);
        assert_includes(
            &posted[0],
            &json!({
                "state": "success",
                "environment": "production",
                "log_url": format!("https://github.com/{repo}/actions/runs/4242"),
                "description": "v1.4.0 to production: success by ana",
            }),
        );

        // The same run again: the deployment is reused and the identical status not re-posted.
        let out = record(&repo, "success").await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.json()["deployment_id"], deployment.id);
        assert_eq!(
            bodies(&repo, "POST", &path).len(),
            1,
            "one deployment, never two"
        );
        assert_eq!(
            bodies(&repo, "POST", &statuses).len(),
            1,
            "an unchanged status is not re-posted"
        );
        assert_eq!(deployments(&repo).len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_create_answered_502_is_looked_up_not_repeated() {
        let repo = load("record-lost-answer");
        // GitHub creates the deployment, but the answer is lost behind a 502.
        let path = format!("/repos/{repo}/deployments");
        fake::github().inject(Fault::kind("POST", &path, FaultKind::LostAnswer(502), 1));
        let out = record(&repo, "success").await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let [deployment] = deployments(&repo).try_into().unwrap();
        assert_eq!(
            out.json()["deployment_id"],
            deployment.id,
            "the deployment GitHub did create is reused"
        );
        assert_eq!(
            bodies(&repo, "POST", &path).len(),
            1,
            "the create is never repeated"
        );
        let statuses = format!("{path}/{}/statuses", deployment.id);
        assert_eq!(bodies(&repo, "POST", &statuses).len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_doubtful_create_without_a_run_id_is_an_error_not_a_second_deployment() {
        let repo = load("record-no-run-id");
        let path = format!("/repos/{repo}/deployments");
        fake::github().inject(Fault::status("POST", &path, 502, usize::MAX));
        let out = shipgate(&[
            "record",
            "--environment",
            "production",
            "--sha",
            SHA,
            "--state",
            "success",
        ])
        .github(&Github::direct(fake::github()), &repo)
        .run_async()
        .await;
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stderr.contains("502"), "{}", out.stderr);
        assert_eq!(bodies(&repo, "POST", &path).len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn record_fails_closed_and_still_writes_the_audit_line_when_github_refuses() {
        let repo = load("record-refused");
        fake::github().inject(Fault::status(
            "POST",
            &format!("/repos/{repo}/"),
            403,
            usize::MAX,
        ));
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("audit.jsonl");
        let chat = Service::start(UP, None);
        let out = shipgate(&[
            "record",
            "--environment",
            "staging",
            "--sha",
            SHA,
            "--state",
            "success",
            "--audit-file",
            audit.to_str().unwrap(),
            "--notify-webhook",
            &chat.url("/hook"),
        ])
        .github(&Github::direct(fake::github()), &repo)
        .env("GITHUB_RUN_ID", "4242")
        .run_async()
        .await;
        assert_eq!(
            out.code, 1,
            "a record GitHub refused is an error: {}",
            out.stderr
        );
        assert!(out.stderr.contains("403"), "{}", out.stderr);
        let line: Value =
            serde_json::from_str(std::fs::read_to_string(&audit).unwrap().trim()).unwrap();
        assert_eq!(line["state"], "success");
        assert_eq!(line["deployment_id"], Value::Null);
        assert!(deployments(&repo).is_empty());
        // The deploy happened: the team hears of it even though its record could not be written.
        assert_eq!(chat.posts.lock().unwrap().len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_action_records_with_its_github_token_input_and_masks_it() {
        let repo = load("record-action");
        let github = Github::direct(fake::github());
        let ran = tokio::task::spawn_blocking(move || {
            Run::new(github, &repo, "workflow_dispatch", &json!({}))
                .input("command", "record")
                .input("environment", "staging")
                .input("sha", SHA)
                .input("state", "success")
                .run()
        })
        .await
        .unwrap();
        assert_eq!(ran.code, 0, "{}", ran.describe());
        ran.assert_masked();
        assert_eq!(
            ran.stdout.matches(TOKEN).count(),
            1,
            "only the mask command names it"
        );
        let created: Vec<_> = ran
            .writes_to("POST", "/deployments")
            .into_iter()
            .filter(|r| r.path.ends_with("/deployments"))
            .collect();
        assert_eq!(created.len(), 1, "{}", ran.describe());
        assert_eq!(
            created[0].header("authorization"),
            Some(&*format!("Bearer {TOKEN}")),
            "the github-token input is the token used"
        );
        assert_eq!(ran.writes_to("POST", "/statuses").len(), 1);
        let id = deployments(&format!("{OWNER}/record-action"))[0].id;
        assert!(
            ran.output_file.contains("deployment-id<<ghadelimiter_"),
            "{}",
            ran.output_file
        );
        assert_eq!(ran.outputs["deployment-id"], id.to_string());
        assert!(
            ran.summary.contains("### Deployment recorded"),
            "{}",
            ran.summary
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_action_masks_the_notification_webhook_before_anything_else() {
        let repo = load("record-notify");
        let github = Github::direct(fake::github());
        let chat = Service::start(UP, None);
        let hook = chat.url("/services/T000/B000/s3cret");
        let input = hook.clone();
        let ran = tokio::task::spawn_blocking(move || {
            Run::new(github, &repo, "workflow_dispatch", &json!({}))
                .input("command", "record")
                .input("environment", "production")
                .input("sha", SHA)
                .input("version", "v1.4.0")
                .input("state", "in_progress")
                .input("notify-webhook", &input)
                .run()
        })
        .await
        .unwrap();
        assert_eq!(ran.code, 0, "{}", ran.describe());
        ran.assert_masked();
        // The token's mask, then the webhook's, before any other line.
        let mut lines = ran.stdout.lines();
        lines.next();
        assert_eq!(
            lines.next(),
            Some(&*format!("::add-mask::{hook}")),
            "{}",
            ran.describe()
        );
        let rest: String = lines.collect::<Vec<_>>().join("\n");
        for (what, text) in [
            ("log", &rest),
            ("stderr", &ran.stderr),
            ("summary", &ran.summary),
            ("outputs", &ran.output_file),
        ] {
            assert!(
                !text.contains("s3cret"),
                "the webhook shows in the {what}: {text}"
            );
        }
        let posts = chat.posts.lock().unwrap().clone();
        assert_eq!(posts.len(), 1);
        let body: Value = serde_json::from_str(&posts[0]).unwrap();
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .starts_with("🚀 Deploy started: v1.4.0 to production by alice"),
            "{body}"
        );
    }

    /// 300 production deployments of one SUCCESS each, an hour apart within each hundred: the
    /// newest hundred from 2026-11-26 12:00 back, the second from 28 days earlier, the third
    /// from 60 days earlier.
    fn history() -> Vec<Deployment> {
        let base: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
        [0, 28, 60]
            .into_iter()
            .flat_map(|day| {
                (0..100).map(move |i| {
                    let at = base - TimeDelta::days(day) - TimeDelta::hours(i);
                    Deployment {
                        sha: format!("{:040x}", day * 1000 + i),
                        environment: "production".into(),
                        production_environment: true,
                        creator: "ci[bot]".into(),
                        created_at: at,
                        statuses: vec![DeploymentStatus {
                            state: "success".into(),
                            created_at: at + TimeDelta::minutes(6),
                            ..DeploymentStatus::default()
                        }],
                        ..Deployment::default()
                    }
                })
            })
            .collect()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn report_pages_over_graphql_only_as_far_back_as_the_period() {
        let name = "report-period";
        let mut state = Repo::new(OWNER, name);
        state.deployments = history();
        let repo = state.full_name();
        fake::github().load(state);
        let out = shipgate(&[
            "report",
            "--since",
            "30d",
            "--now",
            "2026-11-27T00:00:00Z",
            "--format",
            "json",
        ])
        .github(&Github::direct(fake::github()), &repo)
        .run_async()
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let report = out.json();
        // Page 1 holds 100 deploys. Page 2 starts at 10-29 12:00 and goes back an hour per
        // deployment; the period starts at 10-28 00:00, so its hours 0..=36 count: 37 more.
        assert_eq!(report["deploys"], 100 + 37);
        assert_eq!(report["success_rate"], 1.0);
        assert!(
            out.stderr.contains("in 2 GitHub request(s)"),
            "{}",
            out.stderr
        );
        // The third page is never asked for.
        let reads = fake::github().graphql_exchanges(Some(&repo));
        assert_eq!(reads.len(), 2, "{reads:?}");
        assert!(reads
            .iter()
            .all(|r| r.operation == "ShipgateDeploymentHistory"));
        assert_includes(
            &reads[0].variables,
            &json!({ "after": null, "environment": "production" }),
        );
        assert_eq!(
            reads[1].variables["after"],
            reads[0].answer["data"]["repository"]["deployments"]["pageInfo"]["endCursor"]
        );
        assert!(fake::github()
            .requests(&repo)
            .iter()
            .all(|r| r.path == "/graphql"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn report_measures_lead_time_from_the_prs_first_or_head_commit() {
        let name = "report-lead-time";
        let mut state = Repo::new(OWNER, name);
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        let (first, head) = ("a".repeat(40), "b".repeat(40));
        state.commits = vec![
            Commit {
                sha: first.clone(),
                committed_date: at("2026-11-20T10:00:00Z"),
                ..Commit::default()
            },
            Commit {
                sha: head.clone(),
                committed_date: at("2026-11-24T08:30:00Z"),
                ..Commit::default()
            },
        ];
        state.pulls = vec![Pull {
            number: 9,
            head_sha: head.clone(),
            state: "closed".into(),
            commits: [&first, &head]
                .map(|sha| PullCommit {
                    sha: sha.clone(),
                    ..PullCommit::default()
                })
                .to_vec(),
            ..Pull::default()
        }];
        state.deployments = vec![Deployment {
            sha: head.clone(),
            environment: "production".into(),
            production_environment: true,
            created_at: at("2026-11-24T09:00:00Z"),
            statuses: vec![DeploymentStatus {
                state: "success".into(),
                created_at: at("2026-11-24T09:06:00Z"),
                ..DeploymentStatus::default()
            }],
            ..Deployment::default()
        }];
        let repo = state.full_name();
        fake::github().load(state);
        let report = |basis: &'static str| {
            let repo = repo.clone();
            async move {
                let out = shipgate(&[
                    "report",
                    "--since",
                    "30d",
                    "--now",
                    "2026-11-27T00:00:00Z",
                    "--lead-time-basis",
                    basis,
                    "--format",
                    "json",
                ])
                .github(&Github::direct(fake::github()), &repo)
                .run_async()
                .await;
                assert_eq!(out.code, 0, "{}", out.stderr);
                out.json()
            }
        };
        // From the first commit (11-20 10:00) to the first success (11-24 09:06):
        // 4 d - 54 min = 345 600 - 3 240 = 342 360 s, between an hour and a week: high.
        let first_commit = report("first-commit").await;
        assert_eq!(first_commit["lead_time_median"], 342_360);
        assert_eq!(first_commit["levels"]["lead_time"], "high");
        // From the head commit (11-24 08:30): 36 min = 2 160 s, under an hour: elite.
        let last_commit = report("last-commit").await;
        assert_eq!(last_commit["lead_time_median"], 2_160);
        assert_eq!(last_commit["lead_time_basis"], "last-commit");
        assert_eq!(last_commit["levels"]["lead_time"], "elite");
    }
}
