//! Work started on files while the directory walk is still going.
//!
//! The walk of a tree is mostly system calls on one core, and the files can be taken in path
//! order only once it has ended, so the other cores would wait for it. [`EarlyWork`] gives each
//! file found to a free worker at once; when the files are then taken in path order, a result
//! worked out early is used instead of working the file out again. Only work that starts while
//! the walk lasts is done early: afterwards files are taken in path order, so that their results
//! are printed as they come and memory holds the files in flight, not the tree.
//!
//! A result is used only for the very file it was made for (the same [`Discovered`], field for
//! field), and it may be thrown away (a file found under two names keeps one), so the work
//! must not write anything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::discover::Discovered;

/// Results of files worked out while the walk lasts, by display path.
pub struct EarlyWork<R> {
    state: Mutex<State<R>>,
}

struct State<R> {
    walking: bool,
    started: HashMap<String, Arc<Slot<R>>>,
}

struct Slot<R> {
    file: Discovered,
    /// Set once by whoever works the file out first: the early worker or the taker.
    result: OnceLock<Mutex<Option<R>>>,
}

impl<R: Send> Default for EarlyWork<R> {
    fn default() -> Self {
        EarlyWork {
            state: Mutex::new(State {
                walking: true,
                started: HashMap::new(),
            }),
        }
    }
}

impl<R: Send> EarlyWork<R> {
    /// Has a worker of `scope` work `file` out, if the walk is still going when it gets to it.
    pub fn start<'s, W>(&'s self, scope: &rayon::Scope<'s>, file: &Discovered, work: &'s W)
    where
        W: Fn(&Discovered) -> R + Sync,
        R: 's,
    {
        let file = file.clone();
        scope.spawn(move |_| {
            let slot = {
                let mut state = self.lock();
                if !state.walking || state.started.contains_key(&file.display) {
                    return;
                }
                let slot = Arc::new(Slot {
                    file,
                    result: OnceLock::new(),
                });
                state
                    .started
                    .insert(slot.file.display.clone(), Arc::clone(&slot));
                slot
            };
            slot.result
                .get_or_init(|| Mutex::new(Some(work(&slot.file))));
        });
    }

    /// The walk has ended: work not started by now is left to [`EarlyWork::take_or_work`].
    pub fn walk_ended(&self) {
        self.lock().walking = false;
    }

    /// `file`'s result: the one worked out early for this very file (waiting for it if it is
    /// being worked out now), else `work(file)`.
    pub fn take_or_work<W>(&self, file: &Discovered, work: &W) -> R
    where
        W: Fn(&Discovered) -> R,
    {
        let slot = self.lock().started.remove(&file.display);
        if let Some(slot) = slot.filter(|slot| slot.file == *file) {
            let cell = slot.result.get_or_init(|| Mutex::new(Some(work(file))));
            if let Some(result) = cell.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return result;
            }
        }
        work(file)
    }

    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileKind;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn file(name: &str) -> Discovered {
        Discovered {
            path: PathBuf::from(name),
            display: name.to_string(),
            kind: FileKind::Workflow,
            explicit: false,
            symlink: false,
            listed_regular: true,
        }
    }

    /// Each file is worked out once, early or when taken, and taking gives its own result.
    #[test]
    fn every_file_is_worked_out_once() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let files: Vec<Discovered> = (0..300).map(|i| file(&format!("f{i}.yml"))).collect();
        let calls = AtomicUsize::new(0);
        let work = |f: &Discovered| {
            calls.fetch_add(1, Ordering::Relaxed);
            format!("report of {}", f.display)
        };
        let early = EarlyWork::default();
        let results: Vec<String> = pool.in_place_scope(|scope| {
            for f in &files[..200] {
                early.start(scope, f, &work);
            }
            // Let some of them be worked out early.
            while calls.load(Ordering::Relaxed) < 50 {
                std::thread::yield_now();
            }
            early.walk_ended();
            // Started after the walk: left to the taker.
            for f in &files[200..] {
                early.start(scope, f, &work);
            }
            files.iter().map(|f| early.take_or_work(f, &work)).collect()
        });
        for (f, r) in files.iter().zip(&results) {
            assert_eq!(*r, format!("report of {}", f.display));
        }
        // The early results were used, not worked out again.
        assert_eq!(calls.load(Ordering::Relaxed), files.len());
    }

    /// A result made for a file is not used for another file of the same display path (a file
    /// named on the command line as well as found, say).
    #[test]
    fn a_result_is_used_only_for_its_own_file() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let calls = AtomicUsize::new(0);
        let work = |f: &Discovered| {
            calls.fetch_add(1, Ordering::Relaxed);
            (f.display.clone(), f.explicit)
        };
        let early = EarlyWork::default();
        let found = file("a.yml");
        let named = Discovered {
            explicit: true,
            ..found.clone()
        };
        let taken = pool.in_place_scope(|scope| {
            early.start(scope, &found, &work);
            while calls.load(Ordering::Relaxed) < 1 {
                std::thread::yield_now();
            }
            early.walk_ended();
            early.take_or_work(&named, &work)
        });
        assert_eq!(taken, ("a.yml".to_string(), true));
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }
}
