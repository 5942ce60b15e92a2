//! GraphQL: answers shipgate's known documents from the state — not a general GraphQL engine.
//!
//! The operation is taken from `operationName` (or the document's only `query NAME`), and the
//! answer is built to mirror that operation's selection set exactly (aliases included), honouring
//! the variables (`@include(if:)` flags, environments, `first`/`after`/`before` paging). The
//! answers are checked against GitHub's schema by the tests (`graphql-check.mjs manifest`), so a
//! drift between this module and shipgate's documents or GitHub's shapes fails there.
//!
//! Known operations: `PullRequestFacts`, `OpenPullRequestFacts`, `OpenPullRequestsMore`,
//! `PullRequestMore`, `RepositoryMore`, `DeploymentStatusesMore`, `MergeGroupFacts`,
//! `CommitFacts` (shipgate-github's `facts.graphql`), `ShipgateDeploymentHistory` (`history.graphql`)
//! and `ShipgateIncident` (`incident.graphql`, answered by [`crate::issues`]). Anything else gets
//! GitHub's error shape (`errors` with a message, no `data`).

use serde_json::{json, Map, Value};

use crate::rest::time;
use crate::state::{Deployment, Pull, Repo};
use crate::{Answer, GraphqlExchange, Inner};

/// The page size of every connection shipgate asks for (`first: 100` / `last: 100`).
const PAGE: usize = 100;

/// The repository a GraphQL request concerns, from its variables (`owner`/`name`, or a node id
/// the fake made).
pub(crate) fn repo_of_request(body: &str) -> Option<String> {
    let request: Value = serde_json::from_str(body).ok()?;
    let variables = request.get("variables")?;
    if let (Some(owner), Some(name)) = (
        variables.get("owner").and_then(Value::as_str),
        variables.get("name").and_then(Value::as_str),
    ) {
        return Some(format!("{owner}/{name}"));
    }
    let id = variables.get("id").and_then(Value::as_str)?;
    parse_node_id(id).map(|(repo, _, _)| repo)
}

/// `KIND:owner/name:number`.
fn node_id(kind: &str, repo: &Repo, number: u64) -> String {
    format!("{kind}:{}:{number}", repo.full_name())
}

fn parse_node_id(id: &str) -> Option<(String, String, u64)> {
    let mut parts = id.splitn(3, ':');
    let kind = parts.next()?.to_string();
    let repo = parts.next()?.to_string();
    let number = parts.next()?.parse().ok()?;
    Some((repo, kind, number))
}

/// The operation a GraphQL request's body names (for faults that target one operation).
pub(crate) fn operation_of_request(body: &str) -> Option<String> {
    operation_name(&serde_json::from_str(body).ok()?)
}

/// The operation a request names.
fn operation_name(request: &Value) -> Option<String> {
    if let Some(name) = request.get("operationName").and_then(Value::as_str) {
        return Some(name.to_string());
    }
    let query = request.get("query").and_then(Value::as_str)?;
    let mut names = query.lines().filter_map(|line| {
        let rest = line.trim_start().strip_prefix("query ")?;
        Some(
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()?
                .to_string(),
        )
    });
    let first = names.next()?;
    names.next().is_none().then_some(first)
}

