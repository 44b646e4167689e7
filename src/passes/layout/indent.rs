//! Target indentation for every line.
//!
//! Block collections get their indentation from the structure: the root at 0, a collection
//! under a key at the key's indentation plus `indent` (sequences may stay at the key's column
//! with `sequence-indent = "indentless"`), a mapping inside `- ` at the dash plus 2.
//!
//! Lines that continue a multi-line scalar or flow collection move with the line they continue:
//! a line aligned with a token of the line above (or of the construct's first line) stays
//! aligned with it, wherever re-indentation and spacing move that token; any other such line
//! moves with the text to its left. It never moves to or left of its block's column.
//!
//! Block scalar bodies go to their key's column plus `indent` when that provably keeps the
//! value (see [`Body`]); otherwise they move by as much as their key, keeping their offset.
//! Own-line comments take the indentation of the entry they belong to (see the
//! trivia-ownership rule in `syntax::tree`).

use std::cell::OnceCell;

use super::align::{has_anchor_at, Shifts};
use super::lines::{LineKind, Lines};
use super::nesting::{FlowSpans, IndentStack, Nesting};
use crate::config::SequenceIndent;
use crate::syntax::{NodeId, NodeKind, Role, SyntaxTree, TokenKind};

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

/// Where a block scalar's body goes.
///
/// Every line of a body moves by the same amount, empty lines never gain spaces (and lose
/// what would exceed the new indentation), so the lines keep their indentation relative to the
/// body's. With an explicit indentation indicator (`|2`) the indentation relative to the parent
/// is what counts, so such a body only ever moves with its key; without one, YAML takes the
/// body's indentation from its first content line, and the body may go anywhere deeper than
/// its parent, provided no leading empty line has more spaces than that first line (YAML
/// forbids it, readers disagree about it) and the line after the body stays left of it.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    /// Token index of the body.
    pub token: usize,
    /// Indentation of its first content line.
    pub indent: usize,
    /// The new indentation: the key's column plus `indent`, when allowed.
    pub wanted: usize,
    /// The new indentation that keeps the offset to the key.
    pub relative: usize,
}

