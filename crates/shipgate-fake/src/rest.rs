//! The REST endpoints shipgate uses, answered from the state with GitHub's JSON shapes (every
//! property the OpenAPI description requires, so Prism accepts the answers), `Link` pagination
//! built from the public base URL, and GitHub's error bodies.
//!
//! | method | path (under `/repos/{owner}/{repo}`) |
//! |---|---|
//! | POST | `/check-runs` (403 when the token cannot write checks) |
//! | PATCH | `/check-runs/{id}` (422 when a completed run's status or conclusion would change; 403 for another app's run) |
//! | GET | `/commits/{ref}/check-runs` (`check_name`, `status`, `filter`) |
//! | POST | `/statuses/{sha}` |
//! | GET | `/commits/{ref}/statuses` (newest first) |
//! | GET, POST | `/issues/{number}/comments` (`since`) |
//! | PATCH | `/issues/comments/{id}` |
//! | GET, POST | `/deployments` (`sha`, `ref`, `task`, `environment`; newest first) |
//! | GET | `/deployments/{id}` |
//! | GET, POST | `/deployments/{id}/statuses` (newest first) |
//! | GET | `/releases` (newest first) |
//! | GET | `/contents/{path}` (`ref`; the file's text, base64) |
//! | GET | `/git/ref/tags/{name}`, `/git/matching-refs/tags/{prefix}` |
//! | POST | `/actions/workflows/{workflow}/dispatches` (204, recorded in `Repo::dispatches`) |
//! | POST | `/issues`, PATCH `/issues/{number}` (`crate::issues`) |
//! | GET | `/dependabot/alerts`, `/code-scanning/alerts`, `/secret-scanning/alerts` ([`crate::alerts`]) |

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::state::{CheckRun, Comment, Deployment, DeploymentStatus, Dispatch, Repo, Status};
use crate::{Answer, Inner};

/// Answers one REST request (`path` with its query).
pub(crate) fn answer(inner: &mut Inner, method: &str, path: &str, body: &str) -> Answer {
    let (bare, query) = path.split_once('?').unwrap_or((path, ""));
    let query = parse_query(query);
    let parts: Vec<&str> = bare.trim_start_matches('/').split('/').collect();
    let ["repos", owner, name, rest @ ..] = parts.as_slice() else {
        return Answer::error(404, "Not Found");
    };
    let full = format!("{owner}/{name}");
    if !inner.repos.contains_key(&full) {
        return Answer::error(404, "Not Found");
    }
    let body: Value = if body.trim().is_empty() {
        Value::Null
    } else {
        match serde_json::from_str(body) {
            Ok(v) => v,
            Err(_) => return Answer::error(400, "Problems parsing JSON"),
        }
    };
    let base = inner.public_base.clone();
    let ctx = Ctx {
        base: &base,
        bare,
        query: &query,
    };
    let now = Utc::now();
    // Ids come from the shared counter; the repository is borrowed after.
    let new_id = inner.next_id();
    let repo = inner.repos.get_mut(&full).expect("checked above");
    match (method, rest) {
        ("POST", ["check-runs"]) => create_check_run(repo, &ctx, &body, new_id, now),
        ("PATCH", ["check-runs", id]) => update_check_run(repo, &ctx, id, &body, now),
        ("GET", ["commits", git_ref, "check-runs"]) => list_check_runs(repo, &ctx, git_ref),
        ("POST", ["statuses", sha]) => create_status(repo, &ctx, sha, &body, new_id, now),
        ("GET", ["commits", git_ref, "statuses"]) => list_statuses(repo, &ctx, git_ref),
        ("GET", ["issues", number, "comments"]) => list_comments(repo, &ctx, number),
        ("POST", ["issues", number, "comments"]) => {
            create_comment(repo, &ctx, number, &body, new_id, now)
        }
        ("PATCH", ["issues", "comments", id]) => update_comment(repo, &ctx, id, &body, now),
        ("GET", ["deployments"]) => list_deployments(repo, &ctx),
        ("POST", ["deployments"]) => create_deployment(repo, &ctx, &body, new_id, now),
        ("GET", ["deployments", id]) => match find_deployment(repo, id) {
            Some(d) => Answer::json(200, &deployment_json(repo, &ctx, d)),
            None => Answer::error(404, "Not Found"),
        },
        ("GET", ["deployments", id, "statuses"]) => list_deployment_statuses(repo, &ctx, id),
        ("POST", ["deployments", id, "statuses"]) => {
            create_deployment_status(repo, &ctx, id, &body, new_id, now)
        }
        ("GET", ["releases"]) => list_releases(repo, &ctx),
        ("GET", ["pulls"]) => list_pulls(repo, &ctx),
        ("GET", ["contents", path @ ..]) => get_content(repo, &ctx, &path.join("/")),
        ("GET", ["git", "ref", "tags", name @ ..]) => get_tag_ref(repo, &ctx, &name.join("/")),
        ("GET", ["git", "matching-refs", "tags", prefix @ ..]) => {
            matching_tag_refs(repo, &ctx, &prefix.join("/"))
        }
        ("POST", ["actions", "workflows", workflow, "dispatches"]) => {
            dispatch_workflow(repo, workflow, &body)
        }
        ("POST", ["issues"]) => crate::issues::create(repo, ctx.base, &body, now),
        ("PATCH", ["issues", number]) => crate::issues::update(repo, ctx.base, number, &body, now),
        ("GET", ["dependabot", "alerts"]) => crate::alerts::dependabot(repo, &ctx),
        ("GET", ["code-scanning", "alerts"]) => crate::alerts::code_scanning(repo, &ctx),
        ("GET", ["secret-scanning", "alerts"]) => crate::alerts::secret_scanning(repo, &ctx),
        _ if matches!(method, "GET" | "POST" | "PATCH" | "PUT" | "DELETE") => {
            Answer::error(404, "Not Found")
        }
        _ => Answer::error(405, "Method Not Allowed"),
    }
}

