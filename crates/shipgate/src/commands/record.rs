//! `shipgate record` (placeholder until its issue is done).

use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate record`.
#[derive(Debug, clap::Args)]
pub struct RecordArgs {}

/// Runs `shipgate record`.
pub async fn run(_args: RecordArgs) -> Result<Outcome, Failure> {
    Err(Failure::error("`shipgate record` is not available yet"))
}