/// Structural targets: the new column of lines that start an entry or a value, the block
/// collections and the block scalar bodies.
pub struct Targets {
    pub lines: Vec<Option<usize>>,
    pub collections: Vec<Collection>,
    pub bodies: Vec<Body>,
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
        if tree.tokens()[tok].first_on_line() {
            let l = lines.line_of_token(tok);
            if !verbatim[l] {
                target[l] = Some(col);
            }
        }
    };
    // Verbatim lines before each line, to ask in O(1) whether a collection holds any.
    let mut verbatim_before = Vec::with_capacity(verbatim.len() + 1);
    verbatim_before.push(0usize);
    for &v in verbatim {
        verbatim_before.push(verbatim_before.last().copied().unwrap_or(0) + usize::from(v));
    }
    let any_verbatim = verbatim_before[verbatim.len()] > 0;
    // Explicit stack: (collection node, its new indentation, its first entry's token).
    let mut stack: Vec<(NodeId, usize, Option<usize>)> = Vec::new();
    for doc in tree.documents() {
        for root in tree.children(doc) {
            match tree.kind(root) {
                NodeKind::BlockMap | NodeKind::BlockSeq => {
                    // `--- key: v`: the first entry shares the marker's line; keep the column.
                    let first_entry = first_entry_token(tree, root);
                    let compact = first_entry.is_some_and(|t| !tree.tokens()[t].first_on_line());
                    let col = if compact {
                        column(tree, first_entry)
                    } else {
                        0
                    };
                    stack.push((root, col, first_entry));
                }
                NodeKind::Error => {}
                _ => set(&mut target, tree.token_span(root).start, 0),
            }
        }
    }
    while let Some((coll, wanted, first_entry)) = stack.pop() {
        let old = column(tree, first_entry);
        let (first_line, last_line) = line_span(tree, lines, coll);
        // A collection holding verbatim lines further down does not move right: its keys
        // would reach or pass the verbatim lines' column, which stays (`# wffmt: off` inside
        // a file re-indented from 4 to 8 spaces). Moving left keeps them deeper, so it is safe.
        let holds_verbatim = verbatim_before[last_line + 1] > verbatim_before[first_line];
        let frozen = any_verbatim && frozen(tree, lines, verbatim, coll);
        let ni = if frozen || (holds_verbatim && wanted > old) {
            old
        } else {
            wanted
        };
        collections.push(Collection {
            old,
            new: ni,
            first_line,
            last_line,
        });
        for entry in tree.children(coll) {
            if !matches!(tree.kind(entry), NodeKind::Entry | NodeKind::Item) {
                continue;
            }
            let span = tree.token_span(entry);
            set(&mut target, span.start, ni);
            let (mut key, mut value) = (None, None);
            for child in tree.children(entry) {
                match tree.role(child) {
                    Role::Key if key.is_none() => key = Some(child),
                    Role::Value if value.is_none() => value = Some(child),
                    _ => {}
                }
                let first = tree.token_span(child).start;
                if first == span.start {
                    continue; // an implicit key: its line is the entry's line
                }
                let is_block = matches!(tree.kind(child), NodeKind::BlockMap | NodeKind::BlockSeq);
                if is_block {
                    let child_first_entry = first_entry_token(tree, child);
                    // On a line of its own when its first entry, or the properties that start
                    // it (`&a : v`), begin a line.
                    let own_line = tree.tokens()[first].first_on_line()
                        || child_first_entry.is_some_and(|t| tree.tokens()[t].first_on_line());
                    let indent = if !own_line {
                        // Compact (`- key: v`, `? - a`): one space after the indicator, unless
                        // the line's spacing stays as it is.
                        let entry_tok = &tree.tokens()[span.start];
                        let line = lines.line_of_token(span.start);
                        if fixed_spacing[line] {
                            let first_col = column(tree, child_first_entry);
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
                    if child_first_entry != Some(first) {
                        set(&mut target, first, ni + w);
                    }
                    stack.push((child, indent, child_first_entry));
                } else if tree.kind(child) != NodeKind::Error {
                    set(&mut target, first, ni + w);
                    if let Some((header, body)) = block_body(tree, child) {
                        // A body without content lines (only empty lines) stays as it is.
                        if let Some(indent) = body_indent(tree, body) {
                            let relative =
                                (indent as isize + ni as isize - old as isize).max(0) as usize;
                            let header_text = tree.tokens()[header].text(tree.text());
                            let movable = !header_text.bytes().any(|c| c.is_ascii_digit())
                                && leading_empty_lines_fit(tree, body, indent);
                            bodies.push(Body {
                                token: body,
                                indent,
                                wanted: if movable { ni + w } else { relative },
                                relative,
                            });
                        }
                    }
                }
            }
            // A `:` of an explicit entry on its own line.
            if tree.kind(entry) == NodeKind::Entry {
                if let Some(colon) = tree.colon_between(entry, key, value) {
                    set(&mut target, colon, ni);
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

/// The first and last line of a node with tokens (lines inside its last token included).
fn line_span(tree: &SyntaxTree, lines: &Lines, node: NodeId) -> (usize, usize) {
    let span = tree.token_span(node);
    if span.is_empty() {
        let at = tree.range(node).start;
        return (lines.line_of(at), lines.line_of(at));
    }
    let last = span.end - 1;
    let last_line = lines.line_of_token(last);
    let end = tree.tokens()[last].end as usize - 1;
    let last_line = match lines.lines.get(last_line + 1) {
        Some(next) if next.start() <= end => lines.line_of(end),
        _ => last_line,
    };
    (lines.line_of_token(span.start), last_line)
}

/// Token indices of a block scalar node's header and body.
fn block_body(tree: &SyntaxTree, node: NodeId) -> Option<(usize, usize)> {
    let span = tree.token_span(node);
    let toks = tree.tokens();
    let header = (span.start..span.end)
        .find(|&i| !toks[i].kind.is_trivia() && !toks[i].kind.is_property())?;
    if toks[header].kind != TokenKind::BlockHeader {
        return None;
    }
    let body = (header + 1..span.end).find(|&i| toks[i].kind == TokenKind::BlockBody)?;
    Some((header, body))
}

/// No empty line before the body's first content line has more spaces than that line.
fn leading_empty_lines_fit(tree: &SyntaxTree, body: usize, indent: usize) -> bool {
    let text = tree.tokens()[body].text(tree.text());
    text.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .take_while(|l| l.trim_start_matches(' ').is_empty())
        .all(|l| l.len() <= indent)
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

/// The column of a collection's first entry token (0 without one): its old indentation.
fn column(tree: &SyntaxTree, first_entry: Option<usize>) -> usize {
    first_entry
        .map(|t| tree.tokens()[t].col as usize)
        .unwrap_or(0)
}

/// A collection with an entry on a verbatim line keeps its indentation.
fn frozen(tree: &SyntaxTree, lines: &Lines, verbatim: &[bool], coll: NodeId) -> bool {
    tree.children(coll).any(|e| {
        let t = tree.token_span(e).start.min(tree.tokens().len() - 1);
        verbatim[lines.line_of_token(t)]
    })
}

/// Fill in continuation lines, block scalar bodies and comments from the structural targets;
/// returns the final column of each line (`None`: keep). `shifts` knows the spacing edits.
pub fn resolve_all(
    tree: &SyntaxTree,
    lines: &Lines,
    verbatim: &[bool],
    targets: &Targets,
    shifts: &Shifts,
) -> Vec<Option<usize>> {
    let n = lines.len();
    let mut fin: Vec<Option<usize>> = targets.lines.clone();
    let flows = FlowSpans::new(tree);
    // Only some continuation lines and comments ask what encloses them.
    let nesting_cell = OnceCell::new();
    let nesting = || nesting_cell.get_or_init(|| Nesting::new(&targets.collections, n));
    // (body, the column it goes to), by token; each body token appears once.
    let mut bodies: Vec<(Body, usize)> = targets.bodies.iter().map(|b| (*b, b.wanted)).collect();
    bodies.sort_unstable_by_key(|b| b.0.token);
    let body_at = |bodies: &[(Body, usize)], token: usize| {
        bodies.binary_search_by_key(&token, |b| b.0.token).ok()
    };
    let tokens = tree.tokens();
    // The lowest column a continuation of the construct starting at a token may take, for the
    // construct seen last (its continuation lines come one after another).
    let mut lowest: Option<(usize, usize)> = None;
    // Continuation lines and block bodies, in order, so that starts are final first.
    for l in 0..n {
        if verbatim[l] || fin[l].is_some() {
            continue;
        }
        let line = lines.lines[l];
        match line.kind {
            LineKind::InBlockBody => {
                if let Some(b) = body_at(&bodies, line.token()) {
                    let (body, col) = bodies[b];
                    fin[l] = body_line(tree, lines, verbatim, l, &body, col);
                }
            }
            LineKind::InScalar if is_blank_at(tree, line.first()) => {
                // An empty line inside a multi-line scalar: its whitespace goes (see `mod`).
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
                let s = lines.line_of_token(st);
                if s == l || verbatim[s] {
                    continue;
                }
                let col = line.indent();
                // Aligned with something on the line above (within the construct)? Then it
                // stays aligned with it; otherwise it moves with the construct's first line.
                let above = l - 1;
                // (Own-line comments are placed later: they cannot be a reference.)
                let reference = if above > s
                    && !verbatim[above]
                    && matches!(
                        lines.lines[above].kind,
                        LineKind::Content | LineKind::InScalar
                    )
                    && has_anchor_at(tree, lines, above, col)
                {
                    above
                } else {
                    s
                };
                let mut new = shifts.column(reference, col, fin[reference]);
                // Never to or left of the block it sits in (a closing bracket may stand at
                // the block's column).
                let min = match lowest {
                    Some((tok, min)) if tok == st => min,
                    _ => {
                        let start_col = tokens[st].col as usize;
                        let min = nesting()
                            .around(s)
                            .map(|c| targets.collections[c])
                            .find(|c| c.old < start_col)
                            .map(|c| c.new + 1)
                            .unwrap_or(0);
                        lowest = Some((st, min));
                        min
                    }
                };
                let closer = line.kind == LineKind::Content
                    && matches!(
                        tokens[line.token()].kind,
                        TokenKind::RBrace | TokenKind::RBracket
                    );
                let min = if closer { min.saturating_sub(1) } else { min };
                if col >= min {
                    new = new.max(min);
                }
                if new != col {
                    fin[l] = Some(new);
                }
            }
            _ => {}
        }
    }
    // Own-line comments. One pass: the lines before a comment are looked up in structures
    // kept up to date as the pass goes, the line after it by a pointer that only moves forward.
    // Files without own-line comments skip it.
    let has_comments = lines.lines.iter().any(|l| l.kind == LineKind::Comment);
    let mut next_content = 0usize;
    let mut prev_content: Option<usize> = None;
    let mut prev_structural: Option<usize> = None;
    let mut shallower = IndentStack::default();
    let mut owner_cache: Option<(usize, usize, Option<usize>)> = None;
    for l in (0..n).take_while(|_| has_comments) {
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
                        let owner = nesting()
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
    // A body placed at its key's column plus `indent` must not swallow the line after it:
    // where it would, it keeps its offset to the key instead.
    let mut retry = Vec::new();
    for (b, &(body, col)) in bodies.iter().enumerate() {
        if col == body.relative {
            continue;
        }
        let last = lines.line_of(tokens[body.token].end as usize - 1);
        let next = (last + 1..n).find(|&x| lines.lines[x].kind != LineKind::Blank);
        let swallowed = next.is_some_and(|x| fin[x].unwrap_or(lines.lines[x].indent()) >= col);
        if swallowed {
            retry.push(b);
        }
    }
    for b in retry {
        let entry = &mut bodies[b];
        entry.1 = entry.0.relative;
        let (body, col) = *entry;
        let token = body.token;
        let first = lines.line_of_token(token);
        let last = lines.line_of(tokens[token].end as usize - 1);
        for l in first..=last {
            if lines.lines[l].kind == LineKind::InBlockBody && !verbatim[l] {
                fin[l] = body_line(tree, lines, verbatim, l, &body, col);
            }
        }
    }
    fin
}

/// The new column of line `l` of a block scalar body whose content goes to column `col`.
fn body_line(
    tree: &SyntaxTree,
    lines: &Lines,
    verbatim: &[bool],
    l: usize,
    body: &Body,
    col: usize,
) -> Option<usize> {
    let line = lines.lines[l];
    let d = col as isize - body.indent as isize;
    let header = header_line_of(tree, lines, body.token);
    if d == 0 || header.is_some_and(|h| verbatim[h]) {
        return None;
    }
    // An empty line of the body (no more spaces than the body's indentation) carries no
    // content: it may lose spaces but never gains any (no trailing whitespace).
    if is_blank_at(tree, line.first()) && line.indent() <= body.indent {
        return (line.indent() > col).then_some(col);
    }
    Some((line.indent() as isize + d).max(0) as usize)
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
            lines.line_of_token(i)
        })
}
