//! The Actions toolkit: inputs, outputs, summary, annotations and masking, with the exact
//! semantics of `@actions/core` (the same names, checks, escaping and error messages, ported
//! with its own test cases).
//!
//! # API
//!
//! Everything goes through a [`Toolkit`], built once per step:
//! - [`Toolkit::from_process`] in production (environment snapshot + standard output);
//!   [`Toolkit::new`]`(env, writer)` in tests, with an [`Env`] built by [`Env::with`] and a
//!   `Vec<u8>` as the log; [`Toolkit::with_delimiter_ids`] fixes heredoc delimiters.
//! - Inputs: [`Toolkit::input`], [`Toolkit::boolean_input`], [`Toolkit::multiline_input`] with
//!   [`InputOptions`] (`default()`: optional and trimmed; `required()`; `.untrimmed()`);
//!   [`Toolkit::state`], [`Toolkit::is_debug`]. Errors carry core's messages
//!   (`Input required and not supplied: NAME`, the YAML 1.2 core-schema message).
//! - Outputs and files: [`Toolkit::set_output`], [`Toolkit::save_state`],
//!   [`Toolkit::export_variable`], [`Toolkit::add_path`] — heredocs with a fresh
//!   `ghadelimiter_<uuid v4>` into `GITHUB_OUTPUT`/`STATE`/`ENV`/`PATH`, or the legacy
//!   workflow command when the variable is unset. Values are anything [`CommandValue`]:
//!   strings as is, numbers/booleans/`serde_json::Value` as `JSON.stringify` writes them.
//! - Log: [`Toolkit::debug`], [`Toolkit::notice`], [`Toolkit::warning`], [`Toolkit::error`]
//!   (with [`AnnotationProperties`]), [`Toolkit::annotate`] for a shipgate [`Annotation`],
//!   [`Toolkit::info`], [`Toolkit::start_group`]/[`Toolkit::end_group`]/[`Toolkit::group`],
//!   [`Toolkit::set_failed`] (returns the message; then [`Toolkit::exit_code`] is 1),
//!   [`Toolkit::issue`] for any [`Command`].
//! - Secrets: [`Toolkit::mask`] writes `::add-mask::` and registers the secret;
//!   [`Toolkit::redact`] replaces registered secrets by `***` in any text shipgate prints or
//!   posts. Log messages, annotation titles and the summary are redacted automatically;
//!   outputs, state and variables are not (they are data, and the runner guards them).
//! - Job summary: build a [`Summary`] (`add_heading`, `add_table` of [`TableCell`]s,
//!   `add_list`, `add_code_block`, `add_details`, `add_quote`, `add_link`, `add_image`,
//!   `add_separator`, `add_break`, `add_raw`, `add_eol`, `append_markdown`) and write it with
//!   [`Toolkit::write_summary`]; or append rendered Markdown directly with
//!   [`Toolkit::append_summary_markdown`]. Untrusted text goes through [`html_escape`].
//!
//! Free functions mirror core for use without a toolkit: [`get_input`],
//! [`get_boolean_input`], [`get_multiline_input`], [`input_variable`], [`escape_data`],
//! [`escape_property`], [`prepare_key_value_message`], [`issue_file_command`].

// The Action entry point uses a part of this API; the rest is `@actions/core`'s surface, kept
// complete (and tested) so the next use needs no new code here.
#![allow(dead_code, unused_imports)]

mod command;
mod env;
mod error;
mod file_command;
mod inputs;
mod kit;
mod secrets;
mod summary;
mod value;

pub use command::{escape_data, escape_property, AnnotationProperties, Command, EOL};
pub use env::Env;
pub use error::{Result, ToolkitError};
pub use file_command::{delimiter, issue_file_command, prepare_key_value_message};
pub use inputs::{
    get_boolean_input, get_input, get_multiline_input, get_state, input_variable, js_trim,
    InputOptions,
};
pub use kit::{Toolkit, FAILURE_EXIT_CODE};
pub use secrets::{Secrets, REDACTED};
pub use summary::{html_escape, markdown_block, ImageOptions, Summary, TableCell, SUMMARY_ENV_VAR};
pub use value::{json_number, json_stringify, to_command_value, CommandValue};

/// The level of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `::debug::`
    Debug,
    /// `::notice::`
    Notice,
    /// `::warning::`
    Warning,
    /// `::error::`
    Error,
}

impl Level {
    /// The workflow-command name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// A message for the log, shown as an annotation in the Action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Its level.
    pub level: Level,
    /// The message (untrusted parts included; escaped when written as a workflow command).
    pub message: String,
    /// An optional title.
    pub title: Option<String>,
    /// An optional file.
    pub file: Option<String>,
    /// An optional line.
    pub line: Option<u32>,
}

impl Annotation {
    /// An annotation with just a level and a message.
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        Self {
            level,
            message: message.into(),
            title: None,
            file: None,
            line: None,
        }
    }

    /// This annotation with a title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// This annotation pointing at a file, and optionally a line in it.
    pub fn at(mut self, file: impl Into<String>, line: Option<u32>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self
    }

    /// Its location as the properties of an annotation command (`line` is the start line).
    pub fn properties(&self) -> AnnotationProperties {
        AnnotationProperties {
            title: self.title.clone(),
            file: self.file.clone(),
            start_line: self.line,
            ..AnnotationProperties::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_builders_fill_the_properties() {
        let a = Annotation::new(Level::Warning, "m")
            .with_title("t")
            .at("f.yml", Some(7));
        assert_eq!(
            a.properties(),
            AnnotationProperties {
                title: Some("t".into()),
                file: Some("f.yml".into()),
                start_line: Some(7),
                ..AnnotationProperties::default()
            }
        );
        assert!(Annotation::new(Level::Notice, "m").properties().is_empty());
    }
}
