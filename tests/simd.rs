//! The instruction-set levels give bit-identical results (crate::simd): the same
//! models run with COSTSIM_SIMD=baseline and with AVX2 write byte-identical result
//! files. Run in subprocesses, since the level is fixed once per process.

use assert_cmd::Command;
use std::path::Path;

const MODELS: [&str; 3] = [
    "benches/fleet.toml",
    "priors/deepseek_v3.toml",
    "tests/data/correlated.toml",
];
const FILES: [&str; 3] = ["summary.csv", "claims.csv", "sensitivity.csv"];

fn run(model: &str, level: &str, out: &Path) {
    Command::cargo_bin("costsim")
        .unwrap()
        .env("COSTSIM_SIMD", level)
        .args([
            "run",
            model,
            "-n",
            "300000",
            "--seed",
            "5",
            "--no-charts",
            "-q",
        ])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn every_level_gives_the_same_bits() {
    if costsim::simd::best() != costsim::simd::Level::Avx2 {
        eprintln!("this CPU has no AVX2: only the baseline level exists here");
        return;
    }
    for model in MODELS {
        let (base, avx2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        run(model, "baseline", base.path());
        run(model, "avx2", avx2.path());
        for file in FILES {
            let a = std::fs::read(base.path().join(file)).unwrap_or_default();
            let b = std::fs::read(avx2.path().join(file)).unwrap_or_default();
            assert!(!a.is_empty() || file == "claims.csv", "{model}: no {file}");
            assert_eq!(a, b, "{model}: {file} differs between baseline and avx2");
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
        err.contains("COSTSIM_SIMD=\"avx9\" is not a level: use auto, baseline or avx2"),
        "{err}"
    );
}
