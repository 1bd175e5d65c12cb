//! The scaffolding every chart shares: the heading with its legend below, where the
//! plot frame may end above the x axis, the frame under a band of claim labels (the
//! distribution charts), and the rows and label column of the row charts (tornado,
//! swing, Sobol, bands). One place for these sizes keeps the charts aligned with each
//! other.

use super::PlotError;
use super::axes::{self, Frame};
use super::marks;
use super::style::{self, Area, Layout, Swatch, palette};
use crate::report::charts::{Axis, Tick};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

/// Draws the title and subtitle, then the legend `items` a line and a half below them;
/// returns the baseline of the legend's last line.
pub fn heading_and_legend(
    area: &Area,
    l: &Layout,
    (title, subtitle): (&str, &str),
    items: &[(Swatch, String)],
) -> Result<i32, PlotError> {
    let below_heading = style::heading(area, l, title, subtitle)?;
    let at = (l.margin(), below_heading + (l.label() * 1.5) as i32);
    style::legend(area, l, items, at)
}

/// The bottom of the plot frame: the x axis and the footer go below it.
pub fn bottom(l: &Layout) -> i32 {
    l.h - l.px(44.0) - axes::x_axis_height(l)
}

/// The frame of a histogram or CDF: y ticks at the left, and above it a band of
/// `claims` label rows (see [`marks::claims`]). Returns the band's top and the frame.
pub fn under_claims<'a>(
    l: &Layout,
    legend_end: i32,
    claims: usize,
    (x, y_ticks): (&'a Axis, &[Tick]),
    y1: f64,
) -> Result<(i32, Frame<'a>), PlotError> {
    let band_top = legend_end + l.px(16.0);
    let f = Frame {
        left: axes::y_axis_width(l, y_ticks)?,
        top: band_top + marks::claim_row(l) * claims as i32 + l.px(10.0),
        right: l.w - l.margin(),
        bottom: bottom(l),
        x,
        y0: 0.0,
        y1,
    };
    Ok((band_top, f))
}

/// The height above and below a row chart's rows (title, legend, x axis, footer) on
/// the 1600×1000 canvas, roughly: a canvas sized from its rows adds theirs to it.
const CHROME: f64 = 300.0;

/// The tallest canvas a row chart grows to.
pub(super) const MAX_HEIGHT: u32 = 8_000;

/// The height of a row chart's canvas for `rows` rows of the `asked` size: the height
/// asked for, grown until each row gets `min_row` pixels and shrunk until none gets
/// more than `max_row` (base pixels, scaled like every size): 50 rows do not crush
/// their labels to 8 pixels, and one row does not spread over a whole canvas.
pub fn rows_height(asked: (u32, u32), rows: usize, min_row: f64, max_row: f64) -> u32 {
    let l = Layout::new(asked.0, asked.1);
    let n = rows.max(1) as f64;
    let chrome = f64::from(l.px(CHROME));
    let lo = chrome + n * min_row;
    let hi = (chrome + n * f64::from(l.px(max_row))).max(lo);
    (f64::from(asked.1).clamp(lo, hi).ceil() as u32).min(MAX_HEIGHT)
}

/// `n` rows of equal height between the legend and the x axis.
#[derive(Clone, Copy, Debug)]
pub struct Rows {
    pub top: i32,
    pub bottom: i32,
    /// A row's height (fractional, so that the rows fill the space exactly).
    pub h: f64,
    pub n: usize,
}

impl Rows {
    pub fn new(l: &Layout, legend_end: i32, n: usize) -> Rows {
        let top = legend_end + l.px(24.0);
        let bottom = bottom(l);
        Rows {
            top,
            bottom,
            h: f64::from(bottom - top) / n.max(1) as f64,
            n,
        }
    }

    /// The centre line of row `i`.
    pub fn centre(&self, i: usize) -> i32 {
        self.top + (self.h * (i as f64 + 0.5)) as i32
    }

    /// A frame over the rows from `left` to `right`; rows place their marks by
    /// [`Rows::centre`], so its y range is unused.
    pub fn frame<'a>(&self, x: &'a Axis, (left, right): (i32, i32)) -> Frame<'a> {
        Frame {
            left,
            top: self.top,
            right,
            bottom: self.bottom,
            x,
            y0: 0.0,
            y1: 1.0,
        }
    }

    /// The light stripes behind every other row and the x gridlines over them.
    pub fn background(&self, area: &Area, l: &Layout, f: &Frame) -> Result<(), PlotError> {
        style::stripes(area, l, self.top, self.h, self.n)?;
        axes::x_grid(area, f)
    }
}

/// The column of row labels left of a row chart's frame: as wide as the widest label,
/// but at most `max_pct` percent of the canvas (longer labels are shortened).
#[derive(Clone, Copy, Debug)]
pub struct LabelColumn {
    pub w: i32,
    /// Where the labels end (they are right-aligned).
    pub right: i32,
}

impl LabelColumn {
    pub fn new<'a>(
        l: &Layout,
        labels: impl IntoIterator<Item = &'a str>,
        size: f64,
        max_pct: i32,
    ) -> Result<LabelColumn, PlotError> {
        let w = style::widest(labels, size, false)?.min(l.w * max_pct / 100);
        Ok(LabelColumn::of_width(l, w))
    }

    /// A column `w` pixels wide from the left margin.
    pub fn of_width(l: &Layout, w: i32) -> LabelColumn {
        LabelColumn {
            w,
            right: l.margin() + w,
        }
    }

    /// The frame's left and right edges between this column and a column `right_w`
    /// pixels wide at the right margin (the bands charts' P50 values).
    pub fn between(&self, l: &Layout, right_w: i32) -> (i32, i32) {
        let gap = l.px(18.0);
        (self.right + gap, l.w - l.margin() - right_w - gap)
    }

    /// The frame's left and right edges, right of the column, such that each of `texts`
    /// (see [`style::span_for_labels`]) fits beside its bar.
    pub fn span(&self, l: &Layout, texts: &[(f64, i32, bool)]) -> (i32, i32) {
        style::span_for_labels(self.right + l.px(18.0), l.w - l.margin(), texts)
    }

    /// Draws `s`, shortened to the column's width, right-aligned on baseline `y`.
    pub fn label(
        &self,
        area: &Area,
        s: &str,
        y: i32,
        size: f64,
        color: RGBColor,
    ) -> Result<(), PlotError> {
        let s = style::fit(s, self.w, size, false)?;
        style::text(area, &s, (self.right, y), size, color, HPos::Right, false)
    }
}

/// The text baseline that centres text of `size` on the line at `yc`.
pub fn centred_baseline(yc: i32, size: f64) -> i32 {
    yc + (size * 0.36) as i32
}

/// A vertical axis-grey line at x = 0 across the frame (the tornado's and the Sobol
/// chart's bars start there); returns its pixel column.
pub fn zero_line(area: &Area, l: &Layout, f: &Frame) -> Result<i32, PlotError> {
    let zero = f.px(0.0);
    style::line(
        area,
        vec![(zero, f.top), (zero, f.bottom)],
        palette::AXIS.to_rgba(),
        l.stroke(2.0),
    )?;
    Ok(zero)
}

/// The baseline of a label for the horizontal line at `y`: `l.px(10)` above it, or,
/// where text of `size` would rise past the frame's top, `drop` pixels further below it.
pub fn label_baseline(l: &Layout, f: &Frame, y: i32, size: f64, drop: i32) -> i32 {
    let above = y - l.px(10.0);
    if above - (size as i32) < f.top {
        y + size as i32 + drop
    } else {
        above
    }
}
