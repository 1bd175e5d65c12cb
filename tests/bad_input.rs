//! Every malformed model exits with code 2 and one clear message naming the file,
//! the line and column (where there is one) and the param; none panics; none writes
//! output. The models live in tests/data/bad/; the 10 MB junk file is made here.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// Runs `costsim run FILE --out <tmp>/out` and returns stderr, asserting exit code
/// 2, no panic and no output folder.
fn fails(file: &Path, extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let assert = Command::cargo_bin("costsim")
        .unwrap()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(&out)
        .args(["--samples", "20000"])
        .args(extra)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        !stderr.contains("panicked"),
        "{}: panicked:\n{stderr}",
        file.display()
    );
    assert!(!out.exists(), "{}: wrote output", file.display());
    assert!(
        assert.get_output().stdout.is_empty(),
        "{}: printed results",
        file.display()
    );
    stderr
}

fn bad(name: &str) -> PathBuf {
    Path::new("tests/data/bad").join(name)
}

/// Asserts that stderr holds every expected fragment.
fn expect(name: &str, fragments: &[&str]) {
    let stderr = fails(&bad(name), &[]);
    for f in fragments {
        assert!(stderr.contains(f), "{name}: expected {f:?} in:\n{stderr}");
    }
}

#[test]
fn toml_syntax_error() {
    expect(
        "toml_syntax.toml",
        &["invalid TOML", "toml_syntax.toml:6:18", "param `cost`"],
    );
}

#[test]
fn unknown_distribution_suggests_the_right_name() {
    expect(
        "unknown_distribution.toml",
        &[
            "unknown function or distribution `gauss`",
            "unknown_distribution.toml:3:10",
            "param `price`",
            "did you mean `normal`?",
        ],
    );
}

#[test]
fn wrong_arity() {
    expect(
        "wrong_arity.toml",
        &[
            "normal(mean, sd) takes 2 arguments, got 1",
            "wrong_arity.toml:2:10",
            "param `price`",
            "help: call it as normal(mean, sd), e.g. normal(100, 15): mean 100, standard deviation 15",
        ],
    );
}

#[test]
fn negative_sd() {
    expect(
        "negative_sd.toml",
        &[
            "sd must be >= 0, got -0.5",
            "negative_sd.toml:2:10",
            "param `price`",
        ],
    );
}

/// A range wider than a double holds: once an endless loop in the gamma sampler (its
/// shape was NaN), now a clear error.
#[test]
fn range_that_overflows_a_double() {
    expect(
        "range_overflow.toml",
        &[
            "pert: max − min overflows a double (min = -1e308, max = 1e308): rescale the units",
            "range_overflow.toml:3:10",
            "param `fleet`",
        ],
    );
}

#[test]
fn reversed_to_range() {
    expect(
        "to_reversed.toml",
        &[
            "p5 must be below p95",
            "to_reversed.toml:2:10",
            "param `price`",
            "help: write the 5th percentile first: 1.5 to 3",
        ],
    );
}

#[test]
fn non_positive_to_range_suggests_normal_ci() {
    expect(
        "to_nonpositive.toml",
        &[
            "p5 must be > 0",
            "to_nonpositive.toml:2:11",
            "param `margin`",
            "normal_ci(A, B)",
        ],
    );
}

#[test]
fn near_miss_param_gets_did_you_mean() {
    expect(
        "near_miss_param.toml",
        &[
            "unknown param `renatl_price`",
            "near_miss_param.toml:4:21",
            "param `cost`",
            "did you mean `rental_price`?",
        ],
    );
}

#[test]
fn cycle_names_every_param_in_it() {
    expect(
        "cycle.toml",
        &[
            "params form a cycle: a -> b -> c -> a",
            "cycle.toml:4:6",
            "param `c`",
        ],
    );
}

#[test]
fn claim_on_missing_param() {
    expect(
        "claim_missing_param.toml",
        &[
            "claim `Press figure` is about an unknown param `costs`",
            "claim_missing_param.toml:6:9",
            "did you mean `cost`?",
        ],
    );
}

