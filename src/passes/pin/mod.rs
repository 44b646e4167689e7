//! `pin`: pin every action and reusable workflow to a full commit SHA, and keep pins current.
//!
//! ## What it does
//! Rewrites `uses: owner/repo[/path]@ref` (steps, job-level reusable workflow calls, composite
//! action steps; plain, quoted or block scalars, block or flow collections) to
//! `uses: owner/repo[/path]@<40-hex SHA> # vX.Y.Z`, where the comment is the most specific tag
//! on the same commit (`v4` becomes `v4.2.2` when both name it), or the ref itself for a branch
//! or any other ref that is not a version (`main`, `latest`). `./local` paths, `docker://`
//! images and refs with `${{ }}` are left alone, and so is a `uses:` whose line says
//! `# ratchet:exclude` or `# actions-up-ignore`.
//!
//! Comments: the version comment goes right after the value; a comment already on the line
//! stays on the line, after it, text unchanged (`@<sha> # v4.2.2 # zizmor: ignore[artipacked]`),
//! which is where zizmor, Renovate and Dependabot read them. A version comment written in
//! another form (`# tag=v4.1.0`, `# pin @v4`, `# ratchet:owner/repo@v4` …, see [`comment`]) keeps
//! its form. A pinned SHA whose version comment names another commit gets its comment fixed
//! (the SHA wins), with a warning; a pinned SHA without one gets one when a tag or branch names
//! it.
//!
//! `--update` moves pins (and tag refs) to the newest release of the same major version,
//! `--upgrade` to the newest of any major; never backwards, pre-releases only from a
//! pre-release, tag style and monorepo component prefixes kept. A cooldown (`--min-age`,
//! `[pin] min-age`, dependabot.yml, see [`cooldown`]) skips releases younger than that, dated by
//! the tag (annotated) or the commit.
//!
//! ## Why
//! A tag can be moved to any commit by whoever controls the repository; a full SHA cannot.
//! Pins that never move go stale, so moving them must be as easy and as safe as setting them.
//!
//! Listings and dates come from the run's [`Session`]: one `git ls-remote` per repository for the
//! whole run and one fetch per release commit ever dated, prefetched before files are processed
//! (see [`crate::resolve`]).

pub mod comment;
pub mod cooldown;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::{Context, Output, Rule};
use crate::discover::FileKind;
use crate::edit::{Edit, Fix};
use crate::finding::{Finding, Severity};
use crate::migrations::uses::file_sites;
use crate::resolve::{
    is_safe_ref_name, parse_image, parse_uses, server_cause, ImageRef, PinCheck, RefListing,
    Release, RemoteUses, RepoId, ResolveError, Session, UsesRef, Version, NETWORK_RULE,
};
use crate::syntax::views::{ActionMeta, Workflow};
use crate::syntax::{NodeId, NodeKind, SyntaxTree, TokenKind};

use comment::VersionComment;
use cooldown::{Bump, Cooldown};

pub const NAME: &str = "pin";

/// How far pins move.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Pin refs to the commit they name today; pins stay where they are.
    #[default]
    Pin,
    /// Move to the newest release of the same major version.
    Update,
    /// Move to the newest release of any major version.
    Upgrade,
}

/// How `pin` runs this time (listings and dates come from the run's [`Session`]).
#[derive(Default)]
pub struct PinData {
    pub verify_pins: bool,
    /// `pin` was named in `--select`: pin even where GitHub's actions lockfile is used.
    pub explicit: bool,
    pub mode: Mode,
    /// `--pin-images`: container images too.
    pub pin_images: bool,
    /// `--min-age DAYS`.
    pub min_age: Option<u32>,
    /// Explain decisions as info findings (`-v`, JSON, SARIF).
    pub explain: bool,
    /// Seconds since the Unix epoch at the start of the run (release ages are counted from it).
    pub now: i64,
    /// dependabot.yml cooldowns read so far, by file.
    pub dependabot: Mutex<HashMap<PathBuf, Result<Option<Cooldown>, String>>>,
    /// [`actions_lockfile`] answers so far, by directory: files of one repository ask once.
    pub lockfiles: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl PinData {
    /// The cooldown for `file`, and a problem to report about it.
    fn cooldown(&self, cx: &Context) -> (Option<Cooldown>, Option<String>) {
        if let Some(days) = self.min_age {
            return (Some(Cooldown::days(days, "--min-age")), None);
        }
        if let Some(days) = cx.config.pin.min_age {
            return (Some(Cooldown::days(days, "wffmt.toml [pin] min-age")), None);
        }
        let Some(path) = cx.file.and_then(cooldown::dependabot_file) else {
            return (None, None);
        };
        let mut cache = self.dependabot.lock().unwrap_or_else(|p| p.into_inner());
        let entry = cache.entry(path.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            cooldown::from_dependabot(&text, &path.display().to_string())
        });
        match entry {
            Ok(c) => (c.clone(), None),
            Err(why) => (
                None,
                Some(format!(
                    "the cooldown in {} was not used: {why}",
                    path.display()
                )),
            ),
        }
    }
}

pub struct Pin {
    pub data: Option<Arc<PinData>>,
    pub session: Option<Arc<Session>>,
}

/// One `uses:` value of a file.
pub struct UsesSite {
    pub node: NodeId,
    pub value: String,
    /// What the value names.
    pub uses: UsesRef,
}

