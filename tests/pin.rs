//! `pin` end to end: local bare repositories served as `GITHUB_SERVER_URL=file://…`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::git::{Bare, GitServer};
use common::run::{printed as text, Wffmt};
use common::tree::write_file as write;

struct Server {
    server: GitServer,
    /// acme/checkout: c1 is v4 = v4.2.2, c0 is v4.1.0, main is c2.
    c1: String,
    c2: String,
    /// acme/annot: annotated v2.0.0 on this commit.
    annot: String,
    /// acme/release: tag `release` on this commit, branch `release` elsewhere.
    release_tag: String,
}

fn server() -> Server {
    let server = GitServer::new();
    let checkout = server.repo("acme", "checkout");
    let c0 = checkout.commit("zero", None);
    let c1 = checkout.commit("one", Some(&c0));
    let c2 = checkout.commit("two", Some(&c1));
    checkout.tag("v4.1.0", &c0);
    checkout.tag("v4", &c1);
    checkout.tag("v4.2.2", &c1);
    checkout.branch("main", &c2);
    let annot_repo = server.repo("acme", "annot");
    let annot = annot_repo.commit("a", None);
    annot_repo.annotated("v2.0.0", &annot);
    annot_repo.branch("main", &annot);
    let release = server.repo("acme", "release");
    let r1 = release.commit("r1", None);
    let r2 = release.commit("r2", Some(&r1));
    release.tag("release", &r1);
    release.branch("release", &r2);
    let workflows = server.repo("acme", "workflows");
    let w = workflows.commit("w", None);
    workflows.tag("v1", &w);
    workflows.tag("v1.3.0", &w);
    Server {
        server,
        c1,
        c2,
        annot,
        release_tag: r1,
    }
}

/// wffmt run in `dir` against `server`, with a cache of its own and no token.
fn wffmt(dir: &Path, server: &GitServer, args: &[&str]) -> Output {
    Wffmt::with_server(dir, server.url()).args(args).output()
}

