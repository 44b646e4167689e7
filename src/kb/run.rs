//! Needs of a `run:` step: its script and its environment.
//!
//! The script is split into simple commands ([`crate::shell`]); each command is matched against
//! the table in `rules/permissions/run-commands.toml` (program plus subcommand words, the most
//! specific pattern wins), and three kinds of calls are read by code: `gh api`, `curl`/`wget`/
//! `http` to the REST API (method + path, see [`super::api`]), and OIDC token requests
//! (`ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN`, `getIDToken`).
//!
//! Whether a command can use GITHUB_TOKEN at all decides whether it counts:
//! - `gh` uses `GH_TOKEN`, else `GITHUB_TOKEN`; another credential there means no need. With no
//!   token at all gh fails, but the need is still reported (with a note).
//! - `git push` uses the credentials `actions/checkout` persisted (GITHUB_TOKEN by default).
//! - Other commands count only when a variable holding GITHUB_TOKEN reaches them (the step's
//!   effective `env:`, an assignment in the script, or an inline `${{ github.token }}`).
//!
//! A command the table does not know counts as unknown when GITHUB_TOKEN reaches it: a script
//! that receives the token may do anything with it, and the rule must not guess. Commands that
//! never use the token (`echo`, `jq`, `git commit`...) are listed as `no-token` in the data.
//!
//! Wrappers are looked through (`sudo`, `env`, `xargs`, `npx`, `bash -c '...'`, `eval`...), and
//! command substitutions are analysed as scripts of their own.

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use memchr::memmem::Finder;
use serde::Deserialize;

use super::api::{self, ApiNeeds};
use super::entry::toml_error;
use super::graphql;
use super::scopes::{Scopes, ScopesDe};
use super::token::{
    classify_with, expressions, mentions_github_token, shell_vars, Classifier, TokenSource,
};
use super::{Analysis, Level, Need, RunAnalysis};
use crate::shell;

const RUN_COMMANDS: &str = include_str!("../../rules/permissions/run-commands.toml");
const RUN_COMMANDS_NAME: &str = "rules/permissions/run-commands.toml";

/// How a command gets at a GitHub token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    /// `gh`: `GH_TOKEN`, else `GITHUB_TOKEN`.
    Gh,
    /// `git`: the credentials persisted by `actions/checkout`.
    Git,
    /// Reads a token from its environment; counts only when GITHUB_TOKEN reaches it.
    Env,
    /// Always counts (OIDC requests, registry pushes authenticated by an earlier login).
    Always,
    /// Never uses a GitHub token.
    None,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTable {
    #[serde(default)]
    no_token: Vec<String>,
    #[serde(default)]
    command: Vec<RawRule>,
    #[serde(default)]
    graphql_no_scope: Vec<String>,
    #[serde(default)]
    graphql: Vec<RawGraphql>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawGraphql {
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    mutations: Vec<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    needs: ScopesDe,
    #[serde(default)]
    reason: String,
    source: Option<String>,
    unknown: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    run: OneOrMany,
    token: TokenUse,
    #[serde(default)]
    needs: ScopesDe,
    #[serde(default)]
    reason: String,
    source: Option<String>,
    unknown: Option<String>,
    #[serde(default)]
    anywhere: bool,
    when_arg: Option<Vec<String>>,
    unless_arg: Option<Vec<String>>,
    when_mentions: Option<Vec<String>>,
    when_target: Option<Vec<String>>,
    when_token_in: Option<Vec<String>>,
    when_env: Option<Vec<String>>,
    unless_env: Option<Vec<String>>,
    when_json: Option<Vec<String>>,
    #[serde(default)]
    note: String,
}

/// One rule of the command table.
#[derive(Debug, Clone)]
pub struct CommandRule {
    /// Patterns: program, then words (`*` = any one word, `x*` = a word starting with `x`).
    pub patterns: Vec<Vec<String>>,
    /// How the command reaches a token.
    pub token: TokenUse,
    /// Scopes needed.
    pub needs: Scopes,
    /// Short reason.
    pub reason: String,
    /// Reference.
    pub source: String,
    /// Set when the needs cannot be told: why.
    pub unknown: Option<String>,
    /// Pattern words may appear anywhere after the program, in order (build tool tasks).
    pub anywhere: bool,
    /// Counts only when an argument starts with one of these.
    pub when_arg: Option<Vec<String>>,
    /// Does not count when an argument starts with one of these.
    pub unless_arg: Option<Vec<String>>,
    /// Counts only when the command, the script or the environment mentions one of these.
    pub when_mentions: Option<Vec<String>>,
    /// Counts only when the command's own words name one of these (an unexpandable variable
    /// lets a mention elsewhere in the script or environment count).
    pub when_target: Option<Vec<String>>,
    /// Counts only when one of these variables holds GITHUB_TOKEN (or may).
    pub when_token_in: Option<Vec<String>>,
    /// Counts only when one of these variables is set (not to `false`/`0`).
    pub when_env: Option<Vec<String>>,
    /// Does not count when one of these variables is set.
    pub unless_env: Option<Vec<String>>,
    /// Counts only when `--json` asks for one of these fields.
    pub when_json: Option<Vec<String>>,
}

/// What one GraphQL field, mutation or fragment type needs.
#[derive(Debug, Clone)]
pub struct GraphqlRule {
    pub needs: Scopes,
    pub reason: String,
    pub source: String,
    /// Set when GITHUB_TOKEN cannot be given what it needs: why.
    pub unknown: Option<String>,
}

/// The GraphQL part of the command table (see [`super::graphql`]).
#[derive(Debug, Clone, Default)]
pub struct GraphqlTable {
    /// Object fields of queries (`pullRequest { … }`).
    pub fields: HashMap<String, GraphqlRule>,
    /// Mutations (`addComment(…)`).
    pub mutations: HashMap<String, GraphqlRule>,
    /// Types of inline fragments (`... on PullRequest { … }`).
    pub types: HashMap<String, GraphqlRule>,
    /// Object fields that need no scope of their own (`repository`, `nodes`, `author`…).
    pub no_scope: std::collections::HashSet<String>,
}

/// The parsed command table.
#[derive(Debug, Clone, Default)]
pub struct CommandTable {
    rules: Vec<CommandRule>,
    /// Program name → (rule, pattern) indexes of the patterns that start with it, in table
    /// order: a command is matched against its program's patterns only.
    by_program: foldhash::HashMap<String, Vec<(usize, usize)>>,
    graphql: GraphqlTable,
    errors: Vec<String>,
}

impl CommandTable {
    /// Parses a command table document.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<CommandTable, String> {
        let raw: RawTable = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        let mut rules = Vec::new();
        for prog in raw.no_token {
            rules.push(CommandRule {
                patterns: vec![prog.split_whitespace().map(str::to_string).collect()],
                token: TokenUse::None,
                needs: Scopes::new(),
                reason: String::new(),
                source: String::new(),
                unknown: None,
                anywhere: false,
                when_arg: None,
                unless_arg: None,
                when_mentions: None,
                when_target: None,
                when_token_in: None,
                when_env: None,
                unless_env: None,
                when_json: None,
            });
        }
        for r in raw.command {
            let runs = match r.run {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v,
            };
            let patterns: Vec<Vec<String>> = runs
                .iter()
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .collect();
            if patterns.iter().any(Vec::is_empty) || patterns.is_empty() {
                return Err(format!("{origin}: a `run` pattern is empty"));
            }
            let first = runs.first().cloned().unwrap_or_default();
            if !r.needs.0.is_empty() && r.reason.trim().is_empty() {
                return Err(format!("{origin}: `{first}` needs a `reason`"));
            }
            if (!r.needs.0.is_empty() || r.unknown.is_some())
                && r.source.as_deref().unwrap_or("").trim().is_empty()
            {
                return Err(format!("{origin}: `{first}` needs a `source`"));
            }
            let _ = r.note;
            rules.push(CommandRule {
                patterns,
                token: r.token,
                needs: r.needs.0,
                reason: r.reason,
                source: r.source.unwrap_or_default(),
                unknown: r.unknown,
                anywhere: r.anywhere,
                when_arg: r.when_arg,
                unless_arg: r.unless_arg,
                when_mentions: r.when_mentions,
                when_target: r.when_target,
                when_token_in: r.when_token_in,
                when_env: r.when_env,
                unless_env: r.unless_env,
                when_json: r.when_json,
            });
        }
        let mut graphql = GraphqlTable {
            no_scope: raw.graphql_no_scope.into_iter().collect(),
            ..GraphqlTable::default()
        };
        for g in raw.graphql {
            let names = || g.fields.iter().chain(&g.mutations).chain(&g.types);
            let first = names().next().cloned().unwrap_or_default();
            if first.is_empty() {
                return Err(format!(
                    "{origin}: a [[graphql]] table needs `fields`, `mutations` or `types`"
                ));
            }
            let source = g.source.unwrap_or_default();
            if source.trim().is_empty() {
                return Err(format!("{origin}: GraphQL `{first}` needs a `source`"));
            }
            if !g.needs.0.is_empty() && g.reason.trim().is_empty() {
                return Err(format!("{origin}: GraphQL `{first}` needs a `reason`"));
            }
            let rule = GraphqlRule {
                needs: g.needs.0,
                reason: g.reason,
                source,
                unknown: g.unknown,
            };
            for (names, map) in [
                (&g.fields, &mut graphql.fields),
                (&g.mutations, &mut graphql.mutations),
                (&g.types, &mut graphql.types),
            ] {
                for n in names {
                    if map.insert(n.clone(), rule.clone()).is_some() {
                        return Err(format!("{origin}: GraphQL `{n}` is described twice"));
                    }
                }
            }
        }
        let mut by_program: foldhash::HashMap<String, Vec<(usize, usize)>> =
            foldhash::HashMap::default();
        for (r, rule) in rules.iter().enumerate() {
            for (p, pat) in rule.patterns.iter().enumerate() {
                if let Some(program) = pat.first() {
                    by_program.entry(program.clone()).or_default().push((r, p));
                }
            }
        }
        // Kept for the whole run: without the room left by growing.
        rules.shrink_to_fit();
        by_program.shrink_to_fit();
        Ok(CommandTable {
            rules,
            by_program,
            graphql,
            errors: Vec::new(),
        })
    }

    /// The embedded table, parsed once.
    pub fn builtin() -> &'static CommandTable {
        static TABLE: OnceLock<CommandTable> = OnceLock::new();
        TABLE.get_or_init(
            || match CommandTable::from_toml_str(RUN_COMMANDS_NAME, RUN_COMMANDS) {
                Ok(t) => t,
                // A broken data file is a bug the unit tests catch; report, do not panic.
                Err(e) => CommandTable {
                    rules: Vec::new(),
                    by_program: foldhash::HashMap::default(),
                    graphql: GraphqlTable::default(),
                    errors: vec![e],
                },
            },
        )
    }

    /// The rules.
    pub fn rules(&self) -> &[CommandRule] {
        &self.rules
    }

    /// What GraphQL fields, mutations and fragment types need.
    pub fn graphql(&self) -> &GraphqlTable {
        &self.graphql
    }

    /// Problems met while loading the built-in table (empty in a correct build).
    pub fn load_errors(&self) -> &[String] {
        &self.errors
    }
}

