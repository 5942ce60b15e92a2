//! Integration tests: `shipgate gate` run as a user runs it, on the examples and on bad input.
//!
//! Every example of `examples/` is evaluated offline by the built binary: exit code, verdict,
//! the gates that decide it, and snapshots of the Markdown and text reports (kept in
//! `tests/fixtures/cli/snapshots/`). Bad input must end with exit code 2, a message naming
//! what is wrong, and nothing on standard output.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::run::{shipgate, Out};
use crate::support::{fixture, repo_root, shipgate_bin};

/// Runs `shipgate gate ARGS` from the repository root, without colour or GitHub variables.
fn gate(args: &[&str]) -> Out {
    let mut all = vec!["gate"];
    all.extend_from_slice(args);
    shipgate(&all).current_dir(&repo_root()).run()
}

/// Runs the gate on an example with `--format json` and parses the report.
fn json_report(example: &str, extra: &[&str]) -> (i32, Value) {
    let path = format!("examples/{example}");
    let mut args = vec!["--facts", path.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let run = gate(&args);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{example}: stdout is not JSON ({e}):\n{}", run.stdout));
    (run.code, report)
}

/// The `state` and `reason` of one gate in a JSON report.
fn gate_row<'a>(report: &'a Value, gate: &str) -> (&'a str, &'a str) {
    let row = report["gates"]
        .as_array()
        .expect("gates is an array")
        .iter()
        .find(|row| row["gate"] == gate)
        .unwrap_or_else(|| panic!("no row for gate {gate} in {report:#}"));
    (
        row["state"].as_str().expect("state"),
        row["reason"].as_str().expect("reason"),
    )
}

/// Asserts a usage error: exit 2, nothing on stdout, and every `needle` in the message.
fn assert_usage_error(run: &Out, needles: &[&str]) {
    assert_eq!(run.code, 2, "exit code; stderr: {}", run.stderr);
    assert_eq!(run.stdout, "", "nothing may be printed on stdout");
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "stderr should name {needle:?}:\n{}",
            run.stderr
        );
    }
}

/// The examples, with the exit code and verdict each must give.
const EXAMPLES: [(&str, i32, &str); 5] = [
    ("v1.4.0-ready.json", 0, "pass"),
    ("v1.4.0-soaking.json", 3, "pending"),
    ("v1.4.0-one-approval.json", 3, "pending"),
    ("v1.4.0-staging-failed.json", 4, "fail"),
    ("v1.4.0-tag-wrong-commit.json", 4, "fail"),
];

#[test]
fn every_example_gives_its_verdict_and_exit_code() {
    for (example, code, verdict) in EXAMPLES {
        for config in [None, Some("examples/shipgate.yml")] {
            let extra: Vec<&str> = config.map(|c| vec!["--config", c]).unwrap_or_default();
            let (got_code, report) = json_report(example, &extra);
            assert_eq!(
                report["verdict"], verdict,
                "{example} {config:?}: {report:#}"
            );
            assert_eq!(got_code, code, "{example} {config:?}");
        }
    }
}

#[test]
fn ready_example_passes_every_gate() {
    let (_, report) = json_report("v1.4.0-ready.json", &["--config", "examples/shipgate.yml"]);
    for gate in ["soak", "approvals", "tag", "checks", "checklist"] {
        assert_eq!(gate_row(&report, gate).0, "pass", "{gate}: {report:#}");
    }
    assert_eq!(report["version"], "v1.4.0");
    assert_eq!(
        report["subject"]["repository"],
        "tecnomundo/repair-management"
    );
    assert_eq!(report["evaluated_at"], "2026-11-26T15:20:00Z");
}

#[test]
fn soaking_example_is_pending_until_the_soak_ends() {
    let (_, report) = json_report("v1.4.0-soaking.json", &[]);
    let (state, _) = gate_row(&report, "soak");
    assert_eq!(state, "pending");
    // Staging went green at 14:06:30 on the 25th; 24 h later the release is ready.
    assert_eq!(report["ready_at"], "2026-11-26T14:06:30Z", "{report:#}");
    for gate in ["approvals", "tag", "checks"] {
        assert_eq!(gate_row(&report, gate).0, "pass", "{gate}: {report:#}");
    }
}

