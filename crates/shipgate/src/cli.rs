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
        .arg_required_else_help(true)
        .arg(
            clap::Arg::new("color")
                .long("color")
                .value_name("WHEN")
                .help(
                    "Colour in text output: `auto` (a terminal, and NO_COLOR unset), `always` or `never`.",
                )
                .value_parser(["auto", "always", "never"])
                .default_value("auto")
                .global(true),
        );
    for cmd in Cmd::ALL {
        root = root.subcommand(inputs::command(cmd));
    }
    root.subcommand(
        clap::Command::new("action")
            .about("Run as a GitHub Action step (reads INPUT_* and the runner's variables).")
            .after_help(inputs::EXIT_CODES),
    )
    .subcommand(
        clap::Command::new("completions")
            .about("Print the shell completion script for SHELL to standard output.")
            .after_help(
                "Install, e.g.:\n  bash: shipgate completions bash > ~/.local/share/bash-completion/completions/shipgate\n  zsh:  shipgate completions zsh > \"${fpath[1]}/_shipgate\"\n  fish: shipgate completions fish > ~/.config/fish/completions/shipgate.fish",
            )
            .arg(
                clap::Arg::new("shell")
                    .value_name("SHELL")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    )
    .subcommand(
        clap::Command::new("man")
            .about(
                "Print the manual page (roff) of shipgate, or of one COMMAND, to standard output: `shipgate man gate | man -l -`.",
            )
            .arg(clap::Arg::new("command").value_name("COMMAND")),
    )
}

/// Prints the completion script for `shell`.
fn completions(shell: clap_complete::Shell) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), "shipgate", &mut script);
    write_stdout(&script, "the completion script")
}

/// Writes `bytes` to standard output; a closed pipe (`| head`) is not an error worth a panic.
fn write_stdout(bytes: &[u8], what: &str) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("error: cannot write {what}: {e}");
            exit::ERROR
        }
    }
}

/// Prints the manual page of `shipgate` (section 1), or of one subcommand (`shipgate-gate`).
fn man(subcommand: Option<&str>) -> u8 {
    let root = command();
    let (page, title) = match subcommand {
        None => (root, "shipgate".to_string()),
        Some(name) => match root.find_subcommand(name) {
            Some(sub) => {
                let full = format!("shipgate {name}");
                (
                    sub.clone()
                        .display_name(full.clone())
                        .bin_name(full)
                        .version(env!("CARGO_PKG_VERSION")),
                    format!("shipgate-{name}"),
                )
            }
            None => {
                eprintln!("error: `shipgate man {name}`: there is no command `{name}`");
                return exit::USAGE;
            }
        },
    };
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).title(title).render(&mut out) {
        eprintln!("error: cannot render the manual page: {e}");
        return exit::ERROR;
    }
    write_stdout(&out, "the manual page")
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
    let color = matches
        .get_one::<String>("color")
        .map_or("auto", String::as_str);
    commands::gate::set_color(color);
    match matches.subcommand() {
        Some(("completions", sub)) => {
            return match sub.get_one::<clap_complete::Shell>("shell") {
                Some(shell) => completions(*shell),
                None => exit::USAGE,
            }
        }
        Some(("man", sub)) => return man(sub.get_one::<String>("command").map(String::as_str)),
        _ => {}
    }
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
