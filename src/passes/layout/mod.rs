//! `layout`: normalize indentation, spacing and blank lines without ever changing meaning.
//!
//! ## What it does
//! - indentation of `indent` spaces (default 2) per level; sequences under a key indented (or
//!   indentless with `sequence-indent = "indentless"`); a mapping inside `- ` at the dash + 2;
//!   block scalar bodies at their key + `indent` where that provably keeps the value;
//! - continuation lines of multi-line flow collections and scalars move with the line they
//!   continue, and stay aligned with what they were aligned with;
//! - one space after `- `, `? ` and `:`; none before `:`; `, ` in flow collections, and inside
//!   their brackets the spacing most of the file uses (prettier's `{ a: 1 }` / `[a, b]` on a
//!   tie); flow collections are never joined or split across lines;
//! - no blank lines at the start or end of the file, runs of blank lines collapsed to
//!   `max-blank-lines` (default 1), trailing whitespace removed outside block scalars (after
//!   comments too), exactly one final newline; line endings kept (or converted with
//!   `line-ending = "lf" | "crlf"`), BOM kept; runs of aligned trailing comments stay aligned.
//!
//! ## Why
//! Reviews should show real changes, not indentation noise. Popular YAML formatters re-emit the
//! document and lose comments, quoting or block scalar indentation on the way; this rule only
//! ever edits whitespace, and every result is checked against the original's data. Whatever
//! prettier writes is left as it is, so teams can run both.
//!
//! ## What it never does
//! Change a scalar's text or quoting, a key or key order; move a comment to another node or
//! change its text; touch block scalar content other than moving it as a whole; touch regions
//! with syntax errors, between `# wffmt: off` and `# wffmt: on`, or silenced by
//! `# wffmt: ignore[layout]`.

mod align;
mod indent;
mod lines;
mod nesting;
mod regions;
mod spacing;
pub mod style;

use super::{Context, Output, Rule};
use crate::config::LineEnding;
use crate::edit::{Edit, Fix};
use crate::syntax::{SyntaxTree, TokenKind};
use lines::{LineKind, Lines};

pub const NAME: &str = "layout";

pub struct Layout;

impl Rule for Layout {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &[]
    }

    fn run(&self, cx: &Context) -> Output {
        let edits = layout_edits(cx.tree, cx);
        let mut out = Output::default();
        if !edits.is_empty() {
            out.fixes
                .push(Fix::new(NAME, "normalize indentation and spacing", edits));
        }
        out
    }
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

