//! The indentation style a file already uses: its indentation width and where its sequences
//! stand. Read for `indent = "auto"` / `sequence-indent = "auto"`, and by `wffmt --init` for
//! a whole repository.

use crate::config::{Indent, LayoutConfig, SequenceIndent};
use crate::syntax::{NodeKind, SyntaxTree};

/// What a file's nested block collections show.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StyleVotes {
    /// `widths[w]`: mappings nested `w` columns deeper than their key (1..=8).
    pub widths: [usize; 9],
    /// Sequences under a key: deeper than the key, and at its column.
    pub indented: usize,
    pub indentless: usize,
}

impl StyleVotes {
    /// Counts every block collection that starts on the line after its key.
    pub fn of(tree: &SyntaxTree) -> StyleVotes {
        let mut votes = StyleVotes::default();
        let toks = tree.tokens();
        let mut stack = vec![tree.root()];
        while let Some(n) = stack.pop() {
            stack.extend(tree.children(n));
            if tree.kind(n) != NodeKind::Entry {
                continue;
            }
            let Some(value) = tree.entry_value(n) else {
                continue;
            };
            let kind = tree.kind(value);
            if !matches!(kind, NodeKind::BlockMap | NodeKind::BlockSeq) {
                continue;
            }
            // The value's first entry, on a line of its own.
            let Some(first) = tree
                .children(value)
                .find(|&c| matches!(tree.kind(c), NodeKind::Entry | NodeKind::Item))
            else {
                continue;
            };
            let entry_tok = toks[tree.token_span(n).start];
            let first_tok = toks[tree.token_span(first).start];
            if !entry_tok.first_on_line() || !first_tok.first_on_line() {
                continue;
            }
            let (key, child) = (entry_tok.col as usize, first_tok.col as usize);
            match kind {
                NodeKind::BlockMap if child > key && child - key <= 8 => {
                    votes.widths[child - key] += 1;
                }
                NodeKind::BlockSeq if child > key => votes.indented += 1,
                NodeKind::BlockSeq if child == key => votes.indentless += 1,
                _ => {}
            }
        }
        votes
    }

    /// The width most nested mappings use (the smaller on a tie); `None` without any.
    pub fn width(&self) -> Option<usize> {
        let best = (1..=8).max_by_key(|&w| (self.widths[w], std::cmp::Reverse(w)))?;
        (self.widths[best] > 0).then_some(best)
    }

    /// The sequence style most sequences under keys use (indented on a tie); `None` without any.
    pub fn sequences(&self) -> Option<SequenceIndent> {
        if self.indented + self.indentless == 0 {
            None
        } else if self.indentless > self.indented {
            Some(SequenceIndent::Indentless)
        } else {
            Some(SequenceIndent::Indented)
        }
    }
}

/// The width and sequence style to format `tree` with: the configured ones, or for `"auto"`
/// what the file already uses (2 and indented when it shows nothing).
pub fn effective(tree: &SyntaxTree, cfg: &LayoutConfig) -> (usize, SequenceIndent) {
    let auto = cfg.indent == Indent::Auto || cfg.sequence_indent == SequenceIndent::Auto;
    let votes = if auto {
        StyleVotes::of(tree)
    } else {
        StyleVotes::default()
    };
    let width = match cfg.indent {
        Indent::Spaces(n) => n.max(1),
        Indent::Auto => votes.width().unwrap_or(2),
    };
    let sequences = match cfg.sequence_indent {
        SequenceIndent::Auto => votes.sequences().unwrap_or(SequenceIndent::Indented),
        fixed => fixed,
    };
    (width, sequences)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn reads_width_and_sequence_style() {
        let src = "on:\n    push:\n        branches:\n        - main\njobs:\n    a:\n        steps:\n        - run: x\n          env:\n              A: 1\n";
        let votes = StyleVotes::of(&parse(src));
        assert_eq!(votes.width(), Some(4));
        assert_eq!(votes.sequences(), Some(SequenceIndent::Indentless));
        let votes = StyleVotes::of(&parse("a: 1\nb: [x]\n"));
        assert_eq!((votes.width(), votes.sequences()), (None, None));
    }

    #[test]
    fn auto_settings_use_the_votes_and_defaults() {
        let cfg = LayoutConfig {
            indent: Indent::Auto,
            sequence_indent: SequenceIndent::Auto,
            ..LayoutConfig::default()
        };
        let four = parse("a:\n    b:\n        - c\n");
        assert_eq!(effective(&four, &cfg), (4, SequenceIndent::Indented));
        let flat = parse("a: 1\n");
        assert_eq!(effective(&flat, &cfg), (2, SequenceIndent::Indented));
        let fixed = LayoutConfig::default();
        assert_eq!(effective(&four, &fixed), (2, SequenceIndent::Indented));
    }
}
