//! The permissions knowledge base: what GITHUB_TOKEN scopes a job needs, and why.
//!
//! # What it does
//!
//! The `permissions` rule adds least-privilege `permissions:` blocks. For that it needs, per job,
//! a list of [`Need`]s (scope, level, a short reason, a source). This module provides them:
//!
//! - **Actions and reusable workflows** ([`KnowledgeBase`], [`analyze_action`]): one entry per
//!   `owner/repo[/path]`, kept as human-readable TOML in `rules/permissions/` and embedded in the
//!   binary. An entry lists the scopes needed with default inputs, extra scopes selected by
//!   literal `with:` values, the step's `env:` or the workflow's events, and which input or
//!   variable carries the token. The format is documented in [`entry`]. A repository adds or
//!   replaces entries in its `wffmt.toml` under `[[permissions.action]]`
//!   ([`KnowledgeBase::from_config_str`], [`KnowledgeBase::merge`]).
//! - **`run:` steps** ([`run_needs`]): a small shell lexer finds the commands of a script and
//!   matches them against `rules/permissions/run-commands.toml` (`gh` subcommands, `git push`,
//!   registry pushes and publishes, OIDC users...); `gh api`, `curl` and `wget` calls to the REST
//!   API are mapped by method and path. Anything that receives the token but cannot be read is
//!   reported as unknown rather than guessed.
//!
//! # Why
//!
//! The tool cannot see whether a repository is private, so it grants what a private repository
//! needs (`contents: read` for `actions/checkout`, `actions: read` where an action documents it
//! for private repositories). It never breaks a job to save a read scope: where an input is an
//! expression, the conservative branch is taken; where a fact is uncertain, the entry says
//! `confidence = "medium"` and grants more. It never produces `read-all`/`write-all`, and the
//! built-in data never uses the scopes common linters still reject (`vulnerability-alerts`,
//! `code-quality`; see [`scopes::LINTER_GATED`]).
//!
//! # Example
//!
//! ```
//! use wffmt::kb::{action_needs, KnowledgeBase, Level};
//!
//! let kb = KnowledgeBase::builtin();
//! let entry = kb.lookup("softprops/action-gh-release@v2").unwrap();
//! let needs = action_needs(entry, &[]);
//! assert!(needs.iter().any(|n| n.scope == "contents" && n.level == Level::Write));
//! ```

pub mod action;
pub mod api;
pub mod entry;
pub mod graphql;
pub mod run;
pub mod scopes;
pub mod script;
pub mod token;

use std::sync::OnceLock;

pub use action::{action_needs, analyze_action, StepContext};
pub use entry::{ActionEntry, Conditional};
pub use run::{run_needs, run_needs_in_shell, run_needs_with, GitAuth, RunContext};
pub use scopes::{Level, Scopes};
pub use script::github_script_needs;
pub use token::{classify_token_value, TokenSource};

/// One scope a job needs, with the reason it is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Scope name, e.g. `contents`.
    pub scope: String,
    /// Level needed.
    pub level: Level,
    /// Short reason, e.g. "creates a GitHub release".
    pub reason: String,
    /// Public URL or `owner/repo: path` backing it.
    pub source: String,
}

/// Needs of a step, plus what could not be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Scopes needed.
    pub needs: Vec<Need>,
    /// Why some needs cannot be told (empty when everything is known).
    pub unknown: Vec<String>,
}

/// The result of [`run_needs`].
pub type RunAnalysis = Analysis;

impl Analysis {
    /// Adds a need unless the same scope, level and reason is already listed.
    pub(crate) fn push(&mut self, need: Need) {
        if !self
            .needs
            .iter()
            .any(|n| n.scope == need.scope && n.level == need.level && n.reason == need.reason)
        {
            self.needs.push(need);
        }
    }

    pub(crate) fn push_unknown(&mut self, why: String) {
        if !self.unknown.contains(&why) {
            self.unknown.push(why);
        }
    }

    /// The highest level needed per scope.
    pub fn scopes(&self) -> Scopes {
        let mut out = Scopes::new();
        for n in &self.needs {
            let e = out.entry(n.scope.clone()).or_insert(n.level);
            if n.level > *e {
                *e = n.level;
            }
        }
        out
    }
}

/// Built-in data files, embedded at build time.
const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "rules/permissions/actions-github.toml",
        include_str!("../../rules/permissions/actions-github.toml"),
    ),
    (
        "rules/permissions/actions-release.toml",
        include_str!("../../rules/permissions/actions-release.toml"),
    ),
    (
        "rules/permissions/actions-pull-requests.toml",
        include_str!("../../rules/permissions/actions-pull-requests.toml"),
    ),
    (
        "rules/permissions/actions-cloud.toml",
        include_str!("../../rules/permissions/actions-cloud.toml"),
    ),
    (
        "rules/permissions/actions-security.toml",
        include_str!("../../rules/permissions/actions-security.toml"),
    ),
    (
        "rules/permissions/actions-toolchains.toml",
        include_str!("../../rules/permissions/actions-toolchains.toml"),
    ),
    (
        "rules/permissions/workflows.toml",
        include_str!("../../rules/permissions/workflows.toml"),
    ),
];

