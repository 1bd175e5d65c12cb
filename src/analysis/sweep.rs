//! `costsim sweep`: the model run once per value of one param, with that param held
//! at the value (the engine's `Fill::Constant`) and the same seed at every step —
//! common random numbers, so the bands move only because the param does.

use crate::analysis::run::{self, RunSpec, Simulated};
use crate::error::{Error, did_you_mean_or_list};
use crate::model::{self, Model};
use crate::plan::{self, Fill};
use crate::report::summary::{PERCENTILES, Summary};
use std::collections::HashSet;

/// One step of a sweep: its summary only. The step's aggregates (sketches, rows)
/// are dropped once summarised, so a sweep's memory grows by a summary per step, not
/// by a run's aggregates per step (20,000 steps of the default model held 8 GB).
pub struct Step {
    pub value: f64,
    pub summary: Summary,
}

impl Step {
    /// A step that keeps what a sweep reports: the outputs named in `keep` and the
    /// claims on them. A model of 5,000 outputs swept for one of them kept 5,000
    /// output summaries per step.
    pub fn new(value: f64, mut summary: Summary, keep: &HashSet<&str>) -> Step {
        summary.outputs.retain(|o| keep.contains(o.output.as_str()));
        summary.claims.retain(|c| keep.contains(c.param.as_str()));
        // retain keeps the capacity: 1,500 outputs' worth (300 KB) per step.
        summary.outputs.shrink_to_fit();
        summary.claims.shrink_to_fit();
        summary.sensitivity = Vec::new();
        summary.self_driven = Vec::new();
        summary.swing = Vec::new();
        summary.anatomy = None;
        Step { value, summary }
    }
}

/// The most steps a sweep takes: each is a whole run, and a longer grid is a typo
/// (`--range 1:3:1000000000`) more often than a plan.
pub const MAX_STEPS: usize = 10_000;

/// The most (step, output) rows a sweep reports: each is a row of sweep.csv and of
/// the table, and a step's summary of the output is held until the end (~0.7 KB
/// a row in all: 150 outputs × 10,000 steps took 950 MB). 500,000 rows stay near
/// 350 MB.
pub const MAX_STEP_ROWS: usize = 500_000;

/// Parses a number as the model language writes it: `50k`, `2.5M`, `35%`, `1e3`.
pub fn number(text: &str) -> Result<f64, Error> {
    let bad = |why: String| Error::Usage(format!("`{text}` is not a number: {why}"));
    let expr = model::parser::parse(text.trim(), 0).map_err(|e| bad(e.message))?;
    model::constant_value(&expr).ok_or_else(|| bad("write a constant such as 50k or 2.5M".into()))
}

/// `--values a,b,c`.
pub fn parse_values(list: &str) -> Result<Vec<f64>, Error> {
    let values: Vec<f64> = list
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(number)
        .collect::<Result<_, _>>()?;
    if values.is_empty() {
        return Err(Error::Usage(
            "--values is empty: give at least one value, e.g. --values 2048,8000,50k".into(),
        ));
    }
    if values.len() > MAX_STEPS {
        return Err(Error::Usage(format!(
            "--values lists {} values; a sweep takes at most {MAX_STEPS} (each step is a whole run)",
            values.len()
        )));
    }
    Ok(values)
}

/// `--range START:END:STEPS`, evenly spaced, or evenly in log space with `--log`.
pub fn parse_range(range: &str, log: bool) -> Result<Vec<f64>, Error> {
    let parts: Vec<&str> = range.split(':').collect();
    let [start, end, steps] = parts[..] else {
        return Err(Error::Usage(format!(
            "--range `{range}` must be START:END:STEPS, e.g. --range 2048:60k:12"
        )));
    };
    let (start, end) = (number(start)?, number(end)?);
    let steps: usize = steps.trim().parse().map_err(|_| {
        Error::Usage(format!(
            "--range STEPS `{steps}` must be a whole number of at least 2"
        ))
    })?;
    if steps < 2 {
        return Err(Error::Usage(format!(
            "--range needs at least 2 STEPS, got {steps}: use --values for a single value"
        )));
    }
    if steps > MAX_STEPS {
        return Err(Error::Usage(format!(
            "--range asks for {steps} STEPS; a sweep takes at most {MAX_STEPS} (each step is a whole run): use fewer steps, or split the range over several sweeps"
        )));
    }
    if log && !(start > 0.0 && end > 0.0) {
        return Err(Error::Usage(format!(
            "--log needs a positive START and END, got {start} and {end}"
        )));
    }
    let at = |k: usize| {
        let t = k as f64 / (steps - 1) as f64;
        if log {
            (start.ln() + t * (end.ln() - start.ln())).exp()
        } else {
            start + t * (end - start)
        }
    };
    // The ends exactly as written, whatever the rounding in between.
    Ok((0..steps)
        .map(|k| match k {
            0 => start,
            k if k == steps - 1 => end,
            k => at(k),
        })
        .collect())
}

/// A param of the model by name, or a usage error with "did you mean".
pub fn param_index(model: &Model, name: &str, flag: &str) -> Result<usize, Error> {
    model.index_of(name).ok_or_else(|| {
        let names = model.params.iter().map(|p| p.name.as_str());
        let hint = did_you_mean_or_list(name, "params", names);
        Error::Usage(format!(
            "{flag} `{name}`: the model has no such param; {hint}"
        ))
    })
}

/// The plan of one step: the model with `param` held at `value`.
pub fn step_plan(
    model: &Model,
    param: usize,
    value: f64,
) -> Result<crate::plan::Plan, crate::error::Diagnostic> {
    plan::compile_with(model, &[(param, Fill::Constant(value))])
}

