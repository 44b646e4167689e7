//! Benchmark: prints throughput numbers (it is not a test).
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench [-- CORPUS_DIR]
//! ```
//! CORPUS_DIR defaults to `../shared/corpus`. It reports:
//! 1. parse + print throughput of the CST on one core (MB/s), over every workflow file;
//! 2. the whole `wffmt --check` pipeline over the corpus laid out as repositories
//!    (`<owner>__<repo>/<original path>`), wall time and MB/s with `-j 1` and with all cores.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let corpus = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let manifest = corpus.join("MANIFEST.tsv");
    let Ok(manifest_text) = std::fs::read_to_string(&manifest) else {
        eprintln!("no corpus at {} (pass CORPUS_DIR)", corpus.display());
        std::process::exit(2);
    };
    // (stored file, original repo, original path)
    let mut files: Vec<(PathBuf, String, String)> = Vec::new();
    for line in manifest_text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if line.starts_with('#') || cols.len() < 4 || cols[0] == "repo" {
            continue;
        }
        if !cols[3].starts_with("workflows/") {
            continue;
        }
        files.push((
            corpus.join(cols[3]),
            cols[0].to_string(),
            cols[2].to_string(),
        ));
    }
    let texts: Vec<String> = files
        .iter()
        .filter_map(|(p, _, _)| std::fs::read_to_string(p).ok())
        .collect();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!(
        "corpus: {} files, {:.2} MB",
        texts.len(),
        bytes as f64 / 1e6
    );

    // 1. parse + print, one core.
    let rounds = 20;
    let start = Instant::now();
    let mut check = 0usize;
    for _ in 0..rounds {
        for t in &texts {
            let tree = wffmt::syntax::parse(t);
            check += tree.print().len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(check, bytes * rounds);
    println!(
        "parse + print (1 core): {:.1} MB/s ({} rounds in {:.2} s)",
        (bytes * rounds) as f64 / 1e6 / secs,
        rounds,
        secs
    );

    // 2. The whole pipeline over a repository-shaped tree.
    let tree_dir = std::env::temp_dir().join(format!("wffmt-bench-{}", std::process::id()));
    for (stored, repo, original) in &files {
        let dest = tree_dir.join(repo.replace('/', "__")).join(original);
        if let Some(parent) = dest.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::copy(stored, &dest);
    }
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(|d| d.join("wffmt")))
        .filter(|p| p.exists());
    let Some(exe) = exe else {
        eprintln!("build the binary first: cargo build --release");
        std::process::exit(2);
    };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut timings = Vec::new();
    for (label, select) in [
        ("all default rules", None),
        ("layout,quote-patterns", Some("layout,quote-patterns")),
    ] {
        for jobs in [1, cores] {
            let best = (0..3)
                .map(|_| {
                    let mut cmd = Command::new(&exe);
                    cmd.arg("--check")
                        .arg("-j")
                        .arg(jobs.to_string())
                        .arg("--offline")
                        .arg(&tree_dir)
                        .stdout(Stdio::null())
                        .stderr(Stdio::null());
                    if let Some(s) = select {
                        cmd.arg("--select").arg(s);
                    }
                    let t = Instant::now();
                    let _ = cmd.status();
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::MAX, f64::min);
            println!(
                "wffmt --check ({label}) -j {jobs}: {:.3} s, {:.1} MB/s",
                best,
                bytes as f64 / 1e6 / best
            );
            timings.push((label, jobs, best));
        }
    }
    for label in ["all default rules", "layout,quote-patterns"] {
        let one = timings
            .iter()
            .find(|t| t.0 == label && t.1 == 1)
            .map(|t| t.2);
        let all = timings
            .iter()
            .find(|t| t.0 == label && t.1 == cores)
            .map(|t| t.2);
        if let (Some(one), Some(all)) = (one, all) {
            println!("speed-up ({label}) -j {cores} vs -j 1: {:.2}x", one / all);
        }
    }
    let _ = std::fs::remove_dir_all(&tree_dir);
}