/// Every `uses:` value node of a workflow or an action. The rules read them through
/// [`file_sites`], which finds them once per tree.
pub fn uses_sites(tree: &SyntaxTree, kind: FileKind) -> Vec<UsesSite> {
    let mut nodes = Vec::new();
    match kind {
        FileKind::Workflow => {
            if let Some(wf) = Workflow::new(tree) {
                for job in wf.jobs() {
                    nodes.extend(job.uses());
                    nodes.extend(job.steps().iter().filter_map(|s| s.uses()));
                }
            }
        }
        FileKind::Action => {
            if let Some(action) = ActionMeta::new(tree) {
                nodes.extend(action.steps().iter().filter_map(|s| s.uses()));
            }
        }
    }
    nodes
        .into_iter()
        .filter(|&n| tree.kind(n) == NodeKind::Scalar)
        .filter_map(|node| {
            // Not trimmed: a value with stray whitespace or escapes is not a valid ref.
            let value = tree.scalar_value(node)?.to_string();
            let uses = parse_uses(&value);
            Some(UsesSite { node, value, uses })
        })
        .collect()
}

/// One container image reference of a file: a `docker://` step, `jobs.<id>.container` (or its
/// `image`), `jobs.<id>.services.<name>.image`, a Docker action's `runs.image: docker://…`.
pub struct ImageSite {
    pub node: NodeId,
    /// The reference, without `docker://`.
    pub image: String,
    pub docker_scheme: bool,
}

/// Every image reference of a workflow or a composite action's `docker://` steps; `uses` are
/// the file's `uses:` sites.
pub fn image_sites(tree: &SyntaxTree, kind: FileKind, uses: &[UsesSite]) -> Vec<ImageSite> {
    let mut nodes: Vec<NodeId> = Vec::new();
    let tree_is_map = |n: NodeId| matches!(tree.kind(n), NodeKind::BlockMap | NodeKind::FlowMap);
    if kind == FileKind::Workflow {
        if let Some(wf) = Workflow::new(tree) {
            for job in wf.jobs() {
                if let Some(c) = job.get("container") {
                    nodes.push(if tree_is_map(c) {
                        match tree.map_get(c, "image") {
                            Some(i) => i,
                            None => continue,
                        }
                    } else {
                        c
                    });
                }
                if let Some(services) = job.get("services").filter(|&s| tree_is_map(s)) {
                    for entry in tree.map_entries(services) {
                        if let Some(service) = tree.entry_value(entry).filter(|&v| tree_is_map(v)) {
                            nodes.extend(tree.map_get(service, "image"));
                        }
                    }
                }
            }
        }
    }
    let mut sites: Vec<ImageSite> = nodes
        .into_iter()
        .filter(|&n| tree.kind(n) == NodeKind::Scalar)
        .filter_map(|node| {
            let image = tree.scalar_value(node)?.to_string();
            (!image.is_empty()).then_some(ImageSite {
                node,
                image,
                docker_scheme: false,
            })
        })
        .collect();
    // A Docker action's `runs.image: docker://…` (a `Dockerfile` path is built, not pulled).
    if kind == FileKind::Action {
        let runs = ActionMeta::new(tree).and_then(|a| a.runs());
        if let Some(node) = runs.and_then(|r| tree.map_get(r, "image")) {
            if let Some(image) = tree
                .scalar_value(node)
                .and_then(|v| v.strip_prefix("docker://").map(str::to_string))
            {
                sites.push(ImageSite {
                    node,
                    image,
                    docker_scheme: true,
                });
            }
        }
    }
    for site in uses {
        if let Some(image) = site.value.strip_prefix("docker://") {
            sites.push(ImageSite {
                node: site.node,
                image: image.to_string(),
                docker_scheme: true,
            });
        }
    }
    sites
}

/// The images a file would pin with `--pin-images` (valid, not yet pinned).
pub fn images_to_resolve(tree: &SyntaxTree, kind: FileKind) -> Vec<ImageRef> {
    image_sites(tree, kind, &uses_sites(tree, kind))
        .into_iter()
        .filter_map(|s| parse_image(&s.image).ok())
        .filter(|i| i.digest.is_none())
        .collect()
}

/// The repositories a file needs listed: every remote `uses:` (pinned ones too: their version
/// comments are checked and filled in).
pub fn repos_to_resolve(tree: &SyntaxTree, kind: FileKind) -> Vec<RepoId> {
    uses_sites(tree, kind)
        .into_iter()
        .filter_map(|s| match s.uses {
            UsesRef::Remote(r) => Some(r.repo_id()),
            _ => None,
        })
        .collect()
}

/// The `(repository, object)` pairs whose dates `--update`/`--upgrade` may need for a file:
/// the release candidates of each remote `uses:`, newest first, at most `per_use` each.
pub fn dates_to_prefetch(
    tree: &SyntaxTree,
    kind: FileKind,
    session: &Session,
    mode: Mode,
    per_use: usize,
) -> Vec<(RepoId, String)> {
    let mut keys = Vec::new();
    for site in &uses_sites(tree, kind) {
        let UsesRef::Remote(remote) = &site.uses else {
            continue;
        };
        let Ok(listing) = session.listing(&remote.repo_id()) else {
            continue;
        };
        let current_sha = if remote.is_pinned() {
            remote.git_ref.to_ascii_lowercase()
        } else {
            match listing.resolve(&remote.git_ref) {
                Ok(r) => r.sha,
                Err(_) => continue,
            }
        };
        // The version comment decides the release line, as in the run itself.
        let comment = comment_anchor(tree, site.node)
            .and_then(|a| tree.trailing_comment(a))
            .map(|i| tree.tokens()[i].text(tree.text()))
            .and_then(|c| comment::split(c, |n| listing.resolve(n).is_ok()).version)
            .map(|v| v.name);
        let base = base_version(&listing, remote, &current_sha, comment);
        let Some(base) = base else { continue };
        for release in listing
            .newer_releases(&base, mode == Mode::Upgrade)
            .into_iter()
            .take(per_use)
        {
            keys.push((remote.repo_id(), release.dated_object));
        }
    }
    keys
}

