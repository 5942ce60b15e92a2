//! The pinned test tools (Prism, GitHub's OpenAPI description and GraphQL schema, the webhook
//! examples, Prometheus and promtool): `scripts/test.sh` installs them and exports their paths.
//!
//! A test that needs one is marked
//! `#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]`, so that a plain
//! `cargo test` lists it as ignored instead of passing it without doing anything;
//! `scripts/test.sh` runs the suite with `--include-ignored`, and there a missing tool makes the
//! test panic with a message that names it.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};
use shipgate_fake::GraphqlExchange;

/// The path of a pinned tool from its variable; panics, naming the variable, when it is unset
/// or points at nothing.
pub fn tool(var: &str) -> PathBuf {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(path) if PathBuf::from(&path).exists() => PathBuf::from(path),
        Some(path) => panic!(
            "{var}={} does not exist. This test needs the pinned test tools: run it with \
             `bash scripts/test.sh`, or load them first with \
             `eval \"$(bash scripts/test.sh --print-env)\"`",
            PathBuf::from(path).display()
        ),
        None => panic!(
            "{var} is not set. This test needs the pinned test tools: run it with \
             `bash scripts/test.sh`, or load them first with \
             `eval \"$(bash scripts/test.sh --print-env)\"`"
        ),
    }
}

/// A tool from its variable, else from `PATH` (Debian's `prometheus` and `promtool`); panics
/// when neither has it.
pub fn tool_or_path(var: &str, name: &str) -> PathBuf {
    if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
        return tool(var);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} is not on PATH and {var} is not set. This test needs the pinned test \
                 tools: run it with `bash scripts/test.sh` (Debian package `prometheus`)"
            )
        })
}

/// Checks GraphQL exchanges of the fake against GitHub's schema with one
/// `node $SHIPGATE_GRAPHQL_CHECK manifest` run: each document actually sent (cut to its
/// operation and the fragments it uses), its variables and the fake's answer. `what` names them
/// in the failure message.
pub fn check_graphql(what: &str, exchanges: &[GraphqlExchange]) {
    let checker = tool("SHIPGATE_GRAPHQL_CHECK");
    tool("SHIPGATE_GRAPHQL_SCHEMA");
    assert!(!exchanges.is_empty(), "no GraphQL exchange about {what}");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut manifest = Vec::new();
    for (i, exchange) in exchanges.iter().enumerate() {
        let document =
            shipgate_fake::graphql::single_operation(&exchange.document, &exchange.operation);
        let names = [
            format!("{i}-{}.graphql", exchange.operation),
            format!("{i}-answer.json"),
            format!("{i}-variables.json"),
        ];
        std::fs::write(dir.path().join(&names[0]), document).expect("document");
        std::fs::write(dir.path().join(&names[1]), exchange.answer.to_string()).expect("answer");
        std::fs::write(dir.path().join(&names[2]), exchange.variables.to_string())
            .expect("variables");
        manifest.push(json!({ "document": names[0], "answer": names[1], "variables": names[2] }));
    }
    let path = dir.path().join("manifest.json");
    std::fs::write(&path, Value::Array(manifest).to_string()).expect("manifest");
    let out = Command::new("node")
        .arg(&checker)
        .arg("manifest")
        .arg(&path)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "the fake's GraphQL answers about {what} break GitHub's schema ({} exchanges):\n{}\n{}",
        exchanges.len(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The attribute of every test that needs a pinned tool.
const IGNORE_ATTRIBUTE: &str =
    "#[ignore = \"needs the pinned test tools: run bash scripts/test.sh\"]";

/// Guards the convention: a test that reaches a tool (`world()`, `prometheus()`, `tool(…)`, the
/// GraphQL schema check) is marked with [`IGNORE_ATTRIBUTE`], and a test marked so does reach
/// one — so none passes silently without its tool, and none is skipped for nothing.
#[test]
fn every_test_that_needs_a_tool_is_ignored_and_no_other() {
    let needs_tool = |body: &str| {
        [
            "world()",
            "prometheus()",
            "tool(\"",
            "tools::check_graphql(",
        ]
        .iter()
        .any(|call| body.contains(call))
    };
    let mut wrong = Vec::new();
    let mut checked = 0;
    let dir = super::repo_root().join("tests/all");
    let mut files = vec![dir.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .expect("read dir")
                    .map(|e| e.unwrap().path()),
            );
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("support/tools.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read test source");
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let trimmed = lines[i].trim_start();
            if !(trimmed == "#[test]" || trimmed.starts_with("#[tokio::test")) {
                i += 1;
                continue;
            }
            // The attributes up to the `fn` line, then the body up to the `}` that closes it
            // (at the `fn` line's indentation).
            let mut attributes = String::new();
            while i < lines.len() && !lines[i].trim_start().contains("fn ") {
                attributes.push_str(lines[i]);
                attributes.push('\n');
                i += 1;
            }
            let Some(signature) = lines.get(i) else {
                break;
            };
            let indent = &signature[..signature.len() - signature.trim_start().len()];
            let name = signature
                .split("fn ")
                .nth(1)
                .and_then(|rest| rest.split('(').next())
                .unwrap_or_default()
                .to_string();
            let mut body = String::new();
            while i < lines.len() {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
                if lines[i - 1] == format!("{indent}}}") {
                    break;
                }
            }
            checked += 1;
            let ignored = attributes.contains(IGNORE_ATTRIBUTE);
            if ignored != needs_tool(&body) {
                wrong.push(format!(
                    "{}: {name} ({})",
                    path.display(),
                    if ignored {
                        "ignored but reaches no tool"
                    } else {
                        "reaches a tool but is not ignored"
                    }
                ));
            }
        }
    }
    assert!(checked > 100, "only {checked} tests found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
