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
        let w = style::text_width(&c.label, size, true)?;
        let (anchor, h, room) = label_place(x, w, (l.margin(), l.w - l.margin()), l.px(12.0));
        let label = fit_claim(&c.label, room, size)?;
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

/// Where a claim label `w` pixels wide goes on its row, for a line at `x` between the
/// margins `(lo, hi)`: right of the line (`gap` from it), else left of it, else —
/// too long for either side — across the row, centred on the line as far as the
/// margins allow (shortened by [`fit_claim`] only if even the row is too narrow).
/// Returns the anchor, its alignment and the room the label has.
fn label_place(x: i32, w: i32, (lo, hi): (i32, i32), gap: i32) -> (i32, HPos, i32) {
    let (room_right, room_left) = (hi - (x + gap), x - gap - lo);
    if w <= room_right {
        (x + gap, HPos::Left, room_right)
    } else if w <= room_left {
        (x - gap, HPos::Right, room_left)
    } else {
        let full = hi - lo;
        let w = w.min(full);
        ((x - w / 2).clamp(lo, hi - w), HPos::Left, full)
    }
}

/// A claim's label fitted into `room` pixels: the claim's name (before its value, " — "
/// and the ranks) is shortened first, so the numbers stay whole — a comparison's
/// label lost its last model's rank ("…, de…") at 800 pixels; the end is cut only
/// when even the numbers do not fit.
pub fn fit_claim(label: &str, room: i32, size: f64) -> Result<String, PlotError> {
    if style::text_width(label, size, true)? <= room {
        return Ok(label.into());
    }
    if let Some((head, tail)) = label.split_once(" — ")
        && let Some((name, value)) = head.rsplit_once(' ')
    {
        let rest = format!(" {value} — {tail}");
        let left = room - style::text_width(&rest, size, true)?;
        if left >= style::text_width("Sem…", size, true)? {
            return Ok(format!("{}{rest}", style::fit(name, left, size, true)?));
        }
        // No room for a word of the name: the value and the ranks alone.
        if left >= style::text_width("…", size, true)? {
            return Ok(format!("…{rest}"));
        }
    }
    style::fit(label, room, size, true)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_label_too_long_for_either_side_of_its_line_runs_across_its_row() {
        let m = (36, 764);
        // Fits right of the line, or else left of it.
        assert!(matches!(
            label_place(100, 300, m, 12),
            (112, HPos::Left, 652)
        ));
        assert!(matches!(
            label_place(700, 300, m, 12),
            (688, HPos::Right, 652)
        ));
        // 700 px at x = 520: neither side (232, 472); the row (728) holds it whole,
        // where it was cut to the 472 px left of the line (the last rank lost).
        let (at, h, room) = label_place(520, 700, m, 12);
        assert!(matches!(h, HPos::Left));
        assert!(at >= 36 && at + 700 <= 764, "{at}");
        assert!(room >= 700);
        // Wider than the row: from the margin, fitted to it.
        assert!(matches!(
            label_place(520, 900, m, 12),
            (36, HPos::Left, 728)
        ));
    }

    #[test]
    fn a_claim_label_too_long_loses_letters_of_its_name_not_its_numbers() {
        let label = "SemiAnalysis server capex $1.6B — deepseek_report P100, semianalysis P50, deepseek_v3 P97";
        let full = style::text_width(label, 16.0, true).unwrap();
        let tail = "… $1.6B — deepseek_report P100, semianalysis P50, deepseek_v3 P97";
        let fitted = fit_claim(label, full * 9 / 10, 16.0).unwrap();
        assert!(fitted.ends_with(tail), "{fitted}");
        assert!(fitted.starts_with("Semi"), "{fitted}");
        assert!(style::text_width(&fitted, 16.0, true).unwrap() <= full * 9 / 10);
        // Narrower: the name goes, the numbers stay.
        let fitted = fit_claim(label, full * 3 / 4, 16.0).unwrap();
        assert_eq!(fitted, tail);
        assert_eq!(fit_claim(label, full, 16.0).unwrap(), label);
        // Too narrow even for the numbers: the end is cut.
        let narrow = fit_claim(label, full / 4, 16.0).unwrap();
        assert!(narrow.ends_with('…'), "{narrow}");
    }
}
