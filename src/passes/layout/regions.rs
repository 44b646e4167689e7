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
    // Regions around syntax errors, merged first so that each line is marked once however
    // many errors a region holds.
    let mut regions = error_regions(tree);
    regions.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(regions.len());
    for (a, b) in regions {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    for (a, b) in merged {
        mark(a, b, &mut verbatim);
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
        let movable = matches!(line.kind, LineKind::Content | LineKind::InScalar);
        if movable && line.first() > line.start() {
            let rest = &text.as_bytes()[line.first()..];
            if rest.starts_with(b"---") || rest.starts_with(b"...") || rest.starts_with(b"%") {
                verbatim[i] = true;
            }
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

/// Byte ranges frozen by the syntax errors: for each error, the top-level entry (or item) of
/// its document that contains it, or the whole document.
fn error_regions(tree: &SyntaxTree) -> Vec<(usize, usize)> {
    let mut offsets: Vec<usize> = tree.diagnostics().iter().map(|d| d.offset).collect();
    if offsets.is_empty() {
        return Vec::new();
    }
    offsets.sort_unstable();
    let mut regions = Vec::new();
    let mut next = 0;
    for doc in tree.documents() {
        let range = tree.range(doc);
        // Errors before this document (between documents) freeze the whole text.
        while next < offsets.len() && offsets[next] < range.start {
            regions.push((0, tree.text().len()));
            next += 1;
        }
        let mut entries = tree
            .document_root(doc)
            .filter(|&r| matches!(tree.kind(r), NodeKind::BlockMap | NodeKind::BlockSeq))
            .map(|r| tree.children(r).map(|e| tree.range(e)).peekable());
        while next < offsets.len() && offsets[next] <= range.end {
            let at = offsets[next];
            let mut region = (range.start, range.end);
            if let Some(entries) = entries.as_mut() {
                while entries.next_if(|r| r.end < at).is_some() {}
                if let Some(r) = entries.peek().filter(|r| r.start <= at) {
                    region = (r.start, r.end);
                }
            }
            regions.push(region);
            next += 1;
        }
    }
    for _ in next..offsets.len() {
        regions.push((0, tree.text().len()));
    }
    regions
}
