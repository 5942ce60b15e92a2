//! The gate use case, assembled once: targets → one read → evaluate → publish.
//!
//! Every way of asking "may these releases go to production?" is a thin adapter over [`run`]:
//! - the Action (`commands/action.rs`): targets from the event, the policy from the config
//!   file on the production branch plus the inputs, publishing on;
//! - `shipgate gate --repo` (`commands/gate.rs`): the policy given on the command line,
//!   nothing published;
//! - `shipgate gate --facts`: the facts from a file instead of GitHub;
//! - `shipgate facts` (`commands/facts.rs`): the read alone, its facts written out.
//!
//! The security gate's alerts are read over REST beside the facts when the policy is given, or
//! right after them when the production branch's config turns the gate on (`docs/github.md`).
//!
//! Data flows one way. The one write that can happen before the verdicts is a hook of the
//! read: when the read needs paging (slow), an earlier *passing* check is first marked in
//! progress, so that a crash during the slow part never leaves an old pass behind.

use chrono::{DateTime, Utc};
use shipgate_core::alerts::SecurityFacts;
use shipgate_core::config::{self, Overrides};
use shipgate_core::facts::Repository;
use shipgate_core::gates::{GateId, GateResult};
use shipgate_core::render;
use shipgate_core::verdict::{Subject, Verdict, VerdictState};
use shipgate_core::{guard, Facts, Policy};
use shipgate_github::alerts::Sources;
use shipgate_github::facts::{self as read, Candidate, ConfigFile, Head, ReadSpec, Selection};
use shipgate_github::publish::{Publication, Publisher, Target};
use shipgate_github::targets::Targets;
use shipgate_github::Client;

/// The config file's path on the production branch when none is named.
pub const DEFAULT_CONFIG: &str = ".github/shipgate.yml";

/// Where the facts come from.
pub enum Source<'a> {
    /// GitHub, in one read.
    GitHub {
        /// The client.
        client: &'a Client,
        /// The repository.
        repository: Repository,
        /// The workflow run executing shipgate (its own jobs are left out of the checks gate).
        own_workflow_run: Option<u64>,
    },
    /// Facts already at hand (a facts file).
    Facts(Vec<Facts>),
}

/// Where the policy comes from.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// The config file on the production branch (read in the same request as the facts), then
    /// the overrides: the Action's way, so that a pull request can never change its own policy.
    ProductionBranch {
        /// The file's path in the repository.
        path: String,
        /// Whether the path was named explicitly (then a missing file is an error).
        explicit: bool,
        /// Values that override the file.
        overrides: Overrides,
    },
    /// A policy given whole (the command line: defaults, `--config FILE`, flags).
    Given(Policy),
}

/// Whether and how verdicts are published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publishing {
    /// Nothing is written to GitHub.
    Off,
    /// A check run (or commit status) per candidate, and a sticky comment when `comment`.
    On {
        /// Keep a sticky PR comment.
        comment: bool,
        /// A link to the workflow run, shown on the check run.
        details_url: Option<String>,
    },
}

/// One evaluation to run.
pub struct Request<'a> {
    /// Where the facts come from.
    pub source: Source<'a>,
    /// Which candidates (for a GitHub source).
    pub targets: Targets,
    /// Where the policy comes from.
    pub policy: PolicySource,
    /// Whether to publish.
    pub publishing: Publishing,
    /// The moment of evaluation.
    pub now: DateTime<Utc>,
}

/// One evaluated candidate.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The facts it was evaluated on (absent when they could not be read).
    pub facts: Option<Facts>,
    /// The verdict.
    pub verdict: Verdict,
}

/// A config file that could not be used: every candidate's verdict is an `error` saying so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// What is wrong.
    pub message: String,
    /// The file.
    pub path: String,
    /// The line, when known.
    pub line: Option<u32>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The evaluated candidates, in PR-creation order.
    pub evaluated: Vec<Evaluated>,
    /// Why there was nothing to evaluate, when so.
    pub nothing: Option<String>,
    /// The config problem, when the config could not be used.
    pub config_problem: Option<ConfigProblem>,
    /// The read error, when GitHub could not be read (the verdicts are then `error`).
    pub read_error: Option<String>,
    /// Publishing errors, one line each.
    pub publish_errors: Vec<String>,
    /// The pull requests whose changes were not all published because this run's budget of
    /// content-creating requests ran out (the next run publishes them), in PR-creation order.
    pub deferred: Vec<u64>,
}