fn layout_edits(tree: &SyntaxTree, cx: &Context) -> Vec<Edit> {
    let cfg = &cx.config.layout;
    let text = tree.text();
    let b = text.as_bytes();
    let toks = tree.tokens();
    let lines = Lines::new(tree);
    if lines.is_empty() {
        return Vec::new();
    }
    let mut verbatim = regions::verbatim_lines(tree, &lines);
    // Lines a `# wffmt: ignore[layout]` comment covers stay as they are.
    if !cx.suppressions.is_empty() {
        for (l, v) in verbatim.iter_mut().enumerate() {
            if !*v && cx.suppressed(NAME, l + 1) {
                *v = true;
            }
        }
    }
    // Lines whose inner spacing must stay: verbatim ones, and those holding a block scalar
    // header with an indentation indicator (its meaning depends on the columns before it).
    let mut fixed_spacing = verbatim.clone();
    for (i, t) in toks.iter().enumerate() {
        if t.kind == TokenKind::BlockHeader && t.text(text).bytes().any(|c| c.is_ascii_digit()) {
            fixed_spacing[lines.line_of_token(i)] = true;
        }
    }
    let flow_style = spacing::FlowStyle::detect(tree, &lines, &fixed_spacing);
    let mut edits = spacing::edits(tree, &lines, &fixed_spacing, &flow_style);
    let (width, sequence_indent) = style::effective(tree, cfg);
    let style = indent::Style {
        indent: width,
        sequence_indent,
    };
    let targets = indent::target_columns(tree, &lines, &verbatim, &fixed_spacing, &style);
    let shifts = align::Shifts::new(&lines, &edits, text.len());
    let fin = indent::resolve_all(tree, &lines, &verbatim, &targets, &shifts);
    let movable: Vec<bool> = fixed_spacing.iter().map(|f| !f).collect();
    let aligned = align::comment_runs(tree, &lines, &shifts, &movable, &fin);
    edits.extend(aligned);

    let n = lines.len();
    let next_start = |l: usize| -> usize {
        if l + 1 < n {
            lines.lines[l + 1].start()
        } else {
            text.len()
        }
    };

    // 1. Blank lines.
    let is_blank = |l: usize| lines.lines[l].kind == LineKind::Blank;
    let first_non_blank = (0..n).find(|&l| !is_blank(l));
    let last_non_blank = (0..n).rev().find(|&l| !is_blank(l));
    let mut deleted = vec![false; n];
    match (first_non_blank, last_non_blank) {
        (Some(f), Some(z)) => {
            for (l, d) in deleted.iter_mut().enumerate() {
                if (l < f || l > z) && !verbatim[l] {
                    *d = true;
                }
            }
            let mut run = 0;
            for l in f..=z {
                if is_blank(l) {
                    run += 1;
                    if run > cfg.max_blank_lines && !verbatim[l] {
                        deleted[l] = true;
                    }
                } else {
                    run = 0;
                }
            }
        }
        _ => {
            // Only blank lines: the file becomes empty.
            for (l, d) in deleted.iter_mut().enumerate() {
                *d = !verbatim[l];
            }
        }
    }
    let mut l = 0;
    while l < n {
        if deleted[l] {
            let start = lines.lines[l].start();
            let mut e = l;
            while e + 1 < n && deleted[e + 1] {
                e += 1;
            }
            edits.push(Edit::delete(start..next_start(e)));
            l = e + 1;
            continue;
        }
        let line = lines.lines[l];
        // Whitespace on an otherwise empty line goes, inside multi-line plain and quoted
        // scalars too (folding ignores it there).
        let empty = line.kind == LineKind::Blank
            || (line.kind == LineKind::InScalar
                && matches!(b.get(line.first()), None | Some(b'\n' | b'\r')));
        if empty && !verbatim[l] && line.first() > line.start() {
            edits.push(Edit::delete(line.start()..line.first()));
        }
        l += 1;
    }

    // 2. Indentation.
    for (l, line) in lines.lines.iter().enumerate() {
        if deleted[l] || verbatim[l] || line.kind == LineKind::Blank {
            continue;
        }
        let Some(col) = fin[l] else {
            continue;
        };
        if line.kind == LineKind::InBlockBody {
            // Only spaces are indentation in a block scalar; a tab after them is content.
            let old = b[line.start()..].iter().take_while(|&&c| c == b' ').count();
            let d = col as isize - line.indent() as isize;
            let new = (old as isize + d).max(0) as usize;
            if new != old {
                edits.push(Edit::replace(line.start()..line.start() + old, spaces(new)));
            }
        } else if col != line.indent() || !b[line.start()..line.first()].iter().all(|&c| c == b' ')
        {
            edits.push(Edit::replace(line.start()..line.first(), spaces(col)));
        }
    }

    // 4. Line endings and the final newline.
    let first_break = toks
        .iter()
        .find(|t| t.kind == TokenKind::Newline)
        .map(|t| t.text(text))
        .unwrap_or("\n");
    let wanted_break = match cfg.line_ending {
        LineEnding::Preserve => None,
        LineEnding::Lf => Some("\n"),
        LineEnding::Crlf => Some("\r\n"),
    };
    if let Some(want) = wanted_break {
        for l in 1..n {
            if deleted[l - 1] || verbatim[l - 1] {
                continue;
            }
            let s = lines.lines[l].start();
            let brk = if s >= 2 && &b[s - 2..s] == b"\r\n" {
                s - 2..s
            } else {
                s - 1..s
            };
            if &text[brk.clone()] != want {
                edits.push(Edit::replace(brk, want));
            }
        }
    }
    if let Some(z) = last_non_blank {
        let end_of_z = next_start(z);
        let ends_with_break = end_of_z > lines.lines[z].start()
            && matches!(b[end_of_z - 1], b'\n' | b'\r')
            && end_of_z > lines.lines[z].first();
        let last_sig = toks.iter().rev().find(|t| !t.kind.is_trivia());
        // Adding a line break after a block scalar's last line would add it to the value.
        let after_block = last_sig
            .is_some_and(|t| matches!(t.kind, TokenKind::BlockBody | TokenKind::BlockHeader));
        if !ends_with_break && !verbatim[z] && !after_block {
            let brk = wanted_break.unwrap_or(first_break);
            edits.push(Edit::insert(end_of_z, brk));
        }
        // A final break that must change style is covered above only for breaks before a line.
        if ends_with_break && z + 1 >= n {
            if let Some(want) = wanted_break {
                let brk = if end_of_z >= 2 && &b[end_of_z - 2..end_of_z] == b"\r\n" {
                    end_of_z - 2..end_of_z
                } else {
                    end_of_z - 1..end_of_z
                };
                if &text[brk.clone()] != want && !verbatim[z] {
                    edits.push(Edit::replace(brk, want));
                }
            }
        }
    }
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits
}
