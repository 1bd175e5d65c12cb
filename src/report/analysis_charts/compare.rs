//! compare_hist_<output>.png, compare_cdf_<output>.png and compare_bands.png: several
//! models' distributions of the same output on one axis. Percentiles and claims come
//! from each model's Summary; histograms and CDFs from its sketch through
//! [`crate::stats::histogram`], on edges shared by every model.
//!
//! A model's `series` is its index in the compared models, so it keeps its colour on
//! every chart, even where it does not report an output.

mod bands;

use crate::analysis::compare::Compared;
use crate::report::axis::{Axis, Tick, axis_over};
use crate::report::charts::{
    Bar, ChartOptions, ClaimMark, axis_label, bin_count, body_points, cdf_edges, claims_on, far,
    hist_y_max, max_ticks, off_axis_note, output_bars, output_cdf, probability_ticks, run_footer,
    share_ticks, title_of, unit_of,
};
use crate::report::format::{chart_human, probability, rank};
use crate::report::summary::OutputSummary;
use crate::stats::Tracked;
use crate::stats::histogram;
pub use bands::{BandGroup, CompareBandRow, CompareBandsChart};

/// One model's histogram of the output.
#[derive(Clone, Debug, PartialEq)]
pub struct HistSeries {
    pub series: usize,
    /// "Baseline — P50 $5.71M".
    pub legend: String,
    pub bars: Vec<Bar>,
}

/// One model's CDF (or exceedance curve) of the output.
#[derive(Clone, Debug, PartialEq)]
pub struct CdfSeries {
    pub series: usize,
    pub legend: String,
    pub points: Vec<(f64, f64)>,
}

/// Where one model's curve meets a claim: P(below), or P(above) on an exceedance chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelPoint {
    pub series: usize,
    pub p: f64,
}

/// A claim on the output, as the models agree on it (label and value).
#[derive(Clone, Debug, PartialEq)]
pub struct CompareClaim {
    /// The first model's claim (its numbers), labelled with every model's:
    /// "Report $5.58M — P(below): Base 47.3%, Dear 2.1%".
    pub mark: ClaimMark,
    pub points: Vec<ModelPoint>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompareHistChart {
    /// compare_hist_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// Spans every model's P0.5–P99.5, mean and claims.
    pub x: Axis,
    pub series: Vec<HistSeries>,
    pub y_max: f64,
    pub y_ticks: Vec<Tick>,
    pub y_label: String,
    pub claims: Vec<ClaimMark>,
    pub note: Option<String>,
    pub footer: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompareCdfChart {
    /// compare_cdf_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub x: Axis,
    pub exceedance: bool,
    pub series: Vec<CdfSeries>,
    pub y_ticks: Vec<Tick>,
    pub y_label: String,
    pub claims: Vec<CompareClaim>,
    pub footer: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareCharts {
    /// Per output, in the order asked for.
    pub histograms: Vec<CompareHistChart>,
    pub cdfs: Vec<CompareCdfChart>,
    /// For the largest group of outputs sharing a unit.
    pub bands: Option<CompareBandsChart>,
}

/// A model reporting the output: its series, summary row and aggregate.
struct Member<'a> {
    series: usize,
    model: &'a Compared,
    o: &'a OutputSummary,
    t: &'a Tracked,
}

fn members<'a>(models: &'a [Compared], name: &str) -> Vec<Member<'a>> {
    models
        .iter()
        .enumerate()
        .filter_map(|(series, m)| {
            let s = &m.simulated.summary;
            let k = s.outputs.iter().position(|o| o.output == name)?;
            let (o, t) = (&s.outputs[k], m.simulated.aggs.tracked.get(k)?);
            (o.count > 0).then_some(Member {
                series,
                model: m,
                o,
                t,
            })
        })
        .collect()
}

