//! Sharded runs (`run --shard K/N --state FILE`) merged with `costsim merge`: the
//! merged files are byte-identical to one run's, whatever the shard count and the
//! order or tree of merging; and every way a set of states can be wrong is an exit
//! 2 naming the file, with nothing written.

mod common;

use common::costsim;
use costsim::analysis::merge::{self, Named};
use costsim::analysis::state;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// A model with claims (anatomy), inputs feeding outputs (sensitivity, swing) and an
/// output that is sometimes not finite (its origin is traced from the merged state).
const MODEL: &str = include_str!("data/shards.toml");

/// The files a run writes, by name, with the timing fields of summary.json removed
/// (a merge reports the shards' summed time, and its own thread count).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(&p).unwrap();
            if name == "summary.json" {
                let text = String::from_utf8(bytes).unwrap();
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|l| !l.contains("\"elapsed_seconds\"") && !l.contains("\"threads\""))
                    .collect();
                bytes = kept.join("\n").into_bytes();
            }
            (name, bytes)
        })
        .collect();
    out.sort();
    out
}

fn write_model(dir: &Path) -> PathBuf {
    let path = dir.join("shards.toml");
    std::fs::write(&path, MODEL).unwrap();
    path
}

/// Runs shards 0..n as concurrent processes; their state files.
fn run_shards(model: &Path, dir: &Path, n: u64, extra: &[&str]) -> Vec<PathBuf> {
    let children: Vec<(PathBuf, std::process::Child)> = (0..n)
        .map(|k| {
            let state = dir.join(format!("shard-{k}.cstate"));
            let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("costsim"))
                .arg("run")
                .arg(model)
                .args(extra)
                .args(["--shard", &format!("{k}/{n}"), "--state"])
                .arg(&state)
                .args(["--quiet", "--threads", "1"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap();
            (state, child)
        })
        .collect();
    children
        .into_iter()
        .map(|(state, mut child)| {
            assert!(child.wait().unwrap().success(), "shard {state:?} failed");
            state
        })
        .collect()
}

fn merge_into(states: &[PathBuf], out: &Path) -> std::process::Output {
    costsim()
        .arg("merge")
        .args(states)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .unwrap()
}

#[test]
fn merged_shards_write_the_single_runs_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let single = dir.path().join("single");
    common::run_ok(&[model.to_str().unwrap()], &single);
    let want = files(&single);
    let names: Vec<&str> = want.iter().map(|(n, _)| n.as_str()).collect();
    for must in ["summary.csv", "claims.csv", "sensitivity.csv", "report.md"] {
        assert!(names.contains(&must), "{names:?}");
    }
    assert!(names.iter().filter(|n| n.ends_with(".png")).count() >= 6);
    // 300,000 samples are 5 chunks: 7 shards leave two of them empty.
    for n in [1u64, 2, 3, 7] {
        let shards = dir.path().join(format!("n{n}"));
        let mut states = run_shards(&model, &shards, n, &[]);
        // Merged in a shuffled order.
        states.rotate_left((n as usize) / 2);
        states.reverse();
        let out = dir.path().join(format!("merged-{n}"));
        let merged = merge_into(&states, &out);
        assert!(
            merged.status.success(),
            "{}",
            String::from_utf8_lossy(&merged.stderr)
        );
        let got = files(&out);
        assert_eq!(
            got.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            want.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        for ((name, a), (_, b)) in got.iter().zip(&want) {
            assert!(
                a == b,
                "{name} differs between {n} merged shards and one run"
            );
        }
    }
}

#[test]
fn a_state_is_small_and_a_shard_says_what_it_ran() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let state = dir.path().join("s.cstate");
    let out = costsim()
        .args(["run", model.to_str().unwrap(), "--shard", "1/3", "--state"])
        .arg(&state)
        .arg("-q")
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.starts_with(
            "shard 1 (of 0 to 2): chunks 1 to 2 (of 0 to 4; 131,072 of 300,000 samples)"
        ),
        "{said}"
    );
    let size = std::fs::metadata(&state).unwrap().len();
    assert!(size < 1_000_000, "{size} bytes");
    // Nothing but the state is written: no output folder, no temporary file.
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

