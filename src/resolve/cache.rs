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
//! optimisation, never a source of errors. Only successful listings are stored.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::listing::RefListing;
use super::uses::RepoId;

const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Entry {
    format: u32,
    server_url: String,
    owner: String,
    repo: String,
    /// Seconds since the Unix epoch when the listing was made.
    fetched_at: u64,
    listing: RefListing,
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

/// The cached listing, if there is a usable one. `max_age: None` accepts any age (offline).
/// An entry stamped in the future is treated as stale.
pub(crate) fn read(
    cache_dir: &Path,
    server_url: &str,
    repo: &RepoId,
    max_age: Option<Duration>,
) -> Option<RefListing> {
    let text = fs::read_to_string(entry_path(cache_dir, server_url, repo)).ok()?;
    let entry: Entry = serde_json::from_str(&text).ok()?;
    if entry.format != FORMAT
        || entry.server_url != server_url
        || RepoId::new(entry.owner, entry.repo) != *repo
    {
        return None;
    }
    if let Some(max_age) = max_age {
        let now = now_secs();
        if max_age.is_zero()
            || entry.fetched_at > now
            || now - entry.fetched_at >= max_age.as_secs()
        {
            return None;
        }
    }
    Some(entry.listing)
}

/// Stores a listing atomically (temporary file + rename).
pub(crate) fn write(
    cache_dir: &Path,
    server_url: &str,
    repo: &RepoId,
    listing: &RefListing,
) -> std::io::Result<()> {
    write_at(cache_dir, server_url, repo, listing, now_secs())
}

pub(crate) fn write_at(
    cache_dir: &Path,
    server_url: &str,
    repo: &RepoId,
    listing: &RefListing,
    fetched_at: u64,
) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let path = entry_path(cache_dir, server_url, repo);
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache entry has no parent directory"))?;
    fs::create_dir_all(dir)?;
    let entry = Entry {
        format: FORMAT,
        server_url: server_url.to_string(),
        owner: repo.owner.clone(),
        repo: repo.repo.clone(),
        fetched_at,
        listing: listing.clone(),
    };
    let json = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
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

    #[test]
    fn round_trip_ttl_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let server = "https://github.com";
        let repo = RepoId::new("Actions", "Checkout");
        assert_eq!(read(dir.path(), server, &repo, None), None);
        write(dir.path(), server, &repo, &sample()).unwrap();
        let hour = Some(Duration::from_secs(3600));
        assert_eq!(read(dir.path(), server, &repo, hour), Some(sample()));
        // Case-insensitive names, but another server is another entry.
        let lower = RepoId::new("actions", "checkout");
        assert_eq!(read(dir.path(), server, &lower, hour), Some(sample()));
        assert_eq!(read(dir.path(), "https://ghe.example", &repo, None), None);
        // Zero TTL: never fresh online, still usable offline.
        assert_eq!(read(dir.path(), server, &repo, Some(Duration::ZERO)), None);
        assert_eq!(read(dir.path(), server, &repo, None), Some(sample()));

        // Stale and future entries.
        write_at(dir.path(), server, &repo, &sample(), now_secs() - 7200).unwrap();
        assert_eq!(read(dir.path(), server, &repo, hour), None);
        assert_eq!(read(dir.path(), server, &repo, None), Some(sample()));
        write_at(dir.path(), server, &repo, &sample(), now_secs() + 7200).unwrap();
        assert_eq!(read(dir.path(), server, &repo, hour), None);

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
    fn corrupt_or_mismatching_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let server = "file:///base";
        let repo = RepoId::new("o", "r");
        let path = entry_path(dir.path(), server, &repo);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "{not json").unwrap();
        assert_eq!(read(dir.path(), server, &repo, None), None);
        write(dir.path(), server, &RepoId::new("o", "r"), &sample()).unwrap();
        let text = fs::read_to_string(&path)
            .unwrap()
            .replace("\"r\"", "\"other\"");
        fs::write(&path, text).unwrap();
        assert_eq!(read(dir.path(), server, &repo, None), None);
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
