//! The `wffmt.toml` / `.wffmt.toml` configuration file.
//!
//! ```toml
//! extend-exclude = ["generated/"]  # gitignore-style globs never processed (see `crate::exclude`)
//!
//! [layout]
//! indent = 2                    # spaces per level, 1..=8
//! sequence-indent = "indented"  # or "indentless" (`- ` at the parent key's column)
//! max-blank-lines = 1
//! line-ending = "preserve"      # or "lf", "crlf"
//!
//! [permissions]
//! top-level = "empty"           # `permissions: {}`; or "contents-read"
//! allow-scopes = ["vulnerability-alerts"]   # scopes newer than some linters know; off by default
//!
//! [[permissions.action]]        # extends the permissions knowledge base (read by `kb`)
//! uses = "my-org/deploy"
//! # ...
//!
//! [pin]
//! ignore = ["my-org/*"]         # owner/repo patterns never pinned
//! min-age = 7                   # --update/--upgrade skip releases younger than this (days)
//! update-branches = false       # --update/--upgrade also move `# main` pins to the branch head
//! ```
//!
//! Design choices:
//! - **Strict**: an unknown key or a bad value is an error with the file, line and column (from
//!   toml's span) and a sentence on what is allowed. A typo that silently does nothing is worse
//!   than an error, especially in a tool that rewrites files.
//! - **Nearest file wins, whole**: for each file, [`ConfigFinder`] takes the nearest
//!   `.wffmt.toml` or `wffmt.toml` in the file's directory or a parent. There is no merging
//!   between levels, so what applies is always one file you can read. When both names exist in
//!   one directory, `.wffmt.toml` wins (the order ruff and taplo use for their own files).
//! - **No higher than the repository**: the search stops at the repository root (the directory
//!   holding `.git`), the way git scopes its own per-repository configuration. Outside a
//!   repository it stops at the current directory, and a file outside both is governed by its
//!   own directory only. A `wffmt.toml` in a shared parent directory (the system temporary
//!   directory, a home directory full of checkouts) must not grant permissions to every
//!   repository below it.
//! - **User-wide default**: where that search finds nothing, `wffmt/wffmt.toml` in the user's
//!   configuration directory applies ([`user_config_file`]), else the built-in defaults.
//! - **Flags stay on the command line**: `--offline`, `--select` etc. are per run, not per
//!   repository, so they are not configuration.
//! - **Cached lookups**: a run over 1,000 files in one repository checks each directory once and
//!   parses each configuration file once, from any number of worker threads.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use schemars::JsonSchema;
use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::discover::{display_path, normalize_lexically};
use crate::memo::{path_key, Memo, PathKey};

/// File names looked for, in order of preference within one directory.
pub const CONFIG_FILE_NAMES: [&str; 2] = [".wffmt.toml", "wffmt.toml"];

/// The whole configuration. [`Config::default`] is what applies without a file.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    title = "wffmt.toml",
    description = "Configuration of wffmt, the formatter and migrator of GitHub Actions workflow files"
)]
pub struct Config {
    /// Paths never processed: gitignore-style globs, relative to this file's directory (a
    /// pattern without `/` matches a name at any depth). Replaces the default list
    /// (`.git`, `node_modules`, `.venv`, `venv`, `.tox`, `.nox`, `.direnv`, `site-packages`).
    #[serde(deserialize_with = "deserialize_optional_globs")]
    #[schemars(with = "Vec<String>", extend(
        "default" = [".git", "node_modules", ".venv", "venv", ".tox", ".nox", ".direnv", "site-packages"],
        "examples" = [["generated/**", "vendor/"]]
    ))]
    pub exclude: Option<Vec<String>>,
    /// More paths never processed, in addition to `exclude` (or its default list).
    #[serde(deserialize_with = "deserialize_globs")]
    pub extend_exclude: Vec<String>,
    pub layout: LayoutConfig,
    pub permissions: PermissionsConfig,
    pub pin: PinConfig,
    /// `[[runner-labels.label]]`: retired runner labels of your own (see the rule).
    #[schemars(with = "crate::config_schema::RunnerLabelsTable")]
    pub runner_labels: crate::passes::runner_labels::RunnerLabelsConfig,
    /// `[deprecated-commands]`: more values known to hold one line (see the rule).
    pub deprecated_commands: crate::passes::deprecated_commands::DeprecatedCommandsConfig,
    /// `[[archived-actions.action]]`: archived or renamed actions of your own (see the rule).
    #[schemars(with = "crate::config_schema::ActionTable")]
    pub archived_actions: crate::passes::archived_actions::ArchivedActionsConfig,
    /// `[[outdated-actions.action]]`: actions of your own with their runtimes (see the rule).
    #[schemars(with = "crate::config_schema::ActionTable")]
    pub outdated_actions: crate::passes::outdated_actions::OutdatedActionsConfig,
    /// The file this configuration was read from; `None` for the defaults.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// `[layout]`: whitespace only; the `layout` rule never changes a value.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LayoutConfig {
    /// Spaces per indentation level, 1..=8 (default 2), or `"auto"`: the width each file
    /// already uses most.
    #[serde(deserialize_with = "deserialize_indent")]
    #[schemars(with = "IndentSchema", extend("default" = 2))]
    pub indent: Indent,
    pub sequence_indent: SequenceIndent,
    /// Longest run of blank lines kept (default 1).
    #[serde(deserialize_with = "deserialize_blank_lines")]
    pub max_blank_lines: usize,
    pub line_ending: LineEnding,
}

