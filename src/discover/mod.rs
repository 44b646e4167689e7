//! Finding the files to process: which paths are workflows, which are action metadata, and how
//! each one is named in messages.
//!
//! The rules, and why:
//!
//! - **A directory is walked** with the `ignore` crate, so `.gitignore`, `.ignore`,
//!   `.git/info/exclude` and the global git excludes are honoured the way ripgrep honours them,
//!   inside a git repository or not (a tarball or a fresh checkout without `.git` behaves the same).
//!   Hidden directories are *not* skipped, because `.github` is one; only `.git` itself is pruned.
//!   Symbolic links to directories are not followed (no loops, no escaping the tree); a symbolic
//!   link to a file is a file. Named pipes, devices and dangling links with a matching name are
//!   listed too, so that reading refuses them with a message (see [`crate::read`]).
//! - **In a directory**, a workflow is a `*.yml` / `*.yaml` file somewhere below a
//!   `.github/workflows` directory, and an action is a file named `action.yml` or `action.yaml`
//!   anywhere. Everything else is left alone: a repository is full of YAML that is not ours.
//! - **A file named on the command line is always processed**, whatever its name and whatever the
//!   ignore files say: the user asked for it. Its kind comes from [`kind_for_name`].
//! - **Display paths** are what the user sees in diffs and messages: relative to the current
//!   directory, `/`-separated, without a leading `./`, so that a diff applies with `git apply` or
//!   `patch -p1` from that directory. A path outside the current directory is shown absolute.
//!   Display paths are computed lexically (no symlink resolution) so they look like what was typed.
//! - **The result is sorted** by display path and de-duplicated, so that `wffmt . .github` or
//!   `wffmt a.yml a.yml` process each file once and output is stable from run to run.
//!
//! Reading standard input (`-`) is the command line's business, not this module's.

mod lexical;
mod same_file;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use lexical::kind_for_name;
use lexical::{display_normalized, kind_for_path, kind_in_directory, may_be_ours};
pub(crate) use lexical::{display_path, normalize_lexically};
pub use same_file::first_names;

/// What a file is, which decides the rules that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// A workflow (`.github/workflows/*.yml`).
    Workflow,
    /// Action metadata (`action.yml` / `action.yaml`).
    Action,
}

/// A file to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The path to open: the current directory joined with the path as given (not normalised,
    /// so that `..` after a symbolic link means what the operating system says it means).
    pub path: PathBuf,
    /// The path shown to the user and used in diff headers (see the module docs).
    pub display: String,
    pub kind: FileKind,
    /// Named on the command line (as opposed to found in a directory).
    pub explicit: bool,
    /// Found in a directory as a symbolic link (the walk knows without asking the file system
    /// again); always `false` for a named file.
    pub symlink: bool,
    /// Found in a directory listing as a regular file (not through a link), so that it can be
    /// opened without a look first (see [`crate::read::read_listed_regular`]); always `false`
    /// for a named file.
    pub listed_regular: bool,
}

/// A path that could not be walked: missing, unreadable directory, symbolic-link loop, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverError {
    /// Display form of the path concerned.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Walks `paths` (files or directories, relative to `cwd` unless absolute) and returns the files
/// to process, sorted by display path and de-duplicated, plus the paths that could not be read.
pub fn discover(paths: &[PathBuf], cwd: &Path) -> (Vec<Discovered>, Vec<DiscoverError>) {
    let never: ExcludeTest = Arc::new(|_: &Path, _: bool| false);
    let (files, errors, _) = discover_excluding(paths, cwd, never, false, 1, &|_| {});
    (files, errors)
}

/// Whether a path (absolute and normalised; a directory when the flag is set) is excluded.
pub type ExcludeTest = Arc<dyn Fn(&Path, bool) -> bool + Send + Sync>;

