//! Elementary functions over blocks of values, in loops the compiler vectorises
//! (glibc's `exp` and `log` are a call per value). All are branch-free
//! on their core range, use no fused multiply-add (so every instruction set gives
//! the same bits), and are tested against the standard library.
//!
//! - `exp`: Cody–Waite reduction x = k·ln2/64 + r with |r| ≤ ln2/128, a table of
//!   2^(j/64), the Taylor series of e^r to degree 6 (truncation below 4e-17
//!   relative) and 2^m built in the exponent bits. A block holding a value outside [-708, 709] (where 2^k would
//!   leave the normal range), NaN or ±∞ takes the standard `exp` whole. Within 2 ulp.
//! - `ln`: fdlibm's e_log.c (x = 2^k·m, m in [√½, √2), a degree-14 odd series in
//!   s = (m-1)/(m+1)), with k and m read from the bits. Within 1 ulp for positive
//!   normal numbers; anything else takes the standard `ln`.

const LOG2E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split so that k·LN2_HI is exact for |k| < 2^21 (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// Adding 1.5·2^52 rounds to an integer and leaves it in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// 2^(j/64) for j = 0..63, correctly rounded (computed to 60 digits).
const EXP2_64THS: [f64; 64] = [
    f64::from_bits(0x3FF0_0000_0000_0000),
    f64::from_bits(0x3FF0_2C9A_3E77_8061),
    f64::from_bits(0x3FF0_59B0_D315_8574),
    f64::from_bits(0x3FF0_8745_1875_9BC8),
    f64::from_bits(0x3FF0_B558_6CF9_890F),
    f64::from_bits(0x3FF0_E3EC_32D3_D1A2),
    f64::from_bits(0x3FF1_1301_D012_5B51),
    f64::from_bits(0x3FF1_429A_AEA9_2DE0),
    f64::from_bits(0x3FF1_72B8_3C7D_517B),
    f64::from_bits(0x3FF1_A35B_EB6F_CB75),
    f64::from_bits(0x3FF1_D487_3168_B9AA),
    f64::from_bits(0x3FF2_063B_8862_8CD6),
    f64::from_bits(0x3FF2_387A_6E75_6238),
    f64::from_bits(0x3FF2_6B45_65E2_7CDD),
    f64::from_bits(0x3FF2_9E9D_F51F_DEE1),
    f64::from_bits(0x3FF2_D285_A6E4_030B),
    f64::from_bits(0x3FF3_06FE_0A31_B715),
    f64::from_bits(0x3FF3_3C08_B264_16FF),
    f64::from_bits(0x3FF3_71A7_373A_A9CB),
    f64::from_bits(0x3FF3_A7DB_34E5_9FF7),
    f64::from_bits(0x3FF3_DEA6_4C12_3422),
    f64::from_bits(0x3FF4_160A_21F7_2E2A),
    f64::from_bits(0x3FF4_4E08_6061_892D),
    f64::from_bits(0x3FF4_86A2_B5C1_3CD0),
    f64::from_bits(0x3FF4_BFDA_D536_2A27),
    f64::from_bits(0x3FF4_F9B2_769D_2CA7),
    f64::from_bits(0x3FF5_342B_569D_4F82),
    f64::from_bits(0x3FF5_6F47_36B5_27DA),
    f64::from_bits(0x3FF5_AB07_DD48_5429),
    f64::from_bits(0x3FF5_E76F_15AD_2148),
    f64::from_bits(0x3FF6_247E_B03A_5585),
    f64::from_bits(0x3FF6_6238_8255_2225),
    f64::from_bits(0x3FF6_A09E_667F_3BCD),
    f64::from_bits(0x3FF6_DFB2_3C65_1A2F),
    f64::from_bits(0x3FF7_1F75_E8EC_5F74),
    f64::from_bits(0x3FF7_5FEB_5642_67C9),
    f64::from_bits(0x3FF7_A114_73EB_0187),
    f64::from_bits(0x3FF7_E2F3_36CF_4E62),
    f64::from_bits(0x3FF8_2589_994C_CE13),
    f64::from_bits(0x3FF8_68D9_9B44_92ED),
    f64::from_bits(0x3FF8_ACE5_422A_A0DB),
    f64::from_bits(0x3FF8_F1AE_9915_7736),
    f64::from_bits(0x3FF9_3737_B0CD_C5E5),
    f64::from_bits(0x3FF9_7D82_9FDE_4E50),
    f64::from_bits(0x3FF9_C491_82A3_F090),
    f64::from_bits(0x3FFA_0C66_7B5D_E565),
    f64::from_bits(0x3FFA_5503_B23E_255D),
    f64::from_bits(0x3FFA_9E6B_5579_FDBF),
    f64::from_bits(0x3FFA_E89F_995A_D3AD),
    f64::from_bits(0x3FFB_33A2_B84F_15FB),
    f64::from_bits(0x3FFB_7F76_F2FB_5E47),
    f64::from_bits(0x3FFB_CC1E_904B_C1D2),
    f64::from_bits(0x3FFC_199B_DD85_529C),
    f64::from_bits(0x3FFC_67F1_2E57_D14B),
    f64::from_bits(0x3FFC_B720_DCEF_9069),
    f64::from_bits(0x3FFD_072D_4A07_897C),
    f64::from_bits(0x3FFD_5818_DCFB_A487),
    f64::from_bits(0x3FFD_A9E6_03DB_3285),
    f64::from_bits(0x3FFD_FC97_337B_9B5F),
    f64::from_bits(0x3FFE_502E_E78B_3FF6),
    f64::from_bits(0x3FFE_A4AF_A2A4_90DA),
    f64::from_bits(0x3FFE_FA1B_EE61_5A27),
    f64::from_bits(0x3FFF_5076_5B6E_4540),
    f64::from_bits(0x3FFF_A7C1_819E_90D8),
];

/// e^x for x in [-708, 709] (outside, garbage: callers check the range).
///
/// x = (64m + j)·ln2/64 + r with |r| ≤ ln2/128, so e^x = 2^m · 2^(j/64) · e^r: a table
/// entry, and e^r − 1 by its Taylor series to degree 6 (truncation below 4e-17).
#[inline(always)]
pub fn exp_core(x: f64) -> f64 {
    let t = x * (64.0 * LOG2E) + SHIFT;
    let k = t - SHIFT;
    let ki = (t.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    // k·LN2_HI/64 is exact: LN2_HI has 32 significant bits and |k| < 2^17.
    let r = (x - k * (LN2_HI / 64.0)) - k * (LN2_LO / 64.0);
    let q = r
        * (1.0
            + r * (1.0 / 2.0
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let tj = EXP2_64THS[(ki & 63) as usize];
    let scale = f64::from_bits((((ki >> 6) + 1023) as u64) << 52);
    (tj + tj * q) * scale
}

/// xs[i] = e^(a + b·xs[i]) for the whole slice: the affine map and the range check
/// in one pass, the exponentials in a second (a lognormal's block in two passes).
#[inline(always)]
pub fn exp_affine_in_place(xs: &mut [f64], a: f64, b: f64) {
    let mut ok = true;
    for x in xs.iter_mut() {
        *x = a + b * *x;
        ok &= (-708.0..=709.0).contains(x);
    }
    if ok {
        #[cfg(target_arch = "x86_64")]
        if crate::simd::level().has_avx2() {
            // SAFETY: the level includes AVX2 only when the CPU has it.
            return unsafe { x86::exp_core_all(xs) };
        }
        xs.iter_mut().for_each(|x| *x = exp_core(*x));
    } else {
        xs.iter_mut().for_each(|x| *x = x.exp());
    }
}

/// `exp_core` over a slice with AVX2 and a gather for the table (LLVM looked the
/// table up one lane at a time): the same IEEE operations in the same order, so the
/// same bits. The arithmetic shift of k by 6 is a logical one here: the bits it
/// differs in are shifted out by the `<< 52` that follows.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{EXP2_64THS, LN2_HI, LN2_LO, LOG2E, SHIFT, exp_core};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must have AVX2; every value in [-708, 709].
    #[target_feature(enable = "avx2")]
    pub unsafe fn exp_core_all(xs: &mut [f64]) {
        let quads = xs.len() / 4 * 4;
        // SAFETY: loads and stores at k..k + 4 <= quads; the gather's indices are
        // k & 63, within the table's 64 entries.
        unsafe {
            let c_log2e = _mm256_set1_pd(64.0 * LOG2E);
            let shift = _mm256_set1_pd(SHIFT);
            let shift_bits = _mm256_set1_epi64x(SHIFT.to_bits() as i64);
            let hi = _mm256_set1_pd(LN2_HI / 64.0);
            let lo = _mm256_set1_pd(LN2_LO / 64.0);
            let one = _mm256_set1_pd(1.0);
            let c2 = _mm256_set1_pd(1.0 / 2.0);
            let c3 = _mm256_set1_pd(1.0 / 6.0);
            let c4 = _mm256_set1_pd(1.0 / 24.0);
            let c5 = _mm256_set1_pd(1.0 / 120.0);
            let c6 = _mm256_set1_pd(1.0 / 720.0);
            let mask63 = _mm256_set1_epi64x(63);
            let bias = _mm256_set1_epi64x(1023 << 52);
            for k in (0..quads).step_by(4) {
                let p = xs.as_mut_ptr().add(k);
                let x = _mm256_loadu_pd(p);
                let t = _mm256_add_pd(_mm256_mul_pd(x, c_log2e), shift);
                let kf = _mm256_sub_pd(t, shift);
                let ki = _mm256_sub_epi64(_mm256_castpd_si256(t), shift_bits);
                let r = _mm256_sub_pd(
                    _mm256_sub_pd(x, _mm256_mul_pd(kf, hi)),
                    _mm256_mul_pd(kf, lo),
                );
                // r·(1 + r·(1/2 + r·(1/6 + r·(1/24 + r·(1/120 + r·(1/720)))))).
                let mut q = _mm256_add_pd(c5, _mm256_mul_pd(r, c6));
                q = _mm256_add_pd(c4, _mm256_mul_pd(r, q));
                q = _mm256_add_pd(c3, _mm256_mul_pd(r, q));
                q = _mm256_add_pd(c2, _mm256_mul_pd(r, q));
                q = _mm256_add_pd(one, _mm256_mul_pd(r, q));
                q = _mm256_mul_pd(r, q);
                let tj =
                    _mm256_i64gather_pd::<8>(EXP2_64THS.as_ptr(), _mm256_and_si256(ki, mask63));
                let scale = _mm256_castsi256_pd(_mm256_add_epi64(
                    _mm256_slli_epi64::<52>(_mm256_srli_epi64::<6>(ki)),
                    bias,
                ));
                let e = _mm256_mul_pd(_mm256_add_pd(tj, _mm256_mul_pd(tj, q)), scale);
                _mm256_storeu_pd(p, e);
            }
        }
        for x in &mut xs[quads..] {
            *x = exp_core(*x);
        }
    }
}

/// xs[i] = e^xs[i] for the whole slice.
#[inline(always)]
pub fn exp_in_place(xs: &mut [f64]) {
    exp_affine_in_place(xs, 0.0, 1.0);
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

/// ln x: `ln_core` for positive normal numbers, the standard `ln` for the rest
/// (zero, negatives, subnormals, ∞, NaN).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    if x.is_normal() && x > 0.0 {
        ln_core(x)
    } else {
        x.ln()
    }
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
    fn affine_exp_matches_and_falls_back_out_of_range() {
        let z = [-2.0, 0.0, 0.5, 3.0];
        let mut xs = z;
        exp_affine_in_place(&mut xs, 1.0, 0.3);
        for (x, z) in xs.iter().zip(z) {
            assert!(ulps(*x, (1.0 + 0.3 * z).exp()) <= 2);
        }
        // One value beyond the core range sends the block to the standard exp.
        let mut xs = [0.0, 1.0];
        exp_affine_in_place(&mut xs, 0.0, 800.0);
        assert_eq!(xs, [1.0, f64::INFINITY]);
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
            for x in &xs {
                worst = worst.max(ulps(ln(*x), x.ln()));
            }
        }
        assert!(worst <= 1, "worst error {worst} ulp");
        let exact = [1.0, 2.0, 0.5, f64::MIN_POSITIVE, f64::MAX].map(ln);
        assert_eq!(exact[0], 0.0);
        assert_eq!(exact[1], std::f64::consts::LN_2);
        assert_eq!(exact[2], -std::f64::consts::LN_2);
        assert_eq!(exact[3], f64::MIN_POSITIVE.ln());
        assert_eq!(exact[4], f64::MAX.ln());
    }

    #[test]
    fn ln_of_zero_negative_subnormal_and_infinity_take_the_standard_path() {
        let xs = [0.0, -1.0, 5e-324, f64::INFINITY, f64::NAN, 3.0].map(ln);
        assert_eq!(xs[0], f64::NEG_INFINITY);
        assert!(xs[1].is_nan());
        assert_eq!(xs[2], 5e-324f64.ln());
        assert_eq!(xs[3], f64::INFINITY);
        assert!(xs[4].is_nan());
        // A normal positive value keeps the fast path (per value, not per block).
        assert!(ulps(xs[5], 3f64.ln()) <= 1);
    }
}
