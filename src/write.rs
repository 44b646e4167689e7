//! Writing a fixed file back, atomically, and only over the contents that were read.
//!
//! `--fix` must never leave a half-written workflow behind (a full disk, a killed process, a
//! concurrent reader such as an editor or `git status`), and never overwrite an edit made while
//! it ran. So the new contents go to a temporary file in the *same directory* (a rename is only
//! atomic within one file system), which is flushed to disk; then the file on disk is read again
//! and compared with what the run read at its start, and only if it is byte for byte the same is
//! the temporary file renamed over it. A reader sees either the old file or the new one, never a
//! mix; an edit made meanwhile is kept and reported ([`WriteError::Changed`]). (An edit in the
//! microseconds between that comparison and the rename is not detected: only a lock that every
//! editor honoured could close that window, and there is none.)
//!
//! Details, and why:
//! - The temporary file is created with `create_new` under the name `.NAME.wffmt-PID-N.tmp`
//!   (process id, counter), so two workers or two wffmt processes never share one, an existing
//!   file is never clobbered, and nothing reads it as a workflow (it ends in `.tmp`, not `.yml`).
//! - It is registered with [`crate::interrupt`] until renamed or removed, so SIGINT, SIGTERM and
//!   SIGHUP remove it. A run killed with SIGKILL leaves it; [`sweep_leftovers`], called by the
//!   next `--fix` run for every directory it works in, removes exactly such files whose process
//!   is gone, and nothing else.
//! - The original's permission bits are copied to the temporary file before the rename, so an
//!   executable or group-writable file keeps its mode. Ownership is not copied (that needs
//!   privileges); a file owned by someone else ends up owned by the user running wffmt.
//! - A symbolic link is written *through*: the target is resolved first and replaced, so a
//!   symlinked workflow stays a symlink. Hard links are not preserved: the path gets a new inode,
//!   as with every editor that saves atomically.
//! - On any error the temporary file is removed and the original is untouched.
//! - For tests only: when `WFFMT_TEST_PAUSE_BEFORE_RENAME` names a directory holding two named
//!   pipes `paused` and `resume`, each write, once its temporary file is complete, writes the
//!   target path to `paused` and waits until a line can be read from `resume`, then compares and
//!   renames. That lets a test edit the file or send a signal at exactly that point, without
//!   timing guesses. Unset (always, outside tests), it costs one environment lookup.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::interrupt;
use crate::read::{read_regular, ReadError};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Why a file was not replaced.
#[derive(Debug)]
pub enum WriteError {
    /// The file on disk no longer holds what was read: it was edited (or replaced, or removed)
    /// while wffmt ran. It was left as it is.
    Changed,
    Io(io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Changed => f.write_str("the file changed on disk while wffmt was running"),
            WriteError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// Replaces the contents of `path` with `contents` atomically (see the module docs), provided
/// the file still holds exactly `original`.
pub fn replace_if_unchanged(
    path: &Path,
    original: &[u8],
    contents: &[u8],
) -> Result<(), WriteError> {
    replace(path, Some(original), contents)
}

/// Replaces the contents of `path` with `contents` atomically, whatever it holds now. A path
/// that does not exist yet is created.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    replace(path, None, contents).map_err(|e| match e {
        WriteError::Io(e) => e,
        WriteError::Changed => io::Error::other(e.to_string()),
    })
}

fn replace(path: &Path, original: Option<&[u8]>, contents: &[u8]) -> Result<(), WriteError> {
    let target = resolve_target(path)?;
    let dir = parent_dir(&target);
    let file_name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?
        .to_string_lossy()
        .into_owned();
    let permissions = match fs::metadata(&target) {
        Ok(meta) => Some(meta.permissions()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(err.into()),
    };

    let (tmp_path, file) = create_temp(&dir, &file_name)?;
    let result = fill(file, contents, permissions)
        .map_err(WriteError::from)
        .and_then(|()| {
            pause_for_tests(&target);
            match original {
                Some(original) => check_unchanged(&target, original),
                None => Ok(()),
            }
        })
        .and_then(|()| interrupt::commit(&tmp_path, &target).map_err(WriteError::from));
    match result {
        Ok(()) => {
            sync_dir(&target);
            Ok(())
        }
        Err(e) => {
            // Best effort: the original error is the one worth reporting.
            interrupt::discard(&tmp_path);
            Err(e)
        }
    }
}

/// The file that is actually replaced: the final target of a symbolic link, else `path` itself.
fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temp_name(file_name: &str, pid: u32, n: u64) -> String {
    format!(".{file_name}.wffmt-{pid}-{n}.tmp")
}

/// `(pid, counter)` of a name made by [`temp_name`], or `None` for any other name.
fn parse_temp_name(name: &str) -> Option<(u32, u64)> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (file_name, ids) = rest.rsplit_once(".wffmt-")?;
    let (pid, n) = ids.split_once('-')?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if file_name.is_empty() || !all_digits(pid) || !all_digits(n) {
        return None;
    }
    Some((pid.parse().ok()?, n.parse().ok()?))
}

