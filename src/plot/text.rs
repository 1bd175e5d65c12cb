//! Text in the embedded DejaVu Sans (assets/fonts, with its licence), rasterised by
//! ab_glyph straight onto the canvas: charts need no system fonts or fontconfig.
//!
//! plotters 0.3.7 has an ab_glyph text path, but it drops each glyph's left side
//! bearing and so spaces "100,000" as "1 00,000"; this one places every glyph by its
//! own bounds, with kerning.

use super::PlotError;
use super::canvas::{Area, Canvas, weight};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::coord::CoordTranslate;
use plotters::drawing::Rect;
use plotters::element::{CoordMapper, Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use plotters_backend::{BackendCoord, DrawingBackend, DrawingErrorKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

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
    // Measured only when the alignment needs it: most text is left-aligned.
    let start = match h {
        HPos::Left => 0.0,
        HPos::Center => -(width(s, size, bold)? as f32) / 2.0,
        HPos::Right => -(width(s, size, bold)? as f32),
    };
    let mut run = Run {
        at,
        rgb: [color.0, color.1, color.2],
        dir,
        glyphs: Vec::with_capacity(s.len()),
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
        #[cfg(test)]
        if tests::REFERENCE.with(std::cell::Cell::get) {
            tests::draw_by_pixel(area, font, glyph, &run)?;
            continue;
        }
        if let Some(pixels) = coverage(font, key, glyph) {
            run.glyphs.push(pixels);
        }
    }
    // One call for the whole string: the canvas is borrowed once, not per pixel.
    area.draw(&run)?;
    Ok(())
}

/// A glyph pixel: (x, y) from the caret on the baseline, and the weight (of 256,
/// see [`weight`]) its coverage blends the text colour with.
#[derive(Clone, Copy, Debug)]
struct Px {
    dx: i32,
    dy: i32,
    a: u32,
}

/// A glyph's pixels (a slice behind the count, not a Vec behind it: one pointer
/// less to follow per glyph drawn from the cache).
type Pixels = Rc<[Px]>;

/// A string's glyphs, drawn by blending each pixel straight into the canvas: the
/// bytes `area.draw_pixel(p, &color.mix(coverage))` drew, at a fraction of the cost
/// (see `canvas`).
struct Run {
    /// The anchor: the caret's start on the baseline, in the area's coordinates.
    at: (i32, i32),
    rgb: [u8; 3],
    dir: Direction,
    glyphs: Vec<Pixels>,
}

impl Run {
    /// Where a glyph pixel `(dx, dy)` from the anchor `at` lands on the canvas.
    fn place(&self, at: BackendCoord, dx: i32, dy: i32) -> BackendCoord {
        match self.dir {
            Direction::Right => (at.0 + dx, at.1 + dy),
            Direction::Up => (at.0 + dy, at.1 - dx),
        }
    }
}

/// Maps a point as `DrawingArea::draw_pixel` does: shifted to the area's corner and
/// not clamped into the area (plotters' own mappers clamp, which would move text
/// that starts off the area; the canvas clips each pixel instead).
struct AsPixel;

impl CoordMapper for AsPixel {
    type Output = BackendCoord;
    fn map<CT: CoordTranslate>(coord: &CT, from: &CT::From, _: &Rect) -> BackendCoord {
        coord.translate(from)
    }
}

impl<'a> PointCollection<'a, (i32, i32), AsPixel> for &'a Run {
    type Point = &'a (i32, i32);
    type IntoIter = std::iter::Once<&'a (i32, i32)>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<'c> Drawable<Canvas<'c>, AsPixel> for Run {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut anchor: I,
        canvas: &mut Canvas<'c>,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<<Canvas<'c> as DrawingBackend>::ErrorType>> {
        let Some(at) = anchor.next() else {
            return Ok(());
        };
        for glyph in &self.glyphs {
            for px in glyph.iter() {
                canvas.blend(self.place(at, px.dx, px.dy), self.rgb, px.a);
            }
        }
        Ok(())
    }
}

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

