//! Chart data: everything a PNG shows, worked out before anything is drawn.
//!
//! Percentiles, means and claims come from the [`Summary`] — the very numbers of
//! summary.csv and claims.csv — and histogram bars and CDF curves from
//! [`crate::stats::histogram`] over each output's sketch (no stored samples). The
//! `plot` module draws these structs and computes nothing (STYLE.md, lesson 9).
//!
//! An axis spans its data — for a histogram or CDF the output's P0.5–P99.5 (so one
//! extreme sample cannot squash the body; a note says how much lies beyond), its mean
//! and every claim on it; for a bands chart every row's P1–P99 and claims — by the
//! rule of [`super::axis`]. A claim outside the distribution widens the axis, unless
//! it is so far that the body would fill less than a third of it (or a log axis
//! would turn linear): the chart then marks it at the edge with its value.

pub use super::axis::{Axis, Tick};
use super::axis::{axis_over, linear_ticks, with_labels};
use super::format::{chart_human, count, probability, rank};
use super::summary::{ClaimSummary, OutputSummary, RunInfo, Summary};
use crate::stats::Tracked;
use crate::stats::histogram::{self, Histogram, Scale};

/// How the charts are drawn: their size in pixels, and CDF or exceedance curves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartOptions {
    pub width: u32,
    pub height: u32,
    pub exceedance: bool,
    /// Per-output charts (histogram, CDF, tornado, swing) for at most this many
    /// outputs: those with claims first, then the model's order. The bands show at
    /// least [`BANDS_MAX_ROWS`].
    pub max_outputs: usize,
}

/// The default of [`ChartOptions::max_outputs`]: a 10,000-output model would
/// otherwise draw 40,000 PNGs, which no report holds.
pub const MAX_CHARTED_OUTPUTS: usize = 40;

/// The rows of a bands chart when `max_outputs` is lower: bands are one chart, not
/// one per output, so they show every output up to this many (claims first). 100
/// rows fit the canvas's 8,000-pixel cap at readable text even with a claim label
/// under each (~70 px a row); a 50-output model drew 40 rows and hid 10.
pub const BANDS_MAX_ROWS: usize = 100;

/// The outputs bands charts show out of `outputs`, when per-output charts go to
/// `max_outputs` of them.
pub fn banded_count(max_outputs: usize, outputs: usize) -> usize {
    outputs.min(max_outputs.max(BANDS_MAX_ROWS))
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions {
            width: 1600,
            height: 1000,
            exceedance: false,
            max_outputs: MAX_CHARTED_OUTPUTS,
        }
    }
}

/// The outputs that get charts: every output with a claim, then the others in the
/// model's order, up to `max` in all (claims are never left out).
pub fn charted_outputs(s: &Summary, max: usize) -> Vec<String> {
    let claimed = |o: &OutputSummary| s.claims.iter().any(|c| c.param == o.output);
    let items = s
        .outputs
        .iter()
        .map(|o| (o.output.clone(), claimed(o)))
        .collect();
    claims_first(items, max)
}

/// Up to `max` of `items` (each flagged whether a claim is about it): every claimed
/// one, then the others in order, returned in their original order — how every
/// command picks the outputs that get per-output charts.
pub fn claims_first<T>(items: Vec<(T, bool)>, max: usize) -> Vec<T> {
    let claimed = items.iter().filter(|(_, c)| *c).count();
    let mut room = max.saturating_sub(claimed);
    items
        .into_iter()
        .filter_map(|(item, c)| {
            if c {
                return Some(item);
            }
            (room > 0).then(|| {
                room -= 1;
                item
            })
        })
        .collect()
}

/// A claim as a chart shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimMark {
    pub claim: String,
    pub value: f64,
    /// Percentile rank, 0–100, as in claims.csv.
    pub rank: f64,
    pub p_below: f64,
    pub p_above: f64,
    /// "DeepSeek-V3 report $5.58M — P47 · 47.0% lower": the rank and the nearer side.
    pub label: String,
}

/// The percentiles a chart marks, as in summary.csv.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Percentiles {
    pub p1: f64,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub p99: f64,
}

/// Legend texts for the shaded ranges and marks of a histogram or CDF.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeLegend {
    pub p5_p95: String,
    pub p25_p75: String,
    pub p50: String,
    pub mean: String,
}

/// A histogram bar: [lo, hi) and its share of the finite samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub lo: f64,
    pub hi: f64,
    pub share: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HistogramChart {
    /// hist_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub x: Axis,
    pub bars: Vec<Bar>,
    pub y_max: f64,
    pub y_ticks: Vec<Tick>,
    pub y_label: String,
    pub pct: Percentiles,
    pub mean: f64,
    pub legend: RangeLegend,
    pub claims: Vec<ClaimMark>,
    /// Says how much of the distribution lies beyond the axis, if any does.
    pub note: Option<String>,
    pub footer: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CdfChart {
    /// cdf_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub x: Axis,
    /// P(X ≤ x), or P(X > x) for an exceedance curve.
    pub exceedance: bool,
    pub points: Vec<(f64, f64)>,
    pub y_ticks: Vec<Tick>,
    pub y_label: String,
    pub pct: Percentiles,
    pub mean: f64,
    pub legend: RangeLegend,
    pub claims: Vec<ClaimMark>,
    pub footer: String,
}

/// One output on a bands chart.
#[derive(Clone, Debug, PartialEq)]
pub struct BandRow {
    pub output: String,
    pub label: String,
    pub pct: Percentiles,
    /// "P50 $5.71M".
    pub median_label: String,
    pub claims: Vec<ClaimMark>,
}

/// Every output of one unit on a shared axis.
#[derive(Clone, Debug, PartialEq)]
pub struct BandsChart {
    /// bands.png for the largest unit group, bands_<unit-slug>.png for the others.
    pub file: String,
    pub unit: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub x: Axis,
    pub rows: Vec<BandRow>,
    pub footer: String,
}

/// Every chart of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Charts {
    pub histograms: Vec<HistogramChart>,
    pub cdfs: Vec<CdfChart>,
    pub bands: Vec<BandsChart>,
}

