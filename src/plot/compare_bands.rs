//! compare_bands.png: the bands chart of a comparison — per output a group of rows,
//! one per model in the model's colour: P1–P99 as a line, P5–P95 as a light bar,
//! P25–P75 as a box, a black tick at P50, and each claim as a diamond with the
//! model's rank; the output's label and its claims' names head the group on the left.

use super::PlotError;
use super::axes::{self, Frame};
use super::bands::{Glyph, percentile_marks};
use super::frame::{self, LabelColumn, Rows};
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::analysis_charts::{BandGroup, CompareBandRow, CompareBandsChart};
use crate::report::charts::ClaimMark;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

/// The canvas height for `c` at the `asked` size: rows tall enough for text of at
/// least [`Layout::row_text_floor`], and each group for its label and claims' names;
/// at most ~90 base pixels a row.
pub fn height(c: &CompareBandsChart, asked: (u32, u32)) -> u32 {
    let t = Layout::new(asked.0, asked.1).row_text_floor();
    let rows: usize = c.groups.iter().map(|g| g.rows.len()).sum();
    let for_labels = c
        .groups
        .iter()
        .map(|g| (1.0 + g.claims.len() as f64) * 1.25 * t / g.rows.len().max(1) as f64)
        .fold(0.0, f64::max);
    frame::rows_height(asked, rows, (1.8 * t).max(for_labels), 90.0)
}

/// Draws `c` on a canvas of [`height`], with the text sizes of the `asked` one.
pub fn draw(area: &Area, c: &CompareBandsChart, asked: (u32, u32)) -> Result<(), PlotError> {
    let l = Layout::sized_as(area, asked);
    let with_claims = c.groups.iter().any(|g| !g.claims.is_empty());
    let mut items: Vec<(Swatch, String)> = c
        .models
        .iter()
        .map(|(k, name)| {
            (
                Swatch::Fill(style::series_color(*k).to_rgba()),
                name.clone(),
            )
        })
        .collect();
    items.push((Swatch::Line(palette::BLACK, l.stroke(4.0)), "P50".into()));
    if with_claims {
        items.push((Swatch::Diamond(palette::VERMILLION), "claim (rank)".into()));
    }
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let rows = Rows::new(&l, legend_end, c.groups.iter().map(|g| g.rows.len()).sum());
    let (top, row_h) = (rows.top, rows.h);
    let sizes = Sizes {
        label: l.label().min(row_h * 0.62).max(l.row_text_floor()),
        row: l.label().min(row_h * 0.55).max(l.row_text_floor()),
        mark_h: row_h.min(f64::from(l.px(90.0))),
        label_w: 0,
    };
    let names = c
        .groups
        .iter()
        .flat_map(|g| std::iter::once(&g.label).chain(&g.claims));
    let label_w = style::widest(names.map(String::as_str), sizes.label, true)?.min(l.w * 28 / 100);
    let all_rows = c.groups.iter().flat_map(|g| &g.rows);
    let median_w = style::widest(all_rows.map(|r| r.median_label.as_str()), sizes.row, false)?;
    let f = rows.frame(
        &c.x,
        LabelColumn::of_width(&l, label_w).between(&l, median_w),
    );
    let sizes = Sizes { label_w, ..sizes };
    let mut y = f64::from(top);
    let spans: Vec<(f64, f64)> = c
        .groups
        .iter()
        .map(|g| {
            let span = (y, y + row_h * g.rows.len() as f64);
            y = span.1;
            span
        })
        .collect();
    for &(y0, y1) in spans.iter().step_by(2) {
        let (a, b) = ((l.margin(), y0 as i32), (l.w - l.margin(), y1 as i32));
        style::rect(area, a, b, palette::STRIPE.to_rgba(), true)?;
    }
    axes::x_grid(area, &f)?;
    for (g, &(y0, y1)) in c.groups.iter().zip(&spans) {
        group_label(area, &l, g, (y0 + y1) / 2.0, &sizes)?;
        for (i, r) in g.rows.iter().enumerate() {
            let yc = (y0 + row_h * (i as f64 + 0.5)) as i32;
            row(area, &l, &f, r, yc, &sizes)?;
        }
    }
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}

