//! ============================================================================
//! ENGINE-SAMPLER KERNEL — NOT PART OF THE PRODUCT, AND NOT THE LIMIT.
//!
//! It calls costsim's own samplers (`engine::fill`) and statistics, so "costsim takes
//! N x this kernel" measures the engine's overhead over its own samplers (the tape,
//! the chunk merges), not the distance to what the machine can do: that is what the
//! independent kernels measure (benches/indep_fleet.rs, benches/indep_serving.rs,
//! which share no code with costsim; benches/peers/limit.sh).
//! ============================================================================
//!
//! A hand-specialised Rust kernel of the fleet benchmark model (benches/fleet.toml):
//! the model's 20 inputs and 10 formulas written out as plain loops, with no
//! parsing, no tape and no interpretation. It exists only to measure how far
//! costsim's interpreter is from what a hand-written program can do on the same
//! machine ("costsim within 1.2x of the hand kernel" is a target; see
//! benches/peers/RESULTS.md). If you change fleet.toml, change this file too.
//!
//! It does the same work as `costsim run benches/fleet.toml`:
//! - the same random streams: chunk i of 65,536 samples, input number k of the file
//!   (0-based, file order) draws from `costsim::engine::site_rng(seed, i, k << 20)`,
//!   which is the lane stream costsim gives that site — so, with the same samplers,
//!   it draws exactly the values costsim draws;
//! - the same samplers, called directly as the engine calls them:
//!   `costsim::engine::fill` (the block samplers — ziggurat normals, table-rejection
//!   PERT and beta, Marsaglia–Tsang gamma, inverse-CDF uniform, triangular and
//!   loguniform, block `exp` — compiled for the CPU's best instruction set);
//! - the same aggregation of the 4 outputs: `costsim::stats::Sketch` (DDSketch,
//!   α = 0.05%), `costsim::stats::Moments`, exact min/max, a finiteness check;
//! - rayon over chunks of 65,536, blocks of 256 lanes, column by column, with the
//!   block compiled for AVX2 when the CPU has it (as costsim's kernel is).
//!
//! What it does not do (and costsim does): interpret a tape (every formula is written
//! out, the 20 inputs are fixed), per-chunk aggregates merged in chunk order (here one
//! accumulator per rayon fold, merged by reduce), progress reporting, argument checks
//! per draw, result files.
//!
//! Run: `cargo bench --bench hand_kernel -- [N] [THREADS] [SEED]`
//! (or the env vars HAND_N, HAND_THREADS, HAND_SEED). Prints one JSON line on stdout:
//! samples/second and the p1 p5 p25 p50 p75 p95 p99 of capex, opex, tco,
//! cost_per_gpu_hour.

use costsim::dist::lanes::LaneRng;
use costsim::dist::{DistKind, Scalar};
use costsim::engine::site_rng;
use costsim::stats::{Moments, Sketch};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

const CHUNK: u64 = 1 << 16;
const BLOCK: usize = 256;
const INPUTS: usize = 20;
const OUTPUTS: [&str; 4] = ["capex", "opex", "tco", "cost_per_gpu_hour"];
const PERCENTILES: [f64; 7] = [1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0];

/// The fleet model's 20 inputs in file order (the index is the site's stream), as
/// costsim's samplers; constant arguments, so PERT and beta get their tables.
fn inputs() -> [Scalar; INPUTS] {
    use DistKind as K;
    let cases: [(K, &[f64]); INPUTS] = [
        (K::Pert, &[2048.0, 8000.0, 12000.0]),
        (K::Pert, &[0.0, 5000.0, 12000.0]),
        (K::Pert, &[0.0, 15000.0, 35000.0]),
        (K::Pert, &[9000.0, 11000.0, 12000.0]),
        (K::LogNormalCi, &[30e3, 55e3]),
        (K::LogNormalCi, &[30e3, 60e3]),
        (K::LogNormalCi, &[12e3, 22e3]),
        (K::LogNormalCi, &[12e3, 20e3]),
        (K::Uniform, &[1.10, 1.25]),
        (K::Triangular, &[3.0, 4.0, 6.0]),
        (K::Normal, &[1.2, 0.1]),
        (K::Pert, &[1.15, 1.3, 1.6]),
        (K::LogNormalCi, &[0.06, 0.12]),
        (K::Beta, &[8.0, 3.0]),
        (K::Pert, &[120.0, 160.0, 220.0]),
        (K::LogNormalCi, &[60e3, 300e3]),
        (K::Uniform, &[3.0, 5.0]),
        (K::LogNormal, &[-1.5, 0.3]),
        (K::Gamma, &[2.0, 0.01]),
        (K::LogUniform, &[0.01, 0.05]),
    ];
    cases.map(|(kind, args)| Scalar::new(kind, args).expect("valid").tabulated(true))
}

