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
//! - gamma(k ≥ 1) by Marsaglia–Tsang, candidates drawn a block at a time and the
//!   accepted ones compacted; beta(a, b) = X/(X+Y); PERT as a scaled beta with λ = 4;
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
        // SAFETY: AVX2 is enabled in every caller (see above); the loads and stores
        // are unaligned ones within the arrays' bounds.
        unsafe {
            let ld = |a: &[u64; LANES], h: usize| _mm256_loadu_si256(a.as_ptr().add(4 * h).cast());
            let mut s0 = [ld(&self.s0, 0), ld(&self.s0, 1)];
            let mut s1 = [ld(&self.s1, 0), ld(&self.s1, 1)];
            let mut s2 = [ld(&self.s2, 0), ld(&self.s2, 1)];
            let mut s3 = [ld(&self.s3, 0), ld(&self.s3, 1)];
            for o in out.chunks_exact_mut(LANES) {
                for h in 0..2 {
                    let sum = _mm256_add_epi64(s0[h], s3[h]);
                    let rot =
                        _mm256_or_si256(_mm256_slli_epi64::<23>(sum), _mm256_srli_epi64::<41>(sum));
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
                    _mm256_storeu_si256(o.as_mut_ptr().add(4 * h).cast(), r);
                }
            }
            let st = |a: &mut [u64; LANES], v: [__m256i; 2]| {
                _mm256_storeu_si256(a.as_mut_ptr().cast(), v[0]);
                _mm256_storeu_si256(a.as_mut_ptr().add(4).cast(), v[1]);
            };
            st(&mut self.s0, s0);
            st(&mut self.s1, s1);
            st(&mut self.s2, s2);
            st(&mut self.s3, s3);
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

/// Gamma(shape k ≥ 1, scale 1) by Marsaglia–Tsang: candidates a block at a time
/// (a normal and a uniform each), the accepted ones taken in order until `out` is full.
/// `pending` keeps the accepted candidates left over from the last block for the next.
pub struct GammaState {
    d: f64,
    c: f64,
    spare: [f64; BLOCK],
    have: usize,
}

impl GammaState {
    pub fn new(shape: f64) -> GammaState {
        assert!(shape >= 1.0, "this kernel's gamma needs shape >= 1");
        let d = shape - 1.0 / 3.0;
        GammaState {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            spare: [0.0; BLOCK],
            have: 0,
        }
    }
}

#[inline(always)]
pub fn gamma(rng: &mut Lanes, st: &mut GammaState, out: &mut [f64; BLOCK]) {
    let mut filled = 0;
    // Left over from the last call first.
    let take = st.have.min(BLOCK);
    out[..take].copy_from_slice(&st.spare[st.have - take..st.have]);
    st.have -= take;
    filled += take;
    let (d, c) = (st.d, st.c);
    let mut z = [0.0f64; BLOCK];
    let mut w = [0u64; BLOCK];
    let mut cand = [0.0f64; BLOCK];
    let mut ok = [false; BLOCK];
    let mut u_of = [0.0f64; BLOCK];
    while filled < BLOCK {
        std_normal(rng, &mut z);
        rng.words(&mut w);
        for i in 0..BLOCK {
            let v = 1.0 + c * z[i];
            let v3 = v * v * v;
            let u = open01(w[i]);
            let z2 = z[i] * z[i];
            // The squeeze accepts ~98%; the log test decides the rest.
            let squeeze = u < 1.0 - 0.0331 * z2 * z2;
            cand[i] = d * v3;
            ok[i] = (v > 0.0) & squeeze;
            u_of[i] = u;
        }
        for i in 0..BLOCK {
            // The ~2% the squeeze left: the exact test, one at a time.
            let accept = ok[i] || {
                let (zi, v3) = (z[i], cand[i] / d);
                v3 > 0.0 && ln(u_of[i]) < 0.5 * zi * zi + d - d * v3 + d * ln(v3)
            };
            if accept {
                if filled < BLOCK {
                    out[filled] = cand[i];
                    filled += 1;
                } else {
                    st.spare[st.have] = cand[i];
                    st.have += 1;
                }
            }
        }
    }
}

/// Beta(a, b) = X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b), each from its own stream.
pub struct BetaState {
    x: GammaState,
    y: GammaState,
    rx: Lanes,
    ry: Lanes,
}

impl BetaState {
    /// Its two gamma streams are those of input slots `slot` and `slot + 1000`.
    pub fn new(a: f64, b: f64, seed: u64, chunk: u64, slot: u64) -> BetaState {
        BetaState {
            x: GammaState::new(a),
            y: GammaState::new(b),
            rx: Lanes::new(seed, chunk, slot),
            ry: Lanes::new(seed, chunk, slot + 1000),
        }
    }
}

#[inline(always)]
pub fn beta(st: &mut BetaState, out: &mut [f64; BLOCK]) {
    let mut y = [0.0f64; BLOCK];
    gamma(&mut st.rx, &mut st.x, out);
    gamma(&mut st.ry, &mut st.y, &mut y);
    for (o, &y) in out.iter_mut().zip(&y) {
        *o = *o / (*o + y);
    }
}

/// PERT(a, m, b), λ = 4, as a + (b − a)·Beta(1 + 4(m−a)/(b−a), 1 + 4(b−m)/(b−a)).
pub fn pert_state(a: f64, m: f64, b: f64, seed: u64, chunk: u64, slot: u64) -> BetaState {
    BetaState::new(
        1.0 + 4.0 * (m - a) / (b - a),
        1.0 + 4.0 * (b - m) / (b - a),
        seed,
        chunk,
        slot,
    )
}

#[inline(always)]
pub fn pert(st: &mut BetaState, a: f64, b: f64, out: &mut [f64; BLOCK]) {
    beta(st, out);
    for o in out.iter_mut() {
        *o = a + (b - a) * *o;
    }
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
    use rayon::prelude::*;
    let samples = arg(0, "HAND_N").map_or(10_000_000, |s| parse_count(&s));
    let threads = arg(1, "HAND_THREADS").map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |s| s.parse().expect("THREADS is a number"),
    );
    let start = Instant::now();
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
    let pieces: [Piece; 9] = [
        ("words", m_words),
        ("uniform", m_uniform),
        ("std_normal", m_normal),
        ("lognormal_ci", m_lognormal),
        ("triangular", m_tri),
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
