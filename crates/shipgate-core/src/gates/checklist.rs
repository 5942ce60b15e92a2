//! The checklist gate: every configured release-checklist item is ticked in the PR description.
//!
//! Rule, in plain words: the items are GitHub task-list lines of the PR body — a list marker
//! (`-`, `*`, `+`, or `1.`/`1)`), a space, `[x]`/`[X]` (ticked) or `[ ]` (not ticked), then the
//! text; leading indentation is allowed. A body line matches a configured item when their texts
//! are equal after trimming, ignoring case. Lines inside fenced code blocks and HTML comments
//! (`<!-- … -->`, common in PR templates) are not shown by GitHub as task items, so they do not
//! count. An item written more than once counts as ticked only if every occurrence is ticked.
//!
//! - no items configured → skipped;
//! - no pull request in the facts → error;
//! - some item missing from the body → fail (missing wins over unticked);
//! - some item present but not ticked → pending;
//! - every item present and ticked → pass.

use super::text::{count, name_list};
use super::{Context, Gate, GateId, GateResult};
use crate::policy::Policy;

/// The checklist gate.
pub struct Checklist;

impl Gate for Checklist {
    fn id(&self) -> GateId {
        GateId::Checklist
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.checklist.enabled
    }
    fn evaluate(&self, cx: &Context<'_>) -> GateResult {
        evaluate(cx)
    }
}

/// One task-list line of a Markdown text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskItem {
    /// Whether the box is ticked.
    pub ticked: bool,
    /// The text after the box, trimmed.
    pub text: String,
}

/// Parses one line as a task-list item.
fn task_item(line: &str) -> Option<TaskItem> {
    let line = line.trim_start();
    let after_marker = match line.strip_prefix(['-', '*', '+']) {
        Some(rest) => rest,
        None => {
            let digits = line.bytes().take_while(u8::is_ascii_digit).count();
            // CommonMark allows at most nine digits in an ordered list marker.
            if digits == 0 || digits > 9 {
                return None;
            }
            line[digits..].strip_prefix(['.', ')'])?
        }
    };
    if !after_marker.starts_with([' ', '\t']) {
        return None;
    }
    let boxed = after_marker.trim_start();
    let (ticked, rest) = if let Some(rest) = boxed.strip_prefix("[ ]") {
        (false, rest)
    } else if let Some(rest) = boxed
        .strip_prefix("[x]")
        .or_else(|| boxed.strip_prefix("[X]"))
    {
        (true, rest)
    } else {
        return None;
    };
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some(TaskItem {
        ticked,
        text: rest.trim().to_string(),
    })
}

/// An opening or closing code fence: three or more backticks or tildes.
fn fence(line: &str) -> Option<(char, usize)> {
    let line = line.trim_start();
    let first = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let run = line.chars().take_while(|c| *c == first).count();
    (run >= 3).then_some((first, run))
}

/// The task-list items GitHub shows for `body`, in order.
pub(crate) fn task_items(body: &str) -> Vec<TaskItem> {
    let mut items = Vec::new();
    let mut open_fence: Option<(char, usize)> = None;
    let mut in_comment = false;
    for raw in body.lines() {
        if in_comment {
            // Whatever follows the comment's end on the same line is not a list item start.
            in_comment = !raw.contains("-->");
            continue;
        }
        if let Some((mark, len)) = open_fence {
            if fence(raw).is_some_and(|(m, l)| m == mark && l >= len) {
                open_fence = None;
            }
            continue;
        }
        if let Some(opening) = fence(raw) {
            open_fence = Some(opening);
            continue;
        }
        // The line without its comments, in one pass.
        let mut line = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(start) = rest.find("<!--") {
            line.push_str(&rest[..start]);
            match rest[start + 4..].find("-->") {
                Some(end) => rest = &rest[start + 4 + end + 3..],
                None => {
                    rest = "";
                    in_comment = true;
                }
            }
        }
        line.push_str(rest);
        items.extend(task_item(&line));
    }
    items
}

