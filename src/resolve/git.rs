//! Listing a repository's refs with `git ls-remote`, safely.
//!
//! Why git and not the REST API: one `ls-remote` (protocol v2 `ls-refs`) returns every branch
//! and tag with annotated tags already peeled, costs no REST quota, works the same against
//! github.com, GitHub Enterprise Server and `file://` test fixtures, and reuses the user's proxy
//! and TLS set-up.
//!
//! Why so many environment variables: the command runs with input derived from untrusted
//! workflow files, inside whatever repository and git configuration the user happens to have.
//! - Arguments are fixed (`ls-remote --heads --tags -- URL`); the URL comes after `--` and is
//!   built from the configured server and names that [`super::uses`] validated, so it can never
//!   be read as an option. No shell is involved.
//! - `GIT_CONFIG_NOSYSTEM=1`, `GIT_CONFIG_GLOBAL=/dev/null` and `GIT_DIR=/dev/null` (no
//!   repository, so no repository config) keep `url.*.insteadOf` rewrites, credential helpers
//!   and hooks out; the config that matters is passed as `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`,
//!   which git reads as command-line config without it appearing in the argument list.
//! - Only the `https`, `http` and `file` transports are allowed (`protocol.allow=never` plus
//!   per-protocol exceptions, `protocol.ext.allow=never`), and variables that would widen that
//!   (`GIT_ALLOW_PROTOCOL`, `GIT_CONFIG_PARAMETERS`) are removed.
//! - `GIT_TERMINAL_PROMPT=0` and an empty `GIT_ASKPASS` make a credential request fail instead
//!   of hanging on a prompt.
//! - The token travels as an `http.extraHeader` config value in the environment, only for http(s)
//!   servers. Tracing variables that could echo headers are removed, and anything git prints is
//!   scrubbed of the token (and its base64 form) and of control characters before it reaches a
//!   message: a remote can put terminal escape sequences in its `remote:` lines.
//! - git older than 2.32 ignores `GIT_CONFIG_COUNT`/`GIT_CONFIG_GLOBAL` without a word, which
//!   would undo all of the above, so it is refused (one `git version` per [`super::list_refs`]
//!   call that has something to list).
//! - A git process still running at the deadline is killed with its whole process group: its
//!   remote helper (`git-remote-https`) is a grandchild that would otherwise keep its connection
//!   to a server that never answers (git has no HTTP timeout of its own). An interrupted run
//!   kills the groups too (see [`crate::interrupt::GroupChild`]).

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::listing::RefListing;
use super::uses::RepoId;
use super::ResolveError;
use crate::interrupt::GroupChild;

/// Refuse listings larger than this: far above any real repository's heads and tags.
const MAX_STDOUT: u64 = 64 * 1024 * 1024;
/// Keep only the start of stderr for messages.
const MAX_STDERR: u64 = 64 * 1024;

/// Variables removed from git's environment (see the module docs).
const REMOVED_ENV: &[&str] = &[
    "GIT_ALLOW_PROTOCOL",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_SYSTEM",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PROTOCOL",
    "GIT_PROTOCOL_FROM_USER",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "SSH_ASKPASS",
    "GIT_CURL_VERBOSE",
    "GIT_TRACE",
    "GIT_TRACE_CURL",
    "GIT_TRACE_CURL_NO_DATA",
    "GIT_TRACE_PACKET",
    "GIT_TRACE_PACK_ACCESS",
    "GIT_TRACE_PERFORMANCE",
    "GIT_TRACE_SETUP",
    "GIT_TRACE_REDACT",
    "GIT_TRACE2",
    "GIT_TRACE2_EVENT",
    "GIT_TRACE2_PERF",
    "GIT_TRACE2_CONFIG_PARAMS",
    "GIT_TRACE2_ENV_VARS",
];

/// The transport a server URL uses. Anything else is refused before git runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Http,
    File,
}

