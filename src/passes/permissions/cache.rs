//! What is read, parsed and worked out once: for the whole run, local action metadata by path
//! (a composite action used by many jobs and workflows), the repository of each folder and the
//! analysis of the `run:` steps of composite actions; for one workflow file, the analysis of its
//! `run:` scripts (the same steps in several jobs, and again in the rule's next run on the file,
//! kept in [`crate::passes::FileMemo`]). A script's analysis is kept by everything it depends
//! on.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::repo::{repo_identity, repo_root};
use crate::kb::{GitAuth, RunAnalysis};
use crate::memo::Memo;
use crate::syntax::{parse, SyntaxTree};

#[derive(Default)]
pub struct RunCache {
    /// `None`: the file could not be read.
    actions: Memo<PathBuf, Option<Arc<SyntaxTree>>>,
    repos: Memo<PathBuf, RepoPlace>,
    /// The `run:` steps of composite actions, which come back in every workflow calling them
    /// (the other scripts are kept for one workflow only: few come back elsewhere, and memory
    /// stays what it was).
    pub action_scripts: Scripts,
}

/// Analyses of `run:` scripts.
#[derive(Default)]
pub struct Scripts {
    /// By [`Script::hash`], the scripts with that hash and their analyses.
    kept: Mutex<HashMap<u64, Vec<(Kept, RunAnalysis)>>>,
}

/// A repository's root and `owner/name`.
pub type RepoPlace = (Option<PathBuf>, Option<String>);

/// A step's effective environment (names and values as written), shared by the steps that
/// have no `env:` of their own.
pub type Env = Arc<[(String, String)]>;

/// Everything the analysis of a `run:` script depends on, as long as it reads no file of the
/// repository (the step's working directory and the repository only matter to the files).
#[derive(Clone, Copy)]
pub struct Script<'a> {
    pub text: &'a str,
    pub shell: Option<&'a str>,
    pub env: &'a Env,
    pub git: GitAuth,
}

impl Script<'_> {
    /// A hash of everything but the environment's contents (equal scripts usually come with
    /// equal environments; comparing them is left to [`Kept::is`]).
    fn hash(&self) -> u64 {
        // Only to find equal scripts in memory: foldhash, not SipHash over every script's text.
        foldhash::fast::FixedState::default().hash_one((
            self.text,
            self.shell,
            self.env.len(),
            self.git,
        ))
    }
}

/// A script kept with its analysis (the environment is shared with the steps that had it).
struct Kept {
    text: String,
    shell: Option<String>,
    env: Env,
    git: GitAuth,
}

impl Kept {
    fn of(s: Script) -> Kept {
        Kept {
            text: s.text.to_string(),
            shell: s.shell.map(str::to_string),
            env: Arc::clone(s.env),
            git: s.git,
        }
    }

    fn is(&self, s: &Script) -> bool {
        self.text == s.text
            && self.shell.as_deref() == s.shell
            && self.git == s.git
            && (Arc::ptr_eq(&self.env, s.env) || self.env == *s.env)
    }
}

impl RunCache {
    /// The tree of a local action's metadata file (read outside the lock: two threads asking at
    /// once may both read it; the first answer is kept).
    pub fn action(&self, file: &Path) -> Option<Arc<SyntaxTree>> {
        if let Some(known) = self.actions.get(file) {
            return known;
        }
        self.actions.insert(file.to_path_buf(), read_tree(file))
    }

    pub fn repo(&self, dir: &Path) -> RepoPlace {
        if let Some(known) = self.repos.get(dir) {
            return known;
        }
        self.repos.insert(dir.to_path_buf(), repo_place(dir))
    }
}

impl Scripts {
    /// The analysis of `script`, worked out by `analyse` the first time (two threads asking at
    /// once may both work it out). `analyse` also says
    /// whether the analysis read files of the repository: such an analysis depends on more
    /// than `script` and is not kept.
    pub fn analysis(
        &self,
        script: Script,
        analyse: impl FnOnce() -> (RunAnalysis, bool),
    ) -> RunAnalysis {
        let hash = script.hash();
        let lock = || self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = lock()
            .get(&hash)
            .and_then(|same| same.iter().find(|(s, _)| s.is(&script)))
        {
            return known.1.clone();
        }
        let (analysis, read_files) = analyse();
        if !read_files {
            lock()
                .entry(hash)
                .or_default()
                .push((Kept::of(script), analysis.clone()));
        }
        analysis
    }

    /// How many analyses are kept.
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.kept
            .lock()
            .map_or(0, |k| k.values().map(Vec::len).sum())
    }
}

pub fn read_tree(file: &Path) -> Option<Arc<SyntaxTree>> {
    std::fs::read_to_string(file)
        .ok()
        .map(|text| Arc::new(parse(&text)))
}

/// The repository of the files in `dir`.
pub fn repo_place(dir: &Path) -> RepoPlace {
    let root = repo_root(dir);
    let identity = root.as_deref().and_then(repo_identity);
    (root, identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::run_needs;

    #[test]
    fn a_script_is_analysed_once_unless_it_read_files() {
        let scripts = Scripts::default();
        let env: Env = vec![("GH_TOKEN".to_string(), "${{ github.token }}".to_string())].into();
        let other_env: Env =
            vec![("GH_TOKEN".to_string(), "${{ secrets.PAT }}".to_string())].into();
        let script = |env| Script {
            text: "gh release create v1",
            shell: None,
            env,
            git: GitAuth::GithubToken,
        };
        let runs = std::cell::Cell::new(0);
        let analyse = |env: &Env, read_files| {
            runs.set(runs.get() + 1);
            (run_needs("gh release create v1", env), read_files)
        };
        let first = scripts.analysis(script(&env), || analyse(&env, false));
        assert_eq!(
            scripts.analysis(script(&env), || analyse(&env, false)),
            first
        );
        assert_eq!(runs.get(), 1);
        // Another environment is another script.
        let other = scripts.analysis(script(&other_env), || analyse(&other_env, false));
        assert_ne!(other, first);
        assert_eq!(runs.get(), 2);
        // An analysis that read files of the repository is not kept.
        let text = Script {
            text: "./release.sh",
            ..script(&env)
        };
        scripts.analysis(text, || analyse(&env, true));
        scripts.analysis(text, || analyse(&env, true));
        assert_eq!(runs.get(), 4);
    }
}
