//! `shipgate gate`: evaluates the promotion gates of release candidates — an adapter over the
//! gate pipeline (`crate::pipeline`).
//!
//! Offline (`--facts FILE`) the facts come from a file in the documented format and the
//! evaluation happens "as of" the facts' `captured_at` unless `--now` says otherwise, so the
//! same file always gives the same verdict. Live (`--repo OWNER/NAME [--pr N]`) the facts are
//! read from GitHub (token from `GITHUB_TOKEN`/`GH_TOKEN`, GHES through `GITHUB_API_URL` and
//! `GITHUB_GRAPHQL_URL`) and nothing is published.
//!
//! The policy is the defaults, then the `--config` file, then the override flags (named like
//! the Action's inputs): on the command line, what is evaluated is exactly what the command
//! line says. Everything is decided before anything is printed, so a bad input never leaves
//! half a report on standard output.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use shipgate_core::config::{self, Overrides};
use shipgate_core::facts::Repository;
use shipgate_core::policy::RequiredCheck;
use shipgate_core::render;
use shipgate_core::{Duration, Policy, Verdict};
use shipgate_github::targets::Targets;

use crate::exit;
use crate::inputs::Values;
use crate::outcome::{Failure, Format, Outcome};
use crate::pipeline::{self, PolicySource, Publishing, Request, Source};
use crate::runner;
use crate::toolkit::Env;

/// Where `shipgate gate` takes the facts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactsSource {
    /// A facts file.
    File(PathBuf),
    /// GitHub: one pull request, or every open one into the production branch.
    GitHub {
        /// The repository.
        repository: Repository,
        /// The pull request.
        pull_request: Option<u64>,
    },
}

/// Arguments of `shipgate gate`.
#[derive(Debug, Clone)]
pub struct GateArgs {
    /// Where the facts come from.
    pub from: FactsSource,
    /// The `--config` file.
    pub config: Option<PathBuf>,
    /// The moment of evaluation.
    pub now: Option<DateTime<Utc>>,
    /// The output format.
    pub format: Format,
    /// The override flags.
    pub overrides: Overrides,
}

impl GateArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let from = match (values.text("facts"), values.text("repo")) {
            (Some(_), Some(_)) => {
                return Err(Failure::usage(
                    "--facts and --repo exclude each other: evaluate offline from a facts file, or live from GitHub",
                ))
            }
            (None, None) => {
                return Err(Failure::usage(
                    "give --facts FILE (offline) or --repo OWNER/NAME (live from GitHub)",
                ))
            }
            (Some(file), None) => {
                if values.text("pull-request").is_some() {
                    return Err(Failure::usage(
                        "--pr needs --repo: a facts file holds one candidate already",
                    ));
                }
                FactsSource::File(PathBuf::from(file))
            }
            (None, Some(_)) => FactsSource::GitHub {
                repository: repository(values)?,
                pull_request: pull_request(values)?,
            },
        };
        Ok(Self {
            from,
            config: values.text("config").map(PathBuf::from),
            now: values.parse("now", parse_time)?,
            format: Format::from_values(values)?,
            overrides: overrides(values)?,
        })
    }

    /// The policy in force: the defaults, then the `--config` file, then the override flags.
    pub fn policy(&self) -> Result<Policy, Failure> {
        policy(self.config.as_deref(), &self.overrides)
    }
}

/// The policy of the command line: defaults, then the `--config` file, then the overrides.
pub fn policy(config: Option<&std::path::Path>, overrides: &Overrides) -> Result<Policy, Failure> {
    let mut policy = match config {
        Some(path) => crate::files::config(path)?,
        None => Policy::default(),
    };
    overrides.apply(&mut policy);
    Ok(policy)
}

