//! `costsim run --shard K/N --state FILE`: one slice of a run's chunks, written as a
//! state file for `costsim merge` (docs/scale-out.md).

use super::output::OutputFile;
use super::{Outcome, Progress, spec};
use crate::analysis::run;
use crate::analysis::run::RunSpec;
use crate::analysis::sobol::Design;
use crate::analysis::state::{self, Job, ModelText, State, StepPartial};
use crate::cli::{RunArgs, Shard, SobolArgs, SweepArgs};
use crate::engine::CHUNK;
use crate::error::Error;
use crate::model::Model;
use crate::plan::Plan;
use crate::report::format::count;
use std::time::Instant;

pub fn run_shard(
    args: &RunArgs,
    shard: Shard,
    text: ModelText,
    model: &Model,
    plan: &Plan,
) -> Result<Outcome, Error> {
    if args.sampling.condition.is_some() {
        return Err(Error::Usage(
            "--where cannot be combined with --shard: a conditional run draws until it has \
             enough worlds, which does not split into fixed slices; run it on one machine"
                .into(),
        ));
    }
    let file = claim_state(args.state.as_deref())?;
    let spec = spec(&args.sim, model, 0);
    let chunks = state::shard_chunks(shard, spec.samples.div_ceil(CHUNK));
    let first = chunks.start.saturating_mul(CHUNK).min(spec.samples);
    let own = chunks.end.saturating_mul(CHUNK).min(spec.samples) - first;
    let progress = Progress::new(own, Progress::wanted(args.sim.quiet));
    let started = Instant::now();
    let partial = run::simulate_shard(model, plan, spec, chunks.clone(), &|done| {
        progress.update(done)
    });
    progress.finish();
    let partial = partial?;
    let job = Job::Run {
        args: state::recorded_args(args, spec.samples),
        partial,
    };
    let what = format!(
        "{} (of {}; {} of {} samples)",
        state::span(chunks.start, chunks.end, "chunk"),
        state::numbered(spec.samples.div_ceil(CHUNK)),
        count(own),
        count(spec.samples),
    );
    write_state(file, text, spec, shard, started, job, &what)
}

/// `costsim sweep --shard K/N --state FILE`: the shard's units of the sweep's steps ×
/// chunks, each step's chunks run with the param held at its value.
pub fn sweep_shard(
    args: &SweepArgs,
    shard: Shard,
    text: ModelText,
    model: &Model,
    param: usize,
    values: &[f64],
) -> Result<Outcome, Error> {
    let file = claim_state(args.state.as_deref())?;
    let spec = spec(&args.sim, model, 0);
    let chunks = spec.samples.div_ceil(CHUNK);
    let units = state::sweep_units(shard, values.len() as u64, chunks);
    let total: u64 = units.iter().map(|(_, r)| r.end - r.start).sum();
    let progress = Progress::counting(total, Progress::wanted(args.sim.quiet), "chunks");
    let started = Instant::now();
    let mut steps = Vec::with_capacity(units.len());
    let mut done = 0;
    for (step, range) in &units {
        let value = values[*step as usize];
        let plan = crate::analysis::sweep::step_plan(model, param, value)?;
        let partial = run::simulate_shard(model, &plan, spec, range.clone(), &|_| {})?;
        steps.push(StepPartial {
            step: *step,
            partial,
        });
        done += range.end - range.start;
        progress.update(done);
    }
    progress.finish();
    let what = match (units.first(), units.last()) {
        (Some((s0, r0)), Some((s1, r1))) => format!(
            "{} of {} step × chunk units (from chunk {} of step {} to chunk {} of step {})",
            count(total),
            count(values.len() as u64 * chunks),
            r0.start,
            s0,
            r1.end - 1,
            s1,
        ),
        _ => format!(
            "no units (of the sweep's {} step × chunk units)",
            count(values.len() as u64 * chunks)
        ),
    };
    let job = Job::Sweep {
        args: state::recorded_sweep_args(args),
        steps,
    };
    write_state(file, text, spec, shard, started, job, &what)
}

/// `costsim sobol --shard K/N --state FILE`: the shard's units of the design (a chunk
/// of the N rows × a needed input).
pub(super) fn sobol_shard(
    args: &SobolArgs,
    shard: Shard,
    text: ModelText,
    p: &super::sobol::Prepared,
    design: &Design,
) -> Result<Outcome, Error> {
    let file = claim_state(args.state.as_deref())?;
    let spec = RunSpec {
        samples: p.n,
        ..spec(&args.sim, &p.model, 0)
    };
    let units = design.units(p.n);
    let range = state::shard_chunks(shard, units);
    let started = Instant::now();
    let partial = design.run(
        &p.model,
        &p.plan,
        p.n,
        spec.seed,
        range.clone(),
        spec.threads,
    )?;
    let what = format!(
        "{} (of {}; a unit: a chunk of the {} rows × an input)",
        state::span(range.start, range.end, "unit"),
        state::numbered(units),
        count(p.n)
    );
    let job = Job::Sobol {
        args: state::recorded_sobol_args(args),
        partial,
    };
    write_state(file, text, spec, shard, started, job, &what)
}

/// The `--state` file, claimed before sampling (clap requires it with `--shard`).
fn claim_state(path: Option<&std::path::Path>) -> Result<OutputFile, Error> {
    OutputFile::claim(
        path.expect("clap requires --state with --shard"),
        state::MAGIC,
    )
}

/// Encodes a shard's state, puts it in place, and says what it holds.
fn write_state(
    file: OutputFile,
    text: ModelText,
    spec: RunSpec,
    shard: Shard,
    started: Instant,
    job: Job,
    what: &str,
) -> Result<Outcome, Error> {
    let state = State {
        costsim_version: env!("CARGO_PKG_VERSION").to_string(),
        model: text,
        seed: spec.seed,
        samples: spec.samples,
        shards: shard.n,
        held: vec![(shard.k, shard.k + 1)],
        elapsed_nanos: started.elapsed().as_nanos().min(u64::MAX.into()) as u64,
        job,
    };
    let bytes = state::encode(&state);
    let out_dir = file.path().to_path_buf();
    file.commit(&bytes)?;
    let line = format!(
        "{}: {what} · {} bytes\n",
        state.describe(),
        count(bytes.len() as u64),
    );
    Ok(Outcome {
        stdout: line.into_bytes(),
        out_dir,
        warnings: Vec::new(),
    })
}