/// What every handler needs about the request.
pub(crate) struct Ctx<'a> {
    pub(crate) base: &'a str,
    pub(crate) bare: &'a str,
    pub(crate) query: &'a [(String, String)],
}

impl Ctx<'_> {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn api(&self, repo: &Repo) -> String {
        format!("{}/repos/{}/{}", self.base, repo.owner, repo.name)
    }

    /// One page of `items` (GitHub's `per_page` ≤ 100, default 30, and `page`), with `Link`.
    pub(crate) fn page(&self, items: Vec<Value>) -> Answer {
        let (values, link) = self.slice(items);
        let mut answer = Answer::json(200, &Value::Array(values));
        if let Some(link) = link {
            answer = answer.header("link", link);
        }
        answer
    }

    fn slice(&self, items: Vec<Value>) -> (Vec<Value>, Option<String>) {
        let per_page = self
            .param("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page = self
            .param("page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let last = items.len().div_ceil(per_page).max(1);
        let values: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        if last == 1 {
            return (values, None);
        }
        let url = |n: usize| {
            let mut query: Vec<String> = self
                .query
                .iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect();
            query.push(format!("page={n}"));
            format!("<{}{}?{}>", self.base, self.bare, query.join("&"))
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("{}; rel=\"prev\"", url(page - 1)));
        }
        if page < last {
            links.push(format!("{}; rel=\"next\"", url(page + 1)));
            links.push(format!("{}; rel=\"last\"", url(last)));
        }
        if page > 1 {
            links.push(format!("{}; rel=\"first\"", url(1)));
        }
        (values, Some(links.join(", ")))
    }
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding (and `+` as space, as in forms).
pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn user_id(login: &str) -> u64 {
    // Stable per login (FNV-1a), small enough for every client.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in login.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % 100_000_000 + 1
}

/// A `simple-user` with every required property.
pub(crate) fn user(login: &str) -> Value {
    let id = user_id(login);
    // `github-actions[bot]` is `github-actions%5Bbot%5D` in GitHub's URLs (they must be URIs).
    let path = encode(login);
    let api = format!("https://api.github.com/users/{path}");
    json!({
        "login": login,
        "id": id,
        "node_id": format!("U_{id}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": api,
        "html_url": format!("https://github.com/{path}"),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": if login.ends_with("[bot]") { "Bot" } else { "User" },
        "site_admin": false,
    })
}

pub(crate) fn validation(message: &str, field: &str) -> Answer {
    Answer::json(
        422,
        &json!({
            "message": "Validation Failed",
            "errors": [{ "resource": "Request", "field": field, "code": "invalid", "message": message }],
            "documentation_url": crate::DOCS,
            "status": "422",
        }),
    )
}

fn str_field<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

// ---- check runs -----------------------------------------------------------------------------

fn check_run_json(repo: &Repo, ctx: &Ctx<'_>, sha: &str, run: &CheckRun) -> Value {
    let api = ctx.api(repo);
    json!({
        "id": run.id,
        "node_id": format!("CR_{}", run.id),
        "head_sha": sha,
        "external_id": run.external_id.clone().unwrap_or_default(),
        "url": format!("{api}/check-runs/{}", run.id),
        "html_url": format!("https://github.com/{}/runs/{}", repo.full_name(), run.id),
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at.map(time),
        "completed_at": run.completed_at.map(time),
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": 0,
            "annotations_url": format!("{api}/check-runs/{}/annotations", run.id),
        },
        "name": run.name,
        "check_suite": { "id": 1 },
        "app": Value::Null,
        "pull_requests": [],
    })
}

/// Applies the writable fields of a create/update body to a run.
fn apply_check_run(run: &mut CheckRun, body: &Value, now: DateTime<Utc>) -> Result<(), Answer> {
    if let Some(status) = str_field(body, "status") {
        if !matches!(
            status,
            "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending"
        ) {
            return Err(validation("invalid status", "status"));
        }
        run.status = status.into();
    }
    if let Some(conclusion) = str_field(body, "conclusion") {
        run.conclusion = Some(conclusion.into());
        run.status = "completed".into();
    }
    if run.status == "completed" {
        if run.conclusion.is_none() {
            return Err(validation(
                "conclusion is required when status is completed",
                "conclusion",
            ));
        }
        run.completed_at.get_or_insert(now);
    } else {
        run.conclusion = None;
        run.completed_at = None;
    }
    if let Some(output) = body.get("output") {
        run.title = str_field(output, "title").map(str::to_string);
        run.summary = str_field(output, "summary").map(str::to_string);
        run.text = str_field(output, "text").map(str::to_string);
        if run.title.is_none() || run.summary.is_none() {
            return Err(validation("output needs a title and a summary", "output"));
        }
    }
    if let Some(url) = str_field(body, "details_url") {
        run.details_url = Some(url.into());
    }
    Ok(())
}

fn create_check_run(
    repo: &mut Repo,
    ctx: &Ctx<'_>,
    body: &Value,
    id: u64,
    now: DateTime<Utc>,
) -> Answer {
    if !repo.checks_writable {
        return Answer::error(403, "Resource not accessible by integration");
    }
    let (Some(name), Some(sha)) = (str_field(body, "name"), str_field(body, "head_sha")) else {
        return validation("name and head_sha are required", "name");
    };
    let mut run = CheckRun {
        id,
        name: name.into(),
        status: "queued".into(),
        external_id: str_field(body, "external_id").map(str::to_string),
        started_at: Some(now),
        app: repo.viewer_app(),
        ..CheckRun::default()
    };
    if let Err(answer) = apply_check_run(&mut run, body, now) {
        return answer;
    }
    let sha = sha.to_ascii_lowercase();
    repo.commit_mut(&sha).check_runs.push(run.clone());
    Answer::json(201, &check_run_json(repo, ctx, &sha, &run))
}

fn update_check_run(
    repo: &mut Repo,
    ctx: &Ctx<'_>,
    id: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Answer {
    if !repo.checks_writable {
        return Answer::error(403, "Resource not accessible by integration");
    }
    let id: u64 = id.parse().unwrap_or(0);
    let viewer_app = repo.viewer_app();
    let found = repo.commits.iter_mut().find_map(|c| {
        let sha = c.sha.clone();
        c.check_runs
            .iter_mut()
            .find(|r| r.id == id)
            .map(|r| (sha, r))
    });
    let Some((sha, run)) = found else {
        return Answer::error(404, "Not Found");
    };
    if run.app != viewer_app {
        // As GitHub: only the app that created a check run may change it.
        return Answer::error(
            403,
            "Invalid app_id - check run can only be modified by the GitHub App that created it.",
        );
    }
    let mut updated = run.clone();
    if let Err(answer) = apply_check_run(&mut updated, body, now) {
        return answer;
    }
    // As GitHub: once completed, a run's status and conclusion are final (its output may still
    // change); a new state takes a new run of the same name.
    if run.status == "completed"
        && (updated.status != run.status || updated.conclusion != run.conclusion)
    {
        return validation(
            "a completed check run's status and conclusion cannot change; create a new check run",
            "status",
        );
    }
    *run = updated.clone();
    Answer::json(200, &check_run_json(repo, ctx, &sha, &updated))
}

fn list_check_runs(repo: &Repo, ctx: &Ctx<'_>, git_ref: &str) -> Answer {
    let Some(commit) = repo.commit(git_ref) else {
        return Answer::json(200, &json!({ "total_count": 0, "check_runs": [] }));
    };
    let name = ctx.param("check_name");
    let status = ctx.param("status");
    let mut runs: Vec<&CheckRun> = commit
        .check_runs
        .iter()
        .filter(|r| name.is_none_or(|n| r.name == n))
        .filter(|r| status.is_none_or(|s| r.status == s))
        .collect();
    // Newest first; `filter=latest` (the default) keeps the newest run per name.
    runs.reverse();
    if ctx.param("filter") != Some("all") {
        let mut seen = std::collections::HashSet::new();
        runs.retain(|r| seen.insert(r.name.clone()));
    }
    let total = runs.len();
    let values = runs
        .into_iter()
        .map(|r| check_run_json(repo, ctx, &commit.sha, r))
        .collect();
    let (values, link) = ctx.slice(values);
    let mut answer = Answer::json(200, &json!({ "total_count": total, "check_runs": values }));
    if let Some(link) = link {
        answer = answer.header("link", link);
    }
    answer
}

// ---- commit statuses ------------------------------------------------------------------------

fn status_json(repo: &Repo, ctx: &Ctx<'_>, sha: &str, status: &Status) -> Value {
    json!({
        "url": format!("{}/statuses/{sha}", ctx.api(repo)),
        "avatar_url": Value::Null,
        "id": status.id,
        "node_id": format!("SC_{}", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": time(status.created_at),
        "updated_at": time(status.created_at),
        "creator": user(&status.creator),
    })
}

fn create_status(
    repo: &mut Repo,
    ctx: &Ctx<'_>,
    sha: &str,
    body: &Value,
    id: u64,
    now: DateTime<Utc>,
) -> Answer {
    let Some(state) = str_field(body, "state") else {
        return validation("state is required", "state");
    };
    if !matches!(state, "error" | "failure" | "pending" | "success") {
        return validation(
            "state is not one of error, failure, pending, success",
            "state",
        );
    }
    let description = str_field(body, "description").map(str::to_string);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 140)
    {
        return validation(
            "description is too long (maximum is 140 characters)",
            "description",
        );
    }
    let status = Status {
        id,
        context: str_field(body, "context").unwrap_or("default").into(),
        state: state.into(),
        description,
        target_url: str_field(body, "target_url").map(str::to_string),
        created_at: now,
        creator: repo.viewer.clone(),
    };
    let sha = sha.to_ascii_lowercase();
    repo.commit_mut(&sha).statuses.push(status.clone());
    Answer::json(201, &status_json(repo, ctx, &sha, &status))
}

fn list_statuses(repo: &Repo, ctx: &Ctx<'_>, git_ref: &str) -> Answer {
    let Some(commit) = repo.commit(git_ref) else {
        return ctx.page(Vec::new());
    };
    let values = commit
        .statuses
        .iter()
        .rev()
        .map(|s| status_json(repo, ctx, &commit.sha, s))
        .collect();
    ctx.page(values)
}

// ---- comments -------------------------------------------------------------------------------

fn comment_json(repo: &Repo, ctx: &Ctx<'_>, comment: &Comment) -> Value {
    let api = ctx.api(repo);
    json!({
        "id": comment.id,
        "node_id": format!("IC_{}", comment.id),
        "url": format!("{api}/issues/comments/{}", comment.id),
        "html_url": format!("https://github.com/{}/pull/{}#issuecomment-{}", repo.full_name(), comment.issue, comment.id),
        "body": comment.body,
        "user": user(&comment.author),
        "created_at": time(comment.created_at),
        "updated_at": time(comment.updated_at),
        "issue_url": format!("{api}/issues/{}", comment.issue),
        "author_association": "NONE",
    })
}

fn issue_number(repo: &Repo, number: &str) -> Option<u64> {
    let n: u64 = number.parse().ok()?;
    repo.pulls.iter().any(|p| p.number == n).then_some(n)
}

fn list_comments(repo: &Repo, ctx: &Ctx<'_>, number: &str) -> Answer {
    let Some(number) = issue_number(repo, number) else {
        return Answer::error(404, "Not Found");
    };
    let since = ctx
        .param("since")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let values = repo
        .comments
        .iter()
        .filter(|c| c.issue == number)
        .filter(|c| since.is_none_or(|s| c.updated_at >= s))
        .map(|c| comment_json(repo, ctx, c))
        .collect();
    ctx.page(values)
}

fn create_comment(
    repo: &mut Repo,
    ctx: &Ctx<'_>,
    number: &str,
    body: &Value,
    id: u64,
    now: DateTime<Utc>,
) -> Answer {
    let Some(number) = issue_number(repo, number) else {
        return Answer::error(404, "Not Found");
    };
    let Some(text) = str_field(body, "body") else {
        return validation("body is required", "body");
    };
    if text.len() > 65_536 {
        return validation("body is too long (maximum is 65536 characters)", "body");
    }
    let comment = Comment {
        id,
        issue: number,
        body: text.into(),
        author: repo.viewer.clone(),
        created_at: now,
        updated_at: now,
    };
    repo.comments.push(comment.clone());
    Answer::json(201, &comment_json(repo, ctx, &comment))
}

fn update_comment(
    repo: &mut Repo,
    ctx: &Ctx<'_>,
    id: &str,
    body: &Value,
    now: DateTime<Utc>,
) -> Answer {
    let id: u64 = id.parse().unwrap_or(0);
    let Some(text) = str_field(body, "body") else {
        return validation("body is required", "body");
    };
    let viewer = repo.viewer.clone();
    let Some(comment) = repo.comments.iter_mut().find(|c| c.id == id) else {
        return Answer::error(404, "Not Found");
    };
    if comment.author != viewer {
        return Answer::error(403, "Resource not accessible by integration");
    }
    comment.body = text.into();
    comment.updated_at = now;
    let comment = comment.clone();
    Answer::json(200, &comment_json(repo, ctx, &comment))
}

// ---- deployments ----------------------------------------------------------------------------

fn find_deployment<'a>(repo: &'a Repo, id: &str) -> Option<&'a Deployment> {
    let id: u64 = id.parse().ok()?;
    repo.deployments.iter().find(|d| d.id == id)
}

