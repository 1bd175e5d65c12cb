//! A mergeable log-bucket quantile sketch (DDSketch: Masson, Rim & Lee, VLDB 2019),
//! with the linearly interpolated mapping of its reference implementations.
//!
//! A magnitude x = m·2^e (m in [1, 2)) maps to f(x) = e + (m − 1), a piecewise-linear
//! approximation of log2 x read straight from the float's bits (no logarithm per
//! value), and falls in bucket i = ⌈M·f(x)⌉. Since d f / d ln x = m ≥ 1, a bucket
//! spans at most 1/M in ln x; with M = 1/ln γ, γ = (1+α)/(1−α), its upper bound is at
//! most γ times its lower bound, so its representative 2·lo·hi/(lo+hi) is within a
//! relative α of every value in it. Negative values use a mirrored store over |x|;
//! zeros (and |x| below 1e-300) are counted apart. Hence, for the quantile q the
//! sketch returns a value within relative error α of the exact order statistic x₍k₎,
//! k = ⌊q(n−1)⌋ (0-based) — as long as no store hit [`MAX_BINS`] (then the smallest
//! magnitudes share one bucket and `collapsed()` says so).
//!
//! Memory: one u64 per bucket between the smallest and largest magnitude seen, at most
//! ~6,700 buckets per decade at α = 0.05%: it depends on the data's range, never on
//! the number of values. Merging adds counts, so it is exact and order-independent.

use serde::{Deserialize, Serialize};

/// The relative accuracy of every quantile the sketch returns.
pub const RELATIVE_ACCURACY: f64 = 0.0005;

/// A store never holds more buckets than this (2 MB; at least 39 decades at α = 0.05%).
pub const MAX_BINS: usize = 1 << 18;

/// 1.5·2^52: adding it rounds a double to an integer (see `Sketch::index`).
const ROUND: f64 = 6_755_399_441_055_744.0;

/// Magnitudes below this count as zero.
const MIN_MAGNITUDE: f64 = 1e-300;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "SketchState", try_from = "SketchState")]
pub struct Sketch {
    /// M: buckets per unit of f(x) ≈ log2 x.
    multiplier: f64,
    pos: Store,
    neg: Store,
    zeros: u64,
    /// Of `zeros`, the values that were not 0 but below [`MIN_MAGNITUDE`]: a quantile
    /// that lands among the zeros while some are such loses its accuracy bound.
    tiny: u64,
}

#[derive(Clone, Debug, PartialEq, Default)]
struct Store {
    /// Bucket index of `counts[0]`.
    offset: i64,
    counts: Vec<u64>,
    total: u64,
    collapsed: bool,
    /// The highest bucket counted into (meaningless while `counts` is empty). A full
    /// store's buckets end here, so where its smallest magnitudes fold depends on the
    /// values only, never on the order they came in or how stores were grouped.
    top: i64,
}

/// A sketch as a state file holds it: each store's buckets from its first to its last
/// non-empty one (the dense slack around them is an in-memory detail).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SketchState {
    pos: StoreState,
    neg: StoreState,
    zeros: u64,
    tiny: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoreState {
    offset: i64,
    counts: Vec<u64>,
    collapsed: bool,
}

impl From<&Store> for StoreState {
    fn from(s: &Store) -> StoreState {
        let first = s.counts.iter().position(|&c| c > 0);
        let last = s.counts.iter().rposition(|&c| c > 0);
        match (first, last) {
            (Some(a), Some(b)) => StoreState {
                offset: s.offset + a as i64,
                counts: s.counts[a..=b].to_vec(),
                collapsed: s.collapsed,
            },
            _ => StoreState {
                offset: 0,
                counts: Vec::new(),
                collapsed: s.collapsed,
            },
        }
    }
}

