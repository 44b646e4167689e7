//! `permissions` reading actions and reusable workflows of other repositories at the commit a
//! workflow uses: bare repositories served as `GITHUB_SERVER_URL=file://…`, wffmt run as a
//! user would.

mod common;

use std::path::Path;
use std::process::Output;

use common::git::GitServer;
use common::run::{printed, Wffmt};
use common::tree::write_file;

const DATE: &str = "2024-01-01T00:00:00Z";

/// `acme/{repo}` holding `files` in one commit, tagged v1 and v2, on branch main.
fn tagged(server: &GitServer, repo: &str, files: &[(&str, &str)]) {
    let bare = server.repo("acme", repo);
    bare.allow_filters();
    let c = bare.commit_files("init", None, files, DATE);
    bare.tag("v1", &c);
    bare.tag("v2", &c);
    bare.branch("main", &c);
}

/// The server's repositories:
/// - acme/build `setup` (composite, tag v1): calls acme/release-tools/publish with its inputs;
/// - acme/release-tools `publish` (composite, tag v2): `gh release create` with the token input;
/// - acme/notify (JavaScript, tag v1): takes the token by default;
/// - acme/loop (composite, tag v1): uses itself;
/// - acme/d1 … acme/d9 (composite, tag v1, only when `deep`): each uses the next;
/// - acme/workflows `.github/workflows/deploy.yml` (tag v1): a reusable workflow.
fn server_with(deep: bool) -> GitServer {
    let server = GitServer::new();
    tagged(
        &server,
        "build",
        &[(
            "setup/action.yml",
            "name: Setup
inputs:
  version:
    default: ''
  token:
    default: ${{ github.token }}
runs:
  using: composite
  steps:
    - run: echo building
      shell: bash
    - uses: acme/release-tools/publish@v2
      with:
        tag: ${{ inputs.version }}
        token: ${{ inputs.token }}
",
        )],
    );
    tagged(
        &server,
        "release-tools",
        &[(
            "publish/action.yml",
            "name: Publish
inputs:
  tag:
    required: true
  token:
    required: true
runs:
  using: composite
  steps:
    - run: gh release create \"$TAG\" dist/*
      shell: bash
      env:
        TAG: ${{ inputs.tag }}
        GH_TOKEN: ${{ inputs.token }}
",
        )],
    );
    tagged(
        &server,
        "notify",
        &[(
            "action.yml",
            "name: Notify
inputs:
  token:
    default: ${{ github.token }}
runs:
  using: node20
  main: index.js
",
        )],
    );
    tagged(
        &server,
        "loop",
        &[(
            "action.yml",
            "name: Loop
runs:
  using: composite
  steps:
    - uses: acme/loop@v1
",
        )],
    );
    for i in (1..=9).filter(|_| deep) {
        let next = format!(
            "name: D{i}
runs:
  using: composite
  steps:
    - uses: acme/d{}@v1
",
            i + 1
        );
        tagged(&server, &format!("d{i}"), &[("action.yml", &next)]);
    }
    tagged(
        &server,
        "workflows",
        &[(
            ".github/workflows/deploy.yml",
            "on: workflow_call
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      deployments: write
    steps:
      - run: ./deploy
  release:
    runs-on: ubuntu-latest
    steps:
      - run: gh release create v1
        env:
          GH_TOKEN: ${{ github.token }}
",
        )],
    );
    server
}

fn server() -> GitServer {
    server_with(false)
}

fn permissions(dir: &Path, server_url: impl AsRef<std::ffi::OsStr>) -> Wffmt {
    Wffmt::with_server(dir, server_url).args(["--select", "permissions"])
}

fn wffmt(dir: &Path, srv: &GitServer, args: &[&str]) -> Output {
    permissions(dir, srv.url()).args(args).output()
}

const WRAP: &str = "name: Wrap
inputs:
  version:
    required: true
runs:
  using: composite
  steps:
    - uses: acme/build/setup@v1
      with:
        version: ${{ inputs.version }}
";

const CHAIN: &str = "on: push
jobs:
  chain:
    runs-on: ubuntu-latest
    steps:
      - uses: ./.github/actions/wrap
        with:
          version: v1.2.3
";

