//! The shell a `run:` step really uses: its `shell:`, else `defaults.run.shell` of its job, else
//! of the workflow, else the runner's default (bash, falling back to sh, on Linux and macOS;
//! PowerShell Core on Windows), which depends on `runs-on`.

use crate::syntax::views::{Job, Step, Workflow};
use crate::syntax::{NodeId, NodeKind, SyntaxTree};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shell {
    /// `bash` (or the runner's default on Linux and macOS).
    Bash,
    /// `sh`, dash-like: `echo` interprets backslashes.
    Sh,
    /// `pwsh` (PowerShell Core; the runner's default on Windows).
    Pwsh,
    /// `powershell` (Windows PowerShell 5.1, whose `>>` writes UTF-16).
    Powershell51,
    /// Another program (`python`, `cmd`, a custom template): only reported.
    Other(String),
    /// Cannot be told (the runner's default on a runner named by an expression, or a mix of
    /// operating systems).
    Unknown(String),
}

/// The program of a `shell:` value (`bash -e {0}` -> `bash`).
pub fn from_value(value: &str) -> Shell {
    let program = value.split_whitespace().next().unwrap_or("");
    let program = program.rsplit(['/', '\\']).next().unwrap_or(program);
    match program.to_ascii_lowercase().trim_end_matches(".exe") {
        "bash" => Shell::Bash,
        "sh" | "dash" => Shell::Sh,
        "pwsh" => Shell::Pwsh,
        "powershell" => Shell::Powershell51,
        "" => Shell::Unknown("an empty `shell:`".into()),
        other => Shell::Other(other.to_string()),
    }
}

fn scalar(tree: &SyntaxTree, node: Option<NodeId>) -> Option<String> {
    node.and_then(|n| tree.scalar_value(n))
        .map(|v| v.into_owned())
}

fn defaults_shell(tree: &SyntaxTree, map: Option<NodeId>) -> Option<String> {
    let defaults = map.and_then(|m| tree.map_get(m, "defaults"))?;
    let run = tree.map_get(defaults, "run")?;
    scalar(tree, tree.map_get(run, "shell"))
}

/// The shell of a workflow step.
pub fn of_workflow_step(wf: &Workflow, job: &Job, step: &Step) -> Shell {
    let tree = wf.tree;
    if let Some(s) = scalar(tree, step.get("shell")) {
        return from_value(&s);
    }
    if let Some(s) = defaults_shell(tree, job.map) {
        return from_value(&s);
    }
    if let Some(s) = defaults_shell(tree, Some(wf.root)) {
        return from_value(&s);
    }
    if job.get("container").is_some() {
        // Container jobs run on Linux.
        return Shell::Bash;
    }
    match runner_os(tree, job) {
        Os::Unix => Shell::Bash,
        Os::Windows => Shell::Pwsh,
        Os::Unknown(why) => Shell::Unknown(why),
    }
}

/// The shell of a composite action's step (`shell:` is required there).
pub fn of_composite_step(tree: &SyntaxTree, step: &Step) -> Shell {
    match scalar(tree, step.get("shell")) {
        Some(s) => from_value(&s),
        None => Shell::Unknown("a composite action step without `shell:`".into()),
    }
}

enum Os {
    Unix,
    Windows,
    Unknown(String),
}

