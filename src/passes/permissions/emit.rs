//! Text for inserted `permissions:` blocks and where it goes: after `on:`/`concurrency:` at the
//! top level, after `runs-on:`/`needs:` in a job, indented like the surrounding entries, using
//! the file's line ending, without moving any comment. Comment text quotes the file (step names,
//! `uses:` values) and is written through [`comment_text`].

use crate::syntax::{comment_text, NodeId, NodeKind, SyntaxTree, TokenKind};

/// Where and how to insert entries into a block mapping.
pub struct Spot {
    /// Byte offset: the start of a line.
    pub at: usize,
    /// Column of the mapping's keys.
    pub indent: usize,
    /// Put a blank line before the block (the file separates these entries with blank lines).
    pub blank_before: bool,
    /// The text before `at` does not end with a line break (end of file).
    pub needs_break: bool,
}

/// The line ending the file uses (its first one), `\n` when it has none.
pub fn line_break(tree: &SyntaxTree) -> &str {
    tree.tokens()
        .iter()
        .find(|t| t.kind == TokenKind::Newline)
        .map(|t| t.text(tree.text()))
        .unwrap_or("\n")
}

/// Offset of the start of the line after the entry and the own-line comments indented under
/// it (they belong to the entry: `needs:` / `  - a` / `  # - b`).
fn after_entry_and_its_comments(tree: &SyntaxTree, entry: NodeId, indent: usize) -> (usize, bool) {
    let (mut at, needs_break) = after_entry(tree, entry);
    if needs_break {
        return (at, needs_break);
    }
    let text = tree.text();
    while at < text.len() {
        let line_end = text[at..]
            .find('\n')
            .map(|i| at + i + 1)
            .unwrap_or(text.len());
        let line = &text[at..line_end];
        let col = line.len() - line.trim_start_matches(' ').len();
        if line.trim_start().starts_with('#') && col > indent {
            at = line_end;
        } else {
            break;
        }
    }
    (at, !text[..at].ends_with('\n'))
}

/// Offset of the start of the line after the entry (after its trailing comment and break).
fn after_entry(tree: &SyntaxTree, entry: NodeId) -> (usize, bool) {
    let toks = tree.tokens();
    let span = tree.token_span(entry);
    let last = span.end.saturating_sub(1);
    if toks[last].kind == TokenKind::BlockBody {
        let end = toks[last].end as usize;
        let text = tree.text();
        return (
            end,
            !text[..end].ends_with('\n') && !text[..end].ends_with('\r'),
        );
    }
    for t in &toks[span.end..] {
        match t.kind {
            TokenKind::Whitespace | TokenKind::Comment => continue,
            TokenKind::Newline => return (t.end as usize, false),
            _ => break,
        }
    }
    (tree.text().len(), true)
}

/// Is the line starting at `at` blank?
fn blank_line_at(tree: &SyntaxTree, at: usize) -> bool {
    let rest = &tree.text()[at.min(tree.text().len())..];
    let line = rest.split('\n').next().unwrap_or("");
    !rest.is_empty() && line.trim().is_empty()
}

/// The spot for a new entry in block mapping `map`: after the last of `after` keys present,
/// else after the last of `fallback` keys, else before the first entry.
pub fn spot(tree: &SyntaxTree, map: NodeId, after: &[&str], fallback: &[&str]) -> Option<Spot> {
    if tree.kind(map) != NodeKind::BlockMap {
        return None;
    }
    let entries: Vec<NodeId> = tree.map_entries(map).collect();
    let first = *entries.first()?;
    let indent = tree.tokens()[tree.token_span(first).start].col as usize;
    let find_last = |keys: &[&str]| {
        entries.iter().copied().rev().find(|&e| {
            tree.entry_key(e)
                .and_then(|k| tree.scalar_value(k))
                .is_some_and(|k| keys.contains(&k.as_ref()))
        })
    };
    match find_last(after).or_else(|| find_last(fallback)) {
        Some(e) => {
            let (at, needs_break) = after_entry_and_its_comments(tree, e, indent);
            Some(Spot {
                at,
                indent,
                // Top-level sections separated by blank lines get one; inside a job the block
                // stays with its entries.
                blank_before: indent == 0 && blank_line_at(tree, at),
                needs_break,
            })
        }
        None => {
            let first_tok = tree.tokens()[tree.token_span(first).start];
            if !first_tok.first_on_line() {
                return None; // `--- key: v`: no line of its own to insert before
            }
            let start = tree.range(first).start;
            Some(Spot {
                at: tree.line_start(start),
                indent,
                blank_before: false,
                needs_break: false,
            })
        }
    }
}

/// One granted scope with its trailing comment (empty for none).
pub struct Grant {
    pub scope: String,
    pub level: &'static str,
    pub comment: String,
}

/// The `permissions:` block text for `spot`.
pub fn block(spot: &Spot, unit: usize, grants: &[Grant], nl: &str) -> String {
    let ind = " ".repeat(spot.indent);
    let mut out = String::new();
    if spot.needs_break {
        out.push_str(nl);
    }
    if spot.blank_before {
        out.push_str(nl);
    }
    if grants.is_empty() {
        out.push_str(&format!("{ind}permissions: {{}}{nl}"));
    } else {
        out.push_str(&format!("{ind}permissions:{nl}"));
        let inner = " ".repeat(spot.indent + unit);
        for g in grants {
            let comment = if g.comment.is_empty() {
                String::new()
            } else {
                format!(" # {}", comment_text(&g.comment))
            };
            out.push_str(&format!("{inner}{}: {}{comment}{nl}", g.scope, g.level));
        }
    }
    out
}

/// An own-line comment for `spot` (`text` is made safe: see [`comment_text`]).
pub fn comment_line(spot: &Spot, text: &str, nl: &str) -> String {
    let mut out = String::new();
    if spot.needs_break {
        out.push_str(nl);
    }
    out.push_str(&format!(
        "{}# {}{nl}",
        " ".repeat(spot.indent),
        comment_text(text)
    ));
    out
}

/// Spaces per nesting level in this file: the column of a job's keys minus the column of its id.
pub fn indent_unit(tree: &SyntaxTree, job_entry: NodeId, job_map: Option<NodeId>) -> usize {
    let id_col = tree.tokens()[tree.token_span(job_entry).start].col as usize;
    job_map
        .filter(|&m| tree.kind(m) == NodeKind::BlockMap)
        .and_then(|m| tree.map_entries(m).next())
        .map(|e| tree.tokens()[tree.token_span(e).start].col as usize)
        .filter(|&c| c > id_col)
        .map(|c| c - id_col)
        .unwrap_or(2)
}
