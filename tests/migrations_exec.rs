//! The migrated scripts of the `deprecated-commands` fixtures, executed.
//!
//! For every step whose `run:` the rule changed (with `--unsafe-fixes`), the old script runs
//! under a shim that reads the `::set-output`-family commands from its output the way the runner
//! does (actions/runner `ActionCommand.TryParseV2`: leading blanks trimmed, command names
//! case-insensitive, `%0D`/`%0A`/`%25` decoded in the value), and the new script runs with
//! `GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_STATE` and `GITHUB_PATH` files read the way the runner
//! reads them (`FileCommandManager`: `K=V` lines and `K<<DELIMITER` blocks, one path per line).
//! Both must give the same names and values. The one allowed difference is the one the rule
//! calls unsafe: a value that spans lines, which the old command cut at its first line.
//!
//! bash and sh scripts always run; PowerShell ones when `pwsh` is installed (otherwise the test
//! says so and skips them).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use yaml_rust2::{Yaml, YamlLoader};

/// Names and values a step sets, per file kind (`output`, `env`, `state`) and its path entries.
#[derive(Debug, Default, PartialEq, Eq)]
struct Effects {
    values: BTreeMap<(String, String), String>,
    path: Vec<String>,
    /// The script's exit status and standard error: a rewrite must not make the step fail.
    status: Option<i32>,
    stderr: String,
}

/// The runner's parsing of one output line as a command.
fn parse_command_line(line: &str, into: &mut Effects) {
    let line = line.trim_start();
    let Some(rest) = line.strip_prefix("::") else {
        return;
    };
    let Some(end) = rest.find("::") else {
        return;
    };
    let info = &rest[..end];
    let data = unescape(
        &rest[end + 2..],
        &[("%0D", "\r"), ("%0A", "\n"), ("%25", "%")],
    );
    let (name, props) = match info.split_once(' ') {
        Some((n, p)) => (n, p.trim()),
        None => (info, ""),
    };
    let mut properties = BTreeMap::new();
    for p in props.split(',').filter(|p| !p.is_empty()) {
        if let Some((k, v)) = p.split_once('=') {
            if !k.is_empty() && !v.is_empty() {
                let v = unescape(
                    v,
                    &[
                        ("%0D", "\r"),
                        ("%0A", "\n"),
                        ("%3A", ":"),
                        ("%2C", ","),
                        ("%25", "%"),
                    ],
                );
                properties.insert(k.to_ascii_lowercase(), v);
            }
        }
    }
    let kind = match name.to_ascii_lowercase().as_str() {
        "set-output" => "output",
        "save-state" => "state",
        "set-env" => "env",
        "add-path" => {
            into.path.push(data);
            return;
        }
        _ => return,
    };
    if let Some(key) = properties.get("name") {
        into.values.insert((kind.to_string(), key.clone()), data);
    }
}

fn unescape(s: &str, mappings: &[(&str, &str)]) -> String {
    let mut out = s.to_string();
    for (from, to) in mappings {
        out = out.replace(from, to);
    }
    out
}

/// The runner's parsing of an environment file (`EnvFileKeyValuePairs`).
fn parse_env_file(text: &str, kind: &str, into: &mut Effects) {
    let mut lines = text.split_inclusive('\n');
    while let Some(raw) = lines.next() {
        let line = raw.trim_end_matches('\n').trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        let heredoc = line.find("<<");
        match (eq, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                into.values.insert(
                    (kind.to_string(), line[..e].to_string()),
                    line[e + 1..].to_string(),
                );
            }
            (_, Some(h)) => {
                let key = &line[..h];
                let delimiter = &line[h + 2..];
                assert!(
                    !key.is_empty() && !delimiter.is_empty(),
                    "invalid line {line:?}"
                );
                let mut value = String::new();
                let mut closed = false;
                for raw in lines.by_ref() {
                    let l = raw.trim_end_matches('\n').trim_end_matches('\r');
                    if l == delimiter {
                        closed = true;
                        break;
                    }
                    assert!(raw.ends_with('\n'), "value line without a line break");
                    value.push_str(raw);
                }
                assert!(closed, "delimiter {delimiter} not found");
                // The value ends before the last value line's line break.
                if value.ends_with('\n') {
                    value.pop();
                    if value.ends_with('\r') {
                        value.pop();
                    }
                }
                into.values
                    .insert((kind.to_string(), key.to_string()), value);
            }
            _ => panic!("invalid format {line:?}"),
        }
    }
}

