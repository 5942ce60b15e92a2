//! Issues: REST `POST /repos/{o}/{r}/issues` and `PATCH /repos/{o}/{r}/issues/{n}` with GitHub's
//! shapes, and the GraphQL operation `ShipgateIncident` (shipgate-github's `incident.graphql`):
//! an environment's deployments, the issues with a label and the newest issues, from the state.
//!
//! As GitHub does: an issue gets the next number shared with pull requests; its author is the
//! token's account; labels that do not exist are created (the fake keeps label names only) and
//! are dropped silently when the token may not set them (`Repo::labels_writable`); the GraphQL
//! `issues` connection leaves pull requests out, filters by every label given and by state, and
//! orders by creation time.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::graphql::statuses;
use crate::rest::{time, user, validation};
use crate::state::{Deployment, Issue, Repo};
use crate::Answer;

/// GitHub's limit on an issue body (characters).
const BODY_LIMIT: usize = 65_536;

/// A label as the REST `issue` shape holds it.
fn label_json(repo: &Repo, base: &str, name: &str) -> Value {
    let id = name
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 1_000_000_000;
    json!({
        "id": id,
        "node_id": format!("LA_{id}"),
        "url": format!("{base}/repos/{}/labels/{}", repo.full_name(), crate::rest::encode(name)),
        "name": name,
        "description": null,
        "color": "ededed",
        "default": false,
    })
}

/// An `issue` with every property GitHub's description requires.
pub(crate) fn issue_json(repo: &Repo, base: &str, issue: &Issue) -> Value {
    let api = format!("{base}/repos/{}", repo.full_name());
    let number = issue.number;
    json!({
        "id": 900_000 + number,
        "node_id": format!("I_{number}"),
        "url": format!("{api}/issues/{number}"),
        "repository_url": api,
        "labels_url": format!("{api}/issues/{number}/labels{{/name}}"),
        "comments_url": format!("{api}/issues/{number}/comments"),
        "events_url": format!("{api}/issues/{number}/events"),
        "html_url": html_url(repo, number),
        "number": number,
        "state": issue.state,
        "state_reason": if issue.state == "closed" { json!("completed") } else { Value::Null },
        "title": issue.title,
        "body": issue.body,
        "user": user(&issue.author),
        "labels": issue.labels.iter().map(|l| label_json(repo, base, l)).collect::<Vec<_>>(),
        "assignee": null,
        "assignees": [],
        "milestone": null,
        "locked": false,
        "comments": 0,
        "closed_at": issue.closed_at.map(time),
        "created_at": time(issue.created_at),
        "updated_at": time(issue.updated_at),
        "author_association": "NONE",
    })
}

fn html_url(repo: &Repo, number: u64) -> String {
    format!("https://github.com/{}/issues/{number}", repo.full_name())
}

