//! Beta(α, β) with α, β ≥ 1 — PERT's law — by exact table rejection, a block at a
//! time.
//!
//! The density f on [0, 1] is bounded and unimodal, so on each of K equal-width bins
//! it lies between m_b (the smaller endpoint value) and M_b (the larger, or f at the
//! mode). The region under f is then the union of K "sure" rectangles [bin]×[0, m_b],
//! which lie wholly under f, and K "caps" [bin]×[m_b, M_b], which straddle it. A draw
//! picks one of the 2K pieces in proportion to its area (Walker's alias table, one
//! lookup), then a uniform x in the bin. A sure piece is accepted at once; a cap —
//! about 1–2% of draws for PERT shapes — takes one more uniform y in [m_b, M_b] and is
//! accepted if y < f(x), else the draw starts over. This is rejection sampling from
//! the region under f with a piecewise envelope, so the accepted x are exactly
//! Beta(α, β)-distributed; the bounds are widened by 1e-12 relative so rounding in f
//! cannot make an envelope dip below the density.
//!
//! The fast path is a word's bits, a table lookup and a multiply-add, with no
//! logarithm and no normal draw: several times cheaper than the ratio of two
//! Marsaglia–Tsang gammas, which stays in use for per-sample arguments (a table per
//! sample would cost more than it saves) and for shapes too peaked for K bins.

use super::fastmath::{exp_core, ln_core};
use super::lanes::{LaneRng, open01};
use rand::Rng;
use std::mem::MaybeUninit;

/// Bins (a power of two: a bin is the low bits of a word).
const BINS: usize = 512;
/// Pieces: BINS sure rectangles, then BINS caps.
const PIECES: usize = 2 * BINS;
/// Above this share of caps, the table is not worth it (very peaked shapes).
const MAX_CAP_SHARE: f64 = 0.1;
/// Draws per first-pass batch.
const BATCH: usize = 256;
/// 2^52: OR-ing a small integer into its mantissa converts it exactly.
const TWO52: f64 = 4_503_599_627_370_496.0;

/// The alias table of one Beta(α, β), plus the caps' bounds.
#[derive(Clone, Debug)]
pub struct BetaTable {
    /// Walker's alias table, one word per slot: slot i's piece is kept if the
    /// word's uniform is below the double whose bits are `entry[i]`, else the piece
    /// in its low 10 bits is used. The alias index riding in the threshold's low
    /// bits moves the threshold by less than 2^-42 of itself, and saves a second
    /// table lookup per draw.
    entry: Box<[u64; PIECES]>,
    /// Each bin's lower and upper bound of f, for its cap.
    low: Vec<f64>,
    high: Vec<f64>,
    /// Per bin, (f(x0), ln f(x1) − ln f(x0), (ln f)'(x0)) for the caps' squeezes,
    /// or NaNs where they do not apply (the mode's bin, a bin where f is 0 at an end).
    squeeze: Vec<[f64; 3]>,
    /// ln f(x) = a1·(ln x − ln mode) + b1·(ln(1−x) − ln(1−mode)), at most 0.
    a1: f64,
    b1: f64,
    ln_mode: f64,
    ln_1m_mode: f64,
}

