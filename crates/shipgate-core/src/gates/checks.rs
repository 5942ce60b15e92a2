//! Placeholder: the checks gate is being written (see issue 2).

use super::{Context, Gate, GateId, GateResult};
use crate::policy::Policy;

/// The checks gate.
pub struct Checks;

impl Gate for Checks {
    fn id(&self) -> GateId {
        GateId::Checks
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.checks.enabled
    }
    fn evaluate(&self, _cx: &Context<'_>) -> GateResult {
        GateResult::error(self.id(), "not evaluated yet")
    }
}
