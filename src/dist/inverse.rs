//! Tabulated inverse CDFs: the sampler of every continuous distribution with
//! constant arguments whose quantile function is smooth (normal, lognormal,
//! loguniform, exponential, beta and PERT with shapes 1 to 1,000, gamma with shape
//! 1 to 1,000).
//!
//! A draw is one random word. Its top bit picks a side (the lower tail or the upper
//! tail), its next 52 bits give u = (2k + 1)·2^-53 in (0, 1), and the value is
//! Q(u/2) on the lower side or Q(1 − u/2) on the upper: the tail probability
//! v = u/2 is never formed as 1 − something, so both tails keep their full
//! precision, and every word the generator can produce lands in the table (no
//! clamping: the smallest tail probability, 2^-54, is a grid point).
//!
//! The grid is uniform within each octave of u (128 intervals per octave, 53
//! octaves, from 2^-53 to 1), so it follows the tails as closely as the median: the
//! index is u's exponent and top 7 mantissa bits, the interpolation weight its
//! other mantissa bits, and the value a linear interpolation between two exact
//! quantiles. No logarithm, no division, no branch: integer and float adds, two
//! loads and a multiply-add, a loop the compiler vectorises. The arithmetic is exact
//! up to the one interpolation (no fused multiply-add), so baseline and AVX2 code
//! give the same bits.
//!
//! Every eighth point is an exact quantile (to ~1e-15 relative) computed when the
//! table is built: the normal's by statrs's inverse complementary error function,
//! closed forms for the loguniform and exponential, and for the beta and gamma by
//! Newton's method on the logarithm of each tail's own probability (the incomplete
//! beta function's continued fraction, statrs's incomplete gamma), walking out from
//! the median so each point starts from an extrapolation of the last three; the
//! points between are the cubic through their solved neighbours and the exact slopes
//! there (within ~1e-7). Linear interpolation between points is within 8e-6 of the
//! exact quantile, relative (to the scale for a normal near its mean; up to 3e-5 for
//! the widest lognormal tabulated): `tests` measures it, 20–60 times inside the
//! quantile sketch's stated accuracy (5e-4). Shapes the grid would not follow keep
//! their exact samplers (`Key::extremes`): lognormals wider than σ = 2, loguniforms
//! wider than b/a ≈ 55, betas and gammas with a shape above 1,000. Build times:
//! ~0.1 ms for a normal-family table, ~0.4 ms for a beta or gamma (`engine` builds a
//! plan's tables in parallel, once per process: `cached` shares equal distributions).

use super::lanes::{LaneRng, open01};
use std::collections::HashMap;
use std::mem::MaybeUninit;
use std::sync::{Arc, Mutex, OnceLock};

/// Intervals per octave of u: 2^7.
const OCT_BITS: u32 = 7;
/// Octaves of u tabulated: [2^-53, 1), every value `open` can give.
const OCTAVES: usize = 53;
/// Points per side: OCTAVES·2^OCT_BITS intervals, so one more point (the median).
const SIDE: usize = (OCTAVES << OCT_BITS) + 1;
/// u's biased exponent at the lowest octave, shifted to sit above the 7 index bits.
const BASE: u64 = (1023 - OCTAVES as u64) << OCT_BITS;
/// The bits of 1.0 and the mantissa mask.
const ONE: u64 = 0x3FF0_0000_0000_0000;
const MANT: u64 = 0x000F_FFFF_FFFF_FFFF;
/// The widest lognormal (sigma: a 90% interval of ~700x) and loguniform
/// (ln b − ln a: a ratio of ~55) tabulated: the interpolation error stays below
/// ~2e-5 relative.
const MAX_LOG_SIGMA: f64 = 2.0;
const MAX_LOG_WIDTH: f64 = 4.0;
/// The largest gamma shape tabulated: statrs's incomplete gamma loses the far tails
/// of larger ones (at 10^5 it returns values the Newton walk cannot follow), and such
/// a gamma is all but normal anyway.
const MAX_GAMMA_SHAPE: f64 = 1e3;
/// Grid points per solved point (`walk`): the rest by Hermite interpolation.
const STRIDE: usize = 8;
/// The largest beta shape tabulated: past ~1,080 the density underflows to 0 across
/// much of a side, and such a beta is all but normal (or a power law) anyway.
const MAX_BETA_SHAPE: f64 = 1e3;
/// Words per internal pass (stack scratch).
const PASS: usize = 256;

