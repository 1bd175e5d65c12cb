//! Sobol indices against their analytic values: the Ishigami function and a linear
//! model, at N = 2^16 base samples, every estimate within 0.02.

use costsim::analysis::sobol;
use costsim::error::Source;
use costsim::{model, plan};

fn indices(path: &str, n: u64) -> Vec<(String, f64, f64, f64, f64)> {
    let source = Source {
        name: path.into(),
        text: std::fs::read_to_string(path).unwrap(),
    };
    let m = model::load(source, &[]).unwrap();
    let p = plan::compile(&m).unwrap();
    sobol::sobol(&m, &p, n, 2024, 2)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| {
            let i = r.indices;
            (
                m.params[r.input].name.clone(),
                i.first,
                i.total,
                i.first_lo,
                i.first_hi,
            )
        })
        .collect()
}

fn check(path: &str, expected: &[(&str, f64, f64)]) {
    let got = indices(path, 1 << 16);
    assert_eq!(got.len(), expected.len());
    for ((name, first, total, lo, hi), (want, s, st)) in got.iter().zip(expected) {
        assert_eq!(name, want);
        assert!(
            (first - s).abs() < 0.02,
            "{path} S_{name} = {first}, analytic {s}"
        );
        assert!(
            (total - st).abs() < 0.02,
            "{path} ST_{name} = {total}, analytic {st}"
        );
        assert!(
            lo <= first && first <= hi,
            "{name}: {first} outside [{lo}, {hi}]"
        );
        assert!(hi - lo < 0.1, "{name}: interval [{lo}, {hi}] too wide");
    }
}

#[test]
fn ishigami_indices_match_the_analytic_values() {
    check(
        "tests/data/ishigami.toml",
        &[
            ("x1", 0.3139, 0.5576),
            ("x2", 0.4424, 0.4424),
            ("x3", 0.0, 0.2437),
        ],
    );
}

#[test]
fn linear_model_indices_are_the_variance_shares() {
    let w = [1.0, 4.0, 9.0, 1.0].map(|v| v / 15.0);
    check(
        "tests/data/linear.toml",
        &[
            ("x1", w[0], w[0]),
            ("x2", w[1], w[1]),
            ("x3", w[2], w[2]),
            ("x4", w[3], w[3]),
        ],
    );
}

#[test]
fn correlated_and_hierarchical_inputs_are_refused() {
    let load = |text: &str| {
        let m = model::load(
            Source {
                name: "m.toml".into(),
                text: text.into(),
            },
            &[],
        )
        .unwrap();
        let p = plan::compile(&m).unwrap();
        sobol::sobol(&m, &p, 1000, 1, 1).unwrap_err().to_string()
    };
    let e = load(
        "[params]\na = \"normal(0, 1)\"\nb = \"normal(0, 1)\"\ny = \"a + b\"\n\
         [[correlations]]\nparams = [\"a\", \"b\"]\nrank = 0.5\n",
    );
    assert!(e.contains("Sobol indices need independent inputs"), "{e}");
    assert!(e.contains("correlated"), "{e}");
    let e = load("[params]\nm = \"normal(0, 1)\"\nx = \"normal(m, 1)\"\ny = \"x * 2\"\n");
    assert!(e.contains("input `x` depends on input `m`"), "{e}");
}

/// A model whose outputs each use some of the inputs: an input that cannot affect an
/// output gets S1 = ST = 0 exactly, with a [0, 0] interval, and the first-order
/// indices of a purely additive output sum to 1.
#[test]
fn inputs_that_cannot_affect_an_output_get_exactly_zero() {
    let text = "[model]\noutputs = [\"y\", \"z\"]\n[params]\n\
                x1 = \"uniform(0, 1)\"\nx2 = \"normal(0, 0.5)\"\nw = \"normal(5, 1)\"\n\
                x3 = \"uniform(0, 2)\"\ny = \"x1 + x2 + x3\"\nz = \"w * 2\"\n";
    let m = model::load(
        Source {
            name: "m.toml".into(),
            text: text.into(),
        },
        &[],
    )
    .unwrap();
    let p = plan::compile(&m).unwrap();
    let rows = sobol::sobol(&m, &p, 1 << 14, 5, 2).unwrap().rows;
    let name = |i: usize| m.params[i].name.as_str();
    let of = |o: &str| -> Vec<&sobol::SobolRow> {
        rows.iter().filter(|r| name(r.output) == o).collect()
    };
    assert_eq!(of("y").len(), 4);
    assert_eq!(of("z").len(), 4);
    for r in &rows {
        let zero = matches!(
            (name(r.output), name(r.input)),
            ("y", "w") | ("z", "x1" | "x2" | "x3")
        );
        assert_eq!(r.affects, !zero, "{} ~ {}", name(r.output), name(r.input));
        if zero {
            let i = r.indices;
            assert_eq!(
                [
                    i.first, i.first_lo, i.first_hi, i.total, i.total_lo, i.total_hi
                ],
                [0.0; 6]
            );
        }
    }
    // y is additive: S1 = ST = each input's share of the variance, summing to 1.
    let s1: f64 = of("y").iter().map(|r| r.indices.first).sum();
    assert!((s1 - 1.0).abs() < 0.03, "Σ S1 = {s1}");
    let w = of("z").into_iter().find(|r| name(r.input) == "w").unwrap();
    assert!((w.indices.first - 1.0).abs() < 0.03, "{w:?}");
    // Asking for z alone varies w alone: N·(1 + 2) evaluations, and the same indices.
    let z = [m.index_of("z").unwrap()];
    assert_eq!(sobol::evaluations(&m, &p, &z, 1000), 3000);
    let alone = sobol::sobol_of(&m, &p, &z, 1 << 14, 5, 2).unwrap().rows;
    let w_alone = alone.iter().find(|r| name(r.input) == "w").unwrap();
    assert_eq!(w_alone.indices, w.indices);
}

