//! The policy: which gates run and with which settings.
//!
//! Defaults are the flow's (`docs/config.md`): 24 h soak in `staging`, two approvals on the
//! gated commit, an annotated `v*` semver tag, every reported check green. A config file
//! (`.github/shipgate.yml`, see [`crate::config`]) and then command-line or Action inputs
//! override them, in that order.

use serde::Serialize;

use crate::alerts::Severity;
use crate::duration::Duration;

/// The longest soak a policy may ask for: 90 days. A soak is hours or days in practice; a
/// quarter is beyond any team's release rhythm, so a longer one is a typo (`1000000w`) or a
/// release that never ships — an error rather than a gate that is pending forever.
pub const MAX_SOAK: Duration = Duration::from_days(90);

/// The most approvals a policy may require: 10, GitHub's own maximum for required approvals in a
/// ruleset (branch protection allows 6). More is a typo or a gate that can never pass.
pub const MAX_APPROVALS: u32 = 10;

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// The branch that deploys to production (`main`).
    pub production_branch: String,
    /// The GitHub environment that is production (`production`).
    pub production_environment: String,
    /// The name of shipgate's own check run (`shipgate`), excluded from the checks gate.
    pub check_name: String,
    /// The soak gate.
    pub soak: SoakPolicy,
    /// The approvals gate.
    pub approvals: ApprovalsPolicy,
    /// The release-tag gate.
    pub tag: TagPolicy,
    /// The checks gate.
    pub checks: ChecksPolicy,
    /// The checklist gate.
    pub checklist: ChecklistPolicy,
    /// The freeze gate (deploy freezes and allowed deploy times); off unless configured.
    pub freeze: FreezePolicy,
    /// The security gate (off unless configured).
    pub security: SecurityPolicy,
}

/// Settings of the soak gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoakPolicy {
    /// Whether the gate runs.
    pub enabled: bool,
    /// The environment the release soaks in (`staging`).
    pub environment: String,
    /// How long it must run there without a break (`24h`).
    pub duration: Duration,
    /// Logins whose deployments may open a soak window; empty means any bot or app account
    /// (never a user: a user can create a deployment through the API).
    pub deployers: Vec<String>,
}

/// Settings of the approvals gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalsPolicy {
    /// Whether the gate runs.
    pub enabled: bool,
    /// Distinct eligible approvals needed (at least 1).
    pub required: u32,
    /// Whether approvals given on an earlier commit of the PR still count.
    pub allow_stale: bool,
    /// Whether the accounts that authored or committed the PR's commits are left out (GitHub's
    /// "approval of the most recent reviewable push" rule, applied to every commit).
    pub exclude_contributors: bool,
    /// Stricter rules for changes under given paths.
    pub path_rules: Vec<PathRule>,
}

/// Changes under `paths` need more approvals, or approvals from named people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathRule {
    /// Glob patterns (`migrations/**`, `*.sql`) matched against changed files.
    pub paths: Vec<String>,
    /// Approvals needed when a path matches (overrides the general count when larger).
    pub required: Option<u32>,
    /// Logins of which at least one must be among the approvers.
    pub reviewers: Vec<String>,
}

/// Settings of the release-tag gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagPolicy {
    /// Whether the gate runs.
    pub enabled: bool,
    /// Glob for release tag names (`v*`); the rest after the pattern's literal prefix is semver.
    pub pattern: String,
    /// Whether the tag must be annotated (`git tag -a`).
    pub require_annotated: bool,
    /// Whether pre-release versions (`v1.4.0-rc.1`) are accepted.
    pub allow_prerelease: bool,
    /// Whether the version must be above every version already released to production.
    pub require_increase: bool,
    /// Whether a `staging/vX.Y.Z` head branch must carry exactly tag `vX.Y.Z`.
    pub match_branch: bool,
}

/// Settings of the checks gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecksPolicy {
    /// Whether the gate runs.
    pub enabled: bool,
    /// Required checks; empty means every reported check.
    pub required: Vec<RequiredCheck>,
    /// Whether a `neutral` conclusion counts as passing.
    pub neutral_passes: bool,
}

/// One required check: a name or glob, optionally pinned to the source that must report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredCheck {
    /// The check's name or a glob (`backend / *`).
    pub name: String,
    /// The app (a check run's app slug) or account (a commit status's creator) that must
    /// report it; reports of that name from any other source are ignored. `None`: any source.
    pub app: Option<String>,
}

impl RequiredCheck {
    /// A required check of any source.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            app: None,
        }
    }

    /// Parses the input and flag syntax: `NAME` or `NAME @ APP` (the last ` @ ` separates).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (name, app) = match text.rsplit_once(" @ ") {
            Some((name, app)) => (name.trim(), Some(app.trim())),
            None => (text, None),
        };
        let name = crate::config::pattern(name)?;
        let app = app
            .map(|app| {
                if app.is_empty() || app.contains(char::is_whitespace) {
                    Err(format!("{app:?} is not an app slug or login"))
                } else {
                    Ok(app.to_string())
                }
            })
            .transpose()?;
        Ok(Self { name, app })
    }
}

