//! A command's output folder, all-or-nothing.
//!
//! Before sampling, [`OutputFolder::claim`] refuses an `--out` that is a file or cannot
//! be created, takes a lock in it (a second run into the same folder waits), and
//! makes a staging folder in it. At the end, [`OutputFolder::commit`] writes the
//! whole set into the staging folder, checks that every file can take its place, and
//! only then moves the files in, one rename each, with signals held off: a failure or
//! a Ctrl-C at any moment leaves the previous complete set or the new complete set,
//! never a mix and never a temp file. A manifest (`.costsim-manifest`) lists what a run
//! wrote, so the next run removes exactly the files of the previous one that it does
//! not rewrite (a renamed output's old charts), and never touches anything else.

use crate::error::Error;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file that lists what the last run into a folder wrote, one name per line.
pub const MANIFEST: &str = ".costsim-manifest";

/// The staging folder of the run in progress, for the signal handler; held locked
/// while files are being moved in, so that a signal waits for the set to be complete.
static STAGING: Mutex<Option<PathBuf>> = Mutex::new(None);

/// An output folder claimed for this run: its lock is held until the value is dropped.
pub struct OutputFolder {
    dir: PathBuf,
    staging: PathBuf,
    /// Files already written into the staging folder by [`OutputFolder::stream`] and
    /// [`OutputFolder::stage`].
    streamed: Vec<String>,
    /// The folder did not exist before this run: a run that fails before committing
    /// removes it again, so bad input leaves nothing behind.
    created: bool,
    committed: bool,
    _lock: File,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// A folder inside `dir` named like a result file (`summary.csv/`, `bands.png/`): the
/// set could not be put in place, so it is refused before sampling rather than after.
fn folder_named_like_a_result(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let path = entry.path();
        let result_like = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("csv" | "json" | "md" | "png")
        );
        (result_like && entry.file_type().is_ok_and(|t| t.is_dir())).then_some(path)
    })
}

/// `.costsim-SUFFIX` inside `dir`: the lock and the staging folder live in the
/// output folder itself (hidden, like the manifest), so a run leaves nothing beside it.
fn inside(dir: &Path, suffix: &str) -> PathBuf {
    dir.join(format!(".costsim-{suffix}"))
}

