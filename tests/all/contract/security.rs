//! The security gate end to end: the config on `main` turns it on, the alerts are read over
//! REST through Prism (Dependabot, code scanning, secret scanning), and each source's refusal
//! becomes an `error` naming the permission. A repository without the gate reads no alert.

use std::time::Duration;

use shipgate_fake::state::{Access, CodeScanningAlert, DependabotAlert, File, SecretScanningAlert};
use shipgate_fake::{Fault, FaultKind, Repo};

use crate::support::fake::*;
use crate::support::run::{shipgate, Ran};
use crate::support::world::{check_graphql, world, World};

/// The alert lists' paths, as shipgate asks for them.
const LISTS: [&str; 3] = [
    "/dependabot/alerts",
    "/code-scanning/alerts",
    "/secret-scanning/alerts",
];

/// The ready release with `config` on `main`.
fn with_config(name: &str, config: &str) -> Repo {
    let mut repo = ready_repo(name);
    repo.files.push(File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text: config.into(),
    });
    repo
}

/// Loads the repository and runs the gate on a `pull_request` `synchronize` of PR #7.
fn gate(w: &World, repo: &Repo) -> Ran {
    w.fake.load(repo.clone());
    let event = w.pr_event(repo, "pull_request", "synchronize", 7);
    w.action(repo, "pull_request", &event).run()
}

/// The security gate's row in the report: (state, reason, unblock).
fn security_row(ran: &Ran) -> (String, String, String) {
    let report = ran.report();
    let gates = report["pull_requests"][0]["gates"].as_array().unwrap();
    let row = gates
        .iter()
        .find(|g| g["gate"] == "security")
        .unwrap_or_else(|| panic!("no security row in {report}"));
    (
        row["state"].as_str().unwrap().to_string(),
        row["reason"].as_str().unwrap().to_string(),
        row["unblock"].as_str().unwrap_or_default().to_string(),
    )
}

