//! The parallel Monte Carlo run.
//!
//! Samples are cut into chunks of [`CHUNK`]; chunk i draws from its own xoshiro256++
//! stream seeded from (seed, i) through SplitMix64, so what a sample sees never
//! depends on which thread ran it. Chunks run in parallel in batches; each batch's
//! aggregates are merged in chunk order. Memory is one batch of chunk aggregates,
//! whatever the sample count.

mod kernel;

pub use kernel::{BLOCK, SampleError};

use crate::plan::{Plan, Src};
use crate::stats::{Aggregates, Block, Tracked};
use kernel::{Registers, eval_block};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Samples per chunk: the unit of parallel work and of RNG streams.
pub const CHUNK: u64 = 1 << 16;

/// How many chunks a batch holds per thread: enough to balance, few enough to bound
/// memory.
const CHUNKS_PER_THREAD: usize = 4;

/// The RNG stream of one chunk.
pub fn chunk_rng(seed: u64, chunk: u64) -> Xoshiro256PlusPlus {
    let mut state = seed ^ chunk.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut key = [0u8; 32];
    for word in key.chunks_exact_mut(8) {
        word.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(key)
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let chunks = samples.div_ceil(CHUNK);
    let batch = (threads * CHUNKS_PER_THREAD) as u64;
    let mut total = Aggregates::default();
    let mut start = 0;
    while start < chunks {
        let end = (start + batch).min(chunks);
        let parts: Vec<Result<Aggregates, SampleError>> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|c| run_chunk(plan, c, samples, seed))
                .collect()
        });
        // In chunk order: the first error is the one of the lowest sample.
        for part in parts {
            total.merge(&part?);
        }
        progress(end.saturating_mul(CHUNK).min(samples));
        start = end;
    }
    Ok(total)
}

/// The samples of chunk `c`, as a range of global indices.
fn chunk_range(c: u64, samples: u64) -> (u64, u64) {
    let first = c * CHUNK;
    (first, (first + CHUNK).min(samples))
}

fn run_chunk(plan: &Plan, c: u64, samples: u64, seed: u64) -> Result<Aggregates, SampleError> {
    let (first, end) = chunk_range(c, samples);
    let mut rng = chunk_rng(seed, c);
    let mut regs = Registers::new(plan);
    let mut tracked: Vec<Tracked> = plan
        .tracked
        .iter()
        .map(|t| Tracked::new(&t.claim_values))
        .collect();
    let mut at = first;
    while at < end {
        let n = ((end - at) as usize).min(BLOCK);
        eval_block(plan, &mut regs, &mut rng, n, at)?;
        for (t, agg) in plan.tracked.iter().zip(&mut tracked) {
            let block = match t.src {
                Src::Reg(r) => Block::Values(&regs.get(r)[..n]),
                Src::Const(v) => Block::Constant(v, n),
            };
            agg.observe(block, at);
        }
        at += n as u64;
    }
    Ok(Aggregates {
        tracked,
        samples: end - first,
    })
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
    let c = sample / CHUNK;
    let (first, end) = chunk_range(c, samples);
    let mut rng = chunk_rng(seed, c);
    let mut regs = Registers::new(plan);
    let mut at = first;
    while at < end {
        let n = ((end - at) as usize).min(BLOCK);
        eval_block(plan, &mut regs, &mut rng, n, at).ok()?;
        if (at..at + n as u64).contains(&sample) {
            let lane = (sample - at) as usize;
            return order.iter().copied().find(|&p| match plan.params[p] {
                Src::Reg(r) => !regs.get(r)[lane].is_finite(),
                Src::Const(v) => !v.is_finite(),
            });
        }
        at += n as u64;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_streams_differ_and_repeat() {
        use rand::Rng;
        let a = chunk_rng(1, 0).next_u64();
        assert_eq!(a, chunk_rng(1, 0).next_u64());
        assert_ne!(a, chunk_rng(1, 1).next_u64());
        assert_ne!(a, chunk_rng(2, 0).next_u64());
    }
}
