//! The `oom-lint` command: parse arguments, run, map the outcome to an exit code.

mod cli;
mod commands;
mod exit;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let outcome = commands::run(cli);
    match outcome {
        Ok(status) => status.into(),
        Err(report) => {
            eprintln!("{report:?}");
            exit::ExitStatus::InputError.into()
        }
    }
}
