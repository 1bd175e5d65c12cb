//! A structure-aware mutator of valid models, at a fixed seed: every mutant either
//! loads and runs (exit 0) or is refused with a located message (exit 2) — never a
//! panic, a stack overflow, an I/O-class failure (a chart that cannot be drawn) or a
//! hang. The mutations are the kinds a hostile or careless edit makes: extreme or
//! non-finite numbers, swapped operators and distributions, deleted or self-referring
//! params, long chains, odd claims and model settings.

use costsim::app;
use costsim::cli::{Format, RunArgs};
use costsim::error::Error;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::Path;

const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "1e999",
    "nan",
    "inf",
    "0.5",
    "1e15",
    "-0",
    "2",
    "99999999999999999999",
    "1e-300",
];
const OPERATORS: [&str; 5] = [" + ", " - ", " * ", " / ", " ^ "];
const DISTRIBUTIONS: [&str; 10] = [
    "normal",
    "lognormal",
    "uniform",
    "pert",
    "beta",
    "triangular",
    "poisson",
    "bernoulli",
    "loguniform",
    "exponential",
];

/// The models mutated: the shipped priors and a test model with claims.
fn seeds() -> Vec<String> {
    [
        "priors/deepseek_v3.toml",
        "priors/semianalysis.toml",
        "priors/deepseek_report.toml",
        "tests/data/shards.toml",
        "tests/data/anatomy.toml",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap())
    .collect()
}

/// The `[params]` entries of a model: (name, value expression) pairs, in order.
fn params(model: &toml::Table) -> Vec<(String, String)> {
    let Some(toml::Value::Table(p)) = model.get("params") else {
        return Vec::new();
    };
    p.iter()
        .filter_map(|(k, v)| {
            let expr = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Table(t) => t.get("value")?.as_str()?.to_string(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                _ => return None,
            };
            Some((k.clone(), expr))
        })
        .collect()
}

fn set_param(model: &mut toml::Table, name: &str, expr: String) {
    if let Some(toml::Value::Table(p)) = model.get_mut("params") {
        match p.get_mut(name) {
            Some(toml::Value::Table(t)) => {
                t.insert("value".into(), toml::Value::String(expr));
            }
            Some(v) => *v = toml::Value::String(expr),
            None => {
                p.insert(name.to_string(), toml::Value::String(expr));
            }
        }
    }
}

/// Replaces the `k`-th match of `pick` in `text` (a number, an operator, a name).
fn replace_some(
    text: &str,
    rng: &mut Xoshiro256PlusPlus,
    is: impl Fn(&str) -> bool,
    by: &str,
) -> String {
    let tokens: Vec<&str> = text.split_inclusive([' ', '(', ')', ',']).collect();
    let at: Vec<usize> = (0..tokens.len())
        .filter(|&k| is(tokens[k].trim_end_matches([' ', '(', ')', ','])))
        .collect();
    if at.is_empty() {
        return text.to_string();
    }
    let k = at[rng.random_range(0..at.len())];
    let t = tokens[k];
    let core = t.trim_end_matches([' ', '(', ')', ',']);
    let mut out: String = tokens[..k].concat();
    out.push_str(by);
    out.push_str(&t[core.len()..]);
    out.push_str(&tokens[k + 1..].concat());
    out
}

