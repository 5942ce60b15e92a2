//! `shipgate verify` (placeholder until its issue is done).

use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {}

/// Runs `shipgate verify`.
pub async fn run(_args: VerifyArgs) -> Result<Outcome, Failure> {
    Err(Failure::error("`shipgate verify` is not available yet"))
}
