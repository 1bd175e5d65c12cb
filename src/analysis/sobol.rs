//! `costsim sobol`: variance-based sensitivity of every output to every input.
//!
//! The inputs are the params holding a distribution. The model's graph says which
//! inputs can affect which outputs ([`Plan::ancestor_inputs_of`]): an input that is
//! not an ancestor of an output gets indices of exactly 0 for it, and an input that
//! affects none of the outputs asked for is neither drawn nor re-evaluated.
//!
//! Two independent matrices A and B of N rows of the other (needed) inputs are drawn
//! as a run draws them (seeds `seed` and a derived one); the model is then
//! re-evaluated with those inputs fed from columns (the engine's `Fill::Column`) for
//! A, B and each AB_i — N·(k + 2) evaluations for k needed inputs. Estimators and
//! intervals: `stats::sobol`.

use crate::engine;
use crate::error::{Diagnostic, Error};
use crate::model::Model;
use crate::plan::{self, Fill, Plan};
use crate::stats::sobol::{BlockSums, Indices, block_rows, indices_of_blocks};
use serde::{Deserialize, Serialize};

/// The indices of one (output, input) pair.
#[derive(Clone, Debug)]
pub struct SobolRow {
    pub output: usize,
    pub input: usize,
    /// Whether the input is an ancestor of the output in the model's graph; when not,
    /// `indices` is [`Indices::ZERO`].
    pub affects: bool,
    pub indices: Indices,
}

/// Refuses models whose inputs are not independent: Sobol indices are defined for
/// independent inputs only.
fn check_independent(model: &Model, plan: &Plan) -> Result<(), Error> {
    let src = &model.sources[0];
    if let Some(c) = model.correlations.first() {
        return Err(Diagnostic::at(
            src,
            c.span,
            format!(
                "Sobol indices need independent inputs, but `{}` and `{}` are correlated",
                model.params[c.a].name, model.params[c.b].name
            ),
        )
        .help("run `costsim sobol` on a copy without [[correlations]], or use the Spearman sensitivity of `costsim run`")
        .into());
    }
    for &p in &plan.inputs {
        if let Some(q) = upstream_input(model, plan, p) {
            let param = &model.params[p];
            return Err(Diagnostic::at(
                &model.sources[param.origin],
                param.expr.span,
                format!(
                    "Sobol indices need independent inputs, but input `{}` depends on input `{}`",
                    param.name, model.params[q].name
                ),
            )
            .param(&param.name)
            .help("hierarchical priors make the inputs dependent; fix the upper level with --set to analyse the rest")
            .into());
        }
    }
    Ok(())
}

/// An input that `p` depends on, directly or through derived params.
fn upstream_input(model: &Model, plan: &Plan, p: usize) -> Option<usize> {
    let mut stack = model.params[p].deps.clone();
    let mut seen = vec![false; model.params.len()];
    while let Some(q) = stack.pop() {
        if std::mem::replace(&mut seen[q], true) {
            continue;
        }
        if plan.inputs.contains(&q) {
            return Some(q);
        }
        stack.extend(&model.params[q].deps);
    }
    None
}

/// Runs the design and estimates S_i and ST_i for every output and input.
pub fn sobol(
    model: &Model,
    plan: &Plan,
    n: u64,
    seed: u64,
    threads: usize,
) -> Result<SobolResult, Error> {
    sobol_of(model, plan, &model.outputs, n, seed, threads)
}

/// The inputs the design must vary for `outputs` (indices into `plan.inputs`), and
/// each output's ancestor inputs: an input is needed when it is an ancestor of some
/// output other than itself.
fn needed(model: &Model, plan: &Plan, outputs: &[usize]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let ancestors = plan.ancestor_inputs_of(model, outputs);
    let mut wanted = vec![false; model.params.len()];
    for (&o, inputs) in outputs.iter().zip(&ancestors) {
        inputs
            .iter()
            .filter(|&&i| i != o)
            .for_each(|&i| wanted[i] = true);
    }
    let needed = (0..plan.inputs.len())
        .filter(|&i| wanted[plan.inputs[i]])
        .collect();
    (needed, ancestors)
}

