//! Output control from the command line: which stream carries what, `--diff`, `--quiet`,
//! `--statistics`, `--exit-zero`, `--output-file` and `--format markdown`, with snapshots of
//! what a user sees.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::run::{stderr, stdout, Wffmt};
use common::tree::temp_tree;

/// Needs quoting and layout, and has a `uses:` whose ref `pin` leaves alone (a local action)
/// plus a permissions TODO for an unknown action.
const DIRTY: &str = "on:\n  push:\n    paths:\n      - **/README.md\njobs:\n    build:\n        runs-on: ubuntu-latest\n        steps:\n        - uses: my-org/unknown-action@0123456789abcdef0123456789abcdef01234567\n";
const CLEAN: &str = "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n";
/// Still broken after every fix: `quote-patterns` is skipped, so the alias stays.
const BROKEN: &str = "on:\n  push:\n    paths:\n      - **/README.md\n";

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    Wffmt::in_dir(dir)
        .own_cache()
        .no_server()
        .args(args)
        .output()
}

fn two_dirty_files() -> (tempfile::TempDir, PathBuf) {
    temp_tree(&[
        (".github/workflows/a.yml", DIRTY),
        (".github/workflows/b.yml", DIRTY),
        (".github/workflows/clean.yml", CLEAN),
    ])
}

