//! anatomy_<claim>.png: what a claim would take (stub).

use super::PlotError;
use crate::analysis::anatomy::AnatomyRun;
use crate::report::charts::ChartOptions;

pub fn files(_run: &AnatomyRun, _opts: &ChartOptions) -> Result<Vec<(String, Vec<u8>)>, PlotError> {
    Ok(Vec::new())
}
