//! sobol_<output>.png: first-order and total Sobol indices per input, with their 95%
//! bootstrap intervals, from the [`SobolRow`]s. The index axis runs 0–1, widened to
//! any interval beyond (estimates of a near-zero index can dip below 0).

use super::{TOP_INPUTS, cut_note};
use crate::analysis::sobol::{SobolResult, SobolRow};
use crate::model::Model;
use crate::report::axis::{Axis, linear_ticks, with_labels};
use crate::report::charts::ChartOptions;
use crate::report::drivers::label_of;
use crate::stats::histogram::Scale;

/// An index and its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

/// One input: S_i and ST_i.
#[derive(Clone, Debug, PartialEq)]
pub struct SobolBar {
    pub input: String,
    pub label: String,
    pub first: Interval,
    pub total: Interval,
    /// "0.31", "n/a" when not finite.
    pub first_label: String,
    pub total_label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SobolChart {
    /// sobol_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    /// The index axis: 0–1, extended to every interval (bars run along it).
    pub axis: Axis,
    pub axis_label: String,
    /// Largest total effect first, at most [`TOP_INPUTS`].
    pub bars: Vec<SobolBar>,
    pub footer: String,
}

/// One chart per output with finite indices, in the model's output order, for at
/// most `opts.max_outputs` of them (`--max-charts`: a 5,000-output model would draw
/// 5,000 PNGs), those with claims first.
pub fn sobol_charts(
    model: &Model,
    result: &SobolResult,
    footer: &str,
    opts: &ChartOptions,
) -> Vec<SobolChart> {
    let claimed = |o: usize| model.claims.iter().any(|c| c.param == o);
    let charts: Vec<(SobolChart, bool)> = result
        .by_output()
        .filter_map(|(o, rows)| {
            let chart = sobol_chart(model, o, rows, result.unaffected_of(o), footer)?;
            Some((chart, claimed(o)))
        })
        .collect();
    crate::report::charts::claims_first(charts, opts.max_outputs)
}

fn finite(i: &Interval) -> bool {
    i.value.is_finite()
}

fn sobol_chart(
    model: &Model,
    output: usize,
    rows: &[SobolRow],
    unaffected: usize,
    footer: &str,
) -> Option<SobolChart> {
    // Only the output's ancestor inputs: the others' indices are 0 by construction.
    let mut mine: Vec<&SobolRow> = rows.iter().filter(|r| r.affects).collect();
    // Largest total first; NaN (a constant output) last.
    let key = |r: &SobolRow| {
        let t = r.indices.total;
        if t.is_nan() { f64::NEG_INFINITY } else { t }
    };
    mine.sort_by(|a, b| key(b).total_cmp(&key(a)));
    let all = mine.len();
    mine.truncate(TOP_INPUTS);
    let bars: Vec<SobolBar> = mine.iter().map(|r| bar(model, r)).collect();
    if !bars.iter().any(|b| finite(&b.first) || finite(&b.total)) {
        return None;
    }
    let (lo, hi) = index_range(&bars);
    let name = &model.params[output].name;
    let title = format!("{}: Sobol sensitivity indices", label_of(model, output));
    Some(SobolChart {
        file: crate::report::charts::chart_file("sobol", name),
        output: name.clone(),
        subtitle: format!(
            "Share of the variance of {name} due to each input it depends on; 95% bootstrap \
             intervals{}{}",
            cut_note(bars.len(), all),
            unaffected_note(unaffected)
        ),
        axis: Axis {
            lo,
            hi,
            scale: Scale::Linear,
            ticks: with_labels(&linear_ticks(lo, hi, 10), None),
            minor: Vec::new(),
        },
        axis_label: format!("Share of the variance of {name}"),
        title,
        bars,
        footer: footer.to_string(),
    })
}

/// "; 16 other inputs cannot affect it (indices 0)".
fn unaffected_note(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 other input cannot affect it (indices 0)".into(),
        n => format!("; {n} other inputs cannot affect it (indices 0)"),
    }
}

fn bar(model: &Model, r: &SobolRow) -> SobolBar {
    let i = &r.indices;
    let first = Interval {
        value: i.first,
        lo: i.first_lo,
        hi: i.first_hi,
    };
    let total = Interval {
        value: i.total,
        lo: i.total_lo,
        hi: i.total_hi,
    };
    SobolBar {
        input: model.params[r.input].name.clone(),
        label: label_of(model, r.input),
        first_label: index_text(first.value),
        total_label: index_text(total.value),
        first,
        total,
    }
}

/// An index as its bar's label: two decimals, a true minus sign, and no "−0.00" for
/// an estimate a hair below zero (noise around an index of 0 reads as 0.00).
fn index_text(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let s = format!("{v:.2}");
    if s == "-0.00" {
        "0.00".into()
    } else {
        s.replacen('-', "−", 1)
    }
}

