//! Selective sampling: the worlds where a test holds, collected in sample order.
//!
//! One streaming pass over chunks 0, 1, 2, … on the run's own streams: the chunks a
//! run of `samples` covers are cut exactly as the run cuts them, and further chunks
//! continue the same (seed, chunk) streams past the run. Every [`Filter`] sees every
//! chunk until it is satisfied; the pass stops when all are, or at the draw budget.
//! Chunks are computed in parallel batches but merged strictly in chunk order, and a
//! filter takes its rows in sample order, so the result is the same for any thread
//! count (a wall-clock limit, when one is set and binds, is the one exception).

use super::kernel::Registers;
use super::{BLOCK, CHUNK, CHUNKS_PER_THREAD, SampleError, block_of, each_block_in};
use crate::plan::{Op, Plan, Src};
use crate::stats::{Block, Tracked};
use rayon::prelude::*;
use std::time::{Duration, Instant};

/// Which worlds a filter accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Accept {
    /// Every world (a plain sample of the prior).
    All,
    /// The worlds where the value lies in [lo, hi].
    Window { src: Src, lo: f64, hi: f64 },
    /// The worlds where the value is nonzero and not NaN (a condition that holds).
    Nonzero(Src),
}

impl Accept {
    #[inline]
    fn test(self, regs: &Registers, lane: usize) -> bool {
        let value = |src: Src| match src {
            Src::Reg(r) => regs.get(r)[lane],
            Src::Const(v) => v,
        };
        match self {
            Accept::All => true,
            Accept::Window { src, lo, hi } => {
                let v = value(src);
                v >= lo && v <= hi
            }
            Accept::Nonzero(src) => {
                let v = value(src);
                v != 0.0 && !v.is_nan()
            }
        }
    }
}

/// One selection to make in the pass.
#[derive(Clone, Debug)]
pub struct Filter {
    pub accept: Accept,
    /// Model params whose values are kept for each accepted world.
    pub keep: Vec<usize>,
    /// Accepted worlds wanted: with `aggregate` off, the filter keeps exactly the first
    /// `want` and stops there (mid-chunk); with it on, it stops at the end of the chunk
    /// that brings it to `want`, and never before `min_draws` draws.
    pub want: u64,
    /// With `aggregate`, the draws to make whatever the acceptance (a run's samples).
    pub min_draws: u64,
    /// Rows to keep (at least `want` is sensible); with `aggregate`, the first ones.
    pub rows: u64,
    /// Aggregate every tracked param of the plan over the accepted worlds.
    pub aggregate: bool,
    /// Give up once even this many accepted worlds are out of reach within the
    /// budget (see [`out_of_reach`]); 0 never gives up. With [`SETTLE`] times this
    /// many accepted, also stop once `want` is out of reach (see [`gives_up`]).
    pub give_up_below: u64,
}

/// What a filter collected.
#[derive(Clone, Debug, Default)]
pub struct Selected {
    /// One column per `Filter::keep` param, the accepted worlds in sample order.
    pub rows: Vec<Vec<f64>>,
    /// Worlds accepted among those drawn.
    pub accepted: u64,
    /// Worlds drawn (tested) by this filter.
    pub drawn: u64,
    /// The tracked params over the accepted worlds (with `aggregate`).
    pub tracked: Vec<Tracked>,
    /// Whether it reached `want` (and `min_draws`) before the budget.
    pub satisfied: bool,
    /// It stopped early: `give_up_below` worlds were out of reach within the budget.
    pub gave_up: bool,
}

/// Where the pass may stop: a number of draws, and optionally a wall-clock limit.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub draws: u64,
    pub time: Option<Duration>,
}

/// What the pass did.
#[derive(Clone, Debug)]
pub struct Selection {
    pub filters: Vec<Selected>,
    /// Samples the pass evaluated (whole chunks: at least what any filter drew; a
    /// batch's chunks past the stop are computed but neither used nor counted).
    pub drawn: u64,
    /// The wall-clock limit stopped the pass (the result then depends on the machine).
    pub timed_out: bool,
}