/// The policy overrides (`--soak`, input `soak`, …), each checked and named in errors.
pub fn overrides(values: &Values) -> Result<Overrides, Failure> {
    let name = |input: &str| values.parse(input, config::name);
    fn list<T>(
        values: &Values,
        input: &str,
        check: fn(&str) -> Result<T, String>,
    ) -> Result<Option<Vec<T>>, Failure> {
        let given = values.raw_list(input);
        if given.is_empty() {
            return Ok(None);
        }
        given
            .iter()
            .map(|value| check(value).map_err(|message| values.invalid(input, &message)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
    fn item(text: &str) -> Result<String, String> {
        let text = text.trim();
        if text.is_empty() {
            Err("an item must not be empty".to_string())
        } else {
            Ok(text.to_string())
        }
    }
    Ok(Overrides {
        production_branch: name("production-branch")?,
        production_environment: name("production-environment")?,
        staging_environment: name("staging-environment")?,
        soak: values.parse("soak", |text| {
            Duration::parse(text).map_err(|e| e.to_string())
        })?,
        required_approvals: values.parse("required-approvals", config::count)?,
        tag_pattern: values.parse("tag-pattern", config::pattern)?,
        required_checks: list(values, "required-checks", RequiredCheck::parse)?,
        checklist: list(values, "checklist", item)?,
        check_name: name("check-name")?,
    })
}

/// The `--pr` flag or `pull-request` input: a pull request number (`12` or `#12`).
pub fn pull_request(values: &Values) -> Result<Option<u64>, Failure> {
    values.parse("pull-request", |text| {
        text.trim_start_matches('#')
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{text:?} is not a pull request number"))
    })
}

/// The `--repo` flag: `OWNER/NAME`.
pub fn repository(values: &Values) -> Result<Repository, Failure> {
    let text = values.required("repo")?;
    runner::parse_repository(text).map_err(|message| values.invalid("repo", &message))
}

/// Parses an RFC 3339 time with an offset, converted to UTC.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!("{text:?} is not an RFC 3339 time ({e}); write e.g. `2026-11-26T15:20:00Z`")
        })
}

/// Runs `shipgate gate`: offline from `--facts`, live with `--repo`.
pub async fn run(args: GateArgs) -> Result<Outcome, Failure> {
    let policy = args.policy()?;
    let (source, targets, now, client);
    match &args.from {
        FactsSource::File(path) => {
            let facts = crate::files::facts(path)?;
            now = args.now.unwrap_or(facts.captured_at);
            source = Source::Facts(vec![facts]);
            targets = Targets::AllOpen;
        }
        FactsSource::GitHub {
            repository,
            pull_request,
        } => {
            client = runner::cli_client(&Env::from_process())?;
            now = args.now.unwrap_or_else(Utc::now);
            source = Source::GitHub {
                client: &client,
                repository: repository.clone(),
                own_workflow_run: None,
            };
            targets = pull_request.map_or(Targets::AllOpen, Targets::PullRequest);
        }
    }
    let run = pipeline::run(Request {
        source,
        targets,
        policy: PolicySource::Given(policy),
        publishing: Publishing::Off,
        now,
    })
    .await
    .map_err(|e| Failure::error(e.to_string()))?;
    Ok(report(&run.verdicts(), args.format, color_wanted()))
}

/// A read-only run of the pipeline against GitHub, as the CLI makes it: the token from the
/// environment, the policy given, nothing published, the real clock.
pub async fn read_from_github(
    repository: &shipgate_core::facts::Repository,
    targets: Targets,
    policy: shipgate_core::policy::Policy,
) -> Result<pipeline::Run, Failure> {
    let client = runner::cli_client(&Env::from_process())?;
    pipeline::run(Request {
        source: Source::GitHub {
            client: &client,
            repository: repository.clone(),
            own_workflow_run: None,
        },
        targets,
        policy: PolicySource::Given(policy),
        publishing: Publishing::Off,
        now: chrono::Utc::now(),
    })
    .await
    .map_err(|e| Failure::error(e.to_string()))
}

