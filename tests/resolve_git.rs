//! Ref resolution against real git repositories.
//!
//! Bare repositories are built with git plumbing in a temporary directory laid out as
//! `{base}/{owner}/{repo}` and reached as `file://{base}`, the same way `GITHUB_SERVER_URL` points
//! the tool at a server. A few tests speak to a throw-away HTTP listener on 127.0.0.1 to see
//! what git sends (the token header) and how HTTP failures are classified; nothing leaves the
//! machine. Every git command of the helpers runs without the user's or system's configuration.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::git::{git, Bare, GitServer};
use common::tree::write_file;
use wffmt::resolve::{
    list_refs, parse_uses, PinCheck, RefError, RefListing, RemoteUses, RepoId, ResolveError,
    ResolveOptions, Session, UsesRef,
};

/// The main fixture, `acme/action`:
/// - c1 ← c2 ← c3 (main)
/// - `v1.0.0` annotated → c1; `v1` lightweight, first on c1, then moved to c2 where the
///   annotated `v1.1.0` is
/// - `v2`, `v2.0` lightweight and `v2.0.0` annotated → c3; `nested` is a tag of the `v2.0.0` tag
/// - tag `release` → c1 and branch `release` → c2 (same name); branch `feature/x` → c1
struct Fixture {
    server: GitServer,
    repo: Bare,
    c1: String,
    c2: String,
    c3: String,
}

fn fixture() -> Fixture {
    let server = GitServer::new();
    let repo = server.repo("acme", "action");
    let c1 = repo.commit("one", None);
    let c2 = repo.commit("two", Some(&c1));
    let c3 = repo.commit("three", Some(&c2));
    repo.branch("main", &c3);
    repo.branch("release", &c2);
    repo.branch("feature/x", &c1);
    repo.annotated("v1.0.0", &c1);
    repo.tag("v1", &c1);
    repo.annotated("v1.1.0", &c2);
    repo.tag("v1", &c2);
    repo.tag("v2", &c3);
    repo.tag("v2.0", &c3);
    repo.annotated("v2.0.0", &c3);
    git(
        &repo.dir,
        &["tag", "-a", "-m", "nested", "nested", "v2.0.0"],
    );
    repo.tag("release", &c1);
    Fixture {
        server,
        repo,
        c1,
        c2,
        c3,
    }
}

impl Fixture {
    fn opts(&self) -> ResolveOptions {
        ResolveOptions::new(self.server.url())
    }
}

fn remote(text: &str) -> RemoteUses {
    match parse_uses(text) {
        UsesRef::Remote(r) => r,
        other => panic!("{text}: {other:?}"),
    }
}

fn listing_of(
    results: &BTreeMap<RepoId, Result<RefListing, ResolveError>>,
    repo: &RepoId,
) -> RefListing {
    match &results[repo] {
        Ok(listing) => listing.clone(),
        Err(e) => panic!("{repo}: {e}"),
    }
}

#[test]
fn resolves_tags_branches_and_peels_annotated_tags() {
    let f = fixture();
    let uses = remote("acme/action@v1");
    let (results, stats) = list_refs(&[uses.repo_id()], &f.opts());
    assert_eq!(stats.listings_made, 1);
    let listing = listing_of(&results, &uses.repo_id());

    // Annotated tags are peeled to their commit, also a tag of a tag.
    assert_eq!(listing.tags["v1.0.0"], f.c1);
    assert_eq!(listing.tags["v2.0.0"], f.c3);
    assert_eq!(listing.tags["nested"], f.c3);
    assert_eq!(listing.branches["feature/x"], f.c1);

    let check = |r: &str, sha: &str, comment: &str| {
        let res = listing.resolve(r).unwrap_or_else(|e| panic!("{r}: {e}"));
        assert_eq!(
            (res.sha.as_str(), res.comment.as_str()),
            (sha, comment),
            "{r}"
        );
        res
    };
    // The moved major tag follows its latest position; the comment is the full version.
    assert!(check("v1", &f.c2, "v1.1.0").warning.is_none());
    check("v1.0.0", &f.c1, "v1.0.0");
    check("v2", &f.c3, "v2.0.0");
    check("v2.0", &f.c3, "v2.0.0");
    check("nested", &f.c3, "nested");
    check("main", &f.c3, "main");
    check("feature/x", &f.c1, "feature/x");
    check("refs/heads/main", &f.c3, "main");
    check("refs/tags/v2", &f.c3, "v2.0.0");
    check(&f.c1, &f.c1, "v1.0.0");

    // Tag and branch with the same name: the tag is pinned, with a warning.
    // Not version-like: the comment is the ref's own name.
    let res = check("release", &f.c1, "release");
    let warning = res.warning.expect("a warning for the tag/branch clash");
    assert!(warning.contains("both a tag and a branch"), "{warning}");
    check("refs/heads/release", &f.c2, "release");

    assert_eq!(listing.resolve("v3"), Err(RefError::UnknownRef));

    // What `pin` writes.
    let res = listing.resolve(&uses.git_ref).unwrap();
    assert_eq!(
        format!("{} # {}", uses.with_ref(&res.sha), res.comment),
        format!("acme/action@{} # v1.1.0", f.c2)
    );
}

