//! `costsim sobol`: variance-based sensitivity of every output to every input.
//!
//! The inputs are the params holding a distribution. The model's graph says which
//! inputs can affect which outputs ([`Plan::ancestor_inputs_of`]): an input that is
//! not an ancestor of an output gets indices of exactly 0 for it, and an input that
//! affects none of the outputs asked for is neither drawn nor re-evaluated.
//!
//! Two independent matrices A and B of N rows of the other (needed) inputs are drawn
//! as a run draws them (seeds `seed` and a derived one); the model is then
//! re-evaluated with those inputs fed from columns (the engine's `Fill::Column`) for
//! A, B and each AB_i — N·(k + 2) evaluations for k needed inputs. Estimators and
//! intervals: `stats::sobol`.

use crate::engine;
use crate::error::{Diagnostic, Error};
use crate::model::Model;
use crate::plan::{self, Fill, Plan};
use crate::stats::sobol::{Indices, indices};

/// The indices of one (output, input) pair.
#[derive(Clone, Debug)]
pub struct SobolRow {
    pub output: usize,
    pub input: usize,
    /// Whether the input is an ancestor of the output in the model's graph; when not,
    /// `indices` is [`Indices::ZERO`].
    pub affects: bool,
    pub indices: Indices,
}

/// Refuses models whose inputs are not independent: Sobol indices are defined for
/// independent inputs only.
fn check_independent(model: &Model, plan: &Plan) -> Result<(), Error> {
    let src = &model.sources[0];
    if let Some(c) = model.correlations.first() {
        return Err(Diagnostic::at(
            src,
            c.span,
            format!(
                "Sobol indices need independent inputs, but `{}` and `{}` are correlated",
                model.params[c.a].name, model.params[c.b].name
            ),
        )
        .help("run `costsim sobol` on a copy without [[correlations]], or use the Spearman sensitivity of `costsim run`")
        .into());
    }
    for &p in &plan.inputs {
        if let Some(q) = upstream_input(model, plan, p) {
            let param = &model.params[p];
            return Err(Diagnostic::at(
                &model.sources[param.origin],
                param.expr.span,
                format!(
                    "Sobol indices need independent inputs, but input `{}` depends on input `{}`",
                    param.name, model.params[q].name
                ),
            )
            .param(&param.name)
            .help("hierarchical priors make the inputs dependent; fix the upper level with --set to analyse the rest")
            .into());
        }
    }
    Ok(())
}

/// An input that `p` depends on, directly or through derived params.
fn upstream_input(model: &Model, plan: &Plan, p: usize) -> Option<usize> {
    let mut stack = model.params[p].deps.clone();
    let mut seen = vec![false; model.params.len()];
    while let Some(q) = stack.pop() {
        if std::mem::replace(&mut seen[q], true) {
            continue;
        }
        if plan.inputs.contains(&q) {
            return Some(q);
        }
        stack.extend(&model.params[q].deps);
    }
    None
}

/// Runs the design and estimates S_i and ST_i for every output and input.
pub fn sobol(
    model: &Model,
    plan: &Plan,
    n: u64,
    seed: u64,
    threads: usize,
) -> Result<Vec<SobolRow>, Error> {
    sobol_of(model, plan, &model.outputs, n, seed, threads)
}

/// The inputs the design must vary for `outputs` (indices into `plan.inputs`), and
/// each output's ancestor inputs: an input is needed when it is an ancestor of some
/// output other than itself.
fn needed(model: &Model, plan: &Plan, outputs: &[usize]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let ancestors = plan.ancestor_inputs_of(model, outputs);
    let mut wanted = vec![false; model.params.len()];
    for (&o, inputs) in outputs.iter().zip(&ancestors) {
        inputs
            .iter()
            .filter(|&&i| i != o)
            .for_each(|&i| wanted[i] = true);
    }
    let needed = (0..plan.inputs.len())
        .filter(|&i| wanted[plan.inputs[i]])
        .collect();
    (needed, ancestors)
}

/// Model evaluations the design for `outputs` costs: N·(k + 2) for its k needed inputs.
pub fn evaluations(model: &Model, plan: &Plan, outputs: &[usize], n: u64) -> u64 {
    n * (needed(model, plan, outputs).0.len() as u64 + 2)
}