/// Answers a GraphQL request; with `fault`, an answer with `errors` and partial data. The
/// exchange is logged for the schema check.
pub(crate) fn answer(inner: &mut Inner, body: &str, fault: Option<&str>) -> Answer {
    let request: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => {
            return Answer::json(
                400,
                &json!({ "message": "Problems parsing JSON", "documentation_url": crate::DOCS }),
            )
        }
    };
    let variables = request.get("variables").cloned().unwrap_or(json!({}));
    let document = request
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let operation = operation_name(&request).unwrap_or_default();
    let repo_name = repo_of_request(body);
    let repo = repo_name.as_ref().and_then(|n| inner.repos.get(n));
    let data = match repo {
        None => Err(format!(
            "Could not resolve to a Repository with the name '{}'.",
            repo_name.clone().unwrap_or_default()
        )),
        Some(repo) => build(repo, &operation, &variables).map(|mut data| {
            // The token's account, for the operations that ask for it.
            if matches!(
                operation.as_str(),
                "PullRequestFacts" | "OpenPullRequestFacts" | "MergeGroupFacts"
            ) {
                data["viewer"] = json!({ "login": repo.viewer });
            }
            // `node` is an interface: GitHub sends `__typename` only when it is asked for.
            if node_selects_typename(&single_operation(&document, &operation)) {
                let kind = match operation.as_str() {
                    "PullRequestMore" => "PullRequest",
                    _ => "Deployment",
                };
                if let Some(node) = data.get_mut("node").and_then(Value::as_object_mut) {
                    node.insert("__typename".into(), json!(kind));
                }
            }
            data
        }),
    };
    let answer = match (data, fault) {
        (Ok(data), None) => json!({ "data": data }),
        (Ok(mut data), Some(message)) => {
            // Partial data: the first nullable object under the root set to null, as GitHub
            // does for a field that failed.
            let path = partial(&mut data);
            json!({
                "data": data,
                "errors": [{
                    "type": "SERVICE_UNAVAILABLE",
                    "path": path,
                    "locations": [{ "line": 1, "column": 1 }],
                    "message": message,
                }],
            })
        }
        (Err(message), _) => json!({
            "data": { "repository": null },
            "errors": [{
                "type": "NOT_FOUND",
                "path": ["repository"],
                "locations": [{ "line": 1, "column": 1 }],
                "message": message,
            }],
        }),
    };
    inner.graphql.push(GraphqlExchange {
        repo: repo_name,
        operation,
        document,
        variables,
        answer: answer.clone(),
    });
    Answer::json(200, &answer)
}

/// Nulls the first nullable object under the root and returns its path.
fn partial(data: &mut Value) -> Vec<Value> {
    if let Some(repository) = data.get_mut("repository").and_then(Value::as_object_mut) {
        for key in ["pullRequest", "config", "production"] {
            if repository.contains_key(key) && key != "production" {
                repository.insert(key.into(), Value::Null);
                return vec!["repository".into(), key.into()];
            }
        }
        data["repository"] = Value::Null;
        return vec!["repository".into()];
    }
    if data.get("node").is_some() {
        data["node"] = Value::Null;
        return vec!["node".into()];
    }
    vec![]
}

fn var<'a>(variables: &'a Value, name: &str) -> Option<&'a str> {
    variables.get(name).and_then(Value::as_str)
}

