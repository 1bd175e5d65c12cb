//! compare_cdf_<output>.png: the models' CDFs (or exceedance curves) of one output on
//! a shared axis; at each claim, a dot where each model's curve meets it, with its
//! P(below) (or P(above)).

use super::axes::{self, Frame};
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, frame, marks};
use crate::report::analysis_charts::{CompareCdfChart, CompareClaim};
use crate::report::charts::ClaimMark;
use plotters::prelude::*;

pub fn draw(area: &Area, c: &CompareCdfChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let mut items: Vec<(Swatch, String)> = c
        .series
        .iter()
        .map(|s| {
            let color = style::series_color(s.series);
            (Swatch::Line(color, l.stroke(4.0)), s.legend.clone())
        })
        .collect();
    if !c.claims.is_empty() {
        let what = if c.exceedance { "P(above)" } else { "P(below)" };
        items.push((
            Swatch::Line(palette::VERMILLION, l.stroke(3.0)),
            format!("claim — each model's {what}"),
        ));
    }
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let axes = (&c.x, c.y_ticks.as_slice());
    let (band_top, f) = frame::under_claims(&l, legend_end, c.claims.len(), axes, 1.0)?;
    axes::x_grid(area, &f)?;
    axes::y_grid(area, &f, &c.y_ticks)?;
    let marks: Vec<ClaimMark> = c.claims.iter().map(|k| k.mark.clone()).collect();
    marks::claims(area, &l, &f, &marks, band_top)?;
    // Earlier curves drawn wider, so identical curves all stay visible.
    let n = c.series.len();
    for (i, s) in c.series.iter().enumerate() {
        let path: Vec<(i32, i32)> = s.points.iter().map(|&(x, p)| (f.px(x), f.py(p))).collect();
        let color = style::series_color(s.series).to_rgba();
        style::line(area, path, color, l.stroke(4.0 + 3.0 * (n - 1 - i) as f64))?;
    }
    // A claim off the axis meets no curve on the chart (its label gives the shares).
    for claim in c.claims.iter().filter(|k| f.x.contains(k.mark.value)) {
        meets(area, &l, &f, claim)?;
    }
    axes::y_axis(area, &l, &f, &c.y_ticks, &c.y_label)?;
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}

/// A dot where each model's curve meets the claim (the claim's label gives the shares).
fn meets(area: &Area, l: &Layout, f: &Frame, claim: &CompareClaim) -> Result<(), PlotError> {
    let x = f.px(claim.mark.value);
    for p in &claim.points {
        let y = f.py(p.p);
        area.draw(&Circle::new((x, y), l.px(9.0), WHITE.filled()))?;
        area.draw(&Circle::new(
            (x, y),
            l.px(7.0),
            style::series_color(p.series).filled(),
        ))?;
    }
    Ok(())
}
