//! Benchmark of `pin` (prints numbers; not a test).
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_pin
//! ```
//! Builds 300 local bare repositories (`{base}/{owner}/{repo}`) with releases arriving over time
//! (`v1.0.0` 100 days old, `v1.1.0` annotated and tagged 30 days ago, `v1.2.0` 3 days old, the
//! major tag `v1` on it) and a tree of 1,000 workflow files that use them, half pinned to
//! `v1.0.0` with a version comment, half by tag. Then runs, with
//! `GITHUB_SERVER_URL=file://{base}`, each with a cold and a warm cache:
//! - `wffmt --check --select pin` (pinning);
//! - `wffmt --check --select pin --update --min-age 7` (updating with a cooldown: every pin
//!   moves to `v1.1.0`, since `v1.2.0` is too young, and release dates are read with git).
//!
//! git is run through a wrapper that logs each call, so the counts printed are what really ran:
//! ref listings (one per repository), fetches (one per release commit never dated before) and
//! local `cat-file` reads; a warm run should run none.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const REPOS: usize = 300;
const FILES: usize = 1000;
const USES_PER_FILE: usize = 6;

fn git(dir: &Path, args: &[&str], date: Option<i64>) -> String {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(["-c", "init.defaultBranch=main", "-c", "tag.gpgSign=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com");
    if let Some(date) = date {
        let date = format!("@{date} +0000");
        cmd.env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
    }
    let out = cmd.output().expect("git runs");
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
    let real_git = which_git();
    let tmp = std::env::temp_dir().join(format!("wffmt-bench-pin-{}", std::process::id()));
    let base = tmp.join("server");
    let tree = tmp.join("tree");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = 86_400;
    let t = Instant::now();
    let mut first_release = Vec::new();
    for i in 0..REPOS {
        let owner = base.join(format!("org{}", i % 20));
        std::fs::create_dir_all(&owner).unwrap();
        let name = format!("action{i}");
        git(&owner, &["init", "-q", "--bare", &name], None);
        let dir = owner.join(&name);
        git(&dir, &["config", "uploadpack.allowFilter", "true"], None);
        let empty = git(&dir, &["mktree"], None);
        let c1 = git(
            &dir,
            &["commit-tree", &empty, "-m", "1"],
            Some(now - 100 * day),
        );
        let c2 = git(
            &dir,
            &["commit-tree", &empty, "-p", &c1, "-m", "2"],
            Some(now - 40 * day),
        );
        let c3 = git(
            &dir,
            &["commit-tree", &empty, "-p", &c2, "-m", "3"],
            Some(now - 3 * day),
        );
        git(&dir, &["update-ref", "refs/heads/main", &c3], None);
        git(&dir, &["update-ref", "refs/tags/v1.0.0", &c1], None);
        git(
            &dir,
            &["tag", "-a", "-m", "v1.1.0", "v1.1.0", &c2],
            Some(now - 30 * day),
        );
        git(&dir, &["update-ref", "refs/tags/v1.2.0", &c3], None);
        git(&dir, &["update-ref", "refs/tags/v1", &c3], None);
        first_release.push(c1);
    }
    println!(
        "built {REPOS} bare repositories in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut seed: u64 = 42;
    for f in 0..FILES {
        let mut body =
            String::from("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n");
        for k in 0..USES_PER_FILE {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (seed >> 33) as usize % REPOS;
            let owner = format!("org{}", i % 20);
            if k % 2 == 0 {
                body.push_str(&format!(
                    "      - uses: {owner}/action{i}@{} # v1.0.0\n",
                    first_release[i]
                ));
            } else {
                body.push_str(&format!("      - uses: {owner}/action{i}@v1\n"));
            }
        }
        let dir = tree.join(format!("repo{}/.github/workflows", f / 10));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("w{f}.yml")), body).unwrap();
    }
    // A `git` that logs its subcommand, first on PATH for wffmt only.
    let bin = tmp.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = tmp.join("git-calls.log");
    let wrapper = bin.join("git");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real_git
        ),
    )
    .unwrap();
    make_executable(&wrapper);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    for (label, args) in [
        ("pin", &["--check", "--select", "pin", "-v"][..]),
        (
            "--update --min-age 7",
            &[
                "--check",
                "--select",
                "pin",
                "--update",
                "--min-age",
                "7",
                "-v",
            ][..],
        ),
    ] {
        let cache = tmp.join(format!("cache-{}", label.len()));
        for warmth in ["cold", "warm"] {
            let _ = std::fs::remove_file(&log);
            let t = Instant::now();
            let out = Command::new(&exe)
                .args(args)
                .arg(&tree)
                .env("PATH", &path)
                .env("GITHUB_SERVER_URL", format!("file://{}", base.display()))
                .env("WFFMT_CACHE_DIR", &cache)
                .output()
                .expect("wffmt runs");
            let secs = t.elapsed().as_secs_f64();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let changed = stderr.lines().last().unwrap_or("");
            let mut calls: BTreeMap<String, usize> = BTreeMap::new();
            for line in std::fs::read_to_string(&log).unwrap_or_default().lines() {
                *calls.entry(line.to_string()).or_default() += 1;
            }
            let total: usize = calls.values().sum();
            let calls: Vec<String> = calls.iter().map(|(k, v)| format!("{k} {v}")).collect();
            println!(
                "{label}, {warmth} cache: {secs:.2} s wall; {total} git calls ({}); {changed}",
                if calls.is_empty() {
                    "none".to_string()
                } else {
                    calls.join(", ")
                }
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

fn which_git() -> String {
    let out = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .expect("sh runs");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!path.is_empty(), "git is needed");
    path
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}
