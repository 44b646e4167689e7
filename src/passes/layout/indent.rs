//! Target indentation for every line.
//!
//! Block collections get their indentation from the structure: the root at 0, a collection
//! under a key at the key's indentation plus `indent` (sequences may stay at the key's column
//! with `sequence-indent = "indentless"`), a mapping inside `- ` at the dash plus 2. Lines that
//! continue a multi-line scalar or flow collection move by the same amount as the line where
//! it starts (never to or left of that line's column); block scalar bodies move with their
//! header's line; own-line comments take the indentation of the entry they belong to (see the
//! trivia-ownership rule in `syntax::tree`).

use std::collections::HashMap;

use super::lines::{LineKind, Lines};
use super::nesting::{FlowSpans, IndentStack, Nesting};
use crate::config::SequenceIndent;
use crate::syntax::{NodeId, NodeKind, SyntaxTree, TokenKind};

pub struct Style {
    pub indent: usize,
    pub sequence_indent: SequenceIndent,
}

/// A block collection's indentation before and after, and the lines it spans.
#[derive(Debug, Clone, Copy)]
pub struct Collection {
    pub old: usize,
    pub new: usize,
    pub first_line: usize,
    pub last_line: usize,
}

/// Structural targets: the new column of lines that start an entry or a value, the block
/// collections, and for each block scalar body (by token index) the new column of its content.
pub struct Targets {
    pub lines: Vec<Option<usize>>,
    pub collections: Vec<Collection>,
    pub bodies: Vec<(usize, usize)>,
    /// Spaces per level.
    pub unit: usize,
}

/// New column for each line (`None`: leave the line's leading whitespace alone).
pub fn target_columns(
    tree: &SyntaxTree,
    lines: &Lines,
    verbatim: &[bool],
    fixed_spacing: &[bool],
    style: &Style,
) -> Targets {
    let mut target: Vec<Option<usize>> = vec![None; lines.len()];
    let mut collections = Vec::new();
    let mut bodies = Vec::new();
    let w = style.indent;
    let set = |target: &mut Vec<Option<usize>>, tok: usize, col: usize| {
        let t = &tree.tokens()[tok];
        if t.first_on_line() {
            let l = lines.line_of(t.start as usize);
            if !verbatim[l] {
                target[l] = Some(col);
            }
        }
    };
    // Explicit stack: (collection node, its new indentation).
    let mut stack: Vec<(NodeId, usize)> = Vec::new();
    for doc in tree.documents() {
        for root in tree.children(doc) {
            match tree.kind(root) {
                NodeKind::BlockMap | NodeKind::BlockSeq => {
                    // `--- key: v`: the first entry shares the marker's line; keep the column.
                    let compact = first_entry_token(tree, root)
                        .is_some_and(|t| !tree.tokens()[t].first_on_line());
                    let col = if compact { old_indent(tree, root) } else { 0 };
                    stack.push((root, col));
                }
                NodeKind::Error => {}
                _ => set(&mut target, tree.token_span(root).start, 0),
            }
        }
    }
    while let Some((coll, wanted)) = stack.pop() {
        let old = old_indent(tree, coll);
        let ni = if frozen(tree, lines, verbatim, coll) {
            old
        } else {
            wanted
        };
        let range = tree.range(coll);
        collections.push(Collection {
            old,
            new: ni,
            first_line: lines.line_of(range.start),
            last_line: lines.line_of(range.end.saturating_sub(1).max(range.start)),
        });
        for entry in tree.children(coll) {
            if !matches!(tree.kind(entry), NodeKind::Entry | NodeKind::Item) {
                continue;
            }
            let span = tree.token_span(entry);
            set(&mut target, span.start, ni);
            // A `:` of an explicit entry on its own line.
            if let Some(colon) = tree.entry_colon(entry) {
                set(&mut target, colon, ni);
            }
            for child in tree.children(entry) {
                let first = tree.token_span(child).start;
                if first == span.start {
                    continue; // an implicit key: its line is the entry's line
                }
                let is_block = matches!(tree.kind(child), NodeKind::BlockMap | NodeKind::BlockSeq);
                if is_block {
                    // On a line of its own when its first entry, or the properties that start
                    // it (`&a : v`), begin a line.
                    let own_line = tree.tokens()[first].first_on_line()
                        || first_entry_token(tree, child)
                            .is_some_and(|t| tree.tokens()[t].first_on_line());
                    let indent = if !own_line {
                        // Compact (`- key: v`, `? - a`): one space after the indicator, unless
                        // the line's spacing stays as it is.
                        let entry_tok = &tree.tokens()[span.start];
                        let line = lines.line_of(entry_tok.start as usize);
                        if fixed_spacing[line] {
                            let first_col = first_entry_token(tree, child)
                                .map(|t| tree.tokens()[t].col as usize)
                                .unwrap_or(0);
                            ni + first_col.saturating_sub(entry_tok.col as usize)
                        } else {
                            ni + 2
                        }
                    } else if tree.kind(child) == NodeKind::BlockSeq
                        && tree.kind(entry) == NodeKind::Entry
                        && style.sequence_indent == SequenceIndent::Indentless
                    {
                        ni
                    } else {
                        ni + w
                    };
                    // Properties on a line of their own before the collection.
                    if first_entry_token(tree, child) != Some(first) {
                        set(&mut target, first, ni + w);
                    }
                    stack.push((child, indent));
                } else if tree.kind(child) != NodeKind::Error {
                    set(&mut target, first, ni + w);
                    if let Some(body) = block_body(tree, child) {
                        // The body moves by the same amount as its parent's column, so its
                        // indentation relative to the parent (and any `|2` indicator) holds.
                        // A body without content lines (only empty lines) stays as it is.
                        if let Some(indent) = body_indent(tree, body) {
                            let col =
                                (indent as isize + ni as isize - old as isize).max(0) as usize;
                            bodies.push((body, col));
                        }
                    }
                }
            }
        }
    }
    Targets {
        lines: target,
        collections,
        bodies,
        unit: w,
    }
}

