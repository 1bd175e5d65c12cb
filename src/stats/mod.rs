//! Mergeable aggregates of the simulated values, in constant memory.
//!
//! Each chunk of samples fills its own [`Aggregates`]; the engine merges them in
//! chunk order, so the floating-point moments come out bit-identical for any number
//! of threads (the sketch's and counters' merges are exact integers anyway).

pub mod dyadic;
pub mod histogram;
pub mod moments;
pub mod partial;
pub mod sensitivity;
pub mod sketch;
pub mod sobol;

pub use moments::Moments;
pub use partial::Partial;
pub use sketch::Sketch;

/// Everything known about one tracked param's distribution.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Tracked {
    pub sketch: Sketch,
    pub moments: Moments,
    pub min: f64,
    pub max: f64,
    pub nonfinite: u64,
    /// Global index of the first non-finite sample, for the diagnosis.
    pub first_nonfinite: Option<u64>,
    /// Per claim on this param: (count below the claim, count equal to it).
    pub claims: Vec<(f64, u64, u64)>,
}

/// A block of one param's values: a slice, or a constant repeated.
#[derive(Clone, Copy, Debug)]
pub enum Block<'a> {
    Values(&'a [f64]),
    Constant(f64, usize),
}

impl Tracked {
    pub fn new(claim_values: &[f64]) -> Tracked {
        Tracked {
            sketch: Sketch::new(),
            moments: Moments::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            nonfinite: 0,
            first_nonfinite: None,
            claims: claim_values.iter().map(|&v| (v, 0, 0)).collect(),
        }
    }

    /// Adds a block whose first value is sample number `first`. Inlined down to the
    /// sketch, so that the engine's AVX2 copy of the aggregation has AVX2 code.
    #[inline(always)]
    pub fn observe(&mut self, block: Block<'_>, first: u64) {
        match block {
            Block::Values(xs) => self.observe_values(xs, first),
            Block::Constant(x, n) => self.observe_constant(x, n as u64, first),
        }
    }

    #[inline(always)]
    fn observe_values(&mut self, xs: &[f64], first: u64) {
        // One pass gives the extremes and the plain sum (in `sum4`'s order, so the
        // mean is the bits `Moments` would compute); a NaN or infinity makes the sum
        // non-finite, and so does a sum that overflowed: then the careful path below.
        let (lo, hi, sum) = extremes_and_sum(xs);
        if sum.is_finite() {
            self.observe_finite_within(xs, lo, hi, sum);
            return;
        }
        if xs.iter().fold(true, |ok, x| ok & x.is_finite()) {
            self.observe_finite(xs);
            return;
        }
        let k = xs.iter().position(|x| !x.is_finite()).unwrap_or(0);
        self.note_nonfinite(first + k as u64);
        let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
        self.nonfinite += (xs.len() - finite.len()) as u64;
        self.observe_finite(&finite);
    }

    /// Finite values whose extremes and plain sum are known (the sum finite).
    #[inline(always)]
    fn observe_finite_within(&mut self, xs: &[f64], lo: f64, hi: f64, sum: f64) {
        self.moments
            .add_block_summed(xs, lo.abs().max(hi.abs()), sum);
        self.sketch.add_all_within(xs, lo, hi);
        self.min = self.min.min(lo);
        self.max = self.max.max(hi);
        self.count_claims(xs);
    }

    #[inline(always)]
    fn observe_finite(&mut self, xs: &[f64]) {
        let (lo, hi) = min_max(xs);
        self.moments.add_block_within(xs, lo.abs().max(hi.abs()));
        self.sketch.add_all(xs);
        self.min = self.min.min(lo);
        self.max = self.max.max(hi);
        self.count_claims(xs);
    }

    #[inline(always)]
    fn count_claims(&mut self, xs: &[f64]) {
        for (v, below, equal) in &mut self.claims {
            for &x in xs {
                *below += u64::from(x < *v);
                *equal += u64::from(x == *v);
            }
        }
    }

    fn observe_constant(&mut self, x: f64, n: u64, first: u64) {
        if !x.is_finite() {
            self.note_nonfinite(first);
            self.nonfinite += n;
            return;
        }
        self.moments.add_repeated(x, n);
        for _ in 0..n {
            self.sketch.add(x);
        }
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        for (v, below, equal) in &mut self.claims {
            *below += if x < *v { n } else { 0 };
            *equal += if x == *v { n } else { 0 };
        }
    }

    fn note_nonfinite(&mut self, at: u64) {
        if self.first_nonfinite.is_none() {
            self.first_nonfinite = Some(at);
        }
    }

    /// Folds in the aggregate of the chunks that come after this one's.
    pub fn merge(&mut self, later: &Tracked) {
        self.sketch.merge(&later.sketch);
        self.moments.merge(&later.moments);
        self.min = self.min.min(later.min);
        self.max = self.max.max(later.max);
        self.nonfinite += later.nonfinite;
        // The earliest, whatever the order of merging (shards merge in any order).
        self.first_nonfinite = match (self.first_nonfinite, later.first_nonfinite) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (mine, theirs) in self.claims.iter_mut().zip(&later.claims) {
            mine.1 += theirs.1;
            mine.2 += theirs.2;
        }
    }