/// Builds every chart: `tracked[k]` is the aggregate of `summary.outputs[k]`.
/// Outputs without finite samples get no chart.
pub fn build(summary: &Summary, tracked: &[&Tracked], opts: &ChartOptions) -> Charts {
    let mut charts = Charts::default();
    let charted = charted_outputs(summary, opts.max_outputs);
    for (o, t) in summary.outputs.iter().zip(tracked) {
        if o.count == 0 || !charted.contains(&o.output) {
            continue;
        }
        let claims = claims_on(summary, o);
        charts
            .histograms
            .push(histogram_chart(summary, o, t, &claims, opts));
        charts.cdfs.push(cdf_chart(summary, o, t, &claims, opts));
    }
    let banded = charted_outputs(summary, opts.max_outputs.max(BANDS_MAX_ROWS));
    charts.bands = bands_charts(summary, &banded, opts);
    charts
}

pub(crate) fn unit_of(o: &OutputSummary) -> Option<&str> {
    some_unit(&o.unit)
}

/// A unit as [`human`] takes it: none for the empty one.
pub(crate) fn some_unit(unit: &str) -> Option<&str> {
    (!unit.is_empty()).then_some(unit)
}

/// A unit as a bands chart's title names it.
pub(crate) fn unit_name(unit: &str) -> &str {
    if unit.is_empty() { "unitless" } else { unit }
}

pub(crate) fn title_of(o: &OutputSummary) -> String {
    if o.label.is_empty() {
        o.output.clone()
    } else {
        o.label.clone()
    }
}

/// "V3 final training run — USD, log scale".
pub(crate) fn axis_label(name: &str, unit: &str, scale: Scale) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if !unit.is_empty() {
        parts.push(unit);
    }
    match scale {
        Scale::Log => parts.push("log scale"),
        Scale::NegLog => parts.push("log scale of magnitudes"),
        Scale::Linear => {}
    }
    if parts.is_empty() {
        name.to_string()
    } else {
        format!("{name} — {}", parts.join(", "))
    }
}

pub fn footer(s: &Summary) -> String {
    run_footer(&s.model.title, &s.run)
}

/// "<what> · 20,000 samples · seed 7 · costsim 0.1.0": every chart's footer, so a
/// chart read alone says how to reproduce it.
pub(crate) fn run_footer(what: &str, run: &RunInfo) -> String {
    format!(
        "{what} · {} · seed {} · costsim {}",
        super::format::samples(run.samples),
        run.seed,
        run.costsim_version
    )
}

pub fn percentiles(o: &OutputSummary) -> Percentiles {
    let p = |name: &str| o.percentile(name).unwrap_or(f64::NAN);
    Percentiles {
        p1: p("p1"),
        p5: p("p5"),
        p25: p("p25"),
        p50: p("p50"),
        p75: p("p75"),
        p95: p("p95"),
        p99: p("p99"),
    }
}

/// The claims on output `o`, labelled "DeepSeek-V3 report $5.58M — P47".
pub fn claims_on(s: &Summary, o: &OutputSummary) -> Vec<ClaimMark> {
    s.claims
        .iter()
        .filter(|c| c.param == o.output)
        .map(|c| claim_mark(c, unit_of(o)))
        .collect()
}

/// The smaller of a claim's two sides, which is the one a reader weighs: "0.5% higher",
/// "12.0% lower".
pub fn nearer_side(p_below: f64, p_above: f64) -> String {
    if p_below == 0.0 && p_above == 0.0 {
        // A claim on a constant: no world on either side.
        "every world equal".into()
    } else if p_above <= p_below {
        format!("{} higher", probability(p_above))
    } else {
        format!("{} lower", probability(p_below))
    }
}

fn claim_mark(c: &ClaimSummary, unit: Option<&str>) -> ClaimMark {
    ClaimMark {
        claim: c.claim.clone(),
        value: c.value,
        rank: c.percentile_rank,
        p_below: c.p_below,
        p_above: c.p_above,
        label: format!(
            "{} {} — {} · {}",
            c.claim,
            chart_human(c.value, unit),
            rank(c.percentile_rank),
            nearer_side(c.p_below, c.p_above)
        ),
    }
}

