//! `shipgate gate`: evaluates the promotion gates of one release candidate.
//!
//! Offline (`--facts FILE`) the facts come from a file in the documented format and the
//! evaluation happens "as of" the facts' `captured_at` unless `--now` says otherwise, so the
//! same file always gives the same verdict. Live (`--repo OWNER/NAME [--pr N]`) the facts are
//! read from GitHub by [`crate::commands::live::gate`].
//!
//! The policy is the defaults, then the `--config` file, then the override flags (named like
//! the Action's inputs). Everything is decided before anything is printed, so a bad input never
//! leaves half a report on standard output.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::ArgGroup;
use shipgate_core::config::Overrides;
use shipgate_core::render;
use shipgate_core::verdict::VerdictState;
use shipgate_core::{Duration, Policy, Verdict};

use crate::exit;
use crate::outcome::{Failure, Outcome};

/// The output format of `shipgate gate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text for a terminal (coloured only on a TTY without `NO_COLOR`).
    Text,
    /// Markdown, as in the job summary and the PR comment.
    Markdown,
    /// JSON: the verdict with every gate's state and reason.
    Json,
}

/// Arguments of `shipgate gate`.
#[derive(Debug, clap::Args)]
#[command(group(
    ArgGroup::new("source")
        .required(true)
        .args(["facts", "repo"]),
))]
pub struct GateArgs {
    /// Evaluate offline from this facts file (format: docs/facts-format.md).
    #[arg(long, value_name = "FILE", conflicts_with = "pr")]
    pub facts: Option<PathBuf>,
    /// A YAML config file (format: docs/config.md); the built-in defaults otherwise.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The moment of evaluation (RFC 3339); default: the facts' `captured_at` offline, the
    /// current time live.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Overrides of the config, named like the Action's inputs (boxed: they are most of the
    /// size of the arguments, and clippy's `large_enum_variant` watches the command enum).
    #[command(flatten)]
    pub overrides: Box<OverrideArgs>,
    /// Evaluate live: the GitHub repository, `OWNER/NAME`.
    #[arg(long, value_name = "OWNER/NAME", value_parser = parse_repo)]
    pub repo: Option<String>,
    /// Evaluate live: the pull request number (default: every open PR into the production
    /// branch).
    #[arg(long, value_name = "N", requires = "repo", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: Option<u64>,
}

/// Flags that override the config file, one per Action input of the same name.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OverrideArgs {
    /// The branch that deploys to production (default `main`).
    #[arg(long, value_name = "BRANCH")]
    pub production_branch: Option<String>,
    /// The environment the release soaks in (default `staging`).
    #[arg(long, value_name = "NAME")]
    pub staging_environment: Option<String>,
    /// How long the release must run in staging without a break, e.g. `24h`, `90m`, `1d12h`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub soak: Option<Duration>,
    /// Distinct eligible approvals needed (at least 1; default 2).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_approvals)]
    pub required_approvals: Option<u32>,
    /// Glob for release tag names (default `v*`).
    #[arg(long, value_name = "GLOB")]
    pub tag_pattern: Option<String>,
    /// A required check name or glob; repeat for several (default: every reported check).
    #[arg(long = "required-check", value_name = "NAME")]
    pub required_checks: Vec<String>,
    /// A checklist item that must be ticked in the PR body; repeat for several.
    #[arg(long = "checklist-item", value_name = "TEXT")]
    pub checklist: Vec<String>,
    /// The name of shipgate's own check run, left out of the checks gate (default `shipgate`).
    #[arg(long, value_name = "NAME")]
    pub check_name: Option<String>,
}

