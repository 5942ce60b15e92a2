//! Writing a verdict over REST: shipgate's check run (or commit status) and the sticky comment.
//!
//! - Check run, per head SHA and check name: created once (`POST …/check-runs`, with
//!   `external_id: "shipgate"` so a workflow job with the same name is never mistaken for it),
//!   then updated (`PATCH …/check-runs/{id}`); not touched when status, conclusion, title,
//!   summary and text are unchanged. pass → completed/success; pending → in_progress;
//!   fail/error → completed/failure.
//! - When the token cannot write check runs (403, e.g. "Resource not accessible by integration"
//!   or a personal token), a commit status with the same meaning (`context` = check name,
//!   description ≤ 140 characters), also not re-posted when unchanged. Once a 403 is seen the
//!   [`Publisher`] stays on statuses for the rest of the run (no wasted calls per PR).
//! - Sticky comment: one per PR, found by [`STICKY_MARKER`], edited in place
//!   (`PATCH …/issues/comments/{id}`, sent as a real PATCH), created when absent, not edited
//!   when unchanged.
//! - The check and the comment of one PR are written in one parallel round.
//! - Creating POSTs go through [`Client::post_create`]: after a doubtful failure the object is
//!   looked up before a second attempt, so nothing is duplicated.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;
use serde_json::json;
use shipgate_core::facts::{CheckConclusion, CheckStatus, Repository, StatusState};
use shipgate_core::verdict::VerdictState;

use crate::client::Client;
use crate::error::Error;
use crate::facts::{
    Existing, ExistingCheckRun, ExistingComment, ExistingStatus, CHECK_EXTERNAL_ID, STICKY_MARKER,
};

/// GitHub's limit on a check run's summary and text (bytes).
pub const OUTPUT_LIMIT: usize = 65_535;
/// GitHub's limit on a commit status description (characters).
pub const STATUS_DESCRIPTION_LIMIT: usize = 140;

/// What to publish for one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The check's name (`shipgate`).
    pub check_name: String,
    /// The verdict.
    pub state: VerdictState,
    /// One line saying the verdict (check-run title, status description).
    pub title: String,
    /// Markdown: one row per gate.
    pub summary: String,
    /// More Markdown (e.g. what could not be read), when any.
    pub text: Option<String>,
    /// A link to the workflow run, when known.
    pub details_url: Option<String>,
    /// The sticky comment's body without the marker; `None` leaves comments alone.
    pub comment: Option<String>,
}

/// Where to publish.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The repository.
    pub repository: &'a Repository,
    /// The gated commit.
    pub sha: &'a str,
    /// The pull request, for the comment.
    pub pull_request: Option<u64>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing to write: the content was already there (or nothing was asked).
    Unchanged,
    /// Created.
    Created,
    /// Updated in place.
    Updated,
}

/// What publishing did for one candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The check run's fate (`None` when a commit status was used instead).
    pub check_run: Option<Action>,
    /// The commit status's fate (`None` when a check run was used).
    pub status: Option<Action>,
    /// The comment's fate.
    pub comment: Action,
}

impl Published {
    /// API calls made.
    pub fn calls(&self) -> usize {
        [self.check_run, self.status, Some(self.comment)]
            .iter()
            .filter(|a| matches!(a, Some(Action::Created | Action::Updated)))
            .count()
    }
}

/// Publishes verdicts with one client, remembering across PRs whether check runs can be
/// written.
#[derive(Debug)]
pub struct Publisher<'c> {
    client: &'c Client,
    statuses_only: AtomicBool,
}

/// A check run as GitHub returns it (only what is needed).
#[derive(Debug, Clone, Deserialize)]
struct CheckRunAnswer {
    id: u64,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize)]
struct CheckRunList {
    check_runs: Vec<CheckRunAnswer>,
}

#[derive(Debug, Clone, Deserialize)]
struct CommentAnswer {
    id: u64,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct StatusAnswer {
    #[serde(default)]
    context: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    description: Option<String>,
}

impl<'c> Publisher<'c> {
    /// A publisher; it tries check runs first.
    pub fn new(client: &'c Client) -> Self {
        Self {
            client,
            statuses_only: AtomicBool::new(false),
        }
    }

    /// Whether a 403 has switched this publisher to commit statuses.
    pub fn uses_statuses(&self) -> bool {
        self.statuses_only.load(Ordering::Relaxed)
    }

    /// Publishes the check (run or status) and the comment in one parallel round, updating
    /// `existing` to what is now published. Both writes are attempted; the first error is
    /// returned after both finished.
    pub async fn publish(
        &self,
        target: Target<'_>,
        publication: &Publication,
        existing: &mut Existing,
    ) -> Result<Published, Error> {
        let Existing {
            check_run,
            status,
            comment,
        } = existing;
        let check = self.publish_check(target, publication, check_run, status);
        let sticky = self.publish_comment(target, publication, comment);
        let (check, sticky) = futures::join!(check, sticky);
        let (check_run_action, status_action) = check?;
        Ok(Published {
            check_run: check_run_action,
            status: status_action,
            comment: sticky?,
        })
    }

