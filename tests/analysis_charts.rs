//! The analysis charts from real runs through the library: tornado and swing from a
//! run with sensitivity rows, Sobol indices of the Ishigami function, a sweep over
//! four values and a comparison of two overridden models. Every PNG decodes at the
//! requested size and is not blank.
//!
//! Set COSTSIM_CHART_DIR to a folder to keep the PNGs for a look.

use costsim::analysis::compare::Compared;
use costsim::analysis::run::{self as pipeline, RunSpec, Simulated};
use costsim::analysis::{sobol, sweep};
use costsim::error::Source;
use costsim::model::{self, Model, Override};
use costsim::plan::{self, Plan};
use costsim::plot::analysis;
use costsim::report::charts::ChartOptions;

const CLOSED: &str = "tests/data/closed_form.toml";
const ISHIGAMI: &str = "tests/data/ishigami.toml";

fn load(path: &str, set: &[&str]) -> (Model, Plan) {
    let source = Source {
        name: path.into(),
        text: std::fs::read_to_string(path).unwrap(),
    };
    let overrides: Vec<Override> = set.iter().map(|s| Override::Set(s.to_string())).collect();
    let m = model::load(source, &overrides).unwrap();
    let p = plan::compile(&m).unwrap();
    (m, p)
}

fn spec(rows: u64) -> RunSpec {
    RunSpec {
        samples: 20_000,
        seed: 7,
        threads: 2,
        rows,
    }
}

fn simulate(m: &Model, p: &Plan, rows: u64) -> Simulated {
    pipeline::simulate(m, p, spec(rows), &|_| {}).unwrap()
}

/// The share of pixels that are not (near) white.
fn ink(img: &image::RgbImage) -> f64 {
    let inked = img
        .pixels()
        .filter(|p| p.0.iter().any(|&c| c < 235))
        .count();
    inked as f64 / (img.width() as f64 * img.height() as f64)
}

/// Every expected file is there, decodes at the size asked for and is not blank.
fn check(files: &[(String, Vec<u8>)], expected: &[&str], opts: &ChartOptions) {
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected);
    let keep = std::env::var_os("COSTSIM_CHART_DIR");
    for (name, bytes) in files {
        let img = image::load_from_memory(bytes)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .to_rgb8();
        // A bands chart's height follows its rows.
        if name.contains("bands") {
            assert_eq!(img.width(), opts.width, "{name}");
        } else {
            assert_eq!(img.dimensions(), (opts.width, opts.height), "{name}");
        }
        let share = ink(&img);
        assert!(share > 0.02, "{name} is nearly blank: {share}");
        if let Some(dir) = &keep {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(std::path::Path::new(dir).join(name), bytes).unwrap();
        }
    }
}

/// The swing runs go in parallel; their rows must not depend on how many threads.
#[test]
fn swing_rows_are_the_same_for_any_thread_count() {
    let (m, p) = load(CLOSED, &[]);
    let sim = simulate(&m, &p, 10_000);
    let rows = |threads| {
        let rows = pipeline::swing(&m, &p, &sim.aggs, &sim.summary, threads).unwrap();
        serde_json::to_string(&rows).unwrap()
    };
    let one = rows(1);
    assert!(one.contains("output_at_p95"), "{one}");
    assert_eq!(one, rows(2));
    assert_eq!(one, rows(3));
    // Each output is swung only by its ancestor inputs: product by the two lognormals,
    // total by the two normals, scaled (an input itself) by none.
    let swing = pipeline::swing(&m, &p, &sim.aggs, &sim.summary, 2).unwrap();
    let pairs: Vec<(&str, &str)> = swing
        .iter()
        .map(|r| (r.output.as_str(), r.input.as_str()))
        .collect();
    assert_eq!(pairs.len(), 4, "{pairs:?}");
    for (o, i) in pairs {
        let ok = matches!(
            (o, i),
            ("product", "lognorm_a" | "lognorm_b") | ("total", "normal_a" | "normal_b")
        );
        assert!(ok, "{o} swung by {i}");
    }
}