/// The tail probability of grid point i: v = u/2 with u = 2^(i/128 − 53)·(1 + (i mod 128)/128).
fn grid_v(i: usize) -> f64 {
    let octave = (i >> OCT_BITS) as i32;
    let j = (i & ((1 << OCT_BITS) - 1)) as f64;
    2f64.powi(octave - OCTAVES as i32 - 1) * (1.0 + j / (1 << OCT_BITS) as f64)
}

/// The inverse CDF of one distribution as a table of both sides, built on first
/// use (`check` and failed runs never pay for it; `engine` builds a plan's tables in
/// parallel before it samples).
#[derive(Debug)]
pub struct InverseTable {
    key: Key,
    /// The lower side's quantiles Q(v_i), then the upper side's Q(1 − v_i).
    t: OnceLock<Box<[f64]>>,
}

impl InverseTable {
    /// The table of `key`'s distribution, or None where it keeps its exact sampler:
    /// a shape the table would not follow closely enough, or a table with a point
    /// that is not a finite number (a lognormal so wide its far tail overflows:
    /// interpolating towards ∞ would give NaN). Quantiles increase, so the two
    /// extreme points decide.
    pub fn new(key: Key) -> Option<InverseTable> {
        let (lo, hi) = key.extremes()?;
        (lo.is_finite() && hi.is_finite() && (hi - lo).is_finite()).then(|| InverseTable {
            key,
            t: OnceLock::new(),
        })
    }

    /// Builds the points now, if not yet built.
    pub fn prepare(&self) {
        self.points();
    }

    #[inline(always)]
    fn points(&self) -> &[f64] {
        self.t.get_or_init(|| self.key.points())
    }

    /// The value for one random word.
    #[inline(always)]
    pub fn at(&self, w: u64) -> f64 {
        Self::lookup(self.points(), w)
    }

    #[inline(always)]
    fn lookup(t: &[f64], w: u64) -> f64 {
        // u = (2k + 1)·2^-53 from bits 11..62 (the top bit is the side's).
        let u = open01(w << 1);
        let b = u.to_bits();
        // u in [2^-53, 1): its exponent and top 7 mantissa bits index [0, SIDE − 1).
        let k = ((b >> (52 - OCT_BITS)) - BASE) as usize + (w >> 63) as usize * SIDE;
        let frac = f64::from_bits(ONE | ((b << OCT_BITS) & MANT)) - 1.0;
        debug_assert!(t.len() == 2 * SIDE && k + 1 < t.len());
        // SAFETY: `t` holds 2·SIDE points (`Key::points`); the in-side index is below
        // SIDE − 1 (u < 1), so k + 1 ≤ 2·SIDE − 1.
        let (lo, hi) = unsafe { (*t.get_unchecked(k), *t.get_unchecked(k + 1)) };
        lo + frac * (hi - lo)
    }

    /// Fills `out`, one word per value: with AVX2, four values per step by two
    /// gathers (the same arithmetic as `at`, so the same bits).
    #[inline(always)]
    pub fn fill(&self, rng: &mut LaneRng, out: &mut [f64]) {
        let t = self.points();
        let mut scratch = [MaybeUninit::<u64>::uninit(); PASS];
        for chunk in out.chunks_mut(PASS) {
            let words = rng.fill_u64_uninit(&mut scratch[..chunk.len()]);
            #[cfg(target_arch = "x86_64")]
            if crate::simd::level().has_avx2() {
                // SAFETY: the level includes AVX2 only when the CPU has it.
                unsafe { Self::lookup_avx2(t, words, chunk) };
                continue;
            }
            for (o, &w) in chunk.iter_mut().zip(words.iter()) {
                *o = Self::lookup(t, w);
            }
        }
    }