/// Whether any of these files has a cooldown configured (`[pin] min-age` in its configuration
/// file, or a dependabot.yml cooldown for github-actions): then release dates are worth
/// prefetching.
pub fn cooldown_configured(texts: &[(&str, FileKind, Option<&Path>)]) -> bool {
    let finder = crate::config::ConfigFinder::new();
    let mut seen: HashMap<PathBuf, bool> = HashMap::new();
    texts.iter().filter_map(|(_, _, p)| *p).any(|path| {
        if finder.for_file(path).is_ok_and(|c| c.pin.min_age.is_some()) {
            return true;
        }
        let Some(file) = cooldown::dependabot_file(path) else {
            return false;
        };
        *seen.entry(file.clone()).or_insert_with(|| {
            std::fs::read_to_string(&file)
                .is_ok_and(|text| cooldown::from_dependabot(&text, "").is_ok_and(|c| c.is_some()))
        })
    })
}

/// `.github/workflows/actions.lock` of the repository holding `file`, if there is one.
pub fn actions_lockfile(file: &Path) -> Option<std::path::PathBuf> {
    lockfile_in(file.parent()?, &Mutex::default())
}

/// The lockfile for files in `dir`: in it, else (below a repository root) in its parent;
/// each directory's answer is kept in `known`.
fn lockfile_in(dir: &Path, known: &Mutex<HashMap<PathBuf, Option<PathBuf>>>) -> Option<PathBuf> {
    if let Some(answer) = known.lock().unwrap_or_else(|p| p.into_inner()).get(dir) {
        return answer.clone();
    }
    let lock = dir.join(".github/workflows/actions.lock");
    let answer = if lock.is_file() {
        Some(lock)
    } else if dir.join(".git").exists() {
        None
    } else {
        dir.parent().and_then(|parent| lockfile_in(parent, known))
    };
    known
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(dir.to_path_buf(), answer.clone());
    answer
}

impl PinData {
    /// [`actions_lockfile`], each directory asked once per run.
    pub fn actions_lockfile(&self, file: &Path) -> Option<PathBuf> {
        lockfile_in(file.parent()?, &self.lockfiles)
    }
}

impl Rule for Pin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &[
            "jobs.*.uses",
            "jobs.*.steps[*].uses",
            "runs.steps[*].uses",
            // --pin-images
            "jobs.*.container",
            "jobs.*.container.image",
            "jobs.*.services.*.image",
            "runs.image",
        ]
    }

    fn may_edit_comments(&self) -> bool {
        true
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let (Some(data), Some(session)) = (&self.data, &self.session) else {
            return out;
        };
        if !data.explicit {
            if let Some(lock) = cx.file.and_then(|f| data.actions_lockfile(f)) {
                out.findings.push(
                    Finding::new(
                        NAME,
                        Severity::Info,
                        1,
                        1,
                        format!(
                            "the repository uses GitHub's actions lockfile ({}); pinning is left to it",
                            lock.display()
                        ),
                    )
                    .with_help("run with `--select pin` to pin these workflows anyway"),
                );
                return out;
            }
        }
        let (cooldown, cooldown_problem) = if data.mode == Mode::Pin {
            (None, None)
        } else {
            data.cooldown(cx)
        };
        if let Some(problem) = cooldown_problem {
            out.findings.push(
                Finding::new(NAME, Severity::Warning, 1, 1, problem).with_help(
                    "fix the cooldown in dependabot.yml, or set `[pin] min-age` or --min-age",
                ),
            );
        }
        let mut run = FileRun {
            cx,
            data,
            session,
            cooldown: cooldown.as_ref(),
            out: &mut out,
            cooldown_used: false,
        };
        let uses = file_sites(cx);
        for site in &uses.all {
            run.site(site);
        }
        if data.pin_images {
            for site in image_sites(cx.tree, cx.kind, &uses.all) {
                run.image(&site);
            }
        }
        if run.cooldown_used && data.explain {
            if let Some(c) = &cooldown {
                out.findings.push(Finding::new(
                    NAME,
                    Severity::Info,
                    1,
                    1,
                    format!("update cooldown: {}", c.describe()),
                ));
            }
        }
        out
    }
}

/// One file's pass.
struct FileRun<'a, 'o> {
    cx: &'a Context<'a>,
    data: &'a PinData,
    session: &'a Session,
    cooldown: Option<&'a Cooldown>,
    out: &'o mut Output,
    cooldown_used: bool,
}

/// Where the pin should point after this run.
struct Target {
    sha: String,
    /// The name for the version comment (a ref that names `sha`), if one is safe to write.
    name: Option<String>,
    /// `from → to` when `--update`/`--upgrade` moved it.
    moved: Option<(String, String)>,
}