fn flag(variables: &Value, name: &str) -> bool {
    variables
        .get(name)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn build(repo: &Repo, operation: &str, v: &Value) -> Result<Value, String> {
    let missing = |name: &str| format!("Variable ${name} of type String! was not provided.");
    Ok(match operation {
        "PullRequestFacts" => {
            let number = v
                .get("number")
                .and_then(Value::as_u64)
                .ok_or_else(|| missing("number"))?;
            let mut object = repository_fragment(repo, v)?;
            let pr = repo
                .pulls
                .iter()
                .find(|p| p.number == number)
                .map(|p| pull_request(repo, p, var(v, "checkName").unwrap_or_default()));
            object.insert("pullRequest".into(), pr.unwrap_or(Value::Null));
            json!({ "repository": Value::Object(reorder(object, &["pullRequest"])) })
        }
        "OpenPullRequestFacts" => {
            let base = var(v, "base").ok_or_else(|| missing("base"))?;
            let mut object = repository_fragment(repo, v)?;
            let check_name = var(v, "checkName").unwrap_or_default();
            object.insert(
                "pullRequests".into(),
                open_pulls(repo, base, None, check_name),
            );
            json!({ "repository": Value::Object(reorder(object, &["pullRequests"])) })
        }
        "OpenPullRequestsMore" => {
            let base = var(v, "base").ok_or_else(|| missing("base"))?;
            let check_name = var(v, "checkName").unwrap_or_default();
            json!({ "repository": { "pullRequests": open_pulls(repo, base, var(v, "after"), check_name) } })
        }
        "PullRequestMore" => {
            let id = var(v, "id").ok_or_else(|| missing("id"))?;
            let pr = parse_node_id(id)
                .filter(|(_, kind, _)| kind == "PR")
                .and_then(|(_, _, n)| repo.pulls.iter().find(|p| p.number == n));
            let Some(pr) = pr else {
                return Ok(json!({ "node": null }));
            };
            let mut node = Map::new();
            if flag(v, "files") {
                node.insert("files".into(), files(pr, var(v, "filesAfter")));
            }
            if flag(v, "commits") {
                node.insert("commits".into(), commits(pr, var(v, "commitsAfter")));
            }
            if flag(v, "reviews") {
                node.insert("reviews".into(), reviews(pr, var(v, "reviewsAfter")));
            }
            if flag(v, "comments") {
                node.insert(
                    "comments".into(),
                    comments(repo, pr, var(v, "commentsBefore")),
                );
            }
            if flag(v, "contexts") {
                let rollup = rollup(repo, pr, var(v, "contextsAfter"), false);
                node.insert("statusCheckRollup".into(), rollup);
            }
            json!({ "node": node })
        }
        "RepositoryMore" => {
            let mut object = Map::new();
            if flag(v, "tags") {
                object.insert("refs".into(), tags(repo, var(v, "tagsAfter")));
            }
            if flag(v, "releases") {
                object.insert("releases".into(), releases(repo, var(v, "releasesAfter")));
            }
            if flag(v, "staging") {
                let env =
                    var(v, "stagingEnvironment").ok_or_else(|| missing("stagingEnvironment"))?;
                object.insert(
                    "staging".into(),
                    deployments(repo, env, var(v, "stagingAfter"), false),
                );
            }
            if flag(v, "production") {
                let env = var(v, "productionEnvironment")
                    .ok_or_else(|| missing("productionEnvironment"))?;
                object.insert(
                    "production".into(),
                    deployments(repo, env, var(v, "productionAfter"), false),
                );
            }
            json!({ "repository": object })
        }
        "DeploymentStatusesMore" => {
            let id = var(v, "id").ok_or_else(|| missing("id"))?;
            let deployment = parse_node_id(id)
                .filter(|(_, kind, _)| kind == "DE")
                .and_then(|(_, _, n)| repo.deployments.iter().find(|d| d.id == n));
            match deployment {
                Some(d) => json!({ "node": { "statuses": statuses(d, var(v, "after"), true) } }),
                None => json!({ "node": null }),
            }
        }
        "MergeGroupFacts" => {
            let base = var(v, "base").ok_or_else(|| missing("base"))?;
            let head = var(v, "head").ok_or_else(|| missing("head"))?;
            let check_name = var(v, "checkName").unwrap_or_default();
            let mut object = repository_fragment(repo, v)?;
            object.insert("mergeQueue".into(), merge_queue(repo, base, check_name));
            object.insert("group".into(), commit_checks(repo, head, check_name));
            json!({ "repository": Value::Object(reorder(object, &["mergeQueue", "group"])) })
        }
        "CommitFacts" => {
            let sha = var(v, "sha").ok_or_else(|| missing("sha"))?;
            let check_name = var(v, "checkName").unwrap_or_default();
            let mut object = repository_fragment(repo, v)?;
            object.insert("commit".into(), commit_facts(repo, sha, check_name));
            let queue = (repo.has_merge_queue() && var(v, "base") == Some(&repo.default_branch))
                .then(|| json!({ "id": format!("MQ_{}", repo.name) }));
            object.insert("mergeQueue".into(), queue.unwrap_or(Value::Null));
            json!({ "repository": Value::Object(reorder(object, &["commit"])) })
        }
        "ShipgateDeploymentHistory" => {
            let env = var(v, "environment").ok_or_else(|| missing("environment"))?;
            json!({ "repository": { "deployments": deployments(repo, env, var(v, "after"), true) } })
        }
        "ShipgateIncident" => crate::issues::incident(repo, v)?,
        other => {
            return Err(format!(
                "the fake GitHub does not know the operation {other:?}"
            ))
        }
    })
}

/// Moves `first` keys to the front (the document selects them before the fragment's fields;
/// JSON key order does not matter to the schema check, but it keeps logs readable).
fn reorder(object: Map<String, Value>, first: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    for key in first {
        if let Some(v) = object.get(*key) {
            out.insert((*key).into(), v.clone());
        }
    }
    for (k, v) in object {
        if !first.contains(&k.as_str()) {
            out.insert(k, v);
        }
    }
    out
}

/// A page of `items` from a cursor (`c:INDEX` of the last item seen).
fn forward_page(items: Vec<Value>, after: Option<&str>) -> Value {
    let start = after
        .and_then(|c| c.strip_prefix("c:"))
        .and_then(|i| i.parse::<usize>().ok())
        .map_or(0, |i| i + 1);
    let total = items.len();
    let nodes: Vec<Value> = items.into_iter().skip(start).take(PAGE).collect();
    let end = start + nodes.len();
    json!({
        "pageInfo": {
            "hasNextPage": end < total,
            "endCursor": if nodes.is_empty() { Value::Null } else { json!(format!("c:{}", end - 1)) },
        },
        "nodes": nodes,
    })
}

/// The `ShipgateRepository` fragment.
fn repository_fragment(repo: &Repo, v: &Value) -> Result<Map<String, Value>, String> {
    let staging = var(v, "stagingEnvironment").ok_or("Variable $stagingEnvironment missing")?;
    let production =
        var(v, "productionEnvironment").ok_or("Variable $productionEnvironment missing")?;
    let expression = var(v, "config").ok_or("Variable $config missing")?;
    let mut object = Map::new();
    object.insert("refs".into(), tags(repo, None));
    object.insert("releases".into(), releases(repo, None));
    object.insert("staging".into(), deployments(repo, staging, None, false));
    object.insert(
        "production".into(),
        deployments(repo, production, None, false),
    );
    object.insert("recent".into(), recent_environments(repo));
    object.insert("config".into(), config(repo, expression));
    Ok(object)
}

/// `recent: deployments(first: 100, orderBy: CREATED_AT DESC) { nodes { environment } }`.
fn recent_environments(repo: &Repo) -> Value {
    let mut newest: Vec<&Deployment> = repo.deployments.iter().collect();
    newest.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.id)));
    let nodes: Vec<Value> = newest
        .iter()
        .take(PAGE)
        .map(|d| json!({ "environment": d.environment }))
        .collect();
    json!({ "nodes": nodes })
}