    /// `at` for every word, four at a time. (The compiler leaves the scalar loop
    /// scalar: it will not gather on its own.)
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn lookup_avx2(points: &[f64], words: &[u64], out: &mut [f64]) {
        use std::arch::x86_64::*;
        assert_eq!(points.len(), 2 * SIDE);
        let n = words.len().min(out.len());
        let whole = n / 4 * 4;
        let t = points.as_ptr();
        let one = _mm256_set1_epi64x(ONE as i64);
        let mant = _mm256_set1_epi64x(MANT as i64);
        let base = _mm256_set1_epi64x(BASE as i64);
        let side = _mm256_set1_epi64x(SIDE as i64);
        let shift = _mm256_set1_pd(1.0 - 2f64.powi(-53));
        let onef = _mm256_set1_pd(1.0);
        let zero = _mm256_setzero_si256();
        for i in (0..whole).step_by(4) {
            // SAFETY (here and below): i + 3 < n; the gathers read t[k], t[k + 1]
            // with k < 2·SIDE − 1, as in `at`.
            let w = unsafe { _mm256_loadu_si256(words.as_ptr().add(i).cast()) };
            let u = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(
                    _mm256_srli_epi64::<12>(_mm256_slli_epi64::<1>(w)),
                    one,
                )),
                shift,
            );
            let b = _mm256_castpd_si256(u);
            let k = _mm256_sub_epi64(_mm256_srli_epi64::<{ 52 - OCT_BITS as i32 }>(b), base);
            // The top bit set (negative as a signed word) picks the upper side.
            let upper = _mm256_and_si256(_mm256_cmpgt_epi64(zero, w), side);
            let k = _mm256_add_epi64(k, upper);
            let frac = _mm256_sub_pd(
                _mm256_castsi256_pd(_mm256_or_si256(
                    _mm256_and_si256(_mm256_slli_epi64::<{ OCT_BITS as i32 }>(b), mant),
                    one,
                )),
                onef,
            );
            let (lo, hi) = unsafe {
                (
                    _mm256_i64gather_pd::<8>(t, k),
                    _mm256_i64gather_pd::<8>(t.add(1), k),
                )
            };
            let x = _mm256_add_pd(lo, _mm256_mul_pd(frac, _mm256_sub_pd(hi, lo)));
            unsafe { _mm256_storeu_pd(out.as_mut_ptr().add(i), x) };
        }
        for i in whole..n {
            out[i] = Self::lookup(points, words[i]);
        }
    }

    /// Normal(mean, sd).
    pub fn normal(mean: f64, sd: f64) -> Option<InverseTable> {
        Self::new(Key::Normal(mean.to_bits(), sd.to_bits()))
    }

    /// exp(Normal(mu, sigma)).
    pub fn lognormal(mu: f64, sigma: f64) -> Option<InverseTable> {
        Self::new(Key::LogNormal(mu.to_bits(), sigma.to_bits()))
    }

    /// exp(Uniform(low, low + width)).
    pub fn loguniform(low: f64, width: f64) -> Option<InverseTable> {
        Self::new(Key::LogUniform(low.to_bits(), width.to_bits()))
    }

    /// Exponential(rate).
    pub fn exponential(rate: f64) -> Option<InverseTable> {
        Self::new(Key::Exponential(rate.to_bits()))
    }

    /// min + range·Beta(α, β), α, β ≥ 1.
    pub fn beta(alpha: f64, beta: f64, min: f64, range: f64) -> Option<InverseTable> {
        let b = f64::to_bits;
        Self::new(Key::Beta(b(alpha), b(beta), b(min), b(range)))
    }

    /// scale·Gamma(shape ≥ 1, 1).
    pub fn gamma(shape: f64, scale: f64) -> Option<InverseTable> {
        Self::new(Key::Gamma(shape.to_bits(), scale.to_bits()))
    }

    /// The table's value at tail probability v on a side (for tests).
    #[cfg(test)]
    fn at_tail(&self, upper: bool, v: f64) -> f64 {
        // The word whose u is 2v (v a multiple of 2^-54 in (0, ½)).
        let k = ((2.0 * v) * 2f64.powi(53) - 1.0) / 2.0;
        assert!(k >= 0.0 && k.fract() == 0.0, "v = {v} is not a word's");
        let w = ((k as u64) << 11) | if upper { 1 << 63 } else { 0 };
        self.at(w)
    }
}

