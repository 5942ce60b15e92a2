//! `shipgate action`: the GitHub Action entry point (DESIGN.md section 5).
//!
//! The `command` input picks the job (`gate` by default). `gate` runs the whole pipeline:
//! event → targets → one read → evaluate → publish → job summary and outputs. The other
//! commands (`verify`, `watch`, `record`, `report`) are dispatched generically: their inputs
//! become CLI flags through each command's table of `(input, flag, multiline)` ([`InputTable`]),
//! are parsed by
//! clap into the command's own arguments, and the command's [`Outcome`] is delivered through the
//! toolkit (outputs, summary, annotations).
//!
//! For `gate`, what counts as *slow* — and so is preceded by marking an existing successful
//! check as in progress — is any request after the first read (pagination past 100 items);
//! see `docs/github.md`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use shipgate_core::config::{self, Overrides};
use shipgate_core::facts::Repository;
use shipgate_core::gates::{GateId, GateResult};
use shipgate_core::render;
use shipgate_core::verdict::{Subject, Verdict, VerdictState};
use shipgate_core::Policy;
use shipgate_github::facts::{
    self as read, Candidate, ConfigFile, Existing, ReadSpec, Selection, Snapshot,
};
use shipgate_github::publish::{Publication, Publisher, Target};
use shipgate_github::targets::{self, RouteInputs, Targets};
use shipgate_github::Client;

use crate::exit;
use crate::outcome::{Failure, Outcome};
use crate::runner::Runner;
use crate::toolkit::{AnnotationProperties, InputOptions, Toolkit};

/// The default config path, read from the production branch.
pub const DEFAULT_CONFIG: &str = ".github/shipgate.yml";

/// A command's inputs and the CLI flags they become: `(input, flag, multiline)`; each command
/// module declares its own table (`commands::verify::INPUTS`, …).
pub type InputTable = [(&'static str, &'static str, bool)];

/// Inputs of `record` (its module keeps no table of its own).
pub const RECORD_INPUTS: &InputTable = &[
    ("environment", "--environment", false),
    ("sha", "--sha", false),
    ("ref", "--ref", false),
    ("version", "--version", false),
    ("state", "--state", false),
    ("started-at", "--started-at", false),
    ("finished-at", "--finished-at", false),
    ("rollback", "--rollback", false),
    ("audit-file", "--audit-file", false),
];

/// Inputs of `report` (its module keeps no table of its own).
pub const REPORT_INPUTS: &InputTable = &[
    ("environment", "--environment", false),
    ("since", "--since", false),
    ("history", "--history", false),
];

/// Runs the Action and returns the exit code.
pub async fn run() -> u8 {
    let mut kit = Toolkit::from_process();
    let now = match moment(kit.env().var("SHIPGATE_NOW")) {
        Ok(now) => now,
        Err(failure) => return fail(&mut kit, failure),
    };
    run_with(&mut kit, now).await
}

/// Runs the Action on a toolkit, as of `now` (tests drive this directly).
pub async fn run_with<W: Write>(kit: &mut Toolkit<W>, now: DateTime<Utc>) -> u8 {
    let command = match kit.input("command", InputOptions::default()) {
        Ok(text) if text.is_empty() => "gate".to_string(),
        Ok(text) => text.to_ascii_lowercase(),
        Err(e) => return fail(kit, Failure::usage(e.to_string())),
    };
    match command.as_str() {
        "gate" => match gate(kit, now).await {
            Ok(code) => code,
            Err(failure) => fail(kit, failure),
        },
        "verify" => dispatch(kit, "verify", super::verify::INPUTS, super::verify::run).await,
        "watch" => dispatch(kit, "watch", super::watch::INPUTS, super::watch::run).await,
        "record" => dispatch(kit, "record", RECORD_INPUTS, super::record::run).await,
        "report" => dispatch(kit, "report", REPORT_INPUTS, super::report::run).await,
        other => fail(
            kit,
            Failure::usage(format!(
                "input `command`: unknown command {other:?}; use gate, verify, watch, record or report"
            )),
        ),
    }
}

