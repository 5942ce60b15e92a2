//! Integration tests of the shipgate binary and libraries.
