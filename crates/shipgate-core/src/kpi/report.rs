//! Rendering of the KPI report: Markdown with Mermaid charts for the job summary, plain text for
//! a terminal, JSON for the `report` output, and one plain value per KPI (and per DORA level)
//! for the Action's outputs.

use super::levels::Level;
use super::metrics::{percent, seconds, KpiStatus, Kpis, LeadTimeBasis};
use crate::escape;

/// How many of the most recent deploy durations the chart shows.
const DURATION_CHART_POINTS: usize = 50;

/// The report as plain text for a terminal: the same figures as [`markdown`], aligned columns,
/// no Markdown, no charts; untrusted names made inert.
pub fn text(kpis: &Kpis) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Deployment report: {} of {}\n",
        escape::plain(&kpis.environment),
        escape::plain(&kpis.repository)
    ));
    out.push_str(&format!(
        "Period: {} to {} UTC ({:.0} days). {} deploys, {} finished, {} successful, {} failed; {} rollbacks.\n\n",
        kpis.period.since.format("%Y-%m-%d %H:%M"),
        kpis.period.until.format("%Y-%m-%d %H:%M"),
        kpis.period.days(),
        kpis.deploys,
        kpis.finished,
        kpis.successful,
        kpis.failed,
        kpis.rollbacks
    ));
    let word = |status: KpiStatus| match status {
        KpiStatus::Pass => "pass",
        KpiStatus::Fail => "FAIL",
        KpiStatus::NoData => "no data",
    };
    out.push_str("The flow's KPIs\n");
    let width = kpis.targets.iter().map(|t| t.kpi.len()).max().unwrap_or(0);
    let target_width = kpis
        .targets
        .iter()
        .map(|t| t.target.chars().count())
        .max()
        .unwrap_or(0);
    for t in &kpis.targets {
        out.push_str(&format!(
            "  {:<7}  {:<width$}  target {:<target_width$}  measured {}\n",
            word(t.status),
            t.kpi,
            t.target,
            t.value,
        ));
    }
    let none = || "no data".to_string();
    let level = |l: Option<Level>| l.map_or("no level", Level::name);
    let levels = &kpis.levels;
    let rows = [
        (
            "Deployment frequency".to_string(),
            kpis.deployment_frequency.map_or_else(none, |f| {
                format!("{f:.2} per day ({:.1} per week)", f * 7.0)
            }),
            level(levels.deployment_frequency),
        ),
        (
            format!(
                "Lead time for changes (median, from the PR's {})",
                match kpis.lead_time_basis {
                    LeadTimeBasis::FirstCommit => "first commit",
                    LeadTimeBasis::LastCommit => "last commit",
                }
            ),
            kpis.lead_time_median.map_or_else(none, seconds),
            level(levels.lead_time),
        ),
        (
            "Change failure rate".to_string(),
            kpis.change_failure_rate.map_or_else(none, |r| {
                format!(
                    "{} ({} of {})",
                    percent(r),
                    kpis.change_failures,
                    kpis.successful
                )
            }),
            level(levels.change_failure_rate),
        ),
        (
            "Failed-deployment recovery time (median)".to_string(),
            kpis.recovery_time_median.map_or_else(none, seconds),
            level(levels.recovery_time),
        ),
    ];
    out.push_str("\nDORA's four keys (level after the 2021 Accelerate State of DevOps report)\n");
    let name_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (name, value, level) in &rows {
        out.push_str(&format!(
            "  {name:<name_width$}  {value:<value_width$}  {level}\n"
        ));
    }
    if !kpis.incidents.is_empty() {
        out.push_str("\nDowntime incidents\n");
        for i in &kpis.incidents {
            out.push_str(&format!(
                "  deployment {}  commit {}  broke at {} UTC  recovered after {}\n",
                i.deployment_id,
                crate::short_sha(&escape::plain(&i.sha)),
                i.started_at.format("%Y-%m-%d %H:%M"),
                i.recovery_seconds()
                    .map_or_else(|| "not yet recovered".into(), seconds)
            ));
        }
    }
    out
}

/// The report as JSON (the `report` output).
pub fn json(kpis: &Kpis) -> String {
    crate::render::document(kpis)
}

/// One `(output name, value)` per KPI and per DORA level, for the Action's outputs. Unknown
/// values (and the levels of keys without a value) are empty strings, never made up.
pub fn outputs(kpis: &Kpis) -> Vec<(String, String)> {
    let secs = |v: Option<i64>| v.map(|s| s.to_string()).unwrap_or_default();
    let frac = |v: Option<f64>| v.map(|f| format!("{f:.4}")).unwrap_or_default();
    let level = |v: Option<Level>| v.map(|l| l.name().to_string()).unwrap_or_default();
    let levels = &kpis.levels;
    vec![
        ("success-rate".into(), frac(kpis.success_rate)),
        ("deploy-time-median".into(), secs(kpis.deploy_time_median)),
        ("deploy-time-p95".into(), secs(kpis.deploy_time_p95)),
        ("rollback-time".into(), secs(kpis.rollback_time_max)),
        (
            "downtime-incidents".into(),
            kpis.downtime_incidents.to_string(),
        ),
        (
            "deployment-frequency".into(),
            kpis.deployment_frequency
                .map(|f| format!("{f:.3}"))
                .unwrap_or_default(),
        ),
        ("lead-time".into(), secs(kpis.lead_time_median)),
        ("change-failure-rate".into(), frac(kpis.change_failure_rate)),
        ("recovery-time".into(), secs(kpis.recovery_time_median)),
        (
            "deployment-frequency-level".into(),
            level(levels.deployment_frequency),
        ),
        ("lead-time-level".into(), level(levels.lead_time)),
        (
            "change-failure-rate-level".into(),
            level(levels.change_failure_rate),
        ),
        ("recovery-time-level".into(), level(levels.recovery_time)),
    ]
}