/// `costsim sobol` on the default model: sobol.csv pairs final_run_cost with every
/// other input, and the indices of those its formula cannot reach are exactly 0.
#[test]
fn sobol_csv_of_the_default_model_has_exact_zeros_for_non_ancestors() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assert_cmd::Command::cargo_bin("costsim")
        .unwrap()
        .args([
            "sobol",
            "-n",
            "2048",
            "--no-charts",
            "--outputs",
            "final_run_cost,fleet_tco",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    // Every input of the model but final_run_cost's two.
    let inputs = default_model_inputs();
    assert!(
        stdout.contains(&format!(
            "{} other inputs cannot affect it: indices 0",
            inputs - 2
        )),
        "{stdout}"
    );
    let text = std::fs::read_to_string(tmp.path().join("sobol.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut frc = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        let values: Vec<f64> = (2..8).map(|k| rec[k].parse().unwrap()).collect();
        match (&rec[0], &rec[1]) {
            ("final_run_cost", "v3_gpu_hours" | "rental_price") => {
                assert!(values[0] > 0.0, "{rec:?}")
            }
            ("final_run_cost", _) | ("fleet_tco", "rental_price" | "v3_gpu_hours") => {
                assert_eq!(values, [0.0; 6], "{rec:?}")
            }
            _ => {}
        }
        frc += usize::from(&rec[0] == "final_run_cost");
    }
    assert_eq!(frc, inputs, "one row per input");
}

/// The default model's input count, as `costsim check` states it ("N params: K inputs").
fn default_model_inputs() -> usize {
    let out = assert_cmd::Command::cargo_bin("costsim")
        .unwrap()
        .arg("check")
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let line = text.lines().nth(1).unwrap();
    let k = line.split(": ").nth(1).unwrap().split(' ').next().unwrap();
    k.parse().unwrap()
}

/// A model of many small outputs: each input's AB_i evaluation runs only its cone
/// (the outputs it can affect), and the indices still meet their analytic values.
/// y_k = x_3k + 2·x_3k+1 + 3·x_3k+2 over uniforms: S1 = ST = 1/14, 4/14, 9/14.
fn many_small_outputs(outputs: usize) -> String {
    let mut text = String::from("[model]\ntitle = \"small outputs\"\noutputs = [");
    let names: Vec<String> = (0..outputs).map(|k| format!("\"y{k}\"")).collect();
    text.push_str(&names.join(", "));
    text.push_str("]\n[params]\n");
    for k in 0..outputs {
        for j in 0..3 {
            text.push_str(&format!("x{} = \"uniform(0, 1)\"\n", 3 * k + j));
        }
        text.push_str(&format!(
            "y{k} = \"x{} + 2 * x{} + 3 * x{}\"\n",
            3 * k,
            3 * k + 1,
            3 * k + 2
        ));
    }
    text
}

fn load(text: &str) -> (model::Model, plan::Plan) {
    let m = model::load(
        Source {
            name: "m.toml".into(),
            text: text.into(),
        },
        &[],
    )
    .unwrap();
    let p = plan::compile(&m).unwrap();
    (m, p)
}

#[test]
fn each_input_re_evaluates_only_its_cone_and_the_indices_hold() {
    let (m, p) = load(&many_small_outputs(10));
    let all = sobol::sobol(&m, &p, 1 << 14, 7, 2).unwrap();
    let name = |i: usize| m.params[i].name.as_str();
    let affecting: Vec<_> = all.rows.iter().filter(|r| r.affects).collect();
    assert_eq!(affecting.len(), 30, "three inputs per output");
    for r in &affecting {
        let k: usize = name(r.input)[1..].parse().unwrap();
        let share = [1.0, 4.0, 9.0][k % 3] / 14.0;
        let i = r.indices;
        assert!((i.first - share).abs() < 0.03, "{} {i:?}", name(r.input));
        assert!((i.total - share).abs() < 0.03, "{} {i:?}", name(r.input));
    }
    // Every output's 27 other inputs are listed with indices of exactly 0.
    assert_eq!(all.rows.len(), 10 * 30);
    assert!(all.unaffected.iter().all(|&(_, n)| n == 27));
    // One output asked alone is its own whole design (no cone): the same bits as
    // through the cones of the design for all ten.
    let y3 = m.index_of("y3").unwrap();
    let alone = sobol::sobol_of(&m, &p, &[y3], 1 << 14, 7, 2).unwrap();
    let mine = |rows: &[sobol::SobolRow]| -> Vec<_> {
        rows.iter()
            .filter(|r| r.output == y3 && r.affects)
            .map(|r| (r.input, r.indices))
            .collect()
    };
    assert_eq!(mine(&alone.rows), mine(&all.rows));
    assert_eq!(mine(&alone.rows).len(), 3);
}

/// Past a million (output, input) pairs, sobol.csv lists only the pairs an input can
/// affect, and says so; the table still counts the others.
#[test]
fn a_million_pairs_list_only_the_affecting_ones_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wide.toml");
    // 350 outputs × 1,050 inputs = 367,500 pairs: listed whole…
    std::fs::write(&path, many_small_outputs(350)).unwrap();
    let run = |out: &str| {
        assert_cmd::Command::cargo_bin("costsim")
            .unwrap()
            .args(["sobol", "-n", "64", "--no-charts", "--out"])
            .arg(tmp.path().join(out))
            .arg(&path)
            .assert()
            .success()
    };
    let a = run("listed");
    assert!(!String::from_utf8_lossy(&a.get_output().stderr).contains("left out"));
    let csv = std::fs::read_to_string(tmp.path().join("listed/sobol.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 350 * 1050);
    // …and 600 outputs × 1,800 inputs = 1,080,000 pairs: the 1,800 affecting ones.
    std::fs::write(&path, many_small_outputs(600)).unwrap();
    let a = run("cut");
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        stderr.contains("sobol.csv lists the 1,800 (output, input) pairs where the input can affect the output; the other 1,078,200 pairs have indices of exactly 0 and are left out"),
        "{stderr}"
    );
    let csv = std::fs::read_to_string(tmp.path().join("cut/sobol.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 1800);
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(
        stdout.contains("(1797 other inputs cannot affect it: indices 0)"),
        "{stdout}"
    );
}

/// `--max-charts` caps sobol's and sweep's per-output charts as it caps run's: the
/// outputs with claims first, then the model's order, with a warning; outputs that
/// get no chart (inputs themselves) do not use up the cap.
#[test]
fn max_charts_picks_claims_first_and_says_what_it_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("five.toml");
    let text = "[model]\noutputs = [\"k\", \"a\", \"b\", \"c\", \"d\"]\n[params]\n\
                k = \"uniform(1, 2)\"\nx = \"uniform(1, 2)\"\na = \"k * x\"\nb = \"k + x\"\n\
                c = \"k - x\"\nd = \"k / x\"\n\
                [[claims]]\nlabel = \"On d\"\nparam = \"d\"\nvalue = 1\n";
    std::fs::write(&path, text).unwrap();
    let pngs = |dir: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".png"))
            .collect();
        v.sort();
        v
    };
    let out = tmp.path().join("s");
    let a = assert_cmd::Command::cargo_bin("costsim")
        .unwrap()
        .args(["sobol", "-n", "256", "--max-charts", "2", "--out"])
        .arg(&out)
        .arg(&path)
        .assert()
        .success();
    // k is an input: no chart, and it does not take a place.
    assert_eq!(pngs(&out), ["sobol_a.png", "sobol_d.png"]);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        stderr.contains("charts for 2 of 4 outputs (those with claims first"),
        "{stderr}"
    );
    let out = tmp.path().join("w");
    let a = assert_cmd::Command::cargo_bin("costsim")
        .unwrap()
        .args(["sweep", "--param", "k", "--values", "1,2", "-n", "1000"])
        .args(["--max-charts", "2", "--out"])
        .arg(&out)
        .arg(&path)
        .assert()
        .success();
    // Every output depends on k (k itself too): d for its claim, then k.
    assert_eq!(pngs(&out), ["sweep_d.png", "sweep_k.png"]);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(stderr.contains("charts for 2 of 5 outputs"), "{stderr}");
}

/// The table printed interval ends of noise around 0 as "[-0.000, 0.000]": no number
/// in the table or sobol.csv is a negative zero.
#[test]
fn no_negative_zero_in_the_sobol_table_or_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let a = assert_cmd::Command::cargo_bin("costsim")
        .unwrap()
        .args(["sobol", "-n", "1000", "--no-charts", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("[0.000, "), "{stdout}");
    assert!(!stdout.contains("-0.000"), "{stdout}");
    let text = std::fs::read_to_string(tmp.path().join("sobol.csv")).unwrap();
    for field in text.lines().flat_map(|l| l.split(',')) {
        assert_ne!(
            field
                .parse::<f64>()
                .ok()
                .map(|v| v == 0.0 && v.is_sign_negative()),
            Some(true),
            "{field}"
        );
    }
}
