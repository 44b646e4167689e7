//! What the git server knows, asked once per run: ref listings for `pin` (which commit does
//! `owner/repo@v4` name today, and which version comment describes it best?), the dates of
//! commits and tags (`pin`'s cooldown), and action metadata files at a commit (what other rules
//! read of the actions a workflow uses).
//!
//! The flow, and why it is shaped this way:
//! 1. [`parse_uses`] classifies each `uses:` value and validates owner, repository and ref
//!    against GitHub's and git's naming rules. `uses:` text is untrusted (workflow files arrive
//!    in pull requests), and only validated names and 40-hex object ids ever reach git.
//! 2. The run makes one [`Session`] and hands it to every rule. It memoizes every question per
//!    key, serves what it can from the disk cache, asks the server with `git ls-remote` (one
//!    listing per repository answers every ref of it: no per-ref requests, no REST quota) or a
//!    depth-1 partial `git fetch` of one commit, on a bounded number of threads, and gives up on
//!    a server that stops answering. The run prefetches what it knows it needs before files are
//!    processed.
//! 3. [`RefListing::resolve`] turns a ref into a [`Resolution`]: the commit (annotated tags
//!    peeled), the `# vX.Y.Z` comment (the most specific tag on that commit), and a warning
//!    when a tag and a branch share the name (the tag wins, as in the runner).
//!    [`RefListing::verify_pin`] serves `--verify-pins`.
//!
//! Failures are values, per key ([`ResolveError`]); [`ResolveError::is_network_or_auth`]
//! tells the caller when exit code 3 applies. Nothing here prints, and the token never appears in
//! an argument list, a message or the cache.
//!
//! The server is `{GITHUB_SERVER_URL}/{owner}/{repo}` (default `https://github.com`), so GitHub
//! Enterprise Server works, and so does `file:///dir` with bare repositories laid out as
//! `dir/{owner}/{repo}` (how the tests run).

mod cache;
mod fetch;
mod git;
mod listing;
mod once;
mod registry;
mod session;
mod uses;

