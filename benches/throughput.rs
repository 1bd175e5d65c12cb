//! Criterion benches: whole-model throughput (samples/second) of the default model
//! and of the 20-input fleet model, on 1 and 2 threads; per-op throughput of each
//! sampler, of the tape's arithmetic and of sketch insertion; parse+compile time.
//!
//! Run: `cargo bench --bench throughput`. Figures go in BENCHMARKS.md.

use costsim::dist::lanes::LaneRng;
use costsim::dist::{DistKind, Scalar};
use costsim::error::Source;
use costsim::stats::Sketch;
use costsim::{engine, model, plan};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const DEFAULT: &str = include_str!("../priors/deepseek_v3.toml");
const FLEET: &str = include_str!("fleet.toml");

fn compile(name: &str, text: &str) -> plan::Plan {
    let source = Source {
        name: name.into(),
        text: text.into(),
    };
    plan::compile(&model::load(source, &[]).expect("valid model")).expect("compiles")
}

fn throughput(c: &mut Criterion) {
    const SAMPLES: u64 = 1 << 20;
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SAMPLES));
    for (name, text) in [("deepseek_v3", DEFAULT), ("fleet", FLEET)] {
        let plan = compile(name, text);
        for threads in [1, 2] {
            group.bench_with_input(BenchmarkId::new(name, threads), &threads, |b, &t| {
                b.iter(|| engine::simulate(&plan, SAMPLES, 1, t, &|_| {}).expect("runs"))
            });
        }
    }
    group.finish();
}

/// Values per per-op iteration: sixteen of the engine's blocks.
const LANES: usize = 4096;

fn samplers(c: &mut Criterion) {
    let cases: [(&str, DistKind, &[f64]); 12] = [
        ("normal", DistKind::Normal, &[0.0, 1.0]),
        ("lognormal (A to B)", DistKind::LogNormalCi, &[1.0, 10.0]),
        ("uniform", DistKind::Uniform, &[0.0, 1.0]),
        ("loguniform", DistKind::LogUniform, &[0.01, 1.0]),
        ("triangular", DistKind::Triangular, &[3.0, 4.0, 6.0]),
        ("pert", DistKind::Pert, &[2048.0, 8000.0, 12000.0]),
        ("beta(8, 3)", DistKind::Beta, &[8.0, 3.0]),
        ("beta(0.5, 0.5)", DistKind::Beta, &[0.5, 0.5]),
        ("gamma(2, 1)", DistKind::Gamma, &[2.0, 1.0]),
        ("exponential", DistKind::Exponential, &[1.0]),
        ("poisson(4)", DistKind::Poisson, &[4.0]),
        ("bernoulli", DistKind::Bernoulli, &[0.3]),
    ];
    let mut group = c.benchmark_group("sampler");
    group.throughput(Throughput::Elements(LANES as u64));
    let mut out = vec![0.0; LANES];
    for (name, kind, args) in cases {
        let dist = Scalar::new(kind, args)
            .expect("valid arguments")
            .tabulated(true);
        let mut rng = LaneRng::from_u64(1);
        group.bench_function(name, |b| {
            b.iter(|| engine::fill(&dist, &mut rng, black_box(&mut out)))
        });
    }
    group.finish();
}

/// The tape's arithmetic: a model of one input and a chain of operators, minus the
/// same model without the chain, is the operators' cost (run both and subtract).
fn arithmetic(c: &mut Criterion) {
    const SAMPLES: u64 = 1 << 18;
    let mut group = c.benchmark_group("tape");
    group.throughput(Throughput::Elements(SAMPLES));
    let input = "[params]\nx = \"uniform(1, 2)\"\n";
    let chain = format!(
        "{input}y = \"((x * 3 + 1) / (x - 0.5)) ^ 2 - min(x, 1.5) + if(x > 1.2, x, -x)\"\n"
    );
    for (name, text) in [
        ("one uniform input", input.to_string()),
        ("input + 8 ops", chain),
    ] {
        let plan = compile(name, &text);
        group.bench_function(name, |b| {
            b.iter(|| engine::simulate(&plan, SAMPLES, 1, 1, &|_| {}).expect("runs"))
        });
    }
    group.finish();
}

fn sketch_insertion(c: &mut Criterion) {
    let mut rng = LaneRng::from_u64(2);
    let mut values = vec![0.0; LANES];
    Scalar::new(DistKind::LogNormalCi, &[1e6, 1e9])
        .expect("valid arguments")
        .fill(&mut rng, &mut values);
    let mut group = c.benchmark_group("sketch");
    group.throughput(Throughput::Elements(LANES as u64));
    group.bench_function("add_all (lognormal values)", |b| {
        let mut sketch = Sketch::new();
        b.iter(|| sketch.add_all(black_box(&values)))
    });
    group.finish();
}

fn parse_and_compile(c: &mut Criterion) {
    c.bench_function("parse+compile deepseek_v3", |b| {
        b.iter(|| compile("deepseek_v3", black_box(DEFAULT)))
    });
}

criterion_group!(
    benches,
    throughput,
    samplers,
    arithmetic,
    sketch_insertion,
    parse_and_compile
);
criterion_main!(benches);
