//! `costsim sweep FILE --param NAME (--values … | --range START:END:STEPS [--log])`.

use super::{
    Outcome, OutputFolder, build, chart_options, commit_or_print, model_text, out_dir, plot_error,
    selected_outputs, spec,
};
use crate::analysis::sweep::{
    MAX_STEP_ROWS, Step, param_index, parse_range, parse_values, sweep as run_sweep, sweep_csv,
};
use crate::cli::SweepArgs;
use crate::error::Error;
use crate::model::Model;
use crate::progress::Progress;
use crate::report::{self, format::human, table::aligned};
use std::fmt::Write as _;

/// A sweep's model, param, values and outputs, checked.
pub(super) struct Prepared {
    pub model: Model,
    pub param: usize,
    pub values: Vec<f64>,
    pub outputs: Vec<String>,
    pub notes: Vec<String>,
}

pub fn sweep(args: &SweepArgs) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let text = model_text(args.file.as_deref(), &sim.set, &sim.set_file)?;
    let (model, _) = build(&text)?;
    let p = prepare_sweep(args, model)?;
    if let Some(shard) = args.shard {
        return super::shard::sweep_shard(args, shard, text, &p.model, p.param, &p.values);
    }
    let folder = OutputFolder::claim(&out_dir(sim, &format!("{}-sweep", text.stem)))?;
    let spec = spec(sim, &p.model, 0);
    let progress = Progress::counting(p.values.len() as u64, Progress::wanted(sim.quiet), "steps");
    let steps = run_sweep(&p.model, p.param, &p.values, &p.outputs, spec, &|k| {
        progress.update(k as u64)
    });
    progress.finish();
    write_sweep(args, folder, p, steps?)
}

/// Checks the param, the values and the outputs of a sweep of `model`.
pub(super) fn prepare_sweep(args: &SweepArgs, model: Model) -> Result<Prepared, Error> {
    let param = param_index(&model, &args.param, "--param")?;
    let values = match (&args.values, &args.range) {
        (Some(v), _) => parse_values(v)?,
        (None, Some(r)) => parse_range(r, args.log)?,
        (None, None) => return Err(Error::Usage("give --values or --range".into())),
    };
    // Holding the param fixed drops its correlations, as an override holding it fixed
    // does in `run` (model::load says so there): say so once, not per step.
    let mut notes: Vec<String> = model
        .correlations
        .iter()
        .filter_map(|c| match (c.a == param, c.b == param) {
            (true, _) => Some(c.b),
            (_, true) => Some(c.a),
            _ => None,
        })
        .map(|other| {
            format!(
                "{} is held fixed by the sweep, so its correlation with {} is dropped",
                args.param, model.params[other].name
            )
        })
        .collect();
    let outputs = match args.outputs.as_deref() {
        Some(asked) => selected_outputs(&model, Some(asked))?,
        // By default only the outputs the swept param can move: the rest would print
        // and plot flat lines.
        None => {
            let moved: Vec<String> = crate::analysis::sweep::moved_outputs(&model, param)
                .map(|o| model.params[o].name.clone())
                .collect();
            if moved.is_empty() {
                return Err(Error::Usage(format!(
                    "no output of {} depends on `{}`: sweeping it changes nothing (choose outputs with --outputs)",
                    model.file, args.param
                )));
            }
            let left = model.outputs.len() - moved.len();
            if left > 0 {
                let (subject, are) = match left {
                    1 => ("1 output does".to_string(), "is"),
                    n => (
                        format!("{} outputs do", crate::report::format::count(n as u64)),
                        "are",
                    ),
                };
                notes.push(format!(
                    "{subject} not depend on `{}` and {are} left out (--outputs to choose)",
                    args.param
                ));
            }
            moved
        }
    };
    let rows = values.len().saturating_mul(outputs.len());
    if rows > MAX_STEP_ROWS {
        return Err(Error::Usage(format!(
            "the sweep would report {} steps × {} outputs = {} rows; a sweep reports at most {} (each row is held until the end): choose fewer outputs with --outputs, or fewer steps",
            report::format::count(values.len() as u64),
            report::format::count(outputs.len() as u64),
            report::format::count(rows as u64),
            report::format::count(MAX_STEP_ROWS as u64)
        )));
    }
    Ok(Prepared {
        model,
        param,
        values,
        outputs,
        notes,
    })
}

