//! `outdated-actions`: upgrade actions whose release runs on a runtime GitHub deprecated, or
//! that stopped working.
//!
//! ## What it does
//! For each `uses:` of a well-known action (`rules/migrations/outdated-actions.toml`, and
//! `[[outdated-actions.action]]` in `wffmt.toml`), finds the release it names (the ref, or for a
//! SHA pin the version in its comment) and, when that release runs on a deprecated runtime
//! (node12, node16, node20) or is broken (artifact actions v1-v3, cache releases on the
//! retired cache service), moves it to the table's target line:
//! - `actions/checkout@v3` becomes `actions/checkout@v5` (`pin`, later in the same run, pins it);
//! - an exact `@v4.1.0` becomes the exact newest release of the target line (`@v5.0.1`); when
//!   that cannot be looked up (offline and not cached), it stays as it is and a finding says so;
//! - a SHA pin with a `# v4.1.0` comment is re-pinned to the target line's newest release, with
//!   its comment (resolved through the run's [`Session`]; offline and not cached: a finding).
//!
//! The fix is safe when nothing but the runtime changes on the way; when the table lists a
//! change (setup-node v5 caches dependencies, artifact v4 is immutable), it is unsafe with that
//! reason — unless the workflow shows the change cannot matter (every uploaded artifact name
//! unique, no hidden files uploaded).
//!
//! Actions not in the table: the runtime of the release used is read from its `action.yml` at
//! that commit (fetched once per repository and commit, cached forever); a deprecated one gets a
//! warning, since only the action's authors know which release to move to.
//!
//! ## Why
//! Runners force actions on a removed runtime onto a newer Node.js they were never tested with,
//! and the artifact and cache services of old releases are gone: those steps fail.

mod artifacts;
pub mod table;

use std::cell::OnceCell;
use std::sync::Arc;

use super::{Context, Output, Rule};
use crate::discover::FileKind;
use crate::edit::Fix;
use crate::finding::{Finding, Severity};
use crate::migrations::uses::{file_sites, rewrite, FileSites, Site};
use crate::migrations::{self, Date};
use crate::resolve::{is_safe_ref_name, Resolution, Session};
use crate::syntax::views::ActionMeta;
use crate::syntax::{parse, SyntaxTree};
use artifacts::Upload;
pub use table::OutdatedActionsConfig;
use table::{ActionRow, Check, Version};

pub const NAME: &str = "outdated-actions";

pub struct OutdatedActions {
    pub session: Option<Arc<Session>>,
}

impl Rule for OutdatedActions {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &["jobs.*.uses", "jobs.*.steps[*].uses", "runs.steps[*].uses"]
    }

    fn may_edit_comments(&self) -> bool {
        // A re-pinned SHA gets the version comment of its new release.
        true
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let today = match Date::today() {
            Ok(d) => d,
            Err(msg) => {
                out.findings
                    .push(Finding::new(NAME, Severity::Error, 1, 1, msg));
                return out;
            }
        };
        let tree = cx.tree;
        let mut run = Run {
            rule: self,
            tree,
            kind: cx.kind,
            today,
            uploads: OnceCell::new(),
            out: &mut out,
        };
        for site in &file_sites(cx).remote(tree) {
            match table::lookup(&cx.config.outdated_actions, site.name()) {
                Some(row) => run.known(site, row),
                None => run.unknown(site),
            }
        }
        out
    }
}

/// Fetches in parallel what the rule will ask for `files`: the ref listings of the actions it
/// reads, then the `action.yml` of actions outside the table at the commits used (each once per
/// run and commit; see [`Session`]).
pub fn prefetch(session: &Session, files: &[(&SyntaxTree, FileKind)]) {
    let found: Vec<_> = files
        .iter()
        .map(|(tree, kind)| (*tree, FileSites::find(tree, *kind)))
        .collect();
    let sites: Vec<Site> = found
        .iter()
        .flat_map(|(tree, sites)| sites.remote(tree))
        .collect();
    let repos: Vec<_> = sites.iter().map(|s| s.remote.repo_id()).collect();
    session.prefetch_listings(&repos);
    let config = OutdatedActionsConfig::default();
    let mut keys = Vec::new();
    for site in &sites {
        if table::lookup(&config, site.name()).is_some()
            || site
                .remote
                .path
                .as_deref()
                .is_some_and(|p| p.contains(".github/workflows/"))
        {
            continue;
        }
        let sha = if site.remote.is_pinned() {
            Some(site.remote.git_ref.clone())
        } else {
            session
                .listing(&site.remote.repo_id())
                .ok()
                .and_then(|l| l.resolve(&site.remote.git_ref).ok())
                .map(|r| r.sha)
        };
        if let Some(sha) = sha {
            keys.push((site.remote.repo_id(), site.remote.path.clone(), sha));
        }
    }
    keys.sort();
    keys.dedup();
    session.prefetch_action_files(&keys);
}

