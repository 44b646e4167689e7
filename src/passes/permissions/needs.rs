//! What each job of a workflow needs from GITHUB_TOKEN, with reasons.
//!
//! Sources of needs, per step: actions from the knowledge base (literal `with:` values select
//! conditional needs; expressions take the conservative branch), local actions (their
//! `action.yml`, composite ones recursively; found under the `path:` of an earlier checkout),
//! `docker://` steps and `run:` scripts (the commands that use the token; `git` commands use
//! the credentials the job's checkouts left, see [`checkout`](super::checkout)). A job-level
//! `uses:` (reusable workflow) needs what the callee requests: the union of its jobs,
//! recursively for a local callee, from the knowledge base for a remote one. Anything that
//! cannot be told makes the job *unknown*, with the reason.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::cache::{read_tree, repo_place, Env, RunCache, Script, Scripts};
use super::checkout::{Checkout, Checkouts, Location};
use super::condition::evaluate;
use super::remote::{self, Fetched};
use super::step_keys::{self, StepKeys};
use crate::kb::{self, KnowledgeBase, Level, Need, RunContext, Scopes, StepContext};
use crate::resolve::{parse_uses, RemoteUses, RepoId, Session, UsesRef};
use crate::syntax::views::{ActionMeta, Job, Step, Workflow};
use crate::syntax::{parse, NodeId, NodeKind, SyntaxTree};

/// How deep local actions and reusable workflows are followed.
const MAX_DEPTH: usize = 8;
/// How many local actions, remote actions and called workflows one job may reach in all.
/// Depth alone does not bound the walk: composite actions that each call the next one ten
/// times, eight deep, are 10^8 reads.
const MAX_CALLS: usize = 1_000;

/// One need, tied to the step that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobNeed {
    pub need: Need,
    /// `step 2 (actions/checkout@v4)`, `the called workflow`, …
    pub origin: String,
}

/// Why part of a job's needs cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The step (chain) it comes from: `step 3 (./x), its step 2 (run)`.
    pub origin: String,
    pub why: String,
    /// The action or reusable workflow (`owner/repo[/path]`) the knowledge base lacks, when
    /// that is the reason.
    pub undescribed: Option<String>,
    /// The reason is a network or authentication failure (trying again may help).
    pub network: bool,
}

#[derive(Debug, Clone, Default)]
pub struct JobNeeds {
    pub needs: Vec<JobNeed>,
    /// Why the job's needs cannot be fully told (empty: fully known).
    pub unknown: Vec<Unknown>,
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

    /// Records why the job cannot be decided. A reason already given (the same action used
    /// again further down) is said once, at its first place.
    fn add_unknown(&mut self, unknown: Unknown) {
        if !self.unknown.iter().any(|u| u.why == unknown.why) {
            self.unknown.push(unknown);
        }
    }

    fn unknown(&mut self, origin: &str, why: impl Into<String>) {
        self.add_unknown(Unknown {
            origin: origin.to_string(),
            why: why.into(),
            undescribed: None,
            network: false,
        });
    }

    fn undescribed(&mut self, origin: &str, why: String, action: &str) {
        self.add_unknown(Unknown {
            origin: origin.to_string(),
            why,
            undescribed: Some(action.to_ascii_lowercase()),
            network: false,
        });
    }

    /// A remote file could not be read (`what` = `owner/repo[/path]@ref`). Unless the network
    /// failed, describing it in the configuration is the way out, so it counts as undescribed.
    fn unreadable(&mut self, origin: &str, what: &str, why: String, network: bool) {
        let name = what.split('@').next().unwrap_or(what);
        let why = if network {
            format!("{what} cannot be read: {why}")
        } else {
            format!("wffmt does not know what `{name}` needs and cannot read {what}: {why}")
        };
        self.add_unknown(Unknown {
            origin: origin.to_string(),
            why,
            undescribed: (!network).then(|| name.to_ascii_lowercase()),
            network,
        });
    }
}

/// The repository a workflow belongs to, and what wffmt knows about actions.
pub struct Repo<'a> {
    /// Where its files are (`None` for standard input).
    pub root: Option<PathBuf>,
    /// `owner/name` (lower case), when known.
    pub identity: Option<String>,
    pub kb: &'a KnowledgeBase,
    /// Reads actions and workflows of other repositories; without it they are only looked
    /// up in the knowledge base.
    pub session: Option<&'a Session>,
    /// What the run has read and parsed already (`None`: everything is read again).
    pub cache: Option<&'a RunCache>,
}

