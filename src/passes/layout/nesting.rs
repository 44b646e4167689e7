//! Indexes that answer "what encloses this line or token?" in logarithmic or amortised constant
//! time, so that laying out a file stays linear in its size however deeply it nests.

use super::indent::Collection;
use crate::syntax::SyntaxTree;

const NONE: u32 = u32::MAX;

/// The outermost flow collections of the tree, as token index ranges in text order.
pub struct FlowSpans {
    spans: Vec<(u32, u32)>,
}

impl FlowSpans {
    pub fn new(tree: &SyntaxTree) -> FlowSpans {
        let mut spans: Vec<(u32, u32)> = tree
            .outermost_flows()
            .iter()
            .map(|&n| {
                let s = tree.token_span(n);
                (s.start as u32, s.end as u32)
            })
            .collect();
        spans.sort_unstable();
        FlowSpans { spans }
    }

    /// For a token inside a flow collection other than its opening token, the index of the
    /// outermost enclosing flow collection's first token.
    pub fn enclosing_start(&self, tok: usize) -> Option<usize> {
        let tok = tok as u32;
        let i = self.spans.partition_point(|&(s, _)| s <= tok);
        let &(start, end) = self.spans.get(i.checked_sub(1)?)?;
        (tok < end && start != tok).then_some(start as usize)
    }
}

/// Block collections nested by their line ranges: for every line, the innermost collection
/// that spans it, and for every collection the one around it.
pub struct Nesting {
    innermost: Vec<u32>,
    parent: Vec<u32>,
}

impl Nesting {
    pub fn new(collections: &[Collection], lines: usize) -> Nesting {
        // Outer before inner: by first line, then longest first, then creation order (a parent
        // is created before its children).
        let mut order: Vec<u32> = (0..collections.len() as u32).collect();
        order.sort_unstable_by_key(|&c| {
            let c = collections[c as usize];
            (c.first_line, std::cmp::Reverse(c.last_line))
        });
        let mut parent = vec![NONE; collections.len()];
        let mut innermost = vec![NONE; lines];
        let mut stack: Vec<u32> = Vec::new();
        let mut k = 0;
        for (l, slot) in innermost.iter_mut().enumerate() {
            while stack
                .last()
                .is_some_and(|&t| collections[t as usize].last_line < l)
            {
                stack.pop();
            }
            while k < order.len() && collections[order[k] as usize].first_line <= l {
                let c = order[k];
                let last = collections[c as usize].last_line;
                while stack
                    .last()
                    .is_some_and(|&t| collections[t as usize].last_line < last.max(l))
                {
                    stack.pop();
                }
                parent[c as usize] = stack.last().copied().unwrap_or(NONE);
                if last >= l {
                    stack.push(c);
                }
                k += 1;
            }
            *slot = stack.last().copied().unwrap_or(NONE);
        }
        Nesting { innermost, parent }
    }

    /// The collections around line `l`, innermost first.
    pub fn around(&self, l: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.innermost.get(l).copied().unwrap_or(NONE);
        std::iter::from_fn(move || {
            if next == NONE {
                return None;
            }
            let c = next;
            next = self.parent[c as usize];
            Some(c as usize)
        })
    }
}

/// Lines seen so far, kept only where they can still answer "the last line before here indented
/// no further than `col`": indentations strictly increase from bottom to top.
#[derive(Default)]
pub struct IndentStack {
    entries: Vec<(usize, usize)>,
}

impl IndentStack {
    pub fn push(&mut self, line: usize, indent: usize) {
        while self.entries.last().is_some_and(|&(_, i)| i >= indent) {
            self.entries.pop();
        }
        self.entries.push((line, indent));
    }

    /// The last pushed line whose indentation is at most `col`.
    pub fn last_at_most(&self, col: usize) -> Option<usize> {
        let i = self.entries.partition_point(|&(_, indent)| indent <= col);
        i.checked_sub(1).map(|i| self.entries[i].0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn coll(old: usize, first_line: usize, last_line: usize) -> Collection {
        Collection {
            old,
            new: old,
            first_line,
            last_line,
        }
    }

    #[test]
    fn flow_spans_find_the_outermost_collection() {
        let tree = parse("a: [x, {b: [c,\n  d]}]\ne: f\n");
        let spans = FlowSpans::new(&tree);
        let toks = tree.tokens();
        let d = toks
            .iter()
            .position(|t| t.text(tree.text()) == "d")
            .unwrap();
        let open = toks
            .iter()
            .position(|t| t.text(tree.text()) == "[")
            .unwrap();
        assert_eq!(spans.enclosing_start(d), Some(open));
        assert_eq!(spans.enclosing_start(open), None);
        let f = toks
            .iter()
            .position(|t| t.text(tree.text()) == "f")
            .unwrap();
        assert_eq!(spans.enclosing_start(f), None);
    }

    #[test]
    fn nesting_walks_outwards() {
        // 0: root map (lines 0-5), 1: seq (1-3), 2: map in item (2-3), 3: sibling map (5-5)
        let colls = [coll(0, 0, 5), coll(2, 1, 3), coll(4, 2, 3), coll(2, 5, 5)];
        let n = Nesting::new(&colls, 6);
        assert_eq!(n.around(3).collect::<Vec<_>>(), [2, 1, 0]);
        assert_eq!(n.around(4).collect::<Vec<_>>(), [0]);
        assert_eq!(n.around(5).collect::<Vec<_>>(), [3, 0]);
    }

    #[test]
    fn indent_stack_answers_the_last_shallower_line() {
        let mut s = IndentStack::default();
        for (line, indent) in [(0, 0), (1, 2), (2, 4), (3, 2), (4, 6)] {
            s.push(line, indent);
        }
        assert_eq!(s.last_at_most(5), Some(3));
        assert_eq!(s.last_at_most(1), Some(0));
        assert_eq!(s.last_at_most(6), Some(4));
    }
}
