//! One module per subcommand; each builds its arguments from the declared inputs
//! (`crate::inputs::Values`) and has an async `run`. [`run`] dispatches, for the command line
//! and the Action alike.

pub mod action;
pub mod check_config;
pub mod facts;
pub mod gate;
pub mod guard;
pub mod incident;
pub mod record;
pub mod report;
pub mod verify;
pub mod watch;

use crate::inputs::{Cmd, Values};
use crate::outcome::{Failure, Outcome};

/// Runs a command on its values (from the command line or the Action's inputs).
pub async fn run(cmd: Cmd, values: &Values) -> Result<Outcome, Failure> {
    match cmd {
        Cmd::Gate => gate::run(gate::GateArgs::from_values(values)?).await,
        Cmd::Facts => facts::run(facts::FactsArgs::from_values(values)?).await,
        Cmd::Guard => guard::run(guard::GuardArgs::from_values(values)?).await,
        Cmd::Verify => verify::run(verify::VerifyArgs::from_values(values)?).await,
        Cmd::Watch => watch::run(watch::WatchArgs::from_values(values)?).await,
        Cmd::Record => record::run(record::RecordArgs::from_values(values)?).await,
        Cmd::Incident => incident::run(incident::IncidentArgs::from_values(values)?).await,
        Cmd::Report => report::run(report::ReportArgs::from_values(values)?).await,
        Cmd::CheckConfig => {
            check_config::run(check_config::CheckConfigArgs::from_values(values)?).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::{of, Kind, Origin, Surface};

    /// A valid value for every input of every command (the values the examples use).
    fn sample(name: &str) -> &'static str {
        match name {
            "command" => "gate",
            "github-token" => "ghs_x",
            "facts" | "config" | "out" | "history" | "audit-file" | "save-history" | "file" => {
                "f.json"
            }
            "repo" => "acme/shop",
            "pull-request" => "7",
            "production-branch" => "main",
            "production-environment" | "environment" => "production",
            "staging-environment" => "staging",
            "soak" | "timeout" | "wait" | "window" | "interval" | "rollback-timeout" => "10m",
            "required-approvals" => "2",
            "tag-pattern" => "v*",
            "required-checks" | "checklist" | "check-name" => "build",
            "comment" | "allow-http" | "rollback" | "audit-only" => "true",
            "fail-on" => "error",
            "now" | "since" | "until" | "started-at" | "finished-at" => "2026-11-27T12:00:00Z",
            "health-urls" | "prometheus-url" | "rollback-webhook" => "https://a.example/health",
            "expect" => "ok",
            "metrics" => "error_rate = sum(rate(x[1m]))",
            "rules" => "error_rate > 5% for 5m",
            "rollback-workflow" => "rollback.yml",
            "rollback-ref" | "ref" => "main",
            "deployment-id" | "run-id" => "42",
            "sha" => "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "version" => "v1.4.0",
            "state" => "success",
            "format" => "json",
            "security-checks" => "true",
            "expect-env" => "ENVIRONMENT=production",
            "require-env" => "DATABASE_URL",
            "notify-webhook" => "https://hooks.example/services/s3cret",
            "lead-time-basis" => "last-commit",
            "trigger" => "error_rate > 5% for 5m",
            "reason" => "error_rate above 5%",
            "severity" => "high",
            "rollback-seconds" => "95",
            "label" => "shipgate:incident",
            other => panic!("no sample value for `{other}`: add one"),
        }
    }

    #[test]
    fn every_declared_input_builds_its_commands_arguments() {
        for cmd in crate::inputs::Cmd::ALL {
            for (surface, origin) in [
                (Surface::Cli, Origin::Cli),
                (Surface::Action, Origin::Action),
            ] {
                let pairs: Vec<(&str, &str)> = of(cmd, surface)
                    // One source of facts for `gate`: the file.
                    .filter(|i| !(cmd == Cmd::Gate && matches!(i.name, "repo" | "pull-request")))
                    .filter(|i| i.name != "command" && i.name != "github-token")
                    .map(|i| (i.name, sample(i.name)))
                    .collect();
                if origin == Origin::Action && !cmd.in_action() {
                    continue;
                }
                let values = Values::new(cmd, origin, &pairs);
                let built = match cmd {
                    Cmd::Gate if origin == Origin::Action => {
                        action::GateSettings::from_values(&values).map(drop)
                    }
                    Cmd::Gate => gate::GateArgs::from_values(&values).map(drop),
                    Cmd::Guard if origin == Origin::Action => {
                        action::GuardSettings::from_values(&values).map(drop)
                    }
                    Cmd::Guard => guard::GuardArgs::from_values(&values).map(drop),
                    Cmd::Facts => facts::FactsArgs::from_values(&values).map(drop),
                    Cmd::Verify => verify::VerifyArgs::from_values(&values).map(drop),
                    Cmd::Watch => watch::WatchArgs::from_values(&values).map(drop),
                    Cmd::Record => record::RecordArgs::from_values(&values).map(drop),
                    Cmd::Incident => incident::IncidentArgs::from_values(&values).map(drop),
                    Cmd::Report => report::ReportArgs::from_values(&values).map(drop),
                    Cmd::CheckConfig => {
                        check_config::CheckConfigArgs::from_values(&values).map(drop)
                    }
                };
                if let Err(failure) = built {
                    panic!("{cmd:?} {origin:?}: {}", failure.message);
                }
            }
        }
        // Lists and booleans are among them.
        assert!(of(Cmd::Watch, Surface::Both).any(|i| i.kind == Kind::List));
        assert!(of(Cmd::Verify, Surface::Both).any(|i| i.kind == Kind::Bool));
    }
}
