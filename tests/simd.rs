//! The instruction-set levels give bit-identical results (crate::simd): the same
//! models run with COSTSIM_SIMD=baseline, avx2 and avx512 (those the CPU has) write
//! byte-identical result files. Run in subprocesses, since the level is fixed once
//! per process.

use assert_cmd::Command;
use std::path::Path;

const MODELS: [&str; 3] = [
    "benches/fleet.toml",
    "priors/deepseek_v3.toml",
    "tests/data/correlated.toml",
];
const FILES: [&str; 4] = [
    "summary.csv",
    "claims.csv",
    "sensitivity.csv",
    "anatomy.csv",
];

fn run(model: &str, level: &str, out: &Path) {
    Command::cargo_bin("costsim")
        .unwrap()
        .env("COSTSIM_SIMD", level)
        .args([
            "run",
            model,
            "-n",
            "150000",
            "--seed",
            "5",
            "--no-charts",
            "--no-swing",
            "--anatomy-rows",
            "500",
            "-q",
        ])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn every_level_gives_the_same_bits() {
    use costsim::simd::{Level, best};
    let levels: Vec<&str> = [(Level::Avx2, "avx2"), (Level::Avx512, "avx512")]
        .into_iter()
        .filter(|(level, _)| *level <= best())
        .map(|(_, name)| name)
        .collect();
    if levels.is_empty() {
        eprintln!("this CPU has no AVX2: only the baseline level exists here");
    }
    for model in MODELS {
        let base = tempfile::tempdir().unwrap();
        run(model, "baseline", base.path());
        for level in &levels {
            let other = tempfile::tempdir().unwrap();
            run(model, level, other.path());
            for file in FILES {
                let a = std::fs::read(base.path().join(file)).unwrap_or_default();
                let b = std::fs::read(other.path().join(file)).unwrap_or_default();
                let optional = file == "claims.csv" || file == "anatomy.csv";
                assert!(!a.is_empty() || optional, "{model}: no {file}");
                assert_eq!(a, b, "{model}: {file} differs between baseline and {level}");
            }
        }
    }
}

#[test]
fn an_unknown_level_is_a_usage_error() {
    let assert = Command::cargo_bin("costsim")
        .unwrap()
        .env("COSTSIM_SIMD", "avx9")
        .args(["check", "benches/fleet.toml"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        err.contains("COSTSIM_SIMD=\"avx9\" is not a level: use auto, baseline, avx2 or avx512"),
        "{err}"
    );
}
