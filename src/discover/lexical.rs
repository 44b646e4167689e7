//! Paths as text: lexical normalisation, display paths, and the kind of file a path names.
//!
//! Each runs several times for every entry of a directory walk, so each has a shortcut for the
//! common case, an absolute path on Unix, that works on the path's bytes; `Path::components`
//! costs about ten times more. Anything else (relative paths, other platforms) takes the
//! general way through components. The tests check that both agree.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use super::FileKind;

/// Removes `.` components and resolves `..` against the preceding component, without touching
/// the file system. Used for display and classification only, never to open a file.
pub(crate) fn normalize_lexically(path: &Path) -> PathBuf {
    #[cfg(unix)]
    if let Some(bytes) = absolute_bytes(path) {
        use std::os::unix::ffi::OsStringExt;
        return PathBuf::from(std::ffi::OsString::from_vec(normalize_absolute(bytes)));
    }
    if is_normal(path) {
        return path.to_path_buf();
    }
    rebuild_normalized(path)
}

/// The bytes of `path` when it is absolute and `/`-separated (the shortcuts' domain).
fn absolute_bytes(path: &Path) -> Option<&[u8]> {
    if !cfg!(unix) {
        return None;
    }
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes.starts_with(b"/").then_some(bytes)
}

/// [`rebuild_normalized`] of an absolute `/`-separated path, on its bytes: empty and `.` parts
/// go, `..` removes the part before it (the root's parent is the root).
fn normalize_absolute(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for part in path.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                let parent = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                out.truncate(parent);
            }
            name => {
                out.push(b'/');
                out.extend_from_slice(name);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

fn rebuild_normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else if !out.has_root() {
                    // A relative path climbing above its start keeps its `..`; the root's parent
                    // is the root.
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `path` is already what [`normalize_lexically`] makes of it: no `.` or `..`
/// component, no repeated or trailing separator (checked without allocating).
fn is_normal(path: &Path) -> bool {
    let text = path.as_os_str().as_encoded_bytes();
    if cfg!(windows) || text.is_empty() {
        return false;
    }
    let body = text.strip_prefix(b"/").unwrap_or(text);
    body.is_empty()
        || body
            .split(|&b| b == b'/')
            .all(|part| !matches!(part, b"" | b"." | b".."))
}

/// `path` (already joined with the current directory) as shown to the user: relative to
/// `cwd_norm` (the normalised current directory) and `/`-separated when below it, else absolute.
pub(crate) fn display_path(path: &Path, cwd_norm: &Path) -> String {
    display_normalized(&normalize_lexically(path), cwd_norm)
}

/// [`display_path`] of a path that is already normalised.
pub(super) fn display_normalized(normalized: &Path, cwd_norm: &Path) -> String {
    match (absolute_bytes(normalized), absolute_bytes(cwd_norm)) {
        (Some(path), Some(cwd)) if is_normal(cwd_norm) => display_below(path, cwd),
        _ => display_by_components(normalized, cwd_norm),
    }
}

/// The shortcut of [`display_normalized`]: `path` and `cwd` are normalised absolute paths. A
/// name that is not UTF-8 is shown as `to_string_lossy` shows it: `/` is never part of an
/// invalid sequence, so replacing in the whole text or name by name is the same.
fn display_below(path: &[u8], cwd: &[u8]) -> String {
    let rest = match path.strip_prefix(cwd) {
        Some(rest) if cwd == b"/" => Some(rest),
        Some(b"") => Some(&b""[..]),
        Some(rest) => rest.strip_prefix(b"/"),
        None => None,
    };
    match rest {
        Some(b"") => ".".to_string(),
        Some(rest) => String::from_utf8_lossy(rest).into_owned(),
        None => String::from_utf8_lossy(path).into_owned(),
    }
}

fn display_by_components(normalized: &Path, cwd_norm: &Path) -> String {
    match normalized.strip_prefix(cwd_norm) {
        Ok(rel) if rel.components().all(|c| matches!(c, Component::Normal(_))) => {
            let parts = path_components(rel);
            if parts.is_empty() {
                ".".to_string()
            } else {
                parts.join("/")
            }
        }
        _ => {
            let text = normalized.to_string_lossy().into_owned();
            if std::path::MAIN_SEPARATOR == '\\' {
                text.replace('\\', "/")
            } else {
                text
            }
        }
    }
}

/// What follows `root` in `path` when that is only names (no `.`, `..` or root): the
/// components of `path` after those of `root`, or `None`.
pub(super) fn names_below<'a>(path: &'a Path, root: &Path) -> Option<&'a Path> {
    #[cfg(unix)]
    if let (Some(bytes), Some(root_bytes)) = (absolute_bytes(path), absolute_bytes(root)) {
        use std::os::unix::ffi::OsStrExt;
        let rest = bytes.strip_prefix(root_bytes).and_then(|rest| {
            if root_bytes.ends_with(b"/") {
                Some(rest)
            } else {
                rest.strip_prefix(b"/")
            }
        });
        // Anything unusual (`.`, `..`, a repeated or trailing separator) takes the general way.
        if let Some(rest) = rest.filter(|rest| {
            !rest.is_empty()
                && rest
                    .split(|&b| b == b'/')
                    .all(|name| !matches!(name, b"" | b"." | b".."))
        }) {
            return Some(Path::new(std::ffi::OsStr::from_bytes(rest)));
        }
    }
    names_below_by_components(path, root)
}