fn config(repo: &Repo, expression: &str) -> Value {
    // Like GitHub, only a fully qualified branch is a branch here: an unqualified name could
    // resolve to a tag, and shipgate must never ask for one.
    let Some((branch, path)) = expression
        .split_once(':')
        .and_then(|(rev, path)| Some((rev.strip_prefix("refs/heads/")?, path)))
    else {
        return Value::Null;
    };
    match repo
        .files
        .iter()
        .find(|f| f.branch == branch && f.path == path)
    {
        Some(file) => json!({
            "__typename": "Blob",
            "text": file.text,
            "isTruncated": false,
            "isBinary": false,
        }),
        None => Value::Null,
    }
}

fn tags(repo: &Repo, after: Option<&str>) -> Value {
    let mut sorted: Vec<_> = repo.tags.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let items = sorted
        .into_iter()
        .map(|tag| {
            let target = match &tag.annotated {
                Some(object) => json!({
                    "__typename": "Tag",
                    "oid": object.sha,
                    "tagger": { "name": object.tagger, "date": time(object.date) },
                    "target": { "__typename": "Commit", "oid": tag.commit },
                }),
                None => json!({ "__typename": "Commit", "oid": tag.commit }),
            };
            json!({ "name": tag.name, "target": target })
        })
        .collect();
    forward_page(items, after)
}

fn releases(repo: &Repo, after: Option<&str>) -> Value {
    let mut sorted: Vec<_> = repo.releases.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    let items = sorted
        .into_iter()
        .map(|r| {
            json!({
                "tagName": r.tag_name,
                "isDraft": r.draft,
                "isPrerelease": r.prerelease,
                "publishedAt": r.published_at.map(time),
            })
        })
        .collect();
    forward_page(items, after)
}

fn deployment_state(state: &str) -> String {
    state.to_ascii_uppercase()
}

pub(crate) fn statuses(d: &Deployment, after: Option<&str>, with_creator: bool) -> Value {
    // GitHub lists a deployment's statuses newest first.
    let items = d
        .statuses
        .iter()
        .rev()
        .map(|s| {
            let mut status = json!({
                "state": deployment_state(&s.state),
                "createdAt": time(s.created_at),
                "description": s.description,
            });
            if with_creator {
                status["creator"] = login_actor(s.creator.as_deref().unwrap_or(&d.creator));
            }
            status
        })
        .collect();
    forward_page(items, after)
}

/// An `Actor` as GraphQL names it: a `[bot]` login is a `Bot` without the suffix.
fn login_actor(login: &str) -> Value {
    match login.strip_suffix("[bot]") {
        Some(bot) => actor(bot, true),
        None => actor(login, false),
    }
}

