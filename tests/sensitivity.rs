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
    // Only the output's ancestor inputs have rows; their contributions sum to 100%.
    let inputs: Vec<&str> = rows
        .iter()
        .filter(|r| r["output"] == "total")
        .map(|r| r["input"].as_str())
        .collect();
    assert_eq!(inputs, ["normal_b", "normal_a"]);
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
    // An input that cannot affect the output is never swung for it: no row.
    assert!(
        !rows
            .iter()
            .any(|r| r["output"] == "total" && r["input"] == "lognorm_a")
    );
}

/// The default model: each output is paired only with the inputs its formula can
/// reach, and an output that is itself an input (v3_gpu_hours) has no rows at all.
#[test]
fn sensitivity_rows_pair_outputs_only_with_their_ancestor_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&["-n", "20000", "--no-charts"], tmp.path());
    let rows = csv_rows(&std::fs::read_to_string(tmp.path().join("sensitivity.csv")).unwrap());
    let inputs = |o: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["output"] == o)
            .map(|r| r["input"].clone())
            .collect()
    };
    assert!(
        inputs("v3_gpu_hours").is_empty(),
        "{:?}",
        inputs("v3_gpu_hours")
    );
    let mut frc = inputs("final_run_cost");
    frc.sort();
    assert_eq!(frc, ["rental_price", "v3_gpu_hours"]);
    // fleet_tco = capex + opex over the fleet: no training-run or staff inputs.
    let fleet = inputs("fleet_tco");
    assert!(!fleet.is_empty());
    for unrelated in ["rental_price", "v3_gpu_hours", "r1_gpu_hours", "headcount"] {
        assert!(!fleet.iter().any(|i| i == unrelated), "{fleet:?}");
    }
    // Every swing row is one of these pairs too.
    for r in &rows {
        assert!(r["output"] != r["input"], "{r:?}");
    }
}

/// The tornado chart data follow the rows: final_run_cost's bars are its two inputs,
/// and an output that is itself an input gets no tornado.
#[test]
fn tornado_bars_are_only_ancestor_inputs() {
    use costsim::analysis::run::{RunSpec, simulate};
    use costsim::report::analysis_charts::tornado_charts;
    use costsim::report::charts::ChartOptions;
    let path = "priors/deepseek_v3.toml";
    let source = costsim::error::Source {
        name: path.into(),
        text: std::fs::read_to_string(path).unwrap(),
    };
    let m = costsim::model::load(source, &[]).unwrap();
    let p = costsim::plan::compile(&m).unwrap();
    let spec = RunSpec {
        samples: 20_000,
        seed: 1,
        threads: 2,
        rows: 20_000,
    };
    let sim = simulate(&m, &p, spec, &|_| {}).unwrap();
    let charts = tornado_charts(&sim.summary, &ChartOptions::default());
    assert!(!charts.iter().any(|c| c.output == "v3_gpu_hours"));
    assert_eq!(sim.summary.self_driven, ["v3_gpu_hours"]);
    let frc = charts
        .iter()
        .find(|c| c.output == "final_run_cost")
        .unwrap();
    let mut bars: Vec<&str> = frc.bars.iter().map(|b| b.input.as_str()).collect();
    bars.sort();
    assert_eq!(bars, ["rental_price", "v3_gpu_hours"]);
    assert!(
        frc.subtitle.contains("with each input it depends on"),
        "{}",
        frc.subtitle
    );
    assert!(!frc.subtitle.contains("top "), "{}", frc.subtitle);
    // Every bar of every tornado is an ancestor input of its output.
    for c in &charts {
        let o = m.index_of(&c.output).unwrap();
        let ancestors = p.ancestor_inputs(&m, o);
        for b in &c.bars {
            let i = m.index_of(&b.input).unwrap();
            assert!(
                ancestors.contains(&i) && i != o,
                "{} in {}",
                b.input,
                c.file
            );
        }
    }
}

