//! A small builder of [`Facts`] for the unit tests of the gates and the verdict (compiled only
//! under `cfg(test)`).
//!
//! It starts from the flow's own story — PR #42 `staging/v1.4.0` into `main` by `alice`, head
//! [`SHA`] — with nothing else known, so each test adds only the facts its rule is about.

use chrono::{DateTime, TimeDelta, Utc};

use crate::facts::{
    Actor, CheckConclusion, CheckRun, CheckStatus, CommitStatus, Deployment, DeploymentState,
    DeploymentStatus, Facts, Permission, PullCommit, PullRequest, Release, Repository, Review,
    ReviewState, StatusState, Tag, FACTS_VERSION,
};
use crate::policy::Policy;

use super::{Context, Gate, GateResult};

/// The gated commit of every test.
pub(crate) const SHA: &str = "1111111111111111111111111111111111111111";
/// An older commit of the same pull request.
pub(crate) const OLD_SHA: &str = "2222222222222222222222222222222222222222";
/// A commit of some other release.
pub(crate) const OTHER_SHA: &str = "3333333333333333333333333333333333333333";

/// The fixed starting moment of the tests' stories.
pub(crate) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .expect("valid time")
        .with_timezone(&Utc)
}

/// `t0` plus `minutes`.
pub(crate) fn at_min(minutes: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(minutes)
}

/// `t0` plus `hours`.
pub(crate) fn at_h(hours: i64) -> DateTime<Utc> {
    t0() + TimeDelta::hours(hours)
}

/// A PR commit for [`FactsBuilder::commits`]: `(sha, author, committer, co-authors)`.
pub(crate) type CommitSpec<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str]);

/// Builds [`Facts`] step by step.
#[derive(Debug, Clone)]
pub(crate) struct FactsBuilder {
    facts: Facts,
}

impl FactsBuilder {
    /// PR #42 `staging/v1.4.0` → `main` by `alice`, head [`SHA`], no reviews, deploys or tags.
    pub(crate) fn new() -> Self {
        Self {
            facts: Facts {
                version: FACTS_VERSION,
                captured_at: at_h(48),
                repository: Repository {
                    owner: "tallerpro".into(),
                    name: "workshop".into(),
                },
                sha: SHA.into(),
                pull_request: Some(PullRequest {
                    number: 42,
                    title: "Release v1.4.0".into(),
                    author: Actor {
                        login: "alice".into(),
                        bot: false,
                    },
                    head_sha: SHA.into(),
                    head_branch: "staging/v1.4.0".into(),
                    base_branch: "main".into(),
                    from_fork: false,
                    draft: false,
                    body: String::new(),
                    changed_files: Vec::new(),
                    commits: vec![PullCommit {
                        sha: SHA.into(),
                        author: Some("alice".into()),
                        committer: Some("web-flow".into()),
                        co_authors: Vec::new(),
                    }],
                    commit_count: Some(1),
                }),
                reviews: Vec::new(),
                deployments: Vec::new(),
                environments: Vec::new(),
                tags: Vec::new(),
                releases: Vec::new(),
                check_runs: Vec::new(),
                statuses: Vec::new(),
                security: None,
            },
        }
    }

    fn pr(&mut self) -> &mut PullRequest {
        self.facts
            .pull_request
            .as_mut()
            .expect("this builder step needs a pull request")
    }

    /// No pull request: the commit is gated through a release tag alone.
    pub(crate) fn without_pull_request(mut self) -> Self {
        self.facts.pull_request = None;
        self
    }

    /// Sets the PR's head branch.
    pub(crate) fn branch(mut self, name: &str) -> Self {
        self.pr().head_branch = name.into();
        self
    }

    /// Sets the PR's author login.
    pub(crate) fn author(mut self, login: &str) -> Self {
        self.pr().author.login = login.into();
        self
    }

    /// Marks the PR as coming from a fork.
    pub(crate) fn opened_from_fork(mut self) -> Self {
        self.pr().from_fork = true;
        self
    }