impl BetaTable {
    /// The table for Beta(α, β), α, β ≥ 1, or None when the shape is so peaked that
    /// more than 10% of draws would land in caps.
    pub fn new(alpha: f64, beta: f64) -> Option<BetaTable> {
        if !(alpha >= 1.0 && beta >= 1.0) {
            return None;
        }
        let (a1, b1) = (alpha - 1.0, beta - 1.0);
        let mode = if a1 + b1 > 0.0 { a1 / (a1 + b1) } else { 0.5 };
        let mut t = BetaTable {
            entry: Box::new([0; PIECES]),
            low: vec![0.0; BINS],
            high: vec![0.0; BINS],
            squeeze: vec![[f64::NAN; 3]; BINS],
            a1,
            b1,
            ln_mode: if a1 > 0.0 { ln_core(mode) } else { 0.0 },
            ln_1m_mode: if b1 > 0.0 { ln_core(1.0 - mode) } else { 0.0 },
        };
        let edges: Vec<f64> = (0..=BINS)
            .map(|b| t.density(b as f64 / BINS as f64))
            .collect();
        for b in 0..BINS {
            let (l, r) = (edges[b], edges[b + 1]);
            let (x0, x1) = (b as f64 / BINS as f64, (b + 1) as f64 / BINS as f64);
            let top = if (x0..=x1).contains(&mode) {
                1.0
            } else {
                l.max(r)
            };
            t.low[b] = l.min(r) * (1.0 - 1e-12);
            t.high[b] = top * (1.0 + 1e-12);
            if top != 1.0 && l > 0.0 && r > 0.0 {
                let slope = t.a1 / x0 - t.b1 / (1.0 - x0);
                t.squeeze[b] = [l, t.log_density(x1) - t.log_density(x0), slope];
            }
        }
        let areas = t.areas();
        let total: f64 = areas.iter().sum();
        let caps: f64 = areas[BINS..].iter().sum();
        if !(caps / total <= MAX_CAP_SHARE) {
            return None;
        }
        t.build_alias(&areas, total);
        Some(t)
    }

    /// The pieces' areas (up to the common bin width): the sure rectangles, then
    /// the caps.
    fn areas(&self) -> Vec<f64> {
        let caps = self.low.iter().zip(&self.high).map(|(l, h)| h - l);
        self.low.iter().copied().chain(caps).collect()
    }

    /// ln(f(x) / f(mode)), at most 0, from IEEE arithmetic only (the same bits on
    /// every machine).
    fn log_density(&self, x: f64) -> f64 {
        let term = |e: f64, v: f64, ln_ref: f64| {
            if e == 0.0 {
                0.0
            } else if v <= 0.0 {
                f64::NEG_INFINITY
            } else {
                e * (ln_core(v) - ln_ref)
            }
        };
        term(self.a1, x, self.ln_mode) + term(self.b1, 1.0 - x, self.ln_1m_mode)
    }

    /// f(x) / f(mode).
    fn density(&self, x: f64) -> f64 {
        let g = self.log_density(x);
        if g < -708.0 { 0.0 } else { exp_core(g) }
    }

    /// Bounds lo ≤ f(x) ≤ hi for x in bin b, without a logarithm or an exponential,
    /// where the bin allows. f is log-concave for α, β ≥ 1, so on a bin [x0, x1]
    /// ln f lies above its chord and below its tangent at x0: with t = (x − x0)/w,
    /// f(x) ≥ f(x0)·e^(t·c) ≥ f(x0)·(1 + t·c), and with u = (ln f)'(x0)·(x − x0),
    /// f(x) ≤ f(x0)·e^u ≤ f(x0)/(1 − u) for u < 1. Widened by 1e-12 for rounding.
    #[inline]
    fn squeeze(&self, b: usize, x: f64) -> Option<(f64, f64)> {
        let [f0, c, slope] = self.squeeze[b];
        if f0.is_nan() {
            return None;
        }
        let dx = x - b as f64 / BINS as f64;
        let lo = f0 * (1.0 + dx * BINS as f64 * c) * (1.0 - 1e-12);
        let u = slope * dx;
        let hi = if u < 1.0 {
            f0 / (1.0 - u) * (1.0 + 1e-12)
        } else {
            f64::INFINITY
        };
        Some((lo, hi))
    }

    /// Vose's construction of Walker's alias table: every piece gets probability
    /// 1/PIECES of being picked, kept with probability keep[i], the rest lent to
    /// alias[i]; then both are packed into `entry`.
    fn build_alias(&mut self, areas: &[f64], total: f64) {
        let mut keep = [1.0; PIECES];
        let mut alias: [usize; PIECES] = std::array::from_fn(|i| i);
        let mut scaled: Vec<f64> = areas.iter().map(|a| a * PIECES as f64 / total).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..PIECES).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            keep[s] = scaled[s];
            alias[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left keeps probability 1 (up to rounding), as initialised.
        for i in 0..PIECES {
            self.entry[i] = (keep[i].to_bits() & !(PIECES as u64 - 1)) | alias[i] as u64;
        }
    }