#[test]
fn now_moves_the_evaluation_in_time() {
    // One second before the soak ends it is still pending; at its end it passes.
    let (code, report) = json_report("v1.4.0-soaking.json", &["--now", "2026-11-26T14:06:29Z"]);
    assert_eq!((code, gate_row(&report, "soak").0), (3, "pending"));
    let (code, report) = json_report("v1.4.0-soaking.json", &["--now", "2026-11-26T14:06:30Z"]);
    assert_eq!(
        (code, report["verdict"].as_str()),
        (0, Some("pass")),
        "{report:#}"
    );
    assert_eq!(report["evaluated_at"], "2026-11-26T14:06:30Z");
}

#[test]
fn one_approval_example_waits_for_the_second_reviewer() {
    let (_, report) = json_report("v1.4.0-one-approval.json", &[]);
    let (state, reason) = gate_row(&report, "approvals");
    assert_eq!(state, "pending");
    assert!(reason.contains("1 of 2"), "{reason}");
    assert!(
        report.get("ready_at").is_none(),
        "no time can be promised for a review"
    );
    // With one approval required the same facts pass.
    let (code, _) = json_report("v1.4.0-one-approval.json", &["--required-approvals", "1"]);
    assert_eq!(code, 0);
}

#[test]
fn staging_failed_example_fails_the_soak() {
    let (_, report) = json_report("v1.4.0-staging-failed.json", &[]);
    let (state, reason) = gate_row(&report, "soak");
    assert_eq!(state, "fail", "{report:#}");
    assert!(reason.contains("staging"), "{reason}");
    // A failure is not something to wait for: no ready time.
    assert!(report.get("ready_at").is_none());
}

#[test]
fn tag_on_wrong_commit_example_fails_the_tag_gate() {
    let (_, report) = json_report("v1.4.0-tag-wrong-commit.json", &[]);
    let (state, reason) = gate_row(&report, "tag");
    assert_eq!(state, "fail", "{report:#}");
    assert!(reason.contains("v1.4.0"), "{reason}");
    assert!(report.get("version").is_none(), "{report:#}");
}

#[test]
fn overrides_change_the_policy_like_action_inputs() {
    // A longer soak than the 25 h the ready example has run makes it pending again.
    let (code, report) = json_report("v1.4.0-ready.json", &["--soak", "36h"]);
    assert_eq!((code, gate_row(&report, "soak").0), (3, "pending"));
    // A checklist item missing from the PR body fails.
    let (code, report) = json_report(
        "v1.4.0-ready.json",
        &["--checklist-item", "Load test signed off by ops"],
    );
    assert_eq!((code, gate_row(&report, "checklist").0), (4, "fail"));
    // A required check that never reported is awaited.
    let (code, report) = json_report("v1.4.0-ready.json", &["--required-check", "mobile / e2e"]);
    assert_eq!((code, gate_row(&report, "checks").0), (3, "pending"));
    // Another production branch: the PR into `main` is not a release candidate.
    let (code, report) = json_report("v1.4.0-ready.json", &["--production-branch", "release"]);
    assert_eq!((code, gate_row(&report, "candidate").0), (4, "fail"));
}

