//! A large, realistic facts value for the benchmark and the memory measurement.
//!
//! Shared by `benches/evaluate.rs` and `examples/large-facts.rs` (through `#[path]`), so the
//! benchmarked value and the file measured with `/usr/bin/time -v` are the same history:
//! 300 reviews, 10 000 deployment statuses over 2 000 staging and production deployments,
//! and 5 000 tags. Everything is deterministic; the candidate passes every gate, so each
//! gate does its full work rather than stopping at the first problem.

use chrono::{DateTime, TimeDelta, Utc};
use shipgate_core::facts::{
    Actor, CheckConclusion, CheckRun, CheckStatus, CommitStatus, Deployment, DeploymentState,
    DeploymentStatus, Facts, Permission, PullCommit, PullRequest, Release, Repository, Review,
    ReviewState, StatusState, Tag, FACTS_VERSION,
};

/// Number of reviews in the large history.
pub const REVIEWS: usize = 300;
/// Number of deployment statuses in the large history.
pub const DEPLOYMENT_STATUSES: usize = 10_000;
/// Number of tags in the large history.
pub const TAGS: usize = 5_000;

/// A deterministic 40-hex SHA for commit number `n`.
fn sha(n: u64) -> String {
    format!(
        "{:08x}{:032x}",
        n as u32,
        u128::from(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) << 32 | u128::from(n)
    )
}

/// The version of the `i`-th older tag: v0.0.0 … v4.19.49, all below the candidate's v5.0.0.
fn old_version(i: usize) -> String {
    format!("v{}.{}.{}", i / 1000, (i / 50) % 20, i % 50)
}