#[test]
fn tornado_and_swing_from_a_run_with_sensitivity_rows() {
    let (m, p) = load(CLOSED, &[]);
    let mut sim = simulate(&m, &p, 10_000);
    sim.summary.swing = pipeline::swing(&m, &p, &sim.aggs, &sim.summary, 2).unwrap();
    let opts = ChartOptions::default();
    let tornado = analysis::tornado_files(
        &costsim::report::analysis_charts::tornado_charts(&sim.summary, &opts),
        &opts,
    )
    .unwrap();
    // `scaled` is itself an input (it draws its own randomness, from no other
    // input): nothing else drives it, so it has neither a tornado nor a swing chart.
    check(
        &tornado,
        &["tornado_product.png", "tornado_total.png"],
        &opts,
    );
    assert_eq!(sim.summary.self_driven, ["scaled"]);
    let swing = analysis::swing_files(
        &costsim::report::analysis_charts::swing_charts(&sim.summary, &opts),
        &opts,
    )
    .unwrap();
    check(&swing, &["swing_product.png", "swing_total.png"], &opts);
    // No rows kept: nothing to draw, and no error.
    let plain = simulate(&m, &p, 0);
    assert!(
        analysis::tornado_files(
            &costsim::report::analysis_charts::tornado_charts(&plain.summary, &opts),
            &opts
        )
        .unwrap()
        .is_empty()
    );
    assert!(
        analysis::swing_files(
            &costsim::report::analysis_charts::swing_charts(&plain.summary, &opts),
            &opts
        )
        .unwrap()
        .is_empty()
    );
}

#[test]
fn sobol_of_the_ishigami_function() {
    let (m, p) = load(ISHIGAMI, &[]);
    let rows = sobol::sobol(&m, &p, 4096, 2024, 2).unwrap();
    let opts = ChartOptions::default();
    let footer = "Ishigami function · N = 4,096 · seed 2024";
    let files = analysis::sobol_files(
        &costsim::report::analysis_charts::sobol_charts(&m, &rows, footer, &opts),
        &opts,
    )
    .unwrap();
    check(&files, &["sobol_y.png"], &opts);
}

#[test]
fn sweep_over_four_values_at_a_small_size() {
    let (m, _) = load(CLOSED, &[]);
    let param = m.index_of("normal_a").unwrap();
    let outputs = vec!["total".to_string(), "product".to_string()];
    let values = [0.0, 5.0, 10.0, 40.0];
    let steps = sweep::sweep(&m, param, &values, &outputs, spec(0), &|_| {}).unwrap();
    let opts = ChartOptions {
        width: 800,
        height: 500,
        exceedance: false,
        ..ChartOptions::default()
    };
    let files = analysis::sweep_files(
        &costsim::report::analysis_charts::sweep_charts(&m, param, &steps, &outputs, &opts),
        &opts,
    )
    .unwrap();
    check(&files, &["sweep_total.png", "sweep_product.png"], &opts);
}

#[test]
fn compare_two_overridden_models() {
    let run = |set: &[&str], title: &str| {
        let (m, p) = load(CLOSED, set);
        Compared {
            file: CLOSED.into(),
            title: title.into(),
            simulated: simulate(&m, &p, 0),
        }
    };
    let models = [
        run(&[], "Baseline"),
        run(
            &[
                "lognorm_a = lognormal(2.0, 0.3)",
                "normal_a = normal(20, 3)",
            ],
            "Shifted",
        ),
    ];
    let outputs: Vec<String> = ["product", "total", "scaled"].map(String::from).to_vec();
    for exceedance in [false, true] {
        let opts = ChartOptions {
            exceedance,
            ..ChartOptions::default()
        };
        let files = analysis::compare_files(
            &costsim::report::analysis_charts::compare_charts(&models, &outputs, &opts),
            &opts,
        )
        .unwrap();
        let expected = [
            "compare_hist_product.png",
            "compare_cdf_product.png",
            "compare_hist_total.png",
            "compare_cdf_total.png",
            "compare_hist_scaled.png",
            "compare_cdf_scaled.png",
            "compare_bands.png",
        ];
        check(&files, &expected, &opts);
    }
}

/// Three models, two of them the same: no model is drawn in orange, too close to the
/// claims' vermillion (the second model was).
#[test]
fn compared_models_keep_clear_of_the_claim_colour() {
    let run = |set: &[&str], title: &str| {
        let (m, p) = load(CLOSED, set);
        Compared {
            file: CLOSED.into(),
            title: title.into(),
            simulated: simulate(&m, &p, 0),
        }
    };
    let models = [
        run(&[], "Baseline"),
        run(&[], "Baseline again"),
        run(&["lognorm_a = lognormal(2.0, 0.3)"], "Shifted"),
    ];
    let outputs: Vec<String> = ["product", "total"].map(String::from).to_vec();
    let opts = ChartOptions::default();
    let files = analysis::compare_files(
        &costsim::report::analysis_charts::compare_charts(&models, &outputs, &opts),
        &opts,
    )
    .unwrap();
    let orange = |p: &image::Rgb<u8>| {
        let [r, g, b] = p.0;
        r.abs_diff(230) < 12 && g.abs_diff(159) < 12 && b < 30
    };
    for (name, bytes) in &files {
        let img = image::load_from_memory(bytes).unwrap().to_rgb8();
        let n = img.pixels().filter(|p| orange(p)).count();
        assert!(n < 20, "{name}: {n} orange pixels");
    }
}