/// 0–1, widened to every finite index and interval end (with a little room when it is).
fn index_range(bars: &[SobolBar]) -> (f64, f64) {
    let ends = bars
        .iter()
        .flat_map(|b| [b.first, b.total])
        .flat_map(|i| [i.value, i.lo, i.hi])
        .filter(|v| v.is_finite());
    let (lo, hi) = ends.fold((0.0f64, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = 0.03 * (hi - lo);
    (
        if lo < 0.0 { lo - pad } else { 0.0 },
        if hi > 1.0 { hi + pad } else { 1.0 },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_never_read_minus_zero() {
        assert_eq!(index_text(-0.001), "0.00");
        assert_eq!(index_text(-0.0), "0.00");
        assert_eq!(index_text(-0.013), "−0.01");
        assert_eq!(index_text(0.4567), "0.46");
        assert_eq!(index_text(f64::NAN), "n/a");
    }
    use crate::error::Source;
    use crate::stats::sobol::Indices;

    fn model(inputs: usize) -> Model {
        let mut text = String::from("[model]\ntitle = \"S\"\noutputs = [\"y\"]\n[params]\n");
        for k in 0..inputs {
            text.push_str(&format!("x{k} = \"uniform(0, 1)\"\n"));
        }
        let sum: Vec<String> = (0..inputs).map(|k| format!("x{k}")).collect();
        text.push_str(&format!(
            "y = {{ value = \"{}\", label = \"Why\" }}\n",
            sum.join(" + ")
        ));
        let source = Source {
            name: "s.toml".into(),
            text,
        };
        crate::model::load(source, &[]).unwrap()
    }

    /// The result of `rows` as the analysis gives it: the others counted as unaffected.
    fn result(rows: &[SobolRow]) -> SobolResult {
        let output = rows[0].output;
        SobolResult {
            rows: rows.to_vec(),
            unaffected: vec![(output, rows.iter().filter(|r| !r.affects).count())],
            listed_all: true,
        }
    }

    fn rows(model: &Model, totals: &[f64]) -> Vec<SobolRow> {
        let y = model.index_of("y").unwrap();
        totals
            .iter()
            .enumerate()
            .map(|(k, &t)| SobolRow {
                output: y,
                input: model.index_of(&format!("x{k}")).unwrap(),
                affects: true,
                indices: Indices {
                    first: t * 0.8,
                    first_lo: t * 0.8 - 0.05,
                    first_hi: t * 0.8 + 0.05,
                    total: t,
                    total_lo: t - 0.04,
                    total_hi: t + 0.04,
                },
            })
            .collect()
    }

    #[test]
    fn bars_are_the_rows_indices_sorted_by_total_and_cut() {
        let m = model(18);
        let totals: Vec<f64> = (0..18).map(|k| ((k * 7) % 18) as f64 / 17.0).collect();
        let rows = rows(&m, &totals);
        let charts = sobol_charts(&m, &result(&rows), "foot", &ChartOptions::default());
        assert_eq!(charts.len(), 1);
        let c = &charts[0];
        assert_eq!(c.file, "sobol_y.png");
        assert_eq!(c.title, "Why: Sobol sensitivity indices");
        assert_eq!(c.bars.len(), TOP_INPUTS);
        assert!(c.subtitle.contains("top 15 of 18 inputs"));
        assert!(
            c.bars
                .windows(2)
                .all(|w| w[0].total.value >= w[1].total.value)
        );
        for b in &c.bars {
            let r = rows
                .iter()
                .find(|r| m.params[r.input].name == b.input)
                .unwrap();
            let i = r.indices;
            assert_eq!(
                [b.first.value, b.first.lo, b.first.hi],
                [i.first, i.first_lo, i.first_hi]
            );
            assert_eq!(
                [b.total.value, b.total.lo, b.total.hi],
                [i.total, i.total_lo, i.total_hi]
            );
        }
        assert_eq!(c.footer, "foot");
    }

    #[test]
    fn inputs_that_cannot_affect_the_output_get_no_bar() {
        let m = model(4);
        let mut rows = rows(&m, &[0.6, 0.3, 0.0, 0.0]);
        for r in &mut rows[2..] {
            r.affects = false;
            r.indices = Indices::ZERO;
        }
        let c = &sobol_charts(&m, &result(&rows), "", &ChartOptions::default())[0];
        let names: Vec<&str> = c.bars.iter().map(|b| b.input.as_str()).collect();
        assert_eq!(names, ["x0", "x1"]);
        assert!(
            c.subtitle
                .ends_with("; 2 other inputs cannot affect it (indices 0)"),
            "{}",
            c.subtitle
        );
        for r in &mut rows {
            r.affects = false;
        }
        assert!(sobol_charts(&m, &result(&rows), "", &ChartOptions::default()).is_empty());
    }

    #[test]
    fn the_axis_is_zero_to_one_widened_to_every_interval() {
        let m = model(3);
        let charts = sobol_charts(
            &m,
            &result(&rows(&m, &[0.5, 0.2, 0.1])),
            "",
            &ChartOptions::default(),
        );
        assert_eq!((charts[0].axis.lo, charts[0].axis.hi), (0.0, 1.0));
        let rows = rows(&m, &[1.0, 0.02, f64::NAN]);
        let c = &sobol_charts(&m, &result(&rows), "", &ChartOptions::default())[0];
        let (lo, hi) = (c.axis.lo, c.axis.hi);
        assert!(lo < -0.02 && hi > 1.04, "{lo} {hi}");
        for b in c.bars.iter().filter(|b| b.total.value.is_finite()) {
            for v in [b.first.lo, b.first.hi, b.total.lo, b.total.hi] {
                assert!(c.axis.contains(v));
            }
        }
        assert_eq!(c.bars.last().unwrap().total_label, "n/a", "NaN sorts last");
        assert!(c.axis.ticks.iter().all(|t| c.axis.contains(t.value)));
    }
}
