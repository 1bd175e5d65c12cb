//! What each claim would take (anatomy.csv) and conditional runs (--where): closed
//! forms for the conditional spreads, the graph's ancestors, tail claims reached by
//! drawing on, determinism across thread counts, and bad conditions refused.

mod common;

use common::{costsim, csv_rows, num, run_ok};
use std::collections::HashMap;

const MODEL: &str = "tests/data/anatomy.toml";
const Z95: f64 = 1.6448536269514722;

type Row = HashMap<String, String>;

fn anatomy(dir: &std::path::Path) -> Vec<Row> {
    csv_rows(&std::fs::read_to_string(dir.join("anatomy.csv")).unwrap())
}

fn row<'a>(rows: &'a [Row], claim: &str, input: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["claim"] == claim && r["input"] == input)
        .unwrap_or_else(|| panic!("no row {claim} / {input}"))
}

/// Φ, for the expected prior ranks.
fn phi(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

/// Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.3275911 * x.abs());
    let y = 1.0
        - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
            + 0.254829592)
            * t
            * (-x * x).exp();
    y.copysign(x)
}

#[test]
fn a_sum_and_a_product_take_their_closed_form_conditionals() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        &[
            MODEL,
            "--no-charts",
            "--no-swing",
            "--anatomy-rows",
            "100000",
            "--anatomy-window",
            "2%",
            "--anatomy-budget",
            "3e7",
        ],
        tmp.path(),
    );
    let text = std::fs::read_to_string(tmp.path().join("anatomy.csv")).unwrap();
    assert!(text.starts_with(
        "claim,param,value,input,label,unit,prior_p5,prior_p50,prior_p95,given_p5,given_p50,\
         given_p95,given_p50_rank,accepted,drawn\n"
    ));
    let rows = anatomy(tmp.path());
    // X, Y ~ N(0, 1), S = X + Y = 2: X | S is N(1, 1/2).
    let sd = std::f64::consts::FRAC_1_SQRT_2;
    for input in ["x", "y"] {
        let r = row(&rows, "s at two", input);
        assert!((num(r, "given_p50") - 1.0).abs() < 0.02, "{input}: {r:?}");
        assert!(
            (num(r, "given_p5") - (1.0 - Z95 * sd)).abs() < 0.02,
            "{r:?}"
        );
        assert!(
            (num(r, "given_p95") - (1.0 + Z95 * sd)).abs() < 0.02,
            "{r:?}"
        );
        assert!((num(r, "prior_p95") - Z95).abs() < 0.03, "{r:?}");
        // The median 1 sits at Φ(1) = P84.1 of the N(0, 1) prior.
        assert!(
            (num(r, "given_p50_rank") - 100.0 * phi(1.0)).abs() < 1.0,
            "{r:?}"
        );
        assert_eq!(num(r, "accepted"), 100_000.0);
        assert!(num(r, "drawn") > 100_000.0 && num(r, "drawn") < 1e8);
    }
    // ln la ~ N(0.2, 0.3²), ln lb ~ N(-0.1, 0.4²); given ln la + ln lb = 1, ln la is
    // normal with mean 0.2 + (0.09/0.25)(1 - 0.1) and sd sqrt(0.09·0.16/0.25) = 0.24.
    let (m_a, m_b, s_ab) = (0.2 + 0.36 * 0.9, -0.1 + 0.64 * 0.9, 0.24);
    for (input, m) in [("la", m_a), ("lb", m_b)] {
        let r = row(&rows, "product at e", input);
        for (col, z) in [("given_p5", -Z95), ("given_p50", 0.0), ("given_p95", Z95)] {
            let got = num(r, col).ln();
            assert!((got - (m + z * s_ab)).abs() < 0.02, "{input} {col}: {got}");
        }
    }
    // Ordered by how far the median moved: lb (to P92) before la (to P87).
    let order: Vec<&str> = rows
        .iter()
        .filter(|r| r["claim"] == "product at e")
        .map(|r| r["input"].as_str())
        .collect();
    assert_eq!(order, ["lb", "la"]);
}

