//! State files that a checksum cannot catch — damaged or crafted with the CRC redone —
//! and `--state` paths that are not regular files: every one is an exit 2 with a
//! message naming the file, never a panic, a hang, a replaced device node or a
//! silently wrong number (docs/state-format.md, "What merge checks").

mod common;

use common::costsim;
use costsim::analysis::state::{self, Job};
use std::path::{Path, PathBuf};

const MODEL: &str = include_str!("data/shards.toml");

/// The shards model with two more params and one more claim: its plan tracks more
/// params than the states hold aggregates for.
fn bigger_model() -> String {
    MODEL.replace(
        "[[claims]]",
        "extra = \"normal(5, 1)\"\nmore = \"extra * 2\"\n\n[[claims]]\nlabel = \"more\"\nparam = \"more\"\nvalue = 11\n\n[[claims]]",
    )
    .replace(
        "outputs = [\"cost\", \"ratio\", \"odd\"]",
        "outputs = [\"cost\", \"ratio\", \"odd\", \"more\"]",
    )
}

/// Runs `command` (a run, sweep or sobol of the model written into `dir`) as shards
/// 0..n; their state files.
fn shards(dir: &Path, command: &[&str], n: u64) -> Vec<PathBuf> {
    let model = dir.join("shards.toml");
    std::fs::write(&model, MODEL).unwrap();
    (0..n)
        .map(|k| {
            let state = dir.join(format!("{}-{k}.cstate", command[0]));
            costsim()
                .arg(command[0])
                .arg(&model)
                .args(&command[1..])
                .args(["--shard", &format!("{k}/{n}"), "--state"])
                .arg(&state)
                .args(["-q", "--threads", "1"])
                .assert()
                .success();
            state
        })
        .collect()
}

/// Rewrites each state through `edit`, into new files beside them.
fn edited(states: &[PathBuf], tag: &str, edit: impl Fn(&mut state::State)) -> Vec<PathBuf> {
    states
        .iter()
        .map(|p| {
            let mut s = state::decode(&std::fs::read(p).unwrap(), "s").unwrap();
            edit(&mut s);
            let out = p.with_extension(format!("{tag}.cstate"));
            std::fs::write(&out, state::encode(&s)).unwrap();
            out
        })
        .collect()
}

/// A merge that must fail with exit 2, writing neither results nor a state; stderr.
fn refused(states: &[PathBuf]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (out, merged_state) = (dir.path().join("out"), dir.path().join("m.cstate"));
    for args in [
        ["--out", out.to_str().unwrap()],
        ["--state", merged_state.to_str().unwrap()],
    ] {
        let got = costsim()
            .arg("merge")
            .args(states)
            .args(args)
            .arg("-q")
            .output()
            .unwrap();
        let e = String::from_utf8(got.stderr).unwrap();
        assert_eq!(got.status.code(), Some(2), "{args:?}: {e}");
        assert!(!out.exists() && !merged_state.exists(), "{args:?} wrote");
        assert!(!e.contains("panicked"), "{e}");
    }
    let got = costsim()
        .arg("merge")
        .args(states)
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    String::from_utf8(got.stderr).unwrap()
}

fn damaged(e: &str, file: &Path, what: &str) {
    let want = format!("damaged or inconsistent state file: {}: ", file.display());
    assert!(
        e.contains(&want) && e.contains(what),
        "want {want}…{what}, got {e}"
    );
}

#[test]
fn a_state_whose_model_was_swapped_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = shards(dir.path(), &["run", "--samples", "140000"], 2);
    // More tracked params than the states hold (this panicked in the report).
    let swapped = edited(&run, "bigger", |s| s.model.source.text = bigger_model());
    let e = refused(&swapped);
    damaged(
        &e,
        &swapped[0],
        "it holds the aggregates of 3 params; its model tracks 4",
    );
    // The same number of tracked params, but another claim: one param's numbers
    // would have been reported as another's.
    let claim = edited(&run, "claim", |s| {
        s.model.source.text = MODEL.replace("value = 10_000", "value = 12_000")
    });
    let e = refused(&claim);
    damaged(
        &e,
        &claim[0],
        "claims at [10000.0]; its model has 1 at [12000.0]",
    );

    // A Sobol analysis's units against a model with another design.
    let sobol = shards(dir.path(), &["sobol", "--samples", "70000"], 2);
    let swapped = edited(&sobol, "bigger", |s| s.model.source.text = bigger_model());
    let e = refused(&swapped);
    damaged(&e, &swapped[0], "units of the Sobol design");
}

