//! Reading facts: one GraphQL request for one PR, or for every open PR into the production
//! branch, mapped to [`shipgate_core::facts::Facts`] plus what publishing needs to know
//! ([`Existing`]: shipgate's own check run, commit status and sticky comment) and the config
//! file's text from the production branch.
//!
//! [`read`] makes the one request, then — only when some connection has more than 100 items —
//! pages those connections, each only as far as needed (below). When that paging is slow — still
//! going after [`RetryPolicy::slow_paging`](crate::RetryPolicy::slow_paging) — it calls the
//! caller's `before_paging` hook, beside the paging, with the pull requests whose facts the
//! first answer left incomplete (each one's head and shipgate's earlier publications, so that a
//! caller can post "pending" while the slow part goes on: all of them when a repository-wide
//! connection needs more, else those whose own connections do; more open PRs to list leaves the
//! first ones' facts complete). Paging that ends sooner is as quick as a read and calls nothing.
//! What is paged:
//! - PR files, reviews, check contexts: all (path rules, latest opinions, every check count);
//! - PR comments (newest first): until shipgate's sticky comment is found;
//! - tags: all (any tag may point at the gated commit, and every version counts);
//! - production deployments: all (the newest released version may be an old deploy);
//! - releases: only when no production deployment succeeded (they are the fallback source);
//! - staging deployments (newest first): until a page reaches deployments created more than a
//!   day before the oldest gated commit's date (nothing older can concern it); all of them when
//!   some gated commit's date is unknown;
//! - deployment statuses: all, for deployments that have more than 100;
//! - open pull requests: all.
//!
//! Each connection is paged at most [`MAX_PAGES`] times; beyond that the read is an error rather
//! than a partial answer (fail closed).

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::Deserialize;
use serde_json::json;
use shipgate_core::facts::{
    Actor, CheckConclusion, CheckRun, CheckStatus, CommitStatus, Deployment, DeploymentState,
    DeploymentStatus, Facts, Permission, PullCommit, PullRequest, Release, Repository, Review,
    ReviewState, StatusState, Tag, FACTS_VERSION,
};

use crate::client::Client;
use crate::error::Error;

/// The GraphQL document with every read operation.
pub const DOCUMENT: &str = include_str!("graphql/facts.graphql");

/// The hidden marker that identifies shipgate's sticky comment.
pub const STICKY_MARKER: &str = "<!-- shipgate:sticky-comment -->";

/// The `external_id` shipgate gives its check runs, to tell them from a job named the same.
pub const CHECK_EXTERNAL_ID: &str = "shipgate";

/// The most pages read for one connection (10 000 items) before giving up.
pub const MAX_PAGES: usize = 100;

/// What to read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSpec {
    /// The repository.
    pub repository: Repository,
    /// The production branch: open PRs into it, and the branch the config is read from.
    pub production_branch: String,
    /// The staging environment's name.
    pub staging_environment: String,
    /// The production environment's name.
    pub production_environment: String,
    /// The config file's path in the repository (e.g. `.github/shipgate.yml`).
    pub config_path: String,
    /// shipgate's check name (its own check run and status are set apart).
    pub check_name: String,
    /// The workflow run executing shipgate (`GITHUB_RUN_ID`): its own jobs' check runs are set
    /// apart too — the job running the gate is always in progress while it reads.
    pub own_workflow_run: Option<u64>,
}

/// Which pull requests to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// One pull request by number.
    PullRequest(u64),
    /// Every open pull request into the production branch.
    OpenIntoProduction,
}

/// The config file as found on the production branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFile {
    /// No file at that path.
    Absent,
    /// The file's text.
    Text(String),
}

/// shipgate's check run on the gated commit, as last published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingCheckRun {
    /// Its id, for `PATCH /repos/{o}/{r}/check-runs/{id}`.
    pub id: u64,
    /// Its status (`queued`, `in_progress`, `completed`, …).
    pub status: CheckStatus,
    /// Its conclusion, once completed.
    pub conclusion: Option<CheckConclusion>,
    /// Its output title.
    pub title: String,
    /// Its output summary.
    pub summary: String,
    /// Its output text.
    pub text: String,
}

/// shipgate's commit status on the gated commit (when check runs cannot be written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingStatus {
    /// Its state.
    pub state: StatusState,
    /// Its description.
    pub description: String,
}

/// shipgate's sticky comment on the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingComment {
    /// Its id, for `PATCH /repos/{o}/{r}/issues/comments/{id}`.
    pub id: u64,
    /// Its body.
    pub body: String,
}

/// What shipgate has already published for a candidate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    /// The check run, when there is one.
    pub check_run: Option<ExistingCheckRun>,
    /// The commit status, when there is one.
    pub status: Option<ExistingStatus>,
    /// The sticky comment, when there is one.
    pub comment: Option<ExistingComment>,
}

/// One release candidate: its facts and shipgate's earlier publications.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The facts for the gates.
    pub facts: Facts,
    /// What shipgate already published for it.
    pub existing: Existing,
}

impl Candidate {
    /// The PR number (candidates read here always have a PR).
    pub fn number(&self) -> u64 {
        self.facts.pull_request.as_ref().map_or(0, |pr| pr.number)
    }
}

/// Everything one read produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The config file from the production branch.
    pub config: ConfigFile,
    /// The candidates, in PR-creation order.
    pub candidates: Vec<Candidate>,
    /// GraphQL requests made (1 without pagination).
    pub requests: usize,
}

/// The answer of the one read, before any pagination.
#[derive(Debug)]
struct FirstRead {
    spec: ReadSpec,
    /// The slug of the app the token belongs to, when it is an app's: only its check runs are
    /// shipgate's own.
    viewer_app: Option<String>,
    repo: RawRepository,
    prs: Vec<RawPullRequest>,
    prs_page: Option<PageInfo>,
}

/// A pull request as the first request showed it: handed to the `before_paging` hook of
/// [`read`], which returns it with `existing` updated to what it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The PR number.
    pub number: u64,
    /// Its head commit.
    pub sha: String,
    /// What shipgate had published on it.
    pub existing: Existing,
}

/// Reads the facts: the one request, then — when some connection needs paging — the
/// `before_paging` hook and the paging, as documented above. `now` becomes `captured_at`.
pub async fn read<H, Fut>(
    client: &Client,
    spec: &ReadSpec,
    selection: Selection,
    now: DateTime<Utc>,
    before_paging: H,
) -> Result<Snapshot, Error>
where
    H: FnOnce(Vec<Head>) -> Fut,
    Fut: std::future::Future<Output = Vec<Head>>,
{
    let first = first_read(client, spec, selection).await?;
    let incomplete = first.incomplete_heads();
    let slow = client.policy().slow_paging;
    let (snapshot, changed) = if incomplete.is_empty() {
        (first.complete(client, now).await, Vec::new())
    } else if slow.is_zero() {
        let changed = before_paging(incomplete).await;
        (first.complete(client, now).await, changed)
    } else {
        let paging = first.complete(client, now);
        tokio::pin!(paging);
        tokio::select! {
            biased;
            done = &mut paging => (done, Vec::new()),
            // Still paging: the hook's writes go beside it, and both are awaited.
            () = tokio::time::sleep(slow) => {
                let (done, changed) =
                    futures::future::join(paging, before_paging(incomplete)).await;
                (done, changed)
            }
        }
    };
    let mut snapshot = snapshot?;
    for head in changed {
        if let Some(candidate) = snapshot
            .candidates
            .iter_mut()
            .find(|c| c.number() == head.number && c.facts.sha == head.sha)
        {
            candidate.existing.check_run = head.existing.check_run;
            candidate.existing.status = head.existing.status;
        }
    }
    Ok(snapshot)
}