#[test]
fn verifies_pins_against_comments() {
    let f = fixture();
    let id = RepoId::new("acme", "action");
    let (results, _) = list_refs(std::slice::from_ref(&id), &f.opts());
    let listing = listing_of(&results, &id);
    assert_eq!(listing.verify_pin(&f.c2, Some("# v1.1.0")), PinCheck::Ok);
    assert_eq!(listing.verify_pin(&f.c3, Some("# v2.0.0")), PinCheck::Ok);
    // Pinned when v1 was on c1; v1 has moved since.
    assert_eq!(
        listing.verify_pin(&f.c1, Some("# v1")),
        PinCheck::Mismatch {
            comment_ref: "v1".into(),
            comment_sha: f.c2.clone(),
            sha_is_tip: true,
        }
    );
    assert!(matches!(
        listing.verify_pin(&f.c1, Some("# v9.9.9")),
        PinCheck::UnknownCommentRef { .. }
    ));
    let stranger = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(listing.verify_pin(stranger, None), PinCheck::NotATip);
    assert_eq!(
        listing.names_for(&f.c3),
        ["v2.0.0", "v2.0", "v2", "nested", "main"]
    );
}

#[test]
fn one_listing_per_distinct_repository() {
    let f = fixture();
    let other = f.server.repo("acme", "other");
    let c = other.commit("x", None);
    other.tag("v1", &c);
    let third = f.server.repo("someone", "tool");
    third.branch("main", &third.commit("y", None));

    // GitHub names are case-insensitive, so the spellings below are three repositories. The
    // first spelling seen is the one listed, which matters only for a case-sensitive `file://`
    // base like this one.
    let texts = [
        "acme/action@v1",
        "Acme/Action/sub/dir@v2",
        "acme/other/.github/workflows/ci.yml@v1",
        "someone/tool@main",
        "ACME/OTHER@v1",
        "SomeOne/Tool@v9",
    ];
    let ids: Vec<RepoId> = texts
        .iter()
        .cycle()
        .take(60)
        .map(|t| remote(t).repo_id())
        .collect();
    let mut opts = f.opts();
    opts.max_connections = 2;
    let (results, stats) = list_refs(&ids, &opts);
    assert_eq!(stats.listings_made, 3);
    assert_eq!(stats.cache_hits, 0);
    assert_eq!(results.len(), 3);
    // Any spelling finds the entry.
    let listing = listing_of(&results, &RepoId::new("someone", "TOOL"));
    assert!(listing.tags.is_empty());
    assert!(listing.resolve("main").is_ok());
    assert_eq!(
        listing_of(&results, &RepoId::new("acme", "other")).tags["v1"],
        c
    );
}

