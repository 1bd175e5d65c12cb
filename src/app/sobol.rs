//! `costsim sobol FILE`: Sobol indices of every output to every input.

use super::{Outcome, chart_options, out_dir, plot_error, prepare, selected_outputs, spec};
use crate::analysis::sobol::{SobolRow, sobol_csv};
use crate::cli::SobolArgs;
use crate::error::Error;
use crate::model::Model;
use crate::report::{self, table::aligned};
use std::fmt::Write as _;

/// Base samples when `--samples` is not given: N·(k + 2) evaluations for k inputs.
pub const DEFAULT_BASE_SAMPLES: u64 = 1 << 14;

pub fn sobol(args: &SobolArgs) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let (model, plan, stem) = prepare(args.file.as_deref(), &sim.set, &sim.set_file)?;
    let outputs = selected_outputs(&model, args.outputs.as_deref())?;
    let spec = spec(sim, &model, 0);
    let n = sim.samples.unwrap_or(DEFAULT_BASE_SAMPLES);
    let rows: Vec<SobolRow> =
        crate::analysis::sobol::sobol(&model, &plan, n, spec.seed, spec.threads)?
            .into_iter()
            .filter(|r| outputs.contains(&model.params[r.output].name))
            .collect();
    let out_dir = out_dir(sim, &stem);
    let mut files = vec![("sobol.csv".to_string(), sobol_csv(&model, &rows))];
    if !sim.no_charts {
        let footer = format!(
            "{} · Sobol indices, {} base samples · seed {} · costsim {}",
            model.title,
            report::format::count(n),
            spec.seed,
            env!("CARGO_PKG_VERSION")
        );
        let opts = chart_options(sim, false);
        let charts = crate::plot::analysis::sobol_files(&model, &rows, &footer, &opts);
        files.extend(charts.map_err(plot_error(&out_dir))?);
    }
    report::write_all(&out_dir, &files)?;
    let evaluations = n * (plan.inputs.len() as u64 + 2);
    Ok(Outcome {
        stdout: table(&model, &rows, n, evaluations).into_bytes(),
        out_dir,
        warnings: Vec::new(),
    })
}

/// Per output: its inputs by total effect, with S1 and ST and their intervals.
fn table(model: &Model, rows: &[SobolRow], n: u64, evaluations: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}\nSobol indices · {} base samples · {} evaluations · 95% bootstrap intervals\n",
        model.title,
        report::format::count(n),
        report::format::count(evaluations)
    );
    let mut outputs: Vec<usize> = rows.iter().map(|r| r.output).collect();
    outputs.dedup();
    for o in outputs {
        let mut mine: Vec<&SobolRow> = rows.iter().filter(|r| r.output == o).collect();
        mine.sort_by(|a, b| b.indices.total.total_cmp(&a.indices.total));
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
                format!("{:.3}", i.first),
                format!("[{:.3}, {:.3}]", i.first_lo, i.first_hi),
                format!("{:.3}", i.total),
                format!("[{:.3}, {:.3}]", i.total_lo, i.total_hi),
            ]);
        }
        out.push_str(&aligned(&lines, 1, false));
        out.push('\n');
    }
    out
}
