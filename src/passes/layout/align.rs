//! Columns after the rewrite, and the alignment of trailing comments.
//!
//! A position on a line moves by the line's change of indentation plus the spacing edits
//! before it on that line. Continuation lines use this to stay aligned with what they were
//! aligned with; runs of trailing comments use it to stay in one column.

use super::lines::{LineKind, Lines};
use crate::edit::Edit;
use crate::syntax::{SyntaxTree, TokenKind};

/// New columns of positions, from each line's new indentation and the spacing edits.
pub struct Shifts<'a> {
    lines: &'a Lines,
    /// Spacing edits in text order (none of them touches a line's indentation).
    edits: &'a [Edit],
    text_len: usize,
}

impl<'a> Shifts<'a> {
    pub fn new(lines: &'a Lines, edits: &'a [Edit], text_len: usize) -> Shifts<'a> {
        Shifts {
            lines,
            edits,
            text_len,
        }
    }

    fn line_end(&self, l: usize) -> usize {
        self.lines
            .lines
            .get(l + 1)
            .map(|n| n.start())
            .unwrap_or(self.text_len)
    }

    /// The new column of old column `col` on line `l`, whose new indentation is `indent`
    /// (`None`: unchanged). A column left of the line's first character moves with the line.
    pub fn column(&self, l: usize, col: usize, indent: Option<usize>) -> usize {
        let line = self.lines.lines[l];
        let new_indent = indent.unwrap_or(line.indent());
        if col < line.indent() {
            return (col as isize + new_indent as isize - line.indent() as isize).max(0) as usize;
        }
        let offset = line.start() + col;
        let end = self.line_end(l);
        let mut new = new_indent + (col - line.indent());
        let from = self.edits.partition_point(|e| e.range.start < line.first());
        for e in &self.edits[from..] {
            if e.range.start > offset || e.range.start >= end {
                break;
            }
            if e.range.end <= offset {
                new = (new + e.replacement.len()).saturating_sub(e.range.len());
            } else {
                // Inside a replaced run of whitespace: as far into the new text as it was.
                let into = offset - e.range.start;
                new = (new + into.min(e.replacement.len())).saturating_sub(into);
            }
        }
        new
    }
}

/// Whether line `l` has its first character, or a token start, at old column `col`.
pub fn has_anchor_at(tree: &SyntaxTree, lines: &Lines, l: usize, col: usize) -> bool {
    let line = lines.lines[l];
    let empty = matches!(
        tree.text().as_bytes().get(line.first()),
        None | Some(b'\n' | b'\r')
    );
    if line.kind == LineKind::Blank || empty {
        return false;
    }
    if line.indent() == col {
        return true;
    }
    let offset = line.start() + col;
    let end = lines
        .lines
        .get(l + 1)
        .map(|n| n.start())
        .unwrap_or(tree.text().len());
    let toks = tree.tokens();
    offset < end
        && toks
            .binary_search_by_key(&offset, |t| t.start as usize)
            .is_ok_and(|i| toks[i].kind != TokenKind::Whitespace)
}

/// Edits that keep runs of trailing comments aligned: consecutive lines whose comments stood
/// in one column get them in one column again, the rightmost of where they would otherwise
/// land (so no gap shrinks). `movable[l]` tells whether line `l`'s spacing may change; `fin`
/// holds each line's new indentation.
pub fn comment_runs(
    tree: &SyntaxTree,
    lines: &Lines,
    shifts: &Shifts,
    movable: &[bool],
    fin: &[Option<usize>],
) -> Vec<Edit> {
    let toks = tree.tokens();
    // (line, whitespace token before the comment, old column, column it would land in)
    let mut trailing: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut edits = Vec::new();
    let flush = |run: &mut Vec<(usize, usize, usize, usize)>, edits: &mut Vec<Edit>| {
        if run.len() > 1 {
            let target = run.iter().map(|r| r.3).max().unwrap_or(0);
            for &(_, ws, _, natural) in run.iter() {
                if natural < target {
                    let t = &toks[ws];
                    let width = t.range().len() + target - natural;
                    edits.push(Edit::replace(t.range(), " ".repeat(width)));
                }
            }
        }
        run.clear();
    };
    let mut prev_line: Option<usize> = None;
    for (i, t) in toks.iter().enumerate() {
        if t.kind != TokenKind::Comment || t.first_on_line() || i == 0 {
            continue;
        }
        if toks[i - 1].kind != TokenKind::Whitespace {
            continue;
        }
        let l = lines.line_of_token(i);
        let line = lines.lines[l];
        if line.kind == LineKind::Comment || (t.start as usize) < line.first() {
            continue;
        }
        // A run continues on the next line only (blank lines and own-line comments end it).
        let adjacent = prev_line.is_some_and(|p| p + 1 == l);
        let col = t.start as usize - line.start();
        let same_column = trailing.last().is_some_and(|r| r.2 == col);
        if !(adjacent && same_column && movable[l]) {
            flush(&mut trailing, &mut edits);
        }
        prev_line = Some(l);
        if !movable[l] {
            continue;
        }
        let natural = shifts.column(l, col, fin[l]);
        trailing.push((l, i - 1, col, natural));
    }
    flush(&mut trailing, &mut edits);
    edits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn columns_follow_indentation_and_spacing() {
        let src = "a:   {b: 1,\n      c: 2}\n";
        let tree = parse(src);
        let lines = Lines::new(&tree);
        // `a:   {` -> `a: {` (-2), `{b` -> `{ b` (+1).
        let edits = vec![Edit::replace(2..5, " "), Edit::insert(6, " ")];
        let shifts = Shifts::new(&lines, &edits, src.len());
        assert_eq!(shifts.column(0, 5, None), 3); // `{`
        assert_eq!(shifts.column(0, 6, None), 5); // `b`
        assert_eq!(shifts.column(0, 6, Some(2)), 7); // with the line indented by 2
        assert!(has_anchor_at(&tree, &lines, 0, 6));
        assert!(!has_anchor_at(&tree, &lines, 0, 8)); // whitespace
    }
}
