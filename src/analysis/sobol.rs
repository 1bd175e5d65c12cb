//! `costsim sobol`: variance-based sensitivity of every output to every input.
//!
//! The inputs are the params holding a distribution. Two independent matrices A and B
//! of N rows are drawn as a run draws them (seeds `seed` and a derived one); the model
//! is then re-evaluated with its inputs fed from columns (the engine's `Fill::Column`)
//! for A, B and each AB_i — N·(k + 2) evaluations for k inputs. Estimators and
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
    check_independent(model, plan)?;
    let runtime = |e: engine::SampleError| crate::analysis::run::sample_error(model, plan, e);
    let a = engine::draw_rows(plan, n, seed, &plan.inputs).map_err(runtime)?;
    let b =
        engine::draw_rows(plan, n, seed ^ 0x5EED_B0B5_A17E_1105, &plan.inputs).map_err(runtime)?;
    let fills: Vec<(usize, Fill)> = plan
        .inputs
        .iter()
        .enumerate()
        .map(|(i, &p)| (p, Fill::Column(i)))
        .collect();
    let design = plan::compile_with(model, &fills)?;
    let eval = |columns: Vec<&[f64]>| {
        engine::evaluate(&design, &columns, n, seed, threads).map_err(runtime)
    };
    let f_a = eval(a.iter().map(Vec::as_slice).collect())?;
    let f_b = eval(b.iter().map(Vec::as_slice).collect())?;
    let mut rows = Vec::new();
    for (i, &input) in plan.inputs.iter().enumerate() {
        let mut columns: Vec<&[f64]> = a.iter().map(Vec::as_slice).collect();
        columns[i] = &b[i];
        let f_ab = eval(columns)?;
        for (k, &output) in model.outputs.iter().enumerate() {
            if output == input {
                continue;
            }
            let seed_i = seed ^ ((k as u64) << 32 | i as u64);
            rows.push(SobolRow {
                output,
                input,
                indices: indices(&f_a[k], &f_b[k], &f_ab[k], seed_i),
            });
        }
    }
    rows.sort_by_key(|r| {
        let k = model.outputs.iter().position(|&o| o == r.output);
        (k, r.input)
    });
    Ok(rows)
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
