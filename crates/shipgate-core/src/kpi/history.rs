//! The deployment history of one environment: the input of the KPI report.
//!
//! Read from GitHub (`shipgate-github` fills it from one GraphQL page per 100 deployments) or
//! parsed from the text of a history file (`shipgate report --history FILE`, read by the binary),
//! whose JSON form is this model with `"version": 1` (documented in `docs/report.md`).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Document, Error};
use crate::facts::{DeploymentState, DeploymentStatus};

/// The only history-file version this build reads and writes.
pub const HISTORY_VERSION: u32 = 1;

/// An environment's deployments over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// The file-format version; must be [`HISTORY_VERSION`].
    pub version: u32,
    /// `owner/name`.
    pub repository: String,
    /// The environment, e.g. `production`.
    pub environment: String,
    /// When the history was read; the report's "now" unless told otherwise.
    #[serde(deserialize_with = "crate::time::deserialize")]
    pub captured_at: DateTime<Utc>,
    /// The deployments, in any order.
    #[serde(default)]
    pub deployments: Vec<HistoryDeployment>,
}

/// One deployment with what the KPIs need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryDeployment {
    /// GitHub's deployment id.
    pub id: u64,
    /// The deployed commit.
    pub sha: String,
    /// When the deployment was created.
    #[serde(deserialize_with = "crate::time::deserialize")]
    pub created_at: DateTime<Utc>,
    /// Who created it, when known.
    #[serde(default)]
    pub creator: Option<String>,
    /// Its statuses, in any order.
    #[serde(default)]
    pub statuses: Vec<DeploymentStatus>,
    /// The audit fields `shipgate record` stored in the deployment's payload, when present.
    #[serde(default)]
    pub payload: Option<DeployPayload>,
    /// When the first commit of the pull request that brought this commit was made (for lead
    /// time); absent when the commit came without a pull request.
    #[serde(default, deserialize_with = "crate::time::deserialize_option")]
    pub first_commit_at: Option<DateTime<Utc>>,
    /// When the head (last) commit of that pull request was authored (for lead time measured
    /// from the `last-commit` basis); absent without a pull request, and in history files
    /// written before shipgate read it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::time::deserialize_option"
    )]
    pub last_commit_at: Option<DateTime<Utc>>,
}

/// The audit fields kept in a deployment's payload (all optional: deployments made by other
/// tools carry none of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeployPayload {
    /// The release version, e.g. `v1.4.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Who ran the deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// When the deploy started.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::time::deserialize_option"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// When the deploy finished.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::time::deserialize_option"
    )]
    pub finished_at: Option<DateTime<Utc>>,
    /// Whether this deployment is a rollback to an earlier release.
    #[serde(default)]
    pub rollback: bool,
    /// The workflow run that made it (idempotency key of `shipgate record`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<u64>,
}

impl HistoryDeployment {
    /// Statuses sorted by time (stable: equal times keep their given order).
    pub fn timeline(&self) -> Vec<&DeploymentStatus> {
        let mut statuses: Vec<&DeploymentStatus> = self.statuses.iter().collect();
        statuses.sort_by_key(|s| s.created_at);
        statuses
    }

    /// The first terminal status (success, failure or error): how the deploy itself ended.
    pub fn first_terminal(&self) -> Option<&DeploymentStatus> {
        self.timeline().into_iter().find(|s| {
            matches!(
                s.state,
                DeploymentState::Success | DeploymentState::Failure | DeploymentState::Error
            )
        })
    }

    /// Whether this deployment is a rollback.
    pub fn is_rollback(&self) -> bool {
        self.payload.as_ref().is_some_and(|p| p.rollback)
    }

    /// When the deploy started: the payload's `started_at`, else the deployment's creation.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.payload
            .as_ref()
            .and_then(|p| p.started_at)
            .unwrap_or(self.created_at)
    }
}

impl History {
    /// The history as it stood at `moment`: deployments created after it did not exist yet, and
    /// statuses after it had not happened yet, so both are left out. Everything the report
    /// computes for a period ending at `moment` is computed from this view.
    pub fn as_of(&self, moment: DateTime<Utc>) -> History {
        History {
            version: self.version,
            repository: self.repository.clone(),
            environment: self.environment.clone(),
            captured_at: self.captured_at.min(moment),
            deployments: self
                .deployments
                .iter()
                .filter(|d| d.created_at <= moment)
                .map(|d| {
                    let mut d = d.clone();
                    d.statuses.retain(|s| s.created_at <= moment);
                    d
                })
                .collect(),
        }
    }

    /// Parses a history from JSON text, checking the version; `path` only names the file in
    /// errors.
    pub fn from_json(text: &str, path: Option<&Path>) -> Result<Self, Error> {
        crate::versioned::parse(text, path, Document::History, HISTORY_VERSION)
    }
}
