//! `costsim sobol FILE`: Sobol indices of every output to every input.

use super::{
    Outcome, OutputFolder, build, chart_options, commit_or_print, model_text, out_dir, plot_error,
    selected_outputs, spec,
};
use crate::analysis::sobol::{Design, MAX_LISTED_PAIRS, SobolResult, sobol_csv};
use crate::cli::SobolArgs;
use crate::error::Error;
use crate::model::Model;
use crate::plan::Plan;
use crate::report::{self, table::aligned};
use std::fmt::Write as _;

/// Base samples when `--samples` is not given: N·(k + 2) evaluations for the k inputs
/// that can affect some output asked for.
pub const DEFAULT_BASE_SAMPLES: u64 = 1 << 14;

/// A Sobol analysis's model, plan and outputs, checked.
pub(super) struct Prepared {
    pub model: Model,
    pub plan: Plan,
    pub outputs: Vec<usize>,
    /// Base samples N.
    pub n: u64,
}

pub fn sobol(args: &SobolArgs) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let text = model_text(args.file.as_deref(), &sim.set, &sim.set_file)?;
    let (model, plan) = build(&text)?;
    let p = prepare_sobol(args, model, plan)?;
    let design = Design::new(&p.model, &p.plan, &p.outputs)?;
    if let Some(shard) = args.shard {
        return super::shard::sobol_shard(args, shard, text, &p, &design);
    }
    let folder = OutputFolder::claim(&out_dir(sim, &format!("{}-sobol", text.stem)))?;
    let spec = spec(sim, &p.model, 0);
    let units = design.units(p.n);
    let partial = design.run(&p.model, &p.plan, p.n, spec.seed, 0..units, spec.threads)?;
    let result = design
        .finish(partial, p.n, spec.seed)
        .expect("a whole design holds every unit");
    write_sobol(args, folder, &p, &result, spec.seed)
}

/// Checks the model and the outputs asked for.
pub(super) fn prepare_sobol(args: &SobolArgs, model: Model, plan: Plan) -> Result<Prepared, Error> {
    if plan.inputs.is_empty() {
        return Err(Error::Usage(format!(
            "{} has no inputs (no param holds a distribution), so there is no variance for Sobol indices to share out",
            model.file
        )));
    }
    let names = selected_outputs(&model, args.outputs.as_deref())?;
    let outputs: Vec<usize> = model
        .outputs
        .iter()
        .copied()
        .filter(|&o| names.contains(&model.params[o].name))
        .collect();
    let n = args.sim.samples.unwrap_or(DEFAULT_BASE_SAMPLES);
    Ok(Prepared {
        model,
        plan,
        outputs,
        n,
    })
}

/// Writes a Sobol analysis's files (one machine's, or merged shards').
pub(super) fn write_sobol(
    args: &SobolArgs,
    folder: OutputFolder,
    p: &Prepared,
    result: &SobolResult,
    seed: u64,
) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let Prepared {
        model,
        plan,
        outputs,
        n,
    } = p;
    let n = *n;
    let out_dir = folder.dir().to_path_buf();
    let mut files = vec![("sobol.csv".to_string(), sobol_csv(model, &result.rows))];
    let mut cut = None;
    if !sim.no_charts {
        let footer = format!(
            "{} · Sobol indices, {} base samples · seed {} · costsim {}",
            model.title,
            report::format::count(n),
            seed,
            env!("CARGO_PKG_VERSION")
        );
        let opts = chart_options(sim, false);
        let data = crate::report::analysis_charts::sobol_charts(model, result, &footer, &opts);
        let charts = crate::plot::analysis::sobol_files(&data, &opts);
        files.extend(charts.map_err(plot_error(&out_dir))?);
        // The outputs an input can affect get a chart each.
        let chartable = result
            .by_output()
            .filter(|(_, rows)| rows.iter().any(|r| r.affects))
            .count();
        cut = super::charts_cut(opts.max_outputs, chartable);
    }
    let evaluations = crate::analysis::sobol::evaluations(model, plan, outputs, n);
    let stdout = super::stdout_for(
        args.format,
        || table(model, plan, result, n, evaluations),
        &files[0].1,
    );
    commit_or_print(folder, &files, &stdout)?;
    Ok(Outcome {
        stdout,
        out_dir,
        warnings: warnings(model, result).into_iter().chain(cut).collect(),
    })
}

