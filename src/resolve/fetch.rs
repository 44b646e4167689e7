//! Reading objects at a commit: dates, and action metadata files, by a depth-1 partial fetch of
//! that one commit into a throw-away repository.
//!
//! Why this shape:
//! - `git fetch --depth=1 <sha>` works against GitHub (it serves any reachable commit by id, which
//!   is how `actions/checkout` fetches a SHA), GitHub Enterprise Server and `file://` test servers
//!   alike, with the same isolated environment and token handling as `ls-remote` (see
//!   [`super::git`]).
//! - The filters keep it small: `tree:0` for dates (the commit and tag objects only),
//!   `blob:none` for files (the trees, to find the files; then only their blobs, by id, in a
//!   second fetch). A repository with a 100 MB `dist/` costs a few kilobytes.
//! - A fresh repository per fetch (in the system's temporary directory, removed afterwards) means
//!   no shared state between threads or concurrent runs, no locks and nothing that grows. What
//!   is worth keeping (dates, file contents) is cached by the caller, forever, by object id.
//! - The repository is written by hand (`HEAD`, `objects/`, `refs/`, a `config` with only the
//!   partial-clone extension) instead of with `git init`: one process less per fetch, and no
//!   templates or hooks copied from the system. The remote's URL and promisor settings come
//!   through the environment like every other setting.
//! - Local commands run with `GIT_NO_LAZY_FETCH=1`, so a missing object is an answer, never a
//!   hidden network call.
//!
//! Only validated names (in the URL) and 40-hex object ids (as arguments after the options, or
//! on standard input) reach git. What the server sends (paths, object contents) is data: paths
//! are only compared, contents are returned as text with a size limit.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::git::{self, Transport};
use super::ResolveError;

/// The largest action metadata or workflow file read (bigger ones are refused).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// At most this many action metadata files are fetched with the first request at a commit
/// (a monorepo of actions has a few dozen); the others are fetched when asked for.
const MAX_PREFETCHED_BLOBS: usize = 64;
/// At most this many interesting paths are remembered per commit.
const MAX_INDEXED_PATHS: usize = 2000;

/// When a commit, or an annotated tag and its commit, were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectDates {
    /// The commit (the object itself, or the one an annotated tag points at).
    pub commit: String,
    /// Committer date of the commit, seconds since the Unix epoch.
    pub committed_at: i64,
    /// Tagger date when the object is an annotated tag.
    pub tagged_at: Option<i64>,
}

impl ObjectDates {
    /// When the release was made: the tagger date of an annotated tag, otherwise the commit date.
    pub fn released_at(&self) -> i64 {
        self.tagged_at.unwrap_or(self.committed_at)
    }
}

/// The files of interest in one commit's tree: every `action.yml`/`action.yaml` and every
/// `.github/workflows/*.yml|yaml`, path → blob id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitIndex {
    pub files: BTreeMap<String, String>,
}

/// Whether `path` (a path inside a repository) is a file the index keeps.
pub fn is_indexed_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name == "action.yml" || name == "action.yaml" {
        return true;
    }
    path.strip_prefix(".github/workflows/").is_some_and(|rest| {
        !rest.contains('/') && (rest.ends_with(".yml") || rest.ends_with(".yaml"))
    })
}

/// File contents by blob id; a per-file error when a file cannot be used (too large, not text).
pub(crate) type Blobs = BTreeMap<String, Result<String, ResolveError>>;

/// Where and how to fetch, plus the run's bookkeeping.
pub(crate) struct Remote<'a> {
    pub git: &'a Path,
    pub url: String,
    pub transport: Transport,
    pub token: Option<&'a str>,
    /// The time left for the next git process, or why there is none.
    pub budget: &'a (dyn Fn() -> Result<Duration, ResolveError> + Sync),
    /// Counts every git process started.
    pub calls: &'a AtomicUsize,
}

impl Remote<'_> {
    fn run(
        &self,
        repo: &Path,
        args: &[&str],
        input: Option<Vec<u8>>,
        network: bool,
    ) -> Result<Vec<u8>, ResolveError> {
        let timeout = (self.budget)()?;
        let extra: &[(&str, &str)] = &[
            ("remote.origin.url", &self.url),
            ("remote.origin.promisor", "true"),
            ("remote.origin.partialclonefilter", "blob:none"),
            ("fetch.writeCommitGraph", "false"),
            ("gc.auto", "0"),
            ("maintenance.auto", "false"),
        ];
        let mut cmd: Command = git::remote_command(self.git, self.transport, self.token, extra);
        cmd.env("GIT_DIR", repo).current_dir(repo);
        if !network {
            cmd.env("GIT_NO_LAZY_FETCH", "1");
        }
        cmd.args(args);
        self.calls.fetch_add(1, Ordering::Relaxed);
        git::run_git(
            self.git,
            &mut cmd,
            input,
            timeout,
            self.transport,
            self.token,
        )
    }
}