/// One mutation of the model, described.
fn mutate(model: &mut toml::Table, rng: &mut Xoshiro256PlusPlus) -> String {
    let ps = params(model);
    if ps.is_empty() {
        return "no params".into();
    }
    let (name, expr) = ps[rng.random_range(0..ps.len())].clone();
    let other = ps[rng.random_range(0..ps.len())].0.clone();
    let kind = rng.random_range(0..11);
    let new = match kind {
        0 => {
            let n = NUMBERS[rng.random_range(0..NUMBERS.len())];
            replace_some(&expr, rng, |t| t.parse::<f64>().is_ok(), n)
        }
        1 => {
            let op = OPERATORS[rng.random_range(0..OPERATORS.len())];
            expr.replacen(OPERATORS[rng.random_range(0..OPERATORS.len())], op, 1)
        }
        2 => {
            let d = DISTRIBUTIONS[rng.random_range(0..DISTRIBUTIONS.len())];
            replace_some(&expr, rng, |t| DISTRIBUTIONS.contains(&t) || t == "pert", d)
        }
        3 => {
            if let Some(toml::Value::Table(p)) = model.get_mut("params") {
                p.remove(&name);
            }
            return format!("deleted `{name}`");
        }
        4 => other.clone(),
        5 => format!("{name} + 1"),
        6 => {
            let wrap = [
                "ln({})",
                "1 / ({})",
                "({}) - ({})",
                "({}) ^ 1000",
                "truncate({}, 0, 1)",
                "sqrt({})",
                "-({})",
            ];
            wrap[rng.random_range(0..wrap.len())].replace("{}", &expr)
        }
        // Long chains of 20,000 terms are tests/hardening.rs's; here a few hundred.
        7 => vec![other.as_str(); 300].join(" + "),
        8 => {
            let claims = model
                .entry("claims")
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            if let toml::Value::Array(a) = claims {
                let mut c = toml::Table::new();
                c.insert(
                    "label".into(),
                    toml::Value::String(format!("claim on {name}\u{7}")),
                );
                c.insert("param".into(), toml::Value::String(name.clone()));
                let v = NUMBERS[rng.random_range(0..NUMBERS.len())];
                c.insert("value".into(), toml::Value::String(v.to_string()));
                a.push(toml::Value::Table(c));
            }
            return format!("claim on `{name}`");
        }
        9 => {
            if let Some(toml::Value::Table(m)) = model.get_mut("model") {
                let n = [0i64, 1, 2, 3, -5][rng.random_range(0..5)];
                m.insert("samples".into(), toml::Value::Integer(n));
            }
            return "samples".into();
        }
        _ => {
            if let Some(toml::Value::Table(m)) = model.get_mut("model") {
                let outs = vec![
                    toml::Value::String(name.clone()),
                    toml::Value::String(format!("{other}_x")),
                ];
                m.insert("outputs".into(), toml::Value::Array(outs));
            }
            return "outputs".into();
        }
    };
    let what = format!("`{name}` = {}", new.chars().take(120).collect::<String>());
    set_param(model, &name, new);
    what
}

#[test]
fn mutants_of_valid_models_load_and_run_or_are_refused_cleanly() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_261_130);
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds();
    let (mut ran, mut refused) = (0, 0);
    for case in 0..80 {
        let mut model: toml::Table = seeds[case % seeds.len()].parse().unwrap();
        let changes: Vec<String> = (0..rng.random_range(1..4))
            .map(|_| mutate(&mut model, &mut rng))
            .collect();
        let text = toml::to_string(&model).unwrap();
        let path = dir.path().join(format!("mutant-{case}.toml"));
        std::fs::write(&path, &text).unwrap();
        let mut args = RunArgs {
            file: Some(path.clone()),
            format: Format::Csv,
            sensitivity_rows: 1000,
            no_swing: case % 40 != 0,
            ..RunArgs::default()
        };
        args.sim.samples = Some(1000);
        args.sim.threads = Some(2);
        args.sim.quiet = true;
        // Charts for one mutant in thirty: drawing is by far the slowest part of a debug
        // build (the fuzz target draws them for every input).
        args.sim.no_charts = case % 30 != 1;
        args.sim.out = Some(dir.path().join(format!("out-{case}")));
        args.anatomy_window = 0.02;
        args.sampling.anatomy_rows = 100;
        args.sampling.anatomy_budget = Some(costsim::cli::BudgetArg::Draws(20_000));
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(|| app::run(&args));
        eprintln!(
            "mutant {case}: {:.2} s {changes:?}",
            started.elapsed().as_secs_f64()
        );
        match outcome {
            Err(_) => panic!("mutant {case} panicked: {changes:?}\n{text}"),
            Ok(Ok(_)) => ran += 1,
            Ok(Err(e @ (Error::Model(_) | Error::Usage(_)))) => {
                let msg = e.to_string();
                assert!(msg.starts_with("error"), "mutant {case}: {msg}");
                assert!(
                    !args.sim.out.as_ref().unwrap().exists(),
                    "mutant {case} refused but wrote"
                );
                refused += 1;
            }
            Ok(Err(e)) => {
                panic!("mutant {case} failed with an I/O-class error {e}: {changes:?}\n{text}")
            }
        }
    }
    // The mutator must produce both kinds, or it tests nothing.
    assert!(ran >= 15 && refused >= 15, "{ran} ran, {refused} refused");
}
