//! Contract fidelity: end-to-end scenarios of the built binary against a stateful fake GitHub
//! (`shipgate-fake`) behind Prism, which checks every REST request and answer against GitHub's
//! OpenAPI description; every GraphQL answer of the fake is checked against GitHub's schema.
//!
//! See `docs/fake-github.md` for the fake, its control API and how to add a scenario.

mod attacks;
mod events;
mod faults;
mod freeze;
mod gate;
mod hostile;
mod incidents;
mod queue;
mod records;
mod security;
mod sweeps;
mod transport;
