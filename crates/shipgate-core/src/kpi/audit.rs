//! The audit record of one deploy: what `shipgate record` appends to the audit file (one JSON
//! line) and stores in the GitHub Deployment's payload.
//!
//! The flow requires every deploy to record its timestamp, version, who ran it, result and
//! duration; these are exactly the fields below.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// When the record was written.
    pub recorded_at: DateTime<Utc>,
    /// `owner/name`.
    pub repository: String,
    /// `staging` or `production` (or any environment name).
    pub environment: String,
    /// The deployed commit.
    pub sha: String,
    /// The release version, e.g. `v1.4.0`.
    #[serde(default)]
    pub version: Option<String>,
    /// Who ran the deploy (`GITHUB_ACTOR`).
    #[serde(default)]
    pub actor: Option<String>,
    /// The deployment state recorded (`in_progress`, `success`, `failure`, …).
    pub state: String,
    /// When the deploy started.
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// `finished_at - started_at`, when both are known.
    #[serde(default)]
    pub duration_seconds: Option<i64>,
    /// Whether the deploy was a rollback.
    #[serde(default)]
    pub rollback: bool,
    /// The GitHub Deployment id.
    #[serde(default)]
    pub deployment_id: Option<u64>,
    /// The workflow run id.
    #[serde(default)]
    pub run_id: Option<u64>,
    /// The workflow run's URL (its logs).
    #[serde(default)]
    pub run_url: Option<String>,
}

impl AuditRecord {
    /// Fills `duration_seconds` from the two times, when both are known.
    pub fn with_duration(mut self) -> Self {
        self.duration_seconds = match (self.started_at, self.finished_at) {
            (Some(start), Some(end)) => Some((end - start).num_seconds()),
            _ => None,
        };
        self
    }

    /// The record as one line of JSON, newline included (never contains a raw newline inside).
    pub fn to_json_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("audit records always serialise");
        line.push('\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_one_line_with_its_duration() {
        let record = AuditRecord {
            recorded_at: "2026-11-27T10:10:00Z".parse().unwrap(),
            repository: "tecnomundo/repair-management".into(),
            environment: "production".into(),
            sha: "a".repeat(40),
            version: Some("v1.4.0".into()),
            actor: Some("ana\nmaria".into()),
            state: "success".into(),
            started_at: Some("2026-11-27T10:00:00Z".parse().unwrap()),
            finished_at: Some("2026-11-27T10:07:30Z".parse().unwrap()),
            duration_seconds: None,
            rollback: false,
            deployment_id: Some(42),
            run_id: Some(7),
            run_url: None,
        }
        .with_duration();
        assert_eq!(record.duration_seconds, Some(450));
        let line = record.to_json_line();
        assert_eq!(line.matches('\n').count(), 1);
        assert!(line.ends_with('\n'));
        let back: AuditRecord = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(back, record);
    }
}
