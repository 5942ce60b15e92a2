//! The API-call benchmark of `shipgate action`: GitHub API calls by kind, sequential round
//! trips, requests in flight and wall time, for one PR and for `schedule` sweeps over 40 and 200
//! open release PRs, against the fake GitHub answering every request 100 ms late. Each is run
//! three times: the first run (nothing published yet), a rerun at once, and a rerun 15 minutes
//! later — simulated without waiting: the same state, the moment of evaluation 15 minutes on
//! (the binary has no clock to set, so that run is the Action's pipeline in process). Then a
//! merge-queue group of one PR and of three, evaluated as the gate workflow does on the
//! trigger's `workflow_run`. Run on purpose (about six and a half minutes, most of it the paced
//! first sweeps):
//!
//! ```sh
//! cargo bench -p shipgate --bench api-calls
//! ```
//!
//! It prints the table of `docs/benchmarks.md`. Not a test: nothing here is asserted but what
//! the design promises (exit 0, every PR published once, never a failed write, nothing written
//! when nothing changed).

use std::time::{Duration, Instant};

use serde_json::json;
use shipgate_fake::state::{DependabotAlert, File, QueueEntry};
use shipgate_fake::{FakeGithub, Fault, FaultKind, LoggedRequest, Repo};
use shipgate_github::targets::Targets;

// The integration tests' helpers: running the binary as a runner does, the base state.
#[allow(dead_code)]
#[path = "../../../tests/all/support/mod.rs"]
mod support;

use support::fake::{annotated_tag, check, commit, deployment, pull, ready_repo, review};
use support::run::{Github, Run};

/// Every answer's delay.
const LATE: Duration = Duration::from_millis(100);

fn main() {
    let fake = FakeGithub::start();
    let mut rows = Vec::new();
    for count in [1, 40, 200] {
        let repo = load(&fake, &format!("bench-{count}"), count);
        let inputs: &[(&str, &str)] = if count == 1 {
            &[("pull-request", "1")]
        } else {
            &[]
        };
        let first = measure(&fake, &repo, || binary(&fake, &repo, inputs));
        assert_eq!(first.code, 0, "first run of {count}");
        assert_eq!(first.failed_writes, 0, "never a failed write");
        assert_eq!(
            first.writes,
            2 * count as usize,
            "every check and comment once"
        );
        let again = measure(&fake, &repo, || binary(&fake, &repo, inputs));
        let targets = if count == 1 {
            Targets::PullRequest(1)
        } else {
            Targets::AllOpen
        };
        let later = measure(&fake, &repo, || {
            let name = repo.split_once('/').expect("owner/name").1;
            let run = support::pipeline::action_gate_at(
                &Github::direct(&fake),
                support::fake::OWNER,
                name,
                targets,
                support::fake::now() + chrono::Duration::minutes(15),
            );
            i32::from(!run.publish_errors.is_empty())
        });
        for (what, m) in [("at once", &again), ("15 minutes later", &later)] {
            assert_eq!(m.code, 0, "rerun {what} of {count}");
            assert_eq!(m.writes, 0, "nothing changed {what}: nothing written");
            assert_eq!(m.rest_reads, 0, "nothing changed {what}: no lookup");
        }
        let prs = if count == 1 {
            "1 PR".to_string()
        } else {
            format!("{count} PRs")
        };
        rows.push((format!("{prs}, first run"), first));
        rows.push((format!("{prs}, rerun at once"), again));
        rows.push((format!("{prs}, rerun 15 min later"), later));
    }

    // The security gate on for every source, one PR: in the Action the three alert lists follow
    // the read (the config that turns the gate on comes with it); on the command line, whose
    // policy is known beforehand, they go out beside it.
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
    let inputs = [("pull-request", "1")];
    let first = measure(&fake, &secure, || binary(&fake, &secure, &inputs));
    assert_eq!(
        (first.code, first.rest_reads),
        (0, 3),
        "the three alert lists"
    );
    let again = measure(&fake, &secure, || binary(&fake, &secure, &inputs));
    assert_eq!(
        (again.rest_reads, again.writes),
        (3, 0),
        "the lists, no write"
    );
    let cli = measure(&fake, &secure, || cli_gate(&fake, &secure));
    assert_eq!((cli.calls, cli.rounds), (4, 1), "the lists beside the read");
    rows.push(("1 PR, security gate on, first run".into(), first));
    rows.push(("1 PR, security gate on, rerun at once".into(), again));
    rows.push(("`gate --repo --config`, security gate on".into(), cli));

    // A merge-queue group of one PR, and of three (the third entry's group holds all three):
    // one GraphQL read of the queue, the group's commit and the PRs, one check run written.
    for size in [1u64, 3] {
        let repo = load_queue(&fake, &format!("bench-queue-{size}"), size);
        let group = format!("f{size:039x}");
        let event = json!({ "action": "completed", "workflow_run": {
            "event": "merge_group",
            "head_sha": group,
            "head_branch": format!("gh-readonly-queue/main/pr-{size}-{}", "0".repeat(40)),
            "pull_requests": [],
        } });
        let first = measure(&fake, &repo, || {
            Run::new(Github::direct(&fake), &repo, "workflow_run", &event)
                .run()
                .code
        });
        assert_eq!(first.code, 0, "the group of {size} passes");
        assert_eq!(
            (first.graphql, first.writes),
            (1, 1),
            "one read, one check run"
        );
        let again = measure(&fake, &repo, || {
            Run::new(Github::direct(&fake), &repo, "workflow_run", &event)
                .run()
                .code
        });
        assert_eq!(again.writes, 0, "nothing changed: nothing written");
        let prs = if size == 1 { "1 PR" } else { "3 PRs" };
        rows.push((format!("merge group of {prs}, first run"), first));
        rows.push((format!("merge group of {prs}, rerun"), again));
    }

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

    println!(
        "\n| scenario | exit | API calls | GraphQL | REST reads | writes (failed) | round trips | max in flight | wall time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, m) in &rows {
        println!(
            "| {name} | {} | {} | {} | {} | {} ({}) | {} | {} | {} |",
            m.code,
            m.calls,
            m.graphql,
            m.rest_reads,
            m.writes,
            m.failed_writes,
            m.rounds,
            m.max_in_flight,
            wall(m.wall)
        );
    }
    println!(
        "\nstart-up (`shipgate --version`, mean of {runs}): {} µs",
        startup.as_micros()
    );
}