/// `SHIPGATE_NOW` (RFC 3339) fixes the moment of evaluation, for reproducible runs; the clock
/// otherwise.
fn moment(text: &str) -> Result<DateTime<Utc>, Failure> {
    if text.trim().is_empty() {
        return Ok(Utc::now());
    }
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Failure::usage(format!("SHIPGATE_NOW: {e}")))
}

/// Writes a failure as an error annotation and returns its exit code.
fn fail<W: Write>(kit: &mut Toolkit<W>, failure: Failure) -> u8 {
    let _ = kit.set_failed(&failure.message);
    failure.exit
}

// ---- generic dispatch of the other commands -------------------------------------------------

/// The command's CLI arguments built from its inputs: `shipgate COMMAND --flag=value …`.
/// Empty inputs are left out (the command's own defaults apply).
pub fn cli_args<W: Write>(
    kit: &Toolkit<W>,
    command: &str,
    table: &InputTable,
) -> Result<Vec<String>, Failure> {
    let mut argv = vec!["shipgate".to_string(), command.to_string()];
    for &(input, flag, multiline) in table {
        let values = if multiline {
            kit.multiline_input(input, InputOptions::default())
                .map_err(|e| Failure::usage(e.to_string()))?
        } else {
            let value = kit
                .input(input, InputOptions::default())
                .map_err(|e| Failure::usage(e.to_string()))?;
            if value.is_empty() {
                Vec::new()
            } else {
                vec![value]
            }
        };
        // `--flag=value` so that a value starting with `-` is never taken for a flag.
        argv.extend(
            values
                .iter()
                .filter(|v| !v.trim().is_empty())
                // Tables write the flag with or without its dashes.
                .map(|v| format!("--{}={v}", flag.trim_start_matches('-'))),
        );
    }
    Ok(argv)
}

/// Parses CLI arguments (`shipgate COMMAND --flag=value …`) into a command's clap arguments;
/// errors quote clap's first line, which names the flag.
pub fn parse_args<T: clap::Args>(argv: &[String]) -> Result<T, Failure> {
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Wrapper<T: clap::Args> {
        #[command(flatten)]
        args: T,
    }
    // `shipgate COMMAND` becomes the program name, the rest are the command's own flags.
    let name = argv.iter().take(2).cloned().collect::<Vec<_>>().join(" ");
    let args = std::iter::once(name).chain(argv.iter().skip(2).cloned());
    Wrapper::<T>::try_parse_from(args)
        .map(|w| w.args)
        .map_err(|e| {
            Failure::usage(format!(
                "the inputs do not make valid arguments: {}",
                e.to_string().lines().next().unwrap_or_default()
            ))
        })
}

async fn dispatch<W, T, F, Fut>(
    kit: &mut Toolkit<W>,
    command: &str,
    table: &InputTable,
    run: F,
) -> u8
where
    W: Write,
    T: clap::Args,
    F: FnOnce(T) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, Failure>>,
{
    // The command reads the token from `INPUT_GITHUB-TOKEN` itself; mask it first, as the
    // gate does, so nothing it prints can reveal it.
    let token = kit
        .input("github-token", InputOptions::default())
        .unwrap_or_default();
    if !token.is_empty() {
        if let Err(e) = kit.mask(&token) {
            return fail(kit, Failure::error(e.to_string()));
        }
    }
    let parsed = cli_args(kit, command, table).and_then(|argv| parse_args::<T>(&argv));
    match parsed {
        Ok(args) => deliver(kit, run(args).await),
        Err(failure) => fail(kit, failure),
    }
}

