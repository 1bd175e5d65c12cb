//! The simulate → summarise stages shared by `run`, `sweep` and `compare`.

use crate::engine::{self, SampleError};
use crate::error::{Diagnostic, Error};
use crate::model::Model;
use crate::plan::{Plan, Src};
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
    let mut simulated = simulate_unranked(model, plan, spec, progress)?;
    rank(model, plan, &mut simulated);
    Ok(simulated)
}

/// [`simulate`] without the sensitivity analysis: [`rank`] adds it.
pub fn simulate_unranked(
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
    Ok(summarise_unranked(model, plan, spec, aggs, elapsed_seconds))
}

/// Adds the Spearman sensitivity analysis of the kept rows to an unranked summary.
pub fn rank(model: &Model, plan: &Plan, simulated: &mut Simulated) {
    report::add_sensitivity(&mut simulated.summary, model, plan, &simulated.aggs);
}

/// Shard `chunks` of a run (`costsim run --shard`): its partial aggregates, which merge
/// with the other shards' into exactly the whole run's.
pub fn simulate_shard(
    model: &Model,
    plan: &Plan,
    spec: RunSpec,
    chunks: std::ops::Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<crate::stats::Partial, Error> {
    engine::simulate_shard(
        plan,
        spec.samples,
        spec.seed,
        spec.threads,
        chunks,
        progress,
    )
    .map_err(|e| sample_error(model, plan, e))
}

/// The rows a run keeps for its sensitivity analysis (`spec.rows` of them), drawn
/// again: a merge of shards finishes the run with them (states hold no rows).
pub fn rows_of_run(model: &Model, plan: &Plan, spec: RunSpec) -> Result<Vec<Vec<f64>>, Error> {
    engine::rows_of_run(plan, spec.samples, spec.seed, spec.rows, &plan.row_params)
        .map_err(|e| sample_error(model, plan, e))
}

/// The run's first `k` samples' values of `params`, drawn again a slice of rows at a
/// time (samples.csv: memory stays a slice's, whatever `k`).
pub fn sample_slices<'p>(
    plan: &'p Plan,
    samples: u64,
    seed: u64,
    params: &'p [usize],
    k: u64,
) -> impl Iterator<Item = Result<Vec<Vec<f64>>, SampleError>> + 'p {
    engine::run_slices(plan, samples, seed, params, k)
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
    let mut simulated = summarise_unranked(model, plan, spec, aggs, elapsed_seconds);
    rank(model, plan, &mut simulated);
    simulated
}

