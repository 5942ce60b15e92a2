//! `shipgate check-config [FILE]`: validates a config file exactly as the Action reads it — the
//! same parser, limits and bounds, the same errors naming the dotted key and the line — and shows
//! the policy it gives, so a team can check a change before committing it.
//!
//! The file defaults to `.github/shipgate.yml`; `-` reads standard input. A file that is missing
//! is an error here (the Action would quietly use the defaults; a check that passes because it
//! looked in the wrong place would prove nothing), and so is a policy that checks nothing (every
//! evaluation of it would be `error`). Exit 0 with a summary of the policy, or 2 with the error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shipgate_core::gates::{self, GateId};
use shipgate_core::{Error, Policy};

use crate::exit;
use crate::inputs::Values;
use crate::outcome::{Failure, Outcome};

/// Arguments of `shipgate check-config`.
#[derive(Debug, Clone)]
pub struct CheckConfigArgs {
    /// The file, or `None` for standard input (`-`).
    pub file: Option<PathBuf>,
}

impl CheckConfigArgs {
    /// Builds the arguments from the declared inputs.
    pub fn from_values(values: &Values) -> Result<Self, Failure> {
        let file = values.required("file")?;
        Ok(Self {
            file: (file != "-").then(|| PathBuf::from(file)),
        })
    }
}

/// Runs `shipgate check-config`.
pub async fn run(args: CheckConfigArgs) -> Result<Outcome, Failure> {
    let (policy, name) = match &args.file {
        Some(path) if !path.exists() => {
            // Left at its default, a missing file means the built-in defaults in the Action;
            // a file named explicitly must be there.
            let message = if path == Path::new(crate::pipeline::DEFAULT_CONFIG) {
                "no such file (the Action would use the built-in defaults); name your config file, or `-` for standard input"
            } else {
                "no such file"
            };
            return Err(Error::Config {
                path: Some(path.clone()),
                key: None,
                line: None,
                message: message.into(),
            }
            .into());
        }
        Some(path) => (crate::files::config(path)?, path.display().to_string()),
        None => {
            let stdin = crate::files::shown(Path::new("-"));
            (
                crate::files::config_from(std::io::stdin().lock(), stdin)?,
                stdin.display().to_string(),
            )
        }
    };
    check(&policy, &name)
}

/// The outcome for a parsed policy read from `name`: its summary, or the error of a policy that
/// checks nothing.
fn check(policy: &Policy, name: &str) -> Result<Outcome, Failure> {
    if gates::checks_nothing(policy) {
        return Err(Error::Config {
            path: Some(name.into()),
            key: None,
            line: None,
            message: "every gate is turned off or has nothing to check: every evaluation would be `error` (a policy that checks nothing never passes)".into(),
        }
        .into());
    }
    Ok(Outcome {
        exit: exit::OK,
        stdout: summary(policy, name),
        ..Outcome::default()
    })
}

/// The effective policy in a few lines: where it applies, then each gate, on or off.
pub fn summary(policy: &Policy, name: &str) -> String {
    let mut out = format!("{name}: valid\n\n");
    let _ = writeln!(
        out,
        "  {:<10} pull requests into `{}`; production is the environment `{}`; shipgate's check is `{}`",
        "applies to", policy.production_branch, policy.production_environment, policy.check_name
    );
    for gate in gates::all() {
        let id = gate.id();
        let text = if !gate.enabled(policy) {
            "off".to_string()
        } else if id == GateId::Checklist && policy.checklist.items.is_empty() {
            "on   no items, so skipped".to_string()
        } else {
            format!("on   {}", details(id, policy))
        };
        let _ = writeln!(out, "  {:<10} {}", id.name(), text.trim_end());
    }
    out.push_str(
        "\nThe Action's inputs (and `shipgate gate`'s flags) of the same names override these values.\n",
    );
    out
}

