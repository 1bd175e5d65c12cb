//! ============================================================================
//! INDEPENDENT LIMIT KERNELS — NOT PART OF THE PRODUCT. NO `costsim::` CODE.
//! ============================================================================
//!
//! The pieces shared by the independent hand kernels (benches/indep_serving.rs,
//! benches/indep_fleet.rs), written from the textbooks without reading or calling
//! costsim's engine, samplers or statistics, so that "costsim takes N x the
//! independent kernel" measures the distance to what this machine can do, not the
//! engine's overhead over its own samplers:
//!
//! - random numbers: 8 lanes of xoshiro256++ (Blackman & Vigna), seeded by
//!   SplitMix64 from (seed, chunk, input, lane); a chunk of 65,536 samples owns its
//!   streams, so the result does not depend on the number of threads;
//! - uniforms in (0, 1) from the top 52 bits of a word (exponent trick, no
//!   integer-to-float conversion, so it vectorises);
//! - normals by Box–Muller, with its own `ln` (a series in s = (m−1)/(m+1)),
//!   `sqrt`, and `sin`/`cos` as Taylor polynomials on [−π/4, π/4] rotated by a
//!   random quadrant taken from the same word (each within 1e-12);
//! - `exp` by Cody–Waite reduction (x = k·ln2 + r, |r| ≤ ln2/2) and a degree-9
//!   Taylor polynomial (within 1e-11 relative), 2^k put into the exponent bits;
//!   the polynomials by Estrin's scheme with FMA (short dependency chains);
//! - for inputs with constant parameters where that is faster (fleet's PERTs, beta,
//!   gamma, normals, lognormals, loguniform): a tabulated inverse CDF ([`InvCdf`]),
//!   one random word per value: its top bit picks the tail, its next 52 bits give a
//!   tail probability v in (0, ½), and v's exponent and top 7 mantissa bits index a
//!   table that is uniform within each octave of v (2^−40 to ½, 128 points per
//!   octave), read with linear interpolation. The points are exact quantiles computed
//!   at start-up (Newton on each tail's own probability: the beta's by its continued
//!   fraction (Numerical Recipes §6.4), Φ by its series and the Laplace continued
//!   fraction of the Mills ratio, gamma(2)'s in closed form); `INDEP_CHECK=1` prints
//!   the tables' worst relative error against the exact quantiles;
//! - triangular by its inverse CDF;
//! - a log-bucket quantile sketch with relative accuracy α = 0.05% (as costsim
//!   states for its own), but with the cubically interpolated mapping of the DDSketch
//!   papers (f(x) = e + P(m − 1), P(s) = (6/35)s³ − (3/5)s² + (10/7)s), dense u64
//!   counts, representatives as the harmonic mean of a bucket's bounds (found by
//!   bisection of the mapping at query time);
//! - mean and variance per chunk (sums about the chunk's first value), merged in
//!   chunk order by Chan's formula; exact min and max.
//!
//! Every block function is `#[inline(always)]` so that a model's block, compiled with
//! `#[target_feature(enable = "avx2,fma")]`, vectorises with AVX2 throughout; with no
//! AVX2 the same body compiles for baseline x86-64 (same arithmetic, no FMA
//! contraction: the same bits either way).

#![allow(dead_code, clippy::needless_range_loop, clippy::new_without_default)]

use std::time::Instant;

/// Samples per chunk: a chunk owns its random streams (its own seeds).
pub const CHUNK: u64 = 1 << 16;
/// Samples per block: every input's block of values is computed, then the formulas.
pub const BLOCK: usize = 256;
/// Lanes of xoshiro256++ per stream.
pub const LANES: usize = 8;

pub const PERCENTILES: [f64; 7] = [1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0];

// ---------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Eight xoshiro256++ generators stepped together (state word by lane).
#[derive(Clone)]
pub struct Lanes {
    s0: [u64; LANES],
    s1: [u64; LANES],
    s2: [u64; LANES],
    s3: [u64; LANES],
}

impl Lanes {
    /// The streams of input `input` in chunk `chunk`.
    pub fn new(seed: u64, chunk: u64, input: u64) -> Lanes {
        let mut sm = seed
            ^ chunk.wrapping_mul(0xd1b5_4a32_d192_ed03)
            ^ input.wrapping_mul(0xabc9_8388_fb8f_ac03);
        // Decorrelate nearby (seed, chunk, input) triples before filling the lanes.
        for _ in 0..4 {
            splitmix64(&mut sm);
        }
        let mut l = Lanes {
            s0: [0; LANES],
            s1: [0; LANES],
            s2: [0; LANES],
            s3: [0; LANES],
        };
        for k in 0..LANES {
            l.s0[k] = splitmix64(&mut sm);
            l.s1[k] = splitmix64(&mut sm);
            l.s2[k] = splitmix64(&mut sm);
            l.s3[k] = splitmix64(&mut sm);
        }
        l
    }

    /// Fills `out` (a multiple of 8 words) with raw 64-bit words: AVX2 intrinsics,
    /// two vectors of 4 lanes (LLVM, left to itself, did the rotates in scalar
    /// registers). Only called from functions compiled with AVX2 (the kernels check
    /// the CPU before they run).
    #[inline(always)]
    pub fn words(&mut self, out: &mut [u64]) {
        use std::arch::x86_64::*;
        assert!(out.len().is_multiple_of(LANES));
        // SAFETY: AVX2 is enabled in every caller (see above); the stores are
        // unaligned ones within `out`'s bounds.
        unsafe {
            let mut st = self.load();
            for o in out.chunks_exact_mut(LANES) {
                for h in 0..2 {
                    let r = Lanes::step(&mut st, h);
                    _mm256_storeu_si256(o.as_mut_ptr().add(4 * h).cast(), r);
                }
            }
            self.store(&st);
        }
    }

    /// The state as vectors: [word][half] (AVX2 callers only).
    #[inline(always)]
    pub(crate) unsafe fn load(&self) -> [[std::arch::x86_64::__m256i; 2]; 4] {
        use std::arch::x86_64::*;
        // SAFETY: unaligned loads within the arrays' bounds (AVX2: the caller's).
        unsafe {
            let ld = |a: &[u64; LANES], h: usize| _mm256_loadu_si256(a.as_ptr().add(4 * h).cast());
            [
                [ld(&self.s0, 0), ld(&self.s0, 1)],
                [ld(&self.s1, 0), ld(&self.s1, 1)],
                [ld(&self.s2, 0), ld(&self.s2, 1)],
                [ld(&self.s3, 0), ld(&self.s3, 1)],
            ]
        }
    }

    #[inline(always)]
    pub(crate) unsafe fn store(&mut self, st: &[[std::arch::x86_64::__m256i; 2]; 4]) {
        use std::arch::x86_64::*;
        // SAFETY: unaligned stores within the arrays' bounds (AVX2: the caller's).
        unsafe {
            let put = |a: &mut [u64; LANES], v: [__m256i; 2]| {
                _mm256_storeu_si256(a.as_mut_ptr().cast(), v[0]);
                _mm256_storeu_si256(a.as_mut_ptr().add(4).cast(), v[1]);
            };
            put(&mut self.s0, st[0]);
            put(&mut self.s1, st[1]);
            put(&mut self.s2, st[2]);
            put(&mut self.s3, st[3]);
        }
    }