impl FileRun<'_, '_> {
    fn finding(&mut self, severity: Severity, node: NodeId, msg: String) -> &mut Finding {
        let tree = self.cx.tree;
        let (line, column) = tree.line_col(tree.range(node).start);
        self.out
            .findings
            .push(Finding::new(NAME, severity, line, column, msg));
        self.out.findings.last_mut().expect("just pushed")
    }

    fn site(&mut self, site: &UsesSite) {
        let tree = self.cx.tree;
        let remote = match &site.uses {
            UsesRef::Remote(r) => r,
            UsesRef::Invalid(why) => {
                self.finding(
                    Severity::Warning,
                    site.node,
                    format!("cannot pin `{}`: {why}", site.value),
                );
                return;
            }
            _ => return,
        };
        if self.cx.config.pin.is_ignored(&site.value) {
            return;
        }
        // Inside a flow collection the comment can only follow the whole collection, and only
        // when it ends on the same line.
        let anchor = comment_anchor(tree, site.node);
        let comment_tok = anchor.and_then(|a| tree.trailing_comment(a));
        let comment_text = comment_tok.map(|i| tree.tokens()[i].text(tree.text()));
        if comment_text.is_some_and(comment::opts_out) {
            return;
        }
        let pinned = remote.is_pinned();
        // A pin left where it is needs the listing only to check or fill in its comment; a
        // failure to list is then no reason to complain (offline runs keep working).
        let quiet = pinned && self.data.mode == Mode::Pin && !self.data.verify_pins;
        let listing = match self.session.listing(&remote.repo_id()) {
            Ok(l) => l,
            Err(_) if quiet => return,
            Err(e) => {
                self.resolve_error(site, &e);
                return;
            }
        };
        let line = comment_text.map(|c| comment::split(c, |n| listing.resolve(n).is_ok()));
        let version = line.as_ref().and_then(|l| l.version.clone());

        // Where the pin is today.
        let (current_sha, current_name) = if pinned {
            let sha = remote.git_ref.to_ascii_lowercase();
            if self.data.verify_pins {
                self.verify(site, remote, &listing, &sha, version.as_ref());
            }
            let style = version.as_ref().map(|v| v.name);
            (sha.clone(), line_name(&listing, remote, &sha, style))
        } else {
            match listing.resolve(&remote.git_ref) {
                Ok(resolution) => {
                    if let Some(w) = &resolution.warning {
                        self.finding(Severity::Warning, site.node, w.clone());
                    }
                    let name = if let Some(branch) = remote.git_ref.strip_prefix("refs/heads/") {
                        branch.to_string()
                    } else {
                        resolution.comment.clone()
                    };
                    (resolution.sha, Some(name))
                }
                Err(e) => {
                    self.finding(
                        Severity::Error,
                        site.node,
                        format!(
                            "cannot pin `{}`: {}/{} has no tag or branch named `{}` ({e})",
                            site.value, remote.owner, remote.repo, remote.git_ref
                        ),
                    )
                    .help = Some(
                        "check the ref's spelling; the rest of the file is still pinned".into(),
                    );
                    return;
                }
            }
        };

        // Where it should be.
        // A ref whose name cannot be written (control or bidi characters) is named in its
        // comment by a tag of the same commit, as a bare SHA pin would be: the next run then
        // finds the comment it would write itself.
        let name = match current_name {
            Some(raw) if !is_safe_ref_name(&raw) => {
                let stand_in = listing
                    .resolve(&current_sha)
                    .ok()
                    .map(|r| r.comment)
                    .filter(|n| !n.is_empty() && is_safe_ref_name(n));
                if let Some(stand_in) = &stand_in {
                    self.finding(
                        Severity::Info,
                        site.node,
                        format!(
                            "the ref's name `{}` has characters that are not written into files; the version comment names `{stand_in}`, a tag of the same commit",
                            raw.escape_debug()
                        ),
                    );
                }
                stand_in
            }
            other => other,
        };
        let mut target = Target {
            sha: current_sha.clone(),
            name,
            moved: None,
        };
        // A pin whose comment names a branch (not a tag) tracks that branch: the branch moving
        // on is no error, and releases are not its business.
        let tracked_branch = version.as_ref().filter(|_| pinned).and_then(|v| {
            let name = v.name.strip_prefix("refs/heads/").unwrap_or(v.name);
            (listing.branches.contains_key(name) && !listing.tags.contains_key(name))
                .then(|| name.to_string())
        });
        if let Some(branch) = &tracked_branch {
            let head = &listing.branches[branch];
            if self.data.mode != Mode::Pin
                && self.cx.config.pin.update_branches
                && !head.eq_ignore_ascii_case(&current_sha)
            {
                target = Target {
                    sha: head.clone(),
                    name: Some(branch.clone()),
                    moved: Some((
                        format!("{branch} at {}", short(&current_sha)),
                        format!("{branch} at {}", short(head)),
                    )),
                };
            } else {
                target.name = Some(branch.clone());
            }
        } else if self.data.mode != Mode::Pin {
            let held = version.as_ref().map(|v| v.name);
            if let Some(base) = base_version(&listing, remote, &current_sha, held) {
                if let Some(release) = self.choose_release(site, remote, &listing, &base) {
                    let name = listing
                        .resolve(&release.tag)
                        .map(|r| r.comment)
                        .unwrap_or_else(|_| release.tag.clone());
                    target = Target {
                        sha: release.commit.clone(),
                        name: Some(name.clone()).filter(|n| is_safe_ref_name(n)),
                        moved: Some((base, name)),
                    };
                }
            }
        }

        let mut edits = Vec::new();
        let value_changes = !pinned || target.sha != current_sha;
        let new_value = remote.with_ref(&target.sha);

        // The comment: keep a correct version comment, fix a wrong one, write a new one.
        let mut fixed_comment = None;
        let new_version_text = match (&version, &target.name) {
            (Some(v), Some(name)) => {
                let names_target = listing
                    .resolve(v.name)
                    .is_ok_and(|r| r.sha.eq_ignore_ascii_case(&target.sha))
                    || tag_or_branch_names(&listing, v.name, &target.sha)
                    || tracked_branch.is_some();
                if names_target {
                    None
                } else {
                    if !value_changes {
                        fixed_comment = Some((v.name.to_string(), name.clone()));
                    }
                    Some(v.with_name(name))
                }
            }
            (None, Some(name)) => Some(format!("# {name}")),
            (_, None) => None,
        };
        if value_changes {
            match value_edit(tree, site.node, &new_value) {
                ValueEdit::Inline(edit) => edits.push(edit),
                ValueEdit::Block(range) => {
                    // The block scalar becomes a plain one on the `uses:` line, so that the
                    // version comment can follow it.
                    let mut text = new_value.clone();
                    if let Some(v) = &new_version_text {
                        text.push(' ');
                        text.push_str(v);
                    }
                    self.push_fix(&site.value, &target, vec![Edit::replace(range, text)]);
                    return;
                }
                ValueEdit::None => {
                    self.finding(
                        Severity::Warning,
                        site.node,
                        format!(
                            "cannot pin `{}`: this form of scalar cannot be rewritten; write the value on the `uses:` line",
                            site.value
                        ),
                    );
                    return;
                }
            }
        }
        if let Some(version_text) = &new_version_text {
            match (anchor, comment_tok, &line) {
                (None, _, _) => {
                    self.finding(
                        Severity::Info,
                        site.node,
                        format!(
                            "pinned without a version comment (`{}`): a comment cannot go inside a flow collection that spans lines",
                            target.name.clone().unwrap_or_default()
                        ),
                    );
                }
                (Some(a), None, _) => edits.push(comment_after(tree, a, version_text)),
                (Some(_), Some(i), Some(line)) => {
                    let tok = tree.tokens()[i];
                    let text = if line.rest.is_empty() {
                        version_text.clone()
                    } else {
                        format!("{version_text} {}", line.rest)
                    };
                    let old = tok.text(tree.text());
                    if old.trim_end() != text {
                        let end = tok.start as usize + old.trim_end().len();
                        edits.push(Edit::replace(tok.start as usize..end, text));
                    }
                }
                (Some(_), Some(_), None) => {}
            }
        } else if target.name.is_none() && value_changes {
            let written = current_name_of(&listing, &target.sha);
            if let Some(raw) = written {
                self.finding(
                    Severity::Info,
                    site.node,
                    format!(
                        "pinned without a version comment: the ref's name `{}` has characters that are not written into files",
                        raw.escape_debug()
                    ),
                );
            }
        }
        if let Some((was, now)) = &fixed_comment {
            self.finding(
                Severity::Warning,
                site.node,
                format!(
                    "the version comment `{was}` did not name the pinned commit {}; it now says `{now}`",
                    short(&target.sha)
                ),
            )
            .help = Some(
                "the SHA is what runs; if you meant the version in the old comment, pin that instead (`@{was}` and run `wffmt --fix --select pin`)"
                    .replace("{was}", was),
            );
        }
        if edits.is_empty() {
            return;
        }
        if value_changes {
            self.push_fix(&site.value, &target, edits);
        } else {
            let name = target.name.clone().unwrap_or_default();
            let what = if fixed_comment.is_some() {
                format!("correct the version comment of {} to {name}", site.value)
            } else {
                format!("add the version comment {name} to {}", site.value)
            };
            self.out.fixes.push(Fix::new(NAME, what, edits));
        }
    }

