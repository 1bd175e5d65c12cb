//! `costsim merge`: the states of a sharded run into the whole run's result files
//! (byte-identical to one `costsim run`), or into one state file.

use super::output::{OutputFile, OutputFolder};
use super::{Outcome, anatomy, build, out_dir, sensitivity_rows, spec, write_run};
use crate::analysis::merge::{self, Named};
use crate::analysis::run::{self, RunSpec};
use crate::analysis::state;
use crate::cli::MergeArgs;
use crate::engine;
use crate::error::{Diagnostic, Error};

pub fn merge(args: &MergeArgs) -> Result<Outcome, Error> {
    let states = args
        .states
        .iter()
        .map(|path| read(path))
        .collect::<Result<Vec<Named>, Error>>()?;
    let count = states.len();
    let merged = merge::combine(states)?;
    if let Some(path) = &args.state {
        let file = OutputFile::claim(path)?;
        file.commit(&state::encode(&merged.state))?;
        let line = format!(
            "merged {count} states: {} ({} missing)\n",
            merged.state.describe(),
            merge::missing_shards(&merged.state).len()
        );
        return Ok(Outcome {
            stdout: line.into_bytes(),
            out_dir: path.clone(),
            warnings: Vec::new(),
        });
    }
    let (state, mut aggs) = merge::finish(merged)?;
    // The run's options, with where and how this merge writes and runs.
    let mut run_args = state.args.clone();
    run_args.sim.out = args.out.clone();
    run_args.sim.threads = args.threads;
    run_args.sim.quiet = args.quiet;
    run_args.format = args.format;
    let (model, plan) = build(&state.model)?;
    let folder = OutputFolder::claim(&out_dir(&run_args.sim, &state.model.stem))?;
    let (rows, row_note) = sensitivity_rows(&run_args, plan.row_params.len());
    let spec = RunSpec {
        samples: state.samples,
        seed: state.seed,
        ..spec(&run_args.sim, &model, rows)
    };
    // The states hold no rows (they would dwarf the aggregates): they are a function
    // of the seed, drawn again here as the run drew them.
    aggs.rows = engine::rows_of_run(&plan, spec.samples, spec.seed, rows, &plan.row_params)
        .map_err(|e| run::sample_error(&model, &plan, e))?;
    let simulated = run::summarise(&model, &plan, spec, aggs, state.elapsed_nanos as f64 * 1e-9);
    let (summary, aggs) = anatomy::analyse(&run_args, &model, &plan, simulated, spec)?;
    write_run(&run_args, folder, &model, &plan, summary, &aggs, row_note)
}

/// Reads and decodes one state file.
fn read(path: &std::path::Path) -> Result<Named, Error> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::from(
            Diagnostic::new(&name, format!("cannot read the state file: {e}"))
                .help("pass the files written by `costsim run --shard K/N --state FILE`"),
        )
    })?;
    Ok(Named {
        state: state::decode(&bytes, &name)?,
        name,
    })
}
