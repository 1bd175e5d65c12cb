//! The parallel Monte Carlo run.
//!
//! Samples are cut into chunks of [`CHUNK`]; in chunk i, distribution site s draws
//! from its own stream (eight xoshiro256++ lanes, `dist::lanes`) seeded from (seed, i, s) through SplitMix64, so
//! what a sample sees never depends on which thread ran it — and holding one input
//! fixed (a sweep, a swing tornado) leaves every other input's draws unchanged:
//! common random numbers. Chunks run in parallel in batches; each batch's
//! aggregates are merged in chunk order, the moments along a fixed tree over chunk
//! indices (`stats::dyadic`), so that shards of a run merge into the same bits.
//! Memory is one batch of chunk aggregates, whatever the sample count.

mod kernel;
pub mod select;

pub use kernel::{BLOCK, SampleError, fill};

use crate::dist::lanes::LaneRng;
use crate::plan::{Plan, Src};
use crate::stats::{Aggregates, Block, Partial, Sketch, Tracked};
use kernel::{Registers, eval_block};
use rayon::prelude::*;

/// Samples per chunk: the unit of parallel work and of RNG streams.
pub const CHUNK: u64 = 1 << 16;

/// How many chunks a batch holds per thread: enough to balance, few enough to bound
/// memory.
const CHUNKS_PER_THREAD: usize = 4;

/// Chunk aggregates × tracked params a batch may hold at most (each a sketch of tens
/// of KB): a model with thousands of outputs runs one chunk per thread at a time
/// (two batches are alive at once: one merging, one running). The results do not
/// depend on it (chunks merge along a fixed tree).
const TRACKED_CHUNKS_PER_THREAD: usize = 4096;

/// Chunks per thread in a batch of `plan`'s run.
fn chunks_per_thread(plan: &Plan) -> usize {
    (TRACKED_CHUNKS_PER_THREAD / plan.tracked.len().max(1)).clamp(1, CHUNKS_PER_THREAD)
}

/// The RNG stream of one distribution site (by its `Site::stream`) in one chunk:
/// eight xoshiro256++ lanes seeded through SplitMix64 from (seed, chunk, stream).
pub fn site_rng(seed: u64, chunk: u64, stream: u64) -> LaneRng {
    LaneRng::from_u64(
        seed ^ chunk.wrapping_mul(0xD1B5_4A32_D192_ED03)
            ^ (stream + 1).wrapping_mul(0x8CB9_2BA7_2F3D_8DD7),
    )
}

/// A pool of `threads` worker threads, for one command's parallel stage.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

