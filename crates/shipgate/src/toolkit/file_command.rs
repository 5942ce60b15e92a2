//! File commands (shipgate uses `GITHUB_OUTPUT`): lines appended to the file the runner names,
//! as `@actions/core`'s `file-command.ts` appends them.
//!
//! Key/value commands use a heredoc, `name<<ghadelimiter_<uuid v4>` … `ghadelimiter_<uuid>`,
//! with a fresh random delimiter per write; a name or value that contains the delimiter is
//! refused, so a value can never close the heredoc early and smuggle in another output.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use uuid::Uuid;

use super::command::EOL;
use super::env::Env;
use super::error::{Result, ToolkitError};
use super::value::CommandValue;

/// Appends `message` and an end of line to the file named by `GITHUB_<command>`.
pub fn issue_file_command(env: &Env, command: &str, message: impl CommandValue) -> Result<()> {
    let variable = format!("GITHUB_{command}");
    let path = env.var(&variable);
    if path.is_empty() {
        return Err(ToolkitError::FileCommandVariableMissing {
            command: command.to_owned(),
        });
    }
    let path = PathBuf::from(path);
    if !path.exists() {
        return Err(ToolkitError::FileCommandFileMissing { path });
    }
    // No `create`: the runner creates the file; one that vanished is an error, not a new file.
    let mut file = match OpenOptions::new().append(true).open(&path) {
        Ok(file) => file,
        Err(source) => return Err(ToolkitError::FileCommandWrite { path, source }),
    };
    let text = format!("{}{EOL}", message.to_command_value());
    file.write_all(text.as_bytes())
        .map_err(|source| ToolkitError::FileCommandWrite { path, source })
}

/// The heredoc delimiter for a UUID: `ghadelimiter_<uuid>`.
pub fn delimiter(id: Uuid) -> String {
    format!("ghadelimiter_{}", id.hyphenated())
}

/// `name<<DELIM` EOL value EOL `DELIM` (`prepareKeyValueMessage`), with `DELIM` made from `id`
/// (a fresh v4 UUID in production, a fixed one in tests).
pub fn prepare_key_value_message(key: &str, value: impl CommandValue, id: Uuid) -> Result<String> {
    let delimiter = delimiter(id);
    let value = value.to_command_value();
    if key.contains(&delimiter) {
        return Err(ToolkitError::DelimiterInName { delimiter });
    }
    if value.contains(&delimiter) {
        return Err(ToolkitError::DelimiterInValue { delimiter });
    }
    Ok(format!("{key}<<{delimiter}{EOL}{value}{EOL}{delimiter}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";

    fn id() -> Uuid {
        Uuid::parse_str(UUID).unwrap()
    }

    #[test]
    fn key_value_message_is_a_heredoc() {
        let message = prepare_key_value_message("my out", "out val", id()).unwrap();
        assert_eq!(
            message,
            format!("my out<<ghadelimiter_{UUID}{EOL}out val{EOL}ghadelimiter_{UUID}")
        );
    }

    #[test]
    fn key_value_message_refuses_the_delimiter() {
        let bad = format!("good stuff ghadelimiter_{UUID} bad stuff");
        let err = prepare_key_value_message("my out", bad.as_str(), id()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unexpected input: value should not contain the delimiter \"ghadelimiter_{UUID}\""
            )
        );
        let err = prepare_key_value_message(&bad, "test", id()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Unexpected input: name should not contain the delimiter \"ghadelimiter_{UUID}\""
            )
        );
    }

    #[test]
    fn issue_file_command_needs_the_variable_and_the_file() {
        let err = issue_file_command(&Env::new(), "OUTPUT", "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to find environment variable for file command OUTPUT"
        );
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let env = Env::new().with("GITHUB_OUTPUT", missing.to_string_lossy());
        let err = issue_file_command(&env, "OUTPUT", "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("Missing file at path: {}", missing.display())
        );
        assert!(!missing.exists(), "a missing file is never created");
    }

    #[test]
    fn issue_file_command_appends_with_an_end_of_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("OUTPUT");
        std::fs::write(&path, "before\n").unwrap();
        let env = Env::new().with("GITHUB_OUTPUT", path.to_string_lossy());
        issue_file_command(&env, "OUTPUT", "line").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("before\nline{EOL}")
        );
    }

    proptest::proptest! {
        /// Whatever the value, the runner's heredoc reading gives back exactly that value.
        #[test]
        fn heredoc_reads_back_the_value(value in "[a-z<\n\r _-]{0,60}") {
            let id = Uuid::new_v4();
            let message = prepare_key_value_message("out", value.as_str(), id).unwrap();
            let d = delimiter(id);
            let head = format!("out<<{d}{EOL}");
            let tail = format!("{EOL}{d}");
            proptest::prop_assert!(message.starts_with(&head) && message.ends_with(&tail));
            let body = &message[head.len()..message.len() - tail.len()];
            proptest::prop_assert_eq!(body, value.as_str());
        }
    }

    #[test]
    fn delimiters_are_fresh_v4_uuids() {
        let a = delimiter(Uuid::new_v4());
        let b = delimiter(Uuid::new_v4());
        assert_ne!(a, b);
        assert_eq!(a.len(), "ghadelimiter_".len() + 36);
    }
}