impl TryFrom<StoreState> for Store {
    type Error = String;
    /// Takes a stored store as it is, with no arithmetic that a hostile value could
    /// overflow: [`Sketch::check`] validates it (with a message postcard would lose
    /// here) before anything uses it.
    fn try_from(s: StoreState) -> Result<Store, String> {
        let total = s.counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
        Ok(Store {
            offset: s.offset,
            top: s
                .offset
                .saturating_add(s.counts.len() as i64)
                .saturating_sub(1),
            counts: s.counts,
            total,
            collapsed: s.collapsed,
        })
    }
}

impl From<Sketch> for SketchState {
    fn from(s: Sketch) -> SketchState {
        SketchState {
            pos: (&s.pos).into(),
            neg: (&s.neg).into(),
            zeros: s.zeros,
            tiny: s.tiny,
        }
    }
}

impl TryFrom<SketchState> for Sketch {
    type Error = String;
    fn try_from(s: SketchState) -> Result<Sketch, String> {
        Ok(Sketch {
            pos: s.pos.try_into()?,
            neg: s.neg.try_into()?,
            zeros: s.zeros,
            tiny: s.tiny,
            ..Sketch::new()
        })
    }
}

impl Default for Sketch {
    fn default() -> Sketch {
        Sketch::new()
    }
}

impl Sketch {
    pub fn new() -> Sketch {
        let gamma = (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY);
        Sketch {
            multiplier: 1.0 / gamma.ln(),
            pos: Store::default(),
            neg: Store::default(),
            zeros: 0,
            tiny: 0,
        }
    }

    /// Adds a finite value (non-finite values are the caller's to count).
    #[inline]
    pub fn add(&mut self, x: f64) {
        debug_assert!(x.is_finite());
        let m = x.abs();
        if m < MIN_MAGNITUDE {
            self.zeros += 1;
            self.tiny += u64::from(m != 0.0);
        } else {
            let i = self.index(m);
            if x > 0.0 {
                self.pos.add(i, 1);
            } else {
                self.neg.add(i, 1);
            }
        }
    }

    /// Adds a slice of finite values: indices are computed in a branch-free pass
    /// (which vectorises), then counted.
    #[inline(always)]
    pub fn add_all(&mut self, xs: &[f64]) {
        const LANES: usize = 64;
        let mut idx = [0i64; LANES];
        for part in xs.chunks(LANES) {
            let (mut lo, mut hi, mut positive) = (i64::MAX, i64::MIN, true);
            for (i, &x) in idx.iter_mut().zip(part) {
                *i = self.index(x.abs().max(MIN_MAGNITUDE));
                lo = lo.min(*i);
                hi = hi.max(*i);
                positive &= x >= MIN_MAGNITUDE;
            }
            // The common case — all positive, and the store spans them once its ends
            // are made room for — counts with no per-value checks.
            if positive && self.pos.make_room(lo, hi) {
                self.pos.count_all(&idx[..part.len()]);
                continue;
            }
            for (&i, &x) in idx.iter().zip(part) {
                if x.abs() < MIN_MAGNITUDE {
                    self.zeros += 1;
                    self.tiny += u64::from(x != 0.0);
                } else if x > 0.0 {
                    self.pos.add(i, 1);
                } else {
                    self.neg.add(i, 1);
                }
            }
        }
    }

    /// `add_all` for a block of finite values whose least and greatest are `lo` and
    /// `hi`: the bucket index is monotone in the value, so when every value is
    /// positive (lo ≥ MIN_MAGNITUDE) the store's span is made room for once, from the
    /// indices of lo and hi, and the values are counted with no per-value checks.
    #[inline(always)]
    pub fn add_all_within(&mut self, xs: &[f64], lo: f64, hi: f64) {
        let (first, last) = (self.index(lo), self.index(hi));
        // (lo is finite here: the caller's block has a finite sum.)
        if lo < MIN_MAGNITUDE || !self.pos.make_room(first, last) {
            return self.add_all(xs);
        }
        const LANES: usize = 64;
        let mut idx = [0i64; LANES];
        for part in xs.chunks(LANES) {
            for (i, &x) in idx.iter_mut().zip(part) {
                *i = self.index(x);
            }
            self.pos.count_all(&idx[..part.len()]);
        }
    }

