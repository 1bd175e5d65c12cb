//! tornado_<output>.png: one bar per input from 0 to its Spearman ρ with the output,
//! blue where the output rises with the input and vermillion where it falls, ρ and
//! its share of Σρ² at the bar's end.

use super::frame::{self, LabelColumn, Rows};
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, axes};
use crate::report::analysis_charts::TornadoChart;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const RISES: RGBColor = palette::BLUE;
const FALLS: RGBColor = palette::VERMILLION;

pub fn draw(area: &Area, c: &TornadoChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
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
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let rows = Rows::new(&l, legend_end, c.bars.len());
    let size = l.label().min(rows.h * 0.5).max(9.0);
    let col = LabelColumn::new(&l, c.bars.iter().map(|b| b.label.as_str()), size, 30)?;
    let gap = l.px(10.0);
    // The frame leaves room beside each bar's end for its value label.
    let mut texts = Vec::with_capacity(c.bars.len());
    for b in &c.bars {
        let w = style::text_width(&b.value_label, size, false)? + gap;
        texts.push((c.x.fraction(b.spearman), w, b.spearman < 0.0));
    }
    let f = rows.frame(&c.x, col.span(&l, &texts));
    rows.background(area, &l, &f)?;
    let zero = frame::zero_line(area, &l, &f)?;
    let half = ((rows.h * 0.3) as i32).clamp(1, l.px(24.0));
    for (i, b) in c.bars.iter().enumerate() {
        let yc = rows.centre(i);
        let baseline = frame::centred_baseline(yc, size);
        col.label(area, &b.label, baseline, size, palette::TEXT)?;
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
