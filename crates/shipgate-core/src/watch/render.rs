//! The watch report as Markdown (job summary, with one Mermaid `xychart-beta` chart per metric)
//! and as plain text (terminal).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::engine::{rfc3339, HealthSource, Report, Sample, Series, WatchResult};
use super::rule::{trim_number, Condition, Level, Op, Rule, Unit};

/// Charts keep at most this many points (more are merged into buckets) so they stay readable.
pub const MAX_CHART_POINTS: usize = 60;

/// Escapes untrusted text for Markdown prose and table cells (one line).
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Text for a Markdown code span: backticks cannot be escaped there, so they are replaced.
fn code(text: &str) -> String {
    format!(
        "`{}`",
        text.replace('`', "'")
            .replace(['\n', '\r'], " ")
            .replace('|', "\\|")
    )
}

fn headline(report: &Report) -> &'static str {
    match report.result {
        WatchResult::Rollback if report.replay => "rollback (replay: dry run)",
        WatchResult::Rollback => "rollback",
        WatchResult::NoRollback => "no rollback",
        WatchResult::Error => "error",
    }
}

fn clock(at: DateTime<Utc>) -> String {
    at.format("%H:%M:%S").to_string()
}

/// The report as Markdown for the job summary. `rules` are the active rules (for chart
/// thresholds); pass the plan's rules.
pub fn markdown(report: &Report, rules: &[Rule]) -> String {
    let mut md = String::new();
    let icon = match report.result {
        WatchResult::Rollback => "🛑",
        WatchResult::NoRollback => "✅",
        WatchResult::Error => "⚠️",
    };
    let _ = writeln!(md, "## {icon} shipgate watch: {}\n", headline(report));
    if let (Some(trigger), Some(reason)) = (&report.trigger, &report.reason) {
        let _ = writeln!(
            md,
            "**Trigger:** {} — {}\n",
            code(trigger),
            escape_markdown(reason)
        );
    }
    let span = match (first_time(report), last_time(report)) {
        (Some(a), Some(b)) => format!("from {} to {}", rfc3339(a), rfc3339(b)),
        _ => "no sample taken".to_string(),
    };
    let mode = if report.replay {
        "Replay of stored history"
    } else {
        "Live watch"
    };
    let _ = writeln!(
        md,
        "{mode}: {} samples every {} {span}.",
        report.samples, report.interval
    );
    if report.replay {
        md.push_str(
            "A replay is a dry run: no deployment status, webhook or workflow was touched.\n",
        );
    }
    md.push('\n');
    if !report.errors.is_empty() {
        md.push_str("**The watch could not vouch for this deploy:**\n\n");
        for error in &report.errors {
            let _ = writeln!(md, "- {}", escape_markdown(error));
        }
        md.push('\n');
    }

    md.push_str(
        "### Rules\n\n| Level | Rule | Needed | Longest streak | Result |\n|---|---|---|---|---|\n",
    );
    for rule in &report.rules {
        let result = match (rule.fired_at.first(), rule.level) {
            (None, _) => "quiet".to_string(),
            (Some(at), Level::Rollback) => format!("**fired** at {}", clock(*at)),
            (Some(_), Level::Alert) => format!(
                "alerted at {}",
                rule.fired_at
                    .iter()
                    .map(|t| clock(*t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {result} |",
            rule.level.name(),
            code(&rule.rule),
            rule.required,
            rule.longest_streak
        );
    }
    for skipped in &report.not_watched {
        let _ = writeln!(
            md,
            "| {} | {} | | | not watched: {} |",
            skipped.level.name(),
            code(&skipped.rule),
            escape_markdown(&skipped.reason)
        );
    }
    md.push('\n');

    if !report.events.is_empty() {
        md.push_str("### Alerts and triggers\n\n| Time | Level | Rule | Value | Reason |\n|---|---|---|---|---|\n");
        for event in &report.events {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                rfc3339(event.at),
                event.level.name(),
                code(&event.rule),
                escape_markdown(&event.value),
                escape_markdown(&event.reason)
            );
        }
        md.push('\n');
    }

    md.push_str("### What the watch saw\n\n| Metric | Source | Samples | Values | Missing | Failed |\n|---|---|---|---|---|---|\n");
    for series in &report.series {
        let source = match (series.name.as_str(), report.health, series.sampled) {
            (_, _, false) => "derived from health",
            ("health", HealthSource::Probe, _) => "health-urls probe",
            _ => "metric query",
        };
        let _ = writeln!(
            md,
            "| {} | {source} | {} | {} | {} | {} |",
            code(&series.name),
            series.samples.len(),
            series.valid(),
            series.missing(),
            series.errors()
        );
    }
    md.push('\n');

    if report.rollback && !report.replay {
        md.push_str("### Rollback\n\n| Action | Result | Detail |\n|---|---|---|\n");
        for action in &report.actions {
            let result = match action.ok {
                Some(true) => "done",
                Some(false) => "**failed**",
                None => "skipped",
            };
            let _ = writeln!(
                md,
                "| {} | {result} | {} |",
                escape_markdown(&action.action),
                escape_markdown(&action.detail)
            );
        }
        match report.rollback_seconds {
            Some(s) => {
                let _ = writeln!(
                    md,
                    "\nRollback time (decision → health-urls healthy again): **{}**.",
                    crate::duration::Duration::from_secs(s).human()
                );
            }
            None => md.push_str("\nRollback time: not measured.\n"),
        }
        md.push('\n');
    }

    let charts: Vec<&Series> = report
        .series
        .iter()
        .filter(|s| !s.samples.is_empty())
        .collect();
    if !charts.is_empty() {
        md.push_str("### Charts\n\n");
        for series in charts {
            md.push_str(&chart(report, series, rules));
        }
    }
    md
}

fn first_time(report: &Report) -> Option<DateTime<Utc>> {
    report
        .series
        .iter()
        .filter_map(|s| s.samples.first())
        .map(|s| s.at)
        .min()
}

fn last_time(report: &Report) -> Option<DateTime<Utc>> {
    report
        .series
        .iter()
        .filter_map(|s| s.samples.last())
        .map(|s| s.at)
        .max()
}

/// Thresholds drawn for a metric: (value in base units, legend).
fn thresholds(series: &Series, rules: &[Rule]) -> Vec<(f64, String)> {
    let mut lines: Vec<(f64, String)> = Vec::new();
    for rule in rules.iter().filter(|r| r.metric() == series.name) {
        let value = rule.threshold();
        if let Some(line) = lines.iter_mut().find(|(v, _)| *v == value) {
            let _ = write!(line.1, ", {}", code(&rule.text));
        } else {
            lines.push((
                value,
                format!("{} ({})", rule.level.name(), code(&rule.text)),
            ));
        }
    }
    lines
}

/// Whether low values are the bad ones for this metric (its rules compare with `<`).
fn low_is_bad(series: &Series, rules: &[Rule]) -> bool {
    rules
        .iter()
        .filter(|r| r.metric() == series.name)
        .any(|r| match &r.condition {
            Condition::Compare { op, .. } => matches!(op, Op::Below | Op::AtMost),
            Condition::HealthFailing => true,
        })
}

/// One Mermaid `xychart-beta` line chart: the metric, its thresholds, and the firing moments.
pub fn chart(report: &Report, series: &Series, rules: &[Rule]) -> String {
    let scale = if series.unit == Unit::Percent {
        100.0
    } else {
        1.0
    };
    let unit_label = match series.unit {
        Unit::Percent => "%",
        Unit::Seconds => "seconds",
        Unit::Number => "value",
    };
    let low_bad = low_is_bad(series, rules);
    let bucket = series.samples.len().div_ceil(MAX_CHART_POINTS).max(1);
    let seconds_labels = report.interval.as_secs() % 60 != 0;
    let mut labels = Vec::new();
    let mut points: Vec<Option<f64>> = Vec::new();
    let mut marked = Vec::new();
    for (b, chunk) in series.samples.chunks(bucket).enumerate() {
        let first = chunk[0].at;
        let last = chunk[chunk.len() - 1].at;
        // The worst value in the bucket, so merging never hides a breach.
        let values = chunk.iter().filter_map(|s| match s.sample {
            Sample::Value(v) => Some(v),
            _ => None,
        });
        let worst = if low_bad {
            values.fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))))
        } else {
            values.fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
        };
        points.push(worst.map(|v| v * scale));
        let mut label = if seconds_labels {
            first.format("%H:%M:%S").to_string()
        } else {
            first.format("%H:%M").to_string()
        };
        let fired: Vec<_> = report
            .events
            .iter()
            .filter(|e| e.metric == series.name && e.at >= first && e.at <= last)
            .collect();
        if fired.iter().any(|e| e.level == Level::Rollback) {
            label.push_str(" ROLLBACK");
            marked.push(b);
        } else if !fired.is_empty() {
            label.push_str(" alert");
            marked.push(b);
        }
        labels.push(label);
    }
    let lines = thresholds(series, rules);
    // Missing points are drawn at the previous value (Mermaid has no gaps); the table says so.
    let mut drawn = Vec::with_capacity(points.len());
    let mut previous = points.iter().flatten().next().copied().unwrap_or(0.0);
    for point in &points {
        if let Some(v) = point {
            previous = *v;
        }
        drawn.push(previous);
    }
    let finite = drawn.iter().copied().filter(|v| v.is_finite());
    let threshold_values = lines.iter().map(|(v, _)| v * scale);
    let all: Vec<f64> = finite.chain(threshold_values).collect();
    let top = all.iter().copied().fold(0.0f64, f64::max);
    let bottom = all.iter().copied().fold(0.0f64, f64::min);
    let top = nice_top(top);
    // Infinite values are drawn at the top of the axis.
    for v in &mut drawn {
        if v.is_infinite() {
            *v = if *v > 0.0 { top } else { bottom };
        }
    }
    let fired_title = report
        .events
        .iter()
        .filter(|e| e.metric == series.name)
        .find(|e| e.level == Level::Rollback)
        .map(|e| format!(" — rollback fired at {}", clock(e.at)))
        .unwrap_or_default();

    let mut out = String::new();
    let _ = writeln!(out, "#### {}\n", code(&series.name));
    out.push_str("```mermaid\nxychart-beta\n");
    let _ = writeln!(
        out,
        "    title \"{} ({unit_label}){fired_title}\"",
        mermaid_text(&series.name)
    );
    let _ = writeln!(
        out,
        "    x-axis [{}]",
        labels
            .iter()
            .map(|l| format!("\"{}\"", mermaid_text(l)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        out,
        "    y-axis \"{unit_label}\" {} --> {}",
        trim_number(bottom),
        trim_number(top)
    );
    let _ = writeln!(out, "    line [{}]", join(&drawn));
    for (value, _) in &lines {
        let level = vec![value * scale; drawn.len()];
        let _ = writeln!(out, "    line [{}]", join(&level));
    }
    out.push_str("```\n\n");
    let mut legend = vec![format!("line 1: {}", code(&series.name))];
    for (i, (value, what)) in lines.iter().enumerate() {
        legend.push(format!(
            "line {}: threshold {} — {what}",
            i + 2,
            series.unit.format(*value)
        ));
    }
    let _ = writeln!(out, "{}.", legend.join("; "));
    let missing = points.iter().filter(|p| p.is_none()).count();
    if missing > 0 {
        let _ = writeln!(
            out,
            "{missing} point(s) without a value (`NaN`, gaps or failed samples) are drawn at the previous value."
        );
    }
    if bucket > 1 {
        let _ = writeln!(
            out,
            "Each point merges {bucket} samples and shows the worst of them."
        );
    }
    out.push('\n');
    out
}

fn join(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| trim_number(*v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A round upper bound for the y axis, a little above the highest value.
fn nice_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max * 1.1;
    let magnitude = 10f64.powf(raw.log10().floor());
    for step in [1.0, 1.2, 1.5, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= raw {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// Text safe inside a Mermaid double-quoted string.
fn mermaid_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\n' | '\r' | '`' => '\'',
            c => c,
        })
        .collect()
}

/// The report as plain text for the terminal.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "shipgate watch: {}", headline(report));
    if let (Some(trigger), Some(reason)) = (&report.trigger, &report.reason) {
        let _ = writeln!(out, "trigger: {trigger}");
        let _ = writeln!(out, "reason: {reason}");
    }
    let _ = writeln!(
        out,
        "{}: {} samples every {}",
        if report.replay {
            "replay (dry run)"
        } else {
            "live"
        },
        report.samples,
        report.interval
    );
    for error in &report.errors {
        let _ = writeln!(out, "error: {error}");
    }
    out.push_str("rules:\n");
    for rule in &report.rules {
        let fired = if rule.fired_at.is_empty() {
            "quiet".to_string()
        } else {
            format!(
                "fired at {}",
                rule.fired_at
                    .iter()
                    .map(|t| rfc3339(*t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(
            out,
            "  [{}] {} — longest streak {} (needs {}) — {fired}",
            rule.level.name(),
            rule.rule,
            rule.longest_streak,
            rule.required
        );
    }
    for skipped in &report.not_watched {
        let _ = writeln!(
            out,
            "  [{}] {} — not watched: {}",
            skipped.level.name(),
            skipped.rule,
            skipped.reason
        );
    }
    let mut alerts = report.alerts().peekable();
    if alerts.peek().is_some() {
        out.push_str("alerts:\n");
    }
    for event in alerts {
        let _ = writeln!(out, "  {} — {}", event.rule, event.reason);
    }
    for series in &report.series {
        let _ = writeln!(
            out,
            "metric {}: {} samples, {} values, {} missing, {} failed",
            series.name,
            series.samples.len(),
            series.valid(),
            series.missing(),
            series.errors()
        );
    }
    for action in &report.actions {
        let state = match action.ok {
            Some(true) => "done",
            Some(false) => "FAILED",
            None => "skipped",
        };
        let _ = writeln!(
            out,
            "rollback {}: {state} — {}",
            action.action, action.detail
        );
    }
    if let Some(s) = report.rollback_seconds {
        let _ = writeln!(out, "rollback time: {s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::Duration;
    use crate::watch::engine::{Plan, Watch};
    use crate::watch::rule::parse_rules;
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    fn replay(text: &str, rows: &[(f64, f64)]) -> (Report, Vec<Rule>) {
        let plan = Plan::new(
            Some(parse_rules(text).unwrap()),
            &["error_rate".to_string(), "latency_p95".to_string()],
            false,
            Duration::from_mins(1),
        )
        .unwrap();
        let rules = plan.rules.clone();
        let mut watch = Watch::new(plan);
        let start = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        for (i, (e, l)) in rows.iter().enumerate() {
            let mut map = BTreeMap::new();
            map.insert("error_rate".to_string(), Sample::value(*e));
            map.insert("latency_p95".to_string(), Sample::value(*l));
            watch.observe(start + chrono::TimeDelta::minutes(i as i64), &map);
        }
        (watch.finish(true), rules)
    }

    const RULES: &str = "error_rate > 5% for 5m\nlatency_p95 > 5s for 10m\nalert: error_rate > 3%\nalert: latency_p95 > 3s";

    #[test]
    fn rollback_summary_with_charts() {
        let rows = [
            (0.01, 0.4),
            (0.02, 0.5),
            (0.07, 0.6),
            (0.071, 3.5),
            (f64::NAN, 0.6),
            (0.07, 0.6),
            (0.08, 0.6),
            (0.09, 0.6),
            (0.01, 0.6),
        ];
        let (report, rules) = replay(RULES, &rows);
        assert_eq!(report.result, WatchResult::Rollback);
        insta::assert_snapshot!(markdown(&report, &rules));
        insta::assert_snapshot!("rollback_text", text(&report));
    }

    #[test]
    fn live_rollback_summary_lists_actions_and_rollback_time() {
        let plan = Plan::new(
            Some(parse_rules("health failing for 3m\nalert: uptime < 99%").unwrap()),
            &[],
            true,
            Duration::from_mins(1),
        )
        .unwrap();
        let rules = plan.rules.clone();
        let mut watch = Watch::new(plan);
        let start = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        for (i, up) in [1.0, 1.0, 0.0, 0.0, 0.0].into_iter().enumerate() {
            let mut map = BTreeMap::new();
            map.insert("health".to_string(), Sample::Value(up));
            watch.observe(start + chrono::TimeDelta::minutes(i as i64), &map);
        }
        let mut report = watch.finish(false);
        report.actions = vec![
            crate::watch::ActionReport {
                action: "deployment status".into(),
                ok: Some(true),
                detail: "deployment 42 marked `failure`".into(),
            },
            crate::watch::ActionReport {
                action: "webhook".into(),
                ok: Some(false),
                detail: "POST https://hooks.example/… answered 500".into(),
            },
            crate::watch::ActionReport {
                action: "workflow".into(),
                ok: None,
                detail: "no `rollback-workflow`".into(),
            },
        ];
        report.rollback_seconds = Some(154);
        insta::assert_snapshot!(markdown(&report, &rules));
    }

    #[test]
    fn error_summary_escapes_messages() {
        let (mut report, rules) = replay("alert: error_rate > 3%", &[(f64::NAN, 1.0)]);
        report
            .errors
            .push("proxy said <b>502</b> | *bad*".to_string());
        let md = markdown(&report, &rules);
        assert!(md.contains("## ⚠️ shipgate watch: error"));
        assert!(
            md.contains("proxy said \\<b\\>502\\</b\\> \\| \\*bad\\*"),
            "{md}"
        );
    }

    #[test]
    fn long_windows_are_bucketed_keeping_the_worst() {
        let rows: Vec<(f64, f64)> = (0..150)
            .map(|i| (if i == 77 { 0.04 } else { 0.01 }, 1.0))
            .collect();
        let (report, rules) = replay("alert: error_rate > 3%", &rows);
        let series = &report.series[0];
        let chart = chart(&report, series, &rules);
        assert!(chart.contains("Each point merges 3 samples"), "{chart}");
        assert!(chart.contains("\"13:15 alert\""), "{chart}");
        let line = chart.lines().find(|l| l.contains("line [")).unwrap();
        assert_eq!(line.matches(',').count(), 49, "50 points");
        assert!(line.contains(", 4,"), "the breach survives merging: {line}");
    }

    #[test]
    fn nice_tops() {
        assert_eq!(nice_top(7.0), 10.0);
        assert_eq!(nice_top(9.0), 10.0);
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(1.0), 1.2);
        assert_eq!(nice_top(100.0), 120.0);
        assert_eq!(nice_top(3.5), 5.0);
    }
}
