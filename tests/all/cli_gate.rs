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
    for gate in ["soak", "approvals", "tag", "checks", "checklist", "freeze"] {
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

#[test]
fn the_example_configs_freeze_holds_a_ready_release_until_the_next_allowed_minute() {
    let config = ["--config", "examples/shipgate.yml"];
    // Thursday 2026-11-26, 16:20 in Madrid: inside Mon–Thu 08:00–18:00.
    let (code, report) = json_report("v1.4.0-ready.json", &config);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(gate_row(&report, "freeze").0, "pass");
    // Friday: pending (exit 3) until Monday 08:00 in Madrid, 07:00 UTC.
    let friday = [&config[..], &["--now", "2026-11-27T10:00:00Z"]].concat();
    let (code, report) = json_report("v1.4.0-ready.json", &friday);
    assert_eq!(
        (code, report["verdict"].as_str()),
        (3, Some("pending")),
        "{report:#}"
    );
    assert_eq!(report["ready_at"], "2026-11-30T07:00:00Z");
    let (state, reason) = gate_row(&report, "freeze");
    assert_eq!(state, "pending");
    assert_eq!(
        reason,
        "deploys are allowed Mon–Thu 08:00–18:00 Europe/Madrid; next at 2026-11-30 08:00 Europe/Madrid, 2026-11-30 07:00 UTC"
    );
    // Christmas: the freeze ends on Thursday 2027-01-07 at midnight, the office opens at 08:00.
    let christmas = [&config[..], &["--now", "2026-12-22T10:00:00Z"]].concat();
    let (code, report) = json_report("v1.4.0-ready.json", &christmas);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["ready_at"], "2027-01-07T07:00:00Z");
    let (_, reason) = gate_row(&report, "freeze");
    assert!(
        reason.starts_with("deploy freeze `Christmas freeze` until 2027-01-06 23:00 UTC, and deploys are allowed Mon–Thu 08:00–18:00 Europe/Madrid; next at 2027-01-07 08:00 Europe/Madrid"),
        "{reason}"
    );
    // At that minute it passes.
    let open = [&config[..], &["--now", "2027-01-07T07:00:00Z"]].concat();
    assert_eq!(json_report("v1.4.0-ready.json", &open).0, 0);
    // The text report names the freeze.
    let run = gate(&[
        "--facts",
        "examples/v1.4.0-ready.json",
        "--config",
        "examples/shipgate.yml",
        "--now",
        "2026-12-22T10:00:00Z",
    ]);
    assert_eq!(run.code, 3);
    assert!(
        run.stdout
            .contains("pending  freeze     deploy freeze `Christmas freeze`"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_soak_ending_outside_the_allowed_hours_moves_the_ready_time() {
    // The soak ends Thursday 2026-11-26 at 14:06:30 UTC, 15:06 in Madrid; the office closes at 15:00
    // and does not open on Friday: the release is ready on Monday at 09:00.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shipgate.yml");
    std::fs::write(
        &config,
        "freeze:\n  allowed:\n    weekdays: [monday, tuesday, wednesday, thursday]\n    hours: 09:00-15:00\n    timezone: Europe/Madrid\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let (code, report) = json_report("v1.4.0-soaking.json", &["--config", &config]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(gate_row(&report, "soak").0, "pending");
    assert_eq!(gate_row(&report, "freeze").0, "pass");
    assert_eq!(report["ready_at"], "2026-11-30T08:00:00Z", "{report:#}");
}

#[test]
fn a_freeze_config_error_names_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shipgate.yml");
    std::fs::write(
        &config,
        "freeze:\n  allowed:\n    hours: 09:00-16:00\n    timezone: Europe/Madird\n",
    )
    .unwrap();
    let run = gate(&[
        "--facts",
        "examples/v1.4.0-ready.json",
        "--config",
        &config.display().to_string(),
    ]);
    assert_usage_error(
        &run,
        &[
            "shipgate.yml",
            "`freeze.allowed.timezone` (line 4)",
            "\"Europe/Madird\" is not an IANA time zone name",
        ],
    );
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
    assert_usage_error(&run, &["`version`", "reads facts version 1, found 2"]);
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

/// The rows of a Markdown table under `heading` in `text`: the first two cells of each row,
/// code-span delimiters removed.
fn table_rows(text: &str, heading: &str) -> Vec<(String, String)> {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    text[start..]
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            let code = cells[1].trim();
            let ticks = code.chars().take_while(|c| *c == '`').count();
            let inner = code[ticks..code.len() - ticks].trim();
            (cells[0].trim().to_string(), inner.to_string())
        })
        .collect()
}

/// Whether `message` is what the docs show: equal, or the pieces between `…` in order, with
/// the text before the first `…` as its start.
fn shows(shown: &str, message: &str) -> bool {
    let pieces: Vec<&str> = shown.split('…').collect();
    if pieces.len() == 1 {
        return shown == message;
    }
    let mut rest = match message.strip_prefix(pieces[0]) {
        Some(rest) => rest,
        None => return false,
    };
    for piece in &pieces[1..] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Every row of docs/cli.md's "Bad input" table, produced by the binary: the files are written
/// as `f.json` and `shipgate.yml` in a fresh directory (so messages name them as the docs do),
/// every run ends with exit 2 and nothing on standard output, and the messages are kept in a
/// snapshot a reviewer can read.
#[test]
fn every_bad_input_message_is_the_documented_one() {
    let ready = std::fs::read_to_string(repo_root().join("examples/v1.4.0-ready.json")).unwrap();
    let fixture_text = |name: &str| std::fs::read_to_string(fixture(name)).unwrap();
    let facts = |from: &str, to: &str| {
        assert!(ready.contains(from), "{from}");
        ready.replacen(from, to, 1)
    };
    type Case = (
        &'static str,
        Vec<(&'static str, Vec<u8>)>,
        Vec<&'static str>,
    );
    let with_facts = |text: String| vec![("f.json", text.into_bytes())];
    let ready_file = || with_facts(ready.clone());
    let cases: Vec<Case> = vec![
        (
            "Malformed JSON",
            with_facts(fixture_text("cli/malformed.json")),
            vec![],
        ),
        (
            "Unknown facts version",
            with_facts(fixture_text("cli/version-2.json")),
            vec![],
        ),
        (
            "Misspelt facts field",
            with_facts(fixture_text("cli/misspelt-field.json")),
            vec![],
        ),
        (
            "Wrong type in the facts",
            with_facts(facts("\"number\": 214", "\"number\": \"214\"")),
            vec![],
        ),
        (
            "Unknown value in the facts",
            with_facts(facts("\"state\": \"APPROVED\"", "\"state\": \"approve\"")),
            vec![],
        ),
        (
            "Time without an offset in the facts",
            with_facts(facts("\"2026-11-26T15:20:00Z\"", "\"2026-11-26T15:20:00\"")),
            vec![],
        ),
        (
            "Non-UTF-8 facts",
            // "Reparación" in Latin-1: the é is byte 0xF3, which is not UTF-8.
            vec![(
                "f.json",
                b"{\"version\": 1, \"pull_request\": \"Reparaci\xf3n\"}".to_vec(),
            )],
            vec![],
        ),
        (
            "Unknown config key",
            [
                ready_file(),
                vec![(
                    "shipgate.yml",
                    fixture_text("cli/unknown-key.yml").into_bytes(),
                )],
            ]
            .concat(),
            vec!["--config", "shipgate.yml"],
        ),
        (
            "Bad value in the config",
            [
                ready_file(),
                vec![("shipgate.yml", b"soak:\n  duration: 1.5h\n".to_vec())],
            ]
            .concat(),
            vec!["--config", "shipgate.yml"],
        ),
        (
            "Out of bounds in the config",
            [
                ready_file(),
                vec![("shipgate.yml", b"approvals:\n  required: 1000\n".to_vec())],
            ]
            .concat(),
            vec!["--config", "shipgate.yml"],
        ),
        (
            "Invalid glob in a flag",
            ready_file(),
            vec!["--tag-pattern", "v[1"],
        ),
        ("Bad duration", ready_file(), vec!["--soak", "1 day"]),
        (
            "Soak out of bounds",
            ready_file(),
            vec!["--soak", "1000000w"],
        ),
        (
            "Zero approvals",
            ready_file(),
            vec!["--required-approvals", "0"],
        ),
        ("Bad time", ready_file(), vec!["--now", "yesterday"]),
        (
            "`--now` without an offset",
            ready_file(),
            vec!["--now", "2026-11-26T14:00:00"],
        ),
        (
            "Misspelt environment",
            ready_file(),
            vec!["--staging-environment", "stagin"],
        ),
        (
            "Misspelt required check",
            ready_file(),
            vec!["--required-check", "backend / unti"],
        ),
    ];
    let docs = std::fs::read_to_string(repo_root().join("docs/cli.md")).unwrap();
    let rows = table_rows(&docs, "### Bad input");
    assert_eq!(
        rows.iter()
            .map(|(input, _)| input.as_str())
            .collect::<Vec<_>>(),
        cases.iter().map(|(input, ..)| *input).collect::<Vec<_>>(),
        "docs/cli.md's table and this test list the same inputs"
    );
    let mut messages = String::new();
    for ((input, files, extra), (_, shown)) in cases.iter().zip(&rows) {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let mut args = vec!["gate", "--facts", "f.json"];
        args.extend_from_slice(extra);
        let run = shipgate(&args).current_dir(dir.path()).run();
        assert_eq!(run.code, 2, "{input}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{input}");
        let message = run
            .stderr
            .strip_prefix("error: ")
            .and_then(|m| m.strip_suffix('\n'))
            .unwrap_or_else(|| panic!("{input}: one error line, got {:?}", run.stderr));
        assert!(
            shows(shown, message),
            "{input}: docs/cli.md shows\n  {shown}\nbut the message is\n  {message}"
        );
        messages.push_str(&format!("{input}:\n  {message}\n"));
    }
    insta::assert_snapshot!(messages);
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
