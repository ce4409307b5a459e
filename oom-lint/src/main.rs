//! The `oom-lint` command: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use oom_lint::{cli, commands, exit};

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
