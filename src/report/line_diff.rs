//! The line operations of a diff: patience anchoring with Myers between the anchors, as
//! `similar`'s `Algorithm::Patience`, plus one shortcut that matters for formatting.
//!
//! A re-indented block changes every one of its lines, so between two anchors the old and the
//! new lines often have no line in common. Myers then searches every diagonal before it
//! concludes that all old lines go and all new lines come: quadratic in the block's length
//! (a 300-line block costs a millisecond). Here such a section is written as that deletion and
//! insertion at once. The matching of lines is the same as Myers would find (there is nothing
//! to match); what can differ is only where `similar`'s compaction slides an inserted run
//! along equal lines next to it, which leaves an equally short, equally valid diff.
//!
//! The lines are numbers (one per distinct line), so the bookkeeping uses plain arrays.

use std::ops::Range;
use std::time::Instant;

use similar::algorithms::{Capture, Compact, DiffHook, Replace};
use similar::DiffOp;

use super::myers;

/// The operations turning `old` into `new`, each a line number below `distinct`, compacted
/// and with adjacent deletions and insertions joined into replacements (what
/// `similar::capture_diff_slices_deadline` returns). Past `deadline` the Myers searches settle
/// for a correct but possibly longer diff.
pub fn line_ops(
    old: &[u32],
    new: &[u32],
    distinct: usize,
    deadline: Option<Instant>,
) -> Vec<DiffOp> {
    let mut hook = Compact::new(Replace::new(Capture::new()), old, new);
    let old_anchors = once_only(old, distinct);
    let new_anchors = once_only(new, distinct);
    let old_keys: Vec<u32> = old_anchors.iter().map(|&i| old[i]).collect();
    let new_keys: Vec<u32> = new_anchors.iter().map(|&i| new[i]).collect();
    let mut anchored = Replace::new(Anchored {
        hook: &mut hook,
        old,
        new,
        old_anchors: &old_anchors,
        new_anchors: &new_anchors,
        old_at: 0,
        new_at: 0,
        seen: Seen::new(distinct),
        deadline,
    });
    // Lines that occur once on each side anchor the diff: their longest common subsequence.
    let Ok(()) = myers::diff(
        &mut anchored,
        &old_keys,
        0..old_keys.len(),
        &new_keys,
        0..new_keys.len(),
        deadline,
    )
    .and_then(|()| anchored.finish());
    hook.into_inner().into_inner().into_ops()
}

/// The positions of the lines that occur exactly once in `lines`, in order.
fn once_only(lines: &[u32], distinct: usize) -> Vec<usize> {
    let mut count = vec![0u8; distinct];
    for &line in lines {
        let c = &mut count[line as usize];
        *c = c.saturating_add(1);
    }
    (0..lines.len())
        .filter(|&i| count[lines[i] as usize] == 1)
        .collect()
}

/// Which lines one section of the old side holds, reusable between sections without clearing.
struct Seen {
    stamp: Vec<u32>,
    round: u32,
}

impl Seen {
    fn new(distinct: usize) -> Seen {
        Seen {
            stamp: vec![0; distinct],
            round: 0,
        }
    }

    /// Whether the two sections have no line in common.
    fn disjoint(&mut self, old: &[u32], new: &[u32]) -> bool {
        self.round += 1;
        for &line in old {
            self.stamp[line as usize] = self.round;
        }
        !new.iter()
            .any(|&line| self.stamp[line as usize] == self.round)
    }
}

/// Receives the matched anchors (in order) and diffs the sections between them.
struct Anchored<'a, D: DiffHook> {
    hook: &'a mut D,
    old: &'a [u32],
    new: &'a [u32],
    old_anchors: &'a [usize],
    new_anchors: &'a [usize],
    old_at: usize,
    new_at: usize,
    seen: Seen,
    deadline: Option<Instant>,
}

