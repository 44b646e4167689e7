//! Bare git repositories for tests, built with plumbing commands and no user configuration.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn git(dir: &Path, args: &[&str]) -> String {
    git_with(dir, args, &[])
}

/// [`git`] with extra environment variables (they override the fixed dates and identity).
pub fn git_with(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "tag.gpgSign=false",
            "-c",
            "commit.gpgSign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .envs(envs.iter().copied())
        .output()
        .expect("git can be run");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Bare repositories under a temporary directory, served to wffmt as
/// `GITHUB_SERVER_URL=file://…`; removed when dropped.
pub struct GitServer {
    _tmp: tempfile::TempDir,
    /// Where the repositories are, `{base}/{owner}/{repo}`.
    pub base: PathBuf,
}

impl GitServer {
    pub fn new() -> GitServer {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().join("srv");
        GitServer { _tmp: tmp, base }
    }

    /// A new bare repository `owner/repo` on this server.
    pub fn repo(&self, owner: &str, repo: &str) -> Bare {
        Bare::init(&self.base, owner, repo)
    }

    /// The server's `GITHUB_SERVER_URL`.
    pub fn url(&self) -> String {
        format!("file://{}", self.base.display())
    }
}

/// A bare repository at `{base}/{owner}/{repo}`.
pub struct Bare {
    pub dir: PathBuf,
}

impl Bare {
    pub fn init(base: &Path, owner: &str, repo: &str) -> Bare {
        let owner_dir = base.join(owner);
        fs::create_dir_all(&owner_dir).unwrap();
        git(&owner_dir, &["init", "-q", "--bare", repo]);
        Bare {
            dir: owner_dir.join(repo),
        }
    }

    pub fn commit(&self, message: &str, parent: Option<&str>) -> String {
        let tree = git(&self.dir, &["mktree"]);
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message];
        if let Some(parent) = parent {
            args.extend(["-p", parent]);
        }
        git(&self.dir, &args)
    }

    pub fn branch(&self, name: &str, sha: &str) {
        git(
            &self.dir,
            &["update-ref", &format!("refs/heads/{name}"), sha],
        );
    }

    pub fn tag(&self, name: &str, sha: &str) {
        git(&self.dir, &["tag", "-f", name, sha]);
    }

    /// A commit whose tree holds `files` (path, content), made at `date` (RFC 3339 or a Unix
    /// timestamp as `@1700000000`).
    pub fn commit_files(
        &self,
        message: &str,
        parent: Option<&str>,
        files: &[(&str, &str)],
        date: &str,
    ) -> String {
        let work = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let p = work.path().join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, content).unwrap();
        }
        let index = work.path().join(".git-index");
        let git_dir = self.dir.display().to_string();
        let work_tree = work.path().display().to_string();
        let env = [
            ("GIT_INDEX_FILE", index.to_str().unwrap()),
            ("GIT_DIR", git_dir.as_str()),
            ("GIT_WORK_TREE", work_tree.as_str()),
            ("GIT_COMMITTER_DATE", date),
            ("GIT_AUTHOR_DATE", date),
        ];
        let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
        let mut add = vec!["add", "--"];
        add.extend(paths);
        git_with(work.path(), &add, &env);
        let tree = git_with(work.path(), &["write-tree"], &env);
        let mut args = vec!["commit-tree", tree.as_str(), "-m", message];
        if let Some(parent) = parent {
            args.extend(["-p", parent]);
        }
        git_with(work.path(), &args, &env)
    }

    /// An annotated tag made at `date`.
    pub fn annotated_at(&self, name: &str, target: &str, date: &str) {
        git_with(
            &self.dir,
            &["tag", "-f", "-a", "-m", name, name, target],
            &[("GIT_COMMITTER_DATE", date)],
        );
    }

    /// Lets clients fetch with `--filter` (as GitHub does); without it, git serves whole
    /// objects.
    pub fn allow_filters(&self) {
        git(&self.dir, &["config", "uploadpack.allowFilter", "true"]);
    }

    pub fn annotated(&self, name: &str, target: &str) {
        git(&self.dir, &["tag", "-f", "-a", "-m", name, name, target]);
    }
}

/// A server on 127.0.0.1 that accepts connections and never answers (a hung git host), as an
/// `http://` URL; `None` (with a printed reason) when no loopback port can be had. Connections
/// are held open, never read; the listener stops by itself after a minute.
pub fn stuck_server() -> Option<String> {
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("skipping: cannot listen on 127.0.0.1: {e}");
            return None;
        }
    };
    let url = format!("http://{}", listener.local_addr().ok()?);
    listener.set_nonblocking(true).ok()?;
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        let mut held = Vec::new();
        while start.elapsed() < std::time::Duration::from_secs(60) {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    });
    Some(url)
}
