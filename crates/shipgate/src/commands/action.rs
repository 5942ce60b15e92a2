//! `shipgate action`: the GitHub Action entry point (`docs/action.md`).
//!
//! The `command` input picks the job (`gate` by default). Every command reads its inputs from
//! the one declared table (`crate::inputs`), exactly as the command line does, and delivers its
//! [`Outcome`] through the toolkit (outputs, summary, annotations). `gate` is the Action's
//! adapter over the gate pipeline (`crate::pipeline`): event → targets, the config file on the
//! production branch plus the inputs, publishing on.

use std::io::Write;

use chrono::{DateTime, Utc};
use shipgate_core::config::Overrides;
use shipgate_core::render;
use shipgate_core::trust::{workflow_trust, Trust};
use shipgate_core::verdict::{Verdict, VerdictState};
use shipgate_core::Policy;
use shipgate_github::targets::{self, RouteInputs};

use super::gate;
use crate::exit;
use crate::inputs::{Cmd, Values};
use crate::outcome::{Failure, Outcome};
use crate::pipeline::{self, PolicySource, Publishing, Request, Source, DEFAULT_CONFIG};
use crate::runner::Runner;
use crate::toolkit::{Annotation, AnnotationProperties, InputOptions, Level, Toolkit};

/// Runs the Action and returns the exit code. The moment of evaluation is the clock's: nothing
/// in the environment can move it (a PR could otherwise age its own soak).
pub async fn run() -> u8 {
    let mut kit = Toolkit::from_process();
    run_with(&mut kit, Utc::now()).await
}

/// Runs the Action on a toolkit, as of `now` (tests drive this directly).
pub async fn run_with<W: Write>(kit: &mut Toolkit<W>, now: DateTime<Utc>) -> u8 {
    let command = match kit.input("command", InputOptions::default()) {
        Ok(text) if text.is_empty() => "gate".to_string(),
        Ok(text) => text.to_ascii_lowercase(),
        Err(e) => return fail(kit, Failure::usage(e.to_string())),
    };
    let cmd = match Cmd::parse(&command).filter(|c| c.in_action()) {
        Some(cmd) => cmd,
        None => {
            return fail(
                kit,
                Failure::usage(format!(
                    "input `command`: unknown command {command:?}; use gate, guard, verify, watch, record or report"
                )),
            )
        }
    };
    if cmd == Cmd::Gate || cmd == Cmd::Guard {
        let result = if cmd == Cmd::Gate {
            gate(kit, now).await
        } else {
            guard(kit, now).await
        };
        return match result {
            Ok(code) => code,
            Err(failure) => fail(kit, failure),
        };
    }
    // The command reads the token from `INPUT_GITHUB-TOKEN` itself, and the webhooks from
    // their inputs; mask them first, as the gate does the token, so nothing it prints can
    // reveal them (chat and deploy webhooks carry their secret in the URL).
    for secret in ["github-token", "notify-webhook", "rollback-webhook"] {
        let value = kit
            .input(secret, InputOptions::default())
            .unwrap_or_default();
        if !value.is_empty() {
            if let Err(e) = kit.mask(&value) {
                return fail(kit, Failure::error(e.to_string()));
            }
        }
    }
    let result = match Values::from_action(cmd, kit) {
        Ok(values) => super::run(cmd, &values).await,
        Err(failure) => Err(failure),
    };
    deliver(kit, result)
}

/// Writes a failure as an error annotation and returns its exit code.
fn fail<W: Write>(kit: &mut Toolkit<W>, failure: Failure) -> u8 {
    let _ = kit.set_failed(&failure.message);
    failure.exit
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

/// The inputs of the Action's `gate`.
#[derive(Debug, Clone)]
pub struct GateSettings {
    /// The config file's path on the production branch.
    pub config: String,
    /// The overrides of the config file.
    pub overrides: Overrides,
    /// Keep a sticky comment.
    pub comment: bool,
    /// The pull request, when named.
    pub pull_request: Option<u64>,
    /// The verdicts that fail the step.
    pub fail_on: Vec<VerdictState>,
}

impl GateSettings {
    /// Reads the settings from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        Ok(Self {
            config: config_path(values),
            overrides: gate::overrides(values)?,
            comment: values.flag("comment")?,
            pull_request: gate::pull_request(values)?,
            fail_on: parse_fail_on(values.text("fail-on").unwrap_or_default())?,
        })
    }
}

