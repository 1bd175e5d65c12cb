//! The simulate → summarise stages shared by `run`, `sweep` and `compare`.

use crate::engine::{self, SampleError};
use crate::error::{Diagnostic, Error};
use crate::model::Model;
use crate::plan::Plan;
use crate::report::{self, RunFacts, Summary};
use crate::stats::Aggregates;
use std::time::Instant;

/// A finished simulation: its summary and the aggregates behind it (for charts).
pub struct Simulated {
    pub summary: Summary,
    pub aggs: Aggregates,
}

/// What to simulate.
#[derive(Clone, Copy, Debug)]
pub struct RunSpec {
    pub samples: u64,
    pub seed: u64,
    pub threads: usize,
    /// Rows to keep for sensitivity analysis and `--save-rows`.
    pub rows: u64,
}

/// Simulates the plan and summarises it; non-finite outputs are traced to the param
/// where they first arose.
pub fn simulate(
    model: &Model,
    plan: &Plan,
    spec: RunSpec,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Simulated, Error> {
    let started = Instant::now();
    let aggs = engine::simulate_rows(
        plan,
        spec.samples,
        spec.seed,
        spec.threads,
        spec.rows,
        progress,
    )
    .map_err(|e| sample_error(model, plan, e))?;
    let elapsed_seconds = started.elapsed().as_secs_f64();
    let nonfinite_origins = aggs
        .tracked
        .iter()
        .enumerate()
        .filter_map(|(k, t)| {
            let at = t.first_nonfinite?;
            let origin =
                engine::first_nonfinite_param(plan, &model.order, spec.samples, spec.seed, at);
            Some((k, origin))
        })
        .collect();
    let facts = RunFacts {
        samples: spec.samples,
        seed: spec.seed,
        threads: spec.threads,
        elapsed_seconds,
        nonfinite_origins,
    };
    let summary = report::summarise(model, plan, &aggs, facts);
    Ok(Simulated { summary, aggs })
}

/// A distribution whose arguments went invalid in some sample: point at the call.
pub fn sample_error(model: &Model, plan: &Plan, e: SampleError) -> Error {
    let site = &plan.sites[e.site];
    let param = &model.params[site.param];
    Diagnostic::at(
        model.source_of(site.param),
        site.span,
        format!(
            "{} (in sample {}, from the values its arguments took)",
            e.message, e.sample
        ),
    )
    .param(&param.name)
    .help(format!(
        "the arguments of {} must be valid in every sample: bound the inputs they come from, \
         e.g. with truncate(...) or a lognormal (`A to B`) for positive quantities",
        site.kind.signature()
    ))
    .into()
}
