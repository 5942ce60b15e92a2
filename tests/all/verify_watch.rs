//! Integration tests: verify_watch.
