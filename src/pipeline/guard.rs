//! CST-side checks of a rewrite, complementing the yaml-rust2 data comparison in
//! [`crate::verify`]: no new syntax errors, comments unchanged, and, for input that yaml-rust2
//! rejects, no change outside the rule's own edits.

use crate::edit::Edit;
use crate::syntax::{SyntaxTree, TokenKind};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply_fixes;
    use crate::edit::Fix;
    use crate::syntax::parse;

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