/// The lower side then the upper side, as one table.
fn joined(lower: Vec<f64>, upper: Vec<f64>) -> Box<[f64]> {
    debug_assert!(lower.len() == SIDE && upper.len() == SIDE);
    lower.into_iter().chain(upper).collect()
}

/// Gamma(shape)'s point beyond the upper side's smallest tail probability.
fn gamma_far(shape: f64) -> f64 {
    let mut far = shape + 40.0 + 20.0 * shape.sqrt();
    while statrs::function::gamma::gamma_ur(shape, far) > grid_v(0) / 2.0 {
        far *= 2.0;
    }
    far
}

/// Each side's points from a function giving (lower, upper) quantiles at v.
fn sides(q: impl Fn(f64) -> (f64, f64)) -> (Vec<f64>, Vec<f64>) {
    (0..SIDE).map(|i| q(grid_v(i))).unzip()
}

/// The standard normal's lower side, Φ⁻¹(v_i) = −√2·erfc⁻¹(2v_i), computed once.
fn std_normal_lower() -> &'static [f64] {
    static Z: OnceLock<Vec<f64>> = OnceLock::new();
    Z.get_or_init(|| {
        (0..SIDE)
            .map(|i| -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * grid_v(i)))
            .collect()
    })
}

/// Beta(a, b)'s lower-side quantiles, on (0, 1).
fn beta_lower_side(a: f64, b: f64) -> Vec<f64> {
    let ln_b = statrs::function::beta::ln_beta(a, b);
    walk(|x| beta_lower_tail(a, b, ln_b, x), (0.0, 1.0), a / (a + b))
}

/// I_x(a, b) and the density at x, from one pair of logarithms. statrs's beta_reg
/// gives the same value but computes ln B(a, b) (three ln Γ) on every call, which
/// was most of a table's build time; the continued fraction is the one it and
/// Numerical Recipes (§6.4) use, evaluated by the modified Lentz method.
fn beta_lower_tail(a: f64, b: f64, ln_b: f64, x: f64) -> (f64, f64) {
    let (lx, l1x) = (x.ln(), (-x).ln_1p());
    let front = (a * lx + b * l1x - ln_b).exp();
    let density = ((a - 1.0) * lx + (b - 1.0) * l1x - ln_b).exp();
    // The fraction converges fast below the mean-ish point; above it, by symmetry.
    let p = if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    };
    (p, density)
}