/// Names for labels that list every model (claim labels, footers), where long titles
/// would be cut: the titles when all are short, else the files' stems ("deepseek_v3")
/// when those tell the models apart.
pub fn short_names(models: &[Compared]) -> Vec<String> {
    let names = series_names(models);
    if names.iter().all(|n| n.chars().count() <= 24) {
        return names;
    }
    let stems: Vec<String> = models
        .iter()
        .map(|m| {
            std::path::Path::new(&m.file)
                .file_stem()
                .map_or_else(|| m.file.clone(), |s| s.to_string_lossy().into_owned())
        })
        .collect();
    let distinct = stems
        .iter()
        .enumerate()
        .all(|(k, n)| !stems[..k].contains(n));
    if distinct { stems } else { names }
}

/// The names in the histograms' and CDFs' legends: [`series_names`], each led by its
/// [`short_names`] name where those differ (the claim labels and the footer name the
/// models that way: "deepseek_v3: DeepSeek-V3: the final-run …"), so a label's model
/// can be found in the legend.
pub fn legend_names(models: &[Compared]) -> Vec<String> {
    let short = short_names(models);
    series_names(models)
        .into_iter()
        .zip(short)
        .map(|(name, short)| {
            if name == short {
                name
            } else {
                format!("{short}: {name}")
            }
        })
        .collect()
}

/// The models' names in tables and legends: their titles; where two titles are the
/// same, the title and the overrides, or else the shortest end of the file's path
/// (without its extension) that tells it from the others of that title ("Base
/// (copy)", "Base (a/base)"), and a position ("#2") where nothing does.
pub fn series_names(models: &[Compared]) -> Vec<String> {
    let titles: Vec<&str> = models.iter().map(|m| m.title.as_str()).collect();
    let with_overrides: Vec<String> = models
        .iter()
        .map(|m| {
            let o = &m.simulated.summary.model.overrides;
            let dup = titles.iter().filter(|t| **t == m.title).count() > 1;
            match (dup, o.is_empty()) {
                (false, _) => m.title.clone(),
                (true, false) => format!("{} ({})", m.title, o.join(", ")),
                (true, true) => {
                    let others = models
                        .iter()
                        .filter(|n| n.title == m.title && n.file != m.file)
                        .map(|n| n.file.as_str());
                    format!("{} ({})", m.title, path_end(&m.file, others))
                }
            }
        })
        .collect();
    with_overrides
        .iter()
        .enumerate()
        .map(|(k, n)| {
            if with_overrides.iter().filter(|m| *m == n).count() > 1 {
                format!("{n} #{}", k + 1)
            } else {
                n.clone()
            }
        })
        .collect()
}

/// The fewest last components of `file`'s path, its extension dropped, that no path
/// of `others` ends with: "copy" for `/tmp/x/copy.toml` among `priors/base.toml`,
/// "a/base" for `a/base.toml` among `b/base.toml`; the whole path when none tells.
fn path_end<'a>(file: &str, others: impl Iterator<Item = &'a str>) -> String {
    let parts = |f: &str| -> Vec<String> {
        let p = std::path::Path::new(f);
        let mut parts: Vec<String> = p
            .parent()
            .into_iter()
            .flat_map(|d| d.components())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.push(
            p.file_stem()
                .map_or_else(|| f.to_string(), |s| s.to_string_lossy().into_owned()),
        );
        parts
    };
    let mine = parts(file);
    let others: Vec<Vec<String>> = others.map(parts).collect();
    let end = |v: &[String], k: usize| v[v.len().saturating_sub(k)..].join("/");
    (1..=mine.len())
        .map(|k| end(&mine, k))
        .zip(1..)
        .find(|(e, k)| others.iter().all(|o| end(o, *k) != *e))
        .map_or_else(|| file.to_string(), |(e, _)| e)
}

