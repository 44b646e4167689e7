//! `pin`: pin every action and reusable workflow to a full commit SHA.
//!
//! ## What it does
//! Rewrites `uses: owner/repo[/path]@ref` (steps, job-level reusable workflow calls, composite
//! action steps; plain or quoted, block or flow) to `uses: owner/repo[/path]@<40-hex SHA> # vX.Y.Z`,
//! where the comment is the most specific tag on the same commit (`v4` becomes `v4.2.2` when both
//! name it), the branch name for a branch ref, or the ref itself. Already-pinned refs, `./local`
//! paths, `docker://` images and refs with `${{ }}` are left alone.
//!
//! A comment that was already on the line moves, text unchanged, to its own line just above it
//! (the same line also holds the version comment, which tools such as Dependabot and Renovate
//! read). With `--verify-pins`, pinned SHAs are checked against their version comments.
//!
//! ## Why
//! A tag can be moved to any commit by whoever controls the repository; a full SHA cannot.
//!
//! Ref listings come from the run's [`Session`]: one `git ls-remote` per repository for the
//! whole run, prefetched before files are processed (see [`crate::resolve`]).

use std::path::Path;
use std::sync::Arc;

use super::{Context, Output, Rule};
use crate::discover::FileKind;
use crate::edit::{Edit, Fix};
use crate::finding::{Finding, Severity};
use crate::resolve::{parse_uses, PinCheck, RemoteUses, RepoId, ResolveError, Session, UsesRef};
use crate::syntax::views::{ActionMeta, Workflow};
use crate::syntax::{NodeId, NodeKind, SyntaxTree, TokenKind};

pub const NAME: &str = "pin";

/// How `pin` runs this time (the listings themselves come from the run's [`Session`]).
#[derive(Default)]
pub struct PinData {
    pub verify_pins: bool,
    /// `pin` was named in `--select`: pin even where GitHub's actions lockfile is used.
    pub explicit: bool,
}

pub struct Pin {
    pub data: Option<Arc<PinData>>,
    pub session: Option<Arc<Session>>,
}

/// One `uses:` value of a file.
pub struct UsesSite {
    pub node: NodeId,
    pub value: String,
}

/// Every `uses:` value node of a workflow or an action.
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
            Some(UsesSite { node, value })
        })
        .collect()
}

/// The repositories a file needs listed (already-pinned refs only with `verify_pins`).
pub fn repos_to_resolve(tree: &SyntaxTree, kind: FileKind, verify_pins: bool) -> Vec<RepoId> {
    uses_sites(tree, kind)
        .into_iter()
        .filter_map(|s| match parse_uses(&s.value) {
            UsesRef::Remote(r) if !r.is_pinned() || verify_pins => Some(r.repo_id()),
            _ => None,
        })
        .collect()
}

