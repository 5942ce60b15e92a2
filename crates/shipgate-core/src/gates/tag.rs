//! Placeholder: the tag gate is being written (see issue 2).

use super::{Context, Gate, GateId, GateResult};
use crate::policy::Policy;

/// The tag gate.
pub struct ReleaseTag;

impl Gate for ReleaseTag {
    fn id(&self) -> GateId {
        GateId::Tag
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.tag.enabled
    }
    fn evaluate(&self, _cx: &Context<'_>) -> GateResult {
        GateResult::error(self.id(), "not evaluated yet")
    }
}

/// The valid release version on the gated commit, if any.
pub fn release_version(_cx: &Context<'_>) -> Option<String> {
    None
}