/// What the CLI prints for verdicts: one prints on its own; several one after the other (JSON:
/// the Action's `report`); none says so. The exit code is the worst verdict's.
pub fn report(verdicts: &[Verdict], format: Format, color: bool) -> Outcome {
    if let [single] = verdicts {
        return single_report(single, format, color);
    }
    let Some(worst) = render::worst(verdicts) else {
        return Outcome {
            stdout: match format {
                Format::Json => format!("{}\n", render::json_report(verdicts)),
                _ => "no open pull request into the production branch\n".to_string(),
            },
            ..Outcome::default()
        };
    };
    let mut stdout = match format {
        Format::Json => render::json_report(verdicts),
        Format::Markdown => render::markdown_report(verdicts),
        Format::Text => verdicts
            .iter()
            .map(|v| render::text(v, color))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    if !stdout.ends_with('\n') {
        stdout.push('\n');
    }
    Outcome {
        exit: exit::of_verdict(worst),
        stdout,
        outputs: vec![("verdict".to_string(), worst.name().to_string())],
        ..Outcome::default()
    }
}

/// One verdict as the CLI prints it, with the exit code it ends with.
fn single_report(verdict: &Verdict, format: Format, color: bool) -> Outcome {
    let mut outputs = vec![("verdict".to_string(), verdict.verdict.name().to_string())];
    if let Some(version) = &verdict.version {
        outputs.push(("version".to_string(), version.clone()));
    }
    if let Some(ready_at) = verdict.ready_at {
        outputs.push(("ready-at".to_string(), ready_at.to_rfc3339()));
    }
    let mut stdout = match format {
        Format::Text => render::text(verdict, color),
        Format::Markdown => render::markdown(verdict),
        Format::Json => render::json(verdict),
    };
    if !stdout.ends_with('\n') {
        stdout.push('\n');
    }
    Outcome {
        exit: exit::of_verdict(verdict.verdict),
        stdout,
        outputs,
        summary: None,
        annotations: Vec::new(),
    }
}

/// Whether text output may use colour: only on a terminal, and only without `NO_COLOR`
/// (<https://no-color.org>: any non-empty value turns colour off).
pub fn color_wanted() -> bool {
    match COLOR.get().map(String::as_str) {
        Some("always") => true,
        Some("never") => false,
        _ => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && std::io::stdout().is_terminal()
        }
    }
}

