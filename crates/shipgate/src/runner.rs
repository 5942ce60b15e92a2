//! The runner's environment, read once: the repository, the event, GitHub's URLs (GHES
//! included), the run's identity and the token.
//!
//! The token comes from the `github-token` input (`INPUT_GITHUB-TOKEN`), else `GITHUB_TOKEN`,
//! else `GH_TOKEN`; [`Runner::from_env`] masks it (`::add-mask::`) before anything else is
//! written, so it can never appear in the log.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;
use shipgate_core::facts::Repository;
use shipgate_github::{Client, ClientConfig};

use crate::outcome::Failure;
use crate::toolkit::{Env, InputOptions, Toolkit};

/// GitHub.com's REST base, when `GITHUB_API_URL` is unset.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// GitHub.com's GraphQL endpoint, when `GITHUB_GRAPHQL_URL` is unset.
pub const DEFAULT_GRAPHQL_URL: &str = "https://api.github.com/graphql";
/// GitHub.com's web address, when `GITHUB_SERVER_URL` is unset.
pub const DEFAULT_SERVER_URL: &str = "https://github.com";

/// What the runner tells a step about where and why it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runner {
    /// `GITHUB_REPOSITORY`, split.
    pub repository: Repository,
    /// `GITHUB_EVENT_NAME`.
    pub event_name: String,
    /// `GITHUB_EVENT_PATH`, when set.
    pub event_path: Option<PathBuf>,
    /// `GITHUB_API_URL` (REST base; `https://host/api/v3` on GHES).
    pub api_url: String,
    /// `GITHUB_GRAPHQL_URL` (`https://host/api/graphql` on GHES).
    pub graphql_url: String,
    /// `GITHUB_SERVER_URL`, for links to the run.
    pub server_url: String,
    /// `GITHUB_SHA`.
    pub sha: String,
    /// `GITHUB_REF`.
    pub git_ref: String,
    /// `GITHUB_ACTOR`.
    pub actor: String,
    /// `GITHUB_RUN_ID`, when set.
    pub run_id: Option<String>,
    /// `GITHUB_WORKFLOW_REF`: where this run's workflow file was read from.
    pub workflow_ref: String,
    token: String,
}

impl Runner {
    /// Reads the runner's variables and the token, masking the token first.
    pub fn from_env<W: Write>(kit: &mut Toolkit<W>) -> Result<Self, Failure> {
        let token = token(kit)?;
        kit.mask(&token)
            .map_err(|e| Failure::error(format!("cannot write to the log: {e}")))?;
        let env = kit.env();
        let repository = parse_repository(env.var("GITHUB_REPOSITORY"))
            .map_err(|message| Failure::usage(format!("GITHUB_REPOSITORY: {message}")))?;
        let event_name = env.var("GITHUB_EVENT_NAME").trim().to_string();
        if event_name.is_empty() {
            return Err(Failure::usage(
                "GITHUB_EVENT_NAME is not set: `shipgate action` runs as a step of a GitHub Actions workflow",
            ));
        }
        let or = |name: &str, default: &str| env_url(env, name, default);
        let optional =
            |name: &str| Some(env.var(name).trim().to_string()).filter(|v| !v.is_empty());
        Ok(Self {
            repository,
            event_path: optional("GITHUB_EVENT_PATH").map(PathBuf::from),
            event_name,
            api_url: or("GITHUB_API_URL", DEFAULT_API_URL),
            graphql_url: or("GITHUB_GRAPHQL_URL", DEFAULT_GRAPHQL_URL),
            server_url: or("GITHUB_SERVER_URL", DEFAULT_SERVER_URL),
            sha: env.var("GITHUB_SHA").trim().to_string(),
            git_ref: env.var("GITHUB_REF").trim().to_string(),
            actor: env.var("GITHUB_ACTOR").trim().to_string(),
            run_id: optional("GITHUB_RUN_ID"),
            workflow_ref: env.var("GITHUB_WORKFLOW_REF").trim().to_string(),
            token,
        })
    }