    /// One xoshiro256++ step of half `h` (4 lanes): the output words.
    #[inline(always)]
    pub(crate) unsafe fn step(
        st: &mut [[std::arch::x86_64::__m256i; 2]; 4],
        h: usize,
    ) -> std::arch::x86_64::__m256i {
        use std::arch::x86_64::*;
        // SAFETY: register arithmetic only (AVX2: the caller's).
        unsafe {
            let [s0, s1, s2, s3] = st;
            let sum = _mm256_add_epi64(s0[h], s3[h]);
            let rot = _mm256_or_si256(_mm256_slli_epi64::<23>(sum), _mm256_srli_epi64::<41>(sum));
            let r = _mm256_add_epi64(rot, s0[h]);
            let t = _mm256_slli_epi64::<17>(s1[h]);
            s2[h] = _mm256_xor_si256(s2[h], s0[h]);
            s3[h] = _mm256_xor_si256(s3[h], s1[h]);
            s1[h] = _mm256_xor_si256(s1[h], s2[h]);
            s0[h] = _mm256_xor_si256(s0[h], s3[h]);
            s2[h] = _mm256_xor_si256(s2[h], t);
            s3[h] = _mm256_or_si256(
                _mm256_slli_epi64::<45>(s3[h]),
                _mm256_srli_epi64::<19>(s3[h]),
            );
            r
        }
    }
}

/// A word's top 52 bits as a double in (0, 1): 1.m − (1 − 2^−53).
#[inline(always)]
pub fn open01(w: u64) -> f64 {
    f64::from_bits(0x3ff0_0000_0000_0000 | (w >> 12)) - (1.0 - f64::EPSILON / 2.0)
}

// ---------------------------------------------------------------------------
// Elementary functions
// ---------------------------------------------------------------------------

/// ln 2 in two parts (fdlibm's split: k·LN2_HI is exact for the k here).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// a·b + c, fused (one rounding: with the `fma` target feature it is one
/// instruction; without, a libm call with the same result).
#[inline(always)]
fn fma(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

/// e^x for x in about [−700, 700] (inputs beyond are clamped there), relative error
/// below 1e-11 (Taylor to r^9 on |r| ≤ ln2/2: r^10/10! < 7e-12), seven orders of
/// magnitude below the sketch's α. The polynomial by Estrin's scheme: a short
/// dependency chain, so the vector loop is not bound by one long Horner chain.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-700.0, 700.0);
    let t = fma(x, LOG2_E, SHIFTER);
    let k = t - SHIFTER; // round(x / ln 2)
    let r = fma(-k, LN2_LO, fma(-k, LN2_HI, x));
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = fma(1.0, r, 1.0);
    let p23 = fma(1.0 / 6.0, r, 1.0 / 2.0);
    let p45 = fma(1.0 / 120.0, r, 1.0 / 24.0);
    let p67 = fma(1.0 / 5_040.0, r, 1.0 / 720.0);
    let p89 = fma(1.0 / 362_880.0, r, 1.0 / 40_320.0);
    let q0 = fma(p23, r2, p01);
    let q1 = fma(p67, r2, p45);
    let p = fma(p89, r8, fma(q1, r4, q0));
    // 2^k: k + 1023 into the exponent field (k is the integer in t's low bits).
    let bits = (t.to_bits().wrapping_add(1023) & 0x7ff) << 52;
    p * f64::from_bits(bits)
}

/// ln x for a positive normal x, absolute error below 1e-12.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    // m in [√½, √2): take the mantissa with exponent 0, halve it if above √2; the
    // exponent as a double by OR-ing it into 2^52's mantissa.
    let mut ef =
        f64::from_bits(0x4330_0000_0000_0000 | (bits >> 52)) - (4_503_599_627_370_496.0 + 1023.0);
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    m = if big { m * 0.5 } else { m };
    ef = if big { ef + 1.0 } else { ef };
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    // 2·atanh(s) = 2s(1 + z/3 + z²/5 + ...), z = s² ≤ 0.0295, to z^6 (Estrin).
    let z2 = z * z;
    let z4 = z2 * z2;
    let p01 = fma(1.0 / 3.0, z, 1.0);
    let p23 = fma(1.0 / 7.0, z, 1.0 / 5.0);
    let p45 = fma(1.0 / 11.0, z, 1.0 / 9.0);
    let q1 = fma(1.0 / 13.0, z2, p45);
    let p = fma(q1, z4, fma(p23, z2, p01));
    fma(ef, LN2_HI, fma(2.0 * s, p, ef * LN2_LO))
}

/// (cos φ, sin φ) for |φ| ≤ π/4, Taylor to φ^12 / φ^13 in z = φ² (Estrin), error
/// below 1e-12.
#[inline(always)]
fn cos_sin_small(p: f64) -> (f64, f64) {
    let z = p * p;
    let z2 = z * z;
    let z4 = z2 * z2;
    // cos: Σ (−1)^k z^k / (2k)!, k = 0..6.
    let c01 = fma(-1.0 / 2.0, z, 1.0);
    let c23 = fma(-1.0 / 720.0, z, 1.0 / 24.0);
    let c45 = fma(-1.0 / 3_628_800.0, z, 1.0 / 40_320.0);
    let c = fma(fma(1.0 / 479_001_600.0, z2, c45), z4, fma(c23, z2, c01));
    // sin/φ: Σ (−1)^k z^k / (2k+1)!, k = 0..6.
    let s01 = fma(-1.0 / 6.0, z, 1.0);
    let s23 = fma(-1.0 / 5_040.0, z, 1.0 / 120.0);
    let s45 = fma(-1.0 / 39_916_800.0, z, 1.0 / 362_880.0);
    let s = fma(fma(1.0 / 6_227_020_800.0, z2, s45), z4, fma(s23, z2, s01));
    (c, s * p)
}

// ---------------------------------------------------------------------------
// Block samplers
// ---------------------------------------------------------------------------

/// Uniform(a, b) over a block.
#[inline(always)]
pub fn uniform(rng: &mut Lanes, a: f64, b: f64, out: &mut [f64; BLOCK]) {
    let mut w = [0u64; BLOCK];
    rng.words(&mut w);
    let width = b - a;
    for (o, &w) in out.iter_mut().zip(&w) {
        *o = a + width * open01(w);
    }
}

/// Standard normals by Box–Muller: word pair (i, i + BLOCK/2) gives normals i and
/// i + BLOCK/2. The angle is a quadrant (the second word's top two bits) plus an
/// offset in [−π/4, π/4) (its next 52 bits).
#[inline(always)]
pub fn std_normal(rng: &mut Lanes, out: &mut [f64; BLOCK]) {
    const H: usize = BLOCK / 2;
    let mut w = [0u64; BLOCK];
    rng.words(&mut w);
    let (w1, w2) = w.split_at(H);
    let (lo, hi) = out.split_at_mut(H);
    for i in 0..H {
        let r = (-2.0 * ln(open01(w1[i]))).sqrt();
        let q = w2[i] >> 62;
        let f = f64::from_bits(0x3ff0_0000_0000_0000 | ((w2[i] << 2) >> 12)) - 1.5;
        let (c, s) = cos_sin_small(f * std::f64::consts::FRAC_PI_2);
        // Rotate (c, s) by q quarter turns.
        let swap = q & 1 == 1;
        let (x, y) = if swap { (s, c) } else { (c, s) };
        let x = if q == 1 || q == 2 { -x } else { x };
        let y = if q >= 2 { -y } else { y };
        lo[i] = r * x;
        hi[i] = r * y;
    }
}