/// `.github/workflows/actions.lock` of the repository holding `file`, if there is one.
pub fn actions_lockfile(file: &Path) -> Option<std::path::PathBuf> {
    for dir in file.ancestors().skip(1) {
        let lock = dir.join(".github/workflows/actions.lock");
        if lock.is_file() {
            return Some(lock);
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

impl Rule for Pin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &["jobs.*.uses", "jobs.*.steps[*].uses", "runs.steps[*].uses"]
    }

    fn may_edit_comments(&self) -> bool {
        true
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let (Some(data), Some(session)) = (&self.data, &self.session) else {
            return out;
        };
        let tree = cx.tree;
        if !data.explicit {
            if let Some(lock) = cx.file.and_then(actions_lockfile) {
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
        let mut moved = 0;
        let mut first_moved: Option<(usize, usize)> = None;
        for site in uses_sites(tree, cx.kind) {
            let (line, column) = tree.line_col(tree.range(site.node).start);
            let finding = |sev: Severity, msg: String| Finding::new(NAME, sev, line, column, msg);
            let remote = match parse_uses(&site.value) {
                UsesRef::Remote(r) => r,
                UsesRef::Invalid(why) => {
                    out.findings.push(finding(
                        Severity::Warning,
                        format!("cannot pin `{}`: {why}", site.value),
                    ));
                    continue;
                }
                _ => continue,
            };
            if cx.config.pin.is_ignored(&site.value) {
                continue;
            }
            if remote.is_pinned() && !data.verify_pins {
                continue;
            }
            let listing = match session.listing(&remote.repo_id()) {
                Ok(l) => l,
                Err(e) => {
                    let rule = if e.is_network_or_auth() {
                        NETWORK_RULE
                    } else {
                        NAME
                    };
                    out.findings.push(
                        Finding::new(
                            rule,
                            Severity::Error,
                            line,
                            column,
                            format!("cannot resolve `{}`: {e}", site.value),
                        )
                        .with_help(resolve_help(&e)),
                    );
                    continue;
                }
            };
            // Inside a flow collection the comment can only follow the whole collection, and
            // only when it ends on the same line.
            let anchor = comment_anchor(tree, site.node);
            let comment_tok = anchor.and_then(|a| tree.trailing_comment(a));
            if remote.is_pinned() {
                if data.verify_pins {
                    let comment = comment_tok.map(|i| tree.tokens()[i].text(tree.text()));
                    if let Some(msg) =
                        describe_check(&remote, listing.verify_pin(&remote.git_ref, comment))
                    {
                        out.findings.push(finding(Severity::Error, msg).with_help(
                            "replace the SHA by the tag or branch you want (e.g. `@v4.2.2`) and run `wffmt --fix --select pin`, or correct the comment",
                        ));
                    }
                }
                continue;
            }
            let resolution = match listing.resolve(&remote.git_ref) {
                Ok(r) => r,
                Err(e) => {
                    out.findings.push(
                        finding(
                            Severity::Error,
                            format!(
                                "cannot pin `{}`: {}/{} has no tag or branch named `{}` ({e})",
                                site.value, remote.owner, remote.repo, remote.git_ref
                            ),
                        )
                        .with_help(
                            "check the ref's spelling; the rest of the file is still pinned",
                        ),
                    );
                    continue;
                }
            };
            if let Some(w) = &resolution.warning {
                out.findings.push(finding(Severity::Warning, w.clone()));
            }
            let mut edits = Vec::new();
            if let Some(e) = replace_value(tree, site.node, &remote.with_ref(&resolution.sha)) {
                edits.push(e);
            } else {
                continue;
            }
            // A full ref name (`refs/heads/v1`) stays full in the comment: the short name may
            // be a tag too, and `--verify-pins` must find the same commit from it.
            let comment = if remote.git_ref.starts_with("refs/heads/") {
                remote.git_ref.clone()
            } else {
                resolution.comment.clone()
            };
            let version = format!("# {comment}");
            match (anchor, comment_tok) {
                (None, _) => out.findings.push(finding(
                    Severity::Info,
                    format!(
                        "pinned without a version comment (`{}`): a comment cannot go inside a flow collection that spans lines",
                        resolution.comment
                    ),
                )),
                (Some(a), None) => {
                    // Trailing spaces would end up inside the comment: the comment takes
                    // their place.
                    let end = tree.range(a).end;
                    let ws_end = tree
                        .tokens()
                        .iter()
                        .find(|t| t.start as usize == end && t.kind == TokenKind::Whitespace)
                        .map(|t| t.end as usize)
                        .filter(|&e| {
                            matches!(tree.text().as_bytes().get(e), None | Some(b'\n' | b'\r'))
                        })
                        .unwrap_or(end);
                    edits.push(Edit::replace(end..ws_end, format!(" {version}")))
                }
                (Some(a), Some(i)) => {
                    let tok = tree.tokens()[i];
                    let old = tok.text(tree.text()).trim_end();
                    if old != version {
                        // Keep the old comment, on its own line above.
                        let line_start = tree.line_start(tok.start as usize);
                        let indent: String = tree.text()[line_start..]
                            .chars()
                            .take_while(|c| *c == ' ')
                            .collect();
                        let newline = line_break_after(tree, i);
                        edits.push(Edit::insert(line_start, format!("{indent}{old}{newline}")));
                        // The version comment takes the old one's place, one space after the value.
                        edits.push(Edit::replace(
                            tree.range(a).end..tok.end as usize,
                            format!(" {version}"),
                        ));
                        moved += 1;
                        first_moved.get_or_insert(tree.line_col(tok.start as usize));
                    }
                }
            }
            out.fixes.push(Fix::new(
                NAME,
                format!(
                    "pin {} to {} ({})",
                    site.value,
                    &resolution.sha[..12.min(resolution.sha.len())],
                    resolution.comment
                ),
                edits,
            ));
        }
        if moved > 0 {
            let (line, column) = first_moved.unwrap_or((1, 1));
            out.findings.push(Finding::new(
                NAME,
                Severity::Info,
                line,
                column,
                format!(
                    "{moved} comment{} on `uses:` line{} moved to the line above to make room for the version comment",
                    if moved == 1 { "" } else { "s" },
                    if moved == 1 { "" } else { "s" }
                ),
            ));
        }
        out
    }
}

/// What to do about a failed lookup, one line per cause.
fn resolve_help(e: &ResolveError) -> &'static str {
    match e {
        ResolveError::Timeout => "the server did not answer within WFFMT_NETWORK_TIMEOUT seconds; check the network and GITHUB_SERVER_URL, then run again",
        ResolveError::Skipped(_) => "this ref was not looked up; check the network and GITHUB_SERVER_URL (or raise WFFMT_NETWORK_TIMEOUT / WFFMT_NETWORK_DEADLINE), then run again",
        ResolveError::Auth(_) => "set GITHUB_TOKEN or GH_TOKEN to a token that can read the repository",
        ResolveError::Network(_) => "check the network and GITHUB_SERVER_URL, then run again",
        ResolveError::NotCached => "run once without --offline to fill the cache",
        ResolveError::RepoNotFound | ResolveError::InvalidRepo(_) => "check the owner and repository name",
        ResolveError::GitUnavailable(_) => "install git 2.32 or newer, or run with --skip pin",
        _ => "run again; if it persists, run with --skip pin and report the message",
    }
}

/// Findings with this rule name mean "resolution failed for network or auth reasons" (exit 3).
pub const NETWORK_RULE: &str = "pin-network";

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

/// The line break that ends the line of token `i` (`\n` when the file ends there).
fn line_break_after(tree: &SyntaxTree, i: usize) -> &str {
    tree.tokens()[i..]
        .iter()
        .find(|t| t.kind == TokenKind::Newline)
        .map(|t| t.text(tree.text()))
        .unwrap_or("\n")
}

/// Replace a scalar's content, keeping its quoting style.
fn replace_value(tree: &SyntaxTree, node: NodeId, value: &str) -> Option<Edit> {
    let tok = tree.content_tokens(node).next()?;
    let text = match tok.kind {
        TokenKind::Plain => value.to_string(),
        TokenKind::SingleQuoted => format!("'{}'", value.replace('\'', "''")),
        TokenKind::DoubleQuoted => {
            format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
        }
        _ => return None,
    };
    Some(Edit::replace(tok.range(), text))
}
