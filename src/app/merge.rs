//! `costsim merge`: the states of a sharded run into the whole run's result files
//! (byte-identical to one `costsim run`), or into one state file.

use super::output::{OutputFile, OutputFolder};
use super::{Outcome, anatomy, announce, build, out_dir, sensitivity_rows, spec, write_run};
use super::{sobol, sweep};
use crate::analysis::merge::{self, Finished, Named};
use crate::analysis::run;
use crate::analysis::sobol::{Design, SobolPartial};
use crate::analysis::state::{self, Job, State};
use crate::analysis::sweep::Step;
use crate::cli::MergeArgs;
use crate::error::{Diagnostic, Error};
use crate::stats::Aggregates;

pub fn merge(args: &MergeArgs) -> Result<Outcome, Error> {
    let states = args
        .states
        .iter()
        .map(|path| read(path))
        .collect::<Result<Vec<Named>, Error>>()?;
    let count = states.len();
    let merged = merge::combine(states)?;
    if let Some(path) = &args.state {
        let file = OutputFile::claim(path, state::MAGIC)?;
        file.commit(&state::encode(&merged.state))?;
        let line = format!(
            "merged {count} state{}: {}, {} missing\n",
            if count == 1 { "" } else { "s" },
            merged.state.describe(),
            merge::missing_shards(&merged.state).len()
        );
        return Ok(Outcome {
            stdout: line.into_bytes(),
            out_dir: path.clone(),
            warnings: Vec::new(),
        });
    }
    let (state, finished) = merge::finish(merged)?;
    match finished {
        Finished::Run(aggs) => finish_run(args, state, aggs),
        Finished::Sweep(runs) => finish_sweep(args, state, runs),
        Finished::Sobol(partial) => finish_sobol(args, state, partial),
    }
}

/// A sharded run's files, as `costsim run` writes them.
fn finish_run(args: &MergeArgs, state: State, mut aggs: Aggregates) -> Result<Outcome, Error> {
    let Job::Run { args: recorded, .. } = &state.job else {
        unreachable!("a run's state")
    };
    // The run's options, with where and how this merge writes and runs.
    let mut run_args = recorded.clone();
    run_args.format = here(&mut run_args.sim, args, &state);
    let (model, plan) = build(&state.model)?;
    let folder = OutputFolder::claim(&out_dir(&run_args.sim, &state.model.stem))?;
    let (rows, row_note) = sensitivity_rows(&run_args, plan.row_params.len(), state.samples);
    let spec = spec(&run_args.sim, &model, rows);
    // The states hold no rows (they would dwarf the aggregates): they are a function
    // of the seed, drawn again here as the run drew them.
    aggs.rows = run::rows_of_run(&model, &plan, spec)?;
    let simulated = run::summarise_unranked(&model, &plan, spec, aggs, elapsed(&state));
    let (mut summary, aggs, early) = anatomy::analyse(&run_args, &model, &plan, simulated, spec)?;
    let announced = announce(&run_args, &mut summary, row_note, early)?;
    write_run(&run_args, folder, &model, &plan, summary, &aggs, announced)
}

/// A sharded sweep's files, as `costsim sweep` writes them.
fn finish_sweep(args: &MergeArgs, state: State, runs: Vec<Aggregates>) -> Result<Outcome, Error> {
    let Job::Sweep { args: recorded, .. } = &state.job else {
        unreachable!("a sweep's state")
    };
    let mut sweep_args = recorded.clone();
    sweep_args.format = here(&mut sweep_args.sim, args, &state);
    let (model, _) = build(&state.model)?;
    let p = sweep::prepare_sweep(&sweep_args, model)?;
    if runs.len() != p.values.len() {
        return Err(Error::Usage(format!(
            "the states hold {} of the sweep's {} steps: they are damaged",
            runs.len(),
            p.values.len()
        )));
    }
    let folder = OutputFolder::claim(&out_dir(
        &sweep_args.sim,
        &format!("{}-sweep", state.model.stem),
    ))?;
    let spec = spec(&sweep_args.sim, &p.model, 0);
    // Each step's share of the time, for its summary.
    let each = elapsed(&state) / runs.len() as f64;
    let mut steps = Vec::with_capacity(runs.len());
    let keep = p.outputs.iter().map(String::as_str).collect();
    for (&value, aggs) in p.values.iter().zip(runs) {
        let plan = crate::analysis::sweep::step_plan(&p.model, p.param, value)?;
        let simulated = run::summarise(&p.model, &plan, spec, aggs, each);
        steps.push(Step::new(value, simulated.summary, &keep));
    }
    sweep::write_sweep(&sweep_args, folder, p, steps)
}

/// A sharded Sobol analysis's files, as `costsim sobol` writes them.
fn finish_sobol(args: &MergeArgs, state: State, partial: SobolPartial) -> Result<Outcome, Error> {
    let Job::Sobol { args: recorded, .. } = &state.job else {
        unreachable!("a Sobol analysis's state")
    };
    let mut sobol_args = recorded.clone();
    sobol_args.format = here(&mut sobol_args.sim, args, &state);
    let (model, plan) = build(&state.model)?;
    let p = sobol::prepare_sobol(&sobol_args, model, plan)?;
    let design = Design::new(&p.model, &p.plan, &p.outputs)?;
    let rows = design.finish(partial, p.n, state.seed).map_err(|unit| {
        Error::Usage(format!(
            "the states hold every shard but not unit {unit} of the design: they are damaged"
        ))
    })?;
    let folder = OutputFolder::claim(&out_dir(
        &sobol_args.sim,
        &format!("{}-sobol", state.model.stem),
    ))?;
    sobol::write_sobol(&sobol_args, folder, &p, &rows, state.seed)
}

