//! Benchmark: time and peak memory of `wffmt --check --select layout` on generated worst cases
//! (it prints numbers; it is not a test).
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_resources
//! ```
//! Inputs, written to a temporary directory:
//! - workflows of 5 MB and 50 MB: many jobs with matrices (single- and multi-line flow
//!   collections), steps with `with:` maps, `run: |` scripts, comments, all indented by 4 so
//!   that every line is re-indented (the worst case: every line changes, and the multi-line
//!   flow collections are verified by reading both texts with yaml-rust2);
//! - the same 50 MB workflow already formatted (what `--check` meets in CI);
//! - `- - - … x` on one line with 50,000 and 200,000 dashes (nested block sequences).
//!
//! For each it prints wall time, MB/s and the peak resident memory of the `wffmt` process (as a
//! multiple of the input size). Set `WFFMT_BIN` to measure another binary.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let bin = std::env::var_os("WFFMT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/wffmt"));
    if !bin.is_file() {
        eprintln!(
            "no binary at {} (run `cargo build --release` first)",
            bin.display()
        );
        std::process::exit(2);
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Streamed to disk: a child started while this process held the texts would count them in
    // its own peak memory until it execs.
    let inputs: [(&str, Generator); 5] = [
        ("workflow, 5 MB", |w| workflow(w, 5_000_000, false)),
        ("workflow, 50 MB", |w| workflow(w, 50_000_000, false)),
        ("formatted, 50 MB", |w| workflow(w, 50_000_000, true)),
        ("50,000 dashes", |w| dashes(w, 50_000)),
        ("200,000 dashes", |w| dashes(w, 200_000)),
    ];
    let cases: Vec<(&str, PathBuf, usize, usize)> = inputs
        .into_iter()
        .enumerate()
        .map(|(i, (name, generate))| {
            let path = dir.path().join(format!("case{i}.yml"));
            let mut counter = Counter::new(std::fs::File::create(&path).expect("create input"));
            generate(&mut counter).expect("write the input");
            counter.inner.flush().expect("write the input");
            (name, path, counter.bytes, counter.lines)
        })
        .collect();
    println!(
        "{:<18} {:>10} {:>9} {:>9} {:>11} {:>8}",
        "input", "bytes", "lines", "time", "peak RSS", "x input"
    );
    for (name, path, bytes, lines) in &cases {
        let (secs, peak) = measure(&bin, path);
        println!(
            "{:<18} {:>10} {:>9} {:>7.2} s {:>8} MB {:>7.1}x   ({:.1} MB/s)",
            name,
            bytes,
            lines,
            secs,
            peak / 1_000_000,
            peak as f64 / *bytes as f64,
            *bytes as f64 / secs / 1e6
        );
    }
}

type Generator = fn(&mut dyn Write) -> std::io::Result<()>;

/// Wall time and peak resident set size (bytes) of one `--check --select layout` run.
fn measure(bin: &Path, file: &Path) -> (f64, u64) {
    let log = file.with_extension("stderr");
    let start = Instant::now();
    // Reaped below with wait4, which also reports the child's own resource usage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin)
        .args(["--check", "--select", "layout", "--color", "never"])
        .args(["--max-file-size", "1GB"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("create the log"))
        .spawn()
        .expect("start wffmt");
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers; `child` is not waited on again.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) > 1 {
        let err = std::fs::read_to_string(&log).unwrap_or_default();
        eprintln!("wffmt failed on {} ({status}): {err}", file.display());
    }
    // ru_maxrss is in kilobytes on Linux.
    (secs, usage.ru_maxrss as u64 * 1024)
}

/// Counts what passes through to a buffered file.
struct Counter {
    inner: BufWriter<std::fs::File>,
    bytes: usize,
    lines: usize,
}

impl Counter {
    fn new(file: std::fs::File) -> Counter {
        Counter {
            inner: BufWriter::new(file),
            bytes: 0,
            lines: 0,
        }
    }
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n;
        self.lines += buf[..n].iter().filter(|&&c| c == b'\n').count();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A workflow of about `size` bytes: indented by 4 spaces with multi-line flow collections, or
/// as wffmt (and prettier) format it.
fn workflow(out: &mut dyn Write, size: usize, formatted: bool) -> std::io::Result<()> {
    let head = "name: generated\non:\n    push:\n        branches: [ main ]\njobs:\n";
    let head = if formatted {
        head.replace("    ", "  ").replace("[ main ]", "[main]")
    } else {
        head.to_string()
    };
    out.write_all(head.as_bytes())?;
    let mut written = head.len();
    let mut job = String::new();
    let mut i = 0;
    while written < size {
        job.clear();
        let _ = write!(
            job,
            r#"    job-{i}:
        # job {i} builds and tests one target
        runs-on: ${{{{ matrix.os }}}}
        if: github.event_name == 'push' && contains(github.ref, 'refs/tags/')
        strategy:
            fail-fast: false
            matrix:
                os: [ ubuntu-latest, windows-latest,
                      macos-latest ]
                include:
                    - {{ target: x86_64-unknown-linux-gnu, os: ubuntu-latest }}
                    - {{ target: aarch64-apple-darwin,     os: macos-latest }}
        env:
            CARGO_TERM_COLOR: always   # colours in logs
            RUST_BACKTRACE: 1          # full traces
        steps:
            - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
              with:
                  fetch-depth: 0
            - name: Build {i}
              run: |
                  cargo build --release --target ${{{{ matrix.target }}}}
                  echo "built {i}" >> "$GITHUB_STEP_SUMMARY"

            - name: Test
              run: >-
                  cargo test --all-features
                  --target ${{{{ matrix.target }}}}
"#
        );
        if formatted {
            job = formatted_job(&job);
        }
        out.write_all(job.as_bytes())?;
        written += job.len();
        i += 1;
    }
    Ok(())
}

/// The job as `layout` formats it: 2 spaces per level, flow collections on one line.
fn formatted_job(job: &str) -> String {
    let mut out = String::with_capacity(job.len());
    for line in job.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim_start();
        // The continuation of the `os:` list joins its first line.
        if text.starts_with("macos-latest ]") {
            out.pop();
            out.push_str(" macos-latest]\n");
            continue;
        }
        let text = text.replace("[ ubuntu-latest,", "[ubuntu-latest,");
        let text = text.replace("darwin,     os", "darwin, os");
        // 4 spaces per level become 2; the 2 after a `- ` stay.
        out.push_str(&" ".repeat(indent / 4 * 2 + indent % 4));
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// `- - - … x`: `n` nested block sequences on one line.
fn dashes(out: &mut dyn Write, n: usize) -> std::io::Result<()> {
    for _ in 0..n {
        out.write_all(b"- ")?;
    }
    out.write_all(b"x\n")
}