/// local → remote → remote: the job's block comes from the `run:` step at the end of the
/// chain; `-v` shows the chain; a second run changes nothing; `--offline` then answers from
/// the cache alone.
#[test]
fn composite_chain_local_remote_remote() {
    let srv = server();
    let repo = tempfile::tempdir().unwrap();
    write_file(repo.path(), ".github/actions/wrap/action.yml", WRAP);
    let wf = write_file(repo.path(), ".github/workflows/ci.yml", CHAIN);

    let out = wffmt(repo.path(), &srv, &["-v", ".github/workflows/ci.yml"]);
    let all = printed(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains(
            "job `chain` needs `contents: write`: step 1 (./.github/actions/wrap), its step 1 \
             (acme/build/setup@v1), its step 2 (acme/release-tools/publish@v2), its step 1 (run)"
        ),
        "{all}"
    );

    let fixed = wffmt(repo.path(), &srv, &["--fix", ".github/workflows/ci.yml"]);
    assert_eq!(fixed.status.code(), Some(0), "{}", printed(&fixed));
    let after = std::fs::read_to_string(&wf).unwrap();
    assert!(after.contains("\npermissions: {}\n"), "{after}");
    assert!(
        after.contains(
            "    permissions:\n      contents: write # step 1 (./.github/actions/wrap), its step 1"
        ),
        "{after}"
    );
    let again = wffmt(repo.path(), &srv, &["--check", ".github/workflows/ci.yml"]);
    assert_eq!(again.status.code(), Some(0), "{}", printed(&again));

    // Offline, with the server gone: the cache has everything.
    std::fs::write(&wf, CHAIN).unwrap();
    let gone = srv.base.with_extension("gone");
    std::fs::rename(&srv.base, &gone).unwrap();
    let offline = wffmt(
        repo.path(),
        &srv,
        &["--offline", "--fix", ".github/workflows/ci.yml"],
    );
    std::fs::rename(&gone, &srv.base).unwrap();
    assert_eq!(offline.status.code(), Some(0), "{}", printed(&offline));
    assert_eq!(std::fs::read_to_string(&wf).unwrap(), after);
}

/// Offline with an empty cache, a remote action is unknown, and says why.
#[test]
fn offline_without_a_cache_is_unknown() {
    let srv = server();
    let repo = tempfile::tempdir().unwrap();
    write_file(repo.path(), ".github/actions/wrap/action.yml", WRAP);
    write_file(repo.path(), ".github/workflows/ci.yml", CHAIN);
    let out = wffmt(
        repo.path(),
        &srv,
        &["--offline", ".github/workflows/ci.yml"],
    );
    let all = printed(&out);
    assert!(all.contains("TODO(wffmt)"), "{all}");
    assert!(
        all.contains("cannot read acme/build/setup@v1: not in the cache and --offline"),
        "{all}"
    );
}

/// JavaScript actions fall back to the knowledge base (unknown here); a composite that uses
/// itself and a chain deeper than the limit end as unknown instead of looping.
#[test]
fn javascript_actions_loops_and_depth() {
    let srv = server_with(true);
    let repo = tempfile::tempdir().unwrap();
    write_file(
        repo.path(),
        ".github/workflows/ci.yml",
        "on: push
jobs:
  js:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/notify@v1
  loop:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/loop@v1
  deep:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/d1@v1
  fine:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/d8@v1
",
    );
    let out = wffmt(repo.path(), &srv, &[".github/workflows/ci.yml"]);
    let all = printed(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("job `js`: cannot tell its permissions: step 1 (acme/notify@v1): wffmt does not know what the node20 action `acme/notify` needs"),
        "{all}"
    );
    assert!(
        all.contains("job `loop`: cannot tell its permissions: step 1 (acme/loop@v1), its step 1 (acme/loop@v1): acme/loop@v1 is nested too deeply or uses itself"),
        "{all}"
    );
    assert!(all.contains("job `deep`: cannot tell"), "{all}");
    // d8 -> d9 -> d10, which does not exist: its failure is named.
    assert!(
        all.contains("cannot read acme/d10@v1: repository not found"),
        "{all}"
    );
}