/// Normal(mean, sd).
#[inline(always)]
pub fn normal(rng: &mut Lanes, mean: f64, sd: f64, out: &mut [f64; BLOCK]) {
    std_normal(rng, out);
    for o in out.iter_mut() {
        *o = mean + sd * *o;
    }
}

/// z of the 95th percentile of the standard normal: `A to B` is a 90% interval.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// Lognormal with 5th and 95th percentiles a and b (`a to b`).
#[inline(always)]
pub fn lognormal_ci(rng: &mut Lanes, a: f64, b: f64, out: &mut [f64; BLOCK]) {
    let mu = 0.5 * (a.ln() + b.ln());
    let sigma = (b.ln() - a.ln()) / (2.0 * Z95);
    lognormal(rng, mu, sigma, out);
}

/// exp(Normal(mu, sigma)).
#[inline(always)]
pub fn lognormal(rng: &mut Lanes, mu: f64, sigma: f64, out: &mut [f64; BLOCK]) {
    std_normal(rng, out);
    for o in out.iter_mut() {
        *o = exp(mu + sigma * *o);
    }
}

/// exp(Uniform(ln a, ln b)).
#[inline(always)]
pub fn loguniform(rng: &mut Lanes, a: f64, b: f64, out: &mut [f64; BLOCK]) {
    uniform(rng, a.ln(), b.ln(), out);
    for o in out.iter_mut() {
        *o = exp(*o);
    }
}

/// Triangular(a, c, b) (low, mode, high) by the inverse CDF.
#[inline(always)]
pub fn triangular(rng: &mut Lanes, a: f64, c: f64, b: f64, out: &mut [f64; BLOCK]) {
    let mut w = [0u64; BLOCK];
    rng.words(&mut w);
    let fc = (c - a) / (b - a);
    let left = (b - a) * (c - a);
    let right = (b - a) * (b - c);
    for (o, &w) in out.iter_mut().zip(&w) {
        let u = open01(w);
        // One square root per value: the side's argument chosen first.
        let low_side = u < fc;
        let r = (if low_side {
            u * left
        } else {
            (1.0 - u) * right
        })
        .sqrt();
        *o = if low_side { a + r } else { b - r };
    }
}

// ---------------------------------------------------------------------------
// Tabulated inverse CDFs (constant parameters)
// ---------------------------------------------------------------------------

/// Intervals per octave of the inverse-CDF tables (2^7 = 128).
pub const OCT_BITS: u32 = 7;
/// Octaves of tail probability tabulated: v in [2^−40, 2^−1).
const OCTAVES: usize = 39;
/// Lowest tabulated tail probability; smaller ones (a chance of 2^−39 ≈ 1.8e-12 per
/// draw, both tails) are clamped to it.
const V_MIN: f64 = 1.0 / (1u64 << 40) as f64;
/// Entries per side: OCTAVES·2^OCT_BITS intervals, so one more point.
const SIDE: usize = (OCTAVES << OCT_BITS) + 1;

/// The tail probability of grid point i of a side: 2^(i/128 − 40)·(1 + (i mod 128)/128).
fn grid_v(i: usize) -> f64 {
    let oct = (i >> OCT_BITS) as i32;
    let j = (i & ((1 << OCT_BITS) - 1)) as f64;
    (2.0f64).powi(oct - 40) * (1.0 + j / (1 << OCT_BITS) as f64)
}

/// The inverse CDF Q of a continuous distribution with constant parameters, as a
/// table read with linear interpolation: one random word gives a side (its top bit:
/// lower or upper tail) and a tail probability v in (0, ½) (its next 52 bits), and
/// the value is Q(v) or Q(1 − v). The grid is uniform within each octave of v
/// (128 points per octave, from 2^−40 to ½), so it follows the tails: the index is
/// v's exponent and top mantissa bits, the interpolation weight its other bits — no
/// logarithm, no division, nothing but integer and float adds and two loads.
///
/// The points are exact quantiles (to ~1e-14) computed at start-up by safeguarded
/// Newton iteration on each tail's own probability (never 1 − F: no cancellation);
/// [`InvCdf::check`] measures the interpolation error against the exact quantile.
pub struct InvCdf {
    /// Lower side (Q(v)), then upper side (Q(1 − v)), SIDE entries each.
    t: Vec<f64>,
}

impl InvCdf {
    /// From the two sides' quantiles at the grid points, mapped by `f` (the
    /// distribution's location/scale or exp).
    fn from_sides(lower: &[f64], upper: &[f64], f: impl Fn(f64) -> f64) -> InvCdf {
        assert!(lower.len() == SIDE && upper.len() == SIDE);
        InvCdf {
            t: lower.iter().chain(upper).map(|&x| f(x)).collect(),
        }
    }

    /// Draws a block: per 4 values, one xoshiro step, the index and weight in
    /// vector registers, two AVX2 gathers and a fused multiply-add (AVX2 and FMA
    /// callers only, like [`Lanes::words`]).
    #[inline(always)]
    pub fn sample(&self, rng: &mut Lanes, out: &mut [f64; BLOCK]) {
        use std::arch::x86_64::*;
        const MANT: i64 = 0x000f_ffff_ffff_ffff;
        const ONE: i64 = 0x3ff0_0000_0000_0000;
        // u = 2v in (0, 1): u's biased exponent 1023 − 39 with mantissa top bits 0
        // is index 0 (the same index and weight as v's: halving is exact).
        const BASE: i64 = (1023 - 39) << OCT_BITS;
        assert_eq!(self.t.len(), 2 * SIDE);
        let t = self.t.as_ptr();
        // SAFETY: AVX2 and FMA in every caller. The gathers read t[k] and t[k + 1]
        // with k = in-side index + side·SIDE: v < ½ puts the in-side index below
        // OCTAVES·128 = SIDE − 1 and v ≥ 2^−40 at or above 0, so k + 1 < 2·SIDE.
        unsafe {
            let mut st = rng.load();
            let (one, mant) = (_mm256_set1_epi64x(ONE), _mm256_set1_epi64x(MANT));
            let base = _mm256_set1_epi64x(BASE);
            let side_len = _mm256_set1_epi64x(SIDE as i64);
            let shift = _mm256_set1_pd(1.0 - f64::EPSILON / 2.0);
            let (umin, onef) = (_mm256_set1_pd(2.0 * V_MIN), _mm256_set1_pd(1.0));
            for o in out.chunks_exact_mut(LANES) {
                for h in 0..2 {
                    let w = Lanes::step(&mut st, h);
                    // u = 2v in (0, 1): bits 11..62 as 1.m, minus (1 − 2^−53) (exact).
                    let f = _mm256_castsi256_pd(_mm256_or_si256(
                        _mm256_srli_epi64::<12>(_mm256_slli_epi64::<1>(w)),
                        one,
                    ));
                    let b = _mm256_castpd_si256(_mm256_max_pd(_mm256_sub_pd(f, shift), umin));
                    let k =
                        _mm256_sub_epi64(_mm256_srli_epi64::<{ 52 - OCT_BITS as i32 }>(b), base);
                    // The word's top bit (a sign bit to blendv) picks the upper side.
                    let k = _mm256_castpd_si256(_mm256_blendv_pd(
                        _mm256_castsi256_pd(k),
                        _mm256_castsi256_pd(_mm256_add_epi64(k, side_len)),
                        _mm256_castsi256_pd(w),
                    ));
                    let frac = _mm256_sub_pd(
                        _mm256_castsi256_pd(_mm256_or_si256(
                            _mm256_and_si256(_mm256_slli_epi64::<{ OCT_BITS as i32 }>(b), mant),
                            one,
                        )),
                        onef,
                    );
                    let lo = _mm256_i64gather_pd::<8>(t, k);
                    let hi = _mm256_i64gather_pd::<8>(t.add(1), k);
                    let x = _mm256_fmadd_pd(frac, _mm256_sub_pd(hi, lo), lo);
                    _mm256_storeu_pd(o.as_mut_ptr().add(4 * h), x);
                }
            }
            rng.store(&st);
        }
    }