/// How to run a script file with a shell.
fn shell_command(shell: &str, file: &Path) -> Option<Command> {
    let mut c = match shell {
        "bash" => {
            let mut c = Command::new("bash");
            c.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(file);
            c
        }
        "sh" => {
            let mut c = Command::new("sh");
            c.arg("-e").arg(file);
            c
        }
        "pwsh" => {
            let mut c = Command::new("pwsh");
            c.args(["-NoProfile", "-NonInteractive", "-Command"])
                .arg(format!(". '{}'", file.display()));
            c
        }
        _ => return None,
    };
    c.stdin(Stdio::null());
    Some(c)
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Runs `script` with `shell` in a fresh directory; the effects it has on the runner.
fn execute(script: &str, shell: &str) -> Effects {
    let dir = tempfile::tempdir().unwrap();
    let ext = if shell == "pwsh" { "ps1" } else { "sh" };
    let file = dir.path().join(format!("step.{ext}"));
    std::fs::write(&file, script).unwrap();
    let files = [
        ("GITHUB_OUTPUT", "output"),
        ("GITHUB_ENV", "env"),
        ("GITHUB_STATE", "state"),
        ("GITHUB_PATH", "path"),
    ];
    let mut cmd = shell_command(shell, &file).unwrap();
    cmd.current_dir(dir.path())
        .env("CI", "true")
        .env("HOME", "/home/runner");
    for (var, _) in files {
        let p = dir.path().join(var.to_ascii_lowercase());
        std::fs::write(&p, "").unwrap();
        cmd.env(var, &p);
    }
    let out = cmd.output().expect("the shell runs");
    let mut effects = Effects {
        status: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).replace(&*dir.path().to_string_lossy(), "DIR"),
        ..Effects::default()
    };
    for stream in [&out.stdout, &out.stderr] {
        for line in String::from_utf8_lossy(stream).lines() {
            parse_command_line(line, &mut effects);
        }
    }
    for (var, kind) in files {
        let text = std::fs::read_to_string(dir.path().join(var.to_ascii_lowercase())).unwrap();
        if kind == "path" {
            effects
                .path
                .extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
        } else {
            parse_env_file(&text, kind, &mut effects);
        }
    }
    effects
}

/// `${{ expr }}` -> a fixed value per expression (the runner substitutes them first).
fn substitute_expressions(script: &str) -> String {
    let mut out = String::new();
    let mut rest = script;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").map_or(rest.len(), |e| i + e + 2);
        let expr: String = rest[i + 3..end.saturating_sub(2)]
            .trim()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        out.push_str(&format!("value_of_{expr}"));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The shell of a step the way the runner picks it.
fn shell_of(doc: &Yaml, job: Option<&Yaml>, step: &Yaml) -> String {
    let from = |y: &Yaml| {
        y.as_str()
            .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
    };
    from(&step["shell"])
        .or_else(|| job.and_then(|j| from(&j["defaults"]["run"]["shell"])))
        .or_else(|| from(&doc["defaults"]["run"]["shell"]))
        .unwrap_or_else(|| {
            let runs_on = job
                .map(|j| format!("{:?}", j["runs-on"]))
                .unwrap_or_default();
            if runs_on.contains("windows") {
                "pwsh".into()
            } else {
                "bash".into()
            }
        })
}

/// (where, shell, old script, new script) for every changed `run:`.
fn changed_steps(old: &Yaml, new: &Yaml) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    let mut compare = |place: String, job: Option<&Yaml>, olds: &Yaml, news: &Yaml| {
        if let (Yaml::Array(a), Yaml::Array(b)) = (olds, news) {
            for (i, (s, t)) in a.iter().zip(b).enumerate() {
                if let (Some(x), Some(y)) = (s["run"].as_str(), t["run"].as_str()) {
                    if x != y {
                        out.push((
                            format!("{place}[{i}]"),
                            shell_of(old, job, s),
                            x.to_string(),
                            y.to_string(),
                        ));
                    }
                }
            }
        }
    };
    if let Yaml::Hash(jobs) = &old["jobs"] {
        for (id, job) in jobs {
            let id = id.as_str().unwrap_or("?");
            compare(
                format!("jobs.{id}.steps"),
                Some(job),
                &job["steps"],
                &new["jobs"][id]["steps"],
            );
        }
    }
    compare(
        "runs.steps".into(),
        None,
        &old["runs"]["steps"],
        &new["runs"]["steps"],
    );
    out
}

