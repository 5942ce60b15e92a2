//! The Actions toolkit: inputs, outputs, annotations, masking and the job summary, with the
//! exact semantics of `@actions/core` (the same names, checks, escaping and error messages,
//! tested with its own test cases). Only what shipgate uses is here; the next use ports the
//! rest of `@actions/core` it needs.
//!
//! Everything goes through a [`Toolkit`], built once per step:
//! - [`Toolkit::from_process`] in production (environment snapshot + standard output);
//!   [`Toolkit::new`]`(env, writer)` in tests, with an [`Env`] and a `Vec<u8>` as the log.
//! - Inputs: [`Toolkit::input`], [`Toolkit::boolean_input`], [`Toolkit::multiline_input`] with
//!   [`InputOptions`]. Errors carry core's messages (`Input required and not supplied: NAME`,
//!   the YAML 1.2 core-schema message).
//! - Outputs: [`Toolkit::set_output`] — a heredoc with a fresh `ghadelimiter_<uuid v4>` into
//!   `GITHUB_OUTPUT`, or the legacy workflow command when the variable is unset.
//! - Log: [`Toolkit::info`], [`Toolkit::notice`], [`Toolkit::error`] (with
//!   [`AnnotationProperties`]), [`Toolkit::annotate`] for a shipgate [`Annotation`],
//!   [`Toolkit::set_failed`].
//! - Secrets: [`Toolkit::mask`] writes `::add-mask::` and registers the secret;
//!   [`Toolkit::redact`] replaces registered secrets by `***`. Log messages, annotation titles
//!   and the summary are redacted automatically; outputs are not (they are data, and the runner
//!   guards them).
//! - Job summary: [`Toolkit::append_summary_markdown`] appends rendered Markdown as its own
//!   block to `GITHUB_STEP_SUMMARY` ([`SUMMARY_ENV_VAR`]).

mod command;
mod env;
mod error;
mod file_command;
mod inputs;
mod kit;
mod secrets;
mod summary;
mod value;

pub use command::AnnotationProperties;
pub use env::Env;
pub use error::ToolkitError;
pub use inputs::InputOptions;
pub use kit::Toolkit;
pub use summary::SUMMARY_ENV_VAR;

/// The level of an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
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
    fn annotations_fill_the_properties() {
        let a = Annotation {
            title: Some("t".into()),
            file: Some("f.yml".into()),
            line: Some(7),
            ..Annotation::new(Level::Warning, "m")
        };
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
