//! `shipgate report` (placeholder until its issue is done).

use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {}

/// Runs `shipgate report`.
pub async fn run(_args: ReportArgs) -> Result<Outcome, Failure> {
    Err(Failure::error("`shipgate report` is not available yet"))
}
