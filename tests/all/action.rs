//! `shipgate action` as a runner starts it, in what needs no GitHub answer: bad inputs, and the
//! `command` input dispatching to the other commands. (The gate's scenarios run against the fake
//! behind Prism with GitHub's real payloads: `contract/`.)

use serde_json::json;
use shipgate_fake::Repo;

use crate::support::fake::{self, HEAD, OWNER};
use crate::support::run::{Github, Run};
use crate::support::service::{Service, UP};

/// A `pull_request` `opened` payload about PR #7 of `repo`, with what shipgate reads of it.
fn opened(repo: &str) -> serde_json::Value {
    let (owner, name) = repo.split_once('/').unwrap();
    json!({
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "state": "open",
            "title": "Release v1.4.0",
            "user": { "login": "alice" },
            "head": { "sha": HEAD, "ref": "staging/v1.4.0" },
            "base": { "ref": "main" },
        },
        "repository": { "name": name, "full_name": repo, "owner": { "login": owner } },
    })
}

/// Loads an empty `acme/<name>` on the in-process fake.
fn load(name: &str) -> String {
    let repo = Repo::new(OWNER, name);
    let full = repo.full_name();
    fake::github().load(repo);
    full
}

#[test]
fn bad_inputs_are_usage_errors_naming_the_input() {
    let repo = load("action-bad-inputs");
    let github = Github::direct(fake::github());
    let event = opened(&repo);
    let ran = Run::new(github, &repo, "pull_request", &event)
        .input("required-approvals", "0")
        .run();
    assert_eq!(ran.code, 2, "{}", ran.describe());
    assert!(
        ran.stdout.contains("::error::") && ran.stdout.contains("required-approvals"),
        "{}",
        ran.describe()
    );
    let ran = Run::new(github, &repo, "pull_request", &event)
        .input("comment", "yes")
        .run();
    assert_eq!(ran.code, 2, "{}", ran.describe());
    assert!(
        ran.stdout.contains("::error::") && ran.stdout.contains("comment"),
        "{}",
        ran.describe()
    );
    assert!(fake::github().requests(&repo).is_empty());
}

/// The bounds hold for the Action's inputs as for the flags, named as the input.
#[test]
fn inputs_beyond_their_bounds_are_usage_errors_naming_the_bound() {
    let repo = load("action-bounds");
    let github = Github::direct(fake::github());
    let event = opened(&repo);
    for (input, value, message) in [
        (
            "soak",
            "1000000w",
            "invalid value for input `soak`: a soak must be at most 90d, got 1000000w",
        ),
        (
            "required-approvals",
            "1000",
            "invalid value for input `required-approvals`: must be at most 10, got 1000",
        ),
    ] {
        let ran = Run::new(github, &repo, "pull_request", &event)
            .input(input, value)
            .run();
        assert_eq!(ran.code, 2, "{}", ran.describe());
        assert!(ran.stdout.contains(message), "{}", ran.describe());
    }
    assert!(fake::github().requests(&repo).is_empty());
}

/// `shipgate check-config` says of a config what the Action says of the same file on the
/// production branch: the same parser, bounds and message, naming the key and the line.
#[test]
fn the_action_refuses_a_config_with_check_configs_message() {
    let mut repo = fake::ready_repo("action-config-as-checked");
    let text = "approvals:\n  required: 2\n  paths:\n    - paths: [db/**]\n      required: 12\n";
    repo.files.push(shipgate_fake::state::File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text: text.into(),
    });
    let full = repo.full_name();
    fake::github().load(repo);
    let ran = Run::new(
        Github::direct(fake::github()),
        &full,
        "pull_request",
        &opened(&full),
    )
    .input("comment", "false")
    .run();
    assert_eq!(ran.code, 1, "{}", ran.describe());
    assert_eq!(ran.verdict(), "error");

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".github")).unwrap();
    std::fs::write(dir.path().join(".github/shipgate.yml"), text).unwrap();
    let checked = crate::support::run::shipgate(&["check-config"])
        .current_dir(dir.path())
        .run();
    assert_eq!(checked.code, 2);
    let message = checked
        .stderr
        .strip_prefix("error: ")
        .and_then(|m| m.strip_suffix('\n'))
        .expect("one error line");
    assert_eq!(
        message,
        "invalid config in .github/shipgate.yml: `approvals.paths[0].required` (line 5): must be at most 10, got 12 (GitHub's own maximum of required approvals)"
    );
    assert!(
        ran.stdout.contains(&format!(
            "::error title=shipgate config,file=.github/shipgate.yml,line=5::{message}"
        )),
        "{}",
        ran.describe()
    );
}