    #[inline(always)]
    fn index(&self, m: f64) -> i64 {
        let y = approx_log2(m) * self.multiplier;
        // ⌈y⌉ with neither a libm call (no SSE4.1 rounding on baseline x86_64) nor a
        // float-to-integer instruction (none for vectors before AVX-512): adding
        // 1.5·2^52 rounds y to the nearest integer, held in the low mantissa bits
        // (exact for |y| < 2^51; here |y| < 2^22), then a step up if that was below.
        let t = y + ROUND;
        let nearest = (t.to_bits() as i64).wrapping_sub(ROUND.to_bits() as i64);
        nearest + i64::from(t - ROUND < y)
    }

    /// The bounds (lo, hi] of bucket `i`'s magnitudes.
    fn bounds(&self, i: i64) -> (f64, f64) {
        let at = |k: i64| inverse_approx_log2(k as f64 / self.multiplier);
        (at(i - 1), at(i))
    }

    /// The representative value of bucket `i` (positive side): the harmonic mean of
    /// its bounds, whose relative error is (hi − lo)/(hi + lo) ≤ α.
    fn value(&self, i: i64) -> f64 {
        let (lo, hi) = self.bounds(i);
        if (lo + hi).is_finite() {
            return lo * (2.0 * hi / (lo + hi));
        }
        // Near the largest double lo + hi (and 2·hi) overflow: the same mean written
        // with the ratio of the bounds; an upper edge past 2^1024 is taken as that
        // of the halved bounds (halving is exact) doubled.
        if hi.is_finite() {
            return lo * (2.0 / (lo / hi + 1.0));
        }
        let at = |k: i64| inverse_approx_log2(k as f64 / self.multiplier - 1.0);
        let (lo, hi) = (at(i - 1), at(i));
        2.0 * (lo * (2.0 / (lo / hi + 1.0)))
    }