/// Without a mode flag standard output is the patch alone, findings or not: `git apply` takes
/// it and reproduces what `--fix` writes.
#[test]
fn preview_prints_a_clean_patch_and_findings_on_stderr() {
    let (_d, root) = two_dirty_files();
    let out = wffmt(&root, &["--skip", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let patch = stdout(&out);
    assert!(patch.lines().all(|l| l.starts_with(['-', '+', ' ', '@'])));
    assert!(
        stderr(&out).contains("warning[permissions]"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!("preview_stderr", stderr(&out));

    let have_git = Command::new("git").arg("--version").output().is_ok();
    if !have_git {
        eprintln!("skipping the git apply half: git is not installed");
        return;
    }
    std::fs::write(root.join("fix.patch"), &patch).unwrap();
    let applied = Command::new("git")
        .args(["apply", "fix.patch"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", stderr(&applied));
    let again = wffmt(&root, &["--check", "--skip", "pin", "--quiet"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn diff_names_the_default_mode() {
    let (_d, root) = two_dirty_files();
    let default = wffmt(&root, &["--skip", "pin"]);
    let diff = wffmt(&root, &["--diff", "--skip", "pin"]);
    assert_eq!(diff.status.code(), Some(0));
    assert_eq!(stdout(&default), stdout(&diff));
    assert_eq!(stderr(&default), stderr(&diff));
    for other in ["--check", "--fix"] {
        let out = wffmt(&root, &["--diff", other]);
        assert_eq!(out.status.code(), Some(2), "--diff {other}");
        assert!(
            stderr(&out).contains("cannot be used with"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn quiet_prints_errors_only_and_keeps_the_exit_code() {
    let (_d, root) = two_dirty_files();
    let out = wffmt(&root, &["--check", "--quiet", "--skip", "pin"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");

    let (_d, root) = temp_tree(&[(".github/workflows/a.yml", DIRTY), ("broken.yml", BROKEN)]);
    let out = wffmt(
        &root,
        &[
            "--check",
            "-q",
            "--skip",
            "pin,quote-patterns",
            ".github",
            "broken.yml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    insta::assert_snapshot!("quiet_stderr", stderr(&out));
    let fixed = wffmt(&root, &["--fix", "-q", "--skip", "pin", ".github"]);
    assert_eq!(fixed.status.code(), Some(0));
    assert_eq!(format!("{}{}", stdout(&fixed), stderr(&fixed)), "");
    assert_ne!(
        std::fs::read_to_string(root.join(".github/workflows/a.yml")).unwrap(),
        DIRTY
    );
}

#[test]
fn statistics_count_per_rule_and_kind() {
    let (_d, root) = two_dirty_files();
    let out = wffmt(&root, &["--check", "--statistics", "--skip", "pin"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "statistics",
        format!("{}--- stderr\n{}", stdout(&out), stderr(&out))
    );
    let refused = wffmt(&root, &["--statistics", "--format", "github"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("--statistics"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn exit_zero_turns_changes_into_success_but_not_errors() {
    let (_d, root) = two_dirty_files();
    let out = wffmt(&root, &["--check", "--exit-zero", "--skip", "pin"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("+++ b/.github/workflows/a.yml"));
    let (_d, root) = temp_tree(&[("broken.yml", BROKEN)]);
    let out = wffmt(
        &root,
        &[
            "--check",
            "--exit-zero",
            "--skip",
            "quote-patterns",
            "broken.yml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_file_receives_the_report() {
    let (_d, root) = two_dirty_files();
    let out = wffmt(&root, &["--skip", "pin", "--output-file", "fix.patch"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    let preview = wffmt(&root, &["--skip", "pin"]);
    assert_eq!(
        std::fs::read_to_string(root.join("fix.patch")).unwrap(),
        stdout(&preview)
    );
    assert!(stderr(&out).contains("2 files would be changed"));

    let json = wffmt(
        &root,
        &[
            "--format",
            "json",
            "--skip",
            "pin",
            "--output-file",
            "report.json",
        ],
    );
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("report.json")).unwrap()).unwrap();
    assert_eq!(value["schema_version"], wffmt::report::json::SCHEMA_VERSION);
    assert_eq!(value["summary"]["changed"], 2);

    let bad = wffmt(
        &root,
        &["--skip", "pin", "--output-file", "no/such/dir/out.txt"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("cannot write --output-file no/such/dir/out.txt"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn markdown_summary_for_a_pull_request() {
    let (_d, root) = two_dirty_files();
    let out = wffmt(&root, &["--fix", "--format", "markdown", "--skip", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out).replace(env!("CARGO_PKG_VERSION"), "VERSION");
    insta::assert_snapshot!("markdown_fix", text);
}

/// `--color always` colours the diff on standard output and the findings on standard error;
/// with `--output-file` the report is never coloured.
#[test]
fn colours_per_stream() {
    let (_d, root) = two_dirty_files();
    let out = wffmt(&root, &["--skip", "pin", "--color", "always"]);
    assert!(stdout(&out).contains('\u{1b}'));
    assert!(stderr(&out).contains('\u{1b}'));
    let out = wffmt(
        &root,
        &[
            "--skip",
            "pin",
            "--color",
            "auto",
            "--output-file",
            "x.patch",
        ],
    );
    assert!(!std::fs::read_to_string(root.join("x.patch"))
        .unwrap()
        .contains('\u{1b}'));
    assert_eq!(out.status.code(), Some(0));
}

/// Workflow content quoted in a message cannot drive the terminal or the log viewer in any
/// format: ESC and BEL from a `uses:` are printed as `\e` and `\x07`, as in the text format.
#[test]
fn control_characters_from_a_workflow_are_visible_in_every_format() {
    let workflow = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: \"o/act@v1\\e[31mRED\\a\"\n";
    let (_d, root) = temp_tree(&[(".github/workflows/t.yml", workflow)]);
    for format in ["text", "github", "markdown", "json", "sarif"] {
        let out = wffmt(
            &root,
            &["--offline", "--skip", "permissions", "--format", format],
        );
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            !all.contains(['\u{1b}', '\u{7}']),
            "--format {format}: {all:?}"
        );
        if matches!(format, "text" | "github") {
            assert!(
                all.contains(r"cannot pin `o/act@v1\e[31mRED\x07`"),
                "{format}: {all}"
            );
        }
    }
}

/// The text summary line, the markdown title and footer and the JSON summary count the same
/// files and errors: a file that cannot be read and an invalid configuration are errors in
/// each, and the configuration file is not one of the files checked.
#[test]
fn every_format_counts_the_same_files_and_errors() {
    let (_d, root) = temp_tree(&[
        (".github/workflows/tab.yml", "on: push\njobs:\n\ta: 1\n"),
        (".github/workflows/flow.yml", "on: [push\n"),
        (".github/workflows/ok.yml", CLEAN),
        ("sub/wffmt.toml", "[layout]\nindnet = 1\n"),
        ("sub/.github/workflows/skipped.yml", CLEAN),
    ]);
    std::fs::write(root.join(".github/workflows/bin.yml"), b"on: \xff\n").unwrap();
    let run = |format: &str| wffmt(&root, &["--skip", "pin", "--format", format]);
    let json: serde_json::Value = serde_json::from_slice(&run("json").stdout).unwrap();
    let summary = &json["summary"];
    let number = |key: &str| summary[key].as_u64().unwrap();
    assert_eq!(
        (number("files"), number("failed"), number("config_errors")),
        (4, 1, 1),
        "{summary}"
    );
    assert_eq!(number("skipped"), 1);
    let (files, errors) = (number("files"), number("errors"));
    // Two syntax errors or more, the unreadable file and the configuration.
    assert!(errors >= 4, "{summary}");
    let text = stderr(&run("text"));
    let line = text.lines().last().unwrap_or_default();
    assert!(
        line.starts_with(&format!("{files} files checked,"))
            && line.contains(&format!(", {errors} errors")),
        "{line} / {summary}"
    );
    let markdown = stdout(&run("markdown"));
    assert!(
        markdown.starts_with(&format!(
            "## wffmt: nothing to change in {files} files ({errors} errors"
        )),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!(
            " · {files} files checked · 1 file skipped (invalid configuration)</sub>"
        )),
        "{markdown}"
    );
}
