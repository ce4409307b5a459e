//! One file per subcommand.

mod analyze;
mod check;
mod diagnose;
mod fix;
mod rules;
mod size;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

/// Writes a command's report to standard output. A reader that went away (`oom-lint … | head`)
/// took what it wanted: that ends the report quietly, and the exit code still says what was found.
pub(crate) fn write_stdout(text: &[u8]) -> miette::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => miette::IntoDiagnostic::into_diagnostic(written),
    }
}

/// Writes a line to standard error; a closed stderr (`2>&1 | head -1`) is not worth a panic.
pub fn write_stderr(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The usage of a live source (`--prometheus`) for `check` and `fix`; its warnings (a partial
/// result) become input errors.
fn live_usage(
    fetched: crate::live::Fetched,
    errors: &mut Vec<crate::finding::InputError>,
) -> Vec<crate::observed::Usage> {
    errors.extend(fetched.warnings.into_iter().map(|message| crate::finding::InputError {
        file: fetched.source.clone(),
        position: None,
        message,
    }));
    crate::observed::read_dump_bytes(&fetched.source, &fetched.dump, errors)
}

/// Runs the chosen subcommand. An `Err` is a usage or input error (exit code 2).
pub fn run(cli: Cli) -> miette::Result<ExitStatus> {
    match cli.command {
        Command::Analyze(args) => analyze::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Diagnose(args) => diagnose::run(&args),
        Command::Fix(args) => fix::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Size(args) => size::run(&args),
    }
}