/// Model evaluations the design for `outputs` costs: N·(k + 2) for its k needed inputs.
pub fn evaluations(model: &Model, plan: &Plan, outputs: &[usize], n: u64) -> u64 {
    n * (needed(model, plan, outputs).0.len() as u64 + 2)
}

/// [`sobol`] for `outputs` (model outputs) only: rows for each of them and every
/// input but itself, in the model's output order, then plan order.
pub fn sobol_of(
    model: &Model,
    plan: &Plan,
    outputs: &[usize],
    n: u64,
    seed: u64,
    threads: usize,
) -> Result<SobolResult, Error> {
    let d = Design::new(model, plan, outputs)?;
    let partial = d.run(model, plan, n, seed, 0..d.units(n), threads)?;
    d.finish(partial, n, seed)
        .map_err(|unit| Error::Usage(format!("the design lacks unit {unit}")))
}

/// Rows evaluated at a time, at most: the design holds this many rows of every needed
/// input and tracked value, whatever N.
const SLICE: usize = 4096;

/// Values a slice of the design holds per matrix (A or B: needed inputs plus tracked
/// values, per row): a design of 10,000 inputs evaluates fewer rows at a time rather
/// than hold 4,096 rows of each (330 MB a matrix).
const SLICE_VALUES: usize = 1 << 22;

/// Rows per slice for a design of `needed` inputs and `tracked` values: [`SLICE`],
/// or a smaller power of two (at least 256) that keeps a matrix's slice within
/// [`SLICE_VALUES`]. A property of the design alone, so the same in every shard.
fn slice_rows(needed: usize, tracked: usize) -> usize {
    let fit = SLICE_VALUES / (needed + tracked).max(1);
    if fit >= SLICE {
        SLICE
    } else {
        // The largest power of two that fits, at least 256.
        (1usize << fit.max(256).ilog2()).min(SLICE)
    }
}

/// sobol.csv lists every (output, input) pair, those the input cannot affect with
/// indices of exactly 0, up to this many pairs; past it (5,000 outputs of a
/// 10,000-input model are 50 million pairs, ~2.5 GB of zeros) only the pairs where the
/// input can affect the output, and a warning says so.
pub const MAX_LISTED_PAIRS: usize = 1_000_000;

/// Syntax nodes the cones of a design may hold in all (~100 bytes each compiled:
/// ~100 MB): past it, inputs are re-evaluated with the whole design.
const CONE_NODES: usize = 1 << 20;

/// The seed of matrix B (A uses the run's).
const B_SEED: u64 = 0x5EED_B0B5_A17E_1105;

/// A Sobol analysis's result: the rows of sobol.csv, and what the rows leave out.
#[derive(Clone, Debug)]
pub struct SobolResult {
    /// Grouped by output in the model's output order, inputs in plan order: the
    /// pairs where the input can affect the output, and — when `listed_all` — the
    /// others with [`Indices::ZERO`].
    pub rows: Vec<SobolRow>,
    /// For each output analysed (model order): the inputs that cannot affect it,
    /// counted (itself excluded when it is an input).
    pub unaffected: Vec<(usize, usize)>,
    /// Whether `rows` lists every pair (see [`MAX_LISTED_PAIRS`]).
    pub listed_all: bool,
}

impl SobolResult {
    /// The inputs that cannot affect `output`.
    pub fn unaffected_of(&self, output: usize) -> usize {
        self.unaffected
            .iter()
            .find(|(o, _)| *o == output)
            .map_or(0, |&(_, n)| n)
    }

    /// Each output's rows, in order (the rows come grouped by output).
    pub fn by_output(&self) -> impl Iterator<Item = (usize, &[SobolRow])> {
        self.rows
            .chunk_by(|a, b| a.output == b.output)
            .map(|rows| (rows[0].output, rows))
    }
}

