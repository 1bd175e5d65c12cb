//! ============================================================================
//! INDEPENDENT LIMIT KERNEL OF benches/serving.toml — NOT PART OF THE PRODUCT.
//! ============================================================================
//!
//! The serving model's 18 inputs and 11 formulas as one fused loop per block of 256
//! samples, with its own random streams, samplers, sketch and moments
//! (benches/indep/mod.rs): nothing from costsim. Its percentiles agree with costsim's
//! within the sketch's error plus Monte Carlo error (benches/peers/compare.py checks
//! it), but not bit for bit: the random streams differ.
//!
//! Run: `cargo bench --bench indep_serving -- [N] [THREADS] [SEED]` (or HAND_N,
//! HAND_THREADS, HAND_SEED). Prints one JSON line: samples/second, the p1 p5 p25 p50
//! p75 p95 p99, mean, sd, min and max of each output. Deterministic for any THREADS.

#![allow(clippy::needless_range_loop)]

mod indep;

use indep::{BLOCK, ChunkSums, Lanes};

const K: usize = 6;
const OUTPUTS: [&str; K] = [
    "gpus",
    "capex",
    "opex",
    "tco",
    "annual_cost",
    "cost_per_mtok",
];

type Acc = indep::Acc<K>;

#[inline(always)]
fn chunk_body(
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    let mut r: Vec<Lanes> = (0..18).map(|k| Lanes::new(seed, c, k)).collect();
    let mut v = [[0.0f64; BLOCK]; 18];
    let mut out = [[0.0f64; BLOCK]; K];
    let mut done = 0;
    while done < n {
        let m = (n - done).min(BLOCK);
        // Inputs, in the file's order.
        indep::lognormal_ci(&mut r[0], 2e9, 20e9, &mut v[0]); // tokens_per_day
        indep::lognormal_ci(&mut r[1], 1500.0, 4000.0, &mut v[1]); // throughput
        indep::lognormal_ci(&mut r[2], 25e3, 40e3, &mut v[2]); // gpu_price
        indep::lognormal_ci(&mut r[3], 0.05, 0.15, &mut v[3]); // kwh_price
        indep::lognormal_ci(&mut r[4], 150e3, 400e3, &mut v[4]); // engineer_cost
        indep::lognormal_ci(&mut r[5], 0.01, 0.05, &mut v[5]); // egress_price
        indep::lognormal_ci(&mut r[6], 200.0, 2000.0, &mut v[6]); // storage_tb
        indep::normal(&mut r[7], 0.6, 0.08, &mut v[7]); // utilisation
        indep::normal(&mut r[8], 0.3, 0.1, &mut v[8]); // growth
        indep::normal(&mut r[9], 1.0, 0.08, &mut v[9]); // power_kw
        indep::uniform(&mut r[10], 1.1, 1.4, &mut v[10]); // pue
        indep::uniform(&mut r[11], 3.0, 5.0, &mut v[11]); // years
        indep::uniform(&mut r[12], 0.08, 0.15, &mut v[12]); // network_share
        indep::uniform(&mut r[13], 0.0, 0.25, &mut v[13]); // discount
        indep::uniform(&mut r[14], 8.0, 20.0, &mut v[14]); // engineers
        indep::uniform(&mut r[15], 15.0, 30.0, &mut v[15]); // storage_price
        indep::triangular(&mut r[16], 1.1, 1.3, 1.8, &mut v[16]); // headroom
        indep::triangular(&mut r[17], 0.5, 1.0, 3.0, &mut v[17]); // gb_per_mtok
        let [
            tpd,
            thr,
            gpu_price,
            kwh,
            eng_cost,
            egress_p,
            st_tb,
            util,
            growth,
            power,
            pue,
            years,
            net,
            disc,
            engs,
            st_price,
            headroom,
            gb,
        ] = &v;
        let [o_gpus, o_capex, o_opex, o_tco, o_annual, o_mtok] = &mut out;
        for i in 0..BLOCK {
            let gpus = tpd[i] * (1.0 + growth[i]) * headroom[i] / (thr[i] * 86400.0 * util[i]);
            let capex = gpus * gpu_price[i] * (1.0 + net[i]) * (1.0 - disc[i]);
            let energy = gpus * power[i] * pue[i] * 8766.0 * years[i] * kwh[i];
            let people = engs[i] * eng_cost[i] * years[i];
            let tokens_total = tpd[i] * 365.25 * years[i];
            let egress = tokens_total / 1e6 * gb[i] * egress_p[i];
            let storage = st_tb[i] * st_price[i] * 12.0 * years[i];
            let opex = energy + people + egress + storage;
            let tco = capex + opex;
            o_gpus[i] = gpus;
            o_capex[i] = capex;
            o_opex[i] = opex;
            o_tco[i] = tco;
            o_annual[i] = tco / years[i];
            o_mtok[i] = tco / tokens_total * 1e6;
        }
        indep::observe(acc, sums, bad, &out, m);
        done += m;
    }
}

#[target_feature(enable = "avx2,fma")]
fn chunk_avx2(
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    chunk_body(seed, c, n, acc, sums, bad)
}

fn chunk_plain(
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    chunk_body(seed, c, n, acc, sums, bad)
}

fn main() {
    indep::micro();
    let seed = indep::seed();
    let avx2 =
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
    indep::run("indep_serving", OUTPUTS, |c, n, acc, sums, bad| {
        if avx2 {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            unsafe { chunk_avx2(seed, c, n, acc, sums, bad) }
        } else {
            chunk_plain(seed, c, n, acc, sums, bad)
        }
    });
}
