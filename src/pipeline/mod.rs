//! The per-document pipeline: text in, verified text out.
//!
//! Rules run one after another on the current text. For each rule: parse, collect its fixes,
//! apply the non-overlapping ones, and verify the result before the next rule sees it (so a
//! failure names the rule that caused it). Fixes that overlapped are retried on the new text, up
//! to [`MAX_ROUNDS`] rounds. After all rules, one more pass of every rule that changed the text
//! must propose nothing (stability, Black's idea). A rule that proposed nothing ran on a text
//! it left as it was; the rules after it only make the edits they declare, checked as above.
//!
//! The document is parsed once: the caller may hand over the tree it already has
//! ([`process_parsed`]), and a text is parsed again only after a rule changed it.

pub mod guard;
mod screen;

use screen::Screen;

use std::path::Path;

use crate::config::Config;
use crate::discover::FileKind;
use crate::edit::{apply_fixes, Applicability, ConflictKind, Edit};
use crate::finding::{Finding, Severity};
use crate::passes::{Context, FileMemo, Rule};
use crate::syntax::{parse, parse_owned, SyntaxTree};
use crate::verify::{compare_reading, Outcome, Reading, RoutePattern};

/// How many times a rule may run on one file to get all its fixes in.
pub const MAX_ROUNDS: usize = 4;

/// A fix that was applied, for reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub rule: &'static str,
    pub title: String,
    pub applicability: Applicability,
}

#[derive(Debug, Default)]
pub struct Processed {
    /// The text the document came with.
    pub input: String,
    pub output: String,
    pub applied: Vec<Applied>,
    pub findings: Vec<Finding>,
    /// Set when the document could not be processed safely; `output` is then the input.
    pub error: Option<Finding>,
}

fn position(tree: &SyntaxTree, offset: usize) -> (usize, usize) {
    tree.line_col(offset)
}

/// Per-run choices that change what the pipeline applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Apply unsafe fixes too (`--unsafe-fixes`); otherwise each becomes a finding with the
    /// suggested change.
    pub unsafe_fixes: bool,
}

/// Run `rules` over one document with the default [`Options`] (safe fixes only).
pub fn process(
    text: &str,
    kind: FileKind,
    path: &str,
    file: Option<&Path>,
    config: &Config,
    rules: &[&dyn Rule],
) -> Processed {
    process_with(text, kind, path, file, config, rules, &Options::default())
}

/// Run `rules` over one document.
pub fn process_with(
    text: &str,
    kind: FileKind,
    path: &str,
    file: Option<&Path>,
    config: &Config,
    rules: &[&dyn Rule],
    options: &Options,
) -> Processed {
    process_parsed(parse(text), kind, path, file, config, rules, options)
}

