//! `shipgate facts --repo OWNER/NAME --pr N [--out FILE]`: reads a pull request's facts from
//! GitHub — the gate pipeline's read, nothing published — and writes them as a facts file, for
//! offline simulation with `shipgate gate --facts FILE`.
//!
//! The policy flags (`--config`, `--production-branch`, `--staging-environment`, …) say where
//! to read, exactly as for `shipgate gate --repo`. The token comes from `GITHUB_TOKEN`/
//! `GH_TOKEN`; `GITHUB_API_URL`/`GITHUB_GRAPHQL_URL` point at GitHub Enterprise Server. The file
//! is written whole or not at all (temporary file, then rename).

use std::path::PathBuf;

use shipgate_core::config::Overrides;
use shipgate_core::facts::Repository;
use shipgate_github::targets::Targets;

use super::gate;
use crate::inputs::Values;
use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate facts`.
#[derive(Debug, Clone)]
pub struct FactsArgs {
    /// The repository.
    pub repository: Repository,
    /// The pull request number.
    pub pull_request: u64,
    /// Where to write (default: standard output).
    pub out: Option<PathBuf>,
    /// The `--config` file.
    pub config: Option<PathBuf>,
    /// The policy flags.
    pub overrides: Overrides,
}

impl FactsArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        Ok(Self {
            repository: gate::repository(values)?,
            pull_request: gate::pull_request(values)?.ok_or_else(|| {
                Failure::usage(format!("{} is required", values.label("pull-request")))
            })?,
            out: values.text("out").map(PathBuf::from),
            config: values.text("config").map(PathBuf::from),
            overrides: gate::overrides(values)?,
        })
    }
}

/// Runs `shipgate facts`.
pub async fn run(args: FactsArgs) -> Result<Outcome, Failure> {
    let policy = gate::policy(args.config.as_deref(), &args.overrides)?;
    let run = gate::read_from_github(
        &args.repository,
        Targets::PullRequest(args.pull_request),
        policy,
    )
    .await?;
    let facts = run
        .evaluated
        .into_iter()
        .find_map(|e| e.facts)
        .ok_or_else(|| {
            Failure::error(format!(
                "pull request #{} was not returned",
                args.pull_request
            ))
        })?;
    let mut json = facts.to_json();
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
                    args.repository,
                    args.pull_request,
                    shipgate_core::short_sha(&facts.sha),
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