    /// Sets the PR description.
    pub(crate) fn body(mut self, body: &str) -> Self {
        self.pr().body = body.into();
        self
    }

    /// Sets the files the PR changes.
    pub(crate) fn changed_files(mut self, files: &[&str]) -> Self {
        self.pr().changed_files = files.iter().map(|f| f.to_string()).collect();
        self
    }

    /// Adds a review by a human with `permission`.
    pub(crate) fn review(
        mut self,
        login: &str,
        permission: Permission,
        state: ReviewState,
        at: DateTime<Utc>,
        commit: &str,
    ) -> Self {
        self.facts.reviews.push(Review {
            reviewer: Actor {
                login: login.into(),
                bot: false,
            },
            permission,
            state,
            submitted_at: at,
            commit_sha: commit.into(),
        });
        self
    }

    /// Adds an approval on [`SHA`] by a writer.
    pub(crate) fn approved_by(self, login: &str, at: DateTime<Utc>) -> Self {
        self.review(login, Permission::Write, ReviewState::Approved, at, SHA)
    }

    /// Adds a review by an account flagged as a bot.
    pub(crate) fn bot_review(mut self, login: &str, state: ReviewState, at: DateTime<Utc>) -> Self {
        self.facts.reviews.push(Review {
            reviewer: Actor {
                login: login.into(),
                bot: true,
            },
            permission: Permission::Admin,
            state,
            submitted_at: at,
            commit_sha: SHA.into(),
        });
        self
    }

