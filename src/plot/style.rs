//! The look shared by every chart: the Okabe–Ito palette, sizes
//! that scale with the canvas, and small drawing helpers (text placed by its
//! baseline, lines, boxes, axes, the legend row, the footer).

use super::PlotError;
use super::text::{self, Direction, Pen};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

pub use super::canvas::Area;

/// The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with any colour vision.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    /// Greys for text, axes and gridlines.
    pub const TEXT: RGBColor = RGBColor(34, 34, 34);
    pub const MUTED: RGBColor = RGBColor(96, 96, 96);
    pub const AXIS: RGBColor = RGBColor(120, 120, 120);
    pub const GRID: RGBColor = RGBColor(226, 226, 226);
    pub const STRIPE: RGBColor = RGBColor(246, 246, 246);
}

/// Sizes for a canvas: fonts and strokes scale with the canvas against 1600×1000 —
/// in proportion above it, with the square root below it.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub w: i32,
    pub h: i32,
    k: f64,
}

impl Layout {
    pub fn new(w: u32, h: u32) -> Layout {
        let r = (f64::from(w) / 1600.0).min(f64::from(h) / 1000.0);
        // Larger canvases are the same chart at a higher resolution; smaller ones keep
        // their text readable.
        let k = if r >= 1.0 { r } else { r.sqrt() };
        Layout {
            w: w as i32,
            h: h as i32,
            k,
        }
    }
    /// The layout of the canvas `area` draws on.
    pub fn of(area: &Area) -> Layout {
        let (w, h) = area.dim_in_pixel();
        Layout::new(w, h)
    }
    /// The layout of `area` with the sizes of the `asked` canvas: a chart whose
    /// height follows its rows (the bands) keeps the text of the size asked for.
    pub fn sized_as(area: &Area, (w, h): (u32, u32)) -> Layout {
        let (aw, ah) = area.dim_in_pixel();
        Layout {
            w: aw as i32,
            h: ah as i32,
            k: Layout::new(w, h).k,
        }
    }
    /// The smallest text of a row chart's rows: 16 pixels at 1600×1000, never below
    /// 13, however many rows (the canvas grows instead, see `frame::rows_height`).
    pub fn row_text_floor(&self) -> f64 {
        self.font(16.0).max(13.0)
    }
    /// A length given for the 1600×1000 canvas, scaled.
    pub fn px(&self, base: f64) -> i32 {
        (base * self.k).round().max(1.0) as i32
    }
    pub fn font(&self, base: f64) -> f64 {
        (base * self.k).max(9.0)
    }
    pub fn title(&self) -> f64 {
        self.font(34.0)
    }
    pub fn subtitle(&self) -> f64 {
        self.font(21.0)
    }
    pub fn label(&self) -> f64 {
        self.font(21.0)
    }
    pub fn tick(&self) -> f64 {
        self.font(19.0)
    }
    pub fn small(&self) -> f64 {
        self.font(16.0)
    }
    pub fn margin(&self) -> i32 {
        self.px(36.0)
    }
    pub fn stroke(&self, base: f64) -> u32 {
        (base * self.k).round().max(1.0) as u32
    }
}

/// The width of `s` in pixels.
pub fn text_width(s: &str, size: f64, bold: bool) -> Result<i32, PlotError> {
    text::width(s, size, bold)
}

/// Draws `s` with its baseline at `y`, aligned on `x` by `h`.
pub fn text(
    area: &Area,
    s: &str,
    (x, y): (i32, i32),
    size: f64,
    color: RGBColor,
    h: HPos,
    bold: bool,
) -> Result<(), PlotError> {
    let pen = Pen { size, color, bold };
    text::draw(area, s, (x, y), pen, h, Direction::Right)
}

/// Draws `s` reading upwards, centred on (x, y).
pub fn text_up(
    area: &Area,
    s: &str,
    (x, y): (i32, i32),
    size: f64,
    color: RGBColor,
) -> Result<(), PlotError> {
    // The baseline sits right of centre by half the x-height.
    let baseline = x + (size * 0.27) as i32;
    let pen = Pen {
        size,
        color,
        bold: false,
    };
    text::draw(area, s, (baseline, y), pen, HPos::Center, Direction::Up)
}