#[test]
fn shards_chunks_and_steps_that_do_not_fit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = shards(dir.path(), &["run", "--samples", "140000"], 2);
    // Shard 0's aggregates labelled as shard 1's: chunks 0-1 where shard 1 holds 2.
    let relabelled = edited(&run[..1], "relabel", |s| s.held = vec![(1, 2)]);
    let e = refused(&[run[0].clone(), relabelled[0].clone()]);
    damaged(
        &e,
        &relabelled[0],
        "it holds chunks 0 to 0; its shards are chunks 1 to 2",
    );
    // Shards past N, and no shards at all.
    for (tag, held, what) in [
        ("past", vec![(1, 5)], "it holds shards 1..5 of 2"),
        ("none", vec![], "it holds no shards"),
        (
            "backwards",
            vec![(1, 0)],
            "not sorted, disjoint ranges within 0..2",
        ),
    ] {
        let bad = edited(&run[1..], tag, |s| s.held = held.clone());
        damaged(&refused(&[run[0].clone(), bad[0].clone()]), &bad[0], what);
    }
    let huge = edited(&run[1..], "huge", |s| s.shards = u64::MAX);
    damaged(&refused(&huge), &huge[0], "shards (1 to 1000000 can be)");
    // Samples changed in every state alike: the chunks no longer add up.
    let samples = edited(&run, "samples", |s| s.samples = 70_000);
    damaged(
        &refused(&samples),
        &samples[1],
        "its shards are chunks 1 to 1",
    );

    // A sweep step past the sweep's last.
    let sweep = shards(
        dir.path(),
        &[
            "sweep",
            "--param",
            "price",
            "--values",
            "2,3",
            "--samples",
            "70000",
        ],
        2,
    );
    let moved = edited(&sweep[1..], "moved", |s| {
        if let Job::Sweep { steps, .. } = &mut s.job {
            steps.last_mut().unwrap().step = 7;
        }
    });
    let e = refused(&[sweep[0].clone(), moved[0].clone()]);
    damaged(&e, &moved[0], "sweep step");
}

/// A state's body with its header made anew (so its checksum is valid).
fn sealed(body: &[u8]) -> Vec<u8> {
    let mut out = state::MAGIC.to_vec();
    out.extend_from_slice(&state::FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

#[test]
fn a_sketch_bucket_beyond_any_double_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("k.toml");
    // Every value in one bucket: the shard's positive store is one count of 65,536.
    std::fs::write(
        &model,
        "[model]\nsamples = 131072\n[params]\nx = \"uniform(1000, 1000.0000001)\"\n",
    )
    .unwrap();
    let states: Vec<PathBuf> = (0..2)
        .map(|k| {
            let state = dir.path().join(format!("k{k}.cstate"));
            costsim()
                .arg("run")
                .arg(&model)
                .args(["--shard", &format!("{k}/2"), "--state"])
                .arg(&state)
                .arg("-q")
                .assert()
                .success();
            state
        })
        .collect();
    let body = std::fs::read(&states[1]).unwrap()[state::HEADER..].to_vec();
    // The store: offset (zig-zag varint), 1 bucket, count 65,536, not collapsed.
    let tail = [&[1u8][..], &varint(65_536), &[0]].concat();
    let hits: Vec<usize> = (0..body.len() - tail.len())
        .filter(|&i| body[i..].starts_with(&tail))
        .collect();
    assert_eq!(hits.len(), 1, "the store's bytes");
    let mut start = hits[0] - 1;
    while start > 0 && body[start - 1] & 0x80 != 0 {
        start -= 1;
    }
    let zigzag = |n: i64| ((n << 1) ^ (n >> 63)) as u64;
    // i64::MAX and MIN overflowed the store's arithmetic (a panic); 10^9 is a bucket
    // past f64::MAX (every percentile NaN).
    for offset in [i64::MAX, i64::MIN, 1_000_000_000] {
        let crafted = [&body[..start], &varint(zigzag(offset)), &body[hits[0]..]].concat();
        let path = dir.path().join(format!("k1-{offset}.cstate"));
        std::fs::write(&path, sealed(&crafted)).unwrap();
        let e = refused(&[states[0].clone(), path.clone()]);
        damaged(
            &e,
            &path,
            &format!("positive store has buckets from {offset}"),
        );
        assert!(e.contains("outside the buckets"), "{e}");
    }
    // The untouched pair still merges.
    let out = dir.path().join("out");
    costsim()
        .arg("merge")
        .args(&states)
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn state_never_replaces_a_file_that_is_not_regular() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = tempfile::tempdir().unwrap();
    let run = shards(dir.path(), &["run", "--samples", "70000"], 1);
    let model = dir.path().join("shards.toml");
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let socket = dir.path().join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    for node in [&fifo, &socket] {
        for merge in [false, true] {
            let mut cmd = costsim();
            if merge {
                cmd.arg("merge").arg(&run[0]);
            } else {
                cmd.arg("run").arg(&model).args(["--shard", "0/1"]);
            }
            let got = cmd.arg("--state").arg(node).arg("-q").output().unwrap();
            let e = String::from_utf8(got.stderr).unwrap();
            assert_eq!(got.status.code(), Some(2), "{e}");
            assert!(
                e.contains(&format!(
                    "--state {} exists and is not a regular file",
                    node.display()
                )),
                "{e}"
            );
            let kind = std::fs::symlink_metadata(node).unwrap().file_type();
            assert!(kind.is_fifo() || kind.is_socket(), "{node:?} was replaced");
        }
    }
    // A link to a state is written through: the link stays, its target is the state.
    let link = dir.path().join("link.cstate");
    let target = dir.path().join("target.cstate");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = costsim()
        .arg("merge")
        .arg(&run[0])
        .arg("--state")
        .arg(&link)
        .output()
        .unwrap();
    assert_eq!(dangling.status.code(), Some(2));
    let e = String::from_utf8(dangling.stderr).unwrap();
    assert!(
        e.contains("is a symbolic link whose target cannot be found"),
        "{e}"
    );
    std::fs::write(&target, b"").unwrap();
    costsim()
        .arg("merge")
        .arg(&run[0])
        .arg("--state")
        .arg(&link)
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        std::fs::read(&run[0]).unwrap()
    );
}

