//! Myers' diff over line numbers, making exactly the choices `similar::algorithms::myers`
//! makes (the same middle snakes, so the same operations reach the hook), without its generic
//! indexing: a diff's cost is almost all in this loop once a block was re-indented, and the
//! operations must stay the ones `similar` finds (the output of every run is compared with
//! earlier runs'). A test below checks the two against each other on random inputs.
//!
//! The algorithm: E. W. Myers, "An O(ND) Difference Algorithm and Its Variations" (1986),
//! divide and conquer on the middle snake of a shortest edit script.

use std::ops::Range;
use std::time::Instant;

use similar::algorithms::DiffHook;

/// Diff `old[old_range]` against `new[new_range]` into `hook`, without finishing it. Past
/// `deadline`, a part not yet divided is given as one deletion and one insertion.
pub(super) fn diff<D: DiffHook>(
    hook: &mut D,
    old: &[u32],
    old_range: Range<usize>,
    new: &[u32],
    new_range: Range<usize>,
    deadline: Option<Instant>,
) -> Result<(), D::Error> {
    let max_d = max_d(old_range.len(), new_range.len());
    let mut search = Search {
        old,
        new,
        forward: Furthest::new(max_d),
        backward: Furthest::new(max_d),
        deadline,
    };
    search.conquer(hook, old_range, new_range)
}

/// As `similar`: the number of `d` rounds a middle-snake search may take.
fn max_d(old_len: usize, new_len: usize) -> usize {
    (old_len + new_len).div_ceil(2) + 1
}

/// The furthest x reached on each diagonal `k` (negative `k` too), kept in two arrays by the
/// parity of `k`. Round `d` of a search writes the diagonals of `d`'s parity and reads their
/// neighbours, of the other parity, written in round `d - 1`: with one array per parity, a
/// round walks two arrays side by side, with no index arithmetic or bounds check per diagonal.
struct Furthest {
    /// Added to `k` before halving: even, so `k` and `k + offset` have the same parity.
    offset: isize,
    by_parity: [Vec<usize>; 2],
}

impl Furthest {
    fn new(max_d: usize) -> Furthest {
        let offset = 2 * (max_d as isize + 2);
        let len = offset as usize + 2;
        Furthest {
            offset,
            by_parity: [vec![0; len], vec![0; len]],
        }
    }

    /// Index of diagonal `k` in its parity's array.
    #[inline(always)]
    fn slot(&self, k: isize) -> usize {
        ((k + self.offset) >> 1) as usize
    }

    #[inline(always)]
    fn get(&self, k: isize) -> usize {
        self.by_parity[(k & 1) as usize][self.slot(k)]
    }

    #[inline(always)]
    fn set(&mut self, k: isize, x: usize) {
        let slot = self.slot(k);
        self.by_parity[(k & 1) as usize][slot] = x;
    }

    /// For round `d`: the slots of diagonals `-d, -d+2, ..., d` (written) and of their
    /// neighbours `-d-1, -d+1, ..., d+1` (read), in increasing `k`.
    #[inline(always)]
    fn round(&mut self, d: isize) -> (&mut [usize], &[usize]) {
        let (first, neighbour) = (self.slot(-d), self.slot(-d - 1));
        let [even, odd] = &mut self.by_parity;
        let (written, read) = if d & 1 == 0 { (even, odd) } else { (odd, even) };
        (
            &mut written[first..=first + d as usize],
            &read[neighbour..=neighbour + d as usize + 1],
        )
    }
}

struct Search<'a> {
    old: &'a [u32],
    new: &'a [u32],
    forward: Furthest,
    backward: Furthest,
    deadline: Option<Instant>,
}

