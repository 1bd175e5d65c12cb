//! compare_hist_<output>.png: the models' histograms of one output overlaid on shared
//! bins — translucent fills with an outline in each model's colour — and the claims.

use super::axes::{self, Frame};
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, frame, marks};
use crate::report::analysis_charts::{CompareHistChart, HistSeries};
use plotters::prelude::*;

pub fn draw(area: &Area, c: &CompareHistChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let mut items: Vec<(Swatch, String)> = c
        .series
        .iter()
        .map(|s| {
            let color = style::series_color(s.series);
            (Swatch::Boxed(color.mix(0.3), color), s.legend.clone())
        })
        .collect();
    if !c.claims.is_empty() {
        items.push((
            Swatch::Line(palette::VERMILLION, l.stroke(3.0)),
            "claim".into(),
        ));
    }
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let axes = (&c.x, c.y_ticks.as_slice());
    let (band_top, f) = frame::under_claims(&l, legend_end, c.claims.len(), axes, c.y_max)?;
    axes::x_grid(area, &f)?;
    axes::y_grid(area, &f, &c.y_ticks)?;
    for s in &c.series {
        fill(area, &f, s)?;
    }
    // Earlier outlines drawn wider, so identical histograms all stay visible.
    let n = c.series.len();
    for (i, s) in c.series.iter().enumerate() {
        outline(area, &f, s, l.stroke(2.5 + 2.0 * (n - 1 - i) as f64))?;
    }
    marks::claims(area, &l, &f, &c.claims, band_top)?;
    axes::y_axis(area, &l, &f, &c.y_ticks, &c.y_label)?;
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, c.note.as_deref())
}

fn fill(area: &Area, f: &Frame, s: &HistSeries) -> Result<(), PlotError> {
    let color = style::series_color(s.series).mix(0.3);
    for b in s.bars.iter().filter(|b| b.share > 0.0) {
        let (x0, x1) = (f.px(b.lo), f.px(b.hi));
        style::rect(
            area,
            (x0, f.py(b.share)),
            (x1.max(x0 + 1), f.bottom),
            color,
            true,
        )?;
    }
    Ok(())
}

/// The histogram's outline as one stepped line, from the baseline and back to it.
fn outline(area: &Area, f: &Frame, s: &HistSeries, width: u32) -> Result<(), PlotError> {
    let mut path = Vec::with_capacity(2 * s.bars.len() + 2);
    if let Some(b) = s.bars.first() {
        path.push((f.px(b.lo), f.bottom));
    }
    for b in &s.bars {
        let y = f.py(b.share);
        path.extend([(f.px(b.lo), y), (f.px(b.hi), y)]);
    }
    if let Some(b) = s.bars.last() {
        path.push((f.px(b.hi), f.bottom));
    }
    let color = style::series_color(s.series).to_rgba();
    style::line(area, path, color, width)
}