/// A bands row's value column: "P50 $5.7M", or "constant $3M" for an output that
/// takes one value (its row is a lone tick, which read as a distribution).
pub(crate) fn median_label(o: &OutputSummary, p50: f64, unit: Option<&str>) -> String {
    if o.min == o.max && o.min.is_finite() {
        format!("constant {}", chart_human(o.min, unit))
    } else {
        format!("P50 {}", chart_human(p50, unit))
    }
}

fn range_legend(o: &OutputSummary, pct: &Percentiles) -> RangeLegend {
    let h = |v: f64| chart_human(v, unit_of(o));
    // "P5–P95 $1M–$2M"; with a negative end "−$9.99M to −$1k", where a dash between
    // two minus signs read as a third.
    let range = |name: &str, a: f64, b: f64| {
        let sep = if a < 0.0 || b < 0.0 { " to " } else { "–" };
        format!("{name} {}{sep}{}", h(a), h(b))
    };
    RangeLegend {
        p5_p95: range("P5–P95", pct.p5, pct.p95),
        p25_p75: range("P25–P75", pct.p25, pct.p75),
        p50: format!("P50 {}", h(pct.p50)),
        mean: format!("mean {}", h(o.mean)),
    }
}

/// The most ticks that fit across `width` pixels.
pub(crate) fn max_ticks(width: u32) -> usize {
    (width as usize / 150).clamp(3, 10)
}

/// The axis for one output: its P0.5–P99.5, mean and claims (see the module header).
fn output_axis(o: &OutputSummary, t: &Tracked, claims: &[ClaimMark], width: u32) -> Axis {
    let body: Vec<f64> = body_points(o, t).collect();
    let unit = unit_of(o);
    let base = axis_over(&body, unit, max_ticks(width));
    let mut points = body.clone();
    points.extend(
        claims
            .iter()
            .map(|c| c.value)
            .filter(|&v| !far(&base, &body, v, width)),
    );
    axis_over(&points, unit, max_ticks(width))
}

/// Whether a claim at `v` is too far from the distribution (`body`, on axis `base`)
/// to widen the axis to it: it would turn a log axis linear (v ≤ 0: −$2M against
/// `1k to 10M` made it linear to $140M), or leave the body less than a third of the
/// axis ($1k against $5M–$9M). The chart marks such a claim at the axis's edge,
/// naming its value, where it crushed the data into two or three bars.
pub(crate) fn far(base: &Axis, body: &[f64], v: f64, width: u32) -> bool {
    if !v.is_finite() {
        return true;
    }
    let mut with = body.to_vec();
    with.push(v);
    let wide = axis_over(&with, None, max_ticks(width));
    if base.scale != Scale::Linear && wide.scale != base.scale {
        return true;
    }
    let finite = body.iter().copied().filter(|b| b.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let share = wide.fraction(hi) - wide.fraction(lo);
    share.is_finite() && share < 1.0 / 3.0
}

/// What an axis must show of an output's distribution: its mean, P0.5 and P99.5 (from
/// the sketch) and the Summary's percentiles. Claims come on top.
pub(crate) fn body_points<'a>(o: &'a OutputSummary, t: &Tracked) -> impl Iterator<Item = f64> + 'a {
    let tails = [t.quantile(0.005), t.quantile(0.995)].into_iter().flatten();
    std::iter::once(o.mean)
        .chain(tails)
        .chain(o.percentiles.iter().copied())
}

/// Each bin of `h` as a bar holding its share of the finite samples.
pub(crate) fn bars_of(h: &Histogram) -> Vec<Bar> {
    let total = h.total.max(1) as f64;
    h.edges
        .windows(2)
        .zip(&h.counts)
        .map(|(e, &c)| Bar {
            lo: e[0],
            hi: e[1],
            share: c / total,
        })
        .collect()
}

/// The top of a histogram's y axis: 8% above the tallest bar, so it never touches the
/// frame (1 when there are no bars).
pub(crate) fn hist_y_max(tallest: f64) -> f64 {
    if tallest > 0.0 { tallest * 1.08 } else { 1.0 }
}

/// A histogram's y ticks, 0 to `y_max` in percent.
pub(crate) fn share_ticks(y_max: f64) -> Vec<Tick> {
    with_labels(&linear_ticks(0.0, y_max, 6), Some("%"))
}

/// A CDF's y ticks: 0% to 100% in tens.
pub(crate) fn probability_ticks() -> Vec<Tick> {
    let y_values: Vec<f64> = (0..=10).map(|k| k as f64 / 10.0).collect();
    with_labels(&y_values, Some("%"))
}

/// The edges a CDF is read at: about one per two pixels of `width` (200 to 1000).
pub(crate) fn cdf_edges(x: &Axis, width: u32) -> Vec<f64> {
    histogram::edges(x.lo, x.hi, (width as usize / 2).clamp(200, 1000), x.scale)
}

/// The CDF of `t` at `edges` (a `scale` axis's), or the exceedance curve 1 − CDF.
pub(crate) fn cdf_points(
    t: &Tracked,
    edges: &[f64],
    scale: Scale,
    exceedance: bool,
) -> Vec<(f64, f64)> {
    let h = histogram::rebin(&t.sketch.buckets(), edges, scale);
    histogram::cdf(&h)
        .into_iter()
        .map(|(v, p)| (v, if exceedance { 1.0 - p } else { p }))
        .collect()
}

