//! Reading the repository's open security alerts for the security gate, over REST, the sources
//! concurrently and each paged to the end (`docs/github.md`, "The security gate's reads"):
//!
//! - Dependabot: `GET /repos/{o}/{r}/dependabot/alerts?state=open&per_page=100`;
//! - code scanning: `GET /repos/{o}/{r}/code-scanning/alerts?state=open&ref=refs/heads/<production
//!   branch>&per_page=100`;
//! - secret scanning: `GET /repos/{o}/{r}/secret-scanning/alerts?state=open&per_page=100&hide_secret=true`
//!   (the secret itself is never asked for, and never read from an answer).
//!
//! A source never fails the read: what GitHub refused (403 without the permission or with the
//! feature off, 404 with the feature off), an answer that could not be understood, or more than
//! [`MAX_PAGES`] pages becomes that source's `error`, which the gate turns into an `error` row.
//! Dependabot is read over REST rather than GraphQL because only REST tells "Dependabot alerts
//! are disabled" (403) apart from "no alerts" — GraphQL's `vulnerabilityAlerts` cannot.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use shipgate_core::alerts::{Alert, AlertList, SecurityFacts, Severity};
use shipgate_core::facts::Repository;

use crate::client::Client;
use crate::error::Error;
use shipgate_core::escape::url_component;

/// The most pages (of 100 alerts) read per source; beyond, the source is unreadable rather than
/// judged on part of its alerts.
pub const MAX_PAGES: usize = 10;

/// Which sources to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sources {
    /// Dependabot alerts.
    pub dependabot: bool,
    /// Code-scanning alerts of the production branch.
    pub code_scanning: bool,
    /// Secret-scanning alerts.
    pub secret_scanning: bool,
}

impl Sources {
    /// The sources a policy's security gate needs (none when the gate is off).
    pub fn of(policy: &shipgate_core::policy::SecurityPolicy) -> Self {
        if !policy.is_on() {
            return Self::default();
        }
        Self {
            dependabot: policy.dependabot.is_some(),
            code_scanning: policy.code_scanning.is_some(),
            secret_scanning: policy.secret_scanning,
        }
    }

    /// Whether any source is to be read.
    pub fn any(&self) -> bool {
        self.dependabot || self.code_scanning || self.secret_scanning
    }
}

/// Reads the open alerts of every source asked for, concurrently (one round trip, plus one per
/// further page). Sources not asked for are left out of the facts.
pub async fn read(
    client: &Client,
    repository: &Repository,
    production_branch: &str,
    sources: Sources,
) -> SecurityFacts {
    let base = format!("/repos/{}/{}", repository.owner, repository.name);
    let git_ref = format!("refs/heads/{production_branch}");
    let dependabot = async {
        if !sources.dependabot {
            return None;
        }
        let path = format!("{base}/dependabot/alerts?state=open&per_page=100");
        Some(list(
            read_all::<RawDependabot>(client, &path, "Dependabot").await,
            dependabot,
        ))
    };
    let code_scanning = async {
        if !sources.code_scanning {
            return None;
        }
        let path = format!(
            "{base}/code-scanning/alerts?state=open&ref={}&per_page=100",
            url_component(&git_ref)
        );
        let list = list(
            read_all::<RawCodeScanning>(client, &path, "code-scanning").await,
            code_scanning,
        );
        Some(list.of_ref(git_ref.clone()))
    };
    let secret_scanning = async {
        if !sources.secret_scanning {
            return None;
        }
        let path =
            format!("{base}/secret-scanning/alerts?state=open&per_page=100&hide_secret=true");
        Some(list(
            read_all::<RawSecretScanning>(client, &path, "secret-scanning").await,
            secret_scanning,
        ))
    };
    let (dependabot, code_scanning, secret_scanning) =
        futures::join!(dependabot, code_scanning, secret_scanning);
    SecurityFacts {
        dependabot,
        code_scanning,
        secret_scanning,
    }
}

