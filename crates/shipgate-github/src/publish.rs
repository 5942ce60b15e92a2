//! Writing a verdict over REST: shipgate's check run (or commit status) and the sticky comment.
//!
//! - Check run, per head SHA and check name: created (`POST …/check-runs`, with
//!   `external_id: "shipgate"` so a workflow job with the same name is never mistaken for it),
//!   then updated (`PATCH …/check-runs/{id}`) while GitHub allows it; not touched when status,
//!   conclusion, title, summary and text are unchanged. pass → completed/success; pending →
//!   in_progress; fail/error → completed/failure. GitHub never changes a *completed* run's status
//!   or conclusion again: a new state for a completed run is a new run with the same name (the
//!   newest is the one required checks and the rollup use); a completed run whose state stays
//!   is updated in place (its output may change).
//! - When the token cannot write check runs (403, e.g. "Resource not accessible by integration"
//!   or a personal token), a commit status with the same meaning (`context` = check name,
//!   description ≤ 140 characters), also not re-posted when unchanged. Once a 403 is seen the
//!   [`Publisher`] stays on statuses for the rest of the run (no wasted calls per PR).
//! - Sticky comment: one per PR, found by [`STICKY_MARKER`], edited in place
//!   (`PATCH …/issues/comments/{id}`, sent as a real PATCH), created when absent, not edited
//!   when unchanged.
//! - The check and the comment of one PR are written in one parallel round.
//! - [`Publisher::plan`] says, before anything is sent, what publishing would write and how
//!   urgent it is — by the same comparison the writes make, on exactly what would be sent — so a
//!   sweep short of write budget can send the most urgent changes first ([`Plan::urgency`]).
//! - Creating POSTs go through [`Client::post_create`]: after a doubtful failure the object is
//!   looked up before a second attempt, so nothing is duplicated.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;
use serde_json::json;
use shipgate_core::escape::url_component;
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

/// What publishing a publication would write for one candidate, decided before anything is
/// sent by the comparison the writes themselves make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// The check (run, or commit status) would be written.
    pub check: bool,
    /// Its state would change: another status or conclusion, or no check yet.
    pub state_change: bool,
    /// It passes now and would stop passing.
    pub withdraws_pass: bool,
    /// The sticky comment would be written.
    pub comment: bool,
}

/// How urgent a change is, most urgent first: a withdrawn pass (an old pass could let a
/// release through), then another change of state, then a change of text alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// A passing check stops passing.
    WithdrawsPass,
    /// The check's state changes otherwise (or there is none yet).
    State,
    /// Only text changes (the check's output, the comment).
    Text,
}

impl Plan {
    /// How many writes it takes (without retries).
    pub fn writes(&self) -> usize {
        usize::from(self.check) + usize::from(self.comment)
    }

    /// The urgency of the check's write, and of the comment's: the comment tells the same
    /// change as its check.
    pub fn urgency(&self) -> Urgency {
        if self.withdraws_pass {
            Urgency::WithdrawsPass
        } else if self.state_change {
            Urgency::State
        } else {
            Urgency::Text
        }
    }
}

/// How a check run is brought to what a publication asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunWrite {
    /// Already there.
    Unchanged,
    /// PATCH the existing run: in progress, or completed with the same status and conclusion.
    Update,
    /// A new run: none yet, or a completed one whose status or conclusion would change (GitHub
    /// refuses that).
    Create,
}

/// How the existing run (if any) becomes the desired one, by GitHub's rule that a completed
/// run's status and conclusion are final.
fn run_write(current: Option<&ExistingCheckRun>, desired: &ExistingCheckRun) -> RunWrite {
    match current {
        None => RunWrite::Create,
        Some(current) if same_check_run(current, desired) => RunWrite::Unchanged,
        Some(current)
            if current.status == CheckStatus::Completed
                && (current.status, current.conclusion) != (desired.status, desired.conclusion) =>
        {
            RunWrite::Create
        }
        Some(_) => RunWrite::Update,
    }
}