fn deployment_json(repo: &Repo, ctx: &Ctx<'_>, d: &Deployment) -> Value {
    let api = ctx.api(repo);
    json!({
        "url": format!("{api}/deployments/{}", d.id),
        "id": d.id,
        "node_id": format!("DE_{}", d.id),
        "sha": d.sha,
        "ref": d.git_ref,
        "task": d.task,
        "payload": d.payload,
        "original_environment": d.environment,
        "environment": d.environment,
        "description": d.description,
        "creator": user(&d.creator),
        "created_at": time(d.created_at),
        "updated_at": time(d.statuses.last().map_or(d.created_at, |s| s.created_at)),
        "statuses_url": format!("{api}/deployments/{}/statuses", d.id),
        "repository_url": api,
        "transient_environment": d.transient_environment,
        "production_environment": d.production_environment,
    })
}

fn list_deployments(repo: &Repo, ctx: &Ctx<'_>) -> Answer {
    let sha = ctx.param("sha");
    let git_ref = ctx.param("ref");
    let task = ctx.param("task");
    let environment = ctx.param("environment");
    let values = repo
        .deployments
        .iter()
        .rev()
        .filter(|d| sha.is_none_or(|s| d.sha.eq_ignore_ascii_case(s)))
        .filter(|d| git_ref.is_none_or(|r| d.git_ref == r))
        .filter(|d| task.is_none_or(|t| d.task == t))
        .filter(|d| environment.is_none_or(|e| d.environment == e))
        .map(|d| deployment_json(repo, ctx, d))
        .collect();
    ctx.page(values)
}

