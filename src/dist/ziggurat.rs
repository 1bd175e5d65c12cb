//! The standard normal by Marsaglia & Tsang's ziggurat (2000), 1024 layers, in the
//! form rand_distr uses (Doornik's ZIGNOR: one 64-bit word gives the layer from its
//! low 10 bits and a signed uniform from its high 52). 1024 layers rather than the
//! usual 256 leave 4× fewer words outside their rectangle (0.4%), the slow path.
//!
//! A block is drawn in two passes. The first, branch-free and vectorisable, turns
//! every word into a candidate x = u·X[i] and flags whether it lies in the layer's
//! rectangle (|x| < X[i+1], 99.6% of words). The second walks the flags and finishes
//! the rare others exactly as the scalar algorithm would: the wedge test with one
//! more uniform, the tail for layer 0, and on rejection a complete fresh draw. Every
//! value is therefore a draw of the exact ziggurat algorithm; only the order in
//! which the stream's words are consumed differs from a one-at-a-time loop.
//!
//! The tables are computed once, from IEEE arithmetic only (`fastmath`'s exp and ln,
//! and sqrt), so every machine builds the same bits.

use super::fastmath::{exp_core, ln_core};
use super::lanes::{LaneRng, open01};
use rand::Rng;
use std::mem::MaybeUninit;
use std::sync::OnceLock;

/// Layers (a power of two: the layer is a word's low bits).
const LAYERS: usize = 1024;
/// The base layer's right edge R and each layer's area V for 1024 layers: V is
/// R·f(R) + ∫_R^∞ f, and R the root, found by bisection, of the condition that the
/// recursion X[i+1] = f⁻¹(V/X[i] + f(X[i])) from X[1] = R closes the top layer
/// exactly (the same computation gives rand_distr's R = 3.6541528853610088 for 256
/// layers; a test checks that these close).
const R: f64 = 4.038_849_846_109_504;
const V: f64 = 0.001_226_324_646_353_089_3;
/// Words per first-pass batch.
const BATCH: usize = 256;

/// X[i]: layer i's right edge (X[0] the base strip's equivalent width, X[1024] = 0);
/// F[i] = exp(−X[i]²/2).
pub struct Tables {
    x: [f64; LAYERS + 1],
    f: [f64; LAYERS + 1],
}

fn pdf(x: f64) -> f64 {
    exp_core(-0.5 * x * x)
}

pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; LAYERS + 1];
        x[0] = V / pdf(R);
        x[1] = R;
        for i in 2..LAYERS {
            x[i] = (-2.0 * ln_core(V / x[i - 1] + pdf(x[i - 1]))).sqrt();
        }
        let mut f = [0.0; LAYERS + 1];
        for i in 0..=LAYERS {
            f[i] = pdf(x[i]);
        }
        Tables { x, f }
    })
}

/// u in [−1, 1) from the word's top 52 bits (exact).
#[inline(always)]
fn signed_unit(w: u64) -> f64 {
    2.0 * f64::from_bits((w >> 12) | 0x3FF0_0000_0000_0000) - 3.0
}

/// Fills `out` with standard normals.
#[inline(always)]
pub fn fill(rng: &mut LaneRng, out: &mut [f64]) {
    let t = tables();
    let mut scratch = [MaybeUninit::<u64>::uninit(); BATCH];
    for chunk in out.chunks_mut(BATCH) {
        let n = chunk.len();
        let words = rng.fill_u64_uninit(&mut scratch[..n]);
        #[cfg(target_arch = "x86_64")]
        if crate::simd::level().has_avx2() {
            // SAFETY: the level includes AVX2 only when the CPU has it.
            let outside = unsafe { x86::candidates(t, &words[..n], chunk) };
            // The few outside their rectangle, in order (as the loop below finishes
            // them): the same words consumed in the same order, so the same values.
            for (q, &bits) in outside.iter().enumerate() {
                let mut bits = bits;
                while bits != 0 {
                    let k = q * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let w = words[k];
                    chunk[k] = finish(t, (w as usize) & (LAYERS - 1), candidate(t, w).0, rng);
                }
            }
            continue;
        }
        // Candidates outside their rectangle are marked NaN (no draw is NaN) rather
        // than flagged in a second array: cheaper to store, and to scan.
        for (o, &w) in chunk.iter_mut().zip(&words[..n]) {
            let (x, inside) = candidate(t, w);
            *o = if inside { x } else { f64::NAN };
        }
        for (o, &w) in chunk.iter_mut().zip(&words[..n]) {
            if o.is_nan() {
                *o = finish(t, (w as usize) & (LAYERS - 1), candidate(t, w).0, rng);
            }
        }
    }
}

