//! Ref resolution for the `pin` rule: which commit does `owner/repo@v4` name today, and which
//! version comment describes it best?
//!
//! The flow, and why it is shaped this way:
//! 1. [`parse_uses`] classifies each `uses:` value and validates owner, repository and ref
//!    against GitHub's and git's naming rules. `uses:` text is untrusted (workflow files arrive
//!    in pull requests), and only validated names ever reach git.
//! 2. The caller collects the [`RepoId`]s of a whole run and calls [`list_refs`] once. It
//!    de-duplicates them (case-insensitively, as GitHub does) *before* any network call, serves
//!    what it can from the disk cache, and lists the rest with `git ls-remote` on a bounded
//!    number of threads, each git process killed after [`ResolveOptions::timeout`]. One listing
//!    per repository answers every ref of that repository: no per-ref requests, no REST quota.
//! 3. [`RefListing::resolve`] turns a ref into a [`Resolution`]: the commit (annotated tags
//!    peeled), the `# vX.Y.Z` comment (the most specific tag on that commit), and a warning
//!    when a tag and a branch share the name (the tag wins, as in the runner).
//!    [`RefListing::verify_pin`] serves `--verify-pins`.
//!
//! Failures are values, per repository ([`ResolveError`]); [`ResolveError::is_network_or_auth`]
//! tells the caller when exit code 3 applies. Nothing here prints, and the token never appears in
//! an argument list, a message or the cache.
//!
//! The server is `{GITHUB_SERVER_URL}/{owner}/{repo}` (default `https://github.com`), so GitHub
//! Enterprise Server works, and so does `file:///dir` with bare repositories laid out as
//! `dir/{owner}/{repo}` (how the tests run).

mod cache;
mod git;
mod listing;
mod uses;

pub use listing::{comment_ref, PinCheck, RefError, RefListing, Resolution};
pub use uses::{
    is_full_sha, parse_uses, validate_owner, validate_ref, validate_repo, RemoteUses, RepoId,
    UsesRef,
};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

/// The default server when `GITHUB_SERVER_URL` is not set.
pub const DEFAULT_SERVER_URL: &str = "https://github.com";
/// How long a cached listing is trusted online (`WFFMT_CACHE_TTL` overrides, in seconds).
pub const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);
/// Per-repository limit for one `git ls-remote`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Concurrent `git ls-remote` processes.
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// How to resolve: where, with which credentials, how fast, and whether the network may be used.
#[derive(Clone)]
pub struct ResolveOptions {
    /// `https://github.com`, an Enterprise server, or `file:///dir`; trailing `/` is ignored.
    pub server_url: String,
    /// Sent as an `Authorization` header to http(s) servers, through git's environment only.
    pub token: Option<String>,
    /// `None`: no cache at all.
    pub cache_dir: Option<PathBuf>,
    /// How old a cached listing may be when online. Offline, any age is used.
    pub ttl: Duration,
    /// Use only the cache; a miss is [`ResolveError::NotCached`].
    pub offline: bool,
    /// At most this many git processes at once (0 counts as 1).
    pub max_connections: usize,
    /// Kill a git process that has not finished after this long.
    pub timeout: Duration,
    /// The git executable (`git` from `PATH` by default).
    pub git: PathBuf,
}

impl fmt::Debug for ResolveOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveOptions")
            .field("server_url", &self.server_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("cache_dir", &self.cache_dir)
            .field("ttl", &self.ttl)
            .field("offline", &self.offline)
            .field("max_connections", &self.max_connections)
            .field("timeout", &self.timeout)
            .field("git", &self.git)
            .finish()
    }
}

impl ResolveOptions {
    /// Options for a `server_url` with every other setting at its default and no cache.
    pub fn new(server_url: impl Into<String>) -> ResolveOptions {
        ResolveOptions {
            server_url: server_url.into(),
            token: None,
            cache_dir: None,
            ttl: DEFAULT_TTL,
            offline: false,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            timeout: DEFAULT_TIMEOUT,
            git: PathBuf::from("git"),
        }
    }

