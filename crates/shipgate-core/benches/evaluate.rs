//! Benchmark of pure evaluation on a large history (`docs/benchmarks.md`: milliseconds).
//!
//! The facts have 300 reviews, 10 000 deployment statuses and 5 000 tags (built in memory by
//! `examples/support/large.rs`, the same value `--example large-facts` prints).
//! Target: under 5 ms per evaluation. Run: `cargo bench -p shipgate-core --bench evaluate`.

#[path = "../examples/support/large.rs"]
mod large;

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use shipgate_core::{evaluate, Policy};

fn bench_evaluate(c: &mut Criterion) {
    let captured_at: DateTime<Utc> = "2026-11-26T15:20:00Z".parse().expect("fixed timestamp");
    let facts = large::large_facts(captured_at);
    let statuses: usize = facts.deployments.iter().map(|d| d.statuses.len()).sum();
    assert_eq!(facts.reviews.len(), large::REVIEWS);
    assert_eq!(statuses, large::DEPLOYMENT_STATUSES);
    assert_eq!(facts.tags.len(), large::TAGS);

    let defaults = Policy::default();
    let mut strict = Policy::default();
    strict.checks.required = vec!["backend / *".into(), "frontend / *".into()];
    strict.checklist.items = vec![
        "Database backup taken".into(),
        "Rollback plan ready".into(),
        "Team notified".into(),
    ];

    let mut group = c.benchmark_group("evaluate");
    group.bench_function("large history, default policy", |b| {
        b.iter(|| evaluate(black_box(&facts), black_box(&defaults), captured_at))
    });
    group.bench_function("large history, globs and checklist", |b| {
        b.iter(|| evaluate(black_box(&facts), black_box(&strict), captured_at))
    });
    // A checklist of 10 000 items, all ticked in a 10 000-line description (matching is
    // linear: it once took seconds).
    let mut long = Policy::default();
    long.checklist.items = (0..10_000).map(|i| format!("Release step {i}")).collect();
    let mut listed = facts.clone();
    if let Some(pr) = listed.pull_request.as_mut() {
        pr.body = (0..10_000)
            .map(|i| format!("- [x] Release step {i} <!-- done -->\n"))
            .collect();
    }
    let verdict = evaluate(&listed, &long, captured_at);
    let row = verdict
        .gates
        .iter()
        .find(|g| g.gate.name() == "checklist")
        .expect("a checklist row");
    assert_eq!(row.reason, "10000 checklist items ticked", "{row:?}");
    group.bench_function("large history, 10 000 checklist items", |b| {
        b.iter(|| evaluate(black_box(&listed), black_box(&long), captured_at))
    });
    group.finish();
}

criterion_group!(benches, bench_evaluate);
criterion_main!(benches);
