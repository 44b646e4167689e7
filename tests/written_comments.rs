//! Every rule that writes comments (`permissions`' TODO and grant comments, `pin`'s and
//! `outdated-actions`' version comments) quotes what a file or a server says: step names,
//! `uses:` values, tag names. Hostile values (double-quoted escapes that decode to YAML 1.1
//! line breaks or to characters YAML forbids; tags with such characters on the commits pinned)
//! go through one `--fix` run of the real binary against a local git server, and the result
//! is read strictly (`common::readers`) and by PyYAML when it can be run: both must load it and
//! see the jobs as before, with only the permissions wffmt added.

mod common;

use std::path::Path;
use std::process::Output;

use common::git::Bare;
use common::run::{printed, Wffmt};
use serde_json::Value;

fn wffmt(dir: &Path, server: &Path, args: &[&str]) -> Output {
    let url = format!("file://{}", server.display());
    Wffmt::with_server(dir, url)
        .today("2026-11-30")
        .args(args)
        .output()
}

/// Tag names git accepts (no space, no colon) that hold YAML 1.1 line breaks and a
/// bidirectional override, on the commit of `v5.0.1`.
const HOSTILE_TAGS: [&str; 4] = [
    "v5.0.1.9\u{2028}x",
    "v5.0.1.8\u{85}{x",
    "v5.0.1.7\u{2029}-x",
    "a\u{202e}x",
];

#[test]
fn hostile_names_and_values_never_end_a_written_comment() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("srv");
    let checkout = Bare::init(&base, "actions", "checkout");
    let c3 = checkout.commit("3.6.0", None);
    let c5 = checkout.commit("5.0.1", Some(&c3));
    checkout.tag("v3.6.0", &c3);
    checkout.tag("v3", &c3);
    checkout.tag("v5.0.1", &c5);
    checkout.tag("v5", &c5);
    for tag in HOSTILE_TAGS {
        checkout.tag(tag, &c5);
    }
    checkout.branch("main", &c5);
    let release = Bare::init(&base, "softprops", "action-gh-release");
    let r2 = release.commit("2.0.0", None);
    release.tag("v2.0.0", &r2);
    release.tag("v2", &r2);

    let dir = tmp.path().join("repo");
    let input = format!(
        r#""on": push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{c3} # v3.6.0
      - uses: actions/checkout@v3.6.0
      - uses: actions/checkout@{c5}
      - name: "Release\L    permissions: write-all\L    #\N    x: y"
        uses: softprops/action-gh-release@v2
  hostile:
    runs-on: ubuntu-latest
    steps:
      - uses: "o/act@v1\L    permissions: write-all\P    #"
      - uses: "o/act@v1\e[31mRED\a\uFFFE\uFEFF\u202Eevil"
"#
    );
    let wf = common::tree::write_file(&dir, ".github/workflows/ci.yml", &input);
    let before = common::readers::strict_read(&input).expect("the input reads strictly");

    let out = wffmt(
        &dir,
        &base,
        &["--fix", "--select", "permissions,outdated-actions,pin", "."],
    );
    // Warnings only: the hostile `uses:` values cannot be pinned.
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let written = std::fs::read_to_string(&wf).unwrap();
    assert_ne!(written, input, "{}", printed(&out));

    // The comments were written, their hostile parts escaped, and no hostile tag named.
    let has_line = |needle: &str| written.lines().any(|l| l.contains(needle));
    assert!(
        has_line(&format!("actions/checkout@{c5} # v5.0.1")),
        "{written}"
    );
    assert!(has_line("# TODO(wffmt)"), "{written}");
    assert!(
        has_line("contents: write # step 4 \"Release\\u{2028}    permissions: write-all"),
        "{written}"
    );
    for tag in HOSTILE_TAGS {
        assert!(!written.contains(tag), "{tag:?} was written:\n{written}");
    }

    // Read strictly: same jobs, steps and values as before, plus the permissions added.
    let after = common::readers::strict_read(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    let jobs = |doc: &Value| doc[0]["jobs"].clone();
    let strip = |mut jobs: Value| {
        for job in jobs.as_object_mut().unwrap().values_mut() {
            job.as_object_mut().unwrap().remove("permissions");
            for step in job["steps"].as_array_mut().unwrap() {
                // `uses:` moved to a new release or a SHA: compare the action only.
                if let Some(Value::String(uses)) = step.get_mut("uses") {
                    *uses = uses.split('@').next().unwrap().to_string();
                }
            }
        }
        jobs
    };
    assert_eq!(strip(jobs(&after)), strip(jobs(&before)), "{written}");
    assert_eq!(
        jobs(&after)["build"]["permissions"],
        serde_json::json!({"contents": "write"}),
        "{written}"
    );
    assert!(jobs(&after)["hostile"].get("permissions").is_none());
    assert!(after[0].get("permissions").is_none(), "{written}");

    // PyYAML, a YAML 1.1 reader, sees the same jobs.
    if let Some(python) = common::readers::pyyaml() {
        let read = common::readers::pyyaml_read(&python, &[&written]);
        let docs = read[0]
            .as_ref()
            .unwrap_or_else(|e| panic!("PyYAML rejects the output: {e}\n{written}"));
        assert_eq!(jobs(docs), jobs(&after), "{written}");
    }

    // A second run leaves the comments alone.
    let again = wffmt(
        &dir,
        &base,
        &[
            "--check",
            "--select",
            "permissions,outdated-actions,pin",
            ".",
        ],
    );
    assert_eq!(again.status.code(), Some(0), "{}", printed(&again));
    assert_eq!(std::fs::read_to_string(&wf).unwrap(), written);
    assert!(
        !printed(&again).contains("would be changed"),
        "{}",
        printed(&again)
    );
}
