//! Every number traced: each input of the three shipped views cites a source key, and
//! every key cited exists in priors/SOURCES.md with a confidence grade.

use costsim::error::Source;
use std::collections::HashMap;

const VIEWS: [&str; 3] = [
    "priors/deepseek_v3.toml",
    "priors/deepseek_report.toml",
    "priors/semianalysis.toml",
];

/// The key table of SOURCES.md: key → grade.
fn graded_keys() -> HashMap<String, String> {
    let text = std::fs::read_to_string("priors/SOURCES.md").unwrap();
    text.lines()
        .filter(|l| l.starts_with("| S"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[cells.len() - 2].to_string())
        })
        .collect()
}

/// The source keys a `source` field cites: "S1 §1; S10 Hardware prices.csv" → S1, S10.
fn cited(source: &str) -> Vec<String> {
    source
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() > 1 && w.starts_with('S') && w[1..].chars().all(|c| c.is_ascii_digit()))
        .map(String::from)
        .collect()
}

#[test]
fn every_key_has_a_confidence_grade() {
    let keys = graded_keys();
    assert!(keys.len() >= 35, "{keys:?}");
    for (key, grade) in &keys {
        assert!(
            ["H", "M", "L"].iter().any(|g| grade.starts_with(g)),
            "{key} has no grade: `{grade}`"
        );
    }
}

#[test]
fn every_prior_in_every_view_cites_a_graded_source_key() {
    let keys = graded_keys();
    for path in VIEWS {
        let source = Source {
            name: path.into(),
            text: std::fs::read_to_string(path).unwrap(),
        };
        let model = costsim::model::load(source, &[]).unwrap();
        for (i, p) in model.params.iter().enumerate() {
            let is_prior = model.param_has_distribution(i);
            let cites = cited(p.source.as_deref().unwrap_or_default());
            if is_prior {
                assert!(
                    !cites.is_empty(),
                    "{path}: prior `{}` cites no source key",
                    p.name
                );
            }
            for k in cites {
                assert!(
                    keys.contains_key(&k),
                    "{path}: `{}` cites {k}, not in SOURCES.md",
                    p.name
                );
            }
        }
        for c in &model.claims {
            for k in cited(c.source.as_deref().unwrap_or_default()) {
                assert!(
                    keys.contains_key(&k),
                    "{path}: claim `{}` cites {k}",
                    c.label
                );
            }
        }
    }
}

#[test]
fn the_source_key_parser_reads_the_fields_as_written() {
    assert_eq!(
        cited("S1 §1, Table 1; S10 Hardware prices.csv"),
        ["S1", "S10"]
    );
    assert_eq!(
        cited("S6; S7 (chart row 'TCO (4y Ownership)')"),
        ["S6", "S7"]
    );
    assert!(cited("SemiAnalysis").is_empty());
}