    /// [`InvCdf::sample`] with AVX-512: the 8 lanes in one register, one gather per
    /// 8 values and bound, the side by a mask from the word's sign. The same
    /// arithmetic, so the same bits (callers compiled with `avx512f,avx512dq`).
    #[inline(always)]
    pub fn sample512(&self, rng: &mut Lanes, out: &mut [f64; BLOCK]) {
        use std::arch::x86_64::*;
        const MANT: i64 = 0x000f_ffff_ffff_ffff;
        const ONE: i64 = 0x3ff0_0000_0000_0000;
        const BASE: i64 = (1023 - 39) << OCT_BITS;
        assert_eq!(self.t.len(), 2 * SIDE);
        let t = self.t.as_ptr();
        // SAFETY: AVX-512F/DQ in every caller; the state loads and stores are
        // unaligned ones within the arrays; the gathers as in `sample`.
        unsafe {
            let ld = |a: &[u64; LANES]| _mm512_loadu_si512(a.as_ptr().cast());
            let (mut s0, mut s1, mut s2, mut s3) =
                (ld(&rng.s0), ld(&rng.s1), ld(&rng.s2), ld(&rng.s3));
            let (one, mant) = (_mm512_set1_epi64(ONE), _mm512_set1_epi64(MANT));
            let base = _mm512_set1_epi64(BASE);
            let side_len = _mm512_set1_epi64(SIDE as i64);
            let shift = _mm512_set1_pd(1.0 - f64::EPSILON / 2.0);
            let (umin, onef) = (_mm512_set1_pd(2.0 * V_MIN), _mm512_set1_pd(1.0));
            for o in out.chunks_exact_mut(LANES) {
                // xoshiro256++, all 8 lanes.
                let w = _mm512_add_epi64(_mm512_rol_epi64::<23>(_mm512_add_epi64(s0, s3)), s0);
                let t17 = _mm512_slli_epi64::<17>(s1);
                s2 = _mm512_xor_si512(s2, s0);
                s3 = _mm512_xor_si512(s3, s1);
                s1 = _mm512_xor_si512(s1, s2);
                s0 = _mm512_xor_si512(s0, s3);
                s2 = _mm512_xor_si512(s2, t17);
                s3 = _mm512_rol_epi64::<45>(s3);
                let f = _mm512_castsi512_pd(_mm512_or_si512(
                    _mm512_srli_epi64::<12>(_mm512_slli_epi64::<1>(w)),
                    one,
                ));
                let b = _mm512_castpd_si512(_mm512_max_pd(_mm512_sub_pd(f, shift), umin));
                let k = _mm512_sub_epi64(_mm512_srli_epi64::<{ 52 - OCT_BITS }>(b), base);
                let k = _mm512_mask_add_epi64(k, _mm512_movepi64_mask(w), k, side_len);
                let frac = _mm512_sub_pd(
                    _mm512_castsi512_pd(_mm512_or_si512(
                        _mm512_and_si512(_mm512_slli_epi64::<OCT_BITS>(b), mant),
                        one,
                    )),
                    onef,
                );
                let lo = _mm512_i64gather_pd::<8>(k, t);
                let hi = _mm512_i64gather_pd::<8>(k, t.add(1));
                let x = _mm512_fmadd_pd(frac, _mm512_sub_pd(hi, lo), lo);
                _mm512_storeu_pd(o.as_mut_ptr(), x);
            }
            let st =
                |a: &mut [u64; LANES], v: __m512i| _mm512_storeu_si512(a.as_mut_ptr().cast(), v);
            st(&mut rng.s0, s0);
            st(&mut rng.s1, s1);
            st(&mut rng.s2, s2);
            st(&mut rng.s3, s3);
        }
    }

    /// The value the table gives for tail probability v on a side (the sampler's
    /// arithmetic, scalar).
    fn at(&self, upper: bool, v: f64) -> f64 {
        let b = v.max(V_MIN).to_bits();
        let k = ((b >> (52 - OCT_BITS)) - ((1023 - 40) << OCT_BITS)) as usize
            + if upper { SIDE } else { 0 };
        let frac =
            f64::from_bits(0x3ff0_0000_0000_0000 | ((b << OCT_BITS) & 0x000f_ffff_ffff_ffff)) - 1.0;
        fma(frac, self.t[k + 1] - self.t[k], self.t[k])
    }

    /// Largest relative error of the table against `exact(upper, v)` (already mapped)
    /// at the midpoints of every interval (where linear interpolation is worst) and a
    /// quarter of the way along.
    pub fn check(&self, exact: impl Fn(bool, f64) -> f64) -> f64 {
        let mut worst = 0.0f64;
        for upper in [false, true] {
            for i in 0..SIDE - 1 {
                for t in [0.25, 0.5] {
                    let v = grid_v(i) + t * (grid_v(i + 1) - grid_v(i));
                    let (got, want) = (self.at(upper, v), exact(upper, v));
                    worst = worst.max((got - want).abs() / want.abs().max(1e-300));
                }
            }
        }
        worst
    }
}

