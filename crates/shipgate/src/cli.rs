//! The command line: the subcommands built from the declared inputs (`crate::inputs`), parsed,
//! run, printed.

use crate::inputs::{self, Cmd, Values};
use crate::{commands, exit, outcome};

/// The whole command line.
pub fn command() -> clap::Command {
    let mut root = clap::Command::new("shipgate")
        .version(env!("CARGO_PKG_VERSION"))
        .about(
            "Enforces a safe-deployment flow: soak in staging, approvals, release tag, checks, \
             then verification, watch and rollback after the production deploy.",
        )
        .after_help(inputs::EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true);
    for cmd in Cmd::ALL {
        root = root.subcommand(inputs::command(cmd));
    }
    root.subcommand(
        clap::Command::new("action")
            .about("Run as a GitHub Action step (reads INPUT_* and the runner's variables).")
            .after_help(inputs::EXIT_CODES),
    )
}

/// Runs the process: parses the arguments, runs the command, prints; returns the exit code.
pub fn main() -> u8 {
    let matches = match command().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::ERROR;
        }
    };
    runtime.block_on(async {
        match matches.subcommand() {
            Some(("action", _)) => commands::action::run().await,
            Some((name, sub)) => match Cmd::parse(name) {
                Some(cmd) => {
                    let values = Values::from_cli(cmd, sub);
                    outcome::deliver_cli(commands::run(cmd, &values).await)
                }
                None => exit::USAGE,
            },
            None => exit::USAGE,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        super::command().debug_assert();
    }
}
