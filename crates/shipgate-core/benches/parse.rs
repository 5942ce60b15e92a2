//! Benchmark of the config parser on hostile input (`docs/benchmarks.md`): a config is written
//! by whoever can push to the production branch and read on every gate run, so its worst case
//! must stay small. Run: `cargo bench -p shipgate-core --bench parse`.
//!
//! - 100 KB of nesting (`[[[[…]]]]`, 50 000 levels): refused before the YAML parser sees it
//!   (it once took 20–32 s to parse);
//! - the largest config accepted: 256 KiB of checklist items, parsed in full;
//! - a config at the deepest nesting accepted (32 levels) under an unknown key: rejected with
//!   the key's name.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use shipgate_core::config;

fn bench_parse(c: &mut Criterion) {
    let nested = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    assert!(config::parse(&nested, None).is_err());

    let mut largest = String::from("checklist:\n  items:\n");
    let mut n = 0;
    loop {
        let line = format!("    - \"Release step number {n} is done and checked\"\n");
        if largest.len() + line.len() > config::MAX_BYTES {
            break;
        }
        largest.push_str(&line);
        n += 1;
    }
    let policy = config::parse(&largest, None).expect("the largest config is accepted");
    assert_eq!(policy.checklist.items.len(), n);

    let mut deep = String::from("unknown:\n");
    for level in 1..config::MAX_DEPTH - 1 {
        deep.push_str(&format!("{}k{level}:\n", "  ".repeat(level)));
    }
    deep.push_str(&format!("{}leaf: 1\n", "  ".repeat(config::MAX_DEPTH - 1)));
    assert!(config::parse(&deep, None).is_err());

    let mut group = c.benchmark_group("config");
    group.bench_function("100 KB of nesting (refused)", |b| {
        b.iter(|| config::parse(black_box(&nested), None))
    });
    group.bench_function("256 KiB of checklist items (accepted)", |b| {
        b.iter(|| config::parse(black_box(&largest), None))
    });
    group.bench_function("32 levels under an unknown key (rejected)", |b| {
        b.iter(|| config::parse(black_box(&deep), None))
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
