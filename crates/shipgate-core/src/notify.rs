//! Team notifications: which events notify, and their text (user documentation:
//! `docs/record.md` and `docs/watch.md`).
//!
//! A notification is one Slack-compatible JSON body, `{"text": "…"}`, which Slack, Mattermost,
//! Rocket.Chat and Discord's Slack-compatible endpoint accept. Its text is plain text assembled
//! from untrusted strings (versions, refs, logins, rule reasons), each passed through [`chat`]
//! so that none of them can add a link, a mention or a line of its own.
//!
//! - `record`: `in_progress` notifies "started"; `success`, `failure` and `error` notify the
//!   outcome (with the duration when known); the other states notify nothing.
//! - `watch`: a rollback decided, and the end of the recovery timing.

use serde_json::json;

use crate::escape::{plain, ZERO_WIDTH_SPACE};
use crate::kpi::metrics::seconds;
use crate::kpi::AuditRecord;

/// Untrusted text made inert for a chat message: control characters and line breaks become
/// spaces ([`plain`]); `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, as Slack documents
/// for message text — so `<https://evil|click>`, `<!channel>` and `<@U123>` show as typed;
/// and `@` gets a zero-width space after it, so `@channel`, `@here`, `@everyone`, `@all` or
/// `@alice` notify no one in the chats that link plain mentions (Mattermost, Rocket.Chat,
/// Discord).
pub fn chat(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => {
                out.push('@');
                out.push(ZERO_WIDTH_SPACE);
            }
            other => out.push(other),
        }
    }
    out
}

/// The JSON body of a notification.
pub fn body(text: &str) -> serde_json::Value {
    json!({ "text": text })
}

/// The message for a recorded deployment, or `None` when its state notifies nothing (`queued`,
/// `pending`, `inactive`).
pub fn deployment(record: &AuditRecord) -> Option<String> {
    let what = if record.rollback {
        "Rollback"
    } else {
        "Deploy"
    };
    let (mark, verb) = match record.state.as_str() {
        "in_progress" => (if record.rollback { "⏪" } else { "🚀" }, "started"),
        "success" => ("✅", "succeeded"),
        "failure" => ("❌", "failed"),
        "error" => ("⚠️", "ended in error"),
        _ => return None,
    };
    let version = record
        .version
        .as_deref()
        .map(chat)
        .unwrap_or_else(|| format!("commit {}", short(&record.sha)));
    let target = if record.rollback {
        format!("{} back to {version}", chat(&record.environment))
    } else {
        format!("{version} to {}", chat(&record.environment))
    };
    let mut text = format!("{mark} {what} {verb}: {target}");
    if record.state != "in_progress" {
        if let Some(secs) = record.duration_seconds {
            let word = if record.state == "success" {
                "in"
            } else {
                "after"
            };
            text.push_str(&format!(" {word} {}", seconds(secs)));
        }
    }
    if let Some(actor) = &record.actor {
        text.push_str(&format!(" by {}", chat(actor)));
    }
    text.push_str(&format!(
        " ({}, commit {})",
        chat(&record.repository),
        short(&record.sha)
    ));
    if let Some(url) = &record.run_url {
        text.push_str(&format!(" {}", chat(url)));
    }
    Some(text)
}

/// What a rollback message is about.
#[derive(Debug, Clone, Default)]
pub struct Subject<'a> {
    /// `owner/name`.
    pub repository: Option<&'a str>,
    /// The environment watched.
    pub environment: &'a str,
    /// The deployed version.
    pub version: Option<&'a str>,
    /// The deployed commit.
    pub sha: Option<&'a str>,
    /// A link to the run.
    pub run_url: Option<&'a str>,
}

impl Subject<'_> {
    /// `v1.4.0 in production` (or the commit, when there is no version).
    fn deploy(&self) -> String {
        let what = match (self.version, self.sha) {
            (Some(v), _) => chat(v),
            (None, Some(sha)) => format!("commit {}", short(sha)),
            (None, None) => "the deploy".to_string(),
        };
        format!("{what} in {}", chat(self.environment))
    }

    /// ` (acme/shop, commit 0123abc) https://…/runs/1`
    fn context(&self) -> String {
        let mut parts = Vec::new();
        if let Some(repo) = self.repository {
            parts.push(chat(repo));
        }
        if let (Some(sha), Some(_)) = (self.sha, self.version) {
            parts.push(format!("commit {}", short(sha)));
        }
        let mut text = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        if let Some(url) = self.run_url {
            text.push_str(&format!(" {}", chat(url)));
        }
        text
    }
}

/// The message for a rollback decision: the rule that fired and why.
pub fn rollback_decided(subject: &Subject<'_>, trigger: &str, reason: &str) -> String {
    format!(
        "🚨 Rollback decided for {}: {} — {}{}",
        subject.deploy(),
        chat(trigger),
        chat(reason),
        subject.context()
    )
}

/// The message at the end of the recovery timing: healthy again after `recovered` seconds, or
/// still unhealthy when the bound (`bound_seconds`) passed.
pub fn rollback_finished(
    subject: &Subject<'_>,
    recovered: Option<u64>,
    bound_seconds: u64,
) -> String {
    let secs = |s: u64| seconds(i64::try_from(s).unwrap_or(i64::MAX));
    match recovered {
        Some(s) => format!(
            "✅ Rollback finished for {}: healthy again {} after the decision{}",
            subject.deploy(),
            secs(s),
            subject.context()
        ),
        None => format!(
            "❌ Rollback not confirmed for {}: still unhealthy {} after the decision{}",
            subject.deploy(),
            secs(bound_seconds),
            subject.context()
        ),
    }
}

