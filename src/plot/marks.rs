//! Marks shared by the histogram and the CDF: the shaded P5–P95 and P25–P75 ranges,
//! the P50 and mean lines, the claim lines with their labels above the frame, and the
//! legend that explains them.

use super::PlotError;
use super::axes::Frame;
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::charts::{ClaimMark, Percentiles, RangeLegend};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

pub fn outer_range() -> RGBAColor {
    palette::SKY_BLUE.mix(0.16)
}

pub fn inner_range() -> RGBAColor {
    palette::SKY_BLUE.mix(0.38)
}

/// The height of one claim label row above the frame.
pub fn claim_row(l: &Layout) -> i32 {
    (l.label() * 1.55) as i32
}

/// P5–P95 and P25–P75 as bands over the frame's full height.
pub fn shade_ranges(area: &Area, f: &Frame, p: &Percentiles) -> Result<(), PlotError> {
    for (lo, hi, color) in [(p.p5, p.p95, outer_range()), (p.p25, p.p75, inner_range())] {
        if lo.is_finite() && hi.is_finite() {
            style::rect(area, (f.px(lo), f.top), (f.px(hi), f.bottom), color, true)?;
        }
    }
    Ok(())
}

/// P50 as a solid black line, the mean as a dashed purple one.
pub fn centre_lines(
    area: &Area,
    l: &Layout,
    f: &Frame,
    p50: f64,
    mean: f64,
) -> Result<(), PlotError> {
    let w = l.stroke(3.0);
    if p50.is_finite() {
        let x = f.px(p50);
        style::line(
            area,
            vec![(x, f.top), (x, f.bottom)],
            palette::BLACK.to_rgba(),
            w,
        )?;
    }
    // Dashed, on top: where the mean equals the median both stay visible.
    if mean.is_finite() {
        let x = f.px(mean);
        style::dashed(
            area,
            (x, f.top),
            (x, f.bottom),
            palette::PURPLE.to_rgba(),
            w,
            l.px(12.0),
        )?;
    }
    Ok(())
}

/// Each claim: a vermillion line from the frame's bottom up to its own label row
/// above the frame (`band_top` is the first row's top), labelled on whichever side of
/// the line has room.
pub fn claims(
    area: &Area,
    l: &Layout,
    f: &Frame,
    claims: &[ClaimMark],
    band_top: i32,
) -> Result<(), PlotError> {
    let size = l.label();
    let row = claim_row(l);
    for (i, c) in claims.iter().enumerate() {
        let baseline = band_top + row * (i as i32 + 1) - (row - size as i32) / 2;
        let mid = baseline - (size * 0.36) as i32;
        if !f.x.contains(c.value) {
            off_axis(area, l, f, c, (baseline, mid), size)?;
            continue;
        }
        let x = f.px(c.value);
        style::line(
            area,
            vec![(x, f.bottom), (x, mid)],
            palette::VERMILLION.to_rgba(),
            l.stroke(3.0),
        )?;
        style::rect(
            area,
            (x - l.px(5.0), mid - l.px(1.0)),
            (x + l.px(5.0), mid + l.px(1.0)),
            palette::VERMILLION.to_rgba(),
            true,
        )?;
        let gap = l.px(12.0);
        let room_right = l.w - l.margin() - (x + gap);
        let room_left = x - gap - l.margin();
        let w = style::text_width(&c.label, size, true)?;
        let (anchor, h, room) = if w <= room_right || room_right >= room_left {
            (x + gap, HPos::Left, room_right)
        } else {
            (x - gap, HPos::Right, room_left)
        };
        let label = style::fit(&c.label, room, size, true)?;
        style::boxed_text(
            area,
            &label,
            (anchor, baseline),
            size,
            palette::VERMILLION,
            h,
            true,
        )?;
    }
    Ok(())
}

/// A claim the axis leaves out (far from the distribution, it would crush it): an
/// arrowhead at the frame's edge on its side, pointing out, and its label (which
/// names its value) inside, "(off the axis) Far below $1k — P0 · 0% lower".
fn off_axis(
    area: &Area,
    l: &Layout,
    f: &Frame,
    c: &ClaimMark,
    (baseline, mid): (i32, i32),
    size: f64,
) -> Result<(), PlotError> {
    let below = c.value < f.x.lo || c.value.is_nan();
    let (tip, dir) = if below { (f.left, 1) } else { (f.right, -1) };
    let (len, half) = (l.px(16.0), l.px(9.0));
    let head = vec![
        (tip, mid),
        (tip + dir * len, mid - half),
        (tip + dir * len, mid + half),
    ];
    area.draw(&Polygon::new(head, palette::VERMILLION.filled()))?;
    let gap = l.px(8.0);
    let at = tip + dir * (len + gap);
    let (text, h, room) = if below {
        let text = format!("(off the axis) {}", c.label);
        (text, HPos::Left, l.w - l.margin() - at)
    } else {
        let text = format!("{} (off the axis)", c.label);
        (text, HPos::Right, at - l.margin())
    };
    let text = style::fit(&text, room, size, true)?;
    style::boxed_text(
        area,
        &text,
        (at, baseline),
        size,
        palette::VERMILLION,
        h,
        true,
    )
}

/// Legend entries for the marks of [`shade_ranges`], [`centre_lines`] and [`claims`],
/// after `first` (the series itself).
pub fn legend_items(
    l: &Layout,
    first: (Swatch, String),
    legend: &RangeLegend,
    has_claims: bool,
) -> Vec<(Swatch, String)> {
    let w = l.stroke(3.0);
    let mut items = vec![
        first,
        (Swatch::Fill(outer_range()), legend.p5_p95.clone()),
        (Swatch::Fill(inner_range()), legend.p25_p75.clone()),
        (Swatch::Line(palette::BLACK, w), legend.p50.clone()),
        (Swatch::Dashed(palette::PURPLE, w), legend.mean.clone()),
    ];
    if has_claims {
        items.push((Swatch::Line(palette::VERMILLION, w), "claim (rank)".into()));
    }
    items
}
