//! Charts as a user gets them: every PNG exists, decodes at the requested size and is
//! not blank; text renders with no system fonts; report.md links every chart; the
//! chart flags behave.

mod common;

use common::{costsim, csv_rows, run_ok};
use std::path::Path;

const CLOSED: &str = "tests/data/closed_form.toml";

fn decode(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

/// The share of pixels in rows `rows` (fractions of the height) that are not white.
fn ink(img: &image::RgbImage, rows: std::ops::Range<f64>) -> f64 {
    let (w, h) = img.dimensions();
    let (y0, y1) = ((rows.start * h as f64) as u32, (rows.end * h as f64) as u32);
    let mut inked = 0u64;
    for y in y0..y1 {
        for x in 0..w {
            let p = img.get_pixel(x, y).0;
            inked += u64::from(p.iter().any(|&c| c < 235));
        }
    }
    inked as f64 / (w as f64 * (y1 - y0) as f64)
}

fn pngs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_chart_kind_is_a_png_of_the_requested_size_and_not_blank() {
    let tmp = tempfile::tempdir().unwrap();
    // 200 worlds per claim keep the anatomy pass short in a debug build.
    run_ok(&["--samples", "20000", "--anatomy-rows", "200"], tmp.path());
    let summary = std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
    let mut expected = vec![
        "bands.png".to_string(),
        "anatomy_semianalysis-server-capex.png".to_string(),
        "anatomy_deepseek-v3-report.png".to_string(),
        "anatomy_deepseek-s-assumed-rental-rate.png".to_string(),
    ];
    for row in csv_rows(&summary) {
        expected.push(format!("hist_{}.png", row["output"]));
        expected.push(format!("cdf_{}.png", row["output"]));
    }
    let names = pngs(tmp.path());
    for e in &expected {
        assert!(names.contains(e), "{e} missing from {names:?}");
    }
    // One bands chart per unit: USD, USD/GPU-hour, ratio, GPUs, GPU-hours.
    for other in [
        "bands_usd-gpu-hour.png",
        "bands_ratio.png",
        "bands_gpus.png",
        "bands_gpu-hours.png",
    ] {
        assert!(names.contains(&other.to_string()), "{other} missing");
    }
    for name in &names {
        let img = decode(&tmp.path().join(name));
        // A bands chart's height follows its rows.
        if name.starts_with("bands") {
            assert_eq!(img.width(), 1600, "{name}");
        } else {
            assert_eq!(img.dimensions(), (1600, 1000), "{name}");
        }
        let share = ink(&img, 0.0..1.0);
        assert!(share > 0.02, "{name} is nearly blank: {share}");
    }
    // One row (the fleet size) no longer spreads over a 1600×1000 canvas.
    let gpus = decode(&tmp.path().join("bands_gpus.png"));
    assert!(gpus.height() < 500, "{}", gpus.height());
}

/// The heights of the runs of pixel rows with dark ink (text) in the columns `cols`
/// (fractions of the width): about one run per line of text there.
fn text_runs(img: &image::RgbImage, cols: std::ops::Range<f64>) -> Vec<u32> {
    let w = f64::from(img.width());
    let (x0, x1) = ((cols.start * w) as u32, (cols.end * w) as u32);
    let dark = |y: u32| (x0..x1).any(|x| img.get_pixel(x, y).0.iter().all(|&c| c < 110));
    let mut runs = Vec::new();
    let mut run = 0;
    for y in 0..img.height() {
        if dark(y) {
            run += 1;
        } else if run > 0 {
            runs.push(run);
            run = 0;
        }
    }
    runs
}

fn median(mut xs: Vec<u32>) -> u32 {
    xs.sort_unstable();
    xs[xs.len() / 2]
}

#[test]
fn bands_labels_stay_readable_with_many_rows_or_a_small_canvas() {
    let tmp = tempfile::tempdir().unwrap();
    // 50 outputs of one unit: one bands chart of 50 rows (labels were ~8 px).
    let names: Vec<String> = (0..50).map(|k| format!("\"o{k}\"")).collect();
    let model = fifty_outputs(&format!("outputs = [{}]\n", names.join(", ")));
    let file = tmp.path().join("fifty.toml");
    std::fs::write(&file, model).unwrap();
    let out = tmp.path().join("fifty");
    run_ok(
        &[
            file.to_str().unwrap(),
            "-n",
            "2000",
            "--no-swing",
            "--max-charts",
            "50",
        ],
        &out,
    );
    let bands = decode(&out.join("bands.png"));
    let runs = text_runs(&bands, 0.02..0.12);
    assert!(runs.len() >= 50, "{runs:?}");
    // Text of 13-16 pixels leaves 10 rows of dark ink ("Output number 7"), of 8
    // pixels 6.
    assert!(median(runs.clone()) >= 9, "{runs:?}");
    assert!(bands.height() > 1000, "{}", bands.height());
    // The default model on an 800×500 canvas (labels were ~7 px).
    let small = tmp.path().join("small");
    run_ok(
        &[
            "-n",
            "2000",
            "--no-swing",
            "--no-anatomy",
            "--width",
            "800",
            "--height",
            "500",
        ],
        &small,
    );
    let bands = decode(&small.join("bands.png"));
    assert_eq!(bands.width(), 800);
    let runs = text_runs(&bands, 0.02..0.3);
    assert!(median(runs.clone()) >= 9, "{runs:?}");
}

#[test]
fn width_and_height_set_the_size() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        &[CLOSED, "-n", "5000", "--width", "640", "--height", "400"],
        tmp.path(),
    );
    let names = pngs(tmp.path());
    let count = |prefix: &str| names.iter().filter(|n| n.starts_with(prefix)).count();
    // Per output a histogram and a CDF; two unit groups of bands; a tornado and a
    // swing chart for each output driven by some other input (not `scaled`, itself an
    // input).
    assert_eq!(
        (
            count("hist_"),
            count("cdf_"),
            count("bands"),
            count("tornado_"),
            count("swing_")
        ),
        (3, 3, 2, 2, 2),
        "{names:?}"
    );
    for name in &names {
        let img = decode(&tmp.path().join(name));
        if name.starts_with("bands") {
            assert_eq!(img.width(), 640, "{name}");
        } else {
            assert_eq!(img.dimensions(), (640, 400), "{name}");
        }
        assert!(ink(&img, 0.0..1.0) > 0.02, "{name} is nearly blank");
    }
}