/// The facts of release `v5.0.0` after a long history, captured at `captured_at`.
pub fn large_facts(captured_at: DateTime<Utc>) -> Facts {
    let head = sha(1_000_000);
    let hours = |h: i64| TimeDelta::try_hours(h).expect("small hour count");
    let minutes = |m: i64| TimeDelta::try_minutes(m).expect("small minute count");

    // 60 reviewers, 5 reviews each: opinions on older commits, then an approval on the head.
    let mut reviews = Vec::with_capacity(REVIEWS);
    for reviewer in 0..60 {
        let login = if reviewer % 15 == 14 {
            format!("ci-helper-{reviewer}[bot]")
        } else {
            format!("dev{reviewer:02}")
        };
        let permission = match reviewer % 6 {
            0 => Permission::Read,
            1 => Permission::Maintain,
            2 => Permission::Admin,
            _ => Permission::Write,
        };
        let plan = [
            (ReviewState::Commented, sha(999_990)),
            (ReviewState::ChangesRequested, sha(999_991)),
            (ReviewState::Commented, sha(999_995)),
            (ReviewState::Approved, head.clone()),
            (ReviewState::Commented, head.clone()),
        ];
        for (step, (state, commit_sha)) in plan.into_iter().enumerate() {
            reviews.push(Review {
                reviewer: Actor {
                    login: login.clone(),
                    bot: false,
                },
                permission,
                state,
                submitted_at: captured_at - hours(20) + minutes((step * 60 + reviewer) as i64),
                commit_sha,
            });
        }
    }

    // 1 999 older deployments, alternating staging and production, 8 h apart, five statuses
    // each; then the candidate's staging deployment 30 h ago with five more: 10 000 in all.
    let mut deployments = Vec::with_capacity(2_000);
    let older = DEPLOYMENT_STATUSES / 5 - 1;
    for i in 0..older {
        let created_at = captured_at - hours(40) - hours(8 * (older - i) as i64);
        let environment = if i % 2 == 0 { "staging" } else { "production" };
        // Every 50th deployment failed; the others ran until the next one replaced them.
        let outcome = if i % 50 == 49 {
            DeploymentState::Failure
        } else {
            DeploymentState::Success
        };
        let states = [
            DeploymentState::Pending,
            DeploymentState::Queued,
            DeploymentState::InProgress,
            outcome,
            DeploymentState::Inactive,
        ];
        deployments.push(Deployment {
            id: Some(1_000_000_000 + i as u64),
            environment: environment.into(),
            sha: sha(i as u64 % TAGS as u64),
            git_ref: Some(old_version(i % TAGS)),
            creator: Some(actions_bot()),
            created_at,
            statuses: states
                .into_iter()
                .enumerate()
                .map(|(k, state)| DeploymentStatus {
                    state,
                    created_at: created_at + minutes(k as i64 * 2),
                    description: Some(format!("{state:?} for deployment {i}")),
                    creator: Some(actions_bot()),
                })
                .collect(),
        });
    }
    let soak_start = captured_at - hours(30);
    deployments.push(Deployment {
        id: Some(2_000_000_000),
        environment: "staging".into(),
        sha: head.clone(),
        git_ref: Some("staging/v5.0.0".into()),
        creator: Some(actions_bot()),
        created_at: soak_start - minutes(10),
        statuses: [
            (DeploymentState::Pending, -10),
            (DeploymentState::Queued, -9),
            (DeploymentState::InProgress, -8),
            (DeploymentState::Success, 0),
            (DeploymentState::Success, 120),
        ]
        .into_iter()
        .map(|(state, offset)| DeploymentStatus {
            state,
            created_at: soak_start + minutes(offset),
            description: None,
            creator: Some(actions_bot()),
        })
        .collect(),
    });

    // 4 999 older tags (every tenth lightweight, every 97th not semver), plus v5.0.0 on the head.
    let mut tags: Vec<Tag> = (0..TAGS - 1)
        .map(|i| Tag {
            name: if i % 97 == 96 {
                format!("nightly-{i}")
            } else {
                old_version(i)
            },
            target_sha: sha(i as u64),
            annotated: i % 10 != 0,
            tagger: Some("release-bot".into()),
            tagged_at: Some(captured_at - hours(50_000 - i as i64)),
        })
        .collect();
    tags.push(Tag {
        name: "v5.0.0".into(),
        target_sha: head.clone(),
        annotated: true,
        tagger: Some("dev03".into()),
        tagged_at: Some(captured_at - hours(2)),
    });

    let releases = (0..TAGS - 1)
        .step_by(50)
        .map(|i| Release {
            tag_name: old_version(i),
            draft: false,
            prerelease: false,
            published_at: Some(captured_at - hours(50_000 - i as i64)),
        })
        .collect();

    let mut check_runs: Vec<CheckRun> = (0..40)
        .map(|i| CheckRun {
            id: None,
            name: format!(
                "{} / job-{i}",
                if i % 2 == 0 { "backend" } else { "frontend" }
            ),
            status: CheckStatus::Completed,
            conclusion: Some(CheckConclusion::Success),
            started_at: Some(soak_start - hours(1)),
            completed_at: Some(soak_start - minutes(20)),
            app: Some("github-actions".into()),
            external_id: None,
        })
        .collect();
    check_runs.push(CheckRun {
        id: None,
        name: "shipgate".into(),
        status: CheckStatus::InProgress,
        conclusion: None,
        started_at: Some(captured_at),
        completed_at: None,
        app: Some("github-actions".into()),
        external_id: Some("shipgate".into()),
    });
    let statuses = (0..10)
        .map(|i| CommitStatus {
            context: format!("external/scan-{i}"),
            state: StatusState::Success,
            created_at: soak_start - minutes(30),
            description: None,
            creator: Some(Actor {
                login: "security-scanner".into(),
                bot: true,
            }),
        })
        .collect();

    Facts {
        version: FACTS_VERSION,
        captured_at,
        repository: Repository {
            owner: "tecnomundo".into(),
            name: "repair-management".into(),
        },
        sha: head.clone(),
        pull_request: Some(PullRequest {
            number: 5_000,
            title: "Release v5.0.0".into(),
            author: Actor {
                login: "mgarcia".into(),
                bot: false,
            },
            head_sha: head,
            head_branch: "staging/v5.0.0".into(),
            base_branch: "main".into(),
            from_fork: false,
            draft: false,
            body: "- [x] Database backup taken\n- [x] Rollback plan ready\n- [x] Team notified\n"
                .into(),
            changed_files: (0..200)
                .map(|i| format!("backend/app/module_{i}.py"))
                .collect(),
            commits: (0..120)
                .map(|i| PullCommit {
                    sha: sha(900_000 + i),
                    author: Some(format!("contributor{}", i % 7)),
                    committer: Some("web-flow".into()),
                    co_authors: Vec::new(),
                })
                .collect(),
            commit_count: Some(120),
        }),
        reviews,
        deployments,
        environments: Vec::new(),
        tags,
        releases,
        check_runs,
        statuses,
        security: None,
    }
}

/// GitHub Actions' bot, as GitHub's GraphQL API names it.
fn actions_bot() -> Actor {
    Actor {
        login: "github-actions".into(),
        bot: true,
    }
}