    /// `--pin-images`: `image:tag` → `image:tag@sha256:…` (the index digest).
    fn image(&mut self, site: &ImageSite) {
        if site.image.contains("${{") {
            return;
        }
        let shown = if site.docker_scheme {
            format!("docker://{}", site.image)
        } else {
            site.image.clone()
        };
        let image = match parse_image(&site.image) {
            Ok(i) => i,
            Err(why) => {
                self.finding(
                    Severity::Warning,
                    site.node,
                    format!("cannot pin `{}`: {why}", shown.escape_debug()),
                );
                return;
            }
        };
        if image.digest.is_some() {
            return;
        }
        let digest = match self.session.image_digest(&image) {
            Ok(d) => d,
            Err(e) => {
                let rule = rule_for(&e);
                let tree = self.cx.tree;
                let (line, column) = tree.line_col(tree.range(site.node).start);
                let msg = match &e {
                    ResolveError::RepoNotFound => format!(
                        "cannot pin image `{shown}`: the registry {} has no such image or tag",
                        image.registry
                    ),
                    _ => format!(
                        "cannot pin image `{shown}` (registry {}): {e}",
                        image.registry
                    ),
                };
                self.out.findings.push(
                    Finding::new(rule, Severity::Error, line, column, msg).with_help(match e {
                        ResolveError::RepoNotFound => "check the image name and tag",
                        ResolveError::Auth(_) => "a private image needs credentials: GITHUB_TOKEN or GH_TOKEN for ghcr.io; other registries are read anonymously",
                        _ => image_help(&e),
                    }),
                );
                return;
            }
        };
        let pinned = image.pinned(&digest);
        let new_value = if site.docker_scheme {
            format!("docker://{pinned}")
        } else {
            pinned
        };
        if let ValueEdit::Inline(edit) = value_edit(self.cx.tree, site.node, &new_value) {
            self.out.fixes.push(Fix::new(
                NAME,
                format!("pin image {shown} to {}", &digest[..19.min(digest.len())]),
                vec![edit],
            ));
        } else {
            self.finding(
                Severity::Warning,
                site.node,
                format!("cannot pin image `{shown}`: this form of scalar cannot be rewritten; write it on one line"),
            );
        }
    }

