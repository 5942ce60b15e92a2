//! The rollback actions after a rollback decision: mark the production deployment `failure`,
//! call a rollback webhook, dispatch a rollback workflow, then time the recovery.
//!
//! Each action is reported on its own ([`ActionReport`]); one failing does not stop the others
//! (a failed status write must not keep the actual rollback from being triggered). None of them
//! runs in a replay: that is a dry run. The team is told, through `notify-webhook`, when the
//! rollback is decided and when its recovery timing ends ([`super::notify`]); a notification
//! never delays an action nor changes an outcome.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Url;
use serde::Serialize;
use shipgate_core::watch::ActionReport;
use shipgate_github::{actions, deployments, Client};

use super::health::{describe_error, Probe, Target};
use super::notify::{Notifier, NotifyFailure};

/// Which deployment to mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentRef {
    /// `--deployment-id`.
    Id(u64),
    /// The newest deployment of this SHA to the environment.
    Sha(String),
}

/// Everything the rollback needs.
#[derive(Debug, Clone)]
pub struct Rollback {
    /// `owner/name`.
    pub repo: Option<String>,
    /// The deployment to mark `failure`.
    pub deployment: Option<DeploymentRef>,
    /// The environment (`production`).
    pub environment: String,
    /// The deployed commit (for the webhook and the workflow).
    pub sha: Option<String>,
    /// The deployed version (for the webhook and the workflow).
    pub version: Option<String>,
    /// A GitHub client, when a token is available.
    pub github: Option<Client>,
    /// A URL to POST the rollback to.
    pub webhook: Option<Url>,
    /// A workflow file (e.g. `rollback.yml`) to dispatch.
    pub workflow: Option<String>,
    /// The ref to run the workflow on.
    pub workflow_ref: String,
    /// A link to this run for the deployment status (`log_url`).
    pub log_url: Option<String>,
    /// Per-request timeout for the webhook.
    pub timeout: StdDuration,
    /// Where to tell the team (`notify-webhook`).
    pub notify: Option<Notifier>,
}

/// The decision being acted on.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// The rule that fired, as written.
    pub trigger: String,
    /// Why.
    pub reason: String,
    /// When.
    pub fired_at: DateTime<Utc>,
}

/// The webhook's JSON body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookBody<'a> {
    /// `owner/name`.
    pub repository: Option<&'a str>,
    /// The deployed commit.
    pub sha: Option<&'a str>,
    /// The deployed version.
    pub version: Option<&'a str>,
    /// The environment.
    pub environment: &'a str,
    /// The rule that fired.
    pub trigger: &'a str,
    /// Why.
    pub reason: &'a str,
    /// When (RFC 3339).
    pub fired_at: String,
}

fn action(name: &str, ok: Option<bool>, detail: impl Into<String>) -> ActionReport {
    ActionReport {
        action: name.to_string(),
        ok,
        detail: detail.into(),
    }
}

impl Rollback {
    /// Runs every configured action, in order: deployment status, webhook, workflow.
    pub async fn run(&self, decision: &Decision) -> Vec<ActionReport> {
        vec![
            self.mark_deployment(decision).await,
            self.call_webhook(decision).await,
            self.dispatch_workflow(decision).await,
        ]
    }

