//! A chart's canvas as PNG bytes: the bytes the png crate writes for an 8-bit RGB
//! image at `Compression::Fastest` (the `Up` filter on every row, fdeflate's
//! ultra-fast deflate), compressed here instead of in `Writer::write_image_data`:
//!
//! - the compressed stream goes to a buffer the thread keeps from chart to chart,
//!   where the png crate grew a fresh one per chart (copies and page faults), and
//!   the file is allocated once at its final size;
//! - each row is whitened as soon as the next one has been filtered against it,
//!   while it is in cache, so the canvas is white for the next chart without a
//!   pass of its own over ~5 MB (see `render`).
//!
//! `tests::the_bytes_of_the_png_crate` holds the bytes to the png crate's.
//!
//! Why `Fastest`: `Fast` used the same deflate but chose each row's filter
//! adaptively (all five tried per row: ~7% of a default run's CPU); charts are flat
//! colour and lines, which `Up` suits.

use super::PlotError;
use std::cell::RefCell;

/// PNG's `Up` filter type, the first byte of every filtered row.
const UP: u8 = 2;

/// The PNG of the `width`×`height` RGB image `rgb`, which it leaves white (every
/// byte 255) when it returns Ok.
pub fn png(rgb: &mut [u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    thread_local! {
        /// The compressed stream, kept between charts.
        static ZLIB: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let mut zlib = ZLIB.with(|z| std::mem::take(&mut *z.borrow_mut()));
    zlib.clear();
    let file = compress(rgb, width as usize * 3, &mut zlib).and_then(|()| {
        let raw = (width as usize * 3 + 1) * height as usize;
        // As the png crate: a stream larger than stored blocks would be is stored.
        if zlib.len() > fdeflate::StoredOnlyCompressor::<()>::compressed_size(raw) {
            let stored = stored(&zlib, width as usize * 3)?;
            wrap(&stored, width, height)
        } else {
            wrap(&zlib, width, height)
        }
    });
    // Kept only while small beside the canvas: the chart threads' memory is
    // budgeted by their canvases (`CANVAS_BUDGET`), and a chart's stream is a few
    // per cent of its canvas; an image that hardly compressed would keep as much
    // again.
    if zlib.capacity() <= rgb.len() / 4 {
        ZLIB.with(|z| *z.borrow_mut() = zlib);
    }
    file
}

/// Appends to `zlib` the rows of `rgb` (`stride` bytes each), `Up`-filtered and
/// deflated one row per call as the png crate does (fdeflate's output depends on
/// how its input is split); whitens each row once the next is filtered.
fn compress(rgb: &mut [u8], stride: usize, zlib: &mut Vec<u8>) -> Result<(), PlotError> {
    let mut row = vec![0u8; stride + 1];
    row[0] = UP;
    let mut deflate = fdeflate::Compressor::new(&mut *zlib).map_err(png::EncodingError::from)?;
    for y in 0..rgb.len() / stride.max(1) {
        let (above, rest) = rgb.split_at_mut(y * stride);
        let line = &rest[..stride];
        match above.len().checked_sub(stride) {
            Some(start) => {
                let prev = &mut above[start..];
                for ((out, &cur), &up) in row[1..].iter_mut().zip(line).zip(&*prev) {
                    *out = cur.wrapping_sub(up);
                }
                prev.fill(255);
            }
            // The first row is filtered against zeros: itself.
            None => row[1..].copy_from_slice(line),
        }
        deflate.write_data(&row).map_err(png::EncodingError::from)?;
    }
    let last = rgb.len().saturating_sub(stride);
    rgb[last..].fill(255);
    deflate.finish().map_err(png::EncodingError::from)?;
    Ok(())
}

/// The stored-blocks stream of the image whose rows `zlib` holds filtered (the
/// canvas is white by now): its rows unfiltered from the stream itself, each behind
/// filter type 0, as the png crate stores an image that does not compress.
fn stored(zlib: &[u8], stride: usize) -> Result<Vec<u8>, PlotError> {
    let filtered = fdeflate::decompress_to_vec(zlib)
        .map_err(|e| PlotError::Draw(format!("re-reading a chart's pixels: {e:?}")))?;
    let out = std::io::Cursor::new(Vec::new());
    let mut store = fdeflate::StoredOnlyCompressor::new(out).map_err(png::EncodingError::from)?;
    let mut line = vec![0u8; stride];
    for row in filtered.chunks_exact(stride + 1) {
        for (px, &d) in line.iter_mut().zip(&row[1..]) {
            *px = px.wrapping_add(d);
        }
        store.write_data(&[0]).map_err(png::EncodingError::from)?;
        store.write_data(&line).map_err(png::EncodingError::from)?;
    }
    Ok(store
        .finish()
        .map_err(png::EncodingError::from)?
        .into_inner())
}

/// The PNG file around the zlib stream `idat`: the header the png crate writes for
/// an 8-bit RGB image, `idat` as one IDAT chunk (as its `write_image_data` writes
/// any stream under 2 GB), and the end.
fn wrap(idat: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    // Signature, IHDR, IDAT and IEND: chunks are 12 bytes around their data.
    let mut out = Vec::with_capacity(8 + (12 + 13) + (12 + idat.len()) + 12);
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fastest);
    let mut writer = enc.write_header()?;
    writer.write_chunk(png::chunk::IDAT, idat)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The png crate's own encoding of `rgb`, as charts were encoded before.
    fn by_png_crate(rgb: &[u8], width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fastest);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(rgb).unwrap();
        writer.finish().unwrap();
        out
    }

    /// A reproducible pseudo-random byte stream.
    fn noise(n: usize, mut seed: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect()
    }

    /// A chart-like image: white, with flat boxes, a gradient and a little noise.
    fn chart_like(width: u32, height: u32) -> Vec<u8> {
        let (w, h) = (width as usize, height as usize);
        let mut rgb = vec![255u8; w * h * 3];
        let speckle = noise(w * h * 3, 7);
        for y in 0..h {
            for x in 0..w {
                let px = &mut rgb[(y * w + x) * 3..][..3];
                if (10..40).contains(&x) && (5..30).contains(&y) {
                    px.copy_from_slice(&[0, 114, 178]);
                } else if y > h / 2 && x < w / 2 {
                    px.fill((x * 255 / w) as u8);
                } else if x % 17 == 3 {
                    px.copy_from_slice(&speckle[(y * w + x) * 3..][..3]);
                }
            }
        }
        rgb
    }

    #[test]
    fn the_bytes_of_the_png_crate() {
        let cases = [
            chart_like(120, 80),
            chart_like(1, 1),
            chart_like(7, 3),
            chart_like(333, 1),
            // Noise does not compress: the png crate stores it instead.
            noise(64 * 48 * 3, 11),
        ];
        let sizes = [(120, 80), (1, 1), (7, 3), (333, 1), (64, 48)];
        for (rgb, (w, h)) in cases.iter().zip(sizes) {
            let mut canvas = rgb.clone();
            let ours = png(&mut canvas, w, h).unwrap();
            assert!(ours == by_png_crate(rgb, w, h), "{w}x{h}");
            assert!(canvas.iter().all(|&b| b == 255), "{w}x{h}: left white");
        }
    }

    #[test]
    fn noise_is_stored_not_deflated() {
        let rgb = noise(64 * 48 * 3, 11);
        let file = png(&mut rgb.clone(), 64, 48).unwrap();
        // Stored: the file holds the pixels, plus the filter bytes and framing.
        assert!(file.len() > rgb.len() + 48, "{} bytes", file.len());
    }
}
