//! `deprecated-commands`: replace the `::set-output`, `::save-state`, `::set-env` and
//! `::add-path` workflow commands that `run:` scripts print with writes to the environment
//! files the runner reads instead (`$GITHUB_OUTPUT`, `$GITHUB_STATE`, `$GITHUB_ENV`,
//! `$GITHUB_PATH`).
//!
//! ## What it does
//! In the `run:` scripts of workflows and composite actions, with the shell the step really uses
//! ([`step_shell`]): bash and sh scripts are read with the shared shell reader ([`bash`]),
//! PowerShell ones statement by statement ([`pwsh`]); other shells are only reported.
//! - A value of literal text keeps the simple form `echo "K=V" >> "$GITHUB_OUTPUT"`, a safe
//!   fix (`%25` in a literal becomes `%`, as the old command decoded it).
//! - A value that may span lines (a variable, a command substitution, an expression not known to
//!   hold one line) gets the `K<<DELIMITER` form with a delimiter the script does not contain,
//!   an unsafe fix: the old command kept only the first line.
//! - Commands built at run time (loops, functions, pipes, `printf` with a variable name, other
//!   programs) are reported.
//! - `ACTIONS_ALLOW_UNSECURE_COMMANDS: true` is removed (unsafe: an action may still need it)
//!   once no step in its scope prints `::set-env` or `::add-path`.
//! - References to step outputs (`steps.<id>.outputs.<name>`, `needs.<job>.outputs.<name>`) in
//!   the jobs it touches are checked: a missing step id, or a name no step sets, is reported.
//!
//! Every rewrite of a `run:` value is proven: yaml-rust2 must read the new value as the
//! intended script ([`scalar::prove`]); block scalars keep their indentation and chomping.
//!
//! ## Why
//! The commands are deprecated (`set-output`, `save-state`) or disabled (`set-env`, `add-path`,
//! since 2020 unless a workflow re-enables them), because any program that prints to the log
//! could set outputs and environment variables.

mod advice;
mod bash;
mod command;
mod consumers;
mod pwsh;
mod scalar;
mod step_shell;

use super::{Context, Output, Rule};
use crate::discover::FileKind;
use crate::edit::{Edit, Fix};
use crate::finding::{Finding, Severity};
use crate::migrations;
use crate::shell;
use crate::syntax::views::{ActionMeta, Step, Workflow};
use crate::syntax::{NodeId, NodeKind, SyntaxTree, TokenKind};
pub use command::DeprecatedCommandsConfig;
use scalar::{Route, ScalarText};
use step_shell::Shell;

pub const NAME: &str = "deprecated-commands";

const INSECURE_VAR: &str = "ACTIONS_ALLOW_UNSECURE_COMMANDS";

/// What to do with one occurrence.
pub enum Outcome {
    /// Script edits, and why they are unsafe when they are.
    Fix {
        edits: Vec<Edit>,
        unsafe_reason: Option<String>,
    },
    /// Not rewritten, and why.
    Report { why: String },
    /// In a comment: nothing runs it.
    Comment,
}

impl Outcome {
    fn report(why: &str) -> Outcome {
        Outcome::Report {
            why: why.to_string(),
        }
    }

    /// One line for tests: `SAFE <new script>`, `UNSAFE <new script>` (with the reason when
    /// `with_reason`), `REPORT <why>` or `COMMENT`.
    #[cfg(test)]
    fn describe(self, script: &str, with_reason: bool) -> String {
        match self {
            Outcome::Fix {
                edits,
                unsafe_reason,
            } => {
                let new = scalar::apply(script, &edits);
                match unsafe_reason {
                    Some(r) if with_reason => format!("UNSAFE {new} ({r})"),
                    Some(_) => format!("UNSAFE {new}"),
                    None => format!("SAFE {new}"),
                }
            }
            Outcome::Report { why } => format!("REPORT {why}"),
            Outcome::Comment => "COMMENT".into(),
        }
    }
}

pub struct DeprecatedCommands;

/// A `run:` step and where it is.
struct RunStep<'t> {
    step: Step<'t>,
    route: Route,
    shell: Shell,
    /// The job's id (workflows).
    job: Option<String>,
}

/// What happened in one step.
#[derive(Default)]
struct StepResult {
    /// `set-env`/`add-path` occurrences left as they are.
    insecure_left: usize,
    /// Output names the step's script sets, when all of them can be told.
    outputs: Option<Vec<String>>,
    /// The step printed a deprecated command.
    touched: bool,
}

