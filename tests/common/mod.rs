//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod ks;

use assert_cmd::Command;
use std::path::Path;

pub fn costsim() -> Command {
    Command::cargo_bin("costsim").unwrap()
}

/// Runs `costsim run` with `args` writing into `out`, expecting success; returns stdout.
pub fn run_ok(args: &[&str], out: &Path) -> String {
    let assert = costsim()
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .assert()
        .success();
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

/// Parses a CSV with a header into rows of (column → value).
pub fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

pub fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap()
}