/// Delivers a command's outcome through the toolkit: log, annotations, outputs, summary.
pub fn deliver<W: Write>(kit: &mut Toolkit<W>, result: Result<Outcome, Failure>) -> u8 {
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(failure) => return fail(kit, failure),
    };
    let mut problems = Vec::new();
    for line in outcome.stdout.lines() {
        if let Err(e) = kit.info(line) {
            problems.push(e.to_string());
        }
    }
    for annotation in &outcome.annotations {
        if let Err(e) = kit.annotate(annotation) {
            problems.push(e.to_string());
        }
    }
    for (name, value) in &outcome.outputs {
        if let Err(e) = kit.set_output(name, value.as_str()) {
            problems.push(e.to_string());
        }
    }
    if let Some(summary) = &outcome.summary {
        if let Err(e) = kit.append_summary_markdown(summary) {
            problems.push(e.to_string());
        }
    }
    if let Some(problem) = problems.into_iter().next() {
        return fail(kit, Failure::error(problem));
    }
    outcome.exit
}

// ---- gate ------------------------------------------------------------------------------------

/// The inputs of `gate` (DESIGN.md section 5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateInputs {
    /// `config`: the path read from the production branch.
    pub config_path: String,
    /// Whether `config` was given (then a missing file is an error, not the defaults).
    pub config_given: bool,
    /// Inputs that override the config file.
    pub overrides: Overrides,
    /// `comment`: whether to keep a sticky PR comment.
    pub comment: bool,
    /// `pull-request`: a PR number that overrides the event.
    pub pull_request: Option<u64>,
    /// `fail-on`: verdicts that fail the step.
    pub fail_on: Vec<VerdictState>,
}

/// Reads and checks the inputs of `gate`; errors name the input.
pub fn gate_inputs<W: Write>(kit: &Toolkit<W>) -> Result<GateInputs, Failure> {
    let text = |name: &str| {
        kit.input(name, InputOptions::default())
            .map_err(|e| Failure::usage(e.to_string()))
    };
    let list = |name: &str| {
        kit.multiline_input(name, InputOptions::default())
            .map_err(|e| Failure::usage(e.to_string()))
    };
    let config = text("config")?;
    let comment = if text("comment")?.is_empty() {
        true
    } else {
        kit.boolean_input("comment", InputOptions::default())
            .map_err(|e| Failure::usage(e.to_string()))?
    };
    let pull_request = match text("pull-request")?.as_str() {
        "" => None,
        value => Some(
            value
                .trim_start_matches('#')
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "input `pull-request`: {value:?} is not a pull request number"
                    ))
                })?,
        ),
    };
    Ok(GateInputs {
        config_given: !config.is_empty(),
        config_path: if config.is_empty() {
            DEFAULT_CONFIG.to_string()
        } else {
            config.trim_start_matches("./").to_string()
        },
        overrides: Overrides {
            production_branch: Some(text("production-branch")?),
            staging_environment: Some(text("staging-environment")?),
            soak: Some(text("soak")?),
            required_approvals: Some(text("required-approvals")?),
            tag_pattern: Some(text("tag-pattern")?),
            required_checks: Some(list("required-checks")?),
            checklist: Some(list("checklist")?),
            check_name: Some(text("check-name")?),
        },
        comment,
        pull_request,
        fail_on: parse_fail_on(&text("fail-on")?)?,
    })
}

/// `fail-on`: verdicts separated by commas, spaces or lines; `none` for never; default `error`.
pub fn parse_fail_on(text: &str) -> Result<Vec<VerdictState>, Failure> {
    let words: Vec<&str> = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Ok(vec![VerdictState::Error]);
    }
    if words == ["none"] {
        return Ok(Vec::new());
    }
    words
        .iter()
        .map(|w| {
            VerdictState::parse(&w.to_ascii_lowercase()).ok_or_else(|| {
                Failure::usage(format!(
                    "input `fail-on`: {w:?} is not a verdict; use pass, pending, fail, error or none"
                ))
            })
        })
        .collect()
}

/// The exit code for a verdict that fails the step.
fn verdict_exit(state: VerdictState) -> u8 {
    match state {
        VerdictState::Pass => exit::OK,
        VerdictState::Pending => exit::PENDING,
        VerdictState::Fail => exit::FAIL,
        VerdictState::Error => exit::ERROR,
    }
}