/// [`discover`], leaving out what `excluded` says: directories are not entered, files not
/// taken. Paths named on the command line are left out only with `force` (`--force-exclude`).
/// The third value counts what was left out: workflow and action files, and directories.
/// Directories are walked by `threads` threads (0: one per core); the result is the same
/// whatever the number: files sorted by display path, errors by path and message.
/// `found_early` is shown each file found in a directory as soon
/// as the walk finds it, in no particular order, so that work on it can start before the walk
/// ends (files named on the command line are not shown).
pub fn discover_excluding(
    paths: &[PathBuf],
    cwd: &Path,
    excluded: ExcludeTest,
    force: bool,
    threads: usize,
    found_early: &(dyn Fn(&Discovered) + Sync),
) -> (Vec<Discovered>, Vec<DiscoverError>, usize) {
    let cwd_norm = normalize_lexically(cwd);
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let left_out = Arc::new(AtomicUsize::new(0));

    for given in paths {
        let path = cwd.join(given);
        let display = display_path(&path, &cwd_norm);
        let meta = match std::fs::metadata(&path) {
            Ok(meta) => meta,
            Err(err) => {
                errors.push(DiscoverError {
                    path: display,
                    message: io_message(&err),
                });
                continue;
            }
        };
        if force && excluded(&normalize_lexically(&path), meta.is_dir()) {
            left_out.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if !meta.is_dir() {
            // Named explicitly: always processed (unless excluded with `force`); what is not a regular file (a FIFO such as
            // `<(...)`, a device) is refused when it is read, with a message.
            let kind = kind_for_path(&normalize_lexically(&path));
            found.push(Discovered {
                path,
                display,
                kind,
                explicit: true,
                symlink: false,
                listed_regular: false,
            });
            continue;
        }

        let walker = ignore::WalkBuilder::new(&path)
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .threads(threads)
            .filter_entry({
                let (excluded, left_out) = (Arc::clone(&excluded), Arc::clone(&left_out));
                move |entry| {
                    if entry.file_name() == ".git" {
                        return false;
                    }
                    // The path named on the command line is not itself excluded (see above).
                    if entry.depth() == 0 {
                        return true;
                    }
                    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                    // A file that cannot be ours is dropped by `visit` and counted nowhere,
                    // excluded or not.
                    if !is_dir && !may_be_ours(entry.file_name()) {
                        return true;
                    }
                    let path = normalize_lexically(entry.path());
                    if !excluded(&path, is_dir) {
                        return true;
                    }
                    if is_dir || kind_in_directory(&path).is_some() {
                        left_out.fetch_add(1, Ordering::Relaxed);
                    }
                    false
                }
            })
            .build_parallel();
        let walked = Mutex::new(Vec::new());
        walker.run(|| {
            Box::new(|entry| {
                if let Some(item) = visit(entry, &path, &cwd_norm) {
                    if let Ok(file) = &item {
                        found_early(file);
                    }
                    walked.lock().unwrap_or_else(|p| p.into_inner()).push(item);
                }
                ignore::WalkState::Continue
            })
        });
        for item in walked.into_inner().unwrap_or_else(|p| p.into_inner()) {
            match item {
                Ok(item) => found.push(item),
                Err(error) => errors.push(error),
            }
        }
    }

    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    let left_out = left_out.load(Ordering::Relaxed);
    (sorted_and_merged(found), errors, left_out)
}

/// What one entry of a walk below `root` is: a file to process, an error, or nothing of ours.
fn visit(
    entry: Result<ignore::DirEntry, ignore::Error>,
    root: &Path,
    cwd_norm: &Path,
) -> Option<Result<Discovered, DiscoverError>> {
    let entry = match entry {
        Ok(entry) => entry,
        Err(err) => {
            let err_path = error_path(&err).unwrap_or_else(|| root.to_path_buf());
            return Some(Err(DiscoverError {
                path: display_path(&err_path, cwd_norm),
                message: walk_message(&err),
            }));
        }
    };
    // Soft errors (e.g. a malformed glob in a .gitignore) are not a reason to stop or to
    // fail the run; the walk carries on with the patterns that did parse.
    //
    // Only a YAML name can be ours: the others need no further look (a link no `stat`).
    if !may_be_ours(entry.file_name()) {
        return None;
    }
    // Anything but a directory is taken: a named pipe, a device or a dangling link with
    // a workflow's name is then refused with a message when it is read (see
    // `crate::read`), instead of silently not being checked.
    let file_type = entry.file_type();
    let is_dir = match file_type {
        Some(ft) if ft.is_symlink() => std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()),
        Some(ft) => ft.is_dir(),
        None => true,
    };
    if is_dir {
        return None;
    }
    let normalized = normalize_lexically(entry.path());
    let kind = kind_in_directory(&normalized)?;
    Some(Ok(Discovered {
        path: entry.path().to_path_buf(),
        display: display_normalized(&normalized, cwd_norm),
        kind,
        explicit: false,
        symlink: entry.path_is_symlink(),
        listed_regular: file_type.is_some_and(|ft| ft.is_file()),
    }))
}

