//! `wffmt --init` end to end: it writes the style the repository's files already use, never
//! overwrites a configuration, and the result makes `--check` quiet on those files.

mod common;

use std::path::Path;
use std::process::Output;

use common::run::Wffmt;

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    Wffmt::in_dir(dir).args(args).output()
}

const FOUR_INDENTLESS: &str = "on:\n    push:\n        branches:\n        - main\njobs:\n    build:\n        runs-on: ubuntu-latest\n        steps:\n        - run: make\n";
const TWO_INDENTED: &str =
    "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n";

#[test]
fn init_writes_the_style_most_files_use() {
    let repo = tempfile::tempdir().unwrap();
    let wf = repo.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("a.yml"), FOUR_INDENTLESS).unwrap();
    std::fs::write(wf.join("b.yml"), FOUR_INDENTLESS).unwrap();
    std::fs::write(wf.join("c.yml"), TWO_INDENTED).unwrap();

    let before = wffmt(repo.path(), &["--check", "--select", "layout"]);
    assert_eq!(before.status.code(), Some(1));

    let out = wffmt(repo.path(), &["--init"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "wrote wffmt.toml: indent = 4, sequence-indent = \"indentless\" (from 3 files)"
        ),
        "{stdout}"
    );
    let written = std::fs::read_to_string(repo.path().join("wffmt.toml")).unwrap();
    assert!(
        written.contains("indent = 4\nsequence-indent = \"indentless\"\n"),
        "{written}"
    );

    // Only the file in the other style changes now.
    let after = wffmt(repo.path(), &["--check", "--select", "layout"]);
    let diff = String::from_utf8_lossy(&after.stdout);
    assert_eq!(diff.matches("+++ ").count(), 1, "{diff}");
    assert!(diff.contains("+++ b/.github/workflows/c.yml"), "{diff}");

    // A second run refuses to overwrite it.
    let again = wffmt(repo.path(), &["--init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("wffmt.toml")).unwrap(),
        written
    );
}

#[test]
fn init_into_a_named_directory_and_without_files() {
    let top = tempfile::tempdir().unwrap();
    let wf = top.path().join("repo/.github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("a.yml"), TWO_INDENTED).unwrap();
    let out = wffmt(top.path(), &["--init", "repo"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(top.path().join("repo/wffmt.toml").exists());
    assert!(!top.path().join("wffmt.toml").exists());

    let empty = tempfile::tempdir().unwrap();
    let out = wffmt(empty.path(), &["--init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no workflow or action files"));
    assert!(!empty.path().join("wffmt.toml").exists());

    let out = wffmt(empty.path(), &["--init", "--check"]);
    assert_eq!(out.status.code(), Some(2), "--init is a mode of its own");
}
