//! Bare git repositories for tests, built with plumbing commands and no user configuration.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn git(dir: &Path, args: &[&str]) -> String {
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
        .output()
        .expect("git can be run");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
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

    pub fn annotated(&self, name: &str, target: &str) {
        git(&self.dir, &["tag", "-f", "-a", "-m", name, name, target]);
    }
}