/// Solves P(x) = v for an increasing tail probability P on (lo, hi): Newton on
/// ln P (concave for the log-concave densities here) from `guess`, bisecting
/// whenever a step leaves the bracket. `tail(x)` gives (P(x), P'(x)).
fn solve(tail: &impl Fn(f64) -> (f64, f64), v: f64, mut lo: f64, mut hi: f64, guess: f64) -> f64 {
    let lnv = v.ln();
    let mut x = if guess > lo && guess < hi {
        guess
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..200 {
        let (p, dp) = tail(x);
        if p < v {
            lo = x;
        } else {
            hi = x;
        }
        let step = (p.ln() - lnv) * p / dp;
        // Converged: Newton's error after a step of relative size 1e-6 is of order
        // its square (~1e-12), six orders below the interpolation's.
        if step.abs() <= 1e-6 * x.abs().max(1e-300) {
            return x - step;
        }
        let next = x - step;
        x = if next > lo && next < hi {
            next
        } else {
            0.5 * (lo + hi)
        };
        if hi - lo <= 4.0 * f64::EPSILON * x.abs() {
            break;
        }
    }
    x
}

/// The quantiles of one side at every grid point, walking up the grid: each solve
/// starts from the quadratic through the last three points (close enough that one
/// Newton step usually converges), bracketed below by the last.
fn side_quantiles(tail: impl Fn(f64) -> (f64, f64), lo: f64, hi: f64) -> Vec<f64> {
    let mut xs: Vec<f64> = Vec::with_capacity(SIDE);
    for i in 0..SIDE {
        let v = grid_v(i);
        let (guess, below) = match i {
            0 => (0.5 * (lo + hi), lo),
            1 => (xs[0], xs[0]),
            2 => {
                let (x0, x1) = (xs[0], xs[1]);
                let (v0, v1) = (grid_v(0), grid_v(1));
                (x1 + (x1 - x0) * (v - v1) / (v1 - v0), x1)
            }
            _ => {
                let (x0, x1, x2) = (xs[i - 3], xs[i - 2], xs[i - 1]);
                let (v0, v1, v2) = (grid_v(i - 3), grid_v(i - 2), grid_v(i - 1));
                // Lagrange's form of the quadratic through (v0, x0), (v1, x1), (v2, x2).
                let l0 = (v - v1) * (v - v2) / ((v0 - v1) * (v0 - v2));
                let l1 = (v - v0) * (v - v2) / ((v1 - v0) * (v1 - v2));
                let l2 = (v - v0) * (v - v1) / ((v2 - v0) * (v2 - v1));
                (l0 * x0 + l1 * x1 + l2 * x2, x2)
            }
        };
        // The last point bounds this one from below (less a hair, if it is this one).
        let below = if i == 0 {
            below
        } else {
            below - 1e-12 * below.abs().max(1e-300)
        };
        xs.push(solve(&tail, v, below, hi, guess));
    }
    xs
}

/// ln Γ(x), x > 0: shifted up to x ≥ 10, then Stirling's series to x^−7 (error below
/// 1e-13).
pub fn ln_gamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= x.ln();
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    let series = (1.0 / 12.0 - z * (1.0 / 360.0 - z * (1.0 / 1260.0 - z / 1680.0))) / x;
    acc + (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series
}

/// The continued fraction of the incomplete beta function (modified Lentz), as in
/// Numerical Recipes §6.4: I_x(a, b) = x^a (1−x)^b / (a B(a, b)) · cf(a, b, x), good
/// for x < (a + 1)/(a + b + 2).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let fix = |d: f64| if d.abs() < TINY { TINY } else { d };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / fix(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..1000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / fix(1.0 + aa * d);
        c = fix(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 3e-16 {
            break;
        }
    }
    h
}

/// Beta(a, b)'s lower tail I_x(a, b) and density at x in (0, 1).
fn beta_lower(a: f64, b: f64, ln_beta: f64, x: f64) -> (f64, f64) {
    let (lx, l1x) = (x.ln(), (-x).ln_1p());
    let front = (a * lx + b * l1x - ln_beta).exp();
    let p = if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    };
    (p, ((a - 1.0) * lx + (b - 1.0) * l1x - ln_beta).exp())
}

/// Beta(a, b), a, b ≥ 1, mapped into (lo, hi): PERT and beta.
pub fn beta_table(a: f64, b: f64, lo: f64, hi: f64) -> InvCdf {
    assert!(a >= 1.0 && b >= 1.0, "log-concave betas only");
    let ln_beta = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    // Lower side: Beta(a, b)'s lower quantile; upper: 1 − Beta(b, a)'s lower quantile.
    let lower = side_quantiles(|x| beta_lower(a, b, ln_beta, x), 0.0, 1.0);
    let upper = side_quantiles(|x| beta_lower(b, a, ln_beta, x), 0.0, 1.0);
    let upper: Vec<f64> = upper.iter().map(|y| 1.0 - y).collect();
    InvCdf::from_sides(&lower, &upper, |x| lo + (hi - lo) * x)
}

/// PERT(a, m, b), λ = 4: a + (b − a)·Beta(1 + 4(m−a)/(b−a), 1 + 4(b−m)/(b−a)).
pub fn pert_table(a: f64, m: f64, b: f64) -> InvCdf {
    beta_table(
        1.0 + 4.0 * (m - a) / (b - a),
        1.0 + 4.0 * (b - m) / (b - a),
        a,
        b,
    )
}

/// Φ(x) for x ≤ 0 and the density: the series Φ(x) = ½ + φ(x)·Σ x^(2n+1)/(2n+1)!!
/// for |x| < 3, the Laplace continued fraction of the Mills ratio beyond.
fn normal_lower(x: f64) -> (f64, f64) {
    let t = -x;
    let phi = (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let p = if t < 3.0 {
        let (mut term, mut sum, mut n) = (t, t, 0.0);
        while term > 1e-17 * sum {
            n += 1.0;
            term *= t * t / (2.0 * n + 1.0);
            sum += term;
        }
        0.5 - phi * sum
    } else {
        // R(t) = 1/(t + 1/(t + 2/(t + 3/(t + …)))), by Lentz's method.
        let (mut f, mut c, mut d) = (t, t, 0.0);
        for k in 1..2000 {
            let k = k as f64;
            d = 1.0 / (t + k * d);
            c = t + k / c;
            let del = c * d;
            f *= del;
            if (del - 1.0).abs() < 3e-16 {
                break;
            }
        }
        phi / f
    };
    (p, phi)
}

/// The standard normal's lower quantiles at the grid (the upper side is their negation).
fn std_normal_lower() -> Vec<f64> {
    side_quantiles(normal_lower, -40.0, 1.0)
}

/// Tables of the normal and lognormal inputs, sharing one standard normal solve.
pub struct NormalGrid(Vec<f64>);

impl NormalGrid {
    pub fn new() -> NormalGrid {
        NormalGrid(std_normal_lower())
    }

    /// Normal(mean, sd).
    pub fn normal(&self, mean: f64, sd: f64) -> InvCdf {
        let up: Vec<f64> = self.0.iter().map(|z| -z).collect();
        InvCdf::from_sides(&self.0, &up, |z| mean + sd * z)
    }

    /// exp(Normal(mu, sigma)).
    pub fn lognormal(&self, mu: f64, sigma: f64) -> InvCdf {
        let up: Vec<f64> = self.0.iter().map(|z| -z).collect();
        InvCdf::from_sides(&self.0, &up, |z| (mu + sigma * z).exp())
    }

    /// The lognormal with 5th and 95th percentiles a and b (`a to b`).
    pub fn lognormal_ci(&self, a: f64, b: f64) -> InvCdf {
        let (mu, sigma) = lognormal_ci_params(a, b);
        self.lognormal(mu, sigma)
    }

    /// The exact quantile of a standard normal at tail probability v (a side).
    pub fn exact(upper: bool, v: f64) -> f64 {
        let z = solve(&normal_lower, v, -40.0, 1.0, -1.0);
        if upper { -z } else { z }
    }
}

/// (mu, sigma) of the lognormal with 5th and 95th percentiles a and b.
pub fn lognormal_ci_params(a: f64, b: f64) -> (f64, f64) {
    (0.5 * (a.ln() + b.ln()), (b.ln() - a.ln()) / (2.0 * Z95))
}

/// Gamma(2, scale)'s tables: lower tail P(x) = 1 − e^−x(1 + x) (as its series below
/// x = 1, no cancellation), upper tail e^−x(1 + x), density x e^−x.
fn gamma2_lower(x: f64) -> (f64, f64) {
    let p = if x < 1.0 {
        // Σ_{n≥2} (−1)^n (n − 1) x^n / n!
        let (mut term, mut sum, mut n) = (x * x / 2.0, 0.0f64, 2.0);
        while term.abs() > 1e-18 * sum.abs().max(1e-300) {
            sum += (n - 1.0) * term;
            n += 1.0;
            term *= -x / n;
        }
        sum
    } else {
        1.0 - (-x).exp() * (1.0 + x)
    };
    (p, x * (-x).exp())
}

/// The upper tail in y = −x (increasing in y): P(y) = e^y (1 − y).
fn gamma2_upper_neg(y: f64) -> (f64, f64) {
    (y.exp() * (1.0 - y), -y * y.exp())
}

pub fn gamma2_table(scale: f64) -> InvCdf {
    let lower = side_quantiles(gamma2_lower, 0.0, 200.0);
    let upper: Vec<f64> = side_quantiles(gamma2_upper_neg, -200.0, 0.0)
        .iter()
        .map(|y| -y)
        .collect();
    InvCdf::from_sides(&lower, &upper, |x| scale * x)
}

/// Gamma(2)'s exact quantile at tail probability v (a side).
pub fn gamma2_exact(upper: bool, v: f64) -> f64 {
    if upper {
        -solve(&gamma2_upper_neg, v, -200.0, 0.0, -2.0)
    } else {
        solve(&gamma2_lower, v, 0.0, 200.0, 1.0)
    }
}

/// Beta(a, b)'s exact quantile at tail probability v (a side).
pub fn beta_exact(a: f64, b: f64, upper: bool, v: f64) -> f64 {
    let ln_beta = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    if upper {
        1.0 - solve(&|x| beta_lower(b, a, ln_beta, x), v, 0.0, 1.0, 0.5)
    } else {
        solve(&|x| beta_lower(a, b, ln_beta, x), v, 0.0, 1.0, 0.5)
    }
}

/// Loguniform(a, b): exp of a uniform on (ln a, ln b), tabulated (exact at the grid).
pub fn loguniform_table(a: f64, b: f64) -> InvCdf {
    let (la, lb) = (a.ln(), b.ln());
    let lower: Vec<f64> = (0..SIDE).map(grid_v).collect();
    let upper: Vec<f64> = lower.iter().map(|v| 1.0 - v).collect();
    InvCdf::from_sides(&lower, &upper, |u| (la + u * (lb - la)).exp())
}

// ---------------------------------------------------------------------------
// Aggregation: a log-bucket sketch, moments, min and max
// ---------------------------------------------------------------------------

/// Relative accuracy of the sketch's quantiles.
pub const ALPHA: f64 = 0.0005;

/// The cubic interpolation of log2 on the mantissa (DDSketch's cubically interpolated
/// mapping): f(x) = e + P(m − 1), exact at powers of two, increasing, and
/// d f / d ln x ≥ 10/7 everywhere.
#[inline(always)]
fn cubic_log2(x: f64) -> f64 {
    let bits = x.to_bits();
    let e =
        f64::from_bits(0x4330_0000_0000_0000 | (bits >> 52)) - (4_503_599_627_370_496.0 + 1023.0);
    let s = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000) - 1.0;
    ((6.0 / 35.0 * s - 3.0 / 5.0) * s + 10.0 / 7.0) * s + e
}

