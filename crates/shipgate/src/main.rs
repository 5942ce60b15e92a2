//! The `shipgate` binary: parses arguments, wires the libraries together, reports.
//!
//! All decisions live in `shipgate-core`, all GitHub I/O in `shipgate-github`; this crate holds
//! the CLI, the Actions toolkit (`toolkit`), the Action entry point and the probes.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod exit;
mod files;
mod outcome;
mod post_deploy;
mod runner;
mod toolkit;

/// Enforces a safe-deployment flow: soak in staging, approvals, release tag, checks, then
/// verification, watch and rollback after the production deploy.
#[derive(Debug, Parser)]
#[command(name = "shipgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate the promotion gates for a release candidate (offline from a facts file, or live).
    Gate(commands::gate::GateArgs),
    /// Read the facts of a pull request from GitHub and write them as a facts file.
    Facts(commands::facts::FactsArgs),
    /// Run as a GitHub Action step (reads INPUT_* and the runner's variables).
    Action,
    /// Health-check a deploy: wait for URLs to answer 2xx.
    Verify(commands::verify::VerifyArgs),
    /// Watch a production deploy against rollback triggers; roll back when one fires.
    Watch(commands::watch::WatchArgs),
    /// Record a deployment (GitHub Deployment + audit log line).
    Record(commands::record::RecordArgs),
    /// Report deployment KPIs and DORA metrics over a period.
    Report(commands::report::ReportArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Gate(args) => outcome::deliver_cli(commands::gate::run(args).await),
            Command::Facts(args) => outcome::deliver_cli(commands::facts::run(args).await),
            Command::Action => commands::action::run().await,
            Command::Verify(args) => outcome::deliver_cli(commands::verify::run(args).await),
            Command::Watch(args) => outcome::deliver_cli(commands::watch::run(args).await),
            Command::Record(args) => outcome::deliver_cli(commands::record::run(args).await),
            Command::Report(args) => outcome::deliver_cli(commands::report::run(args).await),
        }
    });
    ExitCode::from(code)
}
