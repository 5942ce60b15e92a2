//! GitHub Deployments: create deployments and statuses (`shipgate record`), and read an
//! environment's history for the KPI report (`shipgate report`).
//!
//! Records are idempotent per workflow run: the deployment's payload carries the run id, and a
//! re-run of the same run finds and reuses its deployment instead of creating a second one.
//! The history is read over GraphQL, 100 deployments (with their statuses and the first and head
//! commits of their pull request) per request, newest first, and only as far back as the period
//! needs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use shipgate_core::escape::url_component;
use shipgate_core::facts::{DeploymentState, DeploymentStatus};
use shipgate_core::kpi::history::{DeployPayload, History, HistoryDeployment, HISTORY_VERSION};

use crate::client::Client;
use crate::error::Error;

/// The GraphQL document that reads one page of an environment's deployments.
pub const HISTORY_QUERY: &str = include_str!("graphql/history.graphql");

/// A deployment as the REST API returns it (the fields shipgate uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestDeployment {
    /// The deployment id.
    pub id: u64,
    /// The deployed commit.
    pub sha: String,
    /// The environment.
    pub environment: String,
    /// The payload (an object when shipgate made it; anything else otherwise).
    #[serde(default)]
    pub payload: Value,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A deployment status as the REST API returns it (the fields shipgate uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestDeploymentStatus {
    /// The status id.
    pub id: u64,
    /// Its state (`success`, `failure`, …).
    pub state: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
}

/// What `shipgate record` asks GitHub to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeployment {
    /// The ref to deploy: a SHA, branch or tag.
    pub git_ref: String,
    /// The commit the ref points at (to find this run's deployment after a doubtful answer).
    pub sha: String,
    /// The workflow run creating it (stored in the payload; the idempotency key).
    pub run_id: Option<u64>,
    /// The environment.
    pub environment: String,
    /// Whether the environment is production.
    pub production: bool,
    /// One-line description (cut to 140 characters).
    pub description: String,
    /// The audit fields for the payload (`run_id` is the idempotency key).
    pub payload: Value,
}

/// Cuts a description to GitHub's 140 characters (on a character boundary, with an ellipsis).
pub fn description(text: &str) -> String {
    const LIMIT: usize = 140;
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= LIMIT {
        return flat;
    }
    let mut cut: String = flat.chars().take(LIMIT - 1).collect();
    cut.push('…');
    cut
}

/// `owner/name` split in two, checked to be safe in a request path.
pub(crate) fn split_repo(repo: &str) -> Result<(&str, &str), Error> {
    match repo.split_once('/') {
        Some((owner, name))
            if !owner.is_empty()
                && !name.is_empty()
                && !name.contains('/')
                && repo
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) =>
        {
            Ok((owner, name))
        }
        _ => Err(Error::Config(format!(
            "repository {repo:?} is not OWNER/NAME"
        ))),
    }
}

/// The deployments of `sha` to `environment` (the newest 100: one commit never has more).
async fn deployments_of(
    client: &Client,
    repo: &str,
    sha: &str,
    environment: &str,
) -> Result<Vec<RestDeployment>, Error> {
    let (owner, name) = split_repo(repo)?;
    let path = format!(
        "/repos/{owner}/{name}/deployments?sha={}&environment={}&per_page=100",
        url_component(sha),
        url_component(environment)
    );
    client.get(&path).await
}

/// Finds the deployment of `sha` to `environment` that workflow run `run_id` already created.
pub async fn find_run_deployment(
    client: &Client,
    repo: &str,
    sha: &str,
    environment: &str,
    run_id: u64,
) -> Result<Option<RestDeployment>, Error> {
    Ok(deployments_of(client, repo, sha, environment)
        .await?
        .into_iter()
        .find(|d| d.payload.get("run_id").and_then(Value::as_u64) == Some(run_id)))
}

/// The newest deployment of `sha` to `environment` (ties broken by id).
pub async fn newest_deployment(
    client: &Client,
    repo: &str,
    sha: &str,
    environment: &str,
) -> Result<Option<RestDeployment>, Error> {
    Ok(deployments_of(client, repo, sha, environment)
        .await?
        .into_iter()
        .max_by_key(|d| (d.created_at, d.id)))
}

