//! The commands, from arguments to files and stdout. Each stage of the data flow is
//! called in turn; nothing is written until every stage has succeeded.

use crate::analysis::run::RunSpec;
use crate::analysis::state::ModelText;
use crate::cli::{CheckArgs, Format, RunArgs, SimArgs};
use crate::error::Error;
use crate::model::{self, Model, Override};
use crate::plan::{self, Plan, Src};
use crate::plot;
use crate::progress::Progress;
use crate::report::charts::{ChartOptions, Charts};
use crate::report::{self, Summary};
use crate::stats::{Aggregates, Tracked};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The default model, built in so an installed binary runs from any folder.
pub const DEFAULT_MODEL: &str = init::FILES[0].1;
pub const DEFAULT_MODEL_PATH: &str = "priors/deepseek_v3.toml";

mod anatomy;
mod compare;
pub mod init;
mod merge;
pub mod output;
mod run_charts;
mod shard;
mod sobol;
mod sweep;

use output::OutputFolder;

pub(crate) use anatomy::anatomy_options;
pub use compare::compare;
pub use init::init;
pub use merge::merge;
pub use sobol::sobol;
pub use sweep::sweep;

/// What a command produced, for `main` to print.
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub out_dir: PathBuf,
    pub warnings: Vec<String>,
}

/// The run's size, seed and threads: the flags, else the model file's values.
fn spec(sim: &SimArgs, model: &Model, rows: u64) -> RunSpec {
    RunSpec {
        samples: sim.samples.unwrap_or(model.samples),
        seed: sim.seed.unwrap_or(model.seed),
        threads: sim.threads.map_or_else(default_threads, |t| t as usize),
        rows,
    }
}

/// `--out`, else `output/<default>`.
fn out_dir(sim: &SimArgs, default: &str) -> PathBuf {
    sim.out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(default))
}

fn chart_options(sim: &SimArgs, exceedance: bool) -> ChartOptions {
    let d = ChartOptions::default();
    ChartOptions {
        width: sim.width.unwrap_or(d.width),
        height: sim.height.unwrap_or(d.height),
        exceedance,
        max_outputs: sim.max_charts.unwrap_or(d.max_outputs),
    }
}

/// The word that per-output charts were drawn for `max` of `outputs` outputs only.
fn charts_cut(max: usize, outputs: usize) -> Option<String> {
    (outputs > max).then(|| {
        format!(
            "charts for {max} of {} outputs (those with claims first, then the model's order); --max-charts N for more",
            report::format::count(outputs as u64)
        )
    })
}

/// [`charts_cut`] for a run, whose bands charts show more outputs than its other
/// charts (`report::charts::BANDS_MAX_ROWS`): what each shows.
fn run_charts_cut(max: usize, outputs: usize) -> Option<String> {
    (outputs > max).then(|| {
        let banded = report::charts::banded_count(max, outputs);
        let bands = if banded == outputs {
            format!(
                "all {} are in the bands",
                report::format::count(outputs as u64)
            )
        } else {
            format!(
                "the bands show {} of them",
                report::format::count(banded as u64)
            )
        };
        format!(
            "per-output charts for {max} of {} outputs (those with claims first, then the model's order; {bands}); --max-charts N for more",
            report::format::count(outputs as u64)
        )
    })
}

/// A chart that could not be drawn: an I/O-class failure (exit 1), before any write.
fn plot_error(out_dir: &Path) -> impl Fn(plot::PlotError) -> Error + '_ {
    move |e| Error::Io {
        action: "cannot draw the charts for",
        path: out_dir.display().to_string(),
        source: std::io::Error::other(e),
    }
}

/// Output names asked for with `--outputs`, checked against the model.
fn selected_outputs(model: &Model, asked: Option<&[String]>) -> Result<Vec<String>, Error> {
    let all: Vec<String> = model
        .outputs
        .iter()
        .map(|&o| model.params[o].name.clone())
        .collect();
    let Some(asked) = asked else { return Ok(all) };
    for name in asked {
        if !all.contains(name) {
            let hint =
                crate::error::did_you_mean_or_list(name, "outputs", all.iter().map(String::as_str));
            return Err(Error::Usage(format!(
                "--outputs `{name}` is not an output of {}; {hint}",
                model.file
            )));
        }
    }
    Ok(asked.to_vec())
}