/// The label names of a request's `labels` (strings or objects with a `name`).
fn label_names(body: &Value) -> Result<Option<Vec<String>>, Answer> {
    let Some(labels) = body.get("labels") else {
        return Ok(None);
    };
    let Some(items) = labels.as_array() else {
        return Err(validation("labels must be an array", "labels"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(name) => Ok(name.clone()),
            Value::Object(o) => o
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| validation("a label needs a name", "labels")),
            _ => Err(validation("labels are names", "labels")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn text_body(body: &Value) -> Result<Option<String>, Answer> {
    match body.get("body") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.chars().count() > BODY_LIMIT => Err(validation(
            "body is too long (maximum is 65536 characters)",
            "body",
        )),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(validation("body must be a string", "body")),
    }
}

/// `POST /repos/{o}/{r}/issues`.
pub(crate) fn create(repo: &mut Repo, base: &str, body: &Value, now: DateTime<Utc>) -> Answer {
    let title = match body.get("title") {
        Some(Value::String(t)) if !t.trim().is_empty() => t.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return validation("title is required", "title"),
    };
    let text = match text_body(body) {
        Ok(text) => text.unwrap_or_default(),
        Err(answer) => return answer,
    };
    let labels = match label_names(body) {
        Ok(labels) => labels.unwrap_or_default(),
        Err(answer) => return answer,
    };
    let mut kept: Vec<String> = Vec::new();
    if repo.labels_writable {
        for label in labels {
            if !kept.contains(&label) {
                kept.push(label);
            }
        }
    }
    let issue = Issue {
        number: repo.next_issue_number(),
        title,
        body: text,
        labels: kept,
        state: "open".into(),
        author: repo.viewer.clone(),
        created_at: now,
        updated_at: now,
        closed_at: None,
    };
    repo.issues.push(issue.clone());
    let location = format!("{base}/repos/{}/issues/{}", repo.full_name(), issue.number);
    Answer::json(201, &issue_json(repo, base, &issue)).header("location", location)
}

/// `PATCH /repos/{o}/{r}/issues/{n}`: `title`, `body`, `state`, `labels`.
pub(crate) fn update(
    repo: &mut Repo,
    base: &str,
    number: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Answer {
    let number: u64 = number.parse().unwrap_or(0);
    let text = match text_body(body) {
        Ok(text) => text,
        Err(answer) => return answer,
    };
    let labels = match label_names(body) {
        Ok(labels) => labels,
        Err(answer) => return answer,
    };
    let state = match body.get("state").and_then(Value::as_str) {
        None => None,
        Some(s @ ("open" | "closed")) => Some(s.to_string()),
        Some(_) => return validation("state is open or closed", "state"),
    };
    let writable = repo.labels_writable;
    let Some(issue) = repo.issues.iter_mut().find(|i| i.number == number) else {
        return Answer::error(404, "Not Found");
    };
    if let Some(title) = body.get("title").and_then(Value::as_str) {
        issue.title = title.to_string();
    }
    if let Some(text) = text {
        issue.body = text;
    }
    if let (Some(labels), true) = (labels, writable) {
        issue.labels = labels;
    }
    if let Some(state) = state {
        issue.closed_at = (state == "closed").then_some(now);
        issue.state = state;
    }
    issue.updated_at = now;
    let issue = issue.clone();
    Answer::json(200, &issue_json(repo, base, &issue))
}

// ---- GraphQL --------------------------------------------------------------------------------

/// The issues page size shipgate asks for (`first: 50`).
const ISSUE_PAGE: usize = 50;

fn var<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

fn flag(v: &Value, name: &str) -> bool {
    v.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// A page of `items` of `size` from a cursor (`c:INDEX` of the last item seen).
fn page(items: Vec<Value>, after: Option<&str>, size: usize) -> (Vec<Value>, Value) {
    let start = after
        .and_then(|c| c.strip_prefix("c:"))
        .and_then(|i| i.parse::<usize>().ok())
        .map_or(0, |i| i + 1);
    let total = items.len();
    let nodes: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    let end = start + nodes.len();
    let info = json!({
        "hasNextPage": end < total,
        "endCursor": if nodes.is_empty() { Value::Null } else { json!(format!("c:{}", end - 1)) },
    });
    (nodes, info)
}

/// The `ShipgateIncidentIssue` fragment.
fn issue_node(repo: &Repo, issue: &Issue) -> Value {
    json!({
        "number": issue.number,
        "url": html_url(repo, issue.number),
        "state": issue.state.to_ascii_uppercase(),
        "createdAt": time(issue.created_at),
        "body": issue.body,
        "viewerDidAuthor": issue.author == repo.viewer,
    })
}

/// Issues newest first (`orderBy: {field: CREATED_AT, direction: DESC}`), with `label` when
/// given.
fn issues_newest_first<'a>(repo: &'a Repo, label: Option<&str>) -> Vec<&'a Issue> {
    let mut issues: Vec<&Issue> = repo
        .issues
        .iter()
        .filter(|i| label.is_none_or(|l| i.labels.iter().any(|x| x == l)))
        .collect();
    issues.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.number)));
    issues
}

/// A deployment as `incident.graphql` selects it.
fn deployment_node(repo: &Repo, d: &Deployment) -> Value {
    let mut statuses = statuses(d, None, false);
    statuses["pageInfo"]
        .as_object_mut()
        .expect("page info")
        .remove("endCursor");
    let pulls: Vec<Value> = repo
        .pulls
        .iter()
        .filter(|p| p.head_sha == d.sha)
        .take(1)
        .map(|p| json!({ "number": p.number, "title": p.title }))
        .collect();
    json!({
        "databaseId": d.id,
        "commitOid": d.sha,
        "createdAt": time(d.created_at),
        "payload": d.payload.to_string(),
        "creator": { "login": d.creator },
        "statuses": statuses,
        "commit": { "associatedPullRequests": { "nodes": pulls } },
    })
}

