//! Suppression comments and `--unsafe-fixes` through the command line.

mod common;

use std::path::Path;
use std::process::Output;

use common::run::{self, Wffmt};
use common::tree::write_file;

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    Wffmt::in_dir(dir).own_cache().args(args).output()
}

const WF: &str = ".github/workflows/ci.yml";

#[test]
fn a_line_suppression_keeps_that_line_and_fixes_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let text = "on:\n  push:\n    paths: [!y] # wffmt: ignore[quote-patterns]\n    # wffmt: ignore[quote-patterns]\n    tags: [!v*]\n    branches: [!x]\npermissions: {}\njobs: {}\n";
    write_file(dir.path(), WF, text);
    let out = wffmt(dir.path(), &["--fix", "--select", "quote-patterns"]);
    assert_eq!(out.status.code(), Some(0), "{}", run::stderr(&out));
    let fixed = std::fs::read_to_string(dir.path().join(WF)).unwrap();
    assert_eq!(fixed, text.replace("[!x]", "['!x']"));
}

#[test]
fn a_file_suppression_silences_a_rule_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# wffmt: ignore-file[layout]\non: push\npermissions: {}\njobs:\n    a:\n        runs-on: x\n";
    write_file(dir.path(), WF, text);
    let out = wffmt(dir.path(), &["--check", "--select", "layout"]);
    assert_eq!(out.status.code(), Some(0), "{}", run::stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn unused_and_unknown_suppressions_are_reported_with_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let text = "on:\n  push:\n    paths: ['*.md'] # wffmt: ignore[quote-patterns]\n    tags: [v1] # wffmt: ignore[quote-pattern]\npermissions: {}\njobs: {}\n";
    write_file(dir.path(), WF, text);
    let out = wffmt(dir.path(), &["--check", "--select", "quote-patterns"]);
    // Findings are messages: standard error (standard output carries only diffs).
    let stdout = run::stderr(&out);
    assert!(
        stdout.contains(&format!(
            "{WF}:3:21: warning[suppression]: unused suppression: `quote-patterns` found nothing"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{WF}:4:16: warning[suppression]: unknown rule `quote-pattern` in a suppression comment"
        )),
        "{stdout}"
    );
    // Warnings do not fail --check.
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn unsafe_fixes_is_accepted_and_changes_nothing_safe() {
    let dir = tempfile::tempdir().unwrap();
    let text = "on:\n  push:\n    paths: [*.md]\npermissions: {}\njobs: {}\n";
    write_file(dir.path(), WF, text);
    let plain = wffmt(dir.path(), &["--select", "quote-patterns"]);
    let with_flag = wffmt(
        dir.path(),
        &["--select", "quote-patterns", "--unsafe-fixes"],
    );
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(plain.stdout, with_flag.stdout);
    assert!(!plain.stdout.is_empty());
}

/// A rule that met a syntax error skipped the file (or read part of it): its suppressions are
/// not reported unused, since they are needed once the file parses. A rule that ran after
/// another fixed the error read the whole file, and its stale suppression is reported.
#[test]
fn suppressions_of_a_rule_that_met_a_syntax_error_are_not_reported_unused() {
    let dir = tempfile::tempdir().unwrap();
    let text = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env:\n      X: *nope\n    steps:\n      - run: echo \"::set-output name=a::b\" # wffmt: ignore[deprecated-commands]\n      - run: echo hi # wffmt: ignore\n";
    write_file(dir.path(), WF, text);
    let out = wffmt(dir.path(), &["--offline", "--skip", "pin,permissions"]);
    let stderr = run::stderr(&out);
    assert!(stderr.contains("error[syntax]"), "{stderr}");
    assert!(!stderr.contains("suppression"), "{stderr}");

    // `quote-patterns` quotes the alias-like glob, so the rule after it reads a whole file.
    let text = "on:\n  push:\n    paths:\n      - **/x\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi # wffmt: ignore[deprecated-commands]\n";
    write_file(dir.path(), WF, text);
    let out = wffmt(
        dir.path(),
        &["--select", "quote-patterns,deprecated-commands"],
    );
    let stderr = run::stderr(&out);
    assert!(
        stderr.contains(&format!(
            "{WF}:10:22: warning[suppression]: unused suppression: `deprecated-commands` found nothing"
        )),
        "{stderr}"
    );
}

/// The top-level `permissions: {}` belongs to the `on:` line: suppressed there, it is left out
/// (the job still gets its own block) and the comment counts as used. A comment on the line
/// that merely follows `on:` (where the block would go) does not suppress it.
#[test]
fn the_top_level_permissions_block_is_suppressed_on_the_on_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "on: push # wffmt: ignore[permissions]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n";
    write_file(dir.path(), WF, text);
    let out = wffmt(dir.path(), &["--offline", "--select", "permissions"]);
    let (stdout, stderr) = (run::stdout(&out), run::stderr(&out));
    assert!(!stdout.contains("+permissions: {}"), "{stdout}");
    assert!(
        stdout.contains("+    permissions:\n+      contents: read\n"),
        "{stdout}"
    );
    assert!(!stderr.contains("suppression"), "{stderr}");

    let text = "on: push\nname: ci # wffmt: ignore[permissions]\njobs:\n  build:\n    runs-on: ubuntu-latest\n";
    write_file(dir.path(), WF, text);
    let out = wffmt(dir.path(), &["--offline", "--select", "permissions"]);
    let (stdout, stderr) = (run::stdout(&out), run::stderr(&out));
    assert!(stdout.contains("+permissions: {}"), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "{WF}:2:10: warning[suppression]: unused suppression"
        )),
        "{stderr}"
    );
}