/// The CDF (or exceedance curve) of a constant `v` at `edges`: one vertical step at
/// `v` itself, not the smeared ramp its sketch bucket would give.
pub(crate) fn step_points(v: f64, edges: &[f64], exceedance: bool) -> Vec<(f64, f64)> {
    let p = |below: bool| if below == exceedance { 1.0 } else { 0.0 };
    let mut points: Vec<(f64, f64)> = edges
        .iter()
        .filter(|&&e| e < v)
        .map(|&e| (e, p(true)))
        .collect();
    points.push((v, p(true)));
    points.push((v, p(false)));
    points.extend(edges.iter().filter(|&&e| e > v).map(|&e| (e, p(false))));
    points
}

/// The number of display bins: about one per 10 pixels, at most 120, and fewer for
/// small runs (√n / 2, at least 20) so that each bar rests on enough samples.
pub(crate) fn bin_count(width: u32, n: u64) -> usize {
    let by_width = (width as usize / 10).clamp(20, 120);
    let by_samples = (((n as f64).sqrt() / 2.0) as usize).max(20);
    by_width.min(by_samples)
}

fn histogram_chart(
    s: &Summary,
    o: &OutputSummary,
    t: &Tracked,
    claims: &[ClaimMark],
    opts: &ChartOptions,
) -> HistogramChart {
    let x = output_axis(o, t, claims, opts.width);
    let edges = histogram::edges(x.lo, x.hi, bin_count(opts.width, o.count), x.scale);
    let h = histogram::rebin(&t.sketch.buckets(), &edges, x.scale);
    let total = h.total.max(1) as f64;
    let bars = output_bars(o, &h, x.scale);
    let y_max = hist_y_max(bars.iter().map(|b| b.share).fold(0.0, f64::max));
    let pct = percentiles(o);
    HistogramChart {
        file: chart_file("hist", &o.output),
        output: o.output.clone(),
        title: title_of(o),
        subtitle: match constant_value(o) {
            Some(_) => format!(
                "Distribution of {} ({} samples){}",
                o.output,
                count(o.count),
                constant_note(o)
            ),
            None => format!(
                "Distribution of {} ({} samples, {} bins)",
                o.output,
                count(o.count),
                bars.len()
            ),
        },
        x_label: axis_label(&title_of(o), &o.unit, x.scale),
        y_ticks: share_ticks(y_max),
        y_label: "Share of samples per bin".into(),
        note: off_axis_note(h.below / total, h.above / total, ("", "of the samples")),
        x,
        bars,
        y_max,
        legend: range_legend(o, &pct),
        pct,
        mean: o.mean,
        claims: claims.to_vec(),
        footer: footer(s),
    }
}

/// An output's histogram bars on `h`'s edges. A constant is one value, not a
/// distribution: one bar centred on it holding every sample (the sketch's bucket
/// around it straddles two display bins).
pub(crate) fn output_bars(o: &OutputSummary, h: &Histogram, scale: Scale) -> Vec<Bar> {
    match constant_value(o) {
        Some(v) => vec![point_bar(v, &h.edges, scale)],
        None => bars_of(h),
    }
}

/// An output's CDF (or exceedance curve) at `edges`; a constant's is one step.
pub(crate) fn output_cdf(
    o: &OutputSummary,
    t: &Tracked,
    edges: &[f64],
    scale: Scale,
    exceedance: bool,
) -> Vec<(f64, f64)> {
    match constant_value(o) {
        Some(v) => step_points(v, edges, exceedance),
        None => cdf_points(t, edges, scale, exceedance),
    }
}

/// The value of an output every sample of which is the same finite number.
fn constant_value(o: &OutputSummary) -> Option<f64> {
    (o.count > 0 && o.min == o.max && o.min.is_finite()).then_some(o.min)
}

/// One bar of one display bin's width (of `edges`, on a `scale` axis) centred on `v`,
/// holding every sample.
fn point_bar(v: f64, edges: &[f64], scale: Scale) -> Bar {
    let bins = edges.len().saturating_sub(1).max(1) as f64;
    let (lo, hi) = (edges[0], edges[edges.len() - 1]);
    match scale {
        Scale::Log if v > 0.0 && lo > 0.0 => {
            let half = (hi / lo).ln() / bins / 2.0;
            Bar {
                lo: v * (-half).exp(),
                hi: v * half.exp(),
                share: 1.0,
            }
        }
        _ => {
            let half = (hi - lo) / bins / 2.0;
            Bar {
                lo: v - half,
                hi: v + half,
                share: 1.0,
            }
        }
    }
}

/// "; a constant: every sample is 5.2" for an output that never varies, whose chart is
/// one bar (or one step) and would otherwise leave the reader guessing.
fn constant_note(o: &OutputSummary) -> String {
    if o.count > 0 && o.min == o.max {
        format!(
            "; a constant: every sample is {}",
            chart_human(o.min, unit_of(o))
        )
    } else {
        String::new()
    }
}

