//! The command line as a user drives it: the default model, the result files and
//! their columns, stdout formats, determinism across thread counts, `check`.

mod common;

use common::{costsim, csv_rows, num, run_ok};
use std::path::Path;

const CLOSED: &str = "tests/data/closed_form.toml";

const SUMMARY_COLUMNS: &str =
    "output,label,unit,mean,sd,min,p1,p5,p10,p25,p50,p75,p90,p95,p99,max,nonfinite";
const CLAIMS_COLUMNS: &str = "claim,param,value,percentile_rank,p_below,p_above,verdict";

#[test]
fn bare_costsim_runs_the_built_in_default_model_from_any_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let assert = costsim()
        .current_dir(tmp.path())
        .args(["--samples", "20000", "--anatomy-rows", "200"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("DeepSeek-V3"), "{stdout}");
    assert!(stdout.contains("What each claim would take"), "{stdout}");
    assert!(stdout.contains("final_run_cost"), "{stdout}");
    assert!(stdout.contains("P(above)"), "{stdout}");
    assert!(stdout.contains("of worlds are"), "{stdout}");
    assert!(!stdout.contains("central"), "{stdout}");
    let dir = tmp.path().join("output/deepseek_v3");
    for f in ["summary.csv", "summary.json", "claims.csv"] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let names: Vec<String> = csv_rows(&summary)
        .iter()
        .map(|r| r["output"].clone())
        .collect();
    for required in [
        "final_run_cost",
        "r1_cost",
        "final_runs_cost",
        "experiment_compute_cost",
        "staff_cost",
        "development_cost",
        "fleet_capex",
        "fleet_opex",
        "fleet_tco",
        "owner_cost_per_gpu_hour",
        "tco_to_final_ratio",
        "v3_gpu_hours_from_flops",
    ] {
        assert!(
            names.contains(&required.to_string()),
            "{required} not reported"
        );
    }
    let claims = std::fs::read_to_string(dir.join("claims.csv")).unwrap();
    // DeepSeek's two figures, its pre-training hours against the FLOP check, both
    // versions of SemiAnalysis's capex and operating cost, its TCO, and the $2 rate.
    assert_eq!(csv_rows(&claims).len(), 9);
}

#[test]
fn result_files_have_the_documented_columns() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&[CLOSED, "--samples", "10000"], tmp.path());
    let summary = std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
    assert!(summary.starts_with(SUMMARY_COLUMNS), "{summary}");
    let rows = csv_rows(&summary);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["output"], "product");
    assert_eq!(rows[0]["label"], "Product of lognormals");
    assert_eq!(rows[0]["unit"], "USD");
    for r in &rows {
        let cols = [
            "min", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "max",
        ];
        let v: Vec<f64> = cols.iter().map(|c| num(r, c)).collect();
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "not monotone: {v:?}");
        assert_eq!(r["nonfinite"], "0");
    }
    let claims = std::fs::read_to_string(tmp.path().join("claims.csv")).unwrap();
    assert!(claims.starts_with(CLAIMS_COLUMNS), "{claims}");
    let rows = csv_rows(&claims);
    assert!(
        rows[0]["verdict"].starts_with("in the middle half: "),
        "{}",
        rows[0]["verdict"]
    );
    assert!((num(&rows[0], "percentile_rank") - 50.0).abs() < 2.0);
    assert_eq!(
        rows[1]["verdict"],
        "beyond the upper end: none of 10,000 worlds is higher"
    );
    assert_eq!(num(&rows[1], "p_above"), 0.0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(json["run"]["samples"], 10000);
    assert_eq!(json["run"]["seed"], 7);
    assert!(json["run"]["elapsed_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(json["run"]["sketch_relative_accuracy"], 0.0005);
    assert_eq!(json["outputs"][1]["output"], "total");
}

#[test]
fn format_flag_prints_csv_or_json_to_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = run_ok(&[CLOSED, "-n", "5000", "--format", "csv"], tmp.path());
    let file = std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
    assert_eq!(csv, file);
    let json = run_ok(&[CLOSED, "-n", "5000", "--format", "json"], tmp.path());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["model"]["title"], "Closed-form outputs");
}