/// Reads the model file, or the default one (from disk if present, so edits to
/// priors/deepseek_v3.toml take effect, else the built-in copy).
fn model_source(file: Option<&Path>) -> Result<(crate::error::Source, String), Error> {
    let path = file.unwrap_or(Path::new(DEFAULT_MODEL_PATH));
    let stem = path
        .file_stem()
        .map_or_else(|| "model".to_string(), |s| s.to_string_lossy().into_owned());
    if file.is_none() && !path.exists() {
        let source = crate::error::Source {
            name: format!("{DEFAULT_MODEL_PATH} (built in)"),
            text: DEFAULT_MODEL.to_string(),
        };
        return Ok((source, stem));
    }
    Ok((model::read_source(path)?, stem))
}

fn overrides(set: &[String], set_file: &[PathBuf]) -> Result<Vec<Override>, Error> {
    let mut out: Vec<Override> = Vec::new();
    for f in set_file {
        out.push(Override::File(model::read_source(f)?));
    }
    out.extend(set.iter().cloned().map(Override::Set));
    Ok(out)
}

/// Loads and compiles a model with its overrides.
pub fn prepare(
    file: Option<&Path>,
    set: &[String],
    set_file: &[PathBuf],
) -> Result<(Model, Plan, String), Error> {
    let text = model_text(file, set, set_file)?;
    let (model, plan) = build(&text)?;
    Ok((model, plan, text.stem))
}

/// Reads a model file and its overrides, as text.
fn model_text(
    file: Option<&Path>,
    set: &[String],
    set_file: &[PathBuf],
) -> Result<ModelText, Error> {
    let (source, stem) = model_source(file)?;
    Ok(ModelText {
        stem,
        source,
        overrides: overrides(set, set_file)?,
    })
}

/// Validates and compiles a model read as text.
fn build(text: &ModelText) -> Result<(Model, Plan), Error> {
    let model = model::load(text.source.clone(), &text.overrides)?;
    let plan = plan::compile(&model)?;
    Ok((model, plan))
}

pub fn run(args: &RunArgs) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let text = model_text(args.file.as_deref(), &sim.set, &sim.set_file)?;
    let (model, plan) = build(&text)?;
    if let Some(shard) = args.shard {
        return shard::run_shard(args, shard, text, &model, &plan);
    }
    let stem = text.stem;
    let conditioned = anatomy::condition(args, &model)?;
    let folder = OutputFolder::claim(&out_dir(sim, &stem))?;
    let samples = spec(sim, &model, 0).samples;
    let (rows, row_note) = sensitivity_rows(args, plan.row_params.len(), samples);
    // A conditional run's samples.csv holds its first accepted worlds, which cannot
    // be drawn again without the selection: they are kept.
    let rows = match conditioned {
        Some(_) => rows.max(args.save_rows.unwrap_or(0)),
        None => rows,
    };
    let spec = spec(sim, &model, rows);
    let progress = Progress::new(spec.samples, Progress::wanted(sim.quiet));
    let (model, plan, mut summary, aggs, early) =
        anatomy::simulate(args, model, plan, conditioned, spec, &progress)?;
    let announced = announce(args, &mut summary, row_note, early)?;
    write_run(args, folder, &model, &plan, summary, &aggs, announced)
}

/// What a run gives the terminal once its summary is complete, before any file is
/// written.
pub(crate) struct Announced {
    stdout: Vec<u8>,
    warnings: Vec<String>,
    /// Printed already (the run draws charts, which take a while); else `main`
    /// prints them with where the files went.
    printed: bool,
}

/// Completes the summary's warnings (outputs left without charts, a sensitivity
/// analysis on fewer rows than asked: warnings of the run's files too, not of the
/// terminal only) and makes what the terminal gets: the warnings not printed with the
/// table's head (`early`), then the table (its tail when the head went first), or
/// with `-f csv|json` the summary; printed at once when charts follow.
pub(crate) fn announce(
    args: &RunArgs,
    summary: &mut Summary,
    row_note: Option<String>,
    early: anatomy::Early,
) -> Result<Announced, Error> {
    let sim = &args.sim;
    let max = sim
        .max_charts
        .unwrap_or(report::charts::MAX_CHARTED_OUTPUTS);
    if !sim.no_charts {
        summary
            .warnings
            .extend(run_charts_cut(max, summary.outputs.len()));
    }
    summary.warnings.extend(row_note);
    let stdout = match args.format {
        Format::Table if early.head => report::table::tail(summary).into_bytes(),
        Format::Table => report::table::table(summary).into_bytes(),
        Format::Csv => report::csv::summary_csv(summary),
        Format::Json => report::json(summary),
    };
    let warnings = summary.warnings[early.warnings..].to_vec();
    // The rows are over the worlds that meet `--where`: how likely those are (the
    // table's `given … : P = …` line, summary.json's `condition`) goes to stderr.
    if let (Format::Csv | Format::Json, Some(c), false) =
        (args.format, &summary.condition, sim.quiet)
    {
        eprintln!(
            "{}",
            crate::error::printable(&report::anatomy::condition_line(c))
        );
    }
    // The results reach the terminal before the charts are done (they take about
    // half of a default run): warnings, then the table; the files follow.
    let printed = !sim.no_charts;
    if printed {
        print_warnings(&warnings, sim.quiet);
        print(&stdout)?;
    }
    Ok(Announced {
        stdout,
        warnings,
        printed,
    })
}