/// A reusable workflow of another repository is read at the commit the call names; a local
/// action under a checkout of another repository is read at that checkout's ref.
#[test]
fn remote_reusable_workflows_and_checked_out_repositories() {
    let srv = server();
    let repo = tempfile::tempdir().unwrap();
    let wf = write_file(
        repo.path(),
        ".github/workflows/ci.yml",
        "on: push
jobs:
  call:
    uses: acme/workflows/.github/workflows/deploy.yml@v1
  tools:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          repository: acme/build
          ref: v1
          path: build
      - uses: ./build/setup
        with:
          version: v2
",
    );
    let out = wffmt(repo.path(), &srv, &["--fix", ".github/workflows/ci.yml"]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let after = std::fs::read_to_string(&wf).unwrap();
    assert!(
        after.contains(
            "  call:\n    uses: acme/workflows/.github/workflows/deploy.yml@v1\n    permissions:\n      contents: write # the called workflow acme/workflows/.github/workflows/deploy.yml@v1\n      deployments: write"
        ),
        "{after}"
    );
    assert!(
        after.contains("  tools:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write # step 2 (./build/setup), its step 2 (acme/release-tools/publish@v2), its step 1 (run)"),
        "{after}"
    );
}

/// A server that cannot be reached: the job is unknown (and gets no TODO comment: the next
/// run may read the action) and the run ends with exit code 3, so that CI can tell an
/// incomplete result from a decided one.
#[test]
fn an_unreachable_server_is_exit_code_3() {
    let repo = tempfile::tempdir().unwrap();
    write_file(repo.path(), ".github/actions/wrap/action.yml", WRAP);
    write_file(repo.path(), ".github/workflows/ci.yml", CHAIN);
    let out = permissions(repo.path(), "http://127.0.0.1:9")
        .arg(".github/workflows/ci.yml")
        .output();
    let all = printed(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(!all.contains("TODO(wffmt)"), "{all}");
    assert!(all.contains("acme/build/setup@v1 cannot be read"), "{all}");
    assert!(
        all.contains("run again when the server can be reached"),
        "{all}"
    );
}

/// A hostile (or careless) action repository whose composite actions each call the next one
/// ten times, eight levels deep: 10^8 calls if every one were read. The job ends undecided
/// with the reason, in bounded time, and the other job of the workflow is still decided.
#[test]
fn a_wide_tree_of_composite_actions_is_cut_short() {
    let srv = GitServer::new();
    for i in 0..=8 {
        let body = if i < 8 {
            let mut b = format!("name: W{i}\nruns:\n  using: composite\n  steps:\n");
            for _ in 0..10 {
                b.push_str(&format!("    - uses: acme/w{}@v1\n", i + 1));
            }
            b
        } else {
            "name: Leaf\nruns:\n  using: composite\n  steps:\n    - run: echo leaf\n      shell: bash\n"
                .to_string()
        };
        tagged(&srv, &format!("w{i}"), &[("action.yml", &body)]);
    }
    let repo = tempfile::tempdir().unwrap();
    write_file(
        repo.path(),
        ".github/workflows/ci.yml",
        "on: push
jobs:
  wide:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/w0@v1
  plain:
    runs-on: ubuntu-latest
    steps:
      - run: gh release create v1
        env:
          GH_TOKEN: ${{ github.token }}
",
    );
    // Output goes to a file, not a pipe: a run that prints a lot must not stall on a full pipe.
    let (log, err_log) = (repo.path().join("out.log"), repo.path().join("err.log"));
    let mut child = permissions(repo.path(), srv.url())
        .arg(".github/workflows/ci.yml")
        .command()
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(&err_log).unwrap())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("wffmt still reads the composite actions after a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let all = std::fs::read_to_string(&log).unwrap() + &std::fs::read_to_string(&err_log).unwrap();
    assert_eq!(status.code(), Some(0), "{all}");
    // Each reason once: the action met too deep in a thousand places is one warning.
    assert_eq!(all.matches("warning[permissions]").count(), 2, "{all}");
    assert!(
        all.contains("job `wide`: cannot tell its permissions"),
        "{all}"
    );
    assert!(all.contains("more than"), "{all}");
    assert!(all.contains("contents: write"), "{all}");
}