/// Creates a deployment. Never retried blindly: after an answer that leaves in doubt whether
/// it was created (5xx, timeout), it looks for this run's deployment with
/// [`find_run_deployment`] first, and without a run id to look by it does not try again.
pub async fn create_deployment(
    client: &Client,
    repo: &str,
    new: &NewDeployment,
) -> Result<RestDeployment, Error> {
    let (owner, name) = split_repo(repo)?;
    let body = json!({
        "ref": new.git_ref,
        "task": "deploy",
        "auto_merge": false,
        "required_contexts": [],
        "payload": new.payload,
        "environment": new.environment,
        "description": description(&new.description),
        "transient_environment": false,
        "production_environment": new.production,
    });
    let path = format!("/repos/{owner}/{name}/deployments");
    match new.run_id {
        Some(run_id) => {
            client
                .post_create(&path, &body, || {
                    find_run_deployment(client, repo, &new.sha, &new.environment, run_id)
                })
                .await
        }
        None => client.post(&path, &body).await,
    }
}

/// The newest status of a deployment, if any.
pub async fn latest_status(
    client: &Client,
    repo: &str,
    deployment_id: u64,
) -> Result<Option<RestDeploymentStatus>, Error> {
    let (owner, name) = split_repo(repo)?;
    let statuses: Vec<RestDeploymentStatus> = client
        .get(&format!(
            "/repos/{owner}/{name}/deployments/{deployment_id}/statuses?per_page=1"
        ))
        .await?;
    Ok(statuses.into_iter().next())
}

/// Adds a status to a deployment.
pub async fn create_status(
    client: &Client,
    repo: &str,
    deployment_id: u64,
    state: &str,
    description_text: &str,
    environment: &str,
    log_url: Option<&str>,
) -> Result<RestDeploymentStatus, Error> {
    let (owner, name) = split_repo(repo)?;
    let mut body = json!({
        "state": state,
        "description": description(description_text),
        "environment": environment,
    });
    if let Some(url) = log_url {
        body["log_url"] = json!(url);
    }
    client
        .post(
            &format!("/repos/{owner}/{name}/deployments/{deployment_id}/statuses"),
            &body,
        )
        .await
}