impl Run {
    /// The verdicts.
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.evaluated.iter().map(|e| e.verdict.clone()).collect()
    }
}

/// Why a run could not produce verdicts at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// GitHub could not be read, and nothing could be published in its place.
    #[error("cannot read from GitHub: {0}")]
    Read(String),
}

/// Runs the gate use case.
pub async fn run(request: Request<'_>) -> Result<Run, Error> {
    let Request {
        source,
        targets,
        policy,
        publishing,
        now,
    } = request;
    match source {
        Source::Facts(facts) => Ok(offline(facts, &policy, now)),
        Source::GitHub {
            client,
            repository,
            own_workflow_run,
        } => {
            let github = GitHub {
                client,
                publisher: Publisher::new(client),
                repository,
                own_workflow_run,
                publishing,
                now,
            };
            github.run(&targets, &policy).await
        }
    }
}

/// Evaluates facts at hand (no read, nothing to publish).
fn offline(facts: Vec<Facts>, policy: &PolicySource, now: DateTime<Utc>) -> Run {
    let (policy, problem) = match policy {
        PolicySource::Given(policy) => (Ok(policy.clone()), None),
        // Offline there is no production branch to read the file from: the overrides apply to
        // the defaults.
        PolicySource::ProductionBranch { overrides, .. } => {
            let mut policy = Policy::default();
            overrides.apply(&mut policy);
            (Ok(policy), None)
        }
    };
    let evaluated = facts
        .into_iter()
        .map(|facts| Evaluated {
            verdict: verdict_of(&facts, &policy, now),
            facts: Some(facts),
        })
        .collect();
    Run {
        evaluated,
        config_problem: problem,
        ..Run::default()
    }
}

fn verdict_of(
    facts: &Facts,
    policy: &Result<Policy, ConfigProblem>,
    now: DateTime<Utc>,
) -> Verdict {
    match policy {
        Ok(policy) => shipgate_core::evaluate(facts, policy, now),
        Err(problem) => error_verdict(subject_of(facts), &problem.message, now),
    }
}

/// The GitHub side of a run.
struct GitHub<'a> {
    client: &'a Client,
    publisher: Publisher<'a>,
    repository: Repository,
    own_workflow_run: Option<u64>,
    publishing: Publishing,
    now: DateTime<Utc>,
}