impl<'a> Repo<'a> {
    /// The repository of `file` (its root and `origin` remote), when there is a file.
    pub fn of_file(file: Option<&Path>, kb: &'a KnowledgeBase) -> Repo<'a> {
        Repo::of_file_in(file, kb, None)
    }

    /// The same, reading and parsing through the run's `cache`.
    pub fn of_file_in(
        file: Option<&Path>,
        kb: &'a KnowledgeBase,
        cache: Option<&'a RunCache>,
    ) -> Repo<'a> {
        let dir = file.and_then(Path::parent);
        let (root, identity) = match (dir, cache) {
            (Some(dir), Some(cache)) => cache.repo(dir),
            (Some(dir), None) => repo_place(dir),
            (None, _) => (None, None),
        };
        Repo {
            root,
            identity,
            kb,
            session: None,
            cache,
        }
    }

    /// The same, reading other repositories through `session`.
    pub fn with_session(self, session: Option<&'a Session>) -> Repo<'a> {
        Repo { session, ..self }
    }
}

fn text_of(tree: &SyntaxTree, n: NodeId) -> String {
    text_in(tree, n).into_owned()
}

/// [`text_of`], borrowed from the tree when it can be.
fn text_in(tree: &SyntaxTree, n: NodeId) -> Cow<'_, str> {
    tree.scalar_value(n)
        .unwrap_or_else(|| Cow::Borrowed(tree.node_text(n)))
}

fn pairs_of(tree: &SyntaxTree, map: Option<NodeId>) -> Vec<(String, String)> {
    step_keys::entries(tree, map)
        .map(|(k, v)| (k, v.map(|v| text_of(tree, v)).unwrap_or_default()))
        .collect()
}

/// A short label for a step from its `name:` and `uses:` values: its name, else its `uses:`,
/// else `run`.
fn label_of(step: &Step, name: Option<NodeId>, uses: Option<NodeId>) -> String {
    let t = step.tree;
    let name = name.and_then(|n| t.scalar_value(n));
    let uses = uses.and_then(|n| t.scalar_value(n));
    // `step N "name" (uses)`, in one allocation.
    let size = 16 + name.as_ref().map_or(0, |n| n.len()) + uses.as_ref().map_or(3, |u| u.len());
    let mut out = String::with_capacity(size);
    let _ = write!(out, "step {}", step.index + 1);
    if let Some(name) = name {
        out.push_str(" \"");
        out.push_str(&name);
        out.push('"');
    }
    out.push_str(" (");
    match uses.as_deref() {
        Some(uses) => push_short_sha(&mut out, uses),
        None => out.push_str("run"),
    }
    out.push(')');
    out
}

/// Where a need comes from, as findings name it: a step (`step 3 (./x), its step 2 (run)`) or
/// a called workflow. A step's is written only when something is reported about the step.
struct Label<'a> {
    text: OnceCell<String>,
    /// The step with its keys, and the label of the step whose composite action it belongs to.
    step: Option<(&'a Step<'a>, StepKeys, Option<&'a Label<'a>>)>,
}

impl<'a> Label<'a> {
    fn of_step(step: &'a Step<'a>, keys: StepKeys, parent: Option<&'a Label<'a>>) -> Label<'a> {
        Label {
            text: OnceCell::new(),
            step: Some((step, keys, parent)),
        }
    }

    fn fixed(text: &str) -> Label<'a> {
        Label {
            text: OnceCell::from(text.to_string()),
            step: None,
        }
    }

    fn get(&self) -> &str {
        self.text.get_or_init(|| match self.step {
            Some((step, keys, Some(parent))) => format!(
                "{}, its {}",
                parent.get(),
                label_of(step, keys.name, keys.uses)
            ),
            Some((step, keys, None)) => label_of(step, keys.name, keys.uses),
            None => String::new(),
        })
    }
}

/// `uses`, with `owner/repo@<40-hex SHA>` shortened to 7 hex digits as git shows commits.
fn push_short_sha(out: &mut String, uses: &str) {
    match uses.rsplit_once('@') {
        Some((name, r)) if r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) => {
            out.push_str(name);
            out.push('@');
            out.push_str(&r[..7]);
        }
        _ => out.push_str(uses),
    }
}

/// `defaults.run.working-directory` of a workflow or job mapping.
fn default_working_directory(tree: &SyntaxTree, defaults: Option<NodeId>) -> Option<String> {
    let run = tree.map_get(defaults?, "run")?;
    let wd = tree.map_get(run, "working-directory")?;
    tree.scalar_value(wd).map(|s| s.into_owned())
}

/// What a workflow gives every job: its `env:` and default working directory.
struct WorkflowDefaults {
    env: Vec<(String, String)>,
    working_directory: Option<String>,
}

impl WorkflowDefaults {
    fn of(wf: &Workflow) -> WorkflowDefaults {
        WorkflowDefaults {
            env: pairs_of(wf.tree, wf.get("env")),
            working_directory: default_working_directory(wf.tree, wf.get("defaults")),
        }
    }
}

