//! Placeholder: the approvals gate is being written (see issue 2).

use super::{Context, Gate, GateId, GateResult};
use crate::policy::Policy;

/// The approvals gate.
pub struct Approvals;

impl Gate for Approvals {
    fn id(&self) -> GateId {
        GateId::Approvals
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.approvals.enabled
    }
    fn evaluate(&self, _cx: &Context<'_>) -> GateResult {
        GateResult::error(self.id(), "not evaluated yet")
    }
}