/// A Sobol design for some outputs: which inputs vary, the compiled design, and which
/// (output, input) pairs get estimated. Its work is cut into units, one per (chunk of
/// N rows, needed input): a shard of a Sobol analysis is a range of units.
pub struct Design {
    outputs: Vec<usize>,
    /// The plan's inputs.
    inputs: Vec<usize>,
    /// Indices into `plan.inputs` of the inputs that vary.
    needed: Vec<usize>,
    design: Plan,
    /// How each param is filled in the design (needed inputs from columns, the other
    /// inputs held at NaN), for compiling each input's cone.
    fills: Vec<Option<Fill>>,
    /// Each output's place among the model's outputs (the bootstrap seeds) and among
    /// the design's tracked values.
    place: Vec<(usize, usize)>,
    /// For each needed input, the outputs (indices into `outputs`) it is an ancestor of.
    pairs: Vec<Vec<usize>>,
    /// Rows per slice ([`slice_rows`]).
    slice: usize,
}

/// The block sums of one unit: needed input `column` over chunk `chunk` of the rows,
/// for each output it is an ancestor of (in `Design::pairs` order), block by block.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UnitSums {
    pub chunk: u64,
    pub column: u64,
    pub sums: Vec<Vec<BlockSums>>,
}

/// Some units of a design, sorted by (chunk, column): mergeable in any order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SobolPartial {
    pub units: Vec<UnitSums>,
}

impl SobolPartial {
    /// Adds other units; Err(unit) for one already held.
    pub fn absorb(&mut self, other: SobolPartial) -> Result<(), (u64, u64)> {
        for u in other.units {
            let key = (u.chunk, u.column);
            match self
                .units
                .binary_search_by_key(&key, |x| (x.chunk, x.column))
            {
                Ok(_) => return Err(key),
                Err(k) => self.units.insert(k, u),
            }
        }
        Ok(())
    }
}

impl Design {
    pub fn new(model: &Model, plan: &Plan, outputs: &[usize]) -> Result<Design, Error> {
        check_independent(model, plan)?;
        let mut outputs = outputs.to_vec();
        outputs.sort_by_key(|o| model.outputs.iter().position(|p| p == o));
        outputs.dedup();
        let (needed, ancestors) = needed(model, plan, &outputs);
        // Needed inputs come from the design's columns; the others affect no output
        // asked for, so they are held at NaN rather than drawn.
        let mut fills: Vec<Option<Fill>> = vec![None; model.params.len()];
        for &p in &plan.inputs {
            fills[p] = Some(Fill::Constant(f64::NAN));
        }
        let mut column_of = vec![usize::MAX; model.params.len()];
        for (column, &i) in needed.iter().enumerate() {
            fills[plan.inputs[i]] = Some(Fill::Column(column));
            column_of[plan.inputs[i]] = column;
        }
        // The design evaluates only what the outputs asked for depend on, and
        // tracks them alone, in order (asking for one output of a big model
        // re-evaluated the whole model per input).
        let index = plan::NameIndex::new(model);
        let design = plan::compile_cone(model, &index, &fills, &outputs)?;
        let place: Vec<(usize, usize)> = outputs
            .iter()
            .enumerate()
            .map(|(j, &o)| {
                let k = model
                    .outputs
                    .iter()
                    .position(|&p| p == o)
                    .expect("an output");
                (k, j)
            })
            .collect();
        // For each output, the needed inputs (columns) that are its ancestors: ancestor
        // lists come in plan order, as do the needed columns.
        let affecting: Vec<Vec<usize>> = outputs
            .iter()
            .zip(&ancestors)
            .map(|(&o, ancestry)| {
                ancestry
                    .iter()
                    .filter(|&&i| i != o)
                    .map(|&i| column_of[i])
                    .collect()
            })
            .collect();
        let mut pairs = vec![Vec::new(); needed.len()];
        for (j, columns) in affecting.iter().enumerate() {
            columns.iter().for_each(|&column| pairs[column].push(j));
        }
        // From the whole model, not the outputs asked for: `--outputs X` must give
        // X's indices the same bits as the analysis of every output.
        let slice = slice_rows(plan.inputs.len(), plan.tracked.len());
        Ok(Design {
            outputs,
            inputs: plan.inputs.clone(),
            needed,
            design,
            fills,
            place,
            pairs,
            slice,
        })
    }

