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
    /// The file is larger than shipgate reads.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
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
            Self::TooLarge { limit } => write!(
                f,
                "larger than {} MiB, more than shipgate reads",
                limit / (1024 * 1024)
            ),
            Self::NotUtf8 { offset, line } => write!(
                f,
                "not UTF-8 text (invalid byte at offset {offset}, line {line})"
            ),
        }
    }
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether `path` names standard input (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How `path` is named in messages: `-` is "standard input".
pub fn shown(path: &Path) -> &Path {
    if is_stdin(path) {
        Path::new("standard input")
    } else {
        path
    }
}

/// The largest facts, history or event file shipgate reads.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the file at `path` as UTF-8 text, at most [`MAX_FILE_BYTES`] of it (a larger file is
/// refused, never read whole into memory).
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    read_limited(path, MAX_FILE_BYTES)
}

/// Reads the file at `path` as UTF-8 text, refusing it when larger than `limit` bytes. The path
/// `-` is standard input. A UTF-8 byte order mark at the start is dropped (editors on Windows
/// write one).
pub fn read_limited(path: &Path, limit: u64) -> Result<String, ReadError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if is_stdin(path) {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(ReadError::Io)?;
    } else {
        let file = std::fs::File::open(path).map_err(ReadError::Io)?;
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(ReadError::Io)?;
    }
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
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
    let text = read_limited(path, config::MAX_BYTES as u64).map_err(|error| {
        let (line, message) = match error {
            ReadError::Io(error) => (None, format!("cannot read the file: {error}")),
            ReadError::TooLarge { .. } => (
                None,
                format!(
                    "the file is larger than {} KiB, more than shipgate reads for a config",
                    config::MAX_BYTES / 1024
                ),
            ),
            ReadError::NotUtf8 { line, .. } => (
                Some(line),
                format!("line {line}: the file is not UTF-8 text"),
            ),
        };
        Error::Config {
            path: Some(shown(path).to_path_buf()),
            key: None,
            line,
            message,
        }
    })?;
    config::parse(&text, Some(shown(path)))
}

/// Reads and parses a facts file (`docs/facts-format.md`).
pub fn facts(path: &Path) -> Result<Facts, Error> {
    Facts::from_json(&versioned_text(path, "facts")?, Some(shown(path)))
}

/// Reads and parses a history file (`docs/report.md`).
pub fn history(path: &Path) -> Result<History, Error> {
    History::from_json(&versioned_text(path, "history")?, Some(shown(path)))
}

/// The text of a `kind` file (facts, history), with the errors of those formats.
fn versioned_text(path: &Path, kind: &str) -> Result<String, Error> {
    read_text(path).map_err(|error| Error::Facts {
        path: Some(shown(path).to_path_buf()),
        message: match error {
            ReadError::Io(error) => format!("cannot read the {kind} file: {error}"),
            ReadError::TooLarge { limit } => format!(
                "the {kind} file is larger than {} MiB, more than shipgate reads",
                limit / (1024 * 1024)
            ),
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
    fn a_file_over_the_limit_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, "x".repeat(2048)).unwrap();
        assert!(matches!(
            read_limited(&path, 1024),
            Err(ReadError::TooLarge { limit: 1024 })
        ));
        assert_eq!(read_limited(&path, 2048).unwrap().len(), 2048);
        std::fs::write(&path, "a: 1\n".repeat(60_000)).unwrap();
        let err = config(&path).unwrap_err().to_string();
        assert!(err.contains("larger than 256 KiB"), "{err}");
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
