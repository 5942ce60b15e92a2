//! Rendering of verdicts as Markdown, plain text and JSON.