/// Not a check: draws every kind from the default DeepSeek-V3 model (and a wide
/// Sobol model) into COSTSIM_CHART_DIR, at COSTSIM_CHART_SIZE ("1600x1000" unless
/// set), for a look: `cargo test --release --test analysis_charts -- --ignored`.
#[test]
#[ignore]
fn look_at_every_kind() {
    let dir = std::env::var("COSTSIM_CHART_DIR").expect("set COSTSIM_CHART_DIR");
    let size = std::env::var("COSTSIM_CHART_SIZE").unwrap_or_else(|_| "1600x1000".into());
    let (w, h) = size.split_once('x').expect("WIDTHxHEIGHT");
    let opts = ChartOptions {
        width: w.parse().unwrap(),
        height: h.parse().unwrap(),
        exceedance: false,
        ..ChartOptions::default()
    };
    let (m, p) = load("priors/deepseek_v3.toml", &[]);
    let mut sim = simulate(&m, &p, 10_000);
    sim.summary.swing = pipeline::swing(&m, &p, &sim.aggs, &sim.summary, 2).unwrap();
    let mut files = analysis::tornado_files(
        &costsim::report::analysis_charts::tornado_charts(&sim.summary, &opts),
        &opts,
    )
    .unwrap();
    files.extend(
        analysis::swing_files(
            &costsim::report::analysis_charts::swing_charts(&sim.summary, &opts),
            &opts,
        )
        .unwrap(),
    );
    let param = m.index_of("rental_price").unwrap();
    let values = [1.0, 1.5, 2.0, 3.0, 4.0];
    let outputs: Vec<String> = ["final_run_cost", "fleet_tco"].map(String::from).to_vec();
    let steps = sweep::sweep(&m, param, &values, &outputs, spec(0), &|_| {}).unwrap();
    files.extend(
        analysis::sweep_files(
            &costsim::report::analysis_charts::sweep_charts(&m, param, &steps, &outputs, &opts),
            &opts,
        )
        .unwrap(),
    );
    let (cheap, cheap_plan) = load("priors/deepseek_v3.toml", &["rental_price = 1 to 1.5"]);
    let models = [
        Compared {
            file: "deepseek_v3.toml".into(),
            title: "DeepSeek-V3".into(),
            simulated: sim,
        },
        Compared {
            file: "deepseek_v3.toml".into(),
            title: "Cheap rental".into(),
            simulated: simulate(&cheap, &cheap_plan, 0),
        },
    ];
    let outputs: Vec<String> = m
        .outputs
        .iter()
        .map(|&o| m.params[o].name.clone())
        .collect();
    files.extend(
        analysis::compare_files(
            &costsim::report::analysis_charts::compare_charts(&models, &outputs, &opts),
            &opts,
        )
        .unwrap(),
    );
    let (wide, wide_plan) = wide_model();
    let rows = sobol::sobol(&wide, &wide_plan, 4096, 1, 2).unwrap();
    files.extend(
        analysis::sobol_files(
            &costsim::report::analysis_charts::sobol_charts(
                &wide,
                &rows,
                "Wide · N = 4,096",
                &opts,
            ),
            &opts,
        )
        .unwrap(),
    );
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

/// 18 inputs with long labels and one interaction.
fn wide_model() -> (Model, Plan) {
    let mut text =
        String::from("[model]\ntitle = \"Wide\"\noutputs = [\"total_cost\"]\n[params]\n");
    let mut terms = Vec::new();
    for k in 0..18 {
        let label = format!("Input number {k} with a long label");
        text.push_str(&format!(
            "x{k} = {{ value = \"uniform(0, {})\", label = \"{label}\" }}\n",
            k + 1
        ));
        terms.push(format!("x{k}"));
    }
    text.push_str(&format!(
        "total_cost = {{ value = \"{} + x0 * x1\", label = \"Total cost\", unit = \"USD\" }}\n",
        terms.join(" + ")
    ));
    let source = Source {
        name: "wide.toml".into(),
        text,
    };
    let m = model::load(source, &[]).unwrap();
    let p = plan::compile(&m).unwrap();
    (m, p)
}