fn create_temp(dir: &Path, file_name: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut last_err = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp_path = dir.join(temp_name(file_name, pid, n));
        let created = interrupt::create_registered(&tmp_path, |p| {
            OpenOptions::new().write(true).create_new(true).open(p)
        });
        match created {
            Ok(file) => return Ok((tmp_path, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last_err = Some(err),
            Err(err) => return Err(err),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("could not create a temporary file")))
}

fn fill(mut file: File, contents: &[u8], permissions: Option<fs::Permissions>) -> io::Result<()> {
    file.write_all(contents)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)?;
    }
    file.sync_all()
}

/// The file on disk must still be a regular file holding exactly `original`.
fn check_unchanged(target: &Path, original: &[u8]) -> Result<(), WriteError> {
    match read_regular(target, original.len() as u64) {
        Ok(now) if now == original => Ok(()),
        Ok(_) | Err(ReadError::TooLarge { .. } | ReadError::NotRegular(_)) => {
            Err(WriteError::Changed)
        }
        Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => Err(WriteError::Changed),
        Err(ReadError::DanglingLink) => Err(WriteError::Changed),
        Err(ReadError::Io(e)) => Err(e.into()),
    }
}

/// Test hook: see the module docs.
fn pause_for_tests(target: &Path) {
    let Some(dir) = std::env::var_os("WFFMT_TEST_PAUSE_BEFORE_RENAME") else {
        return;
    };
    let dir = PathBuf::from(dir);
    if let Ok(mut paused) = OpenOptions::new().write(true).open(dir.join("paused")) {
        let _ = writeln!(paused, "{}", target.display());
    }
    if let Ok(resume) = File::open(dir.join("resume")) {
        let mut line = String::new();
        let _ = io::BufRead::read_line(&mut io::BufReader::new(resume), &mut line);
    }
}

/// Removes, from each of `dirs`, the temporary files that a wffmt process killed before it could
/// clean up left behind: names of the form `.NAME.wffmt-PID-N.tmp` whose process no longer
/// exists (or is this process, which does not use them). Files of a wffmt process still running
/// are kept, and so is everything named otherwise. Each directory is swept once per process.
/// Returns the files removed. On platforms where a process cannot be looked up, nothing is
/// removed.
pub fn sweep_leftovers<'a>(dirs: impl IntoIterator<Item = &'a Path>) -> Vec<PathBuf> {
    static SWEPT: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    let own = std::process::id();
    let mut removed = Vec::new();
    for dir in dirs {
        let first_time = SWEPT
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(dir.to_path_buf());
        if !first_time {
            continue;
        }
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some((pid, _)) = name.to_str().and_then(parse_temp_name) else {
                continue;
            };
            let path = entry.path();
            let abandoned = if pid == own {
                !interrupt::is_registered(&path)
            } else {
                process_is_gone(pid)
            };
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if abandoned && is_file && fs::remove_file(&path).is_ok() {
                removed.push(path);
            }
        }
    }
    removed
}