    /// Checks a sketch read from a state file: every store's buckets lie where the
    /// magnitude of some finite double can fall (an index outside that range is no
    /// value at all, and offsets near i64::MAX overflow the store's arithmetic), a store
    /// holds at most [`MAX_BINS`] buckets, and the counts add up without overflow.
    /// Err says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let (lowest, highest) = (self.index(MIN_MAGNITUDE), self.index(f64::MAX));
        let mut all: u64 = self.zeros;
        for (store, side) in [(&self.pos, "positive"), (&self.neg, "negative")] {
            let len = store.counts.len();
            if len > MAX_BINS {
                return Err(format!(
                    "a sketch's {side} store has {len} buckets, more than the {MAX_BINS} a sketch holds"
                ));
            }
            if len > 0 {
                let last = store.offset.checked_add(len as i64 - 1);
                if store.offset < lowest || last.is_none_or(|l| l > highest) {
                    return Err(format!(
                        "a sketch's {side} store has buckets from {} for {len} buckets, outside the buckets {lowest} to {highest} that finite values fall in",
                        store.offset
                    ));
                }
            }
            let mut total: u64 = 0;
            for &c in &store.counts {
                total = total
                    .checked_add(c)
                    .ok_or_else(|| format!("a sketch's {side} counts overflow"))?;
            }
            all = all
                .checked_add(total)
                .ok_or_else(|| "a sketch's counts overflow".to_string())?;
        }
        if self.tiny > self.zeros {
            return Err(format!(
                "a sketch counts {} tiny values among only {} zeros",
                self.tiny, self.zeros
            ));
        }
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.pos.total + self.neg.total + self.zeros
    }

    /// Whether a store ran out of buckets and merged its smallest magnitudes.
    pub fn collapsed(&self) -> bool {
        self.pos.collapsed || self.neg.collapsed || self.tiny > 0
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.pos.merge(&other.pos);
        self.neg.merge(&other.neg);
        self.zeros += other.zeros;
        self.tiny += other.tiny;
    }

    /// The value at 0-based rank ⌊q(n−1)⌋, within relative accuracy α; None if empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.count();
        if n == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = (q * (n - 1) as f64).floor() as u64;
        self.at_rank(rank)
    }

    /// Whether the quantile q keeps the sketch's relative accuracy: false where its
    /// rank falls in a bucket that merged the smallest magnitudes of a store that ran
    /// out of buckets, or among the zeros while some of them were tiny non-zero values.
    pub fn within_bound(&self, q: f64) -> bool {
        let n = self.count();
        if n == 0 || !(0.0..=1.0).contains(&q) {
            return true;
        }
        let rank = (q * (n - 1) as f64).floor() as u64;
        let neg_total = self.neg.total;
        let neg_lowest = self.neg.counts.first().copied().unwrap_or(0);
        if rank < neg_total {
            // The negative store's smallest magnitudes come last in value order.
            return !(self.neg.collapsed && rank >= neg_total - neg_lowest);
        }
        if rank < neg_total + self.zeros {
            return self.tiny == 0;
        }
        let pos_lowest = self.pos.counts.first().copied().unwrap_or(0);
        !(self.pos.collapsed && rank < neg_total + self.zeros + pos_lowest)
    }

    fn at_rank(&self, rank: u64) -> Option<f64> {
        let mut seen = 0u64;
        // Most negative first: the negative store's highest magnitudes.
        for (k, &c) in self.neg.counts.iter().enumerate().rev() {
            seen += c;
            if seen > rank {
                return Some(-self.value(self.neg.offset + k as i64));
            }
        }
        seen += self.zeros;
        if seen > rank {
            return Some(0.0);
        }
        for (k, &c) in self.pos.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                return Some(self.value(self.pos.offset + k as i64));
            }
        }
        None
    }

    /// Buckets in increasing value order as (lower edge, upper edge, count), zeros as
    /// one zero-width bucket: what a histogram is drawn from.
    pub fn buckets(&self) -> Vec<(f64, f64, u64)> {
        let mut out = Vec::new();
        for (k, &c) in self.neg.counts.iter().enumerate().rev() {
            if c > 0 {
                let (lo, hi) = self.bounds(self.neg.offset + k as i64);
                out.push((-hi, -lo, c));
            }
        }
        if self.zeros > 0 {
            out.push((0.0, 0.0, self.zeros));
        }
        for (k, &c) in self.pos.counts.iter().enumerate() {
            if c > 0 {
                let (lo, hi) = self.bounds(self.pos.offset + k as i64);
                out.push((lo, hi, c));
            }
        }
        out
    }
}

/// f(x) = e + (m − 1) for x = m·2^e, m in [1, 2): continuous, increasing, and equal
/// to log2 x at powers of two. `x` must be a positive normal float.
#[inline(always)]
fn approx_log2(x: f64) -> f64 {
    let bits = x.to_bits();
    // The biased exponent as a double by OR-ing it into 2^52's mantissa: exact, and
    // with no integer-to-float instruction (none for 64-bit vector lanes in AVX2).
    let biased = f64::from_bits(0x4330_0000_0000_0000 | ((bits >> 52) & 0x7ff));
    let exponent = biased - (4_503_599_627_370_496.0 + 1023.0);
    let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    exponent + (mantissa - 1.0)
}

/// The inverse of `approx_log2`.
fn inverse_approx_log2(y: f64) -> f64 {
    let e = y.floor();
    (1.0 + (y - e)) * 2f64.powi(e as i32)
}

impl Store {
    #[inline]
    fn add(&mut self, i: i64, n: u64) {
        let len = self.counts.len() as i64;
        if self.counts.is_empty() {
            self.offset = i;
            self.top = i;
            self.counts.push(0);
        } else if i >= self.offset + len || (i < self.offset && self.counts.len() < MAX_BINS) {
            self.top = self.top.max(i);
            self.grow(i);
        } else if i > self.top {
            self.top = i;
        } else if i < self.offset {
            // Full: the smallest magnitudes share the lowest bucket.
            self.collapsed = true;
        }
        let k = (i.max(self.offset) - self.offset) as usize;
        self.counts[k] += n;
        self.total += n;
    }