impl Default for LayoutConfig {
    fn default() -> Self {
        LayoutConfig {
            indent: Indent::Spaces(2),
            sequence_indent: SequenceIndent::Indented,
            max_blank_lines: 1,
            line_ending: LineEnding::Preserve,
        }
    }
}

/// `[layout] indent`: spaces per level, or each file's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indent {
    Spaces(usize),
    /// The width most of the file already uses (2 when it shows none).
    Auto,
}

impl PartialEq<usize> for Indent {
    fn eq(&self, other: &usize) -> bool {
        *self == Indent::Spaces(*other)
    }
}

/// A number of spaces (1 to 8), or `"auto"`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum IndentSchema {
    /// Spaces per indentation level.
    Spaces(#[schemars(range(min = 1, max = 8))] u8),
    /// The width each file already uses most.
    Auto(AutoValue),
}

#[derive(JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
enum AutoValue {
    Auto,
}

/// Where the `- ` of a block sequence goes relative to its parent key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SequenceIndent {
    /// `steps:` / `  - run: x` (one level deeper than the key; GitHub's own examples).
    #[default]
    Indented,
    /// `steps:` / `- run: x` (at the key's column).
    Indentless,
    /// The style most of each file already uses (indented when it shows none).
    Auto,
}

/// The line ending written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LineEnding {
    /// Keep whatever the file uses (the first line ending found decides).
    #[default]
    Preserve,
    Lf,
    Crlf,
}

/// `[permissions]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PermissionsConfig {
    pub top_level: TopLevel,
    /// Scopes the rule may emit although some linters do not know them yet
    /// (e.g. `vulnerability-alerts`, `code-quality`). Empty by default.
    #[serde(deserialize_with = "deserialize_scopes")]
    pub allow_scopes: Vec<String>,
    /// The raw `[[permissions.action]]` entries (an array of tables), interpreted by the
    /// knowledge base, which owns their schema.
    #[serde(rename = "action", deserialize_with = "deserialize_actions")]
    #[schemars(with = "Option<Vec<crate::config_schema::Table>>")]
    pub actions: Option<toml::Value>,
}

/// What the workflow-level `permissions:` block is set to when the rule adds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TopLevel {
    /// `permissions: {}`, each job granting what it needs.
    #[default]
    Empty,
    /// `permissions: contents: read`, jobs granting only what they need beyond it.
    ContentsRead,
}

/// `[pin]`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PinConfig {
    /// `owner/repo` patterns never pinned; `*` matches any run of characters, case-insensitively
    /// (GitHub owner and repository names are case-insensitive).
    #[serde(deserialize_with = "deserialize_pin_patterns")]
    pub ignore: Vec<String>,
    /// Cooldown for `--update` / `--upgrade`: releases younger than this many days are skipped.
    pub min_age: Option<u32>,
    /// `--update` / `--upgrade` also move SHAs pinned with a branch comment (`# main`) to the
    /// branch's head.
    pub update_branches: bool,
}

/// The default `exclude` list: directories that hold other people's copies of files.
pub const DEFAULT_EXCLUDE: [&str; 8] = [
    ".git",
    "node_modules",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".direnv",
    "site-packages",
];

impl Config {
    /// The exclude globs in force: `exclude` (or [`DEFAULT_EXCLUDE`]) then `extend-exclude`.
    pub fn exclude_globs(&self) -> Vec<&str> {
        let base: Vec<&str> = match &self.exclude {
            Some(globs) => globs.iter().map(String::as_str).collect(),
            None => DEFAULT_EXCLUDE.to_vec(),
        };
        base.into_iter()
            .chain(self.extend_exclude.iter().map(String::as_str))
            .collect()
    }
}

impl PinConfig {
    /// Whether `uses` (`owner/repo`, `owner/repo/path`, with or without `@ref`) matches one of the
    /// `ignore` patterns. A pattern without a path part matches every path in that repository.
    pub fn is_ignored(&self, uses: &str) -> bool {
        if self.ignore.is_empty() {
            return false;
        }
        let name = uses.split('@').next().unwrap_or(uses).to_ascii_lowercase();
        let repo: String = name.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
        self.ignore.iter().any(|pattern| {
            let pattern = pattern.to_ascii_lowercase();
            glob_match(&pattern, &name) || glob_match(&pattern, &repo)
        })
    }
}

/// `*` matches any run of characters (including `/`); everything else matches itself.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn deserialize_globs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let globs = Vec::<String>::deserialize(d)?;
    for glob in &globs {
        let mut builder = ignore::gitignore::GitignoreBuilder::new("");
        let bad = glob.trim().is_empty() || builder.add_line(None, glob).is_err();
        if bad {
            return Err(de::Error::custom(format!(
                "exclude patterns are gitignore-style globs such as \"generated/**\" or \"vendor/\", not {glob:?}"
            )));
        }
    }
    Ok(globs)
}