/// The commit a deployment's `ref` names: a SHA, a tag, or a PR head branch.
fn resolve_ref(repo: &Repo, git_ref: &str) -> Option<String> {
    if git_ref.len() == 40 && git_ref.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(git_ref.to_ascii_lowercase());
    }
    if let Some(tag) = repo.tags.iter().find(|t| t.name == git_ref) {
        return Some(tag.commit.clone());
    }
    repo.pulls
        .iter()
        .find(|p| p.head_ref == git_ref)
        .map(|p| p.head_sha.clone())
}

fn create_deployment(
    repo: &mut Repo,
    ctx: &Ctx<'_>,
    body: &Value,
    id: u64,
    now: DateTime<Utc>,
) -> Answer {
    let Some(git_ref) = str_field(body, "ref") else {
        return validation("ref is required", "ref");
    };
    let Some(sha) = resolve_ref(repo, git_ref) else {
        return Answer::json(
            422,
            &json!({ "message": format!("No ref found for: {git_ref}"), "documentation_url": crate::DOCS, "status": "422" }),
        );
    };
    let environment = str_field(body, "environment").unwrap_or("production");
    let deployment = Deployment {
        id,
        sha,
        git_ref: git_ref.into(),
        environment: environment.into(),
        task: str_field(body, "task").unwrap_or("deploy").into(),
        payload: match body.get("payload") {
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
            Some(v @ Value::Object(_)) => v.clone(),
            _ => json!({}),
        },
        description: str_field(body, "description").map(str::to_string),
        creator: repo.viewer.clone(),
        created_at: now,
        production_environment: body
            .get("production_environment")
            .and_then(Value::as_bool)
            .unwrap_or(environment == "production"),
        transient_environment: body
            .get("transient_environment")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        statuses: Vec::new(),
    };
    repo.deployments.push(deployment.clone());
    Answer::json(201, &deployment_json(repo, ctx, &deployment))
}