/// Every comparison chart of `outputs` (those no model reports are skipped).
pub fn compare_charts(
    models: &[Compared],
    outputs: &[String],
    opts: &ChartOptions,
) -> CompareCharts {
    let names = series_names(models);
    let legends = legend_names(models);
    let mut charts = CompareCharts::default();
    for name in outputs {
        let ms = members(models, name);
        if ms.is_empty() {
            continue;
        }
        charts
            .histograms
            .push(hist_chart(models, &ms, &legends, opts));
        charts.cdfs.push(cdf_chart(models, &ms, &legends, opts));
    }
    charts.bands = bands::bands_chart(models, outputs, &names, opts);
    charts
}

/// "base vs dear · 20,000 samples · seed 7 · costsim 0.1.0": the files' stems, which
/// fit where the titles were cut.
fn compare_footer(models: &[Compared]) -> String {
    let Some(first) = models.first() else {
        return String::new();
    };
    run_footer(
        &short_names(models).join(" vs "),
        &first.simulated.summary.run,
    )
}

/// What a comparison's claim labels give per model: its percentile rank (histograms),
/// or P(below) or P(above) (CDFs and exceedance curves).
#[derive(Clone, Copy, PartialEq)]
enum Per {
    Rank,
    Below,
    Above,
}

/// The claims on the output, one per (label, value) across the models, with where
/// each model's curve meets them, labelled "Report $5.58M — Base P47, Dear P3".
fn claims(ms: &[Member], names: &[String], per: Per) -> Vec<CompareClaim> {
    let mut out: Vec<CompareClaim> = Vec::new();
    let mut texts: Vec<Vec<String>> = Vec::new();
    for m in ms {
        for c in claims_on(&m.model.simulated.summary, m.o) {
            let p = if per == Per::Above {
                c.p_above
            } else {
                c.p_below
            };
            let shown = match per {
                Per::Rank => rank(c.rank),
                Per::Below | Per::Above => probability(p),
            };
            let text = format!("{} {shown}", names[m.series]);
            let point = ModelPoint {
                series: m.series,
                p,
            };
            let same = |k: &CompareClaim| k.mark.claim == c.claim && k.mark.value == c.value;
            match out.iter().position(same) {
                Some(k) => {
                    out[k].points.push(point);
                    texts[k].push(text);
                }
                None => {
                    let head = format!("{} {}", c.claim, chart_human(c.value, unit_of(m.o)));
                    out.push(CompareClaim {
                        mark: ClaimMark { label: head, ..c },
                        points: vec![point],
                    });
                    texts.push(vec![text]);
                }
            }
        }
    }
    let what = match per {
        Per::Rank => "",
        Per::Below => "P(below): ",
        Per::Above => "P(above): ",
    };
    for (c, t) in out.iter_mut().zip(texts) {
        c.mark.label = format!("{} — {what}{}", c.mark.label, t.join(", "));
    }
    out
}

/// The shared axis: every model's P0.5–P99.5, percentiles, mean, and the claims not
/// so far out that they would crush the distributions (see `charts::far`; the
/// chart marks those at the edge).
fn shared_axis(ms: &[Member], claims: &[CompareClaim], width: u32) -> Axis {
    let body: Vec<f64> = ms.iter().flat_map(|m| body_points(m.o, m.t)).collect();
    let unit = unit_of(ms[0].o);
    let base = axis_over(&body, unit, max_ticks(width));
    let mut points = body.clone();
    let near = claims
        .iter()
        .map(|c| c.mark.value)
        .filter(|&v| !far(&base, &body, v, width));
    points.extend(near);
    axis_over(&points, unit, max_ticks(width))
}

/// For each series, the model (its series index) of the first earlier series with
/// the same bars or points: drawn over each other, the later one would hide it, so its
/// legend says "identical to …" instead of its P50.
fn identical<T, D: PartialEq + ?Sized>(all: &[T], data: impl Fn(&T) -> &D) -> Vec<Option<usize>>
where
    T: HasSeries,
{
    (0..all.len())
        .map(|k| {
            all[..k]
                .iter()
                .find(|e| data(e) == data(&all[k]))
                .map(HasSeries::series)
        })
        .collect()
}

