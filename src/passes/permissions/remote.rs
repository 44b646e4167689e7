//! Action metadata and reusable workflows of other repositories, read at the commit the
//! workflow uses, through the run's shared [`Session`] (one fetch per repository and commit,
//! cached on disk forever by commit; `--offline` reads only the cache).

use std::sync::Arc;

use crate::resolve::{is_full_sha, RepoId, ResolveError, Session};

/// What reading a remote file gave.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// The file's text, the commit it was read at and its path in the repository.
    File {
        text: Arc<str>,
        sha: String,
        path: String,
    },
    /// The commit has no such file.
    Missing { sha: String },
    /// It could not be read: why, and whether the network or authentication failed (exit 3).
    Failed { why: String, network: bool },
}

/// `action.yml` (or `action.yaml`) of `repo` in `dir` at the commit `git_ref` names.
pub fn action(session: &Session, repo: &RepoId, dir: Option<&str>, git_ref: &str) -> Fetched {
    let sha = match commit(session, repo, git_ref) {
        Ok(sha) => sha,
        Err(failed) => return failed,
    };
    match session.action_file(repo, dir, &sha) {
        Ok(Some(file)) => Fetched::File {
            text: file.text,
            sha,
            path: file.path,
        },
        Ok(None) => Fetched::Missing { sha },
        Err(e) => failed(e),
    }
}

/// The workflow file `path` (`.github/workflows/x.yml`) of `repo` at the commit `git_ref`
/// names.
pub fn workflow(session: &Session, repo: &RepoId, path: &str, git_ref: &str) -> Fetched {
    let sha = match commit(session, repo, git_ref) {
        Ok(sha) => sha,
        Err(failed) => return failed,
    };
    match session.file_at(repo, &sha, path) {
        Ok(Some(text)) => Fetched::File {
            text,
            sha,
            path: path.to_string(),
        },
        Ok(None) => Fetched::Missing { sha },
        Err(e) => failed(e),
    }
}

/// The commit a ref names (a full SHA is taken as it is).
fn commit(session: &Session, repo: &RepoId, git_ref: &str) -> Result<String, Fetched> {
    if is_full_sha(git_ref) {
        return Ok(git_ref.to_ascii_lowercase());
    }
    let listing = session.listing(repo).map_err(failed)?;
    listing
        .resolve(git_ref)
        .map(|r| r.sha)
        .map_err(|e| Fetched::Failed {
            why: format!("`{git_ref}`: {e}"),
            network: false,
        })
}

fn failed(e: ResolveError) -> Fetched {
    Fetched::Failed {
        why: e.to_string(),
        network: e.is_network_or_auth(),
    }
}

/// The remote actions and reusable workflows a workflow uses directly that the knowledge base
/// does not describe: what the rule will read, so the run can fetch them in parallel first.
pub fn prefetch_targets(
    tree: &crate::syntax::SyntaxTree,
    kind: crate::discover::FileKind,
    kb: &crate::kb::KnowledgeBase,
) -> Vec<crate::resolve::RemoteUses> {
    use crate::resolve::{parse_uses, UsesRef};
    use crate::syntax::views::Workflow;
    if kind != crate::discover::FileKind::Workflow {
        return Vec::new();
    }
    let Some(wf) = Workflow::new(tree) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for job in wf.jobs() {
        values.extend(job.uses());
        values.extend(job.steps().iter().filter_map(|s| s.uses()));
    }
    values
        .into_iter()
        .filter_map(|n| tree.scalar_value(n))
        .filter(|u| kb.lookup(u).is_none())
        .filter_map(|u| match parse_uses(&u) {
            UsesRef::Remote(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// Fetches, in parallel, the ref listings and then the action files of `targets` (reusable
/// workflows are read on demand). Failures are not reported here: the rule meets them again,
/// from the session's memory, where it can say which step they concern.
pub fn prefetch(session: &Session, targets: &[crate::resolve::RemoteUses]) {
    let repos: Vec<RepoId> = targets
        .iter()
        .filter(|r| !r.is_pinned())
        .map(|r| r.repo_id())
        .collect();
    session.prefetch_listings(&repos);
    let mut files: Vec<(RepoId, Option<String>, String)> = Vec::new();
    for r in targets {
        let is_workflow = r
            .path
            .as_deref()
            .is_some_and(|p| p.starts_with(".github/workflows/"));
        if is_workflow {
            continue;
        }
        if let Ok(sha) = commit(session, &r.repo_id(), &r.git_ref) {
            let key = (r.repo_id(), r.path.clone(), sha);
            if !files.contains(&key) {
                files.push(key);
            }
        }
    }
    session.prefetch_action_files(&files);
}
