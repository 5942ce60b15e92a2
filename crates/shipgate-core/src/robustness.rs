//! No input panics: property tests that feed the parsers and the gates what an attacker could
//! write — arbitrary text, and JSON/YAML documents built from the formats' own keys with
//! arbitrary values — and require an answer (a value or an error), never a panic.
//!
//! Time is bounded structurally, not by a timed test: every input is capped in size before it is
//! parsed (config ≤ 256 KiB and 32 levels, facts and history files ≤ 64 MiB read by the binary),
//! and the worst cases are measured by the benchmarks in `docs/benchmarks.md`.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::facts::Facts;
use crate::kpi::{compute, History, LeadTimeBasis, Period};
use crate::policy::Policy;

/// Keys of the facts and history formats, so that generated documents get past the first
/// field most of the time.
const KEYS: &[&str] = &[
    "version",
    "captured_at",
    "repository",
    "owner",
    "name",
    "sha",
    "pull_request",
    "number",
    "title",
    "author",
    "login",
    "bot",
    "head_sha",
    "head_branch",
    "base_branch",
    "from_fork",
    "draft",
    "body",
    "changed_files",
    "commits",
    "commit_count",
    "committer",
    "co_authors",
    "reviews",
    "reviewer",
    "permission",
    "state",
    "submitted_at",
    "commit_sha",
    "deployments",
    "id",
    "environment",
    "ref",
    "creator",
    "created_at",
    "statuses",
    "description",
    "tags",
    "target_sha",
    "annotated",
    "tagger",
    "tagged_at",
    "releases",
    "tag_name",
    "prerelease",
    "published_at",
    "check_runs",
    "status",
    "conclusion",
    "started_at",
    "completed_at",
    "app",
    "external_id",
    "context",
    "payload",
    "started",
    "finished",
    "rollback",
    "pull_request_opened_at",
];

/// Leaf values that mean something somewhere in the formats, and some that mean nothing.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(1)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(u64::MAX)),
        Just(json!(1e308)),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!("2026-11-26T15:20:00Z")),
        Just(json!("+262143-12-31T23:59:59Z")),
        Just(json!("-262143-01-01T00:00:00Z")),
        Just(json!("1970-01-01T00:00:00Z")),
        Just(json!("v1.4.0")),
        Just(json!("v99999999999999999999.0.0")),
        Just(json!("staging/v1.4.0")),
        Just(json!("a9a26ce977e15314632d95a52397472529449bb8")),
        Just(json!("success")),
        Just(json!("failure")),
        Just(json!("APPROVED")),
        Just(json!("write")),
        Just(json!("completed")),
        Just(json!("staging")),
        Just(json!("production")),
        "\\PC{0,20}".prop_map(Value::String),
    ]
}

/// A JSON document of the formats' keys, arbitrary values, up to a few levels deep.
fn document() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                let mut map = Map::new();
                for (key, value) in pairs {
                    map.insert(key.to_string(), value);
                }
                Value::Object(map)
            }),
        ]
    })
}

/// A valid facts document with one field replaced by a generated value.
fn mutated_example() -> impl Strategy<Value = String> {
    const EXAMPLE: &str = include_str!("../../../examples/v1.4.0-ready.json");
    let example: Value = serde_json::from_str(EXAMPLE).expect("the example is JSON");
    let paths = leaf_paths(&example);
    (prop::sample::select(paths), document()).prop_map(move |(path, value)| {
        let mut doc = example.clone();
        let mut at = &mut doc;
        for step in &path {
            at = match step {
                Step::Key(key) => &mut at[key.as_str()],
                Step::Index(i) => &mut at[*i],
            };
        }
        *at = value;
        doc.to_string()
    })
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every path to a value in `doc`.
fn leaf_paths(doc: &Value) -> Vec<Vec<Step>> {
    let mut paths = Vec::new();
    let mut stack = vec![(Vec::new(), doc)];
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let mut next = path.clone();
                    next.push(Step::Key(key.clone()));
                    stack.push((next, inner));
                }
            }
            Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    let mut next = path.clone();
                    next.push(Step::Index(i));
                    stack.push((next, inner));
                }
            }
            _ => {}
        }
        paths.push(path);
    }
    paths
}

