//! `costsim compare A.toml B.toml [C.toml ...]`: the same seed and samples for every
//! model, their outputs side by side.

use super::{
    Outcome, OutputFolder, chart_options, commit_or_print, out_dir, plot_error, prepare, spec,
};
use crate::analysis::compare::{
    Compared, claims_by_claim, claims_named, compare_csv, shared_outputs,
};
use crate::analysis::run;
use crate::cli::CompareArgs;
use crate::error::Error;
use crate::progress::Progress;
use crate::report::summary::ClaimSummary;
use crate::report::{self, format::human, table::aligned};
use std::fmt::Write as _;

pub fn compare(args: &CompareArgs) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let progress = Progress::counting(
        args.files.len() as u64,
        Progress::wanted(sim.quiet),
        "models",
    );
    let folder = OutputFolder::claim(&out_dir(sim, "compare"))?;
    let mut models = Vec::with_capacity(args.files.len());
    // The same file twice runs twice (on the same random numbers, so its rows repeat
    // exactly: a check some users want); a slip deserves a word.
    let mut notes = Vec::new();
    for (k, f) in args.files.iter().enumerate() {
        // Once per repeated file: at its second mention.
        if args.files[..k].iter().filter(|g| *g == f).count() == 1 {
            notes.push(format!(
                "{} is given more than once: its rows repeat",
                f.display()
            ));
        }
    }
    // Every model runs with the first one's samples and seed unless the flags set them.
    let mut common = None;
    for (k, file) in args.files.iter().enumerate() {
        let (model, plan, _) = prepare(Some(file), &sim.set, &sim.set_file)?;
        let spec = *common.get_or_insert_with(|| spec(sim, &model, 0));
        let simulated = simulate(args, &model, &plan, spec)?;
        models.push(Compared {
            file: file.display().to_string(),
            title: model.title.clone(),
            simulated,
        });
        progress.update(k as u64 + 1);
    }
    progress.finish();
    let samples = common.map_or(0, |s: run::RunSpec| s.samples);
    notes.extend(models.iter().filter_map(condition_note));
    // Each model's own warnings (a percentile that lost its bound, non-finite
    // values), named by its file: compare prints the same numbers `run` warns about.
    for m in &models {
        notes.extend(
            m.simulated
                .summary
                .warnings
                .iter()
                .map(|w| format!("{}: {w}", m.file)),
        );
    }
    if let Some(asked) = &args.outputs {
        for name in asked {
            if models.iter().all(|m| m.output(name).is_none()) {
                let mut all: Vec<&str> = Vec::new();
                for m in &models {
                    for o in &m.simulated.summary.outputs {
                        if !all.contains(&o.output.as_str()) {
                            all.push(&o.output);
                        }
                    }
                }
                let hint = crate::error::did_you_mean_or_list(name, "outputs", all.iter().copied());
                return Err(Error::Usage(format!(
                    "--outputs `{name}` is not an output of any of the models; {hint}"
                )));
            }
        }
    }
    let (outputs, more) = shared_outputs(&models, args.outputs.as_deref());
    notes.extend(more);
    let out_dir = folder.dir().to_path_buf();
    let claims = claims_by_claim(&models);
    // A claim is tested in the models that make it; say which do not.
    for g in claims.iter().filter(|g| g.len() < models.len()) {
        let files: Vec<&str> = g.iter().map(|((_, file), _)| *file).collect();
        let without: Vec<&str> = models
            .iter()
            .map(|m| m.file.as_str())
            .filter(|f| !files.contains(f))
            .collect();
        notes.push(format!(
            "claim `{}` is made only in {}: {} make{} no such claim, so it is not tested there",
            g[0].1.claim,
            files.join(", "),
            without.join(", "),
            if without.len() == 1 { "s" } else { "" }
        ));
    }
    let mut files = vec![
        ("compare.csv".to_string(), compare_csv(&models, &outputs)),
        (
            "compare_claims.csv".to_string(),
            report::csv::compare_claims_csv(&claims),
        ),
    ];
    if !sim.no_charts {
        let opts = chart_options(sim, false);
        let data = crate::report::analysis_charts::compare_charts(&models, &outputs, &opts);
        let charts = crate::plot::analysis::compare_files(&data, &opts);
        files.extend(charts.map_err(plot_error(&out_dir))?);
    }
    let stdout = match args.format {
        // Two tables: the outputs, then the claims (`"outputs"` and `"claims"` in JSON).
        crate::cli::Format::Json => {
            let outputs = report::csv::rows_as_json(&files[0].1);
            let claims = report::csv::rows_as_json(&files[1].1);
            let value = serde_json::json!({
                "outputs": serde_json::from_slice::<serde_json::Value>(&outputs).unwrap_or_default(),
                "claims": serde_json::from_slice::<serde_json::Value>(&claims).unwrap_or_default(),
            });
            let mut v = serde_json::to_vec_pretty(&value).expect("JSON values always serialise");
            v.push(b'\n');
            v
        }
        format => super::stdout_for(
            format,
            || {
                // Two models of one title are named apart in the tables as in the
                // charts (by their overrides, or their files); the CSVs keep the
                // titles beside the files.
                let names = crate::report::analysis_charts::series_names(&models);
                let named: Vec<&str> = names.iter().map(String::as_str).collect();
                table(&models, &named, &outputs, samples)
                    + &claims_table(&claims_named(&models, &named))
            },
            &files[0].1,
        ),
    };
    commit_or_print(folder, &files, &stdout)?;
    Ok(Outcome {
        stdout,
        out_dir,
        warnings: notes,
    })
}

