//! shipgate-core: the pure decision logic of shipgate.
//!
//! Everything here is a function of plain data: the [`facts::Facts`] read from GitHub (or from a
//! file), the [`policy::Policy`], and the time `now`, passed in. No network, no clock, no
//! environment variables, no file system, no async runtime — so every rule is unit-testable.
//! Files (a facts file, a history file, the config) are read by the `shipgate` binary, which
//! hands their text to the parsers here ([`Facts::from_json`], [`kpi::History::from_json`],
//! [`config::parse`]). `clippy.toml` in this crate forbids the clock, the environment and the
//! file system to its code.
//!
//! Modules depend on each other in one direction only, leaf to top: [`error`], [`escape`],
//! [`redact`] and [`time`] (how moments are read and shown) → [`duration`] and [`alerts`] →
//! `versioned` and [`policy`] → [`facts`] and [`config`] → [`unmatched`] → [`gates`], [`kpi`],
//! [`watch`] and [`verify`] → [`verdict`], [`render`], [`notify`] and [`incident`].

pub mod alerts;
pub mod config;
pub mod duration;
pub mod error;
pub mod escape;
pub mod facts;
pub mod gates;
pub mod guard;
pub mod incident;
pub mod kpi;
pub mod notify;
pub mod policy;
pub mod queue;
pub mod redact;
pub mod render;
#[cfg(test)]
mod robustness;
pub mod time;
pub mod trust;
pub mod unmatched;
pub mod verdict;
pub mod verify;
mod versioned;
pub mod watch;

pub use duration::Duration;
pub use error::{Error, Result};
pub use facts::Facts;
pub use gates::text::short_sha;
pub use policy::Policy;
pub use verdict::{evaluate, Verdict};
