//! Replacing a retired label must not make two entries the same: `os: [macos-14, macos-15]`
//! becoming `[macos-15, macos-15]` runs every `macos-15` job twice (and two uploads of one
//! artifact name collide); `runs-on: [macos-14, macos-15]` would list a label twice. Where the
//! replacement is already there, the retired entry is removed instead.

use std::collections::HashMap;

use crate::edit::Edit;
use crate::syntax::{NodeId, NodeKind, SyntaxTree, TokenKind};

/// The labels written at some nodes, lower case, as they will read after the fixes
/// (`renamed`: a retired label's node -> its replacement).
pub type Renames = HashMap<NodeId, String>;

/// Of the `items` of one list (the item node and the node holding the label in it, if any),
/// those that would equal an entry the list keeps once `renamed` is applied, though they
/// differ from it now. Every item that is not renamed is kept; a renamed one is kept unless it
/// would duplicate one kept before it. Entries that are already the same stay as they are: not
/// this rule's business.
pub fn removed_items(
    tree: &SyntaxTree,
    items: &[(NodeId, Option<NodeId>)],
    renamed: &Renames,
) -> Vec<NodeId> {
    let is_renamed = |site: &Option<NodeId>| site.is_some_and(|s| renamed.contains_key(&s));
    if !items.iter().any(|(_, site)| is_renamed(site)) {
        // Nothing changes, so nothing can become a duplicate.
        return Vec::new();
    }
    let none = Renames::new();
    let forms = |item: NodeId| (canonical(tree, item, &none), canonical(tree, item, renamed));
    // After -> before, for the entries kept.
    let mut kept: HashMap<String, Vec<String>> = HashMap::new();
    for (item, _) in items.iter().filter(|(_, site)| !is_renamed(site)) {
        let (before, after) = forms(*item);
        kept.entry(after).or_default().push(before);
    }
    let mut removed = Vec::new();
    for (item, _) in items.iter().filter(|(_, site)| is_renamed(site)) {
        let (before, after) = forms(*item);
        let befores = kept.entry(after).or_default();
        if befores.iter().any(|b| *b != before) {
            removed.push(*item);
        } else {
            befores.push(before);
        }
    }
    removed
}