    /// Slot i's (threshold, alias), as `piece` reads them.
    #[inline(always)]
    fn slot(&self, i: usize) -> (f64, usize) {
        let e = self.entry[i];
        (f64::from_bits(e), e as usize & (PIECES - 1))
    }

    /// The piece a word picks: the low 10 bits choose a slot, the top 52 bits are the
    /// uniform on (0, 1) that decides between the slot and its alias.
    #[inline(always)]
    fn piece(&self, w: u64) -> usize {
        let i = (w as usize) & (PIECES - 1);
        let (threshold, other) = self.slot(i);
        // Branch-free: the comparison is a coin toss for many slots, and a
        // mispredicted branch per draw cost more than the rest of the draw.
        let keep = usize::from(open01(w) < threshold).wrapping_neg();
        other ^ ((other ^ i) & keep)
    }

    /// A uniform point of the piece's bin, from a word.
    #[inline(always)]
    fn in_bin(piece: usize, w: u64) -> f64 {
        let bin = f64::from_bits(TWO52.to_bits() | (piece & (BINS - 1)) as u64) - TWO52;
        (bin + open01(w)) * (1.0 / BINS as f64)
    }

    /// Fills `out` with min + range·X, X ~ Beta(α, β).
    #[inline(always)]
    pub fn fill(&self, rng: &mut LaneRng, (min, range): (f64, f64), out: &mut [f64]) {
        let mut scratch = [MaybeUninit::<u64>::uninit(); 2 * BATCH];
        for chunk in out.chunks_mut(BATCH) {
            let n = chunk.len();
            let (picks, spots) = scratch.split_at_mut(BATCH);
            let picks = rng.fill_u64_uninit(&mut picks[..n]);
            let spots = rng.fill_u64_uninit(&mut spots[..n]);
            #[cfg(target_arch = "x86_64")]
            if crate::simd::level().has_avx2() {
                // SAFETY: the level includes AVX2 only when the CPU has it; the three
                // slices hold n <= BATCH values.
                let caps =
                    unsafe { x86::sure(self, (min, range), &picks[..n], &spots[..n], chunk) };
                // The caps in order, as the loop below finishes them: the same words
                // consumed in the same order, so the same values.
                for (q, &bits) in caps.iter().enumerate() {
                    let mut bits = bits;
                    while bits != 0 {
                        let k = q * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        let piece = self.piece(picks[k]);
                        let x = self.cap(piece, Self::in_bin(piece, spots[k]), rng);
                        chunk[k] = min + range * x;
                    }
                }
                continue;
            }
            // Sure pieces give their value; caps are marked NaN for the second pass.
            for ((o, &p), &s) in chunk.iter_mut().zip(&picks[..n]).zip(&spots[..n]) {
                let piece = self.piece(p);
                let x = Self::in_bin(piece, s);
                *o = if piece < BINS {
                    min + range * x
                } else {
                    f64::NAN
                };
            }
            for ((o, &p), &s) in chunk.iter_mut().zip(&picks[..n]).zip(&spots[..n]) {
                if o.is_nan() {
                    let piece = self.piece(p);
                    let x = self.cap(piece, Self::in_bin(piece, s), rng);
                    *o = min + range * x;
                }
            }
        }
    }