/// What one run cost.
struct Measured {
    code: i32,
    calls: usize,
    graphql: usize,
    rest_reads: usize,
    writes: usize,
    failed_writes: usize,
    rounds: usize,
    max_in_flight: usize,
    wall: Duration,
}

fn wall(d: Duration) -> String {
    if d >= Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// `acme/<name>` with `count` open release PRs `v2.N.0` into `main` (production runs `v1.3.0`),
/// each tagged on its head and green on `build`; every answer about it 100 ms late. One PR is
/// soaking (deployed to staging 10 h ago: pending, with a deadline). A sweep mixes four kinds,
/// by `N % 4`: 1 soaked for 25 h in staging and approved twice (pass), 2 approved once
/// (pending), 3 with changes requested (fail), 0 never in staging (pending) — except #4, the
/// one soaking now. Returns the repository's full name.
fn load(fake: &FakeGithub, name: &str, count: u64) -> String {
    let mut repo: Repo = ready_repo(name);
    repo.pulls.clear();
    repo.deployments.truncate(1); // production: v1.3.0
    repo.tags.truncate(1);
    for n in 1..=count {
        let sha = format!("d{n:039x}");
        let version = format!("v2.{n}.0");
        let kind = if count == 1 { 4 } else { n % 4 };
        let mut pr = pull(
            n,
            &sha,
            &format!("staging/{version}"),
            &format!("Release {version}"),
        );
        pr.reviews = vec![review("bob", "APPROVED", &sha, 4)];
        match kind {
            2 => {}
            3 => pr
                .reviews
                .push(review("carol", "CHANGES_REQUESTED", &sha, 3)),
            _ => pr.reviews.push(review("carol", "APPROVED", &sha, 3)),
        }
        repo.pulls.push(pr);
        let mut commit = commit(&sha, 3000);
        commit.check_runs = vec![check("build", "completed", Some("success"))];
        repo.commits.push(commit);
        repo.tags
            .push(annotated_tag(&version, &sha, &format!("e{n:039x}")));
        // Staging ran the passing ones one after the other, each until the next came.
        let staged = match kind {
            1 => Some(36 + 25 * (n as i64 / 4)),
            4 | 0 if n == 4 || count == 1 => Some(10),
            _ => None,
        };
        if let Some(hours) = staged {
            repo.deployments
                .push(deployment(&sha, "staging", "success", hours));
        }
    }
    serve_late(fake, repo)
}

/// Runs the binary once on a `schedule` event with `inputs`; returns its exit code.
fn binary(fake: &FakeGithub, repo: &str, inputs: &[(&str, &str)]) -> i32 {
    let event = json!({ "schedule": "*/15 * * * *" });
    let mut run =
        Run::new(Github::direct(fake), repo, "schedule", &event).input("production-branch", "main");
    for (name, value) in inputs {
        run = run.input(name, value);
    }
    run.run().code
}

/// The config of the security rows: every source on.
const SECURITY: &str =
    "security:\n  dependabot: high\n  code-scanning: high\n  secret-scanning: true\n";

/// Runs `shipgate gate --repo REPO --pr 1 --config <SECURITY>` once; returns its exit code.
fn cli_gate(fake: &FakeGithub, repo: &str) -> i32 {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("shipgate.yml");
    std::fs::write(&config, SECURITY).expect("config");
    let path = config.to_str().expect("utf-8 path");
    support::run::shipgate(&["gate", "--repo", repo, "--pr", "1", "--config", path])
        .github(&Github::direct(fake), repo)
        .run()
        .code
}

/// Runs `run` once (it returns an exit code); counts its calls from the fake's log.
fn measure(fake: &FakeGithub, repo: &str, run: impl FnOnce() -> i32) -> Measured {
    let before = fake.requests(repo).len();
    let start = Instant::now();
    let code = run();
    let wall = start.elapsed();
    let log: Vec<LoggedRequest> = fake.requests(repo).split_off(before);
    let is_graphql = |r: &LoggedRequest| r.path.starts_with("/graphql");
    let mut times: Vec<Instant> = log.iter().map(|r| r.received_at).collect();
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
    // In flight: between arrival and answer, as the fake saw them.
    let mut edges: Vec<(Instant, i32)> = log
        .iter()
        .flat_map(|r| {
            let answered = r.answered_at.unwrap_or(r.received_at + LATE);
            [(r.received_at, 1), (answered, -1)]
        })
        .collect();
    // An answer leaving at the very moment another request arrives frees its place first.
    edges.sort();
    let (mut now_in_flight, mut max_in_flight) = (0, 0);
    for (_, step) in edges {
        now_in_flight += step;
        max_in_flight = max_in_flight.max(now_in_flight);
    }
    Measured {
        code,
        calls: log.len(),
        graphql: log.iter().filter(|r| is_graphql(r)).count(),
        rest_reads: log
            .iter()
            .filter(|r| !is_graphql(r) && r.method == "GET")
            .count(),
        writes: log.iter().filter(|r| r.is_write()).count(),
        failed_writes: log
            .iter()
            .filter(|r| r.is_write() && r.status >= 400)
            .count(),
        rounds,
        max_in_flight: max_in_flight as usize,
        wall,
    }
}

/// `acme/<name>`: `size` ready releases (#1…#`size`, each soaked 25 h in staging one after the
/// other, approved twice, tagged) queued in `main`'s merge queue, the last entry's group commit
/// `f…<size>` green on `build`; every answer 100 ms late.
fn load_queue(fake: &FakeGithub, name: &str, size: u64) -> String {
    let mut repo: Repo = ready_repo(name);
    repo.pulls.clear();
    repo.deployments.truncate(1);
    repo.tags.truncate(1);
    for n in 1..=size {
        let sha = format!("d{n:039x}");
        let version = format!("v2.{n}.0");
        let mut pr = pull(
            n,
            &sha,
            &format!("staging/{version}"),
            &format!("Release {version}"),
        );
        pr.reviews = vec![
            review("bob", "APPROVED", &sha, 4),
            review("carol", "APPROVED", &sha, 3),
        ];
        repo.pulls.push(pr);
        repo.commits.push(commit(&sha, 3000));
        repo.tags
            .push(annotated_tag(&version, &sha, &format!("e{n:039x}")));
        repo.deployments.push(deployment(
            &sha,
            "staging",
            "success",
            30 + 26 * (size - n) as i64,
        ));
        let group = format!("f{n:039x}");
        let mut c = commit(&group, 1);
        c.check_runs = vec![check("build", "completed", Some("success"))];
        repo.commits.push(c);
        repo.merge_queue.push(QueueEntry {
            pull: n,
            head_sha: Some(group),
            state: "AWAITING_CHECKS".into(),
        });
    }
    serve_late(fake, repo)
}

/// Loads `repo` into the fake with every answer about it [`LATE`]; returns its full name.
fn serve_late(fake: &FakeGithub, repo: Repo) -> String {
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