/// Needs of every job of a workflow, in order.
pub fn workflow_needs(wf: &Workflow, repo: &Repo) -> Vec<(String, JobNeeds)> {
    workflow_needs_with(wf, repo, &Scripts::default())
}

/// [`workflow_needs`], finding the analyses of `run:` scripts in `scripts` first (those of this
/// file's earlier runs) and keeping the new ones there.
pub fn workflow_needs_with(
    wf: &Workflow,
    repo: &Repo,
    scripts: &Scripts,
) -> Vec<(String, JobNeeds)> {
    let events: Vec<String> = wf.triggers().into_iter().map(|t| t.name).collect();
    let wf_env = WorkflowDefaults::of(wf);
    wf.jobs()
        .iter()
        .map(|job| {
            let mut walk = Walk {
                repo,
                scripts,
                events: Some(&events),
                visiting: BTreeSet::new(),
                calls: 0,
            };
            (job.id.clone(), walk.job(job, &wf_env, 0))
        })
        .collect()
}

/// One job's walk through its steps, local actions and called workflows.
struct Walk<'w> {
    repo: &'w Repo<'w>,
    /// The file's scripts analysed so far (in this run of the rule and earlier ones).
    scripts: &'w Scripts,
    /// Events that trigger the workflow; `None` inside a called workflow.
    events: Option<&'w [String]>,
    /// Files being read up the chain (a file that uses itself is a loop).
    visiting: BTreeSet<String>,
    /// Actions and workflows called so far in this job, at any depth (bounded by `MAX_CALLS`).
    calls: usize,
}

/// What a step sees besides itself.
struct StepScope<'s> {
    env: Env,
    /// Whether `env` carries GITHUB_TOKEN, once a script has asked.
    env_token: OnceCell<bool>,
    /// A composite action's inputs in this call (name, value).
    inputs: &'s [(String, String)],
    /// How deep in local actions and called workflows.
    depth: usize,
    /// The label of the step that called this composite action, if any.
    parent: Option<&'s Label<'s>>,
    /// The default working directory of `run:` steps (job or workflow `defaults`).
    working_directory: Option<&'s str>,
}

