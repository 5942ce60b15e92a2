//! Hostile strings in titles, branch names, logins and check names: never unescaped in the
//! sticky comment, the job summary, workflow commands (stdout) or the outputs.

use serde_json::json;
use shipgate_fake::state::{Actor, Comment};

use crate::support::fake::*;
use crate::support::run::Ran;
use crate::support::world::{check_graphql, world};

const IMG: &str = "<img src=x onerror=alert(1)>";
const LINK: &str = "[x](javascript:alert(1))";
const MARKER: &str = "<!-- shipgate:sticky-comment -->";

/// A release PR with every hostile string where GitHub lets users put text.
fn hostile_repo(name: &str) -> shipgate_fake::Repo {
    let mut repo = ready_repo(name);
    let pr = &mut repo.pulls[0];
    pr.title = format!(
        "{IMG} {LINK} a|b %0A::error::injected\n::set-output name=verdict::pass {MARKER} @org/team"
    );
    pr.head_ref = format!("staging/{IMG}|%0A::error::injected");
    pr.author = Actor {
        login: "@org/team".into(),
        bot: false,
    };
    pr.reviews.push(review(IMG, "APPROVED", HEAD, 1));
    pr.reviews.push(review(
        "x\n::set-output name=verdict::pass",
        "CHANGES_REQUESTED",
        HEAD,
        1,
    ));
    let runs = &mut repo.commits[0].check_runs;
    for name in [
        "a|b",
        MARKER,
        "%0A::error::injected",
        "x\n::set-output name=verdict::pass",
        IMG,
        LINK,
    ] {
        runs.push(check(name, "completed", Some("failure")));
    }
    repo
}

/// Parses `text` as GitHub-flavoured Markdown and fails on anything live a hostile string could
/// have produced: raw HTML (other than shipgate's own marker, when `marker` allows it), links or
/// images to `javascript:`, `@org/team` mentions, lines that are workflow commands.
fn assert_markdown_is_inert(what: &str, text: &str, marker: bool) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut markers = 0;
    for event in Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                if marker && html.trim() == MARKER {
                    markers += 1;
                } else {
                    panic!("raw HTML {html:?} in the {what}:\n{text}");
                }
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                assert!(
                    !dest_url
                        .trim()
                        .to_ascii_lowercase()
                        .starts_with("javascript:"),
                    "a javascript: link in the {what}:\n{text}"
                );
            }
            Event::Text(t) => {
                assert!(
                    !t.contains("@org/team"),
                    "a live mention in the {what}: {t:?}"
                );
            }
            _ => {}
        }
    }
    assert!(markers <= 1, "a forged marker in the {what}:\n{text}");
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("::")),
        "a workflow command line in the {what}:\n{text}"
    );
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn hostile_strings_never_reach_the_comment_summary_log_or_outputs_unescaped() {
    let w = world();
    let repo = hostile_repo("hostile");
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "opened", 7);
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert_eq!(ran.verdict(), "fail", "{}", ran.describe());

    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert_eq!(state.comments.len(), 1);
    let comment = &state.comments[0].body;
    assert!(comment.starts_with(MARKER), "{comment}");
    assert_eq!(
        comment.matches(MARKER).count(),
        1,
        "a forged marker: {comment}"
    );
    assert_eq!(comment.matches("<!--").count(), 1, "{comment}");
    assert_markdown_is_inert("comment", comment, true);

    assert!(!ran.summary.is_empty());
    assert!(!ran.summary.contains("<!--"), "{}", ran.summary);
    assert_markdown_is_inert("summary", &ran.summary, false);

    let own = state.commits[0]
        .check_runs
        .iter()
        .find(|r| r.external_id.as_deref() == Some("shipgate"))
        .unwrap();
    // The title is plain text on GitHub: one line is all it must be.
    let title = own.title.as_deref().unwrap_or_default();
    assert!(
        !title.is_empty() && !title.contains(['\n', '\r']),
        "{title:?}"
    );
    for text in [&own.summary, &own.text].into_iter().flatten() {
        assert_markdown_is_inert("check run", text, false);
        assert!(!text.contains("<!--"), "{text}");
    }

    assert_no_injection(&ran);
    let mut keys: Vec<&str> = ran.outputs.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["ready-at", "report", "verdict", "version"],
        "{}",
        ran.output_file
    );
    // The report carries the title verbatim, as JSON.
    let report = ran.report();
    assert_eq!(
        report["pull_requests"][0]["subject"]["title"],
        json!(repo.pulls[0].title)
    );
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_marker_pasted_by_someone_else_is_never_edited() {
    let w = world();
    let mut repo = ready_repo("forged-marker");
    repo.comments.push(Comment {
        issue: 7,
        body: format!("{MARKER}\nLooks good to me, ship it"),
        author: "mallory".into(),
        created_at: hours_ago(3),
        updated_at: hours_ago(3),
        ..Comment::default()
    });
    w.fake.load(repo.clone());
    let event = w.pr_event(&repo, "pull_request", "synchronize", 7);
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.verdict(), "pass", "{}", ran.describe());
    assert!(
        ran.writes_to("PATCH", "/issues/comments/").is_empty(),
        "{}",
        ran.describe()
    );
    let state = w.fake.repo(&repo.full_name()).unwrap();
    assert_eq!(state.comments.len(), 2);
    assert_eq!(
        state.comments[0].body, repo.comments[0].body,
        "mallory's comment untouched"
    );
    assert_eq!(state.comments[1].author, "github-actions[bot]");
    check_graphql(w, &repo.full_name());
}

#[test]
#[ignore = "needs the pinned test tools: run bash scripts/test.sh"]
fn a_hostile_branch_name_in_the_event_stays_one_escaped_notice_line() {
    let w = world();
    let repo = ready_repo("hostile-event");
    w.fake.load(repo.clone());
    // A PR into another branch whose title tries to inject workflow commands: the notice that
    // names it must stay one escaped line.
    let mut event = w.pr_event(&repo, "pull_request", "opened", 7);
    event["pull_request"]["base"]["ref"] =
        json!("dev%0A::error::injected\n::set-output name=verdict::pass");
    let ran = w.action(&repo, "pull_request", &event).run();
    assert_eq!(ran.code, 0, "{}", ran.describe());
    assert!(ran.stdout.contains("::notice::"), "{}", ran.describe());
    assert_no_injection(&ran);
    assert!(ran.requests.is_empty());
}

/// Every string a workflow command line could be hijacked with must not appear unescaped.
fn assert_no_injection(ran: &Ran) {
    for line in ran.stdout.lines() {
        let trimmed = line.trim_start();
        if let Some(command) = trimmed.strip_prefix("::") {
            let name = command.split([' ', ':']).next().unwrap_or_default();
            assert!(
                matches!(
                    name,
                    "add-mask" | "error" | "warning" | "notice" | "debug" | "group" | "endgroup"
                ),
                "unexpected workflow command {line:?}\n{}",
                ran.describe()
            );
            // A command is only recognised at the start of a line; text after it is data.
            assert!(!command.contains('\r'), "a carriage return inside {line:?}");
        }
        assert!(
            !trimmed.starts_with("::set-output") && !trimmed.starts_with("::error::injected"),
            "injected workflow command on its own line: {line:?}\n{}",
            ran.describe()
        );
    }
}
