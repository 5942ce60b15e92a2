//! A `schedule` sweep at scale, end to end: 40 open release PRs published in one run with the
//! Action's own write pacing (about a minute: 80 content-creating requests a minute is GitHub's
//! limit), every check run and comment written exactly once and never a failed write; then the
//! same sweep "15 minutes later" (the same state, the moment of evaluation moved on) writes
//! nothing. The binary has no clock to set (docs/security.md), so the later run is the same
//! pipeline the Action runs, in process, with its moment 15 minutes on.

use std::collections::HashMap;

use serde_json::{json, Value};
use shipgate_fake::Repo;

use crate::support::fake::*;
use crate::support::pipeline::action_gate_at;
use crate::support::world::{check_graphql, world};
use shipgate_github::targets::Targets;

/// How many open release PRs the sweep finds.
const PRS: u64 = 40;

/// The head commit of PR `n`.
fn head(n: u64) -> String {
    format!("d{n:039x}")
}

/// `acme/sweep-40`: [`PRS`] open release PRs `v2.N.0` into `main` (production runs `v1.3.0`),
/// each tagged on its head, green on `build` and approved twice — except every fourth from #2,
/// approved once (pending). Staging ran them one after the other: every fourth from #1 for 25
/// hours, each until the next was deployed (pass), and #4 last, 10 hours ago (pending, soaking
/// until a deadline the later run must show the same); every fourth from #3 failed its staging
/// deploy long ago (fail); the others never reached staging (pending, no deadline).
fn forty_releases() -> Repo {
    let mut repo = ready_repo("sweep-40");
    repo.pulls.clear();
    repo.deployments.truncate(1); // production: v1.3.0
    repo.tags.truncate(1);
    for n in 1..=PRS {
        let sha = head(n);
        let version = format!("v2.{n}.0");
        let mut pr = pull(
            n,
            &sha,
            &format!("staging/{version}"),
            &format!("Release {version}"),
        );
        pr.reviews = vec![review("bob", "APPROVED", &sha, 4)];
        if n % 4 != 2 {
            pr.reviews.push(review("carol", "APPROVED", &sha, 3));
        }
        repo.pulls.push(pr);
        let mut commit = commit(&sha, 2000);
        commit.check_runs = vec![check("build", "completed", Some("success"))];
        repo.commits.push(commit);
        let object = format!("e{n:039x}");
        repo.tags.push(annotated_tag(&version, &sha, &object));
        let hours = match n % 4 {
            1 => Some(("success", 36 + 25 * (n as i64 / 4))),
            3 => Some(("failure", 1000 + n as i64)),
            0 if n == 4 => Some(("success", 10)),
            _ => None,
        };
        if let Some((state, hours)) = hours {
            repo.deployments
                .push(deployment(&sha, "staging", state, hours));
        }
    }
    repo
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_sweep_of_40_prs_publishes_each_once_and_a_later_run_writes_nothing() {
    let w = world();
    let repo = forty_releases();
    w.fake.load(repo.clone());
    let schedule = json!({ "schedule": "*/15 * * * *" });
    let first = w.action(&repo, "schedule", &schedule).run();
    assert_eq!(first.code, 0, "{}", first.describe());
    let report = first.report();
    let verdicts: Vec<&str> = report["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts.len(), PRS as usize, "{report}");
    let count = |kind: &str| verdicts.iter().filter(|v| **v == kind).count();
    assert_eq!(
        (count("pass"), count("pending"), count("fail")),
        (10, 20, 10),
        "{verdicts:?}: {report:#}"
    );
    assert!(
        !first.stdout.contains("not yet published"),
        "nothing deferred: {}",
        first.describe()
    );
    // One read, then one write per check run and per comment: never a failed write, never a
    // lookup (nothing was in doubt), never an update of what this run just created.
    assert_eq!(first.graphql_operations(), ["OpenPullRequestFacts"]);
    let writes = first.writes();
    assert_eq!(writes.len(), 2 * PRS as usize, "{}", first.describe());
    assert!(
        writes.iter().all(|r| r.method == "POST" && r.status == 201),
        "{}",
        first.describe()
    );
    assert_eq!(first.requests.len(), 1 + 2 * PRS as usize);
    let mut runs_per_head: HashMap<String, usize> = HashMap::new();
    for run in first.writes_to("POST", "/check-runs") {
        *runs_per_head
            .entry(run.json()["head_sha"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let state = w.fake.repo(&repo.full_name()).unwrap();
    for n in 1..=PRS {
        assert_eq!(runs_per_head.get(&head(n)), Some(&1), "#{n}");
        let comments = state.comments.iter().filter(|c| c.issue == n).count();
        assert_eq!(comments, 1, "#{n}");
    }
    // Published text names moments absolutely: a soaking PR's deadline, no "in 14 h".
    let soaking = state
        .commit(&head(4))
        .unwrap()
        .check_runs
        .iter()
        .find(|r| r.name == "shipgate")
        .unwrap()
        .clone();
    let summary = soaking.summary.unwrap_or_default();
    let deadline = shifted("2026-11-28T02:00:00Z")
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    assert!(summary.contains(&deadline), "{deadline} in {summary}");
    assert!(
        !summary.contains("(in ") && !summary.contains("evaluated"),
        "{summary}"
    );

    // The next scheduled run, 15 minutes later: the same state, the clock moved on. Nothing a
    // verdict says has changed, so nothing is written: the read is the only request.
    let before = w.fake.requests(&repo.full_name()).len();
    let later = action_gate_at(
        &w.github(),
        &repo.owner,
        &repo.name,
        Targets::AllOpen,
        now() + chrono::Duration::minutes(15),
    );
    assert!(
        later.publish_errors.is_empty(),
        "{:?}",
        later.publish_errors
    );
    let requests = w.fake.requests(&repo.full_name()).split_off(before);
    let methods: Vec<&str> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST"], "the GraphQL read only: {requests:#?}");
    assert_eq!(
        requests[0].operation().as_deref(),
        Some("OpenPullRequestFacts")
    );
    // The same verdicts, gates and reasons; only the moment of evaluation moved.
    let without_moment = |report: &Value| -> Vec<Value> {
        let mut prs = report["pull_requests"].as_array().unwrap().clone();
        for pr in &mut prs {
            pr.as_object_mut().unwrap().remove("evaluated_at");
        }
        prs
    };
    let later_report: Value =
        serde_json::from_str(&shipgate_core::render::json_report(&later.verdicts())).unwrap();
    assert_eq!(without_moment(&later_report), without_moment(&report));
    check_graphql(w, &repo.full_name());
}
