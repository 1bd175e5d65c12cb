//! What `run` adds for issue #11: the claims' anatomy and `--where` conditional runs.
//! Kept apart from `run` itself, which calls these in four places.

use super::Progress;
use crate::analysis::anatomy::{self, AnatomyRun};
use crate::analysis::condition::{self, Conditioned};
use crate::analysis::run::{self, RunSpec, Simulated};
use crate::cli::{BudgetArg, Format, RunArgs, SamplingArgs};
use crate::engine::select::Budget;
use crate::error::Error;
use crate::model::Model;
use crate::plan::Plan;
use crate::plot;
use crate::report::charts::ChartOptions;
use crate::report::{self, Summary};
use crate::stats::Aggregates;

/// `--where`, added to the model and compiled: a bad condition stops the run here,
/// before anything is drawn or written.
pub fn condition(args: &RunArgs, model: &Model) -> Result<Option<Conditioned>, Error> {
    match &args.sampling.condition {
        Some(text) => Ok(Some(condition::prepare(model, text)?)),
        None => Ok(None),
    }
}

/// The run's simulation: with a condition, over the worlds that meet it (and the
/// condition's anatomy); else the plain run, its swing tornado and the claims'
/// anatomy. Returns the model and plan the results are over (with a condition, its
/// compiled copy), the summary, the aggregates and what the table's head printed.
pub fn simulate(
    args: &RunArgs,
    model: Model,
    plan: Plan,
    conditioned: Option<Conditioned>,
    spec: RunSpec,
    progress: &Progress,
) -> Result<(Model, Plan, Summary, Aggregates, Early), Error> {
    let opts = anatomy_options(&args.sampling, args.anatomy_window, spec.samples);
    if let Some(c) = conditioned {
        let k = condition::kept_rows(&c, &opts);
        let outcome = condition::simulate(&c, spec, opts);
        progress.finish();
        let (Simulated { mut summary, aggs }, given) = outcome?;
        summary.anatomy = (!args.no_anatomy).then(|| AnatomyRun {
            drawn: given.drawn,
            elapsed_seconds: summary.run.elapsed_seconds,
            timed_out: summary.condition.as_ref().is_some_and(|c| c.timed_out),
            window: f64::NAN,
            rows: k,
            budget_draws: opts.budget.draws.max(spec.samples),
            claims: vec![given],
            // condition::simulate puts its notes in the summary's warnings.
            notes: Vec::new(),
        });
        return Ok((c.model, c.plan, summary, aggs, Early::default()));
    }
    let simulated = run::simulate_unranked(&model, &plan, spec, &|done| progress.update(done));
    progress.finish();
    let (summary, aggs, early) = analyse(args, &model, &plan, simulated?, spec)?;
    Ok((model, plan, summary, aggs, early))
}

/// What reached the terminal before the analyses that follow a run's simulation: the
/// table's head, and how many of the summary's warnings (the first ones) came with it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Early {
    pub head: bool,
    pub warnings: usize,
}

/// Prints the run's warnings so far and the table's head (outputs and claims), so the
/// numbers reach the terminal while the sensitivity, swing and anatomy still run.
fn print_head(args: &RunArgs, summary: &Summary) -> Result<Early, Error> {
    if args.format != Format::Table {
        return Ok(Early::default());
    }
    super::print_warnings(&summary.warnings, args.sim.quiet);
    super::print(report::table::head(summary).as_bytes())?;
    Ok(Early {
        head: true,
        warnings: summary.warnings.len(),
    })
}

/// What a plain run adds to its simulation (one run's, or merged shards', summarised
/// without their sensitivity): the table's head, printed at once (it needs none of
/// what follows); the sensitivity analysis; the swing tornado and the claims'
/// anatomy, each drawing samples of its own.
pub fn analyse(
    args: &RunArgs,
    model: &Model,
    plan: &Plan,
    mut simulated: Simulated,
    spec: RunSpec,
) -> Result<(Summary, Aggregates, Early), Error> {
    let early = print_head(args, &simulated.summary)?;
    run::rank(model, plan, &mut simulated);
    let Simulated { mut summary, aggs } = simulated;
    if let Some((swing, note)) = swing(args, model, plan, &summary, &aggs, spec)? {
        summary.swing = swing;
        summary.warnings.extend(note);
    }
    if let Some(run) = claims_anatomy(args, model, plan, &aggs, spec)? {
        summary.warnings.extend(run.notes.iter().cloned());
        summary.warnings.extend(anatomy_warnings(&run, &summary));
        summary.anatomy = Some(run);
    }
    Ok((summary, aggs, early))
}

/// The swing tornado's rows, and the note on inputs it left out.
type Swing = (Vec<report::SwingRow>, Option<String>);

