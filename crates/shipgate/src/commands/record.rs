//! `shipgate record`: records one deploy as a GitHub Deployment with a status, and as one line
//! of JSON in the audit file.
//!
//! Idempotent on a re-run of the same workflow run: the deployment's payload carries the run id,
//! and a deployment already made by this run is reused; a status identical to the newest one is
//! not posted again. The audit line is appended even when GitHub could not be written (the exit
//! code then says so), so a deploy is never left unrecorded. With `notify-webhook`, the team is
//! told when a deploy starts and how it ended (`shipgate_core::notify::deployment`); a failed
//! notification is a warning and never changes the exit code.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::json;

use shipgate_core::kpi::AuditRecord;
use shipgate_github::deployments::{self, NewDeployment};

use crate::exit;
use crate::inputs::{Origin, Values};
use crate::outcome::{Failure, Format, Outcome};
use crate::post_deploy::notify::{Notifier, Webhook};
use crate::runner::env_var as env;
use crate::toolkit::{Annotation, Level};

/// The states GitHub accepts for a deployment status.
const STATES: &[&str] = &[
    "error",
    "failure",
    "inactive",
    "in_progress",
    "queued",
    "pending",
    "success",
];

/// Arguments of `shipgate record` (inputs: `crate::inputs`).
#[derive(Debug, Clone)]
pub struct RecordArgs {
    /// The environment deployed to (`staging`, `production`, …).
    pub environment: String,
    /// The deployed commit [default: $GITHUB_SHA].
    pub sha: Option<String>,
    /// The ref to record as deployed [default: the SHA].
    pub git_ref: Option<String>,
    /// The release version, e.g. `v1.4.0`.
    pub release_version: Option<String>,
    /// The deployment state.
    pub state: String,
    /// When the deploy started (RFC 3339).
    pub started_at: Option<String>,
    /// When the deploy finished (RFC 3339).
    pub finished_at: Option<String>,
    /// Whether this deploy is a rollback.
    pub rollback: bool,
    /// Append the record as one JSON line to this file.
    pub audit_file: Option<PathBuf>,
    /// Write only the audit file, not GitHub.
    pub audit_only: bool,
    /// The repository, OWNER/NAME [default: $GITHUB_REPOSITORY].
    pub repo: Option<String>,
    /// The workflow run id, the idempotency key [default: $GITHUB_RUN_ID].
    pub run_id: Option<u64>,
    /// Where to tell the team.
    pub notify: Option<Webhook>,
    /// Output format.
    pub format: Format,
}

impl RecordArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let text = |name: &str| values.text(name).map(str::to_string);
        let cli = values.origin() == Origin::Cli;
        Ok(Self {
            environment: values.required("environment")?.to_string(),
            sha: text("sha"),
            git_ref: text("ref"),
            release_version: text("version"),
            state: text("state").unwrap_or_default(),
            started_at: text("started-at"),
            finished_at: text("finished-at"),
            rollback: values.flag("rollback")?,
            audit_file: text("audit-file").map(PathBuf::from),
            audit_only: cli && values.flag("audit-only")?,
            repo: if cli { text("repo") } else { None },
            run_id: if cli {
                values.parse("run-id", |t| {
                    t.parse::<u64>()
                        .map_err(|_| format!("{t:?} is not a workflow run id"))
                })?
            } else {
                None
            },
            notify: values.parse("notify-webhook", Webhook::parse)?,
            format: Format::from_values(values)?,
        })
    }
}

fn parse_time(flag: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, Failure> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| super::gate::parse_time(t).map_err(|e| Failure::usage(format!("{flag}: {e}"))))
        .transpose()
}

/// Builds a GitHub client from the environment (token never printed).
pub fn github_client() -> Result<shipgate_github::Client, Failure> {
    crate::runner::cli_client(&crate::toolkit::Env::from_process())
}