/// Needs of a `run:` script given the step's effective environment (workflow, job and step
/// `env:`; names and values as written, expressions included). The script is read as `bash`
/// (PowerShell line continuations are understood too); see [`run_needs_with`].
pub fn run_needs(script: &str, env: &[(String, String)]) -> RunAnalysis {
    run_needs_with(
        script,
        &RunContext {
            env,
            ..RunContext::default()
        },
    )
}

/// Like [`run_needs`], for the step's `shell:`; see [`run_needs_with`].
pub fn run_needs_in_shell(
    script: &str,
    env: &[(String, String)],
    shell: Option<&str>,
) -> RunAnalysis {
    run_needs_with(
        script,
        &RunContext {
            env,
            shell,
            ..RunContext::default()
        },
    )
}

/// Which credentials `git` commands use, from the job's earlier `actions/checkout` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GitAuth {
    /// GITHUB_TOKEN of this repository (a checkout persisted it), or it cannot be told.
    #[default]
    GithubToken,
    /// No checkout left GITHUB_TOKEN for this repository in git's configuration (it used
    /// another token, checked out another repository, or `persist-credentials: false`): a
    /// `git push` uses GITHUB_TOKEN only when the script hands it to git itself.
    NotPersisted,
}

/// Reads a repository file by path: its text, or `None`.
pub type ReadFile<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// What the step around a `run:` script says.
#[derive(Clone, Copy, Default)]
pub struct RunContext<'a> {
    /// The step's effective environment (workflow, job and step `env:`).
    pub env: &'a [(String, String)],
    /// The step's `shell:` (`bash`, `sh`, `pwsh`, `powershell`, `cmd`, `python`, or a custom
    /// `program {0}` template; `None` = the runner's default shell). Scripts in a language other
    /// than a shell cannot be read: if GITHUB_TOKEN reaches them, the result is unknown.
    pub shell: Option<&'a str>,
    /// How `git` authenticates.
    pub git: GitAuth,
    /// Reads a file of the repository by the path a script names (relative to the step's
    /// working directory), so that scripts the step runs (`./scripts/release.sh`,
    /// `bash ci/x.sh`, `source env.sh`) are read too. `None`: they stay opaque.
    pub files: Option<&'a ReadFile<'a>>,
    /// Shared by the steps whose effective environment is this same `env`: whether one of its
    /// variables holds GITHUB_TOKEN, worked out once for all of them. `None`: once per script.
    pub env_token: Option<&'a OnceCell<bool>>,
}

