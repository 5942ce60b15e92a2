//! The API-call benchmark of `shipgate action`: GitHub API calls, sequential round trips and
//! wall time for one PR and for a `schedule` sweep over 20 open PRs, against the fake GitHub
//! answering every request 100 ms late. Run on purpose (it takes about a minute and a half):
//!
//! ```sh
//! cargo bench -p shipgate --bench api-calls
//! ```
//!
//! It prints the table of `docs/benchmarks.md`. Not a test: nothing here is asserted but the
//! call counts the design promises.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shipgate_fake::state::{Actor, CheckRun, Commit, DependabotAlert, File, Pull, Review};
use shipgate_fake::{FakeGithub, Fault, FaultKind, Repo};

// The integration tests' helpers: running the binary as a runner does.
#[allow(dead_code)]
#[path = "../../../tests/all/support/mod.rs"]
mod support;

use support::run::{Github, Run};

/// Every answer's delay.
const LATE: Duration = Duration::from_millis(100);

fn main() {
    let fake = FakeGithub::start();
    let schedule = json!({ "schedule": "*/30 * * * *" });
    let mut rows = Vec::new();

    // One PR, first evaluation (nothing published yet), then again with nothing changed.
    let one = load(&fake, "bench-one", 1);
    let first = measure(&fake, &one, &schedule, &[("pull-request", "1")]);
    push(&mut rows, "one PR, first run", first);
    let again = measure(&fake, &one, &schedule, &[("pull-request", "1")]);
    assert_eq!(again.calls, 1, "nothing changed: the read only");
    push(&mut rows, "one PR, nothing changed", again);

    // One PR with the security gate on for every source: the alert lists follow the read.
    let secure = load(&fake, "bench-security", 1);
    fake.update(&secure, |repo| {
        repo.files.push(File {
            branch: "main".into(),
            path: ".github/shipgate.yml".into(),
            text: SECURITY.into(),
        });
        repo.security.dependabot.push(DependabotAlert {
            severity: "low".into(),
            ..DependabotAlert::default()
        });
    });
    let first = measure(&fake, &secure, &schedule, &[("pull-request", "1")]);
    push(&mut rows, "one PR, security gate on, first run", first);
    let again = measure(&fake, &secure, &schedule, &[("pull-request", "1")]);
    assert_eq!(
        again.calls, 4,
        "nothing changed: the read and the three lists"
    );
    push(
        &mut rows,
        "one PR, security gate on, nothing changed",
        again,
    );
    // The command line knows the policy before the read: the lists go out beside it.
    let cli = measure_cli(&fake, &secure, "1");
    assert_eq!(cli.rounds, 1, "the lists beside the read");
    push(&mut rows, "`gate --repo --config`, security gate on", cli);

    // `schedule` over 20 open PRs into main.
    let sweep = load(&fake, "bench-sweep", 20);
    let first = measure(&fake, &sweep, &schedule, &[]);
    push(&mut rows, "schedule, 20 PRs, first run", first);
    let again = measure(&fake, &sweep, &schedule, &[]);
    assert_eq!(again.calls, 1, "nothing changed: the read only");
    push(&mut rows, "schedule, 20 PRs, nothing changed", again);
    // Every verdict changed (a second approval everywhere → updates in place).
    fake.update(&sweep, |repo| {
        for pr in &mut repo.pulls {
            let head = pr.head_sha.clone();
            pr.reviews.push(review("carol", &head));
        }
    });
    let changed = measure(&fake, &sweep, &schedule, &[]);
    push(&mut rows, "schedule, 20 PRs, all changed", changed);

    // Start-up: the binary doing nothing but answering.
    let runs = 20;
    let start = Instant::now();
    for _ in 0..runs {
        let out = std::process::Command::new(support::shipgate_bin())
            .arg("--version")
            .output()
            .expect("run shipgate");
        assert!(out.status.success());
    }
    let startup = start.elapsed() / runs;

    println!("\n| scenario | API calls | sequential round trips | wall time |");
    println!("|---|---|---|---|");
    for (name, m) in &rows {
        println!(
            "| {name} | {} | {} | {} ms |",
            m.calls,
            m.rounds,
            m.wall.as_millis()
        );
    }
    println!(
        "\nstart-up (`shipgate --version`, mean of {runs}): {} µs",
        startup.as_micros()
    );
}

/// The config of the security rows: every source on.
const SECURITY: &str =
    "security:\n  dependabot: high\n  code-scanning: high\n  secret-scanning: true\n";