/// The `--color` choice of this process (`auto`, `always`, `never`).
static COLOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the `--color` choice, once, before any command runs.
pub fn set_color(choice: &str) {
    let _ = COLOR.set(choice.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{command, Cmd, Origin};

    fn parse(args: &[&str]) -> Result<GateArgs, String> {
        let matches = command(Cmd::Gate)
            .try_get_matches_from(std::iter::once("gate").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        GateArgs::from_values(&Values::from_cli(Cmd::Gate, &matches)).map_err(|f| f.message)
    }

    #[test]
    fn facts_or_repo_is_required_and_they_exclude_each_other() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["--facts", "f.json", "--repo", "a/b"]).is_err());
        assert!(parse(&["--facts", "f.json", "--pr", "3"]).is_err());
        assert!(parse(&["--pr", "3"]).is_err());
        assert!(parse(&["--repo", "a/b", "--pr", "3"]).is_ok());
        assert!(parse(&["--facts", "f.json"]).is_ok());
    }

    #[test]
    fn repo_must_be_owner_slash_name() {
        for bad in ["ab", "/b", "a/", "a/b/c"] {
            let err = parse(&["--repo", bad]).unwrap_err();
            assert!(err.contains("--repo"), "{bad}: {err}");
        }
    }

    #[test]
    fn approvals_below_one_are_rejected_naming_the_flag() {
        for bad in ["0", "-1", "two", ""] {
            let err = parse(&["--facts", "f", "--required-approvals", bad]).unwrap_err();
            assert!(err.contains("--required-approvals"), "{bad}: {err}");
        }
        let args = parse(&["--facts", "f", "--required-approvals", "3"]).unwrap();
        assert_eq!(args.overrides.required_approvals, Some(3));
    }

    #[test]
    fn bad_soak_and_now_are_rejected_naming_the_flag() {
        let err = parse(&["--facts", "f", "--soak", "1.5h"]).unwrap_err();
        assert!(err.contains("--soak"), "{err}");
        let err = parse(&["--facts", "f", "--soak", "-5h"]).unwrap_err();
        assert!(err.contains("--soak") && err.contains("-5h"), "{err}");
        let err = parse(&["--facts", "f", "--now", "yesterday"]).unwrap_err();
        assert!(err.contains("--now"), "{err}");
        let args = parse(&["--facts", "f", "--now", "2026-11-26T17:20:00+02:00"]).unwrap();
        assert_eq!(args.now.unwrap().to_rfc3339(), "2026-11-26T15:20:00+00:00");
    }

    #[test]
    fn overrides_replace_only_what_was_given() {
        let args = parse(&[
            "--facts",
            "f",
            "--soak",
            "36h",
            "--required-check",
            " backend / * ",
            "--required-check",
            "load-test",
            "--checklist-item",
            "Team notified",
            "--production-branch",
            "release",
        ])
        .unwrap();
        let policy = args.policy().unwrap();
        let defaults = Policy::default();
        assert_eq!(policy.soak.duration, Duration::from_hours(36));
        assert_eq!(policy.checks.required, ["backend / *", "load-test"]);
        assert_eq!(policy.checklist.items, ["Team notified"]);
        assert_eq!(policy.production_branch, "release");
        assert_eq!(policy.approvals, defaults.approvals);
        assert_eq!(policy.tag, defaults.tag);
        assert_eq!(policy.soak.environment, defaults.soak.environment);
    }

    #[test]
    fn empty_override_values_are_errors_naming_the_flag() {
        let err = parse(&["--facts", "f", "--tag-pattern", "  "]).unwrap_err();
        assert!(err.contains("--tag-pattern"), "{err}");
        let err = parse(&["--facts", "f", "--checklist-item", " "]).unwrap_err();
        assert!(err.contains("--checklist-item"), "{err}");
    }

    #[test]
    fn invalid_globs_are_errors_naming_the_flag() {
        for (flag, value) in [
            ("--tag-pattern", "v[1"),
            ("--required-check", "backend / ["),
        ] {
            let err = parse(&["--facts", "f", flag, value]).unwrap_err();
            assert!(
                err.starts_with(&format!("invalid value for {flag}: ")),
                "{err}"
            );
            assert!(err.contains(value), "{err}");
        }
    }

    #[test]
    fn the_override_errors_shown_in_the_docs_are_the_real_ones() {
        let docs = include_str!("../../../../docs/config.md");
        let action = Values::new(Cmd::Gate, Origin::Action, &[("required-approvals", "zero")]);
        let cli = Values::new(Cmd::Gate, Origin::Cli, &[("soak", "1 day")]);
        for values in [action, cli] {
            let message = overrides(&values).unwrap_err().message;
            assert!(
                docs.contains(&format!("\n{message}\n")),
                "docs/config.md does not show: {message}"
            );
        }
    }

    #[test]
    fn action_inputs_name_the_input_and_blank_is_not_given() {
        let values = Values::new(
            Cmd::Gate,
            Origin::Action,
            &[("required-approvals", "zero"), ("soak", "48h")],
        );
        let err = overrides(&values).unwrap_err();
        assert_eq!(
            err.message,
            "invalid value for input `required-approvals`: \"zero\" is not a positive whole number"
        );
        let values = Values::new(Cmd::Gate, Origin::Action, &[("soak", "48h")]);
        let given = overrides(&values).unwrap();
        assert_eq!(given.soak, Some(Duration::from_hours(48)));
        assert_eq!(given.required_checks, None);
        let values = Values::new(Cmd::Gate, Origin::Action, &[("pull-request", "#12")]);
        assert_eq!(pull_request(&values).unwrap(), Some(12));
        let values = Values::new(Cmd::Gate, Origin::Action, &[("pull-request", "abc")]);
        assert!(pull_request(&values)
            .unwrap_err()
            .message
            .contains("input `pull-request`"));
    }
}
