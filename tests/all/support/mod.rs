//! Shared helpers of the integration tests.
//!
//! - [`tools`]: the pinned test tools (Prism, the GraphQL checker, the webhook examples,
//!   Prometheus…) — a test that needs one is `#[ignore]`d and panics when it is missing;
//! - [`fake`]: the in-process fake GitHub shared by the tests that need no tool, and the base
//!   state the scenarios start from;
//! - [`world`]: the fake behind Prism, with GitHub's webhook examples and the GraphQL schema
//!   check (the contract scenarios);
//! - [`run`]: running the built binary as a runner ([`run::Run`]) or a shell ([`run::Cli`])
//!   does, and what it left behind;
//! - [`service`]: a real local HTTP service (health endpoint, rollback webhook);
//! - [`pipeline`]: the Action's gate pipeline in process, as of a chosen moment.

pub mod fake;
pub mod pipeline;
pub mod run;
pub mod service;
pub mod tools;
pub mod world;

use std::path::PathBuf;

/// The built `shipgate` binary.
pub fn shipgate_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_shipgate"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// The keys of one top-level section of `action.yml` (`inputs` or `outputs`), in file order.
pub fn action_yml_keys(section: &str) -> Vec<String> {
    static ACTION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let action =
        ACTION.get_or_init(|| std::fs::read_to_string(repo_root().join("action.yml")).unwrap());
    let start = action
        .find(&format!("\n{section}:\n"))
        .unwrap_or_else(|| panic!("action.yml has no {section}: section"));
    action[start + section.len() + 3..]
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with(' ') || l.starts_with('#'))
        .filter_map(|l| {
            let key = l.strip_prefix("  ")?.strip_suffix(':')?;
            (!key.starts_with(' ') && !key.starts_with('#')).then(|| key.to_string())
        })
        .collect()
}

/// A file under `tests/fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(path)
}

/// Asserts that `actual` holds everything `expected` names: objects key by key (other keys
/// allowed), arrays and scalars exactly.
pub fn assert_includes(actual: &serde_json::Value, expected: &serde_json::Value) {
    fn includes(actual: &serde_json::Value, expected: &serde_json::Value) -> bool {
        match (actual, expected) {
            (serde_json::Value::Object(a), serde_json::Value::Object(e)) => e
                .iter()
                .all(|(k, v)| a.get(k).is_some_and(|found| includes(found, v))),
            _ => actual == expected,
        }
    }
    assert!(
        includes(actual, expected),
        "{actual:#}\ndoes not include\n{expected:#}"
    );
}