    fn push_fix(&mut self, value: &str, target: &Target, edits: Vec<Edit>) {
        let what = match (&target.moved, &target.name) {
            (Some((from, to)), _) => format!(
                "update {value} from {from} to {to} ({})",
                short(&target.sha)
            ),
            (None, Some(name)) => format!("pin {value} to {} ({name})", short(&target.sha)),
            (None, None) => format!("pin {value} to {}", short(&target.sha)),
        };
        self.out.fixes.push(Fix::new(NAME, what, edits));
    }

    /// The newest release newer than `base` that the cooldown allows, if any.
    fn choose_release(
        &mut self,
        site: &UsesSite,
        remote: &RemoteUses,
        listing: &RefListing,
        base: &str,
    ) -> Option<Release> {
        let any_major = self.data.mode == Mode::Upgrade;
        let candidates = listing.newer_releases(base, any_major);
        let base_version = Version::parse(base)?;
        let repo_name = format!("{}/{}", remote.owner, remote.repo);
        let mut held_back = Vec::new();
        for release in candidates {
            let days = match (self.cooldown, Version::parse(&release.tag)) {
                (Some(c), Some(v)) => c.days_for(&repo_name, Bump::between(&base_version, &v)),
                _ => 0,
            };
            if days == 0 {
                return Some(release);
            }
            self.cooldown_used = true;
            match self.session.dates(&remote.repo_id(), &release.dated_object) {
                Ok(dates) => {
                    let age_days = (self.data.now - dates.released_at()) / 86_400;
                    if age_days >= i64::from(days) {
                        self.note_held_back(site, &held_back, days);
                        return Some(release);
                    }
                    held_back.push((release.tag.clone(), age_days));
                }
                Err(e) => {
                    let rule = rule_for(&e);
                    let (line, column) = self.cx.tree.line_col(self.cx.tree.range(site.node).start);
                    self.out.findings.push(
                        Finding::new(
                            rule,
                            Severity::Error,
                            line,
                            column,
                            format!(
                                "cannot update `{}`: the date of release `{}` is unknown: {e}",
                                site.value, release.tag
                            ),
                        )
                        .with_help(resolve_help(&e)),
                    );
                    return None;
                }
            }
        }
        self.note_held_back(site, &held_back, 0);
        None
    }

    fn note_held_back(&mut self, site: &UsesSite, held: &[(String, i64)], _days: u32) {
        if held.is_empty() || !self.data.explain {
            return;
        }
        let list: Vec<String> = held
            .iter()
            .map(|(tag, age)| format!("{tag} ({} old)", cooldown::days_text(*age)))
            .collect();
        let source = self.cooldown.map(Cooldown::describe).unwrap_or_default();
        self.finding(
            Severity::Info,
            site.node,
            format!(
                "`{}`: held back by the cooldown of {source}: {}",
                site.value,
                list.join(", ")
            ),
        );
    }

    fn verify(
        &mut self,
        site: &UsesSite,
        remote: &RemoteUses,
        listing: &RefListing,
        sha: &str,
        version: Option<&VersionComment>,
    ) {
        let check = listing.verify_pin(sha, version.map(|v| v.name));
        // A comment that names both a tag and a branch is right when either names the SHA.
        let check = match check {
            PinCheck::Mismatch {
                ref comment_ref, ..
            } if tag_or_branch_names(listing, comment_ref, sha) => {
                if listing.is_tip(sha) {
                    PinCheck::Ok
                } else {
                    PinCheck::NotATip
                }
            }
            other => other,
        };
        if let Some(msg) = describe_check(remote, check) {
            self.finding(Severity::Error, site.node, msg).help = Some(
                "replace the SHA by the tag or branch you want (e.g. `@v4.2.2`) and run `wffmt --fix --select pin`, or correct the comment"
                    .into(),
            );
        }
    }

    fn resolve_error(&mut self, site: &UsesSite, e: &ResolveError) {
        let rule = rule_for(e);
        let tree = self.cx.tree;
        let (line, column) = tree.line_col(tree.range(site.node).start);
        self.out.findings.push(
            Finding::new(
                rule,
                Severity::Error,
                line,
                column,
                resolve_message(&site.value, e),
            )
            .with_help(resolve_help(e)),
        );
    }
}