#[test]
fn cache_cold_warm_ttl_and_offline() {
    let f = fixture();
    let cache = tempfile::tempdir().unwrap();
    let id = RepoId::new("acme", "action");
    let mut opts = f.opts();
    opts.cache_dir = Some(cache.path().to_path_buf());

    // Cold: one listing, written to the cache.
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!((stats.listings_made, stats.cache_hits), (1, 0));
    assert_eq!(listing_of(&results, &id).tags["v1"], f.c2);
    let entry = wffmt::resolve::cache_entry_path(&opts, &id).unwrap();
    assert!(entry.is_file(), "{}", entry.display());

    // Move the major tag on the server.
    f.repo.tag("v1", &f.c3);

    // Warm and fresh: served from the cache, so still the old position.
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!((stats.listings_made, stats.cache_hits), (0, 1));
    assert_eq!(listing_of(&results, &id).tags["v1"], f.c2);

    // TTL expired: listed again, and the cache is refreshed.
    opts.ttl = Duration::ZERO;
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!((stats.listings_made, stats.cache_hits), (1, 0));
    assert_eq!(listing_of(&results, &id).tags["v1"], f.c3);

    // Offline with a warm (even stale) cache: no git, and the server may be gone.
    fs::rename(&f.server.base, f.server.base.with_extension("gone")).unwrap();
    opts.offline = true;
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!((stats.listings_made, stats.cache_hits), (0, 1));
    assert_eq!(listing_of(&results, &id).tags["v1"], f.c3);

    // Offline with a cold cache: reported, not fetched.
    let cold = tempfile::tempdir().unwrap();
    opts.cache_dir = Some(cold.path().to_path_buf());
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!((stats.listings_made, stats.cache_hits), (0, 0));
    let err = results[&id].clone().unwrap_err();
    assert_eq!(err, ResolveError::NotCached);
    assert!(!err.is_network_or_auth());

    // Online again, but the server is gone: not found, and that answer is cached briefly, so
    // the next run does not ask again.
    opts.offline = false;
    opts.ttl = Duration::from_secs(900);
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!(results[&id], Err(ResolveError::RepoNotFound));
    assert_eq!((stats.listings_made, stats.cache_hits), (1, 0));
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!(results[&id], Err(ResolveError::RepoNotFound));
    assert_eq!((stats.listings_made, stats.cache_hits), (0, 1));
    // The server is back: a failure is trusted for a shorter time than a listing.
    fs::rename(f.server.base.with_extension("gone"), &f.server.base).unwrap();
    opts.ttl = wffmt::resolve::FAILURE_TTL + Duration::from_secs(60);
    let (results, _) = list_refs(std::slice::from_ref(&id), &opts);
    assert!(results[&id].is_err(), "still within the failure TTL");
    opts.ttl = Duration::from_secs(1);
    std::thread::sleep(Duration::from_millis(1100));
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!(stats.listings_made, 1);
    assert!(results[&id].is_ok(), "{:?}", results[&id]);
}

#[test]
fn unknown_repository_and_unknown_ref() {
    let f = fixture();
    let missing = RepoId::new("acme", "missing");
    let missing_owner = RepoId::new("nobody", "action");
    let id = RepoId::new("acme", "action");
    let (results, stats) = list_refs(
        &[missing.clone(), missing_owner.clone(), id.clone()],
        &f.opts(),
    );
    assert_eq!(stats.listings_made, 3);
    for repo in [&missing, &missing_owner] {
        let err = results[repo].clone().unwrap_err();
        assert_eq!(err, ResolveError::RepoNotFound, "{repo}");
        assert!(!err.is_network_or_auth());
        assert!(err.to_string().contains("not found"));
    }
    let listing = listing_of(&results, &id);
    assert_eq!(listing.resolve("v404"), Err(RefError::UnknownRef));
    assert_eq!(listing.resolve("refs/tags/main"), Err(RefError::UnknownRef));
}

#[test]
fn hostile_inputs_never_reach_git() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("pwned");
    let marker_text = marker.display().to_string();
    let hostile = [
        format!("--upload-pack=touch {marker_text}"),
        format!("acme/action@--upload-pack=touch {marker_text}"),
        "acme/action@--upload-pack=touch%20x".to_string(),
        format!("ext::sh -c touch% {marker_text}"),
        format!("ext::sh/x@-c touch% {marker_text}"),
        "../../etc@v1".to_string(),
        "../../etc/passwd@v1".to_string(),
        "acme/..@v1".to_string(),
        "acme/action/../../x@v1".to_string(),
        "acme/action@v1..v2".to_string(),
        "acme/action@v1 v2".to_string(),
        "acme/action@$(touch x)".to_string(),
        "acme/action@`touch x`".to_string(),
        "acme/action@v1;touch x".to_string(),
        "acme/action;touch x@v1".to_string(),
    ];
    for text in &hostile {
        match parse_uses(text) {
            UsesRef::Invalid(why) => assert!(!why.is_empty()),
            other => panic!("{text} was accepted: {other:?}"),
        }
    }
    // Shell metacharacters without spaces are legal in a git ref name. They are harmless: git
    // runs without a shell, and a ref is only ever looked up in a listing, never passed to git.
    for text in [
        "acme/action@$(id)",
        "acme/action@`id`",
        "acme/action@a;b|c&d",
    ] {
        assert!(matches!(parse_uses(text), UsesRef::Remote(_)), "{text}");
    }

    // Names built without parse_uses are validated again before git runs.
    let server = tmp.path().join("server");
    fs::create_dir_all(&server).unwrap();
    let mut opts = ResolveOptions::new(format!("file://{}", server.display()));
    let repos = [
        RepoId::new(format!("--upload-pack=touch {marker_text}"), "r"),
        RepoId::new("o", format!("--upload-pack=touch {marker_text}")),
        RepoId::new("..", ".."),
        RepoId::new("o", ".."),
        RepoId::new("ext::sh -c touch", "x"),
        RepoId::new("o", "r/../../../etc"),
    ];
    let (results, stats) = list_refs(&repos, &opts);
    assert_eq!(stats.listings_made, 0);
    for repo in &repos {
        assert!(
            matches!(results[repo], Err(ResolveError::InvalidRepo(_))),
            "{repo}: {:?}",
            results[repo]
        );
    }

    // A leading `-` is a legal repository name and stays a path after `--`.
    let (results, stats) = list_refs(&[RepoId::new("o", "-upload-pack")], &opts);
    assert_eq!(stats.listings_made, 1);
    assert_eq!(
        results[&RepoId::new("o", "-upload-pack")],
        Err(ResolveError::RepoNotFound)
    );

    // Only https, http and file servers are used.
    opts.server_url = format!("ext::sh -c touch% {marker_text}");
    let (results, stats) = list_refs(&[RepoId::new("o", "r")], &opts);
    assert_eq!(stats.listings_made, 0);
    assert!(matches!(
        results[&RepoId::new("o", "r")],
        Err(ResolveError::BadServerUrl(_))
    ));
    assert!(!marker.exists(), "a hostile input ran a command");
}