#[derive(Clone)]
pub struct Sketch {
    /// Buckets per unit of f: a bucket spans 1/M in f, so at most (1/M)/(10/7) in
    /// ln x, which is ln γ with γ = (1+α)/(1−α).
    mult: f64,
    offset: i32,
    counts: Vec<u64>,
    /// Values ≤ 0 or below 1e-300, counted apart (the benchmark outputs are positive;
    /// a quantile that falls among them is reported as NaN).
    other: u64,
}

impl Sketch {
    pub fn new() -> Sketch {
        let gamma = (1.0 + ALPHA) / (1.0 - ALPHA);
        Sketch {
            mult: 7.0 / (10.0 * gamma.ln()),
            offset: 0,
            counts: Vec::new(),
            other: 0,
        }
    }

    /// ⌈M·f(x)⌉ for x > 0 (as i32: |M·f| < 7·10^5): y + 1.5·2^52 holds round(y)
    /// in its low bits (read as i32: no float-to-integer conversion, which AVX2 has
    /// only for i32 lanes and LLVM left scalar), then a step up where that was below y.
    #[inline(always)]
    fn index(&self, x: f64) -> i32 {
        let y = cubic_log2(x) * self.mult;
        let t = y + SHIFTER;
        let nearest = t.to_bits() as u32 as i32;
        nearest + i32::from(t - SHIFTER < y)
    }

    /// Counts a block of values (at most BLOCK).
    #[inline(always)]
    pub fn add_block(&mut self, xs: &[f64]) {
        let mut idx = [0i32; BLOCK];
        let mut good = true;
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        for (i, &x) in idx.iter_mut().zip(xs) {
            good &= (1e-300..=f64::MAX).contains(&x);
            *i = self.index(x.clamp(1e-300, f64::MAX));
            lo = lo.min(*i);
            hi = hi.max(*i);
        }
        if !good {
            for (&i, &x) in idx.iter().zip(xs) {
                if (1e-300..=f64::MAX).contains(&x) {
                    self.reserve(i, i);
                    self.counts[(i - self.offset) as usize] += 1;
                } else {
                    self.other += 1;
                }
            }
            return;
        }
        self.reserve(lo, hi);
        let base = self.offset;
        let counts = &mut self.counts[..];
        for &i in &idx[..xs.len()] {
            counts[(i - base) as usize] += 1;
        }
    }

    #[inline(always)]
    fn reserve(&mut self, lo: i32, hi: i32) {
        let end = self.offset + self.counts.len() as i32;
        if self.counts.is_empty() || lo < self.offset || hi >= end {
            self.grow(lo, hi);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, lo: i32, hi: i32) {
        let (new_lo, new_hi) = if self.counts.is_empty() {
            (lo - 256, hi + 256)
        } else {
            let end = self.offset + self.counts.len() as i32;
            let slack = (self.counts.len() as i32 / 4).max(256);
            (
                if lo < self.offset {
                    lo - slack
                } else {
                    self.offset
                },
                if hi >= end { hi + slack } else { end - 1 },
            )
        };
        let mut counts = vec![0u64; (new_hi - new_lo + 1) as usize];
        if !self.counts.is_empty() {
            let at = (self.offset - new_lo) as usize;
            counts[at..at + self.counts.len()].copy_from_slice(&self.counts);
        }
        self.offset = new_lo;
        self.counts = counts;
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.other += other.other;
        let first = other.counts.iter().position(|&c| c > 0);
        let last = other.counts.iter().rposition(|&c| c > 0);
        let (Some(first), Some(last)) = (first, last) else {
            return;
        };
        self.reserve(other.offset + first as i32, other.offset + last as i32);
        for k in first..=last {
            let i = other.offset + k as i32;
            self.counts[(i - self.offset) as usize] += other.counts[k];
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.other
    }

    /// The smallest x > 0 whose index is at least i (bisection on the bits of x).
    fn lower_edge(&self, i: i32) -> f64 {
        let (mut lo, mut hi) = (1e-300f64.to_bits(), f64::MAX.to_bits());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.index(f64::from_bits(mid)) >= i {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        f64::from_bits(hi)
    }

    /// The value at 0-based rank ⌊q(n−1)⌋ (costsim's order statistic), within α.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.count();
        let rank = (q * (n - 1) as f64).floor() as u64;
        if rank < self.other {
            return f64::NAN;
        }
        let mut seen = self.other;
        for (k, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                let i = self.offset + k as i32;
                // Bucket i holds (edge(i−1), edge(i)]: x with ⌈M f(x)⌉ = i.
                let lo = self.lower_edge(i);
                let hi = self.lower_edge(i + 1);
                return 2.0 * lo * hi / (lo + hi);
            }
        }
        f64::NAN
    }
}

impl Default for Sketch {
    fn default() -> Sketch {
        Sketch::new()
    }
}

/// Count, mean and sum of squared deviations of one chunk (or of chunks merged).
#[derive(Clone, Copy, Default, Debug)]
pub struct Moments {
    pub n: f64,
    pub mean: f64,
    pub m2: f64,
}

impl Moments {
    /// Chan, Golub & LeVeque's pairwise update: `later` follows `self`.
    pub fn merge(&mut self, later: &Moments) {
        if later.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            *self = *later;
            return;
        }
        let n = self.n + later.n;
        let d = later.mean - self.mean;
        self.mean += d * (later.n / n);
        self.m2 += later.m2 + d * d * (self.n * later.n / n);
        self.n = n;
    }

