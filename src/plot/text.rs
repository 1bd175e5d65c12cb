//! Text in the embedded DejaVu Sans (assets/fonts, with its licence), rasterised by
//! ab_glyph straight onto the canvas: charts need no system fonts or fontconfig.
//!
//! plotters 0.3.7 has an ab_glyph text path, but it drops each glyph's left side
//! bearing and so spaces "100,000" as "1 00,000"; this one places every glyph by its
//! own bounds, with kerning.

use super::PlotError;
use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use std::sync::OnceLock;

/// The bitmap a chart is drawn on. Defined here, at the bottom of the drawing layers
/// (text knows nothing of styles), and re-exported by `style`.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

/// The embedded fonts, parsed once per process.
fn fonts() -> Result<&'static Fonts, PlotError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: FontRef::try_from_slice(REGULAR).ok()?,
                bold: FontRef::try_from_slice(BOLD).ok()?,
            })
        })
        .as_ref()
        .ok_or(PlotError::Font)
}

fn face(bold: bool) -> Result<&'static FontRef<'static>, PlotError> {
    let f = fonts()?;
    Ok(if bold { &f.bold } else { &f.regular })
}

/// Checks that the embedded fonts load.
pub fn check_fonts() -> Result<(), PlotError> {
    fonts().map(|_| ())
}

/// The advance width of `s` in pixels at `size`.
pub fn width(s: &str, size: f64, bold: bool) -> Result<i32, PlotError> {
    let font = face(bold)?.as_scaled(PxScale::from(size as f32));
    let mut w = 0.0f32;
    let mut prev = None;
    for c in s.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            w += font.kern(p, id);
        }
        w += font.h_advance(id);
        prev = Some(id);
    }
    Ok(w.ceil() as i32)
}

/// Which way the text reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Right,
    /// Rotated a quarter turn anticlockwise: reads bottom to top.
    Up,
}

/// How text looks: its size in pixels, colour and weight.
#[derive(Clone, Copy, Debug)]
pub struct Pen {
    pub size: f64,
    pub color: RGBColor,
    pub bold: bool,
}

/// Draws `s` with its baseline through `at`, aligned on `at` by `h` along the
/// reading direction.
pub fn draw(
    area: &Area,
    s: &str,
    at: (i32, i32),
    pen: Pen,
    h: HPos,
    dir: Direction,
) -> Result<(), PlotError> {
    let Pen { size, color, bold } = pen;
    let font = face(bold)?;
    let scaled = font.as_scaled(PxScale::from(size as f32));
    let total = width(s, size, bold)? as f32;
    let start = match h {
        HPos::Left => 0.0,
        HPos::Center => -total / 2.0,
        HPos::Right => -total,
    };
    let mut caret = start;
    let mut prev = None;
    for c in s.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        prev = Some(id);
        let glyph = id.with_scale_and_position(PxScale::from(size as f32), point(caret, 0.0));
        caret += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = outline.px_bounds();
        let mut pixels = Vec::new();
        outline.draw(|gx, gy, cov| {
            if cov > 0.02 {
                pixels.push((b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov));
            }
        });
        for (dx, dy, cov) in pixels {
            let p = match dir {
                Direction::Right => (at.0 + dx, at.1 + dy),
                Direction::Up => (at.0 + dy, at.1 - dx),
            };
            area.draw_pixel(p, &color.mix(f64::from(cov.min(1.0))))?;
        }
    }
    Ok(())
}