impl<D: DiffHook> Anchored<'_, D> {
    /// Diffs `old[old_at..old_end]` against `new[new_at..new_end]`, without finishing the hook.
    fn section(&mut self, old_end: usize, new_end: usize) -> Result<(), D::Error> {
        let (old, new) = (self.old_at..old_end, self.new_at..new_end);
        // A section with an empty side gets what Myers would give it, without its set-up.
        match (old.is_empty(), new.is_empty()) {
            (true, true) => {}
            (true, false) => self.hook.insert(old.start, new.start, new.len())?,
            (false, true) => self.hook.delete(old.start, old.len(), new.start)?,
            (false, false) => {
                if self
                    .seen
                    .disjoint(&self.old[old.clone()], &self.new[new.clone()])
                {
                    self.hook.delete(old.start, old.len(), new.start)?;
                    self.hook.insert(old.end, new.start, new.len())?;
                } else {
                    self.myers(old, new)?;
                }
            }
        }
        self.old_at = old_end;
        self.new_at = new_end;
        Ok(())
    }

    fn myers(&mut self, old: Range<usize>, new: Range<usize>) -> Result<(), D::Error> {
        myers::diff(&mut *self.hook, self.old, old, self.new, new, self.deadline)
    }
}

impl<D: DiffHook> DiffHook for Anchored<'_, D> {
    type Error = D::Error;

    fn equal(&mut self, old: usize, new: usize, len: usize) -> Result<(), D::Error> {
        for (old, new) in (old..old + len).zip(new..new + len) {
            let (old_anchor, new_anchor) = (self.old_anchors[old], self.new_anchors[new]);
            // Equal lines right after the previous anchor are taken as they come.
            let (a0, b0) = (self.old_at, self.new_at);
            while self.old_at < old_anchor
                && self.new_at < new_anchor
                && self.old[self.old_at] == self.new[self.new_at]
            {
                self.old_at += 1;
                self.new_at += 1;
            }
            if self.old_at > a0 {
                self.hook.equal(a0, b0, self.old_at - a0)?;
            }
            self.section(old_anchor, new_anchor)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), D::Error> {
        self.section(self.old.len(), self.new.len())?;
        self.hook.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use similar::Algorithm;

    fn ours(old: &[u32], new: &[u32]) -> Vec<DiffOp> {
        let distinct = old.iter().chain(new).max().map_or(0, |&m| m as usize + 1);
        line_ops(old, new, distinct, None)
    }

    fn similar(old: &[u32], new: &[u32]) -> Vec<DiffOp> {
        similar::capture_diff_slices(Algorithm::Patience, old, new)
    }

    /// Applies `ops` to `old`, taking inserted lines from `new`.
    fn apply(ops: &[DiffOp], old: &[u32], new: &[u32]) -> Vec<u32> {
        let mut out = Vec::new();
        for op in ops {
            let (_, o, n) = op.as_tag_tuple();
            match op {
                DiffOp::Equal { .. } => out.extend_from_slice(&old[o]),
                DiffOp::Delete { .. } => {}
                DiffOp::Insert { .. } | DiffOp::Replace { .. } => out.extend_from_slice(&new[n]),
            }
        }
        out
    }

    #[test]
    fn a_reindented_block_is_one_replacement() {
        let old = [1, 2, 3, 4, 5, 9];
        let new = [1, 12, 13, 14, 15, 9];
        let ops = ours(&old, &new);
        assert_eq!(ops, similar(&old, &new));
        assert_eq!(ops.len(), 3, "{ops:?}");
    }

    /// Random sequences over small alphabets (many repeats, many shared lines): the diff
    /// rebuilds the new side and is the very one `similar` computes (the compaction
    /// difference the module docs allow for does not occur in these 20,000 cases).
    #[test]
    fn agrees_with_similar_patience() {
        let mut next = super::super::random_below(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let alphabet = 2 + u64::from(next(30));
            let old: Vec<u32> = (0..next(40)).map(|_| next(alphabet)).collect();
            let mut new = old.clone();
            for _ in 0..next(6) {
                let at = next(new.len() as u64 + 1) as usize;
                match next(3) {
                    0 if at < new.len() => {
                        new.remove(at);
                    }
                    1 => new.insert(at, 100 + next(alphabet)),
                    _ => {
                        let end = (at + next(10) as usize).min(new.len());
                        for line in &mut new[at..end] {
                            *line += 200;
                        }
                    }
                }
            }
            let ops = ours(&old, &new);
            assert_eq!(apply(&ops, &old, &new), new, "{old:?} -> {new:?}: {ops:?}");
            assert_eq!(ops, similar(&old, &new), "{old:?} -> {new:?}");
        }
    }
}