/// Text on a white, slightly see-through box, so it stays legible over lines and bars.
pub fn boxed_text(
    area: &Area,
    s: &str,
    (x, y): (i32, i32),
    size: f64,
    color: RGBColor,
    h: HPos,
    bold: bool,
) -> Result<(), PlotError> {
    let w = text_width(s, size, bold)?;
    let left = match h {
        HPos::Left => x,
        HPos::Center => x - w / 2,
        HPos::Right => x - w,
    };
    let pad = (size * 0.25) as i32;
    let top = y - (size * 0.8) as i32;
    rect(
        area,
        (left - pad, top),
        (left + w + pad, y + (size * 0.3) as i32),
        WHITE.mix(0.85),
        true,
    )?;
    text(area, s, (x, y), size, color, h, bold)
}

pub fn line(
    area: &Area,
    points: Vec<(i32, i32)>,
    color: RGBAColor,
    width: u32,
) -> Result<(), PlotError> {
    area.draw(&PathElement::new(points, color.stroke_width(width)))?;
    Ok(())
}

/// A dashed straight line from `a` to `b`.
pub fn dashed(
    area: &Area,
    a: (i32, i32),
    b: (i32, i32),
    color: RGBAColor,
    width: u32,
    dash: i32,
) -> Result<(), PlotError> {
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    let len = dx.hypot(dy);
    let steps = (len / f64::from(dash.max(1))).ceil() as i32;
    for k in (0..steps).step_by(2) {
        let at = |t: f64| {
            let t = t.min(1.0);
            (a.0 + (dx * t).round() as i32, a.1 + (dy * t).round() as i32)
        };
        let (t0, t1) = (
            f64::from(k) / f64::from(steps),
            f64::from(k + 1) / f64::from(steps),
        );
        line(area, vec![at(t0), at(t1)], color, width)?;
    }
    Ok(())
}

pub fn rect(
    area: &Area,
    a: (i32, i32),
    b: (i32, i32),
    color: RGBAColor,
    filled: bool,
) -> Result<(), PlotError> {
    let style = if filled {
        color.filled()
    } else {
        color.stroke_width(1)
    };
    area.draw(&Rectangle::new([a, b], style))?;
    Ok(())
}

/// Title and subtitle at the top left; returns the y below them.
pub fn heading(area: &Area, l: &Layout, title: &str, subtitle: &str) -> Result<i32, PlotError> {
    let m = l.margin();
    let y = m + l.title() as i32;
    let title = fit(title, l.w - 2 * m, l.title(), true)?;
    text(
        area,
        &title,
        (m, y),
        l.title(),
        palette::TEXT,
        HPos::Left,
        true,
    )?;
    let y2 = y + (l.subtitle() * 1.5) as i32;
    let subtitle = fit(subtitle, l.w - 2 * m, l.subtitle(), false)?;
    text(
        area,
        &subtitle,
        (m, y2),
        l.subtitle(),
        palette::MUTED,
        HPos::Left,
        false,
    )?;
    Ok(y2 + (l.subtitle() * 0.6) as i32)
}

/// A legend label shortened to fit `width` pixels, keeping what tells a series apart:
/// in "Title (copy) — P50 $911M" the title is cut ("Tit… (copy) — P50 $911M"), else
/// (no parenthesis, or no room for it) the end.
pub fn fit_legend(label: &str, width: i32, size: f64) -> Result<String, PlotError> {
    if text_width(label, size, false)? <= width {
        return Ok(label.to_string());
    }
    let head_end = label.find(" — ").unwrap_or(label.len());
    if let Some(k) = label[..head_end].rfind(" (") {
        let keep = &label[k..];
        let left = width - text_width(keep, size, false)?;
        if left >= text_width("Sem…", size, false)? {
            return Ok(fit(&label[..k], left, size, false)? + keep);
        }
    }
    fit(label, width, size, false)
}

