//! The migration rules that resolve refs, end to end: local bare repositories served as
//! `GITHUB_SERVER_URL=file://…`, the real binary, and `pin` in the same run.

mod common;

use std::path::Path;
use std::process::Output;

use common::git::GitServer;
use common::run::{printed, Wffmt};
use common::tree::write_file;

struct Server {
    git: GitServer,
    /// gradle/actions at v3.5.0 (= v3).
    setup_gradle_v3: String,
    /// actions/checkout: v3.6.0 and v5.0.1 (= v5).
    checkout_v3: String,
    checkout_v5: String,
    /// acme/old-node: v1 runs on node20, v2 on node24.
    old_node_v1: String,
}

fn server() -> Server {
    let git = GitServer::new();
    let actions = git.repo("gradle", "actions");
    let a0 = actions.commit("3.4.2", None);
    let a1 = actions.commit("3.5.0", Some(&a0));
    let a2 = actions.commit("4.0.0", Some(&a1));
    actions.tag("v3.4.2", &a0);
    actions.tag("v3.5.0", &a1);
    actions.tag("v3", &a1);
    actions.tag("v4.0.0", &a2);
    actions.tag("v4", &a2);
    actions.branch("main", &a2);
    let checkout = git.repo("actions", "checkout");
    let c3 = checkout.commit("3.6.0", None);
    let c5 = checkout.commit("5.0.1", Some(&c3));
    checkout.tag("v3.6.0", &c3);
    checkout.tag("v3", &c3);
    checkout.tag("v5.0.0", &c5);
    checkout.tag("v5.0.1", &c5);
    checkout.tag("v5", &c5);
    checkout.branch("main", &c5);
    let old = git.repo("acme", "old-node");
    old.allow_filters();
    let o1 = old.commit_files(
        "v1",
        None,
        &[(
            "action.yml",
            "name: old\nruns:\n  using: node20\n  main: index.js\n",
        )],
        "2024-01-01T00:00:00Z",
    );
    let o2 = old.commit_files(
        "v2",
        Some(&o1),
        &[(
            "action.yml",
            "name: old\nruns:\n  using: 'node24'\n  main: index.js\n",
        )],
        "2024-02-01T00:00:00Z",
    );
    old.tag("v1", &o1);
    old.tag("v2", &o2);
    old.branch("main", &o2);
    Server {
        git,
        setup_gradle_v3: a1,
        checkout_v3: c3,
        checkout_v5: c5,
        old_node_v1: o1,
    }
}

fn wffmt(dir: &Path, srv: &Server, args: &[&str]) -> Output {
    Wffmt::with_server(dir, srv.git.url())
        .today("2026-11-30")
        .args(args)
        .output()
}

#[test]
fn renamed_actions_move_their_pin_and_are_pinned_in_the_same_run() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let old_sha = "4d9f0ba0025fe599b4ebab900eb7f3a1d93ef4c2";
    let wf = write_file(
        dir.path(),
        ".github/workflows/ci.yml",
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: gradle/gradle-build-action@{old_sha} # v3.5.0\n      - uses: gradle/gradle-build-action@v3\n"
        ),
    );
    let out = wffmt(
        dir.path(),
        &srv,
        &["--fix", "--select", "archived-actions,pin", "."],
    );
    assert!(out.status.success(), "{}", printed(&out));
    let new = std::fs::read_to_string(&wf).unwrap();
    let sha = &srv.setup_gradle_v3;
    assert_eq!(
        new,
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: gradle/actions/setup-gradle@{sha} # v3.5.0\n      - uses: gradle/actions/setup-gradle@{sha} # v3.5.0\n"
        )
    );
    // A second run changes nothing.
    let again = wffmt(
        dir.path(),
        &srv,
        &["--check", "--select", "archived-actions,pin", "."],
    );
    assert!(again.status.success(), "{}", printed(&again));
}

