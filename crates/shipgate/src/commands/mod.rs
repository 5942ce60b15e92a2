//! One module per subcommand; each exposes its clap `Args` and an async `run`.

pub mod action;
pub mod facts;
pub mod gate;
pub mod live;
pub mod record;
pub mod report;
pub mod verify;
pub mod watch;