/// Kept values a batch's chunks may hold at most (128 MB): each chunk keeps, per
/// filter, up to the rows that filter still wants × its kept params, so a batch of
/// 4 × threads chunks of claims keeping 8,000,000 values multiplied them (a 100-input
/// anatomy at K = 10^6 held 2.6 GB). A batch holds fewer chunks when they would pass
/// this (at least one). The results do not depend on it: chunks merge in chunk order.
const VALUES_IN_FLIGHT: u64 = 16_000_000;

/// A chunk's contribution to one filter.
#[derive(Default)]
struct Part {
    rows: Vec<Vec<f64>>,
    /// Global sample index of each kept row.
    at: Vec<u64>,
    accepted: u64,
    tracked: Vec<Tracked>,
}

/// The samples of chunk `c` in a pass continuing a run of `samples`: the run's own
/// cut for the chunks it covers, whole chunks after.
fn pass_range(c: u64, samples: u64) -> (u64, u64) {
    let first = c * CHUNK;
    let run_chunks = samples.div_ceil(CHUNK);
    let end = if c < run_chunks {
        (first + CHUNK).min(samples)
    } else {
        first + CHUNK
    };
    (first, end)
}

/// Runs the pass on `threads` threads.
pub fn select(
    plan: &Plan,
    filters: &[Filter],
    samples: u64,
    seed: u64,
    budget: Budget,
    threads: usize,
) -> Result<Selection, SampleError> {
    super::pool(threads).install(|| select_here(plan, filters, samples, seed, budget))
}

fn select_here(
    plan: &Plan,
    filters: &[Filter],
    samples: u64,
    seed: u64,
    budget: Budget,
) -> Result<Selection, SampleError> {
    let started = Instant::now();
    let mut out: Vec<Selected> = filters
        .iter()
        .map(|f| Selected {
            rows: vec![Vec::new(); f.keep.len()],
            tracked: if f.aggregate { fresh(plan) } else { Vec::new() },
            ..Selected::default()
        })
        .collect();
    let mut done: Vec<bool> = filters.iter().map(|f| satisfied(f, None)).collect();
    let most = (rayon::current_num_threads() * CHUNKS_PER_THREAD) as u64;
    let mut next = 0u64;
    let mut drawn = 0u64;
    let mut timed_out = false;
    // The tape for the filters still drawing, rebuilt when one is done.
    let mut tape: Option<(Vec<bool>, Plan)> = None;
    while done.iter().any(|d| !d) && drawn < budget.draws {
        if budget.time.is_some_and(|t| started.elapsed() >= t) {
            timed_out = true;
            break;
        }
        // The rows each filter may still keep: a chunk keeps no more (what a filter
        // takes from a chunk is within them), and the batch holds as many chunks as
        // their values allow.
        let room: Vec<u64> = filters
            .iter()
            .zip(&out)
            .zip(&done)
            .map(|((f, s), &d)| {
                let kept = s.rows.first().map_or(0, |c| c.len() as u64);
                if d { 0 } else { f.rows.saturating_sub(kept) }
            })
            .collect();
        let per_chunk: u64 = filters
            .iter()
            .zip(&room)
            .map(|(f, &r)| r.min(CHUNK) * f.keep.len() as u64)
            .sum();
        let batch = (VALUES_IN_FLIGHT / per_chunk.max(1))
            .min(chunks_to_go(
                filters,
                &out,
                &done,
                rayon::current_num_threads() as u64,
            ))
            .clamp(1, most);
        // The chunks of this batch that fit in the budget.
        let mut chunks = Vec::new();
        let mut planned = drawn;
        while (chunks.len() as u64) < batch && planned < budget.draws {
            let (a, b) = pass_range(next, samples);
            chunks.push(next);
            planned += b - a;
            next += 1;
        }
        if tape.as_ref().is_none_or(|(for_done, _)| *for_done != done) {
            tape = Some((done.clone(), pruned(plan, filters, &done)));
        }
        let (active, tape_plan) = tape.as_ref().expect("just set");
        let parts: Vec<Result<Vec<Part>, SampleError>> = chunks
            .par_iter()
            .map_init(
                || Registers::new(tape_plan),
                |regs, &c| run_chunk(tape_plan, filters, active, &room, c, samples, seed, regs),
            )
            .collect();
        for (&c, part) in chunks.iter().zip(parts) {
            let part = part?;
            let (first, end) = pass_range(c, samples);
            for (k, (f, p)) in filters.iter().zip(part).enumerate() {
                if done[k] {
                    continue;
                }
                merge(f, &mut out[k], p, first, end);
                done[k] = satisfied(f, Some(&out[k]));
                let left = budget.draws.saturating_sub(drawn + (end - first));
                if !done[k] && gives_up(f, &out[k], left) {
                    out[k].gave_up = true;
                    done[k] = true;
                }
            }
            drawn += end - first;
            if done.iter().all(|d| *d) {
                break;
            }
        }
    }
    for (s, f) in out.iter_mut().zip(filters) {
        s.satisfied = satisfied(f, Some(s));
    }
    Ok(Selection {
        filters: out,
        drawn,
        timed_out,
    })
}

