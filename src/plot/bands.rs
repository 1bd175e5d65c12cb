//! bands.png: the cost ladder — one row per output of a unit on a shared axis, with
//! P1–P99 as a thin line, P5–P95 as a bar, P25–P75 as a box, a tick at P50, and each
//! claim as a labelled diamond.

use super::PlotError;
use super::axes::{self, Frame};
use super::frame::{self, LabelColumn, Rows};
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::charts::{BandRow, BandsChart, Percentiles};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

/// The canvas height for `c` at the `asked` size: rows tall enough for text of at
/// least [`Layout::row_text_floor`] and the claim labels under them, at most ~140
/// base pixels each.
pub fn height(c: &BandsChart, asked: (u32, u32)) -> u32 {
    let t = Layout::new(asked.0, asked.1).row_text_floor();
    let claims = c.rows.iter().map(|r| r.claims.len()).max().unwrap_or(0);
    let min_row = if claims == 0 {
        t / TEXT_SHARE
    } else {
        t * (3.2 + 1.2 * claims as f64)
    };
    frame::rows_height(asked, c.rows.len(), min_row, 140.0)
}

/// The text's size as a share of the row's height, for rows without claim labels
/// under them (with them: a third).
const TEXT_SHARE: f64 = 0.45;

fn text_size(l: &Layout, row_h: f64, with_claims: bool) -> f64 {
    let share = if with_claims { 0.34 } else { TEXT_SHARE };
    l.label().min(row_h * share).max(l.row_text_floor())
}

/// Draws `c` on a canvas of [`height`], with the text sizes of the `asked` one.
pub fn draw(area: &Area, c: &BandsChart, asked: (u32, u32)) -> Result<(), PlotError> {
    let l = Layout::sized_as(area, asked);
    let with_claims = c.rows.iter().any(|r| !r.claims.is_empty());
    let items = legend(&l, with_claims);
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let rows = Rows::new(&l, legend_end, c.rows.len());
    let (top, row_h) = (rows.top, rows.h);
    let text_size = text_size(&l, row_h, with_claims);
    let col = LabelColumn::new(&l, c.rows.iter().map(|r| r.label.as_str()), text_size, 34)?;
    let medians = c.rows.iter().map(|r| r.median_label.as_str());
    let median_w = style::widest(medians, text_size, false)?;
    let f = rows.frame(&c.x, col.between(&l, median_w));
    rows.background(area, &l, &f)?;
    // Marks keep the size of a ~100-pixel row when there are only a few rows; with
    // claim labels under them, 60% of the row, and the marks and the labels centred
    // together in it (the second of two labels ran into the next row).
    let most = c.rows.iter().map(|r| r.claims.len()).max().unwrap_or(0);
    let share = if most > 0 { 0.6 } else { 1.0 };
    let mark_h = (row_h * share).min(f64::from(l.px(100.0)));
    let centre = if most > 0 {
        let claim_size = (text_size * 0.9).max(9.0);
        let half = mark_h * 0.26;
        let below = half + claim_size * (1.15 * most as f64 + 0.3);
        ((row_h - half - below) / 2.0).max(0.0) + half
    } else {
        0.5 * row_h
    };
    for (i, r) in c.rows.iter().enumerate() {
        let at = RowPlace {
            yc: top + (row_h * i as f64 + centre) as i32,
            mark_h,
            text_size,
            col,
        };
        row(area, &l, &f, r, &at)?;
    }
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}

fn legend(l: &Layout, with_claims: bool) -> Vec<(Swatch, String)> {
    let mut items = vec![
        (Swatch::Line(palette::BLUE, l.stroke(2.0)), "P1–P99".into()),
        (Swatch::Fill(palette::SKY_BLUE.to_rgba()), "P5–P95".into()),
        (
            Swatch::Boxed(palette::BLUE.to_rgba(), palette::BLACK),
            "P25–P75".into(),
        ),
        (Swatch::Line(palette::BLACK, l.stroke(4.0)), "P50".into()),
    ];
    if with_claims {
        items.push((Swatch::Diamond(palette::VERMILLION), "claim (rank)".into()));
    }
    items
}