/// The Action's `gate`: route the event, run the pipeline with publishing on, report.
async fn gate<W: Write>(kit: &mut Toolkit<W>, now: DateTime<Utc>) -> Result<u8, Failure> {
    let runner = Runner::from_env(kit)?;
    let settings = GateSettings::from_values(&Values::from_action(Cmd::Gate, kit)?)?;
    // The inputs alone decide where to route (the config file is read with the facts).
    let mut probe = Policy::default();
    settings.overrides.apply(&mut probe);
    let event = runner.event()?;
    let targets = targets::route(
        &runner.event_name,
        &event,
        &RouteInputs {
            pull_request: settings.pull_request,
            production_branch: probe.production_branch.clone(),
            check_name: probe.check_name.clone(),
        },
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    let client = runner.client()?;
    // Only a workflow read from a trusted branch decides; elsewhere the verdict is shown and
    // nothing is published.
    let default_branch = event
        .get("repository")
        .and_then(|r| r.get("default_branch"))
        .and_then(serde_json::Value::as_str);
    let trust = workflow_trust(
        &runner.workflow_ref,
        &runner.event_name,
        &probe.production_branch,
        default_branch,
    );
    let GateSettings {
        config: path,
        overrides,
        comment,
        fail_on,
        ..
    } = settings;
    let publishing = match &trust {
        Trust::Trusted => Publishing::On {
            comment,
            details_url: runner.run_url(),
        },
        Trust::Untrusted(why) => {
            kit.annotate(&Annotation {
                title: Some("shipgate: untrusted workflow".into()),
                ..Annotation::new(Level::Warning, format!("shipgate published nothing: {why}"))
            })
            .map_err(|e| Failure::error(e.to_string()))?;
            Publishing::Off
        }
    };
    let run = pipeline::run(Request {
        source: Source::GitHub {
            client: &client,
            repository: runner.repository.clone(),
            own_workflow_run: runner.run_id.as_deref().and_then(|id| id.parse().ok()),
        },
        targets,
        policy: PolicySource::ProductionBranch {
            explicit: path != DEFAULT_CONFIG,
            path,
            overrides,
        },
        publishing,
        now,
    })
    .await
    .map_err(|e| Failure::error(e.to_string()))?;
    if let Some(reason) = &run.nothing {
        return nothing_to_do(kit, reason);
    }
    annotate_config_problem(kit, &run);
    finish(
        kit,
        &run.verdicts(),
        &fail_on,
        &run.publish_errors,
        &run.deferred,
    )
}

/// The inputs of the Action's `guard`.
#[derive(Debug, Clone)]
pub struct GuardSettings {
    /// The config file's path on the production branch.
    pub config: String,
    /// The overrides of the config file.
    pub overrides: Overrides,
    /// The commit about to be deployed, when named (else `GITHUB_SHA`).
    pub sha: Option<String>,
    /// The verdicts that fail the step.
    pub fail_on: Vec<VerdictState>,
}

impl GuardSettings {
    /// Reads the settings from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        Ok(Self {
            config: config_path(values),
            overrides: gate::overrides(values)?,
            sha: values
                .text("sha")
                .map(|sha| super::guard::commit_sha(values, sha))
                .transpose()?,
            fail_on: parse_fail_on(values.text("fail-on").unwrap_or_default())?,
        })
    }
}