/// An empty bare repository set up for partial fetches from `origin`.
fn scratch_repository() -> Result<tempfile::TempDir, ResolveError> {
    let io =
        |e: std::io::Error| ResolveError::Git(format!("cannot create a scratch repository: {e}"));
    let dir = tempfile::Builder::new()
        .prefix("wffmt-fetch-")
        .tempdir()
        .map_err(io)?;
    fs::create_dir(dir.path().join("objects")).map_err(io)?;
    fs::create_dir(dir.path().join("refs")).map_err(io)?;
    fs::write(dir.path().join("HEAD"), "ref: refs/heads/main\n").map_err(io)?;
    fs::write(
        dir.path().join("config"),
        "[core]\n\trepositoryformatversion = 1\n\tbare = true\n[extensions]\n\tpartialclone = origin\n",
    )
    .map_err(io)?;
    Ok(dir)
}

const FETCH_OPTIONS: &[&str] = &[
    "fetch",
    "--quiet",
    "--no-tags",
    "--no-write-fetch-head",
    "--no-recurse-submodules",
];

/// Dates of `sha` (a commit or an annotated tag object): one fetch, one `cat-file`.
pub(crate) fn fetch_dates(remote: &Remote, sha: &str) -> Result<ObjectDates, ResolveError> {
    debug_assert!(super::is_full_sha(sha));
    let repo = scratch_repository()?;
    let mut args = FETCH_OPTIONS.to_vec();
    args.extend(["--depth=1", "--filter=tree:0", "origin", sha]);
    remote.run(repo.path(), &args, None, true)?;
    let input = format!("{sha}\n{sha}^{{commit}}\n").into_bytes();
    let out = remote.run(repo.path(), &["cat-file", "--batch"], Some(input), false)?;
    let objects = parse_batch(&out);
    let (first, commit) = match objects.as_slice() {
        [Some(first), Some(commit)] => (first, commit),
        _ => return Err(ResolveError::CommitNotFound),
    };
    if commit.kind != "commit" {
        return Err(ResolveError::CommitNotFound);
    }
    let committed_at = signature_time(&commit.body, "committer")
        .ok_or_else(|| ResolveError::Git("the commit has no readable committer date".into()))?;
    let tagged_at = if first.kind == "tag" {
        signature_time(&first.body, "tagger")
    } else {
        None
    };
    Ok(ObjectDates {
        commit: commit.oid.clone(),
        committed_at,
        tagged_at,
    })
}

/// The index of `sha`'s tree and the contents of its action metadata files (at most
/// [`MAX_PREFETCHED_BLOBS`], `want` first): a blob-less fetch, `ls-tree`, a fetch of the
/// blobs, `cat-file`.
pub(crate) fn fetch_commit_files(
    remote: &Remote,
    sha: &str,
    want: &[String],
) -> Result<(CommitIndex, Blobs), ResolveError> {
    debug_assert!(super::is_full_sha(sha));
    let repo = scratch_repository()?;
    let mut args = FETCH_OPTIONS.to_vec();
    args.extend(["--depth=1", "--filter=blob:none", "origin", sha]);
    remote.run(repo.path(), &args, None, true)?;
    let tree = remote.run(
        repo.path(),
        &["ls-tree", "-r", "-z", "--full-tree", sha],
        None,
        false,
    )?;
    let index = parse_ls_tree(&tree);
    let mut blobs: Vec<String> = want
        .iter()
        .filter_map(|p| index.files.get(p).cloned())
        .collect();
    for (path, oid) in &index.files {
        if blobs.len() >= MAX_PREFETCHED_BLOBS {
            break;
        }
        if !path.starts_with(".github/workflows/") && !blobs.contains(oid) {
            blobs.push(oid.clone());
        }
    }
    let contents = read_blobs(remote, repo.path(), &blobs)?;
    Ok((index, contents))
}

/// Blobs by id from the server, into a fresh repository (no commit needed).
pub(crate) fn fetch_blobs(remote: &Remote, oids: &[String]) -> Result<Blobs, ResolveError> {
    let repo = scratch_repository()?;
    read_blobs(remote, repo.path(), oids)
}

fn read_blobs(remote: &Remote, repo: &Path, oids: &[String]) -> Result<Blobs, ResolveError> {
    let oids: Vec<&String> = oids.iter().filter(|o| super::is_full_sha(o)).collect();
    if oids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let list: String = oids.iter().map(|o| format!("{o}\n")).collect();
    let mut args = FETCH_OPTIONS.to_vec();
    args.extend(["--filter=blob:none", "--stdin", "origin"]);
    remote.run(repo, &args, Some(list.clone().into_bytes()), true)?;
    let out = remote.run(
        repo,
        &["cat-file", "--batch"],
        Some(list.into_bytes()),
        false,
    )?;
    let mut result = BTreeMap::new();
    for (oid, object) in oids.iter().zip(parse_batch(&out)) {
        let value = match object {
            Some(o) if o.kind == "blob" => {
                if o.body.len() > MAX_FILE_BYTES {
                    Err(ResolveError::Git(format!(
                        "the file is larger than {} KiB",
                        MAX_FILE_BYTES / 1024
                    )))
                } else {
                    String::from_utf8(o.body)
                        .map_err(|_| ResolveError::Git("the file is not UTF-8 text".into()))
                }
            }
            // Not an answer about the file: left out, so it is asked again, never cached.
            _ => continue,
        };
        result.insert(oid.to_string(), value);
    }
    Ok(result)
}

