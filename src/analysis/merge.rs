//! Merging the states of a sharded run: every state must come from the same resolved
//! model, options, seed, samples and shard count, and hold shards no other state
//! holds; the merged aggregates are then exactly the single run's, whatever the
//! order or grouping of the merges (the moments follow the fixed chunk tree).

use super::sobol::SobolPartial;
use super::state::{Job, State, StepPartial};
use crate::engine::CHUNK;
use crate::error::{Diagnostic, Error};
use crate::report::format::count;
use crate::stats::Aggregates;
use crate::stats::dyadic::Overlap;

/// A state and the file it came from.
pub struct Named {
    pub name: String,
    pub state: State,
}

/// Merges states (at least one) into one, refusing any that do not belong together.
pub fn combine(states: Vec<Named>) -> Result<Named, Error> {
    let mut states = states.into_iter();
    let first = states.next().expect("at least one state");
    let mut acc = first.state;
    // Which file brought each range of shards, for naming a repeated one.
    let mut owners: Vec<((u64, u64), String)> =
        acc.held.iter().map(|&r| (r, first.name.clone())).collect();
    for next in states {
        check_same(&first.name, &acc, &next.name, &next.state)?;
        for &(a, b) in &next.state.held {
            if let Some(((c, _), owner)) = owners.iter().find(|((c, d), _)| a < *d && *c < b) {
                let k = a.max(*c);
                return Err(Diagnostic::new(
                    &next.name,
                    format!(
                        "shard {k}/{} is also in {owner}: each shard must be merged once",
                        acc.shards
                    ),
                )
                .help("each shard must be merged once: leave out one of the states that hold it")
                .into());
            }
            owners.push(((a, b), next.name.clone()));
        }
        absorb(&mut acc.job, next.state.job)
            .map_err(|o| Diagnostic::new(&next.name, format!("chunk {} is held twice", o.chunk)))?;
        // The model's names (the file's path as typed, which the results show) are
        // the lowest shard's, whatever the order of merging: the texts are the same.
        if next.state.held.first() < acc.held.first() {
            acc.model = next.state.model.clone();
        }
        acc.held = union(&acc.held, &next.state.held);
        acc.elapsed_nanos = acc.elapsed_nanos.saturating_add(next.state.elapsed_nanos);
    }
    Ok(Named {
        name: first.name,
        state: acc,
    })
}

/// Adds a state's aggregates to another's (of the same command: checked before).
fn absorb(into: &mut Job, from: Job) -> Result<(), Overlap> {
    match (into, from) {
        (Job::Run { partial, .. }, Job::Run { partial: p, .. }) => partial.absorb(p),
        (Job::Sweep { steps, .. }, Job::Sweep { steps: more, .. }) => {
            for s in more {
                match steps.binary_search_by_key(&s.step, |x| x.step) {
                    Ok(k) => steps[k].partial.absorb(s.partial)?,
                    Err(k) => steps.insert(k, s),
                }
            }
            Ok(())
        }
        (Job::Sobol { partial, .. }, Job::Sobol { partial: p, .. }) => {
            partial.absorb(p).map_err(|(chunk, _)| Overlap { chunk })
        }
        _ => unreachable!("states of different commands are refused before merging"),
    }
}

/// What a complete set of shards gives: the run's aggregates, or each sweep step's.
pub enum Finished {
    Run(Aggregates),
    Sweep(Vec<Aggregates>),
    /// A Sobol design's units, all present (`Design::finish` checks).
    Sobol(SobolPartial),
}

