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
//!
//! Child processes that talk to servers (git, and the remote helper git starts for http) run in
//! a process group of their own ([`GroupChild`]), so that a timed-out lookup can be ended with
//! everything it started: killing git alone would leave its helper behind, holding a connection
//! to a server that may never answer. Being in their own group, they do not get the terminal's
//! Ctrl-C either, so the same signal thread kills every registered group before the process
//! ends.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Starts the signal thread for a `--fix` run (once per process; later calls do nothing).
/// Without it (or where signals do not exist), an interrupted run may leave temporary files for
/// a later run to sweep.
pub fn install() {
    FIXING.store(true, Ordering::SeqCst);
    watch();
}

/// Whether [`install`] was called: the interruption message then speaks of fixed files.
static FIXING: AtomicBool = AtomicBool::new(false);

fn watch() {
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
                let mut children = groups();
                children.stopping = true;
                for &group in &children.ids {
                    kill_group(group);
                }
                let name = match signal {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                if FIXING.load(Ordering::SeqCst) {
                    eprintln!("wffmt: interrupted ({name}); no temporary file left behind; files already fixed keep their changes, the others are unchanged");
                } else {
                    eprintln!("wffmt: interrupted ({name})");
                }
                // Still holding the locks: no rename and no new child can follow.
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

/// Process groups of running [`GroupChild`]ren, by id (the leader's process id).
#[derive(Default)]
struct Groups {
    ids: BTreeSet<u32>,
    /// A signal arrived: no new child.
    stopping: bool,
}

static GROUPS: Mutex<Groups> = Mutex::new(Groups {
    ids: BTreeSet::new(),
    stopping: false,
});

fn groups() -> MutexGuard<'static, Groups> {
    GROUPS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends SIGKILL to every process of group `group`.
#[cfg(unix)]
fn kill_group(group: u32) {
    if let Ok(group) = libc::pid_t::try_from(group) {
        // SAFETY: kill(2) with a negative id signals a process group; no memory is involved.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_group: u32) {}

/// A child process leading a process group of its own, registered so that an interruption
/// kills the group, and killed with its whole group by [`GroupChild::kill`] or when dropped
/// before it has been waited for.
pub(crate) struct GroupChild {
    child: Child,
    /// Still registered: not yet reaped, so its id still names its group.
    live: bool,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group. Fails if the run is being
    /// interrupted.
    pub(crate) fn spawn(cmd: &mut Command) -> io::Result<GroupChild> {
        watch();
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(cmd, 0);
        let mut children = groups();
        if children.stopping {
            return Err(interrupted());
        }
        let child = cmd.spawn()?;
        children.ids.insert(child.id());
        Ok(GroupChild { child, live: true })
    }

    /// The child, for its pipes.
    pub(crate) fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// [`Child::try_wait`]; a child that has ended is forgotten under the registry's lock, so
    /// the signal thread never signals a group id that may already be reused.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let mut children = groups();
        let status = self.child.try_wait()?;
        if status.is_some() {
            children.ids.remove(&self.child.id());
            self.live = false;
        }
        Ok(status)
    }

    /// Kills the child and everything else in its group (git's remote helper), then reaps it.
    pub(crate) fn kill(&mut self) {
        if self.live {
            let mut children = groups();
            // Not reaped yet: the id still names this group.
            kill_group(self.child.id());
            children.ids.remove(&self.child.id());
            self.live = false;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        if self.live {
            self.kill();
        }
    }
}

fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "the run is being interrupted")
}
