//! `shipgate check-config` through the built binary: a valid file shows its policy (exit 0),
//! anything the Action would refuse is refused with the same message (exit 2, nothing on
//! standard output), from a file, the default path, or standard input.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::run::shipgate;
use crate::support::{fixture, repo_root, shipgate_bin};

/// Runs `shipgate check-config -` with `text` on standard input: (exit code, stdout, stderr).
fn from_stdin(text: &str) -> (i32, String, String) {
    let mut child = Command::new(shipgate_bin())
        .args(["check-config", "-"])
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run shipgate");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn a_valid_file_shows_the_effective_policy() {
    let out = shipgate(&["check-config", "examples/shipgate.yml"])
        .current_dir(&repo_root())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!(out.stdout);
    // The same text on standard input gives the same policy, named `standard input`.
    let text = std::fs::read_to_string(repo_root().join("examples/shipgate.yml")).unwrap();
    let (code, stdout, _) = from_stdin(&text);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        out.stdout
            .replacen("examples/shipgate.yml: valid", "standard input: valid", 1)
    );
}

#[test]
fn the_default_file_is_the_actions() {
    let dir = tempfile::tempdir().unwrap();
    let out = shipgate(&["check-config"]).current_dir(dir.path()).run();
    assert_eq!(out.code, 2, "a missing file is not a valid config");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: invalid config in .github/shipgate.yml: no such file (the Action would use the built-in defaults); name your config file, or `-` for standard input\n"
    );
    // A file named explicitly must be there: no hint about defaults.
    let out = shipgate(&["check-config", "nosuch.yml"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: invalid config in nosuch.yml: no such file\n"
    );
    std::fs::create_dir(dir.path().join(".github")).unwrap();
    std::fs::write(
        dir.path().join(".github/shipgate.yml"),
        "soak:\n  duration: 36h\n",
    )
    .unwrap();
    let out = shipgate(&["check-config"]).current_dir(dir.path()).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with(".github/shipgate.yml: valid\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("soak       on   36h in `staging`"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_invalid_file_is_refused_naming_the_key_and_line() {
    let cases = [
        (
            "approvals:\n  enabled: true\n  requird: 3\n",
            "`approvals.requird` (line 3): unknown field `requird`",
        ),
        (
            "soak:\n  duration: 1000000w\n",
            "`soak.duration` (line 2): a soak must be at most 90d, got 1000000w",
        ),
        (
            "approvals:\n  paths:\n    - paths: [db/**]\n      required: 11\n",
            "`approvals.paths[0].required` (line 4): must be at most 10, got 11",
        ),
        ("soak: [1, 2]\n", "`soak` (line 1): "),
    ];
    for (text, needle) in cases {
        let (code, stdout, stderr) = from_stdin(text);
        assert_eq!(code, 2, "{text:?}: {stderr}");
        assert_eq!(stdout, "", "{text:?}");
        assert!(
            stderr.starts_with("error: invalid config in standard input: ")
                && stderr.contains(needle),
            "{text:?}: {stderr}"
        );
    }
    let out = shipgate(&[
        "check-config",
        fixture("cli/unknown-key.yml").to_str().unwrap(),
    ])
    .run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("unknown-key.yml: `approvals.requird` (line 5)"),
        "{}",
        out.stderr
    );
    // Not UTF-8: refused before parsing, naming the line.
    let out = shipgate(&[
        "check-config",
        fixture("config/non-utf8.yml").to_str().unwrap(),
    ])
    .run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("line 3: the file is not UTF-8 text"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_policy_that_checks_nothing_is_refused() {
    let out = shipgate(&[
        "check-config",
        fixture("cli/every-gate-off.yml").to_str().unwrap(),
    ])
    .run();
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("every gate is turned off or has nothing to check"),
        "{}",
        out.stderr
    );
    let (code, ..) = from_stdin("soak: {enabled: false}\napprovals: {enabled: false}\ntag: {enabled: false}\nchecks: {enabled: false}\n");
    assert_eq!(code, 2, "a checklist without items checks nothing either");
}