/// "Off the axis: 0.3% of the samples below, 0.1% above" — the shares a histogram's
/// axis leaves out — or None when it leaves out nothing. `(lead, of)` words it:
/// ("", "of the samples") for one model, ("up to ", "of a model's samples") for several.
pub(crate) fn off_axis_note(below: f64, above: f64, (lead, of): (&str, &str)) -> Option<String> {
    let p = probability;
    let shares = match (below > 0.0, above > 0.0) {
        (true, true) => format!("{} {of} below, {} above", p(below), p(above)),
        (true, false) => format!("{} {of} below", p(below)),
        (false, true) => format!("{} {of} above", p(above)),
        (false, false) => return None,
    };
    Some(format!("Off the axis: {lead}{shares}"))
}

fn cdf_chart(
    s: &Summary,
    o: &OutputSummary,
    t: &Tracked,
    claims: &[ClaimMark],
    opts: &ChartOptions,
) -> CdfChart {
    let x = output_axis(o, t, claims, opts.width);
    let edges = cdf_edges(&x, opts.width);
    let points = output_cdf(o, t, &edges, x.scale, opts.exceedance);
    let pct = percentiles(o);
    let (what, y_label) = if opts.exceedance {
        ("Exceedance curve", "P(value > x)")
    } else {
        ("Cumulative distribution", "P(value ≤ x)")
    };
    CdfChart {
        file: chart_file("cdf", &o.output),
        output: o.output.clone(),
        title: title_of(o),
        subtitle: format!(
            "{what} of {} ({} samples){}",
            o.output,
            count(o.count),
            constant_note(o)
        ),
        x_label: axis_label(&title_of(o), &o.unit, x.scale),
        x,
        exceedance: opts.exceedance,
        points,
        y_ticks: probability_ticks(),
        y_label: y_label.into(),
        legend: range_legend(o, &pct),
        pct,
        mean: o.mean,
        claims: claims.to_vec(),
        footer: footer(s),
    }
}

/// The file of chart `prefix` for output `name`: `hist_final_run_cost.png`. Names are
/// ASCII identifiers of any length; past 96 characters the name is cut and a hash of
/// the whole name added, so the file name stays well under the 255 bytes file systems
/// allow and two long names that share their first 96 characters stay apart.
///
/// A name with a capital letter also gets a short hash of itself: `Cost` and `cost`
/// are two params, but on a case-insensitive file system (macOS, Windows) their
/// charts would be one file.
pub fn chart_file(prefix: &str, name: &str) -> String {
    const KEEP: usize = 96;
    if name.len() <= KEEP && name.bytes().any(|b| b.is_ascii_uppercase()) {
        return format!("{prefix}_{name}-{:08x}.png", fnv1a(name.as_bytes()) as u32);
    }
    if name.len() <= KEEP {
        return format!("{prefix}_{name}.png");
    }
    format!(
        "{prefix}_{}-{:016x}.png",
        &name[..KEEP],
        fnv1a(name.as_bytes())
    )
}

/// FNV-1a, 64 bits: a stable hash (the same in every build and on every machine).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// "USD/GPU-hour" → "usd-gpu-hour"; no unit → "unitless".
pub fn unit_slug(unit: &str) -> String {
    let mut slug = String::new();
    for c in unit.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if c == '%' {
            slug.push_str("pct");
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    // A long unit makes a long file name: 60 characters say enough.
    let slug: String = slug.chars().take(60).collect();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "unitless".into()
    } else {
        slug
    }
}

/// Outputs grouped by unit, groups in order of first appearance; the largest group
/// (the first among equals) is `bands.png`, every other `bands_<unit-slug>.png`.
fn bands_charts(s: &Summary, charted: &[String], opts: &ChartOptions) -> Vec<BandsChart> {
    let mut groups: Vec<(String, Vec<&OutputSummary>)> = Vec::new();
    for o in s
        .outputs
        .iter()
        .filter(|o| o.count > 0 && charted.contains(&o.output))
    {
        match groups.iter_mut().find(|(u, _)| *u == o.unit) {
            Some((_, members)) => members.push(o),
            None => groups.push((o.unit.clone(), vec![o])),
        }
    }
    let main = groups
        .iter()
        .enumerate()
        .max_by_key(|(k, (_, m))| (m.len(), std::cmp::Reverse(*k)))
        .map(|(k, _)| k);
    // Units that slug alike (€/kWh and $/kWh are both `kwh`) get -2, -3, …, so no
    // chart overwrites another.
    let mut used: Vec<String> = vec!["bands.png".to_string()];
    groups
        .iter()
        .enumerate()
        .map(|(k, (unit, members))| {
            let file = if Some(k) == main {
                "bands.png".to_string()
            } else {
                let slug = unit_slug(unit);
                let mut file = format!("bands_{slug}.png");
                let mut n = 1;
                while used.contains(&file) {
                    n += 1;
                    file = format!("bands_{slug}-{n}.png");
                }
                used.push(file.clone());
                file
            };
            bands_chart(s, unit, members, file, opts)
        })
        .collect()
}

