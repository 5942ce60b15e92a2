//! Integration tests: verify_watch — `shipgate verify` and `shipgate watch` through the built
//! binary, against a real local HTTP service that goes down and comes back, and a real
//! Prometheus loaded with generated history (`promtool tsdb create-blocks-from openmetrics`).
//!
//! Prometheus and promtool are found through `SHIPGATE_PROMETHEUS` / `SHIPGATE_PROMTOOL` or
//! `PATH`; the tests that need them are `#[ignore]`d for a plain `cargo test` and fail, naming
//! what is missing, when run without them. One Prometheus serves every test of this module; a
//! watchdog shell stops it (and removes its storage) when the test process exits. The rollback's
//! GitHub side runs against the in-process fake GitHub.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::Value;

use shipgate_fake::state::Deployment;
use shipgate_fake::{LoggedRequest, Repo};

use crate::support::fake::{self, OWNER};
use crate::support::fixture;
use crate::support::run::{shipgate as cli, Github, Out, Run};
use crate::support::service::{Service, FAILING, REFUSING, UP};
use crate::support::tools::tool_or_path;

/// `shipgate action` as a `workflow_dispatch` run on a fresh repository `name` of the fake.
fn dispatch(name: &str) -> Run<'static> {
    let repo = Repo::new(OWNER, name);
    let repo_name = repo.full_name();
    fake::github().load(repo);
    Run::new(
        Github::direct(fake::github()),
        &repo_name,
        "workflow_dispatch",
        &serde_json::json!({}),
    )
}

/// Runs `shipgate ARGS` with a clean environment (no token, no repository).
fn shipgate(args: &[&str]) -> Out {
    cli(args).run()
}

// ---------------------------------------------------------------------------------------------
// verify

#[test]
fn verify_healthy_service_with_redirect_and_json_expectation() {
    let service = Service::start(UP, None);
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/health"),
        "--health-url",
        &service.url("/redirect"),
        "--expect",
        "json:checks.db=up",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["healthy"], true);
    assert_eq!(
        report["urls"][1]["status"], 200,
        "redirect followed: {report}"
    );
    assert_eq!(report["urls"][0]["attempts"], 1);
}

#[test]
fn verify_waits_for_a_service_that_comes_back() {
    let service = Service::start(REFUSING, None);
    service.set_after(Duration::from_millis(2500), UP);
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/health"),
        "--wait",
        "30s",
        "--timeout",
        "2s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    let attempts = report["urls"][0]["attempts"].as_u64().unwrap();
    assert!(
        (2..=4).contains(&attempts),
        "retried with backoff: {report}"
    );
    // One progress line per round that is followed by another: what is down, why, when next.
    let url = service.url("/health");
    let rounds: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("verify: round"))
        .collect();
    assert_eq!(rounds.len() as u64, attempts - 1, "{}", out.stderr);
    assert!(
        rounds[0].starts_with(&format!(
            "verify: round 1: 1 of 1 not up yet: {url} (connection failed: "
        )) && rounds[0].ends_with("); next attempt in 1s (waiting up to 30s)"),
        "{}",
        out.stderr
    );
}

