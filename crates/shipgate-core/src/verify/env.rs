//! The environment's configuration checks of `verify`:
//!
//! - `expect-env`: lines `NAME=VALUE`; the variable must be set to exactly `VALUE` (no trimming
//!   of the actual value; `NAME=` expects the empty string, which an unset variable is not);
//! - `require-env`: names (one or more per line, separated by commas or spaces); the variable
//!   must be set and not blank.
//!
//! Values found are **never** shown: a check says `(set)`, `(unset)`, `(blank)`, `(matches)` or
//! `(set, differs)`. The expected value of `expect-env` is shown, except for a name that is also
//! in `require-env` (a required name's value is never printed, not even the expected one).

use serde::Serialize;

/// Which input a check comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvCheck {
    /// `expect-env`: an exact value.
    Expect,
    /// `require-env`: set and not blank.
    Require,
}

/// The parsed `expect-env` and `require-env`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvSpec {
    /// `NAME=VALUE` pairs, in the order given.
    pub expect: Vec<(String, String)>,
    /// Required names, in the order given.
    pub require: Vec<String>,
}

/// One variable's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvResult {
    /// The variable.
    pub name: String,
    /// The kind of check.
    pub check: EnvCheck,
    /// Whether it holds.
    pub ok: bool,
    /// The expected value (`expect-env`), or `None` when it may not be shown.
    pub expected: Option<String>,
    /// What was found, without the value: `(matches)`, `(set, differs)`, `(set)`, `(blank)`,
    /// `(unset)`.
    pub actual: &'static str,
}

/// Whether `name` is an environment variable name shipgate checks: a letter or `_`, then
/// letters, digits or `_`.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl EnvSpec {
    /// Parses the two inputs' lines; the error names the line (1-based) and what is wrong.
    pub fn parse(expect: &[String], require: &[String]) -> Result<Self, EnvSpecError> {
        let mut spec = Self::default();
        for (i, line) in expect.iter().enumerate() {
            let line_no = i + 1;
            let Some((name, value)) = line.split_once('=') else {
                return Err(EnvSpecError::Expect {
                    line: line_no,
                    reason: "expected `NAME=VALUE`, e.g. `ENVIRONMENT=production`".into(),
                });
            };
            let name = name.trim();
            if !valid_name(name) {
                return Err(EnvSpecError::Expect {
                    line: line_no,
                    reason: format!(
                        "{name:?} is not a variable name (letters, digits and `_`, not starting with a digit)"
                    ),
                });
            }
            if spec.expect.iter().any(|(n, _)| n == name) {
                return Err(EnvSpecError::Expect {
                    line: line_no,
                    reason: format!("`{name}` is given twice"),
                });
            }
            spec.expect
                .push((name.to_string(), value.trim().to_string()));
        }
        for (i, line) in require.iter().enumerate() {
            for name in line
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|n| !n.is_empty())
            {
                if !valid_name(name) {
                    return Err(EnvSpecError::Require {
                        line: i + 1,
                        reason: format!(
                            "{name:?} is not a variable name (letters, digits and `_`, not starting with a digit)"
                        ),
                    });
                }
                if !spec.require.iter().any(|n| n == name) {
                    spec.require.push(name.to_string());
                }
            }
        }
        Ok(spec)
    }

    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.expect.is_empty() && self.require.is_empty()
    }

    /// Checks every variable against `lookup` (the step's environment): `expect-env` first,
    /// then `require-env`, each in the order given.
    pub fn check<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> Vec<EnvResult> {
        let mut results = Vec::new();
        for (name, expected) in &self.expect {
            let found = lookup(name);
            let ok = found == Some(expected.as_str());
            results.push(EnvResult {
                name: name.clone(),
                check: EnvCheck::Expect,
                ok,
                expected: (!self.require.contains(name)).then(|| expected.clone()),
                actual: match found {
                    None => "(unset)",
                    Some(_) if ok => "(matches)",
                    Some(_) => "(set, differs)",
                },
            });
        }
        for name in &self.require {
            let found = lookup(name);
            let ok = found.is_some_and(|v| !v.trim().is_empty());
            results.push(EnvResult {
                name: name.clone(),
                check: EnvCheck::Require,
                ok,
                expected: None,
                actual: match found {
                    None => "(unset)",
                    Some(_) if ok => "(set)",
                    Some(_) => "(blank)",
                },
            });
        }
        results
    }
}

