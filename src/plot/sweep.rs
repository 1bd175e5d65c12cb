//! sweep_<output>.png: a fan chart over the swept param — P5–P95 and P25–P75 bands
//! and the P50 line through the steps (each step a dot), claims as dashed lines.

use super::axes::{self, Frame};
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, frame, marks};
use crate::report::analysis_charts::{Level, SweepChart};
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
    // Claim labels stay off the data: each is a row above the frame, tied to its line
    // by the value written at the line's right end, in a gutter right of the frame.
    let size = l.label();
    let mut gutter = 0;
    for claim in &c.claims {
        gutter = gutter.max(style::text_width(&claim.tag, size, true)? + l.px(14.0));
    }
    let band_top = legend_end + l.px(16.0);
    let rows = marks::claim_row(&l) * c.claims.len() as i32;
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
        top: band_top + rows + l.px(if c.claims.is_empty() { 8.0 } else { 14.0 }),
        right: l.w - l.margin() - gutter,
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
    // Claims under the P50 line and its dots; their labels above the frame (a label
    // box inside it hid the bands and a dot at 24k).
    let ys: Vec<i32> = c.claims.iter().map(|k| py(k.value)).collect();
    levels(area, &l, &f, band_top, &c.claims, &ys)?;
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

/// Claims: each a dashed vermillion line across the frame, its value written past
/// the frame's right end (nudged apart when two lines are close), and its label a
/// row of the band from `band_top` above the frame, the highest line's first.
fn levels(
    area: &Area,
    l: &Layout,
    f: &Frame,
    band_top: i32,
    claims: &[Level],
    ys: &[i32],
) -> Result<(), PlotError> {
    let color = palette::VERMILLION;
    let size = l.label();
    for &y in ys {
        style::dashed(
            area,
            (f.left, y),
            (f.right + l.px(6.0), y),
            color.to_rgba(),
            l.stroke(3.0),
            l.px(12.0),
        )?;
    }
    for (row, k) in order_by_height(ys).into_iter().enumerate() {
        let baseline = band_top + marks::claim_row(l) * (row as i32 + 1) - l.px(6.0);
        let text = style::fit(&claims[k].label, f.right - f.left, size, true)?;
        style::text(
            area,
            &text,
            (f.right, baseline),
            size,
            color,
            HPos::Right,
            true,
        )?;
    }
    for (k, y) in tag_rows(ys, (size * 1.1) as i32) {
        let baseline = y + (size * 0.35) as i32;
        let at = (f.right + l.px(10.0), baseline);
        style::text(area, &claims[k].tag, at, size, color, HPos::Left, true)?;
    }
    Ok(())
}

/// The claims' indices, highest line (smallest pixel row) first.
fn order_by_height(ys: &[i32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ys.len()).collect();
    order.sort_by_key(|&k| (ys[k], k));
    order
}

/// Each claim's tag row: its line's, pushed down until it is `gap` below the tag
/// above it, so two close lines' values do not print over each other.
fn tag_rows(ys: &[i32], gap: i32) -> Vec<(usize, i32)> {
    let mut last: Option<i32> = None;
    order_by_height(ys)
        .into_iter()
        .map(|k| {
            let y = last.map_or(ys[k], |prev| ys[k].max(prev + gap));
            last = Some(y);
            (k, y)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_tags_keep_apart_and_labels_go_top_down() {
        // Lines at rows 500, 505 and 200: labels 200, 500, 505; tags 20 px apart.
        assert_eq!(order_by_height(&[500, 505, 200]), [2, 0, 1]);
        assert_eq!(
            tag_rows(&[500, 505, 200], 20),
            [(2, 200), (0, 500), (1, 520)]
        );
    }
}
