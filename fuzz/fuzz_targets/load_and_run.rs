//! Arbitrary bytes as a model file: where they load, 1,000 samples are run with
//! charts and the claims' anatomy (a 20,000-draw budget) into a temporary folder. The
//! swing tornado is left out: it reruns 20,000 samples per input whatever the run's
//! size, which made one execution of the shipped models take 15–30 s. A panic, an abort (stack overflow), a timeout or a
//! runaway allocation is a finding; a refusal with a message is the expected outcome
//! for most inputs.
#![no_main]

use costsim::cli::{BudgetArg, Format, RunArgs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("model.toml");
    std::fs::write(&path, data).expect("writing the model");
    let mut args = RunArgs {
        file: Some(path),
        format: Format::Csv,
        sensitivity_rows: 1000,
        anatomy_window: 0.02,
        no_swing: true,
        ..RunArgs::default()
    };
    args.sim.samples = Some(1000);
    args.sim.threads = Some(1);
    args.sim.quiet = true;
    args.sim.out = Some(dir.path().join("out"));
    args.sampling.anatomy_rows = 100;
    args.sampling.anatomy_budget = Some(BudgetArg::Draws(20_000));
    // Ok, or an error with a message: both are fine; a panic is not.
    let _ = costsim::app::run(&args);
});
