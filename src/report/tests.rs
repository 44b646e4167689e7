//! Rendering tests: snapshots of every format over one small, fixed set of reports.

use super::*;
use crate::finding::{Finding, Severity};

const OLD: &str = "on:\n  push:\n    paths: [*.md]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n";

/// What the pipeline reports for an unsafe fix that was not applied.
fn unsafe_suggestion() -> Finding {
    let mut finding = Finding::new(
        "outdated-actions",
        Severity::Warning,
        12,
        15,
        "upgrade actions/upload-artifact@v3 to v4 (unsafe fix, not applied)",
    )
    .with_help("v4 artifacts are immutable; review the suggested change, then run with `--unsafe-fixes` to apply it");
    finding.suggestion = Some(Box::new(crate::finding::Suggestion {
        applicability: Applicability::Unsafe,
        reason: Some("v4 artifacts are immutable".into()),
        edits: vec![crate::finding::SuggestedEdit {
            start_line: 12,
            start_column: 39,
            end_line: 12,
            end_column: 41,
            content: "v4".into(),
        }],
        diff:
            "-      - uses: actions/upload-artifact@v3\n+      - uses: actions/upload-artifact@v4\n"
                .into(),
    }));
    finding
}

fn reports() -> Vec<FileReport> {
    let new = OLD.replace("[*.md]", "['*.md']").replace(
        "checkout@v4",
        "checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4",
    );
    vec![
        FileReport {
            path: ".github/workflows/ci.yml".into(),
            changed: true,
            diff: Some(unified_diff(".github/workflows/ci.yml", OLD, &new)),
            fixes: vec![
                FixSummary {
                    rule: "quote-patterns".into(),
                    title: "quote the pattern `*.md`".into(),
                    applicability: Applicability::Safe,
                },
                FixSummary {
                    rule: "pin".into(),
                    title: "pin actions/checkout@v4 to a commit SHA".into(),
                    applicability: Applicability::Safe,
                },
            ],
            findings: vec![Finding::new(
                "pin",
                Severity::Warning,
                8,
                15,
                "`v4` is both a tag and a branch of actions/checkout; the tag was pinned",
            )
            .with_help("the runner resolves the tag first")],
            error: None,
        },
        FileReport {
            path: ".github/workflows/release.yml".into(),
            changed: false,
            diff: None,
            fixes: vec![],
            findings: vec![
                Finding::new(
                    "permissions",
                    Severity::Info,
                    9,
                    7,
                    "permissions unknown for step `my-org/deploy@v1`",
                ),
                Finding::new(
                    "permissions",
                    Severity::Error,
                    3,
                    1,
                    "job `release` writes: contents, with 100% of scopes\nsecond line",
                ),
                unsafe_suggestion(),
            ],
            error: None,
        },
        FileReport {
            path: "sub dir/action.yml".into(),
            changed: false,
            diff: None,
            fixes: vec![],
            findings: vec![],
            error: Some(Box::new(Finding::new(
                "io",
                Severity::Error,
                0,
                0,
                "the file is not valid UTF-8",
            ))),
        },
        FileReport {
            path: "zz/action.yml".into(),
            ..FileReport::default()
        },
    ]
}

fn opts(format: Format, mode: Mode) -> RenderOptions {
    RenderOptions::new(format, mode)
}

/// Both streams of a run, for snapshots.
fn streams(reports: &[FileReport], options: &RenderOptions) -> String {
    let rendered = render_run(reports, options);
    format!(
        "--- stdout\n{}--- stderr\n{}",
        rendered.stdout, rendered.stderr
    )
}

#[test]
fn text_diff_mode() {
    let reports = reports();
    let options = opts(Format::Text, Mode::Diff);
    // Standard output is the diff alone: a clean patch.
    assert!(render(&reports, &options)
        .lines()
        .all(|l| l.starts_with(['-', '+', ' ', '@'])));
    insta::assert_snapshot!(streams(&reports, &options));
}

/// Findings repeated for one cause (one unreachable host, one bad setting) are said once with
/// the count and the other places; errors only with `--quiet`.
fn repeated_reports() -> Vec<FileReport> {
    let unreachable = |line| {
        Finding::new(
            "pin",
            Severity::Error,
            line,
            15,
            "cannot reach https://github.com: could not resolve host",
        )
        .with_help("check the network, or run with --offline to pin from the cache")
    };
    let files = ["a", "b", "c", "d"];
    let mut reports: Vec<FileReport> = files
        .iter()
        .map(|name| FileReport {
            path: format!(".github/workflows/{name}.yml"),
            findings: vec![
                unreachable(7),
                unreachable(12),
                Finding::new(
                    "permissions",
                    Severity::Warning,
                    3,
                    1,
                    "job `x` needs a TODO",
                ),
            ],
            ..FileReport::default()
        })
        .collect();
    reports[0].findings.push(Finding::new(
        "layout",
        Severity::Info,
        1,
        1,
        "an info only this file has",
    ));
    reports
}

