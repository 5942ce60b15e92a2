//! Rendering of verdicts: Markdown (check-run summary, PR comment, job summary), a one-line
//! title (check-run title, commit-status description), terminal text and JSON (the Action's
//! `report` output).
//!
//! Every string that comes from users — PR titles, branch names, and the reasons and hints
//! that quote logins, tags or check names — is escaped by [`crate::escape`] for the target
//! format. Reasons and hints may quote names in backticks; in Markdown those parts become code
//! spans. A pending gate's `ready_at` is shown by the renderer, absolute in UTC and relative to
//! the evaluation: after the time when the reason already names it, appended otherwise (see
//! [`reason_with_ready`]).
//!
//! What is **published** on GitHub (the check run and the sticky comment: [`published_title`],
//! [`published_markdown`]) shows moments only as absolute times — no "evaluated at" stamp, no
//! "in 3 h 12 m" — so it changes only when a state, a reason or a deadline changes, and a run
//! that finds nothing new writes nothing. The command line and the job summary, read once at the
//! moment they are printed, keep the relative times.
//!
//! Times are shown to the minute. A ready time is rounded *up* to the next whole minute, so a
//! reader who comes back at the time shown finds the gate ready.

use chrono::{DateTime, Utc};

use crate::duration::Duration;
use crate::escape;
use crate::gates::{GateResult, GateState};
use crate::short_sha;
use crate::verdict::{Verdict, VerdictState};

mod json;
mod markdown;
mod text;

pub use json::{document, json, json_report, JSON_FORMAT};
pub use markdown::{markdown, markdown_report, published_markdown};
pub use text::text;
// Re-exported: the renderers' way of showing moments is part of this module's interface.
pub use crate::time::{ready_minute, utc};

/// The longest title GitHub accepts as a commit-status description.
pub const TITLE_MAX_CHARS: usize = 140;

/// How moments are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moments {
    /// Absolute and relative to this moment of evaluation (`… 14:05 UTC (in 3 h 12 m)`), with
    /// the evaluation's own time: for a reader at that moment (terminal, job summary).
    Relative(DateTime<Utc>),
    /// Absolute only, no evaluation time: what is published, which must read the same at any
    /// later moment while nothing changes.
    Absolute,
}

impl Moments {
    /// Relative to the verdict's evaluation.
    pub(crate) fn of(verdict: &Verdict) -> Self {
        Self::Relative(verdict.evaluated_at)
    }
}

/// The symbol of a gate state: ✅ pass, ⏳ pending, ❌ fail, ⚠️ error, ⏭️ skipped.
pub fn gate_symbol(state: GateState) -> &'static str {
    match state {
        GateState::Pass => "✅",
        GateState::Pending => "⏳",
        GateState::Fail => "❌",
        GateState::Error => "⚠️",
        GateState::Skipped => "⏭️",
    }
}

/// The symbol of a verdict, as for the gate state of the same name.
pub fn verdict_symbol(state: VerdictState) -> &'static str {
    match state {
        VerdictState::Pass => "✅",
        VerdictState::Pending => "⏳",
        VerdictState::Fail => "❌",
        VerdictState::Error => "⚠️",
    }
}

/// The verdict's name with a capital letter, as it opens a title (`Pending`).
pub fn verdict_word(state: VerdictState) -> &'static str {
    match state {
        VerdictState::Pass => "Pass",
        VerdictState::Pending => "Pending",
        VerdictState::Fail => "Fail",
        VerdictState::Error => "Error",
    }
}

/// The worst verdict of several (error > fail > pending > pass); `None` when there are none,
/// since an empty sweep verified nothing and must not read as a pass.
pub fn worst(verdicts: &[Verdict]) -> Option<VerdictState> {
    verdicts.iter().map(|v| v.verdict).max()
}

/// How far `moment` is from `now`: `in 3 h 12 m`, or `now` when it is not in the future.
/// Rounded up to whole minutes from one minute on, like the ready time shown beside it.
pub fn relative(moment: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (moment - now).num_seconds();
    if seconds <= 0 {
        return "now".to_string();
    }
    let mut seconds = seconds.unsigned_abs();
    if seconds >= 60 && seconds % 60 != 0 {
        seconds += 60 - seconds % 60;
    }
    format!("in {}", Duration::from_secs(seconds).human())
}

