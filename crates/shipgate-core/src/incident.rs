//! Incidents: after a production rollback, one GitHub issue per rolled-back deployment.
//!
//! This module decides everything about that issue, as a pure function of the deployments read
//! from GitHub and the inputs (`docs/incident.md` is the reference):
//! - which deployment was rolled back and which rollbacks followed it ([`select`]);
//! - the issue's key: a hidden marker on the body's first line, `<!-- shipgate:incident
//!   deployment=<id> -->` ([`marker`], [`marked_deployment`]), and which existing issue carries
//!   it and may be trusted ([`find`]: only issues opened by the token's own account);
//! - the severity when none is given ([`Incident::severity`]), the timeline, the links and the
//!   flow's emergency procedure as a task list whose ticks survive every update ([`title`],
//!   [`body`]).
//!
//! Every string that comes from a user or from GitHub (versions, the trigger, the reason,
//! logins, the release PR's title, environment names) goes through [`crate::escape`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::escape;
use crate::facts::{DeploymentState, DeploymentStatus};
use crate::kpi::history::HistoryDeployment;
use crate::time::utc;

/// The label shipgate puts on its incident issues (and finds them by), unless told another.
pub const DEFAULT_LABEL: &str = "shipgate:incident";
/// GitHub's limit on an issue title (characters).
pub const TITLE_LIMIT: usize = 256;
/// GitHub's limit on an issue body (characters).
pub const BODY_LIMIT: usize = 65_536;
/// How `shipgate watch` starts the description of the `failure` status it puts on the deployment
/// it rolls back (the moment and the reason of the decision).
pub const WATCH_STATUS_PREFIX: &str = "shipgate rollback:";

const MARKER_PREFIX: &str = "<!-- shipgate:incident deployment=";
const MARKER_SUFFIX: &str = " -->";
/// Everything after this line of the body is the team's and is kept as it is on every update.
pub const NOTES_MARKER: &str = "<!-- shipgate:incident notes -->";

/// The hidden marker that makes an issue the incident of deployment `deployment_id`: the body's
/// first line, exactly.
pub fn marker(deployment_id: u64) -> String {
    format!("{MARKER_PREFIX}{deployment_id}{MARKER_SUFFIX}")
}

/// The deployment an issue body is the incident of: its first line must be exactly the marker
/// shipgate writes (a marker anywhere else, or with anything around it, does not count).
pub fn marked_deployment(body: &str) -> Option<u64> {
    let first = body.split('\n').next()?.trim_end_matches('\r');
    let id = first
        .strip_prefix(MARKER_PREFIX)?
        .strip_suffix(MARKER_SUFFIX)?;
    let canonical = !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && (id == "0" || !id.starts_with('0'));
    canonical.then(|| id.parse().ok()).flatten()
}

/// How bad an incident is: the flow's four levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Production was down, or is still broken.
    Critical,
    /// Production was degraded and is back.
    High,
    /// Set by the team.
    Medium,
    /// Set by the team.
    Low,
}

impl Severity {
    /// Every level, worst first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The level's name (`critical`, `high`, `medium`, `low`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    /// The level named `text` (case-insensitive).
    pub fn parse(text: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// Which deployment was rolled back, as the user names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted<'a> {
    /// GitHub's deployment id.
    Deployment(u64),
    /// The newest deployment of this commit that is not itself a rollback.
    Commit(&'a str),
}

/// Why no rolled-back deployment could be selected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// No deployment matches.
    #[error("no deployment found")]
    NotFound,
    /// The named deployment is a rollback itself.
    #[error("deployment {0} is a rollback itself: name the deployment that was rolled back")]
    IsRollback(u64),
}

/// The rolled-back deployment and the rollback deployments that followed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The deployment that was rolled back (the incident's key).
    pub rolled_back: HistoryDeployment,
    /// The rollbacks made after it, oldest first, up to the next deployment that is not a
    /// rollback.
    pub rollbacks: Vec<HistoryDeployment>,
}

/// Whether `deployment` is the wanted one (a SHA compares without case).
pub fn is_wanted(deployment: &HistoryDeployment, wanted: Wanted<'_>) -> bool {
    match wanted {
        Wanted::Deployment(id) => deployment.id == id,
        Wanted::Commit(sha) => {
            !deployment.is_rollback() && deployment.sha.eq_ignore_ascii_case(sha)
        }
    }
}

/// Picks the rolled-back deployment among an environment's deployments (any order) and the
/// rollbacks after it: the deployments created after it, in creation order, as long as each is a
/// rollback. A deployment named by id that is a rollback itself is an error, so the issue is never
/// keyed by the wrong deployment.
pub fn select(
    deployments: &[HistoryDeployment],
    wanted: Wanted<'_>,
) -> Result<Selection, SelectError> {
    let mut sorted: Vec<&HistoryDeployment> = deployments.iter().collect();
    sorted.sort_by_key(|d| (d.created_at, d.id));
    let index = sorted
        .iter()
        .rposition(|d| is_wanted(d, wanted))
        .ok_or(SelectError::NotFound)?;
    let rolled_back = sorted[index];
    if rolled_back.is_rollback() {
        return Err(SelectError::IsRollback(rolled_back.id));
    }
    let rollbacks = sorted[index + 1..]
        .iter()
        .take_while(|d| d.is_rollback())
        .map(|d| (*d).clone())
        .collect();
    Ok(Selection {
        rolled_back: rolled_back.clone(),
        rollbacks,
    })
}

/// The release pull request that brought the rolled-back commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequestLink {
    /// Its number.
    pub number: u64,
    /// Its title (untrusted).
    pub title: String,
}