fn symbol(status: KpiStatus) -> &'static str {
    match status {
        KpiStatus::Pass => "✅",
        KpiStatus::Fail => "❌",
        KpiStatus::NoData => "➖",
    }
}

/// The report as Markdown for the job summary.
pub fn markdown(kpis: &Kpis) -> String {
    let mut out = String::new();
    let days = kpis.period.days();
    out.push_str(&format!(
        "## Deployment report: {} of {}\n\n",
        escape::markdown(&kpis.environment),
        escape::markdown(&kpis.repository)
    ));
    out.push_str(&format!(
        "Period: {} to {} UTC ({:.0} days). {} deploys, {} finished, {} successful, {} failed; {} rollbacks.\n\n",
        kpis.period.since.format("%Y-%m-%d %H:%M"),
        kpis.period.until.format("%Y-%m-%d %H:%M"),
        days,
        kpis.deploys,
        kpis.finished,
        kpis.successful,
        kpis.failed,
        kpis.rollbacks
    ));
    out.push_str("### The flow's KPIs\n\n| | KPI | Target | Measured |\n|---|---|---|---|\n");
    for t in &kpis.targets {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            symbol(t.status),
            t.kpi,
            t.target,
            t.value
        ));
    }
    let none = || "no data".to_string();
    let level = |l: Option<Level>| l.map_or("—", Level::name);
    let levels = &kpis.levels;
    out.push_str("\n### DORA's four keys\n\n| Metric | Value | DORA level |\n|---|---|---|\n");
    out.push_str(&format!(
        "| Deployment frequency | {} | {} |\n",
        kpis.deployment_frequency.map_or_else(none, |f| format!(
            "{f:.2} per day ({:.1} per week)",
            f * 7.0
        )),
        level(levels.deployment_frequency)
    ));
    out.push_str(&format!(
        "| Lead time for changes (median, from the PR's {}) | {} | {} |\n",
        match kpis.lead_time_basis {
            LeadTimeBasis::FirstCommit => "first commit",
            LeadTimeBasis::LastCommit => "last commit",
        },
        kpis.lead_time_median.map_or_else(none, seconds),
        level(levels.lead_time)
    ));
    out.push_str(&format!(
        "| Change failure rate | {} | {} |\n",
        kpis.change_failure_rate.map_or_else(none, |r| format!(
            "{} ({} of {})",
            percent(r),
            kpis.change_failures,
            kpis.successful
        )),
        level(levels.change_failure_rate)
    ));
    out.push_str(&format!(
        "| Failed-deployment recovery time (median) | {} | {} |\n",
        kpis.recovery_time_median.map_or_else(none, seconds),
        level(levels.recovery_time)
    ));
    out.push_str(
        "\nDORA levels: the elite/high/medium/low clusters of the 2021 Accelerate State of DevOps \
         report, with the boundaries in shipgate's docs/report.md; a key without a value has no \
         level.\n",
    );

    if !kpis.weekly_deploys.is_empty() {
        let labels: Vec<String> = kpis
            .weekly_deploys
            .iter()
            .map(|(week, _)| format!("\"{}\"", week.format("%m-%d")))
            .collect();
        let counts: Vec<String> = kpis
            .weekly_deploys
            .iter()
            .map(|(_, n)| n.to_string())
            .collect();
        let max = kpis
            .weekly_deploys
            .iter()
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(1)
            .max(1);
        out.push_str(&format!(
            "\n### Deploys per week\n\n```mermaid\nxychart-beta\n    title \"Successful deploys per week (week starting)\"\n    x-axis [{}]\n    y-axis \"deploys\" 0 --> {}\n    bar [{}]\n```\n",
            labels.join(", "),
            max,
            counts.join(", ")
        ));
    }
    if !kpis.durations.is_empty() {
        let recent = &kpis.durations[kpis.durations.len().saturating_sub(DURATION_CHART_POINTS)..];
        let minutes: Vec<String> = recent
            .iter()
            .map(|(_, s)| format!("{:.1}", *s as f64 / 60.0))
            .collect();
        let max = recent.iter().map(|(_, s)| *s).max().unwrap_or(0) as f64 / 60.0;
        let top = max.max(10.0).ceil();
        let target: Vec<String> = recent.iter().map(|_| "10".to_string()).collect();
        out.push_str(&format!(
            "\n### Deploy durations\n\nThe last {} successful deploys, in minutes; the flat line is the 10-minute target.\n\n```mermaid\nxychart-beta\n    title \"Deploy duration (minutes)\"\n    x-axis \"deploy\" 1 --> {}\n    y-axis \"minutes\" 0 --> {}\n    bar [{}]\n    line [{}]\n```\n",
            recent.len(),
            recent.len().max(2),
            top,
            minutes.join(", "),
            target.join(", ")
        ));
    }
    if !kpis.incidents.is_empty() {
        out.push_str("\n### Downtime incidents\n\n| Deployment | Commit | Broke at (UTC) | Recovered after |\n|---|---|---|---|\n");
        for i in &kpis.incidents {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                i.deployment_id,
                i.sha
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .take(7)
                    .collect::<String>(),
                i.started_at.format("%Y-%m-%d %H:%M"),
                i.recovery_seconds()
                    .map_or_else(|| "not yet recovered".into(), seconds)
            ));
        }
    }
    out
}
