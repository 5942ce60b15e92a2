//! shipgate-core: the pure decision logic of shipgate.
//!
//! Everything here is a function of plain data: the [`facts::Facts`] read from GitHub (or from a
//! file), the [`policy::Policy`], and the time `now`, passed in. No network, no clock, no
//! environment variables, no async runtime — so every rule is unit-testable.

pub mod config;
pub mod duration;
pub mod error;
pub mod escape;
pub mod facts;
pub mod gates;
pub mod kpi;
pub mod policy;
pub mod render;
pub mod verdict;
mod versioned;
pub mod watch;

pub use duration::Duration;
pub use error::{Error, Result};
pub use facts::Facts;
pub use policy::Policy;
pub use verdict::{evaluate, Verdict};
