//! Reading the files the commands are given — the config (`--config`), a facts file (`--facts`),
//! a history file (`--history`), the runner's event payload — in one place: read the file, check
//! that it is UTF-8 text, and say which file and where when it is not. The libraries only parse
//! text; they never touch the file system.

use std::fmt;
use std::path::Path;

use shipgate_core::kpi::History;
use shipgate_core::{config, Error, Facts, Policy};

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read (missing, a directory, no permission).
    Io(std::io::Error),
    /// The file is not UTF-8 text.
    NotUtf8 {
        /// The byte offset of the first invalid byte.
        offset: usize,
        /// The 1-based line it is on.
        line: usize,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => error.fmt(f),
            Self::NotUtf8 { offset, line } => write!(
                f,
                "not UTF-8 text (invalid byte at offset {offset}, line {line})"
            ),
        }
    }
}

/// Reads the file at `path` as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(ReadError::Io)?;
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let line = error.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ReadError::NotUtf8 { offset, line }
    })
}

/// Reads and parses a config file (`.github/shipgate.yml` format).
pub fn config(path: &Path) -> Result<Policy, Error> {
    let text = read_text(path).map_err(|error| {
        let (line, message) = match error {
            ReadError::Io(error) => (None, format!("cannot read the file: {error}")),
            ReadError::NotUtf8 { line, .. } => (
                Some(line),
                format!("line {line}: the file is not UTF-8 text"),
            ),
        };
        Error::Config {
            path: Some(path.to_path_buf()),
            key: None,
            line,
            message,
        }
    })?;
    config::parse(&text, Some(path))
}

/// Reads and parses a facts file (`docs/facts-format.md`).
pub fn facts(path: &Path) -> Result<Facts, Error> {
    Facts::from_json(&versioned_text(path, "facts")?, Some(path))
}

/// Reads and parses a history file (`docs/report.md`).
pub fn history(path: &Path) -> Result<History, Error> {
    History::from_json(&versioned_text(path, "history")?, Some(path))
}

/// The text of a `kind` file (facts, history), with the errors of those formats.
fn versioned_text(path: &Path, kind: &str) -> Result<String, Error> {
    read_text(path).map_err(|error| Error::Facts {
        path: Some(path.to_path_buf()),
        message: match error {
            ReadError::Io(error) => format!("cannot read the {kind} file: {error}"),
            ReadError::NotUtf8 { offset, .. } => {
                format!("{kind} file is not UTF-8 text (invalid byte at offset {offset})")
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn fixture(path: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(path)
    }

    #[test]
    fn text_is_read_and_bad_utf8_is_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        std::fs::write(&path, "é\n").unwrap();
        assert_eq!(read_text(&path).unwrap(), "é\n");
        std::fs::write(&path, b"ok\nstill ok\nbad \xF3 here\n").unwrap();
        let error = read_text(&path).unwrap_err();
        assert!(
            matches!(
                error,
                ReadError::NotUtf8 {
                    offset: 16,
                    line: 3
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "not UTF-8 text (invalid byte at offset 16, line 3)"
        );
        assert!(matches!(
            read_text(&dir.path().join("missing")),
            Err(ReadError::Io(_))
        ));
    }

    #[test]
    fn a_config_file_is_read_and_parsed() {
        let path = fixture("config/full.yml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(config(&path).unwrap(), config::parse(&text, None).unwrap());
    }

    #[test]
    fn a_non_utf8_config_names_the_file_and_line() {
        let path = fixture("config/non-utf8.yml");
        let error = config(&path).unwrap_err();
        let Error::Config {
            path: Some(ref named),
            line,
            ref message,
            ..
        } = error
        else {
            panic!("unexpected {error:?}");
        };
        assert_eq!(named, &path);
        assert_eq!(line, Some(3));
        assert_eq!(message, "line 3: the file is not UTF-8 text");
        // As docs/config.md shows it, for the file at its usual place.
        let shown = Error::Config {
            path: Some(".github/shipgate.yml".into()),
            key: None,
            line,
            message: message.clone(),
        }
        .to_string();
        let docs = include_str!("../../../docs/config.md");
        assert!(
            docs.contains(&format!("\n{shown}\n")),
            "docs/config.md does not show: {shown}"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let path = Path::new("/nonexistent/shipgate.yml");
        let error = config(path).unwrap_err().to_string();
        assert!(
            error
                .starts_with("invalid config in /nonexistent/shipgate.yml: cannot read the file: "),
            "{error}"
        );
        let error = facts(Path::new("/nonexistent/f.json"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("invalid facts in /nonexistent/f.json: cannot read the facts file: "),
            "{error}"
        );
        let error = history(Path::new("/nonexistent/h.json"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "invalid facts in /nonexistent/h.json: cannot read the history file: "
            ),
            "{error}"
        );
    }

    #[test]
    fn non_utf8_facts_name_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, b"{\"version\": 1, \"x\": \"\xF3\"}").unwrap();
        let error = facts(&path).unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "invalid facts in {}: facts file is not UTF-8 text (invalid byte at offset 21)",
                path.display()
            )
        );
    }
}