/// The alert-list requests of a run, as `path?query`.
fn alert_reads(ran: &Ran) -> Vec<String> {
    ran.requests
        .iter()
        .filter(|r| LISTS.iter().any(|l| r.path.contains(l)))
        .map(|r| r.path.clone())
        .collect()
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_release_with_a_critical_dependabot_alert_fails_naming_it() {
    let w = world();
    let mut repo = with_config("security-dependabot", "security:\n  dependabot: high\n");
    repo.security.dependabot = vec![
        DependabotAlert {
            severity: "critical".into(),
            package: "lodash".into(),
            summary: "Prototype Pollution in lodash".into(),
            ..DependabotAlert::default()
        },
        DependabotAlert {
            severity: "medium".into(),
            package: "minimist".into(),
            ..DependabotAlert::default()
        },
        DependabotAlert {
            severity: "critical".into(),
            state: "fixed".into(),
            ..DependabotAlert::default()
        },
    ];
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason, unblock) = security_row(&ran);
    assert_eq!(state, "fail");
    assert_eq!(
        reason,
        format!(
            "Dependabot: 1 open alert at or above high (1 critical) (1 below): #1 `lodash: Prototype Pollution in lodash` (critical) `https://github.com/{}/security/dependabot/1`",
            repo.full_name()
        )
    );
    assert!(unblock.contains("Security tab"), "{unblock}");
    // Only the source the config turns on is read: one list, open alerts, 100 a page.
    let prefix = format!("/repos/{}", repo.full_name());
    assert_eq!(
        alert_reads(&ran),
        [format!(
            "{prefix}/dependabot/alerts?state=open&per_page=100"
        )]
    );
    assert_eq!(ran.graphql_operations(), ["PullRequestFacts"]);
    // The failing row reaches the check run and the comment, the alert's number escaped.
    let check = ran.single_write("POST", "/check-runs");
    assert_eq!(check["conclusion"], "failure");
    let summary = check["output"]["summary"].as_str().unwrap();
    assert!(summary.contains("| ❌ fail | security |"), "{summary}");
    assert!(summary.contains("&#35;\u{200B}1 `lodash"), "{summary}");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn code_scanning_below_the_threshold_passes_and_at_it_fails() {
    let w = world();
    let mut repo = with_config(
        "security-code-scanning",
        "security:\n  code-scanning: high\n",
    );
    repo.security.code_scanning = vec![
        CodeScanningAlert {
            security_severity: Some("medium".into()),
            ..CodeScanningAlert::default()
        },
        // Another branch's alert is not the production branch's.
        CodeScanningAlert {
            branch: "develop".into(),
            security_severity: Some("critical".into()),
            ..CodeScanningAlert::default()
        },
        // A dismissed alert is not open.
        CodeScanningAlert {
            state: "dismissed".into(),
            security_severity: Some("critical".into()),
            ..CodeScanningAlert::default()
        },
    ];
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    let (state, reason, _) = security_row(&ran);
    assert_eq!(
        (state.as_str(), reason.as_str()),
        (
            "pass",
            "code scanning on `main`: no open alert at or above high (1 below)"
        )
    );
    let prefix = format!("/repos/{}", repo.full_name());
    assert_eq!(
        alert_reads(&ran),
        [format!(
            "{prefix}/code-scanning/alerts?state=open&ref=refs%2Fheads%2Fmain&per_page=100"
        )]
    );

    // A rule without a security severity: its `error` level counts as high.
    w.fake.update(&repo.full_name(), |r| {
        r.security.code_scanning.push(CodeScanningAlert {
            rule_id: "S3649".into(),
            rule_description: "SQL queries should not be vulnerable to injection".into(),
            rule_severity: "error".into(),
            security_severity: None,
            tool: "SonarQube".into(),
            ..CodeScanningAlert::default()
        });
    });
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason, _) = security_row(&ran);
    assert_eq!(state, "fail");
    assert_eq!(
        reason,
        format!(
            "code scanning on `main`: 1 open alert at or above high (1 high) (1 below): #4 `S3649: SQL queries should not be vulnerable to injection (SonarQube)` (high) `https://github.com/{}/security/code-scanning/4`",
            repo.full_name()
        )
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn an_open_secret_scanning_alert_fails_and_the_secret_never_shows() {
    let w = world();
    let mut repo = with_config(
        "security-secret-scanning",
        "security:\n  secret-scanning: true\n",
    );
    let secret = "ghp_LeakedSecretValue0123456789abcdefABCD";
    repo.security.secret_scanning = vec![
        SecretScanningAlert {
            secret: secret.into(),
            ..SecretScanningAlert::default()
        },
        SecretScanningAlert {
            state: "resolved".into(),
            ..SecretScanningAlert::default()
        },
    ];
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (state, reason, _) = security_row(&ran);
    assert_eq!(state, "fail");
    assert_eq!(
        reason,
        format!(
            "secret scanning: 1 open alert: #1 `GitHub Personal Access Token` `https://github.com/{}/security/secret-scanning/1`",
            repo.full_name()
        )
    );
    // shipgate asks GitHub to leave the secret out; it shows nowhere, not even in a write.
    let reads = alert_reads(&ran);
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert!(reads[0].contains("hide_secret=true"), "{reads:?}");
    for text in [&ran.stdout, &ran.stderr, &ran.summary, &ran.output_file] {
        assert!(!text.contains(secret), "the secret leaked: {text}");
    }
    for write in ran.writes() {
        assert!(
            !write.body.contains(secret),
            "the secret leaked: {}",
            write.body
        );
    }
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn each_unreadable_source_is_an_error_naming_the_permission() {
    let w = world();
    let config = "security:\n  secret-scanning: true\n  code-scanning: high\n  dependabot: high\n";
    let mut repo = with_config("security-unreadable", config);
    repo.security.dependabot_access = Access::NoPermission;
    repo.security.code_scanning_access = Access::Disabled;
    repo.security.secret_scanning_access = Access::NoPermission;
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "error", "{}", ran.describe());
    // An error verdict fails the step with the default `fail-on: error`.
    assert_eq!(ran.code, 1, "{}", ran.describe());
    let (state, reason, unblock) = security_row(&ran);
    assert_eq!(state, "error");
    for needed in [
        "Dependabot alerts could not be read (GitHub answered 403: \"Resource not accessible by integration\"): the token needs `vulnerability-alerts: read`",
        "code scanning alerts could not be read (GitHub answered 403: \"Advanced Security must be enabled for this repository to use code scanning.\"): the token needs `security-events: read`",
        "secret scanning alerts could not be read (GitHub answered 403: \"Resource not accessible by integration\"): the GITHUB_TOKEN cannot read them: use a GitHub App token with \"Secret scanning alerts: read\" or a personal access token",
    ] {
        assert!(reason.contains(needed), "{needed}\nnot in: {reason}");
    }
    assert!(
        unblock.contains("`vulnerability-alerts: read`"),
        "{unblock}"
    );
    assert!(unblock.contains("`security-events: read`"), "{unblock}");
    assert!(
        unblock.contains("GITHUB_TOKEN cannot read these alerts at all"),
        "{unblock}"
    );
    assert_eq!(
        ran.single_write("POST", "/check-runs")["conclusion"],
        "failure"
    );
    // Each refusal is final: one request per source, no retry.
    assert_eq!(alert_reads(&ran).len(), 3, "{}", ran.describe());

    // The features switched off answer otherwise; still an error naming what is needed.
    w.fake.update(&repo.full_name(), |r| {
        r.security.dependabot_access = Access::Disabled;
        r.security.code_scanning_access = Access::NoPermission;
        r.security.secret_scanning_access = Access::Disabled;
    });
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.verdict(), "error", "{}", ran.describe());
    let (_, reason, _) = security_row(&ran);
    for needed in [
        "(GitHub answered 403: \"Dependabot alerts are disabled for this repository.\"): the token needs `vulnerability-alerts: read`",
        "(GitHub answered 403: \"Resource not accessible by integration\"): the token needs `security-events: read`",
        "(GitHub answered 404: \"Secret scanning is disabled on this repository.\"): the GITHUB_TOKEN cannot read them",
    ] {
        assert!(reason.contains(needed), "{needed}\nnot in: {reason}");
    }
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn without_the_gate_no_alert_is_read() {
    let w = world();
    // Alerts that would fail the gate, and lists that would refuse: none of it is asked for.
    let mut repo = ready_repo("security-off");
    repo.security.dependabot = vec![DependabotAlert {
        severity: "critical".into(),
        ..DependabotAlert::default()
    }];
    repo.security.secret_scanning = vec![SecretScanningAlert::default()];
    repo.security.code_scanning_access = Access::NoPermission;
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert!(alert_reads(&ran).is_empty(), "{}", ran.describe());
    // One read, two writes — as without the gate ever existing; and no security row.
    assert_eq!(ran.requests.len(), 3, "{}", ran.describe());
    let report = ran.report();
    let gates = report["pull_requests"][0]["gates"].as_array().unwrap();
    assert!(gates.iter().all(|g| g["gate"] != "security"), "{report}");

    // Configured but turned off: a skipped row, still no read.
    w.fake.update(&repo.full_name(), |r| {
        r.files.push(File {
            branch: "main".into(),
            path: ".github/shipgate.yml".into(),
            text: "security:\n  enabled: false\n  dependabot: low\n  secret-scanning: true\n"
                .into(),
        });
    });
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert_eq!(security_row(&ran).0, "skipped");
    assert!(alert_reads(&ran).is_empty(), "{}", ran.describe());
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn more_than_a_page_of_alerts_is_read_to_the_end_through_prism() {
    let w = world();
    let mut repo = with_config(
        "security-paging",
        "security:\n  dependabot: critical\n  secret-scanning: true\n",
    );
    // 150 low alerts, then one critical alert on the second page (the oldest).
    repo.security.dependabot = (0..150)
        .map(|i| DependabotAlert {
            severity: "low".into(),
            created_at: hours_ago(i),
            ..DependabotAlert::default()
        })
        .collect();
    repo.security.dependabot.push(DependabotAlert {
        severity: "critical".into(),
        created_at: hours_ago(500),
        ..DependabotAlert::default()
    });
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());
    let (_, reason, _) = security_row(&ran);
    assert!(
        reason.starts_with(
            "Dependabot: 1 open alert at or above critical (1 critical) (150 below): #151 "
        ),
        "{reason}"
    );
    let reads = alert_reads(&ran);
    let dependabot: Vec<&String> = reads.iter().filter(|p| p.contains("dependabot")).collect();
    assert_eq!(dependabot.len(), 2, "{reads:?}");
    assert!(dependabot[1].contains("after="), "{reads:?}");
    // The second page went through Prism too.
    assert_eq!(
        ran.seen
            .iter()
            .filter(|r| r.path.contains("/dependabot/alerts"))
            .count(),
        2
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn with_the_policy_given_the_alerts_are_read_beside_the_facts() {
    let w = world();
    let mut repo = ready_repo("security-given");
    repo.security.dependabot = vec![DependabotAlert {
        severity: "high".into(),
        ..DependabotAlert::default()
    }];
    w.fake.load(repo.clone());
    // The facts read answers 1.5 s late; the alert lists go out meanwhile.
    let late = Duration::from_millis(1500);
    w.fake.inject(
        Fault::kind("POST", "/graphql", FaultKind::Delay(late), 1).for_repo(&repo.full_name()),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shipgate.yml");
    std::fs::write(
        &config,
        "security:\n  dependabot: high\n  code-scanning: high\n  secret-scanning: true\n",
    )
    .unwrap();
    let before = w.fake.requests(&repo.full_name()).len();
    let out = shipgate(&[
        "gate",
        "--repo",
        &repo.full_name(),
        "--pr",
        "7",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ])
    .github(&w.github(), &repo.full_name())
    .run();
    assert_eq!(out.code, 4, "fail: {}\n{}", out.stdout, out.stderr);
    let report = out.json();
    let row = report["gates"]
        .as_array()
        .unwrap_or_else(|| panic!("{report}"))
        .iter()
        .find(|g| g["gate"] == "security")
        .cloned()
        .unwrap();
    assert_eq!(row["state"], "fail", "{row}");
    let requests = w.fake.requests(&repo.full_name()).split_off(before);
    assert_eq!(requests.len(), 4, "{requests:#?}");
    let facts = requests
        .iter()
        .find(|r| r.operation().as_deref() == Some("PullRequestFacts"))
        .expect("the facts read");
    // Every list arrived before the facts read was answered: one round trip, not two.
    for list in requests.iter().filter(|r| r.method == "GET") {
        assert!(
            list.received_at < facts.received_at + late,
            "{} waited for the facts",
            list.path
        );
    }
    for record in w.tap.records(&repo.full_name()) {
        assert!(record.violations().is_empty(), "{record:?}");
    }
    check_graphql(w, &repo.full_name());
}