impl OutputFolder {
    /// Claims `dir` before any sampling: everything that can be known to fail does
    /// so now, before minutes of simulation are spent.
    pub fn claim(dir: &Path) -> Result<OutputFolder, Error> {
        let created = !dir.exists();
        if dir.exists() && !dir.is_dir() {
            return Err(Error::Usage(format!(
                "--out {} is a file, not a folder: choose another --out",
                dir.display()
            )));
        }
        std::fs::create_dir_all(dir).map_err(io("cannot create the folder", dir))?;
        if let Some(folder) = folder_named_like_a_result(dir) {
            return Err(Error::Usage(format!(
                "{} is a folder where a result file may go: move or rename it, or choose another --out",
                folder.display()
            )));
        }
        let lock_path = inside(dir, "lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("cannot create the folder's lock", &lock_path))?;
        if lock.try_lock().is_err() {
            eprintln!(
                "waiting for another costsim run that is writing to {}",
                crate::error::printable(&dir.display().to_string())
            );
            lock.lock().map_err(io("cannot lock", &lock_path))?;
        }
        // Under the lock, a staging folder left by a killed run is stale.
        let staging = inside(dir, "staging");
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io("cannot clear", &staging))?;
        }
        std::fs::create_dir(&staging).map_err(io("cannot create the folder", &staging))?;
        *STAGING.lock().unwrap_or_else(|e| e.into_inner()) = Some(staging.clone());
        Ok(OutputFolder {
            dir: dir.to_path_buf(),
            staging,
            streamed: Vec::new(),
            created,
            committed: false,
            _lock: lock,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes file `name` of the set straight into the staging folder through `write`,
    /// for a file too big to hold in memory; it goes in with the others at `commit`.
    pub fn stream(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let path = self.staging.join(name);
        let file = File::create(&path).map_err(io("cannot write", &path))?;
        let mut w = std::io::BufWriter::new(file);
        write(&mut w)
            .and_then(|_| w.flush())
            .and_then(|_| w.get_ref().sync_all())
            .map_err(io("cannot write", &path))?;
        self.streamed.push(name.to_string());
        Ok(())
    }

    /// Writes `files` of the set into the staging folder now (synced), before the
    /// rest is ready: they go in with the others at `commit`.
    pub fn stage(&mut self, files: &[(String, Vec<u8>)]) -> Result<(), Error> {
        write_synced(&self.staging, files)?;
        self.streamed
            .extend(files.iter().map(|(name, _)| name.clone()));
        Ok(())
    }

    /// Puts `files` (and the streamed and staged ones) in place as one set: see the
    /// module comment.
    pub fn commit<S: AsRef<str>>(mut self, files: &[(S, Vec<u8>)]) -> Result<(), Error> {
        write_synced(&self.staging, files)?;
        std::fs::create_dir_all(&self.dir).map_err(io("cannot create the folder", &self.dir))?;
        let names: Vec<&str> = files
            .iter()
            .map(|(n, _)| n.as_ref())
            .chain(self.streamed.iter().map(String::as_str))
            .collect();
        for name in &names {
            let target = self.dir.join(name);
            if target.is_dir() {
                return Err(Error::Io {
                    action: "cannot replace",
                    path: target.display().to_string(),
                    source: std::io::Error::other("a folder stands where the file goes"),
                });
            }
        }
        let previous = previous_manifest(&self.dir);
        let mut manifest = names.join("\n");
        manifest.push('\n');
        let manifest_tmp = self.staging.join(MANIFEST);
        std::fs::write(&manifest_tmp, manifest).map_err(io("cannot write", &manifest_tmp))?;
        // From here to the end a signal waits: the set goes in whole.
        let guard = STAGING.lock().unwrap_or_else(|e| e.into_inner());
        self.committed = true;
        for name in &names {
            let (from, to) = (self.staging.join(name), self.dir.join(name));
            std::fs::rename(&from, &to).map_err(io("cannot write", &to))?;
        }
        for stale in previous.iter().filter(|p| !names.contains(&p.as_str())) {
            let path = self.dir.join(stale);
            if path.is_file() {
                let _ = std::fs::remove_file(&path);
            }
        }
        let manifest_path = self.dir.join(MANIFEST);
        std::fs::rename(&manifest_tmp, &manifest_path)
            .map_err(io("cannot write", &manifest_path))?;
        drop(guard);
        Ok(())
    }
}

/// Files synced at once, each on a thread of its own, by [`write_synced`].
const SYNCED_AT_ONCE: usize = 16;

/// Writes `files` into `dir`, each synced to disk before this returns; the error is
/// the first write that failed, else the first sync in the files' order that did
/// (within a group of [`SYNCED_AT_ONCE`]). The files are written in turn and
/// synced [`SYNCED_AT_ONCE`] at a time in parallel: one after another, a default
/// run's ~95 syncs took ~90 ms of its wall time (the disk waits, not the CPU). A
/// group holds its files open until synced; under a low `ulimit -n` the group is
/// synced and closed early instead of failing the command.
fn write_synced<S: AsRef<str>>(dir: &Path, files: &[(S, Vec<u8>)]) -> Result<(), Error> {
    let mut open: Vec<(PathBuf, File)> = Vec::with_capacity(SYNCED_AT_ONCE);
    for (name, bytes) in files {
        let path = dir.join(name.as_ref());
        let create = || File::create(&path).and_then(|mut f| f.write_all(bytes).map(|()| f));
        let file = match create() {
            Err(e) if out_of_descriptors(&e) && !open.is_empty() => {
                sync_all(std::mem::take(&mut open))?;
                create()
            }
            other => other,
        }
        .map_err(io("cannot write", &path))?;
        open.push((path, file));
        if open.len() == SYNCED_AT_ONCE {
            sync_all(std::mem::take(&mut open))?;
        }
    }
    sync_all(open)
}

/// The process (EMFILE) or the system (ENFILE) has no file descriptor left.
fn out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23 | 24))
}

/// Syncs and closes `files`, each on a thread of its own; the first failure in
/// their order is the error.
fn sync_all(files: Vec<(PathBuf, File)>) -> Result<(), Error> {
    let synced: Vec<std::io::Result<()>> = std::thread::scope(|s| {
        // Small stacks (a sync needs little); a thread that cannot be started
        // (a memory cap) leaves its file to be synced here, in turn.
        let handles: Vec<_> = files
            .iter()
            .map(|(_, f)| {
                std::thread::Builder::new()
                    .stack_size(64 << 10)
                    .spawn_scoped(s, move || f.sync_all())
                    .map_err(|_| f)
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h
                    .join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("panicked"))),
                Err(f) => f.sync_all(),
            })
            .collect()
    });
    for ((path, _), r) in files.iter().zip(synced) {
        r.map_err(io("cannot write", path))?;
    }
    Ok(())
}

