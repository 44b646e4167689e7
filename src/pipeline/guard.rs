//! CST-side checks of a rewrite, complementing the yaml-rust2 data comparison in
//! [`crate::verify`]: no new syntax errors, comments unchanged (or, for rules that write
//! comments, no new line break or control character inside one), for input that yaml-rust2
//! rejects no change outside the rule's own edits, and the proof that spares the comparison
//! when a rewrite only moved whitespace ([`same_data`]).

use crate::edit::Edit;
use crate::syntax::comment::is_unsafe_to_write;
use crate::syntax::{NodeKind, SyntaxTree, TokenKind};

/// The first syntax error of `new` that `old` did not have (compared by message, in order).
pub fn new_syntax_error(old: &SyntaxTree, new: &SyntaxTree) -> Option<(usize, String)> {
    let mut old_msgs: Vec<&str> = old
        .diagnostics()
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    for d in new.diagnostics() {
        if let Some(i) = old_msgs.iter().position(|m| *m == d.message) {
            old_msgs.remove(i);
        } else {
            return Some((d.offset, d.message.clone()));
        }
    }
    None
}

/// Comment texts in order.
pub fn comments(tree: &SyntaxTree) -> Vec<&str> {
    tree.tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Comment)
        .map(|t| t.text(tree.text()).trim_end())
        .collect()
}

/// Offsets of the characters in comments that are never written from file content as they
/// are ([`is_unsafe_to_write`]: YAML 1.1 line breaks, controls, bidirectional overrides). A
/// rewrite that adds one lets text quoted in a comment end it for some readers.
pub fn unsafe_comment_chars(tree: &SyntaxTree) -> Vec<usize> {
    tree.tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Comment)
        // Printable ASCII and tabs (nearly every comment) hold none.
        .filter(|t| {
            !t.text(tree.text())
                .bytes()
                .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        })
        .flat_map(|t| {
            t.text(tree.text())
                .char_indices()
                .filter(|&(_, c)| is_unsafe_to_write(c))
                .map(move |(i, _)| t.start as usize + i)
        })
        .collect()
}

/// Every significant token of `old` must still start, shifted by the edits before it, in `new`
/// with the same kind; and with the same text when no edit falls inside it. Only tokens whose
/// first byte an edit replaces are exempt. Returns the offset (in `old`) of the first token that
/// is not kept.
pub fn untouched_tokens_kept(old: &SyntaxTree, new: &SyntaxTree, edits: &[Edit]) -> Option<usize> {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let new_tokens = new.tokens();
    let mut e = 0;
    let mut delta: isize = 0;
    for t in old.tokens().iter().filter(|t| !t.kind.is_trivia()) {
        let (start, end) = (t.start as usize, t.end as usize);
        while e < edits.len() && edits[e].range.end <= start {
            delta += edits[e].replacement.len() as isize - edits[e].range.len() as isize;
            e += 1;
        }
        // Edits from `e` on end after the token's start.
        let start_replaced = edits[e..]
            .iter()
            .take_while(|ed| ed.range.start <= start)
            .any(|ed| ed.range.start <= start && start < ed.range.end);
        if start_replaced {
            continue;
        }
        let inside = edits[e..]
            .iter()
            .take_while(|ed| ed.range.start < end)
            .any(|ed| ed.range.start < end);
        let shifted = (start as isize + delta) as usize;
        let found = new_tokens
            .binary_search_by_key(&shifted, |n| n.start as usize)
            .ok()
            .map(|i| new_tokens[i]);
        let same = found.is_some_and(|n| {
            n.kind == t.kind && (inside || n.text(new.text()) == t.text(old.text()))
        });
        if !same {
            return Some(start);
        }
    }
    None
}

