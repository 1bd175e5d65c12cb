//! What each claim would take: among the worlds where the claim's param lands near
//! the claimed value, the values its ancestor inputs take, against their priors.
//!
//! One selective pass (`engine::select`) tests every claim's window on every world,
//! continuing past the run's samples on the same streams until each claim has
//! accepted K worlds or the draw budget is spent — or, for a claim so far out that
//! even [`MIN_ACCEPTED`] worlds are out of reach within the budget at a generous
//! bound of its rate, until that is clear; a claim that has 10 × [`MIN_ACCEPTED`]
//! worlds while K is out of reach stops there too. The prior of each input is the
//! exact order statistics of the run's first [`PRIOR_ROWS`] samples (fewer when the
//! run is smaller), drawn in the same pass. Everything here is exact order
//! statistics of kept rows: the p-th percentile is the value of 0-based rank
//! ⌊p·(n−1)⌋, and a percentile rank is 100·(below + equal/2)/n.

use crate::engine::select::{self, Accept, Budget, Filter, Selected};
use crate::error::Error;
use crate::model::Model;
use crate::plan::Plan;
use crate::report::drivers::label_of;
use crate::stats::Aggregates;
use serde::Serialize;

/// Samples of the prior, at most: the run's first ones.
pub const PRIOR_ROWS: u64 = 100_000;

/// Below this many accepted worlds an anatomy is too thin to read.
pub const MIN_ACCEPTED: u64 = 100;

/// The defaults of `--anatomy-window`, `--anatomy-rows` and the draw budget.
pub const DEFAULT_WINDOW: f64 = 0.02;
pub const DEFAULT_ROWS: u64 = 10_000;
pub const DEFAULT_BUDGET_FACTOR: u64 = 1_000;

/// Values the claims' accepted worlds may hold together (64 MB): K × the claims'
/// ancestor inputs, summed over claims. `--anatomy-rows` goes up to 10,000,000, and a
/// default model's claims at that K held 1.7 GB; so K is lowered (with a note) to
/// what fits, and memory does not grow with K or the model's size beyond this.
pub const ROW_VALUES: u64 = 8_000_000;

/// Values the prior's rows may hold (128 MB):
/// [`PRIOR_ROWS`] rows of up to 160 inputs, fewer rows past that.
pub const PRIOR_VALUES: u64 = 16_000_000;

/// K, lowered if need be so that K × `columns` stays within [`ROW_VALUES`] (at least
/// one row, whatever the columns).
pub fn fitted_rows(k: u64, columns: usize) -> u64 {
    k.min((ROW_VALUES / columns.max(1) as u64).max(1))
}

/// The note for a K lowered by [`fitted_rows`], if it was.
pub fn fitted_note(what: &str, asked: u64, kept: u64, columns: usize) -> Option<String> {
    use crate::report::format::count;
    (kept < asked).then(|| {
        format!(
            "{what} keeps {} worlds, not --anatomy-rows {}: they hold {columns} columns \
             and the kept worlds are held to {} values; lower --anatomy-rows, \
             or take fewer claims or inputs",
            count(kept),
            count(asked),
            count(ROW_VALUES)
        )
    })
}

/// How to take the anatomy.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Half-width of the window around a claim, relative to |value|.
    pub window: f64,
    /// Accepted worlds wanted per claim (K), before [`fitted_rows`].
    pub rows: u64,
    pub budget: Budget,
}

/// One input's prior and conditional spread.
#[derive(Clone, Debug, Serialize)]
pub struct InputAnatomy {
    pub input: String,
    pub label: String,
    pub unit: String,
    /// P5, P50, P95 of the prior.
    pub prior: [f64; 3],
    /// P5, P50, P95 in the accepted worlds (NaN when too thin).
    pub given: [f64; 3],
    /// Where the conditional median falls in the prior, 0–100.
    pub given_p50_rank: f64,
    /// The conditional P5 and P95 as prior percentile ranks, 0–100 (for the chart).
    pub given_band_ranks: [f64; 2],
    /// For an input that takes two values (a switch, a bernoulli): the higher value
    /// and its share of the prior's and of the accepted worlds. Its median says little
    /// (a 0/1 prior at even odds has median 1 whether the claim needs it in 51% or in
    /// 100% of worlds), so `given_p50_rank` is then the accepted worlds' mean prior
    /// rank, which moves with that share.
    pub two_valued: Option<TwoValued>,
}