/// Everything the incident issue says, read from GitHub and the inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// `owner/name`.
    pub repository: String,
    /// The web address of GitHub (`https://github.com`; GHES: its host).
    pub server_url: String,
    /// The environment (`production`).
    pub environment: String,
    /// The rolled-back deployment and the rollbacks after it.
    pub selection: Selection,
    /// The rolled-back version as given; else the deployment's recorded version is used.
    pub version: Option<String>,
    /// The rollback trigger that fired, as written; `None` for a manual rollback.
    pub trigger: Option<String>,
    /// Why, as given; else the reason `watch` recorded on the deployment.
    pub reason: Option<String>,
    /// The severity as given; else [`Incident::severity`] derives one.
    pub severity: Option<Severity>,
    /// Seconds from the decision until the health checks passed again, as `watch` measured.
    pub rollback_seconds: Option<u64>,
    /// The release pull request of the rolled-back commit, when GitHub links one.
    pub pull_request: Option<PullRequestLink>,
}

/// How the rollback went, from the rollback deployments' statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Outcome {
    /// No rollback deployment recorded after the rolled-back one (yet).
    NotRecorded,
    /// A rollback started and has no terminal status yet.
    Running {
        /// When it started.
        since: DateTime<Utc>,
    },
    /// A rollback reached `success`: production runs the restored release.
    Succeeded {
        /// When.
        at: DateTime<Utc>,
        /// The restored version (or short commit).
        restored: String,
    },
    /// The last rollback ended in `failure` or `error`.
    Failed {
        /// When.
        at: DateTime<Utc>,
    },
}

/// Where the severity came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", content = "why", rename_all = "snake_case")]
pub enum SeveritySource {
    /// Given by the workflow or the command line.
    Given,
    /// Derived by shipgate, for this reason.
    Derived(String),
}

/// One moment of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When.
    pub at: DateTime<Utc>,
    parts: Vec<Part>,
}

impl Event {
    /// What happened, as Markdown (untrusted parts escaped).
    pub fn markdown(&self) -> String {
        markdown(&self.parts)
    }

    /// What happened, as one line of plain text.
    pub fn text(&self) -> String {
        plain(&self.parts)
    }
}

/// A piece of text: shipgate's own words, or an untrusted value shown as code or as text.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Fixed(String),
    Code(String),
    Text(String),
}

fn fixed(text: impl Into<String>) -> Part {
    Part::Fixed(text.into())
}

fn markdown(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Fixed(t) => t.clone(),
            Part::Code(t) => escape::code(t),
            Part::Text(t) => escape::markdown(t),
        })
        .collect()
}

fn plain(parts: &[Part]) -> String {
    let joined: String = parts
        .iter()
        .map(|p| match p {
            Part::Fixed(t) | Part::Code(t) | Part::Text(t) => t.as_str(),
        })
        .collect();
    escape::plain(&joined)
}

fn short(sha: &str) -> String {
    sha.chars().take(7).collect()
}

/// A deployment's version (its payload's), else its short commit.
fn version_of(d: &HistoryDeployment) -> String {
    d.payload
        .as_ref()
        .and_then(|p| p.version.clone())
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| short(&d.sha))
}

/// The statuses of a deployment in time order, `inactive` left out (GitHub adds those on its
/// own when another deployment succeeds).
fn statuses(d: &HistoryDeployment) -> Vec<&DeploymentStatus> {
    d.timeline()
        .into_iter()
        .filter(|s| s.state != DeploymentState::Inactive)
        .collect()
}

fn first_terminal(d: &HistoryDeployment) -> Option<&DeploymentStatus> {
    statuses(d).into_iter().find(|s| {
        matches!(
            s.state,
            DeploymentState::Success | DeploymentState::Failure | DeploymentState::Error
        )
    })
}

fn state_name(state: DeploymentState) -> &'static str {
    match state {
        DeploymentState::Pending => "pending",
        DeploymentState::Queued => "queued",
        DeploymentState::InProgress => "in_progress",
        DeploymentState::Success => "success",
        DeploymentState::Failure => "failure",
        DeploymentState::Error => "error",
        DeploymentState::Inactive => "inactive",
    }
}

/// Whether a trigger says production was down: `health` or `uptime` rules, or `verify` (the
/// health checks right after the deploy failed).
fn trigger_is_outage(trigger: &str) -> bool {
    if trigger.trim().eq_ignore_ascii_case("verify") {
        return true;
    }
    crate::watch::rule::parse_rule(trigger, 1).is_ok_and(|rule| {
        matches!(
            rule.metric(),
            crate::watch::rule::HEALTH | crate::watch::rule::UPTIME
        )
    })
}