/// Whether no process with this id exists (`kill(pid, 0)` fails with `ESRCH`).
#[cfg(unix)]
fn process_is_gone(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    !alive && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_is_gone(_pid: u32) -> bool {
    false
}

/// Makes the rename itself durable where the platform allows it. Failure here is not an error:
/// the new contents are already in place and visible.
fn sync_dir(target: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = File::open(parent_dir(target)) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = target;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_contents_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ci.yml");
        fs::write(&path, "old\n").unwrap();
        write_atomic(&path, b"new\r\ncontents").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\r\ncontents");
        assert_eq!(entries(dir.path()), ["ci.yml"]);
    }

    #[test]
    fn an_edited_file_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ci.yml");
        fs::write(&path, "edited\n").unwrap();
        let result = replace_if_unchanged(&path, b"read\n", b"fixed\n");
        assert!(matches!(result, Err(WriteError::Changed)), "{result:?}");
        assert_eq!(fs::read(&path).unwrap(), b"edited\n");
        // Longer, removed, replaced by a directory: all changes.
        fs::write(&path, "read\nand more\n").unwrap();
        assert!(matches!(
            replace_if_unchanged(&path, b"read\n", b"x"),
            Err(WriteError::Changed)
        ));
        fs::remove_file(&path).unwrap();
        assert!(matches!(
            replace_if_unchanged(&path, b"read\n", b"x"),
            Err(WriteError::Changed)
        ));
        assert_eq!(entries(dir.path()), Vec::<String>::new());
        fs::write(&path, "read\n").unwrap();
        replace_if_unchanged(&path, b"read\n", b"fixed\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"fixed\n");
        assert_eq!(entries(dir.path()), ["ci.yml"]);
    }

    #[test]
    fn temporary_file_names() {
        assert_eq!(temp_name("ci.yml", 42, 7), ".ci.yml.wffmt-42-7.tmp");
        assert_eq!(parse_temp_name(".ci.yml.wffmt-42-7.tmp"), Some((42, 7)));
        assert_eq!(parse_temp_name(".a.wffmt-b.wffmt-1-2.tmp"), Some((1, 2)));
        for other in [
            "ci.yml.wffmt-42-7.tmp",
            ".ci.yml.wffmt-42-7.tmp.bak",
            ".ci.yml.wffmt-x-7.tmp",
            ".ci.yml.wffmt-42-.tmp",
            "..wffmt-1-2.tmp",
            ".ci.yml.tmp",
        ] {
            assert_eq!(parse_temp_name(other), None, "{other}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn sweep_removes_only_abandoned_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let own = std::process::id();
        // A process that has exited: its id is free (reuse within the test is not a concern).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let names = [
            temp_name("a.yml", dead, 0),
            temp_name("b.yml", own, 999_999),
            temp_name("c.yml", 1, 0), // init: alive
            "keep.yml".to_string(),
            ".keep.yml.wffmt-1-2.txt".to_string(),
        ];
        for name in &names {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        let removed = sweep_leftovers([dir.path()]);
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert_eq!(
            entries(dir.path()),
            [
                ".c.yml.wffmt-1-0.tmp",
                ".keep.yml.wffmt-1-2.txt",
                "keep.yml"
            ]
        );
        // Once per directory and process.
        fs::write(dir.path().join(&names[0]), "x").unwrap();
        assert!(sweep_leftovers([dir.path()]).is_empty());
    }

    #[test]
    fn creates_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.yml");
        write_atomic(&path, b"x").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
        assert_eq!(entries(dir.path()), ["new.yml"]);
    }

    #[test]
    fn many_writes_from_many_threads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yml");
        fs::write(&path, "0").unwrap();
        std::thread::scope(|s| {
            for i in 0..8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(path, format!("{i}").as_bytes()).unwrap();
                    }
                });
            }
        });
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 1);
        assert_eq!(entries(dir.path()), ["a.yml"]);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.yml");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap();
        write_atomic(&path, b"new").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o751);
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/ci.yml");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.yml");
        std::os::unix::fs::symlink("real/ci.yml", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["link.yml", "real"]);
        assert_eq!(entries(&dir.path().join("real")), ["ci.yml"]);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_directory_fails_cleanly() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("ro");
        fs::create_dir(&sub).unwrap();
        let path = sub.join("ci.yml");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o555)).unwrap();
        let probe = sub.join("probe");
        if fs::write(&probe, "").is_ok() {
            // Running as root: permissions are not enforced, nothing to test here.
            let _ = fs::remove_file(&probe);
            fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
            return;
        }
        let result = write_atomic(&path, b"new");
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(result.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(&sub), ["ci.yml"]);
    }

    #[cfg(unix)]
    #[test]
    fn failure_after_creating_the_temp_file_removes_it() {
        // Renaming onto a directory fails after the temporary file exists.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dir.yml");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), "x").unwrap();
        assert!(write_atomic(&path, b"new").is_err());
        assert_eq!(entries(dir.path()), ["dir.yml"]);
    }
}
