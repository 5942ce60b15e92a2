//! The library's error type: every variant carries what a user needs to fix the problem.

use std::path::PathBuf;

/// Errors of shipgate-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A duration such as `24h` could not be parsed.
    #[error("invalid duration {input:?}: {reason}")]
    Duration {
        /// The text that was given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A facts document could not be read.
    #[error("invalid facts{}: {message}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Facts {
        /// The file, when the facts came from one.
        path: Option<PathBuf>,
        /// What is wrong, naming the field (and line/column).
        message: String,
    },
    /// A config file or override was invalid.
    #[error("invalid config{}: {message}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    Config {
        /// The file, when the config came from one.
        path: Option<PathBuf>,
        /// The key that was wrong, when known (dotted, e.g. `soak.duration`).
        key: Option<String>,
        /// The 1-based line in the file, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

/// Result with shipgate-core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
