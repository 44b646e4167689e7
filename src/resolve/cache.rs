//! The on-disk cache of ref listings.
//!
//! Why: a run over a monorepo asks about the same few dozen repositories every time, and
//! `--offline` needs something to work from. One JSON file per (server, repository) keeps entries
//! independent: a corrupt or half-written file costs one listing, never the whole cache.
//!
//! Layout: `{cache_dir}/refs-v1/{host}-{hash of the server URL}/{owner}~{repo}.json`, names
//! lowercased because GitHub names are case-insensitive. The server URL is part of the key (and
//! stored in the entry and checked on read) so github.com and an Enterprise server never share
//! entries. `~` cannot occur in an owner or repository name, and validated names cannot form a
//! path outside the directory.
//!
//! Writes go to a unique temporary file in the same directory and are renamed over the entry,
//! so concurrent runs and crashes leave either the old entry or the new one. Every failure here
//! (unreadable, unparsable, mismatching, unwritable) degrades to "not cached": the cache is an
//! optimisation, never a source of errors.
//!
//! Failed listings are stored too, and trusted for a shorter time ([`read`]'s `failure_max_age`),
//! so a run over a tree that uses a deleted repository does not ask the server again and again,
//! yet a fixed network or a new token is noticed soon. A failure recorded without a token is not
//! reused with one, and the other way round.
//!
//! Answers that never change (the dates of a commit, the files of a commit, a blob) are stored
//! forever, keyed by object id: `{cache_dir}/{kind}-v1/{server}/{owner}~{repo}/{sha}.json`, and
//! `{cache_dir}/blobs-v1/{server}/{oid}.json`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use serde::de::DeserializeOwned;

use super::listing::RefListing;
use super::uses::RepoId;
use super::ResolveError;

/// Format 2: annotated tags' object ids and failures are recorded.
const FORMAT: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Entry {
    format: u32,
    server_url: String,
    owner: String,
    repo: String,
    /// Seconds since the Unix epoch when the listing was made.
    fetched_at: u64,
    listing: Option<RefListing>,
    failure: Option<ResolveError>,
    #[serde(default)]
    with_token: bool,
}

/// Where the entry for `repo` on `server_url` lives.
pub(crate) fn entry_path(cache_dir: &Path, server_url: &str, repo: &RepoId) -> PathBuf {
    cache_dir
        .join("refs-v1")
        .join(server_dir_name(server_url))
        .join(format!(
            "{}~{}.json",
            repo.owner.to_ascii_lowercase(),
            repo.repo.to_ascii_lowercase()
        ))
}

