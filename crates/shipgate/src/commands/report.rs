//! `shipgate report`: the flow's KPIs and DORA's four keys over an environment's deployment
//! history — read from GitHub (one GraphQL request per 100 deployments, only as far back as the
//! period) or offline from a history file — as it stood at the period's end.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use shipgate_core::kpi::{self, LeadTimeBasis, Period};
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
    /// How the user wrote `since` (`--since`, input `since`), for errors.
    pub since_label: String,
    /// How the user wrote `history` and `environment` (`--history`, input `history`, …).
    pub labels: (String, String),
    /// Read the history from this file instead of GitHub.
    pub history: Option<PathBuf>,
    /// The period's end (RFC 3339) [default: the history file's `captured_at`, or now].
    pub now: Option<String>,
    /// The repository, OWNER/NAME [default: $GITHUB_REPOSITORY].
    pub repo: Option<String>,
    /// Write the history that was read to this file.
    pub save_history: Option<PathBuf>,
    /// Where lead time for changes starts.
    pub lead_time_basis: LeadTimeBasis,
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
            since_label: values.label("since"),
            labels: (values.label("history"), values.label("environment")),
            history: text("history").map(PathBuf::from),
            now: if cli { text("now") } else { None },
            repo: if cli { text("repo") } else { None },
            save_history: if cli {
                text("save-history").map(PathBuf::from)
            } else {
                None
            },
            lead_time_basis: values
                .parse("lead-time-basis", |name| {
                    LeadTimeBasis::parse(name)
                        .ok_or_else(|| format!("{name:?} is not `first-commit` or `last-commit`"))
                })?
                .unwrap_or_default(),
            format: Format::from_values(values)?,
        })
    }
}

