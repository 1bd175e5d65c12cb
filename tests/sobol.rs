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
