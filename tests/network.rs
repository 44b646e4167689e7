//! Network failures, whichever rule meets them: named `network` (not after a rule that may not
//! be running), exit code 3, and never with `--offline`, even when the cache remembers an
//! earlier failure. The unreachable server is port 9 of the loopback address, where nothing
//! listens: connections are refused at once.

mod common;

use std::path::Path;
use std::process::Output;

use common::run::{printed, Wffmt};
use common::tree::write_file;

const UNREACHABLE: &str = "http://127.0.0.1:9";

fn wffmt(dir: &Path, args: &[&str]) -> Output {
    Wffmt::with_server(dir, UNREACHABLE).args(args).output()
}

fn workflow(dir: &Path, body: &str) {
    write_file(dir, ".github/workflows/w.yml", body);
}

/// The rules named in a JSON report's findings.
fn rules_in_json(o: &Output) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    let mut rules = Vec::new();
    for file in report["files"].as_array().into_iter().flatten() {
        for finding in file["findings"].as_array().into_iter().flatten() {
            rules.push(finding["rule"].as_str().unwrap_or_default().to_string());
        }
    }
    rules
}

/// After a run that could not reach the server, `--offline` (which must not try) reads the
/// cached failure as "not in the cache": a finding like any other, not exit code 3.
#[test]
fn offline_does_not_replay_a_cached_network_failure_as_one() {
    let dir = tempfile::tempdir().unwrap();
    workflow(
        dir.path(),
        "on: push\npermissions: {}\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/checkout@v4\n      - uses: acme/setup@v4\n",
    );
    let online = wffmt(dir.path(), &["--check", "--select", "pin"]);
    assert_eq!(online.status.code(), Some(3), "{}", printed(&online));
    assert!(
        printed(&online).contains("error[network]"),
        "{}",
        printed(&online)
    );

    let offline = wffmt(dir.path(), &["--check", "--select", "pin", "--offline"]);
    let msgs = printed(&offline);
    assert_eq!(offline.status.code(), Some(1), "{msgs}");
    assert!(msgs.contains("w.yml:7:15: error[pin]"), "{msgs}");
    assert!(
        msgs.contains("not in the cache (an earlier run could not reach the server: "),
        "{msgs}"
    );
    assert!(msgs.contains("--offline forbids the network"), "{msgs}");
    assert!(!msgs.contains("[network]"), "{msgs}");
    // The URL of each repository is left out, so both refs share one message.
    assert!(!msgs.contains("acme/checkout/"), "{msgs}");
    assert!(msgs.contains("the same in 1 more place"), "{msgs}");
    // Without --check nothing is a network failure either.
    let preview = wffmt(dir.path(), &["--select", "pin", "--offline"]);
    assert_eq!(preview.status.code(), Some(0), "{}", printed(&preview));
}

/// `permissions` reading an action its knowledge base does not describe meets the network
/// failure itself: it is named `network`, also with `--skip pin`, and `--offline` is the way to
/// run without network.
#[test]
fn a_network_failure_is_not_named_after_pin_when_pin_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    workflow(
        dir.path(),
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: some/unknown-action@v1\n",
    );
    let out = wffmt(dir.path(), &["--skip", "pin", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", printed(&out));
    let rules = rules_in_json(&out);
    assert!(rules.iter().any(|r| r == "network"), "{rules:?}");
    assert!(!rules.iter().any(|r| r.starts_with("pin")), "{rules:?}");
    let out = wffmt(dir.path(), &["--skip", "pin"]);
    let msgs = printed(&out);
    assert!(msgs.contains("error[network]: permissions: "), "{msgs}");
    assert!(msgs.contains("run with --offline"), "{msgs}");

    let offline = wffmt(
        dir.path(),
        &["--skip", "pin", "--offline", "--format", "json"],
    );
    assert_ne!(offline.status.code(), Some(3), "{}", printed(&offline));
    assert!(
        !rules_in_json(&offline).iter().any(|r| r == "network"),
        "{}",
        printed(&offline)
    );
}

/// A registry that cannot be reached: `network`, exit 3, and help about the registry, not about
/// the git server (GITHUB_SERVER_URL plays no part in reading registries).
#[test]
fn pin_images_network_help_is_about_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    workflow(
        dir.path(),
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container: 127.0.0.1:9/tools/node:20\n    steps:\n      - run: true\n",
    );
    let out = wffmt(dir.path(), &["--select", "pin", "--pin-images"]);
    let msgs = printed(&out);
    assert_eq!(out.status.code(), Some(3), "{msgs}");
    assert!(msgs.contains("w.yml:5:16: error[network]"), "{msgs}");
    let help = msgs
        .lines()
        .find(|l| l.trim_start().starts_with("help:"))
        .unwrap_or_else(|| panic!("no help: {msgs}"));
    assert!(help.contains("registry"), "{help}");
    assert!(!help.contains("GITHUB_SERVER_URL"), "{help}");
}