#[test]
fn sizes_out_of_range_are_usage_errors() {
    for (flag, value) in [
        ("--width", "399"),
        ("--width", "8001"),
        ("--height", "299"),
        ("--height", "9000"),
        ("--width", "wide"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let assert = costsim()
            .args([CLOSED, "-n", "100", flag, value, "--out"])
            .arg(tmp.path())
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(err.contains(flag), "{flag} {value}: {err}");
        assert!(pngs(tmp.path()).is_empty());
    }
}

#[test]
fn no_charts_writes_no_png_but_still_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&[CLOSED, "-n", "5000", "--no-charts"], tmp.path());
    assert!(pngs(tmp.path()).is_empty());
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.contains("## Results") && !md.contains(".png"), "{md}");
}

#[test]
fn text_is_drawn_with_the_embedded_font_when_the_system_has_none() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let conf = home.path().join("fonts.conf");
    std::fs::write(
        &conf,
        "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n",
    )
    .unwrap();
    costsim()
        .args([CLOSED, "-n", "5000", "-q", "--out"])
        .arg(tmp.path())
        .env("FONTCONFIG_FILE", &conf)
        .env("FONTCONFIG_PATH", home.path())
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .assert()
        .success();
    for name in pngs(tmp.path()) {
        let img = decode(&tmp.path().join(&name));
        // The top 70 pixels hold only the title: ink there is text.
        let title = ink(&img, 0.0..70.0 / f64::from(img.height()));
        assert!(title > 0.01, "{name}: no title text ({title})");
    }
}