impl Rule for DeprecatedCommands {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &[
            "jobs.*.steps[*].run",
            "runs.steps[*].run",
            "env.ACTIONS_ALLOW_UNSECURE_COMMANDS",
            "jobs.*.env.ACTIONS_ALLOW_UNSECURE_COMMANDS",
            "jobs.*.steps[*].env.ACTIONS_ALLOW_UNSECURE_COMMANDS",
            "runs.steps[*].env.ACTIONS_ALLOW_UNSECURE_COMMANDS",
        ]
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let tree = cx.tree;
        if !tree.diagnostics().is_empty() || !may_act_on(tree) {
            return out;
        }
        let steps = run_steps(tree, cx.kind);
        let extra = &cx.config.deprecated_commands.single_line;
        let mut results = Vec::new();
        for rs in &steps {
            results.push(step(tree, rs, extra, &mut out));
        }
        insecure_env(tree, cx.kind, &steps, &results, &mut out);
        if let Some(wf) = Workflow::new(tree).filter(|_| cx.kind == FileKind::Workflow) {
            consumers::check(&wf, &steps_outputs(&steps, &results), &mut out);
        }
        out
    }
}

/// Whether the file holds anything this rule acts on: a deprecated command or
/// `ACTIONS_ALLOW_UNSECURE_COMMANDS`. Most files hold neither, and finding that out in the text
/// saves reading every `run:` script. Values are read from the text as written, except
/// double-quoted ones with escapes (`\x3a`, a line joined by `\`): a file with one is always
/// read.
fn may_act_on(tree: &SyntaxTree) -> bool {
    let text = tree.text();
    command::mentioned(text)
        || memchr::memmem::find(text.as_bytes(), INSECURE_VAR.as_bytes()).is_some()
        || (memchr::memchr(b'\\', text.as_bytes()).is_some()
            && tree
                .tokens()
                .iter()
                .any(|t| t.kind == TokenKind::DoubleQuoted && t.text(text).contains('\\')))
}

/// Every `run:` step of the file with its shell.
fn run_steps(tree: &SyntaxTree, kind: FileKind) -> Vec<RunStep<'_>> {
    let mut out = Vec::new();
    match kind {
        FileKind::Workflow => {
            let Some(wf) = Workflow::new(tree) else {
                return out;
            };
            for job in wf.jobs() {
                for step in job.steps() {
                    if step.run().is_some() {
                        out.push(RunStep {
                            shell: step_shell::of_workflow_step(&wf, &job, &step),
                            route: Route::Job(job.id.clone(), step.index),
                            job: Some(job.id.clone()),
                            step,
                        });
                    }
                }
            }
        }
        FileKind::Action => {
            let Some(action) = ActionMeta::new(tree) else {
                return out;
            };
            for step in action.steps() {
                if step.run().is_some() {
                    out.push(RunStep {
                        shell: step_shell::of_composite_step(tree, &step),
                        route: Route::Composite(step.index),
                        job: None,
                        step,
                    });
                }
            }
        }
    }
    out
}

fn finding_at(tree: &SyntaxTree, offset: usize, severity: Severity, msg: String) -> Finding {
    let (line, column) = tree.line_col(offset);
    Finding::new(NAME, severity, line, column, msg)
}

/// Whether the command works only while `ACTIONS_ALLOW_UNSECURE_COMMANDS` is set (`set-env`,
/// `add-path`).
fn needs_unsecure_commands(row: &command::CommandRow) -> bool {
    row.file == "GITHUB_ENV" || row.file == "GITHUB_PATH"
}