impl Walk<'_> {
    /// Counts one more action or workflow this job calls; past the budget the job is
    /// undecided (said once) and the caller reads nothing more.
    fn over_budget(&mut self, label: &Label, out: &mut JobNeeds) -> bool {
        self.calls += 1;
        if self.calls == MAX_CALLS + 1 {
            out.unknown(
                label.get(),
                format!(
                    "the job calls more than {MAX_CALLS} actions and workflows through composite actions and called workflows; wffmt stops there"
                ),
            );
        }
        self.calls > MAX_CALLS
    }

    fn job(&mut self, job: &Job, wf: &WorkflowDefaults, depth: usize) -> JobNeeds {
        let mut out = JobNeeds::default();
        let t = job.tree;
        let origin = format!("job `{}`", job.id);
        match job.map {
            Some(m) if t.kind(m) == NodeKind::BlockMap => {}
            _ => {
                out.unknown(
                    &origin,
                    "the job is not a block mapping (a flow mapping or an alias); wffmt cannot place a block in it",
                );
                return out;
            }
        }
        if has_alias(t, job.entry) {
            out.unknown(
                &origin,
                "the job uses YAML aliases (`*name`, `<<:`), which wffmt does not follow",
            );
            return out;
        }
        container_needs(job, &mut out);
        if let Some(uses) = job.uses() {
            out.calls_workflow = true;
            let target = text_of(t, uses);
            let origin = format!("the called workflow {target}");
            self.callee(&target, &origin, depth, &mut out);
            return out;
        }
        let mut env = wf.env.clone();
        env.extend(pairs_of(t, job.get("env")));
        let env: Env = env.into();
        let working_directory = default_working_directory(t, job.get("defaults"))
            .or_else(|| wf.working_directory.clone());
        let steps = job.steps();
        let mut checkouts = Checkouts::default();
        let scope = StepScope {
            env,
            env_token: OnceCell::new(),
            inputs: &[],
            depth,
            parent: None,
            working_directory: working_directory.as_deref(),
        };
        let keys: Vec<StepKeys> = steps.iter().map(StepKeys::of).collect();
        for (step, keys) in steps.iter().zip(&keys) {
            self.step(step, *keys, &scope, &mut checkouts, &mut out);
        }
        persisted_credentials(&steps, &keys, &mut out);
        out
    }

    /// One step, with its keys (see [`StepKeys::of`]).
    fn step(
        &mut self,
        step: &Step,
        keys: StepKeys,
        scope: &StepScope,
        checkouts: &mut Checkouts,
        out: &mut JobNeeds,
    ) {
        let t = step.tree;
        // In a composite action, a step whose `if:` the call's inputs make false never runs.
        if scope.parent.is_some() {
            let condition = keys.condition.and_then(|c| t.scalar_value(c));
            if condition.is_some_and(|c| evaluate(&c, scope.inputs) == Some(false)) {
                return;
            }
        }
        let label = Label::of_step(step, keys, scope.parent);
        let own_env = pairs_of(t, keys.env);
        let shares_env = own_env.is_empty();
        let env: Env = if shares_env {
            Arc::clone(&scope.env)
        } else {
            let mut env = scope.env.to_vec();
            env.extend(
                own_env
                    .into_iter()
                    .map(|(k, v)| (k, substitute_inputs(v.into(), scope.inputs).into_owned())),
            );
            env.into()
        };
        if let Some(run) = keys.run {
            let text = substitute_inputs(text_in(t, run), scope.inputs);
            let shell = keys.shell.and_then(|s| t.scalar_value(s));
            let working_directory = keys
                .working_directory
                .and_then(|w| t.scalar_value(w))
                .map(|w| substitute_inputs(w, scope.inputs).into_owned())
                .or_else(|| scope.working_directory.map(str::to_string));
            let script = Script {
                text: &text,
                shell: shell.as_deref(),
                env: &env,
                git: checkouts.git_auth(),
            };
            let shared_env = shares_env.then_some(&scope.env_token);
            let in_action = scope.parent.is_some();
            let analysis =
                self.run_analysis(script, in_action, working_directory.as_deref(), shared_env);
            for n in analysis.needs {
                out.push(n, label.get());
            }
            for why in analysis.unknown {
                out.unknown(label.get(), why);
            }
            return;
        }
        let Some(uses_node) = keys.uses else {
            return;
        };
        let uses = substitute_inputs(text_in(t, uses_node), scope.inputs);
        let with: Vec<(String, Option<String>)> = step_keys::pairs(t, keys.with)
            .into_iter()
            .map(|(k, v)| {
                let value = match t.kind(v) {
                    NodeKind::Scalar => t
                        .scalar_value(v)
                        .map(|s| substitute_inputs(s, scope.inputs).into_owned()),
                    _ => None,
                };
                (k, value)
            })
            .collect();
        if let Some(c) = Checkout::from_step(&uses, &with, self.repo.identity.as_deref()) {
            checkouts.push(c);
        }
        let call = Call {
            label: &label,
            with: &with,
            env: &env,
            depth: scope.depth,
            git: checkouts.git_auth(),
        };
        if let Some(path) = uses.strip_prefix("./").or_else(|| uses.strip_prefix("$/")) {
            match checkouts.locate(path) {
                Location::Own(rel) => self.local_action(&rel, &call, checkouts, out),
                Location::Remote {
                    repo,
                    path,
                    git_ref,
                } => self.checked_out_action(
                    &uses,
                    &repo,
                    &path,
                    git_ref.as_deref(),
                    &call,
                    checkouts,
                    out,
                ),
                Location::Unknown(why) => out.unknown(label.get(), why),
            }
            return;
        }
        if uses.starts_with("docker://") {
            if call.token_passed() {
                out.unknown(
                    label.get(),
                    "the token is passed to a container image, which wffmt cannot inspect",
                );
            }
            return;
        }
        if uses.contains("${{") {
            out.unknown(label.get(), "the action is chosen by an expression");
            return;
        }
        match self.repo.kb.lookup(&uses) {
            Some(entry) => described(entry, &call, self.events, out),
            None => self.remote_action(&uses, &call, checkouts, out),
        }
    }

    /// `owner/repo[/path]@ref` that the knowledge base does not describe: its `action.yml` at
    /// that commit, when the run may read other repositories.
    fn remote_action(
        &mut self,
        uses: &str,
        call: &Call,
        checkouts: &mut Checkouts,
        out: &mut JobNeeds,
    ) {
        let name = uses.split('@').next().unwrap_or(uses);
        let undescribed = |out: &mut JobNeeds| {
            out.undescribed(
                call.label.get(),
                format!(
                    "wffmt does not know what `{name}` needs (add it under [[permissions.action]] in wffmt.toml)"
                ),
                name,
            )
        };
        let Some(session) = self.repo.session else {
            undescribed(out);
            return;
        };
        let remote = match parse_uses(uses) {
            UsesRef::Remote(r) => r,
            UsesRef::Invalid(why) => {
                out.unknown(
                    call.label.get(),
                    format!("`{uses}` is not a valid action reference: {why}"),
                );
                return;
            }
            _ => {
                undescribed(out);
                return;
            }
        };
        let fetched = remote::action(
            session,
            &remote.repo_id(),
            remote.path.as_deref(),
            &remote.git_ref,
        );
        self.fetched_action(
            fetched,
            &remote.repo_id(),
            remote.path.as_deref(),
            uses,
            call,
            checkouts,
            out,
        );
    }

    /// `uses: ./p/x` where an earlier step checked out `repo` (not known to be this one) to `p`.
    #[allow(clippy::too_many_arguments)]
    fn checked_out_action(
        &mut self,
        uses: &str,
        repo: &str,
        path: &str,
        git_ref: Option<&str>,
        call: &Call,
        checkouts: &mut Checkouts,
        out: &mut JobNeeds,
    ) {
        let Some((owner, name)) = repo.split_once('/') else {
            out.unknown(
                call.label.get(),
                format!("{uses} comes from `{repo}`, which is not `owner/name`"),
            );
            return;
        };
        let full = if path.is_empty() {
            repo.to_string()
        } else {
            format!("{repo}/{path}")
        };
        if let Some(entry) = self.repo.kb.lookup(&full) {
            described(entry, call, self.events, out);
            return;
        }
        let Some(session) = self.repo.session else {
            out.unknown(call.label.get(), format!("{uses} is `{full}`, checked out by an earlier step; wffmt reads other repositories only when it runs from the command line"));
            return;
        };
        let git_ref = match git_ref {
            Some(r) if !r.contains("${{") => r,
            Some(r) => {
                out.unknown(
                    call.label.get(),
                    format!("{uses} is `{full}` at `{r}`, an expression"),
                );
                return;
            }
            None => {
                out.unknown(call.label.get(), format!("{uses} is `{full}` at its default branch, which wffmt does not look up (give the checkout a `ref:`)"));
                return;
            }
        };
        let id = RepoId::new(owner, name);
        if let Err(why) = id.validate() {
            out.unknown(
                call.label.get(),
                format!("{uses} comes from `{repo}`: {why}"),
            );
            return;
        }
        let dir = (!path.is_empty()).then_some(path);
        let fetched = remote::action(session, &id, dir, git_ref);
        let shown = format!("{full}@{git_ref}");
        self.fetched_action(fetched, &id, dir, &shown, call, checkouts, out);
    }

    /// Reads a fetched `action.yml` (`shown` as the `uses:` it came from).
    #[allow(clippy::too_many_arguments)]
    fn fetched_action(
        &mut self,
        fetched: Fetched,
        repo: &RepoId,
        dir: Option<&str>,
        shown: &str,
        call: &Call,
        checkouts: &mut Checkouts,
        out: &mut JobNeeds,
    ) {
        if self.over_budget(call.label, out) {
            return;
        }
        let name = shown.split('@').next().unwrap_or(shown).to_string();
        match fetched {
            Fetched::File { text, sha, .. } => {
                let key = format!("{}/{}/{}@{sha}", repo.owner, repo.repo, dir.unwrap_or(""))
                    .to_ascii_lowercase();
                if call.depth >= MAX_DEPTH || !self.visiting.insert(key.clone()) {
                    out.unknown(
                        call.label.get(),
                        format!("{shown} is nested too deeply or uses itself"),
                    );
                    return;
                }
                self.action_text(
                    &parse(&text),
                    shown,
                    ActionKind::Remote { name: &name },
                    call,
                    checkouts,
                    out,
                );
                self.visiting.remove(&key);
            }
            Fetched::Missing { sha } => out.unknown(
                call.label.get(),
                format!("{shown} has no action.yml at {}", &sha[..sha.len().min(12)]),
            ),
            Fetched::Failed { why, network } => {
                out.unreadable(call.label.get(), shown, why, network)
            }
        }
    }

    /// What a `run:` script needs, worked out once per workflow (once per run for a composite
    /// action's step, with the run's cache). `env_token`: shared by the steps with this same
    /// environment (see [`RunContext::env_token`]).
    fn run_analysis(
        &self,
        script: Script,
        in_action: bool,
        working_directory: Option<&str>,
        env_token: Option<&OnceCell<bool>>,
    ) -> kb::RunAnalysis {
        let read_files = Cell::new(false);
        let read = |path: &str| {
            read_files.set(true);
            self.read_script(working_directory, path)
        };
        let analyse = || {
            kb::run_needs_with(
                script.text,
                &RunContext {
                    env: script.env,
                    shell: script.shell,
                    git: script.git,
                    files: Some(&read),
                    env_token,
                },
            )
        };
        let scripts = match self.repo.cache {
            Some(cache) if in_action => &cache.action_scripts,
            _ => self.scripts,
        };
        scripts.analysis(script, || {
            let analysis = analyse();
            (analysis, read_files.get())
        })
    }

    /// A script file a `run:` step runs, from this repository: `path` relative to the step's
    /// working directory (itself relative to the workspace). Nothing outside the repository,
    /// nothing larger than 1 MiB.
    fn read_script(&self, working_directory: Option<&str>, path: &str) -> Option<String> {
        let root = self.repo.root.as_ref()?;
        let wd = working_directory
            .map(|w| {
                w.trim_start_matches("${{ github.workspace }}")
                    .trim_start_matches("$GITHUB_WORKSPACE")
                    .trim_start_matches('/')
            })
            .unwrap_or("");
        if wd.contains('$') {
            return None;
        }
        let rel = super::checkout::normalize(&format!("{wd}/{path}"));
        if rel.is_empty() || rel == ".." || rel.starts_with("../") || rel.contains("/../") {
            return None;
        }
        let file = root.join(&rel);
        let meta = std::fs::metadata(&file).ok()?;
        if !meta.is_file() || meta.len() > 1 << 20 {
            return None;
        }
        std::fs::read_to_string(file).ok()
    }

    /// `uses: ./path` in this repository (`rel` from its root).
    fn local_action(
        &mut self,
        rel: &str,
        call: &Call,
        checkouts: &mut Checkouts,
        out: &mut JobNeeds,
    ) {
        let label = call.label;
        if self.over_budget(label, out) {
            return;
        }
        let shown = if rel.is_empty() {
            "./".to_string()
        } else {
            format!("./{rel}")
        };
        let Some(root) = &self.repo.root else {
            out.unknown(
                label.get(),
                "a local action cannot be read without the repository (standard input)",
            );
            return;
        };
        let dir = root.join(rel);
        let file = ["action.yml", "action.yaml"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file());
        let Some(file) = file else {
            out.unknown(
                label.get(),
                format!("the local action {shown} has no action.yml"),
            );
            return;
        };
        let key = file.to_string_lossy().into_owned();
        if call.depth >= MAX_DEPTH || !self.visiting.insert(key.clone()) {
            out.unknown(
                label.get(),
                format!("{shown} is nested too deeply or uses itself"),
            );
            return;
        }
        let tree = match self.repo.cache {
            Some(cache) => cache.action(&file),
            None => read_tree(&file),
        };
        match tree {
            Some(tree) => {
                let described_as = self_name(self.repo, rel);
                let kind = ActionKind::Local {
                    described_as: described_as.as_deref(),
                };
                self.action_text(&tree, &shown, kind, call, checkouts, out)
            }
            None => out.unknown(label.get(), format!("{shown}/action.yml cannot be read")),
        }
        self.visiting.remove(&key);
    }

    /// The steps of an action's metadata (`shown` names it in messages). A composite action is
    /// read step by step; a JavaScript or Docker action by its knowledge-base entry.
    fn action_text(
        &mut self,
        tree: &SyntaxTree,
        shown: &str,
        kind: ActionKind,
        call: &Call,
        checkouts: &mut Checkouts,
        out: &mut JobNeeds,
    ) {
        let label = call.label;
        let Some(action) = ActionMeta::new(tree) else {
            out.unknown(label.get(), format!("{shown}/action.yml is not a mapping"));
            return;
        };
        let using = action.using().unwrap_or_default().to_ascii_lowercase();
        // An action's own repository running it as `./`: its description wins, as it does
        // for the same action used from elsewhere.
        if let ActionKind::Local {
            described_as: Some(name),
        } = kind
        {
            if let Some(entry) = self.repo.kb.lookup_exact(name) {
                described(entry, call, self.events, out);
                return;
            }
        }
        if using == "composite" {
            // What each input is in this call: the caller's value, else the input's default.
            let mut inputs = action_input_defaults(tree, action.root);
            for (k, v) in call.with {
                let value = v.clone().unwrap_or_else(|| "${{ unknown }}".to_string());
                match inputs.iter_mut().find(|(n, _)| n == k) {
                    Some(slot) => slot.1 = value,
                    None => inputs.push((k.clone(), value)),
                }
            }
            let scope = StepScope {
                env: Arc::clone(call.env),
                env_token: OnceCell::new(),
                inputs: &inputs,
                depth: call.depth + 1,
                parent: Some(label),
                // The steps of a composite action run in the workspace.
                working_directory: None,
            };
            for step in action.steps() {
                self.step(&step, StepKeys::of(&step), &scope, checkouts, out);
            }
            return;
        }
        match kind {
            ActionKind::Local { .. } => {}
            ActionKind::Remote { name } => {
                // Its code is not read: only the knowledge base can tell (it did not).
                out.undescribed(
                    label.get(),
                    format!(
                        "wffmt does not know what the {using} action `{name}` needs (add it under [[permissions.action]] in wffmt.toml)"
                    ),
                    name,
                );
                return;
            }
        }
        // A JavaScript or Docker action of this repository: it can only use the token if it
        // is given one, by an input default or by the step.
        if action_inputs_default_to_token(tree, action.root) || call.token_passed() {
            out.unknown(
                label.get(),
                format!(
                    "the {using} action {shown} receives the token and its code is not analysed"
                ),
            );
        }
    }

    /// What a reusable workflow requests: for a local callee, the union of its jobs (their
    /// declared permissions when they have them); for a remote one, the knowledge base.
    fn callee(&mut self, target: &str, origin: &str, depth: usize, out: &mut JobNeeds) {
        if self.over_budget(&Label::fixed(origin), out) {
            return;
        }
        if let Some(path) = target
            .strip_prefix("./")
            .or_else(|| target.strip_prefix("$/"))
        {
            let Some(root) = &self.repo.root else {
                out.unknown(
                    origin,
                    "a local workflow cannot be read from standard input",
                );
                return;
            };
            let file = root.join(path);
            let key = file.to_string_lossy().into_owned();
            if depth >= MAX_DEPTH || !self.visiting.insert(key.clone()) {
                out.unknown(origin, "the workflow calls are nested too deeply or loop");
                return;
            }
            match std::fs::read_to_string(&file) {
                Ok(text) => self.callee_text(&text, target, origin, depth, out),
                Err(_) => out.unknown(origin, format!("{target} cannot be read")),
            }
            self.visiting.remove(&key);
            return;
        }
        if target.contains("${{") {
            out.unknown(origin, "the workflow is chosen by an expression");
            return;
        }
        let name = target.split('@').next().unwrap_or(target);
        let entry = self.repo.kb.lookup(target);
        if entry.is_none() {
            if let (Some(session), UsesRef::Remote(remote)) =
                (self.repo.session, parse_uses(target))
            {
                self.remote_callee(session, &remote, target, origin, depth, out);
                return;
            }
        }
        match entry {
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
            None => out.undescribed(
                origin,
                format!("wffmt does not know what `{name}` requests"),
                name,
            ),
        }
    }

    /// A reusable workflow of another repository, read at the commit the call names.
    fn remote_callee(
        &mut self,
        session: &Session,
        remote: &RemoteUses,
        target: &str,
        origin: &str,
        depth: usize,
        out: &mut JobNeeds,
    ) {
        let Some(path) = remote.path.as_deref() else {
            out.unknown(origin, format!("`{target}` names no workflow file"));
            return;
        };
        match remote::workflow(session, &remote.repo_id(), path, &remote.git_ref) {
            Fetched::File { text, sha, .. } => {
                let key =
                    format!("{}/{}/{path}@{sha}", remote.owner, remote.repo).to_ascii_lowercase();
                if depth >= MAX_DEPTH || !self.visiting.insert(key.clone()) {
                    out.unknown(origin, "the workflow calls are nested too deeply or loop");
                    return;
                }
                self.callee_text(&text, target, origin, depth, out);
                self.visiting.remove(&key);
            }
            Fetched::Missing { sha } => out.unknown(
                origin,
                format!(
                    "{target}: the repository has no such workflow at {}",
                    &sha[..sha.len().min(12)]
                ),
            ),
            Fetched::Failed { why, network } => out.unreadable(origin, target, why, network),
        }
    }

    fn callee_text(
        &mut self,
        text: &str,
        target: &str,
        origin: &str,
        depth: usize,
        out: &mut JobNeeds,
    ) {
        let tree = parse(text);
        let Some(wf) = Workflow::new(&tree) else {
            out.unknown(origin, format!("{target} is not a workflow"));
            return;
        };
        let top = wf
            .permissions_entry()
            .and_then(|e| tree.entry_value(e))
            .map(|v| declared(&tree, v));
        let wf_env = WorkflowDefaults::of(&wf);
        let events = self.events.take();
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
                Some(Declared::Other(what)) => out.unknown(
                    origin,
                    format!("job `{}` of {target} declares `{what}`", job.id),
                ),
                None => {
                    let inner = self.job(&job, &wf_env, depth + 1);
                    for n in inner.needs {
                        out.push(n.need, origin);
                    }
                    for u in inner.unknown {
                        out.unknown.push(Unknown {
                            origin: format!("{origin}, job `{}` {}", job.id, u.origin),
                            ..u
                        });
                    }
                }
            }
        }
        self.events = events;
    }
}

