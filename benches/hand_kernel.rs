//! ============================================================================
//! LIMIT REFERENCE — NOT PART OF THE PRODUCT.
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
//!   which is the xoshiro256++ stream costsim gives that site — so, with the same
//!   samplers, it draws exactly the values costsim draws;
//! - the same samplers: rand_distr's StandardNormal (ziggurat), Uniform and
//!   Triangular; PERT and beta(8, 3) as a ratio of two Marsaglia–Tsang gammas,
//!   gamma(2, ·) by Marsaglia–Tsang (costsim's `dist::scalar` algorithms, copied);
//!   lognormal = exp(mu + sigma·z); loguniform = exp(uniform(ln a, ln b));
//! - the same aggregation of the 4 outputs: `costsim::stats::Sketch` (DDSketch,
//!   α = 0.05%), `costsim::stats::Moments`, exact min/max, a finiteness check;
//! - rayon over chunks of 65,536, blocks of 256 lanes.
//!
//! What it does not do (and costsim does): per-chunk aggregates merged in chunk order
//! (here one accumulator per rayon fold, merged by reduce), progress reporting,
//! argument checks per draw, result files.
//!
//! Run: `cargo bench --bench hand_kernel -- [N] [THREADS] [SEED]`
//! (or the env vars HAND_N, HAND_THREADS, HAND_SEED; HAND_MODE=fused|blocked picks
//! the loop shape: fused, the default, is a few percent faster on this machine). Prints one JSON line on stdout: samples/second
//! and the p1 p5 p25 p50 p75 p95 p99 of capex, opex, tco, cost_per_gpu_hour.

use costsim::dist::GammaLarge; // Marsaglia–Tsang gamma, costsim's own sampler
use costsim::engine::site_rng;
use costsim::stats::{Moments, Sketch};
use rand_distr::{Distribution, StandardNormal, Triangular, Uniform};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

const CHUNK: u64 = 1 << 16;
const BLOCK: usize = 256;
/// The standard normal's 95th percentile.
const Z95: f64 = 1.644_853_626_951_472_2;
const INPUTS: usize = 20;
const OUTPUTS: [&str; 4] = ["capex", "opex", "tco", "cost_per_gpu_hour"];
const PERCENTILES: [f64; 7] = [1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0];

/// min + range · X/(X+Y): PERT (shape 4) and beta(a, b ≥ 1).
#[derive(Clone, Copy)]
struct BetaRatio {
    x: GammaLarge,
    y: GammaLarge,
    min: f64,
    range: f64,
}

impl BetaRatio {
    fn pert(min: f64, mode: f64, max: f64) -> BetaRatio {
        let range = max - min;
        BetaRatio {
            x: GammaLarge::new(1.0 + 4.0 * (mode - min) / range),
            y: GammaLarge::new(1.0 + 4.0 * (max - mode) / range),
            min,
            range,
        }
    }

    fn beta(a: f64, b: f64) -> BetaRatio {
        BetaRatio {
            x: GammaLarge::new(a),
            y: GammaLarge::new(b),
            min: 0.0,
            range: 1.0,
        }
    }

    #[inline(always)]
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        let (gx, gy) = (self.x.sample(rng), self.y.sample(rng));
        self.min + self.range * (gx / (gx + gy))
    }
}

/// A standard normal draw (rand_distr's ziggurat).
#[inline(always)]
fn z(rng: &mut Xoshiro256PlusPlus) -> f64 {
    StandardNormal.sample(rng)
}

/// exp(mu + sigma·z).
#[derive(Clone, Copy)]
struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    /// From the 5th and 95th percentiles (`A to B`).
    fn ci(p5: f64, p95: f64) -> LogNormal {
        let (a, b) = (p5.ln(), p95.ln());
        LogNormal {
            mu: (a + b) / 2.0,
            sigma: (b - a) / (2.0 * Z95),
        }
    }

    #[inline(always)]
    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        (self.mu + self.sigma * z).exp()
    }
}