/// Processes one `run:` step.
fn step(tree: &SyntaxTree, rs: &RunStep, extra: &[String], out: &mut Output) -> StepResult {
    let mut result = StepResult::default();
    let Some(run) = rs.step.run() else {
        return result;
    };
    let text = match ScalarText::read(tree, run) {
        Some(t) => t,
        None => {
            // A style this rule does not rewrite (folded, multi-line plain...): report.
            let value = tree.scalar_value(run).unwrap_or_default();
            for (_, row) in command::occurrences(&value) {
                result.touched = true;
                if needs_unsecure_commands(row) {
                    result.insecure_left += 1;
                }
                out.findings.push(
                    finding_at(
                        tree,
                        tree.range(run).start,
                        Severity::Warning,
                        format!("`::{}` is deprecated", row.name),
                    )
                    .with_help(format!(
                        "this `run:` is written in a YAML style wffmt does not rewrite; write to ${} by hand",
                        row.file
                    )),
                );
            }
            return result;
        }
    };
    let script = &text.value;
    let occurrences = command::occurrences(script);
    result.outputs = consumers::outputs_of(script);
    if occurrences.is_empty() {
        return result;
    }
    result.touched = true;
    let parsed = match rs.shell {
        Shell::Bash | Shell::Sh => Some(shell::parse(script)),
        _ => None,
    };
    let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
    for (at, row) in occurrences {
        let source_at = text.source_offset(at);
        let not_rewritten = |why: &str| {
            finding_at(
                tree,
                source_at,
                Severity::Warning,
                format!("`::{}` is deprecated and not rewritten: {why}", row.name),
            )
            .with_help(advice::help(row, &rs.shell))
        };
        let outcome = match &rs.shell {
            Shell::Bash | Shell::Sh => bash::analyze(
                script,
                parsed.as_ref().expect("parsed for bash"),
                at,
                rs.shell == Shell::Sh,
                extra,
            ),
            Shell::Pwsh => pwsh::analyze(script, at, false),
            Shell::Powershell51 => pwsh::analyze(script, at, true),
            Shell::Other(p) => Outcome::report(&format!(
                "the step runs `{p}`, which wffmt does not rewrite"
            )),
            Shell::Unknown(why) => Outcome::Report {
                why: format!("the step's shell cannot be told: {why} (set `shell:` on the step)"),
            },
        };
        let insecure = needs_unsecure_commands(row);
        match outcome {
            Outcome::Comment => {
                out.findings.push(
                    finding_at(
                        tree,
                        source_at,
                        Severity::Info,
                        format!("`::{}` in a comment: nothing runs it", row.name),
                    )
                    .with_help(format!(
                        "update the comment to ${} if it documents a command",
                        row.file
                    )),
                );
            }
            Outcome::Report { why } => {
                if insecure {
                    result.insecure_left += 1;
                }
                out.findings.push(not_rewritten(&why));
            }
            Outcome::Fix {
                edits,
                unsafe_reason,
            } => {
                let span = edits.iter().map(|e| e.range.start).min().unwrap_or(at)
                    ..edits.iter().map(|e| e.range.end).max().unwrap_or(at);
                if taken
                    .iter()
                    .any(|t| t.start < span.end.max(span.start + 1) && span.start < t.end)
                {
                    // The same command printed two commands: the first rewrite covers it.
                    continue;
                }
                let new_script = scalar::apply(script, &edits);
                let prove = |file_edits| {
                    scalar::prove(tree.text(), &rs.route, script, &new_script, file_edits)
                };
                // In the scalar's own style; a plain scalar that cannot hold the new script
                // becomes single-quoted.
                let proven = text
                    .source_edits(&edits)
                    .and_then(prove)
                    .or_else(|| text.requoted(&new_script).and_then(|e| prove(vec![e])));
                let Some(file_edits) = proven else {
                    if insecure {
                        result.insecure_left += 1;
                    }
                    out.findings.push(not_rewritten(
                        "the new script cannot be written in this `run:` value's style",
                    ));
                    continue;
                };
                taken.push(span);
                let fix = Fix::new(
                    NAME,
                    format!("replace `::{}` with a write to ${}", row.name, row.file),
                    file_edits,
                );
                migrations::propose(out, fix, unsafe_reason, source_at);
            }
        }
    }
    result
}

impl ScalarText {
    /// The file offset of a script offset.
    fn source_offset(&self, at: usize) -> usize {
        self.source_edits(&[Edit::insert(at, "")])
            .and_then(|e| e.first().map(|e| e.range.start))
            .unwrap_or(0)
    }
}

fn steps_outputs<'a>(
    steps: &'a [RunStep],
    results: &'a [StepResult],
) -> Vec<consumers::StepOutputs<'a>> {
    steps
        .iter()
        .zip(results)
        .map(|(rs, r)| consumers::StepOutputs {
            job: rs.job.as_deref(),
            step: &rs.step,
            outputs: r.outputs.as_deref(),
            touched: r.touched,
        })
        .collect()
}

