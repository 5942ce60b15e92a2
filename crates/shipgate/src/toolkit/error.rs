//! The toolkit's errors, with the exact messages `@actions/core` gives for the same faults.

use std::io;
use std::path::PathBuf;

/// What can go wrong while talking to the Actions runner.
#[derive(Debug, thiserror::Error)]
pub enum ToolkitError {
    /// A required input is empty or unset.
    #[error("Input required and not supplied: {name}")]
    InputRequired {
        /// The input's name as the caller spelled it.
        name: String,
    },
    /// A boolean input holds something other than the six YAML 1.2 core-schema spellings.
    #[error(
        "Input does not meet YAML 1.2 \"Core Schema\" specification: {name}\n\
         Support boolean input list: `true | True | TRUE | false | False | FALSE`"
    )]
    InputNotBoolean {
        /// The input's name as the caller spelled it.
        name: String,
    },
    /// The name of an output contains the heredoc delimiter.
    #[error("Unexpected input: name should not contain the delimiter \"{delimiter}\"")]
    DelimiterInName {
        /// The delimiter that was drawn for this write.
        delimiter: String,
    },
    /// The value of an output contains the heredoc delimiter.
    #[error("Unexpected input: value should not contain the delimiter \"{delimiter}\"")]
    DelimiterInValue {
        /// The delimiter that was drawn for this write.
        delimiter: String,
    },
    /// `GITHUB_<COMMAND>` is not set although a file command was requested.
    #[error("Unable to find environment variable for file command {command}")]
    FileCommandVariableMissing {
        /// The file command (`OUTPUT`).
        command: String,
    },
    /// `GITHUB_<COMMAND>` names a file that does not exist.
    #[error("Missing file at path: {}", path.display())]
    FileCommandFileMissing {
        /// The path the variable names.
        path: PathBuf,
    },
    /// Appending to a file command's file failed.
    #[error("cannot append to the file command file {}: {source}", path.display())]
    FileCommandWrite {
        /// The path the variable names.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// `GITHUB_STEP_SUMMARY` is not set.
    #[error(
        "Unable to find environment variable for $GITHUB_STEP_SUMMARY. \
         Check if your runtime environment supports job summaries."
    )]
    SummaryVariableMissing,
    /// The step summary file is missing or not readable and writable.
    #[error(
        "Unable to access summary file: '{}'. Check if the file has correct read/write permissions.",
        path.display()
    )]
    SummaryNotAccessible {
        /// The path `GITHUB_STEP_SUMMARY` names.
        path: PathBuf,
    },
    /// Writing the step summary file failed after it was found accessible.
    #[error("cannot write the summary file {}: {source}", path.display())]
    SummaryWrite {
        /// The path `GITHUB_STEP_SUMMARY` names.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing a workflow command to the log (standard output) failed.
    #[error("cannot write the workflow command `{command}` to the log: {source}")]
    Log {
        /// The workflow command's name.
        command: String,
        /// The I/O error.
        source: io::Error,
    },
}

/// The toolkit's result type.
pub type Result<T, E = ToolkitError> = std::result::Result<T, E>;
