//! The `casewatch` binary: parse the command line, run, map the outcome to an
//! exit code (0 success, 1 failure at run time, 2 bad input or settings).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = casewatch::cli::Cli::parse();
    match casewatch::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error());
            ExitCode::from(failure.exit_code())
        }
    }
}
