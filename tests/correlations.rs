//! Correlated inputs through the Gaussian copula: the achieved rank correlations hit
//! their targets, every marginal is unchanged, and determinism holds.

mod common;

use common::ks::assert_ks;
use costsim::error::Source;
use costsim::stats::sensitivity::spearman;
use costsim::{engine, model, plan};
use statrs::distribution::{Beta, ContinuousCDF, LogNormal, Normal};

const N: u64 = 1_000_000;

fn rows(path: &str, names: &[&str], n: u64, seed: u64) -> Vec<Vec<f64>> {
    let source = Source {
        name: path.into(),
        text: std::fs::read_to_string(path).unwrap(),
    };
    let m = model::load(source, &[]).unwrap();
    let p = plan::compile(&m).unwrap();
    let ids: Vec<usize> = names.iter().map(|n| m.index_of(n).unwrap()).collect();
    engine::draw_rows(&p, n, seed, &ids).unwrap()
}

#[test]
fn a_pair_reaches_its_target_rank_correlation() {
    let tmp = tempfile::tempdir().unwrap();
    for target in [-0.8, -0.2, 0.5, 0.95] {
        let path = tmp.path().join("pair.toml");
        std::fs::write(
            &path,
            format!(
                "[params]\na = \"pert(1, 2, 9)\"\nb = \"1 to 100\"\n\n\
                 [[correlations]]\nparams = [\"a\", \"b\"]\nrank = {target}\n"
            ),
        )
        .unwrap();
        let r = rows(path.to_str().unwrap(), &["a", "b"], N, 5);
        let got = spearman(&r[0], &r[1]);
        assert!((got - target).abs() < 0.01, "target {target}, got {got}");
    }
}

#[test]
fn a_four_by_four_matrix_reaches_every_target() {
    let names = ["price_h800", "price_h100", "fleet", "life"];
    let r = rows("tests/data/correlated.toml", &names, N, 11);
    let targets = [
        (0, 1, 0.7),
        (0, 2, -0.3),
        (1, 3, 0.4),
        (2, 3, 0.2),
        (0, 3, 0.0),
        (1, 2, 0.0),
    ];
    // Unlisted pairs are uncorrelated only in the normals: their rank correlation is
    // what the others imply, so check the listed pairs to 0.01 and the rest loosely.
    for (i, j, target) in targets {
        let got = spearman(&r[i], &r[j]);
        let tol = if target == 0.0 { 0.15 } else { 0.01 };
        assert!(
            (got - target).abs() < tol,
            "{} ~ {}: target {target}, got {got}",
            names[i],
            names[j]
        );
    }
}

#[test]
fn correlated_marginals_keep_their_distributions() {
    let names = ["price_h800", "price_h100", "fleet", "life"];
    let r = rows("tests/data/correlated.toml", &names, 100_000, 3);
    // pert(30k, 40k, 55k) = 30k + 25k · Beta(1 + 4·0.4, 1 + 4·0.6).
    let pert = Beta::new(2.6, 3.4).unwrap();
    assert_ks("correlated pert", &r[0], |x| {
        pert.cdf(((x - 30e3) / 25e3).clamp(0.0, 1.0))
    });
    let z95 = 1.6448536269514722;
    let (mu, sigma) = (
        (30e3f64.ln() + 60e3f64.ln()) / 2.0,
        (2f64).ln() / (2.0 * z95),
    );
    let lognormal = LogNormal::new(mu, sigma).unwrap();
    assert_ks("correlated `30k to 60k`", &r[1], |x| lognormal.cdf(x));
    let normal = Normal::new(8000.0, 2000.0).unwrap();
    let (lo, hi) = (normal.cdf(2048.0), normal.cdf(12000.0));
    assert_ks("correlated truncated normal", &r[2], |x| {
        (normal.cdf(x.clamp(2048.0, 12000.0)) - lo) / (hi - lo)
    });
    assert_ks("correlated uniform", &r[3], |x| {
        ((x - 3.0) / 3.0).clamp(0.0, 1.0)
    });
}