async fn gate<W: Write>(kit: &mut Toolkit<W>, now: DateTime<Utc>) -> Result<u8, Failure> {
    let runner = Runner::from_env(kit)?;
    let inputs = gate_inputs(kit)?;
    // The inputs alone decide where to read (the config file is on the production branch).
    let mut probe = Policy::default();
    inputs.overrides.apply(&mut probe).map_err(Failure::from)?;
    let event = runner.event()?;
    let targets = targets::route(
        &runner.event_name,
        &event,
        &RouteInputs {
            pull_request: inputs.pull_request,
            production_branch: probe.production_branch.clone(),
            check_name: probe.check_name.clone(),
        },
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    if let Targets::Nothing(reason) = &targets {
        return nothing_to_do(kit, reason);
    }
    let client = runner.client()?;
    let publisher = Publisher::new(&client);
    let own_run = runner.run_id.as_deref().and_then(|id| id.parse().ok());
    let mut spec = read_spec(&runner.repository, &probe, &inputs.config_path, own_run);
    let selection = match &targets {
        Targets::PullRequest(number) => Selection::PullRequest(*number),
        _ => Selection::OpenIntoProduction,
    };

    let mut attempt = 0;
    let (mut snapshot, policy) = loop {
        attempt += 1;
        let snapshot =
            match read_marking_slow(&publisher, &client, &spec, selection, &targets, now).await {
                Ok(snapshot) => snapshot,
                Err(error) => {
                    let message = format!("cannot read from GitHub: {error}");
                    let context = Context {
                        runner: &runner,
                        client: &client,
                        publisher: &publisher,
                        inputs: &inputs,
                        targets: &targets,
                        event: &event,
                        probe: &probe,
                        now,
                    };
                    return read_failed(kit, &context, message).await;
                }
            };
        match policy_from(&snapshot.config, &inputs) {
            Ok(policy) => {
                let wanted = read_spec(&runner.repository, &policy, &inputs.config_path, own_run);
                // The config named another branch or environment than the inputs: read once
                // more where it says (a second config that disagrees again is an error).
                if wanted != spec && attempt == 1 {
                    spec = wanted;
                    continue;
                }
                if wanted != spec {
                    let message = format!(
                        "the config on `{}` names the production branch `{}` and environments `{}`/`{}`, which name yet another config; set the `production-branch` and `staging-environment` inputs",
                        spec.production_branch, wanted.production_branch, wanted.staging_environment, wanted.production_environment
                    );
                    break (snapshot, Err((message, None)));
                }
                break (snapshot, Ok(policy));
            }
            Err(problem) => break (snapshot, Err(problem)),
        }
    };

    snapshot
        .candidates
        .retain(|c| targets.selects(c.number(), &c.facts.sha));
    if snapshot.candidates.is_empty() {
        let reason = match &targets {
            Targets::HeadSha(sha) => format!(
                "no open pull request into `{}` has its head at {sha}",
                spec.production_branch
            ),
            _ => format!("no open pull request into `{}`", spec.production_branch),
        };
        return nothing_to_do(kit, &reason);
    }

    let verdicts: Vec<Verdict> = match &policy {
        Ok(policy) => snapshot
            .candidates
            .iter()
            .map(|c| shipgate_core::evaluate(&c.facts, policy, now))
            .collect(),
        Err((message, line)) => {
            let props = AnnotationProperties {
                title: Some("shipgate config".into()),
                file: Some(spec.config_path.clone()),
                start_line: *line,
                ..AnnotationProperties::default()
            };
            let _ = kit.error(message, &props);
            snapshot
                .candidates
                .iter()
                .map(|c| error_verdict(subject_of(c), message, now))
                .collect()
        }
    };

    let check_name = match &policy {
        Ok(policy) => policy.check_name.clone(),
        Err(_) => probe.check_name.clone(),
    };
    let publish_errors = publish_all(
        &publisher,
        &runner,
        &mut snapshot.candidates,
        &verdicts,
        &check_name,
        inputs.comment,
    )
    .await;
    finish(kit, &verdicts, &inputs, publish_errors)
}

fn read_spec(
    repository: &Repository,
    policy: &Policy,
    config_path: &str,
    own_workflow_run: Option<u64>,
) -> ReadSpec {
    ReadSpec {
        repository: repository.clone(),
        production_branch: policy.production_branch.clone(),
        staging_environment: policy.soak.environment.clone(),
        production_environment: policy.production_environment.clone(),
        config_path: config_path.to_string(),
        check_name: policy.check_name.clone(),
        own_workflow_run,
    }
}

/// The one read; when it needs paging (slow), an existing success is first marked in progress.
async fn read_marking_slow(
    publisher: &Publisher<'_>,
    client: &Client,
    spec: &ReadSpec,
    selection: Selection,
    targets: &Targets,
    now: DateTime<Utc>,
) -> Result<Snapshot, shipgate_github::Error> {
    let first = read::first_read(client, spec, selection).await?;
    let mut marked: HashMap<u64, Existing> = HashMap::new();
    if first.needs_more() {
        let heads: Vec<(u64, String, Existing)> = first
            .heads()
            .into_iter()
            .filter(|(number, sha, _)| targets.selects(*number, sha))
            .collect();
        let marks = heads
            .into_iter()
            .map(|(number, sha, mut existing)| async move {
                let target = Target {
                    repository: &spec.repository,
                    sha: &sha,
                    pull_request: Some(number),
                };
                let wrote = publisher
                    .mark_in_progress(target, &spec.check_name, &mut existing)
                    .await;
                (number, existing, wrote)
            });
        for (number, existing, wrote) in futures::future::join_all(marks).await {
            match wrote {
                Ok(true) => {
                    marked.insert(number, existing);
                }
                Ok(false) => {}
                // Not fatal: the final write below still replaces the old state.
                Err(e) => eprintln!("warning: could not mark #{number} in progress: {e}"),
            }
        }
    }
    let mut snapshot = first.complete(client, now).await?;
    for candidate in &mut snapshot.candidates {
        if let Some(existing) = marked.remove(&candidate.number()) {
            candidate.existing.check_run = existing.check_run;
            candidate.existing.status = existing.status;
        }
    }
    Ok(snapshot)
}

/// The policy: the config file from the production branch, then the inputs. A problem is
/// `(message, line)`.
fn policy_from(config: &ConfigFile, inputs: &GateInputs) -> Result<Policy, (String, Option<u32>)> {
    let mut policy = match config {
        ConfigFile::Text(text) => config::parse(text, Some(Path::new(&inputs.config_path)))
            .map_err(|e| {
                let line = match &e {
                    shipgate_core::Error::Config { line, .. } => {
                        line.and_then(|l| u32::try_from(l).ok())
                    }
                    _ => None,
                };
                (e.to_string(), line)
            })?,
        ConfigFile::Absent if inputs.config_given => {
            return Err((
                format!(
                    "the config file `{}` does not exist on the production branch",
                    inputs.config_path
                ),
                None,
            ))
        }
        ConfigFile::Absent => Policy::default(),
    };
    inputs
        .overrides
        .apply(&mut policy)
        .map_err(|e| (e.to_string(), None))?;
    Ok(policy)
}

fn subject_of(candidate: &Candidate) -> Subject {
    let pr = candidate.facts.pull_request.as_ref();
    Subject {
        repository: candidate.facts.repository.to_string(),
        sha: candidate.facts.sha.clone(),
        pull_request: pr.map(|p| p.number),
        title: pr.map(|p| p.title.clone()),
        head_branch: pr.map(|p| p.head_branch.clone()),
    }
}

/// A verdict for something that could not be evaluated: one `error` row saying why.
fn error_verdict(subject: Subject, message: &str, now: DateTime<Utc>) -> Verdict {
    Verdict {
        verdict: VerdictState::Error,
        subject,
        version: None,
        ready_at: None,
        evaluated_at: now,
        gates: vec![GateResult::error(GateId::Candidate, message).with_unblock(
            "fix the cause and re-run the workflow; nothing counts as passed until then",
        )],
    }
}

/// The publication for a verdict.
fn publication(
    verdict: &Verdict,
    check_name: &str,
    run_url: Option<String>,
    comment: bool,
) -> Publication {
    let markdown = render::markdown(verdict);
    Publication {
        check_name: check_name.to_string(),
        state: verdict.verdict,
        title: render::title(verdict),
        summary: markdown.clone(),
        text: None,
        details_url: run_url,
        comment: comment.then_some(markdown),
    }
}

/// Publishes every verdict, all PRs at once (the client bounds requests in flight and paces
/// creations). Returns the errors, one line each.
async fn publish_all(
    publisher: &Publisher<'_>,
    runner: &Runner,
    candidates: &mut [Candidate],
    verdicts: &[Verdict],
    check_name: &str,
    comment: bool,
) -> Vec<String> {
    let run_url = runner.run_url();
    let jobs = candidates
        .iter_mut()
        .zip(verdicts)
        .map(|(candidate, verdict)| {
            let publication = publication(verdict, check_name, run_url.clone(), comment);
            let number = candidate.number();
            async move {
                let target = Target {
                    repository: &runner.repository,
                    sha: &candidate.facts.sha,
                    pull_request: Some(number),
                };
                publisher
                    .publish(target, &publication, &mut candidate.existing)
                    .await
                    .map_err(|e| format!("cannot publish the verdict of #{number}: {e}"))
            }
        });
    futures::future::join_all(jobs)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect()
}

/// What a `gate` run knows once the event is routed, for the paths that need all of it.
struct Context<'a> {
    runner: &'a Runner,
    client: &'a Client,
    publisher: &'a Publisher<'a>,
    inputs: &'a GateInputs,
    targets: &'a Targets,
    event: &'a Value,
    probe: &'a Policy,
    now: DateTime<Utc>,
}