#[test]
fn every_gate_off_is_an_error_not_a_pass() {
    let config = fixture("cli/every-gate-off.yml");
    let run = gate(&[
        "--facts",
        "examples/v1.4.0-ready.json",
        "--config",
        &config.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_eq!(report["verdict"], "error");
    for gate in ["soak", "approvals", "tag", "checks", "checklist"] {
        assert_eq!(gate_row(&report, gate).0, "skipped", "{gate}");
    }
}

#[test]
fn text_output_names_the_verdict_and_has_no_colour_when_piped() {
    for (example, code, verdict) in EXAMPLES {
        let run = gate(&["--facts", &format!("examples/{example}")]);
        assert_eq!(run.code, code, "{example}: {}", run.stderr);
        assert!(
            run.stdout.to_lowercase().contains(verdict),
            "{example}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains('\u{1b}'), "no ANSI colour on a pipe");
    }
}

/// Runs the text report on a pseudo-terminal (util-linux `script`), with `NO_COLOR` as given.
#[cfg(target_os = "linux")]
fn text_on_a_terminal(no_color: Option<&str>) -> String {
    let command = format!(
        "'{}' gate --facts '{}'",
        shipgate_bin().display(),
        repo_root()
            .join("examples/v1.4.0-one-approval.json")
            .display()
    );
    let mut script = Command::new("script");
    script.args(["-qec", &command, "/dev/null"]);
    match no_color {
        Some(value) => script.env("NO_COLOR", value),
        None => script.env_remove("NO_COLOR"),
    };
    let output = script.output().expect("util-linux `script` runs");
    assert!(output.status.success() || output.status.code() == Some(3));
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[cfg(target_os = "linux")]
#[test]
fn text_output_is_coloured_on_a_terminal_unless_no_color() {
    let coloured = text_on_a_terminal(None);
    assert!(
        coloured.contains("\u{1b}["),
        "expected ANSI colour:\n{coloured}"
    );
    assert!(coloured.contains("PENDING"), "{coloured}");
    // no-color.org: any non-empty value turns colour off; an empty one does not.
    let plain = text_on_a_terminal(Some("1"));
    assert!(!plain.contains('\u{1b}'), "{plain}");
    assert!(plain.contains("PENDING"), "{plain}");
    assert!(text_on_a_terminal(Some("")).contains("\u{1b}["));
}

#[test]
fn json_output_parses_and_has_the_verdict() {
    for (example, _, verdict) in EXAMPLES {
        let (_, report) = json_report(example, &[]);
        assert_eq!(report["verdict"], verdict);
        assert!(report["gates"].as_array().is_some_and(|g| !g.is_empty()));
    }
}

#[test]
fn markdown_and_text_reports_match_their_snapshots() {
    for (example, _, _) in EXAMPLES {
        let name = example.trim_end_matches(".json");
        for (format, suffix) in [("markdown", "md"), ("text", "txt")] {
            let run = gate(&[
                "--facts",
                &format!("examples/{example}"),
                "--config",
                "examples/shipgate.yml",
                "--format",
                format,
            ]);
            assert_eq!(run.stderr, "", "{example}");
            insta::with_settings!({
                snapshot_path => "../fixtures/cli/snapshots",
                prepend_module_to_snapshot => false,
                description => format!("shipgate gate --facts examples/{example} --config examples/shipgate.yml --format {format}"),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(format!("{name}.{suffix}"), run.stdout);
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit 2, a message naming the problem, nothing on stdout.

#[test]
fn malformed_json_names_line_and_column() {
    let run = gate(&[
        "--facts",
        &fixture("cli/malformed.json").display().to_string(),
    ]);
    assert_usage_error(&run, &["malformed.json", "line 7"]);
}

#[test]
fn unknown_facts_version_is_named() {
    let run = gate(&[
        "--facts",
        &fixture("cli/version-2.json").display().to_string(),
    ]);
    assert_usage_error(&run, &["version 2", "reads version 1"]);
}

#[test]
fn misspelt_facts_field_is_named() {
    let run = gate(&[
        "--facts",
        &fixture("cli/misspelt-field.json").display().to_string(),
    ]);
    assert_usage_error(&run, &["reveiws"]);
}

#[test]
fn non_utf8_facts_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.json");
    // "Reparación" in Latin-1: the é is byte 0xF3, which is not UTF-8.
    std::fs::write(&path, b"{\"version\": 1, \"title\": \"Reparaci\xf3n\"}").unwrap();
    let run = gate(&["--facts", &path.display().to_string()]);
    assert_usage_error(&run, &["latin1.json", "not UTF-8"]);
}

#[test]
fn missing_facts_file_is_named() {
    let run = gate(&["--facts", "examples/v9.9.9-nowhere.json"]);
    assert_usage_error(&run, &["v9.9.9-nowhere.json"]);
}

#[test]
fn config_with_an_unknown_key_names_key_and_line() {
    let config = fixture("cli/unknown-key.yml");
    let run = gate(&[
        "--facts",
        "examples/v1.4.0-ready.json",
        "--config",
        &config.display().to_string(),
    ]);
    assert_usage_error(&run, &["unknown-key.yml", "requird", "line 5"]);
}

#[test]
fn bad_soak_duration_names_the_flag() {
    let run = gate(&["--facts", "examples/v1.4.0-ready.json", "--soak", "1.5h"]);
    assert_usage_error(&run, &["--soak", "1.5h"]);
}

#[test]
fn zero_or_negative_approvals_name_the_flag() {
    for value in ["0", "-2"] {
        let run = gate(&[
            "--facts",
            "examples/v1.4.0-ready.json",
            "--required-approvals",
            value,
        ]);
        assert_usage_error(&run, &["--required-approvals", value]);
    }
}

#[test]
fn bad_now_names_the_flag() {
    let run = gate(&[
        "--facts",
        "examples/v1.4.0-ready.json",
        "--now",
        "26/11/2026",
    ]);
    assert_usage_error(&run, &["--now"]);
}

#[test]
fn facts_and_repo_together_are_a_usage_error() {
    let run = gate(&[
        "--facts",
        "examples/v1.4.0-ready.json",
        "--repo",
        "tecnomundo/repair-management",
    ]);
    assert_usage_error(&run, &["--facts", "--repo"]);
}

#[test]
fn neither_facts_nor_repo_is_a_usage_error() {
    let run = gate(&[]);
    assert_usage_error(&run, &["--facts", "--repo"]);
}

#[test]
fn fixtures_exist() {
    // Guards the bad-input tests above against passing because a fixture went missing.
    for name in [
        "malformed.json",
        "version-2.json",
        "misspelt-field.json",
        "unknown-key.yml",
    ] {
        assert!(
            Path::new(&fixture(&format!("cli/{name}"))).is_file(),
            "{name}"
        );
    }
}

#[test]
fn the_security_gate_is_evaluated_offline_from_a_facts_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shipgate.yml");
    std::fs::write(
        &config,
        "security:\n  dependabot: high\n  code-scanning: high\n  secret-scanning: true\n",
    )
    .unwrap();
    let ready: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("examples/v1.4.0-ready.json")).unwrap(),
    )
    .unwrap();
    let tab = "https://github.com/tecnomundo/repair-management/security";
    let run = |security: Option<Value>, format: &str| -> Out {
        let mut facts = ready.clone();
        if let Some(security) = security {
            facts["security"] = security;
        }
        let path = dir.path().join("facts.json");
        std::fs::write(&path, facts.to_string()).unwrap();
        gate(&[
            "--facts",
            path.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--format",
            format,
        ])
    };
    let clean = serde_json::json!({
        "dependabot": { "alerts": [] },
        "code_scanning": {
            "ref": "refs/heads/main",
            "alerts": [{ "number": 4, "severity": "medium", "title": "js/xss: Reflected XSS (CodeQL)" }]
        },
        "secret_scanning": { "alerts": [] }
    });
    let out = run(Some(clean.clone()), "json");
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    assert_eq!(
        gate_row(&report, "security"),
        (
            "pass",
            "Dependabot: no open alert at or above high; code scanning on `main`: no open alert at or above high (1 below); secret scanning: no open alert"
        )
    );

    // A critical Dependabot alert fails the release, named and linked, escaped in Markdown.
    let mut failing = clean.clone();
    failing["dependabot"]["alerts"] = serde_json::json!([{
        "number": 12,
        "severity": "critical",
        "title": "lodash: Prototype Pollution in lodash",
        "url": format!("{tab}/dependabot/12")
    }]);
    let out = run(Some(failing.clone()), "json");
    assert_eq!(out.code, 4, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    let (state, reason) = gate_row(&report, "security");
    assert_eq!(state, "fail");
    assert!(
        reason.starts_with(&format!(
            "Dependabot: 1 open alert at or above high (1 critical): #12 `lodash: Prototype Pollution in lodash` (critical) `{tab}/dependabot/12`"
        )),
        "{reason}"
    );
    let markdown = run(Some(failing), "markdown").stdout;
    assert!(
        markdown.contains(&format!(
            "| ❌ fail | security | Dependabot: 1 open alert at or above high \\(1 critical\\): &#35;\u{200B}12 `lodash: Prototype Pollution in lodash` \\(critical\\) `{tab}/dependabot/12`"
        )),
        "{markdown}"
    );

    // Facts written without the alerts (the gate was off when they were read): an error.
    let out = run(None, "json");
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    let (state, reason) = gate_row(&report, "security");
    assert_eq!(state, "error");
    assert!(reason.contains("the facts hold none"), "{reason}");

    // A source that could not be read, as `shipgate facts` writes it: an error naming the
    // permission.
    let mut unreadable = clean;
    unreadable["secret_scanning"] = serde_json::json!({ "error": { "status": 403, "message": "Resource not accessible by integration" } });
    let out = run(Some(unreadable), "json");
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let report = out.json();
    assert!(
        gate_row(&report, "security")
            .1
            .contains("the GITHUB_TOKEN cannot read them"),
        "{report}"
    );

    // A misspelt field is a usage error naming it.
    let out = run(
        Some(serde_json::json!({ "dependabot": { "alert": [] } })),
        "json",
    );
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("unknown field `alert`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}
