//! The Actions toolkit: inputs, outputs, summary, annotations and masking, with the exact
//! semantics of `@actions/core`.

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
}
