//! Sobol sensitivity indices from a Saltelli (2010) design and bootstrap confidence
//! intervals.
//!
//! Given N rows of two independent input matrices A and B and, for each input i, the
//! matrix AB_i (A with column i taken from B), and the model's values f(A), f(B),
//! f(AB_i):
//! - V = the variance of f over A and B together, f0 their mean;
//! - first order  S_i  = mean((f(B) − f0)·(f(AB_i) − f(A))) / V   (Saltelli 2010);
//! - total effect ST_i = mean((f(A) − f(AB_i))²)/2 / V             (Jansen 1999).
//!
//! Both are sums of terms in f(AB_i) − f(A) alone, so an input that does not change
//! the output gets exactly 0, and the noise of one input's estimate does not leak into
//! another's (Jansen's first-order form, V − mean((f(B) − f(AB_i))²)/2, shares one
//! noise term across every input that does not matter). Centring f(B) on f0 does not
//! move the estimate's mean, E[f(AB_i) − f(A)] being 0, but keeps its noise from
//! growing with the output's mean.
//!
//! The 95% intervals are bootstrap percentiles: the N rows are resampled with
//! replacement, from a seeded stream, so they are reproducible. Rows where any of the
//! values involved is not finite are left out. Cost: O(B · N · k) for B resamples.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Bootstrap resamples for the intervals.
pub const BOOTSTRAP: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Indices {
    pub first: f64,
    pub first_lo: f64,
    pub first_hi: f64,
    pub total: f64,
    pub total_lo: f64,
    pub total_hi: f64,
}

impl Indices {
    /// An input that cannot affect the output: both indices exactly 0, sure.
    pub const ZERO: Indices = Indices {
        first: 0.0,
        first_lo: 0.0,
        first_hi: 0.0,
        total: 0.0,
        total_lo: 0.0,
        total_hi: 0.0,
    };
}

/// (S_i, ST_i) over the rows `rows` (indices into the vectors).
fn estimate(fa: &[f64], fb: &[f64], fab: &[f64], rows: &[usize]) -> (f64, f64) {
    let n = rows.len() as f64;
    let mean = rows.iter().map(|&j| fa[j] + fb[j]).sum::<f64>() / (2.0 * n);
    let var = rows
        .iter()
        .map(|&j| (fa[j] - mean).powi(2) + (fb[j] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n - 1.0);
    if !(var > 0.0) {
        return (f64::NAN, f64::NAN);
    }
    let (mut first, mut total) = (0.0, 0.0);
    for &j in rows {
        let change = fab[j] - fa[j];
        first += (fb[j] - mean) * change;
        total += change * change;
    }
    (first / n / var, total / (2.0 * n) / var)
}

/// The indices of one input for one output, with bootstrap intervals.
pub fn indices(fa: &[f64], fb: &[f64], fab: &[f64], seed: u64) -> Indices {
    let rows: Vec<usize> = (0..fa.len())
        .filter(|&j| fa[j].is_finite() && fb[j].is_finite() && fab[j].is_finite())
        .collect();
    let (first, total) = estimate(fa, fb, fab, &rows);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut firsts = Vec::with_capacity(BOOTSTRAP);
    let mut totals = Vec::with_capacity(BOOTSTRAP);
    let mut resample = vec![0usize; rows.len()];
    for _ in 0..BOOTSTRAP {
        for r in resample.iter_mut() {
            *r = rows[rng.random_range(0..rows.len())];
        }
        let (f, t) = estimate(fa, fb, fab, &resample);
        firsts.push(f);
        totals.push(t);
    }
    let (first_lo, first_hi) = interval(&mut firsts);
    let (total_lo, total_hi) = interval(&mut totals);
    Indices {
        first,
        first_lo,
        first_hi,
        total,
        total_lo,
        total_hi,
    }
}

/// The 2.5th and 97.5th percentiles (exact order statistics) of the bootstrap values.
fn interval(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    if values.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        (at(0.025), at(0.975))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_additive_function_splits_its_variance_exactly() {
        // f = x1 + 2·x2 with x uniform on a grid: S1 = 1/5, S2 = 4/5, no interaction.
        let n = 20_000;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut draw = || -> Vec<f64> { (0..n).map(|_| rng.random::<f64>()).collect() };
        let (a1, a2, b1, b2) = (draw(), draw(), draw(), draw());
        let f = |x1: &[f64], x2: &[f64]| -> Vec<f64> {
            x1.iter().zip(x2).map(|(a, b)| a + 2.0 * b).collect()
        };
        let (fa, fb) = (f(&a1, &a2), f(&b1, &b2));
        let s1 = indices(&fa, &fb, &f(&b1, &a2), 7);
        let s2 = indices(&fa, &fb, &f(&a1, &b2), 7);
        assert!(
            (s1.first - 0.2).abs() < 0.03 && (s1.total - 0.2).abs() < 0.03,
            "{s1:?}"
        );
        assert!(
            (s2.first - 0.8).abs() < 0.03 && (s2.total - 0.8).abs() < 0.03,
            "{s2:?}"
        );
        assert!(s1.first_lo <= s1.first && s1.first <= s1.first_hi);
    }

    #[test]
    fn an_input_that_changes_nothing_gets_exactly_zero() {
        let n = 1000;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let fa: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 1e6).collect();
        let fb: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 1e6).collect();
        assert_eq!(indices(&fa, &fb, &fa, 9), Indices::ZERO);
    }

    #[test]
    fn a_constant_output_has_no_indices() {
        let c = vec![1.0; 100];
        assert!(indices(&c, &c, &c, 1).first.is_nan());
    }
}
