//! The facts model: everything the gates need to know about one promotion candidate.
//!
//! Facts are read from GitHub in one GraphQL request (`shipgate-github`) or parsed from the text
//! of a JSON file (`shipgate gate --facts FILE`; the binary reads the file). The JSON form is a documented, versioned file format — see
//! `docs/facts-format.md`. Every struct rejects unknown fields so that a typo in a hand-written
//! facts file is an error, not a silently ignored fact.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Document, Error};

/// The only facts-file version this build reads and writes.
pub const FACTS_VERSION: u32 = 1;

/// Everything known about one promotion candidate at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The file-format version; must be [`FACTS_VERSION`].
    pub version: u32,
    /// When these facts were read; offline evaluation happens "as of" this time.
    #[serde(deserialize_with = "crate::time::deserialize")]
    pub captured_at: DateTime<Utc>,
    /// The repository the candidate belongs to.
    pub repository: Repository,
    /// The gated commit: the pull request's head SHA, or the commit a release tag points at.
    pub sha: String,
    /// The pull request that promotes the commit, when there is one.
    #[serde(default)]
    pub pull_request: Option<PullRequest>,
    /// Reviews of the pull request, in any order.
    #[serde(default)]
    pub reviews: Vec<Review>,
    /// Deployments of any commit to any environment, with their statuses.
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// The environments the repository deployed to lately (names only), when the reader knows
    /// them: a soak environment that matches none of them, nor any of `deployments`, is named
    /// in the soak gate's reason, with a close name ("did you mean `staging`?").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The repository's tags, peeled to the commit they point at.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// GitHub Releases, used to find released versions when production has no deployments.
    #[serde(default)]
    pub releases: Vec<Release>,
    /// Check runs reported on the gated commit.
    #[serde(default)]
    pub check_runs: Vec<CheckRun>,
    /// Commit statuses reported on the gated commit.
    #[serde(default)]
    pub statuses: Vec<CommitStatus>,
    /// The repository's open security alerts, read only when the security gate is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<crate::alerts::SecurityFacts>,
}

/// A repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    /// The owner (user or organisation) login.
    pub owner: String,
    /// The repository name.
    pub name: String,
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A GitHub user, bot or app account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The login, e.g. `octocat` or `dependabot[bot]`.
    pub login: String,
    /// Whether the account is a bot (an app or a `[bot]` login).
    #[serde(default)]
    pub bot: bool,
}

impl Actor {
    /// Whether this actor is a bot, by flag or by GitHub's `[bot]` login suffix.
    pub fn is_bot(&self) -> bool {
        self.bot || self.login.ends_with("[bot]")
    }

    /// The login as compared: lower-cased, without a leading `@` or GitHub's `[bot]` suffix
    /// (GraphQL names a bot `github-actions`, REST `github-actions[bot]`).
    pub fn key(&self) -> String {
        login_key(&self.login)
    }
}

/// A login as compared: lower-cased, without a leading `@` or a `[bot]` suffix.
pub fn login_key(login: &str) -> String {
    let login = login.trim().trim_start_matches('@').to_lowercase();
    login
        .strip_suffix("[bot]")
        .map(str::to_string)
        .unwrap_or(login)
}

/// Reads an optional creator written as an [`Actor`] object or, as version 1 files first wrote
/// it, a bare login (a bot when it ends with `[bot]`).
fn creator<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Actor>, D::Error> {
    #[derive(Deserialize)]
    #[serde(
        untagged,
        expecting = "a login or an actor object (`{\"login\": …, \"bot\": …}`)"
    )]
    enum Creator {
        Login(String),
        Actor(Actor),
    }
    Ok(match Option::<Creator>::deserialize(deserializer)? {
        None => None,
        Some(Creator::Login(login)) => Some(Actor { login, bot: false }),
        Some(Creator::Actor(actor)) => Some(actor),
    })
}

