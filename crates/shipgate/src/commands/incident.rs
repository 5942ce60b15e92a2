//! `shipgate incident`: after a production rollback, opens the incident issue of the rolled-back
//! deployment, or updates the one a run before opened (`docs/incident.md`).
//!
//! One GraphQL read (`shipgate_github::issues::read_incident`) gives the environment's
//! deployments and shipgate's incident issues; core decides which deployment was rolled back,
//! which issue is its incident (the marker on the first line, opened by the token's own account)
//! and what the issue says (`shipgate_core::incident`); then one write at most: `POST …/issues`
//! when there is none, `PATCH …/issues/{n}` when its body changed, nothing when it did not.
//! Exit codes: 0 the issue is open or up to date, 1 GitHub could not be read or written (no issue
//! is opened when it could not be looked for), 2 bad input.

use serde_json::json;

use shipgate_core::escape;
use shipgate_core::incident::{self, Incident, SelectError, Severity, Wanted};
use shipgate_github::issues::{self, RestIssue};

use super::record::{github_client, repository};
use crate::exit;
use crate::inputs::{Origin, Values};
use crate::outcome::{Failure, Format, Outcome};
use crate::toolkit::{Annotation, Level};

/// Arguments of `shipgate incident` (inputs: `crate::inputs`).
#[derive(Debug, Clone)]
pub struct IncidentArgs {
    /// The environment of the rolled-back deployment.
    pub environment: String,
    /// The rolled-back commit.
    pub sha: Option<String>,
    /// The rolled-back deployment's id.
    pub deployment_id: Option<u64>,
    /// The rolled-back version.
    pub version: Option<String>,
    /// The rule that fired (`None`: manual).
    pub trigger: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// The severity, when given.
    pub severity: Option<Severity>,
    /// Seconds from the decision until healthy again, as `watch` measured.
    pub rollback_seconds: Option<u64>,
    /// The incident label.
    pub label: String,
    /// The repository, OWNER/NAME [default: $GITHUB_REPOSITORY].
    pub repo: Option<String>,
    /// Output format.
    pub format: Format,
}

impl IncidentArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let text = |name: &str| {
            values
                .text(name)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let sha = values
            .parse("sha", |t| {
                let ok = t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit());
                ok.then(|| t.to_ascii_lowercase())
                    .ok_or_else(|| format!("{t:?} is not a 40-hex commit SHA"))
            })?
            .filter(|s| !s.is_empty());
        let deployment_id = values.parse("deployment-id", |t| {
            t.parse::<u64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| format!("{t:?} is not a deployment id"))
        })?;
        if sha.is_none() && deployment_id.is_none() {
            return Err(Failure::usage(format!(
                "name the rolled-back deployment: {} (the rolled-back commit) or {}",
                values.label("sha"),
                values.label("deployment-id")
            )));
        }
        let environment = values.required("environment")?.to_string();
        let label = values.required("label")?.to_string();
        if label.chars().count() > 50 || label.chars().any(char::is_control) {
            return Err(values.invalid(
                "label",
                "a GitHub label is at most 50 characters, on one line",
            ));
        }
        Ok(Self {
            environment,
            sha,
            deployment_id,
            version: text("version"),
            trigger: text("trigger"),
            reason: text("reason"),
            severity: values.parse("severity", |t| {
                Severity::parse(t).ok_or_else(|| {
                    format!("{t:?} is not one of `critical`, `high`, `medium`, `low`")
                })
            })?,
            rollback_seconds: values.parse("rollback-seconds", |t| {
                t.parse::<u64>()
                    .map_err(|_| format!("{t:?} is not a whole number of seconds"))
            })?,
            label,
            repo: if values.origin() == Origin::Cli {
                text("repo")
            } else {
                None
            },
            format: Format::from_values(values)?,
        })
    }
}

/// What happened to the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Created,
    Updated,
    Unchanged,
}

impl Fate {
    fn word(self) -> &'static str {
        match self {
            Fate::Created => "opened",
            Fate::Updated => "updated",
            Fate::Unchanged => "up to date",
        }
    }
}