/// An environment's deployments, newest first; `history` selects `ShipgateDeploymentHistory`'s
/// fields instead of the `ShipgateDeployments` fragment's.
fn deployments(repo: &Repo, environment: &str, after: Option<&str>, history: bool) -> Value {
    let mut sorted: Vec<&Deployment> = repo
        .deployments
        .iter()
        .filter(|d| d.environment == environment)
        .collect();
    sorted.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.id)));
    let items = sorted
        .into_iter()
        .map(|d| {
            if history {
                let mut page = statuses(d, None, false);
                page["pageInfo"]
                    .as_object_mut()
                    .expect("page info")
                    .remove("endCursor");
                let pulls: Vec<Value> = repo
                    .pulls
                    .iter()
                    .filter(|p| p.head_sha == d.sha)
                    .take(1)
                    .map(|p| {
                        // The state keeps one date per commit (its committer date): it answers
                        // for the author date too; a commit the state does not hold is dated
                        // at the PR's creation.
                        let date = |sha: &str| {
                            let at = repo.commit(sha).map_or(p.created_at, |c| c.committed_date);
                            json!({ "nodes": [ { "commit": { "authoredDate": time(at) } } ] })
                        };
                        let list = p.commit_list();
                        let first = list.first().map_or(p.head_sha.as_str(), |c| c.sha.as_str());
                        json!({ "commits": date(first), "head": date(&p.head_sha) })
                    })
                    .collect();
                json!({
                    "databaseId": d.id,
                    "commitOid": d.sha,
                    "createdAt": time(d.created_at),
                    "payload": d.payload.to_string(),
                    "creator": { "login": d.creator },
                    "statuses": page,
                    "commit": { "associatedPullRequests": { "nodes": pulls } },
                })
            } else {
                json!({
                    "id": node_id("DE", repo, d.id),
                    "databaseId": d.id,
                    "environment": d.environment,
                    "ref": if d.git_ref.is_empty() || d.git_ref == d.sha { Value::Null } else { json!({ "name": d.git_ref }) },
                    "commitOid": d.sha,
                    "createdAt": time(d.created_at),
                    "creator": login_actor(&d.creator),
                    "statuses": statuses(d, None, true),
                })
            }
        })
        .collect();
    forward_page(items, after)
}

fn open_pulls(repo: &Repo, base: &str, after: Option<&str>, check_name: &str) -> Value {
    let mut open: Vec<&Pull> = repo
        .pulls
        .iter()
        .filter(|p| p.state == "open" && p.base_ref == base)
        .collect();
    open.sort_by_key(|p| (p.created_at, p.number));
    let items = open
        .into_iter()
        .map(|p| pull_request(repo, p, check_name))
        .collect();
    forward_page(items, after)
}

fn actor(login: &str, bot: bool) -> Value {
    json!({ "__typename": if bot { "Bot" } else { "User" }, "login": login })
}

/// The `ShipgatePullRequest` fragment; `check_name` selects the runs of `head`.
fn pull_request(repo: &Repo, pr: &Pull, check_name: &str) -> Value {
    json!({
        "id": node_id("PR", repo, pr.number),
        "number": pr.number,
        "title": pr.title,
        "body": pr.body,
        "isDraft": pr.draft,
        "isCrossRepository": pr.from_fork,
        "headRefName": pr.head_ref,
        "headRefOid": pr.head_sha,
        "baseRefName": pr.base_ref,
        "author": actor(&pr.author.login, pr.author.bot),
        "files": files(pr, None),
        "commits": commits(pr, None),
        "head": head(repo, pr, check_name),
        "reviews": reviews(pr, None),
        "comments": comments(repo, pr, None),
        "statusCheckRollup": rollup(repo, pr, None, true),
    })
}

/// The PR's commits (`ShipgateCommits`), with the accounts linked to them.
fn commits(pr: &Pull, after: Option<&str>) -> Value {
    let user = |login: &Option<String>| match login {
        Some(login) => json!({ "user": { "login": login } }),
        None => json!({ "user": null }),
    };
    let list = pr.commit_list();
    let total = list.len();
    let items = list
        .iter()
        .map(|c| {
            let authors: Vec<Value> = std::iter::once(user(&c.author))
                .chain(c.co_authors.iter().map(|a| user(&Some(a.clone()))))
                .collect();
            json!({ "commit": {
                "oid": c.sha,
                "author": user(&c.author),
                "committer": user(&c.committer),
                "authors": { "nodes": authors },
            } })
        })
        .collect();
    let mut page = forward_page(items, after);
    page["totalCount"] = json!(total);
    page
}

