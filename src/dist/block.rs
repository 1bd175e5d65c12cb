//! Samplers that fill a block of values at once from a `LaneRng`, written as
//! branch-free loops over arrays so the compiler vectorises them: ziggurat
//! normals, Marsaglia–Tsang gammas with a vector squeeze and a compacting accept
//! loop, and inverse-CDF forms of the simple laws. Each draws exactly its
//! distribution; tests/distributions.rs checks every one against its CDF.
//!
//! Everything here is `#[inline(always)]`: the engine compiles its block loop once
//! per instruction set (see `engine::simd`), and only inlined code is compiled again.

use super::fastmath::{ln, ln_core};
use super::lanes::LaneRng;
use super::scalar::GammaLarge;

/// Values per internal pass: the scratch arrays live on the stack.
pub const PASS: usize = 256;
/// Gamma candidates per pass: a pass of PASS values needs about 2% more candidates.
const CANDIDATES: usize = PASS + PASS / 8;

/// Standard normals by the ziggurat, a block at a time (dist::ziggurat).
#[inline(always)]
pub fn std_normals(rng: &mut LaneRng, out: &mut [f64]) {
    super::ziggurat::fill(rng, out);
}

/// Gamma(shape ≥ 1, 1) by Marsaglia & Tsang (2000), a block at a time. Candidates
/// are drawn and tested in vector loops; the ~10% that fail the cheap squeeze take
/// the exact logarithmic test, and accepted values are packed in order. Rejected
/// candidates and those left over when the block is full are discarded, which
/// leaves the accepted ones exactly Gamma-distributed.
#[inline(always)]
pub fn gamma_large(rng: &mut LaneRng, g: GammaLarge, out: &mut [f64]) {
    for chunk in out.chunks_mut(PASS) {
        gamma_pass(rng, g, chunk);
    }
}

#[inline(always)]
fn gamma_pass(rng: &mut LaneRng, g: GammaLarge, out: &mut [f64]) {
    let (d, c) = g.params();
    let n = out.len();
    let mut filled = 0;
    let mut z = [0.0; CANDIDATES];
    let mut u = [0.0; CANDIDATES];
    let mut v3 = [0.0; CANDIDATES];
    let mut quick = [false; CANDIDATES];
    while filled < n {
        let want = n - filled;
        let m = (want + want / 16 + 8).min(CANDIDATES);
        std_normals(rng, &mut z[..m]);
        rng.fill_open01(&mut u[..m]);
        for i in 0..m {
            let v = 1.0 + c * z[i];
            let z2 = z[i] * z[i];
            v3[i] = v * v * v;
            quick[i] = (v > 0.0) & (u[i] < 1.0 - 0.0331 * z2 * z2);
        }
        for i in 0..m {
            if filled == n {
                break;
            }
            let accept = quick[i] || {
                let (v3, z2) = (v3[i], z[i] * z[i]);
                v3 > 0.0 && ln_core(u[i]) < 0.5 * z2 + d * (1.0 - v3 + ln(v3))
            };
            out[filled] = d * v3[i];
            filled += usize::from(accept);
        }
    }
}

/// min + range·X/(X+Y) with X ~ Gamma(α), Y ~ Gamma(β): Beta(α, β) on [min, min+range].
#[inline(always)]
pub fn beta_ratio(
    rng: &mut LaneRng,
    (x, y): (GammaLarge, GammaLarge),
    (min, range): (f64, f64),
    out: &mut [f64],
) {
    let mut gy = [0.0; PASS];
    for chunk in out.chunks_mut(PASS) {
        let gy = &mut gy[..chunk.len()];
        gamma_pass(rng, x, chunk);
        gamma_pass(rng, y, gy);
        for (o, b) in chunk.iter_mut().zip(gy.iter()) {
            *o = min + range * (*o / (*o + b));
        }
    }
}

/// `f(u)` for uniforms u on (0, 1), in place.
#[inline(always)]
pub fn map_uniforms(rng: &mut LaneRng, out: &mut [f64], f: impl Fn(f64) -> f64) {
    rng.fill_open01(out);
    for o in out {
        *o = f(*o);
    }
}

/// The triangular law's inverse CDF at u: one square root, the branch as a select.
#[inline(always)]
pub fn triangular_at(u: f64, (min, mode, max): (f64, f64, f64)) -> f64 {
    let range = max - min;
    let left = u * range < mode - min;
    let area = if left {
        u * range * (mode - min)
    } else {
        (1.0 - u) * range * (max - mode)
    };
    let s = area.sqrt();
    if left { min + s } else { max - s }
}

/// `triangular_at` for a range near the largest double: the inverse CDF of the
/// triangle scaled to [0, 1], then scaled back, so no product overflows.
#[inline(always)]
pub fn wide_triangular_at(u: f64, (min, mode, max): (f64, f64, f64)) -> f64 {
    let range = max - min;
    let c = (mode - min) / range;
    if u < c {
        min + range * (u * c).sqrt()
    } else {
        max - range * ((1.0 - u) * (1.0 - c)).sqrt()
    }
}

/// −ln(u)/rate: the exponential's inverse survival function.
#[inline(always)]
pub fn exponential_at(u: f64, rate: f64) -> f64 {
    -ln_core(u) / rate
}
