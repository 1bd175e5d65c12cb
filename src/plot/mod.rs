//! PNG charts (plotters' bitmap backend; text in an embedded font, see `text`). One file per chart kind;
//! each draws a struct of [`crate::report::charts`] and computes nothing. Drawing
//! returns errors; nothing here unwraps.
//!
//! Charts are drawn into an RGB buffer in memory and encoded as PNG bytes, so the
//! caller writes them whole like every other result file.

pub mod analysis;
pub mod anatomy;
mod axes;
mod bands;
mod canvas;
mod cdf;
pub mod compare_bands;
pub mod compare_cdf;
pub mod compare_hist;
mod encode;
mod frame;
mod hist;
mod marks;
pub mod sobol;
pub mod style;
pub mod sweep;
pub mod swing;
mod text;
pub mod tornado;

use crate::report::charts::{BandsChart, CdfChart, ChartOptions, Charts, HistogramChart};
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;
use rayon::prelude::*;

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("the embedded chart font could not be loaded")]
    Font,
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("PNG encoding failed: {0}")]
    Encode(#[from] png::EncodingError),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> PlotError {
        PlotError::Draw(e.to_string())
    }
}

/// A chart to draw.
enum Job<'a> {
    Hist(&'a HistogramChart),
    Cdf(&'a CdfChart),
    Bands(&'a BandsChart),
}

impl Job<'_> {
    fn file(&self) -> &str {
        match self {
            Job::Hist(c) => &c.file,
            Job::Cdf(c) => &c.file,
            Job::Bands(c) => &c.file,
        }
    }
}

/// Canvas bytes the chart threads may hold at once (512 MB): each thread keeps its
/// canvas (see `render`), 192 MB at 8000×8000, so 8 threads of them aborted at
/// 1.6 GB. Charts are independent, so fewer threads draw the same bytes.
const CANVAS_BUDGET: u64 = 512 << 20;

/// The threads to draw charts of `opts` on: `threads`, fewer (at least one) when
/// their canvases would pass [`CANVAS_BUDGET`]. A canvas is counted at the tallest a
/// chart may grow to (a bands chart's height follows its rows).
pub fn chart_threads(threads: usize, opts: &ChartOptions) -> usize {
    let height = opts.height.max(frame::MAX_HEIGHT);
    let canvas = u64::from(opts.width) * u64::from(height) * 3;
    let fit = (CANVAS_BUDGET / canvas.max(1)).max(1);
    threads.clamp(1, usize::try_from(fit).unwrap_or(usize::MAX))
}

/// A pool of [`chart_threads`] threads.
pub(crate) fn chart_pool(
    threads: usize,
    opts: &ChartOptions,
) -> Result<rayon::ThreadPool, PlotError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(chart_threads(threads, opts))
        .build()
        .map_err(|e| PlotError::Draw(e.to_string()))
}

/// Draws every chart on `threads` threads (fewer for large canvases, see
/// [`chart_threads`]); returns (file name, PNG bytes) in the
/// order bands, then per output its histogram and CDF.
pub fn render_all(
    charts: &Charts,
    opts: &ChartOptions,
    threads: usize,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    text::check_fonts()?;
    let mut jobs: Vec<Job> = charts.bands.iter().map(Job::Bands).collect();
    for (h, c) in charts.histograms.iter().zip(&charts.cdfs) {
        jobs.extend([Job::Hist(h), Job::Cdf(c)]);
    }
    let pool = chart_pool(threads, opts)?;
    pool.install(|| {
        jobs.par_iter()
            .map(|job| Ok((job.file().to_string(), render_one(job, opts)?)))
            .collect()
    })
}

/// Named files: (file name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// A group of charts to draw beside the per-output ones (tornado, swing, anatomy).
pub type ChartGroup<'a> = &'a (dyn Fn() -> Result<Files, PlotError> + Sync);

