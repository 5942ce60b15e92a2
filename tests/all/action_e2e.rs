//! Integration tests: action_e2e.
