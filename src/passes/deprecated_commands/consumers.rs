//! The readers of step outputs keep working after a migration: `steps.<id>.outputs.<name>` in
//! a job needs a step with that `id` that sets the name, and `needs.<job>.outputs.<name>` needs
//! the job to declare it under `outputs:`. Checked in the jobs whose scripts print deprecated
//! commands, and for the jobs that read theirs.

use std::collections::BTreeSet;

use crate::finding::{Finding, Severity};
use crate::passes::Output;
use crate::syntax::views::{Step, Workflow};
use crate::syntax::SyntaxTree;

use super::command::{occurrences, parse_prefix};
use super::NAME;

/// What a `run:` step sets.
pub struct StepOutputs<'a> {
    pub job: Option<&'a str>,
    pub step: &'a Step<'a>,
    /// The output names, when every write can be read.
    pub outputs: Option<&'a [String]>,
    pub touched: bool,
}

/// The output names a script sets through `::set-output` or `$GITHUB_OUTPUT`, when every one
/// of them can be read (`None` otherwise, or when the script calls other scripts that could).
pub fn outputs_of(script: &str) -> Option<Vec<String>> {
    let mut names = BTreeSet::new();
    for (at, row) in occurrences(script) {
        if row.file != "GITHUB_OUTPUT" {
            continue;
        }
        names.insert(parse_prefix(&script[at..]).ok()?.key);
    }
    for line in script.lines().filter(|l| l.contains("GITHUB_OUTPUT")) {
        names.insert(written_name(line)?);
    }
    // A script that sets nothing visibly may still run a program that does.
    (!names.is_empty()).then(|| names.into_iter().collect())
}

/// `echo "name=value" >> "$GITHUB_OUTPUT"` (or `name<<EOF`) -> `name`.
fn written_name(line: &str) -> Option<String> {
    let rest = line.trim_start().trim_start_matches("{ ");
    let rest = rest
        .strip_prefix("echo ")
        .or_else(|| rest.strip_prefix("printf "))?
        .trim_start()
        .trim_start_matches(['"', '\'']);
    let end = rest.find(['=', '<'])?;
    let name = &rest[..end];
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
    .then(|| name.to_string())
}

/// `<prefix><a>.outputs.<b>` references in `text`: (a, b, offset).
fn references<'t>(text: &'t str, prefix: &str) -> Vec<(&'t str, &'t str, usize)> {
    let ident = |s: &'t str| -> &'t str {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(s.len());
        &s[..end]
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(prefix) {
        let at = from + i;
        from = at + prefix.len();
        let boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'));
        if !boundary {
            continue;
        }
        let rest = &text[at + prefix.len()..];
        let id = ident(rest);
        let Some(after) = rest[id.len()..].strip_prefix(".outputs.") else {
            continue;
        };
        let name = ident(after);
        if !id.is_empty() && !name.is_empty() {
            out.push((id, name, at));
        }
    }
    out
}

fn warn(tree: &SyntaxTree, at: usize, msg: String, help: &str) -> Finding {
    let (line, column) = tree.line_col(at);
    Finding::new(NAME, Severity::Warning, line, column, msg).with_help(help)
}

/// Checks the references of the jobs with migrated steps.
pub fn check(wf: &Workflow, steps: &[StepOutputs], out: &mut Output) {
    let tree = wf.tree;
    let touched_jobs: BTreeSet<&str> = steps
        .iter()
        .filter(|s| s.touched)
        .filter_map(|s| s.job)
        .collect();
    for job in wf.jobs() {
        let Some(map) = job.map else {
            continue;
        };
        let range = tree.range(map);
        let text = &tree.text()[range.clone()];
        if touched_jobs.contains(job.id.as_str()) {
            let job_steps = job.steps();
            for (id, name, at) in references(text, "steps.") {
                let Some(step) = job_steps.iter().find(|s| {
                    s.get("id")
                        .and_then(|n| tree.scalar_value(n))
                        .is_some_and(|v| v == id)
                }) else {
                    out.findings.push(warn(
                        tree,
                        range.start + at,
                        format!(
                            "`steps.{id}.outputs.{name}`: this job has no step with `id: {id}`"
                        ),
                        "give the step that sets the output this `id`",
                    ));
                    continue;
                };
                let sets = steps
                    .iter()
                    .find(|s| s.job == Some(job.id.as_str()) && s.step.index == step.index)
                    .and_then(|s| s.outputs);
                if let Some(sets) = sets {
                    if !sets.iter().any(|s| s == name) {
                        out.findings.push(warn(
                            tree,
                            range.start + at,
                            format!(
                                "`steps.{id}.outputs.{name}`: step `{id}` sets no output `{name}` (its script sets: {})",
                                sets.join(", ")
                            ),
                            "check the name the step writes to $GITHUB_OUTPUT",
                        ));
                    }
                }
            }
        }
        // Jobs reading the outputs of a migrated job.
        for (needed, name, at) in references(text, "needs.") {
            if !touched_jobs.contains(needed) {
                continue;
            }
            let declared = wf
                .jobs()
                .into_iter()
                .find(|j| j.id == needed)
                .and_then(|j| j.get("outputs"))
                .map(|o| tree.map_entry(o, name).is_some());
            if declared == Some(false) || declared.is_none() {
                out.findings.push(warn(
                    tree,
                    range.start + at,
                    format!("`needs.{needed}.outputs.{name}`: job `{needed}` declares no output `{name}`"),
                    "list it under the job's `outputs:`, mapped to `${{ steps.<id>.outputs.<name> }}`",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_a_script_sets() {
        assert_eq!(
            outputs_of("echo \"::set-output name=a::1\"\necho \"b=2\" >> \"$GITHUB_OUTPUT\"\n{ echo \"c<<X\"; echo x; echo X; } >> \"$GITHUB_OUTPUT\""),
            Some(vec!["a".to_string(), "b".into(), "c".into()])
        );
        assert_eq!(outputs_of("./set-outputs.sh >> \"$GITHUB_OUTPUT\""), None);
        assert_eq!(outputs_of("ls"), None);
    }

    #[test]
    fn finds_references() {
        let r = references(
            "${{ steps.build.outputs.dir }} x.steps.y.outputs.z ${{needs.a.outputs.b}}",
            "steps.",
        );
        assert_eq!(
            r.iter().map(|(a, b, _)| (*a, *b)).collect::<Vec<_>>(),
            [("build", "dir")]
        );
        let r = references("${{needs.a.outputs.b}}", "needs.");
        assert_eq!(r[0].0, "a");
    }
}
