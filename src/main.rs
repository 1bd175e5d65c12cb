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
            // The message may quote a model's names or the command's arguments.
            eprintln!("{}", costsim::error::printable(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Error> {
    // Ctrl-C or SIGTERM: no staging folder left behind, no half-replaced result set.
    app::output::handle_signals();
    // A mistyped COSTSIM_SIMD is an error, not a silent fall back to "auto".
    costsim::simd::requested().map_err(Error::Usage)?;
    let sim = match &cli.command {
        Some(Command::Check(_)) | Some(Command::Init(_)) | Some(Command::Merge(_)) => None,
        Some(Command::Run(args)) => Some(&args.sim),
        Some(Command::Sobol(args)) => Some(&args.sim),
        Some(Command::Sweep(args)) => Some(&args.sim),
        Some(Command::Compare(args)) => Some(&args.sim),
        None => Some(&cli.run.sim),
    };
    let threads = match &cli.command {
        Some(Command::Merge(args)) => args.threads,
        _ => sim.and_then(|s| s.threads),
    };
    if let Some(threads) = threads {
        // `--threads` bounds every parallel stage (ranking the sensitivity columns,
        // the analysis charts), not only the simulation's own pool.
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads as usize)
            .build_global()
            .map_err(|e| Error::Usage(format!("--threads {threads}: {e}")))?;
    }
    match cli.command {
        Some(Command::Check(args)) => {
            let listing = app::check(&args)?;
            app::print(format!("{listing}\n").as_bytes())
        }
        Some(Command::Init(args)) => {
            let listing = app::init(args.dir.as_deref())?;
            app::print(listing.as_bytes())
        }
        Some(Command::Run(args)) => report(app::run(&args), args.sim.quiet),
        Some(Command::Sobol(args)) => report(app::sobol(&args), args.sim.quiet),
        Some(Command::Sweep(args)) => report(app::sweep(&args), args.sim.quiet),
        Some(Command::Compare(args)) => report(app::compare(&args), args.sim.quiet),
        Some(Command::Merge(args)) => report(app::merge(&args), args.quiet),
        None => report(app::run(&cli.run), cli.run.sim.quiet),
    }
}

/// Prints a command's warnings (stderr), results (stdout) and where it wrote files.
fn report(outcome: Result<app::Outcome, Error>, quiet: bool) -> Result<(), Error> {
    let outcome = outcome?;
    app::print_warnings(&outcome.warnings, quiet);
    app::print(&outcome.stdout)?;
    if !quiet {
        let dir = outcome.out_dir.display().to_string();
        eprintln!("results written to {}", costsim::error::printable(&dir));
    }
    Ok(())
}