    /// How many inputs vary (the units of one chunk of rows).
    pub fn needed(&self) -> u64 {
        self.needed.len() as u64
    }

    /// Units of work for N rows: chunks of N × needed inputs.
    pub fn units(&self, n: u64) -> u64 {
        n.div_ceil(engine::CHUNK) * self.needed.len() as u64
    }

    /// Evaluates units `range` (unit u is chunk u / k, needed input u % k) on
    /// `threads` threads.
    pub fn run(
        &self,
        model: &Model,
        plan: &Plan,
        n: u64,
        seed: u64,
        range: std::ops::Range<u64>,
        threads: usize,
    ) -> Result<SobolPartial, Error> {
        let k = self.needed.len() as u64;
        let pool = engine::pool(threads);
        let cones = pool.install(|| self.cones(model))?;
        let mut partial = SobolPartial::default();
        let mut u = range.start;
        while u < range.end {
            let chunk = u / k;
            let last = (range.end - chunk * k).min(k);
            let columns = (u % k) as usize..last as usize;
            let units =
                pool.install(|| self.run_chunk(model, plan, &cones, n, seed, chunk, columns))?;
            partial.units.extend(units);
            u = chunk * k + last;
        }
        Ok(partial)
    }

    /// Each needed input's cone: a plan of only the outputs it can affect and what
    /// they depend on, so f(AB_i) costs what changes when input i does, not the
    /// whole model (a model of 2,000 inputs and 1,000 small outputs re-evaluated all
    /// 1,000 per input). None where the design itself serves as well: a cone of
    /// more than half the design (one sum of every input), or past [`CONE_NODES`]
    /// in all.
    fn cones(&self, model: &Model) -> Result<Vec<Option<Plan>>, Error> {
        use rayon::prelude::*;
        // A cone's cost, estimated before compiling it: the syntax nodes of the
        // params it holds (a compiled op per node, roughly).
        let nodes: Vec<usize> = model
            .params
            .iter()
            .map(|p| {
                let mut n = 0;
                p.expr.walk(&mut |_| n += 1);
                n
            })
            .collect();
        let cost = |targets: &[usize]| -> usize {
            let seen = crate::plan::ancestry(model, targets);
            (0..seen.len()).filter(|&p| seen[p]).map(|p| nodes[p]).sum()
        };
        let whole = cost(&self.outputs);
        // Which cones to compile: in column order, those of at most half the
        // design, while their nodes fit the budget (compiled all at once, the
        // cones of 10,000 inputs that each reach a tenth of a model took 2 GB).
        let mut budget = CONE_NODES;
        let chosen: Vec<Option<Vec<usize>>> = self
            .pairs
            .iter()
            .map(|pairs| {
                let targets: Vec<usize> = pairs.iter().map(|&j| self.outputs[j]).collect();
                let c = cost(&targets);
                if c * 2 > whole || c > budget {
                    return None;
                }
                budget -= c;
                Some(targets)
            })
            .collect();
        let index = plan::NameIndex::new(model);
        Ok(chosen
            .par_iter()
            .map(|targets| match targets {
                Some(t) => plan::compile_cone(model, &index, &self.fills, t).map(Some),
                None => Ok(None),
            })
            .collect::<Result<_, _>>()?)
    }

