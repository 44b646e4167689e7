//! The progress line: shown on a terminal while the network takes more than a second, never
//! with `--quiet`, never when standard error is not a terminal. A `git` that takes two seconds
//! per call stands in for a slow network; `script` (util-linux) gives wffmt a terminal.

use std::path::Path;
use std::process::Command;

const WORKFLOW: &str =
    "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: o/r@v1\n";

fn slow_git(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let git = bin.join("git");
    std::fs::write(&git, "#!/bin/sh\nsleep 2\nexec /usr/bin/git \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&git, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Runs wffmt with `args` in `dir` under a terminal; returns everything the terminal showed.
fn on_a_terminal(dir: &Path, path: &str, args: &str) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_wffmt"));
    let out = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .current_dir(dir)
        .env("PATH", path)
        .env(
            "GITHUB_SERVER_URL",
            format!("file://{}/server", dir.display()),
        )
        .env("WFFMT_CACHE_DIR", dir.join("cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_progress_line_while_the_network_is_slow() {
    let have = |p: &str| Command::new(p).arg("--version").output().is_ok();
    if !have("script") || !Path::new("/usr/bin/git").exists() {
        eprintln!("skipping: needs script (util-linux) and /usr/bin/git");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    std::fs::write(dir.path().join(".github/workflows/ci.yml"), WORKFLOW).unwrap();
    let path = slow_git(dir.path());

    let shown = on_a_terminal(dir.path(), &path, "--check --select pin");
    assert!(shown.contains("wffmt: listing refs"), "{shown}");

    let quiet = on_a_terminal(dir.path(), &path, "--check --select pin --quiet");
    assert!(!quiet.contains("listing refs"), "{quiet}");

    // Not a terminal: nothing.
    let piped = Command::new(env!("CARGO_BIN_EXE_wffmt"))
        .args(["--check", "--select", "pin"])
        .current_dir(dir.path())
        .env("PATH", &path)
        .env(
            "GITHUB_SERVER_URL",
            format!("file://{}/server", dir.path().display()),
        )
        .env("WFFMT_CACHE_DIR", dir.path().join("cache2"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("listing refs"));
}
