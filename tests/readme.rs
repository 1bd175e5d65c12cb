//! The README's examples stay true: its model file is valid and every distribution
//! example in its table compiles.

mod common;

use costsim::error::Source;

fn readme() -> String {
    std::fs::read_to_string("README.md").unwrap()
}

#[test]
fn the_readme_model_is_valid() {
    let text = readme();
    let start = text.find("```toml\n").expect("a toml block") + 8;
    let end = start + text[start..].find("```").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("readme.toml");
    std::fs::write(&path, &text[start..end]).unwrap();
    common::costsim().arg("check").arg(&path).assert().success();
}

#[test]
fn every_distribution_example_compiles() {
    let text = readme();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains("| `\""))
    {
        let example = line.split('|').nth(2).unwrap().trim();
        let expr = example.trim_matches('`');
        let model = format!("[params]\nx = {expr}\n");
        let source = Source {
            name: "readme".into(),
            text: model,
        };
        let m = costsim::model::load(source, &[]).unwrap_or_else(|e| panic!("{expr}: {e}"));
        costsim::plan::compile(&m).unwrap_or_else(|e| panic!("{expr}: {e}"));
        n += 1;
    }
    assert_eq!(
        n, 17,
        "expected an example for each of the 17 distribution forms"
    );
}