/// A temporary directory holding the workflow `.github/workflows/w.yml`, and that file's path.
fn workflow(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let wf = write(dir.path(), ".github/workflows/w.yml", body);
    (dir, wf)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Asserts that `got` holds `want`, and shows all of `got` when not.
fn assert_has(got: &str, want: &str) {
    assert!(got.contains(want), "{want:?} is missing in:\n{got}");
}

const WORKFLOW: &str = "\
on: push
jobs:
  call:
    uses: acme/workflows/.github/workflows/build.yml@v1
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/checkout@v4
      - uses: 'acme/checkout/sub/dir@v4'    # quoted, in a sub-directory
      - {name: flow, uses: \"acme/annot@v2.0.0\"}
      - uses: acme/checkout@main
      - uses: acme/release@release
      - uses: ./local
      - uses: docker://alpine:3
      - uses: acme/checkout@${{ matrix.ref }}
";

#[test]
fn pins_every_form_and_a_second_run_changes_nothing() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(dir.path(), ".github/workflows/ci.yml", WORKFLOW);
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = read(&wf);
    let (c1, c2, annot, rel) = (&srv.c1, &srv.c2, &srv.annot, &srv.release_tag);
    let w = common::git::git(
        &srv.server.base.join("acme/workflows"),
        &["rev-parse", "v1^{commit}"],
    );
    let expected = format!(
        "\
on: push
jobs:
  call:
    uses: acme/workflows/.github/workflows/build.yml@{w} # v1.3.0
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/checkout@{c1} # v4.2.2
      - uses: 'acme/checkout/sub/dir@{c1}'    # v4.2.2 # quoted, in a sub-directory
      - {{name: flow, uses: \"acme/annot@{annot}\"}} # v2.0.0
      - uses: acme/checkout@{c2} # main
      - uses: acme/release@{rel} # release
      - uses: ./local
      - uses: docker://alpine:3
      - uses: acme/checkout@${{{{ matrix.ref }}}}
"
    );
    assert_eq!(got, expected);
    // The tag/branch collision was reported.
    let msgs = text(&out);
    assert!(msgs.contains("release"), "{msgs}");
    let again = wffmt(dir.path(), &srv.server, &["--check", "--select", "pin"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[test]
fn annotated_tags_are_peeled_to_the_commit() {
    let srv = server();
    let tag_object = common::git::git(
        &srv.server.base.join("acme/annot"),
        &["rev-parse", "v2.0.0"],
    );
    assert_ne!(tag_object, srv.annot, "the fixture tag must be annotated");
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        ".github/workflows/a.yml",
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/annot@v2.0.0\n",
    );
    wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    let got = read(&wf);
    assert_has(&got, &format!("acme/annot@{} # v2.0.0", srv.annot));
    assert!(!got.contains(&tag_object));
}

#[test]
fn crlf_files_stay_crlf_and_composite_actions_are_pinned() {
    let srv = server();
    let (dir, wf) = workflow(
        "on: push\r\njobs:\r\n  a:\r\n    steps:\r\n      - uses: acme/checkout@v4 # keep me\r\n",
    );
    let action = write(
        dir.path(),
        "tools/setup/action.yml",
        "name: s\nruns:\n  using: composite\n  steps:\n    - uses: acme/checkout@v4\n",
    );
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = read(&wf);
    assert_eq!(
        got,
        format!(
            "on: push\r\njobs:\r\n  a:\r\n    steps:\r\n      - uses: acme/checkout@{} # v4.2.2 # keep me\r\n",
            srv.c1
        )
    );
    assert!(read(&action).contains(&format!("acme/checkout@{} # v4.2.2", srv.c1)));
}

#[test]
fn unknown_repositories_and_refs_are_findings_and_the_rest_is_pinned() {
    let srv = server();
    let (dir, wf) = workflow("on: push\njobs:\n  a:\n    steps:\n      - uses: acme/nope@v1\n      - uses: acme/checkout@v9\n      - uses: acme/checkout@v4\n");
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    let msgs = text(&out);
    assert!(msgs.contains(".github/workflows/w.yml:5:15"), "{msgs}");
    assert!(msgs.contains("acme/nope@v1"), "{msgs}");
    assert!(msgs.contains(".github/workflows/w.yml:6:15"), "{msgs}");
    assert!(msgs.contains("v9"), "{msgs}");
    let got = read(&wf);
    assert!(got.contains(&format!("acme/checkout@{} # v4.2.2", srv.c1)));
    assert!(got.contains("acme/nope@v1\n"));
    // Not a network failure: no exit code 3.
    assert_ne!(out.status.code(), Some(3));
}

#[test]
fn offline_uses_a_warm_cache_and_reports_a_cold_one() {
    let srv = server();
    let (dir, _) = workflow("on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@v4\n");
    // Cold cache, offline: nothing pinned, a clear message.
    let cold = wffmt(dir.path(), &srv.server, &["--select", "pin", "--offline"]);
    assert!(text(&cold).contains("--offline"), "{}", text(&cold));
    assert!(!text(&cold).contains(&srv.c1));
    // Fill the cache online, then go offline with the server gone.
    let online = wffmt(dir.path(), &srv.server, &["--select", "pin"]);
    assert!(text(&online).contains(&srv.c1));
    std::fs::rename(&srv.server.base, srv.server.base.with_extension("gone")).unwrap();
    let warm = wffmt(dir.path(), &srv.server, &["--select", "pin", "--offline"]);
    assert!(
        text(&warm).contains(&format!("acme/checkout@{} # v4.2.2", srv.c1)),
        "{}",
        text(&warm)
    );
}

#[test]
fn hostile_uses_strings_never_reach_git() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let body = format!(
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@--upload-pack=touch${{IFS}}{m}\n      - uses: ext::sh -c touch% {m}@v1\n      - uses: ../../etc/passwd@v1\n      - uses: acme/../../x@v1\n      - uses: \"acme/checkout@v4; touch {m}\"\n",
        m = marker.display()
    );
    write(dir.path(), ".github/workflows/w.yml", &body);
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert!(!marker.exists(), "a hostile uses: string created a file");
    assert!(text(&out).contains("cannot pin"), "{}", text(&out));
}

#[test]
fn actions_lockfile_leaves_pinning_to_it_unless_pin_is_selected() {
    let srv = server();
    let (dir, wf) = workflow("on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@v4\n");
    write(dir.path(), ".github/workflows/actions.lock", "{}\n");
    let out = wffmt(dir.path(), &srv.server, &["--fix"]);
    assert!(text(&out).contains("lockfile"), "{}", text(&out));
    assert!(read(&wf).contains("@v4\n"));
    wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert!(read(&wf).contains(&srv.c1));
}

#[test]
fn verify_pins_reports_mismatched_comments_and_stray_shas() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@{c2} # v4.2.2\n      - uses: acme/checkout@{c1} # v4.2.2\n      - uses: acme/checkout@{bogus}\n",
        c2 = srv.c2,
        c1 = srv.c1,
        bogus = "0123456789abcdef0123456789abcdef01234567"
    );
    write(dir.path(), ".github/workflows/w.yml", &body);
    let out = wffmt(
        dir.path(),
        &srv.server,
        &["--check", "--select", "pin", "--verify-pins"],
    );
    let msgs = text(&out);
    assert!(msgs.contains("w.yml:5:15"), "{msgs}");
    assert!(msgs.contains("does not match"), "{msgs}");
    assert!(!msgs.contains("w.yml:6:15"), "{msgs}");
    assert!(msgs.contains("w.yml:7:15"), "{msgs}");
    assert!(msgs.contains("not the tip"), "{msgs}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn network_failure_exits_3_and_other_files_are_still_processed() {
    let (dir, _) = workflow("on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@v4\n");
    write(
        dir.path(),
        ".github/workflows/x.yml",
        "on:\n  push:\n    paths: [**.md]\n",
    );
    // Nothing listens on port 9 of the loopback address: the connection is refused.
    let out = Wffmt::in_dir(dir.path())
        .own_cache()
        .server("http://127.0.0.1:9")
        .stdin(Stdio::inherit())
        .args(["--select", "pin,quote-patterns"])
        .output();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let msgs = text(&out);
    assert!(msgs.contains("w.yml:5:15"), "{msgs}");
    assert!(msgs.contains("'**.md'"), "{msgs}");
}

#[test]
fn full_branch_refs_keep_a_comment_that_verify_pins_accepts() {
    let srv = server();
    let (dir, wf) = workflow("on: push\njobs:\n  a:\n    steps:\n      - uses: acme/release@refs/heads/release\n      - uses: \"acme/checkout@v4\\n\"\n      - uses: $/.github/workflows/x.yml\n");
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    let got = read(&wf);
    let branch = common::git::git(
        &srv.server.base.join("acme/release"),
        &["rev-parse", "refs/heads/release"],
    );
    assert_has(&got, &format!("acme/release@{branch} # release\n"));
    // An escaped line break is not part of any valid ref: reported, not pinned.
    assert!(got.contains("\"acme/checkout@v4\\n\""), "{got}");
    let msgs = text(&out);
    assert!(msgs.contains("w.yml:6:15"), "{msgs}");
    // The self-repository form is local: no message about it.
    assert!(!msgs.contains("w.yml:7:"), "{msgs}");
    let verify = wffmt(
        dir.path(),
        &srv.server,
        &["--check", "--select", "pin", "--verify-pins"],
    );
    assert!(
        !text(&verify).contains("does not match"),
        "{}",
        text(&verify)
    );
}

/// A host that accepts connections and never answers: after the first timeouts wffmt stops
/// asking it, reports every ref it could not resolve (at its own line), exits 3, and the whole
/// run stays short.
#[test]
fn never_answering_server_costs_one_timeout_not_one_per_repository() {
    let Some(url) = common::git::stuck_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for i in 0..12 {
        let body = format!(
            "on: push\njobs:\n  a:\n    steps:\n      - uses: org{i}/one@v1\n      - uses: org{i}/two@v2\n"
        );
        write(dir.path(), &format!(".github/workflows/w{i:02}.yml"), &body);
    }
    let start = std::time::Instant::now();
    let out = Wffmt::with_server(dir.path(), &url)
        .env("WFFMT_NETWORK_TIMEOUT", "1")
        .stdin(Stdio::inherit())
        // -v names every place of a cause the text output otherwise says once with a count.
        .args(["--select", "pin", "-j", "2", "-v"])
        .output();
    let elapsed = start.elapsed();
    let msgs = text(&out);
    assert_eq!(out.status.code(), Some(3), "{msgs}");
    // 24 repositories at 8 at once would be 3 rounds of timeouts; one round is enough.
    assert!(elapsed < std::time::Duration::from_secs(8), "{elapsed:?}");
    // Every skipped ref is named by its place (the `uses:` it is at).
    for i in 0..12 {
        for line in [5, 6] {
            let site = format!(".github/workflows/w{i:02}.yml:{line}:15");
            assert!(msgs.contains(&site), "{site} missing in {msgs}");
        }
    }
    // Said once per cause (timed out, not asked, and under load perhaps the run's deadline), not
    // once for each of the 24 refs.
    assert!(msgs.matches("not pinned:").count() <= 4, "{msgs}");
    assert!(msgs.contains("not asked"), "{msgs}");
    assert!(msgs.contains("did not answer"), "{msgs}");
}

/// Command lines of the processes that mention `needle` (Linux: read from /proc). Zombies have
/// an empty command line and do not count: they hold no connection.
#[cfg(target_os = "linux")]
fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(needle) {
                found.push(cmdline);
            }
        }
    }
    found
}

