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

#[test]
fn a_file_without_an_end_is_refused_after_the_size_limit() {
    for args in [
        vec!["check", "/dev/zero"],
        vec![
            "check",
            "priors/deepseek_v3.toml",
            "--set-file",
            "/dev/zero",
        ],
    ] {
        let assert = costsim()
            .args(&args)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(err.contains("/dev/zero"), "{err}");
        assert!(err.contains("larger than 16 MB"), "{err}");
    }
}

#[test]
fn an_absurd_sweep_grid_is_refused_with_the_reason() {
    let assert = costsim()
        .args([
            "sweep",
            "priors/deepseek_v3.toml",
            "--param",
            "rental_price",
        ])
        .args(["--range", "1:3:1000000000", "-q"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.contains("at most 10000"), "{err}");
}

#[test]
fn a_sweep_of_too_many_step_rows_is_refused_before_it_runs() {
    // 200 outputs that all depend on k, at 3,000 steps: 600,000 (step, output) rows.
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("[params]\nk = \"uniform(1, 2)\"\n");
    let mut outputs = Vec::new();
    for j in 0..200 {
        text.push_str(&format!("y{j} = \"k * {j}\"\n"));
        outputs.push(format!("\"y{j}\""));
    }
    text = format!("[model]\noutputs = [{}]\n{text}", outputs.join(","));
    let path = write(tmp.path(), "many.toml", &text);
    let out = tmp.path().join("out");
    let assert = costsim()
        .arg("sweep")
        .arg(&path)
        .args(["--param", "k", "--range", "1:2:3000", "-q", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        err.contains("3,000 steps × 200 outputs = 600,000 rows; a sweep reports at most 500,000"),
        "{err}"
    );
    assert!(err.contains("--outputs"), "{err}");
    assert!(!out.exists(), "nothing written");
    // With the outputs chosen, the same grid runs.
    costsim()
        .arg("sweep")
        .arg(&path)
        .args(["--param", "k", "--range", "1:2:3000", "-n", "100", "-q"])
        .args(["--outputs", "y1,y2", "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3000 * 2);
}

#[test]
fn values_across_the_whole_range_of_doubles_chart_within_a_memory_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[params]\nx = \"loguniform(1, 1.7e308)\"\ny = \"uniform(9e307, 1e308)\"\n\
        z = \"uniform(1, 2)\"\n\
        [[claims]]\nlabel = \"far\"\nparam = \"z\"\nvalue = 1e300\n\
        [[claims]]\nlabel = \"tiny\"\nparam = \"z\"\nvalue = 1e-320\n";
    let path = write(tmp.path(), "wide.toml", text);
    let out = tmp.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("costsim");
    // 2 GB of address space: the axis over 1e300 once asked for 24 GB.
    let script = format!(
        "ulimit -v 2000000 && exec '{}' run '{}' -n 20000 -q --no-swing --out '{}'",
        bin.display(),
        path.display(),
        out.display()
    );
    let status = std::process::Command::new("sh")
        .args(["-c", &script])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{status}");
    let rows = csv_rows(&std::fs::read_to_string(out.join("summary.csv")).unwrap());
    let y = rows.iter().find(|r| r["output"] == "y").unwrap();
    for col in ["mean", "sd", "p5", "p50", "p95"] {
        assert!(num(y, col).is_finite(), "y {col} = {}", y[col]);
    }
    assert!(out.join("hist_z.png").is_file());
}

#[test]
fn control_characters_in_titles_and_labels_never_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[model]\ntitle = \"Evil \\u001b[2J\\u0007 title\"\n[params]\n\
        x = { value = \"uniform(1, 2)\", label = \"lab\\u001b[31m\" }\n\
        [[claims]]\nlabel = \"c\\u001b]0;pwned\\u0007\\r\"\nparam = \"x\"\nvalue = 1.5\n";
    let path = write(tmp.path(), "evil.toml", text);
    for cmd in [
        vec!["run", "-n", "1000", "--no-charts", "--no-swing"],
        vec!["check"],
    ] {
        let mut c = costsim();
        c.arg(cmd[0]).arg(&path).args(&cmd[1..]);
        if cmd[0] == "run" {
            c.arg("--out").arg(tmp.path().join("out"));
        }
        let assert = c.assert().success();
        let stdout = &assert.get_output().stdout;
        assert!(
            !stdout.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
            "{}",
            String::from_utf8_lossy(stdout)
        );
        assert!(String::from_utf8_lossy(stdout).contains("Evil"));
    }
}

#[test]
fn sobol_of_a_model_without_inputs_says_why_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "k.toml", "[params]\na = 2\nb = \"a * 3\"\n");
    let out = tmp.path().join("out");
    let assert = costsim()
        .arg("sobol")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(err.contains("has no inputs"), "{err}");
    assert!(!out.exists());
}