/// Every chart of a run — the per-output ones (`render_all`'s), the tornado, swing
/// and anatomy charts — drawn on one pool of `threads` threads as one set of jobs,
/// so no core idles at the end of one group while another waits; the files in the
/// order the groups are listed, each group in its own order (the same bytes for any
/// number of threads).
pub fn render_run(
    charts: &Charts,
    opts: &ChartOptions,
    threads: usize,
    others: &[ChartGroup<'_>],
) -> Result<(Files, Files), PlotError> {
    text::check_fonts()?;
    let pool = chart_pool(threads, opts)?;
    pool.install(|| {
        let (main, rest) = rayon::join(
            || render_all_here(charts, opts),
            || {
                others
                    .par_iter()
                    .map(|f| f())
                    .collect::<Result<Vec<_>, PlotError>>()
            },
        );
        Ok((main?, rest?.into_iter().flatten().collect()))
    })
}

/// `render_all` on the current rayon pool.
fn render_all_here(
    charts: &Charts,
    opts: &ChartOptions,
) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    let mut jobs: Vec<Job> = charts.bands.iter().map(Job::Bands).collect();
    for (h, c) in charts.histograms.iter().zip(&charts.cdfs) {
        jobs.extend([Job::Hist(h), Job::Cdf(c)]);
    }
    jobs.par_iter()
        .map(|job| Ok((job.file().to_string(), render_one(job, opts)?)))
        .collect()
}

fn render_one(job: &Job, opts: &ChartOptions) -> Result<Vec<u8>, PlotError> {
    let asked = (opts.width, opts.height);
    match job {
        Job::Hist(c) => render(asked.0, asked.1, |area| hist::draw(area, c)),
        Job::Cdf(c) => render(asked.0, asked.1, |area| cdf::draw(area, c)),
        // A bands chart's height follows its rows.
        Job::Bands(c) => render(asked.0, bands::height(c, asked), |area| {
            bands::draw(area, c, asked)
        }),
    }
}

pub fn histogram_png(c: &HistogramChart, opts: &ChartOptions) -> Result<Vec<u8>, PlotError> {
    render_one(&Job::Hist(c), opts)
}

pub fn cdf_png(c: &CdfChart, opts: &ChartOptions) -> Result<Vec<u8>, PlotError> {
    render_one(&Job::Cdf(c), opts)
}

pub fn bands_png(c: &BandsChart, opts: &ChartOptions) -> Result<Vec<u8>, PlotError> {
    render_one(&Job::Bands(c), opts)
}

/// Draws on a white `width`×`height` canvas and returns the PNG.
fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&style::Area) -> Result<(), PlotError>,
) -> Result<Vec<u8>, PlotError> {
    text::check_fonts()?;
    // Each thread keeps its canvas from one chart to the next: a fresh 4.8 MB buffer
    // per chart cost a page fault per 4 KB (the kernel zeroing ~430 MB over a
    // default run's 90 charts). Between charts it is white: `encode::png` whitens
    // each row once it is through with it (filling the canvas with white before each
    // chart was a pass of its own, ~2% of a default run's CPU), so a chart does not
    // depend on what was drawn before. A canvas of a larger chart grows in white.
    thread_local! {
        static CANVAS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut buf = CANVAS.with(|c| std::mem::take(&mut *c.borrow_mut()));
    let len = width as usize * height as usize * 3;
    if buf.len() < len {
        buf.resize(len, 255);
    }
    let rgb = &mut buf[..len];
    let drawn = (|| {
        let area = canvas::Canvas::new(rgb, (width, height)).into_drawing_area();
        draw(&area)?;
        area.present()?;
        Ok::<(), PlotError>(())
    })();
    let png = drawn.and_then(|()| encode::png(&mut buf[..len], width, height));
    if png.is_err() {
        // What was drawn may be left on it: the next chart starts from white again.
        buf.clear();
    }
    CANVAS.with(|c| *c.borrow_mut() = buf);
    png
}