impl GitHub<'_> {
    async fn run(&self, targets: &Targets, source: &PolicySource) -> Result<Run, Error> {
        if let Targets::Nothing(reason) = targets {
            return Ok(Run {
                nothing: Some(reason.clone()),
                ..Run::default()
            });
        }
        // What the inputs alone say decides where to read; the config file may then name
        // another branch or environment, which is read once more (a second disagreement is an
        // error rather than a loop).
        let (mut probe, config_path, explicit) = match source {
            PolicySource::Given(policy) => (policy.clone(), DEFAULT_CONFIG.to_string(), false),
            PolicySource::ProductionBranch {
                path,
                explicit,
                overrides,
            } => {
                let mut probe = Policy::default();
                overrides.apply(&mut probe);
                (probe, path.clone(), *explicit)
            }
        };
        // The security gate's alerts (REST, `shipgate_github::alerts`): with the policy given,
        // read beside the facts, in the same round trip; with the policy in the production
        // branch's file (read in that same request), after it, and only when the file turns the
        // gate on. A repository without the gate never asks for them.
        let early = match source {
            PolicySource::Given(policy) => Sources::of(&policy.security),
            PolicySource::ProductionBranch { .. } => Sources::default(),
        };
        let mut alerts: Option<(String, Sources, SecurityFacts)> = None;
        let mut attempt = 0;
        let (mut read, policy) = loop {
            attempt += 1;
            let spec = self.spec(&probe, &config_path);
            let read = if attempt == 1 && early.any() {
                let (read, found) = futures::join!(
                    self.read(&spec, targets),
                    self.alerts(&probe.production_branch, early)
                );
                alerts = Some((probe.production_branch.clone(), early, found));
                read
            } else {
                self.read(&spec, targets).await
            };
            let read = match read {
                Ok(read) => read,
                Err(error) => return self.read_failed(targets, &probe, error.to_string()).await,
            };
            let policy = match source {
                PolicySource::Given(policy) => Ok(policy.clone()),
                PolicySource::ProductionBranch { overrides, .. } => {
                    policy_from(read.config(), &config_path, explicit, overrides)
                }
            };
            let Ok(found) = &policy else {
                break (read, policy);
            };
            let wanted = self.spec(found, &config_path);
            if wanted == spec {
                break (read, policy);
            }
            if attempt == 1 {
                probe = found.clone();
                continue;
            }
            let message = format!(
                "the config on `{}` names the production branch `{}` and environments `{}`/`{}`, which name yet another config; set the `production-branch` and `staging-environment` inputs",
                spec.production_branch,
                wanted.production_branch,
                wanted.staging_environment,
                wanted.production_environment
            );
            break (
                read,
                Err(ConfigProblem {
                    message,
                    path: config_path.clone(),
                    line: None,
                }),
            );
        };
        if let Ok(policy) = &policy {
            let sources = Sources::of(&policy.security);
            let known = alerts.as_ref().is_some_and(|(branch, read, _)| {
                *branch == policy.production_branch && *read == sources
            });
            if sources.any() && !known {
                let found = self.alerts(&policy.production_branch, sources).await;
                alerts = Some((policy.production_branch.clone(), sources, found));
            }
            if let Some((_, _, found)) = alerts.filter(|_| sources.any()) {
                read.set_security(&found);
            }
        }
        let check_name = match &policy {
            Ok(policy) => policy.check_name.clone(),
            Err(_) => probe.check_name.clone(),
        };
        let branch = match &policy {
            Ok(policy) => policy.production_branch.clone(),
            Err(_) => probe.production_branch.clone(),
        };
        match read {
            Read::Pulls(snapshot) => {
                self.pulls(targets, snapshot, policy, &branch, &check_name)
                    .await
            }
            Read::Group(snapshot) => self.group(targets, snapshot, policy, &check_name).await,
            Read::Commit(snapshot) => Ok(self.guard(snapshot, policy, &branch)),
        }
    }

    /// Release pull requests: one verdict and one publication each.
    async fn pulls(
        &self,
        targets: &Targets,
        mut snapshot: read::Snapshot,
        policy: Result<Policy, ConfigProblem>,
        branch: &str,
        check_name: &str,
    ) -> Result<Run, Error> {
        snapshot
            .candidates
            .retain(|c| targets.selects(c.number(), &c.facts.sha));
        if snapshot.candidates.is_empty() {
            let reason = match targets {
                Targets::HeadSha(sha) => {
                    format!("no open pull request into `{branch}` has its head at {sha}")
                }
                _ => format!("no open pull request into `{branch}`"),
            };
            return Ok(Run {
                nothing: Some(reason),
                ..Run::default()
            });
        }
        let evaluated: Vec<Evaluated> = snapshot
            .candidates
            .iter()
            .map(|c| Evaluated {
                verdict: verdict_of(&c.facts, &policy, self.now),
                facts: Some(c.facts.clone()),
            })
            .collect();
        let (publish_errors, deferred) = self
            .publish_all(&mut snapshot.candidates, &evaluated, check_name)
            .await;
        Ok(Run {
            evaluated,
            config_problem: policy.err(),
            publish_errors,
            deferred,
            ..Run::default()
        })
    }

    /// A merge-queue group: every PR's verdict (their own soak, approvals, tag, checklist; the
    /// group commit's checks), one check run on the group's commit with the worst, no comment.
    async fn group(
        &self,
        targets: &Targets,
        mut snapshot: read::GroupSnapshot,
        policy: Result<Policy, ConfigProblem>,
        check_name: &str,
    ) -> Result<Run, Error> {
        let Targets::MergeGroup(group) = targets else {
            unreachable!("a group read comes from group targets");
        };
        let evaluated: Vec<Evaluated> = snapshot
            .candidates
            .iter()
            .map(|c| Evaluated {
                verdict: shipgate_core::queue::in_merge_group(verdict_of(
                    &c.facts, &policy, self.now,
                )),
                facts: Some(c.facts.clone()),
            })
            .collect();
        let verdicts: Vec<Verdict> = evaluated.iter().map(|e| e.verdict.clone()).collect();
        let mut publish_errors = Vec::new();
        if let Publishing::On { details_url, .. } = &self.publishing {
            let publication = group_publication(&verdicts, check_name, details_url.clone());
            let target = Target {
                repository: &self.repository,
                sha: &group.head_sha,
                pull_request: None,
            };
            if let Err(e) = self
                .publisher
                .publish(target, &publication, &mut snapshot.existing)
                .await
            {
                publish_errors.push(format!(
                    "cannot publish the verdict of the merge group at {}: {e}",
                    group.head_sha
                ));
            }
        }
        Ok(Run {
            evaluated,
            config_problem: policy.err(),
            publish_errors,
            ..Run::default()
        })
    }

    /// The deploy guard: how the commit reached the production branch, and whether its release
    /// PR's gates pass now (`shipgate_core::guard`). Nothing is published.
    fn guard(
        &self,
        snapshot: read::CommitSnapshot,
        policy: Result<Policy, ConfigProblem>,
        branch: &str,
    ) -> Run {
        let associated: Vec<guard::Associated> = snapshot
            .pulls
            .iter()
            .map(|p| guard::Associated {
                number: p.candidate.number(),
                merged: p.merged,
                merge_commit: p.merge_commit.clone(),
                head_sha: p.candidate.facts.sha.clone(),
                base_branch: p
                    .candidate
                    .facts
                    .pull_request
                    .as_ref()
                    .map(|pr| pr.base_branch.clone())
                    .unwrap_or_default(),
            })
            .collect();
        let arrival = guard::arrival(&snapshot.sha, branch, &associated);
        let release = match arrival {
            guard::Arrival::Merged(n) | guard::Arrival::FastForward(n) => {
                snapshot.pulls.iter().find(|p| p.candidate.number() == n)
            }
            guard::Arrival::DirectPush => None,
        };
        let pr_verdict = release.map(|p| match &policy {
            Ok(policy) => {
                let facts = guard::prepare(&p.candidate.facts, policy, &snapshot.sha);
                shipgate_core::evaluate(&facts, policy, self.now)
            }
            Err(problem) => {
                error_verdict(subject_of(&p.candidate.facts), &problem.message, self.now)
            }
        });
        let content = guard::content(
            arrival,
            snapshot.tree.as_deref(),
            release.and_then(|p| p.head_tree.as_deref()),
            snapshot.merge_queue,
        );
        let verdict = guard::judge(
            &self.repository.to_string(),
            &snapshot.sha,
            branch,
            arrival,
            pr_verdict,
            content,
            self.now,
        );
        Run {
            evaluated: vec![Evaluated {
                facts: release.map(|p| p.candidate.facts.clone()),
                verdict,
            }],
            config_problem: policy.err(),
            ..Run::default()
        }
    }

    /// The open security alerts of the sources asked for.
    async fn alerts(&self, production_branch: &str, sources: Sources) -> SecurityFacts {
        shipgate_github::alerts::read(self.client, &self.repository, production_branch, sources)
            .await
    }

    fn spec(&self, policy: &Policy, config_path: &str) -> ReadSpec {
        ReadSpec {
            repository: self.repository.clone(),
            production_branch: policy.production_branch.clone(),
            staging_environment: policy.soak.environment.clone(),
            production_environment: policy.production_environment.clone(),
            config_path: config_path.to_string(),
            check_name: policy.check_name.clone(),
            own_workflow_run: self.own_workflow_run,
        }
    }

    /// The one read; when it needs paging (slow) and publishing is on, an earlier pass of a
    /// targeted candidate is first marked in progress.
    async fn read(
        &self,
        spec: &ReadSpec,
        targets: &Targets,
    ) -> Result<Read, shipgate_github::Error> {
        let selection = match targets {
            Targets::MergeGroup(group) => {
                return read::read_merge_group(self.client, spec, group, self.now)
                    .await
                    .map(Read::Group)
            }
            Targets::Commit(sha) => {
                return read::read_commit(self.client, spec, sha, self.now)
                    .await
                    .map(Read::Commit)
            }
            Targets::PullRequest(number) => Selection::PullRequest(*number),
            _ => Selection::OpenIntoProduction,
        };
        let publishing = self.publishing != Publishing::Off;
        read::read(
            self.client,
            spec,
            selection,
            self.now,
            |heads: Vec<Head>| async move {
                if !publishing {
                    return Vec::new();
                }
                let marks = heads
                    .into_iter()
                    .filter(|head| targets.selects(head.number, &head.sha))
                    .map(|mut head| async move {
                        let target = Target {
                            repository: &spec.repository,
                            sha: &head.sha,
                            pull_request: Some(head.number),
                        };
                        let wrote = self
                            .publisher
                            .mark_in_progress(target, &spec.check_name, &mut head.existing)
                            .await;
                        (head, wrote)
                    });
                let mut marked = Vec::new();
                for (head, wrote) in futures::future::join_all(marks).await {
                    match wrote {
                        Ok(true) => marked.push(head),
                        Ok(false) => {}
                        // Not fatal: the final write still replaces the old state.
                        Err(e) => {
                            eprintln!("warning: could not mark #{} in progress: {e}", head.number)
                        }
                    }
                }
                marked
            },
        )
        .await
        .map(Read::Pulls)
    }

    /// The read failed. With publishing off that is the run's error. With publishing on, an
    /// `error` verdict replaces whatever was published on the targeted candidates that can
    /// still be listed, so no earlier pass stays green; when none can be listed, the run fails.
    async fn read_failed(
        &self,
        targets: &Targets,
        probe: &Policy,
        error: String,
    ) -> Result<Run, Error> {
        let Publishing::On { details_url, .. } = &self.publishing else {
            return Err(Error::Read(error));
        };
        let message = format!("cannot read from GitHub: {error}");
        if let Targets::MergeGroup(group) = targets {
            // The queue waits for a check on the group's commit: an error there, never none.
            let subject = Subject {
                repository: self.repository.to_string(),
                sha: group.head_sha.clone(),
                pull_request: None,
                title: Some("merge group".into()),
                head_branch: None,
            };
            let verdict = error_verdict(subject, &message, self.now);
            let result = async {
                let mut existing = shipgate_github::publish::lookup_existing(
                    self.client,
                    &self.repository,
                    &group.head_sha,
                    &probe.check_name,
                )
                .await?;
                let publication =
                    publication(&verdict, &probe.check_name, details_url.clone(), false);
                let target = Target {
                    repository: &self.repository,
                    sha: &group.head_sha,
                    pull_request: None,
                };
                self.publisher
                    .publish(target, &publication, &mut existing)
                    .await
            }
            .await;
            let publish_errors = result
                .err()
                .map(|e| {
                    vec![format!(
                        "cannot publish the error verdict of the merge group: {e}"
                    )]
                })
                .unwrap_or_default();
            return Ok(Run {
                evaluated: vec![Evaluated {
                    facts: None,
                    verdict,
                }],
                read_error: Some(message),
                publish_errors,
                ..Run::default()
            });
        }
        let open = shipgate_github::pulls::list_open(
            self.client,
            &self.repository,
            &probe.production_branch,
        )
        .await
        .map_err(|e| {
            Error::Read(format!(
                "{error}; and the open pull requests could not be listed to mark them: {e}"
            ))
        })?;
        let selected: Vec<_> = open
            .into_iter()
            .filter(|pr| targets.selects(pr.number, &pr.head_sha))
            .collect();
        let mut evaluated = Vec::new();
        let mut publish_errors = Vec::new();
        for pr in selected {
            let subject = Subject {
                repository: self.repository.to_string(),
                sha: pr.head_sha.clone(),
                pull_request: Some(pr.number),
                title: Some(pr.title.clone()),
                head_branch: Some(pr.head_branch.clone()),
            };
            let verdict = error_verdict(subject, &message, self.now);
            let target = Target {
                repository: &self.repository,
                sha: &pr.head_sha,
                pull_request: Some(pr.number),
            };
            let result = async {
                // A lookup by name, so that the error replaces the existing run (never a second
                // one beside an old pass).
                let mut existing = shipgate_github::publish::lookup_existing(
                    self.client,
                    &self.repository,
                    &pr.head_sha,
                    &probe.check_name,
                )
                .await?;
                let publication =
                    publication(&verdict, &probe.check_name, details_url.clone(), false);
                self.publisher
                    .publish(target, &publication, &mut existing)
                    .await
            }
            .await;
            if let Err(e) = result {
                publish_errors.push(format!(
                    "cannot publish the error verdict of #{}: {e}",
                    pr.number
                ));
            }
            evaluated.push(Evaluated {
                facts: None,
                verdict,
            });
        }
        Ok(Run {
            evaluated,
            read_error: Some(message),
            publish_errors,
            ..Run::default()
        })
    }

    /// Publishes every verdict: all writes started at once (the client bounds requests in
    /// flight and paces writes, in the order they ask), most urgent first — a withdrawn pass,
    /// then other changes of state, then changes of text; checks before comments, PRs in
    /// creation order. What does not fit in the run's budget of content-creating requests is
    /// deferred to the next run (it is still a change then). Returns the errors, one line each,
    /// and the deferred PRs; a deferred withdrawal of a pass is an error (fail closed).
    async fn publish_all(
        &self,
        candidates: &mut [Candidate],
        evaluated: &[Evaluated],
        check_name: &str,
    ) -> (Vec<String>, Vec<u64>) {
        use shipgate_github::publish::Urgency;
        use std::future::Future;
        use std::pin::Pin;

        type Write<'w> = Pin<Box<dyn Future<Output = Result<(), String>> + 'w>>;

        let Publishing::On {
            comment,
            details_url,
        } = &self.publishing
        else {
            return (Vec::new(), Vec::new());
        };
        let publications: Vec<Publication> = evaluated
            .iter()
            .map(|e| publication(&e.verdict, check_name, details_url.clone(), *comment))
            .collect();
        // (urgency, comment after check, creation order) → the write.
        let mut writes: Vec<((Urgency, bool, usize), u64, Write<'_>)> = Vec::new();
        for (index, (candidate, publication)) in
            candidates.iter_mut().zip(&publications).enumerate()
        {
            let number = candidate.number();
            let Candidate { facts, existing } = candidate;
            let target = Target {
                repository: &self.repository,
                sha: &facts.sha,
                pull_request: Some(number),
            };
            let plan = self.publisher.plan(target, publication, existing);
            let urgency = plan.urgency();
            let shipgate_github::facts::Existing {
                check_run,
                status,
                comment,
            } = existing;
            if plan.check {
                let write = async move {
                    self.publisher
                        .publish_check(target, publication, check_run, status)
                        .await
                        .map(drop)
                        .map_err(|e| format!("cannot publish the verdict of #{number}: {e}"))
                };
                writes.push(((urgency, false, index), number, Box::pin(write)));
            }
            if plan.comment {
                let write = async move {
                    self.publisher
                        .publish_comment(target, publication, comment)
                        .await
                        .map(drop)
                        .map_err(|e| format!("cannot publish the comment of #{number}: {e}"))
                };
                writes.push(((urgency, true, index), number, Box::pin(write)));
            }
        }
        writes.sort_by_key(|(key, _, _)| *key);
        // One write each, as planned (a retry or a refused update costs more; the client
        // refuses, unsent, whatever would pass the budget).
        let budget = self.client.writes_left();
        let later = writes.split_off(budget.min(writes.len()));
        let mut errors = Vec::new();
        let mut deferred: Vec<(usize, u64)> = Vec::new();
        for ((urgency, is_comment, index), number, _) in &later {
            if *urgency == Urgency::WithdrawsPass && !is_comment {
                errors.push(format!(
                    "the passing check of #{number} could not be withdrawn: this run's budget of content-creating requests is spent"
                ));
            }
            deferred.push((*index, *number));
        }
        drop(later);
        deferred.sort_unstable();
        deferred.dedup();
        let deferred = deferred.into_iter().map(|(_, number)| number).collect();
        let results =
            futures::future::join_all(writes.into_iter().map(|(_, _, write)| write)).await;
        errors.extend(results.into_iter().filter_map(Result::err));
        (errors, deferred)
    }
}

