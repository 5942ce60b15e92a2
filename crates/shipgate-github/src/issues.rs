//! Incident issues (`shipgate incident`): one GraphQL read of the environment's deployments and
//! of shipgate's incident issues, then one REST write — `POST /repos/{o}/{r}/issues` to open the
//! issue or `PATCH /repos/{o}/{r}/issues/{n}` to update it.
//!
//! - The read (`graphql/incident.graphql`) reads from GitHub's primary store, not the search
//!   index: an issue created a moment ago is found by the next run, so a re-run never opens a
//!   second one. Deployments are paged (100 a page, newest first) only until the rolled-back one
//!   is on a page; labelled issues (50 a page, newest first) only while a page still reaches back
//!   to the rolled-back deployment's creation (no incident issue of it can be older) and the
//!   trusted issue is not found yet. Past [`MAX_DEPLOYMENT_PAGES`] or [`MAX_ISSUE_PAGES`] the read
//!   fails rather than guess: an incident that cannot be looked for is not created.
//! - The create goes through [`Client::post_create`]: after an answer that leaves in doubt
//!   whether the issue was created (5xx, timeout, lost connection) the issues are read again and
//!   the marked issue, when there, is taken instead of posting a second one. The update is a
//!   PATCH (idempotent, retried). Both are paced like every write.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use shipgate_core::incident::{self, IssueCandidate, PullRequestLink, Wanted};
use shipgate_core::kpi::history::HistoryDeployment;

use crate::client::Client;
use crate::deployments::{all_statuses, split_repo, Connection, DeploymentNode, Nodes, PageInfo};
use crate::error::Error;

/// The GraphQL document of the read.
pub const INCIDENT_QUERY: &str = include_str!("graphql/incident.graphql");
/// At most this many pages of 100 deployments are read looking for the rolled-back one.
pub const MAX_DEPLOYMENT_PAGES: u32 = 10;
/// At most this many pages of 50 labelled issues are read looking for its incident issue.
pub const MAX_ISSUE_PAGES: u32 = 10;

/// What the read found.
#[derive(Debug, Clone, Default)]
pub struct IncidentRead {
    /// The environment's deployments, newest first, as far back as the wanted one (all that
    /// were read when it is not among them).
    pub deployments: Vec<HistoryDeployment>,
    /// The release pull request of each deployment's commit, by deployment id, when GitHub
    /// links one.
    pub pull_requests: HashMap<u64, PullRequestLink>,
    /// The labelled issues read, then the newest issues of any label (an issue may be in both).
    pub issues: Vec<IssueCandidate>,
    /// API requests made.
    pub requests: u32,
}

/// An issue as REST returns it (the fields shipgate uses).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RestIssue {
    /// Its number.
    pub number: u64,
    /// Its web address.
    pub html_url: String,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: String,
    /// Its labels.
    #[serde(default)]
    pub labels: Vec<RestLabel>,
}

impl RestIssue {
    /// Whether it carries `label`.
    pub fn has_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l.name() == Some(label))
    }
}

/// A label of an issue: GitHub's description allows an object or a bare name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum RestLabel {
    /// `{"name": …}`.
    Object {
        /// The label's name.
        #[serde(default)]
        name: Option<String>,
    },
    /// A bare name.
    Name(String),
}

impl RestLabel {
    fn name(&self) -> Option<&str> {
        match self {
            RestLabel::Object { name } => name.as_deref(),
            RestLabel::Name(name) => Some(name),
        }
    }
}

