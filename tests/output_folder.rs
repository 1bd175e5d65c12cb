//! A run's results are all-or-nothing and never mix: checks before sampling, a
//! manifest that removes only the previous run's own stale files, a lock, signals.

mod common;

use common::costsim;
use std::path::Path;

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The manifest lists exactly the files costsim wrote.
fn manifest(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(dir.join(".costsim-manifest"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    v.sort();
    v
}

fn run(model: &str, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    costsim()
        .args(["run", model, "-n", "3000", "-q", "--no-swing", "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

#[test]
fn a_second_model_into_one_folder_replaces_the_first_and_keeps_foreign_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run("tests/data/closed_form.toml", &out, &[]).success();
    let first = manifest(&out);
    assert!(first.contains(&"hist_product.png".to_string()));
    std::fs::write(out.join("my_notes.txt"), "mine").unwrap();
    run("tests/data/linear.toml", &out, &[]).success();
    let second = manifest(&out);
    let mut expected = second.clone();
    expected.push(".costsim-lock".into());
    expected.push(".costsim-manifest".into());
    expected.push("my_notes.txt".into());
    expected.sort();
    // Nothing of the first model is left; the user's file is.
    assert_eq!(listing(&out), expected);
    assert!(!second.contains(&"hist_product.png".to_string()));
    assert_eq!(
        std::fs::read_to_string(out.join("my_notes.txt")).unwrap(),
        "mine"
    );
    // No staging folder, lock or temp file beside it.
    let beside = listing(tmp.path());
    assert_eq!(beside, ["out"], "{beside:?}");
}

#[test]
fn an_out_that_is_a_file_or_cannot_be_created_is_refused_before_sampling() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    // 10^12 samples: refused at once, or this test would never end.
    let a = costsim()
        .args([
            "run",
            "tests/data/linear.toml",
            "-n",
            "1000000000000",
            "--out",
        ])
        .arg(&file)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("is a file, not a folder"), "{err}");
    let a = costsim()
        .args([
            "run",
            "tests/data/linear.toml",
            "-n",
            "1000000000000",
            "--out",
        ])
        .arg(file.join("sub"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("cannot create the folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

/// The files of `dir`, with their bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap()))
        .collect()
}

/// Runs closed_form.toml at 3,000,000 samples into `out`, doing `meanwhile` while it
/// samples; expects exit 1 with the results printed anyway, and returns stderr.
fn run_failing_to_write(out: &Path, meanwhile: impl FnOnce()) -> String {
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("costsim"))
        .args([
            "run",
            "tests/data/closed_form.toml",
            "-n",
            "3000000",
            "--out",
        ])
        .arg(out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    meanwhile();
    let a = child.wait_with_output().unwrap();
    assert_eq!(a.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&a.stdout).into_owned();
    assert!(
        stdout.contains("product"),
        "the results are printed: {stdout}"
    );
    String::from_utf8_lossy(&a.stderr).into_owned()
}

#[test]
fn a_set_that_cannot_be_written_leaves_the_previous_set_and_still_prints_the_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run("tests/data/linear.toml", &out, &[]).success();
    let before = contents(&out);
    // A folder where a result file goes, made while the run samples (one there
    // before is refused up front): the new set cannot be put in place.
    let err = run_failing_to_write(&out, || {
        std::fs::remove_file(out.join("claims.csv")).unwrap();
        std::fs::create_dir(out.join("claims.csv")).unwrap();
    });
    assert!(err.contains("a folder stands where the file goes"), "{err}");
    // Every file of the previous set is as it was (claims.csv is the folder now).
    for (name, bytes) in &before {
        if name == "claims.csv" {
            continue;
        }
        assert_eq!(&std::fs::read(out.join(name)).unwrap(), bytes, "{name}");
    }
    assert!(!listing(tmp.path()).iter().any(|n| n.contains("staging")));
}

/// The run's first charts are written into the staging folder while the rest are
/// drawn: one that cannot be written there fails the command after the results are
/// printed, and leaves the previous set as it was.
#[test]
fn a_chart_that_cannot_be_staged_still_prints_the_results_and_keeps_the_previous_set() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run("tests/data/closed_form.toml", &out, &[]).success();
    let before = contents(&out);
    assert!(before.iter().any(|(n, _)| n == "hist_product.png"));
    // A folder where the histogram goes in the staging folder.
    let err = run_failing_to_write(&out, || {
        std::fs::create_dir(out.join(".costsim-staging").join("hist_product.png")).unwrap();
    });
    assert!(
        err.contains("cannot write") && err.contains("hist_product.png"),
        "{err}"
    );
    assert_eq!(contents(&out), before);
}

#[test]
fn two_runs_into_one_folder_leave_one_complete_set() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let spawn = |model: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("costsim"))
            .args(["run", model, "-n", "200000", "-q", "--no-swing", "--out"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (
        spawn("tests/data/closed_form.toml"),
        spawn("tests/data/linear.toml"),
    );
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    let mut files = manifest(&out);
    files.push(".costsim-lock".into());
    files.push(".costsim-manifest".into());
    files.sort();
    assert_eq!(listing(&out), files, "exactly one run's set");
}

#[test]
fn ctrl_c_leaves_the_previous_set_and_no_staging_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run("tests/data/linear.toml", &out, &[]).success();
    let before = listing(&out);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("costsim"))
        .args([
            "run",
            "tests/data/linear.toml",
            "-n",
            "100000000000",
            "--out",
        ])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // The shell's own `kill`: a bare machine may have no /bin/kill.
    std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(listing(&out), before);
    assert_eq!(listing(tmp.path()), ["out"]);
    assert!(!listing(&out).contains(&".costsim-staging".to_string()));
}

#[test]
fn each_command_has_its_own_default_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let model = std::fs::canonicalize("tests/data/linear.toml").unwrap();
    for args in [
        vec!["run", "-n", "2000"],
        vec!["sobol", "-n", "256"],
        vec!["sweep", "--param", "x1", "--values", "1,2", "-n", "2000"],
    ] {
        costsim()
            .current_dir(tmp.path())
            .arg(args[0])
            .arg(&model)
            .args(&args[1..])
            .args(["-q", "--no-charts"])
            .assert()
            .success();
    }
    let out = tmp.path().join("output");
    assert_eq!(
        listing(&out)
            .into_iter()
            .filter(|n| !n.starts_with('.'))
            .collect::<Vec<_>>(),
        ["linear", "linear-sobol", "linear-sweep"]
    );
}

#[test]
fn a_folder_named_like_a_result_file_is_refused_before_sampling() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("summary.csv")).unwrap();
    // 10^11 samples: refused at once, or the test would never end.
    let a = costsim()
        .args([
            "run",
            "tests/data/linear.toml",
            "-n",
            "100000000000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        err.contains("summary.csv is a folder where a result file may go"),
        "{err}"
    );
    assert_eq!(listing(&out), ["summary.csv"]);
}

#[test]
fn a_low_open_file_limit_still_writes_the_whole_set() {
    // The output files are synced in groups held open; under `ulimit -n 12` a group of
    // 16 ran out of descriptors and failed the run after it had simulated.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("costsim");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 12 && exec "$0" run -n 3000 -q --no-swing --no-anatomy --out "$1""#)
        .arg(&bin)
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "exit {status}");
    let files = manifest(&out);
    assert!(files.len() > 40, "{} files", files.len());
    for f in &files {
        assert!(out.join(f).metadata().unwrap().len() > 0, "{f} empty");
    }
}