#[test]
fn verify_reports_a_service_that_stays_down() {
    let refused = Service::start(REFUSING, None);
    let failing = Service::start(FAILING, None);
    let out = shipgate(&[
        "verify",
        "--health-url",
        &refused.url("/health"),
        "--health-url",
        &failing.url("/health"),
        "--wait",
        "3s",
        "--timeout",
        "1s",
    ]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    let text = out.stdout.clone();
    assert!(text.starts_with("shipgate verify: unhealthy"), "{text}");
    assert!(text.contains("connection failed"), "{text}");
    assert!(text.contains("503"), "{text}");
    assert!(
        out.stderr.contains("error: health check failed"),
        "{}",
        out.stderr
    );
    let out = shipgate(&[
        "verify",
        "--health-url",
        &failing.url("/health"),
        "--wait",
        "0s",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.code, 4);
    let md = out.stdout.clone();
    assert!(md.contains("| **down**: HTTP 503 | 503 |"), "{md}");
}

#[test]
fn verify_timeouts_and_body_mismatches_are_down() {
    let service = Service::start(UP, None);
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/slow"),
        "--timeout",
        "1s",
        "--wait",
        "0s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 4);
    assert_eq!(out.json()["urls"][0]["error"], "timed out after 1s");
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/health"),
        "--expect",
        "json:status=degraded",
        "--wait",
        "0s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 4);
    assert_eq!(
        out.json()["urls"][0]["error"],
        "JSON `status` is \"ok\", expected \"degraded\""
    );
}

#[test]
fn verify_bad_input_is_a_usage_error() {
    for (args, message) in [
        (
            vec!["verify", "--health-url", "http://example.com/health"],
            "uses plain HTTP; use HTTPS (loopback hosts are always allowed), or allow plain HTTP with --allow-http",
        ),
        (vec!["verify"], "no health URL and no environment check"),
        (
            vec!["verify", "--require-env", "DATABASE-URL"],
            "invalid value for --require-env: line 1: \"DATABASE-URL\" is not a variable name",
        ),
        (
            vec!["verify", "--security-checks"],
            "invalid value for --security-checks: there is no URL to check",
        ),
        (
            vec!["verify", "--health-url", "https://x.example", "--wait", "5"],
            "invalid value for --wait: invalid duration \"5\": missing unit",
        ),
        (
            vec![
                "verify",
                "--health-url",
                "https://x.example",
                "--expect",
                "json:nope",
            ],
            "invalid value for --expect: \"json:nope\": expected `json:PATH=VALUE`",
        ),
    ] {
        let out = shipgate(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn verify_security_checks_on_loopback_services() {
    let service = Service::start(UP, None);
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/secure"),
        "--security-checks",
        "--wait",
        "0s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    assert_eq!(report["security_checks"], true);
    let results: Vec<(&str, &str)> = report["urls"][0]["security"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["check"].as_str().unwrap(), c["result"].as_str().unwrap()))
        .collect();
    // Loopback plain HTTP has no transport to secure; CORS and the rate limit are checked.
    assert_eq!(
        results,
        [
            ("https-redirect", "skipped"),
            ("hsts", "skipped"),
            ("cors", "pass"),
            ("rate-limit", "pass"),
        ]
    );

    // The origin echoed with credentials, no rate limit: two findings, named per URL; the
    // query value of the URL never shows.
    let open = service.url("/open-cors?token=s3cret");
    let out = shipgate(&[
        "verify",
        "--health-url",
        &open,
        "--health-url",
        &service.url("/secure"),
        "--security-checks",
        "--wait",
        "0s",
    ]);
    assert_eq!(out.code, 4, "{}\n{}", out.stdout, out.stderr);
    let shown = service.url("/open-cors?token=***");
    for line in [
        format!("error: security check failed: {shown} — cors: Access-Control-Allow-Origin echoes the foreign origin https://shipgate-probe.invalid"),
        format!("error: security check failed: {shown} — rate-limit: no rate-limit header"),
    ] {
        assert!(out.stderr.contains(&line), "{line}\n{}", out.stderr);
    }
    assert_eq!(
        out.stderr.matches("security check failed").count(),
        2,
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.starts_with("shipgate verify: unhealthy"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("FAIL     cors"), "{}", out.stdout);
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains("s3cret"), "{text}");
    }
    // Each URL was asked once for its health and once with the foreign origin.
    assert_eq!(service.gets.lock().unwrap().len(), 2 + 4);
}

#[test]
fn verify_environment_checks_need_no_url_and_never_show_values() {
    let args = [
        "verify",
        "--expect-env",
        "ENVIRONMENT=production",
        "--expect-env",
        "DEBUG=false",
        "--expect-env",
        "LOG_LEVEL=info",
        "--require-env",
        "DATABASE_URL, FRONTEND_URL",
    ];
    let run = |vars: &[(&str, &str)], format: &str| {
        let mut list = args.to_vec();
        if !format.is_empty() {
            list.extend(["--format", format]);
        }
        let mut command = cli(&list);
        for (k, v) in vars {
            command = command.env(k, v);
        }
        command.run()
    };
    let good = [
        ("ENVIRONMENT", "production"),
        ("DEBUG", "false"),
        ("LOG_LEVEL", "info"),
        ("DATABASE_URL", "postgres://app:hunter2@db.internal/app"),
        ("FRONTEND_URL", "https://www.example.com"),
    ];
    let out = run(&good, "");
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.starts_with("shipgate verify: healthy"),
        "{}",
        out.stdout
    );

    // Staging's values in production, and a missing URL.
    let bad = [
        ("ENVIRONMENT", "staging-eu"),
        ("DEBUG", "verbose-debug"),
        ("LOG_LEVEL", "info"),
        ("DATABASE_URL", "postgres://app:hunter2@db.internal/app"),
    ];
    for format in ["", "json", "markdown"] {
        let out = run(&bad, format);
        assert_eq!(out.code, 4, "{format}: {}\n{}", out.stdout, out.stderr);
        for value in ["staging-eu", "verbose-debug", "hunter2", "db.internal"] {
            assert!(
                !out.stdout.contains(value) && !out.stderr.contains(value),
                "{format}: {value} shows:\n{}\n{}",
                out.stdout,
                out.stderr
            );
        }
        assert!(
            out.stderr.contains(
                "error: environment check failed: DEBUG should be \"false\": (set, differs)"
            ),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("error: environment check failed: FRONTEND_URL must be set: (unset)"),
            "{}",
            out.stderr
        );
    }
    let report = run(&bad, "json").json();
    assert_eq!(report["healthy"], false);
    assert_eq!(report["urls"], serde_json::json!([]));
    assert_eq!(report["env"][0]["actual"], "(set, differs)");
    assert_eq!(report["env"][0]["expected"], "production");
}

// ---------------------------------------------------------------------------------------------
// watch, live, with the health trigger

#[test]
fn watch_live_health_failing_rolls_back_and_times_the_recovery() {
    let service = Service::start(UP, None);
    let hook = Service::start(UP, Some(service.state.clone()));
    let chat = Service::start(UP, None);
    // Down (refusing) from the 3rd second; the hook brings it back.
    service.set_after(Duration::from_millis(2500), REFUSING);
    let out = shipgate(&[
        "watch",
        "--health-url",
        &service.url("/health"),
        "--rule",
        "health failing for 3s",
        "--rule",
        "alert: uptime < 99%",
        "--interval",
        "1s",
        "--window",
        "30s",
        "--timeout",
        "1s",
        "--rollback-webhook",
        &hook.url("/deploy-hook/s3cret"),
        "--rollback-timeout",
        "20s",
        "--repo",
        "acme/shop",
        "--sha",
        "0123abcd",
        "--release-version",
        "v1.4.0",
        "--notify-webhook",
        &chat.url("/services/T000/B000/s3cret-chat"),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["rollback"], true);
    assert_eq!(report["trigger"], "health failing for 3s");
    // The team heard of the decision and of the recovery, as Slack-compatible JSON.
    let notes: Vec<String> = chat
        .posts
        .lock()
        .unwrap()
        .iter()
        .map(|body| {
            let body: Value = serde_json::from_str(body).unwrap();
            assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
            body["text"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes.iter().any(|n| n.starts_with(
            "🚨 Rollback decided for v1.4.0 in production: health failing for 3s — health check failing for 3 consecutive samples"
        ) && n.ends_with("(acme/shop, commit 0123abc)")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with(
            "✅ Rollback finished for v1.4.0 in production: healthy again "
        )),
        "{notes:?}"
    );
    assert!(
        out.stderr
            .contains("watch: notified the team: rollback finished"),
        "{}",
        out.stderr
    );
    let health = &report["series"][0]["samples"];
    let states: Vec<&Value> = health
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["value"])
        .collect();
    // Fired at the 3rd failing sample: every sample before the last three was healthy (when the
    // service went down does not matter).
    let (before, last) = states.split_at(states.len().saturating_sub(3));
    assert_eq!(last, [&Value::from(0.0); 3], "{health}");
    assert!(!before.is_empty(), "{health}");
    assert!(before.iter().all(|v| **v == 1.0), "{health}");
    assert_eq!(report["samples"], states.len(), "{report}");
    assert_eq!(report["events"][0]["rule"], "alert: uptime < 99%");
    // The hook was called with the decision, and the service came back.
    let posts = hook.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 1);
    let body: Value = serde_json::from_str(&posts[0]).unwrap();
    assert_eq!(body["repository"], "acme/shop");
    assert_eq!(body["sha"], "0123abcd");
    assert_eq!(body["version"], "v1.4.0");
    assert_eq!(body["environment"], "production");
    assert_eq!(body["trigger"], "health failing for 3s");
    assert_eq!(body["fired_at"], report["fired_at"]);
    let actions = report["actions"].as_array().unwrap();
    let by_name = |name: &str| {
        actions
            .iter()
            .find(|a| a["action"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("webhook")["ok"], true);
    assert_eq!(
        by_name("deployment status")["ok"],
        Value::Null,
        "skipped without a token"
    );
    assert_eq!(by_name("recovery")["ok"], true);
    // The recovery was timed: seen within the rollback timeout, as `recovery: ok` says.
    let seconds = report["rollback_seconds"]
        .as_u64()
        .expect("rollback time measured");
    assert!(seconds <= 20, "{seconds}");
    let err = out.stderr;
    assert!(
        !err.contains("s3cret") && !out.stdout.contains("s3cret"),
        "the hooks' secret paths are never printed: {err}"
    );
    assert!(err.contains("warning: alert: uptime < 99%"), "{err}");
}

#[test]
fn watch_in_the_action_hands_its_rollback_outputs_to_the_next_step() {
    let service = Service::start(UP, None);
    let hook = Service::start(UP, Some(service.state.clone()));
    service.set_after(Duration::from_millis(1500), REFUSING);
    let ran = dispatch("watch-rollback-outputs")
        .input("command", "watch")
        .input("health-urls", &service.url("/health"))
        .input("rules", "health failing for 2s")
        .input("interval", "1s")
        .input("window", "30s")
        .input("timeout", "1s")
        .input("rollback-webhook", &hook.url("/deploy-hook/s3cret"))
        .input("rollback-timeout", "20s")
        .run();
    assert_eq!(ran.code, 5, "{}", ran.describe());
    assert_eq!(ran.outputs["rollback"], "true", "{}", ran.describe());
    assert_eq!(ran.outputs["result"], "rollback");
    assert_eq!(ran.outputs["trigger"], "health failing for 2s");
    // What `incident`'s `rollback-seconds` input takes, as action.yml passes it on.
    let seconds: u64 = ran.outputs["rollback-seconds"]
        .parse()
        .unwrap_or_else(|_| panic!("{}", ran.describe()));
    assert!(seconds <= 20, "{seconds}");
    assert_eq!(ran.report()["rollback_seconds"], seconds);
}

#[test]
fn watch_live_healthy_service_ends_without_rollback() {
    let service = Service::start(UP, None);
    let out = shipgate(&[
        "watch",
        "--health-url",
        &service.url("/health"),
        "--interval",
        "1s",
        "--window",
        "2s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["result"], "no_rollback");
    assert_eq!(report["samples"], 3);
    // Defaults: the health rules apply, metric rules are listed as not watched.
    let rules: Vec<&str> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    // `health failing for 3m` needs 180 samples: not watched in 3, and said so.
    assert_eq!(rules, ["uptime < 99%"]);
    assert_eq!(report["not_watched"].as_array().unwrap().len(), 5);
    assert!(
        out.stderr
            .contains("warning: default rule `health failing for 3m` is not watched"),
        "{}",
        out.stderr
    );
}

#[test]
fn watch_live_unreachable_prometheus_is_never_healthy() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}");
    let out = shipgate(&[
        "watch",
        "--prometheus-url",
        &url,
        "--metric",
        "error_rate = sum(rate(errors[1m]))",
        "--interval",
        "1s",
        "--window",
        "2s",
        "--timeout",
        "1s",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let text = out.stdout.clone();
    assert!(text.starts_with("shipgate watch: error"), "{text}");
    assert!(
        text.contains("metric `error_rate` has no sample in the whole window (0 missing, 3 failed): cannot reach Prometheus"),
        "{text}"
    );
}

#[test]
fn watch_malformed_rules_are_usage_errors_with_columns() {
    let service = Service::start(UP, None);
    for (rule, message) in [
        (
            "error_rate 5% for 5m",
            "rule 1, column 12: expected a comparison operator",
        ),
        (
            "warn: health failing",
            "rule 1, column 1: unknown level `warn`",
        ),
        (
            "health failing for 3 m",
            "rule 1, column 20: invalid duration",
        ),
        (
            "latency_p95 > 5s",
            "rule 1, column 1: unknown metric `latency_p95`",
        ),
    ] {
        let out = shipgate(&[
            "watch",
            "--health-url",
            &service.url("/health"),
            "--rule",
            rule,
        ]);
        assert_eq!(out.code, 2, "{rule}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{rule}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// per-URL expectations, impossible rules, a source that stays down, signals

/// An API's health URL and an HTML frontend, each line with what its body must contain.
fn api_and_frontend(service: &Service) -> [String; 2] {
    [
        format!("{} json:status=ok", service.url("/health")),
        format!("{} <title>Shop</title>", service.url("/")),
    ]
}

#[test]
fn verify_an_api_and_an_html_frontend_each_with_its_own_expectation() {
    let service = Service::start(UP, None);
    let [api, frontend] = api_and_frontend(&service);
    let out = shipgate(&[
        "verify",
        "--health-url",
        &api,
        "--health-url",
        &frontend,
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["healthy"], true);
    // `expect` applies only to the URLs without their own: here the API's.
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/health"),
        "--health-url",
        &frontend,
        "--expect",
        "json:status=ok",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // One `expect` for both is the trap this avoids: the frontend is not JSON.
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/health"),
        "--health-url",
        &service.url("/"),
        "--expect",
        "json:status=ok",
        "--wait",
        "0s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["urls"][0]["up"], true);
    assert!(
        report["urls"][1]["error"]
            .as_str()
            .unwrap()
            .starts_with("body is not JSON"),
        "{report}"
    );
    // An expectation that does not hold names what it found.
    let out = shipgate(&[
        "verify",
        "--health-url",
        &format!("{} Welcome back", service.url("/")),
        "--wait",
        "0s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 4);
    assert_eq!(
        out.json()["urls"][0]["error"],
        "body does not contain \"Welcome back\""
    );
}

#[test]
fn a_bad_expectation_line_is_a_usage_error_naming_the_line() {
    let service = Service::start(UP, None);
    let api = service.url("/health");
    let out = shipgate(&[
        "verify",
        "--health-url",
        &service.url("/"),
        "--health-url",
        &format!("{api} json:status"),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr,
        format!("error: invalid value for --health-url: line 2: the expectation of {api} is invalid: \"json:status\": expected `json:PATH=VALUE`, e.g. `json:status=ok`\n")
    );
    let out = shipgate(&["watch", "--health-url", &format!("{api} json:a..b=1")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: invalid value for --health-url: line 1: the expectation of "),
        "{}",
        out.stderr
    );
    // In the Action the input is named as written in the workflow, the line as in its value.
    let ran = dispatch("verify-bad-expectation")
        .input("command", "verify")
        .input(
            "health-urls",
            &format!("{}\n{api} json:\n", service.url("/")),
        )
        .run();
    assert_eq!(ran.code, 2, "{}", ran.describe());
    assert!(
        ran.stdout.contains(&format!(
            "::error::invalid value for input `health-urls`: line 2: the expectation of {api} is invalid: \"json:\": expected `json:PATH=VALUE`"
        )),
        "{}",
        ran.describe()
    );
}

#[test]
fn watch_an_api_and_an_html_frontend_each_with_its_own_expectation() {
    let service = Service::start(UP, None);
    let [api, frontend] = api_and_frontend(&service);
    let out = shipgate(&[
        "watch",
        "--health-url",
        &api,
        "--health-url",
        &frontend,
        "--rule",
        "health failing for 2s",
        "--interval",
        "1s",
        "--window",
        "2s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["result"], "no_rollback");
    let health: Vec<&Value> = report["series"][0]["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["value"])
        .collect();
    assert_eq!(health, [&Value::from(1.0); 3], "{report}");
    // The same from the Action's multiline input, with a global `expect` for the line without
    // its own.
    let ran = dispatch("watch-per-url-expectations")
        .input("command", "watch")
        .input(
            "health-urls",
            &format!("{}\n{frontend}\n", service.url("/health")),
        )
        .input("expect", "json:checks.db=up")
        .input("rules", "health failing for 2s")
        .input("interval", "1s")
        .input("window", "2s")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.outputs["result"], "no_rollback", "{}", ran.describe());
    assert_eq!(ran.outputs["rollback"], "false");
}

#[test]
fn a_written_rule_that_cannot_fire_in_the_window_is_a_usage_error() {
    let service = Service::start(UP, None);
    let out = shipgate(&[
        "watch",
        "--health-url",
        &service.url("/health"),
        "--rule",
        "alert: uptime < 99%",
        "--rule",
        "health failing for 10m",
        "--interval",
        "1s",
        "--window",
        "2s",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr,
        "error: rule 2 `health failing for 10m` can never fire: it needs 600 consecutive samples at 1s (--interval), and the window of 2s (--window) takes 3 (one at the start, then one every interval): lengthen the window or shorten the rule's `for`\n"
    );
    assert!(
        service.gets.lock().unwrap().is_empty(),
        "nothing was probed"
    );
    let ran = dispatch("watch-unfireable-rule")
        .input("command", "watch")
        .input("health-urls", &service.url("/health"))
        .input("rules", "health failing for 5m")
        .input("window", "2m")
        .run();
    assert_eq!(ran.code, 2, "{}", ran.describe());
    assert!(
        ran.stdout.contains("::error::rule 1 `health failing for 5m` can never fire: it needs 5 consecutive samples at 1m (input `interval`), and the window of 2m (input `window`) takes 3"),
        "{}",
        ran.describe()
    );
}

#[test]
fn watch_stops_when_prometheus_stays_unreachable() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = shipgate(&[
        "watch",
        "--prometheus-url",
        &format!("http://127.0.0.1:{port}"),
        "--metric",
        "error_rate = sum(rate(errors[1m]))",
        "--interval",
        "1s",
        "--window",
        "10m",
        "--timeout",
        "1s",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["result"], "error");
    assert_eq!(report["rollback"], false);
    assert_eq!(
        report["samples"], 3,
        "stopped at the third failure, not after 601 samples"
    );
    let first = report["errors"][0].as_str().unwrap();
    assert!(
        first.starts_with("metric `error_rate` failed 3 samples in a row (cannot reach Prometheus at ")
            && first.ends_with("): the watch stopped after 3 samples instead of waiting out the window, since it could no longer vouch for the deploy"),
        "{first}"
    );
    assert!(
        out.stderr
            .contains("watch: stopped: metric `error_rate` failed 3 samples in a row"),
        "{}",
        out.stderr
    );
}

#[test]
fn watch_interrupted_by_sigint_reports_what_it_saw() {
    let service = Service::start(UP, None);
    let running = cli(&[
        "watch",
        "--health-url",
        &service.url("/health"),
        "--rule",
        "health failing for 3s",
        "--interval",
        "1s",
        "--window",
        "10m",
    ])
    .start();
    running.wait_for_stderr("health=1");
    running.signal("INT");
    let out = running.finish();
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("shipgate watch: error\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("error: interrupted by SIGINT after ")
            && out
                .stdout
                .contains(" of 601 samples: the watch cannot vouch for the rest of its window"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("health failing for 3s"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("watch: interrupted by SIGINT"),
        "{}",
        out.stderr
    );
}

#[test]
fn watch_in_the_action_terminated_still_writes_its_outputs_and_summary() {
    let service = Service::start(UP, None);
    let running = dispatch("watch-terminated")
        .input("command", "watch")
        .input("health-urls", &service.url("/health"))
        .input("interval", "1s")
        .input("window", "10m")
        .start();
    running.running.wait_for_stderr("health=1");
    running.running.signal("TERM");
    let ran = running.finish();
    assert_eq!(ran.code, 143, "{}", ran.describe());
    assert_eq!(ran.outputs["result"], "error", "{}", ran.describe());
    assert_eq!(ran.outputs["rollback"], "false");
    assert_eq!(ran.report()["interrupted"], "SIGTERM");
    assert!(
        ran.summary.contains("shipgate watch: error"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("interrupted by SIGTERM after "),
        "{}",
        ran.summary
    );
    assert!(
        ran.stdout
            .contains("::error::watch: interrupted by SIGTERM after "),
        "{}",
        ran.describe()
    );
}

#[test]
fn verify_interrupted_while_waiting_reports_what_it_saw() {
    let service = Service::start(REFUSING, None);
    let url = service.url("/health");
    let running = cli(&[
        "verify",
        "--health-url",
        &url,
        "--wait",
        "10m",
        "--timeout",
        "1s",
    ])
    .start();
    running.wait_for_stderr("verify: round 1: 1 of 1 not up yet");
    running.signal("TERM");
    let out = running.finish();
    assert_eq!(out.code, 143, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("shipgate verify: interrupted by SIGTERM\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("{url} — connection failed")),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("error: verify interrupted by SIGTERM: the deploy is not verified"),
        "{}",
        out.stderr
    );
}

#[test]
fn verify_progress_in_the_action_is_plain_log_lines() {
    let service = Service::start(FAILING, None);
    let url = service.url("/health");
    let ran = dispatch("verify-progress")
        .input("command", "verify")
        .input("health-urls", &url)
        .input("wait", "2s")
        .run();
    assert_eq!(ran.code, 4, "{}", ran.describe());
    assert!(
        ran.stderr.lines().any(|l| l
            == format!("verify: round 1: 1 of 1 not up yet: {url} (HTTP 503); next attempt in 1s (waiting up to 2s)")),
        "{}",
        ran.describe()
    );
    assert!(
        !ran.stdout
            .lines()
            .any(|l| l.starts_with("::") && l.contains("not up yet")),
        "progress is not an annotation: {}",
        ran.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// watch, replay, against a real Prometheus

/// The shared Prometheus: its URL and the start of the generated history.
struct Prom {
    url: String,
    t0: DateTime<Utc>,
    /// The watchdog shell (it outlives the tests on purpose: it stops Prometheus after them).
    _watchdog: Option<std::process::Child>,
}

/// The shared Prometheus, started on first use; panics when prometheus or promtool is missing
/// (every test that calls it is `#[ignore]`d for a plain `cargo test`).
fn prometheus() -> &'static Prom {
    static PROMETHEUS: OnceLock<Prom> = OnceLock::new();
    PROMETHEUS.get_or_init(start_prometheus)
}

/// Requests and errors in one 15 s step, by the minute the step starts in.
type Shape = fn(i64) -> (u64, u64);

/// The history: every 15 s over 70 minutes from `t0`.
///
/// Error rate (counters `shipgate_requests_total` / `shipgate_errors_total`, 100 requests per
/// 15 s): the sample of `rate(...[1m])` at minute m sees minute m-1 exactly.
/// - `rollback`: 7 % in minutes 10–15 (6 minutes), else 1 %;
/// - `alert`: 7 % in minutes 10–13 (4 minutes), else 1 %;
/// - `gap`: 7 % in minutes 10–12, no data at all after 13:00 until 20:00, 7 % in 20–22;
/// - `nan`: 7 % in minutes 6–9 and 18–19, no traffic (0/0 = NaN) in minutes 10–17.
///
/// Latency (gauge `shipgate_latency_p95_seconds`, read at minute m = minute m's value):
/// - `lat9`: 6 s in minutes 10–18 (9 minutes), else 0.5 s;
/// - `lat11`: 6 s in minutes 10–20 (11 minutes), else 0.5 s.
fn openmetrics(t0: DateTime<Utc>) -> String {
    let steps = 70 * 4;
    let at = |j: i64| (t0 + TimeDelta::seconds(15 * j)).timestamp();
    // The fraction of errors and the traffic for the interval that starts at minute m.
    let error_cases: [(&str, Shape); 4] = [
        ("rollback", |m| {
            (100, if (10..16).contains(&m) { 7 } else { 1 })
        }),
        ("alert", |m| {
            (100, if (10..14).contains(&m) { 7 } else { 1 })
        }),
        ("gap", |m| {
            let high = (10..13).contains(&m) || (20..23).contains(&m);
            (100, if high { 7 } else { 1 })
        }),
        ("nan", |m| {
            if (10..18).contains(&m) {
                (0, 0)
            } else if (6..10).contains(&m) || (18..20).contains(&m) {
                (100, 7)
            } else {
                (100, 1)
            }
        }),
    ];
    let mut requests = String::from("# TYPE shipgate_requests counter\n");
    let mut errors = String::from("# TYPE shipgate_errors counter\n");
    for (case, shape) in error_cases {
        let (mut r, mut e) = (0u64, 0u64);
        for j in 0..=steps {
            let t = at(j);
            if j > 0 {
                let minute = (j - 1) / 4;
                let (dr, de) = shape(minute);
                r += dr;
                e += de;
            }
            // The gap: no sample after 13:00 until 20:00 (both excluded).
            if case == "gap" && j > 13 * 4 && j <= 20 * 4 {
                continue;
            }
            requests.push_str(&format!(
                "shipgate_requests_total{{case=\"{case}\"}} {r} {t}\n"
            ));
            errors.push_str(&format!(
                "shipgate_errors_total{{case=\"{case}\"}} {e} {t}\n"
            ));
        }
    }
    let mut latency = String::from("# TYPE shipgate_latency_p95_seconds gauge\n");
    for (case, minutes) in [("lat9", 10..19), ("lat11", 10..21)] {
        for j in 0..=steps {
            let value = if minutes.contains(&(j / 4)) {
                "6"
            } else {
                "0.5"
            };
            latency.push_str(&format!(
                "shipgate_latency_p95_seconds{{case=\"{case}\"}} {value} {}\n",
                at(j)
            ));
        }
    }
    format!("{requests}{errors}{latency}# EOF\n")
}

// The watchdog shell is never waited for on purpose: it must outlive the tests to stop
// Prometheus after them.
#[allow(clippy::zombie_processes)]
fn start_prometheus() -> Prom {
    let prometheus = tool_or_path("SHIPGATE_PROMETHEUS", "prometheus");
    let promtool = tool_or_path("SHIPGATE_PROMTOOL", "promtool");
    // Two hours back, on a whole hour: well inside retention, well outside the head block.
    let t0 = Utc::now().duration_trunc(TimeDelta::hours(1)).unwrap() - TimeDelta::hours(3);
    // Kept on disk for the life of the test process; the watchdog below removes it.
    let dir = tempfile::Builder::new()
        .prefix("shipgate-prometheus-")
        .tempdir()
        .unwrap()
        .keep();
    let data = dir.join("history.om");
    std::fs::write(&data, openmetrics(t0)).unwrap();
    let storage = dir.join("tsdb");
    let backfill = Command::new(&promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&data)
        .arg(&storage)
        .output()
        .expect("run promtool");
    assert!(
        backfill.status.success(),
        "promtool failed: {}",
        String::from_utf8_lossy(&backfill.stderr)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The watchdog: runs Prometheus, and stops it and removes the storage when this test
    // process has exited (however it ended).
    let script = r#"
        "$1" --config.file="$2" --storage.tsdb.path="$3" --web.listen-address="127.0.0.1:$4" \
             --storage.tsdb.retention.time=30d >"$5/prometheus.log" 2>&1 &
        child=$!
        while kill -0 "$6" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
        kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; rm -rf "$5"
    "#;
    let watchdog = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("watchdog")
        .arg(&prometheus)
        .arg(fixture("watch/prometheus.yml"))
        .arg(&storage)
        .arg(port.to_string())
        .arg(&dir)
        .arg(std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.write_all(b"GET /-/ready HTTP/1.0\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
                return Prom {
                    url,
                    t0,
                    _watchdog: Some(watchdog),
                };
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "Prometheus did not become ready: {}",
        std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
    );
}

fn minute(prom: &Prom, m: i64) -> String {
    shipgate_core::watch::engine::rfc3339(prom.t0 + TimeDelta::minutes(m))
}

fn error_rate(case: &str) -> String {
    format!(
        "error_rate = sum(rate(shipgate_errors_total{{case=\"{case}\"}}[1m])) / sum(rate(shipgate_requests_total{{case=\"{case}\"}}[1m]))"
    )
}

fn latency(case: &str) -> String {
    format!("latency_p95 = shipgate_latency_p95_seconds{{case=\"{case}\"}}")
}

/// `watch --since t0+FROM --until t0+TO` with the default rules and the given metrics.
fn replay(prom: &Prom, from: i64, to: i64, metrics: &[String], extra: &[&str]) -> Out {
    let (since, until) = (minute(prom, from), minute(prom, to));
    let mut args = vec![
        "watch",
        "--prometheus-url",
        &prom.url,
        "--since",
        &since,
        "--until",
        &until,
    ];
    if !extra.contains(&"--format") {
        args.extend_from_slice(&["--format", "json"]);
    }
    for metric in metrics {
        args.push("--metric");
        args.push(metric);
    }
    args.extend_from_slice(extra);
    shipgate(&args)
}

fn fired(report: &Value, rule: &str) -> Vec<String> {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no rule {rule}: {report}"))["fired_at"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn replay_error_rate_7_percent_for_6_minutes_rolls_back() {
    let prom = prometheus();
    let out = replay(prom, 5, 30, &[error_rate("rollback")], &[]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["rollback"], true);
    assert_eq!(report["replay"], true);
    assert_eq!(report["trigger"], "error_rate > 5% for 5m");
    // 7 % is seen at minutes 11..16; the 5th consecutive breaching sample is minute 15.
    assert_eq!(report["fired_at"], minute(prom, 15));
    assert_eq!(fired(&report, "alert: error_rate > 3%"), [minute(prom, 11)]);
    assert_eq!(
        report["actions"],
        serde_json::json!([]),
        "a replay is a dry run"
    );
    let not_watched: Vec<&str> = report["not_watched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        not_watched,
        [
            "latency_p95 > 5s for 10m",
            "health failing for 3m",
            "uptime < 99%",
            "alert: latency_p95 > 3s"
        ]
    );
    let values = &report["series"][0]["samples"];
    let value = |i: usize| values[i]["value"].as_f64().unwrap();
    assert!((value(0) - 0.01).abs() < 1e-9, "{values}");
    assert!((value(6) - 0.07).abs() < 1e-9, "{values}");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn replay_error_rate_7_percent_for_4_minutes_only_alerts() {
    let prom = prometheus();
    let out = replay(prom, 5, 30, &[error_rate("alert")], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["result"], "no_rollback");
    assert_eq!(report["samples"], 26);
    assert_eq!(fired(&report, "alert: error_rate > 3%"), [minute(prom, 11)]);
    assert!(fired(&report, "error_rate > 5% for 5m").is_empty());
    let rollback_rule = report["rules"].as_array().unwrap()[0].clone();
    assert_eq!(rollback_rule["longest_streak"], 4);
    assert!(
        out.stderr.contains("warning: alert: error_rate > 3%"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn replay_latency_6s_for_9_minutes_alerts_and_for_11_minutes_rolls_back() {
    let prom = prometheus();
    let out = replay(prom, 5, 30, &[latency("lat9")], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(
        fired(&report, "alert: latency_p95 > 3s"),
        [minute(prom, 10)]
    );
    assert_eq!(report["rules"][0]["longest_streak"], 9);

    let out = replay(prom, 5, 30, &[latency("lat11")], &["--format", "markdown"]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    let md = out.stdout.clone();
    // The 10th consecutive 6 s sample is minute 19.
    let at = (prom.t0 + TimeDelta::minutes(19))
        .format("%H:%M")
        .to_string();
    assert!(
        md.contains("**Trigger:** `latency_p95 > 5s for 10m`"),
        "{md}"
    );
    assert!(md.contains("xychart-beta"), "{md}");
    assert!(md.contains(&format!("\"{at} ROLLBACK\"")), "{md}");
    assert!(md.contains("A replay is a dry run"), "{md}");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn replay_a_gap_holds_the_streak() {
    let prom = prometheus();
    let out = replay(prom, 5, 30, &[error_rate("gap")], &[]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    let report = out.json();
    // 7 % at minutes 11, 12, 13; no data at 14..20; 7 % again at 21, 22: the 5th breach.
    assert_eq!(report["fired_at"], minute(prom, 22));
    let samples = report["series"][0]["samples"].as_array().unwrap();
    let missing = samples.iter().filter(|s| s["state"] == "missing").count();
    assert_eq!(missing, 7, "{samples:?}");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn replay_nan_is_missing_and_a_window_of_only_nan_is_an_error() {
    let prom = prometheus();
    // 7 % at minutes 7..10, NaN at 11..18, 7 % at 19..20: the 5th breach is minute 19.
    let out = replay(prom, 5, 30, &[error_rate("nan")], &[]);
    assert_eq!(out.code, 5, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["fired_at"], minute(prom, 19));
    // Only no-traffic samples: never healthy.
    let out = replay(prom, 11, 18, &[error_rate("nan")], &["--format", "text"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let text = out.stdout.clone();
    assert!(
        text.contains(
            "error: metric `error_rate` has no sample in the whole window (8 missing, 0 failed)"
        ),
        "{text}"
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn replay_bad_queries_and_several_series_are_errors() {
    let prom = prometheus();
    let out = replay(
        prom,
        5,
        30,
        &["error_rate = sum(rate(x[1m])".to_string()],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: metric `error_rate`: Prometheus rejected the query (bad_data, HTTP 400)"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    let out = replay(
        prom,
        5,
        30,
        &["latency_p95 = shipgate_latency_p95_seconds".to_string()],
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("the query returned 2 series ({__name__=\"shipgate_latency_p95_seconds\", case=\"lat11\"}"),
        "{}",
        out.stderr
    );
    // A query that matches nothing: no sample in the whole window.
    let out = replay(prom, 5, 30, &[latency("nope")], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["result"], "error");
}

#[test]
fn replay_against_unreachable_prometheus_is_an_error() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let prom = Prom {
        url: format!("http://127.0.0.1:{port}"),
        t0: Utc::now() - TimeDelta::hours(2),
        _watchdog: None,
    };
    let out = replay(&prom, 0, 10, &[error_rate("rollback")], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "error: metric `error_rate`: cannot reach Prometheus at http://127.0.0.1:{port}/api/v1/query_range"
        )),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// The rollback's GitHub side (deployment status, workflow dispatch) against a fake GitHub

#[test]
fn watch_rollback_marks_the_deployment_and_dispatches_the_workflow() {
    // Two production deployments of the commit; the newer one is rolled back.
    let mut state = Repo::new(OWNER, "watch-rollback");
    for (id, created) in [(41, "2026-11-27T10:00:00Z"), (42, "2026-11-27T11:00:00Z")] {
        state.deployments.push(Deployment {
            id,
            sha: "0123abcd".into(),
            environment: "production".into(),
            production_environment: true,
            created_at: created.parse().unwrap(),
            ..Deployment::default()
        });
    }
    let repo = state.full_name();
    fake::github().load(state);
    let service = Service::start(FAILING, None);
    let token = "ghs_test_token_never_printed";
    let out = cli(&[
        "watch",
        "--health-url",
        &service.url("/health"),
        "--rule",
        "health failing",
        "--interval",
        "1s",
        "--window",
        "10s",
        "--rollback-workflow",
        "rollback.yml",
        "--rollback-ref",
        "main",
        "--rollback-timeout",
        "1s",
        "--sha",
        "0123abcd",
        "--release-version",
        "v1.4.0",
        "--format",
        "json",
    ])
    .github(&Github::direct(fake::github()), &repo)
    .env("GITHUB_TOKEN", token)
    .env("GITHUB_RUN_ID", "99")
    .run();
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(!format!("{}{}", out.stdout, out.stderr).contains(token));
    let report = out.json();
    let actions = report["actions"].as_array().unwrap();
    assert_eq!(actions[0]["action"], "deployment status");
    assert_eq!(actions[0]["ok"], true, "{actions:?}");
    assert_eq!(actions[0]["detail"], "deployment 42 marked `failure`");
    assert_eq!(actions[2]["action"], "workflow");
    assert_eq!(actions[2]["ok"], true, "{actions:?}");
    // Still down: the recovery is not measured, and says so.
    assert_eq!(actions[3]["ok"], false);
    assert_eq!(report["rollback_seconds"], Value::Null);

    let requests = fake::github().requests(&repo);
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let prefix = format!("/repos/{repo}");
    let lookup: Vec<&LoggedRequest> = requests.iter().filter(|r| r.method == "GET").collect();
    assert_eq!(lookup.len(), 1, "{calls:?}");
    assert!(
        lookup[0]
            .path
            .starts_with(&format!("{prefix}/deployments?"))
            && lookup[0].query().contains("sha=0123abcd")
            && lookup[0].query().contains("environment=production"),
        "{calls:?}"
    );
    let body = |path: &str| -> Value {
        let matching: Vec<&LoggedRequest> = requests
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .collect();
        assert_eq!(matching.len(), 1, "one POST {path}: {calls:?}");
        assert_eq!(
            matching[0].header("authorization"),
            Some(&*format!("Bearer {token}"))
        );
        matching[0].json()
    };
    let status = body(&format!("{prefix}/deployments/42/statuses"));
    assert_eq!(status["state"], "failure");
    assert_eq!(status["environment"], "production");
    assert_eq!(
        status["log_url"],
        format!("https://github.com/{repo}/actions/runs/99")
    );
    let description = status["description"].as_str().unwrap();
    assert!(
        description.starts_with("shipgate rollback: health check failing"),
        "{description}"
    );
    assert!(description.chars().count() <= 140);
    let dispatch = body(&format!(
        "{prefix}/actions/workflows/rollback.yml/dispatches"
    ));
    assert_eq!(dispatch["ref"], "main");
    assert_eq!(dispatch["inputs"]["sha"], "0123abcd");
    assert_eq!(dispatch["inputs"]["version"], "v1.4.0");
    assert_eq!(dispatch["inputs"]["trigger"], "health failing");
    // And GitHub's state shows both: the newer deployment failed, the workflow was requested.
    let after = fake::github().repo(&repo).unwrap();
    let newest = after.deployments.iter().find(|d| d.id == 42).unwrap();
    assert_eq!(newest.statuses.last().unwrap().state, "failure");
    assert!(
        after.deployments[0].statuses.is_empty(),
        "the older one is left alone"
    );
    assert_eq!(after.dispatches.len(), 1);
    assert_eq!(after.dispatches[0].workflow, "rollback.yml");
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn replay_health_from_a_metric_drives_health_failing_and_uptime() {
    let prom = prometheus();
    // 1 while the lat9 latency is under 5 s, 0 in minutes 10..18.
    let health = "health = shipgate_latency_p95_seconds{case=\"lat9\"} < bool 5".to_string();
    let out = replay(
        prom,
        5,
        30,
        &[health],
        &[
            "--rule",
            "health failing for 3m",
            "--rule",
            "alert: uptime < 99%",
        ],
    );
    assert_eq!(out.code, 5, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["health"], "metric");
    assert_eq!(report["trigger"], "health failing for 3m");
    assert_eq!(report["fired_at"], minute(prom, 12));
    assert_eq!(fired(&report, "alert: uptime < 99%"), [minute(prom, 10)]);
    let uptime = report["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "uptime")
        .unwrap()["samples"]
        .clone();
    // Minutes 5..9 healthy, 10 failing: 5 of 6.
    let at_10 = uptime[5]["value"].as_f64().unwrap();
    assert!((at_10 - 5.0 / 6.0).abs() < 1e-9, "{uptime}");
}
