//! ============================================================================
//! INDEPENDENT LIMIT KERNEL OF benches/fleet.toml — NOT PART OF THE PRODUCT.
//! ============================================================================
//!
//! The fleet model's 20 inputs and 10 formulas as one fused loop per block of 256
//! samples, with its own random streams, samplers, sketch and moments
//! (benches/indep/mod.rs): nothing from costsim. Every input but three is drawn from a
//! tabulated inverse CDF built at start-up ([`indep::InvCdf`]: one random word, two
//! table loads and an interpolation per value) — the six PERTs, beta(8, 3), gamma(2),
//! the normal, the seven lognormals and the loguniform; the two uniforms are a
//! multiply-add of a word, and the input `life`, which no formula uses, is drawn
//! (by its inverse CDF, a square root) because costsim draws it too.
//!
//! Run: `cargo bench --bench indep_fleet -- [N] [THREADS] [SEED]` (or HAND_N,
//! HAND_THREADS, HAND_SEED). Prints one JSON line like benches/indep_serving.rs.
//! `INDEP_CHECK=1` first prints each table's worst relative error against the exact
//! quantile (on stderr).

#![allow(clippy::needless_range_loop)]

mod indep;

use indep::{BLOCK, ChunkSums, InvCdf, Lanes, NormalGrid};
use std::time::Instant;

const K: usize = 4;
const OUTPUTS: [&str; K] = ["capex", "opex", "tco", "cost_per_gpu_hour"];

type Acc = indep::Acc<K>;

/// (low, mode, high) of the six PERT inputs: n_a, n_b, n_c, n_d, pue, staff.
const PERTS: [(f64, f64, f64); 6] = [
    (2048.0, 8000.0, 12000.0),
    (0.0, 5000.0, 12000.0),
    (0.0, 15000.0, 35000.0),
    (9000.0, 11000.0, 12000.0),
    (1.15, 1.3, 1.6),
    (120.0, 160.0, 220.0),
];
/// (5th, 95th percentile) of the `a to b` lognormals: p_a, p_b, p_c, p_d, kwh_price, pay.
const CIS: [(f64, f64); 6] = [
    (30e3, 55e3),
    (30e3, 60e3),
    (12e3, 22e3),
    (12e3, 20e3),
    (0.06, 0.12),
    (60e3, 300e3),
];
const UTIL: (f64, f64) = (8.0, 3.0);
const POWER: (f64, f64) = (1.2, 0.1);
const OPS: (f64, f64) = (-1.5, 0.3);
const FAILURES_SCALE: f64 = 0.01;
const SPARES: (f64, f64) = (0.01, 0.05);

/// The inputs' tables, built once (the same for any thread count).
struct Tables {
    pert: Vec<InvCdf>,
    ci: Vec<InvCdf>,
    util: InvCdf,
    power: InvCdf,
    ops: InvCdf,
    failures: InvCdf,
    spares: InvCdf,
}