#[test]
fn text_repeated_findings_are_said_once() {
    let reports = repeated_reports();
    insta::assert_snapshot!(streams(&reports, &opts(Format::Text, Mode::Check)));
}

#[test]
fn text_quiet_prints_errors_only() {
    let options = RenderOptions {
        quiet: true,
        ..opts(Format::Text, Mode::Check)
    };
    let rendered = render_run(&reports(), &options);
    assert_eq!(rendered.stdout, "");
    insta::assert_snapshot!(rendered.stderr);
    let rendered = render_run(&repeated_reports(), &options);
    assert!(!rendered.stderr.contains("warning"));
    assert_eq!(rendered.stderr.matches("error[pin]").count(), 1);
}

#[test]
fn text_statistics() {
    let options = RenderOptions {
        statistics: true,
        ..opts(Format::Text, Mode::Fix)
    };
    let mut reports = reports();
    reports.extend(repeated_reports());
    insta::assert_snapshot!(streams(&reports, &options));
}

#[test]
fn markdown_summary() {
    let mut reports = reports();
    reports.extend(repeated_reports());
    insta::assert_snapshot!(markdown::render_with_version(
        &reports,
        Mode::Fix,
        &RunFacts::default(),
        "0.0.0-test"
    ));
    let nothing = markdown::render_with_version(
        &reports[3..4],
        Mode::Check,
        &RunFacts::default(),
        "0.0.0-test",
    );
    assert!(nothing.starts_with("## wffmt: nothing to change in 1 file\n"));
    assert!(nothing.contains("Nothing needs a human."));
}

/// Each place of a repeated finding is its own annotation, so that each line is annotated on
/// the pull request.
#[test]
fn github_annotates_every_place() {
    let out = render(&repeated_reports(), &opts(Format::Github, Mode::Check));
    let findings: usize = repeated_reports().iter().map(|r| r.findings.len()).sum();
    assert_eq!(out.lines().count(), findings);
    insta::assert_snapshot!(out);
}

/// Beyond the annotations GitHub shows per step, a first notice says how many there are.
#[test]
fn github_says_when_annotations_go_over_the_limit() {
    let mut reports = repeated_reports();
    reports.extend(repeated_reports().into_iter().map(|r| FileReport {
        path: r.path.replace("workflows/", "workflows/more/"),
        ..r
    }));
    let out = render(&reports, &opts(Format::Github, Mode::Check));
    assert_eq!(out.matches("::error ").count(), 16);
    assert_eq!(out.matches("::warning ").count(), 8);
    insta::assert_snapshot!(out.lines().next().unwrap_or_default());
    let under = render(&repeated_reports(), &opts(Format::Github, Mode::Check));
    assert!(!under.contains("GitHub shows"));
}

#[test]
fn text_check_is_the_same_as_diff() {
    let reports = reports();
    assert_eq!(
        render(&reports, &opts(Format::Text, Mode::Check)),
        render(&reports, &opts(Format::Text, Mode::Diff))
    );
    assert_eq!(
        render(&reports, &opts(Format::Github, Mode::Check)),
        render(&reports, &opts(Format::Github, Mode::Diff))
    );
}

#[test]
fn text_check_verbose() {
    let options = RenderOptions {
        verbose: true,
        ..opts(Format::Text, Mode::Check)
    };
    insta::assert_snapshot!(streams(&reports(), &options));
}

#[test]
fn text_fix_mode() {
    insta::assert_snapshot!(streams(&reports(), &opts(Format::Text, Mode::Fix)));
}

