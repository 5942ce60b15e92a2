//! The approvals gate: enough eligible people approved the gated commit, and none objects.
//!
//! Rule, in plain words: for each reviewer (logins compared case-insensitively) only their
//! latest *opinionated* review counts — `APPROVED`, `CHANGES_REQUESTED` or `DISMISSED`; a later
//! `COMMENTED` or `PENDING` review never overrides it. Reviews at the same instant rank
//! approvals before dismissals before change requests, so a tie never turns into an approval.
//! A reviewer is **eligible** when they have write access or more, are not a bot, are not the
//! PR author and — unless `exclude-contributors` is off — did not author, commit or co-author
//! any commit of the PR (the accounts GitHub links to its commits; GitHub's `web-flow`, which
//! commits for the web UI, does not count). A second account named on a commit of the release
//! cannot approve it; who *pushed* a commit is not in its metadata, so a commit whose emails link
//! to no account (or to someone else's) hides its pusher — GitHub's "require approval of the
//! most recent reviewable push" closes that (`docs/security.md`). Then:
//!
//! 1. no pull request in the facts → error (approvals are given on a pull request); with
//!    contributors excluded, not every commit of the PR known → error (who may approve cannot be
//!    told);
//! 2. any eligible reviewer whose latest opinion is `CHANGES_REQUESTED` → fail, naming them;
//! 3. an eligible `APPROVED` counts only when given on the gated commit (unless the policy
//!    allows stale approvals); fewer counted approvals than required → pending ("1 of 2");
//! 4. path rules: a rule applies when any changed file matches any of its globs (`*` stays
//!    within one directory, `**` crosses them); it raises the required count when larger, and
//!    when it names reviewers, at least one counted approval must come from one of them
//!    (pending otherwise). An invalid glob is an error naming it.
//!
//! A required count of zero is treated as one: with the gate on, someone must approve.

use std::collections::BTreeMap;

use glob::{MatchOptions, Pattern};

use super::text::{count, name_list, phrase_list, short_sha};
use super::{Context, Gate, GateId, GateResult};
use crate::facts::{login_key, PullRequest, Review, ReviewState};
use crate::policy::Policy;

/// The approvals gate.
pub struct Approvals;

impl Gate for Approvals {
    fn id(&self) -> GateId {
        GateId::Approvals
    }
    fn enabled(&self, policy: &Policy) -> bool {
        policy.approvals.enabled
    }
    fn evaluate(&self, cx: &Context<'_>) -> GateResult {
        evaluate(cx)
    }
}

/// How path globs match: `*` never crosses `/`, `**` does; case matters, as in git.
const PATH_MATCHING: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// Rank of a review among those submitted at the same instant: the last one wins, so the
/// least permissive opinion is ranked highest.
fn tie_rank(state: ReviewState) -> u8 {
    match state {
        ReviewState::Approved => 0,
        ReviewState::Dismissed => 1,
        _ => 2,
    }
}

/// Each reviewer's latest opinionated review, keyed by lower-cased login (sorted, so reasons
/// list names in a stable order).
fn latest_opinions(reviews: &[Review]) -> BTreeMap<String, &Review> {
    let mut opinionated: Vec<&Review> = reviews
        .iter()
        .filter(|r| r.state.is_opinionated())
        .collect();
    opinionated.sort_by_key(|r| (r.submitted_at, tie_rank(r.state)));
    let mut latest = BTreeMap::new();
    for review in opinionated {
        latest.insert(review.reviewer.login.to_lowercase(), review);
    }
    latest
}

/// GitHub's account for commits made through its web UI; it stands for whoever clicked.
const WEB_FLOW: &str = "web-flow";

/// The accounts linked to the PR's commits, each with what it did (the first thing found),
/// keyed by login as compared.
fn contributors(pr: &PullRequest) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for commit in &pr.commits {
        let sha = short_sha(&commit.sha);
        let roles = commit
            .author
            .iter()
            .map(|a| (a, "authored"))
            .chain(commit.committer.iter().map(|c| (c, "committed")))
            .chain(commit.co_authors.iter().map(|c| (c, "co-authored")));
        for (login, role) in roles {
            let key = login_key(login);
            if key == WEB_FLOW {
                continue;
            }
            found.entry(key).or_insert_with(|| format!("{role} {sha}"));
        }
    }
    found
}