/// A chart series of a model.
trait HasSeries {
    fn series(&self) -> usize;
}

impl HasSeries for HistSeries {
    fn series(&self) -> usize {
        self.series
    }
}

impl HasSeries for CdfSeries {
    fn series(&self) -> usize {
        self.series
    }
}

fn legend(names: &[String], m: &Member) -> String {
    let p50 = m.o.percentile("p50").unwrap_or(f64::NAN);
    format!(
        "{} — P50 {}",
        names[m.series],
        chart_human(p50, unit_of(m.o))
    )
}

fn hist_chart(
    models: &[Compared],
    ms: &[Member],
    names: &[String],
    opts: &ChartOptions,
) -> CompareHistChart {
    let o = ms[0].o;
    let claims = claims(ms, &short_names(models), Per::Rank);
    let x = shared_axis(ms, &claims, opts.width);
    let fewest = ms.iter().map(|m| m.o.count).min().unwrap_or(0);
    let edges = histogram::edges(x.lo, x.hi, bin_count(opts.width, fewest), x.scale);
    let (mut below, mut above) = (0.0f64, 0.0f64);
    let mut series: Vec<HistSeries> = ms
        .iter()
        .map(|m| {
            let h = histogram::rebin(&m.t.sketch.buckets(), &edges, x.scale);
            let total = h.total.max(1) as f64;
            below = below.max(h.below / total);
            above = above.max(h.above / total);
            HistSeries {
                series: m.series,
                legend: legend(names, m),
                bars: output_bars(m.o, &h, x.scale),
            }
        })
        .collect();
    let short = short_names(models);
    let same: Vec<Option<usize>> = identical(&series, |s| &s.bars);
    for (s, j) in series.iter_mut().zip(same) {
        if let Some(j) = j {
            s.legend = format!("{} — identical to {}", names[s.series], short[j]);
        }
    }
    let tallest = series
        .iter()
        .flat_map(|s| s.bars.iter().map(|b| b.share))
        .fold(0.0, f64::max);
    let y_max = hist_y_max(tallest);
    CompareHistChart {
        file: crate::report::charts::chart_file("compare_hist", &o.output),
        output: o.output.clone(),
        title: format!("{}: {} models compared", title_of(o), ms.len()),
        subtitle: format!(
            "Distribution of {} in {} models ({} bins shared by all)",
            o.output,
            ms.len(),
            edges.len() - 1
        ),
        x_label: axis_label(&title_of(o), &o.unit, x.scale),
        x,
        series,
        y_max,
        y_ticks: share_ticks(y_max),
        y_label: "Share of the model's samples per bin".into(),
        claims: claims.into_iter().map(|c| c.mark).collect(),
        note: off_axis_note(below, above, ("up to ", "of a model's samples")),
        footer: compare_footer(models),
    }
}