/// What one read produced, by kind of target.
enum Read {
    /// Release pull requests.
    Pulls(read::Snapshot),
    /// A merge-queue group.
    Group(read::GroupSnapshot),
    /// A commit of the production branch (the guard).
    Commit(read::CommitSnapshot),
}

impl Read {
    fn config(&self) -> &ConfigFile {
        match self {
            Read::Pulls(s) => &s.config,
            Read::Group(s) => &s.config,
            Read::Commit(s) => &s.config,
        }
    }

    /// Gives every candidate the repository's security alerts.
    fn set_security(&mut self, security: &SecurityFacts) {
        let facts: Vec<&mut Facts> = match self {
            Read::Pulls(s) => s.candidates.iter_mut().map(|c| &mut c.facts).collect(),
            Read::Group(s) => s.candidates.iter_mut().map(|c| &mut c.facts).collect(),
            Read::Commit(s) => s.pulls.iter_mut().map(|p| &mut p.candidate.facts).collect(),
        };
        for facts in facts {
            facts.security = Some(security.clone());
        }
    }
}

/// The publication of a merge group: the worst verdict of its pull requests, every one of them
/// in the summary, no comment.
fn group_publication(
    verdicts: &[Verdict],
    check_name: &str,
    details_url: Option<String>,
) -> Publication {
    let state = render::worst(verdicts).unwrap_or(VerdictState::Error);
    Publication {
        check_name: check_name.to_string(),
        state,
        title: render::group_title(verdicts),
        summary: render::markdown_report(verdicts),
        text: None,
        details_url,
        comment: None,
    }
}

