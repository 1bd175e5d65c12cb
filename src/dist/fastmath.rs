//! Elementary functions over blocks of values, in loops the compiler vectorises
//! (glibc's `exp` and `log` are a call per value). All are branch-free
//! on their core range, use no fused multiply-add (so every instruction set gives
//! the same bits), and are tested against the standard library.
//!
//! - `exp`: Cody–Waite reduction x = k·ln2 + r with |r| ≤ ln2/2, then the Taylor
//!   series of e^r to degree 13 (truncation below 2e-16 relative) and 2^k built in the
//!   exponent bits. A block holding a value outside [-708, 709] (where 2^k would
//!   leave the normal range), NaN or ±∞ takes the standard `exp` whole. Within 2 ulp.
//! - `ln`: fdlibm's e_log.c (x = 2^k·m, m in [√½, √2), a degree-14 odd series in
//!   s = (m-1)/(m+1)), with k and m read from the bits. Within 1 ulp for positive
//!   normal numbers; a block holding anything else takes the standard `ln` whole.

const LOG2E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that k·LN2_HI is exact for |k| < 2^21 (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// Adding 1.5·2^52 rounds to an integer and leaves it in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// 1/n! for n = 13 down to 2, for Horner's scheme.
const INV_FACT: [f64; 12] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
];

/// e^x for x in [-708, 709] (outside, garbage: callers check the range).
#[inline(always)]
pub fn exp_core(x: f64) -> f64 {
    let t = x * LOG2E + SHIFT;
    let k = t - SHIFT;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = INV_FACT[0];
    for c in &INV_FACT[1..] {
        p = p * r + c;
    }
    let er = 1.0 + r * (1.0 + r * p);
    let ki = (t.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let scale = f64::from_bits(((ki + 1023) as u64) << 52);
    er * scale
}

/// xs[i] = e^xs[i] for the whole slice.
#[inline(always)]
pub fn exp_in_place(xs: &mut [f64]) {
    // A fold with `&`, not `any`: it has no early exit, so it vectorises.
    if !xs
        .iter()
        .fold(true, |ok, &v| ok & (-708.0..=709.0).contains(&v))
    {
        xs.iter_mut().for_each(|x| *x = x.exp());
        return;
    }
    xs.iter_mut().for_each(|x| *x = exp_core(*x));
}

/// fdlibm's e_log.c series coefficients Lg1..Lg7, bit for bit.
const LG: [f64; 7] = [
    f64::from_bits(0x3FE5_5555_5555_5593),
    f64::from_bits(0x3FD9_9999_9997_FA04),
    f64::from_bits(0x3FD2_4924_9422_9359),
    f64::from_bits(0x3FCC_71C5_1D8E_78AF),
    f64::from_bits(0x3FC7_4664_96CB_03DE),
    f64::from_bits(0x3FC3_9A09_D078_C69F),
    f64::from_bits(0x3FC2_F112_DF3E_5244),
];
const MANTISSA: u64 = (1 << 52) - 1;
/// 2^52 as a double: OR-ing a small integer into its low bits and subtracting it
/// converts without an integer-to-float instruction (none exists for 64-bit lanes
/// before AVX-512).
const TWO52: f64 = 4_503_599_627_370_496.0;

/// ln x for a positive normal x (outside that, garbage: callers check the range).
#[inline(always)]
pub fn ln_core(x: f64) -> f64 {
    let bits = x.to_bits();
    // m in [1, 2) with x = 2^e·m; move m into [√½, √2) so that f = m − 1 is small.
    let m1 = f64::from_bits((bits & MANTISSA) | 0x3FF0_0000_0000_0000);
    let high = m1 > std::f64::consts::SQRT_2;
    let m = if high { m1 * 0.5 } else { m1 };
    let biased = (bits >> 52) + u64::from(high);
    let k = f64::from_bits(TWO52.to_bits() | biased) - (TWO52 + 1023.0);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
}

/// xs[i] = ln xs[i] for the whole slice.
#[inline(always)]
pub fn ln_in_place(xs: &mut [f64]) {
    if !xs.iter().fold(true, |ok, &v| {
        ok & (f64::MIN_POSITIVE..=f64::MAX).contains(&v)
    }) {
        xs.iter_mut().for_each(|x| *x = x.ln());
        return;
    }
    xs.iter_mut().for_each(|x| *x = ln_core(*x));
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The distance in units in the last place between two finite doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    #[test]
    fn within_two_ulp_of_the_standard_exp() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut worst = 0;
        for scale in [1e-6, 0.1, 1.0, 10.0, 100.0, 708.0] {
            let xs: Vec<f64> = (0..200_000)
                .map(|_| rng.random_range(-scale..scale))
                .collect();
            let mut ys = xs.clone();
            exp_in_place(&mut ys);
            for (x, y) in xs.iter().zip(&ys) {
                worst = worst.max(ulps(*y, x.exp()));
            }
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn special_values_take_the_standard_path() {
        let mut xs = [0.0, 1.0, -800.0, 800.0, f64::NAN, f64::NEG_INFINITY, -745.0];
        exp_in_place(&mut xs);
        assert_eq!((xs[0], xs[1]), (1.0, 1f64.exp()));
        assert_eq!((xs[2], xs[3]), (0.0, f64::INFINITY));
        assert!(xs[4].is_nan());
        assert_eq!(xs[5], 0.0);
        assert_eq!(xs[6], (-745.0f64).exp());
    }
    #[test]
    fn ln_within_one_ulp_of_the_standard_ln() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(4);
        let mut worst = 0;
        for (lo, hi) in [
            (1e-300, 1e-250),
            (1e-20, 1e-3),
            (0.5, 2.0),
            (0.999, 1.001),
            (1.0, 1e6),
            (1e300, 1e308),
        ] {
            let xs: Vec<f64> = (0..200_000).map(|_| rng.random_range(lo..hi)).collect();
            let mut ys = xs.clone();
            ln_in_place(&mut ys);
            for (x, y) in xs.iter().zip(&ys) {
                worst = worst.max(ulps(*y, x.ln()));
            }
        }
        assert!(worst <= 1, "worst error {worst} ulp");
        let mut exact = [1.0, 2.0, 0.5, f64::MIN_POSITIVE, f64::MAX];
        ln_in_place(&mut exact);
        assert_eq!(exact[0], 0.0);
        assert_eq!(exact[1], std::f64::consts::LN_2);
        assert_eq!(exact[2], -std::f64::consts::LN_2);
        assert_eq!(exact[3], f64::MIN_POSITIVE.ln());
        assert_eq!(exact[4], f64::MAX.ln());
    }

    #[test]
    fn ln_of_zero_negative_subnormal_and_infinity_take_the_standard_path() {
        let mut xs = [0.0, -1.0, 5e-324, f64::INFINITY, f64::NAN, 3.0];
        ln_in_place(&mut xs);
        assert_eq!(xs[0], f64::NEG_INFINITY);
        assert!(xs[1].is_nan());
        assert_eq!(xs[2], 5e-324f64.ln());
        assert_eq!(xs[3], f64::INFINITY);
        assert!(xs[4].is_nan());
        assert_eq!(xs[5], 3f64.ln());
    }
}