impl Incident {
    /// The rolled-back version: as given, else as recorded, else the short commit.
    pub fn version(&self) -> String {
        self.version
            .clone()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| version_of(&self.selection.rolled_back))
    }

    /// The rolled-back deployment's id: the incident's key.
    pub fn deployment_id(&self) -> u64 {
        self.selection.rolled_back.id
    }

    /// The `failure` status `watch` put on the rolled-back deployment when it decided the
    /// rollback: when, and the reason it gave.
    pub fn decision(&self) -> Option<(DateTime<Utc>, String)> {
        statuses(&self.selection.rolled_back)
            .into_iter()
            .find_map(|s| {
                let reason = s
                    .description
                    .as_deref()?
                    .strip_prefix(WATCH_STATUS_PREFIX)?;
                Some((s.created_at, reason.trim().to_string()))
            })
    }

    /// The reason: as given, else the one `watch` recorded on the deployment.
    pub fn reason(&self) -> Option<String> {
        self.reason
            .clone()
            .filter(|r| !r.trim().is_empty())
            .or_else(|| self.decision().map(|(_, r)| r).filter(|r| !r.is_empty()))
    }

    /// The trigger as given (`None`: a manual rollback).
    fn trigger(&self) -> Option<&str> {
        self.trigger
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// How the rollback went.
    pub fn outcome(&self) -> Outcome {
        let rollbacks = &self.selection.rollbacks;
        let Some(first) = rollbacks.first() else {
            return Outcome::NotRecorded;
        };
        let success = rollbacks
            .iter()
            .filter_map(|r| {
                statuses(r)
                    .into_iter()
                    .find(|s| s.state == DeploymentState::Success)
                    .map(|s| (s.created_at, r))
            })
            .min_by_key(|(at, r)| (*at, r.id));
        if let Some((at, r)) = success {
            return Outcome::Succeeded {
                at,
                restored: version_of(r),
            };
        }
        let last = rollbacks.last().unwrap_or(first);
        match first_terminal(last) {
            Some(s) if s.state.is_broken() => Outcome::Failed { at: s.created_at },
            _ => Outcome::Running {
                since: first.started_at(),
            },
        }
    }

    /// The severity and where it came from: as given; otherwise `critical` when production was
    /// down (a `health` or `uptime` trigger, or `verify`) or the rollback has not succeeded
    /// (production may still be broken), and `high` for any other trigger or a manual rollback.
    pub fn severity(&self) -> (Severity, SeveritySource) {
        if let Some(given) = self.severity {
            return (given, SeveritySource::Given);
        }
        let why = |text: &str| SeveritySource::Derived(text.to_string());
        if !matches!(self.outcome(), Outcome::Succeeded { .. }) {
            return (
                Severity::Critical,
                why("the rollback has not succeeded, so production may still be broken"),
            );
        }
        match self.trigger() {
            Some(t) if trigger_is_outage(t) => (
                Severity::Critical,
                why("the trigger says production was down (health checks)"),
            ),
            Some(_) => (
                Severity::High,
                why("production was degraded until the rollback succeeded"),
            ),
            None => (
                Severity::High,
                why("a manual rollback of production that succeeded"),
            ),
        }
    }

    /// What happened, in time order.
    pub fn timeline(&self) -> Vec<Event> {
        let d = &self.selection.rolled_back;
        let mut events = Vec::new();
        let by = |actor: Option<&String>| match actor {
            Some(a) if !a.trim().is_empty() => vec![fixed(" by "), Part::Text(a.clone())],
            _ => Vec::new(),
        };
        let mut started = vec![
            fixed("Deploy of "),
            Part::Code(self.version()),
            fixed(" (commit "),
            Part::Code(short(&d.sha)),
            fixed(") started"),
        ];
        started.extend(by(d.payload.as_ref().and_then(|p| p.actor.as_ref())));
        events.push(Event {
            at: d.started_at(),
            parts: started,
        });
        let decision = self.decision();
        if let Some(end) = first_terminal(d) {
            let is_decision = end
                .description
                .as_deref()
                .is_some_and(|t| t.starts_with(WATCH_STATUS_PREFIX));
            if !is_decision {
                events.push(Event {
                    at: end.created_at,
                    parts: vec![
                        fixed("Deploy recorded as "),
                        Part::Code(state_name(end.state).into()),
                    ],
                });
            }
        }
        if let Some((at, _)) = &decision {
            let mut parts = vec![fixed("Rollback decided by `watch`")];
            if let Some(trigger) = self.trigger() {
                parts.push(fixed(": "));
                parts.push(Part::Code(trigger.to_string()));
                parts.push(fixed(" fired"));
            }
            events.push(Event { at: *at, parts });
        }
        for r in &self.selection.rollbacks {
            let mut parts = vec![
                fixed("Rollback to "),
                Part::Code(version_of(r)),
                fixed(" (commit "),
                Part::Code(short(&r.sha)),
                fixed(") started"),
            ];
            parts.extend(by(r.payload.as_ref().and_then(|p| p.actor.as_ref())));
            events.push(Event {
                at: r.started_at(),
                parts,
            });
            if let Some(end) = first_terminal(r) {
                let parts = if end.state == DeploymentState::Success {
                    vec![
                        fixed("Rollback succeeded: "),
                        Part::Code(self.environment.clone()),
                        fixed(" runs "),
                        Part::Code(version_of(r)),
                        fixed(" again"),
                    ]
                } else {
                    vec![
                        fixed("Rollback ended in "),
                        Part::Code(state_name(end.state).into()),
                    ]
                };
                events.push(Event {
                    at: end.created_at,
                    parts,
                });
            }
        }
        if let (Some((at, _)), Some(secs)) = (&decision, self.rollback_seconds) {
            let healthy = i64::try_from(secs)
                .ok()
                .and_then(chrono::TimeDelta::try_seconds)
                .and_then(|delta| at.checked_add_signed(delta));
            if let Some(healthy) = healthy {
                events.push(Event {
                    at: healthy,
                    parts: vec![fixed(format!(
                        "Health checks passing again, {} after the decision (measured by `watch`)",
                        crate::kpi::metrics::seconds(secs as i64)
                    ))],
                });
            }
        }
        // Stable: events at the same moment keep the order in which they happen.
        events.sort_by_key(|e| e.at);
        events
    }

    /// Seconds from the successful rollback's start to its `success` (the flow's rollback-time
    /// KPI), when it succeeded.
    pub fn rollback_time(&self) -> Option<i64> {
        self.selection.rollbacks.iter().find_map(|r| {
            statuses(r)
                .into_iter()
                .find(|s| s.state == DeploymentState::Success)
                .map(|s| (s.created_at - r.started_at()).num_seconds().max(0))
        })
    }

    /// Seconds from the moment production was known bad (the rollback decision, else the
    /// rolled-back deployment's first `failure`/`error`) to the rollback's `success`.
    pub fn recovery_time(&self) -> Option<i64> {
        let Outcome::Succeeded { at, .. } = self.outcome() else {
            return None;
        };
        let bad_since = self.decision().map(|(t, _)| t).or_else(|| {
            statuses(&self.selection.rolled_back)
                .into_iter()
                .find(|s| s.state.is_broken())
                .map(|s| s.created_at)
        })?;
        Some((at - bad_since).num_seconds().max(0))
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/{}/{path}",
            self.server_url.trim_end_matches('/'),
            self.repository
        )
    }

    fn run_url(&self, d: &HistoryDeployment) -> Option<String> {
        d.payload
            .as_ref()
            .and_then(|p| p.run_id)
            .map(|id| self.url(&format!("actions/runs/{id}")))
    }

    /// What the JSON report (`report` output, `--format json`) says about the incident.
    pub fn report(&self) -> IncidentReport {
        let (severity, severity_source) = self.severity();
        IncidentReport {
            deployment_id: self.deployment_id(),
            environment: self.environment.clone(),
            version: self.version(),
            sha: self.selection.rolled_back.sha.clone(),
            severity,
            severity_source,
            trigger: self.trigger().map(str::to_string),
            reason: self.reason(),
            outcome: self.outcome(),
            rollbacks: self.selection.rollbacks.iter().map(|r| r.id).collect(),
            rollback_seconds: self.rollback_time(),
            recovery_seconds: self.recovery_time(),
            timeline: self
                .timeline()
                .iter()
                .map(|e| TimelineEntry {
                    at: e.at,
                    what: e.text(),
                })
                .collect(),
            pull_request: self.pull_request.clone(),
        }
    }
}

