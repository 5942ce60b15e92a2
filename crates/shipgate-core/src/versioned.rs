//! Parsing the project's versioned JSON documents (facts, deployment history): the `version` is
//! checked first, so a newer format gets a clear message rather than a complaint about a field it
//! added. Every error names the file (when the text came from one), the dotted field
//! (`pull_request.number`, through `serde_path_to_error`), the line and column, and what was
//! expected in plain words ("expected a whole number, found the string "214""), in the same
//! shape as the config file's errors. Reading the files is the binary's job (`shipgate` reads
//! them and hands the text over).

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Document, Error};

/// Parses `text` as version `version` of `document`.
pub(crate) fn parse<T: DeserializeOwned>(
    text: &str,
    path: Option<&Path>,
    document: Document,
    version: u32,
) -> Result<T, Error> {
    // A byte order mark (editors on Windows write one) is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let kind = document.name();
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        document.error(
            path,
            None,
            Some(e.line()),
            Some(e.column()),
            &format!("not valid JSON: {}", without_position(&e)),
        )
    })?;
    let wrong_version = |found: &str| {
        document.error(
            path,
            Some("version"),
            None,
            None,
            &format!("this shipgate reads {kind} version {version}, found {found}"),
        )
    };
    match value.get("version") {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(version)) => {}
        Some(other) => return Err(wrong_version(&other.to_string())),
        None if value.is_object() => return Err(wrong_version("none (the field is missing)")),
        None => {
            return Err(document.error(
                path,
                None,
                None,
                None,
                &format!(
                    "expected a JSON object (the {kind} format), found {}",
                    json_kind(&value)
                ),
            ))
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let key = dotted(e.path());
        let inner = e.inner();
        document.error(
            path,
            key.as_deref(),
            Some(inner.line()),
            Some(inner.column()),
            &plain(&without_position(inner)),
        )
    })?;
    deserializer.end().map_err(|e| {
        document.error(
            path,
            None,
            Some(e.line()),
            Some(e.column()),
            &without_position(&e),
        )
    })?;
    Ok(parsed)
}

/// The dotted field of a path (`reviews[0].state`), or `None` at the root.
pub(crate) fn dotted(path: &serde_path_to_error::Path) -> Option<String> {
    let text = path.to_string();
    (text != "." && !text.is_empty()).then_some(text)
}

/// serde_json's message without its ` at line L column C` suffix (stated once, in front).
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    message
        .strip_suffix(&suffix)
        .map(str::to_string)
        .unwrap_or(message)
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// serde's type errors in the words of the file format: `invalid type: string "214", expected
/// u64` → `expected a whole number, found the string "214"`; `unknown variant` → `unknown
/// value`. Other messages (unknown and missing fields, the parsers' own) are kept.
pub(crate) fn plain(message: &str) -> String {
    if let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    {
        if let Some((found, expected)) = rest.rsplit_once(", expected ") {
            return format!(
                "expected {}, found {}",
                expected_words(expected),
                found_words(found)
            );
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("unknown value {rest}");
    }
    message.to_string()
}

fn expected_words(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" => "`true` or `false`".to_string(),
        "a sequence" => "a list".to_string(),
        "a map" => "an object".to_string(),
        other if other.starts_with("struct ") => "an object".to_string(),
        other => other.to_string(),
    }
}

fn found_words(found: &str) -> String {
    let quoted = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_string())
    };
    if found.starts_with("string ") {
        return format!("the {found}");
    }
    if let Some(n) = quoted("integer ").or_else(|| quoted("floating point ")) {
        return format!("the number {n}");
    }
    if let Some(b) = quoted("boolean ") {
        return format!("`{b}`");
    }
    match found {
        "unit value" | "null" => "null".to_string(),
        "sequence" => "a list".to_string(),
        "map" => "an object".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_words_become_the_formats_words() {
        for (serde, plain_text) in [
            (
                r#"invalid type: string "214", expected u64"#,
                r#"expected a whole number (0 or more), found the string "214""#,
            ),
            (
                "invalid value: integer `-1`, expected u64",
                "expected a whole number (0 or more), found the number -1",
            ),
            (
                "invalid type: integer `1`, expected a boolean",
                "expected `true` or `false`, found the number 1",
            ),
            (
                "invalid type: map, expected a sequence",
                "expected a list, found an object",
            ),
            (
                "invalid type: null, expected struct Actor",
                "expected an object, found null",
            ),
            (
                "unknown variant `approve`, expected one of `APPROVED`, `COMMENTED`",
                "unknown value `approve`, expected one of `APPROVED`, `COMMENTED`",
            ),
            ("missing field `sha`", "missing field `sha`"),
        ] {
            assert_eq!(plain(serde), plain_text);
        }
    }
}
