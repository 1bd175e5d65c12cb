//! Memory bounded by design: commands whose memory used to grow with the sample count
//! run under a data-segment cap (`prlimit --data`, which counts the heap and every
//! private writable mapping) far below what the old designs needed.

mod common;

use std::process::Command;

/// Runs costsim under a cap on its data segment; the output.
fn capped(bytes: u64, args: &[&str]) -> std::process::Output {
    Command::new("prlimit")
        .arg(format!("--data={bytes}"))
        .arg("--")
        .arg(assert_cmd::cargo::cargo_bin("costsim"))
        .args(args)
        .output()
        .expect("prlimit (util-linux) runs")
}

fn linear() -> String {
    format!("{}/tests/data/linear.toml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn sobol_streams_its_design_under_a_150_mb_cap() {
    // 2,000,000 base rows of 4 inputs: holding the design (A, B and the model's values
    // for A, B and each AB_i) took ~220 MB; the streaming design needs a few MB.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sobol");
    let run = capped(
        150_000_000,
        &[
            "sobol",
            &linear(),
            "-n",
            "2000000",
            "--no-charts",
            "-q",
            "-j",
            "2",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = std::fs::read_to_string(out.join("sobol.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
}

#[test]
fn save_rows_streams_samples_csv_under_a_100_mb_cap() {
    // 3,000,000 rows of 5 columns: kept in memory they were 120 MB before any text.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rows");
    let run = capped(
        100_000_000,
        &[
            "run",
            &linear(),
            "-n",
            "3000000",
            "--save-rows",
            "3000000",
            "--no-charts",
            "--no-swing",
            "--no-anatomy",
            "-q",
            "-j",
            "2",
            "-f",
            "csv",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let samples = std::fs::read(out.join("samples.csv")).unwrap();
    let rows = samples.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(rows, 3_000_001);
}

#[test]
fn the_cap_is_real() {
    // The same cap stops a run that must hold more: 4,000,000 sensitivity rows of 5
    // columns (160 MB), so a pass above is the design's, not a cap that never bites.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big");
    let run = capped(
        100_000_000,
        &[
            "run",
            &linear(),
            "-n",
            "4000000",
            "--sensitivity-rows",
            "4000000",
            "--no-charts",
            "--no-swing",
            "--no-anatomy",
            "-q",
            "-j",
            "2",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("memory allocation"), "{stderr}");
}

#[test]
fn outputs_spanning_hundreds_of_decades_run_under_a_250_mb_cap_with_the_same_bits() {
    // 20 outputs over 300 decades: each sketch reaches its 2 MB ceiling. Held per
    // chunk in flight (16 at 2 threads), they took ~700 MB; counted into one sketch
    // per output per thread, ~100 MB. The fold of their smallest magnitudes must not
    // depend on which thread counted which chunk.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("wide.toml");
    let params: String = (0..20)
        .map(|i| format!("x{i} = \"loguniform(1e-150, 1e150)\"\n"))
        .collect();
    std::fs::write(
        &model,
        format!("[model]\ntitle = \"wide\"\n\n[params]\n{params}"),
    )
    .unwrap();
    let run = |threads: &str| {
        let out = dir.path().join(format!("out{threads}"));
        let run = capped(
            250_000_000,
            &[
                "run",
                model.to_str().unwrap(),
                "-n",
                "1000000",
                "--no-charts",
                "--no-swing",
                "--no-anatomy",
                "--sensitivity-rows",
                "0",
                "-q",
                "-j",
                threads,
                "-f",
                "csv",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        run.stdout
    };
    let two = run("2");
    assert_eq!(String::from_utf8_lossy(&two).lines().count(), 21);
    assert_eq!(run("3"), two, "3 threads against 2");
}

#[test]
fn a_sweep_at_its_step_limit_runs_under_a_100_mb_cap() {
    // 10,000 steps (the most a sweep takes), with charts: each step is summarised and
    // its aggregates dropped (holding them took 8 GB at 20,000 steps of the default
    // model).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let run = capped(
        100_000_000,
        &[
            "sweep",
            &linear(),
            "--param",
            "x1",
            "--range",
            "1:3:10000",
            "-n",
            "200",
            "-q",
            "-j",
            "2",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 10_001, "one row per step");
}

/// A model of `inputs` uniform inputs summed into `t`, with five claims on `t`.
fn summed_with_claims(dir: &std::path::Path, inputs: usize) -> String {
    let model = dir.join("summed.toml");
    let params: String = (0..inputs)
        .map(|i| format!("p{i} = \"uniform(1, 2)\"\n"))
        .collect();
    let sum: Vec<String> = (0..inputs).map(|i| format!("p{i}")).collect();
    let claims: String = (0..5)
        .map(|i| {
            format!(
                "[[claims]]\nlabel = \"c{i}\"\nparam = \"t\"\nvalue = {}\n\n",
                150 + i
            )
        })
        .collect();
    std::fs::write(
        &model,
        format!(
            "[model]\ntitle = \"summed\"\n\n[params]\n{params}t = \"{}\"\n\n{claims}",
            sum.join(" + ")
        ),
    )
    .unwrap();
    model.to_str().unwrap().to_string()
}

#[test]
fn the_claims_anatomy_at_a_million_rows_keeps_what_fits_under_a_400_mb_cap() {
    // 5 claims × 100 ancestor inputs at K = 1,000,000, every world accepted: the kept
    // worlds (4 GB) and a batch of chunks keeping them (2 GB) passed any cap; K is
    // now lowered to what 8,000,000 values hold, with a note.
    let dir = tempfile::tempdir().unwrap();
    let model = summed_with_claims(dir.path(), 100);
    let out = dir.path().join("anatomy");
    let run = capped(
        400_000_000,
        &[
            "run",
            &model,
            "-n",
            "1000",
            "--anatomy-rows",
            "1000000",
            "--anatomy-window",
            "100%",
            "--no-charts",
            "--no-swing",
            "-j",
            "2",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("keeps 16,000 worlds, not --anatomy-rows 1,000,000"),
        "{stderr}"
    );
    let csv = std::fs::read_to_string(out.join("anatomy.csv")).unwrap();
    assert!(csv.contains("16000"), "{csv}");
}

#[test]
fn a_conditional_run_at_ten_million_rows_keeps_what_fits_under_a_400_mb_cap() {
    // `--where` keeps every input (and the sensitivity rows' params) of each accepted
    // world: 10,000,000 of them for 100 inputs was 8 GB.
    let dir = tempfile::tempdir().unwrap();
    let model = summed_with_claims(dir.path(), 100);
    let out = dir.path().join("where");
    let run = capped(
        400_000_000,
        &[
            "run",
            &model,
            "-n",
            "1000",
            "--anatomy-rows",
            "10000000",
            "--where",
            "t > 0",
            "--no-charts",
            "-j",
            "2",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("the conditional run keeps")
            && stderr.contains("not --anatomy-rows 10,000,000"),
        "{stderr}"
    );
}

#[test]
fn save_rows_of_two_thousand_columns_stream_under_a_150_mb_cap() {
    // samples.csv was drawn a whole chunk at a time (65,536 rows of 2,000 columns:
    // 1 GB; here a run of 16,384 samples, 300 MB); now a slice of rows that shrinks as
    // the columns grow (here 256 rows, 55 MB in all).
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("wide.toml");
    let params: String = (0..2000)
        .map(|i| format!("x{i} = \"uniform(1, 2)\"\n"))
        .collect();
    std::fs::write(
        &model,
        format!("[model]\ntitle = \"wide\"\n\n[params]\n{params}"),
    )
    .unwrap();
    let out = dir.path().join("rows");
    let run = capped(
        150_000_000,
        &[
            "run",
            model.to_str().unwrap(),
            "-n",
            "16384",
            "--save-rows",
            "600",
            "--sensitivity-rows",
            "0",
            "--no-charts",
            "--no-swing",
            "--no-anatomy",
            "-q",
            "-j",
            "2",
            "-f",
            "csv",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let samples = std::fs::read_to_string(out.join("samples.csv")).unwrap();
    let lines: Vec<&str> = samples.lines().collect();
    assert_eq!(lines.len(), 601);
    assert_eq!(lines[600].split(',').count(), 2000);
}

#[test]
fn wide_charts_on_eight_threads_draw_under_a_550_mb_cap() {
    // Each chart thread keeps its canvas (96 MB at 8000×4000): 8 threads drawing
    // 9 charts held ~800 MB; the chart threads are now held to what 512 MB of
    // canvases allow (here 2), and the charts are the same.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("four.toml");
    let params: String = (0..4)
        .map(|i| format!("x{i} = \"uniform(1, 2)\"\n"))
        .collect();
    std::fs::write(
        &model,
        format!("[model]\ntitle = \"four\"\n\n[params]\n{params}"),
    )
    .unwrap();
    let out = dir.path().join("charts");
    let run = capped(
        550_000_000,
        &[
            "run",
            model.to_str().unwrap(),
            "-n",
            "1000",
            "--width",
            "8000",
            "--height",
            "4000",
            "--no-swing",
            "--no-anatomy",
            "-q",
            "-j",
            "8",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pngs = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert!(pngs >= 9, "{pngs} charts");
}

#[test]
fn a_sweep_over_six_hundred_decades_runs_under_a_60_mb_cap() {
    // sweep.csv wrote every digit of 1e-300 and 1e300 (~300 characters a number),
    // held in memory until written: 10,000 steps of 50 outputs took 1.1 GB. Here
    // 1,000 steps of 20 outputs: ~75 MB of text then, ~3 MB now.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("scaled.toml");
    let params: String = (0..20)
        .map(|i| format!("o{i} = \"uniform(1, 2) * k\"\n"))
        .collect();
    std::fs::write(
        &model,
        format!("[model]\ntitle = \"scaled\"\n\n[params]\nk = 1\n{params}"),
    )
    .unwrap();
    let out = dir.path().join("sweep");
    let run = capped(
        60_000_000,
        &[
            "sweep",
            model.to_str().unwrap(),
            "--param",
            "k",
            "--range",
            "1e-300:1e300:1000",
            "--log",
            "-n",
            "100",
            "--no-charts",
            "-q",
            "-j",
            "2",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 20_001);
    assert!(
        csv.lines().nth(1).unwrap().starts_with("1e-300,o0,"),
        "{csv:.200}"
    );
}

#[test]
fn sobol_of_thousands_of_inputs_and_outputs_under_a_300_mb_cap() {
    // 3,000 inputs and 1,500 outputs `x * y + z`: the design held a row for every
    // (output, input) pair (4.5 million) and 4,096 rows of every input in A and B, and
    // re-evaluated all 1,500 outputs for each input. Now: the pairs an input can
    // affect, fewer rows per slice, and each input's cone.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[model]\ntitle = \"wide\"\noutputs = [");
    let outputs: Vec<String> = (0..1500).map(|j| format!("\"y{j}\"")).collect();
    text.push_str(&outputs.join(","));
    text.push_str("]\n[params]\n");
    for i in 0..3000 {
        text.push_str(&format!("x{i} = \"{} to {}\"\n", 1 + i % 5, 10 + i % 7));
    }
    for j in 0..1500 {
        let (a, b, c) = ((7 * j) % 3000, (13 * j + 1) % 3000, (29 * j + 2) % 3000);
        text.push_str(&format!("y{j} = \"x{a} * x{b} + x{c}\"\n"));
    }
    let model = dir.path().join("wide.toml");
    std::fs::write(&model, text).unwrap();
    let out = dir.path().join("sobol");
    let run = capped(
        300_000_000,
        &[
            "sobol",
            model.to_str().unwrap(),
            "-n",
            "64",
            "--no-charts",
            "-q",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // 4.5 million pairs: only the ~4,500 an input can affect are listed.
    let csv = std::fs::read_to_string(out.join("sobol.csv")).unwrap();
    let rows = csv.lines().count() - 1;
    assert!((4000..=4500).contains(&rows), "{rows}");
}
