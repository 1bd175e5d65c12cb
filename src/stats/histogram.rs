//! Display histograms and CDFs from a sketch's buckets: no stored samples.
//!
//! A chart's bins are not the sketch's buckets. [`rebin`] spreads each bucket's count
//! over the display bins it overlaps, in proportion to the overlap measured in the
//! axis's own space (x on a linear axis, ln x on a log one) — as if the bucket's values
//! were uniform in that space. Counts are therefore fractional; the mass of buckets
//! beyond the first or last edge is kept apart in `below` and `above`, so
//! `below + Σ counts + above` equals the sketch's count (up to rounding).
//!
//! A sketch bucket spans at most a relative 2α (0.1%) of its value, so the spreading
//! moves mass by at most that much: far below a display bin's width.
//!
//! [`cdf`] reads the cumulative share at each display edge from the same rebinning:
//! exact at the sketch's bucket edges, linear in axis space inside a bucket.
//!
//! Cost: O(B log n) for B buckets and n bins; memory O(n).

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Positions are ln x; only positive values have a position.
    Log,
    /// The mirror of `Log` for negative values: positions are −ln(−x), so −$100M
    /// lies left of −$1k; only negative values have a position (+∞ for x ≥ 0).
    NegLog,
}

impl Scale {
    /// The position of `x` on the axis (−∞ for x ≤ 0 on a log axis).
    pub fn to_axis(self, x: f64) -> f64 {
        match self {
            Scale::Linear => x,
            Scale::Log if x > 0.0 => x.ln(),
            Scale::Log => f64::NEG_INFINITY,
            Scale::NegLog if x < 0.0 => -(-x).ln(),
            Scale::NegLog => f64::INFINITY,
        }
    }

    /// The value at axis position `u`.
    pub fn from_axis(self, u: f64) -> f64 {
        match self {
            Scale::Linear => u,
            Scale::Log => u.exp(),
            Scale::NegLog => -(-u).exp(),
        }
    }
}

/// Display bins and their (fractional) counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// n + 1 increasing edges; bin k is [edges[k], edges[k+1]).
    pub edges: Vec<f64>,
    /// n counts.
    pub counts: Vec<f64>,
    /// Mass below the first edge (on a log axis, also every value ≤ 0).
    pub below: f64,
    /// Mass above the last edge.
    pub above: f64,
    /// The sketch's count: below + Σ counts + above.
    pub total: u64,
}

/// `n` bins between `lo` and `hi`, evenly spaced in axis space (n + 1 edges, the ends
/// exact). `lo < hi`, both positive on a log axis.
pub fn edges(lo: f64, hi: f64, n: usize, scale: Scale) -> Vec<f64> {
    let n = n.max(1);
    let (a, b) = (scale.to_axis(lo), scale.to_axis(hi));
    let mut out: Vec<f64> = (0..=n)
        .map(|k| scale.from_axis(a + (b - a) * k as f64 / n as f64))
        .collect();
    out[0] = lo;
    out[n] = hi;
    out
}

/// Rebins sketch buckets `(lo, hi, count)` onto display `edges` (see the module
/// header for the rule).
pub fn rebin(buckets: &[(f64, f64, u64)], edges: &[f64], scale: Scale) -> Histogram {
    let n = edges.len().saturating_sub(1);
    let axis: Vec<f64> = edges.iter().map(|&e| scale.to_axis(e)).collect();
    let mut h = Histogram {
        edges: edges.to_vec(),
        counts: vec![0.0; n],
        below: 0.0,
        above: 0.0,
        total: buckets.iter().map(|b| b.2).sum(),
    };
    for &(lo, hi, c) in buckets {
        spread(
            &mut h,
            &axis,
            scale.to_axis(lo),
            scale.to_axis(hi),
            c as f64,
        );
    }
    h
}

/// Adds `c` spread uniformly over axis positions [a, b] to `h`.
fn spread(h: &mut Histogram, axis: &[f64], a: f64, b: f64, c: f64) {
    let n = h.counts.len();
    // A bucket reaching 0 from below on a NegLog axis: its mass at its lower end.
    let b = if b == f64::INFINITY && a.is_finite() {
        a
    } else {
        b
    };
    if n > 0 && a == f64::INFINITY {
        // Values ≥ 0 on a NegLog axis: beyond its upper end.
        h.above += c;
    } else if n == 0 || !a.is_finite() {
        h.below += c;
    } else if b <= a {
        // A point (the zeros' bucket): the bin that holds it, the last edge included.
        if a < axis[0] {
            h.below += c;
        } else if a > axis[n] {
            h.above += c;
        } else {
            let k = axis.partition_point(|&e| e <= a).saturating_sub(1);
            h.counts[k.min(n - 1)] += c;
        }
    } else if b <= axis[0] {
        h.below += c;
    } else if a >= axis[n] {
        h.above += c;
    } else {
        spread_interval(h, axis, a, b, c);
    }
}

/// Adds `c` spread uniformly over [a, b] (a < b, overlapping the axis) to `h`.
fn spread_interval(h: &mut Histogram, axis: &[f64], a: f64, b: f64, c: f64) {
    let n = h.counts.len();
    let width = b - a;
    let share = |from: f64, to: f64| c * ((to.min(b) - from.max(a)).max(0.0) / width);
    h.below += share(f64::NEG_INFINITY, axis[0]);
    h.above += share(axis[n], f64::INFINITY);
    let first = axis.partition_point(|&e| e <= a).saturating_sub(1);
    for k in first..n {
        if axis[k] >= b {
            break;
        }
        h.counts[k] += share(axis[k], axis[k + 1]);
    }
}