/// Evaluates the checklist rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Checklist;
    // Linear in the items and the body's lines: one lower-cased key per text, hashed.
    let mut configured: Vec<&str> = Vec::new();
    let mut keys = std::collections::HashSet::new();
    for item in &cx.policy.checklist.items {
        let item = item.trim();
        if keys.insert(item.to_lowercase()) {
            configured.push(item);
        }
    }
    if configured.is_empty() {
        return GateResult::skipped(id, "no checklist items configured");
    }
    let Some(pr) = cx.facts.pull_request.as_ref() else {
        return GateResult::error(
            id,
            "the checklist lives in a pull request's description; the facts have none",
        )
        .with_unblock(
            "evaluate the pull request that promotes this commit into the production branch",
        );
    };

    // Each text of the body: whether every occurrence of it is ticked.
    let mut found: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    for task in task_items(&pr.body) {
        *found.entry(task.text.to_lowercase()).or_insert(true) &= task.ticked;
    }
    let mut missing = Vec::new();
    let mut unticked = Vec::new();
    for item in &configured {
        match found.get(&item.to_lowercase()) {
            None => missing.push(*item),
            Some(false) => unticked.push(*item),
            Some(true) => {}
        }
    }

    if !missing.is_empty() {
        let mut reason = format!("missing from the PR description: {}", name_list(&missing));
        if !unticked.is_empty() {
            reason.push_str(&format!("; not ticked: {}", name_list(&unticked)));
        }
        return GateResult::fail(id, reason).with_unblock(format!(
            "add a task line per missing item to the PR description, e.g. `- [ ] {}`, and tick it once done",
            missing[0]
        ));
    }
    if !unticked.is_empty() {
        return GateResult::pending(id, format!("not ticked: {}", name_list(&unticked)))
            .with_unblock("tick these items in the PR description once they are done");
    }
    GateResult::pass(
        id,
        format!(
            "{} ticked",
            count(configured.len(), "checklist item", "checklist items")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::gates::testing::{at_h, eval, FactsBuilder};
    use crate::gates::GateState;

    const ITEMS: [&str; 3] = [
        "Database backup taken",
        "Rollback plan ready",
        "Team notified",
    ];

    fn policy() -> Policy {
        let mut policy = Policy::default();
        policy.checklist.items = ITEMS.iter().map(|i| i.to_string()).collect();
        policy
    }

    fn checklist(body: &str) -> GateResult {
        let facts: Facts = FactsBuilder::new().body(body).build();
        eval(&Checklist, &facts, &policy(), at_h(48))
    }

    fn item(ticked: bool, text: &str) -> TaskItem {
        TaskItem {
            ticked,
            text: text.into(),
        }
    }

    #[test]
    fn checklist_all_ticked_passes() {
        let r = checklist(
            "## Release v1.4.0\n\n- [x] Database backup taken\n* [X] rollback plan ready  \n  + [x]   TEAM NOTIFIED\n",
        );
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(r.reason, "3 checklist items ticked");
    }

    #[test]
    fn checklist_item_unticked_is_pending() {
        let r = checklist(
            "- [x] Database backup taken\n- [ ] Rollback plan ready\n- [x] Team notified",
        );
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "not ticked: `Rollback plan ready`");
        assert!(r.unblock.is_some());
    }

    #[test]
    fn checklist_item_missing_fails() {
        let r = checklist("- [x] Database backup taken\n- [x] Team notified");
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "missing from the PR description: `Rollback plan ready`"
        );
        assert_eq!(
            r.unblock.as_deref(),
            Some("add a task line per missing item to the PR description, e.g. `- [ ] Rollback plan ready`, and tick it once done")
        );
    }

    #[test]
    fn checklist_missing_wins_over_unticked() {
        let r = checklist("- [ ] Database backup taken");
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "missing from the PR description: `Rollback plan ready`, `Team notified`; not ticked: `Database backup taken`"
        );
    }

    #[test]
    fn checklist_no_items_configured_is_skipped() {
        let facts = FactsBuilder::new().body("- [ ] whatever").build();
        let r = eval(&Checklist, &facts, &Policy::default(), at_h(48));
        assert_eq!(r.state, GateState::Skipped);
        assert_eq!(r.reason, "no checklist items configured");
    }

    #[test]
    fn checklist_without_a_pull_request_is_an_error() {
        let facts = FactsBuilder::new().without_pull_request().build();
        let r = eval(&Checklist, &facts, &policy(), at_h(48));
        assert_eq!(r.state, GateState::Error);
    }

    #[test]
    fn checklist_plain_text_mentions_do_not_count() {
        // Mentioned in prose, or without a list marker: not a task item.
        let r = checklist(
            "Database backup taken\n[x] Rollback plan ready\n-[x] Team notified\n- [x]Team notified",
        );
        assert_eq!(r.state, GateState::Fail);
        assert!(r.reason.contains("`Database backup taken`"), "{}", r.reason);
    }

    #[test]
    fn checklist_a_partial_text_match_is_not_a_match() {
        let r = checklist(
            "- [x] Database backup taken (partial)\n- [x] Rollback plan ready\n- [x] Team notified",
        );
        assert_eq!(r.state, GateState::Fail);
    }

    #[test]
    fn checklist_ticks_inside_code_blocks_and_comments_do_not_count() {
        let body = "<!--\n- [x] Database backup taken\n-->\n```markdown\n- [x] Rollback plan ready\n```\n- [x] Team notified <!-- done by bob -->\n";
        let r = checklist(body);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(
            r.reason,
            "missing from the PR description: `Database backup taken`, `Rollback plan ready`"
        );
    }

    #[test]
    fn checklist_item_repeated_must_be_ticked_everywhere() {
        let r = checklist(
            "- [x] Database backup taken\n- [x] Rollback plan ready\n- [x] Team notified\n\n- [ ] Team notified",
        );
        assert_eq!(r.state, GateState::Pending);
    }

    #[test]
    fn checklist_configured_items_are_trimmed_and_deduplicated() {
        let mut policy = Policy::default();
        policy.checklist.items = vec!["  Team notified ".into(), "team NOTIFIED".into()];
        let facts = FactsBuilder::new().body("- [x] Team notified").build();
        let r = eval(&Checklist, &facts, &policy, at_h(48));
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(r.reason, "1 checklist item ticked");
    }

    #[test]
    fn task_items_parses_github_task_list_lines() {
        let body = "- [x] a\r\n* [X] b\n+ [ ] c\n    - [x] nested\n1. [x] ordered\n2) [ ] other\n- [x]\n- [y] no\n- [] no\n-  [x]  spaced  \nplain";
        assert_eq!(
            task_items(body),
            vec![
                item(true, "a"),
                item(true, "b"),
                item(false, "c"),
                item(true, "nested"),
                item(true, "ordered"),
                item(false, "other"),
                item(true, ""),
                item(true, "spaced"),
            ]
        );
    }

    #[test]
    fn task_items_fences_close_only_with_the_same_mark() {
        let body = "````\n```\n- [x] inside\n````\n- [x] outside\n~~~\n- [x] tilde\n~~~";
        assert_eq!(task_items(body), vec![item(true, "outside")]);
    }
}