fn names_below_by_components<'a>(path: &'a Path, root: &Path) -> Option<&'a Path> {
    let rest = path.strip_prefix(root).ok()?;
    rest.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(rest)
}

/// The kind of a file known only by its name, e.g. from `--stdin-filename`: a name below
/// `.github/workflows/` is a workflow, `action.yml` / `action.yaml` is an action, anything else is
/// treated as a workflow. Both `/` and `\` separate components.
pub fn kind_for_name(name: &str) -> FileKind {
    let components: Vec<&str> = name.split(['/', '\\']).collect();
    kind_for_components(&components)
}

/// [`kind_for_name`] of a normalised path.
pub(super) fn kind_for_path(path: &Path) -> FileKind {
    let components = path_components(path);
    let refs: Vec<&str> = components.iter().map(|c| c.as_ref()).collect();
    kind_for_components(&refs)
}

fn kind_for_components(components: &[&str]) -> FileKind {
    let Some((file, dirs)) = components.split_last() else {
        return FileKind::Workflow;
    };
    if is_action_name(file) && !directly_in_workflows_dir(dirs) {
        FileKind::Action
    } else {
        FileKind::Workflow
    }
}

/// Whether a file with this name can be ours when met in a directory (see
/// [`kind_in_directory`]): a cheap test before the path is looked at.
pub(super) fn may_be_ours(file_name: &std::ffi::OsStr) -> bool {
    let name = file_name.as_encoded_bytes();
    name.ends_with(b".yml") || name.ends_with(b".yaml")
}

/// The kind of a file met while walking a directory (`path` normalised), or `None` when it is
/// not ours.
pub(super) fn kind_in_directory(path: &Path) -> Option<FileKind> {
    match absolute_bytes(path) {
        Some(bytes) => kind_of_absolute(bytes),
        None => kind_by_components(path),
    }
}

/// The shortcut of [`kind_in_directory`]: `path` is a normalised absolute path, so its
/// directories are exactly the `/`-separated names before the last `/` (a name that is not
/// UTF-8 can equal none of the names compared with, nor lose its ASCII suffix).
fn kind_of_absolute(path: &[u8]) -> Option<FileKind> {
    let (dirs, file) = path.split_at(path.iter().rposition(|&b| b == b'/')? + 1);
    const WORKFLOWS: &[u8] = b"/.github/workflows/";
    let yaml = file.ends_with(b".yml") || file.ends_with(b".yaml");
    if (file == b"action.yml" || file == b"action.yaml") && !dirs.ends_with(WORKFLOWS) {
        Some(FileKind::Action)
    } else if yaml && memchr::memmem::find(dirs, WORKFLOWS).is_some() {
        Some(FileKind::Workflow)
    } else {
        None
    }
}

fn kind_by_components(path: &Path) -> Option<FileKind> {
    let components = path_components(path);
    let (file, dirs) = components.split_last()?;
    let dirs: Vec<&str> = dirs.iter().map(|c| c.as_ref()).collect();
    // An `action.yml` is an action wherever it is, except directly in `.github/workflows/`
    // (where GitHub reads every file as a workflow); one in a sub-directory of it is an action.
    if is_action_name(file) && !directly_in_workflows_dir(&dirs) {
        Some(FileKind::Action)
    } else if under_workflows_dir(&dirs) && (file.ends_with(".yml") || file.ends_with(".yaml")) {
        Some(FileKind::Workflow)
    } else {
        None
    }
}

fn under_workflows_dir(dirs: &[&str]) -> bool {
    dirs.windows(2)
        .any(|pair| pair[0] == ".github" && pair[1] == "workflows")
}

fn directly_in_workflows_dir(dirs: &[&str]) -> bool {
    dirs.ends_with(&[".github", "workflows"])
}

fn is_action_name(file: &str) -> bool {
    file == "action.yml" || file == "action.yaml"
}

