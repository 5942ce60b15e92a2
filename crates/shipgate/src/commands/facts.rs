//! `shipgate facts` (placeholder until its issue is done).

use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate facts`.
#[derive(Debug, clap::Args)]
pub struct FactsArgs {}

/// Runs `shipgate facts`.
pub async fn run(_args: FactsArgs) -> Result<Outcome, Failure> {
    Err(Failure::error("`shipgate facts` is not available yet"))
}
