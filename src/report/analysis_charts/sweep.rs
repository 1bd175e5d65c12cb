//! sweep_<output>.png: an output's percentiles at each value of the swept param, as a
//! fan chart, from each step's Summary.

use crate::analysis::sweep::Step;
use crate::model::Model;
use crate::report::axis::{Axis, axis_over};
use crate::report::charts::{
    ChartOptions, Percentiles, axis_label, footer, max_ticks, percentiles, title_of, unit_of,
};
use crate::report::drivers::label_of;
use crate::report::format::{chart_human, count, rank};
use crate::report::summary::OutputSummary;

/// The output's percentiles at one swept value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    pub value: f64,
    pub pct: Percentiles,
}

/// A labelled horizontal line.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub value: f64,
    /// "Report $5.58M — P47 at gpus = 2,048 → P12 at 50k".
    pub label: String,
    /// "$5.58M": the value, written at the line's right end outside the frame, which
    /// ties the line to its label above the frame.
    pub tag: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SweepChart {
    /// sweep_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    /// The swept param's values.
    pub x: Axis,
    pub x_label: String,
    /// Spans every step's P5–P95 and every claim.
    pub y: Axis,
    pub y_label: String,
    /// In increasing order of the swept value.
    pub points: Vec<SweepPoint>,
    pub claims: Vec<Level>,
    pub footer: String,
}

/// One chart per name in `outputs` that some step reports with finite samples, for
/// at most `opts.max_outputs` of them (`--max-charts`), those with claims first.
pub fn sweep_charts(
    model: &Model,
    param: usize,
    steps: &[Step],
    outputs: &[String],
    opts: &ChartOptions,
) -> Vec<SweepChart> {
    let mut order: Vec<&Step> = steps.iter().filter(|s| s.value.is_finite()).collect();
    order.sort_by(|a, b| a.value.total_cmp(&b.value));
    let claimed = |name: &str| {
        model
            .claims
            .iter()
            .any(|c| model.params[c.param].name == name)
    };
    let charts: Vec<(SweepChart, bool)> = outputs
        .iter()
        .filter_map(|name| {
            Some((
                sweep_chart(model, param, &order, name, opts)?,
                claimed(name),
            ))
        })
        .collect();
    crate::report::charts::claims_first(charts, opts.max_outputs)
}

fn output_of<'a>(step: &'a Step, name: &str) -> Option<&'a OutputSummary> {
    step.summary
        .outputs
        .iter()
        .find(|o| o.output == name && o.count > 0)
}

fn sweep_chart(
    model: &Model,
    param: usize,
    steps: &[&Step],
    name: &str,
    opts: &ChartOptions,
) -> Option<SweepChart> {
    let found: Vec<(&Step, &OutputSummary)> = steps
        .iter()
        .filter_map(|s| Some((*s, output_of(s, name)?)))
        .collect();
    let &(first, o) = found.first()?;
    let points: Vec<SweepPoint> = found
        .iter()
        .map(|(s, o)| SweepPoint {
            value: s.value,
            pct: percentiles(o),
        })
        .collect();
    let swept = &model.params[param];
    let x_unit = swept.unit.as_deref().filter(|u| !u.is_empty());
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    let x = x_axis(&values, x_unit, max_ticks(opts.width));
    let claims = levels(&found, name, &swept.name, x_unit);
    let mut ys: Vec<f64> = points.iter().flat_map(|p| [p.pct.p5, p.pct.p95]).collect();
    ys.extend(claims.iter().map(|c| c.value));
    let y = axis_over(&ys, unit_of(o), 8);
    let run = &first.summary.run;
    Some(SweepChart {
        file: crate::report::charts::chart_file("sweep", name),
        output: name.to_string(),
        title: format!("{} as {} varies", title_of(o), label_of(model, param)),
        subtitle: format!(
            "{name} at {} values of {} ({} samples each, the same random numbers)",
            points.len(),
            swept.name,
            count(run.samples)
        ),
        x_label: axis_label(&label_of(model, param), x_unit.unwrap_or(""), x.scale),
        x,
        y_label: axis_label(&title_of(o), &o.unit, y.scale),
        y,
        points,
        claims,
        footer: footer(&first.summary),
    })
}

/// The claims on the output, from the first step's Summary, with their rank at the
/// first and last swept values.
fn levels(
    found: &[(&Step, &OutputSummary)],
    name: &str,
    swept: &str,
    x_unit: Option<&str>,
) -> Vec<Level> {
    let (Some((first, o)), Some((last, _))) = (found.first(), found.last()) else {
        return Vec::new();
    };
    let rank_at = |s: &Step, claim: &str| {
        s.summary
            .claims
            .iter()
            .find(|c| c.param == name && c.claim == claim)
            .map_or(f64::NAN, |c| c.percentile_rank)
    };
    first
        .summary
        .claims
        .iter()
        .filter(|c| c.param == name)
        .map(|c| {
            let ranks = if found.len() > 1 {
                format!(
                    "{} at {swept} = {} → {} at {}",
                    rank(rank_at(first, &c.claim)),
                    chart_human(first.value, x_unit),
                    rank(rank_at(last, &c.claim)),
                    chart_human(last.value, x_unit)
                )
            } else {
                rank(c.percentile_rank)
            };
            Level {
                value: c.value,
                label: format!("{} {} — {ranks}", c.claim, chart_human(c.value, unit_of(o))),
                tag: chart_human(c.value, unit_of(o)),
            }
        })
        .collect()
}

