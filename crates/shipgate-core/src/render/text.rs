//! Terminal text. Colour (ANSI SGR codes) only when the caller asks for it: the core never
//! looks at a TTY. User strings are folded to one line with control characters removed, so no
//! escape sequence from a PR title or branch name ever reaches the terminal.

use std::fmt::Write as _;

use super::{ready_minute, reason_with_ready, relative, short_sha, utc};
use crate::escape::plain;
use crate::gates::GateState;
use crate::verdict::{Verdict, VerdictState};

const RESET: &str = "\x1b[0m";

/// Renders a verdict for a terminal; ANSI colour only when `color` is true.
pub fn text(verdict: &Verdict, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let subject = &verdict.subject;
    let mut out = String::new();

    let mut what = match subject.pull_request {
        Some(number) => format!("PR #{number}"),
        None => format!("commit {}", short_sha(&subject.sha)),
    };
    if let Some(title) = subject
        .title
        .as_deref()
        .map(plain)
        .filter(|t| !t.is_empty())
    {
        let _ = write!(what, " \"{title}\"");
    }
    let mut place = Vec::new();
    if let Some(branch) = subject
        .head_branch
        .as_deref()
        .map(plain)
        .filter(|b| !b.is_empty())
    {
        place.push(format!("branch {branch}"));
    }
    if subject.pull_request.is_some() {
        place.push(format!("commit {}", short_sha(&subject.sha)));
    }
    if !place.is_empty() {
        let _ = write!(what, " ({})", place.join(", "));
    }
    let state = verdict.verdict.name().to_uppercase();
    let _ = writeln!(
        out,
        "{} {} — {}",
        paint("1", "shipgate:"),
        paint(verdict_color(verdict.verdict), &state),
        plain(&subject.repository)
    );
    let _ = writeln!(out, "{what}");

    let mut facts = vec![match verdict.version.as_deref().map(plain) {
        Some(version) => format!("version {version}"),
        None => "no release version yet".to_string(),
    }];
    if let Some(ready_at) = verdict.ready_at {
        facts.push(format!(
            "ready {} ({})",
            utc(ready_minute(ready_at)),
            relative(ready_at, verdict.evaluated_at)
        ));
    }
    facts.push(format!("evaluated {}", utc(verdict.evaluated_at)));
    let _ = writeln!(out, "{}", facts.join(", "));
    out.push('\n');

    if verdict.gates.is_empty() {
        out.push_str("  no gate ran\n");
        return out;
    }
    let gate_width = verdict
        .gates
        .iter()
        .map(|g| g.gate.name().len())
        .max()
        .unwrap_or(0);
    for gate in &verdict.gates {
        // Pad before colouring: escape codes have no width on screen.
        let state = format!("{:<7}", gate.state.name());
        let reason = plain(&reason_with_ready(gate, verdict.evaluated_at));
        let _ = writeln!(
            out,
            "  {}  {:<gate_width$}  {reason}",
            paint(gate_color(gate.state), &state),
            gate.gate.name(),
        );
        if let Some(unblock) = gate.unblock.as_deref().map(plain).filter(|u| !u.is_empty()) {
            let indent = 2 + 7 + 2 + gate_width + 2;
            let _ = writeln!(out, "{:indent$}{} {unblock}", "", paint("2", "to unblock:"));
        }
    }
    if !verdict.tamper.is_empty() {
        let _ = writeln!(
            out,
            "\n{} reports named like shipgate's check that shipgate did not publish:",
            paint("1;31", "tamper evidence:")
        );
        for line in &verdict.tamper {
            let _ = writeln!(out, "  - {}", plain(line));
        }
    }
    out
}

/// SGR code of a verdict: green, yellow, red, bold red.
fn verdict_color(state: VerdictState) -> &'static str {
    match state {
        VerdictState::Pass => "1;32",
        VerdictState::Pending => "1;33",
        VerdictState::Fail => "1;31",
        VerdictState::Error => "1;35",
    }
}

/// SGR code of a gate state; skipped is dim.
fn gate_color(state: GateState) -> &'static str {
    match state {
        GateState::Pass => "32",
        GateState::Pending => "33",
        GateState::Fail => "31",
        GateState::Error => "35",
        GateState::Skipped => "2",
    }
}