impl Tables {
    /// Built on `threads` threads (the run's own): nine independent jobs — the
    /// standard normal's grid and the eight tables made from it, each beta, and the
    /// gamma with the loguniform — dealt round-robin.
    fn new(threads: usize) -> Tables {
        const JOBS: usize = 9;
        let job = |j: usize| -> Vec<(usize, InvCdf)> {
            // Table numbers: PERTs 0..6, lognormal_ci 6..12, then util, power, ops,
            // failures, spares.
            match j {
                0 => {
                    let g = NormalGrid::new();
                    let mut v: Vec<(usize, InvCdf)> = CIS
                        .iter()
                        .enumerate()
                        .map(|(k, &(a, b))| (6 + k, g.lognormal_ci(a, b)))
                        .collect();
                    v.push((13, g.normal(POWER.0, POWER.1)));
                    v.push((14, g.lognormal(OPS.0, OPS.1)));
                    v
                }
                1..=6 => {
                    let (a, m, b) = PERTS[j - 1];
                    vec![(j - 1, indep::pert_table(a, m, b))]
                }
                7 => vec![(12, indep::beta_table(UTIL.0, UTIL.1, 0.0, 1.0))],
                _ => vec![
                    (15, indep::gamma2_table(FAILURES_SCALE)),
                    (16, indep::loguniform_table(SPARES.0, SPARES.1)),
                ],
            }
        };
        let threads = threads.clamp(1, JOBS);
        let mut slots: Vec<Option<InvCdf>> = (0..17).map(|_| None).collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    s.spawn(move || (t..JOBS).step_by(threads).flat_map(job).collect::<Vec<_>>())
                })
                .collect();
            for h in handles {
                for (k, t) in h.join().expect("a table thread") {
                    slots[k] = Some(t);
                }
            }
        });
        let mut it = slots.into_iter().map(|t| t.expect("every table"));
        let mut next = || it.next().expect("17 tables");
        Tables {
            pert: (0..6).map(|_| next()).collect(),
            ci: (0..6).map(|_| next()).collect(),
            util: next(),
            power: next(),
            ops: next(),
            failures: next(),
            spares: next(),
        }
    }

    /// Each table's worst relative error against the exact quantile, on stderr.
    fn check(&self) {
        let z = NormalGrid::exact;
        let report = |name: &str, e: f64| eprintln!("{name:>14}: worst relative error {e:.2e}");
        for (k, (t, &(a, m, b))) in self.pert.iter().zip(&PERTS).enumerate() {
            let (al, be) = (1.0 + 4.0 * (m - a) / (b - a), 1.0 + 4.0 * (b - m) / (b - a));
            let e = t.check(|up, v| a + (b - a) * indep::beta_exact(al, be, up, v));
            report(&format!("pert {k}"), e);
        }
        for (k, (t, &(a, b))) in self.ci.iter().zip(&CIS).enumerate() {
            let (mu, s) = indep::lognormal_ci_params(a, b);
            report(
                &format!("lognormal {k}"),
                t.check(|up, v| (mu + s * z(up, v)).exp()),
            );
        }
        report(
            "beta(8, 3)",
            self.util
                .check(|up, v| indep::beta_exact(UTIL.0, UTIL.1, up, v)),
        );
        report(
            "normal",
            self.power.check(|up, v| POWER.0 + POWER.1 * z(up, v)),
        );
        report(
            "ops lognormal",
            self.ops.check(|up, v| (OPS.0 + OPS.1 * z(up, v)).exp()),
        );
        report(
            "gamma(2)",
            self.failures
                .check(|up, v| FAILURES_SCALE * indep::gamma2_exact(up, v)),
        );
        let (la, lb) = (SPARES.0.ln(), SPARES.1.ln());
        report(
            "loguniform",
            self.spares.check(|up, v| {
                let u = if up { 1.0 - v } else { v };
                (la + u * (lb - la)).exp()
            }),
        );
    }
}

