//! A run's charts, in two parts: those that need only the summary and its
//! sensitivity (bands, histograms, CDFs, tornadoes: two thirds of a default run's) are
//! drawn while the swing and the anatomy still sample, and written into the staging
//! folder then, so that the disk's syncs wait beside the sampling too; the swing and
//! anatomy charts follow once those are done. The files are the same either way.

use super::output::OutputFolder;
use super::{chart_data, chart_options, plot_error};
use crate::cli::RunArgs;
use crate::error::Error;
use crate::model::Model;
use crate::plan::Plan;
use crate::plot;
use crate::report::Summary;
use crate::report::analysis_charts::{swing_charts, tornado_charts};
use crate::report::charts::{ChartOptions, Charts};
use crate::stats::Aggregates;

/// The charts drawn beside the swing and the anatomy.
pub struct Drawn {
    /// Their data (report.md describes the charts from it).
    pub charts: Charts,
    /// The tornado files' names, in order (report.md links them).
    pub tornado: Vec<String>,
    /// Whether they could be written into the staging folder: a failure is the
    /// command's error once the results are printed, as a failed commit is.
    pub staged: Result<(), Error>,
}

/// Draws the charts that need only `summary` (ranked: its sensitivity is in) and
/// stages their files in `folder`; None with `--no-charts`.
pub fn draw_early(
    args: &RunArgs,
    folder: &mut OutputFolder,
    model: &Model,
    plan: &Plan,
    summary: &Summary,
    aggs: &Aggregates,
) -> Option<Result<Drawn, Error>> {
    if args.sim.no_charts {
        return None;
    }
    let opts = chart_options(&args.sim, args.exceedance);
    let charts = chart_data(model, plan, aggs, summary, &opts);
    let tornado = || plot::analysis::tornado_files(&tornado_charts(summary, &opts), &opts);
    let drawn = plot::render_run(&charts, &opts, summary.run.threads, &[&tornado]);
    Some(match drawn {
        Err(e) => Err(plot_error(folder.dir())(e)),
        Ok((main, tornado)) => {
            let names = tornado.iter().map(|(name, _)| name.clone()).collect();
            let files: Vec<(String, Vec<u8>)> = main.into_iter().chain(tornado).collect();
            Ok(Drawn {
                charts,
                tornado: names,
                staged: folder.stage(&files),
            })
        }
    })
}

/// The run's remaining chart files (swing, anatomy) and the names of every
/// analysis chart (tornado, swing, anatomy, in that order) for report.md; with
/// `drawn` None (a conditional run), every chart is drawn here.
pub struct Late {
    pub charts: Charts,
    /// Files still to write: with `drawn` None, also the per-output charts.
    pub files: Vec<(String, Vec<u8>)>,
    pub analysis_names: Vec<String>,
}

pub fn draw_late(
    args: &RunArgs,
    model: &Model,
    plan: &Plan,
    summary: &Summary,
    aggs: &Aggregates,
    drawn: Option<Drawn>,
    out_dir: &std::path::Path,
) -> Result<Late, Error> {
    let opts: ChartOptions = chart_options(&args.sim, args.exceedance);
    let fail = plot_error(out_dir);
    let swing = || plot::analysis::swing_files(&swing_charts(summary, &opts), &opts);
    let anatomy = || super::anatomy::chart_files(summary, &opts);
    let threads = summary.run.threads;
    let (charts, mut files, mut analysis_names, rest) = match drawn {
        Some(d) => {
            d.staged?;
            let (_, rest) =
                plot::render_run(&Charts::default(), &opts, threads, &[&swing, &anatomy])
                    .map_err(&fail)?;
            (d.charts, Vec::new(), d.tornado, rest)
        }
        None => {
            let charts = chart_data(model, plan, aggs, summary, &opts);
            let tornado = || plot::analysis::tornado_files(&tornado_charts(summary, &opts), &opts);
            let (main, rest) =
                plot::render_run(&charts, &opts, threads, &[&tornado, &swing, &anatomy])
                    .map_err(&fail)?;
            (charts, main, Vec::new(), rest)
        }
    };
    analysis_names.extend(rest.iter().map(|(name, _)| name.clone()));
    files.extend(rest);
    Ok(Late {
        charts,
        files,
        analysis_names,
    })
}
