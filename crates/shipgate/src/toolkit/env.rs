//! A snapshot of the environment, so that reading inputs never touches the process environment
//! in tests and every read in one run sees the same values.

use std::collections::HashMap;

/// Environment variables, read once from the process or built by a test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// An empty environment (for building test environments).
    #[cfg(test)]
    pub fn new() -> Self {
        Self::default()
    }

    /// The process environment, read now. Values that are not UTF-8 are converted lossily, as
    /// Node.js does when it fills `process.env`.
    pub fn from_process() -> Self {
        std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect()
    }

    /// This environment with one more variable (for building test environments).
    #[cfg(test)]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Sets a variable (for building test environments).
    #[cfg(test)]
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// A variable's value, `None` when unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(value) = self.vars.get(name) {
            return Some(value);
        }
        // Windows environment names are case-insensitive, and Node's `process.env` is too.
        if cfg!(windows) {
            return self
                .vars
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str());
        }
        None
    }

    /// A variable's value, empty when unset: `@actions/core` reads `process.env[name] || ''`,
    /// so unset and empty mean the same thing everywhere in the toolkit.
    pub fn var(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_and_empty_read_as_empty() {
        let env = Env::new().with("EMPTY", "");
        assert_eq!(env.var("EMPTY"), "");
        assert_eq!(env.var("UNSET"), "");
        assert_eq!(env.get("UNSET"), None);
        assert_eq!(env.get("EMPTY"), Some(""));
    }

    #[test]
    fn collected_and_set_variables_are_read() {
        let mut env: Env = [("A", "1")].into_iter().collect();
        env.set("B", "2");
        assert_eq!(env.var("A"), "1");
        assert_eq!(env.var("B"), "2");
    }
}
