//! The arithmetic of the flow's KPIs and DORA's four keys, exactly as `docs/report.md` defines
//! them. Pure: the period's end (`now`) is an argument, and the history is evaluated as it stood
//! then ([`History::as_of`]): later deployments and statuses do not exist yet.
//!
//! In short: a *deploy* is a non-rollback deployment started in the period; it *succeeded* when
//! its first terminal status is `success`, *failed* when it is `failure`/`error`. A *downtime
//! incident* starts when a deployment that had reached `success` later gets `failure`/`error`
//! (the live release broke) and ends at the environment's next `success`. A *change failure* is
//! a successful deploy that caused an incident or was followed directly by a rollback.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::history::{History, HistoryDeployment};
use super::levels::{self, Levels};
use crate::facts::DeploymentState;

/// The flow's success-rate target (the targets are documented in `docs/report.md`).
pub const TARGET_SUCCESS_RATE: f64 = 0.95;
/// Deploy time target, seconds (judged on the p95).
pub const TARGET_DEPLOY_TIME_SECS: i64 = 10 * 60;
/// Rollback time target, seconds (judged on the slowest rollback).
pub const TARGET_ROLLBACK_TIME_SECS: i64 = 5 * 60;

/// The period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// Start (inclusive).
    pub since: DateTime<Utc>,
    /// End (inclusive): the report's "now".
    pub until: DateTime<Utc>,
}

impl Period {
    /// Whether `t` falls in the period.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.since && t <= self.until
    }
    /// Length in whole seconds (zero or negative for a period without length).
    pub fn seconds(&self) -> i64 {
        (self.until - self.since).num_seconds()
    }
    /// Length in days (fractional, at least one second's worth).
    pub fn days(&self) -> f64 {
        self.seconds().max(1) as f64 / 86_400.0
    }
}

/// Where lead time for changes starts (`--lead-time-basis`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeadTimeBasis {
    /// The first commit of the deploy's pull request (its author date).
    #[default]
    FirstCommit,
    /// The last (head) commit of the deploy's pull request (its author date).
    LastCommit,
}

impl LeadTimeBasis {
    /// Every basis, by its name.
    pub const ALL: [LeadTimeBasis; 2] = [LeadTimeBasis::FirstCommit, LeadTimeBasis::LastCommit];

    /// The name the input takes (`first-commit`, `last-commit`).
    pub fn name(self) -> &'static str {
        match self {
            LeadTimeBasis::FirstCommit => "first-commit",
            LeadTimeBasis::LastCommit => "last-commit",
        }
    }

    /// The basis named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    /// When the change of `d` started on this basis, if known.
    fn start(self, d: &HistoryDeployment) -> Option<DateTime<Utc>> {
        match self {
            LeadTimeBasis::FirstCommit => d.first_commit_at,
            LeadTimeBasis::LastCommit => d.last_commit_at,
        }
    }
}

/// Whether a KPI meets its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiStatus {
    /// The target is met.
    Pass,
    /// The target is missed.
    Fail,
    /// Nothing in the period to judge by (never counted as a pass).
    NoData,
}

/// One KPI judged against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    /// The KPI, e.g. `success-rate`.
    pub kpi: String,
    /// The target in words, e.g. `> 95 %`.
    pub target: String,
    /// The measured value in words.
    pub value: String,
    /// Pass, fail or no data.
    pub status: KpiStatus,
}

/// A downtime incident: a live release broke until the environment was healthy again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The deployment that broke.
    pub deployment_id: u64,
    /// Its commit.
    pub sha: String,
    /// When it broke (its `failure`/`error` status after `success`).
    pub started_at: DateTime<Utc>,
    /// The environment's next `success`, if any yet.
    pub recovered_at: Option<DateTime<Utc>>,
}

impl Incident {
    /// Seconds until recovery, when recovered.
    pub fn recovery_seconds(&self) -> Option<i64> {
        self.recovered_at
            .map(|r| (r - self.started_at).num_seconds())
    }
}

