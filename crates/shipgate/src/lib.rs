//! The `shipgate` application: the command line and the GitHub Action over `shipgate-core`
//! (the decisions) and `shipgate-github` (GitHub I/O). `docs/architecture.md` maps it.
//!
//! - [`pipeline`]: the gate use case, assembled once; the Action, `gate`, `facts` adapt it.
//! - [`inputs`]: every input of every command, declared once.
//! - `commands`: one module per subcommand; `toolkit`: the Actions toolkit (`@actions/core`'s
//!   semantics); `post_deploy`: health probes, Prometheus, rollback actions; `runner`: the
//!   runner's environment.

pub mod inputs;
pub mod pipeline;

mod cli;
mod commands;
mod exit;
mod files;
mod outcome;
mod post_deploy;
mod runner;
mod toolkit;

pub use cli::main;
