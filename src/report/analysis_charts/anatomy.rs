//! anatomy_<claim>.png: what a claim would take. One row per ancestor input, on a
//! shared axis of *prior percentile* (0–100), so inputs of any unit share one scale:
//! the prior's P5–P95 (5 to 95 by definition) with its median at 50, and the
//! conditional P5–P95 and median placed at their ranks in the prior.

use crate::analysis::anatomy::{Anatomy, AnatomyRun};
use crate::report::anatomy::{chart_names, worlds};
use crate::report::axis::{Axis, Tick};
use crate::report::charts::footer;
use crate::report::format::{chart_human, count, rank};
use crate::report::summary::Summary;
use crate::stats::histogram::Scale;

/// One input's row.
#[derive(Clone, Debug, PartialEq)]
pub struct AnatomyBar {
    pub input: String,
    pub label: String,
    /// The conditional P5, median and P95 as ranks in the prior (0–100).
    pub given: [f64; 3],
    /// "1.01 · P84": the conditional median in the input's unit and its prior rank.
    pub value_label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AnatomyChart {
    /// anatomy_<claim-slug>.png
    pub file: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// 0 to 100, ticks at P0, P5, P25, P50, P75, P95, P100.
    pub x: Axis,
    /// The prior's band and median, in ranks: 5, 50, 95.
    pub prior: [f64; 3],
    /// The anatomy's order: the largest move of the median first.
    pub bars: Vec<AnatomyBar>,
    /// The legend's words for the accepted worlds' band: "given the claim: P5–P95",
    /// or the condition's for a `--where` run.
    pub given_legend: String,
    pub footer: String,
}

/// One chart per anatomy with something to draw, in claim order.
pub fn anatomy_charts(s: &Summary, run: &AnatomyRun) -> Vec<AnatomyChart> {
    run.claims
        .iter()
        .zip(chart_names(run))
        .filter_map(|(a, file)| Some(chart(s, a, file?)))
        .collect()
}

fn rank_axis() -> Axis {
    let ticks = [0.0, 5.0, 25.0, 50.0, 75.0, 95.0, 100.0]
        .iter()
        .map(|&v| Tick {
            value: v,
            label: format!("P{v:.0}"),
        })
        .collect();
    Axis {
        lo: 0.0,
        hi: 100.0,
        scale: Scale::Linear,
        ticks,
        minor: Vec::new(),
    }
}

fn chart(s: &Summary, a: &Anatomy, file: String) -> AnatomyChart {
    let unit = |u: &str| (!u.is_empty()).then(|| u.to_string());
    let bars = a
        .inputs
        .iter()
        .map(|i| AnatomyBar {
            input: i.input.clone(),
            label: i.label.clone(),
            given: [
                i.given_band_ranks[0],
                i.given_p50_rank,
                i.given_band_ranks[1],
            ],
            // A switch's share, short enough for the value column: "1: 97.9% (prior 50.1%)".
            value_label: match i.two_valued {
                Some(t) => format!(
                    "{}: {} (prior {}) · {}",
                    chart_human(t.high, unit(&i.unit).as_deref()),
                    crate::report::format::probability(t.given_share),
                    crate::report::format::probability(t.prior_share),
                    rank(i.given_p50_rank)
                ),
                None => format!(
                    "{} · {}",
                    crate::report::anatomy::given_value(i),
                    rank(i.given_p50_rank)
                ),
            },
        })
        .collect();
    let (title, subtitle) = if a.param.is_empty() {
        (
            format!("What it takes: {}", a.claim),
            format!(
                "Each input among the worlds that meet the condition ({}), against its prior",
                worlds(a)
            ),
        )
    } else {
        let u = unit(&a.unit);
        (
            format!(
                "What would it take: {} = {}",
                a.claim,
                chart_human(a.value, u.as_deref())
            ),
            format!(
                "Inputs of {} among the worlds where it lies in {} – {} ({}); priors from {} samples",
                a.param,
                chart_human(a.window[0], u.as_deref()),
                chart_human(a.window[1], u.as_deref()),
                worlds(a),
                count(a.prior_rows)
            ),
        )
    };
    AnatomyChart {
        file,
        title,
        subtitle,
        x_label: "percentile of the input's prior".into(),
        x: rank_axis(),
        prior: [5.0, 50.0, 95.0],
        bars,
        given_legend: match s.condition {
            Some(_) => "given the condition: P5–P95".into(),
            None => "given the claim: P5–P95".into(),
        },
        footer: footer(s),
    }
}
