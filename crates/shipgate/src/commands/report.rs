//! `shipgate report`: the flow's KPIs and DORA's four keys over an environment's deployment
//! history — read from GitHub (one GraphQL request per 100 deployments, only as far back as the
//! period) or offline from a history file.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use shipgate_core::kpi::{self, Period};
use shipgate_core::Duration;

use super::record::{github_client, repository};
use crate::exit;
use crate::inputs::{Origin, Values};
use crate::outcome::{Failure, Format, Outcome};

/// Arguments of `shipgate report` (inputs: `crate::inputs`).
#[derive(Debug, Clone)]
pub struct ReportArgs {
    /// The environment to report on.
    pub environment: String,
    /// The period's start: a duration back from now (`90d`, `12w`) or an RFC 3339 time.
    pub since: String,
    /// Read the history from this file instead of GitHub.
    pub history: Option<PathBuf>,
    /// The period's end (RFC 3339) [default: the history file's `captured_at`, or now].
    pub now: Option<String>,
    /// The repository, OWNER/NAME [default: $GITHUB_REPOSITORY].
    pub repo: Option<String>,
    /// Write the history that was read to this file.
    pub save_history: Option<PathBuf>,
    /// Output format.
    pub format: Format,
}

impl ReportArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let text = |name: &str| values.text(name).map(str::to_string);
        let cli = values.origin() == Origin::Cli;
        Ok(Self {
            environment: text("environment").unwrap_or_default(),
            since: text("since").unwrap_or_default(),
            history: text("history").map(PathBuf::from),
            now: if cli { text("now") } else { None },
            repo: if cli { text("repo") } else { None },
            save_history: if cli {
                text("save-history").map(PathBuf::from)
            } else {
                None
            },
            format: Format::from_values(values)?,
        })
    }
}

/// Resolves `--since` against the period's end.
fn period_start(since: &str, until: DateTime<Utc>) -> Result<DateTime<Utc>, Failure> {
    if let Ok(time) = DateTime::parse_from_rfc3339(since.trim()) {
        return Ok(time.with_timezone(&Utc));
    }
    let back = Duration::parse(since)
        .map_err(|e| Failure::usage(format!("--since: {e}; or give an RFC 3339 time")))?;
    until.checked_sub_signed(back.to_chrono()).ok_or_else(|| {
        Failure::usage(format!(
            "--since: {since:?} reaches back before the calendar's beginning; give a shorter period or an RFC 3339 time"
        ))
    })
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, Failure> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Failure::usage(format!("--now: {text:?} is not an RFC 3339 time ({e})")))
}

/// Runs `shipgate report`.
pub async fn run(args: ReportArgs) -> Result<Outcome, Failure> {
    let (history, requests, until) = match &args.history {
        Some(path) => {
            let history = crate::files::history(path)?;
            let until = match &args.now {
                Some(now) => parse_now(now)?,
                None => history.captured_at,
            };
            (history, None, until)
        }
        None => {
            let until = match &args.now {
                Some(now) => parse_now(now)?,
                None => Utc::now(),
            };
            let since = period_start(&args.since, until)?;
            let repo = repository(args.repo.as_deref())?;
            let client = github_client()?;
            let (history, requests) = shipgate_github::deployments::read_history(
                &client,
                &repo,
                &args.environment,
                since,
                until,
            )
            .await
            .map_err(|e| Failure::error(format!("reading the deployment history: {e}")))?;
            (history, Some(requests), until)
        }
    };
    if history.environment != args.environment && args.history.is_some() {
        return Err(Failure::usage(format!(
            "--history holds environment {:?}, not {:?} (pass --environment {})",
            history.environment, args.environment, history.environment
        )));
    }
    let since = period_start(&args.since, until)?;
    if since > until {
        return Err(Failure::usage(format!(
            "--since ({since}) is after the period's end ({until})"
        )));
    }
    if let Some(path) = &args.save_history {
        let text = serde_json::to_string_pretty(&history).expect("histories serialise");
        std::fs::write(path, text)
            .map_err(|e| Failure::error(format!("--save-history {}: {e}", path.display())))?;
    }
    let kpis = kpi::compute(&history, Period { since, until });
    let json = kpi::report::json(&kpis);
    let markdown = kpi::report::markdown(&kpis);
    let mut outputs = kpi::report::outputs(&kpis);
    outputs.push(("report".into(), json.clone()));
    let mut annotations = Vec::new();
    if let Some(n) = requests {
        annotations.push(crate::toolkit::Annotation::new(
            crate::toolkit::Level::Notice,
            format!(
                "read {} deployments in {n} GitHub request(s)",
                history.deployments.len()
            ),
        ));
    }
    let stdout = match args.format {
        Format::Json => format!("{json}\n"),
        Format::Markdown | Format::Text => markdown.clone(),
    };
    Ok(Outcome {
        exit: exit::OK,
        stdout,
        outputs,
        summary: Some(markdown),
        annotations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_a_duration_or_a_time() {
        let until: DateTime<Utc> = "2026-11-27T00:00:00Z".parse().unwrap();
        assert_eq!(
            period_start("90d", until).unwrap(),
            "2026-08-29T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            period_start("2026-11-01T00:00:00Z", until).unwrap(),
            "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(period_start("ninety days", until).is_err());
    }
}
