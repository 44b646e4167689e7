//! What unattended runs rely on: configuration errors are one error with exit code 2, hostile
//! file content cannot drive the terminal, special and oversized files are refused, and the
//! configuration comes from the repository (or the user), never from an arbitrary parent
//! directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wffmt"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("WFFMT_CACHE_DIR", dir.join(".cache"))
        // No user-wide configuration from the machine running the tests.
        .env("XDG_CONFIG_HOME", dir.join(".no-user-config"))
        .env_remove("GITHUB_SERVER_URL")
        .stdin(Stdio::null());
    cmd
}

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("wffmt runs")
}

fn repo(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    for (name, body) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
    }
    (dir, root)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
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
        assert_eq!(out.status.code(), Some(2), "{mode}: {}", stdout(&out));
        let text = stdout(&out);
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
            .output()
            .unwrap();
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
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
}