    /// Before slow work: replaces an existing *success* with "in progress", so that a crash
    /// can never leave an old pass behind. Anything else is left as is (it cannot let a
    /// release through). Returns whether something was written.
    pub async fn mark_in_progress(
        &self,
        target: Target<'_>,
        check_name: &str,
        existing: &mut Existing,
    ) -> Result<bool, Error> {
        let passing_run = existing.check_run.as_ref().is_some_and(|c| {
            c.status == CheckStatus::Completed && c.conclusion == Some(CheckConclusion::Success)
        });
        let passing_status = existing
            .status
            .as_ref()
            .is_some_and(|s| s.state == StatusState::Success);
        if !passing_run && !passing_status {
            return Ok(false);
        }
        let publication = Publication {
            check_name: check_name.to_string(),
            state: VerdictState::Pending,
            title: "shipgate is re-evaluating this commit".into(),
            summary: "shipgate is reading more data from GitHub; the verdict follows.".into(),
            text: None,
            details_url: None,
            comment: None,
        };
        let Existing {
            check_run, status, ..
        } = existing;
        self.publish_check(target, &publication, check_run, status)
            .await?;
        Ok(true)
    }

    async fn publish_check(
        &self,
        target: Target<'_>,
        publication: &Publication,
        check_run: &mut Option<ExistingCheckRun>,
        status: &mut Option<ExistingStatus>,
    ) -> Result<(Option<Action>, Option<Action>), Error> {
        // A commit that carries shipgate's commit status and no check run was published through
        // the fallback before: keep to it rather than spend a refused request on every run.
        let fell_back_before = check_run.is_none() && status.is_some();
        if !self.uses_statuses() && !fell_back_before {
            match self.publish_check_run(target, publication, check_run).await {
                Ok(action) => return Ok((Some(action), None)),
                Err(Error::Status { status: 403, .. }) => {
                    // No `checks: write` (or a personal token): statuses from now on.
                    self.statuses_only.store(true, Ordering::Relaxed);
                }
                Err(other) => return Err(other),
            }
        }
        let action = self.publish_status(target, publication, status).await?;
        Ok((None, Some(action)))
    }

    async fn publish_check_run(
        &self,
        target: Target<'_>,
        publication: &Publication,
        existing: &mut Option<ExistingCheckRun>,
    ) -> Result<Action, Error> {
        let desired = desired_check_run(publication);
        if let Some(current) = existing.as_ref() {
            if same_check_run(current, &desired) {
                return Ok(Action::Unchanged);
            }
        }
        let repo = target.repository;
        let mut body = json!({
            "status": check_status_name(desired.status),
            "output": {
                "title": desired.title,
                "summary": desired.summary,
            },
        });
        if let Some(conclusion) = desired.conclusion {
            body["conclusion"] = json!(conclusion_name(conclusion));
        }
        if !desired.text.is_empty() {
            body["output"]["text"] = json!(desired.text);
        }
        if let Some(url) = &publication.details_url {
            body["details_url"] = json!(url);
        }
        if let Some(current) = existing.as_ref() {
            let path = format!(
                "/repos/{}/{}/check-runs/{}",
                repo.owner, repo.name, current.id
            );
            match self.client.patch::<_, CheckRunAnswer>(&path, &body).await {
                Ok(answer) => {
                    *existing = Some(ExistingCheckRun {
                        id: answer.id,
                        ..desired
                    });
                    return Ok(Action::Updated);
                }
                // A run GitHub will not update any more (422): start a fresh one below.
                Err(Error::Status { status: 422, .. }) => {}
                Err(other) => return Err(other),
            }
        }
        body["name"] = json!(publication.check_name);
        body["head_sha"] = json!(target.sha);
        body["external_id"] = json!(CHECK_EXTERNAL_ID);
        let path = format!("/repos/{}/{}/check-runs", repo.owner, repo.name);
        let lookup_path = format!(
            "/repos/{}/{}/commits/{}/check-runs?check_name={}&filter=latest&per_page=100",
            repo.owner,
            repo.name,
            target.sha,
            query_escape(&publication.check_name)
        );
        let client = self.client;
        let name = publication.check_name.clone();
        let answer: CheckRunAnswer = client
            .post_create(&path, &body, || {
                let lookup_path = lookup_path.clone();
                let name = name.clone();
                async move {
                    let list: CheckRunList = client.get(&lookup_path).await?;
                    Ok(list.check_runs.into_iter().find(|run| {
                        run.name == name && run.external_id.as_deref() == Some(CHECK_EXTERNAL_ID)
                    }))
                }
            })
            .await?;
        // A run found by the lookup exists only because the doubtful POST went through, so it
        // carries this content.
        *existing = Some(ExistingCheckRun {
            id: answer.id,
            ..desired
        });
        Ok(Action::Created)
    }