/// The first pass with AVX2 gathers (LLVM left the two table lookups per word
/// scalar: ~40% of a lognormal's time). The same IEEE operations as `candidate`:
/// 2f − 3 as (f + f) − 3, one product, one comparison — the same bits.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{BATCH, LAYERS, Tables, candidate};
    use std::arch::x86_64::*;

    /// Writes each word's candidate to `out` (those outside their rectangle too) and
    /// returns a bitmap of the outside ones (bit k of word k / 64).
    ///
    /// # Safety
    /// The CPU must have AVX2. `words` and `out` hold the same number of values, at
    /// most BATCH.
    #[target_feature(enable = "avx2")]
    pub unsafe fn candidates(t: &Tables, words: &[u64], out: &mut [f64]) -> [u64; BATCH / 64] {
        let n = words.len().min(out.len());
        let mut outside = [0u64; BATCH / 64];
        let quads = n / 4 * 4;
        let x = t.x.as_ptr();
        // SAFETY: loads and stores at k..k + 4 < n; the gather indices are words'
        // low 10 bits, so i + 1 <= LAYERS, within t.x's LAYERS + 1 entries.
        unsafe {
            let layer_mask = _mm256_set1_epi64x((LAYERS - 1) as i64);
            let one_bits = _mm256_set1_epi64x(0x3FF0_0000_0000_0000);
            let three = _mm256_set1_pd(3.0);
            let abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
            for k in (0..quads).step_by(4) {
                let w = _mm256_loadu_si256(words.as_ptr().add(k).cast());
                let i = _mm256_and_si256(w, layer_mask);
                let f = _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<12>(w), one_bits));
                let u = _mm256_sub_pd(_mm256_add_pd(f, f), three);
                let xi = _mm256_i64gather_pd::<8>(x, i);
                let xi1 = _mm256_i64gather_pd::<8>(x.add(1), i);
                let c = _mm256_mul_pd(u, xi);
                let inside = _mm256_cmp_pd::<_CMP_LT_OQ>(_mm256_and_pd(c, abs_mask), xi1);
                _mm256_storeu_pd(out.as_mut_ptr().add(k), c);
                let out_bits = (!_mm256_movemask_pd(inside) & 0xF) as u64;
                outside[k / 64] |= out_bits << (k % 64);
            }
        }
        for k in quads..n {
            let (c, inside) = candidate(t, words[k]);
            out[k] = c;
            outside[k / 64] |= u64::from(!inside) << (k % 64);
        }
        outside
    }
}

/// A word's candidate x = u·X[i], and whether it lies in layer i's rectangle.
#[inline(always)]
fn candidate(t: &Tables, w: u64) -> (f64, bool) {
    let i = (w as usize) & (LAYERS - 1);
    let x = signed_unit(w) * t.x[i];
    (x, x.abs() < t.x[i + 1])
}

/// One standard normal, one word at a time (for callers without a block).
pub fn sample<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let t = tables();
    let w = rng.next_u64();
    match candidate(t, w) {
        (x, true) => x,
        (x, false) => finish(t, (w as usize) & (LAYERS - 1), x, rng),
    }
}

/// The ziggurat past its fast test: candidate x from layer i.
#[cold]
fn finish<R: Rng + ?Sized>(t: &Tables, mut i: usize, mut x: f64, rng: &mut R) -> f64 {
    loop {
        if i == 0 {
            return tail(x < 0.0, rng);
        }
        if t.f[i + 1] + (t.f[i] - t.f[i + 1]) * open01(rng.next_u64()) < pdf(x) {
            return x;
        }
        let w = rng.next_u64();
        i = (w as usize) & (LAYERS - 1);
        x = signed_unit(w) * t.x[i];
        if x.abs() < t.x[i + 1] {
            return x;
        }
    }
}

/// Beyond R, by Marsaglia's exponential rejection (1964).
fn tail<R: Rng + ?Sized>(negative: bool, rng: &mut R) -> f64 {
    loop {
        let x = -ln_core(open01(rng.next_u64())) / R;
        let y = -ln_core(open01(rng.next_u64()));
        if 2.0 * y > x * x {
            return if negative { -(R + x) } else { R + x };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layers_have_equal_area_and_close_at_zero() {
        let t = tables();
        for i in 1..LAYERS - 1 {
            let area = t.x[i] * (t.f[i + 1] - t.f[i]);
            assert!((area - V).abs() < 1e-12 * V * 100.0, "layer {i}: {area}");
        }
        // The top layer closes: its area, up to the peak, is V too.
        let top = t.x[LAYERS - 1] * (1.0 - t.f[LAYERS - 1]);
        assert!((top - V).abs() < 1e-9 * V, "top layer: {top}");
        assert_eq!(t.x[LAYERS], 0.0);
        assert_eq!(t.f[LAYERS], 1.0);
    }

    #[test]
    fn block_draws_have_the_normals_moments_and_tails() {
        let mut rng = LaneRng::from_u64(11);
        let mut z = vec![0.0; 2_000_000];
        fill(&mut rng, &mut z);
        let n = z.len() as f64;
        let mean = z.iter().sum::<f64>() / n;
        let var = z.iter().map(|v| v * v).sum::<f64>() / n - mean * mean;
        let kurt = z.iter().map(|v| v.powi(4)).sum::<f64>() / n;
        assert!(mean.abs() < 0.003, "mean {mean}");
        assert!((var - 1.0).abs() < 0.004, "variance {var}");
        assert!((kurt - 3.0).abs() < 0.03, "fourth moment {kurt}");
        // P(|Z| > R) = 5.37e-5: about 107 of 2e6 draws come from the tail.
        let beyond = z.iter().filter(|v| v.abs() > R).count();
        assert!((70..150).contains(&beyond), "{beyond} draws beyond R");
    }
}