/// Needs of a `run:` script in its context.
pub fn run_needs_with(script: &str, rc: &RunContext<'_>) -> RunAnalysis {
    let program = rc
        .shell
        .and_then(|s| s.split_whitespace().next())
        .map(normalize_program)
        .unwrap_or_default();
    let converted;
    let script = match program {
        "" | "bash" | "sh" | "zsh" | "dash" | "ksh" | "pwsh" | "powershell" => script,
        "cmd" => {
            // `^` continues a line in cmd.
            converted = script.replace("^\r\n", " ").replace("^\n", " ");
            converted.as_str()
        }
        other => {
            let mut cx = new_cx(script, rc);
            let local = Local::new();
            if mentions_github_token(script) || cx.token_in_env(&local) {
                cx.out.push_unknown(format!(
                    "a `{other}` script receives GITHUB_TOKEN; what it does with it cannot be told"
                ));
            }
            cx.oidc();
            return cx.out;
        }
    };
    let mut cx = new_cx(script, rc);
    cx.script(script, 0);
    cx.oidc();
    cx.out
}

fn new_cx<'a>(script: &'a str, rc: &RunContext<'a>) -> Cx<'a> {
    Cx {
        table: CommandTable::builtin(),
        env: rc.env,
        git: rc.git,
        files: rc.files,
        vars: HashMap::new(),
        env_token: Cell::new(None),
        shared_env_token: rc.env_token,
        functions: Vec::new(),
        script,
        out: Analysis::default(),
    }
}

struct Cx<'a> {
    table: &'a CommandTable,
    env: &'a [(String, String)],
    git: GitAuth,
    files: Option<&'a ReadFile<'a>>,
    /// Variables assigned by the script itself (set through [`Cx::set_var`]).
    vars: HashMap<String, String>,
    /// [`Cx::token_in_env`] for a command without assignments of its own, once asked; it
    /// depends only on `env` and `vars`, so it holds until a variable is set.
    env_token: Cell<Option<bool>>,
    /// The same before the script sets a variable, shared with other steps (see [`RunContext`]).
    shared_env_token: Option<&'a OnceCell<bool>>,
    /// Shell functions the script defines: calling one runs commands analysed already.
    functions: Vec<String>,
    script: &'a str,
    out: Analysis,
}

/// Leading `NAME=value` assignments of one command.
type Local = Vec<(String, String)>;

fn is_assignment(w: &str) -> Option<(&str, &str)> {
    let (name, value) = w.split_once('=')?;
    // `a+=x` appends, `a[i]=x` sets an element: both assign to `a`.
    let name = name.strip_suffix('+').unwrap_or(name);
    let name = match name.find('[') {
        Some(i) if name.ends_with(']') => &name[..i],
        _ => name,
    };
    let mut chars = name.chars();
    let first = chars.next()?;
    if (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        Some((name, value))
    } else {
        None
    }
}

fn is_option(w: &str) -> bool {
    w.starts_with('-') && w.len() > 1
}

/// Options that take the next word as their value, per program (so the value is not mistaken
/// for a subcommand).
fn option_takes_value(program: &str, opt: &str) -> bool {
    let list: &[&str] = match program {
        "gh" => &["-R", "--repo", "--hostname"],
        "git" => &["-C", "-c", "--git-dir", "--work-tree", "--namespace"],
        "docker" | "podman" => &["--config", "-H", "--host", "--context", "-l", "--log-level"],
        "mvn" => &[
            "-f",
            "--file",
            "-s",
            "--settings",
            "-gs",
            "-P",
            "-pl",
            "--projects",
            "-rf",
            "-T",
            "--threads",
            "-l",
            "--log-file",
            "-t",
        ],
        "gradle" => &[
            "-p",
            "--project-dir",
            "-x",
            "--exclude-task",
            "-b",
            "--build-file",
            "-c",
            "--settings-file",
            "-g",
            "--gradle-user-home",
            "-I",
            "--init-script",
        ],
        "npm" | "pnpm" | "yarn" => &[
            "--registry",
            "-w",
            "--workspace",
            "--tag",
            "--access",
            "--otp",
            "--prefix",
            "-C",
            "--dir",
            "--filter",
            "-F",
        ],
        "dotnet" | "nuget" => &["-s", "--source", "-k", "--api-key"],
        _ => &[],
    };
    list.contains(&opt)
}

/// Non-option words after the program.
fn positional<'w>(program: &str, args: &[&'w str]) -> Vec<&'w str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        if *w == "--" {
            out.extend(&args[i + 1..]);
            break;
        }
        if is_option(w) {
            if option_takes_value(program, w) {
                i += 1;
            }
        } else {
            out.push(*w);
        }
        i += 1;
    }
    out
}

/// `/usr/bin/gh` -> `gh`, `./gradlew` -> `gradle`, `semantic-release@21` -> `semantic-release`.
/// The name is always a part of `w` or a fixed name: nothing is allocated.
fn normalize_program(w: &str) -> &str {
    // Most programs are written plainly: nothing to strip, lower-case or rename.
    let plain = w
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if plain && !matches!(w, "mvnw" | "gradlew" | "docker-buildx") {
        return w;
    }
    let mut p = w;
    if !p.starts_with('@') {
        p = p.rsplit(['/', '\\']).next().unwrap_or(p);
    }
    // Package specs given to npx-like runners: strip a version.
    let p = if let Some(rest) = p.strip_prefix('@') {
        match rest.find('@') {
            Some(i) => &p[..i + 1],
            None => p,
        }
    } else {
        p.split('@').next().unwrap_or(p)
    };
    // Windows suffixes, in any case (the bytes compared are ASCII, so the cut is on a
    // character boundary).
    let base = [".exe", ".cmd", ".bat"]
        .iter()
        .find(|x| {
            p.len() >= x.len()
                && p.as_bytes()[p.len() - x.len()..].eq_ignore_ascii_case(x.as_bytes())
        })
        .map_or(p, |x| &p[..p.len() - x.len()]);
    for (wrapper, tool) in [
        ("mvnw", "mvn"),
        ("gradlew", "gradle"),
        ("docker-buildx", "docker"),
    ] {
        if base.eq_ignore_ascii_case(wrapper) {
            return tool;
        }
    }
    // Program names are case-sensitive on Linux, but tools are written in lower case.
    if p.bytes().any(|b| b.is_ascii_uppercase()) {
        p
    } else {
        base
    }
}

