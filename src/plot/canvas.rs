//! The canvas charts are drawn on: an RGB buffer behind plotters' `DrawingArea`.
//!
//! Every shape but a see-through filled rectangle goes to plotters' `BitMapBackend`,
//! unchanged. The canvas exists so that text can reach the pixels: plotters' bitmap
//! backend keeps its buffer private, and text drawn through `DrawingArea::draw_pixel`
//! paid a coordinate translation, a `RefCell` borrow and a float blend per glyph
//! pixel (~5% of a default run's CPU). [`Canvas::blend`] writes the same bytes the
//! backend's `draw_pixel` would, and [`Canvas::blend_rect`] those of its
//! see-through rectangle fill.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// The area a chart is drawn on. Defined here, at the bottom of the drawing layers,
/// and re-exported by `style`.
pub type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// The bitmap backend's error, which the canvas reports as its own.
type BitmapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

type Drawn = Result<(), DrawingErrorKind<BitmapError>>;

/// An RGB buffer, `size.0` pixels a row, drawn on by plotters' bitmap backend.
pub struct Canvas<'a> {
    rgb: &'a mut [u8],
    size: (u32, u32),
}

impl<'a> Canvas<'a> {
    pub fn new(rgb: &'a mut [u8], size: (u32, u32)) -> Canvas<'a> {
        Canvas { rgb, size }
    }

    /// A bitmap backend over the buffer, for one call. It holds nothing between
    /// calls (no state of its own past the buffer and the size), so one backend per
    /// call draws what one backend for the whole chart drew.
    fn bitmap(&mut self) -> BitMapBackend<'_> {
        BitMapBackend::with_buffer(self.rgb, self.size)
    }

    /// Blends `rgb` into the pixel at `(x, y)` with weight `a` of 256 (see
    /// [`weight`]), as `BitMapBackend::draw_pixel` does: pixels off the canvas are
    /// skipped, each channel moves `a`/256 of the way to the colour, rounded
    /// towards the old value.
    #[inline]
    pub fn blend(&mut self, (x, y): BackendCoord, rgb: [u8; 3], a: u32) {
        let (w, h) = self.size;
        if x < 0 || y < 0 || x as u32 >= w || y as u32 >= h {
            return;
        }
        let at = (y as usize * w as usize + x as usize) * 3;
        let Some(px) = self.rgb.get_mut(at..at + 3) else {
            return;
        };
        for (old, new) in px.iter_mut().zip(rgb) {
            *old = blended(*old, new, a);
        }
    }
}

impl Canvas<'_> {
    /// A see-through filled rectangle, byte for byte as plotters-bitmap 0.3.7's
    /// `RGBPixel::blend_rect_fast` (the bars, shaded ranges and label boxes: ~2% of a
    /// default run's CPU there). Its rows blend in two ways, which this keeps: all
    /// but the last 1 to 8 pixels of a row as `(old·(256 − a) + new·a) >> 8` (its
    /// eight-pixel words), the rest as [`Canvas::blend`]. Here the words' sums are
    /// written per byte, in 16 bits, which the compiler turns into vector code.
    fn blend_rect(&mut self, a: BackendCoord, b: BackendCoord, rgb: (u8, u8, u8), alpha: f64) {
        let alpha = alpha.clamp(0.0, 1.0);
        if alpha == 0.0 {
            return;
        }
        let (w, h) = (self.size.0 as i32, self.size.1 as i32);
        let (x0, y0) = (a.0.min(b.0).max(0), a.1.min(b.1).max(0));
        let (x1, y1) = (a.0.max(b.0).min(w), a.1.max(b.1).min(h));
        if x0 >= x1 || y0 >= y1 {
            return;
        }
        let a = (256.0 * alpha).floor() as u16;
        let colour = [rgb.0, rgb.1, rgb.2];
        // Eight pixels of the colour, times a; the old bytes weigh 256 − a.
        let mut ink = [0u16; 24];
        for (k, v) in ink.iter_mut().enumerate() {
            *v = u16::from(colour[k % 3]) * a;
        }
        let count = (x1 - x0) as usize;
        let words = (count - 1) / 8 * 24;
        for y in y0..y1 {
            let start = (y as usize * w as usize + x0 as usize) * 3;
            let (body, tail) = self.rgb[start..start + count * 3].split_at_mut(words);
            blend_words(body, &ink, 256 - a);
            for px in tail.chunks_exact_mut(3) {
                for (old, new) in px.iter_mut().zip(colour) {
                    *old = blended(*old, new, u32::from(a));
                }
            }
        }
    }
}