/// A readable, file-name-safe host part plus a hash of the whole URL.
fn server_dir_name(server_url: &str) -> String {
    let without_scheme = server_url
        .split_once("://")
        .map_or(server_url, |(_, rest)| rest);
    let authority = without_scheme.split('/').next().unwrap_or_default();
    // Never put credentials written into the URL into a file name.
    let host = authority.rsplit('@').next().unwrap_or_default();
    let readable: String = host
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let readable = if readable.is_empty() {
        "local".to_string()
    } else {
        readable
    };
    format!("{readable}-{:016x}", fnv1a(server_url.as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The cached listing or failure, if there is a usable one. A listing is used up to `max_age`
/// (`None`: any age, offline); a failure up to `failure_max_age`, and only when it was recorded
/// with a token exactly when `with_token`. An entry stamped in the future is stale.
pub(crate) fn read(
    cache_dir: &Path,
    server_url: &str,
    repo: &RepoId,
    max_age: Option<Duration>,
    failure_max_age: Duration,
    with_token: bool,
) -> Option<Result<RefListing, ResolveError>> {
    let text = fs::read_to_string(entry_path(cache_dir, server_url, repo)).ok()?;
    let entry: Entry = serde_json::from_str(&text).ok()?;
    if entry.format != FORMAT
        || entry.server_url != server_url
        || RepoId::new(entry.owner, entry.repo) != *repo
    {
        return None;
    }
    let now = now_secs();
    let fresh = |max_age: Duration| {
        !max_age.is_zero() && entry.fetched_at <= now && now - entry.fetched_at < max_age.as_secs()
    };
    match (entry.listing, entry.failure) {
        (Some(listing), None) if max_age.is_none_or(fresh) => Some(Ok(listing)),
        (None, Some(failure)) if entry.with_token == with_token && fresh(failure_max_age) => {
            Some(Err(failure))
        }
        _ => None,
    }
}

/// Stores a listing or a failure atomically (temporary file + rename).
pub(crate) fn write(
    cache_dir: &Path,
    server_url: &str,
    repo: &RepoId,
    result: &Result<RefListing, ResolveError>,
    with_token: bool,
) -> std::io::Result<()> {
    write_at(cache_dir, server_url, repo, result, with_token, now_secs())
}

pub(crate) fn write_at(
    cache_dir: &Path,
    server_url: &str,
    repo: &RepoId,
    result: &Result<RefListing, ResolveError>,
    with_token: bool,
    fetched_at: u64,
) -> std::io::Result<()> {
    let entry = Entry {
        format: FORMAT,
        server_url: server_url.to_string(),
        owner: repo.owner.clone(),
        repo: repo.repo.clone(),
        fetched_at,
        listing: result.as_ref().ok().cloned(),
        failure: result.as_ref().err().cloned(),
        with_token,
    };
    write_json(&entry_path(cache_dir, server_url, repo), &entry)
}

/// Where a forever entry about object `sha` of `repo` lives (`kind`: `dates`, `files`).
pub(crate) fn object_path(
    cache_dir: &Path,
    kind: &str,
    server_url: &str,
    repo: &RepoId,
    sha: &str,
) -> PathBuf {
    cache_dir
        .join(format!("{kind}-v1"))
        .join(server_dir_name(server_url))
        .join(format!(
            "{}~{}",
            repo.owner.to_ascii_lowercase(),
            repo.repo.to_ascii_lowercase()
        ))
        .join(format!("{}.json", sha.to_ascii_lowercase()))
}

/// Where the digest of an image tag lives (trusted for the listing TTL: tags move).
pub(crate) fn image_path(cache_dir: &Path, image: &str) -> PathBuf {
    let readable: String = image
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cache_dir
        .join("images-v1")
        .join(format!("{readable}-{:016x}.json", fnv1a(image.as_bytes())))
}

/// A cached answer with the time it was made.
#[derive(Serialize, Deserialize)]
pub(crate) struct Stamped<T> {
    pub fetched_at: u64,
    pub value: T,
}

impl<T> Stamped<T> {
    pub(crate) fn now(value: T) -> Stamped<T> {
        Stamped {
            fetched_at: now_secs(),
            value,
        }
    }

    /// Whether it is younger than `max_age` (`None`: any age).
    pub(crate) fn fresh(&self, max_age: Option<Duration>) -> bool {
        let now = now_secs();
        max_age.is_none_or(|m| {
            !m.is_zero() && self.fetched_at <= now && now - self.fetched_at < m.as_secs()
        })
    }
}

/// Where a blob's content lives (content-addressed, so shared by every repository).
pub(crate) fn blob_path(cache_dir: &Path, server_url: &str, oid: &str) -> PathBuf {
    cache_dir
        .join("blobs-v1")
        .join(server_dir_name(server_url))
        .join(format!("{}.json", oid.to_ascii_lowercase()))
}

/// A JSON value from `path`; any failure is a miss.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes `value` as JSON to `path` atomically (temporary file in the same directory + rename).
pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache entry has no parent directory"))?;
    fs::create_dir_all(dir)?;
    let json = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // Registered like the files `--fix` writes, so an interrupted run leaves no temporary file
    // in the cache either.
    let mut file = crate::interrupt::create_registered(&tmp, |p| fs::File::create(p))?;
    let result = (|| {
        file.write_all(&json)?;
        file.sync_all()?;
        drop(file);
        crate::interrupt::commit(&tmp, path)
    })();
    if result.is_err() {
        crate::interrupt::discard(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RefListing {
        let mut l = RefListing::default();
        l.tags.insert("v1".into(), "a".repeat(40));
        l.branches.insert("main".into(), "b".repeat(40));
        l
    }

    const NO_FAILURES: Duration = Duration::ZERO;

    fn get(
        dir: &Path,
        server: &str,
        repo: &RepoId,
        max_age: Option<Duration>,
    ) -> Option<RefListing> {
        read(dir, server, repo, max_age, NO_FAILURES, false).map(|r| r.unwrap())
    }

    fn put(dir: &Path, server: &str, repo: &RepoId, listing: &RefListing) {
        write(dir, server, repo, &Ok(listing.clone()), false).unwrap();
    }

    #[test]
    fn round_trip_ttl_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let server = "https://github.com";
        let repo = RepoId::new("Actions", "Checkout");
        assert_eq!(get(dir.path(), server, &repo, None), None);
        put(dir.path(), server, &repo, &sample());
        let hour = Some(Duration::from_secs(3600));
        assert_eq!(get(dir.path(), server, &repo, hour), Some(sample()));
        // Case-insensitive names, but another server is another entry.
        let lower = RepoId::new("actions", "checkout");
        assert_eq!(get(dir.path(), server, &lower, hour), Some(sample()));
        assert_eq!(get(dir.path(), "https://ghe.example", &repo, None), None);
        // Zero TTL: never fresh online, still usable offline.
        assert_eq!(get(dir.path(), server, &repo, Some(Duration::ZERO)), None);
        assert_eq!(get(dir.path(), server, &repo, None), Some(sample()));

        // Stale and future entries.
        write_at(
            dir.path(),
            server,
            &repo,
            &Ok(sample()),
            false,
            now_secs() - 7200,
        )
        .unwrap();
        assert_eq!(get(dir.path(), server, &repo, hour), None);
        assert_eq!(get(dir.path(), server, &repo, None), Some(sample()));
        write_at(
            dir.path(),
            server,
            &repo,
            &Ok(sample()),
            false,
            now_secs() + 7200,
        )
        .unwrap();
        assert_eq!(get(dir.path(), server, &repo, hour), None);

        // No temporary files left behind.
        let entry = entry_path(dir.path(), server, &repo);
        let leftovers: Vec<_> = fs::read_dir(entry.parent().unwrap())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn failures_are_kept_briefly_and_per_token_state() {
        let dir = tempfile::tempdir().unwrap();
        let server = "https://github.com";
        let repo = RepoId::new("gone", "repo");
        let minute = Duration::from_secs(60);
        let day = Some(Duration::from_secs(86_400));
        write(
            dir.path(),
            server,
            &repo,
            &Err(ResolveError::RepoNotFound),
            false,
        )
        .unwrap();
        assert_eq!(
            read(dir.path(), server, &repo, day, minute, false),
            Some(Err(ResolveError::RepoNotFound))
        );
        // Not reused once a token is set; not when failures are not to be trusted at all.
        assert_eq!(read(dir.path(), server, &repo, day, minute, true), None);
        assert_eq!(
            read(dir.path(), server, &repo, day, Duration::ZERO, false),
            None
        );
        // Older than the failure TTL: a miss, even offline (`max_age: None`).
        let old = now_secs() - 120;
        write_at(
            dir.path(),
            server,
            &repo,
            &Err(ResolveError::Timeout),
            false,
            old,
        )
        .unwrap();
        assert_eq!(read(dir.path(), server, &repo, None, minute, false), None);
        // A success replaces the failure.
        put(dir.path(), server, &repo, &sample());
        assert_eq!(
            read(dir.path(), server, &repo, day, minute, true),
            Some(Ok(sample()))
        );
    }

    #[test]
    fn forever_entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = object_path(
            dir.path(),
            "dates",
            "https://github.com",
            &RepoId::new("A", "B"),
            &"C".repeat(40),
        );
        assert!(path.ends_with(format!("a~b/{}.json", "c".repeat(40))));
        assert_eq!(read_json::<u32>(&path), None);
        write_json(&path, &7u32).unwrap();
        assert_eq!(read_json::<u32>(&path), Some(7));
        let blob = blob_path(dir.path(), "https://github.com", &"D".repeat(40));
        assert!(blob.starts_with(dir.path().join("blobs-v1")));
    }

    #[test]
    fn corrupt_or_mismatching_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let server = "file:///base";
        let repo = RepoId::new("o", "r");
        let path = entry_path(dir.path(), server, &repo);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "{not json").unwrap();
        assert_eq!(get(dir.path(), server, &repo, None), None);
        put(dir.path(), server, &RepoId::new("o", "r"), &sample());
        let text = fs::read_to_string(&path)
            .unwrap()
            .replace("\"r\"", "\"other\"");
        fs::write(&path, text).unwrap();
        assert_eq!(get(dir.path(), server, &repo, None), None);
    }

    #[test]
    fn paths_stay_inside_the_cache() {
        let base = Path::new("/cache");
        let p = entry_path(base, "https://github.com", &RepoId::new("A", ".github"));
        assert!(p.starts_with("/cache/refs-v1/"));
        assert!(p.ends_with("a~.github.json"));
        let name = server_dir_name("file:///tmp/x y/../z");
        assert!(name.starts_with("local-"));
        assert!(!name.contains('/'));
        let name = server_dir_name("https://user:pw@ghe.example:8443/sub");
        assert!(name.starts_with("ghe.example_8443-"), "{name}");
    }
}
