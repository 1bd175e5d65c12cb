//! Conditional runs (`--where`): the model's worlds where a condition holds.
//!
//! The condition is compiled into the plan as one more param (nonzero = true). One
//! selective pass draws at least the run's samples, continuing on the same streams
//! while fewer than K worlds met the condition, up to the draw budget; every output
//! and claim is then summarised over the accepted worlds only, and every input's
//! conditional spread is set against its prior (an anatomy of the condition).

use super::anatomy::{self, Anatomy, Options};
use super::run::{RunSpec, Simulated};
use crate::engine::select::{Accept, Filter};
use crate::error::Error;
use crate::model::{Model, condition};
use crate::plan::{self, Plan};
use crate::report::{self, RunFacts, summary::ConditionInfo};
use crate::stats::Aggregates;
use std::time::Instant;

/// A model with a condition compiled in.
pub struct Conditioned {
    pub model: Model,
    pub plan: Plan,
    /// The condition's param in `model`.
    pub param: usize,
    pub text: String,
}

/// Adds the condition to the model and compiles it: a bad condition is a located
/// error (exit 2) before anything runs.
pub fn prepare(model: &Model, text: &str) -> Result<Conditioned, Error> {
    let (model, param) = condition::with_condition(model, text)?;
    let plan = plan::compile(&model)?;
    Ok(Conditioned {
        model,
        plan,
        param,
        text: text.trim().to_string(),
    })
}

/// The params a conditional run keeps for each accepted world: every input (for the
/// condition's anatomy), then the sensitivity rows' params that are not inputs.
pub fn kept_params(c: &Conditioned) -> Vec<usize> {
    let inputs = &c.plan.inputs;
    let mut keep = inputs.clone();
    keep.extend(c.plan.row_params.iter().filter(|p| !inputs.contains(p)));
    keep
}

/// K for a conditional run: `--anatomy-rows`, fewer if the kept params would pass
/// [`anatomy::ROW_VALUES`].
pub fn kept_rows(c: &Conditioned, opts: &Options) -> u64 {
    anatomy::fitted_rows(opts.rows, kept_params(c).len())
}

/// Runs the conditional simulation: the summary over the accepted worlds (with
/// `ConditionInfo` filled in) and the condition's anatomy over every input.
pub fn simulate(
    c: &Conditioned,
    spec: RunSpec,
    opts: Options,
) -> Result<(Simulated, Anatomy), Error> {
    let started = Instant::now();
    let (model, plan) = (&c.model, &c.plan);
    let inputs = plan.inputs.clone();
    let keep = kept_params(c);
    let k = kept_rows(c, &opts);
    let k_note = anatomy::fitted_note("the conditional run", opts.rows, k, keep.len());
    let filter = Filter {
        accept: Accept::Nonzero(plan.params[c.param]),
        keep,
        want: k,
        min_draws: spec.samples,
        // The sensitivity rows are within their own budget (`sensitivity_rows`).
        rows: k.max(spec.rows),
        aggregate: true,
        give_up_below: 0,
    };
    let (prior, pass) = anatomy::prior_and(
        model,
        plan,
        &inputs,
        vec![filter],
        spec.samples,
        spec.seed,
        opts,
        spec.threads,
    )?;
    let sel = &pass.selected[0];
    let mut given = anatomy::describe(model, &prior, &inputs, &inputs, sel);
    given.claim = format!("given {}", c.text);
    // Sensitivity rows: the first accepted worlds' values, in `row_params` order.
    let rows: Vec<Vec<f64>> = if (sel.rows.first().map_or(0, Vec::len) as u64) < 3 {
        Vec::new()
    } else {
        sel.rows
            .iter()
            .map(|col| col[..col.len().min(spec.rows as usize)].to_vec())
            .collect()
    };
    let rows = if spec.rows == 0 { Vec::new() } else { rows };
    let aggs = Aggregates {
        tracked: sel.tracked.clone(),
        samples: sel.accepted,
        rows,
    };
    let facts = RunFacts {
        samples: sel.accepted,
        seed: spec.seed,
        threads: spec.threads,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        nonfinite_origins: Vec::new(),
    };
    let mut summary = report::summarise(model, plan, &aggs, facts);
    summary.run.samples = sel.drawn;
    summary.condition = Some(ConditionInfo {
        expression: c.text.clone(),
        probability: if sel.drawn == 0 {
            f64::NAN
        } else {
            sel.accepted as f64 / sel.drawn as f64
        },
        accepted: sel.accepted,
        drawn: sel.drawn,
        complete: sel.satisfied,
        timed_out: pass.timed_out,
    });
    summary.warnings.extend(k_note);
    summary.warnings.extend(prior.note.clone());
    use crate::report::format::count;
    if sel.accepted == 0 {
        summary.warnings.push(format!(
            "no world met `{}` in {} draws: every statistic is empty",
            c.text,
            count(sel.drawn)
        ));
    } else if !sel.satisfied {
        summary.warnings.push(format!(
            "only {} of {} drawn worlds met `{}` ({} wanted) before the draw budget; \
             raise --anatomy-budget for more",
            count(sel.accepted),
            count(sel.drawn),
            c.text,
            count(k)
        ));
    }
    Ok((Simulated { summary, aggs }, given))
}