/// Shards 0..3 of the model, written once for the tests of bad merges.
fn three_states(dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    let model = write_model(dir);
    run_shards(&model, &dir.join("states"), 3, extra)
}

/// A merge that must fail: exit 2, the message, and no output folder.
fn refused(states: &[PathBuf], dir: &Path) -> String {
    let out = dir.join("never");
    let merged = merge_into(states, &out);
    assert_eq!(merged.status.code(), Some(2));
    assert!(!out.exists(), "a refused merge wrote {out:?}");
    String::from_utf8(merged.stderr).unwrap()
}

#[test]
fn every_bad_set_of_states_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let states = three_states(dir.path(), &[]);
    let name = |p: &PathBuf| p.display().to_string();

    let missing = refused(&states[..2], dir.path());
    assert!(
        missing.contains("shard 2 (of 0 to 2) is missing"),
        "{missing}"
    );
    assert!(missing.contains("--shard 2/3"), "{missing}");

    let twice = refused(
        &[
            states[0].clone(),
            states[1].clone(),
            states[1].clone(),
            states[2].clone(),
        ],
        dir.path(),
    );
    assert!(twice.contains("shard 1/3 is also in"), "{twice}");
    assert!(twice.contains(&name(&states[1])), "{twice}");

    let bytes = std::fs::read(&states[2]).unwrap();
    let corrupt = dir.path().join("corrupt.cstate");
    let mut c = bytes.clone();
    let at = c.len() - 100;
    c[at] ^= 0x20;
    std::fs::write(&corrupt, &c).unwrap();
    let e = refused(
        &[states[0].clone(), states[1].clone(), corrupt.clone()],
        dir.path(),
    );
    assert!(e.contains(&name(&corrupt)) && e.contains("checksum"), "{e}");

    let truncated = dir.path().join("truncated.cstate");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let e = refused(
        &[states[0].clone(), states[1].clone(), truncated.clone()],
        dir.path(),
    );
    assert!(
        e.contains(&name(&truncated)) && e.contains("truncated"),
        "{e}"
    );

    let not_state = dir.path().join("shards.toml");
    let e = refused(std::slice::from_ref(&not_state), dir.path());
    assert!(e.contains("not a costsim state file"), "{e}");
    // Refused from its first bytes, not read forever.
    let e = refused(&[PathBuf::from("/dev/zero")], dir.path());
    assert!(
        e.contains("/dev/zero") && e.contains("not a costsim state file"),
        "{e}"
    );

    // A newer state format, and a state written by another costsim version.
    let format = dir.path().join("format.cstate");
    let mut f = bytes.clone();
    f[8] = 9;
    std::fs::write(&format, &f).unwrap();
    let e = refused(
        &[states[0].clone(), states[1].clone(), format.clone()],
        dir.path(),
    );
    assert!(e.contains("state format version 9"), "{e}");
    let mut s = state::decode(&bytes, "x").unwrap();
    s.costsim_version = "0.0.9".into();
    let version = dir.path().join("version.cstate");
    std::fs::write(&version, state::encode(&s)).unwrap();
    let e = refused(
        &[states[0].clone(), states[1].clone(), version.clone()],
        dir.path(),
    );
    assert!(
        e.contains(&name(&version)) && e.contains("written by costsim 0.0.9"),
        "{e}"
    );
}

