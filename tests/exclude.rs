//! `exclude` / `extend-exclude` in wffmt.toml, `--exclude`, `--force-exclude`, and a summary
//! that says what was left out or skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::run::{stderr, stdout, Wffmt};
use common::tree::temp_tree;

const DIRTY: &str =
    "on: push\npermissions: {}\njobs:\n    build:\n        runs-on: ubuntu-latest\n";

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    Wffmt::in_dir(dir).args(args).output()
}

fn tree() -> (tempfile::TempDir, PathBuf) {
    temp_tree(&[
        (".github/workflows/ci.yml", DIRTY),
        (".github/workflows/generated/build.yml", DIRTY),
        (
            "vendor/tool/action.yml",
            "name: t\nruns:\n    using: node20\n    main: x.js\n",
        ),
        (
            "node_modules/pkg/action.yml",
            "name: t\nruns:\n    using: node20\n    main: x.js\n",
        ),
    ])
}

#[test]
fn configuration_and_command_line_globs_leave_paths_out() {
    let (_d, root) = tree();
    // Defaults only: node_modules is left out, everything else is checked.
    let out = wffmt(&root, &["--check", "--skip", "pin"]);
    assert_eq!(out.status.code(), Some(1));
    let patch = stdout(&out);
    assert!(patch.contains("+++ b/vendor/tool/action.yml"));
    assert!(patch.contains("+++ b/.github/workflows/generated/build.yml"));
    assert!(!patch.contains("node_modules"), "{patch}");
    assert!(
        stderr(&out).ends_with("3 files would be changed, 1 excluded\n"),
        "{}",
        stderr(&out)
    );

    std::fs::write(
        root.join("wffmt.toml"),
        "extend-exclude = [\".github/workflows/generated/\"]\n",
    )
    .unwrap();
    let out = wffmt(&root, &["--check", "--skip", "pin", "--exclude", "vendor"]);
    let patch = stdout(&out);
    assert!(patch.contains("+++ b/.github/workflows/ci.yml"));
    assert!(!patch.contains("generated"), "{patch}");
    assert!(!patch.contains("vendor"), "{patch}");
    assert!(
        stderr(&out).ends_with("1 file would be changed, 3 excluded\n"),
        "{}",
        stderr(&out)
    );

    // `exclude` replaces the defaults.
    std::fs::write(root.join("wffmt.toml"), "exclude = [\"vendor/\"]\n").unwrap();
    let out = wffmt(&root, &["--check", "--skip", "pin"]);
    assert!(stdout(&out).contains("node_modules/pkg/action.yml"));
    assert!(!stdout(&out).contains("vendor/"));
}

/// A file named on the command line is processed unless `--force-exclude` (pre-commit passes
/// every staged file by name).
#[test]
fn named_files_need_force_exclude() {
    let (_d, root) = tree();
    std::fs::write(
        root.join("wffmt.toml"),
        "extend-exclude = [\"generated/\"]\n",
    )
    .unwrap();
    let named = ".github/workflows/generated/build.yml";
    let out = wffmt(&root, &["--check", "--skip", "pin", named]);
    assert_eq!(out.status.code(), Some(1));
    let out = wffmt(
        &root,
        &["--check", "--skip", "pin", "--force-exclude", named],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("1 excluded"), "{}", stderr(&out));
}

/// A broken configuration is one error, exit 2, and the summary says how many files it kept
/// from being checked.
#[test]
fn a_broken_configuration_says_how_many_files_were_skipped() {
    let (_d, root) = temp_tree(&[
        (".github/workflows/a.yml", DIRTY),
        (".github/workflows/b.yml", DIRTY),
        (".github/workflows/c.yml", DIRTY),
        ("wffmt.toml", "[layout]\nindnet = 4\n"),
    ]);
    let out = wffmt(&root, &["--check", "--skip", "pin"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert_eq!(text.matches("error[config]").count(), 1, "{text}");
    assert!(
        text.ends_with("3 files skipped (invalid configuration), 1 error\n"),
        "{text}"
    );
    let json = wffmt(&root, &["--check", "--skip", "pin", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["summary"]["skipped"], 3);
}

#[test]
fn bad_globs_are_errors_with_their_place() {
    let (_d, root) = temp_tree(&[
        (".github/workflows/a.yml", DIRTY),
        ("wffmt.toml", "extend-exclude = [\"ok\", \"\"]\n"),
    ]);
    let out = wffmt(&root, &["--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("wffmt.toml:1:18: error[config]: invalid configuration: exclude patterns are gitignore-style globs"),
        "{}",
        stderr(&out)
    );
    let (_d, root) = temp_tree(&[(".github/workflows/a.yml", DIRTY)]);
    let out = wffmt(&root, &["--check", "--exclude", "src/{a,b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--exclude takes gitignore-style globs"),
        "{}",
        stderr(&out)
    );
}
