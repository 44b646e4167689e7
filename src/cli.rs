//! Command-line definitions (clap). The contract is in the README: flags, modes, exit codes.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Parser, ValueEnum};

/// Exit codes and environment variables, after the options in `--help`. The man page turns each
/// block (`Title:` and its `  name  meaning` lines) into a section of its own.
pub const AFTER_HELP: &str = "\
Exit codes:
  0  nothing to change, or every change written
  1  --check: a file would change or has an error-level finding
  2  a file could not be read, parsed or verified, a configuration is broken, or the command line is wrong
  3  a lookup in another repository or a registry failed because of the network or authentication (rule `network`)

Environment:
  GITHUB_SERVER_URL       where `pin` resolves owner/repo (default https://github.com; GitHub Enterprise Server and file:// work)
  GITHUB_TOKEN, GH_TOKEN  token for it (given to git in its environment, never printed)
  WFFMT_CACHE_DIR         cache directory (default: the user cache directory + /wffmt)
  WFFMT_CACHE_TTL         seconds a cached ref listing stays fresh (default 900)
  WFFMT_NETWORK_TIMEOUT   seconds one network request may take (default 30)
  WFFMT_NETWORK_DEADLINE  seconds all network requests of a run may take (default 180)
  WFFMT_TODAY             YYYY-MM-DD: apply dated migrations as of that day (default: today, UTC)
  NO_COLOR                set and not empty: no colours with --color auto
  XDG_CONFIG_HOME         where the user-wide wffmt/wffmt.toml is (default ~/.config; %APPDATA% on Windows)
  WFFMT_TEST_PAUSE_BEFORE_RENAME  tests only: --fix stops before each rename (see the README)

See also:
  wffmt --list-rules      the rules and what each does
  wffmt --explain RULE    a rule's documentation";

#[derive(Debug, Parser)]
#[command(
    name = "wffmt",
    version,
    about = "Format and migrate GitHub Actions workflow files without losing a byte",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Files or directories to process (default: `.`); `-` reads standard input.
    pub paths: Vec<PathBuf>,

    /// Write nothing; exit 1 if any file would change or has an error-level finding.
    #[arg(long, conflicts_with = "fix")]
    pub check: bool,

    /// Print the diff of what would change and write nothing (the default mode, by name).
    #[arg(long, conflicts_with_all = ["check", "fix"])]
    pub diff: bool,

    /// Rewrite files in place (atomically) and print one line per changed file.
    #[arg(long)]
    pub fix: bool,

    /// Also apply fixes marked unsafe (they may change what a workflow does); without it, unsafe
    /// fixes are reported with the suggested change.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Comma-separated rules to run (default: every rule that is on by default).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Comma-separated rules not to run.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub skip: Vec<String>,

    /// Never touch the network: every lookup (`pin`, `permissions`, migrations) uses only the cache.
    #[arg(long)]
    pub offline: bool,

    /// Check every pinned SHA against its version comment (with `pin`).
    #[arg(long)]
    pub verify_pins: bool,

    /// `pin` moves pins to the newest release of the same major version.
    #[arg(long, conflicts_with = "upgrade")]
    pub update: bool,

    /// `pin` moves pins to the newest release, across major versions.
    #[arg(long)]
    pub upgrade: bool,

    /// `pin` also pins container images (`docker://` steps, `container`, `services`) to their
    /// index digest (`image:tag@sha256:…`), read from the registry.
    #[arg(long)]
    pub pin_images: bool,

    /// With --update/--upgrade: skip releases younger than DAYS (default: `[pin] min-age`, else
    /// the github-actions cooldown of .github/dependabot.yml).
    #[arg(long, value_name = "DAYS")]
    pub min_age: Option<u32>,

    /// How findings and changes are reported.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Colour the output (`NO_COLOR` turns `auto` off).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Configuration file for every path (default: the nearest wffmt.toml or .wffmt.toml up to the
    /// repository root, else the user-wide one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Name of the file read from standard input (for messages and to tell a workflow from an action).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Refuse files larger than this (e.g. 500kB, 10MB, 1GiB; default 10MB).
    #[arg(long, value_name = "SIZE", value_parser = crate::read::parse_size, default_value = "10MB")]
    pub max_file_size: u64,

    /// Explain each finding in more detail (e.g. the reasons behind permissions) and say which
    /// configuration file applied to each file.
    #[arg(short, long)]
    pub verbose: bool,

    /// Print only errors: no diff, no warnings, no summary, no progress; the exit code says the rest.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print how many fixes and findings each rule made, per kind, instead of diffs and findings.
    #[arg(long)]
    pub statistics: bool,

    /// Exit 0 even when --check finds something to change (errors still exit 2, network failures 3).
    #[arg(long)]
    pub exit_zero: bool,

    /// Comma-separated gitignore-style globs of paths to leave out, in addition to the
    /// configuration's `exclude` / `extend-exclude`.
    #[arg(long, value_delimiter = ',', value_name = "GLOBS")]
    pub exclude: Vec<String>,

    /// Leave out excluded paths even when named on the command line (for pre-commit and scripts
    /// that pass every changed file).
    #[arg(long)]
    pub force_exclude: bool,

    /// Write the report (what would go to standard output) to FILE instead.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// Write a `wffmt.toml` with the indentation width and sequence style the workflow and
    /// action files under PATH already use (in PATH when it is the only one, else in the current
    /// directory) and exit. An existing configuration file is never overwritten.
    #[arg(long, conflicts_with_all = ["check", "fix", "diff"])]
    pub init: bool,

    /// Print a rule's documentation (what it does, why, examples, options) and exit.
    #[arg(long, value_name = "RULE", exclusive = true, value_parser = PossibleValuesParser::new(crate::passes::rule_names()))]
    pub explain: Option<String>,

    /// List the rules, whether each runs by default and what it does, and exit.
    #[arg(long, exclusive = true)]
    pub list_rules: bool,

    /// Print the completion script for SHELL and exit (e.g. `wffmt --completions bash`).
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) and exit: `wffmt --man > wffmt.1`.
    #[arg(long, exclusive = true)]
    pub man: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Github,
    Sarif,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}