/// Runs `samples` samples on `threads` threads; `progress` is told after each batch
/// how many samples are done.
pub fn simulate(
    plan: &Plan,
    samples: u64,
    seed: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregates, SampleError> {
    simulate_rows(plan, samples, seed, threads, 0, progress)
}

/// `simulate`, also keeping the first `rows` samples' values of the plan's
/// `row_params` (in sample order: the same rows for any thread count), for
/// sensitivity analysis and `--save-rows`. Memory grows with `rows`, not `samples`.
pub fn simulate_rows(
    plan: &Plan,
    samples: u64,
    seed: u64,
    threads: usize,
    rows: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregates, SampleError> {
    pool(threads).install(|| simulate_here(plan, samples, seed, rows, progress))
}

/// `simulate_rows` on the rayon pool it is called from (no pool of its own): for
/// callers that run many small simulations in parallel, such as the swing tornado.
/// (A pool per run would start OS threads per run, and glibc gives each new thread
/// its own malloc arena: a 2,000-input model's swing runs reached 2.5 GB that way.)
pub fn simulate_here(
    plan: &Plan,
    samples: u64,
    seed: u64,
    rows: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregates, SampleError> {
    simulate_columns_here(plan, &[], samples, seed, rows, progress)
}

/// `simulate_here` for a plan whose `Op::Column` params come from `columns` (each at
/// least `samples` long, indexed by sample): the same aggregates as a run that drew
/// those values itself.
pub fn simulate_columns_here(
    plan: &Plan,
    columns: &[&[f64]],
    samples: u64,
    seed: u64,
    rows: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregates, SampleError> {
    let chunks = samples.div_ceil(CHUNK);
    let partial = simulate_chunks(plan, columns, 0..chunks, samples, seed, rows, progress)?;
    Ok(partial.finish(chunks).expect("a run holds every chunk"))
}

/// The chunks `range` of a run of `samples`, on `threads` threads: one shard of a run
/// (`costsim run --shard`), whose partial aggregates merge with the other shards'
/// into exactly the whole run's. `progress` counts the shard's own samples.
pub fn simulate_shard(
    plan: &Plan,
    samples: u64,
    seed: u64,
    threads: usize,
    range: std::ops::Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Partial, SampleError> {
    pool(threads).install(|| simulate_chunks(plan, &[], range, samples, seed, 0, progress))
}

/// Runs chunks `range` (of a run of `samples`) on the current pool, keeping the first
/// `rows` samples' rows.
#[allow(clippy::too_many_arguments)]
fn simulate_chunks(
    plan: &Plan,
    columns: &[&[f64]],
    range: std::ops::Range<u64>,
    samples: u64,
    seed: u64,
    rows: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Partial, SampleError> {
    prepare(plan);
    let batch = (rayon::current_num_threads() * chunks_per_thread(plan)) as u64;
    let sketches = WorkerSketches::new(plan);
    let mut total = Partial::default();
    // The batch merged last, and the sample count it brings the shard to.
    let mut pending: Vec<Result<Aggregates, SampleError>> = Vec::new();
    let mut pending_at = range.start;
    let mut pending_done = 0;
    let mut start = range.start;
    let first_sample = range.start.saturating_mul(CHUNK).min(samples);
    // Batch k+1 is computed while batch k is merged into the total (on one worker,
    // which then joins the others): no core idles at a batch boundary. The merges
    // still run one batch after another, in chunk order.
    while start < range.end || !pending.is_empty() {
        let end = (start + batch).min(range.end);
        let earlier = std::mem::take(&mut pending);
        let (parts, merged) = rayon::join(
            || run_batch(plan, columns, start..end, samples, seed, rows, &sketches),
            || merge_in_order(&mut total, pending_at, earlier),
        );
        merged?;
        if pending_done > 0 {
            progress(pending_done);
        }
        pending = parts;
        pending_at = start;
        pending_done = end.saturating_mul(CHUNK).min(samples) - first_sample;
        start = end;
    }
    for worker in sketches.0 {
        total.add_sketches(worker.into_inner().unwrap_or_else(|e| e.into_inner()));
    }
    Ok(total)
}

/// Builds the plan's tabulated inverse CDFs in parallel (each is otherwise built by
/// the first chunk to draw from it, while the other workers wait).
fn prepare(plan: &Plan) {
    plan.ops.par_iter().for_each(|op| {
        if let crate::plan::Op::Sample { dist, .. } = op {
            dist.prepare();
        }
    });
}

/// One set of sketches (one per tracked param) per worker thread, into which the
/// worker counts every chunk it runs. Counts add exactly in any grouping, so the run's
/// sketches are the same for any thread count; and memory holds one sketch per output
/// per thread, however many chunks are in flight (a sketch spanning many decades
/// reaches megabytes). Only the moments, whose merge depends on grouping, travel
/// with each chunk to the fixed merge tree.
struct WorkerSketches(Vec<std::sync::Mutex<Vec<Sketch>>>);

impl WorkerSketches {
    fn new(plan: &Plan) -> WorkerSketches {
        let set = vec![Sketch::new(); plan.tracked.len()];
        WorkerSketches(
            (0..rayon::current_num_threads().max(1))
                .map(|_| std::sync::Mutex::new(set.clone()))
                .collect(),
        )
    }

    /// The current worker's set (a chunk never waits on another worker's).
    fn mine(&self) -> std::sync::MutexGuard<'_, Vec<Sketch>> {
        let k = rayon::current_thread_index().unwrap_or(0) % self.0.len();
        self.0[k].lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs chunks `range` in parallel; the results in chunk order.
fn run_batch(
    plan: &Plan,
    columns: &[&[f64]],
    range: std::ops::Range<u64>,
    samples: u64,
    seed: u64,
    rows: u64,
    sketches: &WorkerSketches,
) -> Vec<Result<Aggregates, SampleError>> {
    range
        .into_par_iter()
        .map_init(
            || Registers::new(plan),
            |regs, c| run_chunk(plan, columns, c, samples, seed, rows, regs, sketches),
        )
        .collect()
}

/// Adds a batch (chunks `first`, `first` + 1, ...) in chunk order: the first error is
/// the one of the lowest sample.
fn merge_in_order(
    total: &mut Partial,
    first: u64,
    parts: Vec<Result<Aggregates, SampleError>>,
) -> Result<(), SampleError> {
    for (c, part) in (first..).zip(parts) {
        total.add_chunk(c, part?).expect("each chunk is run once");
    }
    Ok(())
}

/// The samples of chunk `c`, as a range of global indices.
fn chunk_range(c: u64, samples: u64) -> (u64, u64) {
    let first = c * CHUNK;
    (first, (first + CHUNK).min(samples))
}

/// Evaluates chunk `c` block by block, handing each block's registers, first sample
/// index and lane count to `visit`; `visit` returning false stops early.
/// `regs` is scratch: every op writes its register before any op reads it, so one
/// set serves every chunk a worker runs (allocating per chunk costs page faults on
/// models with thousands of registers).
fn each_block(
    plan: &Plan,
    c: u64,
    samples: u64,
    seed: u64,
    columns: &[&[f64]],
    regs: &mut Registers,
    visit: impl FnMut(&Registers, u64, usize) -> bool,
) -> Result<(), SampleError> {
    let (first, end) = chunk_range(c, samples);
    each_block_in(plan, c, first, end, seed, columns, regs, visit)
}

/// `each_block` over samples `first..end` of chunk `c` (`first` its first sample;
/// `end` may pass the run's samples: the chunk's streams simply continue).
#[allow(clippy::too_many_arguments)]
fn each_block_in(
    plan: &Plan,
    c: u64,
    first: u64,
    end: u64,
    seed: u64,
    columns: &[&[f64]],
    regs: &mut Registers,
    mut visit: impl FnMut(&Registers, u64, usize) -> bool,
) -> Result<(), SampleError> {
    let mut rngs = chunk_rngs(plan, seed, c);
    let mut at = first;
    while at < end {
        let n = ((end - at) as usize).min(BLOCK);
        eval_block(plan, regs, &mut rngs, columns, n, at)?;
        if !visit(regs, at, n) {
            break;
        }
        at += n as u64;
    }
    Ok(())
}

/// The streams of chunk `c`: one per distribution site, and a spare so that a plan
/// with no site still has one.
fn chunk_rngs(plan: &Plan, seed: u64, c: u64) -> Vec<LaneRng> {
    plan.sites
        .iter()
        .map(|s| site_rng(seed, c, s.stream))
        .chain(std::iter::once(site_rng(seed, c, u64::MAX - 1)))
        .collect()
}

/// A param's values in a block.
#[inline(always)]
fn block_of<'r>(regs: &'r Registers, src: Src, n: usize) -> Block<'r> {
    match src {
        Src::Reg(r) => Block::Values(&regs.get(r)[..n]),
        Src::Const(v) => Block::Constant(v, n),
    }
}

/// Adds a block's tracked values to their aggregates, compiled for the CPU's best
/// instruction set (the same bits either way: crate::simd).
fn observe(plan: &Plan, tracked: &mut [Tracked], regs: &Registers, n: usize, at: u64) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::level().has_avx2() {
        // SAFETY: the level includes AVX2 only when the CPU has it.
        return unsafe { observe_avx2(plan, tracked, regs, n, at) };
    }
    observe_any(plan, tracked, regs, n, at)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn observe_avx2(plan: &Plan, tracked: &mut [Tracked], regs: &Registers, n: usize, at: u64) {
    observe_any(plan, tracked, regs, n, at)
}

#[inline(always)]
fn observe_any(plan: &Plan, tracked: &mut [Tracked], regs: &Registers, n: usize, at: u64) {
    for (t, agg) in plan.tracked.iter().zip(tracked) {
        agg.observe(block_of(regs, t.src, n), at);
    }
}

#[allow(clippy::too_many_arguments)]
fn run_chunk(
    plan: &Plan,
    columns_in: &[&[f64]],
    c: u64,
    samples: u64,
    seed: u64,
    rows: u64,
    regs: &mut Registers,
    sketches: &WorkerSketches,
) -> Result<Aggregates, SampleError> {
    let mut mine = sketches.mine();
    let mut tracked: Vec<Tracked> = plan
        .tracked
        .iter()
        .zip(mine.iter_mut())
        .map(|(t, sketch)| Tracked {
            // The values go into the worker's sketch (see WorkerSketches).
            sketch: std::mem::take(sketch),
            ..Tracked::new(&t.claim_values)
        })
        .collect();
    let (first, end) = chunk_range(c, samples);
    let keep = rows.min(end).saturating_sub(first) as usize;
    // The later chunks' rows are appended to the first chunk's (`Partial::add_chunk`):
    // room for all of them up front spares a regrowth that copied the first chunk's
    // rows (~22 MB for a default run) into freshly faulted pages.
    let room = if first == 0 {
        rows.min(samples) as usize
    } else {
        keep
    };
    let mut columns = columns_with_room(if keep > 0 { plan.row_params.len() } else { 0 }, room);
    let drawn = each_block(plan, c, samples, seed, columns_in, regs, |regs, at, n| {
        observe(plan, &mut tracked, regs, n, at);
        let lanes = (rows.saturating_sub(at) as usize).min(n);
        for (column, &p) in columns.iter_mut().zip(&plan.row_params) {
            extend(column, block_of(regs, plan.params[p], n), lanes);
        }
        true
    });
    for (t, sketch) in tracked.iter_mut().zip(mine.iter_mut()) {
        *sketch = std::mem::take(&mut t.sketch);
    }
    drawn?;
    Ok(Aggregates {
        tracked,
        samples: end - first,
        rows: columns,
    })
}

/// `n` empty columns with room for `room` values each (`vec![Vec::with_capacity(r); n]`
/// would clone the first, and a clone of an empty vector has no room: all but one
/// column grew by doubling, copying as they went).
fn columns_with_room(n: usize, room: usize) -> Vec<Vec<f64>> {
    (0..n).map(|_| Vec::with_capacity(room)).collect()
}

/// Appends the first `lanes` values of a block.
fn extend(column: &mut Vec<f64>, block: Block<'_>, lanes: usize) {
    match block {
        Block::Values(xs) => column.extend_from_slice(&xs[..lanes]),
        Block::Constant(v, _) => column.extend(std::iter::repeat_n(v, lanes)),
    }
}

/// The values of `params` in the first `samples` samples, one vector per param, in
/// sample order: exactly what a run of that many samples sees. Memory grows with
/// `samples`, so this is for tests and for saving a bounded number of rows.
pub fn draw_rows(
    plan: &Plan,
    samples: u64,
    seed: u64,
    params: &[usize],
) -> Result<Vec<Vec<f64>>, SampleError> {
    rows_of_run(plan, samples, seed, samples, params)
}

/// The rows a run of `samples` keeps when asked for `rows` (`simulate_rows`): the
/// first `rows` samples' values of `params`, drawn again (`costsim merge` finishes
/// a sharded run with them).
pub fn rows_of_run(
    plan: &Plan,
    samples: u64,
    seed: u64,
    rows: u64,
    params: &[usize],
) -> Result<Vec<Vec<f64>>, SampleError> {
    let rows = rows.min(samples) as usize;
    let mut out = columns_with_room(params.len(), rows);
    for slice in run_slices(plan, samples, seed, params, rows as u64) {
        for (all, part) in out.iter_mut().zip(slice?) {
            all.extend_from_slice(&part);
        }
        if out.first().is_none_or(|c| c.len() >= rows) {
            break;
        }
    }
    // The last slice may run past `rows`.
    out.iter_mut().for_each(|column| column.truncate(rows));
    Ok(out)
}

/// Values a slice of [`run_slices`] holds, about (8 MB).
const SLICE_VALUES: usize = 1 << 20;

/// The first `rows` samples' values of `params` in a run of `samples`, drawn again a
/// slice of rows at a time, in sample order (slices go on to the end of the chunk that
/// holds row `rows`: callers stop taking them once they have `rows`). A slice's rows shrink as the params grow (a whole 65,536-row chunk
/// of 2,000 params was 1 GB), so memory is about [`SLICE_VALUES`] whatever the
/// model, down to one block of rows.
pub fn run_slices<'p>(
    plan: &'p Plan,
    samples: u64,
    seed: u64,
    params: &'p [usize],
    rows: u64,
) -> impl Iterator<Item = Result<Vec<Vec<f64>>, SampleError>> + 'p {
    let slice = (SLICE_VALUES / params.len().max(1) / BLOCK).max(1) * BLOCK;
    let mut chunks = 0..rows.min(samples).div_ceil(CHUNK);
    let mut cursor: Option<RowCursor<'p>> = None;
    std::iter::from_fn(move || {
        loop {
            if let Some(rows) = cursor.as_mut().map(|c| c.next_rows(slice)) {
                match rows {
                    Ok(r) if r.first().is_some_and(|c| !c.is_empty()) => return Some(Ok(r)),
                    Ok(_) => cursor = None,
                    Err(e) => return Some(Err(e)),
                }
            }
            if params.is_empty() {
                return None;
            }
            let c = chunks.next()?;
            cursor = Some(RowCursor::new(plan, c, samples, seed, params));
        }
    })
}

/// Evaluates the plan over `n` samples whose `Op::Column` inputs come from
/// `columns` (each at least `n` long), on this thread (callers run many evaluations in
/// parallel), and returns every tracked param's values in sample order. For designs
/// (Sobol) where every input is provided.
pub fn evaluate_here(
    plan: &Plan,
    columns: &[&[f64]],
    n: u64,
    seed: u64,
) -> Result<Vec<Vec<f64>>, SampleError> {
    let mut regs = Registers::new(plan);
    let mut values = columns_with_room(plan.tracked.len(), n as usize);
    for c in 0..n.div_ceil(CHUNK) {
        for (all, chunk) in values
            .iter_mut()
            .zip(evaluate_chunk(plan, columns, c, n, seed, &mut regs)?)
        {
            all.extend(chunk);
        }
    }
    Ok(values)
}

/// Every tracked param's values over chunk `c` of an evaluation of `n` samples.
fn evaluate_chunk(
    plan: &Plan,
    columns: &[&[f64]],
    c: u64,
    n: u64,
    seed: u64,
    regs: &mut Registers,
) -> Result<Vec<Vec<f64>>, SampleError> {
    let mut out = vec![Vec::new(); plan.tracked.len()];
    each_block(plan, c, n, seed, columns, regs, |regs, _, lanes| {
        for (column, t) in out.iter_mut().zip(&plan.tracked) {
            extend(column, block_of(regs, t.src, lanes), lanes);
        }
        true
    })?;
    Ok(out)
}

/// Draws the rows of one chunk of a run a slice at a time: the values of `params` in
/// samples `first..` of chunk `c`, as the run draws them, without holding the whole
/// chunk (a Sobol design of thousands of inputs would hold 65,536 rows of each).
pub struct RowCursor<'p> {
    plan: &'p Plan,
    params: Vec<usize>,
    rngs: Vec<LaneRng>,
    regs: Registers,
    at: u64,
    end: u64,
}

impl<'p> RowCursor<'p> {
    /// Chunk `c` of a run of `samples` samples with `seed`.
    pub fn new(plan: &'p Plan, c: u64, samples: u64, seed: u64, params: &[usize]) -> RowCursor<'p> {
        let (first, end) = chunk_range(c, samples);
        RowCursor {
            plan,
            params: params.to_vec(),
            rngs: chunk_rngs(plan, seed, c),
            regs: Registers::new(plan),
            at: first,
            end,
        }
    }

    /// The next `rows` rows (fewer at the chunk's end; none past it), one vector per
    /// param. `rows` should be a multiple of the engine's block (256) so that slices
    /// meet blocks.
    pub fn next_rows(&mut self, rows: usize) -> Result<Vec<Vec<f64>>, SampleError> {
        let mut out = columns_with_room(self.params.len(), rows);
        let mut taken = 0;
        while self.at < self.end && taken < rows {
            let n = ((self.end - self.at) as usize).min(BLOCK);
            eval_block(self.plan, &mut self.regs, &mut self.rngs, &[], n, self.at)?;
            for (column, &p) in out.iter_mut().zip(&self.params) {
                extend(column, block_of(&self.regs, self.plan.params[p], n), n);
            }
            self.at += n as u64;
            taken += n;
        }
        Ok(out)
    }
}

/// Finds the first param (in dependency order) whose value is non-finite at sample
/// `sample`, by replaying that sample's chunk: the stream is deterministic, so the
/// replay sees the same values, and the hot path pays nothing for the diagnosis.
pub fn first_nonfinite_param(
    plan: &Plan,
    order: &[usize],
    samples: u64,
    seed: u64,
    sample: u64,
) -> Option<usize> {
    let mut found = None;
    let mut regs = Registers::new(plan);
    each_block(
        plan,
        sample / CHUNK,
        samples,
        seed,
        &[],
        &mut regs,
        |regs, at, n| {
            if !(at..at + n as u64).contains(&sample) {
                return true;
            }
            let lane = (sample - at) as usize;
            found = order
                .iter()
                .copied()
                .find(|&p| match block_of(regs, plan.params[p], n) {
                    Block::Values(xs) => !xs[lane].is_finite(),
                    Block::Constant(v, _) => !v.is_finite(),
                });
            false
        },
    )
    .ok()?;
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_streams_differ_and_repeat() {
        use rand::Rng;
        let a = site_rng(1, 0, 0).next_u64();
        assert_eq!(a, site_rng(1, 0, 0).next_u64());
        assert_ne!(a, site_rng(1, 1, 0).next_u64());
        assert_ne!(a, site_rng(2, 0, 0).next_u64());
        assert_ne!(a, site_rng(1, 0, 1).next_u64());
    }
}