/// Text sizes, the height marks scale with and the width of the label column.
#[derive(Clone, Copy)]
struct Sizes {
    label: f64,
    row: f64,
    mark_h: f64,
    label_w: i32,
}

/// The output's label (bold) over its claims' names (vermillion), right-aligned in
/// the label column and centred on the group.
fn group_label(
    area: &Area,
    l: &Layout,
    g: &BandGroup,
    yc: f64,
    s: &Sizes,
) -> Result<(), PlotError> {
    let claim_size = (s.label * 0.85).max(9.0);
    let height = s.label * 1.2 + claim_size * 1.2 * g.claims.len() as f64;
    let right = l.margin() + s.label_w;
    let mut baseline = yc - height / 2.0 + s.label * 0.95;
    let label = style::fit(&g.label, s.label_w, s.label, true)?;
    style::text(
        area,
        &label,
        (right, baseline as i32),
        s.label,
        palette::TEXT,
        HPos::Right,
        true,
    )?;
    for claim in &g.claims {
        baseline += claim_size * 1.2;
        let text = style::fit(&format!("◆ {claim}"), s.label_w, claim_size, false)?;
        let at = (right, baseline as i32);
        style::text(
            area,
            &text,
            at,
            claim_size,
            palette::VERMILLION,
            HPos::Right,
            false,
        )?;
    }
    Ok(())
}

fn row(
    area: &Area,
    l: &Layout,
    f: &Frame,
    r: &CompareBandRow,
    yc: i32,
    s: &Sizes,
) -> Result<(), PlotError> {
    let color = style::series_color(r.series);
    let baseline = frame::centred_baseline(yc, s.row);
    let at = (f.right + l.px(18.0), baseline);
    style::text(area, &r.median_label, at, s.row, color, HPos::Left, false)?;
    let glyph = Glyph {
        line: color.to_rgba(),
        bar: color.mix(0.45),
        boxed: color.to_rgba(),
        shares: [0.11, 0.24, 0.32],
    };
    percentile_marks(area, l, f, &r.pct, (yc, s.mark_h), &glyph)?;
    let half = |share: f64| ((s.mark_h * share) as i32).max(1);
    let claim_size = (s.row * 0.9).max(9.0);
    // Several claims on one row (two versions of one figure) label outwards: the
    // leftmost on its left, the others on their right; no label covers the P25–P75
    // box (one sat over deepseek_v3's), another label or another claim's diamond.
    let mut claims: Vec<&ClaimMark> = r.claims.iter().collect();
    claims.sort_by(|a, b| a.value.total_cmp(&b.value));
    let radius = half(0.17).max(l.px(6.0));
    let diamonds: Vec<i32> = claims.iter().map(|c| f.px(c.value)).collect();
    let room = Room {
        bounds: (f.left, f.right + l.px(12.0)),
        boxed: (f.px(r.pct.p25), f.px(r.pct.p75)),
        gap: l.px(6.0),
        radius,
    };
    let mut placed: Vec<(i32, i32)> = Vec::new();
    for (k, c) in claims.iter().enumerate() {
        let x = diamonds[k];
        // An outline: a narrow bar under it stays visible.
        style::hollow_diamond(area, (x, yc), radius, palette::VERMILLION, l.stroke(3.0))?;
        let w = style::text_width(&c.label, claim_size, true)?;
        let others: Vec<i32> = (0..diamonds.len())
            .filter(|&j| j != k)
            .map(|j| diamonds[j])
            .collect();
        let prefer_left = claims.len() > 1 && k == 0;
        let (x0, x1) = room.place(x, w, prefer_left, &others, &placed);
        placed.push((x0, x1));
        // A label pushed past the box is tied to its diamond by a thin guide.
        let near = if x1 <= x { x - radius } else { x + radius };
        let end = if x1 <= x {
            x1 + room.gap / 2
        } else {
            x0 - room.gap / 2
        };
        if (end - near).abs() > room.gap {
            style::line(
                area,
                vec![(near, yc), (end, yc)],
                palette::VERMILLION.to_rgba(),
                l.stroke(1.5),
            )?;
        }
        let baseline = frame::centred_baseline(yc, claim_size);
        let at = (x0, baseline);
        style::boxed_text(
            area,
            &c.label,
            at,
            claim_size,
            palette::VERMILLION,
            HPos::Left,
            true,
        )?;
    }
    Ok(())
}

