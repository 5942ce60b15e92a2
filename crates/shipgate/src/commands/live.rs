//! Live gate evaluation against GitHub: `shipgate gate --repo OWNER/NAME [--pr N]`.
//!
//! The facts come from the same one GraphQL read as in the Action, with the token from
//! `GITHUB_TOKEN`/`GH_TOKEN` and GitHub's URLs from `GITHUB_API_URL`/`GITHUB_GRAPHQL_URL` (for
//! GHES). The policy is the CLI's own (defaults, `--config FILE`, override flags): the config
//! file on the production branch is not consulted, so what is evaluated is exactly what the
//! command line says. Nothing is published.

use chrono::{DateTime, Utc};
use shipgate_core::{render, Policy, Verdict};
use shipgate_github::facts::{self as read, ReadSpec, Selection};

use crate::outcome::{Failure, Outcome};
use crate::runner;
use crate::toolkit::Env;

/// Evaluates the gate live for `shipgate gate --repo OWNER/NAME [--pr N]`: one PR prints like
/// an offline evaluation; several (no `--pr`) print one after the other (JSON: the Action's
/// `report`), and the exit code is the worst verdict's.
pub async fn gate(args: &super::gate::GateArgs) -> Result<Outcome, Failure> {
    let repository = args
        .repo
        .as_deref()
        .ok_or_else(|| Failure::usage("live evaluation needs --repo OWNER/NAME"))?;
    let policy = args.policy()?;
    let verdicts = evaluate(repository, args.pr, &policy, args.now).await?;
    Ok(outcome(&verdicts, args.format, super::gate::color_wanted()))
}

/// What the CLI prints for the verdicts of a live evaluation.
fn outcome(verdicts: &[Verdict], format: super::gate::Format, color: bool) -> Outcome {
    use super::gate::Format;
    if let [single] = verdicts {
        return super::gate::outcome(single, format, color);
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
        exit: super::gate::exit_code(worst),
        stdout,
        outputs: vec![("verdict".to_string(), worst.name().to_string())],
        ..Outcome::default()
    }
}

/// Reads the facts of one PR (or of every open PR into the production branch) and evaluates
/// them as of `now` (default: the current time). Verdicts come in PR-creation order.
pub async fn evaluate(
    repository: &str,
    pull_request: Option<u64>,
    policy: &Policy,
    now: Option<DateTime<Utc>>,
) -> Result<Vec<Verdict>, Failure> {
    let repository = runner::parse_repository(repository)
        .map_err(|message| Failure::usage(format!("--repo: {message}")))?;
    let client = runner::cli_client(&Env::from_process())?;
    let spec = ReadSpec {
        repository,
        production_branch: policy.production_branch.clone(),
        staging_environment: policy.soak.environment.clone(),
        production_environment: policy.production_environment.clone(),
        config_path: super::action::DEFAULT_CONFIG.to_string(),
        check_name: policy.check_name.clone(),
        own_workflow_run: None,
    };
    let selection = pull_request.map_or(Selection::OpenIntoProduction, Selection::PullRequest);
    let now = now.unwrap_or_else(Utc::now);
    let snapshot = read::read(&client, &spec, selection, now)
        .await
        .map_err(|e| Failure::error(format!("cannot read from GitHub: {e}")))?;
    Ok(snapshot
        .candidates
        .iter()
        .map(|c| shipgate_core::evaluate(&c.facts, policy, now))
        .collect())
}