impl OverrideArgs {
    /// The flags as the Action's input overrides. Blank values are errors here: on the command
    /// line an empty `--tag-pattern ""` is a mistake, not "not given" as for Action inputs.
    pub fn to_overrides(&self) -> Result<Overrides, Failure> {
        let text = |flag: &str, value: &Option<String>| -> Result<Option<String>, Failure> {
            value.as_deref().map(|v| non_empty(flag, v)).transpose()
        };
        let list = |flag: &str, values: &[String]| -> Result<Option<Vec<String>>, Failure> {
            if values.is_empty() {
                return Ok(None);
            }
            trimmed_list(flag, values).map(Some)
        };
        Ok(Overrides {
            production_branch: text("--production-branch", &self.production_branch)?,
            staging_environment: text("--staging-environment", &self.staging_environment)?,
            soak: self.soak.map(|soak| soak.to_string()),
            required_approvals: self.required_approvals.map(|n| n.to_string()),
            tag_pattern: text("--tag-pattern", &self.tag_pattern)?,
            required_checks: list("--required-check", &self.required_checks)?,
            checklist: list("--checklist-item", &self.checklist)?,
            check_name: text("--check-name", &self.check_name)?,
        })
    }
}

impl GateArgs {
    /// The policy in force: the defaults, then the `--config` file, then the override flags.
    pub fn policy(&self) -> Result<Policy, Failure> {
        let mut policy = match &self.config {
            Some(path) => crate::files::config(path)?,
            None => Policy::default(),
        };
        self.overrides
            .to_overrides()?
            .apply(&mut policy)
            .map_err(override_error)?;
        Ok(policy)
    }
}

/// Runs `shipgate gate`: offline from `--facts`, live with `--repo`.
pub async fn run(args: GateArgs) -> Result<Outcome, Failure> {
    match &args.facts {
        Some(path) => run_offline(&args, path),
        // clap guarantees `--repo` here (the `source` group is required).
        None => crate::commands::live::gate(&args).await,
    }
}

/// Evaluates the facts file at `path` under the policy of `args`.
fn run_offline(args: &GateArgs, path: &Path) -> Result<Outcome, Failure> {
    let policy = args.policy()?;
    let facts = crate::files::facts(path)?;
    let now = args.now.unwrap_or(facts.captured_at);
    let verdict = shipgate_core::evaluate(&facts, &policy, now);
    Ok(outcome(&verdict, args.format, color_wanted()))
}

/// Turns a verdict into what the CLI prints and the exit code it ends with.
pub fn outcome(verdict: &Verdict, format: Format, color: bool) -> Outcome {
    let mut outputs = vec![("verdict".to_string(), verdict.verdict.name().to_string())];
    if let Some(version) = &verdict.version {
        outputs.push(("version".to_string(), version.clone()));
    }
    if let Some(ready_at) = verdict.ready_at {
        outputs.push(("ready-at".to_string(), ready_at.to_rfc3339()));
    }
    let mut stdout = render(verdict, format, color);
    if !stdout.ends_with('\n') {
        stdout.push('\n');
    }
    Outcome {
        exit: exit_code(verdict.verdict),
        stdout,
        outputs,
        summary: None,
        annotations: Vec::new(),
    }
}

/// The exit code of a verdict: 0 pass, 3 pending, 4 fail, 1 error (see `docs/cli.md`).
pub fn exit_code(verdict: VerdictState) -> u8 {
    match verdict {
        VerdictState::Pass => exit::OK,
        VerdictState::Pending => exit::PENDING,
        VerdictState::Fail => exit::FAIL,
        VerdictState::Error => exit::ERROR,
    }
}

/// Whether text output may use colour: only on a terminal, and only without `NO_COLOR`
/// (<https://no-color.org>: any non-empty value turns colour off).
pub fn color_wanted() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stdout().is_terminal()
}

/// Renders the verdict in the requested format.
fn render(verdict: &Verdict, format: Format, color: bool) -> String {
    match format {
        Format::Text => render::text(verdict, color),
        Format::Markdown => render::markdown(verdict),
        Format::Json => render::json(verdict),
    }
}

/// Turns an error of [`Overrides::apply`], which names the Action input, into one naming the
/// command-line flag.
fn override_error(error: shipgate_core::Error) -> Failure {
    match &error {
        shipgate_core::Error::Config {
            path: None,
            key: Some(input),
            message,
            ..
        } => {
            let flag = match input.as_str() {
                "required-checks" => "required-check",
                "checklist" => "checklist-item",
                other => other,
            };
            let detail = message
                .strip_prefix(&format!("{input}: "))
                .unwrap_or(message);
            Failure::usage(format!("invalid value for --{flag}: {detail}"))
        }
        _ => Failure::from(error),
    }
}