#[test]
fn duplicate_name() {
    expect(
        "duplicate_name.toml",
        &["duplicate key", "duplicate_name.toml:4:1", "param `price`"],
    );
}

#[test]
fn empty_file() {
    expect(
        "empty.toml",
        &["the file is empty", "empty.toml", "[params]"],
    );
}

#[test]
fn non_utf8_bytes() {
    expect(
        "non_utf8.toml",
        &["not valid UTF-8 (byte 0xFF)", "non_utf8.toml:3:15"],
    );
}

#[test]
fn ten_megabytes_of_junk() {
    let tmp = tempfile::tempdir().unwrap();
    // Printable junk (a binary file fails earlier, on UTF-8) with no newline.
    let junk = tmp.path().join("junk.toml");
    let bytes: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| b"qwerty uiop=[]{}\"'#"[(i.wrapping_mul(2654435761) >> 27) as usize % 19])
        .collect();
    std::fs::write(&junk, bytes).unwrap();
    let stderr = fails(&junk, &[]);
    assert!(stderr.contains("invalid TOML"), "{stderr}");
    assert!(stderr.contains("junk.toml:1:"), "{stderr}");
    assert!(
        stderr.len() < 2000,
        "the message floods: {} bytes",
        stderr.len()
    );
}

#[test]
fn expression_nested_ten_thousand_deep() {
    expect(
        "nested_10000.toml",
        &["nested too deeply", "nested_10000.toml:2:", "param `x`"],
    );
}

#[test]
fn zero_samples_in_the_file_and_on_the_command_line() {
    expect(
        "samples_zero.toml",
        &[
            "samples must be at least 1, got 0",
            "samples_zero.toml:2:11",
        ],
    );
    let good = Path::new("tests/data/closed_form.toml");
    let tmp = tempfile::tempdir().unwrap();
    Command::cargo_bin("costsim")
        .unwrap()
        .args(["run", "--samples", "0", "--out"])
        .arg(tmp.path().join("o"))
        .arg(good)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--samples"));
}

#[test]
fn argument_invalid_at_run_time() {
    expect(
        "runtime_invalid_argument.toml",
        &[
            "sd must be >= 0, got -",
            "in sample",
            "runtime_invalid_argument.toml:3:9",
            "param `cost`",
            "truncate",
        ],
    );
}

#[test]
fn unknown_key_in_model_table() {
    expect(
        "unknown_model_key.toml",
        &[
            "unknown field `titel`",
            "expected one of `title`",
            "unknown_model_key.toml:2:1",
        ],
    );
}

#[test]
fn mixture_weights_mismatch() {
    expect(
        "mixture_weights_mismatch.toml",
        &["mixture has 2 items but 3 weights", "param `x`"],
    );
}

#[test]
fn unknown_output() {
    expect(
        "unknown_output.toml",
        &[
            "unknown output `totl`",
            "did you mean `total`?",
            "unknown_output.toml:2:20",
        ],
    );
}

#[test]
fn reserved_name() {
    expect(
        "reserved_name.toml",
        &["`normal` is a built-in name", "reserved_name.toml:2:1"],
    );
}

#[test]
fn truncate_window_without_mass() {
    expect(
        "truncate_empty_window.toml",
        &["holds no probability", "param `x`"],
    );
}

#[test]
fn list_outside_a_distribution() {
    expect(
        "list_outside_distribution.toml",
        &["only allowed as an argument of discrete() or mixture()"],
    );
}

#[test]
fn implicit_multiplication() {
    expect(
        "implicit_multiplication.toml",
        &["malformed number `2x`", "write `2 * x`"],
    );
}

#[test]
fn table_without_value() {
    expect("table_without_value.toml", &["has no `value`", "param `x`"]);
}

#[test]
fn every_file_in_the_bad_folder_fails_cleanly() {
    let files: Vec<PathBuf> = std::fs::read_dir("tests/data/bad")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 15, "only {} bad models", files.len());
    for f in files {
        let stderr = fails(&f, &[]);
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        assert!(
            stderr.contains(&name),
            "{name}: the message does not name the file"
        );
    }
}