/// When the read failed: an `error` verdict, published where the SHA is known from the event
/// (with a lookup of the existing check run, never a duplicate; no comment).
async fn read_failed<W: Write>(
    kit: &mut Toolkit<W>,
    context: &Context<'_>,
    message: String,
) -> Result<u8, Failure> {
    let Context {
        runner,
        client,
        publisher,
        inputs,
        targets,
        event,
        probe,
        now,
    } = *context;
    let event_pr = event.get("pull_request");
    let number = match targets {
        Targets::PullRequest(n) => Some(*n),
        _ => None,
    };
    let sha = match targets {
        Targets::HeadSha(sha) => Some(sha.clone()),
        Targets::PullRequest(n)
            if event_pr
                .and_then(|p| p.get("number"))
                .and_then(Value::as_u64)
                == Some(*n) =>
        {
            event_pr
                .and_then(|p| p.get("head"))
                .and_then(|h| h.get("sha"))
                .and_then(Value::as_str)
                .map(str::to_string)
        }
        _ => None,
    };
    let subject = Subject {
        repository: runner.repository.to_string(),
        sha: sha.clone().unwrap_or_default(),
        pull_request: number,
        title: event_pr
            .and_then(|p| p.get("title"))
            .and_then(Value::as_str)
            .map(str::to_string),
        head_branch: None,
    };
    let verdict = error_verdict(subject, &message, now);
    let mut problems = Vec::new();
    if let Some(sha) = &sha {
        let target = Target {
            repository: &runner.repository,
            sha,
            pull_request: number,
        };
        let result = async {
            let mut existing = shipgate_github::publish::lookup_existing(
                client,
                &runner.repository,
                sha,
                &probe.check_name,
            )
            .await?;
            let publication = publication(&verdict, &probe.check_name, runner.run_url(), false);
            publisher.publish(target, &publication, &mut existing).await
        }
        .await;
        if let Err(e) = result {
            problems.push(format!("cannot publish the error verdict: {e}"));
        }
    }
    finish(kit, &[verdict], inputs, problems)
}