/// The cumulative share of the samples at each edge of `h`: (edge, share ≤ edge).
pub fn cdf(h: &Histogram) -> Vec<(f64, f64)> {
    let total = h.total.max(1) as f64;
    let mut acc = h.below;
    let mut out = Vec::with_capacity(h.edges.len());
    for (k, &e) in h.edges.iter().enumerate() {
        out.push((e, (acc / total).clamp(0.0, 1.0)));
        if let Some(c) = h.counts.get(k) {
            acc += c;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Sketch;
    use proptest::prelude::*;

    fn mass(h: &Histogram) -> f64 {
        h.below + h.counts.iter().sum::<f64>() + h.above
    }

    #[test]
    fn a_bucket_straddling_an_edge_splits_in_proportion() {
        let e = edges(0.0, 10.0, 10, Scale::Linear);
        let h = rebin(&[(1.5, 3.5, 8)], &e, Scale::Linear);
        assert_eq!(h.counts[1], 2.0);
        assert_eq!(h.counts[2], 4.0);
        assert_eq!(h.counts[3], 2.0);
        assert_eq!(mass(&h), 8.0);
    }

    #[test]
    fn log_axes_split_in_log_space_and_send_non_positive_values_below() {
        let e = edges(1.0, 1000.0, 3, Scale::Log);
        assert!((e[1] - 10.0).abs() < 1e-9 && (e[2] - 100.0).abs() < 1e-9);
        // [√10, √10·100] spans half a decade in bin 0, a decade in bin 1, half in bin 2.
        let s = 10f64.sqrt();
        let h = rebin(
            &[(-2.0, -1.0, 3), (0.0, 0.0, 1), (s, s * 100.0, 8)],
            &e,
            Scale::Log,
        );
        assert_eq!(h.below, 4.0);
        assert!((h.counts[0] - 2.0).abs() < 1e-9);
        assert!((h.counts[1] - 4.0).abs() < 1e-9);
        assert!((h.counts[2] - 2.0).abs() < 1e-9);
    }

    #[test]
    fn mass_beyond_the_edges_is_kept_apart_and_points_land_in_their_bin() {
        let e = edges(0.0, 4.0, 4, Scale::Linear);
        let h = rebin(
            &[(-2.0, 2.0, 4), (0.0, 0.0, 5), (4.0, 4.0, 1), (5.0, 6.0, 2)],
            &e,
            Scale::Linear,
        );
        assert_eq!(h.below, 2.0);
        assert_eq!(h.above, 2.0);
        assert_eq!(h.counts, vec![6.0, 1.0, 0.0, 1.0]);
        assert_eq!(h.total, 12);
    }

    #[test]
    fn the_cdf_rises_from_below_to_one() {
        let e = edges(0.0, 4.0, 4, Scale::Linear);
        let h = rebin(&[(-1.0, 0.0, 2), (0.0, 4.0, 8)], &e, Scale::Linear);
        let c = cdf(&h);
        assert_eq!(c.first(), Some(&(0.0, 0.2)));
        assert_eq!(c.last(), Some(&(4.0, 1.0)));
        assert!(c.windows(2).all(|w| w[0].1 <= w[1].1));
    }

    proptest! {
        #[test]
        fn counts_sum_to_the_sketch_total(
            xs in prop::collection::vec(-1e6f64..1e9, 1..400),
            lo in -1e6f64..1e8,
            width in 1.0f64..1e9,
            n in 1usize..120,
            log in any::<bool>(),
        ) {
            let mut s = Sketch::new();
            xs.iter().for_each(|&x| s.add(x));
            let (scale, lo) = if log { (Scale::Log, lo.abs() + 1e-3) } else { (Scale::Linear, lo) };
            let h = rebin(&s.buckets(), &edges(lo, lo + width, n, scale), scale);
            prop_assert_eq!(h.total, xs.len() as u64);
            prop_assert!((mass(&h) - xs.len() as f64).abs() < 1e-9 * xs.len() as f64);
            prop_assert!(h.counts.iter().all(|&c| c >= 0.0));
            let c = cdf(&h);
            prop_assert!(c.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-12));
        }

        #[test]
        fn a_range_covering_every_bucket_holds_all_the_mass(
            xs in prop::collection::vec(1e-3f64..1e12, 1..400),
            n in 1usize..200,
        ) {
            let mut s = Sketch::new();
            xs.iter().for_each(|&x| s.add(x));
            let b = s.buckets();
            let (lo, hi) = (b[0].0, b[b.len() - 1].1 * 1.0001);
            for scale in [Scale::Linear, Scale::Log] {
                let h = rebin(&b, &edges(lo, hi, n, scale), scale);
                prop_assert!(h.below < 1e-9 && h.above < 1e-9, "{} {}", h.below, h.above);
                prop_assert!((h.counts.iter().sum::<f64>() - xs.len() as f64).abs() < 1e-9 * xs.len() as f64);
            }
        }
    }
}