/// Runs `shipgate incident`.
pub async fn run(args: IncidentArgs) -> Result<Outcome, Failure> {
    let repo = repository(args.repo.as_deref())?;
    let client = github_client()?;
    let github_err = |e: shipgate_github::Error| Failure::error(format!("incident issue: {e}"));
    let wanted = match (args.deployment_id, args.sha.as_deref()) {
        (Some(id), _) => Wanted::Deployment(id),
        (None, Some(sha)) => Wanted::Commit(sha),
        (None, None) => unreachable!("checked when the arguments were built"),
    };
    let read = issues::read_incident(&client, &repo, &args.environment, &args.label, wanted)
        .await
        .map_err(github_err)?;
    let selection = incident::select(&read.deployments, wanted).map_err(|e| match e {
        SelectError::NotFound => Failure::error(match wanted {
            Wanted::Deployment(id) => format!(
                "incident issue: no deployment {id} to {} in {repo}",
                args.environment
            ),
            Wanted::Commit(sha) => format!(
                "incident issue: no deployment of commit {sha} to {} in {repo} (a rollback deployment is never the rolled-back one)",
                args.environment
            ),
        }),
        SelectError::IsRollback(_) => Failure::usage(format!("incident issue: {e}")),
    })?;
    let rolled_back = selection.rolled_back.clone();
    if let Some(sha) = &args.sha {
        if !rolled_back.sha.eq_ignore_ascii_case(sha) {
            return Err(Failure::usage(format!(
                "deployment {} is of commit {}, not of {sha}",
                rolled_back.id, rolled_back.sha
            )));
        }
    }
    let recorded = rolled_back
        .payload
        .as_ref()
        .and_then(|p| p.version.clone())
        .filter(|v| !v.trim().is_empty());
    if let (Some(given), Some(recorded)) = (&args.version, &recorded) {
        if given.trim() != recorded.trim() {
            return Err(Failure::usage(format!(
                "deployment {} recorded version {recorded:?}, not {given:?}: name the deployment that was rolled back",
                rolled_back.id
            )));
        }
    }
    let incident = Incident {
        repository: repo.clone(),
        server_url: std::env::var("GITHUB_SERVER_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "https://github.com".into()),
        environment: args.environment.clone(),
        selection,
        version: args.version.clone(),
        trigger: args.trigger.clone(),
        reason: args.reason.clone(),
        severity: args.severity,
        rollback_seconds: args.rollback_seconds,
        pull_request: read.pull_requests.get(&rolled_back.id).cloned(),
    };
    let id = incident.deployment_id();
    let found = incident::find(&read.issues, id);
    let mut annotations = Vec::new();
    for number in &found.ignored {
        annotations.push(Annotation::new(
            Level::Warning,
            format!(
                "issue #{number} carries the incident marker of deployment {id} but was not opened by this token's account: ignored"
            ),
        ));
    }
    if let (Some(kept), false) = (found.issue, found.duplicates.is_empty()) {
        annotations.push(Annotation::new(
            Level::Warning,
            format!(
                "issues {} duplicate incident issue #{} of deployment {id}: only #{} is updated; close the others",
                numbers(&found.duplicates),
                kept.number,
                kept.number
            ),
        ));
    }

    let (issue, fate, open) = match found.issue {
        Some(existing) => {
            if !existing.labelled {
                annotations.push(Annotation::new(
                    Level::Warning,
                    format!(
                        "issue #{} no longer carries the label {:?}: found among the newest issues this time; put the label back so that later runs keep finding it",
                        existing.number, args.label
                    ),
                ));
            }
            let body = incident::body(&incident, Some(&existing.body));
            let issue = RestIssue {
                number: existing.number,
                html_url: existing.url.clone(),
                state: if existing.open { "open" } else { "closed" }.into(),
                labels: Vec::new(),
            };
            if incident::same_body(&existing.body, &body) {
                (issue, Fate::Unchanged, existing.open)
            } else {
                let updated = issues::update_issue_body(&client, &repo, existing.number, &body)
                    .await
                    .map_err(github_err)?;
                let open = updated.state != "closed";
                (updated, Fate::Updated, open)
            }
        }
        None => {
            let body = incident::body(&incident, None);
            let title = incident::title(&incident);
            let since = rolled_back.created_at;
            let created = issues::create_issue(&client, &repo, &title, &body, &args.label, || {
                issues::find_issue(&client, &repo, &args.label, id, since)
            })
            .await
            .map_err(github_err)?;
            if !created.has_label(&args.label) {
                annotations.push(Annotation::new(
                    Level::Warning,
                    format!(
                        "GitHub did not put the label {:?} on issue #{} (the token may not set labels): later runs find it only while it is among the 50 newest issues",
                        args.label, created.number
                    ),
                ));
            }
            (created, Fate::Created, true)
        }
    };

    let report_value = incident.report();
    let mut report = serde_json::to_value(&report_value).expect("an incident report serialises");
    report["issue"] = json!({
        "number": issue.number,
        "url": issue.html_url,
        "created": fate == Fate::Created,
        "changed": fate != Fate::Unchanged,
        "open": open,
    });
    let report_text = shipgate_core::render::document_line(&report);
    let severity = report_value.severity.name();
    let state_note = if open { "" } else { " (closed: left closed)" };
    let summary = format!(
        "### Incident issue\n\n[#{number}]({url}) {fate}{state_note}: {title}, severity **{severity}**, deployment {id} to {env}.\n",
        number = issue.number,
        url = issue.html_url,
        fate = fate.word(),
        title = escape::markdown(&incident::title(&incident)),
        env = escape::code(&incident.environment),
    );
    let stdout = match args.format {
        Format::Json => format!("{report_text}\n"),
        Format::Markdown => summary.clone(),
        Format::Text => format!(
            "incident issue #{} {}{state_note} for deployment {id} ({}), severity {severity}: {}\n",
            issue.number,
            fate.word(),
            escape::plain(&incident.version()),
            issue.html_url
        ),
    };
    Ok(Outcome {
        exit: exit::OK,
        stdout,
        outputs: vec![
            ("issue-number".into(), issue.number.to_string()),
            ("issue-url".into(), issue.html_url.clone()),
            ("created".into(), (fate == Fate::Created).to_string()),
            ("severity".into(), severity.to_string()),
            ("report".into(), report_text),
        ],
        summary: Some(summary),
        annotations,
    })
}

fn numbers(list: &[u64]) -> String {
    list.iter()
        .map(|n| format!("#{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::Cmd;

    fn args(pairs: &[(&str, &str)], origin: Origin) -> Result<IncidentArgs, String> {
        IncidentArgs::from_values(&Values::new(Cmd::Incident, origin, pairs)).map_err(|f| f.message)
    }

    #[test]
    fn the_rolled_back_deployment_must_be_named() {
        let err = args(&[], Origin::Cli).unwrap_err();
        assert_eq!(
            err,
            "name the rolled-back deployment: --sha (the rolled-back commit) or --deployment-id"
        );
        let err = args(&[], Origin::Action).unwrap_err();
        assert!(err.contains("input `sha`"), "{err}");
        let ok = args(&[("deployment-id", "77")], Origin::Action).unwrap();
        assert_eq!(ok.deployment_id, Some(77));
        assert_eq!(ok.environment, "production");
        assert_eq!(ok.label, "shipgate:incident");
    }

    #[test]
    fn bad_values_name_their_input() {
        for (pair, expected) in [
            (("sha", "abc"), "invalid value for --sha: \"abc\" is not a 40-hex commit SHA"),
            (("deployment-id", "0"), "invalid value for --deployment-id: \"0\" is not a deployment id"),
            (("severity", "sev1"), "invalid value for --severity: \"sev1\" is not one of `critical`, `high`, `medium`, `low`"),
            (("rollback-seconds", "1.5"), "invalid value for --rollback-seconds: \"1.5\" is not a whole number of seconds"),
            (("label", "a\u{7}b"), "invalid value for --label: a GitHub label is at most 50 characters, on one line"),
        ] {
            let mut pairs = vec![("deployment-id", "5")];
            pairs.retain(|(n, _)| *n != pair.0);
            pairs.push(pair);
            assert_eq!(args(&pairs, Origin::Cli).unwrap_err(), expected);
        }
        let ok = args(
            &[
                ("sha", &"AB".repeat(20)),
                ("severity", "Critical"),
                ("rollback-seconds", "95"),
            ],
            Origin::Cli,
        )
        .unwrap();
        assert_eq!(ok.sha.as_deref(), Some("ab".repeat(20).as_str()));
        assert_eq!(ok.severity, Some(Severity::Critical));
        assert_eq!(ok.rollback_seconds, Some(95));
    }
}
