//! Writes the benchmark's large facts file (300 reviews, 10 000 deployment statuses, 5 000
//! tags) so the binary's time and peak memory can be measured on it (see docs/benchmarks.md).
//!
//! Usage: `cargo run --release -p shipgate-core --example large-facts -- OUT.json`

#[path = "support/large.rs"]
mod large;

use chrono::{DateTime, Utc};

fn main() -> std::process::ExitCode {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: large-facts OUT.json");
        return std::process::ExitCode::from(2);
    };
    let captured_at: DateTime<Utc> = "2026-11-26T15:20:00Z".parse().expect("fixed timestamp");
    let facts = large::large_facts(captured_at);
    if let Err(e) = std::fs::write(&out, facts.to_json()) {
        eprintln!("cannot write {}: {e}", std::path::Path::new(&out).display());
        return std::process::ExitCode::from(1);
    }
    let statuses: usize = facts.deployments.iter().map(|d| d.statuses.len()).sum();
    eprintln!(
        "wrote {}: {} reviews, {} deployments with {} statuses, {} tags",
        std::path::Path::new(&out).display(),
        facts.reviews.len(),
        facts.deployments.len(),
        statuses,
        facts.tags.len()
    );
    std::process::ExitCode::SUCCESS
}
