//! `permissions`: add least-privilege GITHUB_TOKEN permissions that never break a workflow.
//!
//! ## What it does
//! For a workflow with no top-level `permissions` key, it works out what each job without a block
//! of its own needs (see [`needs`]) and then (on a first run these are all the jobs; later runs
//! fill in jobs left unknown once their actions are described):
//! - every job known: a top-level `permissions: {}` (or `contents: read` with
//!   `[permissions] top-level = "contents-read"`), and on each job that needs more, the minimal
//!   block, scopes in alphabetical order, every grant but `contents: read` with a comment naming
//!   the step that needs it;
//! - some job unknown: no top-level block (it would take that job's current grants away); the
//!   known jobs still get their blocks, the unknown one a `# TODO(wffmt)` comment, and a finding
//!   says why;
//! - a job calling a reusable workflow always gets a block covering what the callee requests;
//! - reusable workflows (`on: workflow_call`) get advisory findings only.
//!
//! `# wffmt: ignore[permissions]` on a job's key line leaves that job (and so the top level)
//! alone, on the `on:` line the top-level block, on the `jobs:` line everything: the rule's one
//! fix is anchored at the `jobs:` line, and the rule asks about the others itself.
//!
//! Existing `permissions` keys are never changed: the rule reports jobs whose declared grants
//! look too small for what they do. `read-all`/`write-all` are never written, nor
//! `vulnerability-alerts`/`code-quality` unless `allow-scopes` lists them.
//!
//! ## Why
//! Without a block, a job may run with write access to everything (the default of older
//! organizations), so one compromised action can push code or publish releases. A wrong block
//! breaks the job, so the rule grants what a private repository needs and leaves alone what it
//! cannot prove.

pub mod cache;
pub mod checkout;
pub mod condition;
pub mod emit;
pub mod needs;
pub mod remote;
pub mod repo;
pub mod step_keys;

use std::borrow::Cow;
use std::sync::Arc;

use super::{Context, Output, Rule};
use crate::config::TopLevel;
use crate::discover::FileKind;
use crate::edit::{Edit, Fix};
use crate::finding::{Finding, Severity};
use crate::kb::{KnowledgeBase, Level, Scopes};
use crate::resolve::Session;
use crate::syntax::views::Workflow;
use crate::syntax::NodeId;
use emit::Grant;
use needs::{declared, Declared, JobNeeds, Repo, Unknown};

pub const NAME: &str = "permissions";

/// Scopes written only when `[permissions] allow-scopes` lists them: common linters reject them.
const GATED_SCOPES: [&str; 2] = ["vulnerability-alerts", "code-quality"];

pub struct Permissions {
    /// List every job's needs with reasons and sources as findings (`-v`, `--format json`).
    pub explain: bool,
    /// Reads actions and reusable workflows of other repositories at the commit a workflow
    /// uses (`None`: the knowledge base only).
    pub session: Option<Arc<Session>>,
    /// What the run has read and parsed already.
    pub cache: cache::RunCache,
}