/// A claim on an output that is itself an input: the drivers tables say so instead
/// of listing noise.
#[test]
fn a_claim_on_an_input_says_it_drives_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(CLOSED).unwrap();
    text.push_str("\n[[claims]]\nlabel = \"Scaled\"\nparam = \"scaled\"\nvalue = 5000\n");
    let model = tmp.path().join("claimed.toml");
    std::fs::write(&model, text).unwrap();
    let out = tmp.path().join("o");
    let stdout = common::costsim()
        .arg("run")
        .arg(&model)
        .args(["-n", "20000", "--no-charts", "--no-swing", "--out"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    let says = "itself (an input: its spread is its own draw)";
    let drivers = stdout.split("What drives the spread").nth(1).unwrap();
    let line = drivers.lines().find(|l| l.starts_with("scaled ")).unwrap();
    assert!(line.contains(says), "{stdout}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains(&format!("| scaled | {says} |")), "{report}");
    let rows = csv_rows(&std::fs::read_to_string(out.join("sensitivity.csv")).unwrap());
    assert!(!rows.iter().any(|r| r["output"] == "scaled"));
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
    // 8,000,000 values over 501 kept columns; the run has 20,000 samples.
    let said = "uses the first 15,968 samples, not 20,000";
    assert!(stderr.contains(said), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["run"]["sensitivity_rows"], 15968);
    // The files say so too.
    assert!(json["warnings"].to_string().contains(said), "{json}");
    // A run of fewer samples than the rows' limit uses them all, and says nothing.
    let a = common::costsim()
        .arg("run")
        .arg(&model)
        .args(["-n", "10000", "--no-charts", "--no-swing", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(!stderr.contains("sensitivity analysis uses"), "{stderr}");
}

/// With no claim, the drivers tables explain the outputs themselves (the first
/// eight that other inputs drive), not just the first one.
#[test]
fn with_no_claim_the_drivers_of_every_output_are_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("two.toml");
    // a depends on x and y; b is an input (its spread is its own draw).
    let text = "[model]\noutputs = [\"a\", \"b\"]\n[params]\nx = \"normal(10, 1)\"\n\
                y = \"normal(10, 1)\"\na = \"3 * x + 0.1 * y\"\nb = \"normal(5, 1)\"\n";
    std::fs::write(&model, text).unwrap();
    let out = tmp.path().join("o");
    let stdout = common::costsim()
        .arg("run")
        .arg(&model)
        .args(["-n", "20000", "--no-charts", "--no-swing", "--out"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(stdout).unwrap();
    let drivers = stdout.split("What drives the spread").nth(1).unwrap();
    assert!(
        drivers
            .lines()
            .any(|l| l.starts_with("a ") && l.contains(" x ")),
        "{drivers}"
    );
    // b, an input, drives itself: it does not take a slot from outputs with drivers.
    assert!(!drivers.lines().any(|l| l.starts_with("b ")), "{drivers}");
    assert!(
        drivers.contains("; shown for 1 of the 2 outputs (the first that other inputs drive)"),
        "{drivers}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Shown for 1 of the 2 outputs"), "{report}");
    assert!(report.contains("| a | x |"), "{report}");
    // With every output driven by other inputs, every one is shown.
    let model2 = tmp.path().join("three.toml");
    let text = "[model]\noutputs = [\"a\", \"c\"]\n[params]\nx = \"normal(10, 1)\"\n\
                a = \"3 * x\"\nc = \"x + 1\"\n";
    std::fs::write(&model2, text).unwrap();
    let out2 = tmp.path().join("o2");
    common::costsim()
        .arg("run")
        .arg(&model2)
        .args(["-n", "20000", "--no-charts", "--no-swing", "--out"])
        .arg(&out2)
        .assert()
        .success();
    let report = std::fs::read_to_string(out2.join("report.md")).unwrap();
    assert!(report.contains("Shown for every output;"), "{report}");
    assert!(
        report.contains("| a | x |") && report.contains("| c | x |"),
        "{report}"
    );
}

#[test]
fn the_swing_holds_a_plain_distribution_at_its_exact_p5_and_p95() {
    // x = `3k to 9k` is held at exactly 3k and 9k (its prior's own P5 and P95), not at
    // estimates from the run's rows (which put the low end at 3,009.5: out = 6,019).
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("m.toml");
    std::fs::write(
        &model,
        "[model]\nsamples = 100_000\nseed = 5\noutputs = [\"out\"]\n[params]\n\
         x = \"3k to 9k\"\ny = \"normal(0, 1)\"\nout = \"2 * x + y\"\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    run_ok(
        &[model.to_str().unwrap(), "--no-charts", "--no-anatomy"],
        &out,
    );
    let rows = csv_rows(&std::fs::read_to_string(out.join("sensitivity.csv")).unwrap());
    let r = rows.iter().find(|r| r["input"] == "x").unwrap();
    // Within the sketch's ±0.05% (y's median over 20,000 draws moves it by ~0.01).
    let (low, high) = (
        num(r, "output_p50_at_input_p5"),
        num(r, "output_p50_at_input_p95"),
    );
    assert!((low - 6_000.0).abs() <= 6_000.0 * 6e-4, "low end {low}");
    assert!(
        (high - 18_000.0).abs() <= 18_000.0 * 6e-4,
        "high end {high}"
    );
}

/// A claim on a param that is neither listed nor a leaf: the param is reported (its
/// row, its drivers, its charts), so the claim's rank never stands without its footing.
/// Unlisted outputs stay in file order; a listed order is kept, the claimed param after.
#[test]
fn a_claim_on_an_intermediate_param_reports_it_with_its_drivers() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "units = \"pert(1000, 4000, 9000)\"\nprice = \"2 to 8\"\n\
                overhead = \"gamma(2, 5000)\"\ntotal = \"units * price + overhead\"\n\
                per_unit = \"total / units\"\n\n\
                [[claims]]\nlabel = \"budget\"\nparam = \"total\"\nvalue = 25000\n";
    for (listed, order) in [
        ("", ["total", "per_unit"]),
        ("outputs = [\"per_unit\"]\n", ["per_unit", "total"]),
    ] {
        let model = tmp.path().join("widgets.toml");
        std::fs::write(&model, format!("[model]\n{listed}\n[params]\n{body}")).unwrap();
        let out = tmp.path().join("o");
        let stdout = run_ok(
            &[model.to_str().unwrap(), "-n", "20000", "--no-swing"],
            &out,
        );
        let summary = csv_rows(&std::fs::read_to_string(out.join("summary.csv")).unwrap());
        let names: Vec<&str> = summary.iter().map(|r| r["output"].as_str()).collect();
        assert_eq!(names, order, "{listed}");
        let drivers = stdout.split("What drives the spread").nth(1).unwrap();
        assert!(drivers.lines().any(|l| l.starts_with("total ")), "{stdout}");
        let rows = csv_rows(&std::fs::read_to_string(out.join("sensitivity.csv")).unwrap());
        let mut inputs: Vec<&str> = rows
            .iter()
            .filter(|r| r["output"] == "total")
            .map(|r| r["input"].as_str())
            .collect();
        inputs.sort_unstable();
        assert_eq!(inputs, ["overhead", "price", "units"]);
        for chart in ["hist_total.png", "cdf_total.png", "tornado_total.png"] {
            assert!(out.join(chart).is_file(), "{chart} missing ({listed})");
        }
    }
}

/// One warning, on the terminal and in summary.json, whenever an analysis is skipped
/// for want of samples: which ones, and how many each needs (the swing at -n 3 to 19
/// was skipped silently; -n 1 warned of "at least 3 samples" only).
#[test]
fn every_analysis_skipped_for_want_of_samples_is_warned_of_with_its_need() {
    let need = "the sensitivity analysis and its tornado charts need at least 3 samples, \
                the swing tornado at least 20";
    for (args, said) in [
        (
            &["-n", "10"][..],
            Some("with 10 samples there is no swing tornado: "),
        ),
        (
            &["-n", "19"][..],
            Some("with 19 samples there is no swing tornado: "),
        ),
        (
            &["-n", "1"][..],
            Some("with 1 sample there is no sensitivity analysis, tornado or swing chart: "),
        ),
        (
            &["-n", "1000", "--sensitivity-rows", "10"][..],
            Some("with --sensitivity-rows 10 there is no swing tornado: "),
        ),
        (&["-n", "20"][..], None),
        (&["-n", "1000", "--sensitivity-rows", "0"][..], None),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let a = common::costsim()
            .args(["run", CLOSED, "--no-charts", "--no-anatomy", "--out"])
            .arg(tmp.path())
            .args(args)
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join("summary.json")).unwrap(),
        )
        .unwrap();
        let warnings: Vec<&str> = json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        match said {
            Some(start) => {
                let w = format!("{start}{need}");
                assert_eq!(stderr.matches(&w).count(), 1, "{args:?}: {stderr}");
                assert!(
                    warnings.iter().any(|x| x.contains(&w)),
                    "{args:?}: {warnings:?}"
                );
            }
            None => {
                assert!(!stderr.contains("need at least"), "{args:?}: {stderr}");
                assert!(
                    !warnings.iter().any(|x| x.contains("need at least")),
                    "{args:?}"
                );
            }
        }
    }
}
