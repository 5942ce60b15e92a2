//! Small text helpers shared by the gates, so every reason reads the same way.

use chrono::TimeDelta;

use crate::duration::Duration;

/// How many names a reason lists before saying "and N more".
pub(crate) const LIST_LIMIT: usize = 3;

/// The first seven characters of a commit SHA, as git shows it.
pub fn short_sha(sha: &str) -> &str {
    match sha.char_indices().nth(7) {
        Some((end, _)) => &sha[..end],
        None => sha,
    }
}

/// A span of time as a [`Duration`]; negative spans count as zero.
pub(crate) fn span(delta: TimeDelta) -> Duration {
    Duration::from_secs(u64::try_from(delta.num_seconds()).unwrap_or(0))
}

/// A span in hours and minutes, the soak's natural units: `23 h 59 m`, `28 h`, `5 m`, `40 s`.
pub(crate) fn hours_minutes(span: Duration) -> String {
    let secs = span.as_secs();
    if secs < 60 {
        return format!("{secs} s");
    }
    let (hours, minutes) = (secs / 3_600, secs % 3_600 / 60);
    match (hours, minutes) {
        (0, m) => format!("{m} m"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} m"),
    }
}

/// Names in backticks, the first [`LIST_LIMIT`] of them, then "and N more".
pub(crate) fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names
        .iter()
        .take(LIST_LIMIT)
        .map(|n| format!("`{}`", n.as_ref()))
        .collect();
    truncated(&quoted, names.len())
}

/// Phrases as they are, the first [`LIST_LIMIT`] of them, then "and N more".
pub(crate) fn phrase_list(phrases: &[String]) -> String {
    truncated(&phrases[..phrases.len().min(LIST_LIMIT)], phrases.len())
}

fn truncated(shown: &[String], total: usize) -> String {
    let mut text = shown.join(", ");
    if total > shown.len() {
        text.push_str(&format!(" and {} more", total - shown.len()));
    }
    text
}

/// `1 approval`, `2 approvals`: a count with its noun in the right number.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_list_truncates_after_the_limit() {
        assert_eq!(name_list(&["a"]), "`a`");
        assert_eq!(name_list(&["a", "b", "c"]), "`a`, `b`, `c`");
        assert_eq!(
            name_list(&["a", "b", "c", "d", "e"]),
            "`a`, `b`, `c` and 2 more"
        );
        let phrases: Vec<String> = ["x (1)", "y", "z", "w"].map(String::from).to_vec();
        assert_eq!(phrase_list(&phrases), "x (1), y, z and 1 more");
    }

    #[test]
    fn hours_minutes_uses_hours_beyond_a_day() {
        assert_eq!(hours_minutes(Duration::from_secs(40)), "40 s");
        assert_eq!(hours_minutes(Duration::from_mins(5)), "5 m");
        assert_eq!(hours_minutes(Duration::from_hours(28)), "28 h");
        assert_eq!(
            hours_minutes(Duration::from_mins(23 * 60 + 59)),
            "23 h 59 m"
        );
        assert_eq!(hours_minutes(Duration::from_secs(86_459)), "24 h");
    }

    #[test]
    fn short_sha_keeps_seven_characters() {
        assert_eq!(short_sha("0123456789abcdef"), "0123456");
        assert_eq!(short_sha("abc"), "abc");
    }

    #[test]
    fn span_clamps_negative_to_zero() {
        assert_eq!(span(TimeDelta::seconds(-5)).as_secs(), 0);
        assert_eq!(span(TimeDelta::seconds(90)).as_secs(), 90);
    }
}