impl Rule for Permissions {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &["permissions", "jobs.*.permissions"]
    }

    fn may_edit_comments(&self) -> bool {
        true
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        if cx.kind != FileKind::Workflow {
            return out;
        }
        let tree = cx.tree;
        // The structure of a file with syntax errors is a guess: leave it to the author (the
        // errors are reported by the pipeline).
        if !tree.diagnostics().is_empty() {
            return out;
        }
        let Some(wf) = Workflow::new(tree) else {
            return out;
        };
        let kb = match knowledge_base(cx) {
            Ok(kb) => kb,
            Err(msg) => {
                out.findings.push(Finding::new(
                    NAME,
                    Severity::Error,
                    1,
                    1,
                    format!("invalid [[permissions.action]] in the configuration: {msg}"),
                ));
                return out;
            }
        };
        let repo =
            Repo::of_file_in(cx.file, &kb, Some(&self.cache)).with_session(self.session.as_deref());
        let jobs = wf.jobs();
        // Only a real workflow: triggers and at least one job.
        if jobs.is_empty() || wf.on().is_none() {
            return out;
        }
        // The analyses of this file's scripts, kept for the rule's next run on it (the
        // stability pass reads the same scripts in the rewritten text).
        let scripts = cx.memo.get::<cache::Scripts>();
        let all = needs::workflow_needs_with(&wf, &repo, &scripts);
        let at = |n: NodeId| tree.line_col(tree.range(n).start);
        network_findings(&mut out, tree, &jobs, &all);

        if self.explain {
            for (job, (_, jn)) in jobs.iter().zip(&all) {
                let (line, column) = at(job.entry);
                for n in &jn.needs {
                    out.findings.push(Finding::new(
                        NAME,
                        Severity::Info,
                        line,
                        column,
                        format!(
                            "job `{}` needs `{}: {}`: {} — {} (source: {})",
                            job.id,
                            n.need.scope,
                            n.need.level,
                            n.origin,
                            n.need.reason,
                            n.need.source
                        ),
                    ));
                }
            }
        }

        let reusable = wf.triggers().iter().any(|t| t.name == "workflow_call");
        if reusable {
            for (job, (_, jn)) in jobs.iter().zip(&all) {
                let (line, column) = at(job.entry);
                let declared_here = job
                    .permissions_entry()
                    .and_then(|e| tree.entry_value(e))
                    .map(|v| declared(tree, v));
                out.findings.push(Finding::new(
                    NAME,
                    Severity::Info,
                    line,
                    column,
                    advisory(&job.id, jn, declared_here.as_ref()),
                ));
            }
            return out;
        }

        let top_declared = wf
            .permissions_entry()
            .and_then(|e| tree.entry_value(e))
            .map(|v| declared(tree, v));
        // Existing `permissions` keys are never changed: their jobs are only checked.
        let top_present = wf.permissions_entry().is_some();
        for (job, (_, jn)) in jobs.iter().zip(&all) {
            if !top_present && job.permissions_entry().is_none() {
                continue;
            }
            let effective = job
                .permissions_entry()
                .and_then(|e| tree.entry_value(e))
                .map(|v| declared(tree, v))
                .or_else(|| top_declared.clone());
            let (line, column) = at(job.entry);
            for problem in too_small(effective.as_ref(), jn) {
                out.findings.push(
                    Finding::new(NAME, Severity::Warning, line, column, format!("job `{}` {problem}", job.id))
                        .with_help("the workflow declares permissions, which wffmt never changes; check this grant by hand"),
                );
            }
        }
        if top_present {
            return out;
        }
        // Without a top-level block, the jobs without a block of their own are ours to fill
        // (on a first run: every job; later, those still unknown then).
        let candidate: Vec<bool> = jobs
            .iter()
            .map(|j| j.permissions_entry().is_none())
            .collect();
        if !candidate.iter().any(|&c| c) {
            return out;
        }
        // `# wffmt: ignore[permissions]` on the `jobs:` line leaves every job, and so the top
        // level, alone.
        let Some(jobs_entry) = tree.map_entry(wf.root, "jobs") else {
            return out;
        };
        if cx.suppressed(NAME, at(jobs_entry).0) {
            return out;
        }
        // On the `on:` line it leaves out the top-level block (the jobs still get theirs).
        let top_suppressed = tree
            .map_entry(wf.root, "on")
            .is_some_and(|e| cx.suppressed(NAME, at(e).0));
        // A job whose key line carries it is left alone; it keeps its current grants, so no
        // top-level block may take them away either.
        let suppressed: Vec<bool> = jobs
            .iter()
            .map(|j| cx.suppressed(NAME, at(j.entry).0))
            .collect();

        let allowed: Vec<&str> = cx
            .config
            .permissions
            .allow_scopes
            .iter()
            .map(String::as_str)
            .collect();
        // A job is unknown when some need cannot be told, or needs a scope we may not write.
        let unknown: Vec<Vec<Unknown>> = all
            .iter()
            .map(|(_, jn)| {
                let mut u = jn.unknown.clone();
                for n in &jn.needs {
                    if GATED_SCOPES.contains(&n.need.scope.as_str()) && !allowed.contains(&n.need.scope.as_str()) {
                        u.push(Unknown {
                            origin: n.origin.clone(),
                            why: format!(
                                "needs `{}`, which wffmt writes only when `[permissions] allow-scopes` lists it",
                                n.need.scope
                            ),
                            undescribed: None,
                            network: false,
                        });
                    }
                }
                u
            })
            .collect();
        let all_known = unknown
            .iter()
            .zip(&candidate)
            .zip(&suppressed)
            .all(|((u, &c), &quiet)| !c || (u.is_empty() && !quiet));
        let nl = emit::line_break(tree).to_string();
        let mut edits = Vec::new();
        let unit = jobs
            .first()
            .map(|j| emit::indent_unit(tree, j.entry, j.map))
            .unwrap_or(2);

        let top_grants: Scopes = match cx.config.permissions.top_level {
            TopLevel::Empty => Scopes::new(),
            TopLevel::ContentsRead => Scopes::from([("contents".to_string(), Level::Read)]),
        };
        // The jobs inherit the top-level block only when it is written.
        let top_written = all_known && !top_suppressed;
        if top_written {
            if let Some(spot) =
                emit::spot(tree, wf.root, &["on", "concurrency"], &["name", "run-name"])
            {
                let grants = grants_for(&top_grants, None);
                edits.push(Edit::insert(
                    spot.at,
                    emit::block(&spot, unit, &grants, &nl),
                ));
            }
        }
        for ((((job, (_, jn)), unknown), _), _) in jobs
            .iter()
            .zip(&all)
            .zip(&unknown)
            .zip(&candidate)
            .zip(&suppressed)
            .filter(|((_, &c), &quiet)| c && !quiet)
        {
            let spot = job
                .map
                .and_then(|m| emit::spot(tree, m, &["runs-on", "needs"], &["if", "name", "uses"]));
            let Some(spot) = spot else {
                // Not a block mapping: the job is unknown (see `needs`), its findings say why.
                report_unknown(&mut out, tree, job, unknown, false);
                continue;
            };
            if !unknown.is_empty() {
                let Unknown { origin, why, .. } = &unknown[0];
                // Once is enough: a later run sees the comment and leaves it. A network
                // failure is no reason to write anything: the next run may read it.
                let has_todo = tree.node_text(job.entry).contains("TODO(wffmt)")
                    || tree.text()[spot.at..]
                        .trim_start()
                        .starts_with("# TODO(wffmt)");
                if !has_todo && !unknown.iter().any(|u| u.network) {
                    edits.push(Edit::insert(
                        spot.at,
                        emit::comment_line(
                            &spot,
                            &format!("TODO(wffmt): add a permissions block; {origin}: {why}"),
                            &nl,
                        ),
                    ));
                }
                report_unknown(&mut out, tree, job, unknown, true);
                continue;
            }
            let scopes = jn.scopes();
            let inherited = if top_written { Some(&top_grants) } else { None };
            let covered = inherited.is_some_and(|top| {
                scopes
                    .iter()
                    .all(|(s, l)| top.get(s).is_some_and(|have| have >= l))
            });
            // A TODO left by an earlier run where the block goes is replaced (or removed).
            let todo_end = todo_line_at(tree, spot.at);
            if covered && !jn.calls_workflow {
                if let Some(end) = todo_end {
                    edits.push(Edit::delete(spot.at..end));
                }
                continue;
            }
            let grants = grants_for(&scopes, Some(jn));
            edits.push(Edit::replace(
                spot.at..todo_end.unwrap_or(spot.at),
                emit::block(&spot, unit, &grants, &nl),
            ));
        }
        if !edits.is_empty() {
            // One fix for the file (a top-level block without the job blocks would break jobs),
            // suppressed where the whole of it is: at the `jobs:` line. Its first edit, the
            // top-level block, goes after `on:`, at the start of whatever line follows.
            out.fixes.push(
                Fix::new(NAME, "add least-privilege permissions", edits)
                    .at(tree.range(jobs_entry).start),
            );
        }
        out
    }
}