#[test]
fn results_are_bit_identical_for_any_thread_count() {
    let (one, two, again) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    // 300k samples: several chunks, and a partial last one.
    let args = [
        CLOSED,
        "--samples",
        "300001",
        "--seed",
        "11",
        "--anatomy-budget",
        "3e6",
    ];
    run_ok(&[&args[..], &["--threads", "1"]].concat(), one.path());
    run_ok(&[&args[..], &["--threads", "2"]].concat(), two.path());
    run_ok(&[&args[..], &["--threads", "2"]].concat(), again.path());
    for f in ["summary.csv", "claims.csv", "anatomy.csv"] {
        let a = std::fs::read(one.path().join(f)).unwrap();
        assert_eq!(
            a,
            std::fs::read(two.path().join(f)).unwrap(),
            "{f}: 1 vs 2 threads"
        );
        assert_eq!(
            a,
            std::fs::read(again.path().join(f)).unwrap(),
            "{f}: rerun"
        );
    }
    let other = tempfile::tempdir().unwrap();
    run_ok(
        &[CLOSED, "--samples", "300001", "--seed", "12"],
        other.path(),
    );
    assert_ne!(
        std::fs::read(one.path().join("summary.csv")).unwrap(),
        std::fs::read(other.path().join("summary.csv")).unwrap()
    );
}

#[test]
fn golden_p50_of_a_fixed_seed() {
    // Pins the exact bits: a change to sampling, streams or the sketch shows here.
    let tmp = tempfile::tempdir().unwrap();
    let csv = run_ok(
        &[CLOSED, "-n", "100000", "--seed", "42", "-f", "csv"],
        tmp.path(),
    );
    let rows = csv_rows(&csv);
    assert_eq!(rows[0]["p50"], GOLDEN_PRODUCT_P50, "product p50 moved");
    assert_eq!(rows[1]["p50"], GOLDEN_TOTAL_P50, "total p50 moved");
}
const GOLDEN_PRODUCT_P50: &str = "4.473999812111627";
const GOLDEN_TOTAL_P50: &str = "5.998000166277101";

#[test]
fn check_lists_params_in_dependency_order_with_their_kinds() {
    let assert = costsim().args(["check", CLOSED]).assert().success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(out.contains("7 params: 5 inputs"), "{out}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{out}"))
            .to_string()
    };
    assert!(line("lognorm_a").contains("input"));
    assert!(line("product").contains("derived"));
    assert!(line("product").contains("reported"));
    let pos = |name: &str| out.find(&format!("\n{name} ")).unwrap();
    assert!(pos("lognorm_a") < pos("product") && pos("lognorm_b") < pos("product"));
    assert!(out.contains("ok: the model is valid"));
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("c.toml");
    std::fs::write(&m, "[params]\nrate = 2\nhours = \"rate * 10\"\n").unwrap();
    let out = costsim().arg("check").arg(&m).assert().success();
    let out = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        out.contains("0 inputs (0 distribution sites), 0 derived, 2 constant"),
        "{out}"
    );
}