fn deserialize_optional_globs<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    deserialize_globs(d).map(Some)
}

fn deserialize_indent<'de, D: Deserializer<'de>>(d: D) -> Result<Indent, D::Error> {
    let what = "`indent` must be a number of spaces from 1 to 8, or \"auto\"";
    match toml::Value::deserialize(d)? {
        toml::Value::String(s) if s == "auto" => Ok(Indent::Auto),
        toml::Value::Integer(n) if (1..=8).contains(&n) => Ok(Indent::Spaces(n as usize)),
        other => Err(de::Error::custom(format!("{what}, not {other}"))),
    }
}

fn deserialize_blank_lines<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    integer_in(
        d,
        0,
        i64::MAX,
        "`max-blank-lines` must be a number of lines, 0 or more",
    )
}

/// An integer in `min..=max`, with `what` as the error message for anything else (serde's own
/// message would talk about `usize`).
fn integer_in<'de, D: Deserializer<'de>>(
    d: D,
    min: i64,
    max: i64,
    what: &str,
) -> Result<usize, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) if (min..=max).contains(&n) => {
            usize::try_from(n).map_err(|_| de::Error::custom(format!("{what}, not {n}")))
        }
        other => Err(de::Error::custom(format!("{what}, not {other}"))),
    }
}

fn deserialize_scopes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let scopes = Vec::<String>::deserialize(d)?;
    for scope in &scopes {
        let valid = scope.starts_with(|c: char| c.is_ascii_lowercase())
            && scope
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(de::Error::custom(format!(
                "`allow-scopes` takes permission scope names such as \"vulnerability-alerts\", not {scope:?}"
            )));
        }
    }
    Ok(scopes)
}

fn deserialize_actions<'de, D: Deserializer<'de>>(d: D) -> Result<Option<toml::Value>, D::Error> {
    let value = toml::Value::deserialize(d)?;
    let is_array_of_tables = match &value {
        toml::Value::Array(items) => items.iter().all(toml::Value::is_table),
        _ => false,
    };
    if is_array_of_tables {
        Ok(Some(value))
    } else {
        Err(de::Error::custom(
            "`permissions.action` is a list of tables: write each entry as `[[permissions.action]]`",
        ))
    }
}

fn deserialize_pin_patterns<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let patterns = Vec::<String>::deserialize(d)?;
    for pattern in &patterns {
        let mut parts = pattern.split('/');
        let owner = parts.next().unwrap_or("");
        let repo = parts.next().unwrap_or("");
        let valid = !owner.is_empty()
            && !repo.is_empty()
            && !pattern.contains(|c: char| c.is_whitespace() || c == '@');
        if !valid {
            return Err(de::Error::custom(format!(
                "`pin.ignore` takes `owner/repo` patterns where `*` matches anything, such as \"my-org/*\", not {pattern:?}"
            )));
        }
    }
    Ok(patterns)
}

/// A configuration file that could not be read or is not valid. `line` and `column` are 1-based;
/// both are 0 when the error has no position (the file could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Parses `text`; `path` is where it came from (for [`Config::source`] and error messages).
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Self::parse(text, path, path_display(path))
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_as(path, path_display(path))
    }

    fn load_as(path: &Path, display: String) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|err| ConfigError {
            path: display.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the configuration file: {}", io_text(&err)),
        })?;
        let text = String::from_utf8(bytes).map_err(|err| {
            let (line, column) = line_column(
                &String::from_utf8_lossy(err.as_bytes()),
                err.utf8_error().valid_up_to(),
            );
            ConfigError {
                path: display.clone(),
                line,
                column,
                message: "the configuration file is not valid UTF-8".to_string(),
            }
        })?;
        Self::parse(&text, path, display)
    }

    fn parse(text: &str, path: &Path, display: String) -> Result<Config, ConfigError> {
        match toml::from_str::<Config>(text) {
            Ok(mut config) => {
                if config.permissions.actions.is_some() {
                    check_action_entries(text, &display)?;
                }
                config.source = Some(path.to_path_buf());
                Ok(config)
            }
            Err(err) => {
                let (line, column) = match err.span() {
                    Some(span) => line_column(text, span.start),
                    None => (1, 1),
                };
                Err(ConfigError {
                    path: display,
                    line,
                    column,
                    message: tidy_message(err.message()),
                })
            }
        }
    }
}

/// `[[permissions.action]]` entries are checked when the file is loaded, by the knowledge base
/// that owns their schema, against the file's own text: a bad entry is an error of the
/// configuration file (reported once, at its line, exit code 2), not of every workflow it
/// applies to.
fn check_action_entries(text: &str, display: &str) -> Result<(), ConfigError> {
    let Err(message) = crate::kb::KnowledgeBase::from_config_str(text) else {
        return Ok(());
    };
    // The knowledge base words its errors `wffmt.toml: line L, column C: what`.
    let message = message.strip_prefix("wffmt.toml: ").unwrap_or(&message);
    let positioned = message.strip_prefix("line ").and_then(|rest| {
        let (line, rest) = rest.split_once(", column ")?;
        let (column, what) = rest.split_once(": ")?;
        Some((line.parse().ok()?, column.parse().ok()?, what))
    });
    let (line, column, what) = positioned.unwrap_or((1, 1, message));
    Err(ConfigError {
        path: display.to_string(),
        line,
        column,
        message: format!("invalid [[permissions.action]] entry: {what}"),
    })
}