/// What the reader should know about the result: pairs left out of sobol.csv, and
/// undefined indices.
fn warnings(model: &Model, result: &SobolResult) -> Vec<String> {
    let mut words = Vec::new();
    if !result.listed_all {
        let zero: usize = result.unaffected.iter().map(|&(_, n)| n).sum();
        words.push(format!(
            "sobol.csv lists the {} (output, input) pairs where the input can affect the output; the other {} pairs have indices of exactly 0 and are left out (every pair is listed up to {} pairs)",
            report::format::count(result.rows.len() as u64),
            report::format::count(zero as u64),
            report::format::count(MAX_LISTED_PAIRS as u64)
        ));
    }
    words.extend(undefined_indices(model, &result.rows));
    words
}

/// A word on each output whose indices came out NaN: they divide by its variance,
/// which is 0 (a constant output) or not a finite number (values near the largest
/// double). The CSV keeps the NaNs; the reader learns why.
fn undefined_indices(model: &Model, rows: &[crate::analysis::sobol::SobolRow]) -> Vec<String> {
    let mut outputs: Vec<usize> = rows
        .iter()
        .filter(|r| r.affects && !(r.indices.first.is_finite() && r.indices.total.is_finite()))
        .map(|r| r.output)
        .collect();
    outputs.sort_unstable();
    outputs.dedup();
    outputs
        .into_iter()
        .map(|o| {
            format!(
                "`{}`: its Sobol indices are not defined (NaN): its variance over the design is 0 (it is constant) or overflows a double (rescale its units)",
                model.params[o].name
            )
        })
        .collect()
}

/// An index or interval end in the table: three decimals, never "-0.000".
fn index(v: f64) -> String {
    report::format::decimals(v, 3, false)
}

/// Per output: its ancestor inputs by total effect, with S1 and ST and their
/// intervals; the inputs that cannot affect it (indices exactly 0) are counted.
fn table(model: &Model, plan: &Plan, result: &SobolResult, n: u64, evaluations: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}\nSobol indices · {} base samples · {} evaluations · 95% bootstrap intervals\n",
        model.title,
        report::format::count(n),
        report::format::count(evaluations)
    );
    let mut rows = result.by_output().peekable();
    for &(o, unaffected) in &result.unaffected {
        let mut mine: Vec<_> = match rows.next_if(|(output, _)| *output == o) {
            Some((_, mine)) => mine.iter().filter(|r| r.affects).collect(),
            None => Vec::new(),
        };
        mine.sort_by(|a, b| b.indices.total.total_cmp(&a.indices.total));
        let none = mine.is_empty();
        let mut lines = vec![vec![
            model.params[o].name.clone(),
            "first order".into(),
            "95% CI".into(),
            "total".into(),
            "95% CI".into(),
        ]];
        for r in mine {
            let i = r.indices;
            lines.push(vec![
                format!("  {}", model.params[r.input].name),
                index(i.first),
                format!("[{}, {}]", index(i.first_lo), index(i.first_hi)),
                index(i.total),
                format!("[{}, {}]", index(i.total_lo), index(i.total_hi)),
            ]);
        }
        if none {
            let why = if plan.inputs.contains(&o) {
                "it is an input with no input upstream: its spread is its own distribution"
            } else {
                "no input can affect it"
            };
            let _ = writeln!(out, "{}: {why}", model.params[o].name);
        } else {
            out.push_str(&aligned(&lines, 1, false));
        }
        match unaffected {
            0 => {}
            1 => out.push_str("  (1 other input cannot affect it: indices 0)\n"),
            k => {
                let _ = writeln!(out, "  ({k} other inputs cannot affect it: indices 0)");
            }
        }
        out.push('\n');
    }
    out
}