/// Where a row goes: its centre line, the height its marks scale with, its text size
/// and the label column.
#[derive(Clone, Copy)]
struct RowPlace {
    yc: i32,
    mark_h: f64,
    text_size: f64,
    col: LabelColumn,
}

fn row(area: &Area, l: &Layout, f: &Frame, r: &BandRow, at: &RowPlace) -> Result<(), PlotError> {
    let RowPlace {
        yc,
        mark_h: row_h,
        text_size: size,
        col,
    } = *at;
    let baseline = frame::centred_baseline(yc, size);
    col.label(area, &r.label, baseline, size, palette::TEXT)?;
    style::text(
        area,
        &r.median_label,
        (f.right + l.px(18.0), baseline),
        size,
        palette::TEXT,
        HPos::Left,
        false,
    )?;
    let glyph = Glyph {
        line: palette::BLUE.to_rgba(),
        bar: palette::SKY_BLUE.to_rgba(),
        boxed: palette::BLUE.to_rgba(),
        shares: [0.09, 0.19, 0.26],
    };
    percentile_marks(area, l, f, &r.pct, (yc, row_h), &glyph)?;
    let half = |share: f64| ((row_h * share) as i32).max(1);
    let claim_size = (size * 0.9).max(9.0);
    for (k, c) in r.claims.iter().enumerate() {
        let x = f.px(c.value);
        style::diamond(
            area,
            (x, yc),
            half(0.17).max(l.px(6.0)),
            palette::VERMILLION,
        )?;
        let y = yc + half(0.26) + (claim_size * (1.0 + 1.15 * k as f64)) as i32;
        let w = style::text_width(&c.label, claim_size, true)?;
        let (anchor, h, room) = if x + w / 2 <= l.w - l.margin() && x - w / 2 >= f.left {
            (x, HPos::Center, w)
        } else if x - f.left > l.w - l.margin() - x {
            (x, HPos::Right, x - l.margin())
        } else {
            (x, HPos::Left, l.w - l.margin() - x)
        };
        let text = style::fit(&c.label, room, claim_size, true)?;
        style::text(
            area,
            &text,
            (anchor, y),
            claim_size,
            palette::VERMILLION,
            h,
            true,
        )?;
    }
    Ok(())
}

/// How a row's percentile marks look: the colours of the P1–P99 line, the P5–P95 bar
/// and the P25–P75 box, and the half-heights of the bar, the box and the P50 tick as
/// shares of the height the marks scale with.
pub(super) struct Glyph {
    pub line: RGBAColor,
    pub bar: RGBAColor,
    pub boxed: RGBAColor,
    pub shares: [f64; 3],
}

/// One row's percentiles centred on `yc`: P1–P99 as a line, P5–P95 as a bar, P25–P75
/// as an outlined box and P50 as a black tick; their heights scale with `mark_h`.
/// Shared with the comparison's bands, so both charts read the same way.
pub(super) fn percentile_marks(
    area: &Area,
    l: &Layout,
    f: &Frame,
    p: &Percentiles,
    (yc, mark_h): (i32, f64),
    g: &Glyph,
) -> Result<(), PlotError> {
    let half = |share: f64| ((mark_h * share) as i32).max(1);
    let [bar, bx, tick] = g.shares.map(half);
    let line = vec![(f.px(p.p1), yc), (f.px(p.p99), yc)];
    style::line(area, line, g.line, l.stroke(2.0))?;
    let (a, b) = ((f.px(p.p5), yc - bar), (f.px(p.p95), yc + bar));
    style::rect(area, a, b, g.bar, true)?;
    let (a, b) = ((f.px(p.p25), yc - bx), (f.px(p.p75), yc + bx));
    style::rect(area, a, b, g.boxed, true)?;
    style::rect(area, a, b, palette::BLACK.mix(0.6), false)?;
    let x50 = f.px(p.p50);
    let (a, b) = ((x50 - l.px(2.0), yc - tick), (x50 + l.px(2.0), yc + tick));
    style::rect(area, a, b, palette::BLACK.to_rgba(), true)
}