/// Every figure of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    /// `owner/name`.
    pub repository: String,
    /// The environment.
    pub environment: String,
    /// The period covered.
    pub period: Period,
    /// Deploys (non-rollback deployments) created in the period.
    pub deploys: u32,
    /// Of those, the ones that reached a terminal status.
    pub finished: u32,
    /// Deploys whose first terminal status is `success`.
    pub successful: u32,
    /// Deploys whose first terminal status is `failure` or `error`.
    pub failed: u32,
    /// successful / finished.
    pub success_rate: Option<f64>,
    /// Median seconds from start to the first `success`, over successful deploys.
    pub deploy_time_median: Option<i64>,
    /// 95th percentile (nearest rank) of the same.
    pub deploy_time_p95: Option<i64>,
    /// Rollback deployments started in the period.
    pub rollbacks: u32,
    /// Rollbacks that got a `failure`/`error` status and no `success` by the period's end.
    pub failed_rollbacks: u32,
    /// Rollbacks with neither `success` nor `failure`/`error` by the period's end (running).
    pub unfinished_rollbacks: u32,
    /// The longest an unfinished rollback had been running at the period's end, seconds.
    pub unfinished_rollback_max: Option<i64>,
    /// Median seconds from a rollback's start to its first `success`.
    pub rollback_time_median: Option<i64>,
    /// The slowest successful rollback, seconds (the KPI is judged on it).
    pub rollback_time_max: Option<i64>,
    /// Downtime incidents that started in the period.
    pub downtime_incidents: u32,
    /// The incidents themselves.
    pub incidents: Vec<Incident>,
    /// DORA: successful deploys per day (0 for a period without any; `None` only for a period
    /// without length).
    pub deployment_frequency: Option<f64>,
    /// Where lead time starts: the PR's first commit or its last.
    pub lead_time_basis: LeadTimeBasis,
    /// DORA: median seconds from the PR's first (or last, per the basis) commit to the deploy's
    /// first `success`.
    pub lead_time_median: Option<i64>,
    /// Successful deploys that caused an incident or were followed directly by a rollback.
    pub change_failures: u32,
    /// DORA: change failures / successful deploys.
    pub change_failure_rate: Option<f64>,
    /// DORA: median seconds from an incident's start to recovery (recovered incidents).
    pub recovery_time_median: Option<i64>,
    /// DORA: the performance level of each key (`docs/report.md`).
    pub levels: Levels,
    /// Successful deploys per ISO week (Monday date, count), for the chart.
    pub weekly_deploys: Vec<(NaiveDate, u32)>,
    /// Successful deploys' durations in seconds, oldest first (id, seconds), for the chart.
    pub durations: Vec<(u64, i64)>,
    /// The flow's KPIs judged against their targets.
    pub targets: Vec<TargetResult>,
}