/// Reads what an incident needs: the environment's deployments back to the `wanted` one, and the
/// incident issues that could be its issue (see the module documentation).
pub async fn read_incident(
    client: &Client,
    repo: &str,
    environment: &str,
    label: &str,
    wanted: Wanted<'_>,
) -> Result<IncidentRead, Error> {
    let (owner, name) = split_repo(repo)?;
    let mut read = IncidentRead::default();
    let request = |deployments_after: Option<&str>, issues_after: Option<&str>, which: Which| {
        json!({
            "owner": owner,
            "name": name,
            "environment": environment,
            "label": label,
            "deployments": which.deployments,
            "deploymentsAfter": deployments_after,
            "issues": which.issues,
            "issuesAfter": issues_after,
            "recent": which.recent,
        })
    };
    let first = query(
        client,
        repo,
        request(None, None, Which::ALL),
        &mut read.requests,
    )
    .await?;
    let mut deployments = first.deployments.ok_or_else(|| missing("deployments"))?;
    let mut labelled = first.incidents.ok_or_else(|| missing("incidents"))?;
    let recent = first.recent.ok_or_else(|| missing("recent"))?;

    // Deployments until the wanted one is on a page.
    let mut pages = 1;
    loop {
        add_deployments(client, owner, name, &mut read, deployments.nodes).await?;
        if read
            .deployments
            .iter()
            .any(|d| incident::is_wanted(d, wanted))
        {
            break;
        }
        if !deployments.page_info.has_next_page {
            break;
        }
        if pages >= MAX_DEPLOYMENT_PAGES {
            return Err(Error::GraphQl(format!(
                "the rolled-back deployment is not among the newest {} deployments to {environment}: name it with its id",
                MAX_DEPLOYMENT_PAGES * 100
            )));
        }
        let after = cursor(&deployments.page_info, "deployments")?;
        let next = query(
            client,
            repo,
            request(Some(&after), None, Which::DEPLOYMENTS),
            &mut read.requests,
        )
        .await?;
        deployments = next.deployments.ok_or_else(|| missing("deployments"))?;
        pages += 1;
    }

    // Labelled issues while they may still hold the wanted deployment's issue.
    let target = read
        .deployments
        .iter()
        .find(|d| incident::is_wanted(d, wanted))
        .map(|d| (d.id, d.created_at));
    let mut pages = 1;
    loop {
        let reaches_back = labelled.nodes.iter().flatten().map(|i| i.created_at).min();
        read.issues.extend(
            labelled
                .nodes
                .into_iter()
                .flatten()
                .map(|i| i.candidate(true)),
        );
        let Some((id, created_at)) = target else {
            break;
        };
        if !labelled.page_info.has_next_page
            || incident::find(&read.issues, id).issue.is_some()
            || reaches_back.is_some_and(|oldest| oldest < created_at)
        {
            break;
        }
        if pages >= MAX_ISSUE_PAGES {
            return Err(too_many_issues(label));
        }
        let after = cursor(&labelled.page_info, "incidents")?;
        let next = query(
            client,
            repo,
            request(None, Some(&after), Which::ISSUES),
            &mut read.requests,
        )
        .await?;
        labelled = next.incidents.ok_or_else(|| missing("incidents"))?;
        pages += 1;
    }
    read.issues.extend(
        recent
            .nodes
            .into_iter()
            .flatten()
            .map(|i| i.candidate(false)),
    );
    Ok(read)
}

/// Reads the issues again (labelled ones back to `since`, then the newest of any label), for
/// the lookup after a doubtful create: the issue of `deployment_id` opened by this token's
/// account, when it is there.
pub async fn find_issue(
    client: &Client,
    repo: &str,
    label: &str,
    deployment_id: u64,
    since: DateTime<Utc>,
) -> Result<Option<RestIssue>, Error> {
    let (owner, name) = split_repo(repo)?;
    let mut candidates: Vec<IssueCandidate> = Vec::new();
    let mut requests = 0;
    let mut after: Option<String> = None;
    let mut recent = true;
    for _ in 0..MAX_ISSUE_PAGES {
        let variables = json!({
            "owner": owner,
            "name": name,
            "environment": "",
            "label": label,
            "deployments": false,
            "deploymentsAfter": null,
            "issues": true,
            "issuesAfter": after,
            "recent": recent,
        });
        let answer = query(client, repo, variables, &mut requests).await?;
        let labelled = answer.incidents.ok_or_else(|| missing("incidents"))?;
        if recent {
            let newest = answer.recent.ok_or_else(|| missing("recent"))?;
            candidates.extend(
                newest
                    .nodes
                    .into_iter()
                    .flatten()
                    .map(|i| i.candidate(false)),
            );
            recent = false;
        }
        let reaches_back = labelled.nodes.iter().flatten().map(|i| i.created_at).min();
        candidates.extend(
            labelled
                .nodes
                .into_iter()
                .flatten()
                .map(|i| i.candidate(true)),
        );
        if let Some(issue) = incident::find(&candidates, deployment_id).issue {
            return Ok(Some(RestIssue {
                number: issue.number,
                html_url: issue.url.clone(),
                state: if issue.open { "open" } else { "closed" }.into(),
                labels: if issue.labelled {
                    vec![RestLabel::Name(label.to_string())]
                } else {
                    Vec::new()
                },
            }));
        }
        if !labelled.page_info.has_next_page || reaches_back.is_some_and(|oldest| oldest < since) {
            return Ok(None);
        }
        after = Some(cursor(&labelled.page_info, "incidents")?);
    }
    Err(too_many_issues(label))
}