/// Every page of a list, or why it could not be read in full.
async fn read_all<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    what: &str,
) -> Result<Vec<T>, AlertList> {
    let mut items = Vec::new();
    let mut next = Some(path.to_string());
    let mut pages = 0;
    while let Some(url) = next {
        if pages == MAX_PAGES {
            return Err(AlertList::unreadable(
                None,
                format!(
                    "more than {} open {what} alerts: shipgate reads at most {MAX_PAGES} pages of 100 and does not decide on part of them",
                    MAX_PAGES * 100
                ),
            ));
        }
        let (page, link): (Vec<T>, Option<String>) =
            client.get_page(&url).await.map_err(unreadable)?;
        pages += 1;
        items.extend(page);
        next = link;
    }
    Ok(items)
}

/// A read error as the source's `error`: GitHub's status and message when it answered one.
fn unreadable(error: Error) -> AlertList {
    match error {
        Error::Status {
            status, message, ..
        } => AlertList::unreadable(Some(status), message),
        other => AlertList::unreadable(None, other.to_string()),
    }
}

/// The facts of a list read in full, or its error.
fn list<T>(read: Result<Vec<T>, AlertList>, map: fn(T) -> Alert) -> AlertList {
    match read {
        Ok(items) => AlertList::read(items.into_iter().map(map).collect()),
        Err(unreadable) => unreadable,
    }
}

/// A Dependabot alert, as much of it as the gate uses.
#[derive(Debug, Deserialize)]
struct RawDependabot {
    number: u64,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    dependency: Option<RawDependency>,
    #[serde(default)]
    security_advisory: Option<RawAdvisory>,
    #[serde(default)]
    security_vulnerability: Option<RawVulnerability>,
}

#[derive(Debug, Deserialize)]
struct RawDependency {
    #[serde(default)]
    package: Option<RawPackage>,
}

