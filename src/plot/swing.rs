//! swing_<output>.png: the cost-estimating tornado — per input, the output's P50 with
//! the input at its P5 (orange) and at its P95 (blue), as bars from the P50 with
//! every input varying (the black line), each end labelled with its value.

use super::PlotError;
use super::axes::{self, Frame};
use super::frame::{self, LabelColumn, Rows};
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::analysis_charts::{SwingBar, SwingChart};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const LOW: RGBColor = palette::ORANGE;
const HIGH: RGBColor = palette::BLUE;

pub fn draw(area: &Area, c: &SwingChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let items = [
        (Swatch::Fill(LOW.to_rgba()), "input at its P5 (low)".into()),
        (
            Swatch::Fill(HIGH.to_rgba()),
            "input at its P95 (high)".into(),
        ),
        (
            Swatch::Line(palette::BLACK, l.stroke(3.0)),
            c.base_label.clone(),
        ),
    ];
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let rows = Rows::new(&l, legend_end, c.bars.len());
    let size = l.label().min(rows.h * 0.42).max(9.0);
    let small = (size * 0.82).max(9.0);
    let two_lines = rows.h >= (size + small) * 1.15;
    let texts: Vec<Vec<String>> = c.bars.iter().map(|b| row_label(b, two_lines)).collect();
    let all_texts = texts.iter().flat_map(|t| t.iter().map(String::as_str));
    let col = LabelColumn::new(&l, all_texts, size, 32)?;
    let gap = l.px(10.0);
    // The frame leaves room beside each bar's ends for their value labels.
    let mut ends = Vec::with_capacity(2 * c.bars.len());
    for b in &c.bars {
        for (v, other, text) in [
            (b.low, b.high, &b.low_label),
            (b.high, b.low, &b.high_label),
        ] {
            let w = style::text_width(text, size, false)? + gap;
            ends.push((c.x.fraction(v), w, left_of(v, other, c.base)));
        }
    }
    let f = rows.frame(&c.x, col.span(&l, &ends));
    rows.background(area, &l, &f)?;
    let place = Place {
        half: ((rows.h * 0.28) as i32).clamp(1, l.px(22.0)),
        size,
        small,
        gap,
        col,
    };
    for (i, (b, text)) in c.bars.iter().zip(&texts).enumerate() {
        let yc = rows.centre(i);
        bar(area, &f, c.base, b, yc, &place)?;
        labels(area, text, yc, &place)?;
    }
    let x = f.px(c.base);
    style::line(
        area,
        vec![(x, f.top - l.px(6.0)), (x, f.bottom)],
        palette::BLACK.to_rgba(),
        l.stroke(3.0),
    )?;
    axes::x_axis(area, &l, &f, &c.x_label)?;
    style::footer(area, &l, &c.footer, None)
}

/// Whether the value label of end `v` goes left of it: where the bar runs left, and
/// for an end at the base, away from the other end.
fn left_of(v: f64, other: f64, base: f64) -> bool {
    if v == base { other > base } else { v < base }
}

/// The row's label: the input's label over its P5–P95 range, or both on one line.
fn row_label(b: &SwingBar, two_lines: bool) -> Vec<String> {
    if two_lines {
        vec![b.label.clone(), b.range_label.clone()]
    } else {
        vec![format!("{} ({})", b.label, b.range_label)]
    }
}

/// Sizes shared by every row.
struct Place {
    half: i32,
    size: f64,
    small: f64,
    gap: i32,
    col: LabelColumn,
}

/// Two bars out from the base — the longer drawn first so both show when the input's
/// ends move the output the same way — and each end's value beyond it.
fn bar(
    area: &Area,
    f: &Frame,
    base: f64,
    b: &SwingBar,
    yc: i32,
    p: &Place,
) -> Result<(), PlotError> {
    let x0 = f.px(base);
    let mut ends = [
        (b.low, left_of(b.low, b.high, base), &b.low_label, LOW),
        (b.high, left_of(b.high, b.low, base), &b.high_label, HIGH),
    ];
    if (b.low - base).abs() < (b.high - base).abs() {
        ends.swap(0, 1);
    }
    for (v, _, _, color) in ends {
        style::rect(
            area,
            (x0, yc - p.half),
            (f.px(v), yc + p.half),
            color.to_rgba(),
            true,
        )?;
    }
    let baseline = frame::centred_baseline(yc, p.size);
    // The shorter bar's label lies over the longer bar when both run the same way.
    let same_way = ends[0].1 == ends[1].1;
    for (k, &(v, left, text, _)) in ends.iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let x = f.px(v);
        let (at, h) = if left {
            (x - p.gap, HPos::Right)
        } else {
            (x + p.gap, HPos::Left)
        };
        if k == 1 && same_way {
            style::boxed_text(area, text, (at, baseline), p.size, palette::TEXT, h, false)?;
        } else {
            style::text(area, text, (at, baseline), p.size, palette::TEXT, h, false)?;
        }
    }
    Ok(())
}

fn labels(area: &Area, text: &[String], yc: i32, p: &Place) -> Result<(), PlotError> {
    match text {
        [label, range] => {
            let first = yc - (p.size * 0.12) as i32;
            p.col.label(area, label, first, p.size, palette::TEXT)?;
            let second = first + (p.small * 1.2) as i32;
            p.col.label(area, range, second, p.small, palette::MUTED)
        }
        _ => {
            let baseline = frame::centred_baseline(yc, p.size);
            p.col
                .label(area, &text.concat(), baseline, p.size, palette::TEXT)
        }
    }
}