/// About how many more chunks the filters still drawing need, from each one's rate
/// so far, rounded up to a multiple of `threads`: a batch of [`CHUNKS_PER_THREAD`]
/// per thread past the last world wanted was computed for nothing (a default run's
/// claims drew 35 chunks in batches of 8: 40). u64::MAX while a filter has no rate
/// (nothing accepted) or aggregates. The results do not depend on it: the pass takes
/// chunks in order, however they are batched.
fn chunks_to_go(filters: &[Filter], out: &[Selected], done: &[bool], threads: u64) -> u64 {
    let mut most = 0u64;
    for ((f, s), _) in filters.iter().zip(out).zip(done).filter(|(_, d)| !**d) {
        if f.aggregate || s.accepted == 0 {
            return u64::MAX;
        }
        let left = f.want.saturating_sub(s.accepted) as f64 * s.drawn as f64 / s.accepted as f64;
        most = most.max((left / CHUNK as f64).ceil() as u64 + 1);
    }
    let threads = threads.max(1);
    most.div_ceil(threads).saturating_mul(threads)
}

/// The plan with only the ops the filters still drawing need: what they test, keep
/// and aggregate, and what that is computed from. Every site draws from its own
/// stream (`site_rng`), so leaving a site's op out changes no other site's draws:
/// the kept values are exactly the full tape's.
fn pruned(plan: &Plan, filters: &[Filter], done: &[bool]) -> Plan {
    let mut needed = vec![false; plan.n_regs];
    let need = |s: Src, needed: &mut Vec<bool>| {
        if let Src::Reg(r) = s {
            needed[r as usize] = true;
        }
    };
    for (f, _) in filters.iter().zip(done).filter(|(_, d)| !**d) {
        if let Accept::Window { src, .. } | Accept::Nonzero(src) = f.accept {
            need(src, &mut needed);
        }
        for &p in &f.keep {
            need(plan.params[p], &mut needed);
        }
        if f.aggregate {
            plan.tracked.iter().for_each(|t| need(t.src, &mut needed));
        }
    }
    let mut keep = vec![false; plan.ops.len()];
    for (k, op) in plan.ops.iter().enumerate().rev() {
        let writes = match op {
            Op::Copula { dsts, .. } => dsts.iter().any(|&r| needed[r as usize]),
            _ => op.dst().is_some_and(|r| needed[r as usize]),
        };
        if writes {
            keep[k] = true;
            operands(op).into_iter().for_each(|s| need(s, &mut needed));
        }
    }
    let mut out = plan.clone();
    out.ops = plan
        .ops
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(op, _)| op.clone())
        .collect();
    out
}

/// The registers and constants an op reads.
fn operands(op: &Op) -> Vec<Src> {
    match op {
        Op::Sample { .. } | Op::Truncated { .. } | Op::Copula { .. } | Op::Column { .. } => {
            Vec::new()
        }
        Op::SampleArgs { args, .. } => args.clone(),
        Op::TruncatedArgs { args, lo, hi, .. } => args.iter().copied().chain([*lo, *hi]).collect(),
        Op::Choose { items, .. } => items.clone(),
        Op::Unary { a, .. } => vec![Src::Reg(*a)],
        Op::Binary { a, b, .. } => vec![*a, *b],
        Op::Select { c, a, b, .. } => vec![*c, *a, *b],
    }
}