fn word_matches(pattern: &str, word: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => pattern == word,
    }
}

/// How specific `pattern` matches `program positional...`; `None` when it does not.
fn pattern_matches(pattern: &[String], anywhere: bool, program: &str, pos: &[&str]) -> bool {
    let Some((prog, words)) = pattern.split_first() else {
        return false;
    };
    if prog != program {
        return false;
    }
    if anywhere {
        let mut it = pos.iter();
        words.iter().all(|p| it.any(|w| word_matches(p, w)))
    } else {
        words.len() <= pos.len() && words.iter().zip(pos).all(|(p, w)| word_matches(p, w))
    }
}

impl<'a> Cx<'a> {
    fn lookup_var(&self, local: &Local, name: &str) -> Option<String> {
        self.var(local, name).map(str::to_string)
    }

    /// The value of variable `name` the command sees: its own assignments, then the script's,
    /// then the step's environment.
    fn var<'v>(&'v self, local: &'v Local, name: &str) -> Option<&'v str> {
        let last = |vars: &'v [(String, String)]| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        last(local)
            .or_else(|| self.vars.get(name).map(String::as_str))
            .or_else(|| last(self.env))
    }

    fn classify(&self, local: &Local, value: &str) -> Option<TokenSource> {
        classify_with(value, &|n| self.var(local, n), 0)
    }

    fn var_token(&self, local: &Local, name: &str) -> Option<TokenSource> {
        self.var(local, name).and_then(|v| self.classify(local, v))
    }

    fn set_var(&mut self, name: String, value: String) {
        self.env_token.set(None);
        self.vars.insert(name, value);
    }

    /// Some variable visible to the command holds GITHUB_TOKEN (or may: a token variable with
    /// an unreadable value).
    fn token_in_env(&self, local: &Local) -> bool {
        if !local.is_empty() {
            return self.token_in_variables(local);
        }
        if let Some(shared) = self.shared_env_token.filter(|_| self.vars.is_empty()) {
            return *shared.get_or_init(|| self.token_in_variables(local));
        }
        if let Some(known) = self.env_token.get() {
            return known;
        }
        let known = self.token_in_variables(local);
        self.env_token.set(Some(known));
        known
    }

    fn token_in_variables(&self, local: &Local) -> bool {
        let mut names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        names.extend(self.vars.keys().map(String::as_str));
        names.extend(local.iter().map(|(k, _)| k.as_str()));
        let lookup = |n: &str| self.var(local, n);
        let classifier = Classifier::new(&lookup);
        names.into_iter().any(|n| {
            let Some(value) = self.var(local, n) else {
                return false;
            };
            // Without `$` a value names no other variable: it is the token itself or not
            // (what the classifier says too, without remembering the value).
            let source = if value.contains('$') {
                classifier.classify(value, 0)
            } else {
                mentions_github_token(value.trim()).then_some(TokenSource::GithubToken)
            };
            match source {
                Some(TokenSource::GithubToken) => true,
                Some(TokenSource::Unknown) => is_token_name(n),
                _ => false,
            }
        })
    }

    /// A word of the command passes GITHUB_TOKEN (inline expression or a variable holding it).
    fn words_pass_token(&self, local: &Local, words: &[&str]) -> bool {
        let lookup = |n: &str| self.var(local, n);
        let classifier = Classifier::new(&lookup);
        words.iter().any(|w| {
            mentions_github_token(w)
                || shell_vars(w).iter().any(|n| {
                    lookup(n).and_then(|v| classifier.classify(v, 0))
                        == Some(TokenSource::GithubToken)
                })
        })
    }