/// `s`, shortened with "…" to fit `width` pixels.
pub fn fit(s: &str, width: i32, size: f64, bold: bool) -> Result<String, PlotError> {
    // No chart is wide enough for more than this many characters at any size we draw:
    // longer text is cut first, so the search below measures short strings only.
    const MOST: usize = 2000;
    let chars: Vec<char> = s.chars().take(MOST + 1).collect();
    if chars.len() <= MOST && text_width(s, size, bold)? <= width {
        return Ok(s.to_string());
    }
    let cut = |n: usize| chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
    // The longest prefix that fits with its ellipsis, by bisection: O(n log n) in the
    // text's length where trying one character less at a time was quadratic (a
    // 40,000-character label took 92 s).
    let (mut lo, mut hi) = (0usize, chars.len().min(MOST));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(&cut(mid), size, bold)? <= width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(if lo == 0 { "…".into() } else { cut(lo) })
}

/// The footer line at the bottom left, and an optional note at the bottom right.
pub fn footer(area: &Area, l: &Layout, footer: &str, note: Option<&str>) -> Result<(), PlotError> {
    let m = l.margin();
    let y = l.h - l.px(18.0);
    let note_w = match note {
        Some(n) => {
            text(
                area,
                n,
                (l.w - m, y),
                l.small(),
                palette::MUTED,
                HPos::Right,
                false,
            )?;
            text_width(n, l.small(), false)? + l.px(30.0)
        }
        None => 0,
    };
    let footer = fit(footer, l.w - 2 * m - note_w, l.small(), false)?;
    text(
        area,
        &footer,
        (m, y),
        l.small(),
        palette::MUTED,
        HPos::Left,
        false,
    )
}

/// A legend entry's swatch.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    Fill(RGBAColor),
    /// A box with an outline.
    Boxed(RGBAColor, RGBColor),
    Line(RGBColor, u32),
    Dashed(RGBColor, u32),
    Diamond(RGBColor),
}

/// A row of legend entries from `x`, baseline `y`; wraps onto a new line past the
/// right margin. Returns the baseline of the last line.
pub fn legend(
    area: &Area,
    l: &Layout,
    items: &[(Swatch, String)],
    (x, y): (i32, i32),
) -> Result<i32, PlotError> {
    let size = l.label();
    let sw = l.px(34.0);
    let gap = l.px(34.0);
    let (mut cx, mut cy) = (x, y);
    // An item wider than a whole line is shortened to fit inside the canvas.
    let room = l.w - l.margin() - x - sw - l.px(10.0);
    for (swatch, label) in items {
        let label = &fit_legend(label, room, size)?;
        let w = sw + l.px(10.0) + text_width(label, size, false)?;
        if cx > x && cx + w > l.w - l.margin() {
            cx = x;
            cy += (size * 1.6) as i32;
        }
        draw_swatch(area, l, *swatch, (cx, cy - (size * 0.36) as i32), sw)?;
        text(
            area,
            label,
            (cx + sw + l.px(10.0), cy),
            size,
            palette::TEXT,
            HPos::Left,
            false,
        )?;
        cx += w + gap;
    }
    Ok(cy)
}

fn draw_swatch(
    area: &Area,
    l: &Layout,
    s: Swatch,
    (x, yc): (i32, i32),
    w: i32,
) -> Result<(), PlotError> {
    let hh = l.px(9.0);
    match s {
        Swatch::Fill(c) => rect(area, (x, yc - hh), (x + w, yc + hh), c, true),
        Swatch::Boxed(c, edge) => {
            rect(area, (x, yc - hh), (x + w, yc + hh), c, true)?;
            rect(area, (x, yc - hh), (x + w, yc + hh), edge.to_rgba(), false)
        }
        Swatch::Line(c, width) => line(area, vec![(x, yc), (x + w, yc)], c.to_rgba(), width),
        Swatch::Dashed(c, width) => {
            dashed(area, (x, yc), (x + w, yc), c.to_rgba(), width, l.px(7.0))
        }
        Swatch::Diamond(c) => diamond(area, (x + w / 2, yc), l.px(11.0), c),
    }
}