/// The swing tornado of the outputs that get charts, as the charts show them (None
/// with `--no-swing`), with its note.
fn swing(
    args: &RunArgs,
    model: &Model,
    plan: &Plan,
    summary: &Summary,
    aggs: &Aggregates,
    spec: RunSpec,
) -> Result<Option<Swing>, Error> {
    if args.no_swing {
        return Ok(None);
    }
    let max = args
        .sim
        .max_charts
        .unwrap_or(crate::report::charts::MAX_CHARTED_OUTPUTS);
    let charted = crate::report::charts::charted_outputs(summary, max);
    run::swing_noted(model, plan, aggs, summary, spec.threads, Some(&charted)).map(Some)
}

/// The claims' anatomy (None with `--no-anatomy` or no claims).
fn claims_anatomy(
    args: &RunArgs,
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    spec: RunSpec,
) -> Result<Option<AnatomyRun>, Error> {
    if args.no_anatomy || model.claims.is_empty() {
        return Ok(None);
    }
    let opts = anatomy_options(&args.sampling, args.anatomy_window, spec.samples);
    anatomy::claims(
        model,
        plan,
        aggs,
        spec.samples,
        spec.seed,
        opts,
        spec.threads,
    )
    .map(Some)
}

/// anatomy.csv, when the run took an anatomy.
pub fn csv_file(summary: &Summary) -> Option<(String, Vec<u8>)> {
    let a = summary.anatomy.as_ref()?;
    Some(("anatomy.csv".to_string(), report::anatomy::csv(a)))
}

/// anatomy_<claim>.png for each anatomy with something to draw.
pub fn chart_files(
    summary: &Summary,
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, plot::PlotError> {
    match &summary.anatomy {
        Some(a) => plot::anatomy::files(&report::analysis_charts::anatomy_charts(summary, a), opts),
        None => Ok(Vec::new()),
    }
}

/// `--anatomy-rows`, `--anatomy-window` and `--anatomy-budget` (default: 1,000 × the
/// run's samples; a time limit keeps that draw budget and adds the clock).
pub(crate) fn anatomy_options(s: &SamplingArgs, window: f64, samples: u64) -> anatomy::Options {
    let draws = samples.saturating_mul(anatomy::DEFAULT_BUDGET_FACTOR);
    let budget = match s.anatomy_budget {
        None => Budget { draws, time: None },
        Some(BudgetArg::Draws(n)) => Budget {
            draws: n,
            time: None,
        },
        Some(BudgetArg::Seconds(t)) => Budget {
            draws,
            time: Some(std::time::Duration::from_secs_f64(t)),
        },
    };
    anatomy::Options {
        window,
        rows: s.anatomy_rows,
        budget,
    }
}

/// A note for each claim whose anatomy stopped short of K worlds. A claim whose
/// window found no world and lies beyond every value the run drew (`summary`'s
/// min and max of its param) may be out of the model's reach: more draws are not
/// what it needs.
fn anatomy_warnings(run: &AnatomyRun, summary: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    for a in &run.claims {
        if a.inputs.is_empty() || a.complete {
            continue;
        }
        let range = summary.outputs.iter().find(|o| o.output == a.param);
        if let Some(o) = range.filter(|o| a.accepted == 0 && !(o.min..=o.max).contains(&a.value)) {
            let unit = (!o.unit.is_empty()).then_some(o.unit.as_str());
            let (lo, hi) = (
                report::format::human(o.min, unit),
                report::format::human(o.max, unit),
            );
            out.push(format!(
                "anatomy of `{}`: no world within the window in {} draws; the claim lies \
                 beyond every value the run drew ({lo} to {hi}), perhaps beyond the model's \
                 reach: check the claim and its inputs' priors (a tail the priors do reach \
                 needs a larger --anatomy-budget)",
                a.claim,
                report::format::count(a.drawn)
            ));
            continue;
        }
        let why = if a.out_of_reach && a.thin {
            "drawing stopped: even 100 were out of reach of the draw budget".to_string()
        } else if a.out_of_reach {
            format!(
                "drawing stopped early: at about 1 in {} worlds, K was out of reach of the draw budget",
                report::format::count(a.drawn / a.accepted.max(1))
            )
        } else if run.timed_out {
            "the time limit ran out".to_string()
        } else {
            "the draw budget ran out".to_string()
        };
        let what = if a.thin {
            "too thin to read"
        } else {
            "read it with care"
        };
        out.push(format!(
            "anatomy of `{}`: {} of {} worlds within the window when {why} \
             (K = {} wanted): {what}; raise --anatomy-budget or --anatomy-window",
            a.claim,
            report::format::count(a.accepted),
            report::format::count(a.drawn),
            report::format::count(run.rows)
        ));
    }
    out
}