/// Whether `new` provably holds the same data as `old` without reading both with yaml-rust2:
/// every edit replaces whitespace with spaces and line breaks; neither text has a syntax error;
/// both trees have the same shape (every node of the same kind and role at the same place);
/// every significant token is of the same kind with the same text, except multi-line scalars
/// and block scalar bodies, whose values must be equal (and whose block header sets no explicit
/// indentation, which would make a moved body mean something else).
///
/// The tree reads structure the way yaml-rust2 does on every corpus file and yaml-test-suite
/// case (`tests/differential.rs`), but it is more lenient with some indentation YAML forbids,
/// and its scalar decoding is not an independent check: so the proof is only tried where
/// `tests/verify_shortcut.rs` found both readings to agree under whitespace edits: no tab in
/// either text, no explicit `?` key, no edit inside a flow collection that spans lines, no
/// moved block body with a line of only spaces. `false` proves nothing; the caller then
/// compares with yaml-rust2.
pub fn same_data(old: &SyntaxTree, new: &SyntaxTree, edits: &[Edit]) -> bool {
    if old.text().contains('\t') || new.text().contains('\t') {
        return false;
    }
    if old.tokens().iter().any(|t| t.kind == TokenKind::Question) {
        return false;
    }
    let flow = |n: u32| matches!(old.kind(n), NodeKind::FlowMap | NodeKind::FlowSeq);
    let multiline_flows: Vec<std::ops::Range<usize>> = (0..old.nodes.len() as u32)
        .filter(|&n| flow(n) && old.parent(n).is_none_or(|p| !flow(p)))
        .map(|n| old.range(n))
        .filter(|r| old.text()[r.clone()].contains('\n'))
        .collect();
    let in_multiline_flow = edits.iter().any(|e| {
        multiline_flows
            .iter()
            .any(|r| r.start <= e.range.end && e.range.start <= r.end)
    });
    if in_multiline_flow {
        return false;
    }
    let blank = |s: &str, tabs: bool| {
        s.bytes()
            .all(|b| matches!(b, b' ' | b'\n' | b'\r') || (tabs && b == b'\t'))
    };
    let whitespace_only = edits.iter().all(|e| {
        old.text()
            .get(e.range.clone())
            .is_some_and(|replaced| blank(replaced, true))
            && blank(&e.replacement, false)
    });
    if !whitespace_only || !old.diagnostics().is_empty() || !new.diagnostics().is_empty() {
        return false;
    }
    let same_shape = old.nodes.len() == new.nodes.len()
        && old.nodes.iter().zip(&new.nodes).all(|(a, b)| {
            a.kind == b.kind
                && a.role == b.role
                && a.parent == b.parent
                && a.first_child == b.first_child
                && a.next_sibling == b.next_sibling
        });
    if !same_shape {
        return false;
    }
    let mut old_tokens = old.tokens().iter().filter(|t| !t.kind.is_trivia());
    let mut new_tokens = new.tokens().iter().filter(|t| !t.kind.is_trivia());
    let mut header = "";
    loop {
        let (a, b) = match (old_tokens.next(), new_tokens.next()) {
            (None, None) => break,
            (Some(a), Some(b)) if a.kind == b.kind => (a, b),
            _ => return false,
        };
        let text = a.text(old.text());
        if text != b.text(new.text()) {
            let movable = match a.kind {
                TokenKind::Plain | TokenKind::SingleQuoted | TokenKind::DoubleQuoted => true,
                TokenKind::BlockBody => {
                    let spaces_only = |body: &str| {
                        body.split('\n')
                            .any(|l| !l.trim_end_matches('\r').is_empty() && l.trim().is_empty())
                    };
                    !header.bytes().any(|c| c.is_ascii_digit())
                        && !spaces_only(text)
                        && !spaces_only(b.text(new.text()))
                }
                _ => false,
            };
            if !movable {
                return false;
            }
        }
        if a.kind == TokenKind::BlockHeader {
            header = text;
        }
    }
    // Scalars whose text moved must still mean the same.
    (0..old.nodes.len() as u32).all(|n| {
        old.kind(n) != NodeKind::Scalar
            || old.node_text(n) == new.node_text(n)
            || old.scalar_value(n) == new.scalar_value(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply_fixes;
    use crate::edit::Fix;
    use crate::syntax::parse;

    /// `same_data` for `old` rewritten to `new`: one edit per whitespace run that differs when
    /// the texts differ only in whitespace runs, else one edit over everything that differs.
    fn proven(old: &str, new: &str) -> bool {
        let runs = |text: &str| -> Vec<(usize, usize, bool)> {
            let mut out: Vec<(usize, usize, bool)> = Vec::new();
            for (i, c) in text.char_indices() {
                let blank = c.is_ascii_whitespace();
                match out.last_mut() {
                    Some(last) if last.2 == blank => last.1 = i + c.len_utf8(),
                    _ => out.push((i, i + c.len_utf8(), blank)),
                }
            }
            out
        };
        let (a, b) = (runs(old), runs(new));
        let words = |t: &str, r: &[(usize, usize, bool)]| -> Vec<String> {
            r.iter()
                .filter(|x| !x.2)
                .map(|x| t[x.0..x.1].to_string())
                .collect()
        };
        let edits: Vec<Edit> = if words(old, &a) == words(new, &b) && a.len() == b.len() {
            a.iter()
                .zip(&b)
                .filter(|(x, y)| old[x.0..x.1] != new[y.0..y.1])
                .map(|(x, y)| Edit::replace(x.0..x.1, &new[y.0..y.1]))
                .collect()
        } else {
            vec![Edit::replace(0..old.len(), new)]
        };
        same_data(&parse(old), &parse(new), &edits)
    }

    #[test]
    fn moving_whitespace_is_proven_only_when_nothing_else_changes() {
        assert!(proven(
            "a:\n  b: 1\n  c: [x,  y]\n",
            "a:\n    b: 1\n    c: [x, y]\n"
        ));
        assert!(proven("a:   1 \n", "a: 1\n"));
        // A key that leaves its mapping.
        assert!(!proven("a:\n  b: 1\n", "a:\nb: 1\n"));
        // Block bodies may move as a whole, not line by line.
        let body = "s:\n  - run: |\n      x\n        y\n";
        assert!(proven(body, "s:\n- run: |\n    x\n      y\n"));
        assert!(!proven(body, "s:\n  - run: |\n      x\n      y\n"));
        // An explicit indentation indicator pins the body's indentation.
        assert!(!proven("a: |2\n   x\n", "a: |2\n    x\n"));
        // Spaces inside a quoted scalar are its content; folded line starts are not.
        assert!(!proven("a: 'x  y'\n", "a: 'x y'\n"));
        assert!(proven("a: 'x\n   y'\n", "a: 'x\n  y'\n"));
        assert!(proven("k: plain\n   more\n", "k: plain\n  more\n"));
        // Anything but whitespace, and any syntax error, leaves the proof to yaml-rust2.
        assert!(!proven("a: 1\n", "a: 2\n"));
        assert!(!proven("a: [1\n", "a:  [1\n"));
    }

    #[test]
    fn quoting_an_alias_keeps_other_tokens() {
        let old = "paths:\n  - **/x\n  - y\n";
        let edits = vec![Edit::replace(11..15, "'**/x'")];
        let new = apply_fixes(old, vec![Fix::new("t", "", edits.clone())]).text;
        assert_eq!(new, "paths:\n  - '**/x'\n  - y\n");
        assert_eq!(
            untouched_tokens_kept(&parse(old), &parse(&new), &edits),
            None
        );
    }

    #[test]
    fn a_token_that_changes_kind_is_caught_even_with_an_edit_inside_it() {
        // Re-indenting the continuation of a plain scalar `---` moves its first line to
        // column 0, where it becomes a document marker.
        let old = "%YAML 1.2\n  ---\na: 1\n";
        let edits = vec![Edit::delete(10..12), Edit::insert(16, " ")];
        let new = apply_fixes(old, vec![Fix::new("t", "", edits.clone())]).text;
        assert_eq!(new, "%YAML 1.2\n---\n a: 1\n");
        assert!(untouched_tokens_kept(&parse(old), &parse(&new), &edits).is_some());
    }

    #[test]
    fn an_edit_that_swallows_following_tokens_is_caught() {
        let old = "paths:\n  - **/x\n  - \"y\"\n";
        // An opening quote that pairs with the next item's quote swallows a line.
        let edits = vec![Edit::replace(11..15, "\"**/x")];
        let new = apply_fixes(old, vec![Fix::new("t", "", edits.clone())]).text;
        assert!(untouched_tokens_kept(&parse(old), &parse(&new), &edits).is_some());
    }
}