/// A filled diamond with a white edge, centred on `c`.
pub fn diamond(area: &Area, (x, y): (i32, i32), r: i32, color: RGBColor) -> Result<(), PlotError> {
    let pts = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)];
    let edge = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y), (x, y - r)];
    area.draw(&Polygon::new(pts, color.filled()))?;
    line(area, edge, WHITE.to_rgba(), 2)
}

/// A diamond's outline only, `width` wide on a white halo, so the marks under it
/// (a narrow bar, a P50 tick) stay visible through it.
pub fn hollow_diamond(
    area: &Area,
    (x, y): (i32, i32),
    r: i32,
    color: RGBColor,
    width: u32,
) -> Result<(), PlotError> {
    let edge = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y), (x, y - r)];
    line(area, edge.clone(), WHITE.to_rgba(), width + 2)?;
    line(area, edge, color.to_rgba(), width)
}

/// The colour of the `k`-th series of a multi-series chart (a compared model): the
/// Okabe–Ito colours in a fixed order, vermillion left out for the claims and orange,
/// too close to it, kept for a fifth model.
pub fn series_color(k: usize) -> RGBColor {
    const ORDER: [RGBColor; 6] = [
        palette::BLUE,
        palette::GREEN,
        palette::PURPLE,
        palette::SKY_BLUE,
        palette::ORANGE,
        palette::BLACK,
    ];
    ORDER[k % ORDER.len()]
}

/// The width of the widest of `texts` at `size`.
pub fn widest<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    size: f64,
    bold: bool,
) -> Result<i32, PlotError> {
    let mut w = 0;
    for t in texts {
        w = w.max(text_width(t, size, bold)?);
    }
    Ok(w)
}

/// Light stripes behind every other row of a row chart: rows of height `row_h` from `top`.
pub fn stripes(
    area: &Area,
    l: &Layout,
    top: i32,
    row_h: f64,
    rows: usize,
) -> Result<(), PlotError> {
    for i in (0..rows).step_by(2) {
        let y0 = top + (row_h * i as f64) as i32;
        let y1 = top + (row_h * (i + 1) as f64) as i32;
        rect(
            area,
            (l.margin(), y0),
            (l.w - l.margin(), y1),
            palette::STRIPE.to_rgba(),
            true,
        )?;
    }
    Ok(())
}

/// A frame's left and right edges inside [`lo`, `hi`] pixels such that each text
/// `(fraction, width, left)` — `width` pixels beside the point at `fraction` of the
/// frame, on its left or right — stays inside [`lo`, `hi`]. The frame keeps at least
/// half the room.
pub fn span_for_labels(lo: i32, hi: i32, texts: &[(f64, i32, bool)]) -> (i32, i32) {
    let (lo, hi) = (f64::from(lo), f64::from(hi));
    let (mut left, mut right) = (lo, hi);
    for _ in 0..6 {
        for &(fr, w, on_left) in texts {
            let (fr, w) = (fr.clamp(0.0, 1.0), f64::from(w));
            if on_left && fr < 1.0 {
                left = left.max((lo + w - fr * right) / (1.0 - fr));
            } else if !on_left && fr > 0.0 {
                right = right.min((hi - w - (1.0 - fr) * left) / fr);
            }
        }
    }
    let min_w = (hi - lo) * 0.5;
    if right - left < min_w {
        let squeeze = (min_w - (right - left)) / 2.0;
        left = (left - squeeze).max(lo);
        right = (left + min_w).min(hi);
    }
    (left.round() as i32, right.round() as i32)
}

#[cfg(test)]
mod span_tests {
    use super::*;

    #[test]
    fn labels_fit_beside_their_points() {
        let texts = [(0.037, 60, true), (0.97, 70, false), (0.38, 150, false)];
        let (left, right) = span_for_labels(271, 1564, &texts);
        for (fr, w, on_left) in texts {
            let x = f64::from(left) + fr * f64::from(right - left);
            if on_left {
                assert!(x - f64::from(w) >= 270.0, "{left} {right} {x}");
            } else {
                assert!(x + f64::from(w) <= 1565.0, "{left} {right} {x}");
            }
        }
    }
}