/// The incident as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentReport {
    /// The rolled-back deployment (the key).
    pub deployment_id: u64,
    /// The environment.
    pub environment: String,
    /// The rolled-back version.
    pub version: String,
    /// The rolled-back commit.
    pub sha: String,
    /// The severity.
    pub severity: Severity,
    /// Where it came from.
    pub severity_source: SeveritySource,
    /// The trigger (`null`: manual).
    pub trigger: Option<String>,
    /// The reason.
    pub reason: Option<String>,
    /// How the rollback went.
    pub outcome: Outcome,
    /// The rollback deployments' ids.
    pub rollbacks: Vec<u64>,
    /// The rollback time, seconds.
    pub rollback_seconds: Option<i64>,
    /// The recovery time, seconds.
    pub recovery_seconds: Option<i64>,
    /// The timeline.
    pub timeline: Vec<TimelineEntry>,
    /// The release pull request.
    pub pull_request: Option<PullRequestLink>,
}

/// One moment of the timeline, as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What, in plain text.
    pub what: String,
}

/// The issue title: `Incident: production rollback of v1.4.0` (plain text, at most 256
/// characters).
pub fn title(incident: &Incident) -> String {
    let text = format!(
        "Incident: {} rollback of {}",
        incident.environment,
        incident.version()
    );
    escape::truncate(&escape::plain(&text), TITLE_LIMIT)
}

/// The steps of the flow's emergency procedure: the label that identifies the task item (its
/// tick is kept across updates by it) and what the step asks.
const PROCEDURE: [(&str, &str); 6] = [
    ("Detect", "the problem (automatically or by hand)"),
    ("Assess severity", "(critical / high / medium / low)"),
    ("Decide", "the action (rollback / hotfix / monitor)"),
    ("Execute", "the plan"),
    ("Communicate", "to the team, and to users if needed"),
    ("Post-mortem", ": analysis and improvements, linked here"),
];

/// Whether the task item of `label` is ticked in a body shipgate wrote before.
fn ticked(previous: &str, label: &str) -> bool {
    let bold = format!("**{label}**");
    // Only shipgate's part counts: a tick in the team's notes is theirs.
    let ours = previous.split(NOTES_MARKER).next().unwrap_or("");
    ours.lines().any(|line| {
        let line = line.trim_start();
        (line.starts_with("- [x] ") || line.starts_with("- [X] ")) && line[6..].starts_with(&bold)
    })
}

/// The team's notes: everything after the notes marker of a body shipgate wrote before.
fn notes(previous: &str) -> Option<&str> {
    let at = previous.find(NOTES_MARKER)?;
    let rest = previous[at + NOTES_MARKER.len()..].trim_start_matches(['\r', '\n']);
    (!rest.trim().is_empty()).then_some(rest.trim_end())
}

