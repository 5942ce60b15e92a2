//! Security alerts as facts: the repository's open Dependabot, code-scanning and secret-scanning
//! alerts, read for the security gate (`docs/gates.md#security`), and how GitHub's severities
//! map to one scale.
//!
//! Each source is either read in full (its open alerts) or unreadable (GitHub's answer, kept to
//! say why). A source that is absent from the facts was not read; the gate treats both as
//! unverified, never as "no alerts".

use serde::{Deserialize, Serialize};

/// One severity scale for every source, lowest first. GitHub calls the second level `medium` in
/// REST and `moderate` in GraphQL and advisories; shipgate writes `medium`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium (GitHub's advisories: moderate).
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every level, highest first (the order reasons list them in).
    pub const DESCENDING: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// The lowercase name, as in the config and the facts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// Parses a severity as the config writes it: `low`, `medium`, `high` or `critical`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            "moderate" => Err(
                "\"moderate\" is GitHub's advisory name for `medium`: write `medium`".to_string(),
            ),
            other
                if ["low", "medium", "high", "critical"]
                    .contains(&other.to_ascii_lowercase().as_str()) =>
            {
                Err(format!(
                    "write the severity in lower case: `{}`",
                    other.to_ascii_lowercase()
                ))
            }
            other => Err(format!(
                "unknown severity {other:?}: use low, medium, high or critical"
            )),
        }
    }

    /// A severity as GitHub spells it in Dependabot alerts and advisories (`low`, `medium` or
    /// `moderate`, `high`, `critical`, any case). A value shipgate does not know counts as
    /// critical: an alert is never ranked lower than GitHub may have meant.
    pub fn from_github(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "low" => Self::Low,
            "medium" | "moderate" => Self::Medium,
            "high" => Self::High,
            _ => Self::Critical,
        }
    }

    /// The severity of a code-scanning alert: its rule's `security_severity_level` when GitHub
    /// gives one (security queries), else its rule's `severity` — `error` → high, `warning` →
    /// medium, `note` or `none` → low (rules of other tools and quality queries carry only
    /// that). With neither, or a value shipgate does not know, the alert counts as critical.
    pub fn from_code_scanning(
        security_severity_level: Option<&str>,
        rule_severity: Option<&str>,
    ) -> Self {
        if let Some(level) = security_severity_level {
            return Self::from_github(level);
        }
        match rule_severity
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("error") => Self::High,
            Some("warning") => Self::Medium,
            Some("note" | "none") => Self::Low,
            _ => Self::Critical,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The repository's open security alerts, by source. A source left out was not read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityFacts {
    /// Open Dependabot alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependabot: Option<AlertList>,
    /// Open code-scanning alerts of one branch (`ref`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_scanning: Option<AlertList>,
    /// Open secret-scanning alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_scanning: Option<AlertList>,
}

/// The open alerts of one source, or why they could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertList {
    /// The branch the alerts are of, as a full ref (`refs/heads/main`): code scanning only.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Every open alert (meaningful only without `error`).
    #[serde(default)]
    pub alerts: Vec<Alert>,
    /// Why the list could not be read in full; when set, the source counts as unreadable
    /// whatever `alerts` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ReadError>,
}

impl AlertList {
    /// A list read in full.
    pub fn read(alerts: Vec<Alert>) -> Self {
        Self {
            git_ref: None,
            alerts,
            error: None,
        }
    }

    /// A source that could not be read.
    pub fn unreadable(status: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            git_ref: None,
            alerts: Vec::new(),
            error: Some(ReadError {
                status,
                message: message.into(),
            }),
        }
    }

    /// The same list, saying which branch its alerts are of.
    pub fn of_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.git_ref = Some(git_ref.into());
        self
    }
}

/// Why a source could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadError {
    /// GitHub's HTTP status, when it answered one (403: no permission or the feature is off;
    /// 404: the feature is off or never ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// GitHub's message, or what else went wrong (never a secret, never the token).
    pub message: String,
}

/// One open alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// The alert's number in its source (`/security/dependabot/12`).
    pub number: u64,
    /// Its severity; secret-scanning alerts have none. A Dependabot or code-scanning alert
    /// without one counts as critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// What it is about: the package and advisory, the rule, or the kind of secret (untrusted
    /// text: a third-party tool names its rules; never the secret itself).
    pub title: String,
    /// The alert's page on GitHub (`html_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_ordered_and_named() {
        assert!(Severity::Low < Severity::Medium);
        assert!(Severity::High < Severity::Critical);
        for s in Severity::DESCENDING {
            assert_eq!(Severity::parse(s.name()), Ok(s));
        }
    }

    #[test]
    fn the_config_spelling_is_strict_and_says_what_to_write() {
        assert_eq!(
            Severity::parse("moderate").unwrap_err(),
            "\"moderate\" is GitHub's advisory name for `medium`: write `medium`"
        );
        assert_eq!(
            Severity::parse("High").unwrap_err(),
            "write the severity in lower case: `high`"
        );
        assert_eq!(
            Severity::parse("severe").unwrap_err(),
            "unknown severity \"severe\": use low, medium, high or critical"
        );
    }

    #[test]
    fn github_spellings_map_explicitly_and_unknown_ones_count_as_critical() {
        assert_eq!(Severity::from_github("moderate"), Severity::Medium);
        assert_eq!(Severity::from_github("MODERATE"), Severity::Medium);
        assert_eq!(Severity::from_github("medium"), Severity::Medium);
        assert_eq!(Severity::from_github("low"), Severity::Low);
        assert_eq!(Severity::from_github("HIGH"), Severity::High);
        assert_eq!(Severity::from_github("critical"), Severity::Critical);
        assert_eq!(Severity::from_github("catastrophic"), Severity::Critical);
    }

    #[test]
    fn code_scanning_prefers_the_security_severity_then_maps_the_rule_severity() {
        let s = Severity::from_code_scanning;
        assert_eq!(s(Some("medium"), Some("error")), Severity::Medium);
        assert_eq!(s(Some("critical"), None), Severity::Critical);
        assert_eq!(s(None, Some("error")), Severity::High);
        assert_eq!(s(None, Some("warning")), Severity::Medium);
        assert_eq!(s(None, Some("note")), Severity::Low);
        assert_eq!(s(None, Some("none")), Severity::Low);
        assert_eq!(s(None, None), Severity::Critical);
        assert_eq!(s(None, Some("fatal")), Severity::Critical);
    }

    #[test]
    fn facts_round_trip_and_reject_unknown_fields() {
        let facts = SecurityFacts {
            dependabot: Some(AlertList::read(vec![Alert {
                number: 12,
                severity: Some(Severity::Critical),
                title: "lodash: Prototype Pollution".into(),
                url: Some("https://github.com/acme/shop/security/dependabot/12".into()),
            }])),
            code_scanning: Some(AlertList::read(Vec::new()).of_ref("refs/heads/main")),
            secret_scanning: Some(AlertList::unreadable(
                Some(404),
                "Secret scanning is disabled on this repository.",
            )),
        };
        let text = serde_json::to_string(&facts).unwrap();
        assert!(text.contains(r#""ref":"refs/heads/main""#), "{text}");
        assert_eq!(serde_json::from_str::<SecurityFacts>(&text).unwrap(), facts);
        let err = serde_json::from_str::<SecurityFacts>(r#"{"dependabott": null}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}
