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

/// Simulates the plan and summarises it.
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
    Ok(summarise(model, plan, spec, aggs, elapsed_seconds))
}

/// Summarises a run's aggregates (simulated here, or merged from shards); non-finite
/// outputs are traced to the param where they first arose.
pub fn summarise(
    model: &Model,
    plan: &Plan,
    spec: RunSpec,
    aggs: Aggregates,
    elapsed_seconds: f64,
) -> Simulated {
    let nonfinite_origins = aggs
        .tracked
        .iter()
        .enumerate()
        .filter_map(|(k, t)| {
            let at = t.first_nonfinite?;
            // Only the params this one is computed from can have made it non-finite.
            let param = plan.tracked[k].param;
            let upstream = crate::plan::ancestry(model, &[param]);
            let order: Vec<usize> = model
                .order
                .iter()
                .copied()
                .filter(|&p| upstream[p])
                .collect();
            let origin = engine::first_nonfinite_param(plan, &order, spec.samples, spec.seed, at);
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
    Simulated { summary, aggs }
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

/// Samples per swing run: a tornado needs only medians, and every run uses the same
/// seed (common random numbers), so the low/high difference is mostly signal.
pub const SWING_SAMPLES: u64 = 20_000;

/// Inputs swung per output: the tornado charts show this many, so a model with
/// hundreds of inputs costs runs for the ones that can appear, not for all.
pub const SWING_INPUTS: usize = 15;

/// The inputs worth swinging: for each output, its [`SWING_INPUTS`] inputs of largest
/// |Spearman ρ| (from the summary, whose rows pair an output only with its ancestor
/// inputs, largest |ρ| first), united, in plan order.
fn swing_candidates(
    model: &Model,
    plan: &Plan,
    summary: &crate::report::Summary,
    outputs: Option<&[String]>,
) -> Vec<usize> {
    // Each input's largest |ρ| with an output it is in the top SWING_INPUTS of.
    let mut best = vec![f64::NAN; model.params.len()];
    let mut taken = 0;
    for (k, r) in summary.sensitivity.iter().enumerate() {
        // The summary's rows come grouped by output.
        if k == 0 || summary.sensitivity[k - 1].output != r.output {
            taken = 0;
        }
        if outputs.is_some_and(|o| !o.contains(&r.output)) {
            continue;
        }
        if taken < SWING_INPUTS {
            taken += 1;
            if let Some(i) = model.index_of(&r.input) {
                let a = r.spearman.abs();
                if best[i].is_nan() || a > best[i] {
                    best[i] = a;
                }
            }
        }
    }
    // A model with thousands of outputs would swing thousands of inputs (2k + 1 runs
    // of the whole model): the SWING_MOST inputs of largest |ρ| are kept.
    let mut chosen: Vec<usize> = plan
        .inputs
        .iter()
        .copied()
        .filter(|&i| !best[i].is_nan())
        .collect();
    if chosen.len() > SWING_MOST {
        chosen.sort_by(|&a, &b| best[b].total_cmp(&best[a]).then(a.cmp(&b)));
        chosen.truncate(SWING_MOST);
        chosen.sort_unstable_by_key(|&i| plan.inputs.iter().position(|&p| p == i));
    }
    chosen
}

/// The most inputs a swing tornado reruns the model for.
pub const SWING_MOST: usize = 60;

/// The swing tornado: each output's P50 with one input held at its own P5, then at
/// its P95 (taken from the run's sensitivity rows), while the others vary. Costs
/// 2k + 1 runs of [`SWING_SAMPLES`] for the k inputs that rank in some output's top
/// [`SWING_INPUTS`] by |ρ|. Empty when no rows were kept.
pub fn swing(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    summary: &crate::report::Summary,
    threads: usize,
) -> Result<Vec<crate::report::SwingRow>, Error> {
    swing_for(model, plan, aggs, summary, threads, None)
}

/// `swing` for the inputs that matter to `outputs` only (the outputs that get charts),
/// at most [`SWING_MOST`] of them.
pub fn swing_for(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    summary: &crate::report::Summary,
    threads: usize,
    outputs: Option<&[String]>,
) -> Result<Vec<crate::report::SwingRow>, Error> {
    let seed = summary.run.seed;
    use crate::plan::{Fill, compile_with};
    use crate::report::drivers::label_of;
    if aggs.rows.is_empty() || aggs.rows[0].len() < 20 {
        return Ok(Vec::new());
    }
    // Every swing run on the one pool below (engine::simulate_here).
    let medians = |plan: &Plan| -> Result<Vec<f64>, Error> {
        let a = engine::simulate_here(plan, SWING_SAMPLES, seed, 0, &|_| {})
            .map_err(|e| sample_error(model, plan, e))?;
        Ok(model
            .outputs
            .iter()
            .map(|&o| {
                let k = plan.tracked_index(o).expect("outputs are tracked");
                a.tracked[k].quantile(0.5).unwrap_or(f64::NAN)
            })
            .collect())
    };
    let pool = engine::pool(threads);
    let base = pool.install(|| medians(plan))?;
    // Each input's P5 and P95 over the sensitivity rows.
    let swung: Vec<(usize, f64, f64)> = swing_candidates(model, plan, summary, outputs)
        .into_iter()
        .map(|input| {
            let column = plan
                .row_params
                .iter()
                .position(|&q| q == input)
                .expect("inputs are kept");
            let mut values: Vec<f64> = aggs.rows[column]
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            // Two order statistics: selected, not a whole sort (values equal under
            // total_cmp have the same bits, so these are the sorted array's).
            let mut at = |q: f64| {
                let k = ((values.len() - 1) as f64 * q).floor() as usize;
                *values.select_nth_unstable_by(k, f64::total_cmp).1
            };
            (input, at(0.05), at(0.95))
        })
        .collect();
    // A swing run of SWING_SAMPLES is a single chunk, so one thread: the runs
    // themselves go in parallel (results in order, and the same for any count).
    let jobs: Vec<(usize, f64)> = swung
        .iter()
        .flat_map(|&(input, p5, p95)| [(input, p5), (input, p95)])
        .collect();
    let outcomes: Vec<Result<Vec<f64>, Error>> = pool.install(|| {
        use rayon::prelude::*;
        jobs.par_iter()
            .map(|&(input, value)| {
                medians(&compile_with(model, &[(input, Fill::Constant(value))])?)
            })
            .collect()
    });
    // The first failed run (in job order) fails the swing.
    let outcomes: Vec<Vec<f64>> = outcomes.into_iter().collect::<Result<_, _>>()?;
    let mut levels = vec![None; model.params.len()];
    for (&(input, p5, p95), ends) in swung.iter().zip(outcomes.chunks(2)) {
        levels[input] = Some((p5, p95, ends));
    }
    // Rows in the model's output order, each output with the swung inputs that are
    // its ancestors (the graph says which; no other input can move it).
    let ancestors = plan.ancestor_inputs_of(model, &model.outputs);
    let mut rows = Vec::new();
    for (k, (&o, inputs)) in model.outputs.iter().zip(&ancestors).enumerate() {
        let start = rows.len();
        for &input in inputs.iter().filter(|&&i| i != o) {
            let Some((p5, p95, ends)) = levels[input] else {
                continue;
            };
            let (low, high) = (&ends[0], &ends[1]);
            rows.push(crate::report::SwingRow {
                output: model.params[o].name.clone(),
                input: model.params[input].name.clone(),
                input_label: label_of(model, input),
                input_p5: p5,
                input_p95: p95,
                output_at_p5: low[k],
                output_at_p95: high[k],
                base_p50: base[k],
            });
        }
        let width = |r: &crate::report::SwingRow| (r.output_at_p95 - r.output_at_p5).abs();
        rows[start..].sort_by(|a, b| width(b).total_cmp(&width(a)));
    }
    Ok(rows)
}
