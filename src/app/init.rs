//! `costsim init [DIR]`: the built-in model files, written out to be read and edited.
//!
//! An installed binary carries the default model; a user who reads report.md's
//! "priors/deepseek_v3.toml" needs the file itself, with its sources and the other
//! views, to tweak. `init` writes them (never over an existing file).

use crate::error::Error;
use std::path::{Path, PathBuf};

/// Every file of the shipped priors folder, by its path inside that folder.
pub const FILES: [(&str, &str); 7] = [
    (
        "deepseek_v3.toml",
        include_str!("../../priors/deepseek_v3.toml"),
    ),
    (
        "deepseek_report.toml",
        include_str!("../../priors/deepseek_report.toml"),
    ),
    (
        "semianalysis.toml",
        include_str!("../../priors/semianalysis.toml"),
    ),
    ("SOURCES.md", include_str!("../../priors/SOURCES.md")),
    ("README.md", include_str!("../../priors/README.md")),
    (
        "scenarios/cheap_rental.toml",
        include_str!("../../priors/scenarios/cheap_rental.toml"),
    ),
    (
        "scenarios/h100_free.toml",
        include_str!("../../priors/scenarios/h100_free.toml"),
    ),
];

/// Writes the files into `dir` (default `priors`); refuses, before writing anything,
/// if any of them exists. Returns what it wrote, for the terminal.
pub fn init(dir: Option<&Path>) -> Result<String, Error> {
    let dir: PathBuf = dir.map_or_else(|| PathBuf::from("priors"), Path::to_path_buf);
    let taken: Vec<String> = FILES
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !taken.is_empty() {
        return Err(Error::Usage(format!(
            "init would overwrite {}: choose another folder (costsim init DIR) or move them away",
            taken.join(", ")
        )));
    }
    let mut listing = String::new();
    for (name, text) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                action: "cannot create the folder",
                path: parent.display().to_string(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| Error::Io {
            action: "cannot write",
            path: path.display().to_string(),
            source,
        })?;
        listing.push_str(&format!("wrote {}\n", path.display()));
    }
    let model = dir.join("deepseek_v3.toml");
    listing.push_str(&format!(
        "\nedit the priors, then run: costsim run {}\n",
        model.display()
    ));
    Ok(listing)
}