/// See [`InputAnatomy::two_valued`].
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TwoValued {
    pub high: f64,
    pub prior_share: f64,
    pub given_share: f64,
}

/// The two values of a column that takes exactly two, if it does (lower first).
fn two_values(column: &[f64]) -> Option<(f64, f64)> {
    let &first = column.first()?;
    let other = column.iter().copied().find(|&x| x != first)?;
    let (lo, hi) = if first < other {
        (first, other)
    } else {
        (other, first)
    };
    column
        .iter()
        .all(|&x| x == lo || x == hi)
        .then_some((lo, hi))
}

/// A claim's (or a condition's) anatomy.
#[derive(Clone, Debug, Serialize)]
pub struct Anatomy {
    /// The claim's label, or `given <condition>`.
    pub claim: String,
    /// The claim's param (empty for a condition).
    pub param: String,
    pub unit: String,
    /// The claimed value (NaN for a condition).
    pub value: f64,
    /// The accepted window [lo, hi] of the param (NaN for a condition).
    pub window: [f64; 2],
    pub accepted: u64,
    pub drawn: u64,
    /// It reached K accepted worlds before the budget.
    pub complete: bool,
    /// Fewer than [`MIN_ACCEPTED`] accepted: the conditional columns are empty.
    pub thin: bool,
    /// The pass stopped drawing for it early: even [`MIN_ACCEPTED`] worlds were out
    /// of reach within the budget at any plausible rate (`thin`), or it had
    /// [`select::SETTLE`] times that many and K was out of reach.
    pub out_of_reach: bool,
    /// Rows of the prior behind the prior columns.
    pub prior_rows: u64,
    /// Its ancestor inputs, the largest move of the median (|rank − 50|) first.
    pub inputs: Vec<InputAnatomy>,
}

