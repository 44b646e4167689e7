//! `archived-actions`: move off actions whose repository is archived or renamed.
//!
//! ## What it does
//! Looks up every `uses:` of another repository (steps, reusable workflow calls, composite
//! action steps) in `rules/migrations/archived-actions.toml` (and `[[archived-actions.action]]`
//! in `wffmt.toml`):
//! - when the row's `same-for` refs match the ref (or, for a SHA pin, the version in its
//!   comment), the replacement is the same action under another name with the same inputs and
//!   outputs: the `uses:` is rewritten (a safe fix); a SHA pin moves to the commit of the same
//!   release in the new repository (resolved through the run's [`Session`]; offline and not
//!   cached: a finding);
//! - otherwise a warning names the replacement and what differs (inputs, outputs downstream
//!   steps read), or says that there is no maintained successor.
//!
//! ## Why
//! An archived action gets no fixes, security fixes included, and it stops working when the
//! runner drops its runtime or GitHub changes the API it calls.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use super::{Context, Output, Rule};
use crate::edit::Fix;
use crate::finding::{Finding, Severity};
use crate::migrations::uses::{file_sites, rewrite, Site};
use crate::migrations::{self};
use crate::resolve::{wildcard_match, RepoId, Session};
use crate::syntax::SyntaxTree;

pub const NAME: &str = "archived-actions";

const BUILTIN: &str = include_str!("../../rules/migrations/archived-actions.toml");
const BUILTIN_NAME: &str = "rules/migrations/archived-actions.toml";

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ArchivedRow {
    pub uses: String,
    pub replacement: Option<String>,
    #[serde(default)]
    pub same_for: Vec<String>,
    #[serde(default)]
    pub differences: String,
    pub source: Option<String>,
}

/// `[archived-actions]` in `wffmt.toml`: rows that add to the built-in table or replace its row
/// for the same `uses`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArchivedActionsConfig {
    pub action: Vec<ArchivedRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    action: Vec<ArchivedRow>,
}

fn builtin() -> &'static Result<HashMap<String, ArchivedRow>, String> {
    static TABLE: OnceLock<Result<HashMap<String, ArchivedRow>, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let file: TableFile = migrations::parse_table(BUILTIN_NAME, BUILTIN)?;
        Ok(file
            .action
            .into_iter()
            .map(|r| (r.uses.to_ascii_lowercase(), r))
            .collect())
    })
}

/// The problem with the built-in table, if any (none in a correct build).
pub fn builtin_error() -> Option<&'static str> {
    builtin().as_ref().err().map(String::as_str)
}

/// The row for `owner/repo[/path]` (lower case): the configured one first, the path's before
/// the repository's.
fn lookup<'a>(config: &'a ArchivedActionsConfig, name: &str) -> Option<&'a ArchivedRow> {
    let mut key = name.to_string();
    loop {
        if let Some(row) = config
            .action
            .iter()
            .rev()
            .find(|r| r.uses.eq_ignore_ascii_case(&key))
        {
            return Some(row);
        }
        if let Ok(table) = builtin() {
            if let Some(row) = table.get(&key) {
                // A built-in row lives as long as the program.
                return Some(row);
            }
        }
        if key.matches('/').count() <= 1 {
            return None;
        }
        key.truncate(key.rfind('/')?);
    }
}

pub struct ArchivedActions {
    pub session: Option<Arc<Session>>,
}

impl Rule for ArchivedActions {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &["jobs.*.uses", "jobs.*.steps[*].uses", "runs.steps[*].uses"]
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let tree = cx.tree;
        for site in &file_sites(cx).remote(tree) {
            let Some(row) = lookup(&cx.config.archived_actions, site.name()) else {
                continue;
            };
            let version = site.version(tree);
            let same = version
                .as_deref()
                .is_some_and(|v| row.same_for.iter().any(|p| wildcard_match(p, v)));
            let replacement = replacement_for(&site.full_name(), row);
            if same {
                let version = version.as_deref().unwrap_or("");
                self.rename(tree, site, &replacement, version, &mut out);
            } else {
                report(tree, site, row, replacement.as_deref(), &mut out);
            }
        }
        out
    }
}

