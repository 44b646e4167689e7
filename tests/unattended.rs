//! What unattended runs rely on: configuration errors are one error with exit code 2, hostile
//! file content cannot drive the terminal, special and oversized files are refused, and the
//! configuration comes from the repository (or the user), never from an arbitrary parent
//! directory.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::run::{stderr, stdout, Wffmt};
use common::tree::temp_tree;

/// No user-wide configuration and no server from the machine running the tests.
fn command(dir: &Path, args: &[&str]) -> Wffmt {
    Wffmt::in_dir(dir)
        .own_cache()
        .no_user_config()
        .env_remove("GITHUB_SERVER_URL")
        .args(args)
}

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output()
}

/// Contents as bytes: some files are not UTF-8.
fn repo(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    temp_tree(files)
}

// ---- exit codes ----------------------------------------------------------------------------

const USES_TWO: &str = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: my-org/x@v1\n      - uses: actions/checkout@v4\n";

#[test]
fn an_invalid_permissions_action_entry_is_a_configuration_error_even_with_fix() {
    let config = b"[[permissions.action]]\nuses = \"my-org/x\"\nneeds = { contents = \"bogus\" }\nreason = \"r\"\nsource = \"s\"\n";
    let (_d, root) = repo(&[
        (".github/workflows/a.yml", USES_TWO.as_bytes()),
        (".github/workflows/b.yml", USES_TWO.as_bytes()),
        ("wffmt.toml", config),
    ]);
    for mode in ["--fix", "--check"] {
        let out = wffmt(&root, &[mode, "--offline", "--skip", "pin"]);
        assert_eq!(out.status.code(), Some(2), "{mode}: {}", stderr(&out));
        let text = stderr(&out);
        assert_eq!(text.matches("error[config]").count(), 1, "{text}");
        // At the entry's own line in the configuration file.
        assert!(text.contains("wffmt.toml:3:9: error[config]"), "{text}");
        assert!(text.contains("\"read\", \"write\" or \"none\""), "{text}");
    }
    // Nothing was written.
    let a = std::fs::read_to_string(root.join(".github/workflows/a.yml")).unwrap();
    assert_eq!(a, USES_TWO);
}

#[test]
fn a_server_url_without_scheme_is_one_error_with_exit_2() {
    let (_d, root) = repo(&[
        (".github/workflows/a.yml", USES_TWO.as_bytes()),
        (".github/workflows/b.yml", USES_TWO.as_bytes()),
    ]);
    for mode in ["--check", "--fix"] {
        let out = command(&root, &[mode])
            .env("GITHUB_SERVER_URL", "github.com")
            .output();
        assert_eq!(out.status.code(), Some(2), "{mode}");
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(all.matches("GITHUB_SERVER_URL").count(), 2, "{all}");
        assert!(
            stderr(&out)
                .starts_with("wffmt: GITHUB_SERVER_URL `github.com` must start with https://"),
            "{all}"
        );
        assert!(
            stderr(&out).contains("help: set GITHUB_SERVER_URL"),
            "{all}"
        );
    }
    // Without `pin`, the variable does not matter.
    let out = command(&root, &["--check", "--skip", "pin"])
        .env("GITHUB_SERVER_URL", "github.com")
        .output();
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
}

// ---- terminal control characters -----------------------------------------------------------

/// Nothing that reaches a terminal in text mode carries a raw control character, wherever it
/// came from: `uses:` values, alias names, file names.
fn assert_terminal_safe(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}')
        .collect();
    assert!(bad.is_empty(), "raw {bad:?} in:\n{text}");
}

