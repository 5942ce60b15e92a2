//! Integration tests: record_report.
