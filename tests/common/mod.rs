//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod git;
pub mod readers;
pub mod run;
pub mod tree;

use std::path::{Path, PathBuf};

/// `../shared` beside the project, when present (CI has it). Tests that need it skip with a
/// printed reason when it is absent.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared is not present beside the project");
        None
    }
}

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` whose name ends with one of `exts`, sorted.
pub fn files_under(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if exts.iter().any(|x| p.to_string_lossy().ends_with(x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The shared corpus of real workflow files.
pub fn shared_workflows() -> Vec<PathBuf> {
    shared_dir()
        .map(|d| files_under(&d.join("corpus/workflows"), &[".yml", ".yaml"]))
        .unwrap_or_default()
}

/// The `in.yaml` of every yaml-test-suite case.
pub fn yaml_test_suite() -> Vec<PathBuf> {
    shared_dir()
        .map(|d| files_under(&d.join("corpus/yaml-test-suite"), &["in.yaml"]))
        .unwrap_or_default()
}

/// Our own example files.
pub fn own_corpus() -> Vec<PathBuf> {
    files_under(&project_dir().join("corpus"), &[".yml", ".yaml"])
}

pub fn to_crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

pub fn with_bom(text: &str) -> String {
    format!("\u{feff}{}", text.trim_start_matches('\u{feff}'))
}
