//! Count, mean and sum of squared deviations, merged with Chan et al.'s formula
//! (Chan, Golub & LeVeque, 1979), which stays accurate where the naive sum of
//! squares cancels catastrophically.
//!
//! Values of extreme magnitude (beyond 2^±400) are summed in units of a power of two,
//! `scale`, so that any finite samples give a finite mean and sd: without it the sums
//! of values near 1e308 overflow to infinity and the squares of deviations beyond
//! ~1e154 do too. Scaling by a power of two is exact, and every ordinary value keeps
//! scale 1, so ordinary results are bit-identical to unscaled arithmetic.

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    /// Σ (x − mean)², in units of `scale`²: the true sum is `m2 * scale * scale`.
    pub m2: f64,
    /// A power of two; 1 unless some block held values beyond 2^±400.
    pub scale: f64,
}

impl Default for Moments {
    fn default() -> Moments {
        Moments {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            scale: 1.0,
        }
    }
}

/// The power of two that brings `m` (a block's largest magnitude) near 1, or 1 when
/// `m` is ordinary: sums of ~10^11 values and squares of their spread stay finite and
/// normal below 2^400 and above 2^-400.
fn scale_for(m: f64) -> f64 {
    const BIG: f64 = 2.582249878086908e120; // 2^400
    const SMALL: f64 = 3.872591914849318e-121; // 2^-400
    if (SMALL..=BIG).contains(&m) || m == 0.0 || !m.is_finite() {
        return 1.0;
    }
    // 2^(exponent of m): |x| / scale < 2 for every x of the block, and the scale
    // itself stays finite for m near the largest double.
    let exp = ((m.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    2f64.powi(exp)
}

impl Moments {
    /// Adds a block of finite values: two passes over the block (it is in cache),
    /// then one merge.
    pub fn add_block(&mut self, xs: &[f64]) {
        let m = xs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        self.add_block_within(xs, m);
    }

    /// `add_block` for a block whose largest magnitude `m` is already known.
    #[inline(always)]
    pub fn add_block_within(&mut self, xs: &[f64], m: f64) {
        if xs.is_empty() {
            return;
        }
        let n = xs.len() as f64;
        let scale = scale_for(m);
        if scale == 1.0 {
            let mean = sum4(xs, |x| x) / n;
            let m2 = sum4(xs, |x| (x - mean) * (x - mean));
            self.merge(&Moments {
                n: xs.len() as u64,
                mean,
                m2,
                scale,
            });
            return;
        }
        let inv = 1.0 / scale;
        let mean = sum4(xs, |x| x * inv) / n;
        let m2 = sum4(xs, |x| (x * inv - mean) * (x * inv - mean));
        self.merge(&Moments {
            n: xs.len() as u64,
            mean: mean * scale,
            m2,
            scale,
        });
    }

    /// `add_block_within` for a block whose plain sum `sum` (as `sum4` adds it) is
    /// known too: the same bits, one pass fewer.
    #[inline(always)]
    pub fn add_block_summed(&mut self, xs: &[f64], m: f64, sum: f64) {
        if xs.is_empty() || scale_for(m) != 1.0 {
            return self.add_block_within(xs, m);
        }
        let n = xs.len() as f64;
        let mean = sum / n;
        let m2 = sum4(xs, |x| (x - mean) * (x - mean));
        self.merge(&Moments {
            n: xs.len() as u64,
            mean,
            m2,
            scale: 1.0,
        });
    }

    /// Adds `count` copies of `x` (a constant output).
    pub fn add_repeated(&mut self, x: f64, count: u64) {
        self.merge(&Moments {
            n: count,
            mean: x,
            m2: 0.0,
            scale: scale_for(x.abs()),
        });
    }

    pub fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let (n1, n2) = (self.n as f64, o.n as f64);
        let n = n1 + n2;
        if self.scale == 1.0 && o.scale == 1.0 {
            let delta = o.mean - self.mean;
            self.mean += delta * n2 / n;
            self.m2 += o.m2 + delta * delta * n1 * n2 / n;
            self.n += o.n;
            return;
        }
        // In units of the larger scale; the other side's m2 is rescaled exactly (or
        // underflows, where it is negligible beside this one).
        let s = self.scale.max(o.scale);
        let rescale = |m2: f64, from: f64| m2 * (from / s) * (from / s);
        let delta = o.mean / s - self.mean / s;
        self.mean += delta * n2 / n * s;
        self.m2 =
            rescale(self.m2, self.scale) + rescale(o.m2, o.scale) + delta * delta * n1 * n2 / n;
        self.scale = s;
        self.n += o.n;
    }

    /// The sample standard deviation (n − 1 in the denominator).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).sqrt() * self.scale
        }
    }
}

