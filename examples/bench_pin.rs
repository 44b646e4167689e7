//! Benchmark of `pin` (prints numbers; not a test).
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_pin
//! ```
//! Builds 300 local bare repositories (`{base}/{owner}/{repo}`, tags `v1`, `v1.2.3`, branch
//! `main`) and a tree of 1,000 workflow files that use them, then runs
//! `wffmt --check --select pin -v` with `GITHUB_SERVER_URL=file://{base}`: once with a cold cache
//! and once with a warm one. Reports wall times and the number of ref listings made, which must
//! equal the number of distinct repositories.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const REPOS: usize = 300;
const FILES: usize = 1000;
const USES_PER_FILE: usize = 6;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn main() {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(|d| d.join("wffmt")))
        .filter(|p| p.exists())
        .expect("build the binary first: cargo build --release");
    let tmp = std::env::temp_dir().join(format!("wffmt-bench-pin-{}", std::process::id()));
    let base = tmp.join("server");
    let tree = tmp.join("tree");
    let t = Instant::now();
    for i in 0..REPOS {
        let owner = base.join(format!("org{}", i % 20));
        std::fs::create_dir_all(&owner).unwrap();
        let name = format!("action{i}");
        git(&owner, &["init", "-q", "--bare", &name]);
        let dir = owner.join(&name);
        let empty = git(&dir, &["mktree"]);
        let c = git(&dir, &["commit-tree", &empty, "-m", "init"]);
        git(&dir, &["update-ref", "refs/heads/main", &c]);
        git(&dir, &["update-ref", "refs/tags/v1", &c]);
        git(&dir, &["update-ref", "refs/tags/v1.2.3", &c]);
    }
    println!(
        "built {REPOS} bare repositories in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut seed: u64 = 42;
    for f in 0..FILES {
        let mut body =
            String::from("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n");
        for _ in 0..USES_PER_FILE {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (seed >> 33) as usize % REPOS;
            body.push_str(&format!("      - uses: org{}/action{i}@v1\n", i % 20));
        }
        let dir = tree.join(format!("repo{}/.github/workflows", f / 10));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("w{f}.yml")), body).unwrap();
    }
    let cache = tmp.join("cache");
    for label in ["cold cache", "warm cache"] {
        let t = Instant::now();
        let out = Command::new(&exe)
            .args(["--check", "--select", "pin", "-v"])
            .arg(&tree)
            .env("GITHUB_SERVER_URL", format!("file://{}", base.display()))
            .env("WFFMT_CACHE_DIR", &cache)
            .output()
            .expect("wffmt runs");
        let secs = t.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stats = stderr
            .lines()
            .find(|l| l.starts_with("pin:"))
            .unwrap_or("(no stats)");
        let changed = stderr.lines().last().unwrap_or("");
        println!("{label}: {secs:.2} s wall; {stats}; {changed}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