/// [`sobol`] for `outputs` (model outputs) only: rows for each of them and every
/// input but itself, in the model's output order, then plan order.
pub fn sobol_of(
    model: &Model,
    plan: &Plan,
    outputs: &[usize],
    n: u64,
    seed: u64,
    threads: usize,
) -> Result<Vec<SobolRow>, Error> {
    check_independent(model, plan)?;
    let mut outputs = outputs.to_vec();
    outputs.sort_by_key(|o| model.outputs.iter().position(|p| p == o));
    outputs.dedup();
    let (needed, ancestors) = needed(model, plan, &outputs);
    let params: Vec<usize> = needed.iter().map(|&i| plan.inputs[i]).collect();
    let runtime = |e: engine::SampleError| crate::analysis::run::sample_error(model, plan, e);
    let a = engine::draw_rows(plan, n, seed, &params).map_err(runtime)?;
    let b = engine::draw_rows(plan, n, seed ^ 0x5EED_B0B5_A17E_1105, &params).map_err(runtime)?;
    // Needed inputs come from the design's columns; the others affect no output asked
    // for, so they are held at NaN rather than drawn.
    let mut fills: Vec<(usize, Fill)> = plan
        .inputs
        .iter()
        .map(|&p| (p, Fill::Constant(f64::NAN)))
        .collect();
    for (column, &i) in needed.iter().enumerate() {
        fills[i].1 = Fill::Column(column);
    }
    let design = plan::compile_with(model, &fills)?;
    let eval = |columns: Vec<&[f64]>| {
        engine::evaluate(&design, &columns, n, seed, threads).map_err(runtime)
    };
    let f_a = eval(a.iter().map(Vec::as_slice).collect())?;
    let f_b = eval(b.iter().map(Vec::as_slice).collect())?;
    // Each output's place among the model's outputs (the bootstrap seeds) and among
    // the design's tracked values.
    let place: Vec<(usize, usize)> = outputs
        .iter()
        .map(|&o| {
            let k = model
                .outputs
                .iter()
                .position(|&p| p == o)
                .expect("an output");
            (k, design.tracked_index(o).expect("outputs are tracked"))
        })
        .collect();
    // rows[j][i]: output outputs[j], input plan.inputs[i]; filled in here for the
    // inputs that cannot affect the output, below for its ancestors.
    let mut ancestor = vec![false; model.params.len()];
    let mut rows: Vec<Vec<Option<SobolRow>>> = Vec::with_capacity(outputs.len());
    for (&output, ancestry) in outputs.iter().zip(&ancestors) {
        ancestry.iter().for_each(|&i| ancestor[i] = true);
        rows.push(
            plan.inputs
                .iter()
                .map(|&input| {
                    (input != output && !ancestor[input]).then_some(SobolRow {
                        output,
                        input,
                        affects: false,
                        indices: Indices::ZERO,
                    })
                })
                .collect(),
        );
        ancestry.iter().for_each(|&i| ancestor[i] = false);
    }
    for (column, &i) in needed.iter().enumerate() {
        let input = plan.inputs[i];
        let mut columns: Vec<&[f64]> = a.iter().map(Vec::as_slice).collect();
        columns[column] = &b[column];
        let f_ab = eval(columns)?;
        for (j, &output) in outputs.iter().enumerate() {
            if output == input || rows[j][i].is_some() {
                continue;
            }
            let (k, t) = place[j];
            let seed_i = seed ^ ((k as u64) << 32 | i as u64);
            rows[j][i] = Some(SobolRow {
                output,
                input,
                affects: true,
                indices: indices(&f_a[t], &f_b[t], &f_ab[t], seed_i),
            });
        }
    }
    Ok(rows.into_iter().flatten().flatten().collect())
}

/// sobol.csv: `output,input,first_order,first_order_lo,first_order_hi,total,total_lo,total_hi`.
pub fn sobol_csv(model: &Model, rows: &[SobolRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "output",
        "input",
        "first_order",
        "first_order_lo",
        "first_order_hi",
        "total",
        "total_lo",
        "total_hi",
    ];
    w.write_record(header).expect("writing to memory");
    for r in rows {
        let i = &r.indices;
        let mut record = vec![
            model.params[r.output].name.clone(),
            model.params[r.input].name.clone(),
        ];
        record.extend(
            [
                i.first, i.first_lo, i.first_hi, i.total, i.total_lo, i.total_hi,
            ]
            .map(|v| v.to_string()),
        );
        w.write_record(record).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