/// `ready 2026-11-28 14:05 UTC (in 3 h 12 m)` — plain text.
pub fn ready_phrase(ready_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "ready {} ({})",
        utc(ready_minute(ready_at)),
        relative(ready_at, now)
    )
}

/// A gate's reason with its ready time, plain text (not escaped).
///
/// When the reason already names the ready time (`…; ready at 2026-11-28 14:05 UTC`), only the
/// relative part is added after it; otherwise `ready 2026-11-28 14:05 UTC (in 3 h 12 m)` is
/// appended. Only a pending gate's ready time is shown.
pub fn reason_with_ready(gate: &GateResult, now: DateTime<Utc>) -> String {
    reason_shown(gate, Moments::Relative(now))
}

/// A gate's reason with its ready time as `moments` asks: with [`Moments::Absolute`] a reason
/// that names the ready time is left as it is, and `ready at 2026-11-28 14:05 UTC` is appended to
/// one that does not.
pub(crate) fn reason_shown(gate: &GateResult, moments: Moments) -> String {
    let ready_at = match (gate.ready_at, gate.state) {
        (Some(ready_at), GateState::Pending) => ready_at,
        _ => return gate.reason.clone(),
    };
    for shown in [utc(ready_at), utc(ready_minute(ready_at))] {
        if let Some(at) = gate.reason.find(&shown) {
            let Moments::Relative(now) = moments else {
                return gate.reason.clone();
            };
            let end = at + shown.len();
            return format!(
                "{} ({}){}",
                &gate.reason[..end],
                relative(ready_at, now),
                &gate.reason[end..]
            );
        }
    }
    let phrase = match moments {
        Moments::Relative(now) => ready_phrase(ready_at, now),
        Moments::Absolute => format!("ready at {}", utc(ready_minute(ready_at))),
    };
    if gate.reason.trim().is_empty() {
        phrase
    } else {
        format!("{}; {phrase}", gate.reason)
    }
}

/// The one-line title of a verdict, plain text of at most [`TITLE_MAX_CHARS`] characters:
/// `Pending: soak ready in 3 h 12 m; approvals: 1 of 2 approvals`.
pub fn title(verdict: &Verdict) -> String {
    title_shown(verdict, Moments::of(verdict))
}

/// The title as published (check-run title, commit-status description): ready times absolute,
/// `Pending: soak ready at 2026-11-28 14:05 UTC; approvals: 1 of 2 approvals`, so it reads the
/// same whenever the same verdict is evaluated.
pub fn published_title(verdict: &Verdict) -> String {
    title_shown(verdict, Moments::Absolute)
}

fn title_shown(verdict: &Verdict, moments: Moments) -> String {
    let line = format!(
        "{}: {}",
        verdict_word(verdict.verdict),
        summary_shown(verdict, moments)
    );
    escape::truncate(&escape::plain(&line), TITLE_MAX_CHARS)
}

/// The one-line title of a merge group's verdict (the worst of its pull requests'), naming the
/// pull requests that hold it back; plain text of at most [`TITLE_MAX_CHARS`] characters.
pub fn group_title(verdicts: &[Verdict]) -> String {
    let worst = worst(verdicts).unwrap_or(VerdictState::Error);
    let numbers: Vec<String> = verdicts
        .iter()
        .filter_map(|v| v.subject.pull_request)
        .map(|n| format!("#{n}"))
        .collect();
    let holding: Vec<String> = verdicts
        .iter()
        .filter(|v| v.verdict != VerdictState::Pass)
        .map(|v| {
            let who = v
                .subject
                .pull_request
                .map_or_else(|| "the group".to_string(), |n| format!("#{n}"));
            format!("{who} {}", summary(v))
        })
        .collect();
    let line = if holding.is_empty() {
        format!(
            "{}: merge group of {}, every pull request passes",
            verdict_word(worst),
            numbers.join(", ")
        )
    } else {
        format!(
            "{}: merge group of {}; {}",
            verdict_word(worst),
            numbers.join(", "),
            holding.join("; ")
        )
    };
    escape::truncate(&escape::plain(&line), TITLE_MAX_CHARS)
}