/// The fleet model's inputs, in file order (the index is the site's stream).
struct Fleet {
    n_a: BetaRatio,
    n_b: BetaRatio,
    n_c: BetaRatio,
    n_d: BetaRatio,
    p_a: LogNormal,
    p_b: LogNormal,
    p_c: LogNormal,
    p_d: LogNormal,
    net: Uniform<f64>,
    life: Triangular<f64>,
    power_kw: (f64, f64),
    pue: BetaRatio,
    kwh_price: LogNormal,
    util: BetaRatio,
    staff: BetaRatio,
    pay: LogNormal,
    years: Uniform<f64>,
    ops_overhead: LogNormal,
    failures: (GammaLarge, f64),
    spares: Uniform<f64>,
}

impl Fleet {
    fn new() -> Fleet {
        Fleet {
            n_a: BetaRatio::pert(2048.0, 8000.0, 12000.0),
            n_b: BetaRatio::pert(0.0, 5000.0, 12000.0),
            n_c: BetaRatio::pert(0.0, 15000.0, 35000.0),
            n_d: BetaRatio::pert(9000.0, 11000.0, 12000.0),
            p_a: LogNormal::ci(30e3, 55e3),
            p_b: LogNormal::ci(30e3, 60e3),
            p_c: LogNormal::ci(12e3, 22e3),
            p_d: LogNormal::ci(12e3, 20e3),
            net: Uniform::new(1.10, 1.25).unwrap(),
            life: Triangular::new(3.0, 6.0, 4.0).unwrap(),
            power_kw: (1.2, 0.1),
            pue: BetaRatio::pert(1.15, 1.3, 1.6),
            kwh_price: LogNormal::ci(0.06, 0.12),
            util: BetaRatio::beta(8.0, 3.0),
            staff: BetaRatio::pert(120.0, 160.0, 220.0),
            pay: LogNormal::ci(60e3, 300e3),
            years: Uniform::new(3.0, 5.0).unwrap(),
            ops_overhead: LogNormal {
                mu: -1.5,
                sigma: 0.3,
            },
            failures: (GammaLarge::new(2.0), 0.01),
            spares: Uniform::new(0.01f64.ln(), 0.05f64.ln()).unwrap(),
        }
    }
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

#[inline(always)]
fn fill(
    out: &mut [f64],
    rng: &mut Xoshiro256PlusPlus,
    mut f: impl FnMut(&mut Xoshiro256PlusPlus) -> f64,
) {
    for o in out {
        *o = f(rng);
    }
}

/// Column by column over a block, like costsim's tape but with every loop written out.
fn chunk_blocked(m: &Fleet, seed: u64, c: u64, samples: u64, aggs: &mut Aggs) {
    let mut r: [Xoshiro256PlusPlus; INPUTS] =
        std::array::from_fn(|k| site_rng(seed, c, (k as u64) << 20));
    let mut x = [[0.0f64; BLOCK]; INPUTS];
    let mut out = [[0.0f64; BLOCK]; 4];
    let (first, end) = (c * CHUNK, ((c + 1) * CHUNK).min(samples));
    let mut at = first;
    while at < end {
        let n = ((end - at) as usize).min(BLOCK);
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
        ] = &mut x;
        let [
            r0,
            r1,
            r2,
            r3,
            r4,
            r5,
            r6,
            r7,
            r8,
            r9,
            r10,
            r11,
            r12,
            r13,
            r14,
            r15,
            r16,
            r17,
            r18,
            r19,
        ] = &mut r;
        fill(&mut n_a[..n], r0, |g| m.n_a.sample(g));
        fill(&mut n_b[..n], r1, |g| m.n_b.sample(g));
        fill(&mut n_c[..n], r2, |g| m.n_c.sample(g));
        fill(&mut n_d[..n], r3, |g| m.n_d.sample(g));
        fill(&mut p_a[..n], r4, |g| m.p_a.sample(g));
        fill(&mut p_b[..n], r5, |g| m.p_b.sample(g));
        fill(&mut p_c[..n], r6, |g| m.p_c.sample(g));
        fill(&mut p_d[..n], r7, |g| m.p_d.sample(g));
        fill(&mut net[..n], r8, |g| m.net.sample(g));
        fill(&mut life[..n], r9, |g| m.life.sample(g));
        black_box(&life[..n]); // an input no formula uses: drawn all the same, as costsim does
        let (mean, sd) = m.power_kw;
        fill(&mut power_kw[..n], r10, |g| mean + sd * z(g));
        fill(&mut pue[..n], r11, |g| m.pue.sample(g));
        fill(&mut kwh_price[..n], r12, |g| m.kwh_price.sample(g));
        fill(&mut util[..n], r13, |g| m.util.sample(g));
        fill(&mut staff[..n], r14, |g| m.staff.sample(g));
        fill(&mut pay[..n], r15, |g| m.pay.sample(g));
        fill(&mut years[..n], r16, |g| m.years.sample(g));
        fill(&mut ops_overhead[..n], r17, |g| m.ops_overhead.sample(g));
        let (gamma, scale) = m.failures;
        fill(&mut failures[..n], r18, |g| gamma.sample(g) * scale);
        fill(&mut spares[..n], r19, |g| m.spares.sample(g).exp());

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

/// Sample by sample: every input drawn and every formula evaluated in one loop body.
fn chunk_fused(m: &Fleet, seed: u64, c: u64, samples: u64, aggs: &mut Aggs) {
    let mut r: [Xoshiro256PlusPlus; INPUTS] =
        std::array::from_fn(|k| site_rng(seed, c, (k as u64) << 20));
    let mut out = [[0.0f64; BLOCK]; 4];
    let mut life_sum = 0.0;
    let (first, end) = (c * CHUNK, ((c + 1) * CHUNK).min(samples));
    let mut at = first;
    while at < end {
        let n = ((end - at) as usize).min(BLOCK);
        let [capex, opex, tco, per_hour] = &mut out;
        for i in 0..n {
            let n_a = m.n_a.sample(&mut r[0]);
            let n_b = m.n_b.sample(&mut r[1]);
            let n_c = m.n_c.sample(&mut r[2]);
            let n_d = m.n_d.sample(&mut r[3]);
            let p_a = m.p_a.sample(&mut r[4]);
            let p_b = m.p_b.sample(&mut r[5]);
            let p_c = m.p_c.sample(&mut r[6]);
            let p_d = m.p_d.sample(&mut r[7]);
            let net = m.net.sample(&mut r[8]);
            life_sum += m.life.sample(&mut r[9]);
            let power_kw = m.power_kw.0 + m.power_kw.1 * z(&mut r[10]);
            let pue = m.pue.sample(&mut r[11]);
            let kwh_price = m.kwh_price.sample(&mut r[12]);
            let util = m.util.sample(&mut r[13]);
            let staff = m.staff.sample(&mut r[14]);
            let pay = m.pay.sample(&mut r[15]);
            let years = m.years.sample(&mut r[16]);
            let ops_overhead = m.ops_overhead.sample(&mut r[17]);
            let failures = m.failures.0.sample(&mut r[18]) * m.failures.1;
            let spares = m.spares.sample(&mut r[19]).exp();

            let gpus = n_a + n_b + n_c + n_d;
            let cap = (n_a * p_a + n_b * p_b + n_c * p_c + n_d * p_d) * net * (1.0 + spares);
            let hours = gpus * 8766.0 * years * util;
            let energy = hours * power_kw * pue * kwh_price;
            let people = staff * pay * years;
            let repair = cap * failures * years;
            let op = energy + people + repair + energy * ops_overhead;
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
    black_box(life_sum);
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
    let mode = std::env::var("HAND_MODE").unwrap_or_else(|_| "fused".into());
    let kernel = match mode.as_str() {
        "blocked" => chunk_blocked,
        "fused" => chunk_fused,
        other => panic!("HAND_MODE is blocked or fused, got {other}"),
    };

    let start = Instant::now();
    let model = Fleet::new();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let aggs = pool.install(|| {
        (0..samples.div_ceil(CHUNK))
            .into_par_iter()
            .fold(new_aggs, |mut aggs, c| {
                kernel(&model, seed, c, samples, &mut aggs);
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
        "{{\"tool\": \"hand_kernel\", \"mode\": \"{mode}\", \"samples\": {samples}, \
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
        "hand_kernel ({mode}): {samples} samples on {threads} threads in {seconds:.3} s = {:.3e} samples/s",
        samples as f64 / seconds
    );
}