    /// The event payload (`GITHUB_EVENT_PATH`), parsed; an error names the file.
    pub fn event(&self) -> Result<Value, Failure> {
        let Some(path) = &self.event_path else {
            return Err(Failure::usage(
                "GITHUB_EVENT_PATH is not set: the runner always provides the event file",
            ));
        };
        let text = crate::files::read_text(path).map_err(|e| {
            Failure::usage(format!(
                "GITHUB_EVENT_PATH: cannot read {}: {e}",
                path.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Failure::usage(format!(
                "GITHUB_EVENT_PATH: {} is not valid JSON (line {}, column {}): {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })
    }

    /// The link to this workflow run, when the run id is known.
    pub fn run_url(&self) -> Option<String> {
        self.run_id.as_ref().map(|id| {
            format!(
                "{}/{}/{}/actions/runs/{id}",
                self.server_url, self.repository.owner, self.repository.name
            )
        })
    }

    /// A GitHub client for this runner's URLs and token.
    pub fn client(&self) -> Result<Client, Failure> {
        Client::new(ClientConfig {
            token: self.token.clone(),
            api_url: self.api_url.clone(),
            graphql_url: self.graphql_url.clone(),
        })
        .map_err(|e| Failure::usage(e.to_string()))
    }
}

/// The token: `github-token` input, else `GITHUB_TOKEN`, else `GH_TOKEN`.
fn token<W: Write>(kit: &Toolkit<W>) -> Result<String, Failure> {
    let from_input = kit
        .input("github-token", InputOptions::default())
        .unwrap_or_default();
    let env = kit.env();
    let found = [
        from_input.as_str(),
        env.var("GITHUB_TOKEN").trim(),
        env.var("GH_TOKEN").trim(),
    ]
    .into_iter()
    .find(|t| !t.is_empty())
    .map(str::to_string);
    found.ok_or_else(|| {
        Failure::usage(
            "no GitHub token: set the `github-token` input (default `${{ github.token }}`), or GITHUB_TOKEN / GH_TOKEN",
        )
    })
}

/// The token a command finds in its environment: the Action's `github-token` input
/// (`INPUT_GITHUB-TOKEN`, for `command: record|report|watch`), else `GITHUB_TOKEN`, else `GH_TOKEN`.
pub fn env_token(env: &Env) -> Option<String> {
    [
        env.var("INPUT_GITHUB-TOKEN").trim(),
        env.var("GITHUB_TOKEN").trim(),
        env.var("GH_TOKEN").trim(),
    ]
    .into_iter()
    .find(|t| !t.is_empty())
    .map(str::to_string)
}

/// A token for the commands (`shipgate gate --repo`, `facts`, `record`, `report`): see
/// [`env_token`]; none is a usage error.
pub fn cli_token(env: &Env) -> Result<String, Failure> {
    env_token(env).ok_or_else(|| Failure::usage("no GitHub token: set GITHUB_TOKEN or GH_TOKEN"))
}

/// A client for the CLI: URLs from `GITHUB_API_URL`/`GITHUB_GRAPHQL_URL` (GHES), else GitHub.com.
pub fn cli_client(env: &Env) -> Result<Client, Failure> {
    let token = cli_token(env)?;
    Client::new(ClientConfig {
        token,
        api_url: env_url(env, "GITHUB_API_URL", DEFAULT_API_URL),
        graphql_url: env_url(env, "GITHUB_GRAPHQL_URL", DEFAULT_GRAPHQL_URL),
    })
    .map_err(|e| Failure::usage(e.to_string()))
}

/// A URL from the environment without its trailing `/`, or `default` when unset.
/// The process's environment variable `name`, when set and not blank.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_url(env: &Env, name: &str, default: &str) -> String {
    let value = env.var(name).trim();
    if value.is_empty() {
        default.to_string()
    } else {
        value.trim_end_matches('/').to_string()
    }
}

/// Parses `OWNER/NAME`.
pub fn parse_repository(text: &str) -> Result<Repository, String> {
    let text = text.trim();
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match text.split_once('/') {
        Some((owner, name)) if valid(owner) && valid(name) => Ok(Repository {
            owner: owner.to_string(),
            name: name.to_string(),
        }),
        _ => Err(format!("expected OWNER/NAME, got {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kit(env: Env) -> Toolkit<Vec<u8>> {
        Toolkit::new(env, Vec::new())
    }

    fn base() -> Env {
        Env::new()
            .with("GITHUB_REPOSITORY", "acme/shop")
            .with("GITHUB_EVENT_NAME", "schedule")
    }

    #[test]
    fn token_is_masked_before_anything_else_and_input_wins() {
        let mut k = kit(base()
            .with("INPUT_GITHUB-TOKEN", "  ghs_input  ")
            .with("GITHUB_TOKEN", "ghs_env"));
        let runner = Runner::from_env(&mut k).unwrap();
        assert_eq!(runner.token, "ghs_input");
        let log = String::from_utf8(k.into_out()).unwrap();
        assert!(log.starts_with("::add-mask::ghs_input"), "{log}");
    }

    #[test]
    fn token_falls_back_to_github_token_then_gh_token() {
        let mut k = kit(base().with("GH_TOKEN", "ghp_gh"));
        assert_eq!(Runner::from_env(&mut k).unwrap().token, "ghp_gh");
        let mut k = kit(base());
        let err = Runner::from_env(&mut k).unwrap_err();
        assert!(err.message.contains("no GitHub token"), "{}", err.message);
    }

    #[test]
    fn urls_default_to_github_com_and_follow_ghes() {
        let mut k = kit(base().with("GITHUB_TOKEN", "t"));
        let r = Runner::from_env(&mut k).unwrap();
        assert_eq!(r.api_url, DEFAULT_API_URL);
        assert_eq!(r.graphql_url, DEFAULT_GRAPHQL_URL);
        let mut k = kit(base()
            .with("GITHUB_TOKEN", "t")
            .with("GITHUB_API_URL", "https://ghe.example/api/v3/")
            .with("GITHUB_GRAPHQL_URL", "https://ghe.example/api/graphql")
            .with("GITHUB_SERVER_URL", "https://ghe.example")
            .with("GITHUB_RUN_ID", "42"));
        let r = Runner::from_env(&mut k).unwrap();
        assert_eq!(r.api_url, "https://ghe.example/api/v3");
        assert_eq!(r.graphql_url, "https://ghe.example/api/graphql");
        assert_eq!(
            r.run_url().as_deref(),
            Some("https://ghe.example/acme/shop/actions/runs/42")
        );
    }

    #[test]
    fn repository_must_be_owner_slash_name() {
        assert!(parse_repository("acme/shop").is_ok());
        for bad in ["", "acme", "acme/", "/shop", "a/b/c", "acme/sh op"] {
            assert!(parse_repository(bad).is_err(), "{bad}");
        }
        let mut k = kit(Env::new()
            .with("GITHUB_TOKEN", "t")
            .with("GITHUB_EVENT_NAME", "push"));
        let err = Runner::from_env(&mut k).unwrap_err();
        assert!(
            err.message.starts_with("GITHUB_REPOSITORY:"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_broken_event_file_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, "{\n  \"action\": \n").unwrap();
        let mut k = kit(base()
            .with("GITHUB_TOKEN", "t")
            .with("GITHUB_EVENT_PATH", path.to_str().unwrap()));
        let err = Runner::from_env(&mut k).unwrap().event().unwrap_err();
        assert!(
            err.message.contains("event.json is not valid JSON (line 3"),
            "{}",
            err.message
        );
    }
}
