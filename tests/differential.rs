//! Differential check of the parser's structure against yaml-rust2: on every input yaml-rust2
//! accepts, the shape our tree implies (mappings, sequences, scalars, aliases, in order) must be
//! the shape of yaml-rust2's events. Rules find keys and items through this structure.

mod common;

use wffmt::syntax::{parse, NodeKind, SyntaxTree};
use yaml_rust2::parser::{Event, Parser};

/// yaml-rust2's shape: `{` `}` `[` `]` `v` `*` per event, `|` between documents.
fn reference_shape(text: &str) -> Option<String> {
    let mut parser = Parser::new_from_str(text.trim_start_matches('\u{feff}'));
    let mut out = String::new();
    loop {
        let (event, _) = parser.next_token().ok()?;
        match event {
            Event::StreamEnd => return Some(out),
            Event::DocumentStart => out.push('|'),
            Event::MappingStart(..) => out.push('{'),
            Event::MappingEnd => out.push('}'),
            Event::SequenceStart(..) => out.push('['),
            Event::SequenceEnd => out.push(']'),
            Event::Scalar(..) => out.push('v'),
            Event::Alias(_) => out.push('*'),
            _ => {}
        }
    }
}

/// The same shape from our tree, walked with an explicit stack.
fn tree_shape(tree: &SyntaxTree) -> Option<String> {
    enum Step {
        Node(u32),
        Text(char),
        Empty,
    }
    let mut out = String::new();
    for doc in tree.documents() {
        out.push('|');
        let mut stack: Vec<Step> = Vec::new();
        match tree
            .children(doc)
            .find(|&c| tree.kind(c) != NodeKind::Error)
        {
            Some(root) => stack.push(Step::Node(root)),
            None => stack.push(Step::Empty),
        }
        while let Some(step) = stack.pop() {
            let n = match step {
                Step::Text(c) => {
                    out.push(c);
                    continue;
                }
                Step::Empty => {
                    out.push('v');
                    continue;
                }
                Step::Node(n) => n,
            };
            match tree.kind(n) {
                NodeKind::Scalar => out.push('v'),
                NodeKind::Alias => out.push('*'),
                NodeKind::BlockMap | NodeKind::FlowMap => {
                    out.push('{');
                    stack.push(Step::Text('}'));
                    let entries: Vec<u32> = tree.map_entries(n).collect();
                    for e in entries.into_iter().rev() {
                        stack.push(match tree.entry_value(e) {
                            Some(v) => Step::Node(v),
                            None => Step::Empty,
                        });
                        stack.push(match tree.entry_key(e) {
                            Some(k) => Step::Node(k),
                            None => Step::Empty,
                        });
                    }
                }
                NodeKind::BlockSeq => {
                    out.push('[');
                    stack.push(Step::Text(']'));
                    let items: Vec<u32> = tree
                        .children(n)
                        .filter(|&c| tree.kind(c) == NodeKind::Item)
                        .collect();
                    for item in items.into_iter().rev() {
                        stack.push(match tree.entry_value(item) {
                            Some(v) => Step::Node(v),
                            None => Step::Empty,
                        });
                    }
                }
                NodeKind::FlowSeq => {
                    out.push('[');
                    stack.push(Step::Text(']'));
                    let items: Vec<u32> = tree.children(n).collect();
                    for item in items.into_iter().rev() {
                        stack.push(Step::Node(item));
                    }
                }
                // A single-pair mapping inside a flow sequence (`[a: b]`) has no node of its
                // own, and error nodes have no shape: not comparable.
                _ => return None,
            }
        }
    }
    Some(out)
}

/// `[a: b]`: a single-pair mapping inside a flow sequence, which the tree keeps as the
/// sequence's items and a `:` token rather than as a mapping node.
fn has_flow_pair(tree: &SyntaxTree) -> bool {
    let mut stack = vec![tree.root()];
    while let Some(n) = stack.pop() {
        if tree.kind(n) == NodeKind::FlowSeq {
            let span = tree.token_span(n);
            let mut inside: Vec<std::ops::Range<usize>> =
                tree.children(n).map(|c| tree.token_span(c)).collect();
            inside.sort_by_key(|r| r.start);
            let direct_colon = span.clone().any(|i| {
                tree.tokens()[i].kind == wffmt::syntax::TokenKind::Colon
                    && !inside.iter().any(|r| r.contains(&i))
            });
            if direct_colon {
                return true;
            }
        }
        stack.extend(tree.children(n));
    }
    false
}

fn compare(files: &[std::path::PathBuf]) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        // Flow-sequence pairs are not modelled as nodes; skip inputs that have them.
        let Some(reference) = reference_shape(&text) else {
            continue;
        };
        let tree = parse(&text);
        if has_flow_pair(&tree) {
            continue;
        }
        let Some(ours) = tree_shape(&tree) else {
            continue;
        };
        compared += 1;
        // yaml-rust2 reports an empty stream as no document at all.
        let ours = if reference.is_empty() && ours == "|v" {
            String::new()
        } else {
            ours
        };
        if ours != reference {
            mismatches.push(format!(
                "{}: ours {ours} / yaml-rust2 {reference}",
                f.display()
            ));
        }
    }
    (compared, mismatches)
}

#[test]
fn tree_structure_matches_yaml_rust2_on_real_workflows() {
    let (n, bad) = compare(&common::shared_workflows());
    eprintln!("structure compared on {n} real workflow files");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn tree_structure_matches_yaml_rust2_on_the_yaml_test_suite() {
    let (n, bad) = compare(&common::yaml_test_suite());
    eprintln!("structure compared on {n} yaml-test-suite inputs");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