    pub fn sd(&self) -> f64 {
        (self.m2 / (self.n - 1.0)).sqrt()
    }
}

/// Sums about a shift (the chunk's first value), in 4 interleaved accumulators.
#[derive(Clone, Copy)]
pub struct ChunkSums {
    shift: f64,
    n: f64,
    s: [f64; 4],
    s2: [f64; 4],
}

impl ChunkSums {
    pub fn new() -> ChunkSums {
        ChunkSums {
            shift: f64::NAN,
            n: 0.0,
            s: [0.0; 4],
            s2: [0.0; 4],
        }
    }

    #[inline(always)]
    pub fn add_block(&mut self, xs: &[f64]) {
        if self.shift.is_nan() {
            self.shift = xs[0];
        }
        let c = self.shift;
        let mut quads = xs.chunks_exact(4);
        for q in &mut quads {
            for k in 0..4 {
                let d = q[k] - c;
                self.s[k] += d;
                self.s2[k] += d * d;
            }
        }
        for &x in quads.remainder() {
            let d = x - c;
            self.s[0] += d;
            self.s2[0] += d * d;
        }
        self.n += xs.len() as f64;
    }

    pub fn moments(&self) -> Moments {
        if self.n == 0.0 {
            return Moments::default();
        }
        let s = (self.s[0] + self.s[1]) + (self.s[2] + self.s[3]);
        let s2 = (self.s2[0] + self.s2[1]) + (self.s2[2] + self.s2[3]);
        let dm = s / self.n;
        Moments {
            n: self.n,
            mean: self.shift + dm,
            m2: (s2 - s * dm).max(0.0),
        }
    }
}

/// Exact min and max over 4 running lanes.
#[derive(Clone, Copy)]
pub struct MinMax {
    lo: [f64; 4],
    hi: [f64; 4],
}

impl MinMax {
    pub fn new() -> MinMax {
        MinMax {
            lo: [f64::INFINITY; 4],
            hi: [f64::NEG_INFINITY; 4],
        }
    }

    #[inline(always)]
    pub fn add_block(&mut self, xs: &[f64]) {
        let mut quads = xs.chunks_exact(4);
        for q in &mut quads {
            for k in 0..4 {
                self.lo[k] = if q[k] < self.lo[k] { q[k] } else { self.lo[k] };
                self.hi[k] = if q[k] > self.hi[k] { q[k] } else { self.hi[k] };
            }
        }
        for &x in quads.remainder() {
            self.lo[0] = self.lo[0].min(x);
            self.hi[0] = self.hi[0].max(x);
        }
    }

    pub fn merge(&mut self, o: &MinMax) {
        for k in 0..4 {
            self.lo[k] = self.lo[k].min(o.lo[k]);
            self.hi[k] = self.hi[k].max(o.hi[k]);
        }
    }

    pub fn min(&self) -> f64 {
        self.lo.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.hi.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// One chunk's per-output sums (kept per chunk, merged in chunk order: moments are
/// floating point) — the sketches and extremes are merged in any order (exact).
pub struct ChunkOut<const K: usize> {
    pub sums: [ChunkSums; K],
    pub nonfinite: u64,
}

/// Per thread: sketches and extremes of every output (order-free merges).
#[derive(Clone)]
pub struct Acc<const K: usize> {
    pub sketches: Vec<Sketch>,
    pub minmax: [MinMax; K],
}

impl<const K: usize> Acc<K> {
    pub fn new() -> Acc<K> {
        Acc {
            sketches: vec![Sketch::new(); K],
            minmax: [MinMax::new(); K],
        }
    }

    pub fn merge(mut self, o: Acc<K>) -> Acc<K> {
        for k in 0..K {
            self.sketches[k].merge(&o.sketches[k]);
            self.minmax[k].merge(&o.minmax[k]);
        }
        self
    }
}

/// Observes one block of every output: a finiteness check, sums, extremes, sketch.
#[inline(always)]
pub fn observe<const K: usize>(
    acc: &mut Acc<K>,
    sums: &mut [ChunkSums; K],
    nonfinite: &mut u64,
    outs: &[[f64; BLOCK]; K],
    n: usize,
) {
    for k in 0..K {
        let xs = &outs[k][..n];
        let finite = xs.iter().fold(true, |ok, x| ok & x.is_finite());
        if finite {
            sums[k].add_block(xs);
            acc.minmax[k].add_block(xs);
            acc.sketches[k].add_block(xs);
        } else {
            let kept: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
            *nonfinite += (n - kept.len()) as u64;
            if !kept.is_empty() {
                sums[k].add_block(&kept);
                acc.minmax[k].add_block(&kept);
                acc.sketches[k].add_block(&kept);
            }
        }
    }
}

/// Runs `chunk(c, samples_in_chunk, acc, sums, nonfinite)` over every chunk on
/// `threads` threads and prints the JSON line that benches/peers/compare.py reads.
pub fn run<const K: usize>(
    tool: &str,
    outputs: [&str; K],
    chunk: impl Fn(u64, usize, &mut Acc<K>, &mut [ChunkSums; K], &mut u64) + Sync,
) {
    run_since(Instant::now(), tool, outputs, chunk)
}

/// [`run`], its reported time counted from `start` (a kernel's set-up before it).
pub fn run_since<const K: usize>(
    start: Instant,
    tool: &str,
    outputs: [&str; K],
    chunk: impl Fn(u64, usize, &mut Acc<K>, &mut [ChunkSums; K], &mut u64) + Sync,
) {
    use rayon::prelude::*;
    let samples = arg(0, "HAND_N").map_or(10_000_000, |s| parse_count(&s));
    let threads = threads();
    let chunks = samples.div_ceil(CHUNK);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let (acc, mut per_chunk) = pool.install(|| {
        (0..chunks)
            .into_par_iter()
            .fold(
                || (Acc::<K>::new(), Vec::new()),
                |(mut acc, mut v), c| {
                    let n = (samples - c * CHUNK).min(CHUNK) as usize;
                    let mut sums = [ChunkSums::new(); K];
                    let mut bad = 0;
                    chunk(c, n, &mut acc, &mut sums, &mut bad);
                    v.push((c, sums, bad));
                    (acc, v)
                },
            )
            .reduce(
                || (Acc::<K>::new(), Vec::new()),
                |(a, mut va), (b, vb)| {
                    va.extend(vb);
                    (a.merge(b), va)
                },
            )
    });
    // The moments merge in chunk order, whichever thread ran which chunk.
    per_chunk.sort_by_key(|x| x.0);
    assert_eq!(per_chunk.len() as u64, chunks);
    let mut moments = [Moments::default(); K];
    let mut nonfinite = 0;
    for (_, sums, bad) in &per_chunk {
        for k in 0..K {
            moments[k].merge(&sums[k].moments());
        }
        nonfinite += bad;
    }
    let seed = seed();
    let quantiles: Vec<Vec<f64>> = acc
        .sketches
        .iter()
        .zip(&acc.minmax)
        .map(|(s, mm)| {
            PERCENTILES
                .iter()
                .map(|p| s.quantile(p / 100.0).clamp(mm.min(), mm.max()))
                .collect()
        })
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    let mut json = format!(
        "{{\"tool\": \"{tool}\", \"samples\": {samples}, \"threads\": {threads}, \
         \"seed\": {seed}, \"seconds\": {seconds:.6}, \"samples_per_second\": {:.1}, \
         \"nonfinite\": {nonfinite}, \"percentiles\": {{",
        samples as f64 / seconds
    );
    for (k, (name, qs)) in outputs.iter().zip(&quantiles).enumerate() {
        let fields: Vec<String> = PERCENTILES
            .iter()
            .zip(qs)
            .map(|(p, v)| format!("\"p{p}\": {v:e}"))
            .collect();
        let sep = if k == 0 { "" } else { ", " };
        json += &format!("{sep}\"{name}\": {{{}}}", fields.join(", "));
    }
    json += "}, \"mean\": {";
    for (k, name) in outputs.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        json += &format!("{sep}\"{name}\": {:e}", moments[k].mean);
    }
    json += "}, \"sd\": {";
    for (k, name) in outputs.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        json += &format!("{sep}\"{name}\": {:e}", moments[k].sd());
    }
    json += "}, \"min\": {";
    for (k, name) in outputs.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        json += &format!("{sep}\"{name}\": {:e}", acc.minmax[k].min());
    }
    json += "}, \"max\": {";
    for (k, name) in outputs.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        json += &format!("{sep}\"{name}\": {:e}", acc.minmax[k].max());
    }
    json += "}}";
    println!("{json}");
}