#[test]
fn a_pinned_rename_offline_without_a_cache_is_a_finding() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let body = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: gradle/gradle-build-action@4d9f0ba0025fe599b4ebab900eb7f3a1d93ef4c2 # v3.5.0\n";
    let wf = write_file(dir.path(), ".github/workflows/ci.yml", body);
    let out = wffmt(
        dir.path(),
        &srv,
        &["--fix", "--offline", "--select", "archived-actions", "."],
    );
    assert!(out.status.success(), "{}", printed(&out));
    assert_eq!(std::fs::read_to_string(&wf).unwrap(), body);
    assert!(
        printed(&out).contains("moved to `gradle/actions/setup-gradle` (the same action), but the commit of v3.5.0 there is unknown"),
        "{}",
        printed(&out)
    );
}

#[test]
fn outdated_actions_are_bumped_then_pinned_and_pins_are_moved_with_their_comment() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let c3 = &srv.checkout_v3;
    let wf = write_file(
        dir.path(),
        ".github/workflows/ci.yml",
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3\n      - uses: actions/checkout@{c3} # v3.6.0\n      - uses: actions/checkout@v3.6.0 # exact\n"
        ),
    );
    let out = wffmt(
        dir.path(),
        &srv,
        &["--fix", "--select", "outdated-actions,pin", "."],
    );
    assert!(out.status.success(), "{}", printed(&out));
    let c5 = &srv.checkout_v5;
    assert_eq!(
        std::fs::read_to_string(&wf).unwrap(),
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@{c5} # v5.0.1\n      - uses: actions/checkout@{c5} # v5.0.1\n      - uses: actions/checkout@{c5} # v5.0.1 # exact\n"
        )
    );
    let again = wffmt(
        dir.path(),
        &srv,
        &["--check", "--select", "outdated-actions,pin", "."],
    );
    assert!(again.status.success(), "{}", printed(&again));
}

#[test]
fn an_exact_release_moves_to_an_exact_release_or_stays_and_is_reported() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let body = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3.6.0\n";
    let wf = write_file(dir.path(), ".github/workflows/ci.yml", body);
    // Offline with nothing cached: the exact ref is kept, never weakened to `@v5`.
    let out = wffmt(
        dir.path(),
        &srv,
        &["--fix", "--offline", "--select", "outdated-actions", "."],
    );
    assert!(out.status.success(), "{}", printed(&out));
    assert_eq!(std::fs::read_to_string(&wf).unwrap(), body);
    assert!(
        printed(&out)
            .contains("warning[outdated-actions]: `actions/checkout` v3.6.0 runs on node16")
            && printed(&out).contains("upgrade it to the newest v5 release (not in the cache")
            && printed(&out).contains("run with network access (without --offline) to look it up"),
        "{}",
        printed(&out)
    );
    // With the server: the newest v5 release, by name.
    let out = wffmt(
        dir.path(),
        &srv,
        &["--fix", "--select", "outdated-actions", "."],
    );
    assert!(out.status.success(), "{}", printed(&out));
    assert_eq!(
        std::fs::read_to_string(&wf).unwrap(),
        body.replace("@v3.6.0", "@v5.0.1")
    );
}

#[test]
fn actions_outside_the_table_are_read_at_their_commit() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/old-node@v1\n      - uses: acme/old-node@v2\n",
    );
    let out = wffmt(
        dir.path(),
        &srv,
        &["--check", "--select", "outdated-actions", "."],
    );
    let t = printed(&out);
    let short = &srv.old_node_v1[..12];
    assert!(
        t.contains(&format!("`acme/old-node@v1` runs on node20 (action.yml at {short}), which runners no longer provide since 2026-09-16")),
        "{t}"
    );
    assert!(!t.contains("old-node@v2"), "{t}");
    // Offline, the file read before comes from the cache.
    let offline = wffmt(
        dir.path(),
        &srv,
        &["--check", "--offline", "--select", "outdated-actions", "."],
    );
    assert!(
        printed(&offline).contains("runs on node20"),
        "{}",
        printed(&offline)
    );
}