fn nothing_to_do<W: Write>(kit: &mut Toolkit<W>, reason: &str) -> Result<u8, Failure> {
    kit.notice(
        &format!("shipgate: nothing to evaluate: {reason}"),
        &AnnotationProperties::default(),
    )
    .map_err(|e| Failure::error(e.to_string()))?;
    kit.set_output("report", render::json_report(&[]).as_str())
        .map_err(|e| Failure::error(e.to_string()))?;
    Ok(exit::OK)
}

/// Outputs, job summary, log and the exit code (`fail-on`, or a publishing error).
fn finish<W: Write>(
    kit: &mut Toolkit<W>,
    verdicts: &[Verdict],
    inputs: &GateInputs,
    publish_errors: Vec<String>,
) -> Result<u8, Failure> {
    let io = |e: crate::toolkit::ToolkitError| Failure::error(e.to_string());
    let worst = render::worst(verdicts).unwrap_or(VerdictState::Error);
    for verdict in verdicts {
        let who = verdict
            .subject
            .pull_request
            .map(|n| format!("#{n}"))
            .unwrap_or_else(|| "the candidate".into());
        kit.info(&format!("{who}: {}", render::title(verdict)))
            .map_err(io)?;
    }
    kit.set_output("verdict", worst.name()).map_err(io)?;
    kit.set_output("report", render::json_report(verdicts).as_str())
        .map_err(io)?;
    if let [single] = verdicts {
        kit.set_output("version", single.version.as_deref().unwrap_or(""))
            .map_err(io)?;
        let ready = single
            .ready_at
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        kit.set_output("ready-at", ready.as_str()).map_err(io)?;
    }
    if kit.env().get(crate::toolkit::SUMMARY_ENV_VAR).is_some() {
        kit.append_summary_markdown(&render::markdown_report(verdicts))
            .map_err(io)?;
    }
    for problem in &publish_errors {
        kit.error(problem, &AnnotationProperties::default())
            .map_err(io)?;
    }
    if !publish_errors.is_empty() {
        kit.set_failed("shipgate could not publish every verdict (see the errors above)")
            .map_err(io)?;
        return Ok(exit::ERROR);
    }
    if inputs.fail_on.contains(&worst) {
        let detail = verdicts
            .iter()
            .filter(|v| v.verdict == worst)
            .map(render::title)
            .collect::<Vec<_>>()
            .join("; ");
        kit.set_failed(format!("shipgate verdict {worst} (fail-on): {detail}"))
            .map_err(io)?;
        return Ok(verdict_exit(worst));
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolkit::Env;

    fn kit(env: Env) -> Toolkit<Vec<u8>> {
        Toolkit::new(env, Vec::new())
    }

    #[test]
    fn fail_on_accepts_lists_and_none() {
        assert_eq!(parse_fail_on("").unwrap(), vec![VerdictState::Error]);
        assert_eq!(
            parse_fail_on("fail, error").unwrap(),
            vec![VerdictState::Fail, VerdictState::Error]
        );
        assert_eq!(
            parse_fail_on("pending\nFAIL").unwrap(),
            vec![VerdictState::Pending, VerdictState::Fail]
        );
        assert!(parse_fail_on("none").unwrap().is_empty());
        let err = parse_fail_on("error, broken").unwrap_err();
        assert!(
            err.message.contains("`fail-on`: \"broken\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn gate_inputs_are_read_like_actions_core() {
        let k = kit(Env::new()
            .with("INPUT_CONFIG", " ./ci/gate.yml ")
            .with("INPUT_REQUIRED-CHECKS", "build\n\n test \n")
            .with("INPUT_COMMENT", "False")
            .with("INPUT_PULL-REQUEST", "#12")
            .with("INPUT_REQUIRED-APPROVALS", "3"));
        let inputs = gate_inputs(&k).unwrap();
        assert_eq!(inputs.config_path, "ci/gate.yml");
        assert!(inputs.config_given);
        assert!(!inputs.comment);
        assert_eq!(inputs.pull_request, Some(12));
        assert_eq!(
            inputs.overrides.required_checks,
            Some(vec!["build".to_string(), "test".to_string()])
        );
        assert_eq!(inputs.fail_on, vec![VerdictState::Error]);
        let defaults = gate_inputs(&kit(Env::new())).unwrap();
        assert_eq!(defaults.config_path, DEFAULT_CONFIG);
        assert!(!defaults.config_given && defaults.comment);
    }

    #[test]
    fn bad_gate_inputs_name_the_input() {
        let err = gate_inputs(&kit(Env::new().with("INPUT_COMMENT", "yes"))).unwrap_err();
        assert!(err.message.contains("comment"), "{}", err.message);
        let err = gate_inputs(&kit(Env::new().with("INPUT_PULL-REQUEST", "abc"))).unwrap_err();
        assert!(err.message.contains("`pull-request`"), "{}", err.message);
    }

    #[test]
    fn command_inputs_become_flags_one_per_line() {
        let k = kit(Env::new()
            .with(
                "INPUT_HEALTH-URLS",
                "https://a.example/health\n\nhttps://b.example\n",
            )
            .with("INPUT_TIMEOUT", "5s")
            .with("INPUT_EXPECT", "-starts-with-dash"));
        let argv = cli_args(&k, "verify", crate::commands::verify::INPUTS).unwrap();
        assert_eq!(
            argv,
            vec![
                "shipgate",
                "verify",
                "--health-url=https://a.example/health",
                "--health-url=https://b.example",
                "--timeout=5s",
                "--expect=-starts-with-dash",
            ]
        );
    }

    #[derive(Debug, clap::Args, PartialEq)]
    struct Sample {
        #[arg(long = "health-url")]
        health_url: Vec<String>,
        #[arg(long, default_value = "10s")]
        timeout: String,
    }

    #[test]
    fn every_table_parses_into_its_commands_arguments() {
        // Every input given: the flags must all exist on the command, with valid values.
        let values: &[(&str, &str)] = &[
            ("health-urls", "https://a.example/health"),
            ("prometheus-url", "http://127.0.0.1:9090"),
            ("metrics", "error_rate = sum(rate(x[1m]))"),
            ("rules", "error_rate > 5% for 5m"),
            ("allow-http", "true"),
            ("rollback", "false"),
            ("state", "success"),
            ("since", "30d"),
            ("environment", "production"),
            ("sha", "ec26c3e57ca3a959ca5aad62de7213c562f8c821"),
        ];
        let mut env = Env::new();
        for (name, value) in values {
            env.set(crate::toolkit::input_variable(name), *value);
        }
        let k = kit(env);
        let check = |command: &str, table: &InputTable| cli_args(&k, command, table).unwrap();
        parse_args::<crate::commands::verify::VerifyArgs>(&check(
            "verify",
            crate::commands::verify::INPUTS,
        ))
        .unwrap();
        parse_args::<crate::commands::watch::WatchArgs>(&check(
            "watch",
            crate::commands::watch::INPUTS,
        ))
        .unwrap();
        parse_args::<crate::commands::record::RecordArgs>(&check("record", RECORD_INPUTS)).unwrap();
        parse_args::<crate::commands::report::ReportArgs>(&check("report", REPORT_INPUTS)).unwrap();
    }

    #[test]
    fn flags_parse_into_the_commands_arguments() {
        let argv: Vec<String> = [
            "shipgate",
            "verify",
            "--health-url=https://a",
            "--health-url=https://b",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let parsed: Sample = parse_args(&argv).unwrap();
        assert_eq!(parsed.health_url, vec!["https://a", "https://b"]);
        assert_eq!(parsed.timeout, "10s");
        let bad: Vec<String> = ["shipgate", "verify", "--nope=1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let err = parse_args::<Sample>(&bad).unwrap_err();
        assert!(err.message.contains("--nope"), "{}", err.message);
    }

    #[tokio::test]
    async fn unknown_commands_are_usage_errors() {
        let mut k = kit(Env::new().with("INPUT_COMMAND", "deploy"));
        assert_eq!(run_with(&mut k, Utc::now()).await, exit::USAGE);
        let log = String::from_utf8(k.into_out()).unwrap();
        assert!(
            log.contains("::error::input `command`: unknown command \"deploy\""),
            "{log}"
        );
    }

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
    fn shipgate_now_fixes_the_moment() {
        assert_eq!(
            moment("2026-11-27T12:00:00Z").unwrap(),
            "2026-11-27T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(moment("yesterday").is_err());
    }
}