fn run_passes(run: &ExistingCheckRun) -> bool {
    run.status == CheckStatus::Completed && run.conclusion == Some(CheckConclusion::Success)
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
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    conclusion: Option<String>,
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

    /// What [`Publisher::publish`] would write for `publication` over `existing`, and how
    /// urgent it is — nothing is sent. The comparison is the writes' own, on what they would
    /// send (cut to GitHub's limits, normalised as GitHub stores it).
    pub fn plan(&self, target: Target<'_>, publication: &Publication, existing: &Existing) -> Plan {
        let passing_status = existing
            .status
            .as_ref()
            .is_some_and(|s| s.state == StatusState::Success);
        let passing_run = existing.check_run.as_ref().is_some_and(run_passes);
        let stays_passing = publication.state == VerdictState::Pass;
        let mut plan = Plan {
            comment: comment_write(target, publication, existing.comment.as_ref()).is_some(),
            ..Plan::default()
        };
        if self.on_statuses(existing) {
            let (state, description) = desired_status(publication);
            let current = existing.status.as_ref();
            plan.check = !current.is_some_and(|s| s.state == state && s.description == description);
            plan.state_change = current.is_none_or(|s| s.state != state);
        } else {
            let desired = desired_check_run(publication);
            let current = existing.check_run.as_ref();
            plan.check = run_write(current, &desired) != RunWrite::Unchanged;
            plan.state_change = current
                .is_none_or(|c| (c.status, c.conclusion) != (desired.status, desired.conclusion));
        }
        plan.withdraws_pass = plan.check && (passing_run || passing_status) && !stays_passing;
        plan
    }

    /// Whether the check of a candidate goes to a commit status: after a 403 on check runs in
    /// this run, or where shipgate published a status and no check run before.
    fn on_statuses(&self, existing: &Existing) -> bool {
        self.uses_statuses() || (existing.check_run.is_none() && existing.status.is_some())
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
    /// can never leave an old pass behind — a new check run (a completed run cannot go back to
    /// in progress), or a pending commit status. Anything else is left as is (it cannot let a
    /// release through). Returns whether something was written.
    pub async fn mark_in_progress(
        &self,
        target: Target<'_>,
        check_name: &str,
        existing: &mut Existing,
    ) -> Result<bool, Error> {
        let passing_run = existing.check_run.as_ref().is_some_and(run_passes);
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

    /// Publishes the check alone: a check run, or a commit status when check runs cannot be
    /// written; returns what became of each (`None`: not the one used).
    pub async fn publish_check(
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
            let patches =
                run_write(check_run.as_ref(), &desired_check_run(publication)) == RunWrite::Update;
            let mut result = self.publish_check_run(target, publication, check_run).await;
            if patches && matches!(result, Err(Error::Status { status: 403, .. })) {
                // GitHub lets only the app that created a check run change it: a run taken for
                // shipgate's (after a failed read, any run with its name and external id) may be
                // another app's. A run of its own replaces it; only a refused create means
                // that check runs cannot be written at all.
                *check_run = None;
                result = self.publish_check_run(target, publication, check_run).await;
            }
            match result {
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
        let write = run_write(existing.as_ref(), &desired);
        if write == RunWrite::Unchanged {
            return Ok(Action::Unchanged);
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
        // An empty text clears one an earlier run left (omitted, GitHub would keep it).
        let had_text = existing.as_ref().is_some_and(|c| !c.text.is_empty());
        if !desired.text.is_empty() || (write == RunWrite::Update && had_text) {
            body["output"]["text"] = json!(desired.text);
        }
        if let Some(url) = &publication.details_url {
            body["details_url"] = json!(url);
        }
        if let (RunWrite::Update, Some(current)) = (write, existing.as_ref()) {
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
            url_component(&publication.check_name)
        );
        let client = self.client;
        let name = publication.check_name.clone();
        // The run this one replaces (ids only grow): the lookup must not take it for the new one.
        let replaced = existing.as_ref().map(|c| c.id);
        let status = check_status_name(desired.status);
        let conclusion = desired.conclusion.map(conclusion_name);
        let answer: CheckRunAnswer = client
            .post_create(&path, &body, || {
                let lookup_path = lookup_path.clone();
                let name = name.clone();
                async move {
                    let list: CheckRunList = client.get(&lookup_path).await?;
                    Ok(list.check_runs.into_iter().find(|run| {
                        run.name == name
                            && run.external_id.as_deref() == Some(CHECK_EXTERNAL_ID)
                            && replaced.is_none_or(|old| run.id > old)
                            && run.status.as_deref() == Some(status)
                            && run.conclusion.as_deref() == conclusion
                    }))
                }
            })
            .await?;
        // A run found by the lookup is newer than any known and in the state asked: it exists
        // only because the doubtful POST went through, so it carries this content.
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
        let (state, description) = desired_status(publication);
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

    /// Publishes the sticky comment alone (nothing when the publication has none).
    pub async fn publish_comment(
        &self,
        target: Target<'_>,
        publication: &Publication,
        existing: &mut Option<ExistingComment>,
    ) -> Result<Action, Error> {
        let (Some(body), Some(number)) = (
            comment_write(target, publication, existing.as_ref()),
            target.pull_request,
        ) else {
            return Ok(Action::Unchanged);
        };
        let repo = target.repository;
        if let Some(current) = existing.as_ref() {
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
/// still replace the run rather than add a second one. Its id and state are used; the content
/// is treated as different so that the error is always written.
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
        url_component(check_name)
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
            // Its state decides between an update and a new run (a completed run's is final).
            status: match run.status.as_deref() {
                Some("completed") => CheckStatus::Completed,
                Some("in_progress") => CheckStatus::InProgress,
                _ => CheckStatus::Queued,
            },
            conclusion: run.conclusion.as_deref().map(|c| match c {
                "success" => CheckConclusion::Success,
                _ => CheckConclusion::Failure,
            }),
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

/// The commit status a publication asks for: state and description (the title, cut to
/// GitHub's 140 characters).
fn desired_status(publication: &Publication) -> (StatusState, String) {
    let state = match publication.state {
        VerdictState::Pass => StatusState::Success,
        VerdictState::Pending => StatusState::Pending,
        VerdictState::Fail | VerdictState::Error => StatusState::Failure,
    };
    (
        state,
        truncate_chars(&publication.title, STATUS_DESCRIPTION_LIMIT),
    )
}

/// The comment body to write, or `None` when there is nothing to write: no comment asked, no
/// pull request, or the same text already there (compared as GitHub stores it).
fn comment_write(
    target: Target<'_>,
    publication: &Publication,
    existing: Option<&ExistingComment>,
) -> Option<String> {
    let text = publication.comment.as_ref()?;
    target.pull_request?;
    let body = sticky_body(text);
    match existing {
        Some(current) if normalize(&current.body) == normalize(&body) => None,
        _ => Some(body),
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

    /// "Unchanged" is decided on what would be sent — cut to GitHub's limits, with the
    /// comment's marker — compared as GitHub stores it (`\r\n`, surrounding white space).
    #[tokio::test]
    async fn unchanged_is_decided_on_exactly_what_would_be_sent() {
        let client = Client::new(crate::ClientConfig {
            token: "t0ken".into(),
            api_url: "http://127.0.0.1:9".into(),
            graphql_url: "http://127.0.0.1:9/graphql".into(),
        })
        .unwrap();
        let publisher = Publisher::new(&client);
        let repository = Repository {
            owner: "acme".into(),
            name: "shop".into(),
        };
        let target = Target {
            repository: &repository,
            sha: "abc",
            pull_request: Some(7),
        };
        let publication = Publication {
            check_name: "shipgate".into(),
            state: VerdictState::Pending,
            title: "Pending: soak ready at 2026-11-28 14:06 UTC".into(),
            summary: format!("### Pending\n\n{}", "x".repeat(70_000)),
            text: None,
            details_url: Some("https://github.com/acme/shop/actions/runs/2".into()),
            comment: Some("### Pending\nline".into()),
        };
        let sent = desired_check_run(&publication);
        // As GitHub gives it back: the summary as sent (cut), line ends as CRLF, a trailing
        // newline; the comment with its marker.
        let existing = Existing {
            check_run: Some(ExistingCheckRun {
                id: 1,
                summary: format!("{}\r\n", sent.summary.replace('\n', "\r\n")),
                ..sent.clone()
            }),
            status: None,
            comment: Some(ExistingComment {
                id: 2,
                body: format!("{STICKY_MARKER}\r\n### Pending\r\nline\n"),
            }),
        };
        assert_eq!(
            publisher.plan(target, &publication, &existing),
            Plan::default(),
            "nothing to write"
        );
        // The link to the run is no reason to write; a word of the title is.
        let mut other_run = publication.clone();
        other_run.details_url = None;
        assert_eq!(
            publisher.plan(target, &other_run, &existing),
            Plan::default()
        );
        let mut reworded = publication.clone();
        reworded.title.push('!');
        let plan = publisher.plan(target, &reworded, &existing);
        assert!(
            plan.check && !plan.state_change && !plan.comment,
            "{plan:?}"
        );
        assert_eq!(plan.urgency(), Urgency::Text);
    }

    #[test]
    fn sticky_body_starts_with_the_marker_once() {
        let body = sticky_body("hello");
        assert!(body.starts_with(STICKY_MARKER));
        assert_eq!(sticky_body(&body), body);
    }

    #[test]
    fn query_values_are_escaped() {}
}
