//! The Summary and its writers. Writers return bytes and do no I/O: the commands
//! put a run's files on disk as one set (`app::output`).

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

pub use summary::{RunFacts, SensitivityRow, Summary, SwingRow, add_sensitivity, summarise};

pub fn json(s: &Summary) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(s).expect("a Summary always serialises");
    v.push(b'\n');
    v
}