/// Reads an environment's history back to `since`: one GraphQL request per 100 deployments,
/// newest first, stopping at the first page that reaches past `since`. Returns the history and
/// the number of API requests it took.
pub async fn read_history(
    client: &Client,
    repo: &str,
    environment: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(History, u32), Error> {
    let (owner, name) = split_repo(repo)?;
    let mut deployments = Vec::new();
    let mut after: Option<String> = None;
    let mut requests = 0;
    loop {
        let variables =
            json!({ "owner": owner, "name": name, "environment": environment, "after": after });
        let page: HistoryAnswer = client.graphql(HISTORY_QUERY, variables).await?;
        requests += 1;
        let connection = page
            .repository
            .ok_or_else(|| {
                Error::GraphQl(format!(
                    "repository {repo} not found or not visible to the token"
                ))
            })?
            .deployments;
        let mut reached_past_since = false;
        for node in connection.nodes.into_iter().flatten() {
            // Older deployments on this last page are kept, not read further: the release that
            // was live when the period began can break inside it (a downtime incident), and
            // the report's own period filter decides what counts as a deploy.
            reached_past_since |= node.created_at < since;
            let mut deployment = node.into_history()?;
            if deployment.1 {
                // More than 100 statuses on one deployment: read the rest over REST.
                let rest = all_statuses(client, owner, name, deployment.0.id).await?;
                requests += rest.1;
                deployment.0.statuses = rest.0;
            }
            deployments.push(deployment.0);
        }
        if reached_past_since || !connection.page_info.has_next_page {
            break;
        }
        after = Some(connection.page_info.end_cursor.ok_or_else(|| {
            Error::GraphQl("deployments page says it has a next page but gives no cursor".into())
        })?);
    }
    let history = History {
        version: HISTORY_VERSION,
        repository: repo.to_string(),
        environment: environment.to_string(),
        captured_at: now,
        deployments,
    };
    Ok((history, requests))
}

/// Every status of deployment `id`, over REST (for a deployment with more than one page).
pub(crate) async fn all_statuses(
    client: &Client,
    owner: &str,
    name: &str,
    id: u64,
) -> Result<(Vec<DeploymentStatus>, u32), Error> {
    #[derive(Deserialize)]
    struct RestStatus {
        state: String,
        created_at: DateTime<Utc>,
        #[serde(default)]
        description: Option<String>,
    }
    let mut statuses = Vec::new();
    let mut requests = 0;
    let mut next = Some(format!(
        "/repos/{owner}/{name}/deployments/{id}/statuses?per_page=100"
    ));
    while let Some(path) = next {
        let (page, link): (Vec<RestStatus>, Option<String>) = client.get_page(&path).await?;
        requests += 1;
        for s in page {
            statuses.push(DeploymentStatus {
                state: parse_state(&s.state)?,
                created_at: s.created_at,
                description: s.description,
                creator: None,
            });
        }
        next = link;
    }
    Ok((statuses, requests))
}

/// Maps GitHub's deployment-status state (REST lowercase or GraphQL uppercase).
pub fn parse_state(state: &str) -> Result<DeploymentState, Error> {
    Ok(match state.to_ascii_lowercase().as_str() {
        "pending" | "waiting" => DeploymentState::Pending,
        "queued" => DeploymentState::Queued,
        "in_progress" => DeploymentState::InProgress,
        "success" => DeploymentState::Success,
        "failure" => DeploymentState::Failure,
        "error" => DeploymentState::Error,
        "inactive" => DeploymentState::Inactive,
        other => {
            return Err(Error::GraphQl(format!(
                "unknown deployment status state {other:?}"
            )))
        }
    })
}

/// Reads the audit fields from a payload, tolerating payloads made by other tools (a string
/// holding JSON, or fields of other types: those are ignored, not guessed).
pub fn parse_payload(payload: &Value) -> Option<DeployPayload> {
    let object = match payload {
        Value::String(text) => serde_json::from_str::<Value>(text).ok()?,
        Value::Object(_) => payload.clone(),
        _ => return None,
    };
    let object = object.as_object()?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
    let time = |key: &str| text(key).and_then(|t| t.parse::<DateTime<Utc>>().ok());
    Some(DeployPayload {
        version: text("version"),
        actor: text("actor"),
        started_at: time("started_at"),
        finished_at: time("finished_at"),
        rollback: object
            .get("rollback")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        run_id: object.get("run_id").and_then(Value::as_u64),
    })
}

#[derive(Deserialize)]
struct HistoryAnswer {
    repository: Option<HistoryRepository>,
}

#[derive(Deserialize)]
struct HistoryRepository {
    deployments: Connection<DeploymentNode<PullNode>>,
}

/// A GraphQL connection page: its nodes and where the next page starts.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Connection<T> {
    pub(crate) page_info: PageInfo,
    pub(crate) nodes: Vec<Option<T>>,
}

/// A connection's `pageInfo` (the cursor is absent when only `hasNextPage` is asked for).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageInfo {
    pub(crate) has_next_page: bool,
    #[serde(default)]
    pub(crate) end_cursor: Option<String>,
}

/// A connection read without paging.
#[derive(Deserialize)]
pub(crate) struct Nodes<T> {
    pub(crate) nodes: Vec<Option<T>>,
}

/// One deployment as `history.graphql` and `incident.graphql` both ask for it; `P` is what each
/// asks of the deployed commit's pull request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeploymentNode<P> {
    database_id: Option<u64>,
    commit_oid: String,
    created_at: DateTime<Utc>,
    payload: Option<String>,
    creator: Option<Login>,
    statuses: Connection<StatusNode>,
    commit: Option<CommitNode<P>>,
}

