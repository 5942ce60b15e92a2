//! Integration tests: one test binary for the whole product (links once, keeps CI fast).
//! Each module belongs to one capability.

mod support;

mod action_e2e;
mod cli_gate;
mod contract;
mod declared;
mod github;
mod install;
mod record_report;
mod verify_watch;