#[test]
fn compare_given_one_file_twice_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let assert = costsim()
        .args([
            "compare",
            "tests/data/linear.toml",
            "tests/data/linear.toml",
        ])
        .args([
            "tests/data/closed_form.toml",
            "-n",
            "2000",
            "--no-charts",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(
        err.matches("tests/data/linear.toml is given more than once")
            .count(),
        1,
        "{err}"
    );
}

#[test]
fn labels_of_forty_thousand_characters_are_cut_and_charted() {
    let tmp = tempfile::tempdir().unwrap();
    let long = |c: &str| c.repeat(40_000);
    let text = format!(
        "[model]\ntitle = \"{}\"\n[params]\nx = {{ value = \"uniform(1, 2)\", label = \"{}\" }}\n\
         [[claims]]\nlabel = \"{}\"\nparam = \"x\"\nvalue = 1.5\n",
        long("T"),
        long("L"),
        long("C")
    );
    let path = write(tmp.path(), "long.toml", &text);
    let out = tmp.path().join("out");
    // Quadratic text fitting took 92 s on one such label; a minute is a generous bound.
    costsim()
        .arg("run")
        .arg(&path)
        .args(["-n", "2000", "-q", "--out"])
        .arg(&out)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.len() < 140), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("anatomy_ccc")),
        "{names:?}"
    );
}

#[test]
fn a_model_of_many_outputs_charts_a_bounded_number_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 60;
    let mut text = String::from("[params]\n");
    for i in 0..n {
        text.push_str(&format!(
            "a{i} = \"uniform(1, 2)\"\ny{i} = \"a{i} * 2 + a{}\"\n",
            (i + 1) % n
        ));
    }
    let path = write(tmp.path(), "wide.toml", &text);
    let out = tmp.path().join("out");
    let a = costsim()
        .arg("run")
        .arg(&path)
        .args(["-n", "2000", "--no-anatomy", "--out"])
        .arg(&out)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("charts for 40 of 60 outputs"), "{err}");
    let pngs = |prefix: &str| {
        std::fs::read_dir(&out)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(prefix)
            })
            .count()
    };
    assert_eq!(pngs("hist_"), 40);
    assert_eq!(pngs("tornado_"), 40);
    // Every output still has its numbers.
    let rows = csv_rows(&std::fs::read_to_string(out.join("summary.csv")).unwrap());
    assert_eq!(rows.len(), n);
}

/// Bytes a terminal or a document viewer would act on: ESC, BEL, CR, BS, NUL, VT,
/// C1 controls (U+009B is a one-character CSI) and U+202E (right-to-left override).
fn holds_unsafe(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c,
            '\u{1b}'
                | '\u{7}'
                | '\r'
                | '\u{8}'
                | '\0'
                | '\u{b}'
                | '\u{9b}'
                | '\u{202e}'
                | '\u{200b}'
        )
    })
}

