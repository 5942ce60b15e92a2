//! Integration tests: install.