fn deployment_status_json(
    repo: &Repo,
    ctx: &Ctx<'_>,
    d: &Deployment,
    s: &DeploymentStatus,
) -> Value {
    let api = ctx.api(repo);
    json!({
        "url": format!("{api}/deployments/{}/statuses/{}", d.id, s.id),
        "id": s.id,
        "node_id": format!("DES_{}", s.id),
        "state": s.state,
        "creator": user(s.creator.as_deref().unwrap_or(&d.creator)),
        "description": s.description.clone().unwrap_or_default(),
        "environment": d.environment,
        "target_url": s.log_url.clone().unwrap_or_default(),
        "log_url": s.log_url.clone().unwrap_or_default(),
        "created_at": time(s.created_at),
        "updated_at": time(s.created_at),
        "deployment_url": format!("{api}/deployments/{}", d.id),
        "repository_url": api,
    })
}

fn list_deployment_statuses(repo: &Repo, ctx: &Ctx<'_>, id: &str) -> Answer {
    let Some(d) = find_deployment(repo, id) else {
        return Answer::error(404, "Not Found");
    };
    let values = d
        .statuses
        .iter()
        .rev()
        .map(|s| deployment_status_json(repo, ctx, d, s))
        .collect();
    ctx.page(values)
}

fn create_deployment_status(
    repo: &mut Repo,
    ctx: &Ctx<'_>,
    id: &str,
    body: &Value,
    new_id: u64,
    now: DateTime<Utc>,
) -> Answer {
    let Some(state) = str_field(body, "state") else {
        return validation("state is required", "state");
    };
    if !matches!(
        state,
        "error" | "failure" | "inactive" | "in_progress" | "queued" | "pending" | "success"
    ) {
        return validation("state is not a deployment state", "state");
    }
    let Some(index) = find_deployment(repo, id).map(|d| d.id) else {
        return Answer::error(404, "Not Found");
    };
    let status = DeploymentStatus {
        id: new_id,
        state: state.into(),
        description: str_field(body, "description").map(str::to_string),
        log_url: str_field(body, "log_url")
            .or_else(|| str_field(body, "target_url"))
            .map(str::to_string),
        created_at: now,
        creator: Some(repo.viewer.clone()),
    };
    // GitHub marks older successful deployments of the environment inactive (unless
    // `auto_inactive: false`) when a new one succeeds.
    let auto_inactive = body
        .get("auto_inactive")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let environment = repo
        .deployments
        .iter()
        .find(|d| d.id == index)
        .map(|d| d.environment.clone())
        .unwrap_or_default();
    if state == "success" && auto_inactive {
        let mut ids = 0;
        for other in repo
            .deployments
            .iter_mut()
            .filter(|d| d.id != index && d.environment == environment)
        {
            if other.statuses.last().is_some_and(|s| s.state == "success") {
                ids += 1;
                other.statuses.push(DeploymentStatus {
                    id: new_id * 1000 + ids,
                    state: "inactive".into(),
                    description: None,
                    log_url: None,
                    created_at: now,
                    creator: None,
                });
            }
        }
    }
    let d = repo
        .deployments
        .iter_mut()
        .find(|d| d.id == index)
        .expect("found above");
    d.statuses.push(status.clone());
    let d = d.clone();
    Answer::json(201, &deployment_status_json(repo, ctx, &d, &status))
}