/// `glyph`'s pixels with coverage above 2%, each with the weight its coverage
/// blends by.
fn rasterise(font: &FontRef<'static>, glyph: ab_glyph::Glyph) -> Option<Pixels> {
    let mut pixels = Vec::new();
    outline(font, glyph, |dx, dy, cov| {
        pixels.push(Px {
            dx,
            dy,
            a: weight(f64::from(cov.min(1.0))),
        });
    })?;
    // Copied to a slice of its length: held as counted (the pushes' spare capacity
    // would be up to as much again).
    Some(Rc::from(pixels))
}

/// Calls `pixel` with (x, y) from the caret and the coverage of each of `glyph`'s
/// pixels covered above 2%; None for a glyph without an outline.
fn outline(
    font: &FontRef<'static>,
    glyph: ab_glyph::Glyph,
    mut pixel: impl FnMut(i32, i32, f32),
) -> Option<()> {
    let outline = font.outline_glyph(glyph)?;
    let b = outline.px_bounds();
    outline.draw(|gx, gy, cov| {
        if cov > 0.02 {
            pixel(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32, cov);
        }
    });
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Rasterise every glyph afresh, bypassing the cache.
        pub static UNCACHED: Cell<bool> = const { Cell::new(false) };
        /// Draw every glyph pixel through `DrawingArea::draw_pixel`, as text was
        /// drawn before it blended straight into the canvas: the reference the fast
        /// path must match byte for byte.
        pub static REFERENCE: Cell<bool> = const { Cell::new(false) };
    }

    /// `glyph` (of `run`) drawn pixel by pixel through plotters, freshly rasterised.
    pub fn draw_by_pixel(
        area: &Area,
        font: &FontRef<'static>,
        glyph: ab_glyph::Glyph,
        run: &Run,
    ) -> Result<(), PlotError> {
        let [r, g, b] = run.rgb;
        let color = RGBColor(r, g, b);
        let mut drawn = Ok(());
        outline(font, glyph, |dx, dy, cov| {
            if drawn.is_ok() {
                let p = run.place(run.at, dx, dy);
                drawn = area.draw_pixel(p, &color.mix(f64::from(cov.min(1.0))));
            }
        });
        Ok(drawn?)
    }

    const SIZE: (u32, u32) = (400, 200);

    /// A white canvas of [`SIZE`] with `paint` drawn on it.
    fn painted(paint: impl FnOnce(&Area)) -> Vec<u8> {
        let mut buf = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
        {
            let area = Canvas::new(&mut buf, SIZE).into_drawing_area();
            paint(&area);
            area.present().unwrap();
        }
        buf
    }

    fn pen(size: f64, bold: bool) -> Pen {
        Pen {
            size,
            color: RGBColor(20, 60, 200),
            bold,
        }
    }

    /// `s` drawn at a few sizes, alignments and directions on `area`.
    fn lines(area: &Area, s: &str) {
        let right = Direction::Right;
        draw(area, s, (10, 40), pen(17.0, false), HPos::Left, right).unwrap();
        draw(area, s, (200, 90), pen(23.5, true), HPos::Center, right).unwrap();
        draw(area, s, (390, 140), pen(13.0, false), HPos::Right, right).unwrap();
        draw(
            area,
            s,
            (30, 190),
            pen(15.0, false),
            HPos::Center,
            Direction::Up,
        )
        .unwrap();
    }

    /// `s` drawn at a few sizes, alignments and directions on a fresh canvas.
    fn canvas(s: &str) -> Vec<u8> {
        painted(|area| lines(area, s))
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

    /// Ground of several colours, so that the blend is tested both ways (towards
    /// lighter and darker values).
    fn ground(area: &Area) {
        area.draw(&Rectangle::new(
            [(0, 0), (200, 100)],
            RGBColor(250, 10, 128).filled(),
        ))
        .unwrap();
        area.draw(&Rectangle::new(
            [(150, 60), (400, 200)],
            RGBColor(0, 0, 0).mix(0.4).filled(),
        ))
        .unwrap();
    }

    /// Text over coloured ground, overlapping itself, running off every edge of
    /// the canvas, and on sub-areas (whose shift the text must follow, and whose
    /// bounds it is not clipped to, as `draw_pixel` does not clip to them).
    fn scene(area: &Area) {
        let s = "Wavy 0.5% $1.23M AVWa";
        ground(area);
        lines(area, s);
        lines(area, "overlapping text over the first lines");
        let pens = [pen(31.0, true), pen(9.0, false), pen(19.5, false)];
        let heavy = Pen {
            color: RGBColor(250, 250, 5),
            ..pens[0]
        };
        // Off the left, right, top and bottom edges, and far off the canvas.
        let off = [
            (-25, 30),
            (370, 60),
            (100, 8),
            (150, 205),
            (-900, -900),
            (5000, 10),
        ];
        for (k, at) in off.into_iter().enumerate() {
            let p = pens[k % pens.len()];
            draw(area, s, at, p, HPos::Left, Direction::Right).unwrap();
            draw(area, s, at, heavy, HPos::Center, Direction::Up).unwrap();
        }
        // Sub-areas: a margin, and the cells of a split, each drawn past its bounds.
        let inner = area.margin(13, 7, 29, 3);
        draw(
            &inner,
            s,
            (-10, 20),
            pen(21.0, false),
            HPos::Left,
            Direction::Right,
        )
        .unwrap();
        for (k, cell) in area.split_evenly((2, 3)).iter().enumerate() {
            let at = (120 - 40 * k as i32, 30 + 10 * k as i32);
            let p = pens[k % pens.len()];
            draw(cell, s, at, p, HPos::Right, Direction::Right).unwrap();
            draw(cell, s, (5, 60), p, HPos::Center, Direction::Up).unwrap();
        }
    }

    #[test]
    fn text_blends_the_bytes_plotters_draw_pixel_draws() {
        let (reference, cold, warm) = std::thread::spawn(|| {
            REFERENCE.with(|r| r.set(true));
            let reference = painted(scene);
            REFERENCE.with(|r| r.set(false));
            (reference, painted(scene), painted(scene))
        })
        .join()
        .unwrap();
        // Text reached the canvas, including its edges (first and last rows and
        // columns), so the clipping was exercised.
        let blank = painted(|area| {
            REFERENCE.with(|r| r.set(false));
            ground(area);
        });
        let row = (SIZE.0 * 3) as usize;
        let edges = [&reference[..row], &reference[reference.len() - row..]];
        for (k, edge) in edges.iter().enumerate() {
            let base = if k == 0 {
                &blank[..row]
            } else {
                &blank[blank.len() - row..]
            };
            assert!(*edge != base, "text reaches edge row {k}");
        }
        assert!(reference != blank, "text was drawn");
        assert!(
            reference == cold,
            "the fast path draws other pixels than draw_pixel"
        );
        assert!(
            reference == warm,
            "cached glyphs draw other pixels than draw_pixel"
        );
    }

    #[test]
    fn weights_match_the_backend_blend() {
        // Each opacity blended by the backend and by the canvas, over every ground.
        for k in 0..=1000 {
            let alpha = f64::from(k) / 1000.0;
            let mut by_backend = [0u8; 256 * 3];
            let mut by_canvas = by_backend;
            for (v, px) in by_backend.chunks_mut(3).enumerate() {
                px.fill(v as u8);
            }
            by_canvas.copy_from_slice(&by_backend);
            {
                let area =
                    BitMapBackend::with_buffer(&mut by_backend, (256, 1)).into_drawing_area();
                for x in 0..256 {
                    area.draw_pixel((x, 0), &RGBColor(0, 128, 255).mix(alpha))
                        .unwrap();
                }
            }
            let mut canvas = Canvas::new(&mut by_canvas, (256, 1));
            for x in 0..256 {
                canvas.blend((x, 0), [0, 128, 255], weight(alpha));
            }
            assert!(by_backend == by_canvas, "alpha {alpha}");
        }
    }
}