fn short(sha: &str) -> String {
    chat(crate::short_sha(sha))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    const Z: char = ZERO_WIDTH_SPACE;

    fn record(state: &str) -> AuditRecord {
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        AuditRecord {
            recorded_at: at("2026-11-27T10:07:31Z"),
            repository: "tecnomundo/repair-management".into(),
            environment: "production".into(),
            sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821".into(),
            version: Some("v1.4.0".into()),
            actor: Some("ana".into()),
            state: state.into(),
            started_at: Some(at("2026-11-27T10:00:00Z")),
            finished_at: None,
            duration_seconds: None,
            rollback: false,
            deployment_id: None,
            run_id: Some(4242),
            run_url: Some(
                "https://github.com/tecnomundo/repair-management/actions/runs/4242".into(),
            ),
        }
    }

    #[test]
    fn chat_text_cannot_link_mention_or_break_lines() {
        assert_eq!(
            chat("<https://evil.example|click here> <!channel> <@U123>"),
            "&lt;https://evil.example|click here&gt; &lt;!channel&gt; &lt;@\u{200B}U123&gt;"
        );
        assert_eq!(
            chat("@here @channel a&b"),
            format!("@{Z}here @{Z}channel a&amp;b")
        );
        assert_eq!(chat("v1\n\u{1b}[31mred\r\nnext"), "v1 [31mred next");
        assert_eq!(chat("v1.4.0"), "v1.4.0");
        for hostile in ["<!everyone>", "x\n<b>", "&lt;"] {
            let out = chat(hostile);
            assert!(!out.contains(['<', '>', '\n']), "{out}");
        }
    }

    #[test]
    fn deployments_notify_start_and_outcome_only() {
        assert_eq!(
            deployment(&record("in_progress")).unwrap(),
            "🚀 Deploy started: v1.4.0 to production by ana (tecnomundo/repair-management, commit ec26c3e) https://github.com/tecnomundo/repair-management/actions/runs/4242"
        );
        let mut done = record("success");
        done.duration_seconds = Some(450);
        done.run_url = None;
        assert_eq!(
            deployment(&done).unwrap(),
            "✅ Deploy succeeded: v1.4.0 to production in 7 m 30 s by ana (tecnomundo/repair-management, commit ec26c3e)"
        );
        done.state = "failure".into();
        assert!(deployment(&done)
            .unwrap()
            .starts_with("❌ Deploy failed: v1.4.0 to production after 7 m 30 s by ana"));
        done.state = "error".into();
        assert!(deployment(&done)
            .unwrap()
            .starts_with("⚠️ Deploy ended in error: v1.4.0 to production after 7 m 30 s"));
        for quiet in ["queued", "pending", "inactive"] {
            assert_eq!(deployment(&record(quiet)), None, "{quiet}");
        }
        let mut rollback = record("in_progress");
        rollback.rollback = true;
        rollback.version = Some("v1.3.2".into());
        rollback.actor = None;
        rollback.run_url = None;
        assert_eq!(
            deployment(&rollback).unwrap(),
            "⏪ Rollback started: production back to v1.3.2 (tecnomundo/repair-management, commit ec26c3e)"
        );
        rollback.state = "success".into();
        rollback.version = None;
        assert_eq!(
            deployment(&rollback).unwrap(),
            "✅ Rollback succeeded: production back to commit ec26c3e (tecnomundo/repair-management, commit ec26c3e)"
        );
    }

    #[test]
    fn untrusted_fields_are_inert() {
        let mut hostile = record("success");
        hostile.version = Some("v1 <!channel>".into());
        hostile.actor = Some("@here\nFAKE: deploy approved".into());
        let text = deployment(&hostile).unwrap();
        assert!(!text.contains(['<', '>', '\n']), "{text}");
        assert!(
            text.contains(&format!("by @{Z}here FAKE: deploy approved")),
            "{text}"
        );
    }

    #[test]
    fn rollback_messages() {
        let subject = Subject {
            repository: Some("acme/shop"),
            environment: "production",
            version: Some("v1.4.0"),
            sha: Some("0123abcd"),
            run_url: None,
        };
        assert_eq!(
            rollback_decided(
                &subject,
                "error_rate > 5% for 5m",
                "error_rate above 5% for 5 consecutive samples: 7% at 2026-11-27T12:05:00Z"
            ),
            "🚨 Rollback decided for v1.4.0 in production: error_rate &gt; 5% for 5m — error_rate above 5% for 5 consecutive samples: 7% at 2026-11-27T12:05:00Z (acme/shop, commit 0123abc)"
        );
        assert_eq!(
            rollback_finished(&subject, Some(95), 600),
            "✅ Rollback finished for v1.4.0 in production: healthy again 1 m 35 s after the decision (acme/shop, commit 0123abc)"
        );
        assert_eq!(
            rollback_finished(&Subject { environment: "production", ..Subject::default() }, None, 600),
            "❌ Rollback not confirmed for the deploy in production: still unhealthy 10 m after the decision"
        );
        assert_eq!(body("hi"), serde_json::json!({"text": "hi"}));
    }
}