/// Run `rules` over one document already parsed: `original` is the tree of its text (parsed
/// once for the whole run). Once a rule has rewritten the text, only the original's text is
/// kept ([`Processed::input`]): its tokens and nodes are no longer read, and a large file's
/// trees are most of the memory while it is processed.
pub fn process_parsed(
    original: SyntaxTree,
    kind: FileKind,
    path: &str,
    file: Option<&Path>,
    config: &Config,
    rules: &[&dyn Rule],
    options: &Options,
) -> Processed {
    // The tree of the current text: the original's until a rule changes the text (parsed
    // again only then).
    let mut current_tree = original;
    // The original text, once a rule changed it.
    let mut input: Option<String> = None;
    // yaml-rust2's reading of the current text, when the last verification made it.
    let mut reading: Option<Reading> = None;
    let mut out = Processed::default();
    let mut screen = Screen::new(&current_tree, options);
    out.findings.append(&mut screen.suppressions.problems);
    // What the rules keep for this file between their runs; dropped with the file.
    let memo = FileMemo::default();
    // Which rules changed the text: only they take part in the stability pass.
    let mut changed = vec![false; rules.len()];
    // Which rules read a text with syntax errors: they skipped it or read only part of it, so
    // their suppressions may be needed once the file parses.
    let mut saw_part = vec![false; rules.len()];
    for (index, rule) in rules.iter().enumerate() {
        let mut first_round = true;
        for _ in 0..MAX_ROUNDS {
            let tree = &current_tree;
            let current = tree.text();
            if first_round {
                saw_part[index] = !tree.diagnostics().is_empty();
            }
            let cx = Context {
                tree,
                path,
                file,
                kind,
                config,
                suppressions: &screen.suppressions,
                memo: &memo,
            };
            screen.recording(first_round);
            let result = rule.run(&cx);
            let (fixes, findings) = screen.apply(*rule, tree, result, first_round);
            if first_round {
                out.findings.extend(findings);
                first_round = false;
            }
            if fixes.is_empty() {
                break;
            }
            let applied = apply_fixes(current, fixes);
            if let Some(bad) = applied
                .conflicts
                .iter()
                .find(|c| c.kind == ConflictKind::Malformed)
            {
                let (line, column) = position(tree, bad.at);
                out.applied.clear();
                out.error = Some(
                    Finding::new(
                        "verify",
                        Severity::Error,
                        line,
                        column,
                        format!(
                            "internal error: rule `{}` proposed overlapping edits; the file was not changed",
                            bad.skipped
                        ),
                    )
                    .with_help(format!(
                        "please report this; run with `--skip {}` to process the file without it",
                        bad.skipped
                    )),
                );
                return unchanged(out, input.unwrap_or_else(|| current_tree.into_text()));
            }
            out.applied.extend(applied.applied.iter().map(|f| Applied {
                rule: f.rule,
                title: f.title.clone(),
                applicability: f.applicability,
            }));
            let conflicts = !applied.conflicts.is_empty();
            if applied.text != current {
                let edits: Vec<Edit> = applied.applied.into_iter().flat_map(|f| f.edits).collect();
                let old_tree = std::mem::replace(&mut current_tree, parse_owned(applied.text));
                let (verdict, old_text) =
                    check_rewrite(old_tree, reading.take(), &current_tree, &edits, *rule);
                // The original text is kept; the texts of later trees go with them.
                let original = input.get_or_insert(old_text);
                match verdict {
                    Ok(new_reading) => reading = new_reading,
                    Err(problem) => {
                        out.applied.clear();
                        out.error = Some(problem);
                        return unchanged(out, std::mem::take(original));
                    }
                }
                screen.reread(&current_tree);
                changed[index] = true;
            }
            if !conflicts {
                break;
            }
        }
    }
    let tree = &current_tree;
    if input.is_some() {
        let changers: Vec<&dyn Rule> = rules
            .iter()
            .zip(&changed)
            .filter(|(_, &c)| c)
            .map(|(r, _)| *r)
            .collect();
        let place = Place {
            kind,
            path,
            file,
            config,
        };
        if let Some(problem) = unstable_rule(tree, &place, &changers, &screen, &memo) {
            out.applied.clear();
            out.error = Some(problem);
            return unchanged(out, input.unwrap_or_else(|| current_tree.into_text()));
        }
    }
    let saw_whole: Vec<&str> = rules
        .iter()
        .zip(&saw_part)
        .filter(|(_, &part)| !part)
        .map(|(r, _)| r.name())
        .collect();
    out.findings
        .extend(screen.unused(&saw_whole, saw_part.contains(&true)));
    // Syntax errors that remain in the result are errors of the file.
    for d in tree.diagnostics() {
        let (line, column) = position(tree, d.offset);
        out.findings.push(
            Finding::new("syntax", Severity::Error, line, column, d.message.clone())
                .with_help("fix the YAML by hand; wffmt keeps this region verbatim"),
        );
    }
    match input {
        Some(input) => {
            out.input = input;
            out.output = current_tree.into_text();
        }
        None => {
            out.output = current_tree.text().to_string();
            out.input = current_tree.into_text();
        }
    }
    out
}

/// `out` for a document left as it came: `original` text in and out.
fn unchanged(mut out: Processed, original: String) -> Processed {
    out.output = original.clone();
    out.input = original;
    out
}

