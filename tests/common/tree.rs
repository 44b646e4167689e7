//! Files for a test to run on, in temporary directories.

use std::path::{Path, PathBuf};

/// Writes `body` at `name` under `dir`, with the directories between; returns the path.
pub fn write_file(dir: &Path, name: &str, body: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    path
}

/// A temporary directory holding `files` (path, content), and its path. The directory is
/// removed when the first value is dropped.
pub fn temp_tree<B: AsRef<[u8]>>(files: &[(&str, B)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    for (name, body) in files {
        write_file(&root, name, body);
    }
    (dir, root)
}