#[test]
fn control_and_bidi_characters_never_reach_report_md_the_terminal_or_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[model]\ntitle = \"T \\u001b[2J \\u202e drawkcab\"\n\
        description = \"d \\u0007\\u0008\\u000b \\u009b31m\"\n[params]\n\
        x = { value = \"uniform(1, 2)\", label = \"lab\\u001b[31m\", unit = \"u\\u200b\\r\" }\n\
        [[claims]]\nlabel = \"c\\u001b]0;pwned\\u0007\"\nparam = \"x\"\nvalue = 1.5\n\
        source = \"s\\u0000\\u001b[1m\"\n";
    let path = write(tmp.path(), "evil.toml", text);
    let out = tmp.path().join("out");
    let run = costsim()
        .arg("run")
        .arg(&path)
        .args(["-n", "2000", "--no-swing", "--out"])
        .arg(&out)
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(!holds_unsafe(&printed), "{printed}");
    assert!(printed.contains("drawkcab"));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!holds_unsafe(&report), "{report}");
    assert!(report.contains("# T") && report.contains("lab"));
    // An error quoting a name from the model, or an argument.
    let bad = write(
        tmp.path(),
        "bad.toml",
        "[model]\noutputs = [\"x\\u001b[31m\"]\n[params]\nx = \"1\"\n",
    );
    let failed = costsim().arg("check").arg(&bad).assert().code(2);
    let message = String::from_utf8_lossy(&failed.get_output().stderr).to_string();
    assert!(!holds_unsafe(&message), "{message}");
    assert!(message.contains("unknown output"), "{message}");
    let failed = costsim()
        .arg("sweep")
        .arg(&path)
        .args(["--param", "k\u{1b}]0;t\u{7}", "--values", "1"])
        .assert()
        .code(2);
    let message = String::from_utf8_lossy(&failed.get_output().stderr).to_string();
    assert!(!holds_unsafe(&message), "{message}");
}