#[inline(always)]
fn chunk_body<const W512: bool>(
    t: &Tables,
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    let mut r: Vec<Lanes> = (0..20).map(|k| Lanes::new(seed, c, k)).collect();
    let draw = |table: &InvCdf, rng: &mut Lanes, out: &mut [f64; BLOCK]| {
        if W512 {
            table.sample512(rng, out)
        } else {
            table.sample(rng, out)
        }
    };
    let mut v = [[0.0f64; BLOCK]; 20];
    let mut out = [[0.0f64; BLOCK]; K];
    let mut done = 0;
    while done < n {
        let m = (n - done).min(BLOCK);
        draw(&t.pert[0], &mut r[0], &mut v[0]); // n_a
        draw(&t.pert[1], &mut r[1], &mut v[1]); // n_b
        draw(&t.pert[2], &mut r[2], &mut v[2]); // n_c
        draw(&t.pert[3], &mut r[3], &mut v[3]); // n_d
        draw(&t.ci[0], &mut r[4], &mut v[4]); // p_a
        draw(&t.ci[1], &mut r[5], &mut v[5]); // p_b
        draw(&t.ci[2], &mut r[6], &mut v[6]); // p_c
        draw(&t.ci[3], &mut r[7], &mut v[7]); // p_d
        indep::uniform(&mut r[8], 1.10, 1.25, &mut v[8]); // net
        indep::triangular(&mut r[9], 3.0, 4.0, 6.0, &mut v[9]); // life (unused)
        draw(&t.power, &mut r[10], &mut v[10]); // power_kw
        draw(&t.pert[4], &mut r[11], &mut v[11]); // pue
        draw(&t.ci[4], &mut r[12], &mut v[12]); // kwh_price
        draw(&t.util, &mut r[13], &mut v[13]); // util
        draw(&t.pert[5], &mut r[14], &mut v[14]); // staff
        draw(&t.ci[5], &mut r[15], &mut v[15]); // pay
        indep::uniform(&mut r[16], 3.0, 5.0, &mut v[16]); // years
        draw(&t.ops, &mut r[17], &mut v[17]); // ops_overhead
        draw(&t.failures, &mut r[18], &mut v[18]); // failures
        draw(&t.spares, &mut r[19], &mut v[19]); // spares
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
            _life,
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
        ] = &v;
        let [o_capex, o_opex, o_tco, o_hour] = &mut out;
        for i in 0..BLOCK {
            let gpus = n_a[i] + n_b[i] + n_c[i] + n_d[i];
            let capex = (n_a[i] * p_a[i] + n_b[i] * p_b[i] + n_c[i] * p_c[i] + n_d[i] * p_d[i])
                * net[i]
                * (1.0 + spares[i]);
            let hours = gpus * 8766.0 * years[i] * util[i];
            let energy = hours * power_kw[i] * pue[i] * kwh_price[i];
            let people = staff[i] * pay[i] * years[i];
            let repair = capex * failures[i] * years[i];
            let opex = energy + people + repair + energy * ops_overhead[i];
            let tco = capex + opex;
            o_capex[i] = capex;
            o_opex[i] = opex;
            o_tco[i] = tco;
            o_hour[i] = tco / hours;
        }
        indep::observe(acc, sums, bad, &out, m);
        done += m;
    }
}

#[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
fn chunk_avx512(
    t: &Tables,
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    chunk_body::<true>(t, seed, c, n, acc, sums, bad)
}

#[target_feature(enable = "avx2,fma")]
fn chunk_avx2(
    t: &Tables,
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    chunk_body::<false>(t, seed, c, n, acc, sums, bad)
}

fn chunk_plain(
    t: &Tables,
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    chunk_body::<false>(t, seed, c, n, acc, sums, bad)
}

fn main() {
    indep::micro();
    // The tables are part of the run: the reported time starts before them.
    let start = Instant::now();
    let seed = indep::seed();
    let tables = Tables::new(indep::threads());
    if std::env::var("INDEP_CHECK").is_ok() {
        eprintln!("tables built in {:.3} s", start.elapsed().as_secs_f64());
        tables.check();
    }
    let avx2 =
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    // INDEP_SIMD=avx2 keeps to AVX2 on an AVX-512 machine (the same bits either way).
    let avx512 = avx2
        && std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
        && std::env::var("INDEP_SIMD").map_or(true, |v| v != "avx2");
    indep::run_since(start, "indep_fleet", OUTPUTS, |c, n, acc, sums, bad| {
        if avx512 {
            // SAFETY: the CPU has AVX-512F/DQ, AVX2 and FMA (checked above).
            unsafe { chunk_avx512(&tables, seed, c, n, acc, sums, bad) }
        } else if avx2 {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            unsafe { chunk_avx2(&tables, seed, c, n, acc, sums, bad) }
        } else {
            chunk_plain(&tables, seed, c, n, acc, sums, bad)
        }
    });
}
