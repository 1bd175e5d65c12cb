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

/// Glyph pixels a thread keeps at most (12 bytes each: 12 MB, plus ~80 bytes of
/// bookkeeping a glyph, beside the 512 MB the
/// chart threads' canvases may hold); past this its cache starts again. A default
/// run's two chart threads rasterise ~1.1 million over ~16,000 glyphs, and find two
/// of every three glyphs they draw in the cache.
const CACHED_PIXELS: usize = 1_000_000;

/// The pixels of `glyph` (at the size and caret of `key`), rasterised once per thread
/// and kept: the charts of a run draw the same labels, numbers and headings over and
/// over, at the same carets. None for a glyph without an outline (a space).
fn coverage(font: &FontRef<'static>, key: GlyphKey, glyph: ab_glyph::Glyph) -> Option<Pixels> {
    thread_local! {
        /// The glyphs, and the pixels they hold.
        static GLYPHS: RefCell<(HashMap<GlyphKey, Option<Pixels>>, usize)> =
            RefCell::new((HashMap::new(), 0));
    }
    #[cfg(test)]
    if tests::UNCACHED.with(std::cell::Cell::get) {
        return rasterise(font, glyph);
    }
    if let Some(hit) = GLYPHS.with(|g| g.borrow().0.get(&key).cloned()) {
        return hit;
    }
    let pixels = rasterise(font, glyph);
    GLYPHS.with(|g| {
        let (glyphs, held) = &mut *g.borrow_mut();
        // Every entry counts (a blank glyph as one pixel), so the bound holds.
        let n = pixels.as_ref().map_or(1, |p| p.len().max(1));
        if *held + n > CACHED_PIXELS {
            glyphs.clear();
            *held = 0;
        }
        glyphs.insert(key, pixels.clone());
        *held += n;
    });
    pixels
}

/// `glyph`'s pixels with coverage above 2%.
fn rasterise(font: &FontRef<'static>, glyph: ab_glyph::Glyph) -> Option<Pixels> {
    font.outline_glyph(glyph).map(|outline| {
        let b = outline.px_bounds();
        let mut pixels = Vec::new();
        outline.draw(|gx, gy, cov| {
            if cov > 0.02 {
                pixels.push((b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov));
            }
        });
        // Held as counted: the pushes' spare capacity would be up to as much again.
        pixels.shrink_to_fit();
        Rc::new(pixels)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Rasterise every glyph afresh, bypassing the cache.
        pub static UNCACHED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// `s` drawn at a few sizes, alignments and directions on a fresh canvas.
    fn canvas(s: &str) -> Vec<u8> {
        let (w, h) = (400u32, 200u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            let pen = |size, bold| Pen {
                size,
                color: RGBColor(20, 60, 200),
                bold,
            };
            draw(
                &area,
                s,
                (10, 40),
                pen(17.0, false),
                HPos::Left,
                Direction::Right,
            )
            .unwrap();
            draw(
                &area,
                s,
                (200, 90),
                pen(23.5, true),
                HPos::Center,
                Direction::Right,
            )
            .unwrap();
            draw(
                &area,
                s,
                (390, 140),
                pen(13.0, false),
                HPos::Right,
                Direction::Right,
            )
            .unwrap();
            draw(
                &area,
                s,
                (30, 190),
                pen(15.0, false),
                HPos::Center,
                Direction::Up,
            )
            .unwrap();
            area.present().unwrap();
        }
        buf
    }

    #[test]
    fn cached_glyphs_draw_the_pixels_of_freshly_rasterised_ones() {
        // The same glyphs at many carets and sizes, so that a key missing either
        // would draw some of them from another's pixels.
        let s = "P95 $1.23M 100,000 AVWa 1111 0.5% 9,999 AAAA";
        // On a thread of its own, so that the first drawing finds an empty cache.
        let (fresh, cold, warm) = std::thread::spawn(move || {
            UNCACHED.with(|u| u.set(true));
            let fresh = canvas(s);
            UNCACHED.with(|u| u.set(false));
            (fresh, canvas(s), canvas(s))
        })
        .join()
        .unwrap();
        assert!(fresh.iter().any(|&b| b != 255), "something was drawn");
        assert!(fresh == cold, "a cold cache draws other pixels");
        assert!(fresh == warm, "a warm cache draws other pixels");
    }
}
