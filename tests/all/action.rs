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
