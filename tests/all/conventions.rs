//! Integration tests: the command line behaves as command-line tools do — shell completions, a
//! manual page, `--color`, `-` for standard input, a byte order mark accepted, exit codes in
//! `--help`, plain text for `--format text`, a format version in every JSON document.

use serde_json::Value;

use crate::support::repo_root;
use crate::support::run::{shipgate, Out};

fn run(args: &[&str]) -> Out {
    shipgate(args).current_dir(&repo_root()).run()
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_shipgate()"),
        ("zsh", "#compdef shipgate"),
        ("fish", "complete -c shipgate"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[shipgate]"),
    ] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains(marker), "{shell}: no {marker:?}");
        for sub in ["gate", "guard", "verify", "watch", "record", "report"] {
            assert!(out.stdout.contains(sub), "{shell} completes `{sub}`");
        }
        let flag = if shell == "fish" { "-l soak" } else { "--soak" };
        assert!(out.stdout.contains(flag), "{shell} completes the flags");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.code, 2, "an unknown shell is a usage error");
    assert!(
        out.stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_manual_page_covers_the_program_and_each_command() {
    let out = run(&["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(".TH shipgate 1"), "{}", out.stdout);
    assert!(
        out.stdout.contains("Exit codes:"),
        "the exit codes are in the page"
    );
    for sub in ["gate", "guard", "completions", "man"] {
        assert!(out.stdout.contains(sub), "the page lists `{sub}`");
    }
    let gate = run(&["man", "gate"]);
    assert_eq!(gate.code, 0, "{}", gate.stderr);
    assert!(
        gate.stdout.contains(".TH shipgate-gate 1"),
        "{}",
        gate.stdout
    );
    assert!(
        gate.stdout.contains("\\-\\-soak"),
        "the options are in the page"
    );
    let none = run(&["man", "nope"]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("there is no command `nope`"),
        "{}",
        none.stderr
    );
}

#[test]
fn exit_codes_are_in_every_help() {
    for args in [
        vec!["--help"],
        vec!["gate", "--help"],
        vec!["guard", "--help"],
        vec!["watch", "--help"],
    ] {
        let out = run(&args);
        assert_eq!(out.code, 0, "{args:?}");
        assert!(
            out.stdout.contains("Exit codes:"),
            "{args:?}: {}",
            out.stdout
        );
        assert!(out.stdout.contains("2  bad input"), "{args:?}");
    }
}

#[test]
fn color_follows_the_flag_then_the_terminal_and_no_color() {
    let ready = "examples/v1.4.0-ready.json";
    let colored = |out: &Out| out.stdout.contains("\u{1b}[");
    assert!(colored(&run(&[
        "gate", "--facts", ready, "--color", "always"
    ])));
    assert!(
        colored(
            &shipgate(&["--color", "always", "gate", "--facts", ready])
                .current_dir(&repo_root())
                .env("NO_COLOR", "1")
                .run()
        ),
        "always wins over NO_COLOR, as the flag is explicit"
    );
    assert!(!colored(&run(&[
        "gate", "--facts", ready, "--color", "never"
    ])));
    // auto: not a terminal here, so no colour.
    assert!(!colored(&run(&["gate", "--facts", ready])));
    let bad = run(&["gate", "--facts", ready, "--color", "sometimes"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn a_dash_reads_standard_input_and_a_byte_order_mark_is_dropped() {
    let facts = std::fs::read(repo_root().join("examples/v1.4.0-ready.json")).unwrap();
    let out = shipgate(&["gate", "--facts", "-", "--format", "json"])
        .stdin(facts.clone())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["verdict"], "pass");

    let bad = shipgate(&["gate", "--facts", "-"])
        .stdin("{\"version\": 1")
        .run();
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("standard input"), "{}", bad.stderr);

    let dir = tempfile::tempdir().unwrap();
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(&facts);
    let path = dir.path().join("bom.json");
    std::fs::write(&path, &with_bom).unwrap();
    let config = dir.path().join("shipgate.yml");
    let mut yaml = b"\xEF\xBB\xBF".to_vec();
    yaml.extend_from_slice(b"approvals:\n  required: 3\n");
    std::fs::write(&config, &yaml).unwrap();
    let out = shipgate(&[
        "gate",
        "--facts",
        path.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    assert_eq!(
        out.code, 3,
        "the BOM config is read: 3 approvals wanted\n{}",
        out.stderr
    );
    let config_from_stdin = shipgate(&[
        "gate",
        "--facts",
        path.to_str().unwrap(),
        "--config",
        "-",
        "--format",
        "json",
    ])
    .stdin(yaml)
    .run();
    assert_eq!(config_from_stdin.code, 3, "{}", config_from_stdin.stderr);
}

#[test]
fn every_json_document_names_its_format() {
    let first_key = |text: &str| {
        let value: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(value["format"], 1, "{text}");
        // `format` comes first, so a reader sees it before anything else.
        text.trim_start()
            .trim_start_matches('{')
            .trim_start()
            .starts_with("\"format\"")
    };
    let gate = run(&[
        "gate",
        "--facts",
        "examples/v1.4.0-ready.json",
        "--format",
        "json",
    ]);
    assert!(first_key(&gate.stdout));
    let report = run(&[
        "report",
        "--history",
        "tests/fixtures/report/history.json",
        "--format",
        "json",
    ]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    assert!(first_key(&report.stdout));
}

#[test]
fn report_text_is_plain_text() {
    let out = run(&[
        "report",
        "--history",
        "tests/fixtures/report/history.json",
        "--format",
        "text",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("Deployment report: production of "),
        "{}",
        out.stdout
    );
    for markdown in ["##", "| ", "```", "✅", "❌"] {
        assert!(
            !out.stdout.contains(markdown),
            "no Markdown ({markdown:?}) in text"
        );
    }
    assert!(out.stdout.contains("DORA's four keys"));
    let markdown = run(&[
        "report",
        "--history",
        "tests/fixtures/report/history.json",
        "--format",
        "markdown",
    ]);
    assert!(markdown.stdout.starts_with("## Deployment report"));
}
