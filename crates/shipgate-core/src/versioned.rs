//! Parsing the project's versioned JSON documents (facts, deployment history): the `version` is
//! checked first, so a newer format gets a clear message rather than a complaint about a field it
//! added; every error names the file (when the text came from one), and the field, line and
//! column where serde knows them. Reading the files is the binary's job (`shipgate` reads them
//! and hands the text over).

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::Error;

fn error(path: Option<&Path>, message: String) -> Error {
    Error::Facts {
        path: path.map(Path::to_path_buf),
        message,
    }
}

/// Parses `text` as version `version` of the `kind` format (`facts`, `history`).
pub(crate) fn parse<T: DeserializeOwned>(
    text: &str,
    path: Option<&Path>,
    kind: &str,
    version: u32,
) -> Result<T, Error> {
    // A byte order mark (editors on Windows write one) is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        error(
            path,
            format!(
                "{kind} is not valid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    match value.get("version") {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(version)) => {}
        Some(other) => {
            return Err(error(
                path,
                format!(
                    "unsupported {kind} version {other}; this shipgate reads version {version}"
                ),
            ))
        }
        None => {
            return Err(error(
                path,
                format!("missing field `version` in the {kind} (expected {version})"),
            ))
        }
    }
    serde_json::from_str(text).map_err(|e| error(path, format!("{e}")))
}