/// A one-shot HTTP listener on 127.0.0.1 that records request heads and answers each
/// connection with `status` (or never answers when `status` is `None`).
struct Listener {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn listen(status: Option<&'static str>) -> Option<Listener> {
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("skipping: cannot listen on 127.0.0.1: {e}");
            return None;
        }
    };
    let url = format!("http://{}", listener.local_addr().ok()?);
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).into_owned());
            match status {
                Some(status) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                }
                None => thread::sleep(Duration::from_secs(10)),
            }
        }
    });
    Some(Listener { url, requests })
}

#[test]
fn http_token_travels_as_header_and_errors_are_classified() {
    let token = "ghp_TestTokenThatMustNotLeak123";
    let Some(server) = listen(Some("404 Not Found")) else {
        return;
    };
    let mut opts = ResolveOptions::new(server.url.clone());
    opts.token = Some(token.to_string());
    opts.timeout = Duration::from_secs(20);
    let id = RepoId::new("acme", "action");
    let (results, _) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!(results[&id], Err(ResolveError::RepoNotFound));
    let requests = server.requests.lock().unwrap().clone();
    let first = requests.first().expect("git made a request");
    assert!(first.starts_with("GET /acme/action/info/refs?service=git-upload-pack"));
    let expected = "eC1hY2Nlc3MtdG9rZW46Z2hwX1Rlc3RUb2tlblRoYXRNdXN0Tm90TGVhazEyMw==";
    assert!(
        first.contains(&format!("Authorization: Basic {expected}")),
        "{first}"
    );

    for (status, with_token, network_or_auth) in [
        ("401 Unauthorized", true, true),
        ("401 Unauthorized", false, true),
        ("403 Forbidden", true, true),
        ("500 Internal Server Error", true, true),
    ] {
        let Some(server) = listen(Some(status)) else {
            return;
        };
        let mut opts = ResolveOptions::new(server.url.clone());
        opts.token = with_token.then(|| token.to_string());
        let (results, _) = list_refs(std::slice::from_ref(&id), &opts);
        let err = results[&id].clone().unwrap_err();
        assert_eq!(
            err.is_network_or_auth(),
            network_or_auth,
            "{status}: {err:?}"
        );
        if status.starts_with('5') {
            assert!(matches!(err, ResolveError::Network(_)), "{err:?}");
        } else {
            assert!(matches!(err, ResolveError::Auth(_)), "{status}: {err:?}");
        }
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(token), "{shown}");
        assert!(!shown.contains(expected), "{shown}");
    }
}

#[test]
fn http_timeout_and_refused_connection() {
    let Some(server) = listen(None) else {
        return;
    };
    let mut opts = ResolveOptions::new(server.url.clone());
    opts.timeout = Duration::from_millis(700);
    let id = RepoId::new("acme", "action");
    let start = Instant::now();
    let (results, _) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!(results[&id], Err(ResolveError::Timeout));
    assert!(results[&id].clone().unwrap_err().is_network_or_auth());
    assert!(start.elapsed() < Duration::from_secs(8));

    // A port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut opts = ResolveOptions::new(format!("http://127.0.0.1:{port}"));
    opts.timeout = Duration::from_secs(20);
    let (results, _) = list_refs(std::slice::from_ref(&id), &opts);
    let err = results[&id].clone().unwrap_err();
    assert!(matches!(err, ResolveError::Network(_)), "{err:?}");
}

/// Writes the shell script `body` at `name` under `dir`, executable; returns its path.
#[cfg(unix)]
fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;

    let path = write_file(dir, name, body);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A stand-in for git that records its arguments and environment and prints a canned listing.