/// The policy: the config file from the production branch, then the overrides.
fn policy_from(
    config: &ConfigFile,
    path: &str,
    explicit: bool,
    overrides: &Overrides,
) -> Result<Policy, ConfigProblem> {
    let problem = |message: String, line: Option<u32>| ConfigProblem {
        message,
        path: path.to_string(),
        line,
    };
    let mut policy = match config {
        ConfigFile::Text(text) => {
            config::parse(text, Some(std::path::Path::new(path))).map_err(|e| {
                let line = match &e {
                    shipgate_core::Error::Config { line, .. } => {
                        line.and_then(|l| u32::try_from(l).ok())
                    }
                    _ => None,
                };
                problem(e.to_string(), line)
            })?
        }
        ConfigFile::Absent if explicit => {
            return Err(problem(
                format!("the config file `{path}` does not exist on the production branch"),
                None,
            ))
        }
        ConfigFile::Absent => Policy::default(),
    };
    overrides.apply(&mut policy);
    Ok(policy)
}

fn subject_of(facts: &Facts) -> Subject {
    let pr = facts.pull_request.as_ref();
    Subject {
        repository: facts.repository.to_string(),
        sha: facts.sha.clone(),
        pull_request: pr.map(|p| p.number),
        title: pr.map(|p| p.title.clone()),
        head_branch: pr.map(|p| p.head_branch.clone()),
    }
}

