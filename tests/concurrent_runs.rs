//! `--fix` against the world changing under it: a file edited while wffmt runs keeps the edit,
//! and an interrupted run leaves no temporary file (or, after SIGKILL, one that the next run
//! removes). The real binary runs; it is stopped at the exact point before its rename through
//! the `WFFMT_TEST_PAUSE_BEFORE_RENAME` hook (two named pipes, see `src/write.rs`), so nothing
//! depends on timing.
#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::run::Wffmt;

const DIRTY: &str = "on:\n  push:\n    paths:\n      - **/README.md\n";
const FIXED: &str = "on:\n  push:\n    paths:\n      - '**/README.md'\n";

struct Paused {
    child: Child,
    hook: tempfile::TempDir,
}

/// A repository with one dirty workflow, and wffmt --fix started on it and paused before its
/// rename (the temporary file is complete at that point).
fn start_paused(root: &Path) -> Paused {
    let hook = tempfile::tempdir().unwrap();
    for pipe in ["paused", "resume"] {
        let status = Command::new("mkfifo")
            .arg(hook.path().join(pipe))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let child = Wffmt::in_dir(root)
        .no_user_config()
        .env("WFFMT_TEST_PAUSE_BEFORE_RENAME", hook.path())
        .args(["--fix", "--select", "quote-patterns", "."])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut paused = Paused { child, hook };
    let line = paused.wait_for_pause();
    assert!(line.trim_end().ends_with("ci.yml"), "{line:?}");
    paused
}

impl Paused {
    /// The line wffmt writes to `paused` when it reaches the hook. A wffmt that exits without
    /// reaching it fails the test instead of hanging it.
    fn wait_for_pause(&mut self) -> String {
        let pipe = self.hook.path().join("paused");
        let (tx, rx) = std::sync::mpsc::channel();
        let reader_pipe = pipe.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::fs::File::open(reader_pipe).and_then(|mut f| f.read_to_string(&mut line));
            let _ = tx.send(line);
        });
        loop {
            match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok(line) => return line,
                Err(_) => {
                    if let Some(status) = self.child.try_wait().unwrap() {
                        // Let the reader thread finish: open the pipe's other end.
                        let _ = std::fs::File::options().write(true).open(&pipe);
                        panic!("wffmt ended ({status}) without pausing before a rename");
                    }
                }
            }
        }
    }

    fn resume(&self) {
        let mut resume = std::fs::File::options()
            .write(true)
            .open(self.hook.path().join("resume"))
            .unwrap();
        writeln!(resume, "go").unwrap();
    }

    fn signal(&self, signal: i32) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }
}

fn workflows_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("ci.yml"), DIRTY).unwrap();
    (dir, wf)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_edit_made_during_the_run_is_kept_and_reported() {
    let (dir, wf) = workflows_dir();
    let paused = start_paused(dir.path());
    let edited = format!("{DIRTY}      - docs/**   # added while wffmt ran\n");
    std::fs::write(wf.join("ci.yml"), &edited).unwrap();
    paused.resume();
    let out = paused.child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(wf.join("ci.yml")).unwrap(), edited);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stderr.contains(".github/workflows/ci.yml:1:1: error[io]: the file changed on disk while wffmt was running; it was left as it is"),
        "{stderr}"
    );
    assert!(!stdout.contains("fixed .github"), "{stdout}");
    assert_eq!(entries(&wf), ["ci.yml"]);
}

#[test]
fn without_an_edit_the_paused_run_writes() {
    let (dir, wf) = workflows_dir();
    let paused = start_paused(dir.path());
    paused.resume();
    let out = paused.child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(wf.join("ci.yml")).unwrap(), FIXED);
    assert_eq!(entries(&wf), ["ci.yml"]);
}

#[test]
fn sigint_sigterm_and_sighup_leave_no_temporary_file() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let (dir, wf) = workflows_dir();
        let paused = start_paused(dir.path());
        // The complete temporary file exists now.
        assert_eq!(entries(&wf).len(), 2, "{:?}", entries(&wf));
        paused.signal(signal);
        let out = paused.child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), Some(signal), "{}", text(&out.stderr));
        assert_eq!(entries(&wf), ["ci.yml"], "signal {signal}");
        assert_eq!(std::fs::read_to_string(wf.join("ci.yml")).unwrap(), DIRTY);
        assert!(
            text(&out.stderr).contains("wffmt: interrupted (SIG"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn after_sigkill_the_next_fix_removes_the_leftover_and_nothing_else() {
    let (dir, wf) = workflows_dir();
    let mut paused = start_paused(dir.path());
    paused.signal(libc::SIGKILL);
    paused.child.wait().unwrap();
    let leftover: Vec<String> = entries(&wf).into_iter().filter(|n| n != "ci.yml").collect();
    assert_eq!(leftover.len(), 1);
    let leftover = &leftover[0];
    assert!(
        leftover.starts_with(".ci.yml.wffmt-") && leftover.ends_with(".tmp"),
        "{leftover}"
    );
    assert_eq!(std::fs::read_to_string(wf.join("ci.yml")).unwrap(), DIRTY);

    // Look-alikes that must survive: one of a live process (this test), names of another shape.
    let live = format!(".other.yml.wffmt-{}-0.tmp", std::process::id());
    let keep = [
        live.as_str(),
        "notes.wffmt-1-2.tmp",
        ".x.yml.wffmt-abc-1.tmp",
        ".x.yml.wffmt-1-2.tmp.bak",
    ];
    for name in keep {
        std::fs::write(wf.join(name), "keep").unwrap();
    }

    // A check run does not take the leftover for a workflow and removes nothing.
    let run = |args: &[&str]| {
        Wffmt::in_dir(dir.path())
            .no_user_config()
            .args(args)
            .output()
    };
    let check = run(&["--check", "--select", "quote-patterns", "."]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check.stderr).contains("1 file would be changed"),
        "{}",
        text(&check.stderr)
    );
    assert!(wf.join(leftover).exists());

    let fix = run(&["--fix", "--select", "quote-patterns", "."]);
    assert_eq!(fix.status.code(), Some(0), "{}", text(&fix.stderr));
    assert!(
        text(&fix.stderr).contains("a temporary file left by an interrupted run"),
        "{}",
        text(&fix.stderr)
    );
    assert_eq!(std::fs::read_to_string(wf.join("ci.yml")).unwrap(), FIXED);
    let mut expected: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    expected.push("ci.yml".to_string());
    expected.sort();
    assert_eq!(entries(&wf), expected);
}
