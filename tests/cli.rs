//! End-to-end tests of the command line: modes, exit codes, stdin, bad files, diffs that
//! `git apply` accepts.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::run::{stderr, stdout, Wffmt};
use common::tree::temp_tree;

const DIRTY: &str = "on:\n  push:\n    paths:\n      - **/README.md\njobs:\n    build:\n        runs-on: ubuntu-latest\n";
const CLEAN: &str = "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n";

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    Wffmt::in_dir(dir).own_cache().args(args).output()
}

fn wffmt_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    Wffmt::in_dir(dir).args(args).output_with_input(input)
}

/// Contents as bytes: some files are not UTF-8.
fn repo(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    temp_tree(files)
}

#[test]
fn check_on_a_clean_tree_exits_0() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", CLEAN.as_bytes())]);
    let out = wffmt(&root, &["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn check_on_a_dirty_tree_exits_1_and_writes_nothing() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    let out = wffmt(&root, &["--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("+      - '**/README.md'"));
    assert_eq!(
        std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap(),
        DIRTY
    );
}

#[test]
fn preview_mode_exits_0_with_a_diff() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    let out = wffmt(&root, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out)
        .starts_with("--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n"));
}

#[test]
fn fix_rewrites_and_is_idempotent() {
    let (_d, root) = repo(&[
        (".github/workflows/ci.yml", DIRTY.as_bytes()),
        (".github/workflows/ok.yml", CLEAN.as_bytes()),
    ]);
    let ok_path = root.join(".github/workflows/ok.yml");
    let before = std::fs::metadata(&ok_path).unwrap().modified().unwrap();
    let out = wffmt(&root, &["--fix"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("fixed .github/workflows/ci.yml"));
    let fixed = std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    assert_eq!(
        fixed,
        "on:\n  push:\n    paths:\n      - '**/README.md'\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
    );
    // A file that did not change is not touched.
    assert_eq!(
        std::fs::metadata(&ok_path).unwrap().modified().unwrap(),
        before
    );
    let again = wffmt(&root, &["--check"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

#[test]
fn fix_keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    let p = root.join(".github/workflows/ci.yml");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = wffmt(&root, &["--fix"]);
    assert_eq!(out.status.code(), Some(0));
    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn printed_diff_applies_with_git_and_matches_fix() {
    let no_newline = "on: push\njobs:\n    build:\n        runs-on: x";
    let crlf = "on: push\r\njobs:\r\n    b:\r\n        runs-on: x\r\n";
    let (_d, root) = repo(&[
        (".github/workflows/a.yml", DIRTY.as_bytes()),
        (".github/workflows/b.yml", no_newline.as_bytes()),
        (".github/workflows/c.yml", crlf.as_bytes()),
    ]);
    let diff = wffmt(&root, &[]);
    assert_eq!(diff.status.code(), Some(0));
    // A copy of the tree gets the patch; the original gets --fix.
    let copy = tempfile::tempdir().unwrap();
    for name in ["a.yml", "b.yml", "c.yml"] {
        let rel = format!(".github/workflows/{name}");
        std::fs::create_dir_all(copy.path().join(".github/workflows")).unwrap();
        std::fs::copy(root.join(&rel), copy.path().join(&rel)).unwrap();
    }
    let patch = copy.path().join("fix.patch");
    std::fs::write(&patch, &diff.stdout).unwrap();
    let applied = Command::new("git")
        .args(["apply", "--whitespace=nowarn", "fix.patch"])
        .current_dir(copy.path())
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert_eq!(wffmt(&root, &["--fix"]).status.code(), Some(0));
    for name in ["a.yml", "b.yml", "c.yml"] {
        let rel = format!(".github/workflows/{name}");
        assert_eq!(
            std::fs::read(root.join(&rel)).unwrap(),
            std::fs::read(copy.path().join(&rel)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn stdin_fix_prints_the_document_and_check_prints_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let out = wffmt_stdin(dir.path(), &["--fix", "-"], DIRTY.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("- '**/README.md'"));
    let out = wffmt_stdin(
        dir.path(),
        &["--check", "--stdin-filename", "w.yml", "-"],
        DIRTY.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("--- a/w.yml\n+++ b/w.yml\n"));
}

#[test]
fn bad_files_are_reported_and_others_still_processed() {
    let (_d, root) = repo(&[
        (".github/workflows/bin.yml", b"on: push\0\x01\x02"),
        (".github/workflows/latin1.yml", b"name: caf\xe9\non: push\n"),
        (".github/workflows/ci.yml", DIRTY.as_bytes()),
    ]);
    let out = wffmt(&root, &["--fix"]);
    assert_eq!(out.status.code(), Some(2));
    let all = stdout(&out) + &stderr(&out);
    assert!(all.contains(".github/workflows/bin.yml:1:9"), "{all}");
    assert!(all.contains("binary"), "{all}");
    assert!(all.contains(".github/workflows/latin1.yml:1:10"), "{all}");
    assert!(all.contains("UTF-8"), "{all}");
    // The good file was still fixed; the bad ones were left alone.
    assert!(
        std::fs::read_to_string(root.join(".github/workflows/ci.yml"))
            .unwrap()
            .contains("'**/README.md'")
    );
    assert_eq!(
        std::fs::read(root.join(".github/workflows/latin1.yml")).unwrap(),
        b"name: caf\xe9\non: push\n"
    );
}

#[test]
fn unreadable_file_is_an_error() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    // A symlink to nothing cannot be read.
    std::os::unix::fs::symlink(
        root.join("nowhere.yml"),
        root.join(".github/workflows/dangling.yml"),
    )
    .unwrap();
    let out = wffmt(
        &root,
        &[
            "--fix",
            ".github/workflows/dangling.yml",
            ".github/workflows/ci.yml",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!((stdout(&out) + &stderr(&out)).contains("dangling.yml"));
    // The other file was still processed.
    assert!(
        std::fs::read_to_string(root.join(".github/workflows/ci.yml"))
            .unwrap()
            .contains("'**/README.md'")
    );
    let missing = wffmt(&root, &["--check", "does-not-exist.yml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!((stdout(&missing) + &stderr(&missing)).contains("does-not-exist.yml"));
}

#[test]
fn unknown_rule_and_bad_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = wffmt(dir.path(), &["--select", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown rule `nope`"));
    let out = wffmt(dir.path(), &["--check", "--fix"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn contradictory_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (vec!["--select", ""], "at least one rule"),
        (
            vec!["--select", "layout", "--skip", "layout"],
            "no rule left",
        ),
        (
            vec!["--verify-pins", "--skip", "pin"],
            "needs the `pin` rule",
        ),
        (vec!["--stdin-filename", "x.yml", "."], "standard input"),
    ] {
        let out = wffmt(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_symlinked_workflow_is_processed_once() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    std::os::unix::fs::symlink("ci.yml", root.join(".github/workflows/link.yml")).unwrap();
    let out = wffmt(&root, &[]);
    assert_eq!(
        stdout(&out).matches("--- a/").count(),
        1,
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_tree_named_twice_through_a_linked_directory_is_processed_once() {
    let (_d, root) = repo(&[
        ("real/.github/workflows/ci.yml", DIRTY.as_bytes()),
        ("real/.github/workflows/other.yml", DIRTY.as_bytes()),
    ]);
    std::os::unix::fs::symlink("real", root.join("alias")).unwrap();
    std::os::unix::fs::symlink("ci.yml", root.join("real/.github/workflows/link.yml")).unwrap();
    for args in [
        &["real", "alias"][..],
        &["alias", "real/.github/workflows/ci.yml", "real"],
    ] {
        let out = wffmt(&root, args);
        assert_eq!(
            stdout(&out).matches("--- a/").count(),
            2,
            "{args:?}: {}",
            stdout(&out)
        );
    }
}

#[test]
fn a_configuration_error_is_reported_once_at_its_place() {
    let (_d, root) = repo(&[
        (".github/workflows/a.yml", CLEAN.as_bytes()),
        (".github/workflows/b.yml", CLEAN.as_bytes()),
        ("wffmt.toml", b"[layout]\nindnet = 4\n"),
    ]);
    let out = wffmt(&root, &["--check"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert_eq!(text.matches("error[config]").count(), 1, "{text}");
    assert!(text.contains("wffmt.toml:2:1"), "{text}");
}

#[test]
fn select_and_skip_choose_rules() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    let only_quotes = wffmt(&root, &["--select", "quote-patterns"]);
    let text = stdout(&only_quotes);
    assert!(text.contains("'**/README.md'"));
    assert!(!text.contains("+  build:"), "{text}");
    let no_quotes = wffmt(&root, &["--skip", "quote-patterns", "--check"]);
    // Without quote-patterns the alias stays an error: exit 2 with the position.
    assert_eq!(no_quotes.status.code(), Some(2));
    assert!(
        stderr(&no_quotes).contains("ci.yml:4:9"),
        "{}",
        stderr(&no_quotes)
    );
}

#[test]
fn output_is_sorted_whatever_the_thread_count() {
    let names: Vec<String> = (0..30)
        .map(|i| format!(".github/workflows/w{i:02}.yml"))
        .collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), DIRTY.as_bytes()))
        .collect();
    let (_d, root) = repo(&files);
    let one = wffmt(&root, &["-j", "1"]);
    let many = wffmt(&root, &["-j", "8"]);
    assert_eq!(stdout(&one), stdout(&many));
    let text = stdout(&one);
    let paths: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("--- a/"))
        .map(|l| &l[6..])
        .collect::<Vec<_>>();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), 30);
}

#[test]
fn json_and_github_formats() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    let json = wffmt(&root, &["--check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    assert_eq!(v["files"][0]["path"], ".github/workflows/ci.yml");
    assert_eq!(v["files"][0]["changed"], true);
    let gh = wffmt(&root, &["--check", "--format", "github"]);
    assert!(stdout(&gh).contains("file=.github/workflows/ci.yml"));
}

#[test]
fn discovery_honours_gitignore_and_finds_actions() {
    let (_d, root) = repo(&[
        (".gitignore", b"ignored/\n"),
        ("ignored/.github/workflows/x.yml", DIRTY.as_bytes()),
        (
            "sub/action.yml",
            b"name: a\nruns:\n    using: composite\n    steps: []\n",
        ),
        ("docs/not-a-workflow.yml", DIRTY.as_bytes()),
    ]);
    Command::new("git")
        .args(["init", "-q"])
        .current_dir(&root)
        .output()
        .unwrap();
    let out = wffmt(&root, &[]);
    let text = stdout(&out);
    assert!(text.contains("--- a/sub/action.yml"), "{text}");
    assert!(!text.contains("ignored/"), "{text}");
    assert!(!text.contains("not-a-workflow"), "{text}");
}

#[test]
fn sarif_and_color_outputs() {
    let (_d, root) = repo(&[(".github/workflows/ci.yml", DIRTY.as_bytes())]);
    let sarif = wffmt(&root, &["--check", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    let colored = Command::new(env!("CARGO_BIN_EXE_wffmt"))
        .args(["--color", "always"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(stdout(&colored).contains("\u{1b}["), "no ANSI colour codes");
    // NO_COLOR (set by `wffmt`) turns `auto` off.
    assert!(!stdout(&wffmt(&root, &["--color", "auto"])).contains("\u{1b}["));
}

#[test]
fn config_flag_and_config_errors() {
    let (_d, root) = repo(&[
        (".github/workflows/ci.yml", DIRTY.as_bytes()),
        ("four.toml", b"[layout]\nindent = 4\n"),
        ("bad.toml", b"[layout]\nindnet = 4\n"),
    ]);
    let out = wffmt(
        &root,
        &["--config", "four.toml", "--select", "quote-patterns,layout"],
    );
    assert!(stdout(&out).contains("+    push:"), "{}", stdout(&out));
    let bad = wffmt(&root, &["--config", "bad.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("bad.toml:2:1"), "{}", stderr(&bad));
    // A wffmt.toml found beside the files applies without --config.
    std::fs::write(root.join("wffmt.toml"), "[layout]\nindent = 4\n").unwrap();
    let found = wffmt(&root, &["--select", "quote-patterns,layout"]);
    assert!(stdout(&found).contains("+    push:"), "{}", stdout(&found));
}