/// The version the pin is at today, as a tag name to compare releases with. Releases are
/// only ever looked for in this tag's line (its prefix: `v`, none, `comp/v`), so it is taken in
/// the line the user chose: the version comment when it names the pinned commit, else the
/// version tag a tag ref names (`@v1` → `v1.2.0`, never a `comp/v1.5.0` on the same commit),
/// else the preferred version tag on the commit ([`line_name`]), else a version-like ref as
/// written. `None` when there is no version (a branch pin). It is the name the pin's comment
/// gets when the pin does not move, so a second run starts from the same line.
fn base_version(
    listing: &RefListing,
    remote: &RemoteUses,
    sha: &str,
    comment: Option<&str>,
) -> Option<String> {
    let names_commit = |name: &str| {
        listing
            .resolve(name)
            .ok()
            .filter(|r| r.sha.eq_ignore_ascii_case(sha))
    };
    if let Some(name) = comment.filter(|n| Version::parse(n).is_some()) {
        if let Some(r) = names_commit(name) {
            return Some(r.comment);
        }
    }
    if !remote.is_pinned() {
        let tag = remote
            .git_ref
            .strip_prefix("refs/tags/")
            .unwrap_or(&remote.git_ref);
        if Version::parse(tag).is_some() && listing.tags.contains_key(tag) {
            if let Some(r) = names_commit(&remote.git_ref) {
                return Some(r.comment);
            }
        }
    }
    let style = comment.or((!remote.is_pinned()).then_some(remote.git_ref.as_str()));
    let on_commit = line_name(listing, remote, sha, style)
        .filter(|n| listing.tags.contains_key(n) && Version::parse(n).is_some());
    if on_commit.is_some() {
        return on_commit;
    }
    (!remote.is_pinned() && Version::parse(&remote.git_ref).is_some())
        .then(|| remote.git_ref.clone())
}

/// The name to write for a pinned commit: its most specific tag in the line of `style` (a
/// version the user wrote, e.g. a comment that names another commit), else in the action's
/// component, else a plain version tag (see [`RefListing::names_in_line`]), else a branch at it.
fn line_name(
    listing: &RefListing,
    remote: &RemoteUses,
    sha: &str,
    style: Option<&str>,
) -> Option<String> {
    listing
        .names_in_line(sha, style, remote.path.as_deref())
        .into_iter()
        .next()
}

/// Any name (safe or not) a tag or branch at `sha` has: to say why no comment was written.
fn current_name_of(listing: &RefListing, sha: &str) -> Option<String> {
    listing
        .tags
        .iter()
        .chain(&listing.branches)
        .find(|(name, s)| s.eq_ignore_ascii_case(sha) && !is_safe_ref_name(name))
        .map(|(name, _)| name.clone())
}

/// Whether the tag or the branch called `name` points at `sha`.
fn tag_or_branch_names(listing: &RefListing, name: &str, sha: &str) -> bool {
    let name = name
        .strip_prefix("refs/heads/")
        .or_else(|| name.strip_prefix("refs/tags/"))
        .unwrap_or(name);
    [listing.tags.get(name), listing.branches.get(name)]
        .into_iter()
        .flatten()
        .any(|s| s.eq_ignore_ascii_case(sha))
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// ` # comment` after node `a`, taking the place of trailing spaces (they would otherwise end
/// up before the comment twice).
fn comment_after(tree: &SyntaxTree, a: NodeId, version: &str) -> Edit {
    let end = tree.range(a).end;
    let ws_end = tree
        .tokens()
        .iter()
        .find(|t| t.start as usize == end && t.kind == TokenKind::Whitespace)
        .map(|t| t.end as usize)
        .filter(|&e| matches!(tree.text().as_bytes().get(e), None | Some(b'\n' | b'\r')))
        .unwrap_or(end);
    Edit::replace(end..ws_end, format!(" {version}"))
}

/// The message for a ref that could not be resolved. A failure of the server or the cache (no
/// network, a timeout, `--offline` without an entry, bad credentials) is worded by its cause
/// alone, without the ref: the location says which `uses:` it is, and the report then says the
/// cause once with a count instead of once per ref.
fn resolve_message(uses: &str, e: &ResolveError) -> String {
    match e {
        ResolveError::Network(why) => format!("not pinned: network error: {}", server_cause(why)),
        ResolveError::Auth(why) => {
            format!("not pinned: authentication failed: {}", server_cause(why))
        }
        ResolveError::Timeout
        | ResolveError::Skipped(_)
        | ResolveError::NotCached
        | ResolveError::NotCachedAfterFailure(_)
        | ResolveError::GitUnavailable(_) => format!("not pinned: {e}"),
        _ => format!("cannot resolve `{uses}`: {e}"),
    }
}

/// What to do about a failed registry lookup (`--pin-images`): registries are reached by their
/// own names, so GITHUB_SERVER_URL plays no part.
fn image_help(e: &ResolveError) -> &'static str {
    match e {
        ResolveError::Timeout => "the registry did not answer within WFFMT_NETWORK_TIMEOUT seconds; check the network and the registry's name, then run again",
        ResolveError::Skipped(_) => "this image was not looked up; check the network (or raise WFFMT_NETWORK_TIMEOUT / WFFMT_NETWORK_DEADLINE), then run again",
        ResolveError::Network(_) => "check the network and the registry's name and run again; without network, run with --offline (the cache only)",
        ResolveError::NotCached | ResolveError::NotCachedAfterFailure(_) => "run once without --offline, with the network, to fill the cache",
        _ => "run again; if it persists, run without --pin-images and report the message",
    }
}

