//! Placeholder: the checklist gate is being written (see issue 2).

use super::{Context, Gate, GateId, GateResult};
use crate::policy::Policy;

/// The checklist gate.
pub struct Checklist;

impl Gate for Checklist {
    fn id(&self) -> GateId {
        GateId::Checklist
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.checklist.enabled
    }
    fn evaluate(&self, _cx: &Context<'_>) -> GateResult {
        GateResult::error(self.id(), "not evaluated yet")
    }
}