/// The swept values' axis, padded at both ends: a linear axis over values from 0
/// stops at 0, where the first dot was cut in half by the y axis.
fn x_axis(values: &[f64], unit: Option<&str>, max_ticks: usize) -> Axis {
    let x = axis_over(values, unit, max_ticks);
    if x.scale != crate::stats::histogram::Scale::Linear || !values.contains(&x.lo) {
        return x;
    }
    let mut padded = values.to_vec();
    padded.push(x.lo - (x.hi - x.lo) * 0.03);
    axis_over(&padded, unit, max_ticks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Source;
    use crate::report::analysis_charts::summary_with;
    use crate::report::summary::ClaimSummary;

    fn model() -> Model {
        let text = "[model]\noutputs = [\"cost\"]\n[params]\n\
                    gpus = { value = \"2k to 50k\", unit = \"GPUs\" }\n\
                    cost = { value = \"gpus * 3\", unit = \"USD\" }\n";
        let source = Source {
            name: "m.toml".into(),
            text: text.into(),
        };
        crate::model::load(source, &[]).unwrap()
    }

    /// A step whose `cost` percentiles are 1..9 times `scale`, with a claim at 40.
    fn step(value: f64, scale: f64, claim_rank: f64) -> Step {
        let mut summary = summary_with(&[("cost", "USD"), ("other", "")]);
        for p in summary.outputs[0].percentiles.iter_mut() {
            *p *= scale;
        }
        summary.claims.push(ClaimSummary {
            claim: "Report".into(),
            param: "cost".into(),
            unit: "USD".into(),
            value: 40.0,
            percentile_rank: claim_rank,
            p_below: claim_rank / 100.0,
            p_above: 1.0 - claim_rank / 100.0,
            verdict: String::new(),
            source: None,
        });
        Step { value, summary }
    }

    #[test]
    fn points_are_each_steps_percentiles_in_order_of_the_swept_value() {
        let m = model();
        let gpus = m.index_of("gpus").unwrap();
        let steps = vec![
            step(50_000.0, 100.0, 1.0),
            step(1_000.0, 1.0, 99.0),
            step(8_000.0, 10.0, 40.0),
        ];
        let outputs = vec!["cost".to_string(), "absent".to_string()];
        let charts = sweep_charts(&m, gpus, &steps, &outputs, &ChartOptions::default());
        assert_eq!(charts.len(), 1);
        let c = &charts[0];
        assert_eq!(c.file, "sweep_cost.png");
        let values: Vec<f64> = c.points.iter().map(|p| p.value).collect();
        assert_eq!(values, [1_000.0, 8_000.0, 50_000.0]);
        for p in &c.points {
            let s = steps.iter().find(|s| s.value == p.value).unwrap();
            assert_eq!(p.pct, percentiles(&s.summary.outputs[0]));
            assert!(c.y.contains(p.pct.p5) && c.y.contains(p.pct.p95));
            assert!(c.x.contains(p.value));
        }
        // 1k to 50k GPUs: more than 1.5 decades, a log axis; so is y (2 to 800).
        assert_eq!(c.x.scale, crate::stats::histogram::Scale::Log);
        assert_eq!(c.y.scale, crate::stats::histogram::Scale::Log);
        assert_eq!(c.claims.len(), 1);
        assert_eq!(c.claims[0].value, 40.0);
        assert_eq!(
            c.claims[0].label,
            "Report $40 — P99 at gpus = 1k → P1 at 50k"
        );
        assert!(c.y.contains(40.0));
        assert!(c.x_label.starts_with("gpus — GPUs"), "{}", c.x_label);
    }

    #[test]
    fn a_swept_value_of_zero_is_not_on_the_axis_end() {
        let m = model();
        let steps = vec![
            step(0.0, 1.0, 50.0),
            step(4.0, 1.2, 50.0),
            step(8.0, 1.4, 50.0),
        ];
        let c = &sweep_charts(&m, 0, &steps, &["cost".into()], &ChartOptions::default())[0];
        assert!(c.x.lo < 0.0, "{:?}", c.x);
        // No tick below zero for it.
        assert!(c.x.ticks.iter().all(|t| t.value >= 0.0), "{:?}", c.x.ticks);
    }

    #[test]
    fn a_claim_far_from_the_bands_widens_the_y_axis() {
        let m = model();
        let steps = vec![step(1.0, 1.0, 100.0), step(2.0, 1.2, 100.0)];
        let mut steps = steps;
        for s in &mut steps {
            s.summary.claims[0].value = 1e4;
        }
        let c = &sweep_charts(&m, 0, &steps, &["cost".into()], &ChartOptions::default())[0];
        assert!(c.y.contains(1e4));
        assert_eq!(c.x.scale, crate::stats::histogram::Scale::Linear);
    }
}
