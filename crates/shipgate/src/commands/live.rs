//! Live gate evaluation against GitHub (placeholder until issue 3).

use crate::outcome::{Failure, Outcome};

/// Evaluates the gate live for `shipgate gate --repo OWNER/NAME --pr N`.
pub async fn gate(args: &super::gate::GateArgs) -> Result<Outcome, Failure> {
    let _ = args;
    Err(Failure::error("live evaluation is not available yet"))
}