#[test]
fn charts_are_identical_for_any_thread_count() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = [CLOSED, "-n", "70000", "--seed", "5"];
    run_ok(&[&args[..], &["-j", "1"]].concat(), one.path());
    run_ok(&[&args[..], &["-j", "2"]].concat(), two.path());
    let names = pngs(one.path());
    assert!(!names.is_empty());
    for name in names {
        assert_eq!(
            std::fs::read(one.path().join(&name)).unwrap(),
            std::fs::read(two.path().join(&name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn report_md_embeds_every_chart_by_relative_path() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(&[CLOSED, "-n", "5000", "--exceedance"], tmp.path());
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.starts_with("# Closed-form outputs\n"), "{md}");
    assert!(md.contains("| `product` | Product of lognormals |"), "{md}");
    assert!(
        md.contains("beyond the upper end: none of 5,000 worlds is higher"),
        "{md}"
    );
    assert!(md.contains("Exceedance curve of"), "{md}");
    let links: Vec<&str> = md
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .collect();
    let mut linked: Vec<String> = links.iter().map(|s| s.to_string()).collect();
    linked.sort();
    assert_eq!(linked, pngs(tmp.path()));
}

#[test]
fn two_models_of_one_title_are_named_apart_and_their_legend_fits() {
    let tmp = tempfile::tempdir().unwrap();
    // A copy of the default model deep in a long path: same title, another file.
    let dir = tmp
        .path()
        .join("a/rather/long/folder/for/the/copy/of/the/model");
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("COPY.toml");
    std::fs::copy("priors/deepseek_v3.toml", &copy).unwrap();
    let out = tmp.path().join("out");
    let assert = costsim()
        .args(["compare", "priors/deepseek_v3.toml"])
        .arg(&copy)
        .args(["-n", "2000", "--outputs", "fleet_capex", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let title = "DeepSeek-V3: the final-run claim against fleet ownership";
    // Both tables had two rows of the bare title.
    for name in [
        format!("{title} (deepseek_v3) "),
        format!("{title} (COPY) "),
    ] {
        assert!(stdout.matches(&name).count() >= 2, "{name}\n{stdout}");
    }
    for line in stdout.lines().filter(|l| l.starts_with(title)) {
        assert!(line[title.len()..].starts_with(" ("), "{line}");
    }
    // The legend (the top fifth) ran off the right edge: no text in the margin now.
    let img = decode(&out.join("compare_hist_fleet_capex.png"));
    let (w, h) = img.dimensions();
    let dark = (0..h / 5)
        .flat_map(|y| (w - 30..w).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 110))
        .count();
    assert_eq!(dark, 0, "text in the right margin of the legend");
    // A title too long for any line: the legend is cut with "…" inside the canvas.
    let text = std::fs::read_to_string(CLOSED).unwrap().replace(
        "\"Closed-form outputs\"",
        &format!(
            "\"{}\"",
            "A very long title that no legend line holds ".repeat(4)
        ),
    );
    let (one, two) = (tmp.path().join("one.toml"), tmp.path().join("two.toml"));
    std::fs::write(&one, &text).unwrap();
    std::fs::write(&two, text.replace("normal(10, 3)", "normal(11, 3)")).unwrap();
    let out = tmp.path().join("long");
    costsim()
        .arg("compare")
        .args([&one, &two])
        .args(["-n", "2000", "--outputs", "total", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let img = decode(&out.join("compare_hist_total.png"));
    let dark = (0..h / 5)
        .flat_map(|y| (w - 30..w).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 110))
        .count();
    assert_eq!(dark, 0, "a long legend runs into the right margin");
}

#[test]
fn sweep_claim_labels_sit_off_the_bands() {
    let tmp = tempfile::tempdir().unwrap();
    costsim()
        .args(["sweep", "--param", "n_h800", "--values", "2000,24000,50000"])
        .args(["-n", "2000", "--outputs", "fleet_capex", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let img = decode(&tmp.path().join("sweep_fleet_capex.png"));
    let (w, h) = img.dimensions();
    let vermillion = |x: u32, y: u32| {
        let [r, g, b] = img.get_pixel(x, y).0;
        r > 170 && (50..140).contains(&g) && b < 60
    };
    // The claims' dashed lines: rows vermillion across much of the width.
    let lines: Vec<u32> = (0..h)
        .filter(|&y| (0..w).filter(|&x| vermillion(x, y)).count() > w as usize / 3)
        .collect();
    assert!(!lines.is_empty());
    // Their labels sat in boxes just above or below them, over the bands; now no
    // vermillion (text) lies within 40 px of a line inside the plot.
    for &y in &lines {
        let near = (y.saturating_sub(40)..(y + 40).min(h))
            .filter(|r| lines.iter().all(|l| l.abs_diff(*r) > 4))
            .flat_map(|r| (w * 15 / 100..w * 80 / 100).map(move |x| (x, r)))
            .filter(|&(x, r)| vermillion(x, r))
            .count();
        assert_eq!(near, 0, "claim text by the line at row {y}");
    }
}

/// A model titled "Fifty" of 50 uniform USD outputs o0..o49, with `model_keys` in
/// its [model] table.
fn fifty_outputs(model_keys: &str) -> String {
    let mut model = format!("[model]\ntitle = \"Fifty\"\n{model_keys}[params]\n");
    for k in 0..50 {
        model.push_str(&format!(
            "o{k} = {{ value = \"uniform({k}, {})\", unit = \"USD\", label = \"Output number {k}\" }}\n",
            k + 2
        ));
    }
    model
}

/// A 50-output model: per-output charts for 40, said in summary.json's warnings and
/// report.md as well as on the terminal (it was said on stderr only); the bands,
/// one chart, show all 50 rows (they showed 40 and said nothing).
#[test]
fn charts_left_out_are_warned_of_in_the_files_and_the_bands_show_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let model = fifty_outputs("");
    let file = tmp.path().join("fifty.toml");
    std::fs::write(&file, model).unwrap();
    let out = tmp.path().join("fifty");
    let a = common::costsim()
        .arg("run")
        .arg(&file)
        .args(["-n", "2000", "--no-swing", "--no-anatomy", "--out"])
        .arg(&out)
        .assert()
        .success();
    let said = "per-output charts for 40 of 50 outputs (those with claims first, then the \
                model's order; all 50 are in the bands); --max-charts N for more";
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert_eq!(stderr.matches(said).count(), 1, "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == said),
        "{}",
        json["warnings"]
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains(&format!("> **Warning:** {said}")), "{md}");
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("hist_")).count(), 40);
    let bands = decode(&out.join("bands.png"));
    let runs = text_runs(&bands, 0.02..0.12);
    assert!(runs.len() >= 50, "{} label rows: {runs:?}", runs.len());
}
