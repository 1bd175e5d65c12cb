//! A run's charts, drawn once its table is printed, in two parts: the per-output
//! ones and the tornadoes first, then the swing and anatomy charts — while those are
//! drawn, the first part's files are written into the staging folder and synced, so
//! the disk's syncs wait beside the drawing rather than after it. The files are the
//! same either way; nothing is put in place before the whole set is ready.

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

/// A run's charts: their data, the files not yet written, and every analysis chart's
/// name (tornado, swing, anatomy, in that order) for report.md.
pub struct Drawn {
    pub charts: Charts,
    pub files: Vec<(String, Vec<u8>)>,
    pub analysis_names: Vec<String>,
}

/// Draws the run's charts; the first part's files go into `folder`'s staging now.
pub fn draw(
    args: &RunArgs,
    folder: &mut OutputFolder,
    model: &Model,
    plan: &Plan,
    summary: &Summary,
    aggs: &Aggregates,
) -> Result<Drawn, Error> {
    let opts: ChartOptions = chart_options(&args.sim, args.exceedance);
    let dir = folder.dir().to_path_buf();
    let fail = plot_error(&dir);
    let threads = summary.run.threads;
    let charts = chart_data(model, plan, aggs, summary, &opts);
    let tornado = || plot::analysis::tornado_files(&tornado_charts(summary, &opts), &opts);
    let (main, tornado) = plot::render_run(&charts, &opts, threads, &[&tornado]).map_err(&fail)?;
    let mut analysis_names: Vec<String> = tornado.iter().map(|(name, _)| name.clone()).collect();
    let first: Vec<(String, Vec<u8>)> = main.into_iter().chain(tornado).collect();
    let swing = || plot::analysis::swing_files(&swing_charts(summary, &opts), &opts);
    let anatomy = || super::anatomy::chart_files(summary, &opts);
    let (staged, rest) = std::thread::scope(|s| {
        let staging = s.spawn(|| folder.stage(&first));
        let rest = plot::render_run(&Charts::default(), &opts, threads, &[&swing, &anatomy]);
        let staged = staging
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (staged, rest)
    });
    let (_, rest) = rest.map_err(&fail)?;
    staged?;
    analysis_names.extend(rest.iter().map(|(name, _)| name.clone()));
    Ok(Drawn {
        charts,
        files: rest,
        analysis_names,
    })
}