#[test]
fn states_of_another_run_are_refused_by_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let states = three_states(dir.path(), &[]);
    let model = dir.path().join("shards.toml");
    let cases: [(&[&str], &str); 4] = [
        (&["--seed", "6"], "seed 6 against 5"),
        (&["--samples", "200000"], "200000 samples against 300000"),
        (
            &["--set", "price=3"],
            "different --set or --set-file overrides",
        ),
        (
            &["--no-swing"],
            "other options: --no-swing given against not given",
        ),
    ];
    for (flags, says) in cases {
        let other = dir.path().join("other.cstate");
        costsim()
            .args(["run", model.to_str().unwrap(), "--shard", "2/3", "--state"])
            .arg(&other)
            .args(flags)
            .arg("-q")
            .assert()
            .success();
        let e = refused(
            &[states[0].clone(), states[1].clone(), other.clone()],
            dir.path(),
        );
        assert!(
            e.contains(says) && e.contains("other.cstate"),
            "{flags:?}: {e}"
        );
    }
    // Another model altogether.
    let elsewhere = dir.path().join("elsewhere.toml");
    std::fs::write(&elsewhere, MODEL.replace("2 to 6", "2 to 7")).unwrap();
    let other = dir.path().join("other.cstate");
    costsim()
        .args([
            "run",
            elsewhere.to_str().unwrap(),
            "--shard",
            "2/3",
            "--state",
        ])
        .arg(&other)
        .arg("-q")
        .assert()
        .success();
    let e = refused(&[states[0].clone(), states[1].clone(), other], dir.path());
    assert!(e.contains("from a different model"), "{e}");
    // A different shard count.
    let other = dir.path().join("four.cstate");
    costsim()
        .args(["run", model.to_str().unwrap(), "--shard", "3/4", "--state"])
        .arg(&other)
        .arg("-q")
        .assert()
        .success();
    let e = refused(&[states[0].clone(), other], dir.path());
    assert!(e.contains("cut into 4 shards against 3"), "{e}");
}

#[test]
fn a_failed_shard_run_again_alone_completes_the_merge() {
    let dir = tempfile::tempdir().unwrap();
    let states = three_states(dir.path(), &["--no-charts"]);
    // Shard 1's file is lost; re-running that shard alone gives the same state.
    let before = std::fs::read(&states[1]).unwrap();
    std::fs::remove_file(&states[1]).unwrap();
    let model = dir.path().join("shards.toml");
    costsim()
        .args([
            "run",
            model.to_str().unwrap(),
            "--no-charts",
            "--shard",
            "1/3",
            "--state",
        ])
        .arg(&states[1])
        .args(["-q", "--threads", "2"])
        .assert()
        .success();
    let after = state::decode(&std::fs::read(&states[1]).unwrap(), "after").unwrap();
    let before = state::decode(&before, "before").unwrap();
    assert_eq!(
        postcard_of(&before.job),
        postcard_of(&after.job),
        "a shard's aggregates do not depend on when or on how many threads it ran"
    );
    let out = dir.path().join("out");
    assert!(merge_into(&states, &out).status.success());
    assert!(out.join("summary.csv").exists());
}

fn postcard_of(p: &state::Job) -> Vec<u8> {
    postcard::to_allocvec(p).unwrap()
}

/// Seven shards' states, read once for the property test.
fn seven() -> &'static Vec<Vec<u8>> {
    static ONCE: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let model = write_model(dir.path());
        run_shards(&model, dir.path(), 7, &["--samples", "600000"])
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    })
}

/// The 7 shard states of `costsim <command> MODEL <args>`, each run alone.
fn seven_of(command: &str, args: &[&str]) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    (0..7)
        .map(|k| {
            let state = dir.path().join(format!("{command}-{k}.cstate"));
            costsim()
                .arg(command)
                .arg(&model)
                .args(args)
                .args(["--shard", &format!("{k}/7"), "--state"])
                .arg(&state)
                .args(["-q", "--threads", "1"])
                .assert()
                .success();
            std::fs::read(state).unwrap()
        })
        .collect()
}

/// A sweep's 7 shard states: 3 steps × 2 chunks, split 7 ways.
fn seven_sweep() -> &'static Vec<Vec<u8>> {
    static ONCE: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        seven_of(
            "sweep",
            &[
                "--param",
                "price",
                "--values",
                "2,3,4.5",
                "--samples",
                "100000",
            ],
        )
    })
}

/// A Sobol analysis's 7 shard states (2 chunks of design rows × its inputs).
fn seven_sobol() -> &'static Vec<Vec<u8>> {
    static ONCE: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| seven_of("sobol", &["--samples", "100000"]))
}