/// Where an action's metadata came from.
#[derive(Clone, Copy)]
enum ActionKind<'k> {
    /// This repository's files; `described_as` is the name the knowledge base may know it by.
    Local { described_as: Option<&'k str> },
    /// Another repository (`name` = `owner/repo[/path]`).
    Remote { name: &'k str },
}

/// How an action is called: its step's label, inputs and environment.
struct Call<'c> {
    label: &'c Label<'c>,
    with: &'c [(String, Option<String>)],
    env: &'c Env,
    depth: usize,
    /// The credentials `git` uses at this step.
    git: kb::GitAuth,
}

impl Call<'_> {
    /// The step hands GITHUB_TOKEN (or an expression that may be it) to the action.
    fn token_passed(&self) -> bool {
        self.with
            .iter()
            .any(|(_, v)| v.as_deref().is_none_or(kb::token::mentions_github_token))
            || self
                .env
                .iter()
                .any(|(_, v)| kb::token::mentions_github_token(v))
    }
}

/// Needs of a call to an action the knowledge base describes.
fn described(entry: &kb::ActionEntry, call: &Call, events: Option<&[String]>, out: &mut JobNeeds) {
    let ctx = StepContext {
        with: call.with,
        env: call.env,
        events,
        git: call.git,
    };
    let analysis = kb::analyze_action(entry, &ctx);
    for n in analysis.needs {
        out.push(n, call.label.get());
    }
    for why in analysis.unknown {
        out.unknown(call.label.get(), why);
    }
}

