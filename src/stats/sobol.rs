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
//! The 95% intervals are bootstrap percentiles over blocks of rows: the design's N
//! rows fall in at most ~256 blocks of consecutive rows (a power of two each,
//! [`block_rows`]), each summarised by its [`BlockSums`], and the blocks — independent
//! and identically distributed, like the rows — are resampled with replacement from a
//! seeded stream, so the intervals are reproducible. Blocks make the estimate
//! streaming: memory does not grow with N, and shards of the design merge exactly
//! (the blocks are kept apart and combined in block order). Rows where any of the
//! values involved is not finite are left out. Cost: O(B · blocks) per index.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// Bootstrap resamples for the intervals.
pub const BOOTSTRAP: usize = 200;

/// About this many blocks per design: enough for bootstrap percentiles, few enough to
/// keep per (output, input) pair.
pub const BLOCKS: u64 = 256;

/// Rows per block for a design of `n` rows: the power of two that makes at most
/// [`BLOCKS`] blocks, at most `max` (a chunk, so that no block spans two).
pub fn block_rows(n: u64, max: u64) -> u64 {
    n.div_ceil(BLOCKS).next_power_of_two().min(max)
}

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

/// What the estimators need of a block of rows, for one output and one input, with
/// Δ = f(AB_i) − f(A) over the block's rows where all three values are finite.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockSums {
    /// Rows used.
    pub n: u64,
    /// The mean of the 2n values f(A) and f(B), and their Σ of squared deviations.
    pub mean: f64,
    pub m2: f64,
    /// Σ (f(B) − mean)·Δ, ΣΔ and ΣΔ².
    pub c: f64,
    pub d: f64,
    pub t: f64,
}

impl BlockSums {
    /// The sums over rows of `fa`, `fb` and `fab` (one block, or part of one).
    pub fn of(fa: &[f64], fb: &[f64], fab: &[f64]) -> BlockSums {
        let ok = |j: &usize| fa[*j].is_finite() && fb[*j].is_finite() && fab[*j].is_finite();
        let rows: Vec<usize> = (0..fa.len()).filter(ok).collect();
        if rows.is_empty() {
            return BlockSums::default();
        }
        let n = rows.len();
        let mean = rows.iter().map(|&j| fa[j] + fb[j]).sum::<f64>() / (2 * n) as f64;
        let m2 = rows
            .iter()
            .map(|&j| (fa[j] - mean).powi(2) + (fb[j] - mean).powi(2))
            .sum::<f64>();
        let (mut c, mut d, mut t) = (0.0, 0.0, 0.0);
        for &j in &rows {
            let change = fab[j] - fa[j];
            c += (fb[j] - mean) * change;
            d += change;
            t += change * change;
        }
        BlockSums {
            n: n as u64,
            mean,
            m2,
            c,
            d,
            t,
        }
    }

    /// Adds the sums of other rows (Chan et al.'s update for the mean and m2; the
    /// cross sum re-centred on the new mean).
    pub fn merge(&mut self, o: &BlockSums) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        let (n1, n2) = ((2 * self.n) as f64, (2 * o.n) as f64);
        let delta = o.mean - self.mean;
        let mean = self.mean + delta * n2 / (n1 + n2);
        self.m2 += o.m2 + delta * delta * n1 * n2 / (n1 + n2);
        self.c = self.c + (self.mean - mean) * self.d + o.c + (o.mean - mean) * o.d;
        self.mean = mean;
        self.d += o.d;
        self.t += o.t;
        self.n += o.n;
    }
}

/// (S_i, ST_i) from the blocks picked (indices into `blocks`, repeats allowed).
fn estimate(blocks: &[BlockSums], picked: impl Iterator<Item = usize>) -> (f64, f64) {
    let mut all = BlockSums::default();
    for k in picked {
        all.merge(&blocks[k]);
    }
    let n = all.n as f64;
    let var = all.m2 / (2.0 * n - 1.0);
    if !(var > 0.0) {
        return (f64::NAN, f64::NAN);
    }
    (all.c / n / var, all.t / (2.0 * n) / var)
}

/// The indices of one input for one output from its blocks (in block order), with
/// bootstrap intervals.
pub fn indices_of_blocks(blocks: &[BlockSums], seed: u64) -> Indices {
    let used: Vec<usize> = (0..blocks.len()).filter(|&k| blocks[k].n > 0).collect();
    let (first, total) = estimate(blocks, used.iter().copied());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut firsts = Vec::with_capacity(BOOTSTRAP);
    let mut totals = Vec::with_capacity(BOOTSTRAP);
    if !used.is_empty() {
        for _ in 0..BOOTSTRAP {
            let picks: Vec<usize> = (0..used.len())
                .map(|_| used[rng.random_range(0..used.len())])
                .collect();
            let (f, t) = estimate(blocks, picks.into_iter());
            firsts.push(f);
            totals.push(t);
        }
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

/// The indices of one input for one output from the design's values, in blocks of
/// [`block_rows`].
pub fn indices(fa: &[f64], fb: &[f64], fab: &[f64], seed: u64) -> Indices {
    let size = block_rows(fa.len() as u64, u64::MAX) as usize;
    let blocks: Vec<BlockSums> = (0..fa.len())
        .step_by(size.max(1))
        .map(|at| {
            let end = (at + size).min(fa.len());
            BlockSums::of(&fa[at..end], &fb[at..end], &fab[at..end])
        })
        .collect();
    indices_of_blocks(&blocks, seed)
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
    fn block_sums_merged_in_parts_match_one_pass() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut draw =
            |k: usize| -> Vec<f64> { (0..k).map(|_| rng.random::<f64>() * 3e3 + 1e6).collect() };
        let (fa, fb, fab) = (draw(300), draw(300), draw(300));
        let one = BlockSums::of(&fa, &fb, &fab);
        let mut parts = BlockSums::of(&fa[..17], &fb[..17], &fab[..17]);
        parts.merge(&BlockSums::of(&fa[17..], &fb[17..], &fab[17..]));
        assert_eq!(parts.n, one.n);
        for (a, b) in [
            (parts.mean, one.mean),
            (parts.m2, one.m2),
            (parts.c, one.c),
            (parts.d, one.d),
            (parts.t, one.t),
        ] {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{parts:?} {one:?}"
            );
        }
    }

    #[test]
    fn a_constant_output_has_no_indices() {
        let c = vec![1.0; 100];
        assert!(indices(&c, &c, &c, 1).first.is_nan());
    }
}