/// The issue body: the marker, what happened, the timeline, links and the emergency procedure.
/// `previous` is the body of the existing issue, if any: its ticked procedure items stay ticked
/// and its notes (after the notes marker) are kept as they are.
pub fn body(incident: &Incident, previous: Option<&str>) -> String {
    let d = &incident.selection.rolled_back;
    let env = &incident.environment;
    let version = incident.version();
    let (severity, source) = incident.severity();
    let outcome = incident.outcome();
    let trigger = incident.trigger();
    let mut out = marker(d.id);
    out.push('\n');
    out.push_str(&format!(
        "**Production rollback of {} in {}** — severity **{}**\n\n",
        escape::code(&version),
        escape::code(env),
        severity.name()
    ));
    out.push_str("| | |\n|---|---|\n");
    let severity_note = match &source {
        SeveritySource::Given => "set by the workflow".to_string(),
        SeveritySource::Derived(why) => format!("proposed by shipgate: {why}"),
    };
    out.push_str(&format!(
        "| Severity | **{}** ({}) |\n",
        severity.name(),
        escape::markdown(&severity_note)
    ));
    out.push_str(&format!(
        "| Trigger | {} |\n",
        match trigger {
            Some(t) => escape::code(t),
            None => "manual rollback".into(),
        }
    ));
    if let Some(reason) = incident.reason() {
        out.push_str(&format!("| Reason | {} |\n", escape::markdown(&reason)));
    }
    out.push_str(&format!(
        "| Rolled back | {}, commit {}, deployment {} to {} |\n",
        escape::code(&version),
        escape::code(&short(&d.sha)),
        d.id,
        escape::code(env)
    ));
    let status = match &outcome {
        Outcome::NotRecorded => "no rollback deployment recorded yet".to_string(),
        Outcome::Running { since } => format!("rollback running since {}", utc(*since)),
        Outcome::Succeeded { at, restored } => format!(
            "recovered at {}: {} runs {} again",
            utc(*at),
            escape::code(env),
            escape::code(restored)
        ),
        Outcome::Failed { at } => format!(
            "**the rollback failed** at {}: {} may still be broken",
            utc(*at),
            escape::code(env)
        ),
    };
    out.push_str(&format!("| Status | {status} |\n\n"));

    out.push_str("### Timeline\n\n| When (UTC) | What |\n|---|---|\n");
    for event in incident.timeline() {
        out.push_str(&format!(
            "| {} | {} |\n",
            event.at.format("%Y-%m-%d %H:%M"),
            event.markdown()
        ));
    }
    out.push('\n');
    let mut times = Vec::new();
    if let Some(secs) = incident.rollback_time() {
        times.push(format!(
            "Rollback time: **{}** (the rollback's start to its success; the flow's target is under 5 minutes).",
            crate::kpi::metrics::seconds(secs)
        ));
    }
    if let Some(secs) = incident.recovery_time() {
        times.push(format!(
            "Time to recover: **{}** (production known bad to the rollback's success).",
            crate::kpi::metrics::seconds(secs)
        ));
    }
    if !times.is_empty() {
        out.push_str(&times.join(" "));
        out.push_str("\n\n");
    }

    out.push_str("### Links\n\n");
    out.push_str(&format!(
        "- Rolled-back commit: [{}]({})\n",
        escape::code(&short(&d.sha)),
        incident.url(&format!("commit/{}", hex_only(&d.sha)))
    ));
    if let Some(url) = incident.run_url(d) {
        out.push_str(&format!(
            "- The deploy's workflow run (deployment {}): {url}\n",
            d.id
        ));
    }
    for r in &incident.selection.rollbacks {
        if let Some(url) = incident.run_url(r) {
            out.push_str(&format!(
                "- The rollback's workflow run (deployment {}): {url}\n",
                r.id
            ));
        }
    }
    if let Some(pr) = &incident.pull_request {
        out.push_str(&format!(
            "- Release pull request: #{} {}\n",
            pr.number,
            escape::markdown(&pr.title)
        ));
    }
    if incident.version.is_some()
        || d.payload
            .as_ref()
            .and_then(|p| p.version.as_ref())
            .is_some()
    {
        out.push_str(&format!(
            "- Release tag: [{}]({})\n",
            escape::code(&version),
            incident.url(&format!(
                "releases/tag/{}",
                crate::escape::url_component(&version)
            ))
        ));
    }
    out.push('\n');

    out.push_str("### Emergency procedure\n\n");
    let previous = previous.unwrap_or("");
    let detected = trigger.is_some() || incident.decision().is_some();
    for (label, asks) in PROCEDURE {
        let (done, note): (bool, String) = match label {
            "Detect" => match trigger {
                Some(t) => (true, format!("detected automatically: {}", escape::code(t))),
                None if detected => (true, "detected automatically by `watch`".into()),
                None => (false, "a manual rollback: say who noticed what".into()),
            },
            "Assess severity" => (
                false,
                format!(
                    "shipgate proposes **{}**; confirm or change it",
                    severity.name()
                ),
            ),
            "Decide" => match incident.selection.rollbacks.first() {
                Some(r) => (
                    true,
                    format!("rolled back to {}", escape::code(&version_of(r))),
                ),
                None => (false, "no rollback recorded yet".into()),
            },
            "Execute" => match &outcome {
                Outcome::Succeeded { restored, .. } => (
                    true,
                    format!("the rollback to {} succeeded", escape::code(restored)),
                ),
                Outcome::Failed { .. } => (
                    false,
                    "the rollback failed: restore production, then tick this".into(),
                ),
                Outcome::Running { .. } => (false, "the rollback is running".into()),
                Outcome::NotRecorded => (false, "no rollback recorded yet".into()),
            },
            _ => (false, String::new()),
        };
        let done = done || ticked(previous, label);
        let separator = if asks.starts_with(':') { "" } else { " " };
        out.push_str(&format!(
            "- [{}] **{label}**{separator}{asks}{}\n",
            if done { "x" } else { " " },
            if note.is_empty() {
                String::new()
            } else {
                format!(" — {note}")
            }
        ));
    }
    out.push_str("\n<sub>Written by shipgate for deployment ");
    out.push_str(&format!(
        "{}; a re-run of the rollback workflow updates this text. Ticks in the procedure and \
         the notes below are kept.</sub>\n\n### Notes\n\n{NOTES_MARKER}\n",
        d.id
    ));
    if let Some(kept) = notes(previous) {
        out.push_str(kept);
        out.push('\n');
    }
    fit(out)
}