impl Drop for OutputFolder {
    /// The staging folder goes, committed or not (after a failure it holds a partial
    /// set that must never be seen).
    fn drop(&mut self) {
        let mut staging = STAGING.lock().unwrap_or_else(|e| e.into_inner());
        let _ = std::fs::remove_dir_all(&self.staging);
        if self.created && !self.committed {
            // Only the lock can be in it; remove_dir fails on anything else.
            let _ = std::fs::remove_file(inside(&self.dir, "lock"));
            let _ = std::fs::remove_dir(&self.dir);
        }
        *staging = None;
    }
}

/// One result file (a shard's state), all-or-nothing like a folder: claimed before
/// sampling (its folder is made and a temporary file beside it created, so a path
/// that cannot be written fails at once), then written whole and renamed into place.
pub struct OutputFile {
    path: PathBuf,
    tmp: PathBuf,
}

impl OutputFile {
    /// Claims `path` for a file that must start with `magic`: an existing file that
    /// does not (a model file given as --state by mistake) is never overwritten, nor
    /// is anything that is not a regular file (the rename would replace a device node,
    /// FIFO or socket with a file: as root, `--state /dev/null` destroyed /dev/null).
    /// A symbolic link is written through: its target (which must be a state file or
    /// not exist yet) gets the new state and the link stays a link.
    pub fn claim(path: &Path, magic: &[u8]) -> Result<OutputFile, Error> {
        let target = resolve(path)?;
        let path = target.as_path();
        if path.is_file() && !starts_with(path, magic) {
            return Err(Error::Usage(format!(
                "{} exists and is not a costsim state file: it would be overwritten; choose another --state",
                path.display()
            )));
        }
        if path.is_dir() {
            return Err(Error::Usage(format!(
                "{} is a folder: give the state a file name, e.g. {}/shard-0.cstate",
                path.display(),
                path.display()
            )));
        }
        refuse_special(path)?;
        let name = path
            .file_name()
            .ok_or_else(|| Error::Usage(format!("{} is not a file name", path.display())))?;
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(parent) = parent {
            std::fs::create_dir_all(parent).map_err(io("cannot create the folder", parent))?;
        }
        // The process id in the name: two copies of one shard (a retried task) may
        // write the same state at once, each through its own temporary file.
        let folder = parent.unwrap_or(Path::new("."));
        remove_stale_temps(folder, &name.to_string_lossy());
        let tmp = folder.join(tmp_name(&name.to_string_lossy(), std::process::id()));
        File::create(&tmp).map_err(io("cannot write", &tmp))?;
        *STAGING.lock().unwrap_or_else(|e| e.into_inner()) = Some(tmp.clone());
        Ok(OutputFile {
            path: path.to_path_buf(),
            tmp,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn commit(self, bytes: &[u8]) -> Result<(), Error> {
        // Again at the end: something may have been put at the path while sampling.
        refuse_special(&self.path)?;
        File::create(&self.tmp)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
            .map_err(io("cannot write", &self.tmp))?;
        let _guard = STAGING.lock().unwrap_or_else(|e| e.into_inner());
        std::fs::rename(&self.tmp, &self.path).map_err(io("cannot write", &self.path))
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        let mut staging = STAGING.lock().unwrap_or_else(|e| e.into_inner());
        let _ = std::fs::remove_file(&self.tmp);
        *staging = None;
    }
}

/// The temporary file beside state `name` of the process `pid`.
fn tmp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.costsim-tmp")
}

/// The process id in `file` if it is exactly a temporary file of state `name`
/// (`.NAME.PID.costsim-tmp`), else None.
fn tmp_pid(file: &str, name: &str) -> Option<u32> {
    let pid = file
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?
        .strip_suffix(".costsim-tmp")?;
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| pid.parse().ok()).flatten()
}

/// Whether process `pid` exists on this machine (when that cannot be known, it is
/// taken to exist, and its file is left alone).
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 sends nothing; kill only checks that the process exists.
        let found = unsafe { libc::kill(pid, 0) } == 0;
        found || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes the temporary files of state `name` in `folder` left by a costsim that was
/// killed (SIGKILL, a node's OOM killer: no handler runs): files named exactly
/// `.NAME.PID.costsim-tmp` for this name, whose PID is no live process here, and which
/// are empty (a killed run's claim) or untouched for a minute. On a folder shared
/// between machines the PID may live elsewhere; such a writer re-creates its file
/// when it commits, and the minute spares one caught in the middle of writing.
fn remove_stale_temps(folder: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| tmp_pid(f, name)) else {
            continue;
        };
        if pid == std::process::id() || alive(pid) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        let idle = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age.as_secs() >= 60);
        if meta.is_file() && (meta.len() == 0 || idle) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Where a state written to `path` goes: `path` itself, or for a symbolic link its