/// The repository from `--repo` or `GITHUB_REPOSITORY`.
pub fn repository(flag: Option<&str>) -> Result<String, Failure> {
    flag.map(str::to_string)
        .or_else(|| env("GITHUB_REPOSITORY"))
        .ok_or_else(|| {
            Failure::usage("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
        })
}

/// Runs `shipgate record`.
pub async fn run(args: RecordArgs) -> Result<Outcome, Failure> {
    run_at(args, Utc::now()).await
}

/// Runs `shipgate record` as of `now`.
pub async fn run_at(args: RecordArgs, now: DateTime<Utc>) -> Result<Outcome, Failure> {
    let state = args.state.trim().to_ascii_lowercase();
    if !STATES.contains(&state.as_str()) {
        return Err(Failure::usage(format!(
            "--state: {:?} is not one of {}",
            args.state,
            STATES.join(", ")
        )));
    }
    let environment = args.environment.trim().to_string();
    if environment.is_empty() {
        return Err(Failure::usage("--environment: must not be empty"));
    }
    let sha = args
        .sha
        .clone()
        .or_else(|| env("GITHUB_SHA"))
        .ok_or_else(|| Failure::usage("--sha: no commit given and GITHUB_SHA is not set"))?;
    if sha.len() < 7 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Failure::usage(format!(
            "--sha: {sha:?} is not a commit SHA"
        )));
    }
    let started_at = parse_time("--started-at", args.started_at.as_deref())?;
    let finished_at = parse_time("--finished-at", args.finished_at.as_deref())?;
    if let (Some(start), Some(end)) = (started_at, finished_at) {
        if end < start {
            return Err(Failure::usage(format!(
                "--finished-at ({end}) is before --started-at ({start})"
            )));
        }
    }
    let repo = repository(args.repo.as_deref())?;
    let run_id = args
        .run_id
        .or_else(|| env("GITHUB_RUN_ID").and_then(|v| v.parse().ok()));
    let actor = env("GITHUB_ACTOR");
    // Shown in the summary, the report, the audit line and notifications: redacted like every
    // URL shipgate prints.
    let run_url = match (env("GITHUB_SERVER_URL"), run_id) {
        (Some(server), Some(id)) => Some(shipgate_core::redact::url(&format!(
            "{}/{repo}/actions/runs/{id}",
            server.trim_end_matches('/')
        ))),
        _ => None,
    };
    let mut record = AuditRecord {
        recorded_at: now,
        repository: repo.clone(),
        environment: environment.clone(),
        sha: sha.clone(),
        version: args
            .release_version
            .clone()
            .filter(|v| !v.trim().is_empty()),
        actor: actor.clone(),
        state: state.clone(),
        started_at,
        finished_at,
        duration_seconds: None,
        rollback: args.rollback,
        deployment_id: None,
        run_id,
        run_url: run_url.clone(),
    }
    .with_duration();

    let github = if args.audit_only {
        Ok(None)
    } else {
        write_github(&args, &record, &sha).await.map(Some)
    };
    if let Ok(Some(id)) = &github {
        record.deployment_id = Some(*id);
    }
    if let Some(path) = &args.audit_file {
        append_line(path, &record.to_json_line()).map_err(|e| {
            Failure::error(format!(
                "--audit-file {}: cannot append: {e}",
                path.display()
            ))
        })?;
    }
    // The deploy happened whatever GitHub answered: the team hears of it either way.
    let notified = match (&args.notify, shipgate_core::notify::deployment(&record)) {
        (Some(webhook), Some(text)) => Some(Notifier::new(webhook.clone()).send(&text).await),
        _ => None,
    };
    let mut annotations = Vec::new();
    if let Some(Err(failure)) = &notified {
        annotations.push(Annotation::new(Level::Warning, failure.to_string()));
    }
    let deployment_id = match github {
        Ok(id) => id,
        Err(mut failure) => {
            if let Some(Err(note)) = &notified {
                failure.message.push_str(&format!("; also, {note}"));
            }
            return Err(failure);
        }
    };

    let report = serde_json::to_string(&record).expect("audit records serialise");
    let summary = format!(
        "### Deployment recorded\n\n| Environment | Commit | Version | State | Duration | Rollback |\n|---|---|---|---|---|---|\n| {} | `{}` | {} | {} | {} | {} |\n",
        shipgate_core::escape::markdown(&environment),
        &sha[..sha.len().min(12)],
        record.version.as_deref().map_or("–".into(), shipgate_core::escape::markdown),
        state,
        record.duration_seconds.map_or("–".into(), shipgate_core::kpi::metrics::seconds),
        if record.rollback { "yes" } else { "no" },
    );
    let stdout = match args.format {
        Format::Json => format!("{report}\n"),
        Format::Markdown => summary.clone(),
        Format::Text => format!(
            "recorded {} of {} to {}: {}{}\n",
            record.version.as_deref().unwrap_or("commit"),
            &sha[..sha.len().min(12)],
            environment,
            state,
            deployment_id
                .map(|id| format!(" (deployment {id})"))
                .unwrap_or_default()
        ),
    };
    Ok(Outcome {
        exit: exit::OK,
        stdout,
        outputs: vec![
            (
                "deployment-id".into(),
                deployment_id.map(|id| id.to_string()).unwrap_or_default(),
            ),
            ("report".into(), report),
        ],
        summary: Some(summary),
        annotations,
    })
}