/// [`summarise`] without the sensitivity analysis: [`rank`] adds it.
pub fn summarise_unranked(
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
    let summary = report::summary::summarise_unranked(model, plan, &aggs, facts);
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

/// An input's exact P5 and P95 when its whole formula is one continuous
/// distribution with constant arguments, drawn directly (`3k to 9k`, `pert(1, 2, 4)`);
/// None otherwise (a formula around a draw, a mixture, a discrete or correlated
/// input): the swing then takes them from the sensitivity rows.
fn prior_ends(model: &Model, plan: &Plan, input: usize) -> Option<(f64, f64)> {
    let mut own = plan
        .sites
        .iter()
        .enumerate()
        .filter(|(_, s)| s.param == input);
    let (site, s) = own.next()?;
    if own.next().is_some() || s.span != model.params[input].expr.span {
        return None;
    }
    let sampled = plan
        .ops
        .iter()
        .any(|op| matches!(op, crate::plan::Op::Sample { site: k, .. } if *k == site));
    if !sampled {
        return None;
    }
    let q = crate::dist::Quantile::new(s.kind, s.args.as_deref()?).ok()??;
    let (p5, p95) = (q.inverse_cdf(0.05), q.inverse_cdf(0.95));
    (p5.is_finite() && p95.is_finite()).then_some((p5, p95))
}

/// The most inputs a swing tornado reruns the model for.
pub const SWING_MOST: usize = 60;

/// The swing tornado: each output's P50 with one input held at its own P5, then at
/// its P95 (its prior's exact quantiles where known, else taken from the run's
/// sensitivity rows), while the others vary. Costs
/// 2k + 1 runs of [`SWING_SAMPLES`] for the k inputs that rank in some output's top
/// [`SWING_INPUTS`] by |ρ|. Empty when no rows were kept.
pub fn swing(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    summary: &crate::report::Summary,
    threads: usize,
) -> Result<Vec<crate::report::SwingRow>, Error> {
    swing_noted(model, plan, aggs, summary, threads, None).map(|(rows, _)| rows)
}

/// [`swing`] for the inputs that matter to `outputs` only (the outputs that get
/// charts; None: every output), at most [`SWING_MOST`] of them, with a word for the
/// reader when inputs were left unswung because their runs would cost too much (see
/// [`SWING_DRAWS`]).
pub fn swing_noted(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    summary: &crate::report::Summary,
    threads: usize,
    outputs: Option<&[String]>,
) -> Result<(Vec<crate::report::SwingRow>, Option<String>), Error> {
    swing_within(model, plan, aggs, summary, threads, outputs, HELD_BUDGET)
}

/// Draws the swing's whole reruns may take in all: a rerun draws every input the
/// swung outputs depend on, SWING_SAMPLES times, and 121 of them over a model of
/// 300,000 inputs took 9 minutes. ~2–4 s of sampling.
pub const SWING_DRAWS: u64 = 2_000_000_000;

/// `swing_noted`, feeding the swing runs from at most `budget` values of the base run
/// (0: every swing run simulates the whole model, as [`Held`] replaces).
fn swing_within(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    summary: &crate::report::Summary,
    threads: usize,
    outputs: Option<&[String]>,
    budget: usize,
) -> Result<(Vec<crate::report::SwingRow>, Option<String>), Error> {
    let seed = summary.run.seed;
    use crate::plan::{Fill, compile_with};
    use crate::report::drivers::label_of;
    // Fewer rows: report::summary warns that the swing is skipped, and why.
    if aggs.rows.is_empty() || (aggs.rows[0].len() as u64) < crate::report::summary::SWING_MIN_ROWS
    {
        return Ok((Vec::new(), None));
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
    // The outputs the swing reports on: the charted ones (or every one).
    let targets: Vec<usize> = match outputs {
        Some(names) => model
            .outputs
            .iter()
            .copied()
            .filter(|&o| names.contains(&model.params[o].name))
            .collect(),
        None => model.outputs.clone(),
    };
    // A whole rerun draws only what the targets depend on (the same streams, so the
    // same values): without correlations (which tie an input to others outside),
    // it is compiled as their cone. Its medians, by model output (NaN off target).
    let reach = crate::plan::ancestry(model, &targets);
    let reached_inputs = plan.inputs.iter().filter(|&&i| reach[i]).count() as u64;
    let index = crate::plan::NameIndex::new(model);
    let rerun = |held: Option<(usize, f64)>| -> Result<Vec<f64>, Error> {
        let fill: Vec<(usize, Fill)> = held
            .map(|(input, value)| (input, Fill::Constant(value)))
            .into_iter()
            .collect();
        if !model.correlations.is_empty() {
            return match held {
                Some(_) => medians(&compile_with(model, &fill)?),
                None => medians(plan),
            };
        }
        let mut fills = vec![None; model.params.len()];
        for (p, f) in fill {
            fills[p] = Some(f);
        }
        let cone = crate::plan::compile_cone(model, &index, &fills, &targets)?;
        let a = engine::simulate_here(&cone, SWING_SAMPLES, seed, 0, &|_| {})
            .map_err(|e| sample_error(model, &cone, e))?;
        Ok(model
            .outputs
            .iter()
            .map(|&o| match cone.tracked_index(o) {
                Some(k) => a.tracked[k].quantile(0.5).unwrap_or(f64::NAN),
                None => f64::NAN,
            })
            .collect())
    };
    let pool = engine::pool(threads);
    // The base run, and the values of the params the swing runs are fed, side by side.
    let inputs: Vec<usize> = swing_candidates(model, plan, summary, outputs);
    let (base, held) = pool.install(|| {
        rayon::join(
            || rerun(None),
            || Held::new(model, plan, &inputs, seed, budget),
        )
    });
    let (base, held) = (base?, held?);
    // Inputs whose runs are whole reruns, kept while their draws fit SWING_DRAWS.
    let per_rerun = 2 * SWING_SAMPLES * reached_inputs.max(1);
    let mut left = SWING_DRAWS;
    let before = inputs.len();
    let inputs: Vec<usize> = inputs
        .into_iter()
        .filter(|&i| {
            if held.as_ref().and_then(|h| h.of(i)).is_some() {
                return true;
            }
            left.checked_sub(per_rerun).map(|l| left = l).is_some()
        })
        .collect();
    let note = (inputs.len() < before).then(|| {
        format!(
            "the swing tornado holds {} of its {before} inputs: each other one would rerun the \
             {reached_inputs} inputs the charted outputs depend on (--no-swing skips it)",
            inputs.len()
        )
    });
    // Each input's P5 and P95: its prior's own where its value is one distribution
    // with constant arguments (`3k to 9k` is held at 3k and 9k), else over the
    // sensitivity rows.
    let swung: Vec<(usize, f64, f64)> = inputs
        .iter()
        .copied()
        .map(|input| {
            if let Some((p5, p95)) = prior_ends(model, plan, input) {
                return (input, p5, p95);
            }
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
            .map(
                |&(input, value)| match held.as_ref().and_then(|h| h.of(input)) {
                    Some(downstream) => held
                        .as_ref()
                        .expect("held")
                        .medians(model, plan, input, value, downstream, &base),
                    None => rerun(Some((input, value))),
                },
            )
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
        if !targets.contains(&o) {
            continue;
        }
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
    Ok((rows, note))
}

/// Values [`Held`] may keep from the base run (64 MB, as many as the sensitivity rows).
const HELD_BUDGET: usize = 8_000_000;

/// What a swing run with one input held fixed needs beyond that input's descendants:
/// a swing run uses the base run's seed, so every param the held input cannot reach
/// takes the same values in both (common random numbers). Those are drawn once, for
/// the base run's [`SWING_SAMPLES`], and fed to each swing run as columns; the run
/// then draws and computes only the held input's descendants, compiled exactly as the
/// plan with the input held fixed compiles them, so their values, and each output's
/// median, have the same bits.
struct Held {
    /// Each swung input's descendants (itself included), by param; None where the
    /// input shares a correlation with one of them (holding it redraws the copula).
    downstream: Vec<Option<Vec<bool>>>,
    /// The position of each input in `downstream`, by param.
    slot: Vec<usize>,
    /// The column each fed param takes, by param (usize::MAX: not fed).
    column_of: Vec<usize>,
    columns: Vec<Vec<f64>>,
    seed: u64,
}

impl Held {
    /// None when the base run's columns would pass `budget` values or no input
    /// qualifies: every swing run then simulates the whole model.
    fn new(
        model: &Model,
        plan: &Plan,
        inputs: &[usize],
        seed: u64,
        budget: usize,
    ) -> Result<Option<Held>, Error> {
        let n = model.params.len();
        let mut children = vec![Vec::new(); n];
        for (p, param) in model.params.iter().enumerate() {
            for &d in &param.deps {
                children[d].push(p);
            }
        }
        let mut slot = vec![usize::MAX; n];
        let mut fed = vec![false; n];
        let mut downstream = Vec::with_capacity(inputs.len());
        for (k, &input) in inputs.iter().enumerate() {
            slot[input] = k;
            let mut below = vec![false; n];
            let mut stack = vec![input];
            while let Some(p) = stack.pop() {
                if !std::mem::replace(&mut below[p], true) {
                    stack.extend(children[p].iter().copied().filter(|&c| !below[c]));
                }
            }
            if model.correlations.iter().any(|c| below[c.a] || below[c.b]) {
                downstream.push(None);
                continue;
            }
            // The params the descendants read that are drawn or computed per sample.
            for p in (0..n).filter(|&p| below[p]) {
                for &d in &model.params[p].deps {
                    if !below[d] && matches!(plan.params[d], Src::Reg(_)) {
                        fed[d] = true;
                    }
                }
            }
            downstream.push(Some(below));
        }
        let fed: Vec<usize> = (0..n).filter(|&p| fed[p]).collect();
        if budget == 0
            || downstream.iter().all(Option::is_none)
            || fed.len().saturating_mul(SWING_SAMPLES as usize) > budget
        {
            return Ok(None);
        }
        let columns = engine::draw_rows(plan, SWING_SAMPLES, seed, &fed)
            .map_err(|e| sample_error(model, plan, e))?;
        let mut column_of = vec![usize::MAX; n];
        for (k, &p) in fed.iter().enumerate() {
            column_of[p] = k;
        }
        Ok(Some(Held {
            downstream,
            slot,
            column_of,
            columns,
            seed,
        }))
    }

    /// `input`'s descendants, when its swing runs can be fed.
    fn of(&self, input: usize) -> Option<&[bool]> {
        let k = *self.slot.get(input)?;
        self.downstream.get(k)?.as_deref()
    }

    /// Each output's median with `input` held at `value`: the descendants' from a
    /// run of them alone, the others' the base run's (`base`).
    fn medians(
        &self,
        model: &Model,
        plan: &Plan,
        input: usize,
        value: f64,
        below: &[bool],
        base: &[f64],
    ) -> Result<Vec<f64>, Error> {
        use crate::plan::{Fill, compile_with};
        let fills: Vec<(usize, Fill)> = (0..model.params.len())
            .filter_map(|p| {
                if p == input {
                    return Some((p, Fill::Constant(value)));
                }
                if below[p] {
                    return None;
                }
                Some(match plan.params[p] {
                    // What the held plan folds it to, as it does not depend on input.
                    Src::Const(v) => (p, Fill::Constant(v)),
                    Src::Reg(_) if self.column_of[p] != usize::MAX => {
                        (p, Fill::Column(self.column_of[p]))
                    }
                    // Read by no descendant: never computed.
                    Src::Reg(_) => (p, Fill::Constant(0.0)),
                })
            })
            .collect();
        let mut held = compile_with(model, &fills)?;
        // Only the descendant outputs' aggregates are read (each its own).
        held.tracked.retain(|t| below[t.param]);
        let columns: Vec<&[f64]> = self.columns.iter().map(Vec::as_slice).collect();
        let a =
            engine::simulate_columns_here(&held, &columns, SWING_SAMPLES, self.seed, 0, &|_| {})
                .map_err(|e| sample_error(model, &held, e))?;
        Ok(model
            .outputs
            .iter()
            .enumerate()
            .map(|(k, &o)| {
                if below[o] {
                    let t = held.tracked_index(o).expect("outputs are tracked");
                    a.tracked[t].quantile(0.5).unwrap_or(f64::NAN)
                } else {
                    base[k]
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Source;

    fn load(name: &str, text: &str) -> (Model, Plan) {
        let source = Source {
            name: name.into(),
            text: text.to_string(),
        };
        let m = crate::model::load(source, &[]).unwrap();
        let p = crate::plan::compile(&m).unwrap();
        (m, p)
    }

    /// Several outputs; inputs with no descendant among them (`idle`, and `c` for
    /// `out2`), a descendant distribution whose arguments come from a held input
    /// (`draw`), constants folded into descendants (`k2`), a switch, and a correlated
    /// pair (`d`, `f`: holding either redraws the copula, so those take the full run).
    const MIXED: &str = r#"
[model]
outputs = ["out1", "out2", "out3", "out4", "mid", "a"]
[params]
a = "lognormal(0, 0.5)"
b = "normal(3, 1)"
c = "uniform(1, 4)"
d = "2 to 8"
f = "normal(10, 2)"
idle = "uniform(0, 1)"
k = "3"
k2 = "k * 2 + 1"
mid = "a * k2 + b"
draw = "normal(mid, 0.5)"
out1 = "draw + c ^ 1.5"
out2 = "d * f + if(a > 1, b, mid)"
out3 = "c * 2 + f"
out4 = "exp(b / 4) + k2"

[[correlations]]
params = ["d", "f"]
rank = 0.6
"#;

    fn rows_bits(rows: &[crate::report::SwingRow]) -> Vec<(String, String, [u64; 5])> {
        rows.iter()
            .map(|r| {
                let bits = [
                    r.input_p5,
                    r.input_p95,
                    r.output_at_p5,
                    r.output_at_p95,
                    r.base_p50,
                ]
                .map(f64::to_bits);
                (r.output.clone(), r.input.clone(), bits)
            })
            .collect()
    }

    /// The swing runs fed from the base run give the same bits as full runs of the
    /// model with the input held, and so does the fallback past the column budget.
    #[test]
    fn fed_swing_runs_match_full_runs_bit_for_bit() {
        let default = std::fs::read_to_string("priors/deepseek_v3.toml").unwrap();
        let correlated = std::fs::read_to_string("tests/data/correlated.toml").unwrap();
        for (name, text) in [
            ("mixed", MIXED),
            ("deepseek_v3", default.as_str()),
            ("correlated", correlated.as_str()),
        ] {
            let (m, p) = load(name, text);
            let spec = RunSpec {
                samples: 30_000,
                seed: 11,
                threads: 2,
                rows: 30_000,
            };
            let Simulated { summary, aggs } = simulate(&m, &p, spec, &|_| {}).unwrap();
            let inputs = swing_candidates(&m, &p, &summary, None);
            let held = Held::new(&m, &p, &inputs, spec.seed, HELD_BUDGET).unwrap();
            if name != "correlated" {
                assert!(held.is_some(), "{name}: no fed swing runs");
            }
            // Too small a budget: every run is a full one.
            assert!(Held::new(&m, &p, &inputs, spec.seed, 1).unwrap().is_none());
            let full = swing_within(&m, &p, &aggs, &summary, 2, None, 0).unwrap().0;
            assert!(!full.is_empty(), "{name}");
            for budget in [HELD_BUDGET, 1] {
                let fed = swing_within(&m, &p, &aggs, &summary, 2, None, budget)
                    .unwrap()
                    .0;
                assert_eq!(rows_bits(&fed), rows_bits(&full), "{name}, budget {budget}");
            }
        }
    }

    #[test]
    fn inputs_sharing_a_correlation_with_their_descendants_are_not_fed() {
        let (m, p) = load("mixed", MIXED);
        let index = |n: &str| m.index_of(n).unwrap();
        let inputs: Vec<usize> = ["a", "c", "d", "f", "idle"].map(index).to_vec();
        let held = Held::new(&m, &p, &inputs, 1, HELD_BUDGET).unwrap().unwrap();
        assert!(held.of(index("a")).is_some());
        assert!(held.of(index("c")).is_some());
        assert!(held.of(index("idle")).is_some());
        assert!(held.of(index("d")).is_none());
        assert!(held.of(index("f")).is_none());
        // `a`'s descendants, and nothing else.
        let below = held.of(index("a")).unwrap();
        let mut names: Vec<&str> = (0..m.params.len())
            .filter(|&q| below[q])
            .map(|q| m.params[q].name.as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["a", "draw", "mid", "out1", "out2"]);
    }
}