/// The Action's `guard`: the commit about to be deployed (`sha`, else `GITHUB_SHA`) must come
/// from a release PR whose gates pass now. Nothing is published; with the default `fail-on`
/// anything but a pass fails the step, so the deploy after it never starts.
async fn guard<W: Write>(kit: &mut Toolkit<W>, now: DateTime<Utc>) -> Result<u8, Failure> {
    let runner = Runner::from_env(kit)?;
    let values = Values::from_action(Cmd::Guard, kit)?;
    let settings = GuardSettings::from_values(&values)?;
    let sha = match settings.sha {
        Some(sha) => sha,
        None => super::guard::commit_sha(&values, &runner.sha)?,
    };
    let client = runner.client()?;
    let run = pipeline::run(Request {
        source: Source::GitHub {
            client: &client,
            repository: runner.repository.clone(),
            own_workflow_run: runner.run_id.as_deref().and_then(|id| id.parse().ok()),
        },
        targets: shipgate_github::targets::Targets::Commit(sha),
        policy: PolicySource::ProductionBranch {
            explicit: settings.config != DEFAULT_CONFIG,
            path: settings.config,
            overrides: settings.overrides,
        },
        publishing: Publishing::Off,
        now,
    })
    .await
    .map_err(|e| Failure::error(e.to_string()))?;
    annotate_config_problem(kit, &run);
    finish(
        kit,
        &run.verdicts(),
        &settings.fail_on,
        &run.publish_errors,
        &[],
    )
}

/// The `config` input: the config file's path on the production branch.
fn config_path(values: &Values) -> String {
    values
        .text("config")
        .unwrap_or(DEFAULT_CONFIG)
        .trim_start_matches("./")
        .to_string()
}

/// An error annotation on the config file, when the run could not use it.
fn annotate_config_problem<W: Write>(kit: &mut Toolkit<W>, run: &pipeline::Run) {
    if let Some(problem) = &run.config_problem {
        let props = AnnotationProperties {
            title: Some("shipgate config".into()),
            file: Some(problem.path.clone()),
            start_line: problem.line,
            ..AnnotationProperties::default()
        };
        let _ = kit.error(&problem.message, &props);
    }
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

/// Outputs, job summary, log and the exit code (`fail-on`, or a publishing error); a notice
/// names the pull requests whose publication waits for the next run.
fn finish<W: Write>(
    kit: &mut Toolkit<W>,
    verdicts: &[Verdict],
    fail_on: &[VerdictState],
    publish_errors: &[String],
    deferred: &[u64],
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
    if !deferred.is_empty() {
        let list = deferred
            .iter()
            .map(|n| format!("#{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        kit.notice(
            &format!(
                "shipgate: not yet published for {list}: this run's budget of content-creating requests (GitHub's limit of 500 an hour) is spent; the next run publishes them"
            ),
            &AnnotationProperties {
                title: Some("shipgate: publishing deferred".into()),
                ..AnnotationProperties::default()
            },
        )
        .map_err(io)?;
    }
    for problem in publish_errors {
        kit.error(problem, &AnnotationProperties::default())
            .map_err(io)?;
    }
    if !publish_errors.is_empty() {
        kit.set_failed("shipgate could not publish every verdict (see the errors above)")
            .map_err(io)?;
        return Ok(exit::ERROR);
    }
    if fail_on.contains(&worst) {
        let detail = verdicts
            .iter()
            .filter(|v| v.verdict == worst)
            .map(render::title)
            .collect::<Vec<_>>()
            .join("; ");
        kit.set_failed(format!("shipgate verdict {worst} (fail-on): {detail}"))
            .map_err(io)?;
        return Ok(exit::of_verdict(worst));
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
    fn deferred_publications_are_named_in_a_notice() {
        let mut k = kit(Env::new());
        let verdict = crate::pipeline::error_verdict(
            shipgate_core::verdict::Subject {
                repository: "acme/shop".into(),
                sha: "abc".into(),
                pull_request: Some(3),
                title: None,
                head_branch: None,
            },
            "boom",
            Utc::now(),
        );
        let code = finish(&mut k, &[verdict], &[], &[], &[3, 9]).unwrap();
        assert_eq!(code, exit::OK, "a deferral alone does not fail the step");
        let log = String::from_utf8(k.into_out()).unwrap();
        let notice = log
            .lines()
            .find(|l| l.starts_with("::notice "))
            .unwrap_or_else(|| panic!("no notice in {log}"));
        assert!(
            notice.contains("not yet published for #3, #9") && notice.contains("next run"),
            "{notice}"
        );
    }
}