/// The continued fraction of I_x(a, b) (x^a (1−x)^b / (a B(a, b)) times it).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |d: f64| if d.abs() < TINY { TINY } else { d };
    let (sum, up, down) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - sum * x / up);
    let mut h = d;
    for m in 1..500 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((down + 2.0 * m) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (sum + m) * x / ((a + 2.0 * m) * (up + 2.0 * m));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// One side's quantiles. T(x) = v_i is solved at every STRIDE-th grid point, from
/// the median (i = SIDE − 1) out to the smallest tail probability, each from an
/// extrapolation of the last three; the points between take the cubic (Hermite)
/// through their two solved neighbours and the slopes there (dx/dv = 1/T'(x), exact),
/// within ~1e-7 of the exact quantiles — far inside the linear interpolation's error
/// between points, for an eighth of the incomplete beta or gamma evaluations.
/// `tail(x)` gives T(x), the side's tail probability, and its derivative (positive
/// for a lower tail, negative for an upper one); `support` brackets every root,
/// `guess` starts the median's.
fn walk(tail: impl Fn(f64) -> (f64, f64), support: (f64, f64), guess: f64) -> Vec<f64> {
    let mut xs = vec![0.0; SIDE];
    let mut slopes = vec![0.0; SIDE];
    let at = |i: usize| grid_v(i).ln();
    let rising = tail(guess).1 > 0.0;
    for (done, i) in (0..SIDE).rev().step_by(STRIDE).enumerate() {
        let start = match done {
            0 => guess,
            1 => xs[i + STRIDE],
            2 => {
                let (x1, x2) = (xs[i + 2 * STRIDE], xs[i + STRIDE]);
                let (t1, t2) = (at(i + 2 * STRIDE), at(i + STRIDE));
                x2 + (x2 - x1) * (at(i) - t2) / (t2 - t1)
            }
            _ => quadratic(
                [at(i + 3 * STRIDE), at(i + 2 * STRIDE), at(i + STRIDE)],
                [xs[i + 3 * STRIDE], xs[i + 2 * STRIDE], xs[i + STRIDE]],
                at(i),
            ),
        };
        // The previous point bounds this one on the median's side.
        let (mut lo, mut hi) = support;
        if done > 0 {
            let prev = xs[i + STRIDE];
            if rising {
                hi = prev;
            } else {
                lo = prev;
            }
        }
        (xs[i], slopes[i]) = solve(&tail, rising, grid_v(i), (lo, hi), start);
    }
    for i0 in (0..SIDE - 1).step_by(STRIDE) {
        let i1 = i0 + STRIDE;
        let (v0, h) = (grid_v(i0), grid_v(i1) - grid_v(i0));
        let (x0, x1) = (xs[i0], xs[i1]);
        // dx/dv, scaled to the segment; a density that underflowed gives a line.
        let (m0, m1) = (h / slopes[i0], h / slopes[i1]);
        let hermite = m0.is_finite() && m1.is_finite();
        for (j, x) in xs.iter_mut().enumerate().take(i1).skip(i0 + 1) {
            let t = (grid_v(j) - v0) / h;
            let (t2, t3) = (t * t, t * t * t);
            *x = if hermite {
                (2.0 * t3 - 3.0 * t2 + 1.0) * x0
                    + (t3 - 2.0 * t2 + t) * m0
                    + (-2.0 * t3 + 3.0 * t2) * x1
                    + (t3 - t2) * m1
            } else {
                x0 + t * (x1 - x0)
            };
        }
    }
    xs
}

/// The quadratic through (t_k, x_k), k = 0..3, at t (Lagrange's form).
fn quadratic(t: [f64; 3], x: [f64; 3], at: f64) -> f64 {
    let l0 = (at - t[1]) * (at - t[2]) / ((t[0] - t[1]) * (t[0] - t[2]));
    let l1 = (at - t[0]) * (at - t[2]) / ((t[1] - t[0]) * (t[1] - t[2]));
    let l2 = (at - t[0]) * (at - t[1]) / ((t[2] - t[0]) * (t[2] - t[1]));
    l0 * x[0] + l1 * x[1] + l2 * x[2]
}

/// Solves T(x) = v in the bracket by Newton's method on ln T (concave for the
/// log-concave densities tabulated here, so the iterates close in from the tail's
/// side after the first step), bisecting whenever a step leaves the bracket or the
/// density underflows. `rising`: T increases with x (a lower tail). Returns the root
/// and T' there (at the last iterate, within the tolerance).
fn solve(
    tail: &impl Fn(f64) -> (f64, f64),
    rising: bool,
    v: f64,
    (mut lo, mut hi): (f64, f64),
    start: f64,
) -> (f64, f64) {
    let ln_v = v.ln();
    let mut x = if start > lo && start < hi {
        start
    } else {
        0.5 * (lo + hi)
    };
    let mut slope = f64::NAN;
    for _ in 0..400 {
        let (p, dp) = tail(x);
        slope = dp;
        // Too far towards the median (T above v) is, for a lower tail, too high.
        if (p > v) == rising {
            hi = x;
        } else {
            lo = x;
        }
        let step = (p.ln() - ln_v) * p / dp;
        let next = x - step;
        // Quadratic convergence: a step this small leaves an error of the order of
        // its square (1e-14 relative), far below the interpolation's.
        if step.abs() <= 1e-7 * x.abs() {
            return (next, slope);
        }
        x = if next > lo && next < hi && step.is_finite() {
            next
        } else {
            0.5 * (lo + hi)
        };
        if hi - lo <= 4.0 * f64::EPSILON * x.abs() {
            break;
        }
    }
    (x, slope)
}

/// The distributions a table is built for, keyed by their arguments' bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Normal(u64, u64),
    LogNormal(u64, u64),
    LogUniform(u64, u64),
    Exponential(u64),
    Beta(u64, u64, u64, u64),
    Gamma(u64, u64),
}