// ---- releases, contents, tags ---------------------------------------------------------------

/// A `repository` with every required property (the head and base of a pull request).
fn repository_json(repo: &Repo, ctx: &Ctx<'_>) -> Value {
    let api = ctx.api(repo);
    let full = repo.full_name();
    let html = format!("https://github.com/{full}");
    let url = |suffix: &str| format!("{api}{suffix}");
    json!({
        "id": user_id(&full),
        "node_id": format!("R_{}", user_id(&full)),
        "name": repo.name,
        "full_name": full,
        "owner": user(&repo.owner),
        "private": false,
        "html_url": html,
        "description": null,
        "fork": false,
        "url": api,
        "archive_url": url("/{archive_format}{/ref}"),
        "assignees_url": url("/assignees{/user}"),
        "blobs_url": url("/git/blobs{/sha}"),
        "branches_url": url("/branches{/branch}"),
        "collaborators_url": url("/collaborators{/collaborator}"),
        "comments_url": url("/comments{/number}"),
        "commits_url": url("/commits{/sha}"),
        "compare_url": url("/compare/{base}...{head}"),
        "contents_url": url("/contents/{+path}"),
        "contributors_url": url("/contributors"),
        "deployments_url": url("/deployments"),
        "downloads_url": url("/downloads"),
        "events_url": url("/events"),
        "forks_url": url("/forks"),
        "git_commits_url": url("/git/commits{/sha}"),
        "git_refs_url": url("/git/refs{/sha}"),
        "git_tags_url": url("/git/tags{/sha}"),
        "git_url": format!("git://github.com/{full}.git"),
        "hooks_url": url("/hooks"),
        "issue_comment_url": url("/issues/comments{/number}"),
        "issue_events_url": url("/issues/events{/number}"),
        "issues_url": url("/issues{/number}"),
        "keys_url": url("/keys{/key_id}"),
        "labels_url": url("/labels{/name}"),
        "languages_url": url("/languages"),
        "merges_url": url("/merges"),
        "milestones_url": url("/milestones{/number}"),
        "notifications_url": url("/notifications{?since,all,participating}"),
        "pulls_url": url("/pulls{/number}"),
        "releases_url": url("/releases{/id}"),
        "ssh_url": format!("git@github.com:{full}.git"),
        "stargazers_url": url("/stargazers"),
        "statuses_url": url("/statuses/{sha}"),
        "subscribers_url": url("/subscribers"),
        "subscription_url": url("/subscription"),
        "tags_url": url("/tags"),
        "teams_url": url("/teams"),
        "trees_url": url("/git/trees{/sha}"),
        "clone_url": format!("{html}.git"),
        "mirror_url": null,
        "homepage": null,
        "svn_url": html,
        "language": null,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": repo.default_branch,
        "open_issues": 0,
        "open_issues_count": 0,
        "has_issues": true,
        "has_projects": false,
        "has_wiki": false,
        "has_pages": false,
        "has_downloads": false,
        "archived": false,
        "disabled": false,
        "license": null,
        "pushed_at": time(crate::state::epoch()),
        "created_at": time(crate::state::epoch()),
        "updated_at": time(crate::state::epoch()),
    })
}