/// The anatomies of every claim, in claim order, and the pass's facts.
#[derive(Clone, Debug, Serialize)]
pub struct AnatomyRun {
    pub claims: Vec<Anatomy>,
    /// Samples the pass evaluated, and its wall time.
    pub drawn: u64,
    pub elapsed_seconds: f64,
    /// A wall-clock limit (`--anatomy-budget 30s`) stopped the pass.
    pub timed_out: bool,
    pub window: f64,
    /// K, as kept: `--anatomy-rows`, or fewer (see [`fitted_rows`]).
    pub rows: u64,
    pub budget_draws: u64,
    /// Why K or the prior's rows are fewer than asked, if they are (printed as
    /// warnings).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// The window around a claimed value: ±w·|c|, or for c = 0 (where a relative
/// window is empty) ±w·(P95 − P5) of the param in the run.
pub fn window(value: f64, w: f64, spread: f64) -> [f64; 2] {
    let half = if value != 0.0 {
        w * value.abs()
    } else {
        w * spread.abs()
    };
    [value - half, value + half]
}

/// Every claim's anatomy, from the run's aggregates (for the c = 0 fallback).
pub fn claims(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    samples: u64,
    seed: u64,
    opts: Options,
    threads: usize,
) -> Result<AnatomyRun, Error> {
    let started = std::time::Instant::now();
    let mut filters = Vec::new();
    let mut windows = Vec::new();
    let ancestors: Vec<Vec<usize>> = model
        .claims
        .iter()
        .map(|c| plan.ancestor_inputs(model, c.param))
        .collect();
    let columns: usize = ancestors.iter().map(Vec::len).sum();
    let k = fitted_rows(opts.rows, columns);
    let mut notes: Vec<String> = fitted_note("each claim's anatomy", opts.rows, k, columns)
        .into_iter()
        .collect();
    for (c, inputs) in model.claims.iter().zip(&ancestors) {
        let spread = plan
            .tracked_index(c.param)
            .map(|k| &aggs.tracked[k])
            .and_then(|t| Some(t.quantile(0.95)? - t.quantile(0.05)?))
            .unwrap_or(0.0);
        let w = window(c.value, opts.window, spread);
        // A claim on a param no input reaches has no anatomy: do not draw for it.
        let want = if inputs.is_empty() { 0 } else { k };
        filters.push(Filter {
            accept: Accept::Window {
                src: plan.params[c.param],
                lo: w[0],
                hi: w[1],
            },
            keep: inputs.clone(),
            want,
            min_draws: 0,
            rows: want,
            aggregate: false,
            give_up_below: MIN_ACCEPTED,
        });
        windows.push(w);
    }
    let mut needed: Vec<usize> = ancestors.iter().flatten().copied().collect();
    needed.sort_unstable();
    needed.dedup();
    let (prior, pass) = prior_and(model, plan, &needed, filters, samples, seed, opts, threads)?;
    notes.extend(prior.note.clone());
    let claims = model
        .claims
        .iter()
        .zip(pass.iter())
        .zip(windows)
        .zip(&ancestors)
        .map(|(((c, sel), w), inputs)| {
            let param = &model.params[c.param];
            let mut a = describe(model, &prior, &needed, inputs, sel);
            a.claim = c.label.clone();
            a.param = param.name.clone();
            a.unit = param.unit.clone().unwrap_or_default();
            a.value = c.value;
            a.window = w;
            a
        })
        .collect();
    Ok(AnatomyRun {
        claims,
        drawn: pass.drawn,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        timed_out: pass.timed_out,
        window: opts.window,
        rows: k,
        budget_draws: opts.budget.draws,
        notes,
    })
}

/// The prior's rows: one column per input of the `needed` list given to
/// [`prior_and`], the run's first samples.
pub struct PriorRows {
    /// Each column's percentiles and ranks: every claim's anatomy reads the same
    /// prior columns, so they are prepared once (in parallel), not once per claim.
    pub columns: Vec<PriorColumn>,
    /// Rows behind the columns.
    pub rows: u64,
    /// Why there are fewer rows than [`PRIOR_ROWS`] in a run that had them.
    pub note: Option<String>,
}

impl PriorRows {
    pub fn new(columns: Vec<Vec<f64>>, threads: usize) -> PriorRows {
        use rayon::prelude::*;
        let rows = columns.first().map_or(0, |c| c.len() as u64);
        let prepare_all = || columns.into_par_iter().map(PriorColumn::new).collect();
        let columns = match rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
        {
            Ok(pool) => pool.install(prepare_all),
            Err(_) => prepare_all(),
        };
        PriorRows {
            columns,
            rows,
            note: None,
        }
    }
}

/// One input's prior: its finite values (in no particular order) with the exact
/// order statistics an anatomy reads. A sort of each column cost ~3 ms per 100,000
/// values; three selections and a scan per rank asked give the same numbers in a
/// fraction of that.
pub struct PriorColumn {
    finite: Vec<f64>,
    /// P5, P50 and P95: the values of 0-based rank ⌊q·(n−1)⌋.
    pub percentiles: [f64; 3],
    /// The two values, when the column takes exactly two.
    pub two_values: Option<(f64, f64)>,
}

impl PriorColumn {
    fn new(column: Vec<f64>) -> PriorColumn {
        let mut finite = column;
        finite.retain(|x| x.is_finite());
        let n = finite.len();
        let at = |q: f64| ((n.max(1) - 1) as f64 * q).floor() as usize;
        let mut percentiles = [f64::NAN; 3];
        if n > 0 {
            // The median first, then each tail within its own side of it.
            let (mid, hi) = (at(0.5), at(0.95));
            let (below, &mut median, above) = finite.select_nth_unstable_by(mid, f64::total_cmp);
            percentiles[1] = median;
            let lo = at(0.05);
            percentiles[0] = if lo < mid {
                *below.select_nth_unstable_by(lo, f64::total_cmp).1
            } else {
                median
            };
            percentiles[2] = if hi > mid {
                *above.select_nth_unstable_by(hi - mid - 1, f64::total_cmp).1
            } else {
                median
            };
        }
        let two_values = two_values(&finite);
        PriorColumn {
            finite,
            percentiles,
            two_values,
        }
    }

    /// 100·(below + equal/2)/n: where `v` falls among the values (NaN when there are
    /// none, or `v` is NaN).
    pub fn rank(&self, v: f64) -> f64 {
        if self.finite.is_empty() || v.is_nan() {
            return f64::NAN;
        }
        let (below, equal) = self.finite.iter().fold((0usize, 0usize), |(b, e), &x| {
            (b + usize::from(x < v), e + usize::from(x == v))
        });
        100.0 * (below as f64 + equal as f64 / 2.0) / self.finite.len() as f64
    }

