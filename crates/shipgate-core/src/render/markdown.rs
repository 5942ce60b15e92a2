//! Markdown: one verdict as published (check-run summary, PR comment) or as read at the moment
//! of evaluation (`--format markdown`), or several (a `schedule` run's job summary). Every user
//! string goes through [`crate::escape`].

use std::fmt::Write as _;

use super::{
    gate_symbol, ready_minute, reason_shown, relative, short_sha, summary, utc, verdict_symbol,
    verdict_word, worst, Moments, TITLE_MAX_CHARS,
};
use crate::escape;
use crate::verdict::Verdict;

/// Renders one verdict: a heading with the verdict, PR and version, a line about the
/// candidate and when it was evaluated, the ready time when known (absolute and relative), and
/// one table row per gate.
pub fn markdown(verdict: &Verdict) -> String {
    let mut out = String::new();
    write_verdict(&mut out, verdict, "###", Moments::of(verdict));
    out
}

/// Renders one verdict as published (check-run summary, sticky comment): as [`markdown`], but
/// without the evaluation's time and with every moment absolute, so the same verdict renders
/// the same text at any later moment.
pub fn published_markdown(verdict: &Verdict) -> String {
    let mut out = String::new();
    write_verdict(&mut out, verdict, "###", Moments::Absolute);
    out
}

/// Renders several verdicts: a heading with the worst, one summary row per pull request, then
/// each verdict in full. An empty list says that nothing was evaluated.
pub fn markdown_report(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    let Some(worst) = worst(verdicts) else {
        out.push_str("## shipgate: no pull requests evaluated\n\n");
        out.push_str("There was no release candidate to evaluate.\n");
        return out;
    };
    let noun = if verdicts.len() == 1 {
        "pull request"
    } else {
        "pull requests"
    };
    let _ = writeln!(
        out,
        "## {} shipgate: {} {noun}, worst {}\n",
        verdict_symbol(worst),
        verdicts.len(),
        worst.name()
    );
    out.push_str("| Status | Pull request | Version | Summary |\n");
    out.push_str("| --- | --- | --- | --- |\n");
    for verdict in verdicts {
        let version = verdict
            .version
            .as_deref()
            .map(escape::code)
            .unwrap_or_default();
        let line = escape::truncate(&escape::plain(&summary(verdict)), TITLE_MAX_CHARS);
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} |",
            verdict_symbol(verdict.verdict),
            verdict.verdict.name(),
            candidate(verdict),
            version,
            escape::markdown_with_code(&line),
        );
    }
    for verdict in verdicts {
        out.push('\n');
        write_verdict(&mut out, verdict, "###", Moments::of(verdict));
    }
    out
}

/// `#42 Release v1.4.0`, or `commit `0123456`` without a pull request.
fn candidate(verdict: &Verdict) -> String {
    match verdict.subject.pull_request {
        Some(number) => {
            let title = verdict
                .subject
                .title
                .as_deref()
                .map(escape::markdown)
                .filter(|t| !t.is_empty());
            match title {
                Some(title) => format!("#{number} {title}"),
                None => format!("#{number}"),
            }
        }
        None => format!("commit {}", escape::code(short_sha(&verdict.subject.sha))),
    }
}

/// Writes one verdict under a heading of the given level, moments shown as `moments` says.
fn write_verdict(out: &mut String, verdict: &Verdict, heading: &str, moments: Moments) {
    let subject = &verdict.subject;
    let what = match subject.pull_request {
        Some(number) => format!("PR #{number}"),
        None => format!("commit {}", escape::code(short_sha(&subject.sha))),
    };
    let version = match verdict.version.as_deref() {
        Some(version) => format!("version {}", escape::code(version)),
        None => "no release version yet".to_string(),
    };
    let _ = writeln!(
        out,
        "{heading} {} {}: {what}, {version}\n",
        verdict_symbol(verdict.verdict),
        verdict_word(verdict.verdict),
    );

    let mut details = Vec::new();
    if let Some(title) = subject.title.as_deref().map(escape::markdown) {
        // An empty title would leave `****`, which Markdown reads as a horizontal rule.
        if !title.is_empty() {
            details.push(format!("**{title}**"));
        }
    }
    if let Some(branch) = subject.head_branch.as_deref().map(escape::code) {
        if !branch.is_empty() {
            details.push(format!("branch {branch}"));
        }
    }
    if subject.pull_request.is_some() {
        details.push(format!("commit {}", escape::code(short_sha(&subject.sha))));
    }
    if let Moments::Relative(now) = moments {
        details.push(format!("evaluated {}", utc(now)));
    }
    if !details.is_empty() {
        let _ = writeln!(out, "{}\n", details.join(" · "));
    }

    if let Some(ready_at) = verdict.ready_at {
        let relative = match moments {
            Moments::Relative(now) => format!(" ({})", relative(ready_at, now)),
            Moments::Absolute => String::new(),
        };
        let _ = writeln!(
            out,
            "Every pending gate passes by itself at **{}**{relative}, unless something changes.\n",
            utc(ready_minute(ready_at)),
        );
    }

    if verdict.gates.is_empty() {
        out.push_str("No gate ran.\n");
        return;
    }
    out.push_str("| Status | Gate | Reason | To unblock |\n");
    out.push_str("| --- | --- | --- | --- |\n");
    for gate in &verdict.gates {
        let reason = escape::markdown_with_code(&reason_shown(gate, moments));
        let unblock = gate
            .unblock
            .as_deref()
            .map(escape::markdown_with_code)
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} {} | {} | {reason} | {unblock} |",
            gate_symbol(gate.state),
            gate.state.name(),
            gate.gate.name(),
        );
    }
    write_tamper(out, verdict);
}

/// The tamper evidence, when there is any: reports named like shipgate's check that shipgate
/// did not publish (`docs/security.md`).
fn write_tamper(out: &mut String, verdict: &Verdict) {
    if verdict.tamper.is_empty() {
        return;
    }
    out.push_str(
        "\n**⚠️ Tamper evidence** — reports named like shipgate's check that shipgate did not publish. They never count in the gates; if the required check is not pinned to shipgate's App, one of them could stand in for it (see shipgate's docs/security.md):\n\n",
    );
    for line in &verdict.tamper {
        let _ = writeln!(out, "- {}", escape::markdown_with_code(line));
    }
}
