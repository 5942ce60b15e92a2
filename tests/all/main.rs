//! Integration tests: one test binary for the whole product (links once, keeps CI fast).
//! Each module belongs to one capability; `support` holds what they share.
//!
//! Tests that need a pinned test tool (Prism, the GraphQL checker, the webhook examples,
//! Prometheus…) are `#[ignore]`d: a plain `cargo test` lists them as ignored, and
//! `bash scripts/test.sh` runs them with `--include-ignored` (see docs/testing.md).

mod support;

mod action;
mod alerts;
mod check_config;
mod cli_gate;
mod contract;
mod conventions;
mod declared;
mod docs_examples;
mod github;
mod install;
mod record_report;
mod verify_watch;