    /// One draw of min + range·X, X ~ Beta(α, β).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, (min, range): (f64, f64)) -> f64 {
        let piece = self.piece(rng.next_u64());
        let x = Self::in_bin(piece, rng.next_u64());
        min + range * self.cap(piece, x, rng)
    }

    /// Finishes a draw that landed in a cap at x: accept it if a uniform height in the
    /// cap falls under f, else draw afresh (one word pair at a time) until accepted.
    #[cold]
    #[inline(never)]
    fn cap<R: Rng + ?Sized>(&self, mut piece: usize, mut x: f64, rng: &mut R) -> f64 {
        loop {
            if piece < BINS {
                return x;
            }
            let b = piece - BINS;
            let y = self.low[b] + (self.high[b] - self.low[b]) * open01(rng.next_u64());
            let under = match self.squeeze(b, x) {
                Some((lo, _)) if y < lo => true,
                Some((_, hi)) if y >= hi => false,
                _ => y < self.density(x),
            };
            if under {
                return x;
            }
            piece = self.piece(rng.next_u64());
            x = Self::in_bin(piece, rng.next_u64());
        }
    }
}

/// The first pass of `BetaTable::fill` with AVX2 (LLVM left it scalar, a branch per
/// draw on the gathered slot): the same IEEE operations as `piece` and `in_bin`, so
/// the same bits.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{BATCH, BINS, BetaTable, PIECES, TWO52};
    use std::arch::x86_64::*;

    /// Writes min + range·x for the draws that landed in a sure piece, and returns a
    /// bitmap of those that landed in a cap (their `out` is left for the caller).
    ///
    /// # Safety
    /// The CPU must have AVX2; `picks`, `spots` and `out` hold the same number of
    /// values, at most BATCH.
    #[target_feature(enable = "avx2")]
    pub unsafe fn sure(
        t: &BetaTable,
        (min, range): (f64, f64),
        picks: &[u64],
        spots: &[u64],
        out: &mut [f64],
    ) -> [u64; BATCH / 64] {
        let n = picks.len().min(spots.len()).min(out.len());
        let mut caps = [0u64; BATCH / 64];
        let quads = n / 4 * 4;
        let entry = t.entry.as_ptr().cast::<i64>();
        // SAFETY: loads and stores at k..k + 4 <= quads <= n; gather indices are a
        // word's low 10 bits, within the PIECES entries.
        unsafe {
            let slot_mask = _mm256_set1_epi64x((PIECES - 1) as i64);
            let bin_mask = _mm256_set1_epi64x((BINS - 1) as i64);
            let one = _mm256_set1_epi64x(0x3FF0_0000_0000_0000);
            let below_one = _mm256_set1_pd(1.0 - f64::EPSILON / 2.0);
            let two52 = _mm256_set1_pd(TWO52);
            let two52_bits = _mm256_set1_epi64x(TWO52.to_bits() as i64);
            let inv_bins = _mm256_set1_pd(1.0 / BINS as f64);
            let cap_bit = _mm256_set1_epi64x(BINS as i64);
            let (vmin, vrange) = (_mm256_set1_pd(min), _mm256_set1_pd(range));
            let open01 = |w: __m256i| {
                _mm256_sub_pd(
                    _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64::<12>(w), one)),
                    below_one,
                )
            };
            for k in (0..quads).step_by(4) {
                let p = _mm256_loadu_si256(picks.as_ptr().add(k).cast());
                let s = _mm256_loadu_si256(spots.as_ptr().add(k).cast());
                let i = _mm256_and_si256(p, slot_mask);
                let e = _mm256_i64gather_epi64::<8>(entry, i);
                let other = _mm256_and_si256(e, slot_mask);
                let keep = _mm256_castpd_si256(_mm256_cmp_pd::<_CMP_LT_OQ>(
                    open01(p),
                    _mm256_castsi256_pd(e),
                ));
                // other ^ ((other ^ i) & keep), as `piece`.
                let piece =
                    _mm256_xor_si256(other, _mm256_and_si256(_mm256_xor_si256(other, i), keep));
                let bin = _mm256_sub_pd(
                    _mm256_castsi256_pd(_mm256_or_si256(
                        two52_bits,
                        _mm256_and_si256(piece, bin_mask),
                    )),
                    two52,
                );
                let x = _mm256_mul_pd(_mm256_add_pd(bin, open01(s)), inv_bins);
                let v = _mm256_add_pd(vmin, _mm256_mul_pd(vrange, x));
                // A cap: piece >= BINS, i.e. its BINS bit set (piece < PIECES = 2·BINS).
                let is_cap = _mm256_cmpeq_epi64(_mm256_and_si256(piece, cap_bit), cap_bit);
                _mm256_storeu_pd(out.as_mut_ptr().add(k), v);
                let bits = _mm256_movemask_pd(_mm256_castsi256_pd(is_cap)) as u64;
                caps[k / 64] |= bits << (k % 64);
            }
        }
        for k in quads..n {
            let piece = t.piece(picks[k]);
            if piece < BINS {
                out[k] = min + range * BetaTable::in_bin(piece, spots[k]);
            } else {
                caps[k / 64] |= 1 << (k % 64);
            }
        }
        caps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alias_table_gives_each_piece_its_area() {
        let t = BetaTable::new(3.4, 2.6).expect("a PERT shape");
        let mut p = vec![0.0; PIECES];
        for i in 0..PIECES {
            let (threshold, alias) = t.slot(i);
            // The probability that a uniform on (0, 1) falls below the threshold.
            let keep = threshold.min(1.0);
            p[i] += keep / PIECES as f64;
            p[alias] += (1.0 - keep) / PIECES as f64;
        }
        let areas = t.areas();
        let total: f64 = areas.iter().sum();
        for i in 0..PIECES {
            assert!((p[i] - areas[i] / total).abs() < 1e-12, "piece {i}");
        }
        // Caps are a small share for PERT shapes.
        let caps: f64 = areas[BINS..].iter().sum::<f64>() / total;
        assert!(caps < 0.03, "cap share {caps}");
    }

    #[test]
    fn envelopes_bound_the_density_in_every_bin() {
        for (a, b) in [
            (1.0, 1.0),
            (1.0, 5.0),
            (5.0, 1.0),
            (3.4, 2.6),
            (8.0, 3.0),
            (40.0, 60.0),
        ] {
            let t = BetaTable::new(a, b).expect("tabulated");
            for k in 0..=BINS * 16 {
                let x = k as f64 / (BINS * 16) as f64;
                let bin = ((x * BINS as f64) as usize).min(BINS - 1);
                let f = t.density(x);
                assert!(t.low[bin] <= f && f <= t.high[bin], "beta({a}, {b}) at {x}");
            }
        }
    }

    #[test]
    fn squeezes_bound_the_density_and_decide_most_caps() {
        for (a, b) in [(1.0, 5.0), (5.0, 1.0), (3.4, 2.6), (8.0, 3.0), (40.0, 60.0)] {
            let t = BetaTable::new(a, b).expect("tabulated");
            // The share of cap heights that still need f: between the bounds.
            let (mut undecided, mut caps) = (0.0, 0.0);
            for bin in 0..BINS {
                let (low, high) = (t.low[bin], t.high[bin]);
                for k in 0..=32 {
                    let x = (bin as f64 + k as f64 / 32.0) / BINS as f64;
                    let f = t.density(x);
                    caps += high - low;
                    match t.squeeze(bin, x) {
                        Some((lo, hi)) => {
                            assert!(lo <= f && f <= hi, "beta({a}, {b}) at {x}: {lo} {f} {hi}");
                            undecided += (hi.min(high) - lo.max(low)).max(0.0);
                        }
                        None => undecided += high - low,
                    }
                }
            }
            let share = undecided / caps;
            let most = if a + b < 20.0 { 0.1 } else { 0.5 };
            assert!(
                share < most,
                "beta({a}, {b}): {share:.3} of cap heights need f"
            );
        }
    }

    #[test]
    fn very_peaked_shapes_are_left_to_the_gamma_ratio() {
        assert!(BetaTable::new(5000.0, 5000.0).is_none());
        assert!(BetaTable::new(0.5, 2.0).is_none());
    }
}