/// A `pull-request-simple` with every required property.
fn pull_json(repo: &Repo, ctx: &Ctx<'_>, pull: &crate::state::Pull) -> Value {
    let api = ctx.api(repo);
    let number = pull.number;
    let html = format!("https://github.com/{}/pull/{number}", repo.full_name());
    let branch = |name: &str, sha: &str| {
        json!({
            "label": format!("{}:{name}", repo.owner),
            "ref": name,
            "sha": sha,
            "user": user(&repo.owner),
            "repo": repository_json(repo, ctx),
        })
    };
    let base_sha = repo
        .commits
        .first()
        .map(|c| c.sha.clone())
        .unwrap_or_else(|| "0".repeat(39) + "1");
    let link = |href: String| json!({ "href": href });
    json!({
        "url": format!("{api}/pulls/{number}"),
        "id": number * 1000 + 1,
        "node_id": format!("PR_{number}"),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": format!("{api}/issues/{number}"),
        "commits_url": format!("{api}/pulls/{number}/commits"),
        "review_comments_url": format!("{api}/pulls/{number}/comments"),
        "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
        "comments_url": format!("{api}/issues/{number}/comments"),
        "statuses_url": format!("{api}/statuses/{}", pull.head_sha),
        "number": number,
        "state": pull.state,
        "locked": false,
        "title": pull.title,
        "user": user(&pull.author.login),
        "body": pull.body,
        "labels": [],
        "milestone": null,
        "created_at": time(pull.created_at),
        "updated_at": time(pull.created_at),
        "closed_at": null,
        "merged_at": null,
        "merge_commit_sha": null,
        "assignee": null,
        "draft": pull.draft,
        "head": branch(&pull.head_ref, &pull.head_sha),
        "base": branch(&pull.base_ref, &base_sha),
        "_links": {
            "self": link(format!("{api}/pulls/{number}")),
            "html": link(html.clone()),
            "issue": link(format!("{api}/issues/{number}")),
            "comments": link(format!("{api}/issues/{number}/comments")),
            "review_comments": link(format!("{api}/pulls/{number}/comments")),
            "review_comment": link(format!("{api}/pulls/comments{{/number}}")),
            "commits": link(format!("{api}/pulls/{number}/commits")),
            "statuses": link(format!("{api}/statuses/{}", pull.head_sha)),
        },
        "author_association": "MEMBER",
        "auto_merge": null,
    })
}

/// `GET /repos/{o}/{r}/pulls`: `state` (default open), `base`, oldest first.
fn list_pulls(repo: &Repo, ctx: &Ctx<'_>) -> Answer {
    let state = ctx.param("state").unwrap_or("open");
    let base = ctx.param("base");
    let mut pulls: Vec<&crate::state::Pull> = repo
        .pulls
        .iter()
        .filter(|p| state == "all" || p.state == state)
        .filter(|p| base.is_none_or(|b| p.base_ref == b))
        .collect();
    pulls.sort_by_key(|p| (p.created_at, p.number));
    if ctx.param("direction") == Some("desc") {
        pulls.reverse();
    }
    let values = pulls.into_iter().map(|p| pull_json(repo, ctx, p)).collect();
    ctx.page(values)
}