/// One output's aggregate: what costsim keeps per tracked param (without claims).
#[derive(Clone, Default)]
struct Agg {
    sketch: Sketch,
    moments: Moments,
    min: f64,
    max: f64,
    nonfinite: u64,
}

impl Agg {
    fn new() -> Agg {
        Agg {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            ..Agg::default()
        }
    }

    #[inline]
    fn observe(&mut self, xs: &[f64]) {
        if xs.iter().all(|x| x.is_finite()) {
            self.finite(xs);
        } else {
            let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
            self.nonfinite += (xs.len() - finite.len()) as u64;
            self.finite(&finite);
        }
    }

    fn finite(&mut self, xs: &[f64]) {
        self.moments.add_block(xs);
        self.sketch.add_all(xs);
        self.min = xs.iter().copied().fold(self.min, f64::min);
        self.max = xs.iter().copied().fold(self.max, f64::max);
    }

    fn merge(mut self, o: &Agg) -> Agg {
        self.sketch.merge(&o.sketch);
        self.moments.merge(&o.moments);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.nonfinite += o.nonfinite;
        self
    }

    fn quantile(&self, q: f64) -> f64 {
        self.sketch
            .quantile(q)
            .map_or(f64::NAN, |v| v.clamp(self.min, self.max))
    }
}

type Aggs = [Agg; 4];

fn new_aggs() -> Aggs {
    std::array::from_fn(|_| Agg::new())
}

fn merge_aggs(a: Aggs, b: Aggs) -> Aggs {
    let [a0, a1, a2, a3] = a;
    [
        a0.merge(&b[0]),
        a1.merge(&b[1]),
        a2.merge(&b[2]),
        a3.merge(&b[3]),
    ]
}