/// The whole job's aggregates from a merged state holding every shard; the state is
/// returned with its aggregates taken out.
pub fn finish(merged: Named) -> Result<(State, Finished), Error> {
    let Named { name, mut state } = merged;
    let missing = missing_shards(&state);
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().take(12).map(|&k| count(k)).collect();
        let more = if missing.len() > 12 {
            format!(" and {} more", count(missing.len() as u64 - 12))
        } else {
            String::new()
        };
        let k = missing[0];
        let what = if missing.len() == 1 {
            format!(
                "shard {} (of {}) is missing",
                list[0],
                super::state::numbered(state.shards)
            )
        } else {
            format!(
                "{} of the {} shards are missing: {}{more}",
                count(missing.len() as u64),
                count(state.shards),
                list.join(", ")
            )
        };
        return Err(Error::Usage(format!(
            "{what} (the states given hold {})\n  \
             help: run each missing shard with the same options, e.g. `costsim {} ... --shard {k}/{} --state shard-{k}.cstate`, then merge again",
            state.describe(),
            state.job.command(),
            state.shards
        )));
    }
    let chunks = state.samples.div_ceil(CHUNK);
    let damaged = |gap: u64| {
        Error::from(Diagnostic::new(
            &name,
            format!("the states hold every shard but not chunk {gap}: they are damaged"),
        ))
    };
    let finished = match &mut state.job {
        Job::Run { partial, .. } => {
            Finished::Run(std::mem::take(partial).finish(chunks).map_err(damaged)?)
        }
        Job::Sweep { steps, .. } => {
            let steps: Vec<StepPartial> = std::mem::take(steps);
            let runs = steps
                .into_iter()
                .map(|s| s.partial.finish(chunks).map_err(damaged))
                .collect::<Result<Vec<_>, _>>()?;
            Finished::Sweep(runs)
        }
        Job::Sobol { partial, .. } => Finished::Sobol(std::mem::take(partial)),
    };
    Ok((state, finished))
}

/// Shards of 0..N held by no state.
pub fn missing_shards(state: &State) -> Vec<u64> {
    let mut missing = Vec::new();
    let mut at = 0;
    for &(a, b) in &state.held {
        missing.extend(at..a);
        at = b;
    }
    missing.extend(at..state.shards);
    missing
}

/// Sorted disjoint ranges of both (which are disjoint from each other), joined where
/// they touch.
fn union(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut all: Vec<(u64, u64)> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (s, e) in all {
        match out.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => out.push((s, e)),
        }
    }
    out
}

/// States merge only if they are shards of one run: the same model, options, seed,
/// samples and shard count (the version was checked when each was read).
fn check_same(first_name: &str, first: &State, name: &str, s: &State) -> Result<(), Error> {
    let differ = |what: String, help: &str| -> Result<(), Error> {
        Err(Diagnostic::new(
            name,
            format!("not a shard of the same run as {first_name}: {what}"),
        )
        .help(help)
        .into())
    };
    let same_run =
        "merge only the states of one run: the same model file, --set, seed, samples and --shard N";
    if s.job.command() != first.job.command() {
        return differ(
            format!(
                "it is a shard of `costsim {}`, not of `costsim {}`",
                s.job.command(),
                first.job.command()
            ),
            same_run,
        );
    }
    if s.model.hash() != first.model.hash() {
        let what = if s.model.source.text != first.model.source.text {
            format!(
                "it is from a different model ({} against {})",
                s.model.source.name, first.model.source.name
            )
        } else {
            "the same model file with different --set or --set-file overrides".to_string()
        };
        return differ(what, same_run);
    }
    if s.seed != first.seed {
        return differ(format!("seed {} against {}", s.seed, first.seed), same_run);
    }
    if s.samples != first.samples {
        return differ(
            format!("{} samples against {}", s.samples, first.samples),
            same_run,
        );
    }
    if s.shards != first.shards {
        return differ(
            format!(
                "cut into {} shard{} against {}",
                s.shards,
                if s.shards == 1 { "" } else { "s" },
                first.shards
            ),
            same_run,
        );
    }
    if s.job.options() != first.job.options() {
        let what = super::state::option_difference(&s.job, &first.job)
            .unwrap_or_else(|| "some option".to_string());
        return differ(format!("it was run with other options: {what}"), same_run);
    }
    Ok(())
}