impl ArchivedActions {
    /// Rewrites the site to the same release of the replacement.
    fn rename(
        &self,
        tree: &SyntaxTree,
        site: &Site,
        replacement: &Option<String>,
        version: &str,
        out: &mut Output,
    ) {
        let Some(replacement) = replacement.as_deref() else {
            return;
        };
        let at = tree.range(site.node).start;
        let new_ref = if site.remote.is_pinned() {
            match self.resolve_in(replacement, version) {
                Ok(sha) => sha,
                Err(why) => {
                    let (line, column) = tree.line_col(at);
                    out.findings.push(
                        Finding::new(
                            NAME,
                            Severity::Warning,
                            line,
                            column,
                            format!(
                                "`{}` moved to `{replacement}` (the same action), but the commit of {version} there is unknown: {why}",
                                site.name()
                            ),
                        )
                        .with_help(format!(
                            "run without --offline to resolve it, or write `{replacement}@{version}` and let `pin` pin it"
                        )),
                    );
                    return;
                }
            }
        } else {
            site.remote.git_ref.clone()
        };
        let new_value = format!("{replacement}@{new_ref}");
        let Some(edits) = rewrite(tree, site, &new_value, None) else {
            return;
        };
        let fix = Fix::new(
            NAME,
            format!(
                "replace `{}` with `{replacement}` (the same action, renamed)",
                site.name()
            ),
            edits,
        );
        migrations::propose(out, fix, None, at);
    }

    /// The commit of `version` in the repository of `action` (`owner/repo[/path]`).
    fn resolve_in(&self, action: &str, version: &str) -> Result<String, String> {
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| "no resolver in this run".to_string())?;
        let mut parts = action.splitn(3, '/');
        let repo = RepoId::new(parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let listing = session.listing(&repo).map_err(|e| e.to_string())?;
        listing
            .resolve(version)
            .map(|r| r.sha)
            .map_err(|e| e.to_string())
    }
}

/// The replacement of `name` (`owner/repo[/path]` as written): the row's, followed by the part
/// of the path below the row's `uses` (every action of a renamed repository moves with it).
fn replacement_for(name: &str, row: &ArchivedRow) -> Option<String> {
    let base = row.replacement.as_deref()?;
    let below = name.get(row.uses.len()..).unwrap_or("");
    Some(format!("{base}{below}"))
}

/// A warning: archived, with the replacement and what differs.
fn report(
    tree: &SyntaxTree,
    site: &Site,
    row: &ArchivedRow,
    replacement: Option<&str>,
    out: &mut Output,
) {
    let (line, column) = tree.line_col(tree.range(site.node).start);
    let mut help = match replacement {
        Some(r) => format!("replace it with `{r}`"),
        None => "replace it with a maintained action or a `run:` step".to_string(),
    };
    if !row.differences.is_empty() {
        help.push_str(&format!(": {}", row.differences));
    }
    if let Some(source) = &row.source {
        help.push_str(&format!(" (see {source})"));
    }
    out.findings.push(
        Finding::new(
            NAME,
            Severity::Warning,
            line,
            column,
            format!(
                "`{}` is archived: it gets no more fixes, security fixes included",
                site.name()
            ),
        )
        .with_help(help),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_loads_with_sources() {
        assert_eq!(builtin_error(), None);
        let table = builtin().as_ref().unwrap();
        assert!(table.len() > 100);
        for row in table.values() {
            assert!(
                row.source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("https://")),
                "{row:?}"
            );
            assert!(
                row.same_for.is_empty() || row.replacement.is_some(),
                "{row:?}"
            );
        }
    }

    #[test]
    fn lookup_prefers_paths_and_configuration() {
        let mut config = ArchivedActionsConfig::default();
        assert!(lookup(&config, "actions-rs/toolchain").is_some());
        assert!(lookup(&config, "actions-rs/toolchain/sub").is_some());
        assert!(lookup(&config, "actions/checkout").is_none());
        config.action.push(ArchivedRow {
            uses: "My-Org/Old".into(),
            replacement: Some("my-org/new".into()),
            same_for: vec!["*".into()],
            differences: String::new(),
            source: None,
        });
        assert_eq!(
            lookup(&config, "my-org/old/x").and_then(|r| r.replacement.as_deref()),
            Some("my-org/new")
        );
    }
}