/// Computes every figure for the deployments of `history` started in `period`, with the history
/// as it stood at the period's end, and lead time measured from `basis`.
pub fn compute(history: &History, period: Period, basis: LeadTimeBasis) -> Kpis {
    let history = history.as_of(period.until);
    let mut all: Vec<&HistoryDeployment> = history.deployments.iter().collect();
    all.sort_by_key(|d| (d.started_at(), d.id));
    let in_period: Vec<&HistoryDeployment> = all
        .iter()
        .copied()
        .filter(|d| period.contains(d.started_at()))
        .collect();
    let deploys: Vec<&HistoryDeployment> = in_period
        .iter()
        .copied()
        .filter(|d| !d.is_rollback())
        .collect();
    let rollbacks: Vec<&HistoryDeployment> = in_period
        .iter()
        .copied()
        .filter(|d| d.is_rollback())
        .collect();

    let mut finished = 0;
    let mut successful: Vec<(&HistoryDeployment, DateTime<Utc>)> = Vec::new();
    for d in &deploys {
        if let Some(first) = d.first_terminal() {
            finished += 1;
            if first.state == DeploymentState::Success {
                successful.push((d, first.created_at));
            }
        }
    }
    let failed = finished - successful.len() as u32;
    let success_rate = ratio(successful.len() as u32, finished);

    let durations: Vec<(u64, i64)> = successful
        .iter()
        .map(|(d, success_at)| {
            let end = d
                .payload
                .as_ref()
                .and_then(|p| p.finished_at)
                .unwrap_or(*success_at);
            (d.id, (end - d.started_at()).num_seconds().max(0))
        })
        .collect();
    let mut deploy_secs: Vec<i64> = durations.iter().map(|(_, s)| *s).collect();
    deploy_secs.sort_unstable();

    let mut rollback_secs: Vec<i64> = Vec::new();
    let mut failed_rollbacks = 0;
    let mut unfinished_secs: Vec<i64> = Vec::new();
    for r in &rollbacks {
        let timeline = r.timeline();
        if let Some(success) = timeline
            .iter()
            .find(|s| s.state == DeploymentState::Success)
        {
            rollback_secs.push((success.created_at - r.started_at()).num_seconds().max(0));
        } else if timeline.iter().any(|s| s.state.is_broken()) {
            failed_rollbacks += 1;
        } else {
            // Still running at the period's end: how long so far is all that is known.
            unfinished_secs.push((period.until - r.started_at()).num_seconds().max(0));
        }
    }
    rollback_secs.sort_unstable();

    let incidents = find_incidents(&all, period);
    let mut recovery_secs: Vec<i64> = incidents
        .iter()
        .filter_map(Incident::recovery_seconds)
        .collect();
    recovery_secs.sort_unstable();

    // A change failure: a successful deploy that later broke (an incident of its own), or whose
    // next deployment in the environment is a rollback.
    let broken: std::collections::HashSet<u64> =
        incidents.iter().map(|i| i.deployment_id).collect();
    let change_failures = successful
        .iter()
        .filter(|(d, _)| {
            // `all` is sorted by (start, id): the next deployment is the first one after `d`.
            let after = all.partition_point(|o| (o.started_at(), o.id) <= (d.started_at(), d.id));
            broken.contains(&d.id) || all.get(after).is_some_and(|n| n.is_rollback())
        })
        .count() as u32;

    let mut lead_secs: Vec<i64> = successful
        .iter()
        .filter_map(|(d, success_at)| {
            basis
                .start(d)
                .map(|c| (*success_at - c).num_seconds().max(0))
        })
        .collect();
    lead_secs.sort_unstable();

    let mut weekly: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for (d, _) in &successful {
        let day = d.started_at().date_naive();
        let monday = day
            .checked_sub_days(chrono::Days::new(u64::from(
                day.weekday().num_days_from_monday(),
            )))
            .unwrap_or(day);
        *weekly.entry(monday).or_default() += 1;
    }

    let successful_count = successful.len() as u32;
    let period_seconds = period.seconds();
    let lead_time_median = median(&lead_secs);
    let recovery_time_median = median(&recovery_secs);
    let mut kpis = Kpis {
        repository: history.repository.clone(),
        environment: history.environment.clone(),
        period,
        deploys: deploys.len() as u32,
        finished,
        successful: successful_count,
        failed,
        success_rate,
        deploy_time_median: median(&deploy_secs),
        deploy_time_p95: percentile(&deploy_secs, 0.95),
        rollbacks: rollbacks.len() as u32,
        failed_rollbacks,
        unfinished_rollbacks: unfinished_secs.len() as u32,
        unfinished_rollback_max: unfinished_secs.iter().max().copied(),
        rollback_time_median: median(&rollback_secs),
        rollback_time_max: rollback_secs.last().copied(),
        downtime_incidents: incidents.len() as u32,
        incidents,
        // Zero deploys is a measured 0 per day; only a period without length has no frequency.
        deployment_frequency: (period_seconds > 0)
            .then(|| f64::from(successful_count) / period.days()),
        lead_time_basis: basis,
        lead_time_median,
        change_failures,
        change_failure_rate: ratio(change_failures, successful_count),
        recovery_time_median,
        levels: Levels {
            deployment_frequency: levels::deployment_frequency(successful_count, period_seconds),
            lead_time: lead_time_median.map(levels::lead_time),
            change_failure_rate: levels::change_failure_rate(change_failures, successful_count),
            recovery_time: recovery_time_median.map(levels::recovery_time),
        },
        weekly_deploys: weekly.into_iter().collect(),
        durations,
        targets: Vec::new(),
    };
    kpis.targets = judge(&kpis);
    kpis
}

/// Incidents that started in the period: a deployment's `failure`/`error` after its own
/// `success`, recovered at the environment's next `success` (of any deployment).
fn find_incidents(all: &[&HistoryDeployment], period: Period) -> Vec<Incident> {
    let mut successes: Vec<DateTime<Utc>> = all
        .iter()
        .flat_map(|d| d.statuses.iter())
        .filter(|s| s.state == DeploymentState::Success)
        .map(|s| s.created_at)
        .collect();
    successes.sort_unstable();
    let mut incidents = Vec::new();
    for d in all {
        let timeline = d.timeline();
        let Some(live) = timeline
            .iter()
            .position(|s| s.state == DeploymentState::Success)
        else {
            continue;
        };
        let Some(broke) = timeline[live + 1..].iter().find(|s| s.state.is_broken()) else {
            continue;
        };
        if !period.contains(broke.created_at) {
            continue;
        }
        let recovered_at = successes
            .get(successes.partition_point(|t| *t <= broke.created_at))
            .copied();
        incidents.push(Incident {
            deployment_id: d.id,
            sha: d.sha.clone(),
            started_at: broke.created_at,
            recovered_at,
        });
    }
    incidents.sort_by_key(|i| (i.started_at, i.deployment_id));
    incidents
}