fn list_releases(repo: &Repo, ctx: &Ctx<'_>) -> Answer {
    let api = ctx.api(repo);
    let mut releases: Vec<_> = repo.releases.iter().collect();
    releases.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    let values = releases
        .into_iter()
        .map(|r| {
            json!({
                "url": format!("{api}/releases/{}", r.id),
                "html_url": format!("https://github.com/{}/releases/tag/{}", repo.full_name(), r.tag_name),
                "assets_url": format!("{api}/releases/{}/assets", r.id),
                "upload_url": format!("https://uploads.github.com/repos/{}/releases/{}/assets{{?name,label}}", repo.full_name(), r.id),
                "tarball_url": Value::Null,
                "zipball_url": Value::Null,
                "id": r.id,
                "node_id": format!("RE_{}", r.id),
                "tag_name": r.tag_name,
                "target_commitish": repo.default_branch,
                "name": r.tag_name,
                "body": Value::Null,
                "draft": r.draft,
                "prerelease": r.prerelease,
                "created_at": time(r.created_at),
                "published_at": r.published_at.map(time),
                "author": user("release-manager"),
                "assets": [],
            })
        })
        .collect();
    ctx.page(values)
}

fn get_content(repo: &Repo, ctx: &Ctx<'_>, path: &str) -> Answer {
    let branch = ctx.param("ref").unwrap_or(&repo.default_branch).to_string();
    let branch = branch.trim_start_matches("refs/heads/");
    let Some(file) = repo
        .files
        .iter()
        .find(|f| f.branch == branch && f.path == path)
    else {
        return Answer::error(404, "Not Found");
    };
    let api = ctx.api(repo);
    let sha = format!("{:040x}", user_id(&file.text) as u128);
    let html = format!(
        "https://github.com/{}/blob/{branch}/{path}",
        repo.full_name()
    );
    let git = format!("{api}/git/blobs/{sha}");
    let url = format!("{api}/contents/{path}?ref={branch}");
    Answer::json(
        200,
        &json!({
            "type": "file",
            "encoding": "base64",
            "size": file.text.len(),
            "name": path.rsplit('/').next().unwrap_or(path),
            "path": path,
            "content": base64(file.text.as_bytes()),
            "sha": sha,
            "url": url,
            "git_url": git,
            "html_url": html,
            "download_url": format!("https://raw.githubusercontent.com/{}/{branch}/{path}", repo.full_name()),
            "_links": { "git": git, "html": html, "self": url },
        }),
    )
}

fn tag_ref_json(repo: &Repo, ctx: &Ctx<'_>, tag: &crate::state::Tag) -> Value {
    let (kind, sha) = match &tag.annotated {
        Some(object) => ("tag", object.sha.clone()),
        None => ("commit", tag.commit.clone()),
    };
    let api = ctx.api(repo);
    json!({
        "ref": format!("refs/tags/{}", tag.name),
        "node_id": format!("REF_{}", tag.name),
        "url": format!("{api}/git/refs/tags/{}", tag.name),
        "object": {
            "type": kind,
            "sha": sha,
            "url": format!("{api}/git/{}s/{sha}", if kind == "tag" { "tag" } else { "commit" }),
        },
    })
}

fn get_tag_ref(repo: &Repo, ctx: &Ctx<'_>, name: &str) -> Answer {
    match repo.tags.iter().find(|t| t.name == name) {
        Some(tag) => Answer::json(200, &tag_ref_json(repo, ctx, tag)),
        None => Answer::error(404, "Not Found"),
    }
}

fn matching_tag_refs(repo: &Repo, ctx: &Ctx<'_>, prefix: &str) -> Answer {
    let values = repo
        .tags
        .iter()
        .filter(|t| t.name.starts_with(prefix))
        .map(|t| tag_ref_json(repo, ctx, t))
        .collect();
    ctx.page(values)
}

/// `workflow_dispatch`: a `ref` is required, `inputs` is an optional object; GitHub answers
/// 204 No Content and starts the run later (here: records it).
fn dispatch_workflow(repo: &mut Repo, workflow: &str, body: &Value) -> Answer {
    let Some(git_ref) = str_field(body, "ref").filter(|r| !r.is_empty()) else {
        return validation("Invalid request.\n\n\"ref\" wasn't supplied.", "ref");
    };
    let inputs = body.get("inputs").cloned().unwrap_or(Value::Null);
    if !matches!(inputs, Value::Null | Value::Object(_)) {
        return validation("For 'properties/inputs', is not an object.", "inputs");
    }
    repo.dispatches.push(Dispatch {
        workflow: percent_decode(workflow),
        git_ref: git_ref.to_string(),
        inputs,
    });
    Answer::empty(204)
}

/// Percent-decoding of a path segment (`+` stays a plus there, unlike in a query).
fn percent_decode(segment: &str) -> String {
    decode(&segment.replace('+', "%2B"))
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_handles_percent_and_plus() {
        assert_eq!(decode("a%2Fb+c"), "a/b c");
        assert_eq!(decode("100%"), "100%");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