#[test]
fn only_the_claims_ancestors_are_listed_and_tail_claims_are_reached() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = run_ok(
        &[MODEL, "--no-charts", "--no-swing", "--anatomy-rows", "300"],
        tmp.path(),
    );
    let rows = anatomy(tmp.path());
    let inputs = |claim: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["claim"] == claim)
            .map(|r| r["input"].clone())
            .collect()
    };
    // x and y are exchangeable in s = x + y: their order is the sampling noise's.
    let mut both = inputs("s at two");
    both.sort();
    assert_eq!(both, ["x", "y"]);
    assert_eq!(inputs("product at e"), ["lb", "la"]);
    assert_eq!(inputs("t at its P99.99"), ["z"]);
    assert!(
        rows.iter()
            .all(|r| r["claim"] != "s at two" || r["input"] != "z")
    );
    // t = 2z = 7.438 is z's P99.99: about 6e-5 of the worlds fall within ±2%, so
    // 300 of them take ~5 million draws, far past the run's 100,000.
    let r = row(&rows, "t at its P99.99", "z");
    assert_eq!(num(r, "accepted"), 300.0);
    let drawn = num(r, "drawn");
    assert!(drawn > 2e6 && drawn < 2e7, "drawn {drawn}");
    assert!(
        num(r, "given_p5") >= 3.645 && num(r, "given_p95") <= 3.794,
        "{r:?}"
    );
    assert!(num(r, "given_p50_rank") > 99.9, "{r:?}");
    assert!(stdout.contains("What each claim would take"), "{stdout}");
    assert!(
        stdout.contains(&format!("300 of {} worlds", group(drawn as u64))),
        "{stdout}"
    );
    let json = std::fs::read_to_string(tmp.path().join("summary.json")).unwrap();
    assert!(json.contains("\"anatomy\""), "{json}");
}

fn group(n: u64) -> String {
    costsim::report::format::count(n)
}

