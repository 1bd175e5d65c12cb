//! exp over a block of values, in a loop the compiler vectorises (glibc's `exp` is a
//! call per value). Cody–Waite reduction x = k·ln2 + r with |r| ≤ ln2/2, then the
//! Taylor series of e^r to degree 13 (truncation below 2e-16 relative) and 2^k built
//! in the exponent bits. A block holding a value outside [-708, 709] (where 2^k would
//! leave the normal range), NaN or ±∞ takes the standard `exp` whole. Within 2 ulp of
//! the standard `exp` (tested over 1.2 million values).

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

/// e^x for x in [-708, 709].
#[inline(always)]
fn exp_core(x: f64) -> f64 {
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
pub fn exp_in_place(xs: &mut [f64]) {
    if xs.iter().any(|v| !(-708.0..=709.0).contains(v)) {
        xs.iter_mut().for_each(|x| *x = x.exp());
        return;
    }
    xs.iter_mut().for_each(|x| *x = exp_core(*x));
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
}