#[derive(Debug, Deserialize)]
struct RawPackage {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawAdvisory {
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    severity: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawVulnerability {
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    package: Option<RawPackage>,
}

/// `package: advisory summary`; the vulnerability's severity, else the advisory's.
fn dependabot(raw: RawDependabot) -> Alert {
    let vulnerability = raw.security_vulnerability.as_ref();
    let package = vulnerability
        .and_then(|v| v.package.as_ref())
        .or_else(|| raw.dependency.as_ref().and_then(|d| d.package.as_ref()))
        .and_then(|p| p.name.clone());
    let summary = raw
        .security_advisory
        .as_ref()
        .and_then(|a| a.summary.clone());
    let severity = vulnerability
        .and_then(|v| v.severity.as_deref())
        .or_else(|| raw.security_advisory.as_ref()?.severity.as_deref())
        .map(Severity::from_github);
    Alert {
        number: raw.number,
        severity,
        title: join(package, summary, "an advisory"),
        url: raw.html_url,
    }
}

/// A code-scanning alert, as much of it as the gate uses.
#[derive(Debug, Deserialize)]
struct RawCodeScanning {
    number: u64,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    rule: Option<RawRule>,
    #[serde(default)]
    tool: Option<RawTool>,
}

#[derive(Debug, Deserialize)]
struct RawRule {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    security_severity_level: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawTool {
    #[serde(default)]
    name: Option<String>,
}

/// `rule id: description (tool)`; the severity as `Severity::from_code_scanning` decides.
fn code_scanning(raw: RawCodeScanning) -> Alert {
    let rule = raw.rule.as_ref();
    let severity = Severity::from_code_scanning(
        rule.and_then(|r| r.security_severity_level.as_deref()),
        rule.and_then(|r| r.severity.as_deref()),
    );
    let id = rule.and_then(|r| r.id.clone().or_else(|| r.name.clone()));
    let description = rule.and_then(|r| r.description.clone());
    let mut title = join(id, description, "a rule");
    if let Some(tool) = raw.tool.and_then(|t| t.name).filter(|t| !t.is_empty()) {
        title.push_str(&format!(" ({tool})"));
    }
    Alert {
        number: raw.number,
        severity: Some(severity),
        title,
        url: raw.html_url,
    }
}

/// A secret-scanning alert: never its `secret` (not asked for, and not read).
#[derive(Debug, Deserialize)]
struct RawSecretScanning {
    number: u64,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    secret_type_display_name: Option<String>,
    #[serde(default)]
    secret_type: Option<String>,
}

/// The kind of secret, as GitHub names it.
fn secret_scanning(raw: RawSecretScanning) -> Alert {
    Alert {
        number: raw.number,
        severity: None,
        title: raw
            .secret_type_display_name
            .filter(|t| !t.is_empty())
            .or(raw.secret_type)
            .unwrap_or_else(|| "a secret".to_string()),
        url: raw.html_url,
    }
}

/// `first: second`, either alone, or `fallback`.
fn join(first: Option<String>, second: Option<String>, fallback: &str) -> String {
    let first = first.filter(|s| !s.trim().is_empty());
    let second = second.filter(|s| !s.trim().is_empty());
    match (first, second) {
        (Some(a), Some(b)) => format!("{a}: {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => fallback.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dependabot_alert_is_named_by_package_and_advisory() {
        let raw: RawDependabot = serde_json::from_value(json!({
            "number": 12,
            "state": "open",
            "html_url": "https://github.com/acme/shop/security/dependabot/12",
            "dependency": {"package": {"ecosystem": "npm", "name": "lodash"}},
            "security_advisory": {"summary": "Prototype Pollution in lodash", "severity": "high"},
            "security_vulnerability": {"severity": "critical", "package": {"ecosystem": "npm", "name": "lodash"}}
        }))
        .unwrap();
        assert_eq!(
            dependabot(raw),
            Alert {
                number: 12,
                severity: Some(Severity::Critical),
                title: "lodash: Prototype Pollution in lodash".into(),
                url: Some("https://github.com/acme/shop/security/dependabot/12".into()),
            }
        );
        // The advisory's severity when the vulnerability has none; GitHub's `moderate` too.
        let raw: RawDependabot = serde_json::from_value(json!({
            "number": 3, "security_advisory": {"severity": "moderate"}
        }))
        .unwrap();
        let alert = dependabot(raw);
        assert_eq!(alert.severity, Some(Severity::Medium));
        assert_eq!(alert.title, "an advisory");
    }

    #[test]
    fn a_code_scanning_alert_takes_the_security_severity_then_the_rules() {
        let raw: RawCodeScanning = serde_json::from_value(json!({
            "number": 7,
            "rule": {"id": "js/sql-injection", "severity": "error", "security_severity_level": "medium",
                     "description": "Database query built from user-controlled sources"},
            "tool": {"name": "CodeQL"}
        }))
        .unwrap();
        let alert = code_scanning(raw);
        assert_eq!(alert.severity, Some(Severity::Medium));
        assert_eq!(
            alert.title,
            "js/sql-injection: Database query built from user-controlled sources (CodeQL)"
        );
        let raw: RawCodeScanning = serde_json::from_value(json!({
            "number": 8, "rule": {"id": "S101", "severity": "error", "security_severity_level": null}
        }))
        .unwrap();
        assert_eq!(code_scanning(raw).severity, Some(Severity::High));
    }

    #[test]
    fn a_secret_scanning_alert_never_carries_the_secret() {
        let raw: RawSecretScanning = serde_json::from_value(json!({
            "number": 2,
            "secret_type": "github_personal_access_token",
            "secret_type_display_name": "GitHub Personal Access Token",
            "secret": "ghp_leaked0000000000000000000000000000"
        }))
        .unwrap();
        let alert = secret_scanning(raw);
        assert_eq!(alert.title, "GitHub Personal Access Token");
        assert!(!format!("{alert:?}").contains("ghp_"), "{alert:?}");
    }

    #[test]
    fn sources_follow_the_policy() {
        let mut policy = shipgate_core::policy::SecurityPolicy::default();
        assert!(!Sources::of(&policy).any());
        policy.dependabot = Some(Severity::High);
        assert_eq!(
            Sources::of(&policy),
            Sources {
                dependabot: true,
                ..Sources::default()
            }
        );
        policy.enabled = false;
        assert!(!Sources::of(&policy).any());
    }
}
