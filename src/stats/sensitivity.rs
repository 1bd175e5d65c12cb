//! Which inputs drive each output: Spearman rank correlations on the run's first rows.
//!
//! Spearman's ρ is Pearson's correlation of the ranks, ties sharing their average
//! rank; rows where either value is not finite are left out of that pair. The
//! rows are the first K samples in chunk order, so the figures are deterministic and
//! cost constant memory. Contribution to variance, as @RISK reports it, is each
//! input's ρ² over the sum of ρ² across the output's inputs, in percent — a ranking
//! aid, not a variance decomposition (for that, see Sobol indices).
//!
//! Only the pairs asked for are correlated — the caller lists each output's ancestor
//! inputs, never every input — and only the columns they use are ranked.
//! Cost: O(c · K log K) to rank those c columns, then O(K) per (output, input) pair.

use rayon::prelude::*;

/// One (output, input) pair.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// Indices into the row columns.
    pub output: usize,
    pub input: usize,
    pub spearman: f64,
    /// Percent of the output's summed ρ².
    pub contribution: f64,
}

/// An unsigned key whose order is `f64::total_cmp`'s (so sorting keys sorts the
/// values exactly as a `total_cmp` sort does: equal keys are the same bits).
#[inline]
pub fn total_key(x: f64) -> u64 {
    let b = x.to_bits();
    // Negative: every bit flipped (larger magnitudes first); positive: the sign set.
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The value of a [`total_key`].
#[inline]
pub fn from_total_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Values sorted in `f64::total_cmp` order, through [`total_key`] (the same bits as
/// `sort_unstable_by(f64::total_cmp)`, sooner).
pub fn sort_total(xs: &mut [f64]) {
    let mut keys: Vec<u64> = xs.iter().map(|&x| total_key(x)).collect();
    keys.sort_unstable();
    for (x, k) in xs.iter_mut().zip(keys) {
        *x = from_total_key(k);
    }
}

/// Ranks 1..=n, ties averaged. `xs` must hold no NaN.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    // Sorting (key, index) pairs keeps the comparisons in cache, and integer keys
    // (in `total_cmp` order, see `total_key`) compare faster than floats; the order
    // among equal values does not matter, as they share their average rank.
    let mut order: Vec<(u64, u32)> = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| (total_key(x), i as u32))
        .collect();
    order.sort_unstable_by_key(|p| p.0);
    let at = |k: usize| from_total_key(order[k].0);
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && at(j + 1) == at(i) {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for &(_, k) in &order[i..=j] {
            r[k as usize] = average;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation; 0 when either side has no spread.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx > 0.0 && syy > 0.0 {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// Spearman's ρ of two columns, over the rows where both are finite.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (a, b): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip();
    pearson(&ranks(&a), &ranks(&b))
}

/// A column's ranks, centred, with their Euclidean norm: Pearson's correlation of two
/// such columns is one dot product.
struct Centred {
    ranks: Vec<f64>,
    norm: f64,
}

fn centred(column: &[f64]) -> Centred {
    let mut r = ranks(column);
    let mean = r.iter().sum::<f64>() / r.len().max(1) as f64;
    r.iter_mut().for_each(|v| *v -= mean);
    let norm = dot(&r, &r).sqrt();
    Centred { ranks: r, norm }
}

/// Σ aᵢbᵢ with four accumulators, so the additions pipeline.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (qa, qb) = (a.chunks_exact(4), b.chunks_exact(4));
    for (x, y) in qa.remainder().iter().zip(qb.remainder()) {
        acc[0] += x * y;
    }
    for (x, y) in qa.zip(qb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// ρ and contribution of each output column against the input columns `pairs` lists
/// for it; the contributions share out the output's ρ² over those inputs only.
pub fn sensitivities(columns: &[Vec<f64>], pairs: &[(usize, Vec<usize>)]) -> Vec<Sensitivity> {
    // Rank each fully finite column that some pair uses once (in parallel: the columns
    // are independent, so the result is the same); a pair with a non-finite column is
    // ranked on its own. Columns no pair uses are never ranked.
    let mut used = vec![false; columns.len()];
    for (output, inputs) in pairs {
        used[*output] = true;
        inputs.iter().for_each(|&i| used[i] = true);
    }
    let ranked: Vec<Option<Centred>> = columns
        .par_iter()
        .zip(&used)
        .map(|(c, &used)| (used && c.iter().all(|v| v.is_finite())).then(|| centred(c)))
        .collect();
    let rho = |a: usize, b: usize| match (&ranked[a], &ranked[b]) {
        (Some(ra), Some(rb)) if ra.norm > 0.0 && rb.norm > 0.0 => {
            (dot(&ra.ranks, &rb.ranks) / (ra.norm * rb.norm)).clamp(-1.0, 1.0)
        }
        (Some(_), Some(_)) => 0.0,
        _ => spearman(&columns[a], &columns[b]),
    };
    let per_output: Vec<Vec<Sensitivity>> = pairs
        .par_iter()
        .map(|(output, inputs)| {
            let rhos: Vec<f64> = inputs.iter().map(|&i| rho(*output, i)).collect();
            let total: f64 = rhos.iter().map(|r| r * r).sum();
            inputs
                .iter()
                .zip(&rhos)
                .map(|(&input, &r)| Sensitivity {
                    output: *output,
                    input,
                    spearman: r,
                    contribution: if total > 0.0 {
                        100.0 * r * r / total
                    } else {
                        0.0
                    },
                })
                .collect()
        })
        .collect();
    per_output.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_keys_sort_as_total_cmp_bit_for_bit() {
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            -f64::NAN,
        ];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..4000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            xs.push(match i % 4 {
                0 => (u * 40.0 - 20.0).exp() * if s & 1 == 0 { 1.0 } else { -1.0 },
                1 => (u * 10.0).floor() - 5.0,
                2 => u - 0.5,
                _ => f64::from_bits(s),
            });
        }
        for &a in &xs {
            assert_eq!(from_total_key(total_key(a)).to_bits(), a.to_bits());
            for &b in xs.iter().step_by(97) {
                assert_eq!(total_key(a).cmp(&total_key(b)), a.total_cmp(&b));
            }
        }
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let mut mine = xs.clone();
        sort_total(&mut mine);
        let mut theirs = xs.clone();
        theirs.sort_unstable_by(f64::total_cmp);
        assert_eq!(bits(&mine), bits(&theirs));
        // Ranks as a comparison sort gives them (ties among the floored values).
        let finite: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
        let mut order: Vec<(f64, u32)> = finite
            .iter()
            .enumerate()
            .map(|(i, &x)| (x, i as u32))
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut expected = vec![0.0; finite.len()];
        let mut i = 0;
        while i < order.len() {
            let mut j = i;
            while j + 1 < order.len() && order[j + 1].0 == order[i].0 {
                j += 1;
            }
            for &(_, k) in &order[i..=j] {
                expected[k as usize] = (i + j) as f64 / 2.0 + 1.0;
            }
            i = j + 1;
        }
        assert_eq!(bits(&ranks(&finite)), bits(&expected));
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
    }

    #[test]
    fn spearman_of_monotone_relations_is_one() {
        let x: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| v.exp().min(1e300)).collect();
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
        let z: Vec<f64> = x.iter().map(|v| -v * v).collect();
        assert!((spearman(&x, &z) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn non_finite_rows_are_left_out_of_the_pair() {
        let x = [1.0, 2.0, f64::NAN, 4.0];
        let y = [1.0, 2.0, 3.0, 4.0];
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn contributions_sum_to_one_hundred() {
        let a: Vec<f64> = (0..50).map(|i| (i * 7 % 13) as f64).collect();
        let b: Vec<f64> = (0..50).map(|i| (i * 3 % 17) as f64).collect();
        let y: Vec<f64> = a.iter().zip(&b).map(|(a, b)| 2.0 * a + b).collect();
        let s = sensitivities(&[a, b, y], &[(2, vec![0, 1])]);
        let total: f64 = s.iter().map(|s| s.contribution).sum();
        assert!((total - 100.0).abs() < 1e-9);
        assert!(s[0].spearman > s[1].spearman);
    }
}