/// Σ f(x) with four independent accumulators, so the additions pipeline (one chain
/// would wait ~4 cycles per value). The order is fixed, so the result is too.
#[inline(always)]
fn sum4(xs: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 4];
    let quads = xs.chunks_exact(4);
    for (a, &x) in acc.iter_mut().zip(quads.remainder()) {
        *a += f(x);
    }
    for q in quads {
        acc[0] += f(q[0]);
        acc[1] += f(q[1]);
        acc[2] += f(q[2]);
        acc[3] += f(q[3]);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_case_has_exact_variance() {
        // From vks/average: 1e9 + {4, 7, 13, 16} has variance exactly 30.
        let mut m = Moments::default();
        m.add_block(&[1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0]);
        assert_eq!(m.mean, 1e9 + 10.0);
        assert_eq!(m.sd() * m.sd(), 30.0);
    }

    #[test]
    fn merge_at_every_split_point_matches_one_pass() {
        let xs: Vec<f64> = (0..50)
            .map(|i| ((i * 37) % 11) as f64 * 1.5 - 3.0)
            .collect();
        let mut one = Moments::default();
        one.add_block(&xs);
        for cut in 0..=xs.len() {
            let (mut a, mut b) = (Moments::default(), Moments::default());
            a.add_block(&xs[..cut]);
            b.add_block(&xs[cut..]);
            a.merge(&b);
            assert_eq!(a.n, one.n);
            assert!((a.mean - one.mean).abs() < 1e-12);
            assert!((a.sd() - one.sd()).abs() < 1e-12);
        }
    }

    #[test]
    fn any_finite_values_give_a_finite_mean_and_sd() {
        // uniform(9e307, 1e308)-like values: the plain sum overflows.
        let big: Vec<f64> = (0..1000).map(|i| 9e307 + i as f64 * 1e304).collect();
        let mut m = Moments::default();
        for block in big.chunks(256) {
            m.add_block(block);
        }
        let exact_mean = 9e307 + 499.5 * 1e304;
        assert!((m.mean / exact_mean - 1.0).abs() < 1e-12, "{}", m.mean);
        // sd of 0..999 times 1e304: sqrt(1000 * 1001 / 12) * 1e304.
        let exact_sd = (1000.0f64 * 1001.0 / 12.0).sqrt() * 1e304;
        assert!((m.sd() / exact_sd - 1.0).abs() < 1e-9, "{}", m.sd());
        // Spreads beyond 1e154 square past the largest double unscaled.
        let mut w = Moments::default();
        w.add_block(&[-1e200, 1e200]);
        w.add_block(&[1e-300]);
        // Deviations of about ±1e200 and 0 over n − 1 = 2: sd = 1e200.
        assert!((w.sd() / 1e200 - 1.0).abs() < 1e-12, "{}", w.sd());
        // And tiny values keep their spread instead of squaring to zero.
        let mut t = Moments::default();
        t.add_block(&[1e-200, 3e-200]);
        assert!(
            (t.sd() / (2f64.sqrt() * 1e-200) - 1.0).abs() < 1e-12,
            "{}",
            t.sd()
        );
    }

    #[test]
    fn ordinary_values_keep_scale_one_and_the_plain_arithmetic() {
        let mut m = Moments::default();
        m.add_block(&[1e100, -3e100, 2.5]);
        assert_eq!(m.scale, 1.0);
        let plain_mean = (1e100 + -3e100 + 2.5) / 3.0;
        assert_eq!(m.mean, plain_mean);
    }

    #[test]
    fn repeated_constant_has_zero_spread() {
        let mut m = Moments::default();
        m.add_repeated(5.0, 10);
        assert_eq!((m.n, m.mean, m.sd()), (10, 5.0, 0.0));
    }
}