/// Removes `ACTIONS_ALLOW_UNSECURE_COMMANDS` where no step of its scope prints `::set-env` or
/// `::add-path` any more.
fn insecure_env(
    tree: &SyntaxTree,
    kind: FileKind,
    steps: &[RunStep],
    results: &[StepResult],
    out: &mut Output,
) {
    let left = |filter: &dyn Fn(&RunStep) -> bool| -> usize {
        steps
            .iter()
            .zip(results)
            .filter(|(s, _)| filter(s))
            .map(|(_, r)| r.insecure_left)
            .sum()
    };
    let mut scopes: Vec<(NodeId, usize, &str)> = Vec::new();
    match kind {
        FileKind::Workflow => {
            let Some(wf) = Workflow::new(tree) else {
                return;
            };
            if let Some(env) = wf.get("env") {
                scopes.push((env, left(&|_| true), "the workflow"));
            }
            for job in wf.jobs() {
                if let Some(env) = job.get("env") {
                    let id = job.id.clone();
                    scopes.push((
                        env,
                        left(&|s| s.job.as_deref() == Some(id.as_str())),
                        "the job",
                    ));
                }
                for step in job.steps() {
                    if let Some(env) = step.get("env") {
                        let (id, index) = (job.id.clone(), step.index);
                        let n = left(&|s| {
                            s.job.as_deref() == Some(id.as_str()) && s.step.index == index
                        });
                        scopes.push((env, n, "the step"));
                    }
                }
            }
        }
        FileKind::Action => {
            if let Some(action) = ActionMeta::new(tree) {
                for step in action.steps() {
                    if let Some(env) = step.get("env") {
                        let index = step.index;
                        scopes.push((env, left(&|s| s.step.index == index), "the step"));
                    }
                }
            }
        }
    }
    for (env, remaining, scope) in scopes {
        if !matches!(tree.kind(env), NodeKind::BlockMap | NodeKind::FlowMap) {
            continue;
        }
        let Some(entry) = tree.map_entry(env, INSECURE_VAR) else {
            continue;
        };
        let value = tree
            .entry_value(entry)
            .and_then(|v| tree.scalar_value(v))
            .unwrap_or_default();
        if !value.trim().eq_ignore_ascii_case("true") {
            continue;
        }
        let at = tree.range(entry).start;
        if remaining > 0 {
            out.findings.push(
                finding_at(
                    tree,
                    at,
                    Severity::Warning,
                    format!(
                        "`{INSECURE_VAR}` re-enables `::set-env` and `::add-path`, which {scope} still prints"
                    ),
                )
                .with_help("once those commands write to $GITHUB_ENV / $GITHUB_PATH, remove it"),
            );
            continue;
        }
        let Some(edit) = remove_entry(tree, env, entry) else {
            out.findings.push(
                finding_at(
                    tree,
                    at,
                    Severity::Warning,
                    format!("`{INSECURE_VAR}` is no longer needed by {scope}'s scripts"),
                )
                .with_help("remove it by hand (wffmt does not remove entries written this way)"),
            );
            continue;
        };
        let fix = Fix::new(
            NAME,
            format!("remove `{INSECURE_VAR}`: no script in {scope} prints `::set-env` or `::add-path` any more"),
            vec![edit],
        );
        migrations::propose(
            out,
            fix,
            Some(format!(
                "an action or a program that {scope} runs may still print `::set-env` or `::add-path`, which then fail"
            )),
            at,
        );
    }
}

/// The edit that removes `entry` from the block mapping `map`: its lines, or the whole mapping
/// written as `{}` when it is the only entry. `None` for flow mappings and entries with
/// comments.
fn remove_entry(tree: &SyntaxTree, map: NodeId, entry: NodeId) -> Option<Edit> {
    if tree.kind(map) != NodeKind::BlockMap || tree.trailing_comment(entry).is_some() {
        return None;
    }
    if tree.map_entries(map).count() == 1 {
        // `env:` with nothing left: `env: {}` on the key's line when no comment is in between.
        let colon_end = tree
            .parent(map)
            .and_then(|e| tree.entry_colon(e))
            .map(|i| tree.tokens()[i].end as usize);
        let map_range = tree.range(map);
        return Some(match colon_end {
            Some(c) if !tree.text()[c..map_range.start].contains('#') => {
                Edit::replace(c..map_range.end, " {}")
            }
            _ => Edit::replace(map_range, "{}"),
        });
    }
    let range = tree.range(entry);
    let text = tree.text();
    let start = tree.line_start(range.start);
    if !text[start..range.start].trim().is_empty() {
        // Something else precedes it on its line (`- env:` compact forms).
        return None;
    }
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i + 1);
    if !text[range.end..end].trim().is_empty() {
        return None;
    }
    Some(Edit::delete(start..end))
}