fn bands_chart(
    s: &Summary,
    unit: &str,
    members: &[&OutputSummary],
    file: String,
    opts: &ChartOptions,
) -> BandsChart {
    let u = some_unit(unit);
    let rows: Vec<BandRow> = members
        .iter()
        .map(|o| {
            let pct = percentiles(o);
            BandRow {
                output: o.output.clone(),
                label: title_of(o),
                median_label: median_label(o, pct.p50, u),
                pct,
                claims: claims_on(s, o),
            }
        })
        .collect();
    let points: Vec<f64> = rows
        .iter()
        .flat_map(|r| band_points(r.pct, &r.claims))
        .collect();
    let x = axis_over(&points, u, max_ticks(opts.width));
    BandsChart {
        file,
        unit: unit.to_string(),
        title: format!(
            "Percentile bands: every {} output on one scale",
            unit_name(unit)
        ),
        subtitle: s.model.title.clone(),
        x_label: match (unit.is_empty(), x.scale) {
            (true, Scale::Log) => "value (log scale)".into(),
            (true, Scale::NegLog) => "value (log scale of magnitudes)".into(),
            (true, Scale::Linear) => "value".into(),
            (false, Scale::Log) => format!("{unit} (log scale)"),
            (false, Scale::NegLog) => format!("{unit} (log scale of magnitudes)"),
            (false, Scale::Linear) => unit.to_string(),
        },
        x,
        rows,
        footer: footer(s),
    }
}