    async fn publish_status(
        &self,
        target: Target<'_>,
        publication: &Publication,
        existing: &mut Option<ExistingStatus>,
    ) -> Result<Action, Error> {
        let state = match publication.state {
            VerdictState::Pass => StatusState::Success,
            VerdictState::Pending => StatusState::Pending,
            VerdictState::Fail | VerdictState::Error => StatusState::Failure,
        };
        let description = truncate_chars(&publication.title, STATUS_DESCRIPTION_LIMIT);
        if existing
            .as_ref()
            .is_some_and(|s| s.state == state && s.description == description)
        {
            return Ok(Action::Unchanged);
        }
        let repo = target.repository;
        let state_name = status_state_name(state);
        let mut body = json!({
            "state": state_name,
            "description": description,
            "context": publication.check_name,
        });
        if let Some(url) = &publication.details_url {
            body["target_url"] = json!(url);
        }
        let path = format!(
            "/repos/{}/{}/statuses/{}",
            repo.owner, repo.name, target.sha
        );
        let lookup_path = format!(
            "/repos/{}/{}/commits/{}/statuses?per_page=100",
            repo.owner, repo.name, target.sha
        );
        let client = self.client;
        let _answer: StatusAnswer = client
            .post_create(&path, &body, || {
                let lookup_path = lookup_path.clone();
                let context = publication.check_name.clone();
                let description = description.clone();
                async move {
                    // Newest first: the first of our context tells whether the POST landed.
                    let list: Vec<StatusAnswer> = client.get(&lookup_path).await?;
                    Ok(list.into_iter().find(|s| s.context == context).filter(|s| {
                        s.state == state_name
                            && s.description.as_deref() == Some(description.as_str())
                    }))
                }
            })
            .await?;
        *existing = Some(ExistingStatus { state, description });
        Ok(Action::Created)
    }

    async fn publish_comment(
        &self,
        target: Target<'_>,
        publication: &Publication,
        existing: &mut Option<ExistingComment>,
    ) -> Result<Action, Error> {
        let (Some(text), Some(number)) = (&publication.comment, target.pull_request) else {
            return Ok(Action::Unchanged);
        };
        let body = sticky_body(text);
        let repo = target.repository;
        if let Some(current) = existing.as_ref() {
            if normalize(&current.body) == normalize(&body) {
                return Ok(Action::Unchanged);
            }
            let path = format!(
                "/repos/{}/{}/issues/comments/{}",
                repo.owner, repo.name, current.id
            );
            let answer: CommentAnswer = self.client.patch(&path, &json!({ "body": body })).await?;
            *existing = Some(ExistingComment {
                id: answer.id,
                body,
            });
            return Ok(Action::Updated);
        }
        let path = format!(
            "/repos/{}/{}/issues/{number}/comments",
            repo.owner, repo.name
        );
        // Comments updated since shortly before the POST: enough to find one it created.
        let since = (chrono::Utc::now() - chrono::Duration::minutes(10))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let lookup_path = format!("{path}?per_page=100&since={since}");
        let client = self.client;
        let answer: CommentAnswer = client
            .post_create(&path, &json!({ "body": body }), || {
                let lookup_path = lookup_path.clone();
                let body = body.clone();
                async move {
                    let list: Vec<CommentAnswer> = client.get(&lookup_path).await?;
                    Ok(list
                        .into_iter()
                        .find(|c| c.body.as_deref().map(normalize) == Some(normalize(&body))))
                }
            })
            .await?;
        *existing = Some(ExistingComment {
            id: answer.id,
            body,
        });
        Ok(Action::Created)
    }
}

/// shipgate's existing check run on a commit, looked up over REST (`GET
/// …/commits/{sha}/check-runs?check_name=…`): for when the GraphQL read failed and an error must
/// still replace the run rather than add a second one. Only the id is trusted; the content is
/// treated as different so that the error is always written.
pub async fn lookup_existing(
    client: &Client,
    repository: &Repository,
    sha: &str,
    check_name: &str,
) -> Result<Existing, Error> {
    let path = format!(
        "/repos/{}/{}/commits/{sha}/check-runs?check_name={}&filter=latest&per_page=100",
        repository.owner,
        repository.name,
        query_escape(check_name)
    );
    let list: CheckRunList = client.get(&path).await?;
    let check_run = list
        .check_runs
        .into_iter()
        .filter(|run| {
            run.name == check_name && run.external_id.as_deref() == Some(CHECK_EXTERNAL_ID)
        })
        .max_by_key(|run| run.id)
        .map(|run| ExistingCheckRun {
            id: run.id,
            status: CheckStatus::Queued,
            conclusion: None,
            title: String::new(),
            summary: String::new(),
            text: String::new(),
        });
    Ok(Existing {
        check_run,
        ..Existing::default()
    })
}

/// The comment body with the hidden marker first.
pub fn sticky_body(text: &str) -> String {
    if text.starts_with(STICKY_MARKER) {
        text.to_string()
    } else {
        format!("{STICKY_MARKER}\n{text}")
    }
}

/// The check run a publication asks for (id 0 until known).
fn desired_check_run(publication: &Publication) -> ExistingCheckRun {
    let (status, conclusion) = match publication.state {
        VerdictState::Pass => (CheckStatus::Completed, Some(CheckConclusion::Success)),
        VerdictState::Pending => (CheckStatus::InProgress, None),
        VerdictState::Fail | VerdictState::Error => {
            (CheckStatus::Completed, Some(CheckConclusion::Failure))
        }
    };
    ExistingCheckRun {
        id: 0,
        status,
        conclusion,
        title: truncate_bytes(&publication.title, 1000),
        summary: truncate_bytes(&publication.summary, OUTPUT_LIMIT),
        text: truncate_bytes(publication.text.as_deref().unwrap_or(""), OUTPUT_LIMIT),
    }
}

fn same_check_run(current: &ExistingCheckRun, desired: &ExistingCheckRun) -> bool {
    current.status == desired.status
        && current.conclusion == desired.conclusion
        && normalize(&current.title) == normalize(&desired.title)
        && normalize(&current.summary) == normalize(&desired.summary)
        && normalize(&current.text) == normalize(&desired.text)
}

/// GitHub may store `\r\n` and trim trailing space; compare what a reader sees.
fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_string()
}