/// `found` sorted by display path, each path once: the first one found, explicit when it was
/// also named (the sort is stable, so "first" is the order of the paths given).
fn sorted_and_merged(mut found: Vec<Discovered>) -> Vec<Discovered> {
    // On this thread: the pool's workers may be busy with files found early (`found_early`),
    // and a parallel sort would wait for them.
    found.sort_by(|a, b| a.display.cmp(&b.display));
    let mut merged: Vec<Discovered> = Vec::with_capacity(found.len());
    for item in found {
        match merged.last_mut() {
            Some(last) if last.display == item.display => last.explicit |= item.explicit,
            _ => merged.push(item),
        }
    }
    merged
}

fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithLineNumber { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

fn walk_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithLineNumber { err, .. }
        | ignore::Error::WithDepth { err, .. } => walk_message(err),
        ignore::Error::Io(io) => io_message(io),
        ignore::Error::Loop { ancestor, .. } => format!(
            "symbolic link loop (points back to {})",
            ancestor.to_string_lossy()
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, "on: push\n").unwrap();
    }

    fn names(found: &[Discovered]) -> Vec<(String, FileKind, bool)> {
        found
            .iter()
            .map(|d| (d.display.clone(), d.kind, d.explicit))
            .collect()
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        touch(root, ".github/workflows/ci.yml");
        touch(root, ".github/workflows/release.yaml");
        touch(root, ".github/workflows/nested/deep.yml");
        touch(root, ".github/workflows/README.md");
        touch(root, ".github/dependabot.yml");
        touch(root, "action.yml");
        touch(root, "sub/dir/action.yaml");
        touch(root, "sub/dir/other.yml");
        touch(root, "config.yaml");
        dir
    }

    #[test]
    fn walks_a_directory_outside_git() {
        let dir = tree();
        let (found, errors) = discover(&[PathBuf::from(".")], dir.path());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            names(&found),
            vec![
                (".github/workflows/ci.yml".into(), FileKind::Workflow, false),
                (
                    ".github/workflows/nested/deep.yml".into(),
                    FileKind::Workflow,
                    false
                ),
                (
                    ".github/workflows/release.yaml".into(),
                    FileKind::Workflow,
                    false
                ),
                ("action.yml".into(), FileKind::Action, false),
                ("sub/dir/action.yaml".into(), FileKind::Action, false),
            ]
        );
        for d in &found {
            assert!(d.path.is_file(), "{:?}", d.path);
        }
    }

    #[test]
    fn the_threads_of_the_walk_do_not_change_the_result() {
        let dir = tree();
        fs::write(dir.path().join(".gitignore"), "sub/\n").unwrap();
        for i in 0..50 {
            touch(
                dir.path(),
                &format!("r{}/.github/workflows/w{i}.yml", i % 7),
            );
            touch(dir.path(), &format!("r{}/a{i}/action.yaml", i % 5));
        }
        let paths = [PathBuf::from("."), PathBuf::from("missing")];
        let skip_r3: ExcludeTest = Arc::new(|p: &Path, _| p.ends_with("r3"));
        let serial =
            discover_excluding(&paths, dir.path(), Arc::clone(&skip_r3), false, 1, &|_| {});
        assert_eq!(serial.0.len(), 4 + 100 - 17, "{:?}", names(&serial.0));
        assert_eq!((serial.1.len(), serial.2), (1, 1));
        for threads in [0, 2, 4] {
            // Every file found is also shown as soon as it is found.
            let early = Mutex::new(Vec::new());
            let parallel = discover_excluding(
                &paths,
                dir.path(),
                Arc::clone(&skip_r3),
                false,
                threads,
                &|f| early.lock().unwrap().push(f.clone()),
            );
            assert_eq!(parallel, serial);
            let mut early = early.into_inner().unwrap();
            early.sort_by(|a, b| a.display.cmp(&b.display));
            assert_eq!(early, serial.0);
        }
    }

    /// Files named on the command line are not shown early: only what the walk finds is.
    #[test]
    fn named_files_are_not_shown_early() {
        let dir = tree();
        let early = Mutex::new(Vec::new());
        let paths = [PathBuf::from("action.yml"), PathBuf::from(".github")];
        let never: ExcludeTest = Arc::new(|_: &Path, _| false);
        let (found, _, _) = discover_excluding(&paths, dir.path(), never, false, 2, &|f| {
            early.lock().unwrap().push(f.display.clone())
        });
        let mut early = early.into_inner().unwrap();
        early.sort();
        let walked: Vec<String> = found
            .iter()
            .filter(|f| !f.explicit)
            .map(|f| f.display.clone())
            .collect();
        assert!(found
            .iter()
            .any(|f| f.explicit && f.display == "action.yml"));
        assert_eq!(early, walked);
    }

    #[test]
    fn honours_gitignore_and_ignore_without_git() {
        let dir = tree();
        fs::write(dir.path().join(".gitignore"), "sub/\n").unwrap();
        fs::write(dir.path().join(".ignore"), "release.yaml\n").unwrap();
        let (found, errors) = discover(&[PathBuf::from(".")], dir.path());
        assert!(errors.is_empty());
        let displays: Vec<_> = found.iter().map(|d| d.display.as_str()).collect();
        assert_eq!(
            displays,
            [
                ".github/workflows/ci.yml",
                ".github/workflows/nested/deep.yml",
                "action.yml"
            ]
        );
    }

    #[test]
    fn honours_gitignore_inside_a_git_repository() {
        let dir = tree();
        let init = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path())
            .output();
        if !matches!(init, Ok(ref out) if out.status.success()) {
            return; // no git here: the other tests cover the walk
        }
        fs::write(dir.path().join(".gitignore"), "/action.yml\n/sub/dir/\n").unwrap();
        let (found, errors) = discover(&[PathBuf::from(".")], dir.path());
        assert!(errors.is_empty());
        let displays: Vec<_> = found.iter().map(|d| d.display.as_str()).collect();
        assert_eq!(
            displays,
            [
                ".github/workflows/ci.yml",
                ".github/workflows/nested/deep.yml",
                ".github/workflows/release.yaml"
            ]
        );
        // Walking a sub-directory still sees the ignore files of its parents...
        let (found, _) = discover(&[PathBuf::from("sub")], dir.path());
        assert!(found.is_empty(), "{found:?}");
        // ...but an ignored directory named explicitly is walked, as ripgrep does.
        let (found, _) = discover(&[PathBuf::from("sub/dir")], dir.path());
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn skips_dot_git_and_honours_git_exclude() {
        let dir = tree();
        touch(dir.path(), ".git/.github/workflows/x.yml");
        touch(dir.path(), ".git/action.yml");
        fs::create_dir_all(dir.path().join(".git/info")).unwrap();
        fs::write(dir.path().join(".git/info/exclude"), "nested\n").unwrap();
        let (found, _) = discover(&[PathBuf::from(".")], dir.path());
        let displays: Vec<_> = found.iter().map(|d| d.display.as_str()).collect();
        assert_eq!(
            displays,
            [
                ".github/workflows/ci.yml",
                ".github/workflows/release.yaml",
                "action.yml",
                "sub/dir/action.yaml"
            ]
        );
    }

    #[test]
    fn explicit_files_are_always_processed() {
        let dir = tree();
        fs::write(dir.path().join(".gitignore"), "*.yaml\nsub/\n").unwrap();
        let paths = [
            PathBuf::from("config.yaml"),
            PathBuf::from("./sub/dir/action.yaml"),
            PathBuf::from("sub/dir/other.yml"),
        ];
        let (found, errors) = discover(&paths, dir.path());
        assert!(errors.is_empty());
        assert_eq!(
            names(&found),
            vec![
                ("config.yaml".into(), FileKind::Workflow, true),
                ("sub/dir/action.yaml".into(), FileKind::Action, true),
                ("sub/dir/other.yml".into(), FileKind::Workflow, true),
            ]
        );
    }

    #[test]
    fn sorted_and_deduplicated() {
        let dir = tree();
        let paths = [
            PathBuf::from(".github"),
            PathBuf::from("action.yml"),
            PathBuf::from("."),
            PathBuf::from(".github/workflows/ci.yml"),
            PathBuf::from(".github/workflows/../workflows/ci.yml"),
        ];
        let (found, errors) = discover(&paths, dir.path());
        assert!(errors.is_empty());
        assert_eq!(
            names(&found),
            vec![
                (".github/workflows/ci.yml".into(), FileKind::Workflow, true),
                (
                    ".github/workflows/nested/deep.yml".into(),
                    FileKind::Workflow,
                    false
                ),
                (
                    ".github/workflows/release.yaml".into(),
                    FileKind::Workflow,
                    false
                ),
                ("action.yml".into(), FileKind::Action, true),
                ("sub/dir/action.yaml".into(), FileKind::Action, false),
            ]
        );
    }

    #[test]
    fn walking_the_workflows_directory_itself() {
        let dir = tree();
        let cwd = dir.path().join(".github/workflows");
        let (found, _) = discover(&[PathBuf::from(".")], &cwd);
        let displays: Vec<_> = found.iter().map(|d| d.display.as_str()).collect();
        assert_eq!(displays, ["ci.yml", "nested/deep.yml", "release.yaml"]);
    }

    #[test]
    fn missing_path_is_an_error_and_others_continue() {
        let dir = tree();
        let paths = [PathBuf::from("nope/x.yml"), PathBuf::from("action.yml")];
        let (found, errors) = discover(&paths, dir.path());
        assert_eq!(found.len(), 1);
        assert_eq!(
            errors,
            vec![DiscoverError {
                path: "nope/x.yml".into(),
                message: "no such file or directory".into()
            }]
        );
    }

    #[test]
    fn paths_outside_cwd_are_absolute() {
        let dir = tree();
        let cwd = dir.path().join("sub");
        let (found, _) = discover(&[PathBuf::from("../action.yml")], &cwd);
        assert_eq!(found.len(), 1);
        let expected = normalize_lexically(&dir.path().join("action.yml"));
        assert_eq!(
            found[0].display,
            expected.to_string_lossy().replace('\\', "/")
        );
        assert!(Path::new(&found[0].display).is_absolute());

        let (found, _) = discover(&[dir.path().join("sub/dir")], dir.path());
        assert_eq!(found[0].display, "sub/dir/action.yaml");
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_files_are_found_but_directory_links_not_followed() {
        let dir = tree();
        let root = dir.path();
        touch(root, "elsewhere/target.yml");
        std::os::unix::fs::symlink(
            root.join("elsewhere/target.yml"),
            root.join(".github/workflows/linked.yml"),
        )
        .unwrap();
        std::os::unix::fs::symlink(root.join(".github"), root.join("sub/loop")).unwrap();
        let (found, errors) = discover(&[PathBuf::from(".")], root);
        assert!(errors.is_empty(), "{errors:?}");
        let displays: Vec<_> = found.iter().map(|d| d.display.as_str()).collect();
        assert!(displays.contains(&".github/workflows/linked.yml"));
        assert!(!displays.iter().any(|d| d.starts_with("sub/loop")));
    }
}
