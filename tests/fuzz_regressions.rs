//! Every input the fuzzer (fuzz/, `load_and_run`) kept as interesting, run as the fuzz
//! target runs it: each must load and run, or be refused with a message (exit 2) —
//! never panic, abort, hang or fail as an I/O error. tests/data/fuzz/README.md says
//! where each input came from.

use costsim::app;
use costsim::cli::{BudgetArg, Format, RunArgs};
use costsim::error::Error;

#[test]
fn every_kept_fuzz_input_loads_or_fails_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut inputs: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "input"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {dir:?}");
    let out = tempfile::tempdir().unwrap();
    for (k, input) in inputs.iter().enumerate() {
        let mut args = RunArgs {
            file: Some(input.clone()),
            format: Format::Csv,
            sensitivity_rows: 1000,
            anatomy_window: 0.02,
            no_swing: true,
            ..RunArgs::default()
        };
        args.sim.samples = Some(1000);
        args.sim.threads = Some(1);
        args.sim.quiet = true;
        args.sim.out = Some(out.path().join(format!("out-{k}")));
        args.sampling.anatomy_rows = 100;
        args.sampling.anatomy_budget = Some(BudgetArg::Draws(20_000));
        match std::panic::catch_unwind(|| app::run(&args)) {
            Err(_) => panic!("{input:?} panicked"),
            Ok(Ok(_)) | Ok(Err(Error::Model(_) | Error::Usage(_))) => {}
            Ok(Err(e)) => panic!("{input:?}: an I/O-class failure: {e}"),
        }
    }
}