/// A verdict for something that could not be evaluated: one `error` row saying why.
pub fn error_verdict(subject: Subject, message: &str, now: DateTime<Utc>) -> Verdict {
    Verdict {
        verdict: VerdictState::Error,
        subject,
        version: None,
        ready_at: None,
        evaluated_at: now,
        gates: vec![GateResult::error(GateId::Candidate, message).with_unblock(
            "fix the cause and re-run the workflow; nothing counts as passed until then",
        )],
        tamper: Vec::new(),
    }
}

/// The publication for a verdict: its published rendering (absolute times, no evaluation
/// time), so that it changes only when the verdict does.
fn publication(
    verdict: &Verdict,
    check_name: &str,
    details_url: Option<String>,
    comment: bool,
) -> Publication {
    let markdown = render::published_markdown(verdict);
    Publication {
        check_name: check_name.to_string(),
        state: verdict.verdict,
        title: render::published_title(verdict),
        summary: markdown.clone(),
        text: None,
        details_url,
        comment: comment.then_some(markdown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_error_is_shown_as_an_error_row_with_what_to_do() {
        let now: DateTime<Utc> = "2026-11-27T12:00:00Z".parse().unwrap();
        let verdict = error_verdict(
            Subject {
                repository: "acme/shop".into(),
                sha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821".into(),
                pull_request: Some(2),
                title: Some("Release v1.4.0".into()),
                head_branch: None,
            },
            "cannot read from GitHub: GitHub answered 502 to POST graphql PullRequestFacts: Bad Gateway (gave up after 4 attempts in 5210 ms)",
            now,
        );
        assert_eq!(verdict.verdict, VerdictState::Error);
        insta::assert_snapshot!(render::title(&verdict));
        insta::assert_snapshot!(render::markdown(&verdict));
    }

    #[test]
    fn an_explicit_config_that_is_missing_is_a_problem_and_an_absent_default_is_the_defaults() {
        let overrides = Overrides::default();
        let err = policy_from(&ConfigFile::Absent, "ci/gate.yml", true, &overrides).unwrap_err();
        assert!(
            err.message.contains("`ci/gate.yml` does not exist"),
            "{}",
            err.message
        );
        let policy = policy_from(&ConfigFile::Absent, DEFAULT_CONFIG, false, &overrides).unwrap();
        assert_eq!(policy, Policy::default());
    }

    #[test]
    fn a_config_error_keeps_its_line() {
        let err = policy_from(
            &ConfigFile::Text("soak:\n  duration: 1.5h\n".into()),
            DEFAULT_CONFIG,
            false,
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2), "{err:?}");
        assert!(err.message.contains("soak.duration"), "{}", err.message);
    }
}