/// Token index of a block scalar node's body.
fn block_body(tree: &SyntaxTree, node: NodeId) -> Option<usize> {
    let span = tree.token_span(node);
    let toks = tree.tokens();
    let mut content = tree.content_tokens(node);
    if content.next()?.kind != TokenKind::BlockHeader {
        return None;
    }
    (span.start..span.end).find(|&i| toks[i].kind == TokenKind::BlockBody)
}

/// Indentation of a block scalar body: that of its first line with content (anything but
/// spaces); `None` when the body has no such line.
pub fn body_indent(tree: &SyntaxTree, body: usize) -> Option<usize> {
    let text = tree.tokens()[body].text(tree.text());
    text.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| !l.trim_start_matches(' ').is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
}

fn first_entry_token(tree: &SyntaxTree, coll: NodeId) -> Option<usize> {
    tree.children(coll)
        .find(|&c| matches!(tree.kind(c), NodeKind::Entry | NodeKind::Item))
        .map(|c| tree.token_span(c).start)
}

fn old_indent(tree: &SyntaxTree, coll: NodeId) -> usize {
    first_entry_token(tree, coll)
        .map(|t| tree.tokens()[t].col as usize)
        .unwrap_or(0)
}

/// A collection with an entry on a verbatim line keeps its indentation.
fn frozen(tree: &SyntaxTree, lines: &Lines, verbatim: &[bool], coll: NodeId) -> bool {
    tree.children(coll).any(|e| {
        let t = &tree.tokens()[tree.token_span(e).start.min(tree.tokens().len() - 1)];
        verbatim[lines.line_of(t.start as usize)]
    })
}