/// The pull request that promotes the gated commit into the production branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// The PR number.
    pub number: u64,
    /// The title, as written by its author (untrusted text).
    pub title: String,
    /// Who opened it.
    pub author: Actor,
    /// The head commit; must equal [`Facts::sha`].
    pub head_sha: String,
    /// The head branch name, e.g. `staging/v1.4.0`.
    pub head_branch: String,
    /// The base branch name, e.g. `main`.
    pub base_branch: String,
    /// Whether the head lives in a fork (never a release candidate).
    #[serde(default)]
    pub from_fork: bool,
    /// Whether the PR is a draft (evaluated like any other).
    #[serde(default)]
    pub draft: bool,
    /// The PR description, where the release checklist lives.
    #[serde(default)]
    pub body: String,
    /// Paths changed by the PR, for approval path rules.
    #[serde(default)]
    pub changed_files: Vec<String>,
    /// The PR's commits with the accounts GitHub links to them (who may not approve).
    #[serde(default)]
    pub commits: Vec<PullCommit>,
    /// How many commits the PR has, when known: fewer in `commits` means some are unseen.
    #[serde(default)]
    pub commit_count: Option<u64>,
}

/// One commit of a pull request and the accounts GitHub links to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullCommit {
    /// The commit.
    pub sha: String,
    /// The account of its git author, when GitHub links one.
    #[serde(default)]
    pub author: Option<String>,
    /// The account of its git committer, when GitHub links one (`web-flow` for the web UI).
    #[serde(default)]
    pub committer: Option<String>,
    /// Accounts of its `Co-authored-by:` trailers, when GitHub links them.
    #[serde(default)]
    pub co_authors: Vec<String>,
}

/// A repository permission level, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// No access, or unknown.
    None,
    /// Read.
    Read,
    /// Triage.
    Triage,
    /// Write (push).
    Write,
    /// Maintain.
    Maintain,
    /// Admin.
    Admin,
}

impl Permission {
    /// Whether this level can push to the repository (write or more).
    pub fn can_write(self) -> bool {
        self >= Permission::Write
    }
}

/// The state of a pull request review, as the REST and GraphQL APIs spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    /// Approved.
    Approved,
    /// Changes requested.
    ChangesRequested,
    /// A comment without an opinion.
    Commented,
    /// Dismissed by a maintainer.
    Dismissed,
    /// Not yet submitted.
    Pending,
}

impl ReviewState {
    /// Whether the review states an opinion that replaces the reviewer's earlier ones.
    pub fn is_opinionated(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::ChangesRequested | Self::Dismissed
        )
    }
}

/// One submitted review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Who reviewed.
    pub reviewer: Actor,
    /// The reviewer's permission on the repository.
    pub permission: Permission,
    /// The review's state.
    pub state: ReviewState,
    /// When it was submitted.
    #[serde(deserialize_with = "crate::time::deserialize")]
    pub submitted_at: DateTime<Utc>,
    /// The commit the review was given on.
    pub commit_sha: String,
}

/// A GitHub Deployment of one commit to one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// GitHub's deployment id, when known.
    #[serde(default)]
    pub id: Option<u64>,
    /// The environment, e.g. `staging` or `production`.
    pub environment: String,
    /// The deployed commit.
    pub sha: String,
    /// The ref that was deployed (branch or tag), when known.
    #[serde(default, rename = "ref")]
    pub git_ref: Option<String>,
    /// Who created the deployment, when known.
    #[serde(default, deserialize_with = "creator")]
    pub creator: Option<Actor>,
    /// When it was created.
    #[serde(deserialize_with = "crate::time::deserialize")]
    pub created_at: DateTime<Utc>,
    /// Its statuses, in any order.
    #[serde(default)]
    pub statuses: Vec<DeploymentStatus>,
}

/// The state of a deployment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    /// Created, not started.
    Pending,
    /// Queued.
    Queued,
    /// In progress.
    InProgress,
    /// Running successfully.
    Success,
    /// Failed.
    Failure,
    /// Errored.
    Error,
    /// Superseded (GitHub adds these on its own).
    Inactive,
}

impl DeploymentState {
    /// Whether the state says the deployment went bad.
    pub fn is_broken(self) -> bool {
        matches!(self, Self::Failure | Self::Error)
    }
}

/// One status of a deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentStatus {
    /// The state.
    pub state: DeploymentState,
    /// When it was reported.
    #[serde(deserialize_with = "crate::time::deserialize")]
    pub created_at: DateTime<Utc>,
    /// Its description, when any.
    #[serde(default)]
    pub description: Option<String>,
    /// Who reported it, when known.
    #[serde(default, deserialize_with = "creator")]
    pub creator: Option<Actor>,
}

