//! The library's error type: every variant carries what a user needs to fix the problem.
//!
//! Every error about an input document reads the same way: `invalid KIND in FILE: `key` (line L,
//! column C): what is wrong, and what was expected` — the config file (`key` dotted:
//! `soak.duration`), a facts file and a history file (`pull_request.number`, `reviews[0].state`).

use std::path::{Path, PathBuf};

/// Errors of shipgate-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A duration such as `24h` could not be parsed.
    #[error("invalid duration {input:?}: {reason}; {}", crate::duration::format())]
    Duration {
        /// The text that was given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A facts document could not be read.
    #[error("invalid facts{}: {message}", in_file(path))]
    Facts {
        /// The file, when the facts came from one.
        path: Option<PathBuf>,
        /// The field that was wrong, when known (dotted, e.g. `pull_request.number`).
        key: Option<String>,
        /// The 1-based line in the file, when known.
        line: Option<usize>,
        /// The 1-based column in the file, when known.
        column: Option<usize>,
        /// What is wrong, starting with where ([`located`]).
        message: String,
    },
    /// A deployment-history document could not be read.
    #[error("invalid history{}: {message}", in_file(path))]
    History {
        /// The file, when the history came from one.
        path: Option<PathBuf>,
        /// The field that was wrong, when known (dotted, e.g. `deployments[3].created_at`).
        key: Option<String>,
        /// The 1-based line in the file, when known.
        line: Option<usize>,
        /// The 1-based column in the file, when known.
        column: Option<usize>,
        /// What is wrong, starting with where ([`located`]).
        message: String,
    },
    /// A config file or override was invalid.
    #[error("invalid config{}: {message}", in_file(path))]
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

/// ` in FILE`, or nothing when the text came from no file.
fn in_file(path: &Option<PathBuf>) -> String {
    path.as_deref()
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default()
}

/// Where in a document, as every input error starts: `` `key` (line L, column C): ``,
/// `` `key`: ``, `line L, column C: `, or nothing.
pub fn located(key: Option<&str>, line: Option<usize>, column: Option<usize>) -> String {
    let at = match (line, column) {
        (Some(line), Some(column)) => Some(format!("line {line}, column {column}")),
        (Some(line), None) => Some(format!("line {line}")),
        _ => None,
    };
    match (key, at) {
        (Some(key), Some(at)) => format!("`{key}` ({at}): "),
        (Some(key), None) => format!("`{key}`: "),
        (None, Some(at)) => format!("{at}: "),
        (None, None) => String::new(),
    }
}

/// The kinds of JSON document shipgate reads, each with its own error variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// A facts file (`docs/facts-format.md`).
    Facts,
    /// A deployment-history file (`docs/report.md`).
    History,
}

impl Document {
    /// The document's name in messages: `facts`, `history`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Facts => "facts",
            Self::History => "history",
        }
    }

    /// An error about this document: `message` is prefixed with where it happened.
    pub fn error(
        self,
        path: Option<&Path>,
        key: Option<&str>,
        line: Option<usize>,
        column: Option<usize>,
        message: &str,
    ) -> Error {
        let path = path.map(Path::to_path_buf);
        let message = format!("{}{message}", located(key, line, column));
        let key = key.map(str::to_string);
        match self {
            Self::Facts => Error::Facts {
                path,
                key,
                line,
                column,
                message,
            },
            Self::History => Error::History {
                path,
                key,
                line,
                column,
                message,
            },
        }
    }
}

/// Result with shipgate-core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
