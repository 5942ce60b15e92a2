//! Secrets registered with `::add-mask::`, and their redaction from any text shipgate prints or
//! posts itself (check runs, comments, reports, summaries), since only the runner's own log is
//! masked by GitHub.

use std::fmt;

/// What a redacted secret is replaced with (the runner shows the same).
pub const REDACTED: &str = "***";

/// The secrets registered so far; its `Debug` prints how many, never what.
#[derive(Clone, Default)]
pub struct Secrets {
    /// Every form to redact, longest first so a secret is never half-replaced by a shorter one
    /// that it contains.
    forms: Vec<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("forms", &self.forms.len())
            .finish()
    }
}

impl Secrets {
    /// No secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret: the value itself, its JSON-escaped form (how it appears inside a
    /// JSON report) and, for a multi-line value, each of its lines. Blank values and lines are
    /// ignored (masking every space would destroy the text, and hides nothing).
    pub fn register(&mut self, secret: &str) {
        let mut forms = vec![secret.to_owned()];
        if let Ok(quoted) = serde_json::to_string(secret) {
            forms.push(quoted[1..quoted.len() - 1].to_owned());
        }
        if secret.contains('\n') {
            forms.extend(
                secret
                    .split('\n')
                    .map(|line| line.trim_end_matches('\r').to_owned()),
            );
        }
        for form in forms {
            if !form.trim().is_empty() && !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms
            .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    }

    /// The text with every registered secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_occurrence() {
        let mut secrets = Secrets::new();
        secrets.register("ghp_abc123");
        assert_eq!(
            secrets.redact("token ghp_abc123 and ghp_abc123!"),
            "token *** and ***!"
        );
        assert_eq!(secrets.redact("nothing here"), "nothing here");
    }

    #[test]
    fn longer_secrets_win_over_contained_ones() {
        let mut secrets = Secrets::new();
        secrets.register("abc");
        secrets.register("xxabcxx");
        assert_eq!(secrets.redact("1 xxabcxx 2 abc"), "1 *** 2 ***");
    }

    #[test]
    fn json_escaped_and_line_forms_are_redacted() {
        let mut secrets = Secrets::new();
        secrets.register("pa\"ss\nword-line");
        assert_eq!(
            secrets.redact(r#"{"t":"pa\"ss\nword-line"}"#),
            r#"{"t":"***"}"#
        );
        assert_eq!(secrets.redact("log: word-line"), "log: ***");
    }

    #[test]
    fn blank_secrets_are_ignored() {
        let mut secrets = Secrets::new();
        secrets.register("");
        secrets.register("  ");
        assert!(secrets.forms.is_empty());
        assert_eq!(secrets.redact("a b"), "a b");
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let mut secrets = Secrets::new();
        secrets.register("hunter2");
        assert!(!format!("{secrets:?}").contains("hunter2"));
    }
}