    /// The share of the values equal to `v`.
    pub fn share(&self, v: f64) -> f64 {
        let equal = self.finite.iter().filter(|&&x| x == v).count();
        equal as f64 / self.finite.len().max(1) as f64
    }
}

/// The filters' results, with the pass's totals.
pub struct Pass {
    pub selected: Vec<Selected>,
    pub drawn: u64,
    pub timed_out: bool,
}

impl Pass {
    fn iter(&self) -> std::slice::Iter<'_, Selected> {
        self.selected.iter()
    }
}

/// Runs `filters` with one more that keeps the prior's rows of `needed`, in one pass.
#[allow(clippy::too_many_arguments)]
pub fn prior_and(
    model: &Model,
    plan: &Plan,
    needed: &[usize],
    mut filters: Vec<Filter>,
    samples: u64,
    seed: u64,
    opts: Options,
    threads: usize,
) -> Result<(PriorRows, Pass), Error> {
    // The prior's rows, fewer for a model with so many inputs that they would pass
    // PRIOR_VALUES (their memory must not grow with the model's size).
    let fit = (PRIOR_VALUES / needed.len().max(1) as u64).max(1);
    let prior_rows = samples.min(PRIOR_ROWS).min(fit);
    let note = (prior_rows < samples.min(PRIOR_ROWS)).then(|| {
        use crate::report::format::count;
        format!(
            "the anatomy's prior is the run's first {} samples, not {}: it holds {} input \
             columns and is held to {} values",
            count(prior_rows),
            count(samples.min(PRIOR_ROWS)),
            needed.len(),
            count(PRIOR_VALUES)
        )
    });
    filters.push(Filter {
        accept: Accept::All,
        keep: needed.to_vec(),
        want: prior_rows,
        min_draws: 0,
        rows: prior_rows,
        aggregate: false,
        give_up_below: 0,
    });
    let budget = Budget {
        draws: opts.budget.draws.max(samples),
        time: opts.budget.time,
    };
    let mut sel = select::select(plan, &filters, samples, seed, budget, threads)
        .map_err(|e| super::run::sample_error(model, plan, e))?;
    let prior = sel.filters.pop().expect("the prior's filter");
    let mut prior = PriorRows::new(prior.rows, threads);
    prior.note = note;
    Ok((
        prior,
        Pass {
            selected: sel.filters,
            drawn: sel.drawn,
            timed_out: sel.timed_out,
        },
    ))
}

/// An anatomy from a filter's rows (columns: `inputs`) and the prior's (columns:
/// `needed`); the caller fills in the claim's own fields.
pub fn describe(
    model: &Model,
    prior: &PriorRows,
    needed: &[usize],
    inputs: &[usize],
    sel: &Selected,
) -> Anatomy {
    let thin = sel.accepted < MIN_ACCEPTED;
    let mut rows: Vec<InputAnatomy> = inputs
        .iter()
        .zip(&sel.rows)
        .map(|(&i, given)| {
            let column = needed.iter().position(|&q| q == i).expect("a needed input");
            let prior = &prior.columns[column];
            let given_sorted = sorted(given);
            let given = if thin {
                [f64::NAN; 3]
            } else {
                [0.05, 0.5, 0.95].map(|q| percentile(&given_sorted, q))
            };
            let param = &model.params[i];
            let share = |s: &[f64], hi: f64| {
                s.iter().filter(|&&x| x == hi).count() as f64 / s.len().max(1) as f64
            };
            let two_valued = prior.two_values.filter(|_| !thin).map(|(_, hi)| TwoValued {
                high: hi,
                prior_share: prior.share(hi),
                given_share: share(&given_sorted, hi),
            });
            let given_p50_rank = match (two_valued, prior.two_values) {
                // The mean prior rank of the accepted worlds: P(low)·rank(low) + P(high)·rank(high).
                (Some(t), Some((lo, hi))) => {
                    (1.0 - t.given_share) * prior.rank(lo) + t.given_share * prior.rank(hi)
                }
                _ => prior.rank(given[1]),
            };
            InputAnatomy {
                input: param.name.clone(),
                label: label_of(model, i),
                unit: param.unit.clone().unwrap_or_default(),
                prior: prior.percentiles,
                given,
                given_p50_rank,
                two_valued,
                given_band_ranks: [prior.rank(given[0]), prior.rank(given[2])],
            }
        })
        .collect();
    // A stable sort: ties keep the file's order, as do thin anatomies (no medians).
    if !thin {
        let moved = |r: &InputAnatomy| (r.given_p50_rank - 50.0).abs();
        rows.sort_by(|a, b| moved(b).total_cmp(&moved(a)));
    }
    Anatomy {
        claim: String::new(),
        param: String::new(),
        unit: String::new(),
        value: f64::NAN,
        window: [f64::NAN; 2],
        accepted: sel.accepted,
        drawn: sel.drawn,
        complete: sel.satisfied,
        thin,
        out_of_reach: sel.gave_up,
        prior_rows: prior.rows,
        inputs: rows,
    }
}