/// Writes a sweep's files (one machine's, or merged shards') and says what it found.
pub(super) fn write_sweep(
    args: &SweepArgs,
    folder: OutputFolder,
    p: Prepared,
    steps: Vec<Step>,
) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let Prepared {
        model,
        param,
        outputs,
        notes,
        ..
    } = p;
    let out_dir = folder.dir().to_path_buf();
    let mut files = vec![("sweep.csv".to_string(), sweep_csv(&steps, &outputs))];
    let mut cut = None;
    if !sim.no_charts {
        let opts = chart_options(sim, false);
        let data =
            crate::report::analysis_charts::sweep_charts(&model, param, &steps, &outputs, &opts);
        let charts = crate::plot::analysis::sweep_files(&data, &opts);
        files.extend(charts.map_err(plot_error(&out_dir))?);
        cut = super::charts_cut(opts.max_outputs, outputs.len());
    }
    let unit = model.params[param].unit.as_deref();
    let stdout = super::stdout_for(
        args.format,
        || table(&model.title, &args.param, unit, &steps, &outputs),
        &files[0].1,
    );
    commit_or_print(folder, &files, &stdout)?;
    Ok(Outcome {
        stdout,
        out_dir,
        warnings: notes
            .into_iter()
            .chain(step_warnings(&args.param, &steps))
            .chain(cut)
            .collect(),
    })
}

/// Every step's warnings, each once, named by the first step it arose at (a
/// percentile that lost its bound may do so only at a far end of the grid).
fn step_warnings(param: &str, steps: &[crate::analysis::sweep::Step]) -> Vec<String> {
    let mut seen: Vec<(&str, f64, usize)> = Vec::new();
    for step in steps {
        for w in &step.summary.warnings {
            match seen.iter_mut().find(|(text, _, _)| *text == w.as_str()) {
                Some(entry) => entry.2 += 1,
                None => seen.push((w, step.value, 1)),
            }
        }
    }
    seen.into_iter()
        .map(|(w, at, n)| match n {
            1 => format!("at {param} = {at}: {w}"),
            2 => format!("at {param} = {at} (and 1 other step): {w}"),
            n => format!("at {param} = {at} (and {} other steps): {w}", n - 1),
        })
        .collect()
}

/// Per output: one row per swept value with the output's percentiles.
fn table(
    title: &str,
    param: &str,
    unit: Option<&str>,
    steps: &[Step],
    outputs: &[String],
) -> String {
    let mut out = String::new();
    let samples = steps.first().map_or(0, |s| s.summary.run.samples);
    let _ = writeln!(
        out,
        "{title}\nsweep of {param} · {} steps · {} samples each · common random numbers\n",
        steps.len(),
        report::format::count(samples)
    );
    for name in outputs {
        let mut rows = vec![
            [param, "mean", "p5", "p25", "p50", "p75", "p95"]
                .map(String::from)
                .to_vec(),
        ];
        let mut o_unit = String::new();
        for step in steps {
            let Some(o) = step.summary.outputs.iter().find(|o| &o.output == name) else {
                continue;
            };
            o_unit.clone_from(&o.unit);
            let u = (!o.unit.is_empty()).then_some(o.unit.as_str());
            let mut row = vec![human(step.value, unit), human(o.mean, u)];
            for p in ["p5", "p25", "p50", "p75", "p95"] {
                row.push(human(o.percentile(p).unwrap_or(f64::NAN), u));
            }
            rows.push(row);
        }
        let _ = writeln!(
            out,
            "{name}{}",
            if o_unit.is_empty() {
                String::new()
            } else {
                format!(" ({o_unit})")
            }
        );
        out.push_str(&aligned(&rows, 0, false));
        out.push('\n');
    }
    out
}