impl From<&str> for RequiredCheck {
    fn from(name: &str) -> Self {
        Self::named(name)
    }
}

impl PartialEq<&str> for RequiredCheck {
    fn eq(&self, name: &&str) -> bool {
        self.app.is_none() && self.name == *name
    }
}

impl std::fmt::Display for RequiredCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.app {
            Some(app) => write!(f, "{} @ {app}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Settings of the checklist gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistPolicy {
    /// Whether the gate runs.
    pub enabled: bool,
    /// Items that must be ticked in the PR body; none means the gate is skipped.
    pub items: Vec<String>,
}

/// Settings of the freeze gate: fixed freeze periods and the allowed deploy time. Nothing
/// configured means the gate does not run (and is not listed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreezePolicy {
    /// Whether the gate runs (when it has something to check).
    pub enabled: bool,
    /// Fixed freeze periods; they may overlap.
    pub windows: Vec<FreezeWindow>,
    /// When deploys are allowed at all; `None`: at any time outside the windows.
    pub allowed: Option<AllowedTime>,
}

impl Default for FreezePolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            windows: Vec::new(),
            allowed: None,
        }
    }
}

/// Settings of the security gate: which alert sources it reads and from which severity an open
/// alert fails it. Off unless the config's `security:` section turns a source on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityPolicy {
    /// Whether the gate runs when a source is on (`security.enabled`, default `true`).
    pub enabled: bool,
    /// Whether any open secret-scanning alert fails the gate.
    pub secret_scanning: bool,
    /// The lowest severity of an open code-scanning alert on the production branch that fails
    /// the gate; `None`: code scanning is not read.
    pub code_scanning: Option<Severity>,
    /// The lowest severity of an open Dependabot alert that fails the gate; `None`: not read.
    pub dependabot: Option<Severity>,
}

impl SecurityPolicy {
    /// Whether some source is configured (the gate then has a row, `skipped` when turned off).
    pub fn configured(&self) -> bool {
        self.secret_scanning || self.code_scanning.is_some() || self.dependabot.is_some()
    }

    /// Whether the gate runs, and so whether the alerts are read.
    pub fn is_on(&self) -> bool {
        self.enabled && self.configured()
    }
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            secret_scanning: false,
            code_scanning: None,
            dependabot: None,
        }
    }
}

impl FreezePolicy {
    /// Whether the config sets any window or allowed time (only then is the gate listed).
    pub fn is_configured(&self) -> bool {
        !self.windows.is_empty() || self.allowed.is_some()
    }
}

/// One freeze period: no deploys from `from` (inclusive) until `until` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreezeWindow {
    /// Its first moment.
    pub from: chrono::DateTime<chrono::Utc>,
    /// The first moment after it (`until > from`).
    pub until: chrono::DateTime<chrono::Utc>,
    /// Why, as shown in the verdict (untrusted text, escaped when rendered).
    pub reason: String,
}

/// The allowed deploy time: some weekdays, some hours of the day, in one IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedTime {
    /// The days an allowed period may start on, Monday first, without repeats (at least one).
    pub weekdays: Vec<chrono::Weekday>,
    /// The hours of each such day; `None`: the whole day.
    pub hours: Option<AllowedHours>,
    /// The time zone both are read in.
    #[serde(serialize_with = "time_zone_name")]
    pub timezone: chrono_tz::Tz,
}

/// Local hours `start`–`end` in minutes after midnight: `start` inclusive, `end` exclusive. An
/// `end` at or before `start` crosses midnight (the period ends the next day); `1440` is 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AllowedHours {
    /// The first allowed minute, `0..1440`.
    pub start: u16,
    /// The first minute no longer allowed, `0..=1440`, never equal to `start`.
    pub end: u16,
}

fn time_zone_name<S: serde::Serializer>(tz: &chrono_tz::Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tz.name())
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            production_branch: "main".into(),
            production_environment: "production".into(),
            check_name: "shipgate".into(),
            soak: SoakPolicy {
                enabled: true,
                environment: "staging".into(),
                duration: Duration::from_hours(24),
                deployers: Vec::new(),
            },
            approvals: ApprovalsPolicy {
                enabled: true,
                required: 2,
                allow_stale: false,
                exclude_contributors: true,
                path_rules: Vec::new(),
            },
            tag: TagPolicy {
                enabled: true,
                pattern: "v*".into(),
                require_annotated: true,
                allow_prerelease: false,
                require_increase: true,
                match_branch: true,
            },
            checks: ChecksPolicy {
                enabled: true,
                required: Vec::new(),
                neutral_passes: true,
            },
            checklist: ChecklistPolicy {
                enabled: true,
                items: Vec::new(),
            },
            freeze: FreezePolicy::default(),
            security: SecurityPolicy::default(),
        }
    }
}
