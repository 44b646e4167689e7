//! Running the wffmt binary as a user would, in an environment the machine running the tests
//! cannot leak into, and reading what it printed.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A wffmt command line. Always colourless (`NO_COLOR=1`; colours only ever go to a terminal)
/// with standard input closed; everything else is an option, so that each test states the
/// environment it depends on.
pub struct Wffmt {
    cmd: Command,
    dir: Option<PathBuf>,
}

impl Wffmt {
    /// Run in the test's own working directory (the project).
    pub fn new() -> Wffmt {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wffmt"));
        cmd.env("NO_COLOR", "1").stdin(Stdio::null());
        Wffmt { cmd, dir: None }
    }

    /// Run in `dir`.
    pub fn in_dir(dir: &Path) -> Wffmt {
        let mut run = Wffmt::new();
        run.cmd.current_dir(dir);
        run.dir = Some(dir.to_path_buf());
        run
    }

    /// Run in `dir` against the git server at `url`, with a cache of its own and no GitHub
    /// token from the machine running the tests.
    pub fn with_server(dir: &Path, url: impl AsRef<OsStr>) -> Wffmt {
        Wffmt::in_dir(dir).own_cache().server(url).without_tokens()
    }

    fn dir(&self) -> &Path {
        self.dir
            .as_deref()
            .expect("this option needs a run directory (Wffmt::in_dir)")
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Wffmt {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Wffmt
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Wffmt {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Wffmt {
        self.cmd.env_remove(key);
        self
    }

    /// `WFFMT_CACHE_DIR` at `.cache` in the run directory: nothing is shared with other runs
    /// or with the user's cache.
    pub fn own_cache(self) -> Wffmt {
        let cache = self.dir().join(".cache");
        self.env("WFFMT_CACHE_DIR", cache)
    }

    /// `GITHUB_SERVER_URL`.
    pub fn server(self, url: impl AsRef<OsStr>) -> Wffmt {
        self.env("GITHUB_SERVER_URL", url)
    }

    /// A git server without repositories (`file://` of a directory that does not exist):
    /// nothing is fetched from the network.
    pub fn no_server(self) -> Wffmt {
        let url = format!("file://{}", self.dir().join(".no-server").display());
        self.server(url)
    }

    /// No `GITHUB_TOKEN` or `GH_TOKEN` from the machine running the tests.
    pub fn without_tokens(self) -> Wffmt {
        self.env_remove("GITHUB_TOKEN").env_remove("GH_TOKEN")
    }

    /// No user-wide configuration from the machine running the tests (`XDG_CONFIG_HOME` at a
    /// directory of the run directory that does not exist).
    pub fn no_user_config(self) -> Wffmt {
        let config = self.dir().join(".no-user-config");
        self.env("XDG_CONFIG_HOME", config)
    }

    /// `WFFMT_TODAY`: the day rules that compare dates take as today.
    pub fn today(self, date: &str) -> Wffmt {
        self.env("WFFMT_TODAY", date)
    }

    /// Standard input read from `stdin` instead of closed.
    pub fn stdin(mut self, stdin: impl Into<Stdio>) -> Wffmt {
        self.cmd.stdin(stdin);
        self
    }

    /// The command, for what the options do not cover (spawning, other streams).
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs to the end; standard output and error are captured.
    pub fn output(mut self) -> Output {
        self.cmd.output().expect("wffmt runs")
    }

    /// Runs to the end with `input` on standard input; standard output and error are captured.
    pub fn output_with_input(mut self, input: &[u8]) -> Output {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wffmt runs");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Everything the run printed: standard output, then standard error.
pub fn printed(out: &Output) -> String {
    stdout(out) + &stderr(out)
}
