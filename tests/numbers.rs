//! Numbers against truth: closed-form outputs at 10^6 samples, and the default
//! model's arithmetic collapsed to each source's own point values.

mod common;

use common::{costsim, csv_rows, num};
use costsim::error::Source;
use costsim::report::summary::PERCENTILES;
use statrs::distribution::{Continuous, ContinuousCDF, LogNormal, Normal};

/// Runs a model file through the library and returns its summary.
fn summarise(path: &str, samples: u64, seed: u64) -> costsim::report::Summary {
    let text = std::fs::read_to_string(path).unwrap();
    let source = Source {
        name: path.into(),
        text,
    };
    let model = costsim::model::load(source, &[]).unwrap();
    let plan = costsim::plan::compile(&model).unwrap();
    let aggs = costsim::engine::simulate(&plan, samples, seed, 2, &|_| {}).unwrap();
    let facts = costsim::report::RunFacts {
        samples,
        seed,
        threads: 2,
        elapsed_seconds: 0.0,
        nonfinite_origins: vec![],
    };
    costsim::report::summarise(&model, &plan, &aggs, facts)
}

/// Every reported percentile within Monte Carlo tolerance of the exact quantile: four
/// standard errors of a sample quantile, sqrt(p(1-p)/n) / f(x_p), plus the sketch's
/// relative accuracy.
fn assert_percentiles<D: ContinuousCDF<f64, f64> + Continuous<f64, f64>>(
    name: &str,
    got: &[f64],
    exact: &D,
    n: u64,
) {
    for ((label, p), g) in PERCENTILES.iter().zip(got) {
        let x = exact.inverse_cdf(*p);
        let se = (p * (1.0 - p) / n as f64).sqrt() / exact.pdf(x);
        let tol = 4.0 * se + costsim::stats::sketch::RELATIVE_ACCURACY * x.abs();
        assert!(
            (g - x).abs() <= tol,
            "{name} {label}: got {g}, exact {x}, tolerance {tol}"
        );
    }
}

#[test]
fn closed_form_outputs_match_their_exact_distributions() {
    let n = 1_000_000;
    let s = summarise("tests/data/closed_form.toml", n, 2024);
    let product = LogNormal::new(1.5, 0.5).unwrap();
    assert_percentiles("product", &s.outputs[0].percentiles, &product, n);
    let total = Normal::new(6.0, 5.0).unwrap();
    assert_percentiles("total", &s.outputs[1].percentiles, &total, n);
    let sigma = (8f64.ln() - 2f64.ln()) / (2.0 * 1.6448536269514722);
    let scaled = LogNormal::new(4000f64.ln(), sigma).unwrap();
    assert_percentiles("scaled", &s.outputs[2].percentiles, &scaled, n);
    // Means and sds: exact values within 4 standard errors.
    let o = &s.outputs[1];
    assert!(
        (o.mean - 6.0).abs() < 4.0 * 5.0 / (n as f64).sqrt(),
        "mean {}",
        o.mean
    );
    assert!(
        (o.sd - 5.0).abs() < 4.0 * 5.0 / (2.0 * n as f64).sqrt(),
        "sd {}",
        o.sd
    );
    let lognormal_mean = (1.5f64 + 0.125).exp();
    assert!((s.outputs[0].mean / lognormal_mean - 1.0).abs() < 0.003);
}

#[test]
fn a_to_b_hits_its_fifth_and_ninety_fifth_percentiles() {
    let s = summarise("tests/data/closed_form.toml", 1_000_000, 99);
    let scaled = &s.outputs[2];
    let p5 = scaled.percentile("p5").unwrap();
    let p95 = scaled.percentile("p95").unwrap();
    assert!((p5 / 2000.0 - 1.0).abs() < 0.01, "p5 = {p5}");
    assert!((p95 / 8000.0 - 1.0).abs() < 0.01, "p95 = {p95}");
}

/// Runs the default model with a point-value overrides file; returns summary rows.
fn points(fixture: &str) -> Vec<std::collections::HashMap<String, String>> {
    let tmp = tempfile::tempdir().unwrap();
    let assert = costsim()
        .args([
            "run",
            "priors/deepseek_v3.toml",
            "-n",
            "1000",
            "-q",
            "-f",
            "csv",
        ])
        .args(["--set-file", fixture, "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    csv_rows(&String::from_utf8_lossy(&assert.get_output().stdout))
}

fn value(rows: &[std::collections::HashMap<String, String>], output: &str) -> f64 {
    let row = rows.iter().find(|r| r["output"] == output).unwrap();
    // A constant output: every statistic is the value itself.
    assert_eq!(num(row, "min"), num(row, "max"), "{output} is not constant");
    assert_eq!(num(row, "p50"), num(row, "mean"));
    num(row, "mean")
}

fn rel(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

#[test]
fn deepseek_report_points_reproduce_5_576_million_exactly() {
    let rows = points("tests/data/points_deepseek_report.toml");
    assert!(rel(value(&rows, "final_run_cost"), 5.576e6) < 1e-12);
    assert!(rel(value(&rows, "r1_cost"), 294e3) < 1e-12);
    assert!(rel(value(&rows, "final_runs_cost"), 5.87e6) < 1e-12);
}

#[test]
fn semianalysis_points_reproduce_their_totals() {
    let rows = points("tests/data/points_semianalysis.toml");
    assert!(rel(value(&rows, "fleet_gpus"), 60_000.0) < 1e-12);
    assert!(rel(value(&rows, "fleet_capex"), 1.6e9) < 1e-12);
    assert!(rel(value(&rows, "fleet_opex"), 944e6) < 1e-12);
    assert!(rel(value(&rows, "fleet_tco"), 2.544e9) < 1e-12);
    // The fact sheet: $1.21 per GPU-hour over 60k GPUs and 4 years.
    assert!((value(&rows, "fleet_tco_per_gpu_hour") - 1.2092).abs() < 1e-4);
}
