//! tornado_<output>.png (Spearman ρ per input) and swing_<output>.png (the output's
//! P50 with one input at its P5, then its P95), from the Summary's rows.

use super::{TOP_INPUTS, cut_note, share, signed};
use crate::report::axis::{Axis, axis_over};
use crate::report::charts::{ChartOptions, axis_label, footer, max_ticks, title_of, unit_of};
use crate::report::format::{chart_human, count};
use crate::report::summary::{OutputSummary, Summary};
use crate::report::{SensitivityRow, SwingRow};

/// One input's bar: its rank correlation with the output.
#[derive(Clone, Debug, PartialEq)]
pub struct TornadoBar {
    pub input: String,
    pub label: String,
    pub spearman: f64,
    /// Percent of the output's summed ρ², as in the Summary.
    pub contribution: f64,
    /// At the bar's end: "+0.62 · 38%".
    pub value_label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TornadoChart {
    /// tornado_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// Spans 0 and every ρ.
    pub x: Axis,
    /// Largest |ρ| first, at most [`TOP_INPUTS`].
    pub bars: Vec<TornadoBar>,
    pub footer: String,
}

/// One input's swing: the output's P50 with the input at its P5 and at its P95.
#[derive(Clone, Debug, PartialEq)]
pub struct SwingBar {
    pub input: String,
    pub label: String,
    /// "P5–P95 $1.5–$2.8", in the input's unit when the Summary knows it.
    pub range_label: String,
    /// The output's P50 with the input at its P5.
    pub low: f64,
    /// The output's P50 with the input at its P95.
    pub high: f64,
    pub low_label: String,
    pub high_label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SwingChart {
    /// swing_<output>.png
    pub file: String,
    pub output: String,
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// Spans the base and both ends of every bar.
    pub x: Axis,
    /// The output's P50 with every input varying, on the swing runs' samples.
    pub base: f64,
    /// "P50 $5.71M with every input varying".
    pub base_label: String,
    /// Widest swing first, at most [`TOP_INPUTS`].
    pub bars: Vec<SwingBar>,
    pub footer: String,
}

/// One tornado per output with finite sensitivity rows, in the Summary's order.
pub fn tornado_charts(s: &Summary, opts: &ChartOptions) -> Vec<TornadoChart> {
    let charted = crate::report::charts::charted_outputs(s, opts.max_outputs);
    s.outputs
        .iter()
        .filter(|o| charted.contains(&o.output))
        .filter_map(|o| tornado_chart(s, o, opts))
        .collect()
}

fn tornado_chart(s: &Summary, o: &OutputSummary, opts: &ChartOptions) -> Option<TornadoChart> {
    let mut rows: Vec<&SensitivityRow> = s
        .sensitivity
        .iter()
        .filter(|r| r.output == o.output && r.spearman.is_finite())
        .collect();
    // A constant output has no spread to drive (its one row read "+0.00 · 0%").
    if rows.is_empty() || o.min == o.max {
        return None;
    }
    let all = rows.len();
    // Stable, so ties keep the Summary's order.
    rows.sort_by(|a, b| b.spearman.abs().total_cmp(&a.spearman.abs()));
    rows.truncate(TOP_INPUTS);
    let bars: Vec<TornadoBar> = rows
        .iter()
        .map(|r| TornadoBar {
            input: r.input.clone(),
            label: r.input_label.clone(),
            spearman: r.spearman,
            contribution: r.contribution,
            value_label: format!("{} · {}", signed(r.spearman, 2), share(r.contribution)),
        })
        .collect();
    let points: Vec<f64> = std::iter::once(0.0)
        .chain(bars.iter().map(|b| b.spearman))
        .collect();
    Some(TornadoChart {
        file: crate::report::charts::chart_file("tornado", &o.output),
        output: o.output.clone(),
        title: format!("{}: what drives its spread", title_of(o)),
        subtitle: format!(
            "Spearman rank correlation ρ of {} with each input it depends on, over the first {} samples; \
             at each bar: ρ · its share of Σρ²{}",
            o.output,
            count(s.run.sensitivity_rows),
            cut_note(bars.len(), all)
        ),
        x_label: format!("Spearman ρ with {}", title_of(o)),
        x: axis_over(&points, None, max_ticks(opts.width)),
        bars,
        footer: footer(s),
    })
}

/// One swing chart per output with finite swing rows, in the Summary's order.
pub fn swing_charts(s: &Summary, opts: &ChartOptions) -> Vec<SwingChart> {
    let charted = crate::report::charts::charted_outputs(s, opts.max_outputs);
    s.outputs
        .iter()
        .filter(|o| charted.contains(&o.output))
        .filter_map(|o| swing_chart(s, o, opts))
        .collect()
}

fn width(r: &SwingRow) -> f64 {
    (r.output_at_p95 - r.output_at_p5).abs()
}

fn swing_chart(s: &Summary, o: &OutputSummary, opts: &ChartOptions) -> Option<SwingChart> {
    let mut rows: Vec<&SwingRow> = s
        .swing
        .iter()
        .filter(|r| r.output == o.output)
        .filter(|r| r.output_at_p5.is_finite() && r.output_at_p95.is_finite())
        .collect();
    let base = rows.first()?.base_p50;
    // An input whose two ends give the same P50 has no bar to draw: counted, not shown.
    let before = rows.len();
    rows.retain(|r| r.output_at_p5 != r.output_at_p95);
    let still = before - rows.len();
    if rows.is_empty() {
        return None;
    }
    let all = rows.len();
    rows.sort_by(|a, b| width(b).total_cmp(&width(a)));
    rows.truncate(TOP_INPUTS);
    let unit = unit_of(o);
    let h = |v: f64| minus(chart_human(v, unit));
    let bars: Vec<SwingBar> = rows
        .iter()
        .map(|r| {
            let u = input_unit(s, &r.input);
            SwingBar {
                input: r.input.clone(),
                label: r.input_label.clone(),
                range_label: format!(
                    "P5–P95 {} to {}",
                    minus(chart_human(r.input_p5, u)),
                    minus(chart_human(r.input_p95, u))
                ),
                low: r.output_at_p5,
                high: r.output_at_p95,
                low_label: h(r.output_at_p5),
                high_label: h(r.output_at_p95),
            }
        })
        .collect();
    let points: Vec<f64> = std::iter::once(base)
        .chain(bars.iter().flat_map(|b| [b.low, b.high]))
        .collect();
    let x = axis_over(&points, unit, max_ticks(opts.width));
    Some(SwingChart {
        file: crate::report::charts::chart_file("swing", &o.output),
        output: o.output.clone(),
        title: format!("{}: swing of its P50, input by input", title_of(o)),
        subtitle: format!(
            "Swing of {}: its P50 with one input held at its own P5, then its P95, the others varying{}{}",
            o.output,
            cut_note(bars.len(), all),
            unchanged_note(still)
        ),
        x_label: axis_label(&format!("P50 of {}", title_of(o)), &o.unit, x.scale),
        x,
        base,
        // The swing runs' own baseline (the table's P50 is over the whole run, so the two
        // differ a little): named as such, so no number on the chart contradicts a file.
        base_label: format!(
            "P50 {} with every input varying ({} swing samples)",
            h(base),
            crate::report::format::count(crate::analysis::run::SWING_SAMPLES)
        ),
        bars,
        footer: footer(s),
    })
}

/// "; 3 inputs that leave it unchanged not shown".
fn unchanged_note(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 input that leaves it unchanged not shown".into(),
        n => format!("; {n} inputs that leave it unchanged not shown"),
    }
}

/// A true minus sign in a formatted number.
fn minus(s: String) -> String {
    s.replacen('-', "−", 1)
}

/// An input's unit, when the Summary knows it (the input is an output, or carries a claim).
fn input_unit<'a>(s: &'a Summary, input: &str) -> Option<&'a str> {
    let from_outputs = s
        .outputs
        .iter()
        .find(|o| o.output == input)
        .map(|o| &o.unit);
    let from_claims = s.claims.iter().find(|c| c.param == input).map(|c| &c.unit);
    [from_outputs, from_claims]
        .into_iter()
        .flatten()
        .find(|u| !u.is_empty())
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::analysis_charts::TOP_INPUTS;
    use crate::report::analysis_charts::summary_with;
    use crate::report::charts::ChartOptions;

    fn sensitivity(output: &str, rhos: &[f64]) -> Vec<SensitivityRow> {
        let total: f64 = rhos.iter().map(|r| r * r).sum();
        rhos.iter()
            .enumerate()
            .map(|(k, &r)| SensitivityRow {
                output: output.into(),
                input: format!("x{k}"),
                input_label: format!("Input {k}"),
                spearman: r,
                contribution: 100.0 * r * r / total,
            })
            .collect()
    }

    fn swing(output: &str, ends: &[(f64, f64)]) -> Vec<SwingRow> {
        ends.iter()
            .enumerate()
            .map(|(k, &(lo, hi))| SwingRow {
                output: output.into(),
                input: format!("x{k}"),
                input_label: format!("Input {k}"),
                input_p5: k as f64,
                input_p95: k as f64 + 10.0,
                output_at_p5: lo,
                output_at_p95: hi,
                base_p50: 100.0,
            })
            .collect()
    }

    #[test]
    fn tornado_bars_are_the_summarys_rows_largest_first_cut_at_the_top() {
        let rhos: Vec<f64> = (0..20).map(|k| (k as f64 - 9.5) / 11.0).collect();
        let mut s = summary_with(&[("cost", "USD"), ("flat", "")]);
        s.sensitivity = sensitivity("cost", &rhos);
        let charts = tornado_charts(&s, &ChartOptions::default());
        assert_eq!(charts.len(), 1, "no rows for `flat`, no chart");
        let c = &charts[0];
        assert_eq!(c.file, "tornado_cost.png");
        assert_eq!(c.bars.len(), TOP_INPUTS);
        assert!(c.subtitle.contains("top 15 of 20 inputs"), "{}", c.subtitle);
        assert!(
            c.bars
                .windows(2)
                .all(|w| w[0].spearman.abs() >= w[1].spearman.abs())
        );
        let smallest_kept = c.bars.last().unwrap().spearman.abs();
        for r in &s.sensitivity {
            let bar = c.bars.iter().find(|b| b.input == r.input);
            match bar {
                Some(b) => {
                    assert_eq!((b.spearman, b.contribution), (r.spearman, r.contribution));
                    assert_eq!(b.label, r.input_label);
                }
                None => assert!(r.spearman.abs() <= smallest_kept),
            }
            assert!(c.x.contains(r.spearman) || bar.is_none());
        }
        assert!(c.x.contains(0.0));
        let first = &c.bars[0];
        assert_eq!(
            first.value_label,
            format!(
                "{} · {}",
                signed(first.spearman, 2),
                share(first.contribution)
            )
        );
    }

    #[test]
    fn a_constant_output_has_no_tornado() {
        let mut s = summary_with(&[("cost", "USD")]);
        s.sensitivity = sensitivity("cost", &[0.0]);
        assert_eq!(tornado_charts(&s, &ChartOptions::default()).len(), 1);
        (s.outputs[0].min, s.outputs[0].max) = (3.0, 3.0);
        assert!(tornado_charts(&s, &ChartOptions::default()).is_empty());
    }

    #[test]
    fn positive_only_tornados_start_at_zero() {
        let mut s = summary_with(&[("cost", "USD")]);
        s.sensitivity = sensitivity("cost", &[0.9, 0.3, f64::NAN]);
        let c = &tornado_charts(&s, &ChartOptions::default())[0];
        assert_eq!(c.bars.len(), 2, "a NaN ρ is left out");
        assert_eq!(c.x.lo, 0.0);
        assert!(c.x.contains(0.9));
    }

    #[test]
    fn swing_bars_are_the_summarys_ends_widest_first() {
        let ends: Vec<(f64, f64)> = (0..18)
            .map(|k| (100.0 - k as f64, 100.0 + 2.0 * k as f64))
            .chain([(150.0, 40.0), (f64::NAN, 1.0)])
            .collect();
        let mut s = summary_with(&[("cost", "USD")]);
        s.swing = swing("cost", &ends);
        let c = &swing_charts(&s, &ChartOptions::default())[0];
        assert_eq!(c.file, "swing_cost.png");
        assert_eq!(c.bars.len(), TOP_INPUTS);
        assert_eq!(c.base, 100.0);
        assert!(
            c.subtitle
                .contains("top 15 of 18 inputs; 1 input that leaves it unchanged"),
            "{}",
            c.subtitle
        );
        let w = |b: &SwingBar| (b.high - b.low).abs();
        assert!(c.bars.windows(2).all(|p| w(&p[0]) >= w(&p[1])));
        // The reversed swing (high input, lower output) is the widest.
        assert_eq!((c.bars[0].low, c.bars[0].high), (150.0, 40.0));
        for b in &c.bars {
            let r = s.swing.iter().find(|r| r.input == b.input).unwrap();
            assert_eq!((b.low, b.high), (r.output_at_p5, r.output_at_p95));
            assert!(c.x.contains(b.low) && c.x.contains(b.high));
            assert_eq!(b.low_label, chart_human(b.low, Some("USD")));
            assert_eq!(b.high_label, chart_human(b.high, Some("USD")));
        }
        assert!(c.x.contains(c.base));
        assert_eq!(
            c.base_label,
            "P50 $100 with every input varying (20,000 swing samples)"
        );
    }

    #[test]
    fn swing_ranges_use_the_inputs_unit_when_known() {
        let mut s = summary_with(&[("cost", "USD"), ("x0", "USD/GPU-hour")]);
        s.swing = swing("cost", &[(90.0, 120.0), (95.0, 101.0), (-4.0, -4.0)]);
        let c = &swing_charts(&s, &ChartOptions::default())[0];
        let x0 = c.bars.iter().find(|b| b.input == "x0").unwrap();
        assert_eq!(x0.range_label, "P5–P95 $0 to $10");
        let x1 = c.bars.iter().find(|b| b.input == "x1").unwrap();
        assert_eq!(x1.range_label, "P5–P95 1 to 11");
        assert!(c.bars.iter().all(|b| b.input != "x2"), "no swing, no bar");
        assert!(
            c.subtitle
                .ends_with("; 1 input that leaves it unchanged not shown")
        );
        let mut flat = summary_with(&[("cost", "USD")]);
        flat.swing = swing("cost", &[(3.0, 3.0)]);
        assert!(swing_charts(&flat, &ChartOptions::default()).is_empty());
        assert!(
            swing_charts(&summary_with(&[("cost", "USD")]), &ChartOptions::default()).is_empty()
        );
    }
}