/// The answer's `data` for `ShipgateIncident`.
pub(crate) fn incident(repo: &Repo, v: &Value) -> Result<Value, String> {
    let missing = |name: &str| format!("Variable ${name} of type String! was not provided.");
    let label = var(v, "label").ok_or_else(|| missing("label"))?;
    let environment = var(v, "environment").ok_or_else(|| missing("environment"))?;
    let mut object = serde_json::Map::new();
    if flag(v, "deployments") {
        let mut sorted: Vec<&Deployment> = repo
            .deployments
            .iter()
            .filter(|d| d.environment == environment)
            .collect();
        sorted.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.id)));
        let items = sorted
            .into_iter()
            .map(|d| deployment_node(repo, d))
            .collect();
        let (nodes, info) = page(items, var(v, "deploymentsAfter"), 100);
        object.insert(
            "deployments".into(),
            json!({ "pageInfo": info, "nodes": nodes }),
        );
    }
    if flag(v, "issues") {
        let items = issues_newest_first(repo, Some(label))
            .into_iter()
            .map(|i| issue_node(repo, i))
            .collect();
        let (nodes, info) = page(items, var(v, "issuesAfter"), ISSUE_PAGE);
        object.insert(
            "incidents".into(),
            json!({ "pageInfo": info, "nodes": nodes }),
        );
    }
    if flag(v, "recent") {
        let items = issues_newest_first(repo, None)
            .into_iter()
            .map(|i| issue_node(repo, i))
            .collect();
        let (nodes, _) = page(items, None, ISSUE_PAGE);
        object.insert("recent".into(), json!({ "nodes": nodes }));
    }
    Ok(json!({ "repository": object }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> Repo {
        let mut repo = Repo::new("acme", "shop");
        repo.pulls.push(crate::state::Pull {
            number: 7,
            ..Default::default()
        });
        repo
    }

    #[test]
    fn an_issue_gets_the_next_number_and_keeps_or_drops_its_labels() {
        let mut repo = repo();
        let now = Utc::now();
        let answer = create(
            &mut repo,
            "http://x",
            &json!({"title": "t", "body": "b", "labels": ["shipgate:incident", {"name": "bug"}]}),
            now,
        );
        assert_eq!(answer.status, 201);
        assert_eq!(repo.issues[0].number, 8);
        assert_eq!(repo.issues[0].labels, ["shipgate:incident", "bug"]);
        assert_eq!(repo.issues[0].author, "github-actions[bot]");
        repo.labels_writable = false;
        create(
            &mut repo,
            "http://x",
            &json!({"title": "u", "labels": ["x"]}),
            now,
        );
        assert_eq!(repo.issues[1].number, 9);
        assert!(repo.issues[1].labels.is_empty());
        assert_eq!(
            create(&mut repo, "http://x", &json!({"body": "b"}), now).status,
            422
        );
        let patched = update(&mut repo, "http://x", "8", &json!({"body": "new"}), now);
        assert_eq!(patched.status, 200);
        assert_eq!(repo.issues[0].body, "new");
        assert_eq!(repo.issues[0].title, "t");
        assert_eq!(
            update(&mut repo, "http://x", "7", &json!({"body": "x"}), now).status,
            404
        );
    }

    #[test]
    fn the_graphql_lists_filter_order_and_page() {
        let mut repo = repo();
        let t0: DateTime<Utc> = "2026-11-27T12:00:00Z".parse().unwrap();
        for n in 0..60 {
            repo.issues.push(Issue {
                number: 100 + n,
                labels: if n % 2 == 0 {
                    vec!["inc".into()]
                } else {
                    vec![]
                },
                author: if n == 0 {
                    "mallory".into()
                } else {
                    repo.viewer.clone()
                },
                created_at: t0 + chrono::Duration::minutes(n as i64),
                ..Default::default()
            });
        }
        let v = json!({"label": "inc", "environment": "production", "deployments": false, "issues": true, "recent": true});
        let data = incident(&repo, &v).unwrap();
        let labelled = data["repository"]["incidents"]["nodes"].as_array().unwrap();
        assert_eq!(labelled.len(), 30);
        assert_eq!(labelled[0]["number"], 158);
        assert_eq!(labelled[29]["number"], 100);
        assert_eq!(labelled[29]["viewerDidAuthor"], false);
        assert_eq!(
            data["repository"]["incidents"]["pageInfo"]["hasNextPage"],
            false
        );
        let recent = data["repository"]["recent"]["nodes"].as_array().unwrap();
        assert_eq!(recent.len(), 50);
        assert_eq!(recent[0]["number"], 159);
        assert!(data["repository"].get("deployments").is_none());
    }
}