/// A node's value as a comparable string, with the labels at `renamed` nodes replaced; label
/// scalars compare without case (GitHub matches labels so), other scalars as written.
fn canonical(tree: &SyntaxTree, node: NodeId, renamed: &Renames) -> String {
    if let Some(new) = renamed.get(&node) {
        return format!("={}", new.to_ascii_lowercase());
    }
    match tree.kind(node) {
        NodeKind::Scalar => tree
            .scalar_value(node)
            .map(|v| format!("={}", v.to_ascii_lowercase()))
            .unwrap_or_default(),
        NodeKind::BlockMap | NodeKind::FlowMap => {
            let mut entries: Vec<String> = tree
                .map_entries(node)
                .map(|e| {
                    let key = tree
                        .entry_key(e)
                        .and_then(|k| tree.scalar_value(k))
                        .unwrap_or_default()
                        .into_owned();
                    let value = tree
                        .entry_value(e)
                        .map(|v| canonical(tree, v, renamed))
                        .unwrap_or_default();
                    format!("{key}:{value}")
                })
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
        NodeKind::BlockSeq | NodeKind::FlowSeq => {
            let items: Vec<String> = tree
                .seq_items(node)
                .map(|i| canonical(tree, i, renamed))
                .collect();
            format!("[{}]", items.join(","))
        }
        _ => tree.node_text(node).to_string(),
    }
}

/// The edit that removes `item` (a value from [`SyntaxTree::seq_items`]) from its sequence:
/// its lines in a block sequence, the item and one separator in a flow sequence. `None` when
/// that would remove a comment, when the item shares a line with something else, or when it is
/// the only item.
pub fn remove_item(tree: &SyntaxTree, seq: NodeId, item: NodeId) -> Option<Edit> {
    let items: Vec<NodeId> = tree.seq_items(seq).collect();
    let index = items.iter().position(|&i| i == item)?;
    if items.len() < 2 {
        return None;
    }
    let text = tree.text();
    let range = match tree.kind(seq) {
        NodeKind::FlowSeq => match items.get(index + 1) {
            Some(&next) => tree.range(item).start..tree.range(next).start,
            None => tree.range(items[index - 1]).end..tree.range(item).end,
        },
        NodeKind::BlockSeq => {
            // The `- ` item node, from the start of its line to the end of its last line.
            let dashed = tree.range(tree.parent(item)?);
            let start = tree.line_start(dashed.start);
            let end = text[dashed.end..]
                .find('\n')
                .map_or(text.len(), |i| dashed.end + i + 1);
            if !text[start..dashed.start].trim().is_empty()
                || !text[dashed.end..end].trim().is_empty()
            {
                return None;
            }
            start..end
        }
        _ => return None,
    };
    let has_comment = tree
        .tokens()
        .iter()
        .any(|t| t.kind == TokenKind::Comment && range.contains(&(t.start as usize)));
    (!has_comment).then(|| Edit::delete(range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// The sequence at `key` of the root mapping, and its items with themselves as sites.
    fn list(tree: &SyntaxTree, key: &str) -> (NodeId, Vec<(NodeId, Option<NodeId>)>) {
        let seq = tree.map_get(tree.first_root().unwrap(), key).unwrap();
        let items = tree.seq_items(seq).map(|i| (i, Some(i))).collect();
        (seq, items)
    }

    fn rename(
        tree: &SyntaxTree,
        items: &[(NodeId, Option<NodeId>)],
        from: &str,
        to: &str,
    ) -> Renames {
        items
            .iter()
            .filter(|(i, _)| {
                tree.scalar_value(*i)
                    .is_some_and(|v| v.eq_ignore_ascii_case(from))
            })
            .map(|(i, _)| (*i, to.to_string()))
            .collect()
    }

    fn removed_values(src: &str, renames: &[(&str, &str)]) -> Vec<String> {
        let tree = parse(src);
        let (_, items) = list(&tree, "os");
        let mut renamed = Renames::new();
        for (from, to) in renames {
            renamed.extend(rename(&tree, &items, from, to));
        }
        removed_items(&tree, &items, &renamed)
            .into_iter()
            .map(|i| tree.node_text(i).to_string())
            .collect()
    }

    #[test]
    fn a_replacement_already_listed_removes_the_retired_entry() {
        let r = removed_values("os: [macos-14, macos-15]\n", &[("macos-14", "macos-15")]);
        assert_eq!(r, ["macos-14"]);
        // Labels compare without case.
        let r = removed_values("os: [MacOS-14, macos-15]\n", &[("macos-14", "macos-15")]);
        assert_eq!(r, ["MacOS-14"]);
        // Two retired labels with one replacement: the first is replaced, the second removed.
        let r = removed_values(
            "os: [macos-12, ubuntu-latest, macos-13]\n",
            &[
                ("macos-12", "macos-15-intel"),
                ("macos-13", "macos-15-intel"),
            ],
        );
        assert_eq!(r, ["macos-13"]);
        // Nothing to remove when the replacement is new, or the list already had duplicates.
        assert!(removed_values(
            "os: [macos-14, ubuntu-latest]\n",
            &[("macos-14", "macos-15")]
        )
        .is_empty());
        assert!(
            removed_values("os: [macos-14, macos-14]\n", &[("macos-14", "macos-15")]).is_empty()
        );
    }

    #[test]
    fn entries_with_other_keys_are_compared_whole() {
        let src = "os:\n  - {os: macos-13, arch: x64}\n  - {os: macos-15-intel, arch: x64}\n  - {os: macos-13, arch: arm}\n";
        let tree = parse(src);
        let seq = tree.map_get(tree.first_root().unwrap(), "os").unwrap();
        let items: Vec<(NodeId, Option<NodeId>)> = tree
            .seq_items(seq)
            .map(|i| (i, tree.map_get(i, "os")))
            .collect();
        let renamed: Renames = items
            .iter()
            .filter_map(|(_, s)| *s)
            .filter(|&s| tree.scalar_value(s).as_deref() == Some("macos-13"))
            .map(|s| (s, "macos-15-intel".to_string()))
            .collect();
        let removed = removed_items(&tree, &items, &renamed);
        assert_eq!(removed.len(), 1);
        assert_eq!(tree.node_text(removed[0]), "{os: macos-13, arch: x64}");
    }

    #[test]
    fn items_are_removed_with_one_separator_or_their_lines() {
        let cut = |src: &str, nth: usize| {
            let tree = parse(src);
            let (seq, items) = list(&tree, "os");
            remove_item(&tree, seq, items[nth].0).map(|e| {
                let mut out = src.to_string();
                out.replace_range(e.range.clone(), &e.replacement);
                out
            })
        };
        assert_eq!(cut("os: [a, b, c]\n", 0).unwrap(), "os: [b, c]\n");
        assert_eq!(cut("os: [a, b, c]\n", 2).unwrap(), "os: [a, b]\n");
        assert_eq!(cut("os: [ a,\n  b ]\n", 1).unwrap(), "os: [ a ]\n");
        assert_eq!(cut("os:\n  - a\n  - b\n", 0).unwrap(), "os:\n  - b\n");
        assert_eq!(cut("os:\n  - a\n  - b", 1).unwrap(), "os:\n  - a\n");
        assert_eq!(cut("os:\n- a\n- b\nx: 1\n", 1).unwrap(), "os:\n- a\nx: 1\n");
        // A comment would go with it; the only item leaves nothing.
        assert_eq!(cut("os:\n  - a # keep\n  - b\n", 0), None);
        assert_eq!(cut("os: [a, # keep\n b]\n", 0), None);
        assert_eq!(cut("os: [a]\n", 0), None);
    }
}
