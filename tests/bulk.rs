//! The bulk-migration recipe: `bulk/wffmt-repo.sh` run the way multi-gitter runs it (at the root
//! of each clone, REPOSITORY set; a pull request when it exits 0 and files changed), its reports
//! summed with `bulk/aggregate.jq`, and the Actions workflow `bulk/migrate.yml`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::run::{printed, Wffmt};

const DIRTY: &str = "on: push\npermissions: {}\njobs:\n    build:\n        runs-on: ubuntu-latest\n        steps:\n        -   run: make\n";
const CLEAN: &str = "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n";
const BROKEN: &str = "on: [push\njobs:\n    build:\n        runs-on: ubuntu-latest\n";

fn have(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok();
    if !found {
        eprintln!("skipping: {program} is not installed");
    }
    found
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A repository with one workflow, committed.
fn repository(root: &Path, name: &str, workflow: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
    std::fs::write(dir.join(".github/workflows/ci.yml"), workflow).unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "init"]);
    dir
}

/// Runs the script in `repo` as multi-gitter does; returns the exit code and whether a pull
/// request would be opened (exit 0 and files changed).
fn run_script(repo: &Path, name: &str, out: &Path) -> (i32, bool) {
    let script = common::project_dir().join("bulk/wffmt-repo.sh");
    let status = Command::new("bash")
        .arg(&script)
        .current_dir(repo)
        .env("WFFMT", env!("CARGO_BIN_EXE_wffmt"))
        .env("WFFMT_ARGS", "--skip pin")
        .env("WFFMT_OUT", out)
        .env("REPOSITORY", name)
        .env("NO_COLOR", "1")
        .status()
        .unwrap();
    let code = status.code().unwrap();
    let changed = !git(repo, &["status", "--porcelain"]).stdout.is_empty();
    (code, code == 0 && changed)
}

#[test]
fn the_per_repository_script_fixes_reports_and_decides_by_exit_code() {
    if !have("git") || !have("bash") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let org = dir.path().join("clones");
    let out = dir.path().join("reports");
    let dirty = repository(&org, "dirty", DIRTY);
    let clean = repository(&org, "clean", CLEAN);
    let broken = repository(&org, "broken", BROKEN);

    assert_eq!(run_script(&dirty, "my-org/dirty", &out), (0, true));
    let body = std::fs::read_to_string(out.join("my-org/dirty.md")).unwrap();
    assert!(body.starts_with("## wffmt: 1 file changed\n"), "{body}");
    assert!(body.contains("| `layout` | 1 | 1 |"), "{body}");

    assert_eq!(run_script(&clean, "my-org/clean", &out), (0, false));
    assert!(!out.join("my-org/clean.md").exists());

    // A file wffmt cannot process: no fix, no pull request, the report says why.
    assert_eq!(run_script(&broken, "my-org/broken", &out), (2, false));
    assert_eq!(
        std::fs::read_to_string(broken.join(".github/workflows/ci.yml")).unwrap(),
        BROKEN
    );
    for name in ["dirty", "clean", "broken"] {
        let report: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("my-org/{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            report["schema_version"],
            wffmt::report::json::SCHEMA_VERSION,
            "{name}"
        );
    }

    // A repository name that would escape the report directory is refused.
    let (code, _) = run_script(&clean, "../escape", &out);
    assert_eq!(code, 2);

    if !have("jq") {
        return;
    }
    let reports: Vec<PathBuf> = ["dirty", "clean", "broken"]
        .iter()
        .map(|n| out.join(format!("my-org/{n}.json")))
        .collect();
    let totals = Command::new("jq")
        .arg("-s")
        .arg("-f")
        .arg(common::project_dir().join("bulk/aggregate.jq"))
        .args(&reports)
        .output()
        .unwrap();
    assert!(
        totals.status.success(),
        "{}",
        String::from_utf8_lossy(&totals.stderr)
    );
    let totals: serde_json::Value = serde_json::from_slice(&totals.stdout).unwrap();
    assert_eq!(totals["runs"], 3);
    let parts: Vec<serde_json::Value> = reports
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    for key in ["files", "changed", "failed", "errors", "warnings"] {
        let sum: u64 = parts
            .iter()
            .map(|p| p["summary"][key].as_u64().unwrap())
            .sum();
        assert_eq!(totals["summary"][key].as_u64(), Some(sum), "{key}");
    }
    assert_eq!(totals["summary"]["changed"], 1);
    // The broken repository's syntax error.
    assert!(totals["summary"]["errors"].as_u64().unwrap() >= 1);
    let layout = totals["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule"] == "layout" && s["kind"] == "fix")
        .unwrap();
    assert_eq!(layout["count"], 1);
}

/// The Actions recipe runs the tested script, sums with the tested jq program, pins its
/// actions, keeps expressions out of scripts, and is a workflow wffmt leaves as it is.
#[test]
fn the_actions_matrix_workflow() {
    let path = common::project_dir().join("bulk/migrate.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("bulk/wffmt-repo.sh"));
    assert!(text.contains("bulk/aggregate.jq"));
    assert!(text.contains("--body-file \"$WFFMT_OUT/$REPOSITORY.md\""));
    let workflow = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    for (_, job) in workflow["jobs"].as_hash().unwrap() {
        for step in job["steps"].as_vec().unwrap() {
            if let Some(run) = step["run"].as_str() {
                assert!(!run.contains("${{"), "expression in run: {run}");
            }
            if let Some(uses) = step["uses"].as_str() {
                let sha = uses.rsplit('@').next().unwrap();
                assert_eq!(sha.len(), 40, "{uses} is not pinned");
            }
        }
    }
    let out = Wffmt::new()
        .args([
            "--check",
            "--skip",
            "pin",
            "--stdin-filename",
            ".github/workflows/migrate.yml",
            "-",
        ])
        .stdin(std::fs::File::open(&path).unwrap())
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
}
