//! JSON: one verdict, or the Action's `report` output for several. Strings are JSON-escaped by
//! serde_json; consumers that render them must escape them again for their own format.

use serde::Serialize;

use super::worst;
use crate::verdict::{Verdict, VerdictState};

/// The version of the layout of every JSON document shipgate prints or outputs (the gate's and
/// the guard's verdicts and reports, the KPI report, verify's and watch's reports): the first
/// key, `"format": 1`. It changes only when a field is removed or changes meaning; new fields
/// may appear within a format.
pub const JSON_FORMAT: u32 = 1;

/// `value` as a pretty-printed JSON document with `"format"` ([`JSON_FORMAT`]) as its first key,
/// without a final newline. `value` must serialize to an object.
pub fn document<T: Serialize>(value: &T) -> String {
    #[derive(Serialize)]
    struct Document<'a, T: Serialize> {
        format: u32,
        #[serde(flatten)]
        value: &'a T,
    }
    serde_json::to_string_pretty(&Document {
        format: JSON_FORMAT,
        value,
    })
    .expect("shipgate's JSON documents always serialize")
}

/// One verdict as pretty-printed JSON (the serde form of [`Verdict`], after `"format"`), without
/// a final newline.
pub fn json(verdict: &Verdict) -> String {
    document(verdict)
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
    document(&report)
}
