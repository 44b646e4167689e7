//! Writing a fixed file back, atomically.
//!
//! `--fix` must never leave a half-written workflow behind (a full disk, a killed process, a
//! concurrent reader such as an editor or `git status`). So the new contents go to a temporary
//! file in the *same directory* (a rename is only atomic within one file system), which is
//! flushed to disk and then renamed over the original: a reader sees either the old file or the
//! new one, never a mix.
//!
//! Details, and why:
//! - The temporary file is created with `create_new` under a name that includes the process id
//!   and a counter, so two workers (or two wffmt processes) never share one, and an existing file
//!   is never clobbered.
//! - The original's permission bits are copied to the temporary file before the rename, so an
//!   executable or group-writable file keeps its mode. Ownership is not copied (that needs
//!   privileges); a file owned by someone else ends up owned by the user running wffmt.
//! - A symbolic link is written *through*: the target is resolved first and replaced, so a
//!   symlinked workflow stays a symlink. Hard links are not preserved: the path gets a new inode,
//!   as with every editor that saves atomically.
//! - On any error the temporary file is removed and the original is untouched.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces the contents of `path` with `contents` atomically (see the module docs). A path that
/// does not exist yet is created.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = resolve_target(path)?;
    let dir = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?
        .to_string_lossy()
        .into_owned();
    let permissions = match fs::metadata(&target) {
        Ok(meta) => Some(meta.permissions()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(err),
    };

    let (tmp_path, file) = create_temp(&dir, &file_name)?;
    let result = fill_and_rename(file, &tmp_path, &target, contents, permissions);
    if result.is_err() {
        // Best effort: the original error is the one worth reporting.
        let _ = fs::remove_file(&tmp_path);
    }
    result
}

/// The file that is actually replaced: the final target of a symbolic link, else `path` itself.
fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

fn create_temp(dir: &Path, file_name: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut last_err = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp_path = dir.join(format!(".{file_name}.wffmt-{pid}-{n}.tmp"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
        {
            Ok(file) => return Ok((tmp_path, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last_err = Some(err),
            Err(err) => return Err(err),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("could not create a temporary file")))
}

fn fill_and_rename(
    mut file: File,
    tmp_path: &Path,
    target: &Path,
    contents: &[u8],
    permissions: Option<fs::Permissions>,
) -> io::Result<()> {
    file.write_all(contents)?;
    if let Some(permissions) = permissions {
        file.set_permissions(permissions)?;
    }
    file.sync_all()?;
    drop(file);
    fs::rename(tmp_path, target)?;
    sync_dir(target);
    Ok(())
}

/// Makes the rename itself durable where the platform allows it. Failure here is not an error:
/// the new contents are already in place and visible.
fn sync_dir(target: &Path) {
    #[cfg(unix)]
    if let Some(dir) = target.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(handle) = File::open(dir) {
            let _ = handle.sync_all();
        }
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