/// The thread count asked for (default: every core).
pub fn threads() -> usize {
    arg(1, "HAND_THREADS").map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |s| s.parse().expect("THREADS is a number"),
    )
}

pub fn seed() -> u64 {
    arg(2, "HAND_SEED").map_or(1, |s| s.parse().expect("SEED is a number"))
}

/// The k-th argument that is not a flag (cargo bench passes `--bench`), else the env var.
fn arg(k: usize, env: &str) -> Option<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .nth(k)
        .or_else(|| std::env::var(env).ok())
}

fn parse_count(s: &str) -> u64 {
    let s = s.replace('_', "");
    s.parse::<u64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().map(|v| v as u64))
        .unwrap_or_else(|| panic!("not a sample count: {s}"))
}

/// `INDEP_MICRO=1`: the cost of each piece alone (ns per value, one thread), printed
/// on stderr — for tuning this kernel, not a benchmark of costsim.
pub fn micro() {
    if std::env::var("INDEP_MICRO").is_err() {
        return;
    }
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2.
        unsafe { micro_avx2() }
    }
}

macro_rules! micro_piece {
    ($name:ident, $label:expr, |$r:ident, $o:ident| $body:expr) => {
        #[target_feature(enable = "avx2,fma")]
        fn $name(blocks: usize) -> f64 {
            let mut $r = Lanes::new(1, 2, 3);
            let mut $o = [0.0f64; BLOCK];
            let mut sink = 0.0;
            let t = Instant::now();
            for _ in 0..blocks {
                $body;
                sink += $o[7];
            }
            let ns = t.elapsed().as_secs_f64() * 1e9 / (blocks * BLOCK) as f64;
            eprintln!("{:>14}: {ns:.2} ns/value", $label);
            sink
        }
    };
}

micro_piece!(m_words, "words", |r, o| {
    let mut w = [0u64; BLOCK];
    r.words(&mut w);
    o[7] = w[7] as f64;
});
micro_piece!(m_uniform, "uniform", |r, o| uniform(
    &mut r, 1.0, 2.0, &mut o
));
micro_piece!(m_normal, "std_normal", |r, o| std_normal(&mut r, &mut o));
micro_piece!(m_lognormal, "lognormal_ci", |r, o| lognormal_ci(
    &mut r, 1.0, 2.0, &mut o
));
micro_piece!(m_tri, "triangular", |r, o| triangular(
    &mut r, 1.0, 2.0, 4.0, &mut o
));
micro_piece!(m_table, "inv_cdf table", |r, o| {
    thread_local!(static T: InvCdf = pert_table(0.0, 5000.0, 12000.0));
    T.with(|t| t.sample(&mut r, &mut o));
});
micro_piece!(m_exp, "exp", |r, o| {
    for (k, x) in o.iter_mut().enumerate() {
        *x = exp(*x * 1e-3 + k as f64 * 1e-3);
    }
    let _ = &mut r;
});
micro_piece!(m_ln, "ln", |r, o| {
    for (k, x) in o.iter_mut().enumerate() {
        *x = ln(x.abs() + 1.0 + k as f64);
    }
    let _ = &mut r;
});
micro_piece!(m_sketch, "sketch", |r, o| {
    thread_local!(static S: std::cell::RefCell<Sketch> = std::cell::RefCell::new(Sketch::new()));
    if o[0] == 0.0 {
        lognormal_ci(&mut r, 1.0, 100.0, &mut o);
    }
    S.with(|s| s.borrow_mut().add_block(&o));
});
micro_piece!(m_sums, "sums+minmax", |r, o| {
    thread_local!(static S: std::cell::RefCell<(ChunkSums, MinMax)> = std::cell::RefCell::new((ChunkSums::new(), MinMax::new())));
    if o[0] == 0.0 {
        lognormal_ci(&mut r, 1.0, 100.0, &mut o);
    }
    S.with(|s| {
        let mut s = s.borrow_mut();
        s.0.add_block(&o);
        s.1.add_block(&o);
    });
});

#[target_feature(enable = "avx2,fma")]
fn micro_avx2() {
    // INDEP_MICRO=all, or one piece's name (then 4x the blocks, to time the process).
    let which = std::env::var("INDEP_MICRO").unwrap_or_default();
    type Piece = (&'static str, fn(usize) -> f64);
    let pieces: [Piece; 10] = [
        ("words", m_words),
        ("uniform", m_uniform),
        ("std_normal", m_normal),
        ("lognormal_ci", m_lognormal),
        ("triangular", m_tri),
        ("table", m_table),
        ("exp", m_exp),
        ("ln", m_ln),
        ("sketch", m_sketch),
        ("sums", m_sums),
    ];
    let mut sink = 0.0;
    for (name, f) in pieces {
        if which == "all" {
            sink += f(40_000);
        } else if which == name {
            sink += f(400_000);
        }
    }
    eprintln!("(sink {sink})");
    if which != "all" {
        std::process::exit(0);
    }
}
