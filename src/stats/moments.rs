//! Count, mean and sum of squared deviations, merged with Chan et al.'s formula
//! (Chan, Golub & LeVeque, 1979), which stays accurate where the naive sum of
//! squares cancels catastrophically.

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: f64,
    /// Σ (x − mean)².
    pub m2: f64,
}

impl Moments {
    /// Adds a block of finite values: two passes over the block (it is in cache),
    /// then one merge.
    #[inline(always)]
    pub fn add_block(&mut self, xs: &[f64]) {
        if xs.is_empty() {
            return;
        }
        let n = xs.len() as f64;
        let mean = sum4(xs, |x| x) / n;
        let m2 = sum4(xs, |x| (x - mean) * (x - mean));
        self.merge(&Moments {
            n: xs.len() as u64,
            mean,
            m2,
        });
    }

    /// Adds `count` copies of `x` (a constant output).
    pub fn add_repeated(&mut self, x: f64, count: u64) {
        self.merge(&Moments {
            n: count,
            mean: x,
            m2: 0.0,
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
        let delta = o.mean - self.mean;
        self.mean += delta * n2 / n;
        self.m2 += o.m2 + delta * delta * n1 * n2 / n;
        self.n += o.n;
    }

    /// The sample standard deviation (n − 1 in the denominator).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).sqrt()
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
    fn repeated_constant_has_zero_spread() {
        let mut m = Moments::default();
        m.add_repeated(5.0, 10);
        assert_eq!((m.n, m.mean, m.sd()), (10, 5.0, 0.0));
    }
}
