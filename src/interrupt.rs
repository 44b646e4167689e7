//! Interrupted runs: an interrupted `--fix` leaves no temporary file behind.
//!
//! Every temporary file [`crate::write`] creates is registered here until it is renamed over
//! its target or removed. On SIGINT, SIGTERM or SIGHUP a background thread takes the registry's
//! lock, deletes every registered file, and ends the process the way the signal would have (so
//! a shell loop around wffmt stops on Ctrl-C as it should). Files already renamed keep their new
//! contents; the others are untouched: each file is either fixed or as it was.
//!
//! The rename itself happens under the same lock (`commit`), so the handler sees each file
//! either before its rename (and deletes the temporary file) or after it (nothing to delete),
//! never in between, and no temporary file is created once the handler has started.
//!
//! SIGKILL cannot be caught: what it leaves is removed by a later `--fix` run (see
//! [`crate::write::sweep_leftovers`]).

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

#[derive(Default)]
struct Registry {
    files: BTreeSet<PathBuf>,
    /// A signal arrived: no new temporary file, no rename.
    stopping: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    files: BTreeSet::new(),
    stopping: false,
});

fn registry() -> MutexGuard<'static, Registry> {
    // A panic while holding the lock leaves the set consistent (each operation is one insert or
    // remove), so a poisoned lock is still usable.
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts the signal thread (once per process; later calls do nothing). Without it (or where
/// signals do not exist), an interrupted run may leave temporary files for a later run to sweep.
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        #[cfg(unix)]
        if let Err(e) = start_signal_thread() {
            eprintln!("wffmt: cannot watch for interruptions ({e}); an interrupted run may leave temporary files that the next --fix removes");
        }
    });
}

#[cfg(unix)]
fn start_signal_thread() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("wffmt-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let mut reg = registry();
                reg.stopping = true;
                for path in std::mem::take(&mut reg.files) {
                    let _ = std::fs::remove_file(&path);
                }
                let name = match signal {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                eprintln!("wffmt: interrupted ({name}); no temporary file left behind; files already fixed keep their changes, the others are unchanged");
                // Still holding the lock: no rename can follow.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

/// Creates a temporary file with `create` and registers `path` for removal on interruption.
/// Fails if the run is being interrupted.
pub(crate) fn create_registered<T>(
    path: &Path,
    create: impl FnOnce(&Path) -> io::Result<T>,
) -> io::Result<T> {
    let mut reg = registry();
    if reg.stopping {
        return Err(interrupted());
    }
    let made = create(path)?;
    reg.files.insert(path.to_path_buf());
    Ok(made)
}

/// Renames the registered temporary file `tmp` over `target` and forgets it. Fails (and leaves
/// `tmp` to the caller) if the run is being interrupted.
pub(crate) fn commit(tmp: &Path, target: &Path) -> io::Result<()> {
    let mut reg = registry();
    if reg.stopping {
        return Err(interrupted());
    }
    std::fs::rename(tmp, target)?;
    reg.files.remove(tmp);
    Ok(())
}

/// Removes the registered temporary file `tmp` (best effort) and forgets it.
pub(crate) fn discard(tmp: &Path) {
    let mut reg = registry();
    let _ = std::fs::remove_file(tmp);
    reg.files.remove(tmp);
}

/// Whether `path` is a temporary file of this process that is still in use.
pub(crate) fn is_registered(path: &Path) -> bool {
    registry().files.contains(path)
}

fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "the run is being interrupted")
}
