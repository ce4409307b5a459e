//! One file per subcommand.

mod analyze;
mod check;
mod fix;
mod rules;
mod size;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

/// Runs the chosen subcommand. An `Err` is a usage or input error (exit code 2).
pub fn run(cli: Cli) -> miette::Result<ExitStatus> {
    match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Fix(args) => fix::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Size(args) => size::run(&args),
    }
}