/// `old` moved `a`/256 of the way to `new`, rounded towards `old`: the bitmap
/// backend's per-pixel blend.
#[inline]
fn blended(old: u8, new: u8, a: u32) -> u8 {
    // u32 holds 255 × 256; the division truncates as the backend's u64 one.
    if new > old {
        old + (u32::from(new - old) * a / 256) as u8
    } else {
        old - (u32::from(old - new) * a / 256) as u8
    }
}

/// Each byte of `body` (whole 24-byte groups: eight RGB pixels) as
/// `(old·keep + ink) >> 8`, `ink` being the colour times its weight: at most
/// 255 × 256, so 16 bits hold every sum.
fn blend_words(body: &mut [u8], ink: &[u16; 24], keep: u16) {
    for group in body.chunks_exact_mut(24) {
        for (old, &ink) in group.iter_mut().zip(ink) {
            *old = ((u16::from(*old) * keep + ink) >> 8) as u8;
        }
    }
}

/// The weight (of 256) with which `BitMapBackend::draw_pixel` blends a colour of
/// opacity `alpha`: at least 1 − 1/256 it writes the colour (weight 256 does the
/// same), else it blends by ⌊256·alpha⌋; 0 at or below zero (it draws nothing).
pub fn weight(alpha: f64) -> u32 {
    if alpha >= 1.0 - 1.0 / 256.0 {
        256
    } else if alpha > 0.0 {
        (alpha * 256.0).floor() as u32
    } else {
        0
    }
}

/// Every call goes to a bitmap backend over the buffer (see [`Canvas::bitmap`]),
/// including the ones with default bodies, so the backend's own overrides draw them.
impl DrawingBackend for Canvas<'_> {
    type ErrorType = BitmapError;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Drawn {
        Ok(())
    }

    fn present(&mut self) -> Drawn {
        self.bitmap().present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn {
        self.bitmap().draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn {
        self.bitmap().draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        let color = style.color();
        // The backend's own test for a see-through fill (NaN takes its other path).
        if fill && color.alpha < 1.0 {
            self.blend_rect(upper_left, bottom_right, color.rgb, color.alpha);
            return Ok(());
        }
        self.bitmap()
            .draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        self.bitmap().draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        self.bitmap().draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        self.bitmap().fill_polygon(vert, style)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Drawn {
        self.bitmap().draw_text(text, style, pos)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        // The backend measures text without its pixels: an empty one measures alike.
        BitMapBackend::with_buffer(&mut [], (0, 0)).estimate_text_size(text, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Drawn {
        self.bitmap().blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: (u32, u32) = (67, 23);

    /// A ground of every byte value, so that blends run both ways.
    fn ground() -> Vec<u8> {
        (0..SIZE.0 * SIZE.1 * 3)
            .map(|k| (k * 37 % 256) as u8)
            .collect()
    }

    #[test]
    fn see_through_rectangles_blend_as_the_bitmap_backend() {
        let alphas = [
            0.001,
            0.003,
            0.16,
            0.3,
            0.5,
            0.85,
            0.996,
            0.9999,
            -0.5,
            f64::NAN,
        ];
        let colours = [(0, 114, 178), (255, 255, 255), (0, 0, 0), (246, 7, 128)];
        // Corners in either order, on and off the canvas; widths 1 to 20 and more,
        // so that rows end on each of the backend's two blends.
        let mut rects = Vec::new();
        for x0 in [-5, 0, 3, 40, 60, 66, 70] {
            for wd in [0, 1, 2, 7, 8, 9, 16, 17, 20, 80] {
                rects.push(((x0, -2), (x0 + wd, 9)));
                rects.push(((x0 + wd, 22), (x0, 5)));
            }
        }
        for alpha in alphas {
            for &(r, g, b) in &colours {
                let colour = RGBColor(r, g, b).mix(alpha);
                let mut by_backend = ground();
                let mut by_canvas = ground();
                {
                    let mut backend = BitMapBackend::with_buffer(&mut by_backend, SIZE);
                    for &(p, q) in &rects {
                        backend.draw_rect(p, q, &colour, true).unwrap();
                    }
                }
                let mut canvas = Canvas::new(&mut by_canvas, SIZE);
                for &(p, q) in &rects {
                    canvas.draw_rect(p, q, &colour, true).unwrap();
                }
                assert!(by_backend == by_canvas, "alpha {alpha} colour {r} {g} {b}");
            }
        }
    }
}
