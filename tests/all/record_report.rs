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
            "--version".into(),
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