#[test]
fn names_units_and_labels_past_65535_characters_print_cut_instead_of_panicking() {
    // std's `{:<w$}` panics past a width of 65,535: a long name made `check` itself
    // panic, a long unit or claim label made `run` panic after sampling.
    let tmp = tempfile::tempdir().unwrap();
    let long = "n".repeat(70_000);
    let name = write(
        tmp.path(),
        "name.toml",
        &format!("[params]\n{long} = \"uniform(1, 2)\"\n"),
    );
    let check = costsim().arg("check").arg(&name).assert().success();
    let listing = String::from_utf8_lossy(&check.get_output().stdout).to_string();
    assert!(listing.contains("n…"), "the name is cut with an ellipsis");
    assert!(listing.len() < 2_000, "{} bytes", listing.len());
    let unit = "u".repeat(65_536);
    let label = "c".repeat(70_000);
    let labelled = write(
        tmp.path(),
        "unit.toml",
        &format!(
            "[params]\nx = {{ value = \"uniform(1, 2)\", unit = \"{unit}\" }}\n\
             [[claims]]\nlabel = \"{label}\"\nparam = \"x\"\nvalue = 1.5\n"
        ),
    );
    for extra in [&[][..], &["--where", "x > 1.2"][..]] {
        let out = tmp.path().join(format!("out{}", extra.len()));
        let run = costsim()
            .arg("run")
            .arg(&labelled)
            .args(["-n", "2000", "--no-charts", "--no-swing"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let printed = String::from_utf8_lossy(&run.get_output().stdout).to_string();
        assert!(
            printed.contains("c…") && printed.len() < 20_000,
            "{}",
            printed.len()
        );
        // The files keep the whole text.
        let claims = std::fs::read_to_string(out.join("claims.csv")).unwrap();
        assert!(claims.contains(&label));
    }
}

#[test]
fn ranges_and_weights_near_the_largest_double_draw_the_right_law() {
    // Finite arguments whose intermediate products overflowed: PERT's 4·(max − mode)
    // gave every draw 0 or NaN, the triangle's range·(mode − min) gave ±∞, and
    // weights summing past the largest double always drew the last item.
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "wide.toml",
        "[params]\n\
         p = \"pert(0, 1e307, 1e308)\"\n\
         q = \"pert(1e307, 1.5e308, 1.7e308)\"\n\
         t = \"triangular(0, 1e308, 1.5e308)\"\n\
         d = \"discrete([1, 2], [1e308, 1e308])\"\n\
         m = \"mixture([normal(0, 1), normal(5, 1)], [1e308, 1e308])\"\n",
    );
    let out = tmp.path().join("out");
    let run = costsim()
        .arg("run")
        .arg(&path)
        .args([
            "-n",
            "20000",
            "--no-charts",
            "--no-swing",
            "-q",
            "-f",
            "csv",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let rows = csv_rows(&String::from_utf8_lossy(&run.get_output().stdout));
    let row = |name: &str| rows.iter().find(|r| r["output"] == name).unwrap().clone();
    let near = |name: &str, truth: f64, tolerance: f64| {
        let r = row(name);
        let mean = num(&r, "mean");
        assert!(
            (mean / truth - 1.0).abs() < tolerance,
            "{name}: mean {mean:e}, expected {truth:e}"
        );
        assert!(
            num(&r, "min").is_finite() && num(&r, "max").is_finite(),
            "{r:?}"
        );
    };
    // PERT's mean is (min + 4·mode + max)/6; the triangle's (min + mode + max)/3.
    near("p", (0.0 + 4e307 + 1e308) / 6.0, 0.02);
    near("q", 1e307 / 6.0 + 1.5e308 / 1.5 + 1.7e308 / 6.0, 0.02);
    near("t", 1e308 / 3.0 + 1.5e308 / 3.0, 0.02);
    assert!(num(&row("t"), "max") <= 1.5e308 && num(&row("t"), "min") >= 0.0);
    near("d", 1.5, 0.03);
    near("m", 2.5, 0.05);
}

#[test]
fn percentiles_that_lost_their_bound_are_named_by_every_command_and_merge_exactly() {
    // 160 decades: the sketch folds the smallest magnitudes into one bucket. `run`
    // warned; merge gave other numbers than the run (the fold depended on how chunks
    // were grouped) and compare and sweep printed the folded values without a word.
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "wide.toml",
        "[model]\nsamples = 100000\n[params]\nk = \"1\"\nx = \"k * loguniform(1e-80, 1e80)\"\n",
    );
    let dir = |name: &str| tmp.path().join(name);
    let run = costsim()
        .arg("run")
        .arg(&path)
        .args(["--no-charts", "--no-swing", "--no-anatomy", "--out"])
        .arg(dir("run"))
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(
        printed.contains("except those the warnings name"),
        "{printed}"
    );
    let warned = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(
        warned.contains("p1, p5, p10, p25, p50 lost the"),
        "{warned}"
    );
    let json = std::fs::read_to_string(dir("run").join("summary.json")).unwrap();
    assert!(json.contains("\"lost_bound\""), "{json}");
    for k in 0..2 {
        costsim()
            .arg("run")
            .arg(&path)
            .args(["-q", "--shard", &format!("{k}/2"), "--state"])
            .arg(dir(&format!("s{k}.cstate")))
            .assert()
            .success();
    }
    let merged = costsim()
        .arg("merge")
        .arg(dir("s1.cstate"))
        .arg(dir("s0.cstate"))
        .args(["--out"])
        .arg(dir("merged"))
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&merged.get_output().stderr).contains("lost the"));
    assert_eq!(
        std::fs::read(dir("run").join("summary.csv")).unwrap(),
        std::fs::read(dir("merged").join("summary.csv")).unwrap()
    );
    let compared = costsim()
        .arg("compare")
        .arg(&path)
        .arg(&path)
        .args(["--no-charts", "-n", "20000", "--out"])
        .arg(dir("compare"))
        .assert()
        .success();
    let warned = String::from_utf8_lossy(&compared.get_output().stderr).to_string();
    assert!(
        warned.contains("wide.toml: `x`:") && warned.contains("lost the"),
        "{warned}"
    );
    let swept = costsim()
        .arg("sweep")
        .arg(&path)
        .args([
            "--param",
            "k",
            "--values",
            "1,2,3",
            "--no-charts",
            "-n",
            "20000",
            "--out",
        ])
        .arg(dir("sweep"))
        .assert()
        .success();
    let warned = String::from_utf8_lossy(&swept.get_output().stderr).to_string();
    assert!(
        warned.contains("at k = 1 (and 2 other steps): `x`:"),
        "{warned}"
    );
}

