//! Criterion benches: whole-model throughput (samples/second) of the default model
//! and of the 20-input fleet model, on 1 and 2 threads, and parse+compile time.
//!
//! Run: `cargo bench --bench throughput`. Figures go in BENCHMARKS.md.

use costsim::error::Source;
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

fn parse_and_compile(c: &mut Criterion) {
    c.bench_function("parse+compile deepseek_v3", |b| {
        b.iter(|| compile("deepseek_v3", black_box(DEFAULT)))
    });
}

criterion_group!(benches, throughput, parse_and_compile);
criterion_main!(benches);
