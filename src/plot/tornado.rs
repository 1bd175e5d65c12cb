//! tornado_<output>.png: one bar per input from 0 to its Spearman ρ with the output,
//! blue where the output rises with the input and vermillion where it falls, ρ and
//! its share of Σρ² at the bar's end.

use super::PlotError;
use super::axes::{self, Frame};
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::analysis_charts::TornadoChart;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const RISES: RGBColor = palette::BLUE;
const FALLS: RGBColor = palette::VERMILLION;

pub fn draw(area: &Area, c: &TornadoChart) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    let l = Layout::new(w, h);
    let below_heading = style::heading(area, &l, &c.title, &c.subtitle)?;
    let items = [
        (
            Swatch::Fill(RISES.to_rgba()),
            "ρ > 0: rises with the input".into(),
        ),
        (
            Swatch::Fill(FALLS.to_rgba()),
            "ρ < 0: falls as the input rises".into(),
        ),
    ];
    let legend_end = style::legend(
        area,
        &l,
        &items,
        (l.margin(), below_heading + (l.label() * 1.5) as i32),
    )?;
    let top = legend_end + l.px(24.0);
    let bottom = l.h - l.px(44.0) - axes::x_axis_height(&l);
    let row_h = f64::from(bottom - top) / c.bars.len().max(1) as f64;
    let size = l.label().min(row_h * 0.5).max(9.0);
    let label_w =
        style::widest(c.bars.iter().map(|b| b.label.as_str()), size, false)?.min(l.w * 30 / 100);
    let gap = l.px(10.0);
    let labels_right = l.margin() + label_w;
    // The frame leaves room beside each bar's end for its value label.
    let mut texts = Vec::with_capacity(c.bars.len());
    for b in &c.bars {
        let w = style::text_width(&b.value_label, size, false)? + gap;
        texts.push((c.x.fraction(b.spearman), w, b.spearman < 0.0));
    }
    let (left, right) = style::span_for_labels(labels_right + l.px(18.0), l.w - l.margin(), &texts);
    let f = Frame {
        left,
        top,
        right,
        bottom,
        x: &c.x,
        y0: 0.0,
        y1: 1.0,
    };
    style::stripes(area, &l, top, row_h, c.bars.len())?;
    axes::x_grid(area, &f)?;
    let zero = f.px(0.0);
    style::line(
        area,
        vec![(zero, f.top), (zero, f.bottom)],
        palette::AXIS.to_rgba(),
        l.stroke(2.0),
    )?;
    let half = ((row_h * 0.3) as i32).clamp(1, l.px(24.0));
    for (i, b) in c.bars.iter().enumerate() {
        let yc = top + (row_h * (i as f64 + 0.5)) as i32;
        let baseline = yc + (size * 0.36) as i32;
        let label = style::fit(&b.label, label_w, size, false)?;
        style::text(
            area,
            &label,
            (labels_right, baseline),
            size,
            palette::TEXT,
            HPos::Right,
            false,
        )?;
        let x = f.px(b.spearman);
        let (color, at, end) = if b.spearman < 0.0 {
            (FALLS, x - gap, HPos::Right)
        } else {
            (RISES, x + gap, HPos::Left)
        };
        style::rect(
            area,
            (zero, yc - half),
            (x, yc + half),
            color.to_rgba(),
            true,
        )?;
        style::text(
            area,
            &b.value_label,
            (at, baseline),
            size,
            palette::TEXT,
            end,
            false,
        )?;
    }
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}