/// Where and how this merge writes and runs, and the run's seed and samples (the
/// recorded options leave them out): sets them in `sim` and returns the format to
/// print in.
fn here(sim: &mut crate::cli::SimArgs, args: &MergeArgs, state: &State) -> crate::cli::Format {
    sim.out.clone_from(&args.out);
    sim.threads = args.threads;
    sim.quiet = args.quiet;
    sim.samples = Some(state.samples);
    sim.seed = Some(state.seed);
    args.format
}

fn elapsed(state: &State) -> f64 {
    state.elapsed_nanos as f64 * 1e-9
}

/// Reads and decodes one state file: the header first, so that something that is not a
/// state (`/dev/zero`, a pipe, a model file) is refused before it is read whole.
fn read(path: &std::path::Path) -> Result<Named, Error> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| {
        Error::from(
            Diagnostic::new(&name, format!("cannot read the state file: {e}"))
                .help("pass the files written by `costsim run --shard K/N --state FILE`"),
        )
    };
    // Only a regular file: opening a FIFO with no writer would wait forever, and a
    // folder or a device holds no state (a device is refused in words, not read).
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "a device, FIFO or socket"
        };
        return Err(Diagnostic::new(
            &name,
            format!("not a costsim state file: it is {what}, not a regular file"),
        )
        .help("pass the files written by `costsim run --shard K/N --state FILE`")
        .into());
    }
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(state::HEADER as u64)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    let length = state::check_header(&bytes, &name)?;
    // One byte more than the header says, to see a file that runs on.
    file.take(length.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    let state = state::decode(&bytes, &name)?;
    check_contents(&state, &name)?;
    Ok(Named { state, name })
}

/// Checks a state's aggregates against the model it carries, compiled as the shard
/// compiled it: the tracked params and their claims, the sweep's steps and the Sobol
/// design's units, and exactly the chunks its shards hold. Merging trusts all of them
/// (a state whose model text was swapped for another's, with its checksum redone,
/// would otherwise index out of bounds or report one param's numbers as another's).
fn check_contents(state: &State, name: &str) -> Result<(), Error> {
    let bad = |what: String| state::inconsistent(name, &what);
    let chunks = state.samples.div_ceil(crate::engine::CHUNK);
    let (model, plan) = build(&state.model)?;
    match &state.job {
        Job::Run { partial, .. } => {
            let claims: Vec<&[f64]> = plan.tracked.iter().map(|t| &t.claim_values[..]).collect();
            partial
                .check(&claims, &state.held_units(chunks), state.samples)
                .map_err(bad)
        }
        Job::Sweep { args, steps } => {
            let mut sweep_args = args.clone();
            sweep_args.sim.samples = Some(state.samples);
            sweep_args.sim.seed = Some(state.seed);
            let p = sweep::prepare_sweep(&sweep_args, model)?;
            let total = (p.values.len() as u64).checked_mul(chunks).ok_or_else(|| {
                bad(format!(
                    "{} samples × {} steps is more units than can be counted",
                    state.samples,
                    p.values.len()
                ))
            })?;
            // Every step tracks the same params with the same claims (a step holds
            // one param at a value): one step's plan gives them, not 10,000 compiles.
            let step_plan = match p.values.first() {
                Some(&v) => Some(crate::analysis::sweep::step_plan(&p.model, p.param, v)?),
                None => None,
            };
            let claims: Vec<&[f64]> = step_plan
                .iter()
                .flat_map(|plan| plan.tracked.iter().map(|t| &t.claim_values[..]))
                .collect();
            let units = state::step_chunks(&state.held_units(total), chunks);
            let mut have = steps.iter();
            let mut k = 0;
            while k < units.len() {
                let step = units[k].0;
                let mut ranges = Vec::new();
                while k < units.len() && units[k].0 == step {
                    ranges.push(units[k].1.clone());
                    k += 1;
                }
                let Some(s) = have.next().filter(|s| s.step == step) else {
                    return Err(bad(format!(
                        "it lacks sweep step {step}, which its shards hold"
                    )));
                };
                s.partial
                    .check(&claims, &ranges, state.samples)
                    .map_err(|e| bad(format!("sweep step {step}: {e}")))?;
            }
            if let Some(s) = have.next() {
                return Err(bad(format!(
                    "it holds sweep step {}, which its shards do not (the sweep has {} steps)",
                    s.step,
                    p.values.len()
                )));
            }
            Ok(())
        }
        Job::Sobol { args, partial } => {
            let mut sobol_args = args.clone();
            sobol_args.sim.samples = Some(state.samples);
            sobol_args.sim.seed = Some(state.seed);
            let p = sobol::prepare_sobol(&sobol_args, model, plan)?;
            let design = Design::new(&p.model, &p.plan, &p.outputs)?;
            let total = design.needed().checked_mul(chunks).ok_or_else(|| {
                bad(format!(
                    "{} rows is more units than can be counted",
                    state.samples
                ))
            })?;
            design
                .check(partial, p.n, &state.held_units(total))
                .map_err(bad)
        }
    }
}
