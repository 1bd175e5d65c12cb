//! The flagship model's answer: verdicts that name their side, the fleet verdict under
//! SemiAnalysis's own counts, and how each verdict moves between the three views.

mod common;

use common::{costsim, csv_rows, num};

fn claims(dir: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    csv_rows(&std::fs::read_to_string(dir.join("claims.csv")).unwrap())
}

#[test]
fn at_semianalysis_counts_the_capex_verdict_rests_on_our_price_priors_alone() {
    let tmp = tempfile::tempdir().unwrap();
    costsim()
        .args([
            "run",
            "priors/deepseek_v3.toml",
            "-n",
            "100000",
            "-q",
            "--no-charts",
        ])
        .args(["--no-swing", "--sensitivity-rows", "0"])
        .args(["--set", "n_h800=10000", "--set", "n_h100=10000"])
        .args(["--set", "n_h20=30000", "--set", "n_a100=10000", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let rows = claims(tmp.path());
    let capex = rows
        .iter()
        .find(|r| r["claim"] == "SemiAnalysis server capex")
        .unwrap();
    let rank = num(capex, "percentile_rank");
    assert!((50.0..99.0).contains(&rank), "rank {rank}");
}

#[test]
fn every_verdict_names_its_side_and_its_share_of_worlds() {
    let tmp = tempfile::tempdir().unwrap();
    let assert = costsim()
        .args([
            "run",
            "priors/deepseek_v3.toml",
            "-n",
            "50000",
            "--no-swing",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("P(below)  P(above)"), "{stdout}");
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    for r in claims(tmp.path()) {
        let v = &r["verdict"];
        assert!(!v.contains("central"), "{v}");
        let (below, above) = (num(&r, "p_below"), num(&r, "p_above"));
        // The side named is the side the numbers say.
        if above < 0.05 && above > 0.0 {
            assert!(v.starts_with("in the upper tail: "), "{v}");
        } else if below < 0.05 && below > 0.0 {
            assert!(v.starts_with("in the lower tail: "), "{v}");
        }
        assert!(v.contains("worlds"), "{v}");
        assert!(stdout.contains(v.as_str()), "{v} not in the table");
        assert!(md.contains(v.as_str()), "{v} not in report.md");
    }
}

#[test]
fn compare_claims_csv_has_one_row_per_claim_and_model_with_each_models_own_ranks() {
    let views = [
        "priors/deepseek_report.toml",
        "priors/semianalysis.toml",
        "priors/deepseek_v3.toml",
    ];
    let tmp = tempfile::tempdir().unwrap();
    let cmp = tmp.path().join("cmp");
    let assert = costsim()
        .arg("compare")
        .args(views)
        .args(["-n", "20000", "-q", "--no-charts", "--out"])
        .arg(&cmp)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let text = std::fs::read_to_string(cmp.join("compare_claims.csv")).unwrap();
    assert!(
        text.starts_with("claim,param,value,model,file,percentile_rank,p_below,p_above,verdict\n"),
        "{text}"
    );
    let rows = csv_rows(&text);
    for (k, view) in views.iter().enumerate() {
        let out = tmp.path().join(format!("run{k}"));
        costsim()
            .args([
                "run",
                view,
                "-n",
                "20000",
                "-q",
                "--no-charts",
                "--no-swing",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        let own = claims(&out);
        let title = ["As DeepSeek reports it", "As SemiAnalysis sees it"]
            .get(k)
            .copied()
            .unwrap_or("DeepSeek-V3: the final-run claim against fleet ownership");
        let mine: Vec<_> = rows.iter().filter(|r| r["model"] == title).collect();
        assert_eq!(mine.len(), own.len(), "{view}");
        for c in &own {
            let r = mine
                .iter()
                .find(|r| r["claim"] == c["claim"] && r["param"] == c["param"])
                .unwrap_or_else(|| panic!("{view}: {} missing", c["claim"]));
            for col in ["value", "percentile_rank", "p_below", "p_above", "verdict"] {
                assert_eq!(r[col], c[col], "{view} {} {col}", c["claim"]);
            }
        }
    }
    // Rows are grouped by claim: the models of one claim are adjacent.
    assert_eq!(rows.len(), 3 * claims_per_view());
    for chunk in rows.chunks(3) {
        assert!(chunk.iter().all(|r| r["claim"] == chunk[0]["claim"]));
    }
    assert!(
        stdout.contains("claim: SemiAnalysis server capex"),
        "{stdout}"
    );
}

/// Every view tests the same claims.
fn claims_per_view() -> usize {
    let text = std::fs::read_to_string("priors/deepseek_v3.toml").unwrap();
    text.matches("[[claims]]").count()
}
