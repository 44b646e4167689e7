//! [`Session`]: everything a run asks the git server, asked at most once.
//!
//! One `Session` is made per run and shared by every rule. Each question is memoized per key
//! (a repository's ref listing; the dates of an object; the files of a commit; a blob), so it is
//! asked at most once per run whichever rule or thread asks first, and concurrent askers of the
//! same key wait for that first answer ([`super::once`]). Answers come from, in order: this run's
//! memory, the disk cache (listings for a TTL, failures briefly, object answers forever), the
//! server (unless offline).
//!
//! The run can ask for everything it knows it will need up front with the `prefetch_*` calls,
//! which resolve a batch of keys on a bounded number of threads; a question nobody foresaw (a
//! composite action read recursively, say) is still answered on demand.
//!
//! Bounds, so that a dead or hostile server cannot hold a run hostage:
//! - at most [`ResolveOptions::max_connections`] git processes at once, across all callers;
//! - each git process is killed after [`ResolveOptions::timeout`];
//! - after [`TRIP_AFTER_TIMEOUTS`] timeouts, the server is not asked again in this run: every
//!   later question gets a "skipped" answer that says so;
//! - every git process must end before [`ResolveOptions::deadline`] (counted from the session's
//!   start); afterwards the server is not asked again either.
//!
//! Errors are values per key ([`ResolveError`]); nothing here prints.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use super::cache;
use super::fetch::{self, CommitIndex, ObjectDates, Remote};
use super::git::{self, Transport};
use super::listing::RefListing;
use super::once::OnceMap;
use super::registry::{self, ImageRef};
use super::uses::{is_full_sha, RepoId};
use super::{ResolveError, ResolveOptions};

/// After this many git processes against the server timed out, it is not asked again this run.
pub const TRIP_AFTER_TIMEOUTS: usize = 2;
/// The longest a failed listing is trusted from the cache (shorter when the TTL is).
pub const FAILURE_TTL: Duration = Duration::from_secs(120);

/// What a [`Session`] did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// `git ls-remote` processes run (attempts, successful or not).
    pub listings_made: usize,
    /// Ref listings (or recent failures) answered from the disk cache.
    pub cache_hits: usize,
    /// Fetches of a commit's dates or files, or of blobs (each may run several git processes).
    pub fetches: usize,
    /// Dates, commit indexes and blobs answered from the disk cache.
    pub objects_from_cache: usize,
    /// Every git process started, version check included.
    pub git_processes: usize,
    /// Questions not sent because the server had stopped answering or the deadline had passed.
    pub skipped: usize,
}

#[derive(Default)]
struct Counters {
    listings_made: AtomicUsize,
    cache_hits: AtomicUsize,
    fetches: AtomicUsize,
    objects_from_cache: AtomicUsize,
    git_processes: AtomicUsize,
    skipped: AtomicUsize,
}

fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// A file read from a repository at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// Path inside the repository, e.g. `init/action.yml`.
    pub path: String,
    pub text: Arc<str>,
}

struct CommitFiles {
    index: CommitIndex,
    /// Blobs that came with the commit's fetch, by blob id.
    contents: HashMap<String, Result<Arc<str>, ResolveError>>,
}

/// A counting semaphore for git processes.
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            while *free == 0 {
                free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
            }
            *free -= 1;
        }
        struct Release<'a>(&'a Slots);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        f()
    }
}

type ObjectKey = (RepoId, String);

/// The run's shared resolver. See the module docs.
pub struct Session {
    opts: ResolveOptions,
    server: Result<(String, Transport), ResolveError>,
    deadline: Instant,
    git_checked: OnceLock<Result<(), ResolveError>>,
    listings: OnceMap<RepoId, Result<Arc<RefListing>, ResolveError>>,
    dates: OnceMap<ObjectKey, Result<ObjectDates, ResolveError>>,
    commits: OnceMap<ObjectKey, Result<Arc<CommitFiles>, ResolveError>>,
    blobs: OnceMap<ObjectKey, Result<Arc<str>, ResolveError>>,
    images: OnceMap<ImageRef, Result<String, ResolveError>>,
    slots: Slots,
    /// Timeouts so far, per host.
    timeouts: Mutex<HashMap<String, usize>>,
    counters: Counters,
    /// Where prefetches report how far they are (`--quiet` and non-terminals: nowhere).
    progress: OnceLock<Arc<dyn crate::progress::Progress>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("opts", &self.opts)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session with these options; the deadline starts now. Nothing runs until asked.
    pub fn new(opts: ResolveOptions) -> Session {
        let server = git::check_server_url(&opts.server_url).map(|(s, t)| (s.to_string(), t));
        Session {
            deadline: Instant::now() + opts.deadline,
            slots: Slots {
                free: Mutex::new(opts.max_connections.max(1)),
                freed: Condvar::new(),
            },
            server,
            opts,
            git_checked: OnceLock::new(),
            listings: OnceMap::new(),
            dates: OnceMap::new(),
            commits: OnceMap::new(),
            blobs: OnceMap::new(),
            images: OnceMap::new(),
            timeouts: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            progress: OnceLock::new(),
        }
    }

