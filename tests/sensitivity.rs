//! Sensitivity in every run: sensitivity.csv's Spearman ρ and contributions against
//! their closed-form values, the swing tornado's ends, and --save-rows.

mod common;

use common::{csv_rows, num, run_ok};

const CLOSED: &str = "tests/data/closed_form.toml";

#[test]
fn spearman_and_contributions_match_a_sum_of_normals() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&[CLOSED, "-n", "200000", "--no-charts"], tmp.path());
    let text = std::fs::read_to_string(tmp.path().join("sensitivity.csv")).unwrap();
    assert!(text.starts_with(
        "output,input,spearman,contribution,output_p50_at_input_p5,output_p50_at_input_p95\n"
    ));
    let rows = csv_rows(&text);
    let row = |o: &str, i: &str| {
        rows.iter()
            .find(|r| r["output"] == o && r["input"] == i)
            .unwrap_or_else(|| panic!("no row {o} ~ {i}"))
    };
    // total = normal(10, 3) + normal(-4, 4): for a bivariate normal Spearman's ρ is
    // (6/π)·asin(r/2) with Pearson r = 3/5 and 4/5.
    let spearman = |r: f64| 6.0 / std::f64::consts::PI * (r / 2.0).asin();
    let (a, b) = (
        num(row("total", "normal_a"), "spearman"),
        num(row("total", "normal_b"), "spearman"),
    );
    assert!((a - spearman(0.6)).abs() < 0.01, "ρ(total, normal_a) = {a}");
    assert!((b - spearman(0.8)).abs() < 0.01, "ρ(total, normal_b) = {b}");
    // The inputs the output does not use have ρ ≈ 0, and contributions sum to 100%.
    assert!(num(row("total", "lognorm_a"), "spearman").abs() < 0.01);
    let total: f64 = rows
        .iter()
        .filter(|r| r["output"] == "total")
        .map(|r| num(r, "contribution"))
        .sum();
    assert!((total - 100.0).abs() < 1e-9);
    // Largest |ρ| first.
    let first = rows.iter().find(|r| r["output"] == "total").unwrap();
    assert_eq!(first["input"], "normal_b");
}

#[test]
fn swing_ends_are_the_medians_with_the_input_at_its_p5_and_p95() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&[CLOSED, "-n", "100000", "--no-charts"], tmp.path());
    let rows = csv_rows(&std::fs::read_to_string(tmp.path().join("sensitivity.csv")).unwrap());
    let r = rows
        .iter()
        .find(|r| r["output"] == "total" && r["input"] == "normal_b")
        .unwrap();
    // normal_b's P5 and P95 are -4 ∓ 1.645·4; total's median is then 10 + that.
    let z = 1.6448536269514722;
    let (low, high) = (
        num(r, "output_p50_at_input_p5"),
        num(r, "output_p50_at_input_p95"),
    );
    assert!((low - (10.0 - 4.0 - z * 4.0)).abs() < 0.15, "low end {low}");
    assert!(
        (high - (10.0 - 4.0 + z * 4.0)).abs() < 0.15,
        "high end {high}"
    );
    // Holding an unrelated input fixed leaves the median exactly where it was: the
    // other inputs draw the same random numbers (common random numbers).
    let u = rows
        .iter()
        .find(|r| r["output"] == "total" && r["input"] == "lognorm_a")
        .unwrap();
    assert_eq!(u["output_p50_at_input_p5"], u["output_p50_at_input_p95"]);
}

#[test]
fn save_rows_writes_the_first_rows_of_inputs_and_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        &[CLOSED, "-n", "50000", "--no-charts", "--save-rows", "1000"],
        tmp.path(),
    );
    let text = std::fs::read_to_string(tmp.path().join("samples.csv")).unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(
        header,
        "lognorm_a,lognorm_b,normal_a,normal_b,scaled,product,total"
    );
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 1000);
    for r in rows.iter().take(50) {
        let sum = num(r, "normal_a") + num(r, "normal_b");
        assert!((num(r, "total") - sum).abs() < 1e-9 * sum.abs().max(1.0));
    }
    // The same rows for any thread count and run size (the first rows in chunk order).
    let other = tempfile::tempdir().unwrap();
    run_ok(
        &[
            CLOSED,
            "-n",
            "70000",
            "--no-charts",
            "--save-rows",
            "1000",
            "--threads",
            "1",
        ],
        other.path(),
    );
    assert_eq!(
        text,
        std::fs::read_to_string(other.path().join("samples.csv")).unwrap()
    );
}

#[test]
fn many_inputs_keep_fewer_rows_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("[model]\noutputs = [\"total\"]\n[params]\n");
    for i in 0..500 {
        text.push_str(&format!("x{i} = \"normal({i}, 1)\"\n"));
    }
    let sum: Vec<String> = (0..500).map(|i| format!("x{i}")).collect();
    text.push_str(&format!("total = \"{}\"\n", sum.join(" + ")));
    let model = tmp.path().join("wide.toml");
    std::fs::write(&model, text).unwrap();
    let out = tmp.path().join("o");
    let a = common::costsim()
        .arg("run")
        .arg(&model)
        .args(["-n", "20000", "--no-charts", "--no-swing", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    // 8,000,000 values over 501 kept columns.
    assert!(
        stderr.contains("uses the first 15968 samples, not 100000"),
        "{stderr}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["run"]["sensitivity_rows"], 15968);
}