/// What a gate that is on checks, in a phrase.
fn details(id: GateId, policy: &Policy) -> String {
    let yes_no = |on: bool, yes: &str, no: &str| if on { yes } else { no }.to_string();
    match id {
        GateId::Soak => {
            let soak = &policy.soak;
            let deployers = if soak.deployers.is_empty() {
                "any bot or app".to_string()
            } else {
                quoted(&soak.deployers)
            };
            format!(
                "{} in `{}`, opened by {deployers}",
                soak.duration, soak.environment
            )
        }
        GateId::Approvals => {
            let approvals = &policy.approvals;
            let mut text = format!(
                "{} on the gated commit; {}; {}",
                if approvals.required == 1 {
                    "1 approval".to_string()
                } else {
                    format!("{} approvals", approvals.required)
                },
                yes_no(
                    approvals.allow_stale,
                    "earlier commits' approvals count",
                    "stale approvals do not count"
                ),
                yes_no(
                    approvals.exclude_contributors,
                    "contributors cannot approve",
                    "contributors may approve"
                ),
            );
            match approvals.path_rules.len() {
                0 => {}
                1 => text.push_str("; 1 path rule"),
                n => text.push_str(&format!("; {n} path rules")),
            }
            text
        }
        GateId::Tag => {
            let tag = &policy.tag;
            [
                format!("`{}`", tag.pattern),
                yes_no(tag.require_annotated, "annotated", "lightweight allowed"),
                yes_no(
                    tag.allow_prerelease,
                    "pre-releases allowed",
                    "no pre-releases",
                ),
                yes_no(
                    tag.require_increase,
                    "above the released version",
                    "any version",
                ),
                yes_no(
                    tag.match_branch,
                    "matching a `staging/vX.Y.Z` branch",
                    "any branch",
                ),
            ]
            .join(", ")
        }
        GateId::Checks => {
            let checks = &policy.checks;
            let which = if checks.required.is_empty() {
                "every reported check".to_string()
            } else {
                let names: Vec<String> = checks.required.iter().map(|r| r.to_string()).collect();
                format!("required: {}", quoted(&names))
            };
            format!(
                "{which}; {}",
                yes_no(checks.neutral_passes, "`neutral` passes", "`neutral` fails")
            )
        }
        GateId::Checklist => quoted(&policy.checklist.items),
        GateId::Freeze => {
            let freeze = &policy.freeze;
            let mut parts = Vec::new();
            if !freeze.windows.is_empty() {
                let windows: Vec<String> = freeze
                    .windows
                    .iter()
                    .map(|w| {
                        format!(
                            "{} to {} ({})",
                            shipgate_core::time::utc(w.from),
                            shipgate_core::time::utc(w.until),
                            shipgate_core::escape::plain(&w.reason)
                        )
                    })
                    .collect();
                parts.push(format!("frozen {}", windows.join(", ")));
            }
            if let Some(allowed) = &freeze.allowed {
                let days: Vec<String> = allowed.weekdays.iter().map(|d| d.to_string()).collect();
                let hours = allowed.hours.map_or("all day".to_string(), |h| {
                    let at = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
                    format!("{}-{}", at(h.start), at(h.end))
                });
                parts.push(format!(
                    "deploys allowed {} {hours} {}",
                    days.join(","),
                    allowed.timezone.name()
                ));
            }
            parts.join("; ")
        }
        GateId::Security => {
            let security = &policy.security;
            let mut sources = Vec::new();
            if security.secret_scanning {
                sources.push("any open secret-scanning alert".to_string());
            }
            if let Some(at) = security.code_scanning {
                sources.push(format!("code-scanning alerts at or above {}", at.name()));
            }
            if let Some(at) = security.dependabot {
                sources.push(format!("Dependabot alerts at or above {}", at.name()));
            }
            format!("fails on {}", sources.join(", "))
        }
        _ => String::new(),
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shipgate_core::config;

    #[test]
    fn the_summary_shows_the_effective_policy() {
        let text = include_str!("../../../../tests/fixtures/config/full.yml");
        let policy = config::parse(text, None).unwrap();
        insta::assert_snapshot!(check(&policy, "full.yml").unwrap().stdout, @r#"
            full.yml: valid

              applies to pull requests into `release`; production is the environment `prod`; shipgate's check is `shipgate / gate`
              soak       on   36h in `pre-production`, opened by any bot or app
              approvals  on   3 approvals on the gated commit; earlier commits' approvals count; contributors cannot approve; 2 path rules
              tag        on   `release-*`, lightweight allowed, pre-releases allowed, any version, any branch
              checks     off
              checklist  on   `Database backup taken`, `Rollback plan ready`
              freeze     on   frozen 2026-12-19 23:00 UTC to 2027-01-06 23:00 UTC (Christmas); deploys allowed Mon,Tue,Wed,Thu 09:00-16:00 Europe/Madrid
              security   off

            The Action's inputs (and `shipgate gate`'s flags) of the same names override these values.
        "#);
        let defaults = check(&Policy::default(), "shipgate.yml").unwrap();
        assert_eq!(defaults.exit, exit::OK);
        insta::assert_snapshot!(defaults.stdout, @r#"
            shipgate.yml: valid

              applies to pull requests into `main`; production is the environment `production`; shipgate's check is `shipgate`
              soak       on   24h in `staging`, opened by any bot or app
              approvals  on   2 approvals on the gated commit; stale approvals do not count; contributors cannot approve
              tag        on   `v*`, annotated, no pre-releases, above the released version, matching a `staging/vX.Y.Z` branch
              checks     on   every reported check; `neutral` passes
              checklist  on   no items, so skipped
              freeze     off
              security   off

            The Action's inputs (and `shipgate gate`'s flags) of the same names override these values.
        "#);
    }

    #[test]
    fn a_policy_that_checks_nothing_is_refused() {
        let mut policy = Policy::default();
        policy.soak.enabled = false;
        policy.approvals.enabled = false;
        policy.tag.enabled = false;
        policy.checks.enabled = false;
        let failure = check(&policy, "shipgate.yml").unwrap_err();
        assert_eq!(failure.exit, exit::USAGE);
        assert_eq!(
            failure.message,
            "invalid config in shipgate.yml: every gate is turned off or has nothing to check: every evaluation would be `error` (a policy that checks nothing never passes)"
        );
        policy.checklist.items = vec!["Backup taken".into()];
        assert!(check(&policy, "shipgate.yml").is_ok());
    }
}
