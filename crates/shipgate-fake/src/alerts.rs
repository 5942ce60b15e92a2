//! The security-alert lists: `GET /repos/{o}/{r}/dependabot/alerts`, `…/code-scanning/alerts`
//! and `…/secret-scanning/alerts`, with GitHub's shapes, filters and paging, and its refusals
//! when the token lacks the permission or the feature is off ([`Access`]).
//!
//! - Dependabot: `state` (comma-separated), `severity` (comma-separated), `per_page`, and
//!   cursor paging with `after` (GitHub's Dependabot list has no `page`); newest first.
//! - Code scanning: `state`, `ref` (`refs/heads/<branch>` or the bare branch name; the default
//!   branch when absent), `page`/`per_page`; newest first.
//! - Secret scanning: `state`, `hide_secret` (`true`: the `secret` property is left out),
//!   `page`/`per_page`; newest first.

use serde_json::{json, Value};

use crate::rest::{time, Ctx};
use crate::state::{Access, CodeScanningAlert, DependabotAlert, Repo, SecretScanningAlert};
use crate::Answer;

/// GitHub's answer to a token without the permission (a GitHub App or `GITHUB_TOKEN`).
const NO_PERMISSION: &str = "Resource not accessible by integration";

/// The refusal for `access`, or `None` when the list is readable.
fn refusal(access: Access, disabled: (u16, &str)) -> Option<Answer> {
    match access {
        Access::Readable => None,
        Access::NoPermission => Some(Answer::error(403, NO_PERMISSION)),
        Access::Disabled => Some(Answer::error(disabled.0, disabled.1)),
    }
}

/// Whether a comma-separated filter (absent: anything) admits `value`.
fn admits(filter: Option<&str>, value: &str) -> bool {
    filter.is_none_or(|f| f.split(',').any(|v| v.trim() == value))
}

/// `GET /repos/{o}/{r}/dependabot/alerts`.
pub(crate) fn dependabot(repo: &Repo, ctx: &Ctx<'_>) -> Answer {
    if let Some(refused) = refusal(
        repo.security.dependabot_access,
        (403, "Dependabot alerts are disabled for this repository."),
    ) {
        return refused;
    }
    let mut alerts: Vec<&DependabotAlert> = repo
        .security
        .dependabot
        .iter()
        .filter(|a| admits(ctx.param("state"), &a.state))
        .filter(|a| admits(ctx.param("severity"), &a.severity))
        .collect();
    alerts.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(b.number.cmp(&a.number))
    });
    let items: Vec<Value> = alerts
        .into_iter()
        .map(|a| dependabot_json(repo, ctx, a))
        .collect();
    cursor_page(ctx, items)
}

/// One page of a cursor-paged list (`after`, `per_page` ≤ 100, default 30), with a `Link`
/// header naming the next page, as GitHub pages its Dependabot alerts.
fn cursor_page(ctx: &Ctx<'_>, items: Vec<Value>) -> Answer {
    let per_page = ctx
        .param("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let start = ctx
        .param("after")
        .and_then(|c| c.strip_prefix("Y3Vyc29yOnY"))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let end = (start + per_page).min(items.len());
    let page: Vec<Value> = items
        .get(start.min(items.len())..end)
        .unwrap_or_default()
        .to_vec();
    let mut answer = Answer::json(200, &Value::Array(page));
    if end < items.len() {
        let mut query: Vec<String> = ctx
            .query
            .iter()
            .filter(|(k, _)| k != "after")
            .map(|(k, v)| format!("{k}={}", crate::rest::encode(v)))
            .collect();
        query.push(format!("after=Y3Vyc29yOnY{end}"));
        answer = answer.header(
            "link",
            format!(
                "<{}{}?{}>; rel=\"next\"",
                ctx.base,
                ctx.bare,
                query.join("&")
            ),
        );
    }
    answer
}

fn dependabot_json(repo: &Repo, ctx: &Ctx<'_>, alert: &DependabotAlert) -> Value {
    let at = time(alert.created_at);
    let package = json!({ "ecosystem": alert.ecosystem, "name": alert.package });
    let vulnerability = json!({
        "package": package,
        "severity": alert.severity,
        "vulnerable_version_range": "< 4.17.21",
        "first_patched_version": { "identifier": "4.17.21" },
    });
    let score = match alert.severity.as_str() {
        "critical" => 9.8,
        "high" => 7.5,
        "medium" => 5.3,
        _ => 2.1,
    };
    json!({
        "number": alert.number,
        "state": alert.state,
        "dependency": {
            "package": package,
            "manifest_path": alert.manifest,
            "scope": "runtime",
            "relationship": "direct",
        },
        "security_advisory": {
            "ghsa_id": alert.ghsa_id,
            "cve_id": null,
            "summary": alert.summary,
            "description": alert.summary,
            "vulnerabilities": [vulnerability],
            "severity": alert.severity,
            "cvss": { "score": score, "vector_string": null },
            "cwes": [],
            "identifiers": [{ "type": "GHSA", "value": alert.ghsa_id }],
            "references": [{ "url": format!("https://github.com/advisories/{}", alert.ghsa_id) }],
            "published_at": at,
            "updated_at": at,
            "withdrawn_at": null,
        },
        "security_vulnerability": vulnerability,
        "url": format!("{}/dependabot/alerts/{}", ctx.api(repo), alert.number),
        "html_url": format!("https://github.com/{}/security/dependabot/{}", repo.full_name(), alert.number),
        "created_at": at,
        "updated_at": at,
        "dismissed_at": null,
        "dismissed_by": null,
        "dismissed_reason": null,
        "dismissed_comment": null,
        "fixed_at": null,
        "auto_dismissed_at": null,
    })
}

/// `GET /repos/{o}/{r}/code-scanning/alerts`.
pub(crate) fn code_scanning(repo: &Repo, ctx: &Ctx<'_>) -> Answer {
    if let Some(refused) = refusal(
        repo.security.code_scanning_access,
        (
            403,
            "Advanced Security must be enabled for this repository to use code scanning.",
        ),
    ) {
        return refused;
    }
    let branch = ctx.param("ref").map_or(repo.default_branch.as_str(), |r| {
        r.strip_prefix("refs/heads/").unwrap_or(r)
    });
    let mut alerts: Vec<&CodeScanningAlert> = repo
        .security
        .code_scanning
        .iter()
        .filter(|a| a.branch == branch)
        .filter(|a| admits(ctx.param("state"), &a.state))
        .collect();
    alerts.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(b.number.cmp(&a.number))
    });
    ctx.page(
        alerts
            .into_iter()
            .map(|a| code_scanning_json(repo, ctx, a))
            .collect(),
    )
}