fn cdf_chart(
    models: &[Compared],
    ms: &[Member],
    names: &[String],
    opts: &ChartOptions,
) -> CompareCdfChart {
    let o = ms[0].o;
    let per = if opts.exceedance {
        Per::Above
    } else {
        Per::Below
    };
    let claims = claims(ms, &short_names(models), per);
    let x = shared_axis(ms, &claims, opts.width);
    let edges = cdf_edges(&x, opts.width);
    let mut series: Vec<CdfSeries> = ms
        .iter()
        .map(|m| CdfSeries {
            series: m.series,
            legend: legend(names, m),
            points: output_cdf(m.o, m.t, &edges, x.scale, opts.exceedance),
        })
        .collect();
    let short = short_names(models);
    let same: Vec<Option<usize>> = identical(&series, |s| &s.points);
    for (s, j) in series.iter_mut().zip(same) {
        if let Some(j) = j {
            s.legend = format!("{} — identical to {}", names[s.series], short[j]);
        }
    }
    let (what, y_label) = if opts.exceedance {
        ("Exceedance curves", "P(value > x)")
    } else {
        ("Cumulative distributions", "P(value ≤ x)")
    };
    CompareCdfChart {
        file: crate::report::charts::chart_file("compare_cdf", &o.output),
        output: o.output.clone(),
        title: format!("{}: {} models compared", title_of(o), ms.len()),
        subtitle: format!("{what} of {} in {} models", o.output, ms.len()),
        x_label: axis_label(&title_of(o), &o.unit, x.scale),
        x,
        exceedance: opts.exceedance,
        series,
        y_ticks: probability_ticks(),
        y_label: y_label.into(),
        claims,
        footer: compare_footer(models),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::run::{RunSpec, simulate};
    use crate::error::Source;
    use crate::model::Override;
    use crate::report::charts::percentiles;

    const MODEL: &str = r#"
[model]
title = "Compared"
outputs = ["cost", "hours", "other_cost"]
[params]
price = "1 to 3"
hours = { value = "1M to 4M", unit = "GPU-hours" }
cost = { value = "price * hours", unit = "USD", label = "Run cost" }
other_cost = { value = "cost * 2", unit = "USD" }
[[claims]]
label = "Report"
param = "cost"
value = 5.576e6
"#;

    fn compared(set: &[&str], title: &str) -> Compared {
        compared_text(MODEL, set, title)
    }

    fn compared_text(text: &str, set: &[&str], title: &str) -> Compared {
        let source = Source {
            name: "c.toml".into(),
            text: text.into(),
        };
        let overrides: Vec<Override> = set.iter().map(|s| Override::Set(s.to_string())).collect();
        let model = crate::model::load(source, &overrides).unwrap();
        let plan = crate::plan::compile(&model).unwrap();
        let spec = RunSpec {
            samples: 20_000,
            seed: 5,
            threads: 2,
            rows: 0,
        };
        Compared {
            file: "c.toml".into(),
            title: title.into(),
            simulated: simulate(&model, &plan, spec, &|_| {}).unwrap(),
        }
    }

    fn outputs() -> Vec<String> {
        ["cost", "hours", "other_cost", "absent"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_claim_far_from_every_model_stays_off_the_shared_axis() {
        let text = format!("{MODEL}[[claims]]\nlabel = \"Far\"\nparam = \"cost\"\nvalue = 1e10\n");
        let models = [
            compared_text(&text, &[], "Base"),
            compared_text(&text, &["price = 2 to 4"], "Dear"),
        ];
        let c = compare_charts(&models, &outputs(), &ChartOptions::default());
        for x in [&c.histograms[0].x, &c.cdfs[0].x] {
            // $10B against $1M–$12M: it made the axis log to $10B.
            assert!(!x.contains(1e10) && x.contains(5.576e6), "{x:?}");
        }
        assert_eq!(c.histograms[0].claims.len(), 2, "still labelled");
    }

    #[test]
    fn a_model_identical_to_an_earlier_one_says_so_in_the_legend() {
        let models = [
            compared(&[], "Base"),
            compared(&[], "Same"),
            compared(&["price = 10 to 30"], "Dear"),
        ];
        let c = compare_charts(&models, &outputs(), &ChartOptions::default());
        let legends = |h: &CompareHistChart| -> Vec<String> {
            h.series.iter().map(|s| s.legend.clone()).collect()
        };
        let hist = legends(&c.histograms[0]);
        assert_eq!(hist[1], "Same — identical to Base", "{hist:?}");
        assert!(hist[0].starts_with("Base — P50 "), "{hist:?}");
        assert!(hist[2].starts_with("Dear — P50 "), "{hist:?}");
        let cdf: Vec<&str> = c.cdfs[0].series.iter().map(|s| s.legend.as_str()).collect();
        assert_eq!(cdf[1], "Same — identical to Base", "{cdf:?}");
        // hours does not depend on price: all three are the same there.
        let hours = legends(&c.histograms[1]);
        assert_eq!(hours[2], "Dear — identical to Base", "{hours:?}");
    }

    #[test]
    fn percentiles_and_claims_are_each_models_own() {
        let models = [
            compared(&[], "Base"),
            compared(&["price = 10 to 30"], "Dear"),
        ];
        let c = compare_charts(&models, &outputs(), &ChartOptions::default());
        assert_eq!(c.histograms.len(), 3);
        let files: Vec<&str> = c.cdfs.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "compare_cdf_cost.png",
                "compare_cdf_hours.png",
                "compare_cdf_other_cost.png"
            ]
        );
        let bands = c.bands.as_ref().unwrap();
        assert_eq!(
            (bands.file.as_str(), bands.unit.as_str()),
            ("compare_bands.png", "USD")
        );
        let groups: Vec<&str> = bands.groups.iter().map(|g| g.output.as_str()).collect();
        assert_eq!(groups, ["cost", "other_cost"]);
        assert_eq!(bands.groups[0].claims, ["Report $5.58M"]);
        let ranks = &bands.groups[0].rows[1].claims;
        let dear = &models[1].simulated.summary.claims[0];
        assert_eq!(ranks[0].label, rank(dear.percentile_rank));
        assert_eq!(ranks[0].value, dear.value);
        for g in &bands.groups {
            assert_eq!(g.rows.len(), 2);
            for r in &g.rows {
                let o = models[r.series].output(&g.output).unwrap();
                assert_eq!(r.pct, percentiles(o));
                assert!(bands.x.contains(r.pct.p1) && bands.x.contains(r.pct.p99));
                for claim in &r.claims {
                    assert!(bands.x.contains(claim.value));
                }
            }
        }
        let cdf = &c.cdfs[0];
        assert_eq!(cdf.claims.len(), 1, "one claim, shared by both models");
        let claim = &cdf.claims[0];
        let ranks: Vec<String> = models
            .iter()
            .map(|m| probability(m.simulated.summary.claims[0].p_below))
            .collect();
        assert_eq!(
            claim.mark.label,
            format!(
                "Report $5.58M — P(below): Base {}, Dear {}",
                ranks[0], ranks[1]
            )
        );
        assert!(cdf.x.contains(claim.mark.value));
        for (p, m) in claim.points.iter().zip(&models) {
            let s = &m.simulated.summary.claims[0];
            assert_eq!(p.p, s.p_below);
        }
        assert!(
            claim.points[0].p > claim.points[1].p,
            "dearer GPUs: less below the claim"
        );
        for s in &cdf.series {
            assert!(s.points.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-12));
        }
    }

    #[test]
    fn a_constant_model_is_one_bar_and_one_step_beside_the_others() {
        let models = [
            compared(&[], "Base"),
            compared(&["price = 2", "hours = 3M"], "Fixed"),
        ];
        let c = compare_charts(&models, &outputs(), &ChartOptions::default());
        let bars = &c.histograms[0].series[1].bars;
        assert_eq!(bars.len(), 1, "{bars:?}");
        assert!(
            bars[0].share == 1.0 && bars[0].lo < 6e6 && bars[0].hi > 6e6,
            "{bars:?}"
        );
        // The CDF jumps from 0 to 1 at $6M, and nowhere else.
        let points = &c.cdfs[0].series[1].points;
        assert!(
            points
                .iter()
                .all(|&(x, p)| p == 0.0 || p == 1.0 || x == 6e6),
            "{points:?}"
        );
        assert!(points.iter().any(|&(_, p)| p == 1.0) && points.iter().any(|&(_, p)| p == 0.0));
        // The varying model keeps its histogram.
        assert!(c.histograms[0].series[0].bars.len() > 10);
    }

    #[test]
    fn histograms_share_their_bins_and_the_axis_covers_every_model() {
        let models = [
            compared(&[], "Base"),
            compared(&["price = 10 to 30"], "Dear"),
        ];
        let c = compare_charts(&models, &outputs(), &ChartOptions::default());
        let h = &c.histograms[0];
        assert_eq!(h.series.len(), 2);
        let edges = |s: &HistSeries| s.bars.iter().map(|b| (b.lo, b.hi)).collect::<Vec<_>>();
        assert_eq!(edges(&h.series[0]), edges(&h.series[1]));
        for (s, m) in h.series.iter().zip(&models) {
            let o = m.output("cost").unwrap();
            assert!(h.x.contains(o.percentile("p1").unwrap()));
            assert!(h.x.contains(o.percentile("p99").unwrap()));
            let on: f64 = s.bars.iter().map(|b| b.share).sum();
            assert!(on > 0.98 && on <= 1.0 + 1e-9, "{on}");
            assert!(
                s.legend
                    .contains(&chart_human(o.percentile("p50").unwrap(), Some("USD")))
            );
        }
        assert!(
            h.series
                .iter()
                .flat_map(|s| &s.bars)
                .all(|b| b.share <= h.y_max)
        );
        let ranks: Vec<String> = models
            .iter()
            .map(|m| rank(m.simulated.summary.claims[0].percentile_rank))
            .collect();
        assert_eq!(h.claims.len(), 1);
        assert_eq!(
            h.claims[0].label,
            format!("Report $5.58M — Base {}, Dear {}", ranks[0], ranks[1])
        );
        assert!(h.x.contains(h.claims[0].value));
        // A tenfold price: two decades of cost between the models, a log axis.
        assert_eq!(h.x.scale, histogram::Scale::Log);
    }

    #[test]
    fn same_titles_are_told_apart_by_their_overrides() {
        let models = [
            compared(&[], "Model"),
            compared(&["price = 2"], "Model"),
            compared(&["price = 2"], "Model"),
        ];
        assert_eq!(
            series_names(&models),
            ["Model (c)", "Model (price = 2) #2", "Model (price = 2) #3"]
        );
        let c = compare_charts(&models[..1], &outputs(), &ChartOptions::default());
        assert_eq!(c.bands.unwrap().models, [(0, "Model".to_string())]);
    }

    #[test]
    fn legends_lead_with_the_names_the_claim_labels_use() {
        let at = |file: &str, title: &str| Compared {
            file: file.into(),
            ..compared(&[], title)
        };
        let long = "DeepSeek-V3: the final-run claim against fleet ownership";
        let models = [at("priors/deepseek_v3.toml", long), at("dear.toml", "Dear")];
        assert_eq!(short_names(&models), ["deepseek_v3", "dear"]);
        assert_eq!(
            legend_names(&models),
            [format!("deepseek_v3: {long}"), "dear: Dear".to_string()]
        );
        let c = compare_charts(&models, &outputs(), &ChartOptions::default());
        let h = &c.histograms[0];
        assert!(
            h.series[0].legend.starts_with("deepseek_v3: DeepSeek-V3"),
            "{}",
            h.series[0].legend
        );
        assert_eq!(h.claims.len(), 1);
        assert!(
            h.claims[0].label.contains("deepseek_v3 P"),
            "{}",
            h.claims[0].label
        );
        // Short titles are the labels' names already: the legends are the titles.
        let models = [at("a.toml", "Base"), at("b.toml", "Dear")];
        assert_eq!(legend_names(&models), ["Base", "Dear"]);
    }

    #[test]
    fn same_titles_of_other_files_are_told_apart_by_the_shortest_path_end() {
        let at = |file: &str| Compared {
            file: file.into(),
            ..compared(&[], "Model")
        };
        // The full path ran a legend off the canvas: "Model (/tmp/…/pri".
        let models = [at("priors/base.toml"), at("/tmp/x/y/copy.toml")];
        assert_eq!(series_names(&models), ["Model (base)", "Model (copy)"]);
        let models = [at("a/base.toml"), at("b/base.toml"), at("c.toml")];
        assert_eq!(
            series_names(&models),
            ["Model (a/base)", "Model (b/base)", "Model (c)"]
        );
    }
}
