//! Scenarios from the shell: sweeps, comparisons and Sobol runs through the CLI.

mod common;

use common::{costsim, csv_rows};
use std::collections::HashMap;
use std::path::Path;

const CLOSED: &str = "tests/data/closed_form.toml";

fn ok(args: &[&str], out: &Path) -> String {
    let a = costsim()
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .assert()
        .success();
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

fn read(dir: &Path, file: &str) -> Vec<HashMap<String, String>> {
    csv_rows(&std::fs::read_to_string(dir.join(file)).unwrap())
}

const STATS: [&str; 11] = [
    "mean", "sd", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99",
];

#[test]
fn each_sweep_step_equals_a_plain_run_with_that_value_set() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep");
    ok(
        &[
            "sweep",
            CLOSED,
            "--param",
            "normal_a",
            "--values",
            "2,10k,-3.5",
            "-n",
            "70000",
            // Every output, the ones normal_a cannot move included.
            "--outputs",
            "product,total,scaled",
        ],
        &sweep,
    );
    let rows = read(&sweep, "sweep.csv");
    assert_eq!(rows.len(), 3 * 3, "3 steps x 3 outputs");
    for value in ["2", "10k", "-3.5"] {
        let plain = tmp.path().join(format!("plain{value}"));
        ok(
            &[
                "run",
                CLOSED,
                "-n",
                "70000",
                "--no-charts",
                "--no-swing",
                "--set",
                &format!("normal_a={value}"),
            ],
            &plain,
        );
        let summary = read(&plain, "summary.csv");
        let v: f64 = costsim::analysis::sweep::number(value).unwrap();
        for s in &summary {
            let step = rows
                .iter()
                .find(|r| r["output"] == s["output"] && r["value"].parse::<f64>().unwrap() == v)
                .unwrap_or_else(|| panic!("no sweep row for {} at {value}", s["output"]));
            for col in STATS {
                assert_eq!(step[col], s[col], "{} {col} at {value}", s["output"]);
            }
        }
    }
}

#[test]
fn a_range_sweep_holds_every_step_and_lists_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = ok(
        &[
            "sweep",
            CLOSED,
            "--param",
            "normal_b",
            "--range",
            "1:1k:4",
            "--log",
            "--outputs",
            "total",
            "-n",
            "5000",
        ],
        tmp.path(),
    );
    let rows = read(tmp.path(), "sweep.csv");
    let values: Vec<f64> = rows.iter().map(|r| r["value"].parse().unwrap()).collect();
    assert_eq!(values.len(), 4);
    assert_eq!((values[0], values[3]), (1.0, 1000.0));
    assert!((values[1] - 10.0).abs() < 1e-9 && (values[2] - 100.0).abs() < 1e-9);
    assert!(rows.iter().all(|r| r["output"] == "total"));
    assert!(stdout.contains("sweep of normal_b · 4 steps"), "{stdout}");
    // The median moves with the held input: total = normal_a + normal_b.
    let p50: Vec<f64> = rows.iter().map(|r| r["p50"].parse().unwrap()).collect();
    assert!(p50.windows(2).all(|w| w[0] < w[1]), "{p50:?}");
}