/// toml's messages are good but multi-line in places; our format is one line per error.
fn tidy_message(message: &str) -> String {
    let one_line = message.trim().replace('\n', "; ");
    if one_line.is_empty() {
        "invalid configuration".to_string()
    } else {
        one_line
    }
}

fn io_text(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// How a configuration path is named in messages: relative to the current directory when under
/// it, like the files being processed.
fn path_display(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => display_path(&cwd.join(path), &normalize_lexically(&cwd)),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

/// Finds and caches the configuration that applies to each file (see the module docs).
/// Thread-safe: share one finder between worker threads.
#[derive(Debug)]
pub struct ConfigFinder {
    /// `--config FILE`: this configuration for every file, no lookup.
    fixed: Option<Arc<Config>>,
    defaults: Arc<Config>,
    cwd: PathBuf,
    /// Set when `cwd` is the process's current directory: what lies below it is then looked at
    /// on disk by relative paths, which the kernel resolves in fewer steps than absolute ones.
    process_cwd: bool,
    /// The user-wide configuration file, used where a file's repository has none.
    user_file: Option<PathBuf>,
    /// Whether the user-wide file exists, looked at once.
    user_file_exists: OnceLock<bool>,
    /// Directory (normalised, absolute) -> the configuration file that applies to files in it.
    nearest: Memo<PathKey, Option<PathBuf>>,
    /// Configuration file -> its parsed contents (or why it could not be parsed).
    loaded: Memo<PathBuf, Result<Arc<Config>, ConfigError>>,
    /// Directory -> what it holds that the lookup asks about, each directory asked once.
    markers: Memo<PathKey, DirMarkers>,
    /// Directory -> the root of the repository holding it, if any.
    repository_roots: Memo<PathKey, Option<PathBuf>>,
}

/// What one directory holds that the configuration lookup needs.
#[derive(Clone, Debug)]
struct DirMarkers {
    /// A `.git` entry (directory or file): the directory is a repository's root.
    repository_root: bool,
    /// Its configuration file, if any.
    config_file: Option<PathBuf>,
}

impl Default for ConfigFinder {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfigFinder {
    /// A finder that looks up the configuration of each file from the current directory, with
    /// the user-wide file of this user ([`user_config_file`]).
    pub fn new() -> Self {
        let (cwd, process_cwd) = match std::env::current_dir() {
            Ok(cwd) => (cwd, true),
            Err(_) => (PathBuf::new(), false),
        };
        let mut finder = Self::with_cwd(&cwd);
        // A current directory with `..` or `.` in it is not the kernel's own name for it.
        finder.process_cwd = process_cwd && finder.cwd == cwd;
        finder.with_user_file(user_config_file(|name| std::env::var_os(name)))
    }

    /// A finder with relative file paths resolved against `cwd` and no user-wide file.
    pub fn with_cwd(cwd: &Path) -> Self {
        ConfigFinder {
            fixed: None,
            defaults: Arc::new(Config::default()),
            cwd: normalize_lexically(cwd),
            process_cwd: false,
            user_file: None,
            user_file_exists: OnceLock::new(),
            nearest: Memo::new(),
            loaded: Memo::new(),
            markers: Memo::new(),
            repository_roots: Memo::new(),
        }
    }

    /// Uses `file` (when it exists) for files whose repository has no configuration.
    pub fn with_user_file(mut self, file: Option<PathBuf>) -> Self {
        self.user_file = file;
        self
    }

    /// A finder that returns `config` for every file (`--config FILE`).
    pub fn with_config(config: Config) -> Self {
        let mut finder = Self::new();
        finder.fixed = Some(Arc::new(config));
        finder
    }

    /// The configuration for `file`: the nearest configuration file in its directory or a
    /// parent up to the lookup's boundary (see the module docs), else the user-wide file, else
    /// the defaults.
    pub fn for_file(&self, file: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(Arc::clone(fixed));
        }
        let file = if file.is_absolute() {
            normalize_lexically(file)
        } else {
            normalize_lexically(&self.cwd.join(file))
        };
        match file.parent() {
            Some(dir) => self.for_directory(dir),
            None => Ok(Arc::clone(&self.defaults)),
        }
    }

    /// The configuration for the files in `dir` (absolute and normalised).
    pub fn for_directory(&self, dir: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(Arc::clone(fixed));
        }
        match self.config_file_for(dir) {
            Some(path) => self.load_cached(&path),
            None => Ok(Arc::clone(&self.defaults)),
        }
    }

    /// Whether `path` is the user-wide configuration file.
    pub fn is_user_file(&self, path: &Path) -> bool {
        self.user_file.as_deref() == Some(path)
    }

    fn config_file_for(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(cached) = self.nearest.get(path_key(dir)) {
            return cached;
        }
        let boundary = self.boundary(dir);
        // Every directory on the way up has the same boundary, so the answer is theirs too,
        // and one that already has an answer has it for the rest of the way.
        let mut visited = Vec::new();
        let mut found = None;
        for ancestor in dir.ancestors() {
            if ancestor != dir {
                if let Some(known) = self.nearest.get(path_key(ancestor)) {
                    found = known;
                    break;
                }
            }
            visited.push(PathKey::from(path_key(ancestor)));
            found = self.markers(ancestor).config_file;
            if found.is_some() || ancestor == boundary.as_ref() {
                break;
            }
        }
        let found = found.or_else(|| self.existing_user_file());
        self.nearest.insert_all(visited, &found);
        found
    }

    fn existing_user_file(&self) -> Option<PathBuf> {
        let file = self.user_file.as_ref()?;
        self.user_file_exists
            .get_or_init(|| file.is_file())
            .then(|| file.clone())
    }

    /// The highest directory whose configuration may apply to files in `dir`: the root of the
    /// repository holding `dir` (the directory with `.git`, a directory or, in a worktree or a
    /// submodule, a file), else the current directory when `dir` is below it, else `dir` itself.
    fn boundary<'a>(&self, dir: &'a Path) -> Cow<'a, Path> {
        if let Some(root) = self.repository_root(dir) {
            return Cow::Owned(root);
        }
        Cow::Borrowed(match dir.strip_prefix(&self.cwd) {
            Ok(rel) => {
                let depth = rel.components().count();
                dir.ancestors().nth(depth).unwrap_or(dir)
            }
            Err(_) => dir,
        })
    }

    /// The nearest of `dir` and its parents that is a repository's root, remembered for each
    /// directory (a tree's directories share their parents' answer).
    fn repository_root(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.repository_roots.get(path_key(dir)) {
            return known;
        }
        let root = if self.markers(dir).repository_root {
            Some(dir.to_path_buf())
        } else {
            dir.parent().and_then(|parent| self.repository_root(parent))
        };
        self.repository_roots.insert(path_key(dir).into(), root)
    }

    /// The markers of `dir`, looked at on disk the first time it is asked about (the parents
    /// of a tree's directories are asked about once, not once per directory below them).
    fn markers(&self, dir: &Path) -> DirMarkers {
        if let Some(known) = self.markers.get(path_key(dir)) {
            return known;
        }
        let on_disk = match dir.strip_prefix(&self.cwd) {
            Ok(below) if self.process_cwd => below,
            _ => dir,
        };
        let found = DirMarkers {
            repository_root: std::fs::symlink_metadata(on_disk.join(".git")).is_ok(),
            config_file: CONFIG_FILE_NAMES
                .iter()
                .find(|name| on_disk.join(name).is_file())
                .map(|name| dir.join(name)),
        };
        self.markers.insert(path_key(dir).into(), found)
    }

    fn load_cached(&self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(result) = self.loaded.get(path) {
            return result;
        }
        let display = display_path(path, &self.cwd);
        let result = Config::load_as(path, display).map(Arc::new);
        self.loaded.insert(path.to_path_buf(), result)
    }
}