/// The name the knowledge base knows a local action of this repository by: `owner/name[/path]`
/// (an action's own repository runs it as `uses: ./`).
fn self_name(repo: &Repo, rel: &str) -> Option<String> {
    let id = repo.identity.as_deref()?;
    Some(if rel.is_empty() {
        id.to_string()
    } else {
        format!("{id}/{rel}")
    })
}

/// `actions/checkout` with `persist-credentials: true` written out, followed by `run:` steps:
/// the author keeps the token for git commands a script runs (a push, usually), which wffmt
/// cannot see. Grant `contents: write` rather than break the push.
/// `keys`: those of each step.
fn persisted_credentials(steps: &[Step], keys: &[StepKeys], out: &mut JobNeeds) {
    for (i, (step, step_keys)) in steps.iter().zip(keys).enumerate() {
        let t = step.tree;
        let is_checkout = step_keys.uses.map(|u| text_in(t, u)).is_some_and(|u| {
            u.as_bytes()
                .get(..17)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"actions/checkout@"))
        });
        if !is_checkout {
            continue;
        }
        let with = step_keys::pairs(t, step_keys.with);
        let get = |k: &str| {
            with.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| text_of(t, *v))
        };
        let persisted = get("persist-credentials").is_some_and(|v| v.trim() == "true");
        let own_token = get("token")
            .is_some_and(|v| kb::classify_token_value(&v) == Some(kb::TokenSource::Other));
        let runs_later = keys[i + 1..].iter().any(|k| k.run.is_some());
        if persisted && !own_token && runs_later {
            out.push(
                Need {
                    scope: "contents".into(),
                    level: Level::Write,
                    reason: "keeps its credentials (persist-credentials: true) for git commands in later steps".into(),
                    source: "https://github.com/actions/checkout#usage".into(),
                },
                &label_of(step, step_keys.name, step_keys.uses),
            );
        }
    }
}