/// `head: commits(last: 1)`: the head commit's check suites (one per app that reported on
/// it), each with its newest run named `check_name`.
fn head(repo: &Repo, pr: &Pull, check_name: &str) -> Value {
    json!({ "nodes": [ { "commit": {
        "oid": pr.head_sha,
        "checkSuites": check_suites(repo, &pr.head_sha, check_name),
    } } ] })
}

/// A commit's check suites (one per app that reported on it), each with its newest run named
/// `check_name`.
fn check_suites(repo: &Repo, sha: &str, check_name: &str) -> Value {
    let mut suites: Vec<(String, Vec<Value>)> = Vec::new();
    if let Some(commit) = repo.commit(sha) {
        for run in &commit.check_runs {
            let position = match suites.iter().position(|(app, _)| *app == run.app) {
                Some(p) => p,
                None => {
                    suites.push((run.app.clone(), Vec::new()));
                    suites.len() - 1
                }
            };
            if run.name == check_name {
                let newest = commit
                    .check_runs
                    .iter()
                    .filter(|r| r.app == run.app && r.name == check_name)
                    .max_by_key(|r| r.id)
                    .is_some_and(|r| r.id == run.id);
                if newest {
                    suites[position].1.push(json!({
                        "databaseId": run.id,
                        "name": run.name,
                        "status": check_state(&run.status),
                        "conclusion": run.conclusion.as_deref().map(check_state),
                        "startedAt": run.started_at.map(time),
                        "completedAt": run.completed_at.map(time),
                        "externalId": run.external_id,
                        "title": run.title,
                        "summary": run.summary,
                        "text": run.text,
                    }));
                }
            }
        }
    }
    let nodes: Vec<Value> = suites
        .into_iter()
        .map(|(app, runs)| {
            json!({
                "app": if app.is_empty() { Value::Null } else { json!({ "slug": app }) },
                "checkRuns": { "nodes": runs },
            })
        })
        .collect();
    json!({ "nodes": nodes })
}

/// The `ShipgateCommitChecks` fragment on a commit object; `null` for an unknown commit.
fn commit_checks(repo: &Repo, sha: &str, check_name: &str) -> Value {
    let Some(commit) = repo.commit(sha) else {
        return Value::Null;
    };
    let rollup = contexts(repo, sha, None).map_or(Value::Null, |c| json!({ "contexts": c }));
    json!({
        "__typename": "Commit",
        "oid": commit.sha,
        "statusCheckRollup": rollup,
        "checkSuites": check_suites(repo, sha, check_name),
    })
}

/// `mergeQueue(branch:)`: the queue's entries, first first; `null` for another branch (only
/// the default branch has a queue here).
fn merge_queue(repo: &Repo, branch: &str, check_name: &str) -> Value {
    if branch != repo.default_branch {
        return Value::Null;
    }
    let items = repo
        .merge_queue
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let pr = repo.pulls.iter().find(|p| p.number == entry.pull);
            json!({
                "position": i + 1,
                "state": entry.state,
                "headCommit": entry.head_sha.as_ref().map(|sha| json!({ "oid": sha })),
                "pullRequest": pr.map(|p| pull_request(repo, p, check_name)),
            })
        })
        .collect();
    json!({ "entries": forward_page(items, None) })
}

/// The `CommitFacts` commit: its parents and the pull requests GitHub associates with it (those
/// it was merged by, and those that contain it).
fn commit_facts(repo: &Repo, sha: &str, check_name: &str) -> Value {
    let Some(commit) = repo.commit(sha) else {
        return Value::Null;
    };
    let parents: Vec<Value> = commit.parents.iter().map(|p| json!({ "oid": p })).collect();
    let associated: Vec<Value> = repo
        .pulls
        .iter()
        .filter(|p| {
            p.merge_commit
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(sha))
                || p.commit_list()
                    .iter()
                    .any(|c| c.sha.eq_ignore_ascii_case(sha))
        })
        .take(10)
        .map(|p| {
            let mut object = pull_request(repo, p, check_name);
            object["merged"] = json!(p.merged);
            object["mergeCommit"] = p
                .merge_commit
                .as_ref()
                .map_or(Value::Null, |m| json!({ "oid": m }));
            object["headTree"] = json!({
                "nodes": [{ "commit": { "oid": p.head_sha, "tree": { "oid": repo.tree_of(&p.head_sha) } } }]
            });
            object
        })
        .collect();
    json!({
        "__typename": "Commit",
        "oid": commit.sha,
        "tree": { "oid": repo.tree_of(&commit.sha) },
        "parents": { "nodes": parents },
        "associatedPullRequests": { "nodes": associated },
    })
}

