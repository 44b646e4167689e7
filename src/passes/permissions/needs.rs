//! What each job of a workflow needs from GITHUB_TOKEN, with reasons.
//!
//! Sources of needs, per step: actions from the knowledge base (literal `with:` values select
//! conditional needs; expressions take the conservative branch), local actions (their
//! `action.yml`, composite ones recursively), `docker://` steps and `run:` scripts (the commands
//! that use the token). A job-level `uses:` (reusable workflow) needs what the callee requests:
//! the union of its jobs, recursively for a local callee, from the knowledge base for a remote
//! one. Anything that cannot be told makes the job *unknown*, with the reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::kb::{self, KnowledgeBase, Level, Need, Scopes, StepContext};
use crate::syntax::views::{ActionMeta, Job, Step, Workflow};
use crate::syntax::{parse, NodeId, NodeKind, SyntaxTree};

/// How deep local actions and reusable workflows are followed.
const MAX_DEPTH: usize = 8;

/// One need, tied to the step that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobNeed {
    pub need: Need,
    /// `step 2 (actions/checkout@v4)`, `the called workflow`, …
    pub origin: String,
}

#[derive(Debug, Clone, Default)]
pub struct JobNeeds {
    pub needs: Vec<JobNeed>,
    /// Why the job's needs cannot be fully told (empty: fully known).
    pub unknown: Vec<(String, String)>, // (origin, why)
    /// The job calls a reusable workflow.
    pub calls_workflow: bool,
}

impl JobNeeds {
    pub fn scopes(&self) -> Scopes {
        let mut out = Scopes::new();
        for n in &self.needs {
            let e = out.entry(n.need.scope.clone()).or_insert(n.need.level);
            if n.need.level > *e {
                *e = n.need.level;
            }
        }
        out
    }

    fn push(&mut self, need: Need, origin: &str) {
        let jn = JobNeed {
            need,
            origin: origin.to_string(),
        };
        if !self.needs.contains(&jn) {
            self.needs.push(jn);
        }
    }
}

/// Where the files of the repository are, to read local actions and workflows.
pub struct Repo<'a> {
    pub root: Option<PathBuf>,
    pub kb: &'a KnowledgeBase,
}

/// The repository root of a workflow or action file: the parent of its `.github` folder, or
/// the nearest folder with `.git`.
pub fn repo_root(file: &Path) -> Option<PathBuf> {
    for dir in file.ancestors().skip(1) {
        if dir.file_name().is_some_and(|n| n == ".github") {
            return dir.parent().map(Path::to_path_buf);
        }
        if dir.join(".git").exists() {
            return Some(dir.to_path_buf());
        }
    }
    None
}

fn text_of(tree: &SyntaxTree, n: NodeId) -> String {
    tree.scalar_value(n)
        .map(|s| s.into_owned())
        .unwrap_or_else(|| tree.node_text(n).to_string())
}

fn pairs_of(tree: &SyntaxTree, map: Option<NodeId>) -> Vec<(String, String)> {
    let Some(m) = map.filter(|&m| matches!(tree.kind(m), NodeKind::BlockMap | NodeKind::FlowMap))
    else {
        return Vec::new();
    };
    tree.map_entries(m)
        .filter_map(|e| {
            let k = tree.scalar_value(tree.entry_key(e)?)?.into_owned();
            let v = tree
                .entry_value(e)
                .map(|v| text_of(tree, v))
                .unwrap_or_default();
            Some((k, v))
        })
        .collect()
}

/// A short label for a step: its name, else its `uses:`, else `run`.
pub fn step_label(step: &Step) -> String {
    let t = step.tree;
    let name = step
        .get("name")
        .and_then(|n| t.scalar_value(n))
        .map(|s| s.into_owned());
    let what = step
        .uses()
        .and_then(|n| t.scalar_value(n))
        .map(|s| short_sha(&s))
        .unwrap_or_else(|| "run".to_string());
    match name {
        Some(n) => format!("step {} \"{n}\" ({what})", step.index + 1),
        None => format!("step {} ({what})", step.index + 1),
    }
}

/// `owner/repo@<40-hex SHA>` shortened to 7 hex digits, as git shows commits.
fn short_sha(uses: &str) -> String {
    match uses.rsplit_once('@') {
        Some((name, r)) if r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) => {
            format!("{name}@{}", &r[..7])
        }
        _ => uses.to_string(),
    }
}

