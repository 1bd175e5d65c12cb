//! The Summary and its writers. Writers return bytes and do no I/O; `write_atomic`
//! puts bytes on disk whole (a temp file, then a rename), so a failed run leaves no
//! half-written file.

pub mod analysis_charts;
pub mod anatomy;
pub mod axis;
pub mod charts;
pub mod csv;
pub mod drivers;
pub mod format;
pub mod markdown;
pub mod summary;
pub mod table;

pub use summary::{RunFacts, SensitivityRow, Summary, SwingRow, summarise};

use crate::error::Error;
use std::io::Write;
use std::path::Path;

pub fn json(s: &Summary) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(s).expect("a Summary always serialises");
    v.push(b'\n');
    v
}

/// Writes `bytes` to `path` through a temp file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |action: &'static str, e: std::io::Error| Error::Io {
        action,
        path: path.display().to_string(),
        source: e,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("cannot write", e));
    }
    Ok(())
}

/// Writes named files into `dir` (created if needed), each whole.
pub fn write_all<S: AsRef<str>>(dir: &Path, files: &[(S, Vec<u8>)]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io {
        action: "cannot create the folder",
        path: dir.display().to_string(),
        source: e,
    })?;
    files
        .iter()
        .try_for_each(|(name, bytes)| write_atomic(&dir.join(name.as_ref()), bytes))
}