/// Checks the configured server URL and returns it without trailing slashes.
pub(crate) fn check_server_url(server_url: &str) -> Result<(&str, Transport), ResolveError> {
    let trimmed = server_url.trim_end_matches('/');
    let bad = |why: &str| {
        Err(ResolveError::BadServerUrl(format!(
            "GITHUB_SERVER_URL `{}` {why}",
            sanitize(server_url, None)
        )))
    };
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains whitespace or control characters");
    }
    if trimmed.contains(['?', '#']) {
        return bad("must not contain a query or a fragment");
    }
    let lower = trimmed.to_ascii_lowercase();
    let (transport, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (Transport::Http, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (Transport::Http, rest)
    } else if let Some(rest) = lower.strip_prefix("file://") {
        (Transport::File, rest)
    } else {
        return bad("must start with https://, http:// or file://");
    };
    if rest.is_empty() || (transport == Transport::File && !rest.starts_with('/')) {
        return bad("has no host or path");
    }
    Ok((trimmed, transport))
}

/// `{server}/{owner}/{repo}`; the names must have been validated.
pub(crate) fn repo_url(server: &str, repo: &RepoId) -> String {
    format!("{server}/{}/{}", repo.owner, repo.repo)
}

/// The complete `git ls-remote` command for one repository, ready to spawn.
pub(crate) fn ls_remote_command(
    git: &Path,
    url: &str,
    transport: Transport,
    token: Option<&str>,
) -> Command {
    let mut cmd = remote_command(git, transport, token, &[]);
    // `--heads` rather than its newer spelling `--branches`, which git < 2.46 rejects.
    cmd.args(["ls-remote", "--heads", "--tags", "--"]);
    cmd.arg(url);
    cmd
}

/// A git command that may talk to the server: the isolated environment plus the protocol,
/// credential and token configuration, and `extra` config pairs, all passed through the
/// environment (see the module docs). Arguments are the caller's.
pub(crate) fn remote_command(
    git: &Path,
    transport: Transport,
    token: Option<&str>,
    extra: &[(&str, &str)],
) -> Command {
    let mut cmd = isolated_command(git);
    let mut config: Vec<(&str, OsString)> = vec![
        ("protocol.version", "2".into()),
        ("protocol.allow", "never".into()),
        ("protocol.https.allow", "always".into()),
        ("protocol.http.allow", "always".into()),
        ("protocol.file.allow", "always".into()),
        ("protocol.ext.allow", "never".into()),
        ("credential.helper", "".into()),
        ("core.askPass", "".into()),
    ];
    if let (Transport::Http, Some(token)) = (transport, token) {
        config.push(("http.extraHeader", auth_header(token).into()));
    }
    config.extend(extra.iter().map(|(k, v)| (*k, OsString::from(v))));
    cmd.env("GIT_CONFIG_COUNT", config.len().to_string());
    for (i, (key, value)) in config.into_iter().enumerate() {
        cmd.env(format!("GIT_CONFIG_KEY_{i}"), key);
        cmd.env(format!("GIT_CONFIG_VALUE_{i}"), value);
    }
    cmd
}