/// Replace `${{ inputs.NAME }}` in a composite action's text by the value the caller gives
/// (or the input's default). A text without `inputs.` is given back as it came.
fn substitute_inputs<'t>(text: Cow<'t, str>, inputs: &[(String, String)]) -> Cow<'t, str> {
    if inputs.is_empty() || !text.contains("inputs.") {
        return text;
    }
    let mut out = text.into_owned();
    let mut named = input_names(&out);
    for (name, value) in inputs {
        // Most inputs are not named in the text: neither form can occur.
        if !named.contains(&name.as_str()) && !name.contains([' ', '}']) {
            continue;
        }
        for form in [
            format!("${{{{ inputs.{name} }}}}"),
            format!("${{{{inputs.{name}}}}}"),
        ] {
            out = out.replace(&form, value);
        }
        // A value may name inputs of its own, which the inputs after it replace.
        named = input_names(&out);
    }
    Cow::Owned(out)
}

/// The words after `inputs.` in `text`, up to a blank or `}`: every input a form of
/// [`substitute_inputs`] can name is among them.
fn input_names(text: &str) -> Vec<&str> {
    text.match_indices("inputs.")
        .map(|(i, m)| {
            let rest = &text[i + m.len()..];
            &rest[..rest.find([' ', '}']).unwrap_or(rest.len())]
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_substituted_in_order() {
        let inputs: Vec<(String, String)> = [("a", "${{ inputs.b }}"), ("b", "B"), ("c d", "CD")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let text = "x ${{ inputs.a }} ${{inputs.b}} ${{ inputs.c d }} ${{ inputs.e }}";
        assert_eq!(
            substitute_inputs(text.into(), &inputs),
            "x B B CD ${{ inputs.e }}"
        );
        assert_eq!(
            substitute_inputs("no inputs here".into(), &inputs),
            "no inputs here"
        );
    }
}