/// Verify one rule's rewrite; the error names the rule. `known` is yaml-rust2's reading of the
/// old text if an earlier verification made it; the reading of the new text is returned when
/// this verification made it. The old tree's text is given back.
fn check_rewrite(
    old_tree: SyntaxTree,
    known: Option<Reading>,
    new_tree: &SyntaxTree,
    edits: &[Edit],
    rule: &dyn Rule,
) -> (Result<Option<Reading>, Finding>, String) {
    let name = rule.name();
    let internal = |tree: &SyntaxTree, offset: usize, what: String| {
        let (line, column) = position(tree, offset);
        Finding::new(
            "verify",
            Severity::Error,
            line,
            column,
            format!("internal error: rule `{name}` {what}; the file was not changed"),
        )
        .with_help(format!(
            "please report this; run with `--skip {name}` to process the file without it"
        ))
    };
    // The checks on both trees, and the verdict when they settle it.
    let settled = 'trees: {
        if let Some((offset, message)) = guard::new_syntax_error(&old_tree, new_tree) {
            break 'trees Some(Err(internal(
                new_tree,
                offset,
                format!("introduced a syntax error ({message})"),
            )));
        }
        if !rule.may_edit_comments() && guard::comments(&old_tree) != guard::comments(new_tree) {
            break 'trees Some(Err(internal(&old_tree, 0, "changed a comment".to_string())));
        }
        let hazards = guard::unsafe_comment_chars(new_tree);
        if hazards.len() > guard::unsafe_comment_chars(&old_tree).len() {
            break 'trees Some(Err(internal(
                new_tree,
                hazards[0],
                "wrote a line break or control character into a comment".to_string(),
            )));
        }
        guard::same_data(&old_tree, new_tree, edits).then_some(Ok(None))
    };
    if let Some(verdict) = settled {
        return (verdict, old_tree.into_text());
    }
    // yaml-rust2 reads the texts; the old tree's tokens and nodes go first (a large file's two
    // trees and two readings are the most memory a file takes). The rare outcomes that need the
    // old tree again parse its text again.
    let old_text = old_tree.into_text();
    let patterns: Vec<RoutePattern> = rule
        .allowed_routes()
        .iter()
        .filter_map(|p| RoutePattern::parse(p).ok())
        .collect();
    let (outcome, new_reading) = compare_reading(&old_text, known, new_tree.text(), &patterns);
    let verdict = match outcome {
        Ok(Outcome::Equivalent) => Ok(new_reading),
        Ok(Outcome::OriginalRejected(_)) => {
            let old_tree = parse(&old_text);
            match guard::untouched_tokens_kept(&old_tree, new_tree, edits) {
                None => Ok(None),
                Some(offset) => Err(internal(
                    &old_tree,
                    offset,
                    "changed text outside its own edits".to_string(),
                )),
            }
        }
        Err(mismatch) => Err(internal(
            &parse(&old_text),
            mismatch.offset,
            format!(
                "changed the data at `{}` ({})",
                mismatch.route, mismatch.detail
            ),
        )),
    };
    (verdict, old_text)
}

/// The document being processed, as every rule run sees it.
struct Place<'a> {
    kind: FileKind,
    path: &'a str,
    file: Option<&'a Path>,
    config: &'a Config,
}