fn code_scanning_json(repo: &Repo, ctx: &Ctx<'_>, alert: &CodeScanningAlert) -> Value {
    let at = time(alert.created_at);
    let url = format!("{}/code-scanning/alerts/{}", ctx.api(repo), alert.number);
    json!({
        "number": alert.number,
        "created_at": at,
        "updated_at": at,
        "url": url,
        "html_url": format!("https://github.com/{}/security/code-scanning/{}", repo.full_name(), alert.number),
        "instances_url": format!("{url}/instances"),
        "state": alert.state,
        "fixed_at": null,
        "dismissed_by": null,
        "dismissed_at": null,
        "dismissed_reason": null,
        "dismissed_comment": null,
        "rule": {
            "id": alert.rule_id,
            "name": alert.rule_id,
            "severity": alert.rule_severity,
            "security_severity_level": alert.security_severity,
            "description": alert.rule_description,
            "full_description": alert.rule_description,
            "tags": ["security"],
            "help": null,
            "help_uri": null,
        },
        "tool": { "name": alert.tool, "version": "2.20.0", "guid": null },
        "most_recent_instance": {
            "ref": format!("refs/heads/{}", alert.branch),
            "analysis_key": ".github/workflows/codeql.yml:analyze",
            "environment": "{\"language\":\"javascript\"}",
            "category": "/language:javascript",
            "state": alert.state,
            "commit_sha": "0000000000000000000000000000000000000000",
            "message": { "text": alert.rule_description },
            "location": { "path": "src/db.js", "start_line": 10, "end_line": 10, "start_column": 5, "end_column": 40 },
        },
        "dismissal_approved_by": null,
    })
}

/// `GET /repos/{o}/{r}/secret-scanning/alerts`.
pub(crate) fn secret_scanning(repo: &Repo, ctx: &Ctx<'_>) -> Answer {
    if let Some(refused) = refusal(
        repo.security.secret_scanning_access,
        (404, "Secret scanning is disabled on this repository."),
    ) {
        return refused;
    }
    let hide = ctx.param("hide_secret") == Some("true");
    let mut alerts: Vec<&SecretScanningAlert> = repo
        .security
        .secret_scanning
        .iter()
        .filter(|a| admits(ctx.param("state"), &a.state))
        .collect();
    alerts.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then(b.number.cmp(&a.number))
    });
    ctx.page(
        alerts
            .into_iter()
            .map(|a| secret_scanning_json(repo, ctx, a, hide))
            .collect(),
    )
}

fn secret_scanning_json(
    repo: &Repo,
    ctx: &Ctx<'_>,
    alert: &SecretScanningAlert,
    hide_secret: bool,
) -> Value {
    let at = time(alert.created_at);
    let url = format!("{}/secret-scanning/alerts/{}", ctx.api(repo), alert.number);
    let mut value = json!({
        "number": alert.number,
        "created_at": at,
        "updated_at": at,
        "url": url,
        "html_url": format!("https://github.com/{}/security/secret-scanning/{}", repo.full_name(), alert.number),
        "locations_url": format!("{url}/locations"),
        "state": alert.state,
        "resolution": null,
        "resolved_at": null,
        "resolved_by": null,
        "resolution_comment": null,
        "secret_type": alert.secret_type,
        "secret_type_display_name": alert.secret_type_display_name,
        "validity": alert.validity,
        "push_protection_bypassed": false,
        "push_protection_bypassed_by": null,
        "push_protection_bypassed_at": null,
        "publicly_leaked": false,
        "multi_repo": false,
        "is_base64_encoded": false,
        "has_more_locations": false,
        "assigned_to": null,
    });
    if !hide_secret {
        value["secret"] = json!(alert.secret);
    }
    value
}

