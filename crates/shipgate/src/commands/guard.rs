//! `shipgate guard --repo OWNER/NAME --sha SHA`: the deploy guard, an adapter over the gate
//! pipeline (`crate::pipeline`, targets = one commit).
//!
//! The commit about to be deployed must come from a release pull request — its merge commit,
//! or its head after a fast-forward or rebase merge — whose gates pass now
//! (`shipgate_core::guard`). A direct push, an admin merge past a gate that was failing or still
//! pending, or a release that no longer passes is `fail`; the deploy must not start. Nothing is
//! published. Exit codes as for `gate`: 0 pass, 4 fail, 1 error.

use std::path::PathBuf;

use shipgate_core::config::Overrides;
use shipgate_core::facts::Repository;
use shipgate_github::targets::Targets;

use super::gate;
use crate::inputs::Values;
use crate::outcome::{Failure, Format, Outcome};

/// Arguments of `shipgate guard`.
#[derive(Debug, Clone)]
pub struct GuardArgs {
    /// The repository.
    pub repository: Repository,
    /// The commit about to be deployed.
    pub sha: String,
    /// The `--config` file.
    pub config: Option<PathBuf>,
    /// The policy flags.
    pub overrides: Overrides,
    /// The output format.
    pub format: Format,
}

impl GuardArgs {
    /// Builds the arguments from the declared inputs (`--sha` defaults to `GITHUB_SHA`).
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let sha = match values.text("sha") {
            Some(sha) => sha.to_string(),
            None => std::env::var("GITHUB_SHA").unwrap_or_default(),
        };
        Ok(Self {
            repository: gate::repository(values)?,
            sha: commit_sha(values, &sha)?,
            config: values.text("config").map(PathBuf::from),
            overrides: gate::overrides(values)?,
            format: Format::from_values(values)?,
        })
    }
}

/// Checks a commit SHA (40 hex digits), naming the input.
pub fn commit_sha(values: &Values, sha: &str) -> Result<String, Failure> {
    let sha = sha.trim();
    if sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(sha.to_ascii_lowercase());
    }
    if sha.is_empty() {
        return Err(Failure::usage(format!(
            "{} is required (the commit about to be deployed; GITHUB_SHA is not set)",
            values.label("sha")
        )));
    }
    Err(values.invalid("sha", &format!("{sha:?} is not a 40-hex commit SHA")))
}

/// Runs `shipgate guard`.
pub async fn run(args: GuardArgs) -> Result<Outcome, Failure> {
    let policy = gate::policy(args.config.as_deref(), &args.overrides)?;
    let run =
        gate::read_from_github(&args.repository, Targets::Commit(args.sha.clone()), policy).await?;
    Ok(gate::report(
        &run.verdicts(),
        args.format,
        gate::color_wanted(),
    ))
}