/// Renders a run's files (a single run's, or merged shards') and commits them to its
/// claimed folder; the outcome to print (what `announced` did not print).
fn write_run(
    args: &RunArgs,
    mut folder: OutputFolder,
    model: &Model,
    plan: &Plan,
    summary: Summary,
    aggs: &Aggregates,
    announced: Announced,
) -> Result<Outcome, Error> {
    let sim = &args.sim;
    let out_dir = folder.dir().to_path_buf();
    let summary_csv = report::csv::summary_csv(&summary);
    let json = report::json(&summary);
    let mut files = vec![
        ("summary.csv".to_string(), summary_csv),
        ("summary.json".to_string(), json),
        ("claims.csv".to_string(), report::csv::claims_csv(&summary)),
        (
            "sensitivity.csv".to_string(),
            report::csv::sensitivity_csv(&summary),
        ),
    ];
    files.extend(anatomy::csv_file(&summary));
    if let Some(k) = args.save_rows {
        let (samples, seed) = (summary.run.samples, summary.run.seed);
        let params = &plan.row_params;
        folder.stream("samples.csv", |w| match summary.condition {
            // The accepted worlds kept by the conditional run.
            Some(_) => report::csv::write_samples_csv(w, model, params, [Ok(aggs.rows.clone())], k),
            // The run's first k samples, drawn again a slice of rows at a time.
            None => {
                let slices = crate::analysis::run::sample_slices(plan, samples, seed, params, k)
                    .map(|s| s.map_err(|e| std::io::Error::other(e.message)));
                report::csv::write_samples_csv(w, model, params, slices, k)
            }
        })?;
    }
    let (charts, names) = if sim.no_charts {
        (Charts::default(), Vec::new())
    } else {
        let drawn = run_charts::draw(args, &mut folder, model, plan, &summary, aggs)?;
        files.extend(drawn.files);
        (drawn.charts, drawn.analysis_names)
    };
    let markdown = report::markdown::markdown(&summary, &charts, &names);
    files.push(("report.md".to_string(), markdown.into_bytes()));
    // Nothing is put in place before everything is rendered; if the set still
    // cannot be written, the results reach the terminal all the same.
    if announced.printed {
        // Printed already: nothing more for `main` to print but where the files are.
        commit_or_print(folder, &files, &[])?;
        return Ok(Outcome {
            stdout: Vec::new(),
            out_dir,
            warnings: Vec::new(),
        });
    }
    commit_or_print(folder, &files, &announced.stdout)?;
    Ok(Outcome {
        stdout: announced.stdout,
        out_dir,
        warnings: announced.warnings,
    })
}

/// What a command prints: its table, or (`-f csv|json`) its main CSV or that CSV's rows
/// as JSON, so every command pipes like `run`.
fn stdout_for(format: Format, table: impl FnOnce() -> String, csv: &[u8]) -> Vec<u8> {
    match format {
        Format::Table => table().into_bytes(),
        Format::Csv => csv.to_vec(),
        Format::Json => report::csv::rows_as_json(csv),
    }
}

/// Commits a command's files; if they cannot be written, its results still reach the
/// terminal before the error does (a finished simulation is never lost unseen).
fn commit_or_print(
    folder: OutputFolder,
    files: &[(String, Vec<u8>)],
    stdout: &[u8],
) -> Result<(), Error> {
    folder.commit(files).inspect_err(|_| {
        let _ = print(stdout);
    })
}

/// Values the sensitivity rows may hold (64 MB): rows × kept columns.
const ROW_BUDGET: u64 = 8_000_000;