#[cfg(test)]
mod tests {
    use crate::state::{
        Access, CodeScanningAlert, DependabotAlert, Repo, SecretScanningAlert, Security,
    };
    use crate::FakeGithub;
    use serde_json::Value;

    /// GETs `path` (or a `Link` URL) from the fake: status, body, `link` header.
    fn get(fake: &FakeGithub, path: &str) -> (u16, Value, Option<String>) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", fake.url())
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let response = reqwest::get(url).await.unwrap();
            let status = response.status().as_u16();
            let link = response
                .headers()
                .get("link")
                .map(|v| v.to_str().unwrap().to_string());
            let text = response.text().await.unwrap();
            (status, serde_json::from_str(&text).unwrap(), link)
        })
    }

    fn repo() -> Repo {
        let mut repo = Repo::new("acme", "alerts");
        repo.security = Security {
            dependabot: (0..3)
                .map(|i| DependabotAlert {
                    severity: ["low", "critical", "high"][i].into(),
                    state: if i == 0 { "dismissed" } else { "open" }.into(),
                    ..DependabotAlert::default()
                })
                .collect(),
            code_scanning: vec![
                CodeScanningAlert::default(),
                CodeScanningAlert {
                    branch: "develop".into(),
                    ..CodeScanningAlert::default()
                },
            ],
            secret_scanning: vec![SecretScanningAlert::default()],
            ..Security::default()
        };
        repo
    }

    #[test]
    fn lists_filter_by_state_and_branch_and_never_show_a_hidden_secret() {
        let fake = FakeGithub::start();
        fake.load(repo());
        let (status, body, _) = get(&fake, "/repos/acme/alerts/dependabot/alerts?state=open");
        assert_eq!(status, 200);
        let numbers: Vec<u64> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["number"].as_u64().unwrap())
            .collect();
        assert_eq!(numbers, [3, 2]);
        assert_eq!(body[0]["security_vulnerability"]["severity"], "high");
        assert_eq!(
            body[1]["html_url"],
            "https://github.com/acme/alerts/security/dependabot/2"
        );
        let (_, body, _) = get(
            &fake,
            "/repos/acme/alerts/code-scanning/alerts?state=open&ref=refs%2Fheads%2Fmain",
        );
        assert_eq!(body.as_array().unwrap().len(), 1);
        assert_eq!(body[0]["most_recent_instance"]["ref"], "refs/heads/main");
        let (_, body, _) = get(&fake, "/repos/acme/alerts/code-scanning/alerts?ref=develop");
        assert_eq!(body[0]["number"], 2);
        let (_, body, _) = get(
            &fake,
            "/repos/acme/alerts/secret-scanning/alerts?state=open&hide_secret=true",
        );
        assert!(body[0].get("secret").is_none(), "{body}");
        let (_, body, _) = get(&fake, "/repos/acme/alerts/secret-scanning/alerts");
        assert!(body[0]["secret"].as_str().unwrap().starts_with("ghp_"));
    }

    #[test]
    fn dependabot_pages_with_an_after_cursor() {
        let fake = FakeGithub::start();
        let mut repo = repo();
        repo.security.dependabot = (0..5).map(|_| DependabotAlert::default()).collect();
        fake.load(repo);
        let (_, body, link) = get(&fake, "/repos/acme/alerts/dependabot/alerts?per_page=2");
        assert_eq!(body.as_array().unwrap().len(), 2);
        let link = link.expect("a next page");
        assert!(link.ends_with("rel=\"next\""), "{link}");
        let next = link
            .strip_prefix('<')
            .and_then(|l| l.split_once('>'))
            .unwrap()
            .0
            .to_string();
        assert!(next.contains("after="), "{next}");
        let (_, body, _) = get(&fake, &next);
        assert_eq!(body[0]["number"], 3, "{body}");
    }

    #[test]
    fn refusals_use_githubs_statuses_and_messages() {
        let fake = FakeGithub::start();
        let mut repo = repo();
        repo.security.dependabot_access = Access::Disabled;
        repo.security.code_scanning_access = Access::NoPermission;
        repo.security.secret_scanning_access = Access::Disabled;
        fake.load(repo);
        let (status, body, _) = get(&fake, "/repos/acme/alerts/dependabot/alerts");
        assert_eq!(
            (status, body["message"].as_str().unwrap()),
            (403, "Dependabot alerts are disabled for this repository.")
        );
        let (status, body, _) = get(&fake, "/repos/acme/alerts/code-scanning/alerts");
        assert_eq!(
            (status, body["message"].as_str().unwrap()),
            (403, "Resource not accessible by integration")
        );
        let (status, body, _) = get(&fake, "/repos/acme/alerts/secret-scanning/alerts");
        assert_eq!(
            (status, body["message"].as_str().unwrap()),
            (404, "Secret scanning is disabled on this repository.")
        );
    }
}
