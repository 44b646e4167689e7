//! Benchmark: prints throughput numbers (it is not a test).
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench [-- CORPUS_DIR]
//! ```
//! CORPUS_DIR defaults to `../shared/corpus`. It reports the parse + print throughput of the CST
//! on one core (MB/s), over every workflow file. Whole runs, against a baseline revision and
//! the peers, are timed by `python3 bench/compare.py`.

use std::path::{Path, PathBuf};
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
}
