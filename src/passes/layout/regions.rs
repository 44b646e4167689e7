//! Lines the formatter must print verbatim: regions with syntax errors, and regions between
//! `# wffmt: off` and `# wffmt: on` comments.
//!
//! A syntax error freezes the whole top-level entry (item) that contains it, or the whole
//! document when it lies outside any: re-indenting around a region whose structure is unknown
//! could change what the rest means.

use super::lines::{LineKind, Lines};
use crate::syntax::{NodeKind, SyntaxTree, TokenKind};

pub fn verbatim_lines(tree: &SyntaxTree, lines: &Lines) -> Vec<bool> {
    let mut verbatim = vec![false; lines.len()];
    let mark = |from: usize, to: usize, v: &mut Vec<bool>| {
        let a = lines.line_of(from);
        let b = lines.line_of(to.max(from));
        for x in v.iter_mut().take(b + 1).skip(a) {
            *x = true;
        }
    };
    for d in tree.diagnostics() {
        let region = error_region(tree, d.offset);
        mark(region.0, region.1, &mut verbatim);
    }
    // `# wffmt: off` ... `# wffmt: on`
    let mut off_at: Option<usize> = None;
    for t in tree.tokens() {
        if t.kind != TokenKind::Comment {
            continue;
        }
        let body = t.text(tree.text())[1..].trim();
        match body {
            "wffmt: off" if off_at.is_none() => off_at = Some(t.start as usize),
            "wffmt: on" => {
                if let Some(from) = off_at.take() {
                    mark(from, t.start as usize, &mut verbatim);
                }
            }
            _ => {}
        }
    }
    if let Some(from) = off_at {
        mark(from, tree.text().len(), &mut verbatim);
    }
    // Text that would turn into a document marker or a directive at column 0 stays where it is.
    let text = tree.text();
    for (i, line) in lines.lines.iter().enumerate() {
        let rest = &text[line.first..];
        let marker = rest.starts_with("---") || rest.starts_with("...") || rest.starts_with('%');
        let movable = matches!(line.kind, LineKind::Content | LineKind::InScalar);
        if movable && line.first > line.start && marker {
            verbatim[i] = true;
        }
    }
    // A line inside a verbatim multi-line token is verbatim only through the token's own line.
    for (i, line) in lines.lines.iter().enumerate() {
        if line.kind == LineKind::InScalar && i > 0 && verbatim[i - 1] {
            verbatim[i] = true;
        }
    }
    verbatim
}

/// Byte range of the region frozen by an error at `offset`.
fn error_region(tree: &SyntaxTree, offset: usize) -> (usize, usize) {
    for doc in tree.documents() {
        let range = tree.range(doc);
        if offset < range.start || offset > range.end {
            continue;
        }
        if let Some(root) = tree.document_root(doc) {
            if matches!(tree.kind(root), NodeKind::BlockMap | NodeKind::BlockSeq) {
                for entry in tree.children(root) {
                    let r = tree.range(entry);
                    if r.start <= offset && offset <= r.end {
                        return (r.start, r.end);
                    }
                }
            }
        }
        return (range.start, range.end);
    }
    (0, tree.text().len())
}
