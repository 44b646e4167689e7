//! The repository a workflow belongs to: where its files are (to read local actions, reusable
//! workflows and scripts) and which GitHub repository it is (`owner/name`, from git's `origin`
//! remote), so that `uses: ./` in an action's own repository finds the action's description and
//! `actions/checkout` of `owner/name` is known to be this repository.

use std::path::{Path, PathBuf};

/// The repository root of the workflow and action files in `folder`: the parent of the
/// nearest `.github` folder, or the nearest folder with `.git` (`folder` included).
pub fn repo_root(folder: &Path) -> Option<PathBuf> {
    for dir in folder.ancestors() {
        if dir.file_name().is_some_and(|n| n == ".github") {
            return dir.parent().map(Path::to_path_buf);
        }
        if dir.join(".git").exists() {
            return Some(dir.to_path_buf());
        }
    }
    None
}

/// `owner/name` (lower case) of the repository checked out at `root`, from the URL of its
/// `origin` remote. `None` when `root` is not a git checkout or has no such remote.
pub fn repo_identity(root: &Path) -> Option<String> {
    let config = std::fs::read_to_string(git_dir(root)?.join("config")).ok()?;
    origin_url(&config).and_then(|u| owner_name(&u))
}

/// The git directory of a checkout: `.git`, or where a `.git` file (worktree, submodule)
/// points, or its common directory (a worktree shares the main repository's configuration).
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let target = text.trim().strip_prefix("gitdir:")?.trim();
    let dir = root.join(target);
    match std::fs::read_to_string(dir.join("commondir")) {
        Ok(common) => Some(dir.join(common.trim())),
        Err(_) => Some(dir),
    }
}

/// The `url` of `[remote "origin"]` in a git configuration file.
fn origin_url(config: &str) -> Option<String> {
    let mut in_origin = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let header: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            in_origin = header == "[remote\"origin\"]";
            continue;
        }
        if !in_origin {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            if key.trim().eq_ignore_ascii_case("url") {
                return Some(value.trim().trim_matches('"').to_string());
            }
        }
    }
    None
}

/// `owner/name` from a remote URL: `https://host/owner/name(.git)`, `git@host:owner/name`,
/// `ssh://git@host/owner/name`.
fn owner_name(url: &str) -> Option<String> {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/')?.1,
        None => url.split_once(':')?.1,
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.rsplit('/');
    let name = parts.next().filter(|s| !s.is_empty())?;
    let owner = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{owner}/{name}").to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        for url in [
            "https://github.com/Acme/App.git",
            "https://github.com/acme/app",
            "git@github.com:acme/app.git",
            "ssh://git@github.com/acme/app",
            "https://ghe.example.com/acme/app/",
        ] {
            assert_eq!(owner_name(url).as_deref(), Some("acme/app"), "{url}");
        }
        assert_eq!(owner_name("/srv/repo"), None);
    }

    #[test]
    fn origin_section_only() {
        let config = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://github.com/up/x\n[remote \"origin\"]\n\turl = git@github.com:me/x.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n";
        assert_eq!(
            origin_url(config).as_deref(),
            Some("git@github.com:me/x.git")
        );
        assert_eq!(origin_url("[core]\n"), None);
    }

    #[test]
    fn identity_of_a_checkout_and_a_worktree() {
        let tmp = tempfile::tempdir().unwrap();
        let main = tmp.path().join("main");
        std::fs::create_dir_all(main.join(".git/worktrees/wt")).unwrap();
        std::fs::write(
            main.join(".git/config"),
            "[remote \"origin\"]\n\turl = https://github.com/Acme/App.git\n",
        )
        .unwrap();
        assert_eq!(repo_identity(&main).as_deref(), Some("acme/app"));
        std::fs::write(main.join(".git/worktrees/wt/commondir"), "../..\n").unwrap();
        let wt = tmp.path().join("wt");
        std::fs::create_dir_all(&wt).unwrap();
        std::fs::write(
            wt.join(".git"),
            format!("gitdir: {}\n", main.join(".git/worktrees/wt").display()),
        )
        .unwrap();
        assert_eq!(repo_identity(&wt).as_deref(), Some("acme/app"));
        assert_eq!(repo_identity(tmp.path()), None);
    }
}