/// Waits up to 5 s for every process mentioning `needle` to end (a killed process takes a
/// moment to go), and returns those still there.
#[cfg(target_os = "linux")]
fn survivors(needle: &str) -> Vec<String> {
    let start = std::time::Instant::now();
    loop {
        let left = processes_mentioning(needle);
        if left.is_empty() || start.elapsed() > std::time::Duration::from_secs(5) {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A timed-out or interrupted lookup ends with everything git started for it: no `git
/// remote-http` is left holding a connection to a server that never answers.
#[cfg(target_os = "linux")]
#[test]
fn timed_out_and_interrupted_lookups_leave_no_git_process_behind() {
    let Some(url) = common::git::stuck_server() else {
        return;
    };
    let (dir, _) = workflow(
        "on: push\njobs:\n  a:\n    steps:\n      - uses: org/one@v1\n      - uses: org/two@v1\n",
    );
    let command = |timeout: &str, cache: &str| {
        Wffmt::in_dir(dir.path())
            .server(&url)
            .env("WFFMT_CACHE_DIR", dir.path().join(cache))
            .env("WFFMT_NETWORK_TIMEOUT", timeout)
            .without_tokens()
            .args(["--select", "pin"])
    };
    let out = command("1", "cache-timeout").output();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("did not answer"), "{}", text(&out));
    let left = survivors(&url);
    assert!(left.is_empty(), "left behind after a timeout: {left:#?}");

    // Interrupted while git waits for the server (a lookup that would time out in 60 s).
    let child = command("60", "cache-interrupt")
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while processes_mentioning(&url).len() < 2 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "git never started: {:?}",
            processes_mentioning(&url)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: signals the wffmt process this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted (SIGINT)"), "{stderr}");
    let left = survivors(&url);
    assert!(left.is_empty(), "left behind after SIGINT: {left:#?}");
}

/// The all-zero SHA names no commit: never pinned to, never accepted by `--verify-pins`.
#[test]
fn the_all_zero_sha_is_refused() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let zero = "0".repeat(40);
    write(
        dir.path(),
        ".github/workflows/w.yml",
        format!("on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@{zero} # v4.2.2\n"),
    );
    for args in [
        &["--check", "--select", "pin"][..],
        &["--check", "--select", "pin", "--verify-pins"][..],
    ] {
        let out = wffmt(dir.path(), &srv.server, args);
        let msgs = text(&out);
        assert!(msgs.contains("w.yml:5:15"), "{msgs}");
        assert!(msgs.contains("all-zero"), "{msgs}");
    }
}

// ---- keeping pins current: --update, --upgrade, cooldowns, comments --------------------

fn days_ago(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    format!("@{} +0000", now - days * 86_400)
}

/// `acme/tool`, releases arriving over time:
/// - c1: `v1.0.0` (400 days old);
/// - c2: `v1.1.0`, annotated: the commit is 300 days old, the tag only 2 days;
/// - c3: `v1.2.0` (20 days), also `latest`, the moved major tag `v1` and the branch `main`;
/// - c4: `v1.3.0-rc.1` (1 day), a pre-release;
/// - c5: `v2.0.0` (50 days), `v2`; c6: `v2.1.0-rc.1`.
///
/// `acme/mono`: component tags `cli/v1.0.0` (m1), `cli/v1.1.0` (m2), `lib/v3.0.0` (m3).
struct Releases {
    server: GitServer,
    c: Vec<String>,
    m: Vec<String>,
    stable: String,
}

/// A commit of `repo` whose tree holds `path` with `content`, made `days` days ago.
fn commit_aged(
    repo: &Bare,
    message: &str,
    parent: Option<&str>,
    (path, content): (&str, &str),
    days: i64,
) -> String {
    repo.commit_files(message, parent, &[(path, content)], &days_ago(days))
}

fn releases() -> Releases {
    let server = GitServer::new();
    let tool = server.repo("acme", "tool");
    let action = |name| ("action.yml", name);
    let c1 = commit_aged(&tool, "1", None, action("name: t\n"), 400);
    let c2 = commit_aged(&tool, "2", Some(&c1), action("name: t2\n"), 300);
    let c3 = commit_aged(&tool, "3", Some(&c2), action("name: t3\n"), 20);
    let c4 = commit_aged(&tool, "4", Some(&c3), action("name: t4\n"), 1);
    let c5 = commit_aged(&tool, "5", Some(&c3), action("name: t5\n"), 50);
    let c6 = commit_aged(&tool, "6", Some(&c5), action("name: t6\n"), 40);
    tool.tag("v1.0.0", &c1);
    tool.annotated_at("v1.1.0", &c2, &days_ago(2));
    tool.tag("v1.2.0", &c3);
    tool.tag("latest", &c3);
    tool.tag("v1", &c3);
    tool.branch("main", &c3);
    tool.tag("v1.3.0-rc.1", &c4);
    tool.tag("v2.0.0", &c5);
    tool.tag("v2", &c5);
    tool.tag("v2.1.0-rc.1", &c6);
    // A hostile tag on the commit of the branch `stable`.
    let stable = commit_aged(&tool, "s", None, action("name: s\n"), 5);
    tool.branch("stable", &stable);
    common::git::git(
        &tool.dir,
        &[
            "update-ref",
            "refs/tags/x\u{2028}---\u{2028}v9.9.9.9.9",
            &stable,
        ],
    );
    common::git::git(
        &tool.dir,
        &["update-ref", "refs/tags/\u{202e}v9.9.9", &stable],
    );
    let mono = server.repo("acme", "mono");
    let m1 = commit_aged(&mono, "1", None, ("cli/action.yml", "name: c\n"), 90);
    let m2 = commit_aged(&mono, "2", Some(&m1), ("cli/action.yml", "name: c2\n"), 60);
    let m3 = commit_aged(&mono, "3", Some(&m2), ("lib/action.yml", "name: l\n"), 30);
    mono.tag("cli/v1.0.0", &m1);
    mono.tag("cli/v1.1.0", &m2);
    mono.tag("lib/v3.0.0", &m3);
    Releases {
        server,
        c: vec![c1, c2, c3, c4, c5, c6],
        m: vec![m1, m2, m3],
        stable,
    }
}

fn steps(uses: &[&str]) -> String {
    let mut body = String::from("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n");
    for u in uses {
        body.push_str(&format!("      - uses: {u}\n"));
    }
    body
}

/// Fixes a workflow of `uses` lines with `args` and returns the `uses` lines afterwards.
fn fixed(srv: &Releases, uses: &[&str], args: &[&str]) -> (Vec<String>, String) {
    let (dir, wf) = workflow(&steps(uses));
    let mut all = vec!["--fix", "--select", "pin"];
    all.extend(args);
    let out = wffmt(dir.path(), &srv.server, &all);
    assert!(matches!(out.status.code(), Some(0)), "{}", text(&out));
    let got = read(&wf);
    // Idempotent: a second run with the same flags changes nothing.
    let again = wffmt(dir.path(), &srv.server, &all);
    assert_eq!(read(&wf), got, "{}", text(&again));
    let lines = got
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- uses: ").map(str::to_string))
        .collect();
    (lines, text(&out))
}

#[test]
fn update_moves_within_the_major_and_upgrade_across() {
    let srv = releases();
    let c = &srv.c;
    let m = &srv.m;
    let uses = [
        format!("acme/tool@{} # v1.0.0", c[0]),
        "acme/tool@v1.0.0".to_string(),
        format!("acme/tool@{} # v2.0.0", c[4]),
        format!("acme/mono/cli@{} # cli/v1.0.0", m[0]),
        format!(
            "acme/tool@{} # tag=v1.0.0 # zizmor: ignore[artipacked]",
            c[0]
        ),
        format!("acme/tool@{} # v1.3.0-rc.1", c[3]),
    ];
    let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
    let (lines, _) = fixed(&srv, &uses, &["--update"]);
    assert_eq!(
        lines,
        [
            format!("acme/tool@{} # v1.2.0", c[2]),
            format!("acme/tool@{} # v1.2.0", c[2]),
            format!("acme/tool@{} # v2.0.0", c[4]),
            format!("acme/mono/cli@{} # cli/v1.1.0", m[1]),
            format!(
                "acme/tool@{} # tag=v1.2.0 # zizmor: ignore[artipacked]",
                c[2]
            ),
            // A pre-release is already newer than every v1 release.
            format!("acme/tool@{} # v1.3.0-rc.1", c[3]),
        ]
    );
    let (lines, _) = fixed(&srv, &uses[..4], &["--upgrade"]);
    assert_eq!(
        lines,
        [
            format!("acme/tool@{} # v2.0.0", c[4]),
            format!("acme/tool@{} # v2.0.0", c[4]),
            format!("acme/tool@{} # v2.0.0", c[4]),
            // Ordered within the component: `lib/v3.0.0` is another component.
            format!("acme/mono/cli@{} # cli/v1.1.0", m[1]),
        ]
    );
}

/// Repositories that tag one commit in several release lines:
/// - `acme/nov` (no `v`): n1 `1.0.0` and also `v9.0.0`, n2 `1.1.0`, n3 `2.0.0`;
/// - `acme/compo` (plain and monorepo component tags): k1 `v1.0.0` + `comp/v1.0.0`,
///   k2 `v1.1.0` + `v1` + `comp/v1.5.0`, k3 `v1.2.0`, k4 `v2.0.0` + `v2` + `other/v9.0.0`,
///   k5 `comp/v1.6.0`.
fn release_lines() -> Releases {
    let server = GitServer::new();
    let nov = server.repo("acme", "nov");
    let n1 = nov.commit("1", None);
    let n2 = nov.commit("2", Some(&n1));
    let n3 = nov.commit("3", Some(&n2));
    nov.tag("1.0.0", &n1);
    nov.tag("v9.0.0", &n1);
    nov.tag("1.1.0", &n2);
    nov.tag("2.0.0", &n3);
    let compo = server.repo("acme", "compo");
    let mut k = vec![compo.commit("1", None)];
    for i in 2..=5 {
        let next = compo.commit(&i.to_string(), Some(&k[k.len() - 1]));
        k.push(next);
    }
    for (tag, at) in [
        ("v1.0.0", 0),
        ("comp/v1.0.0", 0),
        ("v1.1.0", 1),
        ("v1", 1),
        ("comp/v1.5.0", 1),
        ("v1.2.0", 2),
        ("v2.0.0", 3),
        ("v2", 3),
        ("other/v9.0.0", 3),
        ("comp/v1.6.0", 4),
    ] {
        compo.tag(tag, &k[at]);
    }
    Releases {
        server,
        c: k,
        m: vec![n1, n2, n3],
        stable: String::new(),
    }
}

/// A commit tagged in two lines (`1.0.0` + `v9.0.0`, `v1.1.0` + `comp/v1.5.0`) is updated
/// within the line the ref or its comment is written in, and a second run changes nothing.
#[test]
fn update_stays_in_the_tag_line_of_the_ref_when_a_commit_has_several() {
    let srv = release_lines();
    let (k, n) = (&srv.c, &srv.m);
    let uses = [
        "acme/nov@1.0.0".to_string(),
        format!("acme/nov@{} # 1.0.0", n[0]),
        "acme/compo@v1.0.0".to_string(),
        "acme/compo@v1".to_string(),
        format!("acme/compo@{} # v1", k[1]),
        format!("acme/compo@{} # v3", k[1]),
        "acme/compo@v2".to_string(),
        format!("acme/compo/comp@{} # comp/v1.5.0", k[1]),
        format!("acme/compo/comp@{}", k[0]),
    ];
    let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
    let (lines, out) = fixed(&srv, &uses, &["--update"]);
    let v1_2 = format!("acme/compo@{} # v1.2.0", k[2]);
    let comp_v1_6 = format!("acme/compo/comp@{} # comp/v1.6.0", k[4]);
    assert_eq!(
        lines,
        [
            format!("acme/nov@{} # 1.1.0", n[1]),
            format!("acme/nov@{} # 1.1.0", n[1]),
            v1_2.clone(),
            v1_2.clone(),
            v1_2.clone(),
            v1_2.clone(),
            format!("acme/compo@{} # v2.0.0", k[3]),
            comp_v1_6.clone(),
            comp_v1_6.clone(),
        ],
        "{out}"
    );
    let (lines, out) = fixed(&srv, &uses, &["--upgrade"]);
    let v2 = format!("acme/compo@{} # v2.0.0", k[3]);
    assert_eq!(
        lines,
        [
            format!("acme/nov@{} # 2.0.0", n[2]),
            format!("acme/nov@{} # 2.0.0", n[2]),
            v2.clone(),
            v2.clone(),
            v2.clone(),
            v2.clone(),
            v2.clone(),
            comp_v1_6.clone(),
            comp_v1_6.clone(),
        ],
        "{out}"
    );
}

/// The release dates fetched ahead of the run are those of the line the version comment names:
/// for `@<sha> # comp/v1.5.0` only `comp/v1.6.0` is dated, not the plain `v1.2.0` newer than
/// the commit's other tag.
#[test]
fn cooldown_dates_are_prefetched_in_the_line_of_the_comment() {
    let srv = release_lines();
    let (dir, wf) = workflow(&steps(&[&format!("acme/compo@{} # comp/v1.5.0", srv.c[1])]));
    let out = wffmt(
        dir.path(),
        &srv.server,
        &[
            "--fix",
            "--select",
            "pin",
            "--update",
            "--min-age",
            "1",
            "-v",
        ],
    );
    let msgs = text(&out);
    assert!(
        read(&wf).contains(&format!("acme/compo@{} # comp/v1.6.0\n", srv.c[4])),
        "{msgs}"
    );
    assert!(msgs.contains("; 1 fetches"), "{msgs}");
}

/// Without `--update`, a wrong or missing version comment is written in the line of the ref:
/// the comment's own prefix, else the action's component, else a plain version tag; never
/// another component's tag that happens to be on the same commit.
#[test]
fn version_comments_are_chosen_in_the_line_of_the_ref() {
    let srv = release_lines();
    let k = &srv.c;
    let (lines, out) = fixed(
        &srv,
        &[
            &format!("acme/compo@{} # v3", k[1]),
            &format!("acme/compo@{}", k[1]),
            &format!("acme/compo/comp@{}", k[1]),
            &format!("acme/compo@{} # comp/v2", k[1]),
            "acme/compo@v1",
        ],
        &[],
    );
    assert_eq!(
        lines,
        [
            format!("acme/compo@{} # v1.1.0", k[1]),
            format!("acme/compo@{} # v1.1.0", k[1]),
            format!("acme/compo/comp@{} # comp/v1.5.0", k[1]),
            format!("acme/compo@{} # comp/v1.5.0", k[1]),
            format!("acme/compo@{} # v1.1.0", k[1]),
        ],
        "{out}"
    );
    assert!(out.contains("it now says `v1.1.0`"), "{out}");
}

#[test]
fn cooldown_from_the_flag_config_and_dependabot_never_going_backwards() {
    let srv = releases();
    let c = &srv.c;
    let at_v1_0 = format!("acme/tool@{} # v1.0.0", c[0]);
    let at_v1_2 = format!("acme/tool@{} # v1.2.0", c[2]);
    // 10 days: v1.2.0 (20 days old) is allowed.
    let (lines, _) = fixed(&srv, &[&at_v1_0], &["--update", "--min-age", "10"]);
    assert_eq!(lines, std::slice::from_ref(&at_v1_2));
    // 30 days: v1.2.0 is too young, and so is v1.1.0, dated by its tag (2 days) although its
    // commit is 300 days old: nothing moves.
    let (lines, out) = fixed(&srv, &[&at_v1_0], &["--update", "--min-age", "30", "-v"]);
    assert_eq!(lines, std::slice::from_ref(&at_v1_0));
    assert!(out.contains("held back"), "{out}");
    assert!(out.contains("v1.1.0 (2 days old)"), "{out}");
    assert!(out.contains("--min-age"), "{out}");
    // Never backwards: at v1.2.0 with a cooldown that every newer release fails.
    let (lines, _) = fixed(&srv, &[&at_v1_2], &["--upgrade", "--min-age", "60"]);
    assert_eq!(lines, std::slice::from_ref(&at_v1_2));

    // From wffmt.toml, and from dependabot.yml (the flag is not given).
    for (file, body, expect_v1_2) in [
        ("wffmt.toml", "[pin]\nmin-age = 30\n", false),
        ("wffmt.toml", "[pin]\nmin-age = 10\n", true),
        (
            ".github/dependabot.yml",
            "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    cooldown:\n      default-days: 10\n",
            true,
        ),
        (
            ".github/dependabot.yml",
            "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    cooldown:\n      semver-minor-days: 25\n",
            false,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        write(dir.path(), file, body);
        let wf = write(dir.path(), ".github/workflows/w.yml", steps(&[&at_v1_0]));
        let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin", "--update", "-v"]);
        let got = read(&wf);
        let want = if expect_v1_2 { &at_v1_2 } else { &at_v1_0 };
        assert!(got.contains(want.as_str()), "{file}: {body}\n{got}\n{}", text(&out));
        assert!(
            text(&out).contains(file.trim_start_matches(".github/")),
            "-v says which cooldown applied: {}",
            text(&out)
        );
    }
}

#[test]
fn wrong_version_comments_are_fixed_and_missing_ones_filled() {
    let srv = releases();
    let c = &srv.c;
    let (dir, wf) = workflow(&steps(&[
        &format!("acme/tool@{} # v1.0.0", c[2]),
        &format!("acme/tool@{} # pin @v1.0.0", c[4]),
        &format!("acme/tool@{}", c[1]),
        &format!("acme/tool@{} # v1.2.0", c[2]),
        &format!("acme/tool@{} # main", c[2]),
    ]));
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    let got = read(&wf);
    assert_has(&got, &format!("acme/tool@{} # v1.2.0\n", c[2]));
    assert_has(&got, &format!("acme/tool@{} # pin @v2.0.0\n", c[4]));
    assert_has(&got, &format!("acme/tool@{} # v1.1.0\n", c[1]));
    // Right comments, including a branch name, are left as they are.
    assert_has(&got, &format!("acme/tool@{} # main\n", c[2]));
    let msgs = text(&out);
    assert!(msgs.contains("w.yml:6:15"), "{msgs}");
    assert!(msgs.contains("did not name the pinned commit"), "{msgs}");
    assert!(!msgs.contains("w.yml:9:15"), "{msgs}");
}

#[test]
fn comments_on_the_line_stay_there_and_opt_outs_are_honoured() {
    let srv = releases();
    let c2 = &srv.c[2];
    let (lines, _) = fixed(
        &srv,
        &[
            "acme/tool@v1 # zizmor: ignore[artipacked]",
            "acme/tool@v1.2.0   # keep me",
            "acme/tool@v1 # ratchet:exclude",
            "acme/tool@v1 # actions-up-ignore",
            "acme/tool@v1.0.0 # tag: v1.0.0",
            "acme/tool@v1.0.0 # @v1.0.0",
        ],
        &[],
    );
    assert_eq!(
        lines,
        [
            format!("acme/tool@{c2} # v1.2.0 # zizmor: ignore[artipacked]"),
            format!("acme/tool@{c2}   # v1.2.0 # keep me"),
            "acme/tool@v1 # ratchet:exclude".to_string(),
            "acme/tool@v1 # actions-up-ignore".to_string(),
            format!("acme/tool@{} # tag: v1.0.0", srv.c[0]),
            format!("acme/tool@{} # @v1.0.0", srv.c[0]),
        ]
    );
}

#[test]
fn forms_once_skipped_or_mislabelled() {
    let srv = releases();
    let c = &srv.c;
    let (dir, wf) = workflow("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: >-\n          acme/tool@v1\n      - uses: acme/tool@refs/heads/main\n      - uses: acme/tool@refs/tags/v1\n      - uses: acme/tool@latest\n      - uses: acme/tool@stable\n");
    let action = write(
        dir.path(),
        ".github/workflows/setup/action.yml",
        "name: s\nruns:\n  using: composite\n  steps:\n    - uses: acme/tool@v1.0.0\n",
    );
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = read(&wf);
    assert_eq!(
        got,
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/tool@{c3} # v1.2.0\n      - uses: acme/tool@{c3} # main\n      - uses: acme/tool@{c3} # v1.2.0\n      - uses: acme/tool@{c3} # latest\n      - uses: acme/tool@{s} # stable\n",
            c3 = c[2],
            s = srv.stable
        )
    );
    assert!(read(&action).contains(&format!("acme/tool@{} # v1.0.0", c[0])));
    // The hostile tags on `stable`'s commit were neither written nor printed.
    let msgs = text(&out);
    for bad in ['\u{2028}', '\u{202e}'] {
        assert!(!got.contains(bad));
        assert!(!msgs.contains(bad), "{msgs}");
    }
    let again = wffmt(
        dir.path(),
        &srv.server,
        &["--check", "--select", "pin", "--verify-pins"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

/// A ref whose own name cannot be written into the file (a bidi override) is pinned with the
/// comment a bare SHA pin of its commit gets, so a second run finds nothing to change.
#[test]
fn a_ref_with_an_unwritable_name_is_pinned_stably() {
    let srv = releases();
    let (dir, wf) = workflow("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: \"acme/tool@\\u202Ev9.9.9\"\n");
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = read(&wf);
    assert_has(&got, &format!("acme/tool@{}\" # stable\n", srv.stable));
    assert!(!got.contains('\u{202e}') && !text(&out).contains('\u{202e}'));
    let again = wffmt(dir.path(), &srv.server, &["--check", "--select", "pin"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

/// `# wffmt: ignore[pin]` (the generic suppression) leaves a `uses:` alone, on its line or the
/// line before; other lines are still pinned.
#[test]
fn suppression_comments_leave_a_uses_alone() {
    let srv = releases();
    let c3 = &srv.c[2];
    let (lines, _) = fixed(
        &srv,
        &[
            "acme/tool@v1 # wffmt: ignore[pin]",
            "acme/tool@v1 # zizmor: ignore[artipacked] # wffmt: ignore[pin]",
            "acme/tool@v1",
        ],
        &[],
    );
    assert_eq!(
        lines,
        [
            "acme/tool@v1 # wffmt: ignore[pin]".to_string(),
            "acme/tool@v1 # zizmor: ignore[artipacked] # wffmt: ignore[pin]".to_string(),
            format!("acme/tool@{c3} # v1.2.0"),
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let body = "on: push\njobs:\n  a:\n    steps:\n      # wffmt: ignore[pin]\n      - uses: acme/tool@v1\n      - uses: acme/tool@v1\n";
    let wf = write(dir.path(), ".github/workflows/w.yml", body);
    wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    let got = read(&wf);
    assert_eq!(
        got,
        format!("on: push\njobs:\n  a:\n    steps:\n      # wffmt: ignore[pin]\n      - uses: acme/tool@v1\n      - uses: acme/tool@{c3} # v1.2.0\n")
    );
}

/// zizmor, run before and after `pin`, still honours a `# zizmor: ignore[…]` directive that was
/// on the `uses:` line, and stops reporting the unpinned refs. zizmor comes from PyPI (`.ci/run`
/// installs it); without it the test says so and checks nothing.
#[test]
fn zizmor_directives_survive_pinning() {
    let zizmor = std::env::var_os("WFFMT_ZIZMOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("zizmor"));
    if Command::new(&zizmor).arg("--version").output().is_err() {
        eprintln!(
            "skipping: zizmor is not installed (`pip install zizmor`, or set WFFMT_ZIZMOR); .ci/run installs it"
        );
        return;
    }
    let server = GitServer::new();
    let checkout = server.repo("actions", "checkout");
    let c = checkout.commit("c", None);
    checkout.tag("v4", &c);
    checkout.tag("v4.2.2", &c);
    let srv = Releases {
        server,
        c: vec![c.clone()],
        m: Vec::new(),
        stable: String::new(),
    };
    let (dir, wf) = workflow("on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4 # zizmor: ignore[artipacked]\n      - uses: actions/checkout@v4\n");
    let findings = || -> Vec<(String, u64)> {
        let out = Command::new(&zizmor)
            .args(["--offline", "--no-config", "--format=json"])
            .arg(&wf)
            .output()
            .expect("zizmor runs");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("zizmor JSON: {e}: {}", String::from_utf8_lossy(&out.stderr))
        });
        let mut found: Vec<(String, u64)> = json
            .as_array()
            .expect("a list of findings")
            .iter()
            .map(|f| {
                let row = f["locations"][0]["concrete"]["location"]["start_point"]["row"]
                    .as_u64()
                    .unwrap();
                (f["ident"].as_str().unwrap().to_string(), row + 1)
            })
            .collect();
        found.sort();
        found
    };
    let before = findings();
    assert_eq!(
        before,
        [
            ("artipacked".to_string(), 8),
            ("unpinned-uses".to_string(), 7),
            ("unpinned-uses".to_string(), 8),
        ],
        "zizmor before pinning"
    );
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let pinned = read(&wf);
    assert!(
        pinned.contains(&format!(
            "actions/checkout@{c} # v4.2.2 # zizmor: ignore[artipacked]\n"
        )),
        "{pinned}"
    );
    // The directive still silences line 7; only line 8's own finding is left.
    assert_eq!(
        findings(),
        [("artipacked".to_string(), 8)],
        "zizmor after pinning:\n{pinned}"
    );
}

// ---- --pin-images: a real registry on loopback ----------------------------------------

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// Debian's `docker-registry` (the CNCF distribution server) on a loopback port, stopped when
/// dropped.
struct Registry {
    child: std::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_registry() -> Option<Registry> {
    for tool in ["docker-registry", "skopeo"] {
        if Command::new(tool).arg("--version").output().is_err()
            && Command::new(tool).arg("--help").output().is_err()
        {
            eprintln!(
                "skipping: `{tool}` is not installed (Debian packages docker-registry and skopeo; .ci/run installs them)"
            );
            return None;
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let registry = Registry {
        child,
        addr: addr.clone(),
        _dir: dir,
    };
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            eprintln!("skipping: docker-registry did not start listening on {addr}");
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Some(registry)
}

/// Writes an OCI layout holding a two-platform image index tagged `tag`, pushes it with skopeo
/// (`--all`, digests preserved) to `{registry}/test/app:{tag}`, and returns the index digest
/// and the two platform manifests' digests.
fn push_multi_platform_image(registry: &str, tag: &str) -> (String, Vec<String>) {
    let layout = tempfile::tempdir().unwrap();
    let blobs = layout.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> (String, usize) {
        let hex = sha256_hex(bytes);
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let mut layer = vec![0u8; 1024]; // an empty tar archive
    layer.extend_from_slice(tag.as_bytes());
    layer.truncate(1024);
    let (layer_digest, layer_size) = put(&layer);
    let mut manifests = Vec::new();
    let mut platform_digests = Vec::new();
    for arch in ["amd64", "arm64"] {
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":["{layer_digest}"]}},"config":{{"Labels":{{"tag":"{tag}"}}}}}}"#
        );
        let (config_digest, config_size) = put(config.as_bytes());
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{config_size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer_digest}","size":{layer_size}}}]}}"#
        );
        let (digest, size) = put(manifest.as_bytes());
        manifests.push(format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":{size},"platform":{{"architecture":"{arch}","os":"linux"}}}}"#
        ));
        platform_digests.push(digest);
    }
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        manifests.join(",")
    );
    let (index_digest, index_size) = put(index.as_bytes());
    std::fs::write(
        layout.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        layout.path().join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{index_digest}","size":{index_size},"annotations":{{"org.opencontainers.image.ref.name":"{tag}"}}}}]}}"#
        ),
    )
    .unwrap();
    let out = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--all",
            "--preserve-digests",
            "--dest-tls-verify=false",
        ])
        .arg(format!("oci:{}:{tag}", layout.path().display()))
        .arg(format!("docker://{registry}/test/app:{tag}"))
        .output()
        .expect("skopeo runs");
    assert!(
        out.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // What the registry serves for the tag, read independently with skopeo.
    let raw = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{registry}/test/app:{tag}"))
        .output()
        .expect("skopeo runs");
    assert_eq!(format!("sha256:{}", sha256_hex(&raw.stdout)), index_digest);
    (index_digest, platform_digests)
}

#[test]
fn pin_images_pins_index_digests_from_a_real_registry() {
    let Some(registry) = start_registry() else {
        return;
    };
    let reg = registry.addr.clone();
    let (index, platforms) = push_multi_platform_image(&reg, "1.0");
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container: {reg}/test/app:1.0\n    services:\n      db:\n        image: \"{reg}/test/app:1.0\"\n    steps:\n      - uses: docker://{reg}/test/app:1.0 # keep\n      - uses: docker://{reg}/test/app:9.9\n  b:\n    runs-on: ubuntu-latest\n    container:\n      image: {reg}/test/app:1.0\n    steps:\n      - uses: docker://${{{{ matrix.image }}}}\n      - uses: docker://{reg}/test/app:1.0@{index}\n"
    );
    let wf = write(dir.path(), ".github/workflows/w.yml", &body);
    let docker_action = write(
        dir.path(),
        "tools/scan/action.yml",
        format!("name: scan\nruns:\n  using: docker\n  image: 'docker://{reg}/test/app:1.0'\n"),
    );
    // Without the flag, images are left alone.
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert_eq!(read(&wf), body, "{}", text(&out));
    let out = wffmt(
        dir.path(),
        &srv.server,
        &["--fix", "--select", "pin", "--pin-images"],
    );
    let got = read(&wf);
    let pinned = format!("{reg}/test/app:1.0@{index}");
    assert_eq!(
        got,
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container: {pinned}\n    services:\n      db:\n        image: \"{pinned}\"\n    steps:\n      - uses: docker://{pinned} # keep\n      - uses: docker://{reg}/test/app:9.9\n  b:\n    runs-on: ubuntu-latest\n    container:\n      image: {pinned}\n    steps:\n      - uses: docker://${{{{ matrix.image }}}}\n      - uses: docker://{pinned}\n"
        ),
        "{}",
        text(&out)
    );
    assert_eq!(
        read(&docker_action),
        format!("name: scan\nruns:\n  using: docker\n  image: 'docker://{pinned}'\n")
    );
    // The index, never one platform's manifest.
    for p in &platforms {
        assert!(!got.contains(p.as_str()));
    }
    let msgs = text(&out);
    assert!(msgs.contains("w.yml:11:15"), "{msgs}");
    assert!(msgs.contains("no such image or tag"), "{msgs}");
    // A second run changes nothing; offline, the cache answers.
    let again = wffmt(
        dir.path(),
        &srv.server,
        &["--check", "--select", "pin", "--pin-images", "--offline"],
    );
    assert_eq!(read(&wf), got);
    assert!(!text(&again).contains("would fix"), "{}", text(&again));
}

/// A SHA pinned with a branch comment tracks the branch: never "corrected", never moved to a
/// release, moved to the branch head by --update only with `update-branches = true`.
#[test]
fn branch_pins_move_only_when_asked() {
    let srv = releases();
    let c = &srv.c;
    let branch_pin = format!("acme/tool@{} # main", c[0]);
    for args in [
        &[][..],
        &["--update"][..],
        &["--upgrade", "--min-age", "1"][..],
    ] {
        let (lines, out) = fixed(&srv, &[&branch_pin], args);
        assert_eq!(lines, std::slice::from_ref(&branch_pin), "{args:?}: {out}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), "wffmt.toml", "[pin]\nupdate-branches = true\n");
    let wf = write(dir.path(), ".github/workflows/w.yml", steps(&[&branch_pin]));
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    assert!(read(&wf).contains(&branch_pin), "{}", text(&out));
    let out = wffmt(
        dir.path(),
        &srv.server,
        &["--fix", "--select", "pin", "--update"],
    );
    let got = read(&wf);
    assert!(
        got.contains(&format!("acme/tool@{} # main\n", c[2])),
        "{got}\n{}",
        text(&out)
    );
}

/// Releases arrive over time: a new release reaches the pins once the cached listing expires;
/// a pin whose major tag has moved on since it was written gets the tag that is on its commit.
#[test]
fn new_releases_arrive_and_moved_major_tags_are_noticed() {
    let srv = releases();
    let c = &srv.c;
    let (dir, wf) = workflow(&steps(&[&format!("acme/tool@{} # v1", c[0])]));
    // v1 has moved from c1 to c3 since this pin was written: the SHA wins.
    let out = wffmt(dir.path(), &srv.server, &["--fix", "--select", "pin"]);
    let got = read(&wf);
    assert_has(&got, &format!("acme/tool@{} # v1.0.0\n", c[0]));
    assert!(
        text(&out).contains("did not name the pinned commit"),
        "{}",
        text(&out)
    );
    wffmt(
        dir.path(),
        &srv.server,
        &["--fix", "--select", "pin", "--update"],
    );
    let got = read(&wf);
    assert_has(&got, &format!("acme/tool@{} # v1.2.0\n", c[2]));

    // v1.4.0 is released (its commit is 30 days old, the tag new and lightweight).
    let tool = Bare {
        dir: srv.server.base.join("acme/tool"),
    };
    let c7 = tool.commit_files(
        "7",
        Some(&c[2]),
        &[("action.yml", "name: t7\n")],
        &days_ago(30),
    );
    tool.tag("v1.4.0", &c7);
    // The cached listing (fresh for 15 minutes) does not know it yet.
    wffmt(
        dir.path(),
        &srv.server,
        &["--fix", "--select", "pin", "--update"],
    );
    assert!(read(&wf).contains(c[2].as_str()));
    // Once the listing is refreshed, the pin moves.
    // The listing cache expires at once; tokens stay as the machine running the tests has them.
    let out = Wffmt::in_dir(dir.path())
        .own_cache()
        .server(srv.server.url())
        .env("WFFMT_CACHE_TTL", "0")
        .stdin(Stdio::inherit())
        .args(["--fix", "--select", "pin", "--update", "--min-age", "7"])
        .output();
    let got = read(&wf);
    assert!(
        got.contains(&format!("acme/tool@{c7} # v1.4.0\n")),
        "{got}\n{}",
        text(&out)
    );
}

/// The README's first command on a machine whose network is down: the bundled corpus is
/// previewed, and the unreachable server is one message with a count, not one error per ref.
#[test]
fn first_run_without_network_says_the_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = common::project_dir().join("corpus");
    let out = Wffmt::in_dir(dir.path())
        .own_cache()
        // Nothing listens on port 9 of the loopback address: the connection is refused.
        .server("http://127.0.0.1:9")
        .stdin(Stdio::inherit())
        .arg(&corpus)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let refs = stderr
        .lines()
        .filter(|l| l.contains("error[network]"))
        .count();
    assert_eq!(refs, 1, "one message for the unreachable server:\n{stderr}");
    assert!(stderr.contains("not pinned: network error:"), "{stderr}");
    assert!(stderr.contains("the same in "), "{stderr}");
    assert!(stderr.contains("help: check the network"), "{stderr}");
    // Everything else is still previewed.
    assert!(
        out.stdout.starts_with(b"--- a/"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Offline with an empty cache: one message too, and no network failure (exit code 3).
    let offline = Wffmt::in_dir(dir.path())
        .env("WFFMT_CACHE_DIR", dir.path().join("empty-cache"))
        .stdin(Stdio::inherit())
        .arg(&corpus)
        .arg("--offline")
        .output();
    let stderr = String::from_utf8_lossy(&offline.stderr);
    assert_ne!(offline.status.code(), Some(3), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.contains("not pinned:")).count(),
        1,
        "{stderr}"
    );
}