/// The names of `path`'s normal components (borrowed unless a name is not UTF-8).
fn path_components(path: &Path) -> Vec<Cow<'_, str>> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The shortcut agrees with rebuilding the path, on paths that need it and paths that do
    /// not.
    #[test]
    fn normal_paths_are_taken_as_they_are() {
        for text in [
            "/",
            "/a",
            "/a/b.yml",
            "a",
            "a/b",
            "",
            ".",
            "..",
            "./a",
            "a/./b",
            "a/../b",
            "a//b",
            "/a/",
            "//a",
            "/a/..",
            "a/.",
            "../a",
            "/.github/workflows/ci.yml",
            "a b/c",
        ] {
            let path = Path::new(text);
            let rebuilt = rebuild_normalized(path);
            if is_normal(path) {
                assert_eq!(rebuilt.as_os_str(), path.as_os_str(), "{text:?}");
            }
            assert_eq!(normalize_lexically(path), rebuilt, "{text:?}");
        }
    }

    #[test]
    fn lexical_normalisation() {
        assert_eq!(
            normalize_lexically(Path::new("a/./b/../c")),
            PathBuf::from("a/c")
        );
        assert_eq!(
            normalize_lexically(Path::new("../a")),
            PathBuf::from("../a")
        );
        assert_eq!(normalize_lexically(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalize_lexically(Path::new("./")), PathBuf::new());
        assert_eq!(
            normalize_lexically(Path::new("/a/./b/../../c/")),
            PathBuf::from("/c")
        );
    }

    #[test]
    fn kind_for_names() {
        assert_eq!(kind_for_name("action.yml"), FileKind::Action);
        assert_eq!(kind_for_name("a/b/action.yaml"), FileKind::Action);
        assert_eq!(kind_for_name("ci.yml"), FileKind::Workflow);
        assert_eq!(kind_for_name("-"), FileKind::Workflow);
        assert_eq!(kind_for_name(""), FileKind::Workflow);
        assert_eq!(kind_for_name("Action.yml"), FileKind::Workflow);
        assert_eq!(
            kind_for_name(".github/workflows/action.yml"),
            FileKind::Workflow
        );
        assert_eq!(kind_for_name("x\\action.yml"), FileKind::Action);
        assert_eq!(
            kind_for_name(".github/workflows/setup/action.yml"),
            FileKind::Action
        );
        assert_eq!(
            kind_for_name(".github/workflows/sub/ci.yml"),
            FileKind::Workflow
        );
    }

    /// Paths made of the names that matter to the shortcuts: separators repeated, `.` and `..`
    /// anywhere, the workflow directories, action and workflow file names, names that are only
    /// almost those, names that are not UTF-8.
    #[cfg(unix)]
    fn any_path() -> impl Strategy<Value = PathBuf> {
        use std::os::unix::ffi::OsStringExt;
        let part = prop::sample::select(vec![
            &b""[..],
            b".",
            b"..",
            b"a",
            b"b c",
            b".github",
            b"workflows",
            b"Workflows",
            b".github.x",
            b"action.yml",
            b"action.yaml",
            b"ci.yml",
            b"x.yaml",
            b"yml",
            b"README.md",
            "\u{e9}".as_bytes(),
            b"\xff.yml",
            b"x\xe2.yaml",
        ]);
        (any::<bool>(), prop::collection::vec(part, 0..8)).prop_map(|(absolute, parts)| {
            let mut bytes = if absolute { b"/".to_vec() } else { Vec::new() };
            bytes.extend(parts.join(&b'/'));
            PathBuf::from(std::ffi::OsString::from_vec(bytes))
        })
    }

    #[cfg(unix)]
    proptest! {
        #[test]
        fn shortcuts_agree_with_components(
            path in any_path(),
            cwd in prop_oneof![
                prop::sample::select(vec!["/", "/a", "/a/.", "/a/", "/a/b c", "a", ""])
                    .prop_map(PathBuf::from),
                any_path(),
            ],
        ) {
            let normalized = normalize_lexically(&path);
            prop_assert_eq!(&normalized, &rebuild_normalized(&path));
            if is_normal(&path) {
                prop_assert_eq!(&normalized, &path);
            }

            let cwd_norm = normalize_lexically(&cwd);
            prop_assert_eq!(
                display_path(&path, &cwd_norm),
                display_by_components(&normalized, &cwd_norm)
            );
            prop_assert_eq!(kind_in_directory(&normalized), kind_by_components(&normalized));
            prop_assert_eq!(names_below(&path, &cwd), names_below_by_components(&path, &cwd));
        }
    }
}