pub use fetch::{ObjectDates, MAX_FILE_BYTES};
pub use listing::{
    comment_ref, compare_versions, is_safe_ref_name, PinCheck, RefError, RefListing, Release,
    Resolution, Version,
};
pub use registry::{parse_image, ImageRef};
pub use session::{list_refs, RemoteFile, Session, Stats, FAILURE_TTL, TRIP_AFTER_TIMEOUTS};
pub use uses::{
    is_full_sha, parse_uses, validate_owner, validate_ref, validate_repo, wildcard_match,
    RemoteUses, RepoId, UsesRef,
};

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The default server when `GITHUB_SERVER_URL` is not set.
pub const DEFAULT_SERVER_URL: &str = "https://github.com";
/// How long a cached listing is trusted online (`WFFMT_CACHE_TTL` overrides, in seconds).
pub const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);
/// Limit for one git process (`WFFMT_NETWORK_TIMEOUT` overrides, in seconds).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Limit for all the network lookups of a run (`WFFMT_NETWORK_DEADLINE` overrides, in seconds).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(180);
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
    /// Every git process must end this long after the [`Session`] was made.
    pub deadline: Duration,
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
            .field("deadline", &self.deadline)
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
            deadline: DEFAULT_DEADLINE,
            git: PathBuf::from("git"),
        }
    }

    /// Reads `GITHUB_SERVER_URL`, `GITHUB_TOKEN` (then `GH_TOKEN`), `WFFMT_CACHE_DIR` (default:
    /// the platform's user cache directory + `/wffmt`), `WFFMT_CACHE_TTL`,
    /// `WFFMT_NETWORK_TIMEOUT` and `WFFMT_NETWORK_DEADLINE` (seconds).
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
        let seconds = |name: &str| {
            get(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
                .map(Duration::from_secs_f64)
        };
        if let Some(ttl) = seconds("WFFMT_CACHE_TTL") {
            opts.ttl = ttl;
        }
        if let Some(timeout) = seconds("WFFMT_NETWORK_TIMEOUT").filter(|d| !d.is_zero()) {
            opts.timeout = timeout;
        }
        if let Some(deadline) = seconds("WFFMT_NETWORK_DEADLINE") {
            opts.deadline = deadline;
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

/// The rule name of findings that say a lookup failed because of the network or
/// authentication (exit code 3), whichever rule needed the lookup: `pin` resolving a ref,
/// `permissions` reading another repository's action. Not `pin`'s name, since pin may not be
/// running at all.
pub const NETWORK_RULE: &str = "network";

/// Why a question to the server has no answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResolveError {
    /// Owner or repository name breaks GitHub's rules; git was not run.
    InvalidRepo(String),
    /// A malformed object id or path was asked for; git was not run.
    Invalid(String),
    /// `GITHUB_SERVER_URL` is not an https, http or file URL; git was not run.
    BadServerUrl(String),
    /// The server says the repository does not exist (or the token cannot see it).
    RepoNotFound,
    /// The repository has no such commit (or object).
    CommitNotFound,
    /// Credentials were required or rejected.
    Auth(String),
    /// DNS, connection, TLS, HTTP 5xx and the like.
    Network(String),
    /// git did not finish within the timeout and was killed.
    Timeout,
    /// Not asked, or cut short: the server had stopped answering, or the run's network time
    /// was used up. The text says which.
    Skipped(String),
    /// `--offline` and the cache has no entry for the repository.
    NotCached,
    /// `--offline` and the cache only remembers that an earlier run could not get the answer
    /// (a network or authentication failure, kept briefly). Not a network failure of this run:
    /// this run did not try.
    NotCachedAfterFailure(Box<ResolveError>),
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
            ResolveError::Network(_)
                | ResolveError::Auth(_)
                | ResolveError::Timeout
                | ResolveError::Skipped(_)
        )
    }

    /// Answers from the server worth keeping in the cache for a while; not local decisions
    /// (invalid input, offline, skipped, no git).
    pub fn is_cacheable(&self) -> bool {
        matches!(
            self,
            ResolveError::RepoNotFound
                | ResolveError::CommitNotFound
                | ResolveError::Auth(_)
                | ResolveError::Network(_)
                | ResolveError::Timeout
                | ResolveError::Git(_)
        )
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::InvalidRepo(why) => write!(f, "invalid repository name: {why}"),
            ResolveError::Invalid(why) => write!(f, "{why}"),
            ResolveError::BadServerUrl(why) => write!(f, "{why}"),
            ResolveError::RepoNotFound => f.write_str(
                "repository not found on the server (check owner and name; a private repository \
                 needs GITHUB_TOKEN or GH_TOKEN with access to it)",
            ),
            ResolveError::CommitNotFound => f.write_str(
                "the repository has no such commit (it may have been force-pushed away, or come \
                 from a fork)",
            ),
            ResolveError::Auth(why) => write!(f, "authentication failed: {why}"),
            ResolveError::Network(why) => write!(f, "network error: {why}"),
            ResolveError::Timeout => f.write_str(
                "the server did not answer in time (slow network or server; try again, or raise \
                 WFFMT_NETWORK_TIMEOUT)",
            ),
            ResolveError::Skipped(why) => f.write_str(why),
            ResolveError::NotCached => f.write_str(
                "not in the cache and --offline forbids the network (run once without --offline \
                 to fill the cache)",
            ),
            ResolveError::NotCachedAfterFailure(earlier) => {
                let verb = match **earlier {
                    ResolveError::Auth(_) => "was refused by the server",
                    _ => "could not reach the server",
                };
                write!(
                    f,
                    "not in the cache (an earlier run {verb}: {}) and --offline forbids the network",
                    server_cause(&earlier.to_string())
                )
            }
            ResolveError::GitUnavailable(why) => {
                write!(f, "git is needed to resolve refs: {why}")
            }
            ResolveError::Git(why) => write!(f, "git failed: {why}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// The cause of a failure as the same text for every repository of a server, so that a report
/// can say it once with a count: git's `unable to access 'https://host/owner/repo/': why`
/// without the repository's URL, and without the time curl took (`Failed to connect to host
/// port 443 after 3 ms: …` varies from one repository to the next).
pub fn server_cause(why: &str) -> String {
    const MARK: &str = "unable to access '";
    let cause = why
        .find(MARK)
        .and_then(|at| {
            why[at + MARK.len()..]
                .find("': ")
                .map(|end| at + MARK.len() + end + 3)
        })
        .map_or(why, |rest| why[rest..].trim());
    without_timing(cause)
}

/// `… after 3 ms: …` → `…: …`; `after 12004 ms` is how curl words every connection failure.
fn without_timing(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" after ") {
        let tail = &rest[at + " after ".len()..];
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let unit = tail[digits..]
            .strip_prefix(" ms")
            .or_else(|| tail[digits..].strip_prefix(" milliseconds"));
        out.push_str(&rest[..at]);
        match unit {
            Some(after) if digits > 0 => rest = after,
            _ => {
                out.push_str(" after ");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The cache file that holds (or would hold) `repo`'s listing; for diagnostics.
pub fn cache_entry_path(opts: &ResolveOptions, repo: &RepoId) -> Option<PathBuf> {
    Session::new(opts.clone()).cache_entry_path(repo)
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
    fn a_server_cause_is_the_same_for_every_repository() {
        let a = "fatal: unable to access 'http://127.0.0.1:9/o/a/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server";
        let b = "fatal: unable to access 'http://127.0.0.1:9/o/b/': Failed to connect to 127.0.0.1 port 9 after 3 ms: Couldn't connect to server";
        assert_eq!(server_cause(a), server_cause(b));
        assert_eq!(
            server_cause(a),
            "Failed to connect to 127.0.0.1 port 9: Couldn't connect to server"
        );
        assert_eq!(
            server_cause("Connection timed out after 30001 milliseconds"),
            "Connection timed out"
        );
        // Other uses of the word stay.
        assert_eq!(
            server_cause("gave up after retrying, after 3 tries"),
            "gave up after retrying, after 3 tries"
        );
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
