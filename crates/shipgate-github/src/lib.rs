//! shipgate-github: GitHub I/O for shipgate.
//!
//! Reads the facts of release candidates in one GraphQL round trip and writes check runs,
//! commit statuses, sticky comments, deployments and incident issues over REST, reads the
//! security gate's alerts over REST, and dispatches the rollback workflow, with shipgate's own
//! retry policy.

pub mod actions;
pub mod alerts;
pub mod client;
pub mod deployments;
pub mod error;
pub mod facts;
pub mod issues;
pub mod publish;
pub mod pulls;
pub mod retry;
pub mod targets;

pub use client::{Client, ClientConfig, RetryPolicy};
pub use error::Error;