/// Entries describing actions and reusable workflows, looked up by `uses:`.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    entries: Vec<ActionEntry>,
    /// By normalized key (foldhash: looked up for every `uses:` of every workflow).
    index: foldhash::HashMap<String, usize>,
    errors: Vec<String>,
}

impl KnowledgeBase {
    /// The embedded knowledge base. Parsed once per process; this returns a copy.
    pub fn builtin() -> KnowledgeBase {
        Self::builtin_ref().clone()
    }

    /// The embedded knowledge base, shared.
    pub fn builtin_ref() -> &'static KnowledgeBase {
        static KB: OnceLock<KnowledgeBase> = OnceLock::new();
        KB.get_or_init(|| {
            let mut kb = KnowledgeBase::default();
            for (name, text) in BUILTIN_FILES {
                match entry::parse_entries(name, text) {
                    Ok(entries) => {
                        for e in entries {
                            if let Err(msg) = kb.insert(e, false) {
                                kb.errors.push(format!("{name}: {msg}"));
                            }
                        }
                    }
                    // A broken data file is a bug the unit tests catch; at run time the other
                    // files still load and the error is reported by `load_errors`.
                    Err(msg) => kb.errors.push(msg),
                }
            }
            // Kept for the whole run: without the room left by growing.
            kb.entries.shrink_to_fit();
            kb.index.shrink_to_fit();
            kb
        })
    }

    /// Parses a knowledge-base document made of `[[action]]` tables. Errors name the line and
    /// column.
    pub fn from_toml_str(s: &str) -> Result<KnowledgeBase, String> {
        Self::from_entries(entry::parse_entries("knowledge base", s)?)
    }

    /// Reads the `[[permissions.action]]` tables of a `wffmt.toml` (other keys are ignored).
    pub fn from_config_str(s: &str) -> Result<KnowledgeBase, String> {
        Self::from_entries(entry::parse_config_entries("wffmt.toml", s)?)
    }

    fn from_entries(entries: Vec<ActionEntry>) -> Result<KnowledgeBase, String> {
        let mut kb = KnowledgeBase::default();
        for e in entries {
            kb.insert(e, false)?;
        }
        Ok(kb)
    }

    fn insert(&mut self, e: ActionEntry, replace: bool) -> Result<(), String> {
        let key = entry::normalize_key(&e.uses);
        match self.index.get(&key) {
            Some(&i) if replace => {
                self.entries[i] = e;
                Ok(())
            }
            Some(_) => Err(format!("`{}` is described twice", e.uses)),
            None => {
                self.index.insert(key, self.entries.len());
                self.entries.push(e);
                Ok(())
            }
        }
    }

    /// Adds the entries of `overrides`; an entry for the same `uses` replaces ours.
    pub fn merge(&mut self, overrides: KnowledgeBase) {
        for e in overrides.entries {
            // `replace = true` cannot fail.
            let _ = self.insert(e, true);
        }
    }

    /// The most specific entry for `owner/repo[/path][@ref]`: `github/codeql-action/analyze@v3`
    /// finds `github/codeql-action/analyze`, else `github/codeql-action`. A reusable workflow
    /// (`.../.github/workflows/x.yml`) only matches its own entry. Local (`./x`), `docker://`
    /// and self-repository (`$/...`) references have no entry.
    pub fn lookup(&self, uses: &str) -> Option<&ActionEntry> {
        let u = uses.trim();
        if u.starts_with("./") || u.starts_with("../") || u.starts_with('$') || u.contains("://") {
            return None;
        }
        let path = memchr::memchr(b'@', u.as_bytes()).map_or(u, |i| &u[..i]);
        let key = entry::normalize_key(path);
        // `owner/repo[/path]` without an empty part.
        if !key.contains('/') || key.starts_with('/') || key.ends_with('/') || key.contains("//") {
            return None;
        }
        let is_workflow = key.contains("/.github/workflows/");
        // The key, then shorter prefixes ending before a `/`, down to `owner/repo`.
        let mut k = key.as_str();
        loop {
            if let Some(&i) = self.index.get(k) {
                return self.entries.get(i);
            }
            match k.rsplit_once('/') {
                Some((shorter, _)) if !is_workflow && shorter.contains('/') => k = shorter,
                _ => return None,
            }
        }
    }

    /// The entry for exactly `owner/repo[/path]` (no `@ref`), without falling back to the
    /// repository's entry.
    pub fn lookup_exact(&self, name: &str) -> Option<&ActionEntry> {
        let i = *self.index.get(&entry::normalize_key(name))?;
        self.entries.get(i)
    }

    /// All entries, in load order.
    pub fn entries(&self) -> &[ActionEntry] {
        &self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Problems met while loading the built-in data (always empty in a correct build).
    pub fn load_errors(&self) -> &[String] {
        &self.errors
    }
}

#[cfg(test)]
mod tests;
