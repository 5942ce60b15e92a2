//! `shipgate facts --repo OWNER/NAME --pr N [--out FILE]`: reads a pull request's facts from
//! GitHub (the same one GraphQL read as the Action) and writes them as a facts file, for offline
//! simulation with `shipgate gate --facts FILE`.
//!
//! The token comes from `GITHUB_TOKEN`/`GH_TOKEN`; `GITHUB_API_URL`/`GITHUB_GRAPHQL_URL` point
//! at GitHub Enterprise Server. The file is written whole or not at all (temporary file, then
//! rename).

use std::path::PathBuf;

use chrono::Utc;
use shipgate_github::facts::{self as read, ReadSpec, Selection};

use crate::outcome::{Failure, Outcome};
use crate::runner;
use crate::toolkit::Env;

/// Arguments of `shipgate facts`.
#[derive(Debug, clap::Args)]
pub struct FactsArgs {
    /// The repository, `OWNER/NAME`.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: String,
    /// The pull request number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: u64,
    /// Write the facts to this file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The production branch (where the release tags' versions are compared).
    #[arg(long, value_name = "BRANCH", default_value = "main")]
    pub production_branch: String,
    /// The staging environment whose deployments are read.
    #[arg(long, value_name = "NAME", default_value = "staging")]
    pub staging_environment: String,
    /// The production environment whose deployments are read.
    #[arg(long, value_name = "NAME", default_value = "production")]
    pub production_environment: String,
    /// shipgate's own check name (left out of the facts' check runs).
    #[arg(long, value_name = "NAME", default_value = "shipgate")]
    pub check_name: String,
}

/// Runs `shipgate facts`.
pub async fn run(args: FactsArgs) -> Result<Outcome, Failure> {
    let repository = runner::parse_repository(&args.repo)
        .map_err(|message| Failure::usage(format!("--repo: {message}")))?;
    let client = runner::cli_client(&Env::from_process())?;
    let spec = ReadSpec {
        repository,
        production_branch: args.production_branch.clone(),
        staging_environment: args.staging_environment.clone(),
        production_environment: args.production_environment.clone(),
        config_path: super::action::DEFAULT_CONFIG.to_string(),
        check_name: args.check_name.clone(),
        own_workflow_run: None,
    };
    let snapshot = read::read(&client, &spec, Selection::PullRequest(args.pr), Utc::now())
        .await
        .map_err(|e| Failure::error(format!("cannot read from GitHub: {e}")))?;
    let candidate = snapshot
        .candidates
        .first()
        .ok_or_else(|| Failure::error(format!("pull request #{} was not returned", args.pr)))?;
    let mut json = candidate.facts.to_json();
    json.push('\n');
    match &args.out {
        None => Ok(Outcome {
            stdout: json,
            ..Outcome::default()
        }),
        Some(path) => {
            write_whole(path, &json)?;
            Ok(Outcome {
                stdout: format!(
                    "wrote the facts of {}#{} ({}) to {}\n",
                    args.repo,
                    args.pr,
                    &candidate.facts.sha[..candidate.facts.sha.len().min(7)],
                    path.display()
                ),
                ..Outcome::default()
            })
        }
    }
}

/// Writes a file whole: a temporary file beside it, then a rename.
fn write_whole(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    let file_name = path
        .file_name()
        .ok_or_else(|| Failure::usage(format!("--out: {} is not a file path", path.display())))?;
    let temp = path.with_file_name(format!(".{}.tmp", file_name.to_string_lossy()));
    std::fs::write(&temp, text)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Failure::error(format!("--out: cannot write {}: {e}", path.display()))
        })
}