impl Search<'_> {
    fn conquer<D: DiffHook>(
        &mut self,
        hook: &mut D,
        mut old: Range<usize>,
        mut new: Range<usize>,
    ) -> Result<(), D::Error> {
        let prefix = self.common_prefix(old.clone(), new.clone());
        if prefix > 0 {
            hook.equal(old.start, new.start, prefix)?;
        }
        old.start += prefix;
        new.start += prefix;
        let suffix = self.common_suffix(old.clone(), new.clone());
        old.end -= suffix;
        new.end -= suffix;
        let suffix_at = (old.end, new.end);

        if old.is_empty() && new.is_empty() {
        } else if new.is_empty() {
            hook.delete(old.start, old.len(), new.start)?;
        } else if old.is_empty() {
            hook.insert(old.start, new.start, new.len())?;
        } else if let Some((x, y)) = self.middle_snake(old.clone(), new.clone()) {
            self.conquer(hook, old.start..x, new.start..y)?;
            self.conquer(hook, x..old.end, y..new.end)?;
        } else {
            hook.delete(old.start, old.len(), new.start)?;
            hook.insert(old.start, new.start, new.len())?;
        }

        if suffix > 0 {
            hook.equal(suffix_at.0, suffix_at.1, suffix)?;
        }
        Ok(())
    }

    /// How many lines the two ranges have in common at their starts.
    #[inline(always)]
    fn common_prefix(&self, old: Range<usize>, new: Range<usize>) -> usize {
        self.old[old]
            .iter()
            .zip(&self.new[new])
            .take_while(|(a, b)| a == b)
            .count()
    }

    /// How many lines the two ranges have in common at their ends.
    #[inline(always)]
    fn common_suffix(&self, old: Range<usize>, new: Range<usize>) -> usize {
        self.old[old]
            .iter()
            .rev()
            .zip(self.new[new].iter().rev())
            .take_while(|(a, b)| a == b)
            .count()
    }

    /// Where a shortest edit script of the two (non-empty) ranges crosses its middle, found by
    /// searching from both corners at once; `None` past the deadline. The diagonals of a round
    /// are visited from `d` down to `-d`, as `similar` does: the first overlap found wins.
    fn middle_snake(&mut self, old: Range<usize>, new: Range<usize>) -> Option<(usize, usize)> {
        let (a, b) = (&self.old[old.clone()], &self.new[new.clone()]);
        let (n, m) = (a.len(), b.len());
        let delta = n as isize - m as isize;
        let odd = delta & 1 == 1;
        let (forward, backward) = (&mut self.forward, &mut self.backward);
        forward.set(1, 0);
        backward.set(1, 0);
        let d_max = max_d(n, m) as isize;
        for d in 0..d_max {
            // Reading the clock costs more than an early round, so it is read every 32 rounds:
            // a search passes its deadline by a few rounds at most.
            if d % 32 == 0
                && self
                    .deadline
                    .is_some_and(|deadline| Instant::now() > deadline)
            {
                break;
            }
            // Forward, from the top left corner.
            let (written, read) = forward.round(d);
            let mut k = d;
            for (slot, near) in written.iter_mut().rev().zip(read.windows(2).rev()) {
                // near[0]: diagonal k - 1, near[1]: diagonal k + 1.
                let mut x = if k == -d || (k != d && near[0] < near[1]) {
                    near[1]
                } else {
                    near[0] + 1
                };
                let mut y = (x as isize - k) as usize;
                let start = (x, y);
                while x < n && y < m && a[x] == b[y] {
                    x += 1;
                    y += 1;
                }
                *slot = x;
                if odd && (k - delta).abs() < d && x + backward.get(-(k - delta)) >= n {
                    return Some((start.0 + old.start, start.1 + new.start));
                }
                k -= 2;
            }
            // Backward, from the bottom right corner (x and y count from the ends).
            let (written, read) = backward.round(d);
            let mut k = d;
            for (slot, near) in written.iter_mut().rev().zip(read.windows(2).rev()) {
                let mut x = if k == -d || (k != d && near[0] < near[1]) {
                    near[1]
                } else {
                    near[0] + 1
                };
                let mut y = (x as isize - k) as usize;
                while x < n && y < m && a[n - x - 1] == b[m - y - 1] {
                    x += 1;
                    y += 1;
                }
                *slot = x;
                if !odd && (k - delta).abs() <= d && x + forward.get(-(k - delta)) >= n {
                    return Some((n - x + old.start, m - y + new.start));
                }
                k -= 2;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use similar::algorithms::{myers, Capture};
    use similar::DiffOp;

    fn ours(old: &[u32], new: &[u32]) -> Vec<DiffOp> {
        let mut hook = Capture::new();
        diff(&mut hook, old, 0..old.len(), new, 0..new.len(), None).unwrap();
        hook.into_ops()
    }

    fn theirs(old: &[u32], new: &[u32]) -> Vec<DiffOp> {
        let mut hook = Capture::new();
        myers::diff(&mut hook, old, 0..old.len(), new, 0..new.len()).unwrap();
        hook.into_ops()
    }

    /// The same operations as `similar`'s Myers, unmerged (no compaction that could hide a
    /// different choice), on 30,000 random pairs: small alphabets give many equal lines and
    /// many equally short scripts to choose between, and ranges that start past zero.
    #[test]
    fn makes_the_choices_similar_makes() {
        let mut next = super::super::random_below(0x9e37_79b9_7f4a_7c15);
        for round in 0..30_000 {
            let alphabet = 1 + u64::from(next(12));
            let old: Vec<u32> = (0..next(60)).map(|_| next(alphabet)).collect();
            let new: Vec<u32> = if round % 3 == 0 {
                (0..next(60)).map(|_| next(alphabet)).collect()
            } else {
                let mut new = old.clone();
                for _ in 0..next(8) {
                    let at = next(new.len() as u64 + 1) as usize;
                    if next(2) == 0 && at < new.len() {
                        new.remove(at);
                    } else {
                        new.insert(at, next(alphabet + 3));
                    }
                }
                new
            };
            assert_eq!(ours(&old, &new), theirs(&old, &new), "{old:?} -> {new:?}");
            // A sub-range, as the patience sections ask for.
            if old.len() > 4 && new.len() > 4 {
                let (o, n) = (2..old.len() - 1, 1..new.len() - 2);
                let mut a = Capture::new();
                diff(&mut a, &old, o.clone(), &new, n.clone(), None).unwrap();
                let mut b = Capture::new();
                myers::diff(&mut b, &old[..], o, &new[..], n).unwrap();
                assert_eq!(a.into_ops(), b.into_ops(), "{old:?} -> {new:?}");
            }
        }
    }

    #[test]
    fn a_passed_deadline_gives_one_deletion_and_one_insertion() {
        let (old, new) = ([1, 2, 3, 4], [5, 2, 6, 4]);
        let mut hook = Capture::new();
        let past = Instant::now();
        diff(&mut hook, &old, 0..4, &new, 0..4, Some(past)).unwrap();
        let ops = hook.into_ops();
        let mut theirs = Capture::new();
        myers::diff_deadline(&mut theirs, &old[..], 0..4, &new[..], 0..4, Some(past)).unwrap();
        assert_eq!(ops, theirs.into_ops());
        assert_eq!(ops.len(), 3, "{ops:?}");
    }
}
