//! Prints the benchmark's large facts file (300 reviews, 10 000 deployment statuses, 5 000
//! tags) on standard output, so the binary's time and peak memory can be measured on it (see
//! docs/benchmarks.md). Like the library, it leaves the file system alone: redirect the output.
//!
//! Usage: `cargo run --release -p shipgate-core --example large-facts > OUT.json`

#[path = "support/large.rs"]
mod large;

use std::io::Write;

use chrono::{DateTime, Utc};

fn main() -> std::process::ExitCode {
    let captured_at: DateTime<Utc> = "2026-11-26T15:20:00Z".parse().expect("fixed timestamp");
    let facts = large::large_facts(captured_at);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{}", facts.to_json()).and_then(|()| stdout.flush()) {
        eprintln!("cannot write the facts: {e}");
        return std::process::ExitCode::from(1);
    }
    let statuses: usize = facts.deployments.iter().map(|d| d.statuses.len()).sum();
    eprintln!(
        "{} reviews, {} deployments with {} statuses, {} tags",
        facts.reviews.len(),
        facts.deployments.len(),
        statuses,
        facts.tags.len()
    );
    std::process::ExitCode::SUCCESS
}