/// The built-in knowledge base (shared, not copied), with the entries of the file's
/// configuration added when it has some.
fn knowledge_base(cx: &Context) -> Result<Cow<'static, KnowledgeBase>, String> {
    let builtin = KnowledgeBase::builtin_ref();
    let Some(actions) = &cx.config.permissions.actions else {
        return Ok(Cow::Borrowed(builtin));
    };
    let mut doc = toml::value::Table::new();
    let mut perms = toml::value::Table::new();
    perms.insert("action".to_string(), actions.clone());
    doc.insert("permissions".to_string(), toml::Value::Table(perms));
    let text = toml::to_string(&toml::Value::Table(doc)).map_err(|e| e.to_string())?;
    let extra = KnowledgeBase::from_config_str(&text)?;
    let mut kb = builtin.clone();
    kb.merge(extra);
    Ok(Cow::Owned(kb))
}

/// Grants in alphabetical order, each but `contents: read` with the step that needs it.
fn grants_for(scopes: &Scopes, needs: Option<&JobNeeds>) -> Vec<Grant> {
    scopes
        .iter()
        .map(|(scope, level)| {
            let comment = match needs {
                Some(jn) if !(scope == "contents" && *level == Level::Read) => jn
                    .needs
                    .iter()
                    .find(|n| &n.need.scope == scope && n.need.level == *level)
                    .map(|n| n.origin.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            Grant {
                scope: scope.clone(),
                level: level.as_str(),
                comment,
            }
        })
        .collect()
}

fn advisory(job: &str, jn: &JobNeeds, declared_here: Option<&Declared>) -> String {
    let scopes = match declared_here {
        Some(Declared::Scopes(s)) => s.clone(),
        Some(Declared::Other(what)) => {
            return format!(
                "reusable workflow: job `{job}` declares `{what}`; callers must grant that"
            )
        }
        None => jn.scopes(),
    };
    let list = if scopes.is_empty() {
        "nothing".to_string()
    } else {
        scopes
            .iter()
            .map(|(s, l)| format!("{s}: {l}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut msg = format!(
        "reusable workflow: callers must grant job `{job}` at least {list}; wffmt adds no permissions to a workflow_call workflow"
    );
    if let Some(Unknown { origin, why, .. }) = jn.unknown.first() {
        msg.push_str(&format!(" (and more may be needed: {origin}: {why})"));
    }
    msg
}

/// An error (exit code 3) for each action or workflow that could not be read because of the
/// network or authentication: the result is incomplete, and a run with a working network may
/// decide more.
fn network_findings(
    out: &mut Output,
    tree: &crate::syntax::SyntaxTree,
    jobs: &[crate::syntax::views::Job],
    all: &[(String, JobNeeds)],
) {
    let mut seen: Vec<&str> = Vec::new();
    for (job, (_, jn)) in jobs.iter().zip(all) {
        for u in jn.unknown.iter().filter(|u| u.network) {
            if seen.contains(&u.why.as_str()) {
                continue;
            }
            seen.push(&u.why);
            let node = step_node(job, &u.origin).unwrap_or(job.entry);
            let (line, column) = tree.line_col(tree.range(node).start);
            out.findings.push(
                Finding::new(
                    crate::resolve::NETWORK_RULE,
                    Severity::Error,
                    line,
                    column,
                    format!("permissions: {}", u.why),
                )
                .with_help("check the network, GITHUB_SERVER_URL and GITHUB_TOKEN, then run again; without network, run with --offline (the cache only)"),
            );
        }
    }
}

/// The end (after its line break) of a `# TODO(wffmt)` line starting at `at`, if there is one.
fn todo_line_at(tree: &crate::syntax::SyntaxTree, at: usize) -> Option<usize> {
    let rest = &tree.text()[at..];
    if !rest.trim_start_matches(' ').starts_with("# TODO(wffmt)") {
        return None;
    }
    Some(at + rest.find('\n').map(|i| i + 1).unwrap_or(rest.len()))
}

/// A warning for each reason a job's needs cannot be told, at the step it names. `placeable`:
/// wffmt could have written the job's block (it kept the job's grants instead).
fn report_unknown(
    out: &mut Output,
    tree: &crate::syntax::SyntaxTree,
    job: &crate::syntax::views::Job,
    unknown: &[Unknown],
    placeable: bool,
) {
    for u in unknown {
        let Unknown { origin, why, .. } = u;
        let what = match (&u.undescribed, u.network) {
            (_, true) => "run again when the server can be reached".to_string(),
            (Some(a), _) => format!(
                "describe `{a}` under [[permissions.action]] in wffmt.toml to let wffmt decide"
            ),
            (None, _) => "add a permissions block to this job by hand".to_string(),
        };
        let help = if placeable {
            format!("no top-level block was added, so this job keeps its current grants; {what}")
        } else {
            what
        };
        let node = step_node(job, origin).unwrap_or(job.entry);
        let (line, column) = tree.line_col(tree.range(node).start);
        out.findings.push(
            Finding::new(
                NAME,
                Severity::Warning,
                line,
                column,
                format!(
                    "job `{}`: cannot tell its permissions: {origin}: {why}",
                    job.id
                ),
            )
            .with_help(help),
        );
    }
}

/// The step an unknown need's origin (`step N …`) names.
fn step_node(job: &crate::syntax::views::Job, origin: &str) -> Option<NodeId> {
    let n: usize = origin
        .strip_prefix("step ")?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    job.steps()
        .into_iter()
        .find(|s| s.index + 1 == n)
        .map(|s| s.map)
}

/// Needs that the declared permissions do not cover.
fn too_small(effective: Option<&Declared>, jn: &JobNeeds) -> Vec<String> {
    let Some(Declared::Scopes(have)) = effective else {
        if let Some(Declared::Other(what)) = effective {
            if what == "read-all" {
                return jn
                    .needs
                    .iter()
                    .filter(|n| n.need.level == Level::Write)
                    .map(|n| {
                        format!(
                            "needs `{}: write` ({}: {}) but has read-all",
                            n.need.scope, n.origin, n.need.reason
                        )
                    })
                    .collect();
            }
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut reported: Vec<(&str, Level)> = Vec::new();
    for n in &jn.needs {
        let granted = have.get(&n.need.scope).copied();
        let key = (n.need.scope.as_str(), n.need.level);
        // One warning per missing scope, naming the first step that needs it.
        if granted.is_none_or(|g| g < n.need.level) && !reported.contains(&key) {
            reported.push(key);
            let msg = format!(
                "needs `{}: {}` ({}: {}) but its permissions grant {}",
                n.need.scope,
                n.need.level,
                n.origin,
                n.need.reason,
                granted.map(|g| g.as_str()).unwrap_or("none")
            );
            if !out.contains(&msg) {
                out.push(msg);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::passes::FileMemo;
    use crate::suppress::Suppressions;
    use crate::syntax::parse;

    fn run(text: &str, memo: &FileMemo) -> Output {
        let tree = parse(text);
        let config = Config::default();
        let cx = Context {
            tree: &tree,
            path: "w.yml",
            file: None,
            kind: FileKind::Workflow,
            config: &config,
            suppressions: &Suppressions::default(),
            memo,
        };
        let rule = Permissions {
            explain: true,
            session: None,
            cache: Default::default(),
        };
        rule.run(&cx)
    }

    fn needs(out: &Output) -> Vec<&str> {
        out.findings.iter().map(|f| f.message.as_str()).collect()
    }

    const WF: &str = "on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      GH_TOKEN: ${{ github.token }}\n    steps:\n      - run: gh release create v1\n      - run: echo hi\n";

    #[test]
    fn a_later_run_on_the_file_reuses_its_script_analyses() {
        let memo = FileMemo::default();
        let first = run(WF, &memo);
        let scripts = memo.get::<cache::Scripts>();
        assert_eq!(scripts.kept(), 2);
        // The stability pass: the same scripts in the rewritten text are found, not analysed
        // again, and the answer is the same.
        let rewritten = crate::edit::apply_fixes(WF, first.fixes.clone()).text;
        assert!(rewritten.contains("contents: write"), "{rewritten}");
        let again = run(&rewritten, &memo);
        assert_eq!(scripts.kept(), 2);
        assert!(again.fixes.is_empty());
        assert_eq!(needs(&again), needs(&first));
    }

    #[test]
    fn a_changed_script_is_analysed_again() {
        let memo = FileMemo::default();
        run(WF, &memo);
        let changed = WF.replace("gh release create v1", "gh pr comment 1 --body x");
        let out = run(&changed, &memo);
        assert_eq!(memo.get::<cache::Scripts>().kept(), 3);
        let messages = needs(&out);
        assert!(
            messages.iter().any(|m| m.contains("pull-requests: write")),
            "{messages:?}"
        );
        assert!(
            !messages.iter().any(|m| m.contains("contents: write")),
            "{messages:?}"
        );
    }
}