/// Keeps a row for the table, and prints it at once (a later failure keeps what was measured).
fn push(rows: &mut Vec<(&'static str, Measured)>, name: &'static str, measured: Measured) {
    eprintln!(
        "measured: {name}: {} calls, {} round trips, {} ms",
        measured.calls,
        measured.rounds,
        measured.wall.as_millis()
    );
    rows.push((name, measured));
}

/// What one run cost.
struct Measured {
    calls: usize,
    rounds: usize,
    wall: Duration,
}

fn review(login: &str, head: &str) -> Review {
    Review {
        author: Actor {
            login: login.into(),
            bot: false,
        },
        can_push: true,
        state: "APPROVED".into(),
        submitted_at: Some("2026-11-21T09:00:00Z".parse().expect("time")),
        commit: head.into(),
    }
}

/// `acme/<name>` with `count` open PRs into `main`, each pending (one approval of two, `build`
/// green), every answer about it 100 ms late; returns its full name.
fn load(fake: &FakeGithub, name: &str, count: u64) -> String {
    let mut repo = Repo::new("acme", name);
    for n in 1..=count {
        let head = format!("{n:040x}");
        repo.pulls.push(Pull {
            number: n,
            title: format!("Release v1.4.0 (#{n})"),
            body: "- [x] rollback plan ready".into(),
            head_ref: format!("release-{n}"),
            head_sha: head.clone(),
            created_at: "2026-11-19T00:00:00Z".parse().expect("time"),
            files: vec!["src/lib.rs".into()],
            reviews: vec![review("bob", &head)],
            ..Pull::default()
        });
        repo.commits.push(Commit {
            sha: head,
            committed_date: "2026-11-20T10:00:00Z".parse().expect("time"),
            check_runs: vec![CheckRun {
                name: "build".into(),
                conclusion: Some("success".into()),
                ..CheckRun::default()
            }],
            ..Commit::default()
        });
    }
    let full = repo.full_name();
    fake.load(repo);
    fake.inject(Fault::kind(
        "*",
        &format!("/repos/{full}"),
        FaultKind::Delay(LATE),
        usize::MAX,
    ));
    fake.inject(Fault::kind("*", "/graphql", FaultKind::Delay(LATE), usize::MAX).for_repo(&full));
    full
}

/// Runs the binary once; counts its calls and sequential round trips from the fake's log.
fn measure(fake: &FakeGithub, repo: &str, event: &Value, inputs: &[(&str, &str)]) -> Measured {
    let before = fake.requests(repo).len();
    let mut run =
        Run::new(Github::direct(fake), repo, "schedule", event).input("production-branch", "main");
    for (name, value) in inputs {
        run = run.input(name, value);
    }
    let start = Instant::now();
    let ran = run.run();
    let wall = start.elapsed();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    counted(fake, repo, before, wall)
}

/// Runs `shipgate gate --repo REPO --pr N --config <every security source on>` once.
fn measure_cli(fake: &FakeGithub, repo: &str, pr: &str) -> Measured {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("shipgate.yml");
    std::fs::write(&config, SECURITY).expect("config");
    let before = fake.requests(repo).len();
    let start = Instant::now();
    let out = support::run::shipgate(&[
        "gate",
        "--repo",
        repo,
        "--pr",
        pr,
        "--config",
        config.to_str().expect("utf-8 path"),
    ])
    .github(&Github::direct(fake), repo)
    .run();
    let wall = start.elapsed();
    assert!(matches!(out.code, 0 | 3), "{}\n{}", out.stdout, out.stderr);
    counted(fake, repo, before, wall)
}

/// The calls and sequential round trips of the requests after the first `before` ones.
fn counted(fake: &FakeGithub, repo: &str, before: usize, wall: Duration) -> Measured {
    let mut times: Vec<Instant> = fake.requests(repo)[before..]
        .iter()
        .map(|r| r.received_at)
        .collect();
    times.sort();
    // A request that arrives 90 ms or more after the first of the current round cannot have
    // been sent before that round's answers (each takes 100 ms): it starts a new round.
    let mut rounds = 0;
    let mut round_start: Option<Instant> = None;
    for t in &times {
        if round_start.is_none_or(|s| t.duration_since(s) >= Duration::from_millis(90)) {
            rounds += 1;
            round_start = Some(*t);
        }
    }
    Measured {
        calls: times.len(),
        rounds,
        wall,
    }
}