#[test]
fn the_command_input_dispatches_verify_with_its_inputs_as_flags() {
    let repo = load("action-verify");
    let github = Github::direct(fake::github());
    let service = Service::start(UP, None);
    let url = service.url("/health");
    let ran = Run::new(github, &repo, "workflow_dispatch", &json!({}))
        .input("command", "verify")
        .input("health-urls", &format!("{url}\n\n{url}\n"))
        .input("wait", "5s")
        .input("timeout", "2s")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.outputs["healthy"], "true", "{}", ran.describe());
    assert!(ran.outputs.contains_key("report"));
    // Both lines of the input checked; the blank one dropped.
    assert_eq!(*service.gets.lock().unwrap(), ["/health", "/health"]);

    // A bad value is a usage error naming the flag the input became.
    let ran = Run::new(github, &repo, "workflow_dispatch", &json!({}))
        .input("command", "verify")
        .input("health-urls", &url)
        .input("allow-http", "banana")
        .run();
    assert_eq!(ran.code, 2, "{}", ran.describe());
    assert!(
        ran.stdout.contains("::error::") && ran.stdout.contains("allow-http"),
        "{}",
        ran.describe()
    );
    // A plain-HTTP URL: the fix is told in the Action's terms, not the command line's.
    let ran = Run::new(github, &repo, "workflow_dispatch", &json!({}))
        .input("command", "verify")
        .input("health-urls", "http://example.com/health")
        .run();
    assert_eq!(ran.code, 2, "{}", ran.describe());
    assert!(
        ran.stdout.contains("invalid value for input `health-urls`")
            && ran
                .stdout
                .contains("allow plain HTTP with `allow-http: true`")
            && !ran.stdout.contains("--allow-http"),
        "{}",
        ran.describe()
    );
    assert!(
        fake::github().requests(&repo).is_empty(),
        "verify reads no GitHub"
    );
}

#[test]
fn verify_checks_the_environment_of_its_step_and_never_shows_values() {
    let repo = load("action-verify-env");
    let github = Github::direct(fake::github());
    let ran = Run::new(github, &repo, "workflow_dispatch", &json!({}))
        .input("command", "verify")
        .input(
            "expect-env",
            "ENVIRONMENT=production\nDEBUG=false\nLOG_LEVEL=info\n",
        )
        .input("require-env", "DATABASE_URL, FRONTEND_URL")
        .var("ENVIRONMENT", "production")
        .var("DEBUG", "verbose-debugging")
        .var("LOG_LEVEL", "info")
        .var("DATABASE_URL", "postgres://app:hunter2@db.internal/app")
        .run();
    assert_eq!(ran.code, 4, "{}", ran.describe());
    assert_eq!(ran.outputs["healthy"], "false");
    assert!(
        ran.stdout.contains(
            "::error::environment check failed: DEBUG should be \"false\": (set, differs)"
        ),
        "{}",
        ran.describe()
    );
    assert!(
        ran.stdout
            .contains("::error::environment check failed: FRONTEND_URL must be set: (unset)"),
        "{}",
        ran.describe()
    );
    assert!(ran.summary.contains("### Environment"), "{}", ran.summary);
    for value in ["verbose-debugging", "hunter2", "db.internal"] {
        for (what, text) in [
            ("log", &ran.stdout),
            ("stderr", &ran.stderr),
            ("summary", &ran.summary),
            ("outputs", &ran.output_file),
        ] {
            assert!(!text.contains(value), "{value} shows in the {what}: {text}");
        }
    }
}