/// The finite values, sorted (unstable: values equal under `total_cmp` have the same
/// bits, so the result is that of a stable sort; by integer keys, see `sort_total`).
fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut s: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    crate::stats::sensitivity::sort_total(&mut s);
    s
}

/// The order statistic of 0-based rank ⌊q·(n−1)⌋ (NaN when empty).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).floor() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_relative_with_an_absolute_fallback_at_zero() {
        assert_eq!(window(100.0, 0.02, 5.0), [98.0, 102.0]);
        assert_eq!(window(-100.0, 0.02, 5.0), [-102.0, -98.0]);
        assert_eq!(window(0.0, 0.1, 4.0), [-0.4, 0.4]);
    }

    #[test]
    fn ranks_and_percentiles_are_exact_order_statistics() {
        let c = PriorColumn::new(vec![4.0, 2.0, f64::NAN, 1.0, 3.0]);
        assert_eq!(c.rank(2.5), 50.0);
        assert_eq!(c.rank(2.0), 37.5);
        assert_eq!(c.rank(0.0), 0.0);
        assert!(c.rank(f64::NAN).is_nan());
        assert_eq!(c.percentiles, [1.0, 2.0, 3.0]);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.95), 3.0);
        assert!(percentile(&[], 0.5).is_nan());
        assert!(PriorColumn::new(vec![f64::NAN]).rank(1.0).is_nan());
        assert!(PriorColumn::new(Vec::new()).percentiles[1].is_nan());
    }

    /// The selections and scans give what a sort and binary searches gave, on
    /// columns with ties, signed zeros, two values and infinities, at every size up
    /// to a few hundred.
    #[test]
    fn prior_columns_read_as_their_sorted_values_do() {
        let rank_sorted = |s: &[f64], v: f64| {
            if s.is_empty() || v.is_nan() {
                return f64::NAN;
            }
            let below = s.partition_point(|&x| x < v);
            let not_above = s.partition_point(|&x| x <= v);
            100.0 * (below as f64 + (not_above - below) as f64 / 2.0) / s.len() as f64
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in 1..400usize {
            let pick = next() % 4;
            let column: Vec<f64> = (0..n)
                .map(|_| match pick {
                    0 => (next() % 1000) as f64 / 7.0,
                    1 => [-0.0, 0.0, 1.5, -2.0][(next() % 4) as usize],
                    2 => [3.0, 8.0][(next() % 2) as usize],
                    _ => [f64::NEG_INFINITY, 1.0, f64::NAN, 2.0][(next() % 4) as usize],
                })
                .collect();
            let s = sorted(&column);
            let c = PriorColumn::new(column.clone());
            let want = [0.05, 0.5, 0.95].map(|q| percentile(&s, q));
            assert_eq!(
                c.percentiles.map(f64::to_bits),
                want.map(f64::to_bits),
                "n {n}"
            );
            let two = s
                .first()
                .zip(s.last())
                .filter(|(lo, hi)| lo < hi && s.iter().all(|x| x == *lo || x == *hi))
                .map(|(_, &hi)| hi);
            assert_eq!(c.two_values.map(|t| t.1), two, "n {n}");
            for &v in column.iter().chain(&[0.5, -1.0, 1e9]) {
                let (a, b) = (c.rank(v), rank_sorted(&s, v));
                assert!(a == b || (a.is_nan() && b.is_nan()), "n {n} v {v}");
            }
        }
    }
}
