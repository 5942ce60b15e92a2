//! Integration tests: cli_gate.