    /// Grows the store to span buckets lo..=hi; false if it cannot (MAX_BINS).
    fn make_room(&mut self, lo: i64, hi: i64) -> bool {
        self.add(hi, 0);
        self.add(lo, 0);
        lo >= self.offset && hi < self.offset + self.counts.len() as i64
    }

    /// Counts one value in each of buckets `idx`, all within the store's span.
    #[inline(always)]
    fn count_all(&mut self, idx: &[i64]) {
        let (offset, len) = (self.offset, self.counts.len());
        let counts = self.counts.as_mut_ptr();
        for &i in idx {
            let k = (i - offset) as usize;
            debug_assert!(k < len);
            // SAFETY: the caller made room for every index (make_room), so
            // 0 <= i - offset < len; a bound check per value cost ~5% of a run.
            unsafe { *counts.add(k) += 1 };
        }
        let _ = len;
        self.total += idx.len() as u64;
    }

    /// Extends the dense range to cover bucket `i`, with slack so growth is amortised.
    /// A store that would reach MAX_BINS spans exactly the MAX_BINS buckets ending at
    /// the highest one counted (`top`), and the lower ones fold into its lowest: the
    /// same fold for any order of the values, so merges stay exact in any grouping
    /// (the engine's per-thread sketches and `costsim merge` rely on it).
    #[cold]
    fn grow(&mut self, i: i64) {
        let len = self.counts.len() as i64;
        let lo = i.min(self.offset);
        let hi = i.max(self.offset + len - 1);
        let slack = ((hi - lo + 1) / 4).clamp(64, MAX_BINS as i64 / 8);
        let (mut new_lo, mut new_hi) = if i < self.offset {
            (lo - slack, hi)
        } else {
            (lo, hi + slack)
        };
        if new_hi - new_lo + 1 >= MAX_BINS as i64 {
            new_hi = self.top;
            new_lo = new_hi + 1 - MAX_BINS as i64;
        }
        let mut counts = vec![0u64; (new_hi - new_lo + 1) as usize];
        for (k, &c) in self.counts.iter().enumerate() {
            // Buckets above `top` (slack) are empty.
            if c == 0 {
                continue;
            }
            let idx = (self.offset + k as i64).max(new_lo);
            if idx != self.offset + k as i64 {
                self.collapsed = true;
            }
            counts[(idx - new_lo) as usize] += c;
        }
        if i < new_lo {
            self.collapsed = true;
        }
        self.offset = new_lo;
        self.counts = counts;
    }

