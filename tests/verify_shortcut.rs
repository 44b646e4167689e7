//! The pipeline skips the yaml-rust2 comparison when the trees prove that a rewrite only moved
//! whitespace (`guard::same_data`). Here that proof is checked against yaml-rust2 itself: over
//! every corpus file and yaml-test-suite case, whitespace edits that keep the data and edits
//! that break it are made, and whenever the proof says "same data", yaml-rust2 must agree.

mod common;

use std::path::PathBuf;

use wffmt::edit::{apply_fixes, Edit, Fix};
use wffmt::pipeline::guard::same_data;
use wffmt::syntax::parse;
use wffmt::verify::{compare, Outcome};

/// Whitespace edits of `text`: `shift` spaces added before (or removed from) the indentation of
/// every `every`-th line that has at least that much, starting at line `from`.
fn reindent(text: &str, shift: isize, every: usize, from: usize) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i >= from && (i - from).is_multiple_of(every) && !line.trim().is_empty() {
            let indent = line.len() - line.trim_start_matches(' ').len();
            if shift > 0 {
                edits.push(Edit::insert(offset, " ".repeat(shift as usize)));
            } else if indent >= shift.unsigned_abs() {
                edits.push(Edit::delete(offset..offset + shift.unsigned_abs()));
            }
        }
        offset += line.len();
    }
    edits
}

/// Double spaces after every `: ` and `- ` (content of quoted scalars included, on purpose).
fn widen(text: &str) -> Vec<Edit> {
    text.match_indices(": ")
        .chain(text.match_indices("- "))
        .map(|(at, _)| Edit::insert(at + 2, " "))
        .collect()
}

/// Trailing spaces removed, and a blank line added after every third line.
fn tidy(text: &str) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let kept = body.trim_end_matches(' ');
        if kept.len() < body.len() {
            edits.push(Edit::delete(offset + kept.len()..offset + body.len()));
        }
        if i % 3 == 2 && line.ends_with('\n') {
            edits.push(Edit::insert(offset + line.len(), "\n"));
        }
        offset += line.len();
    }
    edits
}

#[test]
fn whenever_the_trees_prove_a_whitespace_rewrite_yaml_rust2_agrees() {
    let mut files: Vec<PathBuf> = common::own_corpus();
    files.extend(common::shared_workflows());
    files.extend(common::yaml_test_suite());
    if files.len() < 100 {
        eprintln!("skipping most of the check: ../shared/corpus is not present");
    }
    let (mut cases, mut proven, mut judged) = (0, 0, 0);
    let mut failures = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let old = parse(&text);
        let variants = [
            reindent(&text, 2, 1, 0),
            reindent(&text, 1, 7, 3),
            reindent(&text, -1, 5, 2),
            reindent(&text, -2, 1, 0),
            widen(&text),
            tidy(&text),
        ];
        for edits in variants {
            if edits.is_empty() {
                continue;
            }
            let new_text = apply_fixes(&text, vec![Fix::new("t", "t", edits.clone())]).text;
            cases += 1;
            if !same_data(&old, &parse(&new_text), &edits) {
                continue;
            }
            proven += 1;
            match compare(&text, &new_text, &[]) {
                Ok(Outcome::Equivalent) => judged += 1,
                Ok(Outcome::OriginalRejected(_)) => {}
                Err(m) => failures.push(format!(
                    "{}: proven the same, but yaml-rust2 finds {m}",
                    file.display()
                )),
            }
        }
    }
    eprintln!(
        "{cases} whitespace rewrites of {} files: {proven} proven the same, {judged} of them confirmed by yaml-rust2",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        proven > 0,
        "no rewrite was proven the same: the check checked nothing"
    );
}