#[test]
fn check_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    costsim()
        .current_dir(tmp.path())
        .arg("check")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(CLOSED))
        .assert()
        .success();
    assert!(!tmp.path().join("output").exists());
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("costsim");
    let script = format!(
        "'{}' run {CLOSED} -n 2000 -q -f csv --out '{}' | head -c 10 >/dev/null; exit ${{PIPESTATUS[0]}}",
        bin.display(),
        tmp.path().display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn non_finite_samples_are_counted_and_traced_to_their_param() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("nan.toml");
    std::fs::write(
        &m,
        "[model]\noutputs = [\"y\"]\n[params]\nx = \"normal(0, 1)\"\nroot = \"sqrt(x)\"\ny = \"root * 2\"\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    let assert = costsim()
        .arg("run")
        .arg(&m)
        .args(["-n", "10000", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("`y`:"), "{stderr}");
    assert!(stderr.contains("not finite"), "{stderr}");
    assert!(stderr.contains("first arising in param `root`"), "{stderr}");
    let rows = csv_rows(&std::fs::read_to_string(out.join("summary.csv")).unwrap());
    let nonfinite: u64 = rows[0]["nonfinite"].parse().unwrap();
    assert!((4500..5500).contains(&nonfinite), "{nonfinite}");
    assert!(num(&rows[0], "min") >= 0.0);
}

#[test]
fn a_non_finite_output_is_traced_to_its_own_ancestors_only() {
    // `s` goes NaN wherever `t` does (x < -0.5 implies x < 0), and comes first in the
    // file: `t`'s origin is `t` itself, which does not depend on `s`.
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m.toml");
    std::fs::write(
        &m,
        "[model]\noutputs = [\"s\", \"t\"]\n[params]\nx = \"normal(0, 1)\"\ns = \"sqrt(x)\"\nt = \"ln(x + 0.5)\"\n",
    )
    .unwrap();
    let assert = costsim()
        .arg("run")
        .arg(&m)
        .args(["-n", "10000", "--no-charts", "--out"])
        .arg(tmp.path().join("o"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("`t`:"), "{stderr}");
    assert!(!stderr.contains("first arising in param `s`"), "{stderr}");
}

#[test]
fn overrides_change_results_exactly_as_editing_the_file_would() {
    let tmp = tempfile::tempdir().unwrap();
    let edited = tmp.path().join("closed_form.toml");
    let text = std::fs::read_to_string(CLOSED).unwrap();
    std::fs::write(
        &edited,
        text.replace("\"normal(10, 3)\"", "\"uniform(2, 4)\""),
    )
    .unwrap();
    let a = run_ok(
        &[edited.to_str().unwrap(), "-n", "50000", "-f", "csv"],
        &tmp.path().join("a"),
    );
    let b = run_ok(
        &[
            CLOSED,
            "-n",
            "50000",
            "-f",
            "csv",
            "--set",
            "normal_a=uniform(2, 4)",
        ],
        &tmp.path().join("b"),
    );
    assert_eq!(a, b);
}

#[test]
fn init_writes_the_shipped_priors_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    costsim()
        .current_dir(tmp.path())
        .arg("init")
        .assert()
        .success();
    // Every file of priors/ (the built-in copies are the repository's own).
    let mut shipped = Vec::new();
    for entry in walk(std::path::Path::new("priors")) {
        let rel = entry.strip_prefix("priors").unwrap().to_path_buf();
        let written = tmp.path().join("priors").join(&rel);
        assert_eq!(
            std::fs::read(&written).unwrap_or_default(),
            std::fs::read(&entry).unwrap(),
            "{}",
            rel.display()
        );
        shipped.push(rel);
    }
    assert!(shipped.len() >= 7, "{shipped:?}");
    // The local copy is the default model now, and runs.
    costsim()
        .current_dir(tmp.path())
        .args(["-n", "1000", "-q", "--no-charts", "--no-swing"])
        .assert()
        .success();
    // A second init refuses and leaves an edited file alone.
    let model = tmp.path().join("priors/deepseek_v3.toml");
    std::fs::write(&model, "edited").unwrap();
    let a = costsim()
        .current_dir(tmp.path())
        .arg("init")
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("init would overwrite"), "{err}");
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "edited");
}

#[test]
fn report_md_points_to_the_sources_where_init_put_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("elsewhere");
    costsim().arg("init").arg(&dir).assert().success();
    let out = tmp.path().join("out");
    costsim()
        .arg(dir.join("deepseek_v3.toml"))
        .args([
            "-n",
            "1000",
            "-q",
            "--no-charts",
            "--no-swing",
            "--no-anatomy",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    // It said "see priors/SOURCES.md", a folder init had not written.
    assert!(!report.contains("priors/SOURCES.md"), "{report}");
    assert!(
        report.contains("SOURCES.md beside this model file"),
        "{report}"
    );
    assert!(dir.join("SOURCES.md").exists());
}

/// Every file under `dir`, recursively.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn check_notes_inputs_that_reach_no_output_or_claim() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("idle.toml");
    std::fs::write(
        &m,
        "[model]\noutputs = [\"y\"]\n[params]\na = \"uniform(1, 2)\"\nb = \"normal(0, 1)\"\n\
         lost = \"uniform(0, 1)\"\ny = \"a * 2\"\nz = \"b + lost\"\n\
         [[claims]]\nlabel = \"z claim\"\nparam = \"z\"\nvalue = 1\n",
    )
    .unwrap();
    let out = costsim().arg("check").arg(&m).assert().success();
    let out = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // b and lost feed the claim's z; nothing is idle.
    assert!(!out.contains("reach no output"), "{out}");
    std::fs::write(
        &m,
        "[model]\noutputs = [\"y\"]\n[params]\na = \"uniform(1, 2)\"\nlost = \"uniform(0, 1)\"\n\
         y = \"a * 2\"\n",
    )
    .unwrap();
    let out = costsim().arg("check").arg(&m).assert().success();
    let out = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        out.contains("note: 1 input(s) reach no output or claim (drawn, never reported): lost"),
        "{out}"
    );
}