/// What to do about a failed lookup, one line per cause.
fn resolve_help(e: &ResolveError) -> &'static str {
    match e {
        ResolveError::Timeout => "the server did not answer within WFFMT_NETWORK_TIMEOUT seconds; check the network and GITHUB_SERVER_URL, then run again",
        ResolveError::Skipped(_) => "this ref was not looked up; check the network and GITHUB_SERVER_URL (or raise WFFMT_NETWORK_TIMEOUT / WFFMT_NETWORK_DEADLINE), then run again",
        ResolveError::Auth(_) => "set GITHUB_TOKEN or GH_TOKEN to a token that can read the repository",
        ResolveError::Network(_) => "check the network and GITHUB_SERVER_URL and run again; without network, run with --offline (the cache only)",
        ResolveError::NotCached => "run once without --offline to fill the cache",
        ResolveError::NotCachedAfterFailure(_) => "run once without --offline, with the network, to fill the cache",
        ResolveError::RepoNotFound | ResolveError::InvalidRepo(_) => "check the owner and repository name",
        ResolveError::GitUnavailable(_) => "install git 2.32 or newer, or run with --skip pin",
        _ => "run again; if it persists, run with --skip pin and report the message",
    }
}

fn describe_check(remote: &RemoteUses, check: PinCheck) -> Option<String> {
    let repo = format!("{}/{}", remote.owner, remote.repo);
    match check {
        PinCheck::Ok => None,
        PinCheck::Mismatch {
            comment_ref,
            comment_sha,
            ..
        } => Some(format!(
            "pinned SHA {} does not match its comment: `{comment_ref}` of {repo} is {comment_sha}",
            remote.git_ref
        )),
        PinCheck::UnknownCommentRef { comment_ref, .. } => Some(format!(
            "the version comment names `{comment_ref}`, which {repo} does not have"
        )),
        PinCheck::NotATip => Some(format!(
            "pinned SHA {} is not the tip of any branch or tag of {repo}",
            remote.git_ref
        )),
    }
}

/// The node after which a version comment goes: the value itself, or the outermost flow
/// collection around it when that collection ends on the value's line; `None` when it does not.
fn comment_anchor(tree: &SyntaxTree, node: NodeId) -> Option<NodeId> {
    let mut outer = None;
    let mut n = node;
    while let Some(p) = tree.parent(n) {
        if matches!(tree.kind(p), NodeKind::FlowMap | NodeKind::FlowSeq) {
            outer = Some(p);
        }
        n = p;
    }
    match outer {
        None => Some(node),
        Some(flow) => {
            let line = |off: usize| tree.line_col(off).0;
            (line(tree.range(flow).end) == line(tree.range(node).end)).then_some(flow)
        }
    }
}

enum ValueEdit {
    /// The scalar's content replaced, its quoting kept.
    Inline(Edit),
    /// A block scalar (`uses: >-` with the value on the next line): the byte range from its
    /// header to the end of its content, to be replaced by a plain scalar.
    Block(std::ops::Range<usize>),
    None,
}

fn value_edit(tree: &SyntaxTree, node: NodeId, value: &str) -> ValueEdit {
    let mut content = tree.content_tokens(node);
    let Some(tok) = content.next() else {
        return ValueEdit::None;
    };
    let text = match tok.kind {
        TokenKind::Plain => value.to_string(),
        TokenKind::SingleQuoted => format!("'{}'", value.replace('\'', "''")),
        TokenKind::DoubleQuoted => {
            format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
        }
        TokenKind::BlockHeader => {
            // Only a header followed by its body: a comment after the header would be lost.
            let tokens = tree.node_tokens(node);
            if tokens.iter().any(|t| t.kind == TokenKind::Comment) {
                return ValueEdit::None;
            }
            let Some(body) = tokens.iter().find(|t| t.kind == TokenKind::BlockBody) else {
                return ValueEdit::None;
            };
            let body_text = body.text(tree.text());
            let content_len = body_text.trim_end_matches(['\n', '\r']).len();
            return ValueEdit::Block(tok.start as usize..body.start as usize + content_len);
        }
        _ => return ValueEdit::None,
    };
    ValueEdit::Inline(Edit::replace(tok.range(), text))
}

/// The rule a lookup failure is reported under: `network` (exit 3) when the server could not
/// be reached or refused the credentials, this rule otherwise.
fn rule_for(e: &ResolveError) -> &'static str {
    if e.is_network_or_auth() {
        NETWORK_RULE
    } else {
        NAME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lockfile_is_found_per_repository_and_each_directory_asked_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        };
        write("locked/.github/workflows/actions.lock");
        write("locked/.github/workflows/ci.yml");
        write("locked/sub/action.yml");
        write("locked/inner/.git/HEAD");
        write("locked/inner/.github/workflows/ci.yml");
        write("plain/.github/workflows/ci.yml");
        let data = PinData::default();
        let lock = Some(root.join("locked/.github/workflows/actions.lock"));
        for (file, expected) in [
            ("locked/.github/workflows/ci.yml", &lock),
            ("locked/sub/action.yml", &lock),
            // A repository of its own inside: its root ends the search.
            ("locked/inner/.github/workflows/ci.yml", &None),
            ("plain/.github/workflows/ci.yml", &None),
        ] {
            let file = root.join(file);
            assert_eq!(&actions_lockfile(&file), expected, "{}", file.display());
            assert_eq!(
                &data.actions_lockfile(&file),
                expected,
                "{}",
                file.display()
            );
            assert_eq!(
                &data.actions_lockfile(&file),
                expected,
                "{}",
                file.display()
            );
        }
        let known = data.lockfiles.lock().unwrap();
        assert!(known.contains_key(&root.join("locked/.github")));
    }
}