/// After all rules ran, none of `rules` (those that changed the text) may want to change the
/// result again. They run in full on the final text; `memo` only spares them pure analyses
/// their earlier runs on this file made.
fn unstable_rule(
    tree: &SyntaxTree,
    place: &Place,
    rules: &[&dyn Rule],
    screen: &Screen,
    memo: &FileMemo,
) -> Option<Finding> {
    let text = tree.text();
    for rule in rules {
        let cx = Context {
            tree,
            path: place.path,
            file: place.file,
            kind: place.kind,
            config: place.config,
            suppressions: &screen.suppressions,
            memo,
        };
        let again = rule.run(&cx);
        let applied = apply_fixes(text, screen.applicable(tree, again.fixes));
        if applied.text != text {
            // Where the second run starts to differ, as a line of the first run's output (the
            // text the report is about was never written, so that is the place to quote).
            let mut at = text
                .bytes()
                .zip(applied.text.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(text.len().min(applied.text.len()));
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            let place = if line_start == text.len() {
                "at the end of the rewritten text".to_string()
            } else {
                format!(
                    "from line {} of the rewritten text: `{}`",
                    text[..at].matches('\n').count() + 1,
                    text[line_start..line_end].trim()
                )
            };
            return Some(
                Finding::new(
                    "verify",
                    Severity::Error,
                    1,
                    1,
                    format!(
                        "internal error: rule `{}` is not stable (a second run changes its own output, {place}); the file was not changed",
                        rule.name(),
                    ),
                )
                .with_help(format!(
                    "please report this; run with `--skip {}` to process the file without it",
                    rule.name()
                )),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, Fix};
    use crate::passes::Output;

    /// A rule that rewrites one value it has no business changing.
    struct Meddler {
        routes: &'static [&'static str],
        from: &'static str,
        to: &'static str,
    }

    impl Rule for Meddler {
        fn name(&self) -> &'static str {
            "meddler"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            self.routes
        }
        fn run(&self, cx: &Context) -> Output {
            let mut out = Output::default();
            if let Some(at) = cx.tree.text().find(self.from) {
                out.fixes.push(Fix::new(
                    "meddler",
                    "meddle",
                    vec![Edit::replace(at..at + self.from.len(), self.to)],
                ));
            }
            out
        }
    }

    fn run(rule: &dyn Rule, text: &str) -> Processed {
        process(
            text,
            FileKind::Workflow,
            "w.yml",
            None,
            &Config::default(),
            &[rule],
        )
    }

    const WF: &str = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest # os\n";

    #[test]
    fn a_data_change_outside_the_declared_routes_is_refused_and_names_the_rule() {
        let rule = Meddler {
            routes: &["permissions"],
            from: "ubuntu-latest",
            to: "windows-latest",
        };
        let out = run(&rule, WF);
        let err = out.error.expect("refused");
        assert!(err.message.contains("rule `meddler`"), "{}", err.message);
        assert!(err.message.contains("jobs.a.runs-on"), "{}", err.message);
        // At the value that changed.
        assert_eq!((err.line, err.column), (4, 14));
        assert_eq!(out.output, WF);
    }

    #[test]
    fn a_change_inside_the_declared_routes_is_accepted() {
        let rule = Meddler {
            routes: &["jobs.*.runs-on"],
            from: "ubuntu-latest",
            to: "windows-latest",
        };
        let out = run(&rule, WF);
        assert!(out.error.is_none());
        assert!(out.output.contains("windows-latest"));
    }

    #[test]
    fn a_changed_comment_is_refused() {
        let rule = Meddler {
            routes: &[],
            from: "# os",
            to: "# OS",
        };
        let out = run(&rule, WF);
        assert!(out.error.expect("refused").message.contains("comment"));
    }

    #[test]
    fn a_new_syntax_error_is_refused() {
        let rule = Meddler {
            routes: &["jobs"],
            from: "runs-on: ubuntu-latest",
            to: "runs-on: 'ubuntu-latest",
        };
        let out = run(&rule, WF);
        assert!(out.error.expect("refused").message.contains("syntax error"));
    }

    /// Appends a comment line once.
    struct Commenter(&'static str);

    impl Rule for Commenter {
        fn name(&self) -> &'static str {
            "commenter"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            &[]
        }
        fn may_edit_comments(&self) -> bool {
            true
        }
        fn run(&self, cx: &Context) -> Output {
            let mut out = Output::default();
            if !cx.tree.text().contains(self.0) {
                let end = cx.tree.text().len();
                out.fixes.push(Fix::new(
                    "commenter",
                    "comment",
                    vec![Edit::insert(end, self.0)],
                ));
            }
            out
        }
    }

    #[test]
    fn a_comment_that_yaml_1_1_readers_would_end_early_is_refused() {
        let out = run(&Commenter("# a note: 😀 \t ok\n"), WF);
        assert!(out.error.is_none(), "{:?}", out.error);
        // Kept where the file already had one.
        let with_break = format!("{WF}# x\u{2028}y\n");
        let out = run(&Commenter("# a note\n"), &with_break);
        assert!(out.error.is_none(), "{:?}", out.error);
        for hostile in [
            "# a\u{2028}permissions: write-all\n",
            "# \u{1b}[31m\n",
            "# \u{85}x\n",
        ] {
            let out = run(&Commenter(hostile), WF);
            let err = out.error.expect("refused");
            assert!(err.message.contains("into a comment"), "{}", err.message);
            assert_eq!(out.output, WF);
        }
    }

    /// Appends a comment line on every run: never stable.
    struct Grower;

    impl Rule for Grower {
        fn name(&self) -> &'static str {
            "grower"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            &[]
        }
        fn may_edit_comments(&self) -> bool {
            true
        }
        fn run(&self, cx: &Context) -> Output {
            let end = cx.tree.text().len();
            Output {
                fixes: vec![Fix::new(
                    "grower",
                    "grow",
                    vec![Edit::insert(end, "# more\n")],
                )],
                findings: Vec::new(),
            }
        }
    }

    /// Proposes nothing and counts how often it runs.
    struct Counter(std::sync::atomic::AtomicUsize);

    impl Rule for Counter {
        fn name(&self) -> &'static str {
            "counter"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            &[]
        }
        fn run(&self, _: &Context) -> Output {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Output::default()
        }
    }

    #[test]
    fn a_rule_that_changes_its_own_output_again_is_refused() {
        let out = run(&Grower, WF);
        let err = out.error.expect("refused");
        assert!(
            err.message.contains(
                "rule `grower` is not stable (a second run changes its own output, at the end of the rewritten text)"
            ),
            "{}",
            err.message
        );
        assert_eq!(out.output, WF);
    }

    #[test]
    fn only_rules_that_changed_the_text_run_again() {
        let counter = Counter(Default::default());
        let meddler = Meddler {
            routes: &["jobs.*.runs-on"],
            from: "ubuntu-latest",
            to: "windows-latest",
        };
        let rules: [&dyn Rule; 2] = [&counter, &meddler];
        let out = process(
            WF,
            FileKind::Workflow,
            "w.yml",
            None,
            &Config::default(),
            &rules,
        );
        assert!(out.error.is_none(), "{:?}", out.error);
        assert!(out.output.contains("windows-latest"));
        assert_eq!(counter.0.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[test]
    fn a_parsed_tree_gives_the_same_result_and_its_text_back() {
        let rule = Meddler {
            routes: &["jobs.*.runs-on"],
            from: "ubuntu-latest",
            to: "windows-latest",
        };
        let shared = process_parsed(
            parse(WF),
            FileKind::Workflow,
            "w.yml",
            None,
            &Config::default(),
            &[&rule],
            &Options::default(),
        );
        assert_eq!(shared.output, run(&rule, WF).output);
        assert_ne!(shared.output, WF);
        assert_eq!(shared.input, WF);
        // Nothing to change: the text in and out.
        let same = run(&rule, &shared.output);
        assert_eq!(
            (same.input.as_str(), same.output.as_str()),
            (&*shared.output, &*shared.output)
        );
    }

    #[test]
    fn input_yaml_rust2_rejects_still_gets_a_token_check() {
        // `**/x` is an unknown alias: yaml-rust2 rejects the file, so only our CST can judge.
        let text = "on:\n  push:\n    paths:\n      - **/x\n      - \"y\"\n";
        let rule = Meddler {
            routes: &["on"],
            from: "**/x",
            to: "\"**/x",
        };
        let out = run(&rule, text);
        assert!(out.error.is_some(), "{}", out.output);
        // Refused after the rewrite: the original text in and out.
        assert_eq!((out.input.as_str(), out.output.as_str()), (text, text));
    }
}

#[cfg(test)]
mod screening_tests {
    use super::*;
    use crate::edit::{Edit, Fix};
    use crate::passes::Output;

    /// Rewrites every `old` to `new` (one fix each, unsafe when asked) and reports each `old`
    /// it sees; it borrows a real rule's name so that suppression comments can name it.
    struct Renamer {
        unsafe_fix: bool,
    }

    impl Rule for Renamer {
        fn name(&self) -> &'static str {
            "permissions"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            &["jobs.*.runs-on"]
        }
        fn run(&self, cx: &Context) -> Output {
            let mut out = Output::default();
            for (at, _) in cx.tree.text().match_indices("ubuntu-20.04") {
                let fix = Fix::new(
                    "permissions",
                    "replace ubuntu-20.04",
                    vec![Edit::replace(at..at + 12, "ubuntu-24.04")],
                );
                out.fixes.push(if self.unsafe_fix {
                    fix.unsafe_because("the image has other software")
                } else {
                    fix
                });
                let (line, column) = cx.tree.line_col(at);
                out.findings.push(Finding::new(
                    "permissions",
                    Severity::Warning,
                    line,
                    column,
                    "retired label",
                ));
            }
            out
        }
    }

    fn run(rule: &dyn Rule, text: &str, unsafe_fixes: bool) -> Processed {
        process_with(
            text,
            FileKind::Workflow,
            "w.yml",
            None,
            &Config::default(),
            &[rule],
            &Options { unsafe_fixes },
        )
    }

    const WF: &str = "jobs:\n  a:\n    runs-on: ubuntu-20.04\n  b:\n    runs-on: ubuntu-20.04 # wffmt: ignore[permissions]\n";

    fn messages(out: &Processed) -> Vec<String> {
        out.findings
            .iter()
            .map(|f| format!("{}:{} {} {}", f.line, f.column, f.rule, f.message))
            .collect()
    }

    #[test]
    fn an_unsafe_fix_waits_for_the_flag_and_is_reported_with_its_change() {
        let rule = Renamer { unsafe_fix: true };
        let out = run(&rule, WF, false);
        assert!(out.error.is_none(), "{:?}", out.error);
        assert_eq!(out.output, WF, "nothing applied without --unsafe-fixes");
        let withheld: Vec<&Finding> = out
            .findings
            .iter()
            .filter(|f| f.suggestion.is_some())
            .collect();
        assert_eq!(withheld.len(), 1, "{:?}", messages(&out));
        let s = withheld[0].suggestion.as_ref().unwrap();
        assert_eq!((withheld[0].line, withheld[0].column), (3, 14));
        assert_eq!(
            s.diff,
            "-    runs-on: ubuntu-20.04\n+    runs-on: ubuntu-24.04\n"
        );
        assert_eq!(s.reason.as_deref(), Some("the image has other software"));
        assert_eq!(
            (
                s.edits[0].start_line,
                s.edits[0].start_column,
                s.edits[0].end_column
            ),
            (3, 14, 26)
        );

        let out = run(&rule, WF, true);
        assert!(out.error.is_none(), "{:?}", out.error);
        assert_eq!(out.output.matches("ubuntu-24.04").count(), 1);
        assert_eq!(out.applied[0].applicability, Applicability::Unsafe);
        assert!(out.findings.iter().all(|f| f.suggestion.is_none()));
    }

    #[test]
    fn a_suppressed_line_gets_neither_fix_nor_finding() {
        let out = run(&Renamer { unsafe_fix: false }, WF, false);
        assert!(out.error.is_none(), "{:?}", out.error);
        assert_eq!(
            out.output,
            WF.replacen("ubuntu-20.04", "ubuntu-24.04", 1),
            "only the unsuppressed label changes"
        );
        assert_eq!(messages(&out), vec!["3:14 permissions retired label"]);
    }

    #[test]
    fn a_suppression_that_silences_nothing_is_reported() {
        let text = "# wffmt: ignore[permissions]\njobs:\n  a:\n    runs-on: ubuntu-22.04 # wffmt: ignore[permissions, layout]\n";
        let out = run(&Renamer { unsafe_fix: false }, text, false);
        // `layout` did not run, so nothing is known about it.
        assert_eq!(
            messages(&out),
            vec![
                "1:1 suppression unused suppression: `permissions` found nothing to report or fix here",
                "4:27 suppression unused suppression: `permissions` found nothing to report or fix here",
            ]
        );
    }

    #[test]
    fn a_rule_that_met_a_syntax_error_has_no_unused_suppressions() {
        // `*nope` is an alias without an anchor: the rule reads a text with a syntax error.
        let text = "jobs:\n  a:\n    runs-on: ubuntu-22.04 # wffmt: ignore[permissions]\n    env: *nope\n  b: # wffmt: ignore\n    runs-on: x\n";
        let out = run(&Renamer { unsafe_fix: false }, text, false);
        assert_eq!(messages(&out).len(), 1, "{:?}", messages(&out));
        assert_eq!(out.findings[0].rule, "syntax");
    }

    /// Adds a comment line at the top of a file that lacks it.
    struct Prepender;

    impl Rule for Prepender {
        fn name(&self) -> &'static str {
            "permissions"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            &[]
        }
        fn may_edit_comments(&self) -> bool {
            true
        }
        fn run(&self, cx: &Context) -> Output {
            let mut out = Output::default();
            if !cx.tree.text().starts_with("# added") {
                out.fixes.push(Fix::new(
                    "permissions",
                    "add",
                    vec![Edit::insert(0, "# added\n")],
                ));
            }
            out
        }
    }

    #[test]
    fn an_unused_suppression_is_reported_where_the_user_wrote_it() {
        let text = "jobs:\n  a:\n    runs-on: x # wffmt: ignore[permissions]\n";
        let out = run(&Prepender, text, false);
        assert!(out.output.starts_with("# added\n"));
        // Line 3 of the file as it is, not line 4 of the fixed text.
        assert_eq!(
            messages(&out),
            vec!["3:16 suppression unused suppression: `permissions` found nothing to report or fix here"]
        );
    }

    #[test]
    fn a_file_wide_suppression_covers_every_line() {
        let text = format!("# wffmt: ignore-file[permissions]\n{WF}");
        let out = run(&Renamer { unsafe_fix: false }, &text, false);
        assert_eq!(out.output, text);
        // The line directive is now redundant: the file-wide one silenced everything first.
        assert_eq!(
            messages(&out),
            vec!["6:27 suppression unused suppression: `permissions` found nothing to report or fix here"]
        );
    }

    #[test]
    fn unknown_rules_in_suppressions_are_reported() {
        let text = "jobs: {} # wffmt: ignore[permission]\n";
        let out = run(&Renamer { unsafe_fix: false }, text, false);
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0]
            .message
            .contains("unknown rule `permission`"));
    }

    /// Reports one label twice word for word (as for a matrix value two combinations share),
    /// and once with other words at the same place.
    struct Repeater;

    impl Rule for Repeater {
        fn name(&self) -> &'static str {
            "runner-labels"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            &[]
        }
        fn run(&self, _: &Context) -> Output {
            let said =
                |message: &str| Finding::new("runner-labels", Severity::Warning, 3, 14, message);
            Output {
                fixes: Vec::new(),
                findings: vec![
                    said("retired"),
                    said("retired"),
                    said("other"),
                    said("retired"),
                ],
            }
        }
    }

    #[test]
    fn a_finding_repeated_word_for_word_at_one_place_is_reported_once() {
        let out = run(&Repeater, WF, false);
        assert_eq!(
            messages(&out),
            vec!["3:14 runner-labels retired", "3:14 runner-labels other"]
        );
    }

    /// Asks the context about every line, as a rule with one file-wide fix does.
    struct Asker;

    impl Rule for Asker {
        fn name(&self) -> &'static str {
            "layout"
        }
        fn allowed_routes(&self) -> &'static [&'static str] {
            &[]
        }
        fn run(&self, cx: &Context) -> Output {
            let lines = cx.tree.text().lines().count();
            let left_alone = (1..=lines).filter(|&l| cx.suppressed("layout", l)).count();
            assert_eq!(left_alone, 2);
            Output::default()
        }
    }

    #[test]
    fn a_rule_honouring_a_suppression_itself_uses_it() {
        let text = "a:  1 # wffmt: ignore[layout]\nb: 2 # wffmt: ignore[layout]\n";
        let out = run(&Asker, text, false);
        // Both comments were consulted; neither is reported as unused.
        assert!(out.findings.is_empty(), "{:?}", messages(&out));
    }
}