/// Needs of every job of a workflow, in order.
pub fn workflow_needs(wf: &Workflow, repo: &Repo) -> Vec<(String, JobNeeds)> {
    let events: Vec<String> = wf.triggers().into_iter().map(|t| t.name).collect();
    let wf_env = pairs_of(wf.tree, wf.get("env"));
    wf.jobs()
        .iter()
        .map(|job| {
            let mut visiting = BTreeSet::new();
            (
                job.id.clone(),
                job_needs(job, &wf_env, Some(&events), repo, 0, &mut visiting),
            )
        })
        .collect()
}

fn job_needs(
    job: &Job,
    wf_env: &[(String, String)],
    events: Option<&[String]>,
    repo: &Repo,
    depth: usize,
    visiting: &mut BTreeSet<PathBuf>,
) -> JobNeeds {
    let mut out = JobNeeds::default();
    let t = job.tree;
    match job.map {
        Some(m) if t.kind(m) == NodeKind::BlockMap => {}
        _ => {
            out.unknown.push((
                format!("job `{}`", job.id),
                "the job is not a block mapping (a flow mapping or an alias); wffmt cannot place a block in it".into(),
            ));
            return out;
        }
    }
    if has_alias(t, job.entry) {
        out.unknown.push((
            format!("job `{}`", job.id),
            "the job uses YAML aliases (`*name`, `<<:`), which wffmt does not follow".into(),
        ));
        return out;
    }
    container_needs(job, &mut out);
    if let Some(uses) = job.uses() {
        out.calls_workflow = true;
        let target = text_of(t, uses);
        let origin = format!("the called workflow {target}");
        callee_needs(&target, &origin, repo, depth, visiting, &mut out);
        return out;
    }
    let mut env = wf_env.to_vec();
    env.extend(pairs_of(t, job.get("env")));
    let steps = job.steps();
    for step in &steps {
        step_needs(step, &env, &[], events, repo, depth, visiting, &mut out);
    }
    persisted_credentials(&steps, &mut out);
    out
}

/// `actions/checkout` with `persist-credentials: true` written out, followed by `run:` steps:
/// the author keeps the token for git commands a script runs (a push, usually), which wffmt
/// cannot see. Grant `contents: write` rather than break the push.
fn persisted_credentials(steps: &[Step], out: &mut JobNeeds) {
    for (i, step) in steps.iter().enumerate() {
        let t = step.tree;
        let is_checkout = step
            .uses()
            .map(|u| text_of(t, u).to_ascii_lowercase())
            .is_some_and(|u| u.starts_with("actions/checkout@"));
        if !is_checkout {
            continue;
        }
        let with = step.with();
        let get = |k: &str| {
            with.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| text_of(t, *v))
        };
        let persisted = get("persist-credentials").is_some_and(|v| v.trim() == "true");
        let own_token = get("token")
            .is_some_and(|v| kb::classify_token_value(&v) == Some(kb::TokenSource::Other));
        let runs_later = steps[i + 1..].iter().any(|s| s.run().is_some());
        if persisted && !own_token && runs_later {
            out.push(
                Need {
                    scope: "contents".into(),
                    level: Level::Write,
                    reason: "keeps its credentials (persist-credentials: true) for git commands in later steps".into(),
                    source: "https://github.com/actions/checkout#usage".into(),
                },
                &step_label(step),
            );
        }
    }
}

/// Replace `${{ inputs.NAME }}` in a composite action's text by the value the caller gives
/// (or the input's default).
fn substitute_inputs(text: &str, inputs: &[(String, String)]) -> String {
    if inputs.is_empty() || !text.contains("inputs.") {
        return text.to_string();
    }
    let mut out = text.to_string();
    for (name, value) in inputs {
        for form in [
            format!("${{{{ inputs.{name} }}}}"),
            format!("${{{{inputs.{name}}}}}"),
        ] {
            out = out.replace(&form, value);
        }
    }
    out
}

/// Any alias (or merge key) inside a node: its data comes from elsewhere in the file.
fn has_alias(tree: &SyntaxTree, node: NodeId) -> bool {
    tree.node_tokens(node)
        .iter()
        .any(|t| t.kind == crate::syntax::TokenKind::Alias)
}

