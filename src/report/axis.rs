//! Chart axes: their range, scale and ticks, labelled in the param's unit.
//!
//! Rule: an axis spans the points it must show plus 4% on each side. It is
//! logarithmic when every point is positive and they span more than 1.5 decades
//! (max/min > 31.6), a mirrored log axis of magnitudes when every point is negative
//! and they span as much, linear otherwise; a linear axis over non-negative points does not
//! dip below zero. Ticks are 1-2-5 multiples on a linear axis and 1-2-5 per decade on a
//! log one (powers of ten only, with unlabelled 2s and 5s, when those would crowd),
//! labelled by [`super::format::tick_labels`].

use super::format::tick_labels;
use crate::stats::histogram::Scale;

/// An axis tick: where, and its label in the param's unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub value: f64,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub scale: Scale,
    pub ticks: Vec<Tick>,
    /// Unlabelled gridlines between the ticks (2 and 5 of each decade on a log axis
    /// labelled only at powers of ten).
    pub minor: Vec<f64>,
}

impl Axis {
    /// Where `v` falls between the ends: 0 at `lo`, 1 at `hi` (outside for values
    /// beyond them; −∞ for v ≤ 0 on a log axis).
    pub fn fraction(&self, v: f64) -> f64 {
        let (a, b) = (self.scale.to_axis(self.lo), self.scale.to_axis(self.hi));
        (self.scale.to_axis(v) - a) / (b - a)
    }

    pub fn contains(&self, v: f64) -> bool {
        self.lo <= v && v <= self.hi
    }
}

/// An axis over `points` (non-finite ones ignored): the rule of the module header.
pub fn axis_over(points: &[f64], unit: Option<&str>, max_ticks: usize) -> Axis {
    let finite = points.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if !(lo <= hi) {
        (0.0, 1.0)
    } else if lo == hi {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - d, hi + d)
    } else {
        (lo, hi)
    };
    let scale = if lo > 0.0 && hi / lo > 10f64.powf(1.5) {
        Scale::Log
    } else if hi < 0.0 && lo / hi > 10f64.powf(1.5) {
        // Negative values over decades: a log axis of their magnitudes, mirrored
        // (`-cost` over `1k to 10M` was a linear axis from −$140M, the data in 3 bars).
        Scale::NegLog
    } else {
        Scale::Linear
    };
    let (a, b) = (scale.to_axis(lo), scale.to_axis(hi));
    let pad = (b - a) * 0.04;
    // The padding of points near the ends of the doubles would overflow to ±∞ (or,
    // on a log axis, underflow to 0): the axis stops at the finite range instead, so
    // everything drawn from it stays finite and its ticks stay few.
    let (floor, ceiling) = match scale {
        Scale::Log => (f64::MIN_POSITIVE, f64::MAX),
        Scale::NegLog => (-f64::MAX, -f64::MIN_POSITIVE),
        Scale::Linear => (-f64::MAX, f64::MAX),
    };
    let mut lo = scale.from_axis(a - pad).clamp(floor, ceiling);
    let hi = scale.from_axis(b + pad).clamp(floor, ceiling);
    if scale == Scale::Linear && lo < 0.0 && a >= 0.0 {
        lo = 0.0;
    }
    let mirror = |v: &[f64]| v.iter().rev().map(|x| -x).collect::<Vec<f64>>();
    let values = match scale {
        Scale::Linear => linear_ticks(lo, hi, max_ticks),
        Scale::Log => log_ticks(lo, hi, max_ticks),
        Scale::NegLog => mirror(&log_ticks(-hi, -lo, max_ticks)),
    };
    let minor = match scale {
        Scale::Log => minor_log_ticks(lo, hi, &values),
        Scale::NegLog => mirror(&minor_log_ticks(-hi, -lo, &mirror(&values))),
        Scale::Linear => Vec::new(),
    };
    Axis {
        lo,
        hi,
        scale,
        ticks: with_labels(&values, unit),
        minor,
    }
}

/// Multiples of a 1-2-5 step, at most `max` of them, inside [lo, hi].
pub fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let max = max.max(2);
    let raw = (hi - lo) / max as f64;
    if !(raw > 0.0) || !raw.is_finite() {
        return vec![lo];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| (hi / s).floor() - (lo / s).ceil() < max as f64)
        .unwrap_or(10.0 * mag);
    let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    (first..=last).map(|k| k as f64 * step).collect()
}

/// 1-2-5 per decade inside [lo, hi] (0 < lo < hi); only powers of ten, every one or
/// every few decades, when those would be more than `max`.
pub fn log_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let (d0, d1) = decade_span(lo, hi);
    let within = |v: &f64| *v >= lo * (1.0 - 1e-12) && *v <= hi * (1.0 + 1e-12);
    let at = |d: i32, m: f64| m * 10f64.powi(d);
    let one_two_five: Vec<f64> = (d0..=d1)
        .flat_map(|d| [1.0, 2.0, 5.0].map(|m| at(d, m)))
        .filter(within)
        .collect();
    if one_two_five.len() <= max.max(2) {
        return one_two_five;
    }
    for stride in [1, 2, 3, 5, 10, 20, 50] {
        let decades: Vec<f64> = (d0..=d1)
            .filter(|d| d.rem_euclid(stride) == 0)
            .map(|d| at(d, 1.0))
            .filter(within)
            .collect();
        if decades.len() <= max.max(2) {
            return decades;
        }
    }
    vec![lo, hi]
}