    /// The PR's commits: `(sha, author, committer, co-authors)`, all of them.
    pub(crate) fn commits(mut self, commits: &[CommitSpec<'_>]) -> Self {
        let list: Vec<PullCommit> = commits
            .iter()
            .map(|(sha, author, committer, co)| PullCommit {
                sha: (*sha).into(),
                author: author.map(str::to_string),
                committer: committer.map(str::to_string),
                co_authors: co.iter().map(|c| c.to_string()).collect(),
            })
            .collect();
        self.pr().commit_count = Some(list.len() as u64);
        self.pr().commits = list;
        self
    }

    /// Says the PR has `count` commits (more than those listed means some are unseen).
    pub(crate) fn commit_count(mut self, count: Option<u64>) -> Self {
        self.pr().commit_count = count;
        self
    }

    /// Adds a deployment of `sha` to `environment` created at the first status's time (or
    /// `t0`), with the given statuses, by the `github-actions` bot.
    pub(crate) fn deployment(
        self,
        environment: &str,
        sha: &str,
        statuses: &[(DeploymentState, DateTime<Utc>)],
    ) -> Self {
        self.deployment_by(environment, sha, statuses, bot("github-actions"))
    }

    /// Adds a deployment created (with its statuses) by `creator`.
    pub(crate) fn deployment_by(
        mut self,
        environment: &str,
        sha: &str,
        statuses: &[(DeploymentState, DateTime<Utc>)],
        creator: Actor,
    ) -> Self {
        let created_at = statuses.first().map_or_else(t0, |(_, at)| *at);
        let id = self.facts.deployments.len() as u64 + 1;
        self.facts.deployments.push(Deployment {
            id: Some(id),
            environment: environment.into(),
            sha: sha.into(),
            git_ref: None,
            creator: Some(creator.clone()),
            created_at,
            statuses: statuses
                .iter()
                .map(|(state, at)| DeploymentStatus {
                    state: *state,
                    created_at: *at,
                    description: None,
                    creator: Some(creator.clone()),
                })
                .collect(),
        });
        self
    }

    /// Adds a status, reported by `creator`, to the deployment `id` (1-based, in order added).
    pub(crate) fn deployment_status_by(
        mut self,
        id: u64,
        state: DeploymentState,
        at: DateTime<Utc>,
        creator: Actor,
    ) -> Self {
        let deployment = self
            .facts
            .deployments
            .iter_mut()
            .find(|d| d.id == Some(id))
            .expect("a deployment with that id");
        deployment.statuses.push(DeploymentStatus {
            state,
            created_at: at,
            description: None,
            creator: Some(creator),
        });
        self
    }

    /// Adds a deployment to `staging`.
    pub(crate) fn staging(self, sha: &str, statuses: &[(DeploymentState, DateTime<Utc>)]) -> Self {
        self.deployment("staging", sha, statuses)
    }

    /// Adds a successful deployment of `sha` to `production`.
    pub(crate) fn released_to_production(self, sha: &str) -> Self {
        self.deployment("production", sha, &[(DeploymentState::Success, t0())])
    }

    /// Adds a tag pointing (peeled) at `sha`.
    pub(crate) fn tag(mut self, name: &str, sha: &str, annotated: bool) -> Self {
        self.facts.tags.push(Tag {
            name: name.into(),
            target_sha: sha.into(),
            annotated,
            tagger: annotated.then(|| "alice".to_string()),
            tagged_at: annotated.then(t0),
        });
        self
    }

    /// Adds a GitHub Release.
    pub(crate) fn release(mut self, tag_name: &str, draft: bool, prerelease: bool) -> Self {
        self.facts.releases.push(Release {
            tag_name: tag_name.into(),
            draft,
            prerelease,
            published_at: Some(t0()),
        });
        self
    }

    /// Adds a check run.
    pub(crate) fn check_run(
        mut self,
        name: &str,
        status: CheckStatus,
        conclusion: Option<CheckConclusion>,
        started_at: Option<DateTime<Utc>>,
        completed_at: Option<DateTime<Utc>>,
    ) -> Self {
        self.facts.check_runs.push(CheckRun {
            id: None,
            name: name.into(),
            status,
            conclusion,
            started_at,
            completed_at,
            app: Some("github-actions".into()),
            external_id: None,
        });
        self
    }

    /// Adds a check run completed at `at` with `conclusion`, reported by `app`.
    pub(crate) fn completed_by(
        mut self,
        app: &str,
        name: &str,
        conclusion: CheckConclusion,
        at: DateTime<Utc>,
    ) -> Self {
        self = self.completed(name, conclusion, at);
        let run = self.facts.check_runs.last_mut().expect("just added");
        run.app = Some(app.into());
        self
    }

    /// Adds a check run completed at `at` with `conclusion`.
    pub(crate) fn completed(
        self,
        name: &str,
        conclusion: CheckConclusion,
        at: DateTime<Utc>,
    ) -> Self {
        self.check_run(
            name,
            CheckStatus::Completed,
            Some(conclusion),
            Some(at - TimeDelta::minutes(5)),
            Some(at),
        )
    }

    /// Adds a commit status reported by the `ci` bot.
    pub(crate) fn status(self, context: &str, state: StatusState, at: DateTime<Utc>) -> Self {
        self.status_by(context, state, at, bot("ci"))
    }

    /// Adds a commit status reported by `creator`.
    pub(crate) fn status_by(
        mut self,
        context: &str,
        state: StatusState,
        at: DateTime<Utc>,
        creator: Actor,
    ) -> Self {
        self.facts.statuses.push(CommitStatus {
            context: context.into(),
            state,
            created_at: at,
            description: None,
            creator: Some(creator),
        });
        self
    }

    /// The facts.
    pub(crate) fn build(self) -> Facts {
        self.facts
    }
}

/// A bot account.
pub(crate) fn bot(login: &str) -> Actor {
    Actor {
        login: login.into(),
        bot: true,
    }
}

/// A user account.
pub(crate) fn user(login: &str) -> Actor {
    Actor {
        login: login.into(),
        bot: false,
    }
}

/// Evaluates `gate` on `facts` under `policy` as of `now`.
pub(crate) fn eval(
    gate: &dyn Gate,
    facts: &Facts,
    policy: &Policy,
    now: DateTime<Utc>,
) -> GateResult {
    gate.evaluate(&Context { facts, policy, now })
}
