//! `costsim run --shard K/N --state FILE`: one slice of a run's chunks, written as a
//! state file for `costsim merge` (docs/scale-out.md).

use super::output::OutputFile;
use super::{Outcome, Progress, spec};
use crate::analysis::state::{self, ModelText, State};
use crate::cli::{RunArgs, Shard};
use crate::engine::{self, CHUNK};
use crate::error::Error;
use crate::model::Model;
use crate::plan::Plan;
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
    let path = args
        .state
        .as_deref()
        .expect("clap requires --state with --shard");
    let file = OutputFile::claim(path)?;
    let spec = spec(&args.sim, model, 0);
    let chunks = state::shard_chunks(shard, spec.samples.div_ceil(CHUNK));
    let first = chunks.start.saturating_mul(CHUNK).min(spec.samples);
    let own = chunks.end.saturating_mul(CHUNK).min(spec.samples) - first;
    let progress = Progress::new(own, Progress::wanted(args.sim.quiet));
    let started = Instant::now();
    let partial = engine::simulate_shard(
        plan,
        spec.samples,
        spec.seed,
        spec.threads,
        chunks.clone(),
        &|done| progress.update(done),
    );
    progress.finish();
    let partial = partial.map_err(|e| crate::analysis::run::sample_error(model, plan, e))?;
    let state = State {
        costsim_version: env!("CARGO_PKG_VERSION").to_string(),
        model: text,
        args: state::recorded_args(args),
        seed: spec.seed,
        samples: spec.samples,
        shards: shard.n,
        held: vec![(shard.k, shard.k + 1)],
        elapsed_nanos: started.elapsed().as_nanos().min(u64::MAX.into()) as u64,
        partial,
    };
    let bytes = state::encode(&state);
    let out_dir = file.path().to_path_buf();
    file.commit(&bytes)?;
    let line = format!(
        "{}: chunks {}..{} of {}, {} samples of {} · {} bytes\n",
        state.describe(),
        chunks.start,
        chunks.end,
        spec.samples.div_ceil(CHUNK),
        crate::report::format::count(own),
        crate::report::format::count(spec.samples),
        crate::report::format::count(bytes.len() as u64),
    );
    Ok(Outcome {
        stdout: line.into_bytes(),
        out_dir,
        warnings: Vec::new(),
    })
}
