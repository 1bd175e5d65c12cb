//! bands.png: the cost ladder — one row per output of a unit on a shared axis, with
//! P1–P99 as a thin line, P5–P95 as a bar, P25–P75 as a box, a tick at P50, and each
//! claim as a labelled diamond.

use super::PlotError;
use super::axes::{self, Frame};
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::charts::{BandRow, BandsChart};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

pub fn draw(area: &Area, c: &BandsChart) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    let l = Layout::new(w, h);
    let below_heading = style::heading(area, &l, &c.title, &c.subtitle)?;
    let with_claims = c.rows.iter().any(|r| !r.claims.is_empty());
    let legend_end = style::legend(
        area,
        &l,
        &legend(&l, with_claims),
        (l.margin(), below_heading + (l.label() * 1.5) as i32),
    )?;
    let top = legend_end + l.px(24.0);
    let bottom = l.h - l.px(44.0) - axes::x_axis_height(&l);
    let row_h = f64::from(bottom - top) / c.rows.len().max(1) as f64;
    let text_size = l.label().min(row_h * 0.34).max(9.0);
    let label_w = widest(c.rows.iter().map(|r| r.label.as_str()), text_size)?.min(l.w * 34 / 100);
    let median_w = widest(c.rows.iter().map(|r| r.median_label.as_str()), text_size)?;
    let f = Frame {
        left: l.margin() + label_w + l.px(18.0),
        top,
        right: l.w - l.margin() - median_w - l.px(18.0),
        bottom,
        x: &c.x,
        y0: 0.0,
        y1: 1.0,
    };
    for (i, _) in c.rows.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let y0 = top + (row_h * i as f64) as i32;
        let y1 = top + (row_h * (i + 1) as f64) as i32;
        style::rect(
            area,
            (l.margin(), y0),
            (l.w - l.margin(), y1),
            palette::STRIPE.to_rgba(),
            true,
        )?;
    }
    axes::x_grid(area, &f)?;
    // Marks keep the size of a ~100-pixel row when there are only a few rows.
    let mark_h = row_h.min(f64::from(l.px(100.0)));
    for (i, r) in c.rows.iter().enumerate() {
        let centre = if with_claims {
            0.5 * row_h - 0.14 * mark_h
        } else {
            0.5 * row_h
        };
        let at = RowPlace {
            yc: top + (row_h * i as f64 + centre) as i32,
            mark_h,
            text_size,
            label_w,
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

fn widest<'a>(texts: impl Iterator<Item = &'a str>, size: f64) -> Result<i32, PlotError> {
    let mut w = 0;
    for t in texts {
        w = w.max(style::text_width(t, size, false)?);
    }
    Ok(w)
}

/// Where a row goes: its centre line, the height its marks scale with, its text size
/// and the width of the label column.
#[derive(Clone, Copy)]
struct RowPlace {
    yc: i32,
    mark_h: f64,
    text_size: f64,
    label_w: i32,
}

fn row(area: &Area, l: &Layout, f: &Frame, r: &BandRow, at: &RowPlace) -> Result<(), PlotError> {
    let RowPlace {
        yc,
        mark_h: row_h,
        text_size: size,
        label_w,
    } = *at;
    let baseline = yc + (size * 0.36) as i32;
    let label = style::fit(&r.label, label_w, size, false)?;
    style::text(
        area,
        &label,
        (f.left - l.px(18.0), baseline),
        size,
        palette::TEXT,
        HPos::Right,
        false,
    )?;
    style::text(
        area,
        &r.median_label,
        (f.right + l.px(18.0), baseline),
        size,
        palette::TEXT,
        HPos::Left,
        false,
    )?;
    let p = &r.pct;
    let half = |share: f64| ((row_h * share) as i32).max(1);
    style::line(
        area,
        vec![(f.px(p.p1), yc), (f.px(p.p99), yc)],
        palette::BLUE.to_rgba(),
        l.stroke(2.0),
    )?;
    let bar = half(0.09);
    style::rect(
        area,
        (f.px(p.p5), yc - bar),
        (f.px(p.p95), yc + bar),
        palette::SKY_BLUE.to_rgba(),
        true,
    )?;
    let bx = half(0.19);
    style::rect(
        area,
        (f.px(p.p25), yc - bx),
        (f.px(p.p75), yc + bx),
        palette::BLUE.to_rgba(),
        true,
    )?;
    style::rect(
        area,
        (f.px(p.p25), yc - bx),
        (f.px(p.p75), yc + bx),
        palette::BLACK.mix(0.6),
        false,
    )?;
    let x50 = f.px(p.p50);
    let tick = half(0.26);
    style::rect(
        area,
        (x50 - l.px(2.0), yc - tick),
        (x50 + l.px(2.0), yc + tick),
        palette::BLACK.to_rgba(),
        true,
    )?;
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