impl Key {
    /// The lowest and highest points of the table (or bounds of them), or None for a
    /// shape it would not follow closely enough.
    fn extremes(self) -> Option<(f64, f64)> {
        let f = f64::from_bits;
        // The standard normal's most extreme tabulated quantile (~8.3).
        let z = || -std_normal_lower()[0];
        Some(match self {
            Key::Normal(m, s) => (f(m) - f(s) * z(), f(m) + f(s) * z()),
            Key::LogNormal(m, s) if f(s) <= MAX_LOG_SIGMA => {
                ((f(m) - f(s) * z()).exp(), (f(m) + f(s) * z()).exp())
            }
            Key::LogUniform(l, w) if f(w) <= MAX_LOG_WIDTH => (f(l).exp(), (f(l) + f(w)).exp()),
            Key::LogNormal(..) | Key::LogUniform(..) => return None,
            // −ln(2^-54)/rate.
            Key::Exponential(r) => (0.0, 54.0 * std::f64::consts::LN_2 / f(r)),
            Key::Beta(a, b, min, range) if f(a).max(f(b)) <= MAX_BETA_SHAPE => {
                (f(min), f(min) + f(range))
            }
            Key::Beta(..) => return None,
            Key::Gamma(k, s) if f(k) <= MAX_GAMMA_SHAPE => (0.0, f(s) * gamma_far(f(k))),
            Key::Gamma(..) => return None,
        })
    }

    /// Every point: the exact quantiles at the grid's tail probabilities.
    fn points(self) -> Box<[f64]> {
        let f = f64::from_bits;
        match self {
            Key::Normal(m, s) => {
                let z = std_normal_lower();
                let (mean, sd) = (f(m), f(s));
                joined(
                    z.iter().map(|&z| mean + sd * z).collect(),
                    z.iter().map(|&z| mean - sd * z).collect(),
                )
            }
            // Interpolating exp adds its curvature to the error (~σ²·3e-6 relative
            // near the median): `extremes` keeps σ ≤ MAX_LOG_SIGMA.
            Key::LogNormal(m, s) => {
                let z = std_normal_lower();
                let (mu, sigma) = (f(m), f(s));
                joined(
                    z.iter().map(|&z| (mu + sigma * z).exp()).collect(),
                    z.iter().map(|&z| (mu - sigma * z).exp()).collect(),
                )
            }
            // The same for the width (ln b − ln a), the error growing as its square.
            Key::LogUniform(l, w) => {
                let (low, width) = (f(l), f(w));
                let (lower, upper) =
                    sides(|v| ((low + width * v).exp(), (low + width - width * v).exp()));
                joined(lower, upper)
            }
            Key::Exponential(r) => {
                let rate = f(r);
                let (lower, upper) = sides(|v| (-(-v).ln_1p() / rate, -v.ln() / rate));
                joined(lower, upper)
            }
            Key::Beta(a, b, min, range) => {
                let (alpha, beta, min, range) = (f(a), f(b), f(min), f(range));
                // The upper side of Beta(α, β) is 1 − the lower side of Beta(β, α).
                let (lower, mirrored) = rayon::join(
                    || beta_lower_side(alpha, beta),
                    || beta_lower_side(beta, alpha),
                );
                joined(
                    lower.iter().map(|&x| min + range * x).collect(),
                    mirrored.iter().map(|&y| min + range * (1.0 - y)).collect(),
                )
            }
            Key::Gamma(k, s) => {
                use statrs::function::gamma::{gamma_lr, gamma_ur, ln_gamma};
                let (shape, scale) = (f(k), f(s));
                let ln_g = ln_gamma(shape);
                let density = |x: f64| ((shape - 1.0) * x.ln() - x - ln_g).exp();
                let far = gamma_far(shape);
                let (lower, upper) = rayon::join(
                    || walk(|x| (gamma_lr(shape, x), density(x)), (0.0, far), shape),
                    || walk(|x| (gamma_ur(shape, x), -density(x)), (0.0, far), shape),
                );
                joined(
                    lower.iter().map(|&x| scale * x).collect(),
                    upper.iter().map(|&x| scale * x).collect(),
                )
            }
        }
    }
}

