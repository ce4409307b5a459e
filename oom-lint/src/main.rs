//! The `oom-lint` command: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use oom_lint::{cli, commands, exit};

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let outcome = commands::run(cli);
    match outcome {
        Ok(status) => status.into(),
        Err(report) => {
            commands::write_stderr(&format!("{report:?}"));
            exit::ExitStatus::InputError.into()
        }
    }
}

// The tree of a large stream is many small allocations; mimalloc serves them faster than the
// system allocator and returns memory between threads without glibc's per-thread arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
