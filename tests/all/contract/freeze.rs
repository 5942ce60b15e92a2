//! The freeze gate end to end (`docs/gates.md#freeze`): the config on `main` declares a deploy
//! freeze around the present moment (the binary reads the real clock), and a ready release is
//! held pending until the freeze ends, on its pull request and at the deploy guard.

use chrono::{DateTime, DurationRound, FixedOffset, SecondsFormat, TimeDelta, Utc};
use shipgate_fake::state::File;
use shipgate_fake::Repo;

use super::queue::{guard, merged, MERGE};
use crate::support::fake::*;
use crate::support::run::Ran;
use crate::support::world::{check_graphql, world, World};

/// The test's moment to the whole minute, so the freeze's end is shown as written.
fn minute() -> DateTime<Utc> {
    now().duration_trunc(TimeDelta::minutes(1)).unwrap()
}

/// `.github/shipgate.yml` on `main` with one freeze window, written with a +01:00 offset.
fn with_freeze(repo: &mut Repo, from: DateTime<Utc>, until: DateTime<Utc>) {
    let madrid = FixedOffset::east_opt(3600).unwrap();
    let text = format!(
        "freeze:\n  windows:\n    - from: {}\n      until: {}\n      reason: Launch week freeze\n",
        from.with_timezone(&madrid).to_rfc3339(),
        until.with_timezone(&madrid).to_rfc3339(),
    );
    repo.files.push(File {
        branch: "main".into(),
        path: ".github/shipgate.yml".into(),
        text,
    });
}

/// Runs the gate on a `pull_request` `synchronize` of PR #7.
fn gate(w: &World, repo: &Repo) -> Ran {
    w.fake.load(repo.clone());
    let event = w.pr_event(repo, "pull_request", "synchronize", 7);
    w.action(repo, "pull_request", &event).run()
}

/// The freeze row of the first verdict in the report.
fn freeze_row(ran: &Ran) -> serde_json::Value {
    let report = ran.report();
    report["pull_requests"][0]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "freeze")
        .cloned()
        .unwrap_or_else(|| panic!("no freeze row in {report}"))
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_ready_release_is_held_pending_by_a_freeze_until_it_ends() {
    let w = world();
    let until = minute() + TimeDelta::hours(2);
    let mut repo = ready_repo("freeze-held");
    with_freeze(&mut repo, minute() - TimeDelta::hours(1), until);
    let ran = gate(w, &repo);
    assert_eq!(
        ran.code,
        0,
        "pending does not fail the step\n{}",
        ran.describe()
    );
    assert_eq!(ran.verdict(), "pending", "{}", ran.describe());
    assert_eq!(
        ran.outputs["ready-at"],
        until.to_rfc3339_opts(SecondsFormat::Secs, true),
        "{}",
        ran.describe()
    );
    let shown_end = until.format("%Y-%m-%d %H:%M UTC").to_string();
    let row = freeze_row(&ran);
    assert_eq!(row["state"], "pending");
    assert_eq!(
        row["reason"],
        format!("deploy freeze `Launch week freeze` until {shown_end}")
    );
    // The check run stays in progress and its text names the freeze and when it ends.
    let check = ran.single_write("POST", "/check-runs");
    assert_eq!(check["status"], "in_progress", "{check}");
    assert_eq!(check["head_sha"], HEAD);
    let summary = check["output"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("deploy freeze `Launch week freeze` until")
            && summary.contains(&shown_end),
        "{summary}"
    );
    assert!(
        check["output"]["title"]
            .as_str()
            .unwrap()
            .starts_with("Pending: freeze"),
        "{check}"
    );
    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert!(
        state.comments[0].body.contains("Launch week freeze"),
        "{}",
        state.comments[0].body
    );
    check_graphql(w, &repo.full_name());

    // The same release once the freeze is over passes, saying no freeze is scheduled.
    let mut repo = ready_repo("freeze-over");
    with_freeze(
        &mut repo,
        minute() - TimeDelta::hours(3),
        minute() - TimeDelta::hours(1),
    );
    let ran = gate(w, &repo);
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert_eq!(
        freeze_row(&ran)["reason"],
        "deploys are allowed now; no deploy freeze is scheduled"
    );
    assert_eq!(
        ran.single_write("POST", "/check-runs")["conclusion"],
        "success"
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn the_guard_stops_a_deploy_during_a_freeze_with_nothing_to_revert() {
    let w = world();
    let mut repo = ready_repo("freeze-guard");
    with_freeze(
        &mut repo,
        minute() - TimeDelta::hours(1),
        minute() + TimeDelta::hours(2),
    );
    merged(&mut repo, MERGE);
    let ran = guard(w, &repo, MERGE);
    assert_eq!(
        ran.verdict(),
        "fail",
        "a deploy never waits\n{}",
        ran.describe()
    );
    assert_ne!(ran.code, 0, "the deploy must not start\n{}", ran.describe());
    // The summary is Markdown: the parentheses are escaped there.
    assert!(
        ran.summary
            .contains("whose gates pass, but deploys are not allowed now \\(freeze pending\\)"),
        "{}",
        ran.summary
    );
    assert!(ran.summary.contains("nothing to revert"), "{}", ran.summary);
    check_graphql(w, &repo.full_name());
}