/// Keeps a body within GitHub's limit (the team's notes are the only part that can grow).
fn fit(body: String) -> String {
    if body.chars().count() <= BODY_LIMIT {
        return body;
    }
    const NOTE: &str = "\n\n… (cut to GitHub's size limit)\n";
    let mut cut: String = body
        .chars()
        .take(BODY_LIMIT - NOTE.chars().count())
        .collect();
    cut.push_str(NOTE);
    cut
}

/// A commit SHA as it may appear in a URL (hex digits only).
fn hex_only(sha: &str) -> String {
    sha.chars().filter(char::is_ascii_hexdigit).collect()
}

/// An issue shipgate may have opened before, as read from GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueCandidate {
    /// Its number.
    pub number: u64,
    /// Its web address.
    pub url: String,
    /// Whether it is open.
    pub open: bool,
    /// Its body.
    pub body: String,
    /// Whether the token's own account opened it.
    pub viewer_did_author: bool,
    /// Whether it carries the incident label.
    pub labelled: bool,
}

/// The existing incident issue of a deployment, and the issues that claim to be it but are not
/// trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    /// The issue to update: opened by the token's account, the deployment's marker on its first
    /// line; the oldest when there are several.
    pub issue: Option<&'a IssueCandidate>,
    /// Other issues of the token's account with the same marker (duplicates), by number.
    pub duplicates: Vec<u64>,
    /// Issues with the marker opened by someone else: ignored, by number.
    pub ignored: Vec<u64>,
}

/// Finds the incident issue of `deployment_id` among `candidates` (each counted once, whatever
/// list it came from). An issue opened by another account is never trusted, whatever its body
/// says: anyone who may open issues could otherwise plant one to have shipgate's incident
/// written into their issue, or to keep it from being opened.
pub fn find(candidates: &[IssueCandidate], deployment_id: u64) -> Found<'_> {
    let mut marked: Vec<&IssueCandidate> = candidates
        .iter()
        .filter(|c| marked_deployment(&c.body) == Some(deployment_id))
        .collect();
    // An issue read from both lists keeps the labelled reading.
    marked.sort_by_key(|c| (c.number, !c.labelled));
    marked.dedup_by_key(|c| c.number);
    let (trusted, ignored): (Vec<&IssueCandidate>, Vec<&IssueCandidate>) =
        marked.into_iter().partition(|c| c.viewer_did_author);
    Found {
        issue: trusted.first().copied(),
        duplicates: trusted.iter().skip(1).map(|c| c.number).collect(),
        ignored: ignored.iter().map(|c| c.number).collect(),
    }
}

