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

    /// Checks a partial read from a state file against what its run must hold: one
    /// entry per tracked param of the model (`claims`: each one's claim values, in
    /// order), exactly the chunks `chunks` (sorted, disjoint) of a run of `samples`
    /// samples, and counts that agree with those chunks' samples. A file that passes
    /// cannot index out of bounds or report one param's aggregates as another's.
    pub fn check(
        &self,
        claims: &[&[f64]],
        chunks: &[std::ops::Range<u64>],
        samples: u64,
    ) -> Result<(), String> {
        // A shard with no chunks (more shards than chunks) holds nothing at all, not
        // even empty aggregates: the chunk check below makes sure it should be empty.
        let nothing = self.tracked.is_empty() && self.moments.values().next().is_none();
        if self.tracked.len() != claims.len() && !nothing {
            return Err(format!(
                "it holds the aggregates of {} params; its model tracks {}",
                self.tracked.len(),
                claims.len()
            ));
        }
        for (i, (t, want)) in self.tracked.iter().zip(claims).enumerate() {
            let param = i + 1;
            let values: Vec<u64> = t.claims.iter().map(|c| c.0.to_bits()).collect();
            let model: Vec<u64> = want.iter().map(|v| v.to_bits()).collect();
            if values != model {
                return Err(format!(
                    "tracked param #{param} has {} claims at {:?}; its model has {} at {:?}",
                    t.claims.len(),
                    t.claims.iter().map(|c| c.0).collect::<Vec<_>>(),
                    want.len(),
                    want
                ));
            }
        }
        let held = join(self.moments.ranges()?);
        if held != join(chunks.to_vec()) {
            return Err(format!(
                "it holds chunks {}; its shards are chunks {}",
                show(&held),
                show(chunks)
            ));
        }
        let in_chunks: u64 = chunks
            .iter()
            .map(|r| {
                let at = |c: u64| c.saturating_mul(crate::engine::CHUNK).min(samples);
                at(r.end) - at(r.start)
            })
            .sum();
        if self.samples != in_chunks {
            return Err(format!(
                "it counts {} samples; its chunks hold {in_chunks}",
                self.samples
            ));
        }
        self.check_structure(samples)
    }

    /// The checks of [`Partial::check`] that need no model: every sketch valid, the
    /// chunk tree's nodes in range, each with every tracked param's moments, and the
    /// counts consistent with the samples held (`run_samples`: the whole run's).
    pub fn check_structure(&self, run_samples: u64) -> Result<(), String> {
        self.moments.ranges()?;
        for node in self.moments.values() {
            if node.len() != self.tracked.len() {
                return Err(format!(
                    "a node of its chunk tree has the moments of {} params, not {}",
                    node.len(),
                    self.tracked.len()
                ));
            }
        }
        for (i, t) in self.tracked.iter().enumerate() {
            let param = i + 1;
            t.sketch
                .check()
                .map_err(|e| format!("tracked param #{param}: {e}"))?;
            let seen = t.sketch.count().checked_add(t.nonfinite);
            if seen != Some(self.samples) {
                return Err(format!(
                    "tracked param #{param} counts {} finite and {} non-finite values in {} samples",
                    t.sketch.count(),
                    t.nonfinite,
                    self.samples
                ));
            }
            let finite: u64 = self
                .moments
                .values()
                .map(|m| m[i].n)
                .fold(0, u64::saturating_add);
            if finite != t.sketch.count() {
                return Err(format!(
                    "tracked param #{param}'s moments count {finite} values, its sketch {}",
                    t.sketch.count()
                ));
            }
            if t.first_nonfinite.is_some_and(|k| k >= run_samples)
                || t.first_nonfinite.is_some() != (t.nonfinite > 0)
            {
                return Err(format!(
                    "tracked param #{param}'s first non-finite sample does not fit its count"
                ));
            }
            if t.claims.iter().any(|&(_, below, equal)| {
                below
                    .checked_add(equal)
                    .is_none_or(|n| n > t.sketch.count())
            }) {
                return Err(format!(
                    "tracked param #{param} counts more values against a claim than it holds"
                ));
            }
        }
        Ok(())
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

/// Sorted disjoint ranges with the empty ones dropped and touching ones joined.
fn join(mut ranges: Vec<std::ops::Range<u64>>) -> Vec<std::ops::Range<u64>> {
    ranges.retain(|r| !r.is_empty());
    let mut out: Vec<std::ops::Range<u64>> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if last.end == r.start => last.end = r.end,
            _ => out.push(r),
        }
    }
    out
}

/// "0 to 4, 9 to 11" (ends included), or "none"; the first few only (a damaged file
/// may hold thousands).
fn show(ranges: &[std::ops::Range<u64>]) -> String {
    let all = join(ranges.to_vec());
    let mut parts: Vec<String> = all
        .iter()
        .take(6)
        .map(|r| format!("{} to {}", r.start, r.end - 1))
        .collect();
    if all.len() > 6 {
        parts.push(format!("and {} more ranges", all.len() - 6));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}
