//! `pin` end to end: local bare repositories served as `GITHUB_SERVER_URL=file://…`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::git::Bare;

struct Server {
    _tmp: tempfile::TempDir,
    base: PathBuf,
    /// acme/checkout: c1 is v4 = v4.2.2, c0 is v4.1.0, main is c2.
    c1: String,
    c2: String,
    /// acme/annot: annotated v2.0.0 on this commit.
    annot: String,
    /// acme/release: tag `release` on this commit, branch `release` elsewhere.
    release_tag: String,
}

fn server() -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("srv");
    let checkout = Bare::init(&base, "acme", "checkout");
    let c0 = checkout.commit("zero", None);
    let c1 = checkout.commit("one", Some(&c0));
    let c2 = checkout.commit("two", Some(&c1));
    checkout.tag("v4.1.0", &c0);
    checkout.tag("v4", &c1);
    checkout.tag("v4.2.2", &c1);
    checkout.branch("main", &c2);
    let annot_repo = Bare::init(&base, "acme", "annot");
    let annot = annot_repo.commit("a", None);
    annot_repo.annotated("v2.0.0", &annot);
    annot_repo.branch("main", &annot);
    let release = Bare::init(&base, "acme", "release");
    let r1 = release.commit("r1", None);
    let r2 = release.commit("r2", Some(&r1));
    release.tag("release", &r1);
    release.branch("release", &r2);
    let workflows = Bare::init(&base, "acme", "workflows");
    let w = workflows.commit("w", None);
    workflows.tag("v1", &w);
    workflows.tag("v1.3.0", &w);
    Server {
        _tmp: tmp,
        base,
        c1,
        c2,
        annot,
        release_tag: r1,
    }
}