/// The rows to keep: `--sensitivity-rows`, fewer if the model keeps so many columns
/// that they would pass [`ROW_BUDGET`] (memory must not depend on the model's size
/// beyond that). A plain run's `--save-rows` are drawn again as samples.csv is
/// written, a slice at a time (`analysis::run::sample_slices`), so they cost no memory; a conditional run keeps its
/// first accepted worlds for it (see `run`).
fn sensitivity_rows(args: &RunArgs, columns: usize, samples: u64) -> (u64, Option<String>) {
    use report::format::count;
    let fit = ROW_BUDGET / columns.max(1) as u64;
    let rows = args.sensitivity_rows.min(fit);
    // A run of fewer samples than either uses them all: nothing to say.
    let asked = args.sensitivity_rows.min(samples);
    let note = (rows < asked).then(|| {
        format!(
            "the sensitivity analysis uses the first {} samples, not {}: the model keeps \
             {} columns and the rows are held to {} values",
            count(rows),
            count(asked),
            count(columns as u64),
            count(ROW_BUDGET)
        )
    });
    (rows, note)
}

/// The chart data: the Summary's numbers and each output's aggregate.
fn chart_data(
    model: &Model,
    plan: &Plan,
    aggs: &Aggregates,
    summary: &Summary,
    opts: &ChartOptions,
) -> Charts {
    let tracked: Vec<&Tracked> = model
        .outputs
        .iter()
        .filter_map(|&p| plan.tracked_index(p))
        .map(|k| &aggs.tracked[k])
        .collect();
    if tracked.len() != summary.outputs.len() {
        return Charts::default();
    }
    report::charts::build(summary, &tracked, opts)
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `costsim check`: validates and lists the params in dependency order.
pub fn check(args: &CheckArgs) -> Result<String, Error> {
    let (model, plan, _) = prepare(args.file.as_deref(), &args.set, &args.set_file)?;
    Ok(check_listing(&model, &plan))
}

/// What each param is: a distribution site (input), a formula (derived) or a
/// constant, in one pass over the sites (searching them per param made `check` of
/// 80,000 inputs take 16 s).
fn param_kinds(plan: &Plan) -> Vec<&'static str> {
    let mut drawn = vec![false; plan.params.len()];
    plan.sites.iter().for_each(|s| drawn[s.param] = true);
    (0..plan.params.len())
        .map(|p| {
            if drawn[p] {
                "input"
            } else if matches!(plan.params[p], Src::Const(_)) {
                "constant"
            } else {
                "derived"
            }
        })
        .collect()
}

fn check_listing(model: &Model, plan: &Plan) -> String {
    use std::fmt::Write as _;
    let kinds = param_kinds(plan);
    let mut reported = vec![false; model.params.len()];
    model.outputs.iter().for_each(|&p| reported[p] = true);
    let count = |k: &str| kinds.iter().filter(|x| **x == k).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · {}",
        crate::report::table::terminal_safe(&model.title),
        model.file
    );
    let _ = writeln!(
        out,
        "{} params: {} inputs ({} distribution sites), {} derived, {} constant; {} reported; {} claims\n",
        model.params.len(),
        count("input"),
        plan.sites.len(),
        count("derived"),
        count("constant"),
        model.outputs.len(),
        model.claims.len()
    );
    let header = ["param", "kind", "output", "value"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = std::iter::once(header)
        .chain(model.order.iter().map(|&p| {
            let param = &model.params[p];
            let src = model.source_of(p);
            let text = src
                .text
                .get(param.expr.span.start..param.expr.span.end)
                .unwrap_or("")
                .to_string();
            let reported = if reported[p] { "reported" } else { "" };
            vec![
                param.name.clone(),
                kinds[p].to_string(),
                reported.to_string(),
                text,
            ]
        }))
        .collect();
    // Every column is text; a name or formula past the table's cell limit is cut.
    out.push_str(&crate::report::table::aligned(&rows, 4, true));
    let idle: Vec<&str> = plan
        .idle_inputs(model)
        .into_iter()
        .map(|i| model.params[i].name.as_str())
        .collect();
    if !idle.is_empty() {
        let _ = writeln!(
            out,
            "\nnote: {} input(s) reach no output or claim (drawn, never reported): {}",
            idle.len(),
            idle.join(", ")
        );
    }
    let _ = write!(out, "\nok: the model is valid");
    out
}

/// Prints warnings on stderr as `main` does (nothing with --quiet).
pub fn print_warnings(warnings: &[String], quiet: bool) {
    if !quiet {
        for w in warnings {
            eprintln!("warning: {}", crate::error::printable(w));
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn print(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            action: "cannot write to",
            path: "stdout".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}
