//! One file reached under two names (a symbolic link to another workflow, a named file that a
//! walk also finds under another spelling) is processed once, under its first name: two writes
//! to one file would race and two diffs would not apply.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::lexical::names_below;
use super::Discovered;

/// `files` (sorted, as discovered) without those that are a file met before under another
/// name, and the canonical path of each file kept (`None` where it cannot be resolved).
/// `given` are the paths named on the command line, relative to `cwd`.
pub fn first_names(
    files: Vec<Discovered>,
    given: &[PathBuf],
    cwd: &Path,
) -> (Vec<Discovered>, Vec<Option<PathBuf>>) {
    let canonical = canonical_paths(&files, given, cwd);
    let keep: Vec<bool> = {
        let mut seen = foldhash::HashSet::with_capacity_and_hasher(files.len(), Default::default());
        files
            .iter()
            .zip(&canonical)
            .map(|(f, c)| seen.insert(c.as_deref().unwrap_or(&f.path)))
            .collect()
    };
    files
        .into_iter()
        .zip(canonical)
        .zip(keep)
        .filter_map(|(pair, keep)| keep.then_some(pair))
        .unzip()
}

/// The canonical path of each file (`None` where it cannot be resolved). A file found in a
/// walk that is not itself a symbolic link is its walk root's canonical path plus the names
/// below the root, because walks do not follow links to directories: no system call instead
/// of resolving every component of every path again.
fn canonical_paths(files: &[Discovered], given: &[PathBuf], cwd: &Path) -> Vec<Option<PathBuf>> {
    let roots: Vec<(PathBuf, PathBuf)> = given
        .iter()
        .map(|g| cwd.join(g))
        .filter(|root| root.is_dir())
        .filter_map(|root| Some((std::fs::canonicalize(&root).ok()?, root)))
        .collect();
    files
        .par_iter()
        .map(|f| {
            let below_root = (!f.explicit && !f.symlink)
                .then(|| {
                    roots.iter().find_map(|(canonical, root)| {
                        names_below(&f.path, root).map(|rest| canonical.join(rest))
                    })
                })
                .flatten();
            below_root.or_else(|| std::fs::canonicalize(&f.path).ok())
        })
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::discover::discover;
    use std::fs;

    /// A link to another workflow and a file named under another spelling are dropped; the
    /// canonical paths worked out from the walk's root are what the system says.
    #[test]
    fn each_file_once_under_its_first_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".github/workflows")).unwrap();
        fs::write(root.join(".github/workflows/a.yml"), "on: push\n").unwrap();
        fs::write(root.join(".github/workflows/c.yml"), "on: push\n").unwrap();
        std::os::unix::fs::symlink("a.yml", root.join(".github/workflows/b.yml")).unwrap();
        std::os::unix::fs::symlink(".github", root.join("gh")).unwrap();
        let given = [
            PathBuf::from("."),
            PathBuf::from("gh/workflows/c.yml"),
            PathBuf::from(".github/../.github/workflows"),
        ];
        let (found, errors) = discover(&given, root);
        assert!(errors.is_empty(), "{errors:?}");
        let (kept, canonical) = first_names(found, &given, root);
        let names: Vec<&str> = kept.iter().map(|f| f.display.as_str()).collect();
        assert_eq!(
            names,
            [".github/workflows/a.yml", ".github/workflows/c.yml"]
        );
        for (file, canonical) in kept.iter().zip(&canonical) {
            assert_eq!(
                canonical.as_ref(),
                Some(&fs::canonicalize(&file.path).unwrap())
            );
        }
    }
}