/// Where a row's claim labels may go: within `bounds`, off the P25–P75 box `boxed`,
/// `gap` from what they avoid; diamonds have radius `radius` (all in pixels).
struct Room {
    bounds: (i32, i32),
    boxed: (i32, i32),
    gap: i32,
    radius: i32,
}

impl Room {
    /// The span of a label `w` wide for the diamond at `x`: beside it, on the
    /// preferred side, else the other; else pushed past the box on either side; each
    /// only where it stays in the bounds and off the box, the other diamonds (`others`)
    /// and the labels `placed`; failing all, beside the diamond as before.
    fn place(
        &self,
        x: i32,
        w: i32,
        prefer_left: bool,
        others: &[i32],
        placed: &[(i32, i32)],
    ) -> (i32, i32) {
        let (b0, b1) = self.boxed;
        let beside_right = x + self.radius + self.gap;
        let beside_left = x - self.radius - self.gap;
        let right = |x0: i32| (x0, x0 + w);
        let left = |x1: i32| (x1 - w, x1);
        let (near, far) = (
            [right(beside_right), left(beside_left)],
            [
                right(beside_right.max(b1 + self.gap)),
                left(beside_left.min(b0 - self.gap)),
            ],
        );
        let order = if prefer_left { [1, 0] } else { [0, 1] };
        let clear = |(x0, x1): (i32, i32)| {
            x0 >= self.bounds.0
                && x1 <= self.bounds.1
                && (x1 < b0 - self.gap / 2 || x0 > b1 + self.gap / 2)
                && others
                    .iter()
                    .all(|&d| d + self.radius < x0 || d - self.radius > x1)
                && placed.iter().all(|&(p0, p1)| p1 < x0 || p0 > x1)
        };
        let candidates = order
            .map(|k| near[k])
            .into_iter()
            .chain(order.map(|k| far[k]));
        if let Some(span) = candidates.into_iter().find(|&s| clear(s)) {
            return span;
        }
        if beside_right + w <= self.bounds.1 {
            right(beside_right)
        } else {
            left(beside_left)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> Room {
        Room {
            bounds: (400, 1500),
            boxed: (1000, 1200),
            gap: 6,
            radius: 8,
        }
    }

    #[test]
    fn a_rank_label_stays_off_the_box() {
        let off = |(x0, x1): (i32, i32)| x1 < 1000 || x0 > 1200;
        // deepseek_v3's fleet capex: $1.3B (P63) inside the box, $1.6B just past it.
        // "P63" sat left of its diamond, over the box.
        let p63 = room().place(1150, 40, true, &[1240], &[]);
        assert!(off(p63), "{p63:?}");
        let p90 = room().place(1240, 40, false, &[1150], &[p63]);
        assert!(off(p90), "{p90:?}");
        assert!(p63.1 < p90.0 || p90.1 < p63.0, "{p63:?} {p90:?}");
        // A lone claim inside the box: its label just past the box on the right.
        let lone = room().place(1100, 40, false, &[], &[]);
        assert_eq!(lone, (1206, 1246));
        // Outside the box nothing moves.
        assert_eq!(room().place(600, 40, false, &[], &[]), (614, 654));
    }
}
