//! The `oom-lint` command: parse arguments, run, map the outcome to an exit code.

mod cli;
mod commands;
mod config;
mod environment;
mod exit;
mod finding;
mod fix;
mod ingest;
mod lint;
mod plot;
mod report;
mod rules;
mod runtime_view;
mod source;
mod suppress;
mod usage;
mod workloads;
mod yaml;

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