fn files(pr: &Pull, after: Option<&str>) -> Value {
    let items = pr.files.iter().map(|f| json!({ "path": f })).collect();
    forward_page(items, after)
}

fn reviews(pr: &Pull, after: Option<&str>) -> Value {
    let items = pr
        .reviews
        .iter()
        .map(|r| {
            json!({
                "author": actor(&r.author.login, r.author.bot),
                "authorCanPushToRepository": r.can_push,
                "state": r.state.to_ascii_uppercase(),
                "submittedAt": r.submitted_at.map(time),
                "commit": if r.commit.is_empty() { Value::Null } else { json!({ "oid": r.commit }) },
            })
        })
        .collect();
    forward_page(items, after)
}

/// `comments(last: 100, before:)`: the newest 100 before the cursor, oldest first.
fn comments(repo: &Repo, pr: &Pull, before: Option<&str>) -> Value {
    let all: Vec<_> = repo
        .comments
        .iter()
        .filter(|c| c.issue == pr.number)
        .collect();
    let end = before
        .and_then(|c| c.strip_prefix("c:"))
        .and_then(|i| i.parse::<usize>().ok())
        .unwrap_or(all.len())
        .min(all.len());
    let start = end.saturating_sub(PAGE);
    let nodes: Vec<Value> = all[start..end]
        .iter()
        .map(|c| {
            json!({
                "databaseId": c.id,
                "body": c.body,
                "viewerDidAuthor": c.author == repo.viewer,
            })
        })
        .collect();
    json!({
        "pageInfo": {
            "hasPreviousPage": start > 0,
            "startCursor": if nodes.is_empty() { Value::Null } else { json!(format!("c:{start}")) },
        },
        "nodes": nodes,
    })
}

fn check_state(status: &str) -> String {
    status.to_ascii_uppercase()
}

/// `statusCheckRollup` of the PR's head: check runs, then the newest status per context (as
/// GitHub's rollup does); `null` when nothing was reported. `with_date` adds the commit's
/// `committedDate` (selected by the first read only).
fn rollup(repo: &Repo, pr: &Pull, after: Option<&str>, with_date: bool) -> Value {
    let Some(contexts) = contexts(repo, &pr.head_sha, after) else {
        return Value::Null;
    };
    let commit = repo
        .commit(&pr.head_sha)
        .expect("contexts come from a known commit");
    let mut commit_json = json!({ "oid": commit.sha });
    if with_date {
        commit_json["committedDate"] = json!(time(commit.committed_date));
    }
    json!({ "commit": commit_json, "contexts": contexts })
}

/// A page of a commit's rollup contexts: check runs, then the newest status per context;
/// `None` when nothing was reported on it.
fn contexts(repo: &Repo, sha: &str, after: Option<&str>) -> Option<Value> {
    let commit = repo.commit(sha)?;
    if commit.check_runs.is_empty() && commit.statuses.is_empty() {
        return None;
    }
    let mut items: Vec<Value> = commit
        .check_runs
        .iter()
        .map(|r| {
            json!({
                "__typename": "CheckRun",
                "databaseId": r.id,
                "name": r.name,
                "status": check_state(&r.status),
                "conclusion": r.conclusion.as_deref().map(check_state),
                "startedAt": r.started_at.map(time),
                "completedAt": r.completed_at.map(time),
                "externalId": r.external_id,
                "title": r.title,
                "summary": r.summary,
                "text": r.text,
                "checkSuite": {
                    "app": if r.app.is_empty() { Value::Null } else { json!({ "slug": r.app }) },
                    "workflowRun": r.workflow_run.map(|id| json!({ "databaseId": id })),
                },
            })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut newest: Vec<_> = commit
        .statuses
        .iter()
        .rev()
        .filter(|s| seen.insert(s.context.clone()))
        .collect();
    newest.reverse();
    items.extend(newest.into_iter().map(|s| {
        json!({
            "__typename": "StatusContext",
            "context": s.context,
            "state": s.state.to_ascii_uppercase(),
            "createdAt": time(s.created_at),
            "description": s.description,
            "creator": login_actor(&s.creator),
        })
    }));
    Some(forward_page(items, after))
}

/// One operation of a document with the fragments it uses (transitively), so that each logged
/// exchange can be checked on its own (the checker executes single-operation documents).
pub fn single_operation(document: &str, operation: &str) -> String {
    let definitions = split_definitions(document);
    let find = |kind: &str, name: &str| {
        definitions.iter().find(|d| {
            let mut words = d.split(|c: char| c.is_whitespace() || c == '(' || c == '{');
            words.next() == Some(kind) && words.next() == Some(name)
        })
    };
    let Some(op) = find("query", operation) else {
        return document.to_string();
    };
    let mut out = vec![op.clone()];
    let mut queue = spreads(op);
    let mut seen = std::collections::HashSet::new();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(fragment) = find("fragment", &name) {
            queue.extend(spreads(fragment));
            out.push(fragment.clone());
        }
    }
    out.join("\n\n")
}

/// Whether the operation selects `__typename` directly under `node(…) {`.
fn node_selects_typename(operation: &str) -> bool {
    let Some(start) = operation.find("node(") else {
        return false;
    };
    let Some(open) = operation[start..].find('{') else {
        return false;
    };
    let inside = &operation[start + open + 1..];
    let mut depth = 0usize;
    let mut word = String::new();
    for c in inside.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            c if depth == 0 && (c.is_alphanumeric() || c == '_') => word.push(c),
            _ if depth == 0 => {
                if word == "__typename" {
                    return true;
                }
                word.clear();
            }
            _ => {}
        }
    }
    word == "__typename"
}