#[test]
fn text_in_colour_differs_only_by_escapes() {
    let reports = reports();
    let options = RenderOptions {
        color: true,
        color_messages: true,
        ..opts(Format::Text, Mode::Diff)
    };
    let coloured = render_run(&reports, &options);
    let plain = render_run(&reports, &opts(Format::Text, Mode::Diff));
    assert!(coloured.stdout.contains('\u{1b}'));
    assert!(coloured.stderr.contains('\u{1b}'));
    assert_eq!(strip_ansi(&coloured.stdout), plain.stdout);
    assert_eq!(strip_ansi(&coloured.stderr), plain.stderr);
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn github_check_mode() {
    insta::assert_snapshot!(render(&reports(), &opts(Format::Github, Mode::Check)));
}

#[test]
fn github_fix_mode() {
    insta::assert_snapshot!(render(&reports(), &opts(Format::Github, Mode::Fix)));
}

#[test]
fn json_check_mode() {
    let text =
        json::render_with_version(&reports(), Mode::Check, &RunFacts::default(), "0.0.0-test");
    assert_eq!(
        render(&reports(), &opts(Format::Json, Mode::Check)),
        text.replace("0.0.0-test", env!("CARGO_PKG_VERSION"))
    );
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["files"].as_array().map(Vec::len), Some(4));
    assert_eq!(value["schema_version"], json::SCHEMA_VERSION);
    insta::assert_snapshot!(text);
}