    /// The number of finite values seen.
    pub fn count(&self) -> u64 {
        self.moments.n
    }

    /// A quantile, clamped to the exact [min, max] (the sketch's representative of the
    /// extreme buckets may lie just outside them).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.sketch.quantile(q).map(|v| v.clamp(self.min, self.max))
    }
}

/// The least and greatest of finite values, over eight lanes of running extremes
/// (two vector registers): no branch, and two independent chains per extreme.
#[inline(always)]
fn min_max(xs: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; 8];
    let mut hi = [f64::NEG_INFINITY; 8];
    let octets = xs.chunks_exact(8);
    for &x in octets.remainder() {
        lo[0] = lo[0].min(x);
        hi[0] = hi[0].max(x);
    }
    for o in octets {
        for k in 0..8 {
            lo[k] = lo[k].min(o[k]);
            hi[k] = hi[k].max(o[k]);
        }
    }
    (
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// The least and greatest values of a block and its plain sum, in one pass: the sum in
/// `moments::sum4`'s order (the remainder's values into accumulators 0.., then the
/// quads), the extremes by comparisons, which compile to vector min/max (a NaN is
/// skipped by them, and shows in the sum). For a block with no NaN the extremes are
/// those of `min_max`.
#[inline(always)]
fn extremes_and_sum(xs: &[f64]) -> (f64, f64, f64) {
    let mut acc = [0.0f64; 4];
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let quads = xs.chunks_exact(4);
    for (k, &x) in quads.remainder().iter().enumerate() {
        acc[k] += x;
        lo[k] = if x < lo[k] { x } else { lo[k] };
        hi[k] = if x > hi[k] { x } else { hi[k] };
    }
    for q in quads {
        for k in 0..4 {
            acc[k] += q[k];
            lo[k] = if q[k] < lo[k] { q[k] } else { lo[k] };
            hi[k] = if q[k] > hi[k] { q[k] } else { hi[k] };
        }
    }
    let lo = lo
        .iter()
        .copied()
        .fold(f64::INFINITY, |a, b| if b < a { b } else { a });
    let hi = hi
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, |a, b| if b > a { b } else { a });
    (lo, hi, (acc[0] + acc[1]) + (acc[2] + acc[3]))
}

/// The aggregates of every tracked param over a run (or one chunk of it).
#[derive(Clone, Debug, Default)]
pub struct Aggregates {
    pub tracked: Vec<Tracked>,
    pub samples: u64,
    /// The first rows of the run, one column per `Plan::row_params` entry (empty
    /// unless rows were asked for).
    pub rows: Vec<Vec<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass path (extremes and plain sum, the sketch's span from the extremes)
    /// gives the same results, bit for bit, as the careful path it replaced, on blocks
    /// of every kind.
    #[test]
    fn the_fused_observe_path_gives_the_careful_paths_bits() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let kinds: [fn(f64) -> f64; 5] = [
            |u| 1e3 * (1.0 + u),               // positive
            |u| u - 0.5,                       // both signs
            |u| if u < 0.1 { 0.0 } else { u }, // zeros
            |u| 1e-305 * u,                    // below the sketch's smallest magnitude
            |u| 1e300 * (u + 0.5),             // huge: the moments' scaled path
        ];
        for kind in kinds {
            for n in [1usize, 3, 4, 5, 63, 64, 65, 255, 256] {
                let xs: Vec<f64> = (0..n).map(|_| kind(next())).collect();
                let mut fused = Tracked::new(&[0.5]);
                fused.observe(Block::Values(&xs), 0);
                let mut careful = Tracked::new(&[0.5]);
                careful.observe_finite(&xs);
                // The same counts in the same buckets (the stores' spare room may differ:
                // the fused path makes room for the whole block at once).
                assert_eq!(fused.sketch.buckets(), careful.sketch.buckets(), "n = {n}");
                assert_eq!(fused.sketch.collapsed(), careful.sketch.collapsed());
                assert_eq!(fused.moments, careful.moments, "n = {n}");
                assert_eq!((fused.min, fused.max), (careful.min, careful.max));
                assert_eq!(fused.claims, careful.claims);
            }
        }
    }

    #[test]
    fn claims_count_below_and_equal_exactly() {
        let mut t = Tracked::new(&[2.0]);
        t.observe(Block::Values(&[1.0, 2.0, 3.0, 2.0, f64::NAN]), 100);
        assert_eq!(t.claims[0], (2.0, 1, 2));
        assert_eq!(t.nonfinite, 1);
        assert_eq!(t.first_nonfinite, Some(104));
        assert_eq!((t.min, t.max, t.count()), (1.0, 3.0, 4));
    }

    #[test]
    fn constant_blocks_count_like_repeated_values() {
        let mut a = Tracked::new(&[5.0]);
        a.observe(Block::Constant(5.0, 3), 0);
        let mut b = Tracked::new(&[5.0]);
        b.observe(Block::Values(&[5.0, 5.0, 5.0]), 0);
        assert_eq!(a.claims, b.claims);
        assert_eq!(a.quantile(0.5), b.quantile(0.5));
        assert_eq!(a.moments, b.moments);
    }
}
