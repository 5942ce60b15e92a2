//! The repository state the fake serves: what a scenario loads and what shipgate's writes change.
//!
//! Every type deserializes from JSON with defaults for what a scenario does not care about, so a
//! scenario file under `tests/fixtures/scenarios/` names only what matters to it. Ids left at 0
//! are assigned when the state is loaded.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One repository on the fake GitHub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Repo {
    /// Owner login (`acme`).
    pub owner: String,
    /// Repository name (`shop`).
    pub name: String,
    /// The default branch (`main`).
    pub default_branch: String,
    /// The login the token belongs to (comments it wrote have `viewerDidAuthor`; GraphQL's
    /// `viewer`). An app's token is `<slug>[bot]`: check runs it creates are that app's.
    pub viewer: String,
    /// Whether the token may write check runs (`false`: 403 "Resource not accessible by
    /// integration", as for a token without `checks: write`).
    pub checks_writable: bool,
    /// Pull requests.
    pub pulls: Vec<Pull>,
    /// Commits with their check runs and statuses.
    pub commits: Vec<Commit>,
    /// Issue comments (on pull requests).
    pub comments: Vec<Comment>,
    /// Deployments with their statuses.
    pub deployments: Vec<Deployment>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Releases.
    pub releases: Vec<Release>,
    /// Files on branches (the config file).
    pub files: Vec<File>,
    /// Workflow runs requested with `workflow_dispatch`, in arrival order.
    pub dispatches: Vec<Dispatch>,
    /// The merge queue of the default branch, first entry first.
    pub merge_queue: Vec<QueueEntry>,
    /// Whether the default branch merges through a merge queue (GraphQL's `mergeQueue` is then
    /// an object even while it is empty); a queue with entries is always on.
    pub merge_queue_enabled: bool,
    /// Issues (pull requests are in `pulls`; both share the numbers).
    pub issues: Vec<Issue>,
    /// Whether the token may set labels when it opens an issue (`false`: GitHub drops them
    /// silently, as it does for an account without push access).
    pub labels_writable: bool,
    /// Security alerts (Dependabot, code scanning, secret scanning) and who may read them.
    pub security: Security,
}

/// An entry of a merge queue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueEntry {
    /// The queued pull request.
    pub pull: u64,
    /// The commit of the merge group the entry is tested in (`gh-readonly-queue/...`), once
    /// GitHub made it.
    pub head_sha: Option<String>,
    /// `QUEUED`, `AWAITING_CHECKS`, `MERGEABLE`, `UNMERGEABLE` or `LOCKED` (default
    /// `AWAITING_CHECKS`).
    pub state: String,
}

impl Default for Repo {
    fn default() -> Self {
        Self {
            owner: String::new(),
            name: String::new(),
            default_branch: "main".into(),
            viewer: "github-actions[bot]".into(),
            checks_writable: true,
            pulls: Vec::new(),
            commits: Vec::new(),
            comments: Vec::new(),
            deployments: Vec::new(),
            tags: Vec::new(),
            releases: Vec::new(),
            files: Vec::new(),
            dispatches: Vec::new(),
            merge_queue: Vec::new(),
            merge_queue_enabled: false,
            issues: Vec::new(),
            labels_writable: true,
            security: Security::default(),
        }
    }
}

/// A user or bot.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Actor {
    /// Login.
    pub login: String,
    /// Whether it is a bot (GraphQL `__typename: Bot`).
    pub bot: bool,
}

/// A pull request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pull {
    /// Number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body (Markdown).
    pub body: String,
    /// Author.
    pub author: Actor,
    /// Head branch name.
    pub head_ref: String,
    /// Head commit.
    pub head_sha: String,
    /// Base branch name.
    pub base_ref: String,
    /// Whether the head is in a fork.
    pub from_fork: bool,
    /// Draft.
    pub draft: bool,
    /// `open` or `closed`.
    pub state: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Changed file paths.
    pub files: Vec<String>,
    /// Reviews, oldest first.
    pub reviews: Vec<Review>,
    /// The PR's commits with the accounts linked to them; none given means one commit, the
    /// head, authored by the PR's author and committed through the web UI (`web-flow`).
    pub commits: Vec<PullCommit>,
    /// Whether the PR was merged (its `state` is then `closed`).
    pub merged: bool,
    /// The commit the merge made on the base branch (a merge, squash or rebase commit).
    pub merge_commit: Option<String>,
}