/// One chunk, block by block, compiled for the CPU's best instruction set.
fn chunk(m: &[Scalar; INPUTS], seed: u64, c: u64, samples: u64, aggs: &mut Aggs) {
    #[cfg(target_arch = "x86_64")]
    if costsim::simd::level().has_avx2() {
        // SAFETY: the level includes AVX2 only when the CPU has it.
        return unsafe { chunk_avx2(m, seed, c, samples, aggs) };
    }
    chunk_any(m, seed, c, samples, aggs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn chunk_avx2(m: &[Scalar; INPUTS], seed: u64, c: u64, samples: u64, aggs: &mut Aggs) {
    chunk_any(m, seed, c, samples, aggs)
}

/// Column by column over a block, like costsim's tape but with every loop written out.
#[inline(always)]
fn chunk_any(m: &[Scalar; INPUTS], seed: u64, c: u64, samples: u64, aggs: &mut Aggs) {
    let mut r: [LaneRng; INPUTS] = std::array::from_fn(|k| site_rng(seed, c, (k as u64) << 20));
    let mut x = [[0.0f64; BLOCK]; INPUTS];
    let mut out = [[0.0f64; BLOCK]; 4];
    let (first, end) = (c * CHUNK, ((c + 1) * CHUNK).min(samples));
    let mut at = first;
    while at < end {
        let n = ((end - at) as usize).min(BLOCK);
        for ((dist, rng), column) in m.iter().zip(&mut r).zip(&mut x) {
            costsim::engine::fill(dist, rng, &mut column[..n]);
        }
        let [
            n_a,
            n_b,
            n_c,
            n_d,
            p_a,
            p_b,
            p_c,
            p_d,
            net,
            life,
            power_kw,
            pue,
            kwh_price,
            util,
            staff,
            pay,
            years,
            ops_overhead,
            failures,
            spares,
        ] = &x;
        black_box(&life[..n]); // an input no formula uses: drawn all the same, as costsim does
        let [capex, opex, tco, per_hour] = &mut out;
        for i in 0..n {
            let gpus = n_a[i] + n_b[i] + n_c[i] + n_d[i];
            let cap = (n_a[i] * p_a[i] + n_b[i] * p_b[i] + n_c[i] * p_c[i] + n_d[i] * p_d[i])
                * net[i]
                * (1.0 + spares[i]);
            let hours = gpus * 8766.0 * years[i] * util[i];
            let energy = hours * power_kw[i] * pue[i] * kwh_price[i];
            let people = staff[i] * pay[i] * years[i];
            let repair = cap * failures[i] * years[i];
            let op = energy + people + repair + energy * ops_overhead[i];
            let t = cap + op;
            capex[i] = cap;
            opex[i] = op;
            tco[i] = t;
            per_hour[i] = t / hours;
        }
        for (agg, o) in aggs.iter_mut().zip(&out) {
            agg.observe(&o[..n]);
        }
        at += n as u64;
    }
}

/// The k-th argument that is not a flag (cargo bench passes `--bench`), else the env var.
fn arg(k: usize, env: &str) -> Option<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .nth(k)
        .or_else(|| std::env::var(env).ok())
}

fn parse_count(s: &str) -> u64 {
    let s = s.replace('_', "");
    s.parse::<u64>()
        .ok()
        .or_else(|| s.parse::<f64>().ok().map(|v| v as u64))
        .unwrap_or_else(|| panic!("not a sample count: {s}"))
}

fn main() {
    let samples = arg(0, "HAND_N").map_or(10_000_000, |s| parse_count(&s));
    let threads = arg(1, "HAND_THREADS").map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |s| s.parse().expect("THREADS is a number"),
    );
    let seed = arg(2, "HAND_SEED").map_or(1, |s| s.parse().expect("SEED is a number"));

    let start = Instant::now();
    let model = inputs();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let aggs = pool.install(|| {
        (0..samples.div_ceil(CHUNK))
            .into_par_iter()
            .fold(new_aggs, |mut aggs, c| {
                chunk(&model, seed, c, samples, &mut aggs);
                aggs
            })
            .reduce(new_aggs, merge_aggs)
    });
    let quantiles: Vec<Vec<f64>> = aggs
        .iter()
        .map(|a| PERCENTILES.iter().map(|p| a.quantile(p / 100.0)).collect())
        .collect();
    let seconds = start.elapsed().as_secs_f64();

    let mut json = format!(
        "{{\"tool\": \"hand_kernel\", \"samples\": {samples}, \
         \"threads\": {threads}, \"seed\": {seed}, \"seconds\": {seconds:.6}, \
         \"samples_per_second\": {:.1}, \"percentiles\": {{",
        samples as f64 / seconds
    );
    for (k, (name, qs)) in OUTPUTS.iter().zip(&quantiles).enumerate() {
        let fields: Vec<String> = PERCENTILES
            .iter()
            .zip(qs)
            .map(|(p, v)| format!("\"p{p}\": {v:e}"))
            .collect();
        let sep = if k == 0 { "" } else { ", " };
        json += &format!("{sep}\"{name}\": {{{}}}", fields.join(", "));
    }
    json += "}, \"mean\": {";
    for (k, (name, a)) in OUTPUTS.iter().zip(&aggs).enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        json += &format!("{sep}\"{name}\": {:e}", a.moments.mean);
    }
    json += "}}";
    println!("{json}");
    eprintln!(
        "hand_kernel: {samples} samples on {threads} threads in {seconds:.3} s = {:.3e} samples/s",
        samples as f64 / seconds
    );
}