/// With `--where`, a word on a model where the condition never held (its rows are
/// empty: NaN, its claims unranked) or held in fewer worlds than wanted.
fn condition_note(m: &Compared) -> Option<String> {
    use report::format::count;
    let c = m.simulated.summary.condition.as_ref()?;
    if c.accepted == 0 {
        Some(format!(
            "`{}` never held in {} ({}): none of {} worlds drawn, so its rows are empty (NaN) and its claims unranked",
            c.expression,
            m.title,
            m.file,
            count(c.drawn)
        ))
    } else if !c.complete {
        Some(format!(
            "`{}` held in only {} of {} worlds drawn in {} ({}): its numbers rest on those few",
            c.expression,
            count(c.accepted),
            count(c.drawn),
            m.title,
            m.file
        ))
    } else {
        None
    }
}

/// Per output: one row per model that reports it.
fn table(models: &[Compared], names: &[&str], outputs: &[String], samples: u64) -> String {
    let mut out = String::new();
    let run = &models[0].simulated.summary.run;
    // The samples asked for: a conditional run's `run.samples` counts the worlds it
    // drew (each model's line below gives them).
    let _ = writeln!(
        out,
        "comparison of {} models · {} · seed {}",
        models.len(),
        report::format::samples(samples),
        run.seed
    );
    // With --where: each model's own P(condition), and every number below is over
    // the worlds that meet it.
    for (m, name) in models.iter().zip(names) {
        if let Some(c) = &m.simulated.summary.condition {
            let _ = writeln!(out, "{name}: {}", report::anatomy::condition_line(c));
        }
    }
    out.push('\n');
    for name in outputs {
        let mut rows = vec![
            ["model", "mean", "p5", "p25", "p50", "p75", "p95"]
                .map(String::from)
                .to_vec(),
        ];
        for (m, model) in models.iter().zip(names) {
            let Some(o) = m.output(name) else { continue };
            let u = (!o.unit.is_empty()).then_some(o.unit.as_str());
            let mut row = vec![model.to_string(), human(o.mean, u)];
            for p in ["p5", "p25", "p50", "p75", "p95"] {
                row.push(human(o.percentile(p).unwrap_or(f64::NAN), u));
            }
            rows.push(row);
        }
        let _ = writeln!(out, "{name}");
        out.push_str(&aligned(&rows, 1, false));
        out.push('\n');
    }
    out
}

/// Per claim: its rank, P(below), P(above) and verdict in each model that tests it.
fn claims_table(groups: &[Vec<(&str, &ClaimSummary)>]) -> String {
    use report::format::{probability, rank};
    let mut out = String::new();
    for group in groups {
        let c = group[0].1;
        let unit = (!c.unit.is_empty()).then_some(c.unit.as_str());
        let _ = writeln!(
            out,
            "claim: {} ({} = {})",
            report::table::terminal_safe(&c.claim),
            c.param,
            human(c.value, unit)
        );
        let mut rows = vec![
            ["model", "rank", "P(below)", "P(above)", "verdict"]
                .map(String::from)
                .to_vec(),
        ];
        for (title, d) in group {
            rows.push(vec![
                title.to_string(),
                rank(d.percentile_rank),
                probability(d.p_below),
                probability(d.p_above),
                d.verdict.clone(),
            ]);
        }
        out.push_str(&aligned(&rows, 1, true));
        out.push('\n');
    }
    out
}

/// One model's run: with `--where`, over the worlds that meet the condition.
fn simulate(
    args: &CompareArgs,
    model: &crate::model::Model,
    plan: &crate::plan::Plan,
    spec: run::RunSpec,
) -> Result<run::Simulated, Error> {
    use crate::analysis::{anatomy::DEFAULT_WINDOW, condition};
    match &args.sampling.condition {
        Some(text) => {
            let c = condition::prepare(model, text)?;
            let opts = super::anatomy_options(&args.sampling, DEFAULT_WINDOW, spec.samples);
            Ok(condition::simulate(&c, spec, opts)?.0)
        }
        None => run::simulate(model, plan, spec, &|_| {}),
    }
}
