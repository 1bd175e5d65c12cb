//! The costsim binary: parse arguments, call the library, map errors to exit codes
//! (0 ok, 2 bad model or arguments, 1 I/O) in this one place.

use clap::Parser;
use costsim::app;
use costsim::cli::{Cli, Command};
use costsim::error::Error;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Some(Command::Check(args)) => {
            let listing = app::check(&args)?;
            app::print(format!("{listing}\n").as_bytes())
        }
        Some(Command::Run(args)) => run(&args),
        None => run(&cli.run),
    }
}

fn run(args: &costsim::cli::RunArgs) -> Result<(), Error> {
    let outcome = app::run(args)?;
    if !args.quiet {
        for w in &outcome.summary.warnings {
            eprintln!("warning: {w}");
        }
    }
    app::print(&outcome.stdout)?;
    if !args.quiet {
        eprintln!("results written to {}", outcome.out_dir.display());
    }
    Ok(())
}