struct BatchObject {
    oid: String,
    kind: String,
    body: Vec<u8>,
}

/// Parses `git cat-file --batch` output: `<oid> <type> <size>\n<body>\n` per object, or
/// `<input> missing\n`. Stops at the first malformed header.
fn parse_batch(mut out: &[u8]) -> Vec<Option<BatchObject>> {
    let mut objects = Vec::new();
    while !out.is_empty() {
        let Some(nl) = out.iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&out[..nl]).into_owned();
        out = &out[nl + 1..];
        let parts: Vec<&str> = header.split(' ').collect();
        match parts.as_slice() {
            [_, "missing"] | [_, "ambiguous"] => objects.push(None),
            [oid, kind, size] => {
                let Ok(size) = size.parse::<usize>() else {
                    break;
                };
                if out.len() < size {
                    break;
                }
                objects.push(Some(BatchObject {
                    oid: oid.to_string(),
                    kind: kind.to_string(),
                    body: out[..size].to_vec(),
                }));
                out = &out[size..];
                if out.first() == Some(&b'\n') {
                    out = &out[1..];
                }
            }
            _ => break,
        }
    }
    objects
}

/// The timestamp of a `committer`/`tagger` header line: `<field> Name <email> 1700000000 +0100`.
fn signature_time(body: &[u8], field: &str) -> Option<i64> {
    let text = String::from_utf8_lossy(body);
    let prefix = format!("{field} ");
    for line in text.lines() {
        if line.is_empty() {
            break; // end of the headers
        }
        if let Some(rest) = line.strip_prefix(&prefix) {
            let mut words = rest.rsplitn(3, ' ');
            let _zone = words.next()?;
            return words.next()?.parse().ok();
        }
    }
    None
}

/// `ls-tree -r -z` entries (`<mode> <type> <oid>\t<path>\0`) of files the index keeps.
fn parse_ls_tree(out: &[u8]) -> CommitIndex {
    let mut index = CommitIndex::default();
    for entry in out.split(|&b| b == 0) {
        let Ok(entry) = std::str::from_utf8(entry) else {
            continue;
        };
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut meta = meta.split(' ');
        let (Some(_mode), Some("blob"), Some(oid)) = (meta.next(), meta.next(), meta.next()) else {
            continue;
        };
        if super::is_full_sha(oid) && is_indexed_path(path) {
            index
                .files
                .insert(path.to_string(), oid.to_ascii_lowercase());
            if index.files.len() >= MAX_INDEXED_PATHS {
                break;
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_paths() {
        for p in [
            "action.yml",
            "action.yaml",
            "init/action.yml",
            "a/b/c/action.yaml",
            ".github/workflows/ci.yml",
            ".github/workflows/release.yaml",
        ] {
            assert!(is_indexed_path(p), "{p}");
        }
        for p in [
            "README.md",
            "action.yml.bak",
            "my-action.yml",
            ".github/workflows/sub/x.yml",
            ".github/workflows/notes.txt",
            "workflows/ci.yml",
        ] {
            assert!(!is_indexed_path(p), "{p}");
        }
    }

    #[test]
    fn batch_output_and_signatures() {
        let commit = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1600000000 +0000\ncommitter C <c@x> 1700000000 +0200\n\ncommitter 1 2\n";
        let mut out = Vec::new();
        out.extend_from_slice(b"abc missing\n");
        out.extend_from_slice(format!("{} commit {}\n", "a".repeat(40), commit.len()).as_bytes());
        out.extend_from_slice(commit);
        out.push(b'\n');
        let objects = parse_batch(&out);
        assert_eq!(objects.len(), 2);
        assert!(objects[0].is_none());
        let c = objects[1].as_ref().unwrap();
        assert_eq!(c.kind, "commit");
        assert_eq!(signature_time(&c.body, "committer"), Some(1_700_000_000));
        assert_eq!(signature_time(&c.body, "tagger"), None);
        // A truncated answer yields what was complete, never a panic.
        assert_eq!(parse_batch(&out[..out.len() - 20]).len(), 1);
        assert!(parse_batch(b"garbage").is_empty());
    }

    #[test]
    fn ls_tree_keeps_only_indexed_blobs() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let out = format!(
            "100644 blob {a}\taction.yml\0100644 blob {b}\tsrc/main.js\0040000 tree {b}\tinit\0100644 blob {b}\tinit/action.yaml\0160000 commit {a}\tsub/action.yml\0"
        );
        let index = parse_ls_tree(out.as_bytes());
        assert_eq!(
            index.files.into_iter().collect::<Vec<_>>(),
            [
                ("action.yml".to_string(), a),
                ("init/action.yaml".to_string(), b)
            ]
        );
    }
}