    /// Reads `GITHUB_SERVER_URL`, `GITHUB_TOKEN` (then `GH_TOKEN`), `WFFMT_CACHE_DIR` (default:
    /// the platform's user cache directory + `/wffmt`) and `WFFMT_CACHE_TTL` (seconds).
    pub fn from_env(offline: bool) -> ResolveOptions {
        Self::from_vars(offline, |name| std::env::var(name).ok())
    }

    /// [`ResolveOptions::from_env`] with the variables supplied by `var` (for tests and
    /// embedding). Empty values count as unset.
    pub fn from_vars(offline: bool, var: impl Fn(&str) -> Option<String>) -> ResolveOptions {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let mut opts = ResolveOptions::new(
            get("GITHUB_SERVER_URL").unwrap_or_else(|| DEFAULT_SERVER_URL.to_string()),
        );
        opts.token = get("GITHUB_TOKEN")
            .or_else(|| get("GH_TOKEN"))
            .map(|t| t.trim().to_string());
        opts.cache_dir = get("WFFMT_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| default_cache_dir(&get));
        if let Some(ttl) = get("WFFMT_CACHE_TTL").and_then(|v| v.trim().parse::<u64>().ok()) {
            opts.ttl = Duration::from_secs(ttl);
        }
        opts.offline = offline;
        opts
    }
}

impl ResolveOptions {
    /// Checks `server_url` the way every lookup would, so that a bad `GITHUB_SERVER_URL` is
    /// reported once for the run rather than once per `uses:`.
    pub fn check_server_url(&self) -> Result<(), ResolveError> {
        git::check_server_url(&self.server_url).map(|_| ())
    }
}

/// The user cache directory per platform, without extra crates: `%LOCALAPPDATA%` on Windows,
/// `~/Library/Caches` on macOS, `$XDG_CACHE_HOME` or `~/.cache` elsewhere.
fn default_cache_dir(get: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let absolute = |v: String| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let base = if cfg!(windows) {
        get("LOCALAPPDATA").and_then(absolute)
    } else if cfg!(target_os = "macos") {
        get("HOME")
            .and_then(absolute)
            .map(|h| h.join("Library").join("Caches"))
    } else {
        get("XDG_CACHE_HOME")
            .and_then(absolute)
            .or_else(|| get("HOME").and_then(absolute).map(|h| h.join(".cache")))
    };
    base.map(|b| b.join("wffmt"))
}

/// Why a repository's refs could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// Owner or repository name breaks GitHub's rules; git was not run.
    InvalidRepo(String),
    /// `GITHUB_SERVER_URL` is not an https, http or file URL; git was not run.
    BadServerUrl(String),
    /// The server says the repository does not exist (or the token cannot see it).
    RepoNotFound,
    /// Credentials were required or rejected.
    Auth(String),
    /// DNS, connection, TLS, HTTP 5xx and the like.
    Network(String),
    /// git did not finish within the timeout and was killed.
    Timeout,
    /// `--offline` and the cache has no entry for the repository.
    NotCached,
    /// git could not be started.
    GitUnavailable(String),
    /// Any other git failure.
    Git(String),
}