    /// Expands `$NAME`, `${NAME}` and `${{ env.NAME }}` with known values (a few levels deep).
    fn expand(&self, local: &Local, w: &str) -> String {
        let mut s = w.to_string();
        for _ in 0..3 {
            for expr in expressions(&s.clone()) {
                if let Some(name) = expr.strip_prefix("env.") {
                    if let Some(v) = self.lookup_var(local, name) {
                        s = s.replace(&format!("${{{{ {expr} }}}}"), &v);
                        s = s.replace(&format!("${{{{{expr}}}}}"), &v);
                    }
                }
            }
            let names: Vec<String> = shell_vars(&s).into_iter().map(str::to_string).collect();
            if names.is_empty() {
                break;
            }
            let mut changed = false;
            for n in names {
                if let Some(v) = self.lookup_var(local, &n) {
                    let braced = format!("${{{n}}}");
                    if s.contains(&braced) {
                        s = s.replace(&braced, &v);
                        changed = true;
                    } else {
                        let plain = format!("${n}");
                        // Replace only whole names (`$A` must not eat `$AB`).
                        let mut outp = String::new();
                        let mut rest = s.as_str();
                        while let Some(i) = rest.find(&plain) {
                            let after = &rest[i + plain.len()..];
                            let boundary = !after
                                .chars()
                                .next()
                                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                            outp.push_str(&rest[..i]);
                            if boundary {
                                outp.push_str(&v);
                                changed = true;
                            } else {
                                outp.push_str(&plain);
                            }
                            rest = after;
                        }
                        outp.push_str(rest);
                        s = outp;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        s
    }

    fn script(&mut self, text: &str, depth: usize) {
        if depth > 4 {
            return;
        }
        let parsed = shell::commands(text);
        self.functions.extend(parsed.functions.iter().cloned());
        let mut words = Vec::new();
        for cmd in parsed.each() {
            words.clear();
            words.extend(cmd);
            self.command(&words, depth);
        }
        for sub in &parsed.substitutions {
            self.script(sub, depth + 1);
        }
    }

    /// One command of the script: wrappers and leading words are stepped over (the command
    /// left is `words[at..]`) until the program that runs is found.
    fn command(&mut self, words: &[&str], depth: usize) {
        let mut local: Local = Vec::new();
        let mut at = 0;
        loop {
            // Leading assignments.
            while let Some((k, v)) = words.get(at).and_then(|w| is_assignment(w)) {
                local.push((k.to_string(), v.to_string()));
                at += 1;
            }
            let rest = &words[at..];
            let Some(first) = rest.first() else {
                // Only assignments: they stay for the rest of the script.
                for (k, v) in local {
                    self.set_var(k, v);
                }
                return;
            };
            match *first {
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "}"
                | "fi" | "done" | "esac" | "time" | "exec" | "nohup" | "builtin" => {
                    at += 1;
                }
                "for" | "case" | "select" | "function" | "in" => return,
                "export" | "declare" | "typeset" | "local" | "readonly" => {
                    for w in &rest[1..] {
                        if let Some((k, v)) = is_assignment(w) {
                            self.set_var(k.to_string(), v.to_string());
                        }
                    }
                    return;
                }
                "command" => {
                    if rest.get(1).is_some_and(|&w| w == "-v" || w == "-V") {
                        return;
                    }
                    at += 1;
                }
                "sudo" => {
                    at += 1;
                    while words.get(at).is_some_and(|w| is_option(w)) {
                        let o = &words[at];
                        at += 1;
                        if matches!(*o, "-u" | "-g" | "-h" | "-p" | "-C" | "-U") && at < words.len()
                        {
                            at += 1;
                        }
                    }
                }
                "env" => {
                    at += 1;
                    while let Some(w) = words.get(at) {
                        if matches!(*w, "-u" | "--unset" | "-C" | "--chdir") {
                            at = (at + 2).min(words.len());
                        } else if is_option(w) {
                            at += 1;
                        } else {
                            break;
                        }
                    }
                }
                "timeout" | "nice" | "stdbuf" | "xargs" => {
                    let prog = *first;
                    at += 1;
                    let valued: &[&str] = match prog {
                        "timeout" => &["-s", "--signal", "-k", "--kill-after"],
                        "nice" => &["-n", "--adjustment"],
                        "xargs" => &["-I", "-n", "-P", "-L", "-d", "-s", "-E", "-a"],
                        _ => &[],
                    };
                    while let Some(w) = words.get(at) {
                        if valued.contains(w) {
                            at = (at + 2).min(words.len());
                        } else if is_option(w) {
                            at += 1;
                        } else {
                            break;
                        }
                    }
                    if prog == "timeout" && at < words.len() {
                        at += 1; // the duration
                    }
                }
                "eval" => {
                    // `eval "$(brew shellenv)"` runs what an environment set-up program prints
                    // (the substitution itself is analysed with the script).
                    if rest[1..].iter().all(|w| evaluates_env_setup(w)) && rest.len() > 1 {
                        return;
                    }
                    let inner = rest[1..].join(" ");
                    self.script(&inner, depth + 1);
                    return;
                }
                _ => {
                    let prog = normalize_program(first);
                    // Shells given a script string.
                    if matches!(prog, "bash" | "sh" | "zsh" | "dash" | "ksh") {
                        if let Some(i) = rest.iter().position(|w| {
                            w.starts_with('-') && !w.starts_with("--") && w.contains('c')
                        }) {
                            if let Some(inner) = rest.get(i + 1) {
                                self.script(inner, depth + 1);
                                return;
                            }
                        }
                    }
                    // A script file of the repository: read it.
                    if let Some((path, shell)) = script_file(prog, rest) {
                        if self.script_file(&path, shell, &local, depth) {
                            return;
                        }
                    }
                    // Package runners: look at the package they run.
                    let runner_skip = match prog {
                        "npx" | "bunx" | "pnpx" | "uvx" => 1,
                        "pnpm" | "yarn"
                            if rest.get(1).is_some_and(|&w| w == "dlx" || w == "exec") =>
                        {
                            2
                        }
                        "npm" if rest.get(1).is_some_and(|&w| w == "exec" || w == "x") => 2,
                        "pipx" | "poetry" | "uv" | "pdm" | "hatch" | "rye"
                            if rest.get(1).is_some_and(|&w| w == "run") =>
                        {
                            2
                        }
                        "bundle" if rest.get(1).is_some_and(|&w| w == "exec") => 2,
                        "dotnet"
                            if rest.get(1).is_some_and(|&w| w == "tool")
                                && rest.get(2).is_some_and(|&w| w == "run") =>
                        {
                            3
                        }
                        _ => 0,
                    };
                    if runner_skip > 0 {
                        if prog == "npx" {
                            if let Some(i) = rest.iter().position(|&w| w == "-c" || w == "--call") {
                                if let Some(inner) = rest.get(i + 1) {
                                    self.script(inner, depth + 1);
                                    return;
                                }
                            }
                        }
                        at = (at + runner_skip).min(words.len());
                        while let Some(w) = words.get(at) {
                            if matches!(
                                *w,
                                "-p" | "--package"
                                    | "--from"
                                    | "--with"
                                    | "--python"
                                    | "--project"
                                    | "--directory"
                                    | "--extra"
                                    | "--group"
                                    | "--env-file"
                                    | "--index"
                                    | "--index-url"
                                    | "-C"
                                    | "--cwd"
                            ) {
                                at = (at + 2).min(words.len());
                            } else if is_option(w) || *w == "--" {
                                at += 1;
                            } else {
                                break;
                            }
                        }
                        continue;
                    }
                    self.simple(prog, rest, &local);
                    return;
                }
            }
        }
    }

    /// A simple command after wrappers and assignments.
    fn simple(&mut self, program: &str, words: &[&str], local: &Local) {
        let args = &words[1..];
        if words
            .first()
            .is_some_and(|w| self.functions.iter().any(|f| f == w))
        {
            // Its body is analysed with the script; it may also run its arguments (`"$@"`).
            self.wrapped(words, local);
            return;
        }
        // Builtins and environment set-up programs (`brew shellenv`) run nothing with a token.
        if shell::is_plain_builtin(program) || shell::prints_env_setup(words) {
            return;
        }
        if matches!(program, "curl" | "wget" | "http" | "https" | "xh" | "xhs") {
            self.http(program, args, local);
            return;
        }
        let pos = positional(program, args);
        if program == "gh" && pos.first().is_some_and(|w| *w == "api") {
            self.gh_api(args, local);
            return;
        }

        let table = self.table;
        // The most specific pattern wins: literal words count double, `*` once. Every rule
        // with the best score applies, in table order.
        let score =
            |pat: &Vec<String>| -> usize { pat.iter().map(|w| if w == "*" { 1 } else { 2 }).sum() };
        let candidates = table.by_program.get(program).map_or(&[][..], Vec::as_slice);
        let matching = || {
            candidates.iter().filter_map(|&(r, p)| {
                let rule = &table.rules[r];
                let pat = &rule.patterns[p];
                pattern_matches(pat, rule.anywhere, program, &pos).then_some((rule, pat))
            })
        };
        let Some(best_score) = matching().map(|(_, pat)| score(pat)).max() else {
            self.opaque(program, words, local);
            return;
        };
        for (rule, pat) in matching() {
            if score(pat) == best_score {
                self.apply_rule(rule, pat, words, local);
            }
        }
    }

    /// A wrapper we do not know (`retry git push`, `with-lock gh release create`): looks at
    /// the command it is given.
    fn wrapped(&mut self, words: &[&str], local: &Local) {
        if let Some(i) = words.iter().skip(1).position(|w| {
            matches!(
                normalize_program(w),
                "gh" | "git"
                    | "docker"
                    | "podman"
                    | "npm"
                    | "pnpm"
                    | "yarn"
                    | "mvn"
                    | "gradle"
                    | "cosign"
                    | "curl"
                    | "wget"
            )
        }) {
            let inner = &words[i + 1..];
            self.simple(normalize_program(inner[0]), inner, local);
        }
    }

    fn opaque(&mut self, program: &str, words: &[&str], local: &Local) {
        self.wrapped(words, local);
        if self.words_pass_token(local, words) {
            self.out.push_unknown(format!(
                "`{program}` is given GITHUB_TOKEN; what it does with it cannot be told"
            ));
        } else if self.token_in_env(local) {
            self.out.push_unknown(format!(
                "`{program}` runs with GITHUB_TOKEN in its environment; what it does with it \
                 cannot be told"
            ));
        }
    }

    /// Applies a rule whose `pattern` the command matches.
    fn apply_rule(
        &mut self,
        rule: &CommandRule,
        pattern: &[String],
        words: &[&str],
        local: &Local,
    ) {
        let args = &words[1..];
        let starts = |list: &Vec<String>| {
            args.iter()
                .any(|a| list.iter().any(|p| a.starts_with(p.as_str())))
        };
        if rule.when_arg.as_ref().is_some_and(|l| !starts(l)) {
            return;
        }
        if rule.unless_arg.as_ref().is_some_and(starts) {
            return;
        }
        if let Some(fields) = &rule.when_json {
            let asked = json_fields(args);
            if !fields.iter().any(|f| asked.contains(&f.as_str())) {
                return;
            }
        }
        let is_set = |n: &String| {
            self.lookup_var(local, n).is_some_and(|v| {
                let v = v.trim();
                !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0"
            })
        };
        if rule
            .when_env
            .as_ref()
            .is_some_and(|l| !l.iter().any(is_set))
        {
            return;
        }
        if rule
            .unless_env
            .as_ref()
            .is_some_and(|l| l.iter().any(is_set))
        {
            return;
        }
        if let Some(vars) = &rule.when_token_in {
            if !vars.iter().any(|n| {
                self.var_token(local, n)
                    .is_some_and(TokenSource::may_be_github_token)
            }) {
                return;
            }
        }
        if let Some(hosts) = &rule.when_mentions {
            if !self.mentions(local, words, hosts, false) {
                return;
            }
        }
        if let Some(hosts) = &rule.when_target {
            if !self.mentions(local, words, hosts, true) {
                return;
            }
        }

        let mut note = String::new();
        match rule.token {
            TokenUse::None => return,
            TokenUse::Always => {}
            TokenUse::Env => {
                if !self.token_in_env(local) && !self.words_pass_token(local, words) {
                    return;
                }
            }
            TokenUse::Git => {
                if self.git == GitAuth::NotPersisted
                    && !self.token_in_env(local)
                    && !self.words_pass_token(local, words)
                {
                    return;
                }
                let other = words.iter().any(|w| {
                    (w.contains("@github.com") || w.contains("x-access-token"))
                        && self.classify(local, w) == Some(TokenSource::Other)
                        && (!expressions(w).is_empty() || !shell_vars(w).is_empty())
                });
                if other {
                    return;
                }
            }
            TokenUse::Gh => match self.gh_token(local) {
                Some(TokenSource::Other) => return,
                Some(_) => {}
                None => note = " (no GH_TOKEN in the step's env: gh fails without one)".into(),
            },
        }
        let pattern = pattern.join(" ");

        if let Some(why) = &rule.unknown {
            self.out.push_unknown(format!("`{pattern}`: {why}"));
        }
        for (scope, level) in &rule.needs {
            self.out.push(Need {
                scope: scope.clone(),
                level: *level,
                reason: format!("{} (`{pattern}`){note}", rule.reason),
                source: rule.source.clone(),
            });
        }
    }

    /// Whether the command is about one of `hosts`. `target_only`: the command's own words
    /// must name it (after expanding known variables), except that a variable that cannot be
    /// expanded lets a mention anywhere in the script or environment count. Otherwise a mention
    /// anywhere counts (configuration such as an `.npmrc` or `settings.xml` is invisible here).
    fn mentions(&self, local: &Local, words: &[&str], hosts: &[String], target_only: bool) -> bool {
        let hit = |s: &str| {
            let l = s.to_ascii_lowercase();
            hosts.iter().any(|h| l.contains(&h.to_ascii_lowercase()))
        };
        let mut unresolved = false;
        for w in words {
            let x = self.expand(local, w);
            if hit(&x) {
                return true;
            }
            if !shell_vars(&x).is_empty() || x.contains("${{") {
                unresolved = true;
            }
        }
        let elsewhere = hit(self.script)
            || self.env.iter().any(|(_, v)| hit(v))
            || self.vars.values().any(|v| hit(v))
            || local.iter().any(|(_, v)| hit(v));
        elsewhere && (unresolved || !target_only)
    }

    fn gh_token(&self, local: &Local) -> Option<TokenSource> {
        self.var_token(local, "GH_TOKEN")
            .or_else(|| self.var_token(local, "GITHUB_TOKEN"))
            .or_else(|| self.var_token(local, "GH_ENTERPRISE_TOKEN"))
            .or_else(|| self.var_token(local, "GITHUB_ENTERPRISE_TOKEN"))
    }

    fn push_api(&mut self, tool: &str, method: &str, path: &str, note: &str) {
        match api::rest_needs(method, path) {
            ApiNeeds::Scopes(scopes) => {
                for (scope, level) in scopes {
                    self.out.push(Need {
                        scope: scope.to_string(),
                        level,
                        reason: format!(
                            "calls the REST API (`{tool} {method} {}`){note}",
                            api::display_path(path)
                        ),
                        source: api::SOURCE.to_string(),
                    });
                }
            }
            ApiNeeds::Nothing => {}
            ApiNeeds::Unknown(why) => self.out.push_unknown(format!(
                "`{tool} {method} {}`: {why}",
                api::display_path(path)
            )),
        }
    }

    fn gh_api(&mut self, args: &[&str], local: &Local) {
        let note = match self.gh_token(local) {
            Some(TokenSource::Other) => return,
            Some(_) => String::new(),
            None => " (no GH_TOKEN in the step's env: gh fails without one)".to_string(),
        };
        let mut method: Option<String> = None;
        let mut path: Option<String> = None;
        let mut fields = false;
        // The GraphQL document: `-f query=…` (or `-F query=@file`).
        let mut query: Option<String> = None;
        let mut i = 0;
        let mut seen_api = false;
        while i < args.len() {
            let w = args[i];
            if !seen_api {
                if w == "api" {
                    seen_api = true;
                } else if option_takes_value("gh", w) {
                    i += 1;
                }
                i += 1;
                continue;
            }
            match w {
                "-X" | "--method" => {
                    method = args.get(i + 1).map(|m| m.to_string());
                    i += 1;
                }
                "-f" | "-F" | "--field" | "--raw-field" | "--input" => {
                    fields = true;
                    if let Some(q) = args.get(i + 1).and_then(|v| v.strip_prefix("query=")) {
                        query = Some(q.to_string());
                    }
                    i += 1;
                }
                "-H" | "--header" | "-q" | "--jq" | "-t" | "--template" | "--hostname" | "-p"
                | "--preview" | "--cache" => i += 1,
                _ if w.starts_with("--method=") => method = Some(w[9..].to_string()),
                _ if w.starts_with("-X") && w.len() > 2 => method = Some(w[2..].to_string()),
                _ if w.starts_with("--field=")
                    || w.starts_with("--raw-field=")
                    || w.starts_with("--input=") =>
                {
                    fields = true;
                    if let Some(q) = w
                        .split_once('=')
                        .and_then(|(_, v)| v.strip_prefix("query="))
                    {
                        query = Some(q.to_string());
                    }
                }
                _ if is_option(w) => {}
                _ => {
                    if path.is_none() {
                        path = Some(w.to_string());
                    }
                }
            }
            i += 1;
        }
        let Some(path) = path else {
            self.out
                .push_unknown("`gh api` without a path we can read".to_string());
            return;
        };
        let path = self.expand(local, &path);
        if path.trim_start_matches('/') == "graphql" {
            let query = query.map(|q| self.expand(local, &q));
            self.gh_graphql(query.as_deref(), &note);
            return;
        }
        let path = match api::event_url_path(&path) {
            Some(p) => p.to_string(),
            None => api::api_path(&path)
                .map(str::to_string)
                .unwrap_or_else(|| path.trim_start_matches('/').to_string()),
        };
        let (method, note) = method_or_assumed(method, fields, note);
        self.push_api("gh api", &method, &path, &note);
    }

    /// `gh api graphql` with its `query` field: the document's fields and mutations.
    fn gh_graphql(&mut self, query: Option<&str>, note: &str) {
        let document = match query {
            Some(q) if q.starts_with('@') => {
                let path = q[1..].trim_start_matches("./");
                self.files.and_then(|read| read(path))
            }
            Some(q) if !q.contains('$') || q.contains("query") || q.contains('{') => {
                Some(q.to_string())
            }
            _ => None,
        };
        let Some(document) = document else {
            self.out.push_unknown(
                "`gh api graphql` with a query wffmt cannot read; its scopes depend on the query"
                    .into(),
            );
            return;
        };
        let a = graphql::graphql_needs(&document);
        for mut n in a.needs {
            n.reason = format!("{} (`gh api graphql`){note}", n.reason);
            self.out.push(n);
        }
        for why in a.unknown {
            self.out.push_unknown(format!("`gh api graphql`: {why}"));
        }
    }

    fn http(&mut self, program: &str, args: &[&str], local: &Local) {
        let mut method: Option<String> = None;
        let mut data = false;
        let mut auth: Vec<String> = Vec::new();
        let mut url: Option<String> = None;
        let mut i = 0;
        while i < args.len() {
            let w = args[i];
            let next = args.get(i + 1);
            let lower = w.to_ascii_lowercase();
            match w {
                "-X" | "--request" => {
                    method = next.map(|m| m.to_string());
                    i += 1;
                }
                "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-urlencode"
                | "--json" | "-F" | "--form" | "--post-data" | "--post-file" => {
                    data = true;
                    i += 1;
                }
                "-T" | "--upload-file" => {
                    method.get_or_insert_with(|| "PUT".into());
                    i += 1;
                }
                "-I" | "--head" => {
                    method = Some("HEAD".into());
                }
                "-u" | "--user" | "--oauth2-bearer" | "-a" | "--auth" => {
                    if let Some(n) = next {
                        auth.push(n.to_string());
                    }
                    i += 1;
                }
                "-H" | "--header" => {
                    if let Some(n) = next {
                        if n.to_ascii_lowercase().contains("authorization") {
                            auth.push(n.to_string());
                        }
                    }
                    i += 1;
                }
                _ if w.starts_with("-X") && w.len() > 2 => method = Some(w[2..].to_string()),
                _ if lower.starts_with("--method=") || lower.starts_with("--request=") => {
                    method = w.split_once('=').map(|(_, m)| m.to_string());
                }
                _ if lower.starts_with("--post-data=") || lower.starts_with("--post-file=") => {
                    data = true
                }
                _ if lower.starts_with("--header=") && lower.contains("authorization") => {
                    auth.push(w.to_string())
                }
                _ if is_option(w) => {}
                _ => {
                    let x = self.expand(local, w);
                    if lower.contains("authorization:") || lower.starts_with("authorization:") {
                        auth.push(w.to_string());
                    } else if matches!(w, "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD")
                        && matches!(program, "http" | "https" | "xh" | "xhs")
                    {
                        method = Some(w.to_string());
                    } else if let Some(p) = api::event_url_path(&x) {
                        url = Some(format!("https://api.github.com/{p}"));
                    } else if x.contains("api.github.com")
                        || x.contains("uploads.github.com")
                        || x.contains("api_url")
                        || x.contains("API_URL")
                        || x.contains("/api/v3")
                    {
                        url = Some(x);
                    } else if matches!(program, "http" | "https" | "xh" | "xhs")
                        && (w.contains(":=") || (w.contains('=') && !w.contains("://")))
                    {
                        data = true;
                    }
                }
            }
            i += 1;
        }
        // The OIDC request (`$ACTIONS_ID_TOKEN_REQUEST_TOKEN`) is not a GitHub API call.
        auth.retain(|a| !a.contains("ACTIONS_ID_TOKEN_REQUEST"));
        let token = auth.iter().filter_map(|a| self.classify(local, a)).fold(
            None,
            |acc: Option<TokenSource>, s| {
                Some(match (acc, s) {
                    (Some(TokenSource::GithubToken), _) | (_, TokenSource::GithubToken) => {
                        TokenSource::GithubToken
                    }
                    (Some(TokenSource::Unknown), _) | (_, TokenSource::Unknown) => {
                        TokenSource::Unknown
                    }
                    _ => TokenSource::Other,
                })
            },
        );
        match token {
            None | Some(TokenSource::Other) => return,
            Some(_) => {}
        }
        let Some(url) = url else {
            // An unreadable variable sent to an unreadable address is most likely another
            // service's credential; one named like GitHub's token is not.
            let named = auth
                .iter()
                .any(|a| shell_vars(a).iter().any(|n| is_token_name(n)));
            if token == Some(TokenSource::Unknown) && !named {
                return;
            }
            self.out.push_unknown(format!(
                "`{program}` sends GITHUB_TOKEN to an address that cannot be read"
            ));
            return;
        };
        if url.contains("uploads.github.com") {
            self.out.push(Need {
                scope: "contents".into(),
                level: Level::Write,
                reason: format!("uploads a release asset (`{program}`)"),
                source: api::SOURCE.into(),
            });
            return;
        }
        let path = api::api_path(&url).unwrap_or("").to_string();
        let (method, note) = method_or_assumed(method, data, String::new());
        self.push_api(program, &method, &path, &note);
    }

    /// OIDC token requests anywhere in the script or its environment.
    fn oidc(&mut self) {
        if requests_oidc(self.script) || self.env.iter().any(|(_, v)| requests_oidc(v)) {
            self.push_oidc("requests an OIDC token (ACTIONS_ID_TOKEN_REQUEST_*)".into());
        }
    }

    fn push_oidc(&mut self, reason: String) {
        self.out.push(Need {
            scope: "id-token".into(),
            level: Level::Write,
            reason,
            source: "https://docs.github.com/en/actions/reference/security/oidc".into(),
        });
    }

    /// Reads a script file the command runs. A shell script is analysed like the step's own
    /// script (same environment); any other file only for OIDC token requests, and stays
    /// opaque otherwise. `false`: not read (no repository, no such file), or not a shell
    /// script: the caller treats the command as it would any program.
    fn script_file(&mut self, path: &str, shell: bool, local: &Local, depth: usize) -> bool {
        if depth > 4 || path.contains('$') {
            return false;
        }
        let Some(text) = self.files.and_then(|read| read(path)) else {
            return false;
        };
        if requests_oidc(&text) {
            self.push_oidc(format!(
                "`{path}` requests an OIDC token (ACTIONS_ID_TOKEN_REQUEST_*)"
            ));
        }
        let shebang = text.lines().next().unwrap_or("");
        let is_shell = shell
            || [".sh", ".bash", ".zsh"].iter().any(|x| path.ends_with(x))
            || (shebang.starts_with("#!")
                && ["sh", "bash", "zsh", "dash", "ksh"]
                    .iter()
                    .any(|s| shebang.split(['/', ' ']).any(|w| w == *s)));
        if !is_shell {
            return false;
        }
        // Variables set on the command line are in the script's environment.
        for (k, v) in local {
            self.set_var(k.clone(), v.clone());
        }
        self.script(&text, depth + 1);
        true
    }
}

/// The fields `gh … --json a,b` (or `--json=a,b`) asks for.
fn json_fields<'w>(args: &[&'w str]) -> Vec<&'w str> {
    let mut out = Vec::new();
    for (i, w) in args.iter().enumerate() {
        let value = match w.strip_prefix("--json") {
            Some("") => args.get(i + 1).copied(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        if let Some(v) = value {
            out.extend(v.split(',').map(str::trim).filter(|f| !f.is_empty()));
        }
    }
    out
}

/// OIDC token requests in a script or program text: `ACTIONS_ID_TOKEN_REQUEST_URL`,
/// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` or `getIDToken`. Every script is searched, so the searchers
/// are built once.
fn requests_oidc(text: &str) -> bool {
    static REQUEST: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new("ACTIONS_ID_TOKEN_REQUEST_"));
    static GET: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("getIDToken"));
    let bytes = text.as_bytes();
    let prefix = REQUEST.needle().len();
    REQUEST.find_iter(bytes).any(|i| {
        let rest = &bytes[i + prefix..];
        rest.starts_with(b"URL") || rest.starts_with(b"TOKEN")
    }) || GET.find(bytes).is_some()
}

/// The repository file a command runs as a script, and whether it is run by a shell:
/// `./x.sh`, `scripts/x`, `bash x.sh`, `sh -e x`, `source x.sh`, `. x.sh`; or by an
/// interpreter: `python3 ci/x.py`, `node x.js`.
fn script_file(program: &str, words: &[&str]) -> Option<(String, bool)> {
    let first = words.first()?;
    let looks_like_path = |w: &str| {
        !w.is_empty()
            && !w.starts_with('-')
            && !w.starts_with('/')
            && !w.contains("${{")
            && (w.contains('/') || w.ends_with(".sh"))
    };
    match program {
        "bash" | "sh" | "zsh" | "dash" | "ksh" | "source" | "." => {
            let file = words[1..].iter().find(|w| !w.starts_with('-'))?;
            let bare = file.trim_start_matches("./");
            (!bare.is_empty() && !bare.starts_with('/') && !file.contains("${{"))
                .then(|| (bare.to_string(), true))
        }
        "python" | "python3" | "node" | "ruby" | "perl" | "pwsh" | "deno" | "bun" | "tsx"
        | "ts-node" => {
            // `deno run FILE`, `bun run FILE`: the file follows the subcommand.
            let file = words[1..]
                .iter()
                .filter(|w| !w.starts_with('-') && **w != "run")
                .find(|w| looks_like_path(w) || w.contains('.'))?;
            looks_like_path(file)
                .then(|| (file.trim_start_matches("./").to_string(), false))
                .or_else(|| {
                    (!file.contains('$') && !file.contains("${{"))
                        .then(|| (file.to_string(), false))
                })
        }
        _ if looks_like_path(first) => Some((first.trim_start_matches("./").to_string(), false)),
        _ => None,
    }
}

/// Whether a word is one command substitution (`$(...)` or backticks) of a program that prints
/// environment set-up code (see [`shell::prints_env_setup`]).
fn evaluates_env_setup(word: &str) -> bool {
    let inner = word
        .strip_prefix("$(")
        .and_then(|w| w.strip_suffix(')'))
        .or_else(|| word.strip_prefix('`').and_then(|w| w.strip_suffix('`')));
    let Some(inner) = inner else {
        return false;
    };
    let parsed = shell::parse(inner);
    parsed.substitutions.is_empty()
        && matches!(parsed.commands.as_slice(), [one] if shell::prints_env_setup(&one.words))
}

fn is_token_name(n: &str) -> bool {
    let u = n.to_ascii_uppercase();
    u == "GITHUB_TOKEN" || u == "GH_TOKEN" || u.ends_with("_GITHUB_TOKEN")
}

/// The method, or `POST` with a note when it is a variable.
fn method_or_assumed(method: Option<String>, has_body: bool, note: String) -> (String, String) {
    match method {
        Some(m) if m.contains('$') => (
            "POST".into(),
            format!("{note} (method `{m}` is a variable: assumed a write)"),
        ),
        Some(m) => (m.to_ascii_uppercase(), note),
        None if has_body => ("POST".into(), note),
        None => ("GET".into(), note),
    }
}

#[cfg(test)]
mod tests;