#[cfg(unix)]
#[test]
fn fake_git_sees_token_only_in_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let record = tmp.path().join("record");

    let sha = "1234567890abcdef1234567890abcdef12345678";
    let tag_object = "fedcba0987654321fedcba0987654321fedcba09";
    let script = write_script(
        tmp.path(),
        "fake-git",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'git version 2.40.1'; exit 0; fi\nfor a in \"$@\"; do printf 'ARG %s\\n' \"$a\"; done > '{rec}'\nenv >> '{rec}'\n\
             printf '{sha}\\trefs/heads/main\\n{tag_object}\\trefs/tags/v1.2.3\\n{sha}\\trefs/tags/v1.2.3^{{}}\\n{sha}\\trefs/tags/v1\\n'\n",
            rec = record.display()
        ),
    );

    let token = "ghs_FakeGitTokenValue987";
    let mut opts = ResolveOptions::new("https://ghe.example.com/");
    opts.git = script;
    opts.token = Some(token.to_string());
    let id = RepoId::new("Acme", "Action");
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!(stats.listings_made, 1);
    let listing = listing_of(&results, &id);
    let res = listing.resolve("v1").unwrap();
    assert_eq!((res.sha.as_str(), res.comment.as_str()), (sha, "v1.2.3"));

    let record = fs::read_to_string(record).unwrap();
    let args: Vec<&str> = record
        .lines()
        .filter_map(|l| l.strip_prefix("ARG "))
        .collect();
    assert_eq!(
        args,
        [
            "ls-remote",
            "--heads",
            "--tags",
            "--",
            "https://ghe.example.com/Acme/Action"
        ]
    );
    let env: BTreeMap<&str, &str> = record
        .lines()
        .filter(|l| !l.starts_with("ARG "))
        .filter_map(|l| l.split_once('='))
        .collect();
    assert_eq!(env.get("GIT_TERMINAL_PROMPT"), Some(&"0"));
    assert_eq!(env.get("GIT_CONFIG_NOSYSTEM"), Some(&"1"));
    assert_eq!(env.get("GIT_CONFIG_GLOBAL"), Some(&"/dev/null"));
    let count: usize = env["GIT_CONFIG_COUNT"].parse().unwrap();
    let config: BTreeMap<&str, &str> = (0..count)
        .map(|i| {
            (
                env[format!("GIT_CONFIG_KEY_{i}").as_str()],
                env[format!("GIT_CONFIG_VALUE_{i}").as_str()],
            )
        })
        .collect();
    assert_eq!(config["protocol.ext.allow"], "never");
    assert_eq!(
        config["http.extraHeader"],
        "Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hzX0Zha2VHaXRUb2tlblZhbHVlOTg3"
    );
    // The raw token is nowhere: not in the arguments, not in any variable of git's own.
    assert!(args.iter().all(|a| !a.contains(token)));
    for (key, value) in &env {
        if key.starts_with("GIT") {
            assert!(!value.contains(token), "{key}");
        }
    }
}

/// A git too old for `GIT_CONFIG_COUNT`/`GIT_CONFIG_GLOBAL` would ignore the isolation and the
/// token header; it is refused before any listing.
#[cfg(unix)]
#[test]
fn old_git_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let ran = tmp.path().join("ran");
    let script = write_script(
        tmp.path(),
        "old-git",
        &format!(
            "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'git version 2.20.1'; exit 0; fi\n\
             touch '{}'\n",
            ran.display()
        ),
    );
    let mut opts = ResolveOptions::new("https://github.com");
    opts.git = script;
    let id = RepoId::new("actions", "checkout");
    let (results, stats) = list_refs(std::slice::from_ref(&id), &opts);
    assert_eq!(stats.listings_made, 0);
    let err = results[&id].clone().unwrap_err();
    assert!(
        matches!(&err, ResolveError::GitUnavailable(m) if m.contains("2.32")),
        "{err:?}"
    );
    assert!(!ran.exists());
}