fn fresh(plan: &Plan) -> Vec<Tracked> {
    plan.tracked
        .iter()
        .map(|t| Tracked::new(&t.claim_values))
        .collect()
}

/// Whether a filter has what it wants (`have`: its result so far, if any).
fn satisfied(f: &Filter, have: Option<&Selected>) -> bool {
    let (accepted, drawn) = have.map_or((0, 0), |s| (s.accepted, s.drawn));
    if f.aggregate {
        accepted >= f.want && drawn >= f.min_draws
    } else {
        accepted >= f.want
    }
}

/// With this many times `give_up_below` accepted worlds, a filter whose `want` is out
/// of reach stops with what it has.
pub const SETTLE: u64 = 10;

/// Whether a filter stops drawing before its budget: even `give_up_below` worlds are
/// out of reach (nothing to read), or it has [`SETTLE`] times that many and `want` is
/// out of reach — a claim so improbable that the rest of the budget (a 1e-5 window
/// took 1e9 draws, 45 s) would not bring K, so it settles for what it has.
fn gives_up(f: &Filter, s: &Selected, left: u64) -> bool {
    if f.give_up_below == 0 {
        return false;
    }
    out_of_reach(f.give_up_below, s, left)
        || (s.accepted >= SETTLE * f.give_up_below && out_of_reach(f.want, s, left))
}

/// Whether `target` accepted worlds are out of reach in `left` more draws, even at
/// a generous upper bound of the acceptance rate, (accepted + 3)/drawn (3/drawn is
/// the 95% upper bound when none was accepted). Decided at chunk boundaries from
/// counts merged in chunk order, so it is the same for any thread count.
fn out_of_reach(target: u64, s: &Selected, left: u64) -> bool {
    if target == 0 || s.accepted >= target || s.drawn == 0 {
        return false;
    }
    let rate = (s.accepted as f64 + 3.0) / s.drawn as f64;
    (target - s.accepted) as f64 / rate > left as f64
}

/// Folds a chunk's part (samples `first..end`) into a filter's result, in order.
fn merge(f: &Filter, s: &mut Selected, p: Part, first: u64, end: u64) {
    if f.aggregate {
        for (mine, theirs) in s.tracked.iter_mut().zip(&p.tracked) {
            mine.merge(theirs);
        }
        let room =
            f.rows
                .saturating_sub(s.rows.first().map_or(0, |c| c.len() as u64)) as usize;
        for (mine, theirs) in s.rows.iter_mut().zip(&p.rows) {
            mine.extend_from_slice(&theirs[..room.min(theirs.len())]);
        }
        s.accepted += p.accepted;
        s.drawn += end - first;
        return;
    }
    // Exactly the first `want` accepted worlds: cut inside the chunk if need be.
    let need = f.want.saturating_sub(s.accepted) as usize;
    if need > 0 && p.at.len() >= need {
        for (mine, theirs) in s.rows.iter_mut().zip(&p.rows) {
            mine.extend_from_slice(&theirs[..need]);
        }
        s.accepted += need as u64;
        s.drawn += p.at[need - 1] + 1 - first;
        return;
    }
    for (mine, theirs) in s.rows.iter_mut().zip(&p.rows) {
        mine.extend_from_slice(theirs);
    }
    s.accepted += p.accepted;
    s.drawn += end - first;
}