impl ResolveError {
    /// True for failures that mean "try again with a network or a token" (exit code 3).
    pub fn is_network_or_auth(&self) -> bool {
        matches!(
            self,
            ResolveError::Network(_) | ResolveError::Auth(_) | ResolveError::Timeout
        )
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::InvalidRepo(why) => write!(f, "invalid repository name: {why}"),
            ResolveError::BadServerUrl(why) => write!(f, "{why}"),
            ResolveError::RepoNotFound => f.write_str(
                "repository not found on the server (check owner and name; a private repository \
                 needs GITHUB_TOKEN or GH_TOKEN with access to it)",
            ),
            ResolveError::Auth(why) => write!(f, "authentication failed: {why}"),
            ResolveError::Network(why) => write!(f, "network error while listing refs: {why}"),
            ResolveError::Timeout => f.write_str(
                "listing the repository's refs timed out (slow network or server; try again)",
            ),
            ResolveError::NotCached => f.write_str(
                "not in the cache and --offline forbids the network (run once without --offline \
                 to fill the cache)",
            ),
            ResolveError::GitUnavailable(why) => {
                write!(f, "git is needed to resolve refs: {why}")
            }
            ResolveError::Git(why) => write!(f, "git failed while listing refs: {why}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// What [`list_refs`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// `git ls-remote` processes run (attempts, successful or not).
    pub listings_made: usize,
    /// Repositories answered from the disk cache.
    pub cache_hits: usize,
}

/// De-duplicates `repos`, serves what it can from the cache, lists the rest in parallel
/// (at most `max_connections` git processes at once) and writes successful listings back to the
/// cache. Every distinct repository gets an entry in the result; lookups with any spelling case
/// of a name find it. Of several spellings, the first one in `repos` is the one listed.
pub fn list_refs(
    repos: &[RepoId],
    opts: &ResolveOptions,
) -> (BTreeMap<RepoId, Result<RefListing, ResolveError>>, Stats) {
    let mut results = BTreeMap::new();
    let mut stats = Stats::default();
    // The first spelling of a name wins (`BTreeSet::insert` keeps the existing element); it only
    // matters for a case-sensitive `file://` base.
    let mut unique: BTreeSet<&RepoId> = BTreeSet::new();
    for repo in repos {
        unique.insert(repo);
    }
    let server = git::check_server_url(&opts.server_url);
    let mut to_list: Vec<RepoId> = Vec::new();
    for repo in unique {
        if let Err(why) = repo.validate() {
            results.insert(repo.clone(), Err(ResolveError::InvalidRepo(why)));
            continue;
        }
        let server = match &server {
            Ok((server, _)) => *server,
            Err(e) => {
                results.insert(repo.clone(), Err(e.clone()));
                continue;
            }
        };
        let max_age = if opts.offline { None } else { Some(opts.ttl) };
        let cached = opts
            .cache_dir
            .as_deref()
            .and_then(|dir| cache::read(dir, server, repo, max_age));
        match cached {
            Some(listing) => {
                stats.cache_hits += 1;
                results.insert(repo.clone(), Ok(listing));
            }
            None if opts.offline => {
                results.insert(repo.clone(), Err(ResolveError::NotCached));
            }
            None => to_list.push(repo.clone()),
        }
    }
    if let (Ok((server, transport)), false) = (&server, to_list.is_empty()) {
        match git::check_git(&opts.git, opts.timeout) {
            Ok(()) => {
                stats.listings_made += to_list.len();
                results.extend(list_in_parallel(&to_list, server, *transport, opts));
            }
            Err(e) => results.extend(to_list.into_iter().map(|repo| (repo, Err(e.clone())))),
        }
    }
    (results, stats)
}

fn list_in_parallel(
    repos: &[RepoId],
    server: &str,
    transport: git::Transport,
    opts: &ResolveOptions,
) -> Vec<(RepoId, Result<RefListing, ResolveError>)> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(repos.len()));
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(repo) = repos.get(i) else {
            break;
        };
        let result = list_one(repo, server, transport, opts);
        done.lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((repo.clone(), result));
    };
    let workers = opts.max_connections.clamp(1, repos.len().max(1));
    thread::scope(|scope| {
        for _ in 1..workers {
            // If a thread cannot be started, the remaining workers (at least this one) take
            // its share.
            let _ = thread::Builder::new()
                .name("wffmt-ls-remote".to_string())
                .spawn_scoped(scope, work);
        }
        work();
    });
    done.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn list_one(
    repo: &RepoId,
    server: &str,
    transport: git::Transport,
    opts: &ResolveOptions,
) -> Result<RefListing, ResolveError> {
    let listing = git::list_one(
        &opts.git,
        server,
        transport,
        repo,
        opts.token.as_deref(),
        opts.timeout,
    )?;
    if let Some(dir) = opts.cache_dir.as_deref() {
        // A cache that cannot be written only costs a listing next time.
        let _ = cache::write(dir, server, repo, &listing);
    }
    Ok(listing)
}