/// Measures listing many local repositories cold and warm. Run with
/// `cargo test --test resolve_git -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_many_repositories() {
    let f = fixture();
    let n = 300;
    let template = f.repo.dir.clone();
    let mut ids = Vec::new();
    for i in 0..n {
        let dest = f
            .server
            .base
            .join(format!("org{}", i % 10))
            .join(format!("repo{i}"));
        copy_dir(&template, &dest);
        ids.push(RepoId::new(format!("org{}", i % 10), format!("repo{i}")));
    }
    let cache = tempfile::tempdir().unwrap();
    let mut opts = f.opts();
    opts.cache_dir = Some(cache.path().to_path_buf());
    for connections in [1, 4, 8] {
        opts.max_connections = connections;
        opts.ttl = Duration::ZERO;
        let start = Instant::now();
        let (results, stats) = list_refs(&ids, &opts);
        let cold = start.elapsed();
        assert_eq!(stats.listings_made, n);
        assert!(results.values().all(Result::is_ok));
        opts.ttl = Duration::from_secs(900);
        let start = Instant::now();
        let (_, stats) = list_refs(&ids, &opts);
        let warm = start.elapsed();
        assert_eq!(stats.cache_hits, n);
        println!("{n} repos, {connections} connections: cold {cold:?}, warm {warm:?}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

// ---- the shared Session: files and dates at a commit --------------------------------------

const ACTION_YML: &str = "name: root\nruns:\n  using: node20\n  main: dist/index.js\n";
const SUB_ACTION_YAML: &str =
    "name: sub\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n      shell: bash\n";

/// `acme/tool`: c1 (2024-03-01) with action files, a workflow and a large `dist/`; the annotated
/// tag `v1.0.0` (tagged 2024-03-05) on c1; c2 (2024-04-01) without the sub-directory action.
struct ToolServer {
    server: GitServer,
    repo: Bare,
    c1: String,
    c2: String,
}

fn tool_server() -> ToolServer {
    let server = GitServer::new();
    let repo = server.repo("acme", "tool");
    repo.allow_filters();
    let big = "x".repeat(300_000);
    let c1 = repo.commit_files(
        "one",
        None,
        &[
            ("action.yml", ACTION_YML),
            ("sub/action.yaml", SUB_ACTION_YAML),
            (".github/workflows/ci.yml", "on: push\n"),
            ("dist/index.js", &big),
        ],
        "2024-03-01T00:00:00Z",
    );
    repo.annotated_at("v1.0.0", &c1, "2024-03-05T00:00:00Z");
    let c2 = repo.commit_files(
        "two",
        Some(&c1),
        &[("action.yml", "name: two\nruns:\n  using: node24\n")],
        "2024-04-01T00:00:00Z",
    );
    repo.branch("main", &c2);
    ToolServer {
        server,
        repo,
        c1,
        c2,
    }
}

impl ToolServer {
    fn opts(&self, cache: Option<&Path>) -> ResolveOptions {
        let mut opts = ResolveOptions::new(self.server.url());
        opts.cache_dir = cache.map(Path::to_path_buf);
        opts
    }
}

const MAR_1_2024: i64 = 1_709_251_200;
const MAR_5_2024: i64 = 1_709_596_800;

#[test]
fn session_reads_action_files_at_a_commit_once() {
    let srv = tool_server();
    let cache = tempfile::tempdir().unwrap();
    let session = Session::new(srv.opts(Some(cache.path())));
    let tool = RepoId::new("acme", "tool");

    let root = session.action_file(&tool, None, &srv.c1).unwrap().unwrap();
    assert_eq!(root.path, "action.yml");
    assert_eq!(&*root.text, ACTION_YML);
    let after_first = session.stats();
    assert_eq!(after_first.fetches, 1, "{after_first:?}");
    // Same commit, other paths: no new fetch (the commit's action files came with it), and the
    // `.yaml` spelling is found.
    let sub = session
        .action_file(&tool, Some("sub/"), &srv.c1.to_uppercase())
        .unwrap()
        .unwrap();
    assert_eq!(
        (sub.path.as_str(), &*sub.text),
        ("sub/action.yaml", SUB_ACTION_YAML)
    );
    assert_eq!(session.action_file(&tool, Some("nope"), &srv.c1), Ok(None));
    let workflow = session
        .file_at(&tool, &srv.c1, ".github/workflows/ci.yml")
        .unwrap()
        .unwrap();
    assert_eq!(&*workflow, "on: push\n");
    assert_eq!(
        session.stats().fetches,
        2,
        "the workflow's blob is fetched on demand"
    );
    // Another commit: one more fetch; the file is absent there, which is an answer.
    assert_eq!(session.action_file(&tool, Some("sub"), &srv.c2), Ok(None));
    assert_eq!(session.stats().fetches, 3);

    // A new run with the same cache: everything from disk, no git at all, even offline and
    // with the server gone.
    fs::rename(&srv.server.base, srv.server.base.with_extension("gone")).unwrap();
    let mut opts = srv.opts(Some(cache.path()));
    opts.offline = true;
    let warm = Session::new(opts);
    assert_eq!(
        warm.action_file(&tool, Some("sub"), &srv.c1)
            .unwrap()
            .unwrap()
            .text,
        sub.text
    );
    assert_eq!(warm.action_file(&tool, Some("sub"), &srv.c2), Ok(None));
    assert_eq!(
        &*warm
            .file_at(&tool, &srv.c1, ".github/workflows/ci.yml")
            .unwrap()
            .unwrap(),
        "on: push\n"
    );
    let stats = warm.stats();
    assert_eq!((stats.git_processes, stats.fetches), (0, 0), "{stats:?}");
    assert!(stats.objects_from_cache >= 3);

    // Offline with a cold cache: a clear "not cached", never a fetch.
    let mut opts = srv.opts(None);
    opts.offline = true;
    let cold = Session::new(opts);
    assert_eq!(
        cold.action_file(&tool, None, &srv.c1),
        Err(ResolveError::NotCached)
    );
    assert_eq!(cold.stats().git_processes, 0);
}

#[test]
fn session_fetches_are_blobless_and_unknown_commits_are_errors() {
    let srv = tool_server();
    // Remove the large blob from the server: only a fetch that never asks for it can succeed.
    let oid = git(
        &srv.repo.dir,
        &["rev-parse", &format!("{}:dist/index.js", srv.c1)],
    );
    fs::remove_file(srv.repo.dir.join("objects").join(&oid[..2]).join(&oid[2..])).unwrap();
    let tool = RepoId::new("acme", "tool");
    let session = Session::new(srv.opts(None));
    let file = session.action_file(&tool, None, &srv.c1).unwrap().unwrap();
    assert_eq!(&*file.text, ACTION_YML);
    // The same server refusing filters would have to send every blob, and cannot.
    git(
        &srv.repo.dir,
        &["config", "uploadpack.allowFilter", "false"],
    );
    let unfiltered = Session::new(srv.opts(None));
    assert!(unfiltered.action_file(&tool, None, &srv.c1).is_err());
    let missing = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(
        session.action_file(&tool, None, missing),
        Err(ResolveError::CommitNotFound)
    );
    assert_eq!(
        session.action_file(&RepoId::new("acme", "nothing"), None, &srv.c1),
        Err(ResolveError::RepoNotFound)
    );
}

#[test]
fn session_dates_of_commits_and_annotated_tags() {
    let srv = tool_server();
    let cache = tempfile::tempdir().unwrap();
    let tool = RepoId::new("acme", "tool");
    let session = Session::new(srv.opts(Some(cache.path())));
    let listing = session.listing(&tool).unwrap();
    let tag_object = listing.tag_objects["v1.0.0"].clone();
    assert_ne!(tag_object, srv.c1);
    assert_eq!(listing.tags["v1.0.0"], srv.c1);

    let commit = session.dates(&tool, &srv.c1).unwrap();
    assert_eq!(commit.commit, srv.c1);
    assert_eq!(commit.committed_at, MAR_1_2024);
    assert_eq!(commit.tagged_at, None);
    assert_eq!(commit.released_at(), MAR_1_2024);
    let tag = session.dates(&tool, &tag_object).unwrap();
    assert_eq!(tag.commit, srv.c1);
    assert_eq!(tag.committed_at, MAR_1_2024);
    assert_eq!(tag.tagged_at, Some(MAR_5_2024));
    assert_eq!(tag.released_at(), MAR_5_2024);
    // Asked again: memory, no git.
    let before = session.stats();
    session.dates(&tool, &srv.c1).unwrap();
    assert_eq!(session.stats(), before);
    assert_eq!(before.fetches, 2);

    // Forever in the cache: a new session answers with the server gone.
    fs::rename(&srv.server.base, srv.server.base.with_extension("gone")).unwrap();
    let warm = Session::new(srv.opts(Some(cache.path())));
    assert_eq!(warm.dates(&tool, &tag_object).unwrap(), tag);
    assert_eq!(warm.stats().git_processes, 0);
}

#[test]
fn session_prefetch_asks_each_key_once_with_concurrent_askers() {
    let srv = tool_server();
    let tool = RepoId::new("acme", "tool");
    let mut opts = srv.opts(None);
    opts.max_connections = 4;
    let session = Arc::new(Session::new(opts));
    let c1 = srv.c1.clone();
    let c2 = srv.c2.clone();
    let keys: Vec<(RepoId, String)> = (0..12)
        .map(|i| {
            (
                tool.clone(),
                if i % 2 == 0 { c1.clone() } else { c2.clone() },
            )
        })
        .collect();
    // Rule threads asking while the prefetch runs wait for the same answers.
    thread::scope(|s| {
        for _ in 0..4 {
            let session = Arc::clone(&session);
            let (tool, c1) = (tool.clone(), c1.clone());
            s.spawn(move || session.dates(&tool, &c1).unwrap());
        }
        session.prefetch_dates(&keys);
        session.prefetch_listings([&tool, &RepoId::new("ACME", "TOOL")]);
    });
    let stats = session.stats();
    assert_eq!(stats.fetches, 2, "{stats:?}");
    assert_eq!(stats.listings_made, 1, "{stats:?}");
    let file_keys = vec![
        (tool.clone(), None, c1.clone()),
        (tool.clone(), Some("sub".to_string()), c1.clone()),
        (tool.clone(), None, c2.clone()),
    ];
    session.prefetch_action_files(&file_keys);
    assert_eq!(session.stats().fetches, 4);
    assert!(session
        .action_file(&tool, Some("sub"), &c1)
        .unwrap()
        .is_some());
    assert_eq!(session.stats().fetches, 4);
}

#[test]
fn session_refuses_malformed_keys_without_running_git() {
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = ResolveOptions::new(format!("file://{}", tmp.path().display()));
    opts.git = PathBuf::from("/nonexistent/git-that-must-not-run");
    let session = Session::new(opts);
    let repo = RepoId::new("acme", "tool");
    let sha = "a".repeat(40);
    for bad_sha in [
        "--upload-pack=touch x",
        "HEAD",
        "v1",
        &"a".repeat(39),
        &"g".repeat(40),
    ] {
        assert!(
            matches!(session.dates(&repo, bad_sha), Err(ResolveError::Invalid(_))),
            "{bad_sha}"
        );
        assert!(matches!(
            session.action_file(&repo, None, bad_sha),
            Err(ResolveError::Invalid(_))
        ));
    }
    for bad_path in [
        "../action.yml",
        "a//action.yml",
        "./action.yml",
        "README.md",
        "src/main.rs",
        ".github/workflows/../../x.yml",
    ] {
        assert!(
            matches!(
                session.file_at(&repo, &sha, bad_path),
                Err(ResolveError::Invalid(_))
            ),
            "{bad_path}"
        );
    }
    assert!(matches!(
        session.dates(&RepoId::new("--upload-pack=x", "r"), &sha),
        Err(ResolveError::InvalidRepo(_))
    ));
    assert_eq!(session.stats().git_processes, 0);
}

/// A server that accepts connections and never answers: after the first timeouts the session
/// stops asking it, every question still gets an answer that says why, and the total time
/// stays bounded.
#[test]
fn never_answering_server_is_given_up_on() {
    let Some(server) = listen(None) else {
        return;
    };
    let mut opts = ResolveOptions::new(server.url.clone());
    opts.timeout = Duration::from_millis(500);
    opts.max_connections = 2;
    let session = Session::new(opts);
    let repos: Vec<RepoId> = (0..40)
        .map(|i| RepoId::new("org", format!("r{i}")))
        .collect();
    let start = Instant::now();
    session.prefetch_listings(&repos);
    session.prefetch_dates(&[(RepoId::new("org", "r0"), "a".repeat(40))]);
    let elapsed = start.elapsed();
    let mut timeouts = 0;
    let mut skipped = 0;
    for repo in &repos {
        match session.listing(repo) {
            Err(ResolveError::Timeout) => timeouts += 1,
            Err(ResolveError::Skipped(why)) => {
                assert!(why.contains("127.0.0.1"), "{why}");
                assert!(why.contains("not asked"), "{why}");
                skipped += 1;
            }
            other => panic!("{repo}: {other:?}"),
        }
    }
    // Both connections may time out together: at most one more than the threshold.
    assert!((2..=3).contains(&timeouts), "{timeouts}");
    assert_eq!(timeouts + skipped, 40);
    assert!(session.listing(&repos[0]).unwrap_err().is_network_or_auth());
    assert!(matches!(
        session.dates(&RepoId::new("org", "r0"), &"a".repeat(40)),
        Err(ResolveError::Skipped(_))
    ));
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert!(session.stats().skipped >= 37);

    // The total deadline cuts a long per-process timeout short and stops everything after it.
    let mut opts = ResolveOptions::new(server.url.clone());
    opts.timeout = Duration::from_secs(60);
    opts.deadline = Duration::from_millis(600);
    opts.max_connections = 1;
    let session = Session::new(opts);
    let start = Instant::now();
    session.prefetch_listings(&repos[..5]);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    for repo in &repos[..5] {
        let err = session.listing(repo).unwrap_err();
        assert!(
            matches!(&err, ResolveError::Skipped(why) if why.contains("WFFMT_NETWORK_DEADLINE")),
            "{err:?}"
        );
    }
}