/// The flow's four KPIs against their targets.
fn judge(k: &Kpis) -> Vec<TargetResult> {
    let status = |known: bool, ok: bool| match (known, ok) {
        (false, _) => KpiStatus::NoData,
        (true, true) => KpiStatus::Pass,
        (true, false) => KpiStatus::Fail,
    };
    vec![
        TargetResult {
            kpi: "success-rate".into(),
            target: "> 95 %".into(),
            value: k.success_rate.map_or("no finished deploys".into(), |r| {
                format!("{} ({} of {})", percent(r), k.successful, k.finished)
            }),
            status: status(
                k.success_rate.is_some(),
                k.success_rate.is_some_and(|r| r > TARGET_SUCCESS_RATE),
            ),
        },
        TargetResult {
            kpi: "deploy-time".into(),
            target: "< 10 min (p95)".into(),
            value: k
                .deploy_time_p95
                .map_or("no successful deploys".into(), |p| {
                    format!(
                        "p95 {}, median {}",
                        seconds(p),
                        seconds(k.deploy_time_median.unwrap_or(p))
                    )
                }),
            status: status(
                k.deploy_time_p95.is_some(),
                k.deploy_time_p95
                    .is_some_and(|p| p < TARGET_DEPLOY_TIME_SECS),
            ),
        },
        TargetResult {
            kpi: "rollback-time".into(),
            target: "< 5 min (every rollback)".into(),
            value: rollback_value(k),
            status: rollback_status(k),
        },
        TargetResult {
            kpi: "downtime".into(),
            target: "zero incidents".into(),
            value: format!(
                "{} incident{}",
                k.downtime_incidents,
                if k.downtime_incidents == 1 { "" } else { "s" }
            ),
            // An incident is data even in a period without finished deploys (a live release
            // from before the period broke): never shown as "no data".
            status: status(
                k.finished > 0 || k.downtime_incidents > 0,
                k.downtime_incidents == 0,
            ),
        },
    ]
}

/// The rollback KPI in words: the slowest successful rollback, and what did not succeed.
fn rollback_value(k: &Kpis) -> String {
    if k.rollbacks == 0 {
        return "no rollbacks".into();
    }
    let mut parts = Vec::new();
    if let Some(max) = k.rollback_time_max {
        parts.push(format!("slowest {}", seconds(max)));
    }
    if k.failed_rollbacks > 0 {
        parts.push(format!(
            "{} of {} rollbacks never succeeded",
            k.failed_rollbacks, k.rollbacks
        ));
    }
    if let Some(running) = k.unfinished_rollback_max {
        parts.push(format!(
            "{} still running ({} so far)",
            k.unfinished_rollbacks,
            seconds(running)
        ));
    }
    parts.join("; ")
}

/// Every rollback under 5 minutes: a failed rollback, a slow one or one still running at 5
/// minutes or more fails it; a rollback running for less is not judged yet (like an unfinished
/// deploy), so with nothing else to judge there is no data.
fn rollback_status(k: &Kpis) -> KpiStatus {
    let missed = k.failed_rollbacks > 0
        || k.rollback_time_max
            .is_some_and(|m| m >= TARGET_ROLLBACK_TIME_SECS)
        || k.unfinished_rollback_max
            .is_some_and(|m| m >= TARGET_ROLLBACK_TIME_SECS);
    if missed {
        KpiStatus::Fail
    } else if k.rollback_time_max.is_some() {
        KpiStatus::Pass
    } else {
        KpiStatus::NoData
    }
}

fn ratio(numerator: u32, denominator: u32) -> Option<f64> {
    (denominator > 0).then(|| f64::from(numerator) / f64::from(denominator))
}

/// The median of sorted values (mean of the two middle ones for an even count, rounded down).
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]).div_euclid(2)),
    }
}

