//! Placeholder: the soak gate is being written (see issue 2).

use super::{Context, Gate, GateId, GateResult};
use crate::policy::Policy;

/// The soak gate.
pub struct Soak;

impl Gate for Soak {
    fn id(&self) -> GateId {
        GateId::Soak
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.soak.enabled
    }
    fn evaluate(&self, _cx: &Context<'_>) -> GateResult {
        GateResult::error(self.id(), "not evaluated yet")
    }
}