/// Evaluates parsed facts under the default policy and at extreme moments: no panic.
fn evaluate_everywhere(facts: &Facts) {
    let policy = Policy::default();
    for now in [
        facts.captured_at,
        chrono::DateTime::<chrono::Utc>::MIN_UTC,
        chrono::DateTime::<chrono::Utc>::MAX_UTC,
    ] {
        let verdict = crate::evaluate(facts, &policy, now);
        let _ = crate::render::markdown(&verdict);
        let _ = crate::render::text(&verdict, true);
        let _ = crate::render::json(&verdict);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn facts_text_never_panics(text in "\\PC{0,400}") {
        let _ = Facts::from_json(&text, None);
    }

    #[test]
    fn facts_documents_never_panic(doc in document()) {
        let mut doc = doc;
        if let Value::Object(map) = &mut doc {
            map.insert("version".into(), json!(1));
        }
        if let Ok(facts) = Facts::from_json(&doc.to_string(), None) {
            evaluate_everywhere(&facts);
        }
    }

    #[test]
    fn a_mutated_example_never_panics(text in mutated_example()) {
        if let Ok(facts) = Facts::from_json(&text, None) {
            evaluate_everywhere(&facts);
        }
    }

    #[test]
    fn config_text_never_panics(text in "[a-z\\-:\\[\\]{},&*!|>'\" \\n#0-9.]{0,300}") {
        let _ = crate::config::parse(&text, None);
    }

    #[test]
    fn config_documents_never_panic(
        section in prop::sample::select(&["soak", "approvals", "tag", "checks", "checklist"][..]),
        key in prop::sample::select(&[
            "enabled", "environment", "duration", "deployers", "required", "allow-stale",
            "exclude-contributors", "paths", "reviewers", "pattern", "require-annotated",
            "allow-prerelease", "require-increase", "match-branch", "neutral-passes", "items",
            "app", "name",
        ][..]),
        value in prop_oneof![
            Just("1".to_string()), Just("0".to_string()), Just("-5".to_string()),
            Just("99999999999999999999".to_string()), Just("24h".to_string()),
            Just("1000000000000w".to_string()), Just("[a, b]".to_string()),
            Just("{name: x, app: y}".to_string()), Just("true".to_string()),
            Just("'v['".to_string()), Just("~".to_string()), "\\PC{0,12}",
        ],
    ) {
        let text = format!("{section}:\n  {key}: {value}\n");
        if let Ok(policy) = crate::config::parse(&text, None) {
            let facts = Facts::from_json(
                include_str!("../../../examples/v1.4.0-ready.json"),
                None,
            )
            .expect("the example parses");
            let _ = crate::evaluate(&facts, &policy, facts.captured_at);
        }
    }

    #[test]
    fn release_tags_and_branches_never_panic(
        tags in prop::collection::vec(
            ("v?[0-9]{0,20}(\\.[0-9]{0,20}){0,3}(-[a-z0-9.]{0,8})?(\\+[a-z0-9]{0,4})?", any::<bool>()),
            0..6,
        ),
        branch in "(staging/)?v?[0-9.]{0,12}[a-z\\-]{0,4}",
        pattern in prop::sample::select(&["v*", "release-*", "*", "v[0-9]*"][..]),
    ) {
        let mut builder = crate::gates::testing::FactsBuilder::new().branch(&branch);
        for (name, annotated) in &tags {
            builder = builder.tag(name, crate::gates::testing::SHA, *annotated);
            builder = builder.tag(name, crate::gates::testing::OTHER_SHA, !*annotated);
        }
        let facts = builder
            .released_to_production(crate::gates::testing::OTHER_SHA)
            .build();
        let mut policy = Policy::default();
        policy.tag.pattern = pattern.to_string();
        let _ = crate::evaluate(&facts, &policy, facts.captured_at);
    }

    #[test]
    fn history_documents_never_panic(doc in document()) {
        let mut doc = doc;
        if let Value::Object(map) = &mut doc {
            map.insert("version".into(), json!(1));
        }
        if let Ok(history) = History::from_json(&doc.to_string(), None) {
            for (since, until) in [
                (chrono::DateTime::<chrono::Utc>::MIN_UTC, chrono::DateTime::<chrono::Utc>::MAX_UTC),
                (history.captured_at, history.captured_at),
            ] {
                for basis in [LeadTimeBasis::FirstCommit, LeadTimeBasis::LastCommit] {
                    let _ = compute(&history, Period { since, until }, basis);
                    let _ = compute(&history.as_of(until), Period { since, until }, basis);
                }
            }
        }
    }
}