/// What a verdict amounts to, without the verdict word: the gates that hold it back, worst
/// first, or a short confirmation when it passes. Plain text, not escaped, not truncated.
pub fn summary(verdict: &Verdict) -> String {
    summary_shown(verdict, Moments::of(verdict))
}

pub(crate) fn summary_shown(verdict: &Verdict, moments: Moments) -> String {
    let mut blocking: Vec<&GateResult> = verdict
        .gates
        .iter()
        .filter(|g| {
            matches!(
                g.state,
                GateState::Pending | GateState::Fail | GateState::Error
            )
        })
        .collect();
    // Worst first; the sort is stable, so gates of equal state keep their display order.
    blocking.sort_by_key(|g| std::cmp::Reverse(g.state));
    if blocking.is_empty() {
        let passed = count(verdict, GateState::Pass);
        let skipped = count(verdict, GateState::Skipped);
        let version = verdict
            .version
            .as_deref()
            .map(|v| format!("{v} may be released; "))
            .unwrap_or_default();
        return match (verdict.verdict, skipped) {
            (VerdictState::Pass, 0) => format!("{version}{}", passing(passed)),
            (VerdictState::Pass, _) => format!("{version}{}, {skipped} skipped", passing(passed)),
            // A non-passing verdict with nothing blocking: no gate ran at all.
            _ => "no gate ran (every gate is turned off)".to_string(),
        };
    }
    blocking
        .iter()
        .map(|gate| match (gate.ready_at, moments) {
            (Some(ready_at), Moments::Relative(now)) if gate.state == GateState::Pending => {
                format!("{} ready {}", gate.gate, relative(ready_at, now))
            }
            (Some(ready_at), Moments::Absolute) if gate.state == GateState::Pending => {
                format!("{} ready at {}", gate.gate, utc(ready_minute(ready_at)))
            }
            _ => format!("{}: {}", gate.gate, gate.reason),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// How many gates are in `state`.
fn count(verdict: &Verdict, state: GateState) -> usize {
    verdict.gates.iter().filter(|g| g.state == state).count()
}

/// `1 gate passes` / `all 5 gates pass`.
fn passing(n: usize) -> String {
    if n == 1 {
        "1 gate passes".to_string()
    } else {
        format!("all {n} gates pass")
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::gates::GateId;
    use crate::verdict::Subject;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, h, m, s).unwrap()
    }

    fn subject(number: u64, title: &str, branch: &str) -> Subject {
        Subject {
            repository: "acme/repair-shop".into(),
            sha: "0123456789abcdef0123456789abcdef01234567".into(),
            pull_request: Some(number),
            title: Some(title.into()),
            head_branch: Some(branch.into()),
        }
    }

    /// Release v1.4.0, still soaking, one approval short.
    fn soaking() -> Verdict {
        Verdict {
            verdict: VerdictState::Pending,
            subject: subject(42, "Release v1.4.0", "staging/v1.4.0"),
            version: Some("v1.4.0".into()),
            ready_at: None,
            evaluated_at: at(10, 53, 0),
            gates: vec![
                GateResult::pending(
                    GateId::Soak,
                    "running in `staging` since 2026-11-27 14:05 UTC without a break; 24h needed",
                )
                .with_ready_at(at(14, 5, 0)),
                GateResult::pending(GateId::Approvals, "1 of 2 approvals on `0123456`")
                    .with_unblock("one more reviewer with write access approves the PR"),
                GateResult::pass(GateId::Tag, "`v1.4.0` is an annotated tag on this commit"),
                GateResult::pass(GateId::Checks, "all 7 checks passed"),
                GateResult::skipped(GateId::Checklist, "no checklist items configured"),
            ],
            tamper: Vec::new(),
        }
    }

    /// Only the soak is left, ending at a time with seconds: the ready time rounds up.
    fn soak_only() -> Verdict {
        Verdict {
            verdict: VerdictState::Pending,
            subject: subject(43, "Release v1.4.1", "staging/v1.4.1"),
            version: Some("v1.4.1".into()),
            ready_at: Some(at(14, 5, 30)),
            evaluated_at: at(10, 53, 0),
            gates: vec![
                GateResult::pending(GateId::Soak, "running in `staging` without a break")
                    .with_ready_at(at(14, 5, 30)),
                GateResult::pass(GateId::Approvals, "2 of 2 approvals"),
                GateResult::pass(GateId::Tag, "`v1.4.1` is an annotated tag on this commit"),
                GateResult::pass(GateId::Checks, "all 7 checks passed"),
                GateResult::pass(GateId::Checklist, "2 of 2 items ticked"),
            ],
            tamper: Vec::new(),
        }
    }

    /// Every gate state at once, and the candidate row.
    fn every_state() -> Verdict {
        Verdict {
            verdict: VerdictState::Error,
            subject: subject(7, "Release v2.0.0", "staging/v2.0.0"),
            version: None,
            ready_at: None,
            evaluated_at: at(9, 0, 0),
            gates: vec![
                GateResult::fail(
                    GateId::Candidate,
                    "the pull request targets `develop`, not the production branch `main`",
                ),
                GateResult::fail(
                    GateId::Soak,
                    "the latest staging deploy of this commit failed",
                )
                .with_unblock("fix the failure and deploy this commit to `staging` again"),
                GateResult::pending(GateId::Approvals, "0 of 2 approvals")
                    .with_unblock("two reviewers with write access approve the PR"),
                GateResult::pending(GateId::Tag, "no release tag on this commit").with_unblock(
                    "`git tag -a v2.0.0 -m \"Release v2.0.0\" 0123456 && git push origin v2.0.0`",
                ),
                GateResult::error(GateId::Checks, "check runs could not be read (HTTP 502)")
                    .with_unblock("re-run shipgate"),
                GateResult::skipped(GateId::Checklist, "turned off in the config"),
            ],
            tamper: Vec::new(),
        }
    }

    fn passing() -> Verdict {
        Verdict {
            verdict: VerdictState::Pass,
            subject: subject(44, "Release v1.5.0", "staging/v1.5.0"),
            version: Some("v1.5.0".into()),
            ready_at: None,
            evaluated_at: at(16, 20, 0),
            gates: vec![
                GateResult::pass(GateId::Soak, "ran 26 h in `staging` without a break"),
                GateResult::pass(GateId::Approvals, "2 of 2 approvals"),
                GateResult::pass(GateId::Tag, "`v1.5.0` is an annotated tag on this commit"),
                GateResult::pass(GateId::Checks, "all 7 checks passed"),
                GateResult::skipped(GateId::Checklist, "no checklist items configured"),
            ],
            tamper: Vec::new(),
        }
    }

    /// Untrusted strings everywhere a user can put them.
    fn hostile() -> Verdict {
        Verdict {
            verdict: VerdictState::Fail,
            subject: Subject {
                repository: "acme/repair-shop".into(),
                sha: "fedcba9876543210fedcba9876543210fedcba98".into(),
                pull_request: Some(666),
                title: Some(
                    "<img src=x onerror=alert(1)> [click](https://evil) @org/team | #1\n# pwned <!-- shipgate -->"
                        .into(),
                ),
                head_branch: Some("staging/`x`|<!--@bob".into()),
            },
            version: None,
            ready_at: None,
            evaluated_at: at(12, 0, 0),
            gates: vec![
                GateResult::fail(
                    GateId::Checks,
                    "`e2e | deploy` failed; reported by @mallory: see www.evil.example \u{1b}[2J",
                )
                .with_unblock("fix `e2e | deploy`\n# then <b>re-run</b>"),
                GateResult::fail(GateId::Approvals, "changes requested by `evil`` @root`")
                    .with_unblock("[approve](javascript:alert(1))"),
            ],
            tamper: Vec::new(),
        }
    }

    fn no_pull_request() -> Verdict {
        Verdict {
            verdict: VerdictState::Pending,
            subject: Subject {
                repository: "acme/repair-shop".into(),
                sha: "abcdef0123456789abcdef0123456789abcdef01".into(),
                pull_request: None,
                title: None,
                head_branch: None,
            },
            version: Some("v1.4.0".into()),
            ready_at: None,
            evaluated_at: at(8, 0, 0),
            gates: vec![GateResult::pending(
                GateId::Checks,
                "3 checks still running",
            )],
            tamper: Vec::new(),
        }
    }

    fn all() -> Vec<(&'static str, Verdict)> {
        vec![
            ("soaking", soaking()),
            ("soak_only", soak_only()),
            ("every_state", every_state()),
            ("passing", passing()),
            ("hostile", hostile()),
            ("no_pull_request", no_pull_request()),
        ]
    }

    #[test]
    fn markdown_snapshots() {
        for (name, verdict) in all() {
            insta::assert_snapshot!(format!("markdown_{name}"), markdown(&verdict));
        }
    }

    #[test]
    fn text_snapshots() {
        for (name, verdict) in all() {
            insta::assert_snapshot!(format!("text_{name}"), text(&verdict, false));
        }
    }

    #[test]
    fn titles_snapshot() {
        let titles: Vec<String> = all()
            .iter()
            .map(|(name, verdict)| format!("{name}: {}", title(verdict)))
            .collect();
        insta::assert_snapshot!("titles", titles.join("\n"));
    }

    #[test]
    fn report_snapshots() {
        let several = [soaking(), every_state(), passing()];
        insta::assert_snapshot!("markdown_report_several", markdown_report(&several));
        insta::assert_snapshot!("markdown_report_empty", markdown_report(&[]));
        insta::assert_snapshot!("json_report_several", json_report(&several));
        insta::assert_snapshot!("json_soak_only", json(&soak_only()));
    }

    #[test]
    fn the_soaks_ready_time_is_shown_in_utc_and_relative() {
        let out = markdown(&soaking());
        assert!(
            out.contains(r"ready 2026-11-28 14:05 UTC \(in 3 h 12 m\)"),
            "{out}"
        );
        let out = markdown(&soak_only());
        // 14:05:30 rounds up to 14:06; 3 h 12 m 30 s rounds up to 3 h 13 m.
        assert!(
            out.contains(r"ready 2026-11-28 14:06 UTC \(in 3 h 13 m\)"),
            "{out}"
        );
        assert!(
            out.contains("at **2026-11-28 14:06 UTC** (in 3 h 13 m)"),
            "{out}"
        );
        assert!(text(&soak_only(), false).contains("ready 2026-11-28 14:06 UTC (in 3 h 13 m)"));
    }

    #[test]
    fn published_snapshots() {
        for (name, verdict) in all() {
            insta::assert_snapshot!(
                format!("published_{name}"),
                format!(
                    "{}\n\n{}",
                    published_title(&verdict),
                    published_markdown(&verdict)
                )
            );
        }
    }

    /// The same facts evaluated at several moments while nothing changes (soaking; one
    /// approval short and a check running, or only the soak left) publish the very same title
    /// and Markdown — so a later run has nothing to write — while the terminal's text moves
    /// with the clock.
    #[test]
    fn the_same_verdict_publishes_the_same_text_at_any_later_moment() {
        use crate::facts::{CheckConclusion, CheckStatus, DeploymentState};
        use crate::gates::testing::{at_h, at_min, FactsBuilder, SHA};
        use crate::policy::Policy;

        let soaking = FactsBuilder::new()
            .staging(SHA, &[(DeploymentState::Success, at_min(10 * 60 + 7))])
            .tag("v1.4.0", SHA, true)
            .approved_by("bob", at_h(12));
        let one_short = soaking
            .clone()
            .check_run("build", CheckStatus::InProgress, None, Some(at_h(19)), None)
            .build();
        let soak_only = soaking
            .approved_by("carol", at_h(12))
            .completed("build", CheckConclusion::Success, at_h(19))
            .build();
        let policy = Policy::default();
        let mut whole_verdict_deadlines = 0;
        for facts in [one_short, soak_only] {
            let first = crate::evaluate(&facts, &policy, at_h(20));
            assert_eq!(first.verdict, VerdictState::Pending, "{first:?}");
            let published = published_markdown(&first);
            for later in [at_h(20) + TimeDelta::minutes(15), at_h(21), at_h(33)] {
                let again = crate::evaluate(&facts, &policy, later);
                assert_eq!(published_title(&again), published_title(&first));
                assert_eq!(published_markdown(&again), published);
                // What the terminal shows does move (so this test can fail).
                assert_ne!(markdown(&again), markdown(&first));
                assert_ne!(title(&again), title(&first));
            }
            assert!(!published.contains("evaluated"), "{published}");
            assert!(!published.contains("(in "), "no relative time: {published}");
            assert!(
                published.contains("ready at 2026-03-03 19:07 UTC"),
                "the deadline, absolute: {published}"
            );
            if first.ready_at.is_some() {
                whole_verdict_deadlines += 1;
                assert!(
                    published.contains("by itself at **2026-03-03 19:07 UTC**, unless"),
                    "{published}"
                );
            }
        }
        assert_eq!(whole_verdict_deadlines, 1, "only the soak left: a deadline");
    }

    #[test]
    fn a_ready_time_already_in_the_reason_gets_only_the_relative_part() {
        let now = at(10, 53, 0);
        let gate = GateResult::pending(
            GateId::Soak,
            "soaking in `staging` for 20 h 48 m of 24h; ready at 2026-11-28 14:05 UTC",
        )
        .with_ready_at(at(14, 5, 0));
        assert_eq!(
            reason_with_ready(&gate, now),
            "soaking in `staging` for 20 h 48 m of 24h; ready at 2026-11-28 14:05 UTC (in 3 h 12 m)"
        );
        // The time may sit mid-sentence, truncated to the minute by the gate.
        let gate = GateResult::pending(GateId::Soak, "ready at 2026-11-28 14:05 UTC, if healthy")
            .with_ready_at(at(14, 5, 30));
        assert_eq!(
            reason_with_ready(&gate, now),
            "ready at 2026-11-28 14:05 UTC (in 3 h 13 m), if healthy"
        );
        let gate = GateResult::pending(GateId::Soak, "").with_ready_at(at(14, 5, 0));
        assert_eq!(
            reason_with_ready(&gate, now),
            "ready 2026-11-28 14:05 UTC (in 3 h 12 m)"
        );
        // Not pending: no ready time shown.
        let mut gate = GateResult::pass(GateId::Soak, "soaked 24 h").with_ready_at(at(14, 5, 0));
        assert_eq!(reason_with_ready(&gate, now), "soaked 24 h");
        gate.state = GateState::Fail;
        assert_eq!(reason_with_ready(&gate, now), "soaked 24 h");
    }

    #[test]
    fn a_title_names_the_gates_that_hold_the_release_back() {
        assert_eq!(
            title(&soaking()),
            "Pending: soak ready in 3 h 12 m; approvals: 1 of 2 approvals on `0123456`"
        );
    }

    #[test]
    fn titles_are_one_line_of_at_most_140_characters() {
        let mut long = hostile();
        long.gates[0].reason = format!("{}\nsecond line", "é".repeat(300));
        for verdict in [&long, &hostile(), &every_state(), &soaking()] {
            let title = title(verdict);
            assert!(title.chars().count() <= TITLE_MAX_CHARS, "{title}");
            assert!(!title.contains(['\n', '\r', '\u{1b}']), "{title:?}");
        }
        let title = title(&long);
        assert_eq!(title.chars().count(), TITLE_MAX_CHARS, "{title}");
        assert!(
            title.starts_with("Fail: checks: éé") && title.ends_with("é…"),
            "{title}"
        );
    }

    #[test]
    fn hostile_strings_never_reach_the_output_raw() {
        let out = markdown(&hostile());
        for raw in [
            "<img",
            "<!--",
            "](",
            "@org",
            "@mallory",
            "@bob",
            "https://",
            "www.evil",
            "<b>",
            "\n# pwned",
            "\n# then",
            "\u{1b}",
        ] {
            assert!(!out.contains(raw), "{raw:?} got through:\n{out}");
        }
        // Every table row still has exactly its five cell borders.
        for line in out.lines().filter(|l| l.starts_with("| ")) {
            let borders = line
                .char_indices()
                .filter(|(i, c)| *c == '|' && (*i == 0 || !line[..*i].ends_with('\\')))
                .count();
            assert_eq!(borders, 5, "{line}");
        }
        let report = markdown_report(&[hostile()]);
        assert!(
            !report.contains("<img") && !report.contains("@org"),
            "{report}"
        );
        let plain_text = text(&hostile(), true);
        assert!(!plain_text.contains("\u{1b}[2J"), "{plain_text:?}");
    }

    #[test]
    fn rendered_markdown_parses_to_the_intended_structure() {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_MATH
            | Options::ENABLE_GFM;
        for (doc, headings, rows) in [
            (markdown(&hostile()), 1, 3),
            (markdown(&every_state()), 1, 7),
            (markdown_report(&[hostile(), soaking()]), 3, 3 + 3 + 6),
        ] {
            let mut cells = 0;
            let (mut seen_headings, mut seen_rows) = (0, 0);
            for event in Parser::new_ext(&doc, options) {
                match event {
                    Event::Html(_) | Event::InlineHtml(_) => panic!("HTML in\n{doc}"),
                    Event::Start(Tag::Link { .. } | Tag::Image { .. }) => panic!("link in\n{doc}"),
                    Event::Start(Tag::List(_) | Tag::BlockQuote(_) | Tag::CodeBlock(_)) => {
                        panic!("block structure in\n{doc}")
                    }
                    Event::InlineMath(_) | Event::DisplayMath(_) => panic!("math in\n{doc}"),
                    Event::Start(Tag::Heading { .. }) => seen_headings += 1,
                    Event::Start(Tag::TableHead | Tag::TableRow) => cells = 0,
                    Event::Start(Tag::TableCell) => cells += 1,
                    Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                        seen_rows += 1;
                        assert_eq!(cells, 4, "a row with {cells} cells in\n{doc}");
                    }
                    _ => {}
                }
            }
            assert_eq!(seen_headings, headings, "{doc}");
            assert_eq!(seen_rows, rows, "{doc}");
        }
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!text(&every_state(), false).contains('\u{1b}'));
        let coloured = text(&every_state(), true);
        assert!(
            coloured.contains("\u{1b}[1;35mERROR\u{1b}[0m"),
            "{coloured:?}"
        );
        assert!(
            coloured.contains("\u{1b}[31mfail   \u{1b}[0m"),
            "{coloured:?}"
        );
        // Without the codes, the coloured text is the plain text.
        let stripped = coloured
            .split('\u{1b}')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    &part[part.find('m').unwrap() + 1..]
                }
            })
            .collect::<String>();
        assert_eq!(stripped, text(&every_state(), false));
    }

    #[test]
    fn json_report_is_the_worst_and_every_gate() {
        let report: serde_json::Value =
            serde_json::from_str(&json_report(&[passing(), soaking()])).unwrap();
        assert_eq!(report["verdict"], "pending");
        assert_eq!(report["pull_requests"].as_array().unwrap().len(), 2);
        assert_eq!(report["pull_requests"][1]["subject"]["pull_request"], 42);
        assert_eq!(report["pull_requests"][1]["gates"][0]["state"], "pending");
        assert_eq!(
            report["pull_requests"][1]["gates"][0]["ready_at"],
            "2026-11-28T14:05:00Z"
        );
        assert_eq!(
            report["pull_requests"][1]["gates"][1]["reason"],
            "1 of 2 approvals on `0123456`"
        );
        let empty: serde_json::Value = serde_json::from_str(&json_report(&[])).unwrap();
        assert_eq!(empty["verdict"], serde_json::Value::Null);
        // A single verdict reads back as the same value.
        let back: Verdict = serde_json::from_str(&json(&hostile())).unwrap();
        assert_eq!(back, hostile());
    }

    #[test]
    fn relative_times() {
        let now = at(10, 0, 0);
        assert_eq!(relative(at(13, 12, 0), now), "in 3 h 12 m");
        assert_eq!(relative(at(13, 12, 1), now), "in 3 h 13 m");
        assert_eq!(relative(at(10, 0, 45), now), "in 45 s");
        assert_eq!(relative(at(10, 0, 0), now), "now");
        assert_eq!(relative(at(9, 0, 0), now), "now");
        assert_eq!(relative(now + TimeDelta::days(2), now), "in 2 d");
    }

    #[test]
    fn worst_of_several() {
        assert_eq!(worst(&[]), None);
        assert_eq!(worst(&[passing()]), Some(VerdictState::Pass));
        assert_eq!(
            worst(&[passing(), soaking(), every_state()]),
            Some(VerdictState::Error)
        );
    }
}