    /// What the notifications are about.
    fn subject(&self) -> shipgate_core::notify::Subject<'_> {
        shipgate_core::notify::Subject {
            repository: self.repo.as_deref(),
            environment: &self.environment,
            version: self.version.as_deref(),
            sha: self.sha.as_deref(),
            run_url: self.log_url.as_deref(),
        }
    }

    /// Starts the "rollback decided" notification on its own task, so that it never delays the
    /// rollback; `None` without `notify-webhook`.
    pub fn notify_decided(
        &self,
        decision: &Decision,
    ) -> Option<tokio::task::JoinHandle<Result<u32, NotifyFailure>>> {
        let notifier = self.notify.clone()?;
        let text = shipgate_core::notify::rollback_decided(
            &self.subject(),
            &decision.trigger,
            &decision.reason,
        );
        Some(tokio::spawn(async move { notifier.send(&text).await }))
    }

    /// Sends the "rollback finished" notification at the end of the recovery timing:
    /// healthy again after `recovered` seconds, or still unhealthy after `bound`.
    pub async fn notify_finished(
        &self,
        recovered: Option<u64>,
        bound: StdDuration,
    ) -> Option<Result<u32, NotifyFailure>> {
        let notifier = self.notify.as_ref()?;
        let text =
            shipgate_core::notify::rollback_finished(&self.subject(), recovered, bound.as_secs());
        Some(notifier.send(&text).await)
    }

    async fn mark_deployment(&self, decision: &Decision) -> ActionReport {
        const NAME: &str = "deployment status";
        let (Some(github), Some(repo)) = (&self.github, &self.repo) else {
            return action(
                NAME,
                None,
                "no GitHub token (`GITHUB_TOKEN`/`GH_TOKEN`) or repository (`--repo`/`GITHUB_REPOSITORY`)",
            );
        };
        let Some(deployment) = &self.deployment else {
            return action(
                NAME,
                None,
                "no `--deployment-id` or `--sha` to find the deployment",
            );
        };
        let id = match deployment {
            DeploymentRef::Id(id) => *id,
            DeploymentRef::Sha(sha) => match self.newest_deployment(github, repo, sha).await {
                Ok(Some(id)) => id,
                Ok(None) => {
                    return action(
                        NAME,
                        Some(false),
                        format!("no `{}` deployment of {sha} in {repo}", self.environment),
                    )
                }
                Err(e) => return action(NAME, Some(false), e.to_string()),
            },
        };
        let posted = deployments::create_status(
            github,
            repo,
            id,
            "failure",
            &format!("shipgate rollback: {}", decision.reason),
            &self.environment,
            self.log_url.as_deref(),
        )
        .await;
        match posted {
            Ok(_) => action(
                NAME,
                Some(true),
                format!("deployment {id} marked `failure`"),
            ),
            Err(e) => action(NAME, Some(false), e.to_string()),
        }
    }

    async fn newest_deployment(
        &self,
        github: &Client,
        repo: &str,
        sha: &str,
    ) -> Result<Option<u64>, shipgate_github::Error> {
        Ok(
            deployments::newest_deployment(github, repo, sha, &self.environment)
                .await?
                .map(|d| d.id),
        )
    }

    async fn call_webhook(&self, decision: &Decision) -> ActionReport {
        const NAME: &str = "webhook";
        let Some(url) = &self.webhook else {
            return action(NAME, None, "no rollback webhook given");
        };
        // Deploy hooks carry their secret in the path: show the host only.
        let shown = format!("{}://{}/…", url.scheme(), url.host_str().unwrap_or("?"));
        let body = WebhookBody {
            repository: self.repo.as_deref(),
            sha: self.sha.as_deref(),
            version: self.version.as_deref(),
            environment: &self.environment,
            trigger: &decision.trigger,
            reason: &decision.reason,
            fired_at: shipgate_core::watch::engine::rfc3339(decision.fired_at),
        };
        let client = match reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => return action(NAME, Some(false), e.to_string()),
        };
        match client.post(url.clone()).json(&body).send().await {
            Ok(r) if r.status().is_success() => action(
                NAME,
                Some(true),
                format!("POST {shown} answered {}", r.status().as_u16()),
            ),
            Ok(r) => action(
                NAME,
                Some(false),
                format!("POST {shown} answered {}", r.status().as_u16()),
            ),
            Err(e) => action(
                NAME,
                Some(false),
                format!("POST {shown}: {}", describe_error(&e, self.timeout)),
            ),
        }
    }

    async fn dispatch_workflow(&self, decision: &Decision) -> ActionReport {
        const NAME: &str = "workflow";
        let Some(file) = &self.workflow else {
            return action(NAME, None, "no rollback workflow given");
        };
        let (Some(github), Some(repo)) = (&self.github, &self.repo) else {
            return action(
                NAME,
                Some(false),
                "dispatching a workflow needs a GitHub token and the repository",
            );
        };
        let inputs = [
            ("sha", self.sha.as_deref().unwrap_or_default()),
            ("version", self.version.as_deref().unwrap_or_default()),
            ("trigger", decision.trigger.as_str()),
            ("reason", decision.reason.as_str()),
        ];
        // Only a 204 counts; a doubtful answer is not repeated (see shipgate_github::actions).
        match actions::dispatch_workflow(github, repo, file, &self.workflow_ref, &inputs).await {
            Ok(()) => action(
                NAME,
                Some(true),
                format!("dispatched `{file}` on `{}`", self.workflow_ref),
            ),
            Err(e) => action(NAME, Some(false), e.to_string()),
        }
    }
}

/// Polls the health URLs every `every` until all are up or `bound` has passed since
/// `decided`; returns the seconds from the decision to health, or `None` when still down.
pub async fn time_recovery(
    probe: &Probe,
    targets: &[Target],
    decided: Instant,
    every: StdDuration,
    bound: StdDuration,
) -> (Option<u64>, ActionReport) {
    const NAME: &str = "recovery";
    if targets.is_empty() {
        return (
            None,
            action(NAME, None, "no health URLs to time the recovery"),
        );
    }
    loop {
        let (health, attempts) = probe.sample(targets).await;
        if health >= 1.0 {
            let seconds = decided.elapsed().as_secs();
            return (
                Some(seconds),
                action(
                    NAME,
                    Some(true),
                    format!("health-urls healthy again after {seconds}s"),
                ),
            );
        }
        if decided.elapsed() >= bound {
            let why = targets
                .iter()
                .zip(&attempts)
                .filter(|(_, a)| !a.up)
                .map(|(t, a)| format!("{}: {}", t.display, a.error.clone().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("; ");
            return (
                None,
                action(
                    NAME,
                    Some(false),
                    format!(
                        "still down {} after the decision ({why})",
                        shipgate_core::Duration::from_secs(bound.as_secs())
                    ),
                ),
            );
        }
        tokio::time::sleep(every.min(bound.saturating_sub(decided.elapsed()))).await;
    }
}

/// The webhook URL, checked like health URLs (HTTPS unless loopback or `allow-http`).
pub fn parse_webhook(text: &str, allow_http: bool) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || super::health::is_loopback(&url) => Ok(url),
        // Deploy hooks carry their secret in the path: show the host only.
        _ => Err(format!(
            "{}://{}/… must use HTTPS (loopback hosts are always allowed)",
            url.scheme(),
            url.host_str().unwrap_or("?")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_need_https() {
        assert!(parse_webhook("https://hooks.example/deploy/abc", false).is_ok());
        assert!(parse_webhook("http://127.0.0.1:9/hook", false).is_ok());
        let e = parse_webhook("http://hooks.example/deploy/abc", false).unwrap_err();
        assert!(e.contains("must use HTTPS"), "{e}");
        assert!(
            !e.contains("/deploy/abc"),
            "the hook's secret path is never shown: {e}"
        );
    }
}