    /// Reports the progress of every later prefetch to `progress` (set once per run).
    pub fn set_progress(&self, progress: Arc<dyn crate::progress::Progress>) {
        let _ = self.progress.set(progress);
    }

    pub fn options(&self) -> &ResolveOptions {
        &self.opts
    }

    /// True when only the cache may be used.
    pub fn offline(&self) -> bool {
        self.opts.offline
    }

    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        Stats {
            listings_made: get(&c.listings_made),
            cache_hits: get(&c.cache_hits),
            fetches: get(&c.fetches),
            objects_from_cache: get(&c.objects_from_cache),
            git_processes: get(&c.git_processes),
            skipped: get(&c.skipped),
        }
    }

    /// The cache file that holds (or would hold) `repo`'s listing; for diagnostics.
    pub fn cache_entry_path(&self, repo: &RepoId) -> Option<PathBuf> {
        let (server, _) = self.server.as_ref().ok()?;
        Some(cache::entry_path(
            self.opts.cache_dir.as_deref()?,
            server,
            repo,
        ))
    }

    // ---- ref listings -------------------------------------------------------------------

    /// Every branch and tag of `repo` (one `git ls-remote`, or the cache).
    pub fn listing(&self, repo: &RepoId) -> Result<Arc<RefListing>, ResolveError> {
        self.listings.get_or_init(repo, || self.load_listing(repo))
    }

    /// Lists every repository of `repos` that is not known yet, in parallel.
    pub fn prefetch_listings<'a>(&self, repos: impl IntoIterator<Item = &'a RepoId>) {
        let mut unique: Vec<&RepoId> = repos.into_iter().collect();
        unique.sort();
        unique.dedup();
        self.in_parallel("listing refs", &unique, |repo| {
            let _ = self.listing(repo);
        });
    }

    fn load_listing(&self, repo: &RepoId) -> Result<Arc<RefListing>, ResolveError> {
        repo.validate().map_err(ResolveError::InvalidRepo)?;
        let (server, transport) = self.server.clone()?;
        let with_token = self.sends_token(transport);
        if let Some(dir) = self.opts.cache_dir.as_deref() {
            let max_age = (!self.opts.offline).then_some(self.opts.ttl);
            let failure_ttl = self.opts.ttl.min(FAILURE_TTL);
            if let Some(hit) = cache::read(dir, &server, repo, max_age, failure_ttl, with_token) {
                bump(&self.counters.cache_hits);
                return match hit {
                    // Offline, an earlier network failure is no network failure of this run.
                    Err(e) if self.opts.offline && e.is_network_or_auth() => {
                        Err(ResolveError::NotCachedAfterFailure(Box::new(e)))
                    }
                    hit => hit.map(Arc::new),
                };
            }
        }
        if self.opts.offline {
            return Err(ResolveError::NotCached);
        }
        let result = self.slots.with(|| {
            self.check_git()?;
            let timeout = self.budget()?;
            bump(&self.counters.listings_made);
            bump(&self.counters.git_processes);
            let result = git::list_one(
                &self.opts.git,
                &server,
                transport,
                repo,
                self.opts.token.as_deref(),
                timeout,
            );
            self.note(result)
        });
        if let Some(dir) = self.opts.cache_dir.as_deref() {
            if result.as_ref().err().is_none_or(ResolveError::is_cacheable) {
                // A cache that cannot be written only costs a listing next time.
                let _ = cache::write(dir, &server, repo, &result, with_token);
            }
        }
        result.map(Arc::new)
    }

    // ---- dates --------------------------------------------------------------------------

    /// When `sha` of `repo` was made: a commit's committer date, or for an annotated tag object
    /// also the tagger date. Cached forever.
    pub fn dates(&self, repo: &RepoId, sha: &str) -> Result<ObjectDates, ResolveError> {
        let key = object_key(repo, sha)?;
        self.dates.get_or_init(&key, || self.load_dates(&key))
    }

    /// Looks up the dates of every `(repository, object)` not known yet, in parallel.
    pub fn prefetch_dates(&self, keys: &[(RepoId, String)]) {
        self.in_parallel("reading release dates", keys, |(repo, sha)| {
            let _ = self.dates(repo, sha);
        });
    }

    fn load_dates(&self, (repo, sha): &ObjectKey) -> Result<ObjectDates, ResolveError> {
        self.object(repo, sha, "dates", |remote| fetch::fetch_dates(remote, sha))
    }

    // ---- files at a commit --------------------------------------------------------------

    /// The action metadata (`action.yml`, else `action.yaml`) of `repo` in directory `dir`
    /// (`None`: the root) at commit `sha`. `Ok(None)`: the commit has neither file.
    pub fn action_file(
        &self,
        repo: &RepoId,
        dir: Option<&str>,
        sha: &str,
    ) -> Result<Option<RemoteFile>, ResolveError> {
        let dir = dir.map(|d| d.trim_matches('/')).filter(|d| !d.is_empty());
        for name in ["action.yml", "action.yaml"] {
            let path = match dir {
                Some(dir) => format!("{dir}/{name}"),
                None => name.to_string(),
            };
            if let Some(text) = self.file_at(repo, sha, &path)? {
                return Ok(Some(RemoteFile { path, text }));
            }
        }
        Ok(None)
    }

    /// The text of `path` in `repo` at commit `sha`, for action metadata files
    /// (`…/action.yml|yaml`) and workflows (`.github/workflows/*.yml|yaml`); `Ok(None)` when
    /// the commit has no such file. Other paths are refused.
    pub fn file_at(
        &self,
        repo: &RepoId,
        sha: &str,
        path: &str,
    ) -> Result<Option<Arc<str>>, ResolveError> {
        if !fetch::is_indexed_path(path)
            || path
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(ResolveError::Invalid(format!(
                "only action.yml/action.yaml files and .github/workflows/*.yml are read from \
                 other repositories, not `{}`",
                git::sanitize(path, None)
            )));
        }
        let key = object_key(repo, sha)?;
        let commit = self
            .commits
            .get_or_init(&key, || self.load_commit(&key, Some(path)))?;
        let Some(oid) = commit.index.files.get(path) else {
            return Ok(None);
        };
        if let Some(content) = commit.contents.get(oid) {
            return content.clone().map(Some);
        }
        let blob_key = (key.0, oid.clone());
        self.blobs
            .get_or_init(&blob_key, || self.load_blob(&blob_key))
            .map(Some)
    }

    /// Fetches the action metadata of every `(repository, directory, commit)` not known yet,
    /// in parallel (one fetch per repository and commit).
    pub fn prefetch_action_files(&self, keys: &[(RepoId, Option<String>, String)]) {
        self.in_parallel("fetching action metadata", keys, |(repo, dir, sha)| {
            let _ = self.action_file(repo, dir.as_deref(), sha);
        });
    }

    fn load_commit(
        &self,
        (repo, sha): &ObjectKey,
        want: Option<&str>,
    ) -> Result<Arc<CommitFiles>, ResolveError> {
        let cache_dir = self.opts.cache_dir.clone();
        let server = self.server.as_ref().map(|(s, _)| s.clone()).ok();
        let mut fetched_contents = HashMap::new();
        let index = self.object(repo, sha, "files", |remote| {
            let want: Vec<String> = want.map(str::to_string).into_iter().collect();
            let (index, contents) = fetch::fetch_commit_files(remote, sha, &want)?;
            for (oid, content) in contents {
                if let (Some(dir), Some(server)) = (&cache_dir, &server) {
                    if content
                        .as_ref()
                        .err()
                        .is_none_or(ResolveError::is_cacheable)
                    {
                        let _ = cache::write_json(&cache::blob_path(dir, server, &oid), &content);
                    }
                }
                fetched_contents.insert(oid, content.map(Arc::from));
            }
            Ok(index)
        })?;
        Ok(Arc::new(CommitFiles {
            index,
            contents: fetched_contents,
        }))
    }

    fn load_blob(&self, (repo, oid): &ObjectKey) -> Result<Arc<str>, ResolveError> {
        let content: Result<String, ResolveError> = self.object(repo, oid, "blobs", |remote| {
            let mut got = fetch::fetch_blobs(remote, std::slice::from_ref(oid))?;
            Ok(got.remove(oid).unwrap_or_else(|| {
                Err(ResolveError::Git("the server did not send the file".into()))
            }))
        })?;
        content.map(Arc::from)
    }

    /// The common path of every forever-cached object answer: disk cache, offline check,
    /// one slot, the fetch, the cache write.
    fn object<T>(
        &self,
        repo: &RepoId,
        sha: &str,
        kind: &str,
        fetch: impl FnOnce(&Remote) -> Result<T, ResolveError>,
    ) -> Result<T, ResolveError>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let (server, transport) = self.server.clone()?;
        let path = self.opts.cache_dir.as_deref().map(|dir| match kind {
            "blobs" => cache::blob_path(dir, &server, sha),
            _ => cache::object_path(dir, kind, &server, repo, sha),
        });
        if let Some(hit) = path.as_deref().and_then(cache::read_json::<T>) {
            bump(&self.counters.objects_from_cache);
            return Ok(hit);
        }
        if self.opts.offline {
            return Err(ResolveError::NotCached);
        }
        let value = self.slots.with(|| {
            self.check_git()?;
            self.budget()?;
            bump(&self.counters.fetches);
            let budget = || self.budget();
            let remote = Remote {
                git: &self.opts.git,
                url: git::repo_url(&server, repo),
                transport,
                token: self.opts.token.as_deref(),
                budget: &budget,
                calls: &self.counters.git_processes,
            };
            self.note(fetch(&remote))
        })?;
        if let Some(path) = path {
            let _ = cache::write_json(&path, &value);
        }
        Ok(value)
    }

    // ---- container images ---------------------------------------------------------------

    /// The digest `image`'s tag names today (the index digest of a multi-platform image), from
    /// the registry's HTTP API; cached like ref listings (tags move), offline from the cache.
    pub fn image_digest(&self, image: &ImageRef) -> Result<String, ResolveError> {
        let mut key = image.clone();
        key.digest = None;
        self.images.get_or_init(&key, || self.load_image(&key))
    }

    /// Looks up the digests of every image not known yet, in parallel.
    pub fn prefetch_image_digests(&self, images: &[ImageRef]) {
        self.in_parallel("resolving image digests", images, |image| {
            let _ = self.image_digest(image);
        });
    }

    fn load_image(&self, image: &ImageRef) -> Result<String, ResolveError> {
        let key = format!(
            "{}/{}:{}",
            image.registry,
            image.repository,
            image.tag.as_deref().unwrap_or("latest")
        );
        let path = self
            .opts
            .cache_dir
            .as_deref()
            .map(|dir| cache::image_path(dir, &key));
        let max_age = (!self.opts.offline).then_some(self.opts.ttl);
        if let Some(hit) = path
            .as_deref()
            .and_then(cache::read_json::<cache::Stamped<String>>)
            .filter(|s| s.fresh(max_age))
        {
            bump(&self.counters.objects_from_cache);
            return Ok(hit.value);
        }
        if self.opts.offline {
            return Err(ResolveError::NotCached);
        }
        let host = image.registry.clone();
        let token = (host == "ghcr.io")
            .then_some(self.opts.token.as_deref())
            .flatten();
        let digest = self.slots.with(|| {
            let timeout = self.budget_for(&host)?;
            bump(&self.counters.fetches);
            self.note_for(&host, registry::fetch_digest(image, token, timeout))
        })?;
        if let Some(path) = path {
            let _ = cache::write_json(&path, &cache::Stamped::now(digest.clone()));
        }
        Ok(digest)
    }

    // ---- bounds -------------------------------------------------------------------------

    fn sends_token(&self, transport: Transport) -> bool {
        transport == Transport::Http && self.opts.token.is_some()
    }

    fn check_git(&self) -> Result<(), ResolveError> {
        self.git_checked
            .get_or_init(|| {
                bump(&self.counters.git_processes);
                git::check_git(&self.opts.git, self.opts.timeout)
            })
            .clone()
    }

    /// The time the next git process may take, or why there is none.
    fn budget(&self) -> Result<Duration, ResolveError> {
        self.budget_for(&self.server_name())
    }

    /// The time the next request to `host` may take, or why there is none.
    fn budget_for(&self, host: &str) -> Result<Duration, ResolveError> {
        let timeouts = self
            .timeouts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(host)
            .copied()
            .unwrap_or(0);
        if timeouts >= TRIP_AFTER_TIMEOUTS {
            bump(&self.counters.skipped);
            // The same words for every ref skipped this way (no running count, which would
            // depend on how many requests were still under way), so they are reported as one
            // cause.
            return Err(ResolveError::Skipped(format!(
                "not asked: {TRIP_AFTER_TIMEOUTS} earlier requests to {host} got no answer within \
                 {} s, so it was not asked again in this run",
                self.opts.timeout.as_secs_f64()
            )));
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bump(&self.counters.skipped);
            return Err(ResolveError::Skipped(format!(
                "not asked: the network lookups of this run reached their total limit of {} s \
                 (WFFMT_NETWORK_DEADLINE)",
                self.opts.deadline.as_secs_f64()
            )));
        }
        Ok(self.opts.timeout.min(left))
    }

    /// Bookkeeping after a git command: timeouts count towards giving up on the server, unless
    /// the run's deadline cut the command short.
    fn note<T>(&self, result: Result<T, ResolveError>) -> Result<T, ResolveError> {
        self.note_for(&self.server_name(), result)
    }

    fn note_for<T>(&self, host: &str, result: Result<T, ResolveError>) -> Result<T, ResolveError> {
        if let Err(ResolveError::Timeout) = &result {
            if Instant::now() >= self.deadline {
                return Err(ResolveError::Skipped(format!(
                    "stopped: the network lookups of this run reached their total limit of {} s \
                     (WFFMT_NETWORK_DEADLINE)",
                    self.opts.deadline.as_secs_f64()
                )));
            }
            *self
                .timeouts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(host.to_string())
                .or_default() += 1;
        }
        result
    }

    /// The server for messages: scheme and host, never credentials or a local path.
    fn server_name(&self) -> String {
        match &self.server {
            Ok((url, Transport::Http)) => {
                let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
                let authority = rest.split('/').next().unwrap_or_default();
                authority.rsplit('@').next().unwrap_or_default().to_string()
            }
            _ => "the server".to_string(),
        }
    }

    /// Runs `work` on every item with at most `max_connections` threads.
    fn in_parallel<T: Sync>(&self, what: &str, items: &[T], work: impl Fn(&T) + Sync) {
        if items.is_empty() {
            return;
        }
        let task = self.progress.get().map(|p| p.task(what, items.len()));
        let work = |item: &T| {
            work(item);
            if let Some(task) = &task {
                task.advance();
            }
        };
        let next = AtomicUsize::new(0);
        let run = || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                break;
            };
            work(item);
        };
        let workers = self.opts.max_connections.clamp(1, items.len());
        thread::scope(|scope| {
            for _ in 1..workers {
                // If a thread cannot be started, the others take its share.
                let _ = thread::Builder::new()
                    .name("wffmt-resolve".to_string())
                    .spawn_scoped(scope, run);
            }
            run();
        });
    }
}

/// A validated `(repository, lowercase 40-hex id)` key.
fn object_key(repo: &RepoId, sha: &str) -> Result<ObjectKey, ResolveError> {
    repo.validate().map_err(ResolveError::InvalidRepo)?;
    if !is_full_sha(sha) {
        return Err(ResolveError::Invalid(format!(
            "`{}` is not a full 40-hex commit SHA",
            git::sanitize(sha.get(..60).unwrap_or(sha), None)
        )));
    }
    Ok((repo.clone(), sha.to_ascii_lowercase()))
}

/// Lists `repos` in one [`Session`] made for the purpose: every distinct repository gets an
/// entry, found by any spelling case of its name.
pub fn list_refs(
    repos: &[RepoId],
    opts: &ResolveOptions,
) -> (BTreeMap<RepoId, Result<RefListing, ResolveError>>, Stats) {
    let session = Session::new(opts.clone());
    session.prefetch_listings(repos);
    let results = repos
        .iter()
        .map(|repo| {
            let listing = session.listing(repo).map(|l| (*l).clone());
            (repo.clone(), listing)
        })
        .collect();
    (results, session.stats())
}