/// Runs every step, keeping the outputs in `keep`; a step that fails stops the sweep
/// with a message naming its value.
pub fn sweep(
    model: &Model,
    param: usize,
    values: &[f64],
    keep: &[String],
    spec: RunSpec,
    progress: &dyn Fn(usize),
) -> Result<Vec<Step>, Error> {
    let name = &model.params[param].name;
    let keep: HashSet<&str> = keep.iter().map(String::as_str).collect();
    let mut steps = Vec::with_capacity(values.len());
    for (k, &value) in values.iter().enumerate() {
        let at_step = |e: Error| match e {
            Error::Model(mut d) => {
                d.message = format!("sweep step {name} = {value}: {}", d.message);
                Error::Model(d)
            }
            other => other,
        };
        let plan = step_plan(model, param, value).map_err(|d| at_step(d.into()))?;
        let Simulated { summary, .. } =
            run::simulate(model, &plan, spec, &|_| {}).map_err(at_step)?;
        steps.push(Step::new(value, summary, &keep));
        progress(k + 1);
    }
    Ok(steps)
}

/// A number for sweep.csv: as `{}` writes it (the shortest text that reads back to
/// the same bits), but in exponent form past 1e16 or below 1e-5, where `{}` writes
/// every digit: a sweep over 1e-300..1e300 wrote ~300 characters per number, and
/// 10,000 steps of 50 outputs made a 920 MB sweep.csv, held in memory until written.
fn number_text(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-5..1e16).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// sweep.csv: `value,output,mean,sd,p1,...,p99`, one row per step and output.
pub fn sweep_csv(steps: &[Step], outputs: &[String]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["value", "output", "mean", "sd"];
    header.extend(PERCENTILES.iter().map(|(n, _)| *n));
    w.write_record(&header).expect("writing to memory");
    for step in steps {
        for o in step
            .summary
            .outputs
            .iter()
            .filter(|o| outputs.contains(&o.output))
        {
            let mut row = vec![number_text(step.value), o.output.clone()];
            row.extend(
                [o.mean, o.sd]
                    .iter()
                    .chain(&o.percentiles)
                    .map(|&v| number_text(v)),
            );
            w.write_record(&row).expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

/// The outputs that `param` can move (those it is an ancestor of, or is), in the
/// model's output order: a sweep of it leaves every other output flat.
pub fn moved_outputs(model: &Model, param: usize) -> impl Iterator<Item = usize> + '_ {
    model
        .outputs
        .iter()
        .copied()
        .filter(move |&o| plan::depends_on(model, o, param))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_ranges() {
        assert_eq!(
            parse_values("2048, 8k,50k").unwrap(),
            vec![2048.0, 8000.0, 50000.0]
        );
        assert_eq!(parse_range("0:10:3", false).unwrap(), vec![0.0, 5.0, 10.0]);
        let log = parse_range("1:100:3", true).unwrap();
        assert_eq!(log[0], 1.0);
        assert!((log[1] - 10.0).abs() < 1e-12);
        assert_eq!(log[2], 100.0);
    }

    #[test]
    fn extreme_numbers_are_short_and_read_back_to_the_same_bits() {
        for v in [1e-300, 1.2345e300, -3e-7, 5e16, f64::MIN_POSITIVE, f64::MAX] {
            let text = number_text(v);
            assert!(text.len() < 25, "{text}");
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits());
        }
        assert_eq!(number_text(2048.5), "2048.5");
        assert_eq!(number_text(0.0), "0");
        assert_eq!(number_text(1e-5), "0.00001");
    }

    #[test]
    fn a_step_keeps_only_the_outputs_reported_and_their_claims() {
        let source = crate::error::Source {
            name: "m.toml".into(),
            text: "[model]\noutputs = [\"a\", \"b\", \"c\"]\n[params]\nx = \"uniform(1, 2)\"\n\
                   a = \"x\"\nb = \"2 * x\"\nc = \"3 * x\"\n\
                   [[claims]]\nlabel = \"on b\"\nparam = \"b\"\nvalue = 3\n\
                   [[claims]]\nlabel = \"on c\"\nparam = \"c\"\nvalue = 4\n"
                .into(),
        };
        let model = model::load(source, &[]).unwrap();
        let plan = plan::compile(&model).unwrap();
        let spec = RunSpec {
            samples: 1000,
            seed: 1,
            threads: 1,
            rows: 100,
        };
        let Simulated { summary, .. } = run::simulate(&model, &plan, spec, &|_| {}).unwrap();
        assert_eq!(summary.outputs.len(), 3);
        let keep: HashSet<&str> = ["b"].into_iter().collect();
        let step = Step::new(1.0, summary, &keep);
        let names: Vec<&str> = step
            .summary
            .outputs
            .iter()
            .map(|o| o.output.as_str())
            .collect();
        assert_eq!(names, ["b"]);
        assert_eq!(
            step.summary.outputs.capacity(),
            1,
            "the others' room is freed"
        );
        assert_eq!(step.summary.claims.len(), 1);
        assert_eq!(step.summary.claims[0].claim, "on b");
        assert!(step.summary.sensitivity.is_empty());
    }

    #[test]
    fn bad_flags_say_what_to_write() {
        let msg = |e: Error| e.to_string();
        assert!(msg(parse_values(" , ").unwrap_err()).contains("--values is empty"));
        assert!(msg(parse_range("1:10:1", false).unwrap_err()).contains("at least 2 STEPS"));
        assert!(msg(parse_range("0:10:5", true).unwrap_err()).contains("--log needs a positive"));
        assert!(msg(parse_range("1:10", false).unwrap_err()).contains("START:END:STEPS"));
        assert!(msg(parse_values("2x").unwrap_err()).contains("not a number"));
        assert!(msg(parse_range("1:3:1000000000", false).unwrap_err()).contains("at most 10000"));
    }
}