/// A git command with piped output and the isolated environment described in the module docs
/// (everything but the per-command config).
pub(crate) fn isolated_command(git: &Path) -> Command {
    let mut cmd = Command::new(git);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A stable working directory: git refuses to start in a deleted one. `GIT_DIR` below
    // already keeps it from finding a repository there.
    let tmp = std::env::temp_dir();
    if tmp.is_dir() {
        cmd.current_dir(tmp);
    }
    for var in REMOVED_ENV {
        cmd.env_remove(var);
    }
    cmd.env("GIT_DIR", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C");
    cmd
}

/// The oldest git that honours `GIT_CONFIG_COUNT` (2.31) and `GIT_CONFIG_GLOBAL` (2.32). An
/// older git would silently ignore both: no token header, and the user's `insteadOf` rules back.
const MIN_GIT: (u32, u32) = (2, 32);

/// git could not be started at all.
pub(crate) fn git_unavailable(git: &Path, e: &io::Error) -> ResolveError {
    ResolveError::GitUnavailable(format!("could not run `{}`: {e}", git.display()))
}

/// Checks that `git` runs and is recent enough. A version string that cannot be read (an
/// unusual build) is given the benefit of the doubt.
pub(crate) fn check_git(git: &Path, timeout: Duration) -> Result<(), ResolveError> {
    let mut cmd = isolated_command(git);
    cmd.arg("version");
    let output = match run_with_timeout(&mut cmd, timeout) {
        Ok(output) => output,
        Err(RunError::Spawn(e)) => return Err(git_unavailable(git, &e)),
        Err(RunError::Timeout) => return Err(ResolveError::Timeout),
        Err(RunError::TooLarge) | Err(RunError::Io(_)) => return Ok(()),
    };
    let text = String::from_utf8_lossy(&output.stdout);
    match parse_git_version(&text) {
        Some(version) if version < MIN_GIT => Err(ResolveError::GitUnavailable(format!(
            "{} is too old; git {}.{} or newer is needed",
            sanitize(text.trim(), None),
            MIN_GIT.0,
            MIN_GIT.1
        ))),
        _ => Ok(()),
    }
}

/// `git version 2.47.3`, `git version 2.39.2 (Apple Git-143)`, `git version 2.45.1.windows.1`
/// → `(major, minor)`.
fn parse_git_version(text: &str) -> Option<(u32, u32)> {
    let rest = text.trim().strip_prefix("git version ")?;
    let mut parts = rest.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// `Authorization: Basic base64("x-access-token:" + token)`, the form GitHub accepts for
/// personal access tokens, fine-grained tokens and `GITHUB_TOKEN` alike.
pub(crate) fn auth_header(token: &str) -> String {
    format!(
        "Authorization: Basic {}",
        base64(format!("x-access-token:{token}").as_bytes())
    )
}

/// Runs `ls-remote` for one repository and parses its output.
pub(crate) fn list_one(
    git: &Path,
    server: &str,
    transport: Transport,
    repo: &RepoId,
    token: Option<&str>,
    timeout: Duration,
) -> Result<RefListing, ResolveError> {
    let url = repo_url(server, repo);
    let mut cmd = ls_remote_command(git, &url, transport, token);
    let stdout = run_git(git, &mut cmd, None, timeout, transport, token)?;
    Ok(RefListing::from_ls_remote(&String::from_utf8_lossy(
        &stdout,
    )))
}

/// Runs a prepared git command; its standard output on success, otherwise the failure
/// classified from git's messages.
pub(crate) fn run_git(
    git: &Path,
    cmd: &mut Command,
    input: Option<Vec<u8>>,
    timeout: Duration,
    transport: Transport,
    token: Option<&str>,
) -> Result<Vec<u8>, ResolveError> {
    let output = match run_with_input(cmd, input, timeout) {
        Ok(output) => output,
        Err(RunError::Spawn(e)) => return Err(git_unavailable(git, &e)),
        Err(RunError::Timeout) => return Err(ResolveError::Timeout),
        Err(RunError::TooLarge) => {
            return Err(ResolveError::Git(
                "git's answer is larger than 64 MiB".to_string(),
            ))
        }
        Err(RunError::Io(e)) => {
            return Err(ResolveError::Git(format!("reading git's output: {e}")))
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(classify_failure(&stderr, transport, token));
    }
    Ok(output.stdout)
}

/// Maps a failed git command to an error kind from git's (C-locale) messages.
pub(crate) fn classify_failure(
    stderr: &str,
    transport: Transport,
    token: Option<&str>,
) -> ResolveError {
    let lower = stderr.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    let detail = || summarize(stderr, token);
    if has(&[
        "does not appear to be a git repository",
        "repository not found",
        "returned error: 404",
        "not a git repository",
    ]) || (lower.contains("repository '") && lower.contains("' not found"))
    {
        return ResolveError::RepoNotFound;
    }
    if has(&[
        "not our ref",
        "unadvertised object",
        "couldn't find remote ref",
    ]) {
        return ResolveError::CommitNotFound;
    }
    if has(&[
        "could not read username",
        "could not read password",
        "terminal prompts disabled",
        "authentication failed",
        "invalid username or password",
        "returned error: 401",
        "returned error: 403",
    ]) {
        let why = if token.is_none() {
            "the server asked for credentials: the repository does not exist, or it is private \
             and GITHUB_TOKEN or GH_TOKEN is not set"
                .to_string()
        } else {
            format!("the server rejected the token ({})", detail())
        };
        return ResolveError::Auth(why);
    }
    if transport == Transport::Http
        || has(&[
            "could not resolve",
            "failed to connect",
            "connection refused",
            "connection reset",
            "timed out",
            "unable to access",
            "early eof",
            "remote end hung up",
            "rpc failed",
        ])
    {
        return ResolveError::Network(detail());
    }
    ResolveError::Git(detail())
}

/// The last few meaningful lines of git's stderr, scrubbed for display.
fn summarize(stderr: &str, token: Option<&str>) -> String {
    let clean = sanitize(stderr, token);
    let lines: Vec<&str> = clean
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("hint:"))
        .collect();
    let start = lines.len().saturating_sub(3);
    let mut text = lines[start..].join(" / ");
    if text.is_empty() {
        text = "git failed without a message".to_string();
    }
    if text.len() > 400 {
        let mut end = 400;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Removes the token (raw and inside the basic-auth header) and control characters other than
/// newlines and tabs.
pub(crate) fn sanitize(text: &str, token: Option<&str>) -> String {
    let mut text: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        let encoded = base64(format!("x-access-token:{token}").as_bytes());
        text = text.replace(&encoded, "***").replace(token, "***");
    }
    text
}

#[derive(Debug)]
pub(crate) struct RunOutput {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug)]
pub(crate) enum RunError {
    Spawn(io::Error),
    Timeout,
    TooLarge,
    Io(io::Error),
}

/// Runs a command in a process group of its own, collecting stdout and stderr on helper
/// threads, and kills the group when it is not done within `timeout`. The reader threads are
/// not joined after a kill: they end on their own when the pipes close.
pub(crate) fn run_with_timeout(
    cmd: &mut Command,
    timeout: Duration,
) -> Result<RunOutput, RunError> {
    run_with_input(cmd, None, timeout)
}

/// [`run_with_timeout`] with `input` written to the child's standard input (then closed).
pub(crate) fn run_with_input(
    cmd: &mut Command,
    input: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<RunOutput, RunError> {
    let deadline = Instant::now() + timeout;
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut group = GroupChild::spawn(cmd).map_err(RunError::Spawn)?;
    let child = group.child();
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        // On its own thread: a child that does not read must not block us past the deadline.
        let _ = thread::Builder::new()
            .name("wffmt-git-stdin".to_string())
            .spawn(move || {
                let _ = stdin.write_all(&input);
            });
    }
    let (tx, rx) = mpsc::channel::<(bool, io::Result<(Vec<u8>, bool)>)>();
    let mut readers = 0;
    if let Some(stdout) = child.stdout.take() {
        let tx = tx.clone();
        if spawn_reader(stdout, MAX_STDOUT, move |r| tx.send((true, r)).is_ok()) {
            readers += 1;
        }
    }
    if let Some(stderr) = child.stderr.take() {
        let tx = tx.clone();
        if spawn_reader(stderr, MAX_STDERR, move |r| tx.send((false, r)).is_ok()) {
            readers += 1;
        }
    }
    drop(tx);
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut failure = None;
    while readers > 0 {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(remaining) {
            Ok((is_stdout, result)) => {
                readers -= 1;
                match result {
                    Ok((bytes, truncated)) if is_stdout => {
                        if truncated {
                            failure = Some(RunError::TooLarge);
                        }
                        stdout = bytes;
                    }
                    Ok((bytes, _)) => stderr = bytes,
                    Err(e) => failure = Some(RunError::Io(e)),
                }
                if failure.is_some() {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                failure = Some(RunError::Timeout);
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Some(failure) = failure {
        group.kill();
        return Err(failure);
    }
    let mut pause = Duration::from_millis(1);
    loop {
        match group.try_wait() {
            Ok(Some(status)) => {
                return Ok(RunOutput {
                    status,
                    stdout,
                    stderr,
                })
            }
            Ok(None) if Instant::now() >= deadline => {
                group.kill();
                return Err(RunError::Timeout);
            }
            Ok(None) => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => {
                group.kill();
                return Err(RunError::Io(e));
            }
        }
    }
}

/// Reads `source` to the end on a new thread, keeping at most `limit` bytes (the rest is drained
/// so that the child never blocks on a full pipe). Returns false if no thread could be started.
fn spawn_reader<R, F>(source: R, limit: u64, deliver: F) -> bool
where
    R: Read + Send + 'static,
    F: FnOnce(io::Result<(Vec<u8>, bool)>) -> bool + Send + 'static,
{
    thread::Builder::new()
        .name("wffmt-git-pipe".to_string())
        .spawn(move || {
            let mut source = source;
            let mut buf = Vec::new();
            let result = (&mut source)
                .take(limit)
                .read_to_end(&mut buf)
                .and_then(|_| {
                    let rest = io::copy(&mut source, &mut io::sink())?;
                    Ok((buf, rest > 0))
                });
            deliver(result);
        })
        .is_ok()
}

/// Standard base64 with padding (RFC 4648), for the basic-auth header.
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::ffi::OsStr;

    fn env_of(cmd: &Command) -> BTreeMap<String, Option<String>> {
        cmd.get_envs()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.map(|v| v.to_string_lossy().into_owned()),
                )
            })
            .collect()
    }

    fn config_of(cmd: &Command) -> BTreeMap<String, String> {
        let env = env_of(cmd);
        let count: usize = env["GIT_CONFIG_COUNT"].as_deref().unwrap().parse().unwrap();
        (0..count)
            .map(|i| {
                (
                    env[&format!("GIT_CONFIG_KEY_{i}")].clone().unwrap(),
                    env[&format!("GIT_CONFIG_VALUE_{i}")].clone().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
        assert_eq!(
            auth_header("ghp_secret"),
            "Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hwX3NlY3JldA=="
        );
    }

    #[test]
    fn command_keeps_token_out_of_argv() {
        let token = "ghp_s3cr3t-token-value";
        let cmd = ls_remote_command(
            Path::new("git"),
            "https://github.com/actions/checkout",
            Transport::Http,
            Some(token),
        );
        let args: Vec<&OsStr> = cmd.get_args().collect();
        assert_eq!(
            args,
            [
                "ls-remote",
                "--heads",
                "--tags",
                "--",
                "https://github.com/actions/checkout"
            ]
        );
        for arg in &args {
            assert!(!arg.to_string_lossy().contains(token));
        }
        let env = env_of(&cmd);
        assert_eq!(env["GIT_TERMINAL_PROMPT"].as_deref(), Some("0"));
        assert_eq!(env["GIT_CONFIG_NOSYSTEM"].as_deref(), Some("1"));
        assert_eq!(env["GIT_CONFIG_GLOBAL"].as_deref(), Some("/dev/null"));
        assert_eq!(env["GIT_DIR"].as_deref(), Some("/dev/null"));
        assert_eq!(env["GIT_ASKPASS"].as_deref(), Some(""));
        for removed in [
            "GIT_CONFIG_PARAMETERS",
            "GIT_ALLOW_PROTOCOL",
            "GIT_TRACE_CURL",
        ] {
            assert_eq!(env[removed], None, "{removed} must be removed");
        }
        let config = config_of(&cmd);
        assert_eq!(config["protocol.ext.allow"], "never");
        assert_eq!(config["protocol.allow"], "never");
        assert_eq!(config["protocol.https.allow"], "always");
        assert_eq!(config["http.extraHeader"], auth_header(token));
        assert!(!config["http.extraHeader"].contains(token));
    }

    #[test]
    fn no_header_for_file_or_without_token() {
        let cmd = ls_remote_command(
            Path::new("git"),
            "file:///tmp/base/o/r",
            Transport::File,
            Some("tok"),
        );
        assert!(!config_of(&cmd).contains_key("http.extraHeader"));
        let cmd = ls_remote_command(Path::new("git"), "https://x/o/r", Transport::Http, None);
        assert!(!config_of(&cmd).contains_key("http.extraHeader"));
    }

    #[test]
    fn git_versions() {
        assert_eq!(parse_git_version("git version 2.47.3\n"), Some((2, 47)));
        assert_eq!(
            parse_git_version("git version 2.39.2 (Apple Git-143)"),
            Some((2, 39))
        );
        assert_eq!(
            parse_git_version("git version 2.45.1.windows.1"),
            Some((2, 45))
        );
        assert_eq!(parse_git_version("hub version 1"), None);
        assert!(parse_git_version("git version 2.31.0").unwrap() < MIN_GIT);
        assert!(parse_git_version("git version 10.0").unwrap() > MIN_GIT);
        let cmd = ls_remote_command(Path::new("git"), "file:///b/o/r", Transport::File, None);
        assert_eq!(cmd.get_current_dir(), Some(std::env::temp_dir().as_path()));
    }

    #[test]
    fn server_urls() {
        assert_eq!(
            check_server_url("https://github.com/").unwrap(),
            ("https://github.com", Transport::Http)
        );
        assert_eq!(
            check_server_url("file:///tmp/base").unwrap(),
            ("file:///tmp/base", Transport::File)
        );
        assert_eq!(
            check_server_url("HTTP://ghe.example").unwrap().1,
            Transport::Http
        );
        for bad in [
            "ext::sh -c x",
            "ssh://git@github.com",
            "git@github.com:",
            "github.com",
            "https://",
            "file://relative",
            "https://x/?a=b",
            "https://x/ y",
            "--upload-pack=x",
            "",
        ] {
            assert!(
                matches!(check_server_url(bad), Err(ResolveError::BadServerUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn classifies_git_errors() {
        let file = Transport::File;
        let http = Transport::Http;
        let e = classify_failure(
            "fatal: '/b/o/r' does not appear to be a git repository\nfatal: Could not read from remote repository.\n",
            file,
            None,
        );
        assert_eq!(e, ResolveError::RepoNotFound);
        let e = classify_failure(
            "remote: Repository not found.\nfatal: repository 'https://github.com/o/r/' not found\n",
            http,
            Some("t"),
        );
        assert_eq!(e, ResolveError::RepoNotFound);
        let e = classify_failure(
            "fatal: could not read Username for 'https://github.com': terminal prompts disabled\n",
            http,
            None,
        );
        assert!(matches!(&e, ResolveError::Auth(m) if m.contains("GITHUB_TOKEN")));
        assert!(e.is_network_or_auth());
        let e = classify_failure(
            "remote: Invalid username or token.\nfatal: Authentication failed for 'https://github.com/o/r/' with sekrit\n",
            http,
            Some("sekrit"),
        );
        assert!(matches!(&e, ResolveError::Auth(m) if !m.contains("sekrit") && m.contains("***")));
        let e = classify_failure(
            "fatal: unable to access 'https://nope.invalid/o/r/': Could not resolve host: nope.invalid\n",
            http,
            None,
        );
        assert!(matches!(e, ResolveError::Network(_)));
        assert!(e.is_network_or_auth());
        let e = classify_failure("fatal: something odd\n", file, None);
        assert!(matches!(e, ResolveError::Git(_)));
        assert!(!e.is_network_or_auth());
    }

    #[test]
    fn sanitize_strips_escapes_and_token() {
        let token = "abc123";
        let header = base64(b"x-access-token:abc123");
        let text = format!("remote: \u{1b}[31mred\u{7}\r\n{token} {header}\n");
        let clean = sanitize(&text, Some(token));
        assert!(!clean.contains('\u{1b}'));
        assert!(!clean.contains('\r'));
        assert!(!clean.contains(token));
        assert!(!clean.contains(&header));
        assert!(summarize("", None).contains("without a message"));
        let long = "x".repeat(2000);
        assert!(summarize(&long, None).len() < 500);
    }

    #[cfg(unix)]
    #[test]
    fn run_with_timeout_kills_slow_children() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 5"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let r = run_with_timeout(&mut cmd, Duration::from_millis(200));
        assert!(matches!(r, Err(RunError::Timeout)), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(3));

        let mut cmd = Command::new("sh");
        cmd.args(["-c", "printf out; printf err >&2; exit 3"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = run_with_timeout(&mut cmd, Duration::from_secs(10)).unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out");
        assert_eq!(out.stderr, b"err");

        let mut cmd = Command::new("/nonexistent/git-binary");
        assert!(matches!(
            run_with_timeout(&mut cmd, Duration::from_secs(1)),
            Err(RunError::Spawn(_))
        ));
    }
}