/// The decades [10^d0, 10^d1] that cover [lo, hi], within those of the doubles
/// (10^-324 to 10^308), so a tick loop over them runs at most ~630 times whatever
/// the ends are (a non-finite or non-positive end included).
fn decade_span(lo: f64, hi: f64) -> (i32, i32) {
    let d = |v: f64| v.log10().clamp(-324.0, 308.0);
    let (a, b) = (d(lo), d(hi));
    let (a, b) = (
        if a.is_nan() { -324.0 } else { a },
        if b.is_nan() { 308.0 } else { b },
    );
    (a.floor() as i32, b.ceil() as i32)
}

/// 2 and 5 of each decade when `ticks` are powers of ten one decade apart.
fn minor_log_ticks(lo: f64, hi: f64, ticks: &[f64]) -> Vec<f64> {
    let decades = ticks.len() >= 2 && ticks.windows(2).all(|w| (w[1] / w[0] - 10.0).abs() < 1e-6);
    if !decades || ticks.len() > 12 {
        return Vec::new();
    }
    let (d0, d1) = decade_span(lo, hi);
    (d0..=d1)
        .flat_map(|d| [2.0, 5.0].map(|m| m * 10f64.powi(d)))
        .filter(|v| (lo..=hi).contains(v))
        .collect()
}

/// Ticks at `values`, labelled in `unit`, negative ones with a true minus sign
/// ("−$20M", as the legends write it).
pub fn with_labels(values: &[f64], unit: Option<&str>) -> Vec<Tick> {
    tick_labels(values, unit)
        .into_iter()
        .zip(values)
        .map(|(label, &value)| Tick {
            value,
            label: match label.strip_prefix('-') {
                Some(rest) => format!("−{rest}"),
                None => label,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_log_only_for_positive_data_over_more_than_one_and_a_half_decades() {
        assert_eq!(axis_over(&[1.0, 40.0], None, 8).scale, Scale::Log);
        assert_eq!(axis_over(&[1.0, 30.0], None, 8).scale, Scale::Linear);
        assert_eq!(axis_over(&[-1.0, 1e6], None, 8).scale, Scale::Linear);
        assert_eq!(axis_over(&[0.0, 1e6], None, 8).scale, Scale::Linear);
        assert_eq!(axis_over(&[-1e6, -10.0], None, 8).scale, Scale::NegLog);
        assert_eq!(axis_over(&[-1e6, 10.0], None, 8).scale, Scale::Linear);
        let a = axis_over(&[5.0, 5.0], None, 8);
        assert!(a.lo < 5.0 && a.hi > 5.0);
        let a = axis_over(&[f64::NAN], None, 8);
        assert!(a.lo < a.hi);
        // Positive data starts at zero rather than below it.
        assert_eq!(axis_over(&[0.2, 6.0], None, 8).lo, 0.0);
    }

    #[test]
    fn axes_over_the_whole_range_of_doubles_stay_finite_with_few_ticks() {
        for points in [
            vec![1.0, 1.7e308],
            vec![1.0, 1e300],
            vec![1e-320, 1.0],
            vec![5e-324, f64::MAX],
            vec![-f64::MAX, f64::MAX],
            vec![9e307, 1e308],
        ] {
            let a = axis_over(&points, Some("USD"), 10);
            assert!(
                a.lo.is_finite() && a.hi.is_finite() && a.lo < a.hi,
                "{points:?}: {a:?}"
            );
            assert!(
                !a.ticks.is_empty() && a.ticks.len() <= 12,
                "{points:?}: {}",
                a.ticks.len()
            );
            assert!(a.ticks.iter().all(|t| t.value.is_finite()));
            assert!(a.minor.len() <= 40);
        }
        assert!(log_ticks(1e-300, f64::INFINITY, 10).len() <= 10);
        assert!(log_ticks(0.0, 1.0, 10).len() <= 10);
    }

    #[test]
    fn ticks_fall_inside_the_axis_with_human_labels() {
        let a = axis_over(&[1e6, 2e9], Some("USD"), 10);
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["$1M", "$10M", "$100M", "$1B"]);
        assert!(a.minor.contains(&2e6) && a.minor.contains(&5e8));
        let a = axis_over(&[1.0, 100.0], Some("USD/GPU-hour"), 10);
        assert_eq!(a.ticks.len(), 7, "{:?}", a.ticks);
        assert!(a.minor.is_empty());
        assert!(a.ticks.iter().all(|t| a.contains(t.value)));
        let t = linear_ticks(2.74e6, 3.1e6, 8);
        assert!(t.len() <= 8 && t.len() >= 3, "{t:?}");
        assert_eq!(linear_ticks(-1.0, 1.0, 5), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(linear_ticks(-1.0, 1.0, 4), vec![-1.0, 0.0, 1.0]);
    }

    #[test]
    fn negative_values_over_decades_get_a_mirrored_log_axis_with_minus_signs() {
        // `-cost` with cost = `1k to 10M`: P0.5 −$136M, P99.5 −$74.
        let a = axis_over(&[-1.36e8, -74.0, -4.67e6], Some("USD"), 8);
        assert_eq!(a.scale, Scale::NegLog);
        assert!(
            a.lo < -1.36e8 && a.lo > -1e9 && a.hi > -74.0 && a.hi < 0.0,
            "{a:?}"
        );
        // The body fills the axis: the median (−$100k) is near the middle, not at 0.9.
        let f = a.fraction(-1e5);
        assert!(f > 0.3 && f < 0.7, "{f}");
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.label.as_str()).collect();
        assert!(labels.contains(&"−$1M"), "{labels:?}");
        assert!(labels.iter().all(|l| !l.contains('-')), "{labels:?}");
        assert!(a.ticks.windows(2).all(|w| w[0].value < w[1].value));
        // A linear axis's negative ticks read "−" too.
        let l = axis_over(&[-5.0, 5.0], None, 8);
        assert!(
            l.ticks.iter().any(|t| t.label.starts_with('−')),
            "{:?}",
            l.ticks
        );
    }
}