/// Parses `--now`: an RFC 3339 timestamp with an offset, converted to UTC.
fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{e}; write e.g. `2026-11-26T15:20:00Z`"))
}

/// Parses `--soak` with the flow's duration syntax.
fn parse_duration(text: &str) -> Result<Duration, String> {
    Duration::parse(text).map_err(|e| e.to_string())
}

/// Parses `--required-approvals`: a whole number of at least 1 (zero would let anyone merge).
fn parse_approvals(text: &str) -> Result<u32, String> {
    let n: i64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))?;
    if n < 1 {
        return Err(format!(
            "must be at least 1 ({n} would let a release through unreviewed)"
        ));
    }
    u32::try_from(n).map_err(|_| format!("{n} is too large"))
}

/// Parses `--repo OWNER/NAME`.
fn parse_repo(text: &str) -> Result<String, String> {
    match text.split_once('/') {
        Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok(text.to_string())
        }
        _ => Err(format!("{text:?} is not OWNER/NAME")),
    }
}

/// Rejects an empty override value, naming the flag.
fn non_empty(flag: &str, value: &str) -> Result<String, Failure> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Failure::usage(format!("{flag} is empty")));
    }
    Ok(value.to_string())
}

/// Trims every value of a repeated flag, rejecting empty ones.
fn trimmed_list(flag: &str, values: &[String]) -> Result<Vec<String>, Failure> {
    values.iter().map(|v| non_empty(flag, v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        gate: GateArgs,
    }

    fn parse(args: &[&str]) -> Result<GateArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("gate").chain(args.iter().copied())).map(|c| c.gate)
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
            assert!(parse(&["--repo", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn approvals_below_one_are_rejected_naming_the_flag() {
        for bad in ["0", "-1", "two", ""] {
            let err = parse(&["--facts", "f", "--required-approvals", bad]).unwrap_err();
            assert!(
                err.to_string().contains("--required-approvals"),
                "{bad}: {err}"
            );
        }
        let args = parse(&["--facts", "f", "--required-approvals", "3"]).unwrap();
        assert_eq!(args.overrides.required_approvals, Some(3));
    }

    #[test]
    fn bad_soak_and_now_are_rejected_naming_the_flag() {
        let err = parse(&["--facts", "f", "--soak", "1.5h"]).unwrap_err();
        assert!(err.to_string().contains("--soak"), "{err}");
        let err = parse(&["--facts", "f", "--now", "yesterday"]).unwrap_err();
        assert!(err.to_string().contains("--now"), "{err}");
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
        let args = parse(&["--facts", "f", "--tag-pattern", "  "]).unwrap();
        let err = args.policy().unwrap_err();
        assert_eq!(err.exit, exit::USAGE);
        assert!(err.message.contains("--tag-pattern"), "{}", err.message);
    }

    #[test]
    fn invalid_globs_are_errors_naming_the_flag() {
        for (flag, value) in [
            ("--tag-pattern", "v[1"),
            ("--required-check", "backend / ["),
        ] {
            let args = parse(&["--facts", "f", flag, value]).unwrap();
            let err = args.policy().unwrap_err();
            assert_eq!(err.exit, exit::USAGE);
            assert!(
                err.message
                    .starts_with(&format!("invalid value for {flag}: ")),
                "{}",
                err.message
            );
            assert!(err.message.contains(value), "{}", err.message);
        }
    }

    #[test]
    fn exit_codes_follow_the_verdict() {
        assert_eq!(exit_code(VerdictState::Pass), 0);
        assert_eq!(exit_code(VerdictState::Pending), 3);
        assert_eq!(exit_code(VerdictState::Fail), 4);
        assert_eq!(exit_code(VerdictState::Error), 1);
    }
}