struct Run<'a> {
    rule: &'a OutdatedActions,
    tree: &'a SyntaxTree,
    kind: FileKind,
    today: Date,
    /// The file's artifact uploads, read when an upgrade's safety depends on them.
    uploads: OnceCell<Vec<Upload>>,
    out: &'a mut Output,
}

impl Run<'_> {
    fn uploads(&self) -> &[Upload] {
        self.uploads
            .get_or_init(|| artifacts::uploads(self.tree, self.kind))
    }

    fn finding(&mut self, site: &Site, severity: Severity, message: String, help: String) {
        let (line, column) = self.tree.line_col(self.tree.range(site.node).start);
        self.out
            .findings
            .push(Finding::new(NAME, severity, line, column, message).with_help(help));
    }

    /// An action of the table.
    fn known(&mut self, site: &Site, row: &ActionRow) {
        let Some(version_text) = site.version(self.tree) else {
            return;
        };
        let Some(version) = Version::parse_ref(&version_text) else {
            // A branch or another name: what it runs cannot be told from the table.
            return;
        };
        let runtime = row.runtime(version).unwrap_or("");
        let deprecated = table::deprecated_runtime(runtime).filter(|r| r.deprecated <= self.today);
        let broken = row.broken_since(version).filter(|d| *d <= self.today);
        let why = match (broken, deprecated) {
            (Some(day), _) => format!("stopped working on {day}: {}", row.broken_why),
            (None, Some(rt)) => match rt.removed.filter(|d| *d <= self.today) {
                Some(removed) => {
                    format!("runs on {runtime}, which runners no longer provide since {removed}")
                }
                None => format!(
                    "runs on {runtime}, which GitHub deprecated on {}",
                    rt.deprecated
                ),
            },
            (None, None) => return,
        };
        let target_start = row.target_start();
        if version >= target_start && version.is_line() {
            // `@v6` of a line whose newer releases moved on: nothing to change in the ref.
            return;
        }
        let name = site.full_name();
        let title = format!("upgrade {name}@{version_text} to {}", row.target_ref());
        let reason = self.unsafe_reason(site, row, version);
        let at = self.tree.range(site.node).start;
        let edits = if site.remote.is_pinned() {
            match self.resolve_target(site, row) {
                Ok(res) => {
                    let value = site.remote.with_ref(&res.sha);
                    // The comment names a tag of the listing only when that name is safe to
                    // write into a file; the target line names the same commit.
                    let comment = Some(res.comment)
                        .filter(|c| is_safe_ref_name(c))
                        .unwrap_or_else(|| row.target_ref());
                    rewrite(self.tree, site, &value, Some((&version_text, &comment)))
                }
                Err(e) => {
                    self.finding(
                        site,
                        Severity::Warning,
                        format!("`{name}` {version_text} {why}"),
                        format!(
                            "re-pin it to {} ({e}); run without --offline, or write `{name}@{}` and let `pin` pin it",
                            row.target_ref(),
                            row.target_ref()
                        ),
                    );
                    return;
                }
            }
        } else {
            let new_ref = if version.is_line() {
                row.target_ref()
            } else {
                // A precise ref stays precise: the newest release of the target line, or, when
                // that cannot be looked up, the ref is left as it is and reported (a moving
                // `@v5` would silently undo the author's choice of an exact release).
                match self.exact_target(site, row) {
                    Ok(name) => name,
                    Err(e) => {
                        self.finding(
                            site,
                            Severity::Warning,
                            format!("`{name}` {version_text} {why}"),
                            format!(
                                "upgrade it to the newest {target} release ({e}); run with \
                                 network access (without --offline) to look it up, or write \
                                 `{name}@{target}` to follow the release line",
                                target = row.target_ref()
                            ),
                        );
                        return;
                    }
                }
            };
            rewrite(self.tree, site, &site.remote.with_ref(&new_ref), None)
        };
        let Some(edits) = edits else {
            return;
        };
        let fix = Fix::new(
            NAME,
            format!("{title} ({name}@{version_text} {why})"),
            edits,
        );
        migrations::propose(self.out, fix, reason, at);
    }

    /// Why the upgrade may change behaviour, from the changes met on the way.
    fn unsafe_reason(&self, site: &Site, row: &ActionRow, version: Version) -> Option<String> {
        let mut reasons = Vec::new();
        for change in row.changes_between(version) {
            let holds = match change.unless {
                None => false,
                Some(Check::UniqueArtifactNames) => artifacts::name_clash(self.uploads()).is_none(),
                Some(Check::NoHiddenFiles) => self
                    .uploads()
                    .iter()
                    .find(|u| u.uses == site.node)
                    .is_some_and(artifacts::no_hidden_files),
                Some(Check::UploadsUnchanged) => {
                    artifacts::name_clash(self.uploads()).is_none()
                        && self.uploads().iter().all(artifacts::no_hidden_files)
                }
            };
            if !holds {
                let mut text = change.what.clone();
                if change.unless == Some(Check::UniqueArtifactNames) {
                    if let Some(clash) = artifacts::name_clash(self.uploads()) {
                        text.push_str(&format!(" — here {clash}"));
                    }
                }
                reasons.push(text);
            }
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// The newest release of the target line, from the repository's ref listing.
    fn resolve_target(&self, site: &Site, row: &ActionRow) -> Result<Resolution, String> {
        let session = self
            .rule
            .session
            .as_ref()
            .ok_or_else(|| "no resolver in this run".to_string())?;
        let listing = session
            .listing(&site.remote.repo_id())
            .map_err(|e| e.to_string())?;
        listing
            .resolve(&row.target_ref())
            .map_err(|e| e.to_string())
    }

    /// The exact name of the target line's newest release (`v5.0.1` for `v5`), when it can be
    /// looked up and its commit carries such a tag.
    fn exact_target(&self, site: &Site, row: &ActionRow) -> Result<String, String> {
        let res = self.resolve_target(site, row)?;
        let exact = Some(res.comment)
            .filter(|c| is_safe_ref_name(c))
            .filter(|c| {
                Version::parse_ref(c).is_some_and(|v| v.major == row.target.major && !v.is_line())
            });
        exact.ok_or_else(|| {
            format!(
                "the commit of {} has no exact version tag",
                row.target_ref()
            )
        })
    }

    /// An action outside the table: its runtime from `action.yml` at the commit used.
    fn unknown(&mut self, site: &Site) {
        let Some(session) = self.rule.session.clone() else {
            return;
        };
        let repo = site.remote.repo_id();
        let sha = if site.remote.is_pinned() {
            site.remote.git_ref.clone()
        } else {
            // Unresolvable refs are `pin`'s to report.
            let Ok(listing) = session.listing(&repo) else {
                return;
            };
            let Ok(res) = listing.resolve(&site.remote.git_ref) else {
                return;
            };
            res.sha
        };
        if site
            .remote
            .path
            .as_deref()
            .is_some_and(|p| p.contains(".github/workflows/"))
        {
            return;
        }
        let Ok(Some(file)) = session.action_file(&repo, site.remote.path.as_deref(), &sha) else {
            return;
        };
        let tree = parse(&file.text);
        let Some(using) = ActionMeta::new(&tree).and_then(|a| a.using()) else {
            return;
        };
        let Some(runtime) =
            table::deprecated_runtime(&using).filter(|r| r.deprecated <= self.today)
        else {
            return;
        };
        let state = match runtime.removed.filter(|d| *d <= self.today) {
            Some(d) => format!("which runners no longer provide since {d}"),
            None => format!("which GitHub deprecated on {}", runtime.deprecated),
        };
        self.finding(
            site,
            Severity::Warning,
            format!(
                "`{}` runs on {using} ({} at {}), {state}",
                site.value,
                file.path,
                &sha[..12.min(sha.len())]
            ),
            format!(
                "upgrade to a release of {} that runs on a supported runtime (see {})",
                site.full_name(),
                runtime.source
            ),
        );
    }
}