#[derive(Deserialize)]
struct Login {
    login: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusNode {
    state: String,
    created_at: DateTime<Utc>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommitNode<P> {
    associated_pull_requests: Option<Nodes<P>>,
}

/// The report's view of a deployment's pull request: its first and head commits.
#[derive(Deserialize)]
struct PullNode {
    /// `commits(first: 1)`: the PR's first commit.
    commits: Nodes<PullCommit>,
    /// `head: commits(last: 1)`: its head commit.
    head: Nodes<PullCommit>,
}

#[derive(Deserialize)]
struct PullCommit {
    commit: AuthoredCommit,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthoredCommit {
    authored_date: DateTime<Utc>,
}

impl<P> DeploymentNode<P> {
    /// The history entry (without commit dates), the deployed commit's pull request, and
    /// whether more statuses remain to be read ([`all_statuses`]).
    pub(crate) fn into_parts(self) -> Result<(HistoryDeployment, Option<P>, bool), Error> {
        let id = self.database_id.ok_or_else(|| {
            Error::GraphQl(format!(
                "a deployment of {} has no databaseId",
                self.commit_oid
            ))
        })?;
        let statuses = self
            .statuses
            .nodes
            .into_iter()
            .flatten()
            .map(|s| {
                Ok(DeploymentStatus {
                    state: parse_state(&s.state)?,
                    created_at: s.created_at,
                    description: s.description,
                    creator: None,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let pull = self
            .commit
            .and_then(|c| c.associated_pull_requests)
            .and_then(|prs| prs.nodes.into_iter().flatten().next());
        let payload = self.payload.map(Value::String);
        Ok((
            HistoryDeployment {
                id,
                sha: self.commit_oid,
                created_at: self.created_at,
                creator: self.creator.map(|c| c.login),
                statuses,
                payload: payload.as_ref().and_then(parse_payload),
                first_commit_at: None,
                last_commit_at: None,
            },
            pull,
            self.statuses.page_info.has_next_page,
        ))
    }
}

impl DeploymentNode<PullNode> {
    /// The history entry, and whether more statuses remain to be read.
    fn into_history(self) -> Result<(HistoryDeployment, bool), Error> {
        let (mut deployment, pull, more) = self.into_parts()?;
        let authored = |commits: Nodes<PullCommit>| {
            commits
                .nodes
                .into_iter()
                .flatten()
                .next()
                .map(|c| c.commit.authored_date)
        };
        if let Some(pr) = pull {
            deployment.first_commit_at = authored(pr.commits);
            deployment.last_commit_at = authored(pr.head);
        }
        Ok((deployment, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_cut_to_140_characters() {
        assert_eq!(description("short"), "short");
        let long = "é".repeat(200);
        let cut = description(&long);
        assert_eq!(cut.chars().count(), 140);
        assert!(cut.ends_with('…'));
        assert_eq!(description("a\nb"), "a b");
    }

    #[test]
    fn payloads_of_other_tools_are_tolerated() {
        assert_eq!(parse_payload(&json!("not json")), None);
        assert_eq!(parse_payload(&json!(42)), None);
        let p =
            parse_payload(&json!({"rollback": "yes", "run_id": "7", "version": "v1.4.0"})).unwrap();
        assert!(!p.rollback);
        assert_eq!(p.run_id, None);
        assert_eq!(p.version.as_deref(), Some("v1.4.0"));
        let p = parse_payload(&json!("{\"rollback\":true,\"run_id\":7}")).unwrap();
        assert!(p.rollback);
        assert_eq!(p.run_id, Some(7));
    }

    #[test]
    fn states_map_from_rest_and_graphql_spellings() {
        assert_eq!(parse_state("SUCCESS").unwrap(), DeploymentState::Success);
        assert_eq!(
            parse_state("in_progress").unwrap(),
            DeploymentState::InProgress
        );
        assert_eq!(parse_state("WAITING").unwrap(), DeploymentState::Pending);
        assert!(parse_state("exploded").is_err());
    }

    #[test]
    fn repositories_must_be_owner_slash_name() {
        assert!(split_repo("o/r").is_ok());
        for bad in ["o", "o/", "/r", "o/r/x", "o/r?x=1", "o/r#"] {
            assert!(split_repo(bad).is_err(), "{bad}");
        }
    }
}
