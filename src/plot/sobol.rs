//! sobol_<output>.png: one row per input, in the chart data's order, with two bars
//! from 0 along the 0–1 index axis — the first-order index S_i (light) over the total
//! effect ST_i (dark) — each with its 95% interval as a capped whisker and its value
//! beyond. Rows, like the tornado's, leave room for long input labels.

use super::PlotError;
use super::axes::{self, Frame};
use super::frame::{self, LabelColumn, Rows};
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::analysis_charts::{Interval, SobolChart};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

const FIRST: RGBColor = palette::SKY_BLUE;
const TOTAL: RGBColor = palette::BLUE;

pub fn draw(area: &Area, c: &SobolChart) -> Result<(), PlotError> {
    let l = Layout::of(area);
    let items = [
        (
            Swatch::Fill(FIRST.to_rgba()),
            "first order S_i: the input alone".into(),
        ),
        (
            Swatch::Fill(TOTAL.to_rgba()),
            "total effect ST_i: with its interactions".into(),
        ),
        (
            Swatch::Line(palette::BLACK, l.stroke(2.0)),
            "95% interval".into(),
        ),
    ];
    let legend_end = frame::heading_and_legend(area, &l, (&c.title, &c.subtitle), &items)?;
    let rows = Rows::new(&l, legend_end, c.bars.len());
    let size = l.label().min(rows.h * 0.42).max(9.0);
    let small = (size * 0.85).max(9.0);
    let col = LabelColumn::new(&l, c.bars.iter().map(|b| b.label.as_str()), size, 30)?;
    let gap = l.px(10.0);
    // Room right of each bar (or whisker, if longer) for its value.
    let mut texts = Vec::with_capacity(2 * c.bars.len());
    for b in &c.bars {
        for (i, text) in [(&b.first, &b.first_label), (&b.total, &b.total_label)] {
            let w = style::text_width(text, small, false)? + gap;
            texts.push((c.axis.fraction(reach(i)), w, false));
        }
    }
    let f = rows.frame(&c.axis, col.span(&l, &texts));
    rows.background(area, &l, &f)?;
    frame::zero_line(area, &l, &f)?;
    let half = ((rows.h * 0.16) as i32).clamp(1, l.px(14.0));
    for (k, b) in c.bars.iter().enumerate() {
        let yc = rows.centre(k);
        col.label(
            area,
            &b.label,
            frame::centred_baseline(yc, size),
            size,
            palette::TEXT,
        )?;
        let mark = Mark { half, small, gap };
        index_bar(
            area,
            &l,
            &f,
            &b.first,
            yc - half - 1,
            (FIRST, &b.first_label),
            &mark,
        )?;
        index_bar(
            area,
            &l,
            &f,
            &b.total,
            yc + half + 1,
            (TOTAL, &b.total_label),
            &mark,
        )?;
    }
    axes::x_axis(area, &l, &f, &c.axis_label)?;
    style::footer(area, &l, &c.footer, None)
}

/// How far right a bar and its whisker reach.
fn reach(i: &Interval) -> f64 {
    let ends = [i.value, i.hi].into_iter().filter(|v| v.is_finite());
    ends.fold(0.0, f64::max)
}

/// A bar's half height, the value's text size and its gap from the bar.
struct Mark {
    half: i32,
    small: f64,
    gap: i32,
}

/// A bar from 0 to the index centred on `yc`, its interval as a capped whisker, and
/// its value beyond both.
fn index_bar(
    area: &Area,
    l: &Layout,
    f: &Frame,
    i: &Interval,
    yc: i32,
    (color, text): (RGBColor, &str),
    m: &Mark,
) -> Result<(), PlotError> {
    let zero = f.px(0.0);
    if i.value.is_finite() {
        style::rect(
            area,
            (zero, yc - m.half),
            (f.px(i.value), yc + m.half),
            color.to_rgba(),
            true,
        )?;
    }
    if i.lo.is_finite() && i.hi.is_finite() {
        let (x0, x1) = (f.px(i.lo), f.px(i.hi));
        let cap = (m.half * 3 / 4).max(2);
        let ink = palette::BLACK.to_rgba();
        let w = l.stroke(2.0);
        style::line(area, vec![(x0, yc), (x1, yc)], ink, w)?;
        style::line(area, vec![(x0, yc - cap), (x0, yc + cap)], ink, w)?;
        style::line(area, vec![(x1, yc - cap), (x1, yc + cap)], ink, w)?;
    }
    let at = (
        f.px(reach(i)).max(zero) + m.gap,
        frame::centred_baseline(yc, m.small),
    );
    style::text(area, text, at, m.small, palette::TEXT, HPos::Left, false)
}
