//! hist_<output>.png: the histogram with its percentile ranges, P50, mean and claims.

use super::axes;
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, frame, marks};
use crate::report::charts::HistogramChart;
use plotters::prelude::*;

pub fn draw(area: &Area, c: &HistogramChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let bars = palette::BLUE.mix(0.85);
    let items = marks::legend_items(
        &l,
        (Swatch::Fill(bars), "share of samples per bin".into()),
        &c.legend,
        !c.claims.is_empty(),
    );
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let axes = (&c.x, c.y_ticks.as_slice());
    let (band_top, f) = frame::under_claims(&l, legend_end, c.claims.len(), axes, c.y_max)?;
    axes::x_grid(area, &f)?;
    axes::y_grid(area, &f, &c.y_ticks)?;
    marks::shade_ranges(area, &f, &c.pct)?;
    for b in &c.bars {
        if b.share <= 0.0 {
            continue;
        }
        let (x0, x1) = (f.px(b.lo), f.px(b.hi));
        let gap = i32::from(x1 - x0 >= 5);
        let x1 = (x1 - gap).max(x0 + 1);
        style::rect(area, (x0, f.py(b.share)), (x1, f.bottom), bars, true)?;
    }
    marks::centre_lines(area, &l, &f, c.pct.p50, c.mean)?;
    marks::claims(area, &l, &f, &c.claims, band_top)?;
    axes::y_axis(area, &l, &f, &c.y_ticks, &c.y_label)?;
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, c.note.as_deref())
}
