//! The gates: each is a pure function of (facts, policy, now) behind the [`Gate`] trait.
//!
//! One module per gate, each opening with its rule in plain words. A gate never does I/O and
//! never reads the clock; anything it cannot verify is `pending`, `fail` or `error` — never
//! `pass` (fail closed).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::facts::Facts;
use crate::policy::Policy;

pub mod approvals;
pub mod checklist;
pub mod checks;
pub mod freeze;
pub mod security;
pub mod soak;
pub mod tag;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod text;

/// What a gate reads: the facts, the policy and the moment of evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The facts about the candidate.
    pub facts: &'a Facts,
    /// The policy in force.
    pub policy: &'a Policy,
    /// The moment of evaluation.
    pub now: DateTime<Utc>,
}

/// Which gate a result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateId {
    /// The candidate itself: a PR from the repository, into the production branch.
    Candidate,
    /// Time running healthily in staging.
    Soak,
    /// Reviews.
    Approvals,
    /// The release tag.
    Tag,
    /// CI checks and commit statuses.
    Checks,
    /// The release checklist in the PR body.
    Checklist,
    /// Deploy freezes and the allowed deploy time.
    Freeze,
    /// Open security alerts of the repository.
    Security,
    /// The policy itself (e.g. every gate turned off).
    Policy,
    /// How a commit reached the production branch (the deploy guard).
    Merge,
}

impl GateId {
    /// The gate's name as shown to users and used in the config file.
    pub fn name(self) -> &'static str {
        match self {
            Self::Candidate => "candidate",
            Self::Soak => "soak",
            Self::Approvals => "approvals",
            Self::Tag => "tag",
            Self::Checks => "checks",
            Self::Checklist => "checklist",
            Self::Freeze => "freeze",
            Self::Security => "security",
            Self::Policy => "policy",
            Self::Merge => "merge",
        }
    }
}

impl std::fmt::Display for GateId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The state of one gate. Ordered from best to worst: the verdict is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GateState {
    /// Turned off in the config.
    Skipped,
    /// Satisfied.
    Pass,
    /// Will pass without a code change (time, reviews, running checks, a tag to push).
    Pending,
    /// Needs fixing.
    Fail,
    /// Could not be evaluated.
    Error,
}

impl GateState {
    /// Lowercase name, as in JSON and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Skipped => "skipped",
            Self::Pass => "pass",
            Self::Pending => "pending",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }
}

impl std::fmt::Display for GateState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The outcome of one gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateResult {
    /// Which gate.
    pub gate: GateId,
    /// Its state.
    pub state: GateState,
    /// One line saying why (plain text; may quote untrusted strings, escaped when rendered).
    pub reason: String,
    /// What would unblock it, when it is not passing (e.g. the exact `git tag` command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unblock: Option<String>,
    /// When a pending gate will pass by itself, if known (the soak's end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<DateTime<Utc>>,
}

impl GateResult {
    /// A result with the given state and reason.
    pub fn new(gate: GateId, state: GateState, reason: impl Into<String>) -> Self {
        Self {
            gate,
            state,
            reason: reason.into(),
            unblock: None,
            ready_at: None,
        }
    }
    /// A passing result.
    pub fn pass(gate: GateId, reason: impl Into<String>) -> Self {
        Self::new(gate, GateState::Pass, reason)
    }
    /// A pending result.
    pub fn pending(gate: GateId, reason: impl Into<String>) -> Self {
        Self::new(gate, GateState::Pending, reason)
    }
    /// A failing result.
    pub fn fail(gate: GateId, reason: impl Into<String>) -> Self {
        Self::new(gate, GateState::Fail, reason)
    }
    /// A result for a gate that could not be evaluated.
    pub fn error(gate: GateId, reason: impl Into<String>) -> Self {
        Self::new(gate, GateState::Error, reason)
    }
    /// A result for a gate turned off.
    pub fn skipped(gate: GateId, reason: impl Into<String>) -> Self {
        Self::new(gate, GateState::Skipped, reason)
    }
    /// Adds what would unblock the gate.
    pub fn with_unblock(mut self, unblock: impl Into<String>) -> Self {
        self.unblock = Some(unblock.into());
        self
    }
    /// Adds when the gate will pass by itself.
    pub fn with_ready_at(mut self, ready_at: DateTime<Utc>) -> Self {
        self.ready_at = Some(ready_at);
        self
    }
}

/// One gate of the flow.
pub trait Gate {
    /// The gate's identity.
    fn id(&self) -> GateId;
    /// Whether the policy turns this gate on.
    fn enabled(&self, policy: &Policy) -> bool;
    /// Whether the gate has a row when it is off (`skipped`); a gate that is off unless
    /// configured has none while nothing configures it.
    fn listed(&self, _policy: &Policy) -> bool {
        true
    }
    /// Evaluates the gate; called only when [`Gate::enabled`] is true.
    fn evaluate(&self, cx: &Context<'_>) -> GateResult;
}

/// Every gate, in the order they are shown.
pub fn all() -> [&'static dyn Gate; 7] {
    [
        &soak::Soak,
        &approvals::Approvals,
        &tag::ReleaseTag,
        &checks::Checks,
        &checklist::Checklist,
        &freeze::Freeze,
        &security::Security,
    ]
}

/// Whether `policy` can never check anything, whatever the facts: every gate is off, or the only
/// one on is a checklist with no items. Evaluating such a policy always gives `error`.
pub fn checks_nothing(policy: &Policy) -> bool {
    all()
        .iter()
        .filter(|gate| gate.enabled(policy))
        .all(|gate| gate.id() == GateId::Checklist && policy.checklist.items.is_empty())
}
