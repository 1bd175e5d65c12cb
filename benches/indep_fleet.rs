//! ============================================================================
//! INDEPENDENT LIMIT KERNEL OF benches/fleet.toml — NOT PART OF THE PRODUCT.
//! ============================================================================
//!
//! The fleet model's 20 inputs and 10 formulas as one fused loop per block of 256
//! samples, with its own random streams, samplers, sketch and moments
//! (benches/indep/mod.rs): nothing from costsim. PERT and beta are drawn the textbook
//! way, as a ratio of two Marsaglia–Tsang gammas (costsim uses table rejection); the
//! input `life`, which no formula uses, is drawn as costsim draws it.
//!
//! Run: `cargo bench --bench indep_fleet -- [N] [THREADS] [SEED]` (or HAND_N,
//! HAND_THREADS, HAND_SEED). Prints one JSON line like benches/indep_serving.rs.

#![allow(clippy::needless_range_loop)]

mod indep;

use indep::{BLOCK, BetaState, ChunkSums, GammaState, Lanes};

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

#[inline(always)]
fn chunk_body(
    seed: u64,
    c: u64,
    n: usize,
    acc: &mut Acc,
    sums: &mut [ChunkSums; K],
    bad: &mut u64,
) {
    let mut r: Vec<Lanes> = (0..20).map(|k| Lanes::new(seed, c, k)).collect();
    // PERT k and beta(8, 3) draw from their own pairs of gamma streams.
    let mut perts: Vec<BetaState> = PERTS
        .iter()
        .enumerate()
        .map(|(k, &(a, m, b))| indep::pert_state(a, m, b, seed, c, 100 + k as u64))
        .collect();
    let mut util_st = BetaState::new(8.0, 3.0, seed, c, 200);
    let mut failures_st = GammaState::new(2.0);
    let mut v = [[0.0f64; BLOCK]; 20];
    let mut out = [[0.0f64; BLOCK]; K];
    let mut done = 0;
    while done < n {
        let m = (n - done).min(BLOCK);
        let [ps0, ps1, ps2, ps3, ps4, ps5] = &mut perts[..] else {
            unreachable!()
        };
        indep::pert(ps0, PERTS[0].0, PERTS[0].2, &mut v[0]); // n_a
        indep::pert(ps1, PERTS[1].0, PERTS[1].2, &mut v[1]); // n_b
        indep::pert(ps2, PERTS[2].0, PERTS[2].2, &mut v[2]); // n_c
        indep::pert(ps3, PERTS[3].0, PERTS[3].2, &mut v[3]); // n_d
        indep::lognormal_ci(&mut r[4], 30e3, 55e3, &mut v[4]); // p_a
        indep::lognormal_ci(&mut r[5], 30e3, 60e3, &mut v[5]); // p_b
        indep::lognormal_ci(&mut r[6], 12e3, 22e3, &mut v[6]); // p_c
        indep::lognormal_ci(&mut r[7], 12e3, 20e3, &mut v[7]); // p_d
        indep::uniform(&mut r[8], 1.10, 1.25, &mut v[8]); // net
        indep::triangular(&mut r[9], 3.0, 4.0, 6.0, &mut v[9]); // life (unused)
        indep::normal(&mut r[10], 1.2, 0.1, &mut v[10]); // power_kw
        indep::pert(ps4, PERTS[4].0, PERTS[4].2, &mut v[11]); // pue
        indep::lognormal_ci(&mut r[12], 0.06, 0.12, &mut v[12]); // kwh_price
        indep::beta(&mut util_st, &mut v[13]); // util
        indep::pert(ps5, PERTS[5].0, PERTS[5].2, &mut v[14]); // staff
        indep::lognormal_ci(&mut r[15], 60e3, 300e3, &mut v[15]); // pay
        indep::uniform(&mut r[16], 3.0, 5.0, &mut v[16]); // years
        indep::lognormal(&mut r[17], -1.5, 0.3, &mut v[17]); // ops_overhead
        indep::gamma(&mut r[18], &mut failures_st, &mut v[18]); // failures (scale 0.01 below)
        indep::loguniform(&mut r[19], 0.01, 0.05, &mut v[19]); // spares
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
            let repair = capex * (failures[i] * 0.01) * years[i];
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
    indep::run("indep_fleet", OUTPUTS, |c, n, acc, sums, bad| {
        if avx2 {
            // SAFETY: the CPU has AVX2 and FMA (checked above).
            unsafe { chunk_avx2(seed, c, n, acc, sums, bad) }
        } else {
            chunk_plain(seed, c, n, acc, sums, bad)
        }
    });
}
