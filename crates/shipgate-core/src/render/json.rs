//! JSON: one verdict, or the Action's `report` output for several. Strings are JSON-escaped by
//! serde_json; consumers that render them must escape them again for their own format.

use serde::Serialize;

use super::worst;
use crate::verdict::{Verdict, VerdictState};

/// One verdict as pretty-printed JSON (the serde form of [`Verdict`]), without a final newline.
pub fn json(verdict: &Verdict) -> String {
    serde_json::to_string_pretty(verdict).expect("a verdict always serializes")
}

/// The Action's `report`: `{"verdict": worst, "pull_requests": [...]}` with every evaluated PR
/// and every gate's state and reason. `verdict` is `null` when nothing was evaluated.
pub fn json_report(verdicts: &[Verdict]) -> String {
    #[derive(Serialize)]
    struct Report<'a> {
        verdict: Option<VerdictState>,
        pull_requests: &'a [Verdict],
    }
    let report = Report {
        verdict: worst(verdicts),
        pull_requests: verdicts,
    };
    serde_json::to_string_pretty(&report).expect("a report always serializes")
}
