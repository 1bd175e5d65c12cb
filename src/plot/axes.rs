//! The plot frame and its axes: pixel mapping, gridlines, ticks and axis labels.

use super::PlotError;
use super::style::{Area, Layout, line, palette, text, text_up, text_width};
use crate::report::charts::{Axis, Tick};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

/// The plot rectangle in pixels, with the x axis of the chart data and a linear y range.
#[derive(Clone, Debug)]
pub struct Frame<'a> {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub x: &'a Axis,
    pub y0: f64,
    pub y1: f64,
}

impl Frame<'_> {
    /// The pixel column of value `v` (clamped a little beyond the frame).
    pub fn px(&self, v: f64) -> i32 {
        let f = self.x.fraction(v);
        let f = if f.is_nan() {
            0.0
        } else {
            f.clamp(-0.05, 1.05)
        };
        self.left + (f * f64::from(self.right - self.left)).round() as i32
    }
    pub fn py(&self, y: f64) -> i32 {
        let f = ((y - self.y0) / (self.y1 - self.y0)).clamp(-0.05, 1.05);
        self.bottom - (f * f64::from(self.bottom - self.top)).round() as i32
    }
}

/// Vertical gridlines at the x ticks, fainter ones at the minor ticks.
pub fn x_grid(area: &Area, f: &Frame) -> Result<(), PlotError> {
    for &v in &f.x.minor {
        let x = f.px(v);
        line(
            area,
            vec![(x, f.top), (x, f.bottom)],
            palette::GRID.mix(0.55),
            1,
        )?;
    }
    for t in &f.x.ticks {
        let x = f.px(t.value);
        line(
            area,
            vec![(x, f.top), (x, f.bottom)],
            palette::GRID.to_rgba(),
            1,
        )?;
    }
    Ok(())
}

/// Horizontal gridlines at the y ticks.
pub fn y_grid(area: &Area, f: &Frame, ticks: &[Tick]) -> Result<(), PlotError> {
    for t in ticks {
        let y = f.py(t.value);
        line(
            area,
            vec![(f.left, y), (f.right, y)],
            palette::GRID.to_rgba(),
            1,
        )?;
    }
    Ok(())
}

/// The x axis: a baseline, ticks and their labels (thinned if they would touch), and
/// the axis label centred below.
pub fn x_axis(area: &Area, l: &Layout, f: &Frame, label: &str) -> Result<(), PlotError> {
    line(
        area,
        vec![(f.left, f.bottom), (f.right, f.bottom)],
        palette::AXIS.to_rgba(),
        l.stroke(2.0),
    )?;
    let size = l.tick();
    let widths =
        f.x.ticks
            .iter()
            .map(|t| text_width(&t.label, size, false))
            .collect::<Result<Vec<i32>, PlotError>>()?;
    let xs: Vec<i32> = f.x.ticks.iter().map(|t| f.px(t.value)).collect();
    let every = (1..=xs.len().max(1))
        .find(|&k| {
            (k..xs.len())
                .step_by(k)
                .all(|i| xs[i] - xs[i - k] > (widths[i] + widths[i - k]) / 2 + l.px(16.0))
        })
        .unwrap_or(1);
    let tick_len = l.px(10.0);
    let y = f.bottom + tick_len + l.px(6.0) + (size * 0.75) as i32;
    for &v in &f.x.minor {
        let x = f.px(v);
        line(
            area,
            vec![(x, f.bottom), (x, f.bottom + tick_len / 2)],
            palette::AXIS.to_rgba(),
            1,
        )?;
    }
    for (i, t) in f.x.ticks.iter().enumerate() {
        line(
            area,
            vec![(xs[i], f.bottom), (xs[i], f.bottom + tick_len)],
            palette::AXIS.to_rgba(),
            l.stroke(2.0),
        )?;
        if i % every == 0 {
            text(
                area,
                &t.label,
                (xs[i], y),
                size,
                palette::TEXT,
                HPos::Center,
                false,
            )?;
        }
    }
    let y_label = y + (l.label() * 1.6) as i32;
    text(
        area,
        label,
        ((f.left + f.right) / 2, y_label),
        l.label(),
        palette::TEXT,
        HPos::Center,
        false,
    )
}

/// The height the x axis needs below the frame.
pub fn x_axis_height(l: &Layout) -> i32 {
    l.px(16.0) + (l.tick() * 0.75) as i32 + (l.label() * 1.6) as i32 + l.px(12.0)
}

/// The y axis: ticks with right-aligned labels, and the axis label read upwards.
pub fn y_axis(
    area: &Area,
    l: &Layout,
    f: &Frame,
    ticks: &[Tick],
    label: &str,
) -> Result<(), PlotError> {
    line(
        area,
        vec![(f.left, f.top), (f.left, f.bottom)],
        palette::AXIS.to_rgba(),
        l.stroke(2.0),
    )?;
    let size = l.tick();
    let tick_len = l.px(10.0);
    for t in ticks {
        let y = f.py(t.value);
        line(
            area,
            vec![(f.left - tick_len, y), (f.left, y)],
            palette::AXIS.to_rgba(),
            l.stroke(2.0),
        )?;
        let baseline = y + (size * 0.36) as i32;
        text(
            area,
            &t.label,
            (f.left - tick_len - l.px(6.0), baseline),
            size,
            palette::TEXT,
            HPos::Right,
            false,
        )?;
    }
    let x = l.margin() + (l.label() * 0.5) as i32;
    text_up(
        area,
        label,
        (x, (f.top + f.bottom) / 2),
        l.label(),
        palette::TEXT,
    )
}

/// The width the y axis needs left of the frame for these tick labels.
pub fn y_axis_width(l: &Layout, ticks: &[Tick]) -> Result<i32, PlotError> {
    let widest = ticks
        .iter()
        .map(|t| text_width(&t.label, l.tick(), false))
        .collect::<Result<Vec<i32>, PlotError>>()?
        .into_iter()
        .max()
        .unwrap_or(0);
    Ok(l.margin() + (l.label() * 1.4) as i32 + widest + l.px(22.0))
}