#[test]
fn merge_reads_only_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    // A FIFO with no writer: opening it would wait forever.
    for (path, what) in [
        (
            fifo.clone(),
            "it is a device, FIFO or socket, not a regular file",
        ),
        (
            dir.path().to_path_buf(),
            "it is a folder, not a regular file",
        ),
        (PathBuf::from("/dev/zero"), "it is a device, FIFO or socket"),
    ] {
        // Waited for with a deadline: a merge that blocks on the FIFO fails the test
        // rather than hanging it.
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("costsim"))
            .arg("merge")
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(30) {
                child.kill().unwrap();
                panic!("merge {path:?} hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let got = child.wait_with_output().unwrap();
        let e = String::from_utf8(got.stderr).unwrap();
        assert_eq!(got.status.code(), Some(2), "{e}");
        assert!(
            e.contains("not a costsim state file") && e.contains(what),
            "{e}"
        );
        assert!(e.contains(&path.display().to_string()), "{e}");
    }
}

/// A SIGKILLed shard leaves its empty `.NAME.PID.costsim-tmp` beside the state (no
/// handler runs): the next costsim writing that state removes it once its process
/// is gone, and nothing else — another name's, a live process's, a file being
/// written a moment ago.
#[test]
fn a_killed_shards_temporary_file_is_removed_by_the_next_write_of_its_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let dead = 999_999_999u32;
    let put = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let stale = put(&format!(".big.cstate.{dead}.costsim-tmp"), b"");
    let old = put(&format!(".big.cstate.{}.costsim-tmp", dead - 1), b"partial");
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let kept = [
        put(
            &format!(".big.cstate.{}.costsim-tmp", std::process::id()),
            b"",
        ),
        put(&format!(".other.cstate.{dead}.costsim-tmp"), b""),
        put(&format!(".big.cstate.{dead}.costsim-tmp.bak"), b""),
        put(
            &format!(".big.cstate.{}.costsim-tmp", dead - 2),
            b"being written",
        ),
    ];
    let model = dir.join("shards.toml");
    std::fs::write(&model, MODEL).unwrap();
    let state = dir.join("big.cstate");
    costsim()
        .arg("run")
        .arg(&model)
        .args(["--shard", "0/2", "--state"])
        .arg(&state)
        .args(["-q", "--threads", "1"])
        .assert()
        .success();
    assert!(state.is_file());
    assert!(!stale.exists(), "the killed run's empty file stays");
    assert!(
        !old.exists(),
        "an idle partial file of a dead process stays"
    );
    for k in &kept {
        assert!(k.exists(), "{} was removed", k.display());
    }
}