/// The operating system `runs-on` names, from its labels (literal, a list, a runner group's
/// `labels`, or the literal values of the matrix key it reads).
fn runner_os(tree: &SyntaxTree, job: &Job) -> Os {
    let Some(runs_on) = job.get("runs-on") else {
        return Os::Unknown("the job has no `runs-on`".into());
    };
    let mut labels: Vec<String> = Vec::new();
    match tree.kind(runs_on) {
        NodeKind::Scalar => {
            let value = scalar(tree, Some(runs_on)).unwrap_or_default();
            match matrix_key(&value) {
                Some(key) => match matrix_values(tree, job, &key) {
                    Some(values) => labels.extend(values),
                    None => {
                        return Os::Unknown(format!(
                            "`runs-on: {value}` reads matrix values that are not all literal"
                        ))
                    }
                },
                None => labels.push(value),
            }
        }
        NodeKind::BlockSeq | NodeKind::FlowSeq => {
            labels.extend(
                tree.seq_items(runs_on)
                    .filter_map(|i| scalar(tree, Some(i))),
            );
        }
        NodeKind::BlockMap | NodeKind::FlowMap => {
            if let Some(l) = tree.map_get(runs_on, "labels") {
                match tree.kind(l) {
                    NodeKind::Scalar => labels.extend(scalar(tree, Some(l))),
                    _ => labels.extend(tree.seq_items(l).filter_map(|i| scalar(tree, Some(i)))),
                }
            }
        }
        _ => {}
    }
    let mut windows = false;
    let mut unix = false;
    for label in &labels {
        let l = label.to_ascii_lowercase();
        if l.contains("${{") {
            return Os::Unknown(format!("`runs-on` is an expression (`{label}`)"));
        }
        if l.contains("windows") {
            windows = true;
        } else if [
            "ubuntu", "linux", "macos", "mac", "debian", "fedora", "alpine",
        ]
        .iter()
        .any(|k| l.contains(k))
        {
            unix = true;
        }
    }
    match (windows, unix) {
        (true, true) => Os::Unknown("the job runs on Windows and on other systems".into()),
        (true, false) => Os::Windows,
        (false, true) => Os::Unix,
        (false, false) => Os::Unknown(format!(
            "the runner labels ({}) do not say which operating system it is",
            labels.join(", ")
        )),
    }
}

/// `${{ matrix.<key> }}` -> `key`.
fn matrix_key(value: &str) -> Option<String> {
    let inner = value.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim();
    let key = inner.strip_prefix("matrix.")?;
    key.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        .then(|| key.to_string())
}

/// The literal values of `matrix.<key>` (list and `include` entries); `None` when one is not
/// literal.
fn matrix_values(tree: &SyntaxTree, job: &Job, key: &str) -> Option<Vec<String>> {
    let matrix = job
        .get("strategy")
        .and_then(|s| tree.map_get(s, "matrix"))?;
    let mut out = Vec::new();
    if let Some(list) = tree.map_get(matrix, key) {
        if !matches!(tree.kind(list), NodeKind::BlockSeq | NodeKind::FlowSeq) {
            return None;
        }
        for item in tree.seq_items(list) {
            out.push(scalar(tree, Some(item)).filter(|v| !v.contains("${{"))?);
        }
    }
    if let Some(include) = tree.map_get(matrix, "include") {
        for entry in tree.seq_items(include) {
            if let Some(v) = tree.map_get(entry, key) {
                out.push(scalar(tree, Some(v)).filter(|v| !v.contains("${{"))?);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn shells(src: &str) -> Vec<Shell> {
        let tree = parse(src);
        let wf = Workflow::new(&tree).unwrap();
        let mut out = Vec::new();
        for job in wf.jobs() {
            for step in job.steps() {
                out.push(of_workflow_step(&wf, &job, &step));
            }
        }
        out
    }

    #[test]
    fn the_shell_a_step_uses() {
        let src = "defaults:\n  run:\n    shell: sh\njobs:\n  a:\n    runs-on: windows-latest\n    defaults:\n      run:\n        shell: 'bash -e {0}'\n    steps:\n      - run: x\n      - run: x\n        shell: pwsh\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: x\n";
        assert_eq!(shells(src), [Shell::Bash, Shell::Pwsh, Shell::Sh]);
        let src = "jobs:\n  a:\n    runs-on: windows-2022\n    steps:\n      - run: x\n      - run: x\n        shell: python\n  b:\n    strategy:\n      matrix:\n        os: [ubuntu-latest, macos-latest]\n    runs-on: ${{ matrix.os }}\n    steps:\n      - run: x\n  c:\n    strategy:\n      matrix:\n        os: [ubuntu-latest, windows-latest]\n    runs-on: ${{ matrix.os }}\n    steps:\n      - run: x\n  d:\n    runs-on: [self-hosted, gpu]\n    steps:\n      - run: x\n";
        let got = shells(src);
        assert_eq!(got[0], Shell::Pwsh);
        assert_eq!(got[1], Shell::Other("python".into()));
        assert_eq!(got[2], Shell::Bash);
        assert!(matches!(got[3], Shell::Unknown(_)));
        assert!(matches!(got[4], Shell::Unknown(_)));
    }
}