#[test]
fn missing_file() {
    let stderr = fails(Path::new("tests/data/no_such_model.toml"), &[]);
    assert!(stderr.contains("no_such_model.toml"), "{stderr}");
    assert!(stderr.contains("cannot read the file"), "{stderr}");
}

#[test]
fn bad_overrides_fail_like_a_bad_model() {
    let good = Path::new("tests/data/closed_form.toml");
    let stderr = fails(good, &["--set", "lognrm_a=5"]);
    assert!(stderr.contains("cannot override `lognrm_a`"), "{stderr}");
    assert!(stderr.contains("did you mean `lognorm_a`?"), "{stderr}");
    let stderr = fails(good, &["--set", "lognorm_a=normal(1,"]);
    assert!(stderr.contains("--set:1:"), "{stderr}");
    assert!(stderr.contains("param `lognorm_a`"), "{stderr}");
}

#[test]
fn a_range_without_its_low_end_says_how_to_write_one() {
    expect(
        "range_without_low.toml",
        &[
            "expected a value before `to`",
            "range_without_low.toml:3:9",
            "param `cost`",
            "help: a range is `LOW to HIGH`",
        ],
    );
}

#[test]
fn a_misspelt_key_in_a_param_table_suggests_the_right_one() {
    expect(
        "misspelt_param_key.toml",
        &[
            "unknown key `valeu` in a param table (did you mean `value`?)",
            "misspelt_param_key.toml:3:8",
            "param `cost`",
        ],
    );
}

/// A name given on the command line that is nothing like any of the model's says
/// what there is to choose from; a near miss still gets its "did you mean".
#[test]
fn a_param_name_with_no_near_match_lists_the_params() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = |args: &[&str]| {
        let a = Command::cargo_bin("costsim")
            .unwrap()
            .args(args)
            .arg("--out")
            .arg(&out)
            .args(["-n", "1000"])
            .assert()
            .code(2);
        assert!(!out.exists(), "{args:?} wrote output");
        String::from_utf8_lossy(&a.get_output().stderr).into_owned()
    };
    let sweep = run(&["sweep", "--param", "nope", "--values", "1,2"]);
    assert!(
        sweep.contains("--param `nope`: the model has no such param"),
        "{sweep}"
    );
    assert!(
        sweep.contains("its params: `v3_gpu_hours`, `rental_price`"),
        "{sweep}"
    );
    assert!(
        sweep.contains("in all: `costsim check` lists them)"),
        "{sweep}"
    );
    let near = run(&["sweep", "--param", "fleet_gpu", "--values", "1,2"]);
    assert!(near.contains("did you mean `fleet_gpus`?"), "{near}");
    assert!(!near.contains("its params"), "{near}");
    let set = run(&["run", "--set", "nope=3"]);
    assert!(set.contains("cannot override `nope`"), "{set}");
    assert!(set.contains("help: its params: `v3_gpu_hours`"), "{set}");
    let outputs = run(&[
        "sweep",
        "--param",
        "fleet_gpus",
        "--values",
        "1,2",
        "--outputs",
        "zz",
    ]);
    let cond = run(&["run", "--where", "nope > 3"]);
    assert!(cond.contains("unknown param `nope`"), "{cond}");
    assert!(cond.contains("help: its params: `v3_gpu_hours`"), "{cond}");
    let value = run(&["run", "--set", "n_h800=nope"]);
    assert!(
        value.contains("help: its params: `v3_gpu_hours`"),
        "{value}"
    );
    let compared = run(&[
        "compare",
        "priors/deepseek_v3.toml",
        "priors/semianalysis.toml",
        "--outputs",
        "fleet_tc",
    ]);
    assert!(compared.contains("did you mean `fleet_tco`?"), "{compared}");
    let compared = run(&[
        "compare",
        "priors/deepseek_v3.toml",
        "priors/semianalysis.toml",
        "--outputs",
        "zz",
    ]);
    assert!(
        compared.contains("its outputs: `final_run_cost`"),
        "{compared}"
    );
    assert!(
        outputs.contains("its outputs: `final_run_cost`, `r1_cost`"),
        "{outputs}"
    );
}
