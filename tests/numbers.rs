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

/// Runs `model` with a point-value overrides file and extra `--set`s; returns summary rows.
fn points(
    model: &str,
    fixture: &str,
    sets: &[&str],
) -> Vec<std::collections::HashMap<String, String>> {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = costsim();
    cmd.args(["run", model, "-n", "1000", "-q", "-f", "csv", "--no-charts"])
        .args(["--set-file", fixture, "--out"])
        .arg(tmp.path());
    for s in sets {
        cmd.args(["--set", s]);
    }
    let assert = cmd.assert().success();
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

/// Each view's own file and the default model, collapsed to the source's point values.
const DEEPSEEK_VIEWS: [&str; 2] = ["priors/deepseek_report.toml", "priors/deepseek_v3.toml"];
const SEMIANALYSIS_VIEWS: [&str; 2] = ["priors/semianalysis.toml", "priors/deepseek_v3.toml"];

#[test]
fn deepseek_report_points_reproduce_5_576_million_exactly() {
    for model in DEEPSEEK_VIEWS {
        let rows = points(model, "tests/data/points_deepseek_report.toml", &[]);
        assert!(
            rel(value(&rows, "final_run_cost"), 5.576e6) < 1e-12,
            "{model}"
        );
        assert!(rel(value(&rows, "r1_cost"), 294e3) < 1e-12, "{model}");
        assert!(
            rel(value(&rows, "final_runs_cost"), 5.87e6) < 1e-12,
            "{model}"
        );
    }
}

#[test]
fn semianalysis_points_reproduce_both_versions_of_their_totals() {
    for model in SEMIANALYSIS_VIEWS {
        let fixture = "tests/data/points_semianalysis.toml";
        let rows = points(model, fixture, &[]);
        assert!(rel(value(&rows, "fleet_gpus"), 60_000.0) < 1e-12, "{model}");
        assert!(rel(value(&rows, "fleet_capex"), 1.6e9) < 1e-12, "{model}");
        assert!(rel(value(&rows, "fleet_opex"), 944e6) < 1e-12, "{model}");
        assert!(rel(value(&rows, "fleet_tco"), 2.544e9) < 1e-12, "{model}");
        // The fact sheet: $1.21 per hour of every GPU over 60k GPUs and 4 years.
        assert!((value(&rows, "fleet_tco_per_gpu_hour") - 1.2092).abs() < 1e-4);
        // The first version (S33) is the same fleet without the H100 column.
        let first = points(model, fixture, &["n_h100=0"]);
        assert!(rel(value(&first, "fleet_capex"), 1.3e9) < 1e-12, "{model}");
        assert!(rel(value(&first, "fleet_opex"), 715e6) < 1e-12, "{model}");
    }
}

#[test]
fn gpu_hours_from_flops_equal_the_hand_calculation() {
    let rows = points(
        "priors/deepseek_v3.toml",
        "tests/data/points_deepseek_report.toml",
        &["mfu=0.35"],
    );
    // 6 x 37e9 activated parameters x 14.8e12 tokens over 989 TFLOP/s x 35% x 3600 s.
    let hand = 6.0 * 37e9 * 14.8e12 / (989e12 * 0.35 * 3600.0);
    assert!(rel(value(&rows, "v3_gpu_hours_from_flops"), hand) < 1e-12);
    assert!((hand - 2.6366e6).abs() < 1e2, "{hand}");
}

#[test]
fn owner_cost_is_the_annuity_plus_operating_cost_per_useful_hour() {
    let fixed = [
        "capex_h800=44000",
        "depreciation_life_years=3",
        "electricity_price=0.1",
        "pue=1.2",
        "facility_opex_per_gpu_hour=0.2",
        "occupancy=0.8",
    ];
    let opex = 0.7 * 1.82 * 0.75 * 1.2 * 0.1 + 0.2;
    let hourly = |yearly_capital: f64| (yearly_capital / 8766.0 + opex) / 0.8;
    // At 10% a year: the annuity 44,000 x 0.1 / (1 - 1.1^-3) = $17,693 a year.
    let mut sets = fixed.to_vec();
    sets.push("cost_of_capital=0.1");
    let rows = points(
        "priors/deepseek_v3.toml",
        "tests/data/points_deepseek_report.toml",
        &sets,
    );
    let annuity = 44_000.0 * 0.1 / (1.0 - 1.1f64.powf(-3.0));
    assert!((annuity - 17_693.05).abs() < 0.01, "{annuity}");
    assert!(rel(value(&rows, "owner_cost_per_gpu_hour"), hourly(annuity)) < 1e-12);
    // At a zero cost of capital the annuity is straight-line depreciation.
    let mut sets = fixed.to_vec();
    sets.push("cost_of_capital=0");
    let rows = points(
        "priors/deepseek_v3.toml",
        "tests/data/points_deepseek_report.toml",
        &sets,
    );
    assert!(
        rel(
            value(&rows, "owner_cost_per_gpu_hour"),
            hourly(44_000.0 / 3.0)
        ) < 1e-12
    );
}
