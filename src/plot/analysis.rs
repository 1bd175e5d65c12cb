//! The analysis charts as files: each function draws the chart data
//! [`crate::report::analysis_charts`] built, every chart in parallel, returning
//! (file name, PNG bytes) in the data's order.

use super::style::Area;
use super::{PlotError, compare_bands, compare_cdf, compare_hist, sobol, sweep, swing, tornado};
use crate::report::analysis_charts::{
    CompareBandsChart, CompareCdfChart, CompareCharts, CompareHistChart, SobolChart, SweepChart,
    SwingChart, TornadoChart,
};
use crate::report::charts::ChartOptions;
use rayon::prelude::*;

/// tornado_<output>.png for each chart (one per output with sensitivity rows).
pub fn tornado_files(
    charts: &[TornadoChart],
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    render_each(charts, opts, |c| &c.file, tornado::draw)
}

/// swing_<output>.png for each chart.
pub fn swing_files(
    charts: &[SwingChart],
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    render_each(charts, opts, |c| &c.file, swing::draw)
}

/// sobol_<output>.png for each chart, on a chart pool of its own.
pub fn sobol_files(
    charts: &[SobolChart],
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    on_chart_pool(opts, || render_each(charts, opts, |c| &c.file, sobol::draw))
}

/// sweep_<output>.png for each chart, on a chart pool of its own.
pub fn sweep_files(
    charts: &[SweepChart],
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    on_chart_pool(opts, || render_each(charts, opts, |c| &c.file, sweep::draw))
}

/// Runs `draw` on a pool of as many threads as the current one has, fewer for large
/// canvases (`super::chart_threads`): these commands draw outside a pool of their own.
fn on_chart_pool(
    opts: &ChartOptions,
    draw: impl FnOnce() -> Result<Vec<(String, Vec<u8>)>, PlotError> + Send,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    super::chart_pool(rayon::current_num_threads(), opts)?.install(draw)
}

/// A comparison chart to draw.
enum Job<'a> {
    Hist(&'a CompareHistChart),
    Cdf(&'a CompareCdfChart),
    Bands(&'a CompareBandsChart),
}

/// Per output compare_hist_<output>.png and compare_cdf_<output>.png, then
/// compare_bands.png.
pub fn compare_files(
    charts: &CompareCharts,
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    let mut jobs: Vec<Job> = Vec::new();
    for (h, c) in charts.histograms.iter().zip(&charts.cdfs) {
        jobs.extend([Job::Hist(h), Job::Cdf(c)]);
    }
    jobs.extend(charts.bands.iter().map(Job::Bands));
    let file = |j: &Job| -> String {
        match j {
            Job::Hist(c) => c.file.clone(),
            Job::Cdf(c) => c.file.clone(),
            Job::Bands(c) => c.file.clone(),
        }
    };
    let asked = (opts.width, opts.height);
    let draw = |area: &Area, j: &Job| match j {
        Job::Hist(c) => compare_hist::draw(area, c),
        Job::Cdf(c) => compare_cdf::draw(area, c),
        Job::Bands(c) => compare_bands::draw(area, c, asked),
    };
    // The bands chart's height follows its rows.
    let height = |j: &Job| match j {
        Job::Bands(c) => compare_bands::height(c, asked),
        _ => opts.height,
    };
    super::text::check_fonts()?;
    on_chart_pool(opts, || {
        jobs.par_iter()
            .map(|j| {
                let png = super::render(opts.width, height(j), |a| draw(a, j))?;
                Ok((file(j), png))
            })
            .collect()
    })
}

/// Draws every chart in parallel.
fn render_each<T: Sync>(
    charts: &[T],
    opts: &ChartOptions,
    file: impl Fn(&T) -> &String + Sync,
    draw: impl Fn(&Area, &T) -> Result<(), PlotError> + Sync,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    super::text::check_fonts()?;
    charts
        .par_iter()
        .map(|c| {
            let png = super::render(opts.width, opts.height, |a| draw(a, c))?;
            Ok((file(c).clone(), png))
        })
        .collect()
}
