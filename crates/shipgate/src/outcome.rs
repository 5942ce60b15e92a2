//! What a command produced, kept apart from where it goes (a terminal or the Actions runner).

use crate::exit;
use crate::inputs::Values;

/// The result of running one command: decided first, delivered afterwards.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The process exit code (see [`crate::exit`]).
    pub exit: u8,
    /// What the CLI prints on standard output (already in the requested format).
    pub stdout: String,
    /// Step outputs for the Action, in order (`name`, `value`).
    pub outputs: Vec<(String, String)>,
    /// Markdown for the job summary, when the command has one.
    pub summary: Option<String>,
    /// Warnings and notices for the log (and annotations in the Action).
    pub annotations: Vec<crate::toolkit::Annotation>,
}

/// The output format of every command on the command line (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    /// Markdown, as in the job summary (and the PR comment for `gate`).
    Markdown,
    /// JSON: the command's `report` output.
    Json,
}

impl Format {
    /// The `--format` value (text when the command has none, as in the Action).
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let declared = crate::inputs::of(values.cmd(), crate::inputs::Surface::Cli)
            .any(|input| input.name == "format");
        if !declared || values.origin() == crate::inputs::Origin::Action {
            return Ok(Self::Text);
        }
        match values.text("format") {
            None | Some("text") => Ok(Self::Text),
            Some("markdown") => Ok(Self::Markdown),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(values.invalid(
                "format",
                &format!("{other:?} is not `text`, `markdown` or `json`"),
            )),
        }
    }
}

/// A command failure: a message for the user and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    /// The exit code: [`exit::USAGE`] for bad input, [`exit::ERROR`] otherwise.
    pub exit: u8,
    /// What went wrong and where, for the user.
    pub message: String,
}

impl Failure {
    /// Bad input (usage exit code).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: exit::USAGE,
            message: message.into(),
        }
    }
    /// The job could not be done (error exit code).
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            exit: exit::ERROR,
            message: message.into(),
        }
    }
}

impl From<shipgate_core::Error> for Failure {
    fn from(e: shipgate_core::Error) -> Self {
        Self::usage(e.to_string())
    }
}

/// Prints an outcome on the terminal and returns its exit code.
pub fn deliver_cli(result: Result<Outcome, Failure>) -> u8 {
    match result {
        Ok(outcome) => {
            for annotation in &outcome.annotations {
                eprintln!("{}: {}", annotation.level.name(), annotation.message);
            }
            print!("{}", outcome.stdout);
            outcome.exit
        }
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            failure.exit
        }
    }
}