/// A commit of a pull request and the accounts GitHub links to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PullCommit {
    /// SHA.
    pub sha: String,
    /// The git author's account.
    pub author: Option<String>,
    /// The git committer's account.
    pub committer: Option<String>,
    /// Accounts of `Co-authored-by:` trailers.
    pub co_authors: Vec<String>,
}

impl Pull {
    /// The commits as the fake serves them (see [`Pull::commits`]).
    pub fn commit_list(&self) -> Vec<PullCommit> {
        if !self.commits.is_empty() {
            return self.commits.clone();
        }
        vec![PullCommit {
            sha: self.head_sha.clone(),
            author: Some(self.author.login.clone()),
            committer: Some("web-flow".into()),
            co_authors: Vec::new(),
        }]
    }
}

impl Default for Pull {
    fn default() -> Self {
        Self {
            number: 0,
            title: String::new(),
            body: String::new(),
            author: Actor::default(),
            head_ref: String::new(),
            head_sha: String::new(),
            base_ref: "main".into(),
            from_fork: false,
            draft: false,
            state: "open".into(),
            created_at: epoch(),
            files: Vec::new(),
            reviews: Vec::new(),
            commits: Vec::new(),
            merged: false,
            merge_commit: None,
        }
    }
}

/// A review on a pull request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Review {
    /// Reviewer.
    pub author: Actor,
    /// Whether the reviewer can push (write access or more).
    pub can_push: bool,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`.
    pub state: String,
    /// Submission time (`None` for a pending review).
    pub submitted_at: Option<DateTime<Utc>>,
    /// The commit reviewed.
    pub commit: String,
}

/// A commit with what was reported on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Commit {
    /// SHA (40 hex digits).
    pub sha: String,
    /// Committer date.
    pub committed_date: DateTime<Utc>,
    /// Parent SHAs (two for a merge commit).
    pub parents: Vec<String>,
    /// Its tree's SHA, when a scenario sets it (see [`Repo::tree_of`]).
    pub tree: Option<String>,
    /// Check runs, oldest first.
    pub check_runs: Vec<CheckRun>,
    /// Commit statuses, oldest first.
    pub statuses: Vec<Status>,
}

impl Default for Commit {
    fn default() -> Self {
        Self {
            sha: String::new(),
            committed_date: epoch(),
            parents: Vec::new(),
            tree: None,
            check_runs: Vec::new(),
            statuses: Vec::new(),
        }
    }
}

/// A check run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckRun {
    /// Id (assigned when 0).
    pub id: u64,
    /// Name.
    pub name: String,
    /// `queued`, `in_progress`, `completed` (REST spelling).
    pub status: String,
    /// `success`, `failure`, … once completed.
    pub conclusion: Option<String>,
    /// Start.
    pub started_at: Option<DateTime<Utc>>,
    /// End.
    pub completed_at: Option<DateTime<Utc>>,
    /// External id.
    pub external_id: Option<String>,
    /// Output title.
    pub title: Option<String>,
    /// Output summary.
    pub summary: Option<String>,
    /// Output text.
    pub text: Option<String>,
    /// Details link.
    pub details_url: Option<String>,
    /// The app that reported it (slug).
    pub app: String,
    /// The Actions workflow run whose job it is, if any.
    pub workflow_run: Option<u64>,
}

impl Default for CheckRun {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            status: "completed".into(),
            conclusion: None,
            started_at: None,
            completed_at: None,
            external_id: None,
            title: None,
            summary: None,
            text: None,
            details_url: None,
            app: "github-actions".into(),
            workflow_run: None,
        }
    }
}

/// A commit status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Status {
    /// Id (assigned when 0).
    pub id: u64,
    /// Context.
    pub context: String,
    /// `error`, `failure`, `pending`, `success`.
    pub state: String,
    /// Description.
    pub description: Option<String>,
    /// Target URL.
    pub target_url: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub creator: String,
}

impl Default for Status {
    fn default() -> Self {
        Self {
            id: 0,
            context: String::new(),
            state: "success".into(),
            description: None,
            target_url: None,
            created_at: epoch(),
            creator: "github-actions[bot]".into(),
        }
    }
}

/// An issue comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Comment {
    /// Id (assigned when 0).
    pub id: u64,
    /// The pull request (issue) number.
    pub issue: u64,
    /// Body.
    pub body: String,
    /// Author login.
    pub author: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
}

impl Default for Comment {
    fn default() -> Self {
        Self {
            id: 0,
            issue: 0,
            body: String::new(),
            author: String::new(),
            created_at: epoch(),
            updated_at: epoch(),
        }
    }
}

/// A deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deployment {
    /// Id (assigned when 0).
    pub id: u64,
    /// The deployed commit.
    pub sha: String,
    /// The ref given when created (branch, tag or SHA).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Environment.
    pub environment: String,
    /// Task (`deploy`).
    pub task: String,
    /// Payload.
    pub payload: Value,
    /// Description.
    pub description: Option<String>,
    /// Creator login.
    pub creator: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// `production_environment`.
    pub production_environment: bool,
    /// `transient_environment`.
    pub transient_environment: bool,
    /// Statuses, oldest first.
    pub statuses: Vec<DeploymentStatus>,
}

impl Default for Deployment {
    fn default() -> Self {
        Self {
            id: 0,
            sha: String::new(),
            git_ref: String::new(),
            environment: "staging".into(),
            task: "deploy".into(),
            payload: Value::Object(Default::default()),
            description: None,
            creator: "github-actions[bot]".into(),
            created_at: epoch(),
            production_environment: false,
            transient_environment: false,
            statuses: Vec::new(),
        }
    }
}

/// A deployment status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeploymentStatus {
    /// Id (assigned when 0).
    pub id: u64,
    /// `error`, `failure`, `inactive`, `pending`, `success`, `queued`, `in_progress` (REST
    /// spelling).
    pub state: String,
    /// Description.
    pub description: Option<String>,
    /// Log link.
    pub log_url: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Who created it; `None`: the deployment's creator.
    pub creator: Option<String>,
}

impl Default for DeploymentStatus {
    fn default() -> Self {
        Self {
            id: 0,
            state: "success".into(),
            description: None,
            log_url: None,
            created_at: epoch(),
            creator: None,
        }
    }
}

/// An issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Issue {
    /// Number (assigned when 0, after every pull request and issue).
    pub number: u64,
    /// Title.
    pub title: String,
    /// Body (Markdown).
    pub body: String,
    /// Label names.
    pub labels: Vec<String>,
    /// `open` or `closed`.
    pub state: String,
    /// Author login.
    pub author: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: DateTime<Utc>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
}

impl Default for Issue {
    fn default() -> Self {
        Self {
            number: 0,
            title: String::new(),
            body: String::new(),
            labels: Vec::new(),
            state: "open".into(),
            author: String::new(),
            created_at: epoch(),
            updated_at: epoch(),
            closed_at: None,
        }
    }
}

/// A tag.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tag {
    /// Name without `refs/tags/`.
    pub name: String,
    /// The commit it points at (peeled).
    pub commit: String,
    /// For an annotated tag: the tag object.
    pub annotated: Option<TagObject>,
}

/// An annotated tag's object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TagObject {
    /// The tag object's SHA.
    pub sha: String,
    /// Tagger name.
    pub tagger: String,
    /// Tagging time.
    pub date: DateTime<Utc>,
    /// Message.
    pub message: String,
}

impl Default for TagObject {
    fn default() -> Self {
        Self {
            sha: String::new(),
            tagger: "Release Manager".into(),
            date: epoch(),
            message: String::new(),
        }
    }
}

/// A release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Release {
    /// Id (assigned when 0).
    pub id: u64,
    /// Tag name.
    pub tag_name: String,
    /// Draft.
    pub draft: bool,
    /// Pre-release.
    pub prerelease: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Publication time (`None` for a draft).
    pub published_at: Option<DateTime<Utc>>,
}

impl Default for Release {
    fn default() -> Self {
        Self {
            id: 0,
            tag_name: String::new(),
            draft: false,
            prerelease: false,
            created_at: epoch(),
            published_at: None,
        }
    }
}

/// A file on a branch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct File {
    /// Branch.
    pub branch: String,
    /// Path in the repository.
    pub path: String,
    /// Text.
    pub text: String,
}

/// A `workflow_dispatch` the fake accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dispatch {
    /// The workflow, as the path named it (file name or id), percent-decoded.
    pub workflow: String,
    /// The ref to run it on.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The `inputs` object as sent (`null` when absent).
    pub inputs: Value,
}

/// The repository's security alerts and whether the token may read each list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    /// Dependabot alerts.
    pub dependabot: Vec<DependabotAlert>,
    /// Code-scanning alerts.
    pub code_scanning: Vec<CodeScanningAlert>,
    /// Secret-scanning alerts.
    pub secret_scanning: Vec<SecretScanningAlert>,
    /// Whether `GET /dependabot/alerts` answers.
    pub dependabot_access: Access,
    /// Whether `GET /code-scanning/alerts` answers.
    pub code_scanning_access: Access,
    /// Whether `GET /secret-scanning/alerts` answers.
    pub secret_scanning_access: Access,
}

/// How GitHub answers a list of security alerts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// The list.
    #[default]
    Readable,
    /// The token lacks the permission: 403 "Resource not accessible by integration".
    NoPermission,
    /// The feature is off for the repository: Dependabot 403 "Dependabot alerts are disabled
    /// for this repository.", code scanning 403 "Advanced Security must be enabled for this
    /// repository to use code scanning.", secret scanning 404 "Secret scanning is disabled on
    /// this repository.".
    Disabled,
}

/// A Dependabot alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DependabotAlert {
    /// Number (assigned from 1 when 0).
    pub number: u64,
    /// `open`, `dismissed`, `fixed` or `auto_dismissed`.
    pub state: String,
    /// The vulnerable package (`lodash`).
    pub package: String,
    /// Its ecosystem (`npm`).
    pub ecosystem: String,
    /// The manifest it is declared in.
    pub manifest: String,
    /// `low`, `medium`, `high` or `critical` (REST's spelling).
    pub severity: String,
    /// The advisory's GHSA id.
    pub ghsa_id: String,
    /// The advisory's summary.
    pub summary: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
}

impl Default for DependabotAlert {
    fn default() -> Self {
        Self {
            number: 0,
            state: "open".into(),
            package: "lodash".into(),
            ecosystem: "npm".into(),
            manifest: "package-lock.json".into(),
            severity: "high".into(),
            ghsa_id: "GHSA-jf85-cpcp-j695".into(),
            summary: "Prototype Pollution in lodash".into(),
            created_at: epoch(),
        }
    }
}

/// A code-scanning alert, with its most recent instance on one branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeScanningAlert {
    /// Number (assigned from 1 when 0).
    pub number: u64,
    /// `open`, `dismissed` or `fixed`.
    pub state: String,
    /// The branch it was found on (`main`).
    pub branch: String,
    /// The rule's id (`js/sql-injection`).
    pub rule_id: String,
    /// The rule's short description.
    pub rule_description: String,
    /// The rule's `severity`: `none`, `note`, `warning` or `error`.
    pub rule_severity: String,
    /// The rule's `security_severity_level` (`low` … `critical`), when it has one.
    pub security_severity: Option<String>,
    /// The tool (`CodeQL`).
    pub tool: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
}

impl Default for CodeScanningAlert {
    fn default() -> Self {
        Self {
            number: 0,
            state: "open".into(),
            branch: "main".into(),
            rule_id: "js/sql-injection".into(),
            rule_description: "Database query built from user-controlled sources".into(),
            rule_severity: "error".into(),
            security_severity: Some("high".into()),
            tool: "CodeQL".into(),
            created_at: epoch(),
        }
    }
}

/// A secret-scanning alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretScanningAlert {
    /// Number (assigned from 1 when 0).
    pub number: u64,
    /// `open` or `resolved`.
    pub state: String,
    /// GitHub's type slug (`github_personal_access_token`).
    pub secret_type: String,
    /// Its display name.
    pub secret_type_display_name: String,
    /// The secret itself: answered only without `hide_secret=true`.
    pub secret: String,
    /// `active`, `inactive` or `unknown`.
    pub validity: String,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
}

impl Default for SecretScanningAlert {
    fn default() -> Self {
        Self {
            number: 0,
            state: "open".into(),
            secret_type: "github_personal_access_token".into(),
            secret_type_display_name: "GitHub Personal Access Token".into(),
            secret: "ghp_fakeSecretValue000000000000000000000".into(),
            validity: "active".into(),
            created_at: epoch(),
        }
    }
}

/// 1970-01-01, the default time of things a scenario did not date.
pub fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

impl Repo {
    /// The slug of the app the token belongs to (`viewer` without `[bot]`): the app of the
    /// check runs it creates. A user's token gets `""`, which no check run's app is.
    pub fn viewer_app(&self) -> String {
        self.viewer
            .strip_suffix("[bot]")
            .unwrap_or_default()
            .to_string()
    }

    /// Moves every time of the state by `by` (a scenario written as of one moment, replayed
    /// as of another: the binary judges with the real clock).
    pub fn shift_times(&mut self, by: chrono::Duration) {
        let at = |t: &mut DateTime<Utc>| *t += by;
        let maybe = |t: &mut Option<DateTime<Utc>>| {
            if let Some(t) = t {
                *t += by;
            }
        };
        for pull in &mut self.pulls {
            at(&mut pull.created_at);
            for review in &mut pull.reviews {
                maybe(&mut review.submitted_at);
            }
        }
        for commit in &mut self.commits {
            at(&mut commit.committed_date);
            for run in &mut commit.check_runs {
                maybe(&mut run.started_at);
                maybe(&mut run.completed_at);
            }
            for status in &mut commit.statuses {
                at(&mut status.created_at);
            }
        }
        for comment in &mut self.comments {
            at(&mut comment.created_at);
            at(&mut comment.updated_at);
        }
        for deployment in &mut self.deployments {
            at(&mut deployment.created_at);
            for status in &mut deployment.statuses {
                at(&mut status.created_at);
            }
        }
        for tag in &mut self.tags {
            if let Some(object) = &mut tag.annotated {
                at(&mut object.date);
            }
        }
        for release in &mut self.releases {
            at(&mut release.created_at);
            maybe(&mut release.published_at);
        }
        for alert in &mut self.security.dependabot {
            at(&mut alert.created_at);
        }
        for alert in &mut self.security.code_scanning {
            at(&mut alert.created_at);
        }
        for alert in &mut self.security.secret_scanning {
            at(&mut alert.created_at);
        }
        for issue in &mut self.issues {
            at(&mut issue.created_at);
            at(&mut issue.updated_at);
            maybe(&mut issue.closed_at);
        }
    }

    /// The number a new issue gets: after every pull request and issue (they share numbers).
    pub fn next_issue_number(&self) -> u64 {
        let pulls = self.pulls.iter().map(|p| p.number);
        let issues = self.issues.iter().map(|i| i.number);
        pulls.chain(issues).max().unwrap_or(0) + 1
    }

    /// A repository with GitHub's usual defaults: branch `main`, viewer `github-actions[bot]`,
    /// check runs writable.
    pub fn new(owner: &str, name: &str) -> Self {
        Self {
            owner: owner.into(),
            name: name.into(),
            ..Self::default()
        }
    }

    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The commit with this SHA, created (empty) when unknown: GitHub accepts checks and
    /// statuses on any commit of the repository.
    pub fn commit_mut(&mut self, sha: &str) -> &mut Commit {
        let sha = sha.to_ascii_lowercase();
        if let Some(i) = self.commits.iter().position(|c| c.sha == sha) {
            return &mut self.commits[i];
        }
        self.commits.push(Commit {
            sha,
            ..Commit::default()
        });
        self.commits.last_mut().expect("just pushed")
    }

    /// The commit with this SHA, when known.
    /// The tree of commit `sha`: the one a scenario set; else, for the merge commit of a merged
    /// pull request, its head's (GitHub's merge of a branch that is up to date with its base);
    /// else one of its own.
    pub fn tree_of(&self, sha: &str) -> String {
        self.tree_at(sha, 0)
    }

    fn tree_at(&self, sha: &str, depth: usize) -> String {
        if let Some(tree) = self.commit(sha).and_then(|c| c.tree.clone()) {
            return tree;
        }
        let merged_by = self.pulls.iter().find(|p| {
            p.merged
                && !p.head_sha.eq_ignore_ascii_case(sha)
                && p.merge_commit
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(sha))
        });
        match merged_by {
            Some(pr) if depth < 8 => self.tree_at(&pr.head_sha, depth + 1),
            _ => sha.to_ascii_lowercase().chars().rev().collect(),
        }
    }

    /// Whether the default branch merges through a merge queue.
    pub fn has_merge_queue(&self) -> bool {
        self.merge_queue_enabled || !self.merge_queue.is_empty()
    }

    pub fn commit(&self, sha: &str) -> Option<&Commit> {
        self.commits
            .iter()
            .find(|c| c.sha.eq_ignore_ascii_case(sha))
    }

    /// Fills in defaults a scenario left out: ids, lowercase SHAs, commits of PR heads.
    pub(crate) fn normalize(&mut self, ids: &mut u64) {
        let mut next = || {
            *ids += 1;
            *ids
        };
        if self.default_branch.is_empty() {
            self.default_branch = "main".into();
        }
        if self.viewer.is_empty() {
            self.viewer = "github-actions[bot]".into();
        }
        let heads: Vec<String> = self.pulls.iter().map(|p| p.head_sha.clone()).collect();
        for head in heads {
            self.commit_mut(&head);
        }
        for entry in &mut self.merge_queue {
            if entry.state.is_empty() {
                entry.state = "AWAITING_CHECKS".into();
            }
            if let Some(sha) = &mut entry.head_sha {
                *sha = sha.to_ascii_lowercase();
            }
        }
        let groups: Vec<String> = self
            .merge_queue
            .iter()
            .filter_map(|e| e.head_sha.clone())
            .collect();
        for group in groups {
            self.commit_mut(&group);
        }
        for commit in &mut self.commits {
            commit.sha = commit.sha.to_ascii_lowercase();
            for run in &mut commit.check_runs {
                if run.id == 0 {
                    run.id = next();
                }
            }
            for status in &mut commit.statuses {
                if status.id == 0 {
                    status.id = next();
                }
            }
        }
        for comment in &mut self.comments {
            if comment.id == 0 {
                comment.id = next();
            }
        }
        for deployment in &mut self.deployments {
            if deployment.id == 0 {
                deployment.id = next();
            }
            if deployment.git_ref.is_empty() {
                deployment.git_ref = deployment.sha.clone();
            }
            for status in &mut deployment.statuses {
                if status.id == 0 {
                    status.id = next();
                }
            }
        }
        for release in &mut self.releases {
            if release.id == 0 {
                release.id = next();
            }
        }
        for i in 0..self.issues.len() {
            if self.issues[i].number == 0 {
                self.issues[i].number = self.next_issue_number();
            }
            if self.issues[i].author.is_empty() {
                self.issues[i].author = self.viewer.clone();
            }
        }
        // Alert numbers are per repository and source, from 1, as GitHub numbers them.
        let security = &mut self.security;
        number(security.dependabot.iter_mut().map(|a| &mut a.number));
        number(security.code_scanning.iter_mut().map(|a| &mut a.number));
        number(security.secret_scanning.iter_mut().map(|a| &mut a.number));
    }
}

/// Gives the numbers left at 0 the next free ones.
fn number<'a>(numbers: impl Iterator<Item = &'a mut u64>) {
    let mut numbers: Vec<&mut u64> = numbers.collect();
    let mut highest = numbers.iter().map(|n| **n).max().unwrap_or(0);
    for n in numbers.iter_mut().filter(|n| ***n == 0) {
        highest += 1;
        **n = highest;
    }
}