/// final target (a rename would replace the link, leaving its target stale). A link
/// to nothing is refused: where its target would be created is a guess.
fn resolve(path: &Path) -> Result<PathBuf, Error> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| {
            Error::Usage(format!(
                "--state {} is a symbolic link whose target cannot be found ({e}): point it at a file, or choose another --state",
                path.display()
            ))
        }),
        _ => Ok(path.to_path_buf()),
    }
}

/// Refuses a path that exists and is not a regular file (nor a folder, refused with
/// its own message): a device node, a FIFO or a socket.
fn refuse_special(path: &Path) -> Result<(), Error> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(Error::Usage(format!(
            "--state {} exists and is not a regular file (a device, FIFO or socket): writing the state would replace it; choose another --state",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// Whether the file at `path` is empty or starts with `magic`.
fn starts_with(path: &Path, magic: &[u8]) -> bool {
    use std::io::Read as _;
    let mut head = Vec::new();
    File::open(path)
        .and_then(|f| f.take(magic.len() as u64).read_to_end(&mut head))
        .is_ok_and(|n| n == 0 || head == magic)
}

/// The names the previous run's manifest lists (plain names only: a manifest edited
/// to name a path elsewhere is ignored there).
fn previous_manifest(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(MANIFEST))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && *n != "." && *n != "..")
        .map(String::from)
        .collect()
}

/// Removes the staging folder while the main thread may still be writing files into
/// it (the set is written outside the lock, which only the final renames hold): a
/// file created between the removal's listing and its last step made it fail, and
/// the folder stayed. Once the folder is gone, no file can be created in it.
fn remove_while_written(path: &Path) {
    for _ in 0..1000 {
        match std::fs::remove_dir_all(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => continue,
            _ => return,
        }
    }
}

/// Installs the handler for Ctrl-C and SIGTERM: it waits for a commit in progress,
/// removes the staging folder, says so on a clean line, and exits with 130 (143).
pub fn handle_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let staging = STAGING.lock().unwrap_or_else(|e| e.into_inner());
            let what = match staging.as_ref() {
                Some(path) if path.is_dir() => {
                    remove_while_written(path);
                    "interrupted: no results were written; the folder keeps its previous set"
                }
                Some(path) => {
                    let _ = std::fs::remove_file(path);
                    "interrupted: no state was written (a previous one at that path is kept)"
                }
                None => "interrupted",
            };
            // On a terminal, \r and clear-to-end-of-line wipe the progress bar's line.
            use std::io::IsTerminal as _;
            let wipe = if std::io::stderr().is_terminal() {
                "\r\x1b[2K"
            } else {
                ""
            };
            eprintln!("{wipe}{what}");
            std::process::exit(128 + sig);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_states_own_temporary_files_are_recognised() {
        assert_eq!(tmp_pid(&tmp_name("big.cstate", 42), "big.cstate"), Some(42));
        for other in [
            ".big.cstate.42.costsim-tmp.x",
            ".big.cstate..costsim-tmp",
            ".big.cstate.4a.costsim-tmp",
            ".big.cstate.+42.costsim-tmp",
            "big.cstate.42.costsim-tmp",
            ".big.cstatex.42.costsim-tmp",
            ".b.cstate.42.costsim-tmp",
            ".big.cstate.99999999999.costsim-tmp",
        ] {
            assert_eq!(tmp_pid(other, "big.cstate"), None, "{other}");
        }
        assert!(alive(std::process::id()));
        assert!(!alive(999_999_999));
    }

    /// The signal handler's removal wins against a writer that keeps creating files
    /// in the folder (the commit loop writing a run's set): a plain remove_dir_all
    /// lost that race and left the staging folder with part of the set.
    #[test]
    fn the_staging_folder_goes_while_files_are_still_being_created_in_it() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = tmp.path().join(".costsim-staging");
        std::fs::create_dir(&staging).unwrap();
        for k in 0..200 {
            std::fs::write(staging.join(format!("old{k}")), b"x").unwrap();
        }
        let writer = {
            let staging = staging.clone();
            std::thread::spawn(move || {
                // Like `commit`: create files until the folder is gone (or, if it
                // never goes, a bounded number).
                let mut k = 0u64;
                while k < 20_000
                    && std::fs::write(staging.join(format!("chart{k}.png")), [0u8; 64]).is_ok()
                {
                    k += 1;
                }
                k
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(20));
        remove_while_written(&staging);
        let written = writer.join().unwrap();
        assert!(written > 0, "the writer ran");
        assert!(
            !staging.exists(),
            "{written} files written; the folder stayed"
        );
    }
}