#[test]
fn migrated_scripts_set_the_same_outputs_state_env_and_path() {
    let dir = common::project_dir().join("corpus/fixtures/deprecated-commands");
    let pwsh = available("pwsh");
    if !pwsh {
        eprintln!("skipping PowerShell steps: `pwsh` is not installed (.ci/run installs it when a registry offers it)");
    }
    let mut failures = Vec::new();
    let mut executed = 0;
    let mut multi_line_differences = 0;
    for input in common::files_under(&dir, &[".in.yml"]) {
        let case = input
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".in.yml", "");
        let unsafe_out = input.with_file_name(format!("{case}.unsafe.yml"));
        let safe_out = input.with_file_name(format!("{case}.out.yml"));
        let new_path = if unsafe_out.exists() {
            &unsafe_out
        } else {
            &safe_out
        };
        let load = |p: &Path| {
            let text = std::fs::read_to_string(p).unwrap();
            YamlLoader::load_from_str(text.trim_start_matches('\u{feff}'))
                .unwrap()
                .remove(0)
        };
        let (old, new) = (load(&input), load(new_path));
        let safe = load(&safe_out);
        let safe_steps = changed_steps(&old, &safe);
        for (place, shell, before, after) in changed_steps(&old, &new) {
            if shell == "pwsh" && !pwsh {
                continue;
            }
            if shell_command(&shell, Path::new("x")).is_none() {
                continue;
            }
            executed += 1;
            let a = execute(&substitute_expressions(&before), &shell);
            let b = execute(&substitute_expressions(&after), &shell);
            if (a.status, &a.stderr) != (b.status, &b.stderr) {
                failures.push(format!(
                    "{case} {place}: exit status {:?} != {:?}, standard error {:?} != {:?}\n--- new\n{after}",
                    a.status, b.status, a.stderr, b.stderr
                ));
            }
            if a.path != b.path {
                failures.push(format!("{case} {place}: PATH {:?} != {:?}", a.path, b.path));
            }
            let keys: std::collections::BTreeSet<_> =
                a.values.keys().chain(b.values.keys()).collect();
            for key in keys {
                let (x, y) = (a.values.get(key), b.values.get(key));
                if x == y {
                    continue;
                }
                // The documented unsafe difference: a value spanning lines, cut by the old
                // command, whole in the new form — only where the change is an unsafe one.
                let cut = matches!((x, y), (Some(x), Some(y)) if y.contains('\n') && y.lines().next() == Some(x.as_str()));
                let unsafe_change = !safe_steps
                    .iter()
                    .any(|(p, _, _, s)| *p == place && *s == after);
                if cut && unsafe_change {
                    multi_line_differences += 1;
                    continue;
                }
                failures.push(format!("{case} {place}: {key:?}: old {x:?}, new {y:?}\n--- old\n{before}\n--- new\n{after}"));
            }
            if a.values.is_empty() && a.path.is_empty() {
                failures.push(format!(
                    "{case} {place}: the old script set nothing (the test would prove nothing)"
                ));
            }
        }
    }
    println!("executed {executed} migrated steps; {multi_line_differences} values spanning lines kept whole by the unsafe form");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(executed >= 15, "only {executed} steps executed");
    assert!(
        multi_line_differences >= 1,
        "the multi-line case was not exercised"
    );
}

#[test]
fn the_shim_and_the_file_reader_follow_the_runner() {
    let mut e = Effects::default();
    parse_command_line("  ::set-output name=a::x%0Ay%25", &mut e);
    parse_command_line("::SET-ENV name=B::1", &mut e);
    parse_command_line("::add-path::/opt/bin", &mut e);
    parse_command_line("::warning::not ours", &mut e);
    assert_eq!(e.values[&("output".into(), "a".into())], "x\ny%");
    assert_eq!(e.values[&("env".into(), "B".into())], "1");
    assert_eq!(e.path, ["/opt/bin"]);
    let mut f = Effects::default();
    parse_env_file(
        "a=1=2\nb<<EOF\nline 1\nline 2\nEOF\n\nc<<X\nX\n",
        "output",
        &mut f,
    );
    assert_eq!(f.values[&("output".into(), "a".into())], "1=2");
    assert_eq!(f.values[&("output".into(), "b".into())], "line 1\nline 2");
    assert_eq!(f.values[&("output".into(), "c".into())], "");
}
