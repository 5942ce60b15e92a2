//! `shipgate watch` (placeholder until its issue is done).

use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate watch`.
#[derive(Debug, clap::Args)]
pub struct WatchArgs {}

/// Runs `shipgate watch`.
pub async fn run(_args: WatchArgs) -> Result<Outcome, Failure> {
    Err(Failure::error("`shipgate watch` is not available yet"))
}