/// The user-wide configuration file: `wffmt/wffmt.toml` in `$XDG_CONFIG_HOME` (or `~/.config`)
/// on Unix, including macOS, as most command-line tools do, and in `%APPDATA%` on Windows.
/// `var` reads the environment; relative directories are ignored, as the XDG specification says.
pub fn user_config_file(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    let base = if cfg!(windows) {
        absolute("APPDATA")
    } else {
        absolute("XDG_CONFIG_HOME").or_else(|| absolute("HOME").map(|h| h.join(".config")))
    };
    base.map(|b| b.join("wffmt").join("wffmt.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml_str(text, Path::new("wffmt.toml"))
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn empty_file_is_the_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.layout, LayoutConfig::default());
        assert_eq!(config.layout.indent, 2);
        assert_eq!(config.layout.max_blank_lines, 1);
        assert_eq!(config.permissions.top_level, TopLevel::Empty);
        assert!(config.permissions.allow_scopes.is_empty());
        assert!(config.permissions.actions.is_none());
        assert!(config.pin.ignore.is_empty());
        assert_eq!(config.source.as_deref(), Some(Path::new("wffmt.toml")));
        assert_eq!(Config::default().source, None);
    }

    #[test]
    fn full_file() {
        let config = parse(
            r#"
[layout]
indent = 4
sequence-indent = "indentless"
max-blank-lines = 0
line-ending = "crlf"

[permissions]
top-level = "contents-read"
allow-scopes = ["vulnerability-alerts", "code-quality"]

[[permissions.action]]
uses = "my-org/deploy"
needs = { contents = "write" }
reason = "pushes a tag"
source = "my-org/deploy: README.md"

[[permissions.action]]
uses = "my-org/other"
source = "my-org/other: action.yml"

[pin]
ignore = ["my-org/*", "actions/checkout"]
"#,
        )
        .unwrap();
        assert_eq!(config.layout.indent, 4);
        assert_eq!(config.layout.sequence_indent, SequenceIndent::Indentless);
        assert_eq!(config.layout.max_blank_lines, 0);
        assert_eq!(config.layout.line_ending, LineEnding::Crlf);
        assert_eq!(config.permissions.top_level, TopLevel::ContentsRead);
        assert_eq!(
            config.permissions.allow_scopes,
            ["vulnerability-alerts", "code-quality"]
        );
        let actions = config.permissions.actions.as_ref().unwrap();
        let actions = actions.as_array().unwrap();
        assert_eq!(actions.len(), 2);
        assert_eq!(actions[0]["uses"].as_str(), Some("my-org/deploy"));
        assert_eq!(config.pin.ignore, ["my-org/*", "actions/checkout"]);
    }

    #[test]
    fn unknown_keys_are_errors_with_positions() {
        assert_eq!(
            err("[layout]\nindent = 2\nindnet = 3\n"),
            "wffmt.toml:3:1: unknown field `indnet`, expected one of `indent`, `sequence-indent`, `max-blank-lines`, `line-ending`"
        );
        assert_eq!(
            err("[format]\n"),
            "wffmt.toml:1:2: unknown field `format`, expected one of `exclude`, `extend-exclude`, `layout`, `permissions`, `pin`, `runner-labels`, `deprecated-commands`, `archived-actions`, `outdated-actions`"
        );
        assert_eq!(
            err("[pin]\noffline = true\n"),
            "wffmt.toml:2:1: unknown field `offline`, expected one of `ignore`, `min-age`, `update-branches`"
        );
    }

    #[test]
    fn bad_values_are_errors_with_positions() {
        assert_eq!(
            err("[layout]\nindent = 9\n"),
            "wffmt.toml:2:10: `indent` must be a number of spaces from 1 to 8, or \"auto\", not 9"
        );
        assert_eq!(
            err("[layout]\nindent = 0\n"),
            "wffmt.toml:2:10: `indent` must be a number of spaces from 1 to 8, or \"auto\", not 0"
        );
        assert_eq!(
            err("[layout]\nsequence-indent = \"deep\"\n"),
            "wffmt.toml:2:19: unknown variant `deep`, expected one of `indented`, `indentless`, `auto`"
        );
        assert_eq!(
            err("[layout]\nline-ending = \"cr\"\n"),
            "wffmt.toml:2:15: unknown variant `cr`, expected one of `preserve`, `lf`, `crlf`"
        );
        assert_eq!(
            err("[permissions]\ntop-level = \"read-all\"\n"),
            "wffmt.toml:2:13: unknown variant `read-all`, expected `empty` or `contents-read`"
        );
        assert_eq!(
            err("[layout]\nmax-blank-lines = -1\n"),
            "wffmt.toml:2:19: `max-blank-lines` must be a number of lines, 0 or more, not -1"
        );
        assert_eq!(
            err("[layout]\nindent = 2.0\n"),
            "wffmt.toml:2:10: `indent` must be a number of spaces from 1 to 8, or \"auto\", not 2.0"
        );
        assert_eq!(
            err("[layout]\nindent = \"2\"\n"),
            "wffmt.toml:2:10: `indent` must be a number of spaces from 1 to 8, or \"auto\", not \"2\""
        );
        assert_eq!(
            err("[permissions]\nallow-scopes = [\"Vulnerability Alerts\"]\n"),
            "wffmt.toml:2:16: `allow-scopes` takes permission scope names such as \"vulnerability-alerts\", not \"Vulnerability Alerts\""
        );
        assert_eq!(
            err("[permissions]\naction = 3\n"),
            "wffmt.toml:2:10: `permissions.action` is a list of tables: write each entry as `[[permissions.action]]`"
        );
        assert_eq!(
            err("[pin]\nignore = [\"checkout\"]\n"),
            "wffmt.toml:2:10: `pin.ignore` takes `owner/repo` patterns where `*` matches anything, such as \"my-org/*\", not \"checkout\""
        );
    }

    #[test]
    fn invalid_action_entries_are_errors_of_the_configuration_file() {
        assert_eq!(
            err("[pin]\nignore = []\n\n[[permissions.action]]\nuses = \"my-org/x\"\nneeds = { contents = \"bogus\" }\nsource = \"x\"\n"),
            "wffmt.toml:6:9: invalid [[permissions.action]] entry: `contents = \"bogus\"`: the level must be \"read\", \"write\" or \"none\""
        );
        let e = parse("[[permissions.action]]\nuses = \"a/b\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(e.message.contains("needs a `source`"), "{e}");
        assert!(parse("[[permissions.action]]\nuses = \"a/b\"\nneeds = { contents = \"write\" }\nreason = \"pushes\"\nsource = \"a/b: README\"\n").is_ok());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("[layout]\nindent = \n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 10));
        assert!(!e.message.contains('\n'));
        let e = parse("[layout]\n[layout]\n").unwrap_err();
        assert_eq!(e.line, 2);
        // Columns count characters, not bytes.
        let e = parse("# é\n[pin]\n\"é\" = 1\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
    }

    #[test]
    fn load_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let e = Config::load(&missing).unwrap_err();
        assert_eq!(e.line, 0);
        assert!(e
            .to_string()
            .ends_with("nope.toml: cannot read the configuration file: no such file or directory"));
        let binary = dir.path().join("bin.toml");
        fs::write(&binary, b"[layout]\nindent = \xff\n").unwrap();
        let e = Config::load(&binary).unwrap_err();
        assert_eq!((e.line, e.column), (2, 10));
        assert_eq!(e.message, "the configuration file is not valid UTF-8");
    }

    #[test]
    fn pin_ignore_patterns() {
        let pin = PinConfig {
            ignore: vec!["My-Org/*".into(), "actions/checkout".into(), "a/b-*".into()],
            ..PinConfig::default()
        };
        assert!(pin.is_ignored("my-org/deploy@v1"));
        assert!(pin.is_ignored("my-org/deploy/sub@main"));
        assert!(pin.is_ignored("actions/checkout@v4"));
        assert!(pin.is_ignored("Actions/Checkout/sub"));
        assert!(!pin.is_ignored("actions/checkout-x@v4"));
        assert!(!pin.is_ignored("actions/setup-node@v4"));
        assert!(pin.is_ignored("a/b-c"));
        assert!(!pin.is_ignored("a/c-b"));
        assert!(!PinConfig::default().is_ignored("a/b"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b", "ab/c"));
    }

    #[test]
    fn finder_takes_the_nearest_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/.github/workflows")).unwrap();
        fs::create_dir_all(root.join("b/deep/er")).unwrap();
        fs::write(root.join("wffmt.toml"), "[layout]\nindent = 3\n").unwrap();
        fs::write(root.join("a/wffmt.toml"), "[layout]\nindent = 4\n").unwrap();
        fs::write(root.join("a/.wffmt.toml"), "[layout]\nindent = 5\n").unwrap();
        let finder = ConfigFinder::with_cwd(root);

        let a = finder
            .for_file(Path::new("a/.github/workflows/ci.yml"))
            .unwrap();
        assert_eq!(a.layout.indent, 5);
        assert_eq!(
            a.source.as_deref(),
            Some(root.join("a/.wffmt.toml").as_path())
        );
        let b = finder.for_file(&root.join("b/deep/er/x.yml")).unwrap();
        assert_eq!(b.layout.indent, 3);
        let top = finder.for_file(Path::new("action.yml")).unwrap();
        assert!(Arc::ptr_eq(&b, &top), "one parse per configuration file");

        // Cached: removing the file does not change answers within a run.
        fs::remove_file(root.join("wffmt.toml")).unwrap();
        assert_eq!(
            finder.for_file(Path::new("b/y.yml")).unwrap().layout.indent,
            3
        );
        assert!(finder
            .nearest
            .get(path_key(&normalize_lexically(&root.join("b/deep"))))
            .is_some());
    }

    #[test]
    fn lookup_stops_at_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path();
        // A configuration in a shared parent directory that must not apply below a repository.
        fs::write(
            shared.join("wffmt.toml"),
            "[permissions]\ntop-level = \"contents-read\"\n",
        )
        .unwrap();
        fs::create_dir_all(shared.join("repo/.git")).unwrap();
        fs::create_dir_all(shared.join("repo/.github/workflows")).unwrap();
        // A worktree or submodule has a `.git` file.
        fs::create_dir_all(shared.join("wt/.github/workflows")).unwrap();
        fs::write(
            shared.join("wt/.git"),
            "gitdir: ../repo/.git/worktrees/wt\n",
        )
        .unwrap();
        let finder = ConfigFinder::with_cwd(&shared.join("repo/.github"));
        for file in [
            "repo/.github/workflows/ci.yml",
            "wt/.github/workflows/ci.yml",
        ] {
            let config = finder.for_file(&shared.join(file)).unwrap();
            assert_eq!(config.source, None, "{file}");
        }
        // The repository's own file applies, from any depth below its root.
        fs::write(shared.join("repo/wffmt.toml"), "[layout]\nindent = 4\n").unwrap();
        let finder = ConfigFinder::with_cwd(&shared.join("repo/.github"));
        let config = finder
            .for_file(&shared.join("repo/.github/workflows/ci.yml"))
            .unwrap();
        assert_eq!(config.layout.indent, 4);
    }

    #[test]
    fn outside_a_repository_lookup_stops_at_the_current_directory() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        fs::write(top.join("wffmt.toml"), "[layout]\nindent = 3\n").unwrap();
        fs::create_dir_all(top.join("project/.github/workflows")).unwrap();
        fs::create_dir_all(top.join("elsewhere")).unwrap();
        let finder = ConfigFinder::with_cwd(&top.join("project"));
        let config = finder
            .for_file(Path::new(".github/workflows/ci.yml"))
            .unwrap();
        assert_eq!(config.source, None);
        // A file outside the current directory: only its own directory counts.
        let config = finder.for_file(&top.join("elsewhere/x.yml")).unwrap();
        assert_eq!(config.source, None);
        fs::write(top.join("elsewhere/.wffmt.toml"), "[layout]\nindent = 5\n").unwrap();
        let finder = ConfigFinder::with_cwd(&top.join("project"));
        let config = finder.for_file(&top.join("elsewhere/x.yml")).unwrap();
        assert_eq!(config.layout.indent, 5);
        // Started higher up, the top file applies.
        let finder = ConfigFinder::with_cwd(top);
        let config = finder
            .for_file(Path::new("project/.github/workflows/ci.yml"))
            .unwrap();
        assert_eq!(config.layout.indent, 3);
    }

    #[test]
    fn the_user_wide_file_applies_where_the_repository_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("user/wffmt")).unwrap();
        let user = root.join("user/wffmt/wffmt.toml");
        fs::write(&user, "[layout]\nindent = 6\n").unwrap();
        fs::create_dir_all(root.join("a/.git")).unwrap();
        fs::create_dir_all(root.join("b/.git")).unwrap();
        fs::write(root.join("b/wffmt.toml"), "[layout]\nindent = 4\n").unwrap();
        let finder = ConfigFinder::with_cwd(root).with_user_file(Some(user.clone()));
        let a = finder.for_file(Path::new("a/ci.yml")).unwrap();
        assert_eq!(a.layout.indent, 6);
        assert!(finder.is_user_file(a.source.as_deref().unwrap()));
        let b = finder.for_file(Path::new("b/ci.yml")).unwrap();
        assert_eq!(b.layout.indent, 4);
        assert!(!finder.is_user_file(b.source.as_deref().unwrap()));
        // A missing user file is no error.
        let finder = ConfigFinder::with_cwd(root).with_user_file(Some(root.join("none.toml")));
        assert_eq!(finder.for_file(Path::new("a/ci.yml")).unwrap().source, None);
    }

    #[test]
    fn user_config_file_location() {
        use std::ffi::OsString;
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        if cfg!(windows) {
            return;
        }
        assert_eq!(
            user_config_file(env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/wffmt/wffmt.toml"))
        );
        assert_eq!(
            user_config_file(env(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/wffmt/wffmt.toml"))
        );
        assert_eq!(user_config_file(env(&[])), None);
    }

    #[test]
    fn finder_without_files_uses_defaults_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("bad")).unwrap();
        fs::write(root.join("bad/.wffmt.toml"), "[layout]\nindent = 0\n").unwrap();
        let finder = ConfigFinder::with_cwd(root);
        let e = finder.for_file(Path::new("bad/x.yml")).unwrap_err();
        assert_eq!(e.path, "bad/.wffmt.toml");
        assert_eq!((e.line, e.column), (2, 10));
        assert_eq!(finder.for_file(Path::new("bad/y.yml")).unwrap_err(), e);
        // A directory named like a configuration file is not one.
        fs::create_dir_all(root.join("odd/wffmt.toml")).unwrap();
        let odd = finder.for_file(Path::new("odd/x.yml"));
        assert!(odd.is_ok());
    }

    #[test]
    fn finder_with_a_fixed_config_and_threads() {
        let mut config = Config::default();
        config.layout.indent = Indent::Spaces(7);
        let finder = ConfigFinder::with_config(config);
        std::thread::scope(|s| {
            for i in 0..4 {
                let finder = &finder;
                s.spawn(move || {
                    let c = finder.for_file(Path::new(&format!("{i}/x.yml"))).unwrap();
                    assert_eq!(c.layout.indent, 7);
                });
            }
        });
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// What a finder remembers from earlier lookups (the answers of parents, their
        /// repository roots) gives the answer a fresh finder gives, in whatever order the
        /// directories are asked about: inside and outside repositories, below and outside the
        /// current directory.
        #[test]
        fn remembered_answers_agree_with_fresh_lookups(
            order in proptest::strategy::Strategy::prop_shuffle(proptest::strategy::Just(
                (0..DIRS.len()).collect::<Vec<usize>>(),
            )),
            cwd in 0..DIRS.len(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let base = normalize_lexically(dir.path());
            for d in DIRS {
                fs::create_dir_all(base.join(d)).unwrap();
            }
            fs::write(base.join("wffmt.toml"), "").unwrap();
            fs::create_dir_all(base.join("repo/.git")).unwrap();
            fs::write(base.join("repo/a/.wffmt.toml"), "").unwrap();
            fs::write(base.join("wt/.git"), "gitdir: ../repo/.git/worktrees/wt\n").unwrap();
            fs::write(base.join("wt/x/y/wffmt.toml"), "").unwrap();
            fs::write(base.join("plain/x/wffmt.toml"), "").unwrap();
            let cwd = base.join(DIRS[cwd]);
            let shared = ConfigFinder::with_cwd(&cwd);
            for i in order {
                let asked = base.join(DIRS[i]);
                let fresh = ConfigFinder::with_cwd(&cwd).config_file_for(&asked);
                proptest::prop_assert_eq!(shared.config_file_for(&asked), fresh, "{}", DIRS[i]);
            }
        }
    }

    const DIRS: [&str; 12] = [
        "",
        "repo",
        "repo/a",
        "repo/a/b",
        "repo/a/b/c",
        "repo/d",
        "wt",
        "wt/x",
        "wt/x/y/z",
        "plain",
        "plain/x/y",
        "plain/z/w",
    ];
}