/// The cache file that holds (or would hold) `repo`'s listing; for diagnostics.
pub fn cache_entry_path(opts: &ResolveOptions, repo: &RepoId) -> Option<PathBuf> {
    let (server, _) = git::check_server_url(&opts.server_url).ok()?;
    opts.cache_dir
        .as_deref()
        .map(|dir: &Path| cache::entry_path(dir, server, repo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn options_from_vars() {
        let o = ResolveOptions::from_vars(false, vars(&[]));
        assert_eq!(o.server_url, DEFAULT_SERVER_URL);
        assert_eq!(o.token, None);
        assert_eq!(o.cache_dir, None);
        assert_eq!(o.ttl, DEFAULT_TTL);
        assert_eq!(o.timeout, DEFAULT_TIMEOUT);
        assert!(!o.offline);

        let o = ResolveOptions::from_vars(
            true,
            vars(&[
                ("GITHUB_SERVER_URL", "https://ghe.example/"),
                ("GITHUB_TOKEN", ""),
                ("GH_TOKEN", "gho_x"),
                ("WFFMT_CACHE_DIR", "/c"),
                ("WFFMT_CACHE_TTL", "60"),
                ("HOME", "/home/u"),
            ]),
        );
        assert_eq!(o.server_url, "https://ghe.example/");
        assert_eq!(o.token.as_deref(), Some("gho_x"));
        assert_eq!(o.cache_dir, Some(PathBuf::from("/c")));
        assert_eq!(o.ttl, Duration::from_secs(60));
        assert!(o.offline);
        let debug = format!("{o:?}");
        assert!(!debug.contains("gho_x"), "{debug}");

        let o = ResolveOptions::from_vars(
            false,
            vars(&[
                ("GITHUB_TOKEN", "a"),
                ("GH_TOKEN", "b"),
                ("WFFMT_CACHE_TTL", "x"),
            ]),
        );
        assert_eq!(o.token.as_deref(), Some("a"));
        assert_eq!(o.ttl, DEFAULT_TTL);
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn default_cache_dir_follows_xdg() {
        let o = ResolveOptions::from_vars(
            false,
            vars(&[("XDG_CACHE_HOME", "/x/cache"), ("HOME", "/home/u")]),
        );
        assert_eq!(o.cache_dir, Some(PathBuf::from("/x/cache/wffmt")));
        let o = ResolveOptions::from_vars(
            false,
            vars(&[("XDG_CACHE_HOME", "relative"), ("HOME", "/home/u")]),
        );
        assert_eq!(o.cache_dir, Some(PathBuf::from("/home/u/.cache/wffmt")));
    }

    #[test]
    fn invalid_repos_and_servers_never_reach_git() {
        let mut opts = ResolveOptions::new("file:///nonexistent-base");
        opts.git = PathBuf::from("/nonexistent/git-that-must-not-run");
        let repos = [
            RepoId::new("--upload-pack=touch x", "r"),
            RepoId::new("o", ".."),
            RepoId::new("ext::sh", "x"),
        ];
        let (results, stats) = list_refs(&repos, &opts);
        assert_eq!(stats, Stats::default());
        assert_eq!(results.len(), 3);
        assert!(results
            .values()
            .all(|r| matches!(r, Err(ResolveError::InvalidRepo(_)))));

        opts.server_url = "ext::sh -c touch% /tmp/x".to_string();
        let (results, stats) = list_refs(&[RepoId::new("o", "r")], &opts);
        assert_eq!(stats.listings_made, 0);
        assert!(matches!(
            results[&RepoId::new("o", "r")],
            Err(ResolveError::BadServerUrl(_))
        ));
    }

    #[test]
    fn missing_git_is_reported() {
        let mut opts = ResolveOptions::new("file:///nonexistent-base");
        opts.git = PathBuf::from("/nonexistent/git-binary");
        let (results, stats) = list_refs(&[RepoId::new("o", "r")], &opts);
        assert_eq!(stats.listings_made, 0);
        let err = results[&RepoId::new("O", "R")].clone().unwrap_err();
        assert!(matches!(err, ResolveError::GitUnavailable(_)));
        assert!(!err.is_network_or_auth());
        assert!(err.to_string().contains("git"));
    }

    #[test]
    fn offline_without_cache_is_not_cached() {
        let mut opts = ResolveOptions::new(DEFAULT_SERVER_URL);
        opts.offline = true;
        let (results, stats) = list_refs(&[RepoId::new("actions", "checkout")], &opts);
        assert_eq!(stats, Stats::default());
        let err = results[&RepoId::new("actions", "checkout")]
            .clone()
            .unwrap_err();
        assert_eq!(err, ResolveError::NotCached);
        assert!(err.to_string().contains("--offline"));
    }
}