/// A git tag, peeled to the commit it finally points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    /// The tag name, e.g. `v1.4.0`.
    pub name: String,
    /// The commit SHA it points at, through any annotated tag objects.
    pub target_sha: String,
    /// Whether it is an annotated tag object (`git tag -a`) rather than a lightweight ref.
    pub annotated: bool,
    /// The tagger's name or login, for annotated tags.
    #[serde(default)]
    pub tagger: Option<String>,
    /// When it was tagged, for annotated tags.
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub tagged_at: Option<DateTime<Utc>>,
}

/// A GitHub Release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The tag the release is attached to.
    pub tag_name: String,
    /// Whether it is a draft.
    #[serde(default)]
    pub draft: bool,
    /// Whether it is marked as a pre-release.
    #[serde(default)]
    pub prerelease: bool,
    /// When it was published.
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub published_at: Option<DateTime<Utc>>,
}

/// The status of a check run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Queued.
    Queued,
    /// Running.
    InProgress,
    /// Finished; see the conclusion.
    Completed,
    /// Waiting (e.g. for an environment approval).
    Waiting,
    /// Requested.
    Requested,
    /// Pending.
    Pending,
}

/// The conclusion of a completed check run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckConclusion {
    /// Succeeded.
    Success,
    /// Failed.
    Failure,
    /// Neutral.
    Neutral,
    /// Cancelled.
    Cancelled,
    /// Skipped.
    Skipped,
    /// Timed out.
    TimedOut,
    /// Needs action.
    ActionRequired,
    /// Stale.
    Stale,
    /// Startup failure.
    StartupFailure,
}

/// A check run on the gated commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRun {
    /// GitHub's id of the run, when known. Ids grow with creation, so they order a source's
    /// runs by when GitHub received them; `started_at` and `completed_at` are whatever the
    /// reporter sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The check's name (untrusted text).
    pub name: String,
    /// Its status.
    pub status: CheckStatus,
    /// Its conclusion, once completed.
    #[serde(default)]
    pub conclusion: Option<CheckConclusion>,
    /// When it started.
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed.
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub completed_at: Option<DateTime<Utc>>,
    /// The app that reported it (slug), when known.
    #[serde(default)]
    pub app: Option<String>,
    /// The reporter's own reference (`external_id`), when any: shipgate writes `shipgate`.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// The state of a commit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    /// Pending.
    Pending,
    /// Succeeded.
    Success,
    /// Failed.
    Failure,
    /// Errored.
    Error,
}

/// A commit status on the gated commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitStatus {
    /// The status context, i.e. its name (untrusted text).
    pub context: String,
    /// Its state.
    pub state: StatusState,
    /// When it was reported.
    #[serde(deserialize_with = "crate::time::deserialize")]
    pub created_at: DateTime<Utc>,
    /// Its description, when any.
    #[serde(default)]
    pub description: Option<String>,
    /// Who reported it, when known.
    #[serde(default, deserialize_with = "creator")]
    pub creator: Option<Actor>,
}

impl Facts {
    /// Parses facts from JSON text, checking the version; errors name the dotted field, line and
    /// column, what was expected, and `path` (only used to name the file in errors).
    pub fn from_json(text: &str, path: Option<&Path>) -> Result<Self, Error> {
        let facts: Facts = crate::versioned::parse(text, path, Document::Facts, FACTS_VERSION)?;
        facts.validate().map_err(|(key, message)| {
            Document::Facts.error(path, Some(key), None, None, &message)
        })?;
        Ok(facts)
    }

    /// Serialises to pretty JSON, the documented file format.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("facts always serialise")
    }

    /// Checks cross-field consistency that serde cannot express: the field and what is wrong.
    fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.sha.trim().is_empty() {
            return Err(("sha", "must not be empty: it is the gated commit".into()));
        }
        if let Some(pr) = &self.pull_request {
            if pr.head_sha != self.sha {
                return Err((
                    "pull_request.head_sha",
                    format!(
                        "{} differs from `sha` ({}); the gated commit is the PR head",
                        pr.head_sha, self.sha
                    ),
                ));
            }
        }
        Ok(())
    }
}