/// Logins of a path rule's reviewers, as compared: lower-cased, without a leading `@`.
fn normalise_login(login: &str) -> String {
    login.trim().trim_start_matches('@').to_lowercase()
}

/// Evaluates the approvals rule; see the module documentation.
fn evaluate(cx: &Context<'_>) -> GateResult {
    let id = GateId::Approvals;
    let policy = &cx.policy.approvals;
    let Some(pr) = cx.facts.pull_request.as_ref() else {
        return GateResult::error(
            id,
            "approvals are given on a pull request; the facts have none",
        )
        .with_unblock(
            "evaluate the pull request that promotes this commit into the production branch",
        );
    };
    // Every glob is checked up front, so a typo in the config is reported whatever the PR touches.
    let mut rules: Vec<Vec<(&str, Pattern)>> = Vec::new();
    for rule in &policy.path_rules {
        let mut patterns = Vec::new();
        for glob in &rule.paths {
            match Pattern::new(glob) {
                Ok(p) => patterns.push((glob.as_str(), p)),
                Err(e) => {
                    return GateResult::error(
                        id,
                        format!("invalid glob `{glob}` in an approvals path rule: {}", e.msg),
                    )
                    .with_unblock("fix the glob in the config's approvals path rules")
                }
            }
        }
        rules.push(patterns);
    }
    let author = pr.author.login.to_lowercase();
    let contributed = if policy.exclude_contributors {
        match pr.commit_count {
            Some(total) if (pr.commits.len() as u64) >= total => contributors(pr),
            known => {
                let reason = match known {
                    Some(total) => format!(
                        "only {} of the PR's {total} commits could be read, so who contributed to it (and may not approve it) is unknown",
                        pr.commits.len()
                    ),
                    None => "the PR's commits are not in the facts, so who contributed to it (and may not approve it) is unknown".to_string(),
                };
                return GateResult::error(id, reason).with_unblock(
                    "re-run the evaluation; for a PR with more commits than GitHub lists, squash it or set `approvals.exclude-contributors: false`",
                );
            }
        }
    } else {
        BTreeMap::new()
    };

    let mut objecting = Vec::new();
    let mut counted: Vec<&str> = Vec::new();
    let mut ignored = Vec::new();
    for (login, review) in latest_opinions(&cx.facts.reviews) {
        let name = review.reviewer.login.as_str();
        let why_not = if review.reviewer.is_bot() {
            Some("a bot".to_string())
        } else if login == author {
            Some("the author".to_string())
        } else if let Some(role) = contributed.get(&review.reviewer.key()) {
            Some(format!("{role} of this PR"))
        } else if !review.permission.can_write() {
            Some("no write access".to_string())
        } else {
            None
        };
        match (review.state, why_not) {
            (ReviewState::ChangesRequested, None) => objecting.push(name),
            (ReviewState::Approved, None)
                if policy.allow_stale || review.commit_sha == cx.facts.sha =>
            {
                counted.push(name)
            }
            (ReviewState::Approved, None) => ignored.push(format!("`{name}` (older commit)")),
            (ReviewState::Approved, Some(why)) => ignored.push(format!("`{name}` ({why})")),
            _ => {}
        }
    }

    if !objecting.is_empty() {
        return GateResult::fail(
            id,
            format!("changes requested by {}", name_list(&objecting)),
        )
        .with_unblock(
            "address the requested changes and ask for a new review (or have the review dismissed)",
        );
    }

    // Path rules that apply to this PR's changed files.
    let mut required = policy.required.max(1);
    let mut needs_one_of: Vec<(&str, &[String])> = Vec::new();
    for (rule, patterns) in policy.path_rules.iter().zip(&rules) {
        let Some((glob, _)) = patterns.iter().find(|(_, p)| {
            pr.changed_files
                .iter()
                .any(|f| p.matches_with(f, PATH_MATCHING))
        }) else {
            continue;
        };
        if let Some(n) = rule.required {
            required = required.max(n);
        }
        if !rule.reviewers.is_empty() {
            let named: Vec<String> = rule.reviewers.iter().map(|r| normalise_login(r)).collect();
            if !counted.iter().any(|c| named.contains(&c.to_lowercase())) {
                needs_one_of.push((glob, &rule.reviewers));
            }
        }
    }

    let have = counted.len();
    let need = required as usize;
    let mut short = Vec::new();
    let mut asks = Vec::new();
    if have < need {
        let mut text = format!("{have} of {need} approvals on {}", short_sha(&cx.facts.sha));
        if !ignored.is_empty() {
            text.push_str(&format!("; not counted: {}", phrase_list(&ignored)));
        }
        short.push(text);
        asks.push(format!(
            "{} more {} with write access (not the author) to approve this commit",
            need - have,
            if need - have == 1 {
                "reviewer"
            } else {
                "reviewers"
            }
        ));
    }
    for (glob, reviewers) in &needs_one_of {
        short.push(format!(
            "changes matching `{glob}` need an approval from one of {}",
            name_list(reviewers)
        ));
        asks.push(format!("one of {} to approve", name_list(reviewers)));
    }
    if !short.is_empty() {
        return GateResult::pending(id, short.join("; "))
            .with_unblock(format!("ask {}", asks.join(", and ")));
    }
    GateResult::pass(
        id,
        format!(
            "{} on {}: {}",
            count(have, "approval", "approvals"),
            short_sha(&cx.facts.sha),
            name_list(&counted)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::facts::Permission::{Admin, Maintain, Read, Triage, Write};
    use crate::facts::ReviewState::{Approved, ChangesRequested, Commented, Dismissed, Pending};
    use crate::gates::testing::{at_h, at_min, eval, FactsBuilder, OLD_SHA, SHA};
    use crate::gates::GateState;
    use crate::policy::PathRule;

    fn approvals(facts: &Facts) -> GateResult {
        eval(&Approvals, facts, &Policy::default(), at_h(48))
    }

    fn state(facts: &Facts) -> GateState {
        approvals(facts).state
    }

    #[test]
    fn approvals_two_eligible_on_the_gated_commit_pass() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(2))
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(r.reason, "2 approvals on 1111111: `bob`, `carol`");
        assert_eq!(r.unblock, None);
    }

    #[test]
    fn approvals_one_of_two_is_pending() {
        let facts = FactsBuilder::new().approved_by("bob", at_h(1)).build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "1 of 2 approvals on 1111111");
        assert_eq!(
            r.unblock.as_deref(),
            Some("ask 1 more reviewer with write access (not the author) to approve this commit")
        );
    }

    #[test]
    fn approvals_none_is_pending() {
        let r = approvals(&FactsBuilder::new().build());
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(r.reason, "0 of 2 approvals on 1111111");
    }

    #[test]
    fn approval_by_the_pr_author_is_not_counted() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("Alice", at_h(1)) // the author, with different case
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pending);
        assert!(r.reason.contains("`Alice` (the author)"), "{}", r.reason);

        let by_other_author = FactsBuilder::new()
            .author("Carol")
            .commits(&[(SHA, Some("carol"), Some("web-flow"), &[])])
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .approved_by("alice", at_h(1))
            .build();
        let r = approvals(&by_other_author);
        assert_eq!(r.state, GateState::Pass);
        assert_eq!(r.reason, "2 approvals on 1111111: `alice`, `bob`");
    }

    #[test]
    fn approval_by_a_bot_is_not_counted() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .bot_review("mergebot", Approved, at_h(1))
            .approved_by("renovate[bot]", at_h(1)) // bot by login suffix alone
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pending);
        assert!(r.reason.contains("`mergebot` (a bot)"), "{}", r.reason);
        assert!(r.reason.contains("`renovate[bot]` (a bot)"), "{}", r.reason);
    }

    #[test]
    fn approval_by_a_read_only_user_is_not_counted() {
        for weak in [Read, Triage, crate::facts::Permission::None] {
            let facts = FactsBuilder::new()
                .approved_by("bob", at_h(1))
                .review("dave", weak, Approved, at_h(1), SHA)
                .build();
            assert_eq!(state(&facts), GateState::Pending, "{weak:?}");
        }
        let facts = FactsBuilder::new()
            .review("bob", Maintain, Approved, at_h(1), SHA)
            .review("erin", Admin, Approved, at_h(1), SHA)
            .build();
        assert_eq!(state(&facts), GateState::Pass);
    }

    #[test]
    fn stale_approval_on_another_commit_is_not_counted() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .review("carol", Write, Approved, at_h(1), OLD_SHA)
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(
            r.reason,
            "1 of 2 approvals on 1111111; not counted: `carol` (older commit)"
        );
    }

    #[test]
    fn stale_approval_counts_when_the_setting_allows_it() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .review("carol", Write, Approved, at_h(1), OLD_SHA)
            .build();
        let mut policy = Policy::default();
        policy.approvals.allow_stale = true;
        assert_eq!(
            eval(&Approvals, &facts, &policy, at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn dismissed_approval_is_gone() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .review("carol", Write, Dismissed, at_h(2), SHA)
            .build();
        assert_eq!(state(&facts), GateState::Pending);
    }

    #[test]
    fn changes_requested_fails_naming_who() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .review("dave", Write, ChangesRequested, at_h(2), SHA)
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Fail);
        assert_eq!(r.reason, "changes requested by `dave`");
        assert!(r.unblock.is_some());
    }

    #[test]
    fn changes_requested_by_an_ineligible_reviewer_does_not_fail() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .review("dave", Read, ChangesRequested, at_h(2), SHA)
            .bot_review("lintbot", ChangesRequested, at_h(2))
            .build();
        assert_eq!(state(&facts), GateState::Pass);
    }

    #[test]
    fn changes_requested_then_approved_counts_as_approved() {
        let facts = FactsBuilder::new()
            .review("bob", Write, ChangesRequested, at_h(1), OLD_SHA)
            .approved_by("bob", at_h(3))
            .approved_by("carol", at_h(3))
            .build();
        assert_eq!(state(&facts), GateState::Pass);
    }

    #[test]
    fn changes_requested_then_dismissed_no_longer_fails() {
        let facts = FactsBuilder::new()
            .review("dave", Write, ChangesRequested, at_h(1), SHA)
            .review("dave", Write, Dismissed, at_h(2), SHA)
            .approved_by("bob", at_h(3))
            .approved_by("carol", at_h(3))
            .build();
        assert_eq!(state(&facts), GateState::Pass);
    }

    #[test]
    fn approved_then_commented_is_still_approved() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .review("carol", Write, Commented, at_h(2), SHA)
            .review("bob", Write, Pending, at_h(3), SHA)
            .build();
        assert_eq!(state(&facts), GateState::Pass);
    }

    #[test]
    fn approved_then_changes_requested_fails() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .review("carol", Write, ChangesRequested, at_h(2), SHA)
            .build();
        assert_eq!(state(&facts), GateState::Fail);
    }

    #[test]
    fn two_approvals_by_one_user_count_once() {
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(1))
            .approved_by("BOB", at_h(2))
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pending);
        assert!(r.reason.starts_with("1 of 2"), "{}", r.reason);
    }

    #[test]
    fn reviews_in_any_order_use_the_latest_by_time() {
        // Listed newest first, as some APIs return them.
        let facts = FactsBuilder::new()
            .approved_by("bob", at_h(3))
            .review("bob", Write, ChangesRequested, at_h(1), SHA)
            .approved_by("carol", at_h(1))
            .build();
        assert_eq!(state(&facts), GateState::Pass);
    }

    #[test]
    fn simultaneous_approval_and_change_request_is_a_change_request() {
        let facts = FactsBuilder::new()
            .review("bob", Write, ChangesRequested, at_min(60), SHA)
            .approved_by("bob", at_min(60))
            .approved_by("carol", at_h(1))
            .build();
        assert_eq!(state(&facts), GateState::Fail);
    }

    #[test]
    fn approvals_without_a_pull_request_are_an_error() {
        let r = approvals(&FactsBuilder::new().without_pull_request().build());
        assert_eq!(r.state, GateState::Error);
        assert_eq!(
            r.reason,
            "approvals are given on a pull request; the facts have none"
        );
    }

    #[test]
    fn approvals_required_zero_still_needs_one() {
        let mut policy = Policy::default();
        policy.approvals.required = 0;
        let r = eval(&Approvals, &FactsBuilder::new().build(), &policy, at_h(48));
        assert_eq!(r.state, GateState::Pending);
    }

    #[test]
    fn a_second_account_that_pushed_to_the_pr_cannot_approve_it() {
        // alice opened the PR; her second account `alice-2` pushed the last commit and approves.
        let facts = FactsBuilder::new()
            .commits(&[
                (OLD_SHA, Some("alice"), Some("web-flow"), &[]),
                (SHA, Some("alice-2"), Some("alice-2"), &[]),
            ])
            .approved_by("alice-2", at_h(1))
            .approved_by("bob", at_h(1))
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pending, "{r:?}");
        assert_eq!(
            r.reason,
            "1 of 2 approvals on 1111111; not counted: `alice-2` (authored 1111111 of this PR)"
        );
    }

    #[test]
    fn committers_and_co_authors_are_contributors_but_web_flow_is_not() {
        let facts = FactsBuilder::new()
            .commits(&[(SHA, Some("alice"), Some("carol"), &["dave"])])
            .approved_by("carol", at_h(1))
            .approved_by("dave", at_h(1))
            .approved_by("bob", at_h(1))
            .approved_by("erin", at_h(1))
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Pass, "{r:?}");
        assert_eq!(r.reason, "2 approvals on 1111111: `bob`, `erin`");
        let facts = FactsBuilder::new()
            .commits(&[(SHA, Some("alice"), Some("carol"), &["dave"])])
            .approved_by("carol", at_h(1))
            .approved_by("dave", at_h(1))
            .approved_by("bob", at_h(1))
            .build();
        let r = approvals(&facts);
        assert!(
            r.reason.contains("`carol` (committed 1111111 of this PR)"),
            "{}",
            r.reason
        );
        assert!(
            r.reason.contains("`dave` (co-authored 1111111 of this PR)"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn contributors_count_again_when_the_policy_says_so() {
        let mut policy = Policy::default();
        policy.approvals.exclude_contributors = false;
        let facts = FactsBuilder::new()
            .commits(&[(SHA, Some("alice-2"), Some("web-flow"), &[])])
            .approved_by("alice-2", at_h(1))
            .approved_by("bob", at_h(1))
            .build();
        assert_eq!(
            eval(&Approvals, &facts, &policy, at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn unseen_commits_are_an_error_when_contributors_are_excluded() {
        let facts = FactsBuilder::new()
            .commit_count(Some(300))
            .approved_by("bob", at_h(1))
            .approved_by("erin", at_h(1))
            .build();
        let r = approvals(&facts);
        assert_eq!(r.state, GateState::Error, "{r:?}");
        assert!(
            r.reason.starts_with("only 1 of the PR's 300 commits"),
            "{}",
            r.reason
        );
        let unknown = FactsBuilder::new().commit_count(None).build();
        assert_eq!(approvals(&unknown).state, GateState::Error);
        let mut policy = Policy::default();
        policy.approvals.exclude_contributors = false;
        assert_eq!(
            eval(&Approvals, &unknown, &policy, at_h(48)).state,
            GateState::Pending
        );
    }

    fn path_policy(paths: &[&str], required: Option<u32>, reviewers: &[&str]) -> Policy {
        let mut policy = Policy::default();
        policy.approvals.path_rules.push(PathRule {
            paths: paths.iter().map(|p| p.to_string()).collect(),
            required,
            reviewers: reviewers.iter().map(|r| r.to_string()).collect(),
        });
        policy
    }

    fn two_approvals(files: &[&str]) -> Facts {
        FactsBuilder::new()
            .changed_files(files)
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .build()
    }

    #[test]
    fn path_rule_raises_the_required_count() {
        let policy = path_policy(&["migrations/**"], Some(3), &[]);
        let facts = two_approvals(&["src/main.rs", "migrations/2026/001_add_invoices.sql"]);
        let r = eval(&Approvals, &facts, &policy, at_h(48));
        assert_eq!(r.state, GateState::Pending);
        assert!(r.reason.starts_with("2 of 3"), "{}", r.reason);
    }

    #[test]
    fn path_rule_never_lowers_the_required_count() {
        let policy = path_policy(&["docs/**"], Some(1), &[]);
        let facts = FactsBuilder::new()
            .changed_files(&["docs/intro.md"])
            .approved_by("bob", at_h(1))
            .build();
        assert_eq!(
            eval(&Approvals, &facts, &policy, at_h(48)).state,
            GateState::Pending
        );
    }

    #[test]
    fn path_rule_single_star_does_not_cross_directories() {
        let policy = path_policy(&["*.sql"], Some(3), &[]);
        let nested = two_approvals(&["db/schema.sql"]);
        assert_eq!(
            eval(&Approvals, &nested, &policy, at_h(48)).state,
            GateState::Pass
        );
        let top = two_approvals(&["schema.sql"]);
        assert_eq!(
            eval(&Approvals, &top, &policy, at_h(48)).state,
            GateState::Pending
        );
        let deep = path_policy(&["**/*.sql"], Some(3), &[]);
        assert_eq!(
            eval(&Approvals, &nested, &deep, at_h(48)).state,
            GateState::Pending
        );
    }

    #[test]
    fn path_rule_needs_one_of_the_named_reviewers() {
        let policy = path_policy(&["migrations/**"], None, &["@dba-lead", "cto"]);
        let facts = two_approvals(&["migrations/001.sql"]);
        let r = eval(&Approvals, &facts, &policy, at_h(48));
        assert_eq!(r.state, GateState::Pending);
        assert_eq!(
            r.reason,
            "changes matching `migrations/**` need an approval from one of `@dba-lead`, `cto`"
        );
        let with_dba = FactsBuilder::new()
            .changed_files(&["migrations/001.sql"])
            .approved_by("bob", at_h(1))
            .approved_by("DBA-Lead", at_h(1))
            .build();
        assert_eq!(
            eval(&Approvals, &with_dba, &policy, at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn path_rule_named_reviewer_must_be_a_counted_approval() {
        // The named reviewer approved an older commit: that approval does not count.
        let policy = path_policy(&["migrations/**"], None, &["dba-lead"]);
        let facts = FactsBuilder::new()
            .changed_files(&["migrations/001.sql"])
            .approved_by("bob", at_h(1))
            .approved_by("carol", at_h(1))
            .review("dba-lead", Write, Approved, at_h(1), OLD_SHA)
            .build();
        assert_eq!(
            eval(&Approvals, &facts, &policy, at_h(48)).state,
            GateState::Pending
        );
    }

    #[test]
    fn path_rule_that_matches_nothing_changes_nothing() {
        let policy = path_policy(&["migrations/**"], Some(5), &["dba-lead"]);
        let facts = two_approvals(&["src/lib.rs"]);
        assert_eq!(
            eval(&Approvals, &facts, &policy, at_h(48)).state,
            GateState::Pass
        );
    }

    #[test]
    fn path_rule_with_an_invalid_glob_is_an_error() {
        let policy = path_policy(&["migrations/[abc"], Some(3), &[]);
        let r = eval(&Approvals, &two_approvals(&["x"]), &policy, at_h(48));
        assert_eq!(r.state, GateState::Error);
        assert!(r.reason.contains("`migrations/[abc`"), "{}", r.reason);
    }
}
