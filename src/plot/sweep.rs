//! sweep_<output>.png: a fan chart over the swept param — P5–P95 and P25–P75 bands
//! and the P50 line through the steps (each step a dot), claims as dashed lines.

use super::axes::{self, Frame};
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, frame};
use crate::report::analysis_charts::SweepChart;
use crate::report::axis::Tick;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

fn outer() -> RGBAColor {
    palette::SKY_BLUE.mix(0.3)
}

fn inner() -> RGBAColor {
    palette::SKY_BLUE.mix(0.75)
}

pub fn draw(area: &Area, c: &SweepChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let mut items = vec![
        (Swatch::Fill(outer()), "P5–P95".into()),
        (Swatch::Fill(inner()), "P25–P75".into()),
        (
            Swatch::Line(palette::BLACK, l.stroke(3.0)),
            "P50 (dots: the swept values)".into(),
        ),
    ];
    if !c.claims.is_empty() {
        items.push((
            Swatch::Dashed(palette::VERMILLION, l.stroke(3.0)),
            "claim (rank)".into(),
        ));
    }
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    // The y axis in its own space (ln y on a log axis), so the frame maps it linearly.
    let scale = c.y.scale;
    let y_ticks: Vec<Tick> =
        c.y.ticks
            .iter()
            .map(|t| Tick {
                value: scale.to_axis(t.value),
                label: t.label.clone(),
            })
            .collect();
    let f = Frame {
        left: axes::y_axis_width(&l, &y_ticks)?,
        top: legend_end + l.px(24.0),
        right: l.w - l.margin(),
        bottom: frame::bottom(&l),
        x: &c.x,
        y0: scale.to_axis(c.y.lo),
        y1: scale.to_axis(c.y.hi),
    };
    let py = |v: f64| f.py(scale.to_axis(v));
    axes::x_grid(area, &f)?;
    for &v in &c.y.minor {
        let y = py(v);
        style::line(
            area,
            vec![(f.left, y), (f.right, y)],
            palette::GRID.mix(0.55),
            1,
        )?;
    }
    axes::y_grid(area, &f, &y_ticks)?;
    let xs: Vec<i32> = c.points.iter().map(|p| f.px(p.value)).collect();
    let band = |lo: &dyn Fn(usize) -> f64, hi: &dyn Fn(usize) -> f64, color: RGBAColor| {
        fill_between(area, &l, &xs, &|k| py(lo(k)), &|k| py(hi(k)), color)
    };
    band(&|k| c.points[k].pct.p5, &|k| c.points[k].pct.p95, outer())?;
    band(&|k| c.points[k].pct.p25, &|k| c.points[k].pct.p75, inner())?;
    let median: Vec<(i32, i32)> = c
        .points
        .iter()
        .zip(&xs)
        .map(|(p, &x)| (x, py(p.pct.p50)))
        .collect();
    // Claims under the P50 line and its dots, each label at the end where it covers
    // fewer dots (a label box hid the dot at 24k).
    for claim in &c.claims {
        level(area, &l, &f, py(claim.value), &claim.label, &median)?;
    }
    style::line(
        area,
        median.clone(),
        palette::BLACK.to_rgba(),
        l.stroke(3.0),
    )?;
    for &(x, y) in &median {
        area.draw(&Circle::new((x, y), l.px(7.0), WHITE.filled()))?;
        area.draw(&Circle::new((x, y), l.px(5.0), palette::BLACK.filled()))?;
    }
    axes::y_axis(area, &l, &f, &y_ticks, &c.y_label)?;
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}

/// The area between two lines through the columns `xs`; a narrow box at a single step.
fn fill_between(
    area: &Area,
    l: &Layout,
    xs: &[i32],
    lo: &dyn Fn(usize) -> i32,
    hi: &dyn Fn(usize) -> i32,
    color: RGBAColor,
) -> Result<(), PlotError> {
    if let [x] = xs {
        let half = l.px(14.0);
        return style::rect(area, (x - half, hi(0)), (x + half, lo(0)), color, true);
    }
    let mut outline: Vec<(i32, i32)> = xs.iter().enumerate().map(|(k, &x)| (x, hi(k))).collect();
    outline.extend(xs.iter().enumerate().rev().map(|(k, &x)| (x, lo(k))));
    area.draw(&Polygon::new(outline, color.filled()))?;
    Ok(())
}

/// A claim: a dashed vermillion line across the frame, labelled at its right end, or
/// at its left end when that box covers fewer of the `dots` (above the line, or below
/// it at the top of the frame).
fn level(
    area: &Area,
    l: &Layout,
    f: &Frame,
    y: i32,
    label: &str,
    dots: &[(i32, i32)],
) -> Result<(), PlotError> {
    let color = palette::VERMILLION;
    style::dashed(
        area,
        (f.left, y),
        (f.right, y),
        color.to_rgba(),
        l.stroke(3.0),
        l.px(12.0),
    )?;
    let size = l.label();
    let baseline = frame::label_baseline(l, f, y, size, l.px(8.0));
    let text = style::fit(label, f.right - f.left - l.px(24.0), size, true)?;
    let w = style::text_width(&text, size, true)?;
    let rows = (baseline - size as i32, baseline + (size * 0.3) as i32);
    let ends = (f.left + l.px(12.0), f.right - l.px(12.0));
    let (x, h) = label_end(dots, ends, w, rows, l.px(8.0));
    style::boxed_text(area, &text, (x, baseline), size, color, h, true)
}

/// Which end of a claim's line its label (`w` wide, over pixel rows `top..=bottom`)
/// goes to: the right one (anchored at `ends.1`), or the left one (at `ends.0`) when
/// its box covers fewer of the `dots` (each `reach` pixels around its centre).
fn label_end(
    dots: &[(i32, i32)],
    ends: (i32, i32),
    w: i32,
    (top, bottom): (i32, i32),
    reach: i32,
) -> (i32, HPos) {
    let covered = |x0: i32, x1: i32| {
        dots.iter()
            .filter(|&&(x, y)| {
                x + reach >= x0 && x - reach <= x1 && y + reach >= top && y - reach <= bottom
            })
            .count()
    };
    if covered(ends.0, ends.0 + w) < covered(ends.1 - w, ends.1) {
        (ends.0, HPos::Left)
    } else {
        (ends.1, HPos::Right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_label_goes_to_the_end_of_its_line_where_it_hides_no_dot() {
        // The label box spans 700 px at either end of 100..1500, over rows 480..510.
        let ends = (100, 1500);
        // A dot at 24k (x = 1180) in the right-hand box: the label goes left.
        let dots = [(200, 900), (600, 700), (1180, 500), (1500, 300)];
        assert!(matches!(
            label_end(&dots, ends, 700, (480, 510), 8),
            (100, HPos::Left)
        ));
        // No dot in either box: the right end, as before.
        let dots = [(200, 900), (1500, 300)];
        assert!(matches!(
            label_end(&dots, ends, 700, (480, 510), 8),
            (1500, HPos::Right)
        ));
    }
}