/// What a bands row needs its axis to show: its P1–P99 and its claims.
pub(crate) fn band_points(pct: Percentiles, claims: &[ClaimMark]) -> impl Iterator<Item = f64> {
    [pct.p1, pct.p99]
        .into_iter()
        .chain(claims.iter().map(|c| c.value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Source;
    use crate::report::{RunFacts, summarise};
    use crate::stats::Aggregates;

    const MODEL: &str = r#"
[model]
title = "Chart data"
outputs = ["cost", "spread", "total", "other_cost"]
[params]
cost = { value = "5M to 9M", unit = "USD", label = "Run cost" }
spread = { value = "1k to 10M", unit = "USD" }
total = { value = "normal(6, 5)", label = "Sum" }
other_cost = { value = "cost * 2", unit = "USD" }
[[claims]]
label = "Report"
param = "cost"
value = 5.576e6
[[claims]]
label = "Far above"
param = "total"
value = 40
[[claims]]
label = "Far below"
param = "cost"
value = 1000
[[claims]]
label = "Negative"
param = "spread"
value = -2e6
"#;

    fn run(samples: u64) -> (Summary, Aggregates, Vec<usize>) {
        run_model(MODEL, samples)
    }

    fn run_model(text: &str, samples: u64) -> (Summary, Aggregates, Vec<usize>) {
        let source = Source {
            name: "test.toml".into(),
            text: text.into(),
        };
        let model = crate::model::load(source, &[]).unwrap();
        let plan = crate::plan::compile(&model).unwrap();
        let aggs = crate::engine::simulate(&plan, samples, 3, 2, &|_| {}).unwrap();
        let facts = RunFacts {
            samples,
            seed: 3,
            threads: 2,
            elapsed_seconds: 0.0,
            nonfinite_origins: vec![],
        };
        let summary = summarise(&model, &plan, &aggs, facts);
        let ks = model
            .outputs
            .iter()
            .map(|&p| plan.tracked_index(p).unwrap())
            .collect();
        (summary, aggs, ks)
    }

    fn charts(opts: &ChartOptions) -> (Summary, Charts) {
        let (s, aggs, ks) = run(20_000);
        let tracked: Vec<&Tracked> = ks.iter().map(|&k| &aggs.tracked[k]).collect();
        let c = build(&s, &tracked, opts);
        (s, c)
    }

    #[test]
    fn chart_numbers_are_the_summarys() {
        let (s, c) = charts(&ChartOptions::default());
        assert_eq!(c.histograms.len(), s.outputs.len());
        for ((o, h), cdf) in s.outputs.iter().zip(&c.histograms).zip(&c.cdfs) {
            let p = |n: &str| o.percentile(n).unwrap();
            for pct in [h.pct, cdf.pct] {
                assert_eq!(
                    [pct.p1, pct.p5, pct.p25, pct.p50, pct.p75, pct.p95, pct.p99],
                    ["p1", "p5", "p25", "p50", "p75", "p95", "p99"].map(p)
                );
            }
            assert_eq!(h.mean, o.mean);
            assert_eq!(cdf.mean, o.mean);
            assert_eq!(h.file, format!("hist_{}.png", o.output));
            let mine: Vec<&ClaimSummary> =
                s.claims.iter().filter(|c| c.param == o.output).collect();
            assert_eq!(h.claims.len(), mine.len());
            for (m, c) in h.claims.iter().zip(mine) {
                assert_eq!(
                    (m.value, m.rank, m.p_below, m.p_above),
                    (c.value, c.percentile_rank, c.p_below, c.p_above)
                );
            }
        }
        let bands = c.bands.iter().find(|b| b.file == "bands.png").unwrap();
        assert_eq!(bands.unit, "USD");
        for r in &bands.rows {
            let o = s.outputs.iter().find(|o| o.output == r.output).unwrap();
            assert_eq!(r.pct, percentiles(o));
            assert_eq!(
                r.median_label,
                format!(
                    "P50 {}",
                    chart_human(o.percentile("p50").unwrap(), Some("USD"))
                )
            );
        }
        let rows: Vec<&str> = bands.rows.iter().map(|r| r.output.as_str()).collect();
        assert_eq!(rows, ["cost", "spread", "other_cost"]);
    }

    #[test]
    fn legends_of_negative_ranges_read_with_minus_signs_and_to() {
        let (s, _, _) = run(2_000);
        let o = &s.outputs[0];
        let pct = Percentiles {
            p1: -2e7,
            p5: -9.99e6,
            p25: -5e6,
            p50: -1e6,
            p75: -1e3,
            p95: 2e3,
            p99: 5e3,
        };
        let l = range_legend(o, &pct);
        assert_eq!(l.p5_p95, "P5–P95 −$9.99M to $2k");
        assert_eq!(l.p25_p75, "P25–P75 −$5M to −$1k");
        assert_eq!(l.p50, "P50 −$1M");
        let pct = Percentiles { p5: 1e3, ..pct };
        assert_eq!(range_legend(o, &pct).p5_p95, "P5–P95 $1k–$2k");
    }

    #[test]
    fn a_constant_output_says_so_in_the_bands() {
        let (s, _, _) = run(2_000);
        let mut o = s.outputs[0].clone();
        assert!(median_label(&o, 6e6, Some("USD")).starts_with("P50 $"));
        (o.min, o.max) = (3e6, 3e6);
        assert_eq!(median_label(&o, 3e6, Some("USD")), "constant $3M");
    }

    #[test]
    fn histogram_bars_hold_every_sample_on_or_off_the_axis() {
        let (s, c) = charts(&ChartOptions::default());
        for h in &c.histograms {
            let on: f64 = h.bars.iter().map(|b| b.share).sum();
            assert!(on > 0.98 && on <= 1.0 + 1e-9, "{}: {on}", h.output);
            assert!(h.bars.windows(2).all(|w| w[0].hi == w[1].lo));
            assert_eq!(h.bars.first().unwrap().lo, h.x.lo);
            assert_eq!(h.bars.last().unwrap().hi, h.x.hi);
            if on < 1.0 - 1e-9 {
                assert!(h.note.is_some(), "{}", h.output);
            }
        }
        assert!(s.outputs.iter().all(|o| o.count == 20_000));
    }

    #[test]
    fn claims_outside_the_distribution_widen_the_axis_unless_they_would_crush_it() {
        let (_, c) = charts(&ChartOptions::default());
        let total = c.histograms.iter().find(|h| h.output == "total").unwrap();
        assert!(total.x.contains(40.0), "{:?}", total.x);
        assert_eq!(total.x.scale, Scale::Linear);
        let cost = c.cdfs.iter().find(|h| h.output == "cost").unwrap();
        // $1k against a $5M–$9M distribution made the axis log from $1k, the body a
        // sliver: the claim stays off it (marked at the edge); the near one is on it.
        assert!(!cost.x.contains(1000.0) && cost.x.contains(5.576e6));
        assert_eq!(cost.x.scale, Scale::Linear);
        assert!(cost.x.lo > 3e6, "{:?}", cost.x);
        // −$2M against `1k to 10M` turned the log axis linear.
        let spread = c.histograms.iter().find(|h| h.output == "spread").unwrap();
        assert_eq!(spread.x.scale, Scale::Log);
        assert!(!spread.x.contains(-2e6));
        assert_eq!(spread.claims.len(), 1);
        let bands = c.bands.iter().find(|b| b.unit.is_empty()).unwrap();
        assert!(bands.x.contains(40.0));
        assert_eq!(bands.file, "bands_unitless.png");
    }

    #[test]
    fn the_cdf_rises_and_the_exceedance_curve_falls() {
        let (_, c) = charts(&ChartOptions::default());
        let (_, e) = charts(&ChartOptions {
            exceedance: true,
            ..ChartOptions::default()
        });
        for (cdf, exc) in c.cdfs.iter().zip(&e.cdfs) {
            assert!(cdf.points.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-12));
            assert!(exc.points.windows(2).all(|w| w[0].1 + 1e-12 >= w[1].1));
            for (a, b) in cdf.points.iter().zip(&exc.points) {
                assert!((a.1 + b.1 - 1.0).abs() < 1e-9);
            }
            assert!(exc.exceedance && !cdf.exceedance);
        }
    }

    #[test]
    fn claim_labels_give_value_rank_and_the_nearer_side() {
        let (s, c) = charts(&ChartOptions::default());
        let h = c.histograms.iter().find(|h| h.output == "cost").unwrap();
        let report = s.claims.iter().find(|c| c.claim == "Report").unwrap();
        assert_eq!(
            h.claims[0].label,
            format!(
                "Report $5.58M — {} · {}",
                rank(report.percentile_rank),
                nearer_side(report.p_below, report.p_above)
            )
        );
        assert_eq!(h.claims[1].label, "Far below $1k — P0 · 0% lower");
        assert_eq!(nearer_side(0.995, 0.005), "0.5% higher");
        assert_eq!(nearer_side(0.12, 0.88), "12.0% lower");
    }

    #[test]
    fn units_that_slug_alike_get_charts_of_their_own() {
        let s = crate::report::analysis_charts::summary_with(&[
            ("a", "USD"),
            ("b", "USD"),
            ("c", "€/kWh"),
            ("d", "$/kWh"),
            ("e", "%"),
            ("f", "pct"),
        ]);
        let all: Vec<String> = s.outputs.iter().map(|o| o.output.clone()).collect();
        let files: Vec<String> = bands_charts(&s, &all, &ChartOptions::default())
            .into_iter()
            .map(|b| b.file)
            .collect();
        assert_eq!(
            files,
            [
                "bands.png",
                "bands_kwh.png",
                "bands_kwh-2.png",
                "bands_pct.png",
                "bands_pct-2.png"
            ]
        );
    }

    #[test]
    fn a_constant_output_says_so_with_its_value() {
        let mut s = crate::report::analysis_charts::summary_with(&[("k", "USD")]);
        s.outputs[0].min = 5.0;
        s.outputs[0].max = 5.0;
        assert_eq!(
            constant_note(&s.outputs[0]),
            "; a constant: every sample is $5"
        );
        s.outputs[0].max = 6.0;
        assert_eq!(constant_note(&s.outputs[0]), "");
    }

    #[test]
    fn a_constant_output_is_one_bar_and_one_step_at_its_value() {
        const FLAT: &str = r#"
[model]
title = "Flat"
outputs = ["flat"]
[params]
a = { value = "1 to 10" }
flat = { value = "a * 0 + 42000", unit = "USD" }
[[claims]]
label = "Equal"
param = "flat"
value = 42000
"#;
        let (s, aggs, ks) = run_model(FLAT, 20_000);
        let tracked: Vec<&Tracked> = ks.iter().map(|&k| &aggs.tracked[k]).collect();
        for exceedance in [false, true] {
            let opts = ChartOptions {
                exceedance,
                ..ChartOptions::default()
            };
            let c = build(&s, &tracked, &opts);
            let h = &c.histograms[0];
            // It was two bars of ~74% and ~26% either side of $42k.
            let drawn: Vec<&Bar> = h.bars.iter().filter(|b| b.share > 0.0).collect();
            assert_eq!(drawn.len(), 1, "{:?}", h.bars);
            assert_eq!(drawn[0].share, 1.0);
            assert!(drawn[0].lo < 42000.0 && drawn[0].hi > 42000.0);
            assert!(
                ((42000.0 - drawn[0].lo) - (drawn[0].hi - 42000.0)).abs() < 1e-6,
                "{:?}",
                drawn[0]
            );
            assert_eq!(h.claims[0].label, "Equal $42k — P50 · every world equal");
            assert_eq!(
                h.subtitle,
                "Distribution of flat (20,000 samples); a constant: every sample is $42k"
            );
            // The CDF is one vertical step at $42k, flat on either side.
            let cdf = &c.cdfs[0];
            let (off, on) = if exceedance { (1.0, 0.0) } else { (0.0, 1.0) };
            for &(x, p) in &cdf.points {
                if x < 42000.0 {
                    assert_eq!(p, off, "{x}");
                } else if x > 42000.0 {
                    assert_eq!(p, on, "{x}");
                }
            }
            assert!(cdf.points.contains(&(42000.0, off)) && cdf.points.contains(&(42000.0, on)));
        }
        let claim = &s.claims[0];
        assert_eq!(
            (claim.p_below, claim.p_above, claim.percentile_rank),
            (0.0, 0.0, 50.0)
        );
        assert_eq!(
            claim.verdict,
            "equal to every world's value (the output is constant)"
        );
    }

    #[test]
    fn a_negative_output_over_decades_fills_a_mirrored_log_axis() {
        const NEG: &str = r#"
[model]
title = "Negative"
outputs = ["neg"]
[params]
cost = { value = "1k to 10M", unit = "USD" }
neg = { value = "-cost", unit = "USD" }
"#;
        let (s, aggs, ks) = run_model(NEG, 20_000);
        let tracked: Vec<&Tracked> = ks.iter().map(|&k| &aggs.tracked[k]).collect();
        let c = build(&s, &tracked, &ChartOptions::default());
        let h = &c.histograms[0];
        // It was a linear axis from −$140M with the data in a few bars at its end.
        assert_eq!(h.x.scale, Scale::NegLog);
        let filled = h.bars.iter().filter(|b| b.share > 0.002).count();
        assert!(filled > h.bars.len() / 2, "{filled} of {}", h.bars.len());
        assert!(h.x.hi < 0.0);
        assert_eq!(h.x_label, "neg — USD, log scale of magnitudes");
        assert!(
            h.x.ticks.iter().any(|t| t.label == "−$1M"),
            "{:?}",
            h.x.ticks
        );
        let cdf = &c.cdfs[0];
        assert!(cdf.points.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-12));
    }

    #[test]
    fn unit_slugs() {
        assert_eq!(unit_slug("USD/GPU-hour"), "usd-gpu-hour");
        assert_eq!(unit_slug("%"), "pct");
        assert_eq!(unit_slug(""), "unitless");
        assert_eq!(unit_slug(" GPU hours "), "gpu-hours");
        assert_eq!(unit_slug(&"x".repeat(300)).len(), 60);
        let long = "a".repeat(240);
        let other = format!("{}b", "a".repeat(239));
        let (f, g) = (
            chart_file("compare_hist", &long),
            chart_file("compare_hist", &other),
        );
        assert!(f.len() < 140 && f != g, "{f} {g}");
        assert_eq!(chart_file("hist", "cost"), "hist_cost.png");
    }
}