#[test]
fn chart_files_of_names_differing_only_in_case_stay_apart_on_any_file_system() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "case.toml",
        "[model]\noutputs = [\"Cost\", \"cost\", \"COST\"]\n[params]\n\
         Cost = \"uniform(1, 2)\"\ncost = \"uniform(3, 4)\"\nCOST = \"Cost + cost\"\n",
    );
    let out = tmp.path().join("out");
    costsim()
        .arg("run")
        .arg(&path)
        .args(["-n", "2000", "-q", "--no-swing", "--out"])
        .arg(&out)
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_lowercase())
        .filter(|n| n.starts_with("hist_"))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        3,
        "lower-cased, two names are one file: {names:?}"
    );
    // report.md links each output to its own file.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for name in ["Cost", "cost", "COST"] {
        let file = report
            .lines()
            .find(|l| l.starts_with("![Histogram") && l.contains(&format!("hist_{name}")))
            .unwrap_or_else(|| panic!("no histogram link for {name}: {report}"));
        assert!(file.ends_with(".png)"), "{file}");
    }
}

#[test]
fn sobol_says_why_an_outputs_indices_are_not_defined() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "nan.toml",
        "[model]\noutputs = [\"huge\", \"flat\", \"fine\"]\n[params]\n\
         a = \"uniform(1e307, 1.7e308)\"\nb = \"uniform(0, 1)\"\n\
         huge = \"a + b\"\nflat = \"0 * b\"\nfine = \"b\"\n",
    );
    let out = tmp.path().join("sobol");
    let run = costsim()
        .arg("sobol")
        .arg(&path)
        .args(["-n", "2000", "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let warned = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    for name in ["huge", "flat"] {
        assert!(
            warned.contains(&format!("`{name}`: its Sobol indices are not defined")),
            "{warned}"
        );
    }
    assert!(!warned.contains("`fine`"), "{warned}");
}

#[test]
fn clamp_with_its_bounds_swapped_is_refused_by_check() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(
        tmp.path(),
        "clamp.toml",
        "[params]\nx = \"uniform(0, 2)\"\ny = \"clamp(x, 1, 0)\"\n",
    );
    let failed = costsim().arg("check").arg(&path).assert().code(2);
    let message = String::from_utf8_lossy(&failed.get_output().stderr).to_string();
    assert!(
        message.contains("clamp's low bound 1 is above its high bound 0")
            && message.contains("clamp.toml:3:"),
        "{message}"
    );
}

#[test]
fn a_model_past_four_million_tokens_is_refused_by_check_and_run_alike() {
    // 2,100,000 terms `x+x+…` (4.2 million tokens, 4.2 MB): parsing a 14 MB one took
    // 1.8 GB; the lexer now stops at the limit, before holding the tokens.
    assert_eq!(
        costsim::model::lexer::MAX_TOKENS,
        4_000_000,
        "the message says 4,000,000"
    );
    let tmp = tempfile::tempdir().unwrap();
    let terms = vec!["x"; 2_100_000].join("+");
    let text = format!("[params]\nx = \"uniform(1, 2)\"\ny = \"{terms}\"\n");
    let path = write(tmp.path(), "long.toml", &text);
    for command in ["check", "run"] {
        let out = tmp.path().join("out");
        let run = std::process::Command::new("prlimit")
            .arg("--data=600000000")
            .arg("--")
            .arg(assert_cmd::cargo::cargo_bin("costsim"))
            .arg(command)
            .arg(&path)
            .args(match command {
                "run" => vec!["--out", out.to_str().unwrap()],
                _ => vec![],
            })
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains("in param `y`: the model's expressions hold more than 4,000,000 tokens"),
            "{command}: {err}"
        );
        assert!(err.contains("long.toml:3:"), "{command}: {err}");
        assert!(!out.exists());
    }
}

#[test]
fn a_model_of_more_than_100k_params_is_refused_up_front() {
    // Each param holds a block of 256 values per worker thread while a run computes:
    // 300,000 params took 2 GB.
    assert_eq!(
        costsim::model::MAX_PARAMS,
        100_000,
        "the message says 100,000"
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("[params]\n");
    for i in 0..100_001 {
        text.push_str(&format!("p{i} = 1\n"));
    }
    let path = write(tmp.path(), "wide.toml", &text);
    let assert = costsim().arg("check").arg(&path).assert().code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        err.contains(
            "in param `p100000`: the model has 100001 params, more than costsim's limit of 100,000"
        ),
        "{err}"
    );
    assert!(err.contains("wide.toml:100002:1"), "{err}");
}
