//! `shipgate gate` (placeholder until its issue is done).

use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate gate`.
#[derive(Debug, clap::Args)]
pub struct GateArgs {}

/// Runs `shipgate gate`.
pub async fn run(_args: GateArgs) -> Result<Outcome, Failure> {
    Err(Failure::error("`shipgate gate` is not available yet"))
}