    /// The units of chunk `chunk` for needed inputs `columns`, slice by slice.
    #[allow(clippy::too_many_arguments)]
    fn run_chunk(
        &self,
        model: &Model,
        plan: &Plan,
        cones: &[Option<Plan>],
        n: u64,
        seed: u64,
        chunk: u64,
        columns: std::ops::Range<usize>,
    ) -> Result<Vec<UnitSums>, Error> {
        use rayon::prelude::*;
        let runtime = |e: engine::SampleError| crate::analysis::run::sample_error(model, plan, e);
        let params: Vec<usize> = self.needed.iter().map(|&i| plan.inputs[i]).collect();
        let mut a_rows = engine::RowCursor::new(plan, chunk, n, seed, &params);
        let mut b_rows = engine::RowCursor::new(plan, chunk, n, seed ^ B_SEED, &params);
        let size = block_rows(n, engine::CHUNK);
        let segment = (size as usize).min(self.slice);
        let chunk_rows = (n - chunk * engine::CHUNK).min(engine::CHUNK);
        let blocks = chunk_rows.div_ceil(size) as usize;
        let mut units: Vec<UnitSums> = columns
            .clone()
            .map(|column| UnitSums {
                chunk,
                column: column as u64,
                sums: vec![vec![BlockSums::default(); blocks]; self.pairs[column].len()],
            })
            .collect();
        let mut at = 0usize;
        loop {
            let a = a_rows.next_rows(self.slice).map_err(runtime)?;
            let b = b_rows.next_rows(self.slice).map_err(runtime)?;
            let len = a.first().map_or(0, Vec::len);
            if len == 0 {
                break;
            }
            let eval_with = |design: &Plan, cols: &[&[f64]]| {
                engine::evaluate_here(design, cols, len as u64, seed).map_err(runtime)
            };
            let eval = |cols: Vec<&[f64]>| eval_with(&self.design, &cols);
            let a_cols: Vec<&[f64]> = a.iter().map(Vec::as_slice).collect();
            let b_cols: Vec<&[f64]> = b.iter().map(Vec::as_slice).collect();
            let (fa, fb) = rayon::join(|| eval(a_cols.clone()), || eval(b_cols));
            let (fa, fb) = (fa?, fb?);
            units
                .par_iter_mut()
                .map(|unit| -> Result<(), Error> {
                    let column = unit.column as usize;
                    let mut cols = a_cols.clone();
                    cols[column] = &b[column];
                    // A cone tracks the unit's outputs alone, in pairs order.
                    let cone = cones[column].as_ref();
                    let fab = eval_with(cone.unwrap_or(&self.design), &cols)?;
                    for (jj, (sums, &j)) in
                        unit.sums.iter_mut().zip(&self.pairs[column]).enumerate()
                    {
                        let t = self.place[j].1;
                        let fab = &fab[if cone.is_some() { jj } else { t }];
                        for start in (0..len).step_by(segment) {
                            let end = (start + segment).min(len);
                            let part = BlockSums::of(
                                &fa[t][start..end],
                                &fb[t][start..end],
                                &fab[start..end],
                            );
                            sums[(at + start) / size as usize].merge(&part);
                        }
                    }
                    Ok(())
                })
                .collect::<Result<(), Error>>()?;
            at += len;
        }
        Ok(units)
    }

    /// Checks units read from a state file against this design for N = `n` rows:
    /// exactly the units `want` (sorted), each with one list of block sums per output
    /// its input is an ancestor of, and one block sum per block of its chunk — what
    /// [`Design::finish`] indexes without checking. Err says what is wrong.
    pub fn check(
        &self,
        partial: &SobolPartial,
        n: u64,
        want: &[std::ops::Range<u64>],
    ) -> Result<(), String> {
        let k = self.needed.len() as u64;
        let expected: u64 = want.iter().map(|r| r.end - r.start).sum();
        if partial.units.len() as u64 != expected {
            return Err(format!(
                "it holds {} units of the Sobol design; its shards are {expected} units",
                partial.units.len()
            ));
        }
        let size = block_rows(n, engine::CHUNK);
        let wanted = want.iter().flat_map(|r| r.clone());
        for (unit, u) in partial.units.iter().zip(wanted) {
            if (unit.chunk, unit.column) != (u / k, u % k) {
                return Err(format!(
                    "it holds unit (chunk {}, input {}) where its shards hold unit {u} (chunk {}, input {})",
                    unit.chunk,
                    unit.column,
                    u / k,
                    u % k
                ));
            }
            let outputs = self.pairs[unit.column as usize].len();
            let chunk_rows = (n - unit.chunk * engine::CHUNK).min(engine::CHUNK);
            let blocks = chunk_rows.div_ceil(size) as usize;
            if unit.sums.len() != outputs || unit.sums.iter().any(|s| s.len() != blocks) {
                return Err(format!(
                    "unit (chunk {}, input {}) does not have {outputs} outputs × {blocks} blocks of sums",
                    unit.chunk, unit.column
                ));
            }
        }
        Ok(())
    }

