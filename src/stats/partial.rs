//! The aggregates of some of a run's chunks, mergeable in any order into exactly the
//! run's: the exact parts (sketch, counters, extremes) add up the same in any order,
//! and the moments, whose floating-point merge depends on grouping, are merged along
//! the fixed chunk tree of [`super::dyadic`].

use super::dyadic::{Dyadic, Overlap};
use super::{Aggregates, Moments, Sketch, Tracked};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Partial {
    /// Each tracked param's exact parts; its `moments` stay empty here.
    tracked: Vec<Tracked>,
    /// Every tracked param's moments, per node of the chunk tree.
    moments: Dyadic<Vec<Moments>>,
    samples: u64,
    /// The rows kept, for a run absorbed in chunk order only (a state file has none:
    /// `costsim merge` draws them again).
    #[serde(skip)]
    rows: Vec<Vec<f64>>,
}

#[allow(clippy::ptr_arg)] // the tree's merge takes its node value type, a Vec
fn merge_moments(a: &mut Vec<Moments>, b: Vec<Moments>) {
    for (x, y) in a.iter_mut().zip(&b) {
        x.merge(y);
    }
}

impl Partial {
    /// Adds chunk `chunk`'s aggregates; rows are appended, so chunks holding rows
    /// must come in chunk order.
    pub fn add_chunk(&mut self, chunk: u64, mut agg: Aggregates) -> Result<(), Overlap> {
        let moments: Vec<Moments> = agg
            .tracked
            .iter_mut()
            .map(|t| std::mem::take(&mut t.moments))
            .collect();
        self.moments.push(chunk, moments, merge_moments)?;
        self.add_exact(agg.tracked, agg.samples);
        if self.rows.is_empty() {
            self.rows = agg.rows;
        } else {
            for (a, b) in self.rows.iter_mut().zip(agg.rows) {
                a.extend(b);
            }
        }
        Ok(())
    }

    /// Adds another partial over other chunks (its rows are dropped).
    pub fn absorb(&mut self, other: Partial) -> Result<(), Overlap> {
        self.moments.absorb(other.moments, merge_moments)?;
        self.add_exact(other.tracked, other.samples);
        Ok(())
    }

    /// Adds sketches counted apart from the chunks' aggregates (one per tracked param,
    /// in order): counts add exactly, so it may come in any order.
    pub fn add_sketches(&mut self, sketches: Vec<Sketch>) {
        for (t, s) in self.tracked.iter_mut().zip(sketches) {
            // The first set is moved in, not copied: a sketch can be megabytes.
            if t.sketch.count() == 0 {
                t.sketch = s;
            } else {
                t.sketch.merge(&s);
            }
        }
    }

    fn add_exact(&mut self, tracked: Vec<Tracked>, samples: u64) {
        if self.tracked.is_empty() {
            self.tracked = tracked;
        } else {
            for (a, b) in self.tracked.iter_mut().zip(&tracked) {
                a.merge(b);
            }
        }
        self.samples += samples;
    }

    /// The run's aggregates, once chunks 0..chunks are all held; else the first
    /// missing chunk.
    pub fn finish(self, chunks: u64) -> Result<Aggregates, u64> {
        let Partial {
            mut tracked,
            moments,
            samples,
            rows,
        } = self;
        if let Some(root) = moments.root(chunks, merge_moments)? {
            for (t, m) in tracked.iter_mut().zip(root) {
                t.moments = m;
            }
        }
        Ok(Aggregates {
            tracked,
            samples,
            rows,
        })
    }
}