/// Whether two bodies read the same (GitHub may store `\r\n` and trim trailing white space).
pub fn same_body(a: &str, b: &str) -> bool {
    let normalize = |t: &str| t.replace("\r\n", "\n").trim().to_string();
    normalize(a) == normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::history::DeployPayload;

    fn t(minute: i64) -> DateTime<Utc> {
        "2026-11-27T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
            + chrono::TimeDelta::minutes(minute)
    }

    fn status(minute: i64, state: DeploymentState, description: Option<&str>) -> DeploymentStatus {
        DeploymentStatus {
            state,
            created_at: t(minute),
            description: description.map(str::to_string),
            creator: None,
        }
    }

    fn deployment(
        id: u64,
        sha: &str,
        version: &str,
        minute: i64,
        rollback: bool,
        statuses: Vec<DeploymentStatus>,
    ) -> HistoryDeployment {
        HistoryDeployment {
            id,
            sha: sha.repeat(40 / sha.len()),
            created_at: t(minute),
            creator: Some("github-actions".into()),
            statuses,
            payload: Some(DeployPayload {
                version: Some(version.into()),
                actor: Some("ana".into()),
                started_at: Some(t(minute)),
                finished_at: None,
                rollback,
                run_id: Some(4000 + id),
            }),
            first_commit_at: None,
            last_commit_at: None,
        }
    }

    use DeploymentState::{Failure, InProgress, Inactive, Success};

    /// v1.3.0 live; v1.4.0 deployed at 12:00, watch decides at 12:09, rollback to v1.3.0 from
    /// 12:10 to 12:13.
    fn history() -> Vec<HistoryDeployment> {
        vec![
            deployment(
                10,
                "3",
                "v1.3.0",
                -600,
                false,
                vec![status(-594, Success, None), status(13, Inactive, None)],
            ),
            deployment(
                20,
                "1",
                "v1.4.0",
                0,
                false,
                vec![
                    status(0, InProgress, None),
                    status(
                        9,
                        Failure,
                        Some("shipgate rollback: error_rate above 5% for 5 consecutive samples: 7% at 12:09"),
                    ),
                    status(10, Failure, Some("v1.4.0 to production: failure in 10 m by ana")),
                ],
            ),
            deployment(
                30,
                "3",
                "v1.3.0",
                10,
                true,
                vec![status(10, InProgress, None), status(13, Success, None)],
            ),
        ]
    }

    fn incident(deployments: &[HistoryDeployment]) -> Incident {
        Incident {
            repository: "acme/shop".into(),
            server_url: "https://github.com".into(),
            environment: "production".into(),
            selection: select(deployments, Wanted::Commit(&"1".repeat(40))).unwrap(),
            version: Some("v1.4.0".into()),
            trigger: Some("error_rate > 5% for 5m".into()),
            reason: None,
            severity: None,
            rollback_seconds: Some(200),
            pull_request: Some(PullRequestLink {
                number: 7,
                title: "Release v1.4.0".into(),
            }),
        }
    }

    #[test]
    fn the_marker_is_the_first_line_exactly() {
        assert_eq!(marker(1234), "<!-- shipgate:incident deployment=1234 -->");
        assert_eq!(
            marked_deployment(&format!("{}\nbody", marker(1234))),
            Some(1234)
        );
        assert_eq!(
            marked_deployment(&format!("{}\r\nbody", marker(7))),
            Some(7)
        );
        assert_eq!(marked_deployment(&marker(0)), Some(0));
        for forged in [
            format!("text\n{}", marker(1234)),
            format!(" {}", marker(1234)),
            format!("{} extra", marker(1234)),
            "<!-- shipgate:incident deployment=01234 -->".into(),
            "<!-- shipgate:incident deployment=+1234 -->".into(),
            "<!-- shipgate:incident deployment= -->".into(),
            "<!-- shipgate:incident deployment=12a -->".into(),
            "<!-- shipgate:incident deployment=99999999999999999999999 -->".into(),
            "<!-- shipgate:sticky-comment -->".into(),
            String::new(),
        ] {
            assert_eq!(marked_deployment(&forged), None, "{forged:?}");
        }
    }

    #[test]
    fn the_rolled_back_deployment_and_its_rollbacks_are_selected() {
        let h = history();
        let s = select(&h, Wanted::Commit(&"1".repeat(40))).unwrap();
        assert_eq!(s.rolled_back.id, 20);
        assert_eq!(s.rollbacks.iter().map(|r| r.id).collect::<Vec<_>>(), [30]);
        // By id; the upper-case SHA matches too.
        assert_eq!(
            select(&h, Wanted::Deployment(20)).unwrap().rolled_back.id,
            20
        );
        assert_eq!(
            select(&h, Wanted::Commit(&"1".repeat(40).to_uppercase()))
                .unwrap()
                .rolled_back
                .id,
            20
        );
        // A rollback's own commit never selects the rollback; its id is refused.
        assert_eq!(
            select(&h, Wanted::Commit(&"3".repeat(40)))
                .unwrap()
                .rolled_back
                .id,
            10
        );
        assert_eq!(
            select(&h, Wanted::Deployment(30)),
            Err(SelectError::IsRollback(30))
        );
        assert_eq!(
            select(&h, Wanted::Deployment(99)),
            Err(SelectError::NotFound)
        );
        // The rollbacks stop at the next deploy.
        let mut h = history();
        h.push(deployment(40, "4", "v1.4.1", 60, false, vec![]));
        h.push(deployment(50, "3", "v1.3.0", 70, true, vec![]));
        let s = select(&h, Wanted::Deployment(20)).unwrap();
        assert_eq!(s.rollbacks.iter().map(|r| r.id).collect::<Vec<_>>(), [30]);
        // The newest deployment of a commit deployed twice.
        h.push(deployment(60, "1", "v1.4.0", 80, false, vec![]));
        assert_eq!(
            select(&h, Wanted::Commit(&"1".repeat(40)))
                .unwrap()
                .rolled_back
                .id,
            60
        );
    }

    #[test]
    fn the_outcome_follows_the_rollbacks_statuses() {
        let mut h = history();
        assert_eq!(
            incident(&h).outcome(),
            Outcome::Succeeded {
                at: t(13),
                restored: "v1.3.0".into()
            }
        );
        h[2].statuses.truncate(1);
        assert_eq!(incident(&h).outcome(), Outcome::Running { since: t(10) });
        h[2].statuses.push(status(15, Failure, None));
        assert_eq!(incident(&h).outcome(), Outcome::Failed { at: t(15) });
        h.truncate(2);
        assert_eq!(incident(&h).outcome(), Outcome::NotRecorded);
    }

    #[test]
    fn the_severity_is_derived_from_the_trigger_and_the_outcome() {
        let h = history();
        let with = |trigger: Option<&str>, h: &[HistoryDeployment]| {
            let mut i = incident(h);
            i.trigger = trigger.map(str::to_string);
            i.severity().0
        };
        assert_eq!(with(Some("error_rate > 5% for 5m"), &h), Severity::High);
        assert_eq!(with(Some("latency_p95 > 5s for 10m"), &h), Severity::High);
        assert_eq!(with(Some("health failing for 3m"), &h), Severity::Critical);
        assert_eq!(with(Some("rollback: uptime < 99%"), &h), Severity::Critical);
        assert_eq!(with(Some("verify"), &h), Severity::Critical);
        assert_eq!(with(Some("something else"), &h), Severity::High);
        assert_eq!(with(None, &h), Severity::High);
        // Not recovered: critical whatever fired.
        let mut running = history();
        running[2].statuses.truncate(1);
        assert_eq!(
            with(Some("error_rate > 5% for 5m"), &running),
            Severity::Critical
        );
        // Given: as given.
        let mut i = incident(&h);
        i.severity = Some(Severity::Low);
        assert_eq!(i.severity(), (Severity::Low, SeveritySource::Given));
        assert_eq!(Severity::parse(" HIGH "), Some(Severity::High));
        assert_eq!(Severity::parse("sev1"), None);
    }

    #[test]
    fn the_reason_defaults_to_what_watch_recorded() {
        let h = history();
        let mut i = incident(&h);
        assert_eq!(
            i.reason().as_deref(),
            Some("error_rate above 5% for 5 consecutive samples: 7% at 12:09")
        );
        i.reason = Some("given".into());
        assert_eq!(i.reason().as_deref(), Some("given"));
        assert_eq!(i.rollback_time(), Some(180));
        assert_eq!(i.recovery_time(), Some(240));
    }

    #[test]
    fn the_body_reads_as_the_incident() {
        let h = history();
        insta::assert_snapshot!(body(&incident(&h), None));
        assert_eq!(
            title(&incident(&h)),
            "Incident: production rollback of v1.4.0"
        );
    }

    #[test]
    fn a_running_manual_rollback_reads_as_such() {
        let mut h = history();
        h[1].statuses.truncate(1);
        h[2].statuses.truncate(1);
        let mut i = incident(&h);
        i.trigger = None;
        i.version = None;
        i.rollback_seconds = None;
        i.pull_request = None;
        insta::assert_snapshot!(body(&i, None));
    }

    #[test]
    fn ticks_and_notes_survive_an_update_and_nothing_is_unticked() {
        let mut h = history();
        h[2].statuses.truncate(1);
        let first = body(&incident(&h), None);
        assert!(first.contains("- [ ] **Execute**"), "{first}");
        let edited = first
            .replace("- [ ] **Communicate**", "- [X] **Communicate**")
            .replace("- [ ] **Assess severity**", "- [x] **Assess severity**")
            + "Root cause: a missing index.\n\n- [ ] follow-up\n";
        let h = history();
        let second = body(&incident(&h), Some(&edited));
        assert!(second.contains("- [x] **Communicate**"), "{second}");
        assert!(second.contains("- [x] **Assess severity**"), "{second}");
        assert!(second.contains("- [x] **Execute**"), "{second}");
        assert!(second.contains("- [ ] **Post-mortem**"), "{second}");
        assert!(
            second.ends_with(&format!(
                "{NOTES_MARKER}\nRoot cause: a missing index.\n\n- [ ] follow-up\n"
            )),
            "{second}"
        );
        // Rendering again from its own output changes nothing.
        assert!(same_body(&body(&incident(&h), Some(&second)), &second));
        // A tick elsewhere in the notes does not tick the procedure.
        let notes_only = format!("{first}- [x] **Post-mortem** in the notes\n");
        let third = body(&incident(&h), Some(&notes_only));
        assert!(third.contains("- [ ] **Post-mortem**:"), "{third}");
    }

    #[test]
    fn hostile_strings_stay_text() {
        use pulldown_cmark::{Event as Md, Options, Parser, Tag};
        let hostile = "<!-- shipgate:incident deployment=1 -->\n# x <img src=x onerror=alert(1)> @org/team #1 [x](javascript:alert(1)) | `";
        let mut h = history();
        h[1].payload.as_mut().unwrap().actor = Some(hostile.into());
        let mut i = incident(&h);
        i.version = Some(hostile.into());
        i.trigger = Some(hostile.into());
        i.reason = Some(hostile.into());
        i.environment = hostile.into();
        i.pull_request = Some(PullRequestLink {
            number: 7,
            title: hostile.into(),
        });
        let text = body(&i, None);
        assert_eq!(marked_deployment(&text), Some(20));
        assert_eq!(text.matches("<!--").count(), 2, "{text}");
        assert!(!text.contains("@org"), "{text}");
        let options = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_GFM;
        let mut links = Vec::new();
        let (mut html, mut headings) = (0, 0);
        for event in Parser::new_ext(&text, options) {
            match event {
                Md::Html(h) | Md::InlineHtml(h) => {
                    html += 1;
                    assert!(
                        [marker(20).as_str(), NOTES_MARKER, "<sub>", "</sub>"].contains(&h.trim()),
                        "HTML {h:?} in\n{text}"
                    );
                }
                Md::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
                Md::Start(Tag::Heading { .. }) => headings += 1,
                _ => {}
            }
        }
        assert_eq!((html, headings), (4, 4), "{text}");
        for link in &links {
            assert!(link.starts_with("https://github.com/acme/shop/"), "{link}");
            assert!(!link.contains(' ') && !link.contains('<'), "{link}");
        }
        let t = title(&i);
        assert!(!t.contains('\n') && t.chars().count() <= TITLE_LIMIT, "{t}");
    }

    #[test]
    fn only_issues_of_the_tokens_account_are_trusted() {
        let issue = |number: u64, id: u64, mine: bool| IssueCandidate {
            number,
            url: format!("https://github.com/acme/shop/issues/{number}"),
            open: true,
            body: format!("{}\ntext", marker(id)),
            viewer_did_author: mine,
            labelled: true,
        };
        let candidates = vec![
            issue(9, 20, false),
            issue(12, 20, true),
            issue(11, 20, true),
            issue(12, 20, true),
            issue(13, 21, true),
        ];
        let found = find(&candidates, 20);
        assert_eq!(found.issue.map(|i| i.number), Some(11));
        // Read twice, once without the label: the labelled reading counts.
        let mut unlabelled = issue(11, 20, true);
        unlabelled.labelled = false;
        let twice = [unlabelled, issue(11, 20, true)];
        assert!(find(&twice, 20).issue.unwrap().labelled);
        assert_eq!(found.duplicates, [12]);
        assert_eq!(found.ignored, [9]);
        let forged_only = find(&candidates[..1], 20);
        assert_eq!(forged_only.issue, None);
        assert_eq!(forged_only.ignored, [9]);
        assert_eq!(find(&candidates, 22).issue, None);
    }

    #[test]
    fn bodies_stay_within_githubs_limit() {
        let h = history();
        let previous = format!("{NOTES_MARKER}\n{}", "é".repeat(BODY_LIMIT));
        let text = body(&incident(&h), Some(&previous));
        assert!(text.chars().count() <= BODY_LIMIT);
        assert!(text.ends_with("(cut to GitHub's size limit)\n"));
    }
}