/// The JSON of several runs aggregates by adding: each count of the whole equals the sum of
/// the parts' counts.
#[test]
fn json_documents_aggregate_by_adding() {
    let all: Vec<FileReport> = reports().into_iter().chain(repeated_reports()).collect();
    let parse = |reports: &[FileReport]| -> serde_json::Value {
        serde_json::from_str(&render(reports, &opts(Format::Json, Mode::Check))).unwrap()
    };
    let (whole, first, second) = (parse(&all), parse(&all[..4]), parse(&all[4..]));
    for key in ["files", "changed", "failed", "errors", "warnings", "infos"] {
        assert_eq!(
            whole["summary"][key].as_u64().unwrap(),
            first["summary"][key].as_u64().unwrap() + second["summary"][key].as_u64().unwrap(),
            "{key}"
        );
    }
    let total = |doc: &serde_json::Value, rule: &str, kind: &str| -> u64 {
        doc["statistics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["rule"] == rule && s["kind"] == kind)
            .map(|s| s["count"].as_u64().unwrap())
            .sum()
    };
    for (rule, kind) in [("pin", "error"), ("pin", "fix"), ("permissions", "warning")] {
        assert_eq!(
            total(&whole, rule, kind),
            total(&first, rule, kind) + total(&second, rule, kind)
        );
    }
    assert_eq!(
        whole["files"].as_array().unwrap().len(),
        first["files"].as_array().unwrap().len() + second["files"].as_array().unwrap().len()
    );
}

#[test]
fn sarif_check_mode() {
    // A fixed version keeps the snapshot stable across releases.
    let text = sarif::render_with_version(&reports(), Mode::Check, "0.0.0-test");
    assert_eq!(
        render(&reports(), &opts(Format::Sarif, Mode::Check)),
        text.replace("0.0.0-test", env!("CARGO_PKG_VERSION"))
    );
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["version"], "2.1.0");
    let rules = &value["runs"][0]["tool"]["driver"]["rules"];
    for result in value["runs"][0]["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    insta::assert_snapshot!(text);
}

#[test]
fn empty_runs() {
    for format in [Format::Text, Format::Github] {
        assert_eq!(render(&[], &opts(format, Mode::Check)), "");
    }
    let json: serde_json::Value =
        serde_json::from_str(&render(&[], &opts(Format::Json, Mode::Fix))).unwrap();
    assert_eq!(json["files"], serde_json::json!([]));
    let sarif: serde_json::Value =
        serde_json::from_str(&render(&[], &opts(Format::Sarif, Mode::Fix))).unwrap();
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn text_output_applies_with_git_apply() {
    // Standard output is a patch `git apply` takes.
    let have_git = std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_git {
        return;
    }
    let reports = reports();
    let output = render_run(&reports, &opts(Format::Text, Mode::Check)).stdout;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".github/workflows/ci.yml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, OLD).unwrap();
    std::fs::write(dir.path().join("out.patch"), &output).unwrap();
    let status = std::process::Command::new("git")
        .args(["apply", "out.patch"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let fixed = std::fs::read_to_string(&file).unwrap();
    assert!(fixed.contains("paths: ['*.md']"));
}

#[test]
fn summaries() {
    let reports = reports();
    assert_eq!(
        summary(&reports, Mode::Check),
        "1 file would be changed, 2 errors, 2 warnings; 1 unsafe fix not applied (run with --unsafe-fixes to apply it)"
    );
    assert_eq!(
        summary(&reports, Mode::Fix),
        "1 file fixed, 2 errors, 2 warnings; 1 unsafe fix not applied (run with --unsafe-fixes to apply it)"
    );
    assert_eq!(
        summary(&reports[3..], Mode::Diff),
        "1 file checked, nothing to change"
    );
    assert_eq!(
        summary(&[reports[3].clone(), reports[3].clone()], Mode::Fix),
        "2 files checked, nothing to fix"
    );
    assert_eq!(
        summary(&[], Mode::Check),
        "no workflow or action files found"
    );
    assert_eq!(
        Counts::of(&reports),
        Counts {
            files: 4,
            changed: 1,
            failed: 1,
            config_errors: 0,
            errors: 2,
            warnings: 2,
            infos: 1,
            unsafe_fixes_pending: 1,
            excluded: 0,
            skipped: 0,
        }
    );
}

#[test]
fn summaries_say_what_was_skipped_and_excluded() {
    let config_error = FileReport {
        path: "wffmt.toml".into(),
        error: Some(Box::new(Finding::new(
            "config",
            Severity::Error,
            2,
            1,
            "invalid configuration",
        ))),
        ..FileReport::default()
    };
    let facts = RunFacts {
        excluded: 4,
        skipped_by_config: 3,
    };
    assert_eq!(
        summary_with(std::slice::from_ref(&config_error), Mode::Check, &facts),
        "3 files skipped (invalid configuration), 4 excluded, 1 error"
    );
    let clean = FileReport {
        path: "a.yml".into(),
        ..FileReport::default()
    };
    assert_eq!(
        summary_with(&[clean, config_error], Mode::Fix, &facts),
        "1 file checked, nothing to fix, 3 files skipped (invalid configuration), 4 excluded, 1 error"
    );
    let only_excluded = RunFacts {
        excluded: 2,
        ..RunFacts::default()
    };
    assert_eq!(summary_with(&[], Mode::Check, &only_excluded), "2 excluded");
}

#[test]
fn colour_decisions() {
    use ColorChoice::*;
    assert!(!color_decision(Never, true, false));
    assert!(color_decision(Always, false, true));
    assert!(color_decision(Auto, true, false));
    assert!(!color_decision(Auto, false, false));
    assert!(!color_decision(Auto, true, true));
}

/// A report quoting hostile workflow content and a hostile file name everywhere text from
/// files is printed: path, message, help, fix title, suggested diff.
fn hostile_reports() -> Vec<FileReport> {
    let mut finding = Finding::new(
        "pin",
        Severity::Warning,
        6,
        15,
        "cannot pin `o/act@v1\u{1b}[31mRED\u{7}`: 100%, a: b\r\nnext line\ralone",
    )
    .with_help("see `\u{1b}]0;title\u{7}` \u{202e}reversed\u{9b}2J");
    finding.suggestion = Some(Box::new(crate::finding::Suggestion {
        applicability: Applicability::Unsafe,
        reason: None,
        edits: vec![],
        diff: "-  uses: o/act@v1\u{1b}[31m\n+  uses: o/act@v2\u{1b}[31m\n".into(),
    }));
    vec![FileReport {
        path: "dir\u{1b}[2J/x,y:z.yml".into(),
        changed: true,
        diff: None,
        fixes: vec![FixSummary {
            rule: "pin".into(),
            title: "pin o/act@v1\u{1b}[31m\u{7} to a commit SHA".into(),
            applicability: Applicability::Safe,
        }],
        findings: vec![finding],
        error: None,
    }]
}

/// Whether `text` has a character a terminal or log viewer would act on (line breaks aside).
fn has_raw_controls(text: &str) -> bool {
    text.chars().any(|c| c != '\n' && text::needs_escape(c))
}

#[test]
fn github_control_characters_are_made_visible() {
    let out = render(&hostile_reports(), &opts(Format::Github, Mode::Check));
    assert!(!has_raw_controls(&out), "{out:?}");
    insta::assert_snapshot!(out);
}

#[test]
fn markdown_control_characters_are_made_visible() {
    let out = markdown::render_with_version(
        &hostile_reports(),
        Mode::Fix,
        &RunFacts::default(),
        "0.0.0-test",
    );
    assert!(!has_raw_controls(&out), "{out:?}");
    insta::assert_snapshot!(out);
}

#[test]
fn every_format_keeps_control_characters_from_the_terminal() {
    let reports = hostile_reports();
    for format in [
        Format::Text,
        Format::Json,
        Format::Github,
        Format::Sarif,
        Format::Markdown,
    ] {
        for mode in [Mode::Check, Mode::Fix] {
            let options = RenderOptions {
                verbose: true,
                ..opts(format, mode)
            };
            let rendered = render_run(&reports, &options);
            assert!(
                !has_raw_controls(&rendered.stdout) && !has_raw_controls(&rendered.stderr),
                "{format:?} {mode:?}: {rendered:?}"
            );
        }
    }
    // The machine formats escape without changing what the strings decode to.
    let json: serde_json::Value =
        serde_json::from_str(&render(&reports, &opts(Format::Json, Mode::Check))).unwrap();
    assert_eq!(json["files"][0]["path"], reports[0].path.as_str());
    assert_eq!(
        json["files"][0]["findings"][0]["help"],
        reports[0].findings[0].help.as_deref().unwrap()
    );
}

/// A run with an invalid configuration (that made wffmt skip two files), a file that could not
/// be read, a file with a syntax error and a warning, and a clean file.
fn mixed_run() -> (Vec<FileReport>, RunFacts) {
    let error = |rule: &str, message: &str| {
        Some(Box::new(Finding::new(rule, Severity::Error, 1, 1, message)))
    };
    let reports = vec![
        FileReport {
            path: ".github/workflows/a.yml".into(),
            findings: vec![
                Finding::new("syntax", Severity::Error, 3, 5, "unclosed flow sequence"),
                Finding::new(
                    "permissions",
                    Severity::Warning,
                    2,
                    1,
                    "job `x` needs a TODO",
                ),
            ],
            ..FileReport::default()
        },
        FileReport {
            path: ".github/workflows/bin.yml".into(),
            error: error("io", "not valid UTF-8; skipped"),
            ..FileReport::default()
        },
        FileReport {
            path: ".github/workflows/ok.yml".into(),
            ..FileReport::default()
        },
        FileReport {
            path: "sub/wffmt.toml".into(),
            error: error(CONFIG_RULE, "invalid configuration: unknown field `indnet`"),
            ..FileReport::default()
        },
    ];
    let run = RunFacts {
        excluded: 0,
        skipped_by_config: 2,
    };
    (reports, run)
}

/// The text summary line, the markdown title and footer, and the JSON summary count the same
/// files and the same errors: file-level errors and invalid configurations are errors in each,
/// and a configuration file is not a file checked.
#[test]
fn every_format_counts_the_same() {
    let (reports, run) = mixed_run();
    let options = RenderOptions {
        run,
        ..opts(Format::Text, Mode::Check)
    };
    let text = summary_with(&reports, Mode::Check, &run);
    let markdown = markdown::render_with_version(&reports, Mode::Check, &run, "0.0.0-test");
    let json: serde_json::Value = serde_json::from_str(&render(
        &reports,
        &RenderOptions {
            format: Format::Json,
            ..options
        },
    ))
    .unwrap();
    let summary = &json["summary"];
    let counts = Counts::of_run(&reports, &run);
    assert_eq!(serde_json::to_value(counts).unwrap(), *summary);
    assert_eq!(
        (
            counts.files,
            counts.failed,
            counts.config_errors,
            counts.errors
        ),
        (3, 1, 1, 3)
    );
    assert!(text.starts_with("3 files checked,"), "{text}");
    assert!(text.contains(", 3 errors, 1 warning"), "{text}");
    assert!(markdown.starts_with("## wffmt: nothing to change in 3 files (3 errors, 1 warning)\n"));
    assert!(markdown.contains("· 3 files checked ·"), "{markdown}");
    // The statistics add up to the same errors.
    let stat_errors: u64 = json["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "error")
        .map(|s| s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(stat_errors, summary["errors"].as_u64().unwrap());
    let markdown_summary: Vec<&str> = markdown
        .lines()
        .filter(|l| l.starts_with("## ") || l.starts_with("<sub>"))
        .collect();
    insta::assert_snapshot!(format!(
        "text: {text}\nmarkdown: {}\njson: {}",
        markdown_summary.join("\n          "),
        serde_json::to_string(summary).unwrap()
    ));
}

/// Only an invalid configuration: no file was checked, and every format says so.
#[test]
fn a_run_that_checked_nothing_says_so() {
    let (reports, run) = mixed_run();
    let only_config = &reports[3..];
    assert_eq!(
        summary_with(only_config, Mode::Check, &run),
        "2 files skipped (invalid configuration), 1 error"
    );
    let markdown = markdown::render_with_version(only_config, Mode::Check, &run, "0.0.0-test");
    assert!(
        markdown.starts_with("## wffmt: no workflow or action files checked (1 error)\n"),
        "{markdown}"
    );
    let counts = Counts::of_run(only_config, &run);
    assert_eq!((counts.files, counts.errors, counts.skipped), (0, 1, 2));
}