/// A plain run prints its table's head (outputs and claims) as soon as the simulation
/// ends, before the anatomy that follows: here an anatomy that would take many seconds
/// (a window holding ~1 world in a million) is still drawing when the head arrives.
#[test]
fn the_tables_head_arrives_before_the_anatomy_ends() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("tail.toml");
    std::fs::write(
        &model,
        "[params]\nx = \"normal(0, 1)\"\n\n[[claims]]\nlabel = \"far\"\nparam = \"x\"\nvalue = 4\n",
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_costsim"))
        .arg("run")
        .arg(&model)
        .args(["-n", "100000", "--no-swing", "--anatomy-window", "0.001"])
        .args(["--anatomy-budget", "1T", "--quiet", "--out"])
        .arg(tmp.path().join("o"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut head = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("far ");
        head.push(line);
        if done {
            break;
        }
    }
    let still_drawing = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(head.iter().any(|l| l.starts_with("x ")), "{head:?}");
    assert!(head.last().unwrap().contains("upper tail"), "{head:?}");
    assert!(
        still_drawing,
        "the run ended before its head was read: {head:?}"
    );
}

/// `--help` of a command that writes its own CSV names that file, not run's summary,
/// and `-n` says what it means there (sobol ignores the file's samples).
#[test]
fn help_names_each_commands_own_output_and_samples() {
    let help = |cmd: &str| {
        let a = costsim().args([cmd, "--help"]).assert().success();
        String::from_utf8(a.get_output().stdout.clone()).unwrap()
    };
    let flag = |text: &str, name: &str| -> String {
        let start = text.find(name).unwrap_or_else(|| panic!("{name}: {text}"));
        let rest = &text[start..];
        let end = rest.find("\n\n").unwrap_or(rest.len());
        rest[..end].to_string()
    };
    for (cmd, csv) in [
        ("sobol", "sobol.csv"),
        ("sweep", "sweep.csv"),
        ("compare", "compare.csv"),
    ] {
        let text = help(cmd);
        let f = flag(&text, "-f, --format");
        assert!(f.contains(csv), "{cmd}: {f}");
        assert!(!f.contains("summary"), "{cmd}: {f}");
        let n = flag(&text, "-n, --samples");
        match cmd {
            "sobol" => {
                assert!(n.contains("Base samples N"), "{n}");
                assert!(n.contains("16,384"), "{n}");
                assert!(n.contains("N·(k + 2)"), "{n}");
                assert!(!n.contains("overrides"), "{n}");
            }
            "sweep" => assert!(n.contains("per step"), "{n}"),
            _ => assert!(n.contains("the first file's"), "{n}"),
        }
    }
    let run = help("run");
    assert!(run.contains("csv:   summary.csv"), "{run}");
    assert!(!flag(&run, "-n, --samples").contains("sobol"), "{run}");
    let merge = help("merge");
    let f = flag(&merge, "-f, --format");
    assert!(f.contains("sweep.csv") && f.contains("sobol.csv"), "{f}");
}

/// report.md's prose (the model's description, the claims' sources) shows money as
/// written: `$` is escaped only where it could close inline maths, which an amount
/// never does; the raw text had "\$2" and "\$5.576M" throughout.
#[test]
fn report_md_prose_shows_money_without_backslashes() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&["-n", "2000", "--no-charts", "--no-anatomy"], tmp.path());
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert_eq!(md.matches("\\$").count(), 0, "{md}");
    for said in [
        "priced at an assumed $2 per GPU-hour",
        "DeepSeek's $5.576M and $294K",
        "S6 ('$944M associated with operating such clusters')",
    ] {
        assert!(md.contains(said), "{said}: {md}");
    }
}

/// Under 100 samples, p1 and p99 rest on no sample of their own: the warning says what
/// they are instead of "rest on 0 samples each".
#[test]
fn a_run_of_ten_samples_says_what_its_p1_and_p99_are() {
    let tmp = tempfile::tempdir().unwrap();
    let out = costsim()
        .args(["run", "-n", "10", "--no-charts", "--out"])
        .arg(tmp.path().join("o"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("p1 and p99 are about the smallest and largest values"),
        "{err}"
    );
    assert!(!err.contains("rest on 0 samples"), "{err}");
}

/// An output of −0 (here `0 * -x`) and a claim of "-0" print as 0 in every file.
#[test]
fn negative_zero_prints_as_zero_in_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("zero.toml");
    std::fs::write(
        &model,
        "[params]\nx = \"uniform(1, 2)\"\nz = \"0 * -x\"\nw = \"x + z\"\n\n\
         [[claims]]\nlabel = \"nothing\"\nparam = \"z\"\nvalue = \"-0\"\n",
    )
    .unwrap();
    let out = tmp.path().join("o");
    run_ok(
        &[model.to_str().unwrap(), "-n", "20000", "--no-charts"],
        &out,
    );
    for file in ["summary.json", "summary.csv", "claims.csv", "anatomy.csv"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap_or_default();
        for bad in ["-0.0", ",-0,", ",-0\n"] {
            assert!(!text.contains(bad), "{file} holds {bad}: {text}");
        }
    }
}