#[test]
fn bad_sweep_flags_exit_2_with_a_clear_message() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--param", "normal_a", "--values", ","],
            "--values is empty",
        ),
        (
            &["--param", "normal_a", "--range", "1:10:1"],
            "at least 2 STEPS",
        ),
        (
            &["--param", "normal_a", "--range", "0:10:5", "--log"],
            "--log needs a positive START",
        ),
        (
            &["--param", "normal_aa", "--values", "1"],
            "did you mean `normal_a`?",
        ),
        (
            &["--param", "normal_a", "--values", "1", "--outputs", "totl"],
            "did you mean `total`?",
        ),
        (&["--param", "normal_a"], "--values"),
    ];
    for (flags, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let a = costsim()
            .arg("sweep")
            .arg(CLOSED)
            .args(flags)
            .arg("--out")
            .arg(tmp.path().join("o"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(
            stderr.contains(expected),
            "{flags:?}: expected {expected:?} in {stderr}"
        );
        assert!(!tmp.path().join("o").exists());
    }
}

#[test]
fn a_sweep_step_outside_a_domain_names_the_value() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m.toml");
    std::fs::write(&m, "[params]\nsd = 1\ny = \"normal(0, sd)\"\n").unwrap();
    let a = costsim()
        .arg("sweep")
        .arg(&m)
        .args(["--param", "sd", "--values", "1,-2", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(stderr.contains("sweep step sd = -2"), "{stderr}");
    assert!(stderr.contains("sd must be >= 0"), "{stderr}");
}

#[test]
fn comparing_a_file_with_itself_gives_identical_rows() {
    let tmp = tempfile::tempdir().unwrap();
    ok(&["compare", CLOSED, CLOSED, "-n", "20000"], tmp.path());
    let rows = read(tmp.path(), "compare.csv");
    assert_eq!(rows.len(), 6);
    for pair in rows.chunks(2) {
        let strip = |r: &HashMap<String, String>| {
            let mut r = r.clone();
            r.remove("file");
            r
        };
        assert_eq!(strip(&pair[0]), strip(&pair[1]));
    }
}

#[test]
fn compare_skips_outputs_a_model_lacks_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other.toml");
    std::fs::write(
        &other,
        "[model]\ntitle = \"Other\"\noutputs = [\"total\"]\n[params]\ntotal = \"normal(1, 1)\"\n",
    )
    .unwrap();
    let a = costsim()
        .args(["compare", CLOSED])
        .arg(&other)
        .args(["-n", "5000", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(stderr.contains("`product` is not an output of"), "{stderr}");
    let rows = read(&tmp.path().join("o"), "compare.csv");
    assert_eq!(rows.iter().filter(|r| r["output"] == "total").count(), 2);
    assert_eq!(rows.iter().filter(|r| r["output"] == "product").count(), 1);
}

#[test]
fn sobol_writes_the_documented_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = ok(
        &["sobol", "tests/data/linear.toml", "-n", "2048"],
        tmp.path(),
    );
    let text = std::fs::read_to_string(tmp.path().join("sobol.csv")).unwrap();
    assert!(text.starts_with(
        "output,input,first_order,first_order_lo,first_order_hi,total,total_lo,total_hi\n"
    ));
    assert_eq!(csv_rows(&text).len(), 4);
    assert!(
        stdout.contains("2,048 base samples · 12,288 evaluations"),
        "{stdout}"
    );
}

#[test]
fn a_sweep_reports_by_default_only_the_outputs_its_param_can_move() {
    let tmp = tempfile::tempdir().unwrap();
    let a = costsim()
        .args(["sweep", "priors/deepseek_v3.toml", "--param", "n_h20"])
        .args(["--values", "0,30k", "-n", "5000", "--no-charts", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        err.contains("do not depend on `n_h20` and are left out"),
        "{err}"
    );
    let rows = read(tmp.path(), "sweep.csv");
    let outputs: std::collections::HashSet<&str> =
        rows.iter().map(|r| r["output"].as_str()).collect();
    assert!(outputs.contains("fleet_capex") && outputs.contains("fleet_tco"));
    assert!(!outputs.contains("final_run_cost"), "{outputs:?}");
    // A param no output depends on: nothing to sweep, said plainly.
    let m = tmp.path().join("m.toml");
    std::fs::write(
        &m,
        "[params]\nk = 3\nx = \"uniform(1, 2)\"\n[model]\noutputs = [\"x\"]\n",
    )
    .unwrap();
    let a = costsim()
        .arg("sweep")
        .arg(&m)
        .args(["--param", "k", "--values", "1,2", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("sweeping it changes nothing"), "{err}");
    // One output left out is one, not "1 outputs".
    let m1 = tmp.path().join("m1.toml");
    std::fs::write(
        &m1,
        "[params]\nk = 3\nx = \"uniform(1, 2)\"\na = \"x * k\"\n[model]\noutputs = [\"a\", \"x\"]\n",
    )
    .unwrap();
    let a = costsim()
        .arg("sweep")
        .arg(&m1)
        .args([
            "--param",
            "k",
            "--values",
            "1,2",
            "-n",
            "1000",
            "--no-charts",
            "--out",
        ])
        .arg(tmp.path().join("o1"))
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        err.contains("1 output does not depend on `k` and is left out"),
        "{err}"
    );
}

#[test]
fn sweep_sobol_and_compare_print_csv_and_json_like_run() {
    let tmp = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 3] = [
        &[
            "sweep",
            "tests/data/linear.toml",
            "--param",
            "x1",
            "--values",
            "1,2",
            "-n",
            "2000",
        ],
        &["sobol", "tests/data/linear.toml", "-n", "256"],
        &["compare", "tests/data/linear.toml", CLOSED, "-n", "2000"],
    ];
    let files = ["sweep.csv", "sobol.csv", "compare.csv"];
    for (k, (args, file)) in commands.iter().zip(files).enumerate() {
        let out = tmp.path().join(format!("o{k}"));
        let csv = costsim()
            .args(*args)
            .args(["-q", "--no-charts", "-f", "csv", "--out"])
            .arg(&out)
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&csv.get_output().stdout).into_owned();
        assert_eq!(
            stdout,
            std::fs::read_to_string(out.join(file)).unwrap(),
            "{file}"
        );
        let json = costsim()
            .args(*args)
            .args(["-q", "--no-charts", "-f", "json", "--out"])
            .arg(&out)
            .assert()
            .success();
        let v: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
        let rows = if file == "compare.csv" {
            &v["outputs"]
        } else {
            &v
        };
        assert_eq!(
            rows.as_array().unwrap().len(),
            read(&out, file).len(),
            "{file}"
        );
        if file == "compare.csv" {
            assert!(v["claims"].as_array().is_some());
        }
    }
}

/// compare tests a claim in the models that make it and says which do not; its
/// compare_claims.csv names each row's file, so two models of one title stay apart.
#[test]
fn compare_says_which_models_make_no_such_claim_and_names_files_in_claims_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "[params]\na = \"normal(10, 1)\"\nb = \"a * 2\"\n";
    let claim = "\n[[claims]]\nlabel = \"twenty\"\nparam = \"b\"\nvalue = 20\n";
    let (one, two, three) = (
        tmp.path().join("one.toml"),
        tmp.path().join("two.toml"),
        tmp.path().join("three.toml"),
    );
    std::fs::write(&one, format!("[model]\ntitle = \"Same\"\n{body}{claim}")).unwrap();
    std::fs::write(&two, format!("[model]\ntitle = \"Other\"\n{body}")).unwrap();
    std::fs::write(&three, format!("[model]\ntitle = \"Same\"\n{body}{claim}")).unwrap();
    let out = tmp.path().join("o");
    let got = common::costsim()
        .arg("compare")
        .args([&one, &two, &three])
        .args(["-n", "5000", "--no-charts", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(got.status.success());
    let err = String::from_utf8(got.stderr).unwrap();
    assert!(err.contains("claim `twenty` is made only in"), "{err}");
    assert!(err.contains("two.toml makes no such claim"), "{err}");
    let rows = common::csv_rows(&std::fs::read_to_string(out.join("compare_claims.csv")).unwrap());
    let files: Vec<&str> = rows.iter().map(|r| r["file"].as_str()).collect();
    assert_eq!(files.len(), 2);
    assert!(
        files[0].ends_with("one.toml") && files[1].ends_with("three.toml"),
        "{files:?}"
    );
}

/// A sweep takes negative values as written (`--values -5,100`, `--range -5:5:3`); clap
/// read "-5" as a flag, and its tip (`-- -5`) did not work either.
#[test]
fn a_sweep_takes_negative_values_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("shift.toml");
    std::fs::write(
        &model,
        "[params]\nshift = \"normal(0, 1)\"\nx = \"normal(10, 1) + shift\"\n",
    )
    .unwrap();
    for (flag, value) in [("--values", "-5,100"), ("--range", "-5:5:3")] {
        let out = costsim()
            .args([
                "sweep",
                model.to_str().unwrap(),
                "--param",
                "shift",
                flag,
                value,
            ])
            .args(["-n", "2000", "--no-charts", "-q", "-f", "csv", "--out"])
            .arg(tmp.path().join("o"))
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            out.status.success(),
            "{flag} {value}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.lines().any(|l| l.starts_with("-5,x,")), "{stdout}");
    }
}