/// Top-level definitions, comments dropped.
fn split_definitions(document: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut in_string = false;
    for line in document.lines() {
        let line = if in_string {
            line
        } else {
            line.split('#').next().unwrap_or("")
        };
        for c in line.chars() {
            current.push(c);
            match c {
                '"' => in_string = !in_string,
                '{' if !in_string => depth += 1,
                '}' if !in_string => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        out.push(current.trim().to_string());
                        current.clear();
                    }
                }
                _ => {}
            }
        }
        current.push('\n');
    }
    out
}

/// Names of the fragments a definition spreads (`...Name`, not `... on Type`).
fn spreads(definition: &str) -> Vec<String> {
    definition
        .match_indices("...")
        .filter_map(|(i, _)| {
            let rest = definition[i + 3..].trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty() && name != "on").then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# comment { not a brace\nquery A($x: String!) {\n  a { ...F }\n}\n\nquery B {\n  b { ... on T { c } }\n}\n\nfragment F on X {\n  y { ...G }\n}\n\nfragment G on Y {\n  z\n}\n\nfragment H on Z {\n  w\n}\n";

    #[test]
    fn one_operation_keeps_only_its_fragments() {
        let a = single_operation(DOC, "A");
        assert!(a.starts_with("query A("), "{a}");
        assert!(
            a.contains("fragment F on X") && a.contains("fragment G on Y"),
            "{a}"
        );
        assert!(!a.contains("query B") && !a.contains("fragment H"), "{a}");
        let b = single_operation(DOC, "B");
        assert!(b.starts_with("query B") && !b.contains("fragment"), "{b}");
    }

    #[test]
    fn typename_under_node_is_seen_only_at_its_level() {
        assert!(node_selects_typename(
            "query Q($id: ID!) { node(id: $id) { __typename ... on PullRequest { id } } }"
        ));
        assert!(!node_selects_typename(
            "query Q($id: ID!) { node(id: $id) { ... on PullRequest { author { __typename } } } }"
        ));
        assert!(!node_selects_typename("query Q { repository { id } }"));
    }

    #[test]
    fn operation_name_falls_back_to_the_only_query() {
        let request = json!({ "query": "query Only($a: Int) { x }" });
        assert_eq!(operation_name(&request).as_deref(), Some("Only"));
        let request = json!({ "query": DOC });
        assert_eq!(operation_name(&request), None);
    }

    #[test]
    fn pages_follow_the_cursor() {
        let items: Vec<Value> = (0..250).map(|i| json!(i)).collect();
        let first = forward_page(items.clone(), None);
        assert_eq!(first["nodes"].as_array().unwrap().len(), 100);
        assert_eq!(first["pageInfo"]["hasNextPage"], true);
        let cursor = first["pageInfo"]["endCursor"].as_str().unwrap().to_string();
        let third = forward_page(items.clone(), Some("c:199"));
        assert_eq!(third["nodes"][0], 200);
        assert_eq!(third["pageInfo"]["hasNextPage"], false);
        let second = forward_page(items, Some(&cursor));
        assert_eq!(second["nodes"][0], 100);
    }
}
