//! Any model the grammar can produce either runs or fails with a located error:
//! random expressions of numbers, operators, functions and distributions (with
//! arguments of every sign and size) through load, compile and a short run.

use costsim::error::Source;
use costsim::{engine, model, plan};
use proptest::prelude::*;

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1e308".to_string()),
        Just("2.5M".to_string()),
        Just("35%".to_string()),
        (-1000.0f64..1000.0).prop_map(|v| format!("{v}")),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![number(), Just("b".to_string()), Just("pi".to_string())];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let two = (inner.clone(), inner.clone());
        prop_oneof![
            (
                two.clone(),
                prop::sample::select(vec!["+", "-", "*", "/", "^", "<", "==", "to"])
            )
                .prop_map(|((x, y), op)| format!("({x}) {op} ({y})")),
            (
                prop::sample::select(vec![
                    "normal",
                    "lognormal",
                    "uniform",
                    "loguniform",
                    "beta",
                    "gamma",
                    "normal_ci",
                    "lognormal_ci",
                    "min",
                    "max",
                    "pow"
                ]),
                two.clone()
            )
                .prop_map(|(f, (x, y))| format!("{f}({x}, {y})")),
            (
                prop::sample::select(vec!["triangular", "pert", "clamp", "if"]),
                two.clone(),
                inner.clone()
            )
                .prop_map(|(f, (x, y), z)| format!("{f}({x}, {y}, {z})")),
            (
                prop::sample::select(vec![
                    "exponential",
                    "poisson",
                    "bernoulli",
                    "sqrt",
                    "ln",
                    "exp",
                    "abs",
                    "floor"
                ]),
                inner.clone()
            )
                .prop_map(|(f, x)| format!("{f}({x})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(d, lo, hi)| format!("truncate(normal({d}, 1), {lo}, {hi})")),
            (inner.clone(), inner).prop_map(|(x, y)| format!("mixture([{x}, {y}], [1, 2])")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn random_models_run_or_fail_cleanly(a in expr(), y in expr()) {
        let text = format!(
            "[params]\nb = \"uniform(-1, 2)\"\na = \"{a}\"\ny = \"a + ({y})\"\n"
        );
        let source = Source { name: "random.toml".into(), text };
        let m = model::load(source, &[]);
        // The grammar only writes valid syntax and names: loading must succeed.
        prop_assert!(m.is_ok(), "{}", m.unwrap_err());
        let m = m.unwrap();
        // Compiling may refuse constant arguments out of a distribution's domain, and
        // running may refuse arguments that go invalid in a sample; neither may panic.
        if let Ok(p) = plan::compile(&m) {
            let _ = engine::draw_rows(&p, 300, 1, &[m.index_of("y").unwrap()]);
        }
    }
}