/// A line of `expect-env` or `require-env` that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvSpecError {
    /// In `expect-env`.
    #[error("line {line}: {reason}")]
    Expect {
        /// 1-based, among the non-blank lines.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// In `require-env`.
    #[error("line {line}: {reason}")]
    Require {
        /// 1-based, among the non-blank lines.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

impl EnvResult {
    /// The check in words, for a report line: never the value found, and the expected value
    /// only when it may be shown.
    pub fn describe(&self) -> String {
        match (self.check, &self.expected) {
            (EnvCheck::Expect, Some(expected)) => {
                format!("{} should be {expected:?}: {}", self.name, self.actual)
            }
            (EnvCheck::Expect, None) => format!(
                "{} should have the expected value (not shown: a required name): {}",
                self.name, self.actual
            ),
            (EnvCheck::Require, _) => format!("{} must be set: {}", self.name, self.actual),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn parses_pairs_and_names() {
        let spec = EnvSpec::parse(
            &lines(&[
                "ENVIRONMENT=production",
                "DEBUG = false",
                "URL=https://x/?a=b",
            ]),
            &lines(&["DATABASE_URL, FRONTEND_URL", "SECRET_KEY", "DATABASE_URL"]),
        )
        .unwrap();
        assert_eq!(
            spec.expect,
            [
                ("ENVIRONMENT".to_string(), "production".to_string()),
                ("DEBUG".into(), "false".into()),
                ("URL".into(), "https://x/?a=b".into()),
            ]
        );
        assert_eq!(spec.require, ["DATABASE_URL", "FRONTEND_URL", "SECRET_KEY"]);
        assert!(EnvSpec::parse(&[], &[]).unwrap().is_empty());
    }

    #[test]
    fn bad_lines_name_the_line() {
        let err = |expect: &[&str], require: &[&str]| {
            EnvSpec::parse(&lines(expect), &lines(require))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&["A=1", "DEBUG false"], &[]),
            "line 2: expected `NAME=VALUE`, e.g. `ENVIRONMENT=production`"
        );
        assert!(err(&["1A=1"], &[]).starts_with("line 1: \"1A\" is not a variable name"));
        assert!(err(&["=1"], &[]).starts_with("line 1: \"\" is not a variable name"));
        assert_eq!(err(&["A=1", "A=2"], &[]), "line 2: `A` is given twice");
        assert!(err(&[], &["OK", "NOT-OK"]).starts_with("line 2: \"NOT-OK\" is not"));
    }

    #[test]
    fn values_are_compared_exactly_and_never_shown() {
        let spec = EnvSpec::parse(
            &lines(&[
                "ENVIRONMENT=production",
                "DEBUG=false",
                "LOG_LEVEL=info",
                "EMPTY=",
                "DATABASE_URL=postgres://expected",
            ]),
            &lines(&["DATABASE_URL", "FRONTEND_URL", "BLANK", "MISSING"]),
        )
        .unwrap();
        let env: HashMap<&str, &str> = [
            ("ENVIRONMENT", "production"),
            ("DEBUG", "true"),
            ("LOG_LEVEL", "info "),
            ("DATABASE_URL", "postgres://user:hunter2@db/app"),
            ("FRONTEND_URL", "https://www.example.com"),
            ("BLANK", "  "),
        ]
        .into_iter()
        .collect();
        let results = spec.check(|name| env.get(name).copied());
        let summary: Vec<(&str, bool, Option<&str>, &str)> = results
            .iter()
            .map(|r| (r.name.as_str(), r.ok, r.expected.as_deref(), r.actual))
            .collect();
        assert_eq!(
            summary,
            [
                ("ENVIRONMENT", true, Some("production"), "(matches)"),
                ("DEBUG", false, Some("false"), "(set, differs)"),
                ("LOG_LEVEL", false, Some("info"), "(set, differs)"),
                ("EMPTY", false, Some(""), "(unset)"),
                ("DATABASE_URL", false, None, "(set, differs)"),
                ("DATABASE_URL", true, None, "(set)"),
                ("FRONTEND_URL", true, None, "(set)"),
                ("BLANK", false, None, "(blank)"),
                ("MISSING", false, None, "(unset)"),
            ]
        );
        let all = format!(
            "{}{}",
            serde_json::to_string(&results).unwrap(),
            results.iter().map(EnvResult::describe).collect::<String>()
        );
        for secret in ["hunter2", "postgres://", "www.example.com", "info "] {
            assert!(!all.contains(secret), "{secret} shows: {all}");
        }
        assert_eq!(
            results[1].describe(),
            "DEBUG should be \"false\": (set, differs)"
        );
        assert_eq!(results[7].describe(), "BLANK must be set: (blank)");
    }
}