    /// The rows of every (output, input) pair, once every unit is held; else the
    /// first unit missing.
    pub fn finish(&self, partial: SobolPartial, n: u64, seed: u64) -> Result<SobolResult, u64> {
        let k = self.needed.len() as u64;
        let chunks = n.div_ceil(engine::CHUNK);
        if partial.units.len() as u64 != chunks * k {
            let have: Vec<(u64, u64)> = partial.units.iter().map(|u| (u.chunk, u.column)).collect();
            let missing = (0..chunks * k)
                .find(|&u| have.binary_search(&(u / k, u % k)).is_err())
                .unwrap_or(0);
            return Err(missing);
        }
        let mut computed: Vec<Vec<SobolRow>> = vec![Vec::new(); self.outputs.len()];
        for (column, &i) in self.needed.iter().enumerate() {
            for (jj, &j) in self.pairs[column].iter().enumerate() {
                // The pair's blocks in order: chunk by chunk (units are sorted by
                // chunk, then column).
                let blocks: Vec<BlockSums> = (0..chunks as usize)
                    .flat_map(|c| {
                        partial.units[c * k as usize + column].sums[jj]
                            .iter()
                            .copied()
                    })
                    .collect();
                let (kk, _) = self.place[j];
                let seed_i = seed ^ ((kk as u64) << 32 | i as u64);
                computed[j].push(SobolRow {
                    output: self.outputs[j],
                    input: self.inputs[i],
                    affects: true,
                    indices: indices_of_blocks(&blocks, seed_i),
                });
            }
        }
        let pairs = self.outputs.len() * self.inputs.len();
        let listed_all = pairs <= MAX_LISTED_PAIRS;
        let mut rows = Vec::new();
        let mut unaffected = Vec::with_capacity(self.outputs.len());
        for (j, mine) in computed.into_iter().enumerate() {
            let output = self.outputs[j];
            let own = usize::from(self.inputs.contains(&output));
            unaffected.push((output, self.inputs.len() - mine.len() - own));
            if !listed_all {
                rows.extend(mine);
                continue;
            }
            // Every input but the output itself, in plan order; computed rows are in
            // plan order too.
            let mut mine = mine.into_iter().peekable();
            for &input in self.inputs.iter().filter(|&&i| i != output) {
                match mine.next_if(|r| r.input == input) {
                    Some(row) => rows.push(row),
                    None => rows.push(SobolRow {
                        output,
                        input,
                        affects: false,
                        indices: Indices::ZERO,
                    }),
                }
            }
        }
        Ok(SobolResult {
            rows,
            unaffected,
            listed_all,
        })
    }
}

/// sobol.csv: `output,input,first_order,first_order_lo,first_order_hi,total,total_lo,total_hi`.
pub fn sobol_csv(model: &Model, rows: &[SobolRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "output",
        "input",
        "first_order",
        "first_order_lo",
        "first_order_hi",
        "total",
        "total_lo",
        "total_hi",
    ];
    w.write_record(header).expect("writing to memory");
    for r in rows {
        let i = &r.indices;
        let mut record = vec![
            model.params[r.output].name.clone(),
            model.params[r.input].name.clone(),
        ];
        record.extend(
            [
                i.first, i.first_lo, i.first_hi, i.total, i.total_lo, i.total_hi,
            ]
            // 0, never "-0".
            .map(|v| if v == 0.0 { 0.0 } else { v }.to_string()),
        );
        w.write_record(record).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