/// Evaluates chunk `c` once and tests every active filter on each of its worlds,
/// keeping at most `room[k]` rows for filter k.
#[allow(clippy::too_many_arguments)]
fn run_chunk(
    plan: &Plan,
    filters: &[Filter],
    done: &[bool],
    room: &[u64],
    c: u64,
    samples: u64,
    seed: u64,
    regs: &mut Registers,
) -> Result<Vec<Part>, SampleError> {
    let mut parts: Vec<Part> = filters
        .iter()
        .zip(done)
        .map(|(f, &d)| Part {
            rows: vec![Vec::new(); if d { 0 } else { f.keep.len() }],
            tracked: if f.aggregate && !d {
                fresh(plan)
            } else {
                Vec::new()
            },
            ..Part::default()
        })
        .collect();
    let mut lanes: Vec<usize> = Vec::with_capacity(BLOCK);
    let mut gathered: Vec<f64> = Vec::with_capacity(BLOCK);
    let (first, end) = pass_range(c, samples);
    each_block_in(plan, c, first, end, seed, &[], regs, |regs, at, n| {
        for (((f, p), &d), &most) in filters.iter().zip(parts.iter_mut()).zip(done).zip(room) {
            if d {
                continue;
            }
            lanes.clear();
            lanes.extend((0..n).filter(|&i| f.accept.test(regs, i)));
            if lanes.is_empty() {
                continue;
            }
            p.accepted += lanes.len() as u64;
            if f.aggregate {
                for (t, agg) in plan.tracked.iter().zip(p.tracked.iter_mut()) {
                    gathered.clear();
                    match block_of(regs, t.src, n) {
                        Block::Values(xs) => gathered.extend(lanes.iter().map(|&i| xs[i])),
                        Block::Constant(v, _) => gathered.extend(lanes.iter().map(|_| v)),
                    }
                    agg.observe(Block::Values(&gathered), at + lanes[0] as u64);
                }
            }
            let room = (most.saturating_sub(p.at.len() as u64) as usize).min(lanes.len());
            if room == 0 {
                continue;
            }
            for (column, &q) in p.rows.iter_mut().zip(&f.keep) {
                match block_of(regs, plan.params[q], n) {
                    Block::Values(xs) => column.extend(lanes[..room].iter().map(|&i| xs[i])),
                    Block::Constant(v, _) => column.extend(std::iter::repeat_n(v, room)),
                }
            }
            p.at.extend(lanes[..room].iter().map(|&i| at + i as u64));
        }
        true
    })?;
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pass_cuts_the_run_as_the_run_does_then_continues() {
        assert_eq!(pass_range(0, 10), (0, 10));
        assert_eq!(pass_range(1, 10), (CHUNK, 2 * CHUNK));
        assert_eq!(pass_range(0, CHUNK), (0, CHUNK));
        assert_eq!(pass_range(1, CHUNK + 5), (CHUNK, CHUNK + 5));
    }

    #[test]
    fn a_target_is_out_of_reach_only_beyond_a_generous_rate() {
        let s = |accepted, drawn| Selected {
            accepted,
            drawn,
            ..Selected::default()
        };
        // None in 1e6: at most 3e-6 per draw, so 100 need 3.3e7 more draws.
        assert!(out_of_reach(100, &s(0, 1_000_000), 30_000_000));
        assert!(!out_of_reach(100, &s(0, 1_000_000), 40_000_000));
        assert!(!out_of_reach(100, &s(100, 1_000_000), 0));
        assert!(!out_of_reach(0, &s(0, 1_000_000), 0));
    }

    #[test]
    fn an_improbable_target_settles_for_what_it_has_once_it_has_enough() {
        let f = |give_up_below| Filter {
            accept: Accept::All,
            keep: vec![],
            want: 10_000,
            min_draws: 0,
            rows: 10_000,
            aggregate: false,
            give_up_below,
        };
        let s = |accepted, drawn| Selected {
            accepted,
            drawn,
            ..Selected::default()
        };
        // 1,000 in 166M (6e-6): K = 10,000 would take 1.5e9 more draws, not in 834M.
        assert!(gives_up(&f(100), &s(1_000, 166_000_000), 834_000_000));
        // Fewer than SETTLE × 100 accepted: it keeps drawing.
        assert!(!gives_up(&f(100), &s(999, 166_000_000), 834_000_000));
        // Reachable: it keeps drawing.
        assert!(!gives_up(&f(100), &s(1_000, 166_000_000), 2_000_000_000));
        // Never, when the filter never gives up.
        assert!(!gives_up(&f(0), &s(1_000, 166_000_000), 834_000_000));
        // Nothing in reach at all: as before.
        assert!(gives_up(&f(100), &s(0, 1_000_000), 30_000_000));
    }
}