/// Fill in continuation lines, block scalar bodies and comments from the structural targets;
/// returns the final column of each line (`None`: keep).
pub fn resolve_all(
    tree: &SyntaxTree,
    lines: &Lines,
    verbatim: &[bool],
    targets: &Targets,
) -> Vec<Option<usize>> {
    let n = lines.len();
    let mut fin: Vec<Option<usize>> = targets.lines.clone();
    let flows = FlowSpans::new(tree);
    let nesting = Nesting::new(&targets.collections, n);
    // For each block scalar body (by token index): its indentation and how far it moves.
    let bodies: HashMap<usize, (usize, isize)> = targets
        .bodies
        .iter()
        .filter_map(|&(body, col)| {
            body_indent(tree, body).map(|indent| (body, (indent, col as isize - indent as isize)))
        })
        .collect();
    let delta = |fin: &Vec<Option<usize>>, l: usize| -> isize {
        let old = lines.lines[l].indent() as isize;
        fin[l].map(|c| c as isize - old).unwrap_or(0)
    };
    let tokens = tree.tokens();
    // The lowest column a continuation of the scalar starting at a token may take, for the
    // scalar seen last (its continuation lines come one after another).
    let mut scalar_min: Option<(usize, usize)> = None;
    // Continuation lines and block bodies, in order, so that starts are final first.
    for l in 0..n {
        if verbatim[l] || fin[l].is_some() {
            continue;
        }
        let line = lines.lines[l];
        match line.kind {
            LineKind::InBlockBody => {
                let Some(&(indent, d)) = bodies.get(&line.token()) else {
                    continue;
                };
                let h = header_line_of(tree, lines, line.token());
                // An empty line of the body (no more spaces than the body's indentation) carries
                // no content: it may lose spaces but never gains any (no trailing whitespace).
                let spaces_only = is_blank_at(tree, line.first());
                if spaces_only && d > 0 && line.indent() <= indent {
                    continue;
                }
                if d != 0 && !h.is_some_and(|h| verbatim[h]) {
                    let old = line.indent() as isize;
                    fin[l] = Some((old + d).max(0) as usize);
                }
            }
            LineKind::InScalar if is_blank_at(tree, line.first()) => {
                // An empty line inside a multi-line scalar: part of the value, left alone.
            }
            LineKind::InScalar | LineKind::Content => {
                // A continuation of a token or node that starts on an earlier line.
                let start_tok = if line.kind == LineKind::InScalar {
                    Some(line.token())
                } else {
                    flows.enclosing_start(line.token())
                };
                let Some(st) = start_tok else {
                    continue;
                };
                let s = lines.line_of(tokens[st].start as usize);
                if s == l || verbatim[s] {
                    continue;
                }
                let d = delta(&fin, s);
                // Moved with the line where it starts, keeping its offset. A scalar's
                // continuation must stay right of the block it sits in; flow content keeps its
                // place relative to its first line (a closing `]` under its key stays there).
                let min = if line.kind == LineKind::InScalar {
                    match scalar_min {
                        Some((tok, min)) if tok == st => min,
                        _ => {
                            let start_col = tokens[st].col as usize;
                            let min = nesting
                                .around(s)
                                .map(|c| targets.collections[c])
                                .find(|c| c.old < start_col)
                                .map(|c| c.new + 1)
                                .unwrap_or(0);
                            scalar_min = Some((st, min));
                            min
                        }
                    }
                } else {
                    0
                };
                let old = line.indent() as isize;
                let new = ((old + d).max(0) as usize).max(min);
                if new != line.indent() {
                    fin[l] = Some(new);
                }
            }
            _ => {}
        }
    }
    // Own-line comments. One pass: the lines before a comment are looked up in structures
    // kept up to date as the pass goes, the line after it by a pointer that only moves forward.
    let mut next_content = 0usize;
    let mut prev_content: Option<usize> = None;
    let mut prev_structural: Option<usize> = None;
    let mut shallower = IndentStack::default();
    let mut owner_cache: Option<(usize, usize, Option<usize>)> = None;
    for l in 0..n {
        let kind = lines.lines[l].kind;
        if kind == LineKind::Content {
            prev_content = Some(l);
            shallower.push(l, lines.lines[l].indent());
        }
        if !matches!(kind, LineKind::Blank | LineKind::Comment) {
            prev_structural = Some(l);
        }
        if verbatim[l] || kind != LineKind::Comment {
            continue;
        }
        let col = lines.lines[l].indent();
        if next_content <= l {
            next_content = (l + 1..n)
                .find(|&x| lines.lines[x].kind == LineKind::Content)
                .unwrap_or(n);
        }
        let next = (next_content < n).then_some(next_content);
        let mut chosen = None;
        if let Some(nx) = next {
            let next_indent = lines.lines[nx].indent();
            // Between a key and its nested block, or not deeper than what follows: the comment
            // leads the next entry.
            let leads_nested = prev_content.is_some_and(|p| next_indent > lines.lines[p].indent());
            // Inside a flow collection a comment goes with the item after it.
            let in_flow = flows.enclosing_start(lines.lines[l].token()).is_some();
            if col <= next_indent || leads_nested || in_flow {
                chosen = Some(nx);
            }
        }
        if chosen.is_none() {
            // Under a key with no value (`workflow_dispatch:` / `    # manual runs`): one level
            // deeper than the key.
            if let Some(p) = prev_content.filter(|&p| ends_with_colon(tree, lines, p)) {
                if col > lines.lines[p].indent() && !verbatim[p] {
                    let key_col = fin[p].unwrap_or(lines.lines[p].indent());
                    let new = key_col + targets.unit;
                    if new != col {
                        fin[l] = Some(new);
                    }
                    continue;
                }
            }
            // An end-of-block comment: it belongs to the deepest block collection around the
            // line above that is indented no further than the comment.
            if let Some(p) = prev_structural {
                let owner = match owner_cache {
                    Some((cp, cc, owner)) if cp == p && cc == col => owner,
                    _ => {
                        let owner = nesting
                            .around(p)
                            .find(|&c| targets.collections[c].old <= col);
                        owner_cache = Some((p, col, owner));
                        owner
                    }
                };
                if let Some(c) = owner {
                    let c = targets.collections[c];
                    if c.new != col {
                        fin[l] = Some(c.new);
                    }
                    continue;
                }
            }
            chosen = shallower.last_at_most(col);
        }
        if let Some(c) = chosen {
            if verbatim[c] {
                continue;
            }
            let new = fin[c].unwrap_or(lines.lines[c].indent());
            fin[l] = Some(new);
        }
    }
    fin
}

/// The last significant token of line `l` is a `:` (a key with no value on its line).
fn ends_with_colon(tree: &SyntaxTree, lines: &Lines, l: usize) -> bool {
    let end = lines
        .lines
        .get(l + 1)
        .map(|n| n.start())
        .unwrap_or(tree.text().len());
    tree.tokens()
        .iter()
        .skip(lines.lines[l].token())
        .take_while(|t| (t.start as usize) < end)
        .filter(|t| !t.kind.is_trivia())
        .last()
        .is_some_and(|t| t.kind == TokenKind::Colon)
}

/// Nothing but a line break (or the end of the text) at `at`.
fn is_blank_at(tree: &SyntaxTree, at: usize) -> bool {
    matches!(
        tree.text().as_bytes().get(at),
        None | Some(b'\n') | Some(b'\r')
    )
}

/// The line of the block scalar header whose body is token `body`.
fn header_line_of(tree: &SyntaxTree, lines: &Lines, body: usize) -> Option<usize> {
    let tokens = tree.tokens();
    (0..body)
        .rev()
        .find(|&i| tokens[i].kind == TokenKind::BlockHeader)
        .map(|i| {
            // The line's own first token decides the line's shift.
            lines.line_of(tokens[i].start as usize)
        })
}