/// A table shared by every plan of the process that samples the same distribution
/// (the swing, Sobol and anatomy analyses compile the model again, often many
/// times). None when the distribution keeps its exact sampler.
pub fn cached(key: Key) -> Option<Arc<InverseTable>> {
    type Cache = Mutex<HashMap<Key, Option<Arc<InverseTable>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(t) = cache.lock().expect("table cache").get(&key) {
        return t.clone();
    }
    let made = InverseTable::new(key).map(Arc::new);
    let mut cache = cache.lock().expect("table cache");
    // A long-lived process (the fuzzer, a library user) sees ever new distributions:
    // past MAX_CACHED, tables belong to their plans alone and go with them.
    if cache.len() >= MAX_CACHED {
        return made;
    }
    cache.entry(key).or_insert(made).clone()
}

/// Distributions the process-wide cache remembers: the tables of four models'
/// worth of tabulated params (`compare` holds several).
const MAX_CACHED: usize = 2048;

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Normal};

    /// The worst error of a table against exact quantiles at the midpoints and
    /// quarter points of its intervals (where linear interpolation is worst), on
    /// both sides, relative to |x| + `scale`.
    fn worst(table: &InverseTable, exact: impl Fn(bool, f64) -> f64, scale: f64) -> f64 {
        let mut worst = 0.0f64;
        for upper in [false, true] {
            // Every 7th interval keeps the test quick; the tails are all checked.
            for i in (0..SIDE - 1).filter(|i| i % 7 == 0 || *i < 256) {
                for t in [0.25, 0.5] {
                    let v = grid_v(i) + t * (grid_v(i + 1) - grid_v(i));
                    // Round to a value a word can give (a multiple of 2^-54 plus 2^-55...).
                    let k = ((2.0 * v * 2f64.powi(53) - 1.0) / 2.0).round().max(0.0);
                    let v = (2.0 * k + 1.0) * 2f64.powi(-54);
                    let (got, want) = (table.at_tail(upper, v), exact(upper, v));
                    worst = worst.max((got - want).abs() / (want.abs() + scale));
                }
            }
        }
        worst
    }

    #[test]
    fn every_word_lands_in_the_table_and_the_sides_meet_at_the_median() {
        let t = InverseTable::normal(3.0, 2.0).unwrap();
        let p = t.points();
        assert_eq!(p.len(), 2 * SIDE);
        assert_eq!(p[SIDE - 1], 3.0);
        assert_eq!(p[2 * SIDE - 1], 3.0);
        for w in [
            0,
            u64::MAX,
            1 << 63,
            (1 << 63) - 1,
            0x0000_0000_0000_07ff,
            12345,
        ] {
            assert!(t.at(w).is_finite());
        }
        // The extreme words give the tabulated extreme quantiles.
        assert_eq!(t.at(0), p[0]);
        assert_eq!(t.at(1 << 63), p[SIDE]);
        assert!(
            t.at(0) < -13.0 && t.at(1 << 63) > 19.0,
            "{} {}",
            t.at(0),
            t.at(1 << 63)
        );
    }

    /// The root of an increasing `f` in (lo, hi) by bisection to the last bit: the
    /// reference quantiles, independent of the tables' Newton iteration.
    fn bisect(f: impl Fn(f64) -> f64, target: f64, (mut lo, mut hi): (f64, f64)) -> f64 {
        for _ in 0..2000 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if f(mid) < target { lo = mid } else { hi = mid }
        }
        0.5 * (lo + hi)
    }

    #[test]
    fn normal_family_tables_are_within_their_stated_error_of_the_exact_quantiles() {
        let n = Normal::new(0.0, 1.0).unwrap();
        let z = |upper: bool, v: f64| {
            let q = n.inverse_cdf(v);
            if upper { -q } else { q }
        };
        // Linear interpolation's error is largest near the median (128 points over
        // the octave v in [¼, ½)): ~3e-6 of the sd for a normal, and grows with a
        // lognormal's sigma through the curvature of exp.
        let t = InverseTable::normal(0.0, 1.0).unwrap();
        let e = worst(&t, z, 1.0);
        assert!(e < 4e-6, "normal: {e}");
        for (sigma, bound) in [(0.3, 4e-6), (0.8, 8e-6), (2.0, 3e-5)] {
            let t = InverseTable::lognormal(1.0, sigma).unwrap();
            let e = worst(&t, |up, v| (1.0 + sigma * z(up, v)).exp(), 0.0);
            assert!(e < bound, "lognormal(1, {sigma}): {e}");
        }
        for (width, bound) in [(1.6, 4e-6), (4.0, 2e-5)] {
            let t = InverseTable::loguniform(-2.0, width).unwrap();
            let e = worst(
                &t,
                |up, v| (-2.0 + width * if up { 1.0 - v } else { v }).exp(),
                0.0,
            );
            assert!(e < bound, "loguniform width {width}: {e}");
        }
        // Wider ones keep their exact samplers.
        assert!(InverseTable::loguniform(0.0, 4.1).is_none());
        assert!(InverseTable::lognormal(0.0, 2.1).is_none());
        assert!(InverseTable::gamma(1e3 + 1.0, 1.0).is_none());
        assert!(InverseTable::beta(1.0, 1100.0, 0.0, 1.0).is_none());
        let t = InverseTable::exponential(2.0).unwrap();
        let e = worst(
            &t,
            |up, v| {
                if up {
                    -v.ln() / 2.0
                } else {
                    -(-v).ln_1p() / 2.0
                }
            },
            0.0,
        );
        assert!(e < 8e-6, "exponential: {e}");
    }

    #[test]
    fn beta_and_gamma_tables_are_within_8e_6_of_the_exact_quantiles() {
        use statrs::function::beta::beta_reg;
        use statrs::function::gamma::{gamma_lr, gamma_ur};
        for (a, b) in [
            (1.0, 1.0),
            (1.2, 3.8),
            (8.0, 3.0),
            (2.0, 2.0),
            (50.0, 1.5),
            (1.0, 5.0),
            (1e3, 1e3),
            (1e3, 1.0),
            (1.0, 1e3),
        ] {
            let t = InverseTable::beta(a, b, 0.0, 1.0).unwrap();
            // The upper side as 1 − the mirrored lower quantile (1 − F would lose
            // the far tail to cancellation).
            let exact = |up: bool, v: f64| {
                if up {
                    1.0 - bisect(|y| beta_reg(b, a, y), v, (0.0, 1.0))
                } else {
                    bisect(|x| beta_reg(a, b, x), v, (0.0, 1.0))
                }
            };
            let e = worst(&t, exact, 0.0);
            assert!(e < 8e-6, "beta({a}, {b}): {e}");
        }
        for k in [1.0, 2.0, 7.5, 300.0, 1e3] {
            let t = InverseTable::gamma(k, 3.0).unwrap();
            let far = 4.0 * k + 100.0;
            let exact = |up: bool, v: f64| {
                3.0 * if up {
                    bisect(|x| -gamma_ur(k, x), -v, (0.0, far))
                } else {
                    bisect(|x| gamma_lr(k, x), v, (0.0, far))
                }
            };
            let e = worst(&t, exact, 0.0);
            assert!(e < 8e-6, "gamma({k}): {e}");
        }
    }

    #[test]
    fn the_walk_follows_a_side_whose_density_underflows() {
        // Beta(a, 1) has F(x) = x^a: its quantile is v^(1/a). At a = 1,100 the
        // density underflows to 0 below x ≈ 0.5, where a Newton walk that read the
        // side from the density's sign ran off to the wrong end (every value 0 or 1).
        let a = 1100.0;
        let xs = beta_lower_side(a, 1.0);
        for (i, &x) in xs.iter().enumerate() {
            let want = grid_v(i).powf(1.0 / a);
            assert!(
                (x - want).abs() <= 1e-9 * want,
                "point {i}: {x} against {want}"
            );
        }
    }

    #[test]
    fn overflowing_tables_are_refused() {
        assert!(InverseTable::lognormal(705.0, 1.0).is_none());
        assert!(InverseTable::normal(0.0, 1.0).is_some());
    }

    #[test]
    fn equal_distributions_share_one_table() {
        let key = Key::Beta(
            2f64.to_bits(),
            3f64.to_bits(),
            0f64.to_bits(),
            1f64.to_bits(),
        );
        let (a, b) = (cached(key).unwrap(), cached(key).unwrap());
        assert!(Arc::ptr_eq(&a, &b));
    }
}