#[test]
fn correlated_runs_are_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str, dir: &str| {
        common::run_ok(
            &[
                "tests/data/correlated.toml",
                "-n",
                "200000",
                "--threads",
                threads,
            ],
            &tmp.path().join(dir),
        );
        std::fs::read(tmp.path().join(dir).join("summary.csv")).unwrap()
    };
    assert_eq!(run("1", "one"), run("2", "two"));
}

#[test]
fn bad_correlations_name_the_entries_and_say_why() {
    let cases = [
        (
            "correlation_not_positive_definite.toml",
            &[
                "not positive definite",
                "smallest eigenvalue is -0.8",
                "nearest valid values",
                "[a, c] rank = -0.",
            ][..],
        ),
        (
            "correlation_out_of_range.toml",
            &["lies in [-1, 1], got 1.5", ":7:8"],
        ),
        (
            "correlation_pair_twice.toml",
            &["the pair `a`, `b` is correlated twice", "first at line 6"],
        ),
        (
            "correlation_on_derived.toml",
            &["cannot correlate `c`", "formula of other values"],
        ),
        (
            "correlation_nonconstant_args.toml",
            &["cannot correlate `a`", "arguments are not constants"],
        ),
    ];
    for (file, fragments) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let out = common::costsim()
            .arg("run")
            .arg(format!("tests/data/bad/{file}"))
            .arg("--out")
            .arg(tmp.path().join("o"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        for f in fragments {
            assert!(stderr.contains(f), "{file}: expected {f:?} in:\n{stderr}");
        }
        assert!(!tmp.path().join("o").exists());
    }
}

#[test]
fn holding_a_correlated_input_fixed_drops_its_correlations_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assert_cmd::Command::cargo_bin("costsim")
        .unwrap()
        .args([
            "run",
            "tests/data/correlated.toml",
            "-n",
            "5000",
            "--no-charts",
        ])
        .args(["--no-swing", "--set", "price_h800=40000", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    for other in ["price_h100", "fleet"] {
        assert!(
            stdout.contains(&format!(
                "price_h800 is held fixed by the override, so its correlation with {other} is dropped"
            )),
            "{stdout}"
        );
    }
    // The same fixed value through a sweep step agrees with it.
    sweep_price_h800("40000", "5000", &tmp.path().join("sweep"));
}

/// `costsim sweep` of correlated.toml's price_h800 over `values` into `out`, without
/// charts; its stderr.
fn sweep_price_h800(values: &str, samples: &str, out: &std::path::Path) -> String {
    let s = assert_cmd::Command::cargo_bin("costsim")
        .unwrap()
        .args([
            "sweep",
            "tests/data/correlated.toml",
            "--param",
            "price_h800",
        ])
        .args(["--values", values, "-n", samples, "--no-charts", "--out"])
        .arg(out)
        .assert()
        .success();
    String::from_utf8_lossy(&s.get_output().stderr).into_owned()
}

/// A sweep holds its param fixed at every step: like `run --set`, it says once that
/// the param's correlations are dropped.
#[test]
fn a_sweep_of_a_correlated_input_notes_its_dropped_correlations_once() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr = sweep_price_h800("2,3", "2000", &tmp.path().join("sweep"));
    for other in ["price_h100", "fleet"] {
        let note = format!(
            "price_h800 is held fixed by the sweep, so its correlation with {other} is dropped"
        );
        assert_eq!(stderr.matches(&note).count(), 1, "{stderr}");
    }
    // A warning of both steps counts the other one in the singular.
    assert!(stderr.contains("(and 1 other step):"), "{stderr}");
    // Correlations not involving the swept param stay, unmentioned.
    assert!(!stderr.contains("life is"), "{stderr}");
    assert!(!stderr.contains("correlation with life"), "{stderr}");
}