/// A merge-queue group, as its event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeGroup {
    /// The group's head commit: what the queue will merge.
    pub head_sha: String,
    /// The pull request its branch names (`gh-readonly-queue/main/pr-214-…`), when known.
    pub number: Option<u64>,
}

/// What one read of a merge group produced.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSnapshot {
    /// The config file from the production branch.
    pub config: ConfigFile,
    /// The group's pull requests in queue order; each one's checks are those of the group's
    /// head commit (the code the queue will merge), not of its own head.
    pub candidates: Vec<Candidate>,
    /// What shipgate already published on the group's head commit.
    pub existing: Existing,
    /// GraphQL requests made.
    pub requests: usize,
}

/// Reads a merge group in one request (`MergeGroupFacts`), then pages its pull requests and the
/// repository as [`read`] does. The group is the queue entry whose head is the group's commit
/// and every entry ahead of it; when no entry has that head (GitHub has not filled it in yet),
/// the entry of the pull request the group's branch names, and those ahead of it. A group the
/// queue no longer lists is an error: its pull requests cannot be told.
pub async fn read_merge_group(
    client: &Client,
    spec: &ReadSpec,
    group: &MergeGroup,
    now: DateTime<Utc>,
) -> Result<GroupSnapshot, Error> {
    let mut variables = repository_variables(spec);
    variables["base"] = json!(spec.production_branch);
    variables["head"] = json!(group.head_sha);
    #[derive(Deserialize)]
    struct Data {
        viewer: RawViewer,
        repository: Option<RepoWithQueue>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RepoWithQueue {
        merge_queue: Option<RawQueue>,
        group: Option<RawGroupObject>,
        #[serde(flatten)]
        repo: RawRepository,
    }
    #[derive(Deserialize)]
    struct RawQueue {
        entries: Connection<RawQueueEntry>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawQueueEntry {
        position: u64,
        head_commit: Option<RawOid>,
        pull_request: Option<RawPullRequest>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawGroupObject {
        #[serde(rename = "__typename")]
        typename: String,
        #[serde(default)]
        status_check_rollup: Option<RawRollup>,
        #[serde(default)]
        check_suites: Option<RawNodes<RawNamedSuite>>,
    }
    let data: Data = client
        .graphql_operation(DOCUMENT, Some("MergeGroupFacts"), variables)
        .await?;
    let viewer_app = data.viewer.app();
    let found = data.repository.ok_or_else(|| no_repository(spec))?;
    let queue = found.merge_queue.ok_or_else(|| {
        Error::GraphQl(format!(
            "`{}` has no merge queue visible to the token",
            spec.production_branch
        ))
    })?;
    if queue.entries.page_info.has_next_page {
        return Err(Error::GraphQl(
            "more than 100 entries in the merge queue: shipgate stops rather than decide on part of them".into(),
        ));
    }
    let mut entries = queue.entries.nodes;
    entries.sort_by_key(|e| e.position);
    let last = entries
        .iter()
        .position(|e| {
            e.head_commit
                .as_ref()
                .is_some_and(|c| c.oid.eq_ignore_ascii_case(&group.head_sha))
        })
        .or_else(|| {
            let number = group.number?;
            entries.iter().position(|e| {
                e.pull_request
                    .as_ref()
                    .is_some_and(|pr| pr.number == number)
            })
        })
        .ok_or_else(|| {
            Error::GraphQl(format!(
                "the merge queue of `{}` lists no entry for the group at {} (merged or removed from the queue?)",
                spec.production_branch, group.head_sha
            ))
        })?;
    let prs: Vec<RawPullRequest> = entries
        .into_iter()
        .take(last + 1)
        .filter_map(|e| e.pull_request)
        .collect();
    let object = found
        .group
        .filter(|o| o.typename == "Commit")
        .ok_or_else(|| {
            Error::GraphQl(format!(
                "the merge group's commit {} is not in the repository",
                group.head_sha
            ))
        })?;
    let contexts = object
        .status_check_rollup
        .as_ref()
        .map(|r| {
            if r.contexts.page_info.has_next_page {
                Err(Error::GraphQl(
                    "more than 100 checks on the merge group's commit: shipgate stops rather than decide on part of them".into(),
                ))
            } else {
                Ok(r.contexts.nodes.as_slice())
            }
        })
        .transpose()?
        .unwrap_or_default();
    let suites = object
        .check_suites
        .unwrap_or(RawNodes { nodes: Vec::new() });
    let named = suite_runs(&suites);
    let (check_runs, statuses) = map_checks(contexts, &named, spec);
    let mut existing = Existing {
        check_run: own_run(named.iter().copied(), spec, viewer_app.as_deref()),
        ..Existing::default()
    };
    for context in contexts {
        if let RawContext::StatusContext(status) = context {
            if status.context == spec.check_name {
                existing.status = Some(ExistingStatus {
                    state: map_status_state(status.state),
                    description: status.description.clone().unwrap_or_default(),
                });
            }
        }
    }
    let first = FirstRead {
        spec: spec.clone(),
        viewer_app,
        repo: found.repo,
        prs,
        prs_page: None,
    };
    let snapshot = first.complete(client, now).await?;
    let candidates = snapshot
        .candidates
        .into_iter()
        .map(|mut candidate| {
            candidate.facts.check_runs = check_runs.clone();
            candidate.facts.statuses = statuses.clone();
            // Publishing goes on the group's commit, never on the PRs (no comments).
            candidate.existing = Existing::default();
            candidate
        })
        .collect();
    Ok(GroupSnapshot {
        config: snapshot.config,
        candidates,
        existing,
        requests: snapshot.requests,
    })
}

/// A pull request GitHub associates with a commit, with its facts now.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociatedPull {
    /// Whether it was merged.
    pub merged: bool,
    /// The commit its merge created (the merge commit, the squashed commit, or the last
    /// commit a rebase wrote), once merged.
    pub merge_commit: Option<String>,
    /// The tree of its head commit: what was soaked, tested and approved.
    pub head_tree: Option<String>,
    /// Its facts (checks of its own head) and what shipgate published on it.
    pub candidate: Candidate,
}

/// What one read of a commit produced (the deploy guard's read).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitSnapshot {
    /// The config file from the production branch.
    pub config: ConfigFile,
    /// The commit.
    pub sha: String,
    /// Its parents.
    pub parents: Vec<String>,
    /// Its tree: what is deployed.
    pub tree: Option<String>,
    /// Whether the production branch merges through a merge queue.
    pub merge_queue: bool,
    /// The pull requests GitHub associates with it.
    pub pulls: Vec<AssociatedPull>,
    /// GraphQL requests made.
    pub requests: usize,
}

/// Reads a commit of the production branch and the pull requests GitHub associates with it,
/// each with its facts as of `now` (`CommitFacts`, then paging as [`read`] does). A commit not
/// in the repository is an error.
pub async fn read_commit(
    client: &Client,
    spec: &ReadSpec,
    sha: &str,
    now: DateTime<Utc>,
) -> Result<CommitSnapshot, Error> {
    let mut variables = repository_variables(spec);
    variables["sha"] = json!(sha);
    variables["base"] = json!(spec.production_branch);
    #[derive(Deserialize)]
    struct Data {
        repository: Option<RepoWithCommit>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RepoWithCommit {
        merge_queue: Option<serde::de::IgnoredAny>,
        commit: Option<RawAssociating>,
        #[serde(flatten)]
        repo: RawRepository,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawAssociating {
        #[serde(rename = "__typename")]
        typename: String,
        #[serde(default)]
        oid: Option<String>,
        #[serde(default)]
        tree: Option<RawOid>,
        #[serde(default)]
        parents: Option<RawNodes<RawOid>>,
        #[serde(default)]
        associated_pull_requests: Option<RawNodes<RawPullRequest>>,
    }
    let data: Data = client
        .graphql_operation(DOCUMENT, Some("CommitFacts"), variables)
        .await?;
    let found = data.repository.ok_or_else(|| no_repository(spec))?;
    let commit = found
        .commit
        .filter(|c| c.typename == "Commit")
        .ok_or_else(|| Error::GraphQl(format!("commit {sha} is not in {}", spec.repository)))?;
    let parents = commit
        .parents
        .map(|p| p.nodes.into_iter().map(|o| o.oid).collect())
        .unwrap_or_default();
    let prs: Vec<RawPullRequest> = commit
        .associated_pull_requests
        .map(|p| p.nodes)
        .unwrap_or_default();
    let merges: Vec<(u64, bool, Option<String>, Option<String>)> = prs
        .iter()
        .map(|pr| {
            (
                pr.number,
                pr.merged,
                pr.merge_commit.as_ref().map(|c| c.oid.clone()),
                // Only when the last commit GitHub lists is the head (it orders a PR's commits
                // by date, and a cherry-picked head can be older): otherwise the tree is unknown
                // and the guard says so rather than compare the wrong one.
                pr.head_tree
                    .as_ref()
                    .and_then(|h| h.nodes.last())
                    .filter(|c| c.commit.oid.eq_ignore_ascii_case(&pr.head_ref_oid))
                    .map(|c| c.commit.tree.oid.clone()),
            )
        })
        .collect();
    let merge_queue = found.merge_queue.is_some();
    let tree = commit.tree.map(|t| t.oid);
    let first = FirstRead {
        spec: spec.clone(),
        // The guard publishes nothing: no check run of its own to find.
        viewer_app: None,
        repo: found.repo,
        prs,
        prs_page: None,
    };
    let snapshot = first.complete(client, now).await?;
    let pulls = snapshot
        .candidates
        .into_iter()
        .map(|candidate| {
            let (merged, merge_commit, head_tree) = merges
                .iter()
                .find(|(n, ..)| *n == candidate.number())
                .map(|(_, merged, commit, tree)| (*merged, commit.clone(), tree.clone()))
                .unwrap_or((false, None, None));
            AssociatedPull {
                merged,
                merge_commit,
                head_tree,
                candidate,
            }
        })
        .collect();
    Ok(CommitSnapshot {
        config: snapshot.config,
        sha: commit.oid.unwrap_or_else(|| sha.to_string()),
        parents,
        tree,
        merge_queue,
        pulls,
        requests: snapshot.requests,
    })
}

/// The variables every first read shares.
fn repository_variables(spec: &ReadSpec) -> serde_json::Value {
    json!({
        "owner": spec.repository.owner,
        "name": spec.repository.name,
        "stagingEnvironment": spec.staging_environment,
        "productionEnvironment": spec.production_environment,
        "config": config_expression(&spec.production_branch, &spec.config_path),
        "checkName": spec.check_name,
    })
}

/// The one GraphQL request (`PullRequestFacts` or `OpenPullRequestFacts`).
async fn first_read(
    client: &Client,
    spec: &ReadSpec,
    selection: Selection,
) -> Result<FirstRead, Error> {
    let mut variables = repository_variables(spec);
    match selection {
        Selection::PullRequest(number) => {
            variables["number"] = json!(number);
            #[derive(Deserialize)]
            struct Data {
                viewer: RawViewer,
                repository: Option<RepoWithPr>,
            }
            #[derive(Deserialize)]
            struct RepoWithPr {
                #[serde(rename = "pullRequest")]
                pull_request: Option<RawPullRequest>,
                #[serde(flatten)]
                repo: RawRepository,
            }
            let data: Data = client
                .graphql_operation(DOCUMENT, Some("PullRequestFacts"), variables)
                .await?;
            let found = data.repository.ok_or_else(|| no_repository(spec))?;
            let pr = found.pull_request.ok_or_else(|| {
                Error::GraphQl(format!(
                    "pull request #{number} not found in {}",
                    spec.repository
                ))
            })?;
            Ok(FirstRead {
                spec: spec.clone(),
                viewer_app: data.viewer.app(),
                repo: found.repo,
                prs: vec![pr],
                prs_page: None,
            })
        }
        Selection::OpenIntoProduction => {
            variables["base"] = json!(spec.production_branch);
            #[derive(Deserialize)]
            struct Data {
                viewer: RawViewer,
                repository: Option<RepoWithPrs>,
            }
            #[derive(Deserialize)]
            struct RepoWithPrs {
                #[serde(rename = "pullRequests")]
                pull_requests: Connection<RawPullRequest>,
                #[serde(flatten)]
                repo: RawRepository,
            }
            let data: Data = client
                .graphql_operation(DOCUMENT, Some("OpenPullRequestFacts"), variables)
                .await?;
            let found = data.repository.ok_or_else(|| no_repository(spec))?;
            Ok(FirstRead {
                spec: spec.clone(),
                viewer_app: data.viewer.app(),
                repo: found.repo,
                prs: found.pull_requests.nodes,
                prs_page: Some(found.pull_requests.page_info),
            })
        }
    }
}

impl FirstRead {
    /// The pull requests read so far whose facts need more pages — every one when a
    /// repository-wide connection does (tags, deployments, releases, a deployment's statuses),
    /// else those whose own connections do — with their head SHA and shipgate's existing check
    /// run and status (for posting "pending" before slow paging). Paging the list of open PRs
    /// alone completes no fact of the PRs already read: none of them is handed out for it.
    fn incomplete_heads(&self) -> Vec<Head> {
        let repo = &self.repo;
        let repo_wide = repo_needs(repo, staging_cutoff(&self.prs)).any()
            || repo
                .staging
                .nodes
                .iter()
                .chain(&repo.production.nodes)
                .any(|d| d.statuses.page_info.has_next_page);
        self.prs
            .iter()
            .filter(|pr| repo_wide || pr_needs_more(pr))
            .map(|pr| Head {
                number: pr.number,
                sha: pr.head_ref_oid.clone(),
                existing: existing(pr, &self.spec, self.viewer_app.as_deref()),
            })
            .collect()
    }

    /// Pages what is needed and maps everything to facts.
    async fn complete(mut self, client: &Client, now: DateTime<Utc>) -> Result<Snapshot, Error> {
        let mut requests = 1;
        // The list of open PRs first: the PR-level paging below needs every PR.
        let mut pages = 0;
        while let Some(page) = self.prs_page.clone().filter(|p| p.has_next_page) {
            pages = check_pages(pages, "open pull requests")?;
            #[derive(Deserialize)]
            struct Data {
                repository: Option<Repo>,
            }
            #[derive(Deserialize)]
            struct Repo {
                #[serde(rename = "pullRequests")]
                pull_requests: Connection<RawPullRequest>,
            }
            let data: Data = client
                .graphql_operation(
                    DOCUMENT,
                    Some("OpenPullRequestsMore"),
                    json!({
                        "owner": self.spec.repository.owner,
                        "name": self.spec.repository.name,
                        "base": self.spec.production_branch,
                        "after": page.end_cursor,
                        "checkName": self.spec.check_name,
                    }),
                )
                .await?;
            requests += 1;
            let more = data
                .repository
                .ok_or_else(|| no_repository(&self.spec))?
                .pull_requests;
            self.prs.extend(more.nodes);
            self.prs_page = Some(more.page_info);
        }
        let cutoff = staging_cutoff(&self.prs);
        let spec = self.spec.clone();
        let repo_paging = page_repository(client, &spec, &mut self.repo, cutoff);
        let pr_paging = futures::future::try_join_all(
            self.prs.iter_mut().map(|pr| page_pull_request(client, pr)),
        );
        let (repo_requests, pr_requests) =
            futures::future::try_join(repo_paging, pr_paging).await?;
        requests += repo_requests + pr_requests.iter().sum::<usize>();

        let config = map_config(&self.repo.config, &spec)?;
        let repository = spec.repository.clone();
        let deployments: Vec<Deployment> = self
            .repo
            .staging
            .nodes
            .iter()
            .chain(&self.repo.production.nodes)
            .map(map_deployment)
            .collect();
        let tags: Vec<Tag> = self.repo.refs.nodes.iter().filter_map(map_tag).collect();
        let releases: Vec<Release> = self.repo.releases.nodes.iter().map(map_release).collect();
        let environments = recent_environments(&self.repo);
        let candidates = self
            .prs
            .iter()
            .map(|pr| Candidate {
                facts: Facts {
                    environments: environments.clone(),
                    ..map_facts(pr, &spec, &repository, &deployments, &tags, &releases, now)
                },
                existing: existing(pr, &spec, self.viewer_app.as_deref()),
            })
            .collect();
        Ok(Snapshot {
            config,
            candidates,
            requests,
        })
    }
}

/// The environments the repository deployed to lately, newest first, each once.
fn recent_environments(repo: &RawRepository) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in repo
        .recent
        .iter()
        .flat_map(|recent| &recent.nodes)
        .filter_map(|node| node.environment.as_deref())
    {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// The `object(expression:)` argument: the config file on the production branch — never the
/// PR head, which the PR's author controls.
pub fn config_expression(branch: &str, path: &str) -> String {
    // Fully qualified: git resolves a bare `main` to a *tag* named `main` before the branch, so
    // anyone who can push a tag could otherwise substitute the policy.
    format!("refs/heads/{branch}:{}", path.trim_start_matches("./"))
}

fn no_repository(spec: &ReadSpec) -> Error {
    Error::GraphQl(format!(
        "repository {} not found or not visible to the token",
        spec.repository
    ))
}

fn check_pages(pages: usize, what: &str) -> Result<usize, Error> {
    if pages >= MAX_PAGES {
        return Err(Error::GraphQl(format!(
            "more than {} {what}: shipgate stops reading rather than decide on part of them",
            MAX_PAGES * 100
        )));
    }
    Ok(pages + 1)
}

fn pr_needs_more(pr: &RawPullRequest) -> bool {
    pr.files.page_info.has_next_page
        || pr.commits.page_info.has_next_page
        || pr.reviews.page_info.has_next_page
        || (pr.comments.page_info.has_previous_page && sticky(pr).is_none())
        || pr
            .status_check_rollup
            .as_ref()
            .is_some_and(|r| r.contexts.page_info.has_next_page)
}

/// Pages one PR's connections, all that need it in each request.
async fn page_pull_request(client: &Client, pr: &mut RawPullRequest) -> Result<usize, Error> {
    let mut requests = 0;
    let mut pages = 0;
    loop {
        let files = pr.files.page_info.has_next_page;
        let commits = pr.commits.page_info.has_next_page;
        let reviews = pr.reviews.page_info.has_next_page;
        let comments = pr.comments.page_info.has_previous_page && sticky(pr).is_none();
        let contexts = pr
            .status_check_rollup
            .as_ref()
            .is_some_and(|r| r.contexts.page_info.has_next_page);
        if !(files || commits || reviews || comments || contexts) {
            return Ok(requests);
        }
        pages = check_pages(pages, &format!("items on pull request #{}", pr.number))?;
        let contexts_after = pr
            .status_check_rollup
            .as_ref()
            .and_then(|r| r.contexts.page_info.end_cursor.clone());
        #[derive(Deserialize)]
        struct Data {
            node: Option<More>,
        }
        #[derive(Deserialize)]
        struct More {
            files: Option<Connection<RawFile>>,
            commits: Option<Connection<RawPullCommit>>,
            reviews: Option<Connection<RawReview>>,
            comments: Option<Connection<RawComment>>,
            #[serde(rename = "statusCheckRollup")]
            status_check_rollup: Option<RawRollup>,
        }
        let data: Data = client
            .graphql_operation(
                DOCUMENT,
                Some("PullRequestMore"),
                json!({
                    "id": pr.id,
                    "files": files,
                    "filesAfter": pr.files.page_info.end_cursor,
                    "reviews": reviews,
                    "reviewsAfter": pr.reviews.page_info.end_cursor,
                    "comments": comments,
                    "commentsBefore": pr.comments.page_info.start_cursor,
                    "contexts": contexts,
                    "contextsAfter": contexts_after,
                    "commits": commits,
                    "commitsAfter": pr.commits.page_info.end_cursor,
                }),
            )
            .await?;
        requests += 1;
        let more = data.node.ok_or_else(|| {
            Error::GraphQl(format!("pull request #{} vanished while paging", pr.number))
        })?;
        let missing = |what: &str| {
            Error::GraphQl(format!(
                "GitHub did not return the requested {what} page of pull request #{}",
                pr.number
            ))
        };
        if files {
            let page = more.files.ok_or_else(|| missing("files"))?;
            pr.files.extend(page);
        }
        if commits {
            let page = more.commits.ok_or_else(|| missing("commits"))?;
            pr.commits.extend(page);
        }
        if reviews {
            let page = more.reviews.ok_or_else(|| missing("reviews"))?;
            pr.reviews.extend(page);
        }
        if comments {
            let page = more.comments.ok_or_else(|| missing("comments"))?;
            pr.comments.nodes.extend(page.nodes);
            pr.comments.page_info = page.page_info;
        }
        if contexts {
            let page = more.status_check_rollup.ok_or_else(|| missing("checks"))?;
            let rollup = pr.status_check_rollup.as_mut().expect("checked above");
            if page.commit.as_ref().map(|c| &c.oid) != rollup.commit.as_ref().map(|c| &c.oid) {
                return Err(Error::GraphQl(format!(
                    "pull request #{} got a new head commit while its checks were read; run again",
                    pr.number
                )));
            }
            rollup.contexts.extend(page.contexts);
        }
    }
}

/// Pages the repository-wide connections (see the module documentation for how far).
async fn page_repository(
    client: &Client,
    spec: &ReadSpec,
    repo: &mut RawRepository,
    cutoff: Option<DateTime<Utc>>,
) -> Result<usize, Error> {
    let mut requests = 0;
    let mut pages = 0;
    loop {
        let RepoNeeds {
            tags,
            releases,
            staging,
            production,
        } = repo_needs(repo, cutoff);
        if !(tags || production || staging || releases) {
            break;
        }
        pages = check_pages(pages, "tags, releases or deployments")?;
        #[derive(Deserialize)]
        struct Data {
            repository: Option<More>,
        }
        #[derive(Deserialize)]
        struct More {
            refs: Option<Connection<RawRef>>,
            releases: Option<Connection<RawRelease>>,
            staging: Option<Connection<RawDeployment>>,
            production: Option<Connection<RawDeployment>>,
        }
        let data: Data = client
            .graphql_operation(
                DOCUMENT,
                Some("RepositoryMore"),
                json!({
                    "owner": spec.repository.owner,
                    "name": spec.repository.name,
                    "tags": tags,
                    "tagsAfter": repo.refs.page_info.end_cursor,
                    "releases": releases,
                    "releasesAfter": repo.releases.page_info.end_cursor,
                    "staging": staging,
                    "stagingEnvironment": spec.staging_environment,
                    "stagingAfter": repo.staging.page_info.end_cursor,
                    "production": production,
                    "productionEnvironment": spec.production_environment,
                    "productionAfter": repo.production.page_info.end_cursor,
                }),
            )
            .await?;
        requests += 1;
        let more = data.repository.ok_or_else(|| no_repository(spec))?;
        let missing =
            |what: &str| Error::GraphQl(format!("GitHub did not return the requested {what} page"));
        if tags {
            repo.refs.extend(more.refs.ok_or_else(|| missing("tags"))?);
        }
        if releases {
            repo.releases
                .extend(more.releases.ok_or_else(|| missing("releases"))?);
        }
        if staging {
            repo.staging
                .extend(more.staging.ok_or_else(|| missing("staging deployments"))?);
        }
        if production {
            repo.production.extend(
                more.production
                    .ok_or_else(|| missing("production deployments"))?,
            );
        }
        if !staging {
            // Stop here for good: later pages are older still.
            repo.staging.page_info.has_next_page = false;
        }
    }
    // Deployments with more than 100 statuses: rare; each paged on its own.
    for deployment in repo
        .staging
        .nodes
        .iter_mut()
        .chain(repo.production.nodes.iter_mut())
    {
        let mut pages = 0;
        while deployment.statuses.page_info.has_next_page {
            pages = check_pages(pages, "statuses of one deployment")?;
            #[derive(Deserialize)]
            struct Data {
                node: Option<More>,
            }
            #[derive(Deserialize)]
            struct More {
                statuses: Connection<RawDeploymentStatus>,
            }
            let data: Data = client
                .graphql_operation(
                    DOCUMENT,
                    Some("DeploymentStatusesMore"),
                    json!({
                        "id": deployment.id,
                        "after": deployment.statuses.page_info.end_cursor,
                    }),
                )
                .await?;
            requests += 1;
            let more = data.node.ok_or_else(|| {
                Error::GraphQl("a deployment vanished while its statuses were read".into())
            })?;
            deployment.statuses.extend(more.statuses);
        }
    }
    Ok(requests)
}

/// Which repository-wide connections still need a page.
struct RepoNeeds {
    tags: bool,
    releases: bool,
    staging: bool,
    production: bool,
}

impl RepoNeeds {
    fn any(&self) -> bool {
        self.tags || self.releases || self.staging || self.production
    }
}

/// The paging rules of the module documentation, for the repository-wide connections.
fn repo_needs(repo: &RawRepository, staging_cutoff: Option<DateTime<Utc>>) -> RepoNeeds {
    let production = repo.production.page_info.has_next_page;
    RepoNeeds {
        tags: repo.refs.page_info.has_next_page,
        // Newest first: once the last one read is older than the cutoff, so is the rest.
        staging: repo.staging.page_info.has_next_page
            && match (staging_cutoff, repo.staging.nodes.last()) {
                (Some(cutoff), Some(last)) => last.created_at >= cutoff,
                _ => true,
            },
        // Releases matter only when production has no successful deployment (known only once
        // production is read in full).
        releases: repo.releases.page_info.has_next_page
            && !production
            && !repo.production.nodes.iter().any(|d| {
                d.statuses
                    .nodes
                    .iter()
                    .any(|s| s.state == RawDeploymentState::Success)
            }),
        production,
    }
}

/// Staging deployments created before this cannot be deployments of the gated commits: a day
/// before the oldest head commit's date (commit dates can be a little off). No cutoff — read
/// them all — when some head commit's date is unknown (it comes with the checks rollup, which
/// is absent while nothing has reported on the commit).
fn staging_cutoff(prs: &[RawPullRequest]) -> Option<DateTime<Utc>> {
    let dates: Option<Vec<DateTime<Utc>>> = prs
        .iter()
        .map(|pr| {
            pr.status_check_rollup
                .as_ref()
                .and_then(|r| r.commit.as_ref())
                .filter(|c| c.oid == pr.head_ref_oid)
                .and_then(|c| c.committed_date)
        })
        .collect();
    dates?
        .into_iter()
        .min()
        .map(|d| d - ChronoDuration::days(1))
}

// ---- mapping -------------------------------------------------------------------------------

fn map_facts(
    pr: &RawPullRequest,
    spec: &ReadSpec,
    repository: &Repository,
    deployments: &[Deployment],
    tags: &[Tag],
    releases: &[Release],
    now: DateTime<Utc>,
) -> Facts {
    let head = &pr.head_ref_oid;
    // Checks belong to the head commit; a rollup of another commit (a push racing the read)
    // is dropped, which leaves the checks gate pending rather than passing on old results.
    let contexts: &[RawContext] = match &pr.status_check_rollup {
        Some(r) if r.commit.as_ref().is_some_and(|c| &c.oid == head) => &r.contexts.nodes,
        _ => &[],
    };
    let (check_runs, statuses) = map_checks(contexts, &named_runs(pr), spec);
    let reviews = pr
        .reviews
        .nodes
        .iter()
        .filter_map(|review| {
            // A review not yet submitted has no time and no effect.
            let submitted_at = review.submitted_at?;
            let state = match review.state {
                RawReviewState::Approved => ReviewState::Approved,
                RawReviewState::ChangesRequested => ReviewState::ChangesRequested,
                RawReviewState::Commented => ReviewState::Commented,
                RawReviewState::Dismissed => ReviewState::Dismissed,
                RawReviewState::Pending => return None,
            };
            Some(Review {
                reviewer: actor(review.author.as_ref()),
                permission: if review.author_can_push_to_repository {
                    Permission::Write
                } else {
                    Permission::Read
                },
                state,
                submitted_at,
                commit_sha: review
                    .commit
                    .as_ref()
                    .map(|c| c.oid.clone())
                    .unwrap_or_default(),
            })
        })
        .collect();
    Facts {
        version: FACTS_VERSION,
        captured_at: now,
        repository: repository.clone(),
        sha: head.clone(),
        pull_request: Some(PullRequest {
            number: pr.number,
            title: pr.title.clone(),
            author: actor(pr.author.as_ref()),
            head_sha: head.clone(),
            head_branch: pr.head_ref_name.clone(),
            base_branch: pr.base_ref_name.clone(),
            from_fork: pr.is_cross_repository,
            draft: pr.is_draft,
            body: pr.body.clone(),
            changed_files: pr.files.nodes.iter().map(|f| f.path.clone()).collect(),
            commits: pr.commits.nodes.iter().map(map_pull_commit).collect(),
            commit_count: pr.commits.total_count,
        }),
        reviews,
        deployments: deployments.to_vec(),
        environments: Vec::new(),
        tags: tags.to_vec(),
        releases: releases.to_vec(),
        check_runs,
        statuses,
        // Read apart, and only when the security gate is on (`crate::alerts`).
        security: None,
    }
}

fn is_own_check_run(run: &RawCheckRun, spec: &ReadSpec) -> bool {
    run.name == spec.check_name && run.external_id.as_deref() == Some(CHECK_EXTERNAL_ID)
}

/// The check runs named like shipgate's check on the PR's head, with their app's slug.
fn named_runs(pr: &RawPullRequest) -> Vec<(&RawCheckRun, Option<&str>)> {
    pr.head
        .nodes
        .iter()
        .filter(|c| c.commit.oid == pr.head_ref_oid)
        .flat_map(|c| suite_runs(&c.commit.check_suites))
        .collect()
}

/// The runs of check suites, with their app's slug.
fn suite_runs(suites: &RawNodes<RawNamedSuite>) -> Vec<(&RawCheckRun, Option<&str>)> {
    suites
        .nodes
        .iter()
        .flat_map(|suite| {
            let app = suite.app.as_ref().map(|a| a.slug.as_str());
            suite.check_runs.nodes.iter().map(move |run| (run, app))
        })
        .collect()
}

/// The check runs and statuses of a commit: the runs named like shipgate's check from its
/// check suites (every app's newest, whatever the rollup's paging), the rest from the rollup;
/// the jobs of the workflow run executing shipgate left out.
fn map_checks(
    contexts: &[RawContext],
    named: &[(&RawCheckRun, Option<&str>)],
    spec: &ReadSpec,
) -> (Vec<CheckRun>, Vec<CommitStatus>) {
    let mut check_runs = Vec::new();
    let mut seen: Vec<u64> = Vec::new();
    for (run, app) in named {
        if is_this_workflow_run(run, spec) {
            continue;
        }
        seen.extend(run.database_id);
        check_runs.push(map_check_run(run, app.map(str::to_string)));
    }
    let mut statuses = Vec::new();
    for context in contexts {
        match context {
            RawContext::CheckRun(run) => {
                if run.name == spec.check_name
                    || is_this_workflow_run(run, spec)
                    || run.database_id.is_some_and(|id| seen.contains(&id))
                {
                    continue;
                }
                let app = run
                    .check_suite
                    .as_ref()
                    .and_then(|s| s.app.as_ref())
                    .map(|a| a.slug.clone());
                check_runs.push(map_check_run(run, app));
            }
            RawContext::StatusContext(status) => {
                statuses.push(CommitStatus {
                    context: status.context.clone(),
                    state: map_status_state(status.state),
                    created_at: status.created_at,
                    description: status.description.clone(),
                    creator: status.creator.as_ref().map(|a| actor(Some(a))),
                });
            }
            RawContext::Other => {}
        }
    }
    (check_runs, statuses)
}

/// shipgate's own check run among runs named like its check, each with its app's slug: the
/// newest with its external id *created by the token's app*. A run of the same name and external
/// id from another app (any workflow's `GITHUB_TOKEN` can create one as GitHub Actions) is never
/// taken for shipgate's: were it matched and found "unchanged", shipgate would write nothing and
/// its own, older verdict would stay. A token that is no app's (`viewer_app` `None`) owns none.
fn own_run<'a>(
    runs: impl IntoIterator<Item = (&'a RawCheckRun, Option<&'a str>)>,
    spec: &ReadSpec,
    viewer_app: Option<&str>,
) -> Option<ExistingCheckRun> {
    let viewer_app = viewer_app?;
    runs.into_iter()
        .filter(|(run, app)| is_own_check_run(run, spec) && *app == Some(viewer_app))
        .map(|(run, _)| run)
        .filter_map(|run| Some((run.database_id?, run)))
        .max_by_key(|(id, _)| *id)
        .map(|(id, run)| ExistingCheckRun {
            id,
            status: map_check_status(run.status),
            conclusion: run.conclusion.map(map_conclusion),
            title: run.title.clone().unwrap_or_default(),
            summary: run.summary.clone().unwrap_or_default(),
            text: run.text.clone().unwrap_or_default(),
        })
}

fn map_check_run(run: &RawCheckRun, app: Option<String>) -> CheckRun {
    CheckRun {
        id: run.database_id,
        name: run.name.clone(),
        status: map_check_status(run.status),
        conclusion: run.conclusion.map(map_conclusion),
        started_at: run.started_at,
        completed_at: run.completed_at,
        app,
        external_id: run.external_id.clone(),
    }
}

fn map_pull_commit(node: &RawPullCommit) -> PullCommit {
    let login = |actor: &Option<RawGitActor>| {
        actor
            .as_ref()
            .and_then(|a| a.user.as_ref())
            .map(|u| u.login.clone())
    };
    let commit = &node.commit;
    PullCommit {
        sha: commit.oid.clone(),
        author: login(&commit.author),
        committer: login(&commit.committer),
        // `authors` lists the git author first, then the co-authors.
        co_authors: commit
            .authors
            .nodes
            .iter()
            .skip(1)
            .filter_map(|a| a.user.as_ref().map(|u| u.login.clone()))
            .collect(),
    }
}

/// Whether a check run is a job of the workflow run executing shipgate right now.
fn is_this_workflow_run(run: &RawCheckRun, spec: &ReadSpec) -> bool {
    spec.own_workflow_run.is_some()
        && run
            .check_suite
            .as_ref()
            .and_then(|s| s.workflow_run.as_ref())
            .and_then(|w| w.database_id)
            == spec.own_workflow_run
}

fn existing(pr: &RawPullRequest, spec: &ReadSpec, viewer_app: Option<&str>) -> Existing {
    let mut found = Existing {
        comment: sticky(pr),
        ..Existing::default()
    };
    let rollup = pr
        .status_check_rollup
        .as_ref()
        .filter(|r| r.commit.as_ref().map(|c| &c.oid) == Some(&pr.head_ref_oid));
    let rollup_runs = rollup.into_iter().flat_map(|r| {
        r.contexts.nodes.iter().filter_map(|c| match c {
            RawContext::CheckRun(run) => Some((run, run_app(run))),
            _ => None,
        })
    });
    found.check_run = own_run(
        named_runs(pr).into_iter().chain(rollup_runs),
        spec,
        viewer_app,
    );
    for context in rollup.iter().flat_map(|r| &r.contexts.nodes) {
        if let RawContext::StatusContext(status) = context {
            if status.context == spec.check_name {
                found.status = Some(ExistingStatus {
                    state: map_status_state(status.state),
                    description: status.description.clone().unwrap_or_default(),
                });
            }
        }
    }
    found
}

/// shipgate's sticky comment: written by this token's account and *starting* with the marker,
/// as shipgate writes it (a marker pasted elsewhere, or quoted by another workflow posting as
/// the same bot, is not ours to edit). The oldest wins if there are several.
fn sticky(pr: &RawPullRequest) -> Option<ExistingComment> {
    pr.comments
        .nodes
        .iter()
        .filter(|c| c.viewer_did_author && c.body.starts_with(STICKY_MARKER))
        .filter_map(|c| {
            Some(ExistingComment {
                id: c.database_id?,
                body: c.body.clone(),
            })
        })
        .min_by_key(|c| c.id)
}

fn actor(author: Option<&RawActor>) -> Actor {
    match author {
        Some(a) => Actor {
            login: a.login.clone(),
            bot: a.typename == "Bot",
        },
        // A deleted account shows as GitHub's "ghost": never an eligible reviewer.
        None => Actor {
            login: "ghost".into(),
            bot: false,
        },
    }
}

fn map_deployment(d: &RawDeployment) -> Deployment {
    Deployment {
        id: d.database_id,
        environment: d.environment.clone().unwrap_or_default(),
        sha: d.commit_oid.clone(),
        git_ref: d.git_ref.as_ref().map(|r| r.name.clone()),
        creator: d.creator.as_ref().map(|c| actor(Some(c))),
        created_at: d.created_at,
        statuses: d
            .statuses
            .nodes
            .iter()
            .map(|s| DeploymentStatus {
                state: match s.state {
                    RawDeploymentState::Pending | RawDeploymentState::Waiting => {
                        DeploymentState::Pending
                    }
                    RawDeploymentState::Queued => DeploymentState::Queued,
                    RawDeploymentState::InProgress => DeploymentState::InProgress,
                    RawDeploymentState::Success => DeploymentState::Success,
                    RawDeploymentState::Failure => DeploymentState::Failure,
                    RawDeploymentState::Error => DeploymentState::Error,
                    RawDeploymentState::Inactive => DeploymentState::Inactive,
                },
                created_at: s.created_at,
                description: s.description.clone().filter(|d| !d.is_empty()),
                creator: s.creator.as_ref().map(|c| actor(Some(c))),
            })
            .collect(),
    }
}

/// A tag peeled through up to two annotated tag objects; tags of trees or blobs are dropped.
fn map_tag(r: &RawRef) -> Option<Tag> {
    let target = r.target.as_ref()?;
    match target.typename.as_str() {
        "Commit" => Some(Tag {
            name: r.name.clone(),
            target_sha: target.oid.clone(),
            annotated: false,
            tagger: None,
            tagged_at: None,
        }),
        "Tag" => {
            let mut inner = target.target.as_deref()?;
            if inner.typename == "Tag" {
                inner = inner.target.as_deref()?;
            }
            (inner.typename == "Commit").then(|| Tag {
                name: r.name.clone(),
                target_sha: inner.oid.clone(),
                annotated: true,
                tagger: target.tagger.as_ref().and_then(|t| t.name.clone()),
                tagged_at: target.tagger.as_ref().and_then(|t| t.date),
            })
        }
        _ => None,
    }
}

fn map_release(r: &RawRelease) -> Release {
    Release {
        tag_name: r.tag_name.clone(),
        draft: r.is_draft,
        prerelease: r.is_prerelease,
        published_at: r.published_at,
    }
}

fn map_config(config: &Option<RawObject>, spec: &ReadSpec) -> Result<ConfigFile, Error> {
    let Some(object) = config else {
        return Ok(ConfigFile::Absent);
    };
    let at = config_expression(&spec.production_branch, &spec.config_path);
    if object.typename != "Blob" {
        return Err(Error::GraphQl(format!(
            "the config `{at}` is a {}, not a file",
            object.typename
        )));
    }
    if object.is_truncated || object.is_binary {
        return Err(Error::GraphQl(format!(
            "the config `{at}` is too large or not text; GitHub returned it {}",
            if object.is_binary {
                "as binary"
            } else {
                "truncated"
            }
        )));
    }
    object
        .text
        .clone()
        .map(ConfigFile::Text)
        .ok_or_else(|| Error::GraphQl(format!("the config `{at}` has no text")))
}

fn map_check_status(status: RawCheckStatus) -> CheckStatus {
    match status {
        RawCheckStatus::Queued => CheckStatus::Queued,
        RawCheckStatus::InProgress => CheckStatus::InProgress,
        RawCheckStatus::Completed => CheckStatus::Completed,
        RawCheckStatus::Waiting => CheckStatus::Waiting,
        RawCheckStatus::Requested => CheckStatus::Requested,
        RawCheckStatus::Pending => CheckStatus::Pending,
    }
}

fn map_conclusion(c: RawConclusion) -> CheckConclusion {
    match c {
        RawConclusion::Success => CheckConclusion::Success,
        RawConclusion::Failure => CheckConclusion::Failure,
        RawConclusion::Neutral => CheckConclusion::Neutral,
        RawConclusion::Cancelled => CheckConclusion::Cancelled,
        RawConclusion::Skipped => CheckConclusion::Skipped,
        RawConclusion::TimedOut => CheckConclusion::TimedOut,
        RawConclusion::ActionRequired => CheckConclusion::ActionRequired,
        RawConclusion::Stale => CheckConclusion::Stale,
        RawConclusion::StartupFailure => CheckConclusion::StartupFailure,
    }
}

fn map_status_state(s: RawStatusState) -> StatusState {
    match s {
        RawStatusState::Success => StatusState::Success,
        RawStatusState::Failure => StatusState::Failure,
        RawStatusState::Error => StatusState::Error,
        // EXPECTED: a required status nobody reported yet.
        RawStatusState::Pending | RawStatusState::Expected => StatusState::Pending,
    }
}

// ---- the GraphQL answer's shape ------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    #[serde(default)]
    has_next_page: bool,
    #[serde(default)]
    end_cursor: Option<String>,
    #[serde(default)]
    has_previous_page: bool,
    #[serde(default)]
    start_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection<T> {
    page_info: PageInfo,
    nodes: Vec<T>,
    #[serde(default)]
    total_count: Option<u64>,
}

impl<T> Connection<T> {
    /// Appends a next page.
    fn extend(&mut self, page: Connection<T>) {
        self.nodes.extend(page.nodes);
        self.page_info = page.page_info;
    }
}

#[derive(Debug, Deserialize)]
struct RawRepository {
    refs: Connection<RawRef>,
    releases: Connection<RawRelease>,
    staging: Connection<RawDeployment>,
    production: Connection<RawDeployment>,
    /// The environments deployed to lately (names only).
    #[serde(default)]
    recent: Option<RawNodes<RawEnvironmentName>>,
    config: Option<RawObject>,
}

#[derive(Debug, Deserialize)]
struct RawEnvironmentName {
    environment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawObject {
    #[serde(rename = "__typename")]
    typename: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    is_binary: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPullRequest {
    id: String,
    number: u64,
    title: String,
    #[serde(default)]
    body: String,
    is_draft: bool,
    is_cross_repository: bool,
    head_ref_name: String,
    head_ref_oid: String,
    base_ref_name: String,
    author: Option<RawActor>,
    #[serde(default)]
    merged: bool,
    #[serde(default)]
    merge_commit: Option<RawOid>,
    /// `headTree: commits(last: 1)` (the guard's read only).
    #[serde(default)]
    head_tree: Option<RawNodes<RawTreeCommit>>,
    files: Connection<RawFile>,
    commits: Connection<RawPullCommit>,
    head: RawNodes<RawHeadCommit>,
    reviews: Connection<RawReview>,
    comments: Connection<RawComment>,
    status_check_rollup: Option<RawRollup>,
}

#[derive(Debug, Deserialize)]
struct RawActor {
    #[serde(rename = "__typename")]
    typename: String,
    login: String,
}

#[derive(Debug, Deserialize)]
struct RawFile {
    path: String,
}

#[derive(Debug, Deserialize)]
struct RawNodes<T> {
    nodes: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct RawPullCommit {
    commit: RawCommitIdentity,
}

#[derive(Debug, Deserialize)]
struct RawCommitIdentity {
    oid: String,
    author: Option<RawGitActor>,
    committer: Option<RawGitActor>,
    authors: RawNodes<RawGitActor>,
}

#[derive(Debug, Deserialize)]
struct RawGitActor {
    user: Option<RawLogin>,
}

#[derive(Debug, Deserialize)]
struct RawHeadCommit {
    commit: RawSuites,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSuites {
    oid: String,
    check_suites: RawNodes<RawNamedSuite>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNamedSuite {
    app: Option<RawApp>,
    check_runs: RawNodes<RawCheckRun>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReview {
    author: Option<RawActor>,
    author_can_push_to_repository: bool,
    state: RawReviewState,
    submitted_at: Option<DateTime<Utc>>,
    commit: Option<RawOid>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum RawReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    Pending,
}

#[derive(Debug, Deserialize)]
struct RawOid {
    oid: String,
}

/// A commit with its tree (`commit { tree { oid } }`).
#[derive(Debug, Deserialize)]
struct RawTreeCommit {
    commit: RawTreeOf,
}

#[derive(Debug, Deserialize)]
struct RawTreeOf {
    oid: String,
    tree: RawOid,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawComment {
    database_id: Option<u64>,
    body: String,
    viewer_did_author: bool,
}

#[derive(Debug, Deserialize)]
struct RawRollup {
    commit: Option<RawRollupCommit>,
    contexts: Connection<RawContext>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRollupCommit {
    oid: String,
    #[serde(default)]
    committed_date: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "__typename")]
enum RawContext {
    CheckRun(RawCheckRun),
    StatusContext(RawStatusContext),
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCheckRun {
    database_id: Option<u64>,
    name: String,
    status: RawCheckStatus,
    conclusion: Option<RawConclusion>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    external_id: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    text: Option<String>,
    check_suite: Option<RawCheckSuite>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCheckSuite {
    app: Option<RawApp>,
    #[serde(default)]
    workflow_run: Option<RawWorkflowRun>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawWorkflowRun {
    database_id: Option<u64>,
}

/// The token's account (`viewer`).
#[derive(Debug, Deserialize)]
struct RawViewer {
    login: String,
}

impl RawViewer {
    /// The slug of the app the token belongs to: GitHub names an app's account `<slug>[bot]`.
    fn app(&self) -> Option<String> {
        self.login.strip_suffix("[bot]").map(str::to_string)
    }
}

/// The slug of the app that reported a check run, when its suite was read.
fn run_app(run: &RawCheckRun) -> Option<&str> {
    run.check_suite
        .as_ref()
        .and_then(|s| s.app.as_ref())
        .map(|a| a.slug.as_str())
}

#[derive(Debug, Deserialize)]
struct RawApp {
    slug: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum RawCheckStatus {
    Queued,
    InProgress,
    Completed,
    Waiting,
    Requested,
    Pending,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum RawConclusion {
    Success,
    Failure,
    Neutral,
    Cancelled,
    Skipped,
    TimedOut,
    ActionRequired,
    Stale,
    StartupFailure,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatusContext {
    context: String,
    state: RawStatusState,
    created_at: DateTime<Utc>,
    description: Option<String>,
    #[serde(default)]
    creator: Option<RawActor>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum RawStatusState {
    Success,
    Failure,
    Error,
    Pending,
    Expected,
}

#[derive(Debug, Deserialize)]
struct RawRef {
    name: String,
    target: Option<RawGitObject>,
}

#[derive(Debug, Deserialize)]
struct RawGitObject {
    #[serde(rename = "__typename")]
    typename: String,
    oid: String,
    #[serde(default)]
    tagger: Option<RawTagger>,
    #[serde(default)]
    target: Option<Box<RawGitObject>>,
}

#[derive(Debug, Deserialize)]
struct RawTagger {
    name: Option<String>,
    date: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRelease {
    tag_name: String,
    is_draft: bool,
    is_prerelease: bool,
    published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDeployment {
    id: String,
    database_id: Option<u64>,
    environment: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<RawRefName>,
    commit_oid: String,
    created_at: DateTime<Utc>,
    creator: Option<RawActor>,
    statuses: Connection<RawDeploymentStatus>,
}

#[derive(Debug, Deserialize)]
struct RawRefName {
    name: String,
}

#[derive(Debug, Deserialize)]
struct RawLogin {
    login: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDeploymentStatus {
    state: RawDeploymentState,
    created_at: DateTime<Utc>,
    description: Option<String>,
    #[serde(default)]
    creator: Option<RawActor>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum RawDeploymentState {
    Pending,
    Queued,
    InProgress,
    Success,
    Failure,
    Error,
    Inactive,
    Waiting,
}
