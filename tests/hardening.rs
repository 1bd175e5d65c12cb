//! Hostile but valid models: anything `check` accepts, `run` runs, with every
//! recursive walk bounded however long a formula is.

mod common;

use common::{costsim, csv_rows, num};

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `y = x + x + … + x` with `n` terms.
fn chain(n: usize) -> String {
    let sum = vec!["x"; n].join(" + ");
    format!("[params]\nx = \"uniform(1, 2)\"\nz = \"uniform(0, 1)\"\ny = \"{sum} - z\"\n")
}

#[test]
fn a_sum_of_twenty_thousand_terms_checks_and_runs_with_swing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "chain.toml", &chain(20_000));
    costsim().arg("check").arg(&path).assert().success();
    let out = tmp.path().join("out");
    costsim()
        .arg("run")
        .arg(&path)
        .args(["-n", "2000", "-q", "--no-charts", "-f", "csv", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = csv_rows(&std::fs::read_to_string(out.join("summary.csv")).unwrap());
    let y = rows.iter().find(|r| r["output"] == "y").unwrap();
    // 20,000 draws of one uniform(1, 2) per sample, less a uniform(0, 1).
    assert!(
        num(y, "min") > 19_999.0 && num(y, "max") < 40_000.0,
        "{y:?}"
    );
}

#[test]
fn a_flat_run_of_operators_gives_the_same_bits_as_its_nested_form() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[params]\na = \"normal(0, 1)\"\nb = \"1 to 3\"\nc = \"uniform(1, 2)\"\n\
        flat = \"a + b - c * b / a + 1e-3 - b\"\n\
        nested = \"(((a + b) - ((c * b) / a)) + 1e-3) - b\"\n";
    let path = write(tmp.path(), "m.toml", text);
    let out = tmp.path().join("out");
    costsim()
        .arg("run")
        .arg(&path)
        .args(["-n", "50000", "-q", "--no-charts", "--no-swing", "--out"])
        .arg(&out)
        .assert()
        .success();
    let rows = csv_rows(&std::fs::read_to_string(out.join("summary.csv")).unwrap());
    let row = |n: &str| rows.iter().find(|r| r["output"] == n).unwrap().clone();
    let (flat, nested) = (row("flat"), row("nested"));
    for col in ["mean", "sd", "min", "p1", "p50", "p99", "max"] {
        assert_eq!(flat[col], nested[col], "{col}");
    }
}