/// Opens an issue with `title`, `body` and `label` (GitHub creates a label that does not exist
/// yet; it drops labels silently for an account that may not set them — see
/// [`RestIssue::has_label`]). `lookup` is asked after a doubtful answer (see the module
/// documentation).
pub async fn create_issue<F, Fut>(
    client: &Client,
    repo: &str,
    title: &str,
    body: &str,
    label: &str,
    lookup: F,
) -> Result<RestIssue, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<RestIssue>, Error>>,
{
    let (owner, name) = split_repo(repo)?;
    let request = json!({ "title": title, "body": body, "labels": [label] });
    client
        .post_create(&format!("/repos/{owner}/{name}/issues"), &request, lookup)
        .await
}

/// Replaces an issue's body (nothing else: its title, state and labels are the team's).
pub async fn update_issue_body(
    client: &Client,
    repo: &str,
    number: u64,
    body: &str,
) -> Result<RestIssue, Error> {
    let (owner, name) = split_repo(repo)?;
    client
        .patch(
            &format!("/repos/{owner}/{name}/issues/{number}"),
            &json!({ "body": body }),
        )
        .await
}

/// Which lists a request reads.
#[derive(Debug, Clone, Copy)]
struct Which {
    deployments: bool,
    issues: bool,
    recent: bool,
}

impl Which {
    const ALL: Which = Which {
        deployments: true,
        issues: true,
        recent: true,
    };
    const DEPLOYMENTS: Which = Which {
        deployments: true,
        issues: false,
        recent: false,
    };
    const ISSUES: Which = Which {
        deployments: false,
        issues: true,
        recent: false,
    };
}

async fn query(
    client: &Client,
    repo: &str,
    variables: Value,
    requests: &mut u32,
) -> Result<RepositoryAnswer, Error> {
    let answer: Answer = client
        .graphql_operation(INCIDENT_QUERY, Some("ShipgateIncident"), variables)
        .await?;
    *requests += 1;
    answer.repository.ok_or_else(|| {
        Error::GraphQl(format!(
            "repository {repo} not found or not visible to the token"
        ))
    })
}

fn missing(list: &str) -> Error {
    Error::GraphQl(format!("the answer lacks `{list}`"))
}

fn too_many_issues(label: &str) -> Error {
    Error::GraphQl(format!(
        "more than {} issues labelled {label:?} since the rolled-back deployment: cannot tell whether its incident issue exists, so none is opened",
        MAX_ISSUE_PAGES * 50
    ))
}

fn cursor(page: &PageInfo, list: &str) -> Result<String, Error> {
    page.end_cursor.clone().ok_or_else(|| {
        Error::GraphQl(format!(
            "the `{list}` page says it has a next page but gives no cursor"
        ))
    })
}

async fn add_deployments(
    client: &Client,
    owner: &str,
    name: &str,
    read: &mut IncidentRead,
    nodes: Vec<Option<DeploymentNode<PullNode>>>,
) -> Result<(), Error> {
    for node in nodes.into_iter().flatten() {
        let (mut deployment, pull, more) = node.into_parts()?;
        if more {
            // More than 100 statuses on one deployment: all of them over REST.
            let (all, requests) = all_statuses(client, owner, name, deployment.id).await?;
            read.requests += requests;
            deployment.statuses = all;
        }
        if let Some(pr) = pull {
            read.pull_requests.insert(
                deployment.id,
                PullRequestLink {
                    number: pr.number,
                    title: pr.title,
                },
            );
        }
        read.deployments.push(deployment);
    }
    Ok(())
}

#[derive(Deserialize)]
struct Answer {
    repository: Option<RepositoryAnswer>,
}

#[derive(Deserialize)]
struct RepositoryAnswer {
    #[serde(default)]
    deployments: Option<Connection<DeploymentNode<PullNode>>>,
    #[serde(default)]
    incidents: Option<Connection<IssueNode>>,
    #[serde(default)]
    recent: Option<Nodes<IssueNode>>,
}

/// The incident's view of a deployment's pull request: its number and title, for the issue.
#[derive(Deserialize)]
struct PullNode {
    number: u64,
    title: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueNode {
    number: u64,
    url: String,
    state: String,
    created_at: DateTime<Utc>,
    body: String,
    viewer_did_author: bool,
}

impl IssueNode {
    fn candidate(self, labelled: bool) -> IssueCandidate {
        IssueCandidate {
            number: self.number,
            url: self.url,
            open: self.state == "OPEN",
            body: self.body,
            viewer_did_author: self.viewer_did_author,
            labelled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_as_objects_or_names() {
        let issue: RestIssue = serde_json::from_value(json!({
            "number": 12,
            "html_url": "https://github.com/acme/shop/issues/12",
            "state": "open",
            "labels": [{"id": 1, "name": "shipgate:incident"}, "bug", {"id": 2}],
        }))
        .unwrap();
        assert!(issue.has_label("shipgate:incident"));
        assert!(issue.has_label("bug"));
        assert!(!issue.has_label("other"));
    }
}