    fn merge(&mut self, other: &Store) {
        if other.counts.is_empty() {
            return;
        }
        self.collapsed |= other.collapsed;
        let first = other.counts.iter().position(|&c| c > 0);
        let last = other.counts.iter().rposition(|&c| c > 0);
        let (Some(first), Some(last)) = (first, last) else {
            return;
        };
        // Make room for both ends once, then add bucket by bucket.
        self.add(other.offset + last as i64, 0);
        self.add(other.offset + first as i64, 0);
        for (k, &c) in other.counts.iter().enumerate().take(last + 1).skip(first) {
            if c > 0 {
                self.add(other.offset + k as i64, c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The bucket range `check` allows is not too tight: the extreme magnitudes a
    /// sketch keeps (and a store collapsed at its bucket limit) pass, through a state
    /// file's encoding; one bucket past either end does not.
    #[test]
    fn check_accepts_every_finite_magnitude_and_nothing_beyond() {
        let mut s = Sketch::new();
        for x in [1e-300, f64::MAX, -1e-300, -f64::MAX, 0.0, 1e-310, 1.0] {
            s.add(x);
        }
        let back: Sketch = postcard::from_bytes(&postcard::to_allocvec(&s).unwrap()).unwrap();
        assert_eq!(back.check(), Ok(()));
        assert!(
            back.pos.collapsed,
            "the test spans more than MAX_BINS buckets"
        );
        let (lo, hi) = (s.index(MIN_MAGNITUDE), s.index(f64::MAX));
        for (offset, len) in [(lo - 1, 1), (hi, 2), (i64::MAX, 1), (i64::MIN, 1)] {
            let mut bad = back.clone();
            bad.neg.offset = offset;
            bad.neg.counts = vec![1; len];
            assert!(bad.check().unwrap_err().contains("outside the buckets"));
        }
        let mut over = back.clone();
        over.zeros = u64::MAX;
        assert!(over.check().unwrap_err().contains("overflow"));
    }

    fn exact(sorted: &[f64], q: f64) -> f64 {
        sorted[(q * (sorted.len() - 1) as f64).floor() as usize]
    }

    fn within(est: f64, truth: f64) -> bool {
        (est - truth).abs() <= RELATIVE_ACCURACY * truth.abs() * (1.0 + 1e-9) + 1e-300
    }

    const QS: [f64; 11] = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0];

    proptest! {
        #[test]
        fn quantiles_within_the_bound_of_exact_order_statistics(
            values in prop::collection::vec(
                prop_oneof![-1e12f64..1e12, 1e-6f64..1e3, Just(0.0), -5.0f64..5.0], 1..400)
        ) {
            let mut s = Sketch::new();
            values.iter().for_each(|&v| s.add(v));
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            for q in QS {
                let est = s.quantile(q).unwrap();
                let truth = exact(&sorted, q);
                prop_assert!(within(est, truth), "q={} est={} truth={}", q, est, truth);
            }
        }

        #[test]
        fn merging_at_any_split_equals_one_pass(
            values in prop::collection::vec(-1e6f64..1e6, 2..300), cut in 0usize..300
        ) {
            let cut = cut % values.len();
            let mut whole = Sketch::new();
            values.iter().for_each(|&v| whole.add(v));
            let (mut a, mut b) = (Sketch::new(), Sketch::new());
            values[..cut].iter().for_each(|&v| a.add(v));
            values[cut..].iter().for_each(|&v| b.add(v));
            a.merge(&b);
            for q in QS {
                prop_assert_eq!(a.quantile(q), whole.quantile(q));
            }
            prop_assert_eq!(a.count(), whole.count());
        }
    }

    #[test]
    fn bucket_counts_sum_to_the_number_of_values() {
        let mut s = Sketch::new();
        for i in -500..500 {
            s.add(i as f64 * 0.37);
        }
        let total: u64 = s.buckets().iter().map(|b| b.2).sum();
        assert_eq!(total, 1000);
        let b = s.buckets();
        assert!(b.windows(2).all(|w| w[0].1 <= w[1].0 + 1e-12));
    }

    #[test]
    fn values_near_the_largest_double_keep_their_bound() {
        let mut s = Sketch::new();
        let xs: Vec<f64> = (0..1000).map(|i| 9e307 + i as f64 * 8.9e304).collect();
        xs.iter().for_each(|&x| s.add(x));
        for q in QS {
            let est = s.quantile(q).unwrap();
            assert!(within(est, exact(&xs, q)), "q = {q}: {est}");
            assert!(s.within_bound(q));
        }
    }

    #[test]
    fn the_quantiles_that_lost_their_bound_are_named() {
        let mut s = Sketch::new();
        // Half of the values 1e-305 (below the smallest bucket: counted as zeros), half 1.
        for _ in 0..50 {
            s.add(1e-305);
            s.add(1.0);
        }
        assert!(s.collapsed());
        assert!(!s.within_bound(0.25));
        assert!(s.within_bound(0.75));
        // Exact zeros keep their bound: 0 is their value.
        let mut z = Sketch::new();
        z.add(0.0);
        z.add(1.0);
        assert!(!z.collapsed() && z.within_bound(0.0));
    }

    #[test]
    fn an_enormous_range_collapses_instead_of_exhausting_memory() {
        let mut s = Sketch::new();
        s.add(1e-290);
        s.add(1e290);
        assert!(s.collapsed());
        assert!(s.pos.counts.len() <= MAX_BINS);
        assert!(within(s.quantile(1.0).unwrap(), 1e290));
    }

    /// The buckets and flags a sketch holds, whatever slack its stores carry.
    fn contents(s: &Sketch) -> (Vec<(f64, f64, u64)>, bool, Vec<bool>) {
        let bounds = QS.iter().map(|&q| s.within_bound(q)).collect();
        (s.buckets(), s.collapsed(), bounds)
    }

    /// A store that runs out of buckets folds the same values into its lowest bucket
    /// whatever order they come in and however sketches are grouped before merging:
    /// the engine counts each thread's chunks into its own sketch, and `costsim merge`
    /// merges shards in any tree.
    #[test]
    fn a_full_store_folds_the_same_in_any_order_and_grouping() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        // 10^-150 .. 10^150 and both signs: each store spans far past MAX_BINS.
        let xs: Vec<f64> = (0..4000)
            .map(|_| {
                let sign = if next() < 0.3 { -1.0 } else { 1.0 };
                sign * 10f64.powf(300.0 * next() - 150.0)
            })
            .collect();
        let mut whole = Sketch::new();
        xs.iter().for_each(|&x| whole.add(x));
        assert!(whole.collapsed());
        let expected = contents(&whole);
        let mut reversed = Sketch::new();
        xs.iter().rev().for_each(|&x| reversed.add(x));
        assert_eq!(contents(&reversed), expected);
        for parts in [2usize, 3, 7, 64] {
            let mut groups: Vec<Sketch> = (0..parts).map(|_| Sketch::new()).collect();
            for (k, x) in xs.iter().enumerate() {
                // Blocks through add_all (the engine's path), values through add.
                groups[(k * 31 + k / 5) % parts].add(*x);
            }
            let mut blocks = Sketch::new();
            xs[..2000].chunks(64).for_each(|b| blocks.add_all(b));
            groups[0].merge(&blocks);
            let mut rest = Sketch::new();
            xs[2000..].iter().for_each(|&x| rest.add(x));
            groups[0].merge(&rest);
            let mut doubled = Sketch::new();
            xs.iter().for_each(|&x| doubled.add(x));
            xs.iter().for_each(|&x| doubled.add(x));
            // Merged back to front, then front to back: the same as all values twice.
            let mut a = Sketch::new();
            groups.iter().rev().for_each(|g| a.merge(g));
            let mut b = Sketch::new();
            groups.iter().for_each(|g| b.merge(g));
            assert_eq!(contents(&a), contents(&doubled), "{parts} groups");
            assert_eq!(contents(&b), contents(&doubled), "{parts} groups");
        }
    }

    #[test]
    fn the_mapping_is_monotone_and_inverts() {
        let mut last = f64::NEG_INFINITY;
        for k in 0..10_000 {
            let x = 1e-12 * 1.0077f64.powi(k);
            let y = approx_log2(x);
            assert!(y > last);
            last = y;
            assert!((inverse_approx_log2(y) / x - 1.0).abs() < 1e-12);
        }
        assert_eq!(approx_log2(8.0), 3.0);
    }

    #[test]
    fn every_bucket_is_narrower_than_gamma() {
        let s = Sketch::new();
        let gamma = (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY);
        for i in (-60_000..60_000).step_by(7) {
            let (lo, hi) = s.bounds(i);
            assert!(hi / lo <= gamma * (1.0 + 1e-12), "bucket {i}: {lo}..{hi}");
        }
    }

    #[test]
    fn empty_sketch_has_no_quantiles() {
        assert_eq!(Sketch::new().quantile(0.5), None);
    }
}