/// Resolves `since` (a duration back from the period's end, or an RFC 3339 time) against the
/// period's end; `label` names the input in errors. A duration reaching before the earliest time
/// there is (`14000000w`) is an error, never an overflow.
fn period_start(since: &str, until: DateTime<Utc>, label: &str) -> Result<DateTime<Utc>, Failure> {
    // A date (`2026-11-01…`) is a time, whatever its flaw; anything else is a duration back.
    let looks_like_a_date = since.trim().len() >= 5
        && since.trim().as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && since.trim().as_bytes()[4] == b'-';
    if looks_like_a_date {
        return super::gate::parse_time(since)
            .map_err(|e| Failure::usage(format!("invalid value for {label}: {e}")));
    }
    let back = Duration::parse(since).map_err(|e| {
        Failure::usage(format!(
            "invalid value for {label}: {e}; or give an RFC 3339 time such as `{}`",
            shipgate_core::time::EXAMPLE
        ))
    })?;
    until.checked_sub_signed(back.to_chrono()).ok_or_else(|| {
        Failure::usage(format!(
            "invalid value for {label}: {since:?} back from {until} is before the earliest representable time"
        ))
    })
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, Failure> {
    super::gate::parse_time(text)
        .map_err(|e| Failure::usage(format!("invalid value for --now: {e}")))
}

/// The period's end: `--now`, which may not be later than the moment the history was read (what
/// happened after it is unknown), else that moment.
fn period_end(
    now: Option<&str>,
    read_at: DateTime<Utc>,
    what: &str,
) -> Result<DateTime<Utc>, Failure> {
    let Some(now) = now else {
        return Ok(read_at);
    };
    let until = parse_now(now)?;
    if until > read_at {
        return Err(Failure::usage(format!(
            "--now ({until}) is after {what} ({read_at}): the history does not know what \
             happened after it"
        )));
    }
    Ok(until)
}

/// Runs `shipgate report`.
pub async fn run(args: ReportArgs) -> Result<Outcome, Failure> {
    let (history, requests, until) = match &args.history {
        Some(path) => {
            let history = crate::files::history(path)?;
            let until = period_end(
                args.now.as_deref(),
                history.captured_at,
                "the history's captured_at",
            )?;
            (history, None, until)
        }
        None => {
            // The history is what GitHub holds now; the report sees it as it stood at `until`.
            let read_at = Utc::now();
            let until = period_end(args.now.as_deref(), read_at, "the current time")?;
            let since = period_start(&args.since, until, &args.since_label)?;
            let repo = repository(args.repo.as_deref())?;
            let client = github_client()?;
            let (history, requests) = shipgate_github::deployments::read_history(
                &client,
                &repo,
                &args.environment,
                since,
                read_at,
            )
            .await
            .map_err(|e| Failure::error(format!("reading the deployment history: {e}")))?;
            (history, Some(requests), until)
        }
    };
    if history.environment != args.environment && args.history.is_some() {
        let (history_label, environment_label) = &args.labels;
        return Err(Failure::usage(format!(
            "{history_label} holds the history of the environment {:?}, not {:?}: set {environment_label} to {:?}",
            history.environment, args.environment, history.environment
        )));
    }
    let since = period_start(&args.since, until, &args.since_label)?;
    if since >= until {
        return Err(Failure::usage(format!(
            "{} ({since}) is not before the period's end ({until})",
            args.since_label
        )));
    }
    if let Some(path) = &args.save_history {
        let text = serde_json::to_string_pretty(&history).expect("histories serialise");
        std::fs::write(path, text)
            .map_err(|e| Failure::error(format!("--save-history {}: {e}", path.display())))?;
    }
    let kpis = kpi::compute(&history, Period { since, until }, args.lead_time_basis);
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
        Format::Markdown => markdown.clone(),
        Format::Text => shipgate_core::kpi::report::text(&kpis),
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
            period_start("90d", until, "--since").unwrap(),
            "2026-08-29T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            period_start("2026-11-01T00:00:00Z", until, "--since").unwrap(),
            "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(period_start("ninety days", until, "--since").is_err());
    }

    #[test]
    fn a_bad_since_says_how_to_write_a_time_or_a_duration() {
        let until: DateTime<Utc> = "2026-11-27T00:00:00Z".parse().unwrap();
        let failure = period_start("2026-11-01T00:00:00", until, "input `since`").unwrap_err();
        assert_eq!(failure.exit, crate::exit::USAGE);
        assert_eq!(
            failure.message,
            "invalid value for input `since`: \"2026-11-01T00:00:00\" has no UTC offset; add one, e.g. `Z` or `+01:00`: `2026-11-01T00:00:00Z`"
        );
        let failure = period_start("90 d", until, "--since").unwrap_err();
        assert_eq!(
            failure.message,
            "invalid value for --since: invalid duration \"90 d\": no spaces inside a duration; write whole numbers with units w, d, h, m or s, largest first, e.g. `24h`, `90m`, `1d12h`; or give an RFC 3339 time such as `2026-11-26T15:20:00Z`"
        );
        let failure = parse_now("2026-11-20").unwrap_err();
        assert_eq!(
            failure.message,
            "invalid value for --now: \"2026-11-20\" is a date without a time; write e.g. `2026-11-20T00:00:00Z`"
        );
    }

    #[test]
    fn a_since_too_far_back_is_a_usage_error_not_an_overflow() {
        let until: DateTime<Utc> = "2026-11-27T00:00:00Z".parse().unwrap();
        for since in ["14000000w", "300000000d", "9999999999999999w"] {
            let failure = period_start(since, until, "--since").unwrap_err();
            assert_eq!(failure.exit, crate::exit::USAGE, "{since}");
            assert!(failure.message.contains("--since"), "{}", failure.message);
        }
    }

    #[test]
    fn now_may_not_be_later_than_the_read() {
        let read: DateTime<Utc> = "2026-11-27T00:00:00Z".parse().unwrap();
        assert_eq!(period_end(None, read, "x").unwrap(), read);
        assert_eq!(
            period_end(Some("2026-11-20T00:00:00Z"), read, "x").unwrap(),
            "2026-11-20T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let failure = period_end(
            Some("2026-11-27T00:00:01Z"),
            read,
            "the history's captured_at",
        )
        .unwrap_err();
        assert_eq!(failure.exit, crate::exit::USAGE);
        assert!(
            failure.message.contains("captured_at"),
            "{}",
            failure.message
        );
    }
}
