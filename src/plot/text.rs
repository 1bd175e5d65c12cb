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
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
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
        let key = (bold, (size as f32).to_bits(), id.0, caret.to_bits());
        let glyph = id.with_scale_and_position(PxScale::from(size as f32), point(caret, 0.0));
        caret += scaled.h_advance(id);
        let Some(pixels) = coverage(font, key, glyph) else {
            continue;
        };
        for &(dx, dy, cov) in pixels.iter() {
            let p = match dir {
                Direction::Right => (at.0 + dx, at.1 + dy),
                Direction::Up => (at.0 + dy, at.1 - dx),
            };
            area.draw_pixel(p, &color.mix(f64::from(cov.min(1.0))))?;
        }
    }
    Ok(())
}

/// A glyph's pixels: (x, y) from the caret on the baseline, and coverage.
type Pixels = Rc<Vec<(i32, i32, f32)>>;

/// What a rasterised glyph depends on: the weight, the size's and the caret's f32
/// bits, and the glyph; the same key always rasterises to the same pixels.
type GlyphKey = (bool, u32, u16, u32);

/// Glyphs a thread keeps at most; past this its cache starts again.
const CACHED_GLYPHS: usize = 16_384;

/// The pixels of `glyph` (at the size and caret of `key`), rasterised once per thread
/// and kept: the charts of a run draw the same labels, numbers and headings over and
/// over, at the same carets. None for a glyph without an outline (a space).
fn coverage(font: &FontRef<'static>, key: GlyphKey, glyph: ab_glyph::Glyph) -> Option<Pixels> {
    thread_local! {
        static GLYPHS: RefCell<HashMap<GlyphKey, Option<Pixels>>> = RefCell::new(HashMap::new());
    }
    if let Some(hit) = GLYPHS.with(|g| g.borrow().get(&key).cloned()) {
        return hit;
    }
    let pixels = font.outline_glyph(glyph).map(|outline| {
        let b = outline.px_bounds();
        let mut pixels = Vec::new();
        outline.draw(|gx, gy, cov| {
            if cov > 0.02 {
                pixels.push((b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov));
            }
        });
        Rc::new(pixels)
    });
    GLYPHS.with(|g| {
        let mut g = g.borrow_mut();
        if g.len() >= CACHED_GLYPHS {
            g.clear();
        }
        g.insert(key, pixels.clone());
    });
    pixels
}