fn wffmt(dir: &Path, srv: &Server, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wffmt"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env(
            "GITHUB_SERVER_URL",
            format!("file://{}", srv.base.display()),
        )
        .env("WFFMT_CACHE_DIR", dir.join(".cache"))
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("wffmt runs")
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, body).unwrap();
    p
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
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
    let out = wffmt(dir.path(), &srv, &["--fix", "--select", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = std::fs::read_to_string(&wf).unwrap();
    let (c1, c2, annot, rel) = (&srv.c1, &srv.c2, &srv.annot, &srv.release_tag);
    let w = common::git::git(
        &srv.base.join("acme/workflows"),
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
      # quoted, in a sub-directory
      - uses: 'acme/checkout/sub/dir@{c1}' # v4.2.2
      - {{name: flow, uses: \"acme/annot@{annot}\"}} # v2.0.0
      - uses: acme/checkout@{c2} # main
      - uses: acme/release@{rel} # release
      - uses: ./local
      - uses: docker://alpine:3
      - uses: acme/checkout@${{{{ matrix.ref }}}}
"
    );
    assert_eq!(got, expected);
    // The tag/branch collision was reported; the moved comment was mentioned once.
    let msgs = text(&out);
    assert!(msgs.contains("release"), "{msgs}");
    let again = wffmt(dir.path(), &srv, &["--check", "--select", "pin"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[test]
fn annotated_tags_are_peeled_to_the_commit() {
    let srv = server();
    let tag_object = common::git::git(&srv.base.join("acme/annot"), &["rev-parse", "v2.0.0"]);
    assert_ne!(tag_object, srv.annot, "the fixture tag must be annotated");
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        ".github/workflows/a.yml",
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/annot@v2.0.0\n",
    );
    wffmt(dir.path(), &srv, &["--fix", "--select", "pin"]);
    let got = std::fs::read_to_string(&wf).unwrap();
    assert!(
        got.contains(&format!("acme/annot@{} # v2.0.0", srv.annot)),
        "{got}"
    );
    assert!(!got.contains(&tag_object));
}

#[test]
fn crlf_files_stay_crlf_and_composite_actions_are_pinned() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        ".github/workflows/w.yml",
        "on: push\r\njobs:\r\n  a:\r\n    steps:\r\n      - uses: acme/checkout@v4 # keep me\r\n",
    );
    let action = write(
        dir.path(),
        "tools/setup/action.yml",
        "name: s\nruns:\n  using: composite\n  steps:\n    - uses: acme/checkout@v4\n",
    );
    let out = wffmt(dir.path(), &srv, &["--fix", "--select", "pin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let got = std::fs::read_to_string(&wf).unwrap();
    assert_eq!(
        got,
        format!(
            "on: push\r\njobs:\r\n  a:\r\n    steps:\r\n      # keep me\r\n      - uses: acme/checkout@{} # v4.2.2\r\n",
            srv.c1
        )
    );
    assert!(std::fs::read_to_string(&action)
        .unwrap()
        .contains(&format!("acme/checkout@{} # v4.2.2", srv.c1)));
}

#[test]
fn unknown_repositories_and_refs_are_findings_and_the_rest_is_pinned() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        ".github/workflows/w.yml",
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/nope@v1\n      - uses: acme/checkout@v9\n      - uses: acme/checkout@v4\n",
    );
    let out = wffmt(dir.path(), &srv, &["--fix", "--select", "pin"]);
    let msgs = text(&out);
    assert!(msgs.contains(".github/workflows/w.yml:5:15"), "{msgs}");
    assert!(msgs.contains("acme/nope@v1"), "{msgs}");
    assert!(msgs.contains(".github/workflows/w.yml:6:15"), "{msgs}");
    assert!(msgs.contains("v9"), "{msgs}");
    let got = std::fs::read_to_string(&wf).unwrap();
    assert!(got.contains(&format!("acme/checkout@{} # v4.2.2", srv.c1)));
    assert!(got.contains("acme/nope@v1\n"));
    // Not a network failure: no exit code 3.
    assert_ne!(out.status.code(), Some(3));
}

#[test]
fn offline_uses_a_warm_cache_and_reports_a_cold_one() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/w.yml",
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@v4\n",
    );
    // Cold cache, offline: nothing pinned, a clear message.
    let cold = wffmt(dir.path(), &srv, &["--select", "pin", "--offline"]);
    assert!(text(&cold).contains("--offline"), "{}", text(&cold));
    assert!(!text(&cold).contains(&srv.c1));
    // Fill the cache online, then go offline with the server gone.
    let online = wffmt(dir.path(), &srv, &["--select", "pin"]);
    assert!(text(&online).contains(&srv.c1));
    std::fs::rename(&srv.base, srv.base.with_extension("gone")).unwrap();
    let warm = wffmt(dir.path(), &srv, &["--select", "pin", "--offline"]);
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
    let out = wffmt(dir.path(), &srv, &["--fix", "--select", "pin"]);
    assert!(!marker.exists(), "a hostile uses: string created a file");
    assert!(text(&out).contains("cannot pin"), "{}", text(&out));
}

#[test]
fn actions_lockfile_leaves_pinning_to_it_unless_pin_is_selected() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        ".github/workflows/w.yml",
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@v4\n",
    );
    write(dir.path(), ".github/workflows/actions.lock", "{}\n");
    let out = wffmt(dir.path(), &srv, &["--fix"]);
    assert!(text(&out).contains("lockfile"), "{}", text(&out));
    assert!(std::fs::read_to_string(&wf).unwrap().contains("@v4\n"));
    wffmt(dir.path(), &srv, &["--fix", "--select", "pin"]);
    assert!(std::fs::read_to_string(&wf).unwrap().contains(&srv.c1));
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
        &srv,
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
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/w.yml",
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@v4\n",
    );
    write(
        dir.path(),
        ".github/workflows/x.yml",
        "on:\n  push:\n    paths: [**.md]\n",
    );
    // Nothing listens on port 9 of the loopback address: the connection is refused.
    let out = Command::new(env!("CARGO_BIN_EXE_wffmt"))
        .args(["--select", "pin,quote-patterns"])
        .current_dir(dir.path())
        .env("GITHUB_SERVER_URL", "http://127.0.0.1:9")
        .env("WFFMT_CACHE_DIR", dir.path().join(".cache"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let msgs = text(&out);
    assert!(msgs.contains("w.yml:5:15"), "{msgs}");
    assert!(msgs.contains("'**.md'"), "{msgs}");
}

#[test]
fn full_branch_refs_keep_a_comment_that_verify_pins_accepts() {
    let srv = server();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        ".github/workflows/w.yml",
        "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/release@refs/heads/release\n      - uses: \"acme/checkout@v4\\n\"\n      - uses: $/.github/workflows/x.yml\n",
    );
    let out = wffmt(dir.path(), &srv, &["--fix", "--select", "pin"]);
    let got = std::fs::read_to_string(&wf).unwrap();
    let branch = common::git::git(
        &srv.base.join("acme/release"),
        &["rev-parse", "refs/heads/release"],
    );
    assert!(
        got.contains(&format!("acme/release@{branch} # refs/heads/release")),
        "{got}"
    );
    // An escaped line break is not part of any valid ref: reported, not pinned.
    assert!(got.contains("\"acme/checkout@v4\\n\""), "{got}");
    let msgs = text(&out);
    assert!(msgs.contains("w.yml:6:15"), "{msgs}");
    // The self-repository form is local: no message about it.
    assert!(!msgs.contains("w.yml:7:"), "{msgs}");
    let verify = wffmt(
        dir.path(),
        &srv,
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
    let out = Command::new(env!("CARGO_BIN_EXE_wffmt"))
        .args(["--select", "pin", "-j", "2"])
        .current_dir(dir.path())
        .env("GITHUB_SERVER_URL", &url)
        .env("WFFMT_CACHE_DIR", dir.path().join(".cache"))
        .env("WFFMT_NETWORK_TIMEOUT", "1")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let msgs = text(&out);
    assert_eq!(out.status.code(), Some(3), "{msgs}");
    // 24 repositories at 8 at once would be 3 rounds of timeouts; one round is enough.
    assert!(elapsed < std::time::Duration::from_secs(8), "{elapsed:?}");
    for i in 0..12 {
        for (line, repo) in [(5, "one@v1"), (6, "two@v2")] {
            let site = format!(".github/workflows/w{i:02}.yml:{line}:15");
            assert!(msgs.contains(&site), "{site} missing in {msgs}");
            assert!(msgs.contains(&format!("org{i}/{repo}")), "{msgs}");
        }
    }
    assert!(msgs.contains("not asked"), "{msgs}");
    assert!(msgs.contains("did not answer"), "{msgs}");
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
        &format!(
            "on: push\njobs:\n  a:\n    steps:\n      - uses: acme/checkout@{zero} # v4.2.2\n"
        ),
    );
    for args in [
        &["--check", "--select", "pin"][..],
        &["--check", "--select", "pin", "--verify-pins"][..],
    ] {
        let out = wffmt(dir.path(), &srv, args);
        let msgs = text(&out);
        assert!(msgs.contains("w.yml:5:15"), "{msgs}");
        assert!(msgs.contains("all-zero"), "{msgs}");
    }
}
