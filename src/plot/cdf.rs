//! cdf_<output>.png: the CDF (or exceedance curve) with its percentile ranges, P50,
//! mean and claims, each claim's P(below) (or P(above)) read off at the y axis.

use super::axes::{self, Frame};
use super::style::{self, Area, Layout, Swatch, palette};
use super::{PlotError, frame, marks};
use crate::report::charts::CdfChart;
use crate::report::format::probability;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

pub fn draw(area: &Area, c: &CdfChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let curve = if c.exceedance {
        "P(value > x)"
    } else {
        "P(value ≤ x)"
    };
    let items = marks::legend_items(
        &l,
        (Swatch::Line(palette::BLUE, l.stroke(4.0)), curve.into()),
        &c.legend,
        !c.claims.is_empty(),
    );
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let axes = (&c.x, c.y_ticks.as_slice());
    let (band_top, f) = frame::under_claims(&l, legend_end, c.claims.len(), axes, 1.0)?;
    axes::x_grid(area, &f)?;
    axes::y_grid(area, &f, &c.y_ticks)?;
    marks::shade_ranges(area, &f, &c.pct)?;
    marks::centre_lines(area, &l, &f, c.pct.p50, c.mean)?;
    let path: Vec<(i32, i32)> = c.points.iter().map(|&(x, p)| (f.px(x), f.py(p))).collect();
    style::line(area, path, palette::BLUE.to_rgba(), l.stroke(4.0))?;
    marks::claims(area, &l, &f, &c.claims, band_top)?;
    // A claim off the axis has no point on the curve to read off (its label says
    // where it is).
    for claim in c.claims.iter().filter(|k| f.x.contains(k.value)) {
        let (p, word) = if c.exceedance {
            (claim.p_above, "above")
        } else {
            (claim.p_below, "below")
        };
        read_off(
            area,
            &l,
            &f,
            claim.value,
            p,
            &format!("{} {word}", probability(p)),
        )?;
    }
    axes::y_axis(area, &l, &f, &c.y_ticks, &c.y_label)?;
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}

/// A dot where the claim meets the curve, a dashed guide to the y axis, and the
/// share written on the guide.
fn read_off(
    area: &Area,
    l: &Layout,
    f: &Frame,
    value: f64,
    p: f64,
    text: &str,
) -> Result<(), PlotError> {
    let (x, y) = (f.px(value), f.py(p));
    let color = palette::VERMILLION;
    style::dashed(
        area,
        (f.left, y),
        (x, y),
        color.to_rgba(),
        l.stroke(2.0),
        l.px(9.0),
    )?;
    area.draw(&Circle::new((x, y), l.px(7.0), color.filled()))?;
    let size = l.label();
    let baseline = frame::label_baseline(l, f, y, size, l.px(6.0));
    style::boxed_text(
        area,
        text,
        (f.left + l.px(12.0), baseline),
        size,
        color,
        HPos::Left,
        true,
    )
}