#[test]
fn text_messages_escape_terminal_control_characters() {
    let hostile = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: a/b@\u{1b}[2J\u{7}x\rfixed y\n      - run: *\u{1b}[31mred\u{202e}\n";
    let (_d, root) = repo(&[("w.yml", hostile.as_bytes())]);
    let out = wffmt(&root, &["--offline", "w.yml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_terminal_safe(&stdout(&out));
    assert_terminal_safe(&stderr(&out));
    assert!(
        stderr(&out).contains("`a/b@\\e[2J\\x07x`"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("`*\\e[31mred\\u{202e}`"),
        "{}",
        stderr(&out)
    );

    // The same on standard input with --fix, where findings go to standard error.
    let out = command(&root, &["--offline", "--fix", "-"]).output_with_input(hostile.as_bytes());
    assert_terminal_safe(&stderr(&out));
    assert!(
        stderr(&out).contains("-:6:15: warning[pin]"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_file_name_cannot_forge_a_fixed_line() {
    let name = "x\nfixed .github/workflows/other.yml\u{1b}[1A.yml";
    let (_d, root) = repo(&[(name, b"on:\n  push:\n    paths:\n      - **/x\n")]);
    let out = wffmt(&root, &["--fix", "--select", "quote-patterns", name]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_terminal_safe(&text);
    assert_eq!(
        text,
        "fixed x\\nfixed .github/workflows/other.yml\\e[1A.yml (quote-patterns)\n"
    );
}

// ---- special and oversized files -----------------------------------------------------------

/// Runs wffmt and fails the test (instead of hanging it) if it has not finished in 60 s.
fn wffmt_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = command(dir, args)
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wffmt {args:?} did not finish within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn an_explicitly_named_fifo_is_refused_without_blocking() {
    let clean = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n";
    let (_d, root) = repo(&[("ok.yml", clean.as_bytes())]);
    mkfifo(&root.join("pipe.yml"));
    let out = wffmt_bounded(&root, &["--check", "pipe.yml", "ok.yml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("pipe.yml:1:1: error[io]: a named pipe (FIFO), not a regular file; skipped"),
        "{text}"
    );
    assert!(
        text.contains(
            "help: wffmt reads regular files only; to format a stream, pipe it to standard input"
        ),
        "{text}"
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        text.trim_end()
            .ends_with("\n2 files checked, nothing to change, 1 error"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn devices_behind_workflow_names_are_refused_named_or_found() {
    let (_d, root) = repo(&[(".github/workflows/ok.yml", b"on: push\n")]);
    let wf = root.join(".github/workflows");
    std::os::unix::fs::symlink("/dev/zero", wf.join("zero.yml")).unwrap();
    std::os::unix::fs::symlink("/dev/urandom", wf.join("random.yaml")).unwrap();
    mkfifo(&wf.join("fifo.yml"));
    std::os::unix::fs::symlink("gone.yml", wf.join("dangling.yml")).unwrap();
    let out = wffmt_bounded(&root, &["--check", "--offline"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    for expected in [
        ".github/workflows/zero.yml:1:1: error[io]: a character device, not a regular file; skipped",
        ".github/workflows/random.yaml:1:1: error[io]: a character device, not a regular file; skipped",
        ".github/workflows/fifo.yml:1:1: error[io]: a named pipe (FIFO), not a regular file; skipped",
        ".github/workflows/dangling.yml:1:1: error[io]: a symbolic link to a file that does not exist; skipped",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let named = wffmt_bounded(&root, &["--check", ".github/workflows/zero.yml"]);
    assert_eq!(named.status.code(), Some(2));
    assert!(stderr(&named).contains("a character device, not a regular file"));
}

#[test]
fn files_over_the_size_limit_are_refused() {
    // 11 MB of valid YAML: a comment line repeated.
    let big = "on: push\n".to_string()
        + &"# padding padding padding padding padding padding\n".repeat(220_000);
    assert!(big.len() > 11_000_000);
    let (_d, root) = repo(&[("big.yml", big.as_bytes())]);
    let out = wffmt_bounded(&root, &["--check", "--select", "quote-patterns", "big.yml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "big.yml:1:1: error[io]: larger than the 10 MB size limit (11.0 MB); skipped"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--max-file-size"));
    // The limit is configurable, both ways.
    let raised = wffmt_bounded(
        &root,
        &[
            "--check",
            "--select",
            "quote-patterns",
            "--max-file-size",
            "20MB",
            "big.yml",
        ],
    );
    assert_eq!(raised.status.code(), Some(0), "{}", stderr(&raised));
    let (_d2, small) = repo(&[("a.yml", b"on: push\n")]);
    let lowered = wffmt_bounded(&small, &["--check", "--max-file-size", "5", "a.yml"]);
    assert!(stderr(&lowered).contains("larger than the 5 bytes size limit (9 bytes)"));
    let bad = wffmt_bounded(&small, &["--max-file-size", "lots", "a.yml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("`lots` is not a size"),
        "{}",
        stderr(&bad)
    );

    // Standard input has the same limit.
    let mut child = command(&small, &["--check", "--max-file-size", "1kB", "-"])
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let _ = child.stdin.take().unwrap().write_all(&[b'#'; 5000]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("standard input: larger than the 1 kB size limit"),
        "{}",
        stderr(&out)
    );
}

// ---- where configuration comes from --------------------------------------------------------

const DEPLOY: &str = "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: my-org/deploy@v1\n";
const GRANTS: &[u8] = b"[[permissions.action]]\nuses = \"my-org/deploy\"\nneeds = { contents = \"write\", id-token = \"write\" }\nreason = \"deploys\"\nsource = \"my-org/deploy: README.md\"\n";

#[test]
fn a_configuration_above_the_repository_does_not_apply() {
    // A shared parent directory (think of the system temporary directory) with a wffmt.toml
    // that grants write scopes, and a repository below it.
    let (_d, shared) = repo(&[
        ("wffmt.toml", GRANTS),
        ("repo/.github/workflows/deploy.yml", DEPLOY.as_bytes()),
    ]);
    let root = shared.join("repo");
    std::fs::create_dir(root.join(".git")).unwrap();
    let out = wffmt(&root, &["--select", "permissions", "-v"]);
    let text = stdout(&out);
    assert!(!text.contains("id-token: write"), "{text}");
    assert!(
        stderr(&out).contains(
            "wffmt: configuration for .github/workflows/deploy.yml: none (built-in defaults)"
        ),
        "{}",
        stderr(&out)
    );
    // Standard input named by --stdin-filename is looked up the same way.
    let out = command(
        &root,
        &[
            "-v",
            "--select",
            "permissions",
            "--stdin-filename",
            ".github/workflows/deploy.yml",
            "-",
        ],
    )
    .output_with_input(DEPLOY.as_bytes());
    assert!(
        !stdout(&out).contains("id-token: write"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(
            "wffmt: configuration for .github/workflows/deploy.yml: none (built-in defaults)"
        ),
        "{}",
        stderr(&out)
    );
    // Run from a subdirectory of the repository, the repository's own file applies.
    std::fs::write(root.join("wffmt.toml"), GRANTS).unwrap();
    let out = wffmt(&root.join(".github"), &["--select", "permissions", "-v"]);
    assert!(stdout(&out).contains("id-token: write"), "{}", stdout(&out));
    // (Outside the current directory, the configuration file is shown with its absolute path.)
    let expected = format!(
        "wffmt: configuration for workflows/deploy.yml: {}\n",
        root.join("wffmt.toml").display()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
}

#[test]
fn the_user_wide_configuration_applies_where_the_repository_has_none() {
    let (_d, root) = repo(&[
        (".github/workflows/deploy.yml", DEPLOY.as_bytes()),
        ("user-config/wffmt/wffmt.toml", GRANTS),
    ]);
    std::fs::create_dir(root.join(".git")).unwrap();
    let out = command(&root, &["--select", "permissions", "-v"])
        .env("XDG_CONFIG_HOME", root.join("user-config"))
        .output();
    assert!(stdout(&out).contains("id-token: write"), "{}", stdout(&out));
    let expected = format!(
        "configuration for .github/workflows/deploy.yml: {} (user-wide)",
        root.join("user-config/wffmt/wffmt.toml").display()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    // --config names the file for every path.
    std::fs::write(root.join("other.toml"), "").unwrap();
    let out = command(
        &root,
        &["--select", "permissions", "-v", "--config", "other.toml"],
    )
    .env("XDG_CONFIG_HOME", root.join("user-config"))
    .output();
    assert!(
        !stdout(&out).contains("id-token: write"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out)
            .contains("configuration for .github/workflows/deploy.yml: other.toml (--config)"),
        "{}",
        stderr(&out)
    );
}

// ---- values are read as YAML means them -----------------------------------------------------

#[test]
fn double_quoted_escapes_are_decoded_when_rules_read_values() {
    let workflow = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: \"actions/\\u0063heckout@v4\"\n      - run: \"echo \\x41\"\n";
    let (_d, root) = repo(&[("w.yml", workflow.as_bytes())]);
    let out = wffmt(&root, &["--offline", "--select", "permissions", "w.yml"]);
    let text = stdout(&out);
    // `actions/\u0063heckout` is actions/checkout: known, so no TODO and no warning.
    assert!(!text.contains("TODO"), "{text}");
    assert!(!text.contains("warning"), "{text}");
    assert!(text.contains("+      contents: read"), "{text}");
}

// ---- the verifier's oracle -----------------------------------------------------------------

#[test]
fn a_valid_file_the_oracle_misreads_is_not_refused() {
    // A whitespace-only last line with the block's indentation and no final newline: yaml-rust2
    // reads "x\n\n", the YAML specification (and libyaml, PyYAML, ...) "x\n".
    let (_d, root) = repo(&[("a.yml", b"run: |\n  x\n  ")]);
    let out = wffmt(&root, &["--fix", "a.yml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        std::fs::read_to_string(root.join("a.yml")).unwrap(),
        "run: |\n  x\n"
    );
}