/// The nearest-rank percentile `p` (0 < p ≤ 1) of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// A fraction as a percentage with one decimal, e.g. `96.7 %`.
pub fn percent(fraction: f64) -> String {
    format!("{:.1} %", fraction * 100.0)
}

/// Seconds as `7 m 30 s`, `2 h 5 m`, `45 s`.
pub fn seconds(secs: i64) -> String {
    crate::duration::Duration::from_secs(secs.max(0) as u64).human()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::DeploymentStatus;
    use crate::kpi::history::DeployPayload;

    fn t(minutes: i64) -> DateTime<Utc> {
        "2026-11-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
            + chrono::TimeDelta::minutes(minutes)
    }

    fn deployment(
        id: u64,
        start: i64,
        statuses: &[(i64, DeploymentState)],
        rollback: bool,
    ) -> HistoryDeployment {
        HistoryDeployment {
            id,
            sha: format!("{id:040x}"),
            created_at: t(start),
            creator: None,
            statuses: statuses
                .iter()
                .map(|(m, state)| DeploymentStatus {
                    state: *state,
                    created_at: t(*m),
                    description: None,
                    creator: None,
                })
                .collect(),
            payload: rollback.then(|| DeployPayload {
                rollback: true,
                ..DeployPayload::default()
            }),
            first_commit_at: Some(t(start - 120)),
            last_commit_at: Some(t(start - 30)),
        }
    }

    fn history(deployments: Vec<HistoryDeployment>) -> History {
        History {
            version: 1,
            repository: "o/r".into(),
            environment: "production".into(),
            captured_at: t(100_000),
            deployments,
        }
    }

    fn period() -> Period {
        Period {
            since: t(0),
            until: t(14 * 24 * 60),
        }
    }

    use DeploymentState::{Failure, InProgress, Inactive, Success};

    #[test]
    fn success_rate_counts_the_first_terminal_status() {
        let h = history(vec![
            deployment(1, 10, &[(10, InProgress), (17, Success)], false),
            deployment(2, 100, &[(101, Failure)], false),
            deployment(3, 200, &[(200, InProgress)], false), // unfinished: not in the rate
            deployment(4, 300, &[(305, Success), (900, Inactive)], false),
        ]);
        let k = compute(&h, period(), LeadTimeBasis::FirstCommit);
        assert_eq!(
            (k.deploys, k.finished, k.successful, k.failed),
            (4, 3, 2, 1)
        );
        assert_eq!(k.success_rate, Some(2.0 / 3.0));
        assert_eq!(k.deploy_time_median, Some(360)); // (7 m + 5 m) / 2
        assert_eq!(k.deploy_time_p95, Some(420));
        assert_eq!(k.targets[0].status, KpiStatus::Fail);
        assert_eq!(k.targets[1].status, KpiStatus::Pass);
    }

    #[test]
    fn a_live_release_that_breaks_is_an_incident_and_a_change_failure() {
        let h = history(vec![
            deployment(1, 0, &[(5, Success)], false),
            deployment(2, 60, &[(66, Success), (80, Failure)], false),
            deployment(3, 81, &[(84, Success)], true), // rollback, 3 min
        ]);
        let k = compute(&h, period(), LeadTimeBasis::FirstCommit);
        assert_eq!(k.downtime_incidents, 1);
        assert_eq!(k.incidents[0].recovery_seconds(), Some(4 * 60));
        assert_eq!(k.recovery_time_median, Some(240));
        assert_eq!(k.rollbacks, 1);
        assert_eq!(k.rollback_time_max, Some(180));
        assert_eq!(k.change_failure_rate, Some(0.5));
        assert_eq!(k.lead_time_median, Some((125 + 126) * 60 / 2));
        let statuses: Vec<KpiStatus> = k.targets.iter().map(|t| t.status).collect();
        assert_eq!(
            statuses,
            [
                KpiStatus::Pass,
                KpiStatus::Pass,
                KpiStatus::Pass,
                KpiStatus::Fail
            ]
        );
    }

    #[test]
    fn a_deploy_followed_by_a_rollback_is_a_change_failure_without_downtime() {
        let h = history(vec![
            deployment(1, 0, &[(5, Success)], false),
            deployment(2, 30, &[(31, Success)], true),
        ]);
        let k = compute(&h, period(), LeadTimeBasis::FirstCommit);
        assert_eq!(k.change_failure_rate, Some(1.0));
        assert_eq!(k.downtime_incidents, 0);
    }

    #[test]
    fn an_empty_period_judges_nothing_as_passed() {
        let k = compute(&history(vec![]), period(), LeadTimeBasis::FirstCommit);
        assert!(k.targets.iter().all(|t| t.status == KpiStatus::NoData));
        // Zero deploys is measured: 0 per day, the lowest level; nothing else has a value.
        assert_eq!(k.deployment_frequency, Some(0.0));
        assert_eq!(
            k.levels,
            Levels {
                deployment_frequency: Some(crate::kpi::Level::Low),
                ..Levels::default()
            }
        );
        assert_eq!(
            (k.success_rate, k.deploy_time_median, k.lead_time_median),
            (None, None, None)
        );
        assert_eq!(
            (k.change_failure_rate, k.recovery_time_median),
            (None, None)
        );
    }

    #[test]
    fn a_rollback_that_never_succeeds_fails_the_rollback_target() {
        let h = history(vec![
            deployment(1, 0, &[(5, Success)], false),
            deployment(2, 30, &[(31, Failure)], true),
        ]);
        let k = compute(&h, period(), LeadTimeBasis::FirstCommit);
        assert_eq!(k.failed_rollbacks, 1);
        assert_eq!(k.targets[2].status, KpiStatus::Fail);
    }

    #[test]
    fn deployments_outside_the_period_are_ignored() {
        let h = history(vec![deployment(1, -100, &[(-95, Success)], false)]);
        let k = compute(&h, period(), LeadTimeBasis::FirstCommit);
        assert_eq!(k.deploys, 0);
    }

    #[test]
    fn an_incident_in_a_period_without_deploys_fails_the_downtime_target() {
        // Deployed before the period, broke inside it, rolled back inside it.
        let h = history(vec![
            deployment(1, -30, &[(-25, Success), (10, Failure)], false),
            deployment(2, 11, &[(14, Success)], true),
        ]);
        let k = compute(&h, period(), LeadTimeBasis::FirstCommit);
        assert_eq!((k.deploys, k.finished, k.downtime_incidents), (0, 0, 1));
        assert_eq!(k.targets[3].status, KpiStatus::Fail);
    }

    /// Deploy 1 (minutes 10–16), deploy 2 live at 107 and broken at 140, rollback 3 from 141 to
    /// 144, deploy 4 (200–206); each deploy's PR started 120 minutes and ended 30 minutes before
    /// it.
    fn replayed() -> History {
        history(vec![
            deployment(1, 10, &[(10, InProgress), (16, Success)], false),
            deployment(
                2,
                100,
                &[(100, InProgress), (107, Success), (140, Failure)],
                false,
            ),
            deployment(3, 141, &[(141, InProgress), (144, Success)], true),
            deployment(4, 200, &[(200, InProgress), (206, Success)], false),
        ])
    }

    fn as_of(minutes: i64) -> Kpis {
        let period = Period {
            since: t(0),
            until: t(minutes),
        };
        compute(&replayed(), period, LeadTimeBasis::FirstCommit)
    }

    #[test]
    fn a_replay_sees_only_what_existed_at_its_moment() {
        // At 105: deploy 2 is running (its success comes at 107), deploys 3 and 4 do not exist.
        let k = as_of(105);
        assert_eq!(
            (k.deploys, k.finished, k.successful, k.rollbacks),
            (2, 1, 1, 0)
        );
        assert_eq!(k.success_rate, Some(1.0));
        // Deploy 1: success at 16, PR's first commit at 10 - 120 = -110: 126 min = 7560 s.
        assert_eq!(k.lead_time_median, Some(7_560));
        // 1 successful deploy in 105 min: 1440 / 105 = 13.71 per day.
        assert_eq!(k.deployment_frequency, Some(1_440.0 / 105.0));
        assert_eq!(k.change_failure_rate, Some(0.0));

        // At 139: deploy 2 is live; the rollback (created at 141) does not exist yet, so no
        // change failure: 0 of 2.
        let k = as_of(139);
        assert_eq!((k.successful, k.change_failures, k.rollbacks), (2, 0, 0));
        assert_eq!(k.downtime_incidents, 0);
        // Lead times 126 and 107 - (-20) = 127 min: median (7560 + 7620) / 2 = 7590 s.
        assert_eq!(k.lead_time_median, Some(7_590));

        // At 142: deploy 2 broke at 140 and is not recovered yet (the next success is at 144);
        // the rollback has run 1 min and is not judged yet.
        let k = as_of(142);
        assert_eq!(k.downtime_incidents, 1);
        assert_eq!(k.incidents[0].recovered_at, None);
        assert_eq!(k.recovery_time_median, None);
        assert_eq!(k.levels.recovery_time, None);
        assert_eq!((k.change_failures, k.successful), (1, 2));
        assert_eq!(
            (k.rollbacks, k.unfinished_rollbacks, k.failed_rollbacks),
            (1, 1, 0)
        );
        assert_eq!(k.unfinished_rollback_max, Some(60));
        assert_eq!(k.rollback_time_max, None);
        assert_eq!(k.targets[2].status, KpiStatus::NoData);
        assert_eq!(k.targets[3].status, KpiStatus::Fail);

        // At 150: recovered at 144 (4 min after 140), the rollback took 144 - 141 = 3 min.
        let k = as_of(150);
        assert_eq!(k.recovery_time_median, Some(240));
        assert_eq!(k.rollback_time_max, Some(180));
        assert_eq!(k.targets[2].status, KpiStatus::Pass);
        assert_eq!(k.deploys, 2);

        // At the end of the history every deployment counts: 3 successful deploys, 1 failure.
        let k = as_of(14 * 24 * 60);
        assert_eq!((k.deploys, k.successful, k.change_failures), (3, 3, 1));
    }

    #[test]
    fn a_rollback_still_running_at_the_end_is_judged_once_it_has_missed_the_target() {
        // A rollback from minute 0 that succeeds at minute 8.
        let h = history(vec![deployment(
            1,
            0,
            &[(0, InProgress), (8, Success)],
            true,
        )]);
        let at = |minutes: i64| {
            let period = Period {
                since: t(0),
                until: t(minutes),
            };
            compute(&h, period, LeadTimeBasis::FirstCommit).targets[2].clone()
        };
        // 3 min in: it can still make it in 5 min.
        assert_eq!(at(3).status, KpiStatus::NoData);
        assert_eq!(at(3).value, "1 still running (3 m so far)");
        // 6 min in: it cannot any more.
        assert_eq!(at(6).status, KpiStatus::Fail);
        // Done after 8 min: too slow.
        assert_eq!(at(10).status, KpiStatus::Fail);
        assert_eq!(at(10).value, "slowest 8 m");
    }

    #[test]
    fn lead_time_starts_at_the_chosen_commit() {
        let h = replayed();
        let k = compute(&h, period(), LeadTimeBasis::LastCommit);
        // From the PR's last commit (30 min before each start) to the first success:
        // 6 + 30 = 36, 7 + 30 = 37, 6 + 30 = 36 min; median 36 min = 2160 s.
        assert_eq!(k.lead_time_median, Some(2_160));
        assert_eq!(k.lead_time_basis, LeadTimeBasis::LastCommit);
        // Without the last commit's time (an older history file) there is nothing to measure.
        let mut old = h.clone();
        for d in &mut old.deployments {
            d.last_commit_at = None;
        }
        let k = compute(&old, period(), LeadTimeBasis::LastCommit);
        assert_eq!((k.lead_time_median, k.levels.lead_time), (None, None));
    }

    #[test]
    fn levels_follow_the_values() {
        let k = compute(&replayed(), period(), LeadTimeBasis::FirstCommit);
        // 3 successful deploys in 14 days: 0.21 per day, at least one a month: high.
        // Lead times 126, 127, 126 min: median 126 min, between an hour and a week: high.
        // 1 change failure of 3: 33 %, above 30 %: low. Recovery 4 min: elite.
        assert_eq!(
            k.levels,
            Levels {
                deployment_frequency: Some(crate::kpi::Level::High),
                lead_time: Some(crate::kpi::Level::High),
                change_failure_rate: Some(crate::kpi::Level::Low),
                recovery_time: Some(crate::kpi::Level::Elite),
            }
        );
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<i64> = (1..=20).collect();
        assert_eq!(percentile(&v, 0.95), Some(19));
        assert_eq!(percentile(&[5], 0.95), Some(5));
        assert_eq!(median(&[1, 2, 3, 4]), Some(2));
        assert_eq!(median(&[1, 2, 3]), Some(2));
    }
}