fn check_status_name(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Completed => "completed",
        CheckStatus::Queued => "queued",
        _ => "in_progress",
    }
}

fn conclusion_name(conclusion: CheckConclusion) -> &'static str {
    match conclusion {
        CheckConclusion::Success => "success",
        _ => "failure",
    }
}

fn status_state_name(state: StatusState) -> &'static str {
    match state {
        StatusState::Success => "success",
        StatusState::Pending => "pending",
        StatusState::Failure => "failure",
        StatusState::Error => "error",
    }
}

/// At most `limit` characters, ending with `…` when cut.
pub fn truncate_chars(text: &str, limit: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= limit {
        return line.to_string();
    }
    let mut out: String = line.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// At most `limit` bytes on a character boundary, with a note when cut.
fn truncate_bytes(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    const NOTE: &str = "\n\n… (cut to GitHub's size limit)";
    let mut end = limit - NOTE.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{NOTE}", &text[..end])
}

/// Percent-encodes a query value.
pub fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_descriptions_fit_in_140_characters() {
        let long = "é".repeat(300);
        let cut = truncate_chars(&long, STATUS_DESCRIPTION_LIMIT);
        assert_eq!(cut.chars().count(), 140);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_chars("pass: ready\nmore", 140), "pass: ready");
    }

    #[test]
    fn outputs_are_cut_on_a_character_boundary() {
        let long = "ü".repeat(40_000);
        let cut = truncate_bytes(&long, OUTPUT_LIMIT);
        assert!(cut.len() <= OUTPUT_LIMIT);
        assert!(cut.ends_with("(cut to GitHub's size limit)"));
    }

    #[test]
    fn verdicts_map_to_check_states() {
        let publication = |state| Publication {
            check_name: "shipgate".into(),
            state,
            title: "t".into(),
            summary: "s".into(),
            text: None,
            details_url: None,
            comment: None,
        };
        let run = |state| desired_check_run(&publication(state));
        assert_eq!(run(VerdictState::Pass).status, CheckStatus::Completed);
        assert_eq!(
            run(VerdictState::Pass).conclusion,
            Some(CheckConclusion::Success)
        );
        assert_eq!(run(VerdictState::Pending).status, CheckStatus::InProgress);
        assert_eq!(run(VerdictState::Pending).conclusion, None);
        assert_eq!(
            run(VerdictState::Fail).conclusion,
            Some(CheckConclusion::Failure)
        );
        assert_eq!(
            run(VerdictState::Error).conclusion,
            Some(CheckConclusion::Failure)
        );
    }

    #[test]
    fn sticky_body_starts_with_the_marker_once() {
        let body = sticky_body("hello");
        assert!(body.starts_with(STICKY_MARKER));
        assert_eq!(sticky_body(&body), body);
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(query_escape("ship gate/é"), "ship%20gate%2F%C3%A9");
    }
}
