//! The in-process fake GitHub (`shipgate-fake`) and the state the scenarios start from.
//!
//! [`github`] is one fake for the whole test binary, for the tests that need no tool: each test
//! loads its own repository (`acme/<test>`), so they run in parallel and never see each other's
//! requests. The contract scenarios use another one, behind Prism ([`super::world`]).

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use shipgate_fake::state::{
    Actor, CheckRun, Commit, Deployment, DeploymentStatus, Pull, Release, Review, Tag, TagObject,
};
use shipgate_fake::{FakeGithub, Repo};

use super::fixture;

/// The token every run and client uses (must never appear in any output).
pub const TOKEN: &str = "ghs_SHIPGATETESTSECRET0123456789abcdef";
/// The moment the scenarios are written as of. The binary judges with the real clock (nothing
/// can move the Action's clock), so scenarios are shifted to [`now`] when loaded.
pub const NOW: &str = "2026-11-27T12:00:00Z";
/// The owner of every test's repository.
pub const OWNER: &str = "acme";
/// The head of the release PR in the base state.
pub const HEAD: &str = "1111111111111111111111111111111111111111";
/// A newer head pushed in some scenarios.
pub const NEW_HEAD: &str = "2222222222222222222222222222222222222222";
/// The commit released to production before (tagged `v1.3.0`).
pub const PROD: &str = "3333333333333333333333333333333333333333";

/// The in-process fake, started on first use (no tool needed).
pub fn github() -> &'static FakeGithub {
    static FAKE: OnceLock<FakeGithub> = OnceLock::new();
    FAKE.get_or_init(FakeGithub::start)
}

/// The moment the scenarios are replayed as of: the real clock at the test process's first
/// use, to the minute (a run judges a few seconds later, which no scenario is that close to).
pub fn now() -> DateTime<Utc> {
    static AT: OnceLock<DateTime<Utc>> = OnceLock::new();
    *AT.get_or_init(|| {
        let clock = Utc::now();
        clock - chrono::Duration::seconds(i64::from(clock.timestamp() as u32 % 60))
    })
}

/// A time written as of [`NOW`], moved to [`now`].
pub fn shifted(written: &str) -> DateTime<Utc> {
    let written: DateTime<Utc> = written.parse().expect("an RFC 3339 time");
    written + (now() - NOW.parse::<DateTime<Utc>>().expect("NOW"))
}

/// `now - hours`.
pub fn hours_ago(hours: i64) -> DateTime<Utc> {
    now() - chrono::Duration::hours(hours)
}

/// The ready release: PR #7 `staging/v1.4.0` → `main`, head [`HEAD`], soaked 26 h in staging,
/// approved by two writers on the head, annotated `v1.4.0` on the head, `build` green; `v1.3.0`
/// (on [`PROD`]) is in production. Loaded from `tests/fixtures/scenarios/ready.json`, renamed
/// `acme/<name>`.
pub fn ready_repo(name: &str) -> Repo {
    let text = std::fs::read_to_string(fixture("scenarios/ready.json")).expect("ready.json");
    let mut repo: Repo = serde_json::from_str(&text).expect("ready.json is a fake repository");
    repo.owner = OWNER.into();
    repo.name = name.into();
    repo.shift_times(now() - NOW.parse::<DateTime<Utc>>().expect("NOW"));
    repo
}

/// A review.
pub fn review(login: &str, state: &str, commit: &str, hours: i64) -> Review {
    Review {
        author: Actor {
            login: login.into(),
            bot: login.ends_with("[bot]"),
        },
        can_push: true,
        state: state.into(),
        submitted_at: (state != "PENDING").then(|| hours_ago(hours)),
        commit: commit.into(),
    }
}

/// A check run, `completed` when it has a conclusion.
pub fn check(name: &str, status: &str, conclusion: Option<&str>) -> CheckRun {
    CheckRun {
        name: name.into(),
        status: status.into(),
        conclusion: conclusion.map(str::to_string),
        started_at: Some(hours_ago(2)),
        completed_at: conclusion.map(|_| hours_ago(1)),
        ..CheckRun::default()
    }
}

/// A deployment with one status.
pub fn deployment(sha: &str, environment: &str, state: &str, hours: i64) -> Deployment {
    Deployment {
        sha: sha.into(),
        environment: environment.into(),
        production_environment: environment == "production",
        created_at: hours_ago(hours),
        statuses: vec![DeploymentStatus {
            state: state.into(),
            created_at: hours_ago(hours),
            ..DeploymentStatus::default()
        }],
        ..Deployment::default()
    }
}

/// An annotated tag.
pub fn annotated_tag(name: &str, commit: &str, object: &str) -> Tag {
    Tag {
        name: name.into(),
        commit: commit.into(),
        annotated: Some(TagObject {
            sha: object.into(),
            date: hours_ago(20),
            message: format!("Release {name}"),
            ..TagObject::default()
        }),
    }
}

/// Another open release PR.
pub fn pull(number: u64, head: &str, branch: &str, title: &str) -> Pull {
    Pull {
        number,
        title: title.into(),
        author: Actor {
            login: "alice".into(),
            bot: false,
        },
        head_ref: branch.into(),
        head_sha: head.into(),
        base_ref: "main".into(),
        created_at: hours_ago(30 + number as i64),
        ..Pull::default()
    }
}

/// A commit dated `hours` ago.
pub fn commit(sha: &str, hours: i64) -> Commit {
    Commit {
        sha: sha.into(),
        committed_date: hours_ago(hours),
        ..Commit::default()
    }
}

/// A published release.
pub fn release(tag: &str, hours: i64) -> Release {
    Release {
        tag_name: tag.into(),
        created_at: hours_ago(hours),
        published_at: Some(hours_ago(hours)),
        ..Release::default()
    }
}