/// A job container or service pulled with GITHUB_TOKEN as the registry password reads
/// GitHub Packages.
fn container_needs(job: &Job, out: &mut JobNeeds) {
    let t = job.tree;
    let mut configs = Vec::new();
    configs.extend(job.get("container"));
    if let Some(services) = job
        .get("services")
        .filter(|&s| matches!(t.kind(s), NodeKind::BlockMap | NodeKind::FlowMap))
    {
        configs.extend(t.map_entries(services).filter_map(|e| t.entry_value(e)));
    }
    for c in configs {
        if !matches!(t.kind(c), NodeKind::BlockMap | NodeKind::FlowMap) {
            continue;
        }
        let password = t
            .map_get(c, "credentials")
            .and_then(|cr| t.map_get(cr, "password"))
            .map(|p| text_of(t, p));
        if password.is_some_and(|p| kb::token::mentions_github_token(&p)) {
            out.push(
                Need {
                    scope: "packages".into(),
                    level: Level::Read,
                    reason: "pulls a container image with GITHUB_TOKEN as the registry password".into(),
                    source: "https://docs.github.com/en/packages/managing-github-packages-using-github-actions-workflows/publishing-and-installing-a-package-with-github-actions".into(),
                },
                "the job's container or service",
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn step_needs(
    step: &Step,
    job_env: &[(String, String)],
    inputs: &[(String, String)],
    events: Option<&[String]>,
    repo: &Repo,
    depth: usize,
    visiting: &mut BTreeSet<PathBuf>,
    out: &mut JobNeeds,
) {
    let t = step.tree;
    let label = step_label(step);
    let mut env = job_env.to_vec();
    env.extend(
        pairs_of(t, step.get("env"))
            .into_iter()
            .map(|(k, v)| (k, substitute_inputs(&v, inputs))),
    );
    if let Some(run) = step.run() {
        let script = substitute_inputs(&text_of(t, run), inputs);
        let shell = step
            .get("shell")
            .and_then(|s| t.scalar_value(s))
            .map(|s| s.into_owned());
        let analysis = kb::run_needs_in_shell(&script, &env, shell.as_deref());
        for n in analysis.needs {
            out.push(n, &label);
        }
        for why in analysis.unknown {
            out.unknown.push((label.clone(), why));
        }
        return;
    }
    let Some(uses_node) = step.uses() else {
        return;
    };
    let uses = text_of(t, uses_node);
    let with: Vec<(String, Option<String>)> = step
        .with()
        .into_iter()
        .map(|(k, v)| {
            let value = match t.kind(v) {
                NodeKind::Scalar => t.scalar_value(v).map(|s| substitute_inputs(&s, inputs)),
                _ => None,
            };
            (k, value)
        })
        .collect();
    let token_passed = with
        .iter()
        .any(|(_, v)| v.as_deref().is_none_or(kb::token::mentions_github_token))
        || env.iter().any(|(_, v)| kb::token::mentions_github_token(v));
    if let Some(path) = uses.strip_prefix("./").or_else(|| uses.strip_prefix("$/")) {
        local_action_needs(
            path, &label, &with, &env, events, repo, depth, visiting, out,
        );
        return;
    }
    if uses.starts_with("docker://") {
        if token_passed {
            out.unknown.push((
                label,
                "the token is passed to a container image, which wffmt cannot inspect".into(),
            ));
        }
        return;
    }
    if uses.contains("${{") {
        out.unknown
            .push((label, "the action is chosen by an expression".into()));
        return;
    }
    match repo.kb.lookup(&uses) {
        Some(entry) => {
            let ctx = StepContext {
                with: &with,
                env: &env,
                events,
            };
            let analysis = kb::analyze_action(entry, &ctx);
            for n in analysis.needs {
                out.push(n, &label);
            }
            for why in analysis.unknown {
                out.unknown.push((label.clone(), why));
            }
        }
        None => out.unknown.push((
            label,
            format!(
                "wffmt does not know what `{}` needs (add it under [[permissions.action]] in wffmt.toml)",
                uses.split('@').next().unwrap_or(&uses)
            ),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn local_action_needs(
    path: &str,
    label: &str,
    with: &[(String, Option<String>)],
    env: &[(String, String)],
    events: Option<&[String]>,
    repo: &Repo,
    depth: usize,
    visiting: &mut BTreeSet<PathBuf>,
    out: &mut JobNeeds,
) {
    let Some(root) = &repo.root else {
        out.unknown.push((
            label.to_string(),
            "a local action cannot be read without the repository (standard input)".into(),
        ));
        return;
    };
    let dir = root.join(path.trim_end_matches('/'));
    let file = ["action.yml", "action.yaml"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file());
    let Some(file) = file else {
        out.unknown.push((
            label.to_string(),
            format!("the local action ./{path} has no action.yml"),
        ));
        return;
    };
    if depth >= MAX_DEPTH || !visiting.insert(file.clone()) {
        out.unknown.push((
            label.to_string(),
            format!("./{path} is nested too deeply or uses itself"),
        ));
        return;
    }
    let Ok(text) = std::fs::read_to_string(&file) else {
        out.unknown.push((
            label.to_string(),
            format!("./{path}/action.yml cannot be read"),
        ));
        visiting.remove(&file);
        return;
    };
    let tree = parse(&text);
    let Some(action) = ActionMeta::new(&tree) else {
        out.unknown.push((
            label.to_string(),
            format!("./{path}/action.yml is not a mapping"),
        ));
        visiting.remove(&file);
        return;
    };
    let using = action.using().unwrap_or_default().to_ascii_lowercase();
    if using == "composite" {
        // What each input is in this call: the caller's value, else the input's default.
        let mut inputs = action_input_defaults(&tree, action.root);
        for (k, v) in with {
            let value = v.clone().unwrap_or_else(|| "${{ unknown }}".to_string());
            match inputs.iter_mut().find(|(n, _)| n == k) {
                Some(slot) => slot.1 = value,
                None => inputs.push((k.clone(), value)),
            }
        }
        for step in action.steps() {
            let mut inner = JobNeeds::default();
            step_needs(
                &step,
                env,
                &inputs,
                events,
                repo,
                depth + 1,
                visiting,
                &mut inner,
            );
            let inner_label = format!("{label}, its {}", step_label(&step));
            for n in inner.needs {
                out.push(n.need, &inner_label);
            }
            for (_, why) in inner.unknown {
                out.unknown.push((inner_label.clone(), why));
            }
        }
    } else {
        // A JavaScript or Docker action: it can only use the token if it is given one, by an
        // input default or by the step.
        let default_token = action_inputs_default_to_token(&tree, action.root);
        let passed = with
            .iter()
            .any(|(_, v)| v.as_deref().is_none_or(kb::token::mentions_github_token))
            || env.iter().any(|(_, v)| kb::token::mentions_github_token(v));
        if default_token || passed {
            out.unknown.push((
                label.to_string(),
                format!("the local {using} action ./{path} receives the token and its code is not analysed"),
            ));
        }
    }
    visiting.remove(&file);
}

/// `inputs.<name>.default` of an action, as text.
fn action_input_defaults(tree: &SyntaxTree, root: NodeId) -> Vec<(String, String)> {
    let Some(inputs) = tree
        .map_get(root, "inputs")
        .filter(|&i| matches!(tree.kind(i), NodeKind::BlockMap | NodeKind::FlowMap))
    else {
        return Vec::new();
    };
    tree.map_entries(inputs)
        .filter_map(|e| {
            let name = tree.scalar_value(tree.entry_key(e)?)?.into_owned();
            let default = tree
                .entry_value(e)
                .and_then(|v| tree.map_get(v, "default"))
                .map(|d| text_of(tree, d))
                .unwrap_or_default();
            Some((name, default))
        })
        .collect()
}

fn action_inputs_default_to_token(tree: &SyntaxTree, root: NodeId) -> bool {
    let Some(inputs) = tree.map_get(root, "inputs") else {
        return false;
    };
    if !matches!(tree.kind(inputs), NodeKind::BlockMap | NodeKind::FlowMap) {
        return false;
    }
    tree.map_entries(inputs).any(|e| {
        tree.entry_value(e)
            .and_then(|v| tree.map_get(v, "default"))
            .map(|d| text_of(tree, d))
            .is_some_and(|d| kb::token::mentions_github_token(&d))
    })
}

/// What a reusable workflow requests: for a local callee, the union of its jobs (their
/// declared permissions when they have them); for a remote one, the knowledge base.
fn callee_needs(
    target: &str,
    origin: &str,
    repo: &Repo,
    depth: usize,
    visiting: &mut BTreeSet<PathBuf>,
    out: &mut JobNeeds,
) {
    if let Some(path) = target
        .strip_prefix("./")
        .or_else(|| target.strip_prefix("$/"))
    {
        let Some(root) = &repo.root else {
            out.unknown.push((
                origin.into(),
                "a local workflow cannot be read from standard input".into(),
            ));
            return;
        };
        let file = root.join(path);
        if depth >= MAX_DEPTH || !visiting.insert(file.clone()) {
            out.unknown.push((
                origin.into(),
                "the workflow calls are nested too deeply or loop".into(),
            ));
            return;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            out.unknown
                .push((origin.into(), format!("{target} cannot be read")));
            visiting.remove(&file);
            return;
        };
        let tree = parse(&text);
        let Some(wf) = Workflow::new(&tree) else {
            out.unknown
                .push((origin.into(), format!("{target} is not a workflow")));
            visiting.remove(&file);
            return;
        };
        let top = wf
            .permissions_entry()
            .and_then(|e| tree.entry_value(e))
            .map(|v| declared(&tree, v));
        let wf_env = pairs_of(&tree, wf.get("env"));
        for job in wf.jobs() {
            let job_declared = job
                .permissions_entry()
                .and_then(|e| tree.entry_value(e))
                .map(|v| declared(&tree, v))
                .or_else(|| top.clone());
            match job_declared {
                Some(Declared::Scopes(scopes)) => {
                    for (scope, level) in scopes {
                        out.push(
                            Need {
                                scope,
                                level,
                                reason: format!("declared by job `{}` of {target}", job.id),
                                source: target.to_string(),
                            },
                            origin,
                        );
                    }
                }
                Some(Declared::Other(what)) => out.unknown.push((
                    origin.into(),
                    format!("job `{}` of {target} declares `{what}`", job.id),
                )),
                None => {
                    let inner = job_needs(&job, &wf_env, None, repo, depth + 1, visiting);
                    for n in inner.needs {
                        out.push(n.need, origin);
                    }
                    for (o, why) in inner.unknown {
                        out.unknown
                            .push((format!("{origin}, job `{}` {o}", job.id), why));
                    }
                }
            }
        }
        visiting.remove(&file);
        return;
    }
    if target.contains("${{") {
        out.unknown.push((
            origin.into(),
            "the workflow is chosen by an expression".into(),
        ));
        return;
    }
    match repo.kb.lookup(target) {
        Some(entry) => {
            for (scope, level) in &entry.needs {
                out.push(
                    Need {
                        scope: scope.clone(),
                        level: *level,
                        reason: entry.reason.clone(),
                        source: entry.source.clone(),
                    },
                    origin,
                );
            }
        }
        None => out.unknown.push((
            origin.into(),
            format!(
                "wffmt does not know what `{}` requests",
                target.split('@').next().unwrap_or(target)
            ),
        )),
    }
}

/// A `permissions:` value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    Scopes(Scopes),
    /// `read-all`, `write-all` or something unreadable.
    Other(String),
}

pub fn declared(tree: &SyntaxTree, value: NodeId) -> Declared {
    match tree.kind(value) {
        NodeKind::BlockMap | NodeKind::FlowMap => {
            let mut scopes = Scopes::new();
            for e in tree.map_entries(value) {
                let (Some(k), Some(v)) = (tree.entry_key(e), tree.entry_value(e)) else {
                    continue;
                };
                let (Some(k), Some(v)) = (tree.scalar_value(k), tree.scalar_value(v)) else {
                    return Declared::Other(tree.node_text(value).to_string());
                };
                match v.as_ref() {
                    "read" => {
                        scopes.insert(k.into_owned(), Level::Read);
                    }
                    "write" => {
                        scopes.insert(k.into_owned(), Level::Write);
                    }
                    _ => {}
                }
            }
            Declared::Scopes(scopes)
        }
        NodeKind::Scalar => {
            let v = tree.scalar_value(value).unwrap_or_default();
            if v.is_empty() {
                Declared::Scopes(Scopes::new())
            } else {
                Declared::Other(v.into_owned())
            }
        }
        _ => Declared::Other(tree.node_text(value).to_string()),
    }
}