#[test]
fn the_anatomy_is_bit_identical_for_any_thread_count() {
    let mut files = Vec::new();
    for threads in ["1", "2", "3"] {
        let tmp = tempfile::tempdir().unwrap();
        run_ok(
            &[
                MODEL,
                "--no-charts",
                "--no-swing",
                "-n",
                "30000",
                "--anatomy-rows",
                "150",
                "-j",
                threads,
            ],
            tmp.path(),
        );
        files.push(std::fs::read(tmp.path().join("anatomy.csv")).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
    assert!(files[0].len() > 300);
}

#[test]
fn no_anatomy_writes_none_and_a_budget_too_small_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = run_ok(
        &[MODEL, "--no-charts", "--no-anatomy", "-n", "20000"],
        tmp.path(),
    );
    assert!(!tmp.path().join("anatomy.csv").exists());
    assert!(!stdout.contains("What each claim would take"));
    // A budget of 200,000 draws cannot find 1,000 worlds near t's P99.99.
    let out = costsim()
        .args([MODEL, "--no-charts", "--no-swing", "-n", "20000"])
        .args([
            "--anatomy-rows",
            "1000",
            "--anatomy-budget",
            "200k",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stdout.contains("too thin to read"), "{stdout}");
    assert!(stderr.contains("anatomy of `t at its P99.99`"), "{stderr}");
    let rows = anatomy(tmp.path());
    let r = row(&rows, "t at its P99.99", "z");
    assert!(num(r, "accepted") < 100.0);
    assert_eq!(r["given_p50"], "");
    assert!(num(r, "drawn") < 200_000.0 + 65_536.0);
    // A claim 6.8 sd out (total ~ N(6, 5), claim 40) is given up as soon as even 100
    // worlds are out of reach of the budget (1,000 × 20,000 draws), not drawn to it.
    let out = tmp.path().join("far");
    let stdout = run_ok(
        &[
            "tests/data/closed_form.toml",
            "--no-charts",
            "--no-swing",
            "-n",
            "20000",
        ],
        &out,
    );
    let rows = anatomy(&out);
    let r = row(&rows, "Far above the sum", "normal_b");
    assert_eq!(num(r, "accepted"), 0.0);
    let drawn = num(r, "drawn");
    assert!(drawn > 20_000.0 && drawn < 2e6, "drawn {drawn}");
    assert!(
        stdout.contains("out of reach, too thin to read: 0 of"),
        "{stdout}"
    );
    // No world in its window and beyond every value the run drew: the warning says the
    // claim may be out of the model's reach, not only to draw more.
    let json = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let far = "anatomy of `Far above the sum`: no world within the window in";
    assert!(json.contains(far), "{json}");
    assert!(json.contains("beyond every value the run drew"), "{json}");
    assert!(json.contains("needs a larger --anatomy-budget"), "{json}");
}

#[test]
fn where_conditions_every_output_and_reports_its_probability() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = run_ok(
        &[MODEL, "--no-charts", "--where", "s >= 2", "-n", "100000"],
        tmp.path(),
    );
    let summary = csv_rows(&std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap());
    let s = summary.iter().find(|r| r["output"] == "s").unwrap();
    assert!(num(s, "min") >= 2.0, "{s:?}");
    // P(S >= 2) = 1 - Φ(√2) = 0.0786: about 7,860 of 100,000, then more draws for K.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    let c = &json["condition"];
    assert_eq!(c["expression"], "s >= 2");
    let p = c["probability"].as_f64().unwrap();
    assert!(
        (p - (1.0 - phi(std::f64::consts::SQRT_2))).abs() < 0.003,
        "{p}"
    );
    assert!(c["accepted"].as_u64().unwrap() >= 10_000);
    assert_eq!(
        num(s, "count") as u64,
        c["accepted"].as_u64().unwrap(),
        "summary over the accepted worlds"
    );
    let (accepted, drawn) = (
        c["accepted"].as_u64().unwrap(),
        c["drawn"].as_u64().unwrap(),
    );
    assert!(
        drawn > 100_000,
        "K = 10,000 needs more than the run's samples"
    );
    let line = format!(
        "given s >= 2: P = {:.1}% ({} of {} worlds)",
        100.0 * accepted as f64 / drawn as f64,
        group(accepted),
        group(drawn)
    );
    assert!(stdout.contains(&line), "{line}\n{stdout}");
    // With -f csv or json the rows are the summary's, and the line goes to stderr
    // (not with --quiet).
    let piped = |format: &str, quiet: &[&str]| {
        let a = costsim()
            .args(["run", MODEL, "--no-charts", "--where", "s >= 2"])
            .args(["-n", "100000", "-f", format, "--out"])
            .arg(tmp.path().join(format))
            .args(quiet)
            .assert()
            .success();
        let out = a.get_output();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (out, err) = piped("csv", &[]);
    assert!(out.starts_with("output,label,unit,"), "{out}");
    assert!(err.contains(&line), "{line}\n{err}");
    assert!(!piped("csv", &["--quiet"]).1.contains("given"));
    let (out, err) = piped("json", &[]);
    assert!(out.trim_start().starts_with('{'), "{out}");
    assert!(err.contains(&line), "{line}\n{err}");
    // An output the condition cannot touch keeps its prior: t = 2z, median 0.
    let t = summary.iter().find(|r| r["output"] == "t").unwrap();
    assert!(num(t, "p50").abs() < 0.05, "{t:?}");
    // The condition's anatomy lists every input: x's median given S >= 2.
    let rows = anatomy(tmp.path());
    assert!(num(row(&rows, "given s >= 2", "x"), "given_p50") > 0.9);
    assert!(num(row(&rows, "given s >= 2", "z"), "given_p50").abs() < 0.1);
    assert!(stdout.contains("What the condition takes"), "{stdout}");
    // --no-anatomy leaves the condition's anatomy out too; the summary is unchanged.
    let other = tmp.path().join("no-anatomy");
    run_ok(
        &[
            MODEL,
            "--no-charts",
            "--where",
            "s >= 2",
            "-n",
            "100000",
            "--no-anatomy",
        ],
        &other,
    );
    assert!(!other.join("anatomy.csv").exists());
    assert_eq!(
        std::fs::read(tmp.path().join("summary.csv")).unwrap(),
        std::fs::read(other.join("summary.csv")).unwrap()
    );
}

#[test]
fn a_condition_that_never_holds_stops_at_the_budget_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = costsim()
        .args([
            MODEL,
            "--no-charts",
            "-n",
            "1000",
            "--where",
            "s > 100",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    // The budget is 1,000 × the run's 1,000 samples, rounded up to whole chunks: the
    // run's 1,000, then 16 chunks of 65,536 continuing the streams.
    assert!(
        stdout.contains("given s > 100: P = 0% (0 of 1,049,576 worlds)"),
        "{stdout}"
    );
    assert!(stderr.contains("no world met `s > 100`"), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(json["condition"]["accepted"], 0);
    assert_eq!(json["condition"]["drawn"], 1_049_576);
    assert_eq!(json["condition"]["complete"], false);
}

#[test]
fn bad_conditions_exit_2_with_a_located_message_and_write_nothing() {
    for (cond, message, help) in [
        ("ss >= 2", "unknown param `ss`", "did you mean `s`?"),
        (
            "s + 1",
            "the condition is not a comparison",
            "write a comparison",
        ),
        ("s > normal(0, 1)", "cannot draw", "compare params"),
        ("s >= ", "", ""),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let assert = costsim()
            .args([MODEL, "--where", cond, "--out"])
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(message), "{cond}: {stderr}");
        assert!(stderr.contains(help), "{cond}: {stderr}");
        assert!(stderr.contains("--> --where:1:"), "{cond}: {stderr}");
        assert!(!out.exists(), "{cond}: something was written");
    }
}

#[test]
fn where_works_with_set_and_in_compare() {
    let tmp = tempfile::tempdir().unwrap();
    // With x ~ N(1, 1), S ~ N(1, 2): P(S >= 2) = 1 - Φ(1/√2) = 0.2398.
    run_ok(
        &[
            MODEL,
            "--no-charts",
            "-n",
            "100000",
            "--set",
            "x=normal(1, 1)",
            "--where",
            "s >= 2",
        ],
        tmp.path(),
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    let p = json["condition"]["probability"].as_f64().unwrap();
    assert!(
        (p - (1.0 - phi(1.0 / std::f64::consts::SQRT_2))).abs() < 0.005,
        "{p}"
    );
    assert_eq!(json["condition"]["drawn"], 100_000);
    // compare: each model conditioned on its own worlds.
    let shifted = tmp.path().join("shifted.toml");
    let text = std::fs::read_to_string(MODEL).unwrap();
    std::fs::write(
        &shifted,
        text.replace("x = \"normal(0, 1)\"", "x = \"normal(1, 1)\""),
    )
    .unwrap();
    let out = tmp.path().join("cmp");
    let assert = costsim()
        .args(["compare", MODEL])
        .arg(&shifted)
        .args([
            "--no-charts",
            "-n",
            "50000",
            "--where",
            "s >= 2",
            "-q",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert_eq!(stdout.matches("given s >= 2: P = ").count(), 2, "{stdout}");
    let rows = csv_rows(&std::fs::read_to_string(out.join("compare.csv")).unwrap());
    let s_rows: Vec<&Row> = rows.iter().filter(|r| r["output"] == "s").collect();
    assert_eq!(s_rows.len(), 2);
    assert!(s_rows.iter().all(|r| num(r, "min") >= 2.0), "{s_rows:?}");
    // A name one model lacks is refused like any unknown name.
    costsim()
        .args([
            "compare",
            MODEL,
            "tests/data/closed_form.toml",
            "--where",
            "s >= 2",
        ])
        .arg("--out")
        .arg(tmp.path().join("none"))
        .assert()
        .code(2);
    assert!(!tmp.path().join("none").exists());
}

#[test]
fn each_claim_gets_its_chart_and_report_section() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        &[MODEL, "--no-swing", "-n", "20000", "--anatomy-rows", "300"],
        tmp.path(),
    );
    for f in [
        "anatomy_s-at-two.png",
        "anatomy_product-at-e.png",
        "anatomy_t-at-its-p99-99.png",
    ] {
        let bytes = std::fs::read(tmp.path().join(f)).unwrap_or_else(|_| panic!("{f}"));
        assert!(bytes.starts_with(b"\x89PNG"), "{f}");
    }
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.contains("## What each claim would take"), "{md}");
    assert!(md.contains("(anatomy_s-at-two.png)"), "{md}");
    assert!(
        md.contains("| s at two | y |") || md.contains("| s at two | x |"),
        "{md}"
    );
    assert!(md.contains("300 of "), "{md}");
}

#[test]
fn a_two_valued_input_reports_its_share_of_the_worlds_not_its_median() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("switch.toml");
    std::fs::write(
        &m,
        "[params]\ns = \"bernoulli(0.5)\"\nx = \"normal(0, 1)\"\ny = \"s * 4 + x\"\n\
         [[claims]]\nlabel = \"high\"\nparam = \"y\"\nvalue = 3\n\
         [[claims]]\nlabel = \"middle\"\nparam = \"y\"\nvalue = 2\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let a = costsim()
        .arg("run")
        .arg(&m)
        .args([
            "-n",
            "200000",
            "--no-charts",
            "--no-swing",
            "--anatomy-window",
            "5%",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    let rows = csv_rows(&std::fs::read_to_string(out.join("anatomy.csv")).unwrap());
    let rank = |claim: &str| {
        let r = rows
            .iter()
            .find(|r| r["claim"] == claim && r["input"] == "s")
            .unwrap();
        num(r, "given_p50_rank")
    };
    // Near y = 3, s = 1 in P(s=1|y≈3) = φ(-1)/(φ(-1)+φ(3)) ≈ 98.2% of worlds; near 2,
    // by symmetry, 50%. The medians are both 1 (rank 75); the shares tell them apart.
    let share = |y: f64| {
        let phi = |z: f64| (-z * z / 2.0).exp();
        phi(y - 4.0) / (phi(y - 4.0) + phi(y))
    };
    assert!(
        (rank("high") - (25.0 + 50.0 * share(3.0))).abs() < 1.0,
        "{}",
        rank("high")
    );
    assert!((rank("middle") - 50.0).abs() < 1.5, "{}", rank("middle"));
    assert!(stdout.contains("1 in 98"), "{stdout}");
}

#[test]
fn a_condition_that_never_holds_is_said_once_with_counts_formatted() {
    let tmp = tempfile::tempdir().unwrap();
    // run: one warning, with 20,000,000 formatted; no "rest on 0 samples".
    let a = costsim()
        .args([
            MODEL,
            "--no-charts",
            "-n",
            "2000",
            "--anatomy-budget",
            "20000",
        ])
        .args(["--where", "s >= 100", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("no world met `s >= 100` in "), "{err}");
    let unformatted = |t: &str| {
        t.as_bytes()
            .windows(5)
            .any(|w| w.iter().all(u8::is_ascii_digit))
    };
    assert!(!unformatted(&err), "a count without separators: {err}");
    assert!(!err.contains("rest on 0 samples"), "{err}");
    assert!(!err.contains("with 0 samples"), "{err}");
    // compare: the model where it never holds is named (its rows are NaN).
    let shifted = tmp.path().join("shifted.toml");
    let text = std::fs::read_to_string(MODEL).unwrap();
    std::fs::write(
        &shifted,
        text.replace("x = \"normal(0, 1)\"", "x = \"normal(100, 1)\""),
    )
    .unwrap();
    let a = costsim()
        .args(["compare", MODEL])
        .arg(&shifted)
        .args(["--no-charts", "-n", "2000", "--anatomy-budget", "20000"])
        .args(["--where", "s >= 50", "--out"])
        .arg(tmp.path().join("cmp"))
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(
        err.contains("`s >= 50` never held in Anatomy of claims with closed forms (tests/data/anatomy.toml): none of "),
        "{err}"
    );
    assert!(!unformatted(&err), "a count without separators: {err}");
    assert_eq!(err.matches("never held").count(), 1, "{err}");
    // The header gives the samples asked for, not the draws of the first model.
    assert!(
        out.starts_with("comparison of 2 models · 2,000 samples ·"),
        "{out}"
    );
}

/// With K out of reach of the budget, a claim stops once it has 1,000 worlds instead
/// of drawing the whole budget (on the default model a 1e-5 claim drew 1e9 worlds,
/// 45 s), says so, and stops at the same place for any thread count.
#[test]
fn a_claim_settles_for_a_thousand_worlds_when_k_is_out_of_reach() {
    let mut files = Vec::new();
    for threads in ["1", "3"] {
        let tmp = tempfile::tempdir().unwrap();
        run_ok(
            &[
                MODEL,
                "--no-charts",
                "--no-swing",
                "-n",
                "20000",
                "--anatomy-budget",
                "500000",
                "-j",
                threads,
            ],
            tmp.path(),
        );
        let rows = anatomy(tmp.path());
        let s = row(&rows, "s at two", "x");
        // About 0.8% of worlds: 10,000 would take 1.2M draws, not in 500,000.
        let (accepted, drawn) = (num(s, "accepted"), num(s, "drawn"));
        assert!((1000.0..2000.0).contains(&accepted), "{accepted}");
        assert!(drawn < 250_000.0, "{drawn}: it drew on to the budget");
        let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
        assert!(md.contains("drawing stopped early"), "{md}");
        files.push(std::fs::read(tmp.path().join("anatomy.csv")).unwrap());
    }
    assert_eq!(files[0], files[1]);
}

/// report.md on claims with nothing to rank or move: a claim on a constant output,
/// and (under a `--where` no world meets) claims with no world at all.
#[test]
fn report_md_says_when_a_claim_has_no_world_or_no_input() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("const.toml");
    std::fs::write(
        &model,
        "[params]\nx = \"5\"\ny = \"normal(0, 1)\"\n\n[[claims]]\nlabel = \"five\"\nparam = \"x\"\nvalue = 5\n",
    )
    .unwrap();
    let model = model.to_str().unwrap();
    let out = tmp.path().join("c");
    run_ok(&[model, "-n", "2000", "--no-charts"], &out);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("In brief: of the one claim, 1 equals its output, which is constant: five."),
        "{md}"
    );
    assert!(
        md.contains("- **five** (`5`) is the value of `x` in every world"),
        "{md}"
    );
    assert!(
        md.contains("No claim's param depends on an uncertain input"),
        "{md}"
    );
    assert!(!md.contains("first 0 samples"), "{md}");
    let out = tmp.path().join("w");
    run_ok(
        &[
            model,
            "-n",
            "2000",
            "--no-charts",
            "--where",
            "y > 50",
            "--anatomy-budget",
            "1e5",
        ],
        &out,
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("In brief: of the one claim, 1 with no world to rank it among."),
        "{md}"
    );
    assert!(
        md.contains("- **five** (`5`), of `x`: no world to rank it among."),
        "{md}"
    );
    assert!(!md.contains("constant"), "{md}");
}