/// Merges states in the tree a list of picks describes: each pick merges two of the
/// states still open (chosen by index, modulo) into one.
fn merge_tree(states: Vec<Named>, picks: &[(usize, usize)]) -> Vec<u8> {
    let mut open = states;
    let mut picks = picks.iter().cycle();
    while open.len() > 1 {
        let &(a, b) = picks.next().unwrap();
        let i = a % open.len();
        let x = open.swap_remove(i);
        let j = b % open.len();
        let y = open.swap_remove(j);
        let mut m = merge::combine(vec![x, y]).unwrap();
        // Through the file format, as `merge --state` would.
        m.state = state::decode(&state::encode(&m.state), "m").unwrap();
        open.push(m);
    }
    let mut last = open.pop().unwrap();
    last.state.elapsed_nanos = 0;
    state::encode(&last.state)
}

fn named(bytes: &[Vec<u8>]) -> Vec<Named> {
    bytes
        .iter()
        .enumerate()
        .map(|(k, b)| Named {
            name: format!("s{k}"),
            state: state::decode(b, "s").unwrap(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn any_order_and_any_tree_of_merges_gives_the_same_bytes(
        picks in prop::collection::vec((0usize..7, 0usize..7), 1..8)
    ) {
        let want = merge_tree(named(seven()), &[(0, 0)]);
        prop_assert_eq!(merge_tree(named(seven()), &picks), want);
    }

    #[test]
    fn any_tree_of_a_sweeps_or_a_sobol_analysis_merges_gives_the_same_bytes(
        picks in prop::collection::vec((0usize..7, 0usize..7), 1..8)
    ) {
        for states in [seven_sweep(), seven_sobol()] {
            let want = merge_tree(named(states), &[(0, 0)]);
            prop_assert_eq!(merge_tree(named(states), &picks), want);
        }
    }
}

#[test]
fn merge_state_builds_a_tree_that_finishes_like_the_flat_merge() {
    let dir = tempfile::tempdir().unwrap();
    let states = three_states(dir.path(), &["--no-charts"]);
    let ab = dir.path().join("ab.cstate");
    let merged = costsim()
        .arg("merge")
        .args([&states[2], &states[0]])
        .arg("--state")
        .arg(&ab)
        .output()
        .unwrap();
    assert!(merged.status.success());
    let said = String::from_utf8(merged.stdout).unwrap();
    assert!(
        said.contains("shards 0, 2 (of 0 to 2), 1 missing"),
        "{said}"
    );
    let flat = dir.path().join("flat");
    let tree = dir.path().join("tree");
    assert!(merge_into(&states, &flat).status.success());
    assert!(merge_into(&[states[1].clone(), ab], &tree).status.success());
    assert_eq!(files(&flat), files(&tree));
}

/// A command's single run into `dir/single`, then its shards for each N merged in
/// reverse order: every merged file must be the single run's.
fn shards_merge_like_one_run<S: AsRef<std::ffi::OsStr>>(dir: &Path, command: &[S], ns: &[u64]) {
    let single = dir.join("single");
    costsim()
        .args(command)
        .arg("--out")
        .arg(&single)
        .arg("-q")
        .assert()
        .success();
    for &n in ns {
        let states: Vec<PathBuf> = (0..n)
            .rev()
            .map(|k| {
                let state = dir.join(format!("shard-{n}-{k}.cstate"));
                costsim()
                    .args(command)
                    .args(["--shard", &format!("{k}/{n}"), "--state"])
                    .arg(&state)
                    .args(["-q", "--threads", "1"])
                    .assert()
                    .success();
                state
            })
            .collect();
        let out = dir.join(format!("merged-{n}"));
        let merged = merge_into(&states, &out);
        assert!(
            merged.status.success(),
            "{}",
            String::from_utf8_lossy(&merged.stderr)
        );
        assert_eq!(files(&out), files(&single), "{n} shards");
    }
}

#[test]
fn a_sharded_sweep_merges_into_the_sweeps_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let sweep = [
        "sweep",
        model.to_str().unwrap(),
        "--param",
        "price",
        "--values",
        "2,3,4.5",
    ];
    let sweep = [&sweep[..], &["--samples", "200000"]].concat();
    // 3 steps × 4 chunks = 12 units: 5 shards cut steps in the middle, 16 leave
    // some shards empty.
    shards_merge_like_one_run(dir.path(), &sweep, &[1, 5, 16]);
    // A sweep's state and a run's do not mix.
    let run = dir.path().join("run.cstate");
    costsim()
        .args([
            "run",
            model.to_str().unwrap(),
            "--samples",
            "200000",
            "--shard",
            "1/2",
            "--state",
        ])
        .arg(&run)
        .arg("-q")
        .assert()
        .success();
    let e = refused(&[dir.path().join("shard-5-0.cstate"), run], dir.path());
    assert!(
        e.contains("a shard of `costsim run`, not of `costsim sweep`"),
        "{e}"
    );
}

#[test]
fn a_sharded_sobol_analysis_merges_into_its_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    // 100,000 rows are 2 chunks; × 5 inputs = 10 units of work.
    let sobol = ["sobol", model.to_str().unwrap(), "--samples", "100000"];
    shards_merge_like_one_run(dir.path(), &sobol, &[1, 3, 12]);
    let single = dir.path().join("single");
    let text = std::fs::read_to_string(single.join("sobol.csv")).unwrap();
    assert!(text.lines().count() > 5, "{text}");
}

#[test]
fn the_same_run_written_differently_still_merges() {
    // The model by another path (a copy elsewhere), the file's own samples and seed
    // given explicitly, a default chart size spelled out, samples as 3e5: one run.
    let dir = tempfile::tempdir().unwrap();
    let states = three_states(dir.path(), &[]);
    let copy = dir.path().join("elsewhere").join("model.toml");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::write(&copy, MODEL).unwrap();
    let again = dir.path().join("again.cstate");
    costsim()
        .arg("run")
        .arg(&copy)
        .args([
            "-n", "3e5", "--seed", "5", "--width", "1600", "--shard", "2/3", "--state",
        ])
        .arg(&again)
        .arg("-q")
        .assert()
        .success();
    let out = dir.path().join("out");
    // The copy's state first: the results still name the model by shard 0's path.
    let merged = merge_into(&[again, states[0].clone(), states[1].clone()], &out);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let single = dir.path().join("single");
    common::run_ok(&[dir.path().join("shards.toml").to_str().unwrap()], &single);
    assert_eq!(files(&out), files(&single));
}

#[test]
fn a_state_never_overwrites_a_file_that_is_not_a_state() {
    let dir = tempfile::tempdir().unwrap();
    let model = write_model(dir.path());
    let out = costsim()
        .arg("run")
        .arg(&model)
        .args(["--shard", "0/2", "--state"])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(
        e.contains("is not a costsim state file: it would be overwritten"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&model).unwrap(), MODEL);
    // --out and --format mean nothing for a shard: refused, not ignored.
    for flag in [["--out", "x"], ["-f", "json"]] {
        let out = costsim()
            .arg("run")
            .arg(&model)
            .args(["--shard", "0/2", "--state", "s.cstate"])
            .args(flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
    }
}

/// A merge of a model with more outputs than get charts writes the single run's
/// warning about it into summary.json and report.md, byte for byte.
#[test]
fn a_merge_warns_of_the_charts_left_out_as_the_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[params]\n");
    for k in 0..45 {
        text.push_str(&format!("o{k} = \"uniform({k}, {})\"\n", k + 1));
    }
    let model = dir.path().join("wide.toml");
    std::fs::write(&model, text).unwrap();
    let model = model.to_str().unwrap().to_string();
    let command = ["run", &model, "-n", "3000", "--no-anatomy", "--no-swing"];
    shards_merge_like_one_run(dir.path(), &command, &[2]);
    let json = std::fs::read_to_string(dir.path().join("merged-2/summary.json")).unwrap();
    assert!(
        json.contains("per-output charts for 40 of 45 outputs"),
        "{json}"
    );
}