/// Creates (or finds, for a re-run) the deployment and posts the status when it changed.
async fn write_github(args: &RecordArgs, record: &AuditRecord, sha: &str) -> Result<u64, Failure> {
    let client = github_client()?;
    let repo = &record.repository;
    let github_err =
        |e: shipgate_github::Error| Failure::error(format!("recording the deployment: {e}"));
    let existing = match record.run_id {
        Some(run_id) => {
            deployments::find_run_deployment(&client, repo, sha, &record.environment, run_id)
                .await
                .map_err(github_err)?
        }
        None => None,
    };
    let deployment = match existing {
        Some(d) => d,
        None => {
            let payload = json!({
                "version": record.version,
                "actor": record.actor,
                "started_at": record.started_at,
                "finished_at": record.finished_at,
                "result": record.state,
                "duration_seconds": record.duration_seconds,
                "rollback": record.rollback,
                "run_id": record.run_id,
                "run_attempt": env("GITHUB_RUN_ATTEMPT").and_then(|a| a.parse::<u64>().ok()),
                "workflow": env("GITHUB_WORKFLOW"),
            });
            let new = NewDeployment {
                git_ref: args.git_ref.clone().unwrap_or_else(|| sha.to_string()),
                sha: sha.to_string(),
                run_id: record.run_id,
                environment: record.environment.clone(),
                production: record.environment == "production",
                description: description(record),
                payload,
            };
            deployments::create_deployment(&client, repo, &new)
                .await
                .map_err(github_err)?
        }
    };
    let text = description(record);
    let latest = deployments::latest_status(&client, repo, deployment.id)
        .await
        .map_err(github_err)?;
    let unchanged = latest.is_some_and(|s| {
        s.state == record.state
            && s.description.as_deref() == Some(deployments::description(&text).as_str())
    });
    if !unchanged {
        deployments::create_status(
            &client,
            repo,
            deployment.id,
            &record.state,
            &text,
            &record.environment,
            record.run_url.as_deref(),
        )
        .await
        .map_err(github_err)?;
    }
    Ok(deployment.id)
}

/// The one-line description of a record (GitHub keeps 140 characters).
fn description(record: &AuditRecord) -> String {
    let what = record
        .version
        .clone()
        .unwrap_or_else(|| shipgate_core::short_sha(&record.sha).to_string());
    let mut text = format!(
        "{}{what} to {}: {}",
        if record.rollback { "rollback to " } else { "" },
        record.environment,
        record.state
    );
    if let Some(secs) = record.duration_seconds {
        text.push_str(&format!(
            " in {}",
            shipgate_core::kpi::metrics::seconds(secs)
        ));
    }
    if let Some(actor) = &record.actor {
        text.push_str(&format!(" by {actor}"));
    }
    text
}

/// Appends one complete line with a single write on a file opened for appending, so a crash
/// never leaves half a record.
fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(line.as_bytes())?;
    file.sync_data()
}
